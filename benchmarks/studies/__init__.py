"""The two studies sklearn-fer grows from, checked claim by claim.

``python -m benchmarks studies`` (all claims, on ``SKLEARN_FER_DATA``) or
``python -m benchmarks.studies --data fer2013.csv.gz [--study linear]
[--claim KEY ...]`` runs the checks and writes each study's findings to
``docs/studies/<study>.json``: what was run, the verdict and its margin, the
tables and the data of the figures. The user guide's studies page renders
those files; the docs build runs nothing. Claims are registered in
``_registry`` (see its docstring to add a study's claims); the linear study's
are in ``linear.py``,
the CNN study's in ``cnn.py``.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from . import cnn, linear  # noqa: F401  (register the studies' claims)
from ._context import Context
from ._registry import CLAIMS, STUDIES, VERDICTS, Claim, Figure, Finding, Table, claim

__all__ = [
    "CLAIMS",
    "STUDIES",
    "VERDICTS",
    "Claim",
    "Context",
    "Figure",
    "Finding",
    "Table",
    "claim",
    "main",
    "run_study",
    "verdict_lines",
]

ROOT = Path(__file__).resolve().parents[2]
#: Where the findings are written, one JSON file per study.
RESULTS = ROOT / "docs" / "studies"


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _machine():
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}"
    )


def _as_json(finding: Finding) -> dict:
    import dataclasses

    return dataclasses.asdict(finding)


def run_study(study: str, context: Context, keys=None, *, out: Path = RESULTS):
    """Check the claims of ``study`` (those in ``keys``, or all); write its JSON.

    Findings of claims not checked this time are kept from the earlier file,
    which is written again after each claim. Returns the study's record.
    """
    claims = [c for (name, _), c in CLAIMS.items() if name == study]
    unknown = set(keys or ()) - {c.key for c in claims}
    if unknown:
        raise SystemExit(
            f"no claim {sorted(unknown)} in study {study!r}; its claims: "
            f"{[c.key for c in claims]}"
        )
    path = out / f"{study}.json"
    earlier = {c["key"]: c for c in _load(path).get("claims", [])}
    findings, record = {}, None
    for claimed in claims:
        if keys and claimed.key not in keys:
            continue
        print(f"{study}/{claimed.key}: {claimed.statement}", flush=True)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        started = time.perf_counter()
        finding = claimed.check(context)
        seconds = time.perf_counter() - started
        print(f"  {finding.verdict} ({seconds:.0f} s): {finding.margin}", flush=True)
        findings[claimed.key] = {
            "key": claimed.key,
            "statement": claimed.statement,
            "source": claimed.source,
            **_as_json(finding),
            "seconds": round(seconds, 1),
            "date": time.strftime("%Y-%m-%d"),
            "machine": _machine(),
            "load_average": None if load is None else round(load, 2),
            "data": context.data_facts(),
        }
        # Written after each claim: an interrupted run keeps what it found.
        record = _write(study, claims, {**earlier, **findings}, path)
    return record


def _write(study, claims, findings, path: Path) -> dict:
    """The study's JSON: its claims in the registry's order, those found."""
    from sklearn_fer.utils import atomic_write

    info = STUDIES[study]
    record = {
        "study": study,
        "title": info.title,
        "paper": Path(info.paper).name,
        "summary": info.summary,
        "command": (
            f"SKLEARN_FER_DATA=fer2013.csv.gz python -m benchmarks.studies "
            f"--study {study}"
        ),
        "claims": [findings[c.key] for c in claims if c.key in findings],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=1, allow_nan=False) + "\n"
    atomic_write(path, text.encode())
    print(f"wrote {path}", flush=True)
    return record


def main(argv=()):
    """Check the claims; ``argv`` as the command line's (none: every study)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.studies",
        description="Check the studies' claims on FER2013 Training; write "
        "docs/studies/<study>.json.",
    )
    parser.add_argument(
        "--data", help="FER2013 file (default: $SKLEARN_FER_DATA; required)"
    )
    studies = sorted({study for study, _ in CLAIMS})
    parser.add_argument("--study", choices=studies, action="append")
    parser.add_argument("--claim", action="append", metavar="KEY")
    parser.add_argument(
        "--seeds", default="0,1,2", help="comma-separated seeds (default: 0,1,2)"
    )
    parser.add_argument(
        "--cache",
        default=str(ROOT / "reports" / "studies-cache"),
        help="folder for the cross-validated folds, reused by a rerun",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(list(argv))
    path = args.data or os.environ.get("SKLEARN_FER_DATA")
    if not path:
        print("skipped: set SKLEARN_FER_DATA (or --data) to fer2013.csv.gz")
        return 0
    context = Context(
        path=path,
        seeds=tuple(int(seed) for seed in args.seeds.split(",")),
        cache=args.cache,
    )
    from threadpoolctl import threadpool_limits

    from benchmarks._common import report

    with threadpool_limits(1):  # the studies run on one thread
        for study in args.study or studies:
            record = run_study(study, context, args.claim, out=args.out)
            report(*verdict_lines(record))
    return 0


def verdict_lines(record) -> list:
    """A study's verdicts as a markdown table, for the benchmarks' report."""
    lines = [f"#### {record['title']}", "", "| claim | verdict |", "|---|---|"]
    lines += [
        f"| {entry['statement']} | {entry['verdict']}"
        + (f": {entry['summary']}" if entry.get("summary") else "")
        + " |"
        for entry in record["claims"]
    ]
    return [*lines, ""]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
