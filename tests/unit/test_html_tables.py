"""The HTML of tables and charts, for screen readers and small screens: each table captioned by a ``<caption>``
inside a focusable scroll region named by it, its notes below; each chart with its numbers as such a table in a
``<details>`` under it (HTML only). tests/e2e/test_accessibility.py checks the rendered pages in a browser."""
from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from nns.config import Scope
from nns.present import markup, tables
from nns.present.palette import survey_colours
from nns.present.tables import to_html
from nns.render.pandoc import MD_FORMAT, pandoc
from nns.spec import parts
from nns.spec.context import Context
from nns.spec.model import Cells, ChartSpec, TableSpec


class Elements(HTMLParser):
    """The opening tags of a piece of HTML, in order, with their attributes, and the text inside each."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[int, str] = {}
        self._open: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.text[len(self.tags) - 1] = ""
        if tag not in ("br", "img", "meta", "col"):
            self._open.append(len(self.tags) - 1)

    def handle_endtag(self, tag):
        while self._open and self.tags[self._open[-1]][0] != tag:
            self._open.pop()
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for i in self._open:
            self.text[i] += data

    def find(self, tag: str) -> list[tuple[int, dict]]:
        return [(i, attrs) for i, (t, attrs) in enumerate(self.tags) if t == tag]


def _table(number="5.1", caption="Indikator 1.", footnotes=(), label_text="") -> TableSpec:
    cells = Cells(number)
    for row in ("samtliga", "kvinnor", "män"):
        for col, value in (("Negativt", 3), ("Positivt", 90)):
            cells.add(row_group="Fråga 1 Deltagare", row=row, col=col, statistic="positivt", value=value,
                      respondent="deltagare_avslut")
    return TableSpec(number, caption, cells.frame(), footnotes=footnotes, label_text=label_text)


def _chart(kind="line") -> ChartSpec:
    cells = Cells("D1")
    if kind == "line":
        for series, values in (("Pågående", (71, 65, "–")), ("Pågående, riket", (72, 74, 77))):
            for year, value in zip(("2020", "2021", "2022"), values):
                cells.add(row=series, col=year, statistic="nyckeltal", value=value, year=year)
    else:
        for row, values in (("Indikator 1, fråga 1", (79, 74)), ("Indikator 2, fråga 2", (82, "-"))):
            for group, value in zip(("kvinnor", "man"), values):
                cells.add(row=row, col=group, statistic="nyckeltal", value=value, group=group)
    return ChartSpec("1", "Indikator 1: Personcentrering, 2020–2022.", kind, cells.frame(), "Nyckeltal")


TABLES = {
    "a table": _table(),
    "a table with notes": _table(footnotes=("– = visas inte: färre än 5 svar.", "Frågan <ändrades> 2021.")),
    "a picture table": _table("bild-1", "Kategorisering av enkätsvar.", label_text="Bild 1"),
    "a chart's numbers": _chart().data_table(),
}


@pytest.mark.parametrize("spec", TABLES.values(), ids=TABLES.keys())
def test_a_table_is_captioned_by_its_label_and_text_inside_the_table(spec):
    page = Elements(to_html(spec, {}))
    (table, _), = page.find("table")
    (caption, attrs), = page.find("caption")
    assert caption == table + 1, "the caption is the table's first child"
    assert attrs["id"] == spec.anchor
    assert page.text[caption].split() == f"{spec.label} {spec.caption}".split()


@pytest.mark.parametrize("spec", TABLES.values(), ids=TABLES.keys())
def test_a_table_scrolls_in_a_region_a_keyboard_reaches_named_by_its_caption(spec):
    page = Elements(to_html(spec, {}))
    region = page.tags[0][1]
    assert page.tags[0][0] == "div" and region["role"] == "region" and region["tabindex"] == "0"
    assert region["aria-labelledby"] == spec.anchor
    assert "overflow-x:auto" in region["style"]


@pytest.mark.parametrize("spec", TABLES.values(), ids=TABLES.keys())
def test_no_id_is_one_quarto_would_read_as_its_own_and_quarto_leaves_the_table_as_it_is(spec):
    page = Elements(to_html(spec, {}))
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert ids and not [i for i in ids if re.match(r"(tbl|fig)-", i)]
    assert len(ids) == len(set(ids))
    (_, table), = page.find("table")
    assert table["data-quarto-disable-processing"] == "true"


def test_a_table_notes_follow_the_region_as_paragraphs_that_wrap_at_the_page_width():
    spec = TABLES["a table with notes"]
    html = to_html(spec, {})
    assert html.index("</table>") < html.index('<div class="nns-notes">')
    page = Elements(html[html.index('<div class="nns-notes">'):])
    assert [page.text[i] for i, _ in page.find("p")] == list(spec.footnotes)
    assert "<ändrades>" not in html


@pytest.mark.parametrize("kind, rows, columns, values", [
    ("line", ["Pågående", "Pågående, riket"], ["2020", "2021", "2022"], ["71\u00a0%", "65\u00a0%", "..", "72\u00a0%", "74\u00a0%", "77\u00a0%"]),
    ("bars", ["Indikator 1, fråga 1", "Indikator 2, fråga 2"], ["Kvinnor", "Män"], ["79\u00a0%", "74\u00a0%", "82\u00a0%", "–"]),
])
def test_a_chart_numbers_are_a_table_of_its_series_by_year_or_its_bars_by_gender(kind, rows, columns, values):
    spec = _chart(kind)
    table = spec.data_table()
    assert table.number == "D1" and table.label == "Diagram 1 i siffror"
    page = Elements(to_html(table, {}))
    assert [page.text[i] for i, a in page.find("th") if a.get("scope") == "row"] == rows
    assert [page.text[i] for i, a in page.find("th") if a.get("scope") == "col" and page.text[i]] == columns
    assert [page.text[i] for i, _ in page.find("td")] == values


def test_a_chart_shows_its_numbers_under_it_in_the_html_and_not_in_the_pdf():
    spec = _chart()
    md = markup.chart_markdown(spec, "<svg xmlns='http://www.w3.org/2000/svg'/>", "Linjediagram.",
                               to_html(spec.data_table(), {}))
    html = pandoc(["-f", MD_FORMAT, "-t", "html"], md)
    img, details = html.index("<img "), html.index('<details class="nns-data">')
    assert img < details < html.index("Diagram 1 i siffror") < html.index("</details>")
    assert f"<summary>{markup.DATA_SUMMARY}</summary>" in html
    typst = pandoc(["-f", MD_FORMAT, "-t", "typst"], md)
    assert markup.DATA_SUMMARY not in typst and "i siffror" not in typst


@pytest.mark.parametrize("forbund", ["", "Väst"], ids=["riket", "Väst"])
def test_a_cell_frame_gives_every_table_of_a_report_the_html_of_a_plain_pandas_frame(forbund, national_agg,
                                                                                      settings, monkeypatch):
    ctx = Context(national_agg, Scope(2022, forbund), settings)
    colours = survey_colours(ctx.ins)
    specs = parts.all_specs(ctx)
    shown = [s for s in specs if isinstance(s, TableSpec)]
    shown += [s.data_table() for s in specs if isinstance(s, ChartSpec) and not s.cells.empty]
    fast = [to_html(s, colours) for s in shown]
    monkeypatch.setattr(tables, "CellFrame", pd.DataFrame)
    assert [to_html(s, colours) for s in shown] == fast
    assert len(fast) > 50 and sum(".." in h for h in fast) > 0


def _same_cells(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """The same type, labels, dtypes and values, a missing value the same missing value (None is not NaN)."""
    return (type(a) is type(b) and a.index.equals(b.index) and list(a.columns) == list(b.columns)
            and list(a.dtypes) == list(b.dtypes)
            and all(x is y or x == y for ca, cb in zip(a.values.T, b.values.T) for x, y in zip(ca, cb)))


def test_a_cell_frames_texts_and_filled_cells_are_great_tables_own_for_every_kind_of_cell(monkeypatch):
    """The cell frame's two list-based operations give what great_tables' pandas ones give: every cell as text,
    a missing one (None, NaN, NA) as None; the formatted text where there is one, else the replacement's. A
    frame with a cell that is not text (a number), and frames that do not line up, go great_tables' way."""
    from great_tables import _tbl_data

    assert _tbl_data.cast_frame_to_string.dispatch(tables.CellFrame) is tables._cast_to_string
    assert _tbl_data.replace_null_frame.dispatch(tables.CellFrame) is tables._fill_nulls
    text = tables.CellFrame({"_row": ["a", "b", "c", "d"],
                             "x": pd.Series(["12", None, float("nan"), pd.NA], dtype=object),
                             "y": pd.Series(["..", "5 %", None, "1,5"], dtype=object)})
    numeric = tables.CellFrame({"_row": ["a", "b"], "n": pd.Series([-0.0, 2.5], dtype=object)})
    expected = {id(text): tables._PANDAS_TO_STRING(text), id(numeric): tables._PANDAS_TO_STRING(numeric)}
    strings = tables._PANDAS_TO_STRING(text)
    body = _tbl_data.create_empty_frame(text)
    body.iat[0, 1], body.iat[3, 2] = "12,0", "1,5 %"
    filled = tables._PANDAS_FILL_NULLS(body, strings)
    shifted = strings.set_axis(["p", "q", "r", "s"], axis=0)
    shifted_filled = tables._PANDAS_FILL_NULLS(body, shifted)

    # the text frame and the lined-up fill never reach great_tables' pandas code; the others do
    fallen_back = []
    monkeypatch.setattr(tables, "_PANDAS_TO_STRING", lambda df: fallen_back.append("text") or expected[id(df)])
    monkeypatch.setattr(tables, "_PANDAS_FILL_NULLS",
                        lambda df, r: fallen_back.append("fill") or shifted_filled)
    assert _same_cells(_tbl_data.cast_frame_to_string(text), expected[id(text)]) and fallen_back == []
    assert _same_cells(_tbl_data.replace_null_frame(body, strings), filled) and fallen_back == []
    assert _same_cells(_tbl_data.cast_frame_to_string(numeric), expected[id(numeric)]) and fallen_back == ["text"]
    assert _same_cells(_tbl_data.replace_null_frame(body, shifted), shifted_filled)
    assert fallen_back == ["text", "fill"]
    got = _tbl_data.replace_null_frame(body, strings)
    assert got.iat[0, 1] == "12,0" and got.iat[1, 1] is None and got.iat[2, 2] is None and got.iat[3, 2] == "1,5 %"
    assert list(_tbl_data.cast_frame_to_string(text)["x"]) == ["12", None, None, None]


