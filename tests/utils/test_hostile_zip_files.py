"""Model files that are small on disk and huge in memory, and other zip tricks.

A skops file is a zip: the sizes its central directory declares are read
before anything is decompressed, and refused over caps far above what
sklearn-fer writes; each member is then read once, in bounded chunks. Each
hostile file here is refused with a ``ValueError`` naming the file, and the
refusal allocates next to nothing (``tracemalloc``).
"""

import io
import json
import struct
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
import skops.io
from numpy.lib import format as npy_format

from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.utils import _skops_files, load_model, save_model
from sklearn_fer.utils._skops_files import (
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_SCHEMA_BYTES,
    MAX_TOTAL_BYTES,
)

from ._schema import BENIGN, list_node, node, npy, write_model

MIB = 2**20


@pytest.fixture(scope="module")
def model_bytes():
    X, y = make_faces(100, random_state=0, return_X_y=True)
    model = SGDSoftmaxRegression(max_iter=1, random_state=0).fit(X / 255, y)
    return skops.io.dumps(model)


def _forge_sizes(data, name, *, size=None, stored=None):
    """``data`` (a zip) with the central directory's sizes of ``name`` changed."""
    data = bytearray(data)
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length].decode() == name:
            if stored is not None:
                struct.pack_into("<I", data, start + 20, stored)
            if size is not None:
                struct.pack_into("<I", data, start + 24, size)
        start += 4
    return bytes(data)


