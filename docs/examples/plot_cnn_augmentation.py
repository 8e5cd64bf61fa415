"""
What the CNN trains on: augmented faces
=======================================

:class:`~sklearn_fer.neural_network.ConvNetClassifier` augments every training
batch by a random flip, rotation, shift, zoom and blur (its ``flip``,
``rotation``, ``shift``, ``scale`` and ``blur`` parameters); prediction sees
the faces as they are. :meth:`~sklearn_fer.neural_network.ConvNetClassifier.augment`
draws the same augmentation, to look at: the first row holds six faces, each
row below one epoch's draw of them with the default parameters.
"""

import matplotlib.pyplot as plt

from sklearn_fer.datasets import EMOTIONS, make_faces
from sklearn_fer.neural_network import ConvNetClassifier

X, y = make_faces(6, random_state=2, return_X_y=True)
model = ConvNetClassifier()  # the default augmentation
rows = [X] + [model.augment(X, random_state=epoch) for epoch in range(3)]

fig, axes = plt.subplots(len(rows), len(X), figsize=(7, 5), layout="constrained")
for row, (faces, label) in enumerate(
    zip(rows, ["original", "epoch 1", "epoch 2", "epoch 3"], strict=True)
):
    for column, face in enumerate(faces):
        ax = axes[row, column]
        ax.imshow(face.reshape(48, 48), cmap="gray", vmin=0, vmax=255)
        ax.set(xticks=[], yticks=[])
        if row == 0:
            ax.set_title(EMOTIONS[y[column]], fontsize="small")
        if column == 0:
            ax.set_ylabel(label)
fig.suptitle(
    f"flip={model.flip}, rotation={model.rotation}, shift={model.shift}, "
    f"scale={model.scale}, blur={model.blur}"
)
plt.show()
