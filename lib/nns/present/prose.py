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

import itertools

import nnsreport as nr
from nns import layer
from nns.config import RIKET
from nns.disclosure import QUESTION
from nns.present import markup
from nns.present.comparison_text import comparison_variables
from nns.present.headlines import short_variables
from nns.spec import claims
from nns.spec.charts import chart_plan, comparable_years
from nns.spec.context import Context
from nns.spec.published import table_20_departures
from nns.spec.tables import indicator_development, new_forbund
from nns.text import capitalize, fmt_int, fmt_pct, fmt_signed, join_sv, markdown_literal, number_word

__all__ = ["variables", "indicator_heading", "indicator_description", "no_data_note", "development_sentence",
           "ordinal", "instrument_sentences", "national_suppression_sentence", "sus_gender_sentence",
           "sus_work_studies_note", "no_chart_note", "nonresponse_change_sentence", "cited_sources", "sources_list",
           "table_20_departures_sentence", "no_chart_sentence", "one_year_sentence", "source_sentences"]

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
    lines = [f"**{ind.text}**", ""]
    if not ind.measures:
        lines += [
            "Indikatorn ingår inte i enkätundersökningen. Den är tänkt att följas upp med registerdata "
            f"({ind.register_study[0].lower() + ind.register_study[1:]}), men någon fast rutin för en årlig "
            "mätning finns ännu inte. Därför redovisas inga resultat för den i rapporten.",
        ]
        return markup.box("indikator", "\n".join(lines))
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
    if ind.background:
        lines += ["", f"*Bakgrund:* {ind.background}", "", f"*Källa:* {ind.reference.markdown()}"]
    out = markup.box("indikator", "\n".join(lines))
    return f"{out}\n{note}" if note else out


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
    used_ids = ctx.used_surveys()
    used, unused, empty = [], [], []
    for s in ins.surveys_in(year):
        n = int(r.loc[(s.id, nr.ALL), "responses"]) if (s.id, nr.ALL) in r.index else 0
        (used if s.id in used_ids else unused).append(s.name.lower())
        if s.id in used_ids and not n:
            empty.append(s.name.lower())
    v["forbund_enkater"] = join_sv(used)
    if unused:
        sentence = (f"Förbundet använde enkäterna till {join_sv(used)}. Enkäterna till {join_sv(unused)} användes "
                    f"inte {year}; de mått som bygger på dem saknas därför i förbundets tabeller och diagram.")
    else:
        sentence = f"Förbundet använde alla {number_word(len(used))} enkättyper {year}."
    if empty:
        sentence += (f" {'Enkäten' if len(empty) == 1 else 'Enkäterna'} till {join_sv(empty)} "
                     f"fick inga svar.")
    v["forbund_enkater_mening"] = sentence
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


