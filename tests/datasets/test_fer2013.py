"""load_fer2013 and iter_fer2013 on tiny files of every layout, and on the real file."""

import gzip
import os
import re
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

import sklearn_fer
from sklearn_fer.datasets import EMOTIONS, emotion_target, iter_fer2013, load_fer2013

EMOTION_CODES = np.array([3, 0, 6, 4, 3, 1, 2, 5, 3, 6])
USAGE = np.array(["Training"] * 6 + ["PublicTest"] * 2 + ["PrivateTest"] * 2)


@pytest.fixture
def faces():
    rng = np.random.RandomState(0)
    pixels = rng.randint(0, 256, size=(len(EMOTION_CODES), 2304)).astype(np.uint8)
    pixels[0, :3] = [0, 255, 7]
    return pixels


def _pixel_string(row):
    return " ".join(map(str, row))


def _write(path, text, compression=None):
    data = text.encode()
    if compression == "gz":
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    elif compression == "zip":
        inner = path.name
        path = path.with_suffix(".zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(inner, data)
    else:
        path.write_bytes(data)
    return path


def fer2013_text(faces, *, header="emotion,pixels,Usage", quote=False, crlf=False):
    q = '"' if quote else ""
    lines = [header] + [
        f"{code},{q}{_pixel_string(row)}{q},{usage}"
        for code, row, usage in zip(EMOTION_CODES, faces, USAGE, strict=True)
    ]
    newline = "\r\n" if crlf else "\n"
    return newline.join(lines) + newline


def icml_text(faces):
    lines = ["emotion, Usage, pixels"] + [
        f"{code},{usage},{_pixel_string(row)}"
        for code, row, usage in zip(EMOTION_CODES, faces, USAGE, strict=True)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("compression", [None, "gz", "zip"])
@pytest.mark.parametrize(
    "name, make_text",
    [
        ("fer2013.csv", fer2013_text),
        ("fer2013_quoted.csv", lambda f: fer2013_text(f, quote=True, crlf=True)),
        ("icml_face_data.csv", icml_text),
    ],
)
def test_csv_layouts_round_trip(tmp_path, faces, name, make_text, compression):
    path = _write(tmp_path / name, make_text(faces), compression)
    bunch = load_fer2013(path)
    np.testing.assert_array_equal(bunch.data, faces)
    np.testing.assert_array_equal(bunch.target, EMOTION_CODES)
    np.testing.assert_array_equal(bunch.usage, USAGE)
    assert bunch.data.dtype == np.uint8
    assert bunch.images.shape == (10, 48, 48)
    assert np.shares_memory(bunch.images, bunch.data)
    assert list(bunch.target_names) == list(EMOTIONS)
    assert bunch.feature_names[0] == "pixel_0"
    assert "FER2013" in bunch.DESCR


@pytest.mark.parametrize("compression", [None, "gz", "zip"])
def test_challenge_train_and_test_csv(tmp_path, faces, compression):
    train = "emotion,pixels\n" + "".join(
        f'{code},"{_pixel_string(row)}"\n'
        for code, row in zip(EMOTION_CODES, faces, strict=True)
    )
    bunch = load_fer2013(_write(tmp_path / "train.csv", train, compression))
    np.testing.assert_array_equal(bunch.data, faces)
    np.testing.assert_array_equal(bunch.target, EMOTION_CODES)
    assert set(bunch.usage) == {"Training"}
    test = "pixels\n" + "".join(f"{_pixel_string(row)}\n" for row in faces[:4])
    test_path = _write(tmp_path / "test.csv", test, compression)
    bunch = load_fer2013(test_path)
    np.testing.assert_array_equal(bunch.data, faces[:4])
    assert bunch.target is None and bunch.usage is None
    with pytest.raises(ValueError, match="no emotion labels"):
        load_fer2013(test_path, target="happy")
    with pytest.raises(ValueError, match="no Usage column"):
        load_fer2013(test_path, usage="PublicTest")


def test_image_folder_release(tmp_path, faces):
    Image = pytest.importorskip("PIL.Image")
    names = {
        3: "happy",
        0: "angry",
        6: "neutral",
        4: "sad",
        1: "disgust",
        2: "fear",
        5: "surprise",
    }
    expected = []
    for i, (code, row, usage) in enumerate(
        zip(EMOTION_CODES, faces, USAGE, strict=True)
    ):
        split = "train" if usage == "Training" else "test"
        folder = tmp_path / "release" / split / names[code]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(row.reshape(48, 48)).save(folder / f"{usage}_{i:05d}.png")
        expected.append((split != "train", code, f"{usage}_{i:05d}", i))
    bunch = load_fer2013(tmp_path / "release")
    # Order: train then test, emotion folders alphabetically, then file names.
    expected.sort(key=lambda e: (e[0], names[e[1]], e[2]))
    order = [e[3] for e in expected]
    np.testing.assert_array_equal(bunch.data, faces[order])
    np.testing.assert_array_equal(bunch.target, EMOTION_CODES[order])
    np.testing.assert_array_equal(bunch.usage, USAGE[order])
    assert load_fer2013(tmp_path / "release", usage="PrivateTest").data.shape[0] == 2


def test_image_folder_errors(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="neither train/ nor test/"):
        load_fer2013(tmp_path / "a")
    folder = tmp_path / "b" / "train" / "joyful"
    folder.mkdir(parents=True)
    with pytest.raises(ValueError, match="unknown emotion folder 'joyful'"):
        load_fer2013(tmp_path / "b")
    folder = tmp_path / "c" / "test" / "happy"
    folder.mkdir(parents=True)
    Image.fromarray(np.zeros((48, 48), np.uint8)).save(folder / "face.png")
    with pytest.raises(ValueError, match="PublicTest_"):
        load_fer2013(tmp_path / "c")
    folder = tmp_path / "d" / "train" / "sad"
    folder.mkdir(parents=True)
    Image.fromarray(np.zeros((50, 48), np.uint8)).save(folder / "x.png")
    with pytest.raises(ValueError, match="48x50 pixels"):
        load_fer2013(tmp_path / "d")


def test_targets_and_usage(tmp_path, faces):
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    happy = load_fer2013(path, target="happy")
    np.testing.assert_array_equal(happy.target, (EMOTION_CODES == 3).astype(int))
    assert list(happy.target_names) == ["not happy", "happy"]
    subset = load_fer2013(path, target=["happy", "neutral", "sad"])
    keep = np.isin(EMOTION_CODES, [3, 6, 4])
    np.testing.assert_array_equal(subset.data, faces[keep])
    assert list(subset.target_names[subset.target]) == [
        EMOTIONS[c] for c in EMOTION_CODES[keep]
    ]
    training = load_fer2013(path, usage="Training")
    np.testing.assert_array_equal(training.data, faces[:6])
    tests = load_fer2013(path, usage=["PublicTest", "PrivateTest"], target="happy")
    np.testing.assert_array_equal(tests.target, (EMOTION_CODES[6:] == 3) * 1)
    X, y = load_fer2013(path, return_X_y=True)
    assert X.shape == (10, 2304) and y.shape == (10,)


def test_as_frame(tmp_path, faces):
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    bunch = load_fer2013(path, as_frame=True, target="happy")
    assert bunch.data.shape == (10, 2304)
    assert list(bunch.frame.columns[-2:]) == ["happy", "Usage"]
    np.testing.assert_array_equal(bunch.data.to_numpy(), faces)
    assert bunch.target.name == "happy"
    X, y = load_fer2013(path, as_frame=True, return_X_y=True)
    assert X.columns[0] == "pixel_0" and y.name == "emotion"


@pytest.mark.parametrize(
    "target, message",
    [
        ("joy", "target='joy'"),
        (["happy", "joyful"], "Unknown emotion 'joyful'"),
        (["happy"], "at least 2 emotions"),
        (["happy", "happy"], "repeated"),
    ],
)
def test_bad_target_arguments(tmp_path, faces, target, message):
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    with pytest.raises(ValueError, match=message):
        load_fer2013(path, target=target)


def test_bad_usage_argument(tmp_path, faces):
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    with pytest.raises(ValueError, match="must be one of"):
        load_fer2013(path, usage="Test")


def _corrupt(faces, line_index, new_line):
    lines = fer2013_text(faces).splitlines()
    lines[line_index] = new_line
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "new_line, message",
    [
        (
            "3," + " ".join(["1"] * 2303) + ",Training",
            r"line 4: 2303 values, expected 2304",
        ),
        (
            "3," + "1 x " + " ".join(["1"] * 2302) + ",Training",
            r"line 4: token 'x' at position 1 is not an integer",
        ),
        (
            "3," + "1 2 256 " + " ".join(["1"] * 2301) + ",Training",
            r"line 4: value 256 at position 2 is outside 0-255",
        ),
        ("3,1.5 " + " ".join(["1"] * 2303) + ",Training", r"token '1.5' at position 0"),
        ("3,,Training", r"line 4: empty or missing pixel string"),
        (
            "9," + " ".join(["1"] * 2304) + ",Training",
            r"line 4: emotion '9' is not a code",
        ),
        ("3," + " ".join(["1"] * 2304) + ",Validation", r"line 4: Usage 'Validation'"),
        ("3," + " ".join(["1"] * 2304), r"line 4: 2 fields, expected 3"),
    ],
)
def test_bad_rows_name_the_line_and_the_problem(tmp_path, faces, new_line, message):
    path = _write(tmp_path / "fer2013.csv", _corrupt(faces, 3, new_line))
    with pytest.raises(ValueError, match=message):
        load_fer2013(path)
    with pytest.raises(ValueError, match=message):
        list(iter_fer2013(path, chunksize=3))


def test_bad_files(tmp_path, faces):
    with pytest.raises(FileNotFoundError, match="No FER2013 file or folder"):
        load_fer2013(tmp_path / "missing.csv")
    path = _write(tmp_path / "other.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="is not a FER2013 CSV: its header is 'a,b,c'"):
        load_fer2013(path)
    path = _write(tmp_path / "extra.csv", "emotion,pixels,Usage,id\n")
    with pytest.raises(ValueError, match=r"unexpected column\(s\) \['id'\]"):
        load_fer2013(path)
    with pytest.raises(ValueError, match="is empty"):
        load_fer2013(_write(tmp_path / "empty.csv", ""))
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.csv", "y")
    with pytest.raises(ValueError, match="2 CSV files"):
        load_fer2013(archive)
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(gzip.compress(fer2013_text(faces).encode())[:-2000])
    with pytest.raises(ValueError, match="Cannot read cut.csv.gz|cut.csv.gz"):
        load_fer2013(truncated)


def test_many_blocks_keep_order_and_line_numbers(tmp_path, faces, monkeypatch):
    from sklearn_fer.datasets import _fer2013

    monkeypatch.setattr(_fer2013, "BLOCK_BYTES", 10_000)  # about one face a block
    text = _corrupt(faces, 9, "3,1 2 3,Training")
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    np.testing.assert_array_equal(load_fer2013(path).data, faces)
    with pytest.raises(ValueError, match="line 10: 3 values"):
        load_fer2013(_write(tmp_path / "bad.csv", text))


@pytest.mark.parametrize("chunksize", [1, 3, 4, 10, 100])
@pytest.mark.parametrize("target", ["emotion", "happy", ["happy", "neutral", "sad"]])
def test_iter_chunks_concatenate_to_load(
    tmp_path, faces, chunksize, target, monkeypatch
):
    from sklearn_fer.datasets import _fer2013

    monkeypatch.setattr(_fer2013, "BLOCK_BYTES", 20_000)
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces), "gz")
    loaded = load_fer2013(path, target=target, usage=["Training", "PublicTest"])
    chunks = list(
        iter_fer2013(
            path, chunksize=chunksize, target=target, usage=["Training", "PublicTest"]
        )
    )
    assert all(len(X) == chunksize for X, _ in chunks[:-1])
    np.testing.assert_array_equal(np.concatenate([X for X, _ in chunks]), loaded.data)
    np.testing.assert_array_equal(np.concatenate([y for _, y in chunks]), loaded.target)


