"""Face detection finds pasted faces; cropping frames them as FER2013.

The Haar cascade's tests paste faces of ``make_faces`` (upscaled 3x) into flat
scenes. The cascade finds only some synthetic faces; faces 1, 23 and 26 of
``make_faces(40, random_state=0)`` were chosen because it (with FaceCropper's
defaults) finds each of them alone with IoU >= 0.69 at 3x and 4x, on
backgrounds of grey 64, 128 and 192 and at three positions each. YuNet finds
no drawn face, so its tests use the one real photo at hand without a download:
scikit-image's astronaut (a test dependency), her face pasted into scenes.
What FaceCropper does around the detector (the shrunk copy, the framing, the
landmark checks, the turn) is tested with a stub detector, whatever is
installed. Cropping and resizing are NumPy only and are checked against
Pillow.
"""

import functools
import threading

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_fer.datasets import make_faces
from sklearn_fer.preprocessing import (
    FaceCropper,
    _face_cropper,
    _face_detectors,
    crop_center,
    crop_faces,
)
from sklearn_fer.utils._image_geometry import area_resize

ROBUST_FACES = (1, 23, 26)
HAAR = functools.partial(FaceCropper, detector="haar")
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
    boxes = HAAR().detect(scene)
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
    boxes = HAAR().detect(scene)
    assert boxes.shape == (0, 4) and boxes.dtype == np.int64
    crops = HAAR().crop([scene])
    assert crops.faces.shape == (0, 2304) and crops.faces.dtype == np.uint8
    assert crops.image_index.shape == (0,) and crops.boxes.shape == (0, 4)


def test_several_faces_in_one_scene_left_to_right(cv2, group_scene):
    scene, _, true_boxes = group_scene
    boxes = HAAR().detect(scene)
    assert len(boxes) == 3
    assert np.all(np.diff(boxes[:, 0]) > 0)
    for box, true_box in zip(boxes, true_boxes, strict=True):
        assert iou(box, true_box) >= 0.5


def test_the_crop_is_the_pasted_face_under_the_box(cv2, faces, group_scene):
    PIL_Image = pytest.importorskip("PIL.Image")
    scene, indices, true_boxes = group_scene
    crops = HAAR().crop([scene])
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
    cropper = HAAR()
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
    crops = HAAR().crop(image for image in images)
    assert crops.image_index.tolist() == [1, 1, 1, 3]
    np.testing.assert_array_equal(crops.boxes[:3], HAAR().detect(scene))
    np.testing.assert_array_equal(crops.boxes[3:], HAAR().detect(single))
    faces_, image_index, boxes = crops  # a named tuple
    assert faces_ is crops.faces
    for crop, index, box in zip(faces_, image_index, boxes, strict=True):
        np.testing.assert_array_equal(crop, crop_faces(images[index], [box])[0])


def test_margin_widens_the_detected_box(cv2, group_scene):
    scene, _, _ = group_scene
    boxes = HAAR().detect(scene)
    crops = HAAR(margin=0.2).crop([scene])
    np.testing.assert_array_equal(crops.boxes, boxes)  # boxes as detected
    np.testing.assert_array_equal(crops.faces, crop_faces(scene, boxes, margin=0.2))


def test_crop_takes_a_sequence_not_one_array(cv2):
    with pytest.raises(TypeError, match=r"pass \[image\]"):
        HAAR().crop(np.zeros((50, 50, 3), dtype=np.uint8))
    assert HAAR().crop([]).faces.shape == (0, 2304)


def test_a_bad_image_is_named_by_position(cv2):
    good = np.zeros((50, 50), dtype=np.uint8)
    with pytest.raises(ValueError, match="image 1 has float values"):
        HAAR().crop([good, np.full((50, 50), 3.0)])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"scale_factor": 1.0}, "scale_factor"),
        ({"min_neighbors": -1}, "min_neighbors"),
        ({"min_size": 0}, "min_size"),
        ({"margin": -0.5}, "margin"),
        ({"detector": "dlib"}, "detector"),
        ({"max_side": 10}, "max_side"),
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"align": "yes"}, "align"),
    ],
)
def test_parameters_are_checked(cv2, params, name):
    cropper = HAAR(**params)
    with pytest.raises(InvalidParameterError, match=name):
        cropper.detect(np.zeros((50, 50), dtype=np.uint8))
    with pytest.raises(InvalidParameterError, match=name):
        cropper.crop([])