def national_suppression_sentence(ctx: Context) -> str:
    """Which of the nation's figures disclosure control hides this year: none, or which groups in how many
    questions (tested on data in tests/unit/test_disclosure.py)."""
    ins, year = ctx.ins, ctx.year
    hidden: dict[tuple[str, str], set[str]] = {}
    for (kind, key), cells in ctx.suppression(year).hidden.items():
        if kind != QUESTION:
            continue
        survey = ins.survey(ins.question(key).survey)
        for row, group in cells:
            if row == RIKET and group != nr.ALL:
                hidden.setdefault((survey.id, group), set()).add(key)
    if not hidden:
        return "I riket behöver inget tal döljas i år."
    parts = []
    for (sid, gid), questions in sorted(hidden.items(), key=lambda kv: [s.id for s in ins.surveys].index(kv[0][0])):
        s = ins.survey(sid)
        label = ins.backgrounds[s.background].group(gid).label
        n = len(questions)
        parts.append(f"{label} bland {s.plural.lower()} i {number_word(n)} {'fråga' if n == 1 else 'frågor'}")
    return (f"I riket visas i år inte {join_sv(parts)}, eftersom en grupp med färre än "
            f"{number_word(ctx.settings.min_answers)} svar annars hade gått att räkna fram.")


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
    missing = {f.key: f for f in layer.missing_facts(agg, year)}
    v["antal_forbund_nationellt"] = nationally if nationally else "–"
    v["andel_forbund"] = fmt_pct(nr.percent(len(forbund), nationally)) if nationally else "–"
    v["forbund_av_landets"] = (f"{len(forbund)} av landets {nationally} samordningsförbund" if nationally else
                               f"{len(forbund)} samordningsförbund {missing['forbund_nationally'].marker()}")
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
    v["insamlingsperiod"] = agg.national.get("collection_period", {}).get(year) or \
        missing["collection_period"].marker()
    v["forbund_kalla_ar"] = year + 1

    # which surveys each förbund used
    surveys = ins.surveys_in(year)
    users = {s.id: set(agg.forbund(year, s.id)) for s in surveys}
    all_types = sum(1 for f in forbund if all(f in u for u in users.values()))
    v["forbund_alla_enkater"] = number_word(all_types)
    v["forbund_alla_enkater_andel"] = fmt_pct(nr.percent(all_types, len(forbund))) if forbund else "–"
    for s in surveys:
        v[f"forbund_{s.id}"] = len(users[s.id])
        v[f"svar_{s.id}"] = fmt_int(int(layer.responses(agg, year).loc[(s.id, nr.ALL), "responses"])) \
            if (s.id, nr.ALL) in layer.responses(agg, year).index else "0"
    # gender shares (tables 3 and 4); a hidden group is not counted in the text either
    r = layer.responses(agg, year)
    for s in [s for s in surveys if s.participant]:
        tot = int(r.loc[(s.id, nr.ALL), "responses"]) if (s.id, nr.ALL) in r.index else 0
        shown = ctx.visible_responses(s.id)
        for g in ins.backgrounds[s.background].groups:
            n = int(r.loc[(s.id, g.id), "responses"]) if (s.id, g.id) in r.index else 0
            v[f"andel_{s.id}_{g.id}"] = (fmt_pct(nr.percent(n, tot)) if shown[g.id] else
                                         "en mycket liten andel") if tot else "–"
    v["rojande_riket_mening"] = national_suppression_sentence(ctx)
    v["sus_kon_mening"] = sus_gender_sentence(ctx)
    if "remittent" in {s.id for s in surveys}:
        missing = ins.backgrounds[ins.survey("remittent").background].missing
        annan = int(r.loc[("remittent", missing), "responses"]) if ("remittent", missing) in r.index else 0
        if not ctx.visible_responses("remittent")[missing]:
            v["remittent_annan_text"] = (f"Några få respondenter (färre än {number_word(ctx.settings.min_answers)}, "
                                         "därför visas inte antalet) har svarat att de är anställda någon annanstans")
        elif annan == 1:
            v["remittent_annan_text"] = "En respondent har svarat att hen är anställd någon annanstans"
        else:
            v["remittent_annan_text"] = (f"{capitalize(number_word(annan))} respondenter har svarat att de är "
                                         "anställda någon annanstans")
    else:
        v["remittent_annan_text"] = ""
    # internal non-response
    inr = layer.internal_nonresponse(agg, year)
    if len(inr):
        under5 = int((inr["share"] < 5).sum())
        v["bortfall_antal_fragor"] = len(inr)
        v["bortfall_under_5"] = under5
        top = inr.sort_values(["share", "survey"], ascending=[False, True]).head(3)
        parts = [f"{ins.question_phrase(r.question_id, year)} ({fmt_pct(r.share)})" for r in top.itertuples()]
        v["bortfall_storst"] = join_sv(parts)
    # the largest non-response may come from questions that older forms did not have
    window_start = year - ctx.settings.comparison_years + 2
    v["bortfall_forklaring_mening"] = nonresponse_change_sentence(
        ins, year, list(top.question_id) if len(inr) else [], window_start)
    # sentences about the results, computed from the figures shown (nns.spec.claims)
    with_gender = claims.participant_indicators(ctx)
    v["kon_indikatorer_mening"] = (
        f"För {'indikator' if len(with_gender) == 1 else 'indikatorerna'} {join_sv(with_gender)} finns "
        "svar från deltagare uppdelade på kön, vilket gör en jämställdhetsanalys möjlig.") if with_gender else ""
    new_parts = [f"enkäten till {s.plural.lower()}" for s in ins.surveys_in(year)
                 if year - ctx.settings.comparison_years < s.from_year <= year and s.from_year > ctx.settings.first_year]
    new_parts += [f"indikator {ind.number}" for ind in nr.measured_indicators(ins, year)
                  if ind.measures and min(ins.question(m).from_year for m in ind.measures) > year - ctx.settings.comparison_years
                  and min(ins.question(m).from_year for m in ind.measures) > ctx.settings.first_year]
    v["instrument_nya_mening"] = (
        f"Några delar av instrumentet har ännu få mätningar bakom sig: {join_sv(new_parts)} tillkom under de senaste "
        f"{number_word(ctx.settings.comparison_years)} åren, och frågor som ändrats jämförs bara från ändringen.")\
        if new_parts else ""
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
    up = v["utv_totalt_okning_lista"]
    v["utv_totalt_okning_mening"] = f"Ökning syns för indikator {up}." if up != "ingen" else ""
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
    v["rojande_riket_mening"] = national_suppression_sentence(ctx)
    if "remittent" in {s.id for s in surveys}:
        majority = "färre än hälften" if rem_users * 2 < len(forbund) else "hälften eller fler"
        v["forbund_remittent_mening"] = (
            f"Enkäten till remittenter, som tillkom {ins.survey('remittent').from_year}, användes av "
            f"{number_word(rem_users)} förbund – {majority} av de deltagande.")
    else:
        v["forbund_remittent_mening"] = ""
    v["remittent_forsta_ar"] = ins.survey("remittent").from_year
    v["tabell20_poang"] = number_word(ctx.settings.table20_points_per_measure)
    # the national method chapter's (the only book that prints it; the audit of the printed table 20 takes a second)
    v["tabell20_tryckt_mening"] = "" if local.local or local.scope.comparison else table_20_departures_sentence(ctx)
    v["utv_ettar_mening"] = one_year_sentence(ctx)
    v["diagram_saknas_mening"] = no_chart_sentence(ctx)
    v.update(source_sentences(ctx))
    v["minsta_antal_svar"] = ctx.settings.min_answers
    if local.local:
        v.update(local_variables(local))
    v.update(comparison_variables(local))
    v.update(short_variables(local))   # the short version's sentences, for the report's scope
    # the number of indicators followed up with surveys
    v["antal_indikatorer"] = len(ins.indicators)
    v["antal_indikatorer_matta"] = len(nr.measured_indicators(ins, year))
    v["antal_matt"] = sum(1 for q in ins.questions.values() if q.version(year))
    v["antal_enkater"] = number_word(len(surveys))
    return {k: (str(val) if not isinstance(val, str) else val) for k, val in v.items()}


