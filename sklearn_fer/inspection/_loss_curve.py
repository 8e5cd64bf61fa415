"""``LossCurveDisplay``: training and validation loss per epoch."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._pipeline import final_step
from ._matplotlib import new_axes

#: The size of a new figure: room for the legend right of the curves.
_FIGSIZE = (8.0, 4.5)


class LossCurveDisplay:
    """Training and validation loss per epoch, of one or more estimators.

    Works with any estimator that records ``loss_curve_`` (and, when it had
    validation data, ``validation_loss_curve_``): ``SGDLogisticRegression``,
    ``SGDSoftmaxRegression``, ``ConvNetClassifier``, or a ``Pipeline`` ending
    in one. Several displays can share one axis to compare models.

    Training curves are solid, validation curves dashed, and the y label says
    what each measures: for the SGD estimators the training objective (mean
    log loss plus the penalty), for the validation data the log loss alone
    (as :func:`sklearn.metrics.log_loss`). Epochs are whole numbers on the x
    axis; the legend sits right of the curves (a new figure makes room for it;
    on your own axes save with ``bbox_inches="tight"``).

    Read more in the :ref:`User Guide <inspection_guide>`.

    Parameters
    ----------
    loss : array-like
        Training loss per epoch.
    validation_loss : array-like or None, default=None
        Validation loss per epoch (NaN for epochs without one).
    name : str or None, default=None
        Legend label of the curves.
    training_loss_name : str, default='loss'
        What ``loss`` measures, for the y label. ``from_estimator`` reads it
        from the estimator's ``training_loss_name`` ('log loss + penalty' for
        the SGD estimators), when it has one.

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
    >>> print(display.ax_.get_ylabel())
    training: log loss + penalty (solid)
    validation: log loss (dashed)
    """

    def __init__(
        self, *, loss, validation_loss=None, name=None, training_loss_name="loss"
    ):
        self.loss = loss
        self.validation_loss = validation_loss
        self.name = name
        self.training_loss_name = training_loss_name

    @classmethod
    def from_estimator(cls, estimator, *, name=None, ax=None, title=None):
        """Plot the loss history of a fitted estimator (or pipeline).

        Parameters
        ----------
        estimator : fitted estimator or Pipeline
            Its last step has ``loss_curve_``.
        name : str or None, default=None
            Legend label; defaults to the estimator's class name.
        ax : matplotlib Axes, default=None
            Axes to draw on (e.g. another display's ``ax_``); a new figure if None.
        title : str or None, default=None
            Title of the axes.

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
            training_loss_name=getattr(final, "training_loss_name", "loss"),
        )
        return display.plot(ax=ax, title=title)

    def plot(self, *, ax=None, log_scale=False, title=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.
        log_scale : bool, default=False
            Logarithmic loss axis.
        title : str or None, default=None
            Title of the axes (an existing title is kept when None).

        Returns
        -------
        self : LossCurveDisplay
        """
        ax, figure = new_axes(ax, figsize=_FIGSIZE, layout="constrained")
        from matplotlib.ticker import MaxNLocator

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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        described = [f"training: {self.training_loss_name} (solid)"]
        if self.validation_loss is not None:
            described.append("validation: log loss (dashed)")
        # On a shared axis, keep what earlier displays described.
        earlier = ax.get_ylabel().splitlines()
        ax.set_ylabel(
            "\n".join(earlier + [line for line in described if line not in earlier])
        )
        if log_scale:
            ax.set_yscale("log")
        if title is not None:
            ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        self.ax_, self.figure_ = ax, figure
        return self
