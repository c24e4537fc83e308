"""Reviewers: manifests, byte-identical renders, and `nnsreport diff` between two versions."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import nnsreport as nr
from helpers.data import hermetic
from nns import layer
from nns.build.plan import plan
from nns.build.report import build_report
from nns.cli import main as cli
from nns.config import ROOT, Scope, load_settings
from nns.instrument import load_instrument
from nns.registration.ingest import ingest
from nns.review import diff
from nns.spec.model import UNPRINTED_STATS


def build(settings, formats=()):
    return build_report(settings, Scope(2022), formats, workers=2)


def test_manifest_records_inputs_versions_and_outputs(national):
    m = json.loads((national.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["report"] == {"year": 2022, "scope": "riket", "formats": ["html", "pdf"]}
    assert len([k for k in m["inputs"] if k.startswith("registration/")]) == 197
    for key in ("aggregated/answers.csv", "instrument.yaml", "notebooks/indikator.ipynb",
                "kommentarer/2022/indikator-01.md", "lib/nnsreport.py"):
        assert key in m["inputs"], key
    for pkg in ("python", "pandas", "great_tables", "seaborn", "papermill", "pandoc", "typst"):
        assert m["software"][pkg]
    assert m["nnsreport"]["version"] and m["nnsreport"]["commit"]
    assert {"rapport.html", "rapport.pdf", "figures.csv", "tables/20.csv", "resultat.xlsx", "presentation.pptx",
            "kortversion.html", "kortversion.pdf"} <= set(m["outputs"])


def test_two_renders_of_the_same_inputs_are_byte_identical(national, tmp_path):
    """A second render from scratch (own output folder, empty notebook cache) gives the same bytes."""
    settings = hermetic(tmp_path / "again", cache_dir=tmp_path / "cache")
    again = build_report(settings, Scope(2022), workers=2)
    assert again.timings["executed"] == len(plan(settings, Scope(2022), load_instrument()))   # every notebook
    first, second = national.out_dir, again.out_dir
    names = ["rapport.html", "rapport.pdf", "figures.csv", "resultat.xlsx", "presentation.pptx", "kortversion.html",
             "kortversion.pdf"] + [f"tables/{p.name}" for p in (first / "tables").glob("*.csv")]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert cli(["diff", str(first), str(second)]) == 0


def test_identical_inputs_give_exit_0(national, capsys):
    assert cli(["diff", str(national.out_dir), str(national.out_dir)]) == 0
    assert "identiska" in capsys.readouterr().out


# --- one changed answer --------------------------------------------------------

def _change_one_answer(reg_dir: Path) -> tuple[str, int, int]:
    """Change one Kommun remittent's answer to question 1 from 5 or 6 to 1.

    Returns (file name, old value, new value)."""
    for path in sorted((reg_dir / "2022").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        if "Remittenter" not in wb.sheetnames:
            continue
        ws = wb["Remittenter"]
        header = [c.value for c in ws[1]]
        emp, q1 = header.index("Anställning") + 1, header.index("Fråga 1") + 1
        for r in range(3, ws.max_row + 1):
            if ws.cell(r, emp).value == "Kommun" and ws.cell(r, q1).value in (5, 6):
                old = ws.cell(r, q1).value
                ws.cell(r, q1).value = 1
                wb.save(path)
                return path.name, old, 1
    raise AssertionError("no suitable answer in the demo data")


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """The demo data with one answer changed in one registration file, ingested and rendered (figures only)."""
    tmp = tmp_path_factory.mktemp("changed")
    reg = tmp / "registration"
    shutil.copytree(ROOT / "data" / "registration", reg)
    agg = tmp / "aggregated"
    shutil.copytree(ROOT / "data" / "aggregated", agg)
    name, old, new = _change_one_answer(reg)
    ingest(reg, agg, load_instrument(), year=2022)
    base = hermetic(tmp / "base")
    settings = hermetic(tmp / "new", aggregated=str(agg), registration=str(reg))
    return build(base), build(settings), (name, old, new), agg


def _shares(counts: dict, group: str) -> dict:
    c = counts[group]
    return {s: nr.percent(c[s], c["n"]) for s in ("negativt", "varken", "positivt", "klart_positivt")}


def test_one_changed_answer_shows_as_exactly_the_cells_it_affects(changed):
    base, new, (name, old, _), agg_dir = changed
    old_agg = layer.load_aggregated(load_settings())
    new_agg = layer.load_aggregated(load_settings(), agg_dir)
    before = layer.question_counts(old_agg, "remittent.1", 2022)
    after = layer.question_counts(new_agg, "remittent.1", 2022)
    # the expected changes, computed from the counts by the report's own rules
    expected = set()
    for group in ("samtliga", "kommun"):
        for stat, value in _shares(after, group).items():
            if value != _shares(before, group)[stat]:
                expected.add(("7.1", group, stat, "2022"))
        if _shares(after, group)["klart_positivt"] != _shares(before, group)["klart_positivt"]:
            expected.add(("7.2", group, "nyckeltal", "2022"))
            if group == "samtliga":
                expected.add(("D3", group, "nyckeltal", "2022"))
    assert expected, "the change should be visible in the printed shares"
    a = pd.read_csv(base.out_dir / "figures.csv", dtype=str, keep_default_na=False)
    b = pd.read_csv(new.out_dir / "figures.csv", dtype=str, keep_default_na=False)
    m = a.merge(b, on=diff.KEY, suffixes=("_a", "_b"), how="outer", indicator=True)
    assert (m["_merge"] == "both").all(), "a changed answer adds or removes no cells"
    changed = m[m["value_a"] != m["value_b"]]
    t20 = changed[changed["table"] == "20"]
    printed = changed[~changed["statistic"].isin(UNPRINTED_STATS)]
    got = {(r.table, r.group, r.statistic, r.year) for r in printed.itertuples() if r.table != "20"}
    assert got == expected
    # the intervals beside the key figures move with the counts, in the same places (and only there)
    beside = changed[changed["statistic"].isin(UNPRINTED_STATS) & (changed["table"] != "20")]
    assert {(r.table, r.group, r.year) for r in beside.itertuples()} <= \
        {("7.2", g, "2022") for g in ("samtliga", "kommun")} | {("D3", "samtliga", "2022")}
    assert set(t20["indicator"]) <= {"3"}     # only the changed question's indicator can flip in table 20
    report = diff.compare_dirs(base.out_dir, new.out_dir)
    assert len(report.changes) == len(changed)
    assert f"registration/2022/{name}" in report.inputs["changed"]
    assert set(report.inputs["changed"]) <= {f"registration/2022/{name}", "aggregated/answers.csv",
                                             "aggregated/responses.csv"}
    text = report.text()
    assert "Tabell 7.1, Fråga 1 Remittenter, Kommun" in text
    assert "Ändringar per tabell" in text


def test_diff_command_exit_code_and_html_page(changed, tmp_path, capsys):
    base, new, _, _ = changed
    page = tmp_path / "diff.html"
    assert cli(["diff", str(base.out_dir), str(new.out_dir), "--html", str(page)]) == 1
    out = capsys.readouterr().out
    assert "→" in out
    html = page.read_text(encoding="utf-8")
    assert 'class="chg"' in html and "var " in html and "Tabell 7.1" in html


# --- changed commentary and a changed rule ---------------------------------------

def test_a_reworded_commentary_shows_as_a_text_change_only(national, tmp_path):
    comm = tmp_path / "kommentarer"
    shutil.copytree(ROOT / "report" / "kommentarer", comm)
    f = comm / "2022" / "indikator-05.md"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("Deltagarna", "Alla deltagare", 1) if "Deltagarna" in text else "Ny inledning. " + text,
                 encoding="utf-8")
    settings = hermetic(tmp_path / "out", commentary=str(comm))
    new = build(settings, formats=("html",))
    report = diff.compare_dirs(national.out_dir, new.out_dir)
    assert report.changes == []
    assert list(report.texts) == ["indikator-05"]
    assert "{+" in report.texts["indikator-05"]


def test_a_changed_rule_threshold_shows_in_table_20(national, tmp_path):
    settings = hermetic(tmp_path / "out", table20_points_per_measure=1)
    new = build(settings)
    report = diff.compare_dirs(national.out_dir, new.out_dir)
    tables = {c.table for c in report.changes}
    assert tables == {"20"}
    assert any("ökning" in str(c) for c in report.changes)
