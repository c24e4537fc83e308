"""The comparison between förbund: each förbund's key figure against the nation's, measure by measure.

For every measure of the report year:

* the national key figure ``p0`` (all förbund's answers together);
* each förbund's key figure with its 95 % Wilson interval, and the funnel's control limits at its number of
  answers: 95 % and 99.8 %, exact binomial, widened for overdispersion where the data call for it
  (:mod:`nns.spec.uncertainty`, Spiegelhalter 2005);
* a verdict (:func:`nnsreport.bedomning`): outside the 99.8 % limits a förbund is better or worse than
  expected; with fewer than ``comparison_min_answers`` answers it gets none.

What may be shown follows the year's disclosure control (:mod:`nns.disclosure`): a förbund's figures are shown
exactly where its own report shows them (samtliga of each question); everything else is "–". The verdict is
drawn at the 99.8 % limits because the comparison makes hundreds of comparisons a year (in 2022, 529 key figures
from at least 20 answers): at 95 % some 26 of them would fall outside the limits by chance alone, at 99.8 % one.

Builders here give the comparison report's tables and funnel plots (``Tabell J1``, ``Diagram J1`` …) and a
förbund's own chapter "Jämfört med andra förbund" (its verdicts and its place in each funnel, no other förbund
named).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

import nnsreport as nr
from nns.config import RIKET, Scope
from nns.spec import uncertainty
from nns.spec.context import Context
from nns.spec.model import CSV_COLUMNS, SUPPRESSED, Cells, Diagram, TableSpec, figure_rows, with_unprinted
from nns.spec.tables import key_figure_rule, suppression_note
from nns.text import fmt_int, fmt_pct, join_sv

__all__ = ["VERDICT_COVERAGE", "Unit", "MeasureComparison", "measures", "compare_measure", "comparisons",
           "FunnelSpec", "PlaceSpec", "funnel_charts", "overview_table", "learn_table", "local_table",
           "local_charts", "interval_text", "verdict_text", "decimal_text"]

#: The limits a verdict is drawn at (the outer pair of :data:`nns.spec.uncertainty.COVERAGES`).
VERDICT_COVERAGE = 0.998

#: How the comparison's statistics are named where they stand (figures.csv's ``col`` of a funnel's cells).
STAT_COLUMNS = {
    "n": "Antal svar", "nyckeltal": "Nyckeltal", "ki_lag": "95 % KI, nedre", "ki_hog": "95 % KI, övre",
    "grans95_lag": "95 %-gräns, nedre", "grans95_hog": "95 %-gräns, övre", "grans998_lag": "99,8 %-gräns, nedre",
    "grans998_hog": "99,8 %-gräns, övre", "bedomning": "Bedömning",
}


@dataclass(frozen=True)
class Unit:
    """One förbund on one measure: its figures when they may be shown, else only that it exists."""

    forbund: str
    shown: bool
    n: int = 0
    count: int = 0
    key_figure: int | None = None               # whole percent
    ci: tuple[float, float] = (0.0, 0.0)        # 95 % Wilson interval (shares)
    limits95: tuple[float, float] = (0.0, 0.0)  # the funnel at its n (shares)
    limits998: tuple[float, float] = (0.0, 0.0)
    verdict: str = ""

    @property
    def share(self) -> float:
        return self.count / self.n if self.n else 0.0


@dataclass(frozen=True)
class MeasureComparison:
    """Every förbund on one measure, against the national key figure."""

    qid: str
    indicator: int
    kind: str                       # which share is the key figure (klart_positivt, positivt, ja)
    year: int
    national_n: int
    national_count: int
    dispersion: uncertainty.Dispersion
    units: tuple[Unit, ...]

    @property
    def p0(self) -> float:
        return self.national_count / self.national_n

    @property
    def national_key_figure(self) -> int:
        return nr.percent(self.national_count, self.national_n)

    def shown(self) -> list[Unit]:
        return [u for u in self.units if u.shown]

    def verdicts(self, verdict: str) -> list[Unit]:
        return [u for u in self.units if u.shown and u.verdict == verdict]


def measures(ctx: Context) -> list[tuple[object, str]]:
    """(indicator, question id) of every measure asked in the report year, in the report's order."""
    ins = ctx.ins
    return [(ind, qid) for ind in nr.measured_indicators(ins, ctx.year) for qid in ind.measures
            if ins.question(qid).version(ctx.year)]


