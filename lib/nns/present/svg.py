"""Figures written as SVG, and a chart's legend drawn once per process.

Every chart is written the same way (:func:`write`): text stays text, no date, element ids from a fixed salt, so
that the same chart gives the same bytes.

A legend costs a fifth of a line chart's drawing (matplotlib lays out each entry's marker and text), and legends
repeat: the 36 local reports hold 571, 56 of them distinct. :func:`with_legend` therefore writes a legend's SVG
once per process and puts it into later charts with the same legend at the same size, as matplotlib would have
written it there: the chart is written without its legend and the kept legend goes where matplotlib writes a
figure's legend, last in the figure, its elements' running numbers (``line2d_18``, ``text_17``) continued from
the chart's own. The result is the same, byte for byte, as the chart written with its legend
(tests/unit/test_chart_svg.py compares every chart of the national report, two local reports and the comparison).
Where that could not hold, the chart is written with its legend: a legend is not kept that refers to an element
outside itself, that is not the figure's last element (an artist drawn after it, an axes' legend), or that defines
anything but its groups and markers (another running number of matplotlib's, such as a collection's); and a kept
legend is not used in a chart that already defines one of the legend's markers (matplotlib would have used that
definition instead of writing its own).
"""
from __future__ import annotations

import io
import re
from collections import OrderedDict
from dataclasses import dataclass

import matplotlib
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = ["write", "Handle", "Legend", "with_legend", "RC"]

#: matplotlib's settings for writing a chart: text as text (in DejaVu Sans, which the PDF renderer is given) and
#: element ids from a fixed salt.
RC = {"svg.fonttype": "none", "svg.hashsalt": "nnsreport"}


def write(fig) -> str:
    """The figure as SVG: no date in the file and fixed element ids, so that the same chart gives the same bytes."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


@dataclass(frozen=True)
class Handle:
    """A legend entry's handle: a line (with its marker) or a patch, by the keyword arguments that make it. (A
    kept legend may define only its groups and markers: see :func:`_cut`.)"""

    kind: str       # "line" or "patch"
    props: tuple    # (name, value) pairs, in the order given

    @classmethod
    def line(cls, **props) -> Handle:
        return cls("line", tuple(props.items()))

    @classmethod
    def patch(cls, **props) -> Handle:
        return cls("patch", tuple(props.items()))

    def artist(self):
        return Line2D([0], [0], **dict(self.props)) if self.kind == "line" else Patch(**dict(self.props))


@dataclass(frozen=True)
class Legend:
    """A figure's legend: its handles and the keyword arguments of ``Figure.legend``."""

    handles: tuple[Handle, ...]
    options: tuple

    @classmethod
    def of(cls, handles, **options) -> Legend:
        return cls(tuple(handles), tuple(options.items()))

    def add_to(self, fig) -> None:
        fig.legend(handles=[h.artist() for h in self.handles], **dict(self.options))


#: Legends written in this process: (legend, figure size, dpi, matplotlib's settings) → (the legend's SVG, the
#: running number of each kind of element before it).
_KEPT: OrderedDict[tuple, tuple[str, dict[str, int]]] = OrderedDict()
_KEPT_MAX = 256

_LEGEND_OPEN = '\n  <g id="legend_1">\n'   # a figure's legend: a child of the figure's group (an axes' is deeper)
_LEGEND_CLOSE = "\n  </g>\n"
_FIGURE_CLOSE = "\n </g>\n"   # the figure's group ends after its last artist
_NUMBERED = re.compile(r'<g id="([A-Za-z][\w.]*)_(\d+)"')
_REFERENCE = re.compile(r'(?:xlink:href="#|url\(#)([^")]+)')
_ID = re.compile(r'\bid="([^"]+)"')
_MARKER_DEF = re.compile(r'<path id="(m[0-9a-f]+)"')
_FIGURE_CHILD = re.compile(r"\n  <(?!/g>)")   # an element opened as a child of the figure's group


def _numbers(svg: str) -> dict[str, int]:
    """The last running number of each kind of element (matplotlib numbers its groups per kind: ``text_3``)."""
    out: dict[str, int] = {}
    for kind, n in _NUMBERED.findall(svg):
        out[kind] = max(out.get(kind, 0), int(n))
    return out


def _cut(svg: str) -> tuple[str, dict[str, int]] | None:
    """A written chart's legend and the running numbers before it; None where the legend is not the figure's only
    legend and last element, refers to an element it does not define, or defines anything but its groups and
    markers (only those are renumbered or named by their content)."""
    start = svg.find(_LEGEND_OPEN) + 1
    end = svg.rfind(_FIGURE_CLOSE)
    if start <= 0 or end < start or svg.count('<g id="legend_') != 1:
        return None
    legend = svg[start:end + 1]
    if not legend.endswith(_LEGEND_CLOSE) or legend.count(_LEGEND_CLOSE) != 1 or _FIGURE_CHILD.search(legend, 1):
        return None
    defined = set(_ID.findall(legend))
    if not set(_REFERENCE.findall(legend)) <= defined:
        return None
    if defined - {f"{kind}_{n}" for kind, n in _NUMBERED.findall(legend)} - set(_MARKER_DEF.findall(legend)):
        return None
    return legend, _numbers(svg[:start])


def _splice(svg: str, legend: str, before: dict[str, int]) -> str | None:
    """``svg`` (a chart written without its legend) with a kept ``legend`` where matplotlib writes it; None where
    the result could differ from the chart written with it."""
    end = svg.rfind(_FIGURE_CLOSE)
    if end < 0 or '<g id="legend_' in svg:
        return None
    head = svg[:end + 1]
    if any(f'id="{marker}"' in head for marker in _MARKER_DEF.findall(legend)):
        return None
    now = _numbers(head)

    def renumber(m: re.Match) -> str:
        kind, n = m.group(1), int(m.group(2))
        return f'<g id="{kind}_{n - before.get(kind, 0) + now.get(kind, 0)}"'

    return head + _NUMBERED.sub(renumber, legend) + svg[end + 1:]


def with_legend(fig, legend: Legend | None) -> str:
    """The figure written as SVG (:func:`write`) with ``legend`` added, as ``legend.add_to(fig)`` and then
    :func:`write` would give it; the legend drawn once per process (see the module's description)."""
    if legend is None:
        return write(fig)
    # matplotlib's settings as they stand (RcParams is a dict: its raw values, without the checks of its lookups)
    key = (legend, tuple(fig.get_size_inches()), fig.dpi, repr(dict.items(matplotlib.rcParams)))
    kept = _KEPT.get(key)
    if kept is not None:
        spliced = _splice(write(fig), *kept)
        if spliced is not None:
            _KEPT.move_to_end(key)
            return spliced
        del _KEPT[key]   # kept again below if this chart's legend can be
    legend.add_to(fig)
    svg = write(fig)
    cut = _cut(svg)
    if cut is not None:
        _KEPT[key] = cut
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.popitem(last=False)
    return svg