# ---------------------------------------------------------------------------
# National facts beside the survey's results, and why an indicator has no chart
# ---------------------------------------------------------------------------

def _cite(source) -> str:
    return f"(källa: {source.markdown()})" if source else ""


def sus_gender_sentence(ctx: Context) -> str:
    """SUS's gender split of the participants beside the respondents' (:func:`nns.spec.claims.men_compared_with_sus`),
    or the missing-fact marker in a year without SUS's figures."""
    agg, year = ctx.agg, ctx.year
    fact = agg.fact("sus_gender", year)
    if not fact:
        marker = layer.Fact("sus_gender", layer.FACTS["sus_gender"], year).marker()
        return ("Könsfördelningen bland de svarande jämförs med den bland deltagarna i SUS, Sveriges "
                f"samordningsförbunds uppföljningssystem: {marker}.")
    # in the instrument's order of the surveys, whatever the file's order
    ordered = [fact["groups"][s.id] for s in ctx.ins.surveys if s.id in fact["groups"]]
    groups = [f"{fmt_pct(g['women'])} kvinnor och {fmt_pct(g['men'])} män bland de {g['count']} {g['who']}"
              for g in ordered]
    out = [f"Enligt SUS var det {join_sv(groups)} under "
           f"{fact['period']} {_cite(agg.fact_source('sus_gender', year))}."]
    ins = ctx.ins
    by_direction: dict[str, list] = {}
    for c in claims.men_compared_with_sus(ctx):
        by_direction.setdefault(c.direction, []).append(c)
    how = {"minskning": "lägre än i SUS", "varken": "ungefär som i SUS (högst en procentenhet ifrån)",
           "okning": "högre än i SUS"}
    for direction in ("minskning", "varken", "okning"):
        cs = by_direction.get(direction, [])
        if not cs:
            continue
        shares = join_sv([f"{fmt_pct(c.men)} {ins.survey(c.survey).in_text}" for c in cs])
        out.append(f"Bland de svarande är andelen män {shares}, {how[direction]}.")
        if direction != "minskning":
            continue
        may = [c for c in cs if c.unstated_may_explain]
        if len(may) == len(cs):
            out.append("Det kan betyda att män är underrepresenterade bland de svarande, eller att män oftare än "
                       "kvinnor låter bli att ange kön.")
        elif not may:
            out.append("Skillnaden är större än andelen som inte angett kön, så män är underrepresenterade bland "
                       "de svarande.")
        else:
            not_may = [ins.survey(c.survey).in_text for c in cs if not c.unstated_may_explain]
            out.append(f"{capitalize(join_sv(not_may))} är skillnaden större än andelen som inte angett kön, så där "
                       "är män underrepresenterade bland de svarande; i övrigt kan den också bero på att män oftare "
                       "än kvinnor låter bli att ange kön.")
    return " ".join(out)


