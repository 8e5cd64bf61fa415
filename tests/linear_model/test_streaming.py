"""StreamingFeatureClassifier: in-memory training's model, in bounded memory."""

import functools
import tracemalloc

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_fer.datasets import iter_fer2013, make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression, StreamingFeatureClassifier
from sklearn_fer.preprocessing import PatchKMeansEncoder
from sklearn_fer.preprocessing._images import mirror_faces, shift_faces
from sklearn_fer.utils import load_model, save_model


@pytest.fixture(scope="module")
def data():
    X, y = make_faces(320, random_state=0, return_X_y=True)
    return X, y


def encoder(**params):
    return PatchKMeansEncoder(
        **{
            "n_components": 16,
            "stride": 4,
            "n_patches": 2000,
            "random_state": 0,
            **params,
        }
    )


def sgd(**params):
    return SGDSoftmaxRegression(**{"random_state": 0, **params})


def streaming(**params):
    defaults = dict(transformer=encoder(), classifier=sgd(), random_state=0)
    return StreamingFeatureClassifier(**{**defaults, **params})


def test_one_chunk_is_the_pipelines_fit(data):
    # One chunk of all the faces in order, no flips, no validation: the same
    # features, statistics and epochs as fit, bit for bit.
    X, y = data
    pipeline = make_pipeline(encoder(), StandardScaler(), sgd(max_iter=4)).fit(X, y)
    model = streaming(chunk_size=len(X), max_iter=4).fit(X, y)
    np.testing.assert_array_equal(model.classifier_.coef_, pipeline[-1].coef_)
    np.testing.assert_array_equal(model.classifier_.intercept_, pipeline[-1].intercept_)
    assert model.loss_curve_ == pipeline[-1].loss_curve_
    np.testing.assert_array_equal(model.predict_proba(X), pipeline.predict_proba(X))
    assert model.n_iter_ == 4 and model.n_features_out_ == 16 * 16


@pytest.mark.parametrize("prefetch", [True, False])
def test_chunks_are_a_loop_of_partial_fit(data, prefetch):
    X, y = data
    fitted = encoder().fit(X)
    model = streaming(
        transformer=FrozenEstimator(fitted),
        chunk_size=100,
        max_iter=3,
        shuffle=False,
        prefetch=prefetch,
    ).fit(X, y)
    chunks = [slice(start, start + 100) for start in range(0, len(X), 100)]
    scaler = StandardScaler()
    for chunk in chunks:
        scaler.partial_fit(fitted.transform(X[chunk]))
    reference = sgd()
    for _ in range(3):
        for chunk in chunks:
            features = scaler.transform(fitted.transform(X[chunk]))
            reference.partial_fit(features, y[chunk], classes=np.arange(7))
    np.testing.assert_array_equal(model.classifier_.coef_, reference.coef_)
    sizes = [100, 100, 100, 20]
    expected = [
        np.average(reference.loss_curve_[epoch * 4 : epoch * 4 + 4], weights=sizes)
        for epoch in range(3)
    ]
    np.testing.assert_allclose(model.loss_curve_, expected, rtol=1e-12)


def test_early_stopping_is_that_of_fit(data):
    X, y = data
    X_train, y_train, X_val, y_val = X[:220], y[:220], X[220:], y[220:]
    # A step large enough to overfit within a few epochs.
    params = dict(learning_rate="constant", eta0=0.05, alpha=0)
    pipeline = make_pipeline(encoder(), StandardScaler()).fit(X_train)
    reference = sgd(early_stopping=True, n_iter_no_change=2, max_iter=30, **params).fit(
        pipeline.transform(X_train),
        y_train,
        eval_set=(pipeline.transform(X_val), y_val),
    )
    model = streaming(
        classifier=sgd(**params),
        chunk_size=len(X_train),
        max_iter=30,
        early_stopping=True,
        n_iter_no_change=2,
    ).fit(X_train, y_train, eval_set=(X_val, y_val))
    assert reference.n_iter_ < 30, "the case must stop early"
    assert model.n_iter_ == reference.n_iter_
    assert model.best_iteration_ == reference.best_iteration_
    assert model.validation_loss_curve_ == reference.validation_loss_curve_
    np.testing.assert_array_equal(model.classifier_.coef_, reference.coef_)


def test_validation_curve_and_restored_best_epoch_over_chunks(data):
    X, y = data
    params = dict(
        classifier=sgd(learning_rate="constant", eta0=0.05, alpha=0),
        chunk_size=64,
        validation_fraction=0.25,
        random_state=1,
    )
    model = streaming(max_iter=30, early_stopping=True, n_iter_no_change=2, **params)
    model.fit(X, y)
    curve = model.validation_loss_curve_
    assert len(curve) == len(model.loss_curve_) == model.n_iter_ < 30
    assert np.isfinite(curve).all()
    assert model.best_iteration_ == int(np.argmin(curve)) + 1 < model.n_iter_
    # The weights are those of the best epoch: training just that long (the
    # same held-out faces, chunks and draws) gives them.
    best = streaming(max_iter=model.best_iteration_, **params).fit(X, y)
    np.testing.assert_array_equal(model.classifier_.coef_, best.classifier_.coef_)
    assert best.validation_loss_curve_ == curve[: model.best_iteration_]


