"""pandoc: the engine that parses the book and writes HTML and Typst."""
from __future__ import annotations

import subprocess

import pypandoc

from nns.errors import RenderError

__all__ = ["pandoc", "pandoc_path", "MD_FORMAT"]

#: How the book's Markdown is read (figures are ours: no implicit figures).
MD_FORMAT = "markdown-implicit_figures"


def pandoc_path() -> str:
    return pypandoc.get_pandoc_path()


def pandoc(args: list[str], input_text: str | None = None) -> str:
    proc = subprocess.run([pandoc_path(), *args], input=input_text, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"pandoc misslyckades: {proc.stderr.strip()[:2000]}", where="pandoc " + " ".join(args[:4]))
    return proc.stdout
