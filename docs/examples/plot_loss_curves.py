"""
Training and validation loss per epoch
======================================

The logistic-regression study plots the training and validation loss of SGD
for several step sizes. :class:`~sklearn_fer.inspection.LossCurveDisplay` draws
the ``loss_curve_`` and ``validation_loss_curve_`` of each model on one axis.
"""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import make_faces
from sklearn_fer.inspection import LossCurveDisplay
from sklearn_fer.linear_model import SGDSoftmaxRegression

X, y = make_faces(3000, random_state=0, return_X_y=True)
X = X.astype(np.float32) / 255
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0)

# %%
# One model per step size, each with the validation set passed to ``fit``:
# too small a step is still learning at the last epoch, too large a one is
# noisy.
ax = None
for eta0 in [1e-4, 1e-3, 1e-2]:
    model = make_pipeline(
        StandardScaler(),
        SGDSoftmaxRegression(eta0=eta0, max_iter=20, tol=None, random_state=0),
    )
    model.fit(X_train, y_train, sgdsoftmaxregression__eval_set=(X_val, y_val))
    display = LossCurveDisplay.from_estimator(
        model,
        name=f"eta0={eta0:g}",
        ax=ax,
        title="Softmax regression on synthetic faces",
    )
    ax = display.ax_
