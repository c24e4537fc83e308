"""Reading an .xlsx registration file (openpyxl, no formulas evaluated, no macros run).

A workbook is read in openpyxl's read-only mode (streaming, fast) when every sheet stores its
rows and cells in order, as Excel and LibreOffice write them; read-only mode skips or
misplaces what comes out of order. A workbook with a sheet stored out of order (some other
programs write such files) is read in openpyxl's full mode, which places every cell by its
reference as Excel and LibreOffice show it. A row or cell stored twice is refused: which copy
counts cannot be told.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from openpyxl import load_workbook

from nns.errors import ProblemList
from nns.instrument import Instrument
from nns.registration.container import DUPLICATES_LISTED, SheetPart, check_container, scan_workbook
from nns.registration.model import FILE_RE, INSTRUCTIONS_SHEET, MAX_CELLS_REORDERED, Registration
from nns.registration.sheets import Reporter, Sheet, damaged, read_sheets
from nns.registration.values import cell_ref
from nns.text import fmt_int

#: What the messages below tell the user to do with a file stored in an unusual way.
RESAVE = "Öppna filen i Excel och spara om den som Excel-arbetsbok (.xlsx)."


def read_xlsx(path: str | Path, instrument: Instrument, problems: ProblemList,
              named: bool = True) -> Registration | None:
    """Read one .xlsx registration file; every problem found goes to ``problems``.

    The content is checked whatever the file is called. With ``named`` (files in the registration folder)
    the name must be ``<year>_<slug>.xlsx`` and agree with the förbund and year inside; without it (files
    as received, :mod:`nns.registration.receive`) the name is not looked at.
    Returns the registration (also when it has errors, for further checks), or
    None when the file cannot be read at all.
    """
    path = Path(path)
    name = path.name
    if not check_container(path, problems):
        return None
    m = FILE_RE.match(name)
    if named and not m:
        problems.error(name, None, None,
                       "Filnamnet ska vara <år>_<förbund>.xlsx med små bokstäver, till exempel 2022_arvika-eda.xlsx. "
                       "Innehållet kontrolleras ändå nedan; 'nnsreport ta-emot' sparar filen med rätt namn i rätt "
                       "mapp.")
    rep = Reporter(problems, name)
    try:
        parts = scan_workbook(path)
        refused = _refused(parts, rep)
        by_reference = [p for p in parts if p.kind == "worksheet" and p.disorder and p.name not in refused
                        and p.name != INSTRUCTIONS_SHEET]
        if by_reference and sum(p.cells for p in parts) > MAX_CELLS_REORDERED:
            for p in by_reference:
                rep.error(p.name, None, f"{_stored_out_of_order(p)}, och filen har för många celler "
                                        f"({fmt_int(sum(q.cells for q in parts))}; högst {fmt_int(MAX_CELLS_REORDERED)}) "
                                        f"för att läsas i rätt ordning. {RESAVE}")
                refused.add(p.name)
            by_reference = []
        with warnings.catch_warnings():  # full mode warns about parts it would drop on saving; nothing is saved
            warnings.simplefilter("ignore", UserWarning)
            wb = load_workbook(path, read_only=not by_reference, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl and the XML parser raise many kinds on broken files
        problems.error(name, None, None, damaged("Filen kan inte läsas som Excel-arbetsbok", exc, path))
        return None
    try:
        worksheets = {}
        for ws in wb.worksheets:
            worksheets.setdefault(ws.title, ws)
        sheets = []
        for part in parts:
            ws = worksheets.get(part.name)
            if part.kind != "worksheet" or ws is None:
                if part.name in (INSTRUCTIONS_SHEET,):
                    continue
                rep.error(part.name, None, "Bladet är inget vanligt kalkylblad (till exempel ett diagramblad) "
                                           "och kan inte läsas. Ta bort det.")
                continue
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # the stored size may be wrong: read every row that is there
            sheets.append(Sheet(key=part.name, title=part.name,
                                rows=lambda ws=ws: ws.iter_rows(values_only=True),
                                state=part.state, merged=part.merged,
                                hidden_rows=part.hidden_rows, hidden_cols=part.hidden_cols,
                                failed=part.name in refused))
        return read_sheets(sheets, rep, int(m["year"]) if named and m else None,
                           m["slug"] if named and m else None, instrument)
    finally:
        wb.close()


def _refused(parts: list[SheetPart], rep: Reporter) -> set[str]:
    """The sheets that cannot be read as they are stored (each reported): damaged XML, a row or
    cell stored twice, or stored out of order and too large to look for duplicates."""
    refused = set()
    for p in parts:
        if p.kind != "worksheet" or p.name == INSTRUCTIONS_SHEET:
            continue
        if p.broken is not None:
            rep.error(p.name, None, damaged("Bladet kan inte läsas", p.broken))
        elif p.duplicates:
            twice = ("Excel och LibreOffice visar bara en av dem, och det går inte att avgöra vilken som gäller. "
                     "Filen är skadad eller sparad på ett ovanligt sätt (av ett annat program än Excel).")
            for r in p.duplicate_rows:
                rep.error(p.name, None, f"Rad {r} finns två gånger i filen (två rader med nummer {r} i bladets "
                                        f"XML). {twice} Kontrollera rad {r}. {RESAVE}")
            for r, c in p.duplicate_cells:
                rep.error(p.name, cell_ref(c, r), f"Cellen {cell_ref(c, r)} finns två gånger i filen. {twice} "
                                                  f"Kontrollera cellen. {RESAVE}")
            listed = len(p.duplicate_rows) + len(p.duplicate_cells)
            if p.duplicates > listed:
                rep.error(p.name, None, f"… och {p.duplicates - listed} rader eller celler till som finns två gånger "
                                        f"(de första {DUPLICATES_LISTED} av varje slag visas).")
        elif p.disorder and not p.positions_kept:
            rep.error(p.name, None, f"{_stored_out_of_order(p)}, och bladet har för många celler ({fmt_int(p.cells)}) "
                                    f"för att läsas i rätt ordning. {RESAVE}")
        else:
            continue
        refused.add(p.name)
    return refused


def _stored_out_of_order(p: SheetPart) -> str:
    row, col = p.disorder
    what = f"rad {row}" if col == 0 else f"cellen {cell_ref(col, row)}"
    return (f"Bladets rader och celler är lagrade i oordning i filen ({what} kommer efter rader eller celler som "
            "står längre ner), som bara vissa andra program än Excel sparar dem")