def compare_measure(ctx: Context, ind, qid: str) -> MeasureComparison | None:
    """Every förbund that used the measure's survey, against the nation; None when the nation's figure is hidden.

    φ is estimated from every förbund with answers (under the funnel's own assumption each squared z-score has
    mean 1 whatever the förbund's size); the limits and the verdicts are given only where the förbund's figure
    may be shown.
    """
    year, ins = ctx.year, ctx.ins
    kind = ins.key_figure_kind(qid, year)
    national = ctx.visible_groups(qid, year, RIKET).get(nr.ALL)
    if not national or not national["n"]:
        return None
    survey = ins.question(qid).survey
    raw = {f: ctx.qcounts(qid, year, f).get(nr.ALL) for f in ctx.agg.forbund(year, survey)}
    answered = {f: c for f, c in raw.items() if c and c["n"]}
    p0 = national[kind] / national["n"]
    dispersion = uncertainty.overdispersion([c[kind] for c in answered.values()],
                                            [c["n"] for c in answered.values()], p0)
    minimum = ctx.settings.comparison_min_answers
    visible = {f: ctx.visible_groups(qid, year, f).get(nr.ALL) for f in answered}
    ns = [v["n"] for v in visible.values() if v]
    # every förbund's limits in one call per coverage (scipy's distributions cost ~0.1 ms a call)
    lo95, hi95 = uncertainty.funnel_limits(p0, ns, 0.95, dispersion.phi)
    lo998, hi998 = uncertainty.funnel_limits(p0, ns, VERDICT_COVERAGE, dispersion.phi)
    limits = iter(zip(lo95.tolist(), hi95.tolist(), lo998.tolist(), hi998.tolist()))
    units = []
    for f, v in visible.items():
        if not v:
            units.append(Unit(f, shown=False))
            continue
        n, count = v["n"], v[kind]
        low95, high95, low998, high998 = next(limits)
        units.append(Unit(f, True, n, count, nr.percent(count, n), uncertainty.wilson(count, n), (low95, high95),
                          (low998, high998), nr.bedomning(count / n, n, low998, high998, minimum)))
    return MeasureComparison(qid, ind.number, kind, year, national["n"], national[kind], dispersion, tuple(units))


def comparisons(ctx: Context) -> tuple[MeasureComparison, ...]:
    """Every measure's comparison for the year: the same for the comparison report and every förbund's chapter.

    Cached per (data, year, settings): a kernel that builds many förbund's reports computes it once.
    """
    return _comparisons_cached(ctx.agg, ctx.year, ctx.settings, ctx.linked)


@functools.lru_cache(maxsize=4)
def _comparisons_cached(agg, year: int, settings, linked: bool) -> tuple[MeasureComparison, ...]:
    national = Context(agg, Scope(year), settings, linked)
    found = [compare_measure(national, ind, qid) for ind, qid in measures(national)]
    return tuple(m for m in found if m is not None)


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------

def measure_label(ins, qid: str, year: int) -> str:
    """'Fråga 3, personal' — a measure in a list."""
    q = ins.question(qid)
    return f"Fråga {q.version(year).number}, {ins.survey(q.survey).measure_label.lower()}"


def verdict_text(verdict: str) -> str:
    """A verdict in running text: 'bättre än förväntat', 'som förväntat', 'för få svar'.

    >>> verdict_text("samre"), verdict_text("for_fa_svar")
    ('sämre än förväntat', 'för få svar')
    """
    label = nr.BEDOMNING_LABELS[verdict].lower()
    return f"{label} än förväntat" if verdict in ("battre", "samre") else label


def interval_text(lo: float, hi: float) -> str:
    """An interval of shares as tables and text print it: '62–81 %'.

    >>> interval_text(0.6249, 0.805)
    '62–81\xa0%'
    """
    return f"{nr.whole_percent(lo)}–{fmt_pct(nr.whole_percent(hi))}"


