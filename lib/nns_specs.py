"""Table specifications: every table of the report as a list of cells.

A cell is one number the report shows, in the vocabulary of figures.csv
(table, indicator, respondent, question, group, year, forbund, statistic,
value), plus where it sits in the printed table (row group, row, column group,
column). The same cells give figures.csv, tables/<table>.csv and the
great_tables table (:mod:`nns_tables`), so the three can never disagree.

Values are kept as printed: whole percent for shares, whole numbers for
counts, "-" where the report prints a dash, "–" (en dash) where a local
report hides a figure computed from too few answers.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

import nnsreport as nr
from nns_text import fmt_int, fmt_pct

FIGURE_COLUMNS = ["table", "indicator", "respondent", "question", "group", "year", "forbund", "statistic", "value"]
DISPLAY_COLUMNS = ["row_group", "row", "col_group", "col", "row_order", "col_order"]
#: figures.csv: the vocabulary columns, then where the number stands in its printed table
CSV_COLUMNS = FIGURE_COLUMNS + ["row_group", "row", "col_group", "col"]
SUPPRESSED = "–"
DASH = "-"

PERCENT_STATS = {"negativt", "varken", "positivt", "klart_positivt", "ja", "nej", "nyckeltal",
                 "undersokt_andel_mal", "andel_undersokt", "andel_mal", "andel_forbund", "andel"}


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
        return f[CSV_COLUMNS].reset_index(drop=True)


def display_value(statistic: str, value) -> str:
    """How a cell prints: '78%', '(78%)', '1 629', '-', '–' or a label."""
    if value in (DASH, SUPPRESSED, "", None):
        return "" if value is None else str(value)
    if statistic == "klart_positivt":
        return f"({fmt_pct(value)})"
    if statistic in PERCENT_STATS:
        return fmt_pct(value)
    if statistic == "utveckling":
        return nr.UTVECKLING_LABELS.get(value, value)
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
        self._row_order: dict[tuple, int] = {}
        self._col_order: dict[tuple, int] = {}

    def add(self, *, row_group="", row, col_group="", col, statistic, value,
            respondent="", question="", group="", year="", forbund=None, row_key=None):
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
            "row_order": self._row_order[rk], "col_order": self._col_order[ck],
        })

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=FIGURE_COLUMNS + DISPLAY_COLUMNS)


# ---------------------------------------------------------------------------
# Context: what a table needs to know
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Context:
    """The aggregated data, the scope (year, riket or förbund) and the run settings."""

    agg: nr.Aggregated
    scope: nr.Scope
    settings: nr.Settings
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def ins(self):
        return self.agg.instrument

    @property
    def year(self) -> int:
        return self.scope.year

    @property
    def forbund(self) -> str:
        return self.scope.forbund

    @property
    def local(self) -> bool:
        return self.scope.local

    def used_surveys(self, year: int | None = None) -> set[str]:
        """Surveys with at least one response in the scope (all surveys asked, for the nation)."""
        y = self.year if year is None else year
        key = ("used", y, self.forbund)
        if key not in self._memo:
            r = nr.responses(self.agg, y, self.forbund)
            self._memo[key] = {s for (s, g), n in r["responses"].items() if g == nr.ALL and n > 0} if len(r) else set()
        return self._memo[key]

    def measures(self, ind) -> list[str]:
        """The indicator's measures asked this year; for a förbund only those of surveys it used."""
        out = [m for m in ind.measures if self.ins.question(m).version(self.year)]
        if self.local:
            used = self.used_surveys()
            out = [m for m in out if self.ins.question(m).survey in used]
        return out

    def riket(self) -> "Context":
        if "riket" not in self._memo:
            self._memo["riket"] = Context(self.agg, nr.Scope(self.year), self.settings)
        return self._memo["riket"]

    def qcounts(self, qid: str, year: int, forbund: str | None = None) -> dict:
        f = self.forbund if forbund is None else forbund
        key = ("q", qid, year, f)
        if key not in self._memo:
            self._memo[key] = nr.question_counts(self.agg, qid, year, f)
        return self._memo[key]

    def visible_groups(self, qid: str, year: int, forbund: str | None = None) -> dict:
        """{group: counts} that may be shown.

        The förbund's own figures after suppression; the nation in full in the
        national report. In a förbund's report the nation's figure for a group
        is hidden too when it rests almost only on the förbund's answers, or
        when the rest of the nation is so small that subtracting the förbund
        would reveal it (see :func:`riket_visible`).
        """
        f = self.forbund if forbund is None else forbund
        key = ("v", qid, year, f)
        if key not in self._memo:
            if f:
                shown = suppress(self.ins, qid, self.qcounts(qid, year, f), self.settings.min_answers)
            else:
                shown = dict(self.qcounts(qid, year, nr.RIKET))
                if self.local:
                    own = self.qcounts(qid, year, self.forbund)
                    own_shown = self.visible_groups(qid, year, self.forbund)
                    shown = {g: c for g, c in shown.items()
                             if riket_visible(c["n"], own.get(g, {}).get("n", 0), g in own_shown,
                                              self.settings.min_answers)}
            self._memo[key] = shown
        return self._memo[key]


def riket_visible(national_n: int, own_n: int, own_shown: bool, min_answers: int) -> bool:
    """May a förbund's report show the nation's figure for a group?

    Not when the rest of the nation (national minus the förbund) has 1 to
    ``min_answers`` − 1 answers: subtracting the förbund's own figure would
    reveal them. Not when the nation is the förbund alone and the förbund's own
    figure is hidden.

    >>> riket_visible(1000, 20, True, 5), riket_visible(22, 20, True, 5), riket_visible(3, 3, False, 5)
    (True, False, False)
    >>> riket_visible(3, 3, True, 5)      # the nation is the förbund, which is shown anyway
    True
    """
    rest = national_n - own_n
    if 0 < rest < min_answers:
        return False
    if rest == 0 and not own_shown and own_n > 0:
        return False
    return True


