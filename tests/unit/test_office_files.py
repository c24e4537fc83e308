"""resultat.xlsx and presentation.pptx from a report's records: the numbers of figures.csv, typed, dated, whole.

The records are made from the report's specifications as a notebook makes them (nns.present.records), without
executing notebooks; tests/e2e/test_office_outputs.py checks the files a build writes.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest
from pptx import Presentation

from helpers.office import slide_charts, slides_mismatches, workbook_mismatches
from nns.build.outputs import deck
from nns.config import Scope
from nns.present import slides
from nns.present.office import COUNT, PAREN_PERCENT, PERCENT, TEXT, fixed_zip, split_n, typed
from nns.present.palette import survey_colours
from nns.present.prose import variables
from nns.present.records import chart_record, grid, table_record
from nns.present.slides import presentation_bytes
from nns.present.workbook import CONTENTS, HEADER_ROW, workbook_bytes
from nns.spec import parts
from nns.spec.context import Context
from nns.spec.model import PRINTED, SUPPRESSED, TableSpec, display_value, figures

WHEN = datetime(2023, 1, 1, tzinfo=UTC)
TINY = "Samsund"


@pytest.mark.parametrize("statistic, value, kind, number", [
    ("positivt", "78", PERCENT, 0.78), ("klart_positivt", "78", PAREN_PERCENT, 0.78), ("nyckeltal", "0", PERCENT, 0.0),
    ("andel", "100", PERCENT, 1.0), ("antal_svar", "1629", COUNT, 1629), ("n", "7", COUNT, 7),
    ("malpopulation", "21595", COUNT, 21595), ("positivt", "–", TEXT, ".."), ("antal_svar", "-", TEXT, "–"),
    ("utveckling", "okning", TEXT, "Ökning"),
])
def test_a_printed_cell_reads_back_as_the_number_it_prints(statistic, value, kind, number):
    cell = typed(display_value(statistic, value))
    assert (cell.kind, cell.value) == (kind, number)


@pytest.mark.parametrize("text", ["2022", "5.1", "Fråga 5", "1 Personcentrering", "(n=5)", "78 %", "1629", "+3"])
def test_a_label_that_only_looks_like_a_number_stays_text(text):
    assert typed(text).kind == TEXT


@pytest.mark.parametrize("label, expected", [("samtliga (n=1\u00a0629)", ("samtliga", "1\u00a0629")),
                                             ("män (n=–)", ("män", "–")), ("Svar (n=ett)", ("Svar (n=ett)", None))])
def test_the_number_of_answers_in_a_row_label_is_split_off_only_when_it_is_one(label, expected):
    assert split_n(label) == expected


def test_every_zip_entry_gets_the_reports_date_and_keeps_its_contents():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.xml", "<a/>")
        zf.writestr("b/c.bin", b"\x00\x01")
    fixed = fixed_zip(buf.getvalue(), WHEN)
    with zipfile.ZipFile(io.BytesIO(fixed)) as zf:
        assert [i.date_time for i in zf.infolist()] == [(2023, 1, 1, 0, 0, 0)] * 2
        assert zf.read("b/c.bin") == b"\x00\x01" and zf.namelist() == ["a.xml", "b/c.bin"]
    assert fixed_zip(fixed, WHEN) == fixed


def _records(ctx):
    colours = survey_colours(ctx.ins)
    specs = parts.all_specs(ctx)
    tables = [table_record(s, grid(s, colours)) for s in specs if isinstance(s, TableSpec)]
    charts = [chart_record(s) for s in specs if not isinstance(s, TableSpec) and not s.cells.empty]
    return specs, tables, charts


@pytest.fixture(scope="module", params=["", TINY], ids=["riket", TINY])
def report(request, national_agg, settings):
    """(context, specs, table records, chart records, variables) of the national report or a small förbund's."""
    ctx = Context(national_agg, Scope(2022, request.param), settings)
    specs, tables, charts = _records(ctx)
    return ctx, specs, tables, charts, variables(ctx)


