"""``CoefImageDisplay``: a linear model's weights shown as 48 x 48 faces."""

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..datasets import IMAGE_SHAPE
from ..utils._pipeline import final_step
from ._labels import class_display_labels
from ._matplotlib import pyplot


class CoefImageDisplay:
    """The weights of a linear model, one 48 x 48 image per class.

    Red pixels push towards the class, blue ones away from it (a diverging
    colour map centred on 0, shared by all panels). A binary model has one
    weight image, for ``classes_[1]``.

    Read more in the :ref:`User Guide <inspection_guide>`.

    Parameters
    ----------
    coef : ndarray of shape (n_images, 2304)
        Weights (for a model trained on standardised pixels, the weights per
        standardised pixel).
    titles : list of str
        One title per image.

    Attributes
    ----------
    images_ : list of matplotlib AxesImage
    axes_ : ndarray of matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> from sklearn_fer.inspection import CoefImageDisplay
    >>> X, y = make_faces(300, random_state=0, return_X_y=True)
    >>> model = SGDSoftmaxRegression(random_state=0).fit(X / 255, y)
    >>> display = CoefImageDisplay.from_estimator(model)  # codes 0-6: emotion names
    >>> len(display.images_), display.axes_[0].get_title()
    (7, 'angry')
    """

    def __init__(self, *, coef, titles):
        self.coef = coef
        self.titles = titles

    @classmethod
    def from_estimator(
        cls, estimator, *, display_labels=None, n_cols=None, cmap="RdBu_r"
    ):
        """Show the ``coef_`` of a fitted linear model (or a pipeline ending in one).

        Parameters
        ----------
        estimator : fitted estimator or Pipeline
            Its last step has ``coef_`` of shape (n_images, 2304).
        display_labels : sequence of str, default=None
            One name per class, in the order of ``classes_``. By default the
            emotion names when the classes are FER2013 codes (integers within
            0..6), else the class labels themselves.
        n_cols : int, default=None
            Images per row (up to 4 by default).
        cmap : str, default='RdBu_r'

        Returns
        -------
        display : CoefImageDisplay
        """
        final = final_step(estimator)
        check_is_fitted(final)
        coef = np.asarray(getattr(final, "coef_", None))
        if coef.ndim != 2 or coef.shape[1] != np.prod(IMAGE_SHAPE):
            raise ValueError(
                f"{type(final).__name__} needs coef_ of shape (n, "
                f"{np.prod(IMAGE_SHAPE)}) (one weight per pixel of a 48 x 48 face)."
            )
        names = class_display_labels(final.classes_, display_labels)
        titles = names if len(coef) > 1 else names[1:]  # binary: classes_[1]
        return cls(coef=coef, titles=titles).plot(n_cols=n_cols, cmap=cmap)

    def plot(self, *, n_cols=None, cmap="RdBu_r"):
        """Draw one image per row of ``coef``.

        Parameters
        ----------
        n_cols : int, default=None
            Images per row (up to 4 by default).
        cmap : str, default='RdBu_r'

        Returns
        -------
        self : CoefImageDisplay
        """
        n_images = len(self.coef)
        n_cols = n_cols or min(4, n_images)
        n_rows = math.ceil(n_images / n_cols)
        figure, axes = pyplot().subplots(
            n_rows, n_cols, figsize=(2.2 * n_cols, 2.4 * n_rows), squeeze=False
        )
        limit = float(np.abs(self.coef).max()) or 1.0
        self.images_ = []
        for ax, weights, title in zip(axes.flat, self.coef, self.titles, strict=False):
            self.images_.append(
                ax.imshow(
                    np.reshape(weights, IMAGE_SHAPE), cmap=cmap, vmin=-limit, vmax=limit
                )
            )
            ax.set_title(title)
        for ax in axes.flat:
            ax.set_axis_off()
        self.axes_, self.figure_ = axes.ravel(), figure
        return self