def suppress(ins, qid: str, groups: dict, min_answers: int) -> dict:
    """Which groups of a question may be shown, by the anonymity rule.

    A group with fewer than ``min_answers`` answers is hidden. A gender or
    employer split is shown only when every shown group has enough answers and
    the groups not shown (no stated gender, another employer) are either empty
    or large enough too; otherwise the hidden group could be recovered by
    subtraction from samtliga, and only samtliga is shown.

    >>> from nns_instrument import load_instrument
    >>> ins = load_instrument()
    >>> g = {"samtliga": {"n": 12}, "kvinnor": {"n": 8}, "man": {"n": 3}, "ej_angett": {"n": 1}}
    >>> sorted(suppress(ins, "deltagare_pagaende.1", g, 5))
    ['samtliga']
    >>> g = {"samtliga": {"n": 20}, "kvinnor": {"n": 10}, "man": {"n": 10}, "ej_angett": {"n": 0}}
    >>> sorted(suppress(ins, "deltagare_pagaende.1", g, 5))
    ['kvinnor', 'man', 'samtliga']
    """
    if min_answers <= 0:
        return dict(groups)
    total = groups.get(nr.ALL)
    if not total or total["n"] < min_answers:
        return {}
    survey = ins.survey(qid.split(".")[0])
    if not survey.background:
        return {nr.ALL: total}
    bg = ins.backgrounds[survey.background]
    shown = [g.id for g in bg.shown_groups]
    hidden = [g.id for g in bg.groups if not g.shown]
    split_ok = all(groups.get(g, {"n": 0})["n"] >= min_answers for g in shown)
    rest = sum(groups.get(g, {"n": 0})["n"] for g in hidden)
    split_ok &= rest == 0 or rest >= min_answers
    out = {nr.ALL: total}
    if split_ok:
        out.update({g: groups[g] for g in shown})
    return out


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------

def question_label(ins, qid: str, year: int) -> str:
    q = ins.question(qid)
    return f"Fråga {q.version(year).number} {ins.survey(q.survey).table_label}"


def group_rows(ins, survey_id: str) -> list[tuple[str, str]]:
    """(group id, row label) of a survey's rows in tables N.1/N.2: samtliga first."""
    s = ins.survey(survey_id)
    rows = [(nr.ALL, "samtliga")]
    if s.background:
        rows += [(g.id, g.label) for g in ins.backgrounds[s.background].shown_groups]
    return rows


def key_figure_name(ind) -> str:
    return "andelen positiva svar" if ind.key_figure == "positivt" else "andelen klart positiva svar"


# ---------------------------------------------------------------------------
# Tables 1–4: responses, populations, gender
# ---------------------------------------------------------------------------

def _responses(ctx: Context, survey_id: str, group: str = nr.ALL, forbund: str | None = None) -> int:
    r = nr.responses(ctx.agg, ctx.year, ctx.forbund if forbund is None else forbund)
    try:
        return int(r.loc[(survey_id, group), "responses"])
    except KeyError:
        return 0


def table_1(ctx: Context) -> TableSpec:
    """Antal enkäter och förbund per respondentgrupp."""
    cells = Cells("1", forbund=ctx.forbund)
    surveys = ctx.ins.surveys_in(ctx.year)
    scopes = [(ctx.forbund, "")] + ([("", "Riket")] if ctx.local else [])
    for f, suffix in scopes:
        label = "Antal besvarade enkäter" + (f", {suffix.lower()}" if suffix else "")
        total = 0
        for s in surveys:
            n = _responses(ctx, s.id, forbund=f)
            total += n
            unused = f and s.id not in ctx.used_surveys()   # "-": the förbund did not use the survey
            cells.add(row=label, col=s.plural, respondent=s.id, year=ctx.year, statistic="antal_svar",
                      value=DASH if unused else n, forbund=f)
        cells.add(row=label, col="Totalt", year=ctx.year, statistic="antal_svar", value=total, forbund=f)
    if not ctx.local:
        for s in surveys:
            cells.add(row="Antal deltagande förbund", col=s.plural, respondent=s.id, year=ctx.year,
                      statistic="antal_forbund", value=len(ctx.agg.forbund(ctx.year, s.id)))
        cells.add(row="Antal deltagande förbund", col="Totalt", year=ctx.year, statistic="antal_forbund",
                  value=len(ctx.agg.forbund(ctx.year)))
    caption = "Antal enkäter per respondentgrupp." if ctx.local else "Antal enkäter och förbund per respondentgrupp."
    notes = ("- = förbundet använde inte enkäten.",) if ctx.local and len(ctx.used_surveys()) < len(surveys) else ()
    return TableSpec("1", caption, cells.frame(), stub_label="", footnotes=notes)


def _population_sums(ctx: Context, survey) -> dict:
    """Sums for table 2, pairing each förbund's responses with the populations it reported.

    A förbund may leave a population blank; its responses then count in the
    number of answers but not in the shares computed against that population,
    so that every share compares like with like.
    """
    p = ctx.agg.populations
    p = p[(p["year"] == ctx.year) & (p["survey"] == survey.id)]
    if ctx.local:
        p = p[p["forbund"] == ctx.forbund]
    r = ctx.agg.responses
    r = r[(r["year"] == ctx.year) & (r["survey"] == survey.id)].groupby("forbund")["responses"].sum()
    out = dict.fromkeys(["mal", "und", "und_with_mal", "mal_with_und", "svar_with_und", "svar_with_mal"], 0)
    out["reported_mal"] = out["reported_und"] = False
    for row in p.itertuples():
        mal = pd.to_numeric(row.malpopulation, errors="coerce") if survey.target_population else float("nan")
        und = pd.to_numeric(row.undersokt, errors="coerce")
        svar = int(r.get(row.forbund, 0))
        if pd.notna(und):
            out["und"] += int(und)
            out["svar_with_und"] += svar
            out["reported_und"] = True
        if pd.notna(mal):
            out["mal"] += int(mal)
            out["svar_with_mal"] += svar
            out["reported_mal"] = True
            if pd.notna(und):
                out["und_with_mal"] += int(und)
                out["mal_with_und"] += int(mal)
    return out


