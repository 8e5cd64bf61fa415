"""Writing files and folders whole: a reader never sees half of one.

Everything is first written under a temporary name beside its destination
(same file system), then renamed into place. Temporary names start with
``.sklearn-fer-tmp-`` and carry this machine's tag and the process id, so
that the leftovers of a killed process are recognisable: the next write in
that folder removes those whose process is gone. Written files and folders
get the permissions the umask gives (``mkstemp`` and ``mkdtemp`` alone give
0600 and 0700), and an error names the destination, never a temporary name.
"""

import contextlib
import errno
import hashlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

TEMPORARY_PREFIX = ".sklearn-fer-tmp-"
#: Tells this machine's temporaries from another's in a shared folder.
_HOST_TAG = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def _our_prefix() -> str:
    return f"{TEMPORARY_PREFIX}{_HOST_TAG}-{os.getpid()}-"


def _umask() -> int:
    """The process's umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def remove_stale_temporaries(folder) -> list[Path]:
    """Remove the temporaries that a killed sklearn-fer process left in ``folder``.

    Only names this module makes, from this machine, whose process no longer
    runs; anything else is left alone. Returns what was removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(f"{TEMPORARY_PREFIX}{_HOST_TAG}-"):
            continue
        pid = name[len(TEMPORARY_PREFIX) + len(_HOST_TAG) + 1 :].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        if _process_is_gone(int(pid)):
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


#: Errors of writing that name no file: they are about the destination.
_WRITE_ERRNOS = {
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EROFS", "EFBIG", "EACCES")
    if hasattr(errno, name)
}


def _naming(destination: Path, exc: OSError) -> OSError:
    """``exc`` about ``destination``, whatever temporary name it mentioned."""
    if exc.errno is None:
        return OSError(f"{destination}: {exc}")
    return OSError(exc.errno, exc.strerror, str(destination))


def _about_staging(exc: OSError, staging: Path) -> bool:
    if exc.filename is None:
        return exc.errno in _WRITE_ERRNOS
    return str(exc.filename).startswith(str(staging))


def atomic_write(path, payload: bytes) -> Path:
    """Write ``payload`` to ``path`` whole: a reader sees the old file or the new.

    The bytes go to a temporary file beside ``path`` (same file system), which
    is then renamed over it; on any error the temporary file is removed. The
    file gets the permissions the umask gives, like any file the user creates.

    Parameters
    ----------
    path : str or path-like
        The file to write (replaced if it exists).
    payload : bytes

    Returns
    -------
    path : Path

    Raises
    ------
    OSError
        The file cannot be written; the message names ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_fer.utils import atomic_write
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> atomic_write(path, b"happy\\n").read_text()
    'happy\\n'
    """
    path = Path(path)
    remove_stale_temporaries(path.parent)
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=_our_prefix(), dir=path.parent)
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise _naming(path, exc) from None
    except BaseException:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_directory(directory, *, replace: bool = False):
    """Yield a staging folder that becomes ``directory`` once the block succeeds.

    The staging folder is made beside ``directory`` (same file system); on
    any error it is removed, so a reader never sees a half-written folder.
    An existing ``directory`` is an error unless ``replace=True``: then it is
    renamed aside, the new one renamed in, and only then the old one removed,
    so an interruption leaves one whole folder (and a recognisable
    temporary, removed by the next write there).

    Parameters
    ----------
    directory : str or path-like
    replace : bool, default=False
        Replace an existing ``directory``. Deciding whether it may be deleted
        is the caller's job.

    Yields
    ------
    staging : Path

    Raises
    ------
    FileExistsError
        ``directory`` exists and ``replace`` is False.
    OSError
        It cannot be written; the message names ``directory``.
    """
    directory = Path(directory)
    remove_stale_temporaries(directory.parent)
    try:
        staging = Path(tempfile.mkdtemp(prefix=_our_prefix(), dir=directory.parent))
        os.chmod(staging, 0o777 & ~_umask())
    except OSError as exc:
        raise _naming(directory, exc) from None
    try:
        try:
            yield staging
        except OSError as exc:
            if _about_staging(exc, staging):
                raise _naming(directory, exc) from None
            raise
        _move_into_place(staging, directory, replace)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(staging: Path, directory: Path, replace: bool):
    if not os.path.lexists(directory):
        try:
            os.rename(staging, directory)
        except OSError as exc:
            raise _naming(directory, exc) from None
        return
    if not replace:
        raise FileExistsError(errno.EEXIST, "exists already", str(directory))
    # A fresh temporary name (made, then freed) for the old folder.
    aside = Path(tempfile.mkdtemp(prefix=_our_prefix(), dir=directory.parent))
    aside.rmdir()
    try:
        os.rename(directory, aside)
    except OSError as exc:
        raise _naming(directory, exc) from None
    try:
        os.rename(staging, directory)
    except BaseException as exc:
        os.rename(aside, directory)
        if isinstance(exc, OSError):
            raise _naming(directory, exc) from None
        raise
    if aside.is_dir() and not aside.is_symlink():
        shutil.rmtree(aside)
    else:
        aside.unlink()
