"""The report's rules on small hand-made data: rounding, categories, denominators,
internal non-response, conditional questions, renumbering and the table-20 rule."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnsreport as nr
from helpers.data import Registration, row
from nns import layer
from nns.config import Scope
from nns.spec import tables
from nns.spec.context import Context

# --- rounding ---------------------------------------------------------------

@pytest.mark.parametrize("num, den, expected", [
    (1, 8, 13),      # 12.5 % -> 13 (Python's round gives 12)
    (5, 40, 13),     # the report's Hälso-Sjukvård row: 12.5 % printed 13 %
    (35, 40, 88),    # 87.5 % printed 88 %
    (1, 200, 1),     # 0.5 % -> 1
    (3, 200, 2),     # 1.5 % -> 2
    (5, 200, 3),     # 2.5 % -> 3 (half even would give 2)
    (1, 3, 33),
    (2, 3, 67),
    (0, 9, 0),
    (9, 9, 100),
])
def test_percent_rounds_half_up_like_excel(num, den, expected):
    assert nr.percent(num, den) == expected


def test_percent_of_zero_answers_is_none():
    assert nr.percent(0, 0) is None


@given(st.integers(min_value=1, max_value=3000), st.data())
def test_percent_interval_is_exactly_the_counts_that_print_as_p(n, data):
    x = data.draw(st.integers(min_value=0, max_value=n))
    p = nr.percent(x, n)
    lo, hi = nr.percent_interval(p, n)
    assert lo <= x <= hi
    assert nr.percent(lo, n) == p and nr.percent(hi, n) == p
    if lo > 0:
        assert nr.percent(lo - 1, n) != p
    if hi < n:
        assert nr.percent(hi + 1, n) != p


# --- categorisation ---------------------------------------------------------

def test_categories_follow_the_method(make_agg):
    """Options 1–2 negative, 3 neither, 4–6 positive, 5–6 clearly positive; missing answers not counted."""
    answers = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6] + [None] * 7
    rows = [row("Kvinna", q1=a, q2=4) for a in answers]
    agg = make_agg([_reg(2022, {"deltagare_pagaende": rows})])
    c = layer.question_counts(agg, "deltagare_pagaende.1", 2022)["samtliga"]
    assert (c["negativt"], c["varken"], c["positivt"], c["klart_positivt"]) == (3, 3, 15, 11)
    assert c["n"] == 21 and c["saknas"] == 7


def test_yes_no_question_counts_ja_as_positive(make_agg):
    rows = [row("Man", q1=5, q8="Ja")] * 17 + [row("Man", q1=5, q8="Nej")] * 3 + [row("Man", q1=5)] * 2
    agg = make_agg([_reg(2022, {"deltagare_avslut": rows})])
    c = layer.question_counts(agg, "deltagare_avslut.8", 2022)["samtliga"]
    assert c["n"] == 20 and nr.key_figure(c, "ja") == 85


def test_counting_does_not_modify_the_aggregated_layer(make_agg):
    agg = make_agg([_reg(2022, {"personal": [row(q1=6), row(q1=2)]})])
    before = agg.answers.copy()
    layer.question_counts(agg, "personal.1", 2022)
    layer.question_counts(agg, "personal.1", 2022, "Testförbundet")
    assert agg.answers.equals(before)


@pytest.mark.parametrize("qid, year, kind", [
    ("deltagare_pagaende.1", 2022, "klart_positivt"),
    ("deltagare_pagaende.6", 2022, "positivt"),     # indicator 7
    ("deltagare_avslut.6", 2022, "positivt"),
    ("deltagare_avslut.8", 2022, "ja"),             # Ja/Nej
    ("deltagare_pagaende.4", 2020, "ja"),           # the old Ja/Nej question of indicator 4
    ("deltagare_pagaende.4", 2022, "klart_positivt"),
])
def test_key_figure_kind(instrument, qid, year, kind):
    assert instrument.key_figure_kind(qid, year) == kind


# --- denominators, groups and responses on hand-made data -------------------

def _reg(year, rows_by_survey, forbund="Testförbundet"):
    return Registration(forbund=forbund, year=year, surveys=rows_by_survey)


def test_denominator_is_those_who_answered_and_samtliga_includes_unstated_gender(make_agg):
    rows = [row("Kvinna", q1=6), row("Kvinna", q1=5), row("Man", q1=2), row(None, q1=4),
            row("Ej angett", q1=None, q2=3)]
    agg = make_agg([_reg(2022, {"deltagare_pagaende": rows})])
    c = layer.question_counts(agg, "deltagare_pagaende.1", 2022)
    assert c["samtliga"]["n"] == 4            # four answered question 1
    assert c["samtliga"]["saknas"] == 1
    assert c["kvinnor"]["n"] == 2 and c["man"]["n"] == 1
    assert c["ej_angett"]["n"] == 1           # the empty gender cell
    assert nr.key_figure(c["samtliga"], "klart_positivt") == 50


def test_a_survey_counts_as_response_when_one_question_is_answered(make_agg):
    rows = [row("Kvinna", q1=6), row("Man", q7=3), row("Man")]  # the last answered nothing
    agg = make_agg([_reg(2022, {"deltagare_pagaende": rows})])
    r = layer.responses(agg, 2022)
    assert int(r.loc[("deltagare_pagaende", "samtliga"), "responses"]) == 2


def test_remittent_employed_elsewhere_is_only_in_samtliga(make_agg, instrument, settings):
    rows = [row("Kommun", q1=6)] * 6 + [row("Annan", q1=1)] * 3 + [row(None, q1=5)] * 3
    agg = make_agg([_reg(2022, {"remittent": rows})])
    c = layer.question_counts(agg, "remittent.1", 2022)
    assert c["samtliga"]["n"] == 12 and c["kommun"]["n"] == 6 and c["annan"]["n"] == 6
    shown = [g for g, _ in tables.group_rows(instrument, "remittent")]
    assert "annan" not in shown and shown[0] == "samtliga"
    # in the printed table 7.1 the employed-elsewhere answer counts only in samtliga
    ctx = Context(agg, Scope(2022), settings)
    cells = tables.indicator_tables(ctx, instrument.indicator(3))[0].figures()
    rem = cells[(cells.respondent == "remittent") & (cells.statistic == "n")]
    assert dict(zip(rem.group, rem.value)) == {"samtliga": "12", "af": "-", "fk": "-", "kommun": "6", "hs": "-"}


def test_internal_nonresponse_of_conditional_questions_counts_only_those_with_ja(make_agg):
    rows = [
        row("Kvinna", q1=5, q8="Ja", q9=5, q10=6),
        row("Kvinna", q1=5, q8="Ja", q9=None, q10=4),   # left 9 unanswered: internal non-response
        row("Man", q1=4, q8="Nej"),                      # 9 and 10 not asked
        row("Man", q1=None, q2=3, q8=None),              # 8 unanswered
    ]
    agg = make_agg([_reg(2022, {"deltagare_avslut": rows})])
    nr_df = layer.internal_nonresponse(agg, 2022).set_index("question_id")
    assert nr_df.loc["deltagare_avslut.9", "eligible"] == 2
    assert nr_df.loc["deltagare_avslut.9", "missing"] == 1
    assert nr_df.loc["deltagare_avslut.9", "share"] == 50
    assert nr_df.loc["deltagare_avslut.8", "missing"] == 1
    assert nr_df.loc["deltagare_avslut.1", "share"] == 25   # 1 of 4 responses


def test_renumbered_chefsgrupp_question_is_compared_across_years(make_agg, settings):
    # 2020: today's question 3 was question 2; 2022 numbers it 3
    old = [row(q1=1, q2=6, q3=2, q4=3)] * 4 + [row(q1=1, q2=5)] * 1
    new = [row(q3=6)] * 3 + [row(q3=2)] * 2
    agg = make_agg([_reg(2020, {"chefsgrupp": old}), _reg(2022, {"chefsgrupp": new})])
    assert layer.key_figure_of(agg, "chefsgrupp.3", 2020) == (5, 100)
    assert layer.key_figure_of(agg, "chefsgrupp.3", 2022) == (5, 60)
    # old question 1 (brukarorganisationer) is not today's question 1: not compared
    ctx = Context(agg, Scope(2022), settings)
    t = tables.indicator_tables(ctx, agg.instrument.indicator(10))[-1]
    cell = t.figures().set_index(["respondent", "question", "group", "year", "statistic"])["value"]
    assert cell[("chefsgrupp", "3", "samtliga", "2020", "nyckeltal")] == "100"
    assert cell[("chefsgrupp", "3", "samtliga", "2022", "nyckeltal")] == "60"
    t9 = tables.indicator_tables(ctx, agg.instrument.indicator(9))[-1].figures()
    c1 = t9[(t9.respondent == "chefsgrupp") & (t9.question == "1") & (t9.year == "2020")]
    assert set(c1["value"]) == {"-"}


def test_footnotes_on_changed_questions_come_from_the_instrument(national_agg, settings):
    ctx = Context(national_agg, Scope(2022), settings)
    notes = tables.indicator_tables(ctx, national_agg.instrument.indicator(10))[-1].footnotes
    assert any("var fråga 2 till och med 2020" in n for n in notes)
    notes3 = tables.indicator_tables(ctx, national_agg.instrument.indicator(3))[-1].footnotes
    assert any("Remittenter tillfrågades första gången 2021" in n for n in notes3)
    notes4 = tables.indicator_tables(ctx, national_agg.instrument.indicator(4))[-1].footnotes
    assert any("ersatte 2021" in n for n in notes4)


@pytest.mark.parametrize("indicator, note", [
    (4, "Fråga 4 till deltagare pågående och fråga 4 till deltagare avslut ersatte 2021 tidigare frågor som inte "
        "är jämförbara; jämförelsen börjar därför 2021."),
    (7, "Fråga 6 till deltagare pågående och fråga 6 till deltagare avslut omformulerades 2021 men bedöms vara "
        "jämförbara med tidigare år."),
    (16, "Frågorna 10 och 11 till personal, frågorna 7 och 8 till parternas chefsgrupp och frågorna 4 och 5 till "
         "styrelse ställdes första gången 2021."),
])
def test_one_note_names_every_question_a_change_concerns(national_agg, settings, indicator, note):
    ctx = Context(national_agg, Scope(2022), settings)
    notes = tables.indicator_tables(ctx, national_agg.instrument.indicator(indicator))[-1].footnotes
    # the one note on the questions' changes, and the note on the marks of clear changes (when there are any)
    assert [n for n in notes if not n.startswith("↑ ↓")] == [note]


def test_no_table_repeats_a_note_for_another_question(national_agg, settings):
    ctx = Context(national_agg, Scope(2022), settings)
    for ind in national_agg.instrument.indicators:
        if not ind.measures:
            continue
        notes = tables.indicator_tables(ctx, ind)[-1].footnotes
        # what each note says, without the questions it names
        said = [re.sub(r"^.*? (tillfrågades|ställdes|ersatte|var|omformulerades) ", r"\1 ", n) for n in notes]
        assert len(said) == len(set(said)), (ind.number, notes)


# --- the table-20 rule --------------------------------------------------------

@pytest.mark.parametrize("changes, expected", [
    ([2, 2], "okning"),            # exactly 2 × 2 measures
    ([4, 0], "okning"),
    ([3, 0], "varken"),            # one point short
    ([-2, -2], "minskning"),       # exactly −4
    ([-3, -0], "varken"),
    ([10, -10], "varken"),         # contradictory
    ([1] * 10, "varken"),          # +10 over ten measures is below 2 × 10
    ([2] * 5, "okning"),           # indicator 9: five measures need +10
])
def test_table_20_rule_thresholds(changes, expected):
    assert nr.sammanvagd_utveckling(changes) == expected


def test_table_20_threshold_is_a_setting():
    assert nr.sammanvagd_utveckling([3, 3], points_per_measure=3) == "okning"
    assert nr.sammanvagd_utveckling([3, 2], points_per_measure=3) == "varken"


def test_table_20_uses_key_figures_as_printed(make_agg, settings):
    # 2021: 5/8 = 62.5 % printed 63 %; 2022: 13/20 = 65 % -> +2 as printed (+2.5 unrounded)
    def rows(n_kp, n):
        return [row("Kvinna", q1=6)] * n_kp + [row("Kvinna", q1=3)] * (n - n_kp)
    regs = [
        _reg(2021, {"deltagare_pagaende": rows(5, 8), "deltagare_avslut": rows(5, 8)}),
        _reg(2022, {"deltagare_pagaende": rows(13, 20), "deltagare_avslut": rows(13, 20)}),
    ]
    agg = make_agg(regs)
    ctx = Context(agg, Scope(2022), settings)
    outcome, changes = tables.indicator_development(ctx, agg.instrument.indicator(1), "samtliga")
    assert [d for _, d in changes] == [2, 2]
    assert outcome == "okning"          # +4 >= 2 × 2
    outcome_m, changes_m = tables.indicator_development(ctx, agg.instrument.indicator(1), "man")
    assert changes_m == [] and outcome_m is None


def test_table_20_gender_columns_use_only_participant_measures(national_agg, settings):
    ctx = Context(national_agg, Scope(2022), settings)
    _, total = tables.indicator_development(ctx, national_agg.instrument.indicator(3), "samtliga")
    _, women = tables.indicator_development(ctx, national_agg.instrument.indicator(3), "kvinnor")
    assert [q for q, _ in total] == ["deltagare_pagaende.3", "deltagare_avslut.3", "personal.1", "remittent.1"]
    assert [q for q, _ in women] == ["deltagare_pagaende.3", "deltagare_avslut.3"]


def test_table_2_pairs_responses_with_the_populations_each_forbund_reported(make_agg, settings):
    """A förbund without populations counts in the answers but not in the shares against populations."""
    a = Registration("A", 2022, surveys={"personal": [row(q1=5)] * 8}, populations={"personal": (20, 10)})
    b = Registration("B", 2022, surveys={"personal": [row(q1=5)] * 6})
    agg = make_agg([a, b])
    t = tables.table_2(Context(agg, Scope(2022), settings)).figures()
    v = dict(zip(t[t.respondent == "personal"].statistic, t[t.respondent == "personal"].value))
    assert v["antal_svar"] == "14"
    assert v["andel_undersokt"] == "80"      # 8 of 10, not 14 of 10
    assert v["andel_mal"] == "40"            # 8 of 20
    assert v["undersokt_andel_mal"] == "50"