def _rates(t: dict, svar: int) -> dict:
    return {
        "malpopulation": t["mal"] if t["reported_mal"] else None,
        "undersokt": t["und"] if t["reported_und"] else None,
        "undersokt_andel_mal": nr.percent(t["und_with_mal"], t["mal_with_und"]) if t["mal_with_und"] else None,
        "antal_svar": svar,
        "andel_undersokt": nr.percent(t["svar_with_und"], t["und"]) if t["und"] else None,
        "andel_mal": nr.percent(t["svar_with_mal"], t["mal"]) if t["mal"] else None,
    }


def table_2(ctx: Context) -> TableSpec:
    """Svarsfrekvenser per respondentgrupp (målpopulation, undersökt population, svar)."""
    cells = Cells("2", forbund=ctx.forbund)
    cols = [("malpopulation", "Målpopulation"), ("undersokt", "Undersökt population"),
            ("undersokt_andel_mal", "Undersökt population i förhållande till målpopulation"),
            ("antal_svar", "Antal svar: svarat på minst en fråga"),
            ("andel_undersokt", "Andel svar: undersökt population"), ("andel_mal", "Andel svar: målpopulation")]
    total = dict.fromkeys(["mal", "und", "und_with_mal", "mal_with_und", "svar_with_und", "svar_with_mal"], 0)
    total["reported_mal"] = total["reported_und"] = False
    total_svar = 0
    no_target = False
    for s in ctx.ins.surveys_in(ctx.year):
        svar = _responses(ctx, s.id)
        t = _population_sums(ctx, s)
        if ctx.local and svar == 0 and not (t["reported_mal"] or t["reported_und"]):
            continue
        for stat, col in cols:
            v = _rates(t, svar)[stat]
            cells.add(row=s.name, col=col, respondent=s.id, year=ctx.year, statistic=stat,
                      value=DASH if v is None else v)
        total_svar += svar
        for k in total:
            total[k] = (total[k] or t[k]) if k.startswith("reported") else total[k] + t[k]
        no_target |= not s.target_population
    for stat, col in cols:
        v = _rates(total, total_svar)[stat]
        cells.add(row="Totalt", col=col, year=ctx.year, statistic=stat, value=DASH if v is None else v)
    notes = ()
    if no_target:
        names = [s.name for s in ctx.ins.surveys_in(ctx.year) if not s.target_population]
        notes = (f"Andelarna i förhållande till målpopulationen räknas utan {', '.join(n.lower() for n in names)}, "
                 "som saknar målpopulation. Ett förbund som inte angett en population räknas inte i andelarna mot "
                 "den.",)
    return TableSpec("2", "Svarsfrekvenser per respondentgrupp.", cells.frame(), layout="populations", footnotes=notes)


def tables_3_4(ctx: Context) -> list[TableSpec]:
    """Antal svarande deltagare per enkät uppdelat på kön (tabell 3 och 4)."""
    specs = []
    participant = [s for s in ctx.ins.surveys_in(ctx.year) if s.participant]
    for i, s in enumerate(participant):
        number = str(3 + i)
        cells = Cells(number, forbund=ctx.forbund)
        bg = ctx.ins.backgrounds[s.background]
        total = _responses(ctx, s.id)
        counts = {g.id: _responses(ctx, s.id, g.id) for g in bg.groups}
        hide = ctx.local and any(0 < v < ctx.settings.min_answers for v in counts.values())
        for g in bg.groups:
            v = counts[g.id]
            cells.add(row=g.table_label, col=s.plural, respondent=s.id, group=g.id, year=ctx.year,
                      statistic="antal_svar", value=SUPPRESSED if hide else v)
            cells.add(row=g.table_label, col="Andel", respondent=s.id, group=g.id, year=ctx.year,
                      statistic="andel", value=SUPPRESSED if hide else (nr.percent(v, total) if total else DASH))
        cells.add(row="Totalt antal enkätsvar", col=s.plural, respondent=s.id, group=nr.ALL, year=ctx.year,
                  statistic="antal_svar", value=total)
        cells.add(row="Totalt antal enkätsvar", col="Andel", respondent=s.id, group=nr.ALL, year=ctx.year,
                  statistic="andel", value=100 if total else DASH)
        notes = ("Fördelningen på kön visas inte när en grupp har färre än "
                 f"{ctx.settings.min_answers} svar.",) if hide else ()
        specs.append(TableSpec(number, f"Antal svarande {s.name.lower()} uppdelat på kön.", cells.frame(),
                               footnotes=notes))
    return specs


# ---------------------------------------------------------------------------
# Tables N.1 and N.2 of an indicator
# ---------------------------------------------------------------------------

def comparison_years(ctx: Context, ind) -> list[int]:
    """The years of table N.2: the last ``comparison_years`` years, or since the measures began."""
    natural = ctx.year - ctx.settings.comparison_years + 1
    starts = [ctx.ins.question(m).compare_from(ctx.year) for m in ind.measures
              if ctx.ins.question(m).version(ctx.year)]
    first = max(natural, min(starts))
    return list(range(first, ctx.year + 1))


