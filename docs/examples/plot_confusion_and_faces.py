"""
Confusion matrix and misclassified faces
========================================

scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay` takes the
emotion names; :class:`~sklearn_fer.inspection.FaceGridDisplay` shows test
faces with their true and predicted labels, wrong ones in red.
"""

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import EMOTIONS, make_faces
from sklearn_fer.inspection import FaceGridDisplay
from sklearn_fer.linear_model import SGDSoftmaxRegression

X, y = make_faces(3000, random_state=0, return_X_y=True)
X = X.astype(np.float32) / 255
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = make_pipeline(StandardScaler(), SGDSoftmaxRegression(random_state=0))
model.fit(X_train, y_train)

# %%
# Rows: true emotion; columns: predicted; each row sums to 1.
_ = ConfusionMatrixDisplay.from_estimator(
    model,
    X_test,
    y_test,
    display_labels=EMOTIONS,
    normalize="true",
    xticks_rotation=45,
    values_format=".2f",
)

# %%
# A sample of test faces.
_ = FaceGridDisplay.from_estimator(
    model, X_test, y_test, n_faces=12, class_names=EMOTIONS, random_state=0
)
