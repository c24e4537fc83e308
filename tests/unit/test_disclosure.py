"""Disclosure control over every output of a year, and the auditor that tries to break it.

The cases are the ones an adversary found with the demo data: a small group recovered by subtracting a local
report from the national one, a split bounded by another table of the same report, and the national report's
remittenter employed elsewhere (one person).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import nnsreport as nr
from helpers.data import Registration, hermetic, row
from helpers.registration import DEMO
from nns import disclosure as dc
from nns import layer
from nns.config import RIKET, Scope
from nns.disclosure import ALL, QUESTION, RESPONSES, LinkedTable
from nns.registration.aggregate import aggregate, write_layer
from nns.registration.read import check_files
from nns.review.disclosure_audit import audit_outputs
from nns.spec import model, parts, tables
from nns.spec.context import Context

MIN = 5


def publish(agg, settings, tmp_path, scopes, linked=True, year=2022):
    """figures.csv of each report (as the build writes it), in one folder per report; returns the folders."""
    folders = []
    for scope in scopes:
        d = tmp_path / ("linked" if linked else "primary") / (nr.slug(scope.forbund) if scope.forbund else "riket")
        d.mkdir(parents=True)
        model.figures(parts.all_specs(Context(agg, scope, settings, linked))).to_csv(d / "figures.csv", index=False)
        (d / "manifest.json").write_text(json.dumps({"report": {"year": year}}), encoding="utf-8")
        folders.append(d)
    return folders


def layer_of(tmp_path, instrument, settings, registrations):
    d = tmp_path / "layer"
    write_layer(aggregate(instrument, registrations), d)
    return layer.load_aggregated(settings, d)


# --- the two-förbund nation ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_forbund(tmp_path_factory, instrument):
    """Degerfors/Karlskoga and Arvika Eda (2022 demo files); Arvika Eda's closing survey cut to 4 women, 1 man."""
    regs, problems = check_files([DEMO / "2022" / "2022_degerfors-karlskoga.xlsx",
                                  DEMO / "2022" / "2022_arvika-eda.xlsx"], instrument)
    assert not problems.errors
    arvika = next(r for r in regs if r.forbund == "Arvika Eda")
    rows = arvika.surveys["deltagare_avslut"]
    arvika.surveys["deltagare_avslut"] = [r for r in rows if r.background == "Kvinna"][:4] + \
                                         [r for r in rows if r.background == "Man"][:1]
    base = tmp_path_factory.mktemp("two")
    settings = hermetic(base)
    agg = layer_of(base, instrument, settings, regs)
    return agg, settings


def _arvika_small_cells(agg):
    """Every question cell of Arvika Eda's closing survey with 1–4 answers (the figures to protect)."""
    out = set()
    for q, _ in agg.instrument.questions_asked("deltagare_avslut", 2022):
        for g, c in layer.question_counts(agg, q.id, 2022, "Arvika Eda").items():
            if 0 < c["n"] < MIN:
                out.add((q.id, g))
    return out


def test_before_linked_suppression_the_auditor_recovers_every_hidden_count(two_forbund, tmp_path, instrument):
    agg, settings = two_forbund
    scopes = [Scope(2022), Scope(2022, "Degerfors/Karlskoga"), Scope(2022, "Arvika Eda")]
    found = audit_outputs(publish(agg, settings, tmp_path, scopes, linked=False), instrument, MIN)
    recovered = {(r.table, c) for r in found if r.statistic == "n" and r.how == "cell" and len(r.cells) == 1
                 for (f, c) in r.cells if f == "Arvika Eda"}
    small = _arvika_small_cells(agg)
    assert small and small <= recovered
    # and the single man's answers, question by question (the adversary's 6, 4, 4, 5, 5, 5, 6 and Nej)
    man = {r.table for r in found if r.statistic != "n" and r.cells == (("Arvika Eda", "man"),)}
    assert {q for q, g in small if g == "man"} <= man | {"deltagare_avslut.9", "deltagare_avslut.10"}


def test_after_linked_suppression_the_auditor_recovers_nothing(two_forbund, tmp_path, instrument):
    agg, settings = two_forbund
    scopes = [Scope(2022), Scope(2022, "Degerfors/Karlskoga"), Scope(2022, "Arvika Eda")]
    found = audit_outputs(publish(agg, settings, tmp_path, scopes), instrument, MIN)
    assert [str(r) for r in found] == []
    # the national men of the closing survey, printed before, now protect Arvika Eda's one man
    ctx = Context(agg, Scope(2022), settings)
    assert "man" not in ctx.visible_groups("deltagare_avslut.1", 2022) or \
           "man" not in Context(agg, Scope(2022, "Degerfors/Karlskoga"), settings).visible_groups(
               "deltagare_avslut.1", 2022)


