"""How the CNN's defaults were chosen: a Training holdout, never PublicTest.

Each variant of ConvNetClassifier(random_state=0) is fit on a stratified 90% of
FER2013 Training (7 emotions) and scored on the other 10% with each of
``VIEWS`` (the centre crop, with its mirror, ten crops); the minutes, epochs
and time per epoch are printed beside it, because the networks are compared
within a training-time budget. Run:
``SKLEARN_FER_DATA=... python -m benchmarks.compare_cnn [--jobs 2] [VARIANT ...]``
with each VARIANT a Python dict literal of parameters (default: the fits that
chose the defaults of 2026-12-04). ``--jobs 2`` fits two variants at once with
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

#: The fits that chose the crops, the weight average, dropout=0.25 and
#: learning_rate=3e-3 (2026-12-04, run as three pairs with --jobs 2); the
#: first is the network of the defaults before then.
DEFAULT_VARIANTS = [
    {
        "crop_size": None,
        "ema_decay": None,
        "dropout": 0.5,
        "learning_rate": 1e-3,
        "max_epochs": 10,
    },
    {"ema_decay": None, "dropout": 0.5, "learning_rate": 1e-3, "max_epochs": 17},
    {"dropout": 0.5, "learning_rate": 1e-3, "max_epochs": 17},
    {"max_epochs": 17},
    {"erasing": 0.5, "max_epochs": 17},
    {"crop_size": 44, "max_epochs": 14},
]
#: Share of Training held out, and the seed of the split.
HOLDOUT, HOLDOUT_SEED = 0.1, 12345


#: The test-time views each trained network is scored with.
VIEWS = {
    "centre": {"test_time_crops": 1, "test_time_flip": False},
    "flip": {"test_time_crops": 1, "test_time_flip": True},
    "ten-crop": {"test_time_crops": 5, "test_time_flip": True},
}


def fit_and_score(params, threads, X_fit, y_fit, X_holdout, y_holdout):
    """Holdout accuracy for each of VIEWS, minutes, epochs and seconds per epoch."""
    torch.set_num_threads(threads)
    model = ConvNetClassifier(random_state=0, **params)
    started = time.perf_counter()
    model.fit(X_fit, y_fit)
    seconds = time.perf_counter() - started
    accuracies = ", ".join(
        f"{name} {model.set_params(**views).score(X_holdout, y_holdout):.4f}"
        for name, views in VIEWS.items()
    )
    return (
        f"{params}: {seconds / 60:.1f} min, {model.n_iter_} epochs "
        f"({seconds / model.n_iter_:.0f} s / epoch on {processor(model.device)}), "
        f"holdout accuracy {accuracies}"
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
