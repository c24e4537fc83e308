"""Charts from chart specifications (:class:`nns.spec.model.ChartSpec`), drawn with matplotlib in seaborn's theme.

One colour per respondent group (survey), the same in every chart and table,
from the Okabe–Ito palette, which stays distinguishable with the common forms
of colour blindness, darkened where needed to WCAG contrast against white
(lines 3:1, labels 4.5:1). Without colour, the lines still differ: a marker
per respondent group and question, solid lines for kvinnor and dashed for
män; in local reports the nation is a thin dashed line.
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from nns.present import svg  # noqa: E402
from nns.present.intervals import draw_intervals, intervals  # noqa: E402
from nns.present.palette import LINE_CONTRAST, TEXT_CONTRAST, colour_of, legible, shade  # noqa: E402

__all__ = ["draw", "svg_of", "svg_text", "plot_lines", "spread_labels", "value_axis", "MIN_SPAN"]

MARKERS = ["o", "s", "^", "D", "v", "P"]
FONT = "DejaVu Sans"

def _theme():
    """Set the charts' theme (every time: a kernel shared by many notebooks may have changed it)."""
    sns.set_theme(style="whitegrid", context="paper", font=FONT,
                  rc={"axes.edgecolor": "#888888", "grid.color": "#e4e4e4", "svg.hashsalt": "nnsreport",
                      "figure.dpi": 100})


def draw(spec, colours: dict[str, str]):
    """A matplotlib Figure for a chart spec; ``colours`` maps a survey id to its colour."""
    fig, legend = _drawn(spec, colours)
    if legend is not None:
        legend.add_to(fig)
    return fig


def svg_of(spec, colours: dict[str, str]) -> str:
    """The chart as SVG: ``svg_text(draw(spec, colours))``, byte for byte, with a legend drawn earlier in this
    process reused (:func:`nns.present.svg.with_legend`)."""
    fig, legend = _drawn(spec, colours)
    try:
        return svg.with_legend(fig, legend)
    finally:
        plt.close(fig)


def _drawn(spec, colours):
    """The chart's figure without its legend, and the legend (None for bars: theirs is the axes')."""
    _theme()
    bands = intervals(spec)
    if spec.kind == "bars":
        fig, legend = _draw_bars(spec, colours), None
    else:
        fig, legend = _draw_lines(spec, colours, bands)
    draw_intervals(fig, spec, bands)   # the key figures' 95 % intervals: bands around the lines, whiskers on bars
    return fig, legend


def _int_values(frame):
    ok = frame["value"].map(lambda v: str(v).isdigit())
    out = frame[ok].copy()
    out["v"] = out["value"].astype(int)
    out["y"] = out["year"].astype(int)
    return out


#: The smallest span of a line chart's value axis, in percentage points: a change of a few points should look
#: like a few points, not fill the chart.
MIN_SPAN = 40


