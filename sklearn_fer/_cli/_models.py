"""The models ``train`` and ``sweep`` fit (``--model``), and how they are saved."""

from . import _progress
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
    # verbose=2 adds skorch's progress bar within each epoch (on standard
    # error), where progress is shown at all.
    verbose = 2 if _progress.shown() else 1
    return ConvNetClassifier(random_state=random_state, verbose=verbose)


#: ``--model`` name -> a function of the seed that makes a fresh estimator.
MODELS = {"logistic": _logistic, "softmax": _softmax, "cnn": _cnn}


def new_estimator(model, random_state):
    """A fresh estimator for ``--model``."""
    return MODELS[model](random_state)


def _hog(random_state):
    from ..preprocessing import HOGTransformer

    return HOGTransformer()


def _patch_kmeans(random_state):
    from ..preprocessing import PatchKMeansEncoder

    return PatchKMeansEncoder(random_state=random_state)


#: ``--features`` name -> a function of the seed that makes the transformer put
#: in front of the scaler (None: the pixels themselves).
FEATURES = {"pixels": None, "hog": _hog, "kmeans": _patch_kmeans}


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

    make_features = FEATURES[features]
    steps = [] if make_features is None else [("features", make_features(random_state))]
    return [*steps, ("scale", StandardScaler())]


def features_of(model) -> str:
    """The ``--features`` a saved model reads: its pipeline's "features" step."""
    features = dict(getattr(model, "steps", [])).get("features")
    if features is None:
        return "pixels"
    names = {"HOGTransformer": "hog", "PatchKMeansEncoder": "kmeans"}
    return names.get(type(features).__name__, type(features).__name__)


def standardizes_its_input(estimator) -> bool:
    """Whether the estimator scales its input itself (a ``standardize`` parameter).

    Those that do not (the linear models) are fitted behind a StandardScaler.
    """
    return "standardize" in estimator.get_params()
