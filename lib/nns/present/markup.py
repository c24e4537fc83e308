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
           "BOXES", "DATA_SUMMARY"]

#: Tables with at most this many rows (row groups included) are never split over two pages; longer ones
#: break between rows (a row group's heading is a sub-header: it moves with its rows and repeats).
UNBREAKABLE_ROWS = 8

#: The summary of a chart's numbers under the chart (HTML).
DATA_SUMMARY = "Diagrammets data"

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


#: The PDF's text width (A4 less the margins of the Typst template), and what one character of a bold column
#: label takes at most on average (DejaVu Sans Bold at 8 pt), with a cell's inset, in points.
TEXT_WIDTH = 470.0
LABEL_CHAR = 5.3
CELL_INSET = 9.0
#: The label column never gets less than this share of the width.
MIN_FIRST = 0.18


def column_widths(grid: dict) -> list[float]:
    """The columns' shares of the text width: the label column as the layout wants, the others equal — but
    never narrower than the longest word of their labels (column labels do not hyphenate), which the label
    column gives up room for.

    >>> [round(w, 3) for w in column_widths({"ncols": 3, "first_column": 0.8,
    ...                                      "header": [[{"text": ""}, {"text": "Chefsgrupper"}, {"text": "A"}]]})]
    [0.746, 0.154, 0.1]
    """
    ncols, first = grid["ncols"], grid["first_column"]
    if ncols == 1:
        return [1.0]
    need = [0.0] * ncols
    taken: set[tuple[int, int]] = set()   # (row, column) covered by a cell spanning rows from above
    for r, row in enumerate(grid["header"]):
        col = 0
        for h in row:
            while (r, col) in taken:
                col += 1
            span, down = h.get("colspan", 1), h.get("rowspan", 1)
            taken |= {(r + i, col + j) for i in range(1, down) for j in range(span)}
            if span == 1 and col > 0:
                longest = max((len(w) for w in str(h["text"]).split()), default=0)
                need[col] = max(need[col], (longest * LABEL_CHAR + CELL_INSET) / TEXT_WIDTH)
            col += span
    rest = [max((1 - first) / (ncols - 1), need[c]) for c in range(1, ncols)]
    if first + sum(rest) > 1:
        rest = [max(need[c], min(rest[c - 1], (1 - MIN_FIRST) / (ncols - 1))) for c in range(1, ncols)]
    return [max(0.0, 1 - sum(rest))] + rest


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
    columns = [_percent(w) for w in column_widths(grid)] if ncols > 1 else ["auto"]
    head = [f"table.cell(colspan: {ncols}, align: left)[#strong({typst_string(label)}) #{typst_string(caption)}]"]
    for i, row in enumerate(grid["header"]):
        for j, h in enumerate(row):
            cell_align = "left" if (i == 0 and j == 0) else ("center" if h["colspan"] > 1 else align)
            spans = "".join(f", {k}: {h[k]}" for k in ("colspan", "rowspan") if h[k] > 1)
            # column labels never hyphenate: a narrow column wraps at spaces
            body = f"strong({typst_string(h['text'])})" if h["text"] else "[]"
            head.append(f"table.cell(align: {cell_align}{spans}, {body})")
    rows = []
    for r in grid["body"]:
        if "group" in r:
            # a row group's heading is a sub-header: never left alone at a page's foot, repeated over a break
            mark = f"#nns-mark(rgb({typst_string(r['colour'])})) " if r.get("colour") else ""
            rows.append(f"table.header(level: 2, table.cell(colspan: {ncols}, align: left)"
                        f"[{mark}#strong({typst_string(r['group'])})])")
        elif r.get("total"):   # a sum of the rows above: a rule above it, in bold
            rows.append("table.hline(stroke: 0.6pt)")
            rows.append(", ".join(f"strong({typst_string(c)})" for c in r["cells"]))
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
    """A table for both formats: great_tables' HTML (captioned, :func:`nns.present.tables.to_html`), and the
    Typst table from the grid."""
    # data- attributes: Quarto reads a plain `layout` attribute as its own figure layout
    attrs = f'.nns-table data-number="{spec.number}" data-layout="{spec.layout}"'
    return "\n".join([
        f"::: {{{attrs}}}",
        raw("html", table_html.strip()),
        "",
        raw("typst", table_typst(grid, spec.label, spec.caption, spec.anchor)),
        ":::", "",
    ])


def chart_markdown(spec: ChartSpec, svg: str, alt: str, data_html: str = "", inline_svg: str = "") -> str:
    """A chart for both formats: caption, the SVG with its alt text, and the note below, kept on one page.

    ``data_html``, the chart's numbers as a table (:meth:`nns.spec.model.ChartSpec.data_table`), follows in
    the HTML as a ``<details>`` a reader can open. With ``inline_svg`` the HTML holds the SVG itself rather
    than an image of it, so that what it says on hover (its ``<title>`` elements) shows; the PDF takes
    ``svg`` either way.
    """
    if inline_svg:
        image = f'<div class="nns-svg" role="img" aria-label="{html.escape(alt)}">{inline_svg}</div>'
    else:
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        image = f'<img src="data:image/svg+xml;base64,{data}" style="width:100%" alt="{html.escape(alt)}" />'
    # on a phone the chart keeps a width its text can be read at and scrolls sideways in its own region
    # (focusable, named by the chart's label, as the tables' regions are)
    image_html = (f'<div class="nns-chart-scroll" tabindex="0" role="region" '
                  f'aria-label="{html.escape(spec.label)}">{image}</div>')
    image_typst = (f"#figure(kind: image, nns-image({typst_string(spec.anchor)}, image(bytes({typst_string(svg)}), "
                   f"format: \"svg\", width: 100%, alt: {typst_string(alt)}))) <{spec.anchor}>")
    # the figure's <div> is raw HTML, not a Markdown Div: pandoc would write a Div as a Typst block, and a
    # float inside a block that has to wait for the next page takes the rest of the page with it
    parts = [raw("html", f'<div class="nns-figure" data-number="{html.escape(spec.number)}">'), "",
             raw("typst", f"#nns-chart({typst_string(spec.anchor)})["), "",
             raw("html", _caption_html(spec.label, spec.caption, spec.anchor)), "",
             raw("typst", f"#strong({typst_string(spec.label)}) #{typst_string(spec.caption)}"), "",
             raw("html", image_html), "", raw("typst", image_typst), ""]
    if spec.note:
        parts += [spec.note.strip(), ""]
    if data_html:
        parts += [raw("html", f'<details class="nns-data">\n<summary>{DATA_SUMMARY}</summary>\n'
                              f"{data_html.strip()}\n</details>"), ""]
    parts += [raw("typst", "]"), "", raw("html", "</div>"), ""]
    return "\n".join(parts)


def empty_chart_markdown(spec: ChartSpec) -> str:
    """A chart with nothing to draw: its caption and the note that says why."""
    return "\n".join([f'::: {{.nns-figure data-number="{spec.number}"}}',
                      raw("html", _caption_html(spec.label, spec.caption, spec.anchor)), "",
                      raw("typst", f"#strong({typst_string(spec.label)}) #{typst_string(spec.caption)} "
                                   f"<{spec.anchor}>"), "",
                      spec.note.strip(), ":::", ""])
