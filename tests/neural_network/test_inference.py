"""ConvNetInference: the NumPy forward pass equals PyTorch's; it saves, loads
(hostile files refused) and predicts without PyTorch; export_onnx.

Each network is tiny (16 x 16 faces, a few channels), trained for one epoch
or given random weights and batch-norm statistics.
"""

import os
import pickle
import subprocess
import sys
from copy import deepcopy

import numpy as np
import pytest
import skops.io
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_fer.neural_network import ConvNetInference
from sklearn_fer.neural_network._inference import (
    MAX_CONVOLUTIONS,
    NETWORK_ATTRIBUTES,
)
from sklearn_fer.utils import load_model, save_model
from sklearn_fer.utils._persistence import TRUSTED_TYPES
from tests.reference_runs import faces as small_faces

#: Agreement asked of the NumPy forward pass (probabilities, max abs difference).
TOLERANCE = 1e-4

#: Every option of the network's shape and of its views, on 16 x 16 faces.
ARCHITECTURES = {
    "defaults (crop 12)": dict(channels=(4, 8), crop_size=12),
    "two convolutions per block, whole faces, ten crops": dict(
        channels=(3, 4, 6), convs_per_block=2, crop_size=None, test_time_crops=5
    ),
    "one channel first, no standardisation, relu, no average, one view": dict(
        channels=(1, 3),
        convs_per_block=(2, 1),
        standardize=False,
        negative_slope=0.0,
        ema_decay=None,
        test_time_flip=False,
    ),
    "odd crop, slope above 1, dropout, five crops without mirror": dict(
        channels=(2, 3, 5),
        convs_per_block=(1, 1, 2),
        crop_size=13,
        negative_slope=1.5,
        dropout=0.5,
        hidden_units=3,
        test_time_crops=5,
        test_time_flip=False,
    ),
    "non-square faces": dict(
        channels=(4,), image_shape=(8, 32), crop_size=7, test_time_crops=5
    ),
}