def test_repr_lists_the_parameters():
    assert repr(FaceCropper(min_size=60)) == (
        "FaceCropper(detector='auto', max_side=960, min_size=60, "
        "min_confidence=0.75, align=True, margin=0.0, scale_factor=1.1, "
        "min_neighbors=10)"
    )


def test_each_thread_has_its_own_cascade(cv2):
    cascades = []

    def load():
        cascades.append(_face_detectors._cascade())

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cascades[0] is not cascades[1]
    assert _face_detectors._cascade() is _face_detectors._cascade()


def test_missing_opencv_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cv2", None)
    monkeypatch.setitem(__import__("sys").modules, "yuface", None)
    monkeypatch.setattr(_face_detectors, "_cascades", threading.local())
    for detector in ("auto", "haar"):
        with pytest.raises(ImportError, match=r"pip install 'sklearn-fer\[faces\]'"):
            FaceCropper(detector=detector).detect(np.zeros((50, 50), np.uint8))
    with pytest.raises(ImportError, match="yuface.*detector='haar'"):
        FaceCropper(detector="yunet").detect(np.zeros((50, 50), np.uint8))
    # Cropping needs no OpenCV.
    assert crop_center(np.zeros((50, 80), dtype=np.uint8)).shape == (2304,)


# -- cropping and resizing (NumPy only) ----------------------------------------


def area_reference(image, left, top, side):
    """The square [left, left + side) x [top, top + side) shrunk to 48 x 48,
    each output pixel the mean of its footprint: every pixel repeated 96
    times along an axis, a footprint is 2 * side whole repeated pixels (for
    ``left`` and ``top`` whole or half), averaged."""
    repeat = 2 * 48

    def along(array, start, axis):
        array = np.repeat(array.astype(np.float64), repeat, axis=axis)
        begin = round(start * repeat)
        array = np.take(array, np.arange(begin, begin + side * repeat), axis=axis)
        shape = list(array.shape)
        shape[axis : axis + 1] = [48, 2 * side]
        return array.reshape(shape).mean(axis=axis + 1)

    return along(along(image, top, 0), left, 1)


@pytest.mark.parametrize("shape", [(150, 200), (97, 61), (101, 200), (60, 49)])
def test_crop_center_averages_each_pixels_footprint(shape):
    """A square larger than 48 pixels is shrunk as OpenCV's INTER_AREA shrinks
    (Pillow's bilinear filter, used before, blurs it over two output
    pixels); odd strips give half-pixel offsets."""
    image = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    side = min(shape)
    expected = area_reference(image, (shape[1] - side) / 2, (shape[0] - side) / 2, side)
    face = crop_center(image)
    assert face.shape == (2304,) and face.dtype == np.uint8
    np.testing.assert_allclose(face.reshape(48, 48), expected, atol=0.5 + 1e-4)


@pytest.mark.parametrize("shape", [(300, 400), (1000, 700)])
def test_crop_center_is_opencvs_inter_area(cv2, shape):
    image = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    side = min(shape)
    top, left = (shape[0] - side) // 2, (shape[1] - side) // 2
    expected = cv2.resize(
        image[top : top + side, left : left + side],
        (48, 48),
        interpolation=cv2.INTER_AREA,
    )
    # OpenCV rounds in fixed point.
    difference = crop_center(image).reshape(48, 48).astype(int) - expected
    assert np.abs(difference).max() <= 1


@pytest.mark.parametrize("shape", [(48, 48), (30, 20), (47, 49)])
def test_crop_center_enlarges_like_pillow(shape):
    """A square of at most 48 pixels is resized like
    ``ImageOps.fit(..., BILINEAR)``."""
    PIL_Image = pytest.importorskip("PIL.Image")
    from PIL import ImageOps

    image = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    expected = np.asarray(
        ImageOps.fit(
            PIL_Image.fromarray(image), (48, 48), PIL_Image.Resampling.BILINEAR
        )
    )
    # Pillow rounds to 8 bits between its two passes; we round once.
    difference = np.abs(crop_center(image).reshape(48, 48).astype(int) - expected)
    assert difference.max() <= 1 and difference.mean() < 0.25


