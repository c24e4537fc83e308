"""The report model: every table and chart of the report as a list of cells.

A cell is one number the report shows, in the vocabulary of figures.csv
(table, indicator, respondent, question, group, year, forbund, statistic,
value), plus where it sits in the printed table (row group, row, column group,
column). The same cells give figures.csv, tables/<table>.csv and the
great_tables table (:mod:`nns.present.tables`), so the three can never disagree.

Values are kept as figures.csv has them: whole percent for shares, whole
numbers for counts, "-" (:data:`DASH`) where there is nothing to report (no
answers, not asked, the survey not used), "–" (:data:`SUPPRESSED`) where a
figure is hidden to protect respondents (:mod:`nns.disclosure`). They print as
Swedish official statistics mark them (:func:`display_value`): "–" for nothing
to report and ".." for a figure that is not shown (SCB's "uppgift för osäker
för att anges").

Some figures are recorded but not printed in their table: the confidence
interval of a key figure, the interval of its change (:data:`UNPRINTED_STATS`).
They stand at the place of the number they qualify and go to figures.csv only;
the table may show them as a mark beside that number (↑, ↓).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import nnsreport as nr
from nns.text import fmt_int, fmt_pct, join_sv

__all__ = ["FIGURE_COLUMNS", "DISPLAY_COLUMNS", "CSV_COLUMNS", "SUPPRESSED", "DASH", "PRINTED", "PERCENT_STATS",
           "LAYOUTS", "GROUP_LABELS", "UNPRINTED_STATS", "TableSpec", "Diagram", "ChartSpec", "Cells", "display_value", "figures",
           "with_unprinted", "figure_rows"]

FIGURE_COLUMNS = ["table", "indicator", "respondent", "question", "group", "year", "forbund", "statistic", "value"]
DISPLAY_COLUMNS = ["row_group", "row", "col_group", "col", "row_order", "col_order", "mark"]
#: figures.csv: the vocabulary columns, then where the number stands in its printed table
CSV_COLUMNS = FIGURE_COLUMNS + ["row_group", "row", "col_group", "col"]
SUPPRESSED = "–"
DASH = "-"
#: How the two print: nothing to report, and not shown.
PRINTED = {DASH: "–", SUPPRESSED: ".."}

PERCENT_STATS = {"negativt", "varken", "positivt", "klart_positivt", "ja", "nej", "nyckeltal",
                 "undersokt_andel_mal", "andel_undersokt", "andel_mal", "andel_forbund", "andel",
                 "ki_lag", "ki_hog", "grans95_lag", "grans95_hog", "grans998_lag", "grans998_hog"}

#: Figures recorded beside the number they qualify (in figures.csv), not printed as numbers of their own:
#: the 95 % interval of a key figure, the interval of its change since the previous year (in percentage
#: points) with whether that change is statistically clear, (table 20) how many measures were compared, and
#: (a förbund's comparison table) the funnel's limits at its number of answers, printed there as "62–92%".
UNPRINTED_STATS = ("ki_lag", "ki_hog", "forandring_ki_lag", "forandring_ki_hog", "tydlig_forandring",
                   "jamforda_matt", "grans95_lag", "grans95_hog", "grans998_lag", "grans998_hog")


#: A gender (figures.csv's ``group``) as a column of a chart's data table.
GROUP_LABELS = {"samtliga": "Samtliga", "kvinnor": "Kvinnor", "man": "Män"}

#: How a table is laid out, by its ``layout``: the share of the text width its
#: first (label) column takes in the PDF; the other columns share the rest.
#: A layout not listed takes 0.34 with more than four columns, else 0.45.
LAYOUTS = {
    "development": 0.4, "text": 0.56, "bilaga1": 0.3, "categories": 0.4, "yesno": 0.5, "populations": 0.2,
    "keyfigures-wide": 0.19, "keyfigures": 0.28, "comparison": 0.16,
}


@dataclass(frozen=True)
class TableSpec:
    """One printed table: its number, caption, cells, layout and footnotes."""

    number: str
    caption: str
    cells: pd.DataFrame
    layout: str = "plain"
    footnotes: tuple[str, ...] = ()
    stub_label: str = ""
    label_text: str = ""
    #: the labels of rows that sum the rows above them (printed as sums: bold, a rule above)
    totals: tuple[str, ...] = ()
    #: figures recorded but not printed (:data:`UNPRINTED_STATS`), in figures.csv form
    unprinted: pd.DataFrame | None = None

    @property
    def anchor(self) -> str:
        if self.label_text:
            return self.label_text.lower().replace(" ", "-")
        return "tabell-" + self.number.replace(".", "-").lower()

    @property
    def label(self) -> str:
        if self.label_text:
            return self.label_text
        return f"Tabell {self.number}" if self.number[0].isdigit() else f"Bilaga {self.number[1:]}"

    def figures(self) -> pd.DataFrame:
        """The cells in figures.csv form (display columns dropped, empty display-only cells too)."""
        f = self.cells[self.cells["statistic"] != ""]
        return with_unprinted(f[CSV_COLUMNS], self.unprinted)

    def figure_rows(self) -> list[list]:
        """:meth:`figures` as rows (:func:`figure_rows`)."""
        return figure_rows(self.cells, self.unprinted, printed_only=True)


def display_value(statistic: str, value) -> str:
    """How a cell prints: '78 %', '(78 %)', '1 629', '–' (nothing to report), '..' (not shown) or a label.

    >>> [display_value("nyckeltal", v) for v in (78, DASH, SUPPRESSED)]
    ['78\xa0%', '–', '..']
    """
    if value in (DASH, SUPPRESSED, "", None):
        return "" if value is None else PRINTED.get(value, str(value))
    if statistic == "klart_positivt":
        return f"({fmt_pct(value)})"
    if statistic in PERCENT_STATS:
        return fmt_pct(value)
    if statistic == "utveckling":
        return nr.UTVECKLING_LABELS.get(value, value)
    if statistic == "bedomning":
        return nr.BEDOMNING_LABELS.get(value, value)
    if statistic == "overspridning":
        return str(value).replace(".", ",")
    if statistic in ("nytt_forbund",):
        return "*"
    try:
        return fmt_int(int(value))
    except (TypeError, ValueError):
        return str(value)


class Cells:
    """Collects the cells of one table in print order."""

    def __init__(self, table: str, indicator="", forbund=""):
        self.table = table
        self.indicator = "" if indicator in (None, "") else str(indicator)
        self.forbund = forbund
        self.rows: list[dict] = []
        self.extra: list[dict] = []
        self._row_order: dict[tuple, int] = {}
        self._col_order: dict[tuple, int] = {}

    def add(self, *, row_group="", row, col_group="", col, statistic, value,
            respondent="", question="", group="", year="", forbund=None, row_key=None, mark=""):
        """One printed cell; ``mark`` is printed after its value (a sign such as ↑), never in figures.csv."""
        rk = (row_group, row, row_key)
        ck = (col_group, col)
        self._row_order.setdefault(rk, len(self._row_order))
        self._col_order.setdefault(ck, len(self._col_order))
        self.rows.append({
            "table": self.table, "indicator": self.indicator, "respondent": respondent,
            "question": "" if question in (None, "") else str(question), "group": group,
            "year": "" if year in (None, "") else str(year),
            "forbund": self.forbund if forbund is None else forbund,
            "statistic": statistic, "value": "" if value is None else str(value),
            "row_group": row_group, "row": row, "col_group": col_group, "col": col,
            "row_order": self._row_order[rk], "col_order": self._col_order[ck], "mark": mark,
        })

    def qualify(self, statistic: str, value) -> None:
        """A figure that qualifies the cell added last (its interval, its change), recorded but not printed."""
        last = self.rows[-1]
        self.extra.append({**{k: last[k] for k in CSV_COLUMNS}, "statistic": statistic,
                           "value": "" if value is None else str(value)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=FIGURE_COLUMNS + DISPLAY_COLUMNS)

    def unprinted(self) -> pd.DataFrame:
        """The figures recorded with :meth:`qualify`, in figures.csv form."""
        return pd.DataFrame(self.extra, columns=CSV_COLUMNS)


def with_unprinted(printed: pd.DataFrame, unprinted: pd.DataFrame | None) -> pd.DataFrame:
    """The printed figures followed by the unprinted ones (each after the figure it qualifies).

    Figures are grouped by where they stand (every column but the statistic and its value), in the order each
    place first occurs; within a place they keep their order. Done on lists: a report has some 60 tables and
    charts, and pandas' concat, group and sort cost 7 ms each for a few dozen rows.
    """
    if unprinted is None or unprinted.empty:
        return printed.reset_index(drop=True)
    return pd.DataFrame(_placed(_rows(printed), _rows(unprinted)), columns=CSV_COLUMNS)


#: Where a figure stands: every figures.csv column but its statistic and value.
_PLACE = [CSV_COLUMNS.index(c) for c in CSV_COLUMNS if c not in ("statistic", "value")]
_STATISTIC = CSV_COLUMNS.index("statistic")


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """The frame's figures.csv columns as rows of Python values (numpy's numbers as Python's)."""
    columns = [[v.item() if isinstance(v, np.generic) else v for v in frame[c].tolist()] for c in CSV_COLUMNS]
    return list(zip(*columns))


