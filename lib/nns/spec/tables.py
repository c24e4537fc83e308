"""Table builders: one function per table of the report, each returning :class:`TableSpec` (or a list).

Builders take the context and the number the registry (:mod:`nns.spec.parts`)
gives the table, so that the numbering follows the report's order.
"""
from __future__ import annotations

import pandas as pd

import nnsreport as nr
from nns import layer
from nns.config import RIKET
from nns.disclosure import QUESTION
from nns.spec import uncertainty
from nns.spec.context import Context
from nns.spec.model import DASH, SUPPRESSED, Cells, TableSpec
from nns.text import capitalize, join_sv

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


def table_1(ctx: Context, number: int = 1) -> TableSpec:
    """Antal enkäter och förbund per respondentgrupp."""
    cells = Cells(str(number), forbund=ctx.forbund)
    surveys = ctx.ins.surveys_in(ctx.year)
    scopes = [(ctx.forbund, "")] + ([("", "Riket")] if ctx.local else [])
    for f, suffix in scopes:
        label = "Antal besvarade enkäter" + (f", {suffix.lower()}" if suffix else "")
        total = 0
        for s in surveys:
            n = ctx.responses(s.id, forbund=f)
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
    notes = ("– = förbundet använde inte enkäten.",) if ctx.local and len(ctx.used_surveys()) < len(surveys) else ()
    return TableSpec(str(number), caption, cells.frame(), stub_label="", footnotes=notes)


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


def table_2(ctx: Context, number: int = 2) -> TableSpec:
    """Svarsfrekvenser per respondentgrupp (målpopulation, undersökt population, svar)."""
    cells = Cells(str(number), forbund=ctx.forbund)
    cols = [("malpopulation", "Målpopulation"), ("undersokt", "Undersökt population"),
            ("undersokt_andel_mal", "Undersökt population i förhållande till målpopulation"),
            ("antal_svar", "Antal svar: svarat på minst en fråga"),
            ("andel_undersokt", "Andel svar: undersökt population"), ("andel_mal", "Andel svar: målpopulation")]
    total = dict.fromkeys(["mal", "und", "und_with_mal", "mal_with_und", "svar_with_und", "svar_with_mal"], 0)
    total["reported_mal"] = total["reported_und"] = False
    total_svar = 0
    no_target = False
    for s in ctx.ins.surveys_in(ctx.year):
        svar = ctx.responses(s.id)
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
    return TableSpec(str(number), "Svarsfrekvenser per respondentgrupp.", cells.frame(), layout="populations",
                     footnotes=notes)


def participant_surveys(ins, year: int) -> list:
    """The participant surveys asked in ``year``: each gets a table of respondents by gender."""
    return [s for s in ins.surveys_in(year) if s.participant]


def gender_tables(ctx: Context, first: int = 3) -> list[TableSpec]:
    """Antal svarande deltagare per enkät uppdelat på kön (tabell 3 och 4 in 2022): one per participant survey."""
    specs = []
    for i, s in enumerate(participant_surveys(ctx.ins, ctx.year)):
        number = str(first + i)
        cells = Cells(number, forbund=ctx.forbund)
        bg = ctx.ins.backgrounds[s.background]
        total = ctx.responses(s.id)
        counts = {g.id: ctx.responses(s.id, g.id) for g in bg.groups}
        visible = ctx.visible_responses(s.id)
        for g in bg.groups:
            v, show = counts[g.id], visible[g.id]
            cells.add(row=g.table_label, col=s.plural, respondent=s.id, group=g.id, year=ctx.year,
                      statistic="antal_svar", value=v if show else SUPPRESSED)
            cells.add(row=g.table_label, col="Andel", respondent=s.id, group=g.id, year=ctx.year,
                      statistic="andel", value=(nr.percent(v, total) if total else DASH) if show else SUPPRESSED)
        cells.add(row="Totalt antal enkätsvar", col=s.plural, respondent=s.id, group=nr.ALL, year=ctx.year,
                  statistic="antal_svar", value=total)
        cells.add(row="Totalt antal enkätsvar", col="Andel", respondent=s.id, group=nr.ALL, year=ctx.year,
                  statistic="andel", value=100 if total else DASH)
        notes = suppression_note(ctx) if not all(visible.values()) else ()
        specs.append(TableSpec(number, f"Antal svarande {s.name.lower()} uppdelat på kön.", cells.frame(),
                               footnotes=notes, totals=("Totalt antal enkätsvar",)))
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


