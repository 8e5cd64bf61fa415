"""Build the shipped models from FER2013: fit on Training, score on PublicTest.

Run from a checkout (the files are written into the package's ``models``
folder unless ``--out`` says otherwise)::

    python -m sklearn_fer.pretrained.build --data fer2013.csv.gz

Each model is fit on the Training faces only, with a fixed seed and the
recipe below (nothing chosen by a PublicTest score), then scored once on
PublicTest for its card. For each NAME it writes NAME.skops (the fitted
model, the safe format, nothing but inference state), NAME.json (the facts:
data file SHA-256, command, versions, scores) and NAME.md (the card).

A model is shipped in the form that predicts with the fewest dependencies:
the network of ``emotions-cnn`` as a ``ConvNetInference`` (NumPy only), its
weights stored in float16. ``--keep-fitted DIR`` also keeps the model as it
was fitted (for the network, the ``ConvNetClassifier`` that PyTorch trains
further) with a record of its data (NAME-fitted.json), and ``--fitted FILE``
ships such a file again without fitting, checked against that record. All
the files of a model are written or none.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..utils._files import atomic_write_all
from ._card import card_text, reliability_png
from ._registry import SHIPPED, _models_folder, read_facts

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


#: The shipped network: ConvNetClassifier's defaults, for the 52 epochs that
#: the CNN benchmark's 30-minute budget gave them on 2 CPU threads (README,
#: "Convolutional network on FER2013"); nothing chosen on PublicTest. Twice
#: the channels (32 to 256) for 30 epochs scored no better on PublicTest
#: (0.6534) and made a file of 3.5 MB in float16, over the package's 4 MB
#: with the linear model.
CNN_PARAMS = {"max_epochs": 52}


def _cnn_model(random_state):
    """ConvNetClassifier with ``CNN_PARAMS``, trained on all Training faces."""
    from ..neural_network import ConvNetClassifier

    return ConvNetClassifier(**CNN_PARAMS, random_state=random_state, verbose=1)


def _numpy_network(convnet):
    """The fitted network as a ConvNetInference, its weights in float16: half
    the file, predicted without PyTorch (the card says what it changed)."""
    from ..neural_network import to_numpy

    return to_numpy(convnet, weights_dtype="float16")


def _without_momentum(pipeline):
    """A copy of the fitted pipeline without its optimizer's momentum, the
    size of the coefficients and not needed to predict (``partial_fit``
    starts it afresh); the step schedule's counters are kept."""
    shipped = copy.deepcopy(pipeline)
    shipped[-1]._optimizer.velocities = None
    return shipped


def _as_fitted(model):
    return model


class Recipe(NamedTuple):
    """How a shipped model is made: ``make(random_state)`` the unfitted
    estimator, ``ship(fitted)`` the fitted one in the form that is shipped,
    and what that changed, in words, for the card."""

    make: Callable
    ship: Callable = _as_fitted
    shipped_as: str = ""


RECIPES = {
    "emotions-linear": Recipe(
        _linear_model,
        _without_momentum,
        "without the optimizer's momentum (training state)",
    ),
    "emotions-cnn": Recipe(
        _cnn_model,
        _numpy_network,
        "as a ConvNetInference (NumPy), batch norm folded in, weights in float16",
    ),
}


def _scores(model, faces) -> tuple[dict, dict, dict, np.ndarray]:
    """PublicTest scores, recall per emotion, calibration bins and
    probabilities of ``model``: the scores of ``compare_estimators``' folds."""
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
    return scores, recall, reliability, proba


def _file_facts(name, payload: bytes) -> dict:
    """Name, size and SHA-256 of a file's bytes (not its path: this machine's)."""
    sha256 = hashlib.sha256(payload).hexdigest()
    return {"name": name, "size_bytes": len(payload), "sha256": sha256}


def _data_facts(data) -> dict:
    from .._cli._reporting import file_facts

    return {key: value for key, value in file_facts(data).items() if key != "path"}


def _saved_bytes(model) -> bytes:
    """The skops file of ``model``, as bytes."""
    from ..utils import save_model

    with tempfile.TemporaryDirectory() as folder:
        return save_model(model, Path(folder) / "model.skops").read_bytes()


def _final_step(model):
    return model[-1] if hasattr(model, "steps") else model


