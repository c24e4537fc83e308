"""A förbund's name is data: put into Markdown or metadata it is shown exactly as written, in HTML and in the PDF.

tests/e2e/test_names.py checks the same in rendered local reports (title page, running header, HTML header).
"""
from __future__ import annotations

import html
import io
import re

import pytest
import typst
import yaml
from pypdf import PdfReader

from nns.config import Scope
from nns.render.pandoc import MD_FORMAT, pandoc
from nns.render.renderers import book_metadata
from nns.text import markdown_literal

NAMES = [
    "Nord/../../etc/x--y...z",
    "O'Hara & Co (Syd), Väst–Öst",
    "Öst -1 -? --- .... slut.",
    "*a* _b_ [c](d) <e> #f $g$",
    "@h // ~i `j` \\k {l} ^m^",
    "|n| \"o\" 1. p + q = r: s!",
    "- t",
]


def html_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def pdf_text(typst_source: str, tmp_path) -> str:
    src = tmp_path / "t.typ"
    src.write_text(typst_source, encoding="utf-8")
    reader = PdfReader(io.BytesIO(typst.compile(str(src))))
    return reader.pages[0].extract_text().strip()


@pytest.mark.parametrize("name", NAMES)
def test_a_name_in_markdown_is_shown_as_written_in_html_and_pdf(name, tmp_path):
    md = f"**{markdown_literal(name)}**\n"   # as index.lokal.qmd has {{< var forbund_namn >}}
    assert html_text(pandoc(["-f", MD_FORMAT, "-t", "html"], md)) == name
    assert pdf_text(pandoc(["-f", MD_FORMAT, "-t", "typst"], md), tmp_path) == name


@pytest.mark.parametrize("name", NAMES)
def test_a_name_in_the_metadata_is_shown_as_written_in_html_and_pdf(name, tmp_path):
    meta = tmp_path / "meta.yaml"
    book = {"rapport-titel": "Indikatorrapport", "book": {}}
    meta.write_text(yaml.safe_dump(book_metadata(book, Scope(2022, name)), allow_unicode=True), encoding="utf-8")
    template = tmp_path / "template"
    template.write_text("$forbund$\n\n$header-text$\n", encoding="utf-8")
    args = ["-f", MD_FORMAT, "--metadata-file", str(meta), "--template", str(template), "-s"]
    assert html_text(pandoc([*args, "-t", "html"], "")).splitlines() == [name, "", name]
    assert pdf_text(pandoc([*args, "-t", "typst"], ""), tmp_path).splitlines() == [name, name]


def test_unescaped_names_would_be_typeset():
    """What the escaping prevents (pandoc's smart typography), so that the tests above can fail."""
    assert html_text(pandoc(["-f", MD_FORMAT, "-t", "html"], NAMES[0])) == "Nord/../../etc/x–y…z"
