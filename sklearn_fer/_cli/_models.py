"""The models ``train`` and ``sweep`` fit (``--model``), and how they are saved."""

from . import _progress
from ._options import FEATURES, UsageError


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
    # verbose=2 adds skorch's progress bar within each epoch (on standard
    # error), where progress is shown at all.
    verbose = 2 if _progress.shown() else 1
    return ConvNetClassifier(random_state=random_state, verbose=verbose)


#: ``--model`` name -> a function of the seed that makes a fresh estimator.
MODELS = {"logistic": _logistic, "softmax": _softmax, "cnn": _cnn}


def new_estimator(model, random_state):
    """A fresh estimator for ``--model``."""
    return MODELS[model](random_state)


def input_steps(features, estimator, random_state) -> list:
    """The pipeline steps in front of ``estimator``: ``--features``, then a scaler.

    The linear models get a StandardScaler (fitted on Training), behind HOG or
    patch features when asked; the CNN standardizes the faces itself and
    reads nothing but pixels.
    """
    if standardizes_its_input(estimator):
        if features != "pixels":
            raise UsageError(
                f"--features {features} is for the linear models: the CNN learns "
                "its own features from the pixels."
            )
        return []
    from sklearn.preprocessing import StandardScaler

    from .. import preprocessing

    if FEATURES[features] is None:
        return [("scale", StandardScaler())]
    transformer = getattr(preprocessing, FEATURES[features])()
    if "random_state" in transformer.get_params():
        transformer.set_params(random_state=random_state)
    return [("features", transformer), ("scale", StandardScaler())]


def features_of(model) -> str:
    """The ``--features`` a saved model reads: its pipeline's "features" step."""
    features = dict(getattr(model, "steps", [])).get("features")
    if features is None:
        return "pixels"
    names = {cls: name for name, cls in FEATURES.items()}
    return names.get(type(features).__name__, type(features).__name__)


def standardizes_its_input(estimator) -> bool:
    """Whether the estimator scales its input itself (a ``standardize`` parameter).

    Those that do not (the linear models) are fitted behind a StandardScaler.
    """
    return "standardize" in estimator.get_params()
