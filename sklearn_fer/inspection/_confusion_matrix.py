"""A confusion matrix normalised over the true labels, with its reading said."""

import numpy as np
from sklearn.utils.multiclass import unique_labels

from ._labels import class_display_labels
from ._matplotlib import new_axes


def confusion_matrix_display(
    y_true,
    y_pred,
    *,
    labels=None,
    display_labels=None,
    title="Confusion matrix, normalised over true labels",
    ax=None,
    cmap="Blues",
):
    """Draw the confusion matrix, each row divided by its true label's count.

    scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay` with the
    reading written on the figure: cell (i, j) is the share of the faces of
    true label i predicted as j (rows sum to 1; a label absent from
    ``y_true`` has a row of zeros), on a colour bar from 0 to 1 that says so;
    the labels are named, by default with the emotion names when they are
    FER2013 codes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (n_classes,), default=None
        The labels, in the order of the rows and columns (e.g. the model's
        ``classes_``); by default those present in ``y_true`` or ``y_pred``.
    display_labels : sequence of str, default=None
        One name per label. By default the emotion names when the labels are
        FER2013 codes (integers within 0..6), else the labels themselves.
    title : str or None, default='Confusion matrix, normalised over true labels'
        Title of the axes.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure if None.
    cmap : str, default='Blues'

    Returns
    -------
    display : sklearn.metrics.ConfusionMatrixDisplay
        With ``ax_``, ``figure_``, ``im_`` (whose ``colorbar`` is labelled)
        and ``confusion_matrix`` (the normalised matrix).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_fer.inspection import confusion_matrix_display
    >>> display = confusion_matrix_display([3, 3, 6, 6], [3, 6, 6, 6])
    >>> [t.get_text() for t in display.ax_.get_xticklabels()]
    ['happy', 'neutral']
    >>> display.confusion_matrix.tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    names = class_display_labels(labels, display_labels)
    ax, _ = new_axes(
        ax,
        figsize=(2.5 + 0.75 * len(labels), 1.5 + 0.7 * len(labels)),
        layout="constrained",
    )
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        normalize="true",
        display_labels=names,
        values_format=".2f",
        xticks_rotation=45,
        cmap=cmap,
        im_kw={"vmin": 0.0, "vmax": 1.0},
        ax=ax,
    )
    display.im_.colorbar.set_label("share of the true label's faces (rows sum to 1)")
    if title is not None:
        display.ax_.set_title(title)
    return display
