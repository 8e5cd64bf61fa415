"""The command line never destroys data: one output guard for every command.

Each test makes real files in tmp_path and checks that what was there is still
there, byte for byte, and that a refusal comes before any work, with exit
code 2 and one line naming the option and the path as given.
"""

import json
import os
import shutil
from pathlib import Path

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


# -- round two: every output seen together, markers as data, one writer ---------------


def _report_of_ours(folder, files=("metrics.json",), marker=None):
    """A folder as sklearn-fer writes a report (or a forged one: ``marker``)."""
    folder.mkdir()
    for name in files:
        (folder / name).write_text(f"old {name}")
    marker = {"files": sorted(files)} if marker is None else marker
    text = marker if isinstance(marker, str) else json.dumps(marker)
    (folder / MARKER).write_text(text)
    return folder


@pytest.mark.parametrize(
    "case",
    ["model in the report", "model over the report's json", "model in a linked report"],
)
def test_an_output_inside_another_is_refused_before_any_work(run, data, tmp_path, case):
    # Bug: --out rep/metrics.json --report rep --force exited 0 having lost the
    # model (the report's JSON replaced it); --out empty/new.skops --report
    # empty trained, then refused the report.
    report = tmp_path / "rep"
    if case == "model in the report":
        report.mkdir()
        out = report / "new.skops"
    elif case == "model over the report's json":
        _report_of_ours(report)
        out = report / "metrics.json"
    else:
        report.mkdir()
        (tmp_path / "link").symlink_to(report)
        out = tmp_path / "link" / "m.skops"
    before = _snapshot(tmp_path)
    line = _refused(
        run,
        "train",
        "--data",
        data,
        "--model",
        "softmax",
        "--out",
        out,
        "--report",
        report,
        "--force",
        *FAST,
        says="holds --out",
    )
    assert line.startswith(f"sklearn-fer train: error: --report {report}: ")
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"fer2013.csv", "rep", *(["link"] if "linked" in case else [])}
    )  # no lock file, no temporary left


def test_predict_output_inside_the_annotate_folder_is_refused(
    run, softmax_file, tmp_path
):
    folder = tmp_path / "annotated"
    folder.mkdir()
    face_csv = tmp_path / "faces.csv"
    face_csv.write_text("pixels\n" + " ".join(["9"] * 2304) + "\n")
    _refused(
        run,
        "predict",
        "--model",
        softmax_file,
        face_csv,
        "--detect-faces",
        "--annotate",
        folder,
        "--output",
        folder / "predictions.csv",
        says="holds --output",
    )
    assert list(folder.iterdir()) == []


