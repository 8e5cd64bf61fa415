"""Image arrays as FER2013 faces: grey levels, and a square resized to 48 x 48.

The array-level geometry shared by the image reader (``read_face`` of a
photo, in ``sklearn_fer.datasets``), the face cropper of
:mod:`sklearn_fer.preprocessing` (``crop_center``, ``crop_faces``) and the
annotated photos of :mod:`sklearn_fer.inspection`, so that a
photo read by the loader or the command line and one cropped in Python become
the same face. NumPy only. A face larger than 48 x 48 is shrunk by averaging
each output pixel's footprint (OpenCV's ``INTER_AREA``): Pillow's bilinear
filter reaches two output pixels and blurs the face, which cost a model 3% of
its accuracy on FER2013 faces enlarged and shrunk back. A smaller one is
enlarged with Pillow's bilinear filter (``Image.resize(..., BILINEAR)``).
Both in floating point with one rounding at the end.
"""

import numpy as np

#: A FER2013 face: 48 x 48 grey levels, 2304 pixels in a row (re-exported by
#: sklearn_fer.datasets, whose loaders and parser produce such rows).
IMAGE_SHAPE = (48, 48)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]

#: ITU-R BT.601 luma, as Pillow's convert("L") and OpenCV's RGB2GRAY use.
_LUMA = (0.299, 0.587, 0.114)


