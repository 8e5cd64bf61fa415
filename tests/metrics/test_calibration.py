"""expected_calibration_error against the definition, worked by hand."""

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from sklearn_fer.metrics import expected_calibration_error


def test_hand_computed_bins():
    # Top-label confidences 0.95, 0.85, 0.7, 0.65 and 0.6, in 5 bins.
    y_true = [0, 0, 1, 1, 1]
    y_prob = [[0.95, 0.05], [0.85, 0.15], [0.3, 0.7], [0.35, 0.65], [0.6, 0.4]]
    # Bin (0.8, 1]: two right at mean confidence 0.9 -> gap 0.1, weight 2/5.
    # Bin (0.6, 0.8]: 0.7 right, 0.65 right -> acc 1, conf 0.675 -> 0.325, 2/5.
    # Bin (0.4, 0.6]: 0.6 for class 0, wrong -> acc 0, conf 0.6 -> 0.6, 1/5.
    expected = 2 / 5 * 0.1 + 2 / 5 * 0.325 + 1 / 5 * 0.6
    assert expected_calibration_error(y_true, y_prob, n_bins=5) == pytest.approx(
        expected
    )


def test_binary_matches_the_reliability_curve_of_scikit_learn():
    # Probabilities of the positive class above 1/2: the top label is the
    # positive class, its confidence the probability, so the ECE is the
    # weighted gap of scikit-learn's reliability curve over the same bins
    # (theirs are closed on the left, ours on the right: no value falls on an
    # edge here).
    rng = np.random.default_rng(0)
    p = rng.uniform(0.5, 1.0, 2000)
    y = (rng.uniform(size=2000) < p**2).astype(int)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    counts = np.histogram(p, bins=np.linspace(0, 1, 11))[0]
    counts = counts[counts > 0]
    reference = np.sum(counts * np.abs(prob_true - prob_pred)) / len(p)
    assert expected_calibration_error(y, p, n_bins=10) == pytest.approx(reference)


def test_perfect_and_worst_calibration():
    y = np.array([0, 1, 2, 2])
    one_hot = np.eye(3)[y]
    assert expected_calibration_error(y, one_hot) == 0.0
    wrong = np.eye(3)[(y + 1) % 3]
    assert expected_calibration_error(y, wrong) == 1.0


def test_labels_order_and_weights():
    y = np.array(["sad", "happy", "happy"])
    proba = np.array([[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]])  # columns happy, sad
    value = expected_calibration_error(y, proba, labels=["happy", "sad"], n_bins=1)
    # All right; mean confidence (0.8 + 0.9 + 0.6) / 3 = 0.7667.
    assert value == pytest.approx(1 - 2.3 / 3)
    weighted = expected_calibration_error(
        y, proba, labels=["happy", "sad"], n_bins=1, sample_weight=[2, 1, 1]
    )
    assert weighted == pytest.approx(1 - (2 * 0.8 + 0.9 + 0.6) / 4)


@pytest.mark.parametrize(
    "y_prob, message",
    [
        ([[0.5, 0.6], [0.5, 0.5]], "sum to 1.1"),
        ([[1.5, -0.5], [0.5, 0.5]], "outside"),
        ([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]], "3 columns for 2 labels"),
    ],
)
def test_bad_probabilities_are_named(y_prob, message):
    with pytest.raises(ValueError, match=message):
        expected_calibration_error([0, 1], y_prob)


def test_bad_bins_and_unknown_labels():
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([0, 1], [[1, 0], [0, 1]], n_bins=0)
    with pytest.raises(ValueError, match=r"labels \[2\]"):
        expected_calibration_error([0, 2], [[1, 0], [0, 1]], labels=[0, 1])


def test_calibration_bins_are_what_the_error_averages():
    from sklearn_fer.metrics import calibration_bins

    rng = np.random.RandomState(0)
    y_prob = rng.dirichlet(np.ones(4), size=300)
    y_true = rng.randint(4, size=300)
    share, accuracy, confidence = calibration_bins(y_true, y_prob, n_bins=10)
    assert share.sum() == pytest.approx(1.0)
    filled = share > 0
    assert np.isnan(accuracy[~filled]).all()
    by_hand = np.sum(share[filled] * np.abs(accuracy[filled] - confidence[filled]))
    assert expected_calibration_error(y_true, y_prob, n_bins=10) == pytest.approx(
        by_hand
    )
    # Each bin's mean confidence lies in the bin.
    edges = np.arange(11) / 10
    assert np.all(confidence[filled] > edges[:-1][filled])
    assert np.all(confidence[filled] <= edges[1:][filled])
