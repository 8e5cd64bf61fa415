"""``python -m benchmarks [NAME ...]``: run the benchmarks, write one markdown report.

Each benchmark prints its progress and reports what it measured; the reports
are gathered into one markdown file (``--out``, default
``reports/benchmarks.md``) headed by the machine and the date. With
``--readme`` the sections of README.md's performance part that belong to the
benchmarks just run are replaced by their new reports (each between
``<!-- benchmark:NAME -->`` and ``<!-- /benchmark:NAME -->``), so the README
shows what was measured, where and when. Needs SKLEARN_FER_DATA.

Examples::

    SKLEARN_FER_DATA=fer2013.csv.gz python -m benchmarks                # all
    SKLEARN_FER_DATA=fer2013.csv.gz python -m benchmarks linear dask --readme
"""

import argparse
import importlib
import importlib.util
import re
import sys
import time
from pathlib import Path

from benchmarks._common import data_path_or_exit, machine, take_report
from sklearn_fer.utils import atomic_write

#: Benchmark name -> (module, the optional modules it needs).
BENCHMARKS = {
    "loading": ("benchmarks.bench_loading", ()),
    "linear": ("benchmarks.bench_linear", ()),
    "features": ("benchmarks.bench_features", ()),
    "dask": ("benchmarks.bench_dask", ("dask", "distributed")),
    "cnn": ("benchmarks.bench_cnn", ("torch", "skorch")),
    "faces": ("benchmarks.bench_faces", ("cv2", "PIL", "skimage")),
    "compare": ("benchmarks.bench_compare", ()),
    # Not a timing: the studies' claims checked (docs/studies/*.json).
    "studies": ("benchmarks.studies", ()),
}
ROOT = Path(__file__).resolve().parent.parent


def replace_readme_sections(readme: str, sections: dict[str, str]) -> str:
    """``readme`` with the text between each benchmark's markers replaced."""
    for name, text in sections.items():
        pattern = re.compile(
            rf"<!-- benchmark:{name} -->\n.*?<!-- /benchmark:{name} -->", re.DOTALL
        )
        if not pattern.search(readme):
            raise SystemExit(
                f"README.md has no <!-- benchmark:{name} --> ... "
                f"<!-- /benchmark:{name} --> section to replace."
            )
        section = f"<!-- benchmark:{name} -->\n{text}\n<!-- /benchmark:{name} -->"
        readme = pattern.sub(lambda match, section=section: section, readme)
    return readme


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run, of {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "reports/benchmarks.md")
    parser.add_argument(
        "--readme", action="store_true", help="update README.md's sections"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {unknown}; choose from {list(BENCHMARKS)}")
    data_path_or_exit()
    sections = {}
    for name in args.names or list(BENCHMARKS):
        module_name, needs = BENCHMARKS[name]
        missing = [need for need in needs if importlib.util.find_spec(need) is None]
        if missing:
            print(f"skipped {name}: needs {', '.join(missing)} (install its extra)")
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(module_name).main()
        sections[name] = take_report()
        print(f"=== {name}: {time.perf_counter() - started:.0f} s ===", flush=True)
    text = f"# sklearn-fer benchmarks\n\n{machine()}\n\n" + "\n\n".join(
        sections.values()
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, (text + "\n").encode())
    print(f"\nwrote {args.out}")
    if args.readme:
        readme = ROOT / "README.md"
        updated = replace_readme_sections(readme.read_text(), sections)
        atomic_write(readme, updated.encode())
        print(f"updated {readme}: {', '.join(sections)}")


if __name__ == "__main__":
    sys.exit(main())
