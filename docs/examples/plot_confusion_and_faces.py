"""
Confusion matrix and misclassified faces
========================================

:func:`~sklearn_fer.inspection.confusion_matrix_display` draws scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay` normalised over the true
labels; :class:`~sklearn_fer.inspection.FaceGridDisplay` shows test faces with
their true and predicted labels, wrong ones in red. Both name FER2013's codes
0-6 with the emotions.
"""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import make_faces
from sklearn_fer.inspection import FaceGridDisplay, confusion_matrix_display
from sklearn_fer.linear_model import SGDSoftmaxRegression

X, y = make_faces(3000, random_state=0, return_X_y=True)
X = X.astype(np.float32) / 255
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = make_pipeline(StandardScaler(), SGDSoftmaxRegression(random_state=0))
model.fit(X_train, y_train)

# %%
# Rows: true emotion; columns: predicted; each row sums to 1.
_ = confusion_matrix_display(y_test, model.predict(X_test), labels=model.classes_)

# %%
# A sample of test faces.
_ = FaceGridDisplay.from_estimator(model, X_test, y_test, n_faces=12, random_state=0)
