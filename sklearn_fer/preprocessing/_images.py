"""Faces given as flat pixel rows or as images: one rule for every estimator of faces.

``HOGTransformer``, ``PatchKMeansEncoder`` and ``ConvNetClassifier`` take
``(n_samples, rows * columns)`` pixel rows (what the loader's ``data`` holds)
or ``(n_samples, rows, columns)`` images (its ``images``). They are read here,
the same way: images are flattened (a view, not a copy) before scikit-learn's
``validate_data``, so ``n_features_in_`` is always the number of pixels, and
the image shape is resolved from the ``image_shape`` parameter, the input's
shape, or a square (``resolve_image_shape``).
"""

import math
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data


def image_pair(value, name: str) -> tuple[int, int]:
    """``value`` (an int or a pair) as a (rows, columns) pair of positive integers."""
    pair = (value, value) if isinstance(value, Integral) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(size, Integral) and size >= 1 for size in pair
    ):
        raise ValueError(
            f"{name} must be a positive integer or a pair of them, got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def validate_image_shape_param(image_shape) -> None:
    """Raise ``ValueError`` unless ``image_shape`` is None or (rows, columns)."""
    if image_shape is None:
        return
    if (
        len(image_shape) != 2
        or not all(isinstance(size, Integral) for size in image_shape)
        or not all(size >= 1 or size == -1 for size in image_shape)
        or tuple(image_shape) == (-1, -1)
    ):
        raise ValueError(
            "image_shape must be None or (rows, columns): two positive integers, "
            f"one of which may be -1 to be inferred; got {image_shape!r}."
        )


def _resolve_image_shape(image_shape, n_pixels: int) -> tuple[int, int]:
    """(rows, columns) of an image of ``n_pixels`` pixels, from the parameter."""
    if image_shape is None:
        side = math.isqrt(n_pixels)
        if side * side != n_pixels:
            raise ValueError(
                f"X has {n_pixels} features per row, which is not a square image: "
                "pass image_shape=(rows, columns), or the images as a 3-D array "
                "of shape (n_samples, rows, columns)."
            )
        return side, side
    rows, columns = (int(size) for size in image_shape)
    if rows == -1 and n_pixels % columns == 0:
        rows = n_pixels // columns
    elif columns == -1 and n_pixels % rows == 0:
        columns = n_pixels // rows
    if rows * columns != n_pixels:
        raise ValueError(
            f"image_shape={tuple(image_shape)!r} does not fit the {n_pixels} "
            "features of each row of X."
        )
    return rows, columns


def flatten_images(X):
    """``X`` as pixel rows, and the (rows, columns) of its images if 3-D.

    Images ``(n_samples, rows, columns)`` are flattened to a view (no copy);
    anything else is returned as it is, with None for the shape.
    """
    if not (hasattr(X, "iloc") or sparse.issparse(X)):
        array = np.asarray(X) if not hasattr(X, "__array__") else X
        if getattr(array, "ndim", None) == 3:
            rows = np.reshape(array, (array.shape[0], array.shape[1] * array.shape[2]))
            return rows, tuple(array.shape[1:])
    return X, None


def resolve_image_shape(estimator, n_pixels, input_image_shape, *, reset):
    """The (rows, columns) of ``estimator``'s faces, by the one rule.

    From the input's own shape when it held images (checked against the
    ``image_shape`` parameter and, after ``fit``, against ``image_shape_``);
    else ``image_shape_`` after ``fit``; else the ``image_shape`` parameter
    (one side may be -1); else a square of ``n_pixels``, which it must be.
    """
    validate_image_shape_param(estimator.image_shape)
    fitted_shape = getattr(estimator, "image_shape_", None)
    fitted_shape = None if reset or fitted_shape is None else tuple(fitted_shape)
    if input_image_shape is None:
        return fitted_shape or _resolve_image_shape(estimator.image_shape, n_pixels)
    image_shape = tuple(input_image_shape)
    if estimator.image_shape is not None:
        expected = _resolve_image_shape(estimator.image_shape, n_pixels)
        if image_shape != expected:
            raise ValueError(
                f"X holds images of shape {image_shape}, but "
                f"image_shape={tuple(estimator.image_shape)!r}."
            )
    if fitted_shape is not None and image_shape != fitted_shape:
        raise ValueError(
            f"X holds images of shape {image_shape}, but "
            f"{type(estimator).__name__} was fitted on images of shape "
            f"{fitted_shape}."
        )
    return image_shape


def _moved_faces(X, image_shape, move):
    """``move`` (images -> images) applied to faces, in the layout they came in."""
    validate_image_shape_param(image_shape)
    if hasattr(X, "iloc"):
        moved = _moved_faces(X.to_numpy(), image_shape, move)
        return type(X)(moved, index=X.index, columns=X.columns)
    array = np.asarray(X)
    if array.ndim == 3:
        return np.ascontiguousarray(move(array))
    if array.ndim != 2:
        raise ValueError(
            "Faces to mirror or shift must be pixel rows (n_samples, n_pixels) or "
            f"images (n_samples, rows, columns), got an array of shape {array.shape}."
        )
    rows, columns = _resolve_image_shape(image_shape, array.shape[1])
    images = move(array.reshape(len(array), rows, columns))
    return np.ascontiguousarray(images).reshape(array.shape)


def mirror_faces(X, image_shape=None):
    """Faces mirrored left to right, in the layout they came in (a copy).

    Parameters
    ----------
    X : array-like of shape (n_samples, rows * columns) or (n_samples, rows, columns)
        Faces as pixel rows (an array or a DataFrame) or images.
    image_shape : (int, int) or None
        (rows, columns) of the pixel rows; None: square faces.
    """
    return _moved_faces(X, image_shape, lambda images: images[:, :, ::-1])


def shift_faces(X, rows, columns, image_shape=None):
    """Faces moved ``rows`` pixels down and ``columns`` right (negative: up,
    left), the pixels at the edge repeated; the layout they came in (a copy).

    Parameters
    ----------
    X : array-like of shape (n_samples, rows * columns) or (n_samples, rows, columns)
        Faces as pixel rows (an array or a DataFrame) or images.
    rows, columns : int
        The shift.
    image_shape : (int, int) or None
        (rows, columns) of the pixel rows; None: square faces.
    """

    def move(images):
        height, width = images.shape[1:]
        # Index of the source pixel of each row and column, clipped to the edge.
        source_rows = np.clip(np.arange(height) - rows, 0, height - 1)
        source_columns = np.clip(np.arange(width) - columns, 0, width - 1)
        return images[:, source_rows][:, :, source_columns]

    return _moved_faces(X, image_shape, move)


def validate_images(estimator, X, *, reset: bool):
    """Validate faces given as pixel rows or images.

    Parameters
    ----------
    estimator : estimator
        Has an ``image_shape`` parameter; gets ``n_features_in_`` (and
        ``feature_names_in_``) when ``reset``, else they are checked.
    X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
        Any real dtype; not copied unless it must be converted.
    reset : bool
        True in ``fit``, False in ``transform``.

    Returns
    -------
    pixels : ndarray of shape (n_samples, rows * columns)
        A view of ``X`` when it was already a numeric array.
    image_shape : tuple of int
        (rows, columns).
    """
    X, input_image_shape = flatten_images(X)
    X = validate_data(estimator, X, reset=reset, dtype="numeric")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold real pixel values, got dtype {X.dtype}.")
    return X, resolve_image_shape(estimator, X.shape[1], input_image_shape, reset=reset)


def check_input_features(estimator, input_features) -> None:
    """Raise ``ValueError`` if ``input_features`` do not match the input in fit."""
    if input_features is None:
        return
    input_features = np.asarray(input_features, dtype=object)
    names_in = getattr(estimator, "feature_names_in_", None)
    if names_in is not None and not np.array_equal(input_features, names_in):
        raise ValueError("input_features is not equal to feature_names_in_")
    if len(input_features) != estimator.n_features_in_:
        raise ValueError(
            "input_features should have length equal to the number of features "
            f"({estimator.n_features_in_}), got {len(input_features)}"
        )
