"""One label convention: the CLI's models learn load_fer2013's codes, print names."""

import csv
import io

import numpy as np
import pytest

from sklearn_fer._cli import EXIT_OK
from sklearn_fer._cli._labels import class_names, fer2013_target, labels_for
from sklearn_fer.datasets import EMOTIONS, load_fer2013
from sklearn_fer.utils import load_model


@pytest.mark.parametrize(
    "model, target, given, names",
    [
        ("softmax", "emotion", None, list(EMOTIONS)),
        ("logistic", "happy", "happy", ["not happy", "happy"]),
        ("softmax", ["happy", "neutral", "sad"], "Happy,neutral,SAD", None),
    ],
)
def test_train_then_score_on_load_fer2013_targets(
    run, fer_file, tmp_path, model, target, given, names
):
    # Bug: a trained model predicted names while load_fer2013 gives codes, so
    # score(b.data, b.target) raised "Mix of label input types".
    out = tmp_path / "model.skops"
    argv = ["train", "--data", fer_file, "--model", model, "--out", out]
    argv += ["--param", "max_iter=3", "--param", "tol=None"]
    if given:
        argv += ["--target", given]
    code, _, _ = run(*argv)
    assert code == EXIT_OK
    faces = load_fer2013(fer_file, usage="PublicTest", target=target)
    loaded = load_model(out)
    accuracy = loaded.score(faces.data, faces.target)
    assert 0 <= accuracy <= 1
    np.testing.assert_array_equal(loaded.classes_, np.unique(faces.target))
    expected_names = names or list(target)
    assert list(loaded.target_names_) == list(faces.target_names) == expected_names
    assert class_names(loaded) == expected_names
    assert fer2013_target(loaded) == target

    # evaluate scores the same faces as load_fer2013's targets, predict names them.
    code, printed, _ = run("evaluate", "--model", out, "--data", fer_file)
    assert code == EXIT_OK
    scores = dict(line.split(maxsplit=1) for line in printed.splitlines()[2:4])
    assert float(scores["accuracy"]) == pytest.approx(accuracy, abs=5e-5)
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "pixels\n" + "\n".join(" ".join(map(str, r)) for r in faces.data[:5]) + "\n"
    )
    code, printed, _ = run("predict", "--model", out, rows)
    assert code == EXIT_OK
    table = list(csv.DictReader(io.StringIO(printed)))
    predicted = loaded.predict(faces.data[:5])
    assert [row["prediction"] for row in table] == [
        expected_names[code] for code in predicted
    ]
    assert list(table[0])[-len(expected_names) :] == [
        f"p({name})" for name in expected_names
    ]


class _Model:
    def __init__(self, classes, names=None):
        self.classes_ = np.asarray(classes)
        if names is not None:
            self.target_names_ = np.asarray(names)


def test_models_of_the_earlier_version_still_evaluate():
    # They learned the names: the target comes from them, labels stay names.
    happy = _Model(["happy", "not happy"])
    assert fer2013_target(happy) == "happy"
    assert class_names(happy) == ["happy", "not happy"]
    emotions = _Model(sorted(EMOTIONS))
    assert fer2013_target(emotions) == "emotion"
    bunch = type("B", (), {"target": np.array([1, 0]), "target_names": ["x", "y"]})
    assert list(labels_for(happy, bunch)) == ["y", "x"]
    assert list(labels_for(_Model([0, 1], ["x", "y"]), bunch)) == [1, 0]


def test_codes_without_names():
    # The seven codes name themselves; two codes could be any two emotions.
    assert fer2013_target(_Model(range(7))) == "emotion"
    assert class_names(_Model(range(7))) == list(EMOTIONS)
    with pytest.raises(ValueError, match="do not say which FER2013 emotions"):
        fer2013_target(_Model([0, 1]))
    subset = _Model([0, 1, 2], ["sad", "happy", "neutral"])
    assert fer2013_target(subset) == ["sad", "happy", "neutral"]
    assert class_names(subset) == ["sad", "happy", "neutral"]
    with pytest.raises(ValueError, match="not FER2013 emotions"):
        fer2013_target(_Model([0, 1], ["cat", "dog"]))
