"""save_model / load_model: the trusted types, round trips, checks at load time."""

import importlib
import inspect
import io
import pkgutil
import warnings

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_fer
from sklearn_fer.datasets import EMOTIONS, make_faces
from sklearn_fer.linear_model import (
    SGDLogisticRegression,
    SGDSoftmaxRegression,
    StreamingFeatureClassifier,
)
from sklearn_fer.preprocessing import (
    FER2013Transformer,
    HOGTransformer,
    PatchKMeansEncoder,
)
from sklearn_fer.utils import load_model, save_model
from sklearn_fer.utils._persistence import ALLOWED_NODES, ALLOWED_TYPES, TRUSTED_TYPES
from sklearn_fer.utils._skops_files import (
    all_type_names,
    node_tree,
    node_types,
    read_members,
)


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(240, random_state=0, return_X_y=True)
    return X.astype(np.float32) / 255, np.array(EMOTIONS)[y]


def _pixel_frame(X):
    pixels = [" ".join(map(str, row)) for row in (X * 255).round().astype(int)]
    return pd.DataFrame({"pixels": pixels})


def _fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _logistic(X, y):
    """Binary, as the command line trains it (scaled; happy vs not happy)."""
    target = np.where(y == "happy", "happy", "not happy")
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", SGDLogisticRegression(max_iter=2, early_stopping=True)),
        ]
    )
    _fit(model, X, target)
    model[-1].partial_fit(model[0].transform(X[:50]), target[:50])  # momentum
    return model, X


def _softmax(X, y):
    model = SGDSoftmaxRegression(
        max_iter=2, learning_rate="adaptive", nesterov=True, random_state=0
    )
    return _fit(model, X, y, eval_set=(X[:40], y[:40])), X


def _softmax_pipeline(X, y):
    """FER2013 pixel strings to probabilities, in one pipeline."""
    frame = _pixel_frame(X)
    model = make_pipeline(
        FER2013Transformer(dtype=np.float64),
        StandardScaler(),
        SGDSoftmaxRegression(max_iter=2, class_weight={"happy": 2.0}),
    )
    return _fit(model, frame, y), frame


def _transformer(X, y):
    frame = _pixel_frame(X[:5])
    # uint8: the dtype parameter names numpy.uint8 in the file.
    transformer = FER2013Transformer(
        feature_names="row_col", dtype=np.uint8, scale=None
    )
    return transformer.fit(frame), frame


def _convnet(X, y):
    pytest.importorskip("torch")
    from sklearn_fer.neural_network import ConvNetClassifier

    model = ConvNetClassifier(
        channels=(4,), hidden_units=8, batch_size=32, max_epochs=1, random_state=0
    )
    return model.fit(X, y, eval_set=(X[:40], y[:40])), X


def _convnet_inference(X, y):
    """The CNN's network on NumPy (made with torch, loaded without)."""
    from sklearn_fer.neural_network import to_numpy

    convnet, X = _convnet(X, y)
    return to_numpy(convnet), X


def _hog_pipeline(X, y):
    """HOG features in front of the softmax, as ``train --features hog`` saves it."""
    model = make_pipeline(
        HOGTransformer(), StandardScaler(), SGDSoftmaxRegression(max_iter=2)
    )
    return _fit(model, X, y), X


def _patch_kmeans(X, y):
    encoder = PatchKMeansEncoder(n_components=8, n_patches=500, random_state=0)
    return encoder.fit(X), X[:20]


def _streaming(X, y):
    """Patch features with every option of the best ones (flip-invariant,
    soft threshold, square root) and a pyramid, streamed into the softmax in
    two chunks."""
    model = StreamingFeatureClassifier(
        PatchKMeansEncoder(
            n_components=8,
            n_patches=500,
            flip_invariant=True,
            activation="soft_threshold",
            power=0.5,
            pyramid_levels=2,
            random_state=0,
        ),
        SGDSoftmaxRegression(random_state=0),
        chunk_size=120,
        max_iter=2,
        validation_fraction=0.2,
        random_state=0,
    )
    return model.fit(X, y), X[:20]


#: One fitted model (and data it takes) per public estimator, as the command
#: line and users save them.
SAVED_MODELS = {
    "SGDLogisticRegression": _logistic,
    "SGDSoftmaxRegression": _softmax,
    "SGDSoftmaxRegression in a pipeline": _softmax_pipeline,
    "FER2013Transformer": _transformer,
    "ConvNetClassifier": _convnet,
    "ConvNetInference": _convnet_inference,
    "HOGTransformer in a pipeline": _hog_pipeline,
    "PatchKMeansEncoder": _patch_kmeans,
    "StreamingFeatureClassifier": _streaming,
}


