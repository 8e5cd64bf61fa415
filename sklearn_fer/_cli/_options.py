"""The options several commands share, declared once, and how they are read.

Each ``*_OPTIONS`` parser is an argparse parent: a command lists the ones it
takes in its ``PARENTS`` and gets the same option, help and default as every
other command that takes it.
"""

import argparse
import ast
import os

from ..datasets import EMOTIONS, emotion_codes
from ..utils._sklearn_api import check_parameters


class UsageError(Exception):
    """A bad command line (exit code 2), found after argparse's own checks."""


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


#: Options of every command.
COMMON_OPTIONS = _parent()
COMMON_OPTIONS.add_argument(
    "--debug",
    action="store_true",
    help="show the Python traceback of an error (also: SKLEARN_FER_DEBUG=1)",
)
COMMON_OPTIONS.add_argument(
    "--quiet",
    action="store_true",
    help="no progress lines on standard error (shown only on a terminal: "
    "what is loading, which model is fitting ...)",
)

#: Options of the commands that write files.
OUTPUT_OPTIONS = _parent()
OUTPUT_OPTIONS.add_argument(
    "--force",
    action="store_true",
    help="replace an existing output file, or a report folder that sklearn-fer "
    "wrote (another folder is never replaced)",
)

DATA_OPTIONS = _parent()
DATA_OPTIONS.add_argument(
    "--data",
    metavar="PATH",
    help="FER2013 CSV file (plain, .gz or .zip) or image folder "
    "(default: $SKLEARN_FER_DATA)",
)

SEED_OPTIONS = _parent()
SEED_OPTIONS.add_argument(
    "--random-state", type=int, default=0, metavar="INT", help="seed"
)

ESTIMATOR_OPTIONS = _parent()
ESTIMATOR_OPTIONS.add_argument(
    "--target",
    help="'emotion' (7 classes), 'happy' (vs the rest) or 2+ comma-separated "
    f"emotions, e.g. happy,neutral,sad; emotions: {','.join(EMOTIONS)}; "
    "in any letter case (default: happy for --model logistic, else emotion)",
)
#: ``--features`` name -> (the sklearn_fer.preprocessing transformer put in
#: front of the scaler, its parameters, the parameters that the linear model
#: reading them starts from), or None: the pixels themselves. "kmeans-flip"
#: is the best configuration chosen by cross-validation on Training
#: (docs/user_guide/features.rst): its features want more epochs. The
#: feature entries keep the step they were chosen with (eta0=0.01): on
#: thousands of correlated features eta0='auto' is safe but cautious
#: (kmeans-flip on PublicTest: 0.498 with 'auto', 0.546 with 0.01).
FEATURES = {
    "pixels": None,
    "hog": ("HOGTransformer", {}, {"eta0": 0.01}),
    "kmeans": ("PatchKMeansEncoder", {}, {"eta0": 0.01}),
    "kmeans-flip": (
        "PatchKMeansEncoder",
        {
            "n_components": 1024,
            "activation": "soft_threshold",
            "threshold": 0.5,
            "power": 0.5,
            "flip_invariant": True,
        },
        {"max_iter": 16, "eta0": 0.01},
    ),
}

ESTIMATOR_OPTIONS.add_argument(
    "--features",
    choices=list(FEATURES),
    default="pixels",
    help="what the linear models read: the pixels, HOG features "
    "(HOGTransformer), learned patch features (PatchKMeansEncoder) with its "
    "defaults or, kmeans-flip, the best configuration found (1024 centroids "
    "and their mirror images, soft threshold, square root: the same features "
    "for a face and its mirror; the model then runs 16 epochs unless --param "
    "says otherwise); saved in the model's pipeline. Features of "
    "the Training faces that would take over 1 GiB as float32 are streamed "
    "through the model chunk by chunk (default: pixels)",
)
ESTIMATOR_OPTIONS.add_argument(
    "--param",
    action="append",
    metavar="NAME=VALUE",
    help="estimator parameter, checked against its valid values; repeat for "
    "several (default: the estimator's defaults)",
)