def indicator_tables(ctx: Context, ind, first: int = 5) -> list[TableSpec]:
    """Tables N.1 (one per kind of scale, Ja/Nej first) and the key-figure table for an indicator.

    The measured indicators' tables are numbered from ``first`` on (N = first, first + 1, …).
    """
    measured = [i.number for i in nr.measured_indicators(ctx.ins, ctx.year)]
    prefix = nr.table_prefix(measured, ind.number, first)
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
        national = ctx.visible_groups(qid, ctx.year, RIKET) if ctx.local else {}
        for gid, glabel in group_rows(ctx.ins, q.survey):
            row = glabel
            c = visible.get(gid)
            n_all = all_groups.get(gid, {}).get("n", 0)
            common = dict(row_group=rg, row=row, respondent=q.survey, question=number_q, group=gid, year=ctx.year)
            if c is None:
                # "–" hides a cell (answers or not: a hidden zero is hidden too); "-" means there are none
                mark = SUPPRESSED if n_all > 0 or not ctx.shows(QUESTION, qid, ctx.forbund, gid) else DASH
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
                raw_nc = ctx.qcounts(qid, ctx.year, RIKET).get(gid)
                hidden_any |= nc is None and bool(raw_nc and raw_nc["n"])
                hidden_nc = not ctx.shows(QUESTION, qid, RIKET, gid)
                for stat, col in stats[-2:]:
                    v = nr.percent(nc[stat], nc["n"]) if nc and nc["n"] else \
                        (SUPPRESSED if (raw_nc and raw_nc["n"]) or hidden_nc else DASH)
                    cells.add(col_group="Riket", col=col, statistic=stat, value=v, forbund=RIKET, **common)
    notes = suppression_note(ctx) if hidden_any else ()
    return TableSpec(number, f"Indikator {ind.number}.", cells.frame(),
                     layout="yesno" if yes_no else "categories", footnotes=notes)


def suppression_note(ctx: Context) -> tuple[str, ...]:
    """The footnote of a table with hidden cells (the rule: docs/disclosure.md and the method chapter)."""
    return (f".. = visas inte: beräknat på färre än {ctx.settings.min_answers} svar, eller så skulle ett sådant "
            "tal kunna räknas fram ur andra tal i denna eller andra rapporter.",)


