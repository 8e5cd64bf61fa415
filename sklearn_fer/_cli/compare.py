"""``sklearn-fer compare``: several models cross-validated on the same folds.

The work is :func:`sklearn_fer.model_selection.compare_estimators`; this
command chooses the line-up (``--models``), loads the faces, keeps the
finished folds in a working folder of their own as they finish (``--cache``,
default ``REPORT.folds``, so that ``--resume`` goes on after an
interruption: the report folder is published whole at the end, and an
interrupted run publishes nothing), runs the fits on a Dask cluster when
asked (``--scheduler``), and writes the tables and the plots.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

from ._data import load_faces, synthetic_faces
from ._models import input_steps
from ._options import (
    COMMON_OPTIONS,
    DATA_OPTIONS,
    FEATURES,
    OUTPUT_OPTIONS,
    SEED_OPTIONS,
    UsageError,
    at_least,
    data_path,
    nonzero_int,
    parse_target,
)
from ._outputs import MARKER, WORK_MARKER, Outputs
from ._progress import say
from ._reporting import TERMINAL_WIDTH, file_facts, json_text, print_wrapped, versions

HELP = "cross-validate several models on the same folds, with honest statistics"
DESCRIPTION = (
    "Cross-validate a line-up of models on the same folds of the Training "
    "faces of --data or $SKLEARN_FER_DATA (else synthetic faces): accuracy, "
    "balanced accuracy, macro-F1, log loss, calibration error, recall per "
    "emotion, fit and predict time per fold; each model's mean and corrected "
    "95%% interval, and its probability of beating the baseline. Writes the "
    "tables (CSV, markdown) and plots into --report; finished folds are kept "
    "in --cache as they finish, so that --resume goes on after an "
    "interruption."
)
EXAMPLES = [
    "sklearn-fer compare --n-faces 1500 --cv 3",
    "sklearn-fer compare --data fer2013.csv.gz --n-jobs 2 --report compare",
    "sklearn-fer compare --data fer2013.csv.gz --subsample 5000 "
    "--models softmax:hog,mlp:hog --repeats 3",
    "sklearn-fer compare --data fer2013.csv.gz --models default,cnn --final",
    "sklearn-fer compare --data fer2013.csv.gz --scheduler tcp://10.0.0.5:8786",
]
PARENTS = [DATA_OPTIONS, SEED_OPTIONS, OUTPUT_OPTIONS, COMMON_OPTIONS]
#: What the report folder holds (final.csv with --final, the plots with
#: matplotlib); the finished folds are in --cache.
REPORT_FILES = (
    "scores.csv",
    "summary.csv",
    "baseline.csv",
    "final.csv",
    "comparison.json",
    "report.md",
    "*.png",
)


def _softmax(random_state):
    from ..linear_model import SGDSoftmaxRegression

    return SGDSoftmaxRegression(random_state=random_state)


def _logistic_regression(random_state):
    from sklearn.linear_model import LogisticRegression

    # C=0.01 as in the README's benchmarks: the optimum of the SGD models'
    # objective with their default alpha on ~25,000 faces.
    return LogisticRegression(C=0.01)


def _sgd_classifier(random_state):
    from sklearn.linear_model import SGDClassifier

    # Its defaults (max_iter=1000, tol=1e-3) run for minutes on FER2013;
    # 20 epochs is the budget of the README's benchmark.
    return SGDClassifier(
        loss="log_loss", max_iter=20, tol=None, random_state=random_state
    )


def _linear_svc(random_state):
    from sklearn.svm import LinearSVC

    # On one fold of Training (4,000 HOG rows), C=0.001 by the dual solver was
    # as accurate as C=0.01 (0.412 against 0.396) in a fifth of the CPU time
    # of the primal one (6 s against 32 s), which FER2013's dense rows slow.
    return LinearSVC(C=0.001, dual=True, random_state=random_state)


def _mlp(random_state):
    from sklearn.neural_network import MLPClassifier

    # One hidden layer of 100 units, stopped on 10% of the training fold.
    return MLPClassifier(early_stopping=True, random_state=random_state)


def _cnn(random_state):
    try:
        from ..neural_network import ConvNetClassifier
    except ImportError as exc:
        raise UsageError(f"--models cnn: {exc}") from exc
    return ConvNetClassifier(random_state=random_state)


#: ``--models`` name -> a function of the seed that makes the estimator.
MODELS = {
    "softmax": _softmax,
    "logistic-regression": _logistic_regression,
    "sgd-classifier": _sgd_classifier,
    "linear-svc": _linear_svc,
    "mlp": _mlp,
    "cnn": _cnn,
}
#: The line-up of ``--models default``: ours on each kind of features, and
#: scikit-learn's linear models and MLP on HOG, the features that make them
#: most accurate per second (patch features take as long again to encode
#: each fold, and their 8,192 columns slow scikit-learn's solvers most).
DEFAULT_MODELS = (
    "softmax:pixels",
    "softmax:hog",
    "softmax:kmeans",
    "logistic-regression:hog",
    "sgd-classifier:hog",
    "linear-svc:hog",
    "mlp:hog",
)


def add_arguments(parser):
    parser.add_argument(
        "--models",
        default="default",
        metavar="LIST",
        help="comma-separated MODEL:FEATURES (features: "
        f"{', '.join(FEATURES)}; pixels when left out), 'default' for the "
        f"default line-up ({', '.join(DEFAULT_MODELS)}); models: "
        f"{', '.join(MODELS)} (cnn: pixels only, minutes per fold)",
    )
    parser.add_argument(
        "--target",
        help="'emotion' (7 classes), 'happy' (vs the rest) or 2+ "
        "comma-separated emotions, e.g. happy,neutral,sad (default: emotion)",
    )
    parser.add_argument(
        "--baseline",
        metavar="NAME",
        help="the model the others are compared with (default: the first)",
    )
    parser.add_argument(
        "--cv", type=at_least(2), default=5, metavar="INT", help="folds"
    )
    parser.add_argument(
        "--repeats",
        type=at_least(1),
        default=1,
        metavar="INT",
        help="repetitions of the cross-validation, each with other folds",
    )
    parser.add_argument(
        "--rope",
        type=float,
        default=0.01,
        metavar="FLOAT",
        help="differences of accuracy within +-ROPE count as practically equivalent",
    )
    parser.add_argument(
        "--subsample",
        type=at_least(10),
        metavar="INT",
        help="with --data: a stratified sample of this many Training faces, "
        "for a quick run (default: all)",
    )
    parser.add_argument(
        "--n-faces",
        type=at_least(10),
        default=2000,
        metavar="INT",
        help="synthetic faces to draw without --data",
    )
    parser.add_argument(
        "--final",
        action="store_true",
        help="also fit each model on all Training faces and score it on "
        "PublicTest, reported apart from the cross-validation (needs --data)",
    )
    parser.add_argument(
        "--n-jobs",
        type=nonzero_int,
        default=None,
        metavar="INT",
        help="folds fitted at once (joblib; -1: all CPUs) (default: 1; with "
        "--scheduler: every worker thread)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on this Dask scheduler (e.g. tcp://host:8786), "
        "through joblib's dask backend (extra dask) (default: none, the fits "
        "run here)",
    )
    parser.add_argument(
        "--report",
        default="compare",
        metavar="DIR",
        help="folder for the tables and the plots",
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        help="folder where the finished folds are kept as they finish, made "
        "and marked by sklearn-fer (default: the --report path with .folds "
        "appended, e.g. compare.folds)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="go on with the comparison whose finished folds are in --cache, "
        "fitting only the others (an earlier report is replaced)",
    )


def cache_folder(args) -> str:
    """--cache, or the report's path with ``.folds`` appended."""
    return args.cache or os.path.normpath(os.fspath(args.report)) + ".folds"