def value_axis(lo: int, hi: int, min_span: int = MIN_SPAN) -> tuple[int, int]:
    """The value axis for values from ``lo`` to ``hi`` percent: whole tens with room for the values, at least
    ``min_span`` points, within 0–100.

    >>> value_axis(46, 62), value_axis(69, 80), value_axis(5, 95), value_axis(88, 99), value_axis(2, 9)
    ((30, 70), (50, 90), (0, 100), (60, 100), (0, 40))
    """
    a, b = max(0, (lo - 3) // 10 * 10), min(100, -(-(hi + 3) // 10) * 10)
    while b - a < min_span:
        if a > 0 and (b >= 100 or (lo - a) <= (b - hi)):
            a -= 10
        else:
            b += 10
    return a, b


def _draw_lines(spec, colours, bands):
    """A line per series: colour by respondent group, a marker per question, dashes for män and riket; a value
    label at each line's end, in the line's colour made legible."""
    data = _int_values(spec.cells)
    records = data.to_dict("records")
    firsts: dict = {}
    for rec in records:
        firsts.setdefault(rec["series"], rec)
    series_order = list(firsts)
    palette, text_colour, dashes, markers, styles = {}, {}, {}, {}, {}
    shapes: dict[tuple, str] = {}
    for series in series_order:
        first = firsts[series]
        riket = bool(first["riket"])
        # a second question of the same respondent group gets a darker shade of its colour; every line keeps
        # WCAG's 3:1 against white, every label 4.5:1
        palette[series] = legible(shade(colour_of(colours, first["respondent"]), int(first["question_order"])),
                                  LINE_CONTRAST)
        text_colour[series] = legible(palette[series], TEXT_CONTRAST)
        dashes[series] = (4, 2) if first["group"] == "man" or riket else ""
        # without colour, the lines differ by marker (respondent group and question) and dash (män, riket)
        key = (first["respondent"], int(first["question_order"]))
        markers[series] = shapes.setdefault(key, MARKERS[len(shapes) % len(MARKERS)])
        styles[series] = riket
    n_legend_rows = -(-len(series_order) // (2 if len(series_order) > 3 else max(len(series_order), 1)))
    fig = plt.figure(figsize=(6.4, 2.6 + 0.17 * n_legend_rows))
    bottom = (0.42 + 0.17 * n_legend_rows) / (2.6 + 0.17 * n_legend_rows)
    ax = fig.add_axes((0.11, bottom, 0.80, 0.95 - bottom))
    plot_lines(ax, records, series_order, palette, dashes, markers)
    for line, series in zip(ax.get_lines(), series_order):
        if styles[series]:
            line.set_linewidth(1.1)
            line.set_markersize(3.5)
    last: dict = {}   # each series' point of the latest year (of two, the later row, as a stable sort leaves it)
    for rec in records:
        if rec["series"] not in last or rec["y"] >= last[rec["series"]]["y"]:
            last[rec["series"]] = rec
    labels = [(int(last[series]["y"]), int(last[series]["v"]), text_colour[series])
              for series in series_order if not styles[series]]
    # the axis holds the förbund's (or nation's) 95 % bands too, so that drawing them (nns.present.intervals)
    # leaves the axis, and so the labels' spacing, as it is
    bands = bands[~bands["riket"].astype(bool)]
    lows = [data["v"].min()] + ([math.floor(bands["lower"].min())] if len(bands) else [])
    highs = [data["v"].max()] + ([math.ceil(bands["upper"].max())] if len(bands) else [])
    ylim = value_axis(int(min(lows)), int(max(highs))) if len(data) else (0, 100)
    gap = (ylim[1] - ylim[0]) * 0.055
    for x, y, v, colour in spread_labels(labels, min_gap=gap):
        # outside the frame, never clipped: the axes leave room on the right
        ax.annotate(f"{v}\u00a0%", (x, v), xytext=(x + 0.12, y), textcoords="data", fontsize=7, color=colour,
                    va="center", annotation_clip=False)
    handles = [svg.Handle.line(label=series, color=palette[series], marker=markers[series],
                               linestyle=(0, dashes[series]) if dashes[series] else "-",
                               linewidth=1.1 if styles[series] else 1.8)
               for series in series_order]
    years = sorted(data["y"].unique()) if len(data) else []
    if years:
        ax.set_xticks(list(range(min(years), max(years) + 1)))
        ax.set_xlim(min(years) - 0.3, max(years) + 0.3)
    ax.set_ylim(*ylim)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0f}\u00a0%"))
    ax.set_xlabel("")
    ax.set_ylabel(spec.y_label, fontsize=8)
    ax.tick_params(labelsize=8)
    ncol = 2 if len(handles) > 3 else len(handles) or 1
    return fig, svg.Legend.of(handles, loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=ncol, fontsize=7.5,
                              frameon=False)


def plot_lines(ax, records: list[dict], series_order: list, palette: dict, dashes: dict, markers: dict) -> None:
    """A line per series through its points, drawn as seaborn's ``lineplot`` draws them with ``estimator=None``:
    one ``plot`` call per series in ``series_order``, its points sorted by year and then value, then the series'
    colour, dashes and marker set. The SVG is the same, byte for byte (tests/unit/test_layout.py); the grouping
    of a data frame that seaborn does first took a third of a chart's drawing.

    ``records`` are dicts with series, y (year) and v (value), as :func:`_draw_lines` gives them: every value a
    number (no missing one: the cells not shown are left out before) and every series in ``series_order``.
    """
    points: dict = {series: [] for series in series_order}
    for rec in records:
        points[rec["series"]].append((float(rec["y"]), float(rec["v"])))
    for series in series_order:
        xy = sorted(points[series])
        line, = ax.plot([x for x, _ in xy], [y for _, y in xy], color=None, linewidth=1.8, markersize=5,
                        markeredgewidth=0.75, markeredgecolor="w")
        line.set_color(palette[series])
        line.set_dashes(dashes[series])
        line.set_marker(markers[series])


def spread_labels(labels: list[tuple[int, int, str]], min_gap: float) -> list[tuple[int, float, int, str]]:
    """End-of-line value labels moved apart so that none overlap: one label per line, even where two lines
    end on the same value (each in its line's colour).

    ``labels`` are (x, value, colour); returns (x, y to draw at, value, colour), in the order of the values.

    >>> [(round(y, 1), v) for _, y, v, _ in spread_labels([(2022, 79, "a"), (2022, 79, "b"), (2022, 77, "c")], 2.5)]
    [(75.8, 77), (78.3, 79), (80.8, 79)]
    """
    items = sorted(labels, key=lambda t: t[1])
    placed: list[list] = []
    for x, v, colour in items:
        y = float(v)
        if placed and y - placed[-1][1] < min_gap:
            y = placed[-1][1] + min_gap
        placed.append([x, y, v, colour])
    # centre the shifted stack on the values again
    if placed:
        shift = (sum(p[1] for p in placed) - sum(p[2] for p in placed)) / len(placed)
        for p in placed:
            p[1] -= shift
    return [tuple(p) for p in placed]


def _draw_bars(spec, colours):
    data = _int_values(spec.cells)
    labels = list(dict.fromkeys(data["row"]))
    groups = list(dict.fromkeys(data["group"]))
    fig, ax = plt.subplots(figsize=(6.4, 0.2 * len(labels) * max(len(groups), 1) + 0.9))
    height = 0.8 / max(len(groups), 1)
    colour = colour_of(colours, data["respondent"].iloc[0]) if len(data) else colour_of(colours, "")
    names = {"kvinnor": "Kvinnor", "man": "Män", "samtliga": "Samtliga"}
    for gi, g in enumerate(groups):
        rows = data[data["group"] == g].set_index("row").reindex(labels)
        ys = [i + gi * height - 0.4 + height / 2 for i in range(len(labels))]
        bars = ax.barh(ys, rows["v"].fillna(0), height=height * 0.92, color=colour,
                       alpha=1.0 if gi == 0 else 0.5, hatch=None if gi == 0 else "///", edgecolor="white",
                       label=names.get(g, g))
        for y, v in zip(ys, rows["v"]):
            if v == v:
                ax.text(v + 1, y, f"{int(v)}\u00a0%", va="center", fontsize=7)
        del bars
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0f}\u00a0%"))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(spec.y_label, fontsize=8)
    if len(groups) > 1:
        ax.legend(loc="lower right", fontsize=7.5, frameon=True)
    fig.subplots_adjust(left=0.24, right=0.97, top=0.98, bottom=0.62 / fig.get_size_inches()[1])
    return fig


def svg_text(fig) -> str:
    """The figure as SVG (:func:`nns.present.svg.write`), closed: sharp at any size, half the time of a PNG and a
    third of its size."""
    try:
        return svg.write(fig)
    finally:
        plt.close(fig)