def _placed(printed: list[tuple], unprinted: list[tuple]) -> list[tuple]:
    """:func:`with_unprinted`'s order, on rows."""
    places: dict[tuple, list] = {}
    for row in printed + unprinted:
        places.setdefault(tuple(row[i] for i in _PLACE), []).append(row)
    return [row for rows in places.values() for row in rows]


def figure_rows(cells: pd.DataFrame, unprinted: pd.DataFrame | None = None, printed_only: bool = False) -> list[list]:
    """A table's or diagram's figures as rows of Python values, as its ``figures().to_dict(orient="split")``
    gives them (what its output records), without the frames between: the cells (``printed_only``: those with a
    statistic) with the ``unprinted`` figures placed as :func:`with_unprinted` places them. A report records
    some 60 tables and diagrams, and the frames cost 2–3 ms each (tests/unit/test_parts.py compares the two)."""
    rows = _rows(cells)
    if printed_only:
        rows = [row for row in rows if row[_STATISTIC] != ""]
    if unprinted is not None and not unprinted.empty:
        rows = _placed(rows, _rows(unprinted))
    return [list(row) for row in rows]



class Diagram:
    """What names a diagram, whatever draws it (a chart, a funnel plot, a förbund's place in the funnels):
    its label and its anchor, from its ``number``."""

    number: str

    @property
    def anchor(self) -> str:
        return "diagram-" + self.number.replace(".", "-").lower()

    @property
    def label(self) -> str:
        return f"Diagram {self.number}"


