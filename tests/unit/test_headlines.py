"""The short version's headline sentences follow the data, and say the opposite when the data do."""
from __future__ import annotations

import pytest

from helpers.data import Registration, row
from nns.config import Scope
from nns.present import headlines
from nns.spec import claims
from nns.spec.charts import chart_plan
from nns.spec.context import Context
from nns.text import number_word


def _answers(value: int) -> dict:
    return {f"q{i}": value for i in range(1, 12)}


def _layer(make_agg, personal: dict, styrelse: dict, rows: int = 12):
    """Förbund A and B in 2021 and 2022; ``personal[(förbund, year)]`` is every personal answer (a list of
    ``rows`` answers, or one answer for all), likewise ``styrelse``."""
    regs = []
    for year in (2021, 2022):
        for name in ("A", "B"):
            surveys = {}
            for sid, given in (("personal", personal), ("styrelse", styrelse)):
                value = given[(name, year)]
                answers = value if isinstance(value, list) else [value] * rows
                surveys[sid] = [row(**_answers(v)) for v in answers]
            regs.append(Registration(name, year, surveys=surveys))
    return make_agg(regs)


def _same(value):
    return {(f, y): value for f in ("A", "B") for y in (2021, 2022)}


def test_no_clear_change_is_said_when_no_key_figure_moved(make_agg, settings):
    ctx = Context(_layer(make_agg, _same(5), _same(3)), Scope(2022), settings)
    assert claims.year_changes(ctx) and claims.clearest_changes(ctx) == []
    assert headlines.changes_sentence(ctx) == \
        "Inget nyckeltal har ändrats med två procentenheter eller mer sedan 2021."
    assert headlines.development_words(ctx).startswith("Ingen indikator visar ökning. Ingen indikator visar minskning.")
    assert " har ingen ökat och ingen minskat; " in headlines.development_counts(ctx)


def test_the_clearest_change_is_named_with_its_direction_and_size(make_agg, settings):
    personal = {("A", 2021): 6, ("B", 2021): 6, ("A", 2022): 3, ("B", 2022): 3}
    ctx = Context(_layer(make_agg, personal, _same(3)), Scope(2022), settings)
    changes = claims.clearest_changes(ctx)
    assert changes and all(c.points == -100 and c.question.startswith("personal.") for c in changes)
    sentence = headlines.changes_sentence(ctx)
    assert "har minskat från 100\u00a0% till 0\u00a0% (−100 procentenheter)" in sentence and "till personal" in sentence
    assert "ökat" not in sentence
    assert "Minskning syns för indikator" in headlines.development_words(ctx)
    assert " har ingen ökat och " in headlines.development_counts(ctx) and " minskat; " in headlines.development_counts(ctx)


@pytest.mark.parametrize("moved, clear", [(1, False), (2, True), (3, True)])
def test_a_change_counts_from_the_table_20_threshold_for_one_measure(make_agg, settings, moved, clear):
    """100 answers: 50 clearly positive in 2021; ``moved`` more in 2022 is ``moved`` points."""
    before = [6] * 50 + [3] * 50
    after = [6] * (50 + moved) + [3] * (50 - moved)
    personal = {("A", 2021): before, ("B", 2021): before, ("A", 2022): after, ("B", 2022): after}
    ctx = Context(_layer(make_agg, personal, _same(3), rows=100), Scope(2022), settings)
    assert bool(claims.clearest_changes(ctx)) == clear
    assert ("har ökat från 50\u00a0%" in headlines.changes_sentence(ctx)) == clear


def test_highest_and_lowest_indicators_follow_the_key_figures_and_never_name_one_twice(make_agg, settings):
    ctx = Context(_layer(make_agg, _same(6), _same(3)), Scope(2022), settings)
    levels = claims.indicator_levels(ctx)
    high, low = headlines.levels_sentences(ctx)
    top = [str(lv.id) for lv in levels[:3]]
    bottom = [str(lv.id) for lv in levels[-3:]]
    assert high.startswith("Högst nyckeltal") and all(f"{n} (" in high for n in top)
    assert low.startswith("Lägst har") and all(f"{n} (" in low for n in bottom)
    assert not set(top) & set(bottom)
    assert levels[0].mean > levels[-1].mean


