"""The PDF as a screen reader and a reader turning its pages meet it: PDF/UA-1, a tag tree with alt text
and table headers, and no page holding only a few lines."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import nns.render.pdf as pdf
from helpers.data import hermetic
from nns import layer
from nns.build.plan import build_root
from nns.build.report import build_report, source_date
from nns.config import Scope
from nns.present.prose import variables
from nns.render.renderers import render_book
from nns.spec.context import Context

pytestmark = pytest.mark.e2e

#: A page holds at least this many lines of text, the title page excepted.
MIN_LINES = 6


@pytest.fixture(scope="module")
def vast(tmp_path_factory):
    return build_report(hermetic(tmp_path_factory.mktemp("vast")), Scope(2022, "Väst"), workers=2)


@pytest.fixture(params=["riket", "Väst"])
def report(request, national, vast):
    return national if request.param == "riket" else vast


def _tags(reader: PdfReader) -> list[dict]:
    """The structure elements in reading order."""
    out = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "/S" in node:
                out.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return out


def test_the_pdf_is_pdf_ua_1_with_its_title_author_and_language(report):
    reader = PdfReader(str(report.out_dir / "rapport.pdf"))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)
    assert root["/Lang"] == "sv-SE" and root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title.startswith("Indikatorrapport 2022" if report.scope.local else
                                            "Nationell indikatorrapport 2022")
    assert reader.metadata.author == "Nationella nätverket för samordningsförbund (NNS)"


def test_every_figure_is_tagged_with_the_alt_text_the_html_gives_its_image(report):
    tags = _tags(PdfReader(str(report.out_dir / "rapport.pdf")))
    figures = [str(t["/Alt"]) for t in tags if t["/S"] == "/Figure"]
    page = (report.out_dir / "rapport.html").read_text(encoding="utf-8")
    # an image's alt text, or (a funnel plot, its SVG in the page for its hover texts) its aria-label
    alts = [html.unescape(a or b) for a, b in re.findall(
        r'<img src="data:image/svg\+xml;base64,[^"]*"[^>]* alt="([^"]*)"'
        r'|<div class="nns-svg" role="img" aria-label="([^"]*)"', page)]
    assert figures and figures == alts


def test_every_table_is_tagged_with_header_cells(report):
    tags = _tags(PdfReader(str(report.out_dir / "rapport.pdf")))
    kinds = [str(t["/S"]) for t in tags]
    assert kinds.count("/Table") == kinds.count("/THead") > 10
    assert kinds.count("/TH") > kinds.count("/Table")


def test_no_page_holds_only_a_few_lines(report):
    reader = PdfReader(str(report.out_dir / "rapport.pdf"))
    short = []
    for number, page in enumerate(reader.pages[1:], start=2):   # the title page is one by design
        lines = [line for line in page.extract_text(extraction_mode="layout").splitlines() if line.strip()]
        body = lines[1:-1]   # the running header and the page number
        if len(body) < MIN_LINES:
            short.append((number, len(body), body[:2]))
    assert not short, f"pages with fewer than {MIN_LINES} lines: {short}"


def test_each_layout_round_changes_a_file_and_not_typsts_inputs(national, monkeypatch, tmp_path):
    """The widths a round tries reach Typst through a file at a path that stays the same: Typst's inputs are
    the same in every round and in the final compile, so it lays out again only what the changed widths move
    (a changed input makes it lay out the whole document again). The national report needs more than one
    round, and its last widths are the layout the PDF and ``quarto render`` get. One Typst compiler does every
    round and the PDF."""
    settings = hermetic(national.out_dir.parents[1])   # <base>/2022/riket
    scope = Scope(2022)
    calls = []
    real = pdf.typst.Compiler

    class Spy:
        """A Typst compiler that records each call: its name, the compiler's inputs and the widths' file then."""

        def __init__(self, source, **options):
            self.source, self.inputs, self.compiler = Path(source), options.get("sys_inputs"), real(source, **options)
            calls.append(("new", self.inputs, None))

        def _record(self, name):
            tried = json.loads((self.source.parent / pdf.SCALES_FILE).read_text(encoding="utf-8"))
            calls.append((name, self.inputs, tried))

        def query(self, *args, **kwargs):
            self._record("query")
            return self.compiler.query(*args, **kwargs)

        def compile(self, *args, **kwargs):
            self._record("compile")
            return self.compiler.compile(*args, **kwargs)

    monkeypatch.setattr(pdf.typst, "Compiler", Spy)
    layout: dict = {}
    values = variables(Context(layer.load_aggregated(settings), scope, settings))
    render_book(Path(settings.root), scope, build_root(settings, scope), tmp_path, ("pdf",), values,
                source_date(scope), layout=layout)
    names = [name for name, _, _ in calls]
    # one compiler (it finds the fonts once) for every round and the PDF
    assert names[0] == "new" and names.count("new") == 1 and names[-1] == "compile" and names.count("query") >= 2
    calls = calls[1:]
    assert all(inputs == {"nns-skalor-fil": f"/{pdf.SCALES_FILE}"} for _, inputs, _ in calls), calls
    assert calls[0][2] == {} and calls[-2][2] == calls[-1][2] == layout != {}
    assert (tmp_path / "rapport.pdf").read_bytes() == (national.out_dir / "rapport.pdf").read_bytes()
