"""The models ``train`` and ``sweep`` fit (``--model``), and how they are saved."""

from ._options import UsageError


def _logistic(random_state):
    from ..linear_model import SGDLogisticRegression

    return SGDLogisticRegression(random_state=random_state, verbose=1)


def _softmax(random_state):
    from ..linear_model import SGDSoftmaxRegression

    return SGDSoftmaxRegression(random_state=random_state, verbose=1)


def _cnn(random_state):
    try:
        from ..neural_network import ConvNetClassifier
    except ImportError as exc:
        raise UsageError(str(exc)) from exc
    return ConvNetClassifier(random_state=random_state, verbose=1)


#: ``--model`` name -> a function of the seed that makes a fresh estimator.
MODELS = {"logistic": _logistic, "softmax": _softmax, "cnn": _cnn}


def new_estimator(model, random_state):
    """A fresh estimator for ``--model``."""
    return MODELS[model](random_state)


def standardizes_its_input(estimator) -> bool:
    """Whether the estimator scales its input itself (a ``standardize`` parameter).

    Those that do not (the linear models) are fitted behind a StandardScaler.
    """
    return "standardize" in estimator.get_params()
