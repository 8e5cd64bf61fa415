"""How the CNN's defaults were chosen: a Training holdout, never PublicTest.

Each variant of ConvNetClassifier(random_state=0) is fit on a stratified 90% of
FER2013 Training (7 emotions) and scored on the other 10%, without and with
test-time flip averaging; the time per epoch is printed beside it, because the
networks are compared within a training-time budget. Run:
``SKLEARN_FER_DATA=... python -m benchmarks.compare_cnn [--jobs 2] [VARIANT ...]``
with each VARIANT a Python dict literal of parameters (default: the fits that
chose ``convs_per_block=None``). ``--jobs 2`` fits two variants at once with
one thread each: on 2 cores a pair of 10-epoch fits took 16.5 minutes, against
about 19 for the two in turn with two threads each. Its times per epoch are
then one thread's, and its weights are not bit for bit a two-thread fit's
(sums are added in another order).
"""

import argparse
import ast
import time

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split

from benchmarks._common import CORES, data_path_or_exit, machine, processor
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.neural_network import ConvNetClassifier

#: The fits that chose convs_per_block=None (two convolutions in the first
#: block before 2026-11-26): less accuracy per epoch, more per minute.
DEFAULT_VARIANTS = [
    {"convs_per_block": 2, "max_epochs": 6},
    {"convs_per_block": None, "max_epochs": 6},
    {"convs_per_block": None, "max_epochs": 10},
]
#: Share of Training held out, and the seed of the split.
HOLDOUT, HOLDOUT_SEED = 0.1, 12345


def fit_and_score(params, threads, X_fit, y_fit, X_holdout, y_holdout):
    """Holdout accuracy without and with the flip, and seconds per epoch."""
    torch.set_num_threads(threads)
    model = ConvNetClassifier(random_state=0, **params)
    started = time.perf_counter()
    model.fit(X_fit, y_fit)
    seconds = time.perf_counter() - started
    accuracy = model.score(X_holdout, y_holdout)
    flipped = model.set_params(test_time_flip=True).score(X_holdout, y_holdout)
    return (
        f"{params}: {seconds / 60:.1f} min ({seconds / model.n_iter_:.0f} s / "
        f"epoch on {processor(model.device)}), holdout accuracy "
        f"{accuracy:.4f}, with the flip {flipped:.4f}"
    )


def variant(text):
    """One VARIANT argument: a dict literal of ConvNetClassifier parameters."""
    try:
        params = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        params = None
    if not isinstance(params, dict):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a dict literal of parameters, "
            "e.g. \"{'dropout': 0.25, 'max_epochs': 10}\""
        )
    return params


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.compare_cnn", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "variants",
        nargs="*",
        type=variant,
        metavar="VARIANT",
        help="a dict literal of parameters (default: DEFAULT_VARIANTS)",
    )
    parser.add_argument(
        "--jobs", type=int, choices=[1, 2], default=1, help="variants fit at once"
    )
    args = parser.parse_args(argv)
    path = data_path_or_exit()
    faces = load_fer2013(path, usage="Training")
    # The indices StratifiedShuffleSplit(test_size=HOLDOUT) draws, as before.
    fit, holdout = train_test_split(
        np.arange(len(faces.target)),
        test_size=HOLDOUT,
        stratify=faces.target,
        random_state=HOLDOUT_SEED,
    )
    X_fit, y_fit = faces.data[fit], faces.target[fit]
    X_holdout, y_holdout = faces.data[holdout], faces.target[holdout]
    print(
        f"## ConvNetClassifier variants, {len(y_fit)} Training faces fit, "
        f"{len(y_holdout)} held out ({machine()})",
        flush=True,
    )
    threads = CORES // args.jobs
    lines = Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(fit_and_score)(params, threads, X_fit, y_fit, X_holdout, y_holdout)
        for params in args.variants or DEFAULT_VARIANTS
    )
    for line in lines:
        print(line, flush=True)


if __name__ == "__main__":
    main()
