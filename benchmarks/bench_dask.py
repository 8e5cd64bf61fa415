"""SGDSoftmaxRegression on a Dask array larger than its workers' memory.

The data: FER2013 Training, converted once to memory-mapped ``.npy`` blocks by
``fer2013_to_dask``, tiled into COPIES augmented copies (the original, its
mirror image, and shifted versions of both), standardized to float32. One
epoch over them is trained by ``fit_dask`` on a ``LocalCluster`` of worker
processes with a memory limit at most a quarter of the data's size, twice:

- from disk: the copies written once as a float32 ``.npy`` stack, which the
  worker memory-maps block by block (the usual out-of-core case: a collection
  stored on disk; here the files sit in the OS page cache);
- generated: the copies are never stored; the worker makes each block from
  the uint8 originals when its ``partial_fit`` needs it.

The references: a ``partial_fit`` loop over the same blocks held in memory
(this machine has room for them), and the same loop reading or making each
block as it goes (the work ``fit_dask`` does, without Dask). Prints rows per
second and the ratio to the in-memory loop (target: >= 0.7), the peak memory
of the client and of the worker against its limit, and checks that Dask and
the in-memory loop give the same coefficients.

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_dask``.
"""

import contextlib
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks._common import (
    CORES,
    data_path_or_exit,
    machine,
    markdown_table,
    report,
)
from sklearn_fer.linear_model import SGDSoftmaxRegression

COPIES = 10
ROUNDS = 3
#: The timed runs, in the order of the table.
RUNS = {
    "memory": "partial_fit loop, blocks in memory",
    "disk loop": "partial_fit loop, each block read from disk as it goes",
    "disk": "**fit_dask, blocks read from disk on the worker**",
    "made loop": "partial_fit loop, each block made as it goes",
    "made": "**fit_dask, blocks made on the worker**",
}
CHUNKSIZE = 4096
WORKER_MEMORY = 600 * 2**20
#: Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also
#: fixes glibc's mmap threshold at 128 KiB: every array of SGD's mini-batches
#: is then a fresh mmap, page-faulted in and unmapped, and partial_fit ran 2x
#: slower in a worker (88 ms per block against 45 ms with these settings).
WORKER_MALLOC = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(2**30),
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
}
#: (mirror, rows down, columns right) of each copy.
TRANSFORMS = [
    (mirror, dy, dx)
    for dy, dx in [(0, 0), (2, 0), (0, 2), (-2, 0), (0, -2)]
    for mirror in (False, True)
][:COPIES]


def _augmented_block(pixels, mean, scale, transform):
    """One block of a copy: uint8 faces moved, then standardized to float32."""
    mirror, dy, dx = transform
    faces = pixels.reshape(-1, 48, 48)
    if mirror:
        faces = faces[:, :, ::-1]
    if dy or dx:
        faces = np.roll(faces, (dy, dx), axis=(1, 2))
    X = faces.reshape(len(pixels), -1).astype(np.float32)
    X -= mean
    X *= scale
    return X


class _PeakRSS:
    """This process's resident memory, sampled in a thread: ``start``, ``peak``."""

    def __init__(self, interval=0.05):
        import psutil

        self._process, self._interval = psutil.Process(), interval
        self.peak, self._stop = 0, threading.Event()

    def __enter__(self):
        self.start = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self._interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _augmented_copies(pixels, labels, mean, scale):
    """The COPIES augmented copies, made block by block when computed."""
    import dask.array as da

    X = da.concatenate(
        [
            pixels.map_blocks(
                _augmented_block, mean, scale, transform, dtype=np.float32
            )
            for transform in TRANSFORMS
        ]
    )
    return X, da.concatenate([labels] * COPIES)


