"""PDF through Typst: great_tables' layout grids become pandoc tables, pandoc writes Typst, Typst compiles.

Each table is built from the layout grid great_tables drew (pandoc table
nodes with the caption as a repeating header row, right-aligned numbers),
written as Typst and compiled by ``typst`` with a fixed timestamp, so that
the same inputs give the same bytes.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import typst

from nns.errors import RenderError
from nns.render.pandoc import classes, pandoc, walk_blocks

__all__ = ["typst_tables", "typst_boxes", "PdfRenderer", "UNBREAKABLE_ROWS"]


def typst_tables(ast: dict) -> dict:
    """Every table Div becomes a pandoc table built from its grid (the layout great_tables drew).

    The caption becomes the table's first header row, repeated on every page the
    table spans, so that it never stands alone; its anchor moves to the block
    around the table. Footnotes follow the table in small print. Row groups are
    marked with their respondent group's colour (from the grid).
    """

    def replace(blocks):
        out = []
        for b in blocks:
            if "nns-table" not in classes(b):
                out.append(b)
                continue
            content = b["c"][1]
            caption = next((x for x in content if x.get("t") in ("Para", "Plain")), None)
            grid = next((json.loads(x["c"][1]) for x in content
                         if x.get("t") == "RawBlock" and x["c"][0] == "nnsgrid"), None)
            if grid is None:
                continue
            anchor, inlines = _unwrap_anchor(caption["c"] if caption else [])
            table = _grid_table(grid, inlines)
            notes = []
            for note in grid.get("footnotes", []):
                notes += [{"t": "RawBlock", "c": ["typst", "#block(above: 0.35em, below: 0.2em, text(size: 7.5pt)["]},
                          {"t": "Plain", "c": _inlines(note)},
                          {"t": "RawBlock", "c": ["typst", "])"]}]
            attr = [anchor or b["c"][0][0], b["c"][0][1], b["c"][0][2]]
            out.append({"t": "Div", "c": [attr, [table] + notes]})
        return out

    ast["blocks"] = walk_blocks(ast["blocks"], replace)
    return ast


def _inlines(text: str) -> list:
    out = []
    for i, word in enumerate(str(text).split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def _cell(text, align="AlignDefault", colspan=1, rowspan=1, bold=False, prefix=None) -> list:
    inl = _inlines(text) if text not in (None, "") else []
    if bold and inl:
        inl = [{"t": "Strong", "c": inl}]
    if prefix is not None:
        inl = [prefix] + inl
    blocks = [{"t": "Plain", "c": inl}] if inl else []
    return [["", [], []], {"t": align}, rowspan, colspan, blocks]


def _grid_table(grid: dict, caption_inlines: list) -> dict:
    ncols, layout = grid["ncols"], grid.get("layout", "plain")
    long_text = any(len(str(c)) > 25 for r in grid["body"] if "cells" in r for c in r["cells"][1:])
    value_align = "AlignLeft" if layout in ("text", "development") or (layout == "plain" and long_text) \
        else "AlignRight"
    if ncols > 1:
        first = grid["first_column"]
        rest = (1 - first) / (ncols - 1)
        specs = [[{"t": "AlignLeft"}, {"t": "ColWidth", "c": first}]] + \
                [[{"t": value_align}, {"t": "ColWidth", "c": rest}] for _ in range(ncols - 1)]
    else:
        specs = [[{"t": "AlignLeft"}, {"t": "ColWidthDefault"}]]
    head_rows = []
    if caption_inlines:
        cap = [["", [], []], {"t": "AlignLeft"}, 1, ncols, [{"t": "Plain", "c": caption_inlines}]]
        head_rows.append([["", [], []], [cap]])
    for i, row in enumerate(grid["header"]):
        cells = []
        for j, h in enumerate(row):
            align = "AlignLeft" if (i == 0 and j == 0) else ("AlignCenter" if h["colspan"] > 1 else value_align)
            cell = _cell(h["text"], align, h["colspan"], h["rowspan"], bold=True)
            if cell[4]:   # a long column label may hyphenate (tables otherwise don't)
                cell[4][0]["c"] = ([{"t": "RawInline", "c": ["typst", "#text(hyphenate: true)["]}] + cell[4][0]["c"]
                                   + [{"t": "RawInline", "c": ["typst", "]"]}])
            cells.append(cell)
        head_rows.append([["", [], []], cells])
    body_rows = []
    for r in grid["body"]:
        if "group" in r:
            colour = r.get("colour")
            mark = {"t": "RawInline", "c": ["typst", f'#box(width: 0.6em, height: 0.6em, fill: rgb("{colour}")) ']} \
                if colour else None
            body_rows.append([["", [], []], [_cell(r["group"], "AlignLeft", ncols, 1, bold=True, prefix=mark)]])
        else:
            cells = [_cell(r["cells"][0], "AlignLeft")] + [_cell(c, value_align) for c in r["cells"][1:]]
            body_rows.append([["", [], []], cells])
    return {"t": "Table", "c": [
        ["", [], []], [None, []], specs,
        [["", [], []], head_rows],
        [[["", [], []], 0, [], body_rows]],
        [["", [], []], []],
    ]}


def _unwrap_anchor(inlines: list) -> tuple[str, list]:
    """The id of the first Span with one, and the inlines with that Span replaced by its content."""
    anchor, out = "", []
    for i in inlines:
        if i.get("t") == "Span" and i["c"][0][0] and not anchor:
            anchor = i["c"][0][0]
            out.extend(i["c"][1])
        else:
            out.append(i)
    return anchor, out




#: Tables with at most this many rows are never split over two pages.
UNBREAKABLE_ROWS = 16


def typst_boxes(ast: dict) -> dict:
    """Shaded boxes for the indicator description and draft commentary (HTML gets them from CSS);
    a chart with its caption and note, and a short table, kept on one page."""
    styles = {"indikator": ('rgb("#f4f7fa")', 'rgb("#1f4e79")'), "utkast": ('rgb("#fff8e6")', 'rgb("#e69f00")')}

    def keep(b) -> bool:
        if "nns-figure" in classes(b):
            return True
        if "nns-table" in classes(b):
            tables = [x for x in b["c"][1] if x.get("t") == "Table"]
            return bool(tables) and sum(len(body[3]) for body in tables[0]["c"][4]) <= UNBREAKABLE_ROWS
        return False

    def box(blocks):
        out = []
        for b in blocks:
            cls = [c for c in classes(b) if c in styles]
            if keep(b):
                out.append({"t": "RawBlock", "c": ["typst", "#block(breakable: false, width: 100%)["]})
                out.append(b)
                out.append({"t": "RawBlock", "c": ["typst", "]"]})
            elif cls:
                fill, line = styles[cls[0]]
                out.append({"t": "RawBlock", "c": ["typst", f"#block(fill: {fill}, stroke: (left: 3pt + {line}), "
                                                            "inset: (x: 8pt, y: 6pt), width: 100%)["]})
                out.extend(b["c"][1])
                out.append({"t": "RawBlock", "c": ["typst", "]"]})
            else:
                out.append(b)
        return out

    ast["blocks"] = walk_blocks(ast["blocks"], box)
    return ast



def _font_paths() -> list[str]:
    """DejaVu Sans, the charts' font, from matplotlib's package data (found without importing matplotlib)."""
    package = importlib.util.find_spec("matplotlib").submodule_search_locations[0]
    return [str(Path(package) / "mpl-data" / "fonts" / "ttf")]


class PdfRenderer:
    """The report as PDF: pandoc writes Typst with the project's template, Typst compiles it."""

    format = "pdf"
    suffix = "pdf"

    def render(self, ast: dict, job) -> bytes:
        typ_ast = typst_boxes(typst_tables(ast))
        src = job.work / "ast-typst.json"
        src.write_text(json.dumps(typ_ast), encoding="utf-8")
        body = pandoc(["-f", "json", "-t", "typst", "--standalone", "--template", str(job.templates / "rapport.typ"),
                       "--toc", str(src)])
        typ = job.work / "rapport.typ"
        typ.write_text(body, encoding="utf-8")
        try:
            return typst.compile(str(typ), root=str(job.work), font_paths=_font_paths(), ignore_system_fonts=True,
                                 timestamp=int(job.when.timestamp()))
        except Exception as exc:  # typst raises its own error type with the message
            keep = Path(job.keep_failed) / "rapport.failed.typ"
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(typ, keep)
            raise RenderError(f"Typst kunde inte sätta PDF:en: {exc}", where=str(keep)) from None
