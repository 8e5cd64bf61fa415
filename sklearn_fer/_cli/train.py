"""``sklearn-fer train``: fit a model on Training, save it and a report."""

import time
from pathlib import Path

import numpy as np

from . import _progress
from ._data import load_faces
from ._labels import name_classes
from ._models import (
    MODELS,
    input_steps,
    n_features_out,
    new_estimator,
    streaming_classifier,
    streams,
    unstreamed,
)
from ._options import (
    COMMON_OPTIONS,
    DATA_OPTIONS,
    ESTIMATOR_OPTIONS,
    OUTPUT_OPTIONS,
    SEED_OPTIONS,
    data_path,
    parse_params,
    parse_target,
)
from ._outputs import Outputs
from ._reporting import (
    estimator_params,
    file_facts,
    print_scores,
    print_wrapped,
    scores,
    versions,
    write_model_card,
    write_report,
)

HELP = "fit a model on Training, save it and a report"
DESCRIPTION = (
    "Fit on the Training rows (validation loss on PublicTest, or on 10% of "
    "Training held out), print the loss per epoch, save the model and a "
    "report folder (metrics.json, loss_curve.png, confusion_matrix.png). "
    "Linear models are saved as a pipeline behind their StandardScaler."
)
EXAMPLES = [
    "sklearn-fer train --data fer2013.csv.gz --model logistic --out happy.skops",
    "sklearn-fer train --data fer2013.csv.gz --model softmax "
    "--param eta0=0.003 --param batch_size=256 --out softmax.skops",
    "sklearn-fer train --data fer2013.csv.gz --model cnn --target "
    "happy,neutral,sad --param max_epochs=16 --out cnn.skops",
]
PARENTS = [
    DATA_OPTIONS,
    ESTIMATOR_OPTIONS,
    SEED_OPTIONS,
    OUTPUT_OPTIONS,
    COMMON_OPTIONS,
]


def add_arguments(parser):
    parser.add_argument(
        "--model",
        choices=list(MODELS),
        required=True,
        help="what to fit: logistic (binary), softmax (2+ classes) or cnn "
        "(the cnn extra)",
    )
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="the model file to write"
    )
    parser.add_argument(
        "--report", metavar="DIR", help="report folder (default: FILE's stem + -report)"
    )
    parser.add_argument(
        "--format",
        choices=["skops", "pickle"],
        default="skops",
        help="model file format: skops (loads without running code) or pickle",
    )


def report_dir(args) -> str:
    if args.report:
        return args.report
    out = Path(args.out)
    if not out.name:  # --out '' or '.': refused by the guard, named here
        return f"{args.out}-report"
    return str(out.with_name(out.stem + "-report"))


def outputs(args) -> Outputs:
    return Outputs(
        inputs=[data_path(args, required=False)],
        files={"--out": args.out},
        folders={"--report": report_dir(args)},
        force=args.force,
    )


def _split(faces, steps, path):
    """Training and the validation set (PublicTest, if any), labelled with the
    codes of ``load_fer2013``, through ``steps`` (features and a scaler) fitted
    on Training; returns the split, those steps as a fitted Pipeline (None
    when there are none: the CNN), and the number of features to stream
    (None unless they are too many for memory: the split then holds faces).
    """
    from sklearn.pipeline import Pipeline

    from ..datasets import train_test_by_usage

    try:
        split = train_test_by_usage(faces, standardize=False)
    except ValueError as exc:  # no Training faces
        raise ValueError(f"{path}: {exc}") from exc
    inputs, streamed, fitted = None, None, []
    if steps:
        split.X_train = split.X_train.astype(np.float32)
        split.X_test = split.X_test.astype(np.float32)
    if steps and steps[0][0] == "features":
        transformer = steps[0][1]
        _progress.say(f"learning {type(transformer).__name__} features")
        transformer.fit(split.X_train)
        n_features = n_features_out(transformer, split.X_train)
        if streams(len(split.X_train), n_features):
            streamed = n_features
        else:
            _progress.say(f"computing {n_features} features a face")
            split.X_train = transformer.transform(split.X_train)
            if len(split.X_test):
                split.X_test = transformer.transform(split.X_test)
        fitted, steps = steps[:1], steps[1:]
    if steps and streamed is None:
        rest = Pipeline(steps)
        split.X_train = rest.fit_transform(split.X_train)
        if len(split.X_test):
            split.X_test = rest.transform(split.X_test)
        inputs = Pipeline([*fitted, *rest.steps])
    split.eval_set = None
    if len(split.y_test):
        split.eval_set = (split.X_test, split.y_test)
    return split, inputs, streamed


