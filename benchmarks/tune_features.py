"""How the best patch features were chosen: cross-validation on FER2013 Training only.

PublicTest is never looked at here. Two protocols:

``screen``
    3-fold stratified CV on 10,000 Training faces (a fixed stratified draw);
    each dictionary is learned from the *other* 18,709 Training faces, so no
    fold's test faces shape the features that score them.
``holdout``
    One stratified split of Training: dictionary and model fitted on 20,096
    faces, scored on the other 8,613 (more faces favour larger dictionaries).
``stream``
    The same split, the lever trained by StreamingFeatureClassifier from a
    float16 cache (for the finalists whose features, with their shifted
    views, are too many for memory).

Each lever is a named entry of ``LEVERS``: a transformer of the faces and,
optionally, how the linear model is trained on its (standardized) features.
Features are computed once per transformer and shared by the levers that
only change the model. Entries with ``views`` also train on other views of
every training face (encoded like any face): its mirror image (whose scores
are also averaged with the face's at test time; ``flip_invariant`` encoders
get the same effect from one encoding) or the face shifted by 2 pixels.
Every figure is SGDSoftmaxRegression accuracy (7 emotions), or scikit-learn's
LogisticRegression's for the levers that give it a ``C``.

Features are kept in ``$TUNE_FEATURES_CACHE`` (a folder) when it is set, so
that later runs with other models on them skip the encoding. Run (1 thread
is enough, the machine is shared)::

    SKLEARN_FER_DATA=... python -m benchmarks.tune_features screen base sqrt ...
    SKLEARN_FER_DATA=... python -m benchmarks.tune_features holdout k1600 ...
    python -m benchmarks.tune_features list
"""

import hashlib
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from benchmarks._common import data_path_or_exit, machine
from benchmarks._second_layer import SecondLayerKMeans
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.linear_model import SGDSoftmaxRegression, StreamingFeatureClassifier
from sklearn_fer.preprocessing import HOGTransformer, PatchKMeansEncoder
from sklearn_fer.utils._files import atomic_file

SCREEN_FACES = 10_000
HOLDOUT_TEST = 0.3
SEED = 0


#: The best single-layer encoder of the screening, on which later levers build.
FLIP_SOFT = dict(
    flip_invariant=True, power=0.5, activation="soft_threshold", threshold=0.5
)


def patches(**params):
    return PatchKMeansEncoder(**{"random_state": SEED, **params})


def lever(*, model=None, views=(), **params):
    """A lever: PatchKMeansEncoder(**params), the model's params, extra views."""
    return (lambda: patches(**params)), model or {}, tuple(views)


def shifted(rows, columns):
    """The faces moved by ``rows`` down and ``columns`` right, edges repeated."""

    def shift(faces):
        images = faces.reshape(-1, 48, 48)
        pad = max(abs(rows), abs(columns))
        padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)), mode="edge")
        top, left = pad - rows, pad - columns
        return padded[:, top : top + 48, left : left + 48].reshape(len(faces), -1)

    return shift


def mirrored(faces):
    return faces.reshape(-1, 48, 48)[:, :, ::-1].reshape(len(faces), -1)


#: Other views of a face that levers may train on; "mirror" is also averaged
#: with the face at test time.
VIEWS = {
    "mirror": mirrored,
    **{
        name: shifted(rows, columns)
        for name, (rows, columns) in {
            "down2": (2, 0),
            "up2": (-2, 0),
            "right2": (0, 2),
            "left2": (0, -2),
        }.items()
    },
}
SHIFTS = ("down2", "up2", "right2", "left2")


def union(*param_sets, hog=False, model=None):
    """A lever: PatchKMeansEncoders (and HOG) side by side, the model's params."""
    steps = [(f"patches{i}", params) for i, params in enumerate(param_sets)]

    def factory():
        transformers = [(name, patches(**params)) for name, params in steps]
        return FeatureUnion(transformers + [("hog", HOGTransformer())] * hog)

    return factory, model or {}, ()


def second_layer(*, beside_first=False, **params):
    """A lever: SecondLayerKMeans(**params), alone or beside the best first
    layer (1024 flip-invariant centroids), trained for 16 epochs."""

    def factory():
        second = SecondLayerKMeans(random_state=SEED, **params)
        if not beside_first:
            return second
        first = patches(**FLIP_SOFT, n_components=1024)
        return FeatureUnion([("first", first), ("second", second)])

    return factory, {"max_iter": 16}, ()


