"""The ``sklearn-fer`` command line (also ``python -m sklearn_fer``).

- ``demo``: the logistic / softmax study of FER2013 end to end (happy vs rest
  with ``SGDLogisticRegression``, the seven emotions with
  ``SGDSoftmaxRegression``, each beside scikit-learn's baselines, with the loss
  per epoch), on synthetic faces by default and on FER2013 with ``--data``.
- ``train``: fit a logistic, softmax or CNN model on Training, save it (skops)
  and a report folder (metrics JSON, loss curves, confusion matrix).
- ``evaluate`` and ``predict``: score a saved model on a split, or predict the
  emotion of CSV rows or image files.
- ``sweep``: the step-size and batch-size study, by cross-validation.

Exit codes: 0 success, 1 failure (bad file, divergence ...), 2 usage error.
"""

import argparse
import ast
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from .utils._pipeline import final_step

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line (exit code 2), found after argparse's own checks."""


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

    path = _data_path(args, required=False)
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


# -- train ---------------------------------------------------------------------------

MODELS = ("logistic", "softmax", "cnn")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff")


def _data_path(args, *, required=True):
    """--data, else $SKLEARN_FER_DATA; None (synthetic faces) if not required."""
    path = args.data or os.environ.get("SKLEARN_FER_DATA")
    if required and not path:
        raise UsageError("give --data PATH (or set SKLEARN_FER_DATA).")
    return path


def _parse_target(text, model):
    if text is None:
        return "happy" if model == "logistic" else "emotion"
    if text in ("emotion", "happy"):
        return text
    names = [name.strip() for name in text.split(",") if name.strip()]
    from .datasets import EMOTIONS

    unknown = [name for name in names if name not in EMOTIONS]
    if unknown or len(names) < 2:
        raise UsageError(
            f"--target {text!r}: use 'emotion', 'happy' or 2+ comma-separated "
            f"emotions from {list(EMOTIONS)}."
        )
    return names


def _parse_value(text):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _parse_params(pairs, estimator):
    """``name=value`` strings checked against the estimator's parameters."""
    from sklearn.utils._param_validation import InvalidParameterError

    params = {}
    valid = sorted(estimator.get_params())
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--param {pair!r}: write name=value.")
        if name not in valid:
            raise UsageError(
                f"--param {name}: {type(estimator).__name__} has no parameter "
                f"{name!r}; valid names: {', '.join(valid)}."
            )
        params[name] = _parse_value(value)
    estimator.set_params(**params)
    try:
        estimator._validate_params()
    except InvalidParameterError as exc:
        raise UsageError(f"--param: {exc}") from exc
    return estimator


def _new_estimator(model, args):
    if model == "cnn":
        try:
            from .neural_network import ConvNetClassifier
        except ImportError as exc:
            raise UsageError(str(exc)) from exc
        return ConvNetClassifier(random_state=args.random_state, verbose=1)
    from .linear_model import SGDLogisticRegression, SGDSoftmaxRegression

    Estimator = SGDLogisticRegression if model == "logistic" else SGDSoftmaxRegression
    return Estimator(random_state=args.random_state, verbose=1)


def _labelled_split(path, target, usage):
    """Faces of one split (or all) with their labels as class names."""
    from .datasets import load_fer2013

    faces = load_fer2013(path, target=target, usage=usage)
    if faces.target is None:
        raise ValueError(f"{path} has no emotion labels: it cannot train or evaluate.")
    return faces.data, faces.target_names[faces.target], faces


