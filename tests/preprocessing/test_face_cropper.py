"""Face detection finds pasted synthetic faces; cropping frames them as FER2013.

The detection tests paste faces of ``make_faces`` (upscaled 3x) into flat
scenes. OpenCV's Haar cascade finds only some synthetic faces; faces 1, 23 and
26 of ``make_faces(40, random_state=0)`` were chosen because the cascade (with
FaceCropper's defaults) finds each of them alone with IoU >= 0.69 at 3x and 4x,
on backgrounds of grey 64, 128 and 192 and at three positions each. Cropping
and resizing are NumPy only and are checked against Pillow.
"""

import threading

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_fer.datasets import make_faces
from sklearn_fer.preprocessing import (
    FaceCropper,
    _face_cropper,
    crop_center,
    crop_faces,
)

ROBUST_FACES = (1, 23, 26)
UPSCALE = 3
SIDE = 48 * UPSCALE


@pytest.fixture(scope="module")
def cv2():
    return pytest.importorskip(
        "cv2", reason="OpenCV (extra 'faces': opencv-python-headless) not installed"
    )


@pytest.fixture(scope="module")
def faces():
    return make_faces(40, random_state=0).images


def paste(scene, face, top, left):
    """Paste ``face`` upscaled UPSCALE x; return its box (x, y, width, height)."""
    scene[top : top + SIDE, left : left + SIDE] = np.kron(
        face, np.ones((UPSCALE, UPSCALE), dtype=np.uint8)
    )
    return (left, top, SIDE, SIDE)


def iou(box, other):
    (x, y, w, h), (ox, oy, ow, oh) = box, other
    overlap_w = max(0, min(x + w, ox + ow) - max(x, ox))
    overlap_h = max(0, min(y + h, oy + oh) - max(y, oy))
    overlap = overlap_w * overlap_h
    return overlap / (w * h + ow * oh - overlap)


def correlation(a, b):
    return np.corrcoef(np.ravel(a).astype(float), np.ravel(b).astype(float))[0, 1]


@pytest.fixture(scope="module")
def group_scene(faces):
    """Three faces in one scene, and their boxes from left to right."""
    scene = np.full((400, 800), 128, dtype=np.uint8)
    placed = [(1, 30, 20), (23, 200, 300), (26, 60, 600)]
    boxes = [paste(scene, faces[index], top, left) for index, top, left in placed]
    return scene, [index for index, _, _ in placed], boxes


# -- detection -----------------------------------------------------------------


@pytest.mark.parametrize("index", ROBUST_FACES)
@pytest.mark.parametrize(("top", "left"), [(20, 30), (113, 207)])
def test_finds_a_pasted_face(cv2, faces, index, top, left):
    scene = np.full((360, 420), 128, dtype=np.uint8)
    true_box = paste(scene, faces[index], top, left)
    boxes = FaceCropper().detect(scene)
    assert boxes.shape == (1, 4) and boxes.dtype == np.int64
    assert iou(boxes[0], true_box) >= 0.5


@pytest.mark.parametrize(
    "scene",
    [
        np.full((300, 400), 128, dtype=np.uint8),
        np.random.RandomState(0).randint(0, 256, (300, 400)).astype(np.uint8),
        np.tile(np.linspace(0, 255, 400), (300, 1)).astype(np.uint8),
        np.kron(
            np.random.RandomState(1).rand(30, 40) > 0.5,
            np.full((10, 10), 200, dtype=np.uint8),
        ),
        np.zeros((10, 10), dtype=np.uint8),  # smaller than the smallest face
    ],
    ids=["flat", "noise", "gradient", "blocks", "tiny"],
)
def test_a_scene_without_faces_has_no_boxes(cv2, scene):
    boxes = FaceCropper().detect(scene)
    assert boxes.shape == (0, 4) and boxes.dtype == np.int64
    crops = FaceCropper().crop([scene])
    assert crops.faces.shape == (0, 2304) and crops.faces.dtype == np.uint8
    assert crops.image_index.shape == (0,) and crops.boxes.shape == (0, 4)


