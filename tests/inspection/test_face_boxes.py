"""annotate_faces draws on a copy, at the photo's resolution."""

import numpy as np
import pytest

pytest.importorskip(
    "cv2", reason="OpenCV (extra 'faces': opencv-python-headless) not installed"
)

from sklearn_fer.inspection import annotate_faces

GREEN = [0, 200, 0]


def test_boxes_and_labels_on_a_copy():
    photo = np.full((200, 300), 128, dtype=np.uint8)
    before = photo.copy()
    annotated = annotate_faces(photo, [[100, 60, 80, 80]], ["happy"])
    np.testing.assert_array_equal(photo, before)
    assert annotated.shape == (200, 300, 3) and annotated.dtype == np.uint8
    # The four sides of the box.
    for y, x in [(60, 140), (139, 140), (100, 100), (100, 179)]:
        assert annotated[y, x].tolist() == GREEN
    # The label sits above the box: green background and dark text.
    above = annotated[40:60, 100:180]
    assert (above == GREEN).all(axis=2).any() and (above.max(axis=2) < 60).any()
    # Inside the box and far from it, the photo is untouched (grey in RGB).
    assert annotated[100, 140].tolist() == [128] * 3
    assert annotated[190, 10].tolist() == [128] * 3


def test_boxes_only_and_a_label_at_the_top_edge():
    photo = np.full((100, 100), 128, dtype=np.uint8)
    plain = annotate_faces(photo, [[10, 0, 50, 50]])
    labelled = annotate_faces(photo, [[10, 0, 50, 50]], ["sad"])
    # With no room above, the label goes inside the box's top.
    assert (labelled[2:20, 12:58] != plain[2:20, 12:58]).any()
    assert (plain[2:45, 15:55] == 128).all()


def test_colour_and_16_bit_photos_keep_their_colours():
    rgb = np.zeros((60, 80, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    annotated = annotate_faces(rgb, [[20, 10, 30, 30]], color=(0, 0, 255))
    assert annotated[55, 5].tolist() == [200, 0, 0]
    assert annotated[10, 30].tolist() == [0, 0, 255]
    wide = rgb.astype(np.uint16) * 257
    np.testing.assert_array_equal(
        annotate_faces(wide, [[20, 10, 30, 30]]),
        annotate_faces(rgb, [[20, 10, 30, 30]]),
    )
    rgba = np.concatenate([rgb, np.full((60, 80, 1), 9, np.uint8)], axis=2)
    assert annotate_faces(rgba, []).tolist() == rgb.tolist()


def test_one_label_per_box():
    with pytest.raises(ValueError, match="labels has 1 entries for 2 boxes"):
        annotate_faces(
            np.zeros((50, 50), np.uint8), [[0, 0, 9, 9], [9, 9, 9, 9]], ["a"]
        )


def test_a_box_over_the_border_keeps_its_label_in_the_photo():
    """Labels of boxes that leave the photo (a large face at its edge) were
    cut by the border; they are moved in, whole."""
    photo = np.full((200, 300), 128, dtype=np.uint8)
    inside = annotate_faces(photo, [[0, 80, 100, 100]], ["happy"])
    over_left = annotate_faces(photo, [[-40, 80, 100, 100]], ["happy"])
    # Above the box (and its line) only the label: the same, at column 0.
    np.testing.assert_array_equal(over_left[:78], inside[:78])
    at_top = annotate_faces(photo, [[50, 0, 100, 100]], ["happy"])
    over_top = annotate_faces(photo, [[50, -60, 100, 100]], ["happy"])
    np.testing.assert_array_equal(over_top[:12, 50:90], at_top[:12, 50:90])
    assert (over_top[:12, 50:90].max(axis=2) < 60).any()  # its text
    over_right = annotate_faces(photo, [[250, 80, 100, 100]], ["surprise"])
    assert (over_right[:80, -3:] == GREEN).all(axis=2).any()


def test_no_label_is_hidden_by_a_larger_face_or_a_box():
    """Boxes are drawn first, then the labels, the largest face's first: a
    small face's label near a large face stays whole."""
    photo = np.full((200, 300), 128, dtype=np.uint8)
    small, large = [30, 40, 40, 40], [0, 75, 300, 120]
    alone = annotate_faces(photo, [small], ["sad"])
    # The small face's label, above its box's line (which the large face's
    # label may cover).
    label = (alone[:38] != 128).any(axis=2)
    for boxes, labels in [
        ([small, large], ["sad", "happy"]),
        ([large, small], ["happy", "sad"]),
    ]:
        both = annotate_faces(photo, boxes, labels)
        assert label.sum() > 100
        np.testing.assert_array_equal(both[:38][label], alone[:38][label])


def test_one_colour_per_face():
    photo = np.full((100, 200), 128, dtype=np.uint8)
    boxes = [[10, 40, 50, 50], [110, 40, 50, 50]]
    annotated = annotate_faces(
        photo, boxes, ["a", "b"], color=[(0, 200, 0), (230, 30, 30)]
    )
    assert annotated[65, 10].tolist() == GREEN
    assert annotated[65, 110].tolist() == [230, 30, 30]
    np.testing.assert_array_equal(
        annotate_faces(photo, boxes, color=[(0, 200, 0)] * 2),
        annotate_faces(photo, boxes),
    )
    # An empty label, or None, draws none (not the text "None").
    for no_label in ("", None):
        np.testing.assert_array_equal(
            annotate_faces(photo, boxes, [no_label, no_label]),
            annotate_faces(photo, boxes),
        )


@pytest.mark.parametrize(
    "color", [(0, 200), [(0, 200, 0)] * 3, (0, 300, 0), ("a", "b", "c")]
)
def test_a_bad_colour_is_named(color):
    with pytest.raises(ValueError, match="color must be one RGB colour"):
        annotate_faces(np.zeros((50, 50), np.uint8), [[0, 0, 9, 9]] * 2, color=color)
