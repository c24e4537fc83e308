"""presentation.pptx: a report's results as slides a förbund chief can show a board on Thursday.

A title slide, who answered, one slide per indicator with data (its chart as a native PowerPoint chart and its
key figures, with Riket beside a förbund's own), table 20 and a closing slide. Built with python-pptx from the
tables and charts the notebooks recorded (:mod:`nns.present.records`), so every number is one the report
prints and figures.csv holds; hidden cells stay ".." with the report's note. Charts are native (editable, sharp
at any size) with the report's alt text; every text is editable; the colours are the report's
(:mod:`nns.present.palette`). Only what python-pptx writes: the files open in PowerPoint and in LibreOffice
Impress.

The same inputs give the same bytes: the document's dates are the report's source date, the chart workbooks
embedded for editing carry it too, and every zip entry is dated with it (:func:`nns.present.office.fixed_zip`).
"""
from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt
from xlsxwriter import Workbook

from nns.present.office import COUNT, fixed_zip, rgb, typed
from nns.present.palette import FALLBACK, colour_of, shade
from nns.spec.model import PRINTED, SUPPRESSED

__all__ = ["Deck", "IndicatorSlide", "presentation_bytes", "key_figure_rows", "header_columns", "FONT"]

FONT = "Arial"
ACCENT = "#1F4E79"
GREY = "#555555"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
ROW_HEIGHT = Inches(0.36)
#: Table 20's outcomes: a light fill of the palette's green and orange (Okabe–Ito).
OUTCOME_FILLS = {"Ökning": "#CCEBE3", "Minskning": "#FAE7C2"}
#: Whether a table's cells of one style copy the markup of the first (the same XML as styling each, faster);
#: a test turns it off to compare.
COPY_CELL_STYLES = True
MARKERS = [XL_MARKER_STYLE.CIRCLE, XL_MARKER_STYLE.SQUARE, XL_MARKER_STYLE.TRIANGLE, XL_MARKER_STYLE.DIAMOND]


@dataclass(frozen=True)
class IndicatorSlide:
    """One indicator's slide: its heading and text, its key-figure tables and its charts (records)."""

    number: int
    heading: str
    text: str
    key_figure: str                       # what the key figure is ('andelen klart positiva svar')
    tables: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Deck:
    """What the slides show; the numbers are in the records (tables and charts as the notebooks recorded them)."""

    title: str                   # 'Nationell indikatorrapport 2022'
    subtitle: str
    forbund: str                 # '' for the nation
    year: int
    respondents: dict            # table 1's record
    respondents_text: str        # a sentence about who answered
    indicators: list[IndicatorSlide]
    development: dict            # table 20's record
    development_text: str        # table 20 in words
    indicator_names: dict        # {indicator number (str): short name}, for table 20's rows
    closing: list[str]           # the closing slide's points
    source: str                  # the source line of every slide
    colours: dict[str, str]      # survey id -> colour

    @property
    def local(self) -> bool:
        return bool(self.forbund)


# ---------------------------------------------------------------------------
# Reading the records
# ---------------------------------------------------------------------------

def header_columns(grid: dict) -> list[tuple[str, str]]:
    """The value columns of a printed grid as (column group, column label), left to right.

    >>> header_columns({"header": [[{"text": "", "colspan": 1, "rowspan": 2},
    ...                             {"text": "2022", "colspan": 2, "rowspan": 1}],
    ...                            [{"text": "n", "colspan": 1, "rowspan": 1},
    ...                             {"text": "nyckeltal", "colspan": 1, "rowspan": 1}]]})
    [('2022', 'n'), ('2022', 'nyckeltal')]
    """
    header = grid["header"]
    if len(header) == 1:
        return [("", h["text"]) for h in header[0][1:]]
    second = iter(h["text"] for h in header[1])
    out = []
    for h in header[0][1:]:
        if h["rowspan"] == 2:
            out.append(("", h["text"]))
        else:
            out += [(h["text"], next(second)) for _ in range(h["colspan"])]
    return out


