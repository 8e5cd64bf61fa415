"""
Faces in a photo, cropped as FER2013
====================================

:class:`~sklearn_fer.preprocessing.FaceCropper` finds faces (extra
``faces``) and crops each as FER2013's faces were made: the detected face
framed like FER2013's, in grey, resized to 48x48. A model trained on FER2013
rows then predicts each face, and
:func:`~sklearn_fer.inspection.annotate_faces` labels them on the photo.
Here the "photo" is a grey scene with three synthetic faces pasted in; they
are drawn, not photographed, so the example asks for OpenCV's Haar cascade,
which finds them (YuNet, the default where installed, looks for real faces).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import EMOTIONS, make_faces
from sklearn_fer.inspection import FaceGridDisplay, annotate_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.preprocessing import FaceCropper

X, y = make_faces(3000, random_state=1, return_X_y=True)
model = make_pipeline(StandardScaler(), SGDSoftmaxRegression(random_state=0))
model.fit(X.astype(np.float32), y)

faces = make_faces(40, random_state=0)
photo = np.full((400, 800), 128, dtype=np.uint8)
for index, (top, left) in zip(
    (1, 23, 26), [(30, 20), (200, 300), (60, 600)], strict=True
):
    photo[top : top + 144, left : left + 144] = np.kron(
        faces.images[index], np.ones((3, 3), dtype=np.uint8)
    )

# %%
# Find and crop the faces, then predict them.
crops = FaceCropper(detector="haar").crop([photo])
predicted = model.predict(crops.faces.astype(np.float32))
names = [EMOTIONS[code] for code in predicted]
print(crops.boxes)

# %%
# The photo, annotated at its own resolution.
fig, ax = plt.subplots(figsize=(8, 4))
ax.imshow(annotate_faces(photo, crops.boxes, names))
ax.set_axis_off()

# %%
# The crops the model saw.
_ = FaceGridDisplay(images=crops.faces, y_pred=names).plot(n_cols=3)
