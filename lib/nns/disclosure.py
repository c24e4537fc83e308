"""Disclosure control over the linked set of a year's published outputs (the method: docs/disclosure.md).

Every figure the reports show for a year and a survey is a cell of one of these *linked tables*:

* one table per question: rows are the förbund with answers to the survey, and *riket* (the column sums);
  columns are the groups of the survey's background variable (kvinnor, män, ej angett; the employers; or the one
  group ``ingen``) and *samtliga* (the row sums). A cell is the number who answered, with its categories.
* one table of respondents per survey: the same rows and columns, counting responses.

A förbund's report shows its own row and the riket row; the national report shows the riket row; the
comparison outputs show samtliga of every row. Some columns are never shown (ej angett, another employer: a
*never-published* group). Together they form one set of tables with margins, and a reader who has every output
can subtract.

The rule: no count computed from 1 to ``min_answers`` − 1 answers may be shown or derivable exactly by adding or
subtracting shown figures. It is applied as statistics offices apply cell suppression:

1. **primary suppression**: a cell with 1 to ``min_answers`` − 1 answers is hidden, and a förbund's group split
   is hidden in a table where one of its groups (shown or not) has so few;
2. **complementary suppression**: while a hidden or never-published cell can still be derived (it lies on no
   cycle of unknown cells: a *bridge*, see :func:`derive`) and is small, or the derivable sum of the unknown
   cells of a row or column is small, more cells are hidden: the cheapest rectangle of cells that puts the
   small cell on a cycle (the hypercube method, in two dimensions), costed by the answers hidden, national
   figures a hundredfold;
3. a förbund's split or its whole question, and the nation's cells, are hidden as units, the same in every
   output, decided from the year's data alone (so reports of later years show earlier years the same way).

:func:`derive` is also the engine of the disclosure auditor (:mod:`nns.review.disclosure_audit`), which
reconstructs the tables from published figures and lists everything it can recover.
"""
from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import nnsreport as nr
from nns.config import RIKET
from nns.errors import NNSError
from nns.fsio import write_atomic

__all__ = ["Cell", "LinkedTable", "Leak", "derive", "derive_linked", "leaks", "suppression", "Suppression",
           "linked_tables", "suppression_key", "QUESTION", "RESPONSES", "NATIONAL_WEIGHT"]

ALL = nr.ALL
#: Table kinds: answers to one question, or respondents to one survey.
QUESTION, RESPONSES = "fraga", "svar"
#: How much more a national figure costs to hide than a förbund's, per answer hidden.
NATIONAL_WEIGHT = 100

Cell = tuple[str, str]   # (row: a förbund or RIKET, column: a group or ALL)


