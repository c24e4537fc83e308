"""`make notebooks` prepares a tree that `quarto render` can render: checked without Quarto.

The tree is a copy of the project's book (the _quarto*.yml files, the chapters, the templates and the
notebook sources) in a temporary folder, prepared by `nnsreport notebooks` as an analyst would, for the
nation and for one förbund.
"""
from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from helpers.data import hermetic
from nns.build.report import prepare_notebooks
from nns.config import ROOT, Scope
from nns.render.book import (
    BOOK_METADATA,
    EMBED_RE,
    LINK_RE,
    PROFILE_COMPARISON,
    PROFILE_LOCAL,
    PROFILE_NATIONAL,
    SHORT_METADATA,
    chapters,
    read_book,
)
from nns.render.renderers import render_book, short_profile

pytestmark = pytest.mark.e2e

#: What a Quarto user's tree holds besides data: the books (every profile and home page) and what renders them.
BOOK_FILES = sorted(p.name for pattern in ("_quarto*.yml", "index*.qmd") for p in ROOT.glob(pattern))
BOOK_DIRS = ["report", "notebooks"]
#: The settings that name the project's data and texts (relative to the project).
DATA = {"aggregated": "data/aggregated", "instrument": "data/instrument.yaml", "national": "data/national.yaml",
        "commentary": "report/kommentarer", "registration": "data/registration"}
ANCHOR_RE = re.compile(r"\{#([A-Za-z0-9_-]+)|\bid=\"([A-Za-z0-9_-]+)\"")


def _tree(base: Path) -> Path:
    tree = base / "tree"
    tree.mkdir()
    for name in BOOK_FILES:
        shutil.copy(ROOT / name, tree / name)
    for name in BOOK_DIRS:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("*.ipynb") if name == "report"
                        else None)
    return tree


@pytest.fixture(scope="module", params=[(PROFILE_NATIONAL, None), (PROFILE_LOCAL, "Väst"), (PROFILE_COMPARISON, None)],
                ids=["riket", "Väst", "jamforelse"])
def prepared(request, tmp_path_factory):
    """(tree, profile, förbund): the tree after `nnsreport notebooks [--forbund … | --jamforelse]`."""
    profile, forbund = request.param
    base = tmp_path_factory.mktemp("quarto")
    tree = _tree(base)
    # the project's data and texts; the tree (root) is the copy
    settings = hermetic(base).replace(root=str(tree), **{k: str(ROOT / v) for k, v in DATA.items()})
    prepare_notebooks(settings, _scope(profile, forbund), workers=2)
    return tree, profile, forbund


def _scope(profile: str, forbund: str | None) -> Scope:
    return Scope(2022, forbund or "", comparison=profile == PROFILE_COMPARISON)


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _chapter_text(tree: Path, path: str) -> str:
    """What a chapter shows: its Markdown, embedded cells' outputs, a notebook's cells and outputs."""
    if path.endswith(".ipynb"):
        nb = _notebook(tree / path)
        out = []
        for cell in nb["cells"]:
            out.append("".join(cell["source"]))
            for o in cell.get("outputs", []):
                out.append("".join(o.get("data", {}).get("text/markdown", "")))
        return "\n".join(out)
    text = (tree / path).read_text(encoding="utf-8")
    for m in EMBED_RE.finditer(text):
        text += "\n" + _chapter_text(tree, str(Path(path).parent / m.group(1)).replace("\\", "/")
                                     if not m.group(1).startswith("report/") else m.group(1))
    return text


