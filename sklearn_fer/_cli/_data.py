"""Faces for the commands: FER2013 from a file, or synthetic faces."""

import numpy as np


def labelled_faces(path, target, usage):
    """``load_fer2013(path, target=target, usage=usage)``, which must have labels."""
    from ..datasets import load_fer2013

    faces = load_fer2013(path, target=target, usage=usage)
    if faces.target is None:
        raise ValueError(f"{path} has no emotion labels: it cannot train or evaluate.")
    return faces


def synthetic_faces(n_faces, target, random_state):
    """``make_faces`` with labels as class names, relabelled like ``load_fer2013``."""
    from ..datasets import EMOTIONS, make_faces

    X, codes = make_faces(n_faces, random_state=random_state, return_X_y=True)
    y = np.asarray(EMOTIONS)[codes]
    if target == "happy":
        y = np.where(y == "happy", "happy", "not happy")
    elif target != "emotion":
        keep = np.isin(y, target)
        X, y = X[keep], y[keep]
    return X, y
