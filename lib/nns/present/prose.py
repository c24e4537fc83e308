"""Prose from data: computed values for the text, indicator descriptions, commentary.

* :func:`variables` — every number the prose chapters print, for ``_variables.yml``
  (used as ``{{< var name >}}``), formatted the Swedish way;
* :func:`indicator_description` — the indicator's text and measures, with the
  changes to its questions from the instrument history;
* :func:`commentary` — the analyst's commentary for an indicator and year
  (an editable Markdown file), or an automatic draft of factual sentences,
  marked as a draft, when no file exists.
"""
from __future__ import annotations

from pathlib import Path

import nnsreport as nr
from nns import layer
from nns.config import RIKET
from nns.spec.context import Context
from nns.spec.tables import indicator_development, new_forbund
from nns.text import capitalize, fmt_int, fmt_pct, fmt_signed, join_sv, markdown_literal, number_word

__all__ = ["variables", "commentary", "missing_commentary", "indicator_heading", "indicator_description",
           "no_data_note", "draft_sentences", "development_sentence", "ordinal"]

ORDINALS = ["", "första", "andra", "tredje", "fjärde", "femte", "sjätte", "sjunde", "åttonde", "nionde",
            "tionde", "elfte", "tolfte", "trettonde", "fjortonde", "femtonde"]


def ordinal(n: int) -> str:
    """Swedish ordinal word.

    >>> ordinal(6)
    'sjätte'
    """
    return ORDINALS[n] if 0 < n < len(ORDINALS) else f"{n}:e"


# ---------------------------------------------------------------------------
# Indicator chapters
# ---------------------------------------------------------------------------

def indicator_heading(ctx: Context, ind) -> str:
    return f"# Indikator {ind.number}: {ind.short} {{#indikator-{ind.number}}}"


def _measure_line(ins, qid: str, year: int, natural: int) -> str:
    q = ins.question(qid)
    v = q.version(year)
    s = ins.survey(q.survey)
    new = f" – ny från {q.from_year}" if q.from_year > natural and s.from_year < q.from_year else ""
    return f"- {v.text} ({s.measure_label}, fråga {v.number}{new})"


def indicator_description(ctx: Context, ind) -> str:
    """The indicator's text and its measures as Markdown."""
    ins = ctx.ins
    lines = ["::: {.indikator}", f"**{ind.text}**", ""]
    if not ind.measures:
        lines += [
            "Indikatorn ingår inte i enkätundersökningen. Den är tänkt att följas upp med registerdata "
            f"({ind.register_study[0].lower() + ind.register_study[1:]}), men någon fast rutin för en årlig "
            "mätning finns ännu inte. Därför redovisas inga resultat för den i rapporten.",
            ":::",
        ]
        return "\n".join(lines)
    natural = ctx.year - ctx.settings.comparison_years + 1
    measures = [m for m in ind.measures if ins.question(m).version(ctx.year)]
    lines += ["Mått:", ""]
    note = unused_note(ctx, ind)
    for qid in measures:
        lines.append(_measure_line(ins, qid, ctx.year, natural))
        q = ins.question(qid)
        dependants = [d for d in ins.dependants(qid, ctx.year) if d in measures]
        if dependants:
            nums = join_sv([ins.question(d).version(ctx.year).number for d in dependants])
            word = "frågan" if len(dependants) == 1 else "frågorna"
            # a paragraph between two lists: the condition is not itself a measure
            lines += ["", f"*Den som svarat {ins.question(dependants[0]).condition.answer.lower()} på fråga "
                      f"{q.version(ctx.year).number} besvarar även {word} {nums}:*", ""]
    earlier = []
    for qid in measures:
        q = ins.question(qid)
        for before, after in q.changes():
            if natural < after.from_year <= ctx.year and before.text != after.text:
                s = ins.survey(q.survey)
                earlier.append((after.from_year - 1, f"- {before.text} ({s.measure_label}, fråga {before.number})"))
    if earlier:
        last = max(y for y, _ in earlier)
        lines += ["", f"Tidigare mått (till och med {last}):", ""] + [line for _, line in earlier]
    lines.append(":::")
    if note:
        lines += ["", note]
    return "\n".join(lines)