def test_iter_rejects_bad_chunksize(tmp_path, faces):
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    with pytest.raises(ValueError, match="chunksize"):
        next(iter_fer2013(path, chunksize=0))


REAL_DATA = os.environ.get("SKLEARN_FER_DATA")


@pytest.mark.skipif(
    not REAL_DATA,
    reason="SKLEARN_FER_DATA is not set: no path to the real fer2013.csv.gz",
)
def test_real_fer2013_counts():
    bunch = load_fer2013(REAL_DATA)
    counts = {
        usage: np.bincount(bunch.target[bunch.usage == usage], minlength=7).tolist()
        for usage in ("Training", "PublicTest")
    }
    # The class counts of the data README (PrivateTest is held back).
    assert counts["Training"] == [3995, 436, 4097, 7215, 4830, 3171, 4965]
    assert counts["PublicTest"] == [467, 56, 496, 895, 653, 415, 607]
    assert bunch.data.shape == (32298, 2304) and bunch.data.dtype == np.uint8
    assert bunch.data.min() >= 0 and bunch.data.max() <= 255


# -- rows the pixel parser used to accept, and hostile files -----------------------


@pytest.mark.parametrize(
    "pixels, message",
    [
        ("65536" + " 1" * 2303, r"line 4: value 65536 at position 0 is outside 0-255"),
        ("1 \u0663" + " 1" * 2302, r"line 4: token '\u0663' at position 1"),
        ("1_0" + " 1" * 2303, r"line 4: token '1_0' at position 0"),
        ("1  1" + " 1" * 2302, r"line 4: empty value at position 1"),
        ("1\t1" + " 1" * 2302, r"line 4: token '1\\t1' at position 0"),
        ('"1' + " 1" * 2303, r"""line 4: token '"1' at position 0"""),
        ("1 " * 30_000, r"line 4: 59,999 characters"),
    ],
)
def test_invalid_pixels_name_the_line(tmp_path, faces, pixels, message):
    path = _write(tmp_path / "fer2013.csv", _corrupt(faces, 3, f"3,{pixels},Training"))
    with pytest.raises(ValueError, match=message):
        load_fer2013(path)
    with pytest.raises(ValueError, match=message):
        list(iter_fer2013(path, chunksize=3))


