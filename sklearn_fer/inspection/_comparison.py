"""Displays of a cross-validated comparison (``compare_estimators``' table).

Three views of one table: the score of every split per estimator
(:class:`FoldScoresDisplay`), the score against the fit time
(:class:`ScoreVsTimeDisplay`) and the recall of every class per estimator
(:class:`RecallHeatmapDisplay`). Each has ``from_comparison(scores)``, which
reads the table, and ``plot(ax=None)``, in scikit-learn's Display style.
"""

import numpy as np

from ._matplotlib import new_axes

_RECALL_PREFIX = "recall_"


def _estimator_names(scores) -> list:
    import pandas as pd

    column = scores["estimator"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column)
        return [name for name in column.cat.categories if name in present]
    return list(pd.unique(column))


def _interval_label(confidence):
    return f"mean and corrected {confidence:.0%} interval"


def _check_metric(scores, metric):
    if metric not in scores.columns:
        raise ValueError(
            f"the table has no column {metric!r}; choose one of "
            f"{[c for c in scores.columns if c != 'estimator']}."
        )


class FoldScoresDisplay:
    """The score of every split, per estimator, with the mean and its interval.

    One row per estimator, top to bottom in the comparison's order: a dot per
    split (cross-validation fold, of every repeat), and the mean with its
    corrected interval (Nadeau and Bengio's, which accounts for the training
    data the folds share), so that a difference can be read against the
    noise of the folds.

    Read more in the :ref:`User Guide <comparing_guide>`.

    Parameters
    ----------
    fold_scores : dict of str to array-like
        The score of each split, by estimator name, in the order of the rows.
    mean, ci_low, ci_high : dict of str to float
        Each estimator's mean and interval.
    metric : str, default='accuracy'
        The name of the score, for the x label.
    confidence : float, default=0.95
        Of the interval, for the legend.

    Attributes
    ----------
    points_ : list of matplotlib PathCollection
        One per estimator: its splits' scores.
    errorbars_ : matplotlib ErrorbarContainer
        The means and intervals.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_fer.inspection import FoldScoresDisplay
    >>> scores = pd.DataFrame({
    ...     "estimator": ["a"] * 3 + ["b"] * 3, "split": [0, 1, 2] * 2,
    ...     "repeat": 0, "fold": [0, 1, 2] * 2, "n_train": 80, "n_test": 20,
    ...     "accuracy": [0.50, 0.52, 0.54, 0.51, 0.54, 0.57]})
    >>> display = FoldScoresDisplay.from_comparison(scores)
    >>> [label.get_text() for label in display.ax_.get_yticklabels()]
    ['a', 'b']
    >>> display.points_[1].get_offsets()[:, 0].tolist()
    [0.51, 0.54, 0.57]
    """

    def __init__(
        self,
        *,
        fold_scores,
        mean,
        ci_low,
        ci_high,
        metric="accuracy",
        confidence=0.95,
    ):
        self.fold_scores = fold_scores
        self.mean = mean
        self.ci_low = ci_low
        self.ci_high = ci_high
        self.metric = metric
        self.confidence = confidence

    @classmethod
    def from_comparison(
        cls, scores, *, metric="accuracy", confidence=0.95, ax=None, title=None
    ):
        """Plot the splits' scores of ``compare_estimators``' table.

        Parameters
        ----------
        scores : pandas.DataFrame
            The table of ``compare_estimators``.
        metric : str, default='accuracy'
            Its column to plot.
        confidence : float, default=0.95
        ax : matplotlib Axes, default=None
        title : str, default=None

        Returns
        -------
        display : FoldScoresDisplay
        """
        from ..model_selection import summarize_scores

        _check_metric(scores, metric)
        summary = summarize_scores(scores, confidence=confidence)[metric]
        names = _estimator_names(scores)
        fold_scores = {
            name: scores.loc[scores["estimator"] == name, metric].to_numpy()
            for name in names
        }
        display = cls(
            fold_scores=fold_scores,
            mean=summary["mean"].to_dict(),
            ci_low=summary["ci_low"].to_dict(),
            ci_high=summary["ci_high"].to_dict(),
            metric=metric,
            confidence=confidence,
        )
        return display.plot(ax=ax, title=title)

    def plot(self, *, ax=None, title=None):
        """Draw the splits' scores, the means and the intervals.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.
        title : str, default=None

        Returns
        -------
        self : FoldScoresDisplay
        """
        names = list(self.fold_scores)
        ax, figure = new_axes(
            ax, figsize=(8.0, 1.2 + 0.45 * len(names)), layout="constrained"
        )
        rows = np.arange(len(names))
        self.points_ = []
        for row, name in zip(rows, names, strict=True):
            values = np.asarray(self.fold_scores[name], dtype=float)
            # A small vertical spread, the same for every row, keeps ties apart.
            offsets = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else 0
            self.points_.append(
                ax.scatter(
                    values,
                    row + offsets,
                    s=16,
                    color="tab:blue",
                    alpha=0.6,
                    label="a split" if row == 0 else None,
                )
            )
        means = np.array([self.mean[name] for name in names], dtype=float)
        low = np.array([self.ci_low[name] for name in names], dtype=float)
        high = np.array([self.ci_high[name] for name in names], dtype=float)
        self.errorbars_ = ax.errorbar(
            means,
            rows,
            xerr=np.vstack([means - low, high - means]),
            fmt="D",
            color="black",
            capsize=4,
            label=_interval_label(self.confidence),
        )
        ax.set_yticks(rows, labels=names)
        ax.set_ylim(len(names) - 0.5, -0.5)  # the first estimator on top
        ax.set_xlabel(f"{self.metric} on each test fold")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(
            loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize="small"
        )
        if title is not None:
            ax.set_title(title, pad=24)
        self.ax_, self.figure_ = ax, figure
        return self


