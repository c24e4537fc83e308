"""The comparison between förbund: verdicts, the funnel's figures, a förbund's own chapter, and what may be shown;
the intervals and clear changes in the national and local tables."""
from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib.colors
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import nnsreport as nr
from helpers.data import SESSION_DIR, Registration, row
from nns import layer
from nns.build.plan import build_root, output_dir, plan
from nns.config import RIKET, Scope
from nns.present import funnel
from nns.present.palette import survey_colours
from nns.registration.aggregate import aggregate, write_layer
from nns.spec import comparison, model, parts
from nns.spec.comparison import PlaceSpec
from nns.spec.context import Context
from nns.spec.model import CSV_COLUMNS, SUPPRESSED

COMPARISON = Scope(2022, comparison=True)
NUMBERS = ("n", "nyckeltal", "ki_lag", "ki_hog", "grans95_lag", "grans95_hog", "grans998_lag", "grans998_hog")
JUDGED = ("battre", "samre", "som_forvantat")


@pytest.fixture(scope="module")
def compared(national_agg, settings):
    return comparison.comparisons(Context(national_agg, COMPARISON, settings))


@pytest.fixture(scope="module")
def comparison_figures(national_agg, settings):
    return model.figures(parts.all_specs(Context(national_agg, COMPARISON, settings)))


def _local_chapter(agg, settings, forbund):
    return parts.build(Context(agg, Scope(2022, forbund), settings), "jamforelse-lokal")


# --- the verdict rule ---------------------------------------------------------------------------------

@pytest.mark.parametrize("share, n, expected", [
    (0.95, 40, "battre"), (0.40, 40, "samre"), (0.90, 40, "som_forvantat"), (0.60, 40, "som_forvantat"),
    (0.95, 19, "for_fa_svar"), (0.40, 5, "for_fa_svar"), (0.95, 20, "battre"),
])
def test_a_verdict_is_given_from_the_minimum_number_of_answers_outside_the_limits(share, n, expected):
    assert nr.bedomning(share, n, 0.60, 0.90, 20) == expected


@given(st.floats(0, 1), st.integers(0, 400), st.floats(0, 1), st.floats(0, 1), st.integers(1, 100))
def test_no_verdict_below_the_minimum_and_every_verdict_follows_the_limits(share, n, a, b, minimum):
    lo, hi = min(a, b), max(a, b)
    verdict = nr.bedomning(share, n, lo, hi, minimum)
    assert verdict in nr.BEDOMNINGAR
    assert (verdict == "for_fa_svar") == (n < minimum)
    if verdict == "battre":
        assert share > hi
    if verdict == "samre":
        assert share < lo


# --- the comparison of 2022 ---------------------------------------------------------------------------

def test_every_measure_of_the_year_is_compared_in_the_reports_order(compared, national_agg):
    expected = [q for _, q in comparison.measures(Context(national_agg, Scope(2022), comparison_settings()))]
    assert [m.qid for m in compared] == expected and len(expected) == 45


def comparison_settings():
    from helpers.data import hermetic
    return hermetic(SESSION_DIR / "cmp")


def test_every_verdict_agrees_with_the_limits_at_its_forbunds_number_of_answers(compared, settings):
    for m in compared:
        for u in m.shown():
            lo, hi = u.limits998
            expected = ("for_fa_svar" if u.n < settings.comparison_min_answers else "battre" if u.share > hi
                        else "samre" if u.share < lo else "som_forvantat")
            assert u.verdict == expected, (m.qid, u)
            assert u.limits998[0] <= u.limits95[0] <= m.p0 <= u.limits95[1] <= u.limits998[1]
            assert u.ci[0] <= u.share <= u.ci[1]