#: name -> (transformer factory, SGDSoftmaxRegression params, extra views)
LEVERS = {
    "base": lever(),
    # Pooled features: square root, power, pyramid, finer grids.
    "sqrt": lever(power=0.5),
    "power0.3": lever(power=0.3),
    "pyramid_sqrt": lever(pyramid_levels=3, power=0.5),
    # Encoder.
    "soft0.5_sqrt": lever(activation="soft_threshold", threshold=0.5, power=0.5),
    # Mirror images: as training faces (and test-time averaging), or built in.
    "mirror_sqrt": lever(power=0.5, views=["mirror"]),
    "flip_sqrt": lever(flip_invariant=True, power=0.5),
    # The linear model.
    "sqrt_alpha1e-3": lever(power=0.5, model={"alpha": 1e-3}),
    "sqrt_alpha3e-2": lever(power=0.5, model={"alpha": 3e-2}),
    "sqrt_iter20": lever(power=0.5, model={"max_iter": 20}),
    # On flip-invariant features.
    **{
        f"flip_soft{threshold}_sqrt": lever(
            flip_invariant=True,
            power=0.5,
            activation="soft_threshold",
            threshold=threshold,
        )
        for threshold in (0.25, 0.5, 1)
    },
    "flip_pyramid_sqrt": lever(flip_invariant=True, power=0.5, pyramid_levels=3),
    "flip_grid5_sqrt": lever(flip_invariant=True, power=0.5, pooling_grid=5),
    "flip_k1024_sqrt": lever(flip_invariant=True, power=0.5, n_components=1024),
    "flip_p6_sqrt": lever(flip_invariant=True, power=0.5, patch_size=6),
    "flip_p10_sqrt": lever(flip_invariant=True, power=0.5, patch_size=10),
    "flip_hog_sqrt": union(dict(flip_invariant=True, power=0.5), hog=True),
    # On the best of these (FLIP_SOFT), with more faces (holdout).
    "fs512": lever(**FLIP_SOFT),
    "fs1024": lever(**FLIP_SOFT, n_components=1024),
    "fs1600": lever(**FLIP_SOFT, n_components=1600),
    **{
        f"fs{k}_iter{epochs}": lever(
            **FLIP_SOFT, n_components=k, model={"max_iter": epochs}
        )
        for k in (1024, 1600, 2048)
        for epochs in (16, 24, 32)
    },
    "fs2048": lever(**FLIP_SOFT, n_components=2048),
    **{
        f"fs1024_logistic_C{C:g}": lever(
            **FLIP_SOFT, n_components=1024, model={"C": C, "max_iter": 300}
        )
        for C in (1e-3, 3e-3, 1e-2)
    },
    "fs1024_alpha3e-2": lever(**FLIP_SOFT, n_components=1024, model={"alpha": 3e-2}),
    **{
        f"fs1024_alpha{alpha:g}_iter{epochs}": lever(
            **FLIP_SOFT,
            n_components=1024,
            model={"alpha": alpha, "max_iter": epochs},
        )
        for alpha in (0.03, 0.05)
        for epochs in (16, 32)
    },
    "fs1024_alpha0.05_eta0.03_iter32": lever(
        **FLIP_SOFT,
        n_components=1024,
        model={"alpha": 0.05, "eta0": 0.03, "max_iter": 32},
    ),
    "fs1024_alpha0.05_adaptive_iter32": lever(
        **FLIP_SOFT,
        n_components=1024,
        model={"alpha": 0.05, "learning_rate": "adaptive", "max_iter": 32},
    ),
    "fs1024_logistic_C0.0003": lever(
        **FLIP_SOFT, n_components=1024, model={"C": 3e-4, "max_iter": 300}
    ),
    "fs1024_pyramid": lever(**FLIP_SOFT, n_components=1024, pyramid_levels=3),
    **{
        f"fs1024_pyramid_iter{epochs}": lever(
            **FLIP_SOFT,
            n_components=1024,
            pyramid_levels=3,
            model={"max_iter": epochs},
        )
        for epochs in (16, 24)
    },
    "fs512_p8p10": union(FLIP_SOFT, {**FLIP_SOFT, "patch_size": 10}),
    # Several patch sizes side by side, against more centroids of one size.
    "fs512_p6p8p10": union(
        {**FLIP_SOFT, "patch_size": 6}, FLIP_SOFT, {**FLIP_SOFT, "patch_size": 10}
    ),
    "fs512_p8p12": union(FLIP_SOFT, {**FLIP_SOFT, "patch_size": 12}),
    **{
        f"fs512_p8p{size}_iter16": union(
            FLIP_SOFT, {**FLIP_SOFT, "patch_size": size}, model={"max_iter": 16}
        )
        for size in (10, 12)
    },
    "fs1024_p8p10": union(
        {**FLIP_SOFT, "n_components": 1024},
        {**FLIP_SOFT, "n_components": 1024, "patch_size": 10},
    ),
    **{
        f"fs1024_p8p10_iter{epochs}": union(
            {**FLIP_SOFT, "n_components": 1024},
            {**FLIP_SOFT, "n_components": 1024, "patch_size": 10},
            model={"max_iter": epochs},
        )
        for epochs in (16, 24)
    },
    # The linear model on them.
    **{
        f"fs512_{name}": lever(**FLIP_SOFT, model=model)
        for name, model in {
            "eta3e-3": {"eta0": 3e-3},
            "eta3e-2": {"eta0": 3e-2},
            "iter5": {"max_iter": 5},
            "iter16": {"max_iter": 16},
            "iter24": {"max_iter": 24},
            "alpha1e-1": {"alpha": 1e-1},
            "alpha1e-3": {"alpha": 1e-3},
            "batch512": {"batch_size": 512},
        }.items()
    },
    "fs512_l2": (
        lambda: make_pipeline(patches(**FLIP_SOFT), Normalizer()),
        {},
        (),
    ),
    "fs512_shifts": lever(**FLIP_SOFT, views=SHIFTS),
    "fs512_shifts_random_iter16": lever(
        **FLIP_SOFT, views=SHIFTS, model={"max_iter": 16, "views": "random"}
    ),
    "fs1024_iter16_shifts_random": lever(
        **FLIP_SOFT,
        n_components=1024,
        views=SHIFTS,
        model={"max_iter": 16, "views": "random"},
    ),
    "fs1024_pyramid_iter24_shifts_random": lever(
        **FLIP_SOFT,
        n_components=1024,
        pyramid_levels=3,
        views=SHIFTS,
        model={"max_iter": 24, "views": "random"},
    ),
    "fs1024_iter24_shifts_random": lever(
        **FLIP_SOFT,
        n_components=1024,
        views=SHIFTS,
        model={"max_iter": 24, "views": "random"},
    ),
    # Every patch encoded (stride 1: 4 times the positions and the encoding).
    **{
        f"fs{k}_stride1_iter16": lever(
            **FLIP_SOFT, n_components=k, stride=1, model={"max_iter": 16}
        )
        for k in (512, 1024)
    },
    # A second layer (k-means on windows of pooled first-layer maps), against
    # the map it is built on (256 centroids pooled over 7 x 7 regions).
    "k256_grid7_iter16": lever(
        activation="soft_threshold",
        threshold=0.5,
        power=0.5,
        n_components=256,
        pooling_grid=7,
        model={"max_iter": 16},
    ),
    "l2_k256": second_layer(),
    "l2_k256_grid3": second_layer(grid2=3),
    "l2_k256_field3": second_layer(field=3, dimensions=384),
    "l2_k512_k2048_grid3": second_layer(k1=512, k2=2048, dimensions=384, grid2=3),
    "fs1024_l2_k256_grid3": second_layer(grid2=3, beside_first=True),
    "fs1024_l2_k512_k2048_grid3": second_layer(
        k1=512, k2=2048, dimensions=384, grid2=3, beside_first=True
    ),
}


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def fit_score(train_views, y_train, X_test, y_test, params, n_test_views=1):
    """Accuracy of SGDSoftmaxRegression on standardized features.

    ``train_views`` holds the features of the training faces, then of each
    of their other views: all are trained on every epoch, or, with
    ``params["views"] == "random"``, one view of each face drawn anew each
    epoch (the faces' own included). With ``n_test_views`` 2, ``X_test``
    holds the test faces then their mirrors, whose scores are averaged.
    """
    params = dict(params)
    random_views = params.pop("views", None) == "random"
    scaler = StandardScaler()
    for X in train_views:
        scaler.partial_fit(X.astype(np.float32))
    X_test = scaler.transform(X_test.astype(np.float32))
    if "C" in params:  # the exact solution, for comparison
        model = LogisticRegression(**params)
    else:
        # eta0=0.01: the step every lever was chosen with (SGDSoftmaxRegression's
        # default then); 'auto', today's default, is cautious on these
        # thousands of correlated features and would not reproduce the table.
        model = SGDSoftmaxRegression(random_state=SEED, **{"eta0": 0.01, **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if random_views:
            rng = np.random.RandomState(SEED)
            for _ in range(model.max_iter):
                view = rng.randint(len(train_views), size=len(y_train))
                X_train = np.empty(train_views[0].shape, np.float32)
                for index, X in enumerate(train_views):
                    X_train[view == index] = X[view == index]
                model.partial_fit(
                    scaler.transform(X_train, copy=False), y_train, classes=range(7)
                )
        else:
            X_train = np.concatenate(train_views).astype(np.float32)
            y_train = np.tile(y_train, len(train_views))
            model.fit(scaler.transform(X_train, copy=False), y_train)
    scores = model.decision_function(X_test).reshape(n_test_views, len(y_test), -1)
    predicted = model.classes_[scores.mean(axis=0).argmax(axis=1)]
    return float(np.mean(predicted == y_test))


def transform_float16(transformer, faces, chunk=2048):
    """``transformer``'s features of ``faces`` in float16, made ``chunk`` at a time."""
    parts = [
        transformer.transform(faces[start : start + chunk]).astype(np.float16)
        for start in range(0, len(faces), chunk)
    ]
    return np.concatenate(parts)


def cached(protocol, name, transformer, fit_faces, faces, views, n_trained):
    """``encode``, its results kept in $TUNE_FEATURES_CACHE (if set) for later runs."""
    folder = os.environ.get("TUNE_FEATURES_CACHE")
    if not folder:
        return encode(name, transformer, fit_faces, faces, views, n_trained)
    key = hashlib.sha256(f"{protocol} {transformer!r}".encode()).hexdigest()[:16]
    paths = {view: Path(folder) / f"{key}-{view}.npy" for view in ("faces", *views)}
    found = {view: np.load(path) for view, path in paths.items() if path.exists()}
    if found:
        print(f"  [{name}] features read: {', '.join(found)}", flush=True)
    missing = [view for view in paths if view not in found]
    if missing:
        if "faces" in found:  # the dictionary is learned again, the same
            transformer.fit(fit_faces)
        made = encode(
            name,
            transformer,
            fit_faces,
            faces,
            missing,
            n_trained,
            fitted="faces" in found,
        )
        Path(folder).mkdir(parents=True, exist_ok=True)
        for view in missing:
            # Whole or not at all: a half-written file would be read back
            # by the next run as features.
            with atomic_file(paths[view], sync=False) as file:
                np.save(file, made[view])
        found.update(made)
    return found


def encode(name, transformer, fit_faces, faces, views, n_trained, fitted=False):
    """Fit ``transformer`` on ``fit_faces``; features of ``faces``' ``views``
    ("faces" for the faces themselves; the shifted views of the first
    ``n_trained`` faces only)."""
    fit_s = 0.0
    if not fitted:
        fit_s, _ = timed(lambda: transformer.fit(fit_faces))
    made, started, n_encoded = {}, time.perf_counter(), 0
    for view in views:
        # Only the faces trained on need their shifted views.
        shown = faces[:n_trained] if view in SHIFTS else faces
        if view != "faces":
            shown = VIEWS[view](shown)
        made[view] = transform_float16(transformer, shown)
        n_encoded += len(shown)
    encode_s = time.perf_counter() - started
    print(
        f"  [{name}] {made[views[0]].shape[1]} features; fit {fit_s:.0f} s, "
        f"encoding {encode_s / n_encoded * 1e3:.2f} ms a face "
        f"(1 thread): {', '.join(views)}",
        flush=True,
    )
    return made


def evaluate(protocol, names, faces, y):
    rng_split = StratifiedKFold(3, shuffle=True, random_state=SEED)
    if protocol == "screen":
        dictionary, subset = train_test_split(
            np.arange(len(y)), test_size=SCREEN_FACES, stratify=y, random_state=SEED
        )
        folds = list(rng_split.split(subset, y[subset]))
        n_trained = len(subset)
    else:
        fitted, scored = train_test_split(
            np.arange(len(y)), test_size=HOLDOUT_TEST, stratify=y, random_state=SEED
        )
        dictionary, subset = fitted, np.concatenate([fitted, scored])
        folds = [(np.arange(len(fitted)), np.arange(len(fitted), len(subset)))]
        n_trained = len(fitted)
    print(
        f"{protocol}: {len(subset):,} faces scored in {len(folds)} fold(s), "
        f"dictionaries from {len(dictionary):,} faces ({machine()})",
        flush=True,
    )
    cache = {}
    for name in names:
        factory, params, views = LEVERS[name]
        transformer = factory()
        key = (repr(transformer), views)
        if key not in cache:
            cache.clear()  # one set of features in memory at a time
            cache[key] = cached(
                protocol,
                name,
                transformer,
                faces[dictionary],
                faces[subset],
                ("faces", *views),
                n_trained,
            )
        features = cache[key]
        test_views = ["faces", *(["mirror"] if "mirror" in views else [])]
        started = time.perf_counter()
        scores = []
        for train, test in folds:
            if np.array_equal(train, np.arange(len(train))):
                train = slice(0, len(train))  # a view, not a copy
            train_views = [features[view][train] for view in ("faces", *views)]
            X_test = np.concatenate([features[view][test] for view in test_views])
            scores.append(
                fit_score(
                    train_views,
                    y[subset][train],
                    X_test,
                    y[subset][test],
                    params,
                    len(test_views),
                )
            )
        spread = f" +- {np.std(scores):.4f}" if len(scores) > 1 else ""
        print(
            f"{name}: {np.mean(scores):.4f}{spread} "
            f"(models {time.perf_counter() - started:.0f} s) "
            f"{transformer!r} {params or ''}"
            f"{' + views ' + ', '.join(views) if views else ''}",
            flush=True,
        )


def stream(names, faces, y):
    """The holdout split, each lever trained by StreamingFeatureClassifier.

    Its features go to a float16 cache on disk, never all in memory; views
    drawn at random each epoch (levers whose views are SHIFTS: ``shift=2``).
    """
    fitted, scored = train_test_split(
        np.arange(len(y)), test_size=HOLDOUT_TEST, stratify=y, random_state=SEED
    )
    print(f"stream: fit on {len(fitted):,} faces, scored on {len(scored):,}")
    for name in names:
        factory, params, views = LEVERS[name]
        params = {key: value for key, value in params.items() if key != "views"}
        model = StreamingFeatureClassifier(
            factory(),
            SGDSoftmaxRegression(random_state=SEED, **params),
            chunk_size=1024,
            max_iter=params.get("max_iter", 8),
            shift=2 if views == SHIFTS else 0,
            cache_features=True,
            random_state=SEED,
            verbose=1,
        )
        seconds, _ = timed(lambda model=model: model.fit(faces[fitted], y[fitted]))
        print(
            f"{name}: {model.score(faces[scored], y[scored]):.4f} (streamed, "
            f"{seconds:.0f} s) {model.transformer_!r} {params}"
            f"{' + shift=2' if model.shift else ''}",
            flush=True,
        )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("screen", "holdout", "stream", "list"):
        raise SystemExit(__doc__)
    if argv[0] == "list":
        print("\n".join(LEVERS))
        return
    unknown = [name for name in argv[1:] if name not in LEVERS]
    if unknown:
        raise SystemExit(f"unknown levers {unknown}; see: list")
    path = data_path_or_exit()
    bunch = load_fer2013(path, usage="Training")
    if argv[0] == "stream":
        stream(argv[1:], bunch.data, bunch.target)
        return
    evaluate(argv[0], argv[1:] or list(LEVERS), bunch.data, bunch.target)


if __name__ == "__main__":
    main()
