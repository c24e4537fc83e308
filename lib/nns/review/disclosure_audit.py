"""The disclosure auditor: what can a reader who has every published output recover?

Reads the ``figures.csv`` of a set of output folders (the national report, local reports, comparison
outputs — everything published for a year), rebuilds the linked tables of :mod:`nns.disclosure` from the
printed figures alone (a percentage of a known number of answers gives the count when only one count prints
as that percentage), and tries to recover every hidden or never-printed cell:

* by linear differencing: a cell that lies on no cycle of unknown cells in its table is determined by the
  rows' and columns' sums (:func:`nns.disclosure.derive`), and tables of one survey are linked where everyone
  answered a question;
* by sums: the unknown cells of a row or column add up to a known number;
* by bounds: a förbund's respondents in a group are at least the answers in that group to any question, so
  the respondents of the other groups can be bounded from above.

A count of 1 to ``min_answers`` − 1 answers that is printed, derivable, or bounded to fewer than
``min_answers`` is a leak. The auditor uses no data but the outputs and the instrument (which groups a
survey has, how questions were numbered).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import nnsreport as nr
from nns.config import RIKET
from nns.disclosure import ALL, QUESTION, RESPONSES, Cell, LinkedTable, derive_linked, leaks
from nns.errors import NNSError
from nns.spec.model import DASH, SUPPRESSED

__all__ = ["Recovered", "audit_outputs", "read_outputs"]

CATEGORY_STATS = ("negativt", "varken", "positivt", "klart_positivt", "ja", "nej")
#: The row of every förbund that no given output shows (when the national Bilaga 1 is not among them).
OTHERS = "(förbund utan rapport bland de granskade)"


@dataclass(frozen=True)
class Recovered:
    """A small count a reader can recover from the published outputs."""

    year: int
    survey: str
    table: str            # a question id, or the survey id (respondents)
    statistic: str        # "n" (answers or respondents) or a category
    cells: tuple[Cell, ...]
    value: int
    how: str              # "visad", "cell", "summa", "gräns"

    def __str__(self) -> str:
        where = " + ".join(f"{r or 'riket'}/{c}" for r, c in self.cells)
        what = "svarande" if self.table == self.survey else f"fråga {self.table}"
        how = {"visad": "visas", "cell": "kan räknas fram", "summa": "summan kan räknas fram",
               "gräns": "kan avgränsas till färre än gränsen"}[self.how]
        stat = "antal" if self.statistic == "n" else self.statistic
        return f"{self.year} {what}: {where}, {stat} = {self.value} ({how})"


def _report_year(folder: Path, figures: pd.DataFrame) -> int:
    manifest = folder / "manifest.json"
    if manifest.exists():
        return int(json.loads(manifest.read_text(encoding="utf-8"))["report"]["year"])
    years = [int(y) for y in figures["year"] if str(y).isdigit()]
    if not years:
        raise NNSError("figures.csv har inga år; kan inte avgöra rapportåret.", where=str(folder))
    return max(years)


def read_outputs(folders: list[Path]) -> pd.DataFrame:
    """Every printed figure of the folders, with the report year of each (duplicates across outputs dropped)."""
    frames = []
    for folder in folders:
        path = Path(folder) / "figures.csv"
        if not path.exists():
            raise NNSError("figures.csv saknas; ange mappar med renderade rapporter.", where=str(folder))
        f = pd.read_csv(path, dtype=str, keep_default_na=False)
        f["report_year"] = _report_year(Path(folder), f)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    cols = ["table", "respondent", "question", "group", "year", "forbund", "statistic", "value", "report_year"]
    return out[cols].drop_duplicates().reset_index(drop=True)


def _count(p: int, n: int) -> int | None:
    """The count that prints as ``p`` percent of ``n``, when only one does."""
    lo, hi = nr.percent_interval(p, n)
    return lo if lo == hi else None


class _Tables:
    """The reconstructed linked tables: per (year, survey), known values per table and statistic."""

    def __init__(self, instrument):
        self.ins = instrument
        self.rows: dict[tuple[int, str], set[str]] = {}
        self.known: dict[tuple, dict[tuple, dict[Cell, int]]] = {}     # (year, survey, stat) -> table key -> cells
        self.hidden: dict[tuple, set[tuple]] = {}                        # (year, survey) -> {(table key, cell)}

    def put(self, year: int, survey: str, stat: str, key: tuple, cell: Cell, value: int) -> None:
        self.rows.setdefault((year, survey), set()).add(cell[0])
        self.known.setdefault((year, survey, stat), {}).setdefault(key, {})[cell] = value

    def hide(self, year: int, survey: str, key: tuple, cell: Cell) -> None:
        self.rows.setdefault((year, survey), set()).add(cell[0])
        self.hidden.setdefault((year, survey), set()).add((key, cell))


def _question_id(ins, survey: str, number: str, report_year: int) -> str | None:
    q = ins.question_by_number(survey, report_year, int(number)) if number.isdigit() else None
    return q.id if q else None


def _collect(figures: pd.DataFrame, instrument) -> _Tables:
    t = _Tables(instrument)
    n_of: dict[tuple, int] = {}
    pending = []
    for r in figures.itertuples(index=False):
        if not r.respondent or not str(r.year).isdigit():
            continue
        year, survey = int(r.year), r.respondent
        try:
            instrument.survey(survey)
        except KeyError:
            continue
        row = r.forbund or RIKET
        col = r.group if r.group and r.group != nr.ALL else ALL
        if r.question:
            qid = _question_id(instrument, survey, r.question, int(r.report_year))
            if qid is None:
                continue
            key = (QUESTION, qid)
        elif r.statistic == "antal_svar":
            key = (RESPONSES, survey)
        else:
            continue
        if r.value == SUPPRESSED:
            t.hide(year, survey, key, (row, col))
            continue
        if r.value == DASH and r.statistic in ("n", "antal_svar"):
            v = 0   # "-": no answers (or the survey was not used)
        elif r.value.lstrip("-").isdigit():
            v = int(r.value)
        else:
            continue
        if r.statistic in ("n", "antal_svar"):
            t.put(year, survey, "n", key, (row, col), v)
            n_of[(year, key, row, col)] = v
        elif r.statistic in CATEGORY_STATS or r.statistic == "nyckeltal":
            pending.append((year, survey, key, row, col, r.statistic, v))
    for year, survey, key, row, col, stat, p in pending:
        n = n_of.get((year, key, row, col))
        if not n:
            continue
        if stat == "nyckeltal":
            stat = instrument.key_figure_kind(key[1], year)
        count = _count(p, n)
        if count is not None:
            t.put(year, survey, stat, key, (row, col), count)
    return t


def _linked(ins, year: int, survey: str, rows: set[str], keys: set[tuple]) -> list[LinkedTable]:
    s = ins.survey(survey)
    bg = ins.backgrounds.get(s.background) if s.background else None
    groups = tuple(g.id for g in bg.groups) if bg else (nr.NO_GROUP,)
    ordered = tuple(sorted((r for r in rows if r != RIKET), key=nr.swedish_sort_key)) + (RIKET,)
    shown = frozenset(g.id for g in bg.shown_groups) if bg else frozenset()
    out = []
    for kind, key_id in sorted(keys):
        out.append(LinkedTable(kind, key_id, survey, ordered, groups,
                               shown if kind == QUESTION else frozenset(groups) if bg else frozenset(), {}))
    return out


def _bounds(ins, tables_n: list[LinkedTable], known: dict[tuple, dict[Cell, int]], min_answers: int,
            year: int, survey: str) -> list[Recovered]:
    """Respondents bounded from above by the answers of the other groups (nobody answers without responding)."""
    resp = next((tb for tb in tables_n if tb.kind == RESPONSES), None)
    if resp is None or resp.groups == (nr.NO_GROUP,):
        return []
    rk = known.get(resp.key, {})
    out = []
    for r in resp.rows:
        total = rk.get((r, ALL))
        if total is None:
            continue
        lower = {}
        for g in resp.groups:
            if (r, g) in rk:
                lower[g] = rk[(r, g)]
            else:
                answers = [known[tb.key][(r, g)] for tb in tables_n
                           if tb.kind == QUESTION and (r, g) in known[tb.key]]
                lower[g] = max(answers, default=0)
        for g in resp.groups:
            if (r, g) in rk:
                continue
            upper = total - sum(v for h, v in lower.items() if h != g)
            if 0 < upper < min(min_answers, total):   # below the (public) number of respondents
                out.append(Recovered(year, survey, survey, "n", ((r, g),), upper, "gräns"))
    return out


def audit_outputs(folders: list[Path], instrument, min_answers: int) -> list[Recovered]:
    """Every small count that a reader of all ``folders`` together can see or recover."""
    figures = read_outputs(folders)
    t = _collect(figures, instrument)
    found: list[Recovered] = []
    complete_years = {int(y) for y in figures.loc[figures["table"] == "B1", "year"] if str(y).isdigit()}
    for (year, survey), rows in sorted(t.rows.items()):
        if year not in complete_years:
            rows = rows | {OTHERS}   # without Bilaga 1 the förbund not in the outputs are unknown: one row for all
        keys = set(t.known.get((year, survey, "n"), {})) | {k for k, _ in t.hidden.get((year, survey), set())}
        tables = _linked(instrument, year, survey, rows, keys)
        known_n = {tb.key: dict(t.known.get((year, survey, "n"), {}).get(tb.key, {})) for tb in tables}
        none = {r for r in rows if known_n.get((RESPONSES, survey), {}).get((r, ALL)) == 0}
        for tb in tables:   # no respondents: no answers either
            known_n[tb.key].update({c: 0 for c in tb.cells() if c[0] in none})
        published = {k: set(v) for k, v in known_n.items()}
        for leak in leaks(tables, known_n, min_answers, published=published):
            found.append(Recovered(year, survey, leak.table[1], "n", leak.cells, leak.value, leak.kind))
        found += _bounds(instrument, tables, known_n, min_answers, year, survey)
        for stat in CATEGORY_STATS:
            known_c = t.known.get((year, survey, stat))
            if not known_c:
                continue
            qtables = [tb for tb in tables if tb.kind == QUESTION]
            k = {tb.key: dict(known_c.get(tb.key, {})) for tb in qtables}
            derived = derive_linked(qtables, k)
            for key, cells in derived.items():
                for cell, v in cells.items():
                    n = known_n.get(key, {}).get(cell)
                    if n is not None and 0 < n < min_answers:
                        found.append(Recovered(year, survey, key[1], stat, (cell,), v, "cell"))
    return sorted(set(found), key=lambda x: (x.year, x.survey, x.table, x.statistic, x.cells))