def no_data_note(ctx: Context, ind) -> str:
    """What a förbund's report says for an indicator it has no data on."""
    surveys = []
    for m in ind.measures:
        s = ctx.ins.survey(ctx.ins.question(m).survey)
        if s.name.lower() not in surveys:
            surveys.append(s.name.lower())
    return (f"Förbundet har inga svar på indikatorns frågor {ctx.year}: enkäterna till {join_sv(surveys)} "
            "användes inte. Indikatorn redovisas därför inte för förbundet.")


def unused_note(ctx: Context, ind) -> str:
    """A sentence naming the indicator's surveys a förbund did not use, or ''."""
    if not ctx.local:
        return ""
    used = ctx.used_surveys()
    missing = []
    for m in ind.measures:
        s = ctx.ins.survey(ctx.ins.question(m).survey)
        if ctx.ins.question(m).version(ctx.year) and s.id not in used and s.name.lower() not in missing:
            missing.append(s.name.lower())
    if not missing or len(missing) == len({ctx.ins.question(m).survey for m in ind.measures}):
        return ""
    return (f"Förbundet använde inte enkäten till {join_sv(missing)} {ctx.year}; de måtten saknas därför "
            "i tabellerna nedan.")


# ---------------------------------------------------------------------------
# Commentary
# ---------------------------------------------------------------------------

def commentary_path(ctx: Context, ind) -> Path:
    base = ctx.settings.path("commentary") / str(ctx.year)
    if ctx.local:
        base = base / nr.slug(ctx.forbund)
    return base / f"indikator-{ind.number:02d}.md"


def commentary(ctx: Context, ind) -> str:
    """The commentary for an indicator: the analyst's file, or an automatic draft."""
    if not ind.measures:
        return ""
    path = commentary_path(ctx, ind)
    head = f"## Kommentar till resultatet {{#kommentar-{ind.number} .unlisted}}"
    if path.exists():
        return f"{head}\n\n{path.read_text(encoding='utf-8').strip()}\n"
    sentences = draft_sentences(ctx, ind)
    return "\n".join([
        head, "", "::: {.utkast}",
        "*Utkast: texten är framtagen automatiskt ur tabellerna och har inte granskats.*",
        "", " ".join(sentences), ":::", "",
    ])


def missing_commentary(ctx: Context) -> list[int]:
    """Indicators whose commentary file is missing (they get an automatic draft)."""
    return [ind.number for ind in ctx.ins.indicators if ind.measures and ctx.measures(ind)
            and not commentary_path(ctx, ind).exists()]


def _kf(ctx, qid, year, group=nr.ALL, forbund=None):
    """The key figure as shown (None when hidden or nobody answered)."""
    c = ctx.visible_groups(qid, year, forbund).get(group)
    if not c or not c["n"]:
        return None
    return nr.key_figure(c, ctx.ins.key_figure_kind(qid, year))


def _measure_name(ins, qid, year) -> str:
    return ins.question_phrase(qid, year)