def _model_file_options(required: bool):
    parent = _parent()
    parent.add_argument(
        "--model",
        required=required,
        metavar="FILE",
        help="a model file saved by train"
        + (
            ""
            if required
            else " (default: the model shipped with sklearn-fer, "
            "sklearn_fer.pretrained)"
        ),
    )
    parent.add_argument(
        "--format",
        choices=["skops", "pickle"],
        default=None,
        help="model file format: skops or pickle (default: skops for a .skops "
        "file; any other file is loaded only with --format pickle)",
    )
    parent.add_argument(
        "--trust",
        action="store_true",
        help="load a skops file holding types other than scikit-learn's and "
        "sklearn-fer's (default: refused)",
    )
    return parent


MODEL_FILE_OPTIONS = _model_file_options(required=True)
#: For predict, which answers with a shipped model when --model is not given.
MODEL_FILE_OR_SHIPPED_OPTIONS = _model_file_options(required=False)


def at_least(minimum):
    """An argparse type: an integer >= ``minimum``."""

    def integer(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    integer.__name__ = f"integer >= {minimum}"
    return integer


def nonzero_int(text):
    """An argparse type: an integer other than 0 (joblib's n_jobs)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs: use 1, 2 ... or -1 for all CPUs")
    return value


def data_path(args, *, required=True):
    """--data, else $SKLEARN_FER_DATA; None (synthetic faces) if not required."""
    path = args.data or os.environ.get("SKLEARN_FER_DATA")
    if required and not path:
        raise UsageError("give --data PATH (or set SKLEARN_FER_DATA).")
    return path


def parse_target(text, model):
    """--target as ``load_fer2013``'s target: 'emotion', 'happy' or a list."""
    if text is None:
        return "happy" if model == "logistic" else "emotion"
    keyword = text.strip().lower()
    if keyword in ("emotion", "happy"):
        target = keyword
    else:
        names = [name for name in text.split(",") if name.strip()]
        try:
            codes = emotion_codes(names)
            if len(codes) < 2:
                raise ValueError("A subset needs at least 2 emotions.")
        except ValueError as exc:
            raise UsageError(
                f"--target {text!r}: {exc} Use 'emotion', 'happy' or 2+ "
                f"comma-separated emotions from {list(EMOTIONS)}."
            ) from exc
        target = [EMOTIONS[code] for code in codes]
    if model == "logistic" and (
        target == "emotion" or (isinstance(target, list) and len(target) != 2)
    ):
        raise UsageError(
            "--model logistic is binary: use --target happy or two emotions "
            "(e.g. happy,sad); --model softmax for more classes."
        )
    return target


def _parse_value(text):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_params(pairs, estimator):
    """Set ``name=value`` strings on ``estimator``, checked against its parameters."""
    params = {}
    valid = sorted(estimator.get_params())
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--param {pair!r}: write name=value.")
        if name not in valid:
            raise UsageError(
                f"--param {name}: {type(estimator).__name__} has no parameter "
                f"{name!r}; valid names: {', '.join(valid)}."
            )
        params[name] = _parse_value(value)
    estimator.set_params(**params)
    try:
        check_parameters(estimator)
    except ValueError as exc:  # sklearn's InvalidParameterError
        raise UsageError(f"--param: {exc}") from exc
    if "device" in params:
        _check_device(params["device"])
    return estimator


def _check_device(value):
    """A PyTorch device this machine has (``--param device=cuda`` on a CPU
    build is refused here, not by an assertion inside PyTorch)."""
    import torch

    try:
        device = torch.device(value)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise UsageError(
            f"--param device={value}: not a PyTorch device ({exc})."
        ) from None
    accelerator = torch.accelerator.current_accelerator()
    available = ["cpu"] + ([accelerator.type] if accelerator is not None else [])
    if device.type not in available:
        raise UsageError(
            f"--param device={value}: this machine's PyTorch has no {device.type} "
            f"device; use one of {available}."
        )
