"""The expected calibration error of predicted probabilities."""

import numpy as np
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils.validation import check_array


def _probability_matrix(y_prob, n_labels):
    """``y_prob`` as an (n, n_labels) float matrix, checked to be probabilities."""
    y_prob = check_array(y_prob, ensure_2d=False, dtype=np.float64)
    if y_prob.ndim == 1:  # the positive class's probability, as roc_auc_score
        y_prob = np.column_stack([1.0 - y_prob, y_prob])
    if y_prob.shape[1] != n_labels:
        raise ValueError(
            f"y_prob has {y_prob.shape[1]} columns for {n_labels} labels: give "
            "one column per label, in the order of `labels` (by default the "
            "sorted labels of y_true)."
        )
    if y_prob.min() < 0 or y_prob.max() > 1:
        raise ValueError("y_prob holds values outside [0, 1]: not probabilities.")
    sums = y_prob.sum(axis=1)
    bad = np.flatnonzero(~np.isclose(sums, 1.0, rtol=0, atol=1e-4))
    if bad.size:
        raise ValueError(
            f"the probabilities of row {bad[0]} sum to {sums[bad[0]]:.6g}, not 1 "
            f"({bad.size} such rows)."
        )
    return y_prob


def expected_calibration_error(
    y_true, y_prob, *, n_bins: int = 15, labels=None, sample_weight=None
) -> float:
    """The expected calibration error (ECE) of the most probable class.

    Each prediction's confidence (its largest probability) falls into one of
    ``n_bins`` equal-width bins of (0, 1]; in each bin the accuracy of the
    predicted classes is compared with their mean confidence, and the gaps
    are averaged, weighted by the share of the samples in the bin
    (Naeini et al., 2015; Guo et al., 2017, whose 15 bins are the default):

    .. math::

        \\mathrm{ECE} = \\sum_{b} \\frac{|B_b|}{n}
        \\left| \\mathrm{acc}(B_b) - \\mathrm{conf}(B_b) \\right|

    0 is perfect calibration; a model that says 0.9 and is right half of the
    time scores 0.4. Unlike the log loss it ignores all but the top class,
    and it depends on ``n_bins``: compare models with the same bins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_prob : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, one column per label in the order of
        ``labels`` (``predict_proba``'s columns follow ``classes_``); 1-D:
        the probability of the second of two labels.
    n_bins : int, default=15
        Equal-width confidence bins.
    labels : array-like or None, default=None
        The labels of ``y_prob``'s columns; by default the sorted labels of
        ``y_true``.
    sample_weight : array-like of shape (n_samples,) or None, default=None

    Returns
    -------
    ece : float
        In [0, 1].

    Examples
    --------
    >>> from sklearn_fer.metrics import expected_calibration_error
    >>> y_true = [0, 1, 1, 0]
    >>> y_prob = [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]]

    Alone in its bin, each prediction's gap counts: 0.1, 0.2, 0.4 and 0.7 (the
    last one is wrong at a confidence of 0.7), 0.35 on average.

    >>> round(expected_calibration_error(y_true, y_prob), 4)
    0.35

    In one bin, the mean confidence 0.75 matches the accuracy 3/4:

    >>> round(expected_calibration_error(y_true, y_prob, n_bins=1), 4)
    0.0
    """
    mass, hits, belief = _binned(y_true, y_prob, n_bins, labels, sample_weight)
    return float(np.abs(hits - belief).sum() / mass.sum())


def _binned(y_true, y_prob, n_bins, labels, sample_weight):
    """Per confidence bin: the weight, the weight of the right predictions,
    and the weighted sum of the confidences."""
    if not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}.")
    y_true = column_or_1d(y_true)
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    y_prob = _probability_matrix(y_prob, len(labels))
    check_consistent_length(y_true, y_prob)
    unknown = np.setdiff1d(y_true, labels)
    if unknown.size:
        raise ValueError(
            f"y_true holds labels {unknown.tolist()[:5]} that are not in labels "
            f"{labels.tolist()}."
        )
    if sample_weight is None:
        weights = np.ones(len(y_true))
    else:
        weights = column_or_1d(sample_weight).astype(np.float64)
        check_consistent_length(y_true, weights)
        if weights.min() < 0 or weights.sum() <= 0:
            raise ValueError("sample_weight must be >= 0 with a positive sum.")
    confidence = y_prob.max(axis=1)
    correct = labels[y_prob.argmax(axis=1)] == y_true
    # Right-closed bins ((b - 1) / n_bins, b / n_bins]; a confidence is >= 1/K.
    bins = np.clip(np.ceil(confidence * n_bins).astype(np.intp) - 1, 0, n_bins - 1)
    mass = np.bincount(bins, weights=weights, minlength=n_bins)
    hits = np.bincount(bins, weights=weights * correct, minlength=n_bins)
    belief = np.bincount(bins, weights=weights * confidence, minlength=n_bins)
    return mass, hits, belief


def calibration_bins(
    y_true, y_prob, *, n_bins: int = 15, labels=None, sample_weight=None
):
    """Accuracy and mean confidence of the most probable class, per bin.

    What :func:`expected_calibration_error` averages, and what a reliability
    diagram draws: the predictions binned by confidence (their largest
    probability) into ``n_bins`` equal-width bins of (0, 1].

    Parameters
    ----------
    y_true, y_prob, n_bins, labels, sample_weight
        As for :func:`expected_calibration_error`.

    Returns
    -------
    share : ndarray of shape (n_bins,)
        The share of the samples (weights) in each bin.
    accuracy : ndarray of shape (n_bins,)
        The accuracy of the predictions in each bin (NaN where empty).
    confidence : ndarray of shape (n_bins,)
        Their mean confidence (NaN where empty).

    Examples
    --------
    >>> from sklearn_fer.metrics import calibration_bins
    >>> share, accuracy, confidence = calibration_bins(
    ...     [0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]], n_bins=2
    ... )
    >>> share.tolist(), accuracy.tolist(), confidence.round(3).tolist()
    ([0.0, 1.0], [nan, 0.75], [nan, 0.75])
    """
    mass, hits, belief = _binned(y_true, y_prob, n_bins, labels, sample_weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        return mass / mass.sum(), hits / mass, belief / mass
