"""``sklearn-fer predict``: the emotion of each face in CSV files or photos."""

import contextlib
import csv
import io
import sys
from pathlib import Path

from ..datasets._images import IMAGE_SUFFIXES
from ._data import load_faces
from ._labels import class_names
from ._options import COMMON_OPTIONS, MODEL_FILE_OPTIONS, OUTPUT_OPTIONS, UsageError
from ._outputs import Outputs
from ._progress import say
from .evaluate import load

HELP = "predict emotions of CSV rows, photos, or the faces found in photos"
DESCRIPTION = (
    "Print (or write) one CSV line per face, in the order of the INPUTs: the "
    "input as given (FILE:N for the N-th face of a CSV file), how the face was "
    "taken (the face column: row, centre, detected or none), the predicted "
    "class and the probability of each class. INPUT is a CSV of pixel "
    "strings (any FER2013 layout, e.g. test.csv) or an image file (needs the "
    "images extra), turned upright. Without --detect-faces a photo is "
    "centre-cropped to a square (never stretched) and scaled to 48x48 grey "
    "levels (face: centre), so it should show one face filling the frame. "
    "With --detect-faces (needs the faces extra) each face found is a line "
    "(face: detected) with its box (x, y, width, height, in pixels of the "
    "upright photo) and faces_found, the number of faces in its photo; a "
    "photo without a face is one line with face none, faces_found 0 and no "
    "prediction. CSV rows are FER2013 faces already (face: row)."
)
EXAMPLES = [
    "sklearn-fer predict --model softmax.skops test.csv",
    "sklearn-fer predict --model softmax.skops face1.jpg face2.png "
    "--output predictions.csv",
    "sklearn-fer predict --model softmax.skops --detect-faces group.jpg "
    "--annotate group-annotated.jpg",
]
PARENTS = [MODEL_FILE_OPTIONS, OUTPUT_OPTIONS, COMMON_OPTIONS]

#: The ``face`` column: how the line's face was taken.
FROM_ROW, FROM_CENTRE, DETECTED, NOT_FOUND = "row", "centre", "detected", "none"
#: The columns ``--detect-faces`` adds: the faces of the photo, and the box.
DETECTION_COLUMNS = ["faces_found", "x", "y", "width", "height"]


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
    parser.add_argument(
        "--detect-faces",
        action="store_true",
        help="find the faces of each photo (OpenCV's frontal-face detector; the "
        "faces extra) and predict each one, with its box",
    )
    parser.add_argument(
        "--annotate",
        metavar="FILE_OR_DIR",
        help="with --detect-faces, write a copy of each photo with its faces "
        "boxed and labelled: into FILE when it ends in an image suffix (.png, "
        ".jpg ...; one photo), else into the folder DIR as <photo name>.png "
        "(default: none)",
    )


def _annotates_one_file(given) -> bool:
    return Path(given).suffix.lower() in IMAGE_SUFFIXES


def outputs(args) -> Outputs:
    files = {"--output": args.output} if args.output else {}
    folders = {}
    if args.annotate is not None:
        if not args.detect_faces:
            raise UsageError(
                "--annotate needs --detect-faces: it draws the faces found."
            )
        if not _annotates_one_file(args.annotate):
            folders["--annotate"] = args.annotate
        elif len(args.inputs) > 1:
            raise UsageError(
                f"--annotate {args.annotate}: one image file for "
                f"{len(args.inputs)} inputs; give a folder."
            )
        else:
            files["--annotate"] = args.annotate
    return Outputs(
        inputs=[args.model, *args.inputs],
        files=files,
        folders=folders,
        force=args.force,
    )


class _Annotations:
    """Where the annotated copies of the photos go: into a staging folder (made
    the --annotate folder, whole, once every input is predicted), or kept for
    the one --annotate file."""

    def __init__(self, staging):
        self.staging = staging
        self.names = set()
        self.single = None

    def add(self, given, image):
        if self.staging is None:
            self.single = image
            return
        stem = Path(given).stem or "photo"
        name, number = f"{stem}.png", 1
        while name in self.names:  # two photos of one name, in two folders
            number += 1
            name = f"{stem}-{number}.png"
        self.names.add(name)
        _image_file(image).save(self.staging / name, format="PNG")