def image_array(image, where="image"):
    """``image`` as an ndarray of shape (H, W) or (H, W, 3|4), checked.

    Returns the array and the factor that maps its values to 0-255.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ValueError(
            f"{where} must be grey (height, width) or colour (height, width, 3 "
            f"or 4) channels RGB(A), got an array of shape {array.shape}."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{where} is empty (shape {array.shape}).")
    if array.dtype == np.uint8:
        return array, 1.0
    if array.dtype == np.uint16:
        return array, 255 / 65535
    if np.issubdtype(array.dtype, np.floating):
        low, high = float(np.min(array)), float(np.max(array))
        if not (low >= 0 and high <= 1):  # also false for NaN
            raise ValueError(
                f"{where} has float values from {low} to {high}: float images must "
                "lie in [0, 1] (divide 8-bit values by 255)."
            )
        return array, 255.0
    raise TypeError(
        f"{where} has dtype {array.dtype}: expected uint8 (0-255), uint16 "
        "(0-65535) or float in [0, 1]."
    )


def to_grey(image, where="image"):
    """Grey levels 0-255, shape (H, W); colour by BT.601 luma.

    A grey uint8 image is returned as it is (no copy); others as float32.
    """
    array, to_255 = image_array(image, where)
    if array.ndim == 2 and array.dtype == np.uint8:
        return array
    if array.ndim == 2:
        grey = array.astype(np.float32)
    else:  # channel by channel, so that no float copy of all channels is made
        grey = array[:, :, 0] * np.float32(_LUMA[0])
        grey += array[:, :, 1] * np.float32(_LUMA[1])
        grey += array[:, :, 2] * np.float32(_LUMA[2])
    if to_255 != 1.0:
        grey *= np.float32(to_255)
    return grey


def to_uint8(values):
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _resampling_weights(start, length, n_out, n_in):
    """Weights of the source pixels of each output pixel, along one axis.

    The output covers source coordinates [start, start + length) (pixel ``j``
    spans [j, j + 1)). Pillow's bilinear filter: a triangle of half-width 1
    output pixel, widened to the output pixel's footprint when shrinking. As in
    Pillow, the weights of pixels beyond the image are dropped and the rest
    renormalised; an output pixel wholly beyond the image copies the nearest
    edge pixel (so a margin past the border repeats the border).

    Returns
    -------
    weights : ndarray of float64, shape (n_out, stop - first)
    first : int
        The source index of the weights' first column.
    """
    scale = length / n_out
    widening = max(scale, 1.0)
    centres = start + (np.arange(n_out) + 0.5) * scale
    first_needed = np.floor(centres - widening).astype(np.int64)
    taps = first_needed[:, None] + np.arange(int(np.ceil(2 * widening)) + 2)
    weights = np.maximum(0.0, 1 - np.abs((taps + 0.5 - centres[:, None]) / widening))
    inside = (taps >= 0) & (taps < n_in)
    kept = np.where(inside, weights, 0.0)
    outside_only = kept.sum(axis=1) == 0
    kept[outside_only] = weights[outside_only]
    kept /= kept.sum(axis=1, keepdims=True)
    taps = np.clip(taps, 0, n_in - 1)
    first, stop = int(taps.min()), int(taps.max()) + 1
    matrix = np.zeros((n_out, stop - first))
    np.add.at(matrix, (np.arange(n_out)[:, None], taps - first), kept)
    return matrix, first


def _area_taps(start, length, n_out, n_in):
    """The source pixels of each output pixel when shrinking, and their
    weights: the share of the output pixel's footprint each covers (OpenCV's
    INTER_AREA); beyond the image the border pixel repeats.

    The output covers source coordinates [start, start + length) (pixel ``j``
    spans [j, j + 1)). Returns ``taps`` (indices into [0, n_in)) and
    ``weights``, both of shape (n_out, n_taps), each row of weights summing
    to 1; taps whose weight is 0 in every row are left out.
    """
    edges = start + np.arange(n_out + 1) * (length / n_out)
    first_needed = np.floor(edges[:-1]).astype(np.int64)
    taps = first_needed[:, None] + np.arange(int(np.ceil(length / n_out)) + 2)
    overlap = np.minimum(edges[1:, None], taps + 1) - np.maximum(edges[:-1, None], taps)
    weights = np.maximum(overlap, 0.0)
    weights /= weights.sum(axis=1, keepdims=True)
    used = weights.any(axis=0)
    return np.clip(taps[:, used], 0, n_in - 1), weights[:, used]


def _area_weights(start, length, n_out, n_in):
    """``_area_taps`` as a matrix, in the form ``_resampling_weights`` returns."""
    taps, weights = _area_taps(start, length, n_out, n_in)
    first, stop = int(taps.min()), int(taps.max()) + 1
    matrix = np.zeros((n_out, stop - first))
    np.add.at(matrix, (np.arange(n_out)[:, None], taps - first), weights)
    return matrix, first


def area_resize(array, height, width):
    """``array`` (H, W[, C]) shrunk to (height, width) by averaging each output
    pixel's footprint (OpenCV's INTER_AREA, at any real factor), as float32.

    One weighted sum of source rows per tap, then of columns: a 3000 x 2000
    colour photo is shrunk to 960 x 640 in about a tenth of a second, with no
    float copy of the whole photo.
    """
    rows, row_weights = _area_taps(0, array.shape[0], height, array.shape[0])
    cols, col_weights = _area_taps(0, array.shape[1], width, array.shape[1])
    trailing = (1,) * (array.ndim - 2)
    by_rows = np.zeros((height, *array.shape[1:]), dtype=np.float32)
    for tap in range(rows.shape[1]):
        weight = row_weights[:, tap].astype(np.float32).reshape(-1, 1, *trailing)
        by_rows += array[rows[:, tap]] * weight
    shrunk = np.zeros((height, width, *array.shape[2:]), dtype=np.float32)
    for tap in range(cols.shape[1]):
        weight = col_weights[:, tap].astype(np.float32).reshape(1, -1, *trailing)
        shrunk += by_rows[:, cols[:, tap]] * weight
    return shrunk


def crop_square(grey, left, top, side):
    """The square [left, left + side) x [top, top + side) of ``grey`` as 48 x 48:
    shrunk by averaging each output pixel's footprint when larger, enlarged
    bilinearly when smaller."""
    weights = _area_weights if side > IMAGE_SHAPE[0] else _resampling_weights
    rows, row0 = weights(top, side, IMAGE_SHAPE[0], grey.shape[0])
    cols, col0 = weights(left, side, IMAGE_SHAPE[1], grey.shape[1])
    region = grey[row0 : row0 + rows.shape[1], col0 : col0 + cols.shape[1]]
    region = region.astype(np.float32, copy=False)
    face = rows.astype(np.float32) @ region @ cols.T.astype(np.float32)
    return to_uint8(face).reshape(N_PIXELS)


def crop_center(image) -> np.ndarray:
    """The largest centred square of an image, as a 48 x 48 grey FER2013 row.

    For an image with no detected face, or when detection is not wanted: a
    non-square image loses equal strips from its longer sides and is never
    stretched. The square is shrunk by averaging each output pixel's
    footprint (as OpenCV's ``INTER_AREA``), or enlarged bilinearly (as
    Pillow) when smaller than 48 pixels, as :func:`crop_faces` resizes a
    face. ``sklearn-fer predict --no-detect-faces`` reads photos with it.
    Needs no optional dependency.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, 3 or 4)
        Grey or RGB(A) image (alpha ignored); uint8, uint16, or float in
        [0, 1].

    Returns
    -------
    face : ndarray of shape (2304,), dtype uint8

    See Also
    --------
    crop_faces : Crops given boxes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.preprocessing import crop_center
    >>> photo = np.zeros((100, 300), dtype=np.uint8)
    >>> photo[:, 100:200] = 255  # the centred 100 x 100 square
    >>> face = crop_center(photo)
    >>> face.shape, int(face.min())
    ((2304,), 255)
    """
    grey = to_grey(image)
    height, width = grey.shape
    side = min(height, width)
    return crop_square(grey, (width - side) / 2, (height - side) / 2, side)
