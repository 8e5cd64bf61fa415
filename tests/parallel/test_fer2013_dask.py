"""fer2013_to_dask: chunked conversion of FER2013 files to Dask arrays."""

import numpy as np
import pytest

pytest.importorskip("dask")

from sklearn_fer.datasets import load_fer2013
from sklearn_fer.parallel import fer2013_to_dask


def _write_csv(path, n_rows, *, bad_row=None, labels=True):
    rng = np.random.RandomState(0)
    pixels = rng.randint(0, 256, size=(n_rows, 2304))
    lines = ["emotion,pixels,Usage" if labels else "pixels"]
    for index, row in enumerate(pixels):
        text = " ".join(map(str, row))
        if index == bad_row:
            text = text.replace(" ", " x ", 1)
        usage = "Training" if index % 3 else "PublicTest"
        lines.append(f"{index % 7},{text},{usage}" if labels else text)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_equals_load_fer2013_block_by_block(tmp_path):
    path = _write_csv(tmp_path / "fer2013.csv", 25)
    X, y = fer2013_to_dask(path, tmp_path / "arrays", chunksize=4, usage="Training")
    expected = load_fer2013(path, usage="Training")
    assert X.chunks[0] == (4, 4, 4, 4)
    assert X.dtype == np.uint8 and X.shape == (16, 2304)
    np.testing.assert_array_equal(X.compute(), expected.data)
    np.testing.assert_array_equal(y.compute(), expected.target)
    # No staging directory is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arrays", "fer2013.csv"]


def test_file_without_labels_gives_no_y(tmp_path):
    path = _write_csv(tmp_path / "test.csv", 5, labels=False)
    X, y = fer2013_to_dask(path, tmp_path / "arrays", chunksize=2)
    assert y is None
    assert X.chunks[0] == (2, 2, 1)


def test_existing_directory_is_refused(tmp_path):
    path = _write_csv(tmp_path / "fer2013.csv", 3)
    (tmp_path / "arrays").mkdir()
    with pytest.raises(FileExistsError, match="exists already"):
        fer2013_to_dask(path, tmp_path / "arrays")


def test_a_bad_row_leaves_no_half_written_directory(tmp_path):
    path = _write_csv(tmp_path / "fer2013.csv", 12, bad_row=9)
    with pytest.raises(ValueError, match="line 11"):
        fer2013_to_dask(path, tmp_path / "arrays", chunksize=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fer2013.csv"]
