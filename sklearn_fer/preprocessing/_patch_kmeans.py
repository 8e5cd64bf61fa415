"""``PatchKMeansEncoder``: single-layer k-means features of faces (Coates et al.).

Fit: random patches of the faces are contrast-normalised, whitened (ZCA) and
clustered by ``MiniBatchKMeans``; the centroids are the dictionary. Transform:
every patch on a stride grid is normalised and whitened the same way, compared
with the dictionary (one BLAS matrix product per batch of faces), activated
(triangle or soft threshold) and pooled over a coarse spatial grid (or a
pyramid of grids), optionally made the same for a face and its mirror image
and raised to a power.

Patches are views made by ``sliding_window_view``, copied into a float32
matrix one batch of faces at a time; the activations are computed and pooled
in place, batch by batch, so memory is bounded by the batch size.
"""

import itertools
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..utils._parallel import run_on_ranges
from ..utils._sklearn_api import Interval, StrOptions, fit_context
from ._images import check_input_features, image_pair, validate_images

#: Added to each patch's variance before it is divided by its standard
#: deviation, as a fraction of the variance of the patch's face: the features
#: are then the same for ``a * face + b`` (a > 0) as for the face. Coates et
#: al. add 10 to patches of 0-255 grey levels, about 0.002 of a FER2013 face's
#: variance.
_CONTRAST_EPS = 0.01
#: Added to the eigenvalues of the patch covariance in ZCA whitening (Coates
#: et al.'s value; the normalised patches have unit variance per pixel).
_WHITEN_EPS = 0.1
#: Patches per MiniBatchKMeans step in partial_fit (its default batch size).
_KMEANS_BATCH = 1024
#: Bytes of activations that batch_size='auto' encodes at a time: a batch
#: then stays in the CPU's cache (8 MiB; 58 MiB batches were twice as slow).
_BATCH_BYTES = 8 * 2**20
#: Faces whose variance is computed at once.
_VARIANCE_CHUNK = 256


def _patch_windows(images, patch_shape):
    """All patches of ``images`` (n, rows, columns), a (n, r, c, p_r, p_c) view."""
    return np.lib.stride_tricks.sliding_window_view(images, patch_shape, axis=(1, 2))


