"""The .xlsx container: size, zip, encryption, and what the workbook XML says about each sheet."""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree as ET

from nns.errors import ProblemList
from nns.registration.model import MAX_FILE_BYTES, MAX_UNPACKED_BYTES
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
    if any(n.startswith("xl/vbaProject") for n in names):
        problems.warning(name, None, None, "Filen innehåller makron; de körs inte och ignoreras.")
    return True


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MERGE_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([^\"']*)[\"']")
_ROW_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_COL_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?col\b([^>]*)>")
_ATTR_RE = re.compile(rb"\b([A-Za-z_:][\w.:-]*)\s*=\s*[\"']([^\"']*)[\"']")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR_RE.findall(raw)}


def _true(v: bytes | None) -> bool:
    return v in (b"1", b"true")


@dataclass
class SheetPart:
    """What the workbook XML says about one sheet (read-only openpyxl does not tell)."""

    name: str
    state: str
    part: str
    kind: str                 # "worksheet" or another sheet type (chart sheet, dialog sheet ...)
    merged: list
    hidden_rows: set
    hidden_cols: set


def scan_workbook(path: Path) -> list[SheetPart]:
    """Every sheet in workbook order: name, visibility, merged ranges, hidden rows and columns."""
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
            merged, hidden_rows, hidden_cols = [], set(), set()
            if part in names and kind == "worksheet":
                data = zf.read(part)
                merged = [m.decode("ascii", "replace") for m in _MERGE_RE.findall(data)]
                for raw in _ROW_RE.findall(data):
                    a = _attrs(raw)
                    if _true(a.get(b"hidden")) or (a.get(b"ht") in (b"0", b"0.0") and _true(a.get(b"customHeight"))):
                        if a.get(b"r", b"").isdigit():
                            hidden_rows.add(int(a[b"r"]))
                for raw in _COL_RE.findall(data):
                    a = _attrs(raw)
                    if _true(a.get(b"hidden")) or a.get(b"width") in (b"0", b"0.0"):
                        lo, hi = a.get(b"min", b""), a.get(b"max", b"")
                        if lo.isdigit() and hi.isdigit():
                            hidden_cols.update(range(int(lo), min(int(hi), 16384) + 1))
            out.append(SheetPart(name=sheet.get("name") or "", state=sheet.get("state") or "visible", part=part,
                                 kind=kind or "okänd", merged=merged, hidden_rows=hidden_rows, hidden_cols=hidden_cols))
    return out

