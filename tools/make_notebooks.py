"""Write the report's notebook sources (notebooks/*.ipynb) from the cell lists below.

The notebooks are thin: a parameters cell, calls into nnsreport, display.
Run after changing a cell here:  .venv/bin/python tools/make_notebooks.py
"""
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PARAMS = '''ar = 2022
forbund = None        # None: the national report (riket); else the förbund's name
data = None           # the aggregated layer; None: the path in nnsreport.toml
installningar = None  # the run settings (a file or a dict); None: nnsreport.toml'''
SETUP = '''import nnsreport as nr

ctx = nr.context(ar, forbund, data, installningar)
'''

NOTEBOOKS = {
    # one cell for the chapter: every cell costs ~10 ms of kernel round trips,
    # and a chapter is shown whole (parts of the other notebooks are embedded by label)
    "indikator.ipynb": [
        ("parameters", "indikator = 1\n" + PARAMS),
        ("code", """#| label: kapitel
import nnsreport as nr

ctx = nr.context(ar, forbund, data, installningar)
kapitel = nr.indicator_chapter(ctx, indikator)
nr.show_markdown(kapitel.heading)
nr.show_markdown(kapitel.description)
for tabell in kapitel.tables:
    nr.show_table(tabell)
for diagram in kapitel.charts:
    nr.show_chart(diagram)
nr.show_commentary(kapitel)"""),
    ],
    # the set-up goes into the first labelled cell (a cell of its own costs a kernel round trip)
    "tabell_1_4.ipynb": [
        ("parameters", PARAMS),
        ("code", "#| label: tbl-1\n" + SETUP + "nr.show_table(nr.table_1(ctx))"),
        ("code", "#| label: bild-1\nnr.show_table(nr.categorisation(ctx))"),
        ("code", "#| label: tbl-2\nnr.show_table(nr.table_2(ctx))"),
        ("code", "#| label: tbl-3-4\nfor tabell in nr.tables_3_4(ctx):\n    nr.show_table(tabell)"),
    ],
    "tabell_20.ipynb": [
        ("parameters", PARAMS),
        ("code", "#| label: tbl-20\n" + SETUP + "nr.show_table(nr.table_20(ctx))"),
    ],
    "tabell_21.ipynb": [
        ("parameters", PARAMS),
        ("code", "#| label: tbl-21\n" + SETUP + "nr.show_table(nr.table_21(ctx))"),
    ],
    "diagram_13.ipynb": [
        ("parameters", PARAMS),
        ("code", "#| label: dia-13\n" + SETUP + "nr.show_chart(nr.diagram_13(ctx))"),
    ],
    "bilagor.ipynb": [
        ("parameters", PARAMS),
        ("code", "#| label: bilaga-1\n" + SETUP + "nr.show_table(nr.bilaga_1(ctx))"),
        ("code", "#| label: bilaga-2\nnr.show_table(nr.bilaga_2(ctx))\nnr.show_table(nr.scales(ctx))"),
    ],
}


def build(name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for kind, source in cells:
        if kind == "parameters":
            cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})
        else:
            cell = nbformat.v4.new_code_cell(source)
        cell.id = f"{Path(name).stem.replace('_', '-')}-{len(nb.cells)}"
        nb.cells.append(cell)
    return nb


def main():
    out = ROOT / "notebooks"
    out.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), out / name)
        print("wrote", out / name)


if __name__ == "__main__":
    main()
