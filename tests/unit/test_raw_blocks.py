"""The raw blocks' texts go past pandoc (set aside, put back) and the outputs are the ones pandoc alone writes."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nns.config import ROOT, Scope
from nns.render import renderers
from nns.render.pandoc import MD_FORMAT, pandoc, put_back, set_aside, set_aside_intact

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


def _outputs(markdown: str, tmp_path, raw: dict) -> tuple[str, str]:
    (tmp_path / "bok.md").write_text(markdown, encoding="utf-8")
    ast = tmp_path / "ast.json"
    pandoc(["-f", MD_FORMAT, "-t", "json", "-o", str(ast), str(tmp_path / "bok.md")])
    html = put_back(pandoc(["-f", "json", "-t", "html5", "--standalone", "--metadata", "title=x", str(ast)]), raw)
    typ = put_back(pandoc(["-f", "json", "-t", "typst", "--standalone", str(ast)]), raw)
    return html, typ


def test_outputs_with_the_raw_blocks_set_aside_are_pandocs_own(tmp_path):
    text, raw = set_aside(BOOK)
    # the figure, the two table blocks and the one closed by four backticks; not the empty one, not the one with
    # a tab, not the one indented in a list
    assert sorted(raw.values()) == sorted([
        '<div class="nns-figure" data-number="1">\n<svg><text>Väst 75 %</text></svg>',
        '#figure(kind: image, image(bytes("<svg>\\"x\\"</svg>"), format: "svg"))',
        "<table><tr><td>88 %</td></tr></table>", "#table(columns: 2, [a], [b])"])
    assert "Väst 75 %" not in text and "<pre>\ttabb</pre>" in text and "<p>indraget</p>" in text
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _outputs(text, tmp_path / "a", raw) == _outputs(BOOK, tmp_path / "b", {})
    assert set_aside_intact(tmp_path / "a" / "ast.json", raw)


def test_a_token_pandoc_reads_as_code_is_noticed(tmp_path):
    text, raw = set_aside(IN_CODE)
    assert raw == {"NNSRAW0x0x": "<p>exempel</p>"}
    (tmp_path / "bok.md").write_text(text, encoding="utf-8")
    pandoc(["-f", MD_FORMAT, "-t", "json", "-o", str(tmp_path / "ast.json"), str(tmp_path / "bok.md")])
    assert not set_aside_intact(tmp_path / "ast.json", raw)


def test_a_token_already_in_the_text_gets_another_prefix():
    text, raw = set_aside("NNSRAW0x är ett ord här.\n\n```{=html}\n<p>x</p>\n```\n")
    assert raw == {"NNSRAW1x0x": "<p>x</p>"} and "NNSRAW1x0x" in text


@pytest.mark.parametrize("markdown, runs_wanted", [(BOOK, 1), (IN_CODE, 2)])
def test_render_book_reads_the_whole_text_when_the_tokens_are_not_raw_blocks(markdown, runs_wanted, tmp_path,
                                                                             monkeypatch):
    """render_book's HTML is pandoc's own either way: with the texts set aside when pandoc read every token as a
    raw block, else from a second parse of the whole Markdown."""
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
    else:
        assert '<svg><text>Väst 75 %</text></svg>' in page and "<td>88 %</td>" in page
        assert "#table(columns" not in page
