"""Charts written with a kept legend (nns.present.svg) are the charts written with their own, byte for byte."""
from __future__ import annotations

import pytest

from nns.config import Scope
from nns.present import charts, funnel, svg
from nns.present.palette import survey_colours
from nns.spec import parts
from nns.spec.comparison import FunnelSpec, PlaceSpec
from nns.spec.context import Context
from nns.spec.model import ChartSpec

SCOPES = {"riket": Scope(2022), "Väst": Scope(2022, "Väst"), "Samsund": Scope(2022, "Samsund"),
          "jämförelse": Scope(2022, comparison=True)}


@pytest.fixture(scope="module")
def drawn(national_agg, settings):
    """Every chart of the national report, two local reports and the comparison, with its kind."""
    out = []
    for name, scope in SCOPES.items():
        for spec in parts.all_specs(Context(national_agg, scope, settings)):
            if isinstance(spec, ChartSpec) and not spec.cells.empty:
                out.append((name, spec, charts))
            elif isinstance(spec, (FunnelSpec, PlaceSpec)):
                out.append((name, spec, funnel))
    return out


def _direct(spec, module, colours):
    fig = module.draw(spec, colours)
    return charts.svg_text(fig) if module is charts else funnel.svg_text(fig, funnel.titles(spec))


def test_every_chart_with_a_kept_legend_is_the_chart_drawn_with_its_own(drawn, national_agg, monkeypatch):
    monkeypatch.setattr(svg, "_KEPT", type(svg._KEPT)())
    spliced = _counting_splices(monkeypatch)
    colours = survey_colours(national_agg.instrument)
    kinds = {(name, type(spec).__name__) for name, spec, _ in drawn}
    assert {("riket", "ChartSpec"), ("Väst", "ChartSpec"), ("Väst", "PlaceSpec"), ("Samsund", "PlaceSpec"),
            ("jämförelse", "FunnelSpec")} <= kinds
    for name, spec, module in drawn:
        assert module.svg_of(spec, colours) == _direct(spec, module, colours), f"{name}: {spec.anchor}"
    # legends recur (a förbund's place charts have the same legends as another's): some were kept ones, and every
    # kept one that was found went in (19 of these 95 charts; in a batch of 36 reports most are)
    assert len(spliced) >= 10 and all(spliced), spliced


def _counting_splices(monkeypatch, refuse=False) -> list[bool]:
    """Record whether each use of a kept legend went in (``refuse``: none does, as where a chart already defines
    the legend's marker)."""
    outcomes: list[bool] = []
    real = svg._splice

    def counting(*args):
        out = None if refuse else real(*args)
        outcomes.append(out is not None)
        return out

    monkeypatch.setattr(svg, "_splice", counting)
    return outcomes


def test_a_chart_is_the_same_whether_its_legend_was_kept_or_drawn(drawn, national_agg, monkeypatch):
    """Each chart twice in a row: the first draws its legend (nothing kept), the second puts in the kept one."""
    colours = survey_colours(national_agg.instrument)
    spliced = _counting_splices(monkeypatch)
    for name, spec, module in drawn[::7]:
        monkeypatch.setattr(svg, "_KEPT", type(svg._KEPT)())
        first = module.svg_of(spec, colours)
        bars = module is charts and spec.kind == "bars"
        assert len(svg._KEPT) == (0 if bars else 1), f"{name}: {spec.anchor}"
        before = len(spliced)
        assert module.svg_of(spec, colours) == first, f"{name}: {spec.anchor}"
        assert spliced[before:] == ([] if bars else [True]), f"{name}: {spec.anchor}"


def test_a_kept_legend_that_cannot_go_in_is_drawn_and_the_chart_is_the_same(drawn, national_agg, monkeypatch):
    colours = survey_colours(national_agg.instrument)
    name, spec, module = next(d for d in drawn if d[0] == "Väst" and d[2] is funnel)
    monkeypatch.setattr(svg, "_KEPT", type(svg._KEPT)())
    refused = _counting_splices(monkeypatch, refuse=True)
    first = module.svg_of(spec, colours)
    assert module.svg_of(spec, colours) == first == _direct(spec, module, colours), f"{name}: {spec.anchor}"
    assert refused == [False] and len(svg._KEPT) == 1   # refused, then drawn and kept anew


CHART = """<svg>
 <g id="figure_1">
  <g id="axes_1">
   <g id="line2d_1"><defs><path id="ma0a0" d="M 0 0"/></defs><use xlink:href="#ma0a0"/></g>
   <g id="text_1"/>
  </g>
{legend} </g>
 <defs><clipPath id="p1"/></defs>
</svg>
"""
LEGEND = """  <g id="legend_1">
   <g id="line2d_2"><defs><path id="mb0b0" d="M 0 0"/></defs><use xlink:href="#mb0b0"/></g>
   <g id="text_2"/>
  </g>
"""


def test_a_kept_legend_continues_the_charts_running_numbers():
    legend, before = svg._cut(CHART.format(legend=LEGEND))
    assert legend == LEGEND and before == {"figure": 1, "axes": 1, "line2d": 1, "text": 1}
    busier = CHART.format(legend="").replace('<g id="text_1"/>', '<g id="text_1"/><g id="text_2"/><g id="text_3"/>')
    out = svg._splice(busier, legend, before)
    assert '<g id="line2d_2">' in out and '<g id="text_4"/>' in out and '<g id="text_2"/>\n  </g>' not in out
    assert out.index('<g id="legend_1">') > out.index('<g id="axes_1">') and out.endswith("</svg>\n")


def test_a_legend_that_refers_outside_itself_is_not_kept():
    outside = LEGEND.replace('<use xlink:href="#mb0b0"/>', '<use xlink:href="#ma0a0"/>')
    assert svg._cut(CHART.format(legend=outside)) is None
    assert svg._cut(CHART.format(legend=LEGEND.replace("<g id=\"text_2\"/>", '<g clip-path="url(#p1)"/>'))) is None


def test_a_legend_that_is_not_the_figures_last_element_or_only_legend_is_not_kept():
    after = LEGEND + '  <g id="text_9"/>\n'                                  # an artist drawn after the legend
    assert svg._cut(CHART.format(legend=after)) is None
    axes_legend = CHART.replace('<g id="text_1"/>', '<g id="text_1"/>\n   <g id="legend_1">\n   </g>')
    assert svg._cut(axes_legend.format(legend="")) is None                    # an axes' legend only
    assert svg._cut(axes_legend.format(legend=LEGEND)) is None                # an axes' legend and the figure's


def test_a_legend_that_defines_more_than_groups_and_markers_is_not_kept():
    collection = LEGEND.replace('<g id="text_2"/>', '<defs><path id="C0_0_abc" d="M 0 0"/></defs>'
                                '<use xlink:href="#C0_0_abc"/>')
    assert svg._cut(CHART.format(legend=collection)) is None


def test_a_kept_legend_is_not_put_where_the_chart_already_defines_its_marker():
    legend, before = svg._cut(CHART.format(legend=LEGEND))
    assert svg._splice(CHART.format(legend="").replace("ma0a0", "mb0b0"), legend, before) is None
    assert svg._splice(CHART.format(legend=LEGEND), legend, before) is None   # a chart that has a legend already
