"""Rendering: the Quarto-shaped book (``_quarto.yml``, ``.qmd`` prose, executed
notebooks) to a self-contained HTML file and a PDF, with pandoc and Typst.

Quarto itself cannot be installed here, so this module does what ``quarto
render`` would do for this book, with the same engines:

1. read ``_quarto.yml`` (plus ``_quarto-<profile>.yml``) for the chapter list;
2. turn each chapter into Markdown: ``.qmd`` prose with ``{{< var … >}}`` and
   ``{{< embed notebook.ipynb#label >}}`` resolved; notebooks' outputs
   (Markdown, great_tables HTML, SVG charts with alt text);
3. one pandoc call parses the whole book into pandoc's AST;
4. HTML: pandoc writes a standalone page with everything embedded;
5. PDF: each table is built from the layout grid great_tables drew (pandoc
   table nodes with the caption as a repeating header row, right-aligned
   numbers), written as Typst and compiled by ``typst`` with a fixed
   timestamp, so that the same inputs give the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

import nnsreport as nr
from nns_errors import RenderError

logger = logging.getLogger(__name__)

TEMPLATES = "report/templates"
VAR_RE = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)\s*>\}\}")
EMBED_RE = re.compile(r"\{\{<\s*embed\s+([^#\s>]+)#([A-Za-z0-9_-]+)\s*>\}\}")
LABEL_RE = re.compile(r"^#\|\s*label:\s*(\S+)", re.M)
MD_FORMAT = "markdown-implicit_figures"


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def pandoc(args: list[str], input_text: str | None = None) -> str:
    proc = subprocess.run([pandoc_path(), *args], input=input_text, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"pandoc misslyckades: {proc.stderr.strip()[:2000]}", where="pandoc " + " ".join(args[:4]))
    return proc.stdout


# ---------------------------------------------------------------------------
# The book
# ---------------------------------------------------------------------------

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
        import os

        rel = os.path.normpath(Path(path.relative_to(source_root)).parent / m.group(1))
        return notebook_markdown(build_root / rel, media, m.group(2))

    text = EMBED_RE.sub(embed, text)
    return VAR_RE.sub(var, text)


def book_markdown(settings: nr.Settings, scope: nr.Scope, build_root: Path, variables: dict,
                  media: Media) -> str:
    root = Path(settings.root)
    book = read_book(root, "lokal" if scope.local else None)
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


# ---------------------------------------------------------------------------
# Typst: great_tables HTML -> pandoc tables with caption rows
# ---------------------------------------------------------------------------

def _walk_blocks(blocks, fn):
    """Apply fn to every block list (depth first); fn returns a new list."""
    out = []
    for b in blocks:
        t = b.get("t")
        if t == "Div":
            attr, content = b["c"]
            b = {"t": "Div", "c": [attr, _walk_blocks(content, fn)]}
        elif t == "BlockQuote":
            b = {"t": "BlockQuote", "c": _walk_blocks(b["c"], fn)}
        out.append(b)
    return fn(out)


def _classes(block) -> list[str]:
    return block["c"][0][1] if block.get("t") == "Div" else []





def typst_tables(ast: dict, colours: dict | None = None) -> dict:
    """Every table Div becomes a pandoc table built from its grid (the layout great_tables drew).

    The caption becomes the table's first header row, repeated on every page the
    table spans, so that it never stands alone; its anchor moves to the block
    around the table. Footnotes follow the table in small print. ``colours`` maps
    a row-group label fragment (a survey's table label) to its colour.
    """
    colours = colours or {}

    def replace(blocks):
        out = []
        for b in blocks:
            if "nns-table" not in _classes(b):
                out.append(b)
                continue
            content = b["c"][1]
            caption = next((x for x in content if x.get("t") in ("Para", "Plain")), None)
            grid = next((json.loads(x["c"][1]) for x in content
                         if x.get("t") == "RawBlock" and x["c"][0] == "nnsgrid"), None)
            if grid is None:
                continue
            anchor, inlines = _unwrap_anchor(caption["c"] if caption else [])
            table = _grid_table(grid, inlines, colours)
            notes = []
            for note in grid.get("footnotes", []):
                notes += [{"t": "RawBlock", "c": ["typst", "#block(above: 0.35em, below: 0.2em, text(size: 7.5pt)["]},
                          {"t": "Plain", "c": _inlines(note)},
                          {"t": "RawBlock", "c": ["typst", "])"]}]
            attr = [anchor or b["c"][0][0], b["c"][0][1], b["c"][0][2]]
            out.append({"t": "Div", "c": [attr, [table] + notes]})
        return out

    ast["blocks"] = _walk_blocks(ast["blocks"], replace)
    return ast


#: Column widths (fractions of the text width) per table layout: the first column; the rest share.
FIRST_COLUMN = {"development": 0.52, "text": 0.56, "bilaga1": 0.3, "categories": 0.4, "yesno": 0.5, "populations": 0.2,
                "keyfigures-wide": 0.19,
                "keyfigures": 0.28}


def _inlines(text: str) -> list:
    out = []
    for i, word in enumerate(str(text).split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def _cell(text, align="AlignDefault", colspan=1, rowspan=1, bold=False, prefix=None) -> list:
    inl = _inlines(text) if text not in (None, "") else []
    if bold and inl:
        inl = [{"t": "Strong", "c": inl}]
    if prefix is not None:
        inl = [prefix] + inl
    blocks = [{"t": "Plain", "c": inl}] if inl else []
    return [["", [], []], {"t": align}, rowspan, colspan, blocks]


def _grid_table(grid: dict, caption_inlines: list, colours: dict) -> dict:
    ncols, layout = grid["ncols"], grid.get("layout", "plain")
    if layout == "keyfigures" and ncols > 7:
        layout = "keyfigures-wide"   # a local table: three columns a year
    long_text = any(len(str(c)) > 25 for r in grid["body"] if "cells" in r for c in r["cells"][1:])
    value_align = "AlignLeft" if layout in ("text", "development") or (layout == "plain" and long_text) \
        else "AlignRight"
    if ncols > 1:
        first = FIRST_COLUMN.get(layout, 0.34 if ncols > 4 else 0.45)
        rest = (1 - first) / (ncols - 1)
        specs = [[{"t": "AlignLeft"}, {"t": "ColWidth", "c": first}]] + \
                [[{"t": value_align}, {"t": "ColWidth", "c": rest}] for _ in range(ncols - 1)]
    else:
        specs = [[{"t": "AlignLeft"}, {"t": "ColWidthDefault"}]]
    head_rows = []
    if caption_inlines:
        cap = [["", [], []], {"t": "AlignLeft"}, 1, ncols, [{"t": "Plain", "c": caption_inlines}]]
        head_rows.append([["", [], []], [cap]])
    for i, row in enumerate(grid["header"]):
        cells = []
        for j, h in enumerate(row):
            align = "AlignLeft" if (i == 0 and j == 0) else ("AlignCenter" if h["colspan"] > 1 else value_align)
            cell = _cell(h["text"], align, h["colspan"], h["rowspan"], bold=True)
            if cell[4]:   # a long column label may hyphenate (tables otherwise don't)
                cell[4][0]["c"] = ([{"t": "RawInline", "c": ["typst", "#text(hyphenate: true)["]}] + cell[4][0]["c"]
                                   + [{"t": "RawInline", "c": ["typst", "]"]}])
            cells.append(cell)
        head_rows.append([["", [], []], cells])
    body_rows = []
    for r in grid["body"]:
        if "group" in r:
            colour = next((c for key, c in colours.items() if r["group"].endswith(" " + key)), None)
            mark = {"t": "RawInline", "c": ["typst", f'#box(width: 0.6em, height: 0.6em, fill: rgb("{colour}")) ']} \
                if colour else None
            body_rows.append([["", [], []], [_cell(r["group"], "AlignLeft", ncols, 1, bold=True, prefix=mark)]])
        else:
            cells = [_cell(r["cells"][0], "AlignLeft")] + [_cell(c, value_align) for c in r["cells"][1:]]
            body_rows.append([["", [], []], cells])
    return {"t": "Table", "c": [
        ["", [], []], [None, []], specs,
        [["", [], []], head_rows],
        [[["", [], []], 0, [], body_rows]],
        [["", [], []], []],
    ]}


def _unwrap_anchor(inlines: list) -> tuple[str, list]:
    """The id of the first Span with one, and the inlines with that Span replaced by its content."""
    anchor, out = "", []
    for i in inlines:
        if i.get("t") == "Span" and i["c"][0][0] and not anchor:
            anchor = i["c"][0][0]
            out.extend(i["c"][1])
        else:
            out.append(i)
    return anchor, out




#: Tables with at most this many rows are never split over two pages.
UNBREAKABLE_ROWS = 16


def typst_boxes(ast: dict) -> dict:
    """Shaded boxes for the indicator description and draft commentary (HTML gets them from CSS);
    a chart with its caption and note, and a short table, kept on one page."""
    styles = {"indikator": ('rgb("#f4f7fa")', 'rgb("#1f4e79")'), "utkast": ('rgb("#fff8e6")', 'rgb("#e69f00")')}

    def keep(b) -> bool:
        if "nns-figure" in _classes(b):
            return True
        if "nns-table" in _classes(b):
            tables = [x for x in b["c"][1] if x.get("t") == "Table"]
            return bool(tables) and sum(len(body[3]) for body in tables[0]["c"][4]) <= UNBREAKABLE_ROWS
        return False

    def box(blocks):
        out = []
        for b in blocks:
            cls = [c for c in _classes(b) if c in styles]
            if keep(b):
                out.append({"t": "RawBlock", "c": ["typst", "#block(breakable: false, width: 100%)["]})
                out.append(b)
                out.append({"t": "RawBlock", "c": ["typst", "]"]})
            elif cls:
                fill, line = styles[cls[0]]
                out.append({"t": "RawBlock", "c": ["typst", f"#block(fill: {fill}, stroke: (left: 3pt + {line}), "
                                                            "inset: (x: 8pt, y: 6pt), width: 100%)["]})
                out.extend(b["c"][1])
                out.append({"t": "RawBlock", "c": ["typst", "]"]})
            else:
                out.append(b)
        return out

    ast["blocks"] = _walk_blocks(ast["blocks"], box)
    return ast


# ---------------------------------------------------------------------------
# Render
# ---------------------------------------------------------------------------

def source_date(settings: nr.Settings, scope: nr.Scope) -> datetime:
    """The PDF's timestamp: SOURCE_DATE_EPOCH when set, else fixed from the report year."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime(scope.year + 1, 1, 1, tzinfo=timezone.utc)


def _font_paths() -> list[str]:
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def render(settings: nr.Settings, scope: nr.Scope, build_root: Path, out_dir: Path, formats, agg):
    """Render the book into ``out_dir`` (rapport.html, rapport.pdf); skip when inputs are unchanged."""
    import nns_build
    import nns_prose
    import nns_specs as sp

    root = Path(settings.root)
    ctx = sp.Context(agg, scope, settings)
    variables = nns_prose.variables(ctx)
    if not scope.local:
        _write_variables(root / "_variables.yml", variables)
    book = read_book(root, "lokal" if scope.local else None)
    work = Path(tempfile.mkdtemp(prefix="nnsrender-"))
    try:
        media = Media(work / "media")
        markdown = book_markdown(settings, scope, build_root, variables, media)
        meta = _metadata(book, scope, variables)
        templates = root / TEMPLATES
        targets = [out_dir / f"rapport.{f}" for f in formats]
        result = nns_build.BuildResult(out_dir, targets)
        (work / "rapport.md").write_text(markdown, encoding="utf-8")
        (work / "meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
        ast_text = pandoc(["-f", MD_FORMAT, "-t", "json", "--metadata-file", str(work / "meta.yaml"),
                           str(work / "rapport.md")])
        out_dir.mkdir(parents=True, exist_ok=True)
        from concurrent.futures import ThreadPoolExecutor

        colours = {s.table_label: nr.SURVEY_COLOURS[s.id] for s in agg.instrument.surveys}
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two outputs' pandoc runs overlap
            futures = []
            # each output gets its own parse of the AST (faster than a deep copy)
            if "html" in formats:
                futures.append(pool.submit(_render_html, json.loads(ast_text), work, templates,
                                           out_dir / "rapport.html"))
            if "pdf" in formats:
                futures.append(pool.submit(_render_pdf, json.loads(ast_text), work, templates, out_dir / "rapport.pdf",
                                           source_date(settings, scope), colours))
            for f in futures:
                f.result()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_variables(path: Path, variables: dict) -> None:
    from nns_registration import write_atomic

    text = "# Computed by nnsreport from the data; do not edit (rebuilt by every render).\n"
    text += yaml.safe_dump(variables, allow_unicode=True, sort_keys=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text.encode("utf-8"))


def _metadata(book: dict, scope: nr.Scope, variables: dict) -> dict:
    b = book["book"]
    title = f"{b.get('title', 'Nationell indikatorrapport')} {scope.year}"
    meta = {
        "title": title,
        "subtitle": b.get("subtitle", ""),
        "author": b.get("author", ""),
        "lang": "sv-SE",
        "toc-title": "Innehåll",
        "header-text": scope.forbund or title,
        "report-year": str(scope.year),
    }
    if scope.local:
        meta["forbund"] = scope.forbund
        meta["title"] = f"{b.get('title', 'Indikatorrapport')} {scope.year}"
    return meta


def _inline_images(blocks, work: Path):
    """Images as data: URIs, so the HTML is one self-contained file (faster than --embed-resources)."""
    def fix_inlines(inlines):
        for i in inlines:
            if i.get("t") == "Image":
                src = i["c"][2][0]
                if not src.startswith("data:"):
                    data = base64.b64encode((work / src).read_bytes()).decode("ascii")
                    mime = "image/svg+xml" if src.endswith(".svg") else "image/png"
                    i["c"][2][0] = f"data:{mime};base64,{data}"
            elif isinstance(i.get("c"), list):
                for part in i["c"]:
                    if isinstance(part, list) and part and isinstance(part[0], dict):
                        fix_inlines(part)

    def walk(bs):
        for b in bs:
            t, c = b.get("t"), b.get("c")
            if t in ("Para", "Plain"):
                fix_inlines(c)
            elif t == "Div":
                walk(c[1])
            elif t == "BlockQuote":
                walk(c)
        return bs
    walk(blocks)


def _render_html(ast: dict, work: Path, templates: Path, target: Path) -> None:
    from nns_registration import write_atomic

    html_ast = ast
    _inline_images(html_ast["blocks"], work)
    src = work / "ast-html.json"
    src.write_text(json.dumps(html_ast), encoding="utf-8")
    style = work / "style.html"
    style.write_text("<style>\n" + (templates / "rapport.css").read_text(encoding="utf-8") + "</style>\n",
                     encoding="utf-8")
    html = pandoc(["-f", "json", "-t", "html5", "--standalone", "--toc", "--toc-depth=2",
                   "--template", str(templates / "rapport.html"), "--include-in-header", str(style),
                   "--section-divs", str(src)])
    if re.search(r"""(src|href)=["']https?://""", html):
        raise RenderError("HTML-filen hänvisar till en extern resurs; den ska fungera offline.", where=str(target))
    write_atomic(target, html.encode("utf-8"))


def _render_pdf(ast: dict, work: Path, templates: Path, target: Path, when: datetime, colours: dict) -> None:
    import typst

    from nns_registration import write_atomic

    typ_ast = typst_boxes(typst_tables(ast, colours))
    src = work / "ast-typst.json"
    src.write_text(json.dumps(typ_ast), encoding="utf-8")
    body = pandoc(["-f", "json", "-t", "typst", "--standalone", "--template", str(templates / "rapport.typ"),
                   "--toc", str(src)])
    typ = work / "rapport.typ"
    typ.write_text(body, encoding="utf-8")
    try:
        pdf = typst.compile(str(typ), root=str(work), font_paths=_font_paths(), ignore_system_fonts=True,
                            timestamp=int(when.timestamp()))
    except Exception as exc:  # typst raises its own error type with the message
        keep = Path(target).parent / "rapport.failed.typ"
        shutil.copyfile(typ, keep)
        raise RenderError(f"Typst kunde inte sätta PDF:en: {exc}", where=str(keep)) from None
    write_atomic(target, pdf)
