"""The figures computed from the demo data equal the published 2022 figures, cell by cell.

The only exceptions are the report's own misprints listed in
data/published/errata.yaml; each must still be a real difference (a test
fails if an erratum no longer matches anything).
"""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from nns.config import ROOT, Scope
from nns.errors import DataError
from nns.present import prose
from nns.review import audit as au
from nns.spec import model, parts
from nns.spec import published as pubmod
from nns.spec.context import Context

PUBLISHED = ROOT / "data" / "published" / "figures_2022.csv"
ERRATA = ROOT / "data" / "published" / "errata.yaml"


@pytest.fixture(scope="module")
def computed(national_agg, settings):
    """The figures as this edition prints them: with disclosure control over every report of the year."""
    ctx = Context(national_agg, Scope(2022), settings)
    return model.figures(parts.all_tables(ctx))


@pytest.fixture(scope="module")
def unsuppressed(national_agg, settings):
    """The figures the data give before disclosure control across reports (primary suppression only)."""
    ctx = Context(national_agg, Scope(2022), settings, linked=False)
    return model.figures(parts.all_tables(ctx))


@pytest.fixture(scope="module")
def published():
    return au.load_published(PUBLISHED)


@pytest.fixture(scope="module")
def errata():
    return au.load_errata(ERRATA)


def published_tables():
    pub = au.load_published(PUBLISHED)
    return list(dict.fromkeys(pub["table"]))


@pytest.mark.parametrize("table", published_tables())
def test_every_published_cell_is_reproduced_by_the_data(table, unsuppressed, published, errata):
    findings = au.compare(unsuppressed, published, errata, tables={table})
    unexpected = [str(f) for f in findings if not f.known]
    assert unexpected == [], "\n".join(unexpected)


@pytest.mark.parametrize("table", published_tables())
def test_this_edition_prints_every_published_cell_or_hides_it(table, computed, published, errata):
    findings = au.compare(computed, published, errata, tables={table})
    unexpected = [str(f) for f in findings if not f.known and f.kind != "withheld"]
    assert unexpected == [], "\n".join(unexpected)


def test_disclosure_control_hides_only_the_national_remittent_cells_that_protect_one_person(computed, published,
                                                                                            errata):
    """The printed 2022 report shows remittenter by employer, where 'Annan' is one person (never printed, but
    samtliga minus the four employers gives it): one more employer is hidden per question."""
    withheld = [f for f in au.compare(computed, published, errata) if f.kind == "withheld"]
    assert withheld and all(f.where.startswith("remittent, fråga ") for f in withheld)
    per_question = {}
    for f in withheld:
        _, question, group, year, _ = f.where.split(", ")
        per_question.setdefault((question, year), set()).add(group)
    assert {q for q, _ in per_question} == {"fråga 1", "fråga 2", "fråga 3", "fråga 4"}
    assert all(len(groups) == 1 for groups in per_question.values()), per_question


def test_every_published_table_is_covered(computed, published):
    assert set(published["table"]) <= set(computed["table"])


def test_each_erratum_is_a_real_misprint_and_is_confirmed_by_the_data(computed, published, errata):
    findings = au.compare(computed, published, errata)
    known = {f.known for f in findings if f.known}
    assert known == {e["id"] for e in errata}


def test_the_audit_finds_the_misprints_without_being_told(published, instrument):
    found = au.self_check(published, instrument, 2022)
    text = "\n".join(str(f) for f in found)
    assert "Tabell 6.2" in text and "tryckt 66" in text
    assert "Tabell 10.3" in text and "ingen fråga 8" in text


def test_the_audit_reports_a_table_20_cell_that_contradicts_its_rule(published, instrument):
    pub = published.copy()
    extra = pd.DataFrame([{"table": "20", "indicator": "1", "respondent": "", "question": "", "group": "samtliga",
                           "year": "2022", "forbund": "", "statistic": "utveckling", "value": "minskning"}])
    found = au.self_check(pd.concat([pub, extra], ignore_index=True), instrument, 2022)
    assert any(f.table == "20" and "regeln ger 'okning'" in f.message for f in found)


def test_the_audit_reports_shares_that_cannot_come_from_n(published, instrument):
    pub = published.copy()
    m = (pub.table == "7.1") & (pub.respondent == "remittent") & (pub.group == "hs") & (pub.statistic == "varken")
    pub.loc[m, "value"] = "12"   # 12 % of 40 is impossible next to 0 % and 88 %
    found = au.self_check(pub, instrument, 2022)
    assert any(f.table == "7.1" and "kan inte komma från n=40" in f.message for f in found)


def test_table_20_recomputed_from_published_key_figures(published, errata, instrument, computed):
    """The table 20 computed from data equals the one computed from the printed tables N.2 (the published rule;
    the counts of measures with a statistically clear change stand beside it)."""
    expected = au.published_table_20(au.with_values(au.corrected(published, errata)), instrument, 2022)
    t20 = computed[(computed["table"] == "20") & (computed["statistic"] == "utveckling")]
    got = {(int(r.indicator), r.group): r.value for r in t20.itertuples()}
    assert got == {k: v[0] for k, v in expected.items()}
    assert len([k for k in got if k[1] == "samtliga"]) == 15


