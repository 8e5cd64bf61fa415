"""Finding faces in photos and cropping them the way FER2013's faces were made.

FER2013's faces were found by a face detector, registered so that the face is
more or less centred and fills about the same space in each image, converted to
grey and resized to 48 x 48. Run on FER2013 faces (upscaled 4x, on a border),
OpenCV's frontal-face Haar cascade returns a box covering the whole 48 x 48
image: on 488 of 600 PublicTest faces it found one, of median side 47.25 px
(quartiles 44.25 and 50.25), centred within a quarter pixel. A Haar box cropped
with no margin, in grey and resized to 48 x 48, is therefore framed like a
FER2013 face; ``margin`` widens (or tightens) it.

Detection needs OpenCV (extra ``faces``), imported on first use. Cropping and
resizing are NumPy only, in ``sklearn_fer.utils._image_geometry``, which the
image reader uses too: :func:`crop_center` (the path without detection, also
exported here) needs no extra and gives the face the loader and the command
line read from a photo.
"""

import threading
from collections.abc import Iterable
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import validate_parameter_constraints

from ..datasets import N_PIXELS
from ..utils._image_geometry import crop_square, to_grey, to_uint8
from ..utils._sklearn_api import Interval

#: The cascade file, shipped in the opencv-python(-headless) wheels.
_CASCADE_FILE = "haarcascade_frontalface_default.xml"
# One cascade per thread: CascadeClassifier.detectMultiScale is not const
# (opencv/opencv#4287), so one object must not serve two threads at once.
_cascades = threading.local()


def import_cv2():
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(
            "Face detection needs OpenCV: pip install 'sklearn-fer[faces]' "
            "(opencv-python-headless)."
        ) from exc
    return cv2


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


def _crop_boxes(grey, boxes, margin):
    """Rows of 48 x 48 faces from checked (x, y, width, height) boxes."""
    faces = np.empty((len(boxes), N_PIXELS), dtype=np.uint8)
    for row, (x, y, w, h) in enumerate(boxes):
        side = max(w, h) * (1 + 2 * margin)
        faces[row] = crop_square(grey, x + w / 2 - side / 2, y + h / 2 - side / 2, side)
    return faces


def check_boxes(boxes, shape):
    boxes = np.asarray(boxes)
    if boxes.size == 0:
        return np.zeros((0, 4))
    if boxes.ndim == 1 and boxes.shape == (4,):
        raise ValueError(
            "boxes must have shape (n_faces, 4); for one box pass [box], got "
            f"{boxes.tolist()}."
        )
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(
            "boxes must have shape (n_faces, 4): (x, y, width, height) per face, "
            f"got shape {boxes.shape}."
        )
    if not np.issubdtype(boxes.dtype, np.number) or boxes.dtype == bool:
        raise TypeError(f"boxes must be numbers, got dtype {boxes.dtype}.")
    boxes = boxes.astype(np.float64)
    height, width = shape
    for row, (x, y, w, h) in enumerate(boxes):
        if not np.isfinite([x, y, w, h]).all() or w <= 0 or h <= 0:
            raise ValueError(
                f"box {row} is {boxes[row].tolist()}: width and height must be "
                "positive, all four values finite."
            )
        if x >= width or y >= height or x + w <= 0 or y + h <= 0:
            raise ValueError(
                f"box {row} ({boxes[row].tolist()}, as x, y, width, height) lies "
                f"outside the {width} x {height} image."
            )
    return boxes


