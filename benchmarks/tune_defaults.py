"""How the defaults of the SGD estimators were chosen: 3-fold CV on FER2013 Training.

PublicTest is never looked at here. Each grid point is scored by accuracy
(7 emotions, SGDSoftmaxRegression) and ROC AUC (happy vs rest,
SGDLogisticRegression); pixels scaled to [0, 1] and standardized within each
fold. Run: ``SKLEARN_FER_DATA=... python -m benchmarks.tune_defaults [GRID]``
with GRID a Python dict literal (default: the grid of the final choice).
"""

import ast
import itertools
import sys
import time
import warnings

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from benchmarks._common import data_path_or_exit, machine
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression

DEFAULT_GRID = {
    "eta0": [3e-3, 1e-2],
    "batch_size": [128, 256],
    "max_iter": [8, 12],
    "alpha": [1e-2],
}


def main():
    path = data_path_or_exit()
    grid = ast.literal_eval(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GRID
    faces = load_fer2013(path, usage="Training")
    X = faces.data.astype(np.float32) / 255
    print(f"## 3-fold CV on FER2013 Training ({machine()})")
    for title, Estimator, y, score in [
        ("7 emotions, accuracy", SGDSoftmaxRegression, faces.target, None),
        ("happy vs rest, ROC AUC", SGDLogisticRegression, (faces.target == 3) * 1, 1),
    ]:
        folds = []
        for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
            scaler = StandardScaler().fit(X[train])
            folds.append(
                (
                    scaler.transform(X[train]),
                    y[train],
                    scaler.transform(X[test]),
                    y[test],
                )
            )
        print(f"\n### {title}")
        for values in itertools.product(*grid.values()):
            params = dict(zip(grid, values, strict=True))
            scores, started = [], time.perf_counter()
            for X_a, y_a, X_b, y_b in folds:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = Estimator(random_state=0, tol=None, **params).fit(X_a, y_a)
                scores.append(
                    accuracy_score(y_b, model.predict(X_b))
                    if score is None
                    else roc_auc_score(y_b, model.decision_function(X_b))
                )
            print(
                f"{np.mean(scores):.4f} +- {np.std(scores):.4f} "
                f"({time.perf_counter() - started:.1f} s) {params}",
                flush=True,
            )


if __name__ == "__main__":
    main()
