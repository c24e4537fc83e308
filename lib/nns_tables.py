"""great_tables tables from table specifications (:class:`nns_specs.TableSpec`).

Declarative: the spec says what the cells are; this module only lays them
out. Every table gets a fixed ``id`` (``tbl-5-1``) so that the HTML is the
same on every run. Row groups of tables N.1/N.2 carry the respondent group's
colour, the same as in the charts.
"""
from __future__ import annotations

import re

import pandas as pd
from great_tables import GT, loc, style

from nnsreport import SURVEY_COLOURS
from nns_specs import TableSpec, display_value


def table_id(spec: TableSpec) -> str:
    return "tbl-" + spec.number.replace(".", "-").lower()


def _col_key(col_group: str, col: str) -> str:
    key = f"{col_group}_{col}" if col_group else col
    return re.sub(r"[^0-9A-Za-zåäöÅÄÖ_]+", "_", key).strip("_") or "c"


def wide(spec: TableSpec) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """The printed table as a frame for great_tables, and its columns as (key, group, label)."""
    c = spec.cells[spec.cells["col"] != ""].copy()
    c["text"] = [display_value(s, v) for s, v in zip(c["statistic"], c["value"])]
    layout = spec.layout
    if layout in ("categories", "yesno"):
        # n goes into the row label, as the report prints it: "samtliga (n=1629)"
        n_cells = c[(c["col"] == "n") & (c["col_group"] == "")]
        n_by_row = dict(zip(n_cells["row_order"], n_cells["value"]))
        c = c[~((c["col"] == "n") & (c["col_group"] == ""))]
    rows = c.drop_duplicates("row_order").sort_values("row_order")[["row_order", "row_group", "row", "respondent"]]
    cols = c.drop_duplicates("col_order").sort_values("col_order")[["col_order", "col_group", "col"]]
    keys = [(_col_key(g, n), g, n) for g, n in zip(cols["col_group"], cols["col"])]
    table = c.pivot_table(index="row_order", columns="col_order", values="text", aggfunc="first")
    table = table.reindex(index=rows["row_order"], columns=cols["col_order"]).fillna("")
    table.columns = [k for k, _, _ in keys]
    labels = list(rows["row"])
    if layout in ("categories", "yesno"):
        labels = [f"{lab} (n={_n_text(n_by_row.get(o))})" for lab, o in zip(labels, rows["row_order"])]
    table.insert(0, "_row", labels)
    table.insert(0, "_group", list(rows["row_group"]))
    table.insert(0, "_respondent", list(rows["respondent"]))
    return table.reset_index(drop=True), keys


def _n_text(n) -> str:
    if n in (None, "", "-", "–"):
        return n or "-"
    from nns_text import fmt_int

    return fmt_int(int(n))


def to_gt(spec: TableSpec, laid_out=None) -> GT:
    """The great_tables table for a spec (``laid_out``: a precomputed :func:`wide`)."""
    df, keys = laid_out or wide(spec)
    has_groups = df["_group"].ne("").any()
    data = df.drop(columns=["_respondent"] + ([] if has_groups else ["_group"]))
    gt = GT(data, rowname_col="_row",
            groupname_col="_group" if has_groups else None, id=table_id(spec), locale="sv")
    labels = {}
    spanners: dict[str, list[str]] = {}
    for key, group, label in keys:
        labels[key] = label
        if group:
            spanners.setdefault(group, []).append(key)
    gt = gt.cols_label(**labels)
    for group, cols in spanners.items():
        gt = gt.tab_spanner(label=group, columns=cols, id=f"sp-{_col_key('', group)}")
    if spec.stub_label:
        gt = gt.tab_stubhead(label=spec.stub_label)
    text_layout = spec.layout in ("text", "development", "plain") and any(
        len(str(v)) > 25 for k, _, _ in keys for v in df[k])
    gt = gt.cols_align(align="left" if text_layout or spec.layout in ("text", "development") else "right",
                       columns=[k for k, _, _ in keys])
    if has_groups:
        for respondent, rows in df.groupby("_respondent", sort=False):
            colour = SURVEY_COLOURS.get(respondent)
            if colour:
                groups = list(dict.fromkeys(rows["_group"]))
                gt = gt.tab_style(style=style.borders(sides="left", color=colour, weight="5px"),
                                  locations=loc.row_groups(rows=groups))
    for note in spec.footnotes:
        gt = gt.tab_source_note(note)
    gt = gt.tab_options(
        table_font_size="13px", data_row_padding="2px", row_group_padding="3px",
        heading_align="left", table_width="100%" if len(keys) > 5 else None,
        column_labels_font_weight="bold", row_group_font_weight="bold",
        source_notes_font_size="11px",
    )
    return gt


def to_html(spec: TableSpec, laid_out=None) -> str:
    """The table's HTML: a <div id=…> with its style and the table.

    great_tables leaves two CSS rules unscoped (``thead, tbody, … {border-style: none}``
    and ``tr {…}``), which would style every table on the page; they are scoped
    to this table's id here.
    """
    tid = table_id(spec)
    html = to_gt(spec, laid_out).as_raw_html()
    html = html.replace(f"#{tid} thead, tbody, tfoot, tr, td, th",
                        f"#{tid} thead, #{tid} tbody, #{tid} tfoot, #{tid} tr, #{tid} td, #{tid} th")
    html = html.replace("\n tr { background-color: transparent; }", f"\n#{tid} tr {{ background-color: transparent; }}")
    return html


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


def grid(spec: TableSpec, laid_out=None) -> dict:
    """The table's printed layout as plain data (header rows with spans, body rows, row groups).

    The same layout great_tables draws (from :func:`wide`), for outputs that are
    not HTML: the renderer builds the PDF's table from it.
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
    for _, r in df.iterrows():
        if has_groups and r["_group"] != last:
            body.append({"group": r["_group"], "respondent": r["_respondent"]})
            last = r["_group"]
        body.append({"cells": [r["_row"]] + [r[k] for k, _, _ in keys]})
    return {"ncols": len(keys) + 1, "header": header, "body": body, "footnotes": list(spec.footnotes),
            "layout": spec.layout}