def _scores_and_curves(estimator, split):
    """Scores on PublicTest (Training without it), and the loss curves.

    Scored on the already-scaled arrays: the same predictions as the pipeline's.
    """
    if split.eval_set is not None:
        name, title, (X, y) = "PublicTest", "PublicTest scores", split.eval_set
    else:
        name, X, y = "Training", split.X_train, split.y_train
        title = "Training scores (no PublicTest rows in the file)"
    split_scores, predicted = scores(estimator, X, y)
    print_scores(title, split_scores)
    validation = estimator.validation_loss_curve_
    metrics = {
        "scored_on": name,
        "n_scored": len(y),
        "scores": split_scores,
        "loss_curve": [float(v) for v in estimator.loss_curve_],
        "validation_loss_curve": (
            None if validation is None else [float(v) for v in validation]
        ),
    }
    return metrics, y, predicted


def run(args):
    from sklearn.pipeline import Pipeline

    from ..utils import save_model

    target = parse_target(args.target, args.model)
    estimator = parse_params(
        args.param, new_estimator(args.model, args.random_state, args.features)
    )
    path = data_path(args)
    faces = load_faces(path, target=target, labelled=True)
    target_names = faces.target_names
    steps = input_steps(args.features, estimator, args.random_state)
    split, inputs, streamed = _split(faces, steps, path)
    del faces  # the split holds its own copies
    if streamed is not None:
        _progress.say(
            f"{streamed} features a face: too many for memory "
            f"({len(split.y_train) * streamed * 4 / 2**30:.1f} GiB as float32), "
            "streamed through the model from a float16 cache on disk"
        )
        estimator = streaming_classifier(steps[0][1], estimator, streamed)
    if split.eval_set is None:
        estimator.set_params(validation_fraction=0.1)
        validation = "10% of Training"
    else:
        validation = "PublicTest"
    print_wrapped(
        f"training {estimator!r} on {len(split.y_train)} faces of {path} "
        f"(validation: {validation})"
    )
    started = time.perf_counter()
    estimator.fit(split.X_train, split.y_train, eval_set=split.eval_set)
    metrics = {
        "command": "train",
        "model": repr(estimator),
        "params": estimator_params(estimator),
        "features": args.features,
        "target": target,
        "target_names": target_names.tolist(),
        "data": file_facts(path),
        "n_train": len(split.y_train),
        "validation": validation,
        "fit_time_seconds": time.perf_counter() - started,
    }
    more, y_report, predicted = _scores_and_curves(estimator, split)
    metrics.update(more)
    metrics["versions"] = versions()
    model = estimator
    if inputs is not None:
        model = Pipeline([*inputs.steps, ("model", estimator)])
    if streamed is not None:
        model = unstreamed(estimator)
    name_classes(model, target_names)
    # Saved as a user would construct it: a refit of the file prints nothing.
    estimator.set_params(verbose=0)
    # The model and its report are written under temporary names, then
    # published together (Ctrl-C held off meanwhile): never a new model beside
    # an old report. The report names the model's bytes (size, SHA-256).
    staged = save_model(model, args.outputs.file("--out"), format=args.format)
    metrics["model_file"] = {
        **file_facts(staged),
        "path": args.out,
        "name": Path(args.out).name,
    }
    with args.outputs.folder("--report") as staging:
        write_report(
            staging,
            model,
            y_report,
            predicted,
            metrics,
            subject=f"{type(estimator).__name__} trained on {Path(path).name}",
            scored_on=metrics["scored_on"],
            validation=f"validation: {validation}",
        )
        write_model_card(staging, model, metrics, Path(args.out).name, args.format)
    args.outputs.publish()
    print(f"\nmodel: {args.out}\nreport: {report_dir(args)}")