def key_figure_rows(table: dict, local: bool) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """A key-figure table (layout ``keyfigures``) as a slide shows it: (column labels, [(measure, texts)]).

    The samtliga row of each measure, the key figures of the last two years, and for a förbund Riket's of the
    report year, as printed.
    """
    columns = header_columns(table["grid"])
    years = list(dict.fromkeys(g for g, label in columns if label == "nyckeltal"))[-2:]
    wanted = [(y, "nyckeltal") for y in years]
    labels = list(years)
    if local and years and (years[-1], "riket") in columns:
        wanted.append((years[-1], "riket"))
        labels.append(f"Riket {years[-1]}")
    index = [columns.index(w) for w in wanted]
    rows, group = [], ""
    for r in table["grid"]["body"]:
        if "group" in r:
            group = r["group"]
        elif r["cells"][0] == "samtliga":
            rows.append((group, [r["cells"][1 + i] for i in index]))
    return labels, rows


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------

def _rgb(colour: str) -> RGBColor:
    return RGBColor(*rgb(colour))


def _text(frame, lines, size: int = 16, colour: str = "#222222", bold: bool = False, align=PP_ALIGN.LEFT,
          bullets: bool = False) -> None:
    """Plain paragraphs into a text frame, in the deck's font."""
    frame.word_wrap = True
    lines = [lines] if isinstance(lines, str) else list(lines)
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = align
        run = p.add_run()
        run.text = f"• {line}" if bullets else line
        run.font.name, run.font.size, run.font.bold = FONT, Pt(size), bold
        run.font.color.rgb = _rgb(colour)
        if bullets:
            p.space_after = Pt(10)


def _textbox(slide, x, y, w, h, lines, **style):
    box = slide.shapes.add_textbox(x, y, w, h)
    box.text_frame.margin_left = box.text_frame.margin_right = 0
    _text(box.text_frame, lines, **style)
    return box


def _title(slide, text: str, deck: Deck) -> None:
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.8)
    frame = title.text_frame
    frame.clear()
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _text(frame, text, size=28, colour=ACCENT, bold=True)
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.17), WIDTH - 2 * MARGIN, Emu(22860))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(ACCENT)
    band.line.fill.background()
    band.name = "Linje"
    who = f"{deck.forbund} · " if deck.forbund else ""
    _textbox(slide, MARGIN, HEIGHT - Inches(0.45), WIDTH - 2 * MARGIN, Inches(0.3),
             f"{who}{deck.title} · {deck.source}", size=9, colour=GREY)


def _alt_text(graphic_frame, text: str) -> None:
    """The shape's alt text (PowerPoint's 'Alternativ text'): the cNvPr ``descr`` python-pptx has no property for."""
    graphic_frame._element.nvGraphicFramePr.cNvPr.set("descr", text)


class _DatedWorkbookWriter(CategoryWorkbookWriter):
    """The chart's embedded workbook (for 'Redigera data') dated with the report, not with the clock."""

    when: datetime

    @contextmanager
    def _open_worksheet(self, xlsx_file) -> Iterator:
        workbook = Workbook(xlsx_file, {"in_memory": True})
        workbook.set_properties({"created": self.when})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _ChartData(CategoryChartData):
    """Category chart data whose embedded workbook carries the report's date (same inputs, same bytes)."""

    def __init__(self, when: datetime, number_format="General"):
        super().__init__(number_format)
        self._when = when

    @property
    def _workbook_writer(self):
        writer = _DatedWorkbookWriter(self)
        writer.when = self._when
        return writer


def _series_styles(figures: list[list], local: bool, colours: dict[str, str]) -> dict[str, dict]:
    """Each series' colour, dash and marker, as the report's charts draw them (nns.present.charts)."""
    styles, rank = {}, {}
    for f in figures:
        respondent, question, group, forbund, series = f[2], f[3], f[4], f[6], f[10]
        if series in styles:
            continue
        questions = rank.setdefault(respondent, [])
        if question not in questions:
            questions.append(question)
        order = questions.index(question)
        riket = local and forbund == ""
        styles[series] = {"colour": shade(colour_of(colours, respondent), order), "dashed": group == "man" or riket,
                          "marker": MARKERS[order % len(MARKERS)], "riket": riket}
    return styles


