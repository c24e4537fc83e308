"""resultat.xlsx: every table of a report as printed, one sheet each, for readers who reuse the numbers.

Built from the tables the notebooks recorded (their printed grids, :mod:`nns.present.records`), so every
number is the one the report prints and figures.csv holds. Numbers are number cells with a number format
(a share 0.78 shown as 78 %, klart positivt in parentheses, counts with a thousands separator); a hidden
cell is the text "–" as in the report, with the table's footnote that says why. A first sheet lists the
tables with links to them; header rows are frozen; columns are as wide as their contents (long texts wrap).

Written with XlsxWriter, which writes every zip entry with a fixed date; the workbook's own date is the
report's source date, so the same inputs give the same bytes.
"""
from __future__ import annotations

import io
import re
from datetime import datetime

import xlsxwriter

from nns.present.office import COUNT, MARKS, PAREN_PERCENT, PERCENT, TEXT, split_n, typed
from nns.present.records import N_IN_LABEL
from nns.spec.model import PRINTED

__all__ = ["workbook_bytes", "sheet_name", "CONTENTS", "HEADER_ROW", "N_COLUMN"]

#: The first sheet: the list of tables.
CONTENTS = "Innehåll"
#: The first header row of a table's sheet (0-based; the title is in row 0, row 1 is empty).
HEADER_ROW = 2
#: The column a categories or yes/no table gets for the number of answers its rows print in their labels.
N_COLUMN = "n"

#: Number formats by the kind of a printed cell (nns.present.office).
NUMBER_FORMATS = {PERCENT: "0%", PAREN_PERCENT: "(0%)", COUNT: "#,##0"}
#: Column widths in characters: no column wider than this (long texts wrap), the label column at most this.
MAX_WIDTH, MAX_LABEL_WIDTH = 40, 60
ACCENT = "#1F4E79"
AUTHOR = "Nationella nätverket för samordningsförbund (NNS)"


def sheet_name(label: str, taken: set[str]) -> str:
    """An Excel sheet name for a table's label: at most 31 characters, none of []:*?/\\, unique.

    >>> sheet_name("Tabell 5.1", set()), sheet_name("Bilaga 2: a/b", set()), sheet_name("X", {"X"})
    ('Tabell 5.1', 'Bilaga 2 a-b', 'X (2)')
    """
    base = re.sub(r"[\[\]:*?\\]", "", label).replace("/", "-").strip()[:31] or "Tabell"
    name, i = base, 1
    while name.lower() in {t.lower() for t in taken}:
        i += 1
        name = f"{base[:31 - len(f' ({i})')]} ({i})"
    return name


def _with_n_column(grid: dict) -> bool:
    """Whether the table prints each row's number of answers in its label (split into a column of its own)."""
    return grid.get("layout") in N_IN_LABEL


def _header(grid: dict, with_n: bool) -> list[list[dict]]:
    rows = [list(r) for r in grid["header"]]
    if with_n:
        rows[0].insert(1, {"text": N_COLUMN, "colspan": 1, "rowspan": len(rows)})
    return rows


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, wb):
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 12, "font_color": ACCENT})
        self.head = wb.add_format({**base, "bold": True, "text_wrap": True, "bottom": 1, "align": "center",
                                   "valign": "bottom", "bg_color": "#F4F7FA"})
        self.head_label = wb.add_format({**base, "bold": True, "text_wrap": True, "bottom": 1, "valign": "bottom",
                                         "bg_color": "#F4F7FA"})
        self.group = wb.add_format({**base, "bold": True})
        self.label = wb.add_format({**base, "text_wrap": True})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.dash = wb.add_format({**base, "align": "right"})
        # a number with a change mark keeps the mark in its format ('78% ↑'): the cell stays a number
        self.numbers = {(kind, mark): wb.add_format({**base, "num_format": f + (f'" {mark.strip()}"' if mark else "")})
                        for kind, f in NUMBER_FORMATS.items() for mark in ("", *MARKS)}
        self.note = wb.add_format({**base, "italic": True, "font_size": 9})
        self.link = wb.add_format({**base, "font_color": ACCENT, "underline": 1})
        self.plain = wb.add_format(base)

    def of(self, cell) -> object:
        if cell.kind != TEXT:
            return self.numbers[cell.kind, cell.mark]
        return self.dash if cell.text in PRINTED.values() or len(cell.text) <= 1 else self.text


def _write_cell(ws, row: int, col: int, text, fmt: _Formats) -> None:
    cell = typed(text)
    if cell.kind == TEXT:
        ws.write_string(row, col, cell.text, fmt.of(cell))
    else:
        ws.write_number(row, col, cell.value, fmt.of(cell))