def _key_figure_table(ctx: Context, ind, number: str, measures: list[str]) -> TableSpec:
    years = comparison_years(ctx, ind)
    cells = Cells(number, ind.number, ctx.forbund)
    hidden_any = marked = False
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
                    elif (raw and raw["n"] > 0) or not ctx.shows(QUESTION, qid, ctx.forbund, gid, y):
                        n_val = kf_val = SUPPRESSED
                        hidden_any = True
                # a local table has three columns a year (with riket): a short label keeps them readable
                cells.add(col_group=str(y), col="n" if ctx.local else "antal svar", statistic="antal_svar",
                          value=n_val, year=y, **common)
                # the change since the year before, of the report year's figure
                change = clear_change(ctx, qid, gid) if y == ctx.year and kf_val not in (DASH, SUPPRESSED) else None
                marked |= bool(change and change[2] != "varken")
                cells.add(col_group=str(y), col="nyckeltal", statistic="nyckeltal", value=kf_val, year=y,
                          mark=CHANGE_MARKS.get(change[2], "") if change else "", **common)
                if kf_val not in (DASH, SUPPRESSED):
                    qualify_key_figure(cells, c, kind, change)
                if ctx.local:
                    v = DASH
                    if y >= start and q.version(y):
                        nc = ctx.visible_groups(qid, y, RIKET).get(gid)
                        raw_nc = ctx.qcounts(qid, y, RIKET).get(gid)
                        if nc and nc["n"]:
                            v = nr.key_figure(nc, kind)
                        elif (raw_nc and raw_nc["n"]) or not ctx.shows(QUESTION, qid, RIKET, gid, y):
                            v = SUPPRESSED
                            hidden_any = True
                    cells.add(col_group=str(y), col="riket", statistic="nyckeltal", value=v, year=y,
                              forbund=RIKET, **common)
                    if v not in (DASH, SUPPRESSED):
                        qualify_key_figure(cells, nc, kind)
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    yes_no = " (för ja/nej-frågan andelen ja-svar)" if any(ctx.ins.scale_of(m, ctx.year).yes_no for m in measures) \
        else ""
    caption = f"Nyckeltal ”{key_figure_name(ind)}”{yes_no} för indikator {ind.number}, jämförelse {span}."
    notes = change_notes(ctx, measures, years)
    if marked:
        notes = notes + (change_mark_note(ctx),)
    if hidden_any:
        notes = notes + suppression_note(ctx)
    return TableSpec(number, caption, cells.frame(), layout="keyfigures", footnotes=notes,
                     unprinted=cells.unprinted())


# ---------------------------------------------------------------------------
# Uncertainty of key figures and of their changes
# ---------------------------------------------------------------------------

#: The marks beside a key figure whose change since the previous year is statistically clear.
CHANGE_MARKS = {"okning": "\u00a0↑", "minskning": "\u00a0↓"}


def change_mark_note(ctx: Context) -> str:
    """The footnote that explains the marks of a statistically clear change."""
    return (f"↑ ↓ = statistiskt tydlig ökning eller minskning sedan {ctx.year - 1}: det 95-procentiga "
            f"konfidensintervallet för förändringen omfattar inte noll (se {_method_section(ctx)}).")


def _method_section(ctx: Context) -> str:
    """Where the method is described: this report's method chapter, or the national report's."""
    return "metodavsnittet i den nationella rapporten" if ctx.local else "metodavsnittet"


def clear_change(ctx: Context, qid: str, group: str, year: int | None = None,
                 forbund: str | None = None) -> tuple[int, int, str] | None:
    """The change of a key figure since the year before: its 95 % interval in whole percentage points
    (Newcombe) and whether it is statistically clear (:func:`nnsreport.clear_change`).

    None when the question cannot be compared with the year before, or either year's figure is not shown.
    """
    y = ctx.year if year is None else year
    q = ctx.ins.question(qid)
    if not q.version(y) or not q.version(y - 1) or q.compare_from(y) > y - 1:
        return None
    now = ctx.visible_groups(qid, y, forbund).get(group)
    before = ctx.visible_groups(qid, y - 1, forbund).get(group)
    if not now or not before or not now["n"] or not before["n"]:
        return None
    kind_now, kind_before = ctx.ins.key_figure_kind(qid, y), ctx.ins.key_figure_kind(qid, y - 1)
    lo, hi = uncertainty.newcombe(now[kind_now], now["n"], before[kind_before], before["n"])
    return nr.whole_percent(lo), nr.whole_percent(hi), nr.clear_change(lo, hi)


def qualify_key_figure(cells: Cells, counts: dict, kind: str, change: tuple | None = None) -> None:
    """Record the 95 % interval of the key figure just added (and of its change) beside it in figures.csv."""
    lo, hi = uncertainty.wilson(counts[kind], counts["n"])
    cells.qualify("ki_lag", nr.whole_percent(lo))
    cells.qualify("ki_hog", nr.whole_percent(hi))
    if change:
        cells.qualify("forandring_ki_lag", change[0])
        cells.qualify("forandring_ki_hog", change[1])
        cells.qualify("tydlig_forandring", change[2])


