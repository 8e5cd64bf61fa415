"""What the benchmark scripts share: the data path, the machine, the report."""

import os
import platform
import sys
import time

#: Cores of the machine the targets are set for: the benchmarks use this many
#: threads, whatever the machine has, so that their figures compare.
CORES = 2


def data_path_or_exit():
    """The FER2013 path from SKLEARN_FER_DATA; exit with a clear reason if unset."""
    path = os.environ.get("SKLEARN_FER_DATA")
    if not path:
        print("skipped: set SKLEARN_FER_DATA to the path of fer2013.csv.gz")
        sys.exit(0)
    return path


def machine():
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )


def processor(device="cpu"):
    """What trains a torch model: '2 CPU threads' or the GPU's name."""
    import torch

    if device == "cpu":
        threads = torch.get_num_threads()
        return f"{threads} CPU thread{'s' * (threads > 1)}"
    return torch.cuda.get_device_name(torch.device(device))


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


_report_lines: list[str] = []


def report(*lines):
    """Print ``lines`` and keep them for the markdown report.

    Progress goes through plain ``print``; what a benchmark measured goes
    through ``report``, so that ``python -m benchmarks`` can gather it.
    """
    for line in lines:
        print(line, flush=True)
        _report_lines.append(line)


def take_report() -> str:
    """The lines reported since the last call, as one markdown text."""
    text = "\n".join(_report_lines)
    _report_lines.clear()
    return text
