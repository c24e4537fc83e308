"""The book: ``_quarto.yml`` (and a profile), its chapters, and each chapter as Markdown.

Does for this book what ``quarto render`` does before pandoc runs: reads the
chapter list, resolves ``{{< var … >}}`` from the computed variables and
``{{< embed notebook.ipynb#label >}}`` from the executed notebooks, and turns
notebook outputs (Markdown, great_tables HTML, SVG charts with alt text) into
Markdown for pandoc.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nns.errors import RenderError
from nns.fsio import write_text

__all__ = ["VAR_RE", "EMBED_RE", "LABEL_RE", "read_book", "Chapter", "chapters", "Media", "outputs_markdown",
           "notebook_markdown", "qmd_markdown", "book_markdown", "write_variables", "PROFILE_LOCAL"]

VAR_RE = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)\s*>\}\}")
EMBED_RE = re.compile(r"\{\{<\s*embed\s+([^#\s>]+)#([A-Za-z0-9_-]+)\s*>\}\}")
LABEL_RE = re.compile(r"^#\|\s*label:\s*(\S+)", re.M)

#: The Quarto profile of a förbund's report (``_quarto-lokal.yml``).
PROFILE_LOCAL = "lokal"


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def read_book(root: Path, profile: str | None = None) -> dict:
    """_quarto.yml, merged with _quarto-<profile>.yml when a profile is given."""
    conf = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    if profile:
        p = root / f"_quarto-{profile}.yml"
        if p.exists():
            conf = _merge(conf, yaml.safe_load(p.read_text(encoding="utf-8")))
    return conf


@dataclass(frozen=True)
class Chapter:
    path: str           # relative to the project
    appendix: bool = False


def chapters(book: dict) -> list[Chapter]:
    out = []
    b = book["book"]

    def walk(items, appendix):
        for item in items:
            if isinstance(item, str):
                out.append(Chapter(item, appendix))
            elif isinstance(item, dict) and "chapters" in item:
                walk(item["chapters"], appendix)
    walk(b.get("chapters", []), False)
    walk(b.get("appendices", []), True)
    return out


# ---------------------------------------------------------------------------
# Chapters to Markdown
# ---------------------------------------------------------------------------

class Media:
    """Images written next to the render, named by content so reruns give the same names."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, data: bytes, stem: str, ext: str) -> str:
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}.{ext}"
        (self.folder / name).write_bytes(data)
        return f"{self.folder.name}/{name}"

    def image(self, bundle: dict, stem: str) -> str:
        """Write a notebook output's image (SVG preferred, else PNG); return its relative path."""
        if "image/svg+xml" in bundle:
            return self.save(_text(bundle["image/svg+xml"]).encode("utf-8"), stem, "svg")
        return self.save(base64.b64decode(bundle["image/png"]), stem, "png")


