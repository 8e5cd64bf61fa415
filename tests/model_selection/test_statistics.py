"""The corrected resampled t, computed by hand on three splits.

With 3 splits the Student t has 2 degrees of freedom, whose distribution has
a closed form: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), and its quantile
q(p) = (2p - 1) sqrt(2 / (4 p (1 - p))). No scipy in the expected values.
"""

import math

import numpy as np
import pytest

from sklearn_fer.model_selection import corrected_t_interval, corrected_t_test

DIFFERENCES = [0.01, 0.02, 0.03]
N_TRAIN, N_TEST = 80, 20


def t2_cdf(t):
    return 0.5 + t / (2 * math.sqrt(2 + t * t))


def t2_quantile(p):
    return (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p)))


def corrected_scale(values):
    mean = sum(values) / 3
    variance = sum((v - mean) ** 2 for v in values) / 2  # ddof=1
    return mean, math.sqrt((1 / 3 + N_TEST / N_TRAIN) * variance)


def test_interval_by_hand():
    mean, scale = corrected_scale(DIFFERENCES)
    assert scale == pytest.approx(math.sqrt(7 / 12 * 1e-4))
    half = t2_quantile(0.975) * scale
    low, high = corrected_t_interval(DIFFERENCES, n_train=N_TRAIN, n_test=N_TEST)
    assert low == pytest.approx(mean - half)
    assert high == pytest.approx(mean + half)
    # The uncorrected interval (no overlap) is narrower by sqrt((1/3) / (7/12)).
    plain_low, _ = corrected_t_interval(DIFFERENCES, n_train=1e12, n_test=1e-12)
    assert (mean - plain_low) / half == pytest.approx(math.sqrt(4 / 7))
    low90, high90 = corrected_t_interval(
        DIFFERENCES, n_train=N_TRAIN, n_test=N_TEST, confidence=0.9
    )
    assert high90 - low90 == pytest.approx(2 * t2_quantile(0.95) * scale)


def test_test_by_hand():
    mean, scale = corrected_scale(DIFFERENCES)
    t = mean / scale
    result = corrected_t_test(DIFFERENCES, n_train=N_TRAIN, n_test=N_TEST)
    assert result.mean == pytest.approx(0.02)
    assert result.std_error == pytest.approx(scale)
    assert result.t == pytest.approx(t)
    assert result.df == 2
    assert result.p_value == pytest.approx(1 - t2_cdf(t))
    assert result.prob_better == pytest.approx(t2_cdf(t))
    assert result.prob_worse == pytest.approx(1 - t2_cdf(t))
    assert result.prob_equivalent == pytest.approx(0)


def test_rope_by_hand():
    mean, scale = corrected_scale(DIFFERENCES)
    rope = 0.01
    result = corrected_t_test(DIFFERENCES, n_train=N_TRAIN, n_test=N_TEST, rope=rope)
    better = 1 - t2_cdf((rope - mean) / scale)
    worse = t2_cdf((-rope - mean) / scale)
    assert result.prob_better == pytest.approx(better)
    assert result.prob_worse == pytest.approx(worse)
    assert result.prob_equivalent == pytest.approx(1 - better - worse)
    # The p-value does not depend on the rope.
    assert result.p_value == pytest.approx(1 - t2_cdf(mean / scale))


def test_sign_is_symmetric():
    ahead = corrected_t_test(DIFFERENCES, n_train=N_TRAIN, n_test=N_TEST)
    behind = corrected_t_test(-np.asarray(DIFFERENCES), n_train=N_TRAIN, n_test=N_TEST)
    assert behind.prob_better == pytest.approx(ahead.prob_worse)
    assert behind.p_value == pytest.approx(1 - ahead.p_value)


def test_identical_values_are_a_point():
    assert corrected_t_interval([0.3] * 4, n_train=3, n_test=1) == (0.3, 0.3)
    result = corrected_t_test([0.02] * 4, n_train=3, n_test=1, rope=0.01)
    assert result.prob_better == 1.0 and result.p_value == 0.0
    assert result.t == math.inf
    tie = corrected_t_test([0.0] * 4, n_train=3, n_test=1, rope=0.01)
    assert tie.prob_equivalent == 1.0 and math.isnan(tie.t)


@pytest.mark.parametrize(
    "values, kwargs, message",
    [
        ([0.5], {}, "at least 2 splits"),
        ([0.5, np.nan], {}, "NaN"),
        ([0.5, 0.6], {"n_train": 0}, "positive"),
        ([0.5, 0.6], {"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_input(values, kwargs, message):
    kwargs = {"n_train": 10, "n_test": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        corrected_t_interval(values, **kwargs)


def test_bad_rope():
    with pytest.raises(ValueError, match="rope"):
        corrected_t_test([0.1, 0.2], n_train=10, n_test=5, rope=-1)