# --- a split bounded by another table of the same report ----------------------------------------------------

@pytest.fixture
def bounded(tmp_path, instrument, settings):
    """Litet: 24 respondents, 11 women, 10 men and 3 without gender who all skip question 7. Two more förbund,
    one with a hidden split of its own, so that subtraction alone recovers nothing."""
    def answers(**extra):
        return dict(q1=5, q2=4, q3=6, q4=5, q5=4, q6=5, **extra)
    litet = [row("Kvinna", **answers(q7=5))] * 11 + [row("Man", **answers(q7=4))] * 10 + \
            [row("Ej angett", **answers())] * 3
    mellan = [row("Kvinna", **answers(q7=5))] * 10 + [row("Man", **answers(q7=4))] * 10 + \
             [row("Ej angett", **answers(q7=3))] * 2
    stort = [row("Kvinna", **answers(q7=6))] * 30 + [row("Man", **answers(q7=3))] * 25 + \
            [row("Ej angett", **answers(q7=2))] * 6
    regs = [Registration(name, 2022, surveys={"deltagare_pagaende": rows})
            for name, rows in (("Litet", litet), ("Mellan", mellan), ("Stort", stort))]
    return layer_of(tmp_path, instrument, settings, regs)


def test_a_question_split_no_longer_bounds_a_hidden_split_of_respondents(bounded, settings, tmp_path, instrument):
    scopes = [Scope(2022)] + [Scope(2022, f) for f in ("Litet", "Mellan", "Stort")]
    before = publish(bounded, settings, tmp_path, scopes, linked=False)
    # Litet's own report alone: 24 respondents, and question 7 shows 11 women and 10 men: at most 3 others
    alone = audit_outputs([before[1]], instrument, MIN)
    assert any(r.how == "gräns" and r.cells == (("Litet", "ej_angett"),) and r.value == 3 for r in alone)
    # all reports together: the national question 7 and Mellan's report give it exactly
    together = audit_outputs(before, instrument, MIN)
    assert any(r.cells == (("Litet", "ej_angett"),) and r.value == 3 and r.table == "deltagare_pagaende"
               for r in together)
    after = publish(bounded, settings, tmp_path, scopes)
    assert [str(r) for r in audit_outputs(after, instrument, MIN)] == []
    assert [str(r) for r in audit_outputs([after[1]], instrument, MIN)] == []
    ctx = Context(bounded, Scope(2022, "Litet"), settings)
    assert not {"kvinnor", "man"} & set(ctx.visible_groups("deltagare_pagaende.7", 2022))
    assert not any(ctx.visible_responses("deltagare_pagaende").values())


# --- the national report ------------------------------------------------------------------------------------

def test_the_national_report_hides_what_would_reveal_one_remittent(national_agg, settings, tmp_path, instrument):
    """2022: one remittent works elsewhere ('Annan', never printed): samtliga minus the four employers gave it."""
    before = audit_outputs(publish(national_agg, settings, tmp_path, [Scope(2022)], linked=False), instrument, MIN)
    assert {r.table for r in before if r.cells == ((RIKET, "annan"),) and r.year == 2022} >= \
        {"remittent.1", "remittent.2", "remittent.3", "remittent.4"}
    after = audit_outputs(publish(national_agg, settings, tmp_path, [Scope(2022)]), instrument, MIN)
    assert [str(r) for r in after] == []


def test_the_text_does_not_count_the_remittenter_employed_elsewhere(national_agg, settings):
    from nns.present.prose import variables

    v = variables(Context(national_agg, Scope(2022), settings))
    assert "En respondent" not in v["remittent_annan_text"] and "färre än fem" in v["remittent_annan_text"]
    assert v["rojande_riket_mening"] == ("I riket visas i år inte Arbetsförmedlingen bland remittenter i fyra "
                                         "frågor, eftersom en grupp med färre än fem svar annars hade gått att "
                                         "räkna fram.")


def test_the_text_says_when_nothing_national_is_hidden(bounded, settings):
    from nns.present.prose import national_suppression_sentence

    assert national_suppression_sentence(Context(bounded, Scope(2022), settings)) == \
        "I riket behöver inget tal döljas i år."


# --- rules on small tables, and the method's guarantee ------------------------------------------------------