def crop_faces(image, boxes, *, margin=0.0) -> np.ndarray:
    """Cut faces out of an image as FER2013 rows: 48 x 48 grey levels.

    Each box is made square around its centre (its longer side; a face is
    never stretched), widened by ``margin`` of that side on every side,
    converted to grey and resized to 48 x 48. Parts of the square beyond the
    image repeat the image's border.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, 3 or 4)
        Grey or RGB(A) image (alpha ignored); uint8, uint16, or float in
        [0, 1]. Colour is converted with the ITU-R BT.601 luma weights, as
        Pillow's ``convert("L")`` does. OpenCV's ``imread`` gives BGR: convert
        it to RGB first.
    boxes : array-like of shape (n_faces, 4)
        ``(x, y, width, height)`` per face, in pixels: ``x`` the column of the
        left edge, ``y`` the row of the top edge (OpenCV's convention, as
        :meth:`FaceCropper.detect` returns them).
    margin : float, default=0.0
        Added on each side, as a fraction of the box side; negative crops
        tighter. 0 frames a Haar cascade's box as FER2013's faces are framed.

    Returns
    -------
    faces : ndarray of shape (n_faces, 2304), dtype uint8
        One row per box, in FER2013's layout (row-major 48 x 48, 0-255).

    See Also
    --------
    FaceCropper : Finds the boxes and crops them.
    crop_center : The largest centred square, when no face is detected.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.preprocessing import crop_faces
    >>> photo = np.zeros((300, 400), dtype=np.uint8)
    >>> photo[100:196, 200:296] = 200
    >>> faces = crop_faces(photo, [[200, 100, 96, 96]])
    >>> faces.shape, faces.dtype
    ((1, 2304), dtype('uint8'))
    >>> face = faces[0].reshape(48, 48)  # the edge pixels blend in the black
    >>> int(face[1:-1, 1:-1].min()), int(face.max())
    (200, 200)
    """
    validate_parameter_constraints(
        {"margin": [Interval(Real, -0.5, None, closed="neither")]},
        {"margin": margin},
        caller_name="crop_faces",
    )
    grey = to_grey(image)
    return _crop_boxes(grey, check_boxes(boxes, grey.shape), margin)


class FaceCrops(NamedTuple):
    """The faces that :meth:`FaceCropper.crop` found, in image order.

    A named tuple: unpack it, or read its fields by name.

    Attributes
    ----------
    faces : ndarray of shape (n_faces, 2304), dtype uint8
        FER2013 rows (row-major 48 x 48 grey levels 0-255).
    image_index : ndarray of shape (n_faces,), dtype int64
        The position, among the images given, of each face's image.
    boxes : ndarray of shape (n_faces, 4), dtype int64
        ``(x, y, width, height)`` of each face in its image, as detected
        (before ``margin``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.preprocessing import FaceCropper
    >>> faces, image_index, boxes = FaceCropper().crop([np.zeros((60, 80))])
    >>> faces.shape, image_index.shape, boxes.shape
    ((0, 2304), (0,), (0, 4))
    """

    faces: np.ndarray
    image_index: np.ndarray
    boxes: np.ndarray


