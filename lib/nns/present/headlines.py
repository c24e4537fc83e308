"""The headline sentences of the short version (kortversion) and the slides, computed from what the report shows.

Each sentence states a fact of :mod:`nns.spec.claims` for the report's scope (the nation, or a förbund) and says
the opposite when the data do: no indicator stands out, nothing changed clearly, the förbund is below the nation.
They are values of ``_variables.yml`` (``kort_*``), placed in the short version's chapters with ``{{< var >}}``.
"""
from __future__ import annotations

import nnsreport as nr
from nns import layer
from nns.spec import claims
from nns.spec.context import Context
from nns.spec.tables import indicator_development
from nns.text import capitalize, fmt_int, fmt_pct, fmt_signed, join_sv, number_word

__all__ = ["respondents_sentence", "levels_sentences", "changes_sentence", "development_counts", "development_words",
           "riket_sentence",
           "charts_sentence", "short_variables", "SHOWN_LEVELS", "SMALL_BASE"]

#: How many indicators the short version names as highest and as lowest (fewer when there are few).
SHOWN_LEVELS = 3
#: A förbund's change that rests on fewer answers than this is said to rest on a small base.
SMALL_BASE = 30


def _indicator(ctx: Context, number: int) -> str:
    return f"{number} ({ctx.ins.indicator(number).short.lower()})"


def respondents_sentence(ctx: Context) -> str:
    """How many answered, and in which surveys (the numbers of table 1; sample sizes are not protected)."""
    r = layer.responses(ctx.agg, ctx.year, ctx.forbund)
    parts = []
    for s in ctx.ins.surveys_in(ctx.year):
        n = int(r.loc[(s.id, nr.ALL), "responses"]) if (s.id, nr.ALL) in r.index else 0
        if n:
            parts.append(f"{s.name.lower()} {fmt_int(n)}")
    total = layer.total_responses(ctx.agg, ctx.year, ctx.forbund)
    if not total:
        return f"Inga enkäter besvarades {ctx.year}."
    who = "Förbundet" if ctx.local else "Förbunden"
    return f"{who} samlade in {fmt_int(total)} besvarade enkäter {ctx.year}. Antal svar per enkät: {join_sv(parts)}."


