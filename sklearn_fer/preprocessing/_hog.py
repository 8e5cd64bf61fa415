"""``HOGTransformer``: histograms of oriented gradients of a whole batch of faces.

The same numbers as ``skimage.feature.hog`` (scikit-image 0.26) on each face,
computed for many faces at once with NumPy instead of one face at a time:

1. Gradients are central differences, zero on the image's border rows and
   columns, in float32 for float32 and small-integer images (uint8 ...) and
   in float64 otherwise (see ``_working_dtype``).
2. Each pixel votes its gradient magnitude into the orientation bin of its
   unsigned angle, ``arctan2(g_row, g_col)`` in degrees modulo 180, against
   scikit-image's bin edges ``float32(180 / orientations * i)``; a cell's
   histogram is the mean vote over its pixels (one ``bincount`` per batch).
   The angle is computed in float32 (NumPy's vectorised ``arctan2``, about
   30 times faster than float64's); the few pixels whose angle lies within 1e-3
   bin of an edge are binned again from scikit-image's float64 angle, so that
   every pixel lands in the same bin as in scikit-image.
3. Each block of cells is normalised (L1, L1-sqrt, L2 or L2-Hys, with
   scikit-image's ``eps=1e-5``), vectorised over all blocks of all faces.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._parallel import run_on_ranges
from ..utils._sklearn_api import Interval, StrOptions, check_parameters, fit_context
from ._images import check_input_features, image_pair, validate_images

#: Pixels per batch (about 230 faces of 48 x 48): the workspace of one thread
#: holds about 45 bytes per pixel (24 MB).
_BATCH_PIXELS = 1 << 19
#: An angle within this fraction of a bin from a bin edge is binned again from
#: scikit-image's float64 angle. Angles in float32 err by less than 1e-4 bin
#: (arctan2 by 1e-5; float32 square roots of small integers add up to 1e-4).
_EDGE_TOLERANCE = 1e-3
_EPS = 1e-5
#: Larger pixel values could overflow the float32 squared gradient magnitude.
_MAX_PIXEL = 1e18
_BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


class _Geometry:
    """Cells, blocks and bins of HOG on images of one shape."""

    def __init__(self, image_shape, orientations, pixels_per_cell, cells_per_block):
        self.rows, self.columns = image_shape
        self.cell_rows, self.cell_columns = pixels_per_cell
        self.block_rows, self.block_columns = cells_per_block
        self.orientations = orientations
        self.n_cells_row = self.rows // self.cell_rows
        self.n_cells_col = self.columns // self.cell_columns
        self.n_blocks_row = self.n_cells_row - self.block_rows + 1
        self.n_blocks_col = self.n_cells_col - self.block_columns + 1
        if self.n_blocks_row <= 0 or self.n_blocks_col <= 0:
            raise ValueError(
                f"Images of shape {image_shape} are too small for "
                f"pixels_per_cell={pixels_per_cell} and cells_per_block="
                f"{cells_per_block}: they need at least "
                f"{self.cell_rows * self.block_rows} rows and "
                f"{self.cell_columns * self.block_columns} columns."
            )
        self.n_cells = self.n_cells_row * self.n_cells_col
        self.n_features = (
            self.n_blocks_row
            * self.n_blocks_col
            * self.block_rows
            * self.block_columns
            * orientations
        )
        # scikit-image's bin edges: C floats of 180 / orientations * i.
        self.bin_edges = (
            (180.0 / orientations * np.arange(orientations + 1))
            .astype(np.float32)
            .astype(np.float64)
        )
        # float32 bins per radian, rounded up if need be so that an angle of
        # float32(pi) is a whole number of bins: its floor is then exact.
        self.bins_per_radian = np.float32(orientations / np.pi)
        while np.float32(np.pi) * self.bins_per_radian < orientations:
            self.bins_per_radian = np.nextafter(self.bins_per_radian, np.inf)
        # The bin of each floor of the shifted angle (see _cell_histograms):
        # step k is bin (k - orientations - 1) modulo orientations; steps 0 and
        # 2 * orientations + 1 are the angles -pi and pi, bin 0 in skimage.
        steps = np.arange(2 * orientations + 2)
        self.bin_of_step = (steps - orientations - 1) % orientations
        self.bin_of_step[[0, -1]] = 0
        # Each pixel's cell, or the spare slot after the last cell's bins for
        # the pixels that no cell covers (when a cell size does not divide
        # the image); its votes are dropped.
        row_cell = np.arange(self.rows) // self.cell_rows
        col_cell = np.arange(self.columns) // self.cell_columns
        cell = row_cell[:, None] * self.n_cells_col + col_cell[None, :]
        uncovered = (row_cell[:, None] >= self.n_cells_row) | (
            col_cell[None, :] >= self.n_cells_col
        )
        self.pixel_cell = np.where(uncovered, -1, cell).ravel()

    def exact_bins(self, degrees):
        """scikit-image's bin of each float64 angle; ``orientations`` = no bin."""
        return np.searchsorted(self.bin_edges, degrees, side="right") - 1

    def feature_names(self):
        return np.array(
            [
                f"hog_block{r}_{c}_cell{i}_{j}_bin{o}"
                for r in range(self.n_blocks_row)
                for c in range(self.n_blocks_col)
                for i in range(self.block_rows)
                for j in range(self.block_columns)
                for o in range(self.orientations)
            ],
            dtype=object,
        )