TABLE_20 = ROOT / "data" / "published" / "table20_2022.yaml"
DEPARTING = {"indikator 3, man", "indikator 5, man", "indikator 6, man", "indikator 7, man", "indikator 12, samtliga"}


def test_the_audit_finds_the_five_cells_where_the_printed_table_20_departs_from_its_rule(computed, instrument):
    res = au.audit(computed, PUBLISHED, ERRATA, instrument, 2022, 2, TABLE_20)
    assert {f.where for f in res["inconsistencies"] if f.table == "20"} == DEPARTING
    table_20 = [f for f in res["differences"] if f.table == "20"]
    # this edition follows the rule in those five cells, and agrees with the printed table in the others
    assert len(table_20) == 5 and all(f.known == au.RULE_DEPARTURE for f in table_20)
    assert [f for f in res["differences"] if not f.known and f.kind != "withheld"] == []


@pytest.mark.parametrize("indicator, group, possible", [
    (3, "man", {"varken"}),               # +1 and 0 as printed: at most +2.4 unrounded, short of +4
    (5, "man", {"okning"}),               # +3 and +3: at least +4.4
    (7, "man", {"okning"}),               # +4 and +6: at least +8.4
    (6, "man", {"okning", "varken"}),     # +4 over three measures: up to +6.05 against +6
    (12, "samtliga", {"okning", "varken"}),
])
def test_the_rule_on_unrounded_key_figures_explains_at_most_two_of_the_departures(published, errata, instrument,
                                                                                    indicator, group, possible):
    fixed = au.with_values(au.corrected(published, errata))
    assert pubmod.unrounded_outcomes(fixed, instrument, 2022, indicator, group) == possible


def _edition(tmp_path, table_20: str | None):
    folder = tmp_path / "published"
    folder.mkdir(exist_ok=True)
    shutil.copy(PUBLISHED, folder / PUBLISHED.name)
    shutil.copy(ERRATA, folder / ERRATA.name)
    if table_20 is not None:
        (folder / "table20_2022.yaml").write_text(table_20, encoding="utf-8")
    return folder


@pytest.mark.parametrize("table_20, says", [
    (None, ""),                                                          # nothing known of the printed table 20
    ("rule: printed-key-figures\ndepartures: []\n", ""),                 # printed as the rule gives
    ("rule: printed-key-figures\ndepartures:\n  - {indicator: 1, group: samtliga, printed: varken}\n",
     "I den tryckta rapporten 2022 följer en av cellerna i tabell 20 inte regeln: totalt för indikator 1 står det "
     "varken ökning eller minskning, fast summan av förändringarna når gränsen (+5 procentenheter, där gränsen är "
     "+4). Den här utgåvan följer regeln i alla celler."),
])
def test_the_method_chapter_states_the_printed_departures_from_the_audit(tmp_path, national_agg, settings, table_20,
                                                                          says):
    s = settings.replace(published=str(_edition(tmp_path, table_20)))
    assert prose.table_20_departures_sentence(Context(national_agg, Scope(2022), s)) == says


def test_the_method_chapter_of_2022_names_the_five_departing_cells(national_agg, settings):
    said = prose.table_20_departures_sentence(Context(national_agg, Scope(2022), settings))
    assert said.startswith("I den tryckta rapporten 2022 följer fem av cellerna i tabell 20 inte regeln: för män i "
                           "indikator 3 och 6 och totalt för indikator 12 står det ökning")
    assert "för män i indikator 5 och 7 står det varken ökning eller minskning" in said
    assert said.endswith("Tre av avvikelserna kan inte heller förklaras av att regeln skulle ha tillämpats på "
                         "nyckeltalen före avrundning.")
    # a year without a published edition says nothing
    assert prose.table_20_departures_sentence(Context(national_agg, Scope(2021), settings)) == ""


@pytest.mark.parametrize("table_20, expected", [
    ("rule: unrounded\n", "'rule' ska vara printed-key-figures"),
    ("rule: printed-key-figures\ndepartures:\n  - {indicator: 11, group: samtliga, printed: okning}\n",
     "indikator 11, samtliga finns inte i tabell 20"),
    ("rule: printed-key-figures\ndepartures:\n  - {indicator: 1, group: samtliga, printed: Ökning}\n",
     "'printed' är inte något av okning, minskning, varken"),
])
def test_a_broken_record_of_the_printed_table_20_is_refused_with_a_swedish_message(tmp_path, national_agg, table_20,
                                                                                    expected):
    folder = _edition(tmp_path, table_20)
    with pytest.raises(DataError) as exc:
        pubmod.table_20_departures(folder, national_agg.instrument, 2022)
    assert expected in str(exc.value) and "table20_2022.yaml" in str(exc.value)