def _table(values: dict, rows, groups=("k", "m", "e"), shown=("k", "m")) -> LinkedTable:
    v = dict(values)
    for r in rows:
        v[(r, ALL)] = sum(v.get((r, g), 0) for g in groups)
    for g in list(groups) + [ALL]:
        v[(RIKET, g)] = sum(v.get((r, g), 0) for r in rows)
    full = {(r, c): v.get((r, c), 0) for r in list(rows) + [RIKET] for c in list(groups) + [ALL]}
    return LinkedTable(QUESTION, "q", "s", tuple(rows) + (RIKET,), tuple(groups), frozenset(shown), full)


def _determined(table: LinkedTable, unknown: set) -> set:
    """Unknown cells fixed by the rows' and columns' sums: by linear algebra, independently of the graph method."""
    unknown = sorted(unknown)
    if not unknown:
        return set()
    idx = {c: i for i, c in enumerate(unknown)}
    lines = [[(r, c) for c in table.columns] for r in table.rows] + [[(r, c) for r in table.rows] for c in table.columns]
    a = np.array([[dc._sign(u) if u in line else 0 for u in unknown] for line in lines], dtype=float)
    null = scipy.linalg.null_space(a)
    return {c for c in unknown if np.allclose(null[idx[c]], 0, atol=1e-9)}


@hsettings(max_examples=60, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 6)), min_size=n, max_size=n)))
def test_after_suppression_no_small_count_is_determined_by_the_sums(counts):
    rows = [f"F{i}" for i in range(len(counts))]
    values = {(r, g): v for r, cs in zip(rows, counts) for g, v in zip(("k", "m", "e"), cs)}
    table = _table(values, rows)
    hidden = dc.suppression_of([table], MIN)[table.key]
    unknown = {c for c in table.cells() if c in hidden or not table.publishable(c)}
    shown = [c for c in table.cells() if c not in unknown]
    assert all(not table.sensitive(c, table.values[c], MIN) for c in shown)
    for c in _determined(table, unknown):
        assert not table.sensitive(c, table.values[c], MIN), (c, table.values[c])
    # and the derivation the auditor uses finds exactly what linear algebra finds
    known = {c: table.values[c] for c in shown}
    assert set(dc.derive(table, known, unknown)) == _determined(table, unknown)


@hsettings(max_examples=150, deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)), min_size=n, max_size=n),
    st.sets(st.tuples(st.integers(0, n), st.integers(0, 3)), max_size=4 * (n + 1)))))
def test_derive_agrees_with_networkx_on_which_cells_and_their_values(case):
    """The linear-time search gives what removing each bridge in turn with networkx gives, value for value."""
    counts, picks = case
    rows = [f"F{i}" for i in range(len(counts))]
    table = _table({(r, g): v for r, cs in zip(rows, counts) for g, v in zip(("k", "m", "e"), cs)}, rows)
    unknown = {(table.rows[i], table.columns[j]) for i, j in picks} | {c for c in table.cells()
                                                                         if not table.publishable(c)}
    known = {c: table.values[c] for c in table.cells() if c not in unknown}
    got = dc.derive(table, known, unknown)
    assert got == dc._reference_derive(unknown, known)
    assert got == {c: table.values[c] for c in got}     # and every derived value is the true one


def test_derive_gives_the_values_of_the_determined_cells():
    table = _table({("A", "k"): 3, ("A", "m"): 9, ("A", "e"): 1, ("B", "k"): 7, ("B", "m"): 6}, ["A", "B"])
    unknown = {c for c in table.cells() if not table.publishable(c)} | {("A", "k")}
    known = {c: table.values[c] for c in table.cells() if c not in unknown}
    got = dc.derive(table, known, unknown)
    assert got == {c: table.values[c] for c in got} and ("A", "e") in got and ("A", "k") in got


def test_a_hidden_zero_is_shown_as_hidden(make_agg, settings):
    """A hidden split shows '–' for a group with no answers too: '-' would tell that nobody in it answered."""
    small = [row("Man", q1=5)] * 3 + [row("Kvinna", q1=5)] * 6 + [row(None, q2=4)]
    big = [row("Kvinna", q1=4)] * 20 + [row("Man", q1=6)] * 20
    agg = make_agg([Registration("Litet", 2022, surveys={"deltagare_pagaende": small}),
                    Registration("Stort", 2022, surveys={"deltagare_pagaende": big})])
    ctx = Context(agg, Scope(2022, "Litet"), settings)
    f = tables.indicator_tables(ctx, agg.instrument.indicator(1))[0].figures()
    mine = f[(f.forbund == "Litet") & (f.group.isin(["kvinnor", "man"]))]
    assert set(mine.value) == {"–"}


