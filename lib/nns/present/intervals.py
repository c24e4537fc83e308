"""The 95 % intervals of the key figures in the charts: a band around each line, a whisker on each bar.

The intervals come with the chart's spec (``ChartSpec.unprinted``: ``ki_lag``, ``ki_hog`` at each point's
series and year); this module finds what was drawn for a point and adds its interval in the same colour,
so that it follows the line charts' own drawing (colours, markers, which series are the nation's) whatever
that drawing does. In a local report the nation's reference lines get no band: the chart is about the förbund.
"""
from __future__ import annotations

import math

import pandas as pd

__all__ = ["draw_intervals", "intervals", "BAND_ALPHA"]

#: How opaque a line's band is: the line stays the eye's first stop.
BAND_ALPHA = 0.14


def intervals(spec) -> pd.DataFrame:
    """(series or bar label, group, x, value, lower, upper) of every drawn point that has an interval.

    Read from the cells as lists (a chart has a few dozen points; pandas' pivot and join cost more than the
    drawing of a small chart).
    """
    extra = spec.unprinted
    columns = ["row", "col", "value", "lower", "upper", "riket"]
    if extra is None or extra.empty:
        return pd.DataFrame(columns=columns)
    bounds: dict[tuple, dict[str, str]] = {}
    for r, c, f, statistic, value in zip(extra["row"], extra["col"], extra["forbund"], extra["statistic"],
                                         extra["value"]):
        if statistic in ("ki_lag", "ki_hog"):
            bounds.setdefault((r, c, f), {}).setdefault(statistic, value)
    if not bounds:
        return pd.DataFrame(columns=columns)
    points = spec.cells[spec.cells["statistic"] == "nyckeltal"]
    riket = points["riket"].tolist() if "riket" in points else [False] * len(points)
    rows = []
    for r, c, f, value, national in zip(points["row"], points["col"], points["forbund"], points["value"], riket):
        found = bounds.get((r, c, f))
        if found is None:
            continue
        number = _number(value)
        if number is None:
            continue
        rows.append((r, c, number, _number(found.get("ki_lag")), _number(found.get("ki_hog")), bool(national)))
    return pd.DataFrame(rows, columns=columns)


def _number(text) -> float | None:
    """A cell's value as a number; None for one that is not shown ('..', '–') or absent."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def draw_intervals(fig, spec, data: pd.DataFrame | None = None) -> None:
    """Add the key figures' 95 % intervals to a drawn chart: bands for lines, whiskers for bars (``data``:
    :func:`intervals` of the spec, when the caller has them already)."""
    data = intervals(spec) if data is None else data
    if data.empty or not fig.axes:
        return
    ax = fig.axes[0]
    if spec.kind == "bars":
        points = spec.cells[spec.cells["statistic"] == "nyckeltal"]
        _whiskers(ax, data, list(dict.fromkeys(points["row"])), list(dict.fromkeys(points["group"])))
    else:
        _bands(ax, data)


def _line_of(ax, xs: list[float], ys: list[float]):
    """The drawn line through exactly these points (the series' own line), or None."""
    want = sorted(zip(xs, ys))
    for line in ax.get_lines():
        got = sorted(zip(map(float, line.get_xdata()), map(float, line.get_ydata())))
        if got == want:
            return line
    return None


def _bands(ax, data: pd.DataFrame) -> None:
    """A band around each of the förbund's (or the nation's) lines, in its colour, and the value axis widened to
    hold them. On lists: a series' points in the order of their year (a series has one point a year)."""
    series: dict = {}
    for row, col, value, lower, upper, riket in data[["row", "col", "value", "lower", "upper", "riket"]].itertuples(
            index=False, name=None):
        if not riket:
            series.setdefault(row, []).append((float(col), float(value), float(lower), float(upper)))
    lows, highs = [], []
    for points in series.values():
        points.sort(key=lambda p: p[0])
        xs, values, lower, upper = (list(v) for v in zip(*points))
        line = _line_of(ax, xs, values)
        colour = line.get_color() if line is not None else "#888888"
        ax.fill_between(xs, lower, upper, color=colour, alpha=BAND_ALPHA, linewidth=0, zorder=0.5)
        lows.append(_skipping_nan(min, lower))
        highs.append(_skipping_nan(max, upper))
    _fit(ax, min(lows, default=None), max(highs, default=None))


def _skipping_nan(pick, values: list[float]) -> float:
    """``pick`` (min or max) of the values that are numbers, NaN if none is (as pandas' Series.min and max)."""
    numbers = [v for v in values if not math.isnan(v)]
    return pick(numbers) if numbers else math.nan


def _fit(ax, low, high) -> None:
    """Widen the value axis (in steps of 5, within 0–100 %) so that no band is cut off."""
    if low is None:
        return
    bottom, top = ax.get_ylim()
    ax.set_ylim(max(0, min(bottom, 5 * math.floor(low / 5))), min(100, max(top, 5 * math.ceil(high / 5))))


def _whiskers(ax, data: pd.DataFrame, labels: list[str], groups: list[str]) -> None:
    """A whisker across the end of every bar whose value has an interval.

    The bars are drawn group by group, one per label in each (:func:`nns.present.charts._draw_bars`); a bar is
    found by that order and checked by its length.
    """
    bars = list(ax.patches)
    for r in data.itertuples():
        if r.row not in labels or r.col not in groups:
            continue
        i = groups.index(r.col) * len(labels) + labels.index(r.row)
        if i >= len(bars) or not math.isclose(bars[i].get_width(), r.value):
            continue
        y = bars[i].get_y() + bars[i].get_height() / 2
        ax.errorbar([r.value], [y], xerr=[[r.value - r.lower], [r.upper - r.value]], fmt="none",
                    ecolor="#333333", elinewidth=0.8, capsize=2, capthick=0.8, zorder=3)
        for text in ax.texts:   # the bar's value label moves past the whisker
            x0, y0 = text.get_position()
            if math.isclose(y0, y) and r.value <= x0 <= r.value + 2:
                text.set_x(max(x0, r.upper + 1))
