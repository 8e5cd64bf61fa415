"""Files read and written safely: regular files in, whole files and folders out.

Reading: ``open_regular`` is the one check of every input file, refusing a
named pipe, a device or a socket without blocking on it.

Writing: everything is first written under a temporary name beside its
destination (same file system), then renamed into place, so a reader never
sees half of it. Temporary names start with ``.sklearn-fer-tmp-`` and carry
this machine's tag and the process id, so that the leftovers of a killed
process are recognisable: the next write in that folder removes those whose
process is gone. Written files and folders get the permissions the umask
gives (``mkstemp`` and ``mkdtemp`` alone give 0600 and 0700), and an error
names the destination, never a temporary name. ``lock_output`` keeps two
processes from writing one output at once.
"""

import contextlib
import errno
import hashlib
import os
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: outputs are not locked
    fcntl = None

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


def _remove_tree(path: Path):
    """Remove a folder of ours, also when it was made read-only (a read-only
    report set aside): each folder that refuses is made writable, once."""

    def make_writable_and_retry(function, name, _):
        parent = os.path.dirname(name)
        with contextlib.suppress(OSError):
            os.chmod(parent, stat.S_IMODE(os.lstat(parent).st_mode) | stat.S_IRWXU)
        with contextlib.suppress(OSError):
            function(name)

    shutil.rmtree(path, onerror=make_writable_and_retry)