def _line_chart(slide, chart: dict, x, y, w, h, deck: Deck, when: datetime) -> None:
    """A chart record as a native line chart: one series per line, the years as categories."""
    figures = [f for f in chart["figures"] if str(f[8]).isdigit()]
    years = sorted({int(f[5]) for f in figures})
    series = list(dict.fromkeys(f[10] for f in figures))
    values = {(f[10], int(f[5])): int(f[8]) for f in figures}
    data = _ChartData(when)
    data.categories = [str(y) for y in years]
    for s in series:
        data.add_series(s, [values.get((s, y)) for y in years])
    _textbox(slide, x, y, w, Inches(0.5), f"{chart['label']}. {chart['caption']}", size=11, colour=GREY)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, x, y + Inches(0.5), w, h - Inches(0.5), data)
    frame.name = chart["label"]
    _alt_text(frame, chart["alt"])
    c = frame.chart
    c.font.name, c.font.size = FONT, Pt(11)
    c.has_legend = True
    c.legend.position = XL_LEGEND_POSITION.BOTTOM
    c.legend.include_in_layout = False
    axis = c.value_axis
    lo, hi = (min(values.values()), max(values.values())) if values else (0, 100)
    axis.minimum_scale = max(0, (lo // 10) * 10 - 10)
    axis.maximum_scale = min(100, (hi // 10) * 10 + 10)
    axis.major_unit = 10 if axis.maximum_scale - axis.minimum_scale <= 60 else 20
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("#E4E4E4")
    axis.tick_labels.number_format = '0" %"'
    axis.tick_labels.number_format_is_linked = False
    axis.format.line.fill.background()
    c.category_axis.format.line.color.rgb = _rgb("#888888")
    styles = _series_styles(figures, deck.local, deck.colours)
    for s in c.plots[0].series:
        style = styles[s.name]
        s.smooth = False
        line = s.format.line
        line.color.rgb = _rgb(style["colour"])
        line.width = Pt(1.5 if style["riket"] else 2.5)
        if style["dashed"]:
            line.dash_style = MSO_LINE.DASH
        s.marker.style = style["marker"]
        s.marker.size = 5 if style["riket"] else 7
        s.marker.format.fill.solid()
        s.marker.format.fill.fore_color.rgb = _rgb(style["colour"])
        s.marker.format.line.color.rgb = _rgb(style["colour"])
        # the report year's value at the end of each of the scope's own lines, as in the report's charts
        last = max((i for i, y in enumerate(years) if (s.name, y) in values), default=None)
        if last is not None and not style["riket"]:
            label = s.points[last].data_label
            label.position = XL_LABEL_POSITION.RIGHT
            label.show_value = True
            label.number_format = '0" %"'
            label.number_format_is_linked = False
            label.font.size, label.font.bold = Pt(11), True
            label.font.color.rgb = _rgb(style["colour"])


def _table(slide, name: str, header: list[str], rows: list[list[str]], x, y, widths: list, size: int = 12,
           fills: dict[str, str] | None = None, row_height=ROW_HEIGHT):
    """A native table: a header row in the accent colour, then the rows as printed."""
    shape = slide.shapes.add_table(len(rows) + 1, len(header), x, y, sum(widths, Emu(0)),
                                   row_height * (len(rows) + 1))
    shape.name = name
    table = shape.table
    table.first_row, table.horz_banding = True, False
    for j, w in enumerate(widths):
        table.columns[j].width = w
    # python-pptx styles a cell in some 40 XML steps; a table's cells come in a few styles, so each style is
    # made once, on its first cell, and its markup copied into the other cells of that style with their own text
    # (the same XML, a tenth of the time)
    styled: dict[tuple, object] = {}
    for i, texts in enumerate([header] + rows):
        table.rows[i].height = row_height
        for j, value in enumerate(texts):
            cell = table.cell(i, j)
            head = i == 0
            align = PP_ALIGN.LEFT if j == 0 else PP_ALIGN.RIGHT if not fills else PP_ALIGN.CENTER
            fill = ACCENT if head else (fills or {}).get(value, "#FFFFFF" if i % 2 else "#F4F7FA")
            style = (head, align, fill)
            model = styled.get(style) if COPY_CELL_STYLES else None
            if model is None:
                _style_cell(cell, value, size, head, align, fill)
                styled[style] = cell._tc
            else:
                _copy_cell(model, cell, value)
    return shape


def _style_cell(cell, value: str, size: int, head: bool, align, fill: str) -> None:
    cell.margin_left = cell.margin_right = Inches(0.08)
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.text_frame.clear()
    _text(cell.text_frame, value, size=size, colour="#FFFFFF" if head else "#222222", bold=head, align=align)
    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(fill)


def _copy_cell(model, cell, value: str) -> None:
    """``cell`` styled as the cell ``model`` (an ``a:tc`` element styled by :func:`_style_cell`), with its own text."""
    tc = cell._tc
    for child in list(tc):
        tc.remove(child)
    for child in model:
        tc.append(copy.deepcopy(child))
    cell.text_frame.paragraphs[0].runs[0].text = value


def _notes(slide, lines: list[str]) -> None:
    """The speaker notes: what the slide's figures are, for the person presenting."""
    _text(slide.notes_slide.notes_text_frame, [line for line in lines if line], size=12)


def _title_slide(prs, deck: Deck) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, WIDTH, Inches(0.35))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(ACCENT)
    band.line.fill.background()
    band.name = "Linje"
    _textbox(slide, Inches(0.9), Inches(2.1), Inches(11.5), Inches(1.2), deck.title, size=44, colour=ACCENT, bold=True)
    y = Inches(3.3)
    if deck.forbund:
        _textbox(slide, Inches(0.9), y, Inches(11.5), Inches(0.8), deck.forbund, size=32, bold=True)
        y += Inches(0.9)
    _textbox(slide, Inches(0.9), y, Inches(11.5), Inches(1.0), deck.subtitle, size=20, colour=GREY)
    _textbox(slide, Inches(0.9), HEIGHT - Inches(1.0), Inches(11.5), Inches(0.5), deck.source, size=12, colour=GREY)


def _respondents_slide(prs, deck: Deck, when: datetime) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _title(slide, "Vilka svarade?", deck)
    record = deck.respondents
    grid = record["grid"]
    columns = [label for _, label in header_columns(grid)]
    body = [r["cells"] for r in grid["body"] if "cells" in r]
    respondent_of = {}
    for f in record["figures"]:
        respondent_of.setdefault(f[12], f[2])
    _textbox(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(0.6), deck.respondents_text, size=18)
    groups = [(j, c) for j, c in enumerate(columns) if respondent_of.get(c)]
    # the chart: the first row of table 1 (the scope's answers) by respondent group, in the groups' colours
    data = _ChartData(when)
    data.categories = [c for _, c in groups]
    counts = [typed(body[0][1 + j]) for j, _ in groups]
    data.add_series(body[0][0], [t.value if t.kind == COUNT else None for t in counts])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, MARGIN, Inches(2.2), Inches(7.2), Inches(4.6), data)
    frame.name = f"{record['label']}, diagram"
    _alt_text(frame, f"Stapeldiagram. {body[0][0]}: " + ", ".join(
        f"{c} {t.text}" for (_, c), t in zip(groups, counts)) + ".")
    c = frame.chart
    c.font.name, c.font.size = FONT, Pt(12)
    c.has_legend = False
    c.category_axis.reverse_order = True
    c.value_axis.has_major_gridlines = True
    c.value_axis.major_gridlines.format.line.color.rgb = _rgb("#E4E4E4")
    c.value_axis.tick_labels.number_format = "# ##0"
    c.value_axis.tick_labels.number_format_is_linked = False
    plot = c.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = "# ##0"
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    for i, (_, col) in enumerate(groups):
        point = plot.series[0].points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(deck.colours.get(respondent_of[col], FALLBACK))
    # the table: table 1 as printed, turned so that the groups are rows
    header = [grid["header"][0][0]["text"] or "Respondentgrupp"] + [r[0] for r in body]
    rows = [[col] + [r[1 + j] for r in body] for j, col in enumerate(columns)]
    _table(slide, record["label"], header, rows, Inches(8.1), Inches(2.3),
           [Inches(2.1)] + [Inches(1.5)] * len(body), size=12, row_height=Inches(0.42))
    _notes(slide, [f"{record['label']}. {record['caption']}", deck.respondents_text])


def _indicator_slide(prs, deck: Deck, ind: IndicatorSlide, when: datetime) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _title(slide, ind.heading, deck)
    _textbox(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.7), ind.text, size=14, colour=GREY)
    top, bottom = Inches(2.1), HEIGHT - Inches(0.9)
    notes, hidden = [], False
    table_x = MARGIN if not ind.charts else Inches(8.55)
    table_w = WIDTH - MARGIN - table_x
    if ind.charts:
        height = (bottom - top) // len(ind.charts)
        for i, chart in enumerate(ind.charts):
            _line_chart(slide, chart, MARGIN, top + i * height, Inches(7.8), height, deck, when)
            notes.append(f"{chart['label']}. {chart['caption']} {chart['alt']}")
    y = top
    _textbox(slide, table_x, y, table_w, Inches(0.5), f"Nyckeltal: {ind.key_figure}", size=13, bold=True)
    y += Inches(0.5)
    for table in ind.tables:
        labels, rows = key_figure_rows(table, deck.local)
        if not rows:
            continue
        label_w = table_w - Inches(0.95) * len(labels)
        shape = _table(slide, table["label"], ["Mått"] + labels, [[m] + v for m, v in rows], table_x, y,
                       [label_w] + [Inches(0.95)] * len(labels), size=12 if ind.charts else 14,
                       row_height=Inches(0.5))
        y += shape.height + Inches(0.25)
        hidden |= any(PRINTED[SUPPRESSED] in v for _, v in rows)
        notes.append(f"{table['label']}. {table['caption']}")
    foot = []
    if hidden:
        foot += [n for t in ind.tables for n in t["grid"].get("footnotes", []) if n.startswith(PRINTED[SUPPRESSED])][:1]
    if foot:
        _textbox(slide, table_x, max(y, bottom - Inches(0.6)), table_w, Inches(0.6), foot, size=10, colour=GREY)
    _notes(slide, notes + foot)


def _fitted_widths(header: list[str], rows: list[list[str]], size: int) -> list:
    """Column widths for a table as wide as the slide's text: each value column as wide as its longest value on
    one line (an outcome such as 'Varken ökning eller minskning' never wraps, so that every row keeps one line
    and the table stays on the slide), at least its header's longest word; the first column takes the rest.

    >>> w = _fitted_widths(["Indikator", "Totalt", "Mått med tydlig ökning"],
    ...                    [["1 Personcentrering", "Varken ökning eller minskning", "1 av 2"]], 10)
    >>> [round(x / 914400, 2) for x in w]
    [9.4, 2.26, 0.67]
    """
    per_char = size / 72 * 0.5   # inches per character of Arial, on average
    values = []
    for j in range(1, len(header)):
        longest = max([len(str(r[j])) for r in rows if j < len(r)] + [max(map(len, header[j].split()), default=0)])
        values.append(Inches(min(2.6, longest * per_char + 0.25)))
    first = WIDTH - 2 * MARGIN - sum(values, Emu(0))
    return [Emu(int(first))] + values


def _development_slide(prs, deck: Deck) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    record = deck.development
    _title(slide, f"Sammanvägd utveckling per indikator, {deck.year} jämfört med {deck.year - 1}", deck)
    _textbox(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.6), deck.development_text, size=15)
    grid = record["grid"]
    number_of = {}
    for f in record["figures"]:
        number_of.setdefault(f[10], f[1])
    header = ["Indikator"] + [label for _, label in header_columns(grid)]
    rows = []
    for r in grid["body"]:
        if "cells" in r:
            label = r["cells"][0]
            n = number_of.get(label, "")
            rows.append([f"{n} {deck.indicator_names.get(n, label)}" if n else label] + list(r["cells"][1:]))
    height = min(Inches(0.36), (HEIGHT - Inches(3.1)) // max(len(rows) + 1, 1))
    size = 10 if len(rows) > 12 else 12
    _table(slide, record["label"], header, rows, MARGIN, Inches(2.05), _fitted_widths(header, rows, size),
           size=size, fills=OUTCOME_FILLS, row_height=height)
    _notes(slide, [f"{record['label']}. {record['caption']}", deck.development_text,
                   *grid.get("footnotes", [])])


def _closing_slide(prs, deck: Deck) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _title(slide, "Läs mer", deck)
    _textbox(slide, MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(4.8), deck.closing, size=20, bullets=True)


def presentation_bytes(deck: Deck, when: datetime) -> bytes:
    """The slides: title, who answered, one per indicator with data, table 20, the closing slide."""
    when = when.replace(tzinfo=None)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    props = prs.core_properties
    props.title = f"{deck.title} – {deck.forbund}" if deck.forbund else deck.title
    props.author = props.last_modified_by = "Nationella nätverket för samordningsförbund (NNS)"
    props.language = "sv-SE"
    props.created = props.modified = when
    props.revision = 1
    _title_slide(prs, deck)
    _respondents_slide(prs, deck, when)
    for ind in deck.indicators:
        _indicator_slide(prs, deck, ind, when)
    _development_slide(prs, deck)
    _closing_slide(prs, deck)
    buf = io.BytesIO()
    prs.save(buf)
    return fixed_zip(buf.getvalue(), when)
