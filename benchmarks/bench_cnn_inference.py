"""ConvNetClassifier's network predicting without PyTorch: NumPy (and ONNX).

The same network predicts the same faces through PyTorch
(``ConvNetClassifier.predict_proba``), NumPy (``to_numpy``'s
``ConvNetInference``) and, with ``--onnx`` where onnxruntime is installed,
an ``export_onnx`` file; each on 2 threads (``CORES``), best of
``--repeats`` passes, the engines taking turns so that the machine's load
falls on all alike. Prints faces per second (target: >= 1,000 with the
default test-time views, the centre crop and its mirror), faces per
CPU-second of PyTorch and NumPy on one thread (which a busy machine changes
least), the largest
difference of the probabilities from PyTorch's and the labels that differ,
and the machine's load average (2 cores: a load above 2 means other work
shares them, and the figures are lower than on a quiet machine).

The network: ``--model FILE`` (a ConvNetClassifier saved by
``bench_cnn --save``), else the default ConvNetClassifier trained for one
epoch on 2,000 Training faces (weights of a trained network; the speed does
not depend on them). The faces: PublicTest with SKLEARN_FER_DATA, else
synthetic faces (``make_faces``).

Run: ``python -m benchmarks.bench_cnn_inference [--model FILE] [--onnx]``.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from benchmarks._common import CORES, machine, markdown_table, report
from sklearn_fer.datasets import load_fer2013, make_faces
from sklearn_fer.neural_network import ConvNetClassifier, export_onnx, to_numpy
from sklearn_fer.utils import load_model

#: Training faces of the one-epoch network, when no model file is given.
TRAINING_FACES = 2_000


def faces_and_network(model_path):
    """(faces to predict, their source, a fitted ConvNetClassifier)."""
    path = os.environ.get("SKLEARN_FER_DATA")
    if path:
        faces = load_fer2013(path)
        training = np.flatnonzero(faces.usage == "Training")[:TRAINING_FACES]
        X_train, y_train = faces.data[training], faces.target[training]
        X, source = faces.data[faces.usage == "PublicTest"], "PublicTest faces"
    else:
        X_train, y_train = make_faces(TRAINING_FACES, random_state=0, return_X_y=True)
        X = make_faces(3_000, random_state=1, return_X_y=True)[0]
        source = "synthetic faces (set SKLEARN_FER_DATA for PublicTest)"
    if model_path is not None:
        convnet = load_model(model_path)
        source += f", the network of {model_path}"
    else:
        print(f"training the default network for one epoch on {len(y_train)} faces")
        convnet = ConvNetClassifier(max_epochs=1, random_state=0)
        convnet.fit(X_train, y_train)
        source += ", the default network after one epoch"
    return X.astype(np.float32), source, convnet


def onnx_engine(convnet, folder):
    """onnxruntime's predict_proba on an exported file, or None without it."""
    try:
        import onnxruntime
    except ImportError:
        print("skipped ONNX: onnxruntime is not installed (extra onnx)")
        return None
    path = export_onnx(convnet, Path(folder) / "cnn.onnx")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = CORES
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        path, options, providers=["CPUExecutionProvider"]
    )
    return lambda X: session.run(None, {"pixels": X})[0]


def best_speed(engines, X, repeats, clock=time.perf_counter):
    """Faces per second of ``clock`` of each engine, the best of ``repeats``
    passes taken in turns, and each engine's probabilities."""
    speeds = {name: 0.0 for name in engines}
    probabilities = {}
    for predict_proba in engines.values():
        predict_proba(X[:64])  # warm up: first-call set-up, allocations
    for _ in range(repeats):
        for name, predict_proba in engines.items():
            started = clock()
            probabilities[name] = predict_proba(X)
            seconds = clock() - started
            speeds[name] = max(speeds[name], len(X) / seconds)
    return speeds, probabilities


def cpu_speed(convnet, model, X, repeats):
    """Faces per CPU-second of PyTorch and NumPy on one thread: what other
    work on the machine changes least (it takes turns on the cores, but the
    CPU time of a single-threaded pass is its own)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            engines = {
                "PyTorch": convnet.predict_proba,
                "NumPy": clone_with(model, n_jobs=1).predict_proba,
            }
            return best_speed(engines, X, repeats, clock=time.process_time)[0]
    finally:
        torch.set_num_threads(threads)


def clone_with(model, **params):
    """``model`` with other parameters (its fitted network kept)."""
    copy = type(model)(**{**model.get_params(), **params})
    vars(copy).update({k: v for k, v in vars(model).items() if k.endswith("_")})
    return copy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="a saved ConvNetClassifier")
    parser.add_argument("--onnx", action="store_true", help="also onnxruntime")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(CORES)
    X, source, convnet = faces_and_network(args.model)
    model = to_numpy(convnet)
    rows = []
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(CORES):
        engines = {
            "PyTorch": convnet.predict_proba,
            "NumPy": model.predict_proba,
        }
        if args.onnx and (engine := onnx_engine(convnet, folder)) is not None:
            engines["onnxruntime"] = engine
        load_before = os.getloadavg()[0]
        speeds, probabilities = best_speed(engines, X, args.repeats)
        cpu = cpu_speed(convnet, model, X, args.repeats)
        load_after = os.getloadavg()[0]
    reference = probabilities["PyTorch"]
    for name, proba in probabilities.items():
        difference = np.abs(proba - reference).max()
        labels = int((proba.argmax(axis=1) != reference.argmax(axis=1)).sum())
        per_cpu_second = f"{cpu[name]:,.0f}" if name in cpu else ""
        rows.append(
            [name, f"{speeds[name]:,.0f}", per_cpu_second, f"{difference:.1e}", labels]
        )
    report(
        f"### The CNN without PyTorch ({machine()}, {CORES} threads)",
        "",
        f"{len(X):,} {source}; the default test-time views (centre crop and "
        f"mirror); best of {args.repeats} passes; load average "
        f"{load_before:.1f} before, {load_after:.1f} after, on "
        f"{os.cpu_count()} CPUs.",
        "",
        markdown_table(
            [
                "engine",
                "faces / s",
                "faces / CPU-second, 1 thread",
                "max abs difference",
                "labels differing",
            ],
            rows,
        ),
        "",
        "The command: `python -m benchmarks.bench_cnn_inference"
        + (" --onnx" if args.onnx else "")
        + "`.",
    )


if __name__ == "__main__":
    main()