def _victim(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file")
    return victim


#: Forged or malformed report folders: how each is made, and what the
#: refusal says. None of them may lose a byte with --force.
FORGED = {
    "lists the user's file": (
        lambda rep, tmp: _report_of_ours(rep, ["thesis.tex"]),
        "lists 'thesis.tex'",
    ),
    "lists a subfolder": (
        lambda rep, tmp: (
            _report_of_ours(rep, [], marker={"files": ["data"]}),
            (rep / "data").mkdir(),
            (rep / "data" / "a.csv").write_text("mine"),
        ),
        "lists 'data'",
    ),
    "a subfolder named as our file": (
        lambda rep, tmp: (
            _report_of_ours(rep, [], marker={"files": ["metrics.json"]}),
            (rep / "metrics.json").mkdir(),
            (rep / "metrics.json" / "a.csv").write_text("mine"),
        ),
        "its metrics.json is not a regular file",
    ),
    "files is a string": (
        lambda rep, tmp: (
            _report_of_ours(rep, [], marker={"files": "ab"}),
            (rep / "a").write_text("mine"),
            (rep / "b").write_text("mine"),
        ),
        "no list of file names",
    ),
    "an absolute path": (
        lambda rep, tmp: _report_of_ours(
            rep, [], marker={"files": [str(_victim(tmp))]}
        ),
        "victim.txt', not a file",
    ),
    "a parent path": (
        lambda rep, tmp: (
            _victim(tmp),
            _report_of_ours(rep, [], marker={"files": ["../victim.txt"]}),
        ),
        "'../victim.txt', not a file",
    ),
    "dot dot": (
        lambda rep, tmp: _report_of_ours(rep, [], marker={"files": [".."]}),
        "lists '..'",
    ),
    "a link to the user's file": (
        lambda rep, tmp: (
            _report_of_ours(rep, [], marker={"files": ["metrics.json"]}),
            (rep / "metrics.json").symlink_to(_victim(tmp)),
        ),
        "its metrics.json is a symbolic link",
    ),
    "a png in a report": (
        lambda rep, tmp: _report_of_ours(rep, ["holiday.png"]),
        "lists 'holiday.png'",
    ),
    "the marker is a link": (
        lambda rep, tmp: (
            rep.mkdir(),
            (tmp / "notes.json").write_text('{"files": []}'),
            (rep / MARKER).symlink_to(tmp / "notes.json"),
        ),
        "not a regular file",
    ),
    "the marker is not JSON": (
        lambda rep, tmp: _report_of_ours(rep, ["metrics.json"], marker="files: all"),
        "not JSON",
    ),
    "the marker is a list": (
        lambda rep, tmp: _report_of_ours(rep, ["metrics.json"], marker='["x"]'),
        "no list of file names",
    ),
    "names that are numbers": (
        lambda rep, tmp: _report_of_ours(rep, [], marker={"files": [1, 2]}),
        "no list of file names",
    ),
    "a huge marker": (
        lambda rep, tmp: _report_of_ours(
            rep, [], marker={"files": [], "pad": "x" * 100_000}
        ),
        "bytes)",
    ),
}


@pytest.mark.parametrize("kind", FORGED)
def test_forged_or_malformed_marker_deletes_nothing(run, data, tmp_path, kind):
    # Bug: with --force, a marker listing the user's files, a subfolder, or
    # "files": "ab" (read as the names a and b) got them deleted.
    make, says = FORGED[kind]
    report = tmp_path / "rep"
    make(report, tmp_path)
    before = _snapshot(tmp_path)
    links = {p: os.readlink(p) for p in tmp_path.rglob("*") if p.is_symlink()}
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
        report,
        "--force",
        says=says,
    )
    assert "never replaced" in line
    assert _snapshot(tmp_path) == before
    assert {p: os.readlink(p) for p in tmp_path.rglob("*") if p.is_symlink()} == links


def test_replacing_removes_only_the_listed_files(tmp_path):
    # The old folder, set aside, loses the files its marker lists, and no
    # other: one that appeared meanwhile is kept, beside the new folder.
    from sklearn_fer._cli._outputs import _remove_old

    aside = _report_of_ours(tmp_path / "aside", ["metrics.json", "loss_curve.png"])
    (aside / "appeared-meanwhile.txt").write_text("someone else's")
    with pytest.warns(RuntimeWarning, match="rep.old"):
        _remove_old(aside, ["metrics.json"], "--report", str(tmp_path / "rep"))
    assert not aside.exists()
    assert sorted(os.listdir(tmp_path / "rep.old")) == [
        "appeared-meanwhile.txt",
        "loss_curve.png",  # not in the list it was given
    ]