@dataclass(frozen=True, eq=False)
class LinkedTable:
    """One table of the linked set: rows (förbund, then RIKET) × columns (groups, then ALL), with margins."""

    kind: str                          # QUESTION or RESPONSES
    id: str                            # the question id, or the survey id
    survey: str
    rows: tuple[str, ...]              # the förbund with data, then RIKET
    groups: tuple[str, ...]            # every group of the survey (nr.NO_GROUP without background variable)
    shown: frozenset[str]              # the groups a report may show in this table
    values: Mapping[Cell, int] = field(repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.groups + (ALL,)

    def cells(self) -> list[Cell]:
        return [(r, c) for r in self.rows for c in self.columns]

    def publishable(self, cell: Cell) -> bool:
        """Can a report show this cell at all (never: a group that is not shown)?"""
        return cell[1] == ALL or cell[1] in self.shown

    def fixed(self, cell: Cell) -> bool:
        """Always shown: the number of respondents of a förbund or the nation (the sample size)."""
        return self.kind == RESPONSES and cell[1] == ALL

    def sensitive(self, cell: Cell, value: int, min_answers: int) -> bool:
        """A count from 1 to min_answers − 1 answers that must be neither shown nor derivable.

        The respondents of a survey without background variable are its sample size (always shown).
        """
        if not 0 < value < min_answers or self.fixed(cell):
            return False
        return not (self.kind == RESPONSES and self.groups == (nr.NO_GROUP,))


# ---------------------------------------------------------------------------
# What a reader can derive: a table with margins as a graph
# ---------------------------------------------------------------------------

def _sign(cell: Cell) -> int:
    """Signs that turn every row and column of the table (margins included) into a sum of zero."""
    return (-1 if cell[0] == RIKET else 1) * (-1 if cell[1] == ALL else 1)


def _reference_derive(unknown: Iterable[Cell], known: Mapping[Cell, int]) -> dict[Cell, int]:
    """:func:`derive` with networkx: each bridge removed in turn and the component on its row side summed.

    Quadratic in the cells; kept as the oracle :func:`derive` is tested against
    (tests/unit/test_disclosure.py), not used to publish.
    """
    import networkx as nx  # noqa: PLC0415 (the oracle only: 0.1 s of every kernel's start otherwise)

    g = nx.Graph()
    for r, c in unknown:
        g.add_edge(("r", r), ("c", c), cell=(r, c))
    constant = _constants(known)
    out = {}
    for u, v in nx.bridges(g):
        cell = g.edges[u, v]["cell"]
        row_end = u if u[0] == "r" else v
        g.remove_edge(u, v)
        side = nx.node_connected_component(g, row_end)
        g.add_edge(u, v, cell=cell)
        w = sum(constant.get(n, 0) * (1 if n[0] == "r" else -1) for n in side)
        out[cell] = w * _sign(cell)
    return out


def _constants(known: Mapping[Cell, int]) -> dict[tuple, int]:
    """Each row's and column's known part, signed so that a row or column sums to zero (see :func:`_sign`)."""
    constant: dict[tuple, int] = {}
    for (r, c), v in known.items():
        w = _sign((r, c)) * v
        constant[("r", r)] = constant.get(("r", r), 0) - w
        constant[("c", c)] = constant.get(("c", c), 0) - w
    return constant


def derive(table: LinkedTable, known: Mapping[Cell, int], unknown: set[Cell]) -> dict[Cell, int]:
    """The unknown cells whose values the known cells determine, with their values.

    In a table whose rows and columns sum to their margins, the unknown cells form a graph (rows and
    columns are nodes, a cell is an edge). A cell is determined exactly when it lies on no cycle of unknown
    cells — when it is a bridge — and its value is then the sum of the known constraints on one side.

    One depth-first search per component finds the bridges (Tarjan's low points) and, on the way back, the
    sum of every subtree; the side of a bridge away from the search's root is its child's subtree. This runs
    some 1 700 times per year's suppression, so it is linear in the cells; networkx's bridges with a component
    search per bridge (:func:`_reference_derive`, the tests' oracle) took 1.9 s of every report's build.

    >>> t = LinkedTable(QUESTION, "q", "s", ("A", "B", RIKET), ("k", "m"), frozenset({"k", "m"}),
    ...                 {("A", "k"): 3, ("A", "m"): 7, ("A", ALL): 10, ("B", "k"): 6, ("B", "m"): 8,
    ...                  ("B", ALL): 14, (RIKET, "k"): 9, (RIKET, "m"): 15, (RIKET, ALL): 24})
    >>> known = {c: v for c, v in t.values.items() if c != ("A", "k")}
    >>> derive(t, known, {("A", "k")})              # A's women: 10 - 7
    {('A', 'k'): 3}
    >>> hidden = {("A", "k"), ("A", "m"), ("B", "k"), ("B", "m")}
    >>> derive(t, {c: v for c, v in t.values.items() if c not in hidden}, hidden)   # a cycle: nothing
    {}
    """
    if not unknown:
        return {}
    constant = _constants(known)
    adj: dict[tuple, list[tuple[tuple, Cell]]] = {}
    for r, c in sorted(unknown):
        adj.setdefault(("r", r), []).append((("c", c), (r, c)))
        adj.setdefault(("c", c), []).append((("r", r), (r, c)))
    order: dict[tuple, int] = {}
    low: dict[tuple, int] = {}
    below: dict[tuple, int] = {}     # the signed constants of a node's subtree
    out: dict[Cell, int] = {}
    for root in adj:
        if root in order:
            continue
        bridges: list[tuple[tuple, Cell]] = []          # (child, cell) of every bridge
        order[root] = low[root] = len(order)
        stack = [(root, None, iter(adj[root]))]
        while stack:
            node, via, edges = stack[-1]
            for nxt, cell in edges:
                if cell == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, cell, iter(adj[nxt])))
                    break
            else:
                stack.pop()
                below[node] = below.get(node, 0) + constant.get(node, 0) * (1 if node[0] == "r" else -1)
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    below[parent] = below.get(parent, 0) + below[node]
                    if low[node] > order[parent]:
                        bridges.append((node, via))
        total = below[root]
        for child, cell in bridges:
            w = below[child] if child[0] == "r" else total - below[child]
            out[cell] = w * _sign(cell)
    return out


