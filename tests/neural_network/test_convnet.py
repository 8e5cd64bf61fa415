"""ConvNetClassifier: estimator checks, learning, augmentation, history, persistence."""

import io
import math
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_fer.datasets import make_faces  # noqa: E402
from sklearn_fer.linear_model import SGDSoftmaxRegression  # noqa: E402
from sklearn_fer.neural_network import ConvNetClassifier  # noqa: E402
from tests.reference_runs import faces as small_faces  # noqa: E402

#: A network small enough for the checks' many fits to take seconds.
TINY = dict(channels=(4,), convs_per_block=1, hidden_units=8, batch_size=16)


#: The checks' data are rows of 2 to 10 numbers, not faces: each row is read
#: as a one-pixel-high image (as HOGTransformer and PatchKMeansEncoder in
#: tests/test_common.py); per-row standardisation and image augmentation
#: (mirroring swaps features) would erase what tells their classes apart, and
#: dropout on 8 units only adds noise. The crop (44 by default) is clamped to
#: such rows, and the weight average stays on.
NOT_IMAGES = dict(
    image_shape=(1, -1),
    standardize=False,
    flip=False,
    rotation=0,
    shift=0,
    scale=0,
    blur=0,
    dropout=0,
    test_time_flip=False,
)


@parametrize_with_checks(
    [
        ConvNetClassifier(
            **TINY, **NOT_IMAGES, max_epochs=20, learning_rate=1e-2, random_state=0
        )
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("ConvNetClassifier", ConvNetClassifier(**TINY))


@pytest.fixture(scope="module")
def faces():
    X, y = make_faces(
        900, emotions=["happy", "sad", "surprise"], random_state=0, return_X_y=True
    )
    return X[:600], y[:600], X[600:], y[600:]


SMALL = dict(
    channels=(8, 16, 32),
    convs_per_block=1,
    hidden_units=32,
    batch_size=32,
    learning_rate=3e-3,
    random_state=0,
)


def test_learns_better_than_a_linear_model():
    X, y = make_faces(2500, random_state=0, return_X_y=True)
    X, y, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    cnn = ConvNetClassifier(
        channels=(8, 16, 32),
        convs_per_block=1,
        hidden_units=32,
        dropout=0.2,
        batch_size=32,
        learning_rate=1e-2,
        max_epochs=10,
        random_state=0,
    ).fit(X, y)
    linear = make_pipeline(
        StandardScaler(),
        SGDSoftmaxRegression(batch_size=32, max_iter=30, random_state=0),
    ).fit(X / 255.0, y)
    # Measured: 0.76 against 0.61 (chance 0.14).
    assert cnn.score(X_test, y_test) > linear.score(X_test / 255.0, y_test) + 0.08
    assert cnn.loss_curve_[-1] < cnn.loss_curve_[0]


def test_predictions_are_deterministic_and_unaugmented(faces):
    X, y, X_test, _ = faces
    model = ConvNetClassifier(max_epochs=1, **SMALL).fit(X, y)
    module = model.net_.module_
    training = module.training
    np.testing.assert_array_equal(
        model.predict_proba(X_test), model.predict_proba(X_test)
    )
    assert module.training == training  # evaluated in eval mode, then put back
    module.eval()
    with torch.no_grad():
        scores = module(torch.from_numpy(X_test[:5].astype(np.float32)))
    np.testing.assert_allclose(
        model.predict_proba(X_test[:5]), torch.softmax(scores, dim=1), rtol=1e-6
    )


def test_same_seed_same_weights(faces):
    X, y, _, _ = faces
    first = ConvNetClassifier(max_epochs=2, **SMALL).fit(X[:200], y[:200])
    second = ConvNetClassifier(max_epochs=2, **SMALL).fit(X[:200], y[:200])
    for a, b in zip(
        first.net_.module_.state_dict().values(),
        second.net_.module_.state_dict().values(),
        strict=True,
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_images_and_string_labels(faces):
    X, y, _, _ = faces
    names = np.array(["happy", "sad", "surprise"])[y]
    model = ConvNetClassifier(max_epochs=1, **SMALL).fit(X.reshape(-1, 48, 48), names)
    assert list(model.classes_) == ["happy", "sad", "surprise"]
    assert model.n_features_in_ == 2304 and model.image_shape_ == (48, 48)
    assert set(model.predict(X[:10].reshape(-1, 48, 48))) <= set(names)


def test_faces_are_read_by_the_image_shape_rule_of_preprocessing():
    X, y = small_faces(48, random_state=0)
    wide = X.reshape(-1, 16, 16)[:, 2:14, :]  # 12 x 16 images
    model = ConvNetClassifier(**TINY, max_epochs=1, random_state=0).fit(wide, y)
    assert model.image_shape_ == (12, 16) and model.n_features_in_ == 192
    rows = wide.reshape(len(wide), -1)
    with pytest.raises(ValueError, match="192 features per row, which is not a square"):
        ConvNetClassifier(**TINY).fit(rows, y)
    flat = ConvNetClassifier(**TINY, image_shape=(12, -1), max_epochs=1).fit(rows, y)
    assert flat.image_shape_ == (12, 16)
    with pytest.raises(ValueError, match=r"fitted on images of shape \(12, 16\)"):
        model.predict(wide.reshape(-1, 16, 12))


def test_history_validation_and_early_stopping(faces):
    X, y, X_val, y_val = faces
    model = ConvNetClassifier(max_epochs=3, validation_fraction=0.2, **SMALL).fit(X, y)
    assert (
        len(model.loss_curve_)
        == len(model.validation_loss_curve_)
        == model.n_iter_
        == 3
    )
    stopped = ConvNetClassifier(
        max_epochs=40,
        early_stopping=True,
        n_iter_no_change=2,
        lr_schedule="constant",
        **{**SMALL, "learning_rate": 3e-2},
    ).fit(X, y, eval_set=(X_val, y_val))
    curve = stopped.validation_loss_curve_
    assert stopped.best_iteration_ == int(np.argmin(curve)) + 1
    assert stopped.n_iter_ < 40
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "y_prob values do not sum to one"
        validation_loss = log_loss(y_val, stopped.predict_proba(X_val))
    assert validation_loss == pytest.approx(min(curve), rel=1e-3)


def test_partial_fit(faces):
    X, y, X_val, y_val = faces
    model = ConvNetClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[:300], y[:300], classes=[0, 1, 2])
    model.partial_fit(X[300:], y[300:], eval_set=(X_val, y_val))
    assert model.n_iter_ == 2 == len(model.loss_curve_)
    assert np.isnan(model.validation_loss_curve_[0])
    assert model.validation_loss_curve_[1] > 0
    # A chunk of batch_size + 1 faces after one smaller than a batch: its last
    # batch (one face) must be dropped, not fed to batch norm.
    chunked = ConvNetClassifier(**SMALL).partial_fit(X[:20], y[:20], classes=[0, 1, 2])
    chunked.partial_fit(X[:33], y[:33])
    assert chunked.n_iter_ == 2
    with pytest.raises(ValueError, match="labels not in classes_"):
        model.partial_fit(X[:5], [0, 1, 2, 3, 0])
    with pytest.raises(ValueError, match="X has 100 features"):
        model.partial_fit(X[:5, :100], y[:5])


def test_cosine_schedule_restarts_rather_than_training_at_zero(faces):
    # Epoch k (from 0) of a cycle of max_epochs trains at
    # lr * (1 + cos(pi * k / max_epochs)) / 2; partial_fit past max_epochs
    # starts a new cycle, where a plain cosine would train at 0, then climb.
    X, y, _, _ = faces
    learning_rate = SMALL["learning_rate"]
    expected = [
        learning_rate * (1 + np.cos(np.pi * (epoch % 3) / 3)) / 2 for epoch in range(7)
    ]
    incremental = ConvNetClassifier(max_epochs=3, **SMALL)
    for _ in range(7):
        incremental.partial_fit(X[:64], y[:64], classes=[0, 1, 2])
    np.testing.assert_allclose(incremental.net_.history[:, "event_lr"], expected)
    continued = ConvNetClassifier(max_epochs=3, **SMALL).fit(X[:64], y[:64])
    for _ in range(4):
        continued.partial_fit(X[:64], y[:64])
    np.testing.assert_allclose(continued.net_.history[:, "event_lr"], expected)


def test_grid_search_cross_validate_and_pickle(faces):
    X, y, X_test, _ = faces
    model = ConvNetClassifier(max_epochs=1, **SMALL)
    search = GridSearchCV(model, {"dropout": [0.0, 0.5]}, cv=2).fit(X[:300], y[:300])
    assert set(search.cv_results_["params"][0]) == {"dropout"}
    scores = cross_validate(model, X[:300], y[:300], cv=2)
    assert len(scores["test_score"]) == 2
    fitted = clone(model).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.predict_proba(X_test), fitted.predict_proba(X_test)
    )


class _TensorSpy(pickle.Pickler):
    """A pickler that records the tensors it meets in its own stream."""

    def __init__(self, file):
        super().__init__(file)
        self.tensors = []

    def persistent_id(self, obj):
        if isinstance(obj, torch.Tensor):
            self.tensors.append(tuple(obj.shape))
        return None  # pickled as usual


def test_pickle_keeps_tensors_where_skorch_maps_them_to_the_cpu(faces):
    # skorch pickles the module, optimizer and criterion apart and unpickles
    # them with map_location, so that a model trained on a GPU loads on a
    # CPU-only machine. A tensor pickled anywhere else (the LR scheduler's
    # reference to the optimizer: skorch issue #1096) would be restored on the
    # GPU and fail there. Nor should the file carry the validation faces.
    X, y, X_val, y_val = faces
    model = ConvNetClassifier(max_epochs=2, **SMALL).fit(X, y, eval_set=(X_val, y_val))
    model.partial_fit(X[:100], y[:100], eval_set=(X_val, y_val))
    spy = _TensorSpy(io.BytesIO())
    spy.dump(model)
    assert spy.tensors == []
    plain = ConvNetClassifier(max_epochs=2, **SMALL).fit(X, y)
    assert len(pickle.dumps(model)) < len(pickle.dumps(plain)) + X_val.nbytes / 10
    # Training goes on after a round trip, the cosine schedule where it was.
    restored = pickle.loads(pickle.dumps(model))
    for net in (restored, model):
        net.partial_fit(X[:100], y[:100])  # random_state's generator goes on
    assert restored.net_.history[:, "event_lr"] == model.net_.history[:, "event_lr"]
    np.testing.assert_allclose(
        restored.predict_proba(X_val), model.predict_proba(X_val), atol=1e-5
    )


def test_test_time_flip_makes_mirror_images_agree(faces):
    X, y, X_test, _ = faces
    faces_test = X_test[:20]
    mirrored = faces_test.reshape(-1, 48, 48)[:, :, ::-1].reshape(20, -1)
    model = ConvNetClassifier(max_epochs=1, test_time_flip=False, **SMALL).fit(X, y)
    plain = model.predict_proba(faces_test)
    assert not np.allclose(plain, model.predict_proba(mirrored))
    # A prediction-time option: it applies to an already fitted model.
    model.set_params(test_time_flip=True)
    np.testing.assert_allclose(
        model.predict_proba(faces_test), model.predict_proba(mirrored), rtol=1e-5
    )
    model.set_params(test_time_flip=False)
    np.testing.assert_array_equal(model.predict_proba(faces_test), plain)


def test_bad_input():
    X, y = make_faces(20, random_state=0, return_X_y=True)
    with pytest.raises(ValueError, match="at least 2 samples"):
        ConvNetClassifier(**TINY).fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="only one class"):
        ConvNetClassifier(**TINY).fit(X, np.zeros(20))
    bad = X.astype(float)
    bad[2, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ConvNetClassifier(**TINY).fit(bad, y)


def test_convs_per_block_per_block_counts():
    X, y = make_faces(40, emotions=["happy", "sad"], random_state=0, return_X_y=True)

    def conv_widths(convs_per_block):
        model = ConvNetClassifier(
            channels=(4, 8),
            convs_per_block=convs_per_block,
            hidden_units=8,
            max_epochs=1,
            random_state=0,
        ).fit(X, y)
        return [
            layer.out_channels
            for layer in model.net_.module_.features
            if isinstance(layer, torch.nn.Conv2d)
        ]

    assert conv_widths(None) == [4, 8, 8]
    assert conv_widths((1, 3)) == [4, 8, 8, 8]
    assert conv_widths(2) == [4, 4, 8, 8]
    with pytest.raises(ValueError, match="3 entries but channels has 2 blocks"):
        ConvNetClassifier(channels=(4, 8), convs_per_block=(1, 2, 2)).fit(X, y)
    with pytest.raises(ValueError, match=r"'convs_per_block' parameter .* \(1, 0\)"):
        ConvNetClassifier(channels=(4, 8), convs_per_block=(1, 0)).fit(X, y)


def test_augment_draws_the_training_augmentation_reproducibly():
    X, _ = make_faces(6, random_state=0, return_X_y=True)
    model = ConvNetClassifier(
        flip=True, rotation=20, shift=0.1, scale=0.1, blur=1.0, crop_size=None
    )
    state = torch.random.get_rng_state()
    first = model.augment(X, random_state=0)
    assert torch.equal(torch.random.get_rng_state(), state)  # left as it was
    assert first.shape == X.shape and first.dtype == np.float32
    np.testing.assert_array_equal(first, model.augment(X, random_state=0))
    assert not np.allclose(first, model.augment(X, random_state=1))
    assert not np.allclose(first, X)
    off = ConvNetClassifier(
        flip=False, rotation=0, shift=0, scale=0, blur=0, crop_size=None
    )
    np.testing.assert_array_equal(off.augment(X.reshape(6, 48, 48)), X)
    assert ConvNetClassifier().augment(X).shape == (6, 44 * 44)  # the crops
    with pytest.raises(ValueError, match="rotation"):
        ConvNetClassifier(rotation=-1).augment(X)


@pytest.mark.parametrize("crop_size", [None, 40, 44])
def test_fit_and_predict_on_crops(faces, crop_size):
    X, y, X_test, _ = faces
    model = ConvNetClassifier(max_epochs=1, crop_size=crop_size, **SMALL)
    model.fit(X[:100], y[:100])
    side = 48 if crop_size is None else crop_size
    module = model.net_.module_
    assert module.crop_shape == (side, side)
    assert module.classifier[2].in_features == 32 * math.ceil(side / 8) ** 2
    assert model.augment(X[:3]).shape == (3, side * side)
    proba = model.predict_proba(X_test[:7])
    assert proba.shape == (7, 3)
    ten_crop = model.set_params(test_time_crops=5).predict_proba(X_test[:7])
    if crop_size is None:  # the five crops are the whole face
        np.testing.assert_allclose(ten_crop, proba, rtol=1e-5)
    else:
        assert not np.allclose(ten_crop, proba)


def test_averaging_on_and_off_gives_different_weights(faces):
    X, y, X_test, _ = faces
    averaged = ConvNetClassifier(max_epochs=2, ema_decay=0.99, **SMALL).fit(X, y)
    last = ConvNetClassifier(max_epochs=2, ema_decay=None, **SMALL).fit(X, y)
    module = averaged.net_.module_
    assert last.net_.module_.average is None
    # The same training: the current weights are the same, bit for bit ...
    for name, value in last.net_.module_._network().state_dict().items():
        torch.testing.assert_close(
            module._network().state_dict()[name], value, rtol=0, atol=0
        )
    # ... but the averaged model predicts with averaged ones.
    n_steps = 2 * (len(y) // SMALL["batch_size"])
    assert int(module.average.n_updates) == n_steps
    weight = module.average.averaged()["features.0.weight"]
    assert not torch.allclose(weight, module.features[0].weight)
    assert not np.allclose(
        averaged.predict_proba(X_test), last.predict_proba(X_test), atol=1e-4
    )


def test_same_seed_same_crops_erasing_and_average(faces):
    X, y, X_test, _ = faces
    params = dict(max_epochs=2, crop_size=40, erasing=0.5, ema_decay=0.99, **SMALL)
    first = ConvNetClassifier(**params).fit(X[:200], y[:200])
    second = ConvNetClassifier(**params).fit(X[:200], y[:200])
    np.testing.assert_array_equal(
        first.predict_proba(X_test), second.predict_proba(X_test)
    )
    third = ConvNetClassifier(**{**params, "random_state": 1}).fit(X[:200], y[:200])
    assert not np.allclose(first.predict_proba(X_test), third.predict_proba(X_test))