def draft_sentences(ctx: Context, ind) -> list[str]:
    """A few factual sentences from the figures: change, gender gap, the group that stands out."""
    ins = ctx.ins
    year, prev = ctx.year, ctx.year - 1
    measures = ctx.measures(ind)
    out = []
    changes = []
    for qid in measures:
        q = ins.question(qid)
        if q.compare_from(year) > prev:
            continue
        a, b = _kf(ctx, qid, prev), _kf(ctx, qid, year)
        if a is not None and b is not None:
            changes.append((abs(b - a), qid, a, b))
    kind = "positiva" if ind.key_figure == "positivt" else "klart positiva"
    if changes:
        _, qid, a, b = max(changes, key=lambda c: (c[0], -measures.index(c[1])))
        if a == b:
            out.append(f"Nyckeltalen är desamma som {prev} för alla mått.")
        else:
            verb = "ökat" if b > a else "minskat"
            out.append(f"Störst förändring sedan {prev} har {_measure_name(ins, qid, year)}, där andelen "
                       f"{kind} svar har {verb} från {fmt_pct(a, True)} till {fmt_pct(b, True)} "
                       f"({fmt_signed(b - a)} procentenheter).")
    else:
        out.append(f"Måtten kan inte jämföras med {prev}.")
    gaps = []
    for qid in measures:
        if not ins.survey(ins.question(qid).survey).participant:
            continue
        k, m = _kf(ctx, qid, year, "kvinnor"), _kf(ctx, qid, year, "man")
        if k is not None and m is not None:
            gaps.append((abs(k - m), qid, k, m))
    if gaps:
        gap, qid, k, m = max(gaps, key=lambda g: (g[0], -measures.index(g[1])))
        if gap <= 2:
            out.append("Kvinnor och män svarar nästan lika på alla deltagarfrågor.")
        else:
            out.append(f"Skillnaden mellan kvinnor och män är störst för {_measure_name(ins, qid, year)}: "
                       f"{fmt_pct(k, True)} av kvinnorna och {fmt_pct(m, True)} av männen.")
    levels = [(v, qid) for qid in measures if (v := _kf(ctx, qid, year)) is not None]
    surveys = {ins.question(q).survey for _, q in levels}
    if len(surveys) > 1:
        hi, lo = max(levels), min(levels)
        out.append(f"Högst nyckeltal har {_measure_name(ins, hi[1], year)} ({fmt_pct(hi[0], True)}) och lägst "
                   f"{_measure_name(ins, lo[1], year)} ({fmt_pct(lo[0], True)}).")
    if ctx.local:
        above = below = compared = 0
        for v, qid in levels:
            nat = _kf(ctx, qid, year, forbund=RIKET)
            if nat is None:
                continue
            compared += 1
            above += v > nat
            below += v < nat
        if compared == 1:
            where = "över" if above else "under" if below else "i nivå med"
            out.append(f"På det enda måttet som kan jämföras ligger förbundet {where} riket.")
        elif compared:
            out.append(f"Av {number_word(compared, True)} mått ligger förbundet över riket på "
                       f"{'inget' if not above else number_word(above, True)} och under riket på "
                       f"{'inget' if not below else number_word(below, True)}.")
        smallest = min((ctx.visible_groups(qid, year).get(nr.ALL, {}).get("n", 0) for _, qid in levels), default=0)
        if 0 < smallest < 30:
            out.append(f"Underlaget är litet (som minst {smallest} svar på en fråga), så en förändring kan bero på "
                       "enstaka svar.")
    return out


# ---------------------------------------------------------------------------
# Values for the prose chapters
# ---------------------------------------------------------------------------

def development_sentence(n: int, up: int, flat: int, down: int, prev: int, who: str = "") -> str:
    """The sentence that states table 20's outcomes for one column.

    >>> development_sentence(15, 8, 7, 0, 2021)
    'Av 15 uppföljda indikatorer syns en ökning i åtta av dem jämfört med 2021, sju visar varken ökning eller minskning och ingen visar en minskning.'
    >>> development_sentence(8, 2, 6, 0, 2021, "kvinnor")
    'Bland kvinnor ökade två av de åtta indikatorer som har könsuppdelade mått, sex visar varken ökning eller minskning och ingen minskade.'
    """
    def count(k):
        return "ingen" if k == 0 else number_word(k)

    if not n:
        return f"Ingen indikator kan jämföras med {prev}." if not who else \
            f"För {who} finns inga mått som kan jämföras med {prev}."
    if not who:
        return (f"Av {fmt_int(n)} uppföljda indikatorer syns en ökning i {count(up)} av dem jämfört med {prev}, "
                f"{count(flat)} visar varken ökning eller minskning och {count(down)} visar en minskning.")
    return (f"Bland {who} ökade {count(up)} av de {number_word(n)} indikatorer som har könsuppdelade mått, "
            f"{count(flat)} visar varken ökning eller minskning och {count(down)} minskade.")


