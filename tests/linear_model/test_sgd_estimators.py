"""Behaviour of SGDLogisticRegression and SGDSoftmaxRegression."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression
from sklearn_fer.linear_model._penalty import Penalty

from ._objective import objective_gradient

ESTIMATORS = [SGDLogisticRegression, SGDSoftmaxRegression]
#: Settings under which SGD converges to the exact optimum of its objective.
CONVERGED = dict(
    batch_size=32,
    eta0=0.01,
    learning_rate="adaptive",
    momentum=0.9,
    max_iter=2000,
    tol=1e-8,
    n_iter_no_change=10,
    random_state=0,
)


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    return _standardized(load_digits)


@pytest.fixture(scope="module")
def breast_cancer():
    return _standardized(load_breast_cancer)


def _objective(estimator, X, y, alpha, coef, intercept):
    y_index = np.searchsorted(np.unique(y), y)
    return objective_gradient(
        estimator._loss,
        Penalty("l2", alpha, 0),
        coef,
        intercept,
        X,
        y_index,
        np.ones(len(y)),
    )[0]


@pytest.mark.parametrize(
    "Estimator, dataset",
    [(SGDSoftmaxRegression, "digits"), (SGDLogisticRegression, "breast_cancer")],
)
def test_reaches_logistic_regression_optimum(Estimator, dataset, request):
    X, y = request.getfixturevalue(dataset)
    alpha = 1e-2
    reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-10, max_iter=10_000)
    reference.fit(X, y)
    model = Estimator(alpha=alpha, **CONVERGED).fit(X, y)
    ours = _objective(model, X, y, alpha, model.coef_, model.intercept_)
    best = _objective(model, X, y, alpha, reference.coef_, reference.intercept_)
    assert ours == pytest.approx(best, rel=1e-3)
    assert (model.predict(X) == reference.predict(X)).mean() >= 0.99


def test_softmax_matches_mlp_without_hidden_layer(digits):
    X, y = digits
    alpha = 1e-2
    # MLPClassifier's penalty is alpha_mlp / (2 n) ||W||^2 next to the mean loss.
    mlp = MLPClassifier(
        hidden_layer_sizes=(),
        alpha=alpha * len(y),
        solver="lbfgs",
        max_iter=5000,
        tol=1e-10,
        random_state=0,
    ).fit(X, y)
    model = SGDSoftmaxRegression(alpha=alpha, **CONVERGED).fit(X, y)
    ours = _objective(model, X, y, alpha, model.coef_, model.intercept_)
    theirs = _objective(model, X, y, alpha, mlp.coefs_[0].T, mlp.intercepts_[0])
    assert ours == pytest.approx(theirs, rel=1e-3)
    assert (model.predict(X) == mlp.predict(X)).mean() >= 0.99


def test_softmax_is_multinomial_not_one_vs_rest(digits):
    X, y = digits
    model = SGDSoftmaxRegression(random_state=0, max_iter=5, tol=None).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    raw = X @ model.coef_.T + model.intercept_
    expected = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, expected, rtol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_in_pipeline_grid_search_and_cross_validate(Estimator, breast_cancer):
    X, y = breast_cancer
    pipe = make_pipeline(StandardScaler(), Estimator(random_state=0, tol=None))
    search = GridSearchCV(pipe, {Estimator.__name__.lower() + "__eta0": [1e-3, 1e-2]})
    search.fit(X, y)
    assert search.best_score_ > 0.9
    scores = cross_validate(pipe, X, y, cv=3, scoring=["accuracy", "neg_log_loss"])
    assert scores["test_accuracy"].mean() > 0.9


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_and_pickle_round_trip(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(random_state=0, eta0=0.005).fit(X, y)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(clone(model), "coef_")
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    restored.partial_fit(X, y)
    assert restored.n_iter_ == model.n_iter_ + 1


def test_one_vs_rest_of_logistic_on_three_classes():
    X, y = make_classification(300, n_classes=3, n_informative=4, random_state=0)
    # Few samples: smaller batches than the FER2013-sized default.
    model = OneVsRestClassifier(SGDLogisticRegression(batch_size=16, random_state=0))
    model.fit(X, y)
    assert len(model.estimators_) == 3
    reference = OneVsRestClassifier(LogisticRegression()).fit(X, y)
    assert model.score(X, y) >= reference.score(X, y) - 0.03


def test_logistic_rejects_more_than_two_classes():
    X, y = make_classification(60, n_classes=3, n_informative=4, random_state=0)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        SGDLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="OneVsRestClassifier"):
        SGDLogisticRegression().partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_binary_decision_function_convention(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(y),)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(scores > 0) * 1])
    assert model.coef_.shape == (
        (1, X.shape[1]) if Estimator is SGDLogisticRegression else (2, X.shape[1])
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_over_chunks_matches_fit(Estimator, digits):
    X, y = digits
    if Estimator is SGDLogisticRegression:
        y = (y == 3).astype(int)
    fitted = Estimator(random_state=0, max_iter=10, tol=None).fit(X, y)
    streamed = Estimator(random_state=0)
    for _ in range(10):
        for chunk in np.array_split(np.arange(len(y)), 5):
            streamed.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert streamed.n_iter_ == len(streamed.loss_curve_) == 50
    assert streamed.score(X, y) >= fitted.score(X, y) - 0.02


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_errors(Estimator, breast_cancer):
    X, y = breast_cancer
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        Estimator().partial_fit(X, y)
    model = Estimator().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels not in classes_ \[0, 1\]: \[7\]"):
        model.partial_fit(X[:3], [0, 7, 1])
    with pytest.raises(ValueError, match="X has 29 features"):
        model.partial_fit(X[:, 1:], y)
    with pytest.raises(ValueError, match="differs from classes_"):
        model.partial_fit(X, y, classes=[0, 2])
    # After fit, partial_fit needs no classes.
    Estimator().fit(X, y).partial_fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_loss_curve_has_n_iter_entries_and_validation(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(random_state=0, max_iter=7, tol=None, validation_fraction=0.2)
    model.fit(X, y)
    assert len(model.loss_curve_) == len(model.validation_loss_curve_) == 7
    assert model.n_iter_ == 7
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    plain = Estimator(random_state=0, max_iter=3, tol=None).fit(X, y)
    assert plain.validation_loss_curve_ is None


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_eval_set_loss_is_the_log_loss_of_the_final_model(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(random_state=0, max_iter=4, tol=None)
    model.fit(X[:400], y[:400], eval_set=(X[400:], y[400:]))
    assert model.validation_loss_curve_[-1] == pytest.approx(
        log_loss(y[400:], model.predict_proba(X[400:])), rel=1e-6
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_curves_stay_aligned_with_and_without_eval_set(
    Estimator, breast_cancer
):
    X, y = breast_cancer
    model = Estimator(random_state=0)
    model.partial_fit(X[:200], y[:200], classes=np.unique(y))
    model.partial_fit(X[200:400], y[200:400], eval_set=(X[400:], y[400:]))
    model.partial_fit(X[:200], y[:200])
    assert len(model.loss_curve_) == len(model.validation_loss_curve_) == 3
    assert np.isnan(model.validation_loss_curve_[0])
    assert np.isfinite(model.validation_loss_curve_[1])
    assert np.isnan(model.validation_loss_curve_[2])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_early_stopping_restores_the_best_epoch(Estimator):
    # Few samples, many features, no penalty and a large step: it overfits.
    X, y = make_classification(
        400, n_features=200, n_informative=5, flip_y=0.2, random_state=0
    )
    model = Estimator(
        penalty=None,
        eta0=0.05,
        learning_rate="constant",
        early_stopping=True,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    )
    model.fit(X[:150], y[:150], eval_set=(X[150:], y[150:]))
    curve = model.validation_loss_curve_
    assert model.n_iter_ < 200
    assert model.best_iteration_ == int(np.argmin(curve)) + 1 < model.n_iter_
    assert log_loss(y[150:], model.predict_proba(X[150:])) == pytest.approx(
        min(curve), rel=1e-6
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_early_stopping_holds_out_a_fraction_by_default(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(early_stopping=True, random_state=0).fit(X, y)
    assert len(model.validation_loss_curve_) == model.n_iter_


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_random_state_gives_bit_identical_coef(Estimator, digits):
    X, y = digits
    y = (y > 4).astype(int)
    first = Estimator(random_state=3, max_iter=3, tol=None).fit(X, y)
    second = Estimator(random_state=3, max_iter=3, tol=None).fit(X, y)
    np.testing.assert_array_equal(first.coef_, second.coef_)
    other = Estimator(random_state=4, max_iter=3, tol=None).fit(X, y)
    assert not np.array_equal(first.coef_, other.coef_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_float32_is_trained_in_float32(Estimator, breast_cancer):
    X, y = breast_cancer
    X32 = X.astype(np.float32)
    model = Estimator(random_state=0, max_iter=3, tol=None).fit(X32, y)
    assert model.coef_.dtype == np.float32 and model.intercept_.dtype == np.float32
    model64 = Estimator(random_state=0, max_iter=3, tol=None).fit(X, y)
    np.testing.assert_allclose(model.coef_, model64.coef_, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sparse_csr_gives_the_dense_result(Estimator, breast_cancer):
    X, y = breast_cancer
    X = np.where(np.abs(X) < 0.5, 0, X)
    dense = Estimator(random_state=0, max_iter=3, tol=None).fit(X, y)
    sparse = Estimator(random_state=0, max_iter=3, tol=None).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-10
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_string_labels(Estimator, breast_cancer):
    X, y = breast_cancer
    labels = np.array(["not happy", "happy"])[y]
    model = Estimator(random_state=0).fit(X, labels)
    assert set(model.predict(X)) <= {"happy", "not happy"}
    assert list(model.classes_) == ["happy", "not happy"]
    assert model.score(X, labels) > 0.9


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_input_errors(Estimator, breast_cancer):
    X, y = breast_cancer
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Estimator().fit(bad, y)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        Estimator().fit(bad, y)
    model = Estimator(max_iter=2, tol=None).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but .* is expecting 30"):
        model.predict(X[:, :5])
    with pytest.raises(ValueError, match="only one class"):
        Estimator().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="weight.*zero"):
        Estimator().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="(?i)negative"):
        Estimator().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(NotFittedError):
        Estimator().predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fit_does_not_modify_its_input(Estimator, breast_cancer):
    X, y = breast_cancer
    X_before, y_before = X.copy(), y.copy()
    weights = np.ones(len(y))
    Estimator(max_iter=2, validation_fraction=0.2).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weights, 1)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_divergence_is_an_error_that_says_what_to_change(Estimator):
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: features up to 4000
    model = Estimator(eta0=1e3, learning_rate="constant", penalty=None, momentum=0)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+.*smaller eta0"):
        model.fit(X * 1e150, y)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_failed_partial_fit_leaves_the_model_unchanged(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(random_state=0, momentum=0, penalty=None)
    model.partial_fit(X, y, classes=[0, 1])
    coef, curve = model.coef_.copy(), list(model.loss_curve_)
    with pytest.raises(ValueError, match="diverged"):
        model.set_params(eta0=1e3).partial_fit(X * 1e200, y)
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.loss_curve_ == curve


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_convergence_warning_and_tol(Estimator, breast_cancer):
    X, y = breast_cancer
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        Estimator(max_iter=2, tol=1e-4).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        Estimator(max_iter=2, tol=None).fit(X, y)
        model = Estimator(max_iter=500, tol=1e-2, learning_rate="constant").fit(X, y)
    assert model.n_iter_ < 500


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_class_weight_equals_sample_weight(Estimator, breast_cancer):
    X, y = breast_cancer
    kwargs = dict(random_state=0, max_iter=3, tol=None)
    by_class = Estimator(class_weight={0: 3.0, 1: 1.0}, **kwargs).fit(X, y)
    by_sample = Estimator(**kwargs).fit(X, y, sample_weight=np.where(y == 0, 3.0, 1.0))
    np.testing.assert_allclose(by_class.coef_, by_sample.coef_, rtol=1e-10)
    balanced = Estimator(class_weight="balanced", **kwargs).fit(X, y)
    assert not np.allclose(balanced.coef_, Estimator(**kwargs).fit(X, y).coef_)
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        Estimator(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    streamed = Estimator(class_weight={0: 3.0, 1: 1.0}, **kwargs)
    streamed.partial_fit(X, y, classes=[0, 1])
    weighted = Estimator(**kwargs)
    weighted.partial_fit(X, y, classes=[0, 1], sample_weight=np.where(y == 0, 3.0, 1))
    np.testing.assert_allclose(streamed.coef_, weighted.coef_, rtol=1e-10)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_rescaled_sample_weights_give_the_same_model(Estimator, breast_cancer):
    X, y = breast_cancer
    weights = np.random.RandomState(0).uniform(0.5, 2, len(y))
    kwargs = dict(random_state=0, max_iter=3, tol=None)
    once = Estimator(**kwargs).fit(X, y, sample_weight=weights)
    scaled = Estimator(**kwargs).fit(X, y, sample_weight=weights * 8)
    np.testing.assert_allclose(once.coef_, scaled.coef_, rtol=1e-10)
    unweighted = Estimator(**kwargs).fit(X, y)
    assert not np.allclose(once.coef_, unweighted.coef_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        dict(learning_rate="constant"),
        dict(learning_rate="adaptive", max_iter=50),
        dict(momentum=0.0, eta0=0.1),
        dict(nesterov=True),
        dict(penalty="l1", alpha=1e-3),
        dict(penalty="elasticnet", alpha=1e-3, l1_ratio=0.5),
        dict(penalty=None),
        dict(fit_intercept=False),
    ],
)
def test_options_train_a_good_model(Estimator, params, breast_cancer):
    X, y = breast_cancer
    # Small data: smaller batches than the FER2013-sized default.
    model = Estimator(random_state=0, batch_size=32, **params).fit(X, y)
    assert model.score(X, y) > 0.95
    if not params.get("fit_intercept", True):
        assert np.all(model.intercept_ == 0)


def test_l1_gives_exact_zeros(digits):
    X, y = digits
    params = dict(alpha=0.01, momentum=0, learning_rate="adaptive", eta0=0.05)
    params.update(max_iter=100, random_state=0)
    l1 = SGDSoftmaxRegression(penalty="l1", **params).fit(X, y)
    l2 = SGDSoftmaxRegression(penalty="l2", **params).fit(X, y)
    assert (l1.coef_ == 0).mean() > 0.3 > (l2.coef_ == 0).mean()
    assert l1.score(X, y) > 0.9


def test_adaptive_schedule_lowers_the_step_size(breast_cancer):
    X, y = breast_cancer
    model = SGDLogisticRegression(
        learning_rate="adaptive", eta0=0.1, tol=1e-3, max_iter=300, random_state=0
    ).fit(X, y)
    assert model._optimizer.eta < 0.1


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_start_continues_from_the_previous_solution(Estimator, breast_cancer):
    X, y = breast_cancer
    model = Estimator(warm_start=True, max_iter=3, tol=None, random_state=0).fit(X, y)
    first_loss = model.loss_curve_[-1]
    model.fit(X, y)
    assert model.loss_curve_[0] < first_loss
    cold = Estimator(max_iter=3, tol=None, random_state=0).fit(X, y)
    assert cold.loss_curve_[0] > model.loss_curve_[0]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_verbose_prints_one_line_per_epoch(Estimator, breast_cancer, capsys):
    X, y = breast_cancer
    Estimator(verbose=1, max_iter=3, tol=None, validation_fraction=0.2).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("-- Epoch 1: loss ") and "validation loss" in lines[0]


def test_predict_log_proba_is_finite_where_proba_underflows():
    X = np.array([[-1.0], [1.0]] * 10)
    y = np.array([0, 1] * 10)
    for Estimator in ESTIMATORS:
        model = Estimator(random_state=0, penalty=None).fit(X, y)
        log_proba = model.predict_log_proba(np.array([[1e6]]))
        assert np.isfinite(log_proba).all() and log_proba.max() == 0


# -- training that fails says so ------------------------------------------------


@pytest.fixture(scope="module")
def standardized_faces():
    X, y = make_faces(1500, random_state=0, return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("eta0", [30.0, 1e3, 1e6, 1e12])
def test_divergence_at_large_steps_is_an_error(Estimator, eta0, standardized_faces):
    # The loss explodes but (with the L2 penalty) may stay finite; it must not
    # end as a fitted model, nor be called converged by the plateau rule.
    X, y = standardized_faces
    if Estimator is SGDLogisticRegression:
        y = (y == 3).astype(int)
    model = Estimator(eta0=eta0, random_state=0)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+.*smaller eta0"):
        model.fit(X, y)
    with pytest.raises(ValueError, match=r"diverged at epoch 1: .*smaller eta0"):
        Estimator(eta0=eta0, random_state=0).partial_fit(X, y, classes=np.unique(y))


@pytest.mark.parametrize(
    "Estimator, emotions, least_score",
    [
        # Chance: 0.5 and 0.35 (the largest class of the held-out faces).
        (SGDLogisticRegression, ["happy", "surprise"], 0.65),
        (SGDSoftmaxRegression, ["happy", "sad", "surprise"], 0.5),
    ],
)
def test_raw_pixels_with_the_defaults_train(Estimator, emotions, least_score):
    # Pixels of 0-255, no scaler: eta0='auto' takes a step for their scale,
    # where the fixed step tuned on standardized pixels overshoots at epoch 1.
    X, y = make_faces(1200, emotions=emotions, random_state=0, return_X_y=True)
    model = Estimator(random_state=0).fit(X[:800], y[:800])
    assert model.eta0_ < 1e-6
    assert model.score(X[800:], y[800:]) > least_score
    with pytest.raises(ValueError, match="standardize the inputs"):
        Estimator(eta0=0.01, random_state=0).fit(X[:800], y[:800])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_defaults_on_standardized_faces_do_not_diverge(
    Estimator, standardized_faces
):
    X, y = standardized_faces
    if Estimator is SGDLogisticRegression:
        y = (y == 3).astype(int)
    for seed in range(3):
        for eta0 in ("auto", 0.01):  # the default, and the one tuned before it
            model = Estimator(eta0=eta0, random_state=seed).fit(X, y)
            assert max(model.loss_curve_) < 2


def _pickled(model):
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "random_state", [0, np.random.RandomState(0)], ids=["int", "RandomState"]
)
def test_a_failed_fit_leaves_a_pickle_identical_estimator(
    Estimator, random_state, breast_cancer
):
    X, y = breast_cancer
    exploding = dict(eta0=1e12, learning_rate="constant")
    fresh = Estimator(random_state=random_state, **exploding)
    before = _pickled(fresh)
    with pytest.raises(ValueError, match="only one class"):
        fresh.fit(X, np.zeros(len(y)))
    with pytest.raises(NotFittedError):
        fresh.predict(X)
    with pytest.raises(ValueError, match="diverged"):
        fresh.fit(X, y)
    assert _pickled(fresh) == before
    # A fitted model through a failed fit (on other features) and failed
    # partial_fit calls (divergence, bad labels).
    model = Estimator(random_state=random_state, max_iter=2, tol=None).fit(X, y)
    model.partial_fit(X, y)
    before = _pickled(model)
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X[:, :5], np.zeros(len(y)))
    with pytest.raises(ValueError, match="diverged"):
        model.set_params(**exploding).partial_fit(X, y)
    with pytest.raises(ValueError, match="labels not in classes_"):
        model.partial_fit(X, y + 5)
    model.set_params(eta0=Estimator().eta0, learning_rate="invscaling")
    assert _pickled(model) == before
    assert model.n_features_in_ == X.shape[1]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_uses_the_parameters_of_each_call(Estimator, breast_cancer):
    X, y = breast_cancer
    kwargs = dict(random_state=0, eta0=0.01)
    unchanged = Estimator(**kwargs).partial_fit(X, y, classes=[0, 1])
    changed = clone(unchanged).partial_fit(X, y, classes=[0, 1])
    unchanged.set_params(eta0=0.01).partial_fit(X, y)
    changed.set_params(eta0=0.1).partial_fit(X, y)
    assert not np.allclose(changed.coef_, unchanged.coef_)
    # The schedule's position continues: a model whose step went back to the
    # original continues exactly as one never changed.
    again = clone(unchanged).partial_fit(X, y, classes=[0, 1])
    again.set_params(eta0=0.1).set_params(eta0=0.01).partial_fit(X, y)
    np.testing.assert_array_equal(again.coef_, unchanged.coef_)
    penalized = clone(unchanged).partial_fit(X, y, classes=[0, 1])
    penalized.set_params(alpha=1.0).partial_fit(X, y)
    assert np.abs(penalized.coef_).sum() < np.abs(unchanged.coef_).sum()


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_weights_labels_and_features_are_clear_errors(Estimator, breast_cancer):
    X, y = breast_cancer
    with pytest.raises(
        ValueError, match=r"non-negative numbers: class 0 has weight -1"
    ):
        Estimator(class_weight={0: -1.0, 1: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"class 1 has weight 'x'"):
        Estimator(class_weight={0: 1.0, 1: "x"}).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight.*not classes.*\[7\]"):
        Estimator(class_weight={0: 1.0, 1: 2.0, 7: 3.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight.*not classes.*\[7\]"):
        Estimator(class_weight={0: 1.0, 7: 3.0}).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="(?i)negative"):
        Estimator().fit(X, y, eval_set=(X, y, -np.ones(len(y))))
    one_hot = np.eye(2)[y]
    for fit in (
        lambda: Estimator().fit(X, one_hot),
        lambda: Estimator().partial_fit(X, one_hot, classes=[0, 1]),
    ):
        with pytest.raises(ValueError, match=r"1-D.*shape \(569, 2\).*argmax"):
            fit()
    text = X.astype(object)
    text[7, 3] = "0 12 255"
    with pytest.raises(ValueError, match=r"row 7, column 3: '0 12 255'.*numbers"):
        Estimator().fit(text, y)
    model = Estimator(max_iter=1, tol=None).fit(X, y)
    with pytest.raises(ValueError, match=r"row 7, column 3.*FER2013Transformer"):
        model.predict(text)


# -- a default fit is quiet ------------------------------------------------------


@pytest.mark.filterwarnings("error")  # over pyproject's ignore of ConvergenceWarning
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(validation_fraction=0.2),
        dict(early_stopping=True),
        dict(learning_rate="adaptive"),
        dict(max_iter=3),
    ],
)
def test_a_default_fit_does_not_warn(Estimator, params, standardized_faces):
    # Before: ConvergenceWarning on every fit with the tuned max_iter=8.
    X, y = standardized_faces
    if Estimator is SGDLogisticRegression:
        y = (y == 3).astype(int)
    model = Estimator(random_state=0, **params).fit(X, y)
    model.partial_fit(X, y)
    if not params.get("early_stopping"):
        # Every planned epoch, then partial_fit's.
        assert model.n_iter_ == params.get("max_iter", 8) + 1


@pytest.mark.parametrize(
    "dtype, penalty, reason",
    [
        (np.float32, None, r"the training loss reaches .* \(more than 69.3\)"),
        (np.float32, "l2", r"the loss of mini-batch \d+ is nan"),
        (np.float64, "l2", r"the weights reach .*, beyond the range of float32"),
    ],
)
def test_each_kind_of_divergence_gives_the_same_advice(dtype, penalty, reason):
    X, y = load_breast_cancer(return_X_y=True)  # unscaled
    model = SGDSoftmaxRegression(
        eta0=1e30, learning_rate="constant", momentum=0, penalty=penalty
    )
    with pytest.raises(ValueError, match=rf"epoch 1: {reason}\. Use a smaller eta0"):
        model.fit(X.astype(dtype), y)


#: Values that fit refuses, set between partial_fit calls (set_params).
INVALID_LATER = [
    dict(eta0=-1),
    dict(momentum=5),
    dict(penalty="bogus"),
    dict(alpha=-5),
    dict(learning_rate="bogus"),
    dict(l1_ratio=7),
    dict(batch_size=-3),
    dict(batch_size=0),
    dict(power_t=np.inf),
    dict(fit_intercept="yes"),
    dict(random_state="abc"),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("params", INVALID_LATER, ids=lambda p: repr(p)[1:-1])
def test_every_partial_fit_call_validates_the_parameters(
    Estimator, params, breast_cancer
):
    X, y = breast_cancer
    model = Estimator(random_state=0).partial_fit(X, y, classes=[0, 1])
    before = _pickled(model)
    (name,) = params
    model.set_params(**params)
    with pytest.raises(
        ValueError, match=f"The '{name}' parameter of {Estimator.__name__}"
    ):
        model.partial_fit(X, y)
    model.set_params(**{name: Estimator().get_params()[name]})
    model.set_params(random_state=0)
    assert _pickled(model) == before