class ScoreVsTimeDisplay:
    """Each estimator's mean score against its mean fit time per split.

    Higher and further left is better: the points on the upper left front
    are the ones worth their time. The vertical bars are the corrected
    intervals of the score; the time axis is logarithmic.

    Read more in the :ref:`User Guide <comparing_guide>`.

    Parameters
    ----------
    names : list of str
    time : array-like
        Each estimator's mean seconds per split.
    score, ci_low, ci_high : array-like
        Each estimator's mean score and its interval.
    metric : str, default='accuracy'
    time_name : str, default='fit_time'
        What ``time`` measures, for the x label.
    confidence : float, default=0.95

    Attributes
    ----------
    errorbars_ : matplotlib ErrorbarContainer
    annotations_ : list of matplotlib Annotation
        The estimators' names beside their points.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_fer.inspection import ScoreVsTimeDisplay
    >>> scores = pd.DataFrame({
    ...     "estimator": ["a"] * 3 + ["b"] * 3, "split": [0, 1, 2] * 2,
    ...     "repeat": 0, "fold": [0, 1, 2] * 2, "n_train": 80, "n_test": 20,
    ...     "accuracy": [0.50, 0.52, 0.54, 0.51, 0.54, 0.57],
    ...     "fit_time": [1.0, 1.2, 1.1, 9.0, 10.0, 11.0]})
    >>> display = ScoreVsTimeDisplay.from_comparison(scores)
    >>> [text.get_text() for text in display.annotations_]
    ['a', 'b']
    >>> display.ax_.get_xscale()
    'log'
    """

    def __init__(
        self,
        *,
        names,
        time,
        score,
        ci_low,
        ci_high,
        metric="accuracy",
        time_name="fit_time",
        confidence=0.95,
    ):
        self.names = names
        self.time = time
        self.score = score
        self.ci_low = ci_low
        self.ci_high = ci_high
        self.metric = metric
        self.time_name = time_name
        self.confidence = confidence

    @classmethod
    def from_comparison(
        cls,
        scores,
        *,
        metric="accuracy",
        time="fit_time",
        confidence=0.95,
        ax=None,
        title=None,
    ):
        """Plot score against time from ``compare_estimators``' table.

        Parameters
        ----------
        scores : pandas.DataFrame
        metric : str, default='accuracy'
        time : str, default='fit_time'
            The column of seconds (``fit_time`` or ``predict_time``).
        confidence : float, default=0.95
        ax : matplotlib Axes, default=None
        title : str, default=None

        Returns
        -------
        display : ScoreVsTimeDisplay
        """
        from ..model_selection import summarize_scores

        _check_metric(scores, metric)
        _check_metric(scores, time)
        summary = summarize_scores(scores, confidence=confidence)
        names = _estimator_names(scores)
        summary = summary.loc[names]
        display = cls(
            names=names,
            time=summary[time, "mean"].to_numpy(),
            score=summary[metric, "mean"].to_numpy(),
            ci_low=summary[metric, "ci_low"].to_numpy(),
            ci_high=summary[metric, "ci_high"].to_numpy(),
            metric=metric,
            time_name=time,
            confidence=confidence,
        )
        return display.plot(ax=ax, title=title)

    def plot(self, *, ax=None, title=None):
        """Draw the points, their intervals and their names.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        title : str, default=None

        Returns
        -------
        self : ScoreVsTimeDisplay
        """
        ax, figure = new_axes(ax, figsize=(8.0, 5.0), layout="constrained")
        score = np.asarray(self.score, dtype=float)
        seconds = np.asarray(self.time, dtype=float)
        errors = np.vstack(
            [score - np.asarray(self.ci_low), np.asarray(self.ci_high) - score]
        )
        self.errorbars_ = ax.errorbar(
            seconds,
            score,
            yerr=errors,
            fmt="o",
            capsize=4,
            label=_interval_label(self.confidence),
        )
        self.annotations_ = [
            ax.annotate(
                name,
                (x, y),
                xytext=(6, 4),
                textcoords="offset points",
                fontsize="small",
            )
            for name, x, y in zip(self.names, seconds, score, strict=True)
        ]
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_xscale("log")
        # Ticks at 1, 2 and 5 times the powers of ten, written as seconds
        # (0.5, 2, 50), and room for the names right of the last points.
        ax.xaxis.set_major_locator(
            LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=20)
        )
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.margins(x=0.15)
        ax.set_xlabel(f"mean {self.time_name.replace('_', ' ')} per split (s)")
        ax.set_ylabel(f"mean {self.metric}")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower right", fontsize="small")
        if title is not None:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, figure
        return self