def _region_ranges(size, n_regions):
    """``(start, stop)`` of each of ``n_regions`` near-equal runs of ``size``
    positions: region ``k`` holds ``size * k // n_regions`` up to (excluded)
    ``size * (k + 1) // n_regions``."""
    edges = [size * k // n_regions for k in range(n_regions + 1)]
    return list(itertools.pairwise(edges))


def _pyramid(grid, n_levels):
    """The pooling grids of a pyramid: ``grid``, then halved (rounded up) each level."""
    grids = [grid]
    for _ in range(n_levels - 1):
        grids.append(tuple(-(-size // 2) for size in grids[-1]))
    return grids


def _mirrored_columns(patch_shape):
    """The pixel order of a patch flattened row by row, mirrored left to right."""
    return (
        np.arange(patch_shape[0] * patch_shape[1]).reshape(patch_shape)[:, ::-1].ravel()
    )


def _face_variance_floor(faces):
    """``_CONTRAST_EPS`` times each face's variance, float32 (n,)."""
    flat = faces.reshape(len(faces), -1)
    # In chunks: np.var makes a float64 copy of what it is given.
    variance = np.concatenate(
        [
            flat[start : start + _VARIANCE_CHUNK].var(axis=1, dtype=np.float64)
            for start in range(0, len(flat), _VARIANCE_CHUNK)
        ]
    )
    variance *= _CONTRAST_EPS
    # A flat face has no contrast to normalise: any positive floor will do.
    variance[variance == 0] = 1
    return variance.astype(np.float32)


def _normalize(patches, variance_floor):
    """Contrast-normalise float32 ``patches`` (n, pixels) in place.

    Each patch loses its mean and is divided by the square root of its
    variance plus its ``variance_floor`` (n,).
    """
    patches -= patches.mean(axis=1, keepdims=True)
    variance = np.einsum("ij,ij->i", patches, patches)
    variance /= max(patches.shape[1] - 1, 1)
    variance += variance_floor
    np.sqrt(variance, out=variance)
    patches /= variance[:, None]
    return patches


class PatchKMeansEncoder(TransformerMixin, BaseEstimator):
    """Single-layer unsupervised features: k-means on whitened face patches.

    The feature learning of Coates, Lee and Ng (2011). ``fit`` draws
    ``n_patches`` random ``patch_size`` patches from the faces, normalises
    each one's brightness and contrast, whitens them (ZCA) and learns
    ``n_components`` centroids by mini-batch k-means. ``transform`` encodes
    every patch on a grid of step ``stride`` by its activation for each
    centroid and sums (or averages) the activations over a ``pooling_grid``
    of face regions: ``pooling_grid`` rows x columns x ``n_components``
    features per face (more with a pyramid of grids, ``pyramid_levels``).

    Parameters
    ----------
    n_components : int, default=512
        Number of centroids (dictionary atoms).
    patch_size : int or (int, int), default=8
        Patch rows and columns.
    stride : int or (int, int), default=2
        Step between the patches encoded by ``transform``.
    pooling_grid : int or (int, int), default=4
        Rows and columns of face regions over which activations are pooled.
        The defaults (8 x 8 patches, 512 centroids, 4 x 4 regions: 8192
        features per face) were chosen by cross-validation on FER2013's
        Training faces; see the user guide.
    pyramid_levels : int, default=1
        Levels of a spatial pyramid: the activations are also pooled over
        coarser grids, each with half the rows and columns of the one before
        (rounded up): ``pooling_grid=4, pyramid_levels=3`` pools over 4 x 4,
        2 x 2 and 1 x 1 regions (21 regions). 1: ``pooling_grid`` alone.
    pooling : {'sum', 'mean'}, default='sum'
        How each region's activations are pooled.
    power : float, default=1.0
        Exponent applied to each pooled feature (all are non-negative): 0.5
        takes their square root, which tames the heavy tail of the sums of
        activations; 1 leaves them as they are.
    flip_invariant : bool, default=False
        Make the features of a face and of its mirror image (left to right)
        the same, at no cost in features: the dictionary also holds the
        mirror image of each centroid, and each feature adds a region's
        activations for a centroid to those of the mirror region for its
        mirror image, which are the activations the mirror face would give.
        A linear model on these features is one trained on the faces and
        their mirror images that averages its scores for a face and its
        mirror. Encoding costs twice as much (twice the atoms); needs patch
        positions symmetric left to right (``stride`` dividing the image
        columns minus the patch columns). See Notes.
    activation : {'triangle', 'soft_threshold'}, default='triangle'
        'triangle': ``max(0, mean(z) - z_k)`` with ``z_k`` the distance of the
        whitened patch to centroid ``k`` (Coates et al.'s "k-means
        (triangle)"). 'soft_threshold': ``max(0, d_k . x - threshold)`` with
        ``d_k`` centroid ``k`` scaled to unit length.
    threshold : float, default=0.25
        The soft threshold; used only with ``activation='soft_threshold'``.
    whiten : bool, default=True
        Whiten the normalised patches (ZCA) before clustering and encoding.
    n_patches : int, default=100_000
        Random patches drawn by ``fit`` (and at most by each ``partial_fit``).
    batch_size : int or 'auto', default='auto'
        Faces encoded at a time by each thread of ``transform``; its memory
        is about ``batch_size * n_positions * n_atoms * 4`` bytes (``n_atoms``
        is ``n_components``, twice that with ``flip_invariant``). 'auto':
        as many faces as keep that under 8 MiB (9 faces with the defaults on
        48 x 48 faces, 2 with 1024 flip-invariant centroids), so that the
        activations stay in the CPU's cache: larger batches made encoding up
        to twice as slow.
    image_shape : (int, int) or None, default=None
        (rows, columns) of each face when ``X`` holds flat pixel rows; one of
        them may be -1 to be inferred. None: square faces, or the shape of
        3-D input.
    n_jobs : int or None, default=None
        Threads encoding batches in parallel (NumPy and BLAS release the
        GIL); None means 1, -1 all CPUs.
    random_state : int, RandomState instance or None, default=None
        Draws the patches and seeds k-means.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_components, patch_rows * patch_columns)
        The dictionary, in the whitened space (with ``flip_invariant``,
        ``transform`` also uses the mirror image of each centroid).
    whitening_mean_ : ndarray of shape (patch_rows * patch_columns,)
        Mean of the normalised patches, subtracted before whitening.
    whitening_ : ndarray of shape (patch_rows * patch_columns,) * 2
        The ZCA whitening matrix (identity when ``whiten=False``).
    kmeans_ : MiniBatchKMeans
        The fitted k-means, which ``partial_fit`` keeps updating.
    image_shape_ : tuple of int
        (rows, columns) of the faces seen in ``fit``.
    n_patches_seen_ : int
        Patches clustered so far.
    n_features_in_ : int
        Number of pixels per face seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` in ``fit``, when it is a DataFrame.

    See Also
    --------
    HOGTransformer : Hand-designed gradient features, no fitting.
    sklearn.cluster.MiniBatchKMeans : The clustering used.

    Notes
    -----
    Contrast normalisation makes the features the same for every grey scale:
    each patch loses its mean and is divided by its standard deviation, after
    1% of its face's variance is added to its variance (which keeps flat,
    noisy patches from being blown up). A face ``a * x + b`` (``a > 0``) thus
    has the same features as ``x``: faces in 0-255 and in 0-1 are encoded
    alike, even by an encoder fitted on the other scale.

    With ``flip_invariant=True`` the whitening is learned from the patches
    and their mirror images, so that it commutes with mirroring: the whitened
    mirror of a patch is the mirror of the whitened patch, and the
    activations of a mirrored face are those of the face, mirrored in
    position and with each centroid swapped with its mirror image. Each
    feature is then the sum of the face's pooled activations and its
    mirror's, computed from the face's activations alone; a feature for the
    mirror centroid would repeat one of these in the mirror region, so none
    is kept.

    ``partial_fit`` learns the whitening from its first chunk, then keeps it:
    later chunks only move the centroids (``MiniBatchKMeans.partial_fit``), so
    the space the centroids live in never changes under them. Make the first
    chunk a fair sample of the faces.

    References
    ----------
    A. Coates, H. Lee and A. Y. Ng, "An Analysis of Single-Layer Networks in
    Unsupervised Feature Learning", AISTATS 2011.

    Examples
    --------
    >>> from sklearn_fer.datasets import make_faces
    >>> from sklearn_fer.preprocessing import PatchKMeansEncoder
    >>> X, y = make_faces(40, random_state=0, return_X_y=True)
    >>> encoder = PatchKMeansEncoder(
    ...     n_components=16, n_patches=2000, random_state=0
    ... ).fit(X)
    >>> features = encoder.transform(X)
    >>> features.shape, features.dtype
    ((40, 256), dtype('float32'))
    >>> encoder.cluster_centers_.shape
    (16, 64)
    >>> encoder.get_feature_names_out()[:2]
    array(['patchkmeans_r0_c0_k0', 'patchkmeans_r0_c0_k1'], dtype=object)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "patch_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "stride": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "pooling_grid": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "pyramid_levels": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"sum", "mean"})],
        "power": [Interval(Real, 0, 1, closed="right")],
        "flip_invariant": ["boolean"],
        "activation": [StrOptions({"triangle", "soft_threshold"})],
        "threshold": [Interval(Real, None, None, closed="neither")],
        "whiten": ["boolean"],
        "n_patches": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "image_shape": [tuple, list, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_components=512,
        patch_size=8,
        stride=2,
        pooling_grid=4,
        pyramid_levels=1,
        pooling="sum",
        power=1.0,
        flip_invariant=False,
        activation="triangle",
        threshold=0.25,
        whiten=True,
        n_patches=100_000,
        batch_size="auto",
        image_shape=None,
        n_jobs=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.patch_size = patch_size
        self.stride = stride
        self.pooling_grid = pooling_grid
        self.pyramid_levels = pyramid_levels
        self.pooling = pooling
        self.power = power
        self.flip_invariant = flip_invariant
        self.activation = activation
        self.threshold = threshold
        self.whiten = whiten
        self.n_patches = n_patches
        self.batch_size = batch_size
        self.image_shape = image_shape
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- geometry ---------------------------------------------------------------

    def _patch_shape(self, image_shape):
        patch_shape = image_pair(self.patch_size, "patch_size")
        if patch_shape[0] > image_shape[0] or patch_shape[1] > image_shape[1]:
            raise ValueError(
                f"patch_size={self.patch_size!r} is larger than the images, of "
                f"shape {image_shape} ({image_shape[0] * image_shape[1]} "
                "feature(s) per row of X)."
            )
        return patch_shape

    def _grid(self, image_shape):
        """Patch positions (rows, columns) encoded by transform, and the pooling."""
        patch_shape = self._patch_shape(image_shape)
        stride = image_pair(self.stride, "stride")
        positions = tuple(
            (size - patch) // step + 1
            for size, patch, step in zip(image_shape, patch_shape, stride, strict=True)
        )
        grid = image_pair(self.pooling_grid, "pooling_grid")
        if grid[0] > positions[0] or grid[1] > positions[1]:
            raise ValueError(
                f"pooling_grid={self.pooling_grid!r} has more regions than the "
                f"{positions[0]} x {positions[1]} patch positions of images of "
                f"shape {image_shape} (patch_size={self.patch_size!r}, "
                f"stride={self.stride!r})."
            )
        if self.flip_invariant and (image_shape[1] - patch_shape[1]) % stride[1]:
            raise ValueError(
                f"flip_invariant=True needs patch positions symmetric left to "
                f"right, but images {image_shape[1]} pixels wide hold patches "
                f"{patch_shape[1]} wide every {stride[1]} pixels up to "
                f"{(positions[1] - 1) * stride[1] + patch_shape[1]}: choose a "
                f"stride that divides {image_shape[1] - patch_shape[1]}."
            )
        return patch_shape, stride, positions, _pyramid(grid, self.pyramid_levels)

    # -- patches ----------------------------------------------------------------

    def _random_patches(self, pixels, image_shape, random_state):
        """Up to ``n_patches`` random patches, contrast-normalised, float32."""
        patch_shape = self._patch_shape(image_shape)
        windows = _patch_windows(pixels.reshape(-1, *image_shape), patch_shape)
        n_faces, n_rows, n_columns = windows.shape[:3]
        n_patches = min(self.n_patches, n_faces * n_rows * n_columns)
        face = random_state.randint(n_faces, size=n_patches)
        row = random_state.randint(n_rows, size=n_patches)
        column = random_state.randint(n_columns, size=n_patches)
        patches = windows[face, row, column].reshape(n_patches, -1)
        patches = patches.astype(np.float32)
        return _normalize(patches, _face_variance_floor(pixels)[face])

    def _learn_whitening(self, normalized, patch_shape):
        """Set ``whitening_mean_`` and ``whitening_`` from normalised patches.

        With ``flip_invariant``, from the patches and their mirror images: the
        mean and the covariance are then unchanged by mirroring, and so is
        the whitening (made exactly so, against rounding).
        """
        n_pixels = normalized.shape[1]
        if not self.whiten:
            self.whitening_mean_ = np.zeros(n_pixels, np.float32)
            self.whitening_ = np.eye(n_pixels, dtype=np.float32)
            return
        mean = normalized.mean(axis=0, dtype=np.float64)
        centred = normalized.astype(np.float64) - mean
        covariance = centred.T @ centred / len(centred)
        if self.flip_invariant:
            mirror = _mirrored_columns(patch_shape)
            # Mean and covariance of the patches and their mirror images.
            shift = (mean - mean[mirror]) / 2
            mean = mean - shift
            covariance += np.outer(shift, shift)
            covariance = (covariance + covariance[np.ix_(mirror, mirror)]) / 2
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        eigenvalues = np.maximum(eigenvalues, 0)
        whitening = (eigenvectors / np.sqrt(eigenvalues + _WHITEN_EPS)) @ eigenvectors.T
        if self.flip_invariant:
            whitening = (whitening + whitening[np.ix_(mirror, mirror)]) / 2
        self.whitening_mean_ = mean.astype(np.float32)
        self.whitening_ = whitening.astype(np.float32)

    def _whiten(self, normalized):
        """Whitened copy of normalised patches (one small matrix product)."""
        whitened = normalized @ self.whitening_
        whitened -= self.whitening_mean_ @ self.whitening_
        return whitened

    # -- fitting ----------------------------------------------------------------

    def _kmeans(self, random_state):
        return MiniBatchKMeans(
            n_clusters=self.n_components,
            batch_size=_KMEANS_BATCH,
            n_init=3,
            compute_labels=False,
            random_state=random_state.randint(np.iinfo(np.int32).max),
        )

    def _check_enough_patches(self, n_patches):
        if n_patches < self.n_components:
            raise ValueError(
                f"Only {n_patches} patches could be drawn from X, fewer than "
                f"n_components={self.n_components}: give more faces, more "
                "n_patches or fewer n_components."
            )

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the whitening and the dictionary from random patches.

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
        self._grid(image_shape)
        random_state = check_random_state(self.random_state)
        patches = self._random_patches(pixels, image_shape, random_state)
        self._check_enough_patches(len(patches))
        self._learn_whitening(patches, self._patch_shape(image_shape))
        whitened = self._whiten(patches)
        self._random_state = random_state
        self.kmeans_ = self._kmeans(random_state).fit(whitened)
        self.cluster_centers_ = self.kmeans_.cluster_centers_
        self.image_shape_ = image_shape
        self.n_patches_seen_ = len(patches)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the dictionary with patches of one chunk of faces.

        Each call draws up to ``n_patches`` random patches from its chunk and
        takes ``MiniBatchKMeans.partial_fit`` steps on them, 1024 patches at a
        time. The first call on an unfitted encoder also learns the whitening
        from its chunk, which later calls keep (see Notes); after ``fit``,
        calls continue from the fitted dictionary.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
            A chunk of faces, any grey scale.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "kmeans_")
        pixels, image_shape = validate_images(self, X, reset=first)
        self._grid(image_shape)
        if first:
            self._random_state = check_random_state(self.random_state)
        random_state = self._random_state
        patches = self._random_patches(pixels, image_shape, random_state)
        first_step = _KMEANS_BATCH
        if first:
            self._check_enough_patches(len(patches))
            self._learn_whitening(patches, self._patch_shape(image_shape))
            self.kmeans_ = self._kmeans(random_state)
            self.image_shape_ = image_shape
            self.n_patches_seen_ = 0
            # k-means is seeded from the first step's patches: give it enough.
            first_step = max(_KMEANS_BATCH, 3 * self.n_components)
        whitened = self._whiten(patches)
        starts = [0, *range(first_step, len(whitened), _KMEANS_BATCH)]
        for start, stop in zip(starts, [*starts[1:], len(whitened)], strict=True):
            self.kmeans_.partial_fit(whitened[start:stop])
        self.cluster_centers_ = self.kmeans_.cluster_centers_
        self.n_patches_seen_ += len(whitened)
        return self

    # -- encoding ---------------------------------------------------------------

    def _encoding_matrices(self, geometry):
        """The matrices that encode a batch with two matrix products, and
        the regions that pool it.

        ``[patch, 1] @ whitening`` gives ``[whitened patch, 1, 0]``; once the
        last column holds the whitened patch's squared norm, ``@ dictionary``
        gives the squared distances to the centroids (triangle) or the
        thresholded products with the unit centroids (soft threshold). With
        ``flip_invariant``, the dictionary's second half holds the mirror
        images of the centroids. The regions are, for each grid of the
        pyramid, the ``(start, stop)`` of its rows and of its columns of
        patch positions.
        """
        patch_shape, _, positions, grids = geometry
        n_pixels = patch_shape[0] * patch_shape[1]
        whitening = np.zeros((n_pixels + 1, n_pixels + 2), np.float32)
        whitening[:n_pixels, :n_pixels] = self.whitening_
        whitening[n_pixels, :n_pixels] = -(self.whitening_mean_ @ self.whitening_)
        whitening[n_pixels, n_pixels] = 1
        centers = self.cluster_centers_.astype(np.float32)
        if self.flip_invariant:
            centers = np.vstack([centers, centers[:, _mirrored_columns(patch_shape)]])
        dictionary = np.zeros((n_pixels + 2, len(centers)), np.float32)
        if self.activation == "triangle":
            dictionary[:n_pixels] = -2 * centers.T
            dictionary[n_pixels] = np.einsum("ij,ij->i", centers, centers)
            dictionary[n_pixels + 1] = 1
        else:
            lengths = np.sqrt(np.einsum("ij,ij->i", centers, centers))
            dictionary[:n_pixels] = (
                centers / np.maximum(lengths, np.finfo(np.float32).tiny)[:, None]
            ).T
            dictionary[n_pixels] = -self.threshold
        regions = [
            tuple(
                _region_ranges(size, n_regions)
                for size, n_regions in zip(positions, grid, strict=True)
            )
            for grid in grids
        ]
        return whitening, dictionary, regions

    def _encode_batch(self, images, geometry, matrices, out):
        """Pooled activations of ``images`` (n, rows, columns) into ``out``."""
        patch_shape, stride, positions, _ = geometry
        whitening, dictionary, regions = matrices
        n = len(images)
        n_pixels = patch_shape[0] * patch_shape[1]
        windows = _patch_windows(images, patch_shape)[:, :: stride[0], :: stride[1]]
        augmented = np.empty(
            (n * positions[0] * positions[1], n_pixels + 1), np.float32
        )
        patches = augmented[:, :n_pixels]
        np.copyto(patches.reshape(windows.shape), windows, casting="unsafe")
        floor = np.repeat(_face_variance_floor(images), positions[0] * positions[1])
        _normalize(patches, floor)
        augmented[:, n_pixels] = 1
        whitened = augmented @ whitening
        whitened[:, -1] = np.einsum(
            "ij,ij->i", whitened[:, :n_pixels], whitened[:, :n_pixels]
        )
        activations = whitened @ dictionary
        np.maximum(activations, 0, out=activations)
        if self.activation == "triangle":
            np.sqrt(activations, out=activations)  # distances to the centroids
            mean_distance = activations.mean(axis=1, keepdims=True)
            np.subtract(mean_distance, activations, out=activations)
            np.maximum(activations, 0, out=activations)
        self._pool(activations.reshape(n, *positions, -1), regions, out)
        if self.power == 0.5:
            np.sqrt(out, out=out)
        elif self.power != 1:
            np.power(out, self.power, out=out)

    def _pool(self, maps, regions, out):
        """Pool ``maps`` (n, position rows, position columns, atoms) into ``out``.

        Each region is summed as slices, band of rows by band of rows (each
        activation is read once; a 0-1 pooling matrix did 16 times the work).
        With ``flip_invariant``, a region also adds the activations of the
        mirror centroids (the dictionary's second half) over the mirror
        region, those that the mirror face would give for the centroids.
        """
        n_columns, k = maps.shape[2], self.n_components
        pooled = out.reshape(len(maps), -1, k)
        region = 0
        for row_ranges, column_ranges in regions:
            for top, bottom in row_ranges:
                band = maps[:, top:bottom].sum(axis=1)
                for left, right in column_ranges:
                    sums = pooled[:, region]
                    band[:, left:right, :k].sum(axis=1, out=sums)
                    if self.flip_invariant:
                        sums += band[:, n_columns - right : n_columns - left, k:].sum(
                            axis=1
                        )
                    if self.pooling == "mean":
                        sums /= (bottom - top) * (right - left)
                    region += 1

    def transform(self, X):
        """Encode every patch on the stride grid and pool the activations.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, rows, columns)
            Faces, any grey scale; not modified.

        Returns
        -------
        features : ndarray of shape (n_samples, n_regions * n_components), float32
            Pooled activations, ordered by grid of the pyramid (finest first),
            region row, region column, centroid.
        """
        check_is_fitted(self)
        pixels, image_shape = validate_images(self, X, reset=False)
        geometry = self._grid(image_shape)
        images = pixels.reshape(-1, *image_shape)
        n_regions = sum(rows * columns for rows, columns in geometry[3])
        out = np.empty((len(images), n_regions * self.n_components), np.float32)

        matrices = self._encoding_matrices(geometry)
        batch_size = self.batch_size
        if batch_size == "auto":
            n_positions = geometry[2][0] * geometry[2][1]
            n_atoms = matrices[1].shape[1]
            batch_size = max(1, _BATCH_BYTES // (n_positions * n_atoms * 4))

        def encode_range(start, stop):
            for batch in range(start, stop, batch_size):
                end = min(batch + batch_size, stop)
                self._encode_batch(
                    images[batch:end], geometry, matrices, out[batch:end]
                )

        # The products are small: threads of BLAS would only wait on each other.
        with threadpool_limits(limits=1, user_api="blas"):
            run_on_ranges(encode_range, len(images), self.n_jobs)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the pooled features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the input seen in ``fit``: the output names
            (``patchkmeans_r{row}_c{column}_k{centroid}``, prefixed with the
            grid, e.g. ``patchkmeans_2x2_r0_c1_k5``, in a pyramid) do not
            depend on them.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        grids = self._grid(self.image_shape_)[3]
        return np.array(
            [
                f"patchkmeans_{prefix}r{r}_c{c}_k{k}"
                for rows, columns in grids
                for prefix in [f"{rows}x{columns}_" if len(grids) > 1 else ""]
                for r in range(rows)
                for c in range(columns)
                for k in range(self.n_components)
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags
