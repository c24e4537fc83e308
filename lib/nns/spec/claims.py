"""Facts about the results that the report's text states, computed from the figures the report shows.

Every sentence in the report that says something about the results is built from one of these functions
(in :mod:`nns.present.commentary` and :mod:`nns.present.prose`) or written by the analyst in the year's
editable text. The functions use only what the tables show (after disclosure control), so a sentence never
rests on a hidden figure. The rules (which change counts as an increase, how levels are averaged) are in
:mod:`nnsreport`.
"""
from __future__ import annotations

from dataclasses import dataclass

import nnsreport as nr
from nns.config import RIKET
from nns.spec.charts import chart_plan
from nns.spec.context import Context

__all__ = ["key_figure", "Level", "survey_levels", "indicator_levels", "Change", "period_changes",
           "gender_gaps", "participant_indicators", "MenShare", "men_compared_with_sus", "year_changes",
           "clearest_changes", "changed_indicators", "riket_comparison"]


def key_figure(ctx: Context, qid: str, year: int, group: str = nr.ALL, forbund: str | None = None) -> int | None:
    """The key figure as the report shows it (None when hidden, not asked or nobody answered)."""
    c = ctx.visible_groups(qid, year, forbund).get(group)
    if not c or not c["n"]:
        return None
    return nr.key_figure(c, ctx.ins.key_figure_kind(qid, year))


@dataclass(frozen=True)
class Level:
    """The mean key figure of a set of measures (a survey's, an indicator's), and its lowest and highest."""

    id: object
    mean: int
    low: int
    high: int
    measures: int


def _level(ident, values: list[int]) -> Level | None:
    return Level(ident, nr.mean_level(values), min(values), max(values), len(values)) if values else None


def survey_levels(ctx: Context, year: int | None = None) -> list[Level]:
    """Each survey's mean key figure over its measures (the scope's figures), highest first."""
    y = ctx.year if year is None else year
    out = []
    for s in ctx.ins.surveys_in(y):
        values = [v for q, _ in ctx.ins.questions_asked(s.id, y) if (v := key_figure(ctx, q.id, y)) is not None]
        if (lv := _level(s.id, values)) is not None:
            out.append(lv)
    return sorted(out, key=lambda lv: (-lv.mean, [s.id for s in ctx.ins.surveys].index(lv.id)))


def indicator_levels(ctx: Context) -> list[Level]:
    """Each measured indicator's mean key figure over its measures, highest first (ties: indicator order)."""
    out = []
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        values = [v for q in ctx.measures(ind) if (v := key_figure(ctx, q, ctx.year)) is not None]
        if (lv := _level(ind.number, values)) is not None:
            out.append(lv)
    return sorted(out, key=lambda lv: (-lv.mean, lv.id))


@dataclass(frozen=True)
class Change:
    """A measure's key figure in its first comparable year of the line charts and in the report year."""

    question: str
    first_year: int
    first: int
    last: int

    @property
    def points(self) -> int:
        return self.last - self.first

    @property
    def direction(self) -> str:
        return nr.direction(self.points)


def period_changes(ctx: Context) -> list[Change]:
    """The change of every measure drawn in the line charts, from its first comparable year to the report year.

    Measured on samtliga, for the scope (the nation, or a förbund), as the charts show them.
    """
    out = []
    for charts in chart_plan(ctx.agg, ctx.year, ctx.settings).values():
        for _, _, qids in charts:
            for qid in qids:
                q = ctx.ins.question(qid)
                start = max(q.compare_from(ctx.year), ctx.settings.first_year)
                years = [y for y in range(start, ctx.year) if key_figure(ctx, qid, y) is not None]
                last = key_figure(ctx, qid, ctx.year)
                if years and last is not None and years[0] < ctx.year:
                    out.append(Change(qid, years[0], key_figure(ctx, qid, years[0]), last))
    return out


def year_changes(ctx: Context) -> list[Change]:
    """Every measure's key figure last year and this year (samtliga, the scope's), where both are shown and
    the question is comparable; in indicator and measure order."""
    prev = ctx.year - 1
    out = []
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        for qid in ctx.measures(ind):
            q = ctx.ins.question(qid)
            if not q.version(prev) or q.compare_from(ctx.year) > prev:
                continue
            a, b = key_figure(ctx, qid, prev), key_figure(ctx, qid, ctx.year)
            if a is not None and b is not None:
                out.append(Change(qid, prev, a, b))
    return out