def _small_integers(dtype):
    """Integers whose differences float32 holds exactly."""
    return dtype.kind in "biu" and dtype.itemsize <= 2


def _working_dtype(dtype):
    """The float type of the image and its gradients in the fast path.

    scikit-image computes in float32 for float32 and float16 images, which we
    then match exactly. Small integers are exact in float32 too; their square
    roots are not, but their float32 gradients are within 1e-4 of a bin of the
    float64 ones, and the pixels near a bin edge get float64 gradients.
    Anything else (float64, wide integers) is worked on in float64.
    """
    if dtype in (np.float32, np.float16) or _small_integers(dtype):
        return np.float32
    return np.float64


class _Workspace:
    """One thread's buffers for a batch of up to ``size`` faces."""

    def __init__(self, size, geometry, dtype):
        shape = (size, geometry.rows, geometry.columns)
        self.image = np.empty(shape, dtype)
        self.g_row = np.empty(shape, dtype)
        self.g_col = np.empty(shape, dtype)
        if dtype == np.float32:
            self.g_row32, self.g_col32 = self.g_row, self.g_col
        else:
            self.g_row32 = np.empty(shape, np.float32)
            self.g_col32 = np.empty(shape, np.float32)
        self.magnitude = np.empty(shape, np.float32)
        self.angle = np.empty(shape, np.float32)
        self.floor = np.empty(shape, np.float32)
        self.mask = np.empty(shape, bool)
        self.steps = np.empty(shape, np.int32)
        self.bins = np.empty(shape, np.intp)
        n_orient = geometry.orientations
        faces = np.arange(size)[:, None] * geometry.n_cells
        spare = size * geometry.n_cells
        cell = np.where(geometry.pixel_cell < 0, spare, faces + geometry.pixel_cell)
        self.vote_base = (cell * n_orient).reshape(shape)


def _exact_gradients(pixels, flat_index, geometry, transform_sqrt):
    """scikit-image's float64 gradients (row, column) at some pixels of a batch."""
    rows, columns = geometry.rows, geometry.columns
    face, position = np.divmod(flat_index, rows * columns)
    row, column = np.divmod(position, columns)

    def value(r, c):
        grey = pixels[face, r * columns + c].astype(np.float64)
        return np.sqrt(grey) if transform_sqrt else grey

    g_row = value(np.minimum(row + 1, rows - 1), column) - value(
        np.maximum(row - 1, 0), column
    )
    g_col = value(row, np.minimum(column + 1, columns - 1)) - value(
        row, np.maximum(column - 1, 0)
    )
    # Zero on the border rows and columns, as in scikit-image.
    g_row[(row == 0) | (row == rows - 1)] = 0
    g_col[(column == 0) | (column == columns - 1)] = 0
    return g_row, g_col


