"""ConvNetClassifier files written by earlier versions of sklearn-fer still load.

``model_files/`` holds a tiny network saved by each layout a release wrote
(``write_model_files.py`` says by which commit), with the probabilities it
predicted then: each loads, predicts them again, trains on, and saves in
today's format.
"""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

import skops.io

from sklearn_fer.utils import load_model, save_model

FILES = Path(__file__).with_name("model_files")
MODEL_FILES = sorted(
    path.name for path in FILES.iterdir() if path.suffix in (".skops", ".pkl")
)


def _load(name):
    path = FILES / name
    return load_model(path, format="pickle" if path.suffix == ".pkl" else "skops")


@pytest.fixture(scope="module")
def X_test():
    with np.load(FILES / "faces.npz") as faces:
        return faces["X_test"]


def _expected(name):
    return np.load(FILES / f"{Path(name).stem}.proba.npy")


def test_every_layout_is_here():
    assert MODEL_FILES == [
        "format-1-2026-11-28.pkl",
        "format-1-2026-11-28.skops",
        "format-1-2026-12-04.pkl",
        "format-1-2026-12-04.skops",
        "skorch-net-2026-11-26.pkl",
    ]


@pytest.mark.parametrize("name", MODEL_FILES)
def test_an_old_file_loads_and_predicts_as_it_did(name, X_test):
    model = _load(name)
    np.testing.assert_allclose(model.predict_proba(X_test), _expected(name), atol=1e-6)
    assert model.classes_.tolist() == ["happy", "sad", "surprise"]
    assert model.n_iter_ == len(model.loss_curve_) == 2


@pytest.mark.parametrize("name", [name for name in MODEL_FILES if "skops" in name])
def test_an_old_skops_file_names_only_the_estimator(name):
    assert skops.io.get_untrusted_types(file=FILES / name) == [
        "sklearn_fer.neural_network._convnet.ConvNetClassifier"
    ]


@pytest.mark.parametrize("name", MODEL_FILES)
def test_an_old_file_trains_on_and_saves_in_todays_format(name, X_test, tmp_path):
    model = _load(name)
    again = load_model(save_model(model, tmp_path / "again.skops"))
    np.testing.assert_array_equal(
        again.predict_proba(X_test), model.predict_proba(X_test)
    )
    X, y = X_test, model.classes_[np.arange(len(X_test)) % 3]
    assert again.partial_fit(X, y).n_iter_ == 3
    assert model.partial_fit(X, y).n_iter_ == 3
