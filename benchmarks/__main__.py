"""``python -m benchmarks``: every benchmark, one after the other."""

from benchmarks import bench_linear, bench_loading

for module in (bench_loading, bench_linear):
    module.main()
    print()