# ---------------------------------------------------------------------------
# The funnel plot of one measure
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelSpec(Diagram):
    """A funnel plot: every förbund's key figure against its number of answers, with the control limits."""

    number: str
    caption: str
    cells: pd.DataFrame                 # figures.csv rows (a förbund's row, a statistic each; riket's row)
    comparison: MeasureComparison
    curves: pd.DataFrame                # n, lo95, hi95, lo998, hi998 (shares), for drawing the funnel
    minimum: int = 0                    # the fewest answers a verdict is given from
    note: str = ""
    kind: ClassVar[str] = "funnel"

    def figures(self) -> pd.DataFrame:
        return self.cells[CSV_COLUMNS].reset_index(drop=True)

    def figure_rows(self) -> list[list]:
        """:meth:`figures` as rows (:func:`nns.spec.model.figure_rows`)."""
        return figure_rows(self.cells)

    def alt_text(self) -> str:
        m = self.comparison
        parts = [f"Trattdiagram. Riket {m.national_key_figure}\u00a0% av {fmt_int(m.national_n)} svar."]
        for verdict, word in (("battre", "bättre"), ("samre", "sämre")):
            units = m.verdicts(verdict)
            if units:
                names = join_sv(f"{u.forbund} {u.key_figure}\u00a0% av {u.n}" for u in units)
                parts.append(f"{len(units)} förbund {word} än förväntat: {names}.")
        same, few = m.verdicts("som_forvantat"), m.verdicts("for_fa_svar")
        parts.append(f"{len(same)} förbund som förväntat, {len(few)} med för få svar för en bedömning"
                     + (f", {len(m.units) - len(m.shown())} visas inte." if len(m.shown()) < len(m.units) else "."))
        return " ".join(parts)


def _unit_cells(cells: Cells, ins, m: MeasureComparison, u: Unit) -> None:
    q = ins.question(m.qid)
    common = dict(row=u.forbund, respondent=q.survey, question=q.version(m.year).number, group=nr.ALL,
                  year=m.year, forbund=u.forbund)
    if not u.shown:
        for stat in STAT_COLUMNS:
            cells.add(col="", statistic=stat, value=SUPPRESSED, **common)
        return
    values = {"n": u.n, "nyckeltal": u.key_figure, "ki_lag": nr.whole_percent(u.ci[0]),
              "ki_hog": nr.whole_percent(u.ci[1]), "grans95_lag": nr.whole_percent(u.limits95[0]),
              "grans95_hog": nr.whole_percent(u.limits95[1]), "grans998_lag": nr.whole_percent(u.limits998[0]),
              "grans998_hog": nr.whole_percent(u.limits998[1]), "bedomning": u.verdict}
    for stat, value in values.items():
        cells.add(col="", statistic=stat, value=value, **common)


def funnel_chart(ctx: Context, m: MeasureComparison, number: str) -> FunnelSpec:
    ins = ctx.ins
    q = ins.question(m.qid)
    v = q.version(m.year)
    cells = Cells(f"D{number}", m.indicator)
    common = dict(row="Riket", col="", respondent=q.survey, question=v.number, group=nr.ALL, year=m.year,
                  forbund=RIKET)
    cells.add(statistic="n", value=m.national_n, **common)
    cells.add(statistic="nyckeltal", value=m.national_key_figure, **common)
    lo, hi = uncertainty.wilson(m.national_count, m.national_n)
    cells.add(statistic="ki_lag", value=nr.whole_percent(lo), **common)
    cells.add(statistic="ki_hog", value=nr.whole_percent(hi), **common)
    cells.add(statistic="overspridning", value=f"{m.dispersion.phi:.2f}", **common)
    for u in m.units:
        _unit_cells(cells, ins, m, u)
    top = max([u.n for u in m.shown()] + [ctx.settings.comparison_min_answers])
    grid = np.unique(np.concatenate([np.arange(1, 21), np.linspace(1, top * 1.08, 200).round()])).astype(int)
    lo95, hi95 = uncertainty.funnel_limits(m.p0, grid, 0.95, m.dispersion.phi)
    lo998, hi998 = uncertainty.funnel_limits(m.p0, grid, VERDICT_COVERAGE, m.dispersion.phi)
    curves = pd.DataFrame({"n": grid, "lo95": lo95, "hi95": hi95, "lo998": lo998, "hi998": hi998})
    label = "andelen positiva svar" if m.kind == "positivt" else "andelen som svarat ja" if m.kind == "ja" \
        else "andelen klart positiva svar"
    caption = f"Indikator {m.indicator}, fråga {v.number} till {ins.survey(q.survey).who}: ”{v.text}” " \
              f"Nyckeltal ({label}) per förbund, {m.year}."
    return FunnelSpec(number, caption, cells.frame(), m, curves, ctx.settings.comparison_min_answers,
                      note=funnel_note(ctx, m))


