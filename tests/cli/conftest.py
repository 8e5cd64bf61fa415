"""Tiny FER2013 files and a trained model, shared by the command-line tests."""

import numpy as np
import pytest

from sklearn_fer._cli import EXIT_OK, main
from sklearn_fer.datasets import make_faces


def _csv(path, X, y, usage):
    lines = ["emotion,pixels,Usage"]
    lines += [
        f"{code},{' '.join(map(str, row))},{split}"
        for code, row, split in zip(y, X, usage, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    """The command line's tests make their own faces: a SKLEARN_FER_DATA set
    for the real-data tests must not become every command's default --data."""
    monkeypatch.delenv("SKLEARN_FER_DATA", raising=False)


@pytest.fixture(scope="module")
def fer_file(tmp_path_factory):
    X, y = make_faces(420, random_state=0, return_X_y=True)
    usage = np.where(np.arange(420) < 300, "Training", "PublicTest")
    return _csv(tmp_path_factory.mktemp("data") / "fer2013.csv", X, y, usage)


@pytest.fixture(scope="module")
def softmax_file(fer_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "softmax.skops"
    code = main(
        [
            "train",
            "--data",
            str(fer_file),
            "--model",
            "softmax",
            "--out",
            str(out),
            "--param",
            "max_iter=3",
            "--param",
            "tol=None",
        ]
    )
    assert code == EXIT_OK
    return out


@pytest.fixture
def run(capsys):
    """``main(argv)`` -> (exit code, stdout, stderr); never a traceback on stderr."""

    def run_main(*argv):
        code = main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return run_main


def error_lines(err):
    """The lines of stderr that are not warnings."""
    return [line for line in err.splitlines() if "Warning:" not in line]