def test_crop_faces_averages_when_shrinking_and_is_bilinear_when_enlarging(cv2):
    """A box larger than 48 pixels is shrunk as OpenCV's INTER_AREA does (each
    output pixel the mean of its footprint); a smaller one enlarged as
    Pillow's bilinear resize."""
    PIL_Image = pytest.importorskip("PIL.Image")
    image = np.random.RandomState(0).randint(0, 256, (200, 300)).astype(np.uint8)
    boxes = [[50, 30, 100, 100], [0, 0, 200, 200], [250, 150, 50, 50], [7, 9, 61, 61]]
    faces = crop_faces(image, boxes)
    for face, (x, y, w, h) in zip(faces, boxes, strict=True):
        expected = cv2.resize(
            image[y : y + h, x : x + w], (48, 48), interpolation=cv2.INTER_AREA
        )
        # OpenCV rounds in fixed point for whole factors.
        assert np.abs(face.reshape(48, 48).astype(int) - expected).max() <= 1
    (small,) = crop_faces(image, [[7, 9, 33, 33]])
    expected = np.asarray(
        PIL_Image.fromarray(image).resize(
            (48, 48), PIL_Image.Resampling.BILINEAR, box=(7, 9, 40, 42)
        )
    )
    assert np.abs(small.reshape(48, 48).astype(int) - expected).max() <= 1


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


# -- around the detector: a stub in place of YuNet -----------------------------


class StubYuNet:
    """Returns the given faces (in pixels of the image it sees), and records
    the images it was shown."""

    def __init__(self, boxes, landmarks, scores=None):
        self.boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        self.landmarks = np.asarray(landmarks, dtype=np.float64).reshape(-1, 5, 2)
        self.scores = (
            np.full(len(self.boxes), 0.9) if scores is None else np.asarray(scores)
        )
        self.seen = []

    def __call__(self, image, min_confidence):
        self.seen.append(image)
        keep = self.scores >= min_confidence
        return _face_detectors.Found(
            self.boxes[keep], self.scores[keep], self.landmarks[keep]
        )


def face_landmarks(x, y, w, h, tilt=0.0):
    """Landmarks where a level face in box (x, y, w, h) has them, tilted by
    ``tilt`` degrees about the box's centre."""
    points = np.array(
        [[0.3, 0.35], [0.7, 0.35], [0.5, 0.55], [0.35, 0.75], [0.65, 0.75]]
    ) * [w, h] + [x, y]
    theta = np.radians(tilt)
    turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    centre = np.array([x + w / 2, y + h / 2])
    return (points - centre) @ turn.T + centre


@pytest.fixture
def stub(monkeypatch):
    """Install a StubYuNet; ``stub(boxes, landmarks, scores)`` returns it."""
    monkeypatch.setattr(_face_detectors, "_import_yuface", lambda: None)

    def install(boxes, landmarks, scores=None):
        detector = StubYuNet(boxes, landmarks, scores)
        monkeypatch.setattr(_face_detectors, "find_yunet", detector)
        return detector

    return install


def test_the_detector_sees_a_shrunk_copy(stub):
    photo = np.random.RandomState(0).randint(0, 256, (1920, 2880, 3)).astype(np.uint8)
    # A face of 100 x 120 pixels of the copy, at (50, 40): 3x in the photo.
    detector = stub([[50, 40, 100, 120]], face_landmarks(50, 40, 100, 120))
    located = FaceCropper(detector="yunet", align=False).locate(photo)
    (seen,) = detector.seen
    assert seen.shape == (640, 960, 3) and seen.dtype == np.uint8
    # Blocks of 3 x 3 pixels averaged (rounded to 8 bits).
    expected = photo.reshape(640, 3, 960, 3, 3).mean(axis=(1, 3))
    assert np.abs(seen - expected).max() <= 0.5 + 1e-6
    # Boxes mapped back to the photo, framed as FER2013: 0.937 of the box's
    # height, about its centre.
    side = round(0.937 * 360)
    centre = np.array([150 + 300 / 2, 120 + 360 / 2])
    (box,) = located.boxes
    assert box[2] == box[3] == side
    np.testing.assert_allclose(box[:2] + side / 2, centre, atol=1)


