"""Finding faces in photos and cropping them the way FER2013's faces were made.

FER2013's faces were found by a face detector, registered so that the face is
more or less centred and fills about the same space in each image, converted to
grey and resized to 48 x 48. Where a detector's boxes (or landmarks) fall on
FER2013's own faces says how to frame a face it finds so that it looks like
one: measured on 1,500 Training faces upscaled 4x on a grey border
(``python -m benchmarks.bench_faces --calibrate``), OpenCV's Haar cascade
returns a square of median side 46.2 px centred on the 48 x 48 face (so its box
is cropped as it is), YuNet a box of median height 51.2 px, centred, with the
eyes 18.5 px apart at 36% of the height (see ``FRAMING``).

The detectors (``_face_detectors``) run on a copy shrunk to at most
``max_side`` pixels, so that a photo of any size takes well under a second.
A face is shrunk to 48 x 48 by averaging each output pixel's footprint
(OpenCV's INTER_AREA): Pillow's bilinear filter, which reaches two output
pixels, blurs the face, and cost a model 3% of its accuracy on FER2013 faces
enlarged and shrunk back (the faces benchmark). Cropping and resizing are
NumPy (and SciPy, to turn a face), shared with the image reader through
``sklearn_fer.utils._image_geometry``: :func:`crop_center` (the path without
detection, also exported here) needs no extra.
"""

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import validate_parameter_constraints

from ..datasets import IMAGE_SHAPE, N_PIXELS
from ..utils._image_geometry import (
    area_resize,
    crop_square,
    image_array,
    to_grey,
    to_uint8,
)
from ..utils._sklearn_api import Interval, StrOptions
from . import _face_detectors
from ._face_detectors import DETECTORS, Found

#: FER2013's framing in each detector's terms, measured on Training faces (see
#: the module docstring): the side of FER2013's square per YuNet box height,
#: and where YuNet's eye midpoint falls in it (fraction of the side from the
#: left and from the top) with the side per eye distance.
FRAMING = {
    "yunet_side_per_box_height": 0.937,
    "yunet_side_per_eye_distance": 2.595,
    "yunet_eyes_at": (0.505, 0.359),
}
#: Landmarks that cannot be a face's: eyes closer than this share of the box
#: width or farther than the next, or a mouth not below the eyes.
_EYE_DISTANCE_RANGE = (0.2, 0.8)
#: Below this tilt (degrees) the eyes count as level: the face is not rotated.
_LEVEL_WITHIN = 1.0


def _plausible(found):
    """Which of the detector's faces have landmarks a face can have (all of
    them without landmarks)."""
    if found.landmarks is None:
        return np.ones(len(found.boxes), dtype=bool)
    eyes, mouth = found.landmarks[:, :2], found.landmarks[:, 3:]
    between = eyes[:, 1] - eyes[:, 0]
    distance = np.hypot(between[:, 0], between[:, 1])
    widths = found.boxes[:, 2]
    low, high = _EYE_DISTANCE_RANGE
    # The mouth below the eyes, along the face's own downward direction.
    down = np.stack([-between[:, 1], between[:, 0]], axis=1)
    mouth_below = np.einsum("ij,ij->i", mouth.mean(axis=1) - eyes.mean(axis=1), down)
    return (distance >= low * widths) & (distance <= high * widths) & (mouth_below > 0)


class FaceLocations(NamedTuple):
    """Where :meth:`FaceCropper.locate` found the faces of one image.

    Attributes
    ----------
    boxes : ndarray of shape (n_faces, 4), dtype int64
        ``(x, y, side, side)`` of the square cropped as each face (FER2013's
        framing, before ``margin``), left to right.
    angles : ndarray of shape (n_faces,), dtype float64
        Tilt of each face's line of eyes in degrees (positive: down to the
        right in the image), by which the square is turned about its centre
        before cropping; 0 without alignment.
    scores : ndarray of shape (n_faces,), dtype float64
        The detector's confidence, 0-1 (NaN for the Haar cascade, which
        gives none).
    landmarks : ndarray of shape (n_faces, 5, 2), dtype float64
        ``x, y`` of the image-left eye, image-right eye, nose tip,
        image-left and image-right mouth corners (NaN for the Haar cascade).
    """

    boxes: np.ndarray
    angles: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray


