"""Faces found in photos and cropped as FER2013: the detection round trip.

FER2013 faces are pasted into larger scenes that hold no face (photos shipped
by scikit-learn and scikit-image, and synthetic backgrounds), each scene is
searched by each detector, every face found is cropped by each crop geometry
and predicted by a model, and the accuracy on the crops is set beside the
model's accuracy on the original 48 x 48 faces. Reported per detector and
geometry: faces found, missed and false (a detection that overlaps no pasted
face), the accuracy on the faces found against the direct accuracy on the same
faces ("kept", the goal being at least 95%), and the end-to-end accuracy
(missed faces counted wrong) against the direct accuracy on all faces. Then the
time to find and crop the faces of large photos.

What the round trip measures: whether a face that FER2013 would contain is
found and framed as FER2013 framed it. A pasted face is FER2013's tight 48 x 48
crop, upscaled to 64-256 pixels ("tight"), or the same face with a margin of
its own surroundings continued by mirroring its edges and blended into the
scene ("surround"), since a detector sees a head in a scene, not a square
with a hard edge. Mirrored surroundings are not the real ones: hair,
shoulders and background are missing, so detectors find fewer of these faces
than of real photos' (the Haar cascade, trained on whole heads, most of all).

Geometries: ``box`` (the detector's box framed by the calibration below),
``box+level`` (turned to level the eyes), ``eyes`` and ``eyes+level`` (framed
from YuNet's eye landmarks), and margins around the box. The calibration
(``--calibrate``) runs the detectors on Training faces upscaled 4x on a grey
border and prints where their boxes and landmarks fall on FER2013's square:
the constants of ``sklearn_fer.preprocessing._face_cropper.FRAMING``.

The model: ``--model FILE`` (a saved model), else PatchKMeansEncoder +
StandardScaler + SGDSoftmaxRegression fitted on Training (minus the holdout)
in about a minute. ``--split holdout`` runs the round trip on 2,000 Training
faces held out of that fit, to choose the geometry without PublicTest.

False faces (``--levers``): YuNet is run once per scene at a low confidence
and every setting is applied to its faces as FaceCropper applies it (the
confidence, ``min_size``, the landmark check), beside two rules FaceCropper
does not apply (the nose within 0.75 eye distances below the eyes, the faces
of at least 64 pixels); the cascade is run at each ``--min-neighbors``, with
and without an eye found by OpenCV's eye cascade in the face's upper part.
Choose on ``--split holdout``; report on PublicTest.

``--annotate DIR`` saves each scene of the first geometry of each detector:
the pasted squares in blue, the faces found in green with the predicted
emotion, the false faces in red.

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_faces [--model FILE]``.
"""

import argparse
import os
import sys
import time
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np

from benchmarks._common import data_path_or_exit, machine, markdown_table, report
from sklearn_fer.datasets import EMOTIONS, load_fer2013
from sklearn_fer.preprocessing import FaceCropper, crop_faces
from sklearn_fer.preprocessing._face_detectors import available_detectors

#: Faces held out of Training for --split holdout (and out of the quick model).
HOLDOUT = 2000
#: Scenes' size, and the range of the pasted faces' side (log-uniform).
SCENE_SHAPE = (768, 1024)
FACE_SIDES = (64, 256)
FACES_PER_SCENE = 3
#: Share of the side added on each side of a "surround" face, and blended.
SURROUND = 0.25
#: Photos of scikit-image without a face (astronaut and camera have one; the
#: coins bear heads), and scikit-learn's two sample images.
SKIMAGE_BACKGROUNDS = (
    "brick",
    "cell",
    "chelsea",  # a cat's face: a hard case for false faces
    "clock",
    "coffee",
    "colorwheel",
    "grass",
    "gravel",
    "horse",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)