def funnel_note(ctx: Context, m: MeasureComparison) -> str:
    """What this funnel shows beyond what every funnel shows (the chapter says that): the nation, the widening,
    what is left out."""
    parts = [f"Riket {m.national_key_figure}\u00a0% av {fmt_int(m.national_n)} svar."]
    if m.dispersion.applied:
        parts.append(f"Gränserna är vidgade för överspridning (φ = {decimal_text(m.dispersion.phi)}).")
    else:
        parts.append("Exakta binomialgränser (ingen överspridning).")
    judged = len(m.shown()) - len(m.verdicts("for_fa_svar"))
    parts.append(f"{judged} av {len(m.units)} förbund har minst {ctx.settings.comparison_min_answers} svar och "
                 "får en bedömning.")
    hidden = len(m.units) - len(m.shown())
    if hidden:
        parts.append(f"{hidden} förbund visas inte (för få svar, eller talen skulle kunna räknas fram ur andra "
                     "rapporter).")
    return " ".join(parts)


def decimal_text(x: float) -> str:
    """φ as text prints it: two decimals, a decimal comma.

    >>> decimal_text(1.8456)
    '1,85'
    """
    return f"{x:.2f}".replace(".", ",")


def funnel_charts(ctx: Context) -> list[FunnelSpec]:
    """The comparison report's funnel plots, one per measure (Diagram J1 …)."""
    return [funnel_chart(ctx, m, f"J{i}") for i, m in enumerate(comparisons(ctx), start=1)]


# ---------------------------------------------------------------------------
# The comparison report's tables
# ---------------------------------------------------------------------------

OVERVIEW_COLUMNS = (("antal_forbund", "Förbund"), ("antal_battre", "Bättre"), ("antal_som_forvantat", "Som förväntat"),
                    ("antal_samre", "Sämre"), ("antal_for_fa_svar", "För få svar"), ("antal_dolda", "Visas inte"))


def by_survey(ctx: Context) -> list[MeasureComparison]:
    """The comparisons in survey order (a table's row groups), then in the report's order."""
    order = {s.id: i for i, s in enumerate(ctx.ins.surveys_in(ctx.year))}
    ms = list(comparisons(ctx))
    return sorted(ms, key=lambda m: order[ctx.ins.question(m.qid).survey])


def overview_table(ctx: Context) -> TableSpec:
    """Tabell J1: per measure, the national key figure and how many förbund got each verdict."""
    ins = ctx.ins
    cells = Cells("J1")
    for m in by_survey(ctx):
        q = ins.question(m.qid)
        common = dict(row_group=ins.survey(q.survey).table_label, row=f"Fråga {q.version(m.year).number} "
                      f"(indikator {m.indicator})", respondent=q.survey, question=q.version(m.year).number,
                      group=nr.ALL, year=m.year)
        cells.add(col="Riket", statistic="nyckeltal", value=m.national_key_figure, forbund=RIKET, **common)
        counts = {"antal_forbund": len(m.units), "antal_dolda": len(m.units) - len(m.shown())}
        counts.update({f"antal_{v}": len(m.verdicts(v)) for v in nr.BEDOMNINGAR})
        for stat, col in OVERVIEW_COLUMNS:
            cells.add(col=col, statistic=stat, value=counts[stat], **common)
        cells.add(col="Överspridning φ", statistic="overspridning", value=f"{m.dispersion.phi:.2f}", **common)
    notes = (f"Bättre (sämre) än förväntat: förbundets nyckeltal ligger över (under) 99,8-procentsgränserna runt "
             f"riket vid dess antal svar. För få svar: färre än {ctx.settings.comparison_min_answers} svar. Visas "
             f"inte: färre än {ctx.settings.min_answers} svar, eller så skulle talen kunna räknas fram ur andra "
             "rapporter.",
             "φ = 1: förbundens spridning ryms i slumpens, gränserna är exakta binomialgränser. φ > 1: förbunden "
             "skiljer sig mer än slumpen förklarar, och gränserna är vidgade med √φ.",
             key_figure_rule(ins, ctx.year))
    return TableSpec("J1", f"Förbundens nyckeltal jämförda med riket per mått, {ctx.year}.", cells.frame(),
                     layout="plain", footnotes=notes, stub_label="Mått", label_text="Tabell J1")