def _training_seconds(model):
    """The seconds a network's epochs took (its history), else None."""
    history = getattr(getattr(model, "net_", None), "history", None)
    return None if history is None else float(sum(history[:, "dur"]))


def _settings(model) -> tuple:
    """The type and parameter values of ``model`` and of its steps, as text."""
    params = model.get_params(deep=True)
    return type(model).__name__, {
        key: repr(value)
        for key, value in params.items()
        if not hasattr(value, "get_params")
    }


def _fit_record(name, data, random_state, n_train) -> dict:
    """What a kept fit was fit on (NAME-fitted.json beside NAME-fitted.skops):
    ``--fitted`` checks it against ``--data`` before a card says so."""
    return {
        "name": name,
        "data": _data_facts(data),
        "random_state": random_state,
        "n_train": n_train,
    }


def _check_fit_record(fitted_file, record: dict) -> bool:
    """Whether ``fitted_file`` has a fit record (True), and that it matches
    ``record``; a record that differs is a ValueError naming what differs."""
    record_file = Path(fitted_file).with_suffix(".json")
    if not record_file.is_file():
        print(
            f"no {record_file.name} beside {fitted_file}: the card will say "
            "that the data the fit was made on is not checked"
        )
        return False
    kept = read_facts(record_file)
    for key in ("name", "random_state", "n_train"):
        if kept.get(key) != record[key]:
            raise ValueError(
                f"--fitted {fitted_file} was fit with {key}={kept.get(key)!r} "
                f"({record_file.name}), not {record[key]!r} as asked."
            )
    kept_sha = (kept.get("data") or {}).get("sha256")
    if kept_sha != record["data"]["sha256"]:
        raise ValueError(
            f"--fitted {fitted_file} was fit on a file with SHA-256 {kept_sha} "
            f"({record_file.name}), not on --data {record['data']['name']} "
            f"(SHA-256 {record['data']['sha256']})."
        )
    return True


def _fitted_model(name, recipe, train, random_state, fitted_file):
    """The model fit on ``train``, or read from ``fitted_file`` (checked to be
    the recipe's model), and the seconds its fit took."""
    from ..utils import load_model

    expected = recipe.make(random_state)
    if fitted_file is None:
        print(f"{name}: fitting {expected!r} on {len(train.target)} Training faces")
        started = time.perf_counter()
        expected.fit(train.data, train.target)
        return expected, time.perf_counter() - started
    model = load_model(fitted_file)
    _final_step(expected).set_params(verbose=0)
    if (
        _settings(model) != _settings(expected)
        or getattr(model, "n_features_in_", None) != (train.data.shape[1])
    ):
        raise ValueError(
            f"--fitted {fitted_file} holds {model!r}, not the recipe of {name} "
            f"({expected!r}) fitted on 48 x 48 faces."
        )
    print(f"{name}: read the fitted model from {fitted_file}")
    return model, _training_seconds(model)


def build(
    name,
    data,
    out: Path,
    random_state: int,
    command: str,
    *,
    fitted_file=None,
    keep_fitted: Path | None = None,
) -> dict:
    """Fit model ``name`` on the Training faces of ``data`` (or read it from
    ``fitted_file``); write its files, all of them or none."""
    from .._cli._labels import name_classes
    from .._cli._reporting import versions
    from ..datasets import EMOTIONS, load_fer2013

    train = load_fer2013(data, usage="Training")
    test = load_fer2013(data, usage="PublicTest")
    recipe = RECIPES[name]
    record = _fit_record(name, data, random_state, len(train.target))
    # Checked before the model file is read: a wrong file fails fast.
    data_checked = fitted_file is None or _check_fit_record(fitted_file, record)
    fitted, fit_seconds = _fitted_model(name, recipe, train, random_state, fitted_file)
    _final_step(fitted).set_params(verbose=0)  # as a user would construct it
    name_classes(fitted, EMOTIONS)
    shipped = name_classes(recipe.ship(fitted), EMOTIONS)
    scores, recall, reliability, proba = _scores(shipped, test)
    print(
        f"{name}: PublicTest accuracy {scores['accuracy']:.4f}, macro-F1 "
        f"{scores['f1_macro']:.4f}"
    )
    model_bytes = _saved_bytes(shipped)
    facts = {
        "name": name,
        "description": SHIPPED[name],
        "model": repr(shipped),
        "command": command,
        "random_state": random_state,
        "data": record["data"],  # its SHA-256 read once
        "n_train": len(train.target),
        "fit_data_checked": data_checked,
        "fit_time_seconds": fit_seconds,
        "file": _file_facts(f"{name}.skops", model_bytes),
        "versions": versions(),
        "scores": scores,
        "recall": recall,
        "reliability": reliability,
    }
    if shipped is not fitted:
        facts["fitted"] = {
            "shipped_as": recipe.shipped_as,
            **_agreement(fitted, proba, test),
        }
    files = {out / f"{name}.skops": model_bytes}
    if keep_fitted is not None and shipped is not fitted:
        files[keep_fitted / f"{name}-fitted.skops"] = _saved_bytes(fitted)
        files[keep_fitted / f"{name}-fitted.json"] = (
            json.dumps(record, indent=2) + "\n"
        ).encode()
    files[out / f"{name}.json"] = (json.dumps(facts, indent=2) + "\n").encode()
    files.update(_card_files(facts, out))
    atomic_write_all(files)
    return facts


