"""The notebook sources (``notebooks/*.ipynb``), written from the registry of parts.

The notebooks are thin: a parameters cell, then one cell per part of the
report, labelled with the part's key (the label ``{{< embed >}}`` uses), that
makes one library call. ``tools/make_notebooks.py`` writes them; a test checks
that the committed notebooks are exactly what the registry gives.
"""
from __future__ import annotations

import nbformat

from nns.present.records import MIME_META
from nns.spec.parts import INDICATOR_NOTEBOOK, PARTS

__all__ = ["PARAMETERS", "notebook_sources", "lift_headings"]

#: The parameters cell of every notebook (papermill replaces the values).
PARAMETERS = '''ar = 2022
forbund = None        # None: the national report (riket); else the förbund's name
data = None           # the aggregated layer; None: the path in nnsreport.toml
installningar = None  # the run settings (a file or a dict); None: nnsreport.toml'''

#: The set-up at the top of each notebook's first part cell (a cell of its own costs a kernel round trip).
SETUP = '''from nns.present import notebook as nb

ctx = nb.context(ar, forbund, data, installningar)
'''


def _cells(notebook: str) -> list[tuple[str, str]]:
    cells = []
    for p in PARTS:
        if p.notebook != notebook:
            continue
        call = ("nb.show_indicator(ctx, indikator)" if p.chapter else f'nb.show_text(ctx, "{p.key}")' if p.text
                else f'nb.show_part(ctx, "{p.key}")')
        cells.append(("code", f"#| label: {p.key}\n" + (SETUP if not cells else "") + call))
    params = ("indikator = 1\n" if notebook == INDICATOR_NOTEBOOK else "") + PARAMETERS
    return [("parameters", params)] + cells


def notebook_sources() -> dict[str, nbformat.NotebookNode]:
    """{file name: notebook} for every notebook the registry names, in report order."""
    out = {}
    for name in dict.fromkeys(p.notebook for p in PARTS):
        nb = nbformat.v4.new_notebook()
        nb.metadata = {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
        for kind, source in _cells(name):
            meta = {"tags": ["parameters"]} if kind == "parameters" else {}
            cell = nbformat.v4.new_code_cell(source, metadata=meta)
            cell.id = f"{name.replace('_', '-')}-{len(nb.cells)}"
            nb.cells.append(cell)
        out[f"{name}.ipynb"] = nb
    return out


def lift_headings(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Move each chapter title a cell displayed (metadata kind ``heading``) into a Markdown cell before it.

    Quarto takes a chapter's title, for the sidebar, the page title and the navigation, from the
    notebook's Markdown cells, not from what its code cells display; the title is computed (the
    indicator's number and name come from the instrument), so it is moved there after execution.
    """
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            headings = [o for o in cell.get("outputs", [])
                        if o.get("metadata", {}).get(MIME_META, {}).get("kind") == "heading"]
            for i, out in enumerate(headings):
                md = out["data"]["text/markdown"]
                heading = nbformat.v4.new_markdown_cell("".join(md) if isinstance(md, list) else md)
                heading.id = f"{cell.get('id', 'cell')}-rubrik-{i}"
                cells.append(heading)
            if headings:
                cell.outputs = [o for o in cell.outputs if all(o is not h for h in headings)]
        cells.append(cell)
    nb.cells = cells
    return nb