def _crop_boxes(array, boxes, margin, angles=None):
    """Rows of 48 x 48 faces from checked (x, y, width, height) boxes.

    ``array`` is a checked image (see ``image_array``): only the region
    around each face is converted to grey, so that a large photo costs no
    more than its faces.
    """
    height, width = array.shape[:2]
    faces = np.empty((len(boxes), N_PIXELS), dtype=np.uint8)
    for row, (x, y, w, h) in enumerate(boxes):
        side = max(w, h) * (1 + 2 * margin)
        left, top = x + w / 2 - side / 2, y + h / 2 - side / 2
        angle = 0.0 if angles is None else float(angles[row])
        # The pixels the resampling reads: the (turned) square's bounding
        # box and the filter's reach (one output pixel, and two to spare).
        theta = math.radians(angle)
        reach = side * (abs(math.cos(theta)) + abs(math.sin(theta))) / 2
        reach += side / 48 + 3
        x0, x1 = _span(left + side / 2, reach, width)
        y0, y1 = _span(top + side / 2, reach, height)
        grey = to_grey(array[y0:y1, x0:x1])
        if angle == 0.0:
            faces[row] = crop_square(grey, left - x0, top - y0, side)
        else:
            faces[row] = _crop_turned_square(grey, left - x0, top - y0, side, angle)
    return faces


def _span(centre, reach, size):
    """``[start, stop)`` of the pixels within ``reach`` of ``centre``, at least
    one, inside ``[0, size)``: beyond it the border repeats, as it would in
    the whole image."""
    start = min(max(0, math.floor(centre - reach)), size - 1)
    return start, max(min(size, math.ceil(centre + reach)), start + 1)


def _area_shrink(array, height, width):
    """``array`` (H, W[, 3]) shrunk to (height, width) by averaging each output
    pixel's footprint: OpenCV's INTER_AREA where ``cv2`` imports (a few
    milliseconds for a 3000 x 2000 photo), else the same in NumPy."""
    try:
        import cv2
    except ImportError:
        return area_resize(array, height, width)
    return cv2.resize(
        np.ascontiguousarray(array), (width, height), interpolation=cv2.INTER_AREA
    )


def _crop_turned_square(grey, left, top, side, angle):
    """The square ``[left, left + side) x [top, top + side)`` turned by ``angle``
    degrees about its centre (clockwise in the image, y down), as 48 x 48.

    The region around it is first shrunk (averaging, as an upright crop is)
    to about twice the output's resolution, turned with bilinear
    interpolation (the border repeated), then resized like an upright crop.
    """
    from scipy.ndimage import affine_transform

    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    centre_x, centre_y = left + side / 2, top + side / 2
    half = side * (abs(cos) + abs(sin)) / 2 + 2
    rows = np.arange(math.floor(centre_y - half), math.ceil(centre_y + half))
    cols = np.arange(math.floor(centre_x - half), math.ceil(centre_x + half))
    region = grey[
        np.clip(rows, 0, grey.shape[0] - 1)[:, None],
        np.clip(cols, 0, grey.shape[1] - 1),
    ]
    # Pixels of the photo per pixel of the upright square turned into.
    step = max(1.0, side / (2 * IMAGE_SHAPE[0]))
    row_step = col_step = 1.0
    if step > 1:
        height, width = (max(1, round(n / step)) for n in region.shape)
        region = area_resize(region, height, width)
        row_step, col_step = len(rows) / height, len(cols) / width
    size = math.ceil(side / step) + 2
    # Output pixel (i, j) of the upright square samples the region where its
    # centre falls once turned by the angle about the square's centre:
    # (row, col) = M @ (i, j) + offset, in the region's pixel indices.
    matrix = np.array(
        [
            [step * cos / row_step, step * sin / row_step],
            [-step * sin / col_step, step * cos / col_step],
        ]
    )
    start = step * (0.5 - size / 2)
    offset = (
        (centre_y - rows[0] + start * (cos + sin)) / row_step - 0.5,
        (centre_x - cols[0] + start * (cos - sin)) / col_step - 0.5,
    )
    upright = affine_transform(
        np.asarray(region, dtype=np.float32),
        matrix,
        offset,
        output_shape=(size, size),
        order=1,
        mode="nearest",
    )
    edge = (size - side / step) / 2
    return crop_square(upright, edge, edge, side / step)


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


