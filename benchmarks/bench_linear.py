"""SGDLogisticRegression / SGDSoftmaxRegression against scikit-learn on FER2013.

Fits on Training, scores on PublicTest, pixels standardized by a scaler
fitted on Training (``train_test_by_usage``); every model with the parameters
named in its row. Prints fit time, time per epoch, accuracy, log loss, ROC AUC
(binary) and the ratios of the targets of issue #2; then the same 7-emotion
fits of 8 epochs on a busy machine (a spinning process per core beside them),
where BLAS threads that wait on each other cost most; then the default
``eta0='auto'`` against the ``eta0=0.01`` tuned before it (``step_sizes``).

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_linear [step]`` (``step``:
the step-size comparison alone).
"""

import multiprocessing
import sys
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from benchmarks._common import (
    CORES,
    data_path_or_exit,
    machine,
    markdown_table,
    report,
)
from sklearn_fer.datasets import load_fer2013, train_test_by_usage
from sklearn_fer.linear_model import SGDLogisticRegression, SGDSoftmaxRegression


def _models(binary):
    ours = (
        SGDLogisticRegression(random_state=0)
        if binary
        else SGDSoftmaxRegression(random_state=0)
    )
    return [
        (f"{type(ours).__name__}()", ours),
        ("LogisticRegression(C=0.01)", LogisticRegression(C=0.01)),
        (
            "SGDClassifier(log_loss, max_iter=20, tol=None)",
            SGDClassifier(loss="log_loss", max_iter=20, tol=None, random_state=0),
        ),
        (
            "MLPClassifier(hidden_layer_sizes=())",
            MLPClassifier(hidden_layer_sizes=(), random_state=0),
        ),
    ]


def run_task(title, X_train, y_train, X_test, y_test, binary):
    results = []
    for name, model in _models(binary):
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - started
        proba = model.predict_proba(X_test)
        epochs = getattr(model, "n_iter_", None)
        per_epoch = (
            seconds / epochs
            if isinstance(epochs, int | np.integer)
            and not isinstance(model, LogisticRegression)
            else np.nan
        )
        results.append(
            dict(
                name=name,
                fit=seconds,
                per_epoch=per_epoch,
                accuracy=accuracy_score(y_test, model.classes_[proba.argmax(1)]),
                log_loss=log_loss(y_test, proba, labels=model.classes_),
                auc=roc_auc_score(y_test, proba[:, 1]) if binary else np.nan,
            )
        )
        print(f"  {name}: {seconds:.2f} s", flush=True)
    ours, lr, sgd = results[0], results[1], results[2]
    rows = [
        [
            r["name"],
            f"{r['fit']:.2f}",
            "-" if np.isnan(r["per_epoch"]) else f"{r['per_epoch']:.3f}",
            f"{r['accuracy']:.4f}",
            f"{r['log_loss']:.4f}",
            "-" if np.isnan(r["auc"]) else f"{r['auc']:.4f}",
        ]
        for r in results
    ]
    report(
        f"\n#### {title} (fit on Training, scored on PublicTest)\n",
        markdown_table(
            ["model", "fit (s)", "s / epoch", "accuracy", "log loss", "ROC AUC"], rows
        ),
        f"\nfit time ours / LogisticRegression(C=0.01): {ours['fit'] / lr['fit']:.3f}; "
        "time per epoch SGDClassifier / ours: "
        f"{sgd['per_epoch'] / ours['per_epoch']:.1f}x",
    )
    return results


def _spin(stop):
    while not stop.is_set():
        pass


def _fit_seconds(model, X, y):
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return time.perf_counter() - started


def busy_machine(X_train, y_train):
    """Fit times of 8 epochs alone and beside one spinning process per core."""
    models = [
        ("SGDSoftmaxRegression()", lambda: SGDSoftmaxRegression(random_state=0)),
        (
            "MLPClassifier(hidden_layer_sizes=(), max_iter=8)",
            lambda: MLPClassifier(hidden_layer_sizes=(), max_iter=8, random_state=0),
        ),
    ]
    quiet = {name: _fit_seconds(make(), X_train, y_train) for name, make in models}
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    spinners = [context.Process(target=_spin, args=(stop,)) for _ in range(CORES)]
    for spinner in spinners:
        spinner.start()
    try:
        time.sleep(1)  # the spinners are running before the clock starts
        busy = {name: _fit_seconds(make(), X_train, y_train) for name, make in models}
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()
    rows = [
        [
            name,
            f"{quiet[name]:.2f}",
            f"{busy[name]:.2f}",
            f"{busy[name] / quiet[name]:.1f}x",
        ]
        for name, _ in models
    ]
    for name, _ in models:
        print(f"  busy machine, {name}: {busy[name]:.2f} s", flush=True)
    report(
        f"\n#### 7 emotions on a busy machine ({CORES} spinning processes "
        "beside the fit)\n",
        markdown_table(["model", "alone (s)", "busy (s)", "slowdown"], rows),
    )


#: Training faces of the raw-pixel comparison (as in issue #23).
N_RAW = 5000
HAPPY = 3


def _timed_fit(model, X, y):
    """``(seconds, model)``, or ``(seconds, the error's first line)``."""
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
    except ValueError as exc:
        return time.perf_counter() - started, str(exc).split(". ")[0]
    return time.perf_counter() - started, model


def _step_models():
    """(name, binary, estimator class) of the two estimators."""
    return [
        ("SGDSoftmaxRegression", False, SGDSoftmaxRegression),
        ("SGDLogisticRegression", True, SGDLogisticRegression),
    ]


