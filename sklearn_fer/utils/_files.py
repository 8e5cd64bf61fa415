"""Writing files and folders whole: a reader never sees half of one."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def atomic_write(path, payload: bytes) -> Path:
    """Write ``payload`` to ``path`` whole: a reader sees the old file or the new.

    The bytes go to a temporary file beside ``path`` (same file system), which
    is then renamed over it; on any error the temporary file is removed.

    Parameters
    ----------
    path : str or path-like
        The file to write (replaced if it exists).
    payload : bytes

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_fer.utils import atomic_write
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> atomic_write(path, b"happy\\n").read_text()
    'happy\\n'
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_directory(directory: Path):
    """Yield a staging folder that becomes ``directory`` once the block succeeds.

    The folder is made beside ``directory`` (same file system) and renamed over
    it at the end, replacing an existing ``directory``; on any error it is
    removed, so a reader never sees a half-written folder.
    """
    directory = Path(directory)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        yield staging
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