@pytest.fixture(scope="module")
def fitted(faces):
    """``fitted(name)``: the model of SAVED_MODELS[name] and its data, fitted once."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = SAVED_MODELS[name](*faces)
        return cache[name]

    return get


def _outputs(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.transform(X)


def _public_estimators():
    """Every estimator class that a subpackage of sklearn_fer exports."""
    found = set()
    for module in pkgutil.iter_modules(sklearn_fer.__path__):
        if module.name.startswith("_"):
            continue
        try:
            package = importlib.import_module(f"sklearn_fer.{module.name}")
        except ImportError:  # an optional extra that is not installed
            continue
        for name in getattr(package, "__all__", []):
            try:
                obj = getattr(package, name)
            except ImportError:  # ConvNetClassifier without PyTorch
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found.add(obj.__name__)
    return found


def test_every_public_estimator_is_saved_here():
    covered = {name.split()[0] for name in SAVED_MODELS}
    missing = _public_estimators() - covered
    assert not missing, f"add a fitted {missing} to SAVED_MODELS (and TRUSTED_TYPES)"


def _nodes(model):
    """(kind of node, type) of every node of the skops file of ``model``."""
    tree = node_tree(read_members(io.BytesIO(skops.io.dumps(model))))
    return node_types(tree), set(all_type_names(tree))


def _allowed_nodes():
    return {(kind, name) for kind, names in ALLOWED_NODES.items() for name in names}


@pytest.mark.parametrize("name", SAVED_MODELS)
def test_saved_models_hold_only_allowed_types_and_load_the_same(name, fitted, tmp_path):
    model, X = fitted(name)
    path = save_model(model, tmp_path / "model.skops")
    untrusted = skops.io.get_untrusted_types(file=path)
    assert set(untrusted) <= set(TRUSTED_TYPES), "a fitted type is not in TRUSTED_TYPES"
    nodes, names = _nodes(model)
    assert nodes <= _allowed_nodes(), "a node is not in ALLOWED_NODES"
    assert names <= ALLOWED_TYPES
    loaded = load_model(path)
    np.testing.assert_array_equal(_outputs(loaded, X), _outputs(model, X))


def test_every_allowed_node_is_saved_by_some_estimator(fitted, faces):
    seen = set()
    for name in SAVED_MODELS:
        try:
            model, _ = fitted(name)
        except pytest.skip.Exception:
            continue
        seen.update(_nodes(model)[0])
    # The dtypes FER2013Transformer's dtype may name (one is saved above).
    frame = _pixel_frame(faces[0][:2])
    for dtype in (np.float32, np.float64):
        seen.update(_nodes(FER2013Transformer(dtype=dtype).fit(frame))[0])
    missing = _allowed_nodes() - seen
    if importlib.util.find_spec("torch") is None:
        missing -= {("BytesNode", "builtins.bytes")}
        missing = {node for node in missing if ".neural_network." not in node[1]}
    assert not missing, f"no saved model holds {missing}: remove them from the list"


@pytest.mark.parametrize("name", TRUSTED_TYPES)
def test_trusted_types_are_classes_not_functions(name):
    module, _, attribute = name.rpartition(".")
    if ".neural_network." in name:
        pytest.importorskip("torch")
    obj = getattr(importlib.import_module(module), attribute)
    assert inspect.isclass(obj), f"{name} is not a class: skops could call it"
    assert obj.__module__ == module


def test_partial_fit_goes_on_after_a_round_trip(faces, tmp_path):
    X, y = faces
    model = SGDSoftmaxRegression(max_iter=2, momentum=0.9, random_state=0)
    _fit(model, X, y)
    loaded = load_model(save_model(model, tmp_path / "m.skops"))
    for estimator in (model, loaded):
        estimator.partial_fit(X[:100], y[:100])
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    assert loaded.n_iter_ == model.n_iter_ == 3


def test_pickle_needs_the_format_and_loads_with_it(faces, tmp_path):
    model, X = _softmax(*faces)
    path = save_model(model, tmp_path / "m.pkl", format="pickle")
    with pytest.raises(ValueError, match="m.pkl is not a .skops file"):
        load_model(path)
    loaded = load_model(path, format="pickle")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_unknown_format(tmp_path):
    path = tmp_path / "m.skops"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="format='json'"):
        load_model(path, format="json")
    with pytest.raises(ValueError, match="format='json'"):
        save_model(SGDSoftmaxRegression(), path, format="json")
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "missing.skops")


def test_trust_loads_foreign_types(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    # A ufunc and a scikit-learn transformer: both trusted by skops, neither
    # written by sklearn-fer.
    path = save_model(FunctionTransformer(np.negative), tmp_path / "f.skops")
    with pytest.raises(
        ValueError, match=r"\['numpy.negative', 'sklearn.preprocessing.*Transformer'\]"
    ):
        load_model(path)
    assert load_model(path, trust=True).func is np.negative
    path = save_model(FunctionTransformer(inspect.isclass), tmp_path / "g.skops")
    with pytest.raises(ValueError, match=r"'inspect.isclass'.*trust=True"):
        load_model(path)
    assert load_model(path, trust=True).func is inspect.isclass


def _scikit_learn_models():
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.model_selection import GridSearchCV
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import MinMaxScaler

    return [
        LogisticRegression(),
        make_pipeline(MinMaxScaler(), PCA(3), SGDClassifier(max_iter=5, tol=None)),
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2),
        ColumnTransformer(
            [("scale", StandardScaler(), [0, 1]), ("pca", PCA(2), [2, 3, 4])]
        ),
        MiniBatchKMeans(3, n_init=1),
        GaussianNB(),
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=5),
        RandomForestClassifier(n_estimators=2),
        HistGradientBoostingClassifier(max_iter=2),
        DummyClassifier(),
    ]


@pytest.mark.parametrize(
    "model", _scikit_learn_models(), ids=lambda m: type(m).__name__
)
def test_scikit_learn_models_pass_the_checks_at_load(model, tmp_path):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        60, n_features=6, n_classes=3, n_informative=4, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # pickle: trees hold types that skops does not trust by default.
    path = save_model(model, tmp_path / "m.pkl", format="pickle")
    loaded = load_model(path, format="pickle")
    method = "predict" if hasattr(model, "predict") else "transform"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))
