"""confusion_matrix_display: scikit-learn's display, its reading written on it."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix  # noqa: E402

from sklearn_fer.datasets import EMOTIONS  # noqa: E402
from sklearn_fer.inspection import confusion_matrix_display  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def predictions():
    rng = np.random.RandomState(0)
    y_true = rng.randint(0, 7, 200)
    y_pred = np.where(rng.rand(200) < 0.6, y_true, rng.randint(0, 7, 200))
    return y_true, y_pred


def tick_texts(labels):
    return [label.get_text() for label in labels]


def test_normalised_over_true_labels_and_said_so(predictions):
    y_true, y_pred = predictions
    display = confusion_matrix_display(y_true, y_pred)
    assert isinstance(display, ConfusionMatrixDisplay)
    np.testing.assert_allclose(
        display.confusion_matrix, confusion_matrix(y_true, y_pred, normalize="true")
    )
    np.testing.assert_allclose(display.confusion_matrix.sum(axis=1), 1)
    assert display.ax_.get_title() == "Confusion matrix, normalised over true labels"
    colorbar = display.im_.colorbar
    assert colorbar.ax.get_ylabel() == "share of the true label's faces (rows sum to 1)"
    assert display.im_.get_clim() == (0.0, 1.0)
    assert display.ax_.get_ylabel() == "True label"
    assert display.ax_.get_xlabel() == "Predicted label"
    assert display.text_[0, 0].get_text() == f"{display.confusion_matrix[0, 0]:.2f}"


def test_emotion_names_for_codes_else_the_labels(predictions):
    y_true, y_pred = predictions
    display = confusion_matrix_display(y_true, y_pred)
    assert tick_texts(display.ax_.get_xticklabels()) == list(EMOTIONS)
    assert tick_texts(display.ax_.get_yticklabels()) == list(EMOTIONS)
    names = np.array(EMOTIONS)
    display = confusion_matrix_display(names[y_true], names[y_pred], title="test")
    assert tick_texts(display.ax_.get_xticklabels()) == sorted(EMOTIONS)
    assert display.ax_.get_title() == "test"
    display = confusion_matrix_display(
        y_true, y_pred, display_labels=list("abcdefg"), title=None
    )
    assert tick_texts(display.ax_.get_xticklabels()) == list("abcdefg")
    assert display.ax_.get_title() == ""


def test_labels_set_the_rows_even_when_absent():
    display = confusion_matrix_display([3, 3, 6], [3, 6, 6], labels=[0, 3, 6])
    assert tick_texts(display.ax_.get_xticklabels()) == ["angry", "happy", "neutral"]
    np.testing.assert_allclose(
        display.confusion_matrix, [[0, 0, 0], [0, 0.5, 0.5], [0, 0, 1]]
    )


def test_draws_on_given_axes():
    figure, (_, right) = plt.subplots(1, 2)
    display = confusion_matrix_display([0, 1], [0, 1], ax=right)
    assert display.ax_ is right and display.figure_ is figure