def test_every_table_is_a_sheet_with_the_numbers_of_figures_csv(report):
    ctx, specs, tables, _, _ = report
    data = workbook_bytes(tables, "Indikatorrapport 2022", WHEN)
    path = io.BytesIO(data)
    checked, problems = workbook_mismatches(path, figures(specs).astype(str),
                                            {t["number"]: t["label"] for t in tables})
    assert problems == [] and checked > 1000
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == CONTENTS and len(wb.sheetnames) == len(tables) + 1
    links = [c.hyperlink.location for c in wb[CONTENTS]["A"] if c.hyperlink]
    assert links == [f"'{name}'!A1" for name in wb.sheetnames[1:]]
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes and ws[ws.freeze_panes].row > HEADER_ROW + 1, ws.title


def test_a_hidden_cell_is_the_dash_with_the_note_that_says_why(report):
    _, _, tables, _, _ = report
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(tables, "Indikatorrapport 2022", WHEN)))
    hidden = 0
    for ws in wb.worksheets[1:]:
        values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
        dashes = [v for v in values[1:] if v == PRINTED[SUPPRESSED]]
        if dashes:
            hidden += len(dashes)
            assert any(isinstance(v, str) and v.startswith(".. = visas inte") for v in values), ws.title
    assert hidden > 0, "both reports hide cells (the nation: remittenter by employer)"


def test_the_workbook_has_the_same_bytes_every_time_and_the_reports_date(report):
    _, _, tables, _, _ = report
    first = workbook_bytes(tables, "Indikatorrapport 2022", WHEN)
    assert workbook_bytes(tables, "Indikatorrapport 2022", WHEN) == first
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == ["2023-01-01T00:00:00Z"] * 2


def test_the_slides_show_the_numbers_of_figures_csv_one_slide_per_indicator_with_data(report, tmp_path):
    ctx, specs, tables, charts, values = report
    d = deck(ctx, tables, charts, values, "Indikatorrapport 2022")
    data = presentation_bytes(d, WHEN)
    path = tmp_path / "presentation.pptx"
    path.write_bytes(data)
    checked, problems = slides_mismatches(path, figures(specs).astype(str))
    assert problems == [] and checked > 300
    prs = Presentation(str(path))
    with_data = {int(f[1]) for t in tables if t["layout"] == "keyfigures" for f in t["figures"]}
    assert len(d.indicators) == len(with_data) and len(prs.slides) == 2 + len(with_data) + 2
    drawn = slide_charts(prs)
    assert {c["label"] for c in charts if c in [x for i in d.indicators for x in i.charts]} <= set(drawn)


def test_table_cells_copied_from_one_of_their_style_are_the_cells_styled_one_by_one(report, monkeypatch):
    ctx, _, tables, charts, values = report
    d = deck(ctx, tables, charts, values, "Indikatorrapport 2022")
    copied = presentation_bytes(d, WHEN)
    monkeypatch.setattr(slides, "COPY_CELL_STYLES", False)
    assert presentation_bytes(d, WHEN) == copied


def test_every_chart_on_the_slides_has_the_reports_alt_text(report, tmp_path):
    ctx, _, tables, charts, values = report
    prs = Presentation(io.BytesIO(presentation_bytes(deck(ctx, tables, charts, values, "Rapport 2022"), WHEN)))
    alt = {c["label"]: c["alt"] for c in charts}
    found = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                descr = shape._element.nvGraphicFramePr.cNvPr.get("descr")
                assert descr, shape.name
                if shape.name in alt:
                    assert descr == alt[shape.name]
                    found += 1
    assert found >= 1


def test_the_slides_have_the_same_bytes_every_time_with_the_reports_date_inside_too(report):
    ctx, _, tables, charts, values = report
    d = deck(ctx, tables, charts, values, "Indikatorrapport 2022")
    first = presentation_bytes(d, WHEN)
    assert presentation_bytes(d, WHEN) == first
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 1, 1, 0, 0, 0)}
        embedded = [n for n in zf.namelist() if n.endswith(".xlsx")]
        assert embedded
        for name in embedded:   # the charts' own workbooks ("Redigera data")
            with zipfile.ZipFile(io.BytesIO(zf.read(name))) as inner:
                core = inner.read("docProps/core.xml").decode()
            assert "2023-01-01T00:00:00Z" in core, name
        core = zf.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == ["2023-01-01T00:00:00Z"] * 2