def clearest_changes(ctx: Context, n: int = 3) -> list[Change]:
    """The measures whose key figure changed most since last year, largest change first (ties: report order).

    Only changes that count as an increase or a decrease by the table-20 rule for one measure
    (``table20_points_per_measure`` points or more); none when no measure changed that much.
    """
    points = ctx.settings.table20_points_per_measure
    changes = [c for c in year_changes(ctx) if nr.direction(c.points, points) != "varken"]
    ranked = sorted(enumerate(changes), key=lambda ic: (-abs(ic[1].points), ic[0]))
    return [c for _, c in ranked[:n]]


def changed_indicators(ctx: Context, n: int = 2) -> list[int]:
    """The indicators of the clearest changes (:func:`clearest_changes`) that have a line chart in the report,
    at most ``n``, in the order of their largest change."""
    charted = set(chart_plan(ctx.agg, ctx.year, ctx.settings))
    out: list[int] = []
    for c in clearest_changes(ctx, n=len(year_changes(ctx))):
        ind = ctx.ins.indicator_of(c.question)
        if ind is not None and ind.number in charted and ind.number not in out:
            out.append(ind.number)
    return out[:n]


def riket_comparison(ctx: Context) -> list[tuple[str, int, int]]:
    """(question, the förbund's key figure, the nation's) of every measure where both are shown this year."""
    out = []
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        for qid in ctx.measures(ind):
            own, nation = key_figure(ctx, qid, ctx.year), key_figure(ctx, qid, ctx.year, forbund=RIKET)
            if own is not None and nation is not None:
                out.append((qid, own, nation))
    return out


def gender_gaps(ctx: Context) -> list[tuple[str, int, int]]:
    """(question, women's key figure, men's key figure) of every participant measure where both are shown."""
    out = []
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        for qid in ctx.measures(ind):
            survey = ctx.ins.survey(ctx.ins.question(qid).survey)
            if not survey.participant:
                continue
            k, m = key_figure(ctx, qid, ctx.year, "kvinnor"), key_figure(ctx, qid, ctx.year, "man")
            if k is not None and m is not None:
                out.append((qid, k, m))
    return out


def participant_indicators(ctx: Context) -> list[int]:
    """The indicators with at least one participant measure (those with answers by gender)."""
    return [ind.number for ind in nr.measured_indicators(ctx.ins, ctx.year)
            if any(ctx.ins.survey(ctx.ins.question(q).survey).participant for q in ctx.measures(ind))]


@dataclass(frozen=True)
class MenShare:
    """Men's share among a participant survey's respondents, beside their share among SUS's participants.

    ``men`` and ``unstated`` are shares of all the survey's respondents (tables 3 and 4), ``sus_men`` is SUS's
    (data/national.yaml, ``sus_gender``); all whole percent.
    """

    survey: str
    men: int
    unstated: int
    sus_men: int

    @property
    def direction(self) -> str:
        """"minskning": fewer men among the respondents than in SUS, "okning": more, "varken": within the
        report's two-point rule for a difference (:func:`nnsreport.direction`)."""
        return nr.direction(self.men - self.sus_men)

    @property
    def unstated_may_explain(self) -> bool:
        """Could the gap come from men not stating their gender: would it close if every unstated were a man?"""
        return nr.direction(self.men + self.unstated - self.sus_men) != "minskning"


def men_compared_with_sus(ctx: Context) -> list[MenShare]:
    """Men's share among the respondents of each participant survey that SUS's figures cover, in the scope's year.

    Empty when the year has no SUS figures; a survey whose gender split is hidden, or that nobody answered, is left
    out (a sentence never rests on a hidden figure).
    """
    fact = ctx.agg.fact("sus_gender", ctx.year)
    if not fact:
        return []
    out = []
    for s in ctx.ins.surveys_in(ctx.year):
        sus = fact["groups"].get(s.id)
        if sus is None or not s.participant or not s.background:
            continue
        background = ctx.ins.backgrounds[s.background]
        total = ctx.responses(s.id)
        shown = ctx.visible_responses(s.id)
        if not total or not all(shown.values()):
            continue
        men = nr.percent(ctx.responses(s.id, "man"), total)
        unstated = nr.percent(ctx.responses(s.id, background.missing), total)
        out.append(MenShare(s.id, men, unstated, sus["men"]))
    return out


def riket(ctx: Context) -> Context:
    """The national context of the same year (for a förbund's report: the nation beside it)."""
    return ctx.riket() if ctx.local else ctx

