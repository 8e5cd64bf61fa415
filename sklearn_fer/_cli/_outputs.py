"""The one guard of everything the command line writes: nothing is ever lost.

Each command says what it reads and what it writes (its ``outputs(args)``).
``main`` reserves the whole plan before the command starts
(``Outputs.reserve``): every output is checked, with all the others, and
locked, so that a second command writing one of them at the same time is
refused. The command writes each output under a temporary name beside it
(``file``, ``folder``); ``publish`` then checks each once more and renames
them all into place, one after the other with Ctrl-C held off, so that a
model and its report are published together or not at all. Refused:

- an output that is one of the inputs (by resolved path and by
  ``os.path.samefile``), a folder that holds an input or the current folder;
- two outputs that are the same path, or one inside the other (a model file
  inside the report folder, which is replaced whole);
- an output that another sklearn-fer command is writing now;
- an existing file, unless ``--force``;
- an existing non-empty folder that this tool did not write. Its marker file
  must be a JSON object whose ``"files"`` is a list of plain names of the
  files that option writes (``FOLDER_FILES``), and the folder must hold
  those only, as regular files. Such a report of ours is replaced only with
  ``--force``, and only when its files can be removed; then the files its
  marker lists are deleted one by one, never a folder, a link's target or
  anything else;
- a location whose folder is missing, not a folder or not writable, or whose
  name is too long for its file system.

A working folder (``work``: compare's finished folds) is not staged: the
command writes into it as it runs, so that what it finished outlives an
interruption. It is checked, locked and kept apart from the other outputs
like them, and used only when it is missing, empty, or marked by
``WORK_MARKER`` as that option's folder and holding only the subfolders
``WORK_FOLDERS`` names; it is never removed.

Every refusal is a usage error that names the option and the path as given.
"""

import contextlib
import fnmatch
import json
import os
import signal
import stat
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..utils._files import (
    error_about,
    lock_output,
    new_temporary,
    release_output,
    remove_stale_temporaries,
    swap_back,
    swap_in,
)
from ._options import UsageError

#: The file that marks a folder as one written by sklearn-fer, listing its files.
MARKER = ".sklearn-fer-report"
#: A marker is a few hundred bytes; a larger one is not ours.
MAX_MARKER_BYTES = 1 << 16
#: The files sklearn-fer writes into each folder option (fnmatch patterns): a
#: marker listing another name is not ours, and nothing else is deleted there.
FOLDER_FILES = {
    "--report": (
        "metrics.json",
        "loss_curve.png",
        "confusion_matrix.png",
        "model_card.md",
    ),
    "--out": ("sweep.json", "sweep.png"),  # sweep
    "--annotate": ("*.png",),  # predict --detect-faces
}
NEVER_REPLACED = "it is never replaced (give a new or empty folder)."
#: The file that marks a working folder as sklearn-fer's, naming its option.
WORK_MARKER = ".sklearn-fer-work"
#: The subfolders sklearn-fer makes in each working folder option.
WORK_FOLDERS = {"--cache": ("folds", "features")}  # compare
NEVER_USED = "it is never used (give a new or empty folder)."


def _refuse(option, given, problem):
    raise UsageError(f"{option} {given}: {problem}")


def _resolved(given) -> Path:
    """The absolute path without links; a loop of links is no error here."""
    return Path(os.path.realpath(given))


