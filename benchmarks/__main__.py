"""``python -m benchmarks``: every benchmark, one after the other."""

import importlib.util

from benchmarks import bench_linear, bench_loading

modules = [bench_loading, bench_linear]
if importlib.util.find_spec("torch") and importlib.util.find_spec("skorch"):
    from benchmarks import bench_cnn

    modules.append(bench_cnn)
for module in modules:
    module.main()
    print()