def _zip(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, content in members:
                archive.writestr(name, content)
    return buffer.getvalue()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _refused(path, message):
    """load_model refuses ``path`` with ``message``; the peak memory it took."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message) as info:
            load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value)
    return peak


def _deflated_zeros(path, size):
    """A model file whose array member is ``size`` bytes of zeros, deflated."""
    header = io.BytesIO()
    shape = (size // 8,)
    npy_format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    chunk = bytes(MIB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", json.dumps(BENIGN))
        with archive.open("array.npy", "w") as member:
            member.write(header.getvalue())
            for _ in range(size // MIB):
                member.write(chunk)
    return path


def test_a_deflate_bomb_is_refused_before_it_is_inflated(tmp_path):
    # 64 MiB of zeros in a file of 64 kB (the probe: GBs in a few hundred kB).
    path = _deflated_zeros(tmp_path / "bomb.skops", 64 * MIB)
    assert path.stat().st_size < MIB / 2
    peak = _refused(path, r"bomb.skops is refused before loading: .*'array.npy'.*ratio")
    assert peak < MIB


@pytest.mark.parametrize(
    "member, size, message",
    [
        ("array.npy", 3 * 2**30, r"'array.npy' declares 3,072.0 MiB \(at most 256"),
        ("schema.json", MAX_SCHEMA_BYTES + 1, r"'schema.json' declares 16.0 MiB"),
    ],
)
def test_declared_sizes_over_the_caps(model_bytes, tmp_path, member, size, message):
    # Sizes as the central directory declares them (stored, ratio 1): nothing
    # is read.
    data = _zip([("schema.json", json.dumps(BENIGN)), ("array.npy", npy(np.ones(3)))])
    data = _forge_sizes(data, member, size=size, stored=size)
    path = tmp_path / "big.skops"
    path.write_bytes(data)
    assert _refused(path, message) < MIB


def test_a_total_over_the_cap(tmp_path):
    each = MAX_MEMBER_BYTES  # each member within the cap, not all of them
    files = [(f"{i}.npy", b"x") for i in range(MAX_TOTAL_BYTES // each + 1)]
    data = _zip([("schema.json", json.dumps(BENIGN)), *files])
    for name, _ in files:
        data = _forge_sizes(data, name, size=each, stored=each)
    path = tmp_path / "total.skops"
    path.write_bytes(data)
    assert _refused(path, r"members declare 768.0 MiB in all \(at most 512") < MIB


def test_a_padded_schema(tmp_path):
    # Valid JSON, padded to past the cap, compressed to a few kB.
    padded = json.dumps(BENIGN) + " " * MAX_SCHEMA_BYTES
    data = _zip([("schema.json", padded)], zipfile.ZIP_DEFLATED)
    path = tmp_path / "padded.skops"
    path.write_bytes(data)
    assert len(data) < MIB
    assert _refused(path, r"'schema.json' declares 16.0 MiB") < MIB


def test_one_member_read_by_many_nodes(tmp_path):
    # 200 nodes on one array: skops would decompress and hold it 200 times.
    array = node("NdArrayNode", "numpy", "ndarray", type="numpy", file="array.npy")
    path = write_model(tmp_path / "many.skops", list_node(*[array] * 200))
    _refused(path, r"many.skops is refused .*two of its nodes read .*'array.npy'")


def test_a_member_that_decompresses_beyond_its_declared_size(tmp_path):
    # zipfile stops at the declared size, and the CRC then fails: the bytes
    # past it are never held.
    path = _deflated_zeros(tmp_path / "liar.skops", 16 * MIB)
    path.write_bytes(_forge_sizes(path.read_bytes(), "array.npy", size=1000))
    assert _refused(path, "liar.skops is not a readable skops file") < 4 * MIB


def test_too_many_members(tmp_path):
    files = [(f"{i}.bin", b"") for i in range(MAX_MEMBERS + 1)]
    path = tmp_path / "many.skops"
    path.write_bytes(_zip([("schema.json", json.dumps(BENIGN)), *files]))
    _refused(path, r"many.skops is refused .*1,002 members")


def test_two_members_of_one_name(tmp_path):
    # Which of the two schema.json would skops read?
    hostile = json.dumps({**BENIGN, "protocol": 99})
    members = [("schema.json", json.dumps(BENIGN)), ("schema.json", hostile)]
    path = tmp_path / "twice.skops"
    path.write_bytes(_zip(members))
    _refused(path, "twice.skops is refused .*two members of one name")


@pytest.mark.parametrize(
    "shape, message",
    [
        # np.load would allocate 80 GB before finding the data short.
        ((10**10,), r"shape \(10000000000,\).*80,000,000,000 bytes"),
        ((4,), r"shape \(4,\) and dtype float64 \(32 bytes\) but holds 24"),
        ((2,), r"shape \(2,\).*16 bytes\) but holds 24"),
    ],
    ids=["huge", "one short", "one more"],
)
def test_arrays_that_do_not_hold_what_their_header_declares(tmp_path, shape, message):
    crafted = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    npy_format.write_array_header_1_0(crafted, header)
    crafted.write(np.zeros(3).tobytes())
    payload = node("NdArrayNode", "numpy", "ndarray", type="numpy", file="a.npy")
    path = write_model(tmp_path / "short.skops", payload, {"a.npy": crafted.getvalue()})
    _refused(path, "short.skops is refused .*'a.npy' declares an array of " + message)


def test_unsupported_compression_is_not_readable(tmp_path, model_bytes):
    data = bytearray(model_bytes)
    start = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, start + 10, 99)  # AES encryption's method
    path = tmp_path / "method.skops"
    path.write_bytes(bytes(data))
    _refused(path, "method.skops is not a readable skops file")


def test_each_member_is_decompressed_once(tmp_path, monkeypatch, model_bytes):
    # The probe saw every member decompressed twice: once by
    # get_untrusted_types, once by load.
    names = [name for name, _ in _members(model_bytes)]
    opened = []
    original = zipfile.ZipFile.open

    def counting(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting)
    path = tmp_path / "m.skops"
    path.write_bytes(model_bytes)
    load_model(path)
    assert sorted(opened) == sorted(names)


def test_the_largest_files_the_package_writes_are_far_under_the_caps(tmp_path):
    # SGDSoftmaxRegression on 8,192 patch features, as train --features
    # patches saves it (the default CNN, 9.5 MB, is measured in the module's
    # comment: torch is an optional extra).
    X = np.random.RandomState(0).normal(size=(50, 8192)).astype(np.float32)
    y = np.arange(50) % 7
    model = SGDSoftmaxRegression(max_iter=1, random_state=0).fit(X, y)
    path = save_model(model, tmp_path / "patches.skops")
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    assert total < MAX_TOTAL_BYTES / 100
    assert load_model(path).coef_.shape == (7, 8192)


def test_the_caps_are_the_modules(monkeypatch, tmp_path, model_bytes):
    # The tests above use the module's caps; a lower cap refuses a real file.
    monkeypatch.setattr(_skops_files, "MAX_TOTAL_BYTES", 1000)
    path = tmp_path / "m.skops"
    path.write_bytes(model_bytes)
    with pytest.raises(ValueError, match="m.skops is refused .*in all"):
        load_model(path)
