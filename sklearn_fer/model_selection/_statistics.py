"""The corrected resampled t of Nadeau and Bengio, and its Bayesian reading.

Cross-validation folds share most of their training faces, so the scores of
the folds are correlated and their plain standard error is too small: a
t-test on them finds differences that are noise. Nadeau and Bengio (2003)
correct the variance of the mean of ``n`` resampled scores by the ratio of
test to training faces,

.. math::

    \\hat\\sigma^2_{\\text{corrected}}
        = \\left(\\frac{1}{n} + \\frac{n_{\\text{test}}}{n_{\\text{train}}}\\right)
          \\hat\\sigma^2,

and use a Student t with ``n - 1`` degrees of freedom. Benavoli et al. (2017)
show that the same Student distribution, centred on the mean, is the
posterior of the mean under their Bayesian correlated t-test (with the
correlation ``n_test / (n_train + n_test)``): its interval is the 95%
interval, and the posterior probability of a difference below zero equals
the one-sided p-value. scikit-learn's example "Statistical comparison of
models using grid search" computes both the same way.
"""

from typing import NamedTuple

import numpy as np
from scipy import stats


def _corrected_student(values, n_train, n_test):
    """Mean, corrected standard error and degrees of freedom of ``values``."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(
            f"need the scores of at least 2 splits as a 1-D array, got shape "
            f"{values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("the scores hold NaN or infinite values.")
    if not (n_train > 0 and n_test > 0):
        raise ValueError(
            f"n_train and n_test must be positive, got {n_train} and {n_test}."
        )
    n = values.size
    scale = np.sqrt((1.0 / n + n_test / n_train) * values.var(ddof=1))
    return float(values.mean()), float(scale), n - 1


def corrected_t_interval(
    values, *, n_train: float, n_test: float, confidence: float = 0.95
) -> tuple[float, float]:
    """The interval of the mean of cross-validated scores, corrected for overlap.

    The corrected resampled t of Nadeau and Bengio (2003): the variance of
    the scores of ``n`` splits is scaled by ``1 / n + n_test / n_train``
    rather than ``1 / n``, and the interval is a Student t's with ``n - 1``
    degrees of freedom. It is also the credible interval of the Bayesian
    correlated t-test (Benavoli et al., 2017). Give the scores of one model
    for its interval, or the differences between two models' scores on the
    same splits for the interval of the difference.

    Parameters
    ----------
    values : array-like of shape (n_splits,)
        One score (or difference) per split, ``n_splits >= 2``; with repeated
        cross-validation, every split of every repetition.
    n_train, n_test : float
        The number of training and test samples of a split (their mean when
        the splits differ by a sample or two).
    confidence : float, default=0.95

    Returns
    -------
    low, high : float
        Equal to the mean when every value is the same.

    Examples
    --------
    >>> from sklearn_fer.model_selection import corrected_t_interval
    >>> low, high = corrected_t_interval([0.50, 0.52, 0.54], n_train=80, n_test=20)
    >>> print(f"{low:.3f} {high:.3f}")
    0.454 0.586

    The plain t interval, ``n_test / n_train = 0``, is narrower by a factor
    of ``sqrt(1 / 3) / sqrt(1 / 3 + 1 / 4)`` (0.76), and too confident.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}.")
    mean, scale, df = _corrected_student(values, n_train, n_test)
    if scale == 0:
        return mean, mean
    low, high = stats.t.interval(confidence, df, loc=mean, scale=scale)
    return float(low), float(high)


class CorrectedTTest(NamedTuple):
    """The result of :func:`corrected_t_test`."""

    #: The mean difference.
    mean: float
    #: Its corrected standard error.
    std_error: float
    #: The corrected t statistic, ``mean / std_error``.
    t: float
    #: Degrees of freedom, ``n_splits - 1``.
    df: int
    #: One-sided p-value of "no better" (the difference is <= 0).
    p_value: float
    #: Posterior probability that the difference is above ``rope``.
    prob_better: float
    #: Posterior probability that it is within ``[-rope, rope]``.
    prob_equivalent: float
    #: Posterior probability that it is below ``-rope``.
    prob_worse: float


def corrected_t_test(
    differences, *, n_train: float, n_test: float, rope: float = 0.0
) -> CorrectedTTest:
    """Whether a model is better than another, from their differences per split.

    The corrected resampled t-test of Nadeau and Bengio (2003) and the
    Bayesian correlated t-test of Benavoli et al. (2017), which share one
    Student distribution of the mean difference: centred on the mean, with
    the corrected standard error (see :func:`corrected_t_interval`) and
    ``n_splits - 1`` degrees of freedom. ``p_value`` is the one-sided p-value
    of the hypothesis that the model is no better (a difference <= 0);
    ``prob_better``, ``prob_equivalent`` and ``prob_worse`` are the posterior
    probabilities that the difference is above ``rope``, within
    ``[-rope, rope]`` (a region of practical equivalence) and below
    ``-rope``. With ``rope=0``, ``prob_better == 1 - p_value``.

    Parameters
    ----------
    differences : array-like of shape (n_splits,)
        The model's score minus the baseline's on each split (the same splits
        for both), oriented so that positive is better (for a loss, the
        baseline's minus the model's).
    n_train, n_test : float
        The number of training and test samples of a split.
    rope : float, default=0.0
        Half-width of the region of practical equivalence, in the score's
        units (0.01: one point of accuracy).

    Returns
    -------
    result : CorrectedTTest
        ``mean``, ``std_error``, ``t``, ``df``, ``p_value``, ``prob_better``,
        ``prob_equivalent``, ``prob_worse``. When every difference is the
        same, the distribution is a point: the probabilities are 0 or 1.

    Examples
    --------
    >>> from sklearn_fer.model_selection import corrected_t_test
    >>> result = corrected_t_test([0.01, 0.02, 0.03], n_train=80, n_test=20)
    >>> print(f"t={result.t:.3f} p={result.p_value:.4f}")
    t=2.619 p=0.0601
    >>> print(f"{result.prob_better:.4f}")
    0.9399
    >>> result = corrected_t_test(
    ...     [0.01, 0.02, 0.03], n_train=80, n_test=20, rope=0.01
    ... )
    >>> print(f"{result.prob_better:.3f} {result.prob_equivalent:.3f}")
    0.840 0.131
    """
    if not rope >= 0:
        raise ValueError(f"rope must be >= 0, got {rope!r}.")
    mean, scale, df = _corrected_student(differences, n_train, n_test)
    if scale == 0:
        t = np.copysign(np.inf, mean) if mean else np.nan
        better, worse = float(mean > rope), float(mean < -rope)
        p_value = 0.0 if mean > 0 else 1.0
    else:
        t = mean / scale
        posterior = stats.t(df, loc=mean, scale=scale)
        better, worse = float(posterior.sf(rope)), float(posterior.cdf(-rope))
        p_value = float(stats.t.sf(t, df))
    return CorrectedTTest(
        mean=mean,
        std_error=scale,
        t=float(t),
        df=df,
        p_value=p_value,
        prob_better=better,
        prob_equivalent=max(0.0, 1.0 - better - worse),
        prob_worse=worse,
    )
