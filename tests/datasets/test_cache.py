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
        _fer2013,
        "_iter_records",
        lambda path, *file: calls.append(path) or read(path, *file),
    )
    return calls


def _entries(data_home):
    folder = data_home / "sklearn_fer" / "fer2013"
    return sorted(p for p in folder.glob("*.npz") if not p.name.startswith("."))


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


# -- round two: the key of what was parsed, temporaries, bounds ------------------------


def test_a_file_replaced_while_parsed_is_not_cached_under_its_key(
    tmp_path, faces, monkeypatch
):
    # Bug: a file replaced while its first load parsed it got the old faces
    # cached under the new file's key (a later load returned 32,298 faces for
    # a file of 700).
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    other = np.zeros((2, 2304), dtype=np.uint8)
    replacement = _write_csv(
        tmp_path / "new.csv", other, codes=[5, 5], usage=["Training"] * 2
    )
    parse_block = _fer2013._parse_block

    def replaced_meanwhile(*args):
        if replacement.exists():
            os.replace(replacement, path)
        return parse_block(*args)

    monkeypatch.setattr(_fer2013, "_parse_block", replaced_meanwhile)
    first = load_fer2013(path, data_home=tmp_path / "home")
    np.testing.assert_array_equal(first.data, faces)  # what was opened
    assert _entries(tmp_path / "home") == []
    monkeypatch.undo()
    second = load_fer2013(path, data_home=tmp_path / "home")
    np.testing.assert_array_equal(second.data, other)
    np.testing.assert_array_equal(second.target, [5, 5])


def test_a_file_changed_in_place_while_parsed_is_not_cached(
    tmp_path, faces, monkeypatch
):
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    parse_block = _fer2013._parse_block

    def appended_meanwhile(*args):
        with open(path, "a") as file:
            file.write(f"3,{' '.join(['1'] * 2304)},Training\n")
        return parse_block(*args)

    monkeypatch.setattr(_fer2013, "_parse_block", appended_meanwhile)
    load_fer2013(path, data_home=tmp_path / "home")
    assert _entries(tmp_path / "home") == []


def test_temporaries_of_a_killed_load_are_removed(tmp_path, faces):
    # Bug: a load killed while writing the cache left a 24 MB .writing-*.npz
    # forever.
    import subprocess
    import sys
    import time

    from sklearn_fer.utils import _files

    folder = tmp_path / "home" / "sklearn_fer" / "fer2013"
    folder.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = dead.stdout.strip()
    killed = folder / f"{_files.TEMPORARY_PREFIX}{_files._HOST_TAG}-{pid}-x"
    killed.write_bytes(b"half an entry")
    old = folder / ".writing-abc.npz"  # an earlier version's, two days old
    old.write_bytes(b"half an entry")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    recent = folder / ".writing-def.npz"  # perhaps being written now
    recent.write_bytes(b"?")
    path = _write_csv(tmp_path / "fer2013.csv", faces)
    load_fer2013(path, data_home=tmp_path / "home")
    assert not killed.exists() and not old.exists() and recent.exists()
    assert len(_entries(tmp_path / "home")) == 1


def test_entries_of_deleted_or_unread_files_are_removed(tmp_path, faces, monkeypatch):
    # Bug: the cache only grew: entries of deleted files stayed forever.
    import time

    from sklearn_fer.datasets import _cache

    home = tmp_path / "home"
    gone = _write_csv(tmp_path / "gone.csv", faces)
    unread = _write_csv(tmp_path / "unread.csv", faces[::-1])
    kept = _write_csv(tmp_path / "kept.csv", faces[:3], CODES[:3], USAGE[:3])
    for path in (gone, unread, kept):
        load_fer2013(path, data_home=home)
    assert len(_entries(home)) == 3
    gone.unlink()
    long_ago = time.time() - (_cache.MAX_AGE_DAYS + 1) * 86400
    for entry in _entries(home):
        if _cache._entry_source(entry) == str(unread.resolve()):
            os.utime(entry, (long_ago, long_ago))
    load_fer2013(kept, data_home=home)  # a hit: marks it read, writes nothing
    assert len(_entries(home)) == 3
    fresh = _write_csv(tmp_path / "fresh.csv", faces[:2], CODES[:2], USAGE[:2])
    load_fer2013(fresh, data_home=home)  # a write keeps the cache in bounds
    assert {_cache._entry_source(entry) for entry in _entries(home)} == {
        str(kept.resolve()),
        str(fresh.resolve()),
    }
    # Beyond the size bound, the least recently read go first.
    monkeypatch.setattr(_cache, "MAX_BYTES", 1)
    load_fer2013(unread, data_home=home)
    assert [_cache._entry_source(e) for e in _entries(home)] == [str(unread.resolve())]
