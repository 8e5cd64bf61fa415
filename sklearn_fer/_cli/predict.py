"""``sklearn-fer predict``: the emotion of each face in CSV files or photos."""

import argparse
import contextlib
import csv
import io
import os
import sys
from pathlib import Path

from ..datasets._images import IMAGE_SUFFIXES
from ._data import load_faces
from ._labels import class_names
from ._options import (
    COMMON_OPTIONS,
    MODEL_FILE_OR_SHIPPED_OPTIONS,
    OUTPUT_OPTIONS,
    UsageError,
)
from ._outputs import Outputs
from ._progress import say
from .evaluate import load

HELP = "predict emotions of CSV rows, photos, or the faces found in photos"
DESCRIPTION = (
    "Print (or write) one CSV line per face, in the order of the INPUTs: the "
    "input as given (FILE:N for the N-th face of a CSV file), how the face was "
    "taken (the face column: row, centre, detected or none), the predicted "
    "class and the probability of each class. INPUT is a CSV of pixel "
    "strings (any FER2013 layout, e.g. test.csv), an image file (needs the "
    "images extra), turned upright, or a folder, whose images are read in "
    "order of their paths, sub-folders included (hidden files and folders, "
    "and files that are not images, are skipped and counted). A photo "
    "other than a 48x48 face has its faces found (the faces extra): each face "
    "is a line (face: detected) with its box (x, y, width, height, in pixels "
    "of the upright photo: the square cropped, turned by angle degrees to "
    "level the eyes) and faces_found, the number of faces in its photo; a "
    "photo without a face is one line with face none, faces_found 0 and no "
    "prediction. With --no-detect-faces, or for a 48x48 image, the photo is "
    "centre-cropped to a square (never stretched) and scaled to 48x48 grey "
    "levels (face: centre). CSV rows are FER2013 faces already (face: row). "
    "Without --model, the model shipped with sklearn-fer answers "
    "(sklearn_fer.pretrained; nothing is downloaded)."
)
EXAMPLES = [
    "sklearn-fer predict group.jpg",
    "sklearn-fer predict --model softmax.skops group.jpg",
    "sklearn-fer predict --model softmax.skops photos/ --annotate annotated/",
    "sklearn-fer predict --model softmax.skops test.csv --output predictions.csv",
    "sklearn-fer predict --model softmax.skops --no-detect-faces face1.png face2.jpg",
]
PARENTS = [MODEL_FILE_OR_SHIPPED_OPTIONS, OUTPUT_OPTIONS, COMMON_OPTIONS]

#: The ``face`` column: how the line's face was taken.
FROM_ROW, FROM_CENTRE, DETECTED, NOT_FOUND = "row", "centre", "detected", "none"
#: The columns face detection adds: the faces of the photo, and the square.
DETECTION_COLUMNS = ["faces_found", "x", "y", "width", "height", "angle"]
#: The size of an image that is a FER2013 face already: never searched.
FACE_SIZE = (48, 48)


def add_arguments(parser):
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="a CSV file of pixel strings, an image file, or a folder of images",
    )
    parser.add_argument(
        "--output", metavar="FILE", help="CSV file to write (default: standard output)"
    )
    parser.add_argument(
        "--detect-faces",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="find the faces of each photo that is not a 48x48 face and predict "
        "each one, with its box (the faces extra; default); --no-detect-faces "
        "reads each photo's centred square as one face",
    )
    parser.add_argument(
        "--detector",
        choices=["auto", "yunet", "haar"],
        default="auto",
        help="the face detector: YuNet (yuface), OpenCV's Haar cascade, or auto: "
        "YuNet where installed, else the cascade (default: auto)",
    )
    parser.add_argument(
        "--annotate",
        metavar="FILE_OR_DIR",
        help="write a copy of each photo whose faces were found, boxed and "
        "labelled: into FILE when it ends in an image suffix (.png, .jpg ...; "
        "one photo), else into the folder DIR as <photo name>.png; a photo "
        "without a face gets no copy (default: none)",
    )


