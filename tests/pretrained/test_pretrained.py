"""The shipped models: described, loaded safely, scoring what their cards say."""

import copy
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer import pretrained
from sklearn_fer.datasets import EMOTIONS, load_fer2013, make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.neural_network._inference import NETWORK_ATTRIBUTES
from sklearn_fer.preprocessing import FER2013Transformer, PatchKMeansEncoder
from sklearn_fer.pretrained import build, list_pretrained, load_pretrained
from sklearn_fer.utils import load_model

REAL_DATA = os.environ.get("SKLEARN_FER_DATA")


@pytest.fixture(scope="module")
def shipped():
    return {model.name: model for model in list_pretrained()}


@pytest.fixture(scope="module")
def linear():
    return load_pretrained("emotions-linear")


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_shipped_model_has_its_file_card_and_facts(shipped):
    assert list(shipped) == ["emotions-linear", "emotions-cnn"]
    for model in shipped.values():
        facts = model.facts
        assert facts["file"]["sha256"] == _sha256(model.path)
        assert facts["file"]["size_bytes"] == model.path.stat().st_size
        card = model.card.read_text()
        assert facts["data"]["sha256"] in card and facts["command"] in card
        assert f"{facts['scores']['accuracy']:.4f}" in card
        assert list(facts["recall"]) == list(EMOTIONS)
        assert "Training" in card and "not for decisions" in card.lower()


def test_all_package_data_stays_small(shipped):
    folder = next(iter(shipped.values())).path.parent
    assert sum(path.stat().st_size for path in folder.iterdir()) < 4 << 20


def test_shipped_files_load_through_the_safe_loader(shipped):
    import skops.io

    X = make_faces(5, random_state=1, return_X_y=True)[0]
    for model in shipped.values():
        # Beyond skops' trusted types, the files name only sklearn-fer's own
        # estimators, which load_model trusts without the user's opt-in.
        untrusted = skops.io.get_untrusted_types(file=model.path)
        assert untrusted and all(name.startswith("sklearn_fer.") for name in untrusted)
        loaded = load_model(model.path, trust=False)
        proba = loaded.predict_proba(X)
        assert proba.shape == (5, 7)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


_WITHOUT_TORCH = """
import importlib.abc, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "skorch", "onnxruntime"):
            raise ImportError(f"{name} is blocked")

sys.meta_path.insert(0, Blocked())
from sklearn_fer.datasets import make_faces
from sklearn_fer.pretrained import load_pretrained

model = load_pretrained()
X = make_faces(4, random_state=0, return_X_y=True)[0]
print(type(model).__name__, model.target_names_[model.predict(X)].tolist())
"""


def test_the_default_model_is_the_network_and_needs_no_torch(shipped):
    from sklearn_fer.neural_network import ConvNetInference
    from sklearn_fer.pretrained._registry import DEFAULT_MODEL

    assert DEFAULT_MODEL == "emotions-cnn"
    network = load_pretrained()
    assert isinstance(network, ConvNetInference)
    assert network.hidden_weights_.dtype == np.float16  # half the file
    assert network.target_names_.tolist() == list(EMOTIONS)
    facts = shipped["emotions-cnn"].facts
    # The conversion to NumPy and float16 kept the fitted network's answers.
    assert facts["fitted"]["same_predictions"] > 0.99
    assert (
        facts["scores"]["accuracy"]
        > shipped["emotions-linear"].facts["scores"]["accuracy"]
    )
    ran = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TORCH],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    kind, emotions = ran.stdout.split(" ", 1)
    assert kind == "ConvNetInference" and set(eval(emotions)) <= set(EMOTIONS)


def test_the_model_follows_the_label_convention(linear):
    assert linear.classes_.tolist() == list(range(len(EMOTIONS)))
    assert linear.target_names_.tolist() == list(EMOTIONS)
    assert linear[-1].verbose == 0


def test_in_a_pipeline_from_pixel_strings(linear):
    faces = make_faces(6, random_state=2, return_X_y=True)[0]
    strings = np.array([" ".join(map(str, row)) for row in faces], dtype=object)
    model = make_pipeline(FER2013Transformer(), linear)
    np.testing.assert_allclose(
        model.predict_proba(strings[:, None]), linear.predict_proba(faces), atol=1e-6
    )


