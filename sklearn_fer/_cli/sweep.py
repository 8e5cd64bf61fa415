"""``sklearn-fer sweep``: the step-size and batch-size study, by cross-validation."""

import json
import warnings
from pathlib import Path

import numpy as np

from ._data import labelled_faces, synthetic_faces
from ._models import new_estimator
from ._options import (
    DATA_OPTIONS,
    ESTIMATOR_OPTIONS,
    SEED_OPTIONS,
    UsageError,
    data_path,
    parse_params,
    parse_target,
)

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
PARENTS = [DATA_OPTIONS, ESTIMATOR_OPTIONS, SEED_OPTIONS]


def add_arguments(parser):
    parser.add_argument("--model", choices=["logistic", "softmax"], default="softmax")
    parser.add_argument(
        "--eta0",
        default="1e-4,1e-3,1e-2,1e-1",
        help="comma-separated step sizes (1e-4,1e-3,1e-2,1e-1)",
    )
    parser.add_argument(
        "--batch-size",
        default="1,8,32,128,512",
        help="comma-separated batch sizes (1,8,32,128,512)",
    )
    parser.add_argument("--cv", type=int, default=3, help="folds (3)")
    parser.add_argument(
        "--n-faces",
        type=int,
        default=2000,
        help="synthetic faces without --data (2000)",
    )
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="parallel fits (joblib)"
    )
    parser.add_argument(
        "--out",
        default="sweep",
        metavar="DIR",
        help="folder for sweep.json and sweep.png (sweep)",
    )


def _parse_list(text, kind, name):
    try:
        return [kind(v) for v in text.split(",")]
    except ValueError as exc:
        raise UsageError(
            f"{name} {text!r}: a comma-separated list of numbers."
        ) from exc


def _study(pipeline, name, values, folds, n_jobs, X, y):
    """Cross-validated accuracy and fit time for each value of one parameter."""
    from sklearn.model_selection import GridSearchCV

    step = pipeline.steps[-1][0]
    search = GridSearchCV(
        pipeline,
        {f"{step}__{name}": values},
        cv=folds,
        n_jobs=n_jobs,
        scoring="accuracy",
        error_score=np.nan,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    results = search.cv_results_
    return {
        "values": values,
        "mean_accuracy": results["mean_test_score"].tolist(),
        "std_accuracy": results["std_test_score"].tolist(),
        "mean_fit_time": results["mean_fit_time"].tolist(),
    }


def _print_study(name, study):
    print(f"\n{name} (other parameters at their values above)")
    print(f"  {name:>10} {'accuracy':>10} {'std':>8} {'fit time (s)':>13}")
    for value, mean, std, seconds in zip(
        study["values"],
        study["mean_accuracy"],
        study["std_accuracy"],
        study["mean_fit_time"],
        strict=True,
    ):
        print(f"  {value:>10g} {mean:>10.4f} {std:>8.4f} {seconds:>13.3f}")


def run(args):
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    eta0s = _parse_list(args.eta0, float, "--eta0")
    batch_sizes = _parse_list(args.batch_size, int, "--batch-size")
    target = parse_target(args.target, args.model)
    estimator = parse_params(args.param, new_estimator(args.model, args.random_state))
    estimator.set_params(verbose=0)
    path = data_path(args, required=False)
    if path:
        faces = labelled_faces(path, target, "Training")
        X, y = faces.data, faces.target_names[faces.target]
        source = f"FER2013 Training from {path}"
    else:
        X, y = synthetic_faces(args.n_faces, target, args.random_state)
        source = f"{len(y)} synthetic faces (make_faces); --data PATH for FER2013"
    pipeline = make_pipeline(StandardScaler(), estimator)
    folds = StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)
    print(f"sweep of {estimator!r} on {source}, {args.cv}-fold CV", flush=True)
    X = X.astype(np.float32)
    studies = {}
    for name, values in (("eta0", eta0s), ("batch_size", batch_sizes)):
        studies[name] = _study(pipeline, name, values, folds, args.n_jobs, X, y)
        _print_study(name, studies[name])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(studies, indent=2) + "\n")
    try:
        _plot(studies, out / "sweep.png")
        print(f"\nresults: {out / 'sweep.json'}, plot: {out / 'sweep.png'}")
    except ImportError:
        print(f"\nresults: {out / 'sweep.json'} (no plot: matplotlib missing)")


def _plot(studies, path):
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
