"""A cache of parsed FER2013 CSV files, so that loading one again is fast.

Parsing the 300 MB of text of fer2013.csv takes seconds; its parsed arrays load
from an uncompressed ``.npz`` file in a fraction of that. An entry lives under
scikit-learn's data home (``~/scikit_learn_data/sklearn_fer/fer2013`` unless
``data_home`` or ``$SCIKIT_LEARN_DATA`` says otherwise), named after a key of
the source's path, size, modification time and first MiB, so that a changed
file gets a new entry; the older entries of the same path are then removed.

An entry is never trusted blindly: it is read with ``allow_pickle=False`` (it
holds plain arrays only), zip's CRC-32 checks every array's bytes, and the
arrays' shapes, types and codes are checked against the entry's own record of
what it holds. A damaged entry is ignored, and rewritten from the source.
Entries are written to a temporary file and renamed into place, so a reader
sees a whole entry or none.
"""

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home

from ._emotions import EMOTIONS, USAGES
from ._pixels import N_PIXELS

#: Changes whenever what an entry holds changes, so old entries are not read.
FORMAT = 1
_HEAD_BYTES = 1 << 20
_USAGE_NAMES = np.array(USAGES, dtype=object)


def _cache_folder(data_home) -> Path:
    return Path(get_data_home(data_home)) / "sklearn_fer" / "fer2013"


def _entry_path(source: Path, data_home) -> tuple[Path, dict]:
    """Where the entry for ``source`` as it is now lives, and what identifies it."""
    source = source.resolve()
    stat = source.stat()
    with open(source, "rb") as file:
        head = hashlib.sha256(file.read(_HEAD_BYTES)).hexdigest()
    identity = {
        "format": FORMAT,
        "source": str(source),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "head_sha256": head,
    }
    path_key = hashlib.sha256(str(source).encode()).hexdigest()[:16]
    content_key = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]
    return _cache_folder(data_home) / f"{path_key}-{content_key}.npz", identity


def read_cached(source: Path, data_home):
    """``(layout, pixels, emotion, usage)`` from the cache, or None on a miss.

    A missing, stale or damaged entry is a miss.
    """
    try:
        path, identity = _entry_path(source, data_home)
    except OSError:
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
            return str(meta["layout"]), pixels, emotion, usage
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


def _codes_are_valid(codes, n_faces, n_codes):
    return (
        codes.dtype == np.int8
        and codes.shape == (n_faces,)
        and (n_faces == 0 or (codes.min() >= 0 and codes.max() < n_codes))
    )


def write_cached(source: Path, data_home, layout, pixels, emotion, usage):
    """Store the parsed arrays of ``source``; warn, not fail, if it cannot."""
    try:
        path, identity = _entry_path(source, data_home)
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
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=".writing-", suffix=".npz"
        )
        try:
            with os.fdopen(descriptor, "wb") as file:
                np.savez(file, **arrays)
            # mkstemp makes the file private; an entry gets the usual mode.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        # Entries of earlier versions of the same file: ours, and stale.
        path_key = path.name.split("-")[0]
        for stale in path.parent.glob(f"{path_key}-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        warnings.warn(
            f"Could not cache the parsed faces of {source} ({exc}); the next "
            "load parses the file again. Pass data_home= to cache elsewhere, "
            "or cache=False.",
            RuntimeWarning,
            stacklevel=3,
        )
