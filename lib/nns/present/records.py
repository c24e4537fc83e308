"""What the executed notebooks record for the build: the metadata key, and each table's printed grid.

Kept free of great_tables and matplotlib, so that the build (collecting
figures, writing tables/*.csv) and the renderer do not import them.
"""
from __future__ import annotations

import re

import pandas as pd

from nns.present.palette import FALLBACK
from nns.spec.model import DASH, LAYOUTS, PRINTED, SUPPRESSED, ChartSpec, TableSpec, display_value
from nns.text import MISSING, fmt_int

__all__ = ["MIME_META", "N_IN_LABEL", "wide", "col_key", "grid", "first_column", "printed_from_grid", "table_record",
           "chart_record"]

#: The key of the output metadata under which a display records what it shows.
MIME_META = "nnsreport"


def col_key(col_group: str, col: str) -> str:
    key = f"{col_group}_{col}" if col_group else col
    return re.sub(r"[^0-9A-Za-zåäöÅÄÖ_]+", "_", key).strip("_") or "c"


#: Layouts that print each row's number of answers in its label ("samtliga (n=1 629)").
N_IN_LABEL = ("categories", "yesno", "comparison")


def wide(spec: TableSpec) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """The printed table as a frame for great_tables, and its columns as (key, group, label).

    Built from the cells' columns as lists: a report lays out some 50 tables, and pandas' pivot cost
    10 ms each for a few dozen cells.
    """
    c = spec.cells
    keep = [x != "" for x in c["col"].tolist()]

    def column(name: str) -> list:
        return [v for v, k in zip(c[name].tolist(), keep) if k]

    cols_, groups_, stats, values, marks = (column(n) for n in ("col", "col_group", "statistic", "value", "mark"))
    row_orders, col_orders = column("row_order"), column("col_order")
    row_groups, row_labels, respondents = column("row_group"), column("row"), column("respondent")
    texts = [display_value(s, v) + m for s, v, m in zip(stats, values, marks)]
    layout = spec.layout
    n_by_row: dict = {}
    cells = range(len(texts))
    if layout in N_IN_LABEL:
        # n goes into the row label, as the report prints it: "samtliga (n=1629)"
        is_n = [cols_[i] == "n" and groups_[i] == "" for i in cells]
        for i in cells:
            if is_n[i]:
                n_by_row[row_orders[i]] = values[i]
        cells = [i for i in cells if not is_n[i]]
    rows: dict = {}   # row_order: its first cell (as drop_duplicates keeps it)
    columns: dict = {}
    text_at: dict = {}
    for i in cells:
        rows.setdefault(row_orders[i], i)
        columns.setdefault(col_orders[i], i)
        text_at.setdefault((row_orders[i], col_orders[i]), texts[i])
    row_keys = sorted(rows, key=lambda o: (o is None, o))
    col_keys = sorted(columns, key=lambda o: (o is None, o))
    keys = [(col_key(groups_[columns[o]], cols_[columns[o]]), groups_[columns[o]], cols_[columns[o]])
            for o in col_keys]
    labels = [row_labels[rows[o]] for o in row_keys]
    if layout in N_IN_LABEL:
        labels = [f"{lab} (n={_n_text(n_by_row.get(o))})" for lab, o in zip(labels, row_keys)]
    data = [[respondents[rows[o]], row_groups[rows[o]], lab] + [text_at.get((o, co), "") for co in col_keys]
            for o, lab in zip(row_keys, labels)]
    table = pd.DataFrame(data, columns=["_respondent", "_group", "_row"] + [k for k, _, _ in keys], dtype=object)
    return table, keys


def _n_text(n) -> str:
    if n in (None, "", DASH, SUPPRESSED):
        return PRINTED.get(n, MISSING)
    return fmt_int(int(n))