def _placed(header: list[list[dict]]) -> list[tuple[int, int, dict]]:
    """(header row, first column, cell) of every header cell, its spans taken into account."""
    occupied: set[tuple[int, int]] = set()
    out = []
    for i, hrow in enumerate(header):
        col = 0
        for h in hrow:
            while (i, col) in occupied:
                col += 1
            out.append((i, col, h))
            occupied |= {(r, c) for r in range(i, i + h["rowspan"]) for c in range(col, col + h["colspan"])}
            col += h["colspan"]
    return out


def _widths(header: list[list[dict]], grid: dict, with_n: bool) -> list[float]:
    """Each column's width in characters: its longest printed value, and its header's longest word (a header
    wraps between words, never inside one); labels wrap past :data:`MAX_LABEL_WIDTH`, values past :data:`MAX_WIDTH`.
    A header spanning several columns (a year, Riket) does not widen them."""
    ncols = grid["ncols"] + (1 if with_n else 0)
    longest = [0] * ncols
    for _, col, h in _placed(header):
        if h["colspan"] == 1:
            words = [len(w) for w in str(h["text"]).split()] or [0]
            longest[col] = max(longest[col], max(words) + (2 if col else 0))   # room for the bold
    for r in grid["body"]:
        if "cells" not in r:
            continue
        cells = list(r["cells"])
        label = cells.pop(0)
        if with_n:
            label, n = split_n(label)
            cells.insert(0, n or "")
        for col, text in enumerate([label] + cells):
            longest[col] = max(longest[col], len(str(text)))
    return [min(w + 1, MAX_LABEL_WIDTH if col == 0 else MAX_WIDTH) for col, w in enumerate(longest)]


def _table_sheet(ws, table: dict, fmt: _Formats) -> None:
    grid = table["grid"]
    with_n = _with_n_column(grid)
    header = _header(grid, with_n)
    # the header: spans merged, as printed
    for i, c0, h in _placed(header):
        r0 = HEADER_ROW + i
        r1, c1 = r0 + h["rowspan"] - 1, c0 + h["colspan"] - 1
        style = fmt.head_label if c0 == 0 else fmt.head
        if (r0, c0) != (r1, c1):
            ws.merge_range(r0, c0, r1, c1, h["text"], style)
        else:
            ws.write_string(r0, c0, h["text"], style)
    row = HEADER_ROW + len(header)
    first_body = row
    widths = _widths(header, grid, with_n)
    for r in grid["body"]:
        if "group" in r:
            ws.write_string(row, 0, r["group"], fmt.group)
        else:
            cells = list(r["cells"])
            label = cells.pop(0)
            if with_n:
                label, n = split_n(label)
                cells.insert(0, n if n is not None else "")
            ws.write_string(row, 0, label, fmt.label)
            for j, text in enumerate(cells, start=1):
                if text != "":
                    _write_cell(ws, row, j, text, fmt)
        row += 1
    ws.freeze_panes(first_body, 1)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    # the title and the notes run across the empty cells beside them
    ws.write_string(0, 0, f"{table['label']} {table['caption']}", fmt.title)
    for note in grid.get("footnotes", []):
        row += 1
        ws.write_string(row, 0, note, fmt.note)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW, first_body - 1)


def workbook_bytes(tables: list[dict], title: str, when: datetime, about: str = "") -> bytes:
    """The workbook of a report's tables (records as the notebooks wrote them), in report order.

    ``title`` names the report ('Nationell indikatorrapport 2022'); ``about`` is a line under it on the
    first sheet; ``when`` is the report's source date (the workbook's date).
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    wb.set_properties({"title": f"{title}: tabeller", "author": AUTHOR, "company": "NNS",
                       "created": when.replace(tzinfo=None), "comments": about})
    fmt = _Formats(wb)
    contents = wb.add_worksheet(CONTENTS)
    taken = {CONTENTS}
    names = []
    for t in tables:
        name = sheet_name(t["label"], taken)
        taken.add(name)
        names.append(name)
        _table_sheet(wb.add_worksheet(name), t, fmt)
    contents.write_string(0, 0, f"{title}: tabellerna", fmt.title)
    if about:
        contents.write_string(1, 0, about, fmt.plain)
    contents.write_string(3, 0, "Tabell", fmt.head_label)
    contents.write_string(3, 1, "Rubrik", fmt.head_label)
    for i, (t, name) in enumerate(zip(tables, names), start=4):
        contents.write_url(i, 0, f"internal:'{name}'!A1", fmt.link, string=t["label"])
        contents.write_string(i, 1, t["caption"], fmt.plain)
    contents.set_column(0, 0, 16)
    contents.set_column(1, 1, max((len(t["caption"]) for t in tables), default=20) + 2)
    contents.freeze_panes(4, 0)
    contents.set_landscape()
    contents.fit_to_pages(1, 0)
    contents.activate()
    wb.close()
    return buf.getvalue()