@pytest.mark.parametrize(
    ("shape", "max_side", "seen_shape"),
    [
        ((960, 700), 960, (960, 700)),  # small enough: as it is
        ((961, 700), 960, (960, 699)),
        ((768, 1024), 960, (720, 960)),  # not halved to 384 x 512
        ((1588, 2280), 960, (669, 960)),
        ((2000, 3000), 960, (640, 960)),
        ((4000, 100), 960, (960, 24)),
        ((4000, 3000), None, (4000, 3000)),
        ((2, 5000), 960, (1, 960)),  # a strip: at least a pixel across
    ],
)
def test_the_copy_is_max_side_long(stub, shape, max_side, seen_shape):
    """The copy is shrunk by the factor that makes its longer side
    ``max_side``, not by a whole factor (which halved a 1024 x 768 photo,
    losing faces under 64 pixels)."""
    detector = stub(np.zeros((0, 4)), np.zeros((0, 5, 2)))
    FaceCropper(detector="yunet", max_side=max_side).detect(np.zeros(shape, np.uint8))
    assert detector.seen[0].shape == seen_shape


def test_boxes_come_back_at_any_shrink_factor(stub):
    """A 1024 x 768 photo is seen at 960 x 720: a box of the copy maps back to
    the photo by 1024 / 960 along x and 768 / 720 along y."""
    box = [300, 150, 60, 75]
    detector = stub([box], face_landmarks(*box))
    photo = np.zeros((768, 1024, 3), np.uint8)
    located = FaceCropper(detector="yunet", align=False, min_size=1).locate(photo)
    assert detector.seen[0].shape == (720, 960, 3)
    scale = 1024 / 960
    side = round(0.937 * 75 * scale)
    (found,) = located.boxes
    assert found[2] == side
    np.testing.assert_allclose(
        found[:2] + side / 2, (np.array([330, 187.5]) * scale), atol=1
    )
    np.testing.assert_allclose(
        located.landmarks[0], face_landmarks(*box) * scale, atol=1e-9
    )


@pytest.mark.parametrize("channels", [(), (3,)])
def test_the_copy_without_opencv_is_opencvs(cv2, stub, monkeypatch, channels):
    """Where OpenCV is absent (YuNet alone), the copy is shrunk by NumPy, as
    INTER_AREA shrinks it."""
    rng = np.random.RandomState(0)
    photo = rng.randint(0, 256, (1500, 2000, *channels)).astype(np.uint8)
    detector = stub(np.zeros((0, 4)), np.zeros((0, 5, 2)))
    FaceCropper(detector="yunet").detect(photo)
    monkeypatch.setitem(__import__("sys").modules, "cv2", None)
    FaceCropper(detector="yunet").detect(photo)
    with_opencv, with_numpy = detector.seen
    assert with_numpy.shape == with_opencv.shape == (720, 960, *channels)
    assert np.abs(with_numpy.astype(int) - with_opencv).max() <= 1


def test_grey_and_16_bit_photos_reach_the_detector_as_8_bit(stub):
    detector = stub(np.zeros((0, 4)), np.zeros((0, 5, 2)))
    grey = (np.arange(200 * 300).reshape(200, 300) * 7 % 65536).astype(np.uint16)
    FaceCropper(detector="yunet").detect(grey)
    FaceCropper(detector="yunet").detect(grey / 65535)
    for seen in detector.seen:
        assert seen.dtype == np.uint8 and seen.shape == (200, 300)
        np.testing.assert_allclose(seen, grey / 257, atol=0.51)


