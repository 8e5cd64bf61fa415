"""load_fer2013 against a bare pandas.read_csv of the same file, and the transformer.

Prints the best of 3 wall times of each (load_fer2013 with cache=False, so
that it parses), their ratio (target: <= 1.3), the time of a load from
load_fer2013's cache (target: well under a second), the peak memory that
load_fer2013 allocates (tracemalloc, in a separate run since it slows
allocation; target: below 3x the final uint8 arrays plus the text), and
FER2013Transformer's rows per second on the file's pixel strings.
Run: ``SKLEARN_FER_DATA=... python -m benchmarks.bench_loading``.
"""

import gzip
import tempfile
import time
import tracemalloc

import pandas as pd

from benchmarks._common import data_path_or_exit, machine, markdown_table, report
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.preprocessing import FER2013Transformer


def best_of(n_runs, func):
    best = float("inf")
    for _ in range(n_runs):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def main():
    path = data_path_or_exit()
    report(f"### Loading FER2013 ({machine()})\n")
    read_csv_s, frame = best_of(3, lambda: pd.read_csv(path))
    load_s, bunch = best_of(3, lambda: load_fer2013(path, cache=False))
    with tempfile.TemporaryDirectory() as data_home:
        load_fer2013(path, data_home=data_home)
        cached_s, _ = best_of(3, lambda: load_fer2013(path, data_home=data_home))
    with gzip.open(path, "rb") as file:
        text_bytes = len(file.read())
    tracemalloc.start()
    load_fer2013(path, cache=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    arrays = bunch.data.nbytes  # images is a view of data
    transform_s, _ = best_of(3, lambda: FER2013Transformer().transform(frame))
    rows = [
        ["pandas.read_csv (strings only)", f"{read_csv_s:.2f}", "1.00"],
        [
            "load_fer2013 (parsed, validated)",
            f"{load_s:.2f}",
            f"{load_s / read_csv_s:.2f}",
        ],
        [
            "load_fer2013 from its cache",
            f"{cached_s:.2f}",
            f"{cached_s / read_csv_s:.2f}",
        ],
    ]
    report(markdown_table(["step", "best of 3 (s)", "ratio to read_csv"], rows))
    report(
        f"\nload_fer2013 peak allocation: {peak / 2**20:.0f} MiB = "
        f"{peak / (arrays + text_bytes):.2f}x (uint8 arrays {arrays / 2**20:.0f} MiB "
        f"+ text {text_bytes / 2**20:.0f} MiB); {peak / arrays:.2f}x the arrays alone"
    )
    report(
        f"FER2013Transformer.transform: {len(frame) / transform_s:,.0f} rows/s "
        f"({len(frame)} rows in {transform_s:.2f} s, float32 in [0, 1])"
    )


if __name__ == "__main__":
    main()