def derive_linked(tables: list[LinkedTable], known: dict[tuple, dict[Cell, int]]) -> dict[tuple, dict[Cell, int]]:
    """Everything a reader can derive from the known cells of linked tables (one survey and year).

    Each table is solved on its own (:func:`derive`); a table of respondents and a table of a question are
    also linked: where a row's samtliga is known in both and equal (everyone answered the question), its
    groups are equal in both. Derived values feed the other tables until nothing more follows.
    ``known`` maps a table's key to its known cells (changed in place: derived cells are added).
    Returns what was derived, per table.
    """
    derived: dict[tuple, dict[Cell, int]] = {t.key: {} for t in tables}
    responses = next((t for t in tables if t.kind == RESPONSES), None)
    changed = True
    while changed:
        changed = False
        for t in tables:
            k = known[t.key]
            new = derive(t, k, {c for c in t.cells() if c not in k})
            if new:
                k.update(new)
                derived[t.key].update(new)
                changed = True
        if responses is None:
            continue
        rk = known[responses.key]
        for t in tables:
            if t is responses:
                continue
            k = known[t.key]
            for r in t.rows:
                if (r, ALL) in k and (r, ALL) in rk and k[(r, ALL)] == rk[(r, ALL)]:
                    for g in t.groups:
                        for a, b in ((k, rk), (rk, k)):
                            if (r, g) in a and (r, g) not in b:
                                b[(r, g)] = a[(r, g)]
                                derived[t.key if b is k else responses.key][(r, g)] = a[(r, g)]
                                changed = True
    return derived


# ---------------------------------------------------------------------------
# Leaks: what a reader must not be able to derive
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Leak:
    """A count from 1 to min_answers − 1 answers that is shown or derivable."""

    table: tuple[str, str]
    cells: tuple[Cell, ...]            # one cell, or the unknown cells of a row or column whose sum is derivable
    value: int
    kind: str                          # "visad" (shown), "cell" (derivable), "summa" (derivable sum)

    def describe(self) -> str:
        where = ", ".join(f"{r or 'riket'}/{c}" for r, c in self.cells)
        what = {"visad": "visas", "cell": "kan räknas fram", "summa": "summan kan räknas fram"}[self.kind]
        return f"{self.table[0]} {self.table[1]}: {where} = {self.value} ({what})"


def node_sums(table: LinkedTable, known: Mapping[Cell, int]) -> list[tuple[tuple[Cell, ...], int]]:
    """Rows and columns whose unknown cells all count the same way: their sum is derivable.

    (In a column of förbund cells whose riket cell is known, the hidden cells add up to riket minus the
    shown ones; a margin among the unknown cells makes the sum a difference, which is no count.)
    """
    out = []
    lines = [[(r, c) for c in table.columns] for r in table.rows] + \
            [[(r, c) for r in table.rows] for c in table.columns]
    for line in lines:
        unknown = [c for c in line if c not in known]
        signs = {_sign(c) for c in unknown}
        if len(unknown) < 2 or len(signs) != 1:
            continue   # one unknown cell is a bridge (derive() has it)
        s = signs.pop()
        out.append((tuple(unknown), -s * sum(_sign(c) * known[c] for c in line if c in known)))
    return out