def test_a_chart_shown_again_is_drawn_once_and_shown_the_same_and_a_changed_one_is_drawn_again(
        national_agg, settings, monkeypatch):
    from nns.present import charts as draw_charts
    from nns.present import notebook as nb

    ctx = Context(national_agg, Scope(2022, "Väst"), settings)
    colours = survey_colours(ctx.ins)
    spec = next(s for s in parts.all_specs(ctx) if isinstance(s, ChartSpec) and s.kind == "line" and len(s.cells))
    drawn, shown = [], []
    draw = draw_charts.svg_of
    monkeypatch.setattr(draw_charts, "svg_of", lambda spec, colours: drawn.append(spec.number) or draw(spec, colours))
    monkeypatch.setattr(nb, "_display", lambda data, meta=None: shown.append((data, meta)))
    monkeypatch.setattr(nb, "_SHOWN", type(nb._SHOWN)())
    nb.show_chart(spec, colours)
    nb.show_chart(dataclasses.replace(spec, cells=spec.cells.copy()), colours)   # the short version's repeat
    assert drawn == [spec.number] and shown[0] == shown[1]
    changed = spec.cells.copy()
    changed.loc[changed.index[0], "value"] = str(int(changed["value"].iloc[0]) - 1)
    nb.show_chart(dataclasses.replace(spec, cells=changed), colours)
    nb.show_chart(spec, {**colours, spec.cells["respondent"].iloc[0]: "#000000"})     # another colour
    assert drawn == [spec.number] * 3 and shown[2] != shown[0] and shown[3] != shown[0]
