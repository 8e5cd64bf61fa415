"""``.. study-claims:: STUDY``: the findings of ``docs/studies/STUDY.json``.

``python -m benchmarks.studies`` checks the claims of a study and writes
that file; this directive renders it, claim by claim: the claim, where the
study makes it, what was run, the verdict and its margin, the tables, and
the figures, drawn here from the file's numbers with matplotlib into
``docs/generated/studies/`` (so the docs build fits nothing). Rebuilt when
the file changes.
"""

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: Where the figures are drawn, relative to the docs' source folder.
FIGURES = Path("generated") / "studies"
_VERDICT_STYLE = {
    "holds": "holds",
    "does not hold": "does not hold",
    "holds only under a condition": "holds only under a condition",
}


def escape(text) -> str:
    """``text`` as literal reStructuredText inline text."""
    text = str(text).replace("\\", "\\\\")
    text = re.sub(r"([*`|])", r"\\\1", text)
    text = re.sub(r"_(?=\s|$)", r"\\_", text)
    if text and text[0] in "-+#=":  # a list or a title, alone in a table cell
        text = "\\" + text
    return text or "\\ "


def _table(table) -> list:
    lines = [f".. list-table:: {escape(table['title'])}", "   :header-rows: 1", ""]
    for row in [table["columns"], *table["rows"]]:
        cells = [escape(cell) for cell in row]
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {cell}" for cell in cells[1:]]
    return [*lines, ""]


def _log_axes(ax, figure, panel):
    """Log scales as asked, their ticks written plainly (0.3, 2, 1000).

    Ticks at 1, 2 and 5 times the powers of ten; on a log x axis of few
    points shared by every series (batch sizes), those points; minor ticks
    are labelled only within a decade.
    """
    from matplotlib.ticker import (
        FixedLocator,
        FuncFormatter,
        LogLocator,
        NullFormatter,
    )

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    for name in ("x", "y"):
        if not panel.get(f"{name}scale"):
            continue
        (ax.set_xscale if name == "x" else ax.set_yscale)(panel[f"{name}scale"])
        axis = ax.xaxis if name == "x" else ax.yaxis
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=20))
        axis.set_major_formatter(plain)
        low, high = (ax.get_xlim if name == "x" else ax.get_ylim)()
        axis.set_minor_formatter(plain if high / low < 10 else NullFormatter())
        xs = {tuple(series.get("x", ())) for series in panel["series"]}
        if name == "x" and figure["kind"] == "lines" and len(xs) == 1:
            (points,) = xs
            if 0 < len(points) <= 12:
                axis.set_major_locator(FixedLocator(points))
                axis.set_minor_formatter(NullFormatter())


def _draw(figure, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = figure["panels"]
    columns = min(2, len(panels))
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(6.0 * columns, 4.2 * rows),
        squeeze=False,
        layout="constrained",
    )
    for ax, panel in zip(axes.flat, panels, strict=False):
        if figure["kind"] == "lines":
            for index, series in enumerate(panel["series"]):
                color = f"C{series.get('group', index) % 10}"
                ax.plot(
                    series["x"],
                    series["y"],
                    series.get("style", "-"),
                    color=color,
                    label=series["label"],
                )
                if "low" in series:
                    ax.fill_between(
                        series["x"],
                        series["low"],
                        series["high"],
                        color=color,
                        alpha=0.2,
                    )
        else:  # bars
            categories = panel["categories"]
            width = 0.8 / max(1, len(panel["series"]))
            for index, series in enumerate(panel["series"]):
                positions = [
                    i + (index - (len(panel["series"]) - 1) / 2) * width
                    for i in range(len(categories))
                ]
                errors = None
                if "low" in series:
                    errors = [
                        [
                            y - low
                            for y, low in zip(series["y"], series["low"], strict=True)
                        ],
                        [
                            high - y
                            for y, high in zip(series["y"], series["high"], strict=True)
                        ],
                    ]
                ax.bar(
                    positions,
                    series["y"],
                    width,
                    yerr=errors,
                    capsize=3,
                    label=series["label"],
                )
            ax.set_xticks(range(len(categories)), labels=categories)
        ax.set_title(panel.get("title", ""), fontsize="medium")
        ax.set_xlabel(panel.get("xlabel", ""))
        ax.set_ylabel(panel.get("ylabel", ""))
        _log_axes(ax, figure, panel)
        if panel.get("xlabel") == "epoch":
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(figure["title"])
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _claim_lines(study, claim, srcdir: Path) -> list:
    title = escape(claim["statement"])
    lines = [
        f".. _study-{study}-{claim['key']}:",
        "",
        title,
        "~" * len(title),
        "",
        f":The study: {escape(claim['source'])}",
        f":What we ran: {escape(claim['ran'])}",
        f":Verdict: **{escape(_VERDICT_STYLE[claim['verdict']])}**"
        + (f": {escape(claim['summary'])}" if claim.get("summary") else ""),
        f":Margin: {escape(claim['margin'])}",
    ]
    if claim.get("seeds"):
        lines.append(f":Seeds: {', '.join(map(str, claim['seeds']))}")
    load = claim.get("load_average")
    lines.append(
        f":Run: {escape(claim['date'])}, {escape(claim['machine'])}"
        + (f", load average {load}" if load is not None else "")
        + f", {claim['seconds']:.0f} s, on {escape(claim['data']['name'])}"
    )
    lines.append("")
    for table in claim.get("tables", []):
        lines += _table(table)
    for index, figure in enumerate(claim.get("figures", [])):
        name = f"{study}-{claim['key']}-{index}.png"
        (srcdir / FIGURES).mkdir(parents=True, exist_ok=True)
        _draw(figure, srcdir / FIGURES / name)
        lines += [f".. figure:: /{(FIGURES / name).as_posix()}", "   :width: 100%", ""]
        caption = escape(figure.get("caption") or figure["title"])
        lines += [f"   {caption}", ""]
    return lines


class StudyClaims(SphinxDirective):
    """Render the claims of one study from its JSON file."""

    required_arguments = 1
    has_content = False

    def run(self):
        study = self.arguments[0]
        srcdir = Path(self.env.srcdir)
        path = srcdir / "studies" / f"{study}.json"
        self.env.note_dependency(str(path))
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise self.error(f"study-claims: cannot read {path}: {exc}") from exc
        lines = []
        for claim in record["claims"]:
            lines += _claim_lines(study, claim, srcdir)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source=str(path)), container
        )
        return container.children


def setup(app):
    app.add_directive("study-claims", StudyClaims)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
