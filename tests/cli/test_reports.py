"""What the reports say: metrics.json, the plots' titles, tables that fit."""

import hashlib
import json
import re

import numpy as np
import pytest

from sklearn_fer import __version__
from sklearn_fer._cli import EXIT_OK, _reporting
from sklearn_fer.datasets import EMOTIONS

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")


def _keys(value):
    """Every key of a JSON document, at any depth (not inside params)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            if key != "params":  # the estimator's own parameter names
                yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_train_metrics_say_what_was_fitted_on_what(softmax_file, fer_file):
    metrics = json.loads(
        (softmax_file.with_name("softmax-report") / "metrics.json").read_text()
    )
    bad = [key for key in _keys(metrics) if not SNAKE_CASE.match(key)]
    assert not bad  # was "fit time (s)", "PublicTest", "balanced accuracy" ...
    assert metrics["command"] == "train"
    assert metrics["params"]["max_iter"] == 3 and metrics["params"]["tol"] is None
    assert metrics["params"]["random_state"] == 0
    data = fer_file.read_bytes()
    assert metrics["data"] == {
        "path": str(fer_file),
        "name": "fer2013.csv",
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert metrics["target"] == "emotion"
    assert metrics["target_names"] == list(EMOTIONS)
    assert metrics["validation"] == "PublicTest"
    assert metrics["scored_on"] == "PublicTest" and metrics["n_scored"] == 120
    assert set(metrics["scores"]) == {"accuracy", "balanced_accuracy", "log_loss"}
    assert metrics["fit_time_seconds"] > 0 and metrics["n_train"] == 300
    versions = metrics["versions"]
    assert versions["sklearn_fer"] == __version__
    assert {"python", "sklearn", "numpy", "skops"} <= set(versions)


def test_evaluate_metrics(run, softmax_file, fer_file, tmp_path):
    code, _, _ = run(
        "evaluate",
        "--model",
        softmax_file,
        "--data",
        fer_file,
        "--report",
        tmp_path / "r",
    )
    assert code == EXIT_OK
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert all(SNAKE_CASE.match(key) for key in _keys(metrics))
    assert metrics["model_file"]["name"] == "softmax.skops"
    assert len(metrics["model_file"]["sha256"]) == 64
    assert metrics["data"]["name"] == "fer2013.csv"
    assert metrics["scored_on"] == "PublicTest" and metrics["target"] == "emotion"


def test_params_become_json():
    class Thing:
        def __repr__(self):
            return "Thing()"

    params = {
        "a": np.float32(0.5),
        "b": (1, np.int64(2)),
        "c": Thing(),
        "d": None,
        "e": {"x": [np.True_]},
    }
    assert _reporting.json_safe(params) == {
        "a": 0.5,
        "b": [1, 2],
        "c": "Thing()",
        "d": None,
        "e": {"x": [True]},
    }


def test_plots_say_what_they_show(monkeypatch, softmax_file, fer_file, run, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    saved = {}

    def keep(figure, path, **kwargs):
        saved[str(path).rsplit("/", 1)[-1]] = figure

    monkeypatch.setattr(Figure, "savefig", keep)
    argv = ["train", "--data", fer_file, "--model", "logistic", "--out"]
    code, _, _ = run(*argv, tmp_path / "happy.skops", "--param", "max_iter=2")
    assert code == EXIT_OK
    (curves,) = saved["loss_curve.png"].axes
    assert curves.get_title() == (
        "SGDLogisticRegression trained on fer2013.csv\nvalidation: PublicTest"
    )
    matrix = saved["confusion_matrix.png"].axes[0]
    assert "normalised over true labels" in matrix.get_title()
    assert "scored on PublicTest" in matrix.get_title()
    # The codes 0 / 1 named as the target names them, not as angry / disgust.
    labels = [t.get_text() for t in matrix.get_yticklabels()]
    assert labels == ["not happy", "happy"]
    colour_bar = saved["confusion_matrix.png"].axes[1]
    assert "share of the true label" in colour_bar.get_ylabel()


def test_sweep_plot_ticks_are_the_values_tried(run, fer_file, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    saved = []
    monkeypatch.setattr(Figure, "savefig", lambda figure, *a, **k: saved.append(figure))
    code, _, _ = run(
        "sweep",
        "--data",
        fer_file,
        "--eta0",
        "1e-3,1e-2",
        "--batch-size",
        "32,128",
        "--cv",
        "2",
        "--out",
        tmp_path / "sweep",
        "--param",
        "max_iter=2",
    )
    assert code == EXIT_OK
    (figure,) = saved
    eta0_time, batch_time = figure.axes[2], figure.axes[3]
    figure.canvas.draw()
    assert [t.get_text() for t in batch_time.get_xticklabels()] == ["32", "128"]
    assert [t.get_text() for t in eta0_time.get_xticklabels()] == ["0.001", "0.01"]
    assert not batch_time.xaxis.get_minorticklocs().size
    legend = figure.axes[1].get_legend().get_texts()[0].get_text()
    assert legend == "mean ± 1 std over the 2 folds"
    assert "2-fold cross-validation" in figure.get_suptitle()


def _widest_line(text):
    return max(len(line) for line in text.splitlines())


def test_printed_tables_fit_88_columns(capsys):
    rows = {
        "LogisticRegression(C=0.01)": {
            "accuracy": 0.5,
            "balanced_accuracy": 0.25,
            "roc_auc": 0.75,
            "log_loss": 1.25,
            "fit_time_seconds": 123.456,
        },
        "SGDSoftmaxRegression": {
            "accuracy": 0.5,
            "balanced_accuracy": 0.25,
            "roc_auc": np.nan,
            "log_loss": 1.25,
            "fit_time_seconds": 1.5,
        },
    }
    _reporting.print_table("scores", rows)
    printed = capsys.readouterr().out
    assert _widest_line(printed) <= 84  # the columns two spaces apart
    _, _, header, first, second = printed.splitlines()
    assert "accuracy  balanced acc.  ROC AUC" in header
    for name in ["accuracy", "balanced acc.", "ROC AUC", "log loss", "fit time (s)"]:
        assert name in header
    assert first.split()[1:] == ["0.5000", "0.2500", "0.7500", "1.2500", "123.46"]
    assert second.split()[3] == "-"  # no ROC AUC


def test_train_output_fits_88_columns(run, fer_file, tmp_path):
    code, printed, _ = run(
        "train",
        "--data",
        fer_file,
        "--model",
        "softmax",
        "--out",
        tmp_path / "a-model-with-a-rather-long-name.skops",
        "--param",
        "max_iter=2",
        "--param",
        "batch_size=16",
        "--param",
        "eta0=0.001",
    )
    assert code == EXIT_OK
    # A path has no spaces to break at; everything else fits.
    lines = [line for line in printed.splitlines() if str(tmp_path) not in line]
    assert max(len(line) for line in lines) <= 88


def test_model_card_beside_the_plots(softmax_file):
    report = softmax_file.with_name("softmax-report")
    text = (report / "model_card.md").read_text()
    assert len(text) < 4000  # no model diagram
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["data"]["sha256"] in text
    assert 'target="emotion"' in text and "3 happy" in text
    assert f"{metrics['scores']['accuracy']:.4f}" in text
    assert 'load_model("softmax.skops")' in text
    for image in ["loss_curve.png", "confusion_matrix.png"]:
        assert f"]({image})" in text and (report / image).exists()


def test_cnn_report_and_labels(run, fer_file, tmp_path):
    pytest.importorskip("skorch")
    from sklearn_fer.datasets import load_fer2013
    from sklearn_fer.utils import load_model

    out = tmp_path / "cnn.pkl"
    argv = ["train", "--data", fer_file, "--model", "cnn", "--format", "pickle"]
    argv += ["--target", "happy,sad", "--param", "max_epochs=1", "--out", out]
    argv += ["--param", "channels=(4, 4, 4, 4)", "--param", "hidden_units=8"]
    code, _, _ = run(*argv)
    assert code == EXIT_OK
    metrics = json.loads((tmp_path / "cnn-report" / "metrics.json").read_text())
    assert "torch" in metrics["versions"] and "skorch" in metrics["versions"]
    assert metrics["params"]["channels"] == [4, 4, 4, 4]
    card = (tmp_path / "cnn-report" / "model_card.md").read_text()
    assert 'load_model("cnn.pkl", format="pickle")' in card
    model = load_model(out, format="pickle")
    faces = load_fer2013(fer_file, usage="PublicTest", target=["happy", "sad"])
    assert 0 <= model.score(faces.data, faces.target) <= 1
    assert list(model.target_names_) == ["happy", "sad"]
