"""Scores of a fitted model or of a sweep, printed as text and written to files.

Printed text fits an 88-column terminal. ``metrics.json`` has snake_case keys
(``report_metrics``): what was fitted (the estimator, its parameters), on what
(the data file's name, size and SHA-256), with which versions, and the scores.
"""

import hashlib
import json
import platform
import sys
import textwrap
from pathlib import Path

import numpy as np

from ..utils._pipeline import final_step
from ._labels import class_names

#: The width of the printed text.
TERMINAL_WIDTH = 88
#: How each score (``scores``' keys, snake_case) is named in printed text.
SCORE_NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "roc_auc": "ROC AUC",
    "log_loss": "log loss",
    "fit_time_seconds": "fit time (s)",
}


def scores(model, X, y):
    """Accuracy, balanced accuracy, ROC AUC (two classes) and log loss.

    Returns the scores (floats, by snake_case name) and the predicted labels.
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
        "balanced_accuracy": balanced_accuracy_score(y, predicted),
    }
    if len(classes) == 2:
        result["roc_auc"] = roc_auc_score(y == classes[1], proba[:, 1])
    result["log_loss"] = log_loss(y, proba, labels=classes)
    return {name: float(value) for name, value in result.items()}, predicted


def print_wrapped(text):
    """``text``, broken at spaces to fit the terminal; later lines indented."""
    print(
        textwrap.fill(
            text,
            TERMINAL_WIDTH,
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        ),
        flush=True,
    )


def print_scores(title, scores):
    print(f"\n{title}")
    for name, value in scores.items():
        print(f"  {SCORE_NAMES[name]:<18} {value:.4f}")


def _cell(name):
    """How a score is printed in a table."""
    digits = 2 if name == "fit_time_seconds" else 4
    return lambda value: f"{value:.{digits}f}"


def print_table(title, rows):
    """One row of scores per model name, one column per score (``-``: none)."""
    import pandas as pd

    frame = pd.DataFrame.from_dict(rows, orient="index")
    # Short headers, so that the demo's tables fit in one block (84 columns).
    headers = {**SCORE_NAMES, "balanced_accuracy": "balanced acc."}
    formatters = {headers[name]: _cell(name) for name in frame.columns}
    frame = frame.rename(columns=headers)
    text = frame.to_string(
        formatters=formatters,
        col_space={header: len(header) + 1 for header in frame.columns},
        na_rep="-",
        line_width=TERMINAL_WIDTH,
    )
    print(f"\n{title}\n{text}")


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


def json_safe(value):
    """``value`` as JSON can hold it: numbers, text, lists, dicts, else its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return repr(value)  # a RandomState, a class, a function ...


def estimator_params(model) -> dict:
    """The parameters of ``model``'s estimator (its last step), JSON-safe."""
    return json_safe(final_step(model).get_params(deep=False))


def versions() -> dict:
    """The versions of Python and of the packages the model depends on."""
    import sklearn
    import skops

    from .. import __version__

    found = {
        "python": platform.python_version(),
        "sklearn_fer": __version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "skops": skops.__version__,
    }
    for name in ("torch", "skorch"):  # when the model is a CNN
        if name in sys.modules:
            found[name] = sys.modules[name].__version__
    return found


def file_facts(path) -> dict:
    """A file's path as given, name, size and SHA-256 (None for a folder)."""
    path = Path(path)
    facts = {"path": str(path), "name": path.name, "size_bytes": None, "sha256": None}
    if path.is_file():
        digest = hashlib.sha256()
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        facts.update(size_bytes=path.stat().st_size, sha256=digest.hexdigest())
    return facts


def write_report(
    folder: Path, model, y, predicted, metrics, *, subject, scored_on, validation=None
):
    """metrics.json, loss_curve.png (when the model has one), confusion_matrix.png.

    The plots' titles say what they show: ``subject`` (the model, and what it
    was trained on), ``scored_on`` (the faces of the confusion matrix) and
    ``validation`` (the validation set of the loss curve, when known).
    """
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

    from ..inspection import LossCurveDisplay, confusion_matrix_display

    try:
        if hasattr(final_step(model), "loss_curve_"):
            title = subject if validation is None else f"{subject}\n{validation}"
            curves = LossCurveDisplay.from_estimator(model, title=title)
            curves.figure_.savefig(folder / "loss_curve.png", dpi=100)
        matrix = confusion_matrix_display(
            y,
            predicted,
            labels=model.classes_,
            display_labels=class_names(model),
            title=f"{subject}\nscored on {scored_on}, normalised over true labels",
        )
        matrix.figure_.savefig(folder / "confusion_matrix.png", dpi=100)
    finally:
        plt.close("all")