def indicator_tables(ctx: Context, ind) -> list[TableSpec]:
    """Tables N.1 (one per kind of scale, Ja/Nej first) and the key-figure table for an indicator."""
    prefix = nr.table_prefix(ctx.ins, ind.number, ctx.year)
    if prefix is None:
        return []
    measures = ctx.measures(ind)
    if not measures:
        return []
    yes_no = [m for m in measures if ctx.ins.scale_of(m, ctx.year).yes_no]
    six = [m for m in measures if not ctx.ins.scale_of(m, ctx.year).yes_no]
    specs = []
    sub = 1
    for group in (yes_no, six):
        if not group:
            continue
        number = f"{prefix}.{sub}"
        specs.append(_categories_table(ctx, ind, number, group, yes_no=group is yes_no))
        sub += 1
    specs.append(_key_figure_table(ctx, ind, f"{prefix}.{sub}", measures))
    return specs


def _categories_table(ctx: Context, ind, number: str, measures: list[str], yes_no: bool) -> TableSpec:
    cells = Cells(number, ind.number, ctx.forbund)
    stats = [("nej", "Nej"), ("ja", "Ja")] if yes_no else \
        [("negativt", "Negativt"), ("varken", "Varken eller"), ("positivt", "Positivt"),
         ("klart_positivt", "(Klart positivt)")]
    hidden_any = False
    for qid in measures:
        q = ctx.ins.question(qid)
        number_q = q.version(ctx.year).number
        rg = question_label(ctx.ins, qid, ctx.year)
        visible = ctx.visible_groups(qid, ctx.year)
        all_groups = ctx.qcounts(qid, ctx.year)
        national = ctx.visible_groups(qid, ctx.year, nr.RIKET) if ctx.local else {}
        for gid, glabel in group_rows(ctx.ins, q.survey):
            row = glabel
            c = visible.get(gid)
            n_all = all_groups.get(gid, {}).get("n", 0)
            common = dict(row_group=rg, row=row, respondent=q.survey, question=number_q, group=gid, year=ctx.year)
            if c is None:
                # "–" hides answers that exist; "-" means there are none
                mark = SUPPRESSED if ctx.local and n_all > 0 else DASH
                hidden_any |= mark == SUPPRESSED
                cells.add(col="n", statistic="n", value=mark, **common)
                for stat, col in stats:
                    cells.add(col=col, statistic=stat, value=mark, **common)
            else:
                cells.add(col="n", statistic="n", value=c["n"], **common)
                for stat, col in stats:
                    cells.add(col=col, statistic=stat, value=nr.percent(c[stat], c["n"]), **common)
            if ctx.local:
                nc = national.get(gid)
                raw_nc = ctx.qcounts(qid, ctx.year, nr.RIKET).get(gid)
                hidden_any |= nc is None and bool(raw_nc and raw_nc["n"])
                for stat, col in stats[-2:]:
                    v = nr.percent(nc[stat], nc["n"]) if nc and nc["n"] else \
                        (SUPPRESSED if raw_nc and raw_nc["n"] else DASH)
                    cells.add(col_group="Riket", col=col, statistic=stat, value=v, forbund=nr.RIKET, **common)
    notes = _suppression_note(ctx) if ctx.local and hidden_any else ()
    return TableSpec(number, f"Indikator {ind.number}.", cells.frame(),
                     layout="yesno" if yes_no else "categories", footnotes=notes)


def _suppression_note(ctx: Context) -> tuple[str, ...]:
    return (f"– = visas inte: beräknat på färre än {ctx.settings.min_answers} svar, eller så skulle en "
            "sådan grupp kunna räknas fram ur de andra raderna.",)


def _key_figure_table(ctx: Context, ind, number: str, measures: list[str]) -> TableSpec:
    years = comparison_years(ctx, ind)
    cells = Cells(number, ind.number, ctx.forbund)
    hidden_any = False
    for qid in measures:
        q = ctx.ins.question(qid)
        number_q = q.version(ctx.year).number
        rg = question_label(ctx.ins, qid, ctx.year)
        start = q.compare_from(ctx.year)
        for gid, glabel in group_rows(ctx.ins, q.survey):
            common = dict(row_group=rg, row=glabel, respondent=q.survey, question=number_q, group=gid)
            for y in years:
                kind = ctx.ins.key_figure_kind(qid, y) if q.version(y) else None
                n_val = kf_val = DASH
                if y >= start and q.version(y):
                    c = ctx.visible_groups(qid, y).get(gid)
                    raw = ctx.qcounts(qid, y).get(gid)
                    if c is not None and c["n"] > 0:
                        n_val, kf_val = c["n"], nr.key_figure(c, kind)
                    elif ctx.local and raw and raw["n"] > 0:
                        n_val = kf_val = SUPPRESSED
                        hidden_any = True
                # a local table has three columns a year (with riket): a short label keeps them readable
                cells.add(col_group=str(y), col="n" if ctx.local else "antal svar", statistic="antal_svar",
                          value=n_val, year=y, **common)
                cells.add(col_group=str(y), col="nyckeltal", statistic="nyckeltal", value=kf_val, year=y, **common)
                if ctx.local:
                    v = DASH
                    if y >= start and q.version(y):
                        nc = ctx.visible_groups(qid, y, nr.RIKET).get(gid)
                        raw_nc = ctx.qcounts(qid, y, nr.RIKET).get(gid)
                        if nc and nc["n"]:
                            v = nr.key_figure(nc, kind)
                        elif raw_nc and raw_nc["n"]:
                            v = SUPPRESSED
                            hidden_any = True
                    cells.add(col_group=str(y), col="riket", statistic="nyckeltal", value=v, year=y,
                              forbund=nr.RIKET, **common)
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    yes_no = " (för ja/nej-frågan andelen ja-svar)" if any(ctx.ins.scale_of(m, ctx.year).yes_no for m in measures) \
        else ""
    caption = f"Nyckeltal ”{key_figure_name(ind)}”{yes_no} för indikator {ind.number}, jämförelse {span}."
    notes = change_notes(ctx, measures, years)
    if ctx.local and hidden_any:
        notes = notes + _suppression_note(ctx)
    return TableSpec(number, caption, cells.frame(), layout="keyfigures", footnotes=notes)


