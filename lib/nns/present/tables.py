"""great_tables tables from table specifications (:class:`nns.spec.model.TableSpec`).

Declarative: the spec says what the cells are; this module only lays them
out. Every table gets a fixed ``id`` (``gt-5-1``) so that the HTML is the
same on every run. Row groups of tables N.1/N.2 carry the respondent group's
colour, the same as in the charts.
"""
from __future__ import annotations

from html import escape

import pandas as pd
from great_tables import GT, _tbl_data, loc, style

from nns.present.records import col_key, wide
from nns.spec.model import TableSpec

__all__ = ["table_id", "to_gt", "to_html", "CellFrame"]


class CellFrame(pd.DataFrame):
    """A pandas frame whose cells great_tables reads and writes through pandas' scalar access (``iat``).

    great_tables renders a table cell by cell: it reads each value from the data and writes its text into a
    frame of its own, both through ``iloc`` (some 50 µs a cell, a third of a table's time). Its backends are
    single-dispatch functions, so a frame of this type gets the same operations on the same pandas data, cell
    by cell through ``iat`` (read, write, the empty frame for the texts) and, for its two whole-frame steps
    (every cell as text; the cells without a formatted text filled), over lists where every cell is text or
    missing, else great_tables' own pandas code: the same values, the same HTML (a test compares every table
    of a report with a plain frame's), in about half the time.
    """

    @property
    def _constructor(self):
        return CellFrame

    def _constructor_from_mgr(self, mgr, axes):
        return CellFrame._from_mgr(mgr, axes=axes)


@_tbl_data._get_cell.register(CellFrame)
def _get_cell(data: CellFrame, row: int, column: str):
    return data.iat[row, data.columns.get_loc(column)]


@_tbl_data._set_cell.register(CellFrame)
def _set_cell(data: CellFrame, row: int, column: str, value) -> None:
    data.iat[row, data.columns.get_loc(column)] = value


@_tbl_data.create_empty_frame.register(CellFrame)
def _empty_frame(data: CellFrame) -> CellFrame:
    # great_tables' frame for the cells' texts: as for pandas, all missing, of string type
    return CellFrame(pd.NA, index=data.index, columns=data.columns, dtype="string")


#: great_tables' own pandas operations, for the frames the fast ones below do not cover.
_PANDAS_TO_STRING = _tbl_data.cast_frame_to_string.dispatch(pd.DataFrame)
_PANDAS_FILL_NULLS = _tbl_data.replace_null_frame.dispatch(pd.DataFrame)


def _columns(df: pd.DataFrame) -> list[list]:
    """The frame's values column by column, as Python objects (one conversion, not a Series per column)."""
    return df.to_numpy(dtype=object).T.tolist()


def _cells(df: pd.DataFrame) -> tuple[list[list], list[list]]:
    """:func:`_columns`, and whether each value is missing (pandas' ``isna``)."""
    values = df.to_numpy(dtype=object)
    return values.T.tolist(), pd.isna(values).T.tolist()


def _frame(columns: list[list], like: pd.DataFrame) -> CellFrame:
    return CellFrame(dict(enumerate(columns)), index=like.index, dtype=object).set_axis(like.columns, axis=1)


@_tbl_data.cast_frame_to_string.register(CellFrame)
def _cast_to_string(df: CellFrame) -> CellFrame:
    # every cell as text, a missing one None (great_tables' pandas backend: astype("string"), then None where
    # missing), over lists instead of three whole-frame pandas operations (a third of a table's time). Where a
    # cell is neither text nor missing (a number: great_tables turns -0.0 into 0; bytes; a date) the frame goes
    # great_tables' own way.
    values, missing = _cells(df)
    if not all(m or type(v) is str for column, gaps in zip(values, missing) for v, m in zip(column, gaps)):
        return _PANDAS_TO_STRING(df)
    return _frame([[None if m else v for v, m in zip(column, gaps)] for column, gaps in zip(values, missing)], df)


@_tbl_data.replace_null_frame.register(CellFrame)
def _fill_nulls(df: CellFrame, replacement) -> CellFrame:
    # the formatted texts, and where a cell has none, the replacement's (great_tables' pandas backend:
    # astype(object).fillna(replacement)), when both frames have the same rows and columns
    if not (isinstance(replacement, pd.DataFrame) and df.index.equals(replacement.index)
            and df.columns.equals(replacement.columns) and df.columns.is_unique):
        return _PANDAS_FILL_NULLS(df, replacement)
    (mine, missing), theirs = _cells(df), _columns(replacement)
    return _frame([[r if m else v for v, m, r in zip(column, gaps, other)]
                   for column, gaps, other in zip(mine, missing, theirs)], df)