def test_faces_that_cannot_be_faces_are_dropped(stub):
    boxes = [[10, 10, 100, 100], [200, 10, 100, 100], [400, 10, 100, 100]]
    landmarks = [face_landmarks(*box) for box in boxes]
    landmarks[1][1] = landmarks[1][0] + [5, 0]  # eyes 5 px apart in 100
    landmarks[2][3:] = landmarks[2][:2] - [0, 30]  # the mouth above the eyes
    stub(boxes, landmarks)
    located = FaceCropper(detector="yunet").locate(np.zeros((300, 600), np.uint8))
    assert len(located.boxes) == 1 and located.boxes[0, 0] < 100


def test_confidence_and_size_thresholds(stub):
    boxes = [[10, 10, 100, 100], [200, 10, 100, 100], [400, 10, 40, 40]]
    stub(boxes, [face_landmarks(*box) for box in boxes], scores=[0.9, 0.5, 0.9])
    image = np.zeros((300, 600), np.uint8)
    located = FaceCropper(detector="yunet").locate(image)
    assert located.boxes[:, 0].tolist() == [13]  # 0.5 < 0.75; 37 px < 48
    np.testing.assert_allclose(located.scores, [0.9])
    located = FaceCropper(detector="yunet", min_confidence=0.4, min_size=30).locate(
        image
    )
    assert len(located.boxes) == 3


def test_the_default_confidence_drops_the_doubtful_faces(stub, monkeypatch):
    """0.75 by default (0.6 before): on the faces benchmark's Training-holdout
    scenes, half of YuNet's false faces scored between the two, and 4% of the
    faces it found."""
    boxes = [[10, 10, 100, 100], [200, 10, 100, 100], [400, 10, 100, 100]]
    detector = stub(
        boxes, [face_landmarks(*box) for box in boxes], scores=[0.74, 0.75, 0.9]
    )
    image = np.zeros((300, 600), np.uint8)
    assert FaceCropper().min_confidence == 0.75
    assert FaceCropper(detector="yunet").detect(image)[:, 0].tolist() == [203, 403]
    assert len(FaceCropper(detector="yunet", min_confidence=0.6).detect(image)) == 3
    # The threshold holds whatever the detector returns (the faces benchmark
    # filters one pass of YuNet at a low threshold by each setting).
    monkeypatch.setattr(
        _face_detectors, "find_yunet", lambda image, _: detector(image, 0.0)
    )
    assert FaceCropper(detector="yunet").detect(image)[:, 0].tolist() == [203, 403]


def test_the_cascade_needs_ten_neighbours_by_default(monkeypatch):
    """10 by default (OpenCV's usual 5 before): on the faces benchmark's
    Training-holdout scenes, a tenth to a fifth of the false faces, 8-12%
    fewer faces found."""
    asked = []

    def find_haar(grey, scale_factor, min_neighbors, min_size):
        asked.append(min_neighbors)
        return _face_detectors.Found(np.zeros((0, 4)), np.zeros(0), None)

    monkeypatch.setattr(_face_detectors, "import_cv2", lambda: None)
    monkeypatch.setattr(_face_detectors, "find_haar", find_haar)
    image = np.zeros((100, 100), np.uint8)
    FaceCropper(detector="haar").detect(image)
    FaceCropper(detector="haar", min_neighbors=5).detect(image)
    assert asked == [10, 5]


def test_faces_are_listed_left_to_right(stub):
    boxes = [[400, 10, 100, 100], [10, 150, 100, 100], [200, 80, 100, 100]]
    stub(boxes, [face_landmarks(*box) for box in boxes])
    located = FaceCropper(detector="yunet").locate(np.zeros((300, 600), np.uint8))
    assert np.all(np.diff(located.boxes[:, 0]) > 0)
    assert located.landmarks[:, 0, 0].tolist() == sorted(located.landmarks[:, 0, 0])


@pytest.mark.parametrize("tilt", [-20.0, -0.5, 12.0])
def test_the_eyes_give_the_angle(stub, tilt):
    box = [100, 80, 120, 120]
    stub([box], face_landmarks(*box, tilt=tilt))
    image = np.random.RandomState(0).randint(0, 256, (400, 400)).astype(np.uint8)
    located = FaceCropper(detector="yunet").locate(image)
    # Below a degree the face counts as level (and is cropped as it is).
    expected = 0.0 if abs(tilt) < 1 else tilt
    assert located.angles.tolist() == pytest.approx([expected], abs=0.051)
    assert FaceCropper(detector="yunet", align=False).locate(image).angles == [0]
    # crop is crop_faces of what locate returns.
    crops = FaceCropper(detector="yunet").crop([image])
    np.testing.assert_array_equal(
        crops.faces, crop_faces(image, located.boxes, angles=located.angles)
    )