def test_two_commands_writing_one_report_at_once(run, data, tmp_path, monkeypatch):
    # Bug: both exited 0 and the first report was silently replaced, without
    # --force. The second is refused at once, --force or not.
    import threading

    from sklearn_fer._cli import main, train

    report = tmp_path / "rep"
    started, release = threading.Event(), threading.Event()
    write_report = train.write_report

    def slow_write_report(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            started.set()
            assert release.wait(60)
        return write_report(*args, **kwargs)

    monkeypatch.setattr(train, "write_report", slow_write_report)
    argv = ["train", "--data", str(data), "--model", "softmax", "--report", str(report)]
    first = {}
    thread = threading.Thread(
        target=lambda: first.update(
            code=main([*argv, "--out", str(tmp_path / "a.skops"), *FAST])
        )
    )
    thread.start()
    try:
        assert started.wait(60)
        for force in ([], ["--force"]):
            code, _, err = run(*argv, "--out", tmp_path / "b.skops", *FAST, *force)
            assert code == EXIT_USAGE, err
            (line,) = error_lines(err)  # (the first one prints, in its thread)
            assert "another sklearn-fer command is writing it now" in line
    finally:
        release.set()
        thread.join(60)
    assert first["code"] == EXIT_OK
    assert (report / "metrics.json").is_file() and (tmp_path / "a.skops").is_file()
    assert not (tmp_path / "b.skops").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.skops",
        "fer2013.csv",
        "rep",
    ]  # the locks are gone with their commands


def _sha256(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def trained(run, data, tmp_path):
    """A model and its report from a first run; the argv to train again."""
    argv = ["train", "--data", data, "--model", "softmax", "--out"]
    argv += [tmp_path / "m.skops", *FAST]
    assert run(*argv)[0] == EXIT_OK
    return argv


def test_interrupt_before_publishing_keeps_the_old_pair(
    run, trained, tmp_path, monkeypatch
):
    # Bug: an interrupt between writing the model and the report left a new
    # model beside the old report.
    from sklearn_fer._cli import train
    from sklearn_fer._cli._main import EXIT_INTERRUPTED

    before = _snapshot(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "write_model_card", interrupted)
    code, _, err = run(*trained, "--force", "--param", "eta0=0.02")
    assert code == EXIT_INTERRUPTED and err.strip().endswith("interrupted")
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fer2013.csv",
        "m-report",
        "m.skops",
    ]
    # The report names the model it describes.
    metrics = json.loads((tmp_path / "m-report" / "metrics.json").read_text())
    assert metrics["model_file"]["sha256"] == _sha256(tmp_path / "m.skops")
    assert metrics["model_file"]["name"] == "m.skops"


def test_interrupt_while_publishing_publishes_the_whole_pair(
    run, trained, tmp_path, monkeypatch
):
    import signal

    from sklearn_fer._cli import _outputs
    from sklearn_fer._cli._main import EXIT_INTERRUPTED

    swap_in = _outputs.swap_in

    def swap_then_interrupt(*args):
        aside = swap_in(*args)
        os.kill(os.getpid(), signal.SIGINT)  # between the report and the model
        return aside

    monkeypatch.setattr(_outputs, "swap_in", swap_then_interrupt)
    # As from a terminal (a background job's SIGINT is ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code, _, _ = run(*trained, "--force", "--param", "eta0=0.02")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == EXIT_INTERRUPTED
    metrics = json.loads((tmp_path / "m-report" / "metrics.json").read_text())
    assert "eta0=0.02" in metrics["model"]
    assert metrics["model_file"]["sha256"] == _sha256(tmp_path / "m.skops")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fer2013.csv",
        "m-report",
        "m.skops",
    ]


def test_read_only_old_report_is_refused_before_any_work(
    run, trained, tmp_path, monkeypatch
):
    # Bug: with --force the new report was installed, the command failed, and
    # the old one stayed as a .sklearn-fer-tmp-* folder no run could remove.
    from sklearn_fer._cli import _outputs

    report = tmp_path / "m-report"
    if os.geteuid() == 0:  # root may write anywhere: as a user sees it
        access = os.access

        def user_access(path, mode, **kwargs):
            if Path(path) == report and mode & os.W_OK:
                return False
            return access(path, mode, **kwargs)

        monkeypatch.setattr(_outputs.os, "access", user_access)
    before = _snapshot(tmp_path)
    report.chmod(0o555)
    try:
        line = _refused(
            run, *trained, "--force", "--param", "eta0=0.02", says="cannot be removed"
        )
    finally:
        report.chmod(0o755)
    assert str(report) in line
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fer2013.csv",
        "m-report",
        "m.skops",
    ]
