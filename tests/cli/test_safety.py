"""The command line never destroys data: one output guard for every command.

Each test makes real files in tmp_path and checks that what was there is still
there, byte for byte, and that a refusal comes before any work, with exit
code 2 and one line naming the option and the path as given.
"""

import json
import os
import shutil

import numpy as np
import pytest

from sklearn_fer._cli import EXIT_OK, EXIT_USAGE
from sklearn_fer._cli._outputs import MARKER

from .conftest import error_lines

FAST = ["--param", "max_iter=1", "--param", "tol=None"]


def _snapshot(folder):
    return {
        path.relative_to(folder): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _refused(run, *argv, says):
    code, out, err = run(*argv)
    assert code == EXIT_USAGE, err
    assert "training" not in out  # refused before any work
    (line,) = error_lines(err)
    assert says in line
    return line


@pytest.fixture
def data(fer_file, tmp_path):
    return shutil.copy(fer_file, tmp_path / "fer2013.csv")


def test_report_folder_of_someone_else_is_kept(run, data, tmp_path):
    # Bug: train --report DIR deleted an existing folder and all in it, exit 0.
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("years of work")
    before = _snapshot(tmp_path)
    line = _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
        "--report",
        notes,
        "--force",
        says="did not write",
    )
    assert f"--report {notes}" in line
    assert _snapshot(tmp_path) == before


def test_report_dot_never_empties_the_current_folder(run, data, tmp_path, monkeypatch):
    # Bug: --report . emptied the current folder.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    before = _snapshot(tmp_path)
    for report in [".", "..", str(tmp_path)]:
        _refused(
            run,
            "train",
            "--data",
            "fer2013.csv",
            "--model",
            "softmax",
            "--out",
            "m.skops",
            "--report",
            report,
            "--force",
            says="never replaced",
        )
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink", "dotted"])
def test_model_file_is_never_written_over_the_data(run, data, tmp_path, link):
    # Bug: --out equal to --data replaced the training data with the model.
    out = {
        "same": data,
        "dotted": tmp_path / "." / "fer2013.csv",
        "symlink": tmp_path / "link.csv",
        "hardlink": tmp_path / "hard.csv",
    }[link]
    if link == "symlink":
        out.symlink_to(data)
    elif link == "hardlink":
        os.link(data, out)
    before = _snapshot(tmp_path)
    _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        out,
        "--force",
        says="is the input",
    )
    assert _snapshot(tmp_path) == before


def test_predict_output_is_never_an_input(run, softmax_file, tmp_path):
    # Bug: predict --output equal to an input replaced it, exit 0.
    from PIL import Image

    from sklearn_fer.datasets import make_faces

    face = tmp_path / "face.png"
    Image.fromarray(make_faces(1, random_state=0).images[0]).save(face)
    model = shutil.copy(softmax_file, tmp_path / "model.skops")
    before = _snapshot(tmp_path)
    for output in [face, model]:
        _refused(
            run,
            "predict",
            "--model",
            model,
            face,
            "--output",
            output,
            "--force",
            says="is the input",
        )
    assert _snapshot(tmp_path) == before


def test_report_folder_holding_the_data_is_never_replaced(run, softmax_file, tmp_path):
    from PIL import Image

    from sklearn_fer.datasets import make_faces

    folder = tmp_path / "release" / "train" / "happy"
    folder.mkdir(parents=True)
    Image.fromarray(make_faces(1, random_state=0).images[0]).save(folder / "a.png")
    before = _snapshot(tmp_path)
    for report in [tmp_path / "release", tmp_path]:
        _refused(
            run,
            "evaluate",
            "--model",
            softmax_file,
            "--data",
            tmp_path / "release",
            "--usage",
            "Training",
            "--report",
            report,
            "--force",
            says="the input",
        )
    assert _snapshot(tmp_path) == before


def test_existing_files_need_force(run, data, softmax_file, tmp_path):
    out = tmp_path / "m.skops"
    out.write_bytes(b"an older model")
    line = _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        out,
        says="exists already",
    )
    assert "--force" in line
    assert out.read_bytes() == b"an older model"
    face_csv = tmp_path / "faces.csv"
    face_csv.write_text("pixels\n" + " ".join(["9"] * 2304) + "\n")
    predictions = tmp_path / "predictions.csv"
    predictions.write_text("earlier predictions")
    _refused(
        run,
        "predict",
        "--model",
        softmax_file,
        face_csv,
        "--output",
        predictions,
        says="exists already",
    )
    assert predictions.read_text() == "earlier predictions"
    code, _, _ = run(
        "predict",
        "--model",
        softmax_file,
        face_csv,
        "--output",
        predictions,
        "--force",
    )
    assert code == EXIT_OK
    assert predictions.read_text().startswith("input,face,prediction")