def table_20_summary(ctx: Context) -> dict:
    """Counts of the table-20 outcomes per column and the sentences that state them."""
    out = {}
    prev = ctx.year - 1
    inds = nr.measured_indicators(ctx.ins, ctx.year)
    for gid, who in ((nr.ALL, ""), ("kvinnor", "kvinnor"), ("man", "män")):
        outcomes = {}
        for ind in inds:
            o, _ = indicator_development(ctx, ind, gid)
            if o is not None:
                outcomes.setdefault(o, []).append(ind.number)
        n = sum(len(v) for v in outcomes.values())
        key = {"samtliga": "totalt", "kvinnor": "kvinnor", "man": "man"}[gid]
        out[f"utv_{key}_antal"] = n
        for o in ("okning", "varken", "minskning"):
            out[f"utv_{key}_{o}"] = len(outcomes.get(o, []))
            out[f"utv_{key}_{o}_lista"] = join_sv(outcomes.get(o, [])) or "ingen"
        up, flat, down = (len(outcomes.get(o, [])) for o in ("okning", "varken", "minskning"))
        sentence = development_sentence(n, up, flat, down, prev, who)
        out[f"utv_{key}_mening"] = sentence
    return out


def local_variables(ctx: Context) -> dict:
    """The values a förbund's own report adds: its name, responses, surveys and table-20 summary."""
    agg, ins, year = ctx.agg, ctx.ins, ctx.year
    # the name goes into Markdown ({{< var forbund_namn >}}): escaped, so that it is shown as written
    v = {"forbund_namn": markdown_literal(ctx.forbund), "forbund_antal_svar": fmt_int(layer.total_responses(agg, year, ctx.forbund))}
    r = layer.responses(agg, year, ctx.forbund)
    used, unused = [], []
    for s in ins.surveys_in(year):
        n = int(r.loc[(s.id, nr.ALL), "responses"]) if (s.id, nr.ALL) in r.index else 0
        (used if n else unused).append(s.name.lower())
    v["forbund_enkater"] = join_sv(used)
    if unused:
        v["forbund_enkater_mening"] = (
            f"Förbundet använde enkäterna till {join_sv(used)}. Enkäterna till {join_sv(unused)} användes inte "
            f"{year}; de mått som bygger på dem saknas därför i förbundets tabeller och diagram.")
    else:
        v["forbund_enkater_mening"] = f"Förbundet använde alla {number_word(len(used))} enkättyper {year}."
    summary = table_20_summary(ctx)
    v["forbund_utv_totalt_mening"] = summary["utv_totalt_mening"].replace("uppföljda indikatorer",
                                                                           "indikatorer som förbundet kan följa upp")
    return v


def instrument_sentences(ins, year: int) -> dict[str, str]:
    """Sentences about how the year's questions are answered, from the instrument (numbers as asked that year).

    >>> from nns.instrument import load_instrument
    >>> s = instrument_sentences(load_instrument(), 2022)
    >>> s["janej_mening"]
    'Fråga 8 i avslutsenkäten besvaras med ja eller nej, där ja räknas som positivt.'
    >>> s["villkor_mening"]
    'Frågorna 9 och 10 i samma enkät besvaras bara av den som svarat ja på fråga 8.'
    >>> s["bortfall_villkor_mening"]
    'För frågorna 9 och 10 i avslutsenkäten räknas bortfallet bara bland dem som svarat ja på fråga 8, eftersom bara de ska besvara frågorna.'
    """
    yes_no = ins.yes_no_questions(year)
    out = {"janej_mening": "", "nyckeltal_janej_mening": "", "villkor_mening": "", "bortfall_villkor_mening": ""}
    if yes_no:
        phrase = ins.questions_phrase(yes_no, year)
        out["janej_mening"] = f"{capitalize(phrase)} besvaras med ja eller nej, där ja räknas som positivt."
        out["nyckeltal_janej_mening"] = f"För {phrase} är nyckeltalet andelen som svarat ja."
    yes_no_surveys = {ins.question(q).survey for q in yes_no}
    villkor, bortfall = [], []
    groups: dict[tuple[str, str], list[str]] = {}
    for on, qid in ins.conditional_questions(year):
        groups.setdefault((on, ins.question(qid).condition.answer.lower()), []).append(qid)
    for (on, answer), qids in groups.items():
        number = ins.question(on).version(year).number
        numbers = join_sv(sorted(ins.question(q).version(year).number for q in qids))
        word = "fråga" if len(qids) == 1 else "frågorna"
        survey = ins.question(on).survey
        where = "i samma enkät" if survey in yes_no_surveys else ins.survey(survey).in_text
        villkor.append(f"{capitalize(word)} {numbers} {where} besvaras bara av den som svarat {answer} på fråga "
                       f"{number}.")
        them = "den" if len(qids) == 1 else "frågorna"
        bortfall.append(f"För {ins.questions_phrase(qids, year)} räknas bortfallet bara bland dem som svarat "
                        f"{answer} på fråga {number}, eftersom bara de ska besvara {them}.")
    out["villkor_mening"] = " ".join(villkor)
    out["bortfall_villkor_mening"] = " ".join(bortfall)
    return out


