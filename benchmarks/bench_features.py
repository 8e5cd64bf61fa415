"""Raw pixels, HOG and k-means patch features on FER2013, with two linear models.

Fits on Training, scores on PublicTest. Each representation is standardized
and fed to SGDSoftmaxRegression and to scikit-learn's LogisticRegression; the
report gives the time to make the features (learning included), each fit's
time and the PublicTest accuracy, the fit-time ratio SGD / LogisticRegression,
the whole pipeline's time for the patch features (target: <= 5 min), and the
happy-vs-rest ROC AUC of SGDLogisticRegression on the patch features beside raw
pixels. Then HOGTransformer's speed against a loop over
``skimage.feature.hog`` (timed on a subset, extrapolated to all faces), and
the peak memory of encoding all faces with PatchKMeansEncoder (tracemalloc)
for two batch sizes. Every transformer and model keeps its defaults,
chosen by cross-validation on Training (see docs/user_guide/features.rst).

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_features``.
"""

import importlib.util
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from benchmarks._common import CORES, data_path_or_exit, machine, markdown_table, report
from sklearn_fer.datasets import EMOTIONS, load_fer2013
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression
from sklearn_fer.preprocessing import HOGTransformer, PatchKMeansEncoder

#: Faces that the scikit-image loop is timed on.
SKIMAGE_SUBSET = 2000
#: Faces that PatchKMeansEncoder's threads are timed on.
THREADS_SUBSET = 4000
LOGISTIC_C = 0.01


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


def emotions_table(faces, y, train, test, encoder):
    rows, ratios, happy = [], [], {}
    patch_total = None
    for name, feature_s, X_train, X_test in representations(
        faces, train, test, encoder
    ):
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        sgd = SGDSoftmaxRegression(random_state=0)
        sgd_s, sgd_acc, _ = fit_and_score(sgd, X_train, y[train], X_test, y[test])
        lr = LogisticRegression(C=LOGISTIC_C)
        lr_s, lr_acc, _ = fit_and_score(lr, X_train, y[train], X_test, y[test])
        print(f"  {name}: SGD {sgd_s:.1f} s, LogisticRegression {lr_s:.1f} s")
        n_features = str(X_train.shape[1])
        rows.append(
            [name, n_features, f"{feature_s:.1f}", "SGDSoftmaxRegression()",
             f"{sgd_s:.1f}", f"{sgd_acc:.4f}"]
        )  # fmt: skip
        rows.append(
            ["", "", "", f"LogisticRegression(C={LOGISTIC_C})", f"{lr_s:.1f}",
             f"{lr_acc:.4f}"]
        )  # fmt: skip
        ratios.append(f"{name} {sgd_s / lr_s:.3f}")
        if name == "patches":
            patch_total = feature_s + sgd_s
        if name in ("pixels", "patches"):
            happy[name] = (X_train, X_test)
    header = ["features", "n", "make (s)", "model", "fit (s)", "accuracy"]
    report(
        "#### 7 emotions (fit on Training, scored on PublicTest)\n",
        markdown_table(header, rows),
        "\nfit time SGDSoftmaxRegression / LogisticRegression: " + "; ".join(ratios),
        f"\nPatch features, whole pipeline (dictionary, encoding all "
        f"{len(faces):,} faces, SGDSoftmaxRegression fit): {patch_total:.0f} s "
        "(target: <= 300 s)",
    )
    return happy


def happy_table(happy, y, train, test):
    is_happy = (y == EMOTIONS.index("happy")) * 1
    rows = []
    for name, (X_train, X_test) in happy.items():
        model = SGDLogisticRegression(random_state=0)
        seconds, accuracy, model = fit_and_score(
            model, X_train, is_happy[train], X_test, is_happy[test]
        )
        auc = roc_auc_score(is_happy[test], model.decision_function(X_test))
        rows.append([name, f"{seconds:.1f}", f"{accuracy:.4f}", f"{auc:.4f}"])
    report(
        "\n#### happy vs not happy, SGDLogisticRegression(), standardized features\n",
        markdown_table(["features", "fit (s)", "accuracy", "ROC AUC"], rows),
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
    for batch_size in (16, 256):
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


def main():
    path = data_path_or_exit()
    report(f"### Features for linear models on FER2013 ({machine()})\n")
    bunch = load_fer2013(path)
    faces, y = bunch.data, bunch.target
    train = np.flatnonzero(bunch.usage == "Training")
    test = np.flatnonzero(bunch.usage == "PublicTest")
    encoder = PatchKMeansEncoder(n_jobs=CORES, random_state=0)
    happy = emotions_table(faces, y, train, test, encoder)
    happy_table(happy, y, train, test)
    hog_speed(faces)
    encoder_threads_and_memory(faces, encoder)


if __name__ == "__main__":
    main()
