"""The one guard of everything the command line writes, checked before any work.

Each command says what it reads and what it writes (its ``outputs(args)``);
``main`` checks the whole plan before the command starts, and the command
asks the plan again for each output when it writes it (``file`` and
``folder``), so that nothing created in between is lost. Refused:

- an output that is one of the inputs (by resolved path and by
  ``os.path.samefile``), a folder that holds an input or the current folder;
- an existing file, unless ``--force``;
- an existing non-empty folder that this tool did not write (no marker file,
  or files the marker does not list): never replaced; a report of ours only
  with ``--force``;
- a location whose folder is missing, not a folder or not writable, or whose
  name is too long for its file system.

Every refusal is a usage error that names the option and the path as given.
"""

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ._options import UsageError

#: The file that marks a folder as a report written by sklearn-fer.
MARKER = ".sklearn-fer-report"


def _refuse(option, given, problem):
    raise UsageError(f"{option} {given}: {problem}")


def _check_location(option, given):
    if not str(given):
        _refuse(option, repr(given), "an empty path.")
    path = Path(given).resolve()
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


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _check_not_an_input(option, given, is_folder, inputs):
    path = Path(given)
    for source in inputs:
        if _same(path, Path(source)):
            _refuse(option, given, f"is the input {source}; it is never written over.")
        if is_folder and path.resolve() in Path(source).resolve().parents:
            _refuse(option, given, f"holds the input {source}; it is never replaced.")
    if is_folder and path.resolve() in (Path.cwd(), *Path.cwd().parents):
        _refuse(option, given, "is the current folder or holds it; never replaced.")


def _check_file(option, given, force):
    path = Path(given)
    if path.is_dir():
        _refuse(option, given, "is a folder; give a file name.")
    if os.path.lexists(path) and not force:
        _refuse(option, given, "exists already; add --force to replace it.")


def _check_folder(option, given, force):
    path = Path(given)
    if not os.path.lexists(path):
        return
    if not path.is_dir():
        _refuse(option, given, "exists and is not a folder.")
    present = {entry.name for entry in path.iterdir()}
    if not present:
        return
    try:
        written = set(json.loads((path / MARKER).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        _refuse(
            option,
            given,
            "is a folder that sklearn-fer did not write; it is never replaced "
            "(give a new or empty folder).",
        )
    foreign = sorted(present - written - {MARKER})
    if foreign:
        _refuse(
            option,
            given,
            f"holds files that sklearn-fer did not write ({', '.join(foreign[:5])}); "
            "it is never replaced.",
        )
    if not force:
        _refuse(option, given, "holds an earlier report; add --force to replace it.")


@dataclass
class Outputs:
    """What a command reads and writes, as the user gave the paths.

    ``files`` and ``folders`` map an option (``'--out'``) to its path.
    """

    inputs: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    folders: dict = field(default_factory=dict)
    force: bool = False
    command: str = ""

    def check(self):
        """Refuse the plan (UsageError) before any work if an output is unsafe."""
        inputs = [source for source in self.inputs if source]
        seen = {}
        for option, given, is_folder in [
            *((o, p, False) for o, p in self.files.items()),
            *((o, p, True) for o, p in self.folders.items()),
        ]:
            _check_location(option, given)
            _check_not_an_input(option, given, is_folder, inputs)
            for other, other_given in seen.items():
                if _same(Path(given), Path(other_given)):
                    _refuse(option, given, f"is also {other}; give two paths.")
            seen[option] = given
            if is_folder:
                _check_folder(option, given, self.force)
            else:
                _check_file(option, given, self.force)

    def file(self, option) -> Path:
        """The path of ``option``, checked again just before it is written."""
        given = self.files[option]
        _check_location(option, given)
        _check_file(option, given, self.force)
        return Path(given)

    @contextlib.contextmanager
    def folder(self, option):
        """A staging folder that replaces ``option``'s folder, whole, at the end."""
        from .. import __version__
        from ..utils._files import atomic_directory

        given = self.folders[option]
        _check_location(option, given)
        _check_folder(option, given, self.force)
        with atomic_directory(given, replace=True) as staging:
            yield staging
            files = sorted(entry.name for entry in staging.iterdir())
            marker = {
                "written by": f"sklearn-fer {__version__} {self.command}",
                "files": files,
            }
            (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
