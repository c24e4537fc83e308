"""The disclosure auditor over everything published for 2022: the national report, every local report and the
comparison between förbund."""
from __future__ import annotations

import json

import pandas as pd
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
    """figures.csv of the national report, of all 36 local reports and of the comparison between förbund (as the
    build writes them)."""
    base = tmp_path_factory.mktemp("all2022")
    folders = []
    scopes = [Scope(2022)] + [Scope(2022, f) for f in national_agg.forbund(2022)] + [Scope(2022, comparison=True)]
    for scope in scopes:
        d = base / ("jamforelse" if scope.comparison else nr.slug(scope.forbund) if scope.forbund else "riket")
        d.mkdir()
        model.figures(parts.all_specs(Context(national_agg, scope, settings))).to_csv(d / "figures.csv", index=False)
        (d / "manifest.json").write_text(json.dumps({"report": {"year": 2022}}), encoding="utf-8")
        folders.append(d)
    return folders


def test_nothing_is_recoverable_from_the_national_all_36_local_reports_and_the_comparison(every_report_2022,
                                                                                           instrument):
    assert len(every_report_2022) == 38
    comparison = pd.read_csv(every_report_2022[-1] / "figures.csv", dtype=str, keep_default_na=False)
    assert comparison["forbund"].nunique() == 37 and "bedomning" in set(comparison["statistic"])
    assert [str(r) for r in audit_outputs(every_report_2022, instrument, 5)] == []


def test_the_comparison_adds_no_count_the_other_reports_do_not_show(every_report_2022):
    """Every förbund's n in the comparison is the n its own report prints for the same question (or both hide it)."""
    read = [pd.read_csv(d / "figures.csv", dtype=str, keep_default_na=False) for d in every_report_2022]
    comparison = read[-1]
    local = pd.concat(read[1:-1], ignore_index=True)
    key = ["respondent", "question", "forbund"]
    own = local[(local["statistic"] == "n") & (local["group"] == "samtliga") & (local["forbund"] != "")
                & (local["table"].str.contains(r"^\d+\.\d+$"))]
    shown = comparison[(comparison["statistic"] == "n") & (comparison["forbund"] != "")]
    merged = shown.merge(own[key + ["value"]].drop_duplicates(), on=key, how="left", suffixes=("", "_own"))
    assert len(merged) == len(shown) and (merged["value"] == merged["value_own"]).all()


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
