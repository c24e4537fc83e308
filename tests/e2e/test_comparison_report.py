"""The comparison between förbund, rendered: its folder, its figures, a funnel plot as a reader sees it (names on
hover in the HTML, the förbund outside the limits named in the PDF), the batch index, and a förbund's chapter."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from helpers.data import hermetic
from nns.build.batch import BatchSummary, write_index
from nns.build.report import build_report
from nns.cli import main as cli
from nns.config import Scope
from nns.spec import comparison
from nns.spec.context import Context

COMPARISON = Scope(2022, comparison=True)
STATISTICS = {"nyckeltal", "n", "ki_lag", "ki_hog", "grans95_lag", "grans95_hog", "grans998_lag", "grans998_hog",
              "bedomning"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings = hermetic(tmp_path_factory.mktemp("jamforelse"))
    return settings, build_report(settings, COMPARISON, workers=2)


@pytest.fixture(scope="module")
def compared(national_agg, settings):
    return comparison.comparisons(Context(national_agg, COMPARISON, settings))


def test_the_comparison_is_a_report_folder_of_its_own(built):
    settings, result = built
    assert result.out_dir == settings.path("output_dir") / "2022" / "jamforelse"
    for name in ("rapport.html", "rapport.pdf", "figures.csv", "manifest.json", "tables/J1.csv", "tables/J2.csv"):
        assert (result.out_dir / name).exists(), name
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["report"]["scope"] == "jamforelse"
    assert "_quarto-jamforelse.yml" in manifest["inputs"] and "index.jamforelse.qmd" in manifest["inputs"]


def test_its_figures_name_each_forbund_with_the_comparisons_statistics(built, compared):
    _, result = built
    f = pd.read_csv(result.out_dir / "figures.csv", dtype=str, keep_default_na=False)
    funnels = f[f["table"].str.startswith("DJ")]
    assert STATISTICS <= set(funnels[funnels["forbund"] != ""]["statistic"])
    assert funnels["forbund"].nunique() == 37          # every förbund, and riket ("")
    verdicts = funnels[funnels["statistic"] == "bedomning"]
    assert set(verdicts["value"]) <= {"battre", "samre", "som_forvantat", "for_fa_svar", "–"}
    assert len(verdicts) == sum(len(m.units) for m in compared)


def test_a_funnel_names_its_forbund_on_hover_in_the_html_and_its_outliers_in_the_pdf(built, compared):
    from pypdf import PdfReader

    _, result = built
    html = (result.out_dir / "rapport.html").read_text(encoding="utf-8")
    first = compared[0]
    for i, u in enumerate(first.shown()):
        assert re.search(rf'<g id="nns-j1-{i}"><title>{re.escape(u.forbund)}: {u.key_figure}\u00a0% av ', html), u
    assert html.count("<title>") >= sum(len(m.shown()) for m in compared)
    pdf = " ".join(page.extract_text() for page in PdfReader(str(result.out_dir / "rapport.pdf")).pages)
    pdf = re.sub(r"\s+", " ", pdf.replace("\u00ad", "-"))   # a hyphen in an SVG text is extracted as a soft one
    outliers = {u.forbund for m in compared for u in m.units if u.shown and u.verdict in ("battre", "samre")}
    assert outliers and all(name in pdf for name in outliers)
    assert "Diagram J1 " in pdf and "Tabell J2 " in pdf


def test_an_unchanged_comparison_is_not_rendered_again(built):
    settings, result = built
    again = build_report(settings, COMPARISON, workers=2)
    assert not again.rendered and again.out_dir == result.out_dir


def test_the_batch_index_links_the_comparison(built):
    settings, _ = built
    index = write_index(settings, BatchSummary(2022)).read_text(encoding="utf-8")
    assert 'href="jamforelse/rapport.html"' in index and "Jämförelse mellan förbund" in index


def test_the_command_renders_the_comparison(tmp_path, capsys):
    from helpers.data import settings_file

    config = settings_file(hermetic(tmp_path), tmp_path / "settings.toml")
    assert cli(["-q", "--config", str(config), "render", "--jamforelse", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "2022" / "jamforelse" / "rapport.html") in out
    with pytest.raises(SystemExit) as exc:   # one report or the other
        cli(["--config", str(config), "render", "--jamforelse", "--forbund", "Väst"])
    assert exc.value.code == 2
