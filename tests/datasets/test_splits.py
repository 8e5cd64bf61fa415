"""train_test_by_usage: Training to fit, PublicTest to score, one scaler."""

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import make_faces, train_test_by_usage


@pytest.fixture
def faces():
    faces = make_faces(30, random_state=0)
    faces.usage = np.array(["Training"] * 20 + ["PublicTest"] * 6 + ["PrivateTest"] * 4)
    return faces


def test_scaler_fitted_on_training_alone(faces):
    before = faces.data.copy()
    split = train_test_by_usage(faces)
    reference = StandardScaler().fit(faces.data[:20].astype(np.float32))
    np.testing.assert_allclose(split.scaler.mean_, reference.mean_, rtol=1e-6)
    np.testing.assert_allclose(
        split.X_test,
        reference.transform(faces.data[20:26].astype(np.float32)),
        atol=1e-5,
    )
    assert split.X_train.dtype == split.X_test.dtype == np.float32
    np.testing.assert_array_equal(split.y_train, faces.target[:20])
    np.testing.assert_array_equal(split.y_test, faces.target[20:26])
    np.testing.assert_array_equal(faces.data, before)  # the input is not touched
    assert split.scaler.copy  # so that a pipeline never scales its input in place


def test_without_standardize_and_without_usage(faces):
    split = train_test_by_usage(faces, standardize=False)
    assert split.scaler is None and split.X_train.dtype == np.uint8
    faces.usage = None
    split = train_test_by_usage(faces)
    assert len(split.X_train) == 30 and len(split.X_test) == 0


def test_no_training_faces_is_an_error(faces):
    faces.usage[:] = "PublicTest"
    with pytest.raises(ValueError, match="No Training faces.*PublicTest"):
        train_test_by_usage(faces)
