"""make_faces: determinism, format, and a difficulty between chance and perfect."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import EMOTIONS, make_faces


def test_deterministic_for_a_random_state():
    first, second = make_faces(50, random_state=7), make_faces(50, random_state=7)
    np.testing.assert_array_equal(first.data, second.data)
    np.testing.assert_array_equal(first.target, second.target)
    assert not np.array_equal(first.data, make_faces(50, random_state=8).data)


def test_format_matches_the_loader():
    faces = make_faces(70, random_state=0)
    assert faces.data.shape == (70, 2304) and faces.data.dtype == np.uint8
    assert faces.images.shape == (70, 48, 48)
    assert np.shares_memory(faces.images, faces.data)
    assert list(faces.target_names) == list(EMOTIONS)
    np.testing.assert_array_equal(np.bincount(faces.target), [10] * 7)
    assert faces.data.min() < 30 and faces.data.max() > 220
    X, y = make_faces(5, return_X_y=True, random_state=0)
    assert X.shape == (5, 2304) and y.shape == (5,)


def test_emotion_subset_is_indexed_like_the_loader():
    faces = make_faces(30, emotions=["happy", "neutral", "sad"], random_state=0)
    assert list(faces.target_names) == ["happy", "neutral", "sad"]
    assert set(faces.target) == {0, 1, 2}


def test_learnable_but_not_trivial():
    X, y = make_faces(700, random_state=0, return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=200))
    accuracy = cross_val_score(model, X / 255.0, y, cv=3).mean()
    assert 0.35 < accuracy < 0.9  # chance is 1/7


def test_noise_makes_it_harder():
    X, y = make_faces(700, emotions=["happy", "sad"], random_state=0, return_X_y=True)
    X_noisy, _ = make_faces(
        700, emotions=["happy", "sad"], noise=0.5, random_state=0, return_X_y=True
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=500))
    clean = cross_val_score(model, X / 255.0, y, cv=3).mean()
    noisy = cross_val_score(model, X_noisy / 255.0, y, cv=3).mean()
    assert noisy < clean


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_samples=0), "n_samples"),
        (dict(noise=-1), "noise"),
        (dict(emotions=["happy", "bored"]), "Unknown emotion 'bored'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_faces(**{"n_samples": 10, **kwargs})
