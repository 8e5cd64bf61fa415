"""Raw pixels, HOG and k-means patch features on FER2013, with two linear models.

Fits on Training, scores on PublicTest. First every transformer and model with
its defaults: each representation is standardized and fed to
SGDSoftmaxRegression and to scikit-learn's LogisticRegression; the report
gives the time to make the features (learning included), each fit's time and
the PublicTest accuracy, and the happy-vs-rest ROC AUC of
SGDLogisticRegression on the patch features beside raw pixels.

Then the best patch features (``train --features kmeans-flip``, chosen by
cross-validation on Training: benchmarks/tune_features.py), too many for
memory on 2 cores' budget: the whole pipeline (dictionary, features,
training) by StreamingFeatureClassifier from a float16 cache, its PublicTest
accuracy, the happy-vs-rest ROC AUC, prediction speed (target: 500 faces/s),
the size of the fitted model, and LogisticRegression on the same features in
memory beside it. An epoch's time re-encoding the faces (with and without
making the next chunk while SGD trains) against reading the cache, on a
subset. The peak memory of streaming training from the FER2013 file with
features whose full matrix exceeds 4 GB (a fresh process, its maximum
resident size; target: under 2 GB).

Last, HOGTransformer's speed against a loop over ``skimage.feature.hog``
(timed on a subset, extrapolated to all faces), and the peak memory of
encoding all faces with PatchKMeansEncoder (tracemalloc) for two batch sizes.

Run: ``SKLEARN_FER_DATA=... python -m benchmarks features [--readme]``; one
part alone (of ``SECTIONS``): ``python -m benchmarks.bench_features memory``.
"""

import functools
import importlib.util
import multiprocessing
import os
import resource
import sys
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from benchmarks._common import CORES, data_path_or_exit, machine, markdown_table, report
from sklearn_fer._cli._options import FEATURES
from sklearn_fer.datasets import EMOTIONS, iter_fer2013, load_fer2013
from sklearn_fer.linear_model import (
    SGDLogisticRegression,
    SGDSoftmaxRegression,
    StreamingFeatureClassifier,
)
from sklearn_fer.preprocessing import HOGTransformer, PatchKMeansEncoder

#: Faces that the scikit-image loop is timed on.
SKIMAGE_SUBSET = 2000
#: Faces that PatchKMeansEncoder's threads are timed on.
THREADS_SUBSET = 4000
LOGISTIC_C = 0.01
#: LogisticRegression on the best features: C chosen on the Training holdout
#: (benchmarks/tune_features.py: C 0.0003 / 0.001 / 0.003 / 0.01 gave
#: .537 / .542 / .536 / .525).
BEST_LOGISTIC = {"C": 1e-3, "max_iter": 300}
#: The best patch features: the command line's --features kmeans-flip.
BEST = "kmeans-flip"
#: Epochs of SGDSoftmaxRegression on them, as the command line trains it.
BEST_EPOCHS = FEATURES[BEST][2]["max_iter"]
#: Its step, as the command line trains it (the value it was chosen with).
BEST_ETA0 = FEATURES[BEST][2]["eta0"]
#: Training faces whose epochs are timed, re-encoded or read from the cache.
EPOCH_SUBSET = 4096
#: Features of the peak-memory run: 8 x 8 regions x 640 centroids = 40,960
#: a face, 4.4 GiB of float32 for the Training faces.
BIG_FEATURES = dict(
    n_components=640, pooling_grid=8, activation="soft_threshold", threshold=0.5
)
BIG_CHUNK = 512
PIPELINE_TARGET_S = 15 * 60
BEST_HEADER = [
    "model",
    "pipeline (s)",
    "accuracy",
    "macro-F1",
    "happy ROC AUC",
    "predict (faces/s)",
]


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def representations(faces, train, test, encoder):
    """(name, seconds to make the features, X_train, X_test) for each one."""
    seconds, pixels = timed(lambda: faces.astype(np.float32) / 255)
    yield "pixels", seconds, pixels[train], pixels[test]

    hog = HOGTransformer(n_jobs=CORES)
    seconds, features = timed(lambda: hog.fit_transform(faces))
    yield "HOG", seconds, features[train], features[test]

    learn_s, _ = timed(lambda: encoder.fit(faces[train]))
    encode_s, features = timed(lambda: encoder.transform(faces))
    report(
        f"PatchKMeansEncoder(n_jobs={CORES}): dictionary learned in {learn_s:.1f} s "
        f"from {encoder.n_patches_seen_:,} patches of the Training faces; "
        f"{len(faces):,} faces encoded in {encode_s:.1f} s.\n"
    )
    yield "patches", learn_s + encode_s, features[train], features[test]


