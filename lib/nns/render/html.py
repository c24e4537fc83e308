"""HTML: one self-contained page (the charts are data: URIs already), the project's stylesheet, offline."""
from __future__ import annotations

import re

from nns.errors import RenderError

__all__ = ["HtmlRenderer"]


#: An external resource a page would fetch: anything in a ``src`` attribute, or a ``<link>`` (style sheet, icon)
#: on the web. Hyperlinks (``<a href>``, the report's sources) are not resources.
EXTERNAL_RESOURCE = re.compile(r"""\bsrc=["']https?://|<link\b[^>]*\bhref=["']https?://""")


class HtmlRenderer:
    """The report as one self-contained HTML page (pandoc, the project's template and stylesheet)."""

    format = "html"
    suffix = "html"

    def writer(self, job) -> dict:
        style = job.work / "style.html"
        style.write_text("<style>\n" + (job.templates / "rapport.css").read_text(encoding="utf-8") + "</style>\n",
                         encoding="utf-8")
        return {"format": "html5", "template": str(job.templates / "rapport.html"), "toc": True, "toc_depth": 2,
                "section_divs": True, "header_includes": str(style)}

    def render(self, html: str, job) -> bytes:
        # a resource (script, image, style sheet) must be inside the page; a link to a source is a link
        if re.search(EXTERNAL_RESOURCE, html):
            raise RenderError("HTML-filen hämtar en extern resurs (skript, bild eller stilmall); den ska fungera "
                              "offline. Bädda in resursen i sidan.")
        return html.encode("utf-8")