def test_several_faces_in_one_scene_left_to_right(cv2, group_scene):
    scene, _, true_boxes = group_scene
    boxes = FaceCropper().detect(scene)
    assert len(boxes) == 3
    assert np.all(np.diff(boxes[:, 0]) > 0)
    for box, true_box in zip(boxes, true_boxes, strict=True):
        assert iou(box, true_box) >= 0.5


def test_the_crop_is_the_pasted_face_under_the_box(cv2, faces, group_scene):
    PIL_Image = pytest.importorskip("PIL.Image")
    scene, indices, true_boxes = group_scene
    crops = FaceCropper().crop([scene])
    assert crops.faces.shape == (3, 2304) and crops.faces.dtype == np.uint8
    for crop, box, index, (left, top, _, _) in zip(
        crops.faces, crops.boxes, indices, true_boxes, strict=True
    ):
        # What the box covers, resampled from the original 48 x 48 faces.
        x, y, w, h = box
        in_face = tuple(
            v / UPSCALE for v in (x - left, y - top, x + w - left, y + h - top)
        )
        references = {
            other: np.asarray(
                PIL_Image.fromarray(faces[other]).resize(
                    (48, 48), PIL_Image.Resampling.BILINEAR, box=in_face
                )
            )
            for other in indices
        }
        scores = {other: correlation(crop, ref) for other, ref in references.items()}
        assert scores[index] > 0.98
        assert max(scores, key=scores.get) == index


def test_colour_and_16_bit_photos(cv2, faces):
    grey = np.full((300, 360), 100, dtype=np.uint8)
    true_box = paste(grey, faces[23], 80, 150)
    tinted = np.stack([grey, grey * 0.8, grey * 0.6], axis=2).astype(np.uint8)
    with_alpha = np.concatenate([tinted, np.full_like(grey, 7)[:, :, None]], axis=2)
    cropper = FaceCropper()
    before = grey.copy()
    for photo in (
        grey,
        tinted,
        with_alpha,
        grey.astype(np.uint16) * 257,
        tinted.astype(np.uint16) * 257,
        grey[:, :, None],
        grey / 255,
        np.asfortranarray(grey),  # not C-contiguous
    ):
        boxes = cropper.detect(photo)
        assert len(boxes) == 1 and iou(boxes[0], true_box) >= 0.5
    np.testing.assert_array_equal(grey, before)
    # Grey levels map to the same crop whatever the dtype.
    reference = cropper.crop([grey]).faces
    for same in (grey.astype(np.uint16) * 257, grey.astype(np.float32) / 255):
        np.testing.assert_allclose(cropper.crop([same]).faces, reference, atol=1)


def test_crop_indexes_images_and_reads_a_generator(cv2, faces, group_scene):
    scene, _, _ = group_scene
    single = np.full((300, 300), 90, dtype=np.uint8)
    paste(single, faces[1], 50, 60)
    empty = np.full((200, 200), 90, dtype=np.uint8)
    images = [empty, scene, empty, single]
    crops = FaceCropper().crop(image for image in images)
    assert crops.image_index.tolist() == [1, 1, 1, 3]
    np.testing.assert_array_equal(crops.boxes[:3], FaceCropper().detect(scene))
    np.testing.assert_array_equal(crops.boxes[3:], FaceCropper().detect(single))
    faces_, image_index, boxes = crops  # a named tuple
    assert faces_ is crops.faces
    for crop, index, box in zip(faces_, image_index, boxes, strict=True):
        np.testing.assert_array_equal(crop, crop_faces(images[index], [box])[0])


def test_margin_widens_the_detected_box(cv2, group_scene):
    scene, _, _ = group_scene
    boxes = FaceCropper().detect(scene)
    crops = FaceCropper(margin=0.2).crop([scene])
    np.testing.assert_array_equal(crops.boxes, boxes)  # boxes as detected
    np.testing.assert_array_equal(crops.faces, crop_faces(scene, boxes, margin=0.2))


def test_crop_takes_a_sequence_not_one_array(cv2):
    with pytest.raises(TypeError, match=r"pass \[image\]"):
        FaceCropper().crop(np.zeros((50, 50, 3), dtype=np.uint8))
    assert FaceCropper().crop([]).faces.shape == (0, 2304)


