"""The ``sklearn-fer`` parser, built from the command modules, and ``main``.

``main`` is the one place where errors become exit codes and one-line
messages (no traceback unless ``--debug`` or ``SKLEARN_FER_DEBUG=1``), and
where every command's outputs are checked (``_outputs``) before it runs.
"""

import argparse
import os
import sys
import warnings

from . import _progress, compare, demo, evaluate, predict, sweep, train
from ._options import UsageError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
#: 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130

#: The commands, in the order ``--help`` lists them; each module has HELP,
#: DESCRIPTION, EXAMPLES, PARENTS, ``add_arguments(parser)``, ``outputs(args)``
#: (what it reads and writes, for the guard) and ``run(args)``.
COMMANDS = {
    "demo": demo,
    "train": train,
    "evaluate": evaluate,
    "predict": predict,
    "sweep": sweep,
    "compare": compare,
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option with its default; descriptions wrapped, examples as written."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:  # the examples
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action):
        # A flag, a required option or one whose help already says its default
        # (None: "not given", explained in the help) gets no "(default: ...)".
        text = action.help or ""
        default = action.default
        unset = default is None or default is False or default is argparse.SUPPRESS
        if "default" in text or action.required or unset:
            return text
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="sklearn-fer",
        description="Facial-expression recognition on FER2013 with scikit-learn.",
        epilog="Run 'sklearn-fer COMMAND --help' for each command's options.\n"
        "Example: sklearn-fer demo --data fer2013.csv.gz",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        subparser = commands.add_parser(
            name,
            help=command.HELP,
            description=command.DESCRIPTION,
            epilog="Examples:\n" + "\n".join(f"  {line}" for line in command.EXAMPLES),
            formatter_class=_HelpFormatter,
            parents=command.PARENTS,
        )
        command.add_arguments(subparser)
    return parser


def _debugging(args) -> bool:
    return args.debug or os.environ.get("SKLEARN_FER_DEBUG", "") not in ("", "0")


def _message(exc: BaseException) -> str:
    """One line about ``exc``: its own words for the errors we raise, else its type."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError | ValueError | ImportError | UsageError):
        return text
    return f"{type(exc).__name__}: {text} (--debug shows the traceback)"


def _one_line_warnings(command):
    """``warnings.showwarning`` that prints a warning as one line, no source."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"sklearn-fer {command}: {category.__name__}: {message}", file=sys.stderr)

    return show


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or argparse's usage error (2)
        return int(exc.code or 0)
    command = COMMANDS[args.command]
    try:
        with warnings.catch_warnings():
            if not _debugging(args):
                warnings.showwarning = _one_line_warnings(args.command)
            # read_face refuses such an image itself, in one line.
            warnings.filterwarnings(
                "ignore", message="Image size .* could be decompression bomb"
            )
            _progress.start(args.command, quiet=args.quiet)
            args.outputs = command.outputs(args)
            args.outputs.command = args.command
            args.outputs.check()  # before anything is read or trained
            command.run(args)
    except UsageError as exc:
        if _debugging(args):
            raise
        print(f"sklearn-fer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if _debugging(args):
            raise
        print(f"sklearn-fer {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if _debugging(args):
            raise
        print(f"sklearn-fer {args.command}: error: {_message(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