def table_id(spec: TableSpec) -> str:
    # not "tbl-": Quarto reads ids with that prefix as its own cross-references
    return "gt-" + spec.number.replace(".", "-").lower()


def to_gt(spec: TableSpec, colours: dict[str, str], laid_out=None) -> GT:
    """The great_tables table for a spec (``laid_out``: a precomputed :func:`wide`).

    ``colours`` maps a survey id to its colour (:func:`nns.present.palette.survey_colours`).
    """
    df, keys = laid_out or wide(spec)
    has_groups = df["_group"].ne("").any()
    data = CellFrame(df.drop(columns=["_respondent"] + ([] if has_groups else ["_group"])))
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
        gt = gt.tab_spanner(label=group, columns=cols, id=f"sp-{col_key('', group)}")
    if spec.stub_label:
        gt = gt.tab_stubhead(label=spec.stub_label)
    text_layout = spec.layout in ("text", "development", "plain") and any(
        len(str(v)) > 25 for k, _, _ in keys for v in df[k])
    gt = gt.cols_align(align="left" if text_layout or spec.layout in ("text", "development") else "right",
                       columns=[k for k, _, _ in keys])
    if has_groups:
        for respondent, rows in df.groupby("_respondent", sort=False):
            colour = colours.get(respondent)
            if colour:
                groups = list(dict.fromkeys(rows["_group"]))
                gt = gt.tab_style(style=style.borders(sides="left", color=colour, weight="5px"),
                                  locations=loc.row_groups(rows=groups))
    gt = gt.tab_options(
        table_font_size="13px", data_row_padding="2px", row_group_padding="3px",
        heading_align="left", table_width="100%" if len(keys) > 5 else None,
        column_labels_font_weight="bold", row_group_font_weight="bold",
        # Quarto would rebuild the table from its HTML (dropping the classes the sticky first column and the
        # caption's styles need): `quarto render` shows it as `make report` does
        quarto_disable_processing=True,
    )
    return gt


def to_html(spec: TableSpec, colours: dict[str, str], laid_out=None) -> str:
    """The table's HTML: a scroll region (<div id=…>) with its style and the table, captioned, then its notes.

    The region is focusable and named by the caption (``role="region"``, ``tabindex="0"``,
    ``aria-labelledby``), so that a keyboard can scroll a table wider than the screen. The caption is
    the table's own ``<caption>`` (label and text), with the table's anchor as its id. The footnotes
    follow the region as paragraphs (``nns-notes``), so that they wrap at the page's width, not the table's.

    great_tables leaves two CSS rules unscoped (``thead, tbody, … {border-style: none}``
    and ``tr {…}``), which would style every table on the page; they are scoped
    to this table's id here.
    """
    tid = table_id(spec)
    html = to_gt(spec, colours, laid_out).as_raw_html()
    html = html.replace(f"#{tid} thead, tbody, tfoot, tr, td, th",
                        f"#{tid} thead, #{tid} tbody, #{tid} tfoot, #{tid} tr, #{tid} td, #{tid} th")
    html = html.replace("\n tr { background-color: transparent; }", f"\n#{tid} tr {{ background-color: transparent; }}")
    anchor = escape(spec.anchor)
    html = _once(html, f'<div id="{tid}" ',
                 f'<div id="{tid}" class="nns-scroll" role="region" tabindex="0" aria-labelledby="{anchor}" ')
    caption = f'<caption id="{anchor}"><strong>{escape(spec.label)}</strong> {escape(spec.caption)}</caption>'
    html = _once(html, '<table class="gt_table"', caption, after_tag=True)
    if spec.footnotes:
        html += '\n<div class="nns-notes">\n' + "\n".join(f"<p>{escape(n)}</p>" for n in spec.footnotes) + "\n</div>"
    return html


def _once(html: str, tag: str, new: str, after_tag: bool = False) -> str:
    """``html`` with ``tag`` (an opening tag's start, found once) replaced by ``new``, or ``new`` put after the tag."""
    if html.count(tag) != 1:   # great_tables changed its HTML: say so rather than lose the caption or region
        raise ValueError(f"great_tables' HTML has {html.count(tag)} × {tag!r}, expected one")
    if not after_tag:
        return html.replace(tag, new)
    start = html.index(tag)
    end = html.index(">", start) + 1
    return html[:end] + "\n" + new + html[end:]
