"""Scores of a fitted model or of a sweep, printed as text and written to files."""

import json
import sys
from pathlib import Path

import numpy as np

from ..utils._pipeline import final_step
from ._labels import class_names


def scores(model, X, y):
    """Accuracy, balanced accuracy, ROC AUC (two classes) and log loss.

    Returns the scores (floats, by name) and the predicted labels.
    """
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        log_loss,
        roc_auc_score,
    )

    proba = model.predict_proba(X)
    classes = model.classes_
    predicted = classes[proba.argmax(axis=1)]
    result = {
        "accuracy": accuracy_score(y, predicted),
        "balanced accuracy": balanced_accuracy_score(y, predicted),
    }
    if len(classes) == 2:
        result["ROC AUC"] = roc_auc_score(y == classes[1], proba[:, 1])
    result["log loss"] = log_loss(y, proba, labels=classes)
    return {name: float(value) for name, value in result.items()}, predicted


def print_scores(title, scores):
    print(f"\n{title}")
    for name, value in scores.items():
        print(f"  {name:<18} {value:.4f}")


def print_table(title, rows):
    """One row of scores per model name, one column per score."""
    columns = list(next(iter(rows.values())))
    width = max(len(name) for name in rows) + 2
    print(f"\n{title}")
    print(" " * width + "".join(f"{c:>19}" for c in columns))
    for name, values in rows.items():
        cells = "".join(
            f"{'-':>19}" if np.isnan(v) else f"{v:>19.4f}" for v in values.values()
        )
        print(f"{name:<{width}}{cells}")


def print_loss_curves(model):
    print(f"  {'epoch':>5} {'training loss':>14} {'validation loss':>16}")
    for epoch, (train, validation) in enumerate(
        zip(model.loss_curve_, model.validation_loss_curve_, strict=True), start=1
    ):
        print(f"  {epoch:>5} {train:>14.4f} {validation:>16.4f}")


def _finite_or_none(value):
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(item) for item in value]
    return value


def json_text(value) -> str:
    """Valid JSON (RFC 8259): NaN and infinities are written as null."""
    return json.dumps(_finite_or_none(value), indent=2, allow_nan=False) + "\n"


def write_report(folder: Path, model, y, predicted, metrics):
    """metrics.json, loss_curve.png (when the model has one), confusion_matrix.png."""
    (folder / "metrics.json").write_text(json_text(metrics))
    try:
        import matplotlib
    except ImportError:
        print(
            "matplotlib is not installed: no plots (pip install 'sklearn-fer[plot]').",
            file=sys.stderr,
        )
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from ..inspection import LossCurveDisplay

    if hasattr(final_step(model), "loss_curve_"):
        curves = LossCurveDisplay.from_estimator(model)
        curves.figure_.savefig(folder / "loss_curve.png", dpi=100)
    matrix = ConfusionMatrixDisplay.from_predictions(
        y,
        predicted,
        labels=model.classes_,
        display_labels=class_names(model),
        normalize="true",
        values_format=".2f",
        xticks_rotation=45,
    )
    matrix.figure_.tight_layout()
    matrix.figure_.savefig(folder / "confusion_matrix.png", dpi=100)
    plt.close("all")


def print_study(name, study):
    """A sweep's table: accuracy and fit time per value (or why it failed)."""
    print(f"\n{name} (other parameters at their values above)")
    print(f"  {name:>10} {'accuracy':>10} {'std':>8} {'fit time (s)':>13}")
    for value, mean, std, seconds, error in zip(
        study["values"],
        study["mean_accuracy"],
        study["std_accuracy"],
        study["mean_fit_time"],
        study["error"],
        strict=True,
    ):
        if error is None:
            print(f"  {value:>10g} {mean:>10.4f} {std:>8.4f} {seconds:>13.3f}")
        else:
            print(f"  {value:>10g}     failed: {error}")


def plot_sweep(studies, path):
    """sweep.png: CV accuracy and fit time against each swept value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        2, len(studies), figsize=(5 * len(studies), 6), sharex="col", squeeze=False
    )
    for column, (name, study) in enumerate(studies.items()):
        values = study["values"]
        axes[0, column].errorbar(
            values, study["mean_accuracy"], yerr=study["std_accuracy"], marker="o"
        )
        axes[0, column].set_ylabel("CV accuracy")
        axes[1, column].plot(values, study["mean_fit_time"], marker="o")
        axes[1, column].set_ylabel("fit time (s)")
        axes[1, column].set_xlabel(name)
        for ax in axes[:, column]:
            ax.set_xscale("log")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