def test_the_funnel_figures_name_each_forbund_with_every_statistic(comparison_figures, compared):
    funnels = comparison_figures[comparison_figures["table"].str.startswith("DJ")]
    assert funnels["table"].nunique() == len(compared)
    own = funnels[funnels["forbund"] != ""]
    for (table, forbund), rows in own.groupby(["table", "forbund"]):
        stats = dict(zip(rows["statistic"], rows["value"]))
        assert set(stats) == set(NUMBERS) | {"bedomning"}, (table, forbund)
        if stats["n"] == SUPPRESSED:
            assert set(stats.values()) == {SUPPRESSED}
        else:
            assert stats["bedomning"] in nr.BEDOMNINGAR
            assert int(stats["ki_lag"]) <= int(stats["nyckeltal"]) <= int(stats["ki_hog"])
            assert int(stats["grans998_lag"]) <= int(stats["grans95_lag"]) <= int(stats["grans95_hog"]) \
                <= int(stats["grans998_hog"])
    riket = funnels[funnels["forbund"] == ""]
    assert set(riket["statistic"]) == {"n", "nyckeltal", "ki_lag", "ki_hog", "overspridning"}


def test_the_comparison_report_has_its_own_parts_and_none_of_the_nations(national_agg, settings):
    keys = [p.key for p in parts.parts_for(False, comparison=True)]
    assert keys == ["jamforelse-oversikt", "jamforelse-lista", "jamforelse-trattar"]
    national = parts.all_specs(Context(national_agg, Scope(2022), settings))
    assert not [s for s in national if s.label.startswith(("Tabell J", "Diagram J"))]
    assert "jamforelse-lokal" not in [p.key for p in parts.parts_for(False)]
    assert "jamforelse-lokal" in [p.key for p in parts.parts_for(True)]


def test_the_learn_list_names_exactly_the_forbund_better_than_expected(national_agg, settings, compared):
    (table,) = parts.build(Context(national_agg, COMPARISON, settings), "jamforelse-lista")
    listed = " ".join(table.cells["value"])
    better = {u.forbund for m in compared for u in m.verdicts("battre")}
    others = {u.forbund for m in compared for u in m.units} - better
    assert better and all(f in listed for f in better)
    assert not [f for f in others if f in listed]


def test_the_build_plans_the_comparison_as_a_report_of_its_own(tmp_path, instrument):
    from helpers.data import hermetic

    settings = hermetic(tmp_path)
    jobs = plan(settings, COMPARISON, instrument)
    assert [j.name for j in jobs] == ["jamforelse"]
    assert output_dir(settings, COMPARISON) == tmp_path / "2022" / "jamforelse"
    assert build_root(settings, COMPARISON) == tmp_path / "_build" / "2022" / "jamforelse"
    assert "jamforelse" in [j.name for j in plan(settings, Scope(2022, "Väst"), instrument)]
    assert "jamforelse" not in [j.name for j in plan(settings, Scope(2022), instrument)]
    with pytest.raises(ValueError):
        Scope(2022, "Väst", comparison=True)


# --- a förbund's chapter ------------------------------------------------------------------------------

@pytest.mark.parametrize("forbund", ["Sollentuna Upplands-Väsby Sigtuna", "Väst", "Samsund"])
def test_a_forbunds_chapter_shows_its_own_verdicts_and_names_no_other_forbund(forbund, national_agg, settings,
                                                                               compared):
    specs = _local_chapter(national_agg, settings, forbund)
    table, charts = specs[0], specs[1:]
    assert table.number == "22" and [c.number for c in charts] == [str(14 + i) for i in range(len(charts))]
    figures = model.figures(specs)
    assert set(figures["forbund"]) <= {forbund, RIKET}
    others = {u.forbund for m in compared for u in m.units} - {forbund}
    text = " ".join([table.caption, *table.footnotes, *table.cells["value"].astype(str),
                     *(c.caption + c.note + c.alt_text() for c in charts)])
    assert not [f for f in others if f in text], "another förbund is named"
    verdicts = figures[(figures["statistic"] == "bedomning") & (figures["table"] == "22")]
    expected = {m.qid: u.verdict for m in compared for u in m.units if u.forbund == forbund}
    by_question = {(r.respondent, r.question): r.value for r in verdicts.itertuples()}
    ins = national_agg.instrument
    assert by_question == {(ins.question(q).survey, str(ins.question(q).version(2022).number)):
                           (v if v else SUPPRESSED) for q, v in expected.items()}


