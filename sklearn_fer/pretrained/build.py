"""Build the shipped models from FER2013: fit on Training, score on PublicTest.

Run from a checkout (the files are written into the package's ``models``
folder unless ``--out`` says otherwise)::

    python -m sklearn_fer.pretrained.build --data fer2013.csv.gz

Each model is fit on the Training faces only, with a fixed seed and the
recipe below (nothing chosen by a PublicTest score), then scored once on
PublicTest for its card. For each NAME it writes NAME.skops (the fitted
model, the safe format, nothing but inference state), NAME.json (the facts:
data file SHA-256, command, versions, scores) and NAME.md (the card).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ._card import card_text, reliability_png
from ._registry import SHIPPED, _models_folder

#: The patch features of the linear model: the command line's best entry.
LINEAR_FEATURES = "kmeans-flip"


def _linear_model(random_state):
    """Patch features, a scaler and SGDSoftmaxRegression, as ``sklearn-fer
    train --model softmax --features kmeans-flip`` makes them."""
    from sklearn.pipeline import Pipeline

    from .._cli._models import input_steps, new_estimator

    estimator = new_estimator("softmax", random_state, LINEAR_FEATURES)
    steps = input_steps(LINEAR_FEATURES, estimator, random_state)
    return Pipeline([*steps, ("model", estimator)])


#: name -> a function of the seed that makes the unfitted model.
RECIPES = {"emotions-linear": _linear_model}


def _scores(model, faces) -> tuple[dict, dict, dict]:
    """PublicTest scores, recall per emotion and calibration bins of ``model``:
    the scores of ``compare_estimators``' folds."""
    from ..datasets import EMOTIONS
    from ..metrics import calibration_bins
    from ..model_selection._scoring import FoldScorer, recall_column

    labels = np.arange(len(EMOTIONS))
    # One prediction of PublicTest (the patch features are most of its cost)
    # for the scores and the calibration bins alike.
    started = time.perf_counter()
    proba = model.predict_proba(faces.data)
    seconds = time.perf_counter() - started
    measured = FoldScorer(labels, EMOTIONS).score_predictions(
        faces.target,
        model.classes_[proba.argmax(axis=1)],
        proba,
        model.classes_,
        predict_time=seconds,
    )
    scores = {
        name: measured[name]
        for name in (
            "accuracy",
            "f1_macro",
            "balanced_accuracy",
            "log_loss",
            "expected_calibration_error",
        )
    }
    scores["n_faces"] = len(faces.target)
    scores["faces_per_second"] = len(faces.target) / seconds
    recall = {name: measured[recall_column(name)] for name in EMOTIONS}
    bins = calibration_bins(faces.target, proba, labels=labels)
    reliability = {
        name: [None if np.isnan(v) else float(v) for v in values]
        for name, values in zip(("share", "accuracy", "confidence"), bins, strict=True)
    }
    return scores, recall, reliability


def _write(path, payload: bytes):
    from ..utils._files import atomic_write

    atomic_write(path, payload)


def _facts_of(path) -> dict:
    """Name, size and SHA-256 of a file: not its path, which is this machine's."""
    from .._cli._reporting import file_facts

    return {key: value for key, value in file_facts(path).items() if key != "path"}


def build(name, data, out: Path, random_state: int, command: str) -> dict:
    """Fit model ``name`` on the Training faces of ``data``; write its files."""
    from .._cli._labels import name_classes
    from .._cli._reporting import versions
    from ..datasets import EMOTIONS, load_fer2013
    from ..utils import save_model

    train = load_fer2013(data, usage="Training")
    test = load_fer2013(data, usage="PublicTest")
    model = RECIPES[name](random_state)
    print(f"{name}: fitting {model!r} on {len(train.target)} Training faces")
    started = time.perf_counter()
    model.fit(train.data, train.target)
    fit_seconds = time.perf_counter() - started
    model[-1].set_params(verbose=0)  # as a user would construct it
    name_classes(model, EMOTIONS)
    scores, recall, reliability = _scores(model, test)
    print(
        f"{name}: PublicTest accuracy {scores['accuracy']:.4f}, macro-F1 "
        f"{scores['f1_macro']:.4f} ({fit_seconds:.0f} s to fit)"
    )
    model_path = save_model(model, out / f"{name}.skops")
    facts = {
        "name": name,
        "description": SHIPPED[name],
        "model": repr(model),
        "command": command,
        "random_state": random_state,
        "data": _facts_of(data),
        "n_train": len(train.target),
        "fit_time_seconds": fit_seconds,
        "file": _facts_of(model_path),
        "versions": versions(),
        "scores": scores,
        "recall": recall,
        "reliability": reliability,
    }
    _write(out / f"{name}.json", (json.dumps(facts, indent=2) + "\n").encode())
    _write_card(out, facts)
    return facts


def _write_card(out: Path, facts: dict):
    """NAME.md, and NAME-reliability.png where matplotlib is installed."""
    _write(out / f"{facts['name']}.md", card_text(facts).encode())
    try:
        payload = reliability_png(facts)
    except ImportError:
        print("matplotlib is not installed: no reliability diagram drawn")
        return
    _write(out / f"{facts['name']}-reliability.png", payload)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_fer.pretrained.build",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--data", help="FER2013 csv(.gz) file (needed to fit)")
    parser.add_argument(
        "--model",
        action="append",
        choices=list(RECIPES),
        help="the model to build; repeat for several (default: all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the files (default: the package's models folder)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--cards",
        action="store_true",
        help="only rewrite each card from its facts (NAME.json), fitting nothing",
    )
    args = parser.parse_args(argv)
    out = args.out or _models_folder()
    if args.cards:
        for name in args.model or RECIPES:
            facts = json.loads((out / f"{name}.json").read_text())
            _write_card(out, facts)
        return 0
    if args.data is None:
        parser.error("--data is needed to fit the models (or give --cards)")
    command = "python -m sklearn_fer.pretrained.build --data " + Path(args.data).name
    if args.model:
        command += "".join(f" --model {name}" for name in args.model)
    if args.random_state:
        command += f" --random-state {args.random_state}"
    try:
        if out.exists() and not out.is_dir():  # e.g. --out given the data file
            raise NotADirectoryError(f"--out {out} is a file, not a folder.")
        out.mkdir(parents=True, exist_ok=True)
        for name in args.model or RECIPES:
            build(name, args.data, out, args.random_state, command)
    except (OSError, ValueError) as exc:  # a missing or malformed data file
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