def learn_table(ctx: Context) -> TableSpec:
    """Tabell J2: the förbund whose key figure is clearly higher than expected, per measure — to learn from.

    Only the measures where some förbund is; a footnote counts the others.
    """
    ins = ctx.ins
    cells = Cells("J2")
    ms = by_survey(ctx)
    listed = [m for m in ms if m.verdicts("battre")]
    for m in listed:
        q = ins.question(m.qid)
        common = dict(row_group=ins.survey(q.survey).table_label,
                      row=f"Fråga {q.version(m.year).number} (indikator {m.indicator})", respondent=q.survey,
                      question=q.version(m.year).number, group=nr.ALL, year=m.year)
        best = sorted(m.verdicts("battre"), key=lambda u: (-u.share, nr.swedish_sort_key(u.forbund)))
        cells.add(col="Riket", statistic="nyckeltal", value=m.national_key_figure, forbund=RIKET, **common)
        text = "; ".join(f"{u.forbund} ({u.key_figure}\u00a0% av {fmt_int(u.n)} svar)" for u in best)
        cells.add(col="Förbund med tydligt högt nyckeltal", statistic="", value=text, **common)
    if not listed:
        cells.add(row="Alla mått", col="Riket", statistic="", value="")
        cells.add(row="Alla mått", col="Förbund med tydligt högt nyckeltal", statistic="", value="Inget förbund")
    notes = [f"Förbund vars nyckeltal ligger över 99,8-procentsgränsen runt riket vid deras antal svar (minst "
             f"{ctx.settings.comparison_min_answers} svar), med nyckeltal och antal svar."]
    if listed and len(listed) < len(ms):
        notes.append(f"På de övriga {len(ms) - len(listed)} måtten har inget förbund ett tydligt högt nyckeltal.")
    return TableSpec("J2", f"Förbund med tydligt höga resultat per mått, {ctx.year}.", cells.frame(),
                     layout="plain", footnotes=tuple(notes), stub_label="Mått", label_text="Tabell J2")


# ---------------------------------------------------------------------------
# A förbund's own chapter: "Jämfört med andra förbund"
# ---------------------------------------------------------------------------

def _own(ctx: Context) -> list[tuple[MeasureComparison, Unit]]:
    """The förbund's unit on every measure of a survey it used."""
    out = []
    for m in comparisons(ctx):
        unit = next((u for u in m.units if u.forbund == ctx.forbund), None)
        if unit is not None:
            out.append((m, unit))
    return out


def _qualify_national(cells: Cells, m: MeasureComparison) -> None:
    """The national key figure's 95 % interval, beside it (figures.csv)."""
    lo, hi = uncertainty.wilson(m.national_count, m.national_n)
    cells.qualify("ki_lag", nr.whole_percent(lo))
    cells.qualify("ki_hog", nr.whole_percent(hi))


def local_table(ctx: Context, number: int) -> TableSpec | None:
    """The förbund's verdict per measure, with its key figure, interval and the funnel's limits at its n."""
    if not ctx.local:
        return None
    ins = ctx.ins
    cells = Cells(str(number), forbund=ctx.forbund)
    hidden = False
    order = {s.id: i for i, s in enumerate(ins.surveys_in(ctx.year))}
    for m, u in sorted(_own(ctx), key=lambda mu: order[ins.question(mu[0].qid).survey]):
        q = ins.question(m.qid)
        common = dict(row_group=ins.survey(q.survey).table_label,
                      row=f"Fråga {q.version(m.year).number}", respondent=q.survey,
                      question=q.version(m.year).number, group=nr.ALL, year=m.year)
        if not u.shown:
            hidden = True
            for col, stat in (("n", "n"), ("Nyckeltal", "nyckeltal"), ("95 % KI", ""), ("Riket", None),
                              ("Gränser 95 %", ""), ("Gränser 99,8 %", ""), ("Bedömning", "bedomning")):
                if stat is None:
                    cells.add(col=col, statistic="nyckeltal", value=m.national_key_figure, forbund=RIKET, **common)
                    _qualify_national(cells, m)
                else:
                    cells.add(col=col, statistic=stat, value=SUPPRESSED, **common)
            continue
        cells.add(col="n", statistic="n", value=u.n, **common)
        cells.add(col="Nyckeltal", statistic="nyckeltal", value=u.key_figure, **common)
        cells.qualify("ki_lag", nr.whole_percent(u.ci[0]))
        cells.qualify("ki_hog", nr.whole_percent(u.ci[1]))
        cells.add(col="95 % KI", statistic="", value=interval_text(*u.ci), **common)
        cells.add(col="Riket", statistic="nyckeltal", value=m.national_key_figure, forbund=RIKET, **common)
        _qualify_national(cells, m)
        cells.add(col="Gränser 95 %", statistic="", value=interval_text(*u.limits95), **common)
        cells.qualify("grans95_lag", nr.whole_percent(u.limits95[0]))
        cells.qualify("grans95_hog", nr.whole_percent(u.limits95[1]))
        cells.add(col="Gränser 99,8 %", statistic="", value=interval_text(*u.limits998), **common)
        cells.qualify("grans998_lag", nr.whole_percent(u.limits998[0]))
        cells.qualify("grans998_hog", nr.whole_percent(u.limits998[1]))
        cells.add(col="Bedömning", statistic="bedomning", value=u.verdict, **common)
    if not cells.rows:
        return None
    notes = [f"Gränser: det spann runt riket där ett förbund med lika många svar hamnar om det bara skiljer sig "
             f"från riket av slumpen (95 och 99,8 procent). Bättre (sämre) än förväntat: nyckeltalet ligger över "
             f"(under) 99,8-procentsgränserna. För få svar: färre än {ctx.settings.comparison_min_answers} svar, "
             "ingen bedömning."]
    if hidden:
        notes += suppression_note(ctx)
    return TableSpec(str(number), f"Förbundets nyckeltal jämförda med alla förbund, {ctx.year}.",
                     cells.frame(), layout="comparison", footnotes=tuple(notes), unprinted=cells.unprinted())


