"""Reading resultat.xlsx and presentation.pptx back, as a reader's program would, to compare with figures.csv.

Each reader returns the numbers it finds keyed by where figures.csv puts them, independently of how the files
were written: the workbook by its sheets' header rows (merged cells), frozen panes and bold row groups; the
slides by their shapes' names ('Diagram 4', 'Tabell 9.2').
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd

from nns.spec.model import PERCENT_STATS, UNPRINTED_STATS, display_value

__all__ = ["FIGURE_KEY", "figure_cells", "workbook_cells", "slide_charts", "slide_tables", "soffice", "SOFFICE",
           "expected_text"]

#: Counts printed with the number they are out of ('1 av 2').
COUNTED_OF = ("tydlig_okning", "tydlig_minskning")
#: Where a number stands in figures.csv.
FIGURE_KEY = ["table", "row_group", "row", "col_group", "col"]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def figure_cells(figures: pd.DataFrame) -> dict[tuple, tuple[str, str]]:
    """{(table, row group, row, column group, column): (statistic, value)} of figures.csv."""
    return {tuple(r[k] for k in FIGURE_KEY): (r["statistic"], r["value"]) for _, r in figures.iterrows()
            if r["statistic"] not in UNPRINTED_STATS}


def expected_text(statistic: str, value: str) -> str:
    return display_value(statistic, value)


def counted_text(figures: pd.DataFrame, table: str, row: str, stat: str, value: str) -> str:
    """Table 20's clear changes as printed: '1 av 2' (of the measures compared, ``jamforda_matt``)."""
    of = figures[(figures["table"] == table) & (figures["row"] == row) & (figures["statistic"] == "jamforda_matt")]
    text = expected_text(stat, value)
    return f"{text} av {of['value'].iloc[0]}" if len(of) == 1 and value.isdigit() else text


def without_mark(text):
    """A printed cell without its change mark (' ↑', ' ↓'): the number it marks."""
    from nns.present.office import MARKS

    for mark in MARKS:
        if isinstance(text, str) and text.endswith(mark):
            return text[:-len(mark)]
    return text


def _merged_value(ws, row: int, col: int):
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return ws.cell(rng.min_row, rng.min_col).value, rng
    return ws.cell(row, col).value, None


def workbook_cells(ws, header_row: int) -> dict[tuple, object]:
    """{(row group, row, column group, column): cell} of one table's sheet (1-based ``header_row``)."""
    first_body = ws[ws.freeze_panes].row
    nheader = first_body - header_row
    columns = {}
    for col in range(2, ws.max_column + 1):
        top, rng = _merged_value(ws, header_row, col)
        if top is None and rng is None:
            continue
        if nheader == 1 or (rng is not None and rng.max_row > rng.min_row):
            columns[col] = ("", top)
        else:
            columns[col] = (top, ws.cell(header_row + 1, col).value)
    out, group = {}, ""
    for row in range(first_body, ws.max_row + 1):
        label = ws.cell(row, 1)
        if label.value is None:
            continue
        if label.font.bold:
            group = label.value
            continue
        for col, (cg, c) in columns.items():
            cell = ws.cell(row, col)
            if cell.value is not None:
                out[(group, label.value, cg or "", c)] = cell
    return out


def slide_charts(prs) -> dict[str, dict[tuple[str, str], float]]:
    """{shape name: {(series, category): value}} of every native chart on the slides."""
    out = {}
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                plot = shape.chart.plots[0]
                cats = [str(c) for c in plot.categories]
                out[shape.name] = {(s.name, cat): v for s in plot.series for cat, v in zip(cats, s.values)
                                   if v is not None}
    return out


def slide_tables(prs) -> dict[str, list[list[str]]]:
    """{shape name: rows of cell texts} of every native table on the slides."""
    out = {}
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_table:
                out[shape.name] = [[c.text for c in row.cells] for row in shape.table.rows]
    return out


def is_share(statistic: str) -> bool:
    return statistic in PERCENT_STATS


def soffice(src: Path, outdir: Path, fmt: str = "pdf") -> Path:
    """Convert with LibreOffice (headless, a profile of its own); the converted file, or a failed assertion."""
    profile = outdir / "lo-profile"
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", fmt,
           "--outdir", str(outdir), str(src)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert res.returncode == 0 and out.exists() and out.stat().st_size > 1000, res.stdout + res.stderr
    return out