def test_own_report_replaced_only_with_force_and_whole(run, data, tmp_path):
    argv = [
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
    ]
    assert run(*argv, *FAST)[0] == EXIT_OK
    report = tmp_path / "m-report"
    marker = json.loads((report / MARKER).read_text())
    assert marker["files"] == [
        "confusion_matrix.png",
        "loss_curve.png",
        "metrics.json",
        "model_card.md",
    ]
    first = _snapshot(tmp_path)
    _refused(run, *argv, *FAST, says="exists already")  # the model file first
    (tmp_path / "m.skops").unlink()
    _refused(run, *argv, *FAST, says="earlier report; add --force")
    code, _, _ = run(*argv, *FAST, "--force", "--param", "eta0=0.02")
    assert code == EXIT_OK
    metrics = json.loads((report / "metrics.json").read_text())
    assert "eta0=0.02" in metrics["model"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["fer2013.csv", "m.skops", "m-report"]
    )  # no staging folder, no old report set aside
    # A file the user put in our report: the folder is no longer ours alone.
    (report / "my-notes.txt").write_text("mine")
    line = _refused(run, *argv, *FAST, "--force", says="did not write")
    assert "my-notes.txt" in line
    assert (report / "my-notes.txt").read_text() == "mine"
    assert first.keys() <= {*_snapshot(tmp_path), report / "my-notes.txt"}


def test_empty_report_folder_is_used(run, data, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, _ = run(
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
        "--report",
        tmp_path / "empty",
        *FAST,
    )
    assert code == EXIT_OK and (tmp_path / "empty" / "metrics.json").is_file()


@pytest.mark.parametrize(
    "where, says",
    [
        ("missing/m.skops", "does not exist"),
        ("afile/m.skops", "is not a folder"),
        ("a" * 300 + ".skops", "bytes long"),
        ("folder", "is a folder"),
        ("", "empty path"),
    ],
)
def test_output_locations_checked_before_any_work(run, data, tmp_path, where, says):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "folder").mkdir()
    out = str(tmp_path / where) if where else ""
    line = _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        out,
        says=says,
    )
    assert f"--out {out}" in line or where == ""
    assert ".sklearn-fer-tmp" not in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_folder_is_refused_before_any_work(run, data, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        locked / "m.skops",
        says="no permission",
    )


def test_report_file_and_model_file_same_path(run, data, tmp_path):
    (tmp_path / "r").write_text("a file where a report would go")
    _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
        "--report",
        tmp_path / "r",
        "--force",
        says="not a folder",
    )
    _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m",
        "--report",
        tmp_path / "m",
        says="is also --out",
    )


def test_sweep_out_follows_the_same_rules(run, tmp_path, monkeypatch):
    monkeypatch.delenv("SKLEARN_FER_DATA", raising=False)
    argv = [
        "sweep",
        "--n-faces",
        "140",
        "--cv",
        "2",
        "--eta0",
        "0.01",
        "--batch-size",
        "32",
        "--param",
        "max_iter=1",
        "--out",
        tmp_path / "sweep",
    ]
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "plan.txt").write_text("mine")
    _refused(run, *argv, "--force", says="did not write")
    (tmp_path / "sweep" / "plan.txt").unlink()
    assert run(*argv)[0] == EXIT_OK
    _refused(run, *argv, says="add --force")
    assert run(*argv, "--force")[0] == EXIT_OK
    study = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert study["eta0"]["values"] == [0.01]


def test_written_files_get_umask_permissions(run, data, tmp_path):
    old = os.umask(0o027)
    try:
        code, _, _ = run(
            "train",
            "--data",
            data,
            "--model",
            "softmax",
            "--out",
            tmp_path / "m.skops",
            *FAST,
        )
    finally:
        os.umask(old)
    assert code == EXIT_OK
    assert (tmp_path / "m.skops").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "m-report").stat().st_mode & 0o777 == 0o750


def test_stale_temporaries_of_a_killed_run_are_cleaned(run, data, tmp_path):
    import subprocess
    import sys

    from sklearn_fer.utils import _files

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    prefix = f"{_files.TEMPORARY_PREFIX}{_files._HOST_TAG}-{pid}-"
    (tmp_path / f"{prefix}abc").write_bytes(b"half a model")
    (tmp_path / f"{prefix}def").mkdir()
    (tmp_path / f"{prefix}def" / "metrics.json").write_text("{")
    other = tmp_path / ".sklearn-fer-tmp-someone-else"  # not ours: left alone
    other.write_text("?")
    code, _, _ = run(
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        tmp_path / "m.skops",
        *FAST,
    )
    assert code == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["fer2013.csv", "m.skops", "m-report", other.name]
    )
    assert np.isfinite(
        json.loads((tmp_path / "m-report" / "metrics.json").read_text())["scores"][
            "accuracy"
        ]
    )
