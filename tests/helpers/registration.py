"""Helpers for the registration tests: copy a demo file, mutate one thing, check, ingest.

tests/unit/test_registration_helpers.py checks the helpers themselves.
"""
from __future__ import annotations

import copy
import csv
import io
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl

from nns.config import ROOT
from nns.errors import RegistrationError
from nns.registration.aggregate import aggregate
from nns.registration.container import scan_workbook
from nns.registration.ingest import ingest
from nns.registration.model import TEMPLATE_ROWS, survey_columns
from nns.registration.read import check_files

DEMO = ROOT / "data" / "registration"
LAYER = ROOT / "data" / "aggregated"
#: The base of most bad files: 2022, all six surveys, 36 Personal rows.
BASE = DEMO / "2022" / "2022_jamtland.xlsx"
BASE_NAME = BASE.name
#: A second, untouched (small) file of the same year that goes into every isolated ingest.
OTHER = DEMO / "2022" / "2022_vasterdalarna.xlsx"


# --- making bad files ----------------------------------------------------------------

def mutate_xlsx(src: Path, dst: Path, fn) -> Path:
    """Load ``src`` with openpyxl (full mode), apply ``fn(wb)``, save as ``dst``."""
    wb = openpyxl.load_workbook(src)
    fn(wb)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def zip_parts(src: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(src) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def write_zip(parts: dict[str, bytes], dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return dst


def mutate_zip(src: Path, dst: Path, fn) -> Path:
    """Rewrite the .xlsx's parts: ``fn(parts)`` edits the dict name -> bytes in place."""
    parts = zip_parts(src)
    fn(parts)
    return write_zip(parts, dst)


def sheet_part(src: Path, title: str) -> str:
    """The zip part holding the sheet called ``title``."""
    return next(p.part for p in scan_workbook(src) if p.name == title)


# --- sheet XML stored as other programs store it -------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: The namespaces of a Strict Open XML workbook (in place of the transitional ones).
STRICT_NAMESPACES = {
    MAIN_NS: "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
}


def edit_sheet_xml(title: str, fn, src: Path = BASE):
    """A zip-part editor (for :func:`mutate_zip`): ``fn(sheet_data)`` rearranges the ``<row>`` and
    ``<c>`` elements of the sheet called ``title`` (ElementTree elements, in stored order)."""
    def edit(parts):
        part = sheet_part(src, title)
        ET.register_namespace("", MAIN_NS)
        root = ET.fromstring(parts[part])
        fn(root.find(f"{{{MAIN_NS}}}sheetData"))
        parts[part] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return edit


def _row(sheet_data, number: int):
    return next(r for r in sheet_data if r.get("r") == str(number))


def reverse_rows(sheet_data) -> None:
    """The data rows (from row 3) stored in reverse order, after the two header rows."""
    rows = [r for r in sheet_data if int(r.get("r")) >= 3]
    for r in rows:
        sheet_data.remove(r)
    sheet_data.extend(reversed(rows))


def move_row(number: int, before: int | None = None):
    """Row ``number`` stored at the end of the sheet data, or just before row ``before``."""
    def fn(sheet_data):
        row = _row(sheet_data, number)
        sheet_data.remove(row)
        if before is None:
            sheet_data.append(row)
        else:
            sheet_data.insert(list(sheet_data).index(_row(sheet_data, before)), row)
    return fn


def move_cell(ref: str):
    """Cell ``ref`` stored last in its row."""
    def fn(sheet_data):
        row = _row(sheet_data, int(re.sub(r"[A-Z]+", "", ref)))
        cell = next(c for c in row if c.get("r") == ref)
        row.remove(cell)
        row.append(cell)
    return fn


def cell_into_row(ref: str, number: int):
    """Cell ``ref`` stored inside the element of row ``number`` (its reference still says where it is)."""
    def fn(sheet_data):
        own = _row(sheet_data, int(re.sub(r"[A-Z]+", "", ref)))
        cell = next(c for c in own if c.get("r") == ref)
        own.remove(cell)
        _row(sheet_data, number).append(cell)
    return fn


def duplicate_row(number: int, ref: str, value: str):
    """A second ``<row r="number">`` right after the first, with cell ``ref`` holding ``value``."""
    def fn(sheet_data):
        row = _row(sheet_data, number)
        twin = copy.deepcopy(row)
        for c in twin:
            if c.get("r") == ref:
                c.find(f"{{{MAIN_NS}}}v").text = value
        sheet_data.insert(list(sheet_data).index(row) + 1, twin)
    return fn


def duplicate_cell(ref: str, value: str):
    """A second ``<c r="ref">`` in the same row, right after the first, holding ``value``."""
    def fn(sheet_data):
        row = _row(sheet_data, int(re.sub(r"[A-Z]+", "", ref)))
        cell = next(c for c in row if c.get("r") == ref)
        twin = copy.deepcopy(cell)
        twin.find(f"{{{MAIN_NS}}}v").text = value
        row.insert(list(row).index(cell) + 1, twin)
    return fn


def strict_namespaces(parts) -> None:
    """The workbook as Excel saves it as "Strict Open XML Spreadsheet": other namespaces in every part."""
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            for old, new in STRICT_NAMESPACES.items():
                data = data.replace(old.encode(), new.encode())
            parts[name] = data


def to_csv_dir(src: Path, dst_dir: Path, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """The registration as a CSV folder, one file per sheet, laid out cell for cell."""
    wb = openpyxl.load_workbook(src, read_only=True)
    dst_dir.mkdir(parents=True, exist_ok=True)
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in rows), default=0)
        buf = io.StringIO(newline="")
        w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        for r in rows:
            w.writerow(["" if v is None else v for v in r] + [""] * (width - len(r)))
        (dst_dir / f"{ws.title}.csv").write_bytes(buf.getvalue().encode(encoding))
    wb.close()
    return dst_dir


# --- checking and ingesting ------------------------------------------------------------

def check(paths, instrument):
    return check_files([Path(p) for p in paths], instrument)


def messages(problems) -> list[str]:
    return [str(p) for p in problems.problems]


def layer_bytes(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def layer_of(instrument, regs):
    return aggregate(instrument, regs)


def same_layer(a: dict, b: dict) -> bool:
    return all(a[k].reset_index(drop=True).equals(b[k].reset_index(drop=True)) for k in a)


def copy_layer(dst: Path, years=None, src: Path = LAYER) -> Path:
    """A copy of an aggregated layer (the committed one by default) holding only ``years`` (all: None)."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.iterdir()):
        lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
        keep = lines[:1] + [x for x in lines[1:] if years is None or int(x.split(",", 1)[0]) in years]
        (dst / f.name).write_text("".join(keep), encoding="utf-8")
    return dst


def isolated_ingest(tmp_path: Path, instrument, entries: list[Path], year: int = 2022, layer: Path = LAYER):
    """Ingest a registration tree holding ``entries`` (each in its year folder) and OTHER
    into a copy of ``layer`` (an aggregated layer: the committed one by default), restricted
    to the tree's years (a full ingest refuses to drop the others).

    Returns (exception or None, layer bytes before, layer bytes after).
    """
    reg = tmp_path / "ingest_registration"
    out = tmp_path / "ingest_aggregated"
    if out.exists():
        shutil.rmtree(out)
    years = {year} | {int(e.parent.name) for e in entries if e.parent.name.isdigit()}
    copy_layer(out, years, layer)
    ydir = reg / str(year)
    ydir.mkdir(parents=True, exist_ok=True)
    if not (ydir / OTHER.name).exists():
        shutil.copy(OTHER, ydir / OTHER.name)
    for e in entries:  # each keeps its year folder
        target = reg / e.parent.name / e.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if e.is_dir():
            shutil.copytree(e, target)
        else:
            shutil.copy(e, target)
    before = layer_bytes(out)
    try:
        ingest(reg, out, instrument)
        exc = None
    except RegistrationError as e:
        exc = e
    return exc, before, layer_bytes(out)


# --- the template ---------------------------------------------------------------------------

def expected_columns(instrument, survey, year: int) -> list[tuple[str, str]]:
    """(header, row-2 text) of each column of a survey sheet in ``year``'s template."""
    return [(h, text) for h, text, _ in survey_columns(instrument, survey, year)]


def template_validations(ws) -> dict[str, object]:
    """Column letter (of the data range) -> its DataValidation, in a template's survey sheet."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            m = re.fullmatch(r"([A-Z]+)3:\1(\d+)", rng)
            if m:
                assert int(m[2]) == 2 + TEMPLATE_ROWS
                out[m[1]] = dv
    return out
