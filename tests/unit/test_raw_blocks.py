"""The raw blocks' texts go past pandoc (set aside, put back) and the outputs are the ones pandoc alone writes."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nns.config import ROOT, Scope
from nns.render import renderers
from nns.render.pandoc import MD_FORMAT, pandoc, put_back, set_aside, set_aside_intact, write_formats

#: Raw blocks as the notebooks write them, and the cases pandoc reads in its own way.
BOOK = """# Ett kapitel

Text före.

```{=html}
<div class="nns-figure" data-number="1">
<svg><text>Väst 75 %</text></svg>
```

```{=typst}
#figure(kind: image, image(bytes("<svg>\\"x\\"</svg>"), format: "svg"))
```

::: {.nns-table data-number="2"}
```{=html}
<table><tr><td>88 %</td></tr></table>
```

```{=typst}
#table(columns: 2, [a], [b])
````
:::

```{=html}
```

```{=html}
<pre>	tabb</pre>
```

- en punkt

  ```{=html}
  <p>indraget</p>
  ```

Text efter, med ```{=html} mitt i raden.
"""

#: A fence inside a code block: pandoc reads it as code, not as a raw block.
IN_CODE = """# Kod

`````markdown
```{=html}
<p>exempel</p>
```
`````
"""


#: Raw blocks pandoc reads into another block, which changes their lines: the check must notice.
ELSEWHERE = {
    # a fence straight after a footnote is part of the note: pandoc strips four spaces from each line
    "footnote": "x[^1]\n\n[^1]: n\n```{=html}\n<p>a</p>\n    <p>b</p>\n```\n",
    # a Div in a list item: pandoc's Typst indents each line of the raw block
    "list item": "- a\n\n  ::: b\n```{=typst}\n#a\n#b\n```\n  :::\n",
}


def _pipeline(markdown: str, tmp_path) -> tuple[bool, str, str]:
    """render_book's way: the texts set aside, one pandoc run, the texts put back (check, HTML, Typst)."""
    text, raw = set_aside(markdown)
    (tmp_path / "bok.md").write_text(text, encoding="utf-8")
    (tmp_path / "meta.yaml").write_text("title: x\n", encoding="utf-8")
    outputs = [{"format": f, "path": str(tmp_path / f"ut.{f}"), "template": str(tmp_path / "mall"), "toc": False,
                "section_divs": False} for f in ("html5", "typst")]
    (tmp_path / "mall").write_text("$body$\n", encoding="utf-8")
    write_formats(tmp_path / "bok.md", tmp_path / "meta.yaml", outputs, ast=tmp_path / "ast.json")
    html, typ = (put_back(Path(o["path"]).read_text(encoding="utf-8"), raw) for o in outputs)
    return set_aside_intact(tmp_path / "ast.json", raw), html, typ


def _pandoc_alone(markdown: str, tmp_path) -> tuple[str, str]:
    (tmp_path / "alone.md").write_text(markdown, encoding="utf-8")
    return tuple(pandoc(["-f", MD_FORMAT, "-t", f, "--standalone", "--template", str(tmp_path / "mall"),
                         "--metadata", "title=x", str(tmp_path / "alone.md")]) for f in ("html5", "typst"))


def test_outputs_with_the_raw_blocks_set_aside_are_pandocs_own(tmp_path):
    text, raw = set_aside(BOOK)
    # the figure, the two table blocks and the one closed by four backticks; not the empty one, not the one with
    # a tab, not the one indented in a list
    assert sorted(raw.values()) == sorted([
        '<div class="nns-figure" data-number="1">\n<svg><text>Väst 75 %</text></svg>',
        '#figure(kind: image, image(bytes("<svg>\\"x\\"</svg>"), format: "svg"))',
        "<table><tr><td>88 %</td></tr></table>", "#table(columns: 2, [a], [b])"])
    assert "Väst 75 %" not in text and "<pre>\ttabb</pre>" in text and "<p>indraget</p>" in text
    intact, html, typ = _pipeline(BOOK, tmp_path)
    assert intact
    assert (html, typ) == _pandoc_alone(BOOK, tmp_path)


def test_a_closing_fence_may_be_indented_as_pandoc_allows(tmp_path):
    markdown = "```{=html}\n<p>a</p>\n   ```\n\nText mellan.\n\n```{=html}\n<p>b</p>\n```\n"
    assert list(set_aside(markdown)[1].values()) == ["<p>a</p>", "<p>b</p>"]
    intact, html, typ = _pipeline(markdown, tmp_path)
    assert intact and "Text mellan." in typ
    assert (html, typ) == _pandoc_alone(markdown, tmp_path)


@pytest.mark.parametrize("where", sorted(ELSEWHERE))
def test_a_raw_block_read_into_another_block_is_noticed(where, tmp_path):
    intact, html, typ = _pipeline(ELSEWHERE[where], tmp_path)
    assert not intact
    assert (html, typ) != _pandoc_alone(ELSEWHERE[where], tmp_path)   # what the check guards against


def test_a_token_pandoc_reads_as_code_is_noticed(tmp_path):
    text, raw = set_aside(IN_CODE)
    assert raw == {"NNSRAW0x0x": "<p>exempel</p>"}
    (tmp_path / "bok.md").write_text(text, encoding="utf-8")
    pandoc(["-f", MD_FORMAT, "-t", "json", "-o", str(tmp_path / "ast.json"), str(tmp_path / "bok.md")])
    assert not set_aside_intact(tmp_path / "ast.json", raw)


def test_a_token_already_in_the_text_gets_another_prefix():
    text, raw = set_aside("NNSRAW0x är ett ord här.\n\n```{=html}\n<p>x</p>\n```\n")
    assert raw == {"NNSRAW1x0x": "<p>x</p>"} and "NNSRAW1x0x" in text


@pytest.mark.parametrize("markdown, runs_wanted", [(BOOK, 1), (IN_CODE, 2), (ELSEWHERE["list item"], 2)])
def test_render_book_reads_the_whole_text_when_the_tokens_are_not_raw_blocks(markdown, runs_wanted, tmp_path,
                                                                             monkeypatch):
    """render_book's HTML is pandoc's own either way: with the texts set aside when pandoc read every token as a
    raw block of the book or a Div, else from a second run on the whole Markdown."""
    runs = []
    write = renderers.write_formats
    monkeypatch.setattr(renderers, "book_markdown", lambda *a: markdown)
    monkeypatch.setattr(renderers, "write_formats", lambda *a, **k: runs.append(a) or write(*a, **k))
    scope = Scope(2022, "Väst")
    [out] = renderers.render_book(ROOT, scope, tmp_path, tmp_path / "ut", ("html",), {},
                                  datetime(2023, 1, 1, tzinfo=UTC))
    assert len(runs) == runs_wanted
    page = out.read_text(encoding="utf-8")
    assert "NNSRAW" not in page
    if markdown is IN_CODE:   # the fence is code: shown, escaped
        assert "&lt;p&gt;exempel&lt;/p&gt;" in page and "<p>exempel</p>" not in page
    elif markdown is BOOK:
        assert '<svg><text>Väst 75 %</text></svg>' in page and "<td>88 %</td>" in page
        assert "#table(columns" not in page
