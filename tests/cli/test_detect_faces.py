"""``sklearn-fer predict`` on photos: one line per face found, with its box.

Most photos are scenes with faces of ``make_faces`` pasted in, upscaled 3x:
faces 1, 23 and 26 of ``make_faces(40, random_state=0)``, which OpenCV's Haar
cascade finds robustly (see tests/preprocessing/test_face_cropper.py), so
these tests give ``--detector haar``; YuNet (the default where installed) finds
no drawn face and is run on scikit-image's astronaut photo.
"""

import csv
import io
import sys
import threading

import numpy as np
import pytest

from sklearn_fer._cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from sklearn_fer.datasets import make_faces
from sklearn_fer.preprocessing import _face_detectors, crop_center, crop_faces
from sklearn_fer.utils import load_model

Image = pytest.importorskip("PIL.Image")
UPSCALE = 3
SIDE = 48 * UPSCALE
PLACED = [(1, 30, 20), (23, 200, 300), (26, 60, 600)]  # face, top, left
HAAR = ["--detector", "haar"]
NAMES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def iou(box, other):
    (x, y, w, h), (ox, oy, ow, oh) = box, other
    overlap_w = max(0, min(x + w, ox + ow) - max(x, ox))
    overlap_h = max(0, min(y + h, oy + oh) - max(y, oy))
    overlap = overlap_w * overlap_h
    return overlap / (w * h + ow * oh - overlap)


