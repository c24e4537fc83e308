"""The book: ``_quarto.yml`` (and a profile), its chapters, and each chapter as Markdown.

Does for this book what ``quarto render`` does before pandoc runs: reads the
chapter list of the profile, resolves ``{{< var … >}}`` from the computed
variables and ``{{< embed notebook.ipynb#label >}}`` from the executed
notebooks, and joins the chapters into one Markdown text for one page. The
notebooks' outputs are Markdown already, with their tables and charts in HTML
and Typst (:mod:`nns.present.markup`): what Quarto reads is what pandoc reads.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nns.errors import RenderError
from nns.fsio import write_text

__all__ = ["VAR_RE", "EMBED_RE", "LABEL_RE", "LINK_RE", "read_book", "Chapter", "chapters", "outputs_markdown",
           "notebook_markdown", "qmd_markdown", "book_markdown", "write_variables", "write_book_metadata",
           "PROFILE_NATIONAL", "PROFILE_LOCAL", "PROFILE_COMPARISON", "PROFILE_SHORT", "PROFILE_SHORT_LOCAL",
           "BOOK_METADATA", "SHORT_METADATA"]

VAR_RE = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)\s*>\}\}")
EMBED_RE = re.compile(r"\{\{<\s*embed\s+([^#\s>]+)#([A-Za-z0-9_-]+)\s*>\}\}")
LABEL_RE = re.compile(r"^#\|\s*label:\s*(\S+)", re.M)
#: A link to a place in another chapter: ``[text](other.qmd#anchor)`` (Quarto's multi-page HTML needs the file).
LINK_RE = re.compile(r"\]\((?!https?:)([^()#\s]+\.(?:qmd|ipynb))#([A-Za-z0-9_-]+)\)")

#: The Quarto profiles of the books: the national report (the default) and a förbund's report.
PROFILE_NATIONAL = "riket"
PROFILE_LOCAL = "lokal"
#: The comparison between förbund, a report of its own (``quarto render --profile jamforelse``).
PROFILE_COMPARISON = "jamforelse"
#: The profiles of the short versions (kortversion): the nation's and a förbund's.
PROFILE_SHORT = "kort"
PROFILE_SHORT_LOCAL = "kort-lokal"
#: The book's computed metadata (title with the year, the förbund), written by ``make notebooks`` for Quarto.
BOOK_METADATA = "_rapport.yml"
#: The short version's title with its year, read after ``_rapport.yml`` by the short profiles (it wins).
SHORT_METADATA = "_rapport-kort.yml"


def _merge(a: dict, b: dict) -> dict:
    """Quarto's merge of configurations: mappings merged deeply, lists concatenated without repeats."""
    out = dict(a)
    for k, v in b.items():
        old = out.get(k)
        if isinstance(v, dict) and isinstance(old, dict):
            out[k] = _merge(old, v)
        elif isinstance(v, list) or isinstance(old, list):
            both = (old if isinstance(old, list) else [old] if old is not None else []) + \
                   (v if isinstance(v, list) else [v] if v is not None else [])
            seen, out[k] = set(), []
            for item in both:
                key = json.dumps(item, sort_keys=True, ensure_ascii=False)
                if key not in seen:
                    seen.add(key)
                    out[k].append(item)
        else:
            out[k] = v
    return out


def read_book(root: Path, profile: str | None = None) -> dict:
    """``_quarto.yml`` merged with ``_quarto-<profile>.yml``, as ``quarto render --profile <profile>`` reads them.

    Without a profile, the default one that ``_quarto.yml`` names (``profile: default:``).
    """
    conf = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    profile = profile or (conf.get("profile") or {}).get("default")
    if profile:
        path = root / f"_quarto-{profile}.yml"
        if not path.exists():
            raise RenderError(f"Profilen '{profile}' saknas: {path.name} finns inte.", where=str(root))
        conf = _merge(conf, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
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

def _strip_front_matter(text: str) -> str:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4:].lstrip("\n")
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def outputs_markdown(outputs: list[dict]) -> str:
    """A code cell's outputs as the report shows them: their Markdown (tables and charts carry their own
    HTML and Typst, :mod:`nns.present.markup`), as Quarto reads them."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "error":
            raise RenderError(f"{out.get('ename')}: {out.get('evalue')}", where="notebook")
        data = out.get("data", {})
        if "text/markdown" in data:
            parts.append(_text(data["text/markdown"]))
        elif any(k.startswith("image/") or k == "text/html" for k in data):
            raise RenderError("En cell visar en bild eller HTML utan Markdown; rapporten visar bara Markdown "
                              "(nns.present.markup).", where="notebook")
    return "\n\n".join(p for p in parts if p.strip())


def _load_notebook(path: Path) -> dict:
    if not path.exists():
        raise RenderError("Den körda notebooken saknas; kör bygget igen.", where=str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def notebook_markdown(path: Path, label: str | None = None) -> str:
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
        parts.append(outputs_markdown(cell.get("outputs", [])))
    if label is not None and not found:
        raise RenderError(f"Ingen cell med etiketten '{label}'.", where=str(path))
    return "\n\n".join(p for p in parts if p.strip())


def qmd_markdown(path: Path, source_root: Path, build_root: Path, variables: dict) -> str:
    """A chapter's Markdown with its variables and embeds resolved, and links to other chapters made
    links within the one page."""
    text = _strip_front_matter(path.read_text(encoding="utf-8"))

    def var(m):
        key = m.group(1)
        if key not in variables:
            raise RenderError(f"Variabeln '{key}' finns inte i _variables.yml.", where=str(path))
        return str(variables[key])

    def embed(m):
        rel = os.path.normpath(Path(path.relative_to(source_root)).parent / m.group(1))
        return notebook_markdown(build_root / rel, m.group(2))

    text = EMBED_RE.sub(embed, text)
    text = LINK_RE.sub(lambda m: f"](#{m.group(2)})", text)
    return VAR_RE.sub(var, text)


def book_markdown(root: Path, book: dict, build_root: Path, variables: dict) -> str:
    """The whole book as one Markdown text, chapters in order."""
    parts = []
    for ch in chapters(book):
        if ch.path.endswith(".ipynb"):
            parts.append(notebook_markdown(build_root / ch.path))
        else:
            parts.append(qmd_markdown(root / ch.path, root, build_root, variables))
    return "\n\n".join(parts) + "\n"



def write_book_metadata(path: Path, metadata: dict) -> None:
    """The book's computed metadata for Quarto (``_rapport.yml``, read through ``metadata-files``)."""
    text = "# Computed by nnsreport (make notebooks) for the report it prepared; do not edit.\n"
    text += yaml.safe_dump(metadata, allow_unicode=True, sort_keys=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text(path, text)


def write_variables(path: Path, variables: dict) -> None:
    """_variables.yml, as Quarto reads it (written only when it changes)."""
    text = "# Computed by nnsreport from the data; do not edit (rebuilt by every render).\n"
    text += yaml.safe_dump(variables, allow_unicode=True, sort_keys=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text(path, text)
