"""A cache of parsed FER2013 CSV files, so that loading one again is fast.

Parsing the 300 MB of text of fer2013.csv takes seconds; its parsed arrays load
from an uncompressed ``.npz`` file in a fraction of that. An entry lives under
scikit-learn's data home (``~/scikit_learn_data/sklearn_fer/fer2013`` unless
``data_home`` or ``$SCIKIT_LEARN_DATA`` says otherwise), named after a key of
the source's path, size, modification time, inode and first MiB, so that a
changed file gets a new entry; the older entries of the same path are then
removed. The key is taken from the opened source before it is parsed, and the
faces are stored only if the file at that path is still the same afterwards
(``is_unchanged``), so a file replaced while it was parsed is never cached
under the new file's key.

An entry is never trusted blindly: it is read with ``allow_pickle=False`` (it
holds plain arrays only), zip's CRC-32 checks every array's bytes, and the
arrays' shapes, types and codes are checked against the entry's own record of
what it holds. A damaged entry is ignored, and rewritten from the source.
Entries are written to a temporary file and renamed into place, so a reader
sees a whole entry or none; the temporary files of a killed process are
removed by the next write. The cache is bounded, as pip's is: each write
removes the entries of files that no longer exist, those not read for
``MAX_AGE_DAYS`` days, and the least recently read beyond ``MAX_BYTES``.
"""

import contextlib
import hashlib
import json
import os
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home

from ..utils._files import atomic_file, remove_stale_temporaries
from ._emotions import EMOTIONS, USAGES
from ._pixels import N_PIXELS

#: Changes whenever what an entry holds changes, so old entries are not read.
FORMAT = 2
#: Entries not read for this many days are removed.
MAX_AGE_DAYS = 30
#: The entries kept, least recently read removed first (FER2013's is 85 MB).
MAX_BYTES = 2 << 30
#: Temporary files of earlier versions (``.writing-*.npz``) older than this
#: are leftovers of a killed load.
_STALE_WRITING_SECONDS = 24 * 3600
_HEAD_BYTES = 1 << 20
_USAGE_NAMES = np.array(USAGES, dtype=object)


def _cache_folder(data_home) -> Path:
    return Path(get_data_home(data_home)) / "sklearn_fer" / "fer2013"


def _stat_key(info) -> list:
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev]


def source_identity(file, source: Path) -> dict | None:
    """What identifies the opened ``source`` (``file``) as it is now, or None.

    Its resolved path, size, modification time, inode and device (from the
    open file) and the SHA-256 of its first MiB.
    """
    try:
        info = os.fstat(file.fileno())
        position = file.tell()
        file.seek(0)
        head = hashlib.sha256(file.read(_HEAD_BYTES)).hexdigest()
        file.seek(position)
    except OSError:
        return None
    return {
        "format": FORMAT,
        "source": os.path.realpath(source),
        "stat": _stat_key(info),
        "head_sha256": head,
    }


def is_unchanged(identity: dict, file, source: Path) -> bool:
    """Whether ``source`` is still the file ``identity`` was taken from.

    The open ``file`` was not written to, and the path still names it (not
    a file renamed over it).
    """
    try:
        now = [_stat_key(os.fstat(file.fileno())), _stat_key(os.stat(source))]
    except OSError:
        return False
    return now == [identity["stat"]] * 2


def _entry_path(identity: dict, data_home) -> Path:
    """Where the entry of ``identity`` lives."""
    path_key = hashlib.sha256(identity["source"].encode()).hexdigest()[:16]
    content_key = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]
    return _cache_folder(data_home) / f"{path_key}-{content_key}.npz"