def sus_work_studies_note(ctx: Context, ind) -> str:
    """Beside the question it is compared with (national report only): SUS's share of participants who ended
    their participation to work or studies, with its source; the missing-fact marker in a year without it."""
    if ctx.local:
        return ""
    agg, ins, year = ctx.agg, ctx.ins, ctx.year
    fact = agg.fact("sus_work_studies", year)
    # the question it goes with: this year's, or (when this year's fact is missing) the latest year's
    known = [y for y in sorted(agg.national.get("sus_work_studies", {})) if y <= year]
    if not known or agg.fact("sus_work_studies", known[-1])["question"] not in ind.measures:
        return ""
    if not fact:
        marker = layer.Fact("sus_work_studies", layer.FACTS["sus_work_studies"], year).marker()
        return f"Som jämförelse anger rapporten hur stor andel av deltagarna som enligt SUS avslutats till arbete, studier eller arbetssökande: {marker}."
    qid = fact["question"]
    out = [f"Som jämförelse avslutades enligt SUS {fmt_pct(fact['share'])} av deltagarna under "
           f"{fact['period']} till arbete, studier eller aktivt arbetssökande "
           f"{_cite(agg.fact_source('sus_work_studies', year))}."]
    value = claims.key_figure(ctx, qid, year)
    if value is not None:
        kind = {"positivt": "positivt", "klart_positivt": "klart positivt", "ja": "ja"}[ins.key_figure_kind(qid, year)]
        q = ins.question(qid)
        v = q.version(year)
        out.append(f"{capitalize(ins.survey(q.survey).in_text)} svarar {fmt_pct(value)} {kind} på fråga "
                   f"{v.number} (”{v.text}”). Talen mäter olika saker – vart deltagarna gick när insatsen slutade "
                   "och hur de själva ser på sin väg dit – och kan därför inte läggas ihop.")
    return " ".join(out)


def no_chart_note(ctx: Context, ind) -> str:
    """Why a measured indicator has no line chart, from the chart rule (``chart_min_years``) and the
    instrument's history; '' for an indicator that has one (or no measures)."""
    ins, year, settings = ctx.ins, ctx.year, ctx.settings
    if not ind.measures or ind.number in chart_plan(ctx.agg, year, settings):
        return ""
    years = comparable_years(ctx.riket() if ctx.local else ctx, ind)
    if not years:
        return ""
    span = max(years.values(), key=len)
    have = f"som mest {number_word(len(span))} sådana år ({join_sv(span)})" if span else "inga sådana år"
    out = [f"Indikator {ind.number} har inget linjediagram: ett diagram ritas när något av indikatorns mått har "
           f"jämförbara nyckeltal för minst {number_word(settings.chart_min_years)} år, och indikatorns mått har "
           f"{have}."]
    causes: dict[str, set[int]] = {}
    by_cause: dict[tuple[str, int], list[str]] = {}
    for qid in years:
        q = ins.question(qid)
        start = q.compare_from(year)
        if start > settings.first_year:
            cause = "ny" if q.from_year == start else "ersatt"
            causes.setdefault(cause, set()).add(start)
            by_cause.setdefault((cause, start), []).append(qid)
    explained = [q for q in years if ins.question(q).compare_from(year) > settings.first_year]
    if causes and len(explained) == len(years):
        n = len(years)
        when = join_sv(sorted(set().union(*causes.values())))
        if len(causes) > 1:
            what = []
            for (cause, since), qids in by_cause.items():
                new = "en ny fråga" if len(qids) == 1 else "nya frågor"
                verb = f"ställdes första gången {since}" if cause == "ny" else \
                    f"ersattes {since} av {new} som inte kan jämföras med tidigare"
                what.append(f"{ins.questions_phrase(qids, year)} {verb}")
            out.append(f"{capitalize(join_sv(what))}.")
        else:
            subject = "Frågan" if n == 1 else "Båda frågorna" if n == 2 else f"Alla {number_word(n)} frågorna"
            if "ny" in causes:
                out.append(f"{subject} ställdes första gången {when}.")
            else:
                new = "en ny fråga som inte kan jämföras med den tidigare" if n == 1 else \
                    "nya frågor som inte kan jämföras med de tidigare"
                out.append(f"{subject} ersattes {when} av {new}.")
    return " ".join(out)


