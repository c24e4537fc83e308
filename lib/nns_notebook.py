"""What the notebooks call: build a context, then display chapters, tables and charts.

Each display carries, in its output metadata under ``nnsreport``, what the
renderer and figures.csv need (caption, anchor, alt text, the cells shown), so
the executed notebook is the single record of what the report shows.
"""
from __future__ import annotations

from dataclasses import dataclass

import nnsreport as nr
import nns_prose as prose
import nns_specs as sp

MIME_META = "nnsreport"


def context(ar: int, forbund: str | None = None, data: str | None = None,
            installningar: str | dict | None = None) -> sp.Context:
    """The report context for a year and the nation (forbund=None) or one förbund.

    ``installningar`` is a settings file, or the settings themselves as a dict
    (as the build passes them), or None for nnsreport.toml.
    """
    if isinstance(installningar, dict):
        values = dict(installningar)
        values["formats"] = tuple(values.get("formats", ()))
        settings = nr.check_settings(nr.Settings(**values), "installningar")
    else:
        settings = nr.load_settings(installningar) if installningar else nr.load_settings()
    settings = settings.replace(year=int(ar))
    agg = nr.load_aggregated(settings, data if data else None)
    forbund = nr.find_forbund(agg, forbund, int(ar)) if forbund else nr.RIKET
    return sp.Context(agg, nr.Scope(int(ar), forbund), settings)


def _display(data: dict, metadata: dict | None = None) -> None:
    from IPython.display import display

    display(data, raw=True, metadata={MIME_META: metadata} if metadata else None)


def show_markdown(text: str) -> None:
    """Markdown that becomes part of the report."""
    if text:
        _display({"text/markdown": text, "text/plain": text})


def _caption_markdown(label: str, caption: str, anchor: str) -> str:
    return f"[**{label}**]{{#{anchor}}} {caption}"


def show_table(spec: sp.TableSpec | None) -> None:
    """A table: its caption as Markdown, then the great_tables HTML, with the cells in the metadata.

    None (a table that does not belong in this report) shows nothing.
    """
    import nns_tables

    if spec is None:
        return
    laid_out = nns_tables.wide(spec)   # one layout for the HTML, the PDF grid and the CSV
    meta = {"kind": "table", "number": spec.number, "label": spec.label, "caption": spec.caption,
            "anchor": spec.anchor, "layout": spec.layout, "grid": nns_tables.grid(spec, laid_out),
            "figures": spec.figures().to_dict(orient="split")["data"]}
    _display({"text/markdown": _caption_markdown(spec.label, spec.caption, spec.anchor)},
             {"kind": "caption", "for": spec.anchor})
    _display({"text/html": nns_tables.to_html(spec, laid_out), "text/plain": f"{spec.label} {spec.caption}"},
             meta)


def show_chart(spec: sp.ChartSpec) -> None:
    """A chart: caption as Markdown, the SVG with its alt text, and the note below it."""
    import nns_charts

    if spec.cells.empty:   # nothing to draw: the caption and the note that says why
        _display({"text/markdown": _caption_markdown(spec.label, spec.caption, spec.anchor)},
                 {"kind": "caption", "for": spec.anchor})
        _display({"text/markdown": spec.note}, {"kind": "note", "for": spec.anchor})
        return
    svg = nns_charts.svg_text(nns_charts.draw(spec))
    alt = spec.alt_text()
    meta = {"kind": "chart", "number": spec.number, "label": spec.label, "caption": spec.caption,
            "anchor": spec.anchor, "alt": alt, "figures": spec.figures().to_dict(orient="split")["data"]}
    _display({"text/markdown": _caption_markdown(spec.label, spec.caption, spec.anchor)},
             {"kind": "caption", "for": spec.anchor})
    _display({"image/svg+xml": svg, "text/plain": alt}, meta)
    if spec.note:
        _display({"text/markdown": spec.note}, {"kind": "note", "for": spec.anchor})


def show_commentary(chapter: "IndicatorChapter") -> None:
    """The chapter's commentary (marked, so that the build can export it for reviewers)."""
    if chapter.commentary:
        _display({"text/markdown": chapter.commentary, "text/plain": chapter.commentary},
                 {"kind": "commentary", "indicator": chapter.number})


@dataclass(frozen=True)
class IndicatorChapter:
    number: int
    heading: str
    description: str
    tables: list
    charts: list
    commentary: str


def indicator_chapter(ctx: sp.Context, number: int) -> IndicatorChapter:
    """Everything of one indicator's chapter, in the report's order."""
    ind = ctx.ins.indicator(int(number))
    if ind.measures and not ctx.measures(ind):
        return IndicatorChapter(ind.number, prose.indicator_heading(ctx, ind), prose.indicator_description(ctx, ind),
                                [], [], prose.no_data_note(ctx, ind))
    charts = sp.all_charts(ctx).get(ind.number, [])
    return IndicatorChapter(
        number=ind.number,
        heading=prose.indicator_heading(ctx, ind),
        description=prose.indicator_description(ctx, ind),
        tables=sp.indicator_tables(ctx, ind),
        charts=charts,
        commentary=prose.commentary(ctx, ind),
    )

