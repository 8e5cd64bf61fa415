"""Faces for the commands: FER2013 from a file, or synthetic faces."""

import gzip
import os
import zipfile
import zlib

from ._progress import say

#: Errors of a damaged file that do not say which file.
_UNNAMED_READ_ERRORS = (
    zipfile.BadZipFile,
    gzip.BadGzipFile,
    zlib.error,
    EOFError,
    UnicodeDecodeError,
)


def _announce(path):
    """A progress line: which file loads, and how big it is."""
    size = ""
    if os.path.isfile(path):
        size = f" ({os.path.getsize(path) / 1e6:.1f} MB)"
    say(f"loading {path}{size} ...")


def load_faces(path, *, target="emotion", usage=None, labelled=False):
    """``load_fer2013``, with errors that name ``path`` and no empty result.

    Raises ValueError when the file is damaged, holds no faces (of ``usage``
    or of the ``target`` emotions: ``load_fer2013`` says which), or
    (``labelled=True``) has no labels.
    """
    from ..datasets import load_fer2013

    _announce(path)
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
    """``make_faces``, kept and labelled as ``load_fer2013`` does for ``target``.

    Returns the faces, their codes and the name of each code.
    """
    from ..datasets import emotion_target, make_faces

    X, codes = make_faces(n_faces, random_state=random_state, return_X_y=True)
    keep, y, target_names = emotion_target(codes, target)
    return X[keep], y, target_names
