"""
What the CNN trains on: augmented faces
=======================================

:class:`~sklearn_fer.neural_network.ConvNetClassifier` augments every training
batch by a random flip, rotation, shift, zoom and blur (its ``flip``,
``rotation``, ``shift``, ``scale`` and ``blur`` parameters), then takes a
random 44 x 44 crop of every face (``crop_size``; ``erasing`` would also blank
a random rectangle); prediction sees the centre crop of the faces as they are,
and its mirror image. :meth:`~sklearn_fer.neural_network.ConvNetClassifier.augment`
draws the same augmentation, to look at: the first row holds six faces, each
row below one epoch's draw of them with the default parameters.
"""

import math

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
        side = math.isqrt(face.size)  # 48, or the crop's 44
        ax.imshow(face.reshape(side, side), cmap="gray", vmin=0, vmax=255)
        ax.set(xticks=[], yticks=[])
        if row == 0:
            ax.set_title(EMOTIONS[y[column]], fontsize="small")
        if column == 0:
            ax.set_ylabel(label)
fig.suptitle(
    f"flip={model.flip}, rotation={model.rotation}, shift={model.shift}, "
    f"scale={model.scale}, blur={model.blur}, crop_size={model.crop_size}"
)
plt.show()