def _convnet(**params):
    from sklearn_fer.neural_network import ConvNetClassifier

    return ConvNetClassifier(
        **{
            "hidden_units": 8,
            "batch_size": 16,
            "max_epochs": 1,
            "random_state": 0,
            **params,
        }
    )


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny networks: one thread is faster than two on a busy machine."""
    try:
        import torch
    except ImportError:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return small_faces(96, random_state=0)


def _randomize(convnet, seed):
    """Random weights and batch-norm statistics (the weight average's too)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in convnet.net_.module_.state_dict().items():
            if not tensor.is_floating_point():
                continue
            noise = torch.randn(tensor.shape, generator=generator)
            if "running_var" in name:
                tensor.copy_(0.5 + noise.abs())
            else:
                tensor.mul_(1 + 0.5 * noise).add_(0.1 * noise)
    return convnet


def _assert_same_predictions(convnet, model, X):
    expected, found = convnet.predict_proba(X), model.predict_proba(X)
    np.testing.assert_allclose(found, expected, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(found.sum(axis=1), 1, rtol=1e-12)
    # Labels agree wherever the two best classes are told apart.
    top_two = np.sort(expected, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 2 * TOLERANCE
    np.testing.assert_array_equal(model.predict(X)[clear], convnet.predict(X)[clear])


@pytest.mark.parametrize("weights", ["trained", "random"])
@pytest.mark.parametrize("params", ARCHITECTURES.values(), ids=ARCHITECTURES)
def test_numpy_forward_equals_torch(params, weights, data):
    pytest.importorskip("torch")
    from sklearn_fer.neural_network import to_numpy

    X, y = data
    if "image_shape" in params:
        X = X.reshape(len(X), *params["image_shape"])  # as 3-D images
    convnet = _convnet(**params).fit(X, y)
    if weights == "random":
        _randomize(convnet, seed=len(params))
    model = to_numpy(convnet)
    assert (model.test_time_crops, model.test_time_flip) == (
        convnet.test_time_crops,
        convnet.test_time_flip,
    )
    _assert_same_predictions(convnet, model, X)
    # The views of the call: set_params after the conversion counts.
    views = dict(test_time_crops=6 - convnet.test_time_crops, test_time_flip=True)
    _assert_same_predictions(convnet.set_params(**views), model.set_params(**views), X)


@pytest.fixture(scope="module")
def fitted(data):
    """A trained network, its NumPy copy and the faces."""
    pytest.importorskip("torch")
    from sklearn_fer.neural_network import to_numpy

    X, y = data
    convnet = _convnet(channels=(4, 8), crop_size=12).fit(X, y)
    return convnet, to_numpy(convnet), X, y


def test_real_faces(tmp_path):
    path = os.environ.get("SKLEARN_FER_DATA")
    if not path:
        pytest.skip("set SKLEARN_FER_DATA to the path of fer2013.csv.gz")
    pytest.importorskip("torch")
    from sklearn_fer.datasets import load_fer2013
    from sklearn_fer.neural_network import ConvNetClassifier, to_numpy

    faces = load_fer2013(path)
    X, y, usage = faces.data, faces.target, np.asarray(faces.usage)
    training, test = np.flatnonzero(usage == "Training"), usage == "PublicTest"
    # The default network, one epoch on 512 Training faces.
    convnet = ConvNetClassifier(max_epochs=1, random_state=0)
    convnet.fit(X[training[:512]], y[training[:512]])
    _assert_same_predictions(convnet, to_numpy(convnet), X[test][:256])


def _copy(model, **params):
    """``model`` with other parameters (the fixture's stays as it is)."""
    copy = clone(model).set_params(**params)
    vars(copy).update({k: v for k, v in vars(model).items() if k.endswith("_")})
    return copy


def test_threads_and_batches_change_nothing(fitted):
    _, model, X, _ = fitted
    proba = _copy(model, batch_size=1, n_jobs=1).predict_proba(X)
    for params in (dict(batch_size=7, n_jobs=2), dict(batch_size=1000, n_jobs=-1)):
        found = _copy(model, **params).predict_proba(X)
        np.testing.assert_allclose(found, proba, rtol=0, atol=1e-6)


def test_the_prediction_contract(fitted):
    convnet, model, X, y = fitted
    np.testing.assert_array_equal(model.classes_, convnet.classes_)
    assert model.n_features_in_ == convnet.n_features_in_ == 256
    assert model.score(X, y) == pytest.approx(convnet.score(X, y), abs=0.02)
    # 3-D images and flat rows alike; other images refused.
    np.testing.assert_array_equal(
        model.predict_proba(X.reshape(-1, 16, 16)), model.predict_proba(X)
    )
    with pytest.raises(ValueError, match="images of shape .8, 32."):
        model.predict(X.reshape(-1, 8, 32))
    with pytest.raises(ValueError, match="X has 255 features, but ConvNetInference"):
        model.predict(X[:, :-1])
    with pytest.raises(ValueError, match="test_time_crops"):
        _copy(model, test_time_crops=3).predict(X)
    assert model.predict_proba(X).dtype == np.float64
    # Not trainable, and a clone holds no network.
    with pytest.raises(TypeError, match="does not train.*to_numpy"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        clone(model).predict(X)
    with pytest.raises(NotFittedError):
        ConvNetInference().predict_proba(X)


def test_in_a_pipeline(fitted):
    from sklearn.frozen import FrozenEstimator

    _, model, X, y = fitted
    scale = FunctionTransformer(lambda faces: faces * 255)
    pipeline = make_pipeline(scale, model)  # fitted steps: predicts as it is
    np.testing.assert_array_equal(pipeline.predict(X / 255), model.predict(X))
    frozen = make_pipeline(scale, FrozenEstimator(model)).fit(X / 255, y)
    np.testing.assert_allclose(
        frozen.predict_proba(X / 255), model.predict_proba(X), rtol=0, atol=1e-6
    )


def test_to_numpy_refuses_what_is_not_a_fitted_convnet():
    pytest.importorskip("torch")
    from sklearn.linear_model import LogisticRegression

    from sklearn_fer.neural_network import to_numpy

    with pytest.raises(TypeError, match="Expected a fitted ConvNetClassifier"):
        to_numpy(LogisticRegression())
    with pytest.raises(NotFittedError):
        to_numpy(_convnet())


def test_float16_weights_halve_the_file_and_keep_the_predictions(fitted, tmp_path):
    from sklearn_fer.neural_network import to_numpy

    convnet, model, X, _ = fitted
    half = to_numpy(convnet, weights_dtype="float16")
    assert half.hidden_weights_.dtype == np.float16
    assert {w.dtype for w in half.conv_weights_} == {np.dtype(np.float16)}
    assert half.conv_biases_[0].dtype == half.hidden_bias_.dtype == np.float32
    # Computed in float32 from weights rounded to float16's 11 bits.
    np.testing.assert_allclose(
        half.predict_proba(X), model.predict_proba(X), rtol=0, atol=5e-3
    )
    assert not np.array_equal(half.predict_proba(X), model.predict_proba(X))
    loaded = load_model(save_model(half, tmp_path / "half.skops"))
    np.testing.assert_array_equal(loaded.predict_proba(X), half.predict_proba(X))
    assert loaded.output_weights_.dtype == np.float16

    def nbytes(network):
        arrays = [*network.conv_weights_, network.hidden_weights_]
        return sum(array.nbytes for array in [*arrays, network.output_weights_])

    assert nbytes(half) == nbytes(model) / 2
    full_file = save_model(model, tmp_path / "full.skops").stat().st_size
    assert (tmp_path / "half.skops").stat().st_size < full_file


def test_to_numpy_refuses_weights_float16_cannot_hold(fitted):
    from sklearn_fer.neural_network import to_numpy

    convnet = deepcopy(fitted[0])
    with pytest.raises(ValueError, match="weights_dtype must be one of"):
        to_numpy(convnet, weights_dtype="int8")
    layer = convnet.net_.module_.classifier[-1]
    layer.weight.data[0, 0] = 1e5  # beyond float16's 65504
    if convnet.net_.module_.average is not None:
        convnet.net_.module_.average = None
    with pytest.raises(ValueError, match="output_weights_ hold values beyond float16"):
        to_numpy(convnet, weights_dtype="float16")
    assert to_numpy(convnet).output_weights_.max() == pytest.approx(1e5)


# -- saving and loading -----------------------------------------------------------


def test_saves_and_loads_with_the_safe_loader(fitted, tmp_path):
    _, model, X, _ = fitted
    path = save_model(model, tmp_path / "cnn.skops")
    untrusted = skops.io.get_untrusted_types(file=path)
    assert untrusted == ["sklearn_fer.neural_network._inference.ConvNetInference"]
    assert set(untrusted) <= set(TRUSTED_TYPES)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.get_params() == model.get_params()
    unpickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(unpickled.predict_proba(X), model.predict_proba(X))


def _hostile(model, change):
    """A copy of ``model`` with ``change(attributes)`` applied to its fitted state."""
    copy = ConvNetInference(**model.get_params())
    state = deepcopy({k: v for k, v in vars(model).items() if k.endswith("_")})
    change(state)
    vars(copy).update(state)
    return copy


def _nan_weight(state):
    state["conv_weights_"][1][0, 0, 0, 0] = np.nan


def _too_many_convolutions(state):
    n = MAX_CONVOLUTIONS + 1
    state["convs_per_block_"] = (n,)
    state["conv_weights_"] = [np.zeros((3, 3, 1, 1), np.float32)] * n
    state["conv_biases_"] = [np.zeros(1, np.float32)] * n


def _no_network(state):
    for name in NETWORK_ATTRIBUTES:
        del state[name]


HOSTILE = {
    "a NaN weight": (_nan_weight, r"conv_weights_\[1\] has non-finite values"),
    "an infinite bias": (
        lambda s: s["output_bias_"].__setitem__(0, np.inf),
        "output_bias_ has non-finite values",
    ),
    "a convolution of the wrong shape": (
        lambda s: s["conv_weights_"].__setitem__(1, np.zeros((3, 3, 5, 8), np.float32)),
        r"convolution 1 has weights of shape \(3, 3, 5, 8\)",
    ),
    "a hidden layer of the wrong width": (
        lambda s: s.update(hidden_weights_=s["hidden_weights_"][:-1]),
        "hidden_weights_ has shape",
    ),
    "more classes than scores": (
        lambda s: s.update(classes_=np.array(["a", "b", "c", "d"])),
        r"output_weights_ has shape \(8, 3\); the network's layers need \(8, 4\)",
    ),
    "float64 weights": (
        lambda s: s.update(output_weights_=s["output_weights_"].astype(np.float64)),
        "output_weights_ is an array of dtype float64, not float32 or float16",
    ),
    "float16 biases": (
        lambda s: s.update(output_bias_=s["output_bias_"].astype(np.float16)),
        "output_bias_ is an array of dtype float16, not float32.",
    ),
    "an image that is not n_features_in_": (
        lambda s: s.update(image_shape_=(16, 17)),
        "image_shape_ .16, 17. does not hold its n_features_in_ = 256",
    ),
    "a crop larger than the image": (
        lambda s: s.update(crop_shape_=(17, 12)),
        "crop_shape_ .17, 12. is not a crop",
    ),
    "a missing attribute": (
        lambda s: s.pop("conv_biases_"),
        r"fitted attributes \['conv_biases_'\] are missing",
    ),
    "no network at all, only classes_ and n_features_in_": (
        _no_network,
        r"fitted attributes \['image_shape_', .*'output_bias_'\] are missing",
    ),
    "too many convolutions": (_too_many_convolutions, "at most 256"),
    "activations without bound": (
        lambda s: s.update(
            image_shape_=(4096, 4096), crop_shape_=(4096, 4096), n_features_in_=4096**2
        ),
        "values per face in a layer",
    ),
    "a negative slope": (
        lambda s: s.update(negative_slope_=-1.0),
        r"negative_slope_ -1.0 must be a number in \[0, 10\]",
    ),
    "a slope that overflows float32": (
        lambda s: s.update(negative_slope_=1e30),
        r"negative_slope_ 1e\+30 must be a number in \[0, 10\]",
    ),
    "a NaN slope": (
        lambda s: s.update(negative_slope_=float("nan")),
        "negative_slope_ nan must be a number",
    ),
}


@pytest.mark.parametrize("change, message", HOSTILE.values(), ids=HOSTILE)
@pytest.mark.parametrize("format", ["skops", "pickle"])
def test_hostile_networks_are_refused_at_load(
    change, message, format, fitted, tmp_path
):
    _, model, _, _ = fitted
    path = save_model(_hostile(model, change), tmp_path / f"m.{format}", format=format)
    with pytest.raises(ValueError, match=message):
        load_model(path, format=format)


def test_an_unfitted_model_loads_as_it_is(tmp_path):
    # No fitted attribute, no network to check: a clone's file loads.
    path = save_model(ConvNetInference(batch_size=3), tmp_path / "m.skops")
    assert load_model(path).get_params()["batch_size"] == 3


def test_the_slope_a_file_may_hold_is_the_one_training_takes(data):
    pytest.importorskip("torch")
    X, y = data
    with pytest.raises(ValueError, match="negative_slope"):
        _convnet(negative_slope=1e30).fit(X, y)


@pytest.mark.parametrize("scale", [1 / 255, 1e19, 1e36])
def test_scaled_faces_give_the_same_predictions(scale, fitted):
    # Each face is standardised on its own, whatever the scale of its grey
    # levels, even where their squares overflow float32 (1e19 and up).
    convnet, model, X, _ = fitted
    proba = model.predict_proba(X)
    scaled = (X * scale).astype(np.float32)
    np.testing.assert_allclose(model.predict_proba(scaled), proba, rtol=0, atol=1e-5)
    np.testing.assert_allclose(
        convnet.predict_proba(scaled), proba, rtol=0, atol=TOLERANCE
    )


def test_scores_that_overflow_are_an_error_not_nan(fitted):
    # Finite float32 weights whose products are not (1e20 * 1e20): an
    # error naming the faces, rather than NaN probabilities and a label.
    _, model, X, _ = fitted
    huge = _copy(model)
    huge.hidden_bias_ = np.full_like(model.hidden_bias_, 1e20)
    huge.output_weights_ = np.full_like(model.output_weights_, 1e20)
    with pytest.raises(ValueError, match=r"scores of 96 face\(s\) \(rows 0, 1, 2"):
        huge.predict_proba(X)
    huge.standardize_ = False
    with pytest.raises(ValueError, match="finite pixels, on the scale the network"):
        huge.predict(X[:1])


# -- without PyTorch ----------------------------------------------------------------


_WITHOUT_TORCH = """
import importlib.abc, pickle, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "skorch"):
            raise ImportError(f"{{name}} is blocked")

if {block}:
    sys.meta_path.insert(0, Blocked())
import numpy as np
from sklearn_fer.neural_network import ConvNetInference, to_numpy
from sklearn_fer.utils import load_model

X = np.load({folder!r} + "/faces.npy")
expected = np.load({folder!r} + "/proba.npy")
with open({folder!r} + "/cnn.pkl", "rb") as file:
    model = pickle.load(file)
assert (model.predict_proba(X) == expected).all()
print("imported:", sorted(n for n in ("torch", "skorch") if n in sys.modules))
if {block}:
    # skops itself imports torch where it is installed (scikit-learn's
    # all_estimators walks array_api_compat.torch): not here.
    model = load_model({folder!r} + "/cnn.skops")
    assert isinstance(model, ConvNetInference)
    assert (model.predict_proba(X) == expected).all()
    try:
        from sklearn_fer.neural_network import ConvNetClassifier
    except ImportError as exc:
        print("refused:", exc)
"""


@pytest.mark.parametrize("block", [True, False], ids=["torch blocked", "torch there"])
def test_loads_and_predicts_without_torch(block, fitted, tmp_path):
    _, model, X, _ = fitted
    save_model(model, tmp_path / "cnn.skops")
    save_model(model, tmp_path / "cnn.pkl", format="pickle")
    np.save(tmp_path / "faces.npy", X)
    np.save(tmp_path / "proba.npy", model.predict_proba(X))
    code = _WITHOUT_TORCH.format(block=block, folder=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    # The subpackage, the model and its predictions import neither.
    assert "imported: []" in result.stdout
    if block:
        refusal = "refused: sklearn_fer.neural_network.ConvNetClassifier needs PyTorch"
        assert refusal in result.stdout


# -- ONNX ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx_file(fitted, tmp_path_factory):
    pytest.importorskip("onnxscript")
    from sklearn_fer.neural_network import export_onnx

    convnet, _, _, _ = fitted
    convnet = clone(convnet).set_params(test_time_crops=5)
    convnet.fit(*fitted[2:])
    path = tmp_path_factory.mktemp("onnx") / "cnn.onnx"
    return convnet, export_onnx(convnet, path)


def test_onnxruntime_predicts_what_torch_does(onnx_file, data):
    ort = pytest.importorskip("onnxruntime")
    convnet, path = onnx_file
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    X = data[0][:40]
    for n in (1, 40):  # any number of faces
        (proba,) = session.run(["probabilities"], {"pixels": X[:n]})
        np.testing.assert_allclose(
            proba, convnet.predict_proba(X[:n]), rtol=0, atol=TOLERANCE
        )


def test_export_onnx_overwrites_only_when_told(onnx_file):
    from sklearn_fer.neural_network import export_onnx

    convnet, path = onnx_file
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="exists already.*overwrite=True"):
        export_onnx(convnet, path)
    assert path.read_bytes() == before
    export_onnx(convnet, path, overwrite=True)
    assert sorted(p.name for p in path.parent.iterdir()) == ["cnn.onnx"]