def _questions_to(ins, numbered: list[tuple[str, int]]) -> str:
    """Questions named in a note, grouped by survey: "frågorna 10 och 11 till personal och fråga 4 till styrelse".

    ``numbered`` holds (question id, number as printed) in the table's order.
    """
    by_survey: dict[str, list[int]] = {}
    for qid, number in numbered:
        by_survey.setdefault(ins.question(qid).survey, []).append(number)
    parts = []
    for sid, numbers in by_survey.items():
        word = "fråga" if len(numbers) == 1 else "frågorna"
        parts.append(f"{word} {join_sv(numbers)} till {ins.survey(sid).name.lower()}")
    return join_sv(parts)


def change_notes(ctx: Context, measures: list[str], years: list[int]) -> tuple[str, ...]:
    """Footnotes on changed questions and new surveys, generated from the instrument history.

    A change is noted when it falls inside the comparison window, i.e. after
    the window's natural first year. One note per kind of change and year names every
    question it concerns (not one note per question saying the same).
    """
    ins = ctx.ins
    natural = ctx.year - ctx.settings.comparison_years + 1
    new_surveys: dict[int, list[str]] = {}
    # (kind, year) -> [(question id, number as printed, number before)], in the table's order
    changed: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
    for qid in measures:
        q = ins.question(qid)
        s = ins.survey(q.survey)
        now = q.version(ctx.year)
        if s.from_year > natural and s.from_year == q.from_year:
            if s.name not in new_surveys.setdefault(s.from_year, []):
                new_surveys[s.from_year].append(s.name)
            continue
        if q.from_year > natural and s.from_year < q.from_year:
            changed.setdefault(("ny", q.from_year), []).append((qid, now.number, now.number))
        for before, after in q.changes():
            if after.from_year <= natural or after.from_year > ctx.year:
                continue
            if not after.comparable:
                changed.setdefault(("ersatt", after.from_year), []).append((qid, after.number, before.number))
                continue
            if before.number != after.number:
                changed.setdefault(("numrerad", after.from_year), []).append((qid, after.number, before.number))
            if before.text != after.text:
                changed.setdefault(("omformulerad", after.from_year), []).append((qid, after.number, before.number))
    notes = []
    for year, names in new_surveys.items():
        notes.append(f"{capitalize(join_sv(names))} tillfrågades första gången {year}; därför saknas data för "
                     "tidigare år.")
    for (kind, year), items in changed.items():
        who = capitalize(_questions_to(ins, [(qid, number) for qid, number, _ in items]))
        one = len(items) == 1
        if kind == "ny":
            notes.append(f"{who} ställdes första gången {year}.")
        elif kind == "ersatt":
            what = "en tidigare fråga som inte är jämförbar" if one else "tidigare frågor som inte är jämförbara"
            notes.append(f"{who} ersatte {year} {what}; jämförelsen börjar därför {year}.")
        elif kind == "numrerad":
            befores = [str(before) for _, _, before in items]
            was = befores[0] if one else f"{', '.join(befores[:-1])} respektive {befores[-1]}"
            notes.append(f"{who} var fråga {was} till och med {year - 1}.")
        else:
            notes.append(f"{who} omformulerades {year} men bedöms vara {'jämförbar' if one else 'jämförbara'} "
                         "med tidigare år.")
    return tuple(notes)


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


