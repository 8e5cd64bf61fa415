"""Each command of the command line on tiny synthetic FER2013 files."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sklearn_fer._cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from sklearn_fer.datasets import EMOTIONS, make_faces
from sklearn_fer.utils import load_model


def test_demo_prints_the_tables(capsys, monkeypatch):
    from sklearn_fer._cli import _progress

    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)
    assert main(["demo", "--n-faces", "300"]) == EXIT_OK
    printed, err = capsys.readouterr()
    # On a terminal, a line on standard error before each model is fitted.
    fitting = [line for line in err.splitlines() if ": fitting " in line]
    assert len(fitting) == 5
    assert fitting[0] == (
        "sklearn-fer demo: Happy vs not happy: fitting SGDLogisticRegression ..."
    )
    assert "Happy vs not happy: test-set scores" in printed
    assert "SGDSoftmaxRegression" in printed and "LogisticRegression" in printed
    # Fits an 88-column terminal (the tables were 123 columns wide).
    assert max(len(line) for line in printed.splitlines()) <= 88


def test_train_writes_model_and_report(softmax_file, fer_file, capsys):
    model = load_model(softmax_file)
    # The codes of load_fer2013, named for display (they were the names).
    assert list(model.classes_) == list(range(7))
    assert list(model.target_names_) == list(EMOTIONS)
    assert model[-1].max_iter == 3 and model[-1].tol is None
    assert model[-1].verbose == 0  # trained with 1; saved as a user makes it
    report = softmax_file.with_name("softmax-report")
    metrics = json.loads((report / "metrics.json").read_text())
    assert len(metrics["loss_curve"]) == 3
    assert len(metrics["validation_loss_curve"]) == 3  # PublicTest per epoch
    assert metrics["scored_on"] == "PublicTest"
    assert 0 <= metrics["scores"]["accuracy"] <= 1
    assert (report / "loss_curve.png").stat().st_size > 0
    assert (report / "confusion_matrix.png").stat().st_size > 0
    # No staging file or folder left behind.
    assert sorted(p.name for p in softmax_file.parent.iterdir()) == [
        "softmax-report",
        "softmax.skops",
    ]


def test_skops_round_trip_predicts_identically(softmax_file, fer_file, tmp_path):
    from sklearn_fer.datasets import load_fer2013

    faces = load_fer2013(fer_file, usage="PublicTest")
    original = load_model(softmax_file)
    out = tmp_path / "again.skops"
    from sklearn_fer.utils import save_model

    save_model(original, out)
    reloaded = load_model(out)
    np.testing.assert_array_equal(
        reloaded.predict_proba(faces.data), original.predict_proba(faces.data)
    )


def test_evaluate_scores_a_split(softmax_file, fer_file, capsys, tmp_path):
    code = main(
        [
            "evaluate",
            "--model",
            str(softmax_file),
            "--data",
            str(fer_file),
            "--report",
            str(tmp_path / "report"),
        ]
    )
    assert code == EXIT_OK
    printed = capsys.readouterr().out
    assert "PublicTest scores" in printed and "balanced accuracy" in printed
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    trained = json.loads(
        (softmax_file.with_name("softmax-report") / "metrics.json").read_text()
    )
    assert metrics["scored_on"] == "PublicTest"
    assert metrics["scores"] == pytest.approx(trained["scores"])


def test_predict_csv_rows_and_images(softmax_file, fer_file, tmp_path, capsys):
    from PIL import Image

    faces = make_faces(2, random_state=1)
    image = tmp_path / "face.png"
    # A 96 x 96 RGB image: converted to 48 x 48 grey levels.
    big = np.repeat(np.repeat(faces.images[0], 2, axis=0), 2, axis=1)
    Image.fromarray(np.dstack([big] * 3)).save(image)
    rows = tmp_path / "test.csv"
    rows.write_text(
        "pixels\n" + "\n".join(" ".join(map(str, r)) for r in faces.data) + "\n"
    )
    out = tmp_path / "predictions.csv"
    code = main(
        [
            "predict",
            "--model",
            str(softmax_file),
            str(rows),
            str(image),
            "--no-detect-faces",  # the photo's centred square
            "--output",
            str(out),
        ]
    )
    assert code == EXIT_OK
    lines = out.read_text().splitlines()
    # How each face was taken.
    assert lines[0].startswith("input,face,prediction,p(")
    assert [line.split(",")[1] for line in lines[1:]] == ["row", "row", "centre"]
    # Named as given on the command line (changed from the bare file name).
    assert [line.split(",")[0] for line in lines[1:]] == [
        f"{rows}:1",
        f"{rows}:2",
        str(image),
    ]
    model = load_model(softmax_file)
    expected = [EMOTIONS[code] for code in model.predict(faces.data)]
    assert [line.split(",")[2] for line in lines[1:3]] == expected
    probabilities = np.array([line.split(",")[3:] for line in lines[1:]], float)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-3)


def test_logistic_happy_and_sweep(fer_file, tmp_path, capsys):
    out = tmp_path / "happy.skops"
    assert (
        main(
            [
                "train",
                "--data",
                str(fer_file),
                "--model",
                "logistic",
                "--out",
                str(out),
                "--report",
                str(tmp_path / "r"),
            ]
        )
        == EXIT_OK
    )
    happy = load_model(out)
    assert list(happy.classes_) == [0, 1]
    assert list(happy.target_names_) == ["not happy", "happy"]
    assert (
        "roc_auc" in json.loads((tmp_path / "r" / "metrics.json").read_text())["scores"]
    )
    code = main(
        [
            "sweep",
            "--data",
            str(fer_file),
            "--eta0",
            "1e-3,1e-2",
            "--batch-size",
            "16,64",
            "--cv",
            "2",
            "--out",
            str(tmp_path / "sweep"),
            "--param",
            "max_iter=2",
        ]
    )
    assert code == EXIT_OK
    study = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert study["eta0"]["values"] == [1e-3, 1e-2]
    assert len(study["batch_size"]["mean_accuracy"]) == 2
    assert (tmp_path / "sweep" / "sweep.png").stat().st_size > 0


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (
            ["train", "--model", "softmax", "--out", "m.skops", "--param", "eta=1"],
            EXIT_USAGE,
            "valid names: alpha, batch_size",
        ),
        (
            [
                "train",
                "--model",
                "softmax",
                "--out",
                "m.skops",
                "--param",
                "learning_rate=fast",
            ],
            EXIT_USAGE,
            "'adaptive'",
        ),
        (
            ["train", "--model", "softmax", "--out", "m.skops", "--param", "eta0"],
            EXIT_USAGE,
            "write name=value",
        ),
        (
            ["train", "--model", "logistic", "--target", "emotion", "--out", "m.skops"],
            EXIT_USAGE,
            "binary",
        ),
        (
            ["train", "--model", "softmax", "--target", "happy,joy", "--out", "m"],
            EXIT_USAGE,
            "comma-separated",
        ),
        (["train", "--model", "svm", "--out", "m"], EXIT_USAGE, "invalid choice"),
        (
            ["train", "--model", "softmax", "--out", "m", "--data", "missing.csv"],
            EXIT_FAILURE,
            "No FER2013 file",
        ),
        (
            ["evaluate", "--model", "missing.skops", "--data", "x.csv"],
            EXIT_FAILURE,
            "No model file",
        ),
        (["sweep", "--eta0", "fast"], EXIT_USAGE, "comma-separated list"),
        (["frobnicate"], EXIT_USAGE, "invalid choice"),
    ],
)
def test_errors_and_exit_codes(argv, code, message, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("SKLEARN_FER_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    if argv[0] == "train" and "--data" not in argv:
        argv = [*argv, "--data", "unused.csv"]
    assert main(argv) == code
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir()), "an error left a file behind"


def test_unknown_layout_is_a_failure(tmp_path, capsys):
    bad = tmp_path / "faces.csv"
    bad.write_text("label,image\n1,2\n")
    code = main(["train", "--model", "softmax", "--data", str(bad), "--out", "m"])
    assert code == EXIT_FAILURE
    assert "faces.csv" in capsys.readouterr().err


def test_pickle_files_need_explicit_format(softmax_file, tmp_path, capsys):
    from sklearn_fer.utils import save_model

    pickled = save_model(load_model(softmax_file), tmp_path / "m.pkl", format="pickle")
    argv = ["predict", "--model", str(pickled), str(tmp_path / "none.csv")]
    assert main(argv) == EXIT_FAILURE
    assert "arbitrary code" in capsys.readouterr().err
    faces = make_faces(1, random_state=0)
    rows = tmp_path / "test.csv"
    rows.write_text("pixels\n" + " ".join(map(str, faces.data[0])) + "\n")
    assert (
        main(["predict", "--model", str(pickled), "--format", "pickle", str(rows)]) == 0
    )


def test_skops_refuses_foreign_types(tmp_path):
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "foreign.skops"
    # A function from the os module: what an attacker would smuggle in.
    skops.io.dump(FunctionTransformer(os.getcwd), path)
    with pytest.raises(ValueError, match="holds types that are neither.*getcwd"):
        load_model(path)
    assert load_model(path, trust=True).func is os.getcwd


def test_help_everywhere_and_module_entry_point():
    for command in ["demo", "train", "evaluate", "predict", "sweep"]:
        assert main([command, "--help"]) == EXIT_OK
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_fer", "train", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Examples:" in result.stdout


@pytest.mark.parametrize("name", ["face.pgm", "face.webp", "face"])
def test_predict_recognises_images_by_content(softmax_file, tmp_path, capsys, name):
    # Bug: the command line's own suffix list lacked .pgm (and .webp), so such
    # a face was read as a CSV file: "not a FER2013 CSV", exit 1.
    Image = pytest.importorskip("PIL.Image")
    face = make_faces(1, random_state=2).images[0]
    Image.fromarray(face).save(tmp_path / name, format=None if "." in name else "PNG")
    assert main(["predict", "--model", str(softmax_file), str(tmp_path / name)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [str(tmp_path / name)]
    expected = load_model(softmax_file).predict(face.reshape(1, -1))
    assert lines[1].split(",")[2] == EMOTIONS[expected[0]]


@pytest.mark.parametrize(
    "text, model, expected",
    [
        (None, "logistic", "happy"),
        (None, "softmax", "emotion"),
        ("HAPPY", "logistic", "happy"),
        ("Emotion", "softmax", "emotion"),
        ("Happy, SAD,neutral", "softmax", ["happy", "sad", "neutral"]),
        ("happy,Sad", "logistic", ["happy", "sad"]),
    ],
)
def test_target_accepts_what_emotion_codes_accepts(text, model, expected):
    from sklearn_fer._cli._options import parse_target

    assert parse_target(text, model) == expected


@pytest.mark.parametrize(
    "text, model, message",
    [
        ("happy,joy", "softmax", "Unknown emotion 'joy'"),
        ("happy,happy", "softmax", "repeated"),
        ("sad", "softmax", "at least 2"),
        ("emotion", "logistic", "binary"),
        ("happy,sad,fear", "logistic", "binary"),
    ],
)
def test_bad_targets_are_usage_errors(text, model, message):
    from sklearn_fer._cli import UsageError
    from sklearn_fer._cli._options import parse_target

    with pytest.raises(UsageError, match=message):
        parse_target(text, model)


def test_target_help_says_case_insensitive(capsys):
    assert main(["train", "--help"]) == EXIT_OK
    help_text = " ".join(capsys.readouterr().out.split())
    assert "any letter case" in help_text and "angry,disgust" in help_text


def test_linear_models_get_a_scaler_by_capability_not_by_name():
    from sklearn_fer._cli._models import new_estimator, standardizes_its_input

    assert not standardizes_its_input(new_estimator("softmax", 0))
    assert not standardizes_its_input(new_estimator("logistic", 0))
    pytest.importorskip("skorch")
    assert standardizes_its_input(new_estimator("cnn", 0))


def test_version(capsys):
    from sklearn_fer import __version__

    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"sklearn-fer {__version__}"


def test_help_shows_every_default_and_choice(capsys):
    from sklearn_fer._cli._main import _HelpFormatter, build_parser, commands

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands():
        formatter = _HelpFormatter(name)
        for action in subparsers[name]._actions:
            if not action.option_strings or action.required or action.nargs == 0:
                continue  # positional, required, or a flag
            assert "default" in formatter._get_help_string(action), (name, action)
    assert main(["train", "--help"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "--model {logistic,softmax,cnn}" in text
    assert "(default: 0)" in text  # --random-state, although 0 == False
    assert main(["sweep", "--help"]) == EXIT_OK
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "--n-jobs INT parallel fits" in text and "(default: 1, one at a time)" in text
    )
    assert main(["evaluate", "--help"]) == EXIT_OK
    assert "--usage {Training,PublicTest,PrivateTest}" in capsys.readouterr().out


def test_predict_rows_in_argument_order_named_as_given(softmax_file, tmp_path, capsys):
    from PIL import Image

    faces = make_faces(3, random_state=4)
    for folder, face in [("a", faces.images[0]), ("b", faces.images[1])]:
        (tmp_path / folder).mkdir()
        Image.fromarray(face).save(tmp_path / folder / "face.png")
    rows = tmp_path / "rows.csv"
    rows.write_text("pixels\n" + " ".join(map(str, faces.data[2])) + "\n")
    inputs = [tmp_path / "b" / "face.png", rows, tmp_path / "a" / "face.png"]
    assert main(["predict", "--model", str(softmax_file), *map(str, inputs)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.split(",")[0] for line in lines] == [
        str(inputs[0]),
        f"{rows}:1",
        str(inputs[2]),
    ]
    expected = load_model(softmax_file).predict_proba(faces.data[[1, 2, 0]])
    got = np.array([line.split(",")[3:] for line in lines], float)
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_cnn_trains_to_skops_and_evaluates(fer_file, tmp_path, capsys):
    # The CNN needed --format pickle before it had a format that loads without
    # running code; now skops, the default, holds it.
    pytest.importorskip("skorch")
    out = tmp_path / "cnn.skops"
    argv = ["train", "--data", str(fer_file), "--model", "cnn", "--out", str(out)]
    for param in ("max_epochs=1", "channels=(4,)", "hidden_units=8"):
        argv += ["--param", param]
    assert main(argv) == EXIT_OK
    model = load_model(out)
    assert type(model).__name__ == "ConvNetClassifier"
    assert model.verbose == 0  # trained with 1 or 2; saved as a user makes it
    report = tmp_path / "evaluated"
    code = main(
        [
            "evaluate",
            "--model",
            str(out),
            "--data",
            str(fer_file),
            "--report",
            str(report),
        ]
    )
    assert code == EXIT_OK
    assert "PublicTest scores" in capsys.readouterr().out


@pytest.mark.parametrize(
    "features, step", [("hog", "HOGTransformer"), ("kmeans", "PatchKMeansEncoder")]
)
def test_train_features_are_saved_in_the_pipeline_and_reported(
    features, step, fer_file, tmp_path
):
    out = tmp_path / "model.skops"
    argv = ["train", "--data", str(fer_file), "--model", "softmax", "--out", str(out)]
    assert main([*argv, "--features", features, "--param", "max_iter=2"]) == EXIT_OK
    model = load_model(out)
    assert [name for name, _ in model.steps] == ["features", "scale", "model"]
    assert type(model["features"]).__name__ == step
    trained = json.loads((tmp_path / "model-report" / "metrics.json").read_text())
    assert trained["features"] == features
    report = tmp_path / "evaluated"
    argv = ["evaluate", "--model", str(out), "--data", str(fer_file)]
    assert main([*argv, "--report", str(report)]) == EXIT_OK
    evaluated = json.loads((report / "metrics.json").read_text())
    assert evaluated["features"] == features
    assert evaluated["scores"] == pytest.approx(trained["scores"], rel=1e-3)


def test_features_set_the_linear_models_starting_parameters():
    from sklearn_fer._cli._models import new_estimator

    assert new_estimator("softmax", 0, "kmeans-flip").max_iter == 16
    assert new_estimator("softmax", 0, "kmeans").max_iter == 8
    assert new_estimator("logistic", 0, "kmeans-flip").max_iter == 16
    # The step each feature entry was chosen with; the pixels keep 'auto'.
    for features in ("hog", "kmeans", "kmeans-flip"):
        assert new_estimator("softmax", 0, features).eta0 == 0.01
    assert new_estimator("softmax", 0, "pixels").eta0 == "auto"


def test_train_streams_features_too_many_for_memory(fer_file, tmp_path, monkeypatch):
    from sklearn_fer._cli import _models

    # 300 Training faces x 256 features x 4 bytes: 300 KiB, "too many" here.
    monkeypatch.setattr(_models, "STREAMING_BYTES", 100_000)
    monkeypatch.setattr(_models, "STREAMED_CHUNK_BYTES", 100 * 256 * 4)
    class_name, params, model_params = _models.FEATURES["kmeans-flip"]
    assert model_params == {"max_iter": 16, "eta0": 0.01}  # --param below wins
    monkeypatch.setitem(
        _models.FEATURES,
        "kmeans-flip",
        (class_name, {**params, "n_components": 16}, model_params),
    )
    out = tmp_path / "model.skops"
    argv = ["train", "--data", str(fer_file), "--model", "softmax", "--out", str(out)]
    argv += ["--features", "kmeans-flip", "--param", "max_iter=3"]
    assert main(argv) == EXIT_OK
    model = load_model(out)
    assert [name for name, _ in model.steps] == ["features", "scale", "model"]
    assert model["features"].flip_invariant and model["features"].n_components == 16
    trained = json.loads((tmp_path / "model-report" / "metrics.json").read_text())
    assert "StreamingFeatureClassifier" in trained["model"]
    assert len(trained["loss_curve"]) == len(trained["validation_loss_curve"]) == 3
    assert trained["features"] == "kmeans-flip"
    report = tmp_path / "evaluated"
    argv = ["evaluate", "--model", str(out), "--data", str(fer_file)]
    assert main([*argv, "--report", str(report)]) == EXIT_OK
    evaluated = json.loads((report / "metrics.json").read_text())
    assert evaluated["features"] == "kmeans-flip"
    assert evaluated["scores"] == pytest.approx(trained["scores"], rel=1e-3)


def test_sweep_with_hog_features(fer_file, tmp_path):
    out = tmp_path / "sweep"
    argv = ["sweep", "--data", str(fer_file), "--model", "softmax", "--cv", "2"]
    argv += ["--features", "hog", "--eta0", "1e-3", "--batch-size", "64"]
    assert main([*argv, "--out", str(out)]) == EXIT_OK
    assert (out / "sweep.json").exists()


def test_the_cnn_reads_pixels_only(fer_file, tmp_path, capsys):
    pytest.importorskip("skorch")
    argv = ["train", "--data", str(fer_file), "--model", "cnn", "--features", "hog"]
    assert main([*argv, "--out", str(tmp_path / "cnn.skops")]) == EXIT_USAGE
    assert "--features hog is for the linear models" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
