"""HTML: one self-contained page (the charts are data: URIs already), the project's stylesheet, offline."""
from __future__ import annotations

import json
import re

from nns.errors import RenderError
from nns.render.pandoc import pandoc

__all__ = ["HtmlRenderer"]


class HtmlRenderer:
    """The report as one self-contained HTML page (pandoc, the project's template and stylesheet)."""

    format = "html"
    suffix = "html"

    def render(self, ast: dict, job) -> bytes:
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
