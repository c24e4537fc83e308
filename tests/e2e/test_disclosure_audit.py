"""The disclosure auditor over everything published for 2022: the national report and every local report."""
from __future__ import annotations

import json

import pytest

import nnsreport as nr
from helpers.data import hermetic
from nns.build.report import build_report
from nns.cli import main as cli
from nns.config import Scope
from nns.review.disclosure_audit import audit_outputs
from nns.spec import model, parts
from nns.spec.context import Context


@pytest.fixture(scope="module")
def every_report_2022(national_agg, settings, tmp_path_factory):
    """figures.csv of the national report and of all 36 local reports (as the build writes them)."""
    base = tmp_path_factory.mktemp("all2022")
    folders = []
    for scope in [Scope(2022)] + [Scope(2022, f) for f in national_agg.forbund(2022)]:
        d = base / (nr.slug(scope.forbund) if scope.forbund else "riket")
        d.mkdir()
        model.figures(parts.all_specs(Context(national_agg, scope, settings))).to_csv(d / "figures.csv", index=False)
        (d / "manifest.json").write_text(json.dumps({"report": {"year": 2022}}), encoding="utf-8")
        folders.append(d)
    return folders


def test_nothing_is_recoverable_from_the_national_and_all_36_local_reports(every_report_2022, instrument):
    assert len(every_report_2022) == 37
    assert [str(r) for r in audit_outputs(every_report_2022, instrument, 5)] == []


def test_the_command_audits_rendered_reports(national, tmp_path, capsys):
    settings = hermetic(tmp_path)
    tiny = build_report(settings, Scope(2022, "Samsund"), formats=("html",), workers=2)
    assert cli(["rojandekontroll", str(national.out_dir), str(tiny.out_dir)]) == 0
    out = capsys.readouterr().out
    assert "Granskade 2 mappar tillsammans: inget tal från färre än 5 svar kan ses eller räknas fram." in out


def test_the_command_lists_what_it_recovers_and_fails(tmp_path, capsys):
    d = tmp_path / "leaky"
    d.mkdir()
    # a hand-made output: a förbund's women 11 and men 10 of 22 answers, one without gender (never printed)
    rows = ["table,indicator,respondent,question,group,year,forbund,statistic,value,row_group,row,col_group,col"]
    for group, n in (("samtliga", 22), ("kvinnor", 11), ("man", 10)):
        rows.append(f"5.1,1,deltagare_pagaende,1,{group},2022,Litet,n,{n},,,,")
    (d / "figures.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert cli(["rojandekontroll", str(d)]) == 1
    out = capsys.readouterr().out
    assert "2022 fråga deltagare_pagaende.1: Litet/ej_angett, antal = 1 (kan räknas fram)" in out