def test_the_last_step_fine_tunes_with_partial_fit(linear):
    X, y = make_faces(40, random_state=3, return_X_y=True)
    before = linear[-1].coef_.copy()
    tuned = copy.deepcopy(linear)
    tuned[-1].partial_fit(tuned[:-1].transform(X), y)
    assert tuned.classes_.tolist() == list(range(7))
    assert not np.array_equal(tuned[-1].coef_, before)
    np.testing.assert_array_equal(linear[-1].coef_, before)  # the shipped one kept


def test_unknown_and_missing_models_are_named(monkeypatch, tmp_path):
    with pytest.raises(
        ValueError, match="No pretrained model 'resnet'.*'emotions-linear'"
    ):
        load_pretrained("resnet")
    monkeypatch.setattr(
        "sklearn_fer.pretrained._registry._models_folder", lambda: tmp_path
    )
    with pytest.raises(FileNotFoundError, match="missing from this installation"):
        load_pretrained("emotions-linear")


def _tiny_recipe(random_state):
    return make_pipeline(
        PatchKMeansEncoder(n_components=8, random_state=random_state),
        StandardScaler(),
        SGDSoftmaxRegression(max_iter=2, random_state=random_state, verbose=1),
    )


def _tiny_data(tmp_path):
    """A FER2013 file of 50 Training and 20 PublicTest synthetic faces."""
    faces, target = make_faces(70, random_state=4, return_X_y=True)
    usage = np.where(np.arange(70) < 50, "Training", "PublicTest")
    lines = ["emotion,pixels,Usage"] + [
        f"{code},{' '.join(map(str, row))},{split}"
        for code, row, split in zip(target, faces, usage, strict=True)
    ]
    data = tmp_path / "fer2013.csv"
    data.write_text("\n".join(lines) + "\n")
    return data