def change_notes(ctx: Context, measures: list[str], years: list[int]) -> tuple[str, ...]:
    """Footnotes on changed questions and new surveys, generated from the instrument history.

    A change is noted when it falls inside the comparison window, i.e. after
    the window's natural first year.
    """
    ins = ctx.ins
    natural = ctx.year - ctx.settings.comparison_years + 1
    notes = []
    seen_surveys = set()
    for qid in measures:
        q = ins.question(qid)
        s = ins.survey(q.survey)
        now = q.version(ctx.year)
        if s.from_year > natural and s.id not in seen_surveys and s.from_year == q.from_year:
            seen_surveys.add(s.id)
            notes.append(f"{s.name} tillfrågades första gången {s.from_year}; därför saknas data för tidigare år.")
            continue
        if q.from_year > natural and s.from_year < q.from_year:
            notes.append(f"Fråga {now.number} till {s.name.lower()} ställdes första gången {q.from_year}.")
        for before, after in q.changes():
            if after.from_year <= natural or after.from_year > ctx.year:
                continue
            last = after.from_year - 1
            who = f"fråga {after.number} till {s.name.lower()}"
            if not after.comparable:
                notes.append(f"{who[0].upper()}{who[1:]} ersatte {after.from_year} en tidigare fråga som inte är "
                             f"jämförbar; jämförelsen börjar därför {after.from_year}.")
                continue
            if before.number != after.number:
                notes.append(f"{who[0].upper()}{who[1:]} var fråga {before.number} till och med {last}.")
            if before.text != after.text:
                notes.append(f"{who[0].upper()}{who[1:]} omformulerades {after.from_year} men bedöms vara "
                             "jämförbar med tidigare år.")
    return tuple(dict.fromkeys(notes))


# ---------------------------------------------------------------------------
# Table 20: sammanvägd indikatorutveckling
# ---------------------------------------------------------------------------

def indicator_development(ctx: Context, ind, group: str) -> tuple[str | None, list[tuple[str, int]]]:
    """The table-20 outcome of one indicator for one column, and the changes it rests on.

    Uses the key figures as printed in tables N.2 (whole percent). The total
    column (``samtliga``) uses every measure; ``kvinnor`` and ``man`` only the
    participant measures. A measure counts when it has a key figure both years.
    """
    prev = ctx.year - 1
    changes = []
    for qid in ind.measures:
        q = ctx.ins.question(qid)
        if not q.version(ctx.year) or not q.version(prev) or q.compare_from(ctx.year) > prev:
            continue
        s = ctx.ins.survey(q.survey)
        if group != nr.ALL and not s.participant:
            continue
        vals = []
        for y in (prev, ctx.year):
            c = ctx.visible_groups(qid, y).get(group)
            vals.append(nr.key_figure(c, ctx.ins.key_figure_kind(qid, y)) if c and c["n"] else None)
        if None in vals:
            continue
        changes.append((qid, vals[1] - vals[0]))
    outcome = nr.sammanvagd_utveckling([d for _, d in changes], ctx.settings.table20_points_per_measure)
    return outcome, changes


def table_20(ctx: Context) -> TableSpec:
    cells = Cells("20", forbund=ctx.forbund)
    prev = ctx.year - 1
    cols = [(nr.ALL, f"Totalt resultat {ctx.year} jämfört med {prev}"),
            ("kvinnor", "Varav resultat kvinnor"), ("man", "Varav resultat män")]
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        has_participants = any(ctx.ins.survey(ctx.ins.question(m).survey).participant for m in ind.measures)
        row = f"{ind.number} {ind.text}"
        for gid, col in cols:
            if gid != nr.ALL and not has_participants:
                cells.add(row=row, col=col, statistic="", value="ej aktuellt")
                continue
            outcome, changes = indicator_development(ctx, ind, gid)
            cells.add(row=row, col=col, group=gid, year=ctx.year, statistic="utveckling",
                      value=DASH if outcome is None else outcome)
    frame = cells.frame()
    frame["indicator"] = [r.split(" ", 1)[0] for r in frame["row"]]
    caption = f"Sammanvägd indikatorutveckling {ctx.year} jämfört med {prev}."
    return TableSpec("20", caption, frame, layout="development", stub_label="Nr Indikator")


# ---------------------------------------------------------------------------
# Table 21 and Bilaga 1
# ---------------------------------------------------------------------------

def table_21(ctx: Context) -> TableSpec:
    cells = Cells("21", forbund=ctx.forbund)
    years = [y for y in ctx.agg.years if ctx.settings.first_year <= y <= ctx.year]
    total = 0
    for y in years:
        n = nr.total_responses(ctx.agg, y, ctx.forbund)
        total += n
        label = "Totalt insamlade enkäter" + (f" ({ctx.forbund})" if ctx.local else "")
        cells.add(row=label, col=str(y), year=y, statistic="antal_svar", value=n)
    cells.add(row="Totalt insamlade enkäter" + (f" ({ctx.forbund})" if ctx.local else ""), col="Totalt",
              statistic="antal_svar", value=total)
    nat_total = 0
    for y in years:
        forbund = ctx.agg.forbund(y)
        n = nr.total_responses(ctx.agg, y)
        nat_total += n
        nationally = ctx.agg.forbund_nationally(y)
        if ctx.local:
            cells.add(row="Totalt insamlade enkäter, riket", col=str(y), year=y, statistic="antal_svar",
                      value=n, forbund=nr.RIKET)
        cells.add(row="Antal deltagande förbund", col=str(y), year=y, statistic="antal_forbund",
                  value=len(forbund), forbund=nr.RIKET)
        cells.add(row="Antal samordningsförbund nationellt", col=str(y), year=y,
                  statistic="antal_forbund_nationellt", value=nationally if nationally else DASH, forbund=nr.RIKET)
        cells.add(row="Andel deltagande förbund", col=str(y), year=y, statistic="andel_forbund",
                  value=nr.percent(len(forbund), nationally) if nationally else DASH, forbund=nr.RIKET)
    if ctx.local:
        cells.add(row="Totalt insamlade enkäter, riket", col="Totalt", statistic="antal_svar", value=nat_total,
                  forbund=nr.RIKET)
    for label in ("Antal deltagande förbund", "Antal samordningsförbund nationellt", "Andel deltagande förbund"):
        cells.add(row=label, col="Totalt", statistic="", value=DASH, forbund=nr.RIKET)
    caption = f"Antal insamlade enkäter och deltagande förbund {years[0]}–{years[-1]}."
    return TableSpec("21", caption, cells.frame())


