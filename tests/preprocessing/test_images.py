"""mirror_faces and shift_faces: the views of faces that training may add."""

import numpy as np
import pandas as pd
import pytest

from sklearn_fer.preprocessing._images import mirror_faces, shift_faces


@pytest.fixture
def images():
    return np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)


def test_mirror_and_shift_images(images):
    np.testing.assert_array_equal(mirror_faces(images), images[:, :, ::-1])
    down = shift_faces(images, 1, 0)
    np.testing.assert_array_equal(down[:, 1:], images[:, :-1])
    np.testing.assert_array_equal(down[:, 0], images[:, 0])  # the edge repeated
    left = shift_faces(images, 0, -2)
    np.testing.assert_array_equal(left[:, :, :3], images[:, :, 2:])
    np.testing.assert_array_equal(left[:, :, 3], images[:, :, 4])
    np.testing.assert_array_equal(shift_faces(images, 0, 0), images)


def test_rows_and_frames_keep_their_layout(images):
    rows = images.reshape(3, 20)
    for moved, expected in [
        (mirror_faces(rows, image_shape=(4, 5)), mirror_faces(images)),
        (shift_faces(rows, -1, 1, image_shape=(4, -1)), shift_faces(images, -1, 1)),
    ]:
        assert moved.shape == (3, 20) and moved.dtype == np.uint8
        np.testing.assert_array_equal(moved, expected.reshape(3, 20))
    frame = pd.DataFrame(rows, index=[7, 8, 9])
    moved = shift_faces(frame, 1, 1, image_shape=(4, 5))
    assert list(moved.index) == [7, 8, 9]
    np.testing.assert_array_equal(moved.to_numpy(), shift_faces(rows, 1, 1, (4, 5)))
    before = rows.copy()
    mirror_faces(rows, (4, 5))[0] = 0
    np.testing.assert_array_equal(rows, before)  # a copy, never a view


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="not a square image"):
        mirror_faces(np.zeros((2, 20)))
    with pytest.raises(ValueError, match="got an array of shape"):
        shift_faces(np.zeros(5), 1, 0)