def test_a_short_line_cannot_take_the_next_lines_values(tmp_path, faces):
    lines = fer2013_text(faces).splitlines()
    code, pixels, usage = lines[3].split(",")
    lines[3] = f"{code},{pixels.rsplit(' ', 1)[0]},{usage}"
    code, pixels, usage = lines[4].split(",")
    lines[4] = f"{code},0 {pixels},{usage}"
    path = _write(tmp_path / "fer2013.csv", "\n".join(lines) + "\n")
    for load in (load_fer2013, lambda p: list(iter_fer2013(p, chunksize=2))):
        with pytest.raises(ValueError, match="2 invalid") as error:
            load(path)
        assert "fer2013.csv, line 4: 2303 values" in str(error.value)
        assert "fer2013.csv, line 5: 2305 values" in str(error.value)


@pytest.mark.parametrize(
    "code", ["7", "-1", "x", "", "3.0", "+3", "\u0663", "1" * 9000]
)
def test_emotion_out_of_range(tmp_path, faces, code):
    line = f"{code}," + " ".join(["1"] * 2304) + ",Training"
    path = _write(tmp_path / "fer2013.csv", _corrupt(faces, 3, line))
    short = repr(code if len(code) <= 20 else code[:20])
    with pytest.raises(ValueError, match=f"line 4: emotion {re.escape(short)}"):
        load_fer2013(path)


