"""``sklearn-fer predict``: the emotion of each face in CSV files or images."""

import csv
import io
import sys
from pathlib import Path

from ._data import load_faces
from ._labels import class_names
from ._options import COMMON_OPTIONS, MODEL_FILE_OPTIONS, OUTPUT_OPTIONS, UsageError
from ._outputs import Outputs
from .evaluate import load

HELP = "predict emotions of CSV rows or image files"
DESCRIPTION = (
    "Print (or write) one CSV line per face, in the order of the INPUTs: the "
    "input as given (FILE:N for the N-th face of a CSV file), the predicted "
    "class and the probability of each class. INPUT is a CSV of pixel "
    "strings (any FER2013 layout, e.g. test.csv) or an image file (needs the "
    "images extra): a photo is turned upright, centre-cropped to a square "
    "(never stretched) and scaled to 48x48 grey levels; it should show one "
    "face filling the frame, as there is no face detection."
)
EXAMPLES = [
    "sklearn-fer predict --model softmax.skops test.csv",
    "sklearn-fer predict --model softmax.skops face1.jpg face2.png "
    "--output predictions.csv",
]
PARENTS = [MODEL_FILE_OPTIONS, OUTPUT_OPTIONS, COMMON_OPTIONS]


def add_arguments(parser):
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="a CSV file of pixel strings or an image file",
    )
    parser.add_argument(
        "--output", metavar="FILE", help="CSV file to write (default: standard output)"
    )


def outputs(args) -> Outputs:
    return Outputs(
        inputs=[args.model, *args.inputs],
        files={"--output": args.output} if args.output else {},
        force=args.force,
    )


def _faces_of(given):
    """The input's faces and their names: ``given`` for an image, ``given:N`` for
    the N-th face of a CSV file (``given`` as typed, so that two face.png in
    different folders are told apart)."""
    from ..datasets._images import is_image, read_face

    path = Path(given)
    if not path.exists():
        raise FileNotFoundError(f"No input file at {given}.")
    if is_image(path):
        try:
            face = read_face(path, resize=True)
        except ImportError as exc:
            raise UsageError(str(exc)) from exc
        return [given], face.reshape(1, -1)
    faces = load_faces(path)
    return [f"{given}:{i + 1}" for i in range(len(faces.data))], faces.data


def run(args):
    from ..utils._files import atomic_write

    model = load(args)
    classes = class_names(model)
    # Every input is read and predicted before anything is written.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["input", "prediction", *(f"p({c})" for c in classes)])
    for given in args.inputs:  # rows in the order of the arguments
        names, X = _faces_of(given)
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
