"""The comparison's charts: a funnel plot per measure, and a förbund's place in the funnels of its measures.

A funnel plot (Spiegelhalter 2005) puts every förbund's key figure against its number of answers, around the
national key figure, with the control limits that chance alone would keep a förbund of that size within (95 %
dashed, 99.8 % solid). The shape of a point says the verdict, so that it reads without colour: ▲ better than
expected, ▼ worse, ● as expected, ○ too few answers for a verdict. The förbund outside the 99.8 % limits are
named beside their points; in the HTML every point names its förbund on hover (an SVG ``<title>``).

A förbund's own chapter shows, per measure, where it stands in that measure's funnel: the limits at its own
number of answers (grey bands), the nation (a line) and its key figure with its 95 % interval. No other förbund
is drawn or named.
"""
from __future__ import annotations

import html
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from nns.present import svg  # noqa: E402
from nns.present.palette import colour_of  # noqa: E402
from nns.spec.comparison import FunnelSpec, PlaceSpec, interval_text, verdict_text  # noqa: E402
from nns.text import capitalize, fmt_int  # noqa: E402

__all__ = ["draw", "svg_of", "svg_text", "titles", "inline", "MARKERS"]

FONT = "DejaVu Sans"
#: The shape of a point by its verdict (hollow: too few answers for one).
MARKERS = {"battre": "^", "samre": "v", "som_forvantat": "o", "for_fa_svar": "o"}
LIMIT_COLOUR = "#555555"
BAND_95, BAND_998 = "#c9c9c9", "#ececec"


def _theme() -> None:
    sns.set_theme(style="whitegrid", context="paper", font=FONT,
                  rc={"axes.edgecolor": "#888888", "grid.color": "#e4e4e4", "svg.hashsalt": "nnsreport",
                      "figure.dpi": 100})


def _percent_axis(axis) -> None:
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0f}\u00a0%"))


def gid(spec, i: int) -> str:
    """The id of a point in the SVG (unique in a page with many charts)."""
    return f"nns-{spec.number.lower().replace('.', '-')}-{i}"


def draw(spec, colours: dict[str, str]):
    """A matplotlib Figure for a :class:`FunnelSpec` or a :class:`PlaceSpec`."""
    fig, legend = _drawn(spec, colours)
    legend.add_to(fig)
    return fig


def svg_of(spec, colours: dict[str, str]) -> str:
    """The chart as SVG with each point's hover text: ``svg_text(draw(spec, colours), titles(spec))``, byte for
    byte, with a legend drawn earlier in this process reused (:func:`nns.present.svg.with_legend`)."""
    fig, legend = _drawn(spec, colours)
    try:
        return _with_titles(svg.with_legend(fig, legend), titles(spec))
    finally:
        plt.close(fig)


def _drawn(spec, colours):
    """The chart's figure without its legend, and the legend."""
    _theme()
    return _draw_funnel(spec, colours) if isinstance(spec, FunnelSpec) else _draw_places(spec, colours)


def titles(spec) -> dict[str, str]:
    """{point id: what hovering over it says} for the HTML."""
    out = {}
    if isinstance(spec, FunnelSpec):
        for i, u in enumerate(spec.comparison.shown()):
            out[gid(spec, i)] = (f"{u.forbund}: {u.key_figure}\u00a0% av {fmt_int(u.n)} svar "
                                 f"(95\u00a0% KI {interval_text(*u.ci)}). {capitalize(verdict_text(u.verdict))}.")
    else:
        for i, (label, m, u) in enumerate(spec.rows):
            out[gid(spec, i)] = (f"{label}: {u.key_figure}\u00a0% av {fmt_int(u.n)} svar (95\u00a0% KI {interval_text(*u.ci)}), "
                                 f"riket {m.national_key_figure}\u00a0%. {capitalize(verdict_text(u.verdict))}.")
    return out


def _point(ax, x, y, verdict: str, colour: str, point_id: str, size: float = 5.5):
    hollow = verdict == "for_fa_svar"
    big = verdict in ("battre", "samre")
    (line,) = ax.plot([x], [y], linestyle="none", marker=MARKERS[verdict], markersize=size * (1.35 if big else 1),
                      markerfacecolor="white" if hollow else colour, markeredgecolor="#222222" if big else colour,
                      markeredgewidth=0.9 if big else 0.8, zorder=4 if big else 3)
    line.set_gid(point_id)
    return line


