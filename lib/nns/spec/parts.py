"""The one registry of the report's parts, in report order.

Every table and chart of the report is declared here once. A part has a key
(the label of the notebook cell that shows it, and of the ``{{< embed >}}``
that places it in a chapter), the notebook that shows it, its builder, and
how many table and diagram numbers it takes. Everything else reads this list:

* the numbering (tables and diagrams are numbered in the order of the parts);
* the notebooks (``tools/make_notebooks.py`` writes them from it; a test
  checks the committed ones agree) and the build's notebook plan;
* the ``.qmd`` embeds (a test checks each names a part of that notebook);
* figures.csv and the audit (:func:`all_tables`), and the tests.

Adding a table: write its builder (:mod:`nns.spec.tables`), add a :class:`Part`
here, and place its embed in a ``.qmd``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import nnsreport as nr
from nns.spec import charts, claims, comparison, tables
from nns.spec.context import Context
from nns.spec.model import ChartSpec, TableSpec

__all__ = ["Numbers", "Part", "PARTS", "part", "parts_for", "numbering", "notebooks_for", "build",
           "build_indicator", "all_specs", "all_tables", "INDICATOR_NOTEBOOK"]

#: The notebook of the indicator chapters (one executed copy per indicator).
INDICATOR_NOTEBOOK = "indikator"


@dataclass(frozen=True)
class Numbers:
    """The first table number and the first diagram number a part may use."""

    table: int
    chart: int


def _none(ctx: Context) -> int:
    return 0


def _one(ctx: Context) -> int:
    return 1


@dataclass(frozen=True)
class Part:
    """One part of the report: a cell of a notebook showing one or more tables or charts."""

    key: str
    notebook: str
    build: Callable[..., list]
    tables: Callable[[Context], int] = _none
    charts: Callable[[Context], int] = _none
    #: also in a förbund's own report
    local: bool = True
    #: in the national report (a förbund's own chapter is not)
    national: bool = True
    #: in the comparison between förbund (its own report: nnsreport render --jamforelse)
    comparison: bool = False
    #: an indicator chapter: the notebook runs once per indicator, ``build`` takes the indicator
    chapter: bool = False
    #: a text, not tables or charts: the year's editable text or computed sentences (nns.present.commentary),
    #: or a computed list (the sources)
    text: bool = False
    #: placed in the short version only (kortversion), repeating tables or charts the report shows elsewhere
    short: bool = False


def _indicator(ctx: Context, n: Numbers, ind) -> list:
    return [*tables.indicator_tables(ctx, ind, n.table), *charts.indicator_charts(ctx, ind, n.chart)]


def _no_specs(ctx: Context, n: Numbers) -> list:
    return []


def _changed_charts(ctx: Context, n: Numbers) -> list:
    """The line charts of the indicators that changed most since last year, as their chapters number them."""
    first = numbering(ctx)[next(p.key for p in PARTS if p.chapter)].chart
    return [c for number in claims.changed_indicators(ctx)
            for c in charts.indicator_charts(ctx, ctx.ins.indicator(number), first)]


def _measured(ctx: Context) -> int:
    return len(nr.measured_indicators(ctx.ins, ctx.year))


PARTS: tuple[Part, ...] = (
    Part("antal-enkater", "svarande", lambda ctx, n: [tables.table_1(ctx, n.table)], tables=_one),
    Part("kategorisering", "svarande", lambda ctx, n: [tables.categorisation(ctx)], local=False),
    Part("svarsfrekvenser", "svarande", lambda ctx, n: [tables.table_2(ctx, n.table)], tables=_one),
    Part("kon", "svarande", lambda ctx, n: tables.gender_tables(ctx, n.table),
         tables=lambda ctx: len(tables.participant_surveys(ctx.ins, ctx.year))),
    Part("kapitel", INDICATOR_NOTEBOOK, _indicator, tables=_measured, charts=charts.charted_indicators,
         chapter=True),
    Part("sammanvagd-utveckling", "utveckling", lambda ctx, n: [tables.table_20(ctx, n.table)], tables=_one),
    Part("insamlade-enkater", "insamling", lambda ctx, n: [tables.table_21(ctx, n.table)], tables=_one),
    Part("avslut", "avslut", lambda ctx, n: [charts.diagram_13(ctx, n.chart, "deltagare_avslut")], charts=_one),
    Part("text-sammanfattning", "texter", _no_specs, local=False, text=True),
    Part("resultat-i-korthet", "texter", _no_specs, local=False, text=True),
    Part("text-utveckling", "texter", _no_specs, local=False, text=True),
    Part("text-avslutande", "texter", _no_specs, local=False, text=True),
    Part("text-indikatorer", "texter", _no_specs, local=False, text=True),
    Part("kallor", "kallor", _no_specs, text=True),
    Part("bilaga-1", "bilagor", lambda ctx, n: [tables.bilaga_1(ctx)], local=False),
    Part("bilaga-2", "bilagor", lambda ctx, n: [tables.bilaga_2(ctx), tables.scales(ctx)], local=False),
    # the comparison between förbund: a report of its own, with its own numbers (Tabell J1, Diagram J1 …)
    Part("jamforelse-oversikt", "jamforelse", lambda ctx, n: [comparison.overview_table(ctx)], local=False,
         national=False, comparison=True),
    Part("jamforelse-lista", "jamforelse", lambda ctx, n: [comparison.learn_table(ctx)], local=False,
         national=False, comparison=True),
    Part("jamforelse-trattar", "jamforelse", lambda ctx, n: comparison.funnel_charts(ctx), local=False,
         national=False, comparison=True),
    # a förbund's chapter "Jämfört med andra förbund", numbered after the national report's tables and diagrams
    Part("jamforelse-lokal", "jamforelse",
         lambda ctx, n: [comparison.local_table(ctx, n.table), *comparison.local_charts(ctx, n.chart)],
         tables=_one, charts=comparison.local_chart_count, national=False),
    Part("kort-diagram", "kort", _changed_charts, short=True),
)


def part(key: str) -> Part:
    for p in PARTS:
        if p.key == key:
            return p
    raise KeyError(f"Ingen del av rapporten heter '{key}'. Delarna: {', '.join(p.key for p in PARTS)}.")


def parts_for(local: bool, comparison: bool = False) -> list[Part]:
    """The parts of the national report (``local`` False), of a förbund's report, or of the comparison."""
    if comparison:
        return [p for p in PARTS if p.comparison]
    return [p for p in PARTS if (p.local if local else p.national)]