#: (name, detector, FaceCropper parameters, framing) of each geometry.
GEOMETRIES = {
    "yunet": [
        ("box", {"align": False}, "box"),
        ("box+level", {"align": True}, "box"),
        ("eyes+level", {"align": True}, "eyes"),
        ("mean+level", {"align": True}, "mean"),
        ("box, margin -0.1", {"align": False, "margin": -0.1}, "box"),
        ("box, margin +0.1", {"align": False, "margin": 0.1}, "box"),
    ],
    "haar": [
        ("box", {}, "box"),
        ("box, margin -0.1", {"margin": -0.1}, "box"),
        ("box, margin +0.1", {"margin": 0.1}, "box"),
    ],
}
#: The levers against false faces compared by --levers: (name, FaceCropper
#: parameters, rule), each applied to one pass of YuNet at LOWEST_CONFIDENCE.
#: rule: None (FaceCropper's own checks), "no landmark check" (confidence and
#: size only) or "nose" (also the nose within NOSE_DOWN_LIMIT eye distances
#: below the eyes).
LOWEST_CONFIDENCE = 0.3
NOSE_DOWN_LIMIT = 0.75
YUNET_LEVERS = [
    *(
        (f"min_confidence={confidence}", {"min_confidence": confidence}, None)
        for confidence in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
    ),
    ("0.6, no landmark check", {"min_confidence": 0.6}, "no landmark check"),
    ("0.6, nose check", {"min_confidence": 0.6}, "nose"),
    ("0.75, nose check", {"min_confidence": 0.75}, "nose"),
    ("0.6, min_size=64", {"min_confidence": 0.6, "min_size": 64}, None),
    ("0.75, min_size=64", {"min_confidence": 0.75, "min_size": 64}, None),
]
HAAR_MIN_NEIGHBORS = (5, 8, 12)
HEADER = [
    "faces",
    "detector",
    "geometry",
    "found",
    "false faces",
    "accuracy on found / direct",
    "kept",
    "end to end / direct",
    "ms / scene",
]
LEVERS_HEADER = [*HEADER[:2], "setting", *HEADER[3:-1]]
#: Photo sizes timed (width x height).
TIMED_SIZES = [(1024, 768), (2280, 1588), (3000, 2000), (6000, 4000)]


def _resized(image, shape):
    from PIL import Image

    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.dtype != np.uint8:
        image = np.clip(image * (255 if image.max() <= 1 else 1), 0, 255)
        image = image.astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=2)
    image = Image.fromarray(image[:, :, :3])
    return np.asarray(image.resize(shape[::-1], Image.Resampling.BILINEAR))