def outputs(args) -> Outputs:
    if args.resume and args.force:
        raise UsageError("give --resume or --force, not both.")
    cache = cache_folder(args)
    if not (args.resume or args.force):
        if (Path(args.report) / MARKER).is_file():
            raise UsageError(
                f"--report {args.report}: holds an earlier comparison; add "
                "--resume to go on with it (the finished folds in --cache "
                f"{cache} are reused) or --force to start again."
            )
        if (Path(cache) / WORK_MARKER).is_file():
            raise UsageError(
                f"--cache {cache}: holds the finished folds of an earlier "
                "comparison; add --resume to go on with them or --force to "
                "start again."
            )
    return Outputs(
        inputs=[data_path(args, required=False)],
        folders={"--report": args.report},
        work={"--cache": cache},
        contents={"--report": REPORT_FILES},
        force=args.force or args.resume,
    )


def _parse_models(text) -> list[tuple[str, str]]:
    """--models as (model, features) pairs, in order, each once."""
    chosen = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item == "default":
            pairs = [name.split(":") for name in DEFAULT_MODELS]
        else:
            model, _, features = item.partition(":")
            pairs = [(model.strip(), features.strip() or "pixels")]
        for model, features in pairs:
            if model not in MODELS:
                raise UsageError(
                    f"--models: no model {model!r}; choose from {', '.join(MODELS)}."
                )
            if features not in FEATURES:
                raise UsageError(
                    f"--models {item}: no features {features!r}; choose from "
                    f"{', '.join(FEATURES)}."
                )
            if model == "cnn" and features != "pixels":
                raise UsageError(
                    f"--models {item}: the CNN learns its own features from the "
                    "pixels; write cnn."
                )
            if (model, features) not in chosen:
                chosen.append((model, features))
    if not chosen:
        raise UsageError("--models: name at least one model.")
    return chosen