@dataclass(frozen=True)
class ChartSpec(Diagram):
    """One diagram: its number, caption, the plotted points (as cells) and how to draw them."""

    number: str
    caption: str
    kind: str                 # "line" | "bars"
    cells: pd.DataFrame       # FIGURE_COLUMNS + series, survey, order
    y_label: str
    note: str = ""
    #: figures recorded but not drawn as points of their own (:data:`UNPRINTED_STATS`; the charts draw the
    #: intervals as bands or whiskers), in figures.csv form
    unprinted: pd.DataFrame | None = None

    def figures(self) -> pd.DataFrame:
        return with_unprinted(self.cells[CSV_COLUMNS], self.unprinted)

    def figure_rows(self) -> list[list]:
        """:meth:`figures` as rows (:func:`figure_rows`)."""
        return figure_rows(self.cells, self.unprinted)

    def alt_text(self) -> str:
        """A text version of the chart for screen readers."""
        c = self.cells[self.cells["value"].map(lambda v: str(v).isdigit())]
        if self.kind == "bars":
            parts = [f"{s} {v}\u00a0%" for s, v in zip(c["series"], c["value"])]
            return f"Stapeldiagram. {self.y_label}: " + join_sv(parts) + "."
        parts = []
        for series, rows in c.groupby("series", sort=False):
            rows = rows.sort_values("year")
            pts = ", ".join(f"{y}: {v}\u00a0%" for y, v in zip(rows["year"], rows["value"]))
            parts.append(f"{series} ({pts})")
        return f"Linjediagram. {self.y_label} per år. " + "; ".join(parts) + "."

    def data_table(self) -> TableSpec:
        """The chart's numbers as a table, for readers who cannot read the chart: one row per line (series)
        and one column per year, or for bars one row per bar group and one column per gender; every value as
        printed in tables (".." not shown, "–" nothing to report). Numbered ``D<number>`` as the chart's rows in figures.csv.

        >>> cells = Cells("D1")
        >>> cells.add(row="Avslut", col="2021", statistic="nyckeltal", value=75)
        >>> cells.add(row="Avslut", col="2022", statistic="nyckeltal", value="–")
        >>> t = ChartSpec("1", "Indikator 1.", "line", cells.frame(), "Nyckeltal").data_table()
        >>> t.number, t.label, t.caption, list(t.cells["col"])
        ('D1', 'Diagram 1 i siffror', 'Nyckeltal per år.', ['2021', '2022'])
        """
        cells = self.cells[DISPLAY_COLUMNS + ["statistic", "value", "respondent"]].copy()
        if self.kind == "bars":
            cells["col"] = cells["col"].map(lambda c: GROUP_LABELS.get(c, c))
        per = "" if self.kind == "bars" else " per år"
        return TableSpec(f"D{self.number}", f"{self.y_label}{per}.", cells, label_text=f"{self.label} i siffror")



def figures(specs: list) -> pd.DataFrame:
    """figures.csv: every number of the given tables and charts, one row each."""
    frames = [s.figures() for s in specs]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CSV_COLUMNS)
