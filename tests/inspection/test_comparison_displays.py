"""The comparison displays draw the table's own numbers."""

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklearn_fer.inspection import (  # noqa: E402
    FoldScoresDisplay,
    RecallHeatmapDisplay,
    ScoreVsTimeDisplay,
)
from sklearn_fer.model_selection import summarize_scores  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    names = ["softmax:hog", "mlp:hog", "prior"]
    rows = []
    for i, name in enumerate(names):
        for split in range(4):
            rows.append(
                {
                    "estimator": name,
                    "split": split,
                    "repeat": split // 2,
                    "fold": split % 2,
                    "n_train": 50,
                    "n_test": 50,
                    "accuracy": 0.3 + 0.1 * i + 0.01 * rng.standard_normal(),
                    "recall_happy": 0.9 - 0.2 * i,
                    "recall_sad": 0.2 + 0.1 * split,
                    "fit_time": 10.0**i,
                    "predict_time": 0.1,
                }
            )
    table = pd.DataFrame(rows)
    # The order of the comparison, not the alphabet's.
    table["estimator"] = pd.Categorical(table["estimator"], categories=names)
    return table


def test_fold_scores_are_the_splits_and_the_intervals(scores):
    display = FoldScoresDisplay.from_comparison(scores, title="t")
    names = ["softmax:hog", "mlp:hog", "prior"]
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == names
    summary = summarize_scores(scores)["accuracy"]
    for name, points in zip(names, display.points_, strict=True):
        expected = scores.loc[scores["estimator"] == name, "accuracy"]
        np.testing.assert_allclose(points.get_offsets()[:, 0], expected)
    line = display.errorbars_.lines[0]
    np.testing.assert_allclose(line.get_xdata(), summary["mean"])
    # The interval's ends are the corrected interval's.
    (bars,) = display.errorbars_.lines[2]
    ends = np.array([segment[:, 0] for segment in bars.get_segments()])
    np.testing.assert_allclose(ends[:, 0], summary["ci_low"])
    np.testing.assert_allclose(ends[:, 1], summary["ci_high"])
    assert display.ax_.get_xlabel() == "accuracy on each test fold"
    assert display.ax_.get_ylim()[0] > display.ax_.get_ylim()[1]  # first on top


def test_score_against_time(scores):
    display = ScoreVsTimeDisplay.from_comparison(scores)
    line = display.errorbars_.lines[0]
    np.testing.assert_allclose(line.get_xdata(), [1.0, 10.0, 100.0])
    assert [a.get_text() for a in display.annotations_] == [
        "softmax:hog",
        "mlp:hog",
        "prior",
    ]
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.get_xlabel() == "mean fit time per split (s)"


def test_recall_heatmap(scores):
    display = RecallHeatmapDisplay.from_comparison(scores)
    np.testing.assert_allclose(display.recall, [[0.9, 0.35], [0.7, 0.35], [0.5, 0.35]])
    assert display.class_names == ["happy", "sad"]
    assert display.text_.shape == (3, 2)
    assert display.im_.get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["happy", "sad"]


def test_on_given_axes_and_bad_columns(scores):
    _, ax = plt.subplots()
    display = FoldScoresDisplay.from_comparison(scores, ax=ax)
    assert display.ax_ is ax
    with pytest.raises(ValueError, match="no column 'f1'"):
        FoldScoresDisplay.from_comparison(scores, metric="f1")
    with pytest.raises(ValueError, match="no recall"):
        RecallHeatmapDisplay.from_comparison(
            scores.drop(columns=["recall_happy", "recall_sad"])
        )