def _model_name(model, features) -> str:
    return model if model == "cnn" else f"{model}:{features}"


def _pipeline(model, features, random_state):
    """The estimator of ``model`` behind ``features`` and a scaler.

    The features are the pipeline's first step, the scaler and the model a
    pipeline of their own behind it: compare_estimators then caches the
    features alone, which every model on them shares, and not the scaled copy
    of each.
    """
    from sklearn.pipeline import Pipeline

    estimator = MODELS[model](random_state)
    steps = input_steps(features, estimator, random_state)
    if not steps:  # the CNN scales each face itself
        return estimator
    *feature_steps, scale = steps
    classifier = Pipeline([scale, ("model", estimator)])
    if not feature_steps:
        return classifier
    return Pipeline([*feature_steps, ("classifier", classifier)])


def _stratified_sample(y, n, random_state):
    from sklearn.model_selection import train_test_split

    if n >= len(y):
        return np.arange(len(y))
    kept, _ = train_test_split(
        np.arange(len(y)), train_size=n, stratify=y, random_state=random_state
    )
    return np.sort(kept)


def _faces(args, target):
    """(X, y, names, source, test): Training faces and, with --final, PublicTest."""
    path = data_path(args, required=False)
    if args.final and not path:
        raise UsageError("--final scores PublicTest: give --data PATH.")
    if args.subsample and not path:
        raise UsageError("--subsample samples FER2013: give --data PATH.")
    test = None
    if path:
        faces = load_faces(path, target=target, usage="Training", labelled=True)
        X, y, names = faces.data, faces.target, list(faces.target_names)
        keep = _stratified_sample(y, args.subsample or len(y), args.random_state)
        X, y = X[keep], y[keep]
        source = f"{len(y)} Training faces of {Path(path).name}"
        if args.final:
            public = load_faces(path, target=target, usage="PublicTest")
            test = (public.data.astype(np.float32), public.target)
    else:
        X, y, names = synthetic_faces(args.n_faces, target, args.random_state)
        source = f"{len(y)} synthetic faces"
    present = np.unique(y)
    names = [names[code] for code in present]
    return X.astype(np.float32), y, names, source, test


def _start_cache(args) -> Path:
    """The folder of finished folds: emptied of them with --force."""
    from ..model_selection._fold_cache import forget_folds

    # A killed run's half-written fold is removed by the next fold written
    # beside it (atomic_write).
    cache = args.outputs.work_folder("--cache")
    if args.force:
        forget_folds(cache)
    return cache


def _dask_client(address):
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(
            "--scheduler needs dask's distributed: pip install 'sklearn-fer[dask]'."
        ) from exc
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise OSError(f"--scheduler {address}: cannot connect ({exc}).") from exc