def leaks(tables: list[LinkedTable], known: dict[tuple, dict[Cell, int]], min_answers: int,
          published: Mapping[tuple, Iterable[Cell]] | None = None) -> list[Leak]:
    """Every count of 1 to ``min_answers`` − 1 answers that is shown or derivable from ``known``.

    ``known`` is what the reader sees, per table (it is completed with what can be derived);
    ``published`` the cells actually shown (default: all known ones).
    """
    out: list[Leak] = []
    shown = {t.key: set(published[t.key]) if published else set(known[t.key]) for t in tables}
    derived = derive_linked(tables, known)
    for t in tables:
        k = known[t.key]
        for cell in sorted(shown[t.key]):
            v = k.get(cell)
            if v is not None and t.sensitive(cell, v, min_answers):
                out.append(Leak(t.key, (cell,), v, "visad"))
        for cell, v in sorted(derived[t.key].items()):
            if t.sensitive(cell, v, min_answers):
                out.append(Leak(t.key, (cell,), v, "cell"))
        for cells, v in node_sums(t, k):
            # the rest of a row's respondents, when the other groups are known to be none: its sample size
            row = cells[0][0]
            whole_sample = t.kind == RESPONSES and all(c[0] == row for c in cells) and v == k.get((row, ALL))
            if 0 < v < min_answers and not whole_sample:
                out.append(Leak(t.key, cells, v, "summa"))
    return out


# ---------------------------------------------------------------------------
# Suppression: what the reports hide
# ---------------------------------------------------------------------------

@dataclass
class Suppression:
    """The hidden cells of a year's linked tables, per table key."""

    hidden: dict[tuple, set[Cell]]

    def shows(self, key: tuple[str, str], row: str, column: str) -> bool:
        return (row, column) not in self.hidden.get(key, ())


def _unit(table: LinkedTable, cell: Cell) -> set[Cell]:
    """The cells hidden together with ``cell``: a förbund's whole split, its whole question, or one national cell."""
    r, c = cell
    if r == RIKET:
        return {cell}
    split = {(r, g) for g in table.groups if g in table.shown}
    return split | {(r, ALL)} if c == ALL else split


def _primary(table: LinkedTable, min_answers: int) -> set[Cell]:
    """Cells with too few answers, and the förbund splits that hold a group with too few (shown or not)."""
    hidden: set[Cell] = set()
    for cell, v in table.values.items():
        if not table.sensitive(cell, v, min_answers):
            continue
        r, c = cell
        if r != RIKET and c != ALL:
            hidden |= _unit(table, (r, table.groups[0]))     # the förbund's split
        elif table.publishable(cell):
            hidden |= _unit(table, cell)
    return {c for c in hidden if table.publishable(c) and not table.fixed(c)}


def _tie_splits(tables: list[LinkedTable], hidden: dict[tuple, set[Cell]]) -> None:
    """A förbund's split of respondents hidden: hidden in every question of the survey too; and a split hidden
    in a question everyone answered: hidden among the respondents too.

    A question's groups bound the respondents' groups (nobody answers without responding): showing women
    11 and men 10 beside 24 respondents tells that at most 3 did not state their gender. And where a row's
    answers to a question equal its respondents, a reader knows the two splits are equal.
    """
    responses = next((t for t in tables if t.kind == RESPONSES), None)
    if responses is None:
        return
    for r in responses.rows:
        if r != RIKET and any((r, g) in hidden[responses.key] for g in responses.groups):
            for t in tables:
                if t is not responses:
                    hidden[t.key] |= _unit(t, (r, t.groups[0]))
    for t in tables:
        if t is responses:
            continue
        for r in t.rows:
            if t.values[(r, ALL)] != responses.values[(r, ALL)]:
                continue
            for g in t.groups:
                pair = ((t, (r, g)), (responses, (r, g)))
                if any(c in hidden[x.key] for x, c in pair):
                    for x, c in pair:
                        if x.publishable(c) and not x.fixed(c) and c not in hidden[x.key]:
                            hidden[x.key] |= _unit(x, c) if r != RIKET else {c}


def _known(table: LinkedTable, hidden: set[Cell]) -> dict[Cell, int]:
    return {c: v for c, v in table.values.items() if table.publishable(c) and c not in hidden}