def _cell_histograms(pixels, geometry, work, transform_sqrt):
    """Mean votes per cell and bin, float64 of shape (n, cells_row, cells_col, bins)."""
    n = len(pixels)
    n_orient = geometry.orientations
    image = work.image[:n]
    np.copyto(image, pixels.reshape(image.shape), casting="unsafe")
    if transform_sqrt:
        np.sqrt(image, out=image)
    g_row, g_col = work.g_row[:n], work.g_col[:n]
    # Central differences over the whole flat batch (long vectorised loops),
    # then zeros on each image's border rows and columns, as in skimage.
    flat_image = image.reshape(-1)
    width = geometry.columns
    np.subtract(
        flat_image[2 * width :],
        flat_image[: -2 * width],
        out=g_row.reshape(-1)[width:-width],
    )
    np.subtract(flat_image[2:], flat_image[:-2], out=g_col.reshape(-1)[1:-1])
    g_row[:, [0, -1], :] = 0
    g_col[:, :, [0, -1]] = 0
    g_row32, g_col32 = work.g_row32[:n], work.g_col32[:n]
    if g_row32 is not g_row:
        np.copyto(g_row32, g_row, casting="same_kind")
        np.copyto(g_col32, g_col, casting="same_kind")
    magnitude, angle, floor = work.magnitude[:n], work.angle[:n], work.floor[:n]
    # sqrt of the sum of squares: eight times faster than np.hypot in float32;
    # transform checks that the pixels are too small to overflow.
    np.multiply(g_row32, g_row32, out=magnitude)
    np.multiply(g_col32, g_col32, out=floor)
    np.add(magnitude, floor, out=magnitude)
    np.sqrt(magnitude, out=magnitude)

    # The angle in bins, shifted by orientations + 1 to be positive: in
    # [1, 2 * orientations + 1], where angle 0 falls at orientations + 1.
    # The shifted floor indexes a table of bins modulo orientations.
    np.arctan2(g_row32, g_col32, out=angle)
    np.multiply(angle, geometry.bins_per_radian, out=angle)
    np.add(angle, np.float32(n_orient + 1), out=angle)
    np.floor(angle, out=floor)
    steps, bins, mask = work.steps[:n], work.bins[:n], work.mask[:n]
    np.copyto(steps, floor, casting="unsafe")
    # mode="clip": the steps are in range; the default mode is 10 times slower.
    np.take(geometry.bin_of_step, steps, out=bins, mode="clip")

    # Pixels whose angle is within _EDGE_TOLERANCE of a bin edge are binned
    # again from scikit-image's float64 angle; those with no row gradient
    # are already right (angle 0 or +-pi, exactly, in float32: bin 0).
    np.subtract(angle, floor, out=angle)  # the fraction of a bin past its edge
    np.subtract(angle, np.float32(0.5), out=angle)
    np.abs(angle, out=angle)
    np.greater(angle, np.float32(0.5 - _EDGE_TOLERANCE), out=mask)
    np.logical_and(mask, g_row32, out=mask)
    near_edge = np.flatnonzero(mask)
    if near_edge.size:
        if transform_sqrt and _small_integers(pixels.dtype):
            # The float32 square roots of integers are not scikit-image's.
            near_row, near_col = _exact_gradients(
                pixels, near_edge, geometry, transform_sqrt
            )
        else:
            near_row = g_row.reshape(-1)[near_edge].astype(np.float64)
            near_col = g_col.reshape(-1)[near_edge].astype(np.float64)
        degrees = np.arctan2(near_row, near_col) * (180 / np.pi) % 180
        exact = geometry.exact_bins(degrees)
        beyond_last = exact >= n_orient
        magnitude.reshape(-1)[near_edge[beyond_last]] = 0
        bins.reshape(-1)[near_edge] = np.minimum(exact, n_orient - 1)

    np.add(bins, work.vote_base[:n], out=bins)
    n_bins = n * geometry.n_cells * n_orient
    votes = np.bincount(bins.reshape(-1), magnitude.reshape(-1), minlength=n_bins)
    histograms = votes[:n_bins].reshape(
        n, geometry.n_cells_row, geometry.n_cells_col, n_orient
    )
    histograms /= geometry.cell_rows * geometry.cell_columns
    return histograms