@dataclass(frozen=True)
class PlaceSpec(Diagram):
    """A förbund's place in the funnels of one survey's measures: per measure the limits at its n, the nation,
    and its key figure with its interval."""

    number: str
    caption: str
    cells: pd.DataFrame
    rows: tuple[tuple[str, MeasureComparison, Unit], ...]     # (label, comparison, the förbund's unit)
    respondent: str
    note: str = ""
    unprinted: pd.DataFrame | None = None     # the key figures' intervals (figures.csv)
    kind: ClassVar[str] = "place"

    def figures(self) -> pd.DataFrame:
        return with_unprinted(self.cells[CSV_COLUMNS], self.unprinted)

    def figure_rows(self) -> list[list]:
        """:meth:`figures` as rows (:func:`nns.spec.model.figure_rows`)."""
        return figure_rows(self.cells, self.unprinted)

    def alt_text(self) -> str:
        parts = []
        for label, m, u in self.rows:
            verdict = verdict_text(u.verdict)
            parts.append(f"{label}: {u.key_figure}\u00a0% ({interval_text(*u.ci)}), riket "
                         f"{m.national_key_figure}\u00a0%, gränser {interval_text(*u.limits998)}, {verdict}")
        return "Förbundets plats i trattdiagrammen. " + "; ".join(parts) + "."


def local_charts(ctx: Context, first: int) -> list[PlaceSpec]:
    """One chart per survey the förbund used: its place in each measure's funnel (numbered from ``first``)."""
    if not ctx.local:
        return []
    ins = ctx.ins
    by_survey: dict[str, list] = {}
    for m, u in _own(ctx):
        if u.shown:
            by_survey.setdefault(ins.question(m.qid).survey, []).append((m, u))
    specs = []
    for i, (sid, rows) in enumerate(by_survey.items()):
        number = str(first + i)
        cells = Cells(f"D{number}", forbund=ctx.forbund)
        drawn = []
        for m, u in rows:
            q = ins.question(m.qid)
            label = f"Fråga {q.version(m.year).number} (ind. {m.indicator})"
            common = dict(row=label, col="", respondent=sid, question=q.version(m.year).number, group=nr.ALL,
                          year=m.year)
            cells.add(statistic="nyckeltal", value=u.key_figure, **common)
            cells.qualify("ki_lag", nr.whole_percent(u.ci[0]))
            cells.qualify("ki_hog", nr.whole_percent(u.ci[1]))
            cells.add(statistic="bedomning", value=u.verdict, **common)
            drawn.append((label, m, u))
        s = ins.survey(sid)
        few = any(u.verdict == "for_fa_svar" for _, _, u in drawn)
        note = ("Punkt: förbundets nyckeltal med 95-procentigt konfidensintervall. Streck: riket. Grå fält: "
                "gränserna vid förbundets antal svar, 95 procent (mörkare) och 99,8 procent (ljusare).")
        if few:
            note += f" Ofylld punkt: färre än {ctx.settings.comparison_min_answers} svar, ingen bedömning."
        specs.append(PlaceSpec(number, f"Förbundets plats i trattdiagrammen, {s.plural.lower()}, {ctx.year}.",
                               cells.frame(), tuple(drawn), sid, note, cells.unprinted()))
    return specs


def local_chart_count(ctx: Context) -> int:
    """How many diagram numbers the local chapter may use: one per survey of the year."""
    return len(ctx.ins.surveys_in(ctx.year))