def _cost(table: LinkedTable, cells: set[Cell]) -> float:
    return sum(table.values.get(c, 0) * (NATIONAL_WEIGHT if c[0] == RIKET else 1) + 0.001 for c in cells)


def _repair(table: LinkedTable, hidden: set[Cell], leak: Leak, min_answers: int) -> set[Cell]:
    """The cheapest set of cells to hide that protects ``leak`` (a derivable cell or sum) in ``table``."""
    unknown = {c for c in table.cells() if c in hidden or not table.publishable(c)}

    def can_hide(c: Cell) -> bool:
        return table.publishable(c) and not table.fixed(c)

    best: tuple | None = None
    if leak.kind == "summa":
        # hide one more unit (a förbund's split or question, or a national cell) so that the row's or
        # column's unknown cells are no longer a small derivable sum: tried one by one on this table
        units = {frozenset(_unit(table, c)) for c in table.cells() if c not in unknown and can_hide(c)}
        for unit in sorted(units, key=lambda u: sorted(u)):
            new = set(unit) - hidden
            trial = hidden | new
            still = [x for x in leaks([table], {table.key: _known(table, trial)}, min_answers)
                     if x.kind != "visad" and set(x.cells) & set(leak.cells)]
            if still:
                continue
            key = (_cost(table, new), sorted(unit))
            if best is None or key < best[0]:
                best = (key, new)
    else:
        # a rectangle of unknown cells through the leak puts it on a cycle (the hypercube method)
        (r, c), = leak.cells
        for r2 in table.rows:
            for c2 in table.columns:
                if r2 == r or c2 == c:
                    continue
                corners = [x for x in ((r, c2), (r2, c), (r2, c2)) if x not in unknown]
                if not all(can_hide(x) for x in corners):
                    continue
                new = set().union(*(_unit(table, x) for x in corners)) - hidden if corners else set()
                key = (_cost(table, new), table.rows.index(r2), table.columns.index(c2))
                if best is None or key < best[0]:
                    best = (key, new)
    return best[1] if best else set()


def suppression_of(tables: list[LinkedTable], min_answers: int, linked: bool = True) -> dict[tuple, set[Cell]]:
    """The hidden cells of one survey's linked tables (one year).

    ``linked`` False gives primary suppression only (each report on its own, as before 2026): for the
    disclosure auditor's tests, never for publishing.
    """
    hidden = {t.key: _primary(t, min_answers) for t in tables}
    if not linked:
        return hidden
    by_key = {t.key: t for t in tables}
    _tie_splits(tables, hidden)
    for _ in range(10_000):
        known = {t.key: _known(t, hidden[t.key]) for t in tables}
        found = leaks(tables, known, min_answers, published={t.key: _known(t, hidden[t.key]) for t in tables})
        if not found:
            return hidden
        # a leak is repaired in the table where it is derived: one derived only through a link to another
        # table (everyone answered the question) lies on a cycle here, and is repaired where it comes from
        for leak in found:
            new = _repair(by_key[leak.table], hidden[leak.table], leak, min_answers)
            if new:
                hidden[leak.table] |= new
                break
        else:
            raise NNSError(f"Röjandeskyddet kan inte ordnas för {found[0].describe()}; rapportera felet.")
        _tie_splits(tables, hidden)
    raise NNSError("Röjandeskyddet konvergerar inte; rapportera felet.")


# ---------------------------------------------------------------------------
# The linked tables of a year, from the aggregated layer
# ---------------------------------------------------------------------------