def backgrounds(shape=SCENE_SHAPE):
    """(name, RGB uint8 image of ``shape``) of every scene without a face."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    sample = load_sample_images()
    for name, image in zip(sample.filenames, sample.images, strict=True):
        yield Path(name).stem, _resized(image, shape)
    for name in SKIMAGE_BACKGROUNDS:
        yield name, _resized(getattr(data, name)(), shape)
    rng = np.random.RandomState(0)
    height, width = shape
    noise = rng.randint(0, 256, (height, width, 3)).astype(np.uint8)
    yield "noise", noise
    ramp = np.linspace(0, 255, width)[None, :, None] * np.ones((height, 1, 3))
    yield "gradient", (ramp * [1.0, 0.6, 0.3]).astype(np.uint8)
    blocks = np.kron(rng.rand(height // 32, width // 32, 3), np.ones((32, 32, 1)))
    yield "blocks", (blocks * 255).astype(np.uint8)


def _face_patch(face, side, mode):
    """The face upscaled to ``side`` pixels, and the alpha to blend it with.

    Returns the patch, its alpha (1 on the face) and the face's offset in it.
    """
    from PIL import Image

    face = face.reshape(48, 48)
    if mode == "tight":
        patch = Image.fromarray(face).resize((side, side), Image.Resampling.BILINEAR)
        return np.asarray(patch, dtype=np.float32), np.ones((side, side)), 0
    pad = round(48 * SURROUND)
    mirrored = np.pad(face, pad, mode="symmetric")
    full = side + 2 * round(side * SURROUND)
    patch = Image.fromarray(mirrored).resize((full, full), Image.Resampling.BILINEAR)
    offset = (full - side) // 2
    # Alpha: 1 on the face, falling linearly to 0 at the patch's edge.
    distance = np.minimum(np.arange(full), np.arange(full)[::-1])
    ramp = np.clip(distance / max(offset, 1), 0, 1)
    alpha = np.minimum(ramp[:, None], ramp[None, :])
    return np.asarray(patch, dtype=np.float32), alpha, offset


def make_scene(background, faces, rng, mode):
    """``background`` with ``faces`` pasted; the scene and the faces' boxes."""
    scene = background.astype(np.float32)
    height, width = scene.shape[:2]
    taken, boxes = [], []
    low, high = np.log(FACE_SIDES[0]), np.log(FACE_SIDES[1])
    for face in faces:
        for _ in range(100):
            side = int(np.exp(rng.uniform(low, high)))
            patch, alpha, offset = _face_patch(face, side, mode)
            full = len(patch)
            top = rng.randint(0, height - full + 1)
            left = rng.randint(0, width - full + 1)
            box = (left, top, full, full)
            if all(_iou(box, other) == 0 for other in taken):
                break
        else:
            raise RuntimeError("no room for a face in the scene")
        taken.append(box)
        region = scene[top : top + full, left : left + full]
        region *= 1 - alpha[:, :, None]
        region += (alpha * patch)[:, :, None]
        boxes.append((left + offset, top + offset, side, side))
    return np.clip(np.rint(scene), 0, 255).astype(np.uint8), boxes


def make_scenes(X, mode, rng):
    """The faces ``X`` pasted ``mode``, ``FACES_PER_SCENE`` a scene, the
    backgrounds in turn: (background's name, scene, the faces' indices in
    ``X``, their boxes) per scene."""
    scenes_without_faces = list(backgrounds())
    scenes = []
    for number, start in enumerate(range(0, len(X), FACES_PER_SCENE)):
        name, background = scenes_without_faces[number % len(scenes_without_faces)]
        index = np.arange(start, min(start + FACES_PER_SCENE, len(X)))
        scene, boxes = make_scene(background, X[index], rng, mode)
        scenes.append((name, scene, index, boxes))
    return scenes


def _iou(box, other):
    (x, y, w, h), (ox, oy, ow, oh) = box, other
    overlap_w = max(0, min(x + w, ox + ow) - max(x, ox))
    overlap_h = max(0, min(y + h, oy + oh) - max(y, oy))
    overlap = overlap_w * overlap_h
    return overlap / (w * h + ow * oh - overlap)