def test_build_writes_model_facts_and_card(tmp_path, monkeypatch, capsys):
    shipped_as = build.RECIPES["emotions-linear"]._replace(make=_tiny_recipe)
    monkeypatch.setitem(build.RECIPES, "emotions-linear", shipped_as)
    data = _tiny_data(tmp_path)
    out = tmp_path / "models"
    assert (
        build.main(
            ["--data", str(data), "--out", str(out), "--model", "emotions-linear"]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "emotions-linear-reliability.png",
        "emotions-linear.json",
        "emotions-linear.md",
        "emotions-linear.skops",
    ]
    facts = json.loads((out / "emotions-linear.json").read_text())
    assert facts["n_train"] == 50 and facts["scores"]["n_faces"] == 20
    assert facts["data"]["sha256"] == _sha256(data)
    assert facts["file"]["sha256"] == _sha256(out / "emotions-linear.skops")
    model = load_model(out / "emotions-linear.skops")
    test = load_fer2013(data, usage="PublicTest")
    assert model.score(test.data, test.target) == pytest.approx(
        facts["scores"]["accuracy"]
    )
    assert model[-1].verbose == 0 and model.target_names_.tolist() == list(EMOTIONS)
    # Inference state only: no momentum; partial_fit starts it afresh.
    assert model[-1]._optimizer.velocities is None
    assert facts["fitted"]["same_predictions"] == 1.0
    assert facts["fitted"]["max_probability_difference"] == 0.0
    assert (
        "without the optimizer's momentum" in (out / "emotions-linear.md").read_text()
    )
    t = model[-1].t_
    model[-1].partial_fit(model[:-1].transform(test.data), test.target)
    assert model[-1].t_ > t and model[-1]._optimizer.velocities is not None
    assert "PublicTest accuracy" in capsys.readouterr().out
    assert sum(facts["reliability"]["share"]) == pytest.approx(1.0)
    # The cards are rewritten from the facts alone.
    (out / "emotions-linear.md").unlink()
    assert build.main(["--cards", "--out", str(out), "--model", "emotions-linear"]) == 0
    assert facts["file"]["sha256"] in (out / "emotions-linear.md").read_text()


def _tiny_network(random_state):
    from sklearn_fer.neural_network import ConvNetClassifier

    return ConvNetClassifier(
        channels=(2, 4), hidden_units=8, max_epochs=1, random_state=random_state
    )


def test_the_network_ships_as_numpy_and_is_shipped_again_from_its_fit(
    tmp_path, monkeypatch, capsys
):
    pytest.importorskip("torch")
    from sklearn_fer.neural_network import ConvNetClassifier, ConvNetInference

    recipe = build.RECIPES["emotions-cnn"]._replace(make=_tiny_network)
    monkeypatch.setitem(build.RECIPES, "emotions-cnn", recipe)
    data, out, kept = _tiny_data(tmp_path), tmp_path / "models", tmp_path / "fits"
    arguments = ["--data", str(data), "--out", str(out), "--model", "emotions-cnn"]
    assert build.main([*arguments, "--keep-fitted", str(kept)]) == 0
    shipped = load_model(out / "emotions-cnn.skops")
    fitted = load_model(kept / "emotions-cnn-fitted.skops")
    assert isinstance(shipped, ConvNetInference) and isinstance(
        fitted, ConvNetClassifier
    )
    assert shipped.hidden_weights_.dtype == np.float16
    assert (
        shipped.target_names_.tolist()
        == list(EMOTIONS)
        == (fitted.target_names_.tolist())
    )
    facts = json.loads((out / "emotions-cnn.json").read_text())
    test = load_fer2013(data, usage="PublicTest")
    assert facts["fitted"]["accuracy"] == fitted.score(test.data, test.target)
    assert facts["fitted"]["same_predictions"] == np.mean(
        shipped.predict(test.data) == fitted.predict(test.data)
    )
    assert 0 < facts["fitted"]["max_probability_difference"] < 1e-2
    assert "batch norm folded in" in (out / "emotions-cnn.md").read_text()
    # Shipped again from the kept fit: the same file, without training.
    again = tmp_path / "again"
    fitted_file = str(kept / "emotions-cnn-fitted.skops")
    assert (
        build.main(
            [
                *arguments[:2],
                "--out",
                str(again),
                "--model",
                "emotions-cnn",
                "--fitted",
                fitted_file,
            ]
        )
        == 0
    )
    # The same network (the zip's timestamps may differ, not its arrays).
    reshipped = load_model(again / "emotions-cnn.skops")
    for name in NETWORK_ATTRIBUTES:
        ours, theirs = getattr(reshipped, name), getattr(shipped, name)
        if not isinstance(ours, list):  # the convolutions' are one per layer
            ours, theirs = [ours], [theirs]
        for layer, (mine, original) in enumerate(zip(ours, theirs, strict=True)):
            np.testing.assert_array_equal(mine, original, err_msg=f"{name}[{layer}]")
    again_facts = json.loads((again / "emotions-cnn.json").read_text())
    assert again_facts["scores"]["accuracy"] == facts["scores"]["accuracy"]
    # The kept fit's record says which data it was fit on: checked.
    assert again_facts["fit_data_checked"] is True
    assert "not checked" not in (again / "emotions-cnn.md").read_text()
    reship = [*arguments[:2], "--model", "emotions-cnn", "--fitted", fitted_file]
    # A fit made on other data is refused, nothing written ...
    record_file = kept / "emotions-cnn-fitted.json"
    record = json.loads(record_file.read_text())
    record_file.write_text(json.dumps({**record, "data": {"sha256": "0" * 64}}))
    capsys.readouterr()
    assert build.main([*reship, "--out", str(tmp_path / "other-data")]) == 1
    assert "was fit on a file with SHA-256 000" in capsys.readouterr().err
    assert not any((tmp_path / "other-data").iterdir())
    # ... and a fit without its record is shipped, its card saying so.
    record_file.unlink()
    assert build.main([*reship, "--out", str(tmp_path / "unrecorded")]) == 0
    unrecorded = json.loads((tmp_path / "unrecorded" / "emotions-cnn.json").read_text())
    assert unrecorded["fit_data_checked"] is False
    card = (tmp_path / "unrecorded" / "emotions-cnn.md").read_text()
    assert "that it was fit on this file is not checked" in card
    assert "fitting" not in capsys.readouterr().out.split("read the fitted")[-1]
    # A fit of another recipe is refused by name, nothing written.
    other = _tiny_network(0).set_params(hidden_units=9, verbose=0)
    other.fit(test.data, test.target)
    from sklearn_fer.utils import save_model

    save_model(other, tmp_path / "other.skops")
    refused = tmp_path / "refused"
    assert (
        build.main(
            [
                *arguments[:2],
                "--out",
                str(refused),
                "--model",
                "emotions-cnn",
                "--fitted",
                str(tmp_path / "other.skops"),
            ]
        )
        == 1
    )
    assert "not the recipe of emotions-cnn" in capsys.readouterr().err
    assert list(refused.iterdir()) == []


@pytest.mark.skipif(
    REAL_DATA is None,
    reason="SKLEARN_FER_DATA is not set: no path to the real fer2013.csv.gz",
)
def test_each_model_scores_on_publictest_what_its_card_says(shipped):
    test = load_fer2013(REAL_DATA, usage="PublicTest")
    for model in shipped.values():
        assert model.facts["data"]["sha256"] == _sha256_file(REAL_DATA)
        accuracy = load_pretrained(model.name).score(test.data, test.target)
        assert accuracy == pytest.approx(model.facts["scores"]["accuracy"], abs=0.005)


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_the_wheel_holds_the_models_and_installs_offline(tmp_path, shipped):
    root = pretrained.__file__.rsplit("/sklearn_fer/", 1)[0]
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "wheels"),
            root,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheels").glob("sklearn_fer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for model in shipped.values():
        for path in (model.path, model.card):
            assert f"sklearn_fer/pretrained/models/{path.name}" in names
    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    code = (
        "import sklearn_fer.pretrained as p; m = p.load_pretrained(); "
        "print(p.__file__); print(m.classes_.tolist())"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    ran = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(target)!r}); {code}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    where, classes = ran.stdout.splitlines()
    assert where.startswith(str(target)) and classes == str(list(range(7)))


