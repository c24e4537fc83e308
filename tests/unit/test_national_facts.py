"""National facts (data/national.yaml) carry their sources; a year without a fact marks it, and the report lists
the sources it cites."""
from __future__ import annotations

import pytest
import yaml

from helpers.data import ROOT
from nns import layer
from nns.config import Scope
from nns.errors import DataError
from nns.present import prose
from nns.spec.context import Context

NATIONAL = ROOT / "data" / "national.yaml"


def _national(tmp_path, change) -> str:
    raw = yaml.safe_load(NATIONAL.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "national.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["sus_gender"][2022].update(source="sus-okand"), "källan 'sus-okand' finns inte under 'sources'"),
    (lambda r: r["sus_gender"][2022]["deltagare_avslut"].update(men=101), "0–100"),
    (lambda r: r["sus_gender"][2022]["deltagare_avslut"].update(women=60), "tillsammans 105 %"),
    (lambda r: r["sus_gender"][2022].pop("period"), "'sus_gender.2022.period': ska vara en text"),
    (lambda r: r["sus_work_studies"][2022].update(share="39 %"), "ett heltal i procent"),
    (lambda r: r["forbund_nationally"].update({2022: {"value": 75, "source": "nns"}}), "källan 'nns' finns inte"),
    (lambda r: r["sources"]["nns-indikatorer"].update(url="nnsfinsam.se"), "ska börja med http"),
    (lambda r: r.update(manual={2022: "manualen"}), "källan 'manualen' finns inte"),
])
def test_a_broken_national_fact_gets_a_swedish_message_naming_the_key(tmp_path, change, expected):
    with pytest.raises(DataError) as exc:
        layer.load_national(_national(tmp_path, change))
    assert expected in str(exc.value) and "national.yaml" in str(exc.value)


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["sus_gender"][2022].update(personal=r["sus_gender"][2022].pop("deltagare_avslut")),
     "'sus_gender.2022.personal': ska vara en deltagarenkät"),
    (lambda r: r["sus_work_studies"][2022].update(question="deltagare_avslut.99"), "finns inte i instrumentet"),
])
def test_a_national_fact_must_name_what_the_instrument_has(tmp_path, national_agg, change, expected):
    path = _national(tmp_path, change)
    with pytest.raises(DataError) as exc:
        layer.check_national(layer.load_national(path), national_agg.instrument, path)
    assert expected in str(exc.value)


def test_every_fact_of_2022_is_given_and_each_new_one_names_its_source(national_agg):
    assert layer.missing_facts(national_agg, 2022) == []
    for key in ("forbund_nationally", "sus_gender", "sus_work_studies"):
        assert national_agg.fact_source(key, 2022) is not None, key


def test_a_year_without_the_facts_lists_them_as_missing(national_agg):
    assert [f.key for f in layer.missing_facts(national_agg, 2023)] == list(layer.FACTS)


def test_a_missing_fact_is_marked_where_the_report_needs_it(national_agg, settings):
    ctx = Context(national_agg, Scope(2023), settings)
    ind7 = national_agg.instrument.indicator(7)
    assert prose.sus_work_studies_note(ctx, ind7).endswith(
        "[uppgift saknas: andelen deltagare som avslutats till arbete eller studier enligt SUS 2023].")
    assert "[uppgift saknas: årets användarmanual 2023]" in prose.source_sentences(ctx)["manual_mening"]
    assert prose.sus_work_studies_note(ctx, national_agg.instrument.indicator(6)) == ""


def test_sus_work_studies_stand_beside_the_question_they_are_compared_with(national_agg, settings):
    ctx = Context(national_agg, Scope(2022), settings)
    notes = {ind.number: prose.sus_work_studies_note(ctx, ind) for ind in national_agg.instrument.indicators}
    assert [n for n, note in notes.items() if note] == [7]
    assert "enligt SUS 39\u00a0% av deltagarna under januari–september 2022" in notes[7]
    assert "(källa: [Resultat av finansiell samordning" in notes[7]
    assert "I avslutsenkäten svarar 63\u00a0% positivt på fråga 6" in notes[7]
    # a förbund's report compares its own answers with the nation's, not with SUS
    local = Context(national_agg, Scope(2022, "Väst"), settings)
    assert prose.sus_work_studies_note(local, national_agg.instrument.indicator(7)) == ""


@pytest.mark.parametrize("forbund, cited, not_cited", [
    ("", ["samordningsförbunden i landet", "SUS,", "Resultat av finansiell samordning", "användarmanual 2022",
          "tidigare nationella rapporter", "Gittell", "Prop. 2002/03:132"], []),
    ("Väst", ["Gittell", "Prop. 2002/03:132"], ["SUS", "finsam.se", "användarmanual"]),
])
def test_the_sources_list_holds_what_the_report_cites(national_agg, settings, forbund, cited, not_cited):
    listed = prose.sources_list(Context(national_agg, Scope(2022, forbund), settings))
    items = listed.splitlines()
    assert len(items) == len(cited)
    for needle in cited:
        assert sum(needle in item for item in items) == 1, needle
    for needle in not_cited:
        assert needle not in listed


def test_a_source_on_the_web_is_a_link_and_its_address_is_printed(national_agg, settings):
    listed = prose.sources_list(Context(national_agg, Scope(2022), settings))
    assert "- Prop. 2002/03:132 Finansiell samordning inom rehabiliteringsområdet. Socialdepartementet. " \
           "<https://www.regeringen.se/rattsliga-dokument/proposition/2003/06/prop.-200203132>" in listed
    assert "- SUS, Sveriges samordningsförbunds uppföljningssystem: datauttag 17 januari 2023\n" in listed
