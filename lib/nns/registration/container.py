"""The .xlsx container: size, zip, encryption, Strict Open XML, and what the XML says about each
sheet: visibility, merged cells, hidden rows and columns, and whether its rows and cells are
stored in order (and none twice), which decides how :mod:`nns.registration.xlsx` reads it."""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from defusedxml import DTDForbidden
from defusedxml import ElementTree as ET
from openpyxl.utils.cell import coordinate_to_tuple

from nns.errors import ProblemList
from nns.registration.model import MAX_CELLS_REORDERED, MAX_FILE_BYTES, MAX_UNPACKED_BYTES
from nns.registration.values import clean

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_container(path: Path, problems: ProblemList) -> bool:
    """The file exists, is not too large, and is an .xlsx zip that is not encrypted."""
    name = path.name
    if not path.exists():
        problems.error(name, None, None, "Filen finns inte.")
        return False
    if not path.is_file():
        problems.error(name, None, None, "Det här är ingen fil.")
        return False
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.error(name, None, None,
                       f"Filen är {size:,} byte ({size / 2**20:.1f} MB); största tillåtna storlek är "
                       f"{MAX_FILE_BYTES // 2**20} MB ({MAX_FILE_BYTES:,} byte). Ta bort bilder och formatering "
                       "av tomma rader, eller dela upp den.".replace(",", " "))
        return False
    if size == 0:
        problems.error(name, None, None, "Filen är tom (0 byte). Skicka filen på nytt.")
        return False
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        problems.error(name, None, None,
                       "Filen är lösenordsskyddad (krypterad) eller sparad i det gamla .xls-formatet. "
                       "Ta bort lösenordet och spara som Excel-arbetsbok (.xlsx).")
        return False
    if not zipfile.is_zipfile(path):
        problems.error(name, None, None,
                       "Filen är ingen Excel-arbetsbok (.xlsx) eller är skadad/avkortad. Spara om den i Excel som .xlsx.")
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if any(i.flag_bits & 0x1 for i in infos):
                problems.error(name, None, None,
                               "Filen är lösenordsskyddad (krypterad). Ta bort lösenordet och spara om den som .xlsx.")
                return False
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED_BYTES:
                problems.error(name, None, None,
                               f"Filens innehåll är {unpacked / 2**20:.0f} MB uppackat; högst "
                               f"{MAX_UNPACKED_BYTES // 2**20} MB är tillåtet.")
                return False
            bad = zf.testzip()
            strict = "xl/workbook.xml" in names and _is_strict(zf.read("xl/workbook.xml"))
    except Exception as exc:  # BadZipFile, EOFError, NotImplementedError (compression), RuntimeError ...
        problems.error(name, None, None,
                       f"Filen är skadad eller avkortad och kan inte läsas ({type(exc).__name__}: {clean(str(exc))}). "
                       "Spara om den i Excel som .xlsx.")
        return False
    if bad is not None:
        problems.error(name, None, None,
                       f"Filen är skadad eller avkortad (delen {clean(bad)} går inte att packa upp). Spara om den i Excel.")
        return False
    if "xl/workbook.xml" not in names:
        problems.error(name, None, None,
                       "Filen saknar en Excel-arbetsbok (xl/workbook.xml); är det verkligen en Excel-fil (.xlsx)?")
        return False
    if strict:
        problems.error(name, None, None,
                       "Filen är sparad som 'Strikt Open XML-kalkylblad' (Strict Open XML), som inte kan läsas. "
                       "Öppna den i Excel och spara den som vanlig 'Excel-arbetsbok (.xlsx)' (Arkiv > Spara som).")
        return False
    if any(n.startswith("xl/vbaProject") for n in names):
        problems.warning(name, None, None, "Filen innehåller makron; de körs inte och ignoreras.")
    return True


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: The namespace of "Strict Open XML" workbooks, which openpyxl (and so nnsreport) cannot read.
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
#: Excel's last column (XFD).
MAX_COLUMNS = 16384
#: Duplicated rows and cells listed per sheet at most (the rest are counted).
DUPLICATES_LISTED = 10


