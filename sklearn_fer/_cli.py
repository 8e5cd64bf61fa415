"""The ``sklearn-fer`` command line (also ``python -m sklearn_fer``).

``sklearn-fer demo`` reproduces the logistic / softmax study of FER2013 end to
end: happy-vs-rest with ``SGDLogisticRegression`` and the seven emotions with
``SGDSoftmaxRegression``, each beside scikit-learn's baselines, with the
per-epoch training and validation loss. It runs on synthetic faces by default
(no download) and on real FER2013 with ``--data PATH``.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _load_demo_data(path, n_faces, random_state):
    """Train/test arrays scaled to [0, 1] and standardized on the training part."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from .datasets import EMOTIONS, load_fer2013, make_faces

    if path:
        faces = load_fer2013(path)
        train = faces.usage == "Training"
        test = faces.usage == "PublicTest"
        if not train.any() or not test.any():
            raise ValueError(
                f"{path} needs Training and PublicTest faces for the demo "
                f"(found splits {sorted(set(faces.usage))})."
            )
        X_train, X_test = faces.data[train], faces.data[test]
        y_train, y_test = faces.target[train], faces.target[test]
        source = (
            f"FER2013 from {path}: {train.sum()} Training / {test.sum()} PublicTest"
        )
    else:
        X, y = make_faces(n_faces, random_state=random_state, return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=random_state
        )
        source = (
            f"synthetic faces (make_faces): {len(y_train)} train / {len(y_test)} "
            "test; pass --data PATH for real FER2013"
        )
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train.astype(np.float32) / 255)
    X_test = scaler.transform(X_test.astype(np.float32) / 255)
    return source, (X_train, y_train, X_test, y_test), EMOTIONS


def _metrics(model, X, y, fit_seconds, binary):
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        log_loss,
        roc_auc_score,
    )

    proba = model.predict_proba(X)
    predicted = model.classes_[proba.argmax(axis=1)]
    return {
        "accuracy": accuracy_score(y, predicted),
        "balanced accuracy": balanced_accuracy_score(y, predicted),
        "ROC AUC": roc_auc_score(y, proba[:, 1]) if binary else np.nan,
        "log loss": log_loss(y, proba, labels=model.classes_),
        "fit time (s)": fit_seconds,
    }


def _print_table(title, rows):
    columns = list(next(iter(rows.values())))
    width = max(len(name) for name in rows) + 2
    print(f"\n{title}")
    print(" " * width + "".join(f"{c:>19}" for c in columns))
    for name, values in rows.items():
        cells = "".join(
            f"{'-':>19}" if np.isnan(v) else f"{v:>19.4f}" for v in values.values()
        )
        print(f"{name:<{width}}{cells}")


def _print_curves(model):
    print(f"  {'epoch':>5} {'training loss':>14} {'validation loss':>16}")
    for epoch, (train, validation) in enumerate(
        zip(model.loss_curve_, model.validation_loss_curve_, strict=True), start=1
    ):
        print(f"  {epoch:>5} {train:>14.4f} {validation:>16.4f}")


def _run_task(title, ours, baselines, data, binary):
    X_train, y_train, X_test, y_test = data
    rows = {}
    for name, model in [(type(ours).__name__, ours), *baselines]:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # baselines' ConvergenceWarning
            model.fit(X_train, y_train)
        rows[name] = _metrics(
            model, X_test, y_test, time.perf_counter() - started, binary
        )
        if model is ours:
            print(f"\n{title}: {name}, loss per epoch")
            _print_curves(model)
    _print_table(f"{title}: test-set scores", rows)


def demo(args) -> int:
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    from .linear_model import SGDLogisticRegression, SGDSoftmaxRegression

    path = args.data or os.environ.get("SKLEARN_FER_DATA")
    source, (X_train, y_train, X_test, y_test), emotions = _load_demo_data(
        path, args.n_faces, args.random_state
    )
    print(f"sklearn-fer demo on {source}")
    seed = args.random_state
    happy = emotions.index("happy")
    _run_task(
        "Happy vs not happy",
        SGDLogisticRegression(validation_fraction=0.1, tol=None, random_state=seed),
        [("LogisticRegression(C=0.01)", LogisticRegression(C=0.01))],
        (X_train, (y_train == happy) * 1, X_test, (y_test == happy) * 1),
        binary=True,
    )
    _run_task(
        f"{len(np.unique(y_train))} emotions",
        SGDSoftmaxRegression(validation_fraction=0.1, tol=None, random_state=seed),
        [
            ("LogisticRegression(C=0.01)", LogisticRegression(C=0.01)),
            (
                "SGDClassifier(log_loss)",
                SGDClassifier(
                    loss="log_loss", max_iter=20, tol=None, random_state=seed
                ),
            ),
        ],
        (X_train, y_train, X_test, y_test),
        binary=False,
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sklearn-fer",
        description="Facial-expression recognition on FER2013 with scikit-learn.",
        epilog="Example: sklearn-fer demo --data fer2013.csv.gz",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo",
        help="logistic (happy vs rest) and softmax (7 emotions) beside sklearn",
        description=(
            "Fit SGDLogisticRegression (happy vs not happy) and "
            "SGDSoftmaxRegression (all emotions) beside scikit-learn's "
            "baselines; print the loss per epoch and the test scores."
        ),
        epilog=(
            "Examples:\n  sklearn-fer demo\n  sklearn-fer demo --data "
            "fer2013.csv.gz   (Training to fit, PublicTest to score)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo_parser.add_argument(
        "--data",
        metavar="PATH",
        help="FER2013 file or folder (default: $SKLEARN_FER_DATA, else "
        "synthetic faces)",
    )
    demo_parser.add_argument(
        "--n-faces", type=int, default=3500, help="synthetic faces to draw (3500)"
    )
    demo_parser.add_argument("--random-state", type=int, default=0, help="seed (0)")
    demo_parser.set_defaults(handler=demo)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (FileNotFoundError, ValueError, ImportError) as exc:
        print(f"sklearn-fer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