def _fit(estimator, X, y, eval_set):
    """Fit; a linear model gets a StandardScaler in front (fitted on X only)."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if not hasattr(estimator, "coef_") and type(estimator).__name__.startswith("SGD"):
        scaler = StandardScaler().fit(X.astype(np.float32))
        if eval_set is not None:
            eval_set = (scaler.transform(eval_set[0].astype(np.float32)), eval_set[1])
        estimator.fit(scaler.transform(X.astype(np.float32)), y, eval_set=eval_set)
        return Pipeline([("scale", scaler), ("model", estimator)])
    estimator.fit(X, y, eval_set=eval_set)
    return estimator


def _scores(model, X, y):
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        log_loss,
        roc_auc_score,
    )

    proba = model.predict_proba(X)
    classes = model.classes_
    predicted = classes[proba.argmax(axis=1)]
    scores = {
        "accuracy": accuracy_score(y, predicted),
        "balanced accuracy": balanced_accuracy_score(y, predicted),
        "log loss": log_loss(y, proba, labels=classes),
    }
    if len(classes) == 2:
        scores["ROC AUC"] = roc_auc_score(y == classes[1], proba[:, 1])
    return {name: float(value) for name, value in scores.items()}, predicted


def _write_report(directory, model, y, predicted, metrics):
    """metrics.json, loss_curve.png, confusion_matrix.png; all or nothing."""
    from .utils._persistence import atomic_directory

    with atomic_directory(directory) as staging:
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        try:
            import matplotlib
        except ImportError:
            print(
                "matplotlib is not installed: no plots (pip install "
                "'sklearn-fer[plot]').",
                file=sys.stderr,
            )
        else:
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            from sklearn.metrics import ConfusionMatrixDisplay

            from .inspection import LossCurveDisplay

            final = final_step(model)
            if hasattr(final, "loss_curve_"):
                curves = LossCurveDisplay.from_estimator(model)
                curves.figure_.savefig(staging / "loss_curve.png", dpi=100)
            matrix = ConfusionMatrixDisplay.from_predictions(
                y,
                predicted,
                labels=model.classes_,
                normalize="true",
                values_format=".2f",
                xticks_rotation=45,
            )
            matrix.figure_.tight_layout()
            matrix.figure_.savefig(staging / "confusion_matrix.png", dpi=100)
            plt.close("all")
    return Path(directory)


def _print_scores(title, scores):
    print(f"\n{title}")
    for name, value in scores.items():
        print(f"  {name:<18} {value:.4f}")


def _report_dir(args):
    if args.report:
        return Path(args.report)
    out = Path(args.out)
    return out.with_name(out.stem + "-report")


def train(args) -> int:
    from .utils import save_model

    target = _parse_target(args.target, args.model)
    if (
        args.model == "logistic"
        and target != "happy"
        and (target == "emotion" or len(target) != 2)
    ):
        raise UsageError(
            "--model logistic is binary: use --target happy or two emotions "
            "(e.g. happy,sad); --model softmax for more classes."
        )
    estimator = _parse_params(args.param, _new_estimator(args.model, args))
    if args.model == "cnn" and args.format == "skops":
        raise UsageError(
            "a CNN cannot be saved with skops (PyTorch tensors): add --format "
            "pickle (and load the file only where you trust it)."
        )
    path = _data_path(args)
    X, y, faces = _labelled_split(path, target, None)
    if faces.usage is not None and (faces.usage == "Training").any():
        train_rows = faces.usage == "Training"
        validation_rows = faces.usage == "PublicTest"
    else:
        train_rows = np.ones(len(y), dtype=bool)
        validation_rows = np.zeros(len(y), dtype=bool)
    eval_set = None
    if validation_rows.any():
        eval_set = (X[validation_rows], y[validation_rows])
        validation_name = "PublicTest"
    else:
        estimator.set_params(validation_fraction=0.1)
        validation_name = "10% of Training, held out"
    print(
        f"training {estimator!r} on {train_rows.sum()} faces of {path} "
        f"(validation: {validation_name})",
        flush=True,
    )
    started = time.perf_counter()
    model = _fit(estimator, X[train_rows], y[train_rows], eval_set)
    fit_seconds = time.perf_counter() - started
    metrics = {
        "model": repr(estimator),
        "data": str(path),
        "target": target,
        "fit time (s)": fit_seconds,
        "n_train": int(train_rows.sum()),
    }
    predicted = y_report = None
    if eval_set is not None:
        scores, predicted = _scores(model, *eval_set)
        metrics["PublicTest"] = scores
        y_report = eval_set[1]
        _print_scores("PublicTest scores", scores)
    else:
        scores, predicted = _scores(model, X[train_rows], y[train_rows])
        metrics["Training"] = scores
        y_report = y[train_rows]
        _print_scores("Training scores (no PublicTest rows in the file)", scores)
    final = final_step(model)
    metrics["loss_curve"] = [float(v) for v in final.loss_curve_]
    validation_curve = final.validation_loss_curve_
    metrics["validation_loss_curve"] = (
        None if validation_curve is None else [float(v) for v in validation_curve]
    )
    saved = save_model(model, args.out, format=args.format)
    report = _write_report(_report_dir(args), model, y_report, predicted, metrics)
    print(f"\nmodel: {saved}\nreport: {report}")
    return EXIT_OK


# -- evaluate / predict ------------------------------------------------------------


def _load(args):
    from .utils import load_model

    return load_model(args.model, format=args.format, trust=args.trust)


def _target_of(model):
    """The load_fer2013 target that gives a saved model's classes."""
    from .datasets import EMOTIONS

    classes = [str(c) for c in model.classes_]
    if sorted(classes) == ["happy", "not happy"]:
        return "happy"
    if set(classes) <= set(EMOTIONS):
        return "emotion" if len(classes) == len(EMOTIONS) else classes
    raise ValueError(
        f"the model's classes {classes} are not emotion names: was it trained "
        "with sklearn-fer train?"
    )


