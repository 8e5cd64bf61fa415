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


def new_estimator(model, random_state, features="pixels"):
    """A fresh estimator for ``--model``, with the parameters that
    ``--features`` sets for the linear models (FEATURES)."""
    estimator = MODELS[model](random_state)
    if FEATURES[features] is not None and not standardizes_its_input(estimator):
        estimator.set_params(**FEATURES[features][2])
    return estimator


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
    class_name, params, _ = FEATURES[features]
    transformer = getattr(preprocessing, class_name)(**params)
    if "random_state" in transformer.get_params():
        transformer.set_params(random_state=random_state)
    return [("features", transformer), ("scale", StandardScaler())]


def features_of(model) -> str:
    """The ``--features`` a saved model reads: its pipeline's "features" step.

    The FEATURES entry of its class whose parameters it has, the one that
    sets the most of them if several do; else the class's name.
    """
    features = dict(getattr(model, "steps", [])).get("features")
    if features is None:
        return "pixels"
    params = features.get_params()
    matches = [
        (len(spec[1]), name)
        for name, spec in FEATURES.items()
        if spec is not None
        and spec[0] == type(features).__name__
        and all(params.get(key) == value for key, value in spec[1].items())
    ]
    return max(matches)[1] if matches else type(features).__name__


#: Features of the Training faces beyond this many bytes as float32 are not
#: made all at once: they are streamed through the model (StreamingFeature-
#: Classifier) from a float16 cache on disk, STREAMED_CHUNK_BYTES at a time.
#: In memory, training holds about three times the matrix (the features, the
#: standardized copy, the mini-batches); streamed, about four chunks.
STREAMING_BYTES = 2**30
STREAMED_CHUNK_BYTES = 64 * 2**20


def n_features_out(transformer, X) -> int:
    """How many features the fitted ``transformer`` makes of a face of ``X``."""
    return transformer.transform(X[:1]).shape[1]


def streams(n_faces, n_features) -> bool:
    """Whether the float32 features of ``n_faces`` faces exceed STREAMING_BYTES."""
    return n_faces * n_features * 4 > STREAMING_BYTES


def streaming_classifier(transformer, estimator, n_features):
    """``estimator`` trained on the fitted ``transformer``'s features, streamed.

    Its epochs, early stopping, validation and verbosity are the streaming
    estimator's, taken from ``estimator``'s parameters, so that ``--param``
    means what it means for ``fit``.
    """
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator

    from ..linear_model import StreamingFeatureClassifier

    params = estimator.get_params()
    return StreamingFeatureClassifier(
        FrozenEstimator(transformer),
        clone(estimator).set_params(verbose=0),
        chunk_size=max(1, STREAMED_CHUNK_BYTES // (4 * n_features)),
        cache_features=True,
        **{
            name: params[name]
            for name in (
                "max_iter",
                "early_stopping",
                "validation_fraction",
                "n_iter_no_change",
                "tol",
                "random_state",
                "verbose",
            )
        },
    )


def unstreamed(model):
    """A fitted StreamingFeatureClassifier as the pipeline ``train`` saves:
    features, scale, model (the same predictions, the same file layout)."""
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("features", model.transformer_.estimator),
            ("scale", model.scaler_),
            ("model", model.classifier_),
        ]
    )


def standardizes_its_input(estimator) -> bool:
    """Whether the estimator scales its input itself (a ``standardize`` parameter).

    Those that do not (the linear models) are fitted behind a StandardScaler.
    """
    return "standardize" in estimator.get_params()
