"""Tables, charts and boxes as Markdown that renders the same through pandoc and through Quarto.

Every table and chart a notebook shows is one ``text/markdown`` output: a fenced Div holding the
HTML (a raw ``{=html}`` block) and the Typst (a raw ``{=typst}`` block) of the same figure.
Both renderers read that Markdown as it stands — ``make report`` through pandoc, ``quarto
render`` through Quarto — so a table is written once, here, for both formats and both paths.
The Typst calls the helpers of the project's Typst template (``report/templates/
typst-template.typ``: ``nns-keep``, ``nns-note``, ``nns-mark``, ``nns-box``).

No ``text/html`` output, no image output: Quarto would add require.js and jQuery from a CDN for
the first, and could not give the second its alt text.
"""
from __future__ import annotations

import base64
import html

from nns.spec.model import ChartSpec, TableSpec

__all__ = ["raw", "typst_string", "box", "table_typst", "table_markdown", "chart_markdown", "UNBREAKABLE_ROWS",
           "BOXES"]

#: Tables with at most this many rows (row groups included) are never split over two pages.
UNBREAKABLE_ROWS = 16

#: The shaded boxes (a class of the Div; ``nns-box`` in the Typst template and the stylesheet draw them).
BOXES = ("indikator", "utkast")


def raw(fmt: str, text: str) -> str:
    """A raw block for one output format (``html`` or ``typst``)."""
    return f"```{{={fmt}}}\n{text}\n```"


def typst_string(text) -> str:
    """A Typst string literal: text is data in Typst, never markup.

    >>> typst_string('Tabell "1" \\\\ 2')
    '"Tabell \\\\"1\\\\" \\\\\\\\ 2"'
    """
    s = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{s}"'


def box(kind: str, markdown: str) -> str:
    """Markdown in a shaded box (the indicator's description, a draft): a Div for HTML, ``nns-box`` in Typst."""
    if kind not in BOXES:
        raise ValueError(f"unknown box {kind!r}")
    return "\n".join([f"::: {{.{kind}}}", raw("typst", f"#nns-box({typst_string(kind)})["), "",
                      markdown.strip(), "", raw("typst", "]"), ":::", ""])


def _percent(share: float) -> str:
    return f"{round(share * 100, 2):g}%"


def _value_align(grid: dict) -> str:
    long_text = any(len(str(c)) > 25 for r in grid["body"] if "cells" in r for c in r["cells"][1:])
    layout = grid.get("layout", "plain")
    return "left" if layout in ("text", "development") or (layout == "plain" and long_text) else "right"


def table_typst(grid: dict, label: str, caption: str, anchor: str) -> str:
    """The table in Typst, from its printed grid (the layout great_tables drew for the HTML).

    The caption is the first header row, repeated on every page the table spans, so that it never
    stands alone; row groups carry their respondent group's colour; footnotes follow in small print.
    A table of at most :data:`UNBREAKABLE_ROWS` rows is kept on one page.
    """
    ncols, align = grid["ncols"], _value_align(grid)
    if ncols > 1:
        first = grid["first_column"]
        columns = [_percent(first)] + [_percent((1 - first) / (ncols - 1))] * (ncols - 1)
    else:
        columns = ["auto"]
    head = [f"table.cell(colspan: {ncols}, align: left)[#strong({typst_string(label)}) #{typst_string(caption)}]"]
    for i, row in enumerate(grid["header"]):
        for j, h in enumerate(row):
            cell_align = "left" if (i == 0 and j == 0) else ("center" if h["colspan"] > 1 else align)
            spans = "".join(f", {k}: {h[k]}" for k in ("colspan", "rowspan") if h[k] > 1)
            # a long column label may hyphenate (table text otherwise does not)
            body = f"text(hyphenate: true, strong({typst_string(h['text'])}))" if h["text"] else "[]"
            head.append(f"table.cell(align: {cell_align}{spans}, {body})")
    rows = []
    for r in grid["body"]:
        if "group" in r:
            mark = f"#nns-mark(rgb({typst_string(r['colour'])})) " if r.get("colour") else ""
            rows.append(f"table.cell(colspan: {ncols}, align: left)[{mark}#strong({typst_string(r['group'])})]")
        else:
            rows.append(", ".join(typst_string(c) for c in r["cells"]))
    aligns = ", ".join(["left"] + [align] * (ncols - 1))
    table = "\n".join([
        "#figure(kind: table, table(",
        f"  columns: ({', '.join(columns)},),",
        f"  align: ({aligns},),",
        "  table.header(" + ",\n    ".join(head) + "),",
        "  table.hline(),",
        *(f"  {r}," for r in rows),
        f")) <{anchor}>",
    ])
    notes = [f"#nns-note({typst_string(n)})" for n in grid.get("footnotes", [])]
    keep = "true" if len(grid["body"]) <= UNBREAKABLE_ROWS else "false"
    return "\n".join([f"#nns-keep({keep})[", table, *notes, "]"])