def _is_strict(workbook_xml: bytes) -> bool:
    """Whether the workbook part is in the namespace of Strict Open XML (a part that cannot be
    parsed is not: reading the workbook reports it)."""
    try:
        return ET.fromstring(workbook_xml).tag.startswith(f"{{{NS_STRICT}}}")
    except Exception:
        return False


def _true(v: str | None) -> bool:
    return v in ("1", "true")


@dataclass
class SheetPart:
    """What the sheet XML says about one sheet (read-only openpyxl does not tell).

    ``disorder`` is the first place where the sheet data are not stored row after row and,
    within a row, cell after cell, as Excel writes them: (row, column) of the cell stored out
    of place, column 0 for a row. openpyxl's read-only mode would skip or misplace cells
    there, so such a sheet must be read by cell reference.
    """

    name: str
    state: str
    part: str
    kind: str                 # "worksheet" or another sheet type (chart sheet, dialog sheet ...)
    merged: list = field(default_factory=list)
    hidden_rows: set = field(default_factory=set)
    hidden_cols: set = field(default_factory=set)
    cells: int = 0                                          # cell elements in the sheet data
    disorder: tuple[int, int] | None = None
    duplicate_rows: list = field(default_factory=list)      # row numbers stored twice (the first few)
    duplicate_cells: list = field(default_factory=list)     # (row, column) stored twice, not in those rows
    duplicates: int = 0                                     # duplicated rows and cells, all of them
    positions_kept: bool = True                             # False: too many cells to look for duplicates
    broken: Exception | None = None                         # the sheet XML cannot be parsed


class _SheetScan:
    """One pass over a sheet's XML: merges, hidden rows and columns, and where every row and
    cell is stored, placed as openpyxl places them (a row's ``r``, else the previous row + 1;
    a cell's ``r``, else the previous cell + 1; every child element of a row is a cell)."""

    ROW, COL, MERGE = f"{_NS_MAIN} row", f"{_NS_MAIN} col", f"{_NS_MAIN} mergeCell"

    def __init__(self, part: SheetPart, keep: int):
        self.p = part
        self.keep = keep                      # rows and cells remembered (to find duplicates), at most
        self.depth = 0
        self.row_depth = -1                   # depth of the open row element (-1: none open)
        self.row = self.col = 0               # openpyxl's counters: this row, the previous cell's column
        self.last_row = 0                     # the highest row stored so far
        self.rows: set | None = set()
        self.cells: set | None = set()
        self.dup_rows: set = set()

    def start(self, name: str, attrs: dict) -> None:
        depth = self.depth = self.depth + 1
        open_row = self.row_depth
        if open_row >= 0:                               # inside a row: a cell, or inside a cell
            if name == self.ROW:
                raise ValueError("a row element inside a row element")
            if depth == open_row + 1:
                self._cell(attrs.get("r"))
            return
        if name == self.ROW:
            self._row(attrs)
            self.row_depth = depth
        elif name == self.MERGE:
            self.p.merged.append(attrs.get("ref") or "")
        elif name == self.COL:
            if _true(attrs.get("hidden")) or attrs.get("width") in ("0", "0.0"):
                lo, hi = attrs.get("min", ""), attrs.get("max", "")
                if lo.isascii() and lo.isdigit() and hi.isascii() and hi.isdigit():
                    self.p.hidden_cols.update(range(int(lo), min(int(hi), MAX_COLUMNS) + 1))

    def end(self, name: str) -> None:
        if self.depth == self.row_depth:
            self.row_depth = -1
        self.depth -= 1

    def _cell(self, ref: str | None) -> None:
        p = self.p
        row, col = _cell_position(ref) if ref else (self.row, self.col + 1)
        if row < 1 or not 1 <= col <= MAX_COLUMNS:
            raise ValueError(f"the cell {ref or (row, col)!r} is outside the sheet")
        if (row != self.row or col <= self.col) and p.disorder is None:
            p.disorder = (row, col)
        self.col = col
        p.cells += 1
        cells = self.cells
        if cells is not None:
            if (row, col) in cells:
                if row not in self.dup_rows:      # a cell of a duplicated row is that row's problem
                    self._duplicate(p.duplicate_cells, (row, col))
            else:
                cells.add((row, col))
                if p.cells + len(self.rows) > self.keep:
                    self._forget()

    def _row(self, attrs: dict) -> None:
        p = self.p
        r = attrs.get("r")
        row = self.row = self.row + 1 if r is None else _row_number(r)
        if row < 1:
            raise ValueError(f"row number {r!r}")
        self.col = 0
        if row <= self.last_row and p.disorder is None:
            p.disorder = (row, 0)
        self.last_row = max(self.last_row, row)
        if self.rows is not None:
            if row in self.rows:
                self.dup_rows.add(row)
                self._duplicate(p.duplicate_rows, row)
            else:
                self.rows.add(row)
                if p.cells + len(self.rows) > self.keep:
                    self._forget()
        if _true(attrs.get("hidden")) or (attrs.get("ht") in ("0", "0.0") and _true(attrs.get("customHeight"))):
            p.hidden_rows.add(row)

    def _forget(self) -> None:
        """Too many rows and cells to remember: from here on duplicates cannot be told."""
        self.cells = self.rows = None
        self.p.positions_kept = False

    def _duplicate(self, listing: list, item) -> None:
        self.p.duplicates += 1
        if len(listing) < DUPLICATES_LISTED:
            listing.append(item)


