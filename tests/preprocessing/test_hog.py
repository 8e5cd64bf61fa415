"""HOGTransformer against scikit-image's hog, on every input form, and its errors."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_fer.preprocessing._hog as hog_module
from sklearn_fer.datasets import make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.preprocessing import HOGTransformer

skimage_feature = pytest.importorskip("skimage.feature")


HOG_PARAMETERS = (
    "orientations",
    "pixels_per_cell",
    "cells_per_block",
    "block_norm",
    "transform_sqrt",
)


def skimage_hog(images, **params):
    """scikit-image's HOG of each image, with HOGTransformer's defaults."""
    defaults = HOGTransformer().get_params()
    params = {name: defaults[name] for name in HOG_PARAMETERS} | params
    return np.array([skimage_feature.hog(image, **params) for image in images])


@pytest.fixture(scope="module")
def faces():
    """Synthetic faces (uint8): flat regions, edges at every angle, noise."""
    return make_faces(24, random_state=0).images


PARAMETER_SETS = [
    dict(orientations=9, pixels_per_cell=(6, 6), cells_per_block=(2, 2)),
    # 45 and 90 degrees are bin edges: ties decided as scikit-image does.
    dict(orientations=8, pixels_per_cell=(8, 8), cells_per_block=(3, 3)),
    dict(orientations=4, pixels_per_cell=(4, 4), cells_per_block=(1, 1)),
    # Cell sizes that do not divide 48 (pixels past the last cell are left
    # out), non-square cells and blocks, 7 bins (edges not exact in float32).
    dict(orientations=7, pixels_per_cell=(5, 7), cells_per_block=(3, 1)),
    dict(orientations=12, pixels_per_cell=(3, 3), cells_per_block=(2, 4)),
]


@pytest.mark.parametrize("params", PARAMETER_SETS)
@pytest.mark.parametrize("block_norm", ["L1", "L1-sqrt", "L2", "L2-Hys"])
def test_matches_skimage_on_faces(faces, params, block_norm):
    expected = skimage_hog(faces, block_norm=block_norm, **params)
    got = HOGTransformer(block_norm=block_norm, **params).fit_transform(faces)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "to_dtype",
    [
        lambda x: x,
        lambda x: x.astype(np.float32) / 255,
        lambda x: x.astype(np.float64) / 255,
        lambda x: x.astype(np.int64),
        lambda x: x.astype(np.uint16) * 200,
    ],
    ids=["uint8", "float32/255", "float64/255", "int64", "uint16"],
)
@pytest.mark.parametrize("transform_sqrt", [False, True])
def test_matches_skimage_for_every_dtype(faces, to_dtype, transform_sqrt):
    images = to_dtype(faces)
    params = dict(orientations=8, pixels_per_cell=(6, 6), cells_per_block=(2, 2))
    expected = skimage_hog(images, transform_sqrt=transform_sqrt, **params)
    got = HOGTransformer(transform_sqrt=transform_sqrt, **params).fit_transform(images)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_matches_skimage_on_random_floats():
    # Gradients at arbitrary angles, many within float32 rounding of a bin edge.
    images = np.random.RandomState(0).rand(40, 30, 36)
    for orientations in (6, 9):
        params = dict(
            orientations=orientations, pixels_per_cell=(6, 6), cells_per_block=(2, 2)
        )
        expected = skimage_hog(images, **params)
        got = HOGTransformer(**params).fit_transform(images)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_edge_angles_binned_as_skimage():
    # Grey levels falling to the right: every gradient points at 180 degrees,
    # which float32's arctan2 puts at the end of the last bin and scikit-image
    # (float64, modulo 180) in bin 0. Only the exact re-binning of angles near
    # a bin edge gets it right; without it the features differ by ~1.
    ramp = np.tile(np.arange(48, 0, -1, dtype=np.uint8) * 5, (48, 1))
    steps = (np.arange(48)[:, None] + np.arange(48)[None, :]) % 7 * 30
    images = np.stack([ramp, ramp.T, steps.astype(np.uint8), ramp[::-1, ::-1]])
    for orientations in (4, 9):
        expected = skimage_hog(
            images,
            orientations=orientations,
            pixels_per_cell=(6, 6),
            cells_per_block=(2, 2),
        )
        got = HOGTransformer(
            orientations=orientations, pixels_per_cell=6, cells_per_block=2
        ).fit_transform(images)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_flat_rows_images_and_dataframes_agree(faces):
    expected = HOGTransformer().fit_transform(faces)
    flat = faces.reshape(len(faces), -1)
    frame = pd.DataFrame(flat, columns=[f"p{i}" for i in range(flat.shape[1])])
    for X in (flat, frame):
        np.testing.assert_array_equal(HOGTransformer().fit_transform(X), expected)
    # Lists become int64 arrays, worked on in float64 rather than float32.
    for X in (flat.tolist(), faces.tolist()):
        np.testing.assert_allclose(
            HOGTransformer().fit_transform(X), expected, atol=1e-6
        )


def test_non_square_images_by_image_shape():
    images = np.random.RandomState(1).randint(0, 256, size=(5, 24, 36))
    expected = skimage_hog(images)
    flat = images.reshape(5, -1)
    for image_shape in [(24, 36), (24, -1), (-1, 36)]:
        hog = HOGTransformer(image_shape=image_shape).fit(flat)
        assert hog.image_shape_ == (24, 36)
        np.testing.assert_allclose(hog.transform(flat), expected, atol=1e-5)
    np.testing.assert_allclose(
        HOGTransformer().fit_transform(images), expected, atol=1e-5
    )


def test_grey_scale_barely_matters(faces):
    # Every block is divided by its norm (+ eps=1e-5): 0-255 and 0-1 agree
    # except in nearly flat blocks.
    on_255 = HOGTransformer().fit_transform(faces)
    on_1 = HOGTransformer().fit_transform(faces / 255.0)
    np.testing.assert_allclose(on_255, on_1, atol=1e-4)


def test_batches_and_threads_give_the_same_result(faces, monkeypatch):
    expected = HOGTransformer().fit_transform(faces)
    np.testing.assert_array_equal(
        HOGTransformer(n_jobs=2).fit_transform(faces), expected
    )
    # Batches of 5 faces, the last one short.
    monkeypatch.setattr(hog_module, "_BATCH_PIXELS", 5 * 48 * 48)
    np.testing.assert_array_equal(HOGTransformer().fit_transform(faces), expected)


def test_stateless_input_untouched_no_samples(faces):
    before = faces.copy()
    out = HOGTransformer().transform(faces)  # no fit needed
    np.testing.assert_array_equal(faces, before)
    # Defaults: 6 x 6 cells of 8 x 8 pixels, 4 x 4 blocks of 3 x 3 cells.
    assert out.shape == (len(faces), 4 * 4 * 3 * 3 * 9)
    with pytest.raises(ValueError, match="0 sample"):
        HOGTransformer().fit(faces).transform(faces[:0])


def test_feature_names_and_pandas_output(faces):
    hog = HOGTransformer(orientations=4, pixels_per_cell=6, cells_per_block=1)
    names = hog.fit(faces).get_feature_names_out()
    assert len(names) == 8 * 8 * 4 and len(set(names)) == len(names)
    assert names[0] == "hog_block0_0_cell0_0_bin0"
    assert names[5] == "hog_block0_1_cell0_0_bin1"
    frame = hog.set_output(transform="pandas").transform(faces)
    assert list(frame.columns) == list(names)
    assert (frame.dtypes == np.float32).all()


def test_in_a_pipeline_on_make_faces():
    X, y = make_faces(700, random_state=0, return_X_y=True)
    model = make_pipeline(
        HOGTransformer(),
        StandardScaler(),
        SGDSoftmaxRegression(max_iter=20, random_state=0),
    )
    model.fit(X[:500], y[:500])
    # Seven balanced classes: chance is 1/7.
    assert model.score(X[500:], y[500:]) > 0.4


@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.zeros((2, 50)), {}, "50 features per row, which is not a square"),
        (np.zeros((2, 10, 10)), {}, r"too small for pixels_per_cell=\(8, 8\)"),
        (np.zeros((2, 48, 48)), {"image_shape": (24, 96)}, r"shape \(48, 48\)"),
        (np.zeros((2, 100)), {"image_shape": (3, -1)}, "does not fit the 100"),
        (np.zeros((2, 100)), {"image_shape": (0, 100)}, "image_shape must be"),
        (np.zeros((2, 2304)), {"pixels_per_cell": (6, 0)}, "pixels_per_cell must"),
        (np.zeros((2, 2304)), {"cells_per_block": (1, 2, 3)}, "cells_per_block must"),
        (np.full((2, 2304), np.nan), {}, "NaN"),
        (np.array([["a"] * 2304]), {}, "could not convert|numeric"),
    ],
)
def test_bad_input_raises_clear_errors(X, params, match):
    with pytest.raises(ValueError, match=match):
        HOGTransformer(**params).fit(X)


def test_pixel_range_errors_name_the_row():
    X = np.zeros((3, 2304))
    X[2, 7] = -1
    with pytest.raises(ValueError, match=r"Negative values .* \(row 2 of X\)"):
        HOGTransformer(transform_sqrt=True).fit_transform(X)
    X[1, 0] = 1e20
    with pytest.raises(ValueError, match=r"Row 1 of X has pixel values beyond"):
        HOGTransformer(transform_sqrt=False).fit_transform(X)


def test_transform_checks_the_fitted_shape(faces):
    hog = HOGTransformer().fit(faces)
    with pytest.raises(ValueError, match="2304 features"):
        hog.transform(np.zeros((2, 100)))
    wide = HOGTransformer().fit(faces.reshape(len(faces), 24, 96))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(24, 96\)"):
        wide.transform(faces)


def test_pickle_and_skops_round_trip(faces, tmp_path):
    hog = HOGTransformer(orientations=6, block_norm="L1").fit(faces)
    expected = hog.transform(faces)
    restored = pickle.loads(pickle.dumps(hog))
    np.testing.assert_array_equal(restored.transform(faces), expected)

    skops_io = pytest.importorskip("skops.io")
    path = tmp_path / "hog.skops"
    skops_io.dump(hog, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert untrusted == ["sklearn_fer.preprocessing._hog.HOGTransformer"]
    loaded = skops_io.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.transform(faces), expected)


def test_package_does_not_import_skimage():
    code = (
        "import sys, numpy as np\n"
        "from sklearn_fer.preprocessing import HOGTransformer\n"
        "HOGTransformer().fit_transform(np.zeros((2, 2304)))\n"
        "print('skimage' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
