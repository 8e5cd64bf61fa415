"""Faces shared by the model-file tests."""

import numpy as np
import pytest

from sklearn_fer.datasets import make_faces


@pytest.fixture(scope="module")
def faces():
    """240 synthetic faces, float32 in [0, 1], and their emotion codes."""
    X, y = make_faces(240, random_state=0, return_X_y=True)
    return X.astype(np.float32) / 255, y
