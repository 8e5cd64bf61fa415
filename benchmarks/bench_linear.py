"""SGDLogisticRegression / SGDSoftmaxRegression against scikit-learn on FER2013.

Fits on Training, scores on PublicTest, pixels standardized by a scaler
fitted on Training (``train_test_by_usage``); every model with the parameters
named in its row. Prints fit time, time per epoch, accuracy, log loss, ROC AUC
(binary) and the ratios of the targets of issue #2; then the same 7-emotion
fits of 8 epochs on a busy machine (a spinning process per core beside them),
where BLAS threads that wait on each other cost most.

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_linear``.
"""

import multiprocessing
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier

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


def main():
    path = data_path_or_exit()
    report(f"### Linear models on FER2013 ({machine()})")
    split = train_test_by_usage(load_fer2013(path))
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


if __name__ == "__main__":
    main()