def nonresponse_change_sentence(ins, year: int, questions: list[str], window_start: int) -> str:
    """Why some of ``questions`` (those with the largest internal non-response) may lack answers: they were
    new or replaced since ``window_start``, per the instrument's history, and a respondent who filled in an
    older form could not answer them. '' when none of them is.

    >>> from nns.instrument import load_instrument
    >>> nonresponse_change_sentence(load_instrument(), 2022, ["deltagare_avslut.4", "deltagare_pagaende.4"], 2021)
    'Fråga 4 i avslutsenkäten och fråga 4 i pågåendeenkäten ersattes 2021 av nya frågor med en annan svarsskala. Den som fyllt i en äldre version av enkäten har inte kunnat besvara dem, vilket kan förklara en del av bortfallet.'
    """
    groups: dict[tuple[str, int], list[str]] = {}
    for qid in questions:
        q = ins.question(qid)
        now = q.version(year)
        if now.from_year < window_start:
            continue
        idx = q.versions.index(now)
        before = q.versions[idx - 1] if idx else None
        if before is None:
            kind = "ny"
        elif not now.comparable:
            kind = "ersatt-skala" if before.scale != now.scale else "ersatt"
        else:
            continue   # reworded: the older form asked it too
        groups.setdefault((kind, now.from_year), []).append(qid)
    if not groups:
        return ""
    parts = []
    for (kind, since), qids in groups.items():
        one = len(qids) == 1
        new = "en ny fråga" if one else "nya frågor"
        what = {"ny": f"ställdes första gången {since}",
                "ersatt": f"ersattes {since} av {new}",
                "ersatt-skala": f"ersattes {since} av {new} med en annan svarsskala"}[kind]
        parts.append(f"{ins.questions_phrase(qids, year)} {what}")
    n = sum(len(q) for q in groups.values())
    return (f"{capitalize(join_sv(parts))}. Den som fyllt i en äldre version av enkäten har inte kunnat besvara "
            f"{'den' if n == 1 else 'dem'}, vilket kan förklara en del av bortfallet.")


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

def cited_sources(ctx: Context) -> list:
    """Every source the scope's report cites (:class:`nns.instrument.Reference`), in Swedish alphabetical order:
    the national report's national facts of the year and where earlier reports are, and in every report the
    indicators' references."""
    agg, year = ctx.agg, ctx.year
    refs = []
    if not ctx.local:
        refs += [src for key in layer.FACTS if (src := agg.fact_source(key, year))]
        manual = agg.fact("manual", year)
        refs += [agg.source(manual)] if manual else []
        page = agg.national.get("reports_page")
        refs += [agg.source(page)] if page else []
    refs += [ind.reference for ind in ctx.ins.indicators if ind.reference]
    return sorted(dict.fromkeys(refs), key=lambda r: nr.swedish_sort_key(r.text))


def sources_list(ctx: Context) -> str:
    """The "Källor" list as Markdown: each reference, and its address written out (a printed page shows it)."""
    refs = cited_sources(ctx)
    if not refs:
        return "Rapporten hänvisar inte till några källor.\n"
    return "\n".join(f"- {r.text}" + (f" <{r.url}>" if r.url else "") for r in refs) + "\n"


def _signed(n: int) -> str:
    return fmt_signed(n) if n else "0"