def test_equal_key_figures_everywhere_name_no_highest_or_lowest(make_agg, settings):
    ctx = Context(_layer(make_agg, _same(6), _same(6)), Scope(2022), settings)
    high, low = headlines.levels_sentences(ctx)
    assert high == "Alla indikatorer har samma genomsnittliga nyckeltal, 100\u00a0%." and low == ""


@pytest.mark.parametrize("a, b, says", [(6, 3, "över rikets på"), (3, 6, "under på")])
def test_a_forbund_is_said_to_be_above_the_nation_only_where_it_is(make_agg, settings, a, b, says):
    personal = {**{("A", y): a for y in (2021, 2022)}, **{("B", y): b for y in (2021, 2022)}}
    ctx = Context(_layer(make_agg, personal, _same(4)), Scope(2022, "A"), settings)
    pairs = claims.riket_comparison(ctx)
    personal_pairs = [p for p in pairs if p[0].startswith("personal.")]
    assert personal_pairs and all((own > nation) == (a > b) for _, own, nation in personal_pairs)
    sentence = headlines.riket_sentence(ctx)
    above = sum(own > nation for _, own, nation in pairs)
    below = sum(own < nation for _, own, nation in pairs)
    assert sentence.startswith(f"Av de {number_word(len(pairs), True)} mått som kan jämföras med riket")
    assert f"över rikets på {number_word(above, True) if above else 'inget'}, " \
           f"under på {number_word(below, True) if below else 'inget'}" in sentence and says in sentence
    assert headlines.riket_sentence(Context(ctx.agg, Scope(2022), settings)) == ""


def test_a_hidden_key_figure_is_never_compared(make_agg, settings):
    """Förbund A has three answers per survey (fewer than five): nothing of it is shown, nothing compared."""
    regs = []
    for year in (2021, 2022):
        regs.append(Registration("A", year, surveys={"personal": [row(**_answers(6))] * 3}))
        regs.append(Registration("B", year, surveys={"personal": [row(**_answers(3))] * 12}))
    ctx = Context(make_agg(regs), Scope(2022, "A"), settings)
    assert claims.riket_comparison(ctx) == [] and claims.year_changes(ctx) == []
    assert headlines.riket_sentence(ctx) == "Inget av förbundets nyckeltal kan jämföras med riket."
    assert headlines.changes_sentence(ctx) == "Inget mått kan jämföras med 2021."
    assert headlines.levels_sentences(ctx) == ("Inga nyckeltal kan visas.", "")


def test_the_short_version_draws_charts_only_for_indicators_that_changed_clearly(make_agg, settings):
    ctx = Context(_layer(make_agg, _same(5), _same(3)), Scope(2022), settings)
    assert claims.changed_indicators(ctx) == []
    assert headlines.charts_sentence(ctx).startswith("Inget nyckeltal som visas i linjediagram har ändrats tydligt")


def test_the_short_version_charts_the_indicators_of_the_clearest_changes_nationally(national_agg, settings):
    ctx = Context(national_agg, Scope(2022), settings)
    charted = set(chart_plan(ctx.agg, 2022, settings))
    changes = sorted(claims.year_changes(ctx), key=lambda c: -abs(c.points))
    expected = list(dict.fromkeys(n for c in changes if abs(c.points) >= 2
                                  and (n := ctx.ins.indicator_of(c.question).number) in charted))[:2]
    assert claims.changed_indicators(ctx) == expected and len(expected) == 2
    sentence = headlines.charts_sentence(ctx)
    assert f"indikator {expected[0]} (" in sentence and f" och {expected[1]} (" in sentence