def test_the_variables_and_the_book_metadata_are_written_for_the_report(prepared):
    tree, profile, forbund = prepared
    variables = yaml.safe_load((tree / "_variables.yml").read_text(encoding="utf-8"))
    used = set()
    for ch in chapters(read_book(tree, profile)):
        if ch.path.endswith(".qmd"):
            used |= set(re.findall(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)", (tree / ch.path).read_text(encoding="utf-8")))
    assert used <= set(variables)
    meta = yaml.safe_load((tree / BOOK_METADATA).read_text(encoding="utf-8"))
    book = read_book(tree, profile)
    assert meta["book"]["title"] == f"{book['rapport-titel']} 2022"
    assert meta.get("forbund") == forbund
    if profile == PROFILE_COMPARISON:   # no short version of its own
        assert not (tree / SHORT_METADATA).exists()
        return
    # the short version: its own variables are written too, and its own title, read after the report's
    short = short_profile(Scope(2022, forbund or ""))
    for ch in chapters(read_book(tree, short)):
        if ch.path.endswith(".qmd"):
            used = set(re.findall(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)", (tree / ch.path).read_text(encoding="utf-8")))
            assert used <= set(variables), ch.path
    short_meta = yaml.safe_load((tree / SHORT_METADATA).read_text(encoding="utf-8"))
    assert short_meta["book"]["title"] == f"{read_book(tree, short)['rapport-titel']} 2022" != meta["book"]["title"]
    assert short_meta["kortversion"] is True and short_meta.get("forbund") == forbund


def test_every_chapter_notebook_is_titled_in_a_markdown_cell(prepared):
    """Quarto titles a chapter (sidebar, page title, navigation) from its Markdown, not from cell outputs."""
    tree, profile, _ = prepared
    notebooks = [c.path for c in chapters(read_book(tree, profile)) if c.path.endswith(".ipynb")]
    assert len(notebooks) == (0 if profile == PROFILE_COMPARISON else 16)   # the comparison: prose and embeds
    for i, path in enumerate(notebooks, start=1):
        cells = _notebook(tree / path)["cells"]
        first = next(c for c in cells if c["cell_type"] == "markdown")
        assert "".join(first["source"]).startswith(f"# Indikator {i}: "), path
        before = cells[:cells.index(first)]
        assert not [o for c in before for o in c.get("outputs", [])], f"{path}: the title comes before the content"


RAW_TYPST = re.compile(r"```\{=typst\}\n(.*?)\n```", re.S)
TYPST_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def test_every_output_closes_the_typst_it_opens(prepared):
    """Quarto wraps each cell output in a block of its own (`#block[…]`): a Typst call opened in one output and
    closed in another would close Quarto's block instead of its own (the PDF's tail and chart wrappers)."""
    tree, _, _ = prepared
    checked = 0
    for path in (tree / "report").glob("**/*.ipynb"):
        for cell in _notebook(path)["cells"]:
            for o in cell.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if not md:
                    continue
                typst = TYPST_STRING.sub('""', "\n".join(RAW_TYPST.findall("".join(md))))
                depth = 0
                for ch in typst:
                    depth += {"[": 1, "]": -1}.get(ch, 0)
                    assert depth >= 0, f"{path.name}: closes what another output opened"
                assert depth == 0, f"{path.name}: leaves open what another output closes"
                checked += 1
    assert checked > 20


def test_no_output_makes_quarto_reach_for_the_network_or_lose_alt_text(prepared):
    """An HTML output makes Quarto add require.js and jQuery from a CDN; an image output loses its alt text."""
    tree, profile, _ = prepared
    executed = list((tree / "report").glob("**/*.ipynb"))
    assert len(executed) > (0 if profile == PROFILE_COMPARISON else 16)
    kinds = set()
    for path in executed:
        for cell in _notebook(path)["cells"]:
            for o in cell.get("outputs", []):
                kinds |= set(o.get("data", {}))
                assert o.get("output_type") != "error", path
    assert "text/markdown" in kinds
    assert not {k for k in kinds if k == "text/html" or k.startswith("image/")}, kinds


@pytest.mark.parametrize("short", [False, True], ids=["rapport", "kortversion"])
def test_every_link_reaches_its_anchor_on_the_page_quarto_makes(prepared, short):
    """Within a chapter `#anchor`; across chapters `other.qmd#anchor` (Quarto's pages are one per chapter)."""
    tree, profile, forbund = prepared
    if short and profile == PROFILE_COMPARISON:
        pytest.skip("the comparison between förbund has no short version")
    if short:
        profile = short_profile(Scope(2022, forbund or ""))
    pages = {c.path: _chapter_text(tree, c.path) for c in chapters(read_book(tree, profile))}
    anchors = {p: {a or b for a, b in ANCHOR_RE.findall(text)} for p, text in pages.items()}
    checked = 0
    for page, text in pages.items():
        for target in re.findall(r"\]\(#([A-Za-z0-9_-]+)\)", text):
            assert target in anchors[page], f"{page}: #{target} is on another page; link to its chapter"
            checked += 1
        for m in LINK_RE.finditer(text):
            other = str(Path(page).parent / m.group(1)).replace("\\", "/")
            other = other if other in pages else m.group(1)
            assert other in pages, f"{page}: {m.group(1)} is not a chapter of the {profile} book"
            assert m.group(2) in anchors[other], f"{page}: no #{m.group(2)} in {other}"
            checked += 1
    assert checked


def test_make_report_renders_the_prepared_tree_as_quarto_would_read_it(prepared, tmp_path):
    """The same tree through the fast path: the notebooks Quarto reads give the report `make report` gives."""
    tree, profile, forbund = prepared
    variables = yaml.safe_load((tree / "_variables.yml").read_text(encoding="utf-8"))
    files = render_book(tree, _scope(profile, forbund), tree, tmp_path, ("html",), variables,
                        datetime(2023, 1, 1))
    html = files[0].read_text(encoding="utf-8")
    if profile == PROFILE_COMPARISON:   # two tables and a funnel plot per measure
        assert html.count('class="nns-table"') == 2 and html.count('class="nns-svg"') == 45
        assert "{{<" not in html
        return
    assert html.count('class="nns-table"') > 20 and "{{<" not in html
    short = render_book(tree, Scope(2022, forbund or ""), tree, tmp_path, ("html",), variables, datetime(2023, 1, 1),
                        book_profile=short_profile(Scope(2022, forbund or "")), name="kortversion")
    html = short[0].read_text(encoding="utf-8")
    assert short[0].name == "kortversion.html" and 'id="tabell-20"' in html and "{{<" not in html
