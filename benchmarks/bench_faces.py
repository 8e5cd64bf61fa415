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

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_faces [--model FILE]``.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks._common import data_path_or_exit, machine, markdown_table, report
from sklearn_fer.datasets import load_fer2013
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
    cropper = FaceCropper(detector=detector, min_size=32, **params)
    cropper._framing = framing
    return cropper


def round_trip(model, X, y, detectors, mode, rng, annotate_dir=None, geometries=None):
    """Rows of the round-trip table for the faces ``X`` pasted ``mode``, and
    lines comparing each geometry with the detector's first on the same faces.
    """
    direct = model.predict(X) == y
    scenes_without_faces = list(backgrounds())
    scenes = []
    for number, start in enumerate(range(0, len(X), FACES_PER_SCENE)):
        name, background = scenes_without_faces[number % len(scenes_without_faces)]
        index = np.arange(start, min(start + FACES_PER_SCENE, len(X)))
        scene, boxes = make_scene(background, X[index], rng, mode)
        scenes.append((name, scene, index, boxes))
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
            found = np.zeros(len(X), dtype=bool)
            right = np.zeros(len(X), dtype=bool)
            false, false_in = 0, set()
            seconds = 0.0
            for scene_number, (name, scene, index, true_boxes) in enumerate(scenes):
                started = time.perf_counter()
                crops = cropper(detector, params, framing).crop([scene])
                seconds += time.perf_counter() - started
                predicted = model.predict(crops.faces) if len(crops.faces) else []
                for box, label in zip(crops.boxes, predicted, strict=True):
                    overlaps = [_iou(box, true) for true in true_boxes]
                    best = int(np.argmax(overlaps))
                    if overlaps[best] < 0.3 or found[index[best]]:
                        false += 1
                        false_in.add(name)
                        continue
                    found[index[best]] = True
                    right[index[best]] = label == y[index[best]]
                if annotate_dir is not None and scene_number < 4 and geometry == "box":
                    _annotate(
                        annotate_dir,
                        f"{mode}-{detector}-{scene_number}",
                        scene,
                        crops.boxes,
                    )
            on_found = right[found].mean() / direct[found].mean() if found.any() else 0
            rows.append(
                [
                    mode,
                    detector,
                    geometry,
                    f"{found.sum()} / {len(X)}",
                    f"{false}" + (f" ({', '.join(sorted(false_in))})" if false else ""),
                    f"{right[found].mean():.3f} / {direct[found].mean():.3f}",
                    f"**{on_found:.1%}**",
                    f"{right.mean():.3f} / {direct.mean():.3f} = "
                    f"{right.mean() / direct.mean():.1%}",
                    f"{1000 * seconds / len(scenes):.0f}",
                ]
            )
            print(" | ".join(map(str, rows[-1])), flush=True)
            outcomes[geometry] = found, right
        paired += _paired(mode, detector, outcomes)
    return rows, paired


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


def _annotate(folder, stem, scene, boxes):
    from PIL import Image

    from sklearn_fer.inspection import annotate_faces

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(annotate_faces(scene, boxes)).save(folder / f"{stem}.png")


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
    parser.add_argument("--annotate", type=Path, help="folder for annotated scenes")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument(
        "--detector", nargs="+", choices=list(GEOMETRIES), help="default: all"
    )
    parser.add_argument(
        "--geometry", nargs="+", help="geometries to compare (default: all)"
    )
    args = parser.parse_args(argv)
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
