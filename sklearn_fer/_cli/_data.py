"""Faces for the commands: FER2013 from a file, or synthetic faces."""

import gzip
import zipfile
import zlib

import numpy as np

#: Errors of a damaged file that do not say which file.
_UNNAMED_READ_ERRORS = (
    zipfile.BadZipFile,
    gzip.BadGzipFile,
    zlib.error,
    EOFError,
    UnicodeDecodeError,
)


def load_faces(path, *, target="emotion", usage=None, labelled=False):
    """``load_fer2013``, with errors that name ``path`` and no empty result.

    Raises ValueError when the file is damaged, holds no faces (of ``usage``
    or of the ``target`` emotions: ``load_fer2013`` says which), or
    (``labelled=True``) has no labels.
    """
    from ..datasets import load_fer2013

    try:
        faces = load_fer2013(path, target=target, usage=usage)
    except _UNNAMED_READ_ERRORS as exc:
        raise ValueError(
            f"{path}: cannot read it ({type(exc).__name__}: {exc}); is it a "
            "whole FER2013 file?"
        ) from exc
    if labelled and faces.target is None:
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