def linked_tables(agg, year: int, survey_id: str) -> list[LinkedTable]:
    """The tables of one survey in one year: one per question asked, and the respondents."""
    ins = agg.instrument
    survey = ins.survey(survey_id)
    bg = ins.backgrounds.get(survey.background) if survey.background else None
    groups = tuple(g.id for g in bg.groups) if bg else (nr.NO_GROUP,)
    shown_q = frozenset(g.id for g in bg.shown_groups) if bg else frozenset()
    # respondents by gender are shown in tables 3 and 4; the nation's remittenter by employer in the text
    shown_r = frozenset(groups) if bg else frozenset()
    resp = agg.responses
    resp = resp[(resp["year"] == year) & (resp["survey"] == survey_id)]
    rows = tuple(sorted(resp["forbund"].unique(), key=nr.swedish_sort_key)) + (RIKET,)
    out = []
    counts = agg.counts
    try:
        sub = counts.xs((year, survey_id), level=("year", "survey"))["n"]
    except KeyError:
        sub = pd.Series(dtype=int)
    for q, _v in ins.questions_asked(survey_id, year):
        values = _values(sub, q.id, rows, groups, level="question_id")
        out.append(LinkedTable(QUESTION, q.id, survey_id, rows, groups, shown_q, values))
    r = resp.set_index(["forbund", "group"])["responses"].to_dict()
    values = {}
    for f in rows[:-1]:
        for g in groups:
            values[(f, g)] = int(r.get((f, g), 0))
    _margins(values, rows, groups)
    out.append(LinkedTable(RESPONSES, survey_id, survey_id, rows, groups, shown_r, values))
    return out


def _values(sub: pd.Series, qid: str, rows, groups, level: str) -> dict[Cell, int]:
    try:
        q = sub.xs(qid, level=level) if len(sub) else sub
    except KeyError:
        q = pd.Series(dtype=int)
    counts = q.to_dict()   # a dict lookup per cell, not a MultiIndex lookup (15 000 of them a year)
    values = {}
    for f in rows[:-1]:
        for g in groups:
            values[(f, g)] = int(counts.get((f, g), 0))
    _margins(values, rows, groups)
    return values


def _margins(values: dict[Cell, int], rows, groups) -> None:
    for f in rows[:-1]:
        values[(f, ALL)] = sum(values[(f, g)] for g in groups)
    for c in list(groups) + [ALL]:
        values[(RIKET, c)] = sum(values[(f, c)] for f in rows[:-1])


def suppression(agg, year: int, min_answers: int, linked: bool = True, store: Path | None = None) -> Suppression:
    """The hidden cells of every linked table of a year (cached per data, year and threshold).

    ``store``: a folder where the result is kept under the hash of everything it is computed from
    (:func:`suppression_key`), so that the processes of one build — the build itself and its kernels — compute
    it once between them (0.5 s each). An unreadable entry is computed again.
    """
    return _suppression_cached(agg, year, min_answers, linked, str(store) if store else "")


def suppression_key(agg, year: int, min_answers: int, linked: bool) -> str:
    """The hash of what a year's suppression is computed from: the counts and the respondents (every year, as
    loaded), the year's surveys, questions and background groups in the instrument, the threshold, and the
    code that computes it (this module and the rules)."""
    h = hashlib.sha256()
    for frame in (agg.counts, agg.responses):
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        h.update(repr(list(frame.columns)).encode())
    ins = agg.instrument
    structure = []
    for survey in ins.surveys_in(year):
        bg = ins.backgrounds.get(survey.background) if survey.background else None
        structure.append((survey.id, [q.id for q, _ in ins.questions_asked(survey.id, year)],
                          [(g.id, g in bg.shown_groups) for g in bg.groups] if bg else None))
    h.update(repr((year, min_answers, linked, structure)).encode())
    for module in (__file__, nr.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:40]


@functools.lru_cache(maxsize=16)
def _suppression_cached(agg, year: int, min_answers: int, linked: bool, store: str) -> Suppression:
    path = Path(store) / f"{suppression_key(agg, year, min_answers, linked)}.pickle" if store else None
    if path is not None and path.is_file():
        try:
            kept = pickle.loads(path.read_bytes())
            if isinstance(kept, Suppression):
                return kept
        except Exception:  # noqa: BLE001 (a damaged entry of our own cache: computed again below)
            pass
    hidden: dict[tuple, set[Cell]] = {}
    for survey in agg.instrument.surveys_in(year):
        tables = linked_tables(agg, year, survey.id)
        hidden.update(suppression_of(tables, min_answers, linked))
    result = Suppression(hidden)
    if path is not None:
        write_atomic(path, pickle.dumps(result))
    return result
