"""Computed text about the comparison between förbund: values for ``_variables.yml``.

Used by the comparison report (``index.jamforelse.qmd``), a förbund's chapter "Jämfört med andra förbund"
(``report/lokal/jamforelse.qmd``) and the method chapter: the minimum number of answers for a verdict, how
many comparisons got which verdict, how much the funnels were widened, and what a förbund's own verdicts are.
"""
from __future__ import annotations

import nnsreport as nr
from nns.spec import comparison
from nns.spec.context import Context
from nns.spec.tables import clear_change, indicator_development
from nns.text import capitalize, fmt_int, join_sv, number_word

__all__ = ["comparison_variables"]


def _decimal(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _count(n: int) -> str:
    """A count of key figures or measures (neuter) in words: 'inget', 'ett', 'två', …, '21'."""
    return "inget" if n == 0 else number_word(n, neuter=True)


def comparison_variables(ctx: Context) -> dict[str, str]:
    """The comparison's values for the prose; a förbund's report also gets its own verdicts.

    The national report needs only the minimum and the clear changes (the comparison itself is not computed).
    """
    minimum = ctx.settings.comparison_min_answers
    v = {"jamforelse_min_svar": str(minimum), "tydliga_forandringar_mening": clear_changes_sentence(ctx)}
    if not (ctx.local or ctx.scope.comparison):
        return v
    ms = comparison.comparisons(ctx)
    v["jamforelse_antal_matt"] = str(len(ms))
    units = [u for m in ms for u in m.units]
    shown = [u for u in units if u.shown]
    counts = {b: sum(1 for u in shown if u.verdict == b) for b in nr.BEDOMNINGAR}
    judged = counts["battre"] + counts["samre"] + counts["som_forvantat"]
    v["jamforelse_antal_jamforelser"] = fmt_int(len(units))
    v["jamforelse_antal_bedomda"] = fmt_int(judged)
    # how many verdicts chance alone would give at each pair of limits, were every förbund alike
    v["jamforelse_slumputfall_95"] = fmt_int((judged * 5 + 50) // 100)          # 5 %, rounded half up
    by_chance = (judged * 2 + 500) // 1000                                     # 0.2 %
    v["jamforelse_slumputfall_998_mening"] = (
        "Vid 99,8-procentsgränserna väntas " + (f"omkring {_count(by_chance)} sådant utfall." if by_chance == 1 else
                                                f"omkring {_count(by_chance)} sådana utfall." if by_chance else
                                                "färre än ett sådant utfall."))
    v["jamforelse_mening"] = (
        f"Sammanlagt jämförs {fmt_int(len(units))} förbundsnyckeltal med rikets, på {len(ms)} mått. "
        f"{capitalize(fmt_int(judged))} av dem bygger på minst {minimum} svar och får en bedömning: "
        f"{_count(counts['battre'])} är bättre än förväntat, {_count(counts['samre'])} sämre och "
        f"{fmt_int(counts['som_forvantat'])} som förväntat. {capitalize(fmt_int(counts['for_fa_svar']))} har färre "
        f"svar än så, och {fmt_int(len(units) - len(shown))} visas inte alls för att skydda de svarande.")
    widened = [m for m in ms if m.dispersion.applied]
    if widened:
        phis = sorted(m.dispersion.phi for m in widened)
        v["jamforelse_overspridning_mening"] = (
            f"För {number_word(len(widened))} av de {number_word(len(ms))} måtten skiljer sig förbunden mer än "
            f"slumpen förklarar, och gränserna är vidgade (φ mellan {_decimal(phis[0])} och {_decimal(phis[-1])}); "
            f"för de övriga {number_word(len(ms) - len(widened))} är de exakta binomialgränser.")
        if len(widened) == len(ms):
            v["jamforelse_overspridning_mening"] = (
                f"För alla {number_word(len(ms))} mått skiljer sig förbunden mer än slumpen förklarar, och gränserna "
                f"är vidgade (φ mellan {_decimal(phis[0])} och {_decimal(phis[-1])}).")
    else:
        v["jamforelse_overspridning_mening"] = ("För inget mått skiljer sig förbunden mer än slumpen förklarar; "
                                                "gränserna är exakta binomialgränser.")
    if ctx.local:
        v.update(_own_variables(ctx, ms, minimum))
    return v


def clear_changes_sentence(ctx: Context) -> str:
    """How many measures changed clearly since the year before (the two last columns of table 20), in words."""
    compared = up = down = 0
    for ind in nr.measured_indicators(ctx.ins, ctx.year):
        _, changes = indicator_development(ctx, ind, nr.ALL)
        for qid, _ in changes:
            found = clear_change(ctx, qid, nr.ALL)
            compared += 1
            up += bool(found and found[2] == "okning")
            down += bool(found and found[2] == "minskning")
    if not compared:
        return ""
    prev = ctx.year - 1
    return (f"Av de {_count(compared)} mått som kan jämföras med {prev} har {_count(up)} ökat och {_count(down)} "
            f"minskat statistiskt tydligt, det vill säga så mycket att slumpen knappast förklarar förändringen "
            f"(de två sista kolumnerna i tabell 20); för de övriga {_count(compared - up - down)} ryms "
            "förändringen inom slumpens spann.")


def _own_variables(ctx: Context, ms, minimum: int) -> dict[str, str]:
    ins = ctx.ins
    own = [(m, u) for m in ms for u in m.units if u.forbund == ctx.forbund]
    shown = [(m, u) for m, u in own if u.shown]
    by = {b: [(m, u) for m, u in shown if u.verdict == b] for b in nr.BEDOMNINGAR}
    judged = len(by["battre"]) + len(by["samre"]) + len(by["som_forvantat"])
    if not own:
        return {"forbund_jamforelse_mening": "Förbundet har inga svar att jämföra med andra förbunds."}
    sentence = (f"Förbundets nyckeltal jämförs med rikets på {_count(len(own))} mått. "
                f"{capitalize(_count(judged))} av dem bygger på minst {minimum} svar och får en bedömning: "
                f"{_count(len(by['battre']))} är bättre än förväntat, {_count(len(by['samre']))} sämre och "
                f"{_count(len(by['som_forvantat']))} som förväntat.")
    rest = []
    if by["for_fa_svar"]:
        rest.append(f"{_count(len(by['for_fa_svar']))} har färre svar än så")
    if len(shown) < len(own):
        rest.append(f"{_count(len(own) - len(shown))} visas inte för att skydda de svarande")
    if rest:
        sentence += f" {capitalize(join_sv(rest))}."
    for verdict, word in (("battre", "Bättre"), ("samre", "Sämre")):
        if by[verdict]:
            what = join_sv(f"{ins.question_phrase(m.qid, m.year)} (indikator {m.indicator}, "
                           f"{u.key_figure}\u00a0% mot rikets {m.national_key_figure}\u00a0%)" for m, u in by[verdict])
            sentence += f" {word} än förväntat: {what}."
    return {"forbund_jamforelse_mening": sentence}