def test_auto_is_yunet_where_it_imports(monkeypatch):
    monkeypatch.setattr(_face_detectors, "_import_yuface", lambda: None)
    assert _face_detectors.resolve_detector("auto") == "yunet"
    assert _face_detectors.available_detectors()[0] == "yunet"


def test_auto_falls_back_on_the_cascade(cv2, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "yuface", None)
    assert _face_detectors.resolve_detector("auto") == "haar"
    assert _face_detectors.available_detectors() == ["haar"]


# -- the real YuNet, on a real face ---------------------------------------------


@pytest.fixture(scope="module")
def astronaut():
    pytest.importorskip("yuface", reason="yuface (extra 'faces') not installed")
    data = pytest.importorskip("skimage.data", reason="scikit-image not installed")
    return data.astronaut()


#: Eileen Collins' face in scikit-image's astronaut photo (x, y, w, h), read
#: off the photo; and a square around her head, to paste.
ASTRONAUT_FACE = (178, 63, 89, 112)
ASTRONAUT_HEAD = (148, 20, 150, 190)


def test_yunet_finds_the_astronaut(astronaut):
    located = FaceCropper().locate(astronaut)
    assert len(located.boxes) == 1
    assert iou(located.boxes[0], ASTRONAUT_FACE) >= 0.5
    assert located.scores[0] >= 0.8 and abs(located.angles[0]) < 3
    x, y, w, h = ASTRONAUT_FACE
    eyes = located.landmarks[0, :2]
    assert (eyes[:, 0] > x).all() and (eyes[:, 0] < x + w).all()
    assert (eyes[:, 1] > y).all() and (eyes[:, 1] < y + h / 2).all()


def test_yunet_finds_pasted_heads_in_a_scene(astronaut):
    PIL_Image = pytest.importorskip("PIL.Image")
    x, y, w, h = ASTRONAUT_HEAD
    head = PIL_Image.fromarray(astronaut[y : y + h, x : x + w])
    scene = np.full((700, 1400, 3), (90, 120, 60), dtype=np.uint8)
    placed = []
    for left, top, scale in [(900, 300, 1.6), (60, 80, 1.0), (500, 420, 0.8)]:
        size = (round(w * scale), round(h * scale))
        scene[top : top + size[1], left : left + size[0]] = head.resize(size)
        placed.append((left, top, scale))
    located = FaceCropper().locate(scene)
    assert len(located.boxes) == 3
    fx, fy, fw, fh = ASTRONAUT_FACE
    for box, (left, top, scale) in zip(located.boxes, sorted(placed), strict=True):
        face = (left + (fx - x) * scale, top + (fy - y) * scale, fw * scale, fh * scale)
        assert iou(box, face) >= 0.5


@pytest.mark.parametrize("turn", [-15, 15])
def test_yunet_levels_a_turned_face(astronaut, turn):
    PIL_Image = pytest.importorskip("PIL.Image")
    upright = FaceCropper().crop([astronaut]).faces
    # Turned clockwise in the image (PIL turns anticlockwise), about the face.
    x, y, w, h = ASTRONAUT_FACE
    turned = np.asarray(
        PIL_Image.fromarray(astronaut).rotate(
            -turn, PIL_Image.Resampling.BILINEAR, center=(x + w / 2, y + h / 2)
        )
    )
    located = FaceCropper().locate(turned)
    # YuNet's landmarks lean towards an upright face: of the 15 degrees
    # they see 1-4 more than in the upright photo (1.2 degrees).
    assert len(located.boxes) == 1
    assert 0.5 <= np.sign(turn) * (located.angles[0] - 1.2) <= 16
    levelled = FaceCropper().crop([turned]).faces
    as_it_is = FaceCropper(align=False).crop([turned]).faces
    assert correlation(levelled, upright) > correlation(as_it_is, upright)


