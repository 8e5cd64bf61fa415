"""The scikit-learn side of the SGD linear classifiers: parameters, validation,
``fit``/``partial_fit`` and the predict methods. The two public estimators only
choose their loss and their class-count rule.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._iterative import (
    DIVERGENCE_FACTOR,
    BaseIterativeClassifier,
    Diverged,
    fit_method,
)
from ..utils._sklearn_api import Interval, StrOptions, check_sample_weight
from ..utils._validation import numeric_features
from ._penalty import Penalty
from ._sgd import (
    LinearParams,
    SGDOptimizer,
    StoppingRule,
    TrainingHistory,
    WeightedData,
    check_weight_sum,
    raw_scores,
    train,
)


class BaseSGDLinearClassifier(BaseIterativeClassifier):
    """Linear classifier trained by the mini-batch SGD engine of ``_sgd``.

    Subclasses set ``_loss`` (a loss class of ``_loss``) and may override
    ``_check_n_classes``.
    """

    _loss = None
    training_loss_name = "log loss + penalty"

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "eta0": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        penalty="l2",
        alpha=1e-2,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=8,
        tol=None,
        batch_size=128,
        learning_rate="invscaling",
        eta0="auto",
        power_t=0.5,
        momentum=0.9,
        nesterov=False,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.momentum = momentum
        self.nesterov = nesterov
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- validation helpers -------------------------------------------------

    def _validate_X(self, X, *, reset):
        with numeric_features(X, self):
            return validate_data(
                self,
                X,
                reset=reset,
                accept_sparse="csr",
                dtype=[np.float64, np.float32],
            )

    def _validate_X_y(self, X, y):
        with numeric_features(X, self):
            return validate_data(
                self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32]
            )

    def _class_weight(self, classes, y_index, dtype, *, incremental):
        """Per-class weights from ``class_weight``, checked (None without it)."""
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, str):
            if incremental:
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: "
                    "compute the weights once with sklearn.utils.class_weight."
                    "compute_class_weight('balanced', classes=classes, y=y) on "
                    "(a large sample of) the whole target and pass them as a dict."
                )
            return compute_class_weight(
                "balanced", classes=classes, y=classes[y_index]
            ).astype(dtype)
        known = set(classes.tolist())
        unknown = [key for key in self.class_weight if key not in known]
        if unknown:
            raise ValueError(
                f"class_weight has keys that are not classes: {unknown}; the "
                f"classes are {classes.tolist()}."
            )
        for key, weight in self.class_weight.items():
            if not (isinstance(weight, Real) and weight >= 0):
                raise ValueError(
                    f"class_weight must be non-negative numbers: class {key!r} "
                    f"has weight {weight!r}."
                )
        # A dict needs only the classes, not the target.
        return compute_class_weight(
            self.class_weight, classes=classes, y=classes
        ).astype(dtype)

    def _sample_weight(self, sample_weight, X, y_index, classes, *, incremental):
        """``sample_weight`` times ``class_weight``, checked."""
        sample_weight = check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        # In float64, so that weights beyond float32 are named, not cast to inf.
        per_class = self._class_weight(
            classes, y_index, np.float64, incremental=incremental
        )
        if per_class is not None:
            sample_weight = sample_weight * per_class[y_index]
        check_weight_sum(sample_weight, X.dtype, class_weighted=per_class is not None)
        return sample_weight.astype(X.dtype, copy=False)

    # -- training -------------------------------------------------------------

    def _new_optimizer(self):
        return SGDOptimizer(
            self.learning_rate, self.eta0, self.power_t, self.momentum, self.nesterov
        )

    def _penalty(self):
        return Penalty(self.penalty, self.alpha, self.l1_ratio)

    def _initial_params(self, n_classes, n_features, dtype):
        n_outputs = self._loss.n_outputs(n_classes)
        shape = (n_outputs, n_features)
        if (
            self.warm_start
            and getattr(self, "coef_", None) is not None
            and self.coef_.shape == shape
        ):
            return self.coef_.astype(dtype), self.intercept_.astype(dtype)
        return np.zeros(shape, dtype=dtype), np.zeros(n_outputs, dtype=dtype)

    def _training_state(self, n_classes, X, *, incremental):
        """Where training starts: ``(params, optimizer, history)``.

        ``partial_fit`` on a fitted model continues from copies of its state,
        so that a failed call leaves the model as it was; ``fit`` and the first
        ``partial_fit`` start afresh (from the previous weights with
        ``warm_start``).
        """
        if incremental and hasattr(self, "classes_"):
            params = LinearParams(
                self.coef_.copy(), self.intercept_.copy(), self.fit_intercept
            )
            # This call's parameters, the previous calls' progress.
            optimizer = self._new_optimizer()
            optimizer.continue_from(self._optimizer)
            return params, optimizer, copy.deepcopy(self._history)
        coef, intercept = self._initial_params(n_classes, X.shape[1], X.dtype)
        return (
            LinearParams(coef, intercept, self.fit_intercept),
            self._new_optimizer(),
            TrainingHistory(),
        )

    def _stopping_rule(self, validation, *, incremental):
        """What ``fit`` does on a plateau; None runs every epoch as it is.

        Only ``tol`` or ``early_stopping`` stop training; 'adaptive' lowers
        its step on a plateau either way.
        """
        stops = self.tol is not None or self.early_stopping
        if incremental or not (stops or self.learning_rate == "adaptive"):
            return None
        return StoppingRule(
            self.tol,
            self.n_iter_no_change,
            stops=stops,
            restore_best=self.early_stopping and validation is not None,
        )

    def _max_loss(self, n_classes):
        """The training loss beyond which training has diverged."""
        n_outputs = self._loss.n_outputs(n_classes)
        # Scores of zero: uniform probabilities, log(n_classes) a sample.
        uniform, _ = self._loss.loss_gradient(
            np.zeros((1, n_outputs)), np.zeros(1, dtype=np.int64)
        )
        return DIVERGENCE_FACTOR * float(uniform[0])

    def _divergence_advice(self, initial_step=None):
        if self.eta0 == "auto":
            eta0 = f"'auto', which chose {initial_step:.3g}"
        else:
            eta0 = f"{self.eta0:g}"
        return (
            f"Use a smaller eta0 (now {eta0}), learning_rate='adaptive', "
            "or standardize the inputs (for example with StandardScaler)."
        )

    def _fit(self, X, y_index, classes, sample_weight, eval_set, *, incremental):
        """Train on validated data: the one path of ``fit`` and ``partial_fit``.

        ``fit`` (``incremental=False``) runs up to ``max_iter`` epochs from a new
        start; ``partial_fit`` runs one epoch from where the model was.
        """
        sample_weight = self._sample_weight(
            sample_weight, X, y_index, classes, incremental=incremental
        )
        params, optimizer, history = self._training_state(
            len(classes), X, incremental=incremental
        )
        rng = self._random_state(incremental=incremental)
        train_data, validation = self._validation_split(
            X,
            y_index,
            classes,
            eval_set,
            rng,
            incremental=incremental,
            sample_weight=sample_weight,
        )
        stopping = self._stopping_rule(validation, incremental=incremental)
        try:
            converged = train(
                params,
                self._loss,
                self._penalty(),
                optimizer,
                history,
                WeightedData(*train_data),
                n_epochs=1 if incremental else self.max_iter,
                batch_size=self.batch_size,
                rng=rng,
                max_loss=self._max_loss(len(classes)),
                validation=None if validation is None else WeightedData(*validation),
                stopping=stopping,
                verbose=self.verbose,
            )
        except Diverged as exc:
            raise self._divergence_error(
                exc, initial_step=optimizer.initial_step
            ) from exc
        if stopping is not None and stopping.tol is not None and not converged:
            warnings.warn(
                f"{type(self).__name__} reached max_iter={self.max_iter} epochs "
                "before the loss stopped improving by tol; increase max_iter, or "
                "tol to stop earlier.",
                ConvergenceWarning,
                stacklevel=5,  # the caller of fit
            )
        self._store(classes, params, optimizer, history, rng)
        return self

    def _store(self, classes, params, optimizer, history, rng):
        self.classes_ = classes
        self._rng = rng
        self.coef_ = params.coef
        self.intercept_ = params.intercept
        self._optimizer = optimizer
        self._history = history
        self._store_curves(
            history.loss, history.validation_loss, history.best_iteration
        )
        self.t_ = optimizer.t
        self.eta0_ = optimizer.initial_step

    @fit_method
    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Fit the model by mini-batch SGD for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data are trained in float32.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        eval_set : tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), \
default=None
            Validation data whose loss is recorded after every epoch in
            ``validation_loss_curve_`` (and monitored by ``early_stopping``);
            takes the place of ``validation_fraction``.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            On bad input, and when training diverges: the training loss exceeds
            100 times that of uniform probabilities (``100 * log(n_classes)``),
            or the loss or the weights overflow. The estimator is then left as
            it was before the call.
        """
        X, y_index, classes = self._fit_data(X, y)
        return self._fit(
            X, y_index, classes, sample_weight, eval_set, incremental=False
        )

    @fit_method
    def partial_fit(self, X, y, classes=None, sample_weight=None, eval_set=None):
        """Run one epoch of mini-batch SGD over the given data.

        The step-size schedule, the momentum and the loss history continue from
        the previous call (or from ``fit``); ``early_stopping``, ``tol``,
        ``n_iter_no_change``, ``max_iter``, ``validation_fraction`` and
        ``warm_start`` do not apply.

        Each call uses the parameters as they are then: ``eta0``,
        ``learning_rate``, ``power_t``, ``momentum``, ``nesterov``, ``penalty``,
        ``alpha``, ``l1_ratio``, ``batch_size``, ``class_weight`` (a dict) and
        ``verbose`` may change between calls (``set_params``). The schedule
        continues at its position: 'invscaling' steps are ``eta0 / (t_ + 1) **
        power_t`` with the new values, and a step that 'adaptive' lowered in
        ``fit`` keeps its reductions, relative to the new ``eta0``.
        ``random_state`` seeds the first call only; with
        ``fit_intercept=False`` the intercept learned so far stays as it is.
        A call that fails (divergence, bad input) leaves the model unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, optional afterwards
            (it must then equal ``classes_``).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; within a call they are normalised by their mean.
        eval_set : tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), \
default=None
            Validation data whose loss is appended to ``validation_loss_curve_``.

        Returns
        -------
        self : object
            The updated estimator.
        """
        X, y_index, classes = self._partial_fit_data(X, y, classes)
        return self._fit(X, y_index, classes, sample_weight, eval_set, incremental=True)

    # -- prediction -------------------------------------------------------------

    def _raw_scores(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return raw_scores(X, self.coef_, self.intercept_)

    def decision_function(self, X):
        """Raw scores: shape (n_samples,) for 2 classes (positive means
        ``classes_[1]``), else (n_samples, n_classes).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._loss.decision_function(self._raw_scores(X))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._loss.predict_proba(self._raw_scores(X))

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._loss.predict_log_proba(self._raw_scores(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
