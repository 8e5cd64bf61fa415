"""
The study's loss curves: step size and batch size
=================================================

The study behind the linear models plots the training and validation loss per
epoch of its logistic model (happy vs not happy, its Figure 2) and of its
softmax model (7 emotions, its Figure 3), and names the step size and the batch
size as the parameters that matter. These are the same curves, read from
``loss_curve_`` (the training objective, penalty included) and
``validation_loss_curve_`` (the log loss on the validation faces), for three
step sizes ``eta0`` and three batch sizes.

With the environment variable ``SKLEARN_FER_DATA`` set to FER2013's
``fer2013.csv.gz``, the models are fit on 8,000 of its Training faces and
validated on PublicTest; otherwise on synthetic faces.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from sklearn_fer.datasets import (
    EMOTIONS,
    load_fer2013,
    make_faces,
    train_test_by_usage,
)
from sklearn_fer.inspection import LossCurveDisplay
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression

if os.environ.get("SKLEARN_FER_DATA"):
    faces = load_fer2013(os.environ["SKLEARN_FER_DATA"])
    source = "FER2013, 8,000 Training faces (validation: PublicTest)"
else:
    faces = make_faces(3000, random_state=0)
    faces.usage = np.where(np.arange(3000) < 2400, "Training", "PublicTest")
    source = "synthetic faces (validation: 600 held out)"
split = train_test_by_usage(faces)  # standardized by the Training faces' scaler
X, y = split.X_train[:8000], split.y_train[:8000]
happy = EMOTIONS.index("happy")
tasks = {
    "happy vs not happy (Figure 2)": (
        SGDLogisticRegression,
        y == happy,
        split.y_test == happy,
    ),
    "7 emotions (Figure 3)": (SGDSoftmaxRegression, y, split.y_test),
}
settings = {
    "eta0": [1e-4, 1e-3, 1e-2],  # batch_size=128
    "batch_size": [32, 128, 512],  # eta0=1e-2
}

fig, axes = plt.subplots(2, 2, figsize=(11, 7), layout="constrained")
for row, (task, (Model, target, eval_target)) in zip(axes, tasks.items(), strict=True):
    for ax, (name, values) in zip(row, settings.items(), strict=True):
        for value in values:
            # The study's fixed step, not eta0='auto', for its batch sizes.
            params = {"eta0": 1e-2, name: value}
            model = Model(max_iter=20, random_state=0, **params)
            model.fit(X, target, eval_set=(split.X_test, eval_target))
            LossCurveDisplay.from_estimator(model, ax=ax, name=f"{name}={value:g}")
        ax.set_title(f"{task}: {name}", fontsize="medium")
fig.suptitle(source)
plt.show()
