"""Rendering a book: one renderer per output format behind one small interface.

A renderer says how pandoc writes its format (:meth:`Renderer.writer`) and turns what pandoc wrote into
the bytes of one output file (``rapport.<suffix>``); pandoc reads the book once and writes every format in one
run (:func:`nns.render.pandoc.write_formats`). :data:`RENDERERS` lists them by format; the
formats a user can ask for (:data:`nns.config.FORMATS`) are exactly its keys.
"""
from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import yaml

from nns.config import FORMATS, Scope
from nns.errors import RenderError
from nns.fsio import write_atomic
from nns.render.book import (
    PROFILE_COMPARISON,
    PROFILE_LOCAL,
    PROFILE_NATIONAL,
    PROFILE_SHORT,
    PROFILE_SHORT_LOCAL,
    book_markdown,
    read_book,
)
from nns.render.html import HtmlRenderer
from nns.render.pandoc import put_back, set_aside, set_aside_intact, write_formats
from nns.render.pdf import PdfRenderer
from nns.text import markdown_literal

__all__ = ["RenderJob", "Renderer", "RENDERERS", "render_book", "TEMPLATES", "book_metadata", "quarto_metadata",
           "profile", "short_profile"]

#: The templates the renderers use (the Typst template, the HTML template and stylesheet).
TEMPLATES = "report/templates"


@dataclass(frozen=True)
class RenderJob:
    """What every renderer gets besides what pandoc wrote for it."""

    work: Path          # a temporary folder for intermediate files
    templates: Path     # report/templates
    when: datetime      # the document's timestamp
    keep_failed: Path   # where a renderer leaves its input when it fails (the build folder, never the report)
    #: what a renderer decided about the layout (the PDF's chart widths by anchor), for `make notebooks`
    layout: dict = field(default_factory=dict)


class Renderer(Protocol):
    format: str
    suffix: str

    def writer(self, job: RenderJob) -> dict:
        """How pandoc writes the format: ``format``, ``template`` and the options :func:`write_formats` takes."""

    def render(self, text: str, job: RenderJob) -> bytes:
        """The output file's bytes from what pandoc wrote (the raw blocks put back)."""


RENDERERS: dict[str, Renderer] = {r.format: r for r in (HtmlRenderer(), PdfRenderer())}
assert tuple(RENDERERS) == FORMATS, "every output format needs a renderer"


def book_metadata(book: dict, scope: Scope) -> dict:
    """The document's metadata (title with the year, author, language, running header) from the book config.

    The title is the profile's ``rapport-titel`` and the year. Pandoc reads metadata values as Markdown;
    the förbund's name is data, so it goes in escaped (:func:`nns.text.markdown_literal`) and every
    output shows it as written.

    >>> book_metadata({"rapport-titel": "Indikatorrapport", "book": {}}, Scope(2022, "A--B"))["forbund"]
    'A\\\\-\\\\-B'
    """
    b = book["book"]
    if "rapport-titel" not in book:
        raise RenderError("Profilen saknar rapport-titel (rapportens titel utan år).", where="_quarto-*.yml")
    title = f"{book['rapport-titel']} {scope.year}"
    meta = {
        "title": title,
        "subtitle": b.get("subtitle", ""),
        "author": b.get("author", ""),
        "lang": "sv-SE",
        "toc-title": "Innehåll",
        "header-text": markdown_literal(scope.forbund) if scope.local else title,
        "report-year": str(scope.year),
    }
    if scope.local:
        meta["forbund"] = markdown_literal(scope.forbund)
    if book.get("kortversion"):   # the short version: a title block instead of a title page and contents
        meta["kortversion"] = True
    return meta


def profile(scope: Scope) -> str:
    """The Quarto profile of a report: the national book, a förbund's, or the comparison between förbund."""
    if scope.comparison:
        return PROFILE_COMPARISON
    return PROFILE_LOCAL if scope.local else PROFILE_NATIONAL


def short_profile(scope: Scope) -> str:
    """The Quarto profile of a report's short version (kortversion): the nation's or a förbund's."""
    return PROFILE_SHORT_LOCAL if scope.local else PROFILE_SHORT


def quarto_metadata(book: dict, scope: Scope, layout: dict | None = None) -> dict:
    """What ``quarto render`` needs beside the profile, from the same metadata ``make report`` uses
    (``_rapport.yml``): the book's title with its year, the förbund, the running header, and the chart widths
    the PDF's layout chose (``layout``: anchor → percent, from :func:`render_book`)."""
    meta = book_metadata(book, scope)
    out = {"book": {"title": meta["title"]}, "header-text": meta["header-text"], "toc-title": meta["toc-title"],
           "report-year": meta["report-year"]}
    for key in ("forbund", "kortversion"):
        if key in meta:
            out[key] = meta[key]
    if layout:
        out["nns-skalor"] = [{"id": k, "procent": v} for k, v in sorted(layout.items())]
    return out


def render_book(root: Path, scope: Scope, build_root: Path, out_dir: Path, formats, variables: dict,
                when: datetime, layout: dict | None = None, book_profile: str | None = None,
                name: str = "rapport") -> list[Path]:
    """Render a book into ``out_dir``/<name>.<suffix> for each format: the report's (national, local or the
    comparison), or the one ``book_profile`` names (the short version: :func:`short_profile`)."""
    book = read_book(root, book_profile or profile(scope))
    work = Path(tempfile.mkdtemp(prefix="nnsrender-"))
    try:
        markdown = book_markdown(root, book, build_root, variables)
        (work / "meta.yaml").write_text(yaml.safe_dump(book_metadata(book, scope), allow_unicode=True),
                                        encoding="utf-8")
        # pandoc reads the book once and writes every format in the same run. The raw blocks' texts (charts and
        # tables) go past it, set aside, unless pandoc did not read their tokens as raw blocks
        job = RenderJob(work, root / TEMPLATES, when, build_root, layout if layout is not None else {})
        renderers = [RENDERERS[f] for f in FORMATS if f in formats]
        written = {r.format: work / f"pandoc.{r.format}" for r in renderers}
        outputs = [{**r.writer(job), "path": str(written[r.format])} for r in renderers]
        text, raw = set_aside(markdown)
        for _ in range(2):
            (work / "rapport.md").write_text(text, encoding="utf-8")
            write_formats(work / "rapport.md", work / "meta.yaml", outputs, ast=work / "ast.json" if raw else None)
            if set_aside_intact(work / "ast.json", raw):
                break
            text, raw = markdown, {}
        out_dir.mkdir(parents=True, exist_ok=True)
        # the outputs' own work (Typst's layout) side by side
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [(r, pool.submit(r.render, put_back(written[r.format].read_text(encoding="utf-8"), raw), job))
                       for r in renderers]
            targets = []
            for r, f in futures:
                target = out_dir / f"{name}.{r.suffix}"
                write_atomic(target, f.result())
                targets.append(target)
        return targets
    finally:
        shutil.rmtree(work, ignore_errors=True)