class RecallHeatmapDisplay:
    """The mean recall of every class, one row per estimator, as a heat map.

    Which emotions a model gets right, side by side: cell (i, j) is the
    share of the faces of class j that estimator i recognised, averaged over
    the splits, written in the cell.

    Read more in the :ref:`User Guide <comparing_guide>`.

    Parameters
    ----------
    recall : array-like of shape (n_estimators, n_classes)
    estimator_names : list of str
    class_names : list of str

    Attributes
    ----------
    im_ : matplotlib AxesImage
    text_ : ndarray of matplotlib Text, shape (n_estimators, n_classes)
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_fer.inspection import RecallHeatmapDisplay
    >>> scores = pd.DataFrame({
    ...     "estimator": ["a", "a", "b", "b"], "split": [0, 1, 0, 1],
    ...     "recall_happy": [0.8, 0.9, 0.7, 0.7],
    ...     "recall_sad": [0.4, 0.6, 0.5, 0.3]})
    >>> display = RecallHeatmapDisplay.from_comparison(scores)
    >>> display.recall.round(2).tolist()
    [[0.85, 0.5], [0.7, 0.4]]
    >>> display.text_[0, 0].get_text()
    '0.85'
    """

    def __init__(self, *, recall, estimator_names, class_names):
        self.recall = recall
        self.estimator_names = estimator_names
        self.class_names = class_names

    @classmethod
    def from_comparison(cls, scores, *, ax=None, title=None, cmap="viridis"):
        """Plot the ``recall_<class>`` columns of ``compare_estimators``' table.

        Parameters
        ----------
        scores : pandas.DataFrame
        ax : matplotlib Axes, default=None
        title : str, default=None
        cmap : str, default='viridis'

        Returns
        -------
        display : RecallHeatmapDisplay
        """
        columns = [c for c in scores.columns if str(c).startswith(_RECALL_PREFIX)]
        if not columns:
            raise ValueError("the table has no recall_<class> columns.")
        names = _estimator_names(scores)
        means = scores.groupby("estimator", observed=True, sort=False)[columns].mean()
        display = cls(
            recall=means.loc[names].to_numpy(),
            estimator_names=names,
            class_names=[c[len(_RECALL_PREFIX) :] for c in columns],
        )
        return display.plot(ax=ax, title=title, cmap=cmap)

    def plot(self, *, ax=None, title=None, cmap="viridis"):
        """Draw the heat map.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        title : str, default=None
        cmap : str, default='viridis'

        Returns
        -------
        self : RecallHeatmapDisplay
        """
        recall = np.asarray(self.recall, dtype=float)
        n_rows, n_columns = recall.shape
        ax, figure = new_axes(
            ax,
            figsize=(2.5 + 0.9 * n_columns, 1.5 + 0.45 * n_rows),
            layout="constrained",
        )
        self.im_ = ax.imshow(recall, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
        colorbar = figure.colorbar(self.im_, ax=ax)
        colorbar.set_label("recall (mean over the splits)")
        self.text_ = np.empty((n_rows, n_columns), dtype=object)
        for i in range(n_rows):
            for j in range(n_columns):
                value = recall[i, j]
                color = "black" if value > 0.6 else "white"
                self.text_[i, j] = ax.text(
                    j, i, f"{value:.2f}", ha="center", va="center", color=color
                )
        ax.set_xticks(np.arange(n_columns), labels=self.class_names, rotation=45)
        ax.set_yticks(np.arange(n_rows), labels=self.estimator_names)
        ax.set_xlabel("true class")
        if title is not None:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, figure
        return self