def quick_model(X, y):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_fer.linear_model import SGDSoftmaxRegression
    from sklearn_fer.preprocessing import PatchKMeansEncoder

    model = make_pipeline(
        PatchKMeansEncoder(random_state=0),
        StandardScaler(),
        SGDSoftmaxRegression(random_state=0),
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    seconds = time.perf_counter() - started
    print(f"quick model fitted on {len(X):,} faces in {seconds:.0f} s")
    return model


def cropper(detector, params, framing):
    cropper = FaceCropper(detector=detector, **params)
    cropper._framing = framing
    return cropper


class Tally:
    """Faces found, predicted right, and false faces over the scenes of one
    detector's setting."""

    def __init__(self, y):
        self.y = y
        self.found = np.zeros(len(y), dtype=bool)
        self.right = np.zeros(len(y), dtype=bool)
        self.false = 0
        self.false_in = set()
        self.seconds = 0.0

    def add(self, boxes, labels, scene):
        """Count one scene's detections (left to right, as ``locate`` lists
        them): a box is the face it overlaps by IoU 0.3 or more (the first
        to), else a false face. Returns whether each box was false."""
        name, _, index, true_boxes = scene
        false = []
        for box, label in zip(boxes, labels, strict=True):
            overlaps = [_iou(box, true) for true in true_boxes]
            best = int(np.argmax(overlaps))
            false.append(overlaps[best] < 0.3 or self.found[index[best]])
            if false[-1]:
                self.false += 1
                self.false_in.add(name)
                continue
            self.found[index[best]] = True
            self.right[index[best]] = label == self.y[index[best]]
        return np.array(false, dtype=bool)

    def row(self, direct, *cells):
        """``cells``, then found, false faces, accuracy kept, end to end."""
        found, right = self.found, self.right
        kept = right[found].mean() / direct[found].mean() if found.any() else 0
        false = f"{self.false}"
        if self.false:
            false += f" ({', '.join(sorted(self.false_in))})"
        return [
            *cells,
            f"{found.sum()} / {len(found)}",
            false,
            f"{right[found].mean():.3f} / {direct[found].mean():.3f}",
            f"**{kept:.1%}**",
            f"{right.mean():.3f} / {direct.mean():.3f} = "
            f"{right.mean() / direct.mean():.1%}",
        ]


def round_trip(model, X, y, detectors, mode, rng, annotate_dir=None, geometries=None):
    """Rows of the round-trip table for the faces ``X`` pasted ``mode``, and
    lines comparing each geometry with the detector's first on the same faces.
    """
    direct = model.predict(X) == y
    scenes = make_scenes(X, mode, rng)
    # The ceiling: each pasted square cropped as it is (no detector).
    right = np.concatenate(
        [
            model.predict(crop_faces(scene, boxes)) == y[index]
            for _, scene, index, boxes in scenes
        ]
    )
    rows = [
        [
            mode,
            "none",
            "the pasted square",
            f"{len(X)} / {len(X)}",
            "0",
            f"{right.mean():.3f} / {direct.mean():.3f}",
            f"**{right.mean() / direct.mean():.1%}**",
            f"{right.mean():.3f} / {direct.mean():.3f} = "
            f"{right.mean() / direct.mean():.1%}",
            "",
        ]
    ]
    print(" | ".join(map(str, rows[-1])), flush=True)
    paired = []
    for detector in detectors:
        outcomes = {}
        for geometry, params, framing in GEOMETRIES[detector]:
            if geometries and geometry not in geometries:
                continue
            tally = Tally(y)
            for scene_number, scene in enumerate(scenes):
                started = time.perf_counter()
                crops = cropper(detector, params, framing).crop([scene[1]])
                tally.seconds += time.perf_counter() - started
                predicted = model.predict(crops.faces) if len(crops.faces) else []
                false = tally.add(crops.boxes, predicted, scene)
                if annotate_dir is not None and not outcomes:
                    annotate(
                        annotate_dir / f"{mode}-{detector}-{scene_number:03d}.png",
                        scene,
                        crops.boxes,
                        predicted,
                        false,
                    )
            rows.append(
                [
                    *tally.row(direct, mode, detector, geometry),
                    f"{1000 * tally.seconds / len(scenes):.0f}",
                ]
            )
            print(" | ".join(map(str, rows[-1])), flush=True)
            outcomes[geometry] = tally.found, tally.right
        paired += _paired(mode, detector, outcomes)
    return rows, paired


def _nose_between(found, limit=NOSE_DOWN_LIMIT):
    """Whether each face's nose tip lies less than ``limit`` eye distances
    below its eyes (along the face's own downward direction): a landmark rule
    measured against false faces (``--levers``), not one FaceCropper applies."""
    eyes, nose = found.landmarks[:, :2], found.landmarks[:, 2]
    between = eyes[:, 1] - eyes[:, 0]
    down = np.stack([-between[:, 1], between[:, 0]], axis=1)
    # down has the eye distance's length: the dot product is in its square.
    depth = np.einsum("ij,ij->i", nose - eyes.mean(axis=1), down)
    return depth <= limit * np.einsum("ij,ij->i", between, between)


def _eyes_seen(grey, squares):
    """Whether OpenCV's eye cascade finds an eye in the upper 60% of each
    square (shrunk to at most 96 pixels wide): a check of the Haar cascade's
    faces measured by ``--levers``."""
    import cv2

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
    seen = []
    for x, y, side, _ in squares:
        region = grey[max(0, y) : y + int(0.6 * side), max(0, x) : x + side]
        shrink = min(1.0, 96 / max(1, region.shape[1]))
        if shrink < 1:
            size = (
                max(1, round(region.shape[1] * shrink)),
                max(1, round(region.shape[0] * shrink)),
            )
            region = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
        smallest = max(4, region.shape[1] // 8)
        eyes = cascade.detectMultiScale(region, 1.1, 3, minSize=(smallest,) * 2)
        seen.append(len(eyes) > 0)
    return np.array(seen, dtype=bool)


def levers(model, X, y, detectors, mode, rng, min_neighbors=HAAR_MIN_NEIGHBORS):
    """Rows of the false-face levers' table for the faces ``X`` pasted
    ``mode``: each of YUNET_LEVERS applied to one pass of YuNet at its lowest
    confidence, and the Haar cascade run at each ``min_neighbors``, with and
    without the eye check."""
    from sklearn_fer.utils._image_geometry import to_grey, to_uint8

    direct = model.predict(X) == y
    scenes = make_scenes(X, mode, rng)
    rows = []
    if "yunet" in detectors:
        probe = FaceCropper(detector="yunet", min_confidence=LOWEST_CONFIDENCE)
        passes = []
        for _, image, _, _ in scenes:
            found, squares, angles = probe._candidates("yunet", image, 1)
            faces = crop_faces(image, squares, angles=angles)
            passes.append((found, squares, model.predict(faces) if len(faces) else []))
        for lever, params, rule in YUNET_LEVERS:
            setting = FaceCropper(detector="yunet", **params)
            tally = Tally(y)
            for scene, (found, squares, predicted) in zip(scenes, passes, strict=True):
                if rule == "no landmark check":
                    keep = (found.scores >= setting.min_confidence) & (
                        squares[:, 2] >= setting.min_size
                    )
                else:
                    keep = setting._keep(found, squares)
                if rule == "nose":
                    keep &= _nose_between(found)
                # Left to right, as locate lists them.
                order = np.lexsort((squares[keep, 1], squares[keep, 0]))
                tally.add(
                    squares[keep][order], np.asarray(predicted)[keep][order], scene
                )
            rows.append(tally.row(direct, mode, "yunet", lever))
            print(" | ".join(rows[-1]), flush=True)
    if "haar" in detectors:
        for neighbors in min_neighbors:
            cropper = FaceCropper(detector="haar", min_neighbors=neighbors)
            plain, checked = Tally(y), Tally(y)
            for scene in scenes:
                crops = cropper.crop([scene[1]])
                if not len(crops.boxes):
                    continue
                predicted = model.predict(crops.faces)
                plain.add(crops.boxes, predicted, scene)
                eyes = _eyes_seen(to_uint8(to_grey(scene[1])), crops.boxes)
                checked.add(crops.boxes[eyes], predicted[eyes], scene)
            for tally, check in ((plain, ""), (checked, ", an eye seen")):
                rows.append(
                    tally.row(direct, mode, "haar", f"min_neighbors={neighbors}{check}")
                )
                print(" | ".join(rows[-1]), flush=True)
    return rows


def _paired(mode, detector, outcomes):
    """Each geometry against the first, on the faces both found: the
    difference in accuracy, with its 95% interval (paired, so much narrower
    than the two accuracies' own)."""
    (first, (found0, right0)), *others = outcomes.items()
    lines = []
    for geometry, (found, right) in others:
        both = found & found0
        difference = right[both].astype(float) - right0[both]
        half = 1.96 * difference.std(ddof=1) / np.sqrt(both.sum())
        lines.append(
            f"{mode}, {detector}: {geometry} - {first} = "
            f"{100 * difference.mean():+.1f} ± {100 * half:.1f} points of accuracy "
            f"on the {both.sum()} faces both found"
        )
        print(lines[-1], flush=True)
    return lines


def annotate(path, scene, boxes, predicted, false):
    """Save the scene with its pasted squares (blue), the faces found (green,
    labelled with the predicted emotion) and the false faces (red)."""
    from PIL import Image

    from sklearn_fer.inspection import annotate_faces

    _, image, _, true_boxes = scene
    names = [
        EMOTIONS[label] if isinstance(label, Integral) else str(label)
        for label in predicted
    ]
    colors = [(230, 30, 30) if is_false else (0, 200, 0) for is_false in false]
    # One call, so that every box is drawn before any label.
    image = annotate_faces(
        image,
        np.concatenate([np.reshape(true_boxes, (-1, 4)), np.reshape(boxes, (-1, 4))]),
        [""] * len(true_boxes) + names,
        color=[(40, 90, 255)] * len(true_boxes) + colors,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


def timings(detectors, X, rng, repeats=3):
    """Milliseconds to find and crop the faces of large photos."""
    rows = []
    for width, height in TIMED_SIZES:
        background = dict(backgrounds())["china"]
        scene, _ = make_scene(background, X[:FACES_PER_SCENE], rng, "surround")
        photo = _resized(scene, (height, width))
        row = [f"{width} x {height}"]
        for detector in detectors:
            cropper = FaceCropper(detector=detector)
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                crops = cropper.crop([photo])
                times.append(time.perf_counter() - started)
            row.append(f"{1000 * np.median(times):.0f} ({len(crops.faces)} faces)")
        rows.append(row)
        print(" | ".join(row), flush=True)
    return rows


def calibrate(X, n_faces=1500, upscale=4, pad=24):
    """Where each detector's boxes and landmarks fall on FER2013's square."""
    from sklearn_fer.preprocessing._face_detectors import find_haar, find_yunet

    rng = np.random.RandomState(0)
    faces = X[rng.choice(len(X), n_faces, replace=False)].reshape(-1, 48, 48)
    yunet, haar = [], []
    for face in faces:
        image = np.kron(np.pad(face, pad, constant_values=128), np.ones((upscale,) * 2))
        image = image.astype(np.uint8)
        if "yunet" in available_detectors():
            found = find_yunet(image, 0.5)
            if len(found.scores):
                best = found.scores.argmax()
                yunet.append((found.boxes[best], found.landmarks[best]))
        found = find_haar(image, 1.1, 5, 48)
        if len(found.boxes):
            haar.append(found.boxes[found.boxes[:, 2].argmax()])
    to_face = lambda v: v / upscale - pad  # noqa: E731
    if yunet:
        boxes = np.array([to_face(b) + np.array([0, 0, pad, pad]) for b, _ in yunet])
        marks = np.array([to_face(m) for _, m in yunet])
        eyes = marks[:, :2]
        distance = np.hypot(*(eyes[:, 1] - eyes[:, 0]).T)
        middle = eyes.mean(axis=1)
        report(
            f"YuNet found {len(yunet)} of {n_faces} Training faces: FER2013's side "
            f"per box height {np.median(48 / boxes[:, 3]):.3f}, per eye distance "
            f"{np.median(48 / distance):.3f}; eye midpoint at "
            f"({np.median(middle[:, 0]) / 48:.3f}, {np.median(middle[:, 1]) / 48:.3f}) "
            f"of the side; box centre off by "
            f"({np.median(boxes[:, 0] + boxes[:, 2] / 2 - 24):.2f}, "
            f"{np.median(boxes[:, 1] + boxes[:, 3] / 2 - 24):.2f}) px."
        )
    haar = np.array(haar)
    side = haar[:, 2] / upscale
    report(
        f"Haar found {len(haar)} of {n_faces}: median side {np.median(side):.2f} px "
        f"(quartiles {np.percentile(side, 25):.2f}, {np.percentile(side, 75):.2f}), "
        f"centre off by ({np.median(to_face(haar[:, 0]) + side / 2 - 24):.2f}, "
        f"{np.median(to_face(haar[:, 1]) + side / 2 - 24):.2f}) px."
    )


def main(argv=()):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_faces")
    parser.add_argument("--model", type=Path, help="a saved model (default: fit one)")
    parser.add_argument(
        "--split",
        nargs="+",
        choices=["PublicTest", "holdout"],
        default=["PublicTest"],
        help="faces to paste: PublicTest, or the Training holdout (to choose on)",
    )
    parser.add_argument("--faces", type=int, default=600, help="faces pasted")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument(
        "--levers",
        action="store_true",
        help="compare the settings against false faces (YuNet's confidence, "
        "sizes, landmark rules; the cascade's min_neighbors, an eye check)",
    )
    parser.add_argument(
        "--min-neighbors",
        type=int,
        nargs="+",
        default=HAAR_MIN_NEIGHBORS,
        help="the cascade's min_neighbors compared by --levers",
    )
    parser.add_argument("--annotate", type=Path, help="folder for annotated scenes")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument(
        "--detector", nargs="+", choices=list(GEOMETRIES), help="default: all"
    )
    parser.add_argument(
        "--geometry", nargs="+", help="geometries to compare (default: all)"
    )
    args = parser.parse_args(argv)
    if args.levers:
        args.no_timing = True
    path = data_path_or_exit()
    detectors = [d for d in available_detectors() if d in (args.detector or [d])]
    training = load_fer2013(path, usage="Training")
    rng = np.random.RandomState(0)
    holdout = np.zeros(len(training.target), dtype=bool)
    holdout[rng.choice(len(holdout), HOLDOUT, replace=False)] = True
    if args.calibrate:
        calibrate(training.data)  # positions only: no label is read
        return
    if args.model:
        from sklearn_fer.utils import load_model

        model, model_name = load_model(args.model), args.model.name
    else:
        model = quick_model(training.data[~holdout], training.target[~holdout])
        model_name = "PatchKMeansEncoder + SGDSoftmaxRegression (fitted here)"
    for split in args.split:
        if split == "holdout":
            X, y = training.data[holdout], training.target[holdout]
        else:
            test = load_fer2013(path, usage="PublicTest")
            X, y = test.data, test.target
        pick = np.random.RandomState(1).permutation(len(X))[: args.faces]
        X, y = X[pick], y[pick]
        report(
            f"### Detection round trip ({split}, {len(X)} faces, {machine()})\n",
            f"Model: {model_name}; detectors: {', '.join(detectors)}; "
            f"{FACES_PER_SCENE} faces of {FACE_SIDES[0]}-{FACE_SIDES[1]} px per "
            f"{SCENE_SHAPE[1]} x {SCENE_SHAPE[0]} scene, over "
            f"{len(list(backgrounds()))} backgrounds.\n",
        )
        if args.levers:
            rows = []
            for mode in ("tight", "surround"):
                rows += levers(
                    model,
                    X,
                    y,
                    detectors,
                    mode,
                    np.random.RandomState(2),
                    args.min_neighbors,
                )
            report(markdown_table(LEVERS_HEADER, rows), "")
            continue
        rows, paired = [], []
        for mode in ("tight", "surround"):
            mode_rows, mode_paired = round_trip(
                model,
                X,
                y,
                detectors,
                mode,
                np.random.RandomState(2),
                args.annotate,
                args.geometry,
            )
            rows += mode_rows
            paired += mode_paired
        report(markdown_table(HEADER, rows), "", *paired, "")
    if not args.no_timing:
        report(
            f"Time to find and crop the faces of one photo, ms (median of 3; "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}):\n"
        )
        rows = timings(detectors, X, np.random.RandomState(3))
        report(markdown_table(["photo", *detectors], rows))


if __name__ == "__main__":
    main(sys.argv[1:])