def _caption_html(label: str, caption: str, anchor: str) -> str:
    return (f'<p><span id="{html.escape(anchor)}"><strong>{html.escape(label)}</strong></span> '
            f"{html.escape(caption)}</p>")


def table_markdown(spec: TableSpec, table_html: str, grid: dict) -> str:
    """A table for both formats: caption and great_tables' HTML, and the Typst table from the grid."""
    # data- attributes: Quarto reads a plain `layout` attribute as its own figure layout
    attrs = f'.nns-table data-number="{spec.number}" data-layout="{spec.layout}"'
    return "\n".join([
        f"::: {{{attrs}}}",
        raw("html", _caption_html(spec.label, spec.caption, spec.anchor) + "\n" + table_html.strip()),
        "",
        raw("typst", table_typst(grid, spec.label, spec.caption, spec.anchor)),
        ":::", "",
    ])


def chart_markdown(spec: ChartSpec, svg: str, alt: str, inline_svg: str = "") -> str:
    """A chart for both formats: caption, the SVG with its alt text, and the note below, kept on one page.

    With ``inline_svg`` the HTML holds the SVG itself rather than an image of it, so that what it says on hover
    (its ``<title>`` elements) shows; the PDF takes ``svg`` either way.
    """
    if inline_svg:
        image_html = f'<div class="nns-svg" role="img" aria-label="{html.escape(alt)}">{inline_svg}</div>'
    else:
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        image_html = (f'<p><img src="data:image/svg+xml;base64,{data}" style="width:100%" '
                      f'alt="{html.escape(alt)}" /></p>')
    image_typst = (f"#figure(kind: image, image(bytes({typst_string(svg)}), format: \"svg\", width: 100%, "
                   f"alt: {typst_string(alt)})) <{spec.anchor}>")
    parts = [f'::: {{.nns-figure data-number="{spec.number}"}}', raw("typst", "#nns-keep(true)["), "",
             raw("html", _caption_html(spec.label, spec.caption, spec.anchor)), "",
             raw("typst", f"#strong({typst_string(spec.label)}) #{typst_string(spec.caption)}"), "",
             raw("html", image_html), "", raw("typst", image_typst), ""]
    if spec.note:
        parts += [spec.note.strip(), ""]
    parts += [raw("typst", "]"), ":::", ""]
    return "\n".join(parts)


def empty_chart_markdown(spec: ChartSpec) -> str:
    """A chart with nothing to draw: its caption and the note that says why."""
    return "\n".join([f'::: {{.nns-figure data-number="{spec.number}"}}',
                      raw("html", _caption_html(spec.label, spec.caption, spec.anchor)), "",
                      raw("typst", f"#strong({typst_string(spec.label)}) #{typst_string(spec.caption)} "
                                   f"<{spec.anchor}>"), "",
                      spec.note.strip(), ":::", ""])
