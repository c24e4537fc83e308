"""A förbund's name is data in the title too: the PDF's title page and running header, and the HTML's title,
header and opening sentence show it exactly as written (no dashes or ellipses from smart typography)."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from helpers.data import hermetic
from helpers.registration import LAYER
from nns.build.kernels import NotebookRunner
from nns.build.report import build_report
from nns.config import ROOT, Scope

#: Names that pandoc's or Typst's typography would change, in place of two förbund of the demo data.
NAMES = {"Jämtland": "Nord/../../etc/x--y...z", "Västerdalarna": "O'Hara -1 & Co (Syd) --- Väst..."}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("names")
    layer = base / "aggregated"
    layer.mkdir()
    for f in LAYER.glob("*.csv"):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        frame["forbund"] = frame["forbund"].replace(NAMES)
        frame.to_csv(layer / f.name, index=False, lineterminator="\n")
    settings = hermetic(base, aggregated=layer, cache_dir=base / "cache")
    with NotebookRunner(ROOT) as runner:
        return {name: build_report(settings, Scope(2022, name), runner=runner) for name in NAMES.values()}


def text_of(fragment: str) -> str:
    """The text of an HTML fragment, with pandoc's line wrapping undone."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


@pytest.mark.parametrize("name", NAMES.values())
def test_the_pdf_shows_the_name_as_written_on_the_title_page_in_the_running_header_and_its_title(reports, name):
    pdf = PdfReader(str(reports[name].out_dir / "rapport.pdf"))
    assert name in pdf.pages[0].extract_text().splitlines()
    assert pdf.pages[3].extract_text().startswith(name + " ")
    assert pdf.metadata.title == f"Indikatorrapport 2022 – {name}"


@pytest.mark.parametrize("name", NAMES.values())
def test_the_html_shows_the_name_as_written_in_its_title_header_and_first_sentence(reports, name):
    page = (reports[name].out_dir / "rapport.html").read_text(encoding="utf-8")
    assert text_of(re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)) == f"Indikatorrapport 2022 – {name}"
    assert text_of(re.search(r'<p class="forbund">(.*?)</p>', page, re.DOTALL).group(1)) == name
    first = re.search(r"Rapporten visar resultaten från NNS:s indikatorenkäter 2022 för\s+<strong>(.*?)</strong>", page,
                      re.DOTALL)
    assert text_of(first.group(1)) == name
