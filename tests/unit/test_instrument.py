"""The instrument is data: its history drives comparisons, and a broken file gets a clear message."""
from __future__ import annotations

import pytest
import yaml

from helpers.data import instrument_with_version
from nns.config import ROOT
from nns.errors import InstrumentError
from nns.instrument import load_instrument


def test_the_instrument_has_the_published_shape(instrument):
    counts = {s.id: len(instrument.questions_asked(s.id, 2022)) for s in instrument.surveys}
    assert counts == {"deltagare_pagaende": 7, "deltagare_avslut": 10, "personal": 11, "chefsgrupp": 8,
                      "styrelse": 5, "remittent": 4}
    assert sum(len(i.measures) for i in instrument.indicators) == 45
    assert instrument.indicator(11).measures == () and instrument.indicator(11).register_study


@pytest.mark.parametrize("qid, year, number", [
    ("chefsgrupp.3", 2020, 2), ("chefsgrupp.4", 2020, 3), ("chefsgrupp.6", 2020, 4),
    ("chefsgrupp.3", 2021, 3), ("chefsgrupp.2", 2020, None), ("remittent.1", 2020, None),
    ("personal.10", 2021, 10), ("personal.10", 2020, None),
])
def test_question_numbers_per_year(instrument, qid, year, number):
    v = instrument.question(qid).version(year)
    assert (v.number if v else None) == number


@pytest.mark.parametrize("qid, compare_from", [
    ("deltagare_pagaende.4", 2021),   # replaced in 2021
    ("deltagare_avslut.6", 2018),     # reworded in 2021, still compared (indicator 7)
    ("chefsgrupp.1", 2021),           # new question in 2021 (indicator 9)
    ("chefsgrupp.3", 2018),           # renumbered, compared (indicator 10)
    ("chefsgrupp.6", 2021),           # changed in 2021 (indicator 15)
    ("styrelse.5", 2021),             # indicator 16 from 2021
])
def test_comparisons_follow_the_history(instrument, qid, compare_from):
    assert instrument.question(qid).compare_from(2022) == compare_from


def test_a_new_years_change_is_a_data_edit(tmp_path):
    """Rewording a question for 2023 (not comparable) needs only a new version in the YAML."""
    path = instrument_with_version(tmp_path, "personal.1", {"from": 2023, "number": 1, "scale": "I",
                                                           "comparable": False, "text": "Ny lydelse?"})
    ins = load_instrument(path)
    assert ins.question("personal.1").compare_from(2023) == 2023
    assert ins.question("personal.1").compare_from(2022) == 2018


def _broken(tmp_path, change):
    raw = yaml.safe_load((ROOT / "data" / "instrument.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["questions"][0]["versions"][0].update(scale="IV"), "Okänd svarsskala 'IV'"),
    (lambda r: r["indicators"][1]["measures"].append("deltagare_pagaende.1"), "hör redan till indikator 1"),
    (lambda r: r["indicators"][0]["measures"].append("personal.99"), "Måttet 'personal.99' finns inte"),
    (lambda r: r["scales"]["I"]["options"].pop(), "ska ha 6 svarsalternativ"),
    (lambda r: r["categories"].update(varken=[3, 4]), "exakt en gång"),
    (lambda r: r["questions"][0]["versions"].append(dict(r["questions"][0]["versions"][0])), "årsordning"),
    (lambda r: r["indicators"][0].pop("short"), "Nyckeln 'short' saknas"),
    (lambda r: r["indicators"][11].pop("reference"), "'background' (vad indikatorn vilar på) och 'reference'"),
    (lambda r: r["indicators"][15]["reference"].update(url="www.regeringen.se"), "ska börja med http"),
])
def test_a_broken_instrument_gets_a_swedish_message_naming_the_entry(tmp_path, change, expected):
    with pytest.raises(InstrumentError) as exc:
        load_instrument(_broken(tmp_path, change))
    assert expected in str(exc.value)
    assert "instrument.yaml (" in str(exc.value)