def table_20(ctx: Context, number: int = 20) -> TableSpec:
    """Sammanvägd indikatorutveckling: the table-20 rule per indicator, in total and for kvinnor and män."""
    cells = Cells(str(number), forbund=ctx.forbund)
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
        # beside the rule, which stays as published: how many measures changed clearly (in total)
        _, changes = indicator_development(ctx, ind, nr.ALL)
        verdicts = [clear_change(ctx, qid, nr.ALL) for qid, _ in changes]
        for direction, col in (("okning", "Mått med tydlig ökning"), ("minskning", "Mått med tydlig minskning")):
            count = sum(1 for v in verdicts if v and v[2] == direction)
            cells.add(row=row, col=col, group=nr.ALL, year=ctx.year, statistic=f"tydlig_{direction}",
                      value=count if changes else DASH, mark=f" av {len(changes)}" if changes else "")
            if changes and direction == "okning":
                cells.qualify("jamforda_matt", len(changes))
    frame = cells.frame()
    frame["indicator"] = [r.split(" ", 1)[0] for r in frame["row"]]
    unprinted = cells.unprinted()
    unprinted["indicator"] = [r.split(" ", 1)[0] for r in unprinted["row"]]
    caption = f"Sammanvägd indikatorutveckling {ctx.year} jämfört med {prev}."
    notes = (f"Mått med tydlig ökning (minskning): mått vars nyckeltal ökat (minskat) statistiskt tydligt sedan "
             f"{prev}, det vill säga där det 95-procentiga konfidensintervallet för förändringen ligger helt över "
             "(under) noll; räknat för samtliga. Kolumnerna kompletterar regeln i de tre första kolumnerna, som är "
             f"densamma som tidigare år (se {_method_section(ctx)}).",)
    return TableSpec(str(number), caption, frame, layout="development", stub_label="Nr Indikator", footnotes=notes,
                     unprinted=unprinted)


# ---------------------------------------------------------------------------
# Table 21 and Bilaga 1
# ---------------------------------------------------------------------------

def table_21(ctx: Context, number: int = 21) -> TableSpec:
    """Antal insamlade enkäter och deltagande förbund per år."""
    cells = Cells(str(number), forbund=ctx.forbund)
    years = [y for y in ctx.agg.years if ctx.settings.first_year <= y <= ctx.year]
    total = 0
    for y in years:
        n = layer.total_responses(ctx.agg, y, ctx.forbund)
        total += n
        label = "Totalt insamlade enkäter" + (f" ({ctx.forbund})" if ctx.local else "")
        cells.add(row=label, col=str(y), year=y, statistic="antal_svar", value=n)
    cells.add(row="Totalt insamlade enkäter" + (f" ({ctx.forbund})" if ctx.local else ""), col="Totalt",
              statistic="antal_svar", value=total)
    nat_total = 0
    for y in years:
        forbund = ctx.agg.forbund(y)
        n = layer.total_responses(ctx.agg, y)
        nat_total += n
        nationally = ctx.agg.forbund_nationally(y)
        if ctx.local:
            cells.add(row="Totalt insamlade enkäter, riket", col=str(y), year=y, statistic="antal_svar",
                      value=n, forbund=RIKET)
        cells.add(row="Antal deltagande förbund", col=str(y), year=y, statistic="antal_forbund",
                  value=len(forbund), forbund=RIKET)
        cells.add(row="Antal samordningsförbund nationellt", col=str(y), year=y,
                  statistic="antal_forbund_nationellt", value=nationally if nationally else DASH, forbund=RIKET)
        cells.add(row="Andel deltagande förbund", col=str(y), year=y, statistic="andel_forbund",
                  value=nr.percent(len(forbund), nationally) if nationally else DASH, forbund=RIKET)
    if ctx.local:
        cells.add(row="Totalt insamlade enkäter, riket", col="Totalt", statistic="antal_svar", value=nat_total,
                  forbund=RIKET)
    for label in ("Antal deltagande förbund", "Antal samordningsförbund nationellt", "Andel deltagande förbund"):
        cells.add(row=label, col="Totalt", statistic="", value=DASH, forbund=RIKET)
    caption = f"Antal insamlade enkäter och deltagande förbund {years[0]}–{years[-1]}."
    missing = [y for y in years if not ctx.agg.forbund_nationally(y)]
    notes = (f"– = uppgift saknas om antalet samordningsförbund i landet {join_sv(missing)} "
             "(data/national.yaml).",) if missing else ()
    return TableSpec(str(number), caption, cells.frame(), footnotes=notes)


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
                  statistic="antal_svar", value=ctx.responses(s.id, forbund=RIKET))
    for s in surveys:
        cells.add(row="SUMMA antal deltagande förbund", col=s.plural, respondent=s.id, year=ctx.year,
                  statistic="antal_forbund", value=len(ctx.agg.forbund(ctx.year, s.id)))
    frame = cells.frame()
    caption = f"Deltagande samordningsförbund {ctx.year} och antal insamlade enkäter per respondentgrupp."
    notes = ("* Förbundet deltog inte i föregående års mätning. – Förbundet använde inte enkättypen.",)
    return TableSpec("B1", caption, frame, layout="bilaga1", footnotes=notes, stub_label="Samordningsförbund",
                     totals=("SUMMA antal insamlade enkäter", "SUMMA antal deltagande förbund"))