def _score(model, X, y, binary):
    """Accuracy (7 emotions) or ROC AUC (happy vs not happy)."""
    if binary:
        return roc_auc_score(y, model.decision_function(X))
    return accuracy_score(y, model.predict(X))


def step_sizes(faces):
    """eta0='auto' (the default) against the eta0=0.01 tuned before it.

    Raw pixels of 0-255 (the first N_RAW Training faces, no scaler, scored on
    PublicTest) with the defaults, against scikit-learn's SGDClassifier with
    its defaults; then standardized pixels (all of Training, scored on
    PublicTest), and 3-fold cross-validation on Training with pixels scaled
    to [0, 1] and standardized within each fold, as ``tune_defaults`` chose
    0.01.
    """
    training = faces.usage == "Training"
    test = faces.usage == "PublicTest"
    X_raw, y_raw = faces.data[training][:N_RAW], faces.target[training][:N_RAW]
    X_test, y_test = faces.data[test], faces.target[test]
    rows = []
    for name, model in [
        ("SGDSoftmaxRegression()", SGDSoftmaxRegression(random_state=0)),
        (
            "SGDSoftmaxRegression(eta0=0.01)",
            SGDSoftmaxRegression(eta0=0.01, random_state=0),
        ),
        ("SGDClassifier()", SGDClassifier(random_state=0)),
    ]:
        seconds, fitted = _timed_fit(model, X_raw, y_raw)
        print(f"  raw pixels, {name}: {seconds:.1f} s", flush=True)
        if isinstance(fitted, str):
            rows.append([name, "-", f"{seconds:.1f}", fitted])
            continue
        step = getattr(fitted, "eta0_", None)
        rows.append(
            [
                name,
                "-" if step is None else f"{step:.3g}",
                f"{seconds:.1f}",
                f"{accuracy_score(y_test, fitted.predict(X_test)):.4f}",
            ]
        )
    report(
        f"\n#### eta0='auto': raw pixels of 0-255, no scaler (the first {N_RAW:,} "
        "Training faces, scored on PublicTest, 7 emotions)\n",
        markdown_table(["model", "eta0_", "fit (s)", "accuracy"], rows),
    )

    split = train_test_by_usage(faces)
    rows = []
    for name, binary, Estimator in _step_models():
        y_train, y_test = split.y_train, split.y_test
        if binary:
            y_train, y_test = (y_train == HAPPY) * 1, (y_test == HAPPY) * 1
        for eta0 in ("auto", 0.01):
            model = Estimator(eta0=eta0, random_state=0)
            seconds, model = _timed_fit(model, split.X_train, y_train)
            print(f"  standardized, {name}(eta0={eta0!r}): {seconds:.1f} s", flush=True)
            rows.append(
                [
                    f"{name}(eta0={eta0!r})",
                    f"{model.eta0_:.3g}",
                    f"{seconds:.2f}",
                    f"{model.score(split.X_test, y_test):.4f}",
                    f"{log_loss(y_test, model.predict_proba(split.X_test)):.4f}",
                    f"{_score(model, split.X_test, y_test, binary=True):.4f}"
                    if binary
                    else "-",
                ]
            )
    report(
        "\n#### eta0='auto' against the tuned eta0=0.01: standardized pixels "
        "(fit on Training, scored on PublicTest; happy vs not happy for the "
        "logistic model)\n",
        markdown_table(
            ["model", "eta0_", "fit (s)", "accuracy", "log loss", "ROC AUC"], rows
        ),
    )

    X = faces.data[training].astype(np.float32) / 255
    y_all = faces.target[training]
    folds = StratifiedKFold(3, shuffle=True, random_state=0).split(X, y_all)
    scores = {}
    for fold, (train, held) in enumerate(folds):
        scaler = StandardScaler().fit(X[train])
        X_a, X_b = scaler.transform(X[train]), scaler.transform(X[held])
        for name, binary, Estimator in _step_models():
            y_a, y_b = y_all[train], y_all[held]
            if binary:
                y_a, y_b = (y_a == HAPPY) * 1, (y_b == HAPPY) * 1
            for eta0 in ("auto", 0.01):
                _, model = _timed_fit(Estimator(eta0=eta0, random_state=0), X_a, y_a)
                scores.setdefault((name, eta0), []).append(
                    _score(model, X_b, y_b, binary)
                )
        print(f"  cross-validation, fold {fold + 1} of 3 done", flush=True)
    rows = [
        [
            f"{name}(eta0={eta0!r})",
            "ROC AUC" if binary else "accuracy",
            f"{np.mean(scores[name, eta0]):.4f} +- {np.std(scores[name, eta0]):.4f}",
        ]
        for name, binary, _ in _step_models()
        for eta0 in ("auto", 0.01)
    ]
    report(
        "\n#### eta0='auto' against the tuned eta0=0.01: 3-fold cross-validation "
        "on Training (pixels scaled to [0, 1], standardized within each fold)\n",
        markdown_table(["model", "score", "mean +- std"], rows),
    )


def main():
    path = data_path_or_exit()
    report(f"### Linear models on FER2013 ({machine()})")
    faces = load_fer2013(path)
    if sys.argv[1:] == ["step"]:
        step_sizes(faces)
        return
    split = train_test_by_usage(faces)
    X_train, X_test = split.X_train, split.X_test
    y_train, y_test = split.y_train, split.y_test
    run_task("7 emotions", X_train, y_train, X_test, y_test, binary=False)
    happy = 3
    run_task(
        "happy vs not happy",
        X_train,
        (y_train == happy) * 1,
        X_test,
        (y_test == happy) * 1,
        binary=True,
    )
    busy_machine(X_train, y_train)
    step_sizes(faces)


if __name__ == "__main__":
    main()