def evaluate(args) -> int:
    model = _load(args)
    path = _data_path(args)
    X, y, _ = _labelled_split(path, _target_of(model), args.usage)
    if not len(y):
        raise ValueError(f"{path} has no {args.usage} faces.")
    scores, predicted = _scores(model, X, y)
    _print_scores(f"{args.usage} scores of {args.model} ({len(y)} faces)", scores)
    if args.report:
        metrics = {"model": str(args.model), "data": str(path), args.usage: scores}
        print(
            f"report: {_write_report(Path(args.report), model, y, predicted, metrics)}"
        )
    return EXIT_OK


def _read_images(paths):
    try:
        from PIL import Image
    except ImportError as exc:
        raise UsageError(
            "predicting image files needs Pillow: pip install 'sklearn-fer[images]'."
        ) from exc
    rows = []
    for path in paths:
        with Image.open(path) as image:
            face = image.convert("L").resize((48, 48), Image.Resampling.BILINEAR)
            rows.append(np.asarray(face, dtype=np.uint8).reshape(-1))
    return np.stack(rows)


def _inputs(paths):
    """(source name, pixel rows) per input: CSV files row by row, images one each."""
    from .datasets import load_fer2013

    images = [Path(p) for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES]
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"No input file at {path}.")
    for path in map(Path, paths):
        if path not in images:
            faces = load_fer2013(path)
            yield [f"{path.name}:{i + 1}" for i in range(len(faces.data))], faces.data
    if images:
        yield [p.name for p in images], _read_images(images)


def predict(args) -> int:
    import csv
    import io

    from .utils._persistence import atomic_write

    model = _load(args)
    classes = [str(c) for c in model.classes_]
    # Every input is read and predicted before anything is written.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["input", "prediction", *(f"p({c})" for c in classes)])
    for names, X in _inputs(args.inputs):
        proba = model.predict_proba(X)
        for name, row in zip(names, proba, strict=True):
            writer.writerow(
                [name, classes[int(row.argmax())], *(f"{p:.4f}" for p in row)]
            )
    if args.output:
        atomic_write(Path(args.output), text.getvalue().encode())
        print(f"predictions: {args.output}")
    else:
        sys.stdout.write(text.getvalue())
    return EXIT_OK


# -- sweep ---------------------------------------------------------------------------


def _parse_list(text, kind, name):
    try:
        values = [kind(v) for v in text.split(",")]
    except ValueError as exc:
        raise UsageError(
            f"{name} {text!r}: a comma-separated list of numbers."
        ) from exc
    return values