def variables(ctx: Context) -> dict:
    """Every computed value the prose chapters use, formatted for print.

    The national values are always for the nation; a förbund's report adds its own
    (:func:`local_variables`).
    """
    local = ctx
    ctx = ctx.riket() if ctx.local else ctx
    agg, ins, year = ctx.agg, ctx.ins, ctx.year
    prev = year - 1
    v: dict[str, object] = {"ar": year, "foregaende_ar": prev, "forsta_ar": ctx.settings.first_year}
    v.update(instrument_sentences(ins, year))
    nationally = agg.forbund_nationally(year)
    forbund = agg.forbund(year)
    v["antal_forbund"] = len(forbund)
    v["antal_forbund_nationellt"] = nationally if nationally else "–"
    v["andel_forbund"] = fmt_pct(nr.percent(len(forbund), nationally), True) if nationally else "–"
    total = layer.total_responses(agg, year)
    v["antal_svar"] = fmt_int(total)
    for k, y in (("antal_svar_foregaende", prev), ("antal_svar_tva_ar_sedan", year - 2)):
        v[k] = fmt_int(layer.total_responses(agg, y)) if y in agg.years else "–"
    before = layer.total_responses(agg, prev) if prev in agg.years else None
    v["svar_utveckling"] = ("ökat" if total > before else "minskat" if total < before else "är oförändrat") \
        if before is not None else "kan inte jämföras"
    before_f = len(agg.forbund(prev)) if prev in agg.years else None
    v["forbund_utveckling"] = ("ökat" if len(forbund) > before_f else "minskat" if len(forbund) < before_f
                               else "är oförändrat") if before_f is not None else "kan inte jämföras"
    new = new_forbund(ctx)
    left = set(agg.forbund(prev)) - set(forbund) if before_f is not None else set()
    v["nya_forbund"] = number_word(len(new))
    v["slutade_forbund"] = number_word(len(left))
    first = agg.national.get("first_report_year", ctx.settings.first_year)
    v["rapportnummer"] = ordinal(year - first + 1)
    v["insamlingsperiod"] = agg.national.get("collection_period", {}).get(year, "")
    v["forbund_kalla_ar"] = year + 1

    # which surveys each förbund used
    surveys = ins.surveys_in(year)
    users = {s.id: set(agg.forbund(year, s.id)) for s in surveys}
    all_types = sum(1 for f in forbund if all(f in u for u in users.values()))
    v["forbund_alla_enkater"] = number_word(all_types)
    v["forbund_alla_enkater_andel"] = fmt_pct(nr.percent(all_types, len(forbund)), True) if forbund else "–"
    for s in surveys:
        v[f"forbund_{s.id}"] = len(users[s.id])
        v[f"svar_{s.id}"] = fmt_int(int(layer.responses(agg, year).loc[(s.id, nr.ALL), "responses"])) \
            if (s.id, nr.ALL) in layer.responses(agg, year).index else "0"
    # gender shares (tables 3 and 4)
    for s in [s for s in surveys if s.participant]:
        r = layer.responses(agg, year)
        tot = int(r.loc[(s.id, nr.ALL), "responses"]) if (s.id, nr.ALL) in r.index else 0
        for g in ins.backgrounds[s.background].groups:
            n = int(r.loc[(s.id, g.id), "responses"]) if (s.id, g.id) in r.index else 0
            v[f"andel_{s.id}_{g.id}"] = fmt_pct(nr.percent(n, tot), True) if tot else "–"
    rem = ins.backgrounds["anstallning"]
    r = layer.responses(agg, year)
    annan = int(r.loc[("remittent", rem.missing), "responses"]) if ("remittent", rem.missing) in r.index else 0
    v["remittent_annan"] = capitalize(number_word(annan)) if annan != 1 else "En"
    v["remittent_annan_text"] = ("En respondent har svarat att hen är anställd någon annanstans"
                                 if annan == 1 else
                                 f"{capitalize(number_word(annan))} respondenter har svarat att de är anställda "
                                 "någon annanstans")
    # internal non-response
    inr = layer.internal_nonresponse(agg, year)
    if len(inr):
        under5 = int((inr["share"] < 5).sum())
        v["bortfall_antal_fragor"] = len(inr)
        v["bortfall_under_5"] = under5
        top = inr.sort_values(["share", "survey"], ascending=[False, True]).head(3)
        parts = [f"{_measure_name(ins, r.question_id, year)} ({fmt_pct(r.share, True)})" for r in top.itertuples()]
        v["bortfall_storst"] = join_sv(parts)
    # where ongoing and closing participants answer most differently (same question number)
    gaps = []
    for q in ins.questions.values():
        if q.survey != "deltagare_pagaende" or not q.version(year):
            continue
        twin = ins.question(f"deltagare_avslut.{q.version(year).number}") \
            if f"deltagare_avslut.{q.version(year).number}" in ins.questions else None
        a, b = _kf(ctx, q.id, year), (_kf(ctx, twin.id, year) if twin else None)
        if a is not None and b is not None and ins.indicator_of(q.id) == ins.indicator_of(twin.id):
            gaps.append((abs(b - a), q.version(year).number, a, b))
    gaps.sort(key=lambda g: (-g[0], g[1]))
    v["deltagare_skillnad"] = join_sv(
        f"fråga {num} ({fmt_pct(a, True)} i pågåendeenkäten, {fmt_pct(b, True)} vid avslut)"
        for _, num, a, b in gaps[:2]) if gaps else "–"
    # table 21 over the whole period
    years = [y for y in agg.years if ctx.settings.first_year <= y <= year]
    totals = [layer.total_responses(agg, y) for y in years]
    v["period_antal_ar"] = len(years)
    v["period_matning"] = ordinal(len(years))
    v["period_totalt"] = fmt_int(sum(totals))
    # the yearly average in whole enkäter, rounded half up like the percentages
    v["period_snitt"] = fmt_int((2 * sum(totals) + len(totals)) // (2 * len(totals))) if totals else "–"
    # table 20
    v.update(table_20_summary(ctx))
    v["forsta_rapport_ar"] = first
    if new or left:
        v["nya_forbund_mening"] = (f"{capitalize(number_word(len(new)))} förbund tillkom jämfört med {prev}, "
                                   f"medan {number_word(len(left))} som deltog {prev} inte var med i år.")
    else:
        v["nya_forbund_mening"] = f"Samma förbund deltog som {prev}."
    v["forbund_alla_enkater_mening"] = (
        f"{capitalize(number_word(all_types))} förbund ({v['forbund_alla_enkater_andel']}) har använt alla "
        f"{number_word(len(surveys))} enkättyper.")
    rem_users = v.get("forbund_remittent", 0)
    if "remittent" in {s.id for s in surveys}:
        majority = "färre än hälften" if rem_users * 2 < len(forbund) else "hälften eller fler"
        v["forbund_remittent_mening"] = (
            f"Enkäten till remittenter, som tillkom {ins.survey('remittent').from_year}, användes av "
            f"{number_word(rem_users)} förbund – {majority} av de deltagande.")
    else:
        v["forbund_remittent_mening"] = ""
    v["remittent_forsta_ar"] = ins.survey("remittent").from_year
    v["tabell20_poang"] = number_word(ctx.settings.table20_points_per_measure)
    v["minsta_antal_svar"] = ctx.settings.min_answers
    if local.local:
        v.update(local_variables(local))
    # the number of indicators followed up with surveys
    v["antal_indikatorer"] = len(ins.indicators)
    v["antal_indikatorer_matta"] = len(nr.measured_indicators(ins, year))
    v["antal_matt"] = sum(1 for q in ins.questions.values() if q.version(year))
    v["antal_enkater"] = number_word(len(surveys))
    return {k: (str(val) if not isinstance(val, str) else val) for k, val in v.items()}