def resolve_model(args):
    """The model that predicts: the one place that says where it comes from.

    The model of ``--model FILE``; without it, the one shipped with the
    package (:func:`sklearn_fer.pretrained.load_pretrained`), named on the
    standard error.
    """
    if args.model is not None:
        return load(args)
    from ..pretrained import load_pretrained
    from ..pretrained._registry import DEFAULT_MODEL

    print(
        f"sklearn-fer predict: no --model given: the shipped model {DEFAULT_MODEL} "
        "answers (sklearn_fer.pretrained; the network, predicting with NumPy).",
        file=sys.stderr,
    )
    return load_pretrained(DEFAULT_MODEL)


def _annotates_one_file(given) -> bool:
    return Path(given).suffix.lower() in IMAGE_SUFFIXES


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _walk(folder: Path):
    """The files under ``folder``, sub-folders included, sorted by their path
    (as its parts, so that ``b/x.png`` comes between ``a.png`` and
    ``c.png``); hidden files and folders left out, links to folders not
    followed (so that a loop of links ends)."""
    files = []
    for root, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not _is_hidden(name)]
        files += [Path(root) / name for name in names if not _is_hidden(name)]
    return sorted(files, key=lambda file: file.relative_to(folder).parts)


def expand_inputs(inputs):
    """``(name, path)`` of each input file, folders walked; one note per folder
    that held files which are not images (they are skipped)."""
    from ..datasets._images import is_image

    expanded = []
    for given in inputs:
        path = Path(given)
        if not path.is_dir():
            expanded.append((given, path))
            continue
        images, skipped = [], []
        for file in _walk(path):
            (images if is_image(file) else skipped).append(file)
        if not images:
            raise UsageError(f"{given}: a folder with no image files in it.")
        if skipped:
            names = ", ".join(str(file.relative_to(path)) for file in skipped[:3])
            more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
            print(
                f"sklearn-fer predict: {given}: skipped {len(skipped)} file"
                f"{'s' * (len(skipped) > 1)} that are not images ({names}{more})",
                file=sys.stderr,
            )
        expanded += [(str(file), file) for file in images]
    return expanded