def _normalize_blocks(histograms, geometry, block_norm, out):
    """Write the normalised blocks of ``histograms`` into ``out`` (n, n_features).

    Votes are non-negative, so a block's L1 norm and its squared L2 norm are
    sums of per-cell sums over the block's window; only L2-Hys's second norm,
    taken after clipping, is summed over the block's own features.
    """
    n = len(histograms)
    window = (geometry.block_rows, geometry.block_columns)
    blocks = out.reshape(
        n, geometry.n_blocks_row, geometry.n_blocks_col, *window, geometry.orientations
    )
    cells = np.lib.stride_tricks.sliding_window_view(histograms, window, axis=(1, 2))
    # (n, blocks_row, blocks_col, bins, cells_row, cells_col) -> skimage's order.
    blocks[...] = cells.transpose(0, 1, 2, 4, 5, 3)
    if block_norm in ("L1", "L1-sqrt"):
        cell_norms = histograms.sum(axis=3)
    else:
        cell_norms = np.einsum("ijkl,ijkl->ijk", histograms, histograms)
    block_norms = np.lib.stride_tricks.sliding_window_view(
        cell_norms, window, axis=(1, 2)
    ).sum(axis=(3, 4))
    if block_norm in ("L1", "L1-sqrt"):
        block_norms += _EPS
    else:
        block_norms = np.sqrt(block_norms + _EPS**2)
    # One row per block: each row is scaled by one number.
    flat_blocks = out.reshape(-1, blocks[0, 0, 0].size)
    flat_blocks *= (1 / block_norms).astype(np.float32).reshape(-1, 1)
    if block_norm == "L1-sqrt":
        np.sqrt(out, out=out)
    elif block_norm == "L2-Hys":
        np.minimum(out, np.float32(0.2), out=out)
        squares = np.einsum("ij,ij->i", flat_blocks, flat_blocks)
        flat_blocks *= (1 / np.sqrt(squares + np.float32(_EPS**2)))[:, None]


def _check_pixel_range(pixels, transform_sqrt):
    """Raise ``ValueError`` for pixels out of the range HOG is computed for."""
    # Integers of 16 bits or less cannot overflow; unsigned ones are >= 0.
    small_integer = pixels.dtype.kind in "biu" and pixels.dtype.itemsize <= 2
    unsigned = pixels.dtype.kind in "bu"
    if not pixels.size or (small_integer and (unsigned or not transform_sqrt)):
        return
    low, high = pixels.min(), pixels.max()
    if transform_sqrt and low < 0:
        row = int(np.flatnonzero((pixels < 0).any(axis=1))[0])
        raise ValueError(
            "Negative values in data passed to HOGTransformer with "
            f"transform_sqrt=True (row {row} of X): set transform_sqrt=False for "
            "faces with negative grey levels, such as standardized ones."
        )
    if max(-low, high) > _MAX_PIXEL:
        row = int(np.flatnonzero((np.abs(pixels) > _MAX_PIXEL).any(axis=1))[0])
        raise ValueError(
            f"Row {row} of X has pixel values beyond +-{_MAX_PIXEL:g}, whose "
            "squared gradients overflow float32: rescale the faces."
        )


