"""How the CNN's architecture default was chosen: a Training holdout, never PublicTest.

Each variant of ConvNetClassifier(random_state=0) is fit on a stratified 90% of
FER2013 Training (7 emotions) and scored on the other 10%, without and with
test-time flip averaging; the time per epoch is printed beside it, because the
networks are compared within a training-time budget. Run:
``SKLEARN_FER_DATA=... python -m benchmarks.compare_cnn [VARIANT ...]`` with
each VARIANT a Python dict literal of parameters (default: the fits that chose
``convs_per_block=None``: one convolution in the first block).
"""

import ast
import sys
import time

import torch

from benchmarks._common import data_path_or_exit, machine
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.neural_network import ConvNetClassifier
from sklearn_fer.utils._validation import stratified_holdout

DEFAULT_VARIANTS = [
    {"convs_per_block": 2, "max_epochs": 6},
    {"convs_per_block": None, "max_epochs": 6},
    {"convs_per_block": None, "max_epochs": 10},
]
#: Share of Training held out, and the seed of the split.
HOLDOUT, HOLDOUT_SEED = 0.1, 12345


def main(variants):
    path = data_path_or_exit()
    torch.set_num_threads(2)
    faces = load_fer2013(path, usage="Training")
    fit, holdout = stratified_holdout(faces.target, HOLDOUT, HOLDOUT_SEED)
    X_fit, y_fit = faces.data[fit], faces.target[fit]
    X_holdout, y_holdout = faces.data[holdout], faces.target[holdout]
    print(
        f"## ConvNetClassifier variants, {len(y_fit)} Training faces fit, "
        f"{len(y_holdout)} held out ({machine()})",
        flush=True,
    )
    for params in variants:
        model = ConvNetClassifier(random_state=0, **params)
        started = time.perf_counter()
        model.fit(X_fit, y_fit)
        seconds = time.perf_counter() - started
        accuracy = model.score(X_holdout, y_holdout)
        flipped = model.set_params(test_time_flip=True).score(X_holdout, y_holdout)
        print(
            f"{params}: {seconds / 60:.1f} min ({seconds / model.n_iter_:.0f} s / "
            f"epoch), holdout accuracy {accuracy:.4f}, with the flip {flipped:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main([ast.literal_eval(v) for v in sys.argv[1:]] or DEFAULT_VARIANTS)
