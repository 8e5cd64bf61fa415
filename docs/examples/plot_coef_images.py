"""
What a linear model looks at
============================

The weights of a softmax regression on raw pixels are images: one 48x48 map
per emotion. :class:`~sklearn_fer.inspection.CoefImageDisplay` draws them on a
symmetric colour scale, red where a brighter pixel pushes towards the emotion.
"""

import numpy as np

from sklearn_fer.datasets import make_faces
from sklearn_fer.inspection import CoefImageDisplay
from sklearn_fer.linear_model import SGDSoftmaxRegression

X, y = make_faces(3000, random_state=0, return_X_y=True)
X = X.astype(np.float32) / 255
model = SGDSoftmaxRegression(max_iter=20, alpha=1e-3, random_state=0).fit(X, y)
print(f"training accuracy: {model.score(X, y):.2f}")

# %%
# The mouth and the brows carry the emotion in these faces, and that is where
# the weights are largest.
display = CoefImageDisplay.from_estimator(model, n_cols=4)
