"""``LossCurveDisplay``: training and validation loss per epoch."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._pipeline import final_step
from ._matplotlib import new_axes


class LossCurveDisplay:
    """Training and validation loss per epoch, of one or more estimators.

    Works with any estimator that records ``loss_curve_`` (and, when it had
    validation data, ``validation_loss_curve_``): ``SGDLogisticRegression``,
    ``SGDSoftmaxRegression``, ``ConvNetClassifier``, or a ``Pipeline`` ending
    in one. Several displays can share one axis to compare models.

    Parameters
    ----------
    loss : array-like
        Training loss per epoch.
    validation_loss : array-like or None, default=None
        Validation loss per epoch (NaN for epochs without one).
    name : str or None, default=None
        Legend label of the curves.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The training line, then the validation line when there is one.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.linear_model import SGDSoftmaxRegression
    >>> from sklearn_fer.inspection import LossCurveDisplay
    >>> X, y = make_faces(300, random_state=0, return_X_y=True)
    >>> model = SGDSoftmaxRegression(validation_fraction=0.2, random_state=0)
    >>> display = LossCurveDisplay.from_estimator(model.fit(X / 255, y))
    >>> len(display.lines_)
    2
    """

    def __init__(self, *, loss, validation_loss=None, name=None):
        self.loss = loss
        self.validation_loss = validation_loss
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, *, name=None, ax=None):
        """Plot the loss history of a fitted estimator (or pipeline).

        Parameters
        ----------
        estimator : fitted estimator or Pipeline
            Its last step has ``loss_curve_``.
        name : str or None, default=None
            Legend label; defaults to the estimator's class name.
        ax : matplotlib Axes, default=None
            Axes to draw on (e.g. another display's ``ax_``); a new figure if None.

        Returns
        -------
        display : LossCurveDisplay
        """
        final = final_step(estimator)
        check_is_fitted(final)
        if not hasattr(final, "loss_curve_"):
            raise TypeError(
                f"{type(final).__name__} records no loss_curve_: LossCurveDisplay "
                "needs an estimator trained by epochs."
            )
        display = cls(
            loss=final.loss_curve_,
            validation_loss=final.validation_loss_curve_,
            name=name or type(final).__name__,
        )
        return display.plot(ax=ax)

    def plot(self, *, ax=None, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        self : LossCurveDisplay
        """
        ax, figure = new_axes(ax)
        epochs = np.arange(1, len(self.loss) + 1)
        prefix = f"{self.name}: " if self.name else ""
        (train_line,) = ax.plot(epochs, self.loss, label=f"{prefix}training")
        self.lines_ = [train_line]
        if self.validation_loss is not None:
            validation = np.asarray(self.validation_loss, dtype=float)
            shown = ~np.isnan(validation)
            (validation_line,) = ax.plot(
                epochs[shown],
                validation[shown],
                linestyle="--",
                marker="." if shown.sum() < len(shown) else None,
                color=train_line.get_color(),
                label=f"{prefix}validation",
            )
            self.lines_.append(validation_line)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if log_scale:
            ax.set_yscale("log")
        ax.legend()
        self.ax_, self.figure_ = ax, figure
        return self