def remove_stale_temporaries(folder) -> list[Path]:
    """Remove what a killed sklearn-fer process left in ``folder``.

    Its temporaries (only names this module makes, from this machine, whose
    process no longer runs) and the lock files no process holds; anything else
    is left alone. Returns what was removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        path = Path(entry.path)
        if name.startswith(LOCK_PREFIX):
            if _remove_unheld_lock(path):
                removed.append(path)
            continue
        if not name.startswith(f"{TEMPORARY_PREFIX}{_HOST_TAG}-"):
            continue
        pid = name[len(TEMPORARY_PREFIX) + len(_HOST_TAG) + 1 :].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        if _process_is_gone(int(pid)):
            if entry.is_dir(follow_symlinks=False):
                _remove_tree(path)
            else:
                path.unlink(missing_ok=True)
            if not os.path.lexists(path):
                removed.append(path)
    return removed


# -- reading -------------------------------------------------------------------

#: What a path that is not a regular file is, by ``stat`` mode.
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path, mode) -> ValueError:
    kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
    return ValueError(
        f"{path} is {kind}, not a regular file: sklearn-fer reads its inputs "
        "from files (a pipe would be read once, or block); save it to a file first."
    )


def open_regular(path):
    """Open ``path`` for reading in binary, refusing anything but a regular file.

    The one check of every input the package reads: a named pipe, a device
    or a socket is refused without blocking (opened non-blocking, checked on
    the open descriptor, so that nothing swapped in after a check is read),
    and a loop of symbolic links is an ``OSError``, as a missing file is.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    file : binary file object, positioned at the start

    Raises
    ------
    ValueError
        ``path`` is not a regular file; the message names it and says what it is.
    OSError
        It cannot be opened (missing, no permission, a loop of links).
    """
    try:
        mode = os.stat(path).st_mode  # a socket cannot even be opened
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(exc.errno, "a loop of symbolic links", str(path)) from None
        raise
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


# -- locks -------------------------------------------------------------------------

#: The lock file of an output is this prefix and the output's name, beside it.
LOCK_PREFIX = ".sklearn-fer-lock-"
#: How often a held lock is tried (20 ms apart) before the output is refused.
_LOCK_TRIES = 5


def _lock_file(path) -> Path:
    path = Path(path)
    folder = Path(os.path.realpath(path.parent))
    name = f"{LOCK_PREFIX}{path.name}"
    if len(os.fsencode(name)) > 255:  # NAME_MAX of most file systems
        name = LOCK_PREFIX + hashlib.sha256(os.fsencode(path.name)).hexdigest()[:32]
    return folder / name


def lock_output(path):
    """An exclusive lock on writing ``path``, or None while another process holds it.

    A lock file beside ``path`` (named ``LOCK_PREFIX`` + its name), locked
    with ``flock``: the kernel frees it when its process ends, however it
    ends, and ``release_output`` removes it. Two writers of one output, in
    two processes or two threads, thus never both go ahead. Where ``fcntl``
    is missing (Windows) nothing is locked.

    Returns
    -------
    lock : object or None
        Pass it to :func:`release_output`; None when the lock is held.
    """
    if fcntl is None:
        return ()
    lock = _lock_file(path)
    for _ in range(_LOCK_TRIES):
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Held by a writer, or for an instant by a run removing a stale lock.
            os.close(descriptor)
            time.sleep(0.02)
            continue
        # Its last holder may have removed it meanwhile: then it locks nothing.
        try:
            if os.path.samestat(os.fstat(descriptor), os.stat(lock)):
                return descriptor, lock
        except FileNotFoundError:
            pass
        os.close(descriptor)
    return None


def release_output(held):
    """Free a lock of :func:`lock_output` and remove its file."""
    if not held:
        return
    descriptor, lock = held
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock)
    os.close(descriptor)


def _remove_unheld_lock(lock: Path) -> bool:
    """Remove a lock file that no process holds (its process was killed)."""
    if fcntl is None:
        return False
    try:
        descriptor = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if not os.path.samestat(os.fstat(descriptor), os.stat(lock)):
            return False
        os.unlink(lock)
        return True
    except OSError:  # held (BlockingIOError), or gone
        return False
    finally:
        os.close(descriptor)


# -- writing -----------------------------------------------------------------------

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


def error_about(destination, exc: OSError, staging) -> OSError:
    """``exc``, naming ``destination`` when it is about ``staging`` (its temporary)."""
    if _about_staging(exc, Path(staging)):
        return _naming(Path(destination), exc)
    return exc


def new_temporary(folder, *, directory: bool = False) -> Path:
    """A new empty file (or folder) in ``folder``, under a temporary name of ours.

    Named as :func:`remove_stale_temporaries` recognises, so that a killed
    process's temporaries are removed by the next write there; it gets the
    permissions the umask gives (``mkstemp`` alone gives 0600).
    """
    if directory:
        path = Path(tempfile.mkdtemp(prefix=_our_prefix(), dir=folder))
        os.chmod(path, 0o777 & ~_umask())
        return path
    descriptor, path = tempfile.mkstemp(prefix=_our_prefix(), dir=folder)
    os.close(descriptor)
    os.chmod(path, 0o666 & ~_umask())
    return Path(path)


@contextlib.contextmanager
def _staged(path: Path, *, sync: bool = True):
    """Yield a binary file under a temporary name beside ``path``, written
    (and synced) when the block succeeds; its name is ``file.name``. On any
    error the temporary file is removed and an ``OSError`` names ``path``.
    The caller renames it into place (or removes it)."""
    remove_stale_temporaries(path.parent)
    temporary = None
    try:
        temporary = new_temporary(path.parent)
        with open(temporary, "wb") as file:
            yield file
            file.flush()
            if sync:
                os.fsync(file.fileno())
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise _naming(path, exc) from None
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise


def _move_into_place(temporary: Path, destination: Path) -> None:
    """Rename a staged ``temporary`` over ``destination``; on any error the
    temporary is removed and an ``OSError`` names ``destination``."""
    try:
        os.replace(temporary, destination)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _naming(destination, exc) from None
        raise


@contextlib.contextmanager
def atomic_file(path, *, sync: bool = True):
    """Yield a binary file that replaces ``path``, whole, when the block succeeds.

    Written under a temporary name beside ``path`` (same file system), then
    renamed over it; on any error the temporary file is removed and an
    ``OSError`` names ``path``. ``sync=False`` skips ``fsync`` (a cache
    entry, which can be made again, need not survive a power cut).
    """
    path = Path(path)
    with _staged(path, sync=sync) as file:
        yield file
    _move_into_place(Path(file.name), path)


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
    with atomic_file(path) as file:
        file.write(payload)
    return Path(path)


def atomic_write_all(files: dict) -> list[Path]:
    """Write several files, each whole, none of them unless all can be written.

    Every payload is first written (and synced) under a temporary name beside
    its destination; only when all are written are they renamed into place.
    A destination that exists and is not a regular file (a folder, say) is
    refused before anything is written, so that the renames, the last step,
    do not fail on it: a set of files that belong together (a model and its
    card) is never left half old, half new.

    Parameters
    ----------
    files : dict
        Destination path -> bytes.

    Returns
    -------
    paths : list of Path

    Raises
    ------
    OSError
        A file cannot be written; the message names its destination, and no
        destination has changed.
    """
    destinations = [Path(path) for path in files]
    for destination in destinations:
        if destination.exists() and not destination.is_file():
            kind = "a folder" if destination.is_dir() else "not a regular file"
            raise OSError(
                f"{destination} is {kind}, not a regular file it could replace: "
                "nothing was written; move it away or write elsewhere."
            )
    staged = {}
    try:
        for destination, payload in zip(destinations, files.values(), strict=True):
            with _staged(destination) as file:
                file.write(payload)
            staged[destination] = Path(file.name)
        for destination, temporary in staged.items():
            _move_into_place(temporary, destination)
    except BaseException:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        raise
    return destinations


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
        staging = new_temporary(directory.parent, directory=True)
    except OSError as exc:
        raise _naming(directory, exc) from None
    try:
        try:
            yield staging
        except OSError as exc:
            raise error_about(directory, exc, staging) from None
        if os.path.lexists(directory) and not replace:
            raise FileExistsError(errno.EEXIST, "exists already", str(directory))
        aside = swap_in(staging, directory)
        if aside is not None:
            _remove_tree(aside)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, directory: Path) -> Path | None:
    """Rename ``staging`` to ``directory``; an existing one is renamed aside first.

    Returns the old folder's temporary name (for the caller to remove), or
    None when there was none. On an error or an interrupt between the two
    renames the old folder is put back, so ``directory`` is always whole.
    """
    if not os.path.lexists(directory):
        try:
            os.rename(staging, directory)
        except OSError as exc:
            raise _naming(directory, exc) from None
        return None
    # A fresh temporary name (made, then freed) for the old folder.
    aside = new_temporary(directory.parent, directory=True)
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
    return aside


def swap_back(staging: Path, directory: Path, aside: Path | None):
    """Undo :func:`swap_in`: ``directory`` back to ``staging``, ``aside`` back."""
    os.rename(directory, staging)
    if aside is not None:
        os.rename(aside, directory)
