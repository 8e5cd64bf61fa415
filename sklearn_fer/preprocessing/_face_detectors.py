"""The face detectors that :class:`FaceCropper` runs, behind one interface.

Two backends, each imported on first use:

``"yunet"``
    YuNet, the CNN of libfacedetection, through the ``yuface`` wheel (its
    weights are compiled in; nothing is downloaded). It gives a confidence
    and five landmarks per face (eyes, nose tip, mouth corners), finds
    turned, tilted and partly hidden faces that the cascade misses, and runs
    in tens of milliseconds on a copy of at most 960 pixels. ``yuface`` has
    wheels for CPython 3.6-3.11 on Linux and Windows (x86-64) only.
``"haar"``
    OpenCV's frontal-face Haar cascade (``opencv-python-headless`` < 5, whose
    wheel ships the cascade file): everywhere OpenCV 4 installs, no
    landmarks, upright frontal faces only.

``"auto"`` is YuNet where ``yuface`` imports, else the cascade. Each backend
takes an image already shrunk for detection and returns boxes in its pixels;
:class:`FaceCropper` shrinks the photo, maps the boxes back and frames them.
"""

import threading
from typing import NamedTuple

import numpy as np

#: The detectors by name, in the order ``"auto"`` tries them.
DETECTORS = ("yunet", "haar")

#: The cascade file, shipped in the opencv-python(-headless) wheels.
_CASCADE_FILE = "haarcascade_frontalface_default.xml"
# One cascade per thread: CascadeClassifier.detectMultiScale is not const
# (opencv/opencv#4287), so one object must not serve two threads at once.
_cascades = threading.local()

_INSTALL = "pip install 'sklearn-fer[faces]'"


class Found(NamedTuple):
    """Faces found in one (shrunk) image, in its pixels."""

    #: (n, 4) float64: x, y, width, height.
    boxes: np.ndarray
    #: (n,) float64: the detector's confidence (YuNet: 0-1; Haar: NaN).
    scores: np.ndarray
    #: (n, 5, 2) float64: x, y of the image-left eye, image-right eye, nose
    #: tip, image-left and image-right mouth corners; None without landmarks.
    landmarks: np.ndarray | None


def import_cv2():
    """``cv2``, or an ImportError that names the extra to install."""
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(
            f"Face detection needs OpenCV: {_INSTALL} (opencv-python-headless)."
        ) from exc
    return cv2


def _import_yuface():
    try:
        import yuface
    except ImportError as exc:
        raise ImportError(
            f"The YuNet face detector needs yuface: {_INSTALL}, on CPython 3.11 "
            "or older (Linux or Windows, x86-64); elsewhere use detector='haar'."
        ) from exc
    return yuface


def _cascade():
    """The frontal-face Haar cascade of this thread, loaded on first use."""
    cascade = getattr(_cascades, "frontal_face", None)
    if cascade is None:
        cv2 = import_cv2()
        path = cv2.data.haarcascades + _CASCADE_FILE
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise OSError(
                f"OpenCV could not load its face detector {path}: reinstall "
                "opencv-python-headless."
            )
        _cascades.frontal_face = cascade
    return cascade


def available_detectors() -> list[str]:
    """The detectors that import here, in the order ``"auto"`` tries them."""
    available = []
    for name in DETECTORS:
        try:
            _IMPORTS[name]()
        except ImportError:
            continue
        available.append(name)
    return available


def resolve_detector(name: str) -> str:
    """``name``, or for ``"auto"`` the first detector that imports.

    Raises the ImportError of the named detector (for ``"auto"``: of the
    cascade, the fallback) when it cannot be used here.
    """
    if name != "auto":
        _IMPORTS[name]()
        return name
    available = available_detectors()
    if not available:
        import_cv2()  # raises, naming the extra
    return available[0]


def find_yunet(image, min_confidence) -> Found:
    """YuNet's faces in a uint8 grey (H, W) or RGB (H, W, 3) image."""
    yuface = _import_yuface()
    if image.ndim == 2:
        bgr = np.repeat(image[:, :, None], 3, axis=2)
    else:
        bgr = np.ascontiguousarray(image[:, :, 2::-1])
    # yuface.detect warns above 960 pixels and scales the threshold by 100;
    # its compiled function returns every face with its score (0-100), box
    # and landmarks, as int.
    rows = np.asarray(yuface.yuface.detect(bgr), dtype=np.float64).reshape(-1, 16)
    scores = rows[:, 0] / 100
    rows = rows[scores >= min_confidence]
    return Found(rows[:, 1:5], rows[:, 0] / 100, rows[:, 5:15].reshape(-1, 5, 2))


def find_haar(grey, scale_factor, min_neighbors, min_size) -> Found:
    """The Haar cascade's faces in a uint8 grey image."""
    boxes = _cascade().detectMultiScale(
        np.ascontiguousarray(grey),
        scaleFactor=float(scale_factor),
        minNeighbors=int(min_neighbors),
        minSize=(int(min_size), int(min_size)),
    )
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return Found(boxes, np.full(len(boxes), np.nan), None)


_IMPORTS = {"yunet": _import_yuface, "haar": import_cv2}
