"""Input checks, label encoding and validation hold-outs shared by the estimators."""

import contextlib

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._sklearn_api import check_sample_weight


def check_label_vector(y, *, where="y"):
    """Refuse 2-D targets (one-hot or multilabel) with advice; keep any ``y`` else.

    A column vector ``(n_samples, 1)`` is left to scikit-learn's
    ``column_or_1d`` (which warns and ravels it).
    """
    shape = y.shape if hasattr(y, "shape") else np.asarray(y).shape
    if (len(shape) == 2 and shape[1] != 1) or len(shape) > 2:
        raise ValueError(
            f"{where} must be a 1-D array of class labels, got an array of shape "
            f"{shape}. For one-hot (indicator) targets pass y.argmax(axis=1), or "
            "the labels themselves; multilabel targets are not supported."
        )


def _first_non_number(X):
    """``(row, column, value)`` of the first entry of ``X`` that is not a number.

    Rows and columns are labels for pandas input, positions otherwise; None
    when every entry converts to float.
    """
    if hasattr(X, "iloc"):
        frame = X.to_frame() if X.ndim == 1 else X
        values, rows, columns = frame.to_numpy(dtype=object), frame.index, frame.columns
    else:
        values = np.asarray(X, dtype=object)
        values = values.reshape(len(values), -1) if values.ndim != 2 else values
        rows = columns = None
    for (i, j), value in np.ndenumerate(values):
        try:
            float(value)
        except (TypeError, ValueError):
            return (
                i if rows is None else rows[i],
                j if columns is None else columns[j],
                value,
            )
    return None


@contextlib.contextmanager
def numeric_features(X, estimator):
    """Turn numpy's "could not convert string to float" on ``X`` into an error
    that says where the text is and what to do with it."""
    try:
        yield
    except ValueError as exc:
        if not str(exc).startswith("could not convert string to float"):
            raise
        where = _first_non_number(X)
        if where is None:
            raise
        row, column = (repr(at) if isinstance(at, str) else str(at) for at in where[:2])
        raise ValueError(
            f"X holds text at row {row}, column {column}: {str(where[2])[:40]!r}; "
            f"{type(estimator).__name__} needs numbers. Parse FER2013 pixel "
            "strings first with FER2013Transformer (or load_fer2013)."
        ) from exc


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
    check_label_vector(y, where=where)
    y = column_or_1d(y, warn=True)
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


def check_eval_set(eval_set, classes, validate_X, *, weighted):
    """``eval_set`` checked: ``(X_val, y_val, sample_weight_val)``.

    Parameters
    ----------
    eval_set : tuple ``(X_val, y_val)``, or ``(X_val, y_val, sample_weight_val)``
        when ``weighted``.
    classes : ndarray
        Sorted classes; ``y_val`` is encoded as indices into them.
    validate_X : callable
        The estimator's check of ``X`` against what it was fitted on.
    weighted : bool
        Whether the estimator takes sample weights. The returned weights are
        None when it does not.
    """
    lengths = (2, 3) if weighted else (2,)
    if not isinstance(eval_set, tuple | list) or len(eval_set) not in lengths:
        expected = "(X_val, y_val)" + (
            " or (X_val, y_val, sample_weight_val)" if weighted else ""
        )
        got = (
            f"a sequence of length {len(eval_set)}"
            if isinstance(eval_set, tuple | list)
            else type(eval_set).__name__
        )
        raise ValueError(f"eval_set must be a tuple {expected}; got {got}.")
    X_val = validate_X(eval_set[0])
    y_val = encode_labels(eval_set[1], classes, where="eval_set's y")
    if len(y_val) != X_val.shape[0]:
        raise ValueError(
            f"eval_set has {X_val.shape[0]} samples in X but {len(y_val)} labels in y."
        )
    weight_val = None
    if weighted:
        weight_val = check_sample_weight(
            eval_set[2] if len(eval_set) == 3 else None,
            X_val,
            dtype=X_val.dtype,
            ensure_non_negative=True,
        )
    return X_val, y_val, weight_val


def make_validation_split(
    X,
    y_index,
    classes,
    *,
    eval_set,
    validation_fraction,
    early_stopping,
    random_state,
    validate_X,
    sample_weight=None,
):
    """The training data and the validation data of a fit, by one rule.

    The validation data are ``eval_set`` when given; else ``validation_fraction``
    of the training data, held out stratified by class; else, under early
    stopping, 0.1 of it; else there are none (as in scikit-learn's
    ``_make_validation_split``, the estimators share this rule).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Validated training data.
    y_index : ndarray of shape (n_samples,)
        Class indices of the training data.
    classes : ndarray
        Sorted classes, to encode ``eval_set``'s labels.
    eval_set : tuple or None
        ``(X_val, y_val)``, or ``(X_val, y_val, sample_weight_val)`` when
        ``sample_weight`` is given.
    validation_fraction : float or None
    early_stopping : bool
    random_state : int or RandomState
        Seeds the hold-out. A RandomState is drawn from only when a fraction
        is held out.
    validate_X : callable
        The estimator's check of ``eval_set``'s ``X``.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights of the training data, for estimators that take them.

    Returns
    -------
    train : tuple ``(X, y_index, sample_weight)``
        The training part.
    validation : tuple ``(X_val, y_val, sample_weight_val)`` or None
        The validation data; its weights are None when ``sample_weight`` is.
    """
    weighted = sample_weight is not None
    if eval_set is not None:
        return (X, y_index, sample_weight), check_eval_set(
            eval_set, classes, validate_X, weighted=weighted
        )
    fraction = validation_fraction
    if fraction is None and early_stopping:
        fraction = 0.1
    if fraction is None:
        return (X, y_index, sample_weight), None
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    train, val = stratified_holdout(y_index, fraction, random_state)
    if not weighted:
        return (X[train], y_index[train], None), (X[val], y_index[val], None)
    return (
        (X[train], y_index[train], sample_weight[train]),
        (X[val], y_index[val], sample_weight[val]),
    )
