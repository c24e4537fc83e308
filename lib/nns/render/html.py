"""HTML: one self-contained page, with images inlined and the project's stylesheet, that works offline."""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from nns.errors import RenderError
from nns.render.pandoc import pandoc

__all__ = ["HtmlRenderer"]


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


class HtmlRenderer:
    """The report as one self-contained HTML page (pandoc, the project's template and stylesheet)."""

    format = "html"
    suffix = "html"

    def render(self, ast: dict, job) -> bytes:
        _inline_images(ast["blocks"], job.work)
        src = job.work / "ast-html.json"
        src.write_text(json.dumps(ast), encoding="utf-8")
        style = job.work / "style.html"
        style.write_text("<style>\n" + (job.templates / "rapport.css").read_text(encoding="utf-8") + "</style>\n",
                         encoding="utf-8")
        html = pandoc(["-f", "json", "-t", "html5", "--standalone", "--toc", "--toc-depth=2",
                       "--template", str(job.templates / "rapport.html"), "--include-in-header", str(style),
                       "--section-divs", str(src)])
        if re.search(r"""(src|href)=["']https?://""", html):
            raise RenderError("HTML-filen hänvisar till en extern resurs; den ska fungera offline.")
        return html.encode("utf-8")