@pytest.mark.parametrize("usage", ["training", "Test", "", "PublicTest "[:-1] + "x"])
def test_unknown_usage(tmp_path, faces, usage):
    line = "3," + " ".join(["1"] * 2304) + f",{usage}"
    path = _write(tmp_path / "fer2013.csv", _corrupt(faces, 3, line))
    with pytest.raises(ValueError, match=f"line 4: Usage {usage!r} is not one of"):
        load_fer2013(path)


@pytest.mark.parametrize("compression", [None, "gz", "zip"])
def test_bom_quotes_crlf_blank_lines_and_no_final_newline(tmp_path, faces, compression):
    lines = fer2013_text(faces, quote=True).splitlines()
    lines[0] = '\ufeff"emotion","pixels","Usage"'
    lines[2] = '"0" , "' + lines[2].split('"')[1] + '" , "Training"'
    lines.insert(5, "")
    path = _write(tmp_path / "fer2013.csv", "\r\n".join(lines), compression)
    bunch = load_fer2013(path)
    np.testing.assert_array_equal(bunch.data, faces)
    np.testing.assert_array_equal(bunch.target, EMOTION_CODES)
    lines[7] = lines[7].replace('"', "", 1)  # unbalanced quote, after the blank line
    path = _write(tmp_path / "bad.csv", "\r\n".join(lines), compression)
    with pytest.raises(
        ValueError, match=r"bad\.(csv|csv\.gz|zip), line 8: token '\d+\"'"
    ):
        load_fer2013(path)