def workbook_mismatches(path: Path, figures: pd.DataFrame, labels: dict[str, str]) -> tuple[int, list[str]]:
    """(numbers checked, what differs) between resultat.xlsx and figures.csv: every figure of every table is in
    its sheet (found by the table's label, ``labels``: {number: label}), at its row and column, a number cell for
    a number (a share as its fraction, with a percent format), its printed text otherwise."""
    import openpyxl

    from nns.present.workbook import CONTENTS, HEADER_ROW

    wb = openpyxl.load_workbook(path)
    sheet_of = {str(ws.cell(1, 1).value): ws for ws in wb.worksheets if ws.title != CONTENTS}
    # the charts' numbers are not tables; intervals and marks recorded beside a figure are not printed as numbers
    expected = figures[~figures["table"].str.startswith("D") & ~figures["statistic"].isin(UNPRINTED_STATS)]
    checked, problems = 0, []
    for table, rows in expected.groupby("table", sort=False):
        ws = next((w for heading, w in sheet_of.items() if heading.startswith(f"{labels[table]} ")), None)
        if ws is None:
            problems.append(f"{table}: no sheet")
            continue
        cells = workbook_cells(ws, HEADER_ROW + 1)
        row_labels = {(g, r) for g, r, _, _ in cells}
        for _, f in rows.iterrows():
            if f["col"] == "":       # a mark printed in the row's label (a new förbund's '*')
                checked += 1
                if (f["row_group"], f["row"]) not in row_labels:
                    problems.append(f"{table} {f['row']}: no such row")
                continue
            key = (f["row_group"], f["row"], f["col_group"], f["col"])
            cell = cells.get(key)
            if cell is None:
                problems.append(f"{table} {key}: missing")
                continue
            checked += 1
            value, stat = f["value"], f["statistic"]
            if stat in COUNTED_OF:
                ok = cell.value == counted_text(figures, table, f["row"], stat, value)
            elif value.isdigit() and is_share(stat):
                ok = isinstance(cell.value, float | int) and round(cell.value * 100) == int(value) \
                    and "%" in cell.number_format
            elif value.isdigit():
                ok = cell.value == int(value) and cell.number_format == "#,##0"
            else:
                ok = cell.value == expected_text(stat, value)
            if not ok:
                problems.append(f"{table} {key}: {cell.value!r} ({cell.number_format}) for {value!r} ({stat})")
    return checked, problems


def slides_mismatches(path: Path, figures: pd.DataFrame) -> tuple[int, list[str]]:
    """(numbers checked, what differs) between presentation.pptx and figures.csv: the charts' points and the
    tables' cells (key figures, table 1 turned, table 20 by indicator)."""
    from pptx import Presentation

    prs = Presentation(str(path))
    cells = figure_cells(figures)
    checked, problems = 0, []
    for name, points in slide_charts(prs).items():
        if not name.startswith("Diagram "):
            continue
        table = "D" + name.split(" ", 1)[1]
        want = {(f["row"], f["col"]): int(f["value"]) for _, f in figures[figures["table"] == table].iterrows()
                if f["value"].isdigit()}
        checked += len(points)
        if {k: int(v) for k, v in points.items()} != want:
            problems.append(f"{name}: {points} != {want}")
    for name, rows in slide_tables(prs).items():
        table = name.split(" ", 1)[1]
        header, body = rows[0], rows[1:]
        mine = figures[figures["table"] == table]
        if header[0] == "Mått":            # a key-figure table: the samtliga row of each measure
            for r in body:
                for col, text in zip(header[1:], r[1:]):
                    year, column = (col.split(" ")[1], "riket") if col.startswith("Riket ") else (col, "nyckeltal")
                    got = cells.get((table, r[0], "samtliga", year, column))
                    checked += 1
                    if got is None or expected_text(*got) != without_mark(text):
                        problems.append(f"{name} {r[0]} {col}: {text!r} != {got}")
        elif header[0] == "Indikator":     # table 20, one row per indicator
            for r in body:
                number = r[0].split(" ", 1)[0]
                for col, text in zip(header[1:], r[1:]):
                    sel = mine[(mine["indicator"] == number) & (mine["col"] == col)
                               & ~mine["statistic"].isin(UNPRINTED_STATS)]
                    want = (counted_text(figures, table, sel.iloc[0]["row"], sel.iloc[0]["statistic"],
                                         sel.iloc[0]["value"]) if len(sel) else "ej aktuellt")
                    checked += 1
                    if want != text:
                        problems.append(f"{name} {r[0]} {col}: {text!r} != {want!r}")
        else:                              # table 1, turned: respondent groups as rows
            for r in body:
                for row_label, text in zip(header[1:], r[1:]):
                    got = cells.get((table, "", row_label, "", r[0]))
                    checked += 1
                    if got is None or expected_text(*got) != without_mark(text):
                        problems.append(f"{name} {r[0]} {row_label}: {text!r} != {got}")
    return checked, problems
