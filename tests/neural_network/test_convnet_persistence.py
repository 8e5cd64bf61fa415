"""ConvNetClassifier in a skops file: parameters as JSON, tensors without pickle."""

import copy
import io
import json
import pickle
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

import skops.io  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402
from skorch.exceptions import DeviceWarning  # noqa: E402

from sklearn_fer.datasets import make_faces  # noqa: E402
from sklearn_fer.neural_network import ConvNetClassifier  # noqa: E402
from sklearn_fer.neural_network._module import FaceConvNet  # noqa: E402
from sklearn_fer.neural_network._net import build_net  # noqa: E402
from sklearn_fer.utils import load_model, save_model  # noqa: E402

SMALL = dict(channels=(4, 8), hidden_units=8, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(
        240, emotions=["happy", "sad", "surprise"], random_state=0, return_X_y=True
    )
    names = np.array(["happy", "sad", "surprise"])
    return X[:180], names[y[:180]], X[180:], names[y[180:]]


@pytest.fixture(scope="module")
def fitted(faces):
    X, y, X_val, y_val = faces
    return ConvNetClassifier(max_epochs=2, **SMALL).fit(X, y, eval_set=(X_val, y_val))


@pytest.fixture
def model(fitted):
    return copy.deepcopy(fitted)  # through __getstate__ / __setstate__


def test_saves_with_skops_by_default_and_predicts_the_same(model, faces, tmp_path):
    X_test = faces[2]
    path = save_model(model, tmp_path / "cnn.skops")
    assert skops.io.get_untrusted_types(file=path) == [
        "sklearn_fer.neural_network._convnet.ConvNetClassifier"
    ]
    loaded = load_model(path)
    np.testing.assert_allclose(
        loaded.predict_proba(X_test), model.predict_proba(X_test), rtol=0, atol=1e-6
    )
    assert loaded.classes_.tolist() == ["happy", "sad", "surprise"]
    assert loaded.loss_curve_ == model.loss_curve_
    assert loaded.net_.history[:, "valid_loss"] == model.net_.history[:, "valid_loss"]


@pytest.mark.parametrize("format", ["skops", "pickle"])
def test_training_goes_on_after_loading(model, faces, format, tmp_path):
    X, y, X_test, _ = faces
    path = save_model(model, tmp_path / "cnn.skops", format=format)
    loaded = load_model(path, format=format)
    for net in (loaded, model):
        # The same shuffling, dropout and augmentation: random_state's
        # generator, saved with the model.
        net.partial_fit(X[:100], y[:100])
    # Adam's moments, the epoch count and the cosine schedule came back too.
    assert loaded.net_.history[:, "event_lr"] == model.net_.history[:, "event_lr"]
    assert loaded.n_iter_ == 3
    np.testing.assert_allclose(
        loaded.predict_proba(X_test), model.predict_proba(X_test), atol=1e-5
    )


def test_the_network_it_was_trained_as_comes_back(model, faces, tmp_path):
    # Parameters changed after fitting do not change the saved network.
    model.set_params(channels=(2,), hidden_units=3, optimizer="sgd")
    loaded = load_model(save_model(model, tmp_path / "cnn.skops"))
    assert loaded.get_params()["channels"] == (2,)
    assert loaded.net_.module_.classifier[-1].in_features == 8
    assert type(loaded.net_.optimizer_) is torch.optim.Adam
    np.testing.assert_array_equal(
        loaded.predict_proba(faces[2]), model.predict_proba(faces[2])
    )


def test_a_network_pickled_by_an_earlier_version_still_loads(
    model, faces, tmp_path, monkeypatch
):
    # Before the network was packed, a pickle held the skorch net itself
    # (model_files/ has one pickled by that version; this one has crops,
    # views and the weight average).
    with monkeypatch.context() as patch:
        patch.setattr(ConvNetClassifier, "__getstate__", BaseEstimator.__getstate__)
        path = save_model(model, tmp_path / "old.pkl", format="pickle")
    loaded = load_model(path, format="pickle")
    np.testing.assert_array_equal(
        loaded.predict_proba(faces[2]), model.predict_proba(faces[2])
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_model_trained_on_a_gpu_loads_on_the_cpu(model, faces, tmp_path):
    model.set_params(device="cuda")
    path = save_model(model, tmp_path / "cnn.skops")
    with pytest.warns(DeviceWarning, match="no CUDA devices"):
        loaded = load_model(path)
    assert loaded.device == "cuda" and str(loaded.net_.device) == "cpu"
    model.set_params(device="cpu")
    np.testing.assert_array_equal(
        loaded.predict_proba(faces[2]), model.predict_proba(faces[2])
    )


# -- hostile or damaged networks ----------------------------------------------------


class _Touch:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _tensors(module=None, optimizer=None, legacy=False, **extra):
    buffer = io.BytesIO()
    torch.save(
        {"module": module, "optimizer": optimizer, **extra},
        buffer,
        _use_new_zipfile_serialization=not legacy,
    )
    return buffer.getvalue()


def _strided(n_stored, shape, strides):
    """A tensor of ``shape`` and ``strides`` over ``n_stored`` stored numbers."""
    return torch.zeros(n_stored).as_strided(shape, strides)


def _undersized(n):
    """A tensor of ``n`` numbers whose storage holds one: torch.save keeps it so."""
    tensor = torch.zeros(n)
    tensor.untyped_storage().resize_(4)
    return tensor


def _stride_zero(tensor):
    """A tensor of ``tensor``'s shape, all strides 0, over one number."""
    return _strided(1, tensor.shape, (0,) * tensor.dim())


def _inf(n):
    return torch.full((n,), np.inf)


def _deflated(data):
    """The zip archive ``data`` with its members deflated."""
    source, deflated = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            archive.writestr(member.filename, source.read(member.filename))
    return deflated.getvalue()


def _moment(key, edit):
    """Edit the optimizer's ``key`` moment of the first weight."""

    def edit_tensors(tensors):
        state = tensors["optimizer"]["state"]
        state[0] = {**state[0], key: edit(state[0][key].clone())}
        return _tensors(**tensors)

    return edit_tensors


def _stride_zero_weights_for(**params):
    """Every weight of the network ``params`` build, of stride 0 over one number:
    the shapes pass, in a file of a few kilobytes."""

    def edit(tensors):
        model = ConvNetClassifier(**{**SMALL, **params})
        net = build_net(
            model.get_params(),
            image_shape=(48, 48),
            n_classes=3,
            train_split=None,
            n_train=0,
        )
        with torch.device("meta"):
            shapes = FaceConvNet(**net.get_params_for("module")).state_dict()
        module = {
            name: _stride_zero(
                torch.zeros(meta.shape, dtype=meta.dtype, device="meta")
            ).to("cpu")
            for name, meta in shapes.items()
        }
        return _tensors(module, tensors["optimizer"])

    return edit


def _unpacked(model):
    state = model.__getstate__()
    packed = state["net_"]
    tensors = torch.load(io.BytesIO(packed["tensors"]), weights_only=True)
    return state, packed, tensors


def _file(model, tmp_path, format="skops", **edits):
    """A model file of ``model`` whose packed network has ``edits`` applied."""
    state, packed, tensors = _unpacked(model)
    for key, edit in edits.items():
        if key in ("params", "history"):
            value = json.loads(packed[key])
            packed[key] = json.dumps(edit(value))
        elif key == "tensors":
            packed[key] = edit(tensors)
        elif key in ("packed", "state"):
            edit(packed if key == "packed" else state)
        else:
            state[key] = edit(state[key])
    forged = ConvNetClassifier.__new__(ConvNetClassifier)
    vars(forged).update(state)  # saved as it is: net_ is not a skorch net
    return save_model(forged, tmp_path / "cnn.skops", format=format)


def _weight(name, value):
    def edit(tensors):
        tensors["module"][name] = value
        return _tensors(**tensors)

    return edit


def _set(**values):
    def edit(params):
        return {**params, **values}

    return edit


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("format", ["skops", "pickle"])
def test_tensors_that_would_unpickle_a_payload_are_refused(fitted, format, tmp_path):
    marker = tmp_path / "marker"
    payloads = {
        "a plain pickle": lambda _: pickle.dumps(_Touch(marker)),
        "a torch file holding an object": lambda t: _tensors(
            t["module"], t["optimizer"], payload=_Touch(marker)
        ),
    }
    for case, edit in payloads.items():
        path = _file(fitted, tmp_path, format=format, tensors=edit)
        with pytest.raises(ValueError, match="cnn.skops could not be") as info:
            load_model(path, format=format)
        assert info.match("net_'s tensors (cannot be read|are not the zip archive)"), (
            case
        )
        assert not marker.exists(), case


HOSTILE = {
    "tensors that are not bytes": (
        dict(tensors=lambda _: "weights"),
        "net_'s tensors must be bytes",
    ),
    "tensors without the optimizer": (
        dict(tensors=lambda t: _tensors(t["module"])),
        "a dict of the module's and the optimizer's state dicts",
    ),
    "a weight of another shape": (
        dict(tensors=_weight("classifier.6.bias", torch.zeros(4))),
        r"weight 'classifier.6.bias' is of shape \(4,\) .*network its parameters "
        r"build has of shape \(3,\)",
    ),
    "a weight of another dtype": (
        dict(tensors=_weight("classifier.6.bias", torch.zeros(3, dtype=torch.int64))),
        "dtype torch.int64",
    ),
    "a negative count of averaged steps": (
        dict(tensors=_weight("average.n_updates", torch.tensor(-10))),
        r"counts \['average.n_updates'\] must not be negative",
    ),
    "a weight too many": (
        dict(tensors=_weight("evil", torch.zeros(1))),
        r"unexpected \['evil'\]",
    ),
    "optimizer state of another shape": (
        dict(
            tensors=lambda t: _tensors(
                t["module"],
                {
                    **t["optimizer"],
                    "state": {
                        **t["optimizer"]["state"],
                        0: {**t["optimizer"]["state"][0], "exp_avg": torch.zeros(2)},
                    },
                },
            )
        ),
        r"optimizer state 'exp_avg' has shape \(2,\)",
    ),
    "a huge network the weights do not fit": (
        dict(params=_set(hidden_units=10**9, channels=[10**6] * 2)),
        r"a network of [\d,]+ weights; sklearn-fer loads networks of at most",
    ),
    "a network over the cap, its weights (and averages) counted": (
        dict(params=_set(hidden_units=30_000)),
        r"a network of [\d,]+ weights; sklearn-fer loads networks of at most",
    ),
    "a million convolutions": (
        dict(params=_set(convs_per_block=[10**6, 1])),
        "a network of 1000001 convolutions",
    ),
    "a weight of stride 0 over one number": (
        dict(tensors=_weight("classifier.6.bias", _strided(1, (3,), (0,)))),
        r"weight 'classifier.6.bias' is not a dense tensor filling its storage",
    ),
    "weights of stride 0 shaped for a huge network": (
        dict(
            params=_set(hidden_units=10**6),
            tensors=_stride_zero_weights_for(hidden_units=10**6),
        ),
        "is not a dense tensor filling its storage",
    ),
    "a weight of overlapping strides": (
        dict(tensors=_weight("classifier.6.weight", _strided(10, (3, 8), (1, 1)))),
        r"weight 'classifier.6.weight' is not a dense tensor",
    ),
    "a transposed weight": (
        dict(tensors=_weight("classifier.6.weight", torch.zeros(8, 3).t())),
        r"weight 'classifier.6.weight' is not a dense tensor",
    ),
    "a weight larger than its storage": (
        dict(tensors=_weight("classifier.6.bias", _undersized(3))),
        "net_'s tensors cannot be read",
    ),
    "a weight that is not a number": (
        dict(tensors=_weight("classifier.6.bias", torch.tensor([0.0, np.nan, 0.0]))),
        r"weight 'classifier.6.bias' has non-finite values",
    ),
    "an infinite average": (
        dict(tensors=_weight("average.average_classifier_6_bias", _inf(3))),
        r"weight 'average.average_classifier_6_bias' has non-finite values",
    ),
    "an infinite moment of the optimizer": (
        dict(tensors=_moment("exp_avg_sq", lambda value: value.fill_(np.inf))),
        r"optimizer state 'exp_avg_sq' of weight 0 has non-finite values",
    ),
    "a moment of the optimizer of stride 0": (
        dict(
            tensors=_moment(
                "exp_avg", lambda value: _strided(1, value.shape, (0,) * value.dim())
            )
        ),
        r"optimizer state 'exp_avg' of weight 0 is not a dense tensor",
    ),
    "a deflated archive": (
        dict(tensors=lambda t: _deflated(_tensors(**t))),
        "net_'s tensors hold compressed members",
    ),
    "torch's legacy format": (
        dict(tensors=lambda t: _tensors(**t, legacy=True)),
        "net_'s tensors are not the zip archive torch.save writes",
    ),
    "channels that are not counts": (
        dict(params=_set(channels=["a", "b"])),
        "'channels' parameter of ConvNetClassifier must be a non-empty",
    ),
    "a count of convolutions for a block that is not there": (
        dict(params=_set(convs_per_block=[1, 1, 1])),
        "convs_per_block has 3 entries but channels has 2 blocks",
    ),
    "an invalid parameter": (
        dict(params=_set(dropout=5.0)),
        "'dropout' parameter of ConvNetClassifier must be",
    ),
    "an unknown parameter": (
        dict(params=_set(module="os.system")),
        "net_'s params name",
    ),
    "an optimizer sklearn-fer does not have": (
        dict(params=_set(optimizer="eval")),
        "'optimizer' parameter of ConvNetClassifier must be",
    ),
    "a newer layout": (
        dict(packed=lambda packed: packed.update(format=3)),
        "net_ was saved in layout 3",
    ),
    "an older layout that is not one": (
        dict(packed=lambda packed: packed.update(format=0)),
        "net_ was saved in layout 0",
    ),
    "augmentation in the network's params": (
        dict(params=_set(flip=False)),
        "net_'s params name",
    ),
    "a parameter of the estimator missing": (
        dict(state=lambda state: state.pop("erasing")),
        r"parameters \['erasing'\] are missing",
    ),
    "params that are not JSON": (
        dict(packed=lambda packed: packed.update(params="{channels")),
        "net_'s params is not valid JSON",
    ),
    "history of another length": (
        dict(history=lambda history: history[:1]),
        "net_'s history has 1 epochs but n_iter_ is 2",
    ),
    "image_shape_ that does not hold n_features_in_": (
        dict(image_shape_=lambda shape: (48, 47)),
        r"image_shape_ \(48, 47\) does not hold its n_features_in_ = 2304",
    ),
    "a class more than the network has outputs": (
        dict(classes_=lambda classes: np.append(classes, "bored")),
        r"weight 'classifier.6.weight' is of shape \(3, 8\)",
    ),
    "a network that is not one": (
        dict(net_=lambda _: [1, 2]),
        "net_ is a list, not a network saved by sklearn-fer",
    ),
}


@pytest.mark.parametrize("format", ["skops", "pickle"])
@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_networks_are_refused(case, format, fitted, tmp_path):
    edits, message = HOSTILE[case]
    path = _file(fitted, tmp_path, format=format, **edits)
    with pytest.raises(ValueError, match="cnn.skops could not be") as info:
        load_model(path, format=format)
    assert info.match(message)
