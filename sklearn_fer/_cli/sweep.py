"""``sklearn-fer sweep``: the step-size and batch-size study, by cross-validation."""

import warnings
from pathlib import Path

import numpy as np

from ._data import load_faces, synthetic_faces
from ._models import input_steps, new_estimator
from ._options import (
    COMMON_OPTIONS,
    DATA_OPTIONS,
    ESTIMATOR_OPTIONS,
    OUTPUT_OPTIONS,
    SEED_OPTIONS,
    UsageError,
    at_least,
    data_path,
    nonzero_int,
    parse_params,
    parse_target,
)
from ._outputs import Outputs
from ._progress import say
from ._reporting import json_text, plot_sweep, print_study, print_wrapped

HELP = "cross-validated step-size and batch-size study"
DESCRIPTION = (
    "Cross-validate the model for each eta0 (other parameters fixed), then for "
    "each batch size; print accuracy and fit time, and save sweep.json and "
    "sweep.png. On the Training rows of --data or $SKLEARN_FER_DATA, else on "
    "synthetic faces."
)
EXAMPLES = [
    "sklearn-fer sweep",
    "sklearn-fer sweep --data fer2013.csv.gz --eta0 1e-4,1e-3,1e-2,1e-1 "
    "--batch-size 1,32,128,512 --out sweep",
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
        choices=["logistic", "softmax"],
        default="softmax",
        help="what to cross-validate: logistic (binary) or softmax (2+ classes)",
    )
    parser.add_argument(
        "--eta0",
        default="1e-4,1e-3,1e-2,1e-1",
        metavar="LIST",
        help="comma-separated step sizes",
    )
    parser.add_argument(
        "--batch-size",
        default="1,8,32,128,512",
        metavar="LIST",
        help="comma-separated batch sizes",
    )
    parser.add_argument(
        "--cv", type=at_least(2), default=3, metavar="INT", help="folds"
    )
    parser.add_argument(
        "--n-faces",
        type=at_least(1),
        default=2000,
        metavar="INT",
        help="synthetic faces to draw without --data",
    )
    parser.add_argument(
        "--n-jobs",
        type=nonzero_int,
        default=None,
        metavar="INT",
        help="parallel fits (joblib; -1: all CPUs) (default: 1, one at a time)",
    )
    parser.add_argument(
        "--out",
        default="sweep",
        metavar="DIR",
        help="folder for sweep.json and sweep.png",
    )


def outputs(args) -> Outputs:
    return Outputs(
        inputs=[data_path(args, required=False)],
        folders={"--out": args.out},
        force=args.force,
    )


def _parse_values(text, kind, option, estimator, name):
    """The values of ``option``, each checked as ``estimator``'s ``name``."""
    from sklearn.base import clone

    from ..utils._sklearn_api import check_parameters

    try:
        values = [kind(v) for v in text.split(",")]
    except ValueError as exc:
        raise UsageError(
            f"{option} {text!r}: a comma-separated list of numbers."
        ) from exc
    for value in values:
        try:
            check_parameters(clone(estimator).set_params(**{name: value}))
        except ValueError as exc:  # sklearn's InvalidParameterError
            raise UsageError(f"{option} {value:g}: {exc}") from exc
    return values


def _study(pipeline, name, values, folds, n_jobs, X, y):
    """Cross-validated accuracy and fit time for each value of one parameter.

    A value whose fits fail (divergence, say) gets null scores and the reason.
    """
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    step = pipeline.steps[-1][0]
    study = {
        "values": values,
        "mean_accuracy": [],
        "std_accuracy": [],
        "mean_fit_time": [],
        "error": [],
    }
    for value in values:
        say(f"{name}={value:g}: {folds.get_n_splits()}-fold cross-validation ...")
        candidate = clone(pipeline).set_params(**{f"{step}__{name}": value})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = cross_validate(
                    candidate,
                    X,
                    y,
                    cv=folds,
                    n_jobs=n_jobs,
                    scoring="accuracy",
                    error_score="raise",
                )
        except ValueError as exc:  # divergence, a fold without a class ...
            scores, seconds, error = [np.nan], [np.nan], str(exc).splitlines()[0]
        else:
            scores, seconds, error = results["test_score"], results["fit_time"], None
        study["mean_accuracy"].append(float(np.mean(scores)))
        study["std_accuracy"].append(float(np.std(scores)))
        study["mean_fit_time"].append(float(np.mean(seconds)))
        study["error"].append(error)
    return study


def run(args):
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    target = parse_target(args.target, args.model)
    estimator = parse_params(
        args.param, new_estimator(args.model, args.random_state, args.features)
    )
    estimator.set_params(verbose=0)
    eta0s = _parse_values(args.eta0, float, "--eta0", estimator, "eta0")
    batch_sizes = _parse_values(
        args.batch_size, int, "--batch-size", estimator, "batch_size"
    )
    path = data_path(args, required=False)
    if path:
        faces = load_faces(path, target=target, usage="Training", labelled=True)
        X, y = faces.data, faces.target
        source = f"the {len(y)} Training faces of {Path(path).name}"
        hint = ""
    else:
        X, y, _ = synthetic_faces(args.n_faces, target, args.random_state)
        source = f"{len(y)} synthetic faces"
        hint = " (make_faces; --data PATH for FER2013)"
    pipeline = Pipeline(
        [
            *input_steps(args.features, estimator, args.random_state),
            ("model", estimator),
        ]
    )
    folds = StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)
    print_wrapped(f"sweep of {estimator!r} on {source}{hint}, {args.cv}-fold CV")
    X = X.astype(np.float32)
    studies = {}
    for name, values in (("eta0", eta0s), ("batch_size", batch_sizes)):
        studies[name] = _study(pipeline, name, values, folds, args.n_jobs, X, y)
        print_study(name, studies[name])
    errors = [error for study in studies.values() for error in study["error"]]
    if all(errors):
        raise ValueError(f"every fit of the sweep failed; the first: {errors[0]}")
    with args.outputs.folder("--out") as staging:
        (staging / "sweep.json").write_text(json_text(studies))
        try:
            plot_sweep(
                studies,
                staging / "sweep.png",
                title=f"{args.cv}-fold cross-validation of "
                f"{type(estimator).__name__} on {source}",
                n_folds=args.cv,
            )
            plot = f", plot: {Path(args.out) / 'sweep.png'}"
        except ImportError:
            plot = " (no plot: matplotlib missing)"
    args.outputs.publish()
    print(f"\nresults: {Path(args.out) / 'sweep.json'}{plot}")