def test_hostile_files(tmp_path, faces):
    rng = np.random.default_rng(0)
    garbage = rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    for name, data, message in [
        ("garbage.csv", garbage, "garbage.csv is not a FER2013 CSV"),
        ("line.csv", garbage.replace(b"\n", b" "), "first line is longer than"),
        ("g.csv.gz", b"\x1f\x8b" + garbage, "Cannot read .*g.csv.gz"),
        ("z.zip", b"PK\x03\x04" + garbage, "Cannot read .*z.zip as a zip archive"),
        ("utf16.csv", fer2013_text(faces).encode("utf-16"), "not a FER2013 CSV"),
    ]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=message):
            load_fer2013(tmp_path / name)
    archive = tmp_path / "none.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fer2013.txt", fer2013_text(faces))
    with pytest.raises(ValueError, match=r"none.zip is a zip archive with 0 CSV"):
        load_fer2013(archive)
    # A damaged member: the CRC check fails when it is read.
    archive = _write(tmp_path / "damaged.csv", fer2013_text(faces), "zip")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="Cannot read .*damaged.zip"):
        load_fer2013(archive)


@pytest.mark.parametrize("compression", [None, "gz", "zip"])
def test_no_faces_is_an_error_at_load(tmp_path, faces, compression):
    header_only = _write(
        tmp_path / "fer2013.csv", "emotion,pixels,Usage\n", compression
    )
    text = fer2013_text(faces).splitlines()[:7]  # the 6 Training faces
    training = _write(tmp_path / "train.csv", "\n".join(text) + "\n", compression)
    sad = fer2013_text(faces).replace("\n4,", "\n3,").replace("\n6,", "\n3,")
    no_sad = _write(tmp_path / "happy.csv", sad, compression)
    for path, kwargs, message in [
        (header_only, {}, r"holds no faces: only a header"),
        (
            training,
            {"usage": "PrivateTest"},
            r"no faces with usage=\['PrivateTest'\]: its 6 faces are in \['Training'\]",
        ),
        (
            no_sad,
            {"target": ["sad", "neutral"], "usage": "Training"},
            r"no faces of the emotions \['sad', 'neutral'\] among its 6 faces with",
        ),
    ]:
        with pytest.raises(ValueError, match=message):
            load_fer2013(path, **kwargs)
        with pytest.raises(ValueError, match=message):
            list(iter_fer2013(path, **kwargs))


_PEAK_SCRIPT = """
import sys, tracemalloc
from sklearn_fer.datasets import load_fer2013
for path in sys.argv[1:]:
    tracemalloc.start()
    try:
        load_fer2013(path)
    except ValueError as error:
        print(tracemalloc.get_traced_memory()[1], str(error).replace("\\n", " "))
    tracemalloc.stop()
"""


