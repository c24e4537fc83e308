"""Reading an .xlsx registration file (openpyxl in read-only mode, no formulas evaluated, no macros run)."""
from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from nns.errors import ProblemList
from nns.instrument import Instrument
from nns.registration.container import check_container, scan_workbook
from nns.registration.model import FILE_RE, INSTRUCTIONS_SHEET, Registration
from nns.registration.sheets import Reporter, Sheet, damaged, read_sheets


def read_xlsx(path: str | Path, instrument: Instrument, problems: ProblemList) -> Registration | None:
    """Read one .xlsx registration file; every problem found goes to ``problems``.

    Returns the registration (also when it has errors, for further checks), or
    None when the file cannot be read at all.
    """
    path = Path(path)
    name = path.name
    if not check_container(path, problems):
        return None
    m = FILE_RE.match(name)
    if not m:
        problems.error(name, None, None,
                       "Filnamnet ska vara <år>_<förbund>.xlsx med små bokstäver, till exempel 2022_arvika-eda.xlsx "
                       "(skapa filen med 'nnsreport template').")
        return None
    rep = Reporter(problems, name)
    try:
        parts = scan_workbook(path)
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False, keep_vba=False)
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
                                hidden_rows=part.hidden_rows, hidden_cols=part.hidden_cols))
        return read_sheets(sheets, rep, int(m["year"]), m["slug"], instrument)
    finally:
        wb.close()

