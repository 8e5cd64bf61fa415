"""Progress lines on standard error, before anything that may take seconds.

One line says what starts (a file loading, a model fitting, a photo searched
for faces). Shown only when standard error is a terminal and ``--quiet`` is
not given, so that logs, pipes and tests get none. ``main`` sets them up for
each command (``start``).
"""

import sys

_state = {"command": "", "shown": False}


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced, or closed
        return False


def start(command: str, *, quiet: bool) -> None:
    """Show the progress of ``command`` unless quiet or not on a terminal."""
    _state.update(command=command, shown=not quiet and _stderr_is_terminal())


def shown() -> bool:
    """Whether progress is shown (on a terminal, without ``--quiet``)."""
    return bool(_state.get("shown"))


def say(message: str) -> None:
    """One progress line on standard error (when shown)."""
    if _state["shown"]:
        print(
            f"sklearn-fer {_state['command']}: {message}", file=sys.stderr, flush=True
        )