# ---------------------------------------------------------------------------
# Tables of text from the instrument: Bild 1, Bilaga 2 and the scales
# ---------------------------------------------------------------------------

def _questions_on(ins, scale_id: str, year: int) -> list[str]:
    """The questions answered on a scale in ``year``."""
    return [q.id for s in ins.surveys_in(year) for q, v in ins.questions_asked(s.id, year) if v.scale == scale_id]


def _asked_with(ins, scale_id: str, year: int) -> str:
    """" (fråga 8, avslut)": where a scale used by few questions is asked, for a row label."""
    by_survey: dict[str, list[int]] = {}
    for qid in _questions_on(ins, scale_id, year):
        q = ins.question(qid)
        by_survey.setdefault(q.survey, []).append(q.version(year).number)
    parts = [f"fråga {join_sv(sorted(n))}, {ins.survey(sid).series_label.lower()}" for sid, n in by_survey.items()]
    return f" ({'; '.join(parts)})" if parts else ""


def key_figure_rule(ins, year: int) -> str:
    """The sentence that says which share each measure's key figure is, from the instrument.

    >>> from nns.instrument import load_instrument
    >>> key_figure_rule(load_instrument(), 2022)
    'Nyckeltalet är andelen klart positiva svar, utom för indikator 7 där det är andelen positiva svar och för fråga 8 i avslutsenkäten där det är andelen som svarat ja.'
    """
    positive = [i.number for i in nr.measured_indicators(ins, year) if i.key_figure == "positivt"]
    exceptions = []
    if positive:
        word = "indikator" if len(positive) == 1 else "indikatorerna"
        exceptions.append(f"för {word} {join_sv(positive)} där det är andelen positiva svar")
    yes_no = ins.yes_no_questions(year)
    if yes_no:
        exceptions.append(f"för {ins.questions_phrase(yes_no, year)} där det är andelen som svarat ja")
    rule = "Nyckeltalet är andelen klart positiva svar"
    return f"{rule}, utom {join_sv(exceptions)}." if exceptions else f"{rule}."


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
            row = f"Svarsskala {sid}" + _asked_with(ins, sid, ctx.year)
            cells.add(row=row, col_group=names["negativt"], col="1", statistic="", value=no)
            cells.add(row=row, col_group=names["positivt"], col="4", statistic="", value=yes)
    for i in range(1, 7):
        if i in cats["klart_positivt"]:
            cells.add(row="Klart positiva", col_group=names[owner[i]], col=str(i), statistic="", value="klart positivt")
    frame = cells.frame()
    notes = (key_figure_rule(ins, ctx.year),)
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
    notes = tuple(f"Skala {sid} ({ctx.ins.questions_phrase(_questions_on(ctx.ins, sid, ctx.year), ctx.year)}) "
                  "besvaras med nej eller ja; ja räknas som positivt."
                  for sid, scale in ctx.ins.scales.items() if scale.yes_no and _questions_on(ctx.ins, sid, ctx.year))
    return TableSpec("B2-skalor", "Svarsskalorna och deras alternativ.", cells.frame(), label_text="Svarsskalor",
                     stub_label="", footnotes=notes)
