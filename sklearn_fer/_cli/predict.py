"""``sklearn-fer predict``: the emotion of each face in CSV files or images."""

import csv
import io
import sys
from pathlib import Path

from ._data import load_faces
from ._options import COMMON_OPTIONS, MODEL_FILE_OPTIONS, OUTPUT_OPTIONS, UsageError
from ._outputs import Outputs
from .evaluate import load

HELP = "predict emotions of CSV rows or image files"
DESCRIPTION = (
    "Print (or write) one CSV line per face: the input, the predicted class "
    "and the probability of each class. INPUT is a CSV of pixel strings (any "
    "FER2013 layout, e.g. test.csv) or an image file, converted to 48x48 grey "
    "levels (needs the images extra)."
)
EXAMPLES = [
    "sklearn-fer predict --model softmax.skops test.csv",
    "sklearn-fer predict --model softmax.skops face1.jpg face2.png "
    "--output predictions.csv",
]
PARENTS = [MODEL_FILE_OPTIONS, OUTPUT_OPTIONS, COMMON_OPTIONS]


def add_arguments(parser):
    parser.add_argument("inputs", nargs="+", metavar="INPUT")
    parser.add_argument(
        "--output", metavar="FILE", help="CSV file to write (default: standard output)"
    )


def outputs(args) -> Outputs:
    return Outputs(
        inputs=[args.model, *args.inputs],
        files={"--output": args.output} if args.output else {},
        force=args.force,
    )


def _inputs(paths):
    """(source name, pixel rows) per input: CSV files row by row, images one each."""
    import numpy as np

    from ..datasets._images import is_image, read_face

    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"No input file at {path}.")
    images = [path for path in paths if is_image(path)]
    for path in paths:
        if path not in images:
            faces = load_faces(path)
            yield [f"{path.name}:{i + 1}" for i in range(len(faces.data))], faces.data
    if images:
        try:
            faces = [read_face(path, resize=True) for path in images]
        except ImportError as exc:
            raise UsageError(str(exc)) from exc
        yield [path.name for path in images], np.stack(faces)


def run(args):
    from ..utils._files import atomic_write

    model = load(args)
    classes = [str(c) for c in model.classes_]
    # Every input is read and predicted before anything is written.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["input", "prediction", *(f"p({c})" for c in classes)])
    for names, X in _inputs(args.inputs):
        proba = model.predict_proba(X)
        for name, row in zip(names, proba, strict=True):
            writer.writerow(
                [name, classes[int(row.argmax())], *(f"{p:.4f}" for p in row)]
            )
    if args.output:
        atomic_write(args.outputs.file("--output"), text.getvalue().encode())
        print(f"predictions: {args.output}")
    else:
        sys.stdout.write(text.getvalue())