def test_a_bad_image_is_named_by_position(cv2):
    good = np.zeros((50, 50), dtype=np.uint8)
    with pytest.raises(ValueError, match="image 1 has float values"):
        FaceCropper().crop([good, np.full((50, 50), 3.0)])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"scale_factor": 1.0}, "scale_factor"),
        ({"min_neighbors": -1}, "min_neighbors"),
        ({"min_size": 0}, "min_size"),
        ({"margin": -0.5}, "margin"),
    ],
)
def test_parameters_are_checked(cv2, params, name):
    cropper = FaceCropper(**params)
    with pytest.raises(InvalidParameterError, match=name):
        cropper.detect(np.zeros((50, 50), dtype=np.uint8))
    with pytest.raises(InvalidParameterError, match=name):
        cropper.crop([])


def test_repr_lists_the_parameters():
    assert repr(FaceCropper(min_size=60)) == (
        "FaceCropper(scale_factor=1.1, min_neighbors=5, min_size=60, margin=0.0)"
    )


def test_each_thread_has_its_own_cascade(cv2):
    cascades = []

    def load():
        cascades.append(_face_cropper._cascade())

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cascades[0] is not cascades[1]
    assert _face_cropper._cascade() is _face_cropper._cascade()


def test_missing_opencv_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cv2", None)
    monkeypatch.setattr(_face_cropper, "_cascades", threading.local())
    with pytest.raises(ImportError, match=r"pip install 'sklearn-fer\[faces\]'"):
        FaceCropper().detect(np.zeros((50, 50), dtype=np.uint8))
    # Cropping needs no OpenCV.
    assert crop_center(np.zeros((50, 80), dtype=np.uint8)).shape == (2304,)


# -- cropping and resizing (NumPy only) ----------------------------------------


@pytest.mark.parametrize(
    "shape", [(300, 400), (97, 61), (48, 48), (30, 20), (47, 49), (1000, 700)]
)
def test_crop_center_is_pillows_fit(shape):
    """The centred square, resized like ImageOps.fit(..., BILINEAR)."""
    PIL_Image = pytest.importorskip("PIL.Image")
    from PIL import ImageOps

    image = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    expected = np.asarray(
        ImageOps.fit(
            PIL_Image.fromarray(image), (48, 48), PIL_Image.Resampling.BILINEAR
        )
    )
    face = crop_center(image)
    assert face.shape == (2304,) and face.dtype == np.uint8
    # Pillow rounds to 8 bits between its two passes; we round once.
    difference = np.abs(face.reshape(48, 48).astype(int) - expected)
    assert difference.max() <= 1 and difference.mean() < 0.25


def test_crop_faces_is_pillows_resize_of_the_box():
    PIL_Image = pytest.importorskip("PIL.Image")
    image = np.random.RandomState(0).randint(0, 256, (200, 300)).astype(np.uint8)
    boxes = [[50, 30, 100, 100], [0, 0, 200, 200], [250, 150, 50, 50], [7, 9, 33, 33]]
    faces = crop_faces(image, boxes)
    for face, (x, y, w, h) in zip(faces, boxes, strict=True):
        expected = np.asarray(
            PIL_Image.fromarray(image).resize(
                (48, 48), PIL_Image.Resampling.BILINEAR, box=(x, y, x + w, y + h)
            )
        )
        assert np.abs(face.reshape(48, 48).astype(int) - expected).max() <= 1


@pytest.mark.parametrize("shape", [(100, 300), (300, 100)])
def test_crop_center_never_stretches(shape):
    """Only the centred square is kept: the strips beside it never show."""
    image = np.zeros(shape, dtype=np.uint8)
    side = min(shape)
    top, left = (shape[0] - side) // 2, (shape[1] - side) // 2
    image[top : top + side, left : left + side] = 255
    face = crop_center(image).reshape(48, 48)
    # Stretched, a third of the face would be black; only the edge pixels
    # blend in a little of the strips (Pillow's filter does the same).
    assert face[1:-1, 1:-1].min() == 255 and face.min() > 200


def test_a_box_is_made_square_around_its_centre():
    image = np.random.RandomState(0).randint(0, 256, (200, 200)).astype(np.uint8)
    np.testing.assert_array_equal(
        crop_faces(image, [[80, 40, 40, 80]]), crop_faces(image, [[60, 40, 80, 80]])
    )