def test_a_forbunds_place_chart_draws_each_measures_limits_on_its_own_row(national_agg, settings):
    """Each row of a place chart: the 99.8 % band, then the 95 % band over it, at the förbund's own number of
    answers; the nation's line across the row; the förbund's interval and its point."""
    places = [s for s in _local_chapter(national_agg, settings, "Väst") if isinstance(s, PlaceSpec)]
    assert places
    for spec in places:
        fig = funnel.draw(spec, survey_colours(national_agg.instrument))
        ax = fig.axes[0]
        bars = ax.patches
        assert len(bars) == 2 * len(spec.rows)
        lines = [line for line in ax.get_lines() if not line.get_gid()]
        points = [line for line in ax.get_lines() if line.get_gid()]
        assert len(lines) == 2 * len(spec.rows) and len(points) == len(spec.rows)
        for i, (_, m, u) in enumerate(spec.rows):
            for bar, (lo, hi), colour in zip(bars[2 * i:2 * i + 2], (u.limits998, u.limits95),
                                              (funnel.BAND_998, funnel.BAND_95)):
                assert bar.get_x() == pytest.approx(100 * lo) and bar.get_width() == pytest.approx(100 * (hi - lo))
                assert bar.get_y() + bar.get_height() / 2 == pytest.approx(i)
                assert bar.get_height() == pytest.approx(0.62)
                assert matplotlib.colors.to_hex(bar.get_facecolor()) == colour
            nation, interval = lines[2 * i:2 * i + 2]
            assert list(nation.get_xdata()) == pytest.approx([100 * m.p0] * 2)
            assert list(nation.get_ydata()) == pytest.approx([i - 0.36, i + 0.36])
            assert list(interval.get_xdata()) == pytest.approx([100 * u.ci[0], 100 * u.ci[1]])
            assert list(interval.get_ydata()) == pytest.approx([i, i])
            assert points[i].get_gid() == funnel.gid(spec, i)
            assert points[i].get_xdata()[0] == pytest.approx(100 * u.share)
            assert points[i].get_ydata()[0] == pytest.approx(i)
        plt.close(fig)


# --- intervals and clear changes in the national and local reports -------------------------------------

@pytest.mark.parametrize("forbund", ["", "Väst"])
def test_every_key_figure_has_its_interval_beside_it(forbund, national_agg, settings):
    figures = model.figures(parts.all_specs(Context(national_agg, Scope(2022, forbund), settings)))
    place = [c for c in CSV_COLUMNS if c not in ("statistic", "value")]
    wide = figures.pivot_table(index=place, columns="statistic", values="value", aggfunc="first")
    key_figures = wide[wide["nyckeltal"].fillna("").str.isdigit()]
    assert len(key_figures) > 100
    assert key_figures["ki_lag"].notna().all() and key_figures["ki_hog"].notna().all()
    lo, kf, hi = (pd.to_numeric(key_figures[c]) for c in ("ki_lag", "nyckeltal", "ki_hog"))
    assert ((lo <= kf) & (kf <= hi)).all()
    hidden = wide[wide["nyckeltal"] == SUPPRESSED]
    assert "ki_lag" not in wide or hidden["ki_lag"].isna().all()


def test_the_marks_in_tables_n2_are_the_statistically_clear_changes(national_agg, settings):
    specs = parts.all_tables(Context(national_agg, Scope(2022), settings))
    marked = clear = 0
    for t in specs:
        if not t.number.endswith(tuple(f".{i}" for i in range(2, 4))) or t.layout != "keyfigures":
            continue
        change = t.unprinted[t.unprinted["statistic"] == "tydlig_forandring"]
        for r in change.itertuples():
            cell = t.cells[(t.cells["row_group"] == r.row_group) & (t.cells["row"] == r.row)
                           & (t.cells["col_group"] == r.col_group) & (t.cells["col"] == r.col)]
            mark = cell["mark"].iloc[0]
            assert mark == {"okning": "\u00a0↑", "minskning": "\u00a0↓", "varken": ""}[r.value]
            clear += r.value != "varken"
        marked += (t.cells["mark"] != "").sum()
        if (t.cells["mark"] != "").any():
            assert any("↑ ↓ = statistiskt tydlig" in n for n in t.footnotes)
    assert marked == clear and clear > 0


