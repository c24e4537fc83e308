"""Sentences about the results are computed by rules, and say the opposite when the data do."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

import nnsreport as nr
from helpers.data import Registration, hermetic, instrument_with_version, row
from nns.build.year import instrument_changes
from nns.config import ROOT, Scope
from nns.instrument import load_instrument
from nns.present import commentary, prose
from nns.spec import claims
from nns.spec.context import Context
from nns.text import number_word


def _answers(value: int) -> dict:
    return {f"q{i}": value for i in range(1, 12)}


def _nation(make_agg, personal: int, styrelse: int, women: int = 6, men: int = 6):
    """Two förbund; every personal answer ``personal``, every board answer ``styrelse``."""
    regs = []
    for name in ("A", "B"):
        regs.append(Registration(name, 2022, surveys={
            "personal": [row(**_answers(personal))] * 12,
            "styrelse": [row(**_answers(styrelse))] * 12,
            "deltagare_pagaende": [row("Kvinna", **_answers(women))] * 12 + [row("Man", **_answers(men))] * 12,
        }))
    return make_agg(regs)


@pytest.mark.parametrize("personal, styrelse, first, last", [(6, 3, "personal", "styrelser"),
                                                             (3, 6, "styrelser", "personal")])
def test_the_groups_are_named_in_the_order_of_their_key_figures(make_agg, settings, personal, styrelse, first, last):
    agg = _nation(make_agg, personal, styrelse)
    sentence = commentary.survey_order_sentence(Context(agg, Scope(2022), settings))
    assert sentence.index(first) < sentence.index(last)
    assert sentence.split("lägst har ")[1].startswith(last)


@pytest.mark.parametrize("women, men, says", [(6, 3, "kvinnorna svarar mer positivt"),
                                              (3, 6, "männen svarar mer positivt"),
                                              (5, 5, None)])
def test_the_gender_sentence_follows_the_data(make_agg, settings, women, men, says):
    agg = _nation(make_agg, 5, 5, women, men)
    sentence = commentary.gender_sentence(Context(agg, Scope(2022), settings))
    if says:
        assert says in sentence
    else:
        assert "mer positivt" not in sentence and sentence.startswith("På sju av sju deltagarfrågor")


def test_an_indicator_is_said_to_be_below_half_only_when_every_measure_is(make_agg, settings):
    low = _nation(make_agg, 3, 6)
    s = commentary.indicator_extremes_sentence(Context(low, Scope(2022), settings))
    assert "under 50 %" in s
    high = _nation(make_agg, 6, 6, 6, 6)
    assert "under 50 %" not in commentary.indicator_extremes_sentence(Context(high, Scope(2022), settings))


def test_changes_over_the_period_use_the_two_point_rule(national_agg, settings):
    changes = claims.period_changes(Context(national_agg, Scope(2022), settings))
    assert changes and all(c.direction == ("okning" if c.points >= 2 else "minskning" if c.points <= -2 else "varken")
                           for c in changes)
    sentence = commentary.period_sentence(Context(national_agg, Scope(2022), settings))
    up, down = sum(c.points >= 2 for c in changes), sum(c.points <= -2 for c in changes)
    assert f"ökat med minst två procentenheter för {commentary._count(up)}, minskat lika mycket för " \
           f"{commentary._count(down)}" in sentence
    assert f"Av de {len(changes)} mått" in sentence


def test_a_text_file_is_the_analysts_unless_it_still_has_the_draft_mark(tmp_path, national_agg):
    settings = hermetic(tmp_path, commentary=tmp_path / "komm")
    ctx = Context(national_agg, Scope(2022), settings)
    written = commentary.seed_texts(ctx)
    assert len(written) == 19 and all(commentary.is_draft(p) for p in written)
    assert "::: {.utkast}" in commentary.text(ctx, "sammanfattning")
    path = commentary.text_path(ctx, "sammanfattning")
    path.write_text("Årets egen text.\n", encoding="utf-8")
    assert commentary.text(ctx, "sammanfattning") == "Årets egen text.\n"
    assert "sammanfattning" not in commentary.missing_texts(ctx)
    assert commentary.seed_texts(ctx) == []                     # nothing is overwritten
    assert path.read_text(encoding="utf-8") == "Årets egen text.\n"


def test_the_changes_of_a_new_year_are_listed_from_the_instrument(tmp_path):
    path = instrument_with_version(tmp_path, "personal.1", {"from": 2023, "number": 12, "scale": "I",
                                                           "comparable": False, "text": "Ny lydelse?"})
    changes = instrument_changes(load_instrument(path), 2023)
    assert changes == ["Personal, personal.1: fråga 1 blir fråga 12, ny formulering, inte jämförbar med tidigare år."]
    assert instrument_changes(load_instrument(), 2022) == []


def test_the_surveys_sentence_names_used_unused_and_unanswered_surveys(make_agg, settings):
    from nns.present.prose import local_variables

    agg = make_agg([Registration("Tomt", 2022, surveys={"personal": [row(q1=5)] * 6, "styrelse": []}),
                    Registration("Fullt", 2022, surveys={s.id: [] for s in load_instrument().surveys_in(2022)})])
    says = local_variables(Context(agg, Scope(2022, "Tomt"), settings))["forbund_enkater_mening"]
    assert says.startswith("Förbundet använde enkäterna till personal och styrelse. Enkäterna till deltagare")
    assert says.endswith("Enkäten till styrelse fick inga svar.")
    says = local_variables(Context(agg, Scope(2022, "Fullt"), settings))["forbund_enkater_mening"]
    assert says.startswith("Förbundet använde alla sex enkättyper 2022. Enkäterna till ")
    assert says.endswith(" fick inga svar.")


def _with_sus(agg, men: int, women: int):
    national = dict(agg.national)
    national["sus_gender"] = {2022: {"period": "november 2021 till oktober 2022", "groups": {
        "deltagare_pagaende": {"who": "pågående deltagarna", "count": "16 500", "women": women, "men": men}}}}
    return replace(agg, national=national)


@pytest.mark.parametrize("women, men, unstated, sus_men, says, not_said", [
    # fewer men than in SUS, but as many unstated as would close the gap: either reading
    (50, 30, 20, 46, "lägre än i SUS. Det kan betyda att män är underrepresenterade", "större än andelen"),
    # fewer men, and too few unstated to close the gap: men are under-represented
    (57, 38, 5, 46, "Skillnaden är större än andelen som inte angett kön", "Det kan betyda"),
    # as in SUS (within the two-point rule): no claim of under-representation
    (50, 45, 5, 46, "ungefär som i SUS", "underrepresenterade"),
    # more men than in SUS
    (40, 55, 5, 46, "högre än i SUS", "underrepresenterade"),
])
def test_men_are_called_under_represented_only_when_fewer_than_in_sus(make_agg, settings, women, men, unstated,
                                                                       sus_men, says, not_said):
    rows = [row("Kvinna", q1=5)] * women + [row("Man", q1=5)] * men + [row("Ej angett", q1=5)] * unstated
    agg = _with_sus(make_agg([Registration("A", 2022, surveys={"deltagare_pagaende": rows})]), sus_men, 100 - sus_men)
    ctx = Context(agg, Scope(2022), settings)
    (share,) = claims.men_compared_with_sus(ctx)
    assert (share.men, share.unstated, share.sus_men) == (men, unstated, sus_men)
    sentence = prose.sus_gender_sentence(ctx)
    assert f"andelen män {men}\u00a0% i pågåendeenkäten" in sentence
    assert says in sentence and not_said not in sentence


def test_without_sus_figures_for_the_year_the_sentence_marks_them_missing(national_agg, settings):
    ctx = Context(national_agg, Scope(2023), settings)
    assert claims.men_compared_with_sus(ctx) == []
    assert prose.sus_gender_sentence(ctx).endswith("[uppgift saknas: könsfördelningen bland deltagarna i SUS 2023].")


@pytest.mark.parametrize("min_years, without_chart", [(3, {4, 15, 16}), (2, set()), (6, set(range(1, 17)) - {11})])
def test_a_chapter_says_why_it_has_no_chart_from_the_chart_rule(national_agg, settings, min_years, without_chart):
    s = settings.replace(chart_min_years=min_years)
    ctx = Context(national_agg, Scope(2022), s)
    notes = {ind.number: prose.no_chart_note(ctx, ind) for ind in national_agg.instrument.indicators}
    assert {n for n, note in notes.items() if note} == without_chart
    for n in without_chart:
        assert notes[n].startswith(f"Indikator {n} har inget linjediagram")
        assert f"minst {number_word(min_years)} år" in notes[n]


@pytest.mark.parametrize("indicator, says", [
    (4, "som mest två sådana år (2021 och 2022). Båda frågorna ersattes 2021 av nya frågor"),
    (15, "som mest två sådana år (2021 och 2022). Fråga 5 till parternas chefsgrupp ställdes första gången 2021 "
         "och fråga 6 till parternas chefsgrupp ersattes 2021 av en ny fråga som inte kan jämföras med tidigare."),
    (16, "Alla sex frågorna ställdes första gången 2021."),
])
def test_the_reason_for_a_missing_chart_comes_from_the_instruments_history(national_agg, settings, indicator, says):
    note = prose.no_chart_note(Context(national_agg, Scope(2022), settings), national_agg.instrument.indicator(indicator))
    assert says in note


def _sentences(text: str) -> set[str]:
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text)) if len(s.strip()) > 20}


@pytest.mark.parametrize("texts", ["the analyst's texts", "automatic drafts"])
def test_no_bullet_of_resultat_i_korthet_repeats_a_sentence_printed_elsewhere(tmp_path, national_agg, texts):
    folder = ROOT / "report" / "kommentarer" if texts == "the analyst's texts" else tmp_path / "inga-texter"
    ctx = Context(national_agg, Scope(2022), hermetic(tmp_path, commentary=folder))
    ins = national_agg.instrument
    elsewhere = [commentary.text(ctx, key) for key in commentary.TEXTS]
    elsewhere += [commentary.indicator_text(ctx, ind) for ind in ins.indicators]
    elsewhere += [prose.indicator_description(ctx, ind) for ind in ins.indicators]
    elsewhere += [n for ind in ins.indicators for n in (prose.no_chart_note(ctx, ind), prose.sus_work_studies_note(ctx, ind))]
    elsewhere += list(prose.variables(ctx).values())
    printed = set().union(*(_sentences(t) for t in elsewhere))
    bullets = commentary.key_points(ctx)
    assert len(bullets) == 5
    for bullet in bullets:
        assert not _sentences(bullet) & printed, bullet


@pytest.mark.parametrize("year, names", [
    (2022, "För indikatorerna 4, 15 och 16, vars mått bara kan jämföras sedan 2021, har utvecklingen ännu bara "
           "mätts mellan två år."),
    (2021, None),    # the replaced and new questions of 2021 cannot be compared with 2020 at all
])
def test_after_table_20_a_sentence_says_it_compares_two_years_and_names_the_indicators_with_one_comparison(
        national_agg, settings, year, names):
    said = prose.one_year_sentence(Context(national_agg, Scope(year), settings))
    assert said.startswith(f"Tabellen jämför bara {year} med {year - 1}.")
    assert (names in said) if names else ("vars mått bara kan jämföras" not in said)


@pytest.mark.parametrize("questions, window_start, says", [
    (["deltagare_avslut.4"], 2021, "Fråga 4 i avslutsenkäten ersattes 2021 av en ny fråga med en annan svarsskala. "
                                   "Den som fyllt i en äldre version av enkäten har inte kunnat besvara den"),
    (["chefsgrupp.7", "chefsgrupp.8"], 2021, "Frågorna 7 och 8 till parternas chefsgrupp ställdes första gången 2021."),
    (["deltagare_avslut.6"], 2021, ""),     # reworded, not replaced: the older form asked it too
    (["personal.1"], 2021, ""),             # unchanged since 2018
    (["deltagare_avslut.4"], 2022, ""),     # replaced before the window: no longer a reason
])
def test_internal_nonresponse_is_explained_only_by_questions_older_forms_lacked(instrument, questions, window_start,
                                                                                says):
    said = prose.nonresponse_change_sentence(instrument, 2022, questions, window_start)
    assert said.startswith(says) and bool(said) == bool(says)


def test_the_forbund_of_a_year_are_read_once_and_follow_the_layer_they_are_asked_of(national_agg, monkeypatch):
    """Aggregated.forbund keeps its answers (a report asks some thirty times): worked out once per year and survey,
    the same answer every time, a list the caller may change, and a changed layer (dataclasses.replace) is
    asked again."""
    r = national_agg.responses
    everyone = sorted(r.loc[(r["year"] == 2022) & (r["responses"] > 0), "forbund"].unique(), key=nr.swedish_sort_key)
    used = sorted(r.loc[(r["year"] == 2022) & (r["survey"] == "styrelse"), "forbund"].unique(), key=nr.swedish_sort_key)
    layer = replace(national_agg)   # a layer of its own, nothing asked of it yet
    sorted_names = []
    monkeypatch.setattr(nr, "swedish_sort_key", lambda name: sorted_names.append(name) or name.casefold())
    first = layer.forbund(2022)
    assert sorted(first) == sorted(everyone) and len(first) == 36 and len(sorted_names) == 36
    first.clear()
    assert layer.forbund(2022) == layer.forbund(2022) != []
    assert len(sorted_names) == 36, "asked again, worked out again"
    assert sorted(layer.forbund(2022, "styrelse")) == sorted(used)
    fewer = replace(layer, responses=r[r["forbund"] != everyone[0]])
    assert sorted(fewer.forbund(2022)) == sorted(everyone[1:])
    assert sorted(layer.forbund(2022)) == sorted(everyone)
