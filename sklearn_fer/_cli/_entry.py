"""The entry point of ``sklearn-fer`` and ``python -m sklearn_fer``: ``main``.

Ctrl-C is taken over before anything else is imported: this module and the
package's ``__init__`` import nothing but what Python has loaded at start.
While the command modules load (NumPy, scikit-learn ...: a second or more),
Ctrl-C exits at once, with one line and exit code 130, as nothing is written
yet; once they are loaded, ``_main.run`` turns it into the same line after
removing what the command staged.
"""

import os
import signal
import sys

#: 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


def _exit_at_once(number, frame):
    sys.stderr.write("sklearn-fer: interrupted\n")
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage,
    130 interrupted)."""
    previous = signal.getsignal(signal.SIGINT)
    # Not where Ctrl-C is ignored (a background job) or another thread's.
    take_over = previous not in (signal.SIG_IGN, None)
    if take_over:
        try:
            signal.signal(signal.SIGINT, _exit_at_once)
        except ValueError:  # not the main thread: signals are not ours
            take_over = False
    try:
        from . import _main

        args = _main.parse(argv)
    finally:
        if take_over:
            signal.signal(signal.SIGINT, previous)
    if isinstance(args, int):  # --help, or a usage error
        return args
    return _main.run(args)
