"""End to end: the national report is rendered from the demo data, and the PDF and HTML
contain every table and diagram caption of the 2022 report and a sample of its numbers."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from nns import layer
from nns.config import ROOT, Scope, load_settings
from nns.render.html import EXTERNAL_RESOURCE
from nns.review import audit as au
from nns.spec import parts
from nns.spec.context import Context
from nns.spec.model import ChartSpec, TableSpec

# every numbered table and every diagram the registry of parts declares for the 2022 national report
_SPECS = parts.all_specs(Context(layer.load_aggregated(load_settings()), Scope(2022), load_settings()))
TABLES = [s.number for s in _SPECS if isinstance(s, TableSpec) and s.number[0].isdigit()]
DIAGRAMS = [s.number for s in _SPECS if isinstance(s, ChartSpec)]


@pytest.fixture(scope="module")
def pdf_text(national):
    from pypdf import PdfReader

    reader = PdfReader(str(national.out_dir / "rapport.pdf"))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return text.replace("\u00a0", " "), len(reader.pages)


@pytest.fixture(scope="module")
def html(national):
    return (national.out_dir / "rapport.html").read_text(encoding="utf-8")


def test_outputs_exist(national):
    for name in ("rapport.html", "rapport.pdf", "figures.csv"):
        assert (national.out_dir / name).stat().st_size > 10_000
    assert (national.out_dir / "tables" / "5.1.csv").exists()
    assert (national.out_dir / "tables" / "20.csv").exists()


@pytest.mark.parametrize("number", TABLES)
def test_every_table_caption_is_in_the_pdf_and_html(number, pdf_text, html):
    text, _ = pdf_text
    assert re.search(rf"Tabell {re.escape(number)}\s", text), f"Tabell {number} saknas i PDF:en"
    assert f">Tabell {number}<" in html


@pytest.mark.parametrize("number", DIAGRAMS)
def test_every_diagram_caption_is_in_the_pdf_and_html(number, pdf_text, html):
    text, _ = pdf_text
    assert re.search(rf"Diagram {re.escape(number)}\s", text), f"Diagram {number} saknas i PDF:en"
    assert f">Diagram {number}<" in html


def test_appendices_and_bild_1(pdf_text, html):
    text, _ = pdf_text
    for caption in ("Bild 1", "Bilaga 1", "Bilaga 2"):
        assert caption in text and caption in html


@pytest.mark.parametrize("needle", [
    "36 av landets 75 samordningsförbund", "3 967", "1 650", "1 247", "(78 %)", "(70 %)", "21 595",
    "Av 15 uppföljda indikatorer syns en ökning i",
    "Arvika Eda", "Degerfors/Karlskoga*", "Årjäng (BÅD-ESÅ)*",
    # content that the 2022 report has: the SUS comparison, why three indicators have no chart, the sources,
    # the method's overview and where the printed table 20 departs from its rule
    "Enligt SUS var det 54 % kvinnor och 46 % män bland de knappt 16 500 pågående deltagarna",
    "Indikator 4 har inget linjediagram", "Indikator 15 har inget linjediagram", "Indikator 16 har inget linjediagram",
    "Fråga 4 i avslutsenkäten och fråga 4 i pågåendeenkäten ersattes 2021 av nya frågor med en annan svarsskala",
    "enligt SUS 39 % av deltagarna under januari–september 2022", "Analysmetod", "Källor",
    "Gittell, J. H. (2016).", "I den tryckta rapporten 2022 följer fem av cellerna i tabell 20 inte regeln",
    "Tabellen jämför bara 2022 med 2021.",
])
def test_a_sample_of_numbers_and_text_is_in_the_pdf(needle, pdf_text):
    text, _ = pdf_text
    flat = re.sub(r"\s+", " ", text.replace("\u00ad", "-"))
    flat = re.sub(r"(\w)- (\w)", r"\1-\2", flat)   # a line may break after a hyphen ("BÅD-" / "ESÅ")
    assert needle in flat


def test_pdf_has_page_numbers_and_a_table_of_contents(national):
    from pypdf import PdfReader

    pages = PdfReader(str(national.out_dir / "rapport.pdf")).pages
    assert len(pages) > 30
    assert "Innehåll" in pages[1].extract_text()
    for number, page in enumerate(pages[1:], start=2):   # the title page has no number
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        assert lines[-1] == str(number), f"page {number} ends with {lines[-1]!r}"


def test_html_is_self_contained_with_alt_text_and_working_links(html):
    assert not re.search(EXTERNAL_RESOURCE, html)
    # what points to the web is a link to a source, and each source the report cites is one
    web = re.findall(r"""<a\s[^>]*href=["'](https?://[^"']+)""", html)
    assert web and all(re.search(rf"""<a\s[^>]*href=["']{re.escape(u)}""", html) for u in web)
    assert "https://www.regeringen.se/rattsliga-dokument/proposition/2003/06/prop.-200203132" in web
    assert "<script" not in html
    imgs = re.findall(r"<img\s[^>]*>", html)
    assert len(imgs) == len(DIAGRAMS)
    for img in imgs:
        assert re.search(r'alt="[^"]{40,}"', img), img[:200]
        assert "Linjediagram" in img or "Stapeldiagram" in img
        assert 'src="data:image/svg+xml;base64,' in img
    ids = set(re.findall(r'id="([^"]+)"', html))
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids, f"link to missing anchor #{target}"
    assert 'id="TOC"' in html


def test_figures_csv_matches_the_published_figures(national):
    computed = pd.read_csv(national.out_dir / "figures.csv", dtype=str, keep_default_na=False)
    pub = au.load_published(ROOT / "data" / "published" / "figures_2022.csv")
    errata = au.load_errata(ROOT / "data" / "published" / "errata.yaml")
    findings = au.compare(computed, pub, errata)
    assert [str(f) for f in findings if not f.known and f.kind != "withheld"] == []
    # what disclosure control hides is printed as hidden, and only the remittenter's employers
    withheld = [f for f in findings if f.kind == "withheld"]
    assert withheld and all(f.where.startswith("remittent, ") for f in withheld)


def test_figures_csv_covers_tables_and_diagrams(national):
    fig = pd.read_csv(national.out_dir / "figures.csv", dtype=str, keep_default_na=False)
    assert set(TABLES) <= set(fig["table"])
    assert {f"D{d}" for d in DIAGRAMS} <= set(fig["table"])
    assert "B1" in set(fig["table"])
    assert not fig.duplicated(au.KEY).any()


def test_no_bullet_of_resultat_i_korthet_is_printed_twice(html):
    section = html.split('id="resultat-i-korthet"', 1)[1].split("</section>", 1)[0]
    bullets = [re.sub(r"<[^>]+>", "", b) for b in re.findall(r"<li>(.*?)</li>", section, flags=re.S)]
    assert len(bullets) == 5
    body = html.split("<body", 1)[1]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    for bullet in bullets:
        for sentence in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", bullet)):
            assert text.count(sentence.strip()) == 1, sentence


def test_one_pandoc_run_writes_every_format_as_a_run_per_format_would(tmp_path, monkeypatch):
    """pandoc reads a book once and writes HTML and Typst in the same run (write.lua); each output is, byte for
    byte, what pandoc's command line writes for that format alone, with the renderer's options."""
    from datetime import UTC, datetime

    from nns.render.pandoc import MD_FORMAT, pandoc, write_formats
    from nns.render.renderers import RENDERERS, TEMPLATES, RenderJob

    # what the command line reads its own way: a table line of 73–80 characters and a grid table (tables are
    # measured against 72 columns), tabs (spaces to the next multiple of 4)
    grid = "+-----+----------+\n| a   | b        |\n+=====+==========+\n| 1   | två ord  |\n+-----+----------+\n"
    (tmp_path / "bok.md").write_text("# Ett kapitel {#kap}\n\nEn mening om förbunden, se [nedan](#kap).\n\n"
                                     "## Ett avsnitt\n\n| a | b |\n|---|-----|\n| 1 | " + "y" * 66 + " |\n\n"
                                     + grid + "\n```\nå\tb\n\tc\n```\n", encoding="utf-8")
    (tmp_path / "meta.yaml").write_text("title: Provbok 2023\nauthor: NNS\nlang: sv-SE\ntoc-title: Innehåll\n"
                                        "header-text: Provbok\nforbund: A\\-\\-B\n", encoding="utf-8")
    job = RenderJob(tmp_path, ROOT / TEMPLATES, datetime(2023, 1, 1, tzinfo=UTC), tmp_path / "misslyckad")
    runs = []
    import nns.render.pandoc as engine
    monkeypatch.setattr(engine, "pandoc", lambda args, text=None: runs.append(args) or pandoc(args, text))
    outputs = {f: {**r.writer(job), "path": str(tmp_path / f"ut.{f}")} for f, r in RENDERERS.items()}
    write_formats(tmp_path / "bok.md", tmp_path / "meta.yaml", list(outputs.values()))
    assert len(runs) == 1
    for fmt, out in outputs.items():
        args = ["-f", MD_FORMAT, "--metadata-file", str(tmp_path / "meta.yaml"), "-t", out["format"], "--standalone",
                "--template", out["template"]]
        args += ["--toc"] if out["toc"] else []
        args += [f"--toc-depth={out['toc_depth']}"] if "toc_depth" in out else []
        args += ["--section-divs"] * out["section_divs"]
        args += ["--include-in-header", out["header_includes"]] if out.get("header_includes") else []
        alone = pandoc([*args, str(tmp_path / "bok.md")])
        written = Path(out["path"]).read_text(encoding="utf-8")
        assert written == alone, fmt
        assert "förbunden" in written and "Provbok 2023" in written
    html = RENDERERS["html"].render(Path(outputs["html"]["path"]).read_text(encoding="utf-8"), job).decode()
    assert "Innehåll" in html and 'id="kap"' in html
    assert RENDERERS["pdf"].render(Path(outputs["pdf"]["path"]).read_text(encoding="utf-8"), job).startswith(b"%PDF-")
