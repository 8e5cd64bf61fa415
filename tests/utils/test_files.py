"""Writing files and folders whole, with the user's permissions, naming the path."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_fer.utils import _files
from sklearn_fer.utils._files import (
    atomic_directory,
    atomic_write,
    remove_stale_temporaries,
)


def _dead_pid():
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_atomic_write_permissions_follow_the_umask(tmp_path, umask_027):
    # mkstemp alone gives 0600.
    path = atomic_write(tmp_path / "a.txt", b"x")
    assert path.stat().st_mode & 0o777 == 0o640
    with atomic_directory(tmp_path / "d") as staging:
        (staging / "f").write_text("y")
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o750


def test_errors_name_the_destination_not_a_temporary(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="missing/a.txt"):
        atomic_write(tmp_path / "missing" / "a.txt", b"x")

    def full(source, destination):
        raise OSError(errno.ENOSPC, "No space left on device", source)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space left") as caught:
        atomic_write(tmp_path / "a.txt", b"x")
    assert caught.value.filename == str(tmp_path / "a.txt")
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


def test_directory_error_inside_the_block_names_the_directory(tmp_path):
    with pytest.raises(OSError) as caught, atomic_directory(tmp_path / "r") as staging:
        raise OSError(errno.ENOSPC, "No space left on device", str(staging / "m"))
    assert caught.value.filename == str(tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_existing_directory_needs_replace(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "old").write_text("old")
    with pytest.raises(FileExistsError), atomic_directory(tmp_path / "r") as staging:
        (staging / "new").write_text("new")
    assert os.listdir(tmp_path / "r") == ["old"]
    assert os.listdir(tmp_path) == ["r"]


def test_replacement_is_whole_at_every_step(tmp_path, monkeypatch):
    # Bug: the old folder was deleted (rmtree) before the new one was renamed
    # in, so an interruption left it half deleted.
    report = tmp_path / "r"
    report.mkdir()
    (report / "metrics.json").write_text("old")
    real_rename = os.rename
    calls = []

    def interrupted_second_rename(source, destination):
        calls.append(destination)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", interrupted_second_rename)
    with (
        pytest.raises(KeyboardInterrupt),
        atomic_directory(report, replace=True) as staging,
    ):
        (staging / "metrics.json").write_text("new")
    monkeypatch.undo()
    assert (report / "metrics.json").read_text() == "old"  # put back
    assert os.listdir(tmp_path) == ["r"]

    def interrupted_cleanup(path, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.shutil, "rmtree", interrupted_cleanup)
    with (
        pytest.raises(KeyboardInterrupt),
        atomic_directory(report, replace=True) as staging,
    ):
        (staging / "metrics.json").write_text("new")
    monkeypatch.undo()
    assert (report / "metrics.json").read_text() == "new"  # the new one is whole
    leftovers = [p for p in tmp_path.iterdir() if p != report]
    assert [p.name.startswith(_files.TEMPORARY_PREFIX) for p in leftovers] == [True]


def test_stale_temporaries_removed_only_when_their_process_is_gone(tmp_path):
    tag = _files._HOST_TAG
    dead = tmp_path / f"{_files.TEMPORARY_PREFIX}{tag}-{_dead_pid()}-x"
    alive = tmp_path / f"{_files.TEMPORARY_PREFIX}{tag}-{os.getppid()}-y"
    other_host = tmp_path / f"{_files.TEMPORARY_PREFIX}0000beef-{_dead_pid()}-z"
    mine = tmp_path / "model.skops.tmp"
    for path in (dead, alive, other_host, mine):
        path.write_text("?")
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (alive, other_host, mine)
    )


def test_a_lock_holds_across_processes_and_dies_with_its_process(tmp_path):
    from sklearn_fer.utils._files import LOCK_PREFIX, lock_output, release_output

    output = tmp_path / "report"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from sklearn_fer.utils._files import lock_output\n"
            f"held = lock_output({str(output)!r}); print(held is not None, "
            "flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        assert lock_output(output) is None  # another process writes it
        lock = tmp_path / f"{LOCK_PREFIX}report"
        assert remove_stale_temporaries(tmp_path) == []  # held: kept
        assert lock.exists()
    finally:
        holder.kill()  # killed: the kernel frees its lock, its file stays
        holder.wait()
    assert lock.exists()
    assert remove_stale_temporaries(tmp_path) == [lock]
    held = lock_output(output)
    assert held is not None and lock_output(output) is None  # two in one process
    release_output(held)
    assert os.listdir(tmp_path) == []


def test_a_read_only_stale_folder_is_removed(tmp_path):
    # Bug: a read-only report set aside by a killed run stayed forever.
    stale = tmp_path / f"{_files.TEMPORARY_PREFIX}{_files._HOST_TAG}-{_dead_pid()}-x"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "metrics.json").write_text("{}")
    (stale / "metrics.json").write_text("{}")
    (stale / "sub").chmod(0o555)
    stale.chmod(0o555)
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", ["folder", "named pipe", "character device", "loop"])
def test_open_regular_refuses_what_is_not_a_file(tmp_path, kind):
    from sklearn_fer.utils._files import open_regular

    path = {"folder": tmp_path, "character device": "/dev/zero"}.get(
        kind, tmp_path / "x"
    )
    if kind == "named pipe":
        os.mkfifo(path)  # opened for reading, it would block until a writer
    if kind == "loop":
        path.symlink_to(path)
        with pytest.raises(OSError, match="a loop of symbolic links"):
            open_regular(path)
        return
    with pytest.raises(ValueError, match=f"is a {kind}, not a regular file"):
        open_regular(path)
    (tmp_path / "f").write_bytes(b"ok")
    with open_regular(tmp_path / "f") as file:
        assert file.read() == b"ok"


def test_atomic_write_all_writes_every_file(tmp_path):
    from sklearn_fer.utils._files import atomic_write_all

    (tmp_path / "a.txt").write_bytes(b"old")
    files = {tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b"}
    assert atomic_write_all(files) == list(files)
    assert [path.read_bytes() for path in files] == [b"new a", b"new b"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt", "b.txt"]


@pytest.mark.parametrize(
    "failure, raised, says",
    [
        (OSError(errno.ENOSPC, "No space left on device"), OSError, r"b\.txt"),
        (KeyboardInterrupt(), KeyboardInterrupt, None),  # Ctrl-C halfway
    ],
)
def test_atomic_write_all_changes_nothing_when_one_file_fails(
    tmp_path, monkeypatch, failure, raised, says
):
    from sklearn_fer.utils import _files

    (tmp_path / "a.txt").write_bytes(b"old a")
    (tmp_path / "b.txt").mkdir()  # a folder where a file would go
    files = {tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b"}
    with pytest.raises(OSError, match=r"b\.txt is a folder, not a regular file"):
        _files.atomic_write_all(files)
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
    # A write that fails, or is interrupted, while the second file is staged
    # (a full disk, Ctrl-C): nothing replaced, no temporary left, an error
    # naming the destination.
    (tmp_path / "b.txt").rmdir()
    real_open = open
    staged = []

    def failing(path, mode="r", *args, **kwargs):
        if "w" in mode and Path(path).name.startswith(_files.TEMPORARY_PREFIX):
            staged.append(path)
            if len(staged) == 2:
                raise failure
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing)
    with pytest.raises(raised, match=says):
        _files.atomic_write_all(files)
    monkeypatch.undo()
    assert len(staged) == 2
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_write_all_rename_error_names_the_destination(tmp_path, monkeypatch):
    from sklearn_fer.utils import _files

    files = {tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b"}

    def cross_device(source, destination):
        raise OSError(errno.EXDEV, "Invalid cross-device link", source)

    monkeypatch.setattr(os, "replace", cross_device)
    with pytest.raises(OSError, match="cross-device") as caught:
        _files.atomic_write_all(files)
    assert caught.value.filename == str(tmp_path / "a.txt")
    assert list(tmp_path.iterdir()) == []  # no temporary left
