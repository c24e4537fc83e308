"""Chart builders: the line charts of each indicator's key figures over time, and the bar chart of the
closing survey (Diagram 13 in 2022).

The chart plan (which indicator gets which charts, and their numbers) is made
from the national data and used by every report of the year, so that a
förbund's charts carry the national report's numbers.
"""
from __future__ import annotations

import functools

import pandas as pd

import nnsreport as nr
from nns.config import RIKET, Scope
from nns.spec.context import Context
from nns.spec.model import Cells, ChartSpec
from nns.spec.tables import qualify_key_figure
from nns.text import join_sv

KIND_LABELS = {
    "klart_positivt": "Andelen klart positiva svar",
    "positivt": "Andelen positiva svar",
    "ja": "Andelen som svarat ja",
}


def comparable_years(ctx: Context, ind) -> dict[str, list[int]]:
    """{measure: the years since ``first_year`` whose key figures can be compared with this year's and have
    answers nationally} of an indicator: what decides whether it gets a line chart."""
    out = {}
    for qid in ctx.measures(ind):
        q = ctx.ins.question(qid)
        start = max(q.compare_from(ctx.year), ctx.settings.first_year)
        out[qid] = [y for y in range(start, ctx.year + 1) if ctx.qcounts(qid, y, RIKET).get(nr.ALL)]
    return out


def _chart_measures(ctx: Context, ind) -> list[str]:
    """The measures drawn in an indicator's chart: all with data, when one of them has comparable
    key figures for at least ``chart_min_years`` years (nationally); else none."""
    years = comparable_years(ctx, ind)
    if not any(len(y) >= ctx.settings.chart_min_years for y in years.values()):
        return []
    return [qid for qid, y in years.items() if y]


def _series_label(ins, qid: str, group: str, multi_question: bool, year: int) -> str:
    q = ins.question(qid)
    s = ins.survey(q.survey)
    base = s.series_label
    if multi_question:
        base += f", fråga {q.version(year).number}"
    if group != nr.ALL and s.background:
        base += ", " + ins.backgrounds[s.background].group(group).label
    return base


def _split_groups(ctx: Context, survey) -> list[str]:
    """The groups a national chart draws separately (kvinnor and män for participants); else samtliga."""
    if survey.participant and survey.background and not ctx.local:
        return [g.id for g in ctx.ins.backgrounds[survey.background].shown_groups]
    return [nr.ALL]


def indicator_charts(ctx: Context, ind, first: int = 1) -> list[ChartSpec]:
    """The line charts of one indicator (numbered as in the national report)."""
    return all_charts(ctx, first).get(ind.number, [])


