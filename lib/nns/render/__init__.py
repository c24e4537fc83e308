"""Rendering: the Quarto-shaped book to HTML and PDF with pandoc and Typst, one renderer per format.

* :mod:`~nns.render.book` — ``_quarto.yml``, chapters, ``{{< var >}}`` and ``{{< embed >}}`` to Markdown;
* :mod:`~nns.render.pandoc` — the pandoc engine: one run per book writes every format (``write.lua``), the raw
  blocks' texts set aside and put back;
* :mod:`~nns.render.html`, :mod:`~nns.render.pdf` — one renderer per format;
* :mod:`~nns.render.renderers` — the interface, the list of renderers, and rendering a book.
"""