@pytest.fixture(scope="module")
def cv2():
    return pytest.importorskip(
        "cv2", reason="OpenCV (extra 'faces': opencv-python-headless) not installed"
    )


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A colour group photo with three faces, a photo without any, their boxes."""
    faces = make_faces(40, random_state=0).images
    scene = np.full((400, 800), 128, dtype=np.uint8)
    boxes = []
    for index, top, left in PLACED:
        scene[top : top + SIDE, left : left + SIDE] = np.kron(
            faces[index], np.ones((UPSCALE, UPSCALE), dtype=np.uint8)
        )
        boxes.append((left, top, SIDE, SIDE))
    folder = tmp_path_factory.mktemp("photos")
    # Colour whose luma is the scene's grey levels, up to rounding: the blue
    # channel carries a tint that the grey reading ignores.
    colour = np.dstack([scene, scene, np.full_like(scene, 40)])
    Image.fromarray(colour).save(folder / "group.png")
    Image.fromarray(np.full((300, 400), 90, dtype=np.uint8)).save(folder / "wall.png")
    return folder / "group.png", folder / "wall.png", boxes


def _table(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_one_line_per_face_with_its_box(cv2, run, softmax_file, photos, tmp_path):
    group, wall, true_boxes = photos
    rows = tmp_path / "rows.csv"
    rows.write_text("pixels\n" + " ".join(["128"] * 2304) + "\n")
    argv = ["predict", "--model", softmax_file, *HAAR]
    code, printed, err = run(*argv, group, wall, rows)
    assert code == EXIT_OK
    table = _table(printed)
    names = NAMES
    assert list(table[0]) == [
        "input",
        "face",
        "faces_found",
        "x",
        "y",
        "width",
        "height",
        "angle",
        "prediction",
        *(f"p({name})" for name in names),
    ]
    found = [row for row in table if row["input"] == str(group)]
    assert len(found) == 3
    boxes = [[int(row[k]) for k in ("x", "y", "width", "height")] for row in found]
    for row, box, true_box in zip(found, boxes, true_boxes, strict=True):
        assert row["face"] == "detected" and row["faces_found"] == "3"
        assert row["angle"] == "0"  # the cascade gives no eyes to level
        assert iou(box, true_box) >= 0.5
    # Each face predicted as its crop from the photo's grey levels.
    grey = np.asarray(Image.open(group).convert("L"))
    model = load_model(softmax_file)
    expected = model.predict_proba(crop_faces(grey, boxes))
    got = np.array([[float(row[f"p({n})"]) for n in names] for row in found])
    np.testing.assert_allclose(got, expected, atol=5e-5)
    assert [row["prediction"] for row in found] == [
        names[i] for i in expected.argmax(axis=1)
    ]
    # A photo without a face: one line saying so, no box, no prediction.
    (nothing,) = [row for row in table if row["input"] == str(wall)]
    assert nothing["face"] == "none" and nothing["faces_found"] == "0"
    assert all(nothing[k] == "" for k in ("x", "y", "width", "angle", "prediction"))
    assert all(nothing[f"p({n})"] == "" for n in names)
    assert f"no face found in 1 photo: {wall}" in err
    # CSV rows are FER2013 faces already: no detection, no box.
    (row,) = [row for row in table if row["input"] == f"{rows}:1"]
    assert row["face"] == "row" and row["faces_found"] == "" and row["prediction"]


def test_each_photo_searched_is_announced(cv2, run, softmax_file, photos, monkeypatch):
    from sklearn_fer._cli import _progress

    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)
    group, wall, _ = photos
    argv = ["predict", "--model", softmax_file, *HAAR, group, wall]
    code, printed, err = run(*argv)
    assert code == EXIT_OK and "finding" not in printed
    assert [line for line in err.splitlines() if "finding" in line] == [
        f"sklearn-fer predict: finding the faces in {group} ...",
        f"sklearn-fer predict: finding the faces in {wall} ...",
    ]


def test_without_detection_the_photo_is_centre_cropped(run, softmax_file, photos):
    group, _, _ = photos
    code, printed, _ = run(
        "predict", "--model", softmax_file, "--no-detect-faces", group
    )
    assert code == EXIT_OK
    (row,) = _table(printed)
    assert list(row)[:3] == ["input", "face", "prediction"]
    assert row["face"] == "centre"
    grey = np.asarray(Image.open(group).convert("L"))
    proba = load_model(softmax_file).predict_proba(crop_center(grey)[None])
    assert float(row["p(happy)"]) == pytest.approx(proba[0, 3], abs=5e-5)


def test_annotated_copies_in_a_folder(cv2, run, softmax_file, photos, tmp_path):
    group, wall, _ = photos
    out = tmp_path / "annotated"
    argv = ["predict", "--model", softmax_file, *HAAR, group, wall]
    code, printed, err = run(*argv, "--annotate", out)
    assert code == EXIT_OK
    assert f"annotated photos: {out}" in err  # not in the CSV on stdout
    assert printed.startswith("input,face,")
    # No copy of the photo without a face: nothing pretends it was searched.
    assert sorted(p.name for p in out.iterdir()) == [".sklearn-fer-report", "group.png"]
    original = np.asarray(Image.open(group))
    annotated = np.asarray(Image.open(out / "group.png"))
    assert annotated.shape == original.shape  # colour, full resolution
    boxes = [
        [int(r[k]) for k in ("x", "y", "width", "height")] for r in _table(printed)[:3]
    ]
    for x, y, _, h in boxes:
        assert annotated[y + h // 2, x].tolist() == [0, 200, 0]  # the box's edge
    untouched = np.ones(original.shape[:2], dtype=bool)
    for x, y, w, h in boxes:
        untouched[max(0, y - 40) : y + h + 4, max(0, x - 4) : x + w + 4] = False
    np.testing.assert_array_equal(annotated[untouched], original[untouched])
    # A folder of ours is replaced only with --force.
    code, _, err = run(*argv, "--annotate", out)
    assert code == EXIT_USAGE and "--force" in err
    assert run(*argv, "--annotate", out, "--force")[0] == EXIT_OK


def test_annotated_copy_in_one_file(cv2, run, softmax_file, photos, tmp_path):
    group, _, _ = photos
    out = tmp_path / "group-annotated.jpg"
    argv = ["predict", "--model", softmax_file, *HAAR, group]
    code, _, _ = run(*argv, "--annotate", out, "--output", tmp_path / "p.csv")
    assert code == EXIT_OK
    with Image.open(out) as written:
        assert written.format == "JPEG" and written.size == (800, 400)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    # Never over an input, never over an existing file without --force.
    code, _, err = run(*argv, "--annotate", group)
    assert code == EXIT_USAGE and "never written over" in err
    code, _, err = run(*argv, "--annotate", out)
    assert code == EXIT_USAGE and "--force" in err


@pytest.mark.parametrize(
    "inputs, extra, says",
    [
        (
            ["a.png"],
            ["--no-detect-faces", "--annotate", "out"],
            "cannot go with --no-detect-faces",
        ),
        (["a.png", "b.png"], ["--annotate", "out.png"], "a folder"),
    ],
)
def test_annotate_usage_errors(run, softmax_file, inputs, extra, says):
    code, _, err = run("predict", "--model", softmax_file, *inputs, *extra)
    assert code == EXIT_USAGE and says in err


def test_missing_opencv_is_one_line_naming_the_extra(
    run, softmax_file, photos, monkeypatch
):
    monkeypatch.setitem(sys.modules, "cv2", None)
    monkeypatch.setitem(sys.modules, "yuface", None)
    monkeypatch.setattr(_face_detectors, "_cascades", threading.local())
    group, _, _ = photos
    code, printed, err = run("predict", "--model", softmax_file, group)
    assert code == EXIT_FAILURE and not printed
    assert err.count("\n") == 1
    assert "pip install 'sklearn-fer[faces]'" in err and "--no-detect-faces" in err
    # Without a photo to search, or with --no-detect-faces, no detector is needed.
    face = group.parent / "face48.png"
    Image.fromarray(np.full((48, 48), 100, np.uint8)).save(face)
    for argv in ([face], ["--no-detect-faces", group]):
        assert run("predict", "--model", softmax_file, *argv)[0] == EXIT_OK


def test_a_48x48_image_is_a_face_already(run, softmax_file, tmp_path):
    face = tmp_path / "face.png"
    pixels = make_faces(1, random_state=3).images[0]
    Image.fromarray(pixels).save(face)
    code, printed, _ = run("predict", "--model", softmax_file, face)
    assert code == EXIT_OK
    (row,) = _table(printed)
    # Not searched: no detection columns, the image itself is the face.
    assert list(row)[:3] == ["input", "face", "prediction"]
    assert row["face"] == "centre"
    proba = load_model(softmax_file).predict_proba(pixels.reshape(1, -1))
    assert float(row["p(happy)"]) == pytest.approx(proba[0, 3], abs=5e-5)


def test_detection_is_the_default_and_can_be_turned_off(cv2, run, softmax_file, photos):
    group, _, _ = photos
    base = ["predict", "--model", softmax_file, *HAAR, group]
    default = _table(run(*base)[1])
    assert default == _table(run(*base, "--detect-faces")[1])  # the old flag
    assert [row["face"] for row in default] == ["detected"] * 3
    (row,) = _table(run(*base, "--no-detect-faces")[1])
    assert row["face"] == "centre" and "x" not in row


@pytest.fixture
def album(photos, tmp_path):
    """A folder: photos at two depths, a hidden file, a note, a hidden folder."""
    group, wall, _ = photos
    album = tmp_path / "album"
    (album / "b-trip").mkdir(parents=True)
    (album / ".thumbnails").mkdir()
    (album / "a.png").write_bytes(wall.read_bytes())
    (album / "b-trip" / "group.png").write_bytes(group.read_bytes())
    (album / "c.png").write_bytes(group.read_bytes())
    (album / ".hidden.png").write_bytes(group.read_bytes())
    (album / ".thumbnails" / "t.png").write_bytes(group.read_bytes())
    (album / "notes.txt").write_text("not a photo\n")
    return album


def test_a_folder_is_walked_in_order(cv2, run, softmax_file, album, tmp_path):
    out = tmp_path / "annotated"
    code, printed, err = run(
        "predict", "--model", softmax_file, *HAAR, album, "--annotate", out
    )
    assert code == EXIT_OK
    table = _table(printed)
    # Sorted by path, sub-folders included, hidden ones and non-images left out.
    inputs = [str(album / "a.png")] + [str(album / "b-trip" / "group.png")] * 3
    inputs += [str(album / "c.png")] * 3
    assert [row["input"] for row in table] == inputs
    assert table[0]["face"] == "none"
    assert f"{album}: skipped 1 file that are not images (notes.txt)" in err
    assert f"no face found in 1 photo: {album / 'a.png'}" in err
    assert sorted(p.name for p in out.iterdir()) == [
        ".sklearn-fer-report",
        "c.png",
        "group.png",
    ]


def test_folders_refused(run, softmax_file, album, tmp_path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "readme.txt").write_text("x")
    code, _, err = run("predict", "--model", softmax_file, empty)
    assert code == EXIT_USAGE and "a folder with no image files" in err
    # Copies written into the folder read would be read as photos next time.
    code, _, err = run(
        "predict", "--model", softmax_file, album, "--annotate", album / "out"
    )
    assert code == EXIT_USAGE and "lies in the input folder" in err


def test_one_annotated_file_for_a_photo_without_a_face(
    cv2, run, softmax_file, photos, tmp_path
):
    _, wall, _ = photos
    out = tmp_path / "wall-annotated.png"
    argv = ["predict", "--model", softmax_file, *HAAR, wall, "--annotate", out]
    code, printed, err = run(*argv)
    assert code == EXIT_OK and not out.exists()
    assert _table(printed)[0]["face"] == "none"
    assert f"annotated photos: none written to {out}" in err


def test_the_default_detector_on_a_real_photo(run, softmax_file, tmp_path):
    pytest.importorskip("yuface", reason="yuface (extra 'faces') not installed")
    skimage_data = pytest.importorskip("skimage.data")
    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(skimage_data.astronaut()).save(photo, quality=95)
    out = tmp_path / "astronaut-annotated.png"
    code, printed, _ = run("predict", "--model", softmax_file, photo, "--annotate", out)
    assert code == EXIT_OK
    (row,) = _table(printed)
    assert row["face"] == "detected" and row["faces_found"] == "1"
    assert row["prediction"] in NAMES
    box = [int(row[k]) for k in ("x", "y", "width", "height")]
    assert iou(box, (178, 63, 89, 112)) >= 0.5
    grey = np.asarray(Image.open(photo).convert("L"))
    expected = load_model(softmax_file).predict_proba(
        crop_faces(grey, [box], angles=[float(row["angle"])])
    )
    assert float(row["p(happy)"]) == pytest.approx(expected[0, 3], abs=5e-5)
    assert Image.open(out).size == (512, 512)


def test_without_a_model_the_shipped_one_answers(cv2, run, photos, album):
    group, wall, _ = photos
    code, printed, err = run("predict", *HAAR, group, wall)
    assert code == EXIT_OK
    table = _table(printed)
    assert [row["face"] for row in table] == ["detected"] * 3 + ["none"]
    assert all(row["prediction"] in NAMES for row in table[:3])
    assert not table[3]["prediction"]
    assert "the shipped model emotions-cnn answers" in err
    code, printed, _ = run("predict", *HAAR, album)
    assert code == EXIT_OK and len(_table(printed)) == 7


@pytest.mark.parametrize("option", [["--format", "skops"], ["--trust"]])
def test_model_file_options_without_a_model_file(run, photos, option):
    group, _, _ = photos
    code, printed, err = run("predict", *option, group)
    assert code == EXIT_USAGE and not printed
    assert "--format and --trust say how to read --model FILE" in err