def fit_and_score(model, X_train, y_train, X_test, y_test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, _ = timed(lambda: model.fit(X_train, y_train))
    return seconds, model.score(X_test, y_test), model


def model_rows(name, n_features, feature_s, X_train, y_train, X_test, y_test):
    """Table rows of SGDSoftmaxRegression and LogisticRegression on features."""
    sgd = SGDSoftmaxRegression(random_state=0)
    sgd_s, sgd_acc, _ = fit_and_score(sgd, X_train, y_train, X_test, y_test)
    lr = LogisticRegression(C=LOGISTIC_C)
    lr_s, lr_acc, _ = fit_and_score(lr, X_train, y_train, X_test, y_test)
    print(f"  {name}: SGD {sgd_s:.1f} s, LogisticRegression {lr_s:.1f} s", flush=True)
    return [
        [name, str(n_features), feature_s, "SGDSoftmaxRegression()",
         f"{sgd_s:.1f}", f"{sgd_acc:.4f}"],
        ["", "", "", f"LogisticRegression(C={LOGISTIC_C})", f"{lr_s:.1f}",
         f"{lr_acc:.4f}"],
    ], sgd_s / lr_s  # fmt: skip


def emotions_table(faces, y, train, test, encoder):
    rows, ratios, happy = [], [], {}
    patch_total = None
    for name, feature_s, X_train, X_test in representations(
        faces, train, test, encoder
    ):
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        new_rows, ratio = model_rows(
            name, X_train.shape[1], f"{feature_s:.1f}",
            X_train, y[train], X_test, y[test],
        )  # fmt: skip
        rows += new_rows
        ratios.append(f"{name} {ratio:.3f}")
        if name == "patches":
            patch_total = feature_s + float(new_rows[0][4])
        if name in ("pixels", "patches"):
            happy[name] = (X_train, X_test)
    header = ["features", "n", "make (s)", "model", "fit (s)", "accuracy"]
    report(
        "#### 7 emotions, every transformer and model with its defaults "
        "(fit on Training, scored on PublicTest)\n",
        markdown_table(header, rows),
        "\nfit time SGDSoftmaxRegression / LogisticRegression: " + "; ".join(ratios),
        f"\nPatch features, whole pipeline (dictionary, encoding all "
        f"{len(faces):,} faces, SGDSoftmaxRegression fit): {patch_total:.0f} s",
    )
    return happy


def happy_rows(happy, y, train, test):
    is_happy = (y == EMOTIONS.index("happy")) * 1
    rows = []
    for name, (X_train, X_test) in happy.items():
        model = SGDLogisticRegression(random_state=0)
        seconds, accuracy, model = fit_and_score(
            model, X_train, is_happy[train], X_test, is_happy[test]
        )
        auc = roc_auc_score(is_happy[test], model.decision_function(X_test))
        rows.append([name, f"{seconds:.1f}", f"{accuracy:.4f}", f"{auc:.4f}"])
    return rows


def best_encoder(**params):
    class_name, best_params, _ = FEATURES[BEST]
    assert class_name == "PatchKMeansEncoder"
    return PatchKMeansEncoder(**{**best_params, "random_state": 0, **params})


def best_features(faces, y, train, test):
    """The streamed pipeline on the best features, and LogisticRegression beside it.

    Both models read the same dictionary (learned once, timed) and are scored
    once on PublicTest: accuracy, macro-F1, and the ROC AUC of happy against
    the rest from the 7-class model's probability of happy.
    """
    dictionary_s, encoder = timed(lambda: best_encoder(n_jobs=CORES).fit(faces[train]))
    model = StreamingFeatureClassifier(
        FrozenEstimator(encoder),
        SGDSoftmaxRegression(eta0=BEST_ETA0, random_state=0),
        chunk_size=1024,
        max_iter=BEST_EPOCHS,
        cache_features=True,
        random_state=0,
        verbose=1,
    )
    print(f"\n{BEST}: {encoder!r}, streamed", flush=True)
    stream_s, _ = timed(lambda model=model: model.fit(faces[train], y[train]))
    n_features = model.n_features_out_
    predict_s, proba = timed(lambda model=model: model.predict_proba(faces[test]))
    rows = [
        best_row(
            f"StreamingFeatureClassifier(SGDSoftmaxRegression(eta0={BEST_ETA0})), "
            f"{BEST_EPOCHS} "
            "epochs, float16 cache",
            dictionary_s + stream_s, predict_s, model.classes_, proba, y[test],
        )
    ]  # fmt: skip
    size = model_size(encoder, model.scaler_, model.classifier_)
    del model

    # The same features in memory (float32, standardized in place).
    encode_s, X_train = timed(lambda: encoder.transform(faces[train]))
    fit_s, scaler = timed(lambda X=X_train: StandardScaler(copy=False).fit(X))
    X_train = scaler.transform(X_train)
    logistic = LogisticRegression(**BEST_LOGISTIC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logistic_s, _ = timed(lambda X=X_train: logistic.fit(X, y[train]))
    del X_train
    predict_s, proba = timed(
        lambda: logistic.predict_proba(scaler.transform(encoder.transform(faces[test])))
    )
    rows.append(
        best_row(
            f"{LogisticRegression(**BEST_LOGISTIC)!r}, in memory",
            dictionary_s + encode_s + fit_s + logistic_s, predict_s,
            logistic.classes_, proba, y[test],
        )
    )  # fmt: skip
    full_gib = len(train) * n_features * 4 / 2**30
    report(
        f"\n#### The best patch features (`--features {BEST}`: {one_line(encoder)}, "
        f"{n_features:,} features), fit on Training, scored once on PublicTest\n",
        markdown_table(BEST_HEADER, rows),
        f"\nChosen on Training only (docs/user_guide/features.rst; "
        f"LogisticRegression's C on the Training holdout). Pipeline: the "
        f"dictionary ({dictionary_s:.0f} s, the same for both rows), the features "
        f"of the {len(train):,} Training faces ({full_gib:.2f} GiB as float32: "
        f"streamed into a float16 cache on disk, or held in memory) and the "
        f"training (target: <= {PIPELINE_TARGET_S // 60} min). Prediction: the "
        f"{len(test):,} PublicTest faces through the whole pipeline, n_jobs={CORES} "
        "(target: >= 500 faces/s). The ROC AUC of happy against the rest is that "
        "of the 7-class model's probability of happy.",
        "Fitted model (dictionary, whitening, scaler, coefficients) as a skops "
        f"file: {size['skops'] / 2**20:.2f} MiB; the arrays that predict: "
        f"{size['float32'] / 2**20:.2f} MiB in float32, "
        f"{size['float16'] / 2**20:.2f} MiB in float16.",
    )


def one_line(estimator):
    return " ".join(repr(estimator).split())


def best_row(name, pipeline_s, predict_s, classes, proba, y_test):
    predicted = classes[proba.argmax(axis=1)]
    happy = proba[:, list(classes).index(EMOTIONS.index("happy"))]
    auc = roc_auc_score(y_test == EMOTIONS.index("happy"), happy)
    print(f"  {name}: {np.mean(predicted == y_test):.4f}", flush=True)
    return [
        name,
        f"{pipeline_s:.0f} ({pipeline_s / 60:.1f} min)",
        f"**{np.mean(predicted == y_test):.4f}**",
        f"{f1_score(y_test, predicted, average='macro'):.4f}",
        f"{auc:.4f}",
        f"{len(y_test) / predict_s:,.0f}",
    ]


def model_size(encoder, scaler, classifier):
    """Bytes of the fitted model: as a skops file (the pipeline that ``train``
    saves), and the arrays that predict, in float32 and in float16."""
    import skops.io
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline(
        [("features", encoder), ("scale", scaler), ("model", classifier)]
    )
    arrays = [
        encoder.cluster_centers_,
        encoder.whitening_,
        encoder.whitening_mean_,
        scaler.mean_,
        scaler.scale_,
        classifier.coef_,
        classifier.intercept_,
    ]
    n_values = sum(array.size for array in arrays)
    return {
        "skops": len(skops.io.dumps(pipeline)),
        "float32": 4 * n_values,
        "float16": 2 * n_values,
    }


def epoch_times(faces, y, train):
    """Seconds per epoch: re-encoding (with and without prefetch), cache."""
    subset = train[:EPOCH_SUBSET]
    encoder = FrozenEstimator(best_encoder(n_jobs=CORES).fit(faces[subset]))
    rows = []
    for name, params in [
        ("re-encoded, one chunk after the other", dict(prefetch=False)),
        ("re-encoded, next chunk made while SGD trains", dict(prefetch=True)),
        ("read from the float16 cache", dict(cache_features=True)),
    ]:
        seconds = []
        for epochs in (1, 3):
            model = StreamingFeatureClassifier(
                encoder,
                SGDSoftmaxRegression(random_state=0),
                chunk_size=512,
                max_iter=epochs,
                random_state=0,
                **params,
            )
            fit_s, _ = timed(lambda model=model: model.fit(faces[subset], y[subset]))
            seconds.append(fit_s)
        rows.append([name, f"{(seconds[1] - seconds[0]) / 2:.1f}"])
        print(f"  epoch {name}: {rows[-1][1]} s", flush=True)
    report(
        f"\nOne epoch of {len(subset):,} Training faces on the best features "
        f"(chunks of 512, n_jobs={CORES}; half the difference between 3 epochs "
        "and 1):\n",
        markdown_table(["features of each chunk", "s / epoch"], rows),
    )


def _streaming_peak(path, queue):
    """In a fresh process: stream from the file, report the maximum resident size."""
    encoder = PatchKMeansEncoder(**BIG_FEATURES, n_jobs=CORES, random_state=0)
    model = StreamingFeatureClassifier(
        encoder,
        SGDSoftmaxRegression(random_state=0),
        chunk_size=BIG_CHUNK,
        max_iter=2,
        cache_features=True,
        random_state=0,
    )
    seconds, _ = timed(
        lambda: model.fit_chunks(
            functools.partial(iter_fer2013, path, usage="Training", chunksize=BIG_CHUNK)
        )
    )
    queue.put((model.n_features_out_, seconds, peak_resident_bytes()))


def peak_resident_bytes():
    """The most memory this process has held resident since it started.

    Linux's VmHWM, that of this program alone: ``ru_maxrss`` also counts
    what the process held before its ``exec``, i.e. the resident size of
    the parent it was forked from (6.4 GiB when the benchmark that spawns
    it had just held the best features in memory). Elsewhere ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def streaming_memory(path, n_train):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_streaming_peak, args=(path, queue))
    process.start()
    n_features, seconds, peak = queue.get()
    process.join()
    full = n_train * n_features * 4
    report(
        f"\nPeak memory of streaming training from the file (fit_chunks over "
        f"iter_fer2013, chunks of {BIG_CHUNK} faces, float16 cache, 2 epochs, "
        f"{one_line(PatchKMeansEncoder(**BIG_FEATURES))}: {n_features:,} features "
        "a face, "
        f"{full / 2**30:.2f} GiB as float32 for the {n_train:,} Training faces): "
        f"{peak / 2**30:.2f} GiB, the peak resident size of a fresh process "
        "(its own, not its parent's) "
        f"(target: < 2 GiB); {seconds / 60:.1f} min."
    )


def hog_speed(faces):
    # The first call in this process pays for memory that the process has not
    # touched before (about 0.5 s for 200 MB on a virtual machine); the second
    # finds it ready.
    first_s, _ = timed(lambda: HOGTransformer().fit_transform(faces))
    one_s, _ = timed(lambda: HOGTransformer().fit_transform(faces))
    threads_s, _ = timed(lambda: HOGTransformer(n_jobs=CORES).fit_transform(faces))
    lines = [
        f"\nHOGTransformer() on all {len(faces):,} faces: {one_s:.2f} s on 1 "
        f"thread ({first_s:.2f} s the first time in the process), "
        f"{threads_s:.2f} s on {CORES} (n_jobs={CORES})"
    ]
    if importlib.util.find_spec("skimage") is None:
        lines.append("(scikit-image not installed: no comparison with its loop)")
        report(*lines)
        return
    from skimage.feature import hog

    defaults = HOGTransformer().get_params()
    params = {
        name: defaults[name]
        for name in ("orientations", "pixels_per_cell", "cells_per_block",
                     "block_norm", "transform_sqrt")
    }  # fmt: skip
    subset = faces[:SKIMAGE_SUBSET].reshape(-1, 48, 48)
    loop_s, _ = timed(lambda: [hog(face, **params) for face in subset])
    loop_all = loop_s * len(faces) / len(subset)
    lines.append(
        f"loop over skimage.feature.hog (same parameters), timed on the first "
        f"{len(subset):,} faces ({loop_s:.2f} s) and extrapolated to all: "
        f"{loop_all:.1f} s. HOGTransformer is {loop_all / one_s:.1f}x faster on "
        f"1 thread ({loop_all / first_s:.1f}x the first time), "
        f"{loop_all / threads_s:.1f}x on {CORES} (target: >= 10x)"
    )
    report(*lines)


def encoder_threads_and_memory(faces, encoder):
    subset = faces[:THREADS_SUBSET]
    times = []
    for n_jobs in (1, CORES):
        encoder.set_params(n_jobs=n_jobs)
        seconds, _ = timed(lambda: encoder.transform(subset))
        times.append(f"{seconds:.1f} s on n_jobs={n_jobs}")
    report(
        f"\nPatchKMeansEncoder().transform of {len(subset):,} faces: "
        + ", ".join(times)
    )
    encoder.set_params(n_jobs=None)
    output_mib = len(faces) * encoder.get_feature_names_out().size * 4 / 2**20
    lines = [
        f"Peak memory of PatchKMeansEncoder().transform on all {len(faces):,} "
        f"faces (tracemalloc, 1 thread; the float32 output alone is "
        f"{output_mib:.0f} MiB):"
    ]
    for batch_size in ("auto", 256):
        encoder.set_params(batch_size=batch_size)
        tracemalloc.start()
        encoder.transform(faces)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lines.append(
            f"batch_size={batch_size}: {peak / 2**20:.0f} MiB, of which "
            f"{peak / 2**20 - output_mib:.0f} MiB besides the output"
        )
    report(*lines)


#: Parts of the benchmark that ``python -m benchmarks.bench_features`` can run
#: alone (all of them by default, as ``python -m benchmarks features`` does).
SECTIONS = ("defaults", "best", "epochs", "memory", "hog", "encoder")


def main(sections=SECTIONS):
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown sections {unknown}; choose from {SECTIONS}")
    path = data_path_or_exit()
    report(
        f"### Features for linear models on FER2013 ({machine()}; load average "
        f"{os.getloadavg()[0]:.1f} at the start)\n"
    )
    bunch = load_fer2013(path)
    faces, y = bunch.data, bunch.target
    train = np.flatnonzero(bunch.usage == "Training")
    test = np.flatnonzero(bunch.usage == "PublicTest")
    encoder = PatchKMeansEncoder(n_jobs=CORES, random_state=0)
    if "defaults" in sections:
        happy = emotions_table(faces, y, train, test, encoder)
        report(
            "\n#### happy vs not happy, SGDLogisticRegression(), standardized "
            "features\n",
            markdown_table(
                ["features", "fit (s)", "accuracy", "ROC AUC"],
                happy_rows(happy, y, train, test),
            ),
        )
        del happy
    if "best" in sections:
        best_features(faces, y, train, test)
    if "epochs" in sections:
        epoch_times(faces, y, train)
    if "memory" in sections:
        streaming_memory(path, len(train))
    if "hog" in sections:
        hog_speed(faces)
    if "encoder" in sections:
        if "defaults" not in sections:  # which fits it
            encoder.fit(faces[train])
        encoder_threads_and_memory(faces, encoder)


if __name__ == "__main__":
    main(sys.argv[1:] or SECTIONS)