def new_forbund(ctx: Context) -> set[str]:
    """Förbund that take part this year but did not the year before (marked * in Bilaga 1)."""
    prev = set(ctx.agg.forbund(ctx.year - 1))
    return {f for f in ctx.agg.forbund(ctx.year) if f not in prev} if prev else set()


def bilaga_1(ctx: Context) -> TableSpec | None:
    """Bilaga 1: the participating förbund and their responses (the national report only; None locally)."""
    if ctx.local:
        return None
    cells = Cells("B1")
    surveys = ctx.ins.surveys_in(ctx.year)
    new = new_forbund(ctx)
    r = ctx.agg.responses
    sel = r[r["year"] == ctx.year].groupby(["forbund", "survey"])["responses"].sum()
    used = ctx.agg.responses[ctx.agg.responses["year"] == ctx.year].groupby(["forbund", "survey"]).size()
    for f in ctx.agg.forbund(ctx.year):
        label = f + ("*" if f in new else "")
        for s in surveys:
            v = int(sel.get((f, s.id), 0)) if (f, s.id) in used.index else DASH
            cells.add(row=label, col=s.plural, respondent=s.id, year=ctx.year, forbund=f,
                      statistic="antal_svar", value=v)
        if f in new:
            cells.add(row=label, col="", respondent="", year=ctx.year, forbund=f, statistic="nytt_forbund", value=1)
    for s in surveys:
        cells.add(row="SUMMA antal insamlade enkäter", col=s.plural, respondent=s.id, year=ctx.year,
                  statistic="antal_svar", value=_responses(ctx, s.id, forbund=nr.RIKET))
    for s in surveys:
        cells.add(row="SUMMA antal deltagande förbund", col=s.plural, respondent=s.id, year=ctx.year,
                  statistic="antal_forbund", value=len(ctx.agg.forbund(ctx.year, s.id)))
    frame = cells.frame()
    caption = f"Deltagande samordningsförbund {ctx.year} och antal insamlade enkäter per respondentgrupp."
    notes = ("* Förbundet deltog inte i föregående års mätning. – Förbundet använde inte enkättypen.",)
    return TableSpec("B1", caption, frame, layout="bilaga1", footnotes=notes, stub_label="Samordningsförbund")


# ---------------------------------------------------------------------------
# Tables of text from the instrument: Bild 1, Bilaga 2 and the scales
# ---------------------------------------------------------------------------

def categorisation(ctx: Context) -> TableSpec:
    """Bild 1: how answers are grouped into categories, from the instrument."""
    ins = ctx.ins
    cells = Cells("bild-1")
    cats = ins.categories
    names = {"negativt": "Negativt", "varken": "Varken eller", "positivt": "Positivt"}
    owner = {o: c for c in ("negativt", "varken", "positivt") for o in cats[c]}
    for sid, scale in ins.scales.items():
        if scale.yes_no:
            continue
        for i, text in enumerate(scale.options, start=1):
            cells.add(row=f"Svarsskala {sid}", col_group=names[owner[i]], col=str(i), statistic="", value=text)
    for sid, scale in ins.scales.items():
        if scale.yes_no:
            no, yes = scale.options
            cells.add(row=f"Svarsskala {sid} (fråga 8, avslut)", col_group=names["negativt"], col="1",
                      statistic="", value=no)
            cells.add(row=f"Svarsskala {sid} (fråga 8, avslut)", col_group=names["positivt"], col="4",
                      statistic="", value=yes)
    for i in range(1, 7):
        if i in cats["klart_positivt"]:
            cells.add(row="Klart positiva", col_group=names[owner[i]], col=str(i), statistic="", value="klart positivt")
    frame = cells.frame()
    notes = ("Nyckeltalet är andelen klart positiva svar, utom för indikator 7 där det är andelen positiva "
             "svar och för fråga 8 i avslutsenkäten där det är andelen som svarat ja.",)
    return TableSpec("bild-1", "Kategorisering av enkätsvar.", frame, label_text="Bild 1", footnotes=notes,
                     stub_label="")


def bilaga_2(ctx: Context) -> TableSpec:
    """Bilaga 2: the indicators and their measures, from the instrument."""
    ins = ctx.ins
    cells = Cells("B2")
    for ind in ins.indicators:
        group = f"{ind.number}. {ind.text}"
        if not ind.measures:
            cells.add(row_group=group, row=ind.register_study, col="Respondentgrupp, fråga, svarsskala",
                      statistic="", value="")
            continue
        for qid in ind.measures:
            q = ins.question(qid)
            v = q.version(ctx.year)
            if v is None:
                continue
            s = ins.survey(q.survey)
            cells.add(row_group=group, row=v.text, col="Respondentgrupp, fråga, svarsskala", statistic="",
                      value=f"{s.measure_label}, fråga {v.number}, svarsskala {v.scale}", row_key=qid)
    n = sum(1 for q in ins.questions.values() if q.version(ctx.year))
    notes = (f"Sammanlagt {n} mått. Bakgrundsvariabler: kön för deltagarenkäterna, anställning för "
             "remittenterna.",)
    return TableSpec("B2", "Indikatorerna och måtten kopplade till dem.", cells.frame(), layout="text",
                     footnotes=notes, stub_label="Fråga")


