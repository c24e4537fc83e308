"""A report's files for reuse, as a build writes them: resultat.xlsx, presentation.pptx and the short version.

Opened as their readers' programs open them (openpyxl, python-pptx, LibreOffice), compared with figures.csv,
for the nation and for a small förbund with hidden cells. `make test` installs LibreOffice
(tools/setup-system.sh): a missing soffice is a failure here, not a skip.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from helpers.data import hermetic
from helpers.office import SOFFICE, slides_mismatches, soffice, workbook_mismatches
from nns import layer
from nns.build.outputs import output_names
from nns.build.plan import SHORT, SLIDES, WORKBOOK
from nns.build.publish import verify
from nns.build.report import build_report
from nns.config import Scope
from nns.present.prose import variables
from nns.spec import parts
from nns.spec.context import Context
from nns.spec.model import UNPRINTED_STATS

TINY = "Samsund"
#: The short version's pages at most (issue 15: a board member reads it before the meeting).
SHORT_PAGES = 8


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_report(hermetic(tmp_path_factory.mktemp("tiny")), Scope(2022, TINY), ("html", "pdf"), workers=2)


@pytest.fixture(scope="module", params=["riket", TINY])
def built(request, national, tiny):
    """(build result, context, figures.csv) of the national report and of a small förbund's."""
    result = national if request.param == "riket" else tiny
    settings = hermetic(result.out_dir.parent.parent)
    ctx = Context(layer.load_aggregated(settings), result.scope, settings)
    figures = pd.read_csv(result.out_dir / "figures.csv", dtype=str, keep_default_na=False)
    return result, ctx, figures


def test_the_new_files_are_in_the_report_folder_and_its_manifest(built):
    result, _, _ = built
    names = output_names(("html", "pdf"))
    assert names == [f"{SHORT}.html", f"{SHORT}.pdf", SLIDES, WORKBOOK]
    for name in names:
        assert (result.out_dir / name).stat().st_size > 10_000, name
        assert result.out_dir / name in result.files
    assert verify(result.out_dir) == []


def test_the_workbook_has_every_table_with_the_numbers_of_figures_csv(built):
    result, ctx, figures = built
    labels = {t.number: t.label for t in parts.all_tables(ctx)}
    checked, problems = workbook_mismatches(result.out_dir / WORKBOOK, figures, labels)
    assert problems == []
    printed = figures[~figures["table"].str.startswith("D") & ~figures["statistic"].isin(UNPRINTED_STATS)]
    assert checked == len(printed)


def test_the_slides_show_the_numbers_of_figures_csv(built):
    result, _, figures = built
    checked, problems = slides_mismatches(result.out_dir / SLIDES, figures)
    assert problems == [] and checked > 300


def test_one_slide_per_indicator_with_data_between_the_opening_and_closing_slides(built):
    result, ctx, figures = built
    prs = Presentation(str(result.out_dir / SLIDES))
    key_figures = figures[figures["table"].str.match(r"^\d+\.\d$") & (figures["statistic"] == "nyckeltal")]
    with_data = sorted({int(i) for i in key_figures["indicator"]})
    titles = [s.shapes.title.text_frame.text if s.shapes.title is not None else "" for s in prs.slides]
    assert len(prs.slides) == 2 + len(with_data) + 2
    assert titles[1] == "Vilka svarade?" and titles[-1] == "Läs mer"
    assert titles[-2].startswith("Sammanvägd utveckling per indikator")
    assert [int(re.match(r"Indikator (\d+):", t).group(1)) for t in titles[2:-2]] == with_data
    if ctx.local:
        assert TINY in "".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)


def test_libreoffice_converts_the_workbook_and_the_slides_to_pdf(built, tmp_path):
    assert SOFFICE, "soffice saknas: kör tools/setup-system.sh (make test gör det)"
    result, _, _ = built
    sheets = soffice(result.out_dir / WORKBOOK, tmp_path)
    assert len(PdfReader(str(sheets)).pages) >= 20
    slides = soffice(result.out_dir / SLIDES, tmp_path)
    assert len(PdfReader(str(slides)).pages) == len(Presentation(str(result.out_dir / SLIDES)).slides)


def test_the_short_version_is_short_and_says_the_headlines_computed_for_its_report(built):
    result, ctx, _ = built
    reader = PdfReader(str(result.out_dir / f"{SHORT}.pdf"))
    assert 1 < len(reader.pages) <= SHORT_PAGES
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages).replace("\u00a0", " "))
    values = variables(ctx)
    for key in ("kort_hogst_mening", "kort_forandring_mening"):
        assert values[key].replace("\u00a0", " ")[:60] in text, key
    assert "Tabell 20" in text and "Läs mer" in text
    html = (result.out_dir / f"{SHORT}.html").read_text(encoding="utf-8")
    assert "{{<" not in html and not re.search(r"""(src|href)=["']https?://""", html)
    assert 'id="tabell-20"' in html and 'href="resultat.xlsx"' in html
    if ctx.local:
        assert values["kort_riket_mening"][:40].replace("\u00a0", " ") in text
        assert TINY in text


def test_an_unchanged_rebuild_skips_and_keeps_every_file(tiny):
    settings = hermetic(tiny.out_dir.parent.parent)
    before = {p.name: p.read_bytes() for p in tiny.out_dir.iterdir() if p.is_file()}
    again = build_report(settings, Scope(2022, TINY), ("html", "pdf"), workers=2)
    assert not again.rendered
    assert {p.name: p.read_bytes() for p in again.out_dir.iterdir() if p.is_file()} == before
