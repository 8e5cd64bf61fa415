"""``FaceGridDisplay``: sample faces with their true and predicted labels."""

import math

import numpy as np

from ..datasets import IMAGE_SHAPE
from ._labels import class_display_labels
from ._matplotlib import pyplot


class FaceGridDisplay:
    """A grid of faces titled with their true (and predicted) labels.

    A wrong prediction is titled in red.

    Read more in the :ref:`User Guide <inspection_guide>`.

    Parameters
    ----------
    images : array-like of shape (n_faces, 2304) or (n_faces, 48, 48)
    y_true : array-like of shape (n_faces,) or None, default=None
    y_pred : array-like of shape (n_faces,) or None, default=None

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_fer.datasets import EMOTIONS, make_faces
    >>> from sklearn_fer.inspection import FaceGridDisplay
    >>> faces = make_faces(8, random_state=0)
    >>> names = [EMOTIONS[code] for code in faces.target]
    >>> display = FaceGridDisplay(images=faces.data, y_true=names).plot(n_cols=4)
    >>> display.axes_.shape
    (8,)
    """

    def __init__(self, *, images, y_true=None, y_pred=None):
        self.images = images
        self.y_true = y_true
        self.y_pred = y_pred

    @classmethod
    def from_estimator(
        cls, estimator, X, y=None, *, n_faces=16, display_labels=None, random_state=None
    ):
        """Predict ``n_faces`` faces drawn from ``X`` and show them.

        Parameters
        ----------
        estimator : fitted classifier
        X : array-like of shape (n_samples, 2304)
        y : array-like of shape (n_samples,), default=None
        n_faces : int, default=16
        display_labels : sequence of str, default=None
            One name per class, in the order of the estimator's ``classes_``.
            By default the emotion names when the labels are FER2013 codes
            (integers within 0..6), else the labels themselves.
        random_state : int, RandomState or None, default=None
            Which faces are drawn.

        Returns
        -------
        display : FaceGridDisplay
        """
        from sklearn.utils import check_random_state

        X = np.asarray(X)
        rng = check_random_state(random_state)
        chosen = rng.choice(len(X), size=min(n_faces, len(X)), replace=False)
        predicted = estimator.predict(X[chosen])
        y_true = None if y is None else np.asarray(y)[chosen]
        classes = np.asarray(estimator.classes_)
        if display_labels is None and y_true is not None:
            classes = np.union1d(classes, y_true)  # labels the model never saw
        name_of = dict(
            zip(
                classes.tolist(),
                class_display_labels(classes, display_labels),
                strict=True,
            )
        )

        def names(labels):
            if labels is None:
                return None
            unknown = set(labels.tolist()) - name_of.keys()
            if unknown:
                raise ValueError(
                    f"y has labels {sorted(unknown)} that are not among the "
                    f"estimator's classes_ {classes.tolist()}, which "
                    "display_labels names."
                )
            return [name_of[label] for label in labels.tolist()]

        return cls(
            images=X[chosen], y_true=names(y_true), y_pred=names(predicted)
        ).plot()

    def plot(self, *, n_cols=8, cmap="gray"):
        """Draw the faces.

        Parameters
        ----------
        n_cols : int, default=8
        cmap : str, default='gray'

        Returns
        -------
        self : FaceGridDisplay
        """
        images = np.asarray(self.images).reshape(-1, *IMAGE_SHAPE)
        n_cols = min(n_cols, len(images))
        n_rows = math.ceil(len(images) / n_cols)
        figure, axes = pyplot().subplots(
            n_rows, n_cols, figsize=(1.6 * n_cols, 1.9 * n_rows), squeeze=False
        )
        for index, ax in enumerate(axes.flat):
            ax.set_axis_off()
            if index >= len(images):
                continue
            ax.imshow(images[index], cmap=cmap)
            true = None if self.y_true is None else self.y_true[index]
            predicted = None if self.y_pred is None else self.y_pred[index]
            if predicted is None:
                ax.set_title(str(true), fontsize=9)
            elif true is None:
                ax.set_title(f"pred: {predicted}", fontsize=9)
            else:
                wrong = str(true) != str(predicted)
                ax.set_title(
                    f"{true}\npred: {predicted}",
                    fontsize=9,
                    color="tab:red" if wrong else "black",
                )
        self.axes_, self.figure_ = axes.ravel()[: len(images)], figure
        return self