def scales(ctx: Context) -> TableSpec:
    """The answer scales: six options from lowest to highest; Ja/Nej with no numbers."""
    cells = Cells("B2-skalor")
    for sid, scale in ctx.ins.scales.items():
        for i, text in enumerate(scale.options, start=1):
            cells.add(row=f"Alternativ {i}", col=f"Skala {sid}", statistic="",
                      value=text if scale.yes_no else f"{text} ({i})")
    notes = ("Skala III (fråga 8 i avslutsenkäten) besvaras med nej eller ja; ja räknas som positivt.",)
    return TableSpec("B2-skalor", "Svarsskalorna och deras alternativ.", cells.frame(), label_text="Svarsskalor",
                     stub_label="", footnotes=notes)


# ---------------------------------------------------------------------------
# All tables of a report
# ---------------------------------------------------------------------------

def all_tables(ctx: Context) -> list[TableSpec]:
    specs = [table_1(ctx), table_2(ctx), *tables_3_4(ctx)]
    for ind in ctx.ins.indicators:
        specs += indicator_tables(ctx, ind)
    specs += [table_20(ctx), table_21(ctx), bilaga_1(ctx)]
    return [s for s in specs if s is not None]


def figures(specs: list[TableSpec]) -> pd.DataFrame:
    """figures.csv: every number of the given tables, one row each."""
    frames = [s.figures() for s in specs]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CSV_COLUMNS)


# ---------------------------------------------------------------------------
# Charts: line charts of key figures over time, and Diagram 13
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartSpec:
    """One diagram: its number, caption, the plotted points (as cells) and how to draw them."""

    number: str
    caption: str
    kind: str                 # "line" | "bars"
    cells: pd.DataFrame       # FIGURE_COLUMNS + series, survey, order
    y_label: str
    note: str = ""

    @property
    def anchor(self) -> str:
        return "diagram-" + self.number.replace(".", "-")

    @property
    def label(self) -> str:
        return f"Diagram {self.number}"

    def figures(self) -> pd.DataFrame:
        return self.cells[CSV_COLUMNS].reset_index(drop=True)

    def alt_text(self) -> str:
        """A text version of the chart for screen readers."""
        from nns_text import join_sv

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


KIND_LABELS = {
    "klart_positivt": "Andelen klart positiva svar",
    "positivt": "Andelen positiva svar",
    "ja": "Andelen som svarat ja",
}


def _chart_measures(ctx: Context, ind) -> list[str]:
    """The measures drawn in an indicator's chart: all with data, when one of them has comparable
    key figures for at least ``chart_min_years`` years (nationally); else none."""
    out = []
    for qid in ctx.measures(ind):
        q = ctx.ins.question(qid)
        start = max(q.compare_from(ctx.year), ctx.settings.first_year)
        years = [y for y in range(start, ctx.year + 1) if ctx.qcounts(qid, y, nr.RIKET).get(nr.ALL)]
        out.append((qid, len(years)))
    if not any(n >= ctx.settings.chart_min_years for _, n in out):
        return []
    return [qid for qid, n in out if n >= 1]


def _series_label(ins, qid: str, group: str, multi_question: bool, year: int) -> str:
    q = ins.question(qid)
    s = ins.survey(q.survey)
    base = {"deltagare_pagaende": "Pågående", "deltagare_avslut": "Avslut"}.get(s.id, s.name)
    if multi_question:
        base += f", fråga {q.version(year).number}"
    if group in ("kvinnor", "man"):
        base += ", " + ("kvinnor" if group == "kvinnor" else "män")
    return base


def indicator_charts(ctx: Context, ind) -> list[ChartSpec]:
    """The line charts of one indicator (numbered as in the national report)."""
    return all_charts(ctx).get(ind.number, [])