def _draw_funnel(spec: FunnelSpec, colours):
    m = spec.comparison
    colour = colour_of(colours, spec.cells["respondent"].iloc[0])
    shown = m.shown()
    curves = spec.curves
    fig = plt.figure(figsize=(6.4, 3.25))
    ax = fig.add_axes((0.1, 0.24, 0.87, 0.72))
    minimum = spec.minimum
    xmax = max(curves["n"].max(), 1)
    start = min([u.n for u in shown] + [minimum or 5])
    visible = curves[curves["n"] >= max(start, 2)]
    if minimum:   # too few answers for a verdict: the chapter's text and the hollow points say so
        ax.axvspan(0, minimum, color="#f1f1f1", zorder=0, linewidth=0)
    ax.axhline(100 * m.p0, color="#222222", linewidth=1.6, zorder=2)
    for lo, hi, style in (("lo95", "hi95", (0, (4, 2))), ("lo998", "hi998", "-")):
        for col in (lo, hi):
            ax.plot(visible["n"], 100 * visible[col], color=LIMIT_COLOUR, linewidth=0.9, linestyle=style, zorder=2)
    for i, u in enumerate(shown):
        _point(ax, u.n, 100 * u.share, u.verdict, colour, gid(spec, i))
    _name_outliers(ax, [u for u in shown if u.verdict in ("battre", "samre")], xmax)
    values = [100 * u.share for u in shown] + list(100 * visible["lo998"]) + [100 * m.p0]
    low = max(0, 10 * int(min(values) // 10) - 5)
    ax.set_ylim(low, 102)
    ax.set_xlim(0, xmax)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Antal svar", fontsize=8)
    ax.set_ylabel("Nyckeltal", fontsize=8)
    ax.tick_params(labelsize=8)
    handles = [
        svg.Handle.line(color="#222222", linewidth=1.6, label=f"Riket ({m.national_key_figure}\u00a0%)"),
        svg.Handle.line(color=LIMIT_COLOUR, linewidth=0.9, linestyle=(0, (4, 2)), label="95\u00a0%-gränser"),
        svg.Handle.line(color=LIMIT_COLOUR, linewidth=0.9, label="99,8\u00a0%-gränser"),
        svg.Handle.line(linestyle="none", marker="^", markersize=7, markerfacecolor=colour, markeredgecolor="#222222",
                        label="Bättre"),
        svg.Handle.line(linestyle="none", marker="v", markersize=7, markerfacecolor=colour, markeredgecolor="#222222",
                        label="Sämre"),
        svg.Handle.line(linestyle="none", marker="o", markersize=5.5, color=colour, label="Som förväntat"),
        svg.Handle.line(linestyle="none", marker="o", markersize=5.5, markerfacecolor="white", markeredgecolor=colour,
                        label="För få svar"),
    ]
    return fig, svg.Legend.of(handles, loc="lower center", bbox_to_anchor=(0.53, 0.0), ncol=7, fontsize=6.8,
                              frameon=False, handlelength=1.6, columnspacing=1.0, handletextpad=0.4)


def _name_outliers(ax, units, xmax) -> None:
    """The names of the förbund outside the 99.8 % limits, beside their points, moved apart vertically."""
    placed: list[float] = []
    for u in sorted(units, key=lambda u: u.share):
        x, y = u.n, 100 * u.share
        label_y = y
        while any(abs(label_y - p) < 4.2 for p in placed):
            label_y += 4.2
        placed.append(label_y)
        right = x < 0.62 * xmax
        ax.annotate(u.forbund, (x, y), xytext=(x + (0.02 if right else -0.02) * xmax, label_y), textcoords="data",
                    fontsize=6.8, ha="left" if right else "right", va="center", color="#222222", zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                    arrowprops={"arrowstyle": "-", "color": "#888888", "linewidth": 0.5} if label_y != y else None)


def _draw_places(spec: PlaceSpec, colours):
    colour = colour_of(colours, spec.respondent)
    rows = spec.rows
    height = 0.34 * len(rows) + 1.05
    fig = plt.figure(figsize=(6.4, height))
    bottom = 0.78 / height
    ax = fig.add_axes((0.22, bottom, 0.75, 1 - bottom - 0.12 / height))
    # the limits' bands, each row's 99.8 % band and then its 95 % band, in one call (a call per band cost more
    # than drawing them)
    bands = [(i, limits, band_colour) for i, (_, _, u) in enumerate(rows)
             for limits, band_colour in ((u.limits998, BAND_998), (u.limits95, BAND_95))]
    ax.barh([i for i, _, _ in bands], [100 * (hi - lo) for _, (lo, hi), _ in bands],
            left=[100 * lo for _, (lo, _), _ in bands], height=0.62, color=[c for _, _, c in bands], zorder=1,
            linewidth=0)
    for i, (_, m, u) in enumerate(rows):
        ax.plot([100 * m.p0] * 2, [i - 0.36, i + 0.36], color="#222222", linewidth=1.3, zorder=2)
        ax.plot([100 * u.ci[0], 100 * u.ci[1]], [i, i], color=colour, linewidth=1.2, zorder=3)
        _point(ax, 100 * u.share, i, u.verdict, colour, gid(spec, i))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label for label, _, _ in rows], fontsize=7.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    _percent_axis(ax.xaxis)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", visible=False)
    handles = [
        svg.Handle.line(color=colour, marker="o", markersize=5, linewidth=1.2, label="Förbundet (95\u00a0% KI)"),
        svg.Handle.line(color="#222222", linewidth=1.3, label="Riket"),
        svg.Handle.patch(facecolor=BAND_95, label="Gränser 95\u00a0%"),
        svg.Handle.patch(facecolor=BAND_998, label="Gränser 99,8\u00a0%"),
    ]
    return fig, svg.Legend.of(handles, loc="lower center", bbox_to_anchor=(0.58, 0.0), ncol=4, fontsize=7,
                              frameon=False)


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)


def svg_text(fig, hover: dict[str, str] | None = None) -> str:
    """The figure as SVG, as :func:`nns.present.charts.svg_text` writes it, each point's ``<title>`` inserted
    (browsers show it on hover when the SVG is part of the page)."""
    try:
        text = svg.write(fig)
    finally:
        plt.close(fig)
    return _with_titles(text, hover or {})


def _with_titles(text: str, hover: dict[str, str]) -> str:
    for point_id, title in hover.items():
        text = text.replace(f'<g id="{point_id}">', f'<g id="{point_id}"><title>{html.escape(title)}</title>', 1)
    return text


def inline(text: str) -> str:
    """The SVG ``text`` to put into an HTML page itself: no XML prolog, as wide as the text and as high as it
    needs."""
    body = _PROLOG.sub("", text, count=1)
    return re.sub(r'<svg\b([^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r'<svg\1 style="width:100%;height:auto"', body,
                  count=1)