def _line_chart(ctx: Context, ind, number: str, kind: str, qids: list[str]) -> ChartSpec:
    ins = ctx.ins
    years = list(range(ctx.settings.first_year, ctx.year + 1))
    per_survey = {}
    for qid in qids:
        per_survey.setdefault(ins.question(qid).survey, []).append(qid)
    cells = Cells(f"D{number}", ind.number, ctx.forbund)
    rows = []
    scopes = [ctx.forbund] + ([RIKET] if ctx.local else [])
    for qid in qids:
        q = ins.question(qid)
        s = ins.survey(q.survey)
        start = max(q.compare_from(ctx.year), ctx.settings.first_year)
        groups = _split_groups(ctx, s)
        for forbund in scopes:
            for g in groups:
                label = _series_label(ins, qid, g, len(per_survey[s.id]) > 1, ctx.year)
                if ctx.local:
                    label += ", riket" if forbund == RIKET else ""
                for y in years:
                    if y < start or not q.version(y):
                        continue
                    c = ctx.visible_groups(qid, y, forbund).get(g)
                    if not c or not c["n"]:
                        continue
                    value = nr.key_figure(c, ins.key_figure_kind(qid, y))
                    cells.add(row=label, col=str(y), respondent=s.id, question=q.version(ctx.year).number, group=g,
                              year=y, statistic="nyckeltal", value=value, forbund=forbund)
                    qualify_key_figure(cells, c, ins.key_figure_kind(qid, y))
                    rows.append({"series": label, "question_order": per_survey[s.id].index(qid),
                                 "riket": forbund == RIKET and ctx.local})
    frame = cells.frame()
    extra = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["series", "question_order", "riket"])
    frame = pd.concat([frame.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    span = f"{ctx.settings.first_year}–{ctx.year}"
    label = KIND_LABELS[kind]
    if len(qids) == 1 and "." in number:
        q = ins.question(qids[0])
        s = ins.survey(q.survey)
        v = q.version(ctx.year)
        caption = f"Fråga {v.number}, {s.who}: ”{v.text}”, {span}. {label}."
    else:
        caption = f"Indikator {ind.number}: {ind.short}, {span}. {label}."
    groups = []
    for sid in per_survey:
        s = ins.survey(sid)
        name = "deltagare" if s.participant else s.name.lower()
        if name not in groups:
            groups.append(name)
    note = f"Diagrammet visar förändringen mellan mätningarna för {join_sv(groups)}."
    note += " Det skuggade fältet kring en linje är nyckeltalets 95-procentiga konfidensintervall."
    if ctx.local:
        note += " Streckade linjer visar riket."
        if not (extra["riket"] == False).any():  # noqa: E712 - a column of booleans
            note += " Förbundets egna värden visas inte: de bygger på för få svar."
    return ChartSpec(number, caption, "line", frame, y_label=label, note=note, unprinted=cells.unprinted())


def all_charts(ctx: Context, first: int = 1) -> dict[int, list[ChartSpec]]:
    """The line charts per indicator number, numbered from ``first`` as in the national report.

    Cached per (data, scope, settings): every indicator notebook of a report
    needs the numbering, and a kernel shared by the notebooks keeps the result.
    """
    return _all_charts_cached(ctx.agg, ctx.scope, ctx.settings, first, ctx.linked)


@functools.lru_cache(maxsize=8)
def chart_plan(agg, year: int, settings, first: int = 1) -> dict[int, list[tuple[str, str, list[str]]]]:
    """{indicator: [(diagram number, key-figure kind, measures)]} for the year's national report.

    An indicator gets a chart when a measure has comparable key figures for at
    least ``chart_min_years`` years; measures with different kinds of key figure
    (the share Ja, the share clearly positive) get separate charts, Ja first,
    numbered 5.1, 5.2. Local reports use the same numbers.
    """
    national = Context(agg, Scope(year), settings)
    charted = []
    for ind in national.ins.indicators:
        measures = _chart_measures(national, ind)
        if not measures:
            continue
        kinds: dict[str, list[str]] = {}
        for qid in measures:
            kinds.setdefault(national.ins.key_figure_kind(qid, year), []).append(qid)
        charted.append((ind.number, sorted(kinds.items(), key=lambda kv: kv[0] != "ja")))
    numbers = nr.chart_numbers([len(kinds) for _, kinds in charted], first)
    return {ind: [(num, kind, qids) for num, (kind, qids) in zip(nums, kinds)]
            for (ind, kinds), nums in zip(charted, numbers)}


def charted_indicators(ctx: Context) -> int:
    """How many indicators get charts in the year's national report (each takes one diagram number)."""
    return len(chart_plan(ctx.agg, ctx.year, ctx.settings))


@functools.lru_cache(maxsize=8)
def _all_charts_cached(agg, scope, settings, first: int, linked: bool) -> dict[int, list[ChartSpec]]:
    ctx = Context(agg, scope, settings, linked)
    out = {}
    for number_of_ind, charts in chart_plan(agg, scope.year, settings, first).items():
        ind = ctx.ins.indicator(number_of_ind)
        own = set(ctx.measures(ind))
        specs = [_line_chart(ctx, ind, number, kind, [q for q in qids if q in own])
                 for number, kind, qids in charts if any(q in own for q in qids)]
        if specs:
            out[number_of_ind] = specs
    return out


def diagram_13(ctx: Context, number: int, survey: str = "deltagare_avslut") -> ChartSpec:
    """Share of one survey's respondents (the closing survey) in each indicator's key figure, report year.

    Numbered after the indicators' line charts (Diagram 13 in the 2022 report).
    """
    ins = ctx.ins
    s = ins.survey(survey)
    cells = Cells(f"D{number}", forbund=ctx.forbund)
    rows = []
    groups = _split_groups(ctx, s)
    names = {g.id: g.label for g in ins.backgrounds[s.background].groups} if s.background else {}
    names[nr.ALL] = "samtliga"
    asked = []
    for ind in ins.indicators:
        for order, qid in enumerate(ind.measures):
            q = ins.question(qid)
            if q.survey != survey or not q.version(ctx.year):
                continue
            asked.append((ind, qid))
            kind = ins.key_figure_kind(qid, ctx.year)
            for g in groups:
                c = ctx.visible_groups(qid, ctx.year).get(g)
                if not c or not c["n"]:
                    continue
                label = f"Indikator {ind.number}, fråga {q.version(ctx.year).number}"
                value = nr.key_figure(c, kind)
                cells.add(row=label, col=g, respondent=q.survey, question=q.version(ctx.year).number,
                          group=g, year=ctx.year, statistic="nyckeltal", value=value)
                qualify_key_figure(cells, c, kind)
                rows.append({"series": f"{label}, {names[g]}", "question_order": order, "riket": False,
                             "indicator_number": ind.number})
    frame = cells.frame()
    extra = pd.DataFrame(rows, columns=["series", "question_order", "riket", "indicator_number"])
    frame = pd.concat([frame.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    frame["indicator"] = frame["indicator_number"].astype(str)
    frame = frame.drop(columns=["indicator_number"])
    unprinted = cells.unprinted()
    unprinted["indicator"] = unprinted["row"].map(dict(zip(frame["row"], frame["indicator"])))
    caption = f"Andelen deltagare vid avslut vars svar ingår i nyckeltalet för respektive indikator, {ctx.year}."
    note = _key_figure_note(ins, asked, ctx.year) + " Strecken vid staplarnas ändar är 95-procentiga konfidensintervall."
    if frame.empty:
        had = ctx.local and survey in ctx.used_surveys()
        reason = (f"förbundets svar på avslutsenkäten {ctx.year} är för få för att visas" if had else
                  f"{'förbundet' if ctx.local else 'ingen'} har inga svar på avslutsenkäten {ctx.year}")
        note = f"Diagram {number} kan inte visas: {reason}."
    return ChartSpec(str(number), caption, "bars", frame, y_label="Nyckeltal", note=note, unprinted=unprinted)


def _key_figure_note(ins, asked: list, year: int) -> str:
    """Which share the key figure of each drawn measure is, from the instrument.

    >>> from nns.instrument import load_instrument
    >>> ins = load_instrument()
    >>> asked = [(ind, q) for ind in ins.indicators for q in ind.measures if q.startswith("deltagare_avslut.")]
    >>> _key_figure_note(ins, asked, 2022)
    'Nyckeltalet är andelen klart positiva svar, för indikator 7 andelen positiva svar och för fråga 8 andelen som svarat ja.'
    """
    positive = sorted({ind.number for ind, q in asked if ins.key_figure_kind(q, year) == "positivt"})
    yes = [ins.question(q).version(year).number for _, q in asked if ins.key_figure_kind(q, year) == "ja"]
    parts = []
    if positive:
        parts.append(f"för indikator {join_sv(positive)} andelen positiva svar")
    if yes:
        parts.append(f"för fråga {join_sv(yes)} andelen som svarat ja")
    return "Nyckeltalet är andelen klart positiva svar" + (", " + join_sv(parts) if parts else "") + "."
