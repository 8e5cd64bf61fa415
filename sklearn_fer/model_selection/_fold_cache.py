"""Finished folds on disk, so that a comparison interrupted resumes where it was.

One small JSON file per estimator and split, named by a SHA-256 of what its
scores depend on: the data (the bytes of ``X`` and ``y``), the estimator (its
class and parameters, as joblib hashes an unfitted clone), the split (its
training and test indices), the scorer and the versions of scikit-learn and
sklearn-fer. A file is written whole (``atomic_write``); one that cannot be
read or does not hold scores is ignored and its fold fitted again.
"""

import hashlib
import json
import os
import pickle
import re
import stat
from pathlib import Path

import numpy as np


def _update_with_array(digest, array):
    array = np.ascontiguousarray(array)
    if array.dtype == object:
        digest.update(pickle.dumps(array.tolist(), protocol=4))
        return
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    digest.update(memoryview(array.reshape(-1).view(np.uint8)))


def data_sha256(*datasets) -> str:
    """The SHA-256 of arrays, sparse matrices or pandas objects, in order."""
    import pandas as pd
    from scipy import sparse

    digest = hashlib.sha256()
    for data in datasets:
        digest.update(type(data).__name__.encode())
        if data is None:
            continue
        if sparse.issparse(data):
            data = data.tocsr()
            digest.update(repr(data.shape).encode())
            for part in (data.data, data.indices, data.indptr):
                _update_with_array(digest, part)
        elif isinstance(data, pd.DataFrame | pd.Series):
            columns = list(data.columns) if data.ndim == 2 else [data.name]
            digest.update(repr(columns).encode())
            _update_with_array(digest, pd.util.hash_pandas_object(data).to_numpy())
        else:
            _update_with_array(digest, np.asarray(data))
    return digest.hexdigest()


def estimator_digest(estimator) -> str:
    """A hash of the estimator's class and parameters (an unfitted clone)."""
    import joblib
    from sklearn.base import clone

    return joblib.hash(clone(estimator))


def split_digest(train, test) -> str:
    digest = hashlib.sha256()
    _update_with_array(digest, np.asarray(train, dtype=np.int64))
    digest.update(b"|")
    _update_with_array(digest, np.asarray(test, dtype=np.int64))
    return digest.hexdigest()


#: The name of a finished fold's file: the SHA-256 of its key.
FOLD_FILE = re.compile(r"[0-9a-f]{64}\.json")


def forget_folds(cache_dir) -> int:
    """Delete the finished folds kept in ``cache_dir`` (``folds/``).

    Only the regular files named as ``FoldStore`` names them are deleted;
    anything else is left. Returns how many were.
    """
    folder = Path(cache_dir) / "folds"
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    deleted = 0
    for entry in entries:
        regular = stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode)
        if regular and FOLD_FILE.fullmatch(entry.name):
            Path(entry.path).unlink(missing_ok=True)
            deleted += 1
    return deleted


class FoldStore:
    """The finished folds of a comparison, one JSON file each under ``folder``."""

    def __init__(self, folder, context: str):
        import sklearn

        from .. import __version__

        self.folder = Path(folder)
        self.context = f"{context}:sklearn {sklearn.__version__}:{__version__}"

    def key(self, data, estimator, split) -> str:
        text = f"{self.context}:{data}:{estimator}:{split}"
        return hashlib.sha256(text.encode()).hexdigest()

    def load(self, key):
        """The scores of a finished fold, or None."""
        try:
            scores = json.loads((self.folder / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(scores, dict) or not all(
            isinstance(value, int | float) for value in scores.values()
        ):
            return None
        return {name: float(value) for name, value in scores.items()}

    def save(self, key, scores: dict):
        from ..utils import atomic_write

        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({name: float(value) for name, value in scores.items()})
        atomic_write(self.folder / f"{key}.json", text.encode())
