"""The ``sklearn-fer`` parser, built from the command modules, and ``run``.

``run`` is the one place where errors become exit codes and one-line
messages (no traceback unless ``--debug`` or ``SKLEARN_FER_DEBUG=1``), and
where every command's outputs are reserved (``_outputs``) before it runs and
published after it. ``_entry.main`` calls ``parse``, then ``run``.
"""

import argparse
import os
import sys
import warnings

from ._entry import EXIT_INTERRUPTED

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def commands() -> dict:
    """The commands, in the order ``--help`` lists them.

    Each module has HELP, DESCRIPTION, EXAMPLES, PARENTS,
    ``add_arguments(parser)``, ``outputs(args)`` (what it reads and writes,
    for the guard) and ``run(args)``.
    """
    from . import compare, demo, evaluate, predict, sweep, train

    return {
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
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, command in commands().items():
        subparser = subparsers.add_parser(
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


def one_line(text: str) -> str:
    """``text`` as one printable line: its lines joined, control characters
    (terminal escape sequences from a file name or a model file) escaped."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    text = " ".join(line.strip() for line in lines if line.strip())
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _message(exc: BaseException) -> str:
    """One line about ``exc``: its own words for the errors we raise, else its type."""
    from ._options import UsageError

    text = one_line(exc) or type(exc).__name__
    if isinstance(exc, OSError | ValueError | ImportError | UsageError):
        return text
    return f"{type(exc).__name__}: {text} (--debug shows the traceback)"


def _one_line_warnings(command):
    """``warnings.showwarning`` that prints a warning as one line, no source."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(
            f"sklearn-fer {command}: {category.__name__}: {one_line(message)}",
            file=sys.stderr,
        )

    return show


def _interrupted(command) -> int:
    print(f"sklearn-fer {command}: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def parse(argv):
    """The parsed arguments, or the exit code of ``--help`` or a usage error.

    Builds the parser, importing every command module (NumPy, scikit-learn
    ...): ``_entry.main`` calls it with Ctrl-C exiting at once.
    """
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or argparse's usage error (2)
        return int(exc.code or 0)


def run(args) -> int:
    """Run the parsed command; returns the exit code (0 ok, 1 failure, 2 usage,
    130 interrupted)."""
    from . import _progress
    from ._options import UsageError

    command = commands()[args.command]
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
            # Checked and locked before anything is read or trained; written
            # whole, together, at the end.
            with args.outputs.reserve():
                command.run(args)
                args.outputs.publish()
    except UsageError as exc:
        if _debugging(args):
            raise
        print(f"sklearn-fer {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if _debugging(args):
            raise
        return _interrupted(args.command)
    except Exception as exc:
        if _debugging(args):
            raise
        print(f"sklearn-fer {args.command}: error: {_message(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