def _gzip_with_a_long_line(path, n_bytes, valid_line):
    compressor = zlib.compressobj(wbits=31)  # a gzip stream
    piece = b"1 " * (1 << 19)
    with open(path, "wb") as file:
        file.write(compressor.compress(b"emotion,pixels,Usage\n3,"))
        for _ in range(n_bytes // len(piece)):
            file.write(compressor.compress(piece))
        file.write(compressor.compress(b"1,Training\n" + valid_line * 100))
        file.write(compressor.flush())
    return path


def test_memory_stays_bounded_on_a_huge_field(tmp_path, faces):
    # A 34 kB gzip whose first pixels field is 24 MB of values (3 blocks) made
    # the loader allocate 240 MB before its error (1 GB for 100 MB); a 4 MB one
    # lies within one block.
    valid_line = fer2013_text(faces).splitlines()[1].encode() + b"\n"
    huge = _gzip_with_a_long_line(tmp_path / "huge.csv.gz", 24 << 20, valid_line)
    long = _gzip_with_a_long_line(tmp_path / "long.csv.gz", 4 << 20, valid_line)
    assert huge.stat().st_size < 1 << 20
    package_root = os.path.dirname(os.path.dirname(sklearn_fer.__file__))
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(huge), str(long)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": package_root},
        check=True,
    )
    (huge_peak, huge_error), (long_peak, long_error) = (
        line.split(" ", 1) for line in result.stdout.splitlines()
    )
    assert "huge.csv.gz, line 2: longer than 65,536 bytes" in huge_error
    assert "long.csv.gz: 1 malformed line in the block" in long_error
    assert "line 2: 4,194,316 bytes, longer than" in long_error
    assert int(huge_peak) < 64 << 20
    assert int(long_peak) < 64 << 20


@pytest.mark.parametrize("target", ["emotion", "happy", ["neutral", "happy", "sad"]])
def test_emotion_target_keeps_and_labels_faces_as_load_fer2013(tmp_path, faces, target):
    path = _write(tmp_path / "fer2013.csv", fer2013_text(faces))
    bunch = load_fer2013(path, target=target)
    keep, y, names = emotion_target(EMOTION_CODES, target)
    np.testing.assert_array_equal(faces[keep], bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert names.tolist() == bunch.target_names.tolist()


@pytest.mark.parametrize("codes", [[7], [-1], [1.5], [[1, 2]], ["3"]], ids=repr)
def test_emotion_target_refuses_what_is_not_an_emotion_code(codes):
    with pytest.raises(ValueError, match="emotion codes from 0 to 6"):
        emotion_target(codes)


@pytest.mark.parametrize("compression", [None, "gz", "zip"])
@pytest.mark.parametrize("blank", ["\n", "\r\n", "   \n", ",,\n"])
def test_the_work_on_blank_lines_is_bounded(tmp_path, faces, compression, blank):
    # Bug: a 2 MB zip of 2 GiB of empty lines took 306 s to load (no faces).
    text = fer2013_text(faces) + blank * 3_000_000
    path = _write(tmp_path / "fer2013.csv", text, compression)
    with pytest.raises(ValueError, match="blank or short lines") as caught:
        load_fer2013(path, cache=False)
    # Refused from the first blocks, not after reading the whole file.
    last_line = int(
        re.search(r"by line ([\d,]+)", str(caught.value))[1].replace(",", "")
    )
    assert last_line < 2 * (8 << 20) // len(blank)


@pytest.mark.parametrize("compression", [None, "gz"])
def test_some_blank_lines_are_fine(tmp_path, faces, compression):
    lines = fer2013_text(faces).splitlines()
    double_spaced = "\n\n".join(lines) + "\n" * 5000
    path = _write(tmp_path / "fer2013.csv", double_spaced, compression)
    np.testing.assert_array_equal(load_fer2013(path, cache=False).data, faces)


def test_what_is_not_a_regular_file_is_refused(tmp_path):
    # Bug: a named pipe blocked forever (the reader waited for a writer).
    import contextlib
    import threading

    fifo = tmp_path / "fer2013.csv"
    os.mkfifo(fifo)
    done = threading.Event()

    def writer_that_closes_at_once():  # so that a blocked reader would end
        while not done.wait(2):
            with contextlib.suppress(OSError):  # no reader waiting
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=writer_that_closes_at_once, daemon=True).start()
    try:
        for path, kind in [(fifo, "a named pipe"), ("/dev/null", "a character device")]:
            for load in (load_fer2013, lambda p: next(iter_fer2013(p))):
                with pytest.raises(ValueError, match=f"{path} is {kind}, not a"):
                    load(path)
    finally:
        done.set()
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(OSError, match="a loop of symbolic links"):
        load_fer2013(loop)