def _image_size(path):
    """The (width, height) an image's header declares, or None."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    except Exception:  # unreadable: reported when it is read
        return None


def _needs_detection(args) -> bool:
    """Whether an input is a photo whose faces are to be found."""
    from ..datasets._images import is_image

    if not args.detect_faces:
        return False
    return any(
        is_image(path) and _image_size(path) != FACE_SIZE for _, path in args.files
    )


def outputs(args) -> Outputs:
    if args.model is None and (args.format or args.trust):
        raise UsageError(
            "--format and --trust say how to read --model FILE; the shipped "
            "model needs neither."
        )
    args.files = expand_inputs(args.inputs)
    files = {"--output": args.output} if args.output else {}
    folders = {}
    if args.annotate is not None:
        if not args.detect_faces:
            raise UsageError(
                "--annotate draws the faces found: it cannot go with --no-detect-faces."
            )
        if not _annotates_one_file(args.annotate):
            folders["--annotate"] = args.annotate
        elif len(args.files) > 1:
            raise UsageError(
                f"--annotate {args.annotate}: one image file for "
                f"{len(args.files)} inputs; give a folder."
            )
        else:
            files["--annotate"] = args.annotate
        target = Path(args.annotate).resolve()
        for given in args.inputs:
            if Path(given).is_dir() and Path(given).resolve() in target.parents:
                raise UsageError(
                    f"--annotate {args.annotate} lies in the input folder {given}, "
                    "where the next run would read its copies as photos; write "
                    "it elsewhere."
                )
    return Outputs(
        inputs=[given for given in (args.model, *args.inputs) if given],
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
    """The lines of the faces found in one photo (one line if none is), or
    None for a 48 x 48 image, which is a face already."""
    from ..datasets._images import read_photo
    from ..inspection import annotate_faces
    from ..preprocessing import crop_faces

    grey, shown = read_photo(path)
    if grey.shape == FACE_SIZE[::-1]:
        return None
    say(f"finding the faces in {given} ...")
    located = cropper.locate(shown)
    found = len(located.boxes)
    if not found:
        empty = [""] * (len(DETECTION_COLUMNS) - 1 + 1 + len(names))
        return [[given, NOT_FOUND, 0, *empty]]
    faces = crop_faces(grey, located.boxes, angles=located.angles)
    lines, labels = [], []
    predictions = _probabilities(model, names, faces)
    for box, angle, (cells, row) in zip(
        located.boxes, located.angles, predictions, strict=True
    ):
        lines.append([given, DETECTED, found, *box.tolist(), f"{angle:g}", *cells])
        labels.append(f"{cells[0]} {row.max():.0%}")
    if annotations is not None:
        annotations.add(given, annotate_faces(shown, located.boxes, labels))
    return lines


def _lines(given, path, model, names, cropper, annotations, columns):
    """The CSV lines of one input: a CSV file's rows, a photo, or its faces.

    Named as given (``given:N`` for the N-th row of a CSV file), so that two
    face.png in different folders are told apart.
    """
    from ..datasets._images import is_image, read_face

    if not path.exists():
        raise FileNotFoundError(f"No input file at {given}.")
    no_box = [""] * len(DETECTION_COLUMNS) if columns else []
    if not is_image(path):
        X = load_faces(path).data
        rows = [[f"{given}:{i + 1}", FROM_ROW, *no_box] for i in range(len(X))]
    else:
        try:
            if cropper is not None:
                lines = _detected_lines(given, path, model, names, cropper, annotations)
                if lines is not None:
                    return lines
            X = read_face(path, resize=True).reshape(1, -1)
        except ImportError as exc:  # Pillow
            raise UsageError(str(exc)) from exc
        rows = [[given, FROM_CENTRE, *no_box]]
    predictions = _probabilities(model, names, X)
    return [row + cells for row, (cells, _) in zip(rows, predictions, strict=True)]


def _face_cropper(args):
    """The FaceCropper of ``--detector``, checked to import before any work."""
    from ..preprocessing import FaceCropper
    from ..preprocessing._face_detectors import resolve_detector

    try:
        resolve_detector(args.detector)
    except ImportError as exc:
        raise ImportError(
            f"{exc} Or give --no-detect-faces to read each photo's centred square."
        ) from exc
    return FaceCropper(detector=args.detector)


def run(args):
    from ..utils._files import atomic_write

    detecting = _needs_detection(args)
    cropper = _face_cropper(args) if detecting else None
    model = resolve_model(args)
    names = class_names(model)
    header = ["input", "face", *(DETECTION_COLUMNS if detecting else [])]
    # Every input is read and predicted before anything is written; the
    # annotated copies are staged until then.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*header, "prediction", *(f"p({name})" for name in names)])
    no_face = []
    with contextlib.ExitStack() as stack:
        annotations = None
        if "--annotate" in args.outputs.folders:
            staging = stack.enter_context(args.outputs.folder("--annotate"))
            annotations = _Annotations(staging)
        elif args.annotate is not None:
            annotations = _Annotations(None)
        for given, path in args.files:  # lines in the order of the arguments
            lines = _lines(given, path, model, names, cropper, annotations, detecting)
            if lines[0][1] == NOT_FOUND:
                no_face.append(given)
            writer.writerows(lines)
    if annotations is not None and annotations.single is not None:
        payload = _encoded(annotations.single, args.annotate)
        atomic_write(args.outputs.file("--annotate"), payload)
    if args.output:
        atomic_write(args.outputs.file("--output"), text.getvalue().encode())
        print(f"predictions: {args.output}")
    else:
        sys.stdout.write(text.getvalue())
    # Notes on standard error when the CSV is printed on standard output.
    where = sys.stdout if args.output else sys.stderr
    if no_face:
        listed = ", ".join(no_face[:5]) + (" ..." if len(no_face) > 5 else "")
        print(
            f"no face found in {len(no_face)} photo{'s' * (len(no_face) > 1)}: "
            f"{listed}",
            file=where,
        )
    if args.annotate is not None:
        if annotations.staging is None and annotations.single is None:
            print(f"annotated photos: none written to {args.annotate}", file=where)
        else:
            print(f"annotated photos: {args.annotate}", file=where)
