"""What a reader stumbled on in the printed pages, each as a rule that is checked: number formats and symbols,
tables whose row groups stay with their rows, sum rows, column labels that fit, charts whose labels and lines
can be read and told apart."""
from __future__ import annotations

import dataclasses

import matplotlib
import pandas as pd
import pytest

from nns.config import Scope
from nns.present import charts as draw_charts
from nns.present import markup
from nns.present.palette import LINE_CONTRAST, TEXT_CONTRAST, contrast, survey_colours
from nns.present.records import grid, wide
from nns.spec import parts
from nns.spec.context import Context
from nns.spec.model import DASH, SUPPRESSED, ChartSpec, TableSpec, display_value
from nns.text import NBSP, fmt_int, fmt_pct, nonbreaking


@pytest.fixture(scope="module")
def specs(national_agg, settings):
    return parts.all_specs(Context(national_agg, Scope(2022), settings))


@pytest.fixture(scope="module")
def local_specs(national_agg, settings):
    return parts.all_specs(Context(national_agg, Scope(2022, "Väst"), settings))


# --- numbers and symbols ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("statistic, value, printed", [
    ("nyckeltal", 78, f"78{NBSP}%"), ("klart_positivt", 78, f"(78{NBSP}%)"), ("andel", 100, f"100{NBSP}%"),
    ("antal_svar", 1650, f"1{NBSP}650"), ("antal_svar", DASH, "–"), ("nyckeltal", SUPPRESSED, ".."),
])
def test_one_percent_format_and_the_official_statistics_symbols(statistic, value, printed):
    assert display_value(statistic, value) == printed


def test_prose_and_tables_print_a_percentage_the_same_way():
    assert fmt_pct(69) == display_value("nyckeltal", 69) == f"69{NBSP}%"
    assert fmt_int("-") == fmt_pct("-") == "–"


def test_an_analysts_text_gets_the_same_non_breaking_spaces():
    assert nonbreaking("ökade till 69 %. Av 1 247 svar") == f"ökade till 69{NBSP}%. Av 1{NBSP}247 svar"


def test_no_printed_table_shows_a_hyphen_for_nothing_or_a_dash_for_hidden(specs, local_specs):
    for spec in [s for s in specs + local_specs if isinstance(s, TableSpec)]:
        df, keys = wide(spec)
        printed = {str(v) for k, _, _ in keys for v in df[k]}
        assert "-" not in printed, spec.number
        hidden = spec.cells[spec.cells["value"] == SUPPRESSED]
        if len(hidden):
            assert ".." in printed and any(n.startswith("..") for n in spec.footnotes), spec.number


# --- tables in the PDF ------------------------------------------------------------------------------------------

def _typst(spec: TableSpec) -> str:
    return markup.table_typst(grid(spec, {}), spec.label, spec.caption, spec.anchor)


def test_a_row_groups_heading_is_a_sub_header_that_moves_and_repeats_with_its_rows(specs):
    t = next(s for s in specs if isinstance(s, TableSpec) and s.number == "10.3")
    source = _typst(t)
    groups = [r["group"] for r in grid(t, {})["body"] if "group" in r]
    assert groups and source.count("table.header(level: 2") == len(groups)


def test_a_table_of_a_few_rows_stays_on_one_page_and_a_long_one_may_break(specs):
    tables = [s for s in specs if isinstance(s, TableSpec)]
    for t in tables:
        rows = len(grid(t, {})["body"])
        assert _typst(t).startswith("#nns-keep(true)" if rows <= markup.UNBREAKABLE_ROWS else "#nns-keep(false)")


def test_sum_rows_are_set_apart(specs):
    b1 = next(s for s in specs if isinstance(s, TableSpec) and s.number == "B1")
    totals = [r for r in grid(b1, {})["body"] if r.get("total")]
    assert [r["cells"][0] for r in totals] == ["SUMMA antal insamlade enkäter", "SUMMA antal deltagande förbund"]
    assert _typst(b1).count("table.hline(stroke: 0.6pt)") == 2


def test_column_labels_never_hyphenate_and_their_longest_word_fits(specs):
    for t in [s for s in specs if isinstance(s, TableSpec)]:
        g = grid(t, {})
        assert "hyphenate: true" not in _typst(t)
        widths = markup.column_widths(g)
        assert abs(sum(widths) - 1) < 1e-9 and widths[0] > 0.1, t.number
        if len(g["header"]) == 1:   # one row of labels: each column is as wide as its label's longest word
            for w, h in zip(widths[1:], g["header"][0][1:]):
                longest = max((len(x) for x in h["text"].split()), default=0)
                assert w * markup.TEXT_WIDTH >= longest * markup.LABEL_CHAR, f"{t.number}: {h['text']}"


def test_text_in_typst_is_a_string_never_markup():
    assert markup.typst_string('a "b" \\ #c $d$ <e>') == '"a \\"b\\" \\\\ #c $d$ <e>"'


# --- charts -----------------------------------------------------------------------------------------------------

def _lines_drawn(specs):
    return [s for s in specs if isinstance(s, ChartSpec) and s.kind == "line" and not s.cells.empty]