def _tiled(X):
    """8 copies of the pixels side by side: many features, cheaply."""
    return np.tile(np.asarray(X, dtype=np.float32) / 255, 8)


def test_tol_stops_on_a_plateau_or_warns(data):
    X, y = data
    model = streaming(max_iter=3, tol=10.0, n_iter_no_change=1).fit(X, y)
    assert model.n_iter_ == 2  # the second epoch did not improve by 10
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        streaming(max_iter=2, tol=0.0, n_iter_no_change=5).fit(X, y)


@pytest.mark.parametrize("cache", [False, True])
def test_memory_is_bounded_by_the_chunk(cache):
    # 1,600 faces x 18,432 features: 112 MiB of float32 features in all,
    # which the model never holds; its chunks of 100 faces are 7 MiB each.
    X, y = make_faces(1600, random_state=1, return_X_y=True)
    full_mib = len(X) * 18432 * 4 / 2**20
    model = streaming(
        transformer=FunctionTransformer(_tiled),
        chunk_size=100,
        max_iter=2,
        cache_features=cache,
    )
    tracemalloc.start()
    model.fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert model.n_features_out_ == 18432
    # Three chunks' features at a time (trained on, made, standardized).
    assert peak / 2**20 < full_mib / 4, peak / 2**20


@pytest.mark.parametrize("views", [dict(flip=True), dict(flip=True, shift=2)])
def test_cache_gives_the_same_model_to_float16_precision(data, views):
    X, y = data
    params = dict(chunk_size=64, max_iter=3, shuffle=True, **views)
    made = streaming(**params).fit(X, y)
    cached = streaming(**params, cache_features=True).fit(X, y)
    np.testing.assert_allclose(
        cached.classifier_.coef_, made.classifier_.coef_, rtol=0.02, atol=2e-4
    )
    assert np.mean(cached.predict(X) == made.predict(X)) > 0.97


def test_cache_folder_is_removed(data, tmp_path):
    X, y = data
    streaming(cache_features=True, cache_dir=tmp_path, max_iter=1).fit(X, y)
    assert list(tmp_path.iterdir()) == []


def test_flips_change_nothing_for_flip_invariant_features(data):
    X, y = data
    params = dict(chunk_size=64, max_iter=2, shuffle=False)
    plain = streaming(transformer=encoder(), **params)
    flipped = streaming(transformer=encoder(), flip=True, **params)
    assert not np.allclose(
        plain.fit(X, y).classifier_.coef_, flipped.fit(X, y).classifier_.coef_
    )
    invariant = encoder(flip_invariant=True)
    plain = streaming(transformer=invariant, **params).fit(X, y)
    flipped = streaming(transformer=invariant, flip=True, **params).fit(X, y)
    np.testing.assert_allclose(
        flipped.classifier_.coef_, plain.classifier_.coef_, rtol=1e-3, atol=1e-5
    )


def test_shifts_train_on_shifted_faces(data):
    # A transformer that records the faces it is given (its features: their
    # first row of pixels).
    X, y = data
    seen = []

    def spy(faces):
        seen.append(np.asarray(faces, dtype=np.float32))
        return np.asarray(faces, dtype=np.float32)[:, :48]

    params = dict(transformer=FunctionTransformer(spy), chunk_size=len(X), max_iter=1)
    streaming(**params, shift=3).fit(X, y)
    faces = seen[-1].reshape(-1, 48, 48)  # the epoch's chunk (pass 0 came first)
    views = [
        X.reshape(-1, 48, 48),
        shift_faces(X, 3, 0).reshape(-1, 48, 48),
        shift_faces(X, -3, 0).reshape(-1, 48, 48),
        shift_faces(X, 0, 3).reshape(-1, 48, 48),
        shift_faces(X, 0, -3).reshape(-1, 48, 48),
    ]
    matches = np.array(
        [
            [np.array_equal(face, view[i]) for view in views]
            for i, face in enumerate(faces)
        ]
    )
    assert matches.any(axis=1).all()  # every face is one of its views
    drawn = matches.argmax(axis=1)
    assert len(np.unique(drawn)) == 5  # and each view is drawn


def test_test_time_flip_scores_a_face_and_its_mirror_alike(data):
    X, y = data
    model = streaming(test_time_flip=True, max_iter=2).fit(X, y)
    mirrored = mirror_faces(X)
    np.testing.assert_array_equal(
        model.decision_function(X), model.decision_function(mirrored)
    )
    np.testing.assert_array_equal(model.predict(X), model.predict(mirrored))
    one_view = clone(model).set_params(test_time_flip=False).fit(X, y)
    expected = (one_view.predict_proba(X) + one_view.predict_proba(mirrored)) / 2
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-6)


