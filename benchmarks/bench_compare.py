"""``sklearn-fer compare`` on FER2013: the default line-up, 5-fold CV on Training.

Runs the command as a user would (``sklearn-fer compare --data ... --n-jobs
2``), into ``reports/compare`` (replaced), times it, and reports its table:
each model's mean accuracy with the corrected 95% interval, macro-F1, log
loss, calibration error, fit time, and its probability of beating
SGDSoftmaxRegression on the pixels. The target of issue #25: the whole
line-up in at most 15 minutes on 2 cores. The load average before and after
is reported, as the machine may be shared.

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_compare [--subsample N]
[--models LIST]`` (``python -m benchmarks compare --readme`` writes the
README's table).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks._common import (
    CORES,
    data_path_or_exit,
    machine,
    markdown_table,
    report,
)
from sklearn_fer._cli import main as sklearn_fer

ROOT = Path(__file__).resolve().parent.parent
#: The target of issue #25, in seconds.
TARGET = 15 * 60


def _load():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _row(name, summary, baseline):
    accuracy = f"{summary.loc[name, 'accuracy_mean']:.4f}"
    spread = f"{summary.loc[name, 'accuracy_std']:.4f}"
    low = summary.loc[name, "accuracy_ci_low"]
    high = summary.loc[name, "accuracy_ci_high"]

    def number(column, digits=4):
        value = summary.loc[name, column]
        return "-" if pd.isna(value) else f"{value:.{digits}f}"

    if name in baseline.index:
        better = baseline.loc[name, "prob_better"]
        difference = f"{baseline.loc[name, 'difference']:+.4f} ({better:.2f})"
    else:
        difference = "baseline"
    return [
        name,
        f"{accuracy} ± {spread}",
        f"{low:.3f}-{high:.3f}",
        number("f1_macro_mean"),
        number("log_loss_mean"),
        number("expected_calibration_error_mean"),
        number("fit_time_mean", 1),
        difference,
    ]


def main(argv=()):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_compare")
    parser.add_argument("--subsample", type=int, help="Training faces to use")
    parser.add_argument("--models", default="default")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "compare")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="go on with an interrupted run in --report (the time is then that "
        "of the folds left, and says so)",
    )
    args = parser.parse_args(list(argv))
    path = data_path_or_exit()
    argv = ["compare", "--data", path, "--models", args.models, "--cv", "5"]
    argv += ["--n-jobs", str(CORES), "--report", str(args.report), "--quiet"]
    if args.subsample:
        argv += ["--subsample", str(args.subsample)]
    if args.resume:
        argv.append("--resume")
    elif (
        args.report.exists()
        or args.report.with_name(f"{args.report.name}.folds").exists()
    ):
        argv.append("--force")  # the report and the finished folds (--cache)
    load_before = _load()
    started = time.perf_counter()
    code = sklearn_fer(argv)
    seconds = time.perf_counter() - started
    load_after = _load()
    if code != 0:
        raise SystemExit(f"sklearn-fer compare failed (exit code {code})")
    summary = pd.read_csv(args.report / "summary.csv", index_col=0)
    baseline = pd.read_csv(args.report / "baseline.csv", index_col=0)
    scores = pd.read_csv(args.report / "scores.csv")
    first = summary.index[0]
    n_faces = int(scores["n_train"].iloc[0] + scores["n_test"].iloc[0])
    report(f"### Cross-validated comparison on FER2013 ({machine()})", "")
    command = "sklearn-fer compare --data fer2013.csv.gz --n-jobs 2"
    if args.models != "default":
        command += f" --models {args.models}"
    if args.subsample:
        command += f" --subsample {args.subsample}"
    timing = f"{seconds / 60:.1f} min (target: at most {TARGET // 60} min)"
    if args.resume:
        timing = (
            f"resumed after an interruption, {seconds / 60:.1f} min for the folds "
            f"left (not the time of a whole run; target: at most {TARGET // 60} "
            "min)"
        )
    report(
        f"`{command}`: the default line-up, 5-fold cross-validation on "
        f"{n_faces:,} Training faces, {CORES} folds at a time: "
        f"{timing}; load "
        f"average {load_before:.1f} before, {load_after:.1f} after, on "
        f"{os.cpu_count()} CPUs. Accuracy: mean ± std over the folds, and "
        "the 95% interval of the corrected resampled t (Nadeau and Bengio). "
        f"Last column: the mean difference from {first} and, in brackets, "
        "the probability of a higher accuracy (Bayesian correlated t-test). "
        "ECE: expected calibration error. Fit: mean seconds per fold, the "
        "features included (for softmax:kmeans, learning the patch dictionary "
        "and encoding the faces); HOG, which several models share, is computed "
        "once per fold and counted in the first model's time.",
        "",
    )
    rows = [_row(name, summary, baseline) for name in summary.index]
    report(
        markdown_table(
            [
                "model",
                "accuracy",
                "95% interval",
                "macro-F1",
                "log loss",
                "ECE",
                "fit (s)",
                f"vs {first} (P(better))",
            ],
            rows,
        )
    )
    recall = scores.filter(like="recall_").groupby(scores["estimator"]).mean()
    best = summary["accuracy_mean"].idxmax()
    report(
        "",
        f"Recall per emotion of the most accurate, {best}: "
        + ", ".join(
            f"{column[len('recall_') :]} {value:.2f}"
            for column, value in recall.loc[best].sort_values(ascending=False).items()
        )
        + ".",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