def _agreement(fitted, proba, test) -> dict:
    """How the shipped form predicts against the fitted model it came from."""
    fitted_proba = fitted.predict_proba(test.data)
    return {
        "model": repr(fitted),
        "accuracy": float(
            np.mean(fitted.classes_[fitted_proba.argmax(axis=1)] == test.target)
        ),
        "same_predictions": float(
            np.mean(fitted_proba.argmax(axis=1) == proba.argmax(axis=1))
        ),
        "max_probability_difference": float(np.abs(fitted_proba - proba).max()),
    }


def _card_files(facts: dict, out: Path) -> dict:
    """NAME.md, and NAME-reliability.png where matplotlib is installed, in
    ``out``: path -> bytes."""
    files = {out / f"{facts['name']}.md": card_text(facts).encode()}
    try:
        files[out / f"{facts['name']}-reliability.png"] = reliability_png(facts)
    except ImportError:
        print("matplotlib is not installed: no reliability diagram drawn")
    return files


def _make_folder(option: str, folder: Path):
    """Make the output ``folder`` of ``option``, refusing a file (the data
    file given by mistake, say) with an error naming the option."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{option} {folder} is a file, not a folder.")
    folder.mkdir(parents=True, exist_ok=True)


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
        "--keep-fitted",
        type=Path,
        metavar="DIR",
        help="also write each model as fitted (NAME-fitted.skops) in DIR, where "
        "it differs from the shipped form (the network: a ConvNetClassifier)",
    )
    parser.add_argument(
        "--fitted",
        metavar="FILE",
        help="ship this fitted model (a NAME-fitted.skops of --keep-fitted) "
        "instead of fitting it again; needs one --model",
    )
    parser.add_argument(
        "--cards",
        action="store_true",
        help="only rewrite each card from its facts (NAME.json), fitting nothing",
    )
    args = parser.parse_args(argv)
    out = args.out or _models_folder()
    if args.cards:
        try:
            for name in args.model or RECIPES:
                atomic_write_all(_card_files(read_facts(out / f"{name}.json"), out))
        except (OSError, ValueError) as exc:
            print(f"{parser.prog}: {exc}", file=sys.stderr)
            return 1
        except KeyError as exc:
            print(f"{parser.prog}: {name}.json lacks the fact {exc}", file=sys.stderr)
            return 1
        return 0
    if args.data is None:
        parser.error("--data is needed to fit the models (or give --cards)")
    if args.fitted is not None and len(args.model or ()) != 1:
        parser.error("--fitted needs exactly one --model: the model it holds")
    command = "python -m sklearn_fer.pretrained.build --data " + Path(args.data).name
    if args.model:
        command += "".join(f" --model {name}" for name in args.model)
    if args.random_state:
        command += f" --random-state {args.random_state}"
    if args.fitted is not None:
        command += f" --fitted {Path(args.fitted).name}"
    try:
        _make_folder("--out", out)
        if args.keep_fitted is not None:
            _make_folder("--keep-fitted", args.keep_fitted)
        for name in args.model or RECIPES:
            build(
                name,
                args.data,
                out,
                args.random_state,
                command,
                fitted_file=args.fitted,
                keep_fitted=args.keep_fitted,
            )
    except (OSError, ValueError) as exc:  # a missing or malformed data file
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