def test_margin_is_a_share_of_the_side_on_each_side():
    image = np.random.RandomState(0).randint(0, 256, (200, 200)).astype(np.uint8)
    np.testing.assert_array_equal(
        crop_faces(image, [[60, 50, 80, 80]], margin=0.25),
        crop_faces(image, [[40, 30, 120, 120]]),
    )
    np.testing.assert_array_equal(
        crop_faces(image, [[60, 50, 80, 80]], margin=-0.25),
        crop_faces(image, [[80, 70, 40, 40]]),
    )


def test_beyond_the_border_repeats_the_border():
    image = np.tile(np.arange(100, 200, dtype=np.uint8), (80, 1))  # columns differ
    face = crop_faces(image, [[0, 0, 40, 40]], margin=0.5).reshape(48, 48)
    # The left quarter of the crop lies left of the image: column 0's value.
    np.testing.assert_array_equal(face[:, :10], 100)
    assert face[:, 40].min() > 100


def test_colour_is_converted_like_pillow():
    PIL_Image = pytest.importorskip("PIL.Image")
    rgb = np.random.RandomState(0).randint(0, 256, (90, 120, 3)).astype(np.uint8)
    expected = crop_center(np.asarray(PIL_Image.fromarray(rgb).convert("L")))
    difference = np.abs(crop_center(rgb).astype(int) - expected)
    assert difference.max() <= 1


def test_dtypes_and_channels_give_the_same_face():
    rng = np.random.RandomState(0)
    grey = rng.randint(0, 256, (90, 120)).astype(np.uint8)
    reference = crop_center(grey).astype(int)
    for same in (
        grey.astype(np.uint16) * 257,
        grey / 255,
        (grey / 255).astype(np.float32),
        grey[:, :, None],
        np.stack([grey] * 3, axis=2),
        np.stack([grey] * 3 + [np.zeros_like(grey)], axis=2),  # alpha ignored
    ):
        assert np.abs(crop_center(same).astype(int) - reference).max() <= 1


def test_inputs_are_not_modified():
    image = np.random.RandomState(0).rand(60, 80, 3)
    boxes = np.array([[10, 10, 30, 30]])
    before, boxes_before = image.copy(), boxes.copy()
    crop_faces(image, boxes, margin=0.3)
    crop_center(image)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_array_equal(boxes, boxes_before)


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((5, 5, 2)), ValueError, r"shape \(5, 5, 2\)"),
        (np.zeros(5), ValueError, "grey"),
        (np.zeros((0, 5)), ValueError, "empty"),
        (np.full((5, 5), 255.0), ValueError, "from 255.0 to 255.0"),
        (np.full((5, 5), np.nan), ValueError, "float values"),
        (np.zeros((5, 5), dtype=np.int32), TypeError, "int32"),
        (np.zeros((5, 5), dtype=bool), TypeError, "bool"),
    ],
)
def test_bad_images_are_refused(image, error, match):
    with pytest.raises(error, match=match):
        crop_center(image)


@pytest.mark.parametrize(
    ("boxes", "match"),
    [
        ([10, 10, 5, 5], r"pass \[box\]"),
        ([[10, 10, 5]], r"shape \(1, 3\)"),
        ([[1, 1, 5, 5], [10, 10, 0, 5]], "box 1 .*positive"),
        ([[1, 1, 5, np.nan]], "box 0 .*finite"),
        ([[1, 1, 5, 5], [60, 10, 5, 5]], "box 1 .*outside the 50 x 40 image"),
        ([[-10, 1, 10, 5]], "box 0 .*outside"),
    ],
)
def test_bad_boxes_are_named(boxes, match):
    with pytest.raises(ValueError, match=match):
        crop_faces(np.zeros((40, 50), dtype=np.uint8), boxes)


def test_no_boxes_no_faces():
    faces = crop_faces(np.zeros((40, 50), dtype=np.uint8), np.zeros((0, 4)))
    assert faces.shape == (0, 2304) and faces.dtype == np.uint8


def test_margin_is_checked():
    with pytest.raises(InvalidParameterError, match="margin"):
        crop_faces(np.zeros((40, 50), dtype=np.uint8), [[0, 0, 5, 5]], margin=-1)