def _line_chart(ctx: Context, ind, number: str, kind: str, qids: list[str]) -> ChartSpec:
    ins = ctx.ins
    years = list(range(ctx.settings.first_year, ctx.year + 1))
    per_survey = {}
    for qid in qids:
        per_survey.setdefault(ins.question(qid).survey, []).append(qid)
    cells = Cells(f"D{number}", ind.number, ctx.forbund)
    rows = []
    scopes = [ctx.forbund] + ([nr.RIKET] if ctx.local else [])
    for qid in qids:
        q = ins.question(qid)
        s = ins.survey(q.survey)
        start = max(q.compare_from(ctx.year), ctx.settings.first_year)
        groups = ["kvinnor", "man"] if s.participant and not ctx.local else [nr.ALL]
        for forbund in scopes:
            for g in groups:
                label = _series_label(ins, qid, g, len(per_survey[s.id]) > 1, ctx.year)
                if ctx.local:
                    label += ", riket" if forbund == nr.RIKET else ""
                for y in years:
                    if y < start or not q.version(y):
                        continue
                    c = ctx.visible_groups(qid, y, forbund).get(g)
                    if not c or not c["n"]:
                        continue
                    value = nr.key_figure(c, ins.key_figure_kind(qid, y))
                    cells.add(row=label, col=str(y), respondent=s.id, question=q.version(ctx.year).number, group=g,
                              year=y, statistic="nyckeltal", value=value, forbund=forbund)
                    rows.append({"series": label, "question_order": per_survey[s.id].index(qid),
                                 "riket": forbund == nr.RIKET and ctx.local})
    frame = cells.frame()
    extra = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["series", "question_order", "riket"])
    frame = pd.concat([frame.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    span = f"{ctx.settings.first_year}–{ctx.year}"
    label = KIND_LABELS[kind]
    if len(qids) == 1 and "." in number:
        q = ins.question(qids[0])
        s = ins.survey(q.survey)
        who = "avslutade deltagare" if s.id == "deltagare_avslut" else s.name.lower()
        v = q.version(ctx.year)
        caption = f"Fråga {v.number}, {who}: ”{v.text}”, {span}. {label}."
    else:
        caption = f"Indikator {ind.number}: {ind.short}, {span}. {label}."
    groups = []
    for sid in per_survey:
        s = ins.survey(sid)
        name = "deltagare" if s.participant else s.name.lower()
        if name not in groups:
            groups.append(name)
    from nns_text import join_sv
    note = f"Diagrammet visar förändringen mellan mätningarna för {join_sv(groups)}."
    if ctx.local:
        note += " Streckade linjer visar riket."
        if not (extra["riket"] == False).any():  # noqa: E712 - a column of booleans
            note += " Förbundets egna värden visas inte: de bygger på för få svar."
    return ChartSpec(number, caption, "line", frame, y_label=label, note=note)


def all_charts(ctx: Context) -> dict[int, list[ChartSpec]]:
    """The line charts per indicator number, numbered as in the national report.

    Cached per (data, scope, settings): every indicator notebook of a report
    needs the numbering, and a kernel shared by the notebooks keeps the result.
    """
    return _all_charts_cached(ctx.agg, ctx.scope, ctx.settings)


@functools.lru_cache(maxsize=8)
def chart_plan(agg, year: int, settings) -> dict[int, list[tuple[str, str, list[str]]]]:
    """{indicator: [(diagram number, key-figure kind, measures)]} for the year's national report.

    An indicator gets a chart when a measure has comparable key figures for at
    least ``chart_min_years`` years; measures with different kinds of key figure
    (the share Ja, the share clearly positive) get separate charts, Ja first,
    numbered 5.1, 5.2. Local reports use the same numbers.
    """
    national = Context(agg, nr.Scope(year), settings)
    plan = {}
    n = 1
    for ind in national.ins.indicators:
        measures = _chart_measures(national, ind)
        if not measures:
            continue
        kinds: dict[str, list[str]] = {}
        for qid in measures:
            kinds.setdefault(national.ins.key_figure_kind(qid, year), []).append(qid)
        ordered = sorted(kinds.items(), key=lambda kv: kv[0] != "ja")
        plan[ind.number] = [(str(n) if len(ordered) == 1 else f"{n}.{i}", kind, qids)
                            for i, (kind, qids) in enumerate(ordered, start=1)]
        n += 1
    return plan


@functools.lru_cache(maxsize=8)
def _all_charts_cached(agg, scope, settings) -> dict[int, list[ChartSpec]]:
    ctx = Context(agg, scope, settings)
    out = {}
    for number_of_ind, charts in chart_plan(agg, scope.year, settings).items():
        ind = ctx.ins.indicator(number_of_ind)
        own = set(ctx.measures(ind))
        specs = [_line_chart(ctx, ind, number, kind, [q for q in qids if q in own])
                 for number, kind, qids in charts if any(q in own for q in qids)]
        if specs:
            out[number_of_ind] = specs
    return out


def diagram_13(ctx: Context, number: int | None = None) -> ChartSpec:
    """Share of closing-survey participants in each indicator's key figure, report year.

    Numbered after the indicators' line charts (13 in the 2022 report).
    """
    ins = ctx.ins
    if number is None:
        number = len(chart_plan(ctx.agg, ctx.year, ctx.settings)) + 1
    cells = Cells(f"D{number}", forbund=ctx.forbund)
    rows = []
    groups = ["kvinnor", "man"] if not ctx.local else [nr.ALL]
    for ind in ins.indicators:
        for order, qid in enumerate(ind.measures):
            q = ins.question(qid)
            if q.survey != "deltagare_avslut" or not q.version(ctx.year):
                continue
            kind = ins.key_figure_kind(qid, ctx.year)
            for g in groups:
                c = ctx.visible_groups(qid, ctx.year).get(g)
                if not c or not c["n"]:
                    continue
                label = f"Indikator {ind.number}, fråga {q.version(ctx.year).number}"
                value = nr.key_figure(c, kind)
                cells.add(row=label, col=g, respondent=q.survey, question=q.version(ctx.year).number,
                          group=g, year=ctx.year, statistic="nyckeltal", value=value)
                rows.append({"series": label + f", {'kvinnor' if g == 'kvinnor' else 'män' if g == 'man' else 'samtliga'}",
                             "question_order": order, "riket": False, "indicator_number": ind.number})
    frame = cells.frame()
    extra = pd.DataFrame(rows, columns=["series", "question_order", "riket", "indicator_number"])
    frame = pd.concat([frame.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    frame["indicator"] = frame["indicator_number"].astype(str)
    frame = frame.drop(columns=["indicator_number"])
    caption = f"Andelen deltagare vid avslut vars svar ingår i nyckeltalet för respektive indikator, {ctx.year}."
    note = ("Nyckeltalet är andelen klart positiva svar, för indikator 7 andelen positiva svar och för "
            "fråga 8 andelen som svarat ja.")
    if frame.empty:
        had = ctx.local and "deltagare_avslut" in ctx.used_surveys()
        reason = (f"förbundets svar på avslutsenkäten {ctx.year} är för få för att visas" if had else
                  f"{'förbundet' if ctx.local else 'ingen'} har inga svar på avslutsenkäten {ctx.year}")
        note = f"Diagram {number} kan inte visas: {reason}."
    return ChartSpec(str(number), caption, "bars", frame, y_label="Nyckeltal", note=note)