def write_model_card(folder: Path, model, metrics, model_file, format):
    """model_card.md (skops.card): what the model is, its scores and plots.

    Markdown beside the report's plots, which it shows; no model diagram, so
    that it stays a few kilobytes. Writing it loads nothing.
    """
    from skops import card

    estimator = final_step(model)
    data = metrics["data"]
    target = json.dumps(metrics["target"])  # as Python would write it
    checksum = f" (SHA-256 `{data['sha256']}`)" if data["sha256"] else ""
    loading = f'model = load_model("{model_file}")'
    if format == "pickle":
        loading = f'model = load_model("{model_file}", format="pickle")  # trusted'
    names = ", ".join(
        f"{code} {name}" for code, name in enumerate(metrics["target_names"])
    )
    model_card = card.Card(model, template=None, model_diagram=False)
    model_card.add(
        **{
            "Model description": (
                f"`{type(estimator).__name__}` trained by `sklearn-fer train` on "
                f"the {metrics['n_train']} Training faces of `{data['name']}`"
                f"{checksum}, validation: "
                f"{metrics['validation']}. It predicts the codes that "
                f"`load_fer2013` returns for `target={target}`: {names}; "
                "`model.target_names_` names them. `metrics.json` holds its "
                "parameters, the data file's size and the packages' versions."
            ),
            "How to use": (
                "```python\n"
                "from sklearn_fer.datasets import load_fer2013\n"
                "from sklearn_fer.utils import load_model\n\n"
                f"{loading}\n"
                f'faces = load_fer2013("{data["name"]}", usage="PublicTest", '
                f"target={target})\n"
                "model.score(faces.data, faces.target)\n"
                "```"
            ),
        }
    )
    scores = metrics["scores"]
    model_card.add_metrics(
        section="Evaluation results",
        description=f"On {metrics['scored_on']} ({metrics['n_scored']} faces).",
        **{SCORE_NAMES[name]: f"{value:.4f}" for name, value in scores.items()},
    )
    plots = {
        "Loss curve": "loss_curve.png",
        "Confusion matrix": "confusion_matrix.png",
    }
    for title, name in plots.items():
        if (folder / name).exists():  # not without matplotlib
            model_card.add_plot(alt_text=title, **{title: name})
    model_card.save(folder / "model_card.md")


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


def plot_sweep(studies, path, *, title, n_folds):
    """sweep.png: CV accuracy and fit time against each swept value.

    The x ticks are the values tried, written as given (32, 0.001); the error
    bars are one standard deviation over the folds, as the legend says; a
    value whose fits failed is marked.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    figure, axes = plt.subplots(
        2,
        len(studies),
        figsize=(5 * len(studies), 6.5),
        sharex="col",
        squeeze=False,
        layout="constrained",
    )
    for column, (name, study) in enumerate(studies.items()):
        values = study["values"]
        top, bottom = axes[:, column]
        top.errorbar(
            values,
            study["mean_accuracy"],
            yerr=study["std_accuracy"],
            marker="o",
            capsize=3,
            label=f"mean ± 1 std over the {n_folds} folds",
        )
        failed = [v for v, error in zip(values, study["error"], strict=True) if error]
        for value in failed:
            top.axvline(value, color="tab:red", linestyle=":")
        if failed:
            top.plot([], [], color="tab:red", linestyle=":", label="fits failed")
        top.set_ylabel("CV accuracy")
        top.set_title(f"{name} (other parameters fixed)")
        top.legend(loc="best", fontsize="small")
        bottom.plot(values, study["mean_fit_time"], marker="o")
        bottom.set_ylabel("mean fit time per fold (s)")
        bottom.set_xlabel(name)
        for ax in (top, bottom):
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(FixedLocator(values))
            ax.xaxis.set_minor_locator(NullLocator())
        bottom.set_xticklabels([f"{value:g}" for value in values])
    figure.suptitle(title)
    figure.savefig(path, dpi=100)
    plt.close(figure)
