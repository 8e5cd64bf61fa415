"""eta0='auto': the step of the module docstring of ``_step_size``, checked by hand."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer

from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression, _sgd
from sklearn_fer.linear_model._loss import BinaryLogLoss, MultinomialLogLoss
from sklearn_fer.linear_model._penalty import Penalty
from sklearn_fer.linear_model._sgd import SGDOptimizer
from sklearn_fer.linear_model._step_size import (
    MAX_EXACT_SIZE,
    _largest_eigenvalue,
    auto_step_size,
)

ESTIMATORS = [SGDLogisticRegression, SGDSoftmaxRegression]


def _by_hand(X, weights, *, curvature, l2, fit_intercept, batch_size):
    """The formula of the docstring, written out on a small dense case."""
    n = len(X)
    b = min(batch_size, n)
    Xt = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    moment = (Xt * weights[:, None]).T @ Xt / weights.sum()
    full = np.linalg.eigvalsh(moment)[-1]
    largest = max(w / weights.mean() * x @ x for w, x in zip(weights, Xt, strict=True))
    smoothness = n * (b - 1) / (b * (n - 1)) * full + (n - b) / (b * (n - 1)) * largest
    return 1 / (curvature * smoothness + l2)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(batch_size=4, momentum=0.5, nesterov=True, alpha=0.3),
        dict(batch_size=1, momentum=0, fit_intercept=False, penalty=None),
        dict(batch_size=3, penalty="elasticnet", l1_ratio=0.25, alpha=2.0),
    ],
)
def test_the_auto_step_is_the_formula(Estimator, params):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(9, 3)) * [1.0, 10.0, 0.1] + [5.0, 0.0, 0.0]
    y = np.array([0, 1, 2] * 3) % (2 if Estimator is SGDLogisticRegression else 3)
    weights = rng.uniform(0.5, 3.0, size=9)
    model = Estimator(max_iter=1, **params).fit(X, y, sample_weight=weights)
    defaults = model.get_params()
    l1_share = {"l2": 0.0, "elasticnet": defaults["l1_ratio"], None: 1.0}
    expected = _by_hand(
        X,
        weights,
        curvature=0.25 if Estimator is SGDLogisticRegression else 0.5,
        l2=defaults["alpha"] * (1 - l1_share[defaults["penalty"]]),
        fit_intercept=defaults["fit_intercept"],
        batch_size=defaults["batch_size"],
    )
    assert model.eta0_ == pytest.approx(expected, rel=1e-10)


def test_one_sample_and_flat_data():
    # One sample: its own curvature. No data, no intercept, no L2: any step.
    one = auto_step_size(
        np.array([[3.0, 4.0]]),
        np.ones(1),
        curvature=0.5,
        l2_strength=0.0,
        fit_intercept=True,
        batch_size=128,
    )
    assert one == pytest.approx(1 / (0.5 * 26))
    flat = dict(curvature=0.5, l2_strength=0.0, fit_intercept=False, batch_size=8)
    assert auto_step_size(np.zeros((5, 2)), np.ones(5), **flat) == 1.0


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("shape", [(40, 600), (600, 40), (700, 600)])
def test_the_largest_eigenvalue_on_each_path(shape, fit_intercept, sparse):
    # The Gram matrix of the rows, of the columns, and Lanczos iterations
    # (both sides over MAX_EXACT_SIZE) give the eigenvalue of the moment.
    rng = np.random.RandomState(0)
    X = rng.normal(size=shape) + rng.normal(size=shape[1])
    X[rng.uniform(size=shape) < 0.5] = 0
    weights = rng.uniform(0, 2, size=shape[0])
    Xt = np.hstack([X, np.ones((shape[0], 1))]) if fit_intercept else X
    moment = (Xt * weights[:, None]).T @ Xt / weights.sum()
    expected = np.linalg.eigvalsh(moment)[-1]
    data = sp.csr_matrix(X) if sparse else X
    assert _largest_eigenvalue(data, weights, fit_intercept) == pytest.approx(
        expected, rel=1e-3
    )
    for dtype in (np.float32,):
        value = _largest_eigenvalue(data.astype(dtype), weights, fit_intercept)
        assert value == pytest.approx(expected, rel=1e-3)
    assert min(700, 601) > MAX_EXACT_SIZE


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_step_follows_the_scale_of_the_data(Estimator):
    X, y = load_breast_cancer(return_X_y=True)
    params = dict(max_iter=1, fit_intercept=False, penalty=None, random_state=0)
    steps = [Estimator(**params).fit(X * scale, y).eta0_ for scale in (1e-3, 1.0, 1e3)]
    np.testing.assert_allclose(steps, [steps[1] * 1e6, steps[1], steps[1] * 1e-6])


@pytest.mark.parametrize("Loss", [BinaryLogLoss, MultinomialLogLoss])
def test_curvature_bounds_the_hessian_of_the_loss(Loss):
    # Finite differences of the gradient along the raw scores: the largest
    # eigenvalue stays under ``curvature`` and reaches it where two classes
    # share the probability (scores of 0 for two classes, -inf for the rest).
    rng = np.random.RandomState(0)
    n_outputs = Loss.n_outputs(4)
    worst = np.full(n_outputs, -30.0)
    worst[:2] = 0.0
    points = [rng.normal(scale=3, size=n_outputs) for _ in range(50)] + [worst]
    largest = []
    for raw in points:
        y = np.zeros(1, dtype=int)
        step = 1e-6
        hessian = np.empty((n_outputs, n_outputs))
        for j in range(n_outputs):
            shift = np.zeros(n_outputs)
            shift[j] = step
            _, up = Loss.loss_gradient((raw + shift)[None], y)
            _, down = Loss.loss_gradient((raw - shift)[None], y)
            hessian[:, j] = (up - down)[0] / (2 * step)
        largest.append(np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1])
    assert max(largest) <= Loss.curvature * (1 + 1e-6)
    assert largest[-1] == pytest.approx(Loss.curvature, rel=1e-4)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9, 0.99])
def test_the_step_is_inside_the_stability_edge_of_every_momentum(momentum, nesterov):
    # On the quadratic L w^2 / 2, the engine's update is stable below the
    # edge of the docstring and unstable above it; the auto step 1 / L is
    # below the edge of every momentum, with a margin of at least 4/3.
    curvature = 3.0
    step = auto_step_size(
        np.array([[1.0], [-1.0]]),
        np.ones(2),
        curvature=curvature,
        l2_strength=0.0,
        fit_intercept=False,
        batch_size=2,
    )
    assert step == pytest.approx(1 / curvature)
    edge = 2 * (1 + momentum) / ((1 + 2 * momentum * nesterov) * curvature)
    assert edge >= 4 / 3 * step * (1 - 1e-12)

    def final_size(eta):
        optimizer = SGDOptimizer("constant", eta, 0.5, momentum, nesterov)
        weight = np.ones(1)
        for _ in range(5000):
            optimizer.update([weight], [curvature * weight], Penalty(None, 0, 0))
            if abs(weight[0]) > 1e6:  # diverging: stop before it overflows
                break
        return abs(weight[0])

    assert final_size(edge * 0.99) < 1
    assert final_size(edge * 1.01) > 1e3
    assert final_size(step) < 1e-6


# -- eta0_ through fit and partial_fit ----------------------------------------


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(300, random_state=0, return_X_y=True)
    return X / 255, y


def _auto(model, X):
    return auto_step_size(
        X,
        np.ones(len(X)),
        curvature=model._loss.curvature,
        l2_strength=model.alpha,
        fit_intercept=True,
        batch_size=model.batch_size,
    )


def test_partial_fit_keeps_the_step_of_its_first_call(faces):
    X, y = faces
    classes = np.unique(y)
    model = SGDSoftmaxRegression(random_state=0)
    model.partial_fit(X[:100], y[:100], classes=classes)
    first = model.eta0_
    assert first == pytest.approx(_auto(model, X[:100]))
    model.partial_fit(X[100:] * 10, y[100:])  # another scale: the step stays
    assert model.eta0_ == first and model._optimizer.initial_step == first
    model.set_params(eta0=0.05).partial_fit(X[:100], y[:100])
    assert model.eta0_ == 0.05
    # Back to 'auto' after a number: computed again, from this call's chunk.
    model.set_params(eta0="auto").partial_fit(X[100:200], y[100:200])
    assert model.eta0_ == pytest.approx(_auto(model, X[100:200]))
    # fit starts afresh from all of its data.
    model.fit(X, y)
    assert model.eta0_ == pytest.approx(_auto(model, X))
    assert model.n_iter_ == model.max_iter


def test_partial_fit_after_a_saved_numeric_optimizer(faces):
    # An optimizer of before eta0='auto' (no initial_step): the schedule and
    # 'adaptive' reductions continue from its eta0.
    X, y = faces
    model = SGDSoftmaxRegression(eta0=0.01, learning_rate="adaptive", random_state=0)
    model.partial_fit(X, y, classes=np.unique(y))
    model._optimizer.eta = 0.002
    del model._optimizer.initial_step, model._optimizer._reduction
    model.set_params(eta0=0.02).partial_fit(X, y)
    assert model._optimizer.eta == pytest.approx(0.004)
    model.set_params(eta0="auto").partial_fit(X, y)
    assert model._optimizer.eta == pytest.approx(model.eta0_ * 0.2)


def test_a_numeric_eta0_is_used_as_it_is(faces):
    X, y = faces
    model = SGDSoftmaxRegression(eta0=0.01, max_iter=1).fit(X, y)
    assert model.eta0_ == 0.01


def test_adaptive_lowers_a_tiny_auto_step(faces):
    # The least step of 'adaptive' is relative to the first one: on pixels of
    # 0-255 (a step near 1e-7) it still lowers the step on a plateau.
    X, y = faces
    model = SGDSoftmaxRegression(
        learning_rate="adaptive", tol=10.0, n_iter_no_change=1, max_iter=3
    ).fit(X * 255, y)
    assert model.eta0_ < 1e-6
    assert model._optimizer.eta == pytest.approx(model.eta0_ / 25)


def test_divergence_names_the_step_auto_chose(faces, monkeypatch):
    X, y = faces
    monkeypatch.setattr(_sgd, "auto_step_size", lambda *args, **kwargs: 1e6)
    with pytest.raises(
        ValueError, match=r"smaller eta0 \(now 'auto', which chose 1e\+06\)"
    ):
        SGDSoftmaxRegression(learning_rate="constant").fit(X * 255, y)


def test_squared_norms_that_overflow_are_an_error():
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="squared norms of the samples overflow"):
        SGDLogisticRegression().fit(X * 1e160, y)


@pytest.mark.parametrize(
    "dtype, class_weight, sample_weight",
    [
        (np.float64, {0: 1e308}, 1.0),
        (np.float32, {0: 1e308}, 1.0),  # a class weight beyond float32
        (np.float32, {0: 1e37, 1: 1.0}, 1.0),  # a sum beyond float32
        (np.float64, None, 1e307),
        (np.float32, None, 1e37),
    ],
)
def test_weights_that_overflow_name_the_weights(
    faces, dtype, class_weight, sample_weight
):
    # The class_weight={0: 1e308} of the probe was called a divergence, with
    # the advice of a smaller eta0.
    X, y = faces
    weights = np.full(len(y), sample_weight)
    what = "sample_weight times class_weight" if class_weight else "sample_weight"
    for Estimator in ESTIMATORS:
        with pytest.raises(ValueError, match=rf"weights \({what}\) sum to .*beyond"):
            Estimator(class_weight=class_weight).fit(
                X.astype(dtype), y % 2, sample_weight=weights
            )
