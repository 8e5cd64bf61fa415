"""Bad input never gives a traceback: one line on stderr, exit 1 (2 for usage).

Each case is a real damaged or unsuitable file in tmp_path, or a bad value on
the command line; the message must name the file (or option) at fault.
"""

import gzip
import os
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

from sklearn_fer._cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from sklearn_fer.datasets import make_faces

from .conftest import error_lines


def _png_header_only(path, width, height):
    """A PNG that claims width x height pixels and holds no pixel data."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    )
    return path


def _fails(run, *argv, names, code=EXIT_FAILURE):
    result, out, err = run(*argv)
    assert result == code, (out, err)
    (line,) = error_lines(err)
    assert line.startswith(f"sklearn-fer {argv[0]}: error: ")
    assert str(names) in line
    return line


# -- data files (--data) ------------------------------------------------------------


def _damaged_data(kind, fer_file, tmp_path):
    text = fer_file.read_bytes()
    if kind == "truncated zip":
        whole = tmp_path / "whole.zip"
        with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("fer2013.csv", text)
        path = tmp_path / "fer2013.zip"
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    elif kind == "truncated gzip":
        path = tmp_path / "fer2013.csv.gz"
        path.write_bytes(gzip.compress(text)[:5000])
    elif kind == "not gzip":
        path = tmp_path / "fer2013.csv.gz"
        path.write_bytes(b"\x1f\x8bnot really gzip")
    elif kind == "header only":
        path = tmp_path / "fer2013.csv"
        path.write_text("emotion,pixels,Usage\n")
    elif kind == "empty file":
        path = tmp_path / "fer2013.csv"
        path.write_bytes(b"")
    elif kind == "binary junk":
        path = tmp_path / "fer2013.csv"
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "no Training rows":
        path = tmp_path / "fer2013.csv"
        path.write_text(text.decode().replace(",Training", ",PrivateTest"))
    elif kind == "image folder without images":
        path = tmp_path / "release"
        (path / "train" / "happy").mkdir(parents=True)
        (path / "train" / "happy" / "README.txt").write_text("no faces here")
    return path


@pytest.mark.parametrize(
    "kind, says",
    [
        ("truncated zip", "as a zip archive"),
        ("truncated gzip", "Cannot read"),
        ("not gzip", "Cannot read"),
        ("header only", "holds no faces"),
        ("empty file", "is empty"),
        ("binary junk", "not a FER2013 CSV"),
        ("no Training rows", "No Training faces"),
        ("image folder without images", "holds no face images"),
    ],
)
def test_damaged_data_file(run, fer_file, tmp_path, kind, says):
    # Bugs: a truncated .zip gave a BadZipFile traceback; a header-only CSV an
    # AttributeError (then 'Found array with 0 sample(s)').
    path = _damaged_data(kind, fer_file, tmp_path)
    line = _fails(
        run,
        "train",
        "--data",
        path,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
        names=path.name,
    )
    assert says in line
    assert not (tmp_path / "m.skops").exists()


def test_evaluate_on_a_split_the_file_lacks(run, softmax_file, fer_file):
    _fails(
        run,
        "evaluate",
        "--model",
        softmax_file,
        "--data",
        fer_file,
        "--usage",
        "PrivateTest",
        names="has no faces with usage=['PrivateTest']",
    )


# -- images ----------------------------------------------------------------------------


def _image(kind, tmp_path):
    from PIL import Image

    face = make_faces(1, random_state=0).images[0]
    if kind == "truncated jpeg":
        whole = tmp_path / "whole.jpg"
        Image.fromarray(np.dstack([face] * 3)).save(whole, quality=95)
        path = tmp_path / "face.jpg"
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    elif kind == "junk with a jpeg suffix":
        path = tmp_path / "face.jpg"
        path.write_bytes(b"\xff\xd8\xff" + bytes(200))
    elif kind == "decompression bomb":
        path = _png_header_only(tmp_path / "face.png", 100_000, 100_000)
    elif kind == "float tiff":
        path = tmp_path / "face.tif"
        Image.fromarray(face.astype(np.float32) / 255).save(path)
    elif kind == "empty png":
        path = tmp_path / "face.png"
        path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    "kind, says",
    [
        ("truncated jpeg", "cannot decode"),
        ("junk with a jpeg suffix", "not an image file"),
        ("decompression bomb", "decompression bomb"),
        ("float tiff", "32-bit floating-point"),
        ("empty png", "not an image file"),
    ],
)
def test_bad_image(run, softmax_file, tmp_path, kind, says):
    pytest.importorskip("PIL")
    path = _image(kind, tmp_path)
    line = _fails(run, "predict", "--model", softmax_file, path, names=path)
    assert says in line


def test_image_over_the_pixel_limit_refused_from_its_header(
    run, softmax_file, tmp_path, monkeypatch
):
    Image = pytest.importorskip("PIL.Image")
    # Between Pillow's warning and its error: Pillow would decode it.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 60 * 60)
    path = _png_header_only(tmp_path / "big.png", 64, 64)
    line = _fails(run, "predict", "--model", softmax_file, path, names=path)
    assert "64x64 pixels" in line and "not decoded" in line


@pytest.mark.parametrize("mode", ["I;16", "RGB", "P", "LA"])
def test_16_bit_and_colour_images_predicted_as_their_grey_levels(
    run, softmax_file, tmp_path, mode
):
    from PIL import Image

    from sklearn_fer.utils import load_model

    face = make_faces(1, random_state=3).images[0]
    if mode == "I;16":
        image = Image.fromarray(face.astype(np.uint16) * 257)  # 0-255 -> 0-65535
    else:
        image = Image.fromarray(face).convert(mode)
    image.save(tmp_path / "face.png")
    code, out, _ = run("predict", "--model", softmax_file, tmp_path / "face.png")
    assert code == EXIT_OK
    probabilities = np.array(out.splitlines()[1].split(",")[3:], float)
    expected = load_model(softmax_file).predict_proba(face.reshape(1, -1))[0]
    np.testing.assert_allclose(probabilities, expected, atol=1e-4)


def test_predict_names_the_bad_csv(run, softmax_file, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("pixels\n" + " ".join(["9"] * 2304) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("pixels\n")
    _fails(run, "predict", "--model", softmax_file, good, bad, names="bad.csv")


# -- model files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, extra",
    [
        (b"not a zip", []),
        (b"PK\x03\x04 truncated", []),
        (b"\x80\x05garbage", ["--format", "pickle"]),
        (b"", ["--format", "pickle"]),
    ],
)
def test_damaged_model_file(run, tmp_path, content, extra):
    model = tmp_path / ("m.skops" if not extra else "m.pkl")
    model.write_bytes(content)
    csv = tmp_path / "faces.csv"
    csv.write_text("pixels\n" + " ".join(["9"] * 2304) + "\n")
    _fails(run, "predict", "--model", model, *extra, csv, names="")


def test_model_file_is_a_folder(run, tmp_path):
    _fails(run, "predict", "--model", tmp_path, tmp_path / "x.csv", names=tmp_path)


# -- values on the command line --------------------------------------------------------


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--eta0", "-1"], "--eta0 -1: The 'eta0' parameter"),
        (["--batch-size", "0"], "--batch-size 0: The 'batch_size' parameter"),
        (["--batch-size", "2.5"], "comma-separated list of numbers"),
        (["--eta0", "fast"], "comma-separated list of numbers"),
        (["--cv", "1"], "argument --cv: 1 is less than 2"),
        (["--n-jobs", "0"], "argument --n-jobs: 0 jobs"),
        (["--n-faces", "0"], "argument --n-faces: 0 is less than 1"),
        (["--target", "happy,joy"], "Unknown emotion 'joy'"),
        (["--model", "logistic", "--target", "emotion"], "binary"),
        (["--param", "max_iter=-3"], "'max_iter' parameter"),
    ],
)
def test_sweep_bad_values_are_usage_errors(run, tmp_path, argv, says):
    # Bugs: --batch-size 0 printed nan and wrote invalid JSON (NaN); an invalid
    # value put GridSearchCV's traceback inside the message.
    code, _, err = run("sweep", "--out", tmp_path / "sweep", *argv)
    assert code == EXIT_USAGE
    assert says in err
    assert not (tmp_path / "sweep").exists()


def test_sweep_writes_valid_json_when_a_value_diverges(run, tmp_path, monkeypatch):
    import json

    monkeypatch.delenv("SKLEARN_FER_DATA", raising=False)
    code, out, _ = run(
        "sweep",
        "--n-faces",
        "140",
        "--cv",
        "2",
        "--eta0",
        "0.01,1e9",
        "--batch-size",
        "16",
        "--param",
        "batch_size=16",
        "--param",
        "max_iter=5",
        "--out",
        tmp_path / "s",
    )
    assert code == EXIT_OK
    assert "failed: SGDSoftmaxRegression diverged" in out
    text = (tmp_path / "s" / "sweep.json").read_text()
    study = json.loads(text, parse_constant=lambda name: pytest.fail(name))
    assert study["eta0"]["mean_accuracy"][1] is None
    assert "diverged" in study["eta0"]["error"][1]
    assert study["eta0"]["error"][0] is None


def test_sweep_where_every_fit_fails_is_a_failure(run, tmp_path, monkeypatch):
    monkeypatch.delenv("SKLEARN_FER_DATA", raising=False)
    _fails(
        run,
        "sweep",
        "--n-faces",
        "140",
        "--cv",
        "2",
        "--eta0",
        "1e9",
        "--batch-size",
        "16",
        "--param",
        "eta0=1e9",
        "--param",
        "batch_size=16",
        "--param",
        "max_iter=5",
        "--out",
        tmp_path / "s",
        names="every fit of the sweep failed",
    )
    assert not (tmp_path / "s").exists()


# -- the process as a user sees it -----------------------------------------------------


def test_no_traceback_unless_debug(tmp_path):
    bad = tmp_path / "fer2013.zip"
    bad.write_bytes(b"PK\x03\x04" + bytes(50))
    argv = [
        sys.executable,
        "-m",
        "sklearn_fer",
        "train",
        "--data",
        str(bad),
        "--model",
        "softmax",
        "--out",
        str(tmp_path / "m.skops"),
    ]
    env = {**os.environ, "SKLEARN_FER_DEBUG": "0"}
    quiet = subprocess.run(argv, capture_output=True, text=True, env=env)
    assert quiet.returncode == EXIT_FAILURE
    assert quiet.stderr.count("\n") == 1 and "Traceback" not in quiet.stderr
    assert "fer2013.zip" in quiet.stderr
    loud = subprocess.run([*argv, "--debug"], capture_output=True, text=True)
    assert "Traceback" in loud.stderr and "BadZipFile" in loud.stderr
    env["SKLEARN_FER_DEBUG"] = "1"
    loud = subprocess.run(argv, capture_output=True, text=True, env=env)
    assert "Traceback" in loud.stderr


# -- round two: inputs that are not files, one line, exit codes as documented ----------


def _main_without_blocking(argv, unblock, timeout=60):
    """``main(argv)`` in a thread; fails (after ``unblock()``) if it blocks."""
    import threading

    from sklearn_fer._cli import main

    result = {}
    thread = threading.Thread(
        target=lambda: result.update(code=main([str(arg) for arg in argv])),
        daemon=True,
    )
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        unblock()
        thread.join(timeout)
        pytest.fail(f"sklearn-fer {' '.join(map(str, argv))} blocked")
    return result["code"]


def _fifo(path):
    os.mkfifo(path)

    def unblock():  # a writer that closes at once: the reader sees the end
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(descriptor)

    return path, unblock


def _not_a_file(kind, tmp_path, stack):
    if kind in ("named pipe", "named pipe with an image name"):
        name = "face.png" if "image" in kind else "fer2013.csv"
        return _fifo(tmp_path / name)
    if kind == "anonymous pipe":  # --data <(cat fer2013.csv)
        read, write = os.pipe()
        stack.callback(os.close, read)
        stack.callback(os.close, write)
        return f"/dev/fd/{read}", lambda: os.close(write)
    if kind == "device":
        return "/dev/null", lambda: None
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind, says",
    [
        ("named pipe", "is a named pipe, not a regular file"),
        ("anonymous pipe", "is a named pipe, not a regular file"),
        ("device", "is a character device, not a regular file"),
    ],
)
@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_what_is_not_a_regular_file_is_refused_without_blocking(
    capsys, softmax_file, tmp_path, kind, says, command
):
    # Bug: a named pipe as --data or as an image blocked forever; --data
    # <(cat file.csv) failed because sniffing the format consumed its start.
    import contextlib

    with contextlib.ExitStack() as stack:
        path, unblock = _not_a_file(kind, tmp_path, stack)
        argv = {
            "train": ["train", "--model", "softmax", "--out", tmp_path / "m.skops"],
            "evaluate": ["evaluate", "--model", softmax_file],
            "predict": ["predict", "--model", softmax_file, path],
        }[command]
        if command != "predict":
            argv += ["--data", path]
        code = _main_without_blocking(argv, unblock)
    err = capsys.readouterr().err
    assert code == EXIT_FAILURE, err
    (line,) = error_lines(err)
    assert f"{path} {says}" in line
    assert not (tmp_path / "m.skops").exists()


def test_a_named_pipe_in_an_image_folder_is_refused(capsys, tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    folder = tmp_path / "release" / "train" / "happy"
    folder.mkdir(parents=True)
    Image.fromarray(make_faces(1, random_state=0).images[0]).save(folder / "a.png")
    path, unblock = _fifo(folder / "b.png")
    argv = ["train", "--data", tmp_path / "release", "--model", "softmax"]
    code = _main_without_blocking([*argv, "--out", tmp_path / "m.skops"], unblock)
    (line,) = error_lines(capsys.readouterr().err)
    assert code == EXIT_FAILURE
    assert f"{path} is a named pipe" in line


def test_malformed_csv_lines_are_one_line(run, fer_file, tmp_path):
    # Bug: the loader's message listed each malformed line on a line of its own.
    lines = fer_file.read_text().splitlines()
    lines[3] = "1,2,3"
    lines[5] = "x," + lines[5].split(",", 1)[1]
    lines[8] = lines[8].replace(",Training", ",Trainning")
    bad = tmp_path / "fer2013.csv"
    bad.write_text("\n".join(lines) + "\n")
    line = _fails(
        run,
        "train",
        "--data",
        bad,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
        names="fer2013.csv: 3 malformed lines",
    )
    assert "line 4: " in line and "line 6: emotion 'x'" in line
    assert "line 9: Usage 'Trainning'" in line


def test_multi_line_messages_are_printed_as_one(run, tmp_path):
    # Bug: a CNN file whose tensors are a pickle naming a function printed
    # PyTorch's six-line message.
    import pickle

    neural_network = pytest.importorskip("sklearn_fer.neural_network")
    from sklearn_fer.utils import save_model

    X, y = make_faces(60, random_state=0, return_X_y=True)
    model = neural_network.ConvNetClassifier(
        channels=(4,), hidden_units=8, max_epochs=1, random_state=0
    ).fit(X, y)

    class NamesAFunction:
        def __reduce__(self):
            return (print, ("loaded",))

    state = model.__getstate__()
    state["net_"] = {**state["net_"], "tensors": pickle.dumps(NamesAFunction())}
    forged = object.__new__(type(model))
    forged.__dict__.update(state)
    path = save_model(forged, tmp_path / "cnn.skops")
    faces = tmp_path / "faces.csv"
    faces.write_text("pixels\n" + " ".join(["9"] * 2304) + "\n")
    line = _fails(run, "predict", "--model", path, faces, names=path)
    assert "tensors" in line


def test_control_characters_in_a_message_are_escaped(run, tmp_path):
    # A file name (or a name read from a file) could rewrite the terminal.
    path = tmp_path / "\x1b[2J\x1b[31mred\rfer2013.csv"
    code, _, err = run(
        "train", "--data", path, "--model", "softmax", "--out", tmp_path / "m.skops"
    )
    assert code == EXIT_FAILURE
    (line,) = err.splitlines()
    assert "\x1b" not in line and "\r" not in line
    assert "\\x1b[2J\\x1b[31mred\\rfer2013.csv" in line


def test_ctrl_c_at_any_moment_is_one_line(tmp_path):
    # Bug: Ctrl-C in the first 1.5 s (while NumPy, scikit-learn ... load)
    # printed a traceback.
    import re
    import signal
    import time

    argv = [sys.executable, "-m", "sklearn_fer", "sweep", "--n-faces", "3000"]
    delays = [0.05, 0.2, 0.4, 0.7, 1.0, 1.5, 3.0]
    processes = []
    for number, delay in enumerate(delays):
        out = ["--out", str(tmp_path / f"sweep{number}")]
        processes.append(
            (
                delay,
                subprocess.Popen(
                    [*argv, *out],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "SKLEARN_FER_DEBUG": "0"},
                    # As from a terminal: a background job's SIGINT is ignored.
                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                ),
            )
        )
    started = time.monotonic()
    for delay, process in processes:
        time.sleep(max(0.0, started + delay - time.monotonic()))
        process.send_signal(signal.SIGINT)
    while_loading = 0
    for delay, process in processes:
        _, err = process.communicate(timeout=120)
        if "Traceback" in err or (process.returncode == -signal.SIGINT and not err):
            # Only while Python itself starts, before the entry point runs:
            # never from the modules of the commands.
            files = set(re.findall(r'File ".*?sklearn_fer/(.*?)"', err))
            assert files <= {"__main__.py", "_cli/__init__.py", "_cli/_entry.py"}, (
                delay,
                err,
            )
            continue
        assert process.returncode == 130, (delay, err)
        last = err.splitlines()[-1]
        assert last in ("sklearn-fer: interrupted", "sklearn-fer sweep: interrupted")
        while_loading += last == "sklearn-fer: interrupted"
    assert while_loading  # some came while the modules loaded
    assert not list(tmp_path.iterdir())  # no output, no temporary


def test_a_loop_of_links_is_one_line(run, softmax_file, tmp_path):
    # Bug: RuntimeError (exit 1, "RuntimeError: Symlink loop from ...").
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    for argv in (
        ["train", "--data", loop, "--model", "softmax", "--out", tmp_path / "m.skops"],
        ["evaluate", "--model", softmax_file, "--data", loop],
    ):
        line = _fails(run, *argv, names=loop)
        assert "a loop of symbolic links" in line
        assert "RuntimeError" not in line


def test_an_upper_case_skops_suffix_is_a_skops_file(run, softmax_file, tmp_path):
    # Bug: x.SKOPS was refused as a pickle.
    path = tmp_path / "MODEL.SKOPS"
    path.write_bytes(softmax_file.read_bytes())
    faces = tmp_path / "faces.csv"
    faces.write_text("pixels\n" + " ".join(["9"] * 2304) + "\n")
    code, out, _ = run("predict", "--model", path, faces)
    assert code == EXIT_OK and out.startswith("input,face,prediction")


def test_a_device_this_machine_lacks_is_a_usage_error(run, fer_file, tmp_path):
    # Bug: --param device=cuda on a CPU build was an AssertionError from PyTorch.
    torch = pytest.importorskip("torch")
    if torch.accelerator.current_accelerator() is not None:
        pytest.skip("this machine has an accelerator")
    argv = ["train", "--data", fer_file, "--model", "cnn", "--out", tmp_path / "m"]
    for device, says in [("cuda", "has no cuda device"), ("gpu", "not a PyTorch")]:
        line = _fails(
            run, *argv, "--param", f"device={device}", names="--param", code=EXIT_USAGE
        )
        assert says in line and "AssertionError" not in line
    assert not list(tmp_path.iterdir())


def _scaler_only(softmax_file, tmp_path):
    from sklearn.preprocessing import StandardScaler

    from sklearn_fer.utils import save_model

    X = make_faces(50, random_state=0).data
    return save_model(StandardScaler().fit(X), tmp_path / "scaler.skops")


def _scale_zero(softmax_file, tmp_path):
    from sklearn_fer.utils import load_model, save_model

    model = load_model(softmax_file)
    model.steps[0][1].scale_[:] = 0
    return save_model(model, tmp_path / "zero.skops")


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize(
    "make, command",
    [
        (_scaler_only, "evaluate"),
        (_scaler_only, "predict"),
        (_scale_zero, "evaluate"),
        # predict's scale_=0 is refused when the model loads (utils/_fitted_state).
    ],
)
def test_a_model_that_cannot_score_names_its_file(
    run, softmax_file, fer_file, tmp_path, make, command
):
    # Bug: a scaler alone was an AttributeError; scale_=0 an infinity error
    # naming no file.
    path = make(softmax_file, tmp_path)
    argv = ["--model", path, "--data", fer_file]
    if command == "predict":
        argv = ["--model", path, fer_file]
    line = _fails(run, command, *argv, names=path)
    assert "AttributeError" not in line and "--debug" not in line
