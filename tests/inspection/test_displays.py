"""Displays render on Agg and plot the estimator's own numbers."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_fer.datasets import EMOTIONS, make_faces  # noqa: E402
from sklearn_fer.inspection import (  # noqa: E402
    CoefImageDisplay,
    FaceGridDisplay,
    LossCurveDisplay,
)
from sklearn_fer.linear_model import (  # noqa: E402
    SGDLogisticRegression,
    SGDSoftmaxRegression,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(400, random_state=0, return_X_y=True)
    return X / np.float32(255), y


def test_loss_curve_lines_are_the_estimator_curves(faces):
    X, y = faces
    model = SGDSoftmaxRegression(validation_fraction=0.2, max_iter=5, tol=None)
    model.fit(X, y)
    display = LossCurveDisplay.from_estimator(model)
    train, validation = display.lines_
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 6))
    np.testing.assert_allclose(train.get_ydata(), model.loss_curve_)
    np.testing.assert_allclose(validation.get_ydata(), model.validation_loss_curve_)
    assert display.ax_.get_xlabel() == "epoch"
    assert display.figure_ is display.ax_.figure


def test_several_estimators_on_one_axis_and_pipelines(faces):
    X, y = faces
    first = make_pipeline(StandardScaler(), SGDSoftmaxRegression(max_iter=3, tol=None))
    second = SGDSoftmaxRegression(max_iter=4, tol=None, eta0=0.001)
    display = LossCurveDisplay.from_estimator(first.fit(X, y), name="scaled")
    other = LossCurveDisplay.from_estimator(second.fit(X, y), ax=display.ax_)
    assert other.ax_ is display.ax_
    assert len(display.ax_.get_lines()) == 2  # no validation curves
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["scaled: training", "SGDSoftmaxRegression: training"]
    np.testing.assert_allclose(other.lines_[0].get_ydata(), second.loss_curve_)


def test_partial_validation_points_skip_nans():
    display = LossCurveDisplay(
        loss=[3.0, 2.0, 1.0], validation_loss=[np.nan, 2.5, np.nan]
    ).plot()
    np.testing.assert_array_equal(display.lines_[1].get_xdata(), [2])
    np.testing.assert_array_equal(display.lines_[1].get_ydata(), [2.5])


def test_loss_curve_needs_a_history():
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(TypeError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(model)


def test_coef_images_show_the_weights(faces):
    X, y = faces
    model = SGDSoftmaxRegression(max_iter=3, tol=None).fit(X, y)
    display = CoefImageDisplay.from_estimator(model)  # codes 0-6 are named
    assert [ax.get_title() for ax in display.axes_[:7]] == list(EMOTIONS)
    np.testing.assert_allclose(
        display.images_[3].get_array(), model.coef_[3].reshape(48, 48)
    )
    low, high = display.images_[0].get_clim()
    assert low == -high == -np.abs(model.coef_).max()


def test_binary_model_has_one_weight_image(faces):
    X, y = faces
    model = SGDLogisticRegression(max_iter=3, tol=None)
    model.fit(X, np.where(y == 3, "happy", "not happy"))
    display = CoefImageDisplay.from_estimator(make_pipeline(model))
    assert [image.get_array().shape for image in display.images_] == [(48, 48)]
    assert display.axes_[0].get_title() == "not happy"  # classes_[1]


def test_coef_images_need_pixel_weights():
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(
        np.random.RandomState(0).rand(30, 5), np.arange(30) % 3
    )
    with pytest.raises(ValueError, match="one weight per pixel"):
        CoefImageDisplay.from_estimator(model)


def test_face_grid_titles_and_wrong_predictions_in_red(faces):
    X, y = faces
    model = SGDSoftmaxRegression(max_iter=3, tol=None).fit(X, y)
    display = FaceGridDisplay.from_estimator(model, X, y, n_faces=10, random_state=0)
    assert set(display.y_true) <= set(EMOTIONS)
    assert len(display.axes_) == 10
    for ax, image, true, predicted in zip(
        display.axes_, display.images, display.y_true, display.y_pred, strict=True
    ):
        np.testing.assert_array_equal(
            ax.get_images()[0].get_array(), image.reshape(48, 48)
        )
        assert ax.get_title() == f"{true}\npred: {predicted}"
        wrong = true != predicted
        assert (ax.title.get_color() == "tab:red") == wrong


# -- LossCurveDisplay: what the curves are, whole epochs, legend outside -----------


def test_loss_curve_y_label_says_what_each_curve_is(faces):
    X, y = faces
    model = SGDSoftmaxRegression(validation_fraction=0.2, max_iter=3, tol=None)
    display = LossCurveDisplay.from_estimator(model.fit(X, y))
    assert display.ax_.get_ylabel() == (
        "training: log loss + penalty (solid)\nvalidation: log loss (dashed)"
    )
    train, validation = display.lines_
    assert train.get_linestyle() == "-" and validation.get_linestyle() == "--"


def test_loss_curve_y_label_of_other_estimators_and_shared_axes(faces):
    from sklearn.base import BaseEstimator

    class Recorded(BaseEstimator):  # another kind of estimator with a history
        def fit(self, X=None, y=None):
            self.loss_curve_ = [2.0, 1.0]
            self.validation_loss_curve_ = None
            return self

    display = LossCurveDisplay.from_estimator(Recorded().fit(), name="other")
    assert display.ax_.get_ylabel() == "training: loss (solid)"
    X, y = faces
    model = SGDSoftmaxRegression(validation_fraction=0.2, max_iter=2, tol=None)
    LossCurveDisplay.from_estimator(model.fit(X, y), ax=display.ax_)
    assert display.ax_.get_ylabel().splitlines() == [
        "training: loss (solid)",
        "training: log loss + penalty (solid)",
        "validation: log loss (dashed)",
    ]
    assert LossCurveDisplay(loss=[1.0]).plot().ax_.get_ylabel() == (
        "training: loss (solid)"
    )


def test_loss_curve_names_what_the_estimator_says_its_loss_is():
    from sklearn.base import BaseEstimator

    class Hinge(BaseEstimator):
        training_loss_name = "hinge loss"

        def fit(self, X=None, y=None):
            self.loss_curve_, self.validation_loss_curve_ = [2.0, 1.0], None
            return self

    display = LossCurveDisplay.from_estimator(Hinge().fit())
    assert display.ax_.get_ylabel() == "training: hinge loss (solid)"


def test_loss_curve_epochs_are_whole_numbers():
    display = LossCurveDisplay(loss=[5.0, 4.0, 3.5, 3.2, 3.1]).plot()
    display.figure_.canvas.draw()
    ticks = display.ax_.get_xticks()
    assert len(ticks) >= 2
    np.testing.assert_array_equal(ticks, np.round(ticks))


def test_loss_curve_legend_is_beside_the_curves_and_inside_the_figure():
    display = LossCurveDisplay(
        loss=[3.0, 2.0, 1.0], validation_loss=[2.9, 2.1, 1.2], name="a long model name"
    ).plot()
    figure = display.figure_
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = display.ax_.get_legend().get_window_extent(renderer)
    axes = display.ax_.get_window_extent(renderer)
    assert legend.x0 >= axes.x1  # right of the plotting area, not over curves
    assert legend.x1 <= figure.bbox.x1 and legend.y0 >= figure.bbox.y0  # not cut


def test_loss_curve_title(faces):
    X, y = faces
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(X, y)
    display = LossCurveDisplay.from_estimator(model, title="Softmax on pixels")
    assert display.ax_.get_title() == "Softmax on pixels"
    assert LossCurveDisplay(loss=[1.0]).plot().ax_.get_title() == ""


# -- display_labels: one convention -------------------------------------------------


def test_display_labels_default_to_emotions_for_fer2013_codes(faces):
    X, y = faces
    keep = np.isin(y, [0, 3, 6])
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(X[keep], y[keep])
    display = CoefImageDisplay.from_estimator(model)
    assert [ax.get_title() for ax in display.axes_[:3]] == ["angry", "happy", "neutral"]
    grid = FaceGridDisplay.from_estimator(model, X[keep], y[keep], n_faces=5)
    assert set(grid.y_true) | set(grid.y_pred) <= {"angry", "happy", "neutral"}


def test_display_labels_are_the_classes_when_not_emotion_codes(faces):
    X, y = faces
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(X, y + 3)  # 3..9
    display = CoefImageDisplay.from_estimator(model)
    assert [ax.get_title() for ax in display.axes_[:7]] == [
        str(c) for c in range(3, 10)
    ]
    names = np.array(EMOTIONS)[y]
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(X, names)
    display = CoefImageDisplay.from_estimator(model)
    assert [ax.get_title() for ax in display.axes_[:7]] == sorted(EMOTIONS)


def test_display_labels_name_the_classes_in_order(faces):
    X, y = faces
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(X, y)
    letters = list("abcdefg")
    display = CoefImageDisplay.from_estimator(model, display_labels=letters)
    assert [ax.get_title() for ax in display.axes_[:7]] == letters
    grid = FaceGridDisplay.from_estimator(
        model, X, y, n_faces=6, display_labels=letters, random_state=0
    )
    chosen = np.random.RandomState(0).choice(len(X), size=6, replace=False)
    assert grid.y_true == [letters[code] for code in y[chosen]]
    with pytest.raises(ValueError, match="display_labels has 2 names for the 7"):
        CoefImageDisplay.from_estimator(model, display_labels=["a", "b"])


def test_face_grid_names_true_labels_the_model_never_saw(faces):
    X, y = faces
    seen = y != 5
    model = SGDSoftmaxRegression(max_iter=2, tol=None).fit(X[seen], y[seen])
    X, y = X[:20], y[:20]
    assert 5 in y
    grid = FaceGridDisplay.from_estimator(model, X, y, n_faces=20)
    assert "surprise" in grid.y_true and "surprise" not in grid.y_pred
    with pytest.raises(ValueError, match=r"labels \[5\] that are not among"):
        FaceGridDisplay.from_estimator(
            model, X, y, n_faces=20, display_labels=list("abcdef")
        )