_SIMPLE_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_COLUMN_INDEX: dict[str, int] = {}


def _cell_position(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference, as openpyxl reads it (``coordinate_to_tuple``; the
    common form ``B18`` without calling it, which is most of the scan's time)."""
    m = _SIMPLE_REF.fullmatch(ref)
    if m is None:
        return coordinate_to_tuple(ref)
    letters = m[1]
    col = _COLUMN_INDEX.get(letters)
    if col is None:
        col = _COLUMN_INDEX[letters] = coordinate_to_tuple(ref)[1]
    return int(m[2]), col


def _row_number(r: str) -> int:
    """A row element's number as openpyxl reads it ("18" and "18.0" are 18; "18.5" is refused)."""
    try:
        return int(r)
    except ValueError:
        value = float(r)
        if not value.is_integer():
            raise ValueError(f"{r} is not a valid row number") from None
        return int(value)


def _refuse_doctype(name, sysid, pubid, has_internal_subset):
    # Excel never writes a DTD; without one no entity can be declared (no entity expansion, no
    # external references): the protection defusedxml gives, raised as defusedxml's own error.
    raise DTDForbidden(name, sysid, pubid)


def _scan_sheet(data: bytes, part: SheetPart, keep: int) -> None:
    """Fill ``part`` from the sheet's XML. Direct expat: defusedxml's SAX layer doubles the time
    on the demo files; a DTD is refused (raised: the file is not read at all)."""
    scan = _SheetScan(part, keep)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    try:
        parser.Parse(data, True)
    except DTDForbidden:
        raise
    except Exception as exc:  # malformed XML, a cell reference openpyxl would refuse too ...
        part.broken = exc


def scan_workbook(path: Path) -> list[SheetPart]:
    """Every sheet in workbook order: name, visibility, merged ranges, hidden rows and columns,
    and how its rows and cells are stored (order, duplicates)."""
    out = []
    with zipfile.ZipFile(path) as zf:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        try:
            rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        except KeyError:
            rels = []
        targets = {r.get("Id"): (r.get("Target") or "", (r.get("Type") or "").rsplit("/", 1)[-1]) for r in rels}
        names = set(zf.namelist())
        for sheet in wb.iter(f"{{{_NS_MAIN}}}sheet"):
            target, kind = targets.get(sheet.get(f"{{{_NS_REL}}}id"), ("", ""))
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            part = os.path.normpath(part).replace(os.sep, "/")
            facts = SheetPart(name=sheet.get("name") or "", state=sheet.get("state") or "visible", part=part,
                              kind=kind or "okänd")
            if part in names and kind == "worksheet":
                _scan_sheet(zf.read(part), facts, MAX_CELLS_REORDERED)
            out.append(facts)
    return out