def levels_sentences(ctx: Context) -> tuple[str, str]:
    """(highest, lowest): the indicators with the highest and the lowest mean key figure over their measures.

    At most :data:`SHOWN_LEVELS` each, never the same indicator in both; with one indicator, that one.
    """
    levels = claims.indicator_levels(ctx)
    if not levels:
        return "Inga nyckeltal kan visas.", ""
    if len(levels) == 1:
        lv = levels[0]
        return (f"Bara indikator {_indicator(ctx, lv.id)} har nyckeltal som kan visas: i genomsnitt "
                f"{fmt_pct(lv.mean)}.", "")
    k = min(SHOWN_LEVELS, len(levels) // 2)

    def named(lvs) -> str:
        word = "indikator" if len(lvs) == 1 else "indikatorerna"
        return f"{word} " + join_sv([f"{lv.id} ({ctx.ins.indicator(lv.id).short.lower()}, {fmt_pct(lv.mean)})"
                                     for lv in lvs])

    top, bottom = levels[:k], list(reversed(levels[-k:]))
    if top[-1].mean == bottom[-1].mean:
        return (f"Alla indikatorer har samma genomsnittliga nyckeltal, {fmt_pct(top[0].mean)}.", "")
    return (f"Högst nyckeltal, i genomsnitt över indikatorns mått, har {named(top)}.",
            f"Lägst har {named(bottom)}.")


def changes_sentence(ctx: Context) -> str:
    """The clearest changes since last year (one measure each), or that no measure changed that much."""
    prev = ctx.year - 1
    points = ctx.settings.table20_points_per_measure
    if not claims.year_changes(ctx):
        return f"Inget mått kan jämföras med {prev}."
    changes = claims.clearest_changes(ctx)
    if not changes:
        return (f"Inget nyckeltal har ändrats med {number_word(points)} procentenheter eller mer sedan {prev}.")
    parts = []
    for c in changes:
        verb = "ökat" if c.points > 0 else "minskat"
        ind = ctx.ins.indicator_of(c.question)
        parts.append(f"{ctx.ins.question_phrase(c.question, ctx.year)} (indikator {ind.number}) har {verb} från "
                     f"{fmt_pct(c.first)} till {fmt_pct(c.last)} ({fmt_signed(c.points)} procentenheter)")
    head = "Tydligast förändring sedan" if len(parts) == 1 else "De tydligaste förändringarna sedan"
    out = f"{head} {prev}: nyckeltalet för {join_sv(parts)}."
    smallest = min(ctx.visible_groups(c.question, ctx.year).get(nr.ALL, {}).get("n", 0) for c in changes)
    if ctx.local and smallest < SMALL_BASE:
        out += " Underlaget är litet, så en stor förändring kan bero på några få svar."
    return out


def _outcomes(ctx: Context) -> dict[str, list[int]]:
    """Table 20's total column: {outcome: indicator numbers}."""
    outcomes: dict[str, list[int]] = {}
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        o, _ = indicator_development(ctx, ind, nr.ALL)
        if o is not None:
            outcomes.setdefault(o, []).append(ind.number)
    return outcomes


def development_counts(ctx: Context) -> str:
    """Table 20 in one sentence: how many indicators increased, decreased and did neither."""
    outcomes = _outcomes(ctx)
    n = sum(len(v) for v in outcomes.values())
    if not n:
        return f"Ingen indikator kan jämföras med {ctx.year - 1}."

    def count(key: str) -> str:
        k = len(outcomes.get(key, []))
        return "ingen" if k == 0 else number_word(k)

    return (f"Av {number_word(n)} indikatorer som kan jämföras med {ctx.year - 1} har {count('okning')} ökat och "
            f"{count('minskning')} minskat; {count('varken')} visar varken ökning eller minskning.")


def development_words(ctx: Context) -> str:
    """Table 20 in words: which indicators increased and decreased, and how many did neither."""
    outcomes = _outcomes(ctx)
    if not outcomes:
        return f"Ingen indikator kan jämföras med {ctx.year - 1}."
    out = []
    for key, word in (("okning", "Ökning"), ("minskning", "Minskning")):
        numbers = outcomes.get(key, [])
        if numbers:
            named = join_sv([_indicator(ctx, n) for n in numbers])
            out.append(f"{word} syns för indikator {named}.")
        else:
            out.append(f"Ingen indikator visar {word.lower()}.")
    flat = len(outcomes.get("varken", []))
    if flat:
        out.append(f"{capitalize(number_word(flat))} {'indikator' if flat == 1 else 'indikatorer'} visar varken "
                   "ökning eller minskning.")
    return " ".join(out)


def riket_sentence(ctx: Context) -> str:
    """A förbund's key figures against the nation's, measure by measure (empty for the national report)."""
    if not ctx.local:
        return ""
    pairs = claims.riket_comparison(ctx)
    if not pairs:
        return "Inget av förbundets nyckeltal kan jämföras med riket."
    above = sum(1 for _, own, nat in pairs if own > nat)
    below = sum(1 for _, own, nat in pairs if own < nat)
    same = len(pairs) - above - below
    n = len(pairs)

    def count(k: int) -> str:
        return "inget" if k == 0 else number_word(k, True)

    places = [f"över rikets på {count(above)}", f"under på {count(below)}"] + ([f"lika på {count(same)}"] if same else [])
    s = f"Av de {number_word(n, True)} mått som kan jämföras med riket ligger förbundets nyckeltal {join_sv(places)}."
    if n == 1:
        where = "över" if above else "under" if below else "i nivå med"
        s = f"På det enda mått som kan jämföras med riket ligger förbundet {where} riket."
    return s


def charts_sentence(ctx: Context) -> str:
    """What the short version's line charts show: the indicators with the clearest changes, or none."""
    numbers = claims.changed_indicators(ctx)
    if not numbers:
        return f"Inget nyckeltal som visas i linjediagram har ändrats tydligt sedan {ctx.year - 1}."
    word = "Diagrammet visar den indikator" if len(numbers) == 1 else "Diagrammen visar de indikatorer"
    return (f"{word} som har förändrats tydligast sedan {ctx.year - 1}: "
            f"indikator {join_sv([_indicator(ctx, n) for n in numbers])}.")


def short_variables(ctx: Context) -> dict[str, str]:
    """The short version's sentences for the report's scope (``{{< var kort_… >}}``)."""
    high, low = levels_sentences(ctx)
    return {
        "kort_svar_mening": respondents_sentence(ctx),
        "kort_hogst_mening": high,
        "kort_lagst_mening": low,
        "kort_forandring_mening": changes_sentence(ctx),
        "kort_utveckling_mening": development_words(ctx),
        "kort_utveckling_antal_mening": development_counts(ctx),
        "kort_riket_mening": riket_sentence(ctx),
        "kort_diagram_mening": charts_sentence(ctx),
    }
