"""ConvNetClassifier keeps the promises of the classifiers trained by epochs.

The promises of ``utils._iterative`` (the linear models keep them too): the
classes fixed by the first ``partial_fit``, a failed call (an error, an
interrupt, divergence) that leaves the estimator as it was, parameters
validated and honoured on every call, randomness from ``random_state`` alone.
Each test trains a network of a few hundred weights on 16 x 16 faces.
"""

import itertools
import pickle
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_fer.neural_network import ConvNetClassifier  # noqa: E402
from sklearn_fer.neural_network._module import FaceConvNet  # noqa: E402
from sklearn_fer.utils._sklearn_api import check_parameters  # noqa: E402
from tests.reference_runs import faces  # noqa: E402

CLASSES = ["happy", "sad", "surprise"]


@pytest.fixture(scope="module")
def data():
    X, y = faces(96, random_state=0)
    return X, y


def tiny(**params):
    return ConvNetClassifier(
        **{
            "channels": (2,),
            "convs_per_block": 1,
            "hidden_units": 4,
            "batch_size": 16,
            "crop_size": 12,
            "max_epochs": 1,
            "random_state": 0,
            **params,
        }
    )


def _weights(model):
    return [tensor.clone() for tensor in model.net_.module_.state_dict().values()]


def _assert_same_weights(first, second):
    for a, b in zip(first, second, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


# -- classes -----------------------------------------------------------------------


def test_partial_fit_refuses_other_classes_on_a_later_call(data):
    X, y = data
    model = tiny().partial_fit(X, y, classes=CLASSES)
    with pytest.raises(ValueError, match=r"classes=\['happy', 'sad'\] differs"):
        model.partial_fit(X, y, classes=["happy", "sad"])
    model.partial_fit(X, y, classes=CLASSES[::-1])  # the same classes
    assert model.n_iter_ == 2


# -- a failed call changes nothing ---------------------------------------------------


def _failing_forward(monkeypatch, exception, at_batch=2):
    """Make the network raise ``exception`` at its ``at_batch``-th training batch."""
    forward, batches = FaceConvNet.forward, itertools.count()

    def failing(self, X, *args, **kwargs):
        if self.training and next(batches) == at_batch:
            raise exception("raised by the test")
        return forward(self, X, *args, **kwargs)

    monkeypatch.setattr(FaceConvNet, "forward", failing)


@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_a_partial_fit_that_fails_midway_leaves_the_model_as_it_was(
    data, exception, monkeypatch
):
    X, y = data
    model = tiny().fit(X, y)
    before = pickle.dumps(model)
    _failing_forward(monkeypatch, exception)
    with pytest.raises(exception):
        model.partial_fit(X, y)
    assert pickle.dumps(model) == before
    monkeypatch.undo()
    assert model.partial_fit(X, y).n_iter_ == 2


@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_a_fit_that_fails_midway_leaves_the_model_as_it_was(
    data, exception, monkeypatch
):
    X, y = data
    model = tiny().fit(X, y)
    before = pickle.dumps(model)
    _failing_forward(monkeypatch, exception)
    smaller = X.reshape(-1, 16, 16)[:, 2:14, 2:14]  # other faces: 12 x 12
    with pytest.raises(exception):
        model.set_params(max_epochs=2).fit(smaller, y)
    model.set_params(max_epochs=1)
    assert pickle.dumps(model) == before
    fresh = tiny()
    _failing_forward(monkeypatch, exception)
    with pytest.raises(exception):
        fresh.fit(X, y)
    assert vars(fresh) == vars(tiny())


# -- randomness ----------------------------------------------------------------------


def test_training_leaves_torchs_global_generator_as_it_was(data):
    X, y = data
    state = torch.random.get_rng_state()
    model = tiny().fit(X, y)
    model.partial_fit(X, y)
    tiny(random_state=None).partial_fit(X, y, classes=CLASSES)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_partial_fit_draws_its_randomness_from_random_state_alone(data):
    X, y = data
    weights = []
    for global_seed in (1, 2):
        model = tiny().partial_fit(X, y, classes=CLASSES)
        torch.manual_seed(global_seed)
        model.partial_fit(X, y)
        weights.append(_weights(model))
    _assert_same_weights(*weights)


def test_random_state_takes_a_random_state_instance(data):
    X, y = data
    by_int = tiny(random_state=0).fit(X, y)
    by_instance = tiny(random_state=np.random.RandomState(0)).fit(X, y)
    _assert_same_weights(_weights(by_int), _weights(by_instance))


def test_random_state_none_draws_fresh_randomness(data):
    X, y = data
    first, second = (_weights(tiny(random_state=None).fit(X, y)) for _ in range(2))
    assert not all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


# -- prediction ----------------------------------------------------------------------


def test_predict_proba_changes_nothing(data):
    X, y = data
    model = tiny(test_time_flip=True).fit(X, y)
    module = model.net_.module_
    settings = {k: v for k, v in vars(module).items() if not k.startswith("_")}
    model.set_params(test_time_flip=False, test_time_crops=5)
    five_crops = model.predict_proba(X[:5])
    assert {k: v for k, v in vars(module).items() if not k.startswith("_")} == (
        settings
    )
    # ... and the options of the call are those of the estimator then.
    one_crop = model.set_params(test_time_crops=1).predict_proba(X[:5])
    assert not np.allclose(five_crops, one_crop)


# -- parameters ----------------------------------------------------------------------

BAD_NETWORKS = {
    "a block without channels": (dict(channels=(4, 0)), r"'channels' parameter"),
    "no block": (dict(channels=()), r"'channels' parameter"),
    "channels as text": (dict(channels=(4, "8")), r"'channels' parameter"),
    "a block without convolutions": (
        dict(channels=(4, 8), convs_per_block=(1, 0)),
        r"'convs_per_block' parameter",
    ),
    "a count for a block that is not there": (
        dict(channels=(4, 8), convs_per_block=(1, 2, 2)),
        "convs_per_block has 3 entries but channels has 2 blocks",
    ),
}


@pytest.mark.parametrize("case", BAD_NETWORKS)
def test_network_parameters_are_checked_with_the_others(case, data):
    params, message = BAD_NETWORKS[case]
    with pytest.raises(ValueError, match=message):
        check_parameters(tiny(**params))  # as fit and the command line do
    model = tiny(**params)
    with pytest.raises(ValueError, match=message):
        model.fit(*data)
    assert not hasattr(model, "n_features_in_")


def test_the_epoch_table_is_coloured_only_on_a_terminal(data, capsys, monkeypatch):
    X, y = data
    tiny(verbose=1, max_epochs=2).fit(X, y, eval_set=(X, y))
    plain = capsys.readouterr().out
    assert "train_loss" in plain and "valid_loss" in plain
    assert "\x1b[" not in plain
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    tiny(verbose=1, max_epochs=2).fit(X, y, eval_set=(X, y))
    assert "\x1b[" in capsys.readouterr().out


# -- every partial_fit call uses the parameters as they are then --------------------


def test_partial_fit_trains_with_the_parameters_of_each_call(data):
    X, y = data
    model = tiny(lr_schedule="constant").partial_fit(X, y, classes=CLASSES)
    model.set_params(learning_rate=0.05, weight_decay=0.5, batch_size=8, erasing=0.5)
    model.partial_fit(X, y)
    group = model.net_.optimizer_.param_groups[0]
    assert (group["lr"], group["weight_decay"]) == (0.05, 0.5)
    assert model.net_.history[-1, "train_batch_count"] == len(y) // 8
    assert model.net_.module_.augment.erasing == 0.5
    # The cosine schedule goes on at its position, from the new rate.
    cosine = tiny(max_epochs=4).partial_fit(X, y, classes=CLASSES)
    cosine.set_params(learning_rate=0.01).partial_fit(X, y)
    np.testing.assert_allclose(
        cosine.net_.history[:, "event_lr"],
        [3e-3, 0.01 * (1 + np.cos(np.pi / 4)) / 2],
    )


def test_partial_fit_refuses_another_network_than_the_fitted_one(data):
    X, y = data
    model = tiny().fit(X, y)
    before = pickle.dumps(model)
    model.set_params(channels=(3,), dropout=0.5)
    with pytest.raises(ValueError, match=r"built with channels=\[2\], dropout=0.25"):
        model.partial_fit(X, y)
    model.set_params(channels=(2,), dropout=0.25)  # the same network again
    assert pickle.dumps(model) == before
    assert model.partial_fit(X, y).n_iter_ == 2


# -- divergence ----------------------------------------------------------------------


def test_divergence_is_an_error_that_says_what_to_change(data):
    X, y = data
    exploding = dict(optimizer="sgd", learning_rate=1e3, lr_schedule="constant")
    fresh = tiny(**exploding, max_epochs=3)
    with pytest.raises(
        ValueError, match=r"diverged at epoch \d: .*learning_rate \(now 1000\)"
    ):
        fresh.fit(X, y)
    assert vars(fresh) == vars(tiny(**exploding, max_epochs=3))
    model = tiny(optimizer="sgd").fit(X, y)
    before = pickle.dumps(model)
    with pytest.raises(ValueError, match="diverged at epoch 2: .*optimizer='adam'"):
        model.set_params(**exploding).partial_fit(X, y)
    model.set_params(learning_rate=3e-3, lr_schedule="cosine")
    assert pickle.dumps(model) == before


@pytest.mark.parametrize(
    "params",
    [
        dict(learning_rate=-1),
        dict(batch_size=0),
        dict(rotation=400),
        dict(random_state="abc"),
        dict(channels=(2, 0)),
        dict(optimizer="bogus"),
    ],
    ids=lambda p: repr(p)[1:-1],
)
def test_every_partial_fit_call_validates_the_parameters(params, data):
    X, y = data
    model = tiny().partial_fit(X, y, classes=CLASSES)
    before = pickle.dumps(model)
    (name,) = params
    with pytest.raises(ValueError, match=f"'{name}' parameter of ConvNetClassifier"):
        model.set_params(**params).partial_fit(X, y)
    model.set_params(**{name: tiny().get_params()[name]})
    assert pickle.dumps(model) == before