def crop_faces(image, boxes, *, margin=0.0, angles=None) -> np.ndarray:
    """Cut faces out of an image as FER2013 rows: 48 x 48 grey levels.

    Each box is made square around its centre (its longer side; a face is
    never stretched), widened by ``margin`` of that side on every side,
    turned by its angle if given, converted to grey and resized to 48 x 48:
    shrunk by averaging each output pixel's footprint (as OpenCV's
    ``INTER_AREA``), enlarged bilinearly (as Pillow). Parts of the square
    beyond the image repeat the image's border.

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
        tighter. 0 crops the boxes of :meth:`FaceCropper.locate` as they are,
        framed as FER2013's faces.
    angles : array-like of shape (n_faces,), default=None
        Degrees by which each square is turned about its centre before it is
        cropped (clockwise in the image: the tilt of a face whose eyes go
        down to the right), as :meth:`FaceCropper.locate` returns them; the
        face comes out with level eyes. None: no turn.

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
    array, _ = image_array(image)
    boxes = check_boxes(boxes, array.shape[:2])
    if angles is not None:
        angles = np.asarray(angles, dtype=np.float64)
        if angles.shape != (len(boxes),) or not np.isfinite(angles).all():
            raise ValueError(
                f"angles must be {len(boxes)} finite numbers (one per box), got "
                f"{angles.tolist()}."
            )
    return _crop_boxes(array, boxes, margin, angles)


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
        ``(x, y, width, height)`` of each face in its image: the square
        cropped (before ``margin``), as :meth:`FaceCropper.locate` returns
        it.

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
    """Find faces in photos and crop them as FER2013 faces.

    Each photo is shrunk to at most ``max_side`` pixels for the detector, so
    that a photo of any size takes well under a second; the faces found are
    framed as FER2013's faces are (see :ref:`faces_guide`) and cropped from
    the photo at full resolution with :func:`crop_faces`. Detectors (extra
    ``faces``; nothing is downloaded):

    - ``"yunet"``: YuNet (libfacedetection, the ``yuface`` wheel: CPython
      3.11 or older, Linux or Windows on x86-64). Finds turned, tilted and
      partly hidden faces, with eye landmarks, so the face is turned to level
      its eyes (``align``).
    - ``"haar"``: OpenCV's frontal-face Haar cascade (``opencv-python-headless``
      < 5), everywhere OpenCV installs. Upright faces seen from the front.
    - ``"auto"``: YuNet where it imports, else the cascade.

    Not a scikit-learn transformer on purpose: a photo holds any number of
    faces, so the output has no fixed length per input and could not sit in a
    Pipeline. Feed the cropped rows to a model (``model.predict(crops.faces)``)
    and use ``image_index`` and ``boxes`` to say where each face was.

    Parameters
    ----------
    detector : {"auto", "yunet", "haar"}, default="auto"
        Which detector finds the faces.
    max_side : int or None, default=960
        The detector sees a copy of the photo shrunk so that its longer
        side is ``max_side`` pixels (each pixel of the copy the average of
        its footprint); None: at full size. Faces smaller than about 10
        (YuNet) or 24 (Haar) pixels of the copy are not found.
    min_size : int, default=48
        Smallest face kept: the side of its square, in pixels of the photo.
        Smaller faces would be enlarged to 48 x 48, blurrier than FER2013's.
    min_confidence : float, default=0.75
        YuNet's confidence (0-1) below which a face is dropped; higher gives
        fewer false faces and more missed ones. 0.75 was chosen on the faces
        benchmark's Training scenes: half as many false faces as 0.6, 4% fewer
        faces found (see :ref:`faces_guide`).
    align : bool, default=True
        Turn each face so that its eyes are level (YuNet's landmarks; the
        cascade gives none).
    margin : float, default=0.0
        Added around each square before cropping, as a fraction of its side
        (see :func:`crop_faces`). 0 matches FER2013's framing.
    scale_factor : float, default=1.1
        Haar cascade: step between the face sizes searched (> 1); smaller
        finds more faces, more slowly.
    min_neighbors : int, default=10
        Haar cascade: overlapping detections needed to accept a face; higher
        gives fewer false faces and more missed ones. 10 was chosen on the
        faces benchmark's Training scenes: a tenth to a fifth of the false
        faces of OpenCV's usual 5, 8-12% fewer faces found.

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
    >>> face = make_faces(40, random_state=0).images[1]
    >>> photo = np.full((300, 400), 128, dtype=np.uint8)
    >>> photo[60:204, 200:344] = np.kron(face, np.ones((3, 3), dtype=np.uint8))
    >>> cropper = FaceCropper(detector="haar")  # drawn faces: YuNet sees none
    >>> cropper.detect(photo)
    array([[208,  64, 128, 128]])
    >>> crops = cropper.crop([photo, np.zeros((50, 50), dtype=np.uint8)])
    >>> crops.faces.shape, crops.image_index.tolist()
    ((1, 2304), [0])
    """

    _parameter_constraints: dict = {
        "detector": [StrOptions({"auto", *DETECTORS})],
        "max_side": [Interval(Integral, 48, None, closed="left"), None],
        "min_size": [Interval(Integral, 1, None, closed="left")],
        "min_confidence": [Interval(Real, 0, 1, closed="both")],
        "align": ["boolean"],
        "margin": [Interval(Real, -0.5, None, closed="neither")],
        "scale_factor": [Interval(Real, 1, None, closed="neither")],
        "min_neighbors": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        detector="auto",
        max_side=960,
        min_size=48,
        min_confidence=0.75,
        align=True,
        margin=0.0,
        scale_factor=1.1,
        min_neighbors=10,
    ):
        self.detector = detector
        self.max_side = max_side
        self.min_size = min_size
        self.min_confidence = min_confidence
        self.align = align
        self.margin = margin
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors

    def __repr__(self):
        params = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._parameter_constraints
        )
        return f"{type(self).__name__}({params})"

    def _check_params(self):
        """Checked parameters; the detector that runs (``"auto"`` resolved)."""
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        return _face_detectors.resolve_detector(self.detector)

    def _detection_shape(self, shape):
        """(height, width) of the copy the detector sees: the photo's, or
        shrunk so that its longer side is ``max_side`` (rounded)."""
        height, width = shape[:2]
        longest = max(height, width)
        if self.max_side is None or longest <= self.max_side:
            return height, width
        scale = self.max_side / longest
        # At least one pixel across a thin strip (which holds no face).
        return max(1, round(height * scale)), max(1, round(width * scale))

    def _find(self, detector, array, to_255) -> Found:
        """The detector's faces, in pixels of the full-size image."""
        height, width = self._detection_shape(array.shape)
        small = array[:, :, :3] if array.ndim == 3 else array
        if (height, width) != array.shape[:2]:
            small = _area_shrink(small, height, width)
        if small.dtype != np.uint8:
            small = to_uint8(small * np.float32(to_255))
        # Pixels of the photo per pixel of the copy, along x and y.
        scale = np.array([array.shape[1] / width, array.shape[0] / height])
        if detector == "haar":
            found = _face_detectors.find_haar(
                to_uint8(to_grey(small)) if small.ndim == 3 else small,
                self.scale_factor,
                self.min_neighbors,
                max(1, round(self.min_size / scale.max())),
            )
        else:  # in colour, which helps YuNet
            found = _face_detectors.find_yunet(
                np.ascontiguousarray(small), self.min_confidence
            )
        landmarks = None if found.landmarks is None else found.landmarks * scale
        return Found(found.boxes * np.tile(scale, 2), found.scores, landmarks)

    #: How YuNet's faces are framed: "box" (its box), "eyes" (its eye
    #: landmarks) or "mean" (of the two); the faces benchmark compares them.
    _framing = "box"

    def _frames(self, found):
        """FER2013's square (centres x, y and sides) and tilt of each face."""
        boxes = found.boxes
        centres = boxes[:, :2] + boxes[:, 2:] / 2
        angles = np.zeros(len(boxes))
        if found.landmarks is None:  # the cascade's box is FER2013's square
            return centres, boxes[:, 2:].max(axis=1), angles
        eyes = found.landmarks[:, :2]
        between = eyes[:, 1] - eyes[:, 0]
        if self.align:
            tilt = np.degrees(np.arctan2(between[:, 1], between[:, 0]))
            angles = np.where(np.abs(tilt) < _LEVEL_WITHIN, 0.0, np.round(tilt, 1))
        box_sides = FRAMING["yunet_side_per_box_height"] * boxes[:, 3]
        if self._framing == "box":
            return centres, box_sides, angles
        sides = FRAMING["yunet_side_per_eye_distance"] * np.hypot(*between.T)
        # The eye midpoint where FER2013 has it, in the (turned) square.
        theta = np.radians(angles)
        across = np.column_stack([np.cos(theta), np.sin(theta)])
        down = np.column_stack([-np.sin(theta), np.cos(theta)])
        eyes_x, eyes_y = FRAMING["yunet_eyes_at"]
        eye_centres = (
            eyes.mean(axis=1)
            + ((0.5 - eyes_x) * sides)[:, None] * across
            + ((0.5 - eyes_y) * sides)[:, None] * down
        )
        if self._framing == "eyes":
            return eye_centres, sides, angles
        # "mean": the two estimates' errors partly cancel.
        return (centres + eye_centres) / 2, np.sqrt(sides * box_sides), angles

    def _candidates(self, detector, array, to_255):
        """Every face the detector returns (its own confidence threshold
        applied), in pixels of the photo: the detector's output, and the
        square (x, y, side, side) and tilt that frame each face."""
        found = self._find(detector, array, to_255)
        centres, sides, angles = self._frames(found)
        sides = np.rint(sides)
        corners = np.rint(centres - sides[:, None] / 2)
        squares = np.column_stack([corners, sides, sides]).astype(np.int64)
        return found, squares, angles

    def _keep(self, found, squares):
        """Which candidates are kept as faces: confident enough, large enough,
        with landmarks a face can have."""
        scores = found.scores
        confident = np.isnan(scores) | (scores >= self.min_confidence)
        return confident & (squares[:, 2] >= self.min_size) & _plausible(found)

    def _locate(self, detector, image, where="image"):
        """The faces' locations, and the checked image to crop them from."""
        array, to_255 = image_array(image, where)
        found, squares, angles = self._candidates(detector, array, to_255)
        keep = self._keep(found, squares)
        landmarks = found.landmarks
        if landmarks is None:
            landmarks = np.full((len(squares), 5, 2), np.nan)
        order = np.lexsort((squares[keep, 1], squares[keep, 0]))
        located = FaceLocations(
            squares[keep][order],
            angles[keep][order],
            found.scores[keep][order],
            landmarks[keep][order],
        )
        return located, array

    def locate(self, image) -> FaceLocations:
        """Find the faces of one image: where they are and how to crop them.

        Parameters
        ----------
        image : array-like of shape (height, width) or (height, width, 3 or 4)
            Grey or RGB(A) image; uint8, uint16, or float in [0, 1]. Colour
            helps YuNet.

        Returns
        -------
        locations : FaceLocations
            A named tuple ``(boxes, angles, scores, landmarks)``, left to
            right; ``crop_faces(image, boxes, angles=angles)`` gives the faces
            that :meth:`crop` gives.
        """
        detector = self._check_params()
        return self._locate(detector, image)[0]

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
            edge, ``y``: row of the top edge): the square cropped as the face,
            left to right; no rows when no face is found.
        """
        return self.locate(image).boxes

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
        detector = self._check_params()
        if isinstance(images, np.ndarray):
            raise TypeError(
                "crop takes a sequence of images, not one array (a colour image "
                "and a stack of grey ones look alike): pass [image] for one "
                "image, or list(stack)."
            )
        faces, image_index, boxes = [], [], []
        for index, image in enumerate(images):
            located, array = self._locate(detector, image, where=f"image {index}")
            faces.append(_crop_boxes(array, located.boxes, self.margin, located.angles))
            image_index.append(np.full(len(located.boxes), index, dtype=np.int64))
            boxes.append(located.boxes)
        if not faces:
            return FaceCrops(
                np.zeros((0, N_PIXELS), np.uint8),
                np.zeros(0, np.int64),
                np.zeros((0, 4), np.int64),
            )
        return FaceCrops(
            np.concatenate(faces), np.concatenate(image_index), np.concatenate(boxes)
        )