def sweep(args) -> int:
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    eta0s = _parse_list(args.eta0, float, "--eta0")
    batch_sizes = _parse_list(args.batch_size, int, "--batch-size")
    target = _parse_target(args.target, args.model)
    estimator = _parse_params(args.param, _new_estimator(args.model, args))
    estimator.set_params(verbose=0)
    path = _data_path(args, required=False)
    if path:
        X, y, _ = _labelled_split(path, target, "Training")
        source = f"FER2013 Training from {path}"
    else:
        from .datasets import EMOTIONS, make_faces

        X, codes = make_faces(
            args.n_faces, random_state=args.random_state, return_X_y=True
        )
        y = np.asarray(EMOTIONS)[codes]
        if target == "happy":
            y = np.where(y == "happy", "happy", "not happy")
        elif target != "emotion":
            keep = np.isin(y, target)
            X, y = X[keep], y[keep]
        source = f"{len(y)} synthetic faces (make_faces); --data PATH for FER2013"
    pipeline = make_pipeline(StandardScaler(), estimator)
    step = pipeline.steps[-1][0]
    folds = StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)
    print(f"sweep of {estimator!r} on {source}, {args.cv}-fold CV", flush=True)
    studies = {}
    for name, values in (("eta0", eta0s), ("batch_size", batch_sizes)):
        search = GridSearchCV(
            pipeline,
            {f"{step}__{name}": values},
            cv=folds,
            n_jobs=args.n_jobs,
            scoring="accuracy",
            error_score=np.nan,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X.astype(np.float32), y)
        results = search.cv_results_
        studies[name] = {
            "values": values,
            "mean_accuracy": results["mean_test_score"].tolist(),
            "std_accuracy": results["std_test_score"].tolist(),
            "mean_fit_time": results["mean_fit_time"].tolist(),
        }
        print(f"\n{name} (other parameters at their values above)")
        print(f"  {name:>10} {'accuracy':>10} {'std':>8} {'fit time (s)':>13}")
        for value, mean, std, seconds in zip(
            values,
            *(
                studies[name][k]
                for k in ("mean_accuracy", "std_accuracy", "mean_fit_time")
            ),
            strict=True,
        ):
            print(f"  {value:>10g} {mean:>10.4f} {std:>8.4f} {seconds:>13.3f}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(studies, indent=2) + "\n")
    try:
        _plot_sweep(studies, out / "sweep.png")
        print(f"\nresults: {out / 'sweep.json'}, plot: {out / 'sweep.png'}")
    except ImportError:
        print(f"\nresults: {out / 'sweep.json'} (no plot: matplotlib missing)")
    return EXIT_OK


def _plot_sweep(studies, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        2, len(studies), figsize=(5 * len(studies), 6), sharex="col", squeeze=False
    )
    for column, (name, study) in enumerate(studies.items()):
        values = study["values"]
        axes[0, column].errorbar(
            values, study["mean_accuracy"], yerr=study["std_accuracy"], marker="o"
        )
        axes[0, column].set_ylabel("CV accuracy")
        axes[1, column].plot(values, study["mean_fit_time"], marker="o")
        axes[1, column].set_ylabel("fit time (s)")
        axes[1, column].set_xlabel(name)
        for ax in axes[:, column]:
            ax.set_xscale("log")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# -- parser --------------------------------------------------------------------------


def _add_model_file_options(parser):
    parser.add_argument(
        "--format",
        choices=["skops", "pickle"],
        default=None,
        help="model file format (default: from the suffix; pickle only when given)",
    )
    parser.add_argument(
        "--trust",
        action="store_true",
        help="load a skops file holding types other than "
        "scikit-learn's and sklearn-fer's",
    )


def _subparser(commands, name, help, description, examples):
    return commands.add_parser(
        name,
        help=help,
        description=description,
        epilog="Examples:\n" + "\n".join(f"  {line}" for line in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sklearn-fer",
        description="Facial-expression recognition on FER2013 with scikit-learn.",
        epilog="Run 'sklearn-fer COMMAND --help' for each command's options.\n"
        "Example: sklearn-fer demo --data fer2013.csv.gz",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = _subparser(
        commands,
        "demo",
        "logistic (happy vs rest) and softmax (7 emotions) beside sklearn",
        "Fit SGDLogisticRegression (happy vs not happy) and SGDSoftmaxRegression "
        "(all emotions) beside scikit-learn's baselines; print the loss per "
        "epoch and the test scores.",
        [
            "sklearn-fer demo",
            "sklearn-fer demo --data fer2013.csv.gz   (Training to fit, PublicTest "
            "to score)",
        ],
    )
    demo_parser.add_argument(
        "--data",
        metavar="PATH",
        help="FER2013 file or folder "
        "(default: $SKLEARN_FER_DATA, else synthetic faces)",
    )
    demo_parser.add_argument(
        "--n-faces", type=int, default=3500, help="synthetic faces to draw (3500)"
    )
    demo_parser.add_argument("--random-state", type=int, default=0, help="seed (0)")
    demo_parser.set_defaults(handler=demo)

    train_parser = _subparser(
        commands,
        "train",
        "fit a model on Training, save it and a report",
        "Fit on the Training rows (validation loss on PublicTest, or on 10% of "
        "Training held out), print the loss per epoch, save the model and a "
        "report folder (metrics.json, loss_curve.png, confusion_matrix.png).",
        [
            "sklearn-fer train --data fer2013.csv.gz --model logistic "
            "--out happy.skops",
            "sklearn-fer train --data fer2013.csv.gz --model softmax "
            "--param eta0=0.003 --param batch_size=256 --out softmax.skops",
            "sklearn-fer train --data fer2013.csv.gz --model cnn --target "
            "happy,neutral,sad --param max_epochs=16 --format pickle --out cnn.pkl",
        ],
    )
    train_parser.add_argument(
        "--data", metavar="PATH", help="FER2013 file or folder ($SKLEARN_FER_DATA)"
    )
    train_parser.add_argument("--model", choices=MODELS, required=True)
    train_parser.add_argument(
        "--target",
        help="emotion (7 classes), happy (vs rest) or a comma-separated "
        "subset such as happy,neutral,sad (default: happy for logistic, else emotion)",
    )
    train_parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="estimator parameter; repeat for several",
    )
    train_parser.add_argument(
        "--out", required=True, metavar="FILE", help="model file (.skops)"
    )
    train_parser.add_argument(
        "--report", metavar="DIR", help="report folder (default: FILE's stem + -report)"
    )
    train_parser.add_argument(
        "--format",
        choices=["skops", "pickle"],
        default="skops",
        help="model file format (skops)",
    )
    train_parser.add_argument("--random-state", type=int, default=0, help="seed (0)")
    train_parser.set_defaults(handler=train)

    evaluate_parser = _subparser(
        commands,
        "evaluate",
        "score a saved model on a split of FER2013",
        "Print accuracy, balanced accuracy, log loss (and ROC AUC for binary "
        "models) of a saved model on one split.",
        [
            "sklearn-fer evaluate --model happy.skops --data fer2013.csv.gz",
            "sklearn-fer evaluate --model cnn.pkl --format pickle --data "
            "fer2013.csv.gz --usage Training --report cnn-training",
        ],
    )
    evaluate_parser.add_argument("--model", required=True, metavar="FILE")
    evaluate_parser.add_argument(
        "--data", metavar="PATH", help="FER2013 file or folder ($SKLEARN_FER_DATA)"
    )
    evaluate_parser.add_argument(
        "--usage",
        default="PublicTest",
        choices=["Training", "PublicTest", "PrivateTest"],
    )
    evaluate_parser.add_argument(
        "--report", metavar="DIR", help="also write metrics.json and the plots there"
    )
    _add_model_file_options(evaluate_parser)
    evaluate_parser.set_defaults(handler=evaluate)

    predict_parser = _subparser(
        commands,
        "predict",
        "predict emotions of CSV rows or image files",
        "Print (or write) one CSV line per face: the input, the predicted class "
        "and the probability of each class. INPUT is a CSV of pixel strings "
        "(any FER2013 layout, e.g. test.csv) or an image file, converted to "
        "48x48 grey levels (needs the images extra).",
        [
            "sklearn-fer predict --model softmax.skops test.csv",
            "sklearn-fer predict --model softmax.skops face1.jpg face2.png "
            "--output predictions.csv",
        ],
    )
    predict_parser.add_argument("--model", required=True, metavar="FILE")
    predict_parser.add_argument("inputs", nargs="+", metavar="INPUT")
    predict_parser.add_argument(
        "--output", metavar="FILE", help="CSV file to write (default: standard output)"
    )
    _add_model_file_options(predict_parser)
    predict_parser.set_defaults(handler=predict)

    sweep_parser = _subparser(
        commands,
        "sweep",
        "cross-validated step-size and batch-size study",
        "Cross-validate the model for each eta0 (other parameters fixed), then "
        "for each batch size; print accuracy and fit time, and save sweep.json "
        "and sweep.png.",
        [
            "sklearn-fer sweep",
            "sklearn-fer sweep --data fer2013.csv.gz --eta0 1e-4,1e-3,1e-2,1e-1 "
            "--batch-size 1,32,128,512 --out sweep",
        ],
    )
    sweep_parser.add_argument(
        "--data",
        metavar="PATH",
        help="FER2013 file "
        "(its Training rows; default: $SKLEARN_FER_DATA, "
        "else synthetic faces)",
    )
    sweep_parser.add_argument("--model", choices=MODELS[:2], default="softmax")
    sweep_parser.add_argument("--target", help="as for train")
    sweep_parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="fixed estimator parameter; repeat for several",
    )
    sweep_parser.add_argument(
        "--eta0",
        default="1e-4,1e-3,1e-2,1e-1",
        help="comma-separated step sizes (1e-4,1e-3,1e-2,1e-1)",
    )
    sweep_parser.add_argument(
        "--batch-size",
        default="1,8,32,128,512",
        help="comma-separated batch sizes (1,8,32,128,512)",
    )
    sweep_parser.add_argument("--cv", type=int, default=3, help="folds (3)")
    sweep_parser.add_argument(
        "--n-faces",
        type=int,
        default=2000,
        help="synthetic faces without --data (2000)",
    )
    sweep_parser.add_argument(
        "--n-jobs", type=int, default=None, help="parallel fits (joblib)"
    )
    sweep_parser.add_argument(
        "--out",
        default="sweep",
        metavar="DIR",
        help="folder for sweep.json and sweep.png (sweep)",
    )
    sweep_parser.add_argument("--random-state", type=int, default=0, help="seed (0)")
    sweep_parser.set_defaults(handler=sweep)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or argparse's usage error (2)
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"sklearn-fer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, ValueError, ImportError, OSError) as exc:
        print(f"sklearn-fer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