def _hog_range(pixels, out, geometry, params):
    """HOG of ``pixels`` (n, n_pixels) into ``out`` (n, n_features), batch by batch."""
    batch = max(1, _BATCH_PIXELS // (geometry.rows * geometry.columns))
    dtype = _working_dtype(pixels.dtype)
    work = _Workspace(min(batch, len(pixels)), geometry, dtype)
    for start in range(0, len(pixels), batch):
        stop = min(start + batch, len(pixels))
        histograms = _cell_histograms(
            pixels[start:stop], geometry, work, params["transform_sqrt"]
        )
        _normalize_blocks(histograms, geometry, params["block_norm"], out[start:stop])


class HOGTransformer(TransformerMixin, BaseEstimator):
    """Histograms of oriented gradients (HOG) of grey-level faces.

    Gives the same features as ``skimage.feature.hog`` with the same
    parameters on each face (to float32 precision), but computes all faces at
    once with NumPy, in batches of bounded memory: about 20 times faster than
    calling scikit-image face by face, and scikit-image is not needed.

    The transformer is stateless: ``fit`` only checks the parameters and
    records the image shape; ``transform`` also works without ``fit``.

    Parameters
    ----------
    orientations : int, default=9
        Number of orientation bins over 0-180 degrees (unsigned gradients).
    pixels_per_cell : int or (int, int), default=(8, 8)
        Size of a cell in pixels (rows, columns). Pixels past the last whole
        cell are left out, as in scikit-image.
    cells_per_block : int or (int, int), default=(3, 3)
        Size of a normalisation block in cells. Blocks overlap by all but one
        cell, so each cell appears in up to ``rows * columns`` blocks.
    block_norm : {'L2-Hys', 'L2', 'L1', 'L1-sqrt'}, default='L2-Hys'
        Normalisation of each block: L2-Hys clips the L2-normalised block at
        0.2 and normalises it again.
    transform_sqrt : bool, default=True
        Take the square root of each pixel first (gamma compression), which
        helps on FER2013 (see the user guide). The pixels must then be
        non-negative: set False for standardized faces.
    image_shape : (int, int) or None, default=None
        (rows, columns) of each face when ``X`` holds flat pixel rows; one of
        them may be -1 to be inferred. None: square faces (48 x 48 for
        FER2013's 2304 pixels), or the shape of 3-D input.
    n_jobs : int or None, default=None
        Threads computing batches of faces in parallel (NumPy releases the
        GIL); None means 1, -1 all CPUs.

    Attributes
    ----------
    image_shape_ : tuple of int
        (rows, columns) of the faces seen in ``fit``.
    n_features_in_ : int
        Number of pixels per face seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in ``fit``, when it is a DataFrame.

    See Also
    --------
    PatchKMeansEncoder : Features learned from the faces by k-means.

    Notes
    -----
    Input is any grey scale: faces in 0-255 and the same faces in 0-1 give
    the same features to about 1e-4, since every block is divided by its norm
    (plus ``eps=1e-5``, which matters only for nearly flat blocks). Output is
    float32 whatever the input's dtype.

    References
    ----------
    N. Dalal and B. Triggs, "Histograms of Oriented Gradients for Human
    Detection", CVPR 2005. scikit-image's ``skimage.feature.hog``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fer.preprocessing import HOGTransformer
    >>> faces = np.random.RandomState(0).randint(0, 256, size=(5, 48, 48))
    >>> hog = HOGTransformer().fit(faces)
    >>> features = hog.transform(faces)
    >>> features.shape, features.dtype
    ((5, 1296), dtype('float32'))
    >>> hog.get_feature_names_out()[:2]
    array(['hog_block0_0_cell0_0_bin0', 'hog_block0_0_cell0_0_bin1'], dtype=object)
    >>> flat = faces.reshape(5, -1) / 255.0  # flat rows and any scale
    >>> bool(np.allclose(hog.transform(flat), features, atol=1e-4))
    True
    """

    _parameter_constraints: dict = {
        "orientations": [Interval(Integral, 1, None, closed="left")],
        "pixels_per_cell": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "cells_per_block": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "block_norm": [StrOptions(set(_BLOCK_NORMS))],
        "transform_sqrt": ["boolean"],
        "image_shape": [tuple, list, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        *,
        orientations=9,
        pixels_per_cell=(8, 8),
        cells_per_block=(3, 3),
        block_norm="L2-Hys",
        transform_sqrt=True,
        image_shape=None,
        n_jobs=None,
    ):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.image_shape = image_shape
        self.n_jobs = n_jobs

    def _geometry(self, image_shape):
        return _Geometry(
            image_shape,
            self.orientations,
            image_pair(self.pixels_per_cell, "pixels_per_cell"),
            image_pair(self.cells_per_block, "cells_per_block"),
        )

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters against the faces' shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
            Faces, any grey scale.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        pixels, image_shape = validate_images(self, X, reset=True)
        self._geometry(image_shape)
        _check_pixel_range(pixels, self.transform_sqrt)
        self.image_shape_ = image_shape
        return self

    def transform(self, X):
        """HOG features of each face.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
            Faces, any grey scale; not modified.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features), float32
            Each face's normalised blocks, in scikit-image's order (block row,
            block column, cell row, cell column, orientation).
        """
        if not hasattr(self, "image_shape_"):
            check_parameters(self)
        pixels, image_shape = validate_images(self, X, reset=False)
        geometry = self._geometry(image_shape)
        _check_pixel_range(pixels, self.transform_sqrt)
        out = np.empty((len(pixels), geometry.n_features), np.float32)
        params = dict(block_norm=self.block_norm, transform_sqrt=self.transform_sqrt)
        run_on_ranges(
            lambda start, stop: _hog_range(
                pixels[start:stop], out[start:stop], geometry, params
            ),
            len(pixels),
            self.n_jobs,
        )
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the HOG features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the input seen in ``fit``: the output names
            (``hog_block{r}_{c}_cell{i}_{j}_bin{o}``) do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "image_shape_")
        check_input_features(self, input_features)
        return self._geometry(self.image_shape_).feature_names()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.positive_only = self.transform_sqrt
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
