"""SGDSoftmaxRegression on a Dask array larger than its workers' memory.

The data: FER2013 Training, converted once to memory-mapped ``.npy`` blocks by
``fer2013_to_dask``, tiled into COPIES augmented copies (the original, its
mirror image, and shifted versions of both) that the workers generate block by
block, standardized to float32. The copies are never stored: each worker makes
a block when its ``partial_fit`` task needs it. One epoch over them is trained
by ``fit_dask`` on a ``LocalCluster`` of worker processes with a memory limit
at most a quarter of the data's size.

The references: a ``partial_fit`` loop over the same blocks made in memory
beforehand (this machine has room for them), and the same loop making each
block as it goes (the work ``fit_dask`` does, without Dask). Prints rows per
second and the ratio to the in-memory loop (target: >= 0.7), the peak memory
of the client and of each worker against its limit, and checks that Dask and
the in-memory loop give the same coefficients.

Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_dask``.
"""

import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks._common import data_path_or_exit, machine, markdown_table, report
from sklearn_fer.linear_model import SGDSoftmaxRegression

COPIES = 10
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
    """Samples this process's resident memory in a thread; ``peak`` in bytes."""

    def __init__(self, interval=0.05):
        import psutil

        self._process, self._interval = psutil.Process(), interval
        self.peak, self._stop = 0, threading.Event()

    def __enter__(self):
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


def _dask_training(pixels, labels, mean, scale):
    import dask
    import dask.array as da
    import distributed

    from sklearn_fer.parallel import fit_dask

    X = da.concatenate(
        [
            pixels.map_blocks(
                _augmented_block, mean, scale, transform, dtype=np.float32
            )
            for transform in TRANSFORMS
        ]
    )
    y = da.concatenate([labels] * COPIES)
    with (
        dask.config.set(WORKER_MALLOC),
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            memory_limit=WORKER_MEMORY,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(lambda: None)  # workers up before the clock starts
        with _PeakRSS() as client_memory:
            started = time.perf_counter()
            model = fit_dask(
                SGDSoftmaxRegression(random_state=0), X, y, classes=range(7)
            )
            seconds = time.perf_counter() - started
        worker_peaks = client.run(
            lambda dask_worker: max(dask_worker.monitor.quantities["memory"])
        )
    return model, X, y, seconds, client_memory.peak, list(worker_peaks.values())


def _local_training(X, y):
    """The partial_fit loop over the same blocks: made beforehand, and as it goes."""
    import dask

    def loop(blocks):
        model = SGDSoftmaxRegression(random_state=0)
        started = time.perf_counter()
        for index, (X_block, y_block) in enumerate(blocks):
            first = {"classes": range(7)} if index == 0 else {}
            model.partial_fit(np.asarray(X_block), np.asarray(y_block), **first)
        return model, time.perf_counter() - started

    pairs = list(zip(X.blocks, y.blocks, strict=True))
    with dask.config.set(scheduler="sync"):
        streamed = loop(
            (X_block.compute(), y_block.compute()) for X_block, y_block in pairs
        )
        in_memory = [
            (X_block.compute(), y_block.compute()) for X_block, y_block in pairs
        ]
    return loop(in_memory), streamed


def main():
    path = data_path_or_exit()
    from sklearn_fer.parallel import fer2013_to_dask

    with tempfile.TemporaryDirectory() as folder:
        print("converting FER2013 Training to .npy blocks ...", flush=True)
        pixels, labels = fer2013_to_dask(
            path, Path(folder) / "arrays", chunksize=CHUNKSIZE, usage="Training"
        )
        sample = pixels.compute().astype(np.float32)
        mean = sample.mean(axis=0)
        scale = np.float32(1) / np.maximum(sample.std(axis=0), np.float32(1e-3))
        del sample
        print(f"training on {COPIES} augmented copies through Dask ...", flush=True)
        dask_model, X, y, dask_s, client_peak, worker_peaks = _dask_training(
            pixels, labels, mean, scale
        )
        print("the same blocks in a local loop ...", flush=True)
        (memory_model, memory_s), (_, streamed_s) = _local_training(X, y)
    n_rows, data_bytes = X.shape[0], X.nbytes
    identical = np.array_equal(dask_model.coef_, memory_model.coef_)
    rows = [
        ["partial_fit loop, blocks in memory", f"{memory_s:.1f}",
         f"{n_rows / memory_s:,.0f}", "1.00"],
        ["partial_fit loop, each block made as it goes", f"{streamed_s:.1f}",
         f"{n_rows / streamed_s:,.0f}", f"{memory_s / streamed_s:.2f}"],
        ["fit_dask, blocks made on the worker", f"{dask_s:.1f}",
         f"{n_rows / dask_s:,.0f}", f"{memory_s / dask_s:.2f}"],
    ]  # fmt: skip
    report(
        f"### Out-of-core training on Dask ({machine()})\n",
        f"SGDSoftmaxRegression(), one epoch over {n_rows:,} faces ({COPIES} "
        f"augmented copies of FER2013 Training, float32: {data_bytes / 2**30:.2f} "
        f"GiB = {data_bytes / WORKER_MEMORY:.1f}x the worker's memory limit of "
        f"{WORKER_MEMORY / 2**20:.0f} MiB), blocks of {CHUNKSIZE} faces, one "
        "worker process with 2 threads, started with MALLOC_MMAP_THRESHOLD_=32 "
        "MiB and MALLOC_TRIM_THRESHOLD_=1 GiB (see the user guide).\n",
        markdown_table(["training", "seconds", "rows / s", "ratio"], rows),
        "",
        f"Peak memory: client {client_peak / 2**20:.0f} MiB; worker "
        + ", ".join(f"{peak / 2**20:.0f} MiB" for peak in worker_peaks)
        + f" (limit {WORKER_MEMORY / 2**20:.0f} MiB). Coefficients identical to "
        f"the in-memory loop: {'yes' if identical else 'NO'}.",
    )


if __name__ == "__main__":
    main()
