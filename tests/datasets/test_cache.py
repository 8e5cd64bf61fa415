"""load_fer2013's cache of parsed files: hits, invalidation, damaged entries."""

import os
import warnings

import numpy as np
import pytest

from sklearn_fer.datasets import _fer2013, load_fer2013

CODES = [3, 0, 6, 4, 3, 1]
USAGE = ["Training"] * 3 + ["PublicTest"] * 2 + ["PrivateTest"]


@pytest.fixture
def faces():
    return np.random.RandomState(0).randint(0, 256, size=(6, 2304)).astype(np.uint8)


def _write_csv(path, faces, codes=CODES, usage=USAGE):
    lines = ["emotion,pixels,Usage"] + [
        f"{code},{' '.join(map(str, row))},{split}"
        for code, row, split in zip(codes, faces, usage, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def parses(monkeypatch):
    """How many files load_fer2013 parses."""
    calls = []
    read = _fer2013._iter_records
    monkeypatch.setattr(
        _fer2013, "_iter_records", lambda path: calls.append(path) or read(path)
    )
    return calls


def _entries(data_home):
    return sorted((data_home / "sklearn_fer" / "fer2013").glob("*.npz"))


def _assert_same(a, b):
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.target, b.target)
    np.testing.assert_array_equal(a.usage, b.usage)
    assert a.usage.dtype == b.usage.dtype == object


def test_second_load_reads_the_cache(tmp_path, faces, parses):
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    first = load_fer2013(path, data_home=tmp_path / "home")
    assert len(parses) == 1 and len(_entries(tmp_path / "home")) == 1
    second = load_fer2013(path, data_home=tmp_path / "home")
    assert len(parses) == 1
    _assert_same(first, second)
    np.testing.assert_array_equal(second.data, faces)
    # Any selection is made from the cached faces.
    subset = load_fer2013(
        path, data_home=tmp_path / "home", usage="Training", target=["happy", "sad"]
    )
    assert len(parses) == 1
    np.testing.assert_array_equal(subset.data, faces[[0]])
    uncached = load_fer2013(
        path, usage="Training", target=["happy", "sad"], cache=False
    )
    _assert_same(subset, uncached)
    assert len(parses) == 2


def test_default_data_home_and_no_cache(tmp_path, faces, parses, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "env_home"))
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    load_fer2013(path, cache=False)
    assert not (tmp_path / "env_home" / "sklearn_fer").exists()
    load_fer2013(path)
    load_fer2013(path)
    assert len(parses) == 2 and len(_entries(tmp_path / "env_home")) == 1


@pytest.mark.parametrize("name", ["train.csv", "test.csv"])
def test_layouts_without_usage_or_labels(tmp_path, faces, parses, name):
    text = "emotion,pixels\n" if name == "train.csv" else "pixels\n"
    prefix = "{},".format if name == "train.csv" else lambda code: ""
    text += "".join(
        f"{prefix(c)}{' '.join(map(str, r))}\n"
        for c, r in zip(CODES, faces, strict=True)
    )
    path = tmp_path / name
    path.write_text(text)
    first = load_fer2013(path, data_home=tmp_path)
    second = load_fer2013(path, data_home=tmp_path)
    assert len(parses) == 1
    np.testing.assert_array_equal(first.data, second.data)
    if name == "train.csv":
        _assert_same(first, second)
        assert set(second.usage) == {"Training"}
    else:
        assert second.target is None and second.usage is None
    assert "layout" in second.DESCR and first.DESCR == second.DESCR


def test_a_changed_file_is_parsed_again(tmp_path, faces, parses):
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    load_fer2013(path, data_home=tmp_path)
    stat = path.stat()
    # Same size and modification time, new first bytes.
    _write_csv(path, faces, codes=[6, 0, 6, 4, 3, 1])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert load_fer2013(path, data_home=tmp_path).target[0] == 6
    # Same content, new modification time.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_fer2013(path, data_home=tmp_path).target[0] == 6
    assert len(parses) == 3
    # The entries of the earlier versions are gone.
    assert len(_entries(tmp_path)) == 1


class _Trap:
    """Unpickling this runs code: a cache entry must never be unpickled."""

    def __reduce__(self):
        return (_sprung.append, (True,))


_sprung = []


def _damage_by_flipping_a_pixel_byte(entry):
    data = bytearray(entry.read_bytes())
    data[data.find(b"pixels.npy") + 2000] ^= 0x01
    entry.write_bytes(bytes(data))


def _damage_by_truncating(entry):
    entry.write_bytes(entry.read_bytes()[:5000])


def _damage_with_a_pickle(entry):
    with np.load(entry) as arrays:
        contents = dict(arrays)
    contents["usage"] = np.array([_Trap()] * 6, dtype=object)
    with open(entry, "wb") as file:
        np.savez(file, **contents)


def _damage_the_codes(entry):
    with np.load(entry) as arrays:
        contents = dict(arrays)
    contents["emotion"] = contents["emotion"] + 7
    with open(entry, "wb") as file:
        np.savez(file, **contents)


def _damage_with_a_bare_array(entry):
    with open(entry, "wb") as file:
        np.save(file, np.zeros(3))


@pytest.mark.parametrize(
    "damage",
    [
        _damage_by_flipping_a_pixel_byte,
        _damage_by_truncating,
        _damage_with_a_pickle,
        _damage_the_codes,
        _damage_with_a_bare_array,
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(tmp_path, faces, parses, damage):
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    load_fer2013(path, data_home=tmp_path)
    (entry,) = _entries(tmp_path)
    damage(entry)
    bunch = load_fer2013(path, data_home=tmp_path)
    assert len(parses) == 2 and not _sprung
    np.testing.assert_array_equal(bunch.data, faces)
    np.testing.assert_array_equal(bunch.target, CODES)
    bunch = load_fer2013(path, data_home=tmp_path)
    assert len(parses) == 2
    np.testing.assert_array_equal(bunch.data, faces)


def test_an_unwritable_cache_warns_and_loads(tmp_path, faces):
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    blocked = tmp_path / "file_not_folder"
    blocked.write_text("")
    with pytest.warns(RuntimeWarning, match="Could not cache"):
        bunch = load_fer2013(path, data_home=blocked)
    np.testing.assert_array_equal(bunch.data, faces)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_fer2013(path, data_home=blocked, cache=False)
