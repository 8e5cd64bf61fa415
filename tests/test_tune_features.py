"""The feature cache of benchmarks/tune_features.py: whole files or none."""

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer

from benchmarks import tune_features


def _cache(tmp_path):
    faces = np.arange(12, dtype=np.float32).reshape(3, 4)
    return tune_features.cached(
        "holdout", "identity", FunctionTransformer(), faces, faces, ("faces",), 3
    )


def test_features_are_cached_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNE_FEATURES_CACHE", str(tmp_path))
    made = _cache(tmp_path)["faces"]
    [saved] = tmp_path.iterdir()
    np.testing.assert_array_equal(np.load(saved), made)
    np.testing.assert_array_equal(_cache(tmp_path)["faces"], made)


def test_an_interrupted_save_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNE_FEATURES_CACHE", str(tmp_path))
    real_save = np.save

    def interrupted(file, array):
        real_save(file, array[:1])  # part of it written, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _cache(tmp_path)
    assert list(tmp_path.iterdir()) == []