def _markdown_table(frame) -> str:
    header = [frame.index.name or "", *map(str, frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in frame.iterrows():
        lines.append("| " + " | ".join([str(name), *map(str, row)]) + " |")
    return "\n".join(lines)


def _number(value, digits=4):
    return "-" if not np.isfinite(value) else f"{value:.{digits}f}"


def _summary_table(summary, comparison, baseline):
    """The headline table: one row per model, its scores and its test."""
    import pandas as pd

    rows = {}
    for name, row in summary.iterrows():
        accuracy = row["accuracy"]
        against = comparison.loc[name] if name in comparison.index else None
        rows[name] = {
            "accuracy": f"{_number(accuracy['mean'])} ± {_number(accuracy['std'])}",
            "95% interval": (
                f"{_number(accuracy['ci_low'], 3)}-{_number(accuracy['ci_high'], 3)}"
            ),
            "balanced acc.": _number(row["balanced_accuracy", "mean"]),
            "macro-F1": _number(row["f1_macro", "mean"]),
            "log loss": _number(row["log_loss", "mean"]),
            "ECE": _number(row["expected_calibration_error", "mean"]),
            "fit (s)": _number(row["fit_time", "mean"], 1),
            "predict (s)": _number(row["predict_time", "mean"], 2),
            f"vs {baseline}": (
                "baseline"
                if against is None
                else f"{against['difference']:+.4f}"
                if np.isfinite(against["difference"])
                else "-"
            ),
            "P(better)": "" if against is None else _number(against["prob_better"], 3),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table


def _flat_summary(summary):
    flat = summary.copy()
    flat.columns = [f"{metric}_{statistic}" for metric, statistic in flat.columns]
    return flat


def _print_tables(table, title):
    print(f"\n{title}")
    # The scores first, the losses, timings and the test in a second block,
    # so that each fits an 88-column terminal.
    first = table.iloc[:, :4]
    second = table.iloc[:, 4:]
    for part in (first, second):
        print(part.to_string(line_width=TERMINAL_WIDTH))


def _plots(folder, scores, title, metric="accuracy"):
    """fold_scores.png, score_vs_fit_time.png, recall_per_class.png."""
    try:
        import matplotlib
    except ImportError:
        print(
            "matplotlib is not installed: no plots (pip install 'sklearn-fer[plot]').",
            file=sys.stderr,
        )
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..inspection import (
        FoldScoresDisplay,
        RecallHeatmapDisplay,
        ScoreVsTimeDisplay,
    )

    written = []
    try:
        for name, draw in (
            ("fold_scores.png", FoldScoresDisplay.from_comparison),
            ("score_vs_fit_time.png", ScoreVsTimeDisplay.from_comparison),
        ):
            display = draw(scores, metric=metric, title=title)
            display.figure_.savefig(folder / name, dpi=100)
            written.append(name)
        display = RecallHeatmapDisplay.from_comparison(scores, title=title)
        display.figure_.savefig(folder / "recall_per_class.png", dpi=100)
        written.append("recall_per_class.png")
    finally:
        plt.close("all")
    return written


def _report_markdown(settings, table, comparison, plots, final_table):
    lines = [
        "# Cross-validated comparison",
        "",
        f"{settings['faces']}; {settings['splits']}; seed {settings['random_state']}; "
        f"data SHA-256 `{settings['data']['sha256']}`."
        if settings["data"]["sha256"]
        else f"{settings['faces']}; {settings['splits']}; seed "
        f"{settings['random_state']}.",
        "",
        "Accuracy: mean ± standard deviation over the splits, and the 95% "
        "interval of the corrected resampled t (Nadeau and Bengio), which "
        "accounts for the training faces the folds share. P(better): the "
        f"posterior probability of a higher accuracy than {settings['baseline']} "
        "(Bayesian correlated t-test). ECE: expected calibration error "
        "(15 bins). Times: mean seconds per fold.",
        "",
        _markdown_table(table),
        "",
        f"## Against {settings['baseline']} (accuracy, ROPE ±{settings['rope']})",
        "",
        _markdown_table(comparison.map(lambda v: _number(v))),
        "",
    ]
    lines += [f"![{name}]({name})" for name in plots]
    if final_table is not None:
        lines += [
            "",
            "## Final fit: all Training faces, scored on PublicTest",
            "",
            "One fit per model, apart from the cross-validation above; "
            "PublicTest chose nothing.",
            "",
            _markdown_table(final_table),
        ]
    return "\n".join(lines) + "\n"


def _final_scores(estimators, X, y, test, progress):
    """Each model fit on all of Training and scored on PublicTest, one row each."""
    from ..model_selection import compare_estimators

    X_test, y_test = test
    X_all = np.concatenate([X, X_test])
    y_all = np.concatenate([y, y_test])
    split = [(np.arange(len(y)), np.arange(len(y), len(y_all)))]
    final = compare_estimators(estimators, X_all, y_all, cv=split, progress=progress)
    columns = [
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "log_loss",
        "expected_calibration_error",
        "fit_time",
    ]
    return final.set_index("estimator")[columns].rename_axis("model")


def run(args):
    import contextlib
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from ..model_selection import (
        compare_estimators,
        compare_to_baseline,
        summarize_scores,
    )

    target = parse_target(args.target, "softmax")
    chosen = _parse_models(args.models)
    names = [_model_name(model, features) for model, features in chosen]
    baseline = args.baseline or names[0]
    if baseline not in names:
        raise UsageError(f"--baseline {baseline}: not one of the models {names}.")
    if len(names) < 2:
        raise UsageError("--models: name at least two models to compare.")
    estimators = {
        name: _pipeline(model, features, args.random_state)
        for name, (model, features) in zip(names, chosen, strict=True)
    }
    X, y, class_names, source, test = _faces(args, target)
    from sklearn.model_selection import RepeatedStratifiedKFold

    folds = RepeatedStratifiedKFold(
        n_splits=args.cv, n_repeats=args.repeats, random_state=args.random_state
    )
    splits = f"{args.cv}-fold cross-validation" + (
        f" repeated {args.repeats} times" if args.repeats > 1 else ""
    )
    hint = ""
    if not data_path(args, required=False):
        hint = " (make_faces; --data PATH for FER2013)"
    print_wrapped(f"compare {', '.join(names)} on {source}{hint}, {splits}")
    cache = _start_cache(args)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        n_jobs = args.n_jobs
        if args.scheduler:
            from joblib import parallel_config

            client = stack.enter_context(_dask_client(args.scheduler))
            stack.enter_context(parallel_config(backend="dask"))
            say(f"fitting on the Dask cluster at {client.scheduler.address}")
            n_jobs = -1 if n_jobs is None else n_jobs
        try:
            # The baselines run with a budget (lbfgs' 100 iterations, the
            # dual solver's 1000): a fold that uses it up is not an error.
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            scores = compare_estimators(
                estimators,
                X,
                y,
                cv=folds,
                target_names=class_names,
                n_jobs=n_jobs,
                cache_dir=cache,
                # A remote cluster's workers may not see the cache folder.
                share_features=not args.scheduler,
                progress=say,
            )
        except KeyboardInterrupt:
            print(
                f"sklearn-fer compare: the finished folds are kept in {cache}; "
                "run the same command with --resume to go on.",
                file=sys.stderr,
            )
            raise
    seconds = time.perf_counter() - started
    final_table = None
    if test is not None:
        say("final fits on all Training faces, scored on PublicTest ...")
        final_table = _final_scores(estimators, X, y, test, say)
    summary = summarize_scores(scores)
    comparison = compare_to_baseline(scores, baseline, rope=args.rope)
    table = _summary_table(summary, comparison, baseline)
    _print_tables(table, f"{splits} on {source} ({seconds:.0f} s)")
    if final_table is not None:
        print("\nfinal fit on all Training faces, scored on PublicTest")
        print(final_table.to_string(float_format=lambda v: f"{v:.4f}"))
    path = data_path(args, required=False)
    settings = {
        "command": "compare",
        "faces": source,
        "splits": splits,
        "target": target,
        "class_names": class_names,
        "random_state": args.random_state,
        "baseline": baseline,
        "rope": args.rope,
        "data": file_facts(path) if path else {"sha256": None},
        "models": {name: repr(estimator) for name, estimator in estimators.items()},
        "seconds": seconds,
        "versions": versions(),
    }
    with args.outputs.folder("--report") as staging:
        scores.to_csv(staging / "scores.csv", index=False)
        _flat_summary(summary).to_csv(staging / "summary.csv")
        comparison.to_csv(staging / "baseline.csv")
        if final_table is not None:
            final_table.to_csv(staging / "final.csv")
        (staging / "comparison.json").write_text(json_text(settings))
        plots = _plots(staging, scores, f"{splits} on {source}")
        (staging / "report.md").write_text(
            _report_markdown(settings, table, comparison, plots, final_table)
        )
    args.outputs.publish()
    print(f"\nreport: {Path(args.report) / 'report.md'}")
    print(f"finished folds, for --resume: {cache}")
