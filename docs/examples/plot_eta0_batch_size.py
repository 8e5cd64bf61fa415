"""
Choosing the step size and the batch size
=========================================

The study behind the linear models varies SGD's step size ``eta0`` and its
batch size. A cross-validated :class:`~sklearn.model_selection.GridSearchCV`
over each shows the score and the fit time (``sklearn-fer sweep`` does the
same from the command line).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression

X, y = make_faces(2000, random_state=0, return_X_y=True)
X = X.astype(np.float32) / 255
pipe = make_pipeline(
    StandardScaler(), SGDSoftmaxRegression(max_iter=10, tol=None, random_state=0)
)
grids = {
    "sgdsoftmaxregression__eta0": [1e-4, 1e-3, 1e-2, 1e-1],
    "sgdsoftmaxregression__batch_size": [8, 32, 128, 512],
}

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
for ax, (name, values) in zip(axes, grids.items(), strict=True):
    search = GridSearchCV(pipe, {name: values}, cv=3).fit(X, y)
    results = search.cv_results_
    ax.errorbar(
        values, results["mean_test_score"], results["std_test_score"], marker="o"
    )
    ax.set(xscale="log", xlabel=name.split("__")[1], ylabel="accuracy (3-fold)")
    time_ax = ax.twinx()
    time_ax.plot(values, results["mean_fit_time"], "s--", color="tab:gray")
    time_ax.set_ylim(bottom=0)
    time_ax.set_ylabel("fit time (s)", color="tab:gray")
    print(name, dict(zip(values, results["mean_test_score"].round(3), strict=True)))
