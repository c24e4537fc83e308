"""What the notebooks call: build a context, then show a part of the report or an indicator chapter.

Each display carries, in its output metadata under ``nnsreport``, what the
renderer and figures.csv need (caption, anchor, alt text, the cells shown), so
the executed notebook is the single record of what the report shows.

A notebook cell is one call::

    ctx = nb.context(ar, forbund, data, installningar)
    nb.show_part(ctx, "antal-enkater")        # a part of the registry (nns.spec.parts)
    nb.show_indicator(ctx, indikator)         # an indicator chapter
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, fields

import pandas as pd
from IPython.display import display

from nns import layer
from nns.config import RIKET, Scope, load_settings, settings_from_parameters
from nns.present import commentary, markup, prose
from nns.present import tables as gt_tables
from nns.present.palette import survey_colours
from nns.present.records import MIME_META, chart_record, grid, table_record, wide
from nns.spec import parts
from nns.spec.comparison import FunnelSpec, PlaceSpec
from nns.spec.context import Context
from nns.spec.model import ChartSpec, TableSpec

__all__ = ["context", "show_part", "show_indicator", "show_text", "show_table", "show_chart", "show_markdown",
           "show_comparison_chart", "indicator_chapter", "IndicatorChapter", "chart_key"]


def context(ar: int, forbund: str | None = None, data: str | None = None,
            installningar: str | dict | None = None) -> Context:
    """The report context for a year and the nation (forbund=None) or one förbund.

    ``installningar`` is a settings file, or the settings themselves as a dict
    (as the build passes them), or None for nnsreport.toml.
    """
    if isinstance(installningar, dict):
        settings = settings_from_parameters(installningar)
    else:
        settings = load_settings(installningar) if installningar else load_settings()
    settings = settings.replace(year=int(ar))
    agg = layer.load_aggregated(settings, data if data else None)
    forbund = layer.find_forbund(agg, forbund, int(ar)) if forbund else RIKET
    return Context(agg, Scope(int(ar), forbund), settings)


def _display(data: dict, metadata: dict | None = None) -> None:
    display(data, raw=True, metadata={MIME_META: metadata} if metadata else None)


def show_markdown(text: str) -> None:
    """Markdown that becomes part of the report."""
    if text:
        _display({"text/markdown": text, "text/plain": text})


def show_table(spec: TableSpec | None, colours: dict[str, str]) -> None:
    """A table: one Markdown output with its HTML and its Typst (:mod:`nns.present.markup`); the cells,
    the printed grid and the caption go in the metadata (figures.csv, tables/*.csv).

    None (a table that does not belong in this report) shows nothing.
    """
    if spec is None:
        return
    laid_out = wide(spec)   # one layout for the HTML, the PDF grid and the CSV
    table_grid = grid(spec, colours, laid_out)
    meta = table_record(spec, table_grid)
    markdown = markup.table_markdown(spec, gt_tables.to_html(spec, colours, laid_out), table_grid)
    _display({"text/markdown": markdown, "text/plain": f"{spec.label} {spec.caption}"}, meta)


def show_chart(spec: ChartSpec, colours: dict[str, str]) -> None:
    """A chart: one Markdown output with its caption, the SVG with its alt text (HTML and Typst) and its note."""
    if spec.cells.empty:   # nothing to draw: the caption and the note that says why
        _display({"text/markdown": markup.empty_chart_markdown(spec), "text/plain": spec.note},
                 {"kind": "note", "for": spec.anchor})
        return
    key = chart_key(spec, colours)
    if key not in _SHOWN:
        # seaborn and matplotlib take ~0.6 s to import; a notebook without charts (most parts) never needs them
        from nns.present import charts as draw_charts  # noqa: PLC0415

        svg = draw_charts.svg_of(spec, colours)
        meta = chart_record(spec)
        data_html = gt_tables.to_html(spec.data_table(), colours)
        _SHOWN[key] = ({"text/markdown": markup.chart_markdown(spec, svg, meta["alt"], data_html),
                        "text/plain": meta["alt"]}, meta)
        while len(_SHOWN) > _SHOWN_MAX:
            _SHOWN.popitem(last=False)
    _display(*_SHOWN[key])


#: The charts this process drew, by :func:`chart_key`: the short version shows again some of the charts its
#: report's chapters show (in the same kernel, in the batch), and takes them from here rather than drawing them
#: again (the same output, byte for byte). The latest few are kept.
_SHOWN: OrderedDict[str, tuple[dict, dict]] = OrderedDict()
_SHOWN_MAX = 64


def chart_key(spec: ChartSpec, colours: dict[str, str]) -> str:
    """A hash of everything a chart's output is made from: each field of its spec (tables as CSV) and the
    colours."""
    h = hashlib.sha256()
    for f in fields(spec):
        value = getattr(spec, f.name)
        text = value.to_csv(lineterminator="\n") if isinstance(value, pd.DataFrame) else repr(value)
        h.update(f"{f.name}\0{text}\0".encode())
    h.update(repr(sorted(colours.items())).encode())
    return h.hexdigest()


def show_comparison_chart(spec: FunnelSpec | PlaceSpec, colours: dict[str, str]) -> None:
    """A funnel plot, or a förbund's place in the funnels: like :func:`show_chart`, with the SVG in the HTML page
    itself, so that each point names its förbund (or measure) on hover."""
    # seaborn and matplotlib: imported when needed, as in show_chart
    from nns.present import funnel  # noqa: PLC0415

    svg = funnel.svg_of(spec, colours)
    meta = chart_record(spec)
    _display({"text/markdown": markup.chart_markdown(spec, svg, meta["alt"], inline_svg=funnel.inline(svg)),
              "text/plain": meta["alt"]}, meta)


def _show(specs: list, colours: dict[str, str]) -> None:
    for spec in specs:
        if isinstance(spec, (FunnelSpec, PlaceSpec)):
            show_comparison_chart(spec, colours)
        elif isinstance(spec, ChartSpec):
            show_chart(spec, colours)
        else:
            show_table(spec, colours)


def show_part(ctx: Context, key: str) -> None:
    """Every table and chart of one part of the report (a key of :data:`nns.spec.parts.PARTS`)."""
    _show(parts.build(ctx, key), survey_colours(ctx.ins))


@dataclass(frozen=True)
class IndicatorChapter:
    number: int
    heading: str
    description: str
    specs: list
    commentary: str
    #: computed paragraphs after the tables and charts: why there is no chart, national facts beside a measure
    notes: tuple[str, ...] = ()


def indicator_chapter(ctx: Context, number: int) -> IndicatorChapter:
    """Everything of one indicator's chapter, in the report's order."""
    ind = ctx.ins.indicator(int(number))
    heading, description = prose.indicator_heading(ctx, ind), prose.indicator_description(ctx, ind)
    if ind.measures and not ctx.measures(ind):
        return IndicatorChapter(ind.number, heading, description, [], prose.no_data_note(ctx, ind))
    notes = tuple(n for n in (prose.no_chart_note(ctx, ind), prose.sus_work_studies_note(ctx, ind)) if n)
    return IndicatorChapter(ind.number, heading, description, parts.build_indicator(ctx, ind),
                            commentary.indicator_text(ctx, ind), notes)


def show_indicator(ctx: Context, number: int) -> None:
    """An indicator's chapter: heading, description, tables, charts and commentary."""
    chapter = indicator_chapter(ctx, number)
    # the chapter's title: the build moves it into a Markdown cell of its own (Quarto reads titles there)
    _display({"text/markdown": chapter.heading, "text/plain": chapter.heading}, {"kind": "heading"})
    show_markdown(chapter.description)
    _show(chapter.specs, survey_colours(ctx.ins))
    for note in chapter.notes:
        show_markdown(note)
    if chapter.commentary:   # marked, so that the build can export it for reviewers
        name = f"indikator-{chapter.number:02d}"
        # in the PDF, the chapter's tail: kept whole where it would otherwise leave a few lines on a page of
        # their own (nns.render.pdf); one output, as Quarto wraps each output in a block of its own
        # the chapter's end in the same output: Quarto's block around an output of its own would take room
        # (block spacing) on a full page and start an empty one
        tail = "\n\n".join([markup.raw("typst", f"#nns-tail({markup.typst_string(name)})["),
                             chapter.commentary.strip(), markup.raw("typst", "]"), CHAPTER_END]) + "\n"
        _display({"text/markdown": tail, "text/plain": chapter.commentary}, {"kind": "commentary", "name": name})
    else:
        _display({"text/markdown": CHAPTER_END}, {"kind": "chapter-end"})


#: The end of a chapter's text in the PDF, where a chart may be moved to keep a page from holding only a few
#: lines (nns.render.pdf; nothing in HTML).
CHAPTER_END = markup.raw("typst", "#nns-chapter-end()")


#: The texts of the text parts: the year's editable text (or its draft), or computed bullet points.
_TEXTS = {
    "text-sammanfattning": lambda ctx: commentary.text(ctx, "sammanfattning"),
    "text-utveckling": lambda ctx: commentary.text(ctx, "utveckling"),
    "text-avslutande": lambda ctx: commentary.text(ctx, "avslutande"),
    "text-indikatorer": lambda ctx: commentary.text(ctx, "indikatorer"),
    "resultat-i-korthet": lambda ctx: "\n".join(f"- {p}" for p in commentary.key_points(ctx)) + "\n",
}


#: Computed text parts that are not commentary (not exported with the texts).
_LISTS = {"kallor": prose.sources_list}


def show_text(ctx: Context, key: str) -> None:
    """A text part of the report (a key of :data:`nns.spec.parts.PARTS` with ``text``); the year's texts are
    marked for export."""
    p = parts.part(key)
    if not p.text or (ctx.local and not p.local):
        return
    if key in _LISTS:
        show_markdown(_LISTS[key](ctx))
        return
    markdown = _TEXTS[key](ctx)
    _display({"text/markdown": markdown, "text/plain": markdown}, {"kind": "commentary", "name": key})