@contextlib.contextmanager
def _one_worker_cluster():
    """A client of one worker process (2 threads) limited to WORKER_MEMORY."""
    import dask
    import distributed

    with (
        dask.config.set(WORKER_MALLOC),
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=CORES,
            processes=True,
            host="127.0.0.1",
            memory_limit=WORKER_MEMORY,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(lambda: None)  # workers up before any clock starts
        yield client


def _dask_training(X, y):
    """fit_dask on the active client: model, seconds, client memory growth."""
    from sklearn_fer.parallel import fit_dask

    with _PeakRSS() as client_memory:
        started = time.perf_counter()
        model = fit_dask(SGDSoftmaxRegression(random_state=0), X, y, classes=range(7))
        seconds = time.perf_counter() - started
    return model, seconds, client_memory.peak - client_memory.start


def _loop(blocks):
    """The local partial_fit loop over (X, y) blocks: model and seconds."""
    model = SGDSoftmaxRegression(random_state=0)
    started = time.perf_counter()
    for index, (X_block, y_block) in enumerate(blocks):
        first = {"classes": range(7)} if index == 0 else {}
        model.partial_fit(np.asarray(X_block), np.asarray(y_block), **first)
    return model, time.perf_counter() - started


def _streamed(X, y):
    """Each block of X and y computed (read, made) when the loop reaches it."""
    for X_block, y_block in zip(X.blocks, y.blocks, strict=True):
        yield X_block.compute(), y_block.compute()


def main():
    path = data_path_or_exit()
    import dask
    import dask.array as da

    from sklearn_fer.parallel import fer2013_to_dask

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        print("converting FER2013 Training to .npy blocks ...", flush=True)
        pixels, labels = fer2013_to_dask(
            path, folder / "arrays", chunksize=CHUNKSIZE, usage="Training"
        )
        sample = pixels.compute().astype(np.float32)
        mean = sample.mean(axis=0)
        scale = np.float32(1) / np.maximum(sample.std(axis=0), np.float32(1e-3))
        del sample
        X_made, y_made = _augmented_copies(pixels, labels, mean, scale)
        print(f"writing {COPIES} augmented copies to disk ...", flush=True)
        with dask.config.set(scheduler="threads"):
            da.to_npy_stack(folder / "X", X_made)
            da.to_npy_stack(folder / "y", y_made)
        X_disk = da.from_npy_stack(folder / "X", mmap_mode="r")
        y_disk = da.from_npy_stack(folder / "y", mmap_mode="r")
        with dask.config.set(scheduler="sync"):
            in_memory = [
                (np.array(X_block), np.array(y_block))
                for X_block, y_block in _streamed(X_disk, y_disk)
            ]
        runs = {name: [] for name in RUNS}
        with _one_worker_cluster() as client:
            for round_ in range(1, ROUNDS + 1):
                print(f"round {round_} of {ROUNDS} ...", flush=True)
                runs["memory"].append(_loop(in_memory))
                with dask.config.set(scheduler="sync"):
                    runs["disk loop"].append(_loop(_streamed(X_disk, y_disk)))
                    runs["made loop"].append(_loop(_streamed(X_made, y_made)))
                runs["disk"].append(_dask_training(X_disk, y_disk))
                runs["made"].append(_dask_training(X_made, y_made))
            worker_peak = max(
                client.run(
                    lambda dask_worker: max(dask_worker.monitor.quantities["memory"])
                ).values()
            )
        del in_memory
    n_rows, data_bytes = X_made.shape[0], X_made.nbytes

    seconds = {name: float(np.median([run[1] for run in runs[name]])) for name in RUNS}
    rows = [
        [label, f"{seconds[name]:.2f}", f"{n_rows / seconds[name]:,.0f}",
         f"{seconds['memory'] / seconds[name]:.2f}"]
        for name, label in RUNS.items()
    ]  # fmt: skip
    reference = runs["memory"][0][0].coef_
    identical = all(
        np.array_equal(model.coef_, reference)
        for name in RUNS
        for model, *_ in runs[name]
    )
    client_growth = max(run[2] for name in ("disk", "made") for run in runs[name])
    report(
        f"### Out-of-core training on Dask ({machine()})\n",
        f"SGDSoftmaxRegression(), one epoch over {n_rows:,} faces ({COPIES} "
        f"augmented copies of FER2013 Training, float32: {data_bytes / 2**30:.2f} "
        f"GiB = {data_bytes / WORKER_MEMORY:.1f}x the worker's memory limit of "
        f"{WORKER_MEMORY / 2**20:.0f} MiB), blocks of {CHUNKSIZE} faces, one "
        "worker process with 2 threads, started with MALLOC_MMAP_THRESHOLD_=32 "
        "MiB and MALLOC_TRIM_THRESHOLD_=1 GiB (see the user guide). From disk: "
        "a float32 `.npy` stack that the worker memory-maps block by block "
        "(the files are in the OS page cache); made: each block generated from "
        "the uint8 originals (flip, shift, standardize) when it is needed. "
        f"Median of {ROUNDS} interleaved rounds (this machine's timings vary "
        "by up to 30% from run to run).\n",
        markdown_table(["training", "seconds", "rows / s", "ratio"], rows),
        "",
        f"Peak memory: the client's grew by at most {client_growth / 2**20:.0f} "
        f"MiB during fit_dask; worker {worker_peak / 2**20:.0f} MiB (limit "
        f"{WORKER_MEMORY / 2**20:.0f} MiB). Coefficients identical to "
        f"the in-memory loop: {'yes' if identical else 'NO'}.",
    )


if __name__ == "__main__":
    main()
