"""PDF through Typst: pandoc writes Typst with the project's template, Typst compiles it.

The tables and charts are Typst already (raw blocks the notebooks wrote, :mod:`nns.present.markup`);
the template is the one ``quarto render`` uses (``typst-template.typ`` and ``typst-show.typ``, read
through ``rapport.typ``). Typst compiles with a fixed timestamp, so that the same inputs give the
same bytes.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import typst

from nns.errors import RenderError
from nns.render.pandoc import pandoc

__all__ = ["PdfRenderer"]


def _font_paths() -> list[str]:
    """DejaVu Sans, the charts' font, from matplotlib's package data (found without importing matplotlib)."""
    package = importlib.util.find_spec("matplotlib").submodule_search_locations[0]
    return [str(Path(package) / "mpl-data" / "fonts" / "ttf")]


class PdfRenderer:
    """The report as PDF: pandoc writes Typst with the project's template, Typst compiles it."""

    format = "pdf"
    suffix = "pdf"

    def render(self, ast: dict, job) -> bytes:
        src = job.work / "ast-typst.json"
        src.write_text(json.dumps(ast), encoding="utf-8")
        body = pandoc(["-f", "json", "-t", "typst", "--standalone", "--template", str(job.templates / "rapport.typ"),
                       "--toc", str(src)])
        typ = job.work / "rapport.typ"
        typ.write_text(body, encoding="utf-8")
        try:
            return typst.compile(str(typ), root=str(job.work), font_paths=_font_paths(), ignore_system_fonts=True,
                                 timestamp=int(job.when.timestamp()))
        except Exception as exc:  # typst raises its own error type with the message
            keep = Path(job.keep_failed) / "rapport.failed.typ"
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(typ, keep)
            raise RenderError(f"Typst kunde inte sätta PDF:en: {exc}", where=str(keep)) from None
