"""Label encoding and validation hold-outs shared by the estimators."""

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils.multiclass import check_classification_targets


def encode_labels(y, classes, *, where="y"):
    """Indices of ``y``'s labels in the sorted ``classes``; unseen labels are an error.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    classes : ndarray
        Sorted unique labels (``classes_``).
    where : str
        How the error message names ``y``.

    Returns
    -------
    indices : ndarray of int64, shape (n_samples,)
    """
    y = np.asarray(y)
    check_classification_targets(y)
    unseen = ~np.isin(y, classes)
    if unseen.any():
        raise ValueError(
            f"{where} contains labels not in classes_ {classes.tolist()}: "
            f"{np.unique(y[unseen]).tolist()} (first at row "
            f"{int(np.flatnonzero(unseen)[0])})."
        )
    return np.searchsorted(classes, y).astype(np.int64)


def stratified_holdout(y_index, fraction, random_state):
    """Train and validation indices, the validation share stratified by class."""
    splitter = StratifiedShuffleSplit(test_size=fraction, random_state=random_state)
    try:
        return next(splitter.split(np.zeros((len(y_index), 1)), y_index))
    except ValueError as exc:
        raise ValueError(
            f"Cannot hold out validation_fraction={fraction} of the data, "
            f"stratified by class: {exc}"
        ) from exc
