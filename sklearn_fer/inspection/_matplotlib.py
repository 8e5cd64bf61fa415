"""Matplotlib, imported when a display plots (the ``plot`` extra)."""


def pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "Plotting needs matplotlib: pip install 'sklearn-fer[plot]'."
        ) from exc
    return plt


def new_axes(ax, **subplots):
    """``ax`` and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax, ax.figure
    figure, ax = pyplot().subplots(**subplots)
    return ax, figure
