"""The losses, penalties and the engine's objective against finite differences."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from sklearn_fer.linear_model._loss import BinaryLogLoss, MultinomialLogLoss
from sklearn_fer.linear_model._penalty import Penalty

from ._objective import objective_gradient

LOSSES = {"binary": (BinaryLogLoss(), 2), "multinomial": (MultinomialLogLoss(), 4)}


def _problem(loss_name, rng):
    loss, n_classes = LOSSES[loss_name]
    X = rng.normal(size=(30, 5))
    y = rng.randint(n_classes, size=30)
    sample_weight = rng.uniform(0.1, 3.0, size=30)
    n_outputs = loss.n_outputs(n_classes)
    # Away from zero, so that the L1 part is differentiable at this point.
    coef = rng.choice([-1, 1], size=(n_outputs, 5)) * rng.uniform(
        0.2, 1, (n_outputs, 5)
    )
    intercept = rng.normal(size=n_outputs)
    return loss, X, y, sample_weight, coef, intercept


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize(
    "penalty, l1_ratio", [(None, 0), ("l2", 0), ("l1", 0), ("elasticnet", 0.3)]
)
def test_objective_gradient_matches_finite_differences(loss_name, penalty, l1_ratio):
    rng = np.random.RandomState(0)
    loss, X, y, sample_weight, coef, intercept = _problem(loss_name, rng)
    reg = Penalty(penalty, alpha=0.05, l1_ratio=l1_ratio)
    shape = coef.shape

    def flat_objective(params):
        w, b = params[: coef.size].reshape(shape), params[coef.size :]
        return objective_gradient(loss, reg, w, b, X, y, sample_weight)[0]

    params = np.concatenate([coef.ravel(), intercept])
    numeric = approx_fprime(params, flat_objective, 1e-7)
    _, grad_coef, grad_intercept = objective_gradient(
        loss, reg, coef, intercept, X, y, sample_weight
    )
    analytic = np.concatenate([grad_coef.ravel(), grad_intercept])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_loss_values_match_sklearn_log_loss(loss_name):
    from sklearn.metrics import log_loss

    rng = np.random.RandomState(1)
    loss, n_classes = LOSSES[loss_name]
    raw = rng.normal(scale=3, size=(50, loss.n_outputs(n_classes)))
    y = rng.randint(n_classes, size=50)
    per_sample, _ = loss.loss_gradient(raw.copy(), y)
    proba = loss.predict_proba(raw)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert per_sample.mean() == pytest.approx(
        log_loss(y, proba, labels=range(n_classes)), rel=1e-10
    )
    np.testing.assert_allclose(loss.predict_log_proba(raw), np.log(proba), rtol=1e-10)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_losses_stay_finite_for_huge_scores(loss_name):
    loss, n_classes = LOSSES[loss_name]
    raw = np.array(
        [[1e4] * loss.n_outputs(n_classes), [-1e4] * loss.n_outputs(n_classes)]
    )
    raw[:, 0] = [-1e4, 1e4]
    per_sample, gradient = loss.loss_gradient(raw.copy(), np.array([1, 0]))
    assert np.isfinite(per_sample).all() and np.isfinite(gradient).all()
    assert np.isfinite(loss.predict_log_proba(raw)).all()


def test_l1_proximal_step_soft_thresholds():
    reg = Penalty("l1", alpha=1.0, l1_ratio=0)
    coef = np.array([[-0.5, -0.05, 0.0, 0.05, 0.5]])
    reg.proximal_step(coef, step=0.1)
    np.testing.assert_allclose(coef, [[-0.4, 0.0, 0.0, 0.0, 0.4]])
    assert Penalty("l2", 1.0, 0.5).l1_strength == 0
    assert Penalty("elasticnet", 2.0, 0.25).l1_strength == 0.5
