"""read_face and the image-folder layout: one reader for the loader and the CLI."""

import numpy as np
import pytest

from sklearn_fer.datasets import load_fer2013, make_faces
from sklearn_fer.datasets._images import is_image, read_face

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def face():
    return make_faces(1, random_state=0).images[0]


def test_16_bit_grey_is_scaled_not_clipped(tmp_path, face):
    # Bug: Pillow's convert('L') clips 16-bit grey levels at 255, so a 16-bit
    # face came out nearly all white.
    wide = face.astype(np.uint16) * 257  # 0-255 -> 0-65535 exactly
    Image.fromarray(wide).save(tmp_path / "face.png")
    assert Image.open(tmp_path / "face.png").mode == "I;16"
    np.testing.assert_array_equal(read_face(tmp_path / "face.png"), face.ravel())
    levels = np.zeros((48, 48), np.uint16)
    levels[0, :5] = [0, 128, 129, 32767, 65535]
    Image.fromarray(levels).save(tmp_path / "levels.png")
    grey = read_face(tmp_path / "levels.png")
    assert grey[:5].tolist() == [0, 0, 1, 127, 255]  # rounded, not clipped


def test_colour_becomes_luma(tmp_path, face):
    rgb = np.dstack([face, face // 2, np.zeros_like(face)])
    Image.fromarray(rgb).save(tmp_path / "face.png")
    expected = np.asarray(Image.fromarray(rgb).convert("L")).ravel()
    np.testing.assert_array_equal(read_face(tmp_path / "face.png"), expected)


@pytest.mark.parametrize(
    "dtype, kind", [(np.int32, "integer"), (np.float32, "floating")]
)
def test_32_bit_images_are_refused(tmp_path, face, dtype, kind):
    Image.fromarray(face.astype(dtype)).save(tmp_path / "face.tif")
    with pytest.raises(ValueError, match=f"face.tif: a 32-bit {kind}"):
        read_face(tmp_path / "face.tif")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_limit_refused_before_decoding(tmp_path, monkeypatch, face):
    # Over the limit but under twice it, where Pillow only warns and decodes.
    Image.fromarray(np.tile(face, (2, 2))).save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 48 * 48 * 3)
    decoded = []
    monkeypatch.setattr(
        Image.Image, "load", lambda self: decoded.append(self) or pytest.fail()
    )
    with pytest.raises(ValueError, match="big.png: 96x96 pixels.*not decoded"):
        read_face(tmp_path / "big.png", resize=True)
    assert not decoded


def test_unreadable_files_are_named(tmp_path):
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(30))
    (tmp_path / "b.jpg").write_text("emotion,pixels\n")
    for name in ["a.png", "b.jpg"]:
        with pytest.raises(ValueError, match=f"{name}: "):
            read_face(tmp_path / name)


def test_is_image_by_content_or_suffix(tmp_path, face):
    Image.fromarray(face).save(tmp_path / "photo", format="WEBP")
    (tmp_path / "rows.csv").write_text("pixels\n" + " ".join(["1"] * 2304) + "\n")
    (tmp_path / "broken.jpg").write_bytes(b"")
    assert is_image(tmp_path / "photo")
    assert not is_image(tmp_path / "rows.csv")
    assert is_image(tmp_path / "broken.jpg")  # reported as a bad image, not CSV
    assert not is_image(tmp_path)


def test_image_folder_without_images_is_an_error_at_load(tmp_path):
    (tmp_path / "train" / "happy").mkdir(parents=True)
    (tmp_path / "test" / "sad").mkdir(parents=True)
    (tmp_path / "train" / "happy" / "Thumbs.db").write_bytes(b"")
    with pytest.raises(ValueError, match="holds no face images"):
        load_fer2013(tmp_path)


def test_image_folder_reads_webp_and_names_a_corrupt_file(tmp_path, face):
    folder = tmp_path / "train" / "happy"
    folder.mkdir(parents=True)
    Image.fromarray(face).save(folder / "a.webp", lossless=True)
    faces = load_fer2013(tmp_path)
    np.testing.assert_array_equal(faces.data, face.reshape(1, -1))
    (folder / "b.jpg").write_bytes(b"\xff\xd8\xff" + bytes(10))
    with pytest.raises(ValueError, match="b.jpg: not an image file"):
        load_fer2013(tmp_path)


def test_photo_is_centre_cropped_not_stretched(tmp_path, face):
    # A face in the middle of a wide photo, noise on both sides: cropped to the
    # centre square it is the face itself (stretching would squash it).
    noise = np.random.RandomState(0).randint(0, 256, (48, 24)).astype(np.uint8)
    Image.fromarray(np.hstack([noise, face, noise])).save(tmp_path / "wide.png")
    np.testing.assert_array_equal(
        read_face(tmp_path / "wide.png", resize=True), face.ravel()
    )
    Image.fromarray(np.vstack([noise.T, face, noise.T])).save(tmp_path / "tall.png")
    np.testing.assert_array_equal(
        read_face(tmp_path / "tall.png", resize=True), face.ravel()
    )


def test_photo_is_turned_upright_by_its_exif_orientation(tmp_path, face):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: stored rotated, shown turned 90 degrees clockwise
    stored = Image.fromarray(np.rot90(face))  # what the camera wrote
    stored.save(tmp_path / "photo.png", exif=exif)
    np.testing.assert_array_equal(
        read_face(tmp_path / "photo.png", resize=True), face.ravel()
    )


@pytest.mark.parametrize("shape", [(300, 400), (97, 61), (61, 97), (50, 48)])
def test_photo_is_read_with_crop_center(tmp_path, shape):
    # One centre crop for the reader and the preprocessing: read_face of a
    # photo is crop_center of its grey levels (tested in preprocessing).
    from sklearn_fer.preprocessing import crop_center

    photo = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    face = read_face(tmp_path / "photo.png", resize=True)
    np.testing.assert_array_equal(face, crop_center(photo))


def test_datasets_never_import_preprocessing():
    # Data flows one way: preprocessing builds on datasets, not the reverse.
    import subprocess
    import sys

    code = (
        "import sys, sklearn_fer.datasets, sklearn_fer.datasets._images\n"
        "print('sklearn_fer.preprocessing' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
