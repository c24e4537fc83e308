"""pandoc: the engine that parses the book and writes HTML and Typst."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pypandoc

from nns.errors import RenderError

__all__ = ["pandoc", "pandoc_path", "MD_FORMAT", "WRITER", "write_formats", "set_aside", "set_aside_intact", "put_back"]

#: How the book's Markdown is read (figures are ours: no implicit figures).
MD_FORMAT = "markdown-implicit_figures"

#: A raw block of the book (:func:`nns.present.markup.raw`): its opening fence at the start of a line, and its
#: closing fence, a line of at least three backticks, indented by at most three spaces (as pandoc reads it).
RAW_OPENING = re.compile(r"^```\{=(?:html|typst)\}\n", re.M)
RAW_CLOSING = re.compile(r"\n[ ]{0,3}`{3,}[ \t]*$", re.M)


def pandoc_path() -> str:
    return pypandoc.get_pandoc_path()


def pandoc(args: list[str], input_text: str | None = None) -> str:
    proc = subprocess.run([pandoc_path(), *args], input=input_text, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"pandoc misslyckades: {proc.stderr.strip()[:2000]}", where="pandoc " + " ".join(args[:4]))
    return proc.stdout


#: The Lua program that reads a book once and writes every format (:func:`write_formats`).
WRITER = Path(__file__).with_name("write.lua")


def write_formats(markdown: Path, metadata: Path, outputs: list[dict], ast: Path | None = None) -> None:
    """One pandoc run: the book's Markdown read once (``metadata``, a YAML file, as ``--metadata-file``), each
    output written to its ``path`` as ``pandoc -t <format> --standalone --template <template>`` writes it (see
    :data:`WRITER` for an output's options), and with ``ast`` pandoc's AST as JSON.

    One run rather than one per format: a run reads the book and its metadata, and starts a process of 160 MB
    (measured: 0.18 s of CPU against 0.29 s for the three runs of a local report's book and its two formats).
    As the command line does, the run turns tabs into spaces (tab stop 4) before reading, and reads tables at 72
    columns.
    """
    job = markdown.with_name(markdown.stem + ".pandoc.json")
    order = {"input": str(markdown), "metadata": str(metadata), "reader": MD_FORMAT, "outputs": outputs}
    if ast is not None:
        order["ast"] = str(ast)
    job.write_text(json.dumps(order), encoding="utf-8")
    pandoc(["lua", str(WRITER), str(job)])


def set_aside(markdown: str) -> tuple[str, dict[str, str]]:
    """The Markdown with the text of each raw block replaced by a token, and the texts by token.

    pandoc copies a raw block's text to the output of its format as it stands and leaves it out of the other's,
    yet it carries every byte through its parse, its AST's JSON and each writer: the charts' SVG and the tables'
    HTML, nine tenths of a report's Markdown. Set aside, they go past pandoc, and :func:`put_back` writes them
    where pandoc wrote their tokens. A block with a tab or a carriage return stays (pandoc's command line turns
    tabs into spaces, its reader drops carriage returns: :func:`write_formats` does both).

    >>> md, blocks = set_aside("Text\\n\\n```{=html}\\n<p>x</p>\\n```\\n")
    >>> md, blocks
    ('Text\\n\\n```{=html}\\nNNSRAW0x0x\\n```\\n', {'NNSRAW0x0x': '<p>x</p>'})
    >>> put_back("<p>Text</p>\\nNNSRAW0x0x", blocks)
    '<p>Text</p>\\n<p>x</p>'
    """
    salt = 0
    while f"NNSRAW{salt}x" in markdown:
        salt += 1
    blocks: dict[str, str] = {}
    out, done, past = [], 0, 0
    for opening in RAW_OPENING.finditer(markdown):
        if opening.start() < past:   # a fence inside the text of a raw block
            continue
        closing = RAW_CLOSING.search(markdown, opening.end() - 1)
        if closing is None:
            break
        past = closing.end()
        text = markdown[opening.end():closing.start()]
        if closing.start() <= opening.end() or "\t" in text or "\r" in text:
            continue
        key = f"NNSRAW{salt}x{len(blocks)}x"
        blocks[key] = text
        out += [markdown[done:opening.end()], key]
        done = closing.start()
    out.append(markdown[done:])
    return "".join(out), blocks


def set_aside_intact(ast: Path, blocks: dict[str, str]) -> bool:
    """Whether pandoc read every token of :func:`set_aside` as the whole text of a raw block of the book's own
    level or of a Div in it, and nowhere else: only then is :func:`put_back` the same as pandoc's output of the
    blocks themselves. A fence inside a code block is not a raw block; a raw block pandoc reads into a list item,
    a quote or a footnote has its lines indented or stripped there, which a one-line token would not show."""
    if not blocks:
        return True
    text = ast.read_text(encoding="utf-8")
    tree = json.loads(text)
    found: list[str] = []

    def walk(level: list) -> None:
        for block in level:
            if block.get("t") == "RawBlock":
                found.append(block["c"][1])
            elif block.get("t") == "Div":
                walk(block["c"][1])

    walk(tree["blocks"])
    return (sorted(k for k in found if k in blocks) == sorted(blocks)
            and sorted(_tokens(blocks).findall(text)) == sorted(blocks))


def put_back(text: str, blocks: dict[str, str]) -> str:
    """pandoc's output with the raw blocks' texts where it wrote their tokens (:func:`set_aside`)."""
    if not blocks:
        return text
    return _tokens(blocks).sub(lambda m: blocks[m.group(0)], text)


def _tokens(blocks: dict[str, str]) -> re.Pattern:
    """Any token of :func:`set_aside`'s (they share their prefix, ``NNSRAW<salt>x``)."""
    prefix = next(iter(blocks)).split("x")[0]
    return re.compile(rf"{prefix}x\d+x")