def _check_location(option, given):
    if not str(given):
        _refuse(option, repr(given), "an empty path.")
    path = _resolved(given)
    if not path.name:
        _refuse(option, given, "the root folder cannot be written.")
    folder = path.parent
    if not folder.exists():
        _refuse(option, given, f"its folder {folder} does not exist.")
    if not folder.is_dir():
        _refuse(option, given, f"{folder} is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        _refuse(option, given, f"no permission to write in {folder}.")
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        longest = 255
    length = len(os.fsencode(path.name))
    if length > longest:
        _refuse(
            option, given, f"the name is {length} bytes long; at most {longest} here."
        )


def _same(a, b) -> bool:
    if _resolved(a) == _resolved(b):
        return True
    try:
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return False


def _check_not_an_input(option, given, is_folder, inputs):
    path = _resolved(given)
    for source in inputs:
        if _same(given, source):
            _refuse(option, given, f"is the input {source}; it is never written over.")
        if is_folder and path in _resolved(source).parents:
            _refuse(option, given, f"holds the input {source}; it is never replaced.")
    if is_folder and path in (_resolved(Path.cwd()), *_resolved(Path.cwd()).parents):
        _refuse(option, given, "is the current folder or holds it; never replaced.")


def _check_apart(outputs):
    """No two outputs are one path, and none is inside another."""
    for index, (option, given, _) in enumerate(outputs):
        path = _resolved(given)
        for other, other_given, _ in outputs[:index]:
            other_path = _resolved(other_given)
            if _same(given, other_given):
                _refuse(option, given, f"is also {other}; give two paths.")
            if other_path in path.parents:
                _refuse(
                    option,
                    given,
                    f"is inside {other} {other_given}, which is written whole; "
                    "give a path outside it.",
                )
            if path in other_path.parents:
                _refuse(
                    option,
                    given,
                    f"holds {other} {other_given}; give a path that does not hold it.",
                )


def _check_file(option, given, force):
    path = Path(given)
    if path.is_dir():
        _refuse(option, given, "is a folder; give a file name.")
    if os.path.lexists(path) and not force:
        _refuse(option, given, "exists already; add --force to replace it.")


def _written_here(name, patterns) -> bool:
    """Whether ``name`` is a plain file name sklearn-fer writes (``patterns``)."""
    plain = (
        name not in ("", ".", "..")
        and name == os.path.basename(name)
        and not any(sep and sep in name for sep in ("/", "\\", os.sep, os.altsep))
        and "\0" not in name
        and name != MARKER
    )
    return plain and any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _marker_files(option, given, patterns) -> set:
    """The files the folder's marker lists, each checked; refused if not ours."""
    not_ours = f"its {MARKER} file is not one sklearn-fer writes"
    marker = Path(given) / MARKER
    content = _read_marker(option, given, marker, not_ours, NEVER_REPLACED)
    files = content.get("files") if isinstance(content, dict) else None
    if not isinstance(files, list) or not all(isinstance(n, str) for n in files):
        _refuse(option, given, f"{not_ours} (no list of file names); {NEVER_REPLACED}")
    for name in files:
        if not _written_here(name, patterns):
            _refuse(
                option,
                given,
                f"its {MARKER} file lists {name!r}, not a file sklearn-fer writes "
                f"there; {NEVER_REPLACED}",
            )
    return set(files)


def _check_folder(option, given, force, patterns) -> list:
    """Check a folder output; return the files to delete when it is replaced."""
    path = Path(given)
    if not os.path.lexists(path):
        return []
    if path.is_symlink():
        _refuse(option, given, "is a symbolic link; give the folder it names.")
    if not path.is_dir():
        _refuse(option, given, "exists and is not a folder.")
    if not os.access(path, os.R_OK | os.X_OK):
        _refuse(option, given, "is a folder that cannot be read; it is not replaced.")
    present = {entry.name: entry for entry in os.scandir(path)}
    if not present:
        return []
    written = _marker_files(option, given, patterns)
    foreign = sorted(set(present) - written - {MARKER})
    if foreign:
        _refuse(
            option,
            given,
            f"holds files that sklearn-fer did not write ({', '.join(foreign[:5])}); "
            "it is never replaced.",
        )
    for name, entry in sorted(present.items()):
        if not entry.is_file(follow_symlinks=False):
            kind = "a symbolic link" if entry.is_symlink() else "not a regular file"
            _refuse(
                option,
                given,
                f"its {name} is {kind}, not a file sklearn-fer wrote; it is never "
                "replaced.",
            )
    if not force:
        _refuse(option, given, "holds an earlier report; add --force to replace it.")
    if not os.access(path, os.W_OK | os.X_OK):
        _refuse(
            option,
            given,
            f"its files cannot be removed (no permission to write in {path}); "
            "it is not replaced.",
        )
    return sorted(set(present) - {MARKER})


def _read_marker(option, given, marker, not_ours, never):
    """The JSON content of a marker file, refused unless it could be ours."""
    try:
        info = os.lstat(marker)
    except OSError:
        _refuse(option, given, f"is a folder that sklearn-fer did not write; {never}")
    if not stat.S_ISREG(info.st_mode):
        _refuse(option, given, f"{not_ours} (not a regular file); {never}")
    if info.st_size > MAX_MARKER_BYTES:
        _refuse(option, given, f"{not_ours} ({info.st_size:,} bytes); {never}")
    try:
        return json.loads(marker.read_bytes())
    except (OSError, ValueError):
        _refuse(option, given, f"{not_ours} (not JSON); {never}")


def _check_work_folder(option, given) -> bool:
    """Check a working folder; True when it is one of ours already."""
    path = Path(given)
    if not os.path.lexists(path):
        return False
    if path.is_symlink():
        _refuse(option, given, "is a symbolic link; give the folder it names.")
    if not path.is_dir():
        _refuse(option, given, "exists and is not a folder.")
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        _refuse(option, given, f"is a folder that cannot be written; {NEVER_USED}")
    present = {entry.name: entry for entry in os.scandir(path)}
    if not present:
        return False
    not_ours = f"its {WORK_MARKER} file is not one sklearn-fer writes"
    content = _read_marker(option, given, path / WORK_MARKER, not_ours, NEVER_USED)
    if not isinstance(content, dict) or content.get("option") != option:
        _refuse(option, given, f"{not_ours} (not {option}'s); {NEVER_USED}")
    ours = WORK_FOLDERS[option]
    foreign = sorted(set(present) - set(ours) - {WORK_MARKER})
    if foreign:
        _refuse(
            option,
            given,
            f"holds files that sklearn-fer did not write ({', '.join(foreign[:5])}); "
            f"{NEVER_USED}",
        )
    for name in sorted(set(present) & set(ours)):
        if not present[name].is_dir(follow_symlinks=False):
            _refuse(
                option,
                given,
                f"its {name} is not a folder sklearn-fer made; {NEVER_USED}",
            )
    return True


def _remove_old(aside: Path, names, option, given):
    """Delete the old folder set aside: the files its marker listed, and it.

    Anything else found there (written meanwhile by someone else) is kept,
    under a name of its own beside ``given``, and a warning says where.
    """
    for name in [*names, MARKER]:
        path = aside / name
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()
    try:
        aside.rmdir()
    except OSError:
        kept = Path(f"{given}.old")
        number = 1
        while os.path.lexists(kept):
            number += 1
            kept = Path(f"{given}.old-{number}")
        try:
            os.rename(aside, kept)
        except OSError:
            kept = aside
        warnings.warn(
            f"{option} {given} was replaced; its old folder held files that "
            f"sklearn-fer did not write, kept in {kept}.",
            RuntimeWarning,
            stacklevel=2,
        )


@contextlib.contextmanager
def _interrupts_held_off():
    """Ctrl-C during the block takes effect at its end (main thread only)."""
    previous = signal.getsignal(signal.SIGINT)
    main_thread = threading.current_thread() is threading.main_thread()
    if not (main_thread and callable(previous)):  # not ours, or ignored
        yield
        return
    received = []
    signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


@dataclass
class Outputs:
    """What a command reads and writes, as the user gave the paths.

    ``files``, ``folders`` and ``work`` (working folders) map an option
    (``'--out'``) to its path; ``contents`` the names each folder option
    holds, when they differ from ``FOLDER_FILES``.
    """

    inputs: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    folders: dict = field(default_factory=dict)
    work: dict = field(default_factory=dict)
    force: bool = False
    command: str = ""
    contents: dict = field(default_factory=dict)
    _locks: list = field(default_factory=list, repr=False)
    _staged: dict = field(default_factory=dict, repr=False)

    def _patterns(self, option):
        return self.contents.get(option) or FOLDER_FILES[option]

    def _given(self, option):
        return self.files.get(option) or self.folders[option]

    def _outputs(self):
        return [
            *((option, given, False) for option, given in self.files.items()),
            *((option, given, True) for option, given in self.folders.items()),
            *((option, given, True) for option, given in self.work.items()),
        ]

    def _check_contents(self, options):
        """The files each folder of ``options`` holds, once checked."""
        held = {}
        for option in options:
            if option in self.folders:
                held[option] = _check_folder(
                    option, self.folders[option], self.force, self._patterns(option)
                )
            elif option in self.work:
                _check_work_folder(option, self.work[option])
            else:
                _check_file(option, self.files[option], self.force)
        return held

    def _check_paths(self):
        inputs = [source for source in self.inputs if source]
        outputs = self._outputs()
        for option, given, is_folder in outputs:
            _check_location(option, given)
            _check_not_an_input(option, given, is_folder, inputs)
        _check_apart(outputs)

    def check(self):
        """Refuse the plan (UsageError) before any work if an output is unsafe."""
        self._check_paths()
        self._check_contents([option for option, _, _ in self._outputs()])

    @contextlib.contextmanager
    def reserve(self):
        """Check the plan and lock every output while the command runs.

        On leaving, whatever was staged and not published is removed and the
        locks are freed. An error about a staged temporary names its output.
        """
        try:
            self._check_paths()
            for option, given, _ in self._outputs():
                remove_stale_temporaries(Path(given).parent)
                lock = lock_output(given)
                if lock is None:
                    _refuse(
                        option,
                        given,
                        "another sklearn-fer command is writing it now; wait for "
                        "it to end, or give another path.",
                    )
                self._locks.append(lock)
            self.check()  # with the locks held: no other command writes them
            try:
                yield self
            except OSError as exc:
                for option, staged in self._staged.items():
                    exc = error_about(self._given(option), exc, staged)
                raise exc from None
        finally:
            self._discard()
            for lock in self._locks:
                release_output(lock)
            self._locks.clear()

    def _discard(self):
        import shutil

        for staged in self._staged.values():
            if staged.is_dir() and not staged.is_symlink():
                shutil.rmtree(staged, ignore_errors=True)
            else:
                staged.unlink(missing_ok=True)
        self._staged.clear()

    def file(self, option) -> Path:
        """Where to write ``option``'s file: a temporary file beside it, which
        ``publish`` renames into place."""
        given = self.files[option]
        _check_location(option, given)
        staged = new_temporary(Path(given).parent)
        self._staged[option] = staged
        return staged

    @contextlib.contextmanager
    def folder(self, option):
        """A staging folder for ``option``'s folder, which ``publish`` makes
        the folder, whole; the marker listing its files is written at the end."""
        from .. import __version__

        given = self.folders[option]
        _check_location(option, given)
        staging = new_temporary(Path(given).parent, directory=True)
        self._staged[option] = staging
        yield staging
        files = sorted(entry.name for entry in staging.iterdir())
        unexpected = [n for n in files if not _written_here(n, self._patterns(option))]
        if unexpected:  # the next run could not replace the folder
            raise RuntimeError(
                f"{option}: {unexpected} are not among the files FOLDER_FILES "
                "says sklearn-fer writes there."
            )
        marker = {
            "written by": f"sklearn-fer {__version__} {self.command}",
            "files": files,
        }
        (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n")

    def work_folder(self, option) -> Path:
        """``option``'s working folder, made and marked if it is not yet ours.

        Call it within ``reserve``, which checked and locked it.
        """
        from .. import __version__
        from ..utils import atomic_write

        given = self.work[option]
        if not _check_work_folder(option, given):
            path = Path(given)
            path.mkdir(exist_ok=True)
            marker = {
                "written by": f"sklearn-fer {__version__} {self.command}",
                "option": option,
                "folders": list(WORK_FOLDERS[option]),
            }
            atomic_write(
                path / WORK_MARKER, (json.dumps(marker, indent=2) + "\n").encode()
            )
        return Path(given)

    def publish(self):
        """Rename every staged output into place, each checked once more.

        Folders first (each swap is undone if a later rename fails), then
        files; the old folders are then removed (only the files their
        markers list). Ctrl-C meanwhile takes effect once all is done.
        """
        if not self._staged:
            return
        staged = self._staged
        with _interrupts_held_off():
            held = self._check_contents(list(staged))
            swapped = []
            try:
                for option, staging in staged.items():
                    if option in self.folders:
                        given = Path(self.folders[option])
                        swapped.append((option, swap_in(staging, given)))
                for option, staging in staged.items():
                    if option in self.files:
                        try:
                            os.replace(staging, self.files[option])
                        except OSError as exc:
                            raise error_about(
                                self.files[option], exc, staging
                            ) from None
            except BaseException:
                for option, aside in reversed(swapped):
                    swap_back(staged[option], Path(self.folders[option]), aside)
                raise
            self._staged = {}
            for option, aside in swapped:
                if aside is not None:
                    _remove_old(aside, held[option], option, self.folders[option])
