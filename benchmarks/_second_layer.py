"""A second layer of k-means features, for ``tune_features`` only (issue 26).

Coates and Ng's two-layer recipe on faces: the first layer is a
``PatchKMeansEncoder`` whose activations are pooled over a fine grid
(``grid1`` x ``grid1`` regions), a map of ``k1`` channels; the second layer
takes every ``field`` x ``field`` window of that map (``field**2 * k1``
values), standardises and PCA-whitens it to ``dimensions``, encodes it by its
triangle activation for ``k2`` centroids learned by k-means, and sums the
activations over a ``grid2`` x ``grid2`` grid, square root taken.

Measured on the Training holdout and not kept (docs/user_guide/features.rst):
it stays in the benchmarks, so that the figures can be made again, and out of
the package.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.utils import check_random_state

from benchmarks._common import CORES
from sklearn_fer.preprocessing import PatchKMeansEncoder
from sklearn_fer.preprocessing._patch_kmeans import _region_ranges

#: Faces whose first-layer maps sample the second layer's windows.
_SAMPLE_FACES = 8000
#: Windows clustered by the second layer's k-means.
_SAMPLE_WINDOWS = 150_000
#: Added to the PCA eigenvalues, as a fraction of their mean.
_WHITEN_EPS = 0.01
#: Faces encoded at a time.
_CHUNK = 512


class SecondLayerKMeans(TransformerMixin, BaseEstimator):
    """k-means on windows of pooled first-layer maps; see the module."""

    def __init__(
        self,
        *,
        k1=256,
        grid1=7,
        field=2,
        dimensions=256,
        k2=1024,
        grid2=2,
        random_state=0,
    ):
        self.k1 = k1
        self.grid1 = grid1
        self.field = field
        self.dimensions = dimensions
        self.k2 = k2
        self.grid2 = grid2
        self.random_state = random_state

    def _windows(self, faces):
        """Each face's ``field`` x ``field`` windows of its first-layer map."""
        maps = self.first_layer_.transform(faces)
        maps = maps.reshape(len(faces), self.grid1, self.grid1, self.k1)
        size = self.grid1 - self.field + 1
        windows = np.empty(
            (len(faces), size, size, self.field, self.field, self.k1), np.float32
        )
        for row in range(self.field):
            for column in range(self.field):
                windows[:, :, :, row, column] = maps[
                    :, row : row + size, column : column + size
                ]
        return windows.reshape(len(faces), size, size, -1)

    def fit(self, X, y=None):
        random_state = check_random_state(self.random_state)
        self.first_layer_ = PatchKMeansEncoder(
            n_components=self.k1,
            pooling_grid=self.grid1,
            activation="soft_threshold",
            threshold=0.5,
            power=0.5,
            random_state=random_state.randint(2**31 - 1),
            n_jobs=CORES,
        ).fit(X)
        faces = X[
            random_state.choice(len(X), min(_SAMPLE_FACES, len(X)), replace=False)
        ]
        windows = self._windows(faces).reshape(-1, self.field**2 * self.k1)
        chosen = random_state.choice(
            len(windows), min(_SAMPLE_WINDOWS, len(windows)), replace=False
        )
        windows = windows[chosen].astype(np.float64)
        mean = windows.mean(axis=0)
        windows -= mean
        eigenvalues, eigenvectors = np.linalg.eigh(windows.T @ windows / len(windows))
        kept = np.argsort(eigenvalues)[::-1][: self.dimensions]
        eigenvalues, eigenvectors = eigenvalues[kept], eigenvectors[:, kept]
        eps = _WHITEN_EPS * eigenvalues.mean()
        self.whitening_ = (eigenvectors / np.sqrt(eigenvalues + eps)).astype(np.float32)
        self.mean_ = mean.astype(np.float32)
        whitened = (windows @ self.whitening_).astype(np.float32)
        kmeans = MiniBatchKMeans(
            self.k2,
            batch_size=4096,
            n_init=3,
            compute_labels=False,
            random_state=random_state.randint(2**31 - 1),
        ).fit(whitened)
        self.cluster_centers_ = kmeans.cluster_centers_.astype(np.float32)
        return self

    def _encode(self, faces):
        windows = self._windows(faces)
        n, size, _, length = windows.shape
        whitened = (windows.reshape(-1, length) - self.mean_) @ self.whitening_
        centers = self.cluster_centers_
        squared = (
            np.einsum("ij,ij->i", whitened, whitened)[:, None]
            - 2 * whitened @ centers.T
            + np.einsum("ij,ij->i", centers, centers)
        )
        distances = np.sqrt(np.maximum(squared, 0))
        activations = np.maximum(distances.mean(axis=1, keepdims=True) - distances, 0)
        activations = activations.reshape(n, size, size, -1)
        regions = _region_ranges(size, self.grid2)
        pooled = [
            activations[:, top:bottom, left:right].sum(axis=(1, 2))
            for top, bottom in regions
            for left, right in regions
        ]
        return np.sqrt(np.stack(pooled, axis=1).reshape(n, -1))

    def transform(self, X):
        starts = range(0, len(X), _CHUNK)
        return np.concatenate([self._encode(X[at : at + _CHUNK]) for at in starts])
