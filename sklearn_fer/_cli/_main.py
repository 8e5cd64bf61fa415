"""The ``sklearn-fer`` parser, built from the command modules, and ``main``.

``main`` is the one place where errors become exit codes and messages.
"""

import argparse
import sys

from . import demo, evaluate, predict, sweep, train
from ._options import UsageError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

#: The commands, in the order ``--help`` lists them; each module has HELP,
#: DESCRIPTION, EXAMPLES, PARENTS, ``add_arguments(parser)`` and ``run(args)``.
COMMANDS = {
    "demo": demo,
    "train": train,
    "evaluate": evaluate,
    "predict": predict,
    "sweep": sweep,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sklearn-fer",
        description="Facial-expression recognition on FER2013 with scikit-learn.",
        epilog="Run 'sklearn-fer COMMAND --help' for each command's options.\n"
        "Example: sklearn-fer demo --data fer2013.csv.gz",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        subparser = commands.add_parser(
            name,
            help=command.HELP,
            description=command.DESCRIPTION,
            epilog="Examples:\n" + "\n".join(f"  {line}" for line in command.EXAMPLES),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=command.PARENTS,
        )
        command.add_arguments(subparser)
        subparser.set_defaults(run=command.run)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or argparse's usage error (2)
        return int(exc.code or 0)
    try:
        args.run(args)
    except UsageError as exc:
        print(f"sklearn-fer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, ValueError, ImportError, OSError) as exc:
        print(f"sklearn-fer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