def test_table_20_keeps_its_rule_and_counts_the_clear_changes_beside_it(national_agg, settings):
    ctx = Context(national_agg, Scope(2022), settings)
    figures = model.figures(parts.all_tables(ctx))
    t20 = figures[figures["table"] == "20"]
    changes = figures[(figures["statistic"] == "tydlig_forandring") & (figures["group"] == nr.ALL)
                      & (figures["year"] == "2022")]
    for ind, rows in t20.groupby("indicator"):
        stats = dict(zip(rows["statistic"], rows["value"]))
        own = changes[changes["indicator"] == ind]
        assert stats["tydlig_okning"] == str((own["value"] == "okning").sum())
        assert stats["tydlig_minskning"] == str((own["value"] == "minskning").sum())
        assert stats["jamforda_matt"] == str(len(own))
    assert set(t20[t20["statistic"] == "utveckling"]["value"]) <= {"okning", "varken", "minskning", "-"}


# --- nothing below the thresholds, on random data -----------------------------------------------------

def _layer(forbund_rows: list[list[tuple[int, ...]]]):
    """An aggregated layer of 2022 with one survey (styrelse, five questions) and the given answers per förbund."""
    from helpers.data import hermetic
    from nns.instrument import load_instrument

    regs = [Registration(f"Förbund {chr(65 + i)}", 2022,
                         surveys={"styrelse": [row(**{f"q{k + 1}": a for k, a in enumerate(r) if a}) for r in rows]})
            for i, rows in enumerate(forbund_rows)]
    d = Path(tempfile.mkdtemp(prefix="layer", dir=SESSION_DIR))
    write_layer(aggregate(load_instrument(), regs), d)
    return layer.load_aggregated(hermetic(d), d)


ANSWER = st.one_of(st.none(), st.integers(1, 6))


@hsettings(max_examples=25, deadline=None)
@given(forbund_rows=st.lists(st.lists(st.tuples(*[ANSWER] * 5), max_size=30), min_size=2, max_size=5),
       min_answers=st.integers(3, 6), extra=st.integers(0, 12))
def test_no_verdict_below_the_minimum_and_nothing_shown_below_the_anonymity_threshold(
        forbund_rows, min_answers, extra, settings):
    agg = _layer(forbund_rows)
    s = settings.replace(min_answers=min_answers, comparison_min_answers=min_answers + extra)
    outputs = [model.figures(parts.all_specs(Context(agg, COMPARISON, s)))]
    outputs += [model.figures(parts.build(Context(agg, Scope(2022, f), s), "jamforelse-lokal"))
                for f in agg.forbund(2022)]
    figures = pd.concat(outputs, ignore_index=True)
    own = figures[(figures["forbund"] != "") & (figures["question"] != "")]
    for (forbund, question), rows in own.groupby(["forbund", "question"]):
        raw = layer.question_counts(agg, f"styrelse.{question}", 2022, forbund).get(nr.ALL, {}).get("n", 0)
        stats = rows.groupby("statistic")["value"].agg(set)
        numbers = set().union(*[stats.get(k, set()) for k in NUMBERS]) - {SUPPRESSED}
        if raw < min_answers:
            assert not numbers, (forbund, question, raw, dict(stats))
        for verdict in stats.get("bedomning", set()):
            assert verdict == SUPPRESSED or raw >= min_answers
            assert verdict not in JUDGED or raw >= s.comparison_min_answers, (forbund, question, raw, verdict)
            assert verdict != "for_fa_svar" or raw < s.comparison_min_answers
        for n in stats.get("n", set()) - {SUPPRESSED}:
            assert int(n) == raw >= min_answers
