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
    spliced = []
    real_splice = svg._splice

    def counting(*args):
        out = real_splice(*args)
        spliced.append(out is not None)
        return out

    monkeypatch.setattr(svg, "_splice", counting)
    colours = survey_colours(national_agg.instrument)
    kinds = {(name, type(spec).__name__) for name, spec, _ in drawn}
    assert {("riket", "ChartSpec"), ("Väst", "ChartSpec"), ("Väst", "PlaceSpec"), ("Samsund", "PlaceSpec"),
            ("jämförelse", "FunnelSpec")} <= kinds
    for name, spec, module in drawn:
        assert module.svg_of(spec, colours) == _direct(spec, module, colours), f"{name}: {spec.anchor}"
    # legends recur (a förbund's place charts have the same legends as another's): some were kept ones, and every
    # kept one that was found went in (19 of these 95 charts; in a batch of 36 reports most are)
    assert len(spliced) >= 10 and all(spliced), spliced


def test_a_chart_is_the_same_whether_its_legend_was_kept_or_drawn(drawn, national_agg, monkeypatch):
    """Each chart twice in a row: the first draws its legend (nothing kept), the second puts in the kept one."""
    colours = survey_colours(national_agg.instrument)
    for name, spec, module in drawn[::7]:
        monkeypatch.setattr(svg, "_KEPT", type(svg._KEPT)())
        first = module.svg_of(spec, colours)
        assert len(svg._KEPT) == (0 if module is charts and spec.kind == "bars" else 1), f"{name}: {spec.anchor}"
        assert module.svg_of(spec, colours) == first, f"{name}: {spec.anchor}"


CHART = """<svg>
 <g id="figure_1">
  <g id="axes_1">
   <g id="line2d_1"><defs><path id="mAAA" d="M 0 0"/></defs><use xlink:href="#mAAA"/></g>
   <g id="text_1"/>
  </g>
{legend} </g>
 <defs><clipPath id="p1"/></defs>
</svg>
"""
LEGEND = """  <g id="legend_1">
   <g id="line2d_2"><defs><path id="mBBB" d="M 0 0"/></defs><use xlink:href="#mBBB"/></g>
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
    outside = LEGEND.replace('<use xlink:href="#mBBB"/>', '<use xlink:href="#mAAA"/>')
    assert svg._cut(CHART.format(legend=outside)) is None
    assert svg._cut(CHART.format(legend=LEGEND.replace("<g id=\"text_2\"/>", '<g clip-path="url(#p1)"/>'))) is None


def test_a_kept_legend_is_not_put_where_the_chart_already_defines_its_marker():
    legend, before = svg._cut(CHART.format(legend=LEGEND))
    assert svg._splice(CHART.format(legend="").replace("mAAA", "mBBB"), legend, before) is None
    assert svg._splice(CHART.format(legend=LEGEND), legend, before) is None   # a chart that has a legend already