def test_an_empty_sheet_counts_as_used_in_every_table(make_agg, settings):
    """A sheet without rows: the survey was used and got no responses (0, not '-'), in table 1 and Bilaga 1 alike."""
    agg = make_agg([Registration("Tomt", 2022, surveys={"personal": [row(q1=5)] * 6, "styrelse": []}),
                    Registration("Annat", 2022, surveys={"personal": [row(q1=4)] * 6, "styrelse": [row(q1=6)] * 7})])
    local = Context(agg, Scope(2022, "Tomt"), settings)
    assert "styrelse" in local.used_surveys()
    t1 = tables.table_1(local).figures()
    assert t1[(t1.respondent == "styrelse") & (t1.forbund == "Tomt")].value.tolist() == ["0"]
    national = Context(agg, Scope(2022), settings)
    t1n = tables.table_1(national).figures()
    b1 = tables.bilaga_1(national).figures()
    n_forbund = t1n[(t1n.statistic == "antal_forbund") & (t1n.respondent == "styrelse")].value.tolist()
    summa = b1[(b1.statistic == "antal_forbund") & (b1.respondent == "styrelse")].value.tolist()
    assert n_forbund == summa == ["2"]
    assert b1[(b1.forbund == "Tomt") & (b1.respondent == "styrelse")].value.tolist() == ["0"]


def test_the_responses_table_is_linked_to_questions_everyone_answered():
    rows = ("A", "B")
    q = _table({("A", "k"): 6, ("A", "m"): 7, ("A", "e"): 2, ("B", "k"): 8, ("B", "m"): 9}, list(rows))
    r = LinkedTable(RESPONSES, "s", "s", q.rows, q.groups, frozenset(q.groups), dict(q.values))
    # the split is shown in the question table and hidden among the respondents: the link reveals it
    known_q = {c: v for c, v in q.values.items() if q.publishable(c)}
    known_r = {c: v for c, v in r.values.items() if c[1] == ALL}
    derived = dc.derive_linked([q, r], {q.key: known_q, r.key: known_r})
    assert derived[r.key][("A", "e")] == 2


def test_a_years_suppression_is_kept_by_its_content_and_found_again(national_agg, tmp_path, monkeypatch):
    """The build and its kernels share a year's suppression through the build cache; only equal inputs find it."""
    dc._suppression_cached.cache_clear()
    first = dc.suppression(national_agg, 2022, MIN, store=tmp_path)
    kept = list(tmp_path.glob("*.pickle"))
    assert len(kept) == 1
    dc._suppression_cached.cache_clear()

    def computed(*args, **kwargs):
        raise AssertionError("computed again")

    real = dc.suppression_of
    monkeypatch.setattr(dc, "suppression_of", computed)
    assert dc.suppression(national_agg, 2022, MIN, store=tmp_path).hidden == first.hidden
    for other in ((2022, MIN + 1, True), (2021, MIN, True), (2022, MIN, False)):   # each its own entry
        with pytest.raises(AssertionError, match="computed again"):
            dc.suppression(national_agg, *other, store=tmp_path)
    # a damaged entry is computed again and replaced
    monkeypatch.setattr(dc, "suppression_of", real)
    kept[0].write_bytes(b"not a pickle")
    dc._suppression_cached.cache_clear()
    assert dc.suppression(national_agg, 2022, MIN, store=tmp_path).hidden == first.hidden
    assert kept[0].read_bytes() != b"not a pickle"
    dc._suppression_cached.cache_clear()


def test_the_suppression_key_follows_the_counts(make_agg):
    rows = [row("Kvinna", q1=5)] * 6 + [row("Man", q1=4)] * 6
    one = make_agg([Registration("A", 2022, surveys={"deltagare_pagaende": rows}),
                    Registration("B", 2022, surveys={"deltagare_pagaende": rows})])
    other = make_agg([Registration("A", 2022, surveys={"deltagare_pagaende": rows}),
                      Registration("B", 2022, surveys={"deltagare_pagaende": rows[:-1]})])
    same = make_agg([Registration("A", 2022, surveys={"deltagare_pagaende": rows}),
                     Registration("B", 2022, surveys={"deltagare_pagaende": rows})])
    assert dc.suppression_key(one, 2022, MIN, True) == dc.suppression_key(same, 2022, MIN, True)
    assert dc.suppression_key(one, 2022, MIN, True) != dc.suppression_key(other, 2022, MIN, True)
