"""What the classifiers trained by epochs share, whatever trains them.

``SGDLogisticRegression``, ``SGDSoftmaxRegression`` (mini-batch SGD on
NumPy) and ``ConvNetClassifier`` (PyTorch through skorch) make the same
promises, kept here once:

* labels of any type, encoded as indices into the sorted ``classes_``;
  ``partial_fit`` needs ``classes`` on its first call and refuses another
  set later;
* validation data from ``eval_set``, else a stratified share of the training
  data (``make_validation_split``), and one loss per epoch in
  ``loss_curve_`` / ``validation_loss_curve_``, with ``best_iteration_`` and
  ``n_iter_``; ``training_loss_name`` says what ``loss_curve_`` measures;
* the parameters validated on every call, ``partial_fit``'s too, and used as
  they are then;
* ``random_state`` seeds a generator that ``partial_fit`` calls continue;
* training that diverges (a loss ``DIVERGENCE_FACTOR`` times that of uniform
  probabilities, or not finite) is an error saying what to change;
* a call that fails, interrupted or not, leaves the estimator as it was.

The training itself (the engine) is each estimator's own.
"""

import functools

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from ._sklearn_api import check_parameters, fit_context
from ._validation import check_label_vector, encode_labels, make_validation_split

#: Training diverges when its loss exceeds this many times the loss of the
#: model that predicts uniform probabilities (log(n_classes) nats a sample):
#: no model worth keeping is that bad, and SGD reaches such losses only by
#: overshooting. Fits that learn stay far below: on FER2013 under 3 times,
#: with steps up to 10 times the tuned one; on synthetic faces 14 times with
#: eta0=0.1 and batches of 8. Raw 0-255 faces reach thousands of times.
DIVERGENCE_FACTOR = 100


class Diverged(ArithmeticError):
    """Training diverged: the loss exploded, or the loss or the weights overflowed.

    ``epoch`` counts from 1 over the whole history; ``reason`` says what was
    seen. The estimator turns it into advice (it knows its parameters).
    """

    def __init__(self, epoch, reason):
        super().__init__(f"epoch {epoch}: {reason}")
        self.epoch = epoch
        self.reason = reason


def unchanged_on_error(method):
    """Put the estimator back as it was, random state included, if ``method`` raises.

    Training works on copies, so restoring the attributes (a shallow copy of
    ``__dict__``) undoes ``validate_data``'s ``n_features_in_`` and anything else
    set before the error; the random generators it drew from are rewound.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        attributes = dict(self.__dict__)
        generators = {
            id(rng): (rng, rng.get_state())
            for rng in (self.random_state, attributes.get("_rng"))
            # The global generator (random_state=None) is not the estimator's.
            if isinstance(rng, np.random.RandomState)
            and rng is not check_random_state(None)
        }
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(attributes)
            for rng, state in generators.values():
                rng.set_state(state)
            raise

    return wrapper


def fit_method(method=None, *, prefer_skip_nested_validation=True):
    """``fit`` or ``partial_fit`` of an iterative classifier.

    The parameters are validated first (``fit_context``), on every call of
    ``partial_fit`` too, and the estimator is left as it was when the call
    raises (``unchanged_on_error``). A meta-estimator whose inner estimators
    must check their own parameters passes
    ``prefer_skip_nested_validation=False`` (``@fit_method(...)``).
    """
    if method is None:
        return functools.partial(
            fit_method, prefer_skip_nested_validation=prefer_skip_nested_validation
        )
    validated = fit_context(
        prefer_skip_nested_validation=prefer_skip_nested_validation
    )(unchanged_on_error(method))
    if method.__name__ != "partial_fit":
        return validated

    @functools.wraps(method)
    def partial_fit(self, *args, **kwargs):
        # fit_context checks the parameters of a partial_fit only until the
        # model is fitted; each call uses them as they are then (set_params).
        if not get_config()["skip_parameter_validation"]:
            check_parameters(self)
        return validated(self, *args, **kwargs)

    return partial_fit


class BaseIterativeClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained by epochs, by ``fit`` or one ``partial_fit`` at a time.

    Subclasses validate their input (``_validate_X``, ``_validate_X_y``),
    train (their own ``_fit``) and say what to change when training
    diverges (``_divergence_advice``). They have ``random_state``.
    """

    #: What ``loss_curve_`` measures, for plots (``LossCurveDisplay``).
    training_loss_name = "loss"

    def _validate_X(self, X, *, reset):
        raise NotImplementedError

    def _validate_X_y(self, X, y):
        raise NotImplementedError

    def _check_n_classes(self, classes):
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in "
                f"the data, but the data contain only one class: {classes[0]!r}."
            )

    def _fit_data(self, X, y):
        """``fit``'s data validated: ``(X, y_index, classes)``."""
        check_label_vector(y)
        X, y = self._validate_X_y(X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        self._check_n_classes(classes)
        return X, np.searchsorted(classes, y), classes

    def _partial_fit_data(self, X, y, classes):
        """``partial_fit``'s data validated: ``(X, y_index, classes)``.

        ``classes`` is required on the first call; later it may be omitted,
        and must otherwise equal ``classes_``.
        """
        first_call = not hasattr(self, "classes_")
        if first_call:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit "
                    "(all the labels that will ever be seen)."
                )
            classes = np.unique(np.asarray(classes))
            self._check_n_classes(classes)
        else:
            if classes is not None and not np.array_equal(
                np.unique(np.asarray(classes)), self.classes_
            ):
                raise ValueError(
                    f"classes={np.asarray(classes).tolist()} differs from classes_ "
                    f"{self.classes_.tolist()} of the previous calls."
                )
            classes = self.classes_
        X = self._validate_X(X, reset=first_call)
        y_index = encode_labels(y, classes)
        if len(y_index) != X.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} samples but y has {len(y_index)} labels."
            )
        return X, y_index, classes

    def _random_state(self, *, incremental):
        """The generator of this call: a ``partial_fit`` on a fitted model
        continues the previous calls' one; else a new one from ``random_state``."""
        if incremental and hasattr(self, "classes_"):
            return self._rng
        return check_random_state(self.random_state)

    def _validation_split(
        self, X, y_index, classes, eval_set, rng, *, incremental, sample_weight=None
    ):
        """The training part and the validation data (see ``make_validation_split``).

        ``partial_fit`` validates on ``eval_set`` only: a held-out share of
        each chunk would never be trained on.
        """
        return make_validation_split(
            X,
            y_index,
            classes,
            eval_set=eval_set,
            validation_fraction=None if incremental else self.validation_fraction,
            early_stopping=self.early_stopping and not incremental,
            random_state=rng,
            validate_X=functools.partial(self._validate_X, reset=False),
            sample_weight=sample_weight,
        )

    def _store_curves(self, loss, validation_loss, best_iteration):
        """Set the loss history attributes, from the whole history."""
        self.loss_curve_ = loss
        self.validation_loss_curve_ = validation_loss
        self.best_iteration_ = best_iteration
        self.n_iter_ = len(loss)

    def _divergence_advice(self, **training_state):
        """What to change, from the parameters and the ``training_state`` the
        subclass hands ``_divergence_error`` (e.g. the step it chose)."""
        raise NotImplementedError

    def _divergence_error(self, diverged, **training_state):
        return ValueError(
            f"{type(self).__name__} diverged at epoch {diverged.epoch}: "
            f"{diverged.reason}. {self._divergence_advice(**training_state)}"
        )