@pytest.mark.parametrize("content", [None, "not,a,fer2013\nfile\n"])
def test_build_names_a_missing_or_malformed_data_file(tmp_path, capsys, content):
    data = tmp_path / "fer2013.csv"
    if content is not None:
        data.write_text(content)
    out = tmp_path / "models"
    assert build.main(["--data", str(data), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(data) in err and "Traceback" not in err
    assert not any(out.iterdir())  # nothing written


@pytest.mark.parametrize("option", ["--out", "--keep-fitted"])
def test_build_never_writes_over_its_data_file(tmp_path, capsys, option):
    data = tmp_path / "fer2013.csv"
    data.write_text("emotion,pixels,Usage\n")
    before = data.read_bytes()
    # Never the package's own models folder, should the refusal fail.
    out = [] if option == "--out" else ["--out", str(tmp_path / "models")]
    assert build.main(["--data", str(data), *out, option, str(data)]) == 1
    assert f"{option} {data} is a file, not a folder" in capsys.readouterr().err
    assert data.read_bytes() == before


def test_build_writes_all_its_files_or_none(tmp_path, monkeypatch, capsys):
    recipe = build.RECIPES["emotions-linear"]._replace(make=_tiny_recipe)
    monkeypatch.setitem(build.RECIPES, "emotions-linear", recipe)
    data, out = _tiny_data(tmp_path), tmp_path / "models"
    arguments = ["--data", str(data), "--out", str(out), "--model", "emotions-linear"]
    assert build.main(arguments) == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    # A folder where the card goes: refused before any file is replaced,
    # so the new model never sits beside the old facts and card.
    (out / "emotions-linear.md").unlink()
    (out / "emotions-linear.md").mkdir()
    assert build.main([*arguments, "--random-state", "1"]) == 1
    err = capsys.readouterr().err
    assert "emotions-linear.md is a folder" in err and "nothing was written" in err
    for name, payload in before.items():
        if name != "emotions-linear.md":
            assert (out / name).read_bytes() == payload, name
    assert not [path for path in out.iterdir() if path.name.startswith(".")]


@pytest.mark.parametrize(
    "content, says",
    [
        (None, "No such file"),
        ("{not json", "is not the JSON of a model's facts"),
        ("[1, 2]", "not an object"),
        ('{"name": "emotions-linear"}', "emotions-linear.json lacks the fact"),
    ],
)
def test_build_cards_names_a_missing_or_damaged_facts_file(
    tmp_path, capsys, content, says
):
    if content is not None:
        (tmp_path / "emotions-linear.json").write_text(content)
    cards = ["--cards", "--out", str(tmp_path), "--model", "emotions-linear"]
    assert build.main(cards) == 1
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "emotions-linear.md").exists()


def test_a_damaged_facts_file_is_named_and_does_not_stop_loading(
    monkeypatch, tmp_path, shipped
):
    from sklearn_fer.pretrained import _registry

    for model in shipped.values():
        (tmp_path / model.path.name).write_bytes(model.path.read_bytes())
        (tmp_path / f"{model.name}.json").write_text("{broken")
    monkeypatch.setattr(_registry, "_models_folder", lambda: tmp_path)
    with pytest.raises(ValueError, match=r"emotions-linear\.json is not the JSON"):
        list_pretrained()
    # Predicting needs the model file only, not its card's facts.
    assert load_pretrained().predict_proba(make_faces(2, return_X_y=True)[0]).shape == (
        2,
        7,
    )