def _image_file(array):
    from PIL import Image

    return Image.fromarray(array)


def _encoded(array, given) -> bytes:
    """``array`` as the bytes of an image file in the format of ``given``'s suffix."""
    from PIL import Image

    buffer = io.BytesIO()
    suffix = Path(given).suffix.lower()
    _image_file(array).save(buffer, format=Image.registered_extensions()[suffix])
    return buffer.getvalue()


def _probabilities(model, names, X):
    """The prediction and the probability of each class, as CSV cells."""
    for row in model.predict_proba(X):
        yield [names[int(row.argmax())], *(f"{p:.4f}" for p in row)], row


def _detected_lines(given, path, model, names, cropper, annotations):
    """The lines of the faces found in one photo (one line if none is)."""
    from ..datasets._images import read_photo
    from ..inspection import annotate_faces

    say(f"finding the faces in {given} ...")
    grey, shown = read_photo(path)
    crops = cropper.crop([grey])
    found = len(crops.faces)
    if not found:
        lines = [[given, NOT_FOUND, 0, "", "", "", "", ""] + [""] * len(names)]
        labels = []
    else:
        lines, labels = [], []
        predictions = _probabilities(model, names, crops.faces)
        for box, (cells, row) in zip(crops.boxes, predictions, strict=True):
            lines.append([given, DETECTED, found, *box.tolist(), *cells])
            labels.append(f"{cells[0]} {row.max():.0%}")
    if annotations is not None:
        annotations.add(given, annotate_faces(shown, crops.boxes, labels))
    return lines


def _lines(given, model, names, cropper, annotations):
    """The CSV lines of one input: a CSV file's rows, a photo, or its faces.

    Named as given (``given:N`` for the N-th row of a CSV file), so that two
    face.png in different folders are told apart.
    """
    from ..datasets._images import is_image, read_face

    path = Path(given)
    if not path.exists():
        raise FileNotFoundError(f"No input file at {given}.")
    no_box = [""] * len(DETECTION_COLUMNS) if cropper is not None else []
    if not is_image(path):
        X = load_faces(path).data
        rows = [[f"{given}:{i + 1}", FROM_ROW, *no_box] for i in range(len(X))]
    else:
        try:
            if cropper is not None:
                return _detected_lines(given, path, model, names, cropper, annotations)
            X = read_face(path, resize=True).reshape(1, -1)
        except ImportError as exc:  # Pillow
            raise UsageError(str(exc)) from exc
        rows = [[given, FROM_CENTRE]]
    predictions = _probabilities(model, names, X)
    return [row + cells for row, (cells, _) in zip(rows, predictions, strict=True)]


def run(args):
    from ..utils._files import atomic_write

    cropper = None
    if args.detect_faces:
        from ..preprocessing import FaceCropper
        from ..preprocessing._face_cropper import import_cv2

        import_cv2()  # before any work: one line naming the extra to install
        cropper = FaceCropper()
    model = load(args)
    names = class_names(model)
    header = ["input", "face", *(DETECTION_COLUMNS if cropper else [])]
    # Every input is read and predicted before anything is written; the
    # annotated copies are staged until then.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*header, "prediction", *(f"p({name})" for name in names)])
    with contextlib.ExitStack() as stack:
        annotations = None
        if "--annotate" in args.outputs.folders:
            staging = stack.enter_context(args.outputs.folder("--annotate"))
            annotations = _Annotations(staging)
        elif args.annotate is not None:
            annotations = _Annotations(None)
        for given in args.inputs:  # lines in the order of the arguments
            writer.writerows(_lines(given, model, names, cropper, annotations))
    if annotations is not None and annotations.staging is None:
        if annotations.single is None:
            raise ValueError(f"{args.inputs[0]} is not a photo: nothing to annotate.")
        payload = _encoded(annotations.single, args.annotate)
        atomic_write(args.outputs.file("--annotate"), payload)
    if args.output:
        atomic_write(args.outputs.file("--output"), text.getvalue().encode())
        print(f"predictions: {args.output}")
    else:
        sys.stdout.write(text.getvalue())
    if args.annotate is not None:
        # Not on standard output when the CSV is printed there.
        where = sys.stdout if args.output else sys.stderr
        print(f"annotated photos: {args.annotate}", file=where)
