"""What ``compare_estimators`` measures on each test fold, in one scorer."""

import time

import numpy as np

from ..metrics import expected_calibration_error

#: Scores of every fold, in the order of the table's columns; then one recall
#: per class (``recall_<name>``) and the times.
SCORES = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "log_loss",
    "expected_calibration_error",
)
#: Scores (and times) where less is better.
LOWER_IS_BETTER = frozenset(
    {"log_loss", "expected_calibration_error", "fit_time", "predict_time"}
)
#: Changed when a score is added or computed differently, so that results
#: cached before are not mixed with new ones.
SCORING_VERSION = 1


def recall_column(name) -> str:
    """The column of the recall of the class named ``name``."""
    return f"recall_{name}"


class FoldScorer:
    """A multi-metric scorer for :func:`sklearn.model_selection.cross_validate`.

    Called with a fitted estimator and a test fold, it predicts once
    (``predict_proba`` where the estimator has it, its most probable class
    being the prediction; else ``predict``) and returns every score, the
    recall of each class and ``predict_time``, the seconds that prediction
    took. Without probabilities the log loss and the calibration error are
    NaN.
    """

    def __init__(self, labels, names):
        self.labels = np.asarray(labels)
        self.names = list(names)

    def identity(self) -> str:
        """What the scores depend on besides the fold and the estimator."""
        return f"v{SCORING_VERSION}:{self.labels.tolist()!r}:{self.names!r}"

    def __call__(self, estimator, X, y) -> dict:
        started = time.perf_counter()
        proba = None
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(X)
            predicted = estimator.classes_[proba.argmax(axis=1)]
        else:
            predicted = estimator.predict(X)
        seconds = time.perf_counter() - started
        return self.score_predictions(
            y, predicted, proba, estimator.classes_, predict_time=seconds
        )

    def score_predictions(self, y, predicted, proba, classes, *, predict_time):
        """Every score of predictions already made (``proba``: None without
        probabilities, else its columns those of ``classes``)."""
        from sklearn.metrics import (
            accuracy_score,
            balanced_accuracy_score,
            f1_score,
            log_loss,
            recall_score,
        )

        scores = {
            "accuracy": accuracy_score(y, predicted),
            "balanced_accuracy": balanced_accuracy_score(y, predicted),
            "f1_macro": f1_score(
                y, predicted, labels=self.labels, average="macro", zero_division=0
            ),
            "log_loss": np.nan,
            "expected_calibration_error": np.nan,
        }
        if proba is not None:
            scores["log_loss"] = log_loss(y, proba, labels=classes)
            scores["expected_calibration_error"] = expected_calibration_error(
                y, proba, labels=classes
            )
        recalls = recall_score(
            y, predicted, labels=self.labels, average=None, zero_division=np.nan
        )
        for name, recall in zip(self.names, recalls, strict=True):
            scores[recall_column(name)] = recall
        scores["predict_time"] = predict_time
        return {key: float(value) for key, value in scores.items()}