def _edited(tmp_path, change):
    raw = yaml.safe_load((ROOT / "data" / "instrument.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_instrument(path)


def _renumber_closing_question_8(raw):
    """2023: the closing survey's question 8 (Ja/Nej) becomes question 3; questions 3–7 move down one."""
    for q in raw["questions"]:
        if q["id"].startswith("deltagare_avslut."):
            last = q["versions"][-1]
            n = int(q["id"].split(".")[1])
            new = 3 if n == 8 else n + 1 if 3 <= n <= 7 else n
            if new != last["number"]:
                q["versions"].append({**last, "from": 2023, "number": new, "comparable": True})


def test_a_condition_follows_its_question_when_the_survey_is_renumbered(tmp_path):
    ins = _edited(tmp_path, _renumber_closing_question_8)
    assert ins.condition_number("deltagare_avslut.9", 2022) == 8
    assert ins.condition_number("deltagare_avslut.9", 2023) == 3
    assert ins.dependants("deltagare_avslut.8", 2023) == ["deltagare_avslut.9", "deltagare_avslut.10"]


def test_texts_name_the_questions_as_numbered_that_year(tmp_path):
    from nns.present.prose import instrument_sentences
    from nns.registration.template import condition_sentences
    from nns.spec.tables import key_figure_rule

    ins = _edited(tmp_path, _renumber_closing_question_8)
    assert condition_sentences(ins, 2023) == [
        "Frågorna 9 och 10 i avslutsenkäten fylls bara i om fråga 3 besvarats med Ja."]
    sentences = instrument_sentences(ins, 2023)
    assert sentences["janej_mening"].startswith("Fråga 3 i avslutsenkäten besvaras med ja eller nej")
    assert sentences["villkor_mening"].endswith("svarat ja på fråga 3.")
    assert "fråga 3 i avslutsenkäten där det är andelen som svarat ja" in key_figure_rule(ins, 2023)
    # 2018 had two more Ja/Nej questions (indicator 4's old question in both participant surveys)
    assert instrument_sentences(ins, 2019)["janej_mening"].startswith(
        "Fråga 4 i pågåendeenkäten och frågorna 4 och 8 i avslutsenkäten besvaras med ja eller nej")


def test_a_condition_must_name_a_question_of_the_same_survey(tmp_path):
    def change(raw):
        next(q for q in raw["questions"] if q["id"] == "deltagare_avslut.9")["condition"]["question"] = 8
    with pytest.raises(InstrumentError) as exc:
        _edited(tmp_path, change)
    assert "ska ange frågans id (till exempel deltagare_avslut.8), inte ett frågenummer" in str(exc.value)

    def other_survey(raw):
        next(q for q in raw["questions"] if q["id"] == "deltagare_avslut.9")["condition"]["question"] = "personal.1"
    with pytest.raises(InstrumentError, match="Villkoret pekar på 'personal.1'"):
        _edited(tmp_path, other_survey)


def test_colours_come_from_the_instrument_and_a_seventh_survey_needs_no_code(tmp_path):
    from nns.present.palette import survey_colours

    def seventh(raw):
        raw["surveys"].append({"id": "arbetsgivare", "name": "Arbetsgivare", "table_label": "Arbetsgivare",
                               "measure_label": "Arbetsgivare", "plural": "Arbetsgivare", "sheet": "Arbetsgivare",
                               "from": 2023, "colour": "#332288"})
        raw["questions"].append({"id": "arbetsgivare.1", "versions": [
            {"from": 2023, "number": 1, "scale": "II", "text": "Får ni stöd i samverkan?"}]})
        raw["indicators"][8]["measures"].append("arbetsgivare.1")

    ins = _edited(tmp_path, seventh)
    assert survey_colours(ins)["arbetsgivare"] == "#332288"
    assert ins.survey("arbetsgivare").in_text == "till arbetsgivare"
    with pytest.raises(InstrumentError, match="#RRGGBB"):
        _edited(tmp_path, lambda raw: raw["surveys"][0].update(colour="blå"))
