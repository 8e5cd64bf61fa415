"""Writing files and folders whole: a reader never sees half of one."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def atomic_write(path: Path, payload: bytes):
    """Write ``payload`` to a temporary file beside ``path``, then rename it."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