def _strip_front_matter(text: str) -> str:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4:].lstrip("\n")
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def outputs_markdown(outputs: list[dict], media: Media) -> str:
    """Markdown for a code cell's outputs (tables as raw HTML inside a marked Div)."""
    parts = []
    pending_caption = None
    for out in outputs:
        if out.get("output_type") == "error":
            raise RenderError(f"{out.get('ename')}: {out.get('evalue')}", where="notebook")
        data = out.get("data", {})
        meta = out.get("metadata", {}).get("nnsreport", {})
        kind = meta.get("kind")
        if kind == "caption":
            pending_caption = _text(data.get("text/markdown"))
            continue
        if kind == "table":
            parts.append("\n".join([
                f"::: {{.nns-table number=\"{meta['number']}\" layout=\"{meta.get('layout', 'plain')}\"}}",
                pending_caption or f"**{meta['label']}** {meta['caption']}",
                "", "```{=html}", _text(data.get("text/html")), "```",
                "", "```{=nnsgrid}", json.dumps(meta["grid"], ensure_ascii=False), "```", ":::",
            ]))
            pending_caption = None
        elif kind == "chart":
            path = media.image(data, meta["anchor"])
            alt = meta.get("alt", "").replace("]", ")").replace("[", "(")
            parts.append("\n".join([
                f"::: {{.nns-figure number=\"{meta['number']}\"}}",
                pending_caption or f"**{meta['label']}** {meta['caption']}",
                "", f"![{alt}]({path}){{width=100%}}", ":::",
            ]))
            pending_caption = None
        elif kind == "commentary":
            parts.append(_text(data.get("text/markdown")))
        elif kind == "note":
            note = _text(data.get("text/markdown"))
            if pending_caption:   # a chart with nothing to draw: caption and note only
                parts.append(f"::: {{.nns-figure}}\n{pending_caption}\n\n{note}\n:::")
                pending_caption = None
            elif parts and parts[-1].startswith("::: {.nns-figure"):
                parts[-1] = parts[-1][: -len(":::")] + f"\n{note}\n:::"
            else:
                parts.append(note)
        elif "text/markdown" in data:
            parts.append(_text(data["text/markdown"]))
        elif "image/svg+xml" in data or "image/png" in data:
            parts.append(f"![]({media.image(data, 'bild')})")
    return "\n\n".join(p for p in parts if p.strip())


def _load_notebook(path: Path) -> dict:
    if not path.exists():
        raise RenderError("Den körda notebooken saknas; kör bygget igen.", where=str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def notebook_markdown(path: Path, media: Media, label: str | None = None) -> str:
    """Markdown for a whole executed notebook, or for the cell with ``#| label: <label>``."""
    nb = _load_notebook(path)
    parts = []
    found = False
    for cell in nb["cells"]:
        if cell.get("cell_type") == "markdown":
            if label is None:
                parts.append(_text(cell["source"]))
            continue
        if cell.get("cell_type") != "code":
            continue
        m = LABEL_RE.search(_text(cell.get("source")))
        if label is not None and (not m or m.group(1) != label):
            continue
        found = True
        parts.append(outputs_markdown(cell.get("outputs", []), media))
    if label is not None and not found:
        raise RenderError(f"Ingen cell med etiketten '{label}'.", where=str(path))
    return "\n\n".join(p for p in parts if p.strip())


def qmd_markdown(path: Path, source_root: Path, build_root: Path, variables: dict, media: Media) -> str:
    text = _strip_front_matter(path.read_text(encoding="utf-8"))

    def var(m):
        key = m.group(1)
        if key not in variables:
            raise RenderError(f"Variabeln '{key}' finns inte i _variables.yml.", where=str(path))
        return str(variables[key])

    def embed(m):
        rel = os.path.normpath(Path(path.relative_to(source_root)).parent / m.group(1))
        return notebook_markdown(build_root / rel, media, m.group(2))

    text = EMBED_RE.sub(embed, text)
    return VAR_RE.sub(var, text)


def book_markdown(root: Path, book: dict, build_root: Path, variables: dict, media: Media) -> str:
    """The whole book as one Markdown text: chapters in order, appendices after a Typst marker."""
    parts = []
    appendix_started = False
    for ch in chapters(book):
        if ch.appendix and not appendix_started:
            parts.append("```{=typst}\n#show: appendix\n```")
            appendix_started = True
        if ch.path.endswith(".ipynb"):
            parts.append(notebook_markdown(build_root / ch.path, media))
        else:
            parts.append(qmd_markdown(root / ch.path, root, build_root, variables, media))
    return "\n\n".join(parts) + "\n"



def write_variables(path: Path, variables: dict) -> None:
    """_variables.yml, as Quarto reads it (written only when it changes)."""
    text = "# Computed by nnsreport from the data; do not edit (rebuilt by every render).\n"
    text += yaml.safe_dump(variables, allow_unicode=True, sort_keys=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text(path, text)