def notebooks_for(local: bool, comparison: bool = False) -> list[str]:
    """The notebooks of a report, in report order (each once)."""
    return list(dict.fromkeys(p.notebook for p in parts_for(local, comparison)))


def numbering(ctx: Context) -> dict[str, Numbers]:
    """The first table and diagram number of every part.

    Numbers follow the order of :data:`PARTS` and are counted on the national
    report of the year, so that a förbund's report has the same numbers.
    """
    national = ctx.riket()
    memo = national._memo
    if "numbering" not in memo:
        t = c = 1
        out = {}
        for p in PARTS:
            out[p.key] = Numbers(t, c)
            t += p.tables(national)
            c += p.charts(national)
        memo["numbering"] = out
    return memo["numbering"]


def build(ctx: Context, key: str) -> list[TableSpec | ChartSpec]:
    """The tables and charts of a part (not of a chapter: see :func:`build_indicator`).

    Nothing for a part that does not belong in the context's report (a national part in a förbund's report,
    a förbund's chapter in a report of the nation). The comparison's parts are built for the nation: only the
    comparison's notebook holds them, and only its build runs that notebook for the nation.
    """
    p = part(key)
    if p.chapter:
        raise ValueError(f"Delen '{key}' är ett indikatorkapitel; använd build_indicator.")
    if (ctx.local and not p.local) or (not ctx.local and not (p.national or p.comparison)):
        return []
    return [s for s in p.build(ctx, numbering(ctx)[key]) if s is not None]


def build_indicator(ctx: Context, ind) -> list[TableSpec | ChartSpec]:
    """The tables and charts of one indicator's chapter."""
    p = next(p for p in PARTS if p.chapter)
    return p.build(ctx, numbering(ctx)[p.key], ind)


def all_specs(ctx: Context) -> list[TableSpec | ChartSpec]:
    """Every table and chart of a report, in report order (each once: the short version's repeats left out)."""
    out: list = []
    for p in parts_for(ctx.local, ctx.scope.comparison):
        if p.short:
            continue
        if p.chapter:
            for ind in ctx.ins.indicators:
                out += build_indicator(ctx, ind)
        else:
            out += build(ctx, p.key)
    return out


def all_tables(ctx: Context) -> list[TableSpec]:
    """Every table of a report, in report order."""
    return [s for s in all_specs(ctx) if isinstance(s, TableSpec)]
