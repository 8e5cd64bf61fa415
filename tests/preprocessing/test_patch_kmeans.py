"""PatchKMeansEncoder against a patch-by-patch computation; invariances; errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.preprocessing import PatchKMeansEncoder

SMALL = dict(
    n_components=12, patch_size=6, pooling_grid=3, n_patches=3000, random_state=0
)


@pytest.fixture(scope="module")
def faces():
    return make_faces(30, random_state=0).images


@pytest.fixture(scope="module")
def encoder(faces):
    return PatchKMeansEncoder(**SMALL).fit(faces)


def reference_encoding(encoder, images):
    """The encoding written out patch by patch, in float64."""
    p = encoder.patch_size
    s = encoder.stride
    g = encoder.pooling_grid
    centers = encoder.cluster_centers_.astype(np.float64)
    features = []
    for image in images.astype(np.float64):
        floor = 0.01 * image.var()
        positions = range(0, image.shape[0] - p + 1, s)
        maps = np.zeros((len(positions), len(positions), len(centers)))
        for i, r in enumerate(positions):
            for j, c in enumerate(positions):
                patch = image[r : r + p, c : c + p].ravel()
                patch = (patch - patch.mean()) / np.sqrt(patch.var(ddof=1) + floor)
                whitened = (patch - encoder.whitening_mean_) @ encoder.whitening_
                if encoder.activation == "triangle":
                    z = cdist(whitened[None], centers)[0]
                    maps[i, j] = np.maximum(0, z.mean() - z)
                else:
                    atoms = centers / np.linalg.norm(centers, axis=1)[:, None]
                    maps[i, j] = np.maximum(0, atoms @ whitened - encoder.threshold)
        edges = [len(positions) * k // g for k in range(g + 1)]
        pooled = [
            getattr(np, encoder.pooling)(
                maps[edges[a] : edges[a + 1], edges[b] : edges[b + 1]], axis=(0, 1)
            )
            for a in range(g)
            for b in range(g)
        ]
        features.append(np.concatenate(pooled))
    return np.array(features)


@pytest.mark.parametrize(
    "params",
    [
        {},
        dict(activation="soft_threshold", threshold=0.1, pooling="mean"),
        dict(patch_size=5, stride=3, pooling_grid=2, whiten=False),
    ],
)
def test_matches_patch_by_patch_reference(faces, params):
    encoder = PatchKMeansEncoder(**{**SMALL, **params}).fit(faces)
    got = encoder.transform(faces[:3])
    assert got.dtype == np.float32
    expected = reference_encoding(encoder, faces[:3])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    assert np.count_nonzero(got) > got.size // 10


def test_whitening_whitens_and_centroids_are_patches(encoder, faces):
    assert encoder.cluster_centers_.shape == (12, 36)
    assert encoder.kmeans_.cluster_centers_ is encoder.cluster_centers_
    # ZCA: symmetric, and it takes the normalised patches to a covariance
    # whose eigenvalues are lambda / (lambda + 0.1), all at most 1.
    np.testing.assert_allclose(encoder.whitening_, encoder.whitening_.T, atol=1e-5)
    assert encoder.n_patches_seen_ == 3000


def test_affine_grey_levels_give_the_same_features(encoder, faces):
    expected = encoder.transform(faces)
    for scaled in (faces / 255.0, 3.0 * faces + 7.0, faces.astype(np.float32) / 255):
        np.testing.assert_allclose(
            encoder.transform(scaled), expected, rtol=1e-4, atol=1e-3
        )
    # An encoder fitted on 0-1 faces learns the same dictionary.
    refit = PatchKMeansEncoder(**SMALL).fit(faces / 255.0)
    np.testing.assert_allclose(
        refit.cluster_centers_, encoder.cluster_centers_, rtol=1e-3, atol=1e-3
    )


def test_same_features_from_rows_images_frames_batches_threads(encoder, faces):
    expected = encoder.transform(faces)
    flat = faces.reshape(len(faces), -1)
    frame = pd.DataFrame(flat, columns=[f"p{i}" for i in range(flat.shape[1])])
    fitted_on_rows = PatchKMeansEncoder(**SMALL).fit(flat)
    np.testing.assert_array_equal(fitted_on_rows.transform(flat), expected)
    np.testing.assert_array_equal(
        PatchKMeansEncoder(**SMALL).fit(frame).transform(frame), expected
    )
    for batch_size, n_jobs in [(1, None), (7, 2), (1000, None)]:
        encoder_b = PatchKMeansEncoder(**SMALL, batch_size=batch_size, n_jobs=n_jobs)
        got = encoder_b.fit(faces).transform(faces)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_fit_is_reproducible_and_input_untouched(faces):
    before = faces.copy()
    first = PatchKMeansEncoder(**SMALL).fit(faces)
    second = PatchKMeansEncoder(**SMALL).fit(faces)
    np.testing.assert_array_equal(faces, before)
    np.testing.assert_array_equal(first.cluster_centers_, second.cluster_centers_)
    other = PatchKMeansEncoder(**{**SMALL, "random_state": 1}).fit(faces)
    assert not np.allclose(other.cluster_centers_, first.cluster_centers_)


def test_partial_fit_keeps_the_first_chunks_whitening(faces):
    encoder = PatchKMeansEncoder(**{**SMALL, "n_patches": 2000})
    encoder.partial_fit(faces[:15])
    whitening = encoder.whitening_.copy()
    centers = encoder.cluster_centers_.copy()
    assert encoder.n_patches_seen_ == 2000
    encoder.partial_fit(faces[15:])
    np.testing.assert_array_equal(encoder.whitening_, whitening)
    assert not np.allclose(encoder.cluster_centers_, centers)
    assert encoder.n_patches_seen_ == 4000
    assert encoder.transform(faces).shape == (30, 9 * 12)
    # After fit, partial_fit continues from the fitted dictionary.
    fitted = PatchKMeansEncoder(**SMALL).fit(faces)
    whitening = fitted.whitening_.copy()
    fitted.partial_fit(faces[:5])
    np.testing.assert_array_equal(fitted.whitening_, whitening)
    assert fitted.n_patches_seen_ == 3000 + 3000


def test_partial_fit_chunks_learn_a_dictionary_like_fit():
    X, y = make_faces(600, random_state=0, return_X_y=True)
    streamed = PatchKMeansEncoder(n_components=32, n_patches=5000, random_state=0)
    for chunk in np.array_split(X[:400], 4):
        streamed.partial_fit(chunk)
    fitted = PatchKMeansEncoder(n_components=32, n_patches=20000, random_state=0)
    fitted.fit(X[:400])
    scores = []
    for encoder in (streamed, fitted):
        features = encoder.transform(X)
        scaler = StandardScaler().fit(features[:400])
        clf = SGDSoftmaxRegression(max_iter=20, random_state=0)
        clf.fit(scaler.transform(features[:400]), y[:400])
        scores.append(clf.score(scaler.transform(features[400:]), y[400:]))
    assert scores[0] > 0.25 and scores[1] > 0.25  # chance: 1/7
    assert abs(scores[0] - scores[1]) < 0.1


def test_feature_names_and_pandas_output(encoder, faces):
    names = encoder.get_feature_names_out()
    assert len(names) == 9 * 12 and len(set(names)) == len(names)
    assert names[0] == "patchkmeans_r0_c0_k0"
    assert names[12] == "patchkmeans_r0_c1_k0"
    frame = PatchKMeansEncoder(**SMALL).set_output(transform="pandas")
    out = frame.fit(faces).transform(faces)
    assert list(out.columns) == list(names)
    assert (out.dtypes == np.float32).all()


def test_in_a_pipeline_on_make_faces():
    X, y = make_faces(700, random_state=0, return_X_y=True)
    model = make_pipeline(
        PatchKMeansEncoder(n_components=32, n_patches=10000, random_state=0),
        StandardScaler(),
        SGDSoftmaxRegression(max_iter=20, random_state=0),
    )
    model.fit(X[:500], y[:500])
    # Synthetic faces differ by their global shape more than by local
    # texture: patches do worse than pixels (0.54) on them, far above chance.
    assert model.score(X[500:], y[500:]) > 0.25  # chance: 1/7


@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.zeros((5, 50)), {}, "50 features per row, which is not a square"),
        (np.zeros((5, 4, 4)), {}, r"patch_size=6 is larger than the images"),
        (np.zeros((5, 12, 12)), {"pooling_grid": 5}, "more regions than the 4 x 4"),
        (np.zeros((2, 8, 8)), {"n_components": 20, "pooling_grid": 1}, "Only 18 "),
        (np.zeros((5, 48, 48)), {"stride": (1, 0)}, "stride must be"),
        (np.full((5, 2304), np.inf), {}, "infinity"),
    ],
)
def test_bad_input_raises_clear_errors(X, params, match):
    with pytest.raises(ValueError, match=match):
        PatchKMeansEncoder(**{**SMALL, **params}).fit(X)


def test_transform_checks_the_fitted_faces(encoder, faces):
    with pytest.raises(ValueError, match="2304 features"):
        encoder.transform(np.zeros((2, 100)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(48, 48\)"):
        encoder.transform(faces.reshape(len(faces), 24, 96))


def test_flat_faces_are_all_encoded_alike(encoder):
    # No contrast: every patch normalises to zeros, whatever the grey level.
    features = encoder.transform(np.stack([np.full((48, 48), v) for v in (0, 9, 255)]))
    assert np.isfinite(features).all()
    np.testing.assert_array_equal(features[1:], features[[0, 0]])


def test_pickle_and_skops_round_trip(encoder, faces, tmp_path):
    expected = encoder.transform(faces)
    restored = pickle.loads(pickle.dumps(encoder))
    np.testing.assert_array_equal(restored.transform(faces), expected)

    skops_io = pytest.importorskip("skops.io")
    path = tmp_path / "encoder.skops"
    skops_io.dump(encoder, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    # The fitted MiniBatchKMeans and its RandomState are trusted by skops.
    assert untrusted == ["sklearn_fer.preprocessing._patch_kmeans.PatchKMeansEncoder"]
    loaded = skops_io.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.transform(faces), expected)
    # partial_fit goes on from the restored state.
    loaded.partial_fit(faces)
    restored.partial_fit(faces)
    np.testing.assert_allclose(loaded.cluster_centers_, restored.cluster_centers_)


def test_pyramid_pools_over_each_coarser_grid(encoder, faces):
    fine = clone(encoder).set_params(pooling_grid=4)
    fine.__dict__.update({k: v for k, v in vars(encoder).items() if k.endswith("_")})
    grids = [fine.set_params(pooling_grid=grid).transform(faces) for grid in (4, 2, 1)]
    pyramid = fine.set_params(pooling_grid=4, pyramid_levels=3)
    np.testing.assert_allclose(
        pyramid.transform(faces), np.hstack(grids), rtol=1e-6, atol=1e-5
    )
    names = pyramid.get_feature_names_out()
    assert len(names) == (16 + 4 + 1) * 12
    assert names[0] == "patchkmeans_4x4_r0_c0_k0"
    assert names[-1] == "patchkmeans_1x1_r0_c0_k11"
    # pooling_grid=5: 5 x 5, 3 x 3, 2 x 2 and 1 x 1 regions.
    pyramid.set_params(pooling_grid=5, pyramid_levels=4)
    assert pyramid.transform(faces[:2]).shape == (2, (25 + 9 + 4 + 1) * 12)


def test_power_raises_the_pooled_features(encoder, faces):
    plain = encoder.transform(faces)
    for power in (0.5, 0.3):
        powered = clone(encoder).set_params(power=power)
        powered.__dict__.update(
            {k: v for k, v in vars(encoder).items() if k.endswith("_")}
        )
        np.testing.assert_allclose(
            powered.transform(faces), plain**power, rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize(
    "params",
    [
        {},
        dict(activation="soft_threshold", threshold=0.5, power=0.5),
        dict(patch_size=5, stride=(2, 1), pooling_grid=(3, 2), pooling="mean"),
    ],
)
def test_flip_invariant_features_add_the_mirror_faces(faces, params):
    encoder = PatchKMeansEncoder(**{**SMALL, **params, "flip_invariant": True})
    features = encoder.fit(faces).transform(faces)
    mirrored = faces[:, :, ::-1]
    np.testing.assert_allclose(
        encoder.transform(mirrored), features, rtol=1e-4, atol=1e-4
    )
    # The whitening commutes with mirroring a patch.
    rows, columns = image_pair_of(encoder.patch_size)
    mirror = np.arange(rows * columns).reshape(rows, columns)[:, ::-1].ravel()
    whitening = encoder.whitening_
    np.testing.assert_array_equal(whitening[np.ix_(mirror, mirror)], whitening)
    np.testing.assert_array_equal(
        encoder.whitening_mean_[mirror], encoder.whitening_mean_
    )
    # By definition: the pooled activations of the face and of its mirror,
    # for the centroids, with a dictionary of the centroids and their mirrors.
    k = encoder.n_components
    both = clone(encoder).set_params(flip_invariant=False, n_components=2 * k, power=1)
    both.__dict__.update({k: v for k, v in vars(encoder).items() if k.endswith("_")})
    both.cluster_centers_ = np.vstack(
        [encoder.cluster_centers_, encoder.cluster_centers_[:, mirror]]
    )
    n_regions = features.shape[1] // k

    def pooled(images):
        return both.transform(images).reshape(len(images), n_regions, 2 * k)[..., :k]

    expected = (pooled(faces) + pooled(mirrored)).reshape(len(faces), -1)
    np.testing.assert_allclose(features, expected**encoder.power, rtol=1e-4, atol=1e-4)


def image_pair_of(size):
    return (size, size) if isinstance(size, int) else size


def test_flip_invariant_needs_symmetric_patch_positions(faces):
    encoder = PatchKMeansEncoder(**{**SMALL, "patch_size": 7, "flip_invariant": True})
    with pytest.raises(ValueError, match="choose a stride that divides 41"):
        encoder.fit(faces)