def table_20_departures_sentence(ctx: Context) -> str:
    """Where the year's printed table 20 departs from its rule (the audit's comparison,
    :func:`nns.spec.published.table_20_departures`); '' for a year without a published edition or departures."""
    year, points = ctx.year, ctx.settings.table20_points_per_measure
    departures = table_20_departures(ctx.settings.path("published"), ctx.ins, year, points)
    if not departures:
        return ""
    where = {"samtliga": "totalt för indikator", "kvinnor": "för kvinnor i indikator", "man": "för män i indikator"}
    parts = []
    for (printed, rule), ds in itertools.groupby(sorted(departures, key=lambda d: (d.printed, d.rule)),
                                                 key=lambda d: (d.printed, d.rule)):
        ds = list(ds)
        cells = []
        for group in ("man", "kvinnor", "samtliga"):
            numbers = [d.indicator for d in ds if d.group == group]
            if numbers:
                cells.append(f"{where[group]} {join_sv(numbers)}")
        sums = join_sv([_signed(sum(d.changes)) for d in ds])
        limits = join_sv([fmt_signed(points * len(d.changes)) for d in ds])
        reaches = "når gränsen" if rule != "varken" else "inte når gränsen"
        what = "summan av förändringarna" if not parts else "summan"
        parts.append(f"{join_sv(cells)} står det {nr.UTVECKLING_LABELS[printed].lower()}, fast {what} "
                     f"{reaches} ({sums} procentenheter, där gränsen är {limits})")
    n = len(departures)
    out = (f"I den tryckta rapporten {year} följer {number_word(n)} av cellerna i tabell 20 inte regeln: "
           f"{'; '.join(parts)}. Den här utgåvan följer regeln i alla celler.")
    unexplained = sum(1 for d in departures if d.unrounded and d.printed not in d.unrounded)
    if unexplained:
        out += (f" {capitalize(number_word(unexplained))} av avvikelserna kan inte heller förklaras av att regeln "
                "skulle ha tillämpats på nyckeltalen före avrundning.")
    return out


def no_chart_sentence(ctx: Context) -> str:
    """The indicators without a line chart, for the method chapter (each chapter says why)."""
    national = ctx.riket() if ctx.local else ctx
    plan = chart_plan(ctx.agg, ctx.year, ctx.settings)
    missing = [ind.number for ind in nr.measured_indicators(ctx.ins, ctx.year)
               if ind.number not in plan and national.measures(ind)]
    if not missing:
        return f"Alla indikatorer som mäts med enkäter har ett linjediagram {ctx.year}."
    word = "Indikator" if len(missing) == 1 else "Indikatorerna"
    return (f"{word} {join_sv(missing)} har inget linjediagram, eftersom inget av deras mått ännu har jämförbara "
            f"nyckeltal för {number_word(ctx.settings.chart_min_years)} år; kapitlet om varje indikator säger "
            "varför.")


def one_year_sentence(ctx: Context) -> str:
    """After table 20: its outcomes compare two years, and which increasing or decreasing indicators have no
    earlier comparison (every measure comparable only from the year before)."""
    year, prev = ctx.year, ctx.year - 1
    only_one = []
    for ind in nr.measured_indicators(ctx.ins, year):
        outcome, changes = indicator_development(ctx, ind, nr.ALL)
        if outcome in ("okning", "minskning") and changes and \
                all(ctx.ins.question(q).compare_from(year) == prev for q, _ in changes):
            only_one.append(ind.number)
    out = (f"Tabellen jämför bara {year} med {prev}. En ökning eller minskning i den är alltså en förändring "
           "mellan två mätningar, inte en trend; hur nyckeltalen har utvecklats över flera år visar "
           "linjediagrammen i kapitlen om indikatorerna.")
    if only_one:
        word = "indikator" if len(only_one) == 1 else "indikatorerna"
        out += (f" För {word} {join_sv(only_one)}, vars mått bara kan jämföras sedan {prev}, har utvecklingen "
                "ännu bara mätts mellan två år.")
    return out


def source_sentences(ctx: Context) -> dict[str, str]:
    """Sentences that cite the national report's sources: the number of förbund, the year's manual, the earlier
    reports (the missing-fact marker where a year's fact is missing)."""
    agg, year = ctx.agg, ctx.year
    missing = {f.key: f for f in layer.missing_facts(agg, year)}
    out = {}
    n, src = agg.forbund_nationally(year), agg.fact_source("forbund_nationally", year)
    out["forbund_nationellt_mening"] = (
        f"Antalet samordningsförbund i landet, {n}, kommer från {src.markdown()}." if n and src else "")
    manual = agg.fact("manual", year)
    out["manual_mening"] = (
        "Hur ett förbund går till väga för att delta – avtalet med NNS, utdelningen av enkäterna och "
        f"registreringen av svaren – beskriver NNS i en användarmanual: "
        f"{agg.source(manual).markdown() if manual else missing['manual'].marker()}.")
    page = agg.national.get("reports_page")
    out["tidigare_rapporter_mening"] = (f"De tidigare nationella rapporterna finns på NNS:s webbplats: "
                                        f"{agg.source(page).markdown()}.") if page else ""
    return out