def _write_csv(path, X, y):
    rows = [
        f'{label},"{" ".join(map(str, face))}"'
        for face, label in zip(X, y, strict=True)
    ]
    path.write_text("emotion,pixels\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize("cache", [False, True])
def test_fit_chunks_from_a_file_is_fit_on_the_same_chunks(data, tmp_path, cache):
    X, y = data
    path = tmp_path / "faces.csv"
    _write_csv(path, X, y)
    frozen = FrozenEstimator(encoder().fit(X))
    params = dict(transformer=frozen, chunk_size=100, max_iter=2, shuffle=False)
    expected = streaming(**params).fit(X, y)
    model = streaming(**params, cache_features=cache).fit_chunks(
        functools.partial(iter_fer2013, path, chunksize=100),
        eval_set=(X[:50], y[:50]),
    )
    tolerance = dict(rtol=0.02, atol=2e-4) if cache else dict(rtol=0, atol=0)
    np.testing.assert_allclose(
        model.classifier_.coef_, expected.classifier_.coef_, **tolerance
    )
    assert len(model.validation_loss_curve_) == 2
    np.testing.assert_array_equal(model.classes_, np.arange(7))


def test_fit_chunks_fits_the_transformer_on_the_first_chunk(data):
    X, y = data
    model = streaming(chunk_size=100, max_iter=1)
    model.fit_chunks(lambda: ((X[i : i + 100], y[i : i + 100]) for i in (0, 100)))
    reference = encoder().fit(X[:100])
    np.testing.assert_array_equal(
        model.transformer_.cluster_centers_, reference.cluster_centers_
    )
    assert model.n_features_in_ == 2304


def test_fit_dask_trains_it_block_by_block(data):
    da = pytest.importorskip("dask.array")
    from sklearn_fer.parallel import fit_dask

    X, y = data
    model = fit_dask(
        streaming(chunk_size=100),
        da.from_array(X, chunks=80),
        da.from_array(y, chunks=80),
        classes=np.arange(7),
        epochs=2,
        eval_set=(X[:40], y[:40]),
    )
    reference = streaming(chunk_size=100)
    for _ in range(2):
        for start in range(0, len(X), 80):
            last = start + 80 >= len(X)
            reference.partial_fit(
                X[start : start + 80],
                y[start : start + 80],
                classes=np.arange(7),
                eval_set=(X[:40], y[:40]) if last else None,
            )
    np.testing.assert_array_equal(model.classifier_.coef_, reference.classifier_.coef_)
    assert len(model.loss_curve_) == 8
    assert np.isfinite(model.validation_loss_curve_[3::4]).all()
    # The first block fitted the transformer and the scaler.
    np.testing.assert_array_equal(
        model.transformer_.cluster_centers_,
        encoder().fit(X[:80]).cluster_centers_,
    )


def test_a_proper_estimator(data, tmp_path):
    X, y = data
    model = streaming(max_iter=1)
    search = GridSearchCV(model, {"chunk_size": [100, 400]}, cv=2).fit(X, y)
    assert search.best_estimator_.classifier_.coef_.shape == (7, 256)
    fitted = search.best_estimator_
    loaded = load_model(save_model(fitted, tmp_path / "model.skops"))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    # partial_fit goes on from the loaded model.
    loaded.partial_fit(X[:50], y[:50])
    assert loaded.n_iter_ == fitted.n_iter_ + 1


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda m, X, y: m.partial_fit(X, y), ValueError, "classes must be passed"),
        (lambda m, X, y: m.fit_chunks([(X, y)]), TypeError, "chunks must be a func"),
        (
            lambda m, X, y: m.fit_chunks(lambda: iter([(X, None)])),
            ValueError,
            "Chunk 0 has no labels",
        ),
        (lambda m, X, y: m.fit_chunks(lambda: iter([])), ValueError, "no chunk"),
        (
            lambda m, X, y: m.fit(X, y, eval_set=(X,)),
            ValueError,
            r"eval_set must be a tuple \(X_val, y_val\)",
        ),
    ],
)
def test_errors_say_what_to_do(data, call, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        call(streaming(max_iter=1), X, y)


def test_cache_refuses_features_beyond_float16(data, tmp_path):
    X, y = data
    huge = make_pipeline(encoder(), FunctionTransformer(lambda X: X * 1e5))
    model = streaming(
        transformer=huge, cache_features=True, cache_dir=tmp_path, max_iter=1
    )
    with pytest.raises(ValueError, match="beyond float16"):
        model.fit(X, y)
    assert list(tmp_path.iterdir()) == []