class FaceCropper:
    """Find frontal faces in photos and crop them as FER2013 faces.

    Uses OpenCV's frontal-face Haar cascade (``haarcascade_frontalface_default``,
    shipped with the ``opencv-python-headless`` wheel of the ``faces`` extra;
    nothing is downloaded), then :func:`crop_faces`. The cascade finds upright
    faces seen from the front; turned, tilted or small faces may be missed.

    Not a scikit-learn transformer on purpose: a photo holds any number of
    faces, so the output has no fixed length per input and could not sit in a
    Pipeline. Feed the cropped rows to a model (``model.predict(crops.faces)``)
    and use ``image_index`` and ``boxes`` to say where each face was.

    Parameters
    ----------
    scale_factor : float, default=1.1
        Step between the face sizes searched (> 1); smaller finds more faces,
        more slowly.
    min_neighbors : int, default=5
        Overlapping detections needed to accept a face; higher gives fewer
        false faces and more missed ones.
    min_size : int, default=48
        Smallest face side searched, in pixels. Smaller faces would be
        enlarged to 48 x 48, blurrier than FER2013's. Larger is faster: on a
        3000 x 2000 photo (two cores) detection took 7.7 s at 48, 2.1 s at
        100 and 0.5 s at 200.
    margin : float, default=0.0
        Added around each box before cropping, as a fraction of its side
        (see :func:`crop_faces`). 0 matches FER2013's framing.

    See Also
    --------
    crop_faces : Crops given boxes.
    crop_center : The largest centred square, when no face is found.
    sklearn_fer.inspection.annotate_faces : Draws the boxes and labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.preprocessing import FaceCropper
    >>> face = make_faces(2, random_state=0).images[1]
    >>> photo = np.full((300, 400), 128, dtype=np.uint8)
    >>> photo[60:204, 200:344] = np.kron(face, np.ones((3, 3), dtype=np.uint8))
    >>> cropper = FaceCropper()
    >>> cropper.detect(photo)
    array([[192,  49, 162, 162]])
    >>> crops = cropper.crop([photo, np.zeros((50, 50), dtype=np.uint8)])
    >>> crops.faces.shape, crops.image_index.tolist()
    ((1, 2304), [0])
    """

    _parameter_constraints: dict = {
        "scale_factor": [Interval(Real, 1, None, closed="neither")],
        "min_neighbors": [Interval(Integral, 0, None, closed="left")],
        "min_size": [Interval(Integral, 1, None, closed="left")],
        "margin": [Interval(Real, -0.5, None, closed="neither")],
    }

    def __init__(self, *, scale_factor=1.1, min_neighbors=5, min_size=48, margin=0.0):
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size
        self.margin = margin

    def __repr__(self):
        params = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._parameter_constraints
        )
        return f"{type(self).__name__}({params})"

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )

    def _detect_grey(self, grey):
        grey = grey if grey.dtype == np.uint8 else to_uint8(grey)
        boxes = _cascade().detectMultiScale(
            np.ascontiguousarray(grey),
            scaleFactor=float(self.scale_factor),
            minNeighbors=int(self.min_neighbors),
            minSize=(int(self.min_size), int(self.min_size)),
        )
        boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
        return boxes[np.lexsort((boxes[:, 1], boxes[:, 0]))]

    def detect(self, image) -> np.ndarray:
        """Find the faces of one image.

        Parameters
        ----------
        image : array-like of shape (height, width) or (height, width, 3 or 4)
            Grey or RGB(A) image; uint8, uint16, or float in [0, 1].

        Returns
        -------
        boxes : ndarray of shape (n_faces, 4), dtype int64
            ``(x, y, width, height)`` per face (``x``: column of the left
            edge, ``y``: row of the top edge), left to right; no rows when
            no face is found.
        """
        self._check_params()
        return self._detect_grey(to_grey(image))

    def crop(self, images: Iterable) -> FaceCrops:
        """Find and crop the faces of several images.

        Parameters
        ----------
        images : iterable of array-like
            Images as :meth:`detect` takes them (a list, or a generator that
            reads them one at a time). A single image must be wrapped in a
            list.

        Returns
        -------
        crops : FaceCrops
            A named tuple ``(faces, image_index, boxes)``: ``faces`` of shape
            (n_faces, 2304), uint8, FER2013 rows; ``image_index`` (n_faces,)
            the position of each face's image in ``images``; ``boxes``
            (n_faces, 4) as :meth:`detect` returns them. An image without
            faces adds no row.
        """
        self._check_params()
        if isinstance(images, np.ndarray):
            raise TypeError(
                "crop takes a sequence of images, not one array (a colour image "
                "and a stack of grey ones look alike): pass [image] for one "
                "image, or list(stack)."
            )
        faces, image_index, boxes = [], [], []
        for index, image in enumerate(images):
            grey = to_grey(image, where=f"image {index}")
            found = self._detect_grey(grey)
            faces.append(_crop_boxes(grey, found, self.margin))
            image_index.append(np.full(len(found), index, dtype=np.int64))
            boxes.append(found)
        if not faces:
            return FaceCrops(
                np.zeros((0, N_PIXELS), np.uint8),
                np.zeros(0, np.int64),
                np.zeros((0, 4), np.int64),
            )
        return FaceCrops(
            np.concatenate(faces), np.concatenate(image_index), np.concatenate(boxes)
        )