def _figure(spec, instrument):
    fig = draw_charts.draw(spec, survey_colours(instrument))
    fig.canvas.draw()
    return fig


@pytest.mark.parametrize("which", ["national", "local"])
def test_every_line_and_label_is_legible_and_no_label_is_merged_or_clipped(which, specs, local_specs, national_agg):
    charts = _lines_drawn(specs if which == "national" else local_specs)
    assert charts
    for spec in charts:
        fig = _figure(spec, national_agg.instrument)
        ax = fig.axes[0]
        lines = [line for line in ax.get_lines() if line.get_xdata().size]
        for line in lines:
            assert contrast(matplotlib.colors.to_hex(line.get_color())) >= LINE_CONTRAST, spec.number
        labels = [t for t in ax.texts if t.get_text().endswith("%")]
        solid = [s for s in dict.fromkeys(spec.cells["series"])
                 if not spec.cells[spec.cells["series"] == s]["riket"].iloc[0]]
        assert len(labels) == len(solid), f"Diagram {spec.number}: one value label per line"
        box = fig.bbox
        for t in labels:
            assert contrast(matplotlib.colors.to_hex(t.get_color())) >= TEXT_CONTRAST, spec.number
            extent = t.get_window_extent()
            assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1
        extents = sorted((t.get_window_extent() for t in labels), key=lambda e: e.y0)
        for a, b in zip(extents, extents[1:]):
            assert a.y1 <= b.y0 + 0.5, f"Diagram {spec.number}: labels overlap"
        matplotlib.pyplot.close(fig)


def test_lines_differ_without_colour(specs, local_specs, national_agg):
    for spec in _lines_drawn(specs + local_specs):
        fig = _figure(spec, national_agg.instrument)
        looks = [(line.get_marker(), str(line.get_linestyle()), round(line.get_linewidth(), 1))
                 for line in fig.axes[0].get_lines() if line.get_xdata().size]
        assert len(looks) == len(set(looks)), f"Diagram {spec.number}: two lines differ only by colour"
        matplotlib.pyplot.close(fig)


def _seaborn_lines(ax, records, series_order, palette, dashes, markers):
    """The lines as seaborn's lineplot draws them (what the charts did before they called matplotlib directly)."""
    import seaborn as sns  # noqa: PLC0415

    sns.lineplot(data=pd.DataFrame(records, columns=["series", "y", "v"]), x="y", y="v", hue="series",
                 style="series", hue_order=series_order, style_order=series_order, palette=palette, dashes=dashes,
                 markers=markers, ax=ax, linewidth=1.8, markersize=5, legend=False, sort=True, estimator=None)


def _jumbled(spec):
    """The chart's points in another order, and one series with a second point in its first year: each line must
    still be drawn through its points in the order of year and value."""
    cells = spec.cells.sample(frac=1, random_state=7)
    points = cells[cells["value"].map(lambda v: str(v).isdigit())]
    extra = points.iloc[[0]].assign(value=lambda f: (f["value"].astype(int) - 3).astype(str))   # a lower value, later
    return dataclasses.replace(spec, cells=pd.concat([cells, extra], ignore_index=True))


def test_the_lines_are_drawn_as_seaborns_lineplot_draws_them(specs, local_specs, national_agg, monkeypatch):
    """Every line chart of the national report and of Väst's, and two of them with their points jumbled and a
    year given twice: the same SVG, byte for byte, from matplotlib's own plot calls as from seaborn's lineplot."""
    colours = survey_colours(national_agg.instrument)
    charts = _lines_drawn(specs + local_specs)
    assert len(charts) > 20
    charts += [_jumbled(charts[0]), _jumbled(_lines_drawn(local_specs)[0])]
    ours = [draw_charts.svg_text(draw_charts.draw(spec, colours)) for spec in charts]
    monkeypatch.setattr(draw_charts, "plot_lines", _seaborn_lines)
    theirs = [draw_charts.svg_text(draw_charts.draw(spec, colours)) for spec in charts]
    assert "<path" in ours[0]
    for spec, a, b in zip(charts, ours, theirs):
        assert a == b, f"Diagram {spec.number}"


@pytest.mark.parametrize("lo, hi", [(46, 62), (69, 80), (0, 3), (97, 100), (30, 90)])
def test_the_value_axis_never_magnifies_a_small_change(lo, hi):
    a, b = draw_charts.value_axis(lo, hi)
    assert 0 <= a <= lo and hi <= b <= 100 and b - a >= min(draw_charts.MIN_SPAN, 100)
    assert a % 10 == 0 and b % 10 == 0


def test_every_chart_has_alt_text_with_every_number_it_draws(specs):
    for spec in [s for s in specs if isinstance(s, ChartSpec) and not s.cells.empty]:
        alt = spec.alt_text()
        for v in spec.cells["value"]:
            if str(v).isdigit():
                assert f"{v}{NBSP}%" in alt, spec.number
        assert f'alt: {markup.typst_string(alt)}' in markup.chart_markdown(spec, "<svg/>", alt)
