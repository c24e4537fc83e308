"""Checks of the Quarto book that need no Quarto: what `quarto render` would trip over, found statically.

Each check stands for a failure seen with a real Quarto (1.10): a book that embedded its pages in one another
(out of memory), Quarto's own captions over ours (`tbl-` labels), chapters titled by file name (titles printed
by code), appendices lettered "Bilaga A", variables no command writes, working files not ignored.
"""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from nns.build.notebooks import notebook_sources
from nns.config import ROOT, Scope
from nns.render.book import (
    BOOK_METADATA,
    PROFILE_COMPARISON,
    PROFILE_LOCAL,
    PROFILE_NATIONAL,
    PROFILE_SHORT,
    PROFILE_SHORT_LOCAL,
    SHORT_METADATA,
    VAR_RE,
    chapters,
    read_book,
)
from nns.spec import parts
from nns.spec.context import Context
from nns.spec.model import ChartSpec, TableSpec

PROFILES = (PROFILE_NATIONAL, PROFILE_LOCAL, PROFILE_COMPARISON, PROFILE_SHORT, PROFILE_SHORT_LOCAL)
#: Label prefixes Quarto reads as cross-references of its own (and then numbers and captions).
QUARTO_CROSSREF = ("tbl-", "fig-", "lst-", "eq-", "thm-")


def _config_files() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(ROOT.glob("_quarto*.yml"))]


def _walk(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    yield key, value


def test_no_book_format_embeds_its_resources():
    """In a book, each page would embed the previous one (Quarto ran out of memory at 2.1 GB)."""
    for conf in _config_files():
        assert "embed-resources" not in {k for k, _ in _walk(conf)}
        assert "self-contained" not in {k for k, _ in _walk(conf)}


def test_the_default_profile_is_the_national_report():
    base = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert base["profile"]["default"] == PROFILE_NATIONAL
    assert "chapters" not in base.get("book", {}), "Quarto appends a profile's chapters to the base ones"
    assert read_book(ROOT) == read_book(ROOT, PROFILE_NATIONAL)


@pytest.mark.parametrize("profile", PROFILES)
def test_each_profile_starts_with_a_home_page_and_letters_no_appendix(profile):
    book = read_book(ROOT, profile)
    paths = [c.path for c in chapters(book)]
    assert re.fullmatch(r"index\.[a-z.]*qmd", paths[0]), "a book's home page is an index.* file at the top"
    assert "appendices" not in book["book"], "Quarto would title them 'Bilaga A — …'"
    assert len(paths) == len(set(paths))
    for path in paths:
        assert (ROOT / path).exists() or path.endswith(".ipynb"), path


@pytest.mark.parametrize("profile", PROFILES)
def test_the_title_with_its_year_comes_from_the_file_make_notebooks_writes(profile):
    """A title in the profile would win over _rapport.yml, and the year would be missing."""
    book = read_book(ROOT, profile)
    assert "title" not in book["book"] and book["rapport-titel"]
    assert BOOK_METADATA in book["metadata-files"]


@pytest.mark.parametrize("profile", PROFILES)
def test_each_prose_chapter_is_titled_by_a_markdown_heading_without_shortcodes(profile):
    for ch in chapters(read_book(ROOT, profile)):
        if not ch.path.endswith(".qmd"):
            continue
        lines = [line for line in (ROOT / ch.path).read_text(encoding="utf-8").splitlines() if line.strip()]
        assert lines[0].startswith("# "), f"{ch.path}: the chapter's title is its first line"
        # a shortcode in a chapter's title leaks, raw, into Quarto's navigation (sidebar, page titles)
        assert "{{<" not in lines[0], f"{ch.path}: {lines[0]}"
        assert not [line for line in lines[1:] if line.startswith("# ")], f"{ch.path}: one title per chapter"


def test_no_cell_label_or_anchor_is_one_of_quartos_cross_references(national_agg, settings):
    labels = [m.group(1) for nb in notebook_sources().values() for c in nb.cells
              for m in re.finditer(r"#\|\s*label:\s*(\S+)", c.source)]
    assert labels and not [x for x in labels if x.startswith(QUARTO_CROSSREF)]
    specs = parts.all_specs(Context(national_agg, Scope(2022), settings))
    anchors = [s.anchor for s in specs if isinstance(s, (TableSpec, ChartSpec))]
    assert anchors and not [a for a in anchors if a.startswith(QUARTO_CROSSREF)]
    for path in ROOT.glob("**/*.qmd"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\{#(?:" + "|".join(QUARTO_CROSSREF) + ")", text), path


def _vars_used(profile: str) -> set[str]:
    used = set()
    for ch in chapters(read_book(ROOT, profile)):
        if ch.path.endswith(".qmd"):
            used |= set(VAR_RE.findall((ROOT / ch.path).read_text(encoding="utf-8")))
    return used


@pytest.mark.parametrize("profile, scope", [(PROFILE_NATIONAL, Scope(2022)), (PROFILE_LOCAL, Scope(2022, "Väst")),
                                            (PROFILE_COMPARISON, Scope(2022, comparison=True)),
                                            (PROFILE_SHORT, Scope(2022)), (PROFILE_SHORT_LOCAL, Scope(2022, "Väst"))])
def test_every_variable_a_profile_uses_is_written_for_that_report(profile, scope, national_agg, settings):
    """`make notebooks` (and `make notebooks FORBUND=…`, `JAMFORELSE=1`) writes these into _variables.yml."""
    from nns.present.prose import variables

    written = variables(Context(national_agg, scope, settings))
    used = _vars_used(profile)
    assert used and not used - set(written), f"not written: {sorted(used - set(written))}"


@pytest.mark.parametrize("path", [".quarto/x.json", "report/indicators/indikator-01.quarto_ipynb", "index.quarto_ipynb",
                                  BOOK_METADATA, SHORT_METADATA, "_variables.yml", "report/indicators/indikator-01.ipynb",
                                  "report/parts/svarande.ipynb", "_output/quarto/riket/index.html"])
def test_what_quarto_and_make_notebooks_write_is_ignored_by_git(path):
    done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
    assert done.returncode == 0, f"{path} is not in .gitignore"


@pytest.mark.parametrize("profile", (PROFILE_SHORT, PROFILE_SHORT_LOCAL))
def test_a_short_version_reads_its_own_title_after_the_reports_and_is_marked_for_the_template(profile):
    """Quarto reads metadata files in order, the later winning: the short version's title is not the report's."""
    book = read_book(ROOT, profile)
    assert book["metadata-files"] == [BOOK_METADATA, SHORT_METADATA]
    assert book["kortversion"] is True
    template = (ROOT / "report" / "templates" / "typst-show.typ").read_text(encoding="utf-8")
    assert "$if(kortversion)$" in template
    for other in (PROFILE_NATIONAL, PROFILE_LOCAL):
        assert "kortversion" not in read_book(ROOT, other)


def test_the_typst_template_is_the_same_for_both_paths():
    """`make report` reads the partials through rapport.typ; Quarto through template-partials."""
    base = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    partials = base["format"]["typst"]["template-partials"]
    pandoc_template = (ROOT / "report" / "templates" / "rapport.typ").read_text(encoding="utf-8")
    for p in partials:
        assert (ROOT / p).exists()
        assert f"${p.rsplit('/', 1)[1]}()$" in pandoc_template
    assert base["format"]["typst"]["html-table-processing"] == "none"
