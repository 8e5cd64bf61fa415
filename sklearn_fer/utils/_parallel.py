"""Ordered thread-pool map, for work that releases the GIL (zlib, NumPy parsing)."""

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise


def n_threads() -> int:
    """Worker threads for parsing: the CPU count, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def ordered_thread_map(
    func: Callable, arguments: Iterable[tuple], n_workers: int | None = None
) -> Iterator:
    """``func(*args)`` for each ``args``, in order, computed a few items ahead.

    At most ``2 * n_workers`` items are in flight, so memory stays bounded
    while the caller consumes the results.
    """
    n_workers = n_workers or n_threads()
    with ThreadPoolExecutor(n_workers) as pool:
        pending = deque()
        for args in arguments:
            pending.append(pool.submit(func, *args))
            if len(pending) >= 2 * n_workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def run_on_ranges(
    func: Callable[[int, int], None], n_items: int, n_jobs: int | None
) -> None:
    """``func(start, stop)`` on contiguous ranges covering ``range(n_items)``.

    One range per thread of ``n_jobs`` (joblib's convention: None is 1, -1
    all CPUs), for work that releases the GIL and writes its results itself.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    n_ranges = max(1, min(effective_n_jobs(n_jobs), n_items))
    if n_ranges == 1:
        func(0, n_items)
        return
    bounds = [n_items * i // n_ranges for i in range(n_ranges + 1)]
    Parallel(n_jobs=n_ranges, prefer="threads")(
        delayed(func)(start, stop) for start, stop in pairwise(bounds)
    )