def first_column(layout: str, ncols: int) -> tuple[str, float]:
    """(layout, share of the text width of the label column) for a table of ``ncols`` columns.

    A key-figure table with riket (three columns a year) is laid out wide.

    >>> first_column("keyfigures", 7), first_column("keyfigures", 10), first_column("plain", 3)
    (('keyfigures', 0.28), ('keyfigures-wide', 0.19), ('plain', 0.45))
    """
    if layout == "keyfigures" and ncols > 7:
        layout = "keyfigures-wide"
    return layout, LAYOUTS.get(layout, 0.34 if ncols > 4 else 0.45)


def grid(spec: TableSpec, colours: dict[str, str], laid_out=None) -> dict:
    """The table's printed layout as plain data (header rows with spans, body rows, row groups).

    The same layout great_tables draws (from :func:`wide`), for outputs that are
    not HTML: the renderer builds the PDF's table from it. Row groups carry
    their respondent group's colour.
    """
    df, keys = laid_out or wide(spec)
    has_groups = df["_group"].ne("").any()
    spanned = any(g for _, g, _ in keys)
    header = []
    if spanned:
        top = [{"text": spec.stub_label, "colspan": 1, "rowspan": 2}]
        i = 0
        while i < len(keys):
            g = keys[i][1]
            j = i
            while j < len(keys) and keys[j][1] == g:
                j += 1
            if g:
                top.append({"text": g, "colspan": j - i, "rowspan": 1})
            else:
                top += [{"text": keys[k][2], "colspan": 1, "rowspan": 2} for k in range(i, j)]
            i = j
        second = [{"text": label, "colspan": 1, "rowspan": 1} for _, g, label in keys if g]
        header = [top, second]
    else:
        header = [[{"text": spec.stub_label, "colspan": 1, "rowspan": 1}]
                  + [{"text": label, "colspan": 1, "rowspan": 1} for _, _, label in keys]]
    body = []
    last = None
    # the columns as lists, read row by row (a row Series each, as iterrows makes, costs more than the table)
    groups, respondents, labels = (df[c].tolist() for c in ("_group", "_respondent", "_row"))
    values = [df[k].tolist() for k, _, _ in keys]
    for i, label in enumerate(labels):
        if has_groups and groups[i] != last:
            body.append({"group": groups[i], "respondent": respondents[i],
                         "colour": colours.get(respondents[i], FALLBACK) if respondents[i] else None})
            last = groups[i]
        row = {"cells": [label] + [column[i] for column in values]}
        if label in spec.totals:
            row["total"] = True
        body.append(row)
    layout, first = first_column(spec.layout, len(keys) + 1)
    return {"ncols": len(keys) + 1, "header": header, "body": body, "footnotes": list(spec.footnotes),
            "layout": layout, "first_column": first}


def table_record(spec: TableSpec, table_grid: dict) -> dict:
    """What a table's output records: number, label, caption, anchor, layout, the printed grid, the figures."""
    return {"kind": "table", "number": spec.number, "label": spec.label, "caption": spec.caption,
            "anchor": spec.anchor, "layout": spec.layout, "grid": table_grid,
            "figures": spec.figure_rows()}


def chart_record(spec: ChartSpec) -> dict:
    """What a chart's output records: number, label, caption, anchor, its alt text, the figures it draws."""
    return {"kind": "chart", "number": spec.number, "label": spec.label, "caption": spec.caption,
            "anchor": spec.anchor, "alt": spec.alt_text(), "figures": spec.figure_rows()}


def printed_from_grid(grid: dict) -> pd.DataFrame:
    """The table as printed, for tables/<table>.csv: row group, row, then one column per printed column."""
    header = grid["header"]
    if len(header) == 2:   # spanners over the second header row
        names, spans = [], []
        for h in header[0][1:]:
            if h["rowspan"] == 2:
                spans.append((h["text"], ""))
            else:
                spans += [("", h["text"])] * h["colspan"]
        second = iter(h["text"] for h in header[1])
        for label, group in spans:
            names.append(label if not group else f"{group} {next(second)}")
    else:
        names = [h["text"] for h in header[0][1:]]
    rows, group = [], ""
    for r in grid["body"]:
        if "group" in r:
            group = r["group"]
            continue
        rows.append([group] + list(r["cells"]))
    return pd.DataFrame(rows, columns=["radgrupp", "rad"] + names)
