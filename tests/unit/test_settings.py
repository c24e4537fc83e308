"""Run settings: wrong types and ranges get a Swedish message, not a traceback or a silent change."""
from __future__ import annotations

import pytest

from nns import layer
from nns.cli import main as cli
from nns.config import load_settings
from nns.errors import ConfigError


@pytest.mark.parametrize("text, expected", [
    ('[report]\nyear = "2022"\n', "'year' ska vara ett heltal"),
    ("[anonymity]\nmin_answers = 0\n", "'min_answers' ska vara mellan 1"),
    ("[report]\ncomparison_years = 0\n", "'comparison_years' ska vara mellan 1"),
    ("[report]\nfirst_year = 2023\n", "kan inte vara senare"),
    ('[report]\nformats = "html"\n', "'formats' ska vara en lista"),
    ("year = 2022\n", "utanför ett avsnitt"),
    ("[report]\nyeer = 2022\n", "Okända inställningar: yeer"),
    ("[report\n", "inte giltig TOML"),
    ("[jamforelse]\ncomparison_min_answers = 0\n", "'comparison_min_answers' ska vara mellan 1"),
    ("[jamforelse]\ncomparison_min_answers = 4\n", "får inte vara mindre än 'min_answers' (5)"),
    ("[anonymity]\nmin_answers = 25\n", "Sätt [jamforelse] comparison_min_answers till minst 25"),
])
def test_bad_settings_are_refused(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(path)
    assert expected in str(exc.value) and "bad.toml" in str(exc.value)


def test_the_comparison_minimum_may_equal_the_anonymity_threshold(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text("[anonymity]\nmin_answers = 10\n[jamforelse]\ncomparison_min_answers = 10\n", encoding="utf-8")
    assert load_settings(path).comparison_min_answers == 10


def test_the_cli_reports_bad_settings_with_exit_code_2(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[anonymity]\nmin_answers = -1\n", encoding="utf-8")
    assert cli(["--config", str(path), "forbund"]) == 2
    assert "min_answers" in capsys.readouterr().err


def test_audit_of_a_year_without_a_published_report_says_so(capsys):
    assert cli(["-q", "audit", "--year", "2021"]) == 1
    assert "ingen publicerad rapport för 2021" in capsys.readouterr().err


def test_national_facts_accept_quoted_years(tmp_path):
    path = tmp_path / "national.yaml"
    path.write_text('forbund_nationally:\n  "2022": 75\n', encoding="utf-8")
    assert layer.load_national(str(path))["forbund_nationally"] == {2022: 75}