def test_no_face_in_photos_without_one(astronaut):
    skimage_data = pytest.importorskip("skimage.data")
    for name in ("brick", "coffee", "rocket", "text"):
        assert FaceCropper().detect(getattr(skimage_data, name)()).shape == (0, 4)


# -- turning and cropping --------------------------------------------------------


def test_a_turned_crop_is_the_crop_of_the_turned_image():
    PIL_Image = pytest.importorskip("PIL.Image")
    rng = np.random.RandomState(0)
    # A smooth image, so that bilinear turns of it agree.
    image = np.asarray(
        PIL_Image.fromarray(rng.randint(0, 256, (30, 30)).astype(np.uint8)).resize(
            (300, 300), PIL_Image.Resampling.BICUBIC
        )
    )
    box = [90, 80, 120, 120]
    centre = (150, 140)
    for angle in (-30.0, 10.0, 45.0):
        # Turning the image by -angle about the box's centre levels a face
        # tilted by angle: the same pixels as the turned crop.
        turned = PIL_Image.fromarray(image).rotate(
            angle, PIL_Image.Resampling.BILINEAR, center=centre
        )
        expected = crop_faces(np.asarray(turned), [box])
        got = crop_faces(image, [box], angles=[angle])
        assert correlation(got, expected) > 0.99
        assert np.abs(got.astype(int) - expected).mean() < 3
    np.testing.assert_array_equal(
        crop_faces(image, [box], angles=[0.0]), crop_faces(image, [box])
    )


@pytest.mark.parametrize("angles", [[1.0, 2.0], [np.nan], [[1.0]]])
def test_one_finite_angle_per_box(angles):
    with pytest.raises(ValueError, match="angles must be 1 finite numbers"):
        crop_faces(np.zeros((40, 50), np.uint8), [[0, 0, 5, 5]], angles=angles)


@pytest.mark.parametrize("angle", [0.0, 25.0])
def test_only_the_face_region_is_read_yet_the_border_repeats(angle):
    """Cropping converts only the region around the box to grey: the same
    faces as from the whole image, also for boxes over its border."""
    grey = np.random.RandomState(0).randint(0, 256, (120, 160)).astype(np.uint8)
    boxes = [[-20, -10, 60, 60], [130, 90, 50, 50], [40, 30, 70, 70], [0, 0, 3, 3]]
    for margin in (0.0, 0.3, -0.2):
        with_region = crop_faces(grey, boxes, margin=margin, angles=[angle] * 4)
        for face, (x, y, w, h) in zip(with_region, boxes, strict=True):
            side = w * (1 + 2 * margin)
            left, top = x + w / 2 - side / 2, y + h / 2 - side / 2
            if angle:
                whole = _face_cropper._crop_turned_square(grey, left, top, side, angle)
            else:
                whole = _face_cropper.crop_square(grey, left, top, side)
            np.testing.assert_array_equal(face, whole)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(100, 70), (48, 48), (96, 35), (49, 1)])
def test_area_resize_averages_each_pixels_footprint(dtype, shape):
    """Shrinking a (100, 70) image to ``shape``: each output pixel is the mean
    of the source pixels under its footprint, weighted by the share covered,
    at whole and real factors alike."""
    rng = np.random.RandomState(0)
    image = rng.randint(0, 256, (100, 70, 3)).astype(dtype)
    shrunk = area_resize(image, *shape)
    assert shrunk.shape == (*shape, 3) and shrunk.dtype == np.float32
    # Each pixel repeated along an axis so that every footprint covers whole
    # repeated pixels, then averaged in blocks.
    expected = image.astype(np.float64)
    for axis, (n_in, n_out) in enumerate(zip(image.shape, shape, strict=False)):
        expected = np.repeat(expected, n_out, axis=axis)
        blocks = list(expected.shape)
        blocks[axis : axis + 1] = [n_out, n_in]
        expected = expected.reshape(blocks).mean(axis=axis + 1)
    np.testing.assert_allclose(shrunk, expected, rtol=1e-5)