def read_cached(identity: dict, data_home):
    """``(layout, pixels, emotion, usage)`` from the cache, or None on a miss.

    A missing, stale or damaged entry is a miss. A hit marks the entry as
    read now (its modification time), for the cache's bounds.
    """
    try:
        path = _entry_path(identity, data_home)
    except OSError:  # a data home that cannot be made
        return None
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            meta = json.loads(str(entry["meta"][()]))
            if meta["identity"] != identity:
                return None
            pixels = entry["pixels"]
            n_faces = meta["n_faces"]
            if pixels.dtype != np.uint8 or pixels.shape != (n_faces, N_PIXELS):
                return None
            emotion = usage = None
            if meta["has_emotion"]:
                emotion = entry["emotion"]
                if not _codes_are_valid(emotion, n_faces, len(EMOTIONS)):
                    return None
            if meta["has_usage"]:
                codes = entry["usage"]
                if not _codes_are_valid(codes, n_faces, len(USAGES)):
                    return None
                usage = _USAGE_NAMES[codes]
            found = str(meta["layout"]), pixels, emotion, usage
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        zipfile.BadZipFile,
    ):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return found


def _codes_are_valid(codes, n_faces, n_codes):
    return (
        codes.dtype == np.int8
        and codes.shape == (n_faces,)
        and (n_faces == 0 or (codes.min() >= 0 and codes.max() < n_codes))
    )


def write_cached(identity: dict, data_home, layout, pixels, emotion, usage):
    """Store the parsed arrays of the source of ``identity``; warn, not fail,
    if it cannot. Then keep the cache within its bounds (``prune``)."""
    try:
        path = _entry_path(identity, data_home)
        meta = {
            "identity": identity,
            "layout": layout,
            "n_faces": len(pixels),
            "has_emotion": emotion is not None,
            "has_usage": usage is not None,
        }
        arrays = {"meta": np.array(json.dumps(meta)), "pixels": pixels}
        if emotion is not None:
            arrays["emotion"] = emotion.astype(np.int8, copy=False)
        if usage is not None:
            codes = np.full(len(usage), -1, dtype=np.int8)
            for code, name in enumerate(USAGES):
                codes[usage == name] = code
            arrays["usage"] = codes
        path.parent.mkdir(parents=True, exist_ok=True)
        # Named as a temporary of this process: removed by the next write if
        # this one is killed.
        with atomic_file(path, sync=False) as file:
            np.savez(file, **arrays)
        # Entries of earlier versions of the same file: ours, and stale.
        path_key = path.name.split("-")[0]
        for stale in path.parent.glob(f"{path_key}-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        warnings.warn(
            f"Could not cache the parsed faces of {identity['source']} ({exc}); "
            "the next load parses the file again. Pass data_home= to cache "
            "elsewhere, or cache=False.",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    prune(path.parent, keep=path)


def _entry_source(entry: Path) -> str | None:
    """The source file an entry was made from; None if it cannot be read, or
    is of another format."""
    try:
        with np.load(entry, allow_pickle=False) as arrays:
            identity = json.loads(str(arrays["meta"][()]))["identity"]
            if identity["format"] != FORMAT:  # never read again
                return None
            return str(identity["source"])
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None


def prune(folder: Path, *, keep: Path | None = None) -> list[Path]:
    """Keep the cache in ``folder`` within its bounds; returns what was removed.

    Removed: the temporary files of killed loads, the entries of source files
    that no longer exist (or that cannot be read), those not read for
    ``MAX_AGE_DAYS`` days, then the least recently read until the rest fit in
    ``MAX_BYTES``. ``keep`` (the entry just written) stays.
    """
    removed = list(remove_stale_temporaries(folder))
    now = time.time()
    for leftover in folder.glob(".writing-*.npz"):  # of earlier versions
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > _STALE_WRITING_SECONDS:
                leftover.unlink()
                removed.append(leftover)
    entries = []
    for entry in folder.glob("*.npz"):
        if entry == keep or entry.name.startswith("."):  # temporaries
            continue
        try:
            info = entry.stat()
        except OSError:
            continue
        source = _entry_source(entry)
        too_old = now - info.st_mtime > MAX_AGE_DAYS * 86400
        if source is None or not os.path.exists(source) or too_old:
            entry.unlink(missing_ok=True)
            removed.append(entry)
        else:
            entries.append((info.st_mtime, info.st_size, entry))
    total = sum(size for _, size, _ in entries)
    with contextlib.suppress(OSError):
        total += keep.stat().st_size if keep is not None else 0
    for _, size, entry in sorted(entries):  # least recently read first
        if total <= MAX_BYTES:
            break
        entry.unlink(missing_ok=True)
        removed.append(entry)
        total -= size
    return removed
