"""scikit-learn's estimator checks on every public estimator of sklearn-fer.

FER2013Transformer takes strings (``input_tags.string``, no 2-D numeric input,
like CountVectorizer), so scikit-learn runs only its API checks on it and warns
that it skips the numeric ones; its behaviour on real input (containers,
pipelines, set_output, bad rows) is tested in
``tests/preprocessing/test_fer2013_transformer.py``.

StreamingFeatureClassifier runs with a StandardScaler as its transformer: the
checks' blobs are no faces, and what they test is how it streams, validates
and predicts (tests/linear_model/test_streaming.py trains it on patch
features of faces).

HOGTransformer and PatchKMeansEncoder take faces; the checks feed small
matrices of 1 to 20 columns that are not square images. They run on each
row as a one-pixel-high image (``image_shape=(1, -1)``), with cells, blocks
and patches small enough for it: the checks then exercise the real code
paths (gradients, binning, normalisation; patches, whitening, k-means,
encoding, pooling), and no check is skipped or expected to fail.
HOGTransformer's default ``transform_sqrt=True`` needs non-negative pixels: it
says so by the ``positive_only`` tag, so the checks feed it non-negative data
and check that it refuses negative values. The defaults on 48 x 48 faces are
tested in ``tests/preprocessing``.

No check is expected to fail. The SGD estimators pass
``check_sample_weight_equivalence_on_dense_data`` with their defaults (one
full batch on the checks' tiny data sets, and an ``eta0='auto'`` step that
weights and repeated rows give alike), and ``eta0='auto'`` trains on the
checks' unscaled data (features around 100) where a fixed step diverged.
"""

import pytest
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_fer.linear_model import (
    SGDLogisticRegression,
    SGDSoftmaxRegression,
    StreamingFeatureClassifier,
)
from sklearn_fer.preprocessing import (
    FER2013Transformer,
    HOGTransformer,
    PatchKMeansEncoder,
)

ESTIMATORS = [
    SGDLogisticRegression(),
    SGDSoftmaxRegression(),
    FER2013Transformer(),
    HOGTransformer(image_shape=(1, -1), pixels_per_cell=1, cells_per_block=1),
    PatchKMeansEncoder(
        image_shape=(1, -1),
        patch_size=(1, 2),
        stride=1,
        pooling_grid=1,
        n_components=2,
        n_patches=200,
        random_state=0,
    ),
    PatchKMeansEncoder(
        image_shape=(1, -1),
        patch_size=(1, 2),
        stride=1,
        pooling_grid=1,
        pyramid_levels=2,
        n_components=2,
        n_patches=200,
        power=0.5,
        flip_invariant=True,
        activation="soft_threshold",
        random_state=0,
    ),
    StreamingFeatureClassifier(
        StandardScaler(), SGDSoftmaxRegression(random_state=0), random_state=0
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_param_validation(estimator):
    # Not part of parametrize_with_checks: constraints must cover every parameter.
    check_param_validation(type(estimator).__name__, estimator)
