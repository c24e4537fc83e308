"""Registrations as CSV files: the alternative to the .xlsx registration file.

A folder ``<year>_<slug>/`` holds the same sheets as CSV files, named like the
sheets: ``Uppgifter.csv`` and one file per survey used (``Personal.csv``,
``Deltagare pågående.csv`` …; ``Instruktioner.csv`` may be there and is not
read). Each file has the sheet's layout, cell for cell: row 1 the column names,
row 2 the question texts, data from row 3; ``Uppgifter.csv`` has förbund in B1,
year in B2 and the populations from row 5. Files are UTF-8 (with or without a
byte order mark), separated by commas or semicolons (each file is sniffed on
its own); with semicolons a decimal comma is read as a decimal.

Every check of the .xlsx reader applies (the same code reads the rows, see
:func:`nns.registration.sheets.read_sheets`); messages name the folder, the CSV file,
and row and column as an Excel letter, as the file would show when opened in
Excel: ``2022_arvika-eda, Personal.csv!D17``.

Values: an empty field is an empty cell; a field that is an integer
(``4``, ``-1``) or a decimal (``3.5``, with semicolons also ``3,5``) is a number;
anything else is text, kept as typed (so ``4 `` with a space is text, as in
Excel, and refused where a number belongs).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from nns.errors import ProblemList
from nns.instrument import Instrument
from nns.registration.model import DIR_RE, INFO_SHEET, INSTRUCTIONS_SHEET, MAX_FILE_BYTES, Registration
from nns.registration.sheets import Reporter, Sheet, Unreadable, read_sheets
from nns.registration.values import clean

# ASCII digits only (not \d, which matches every Unicode digit): a full-width '５' is text, as in Excel.
_INT_RE = re.compile(r"[+-]?[0-9]+")
_DEC_POINT_RE = re.compile(r"[+-]?[0-9]+\.[0-9]+")
_DEC_COMMA_RE = re.compile(r"[+-]?[0-9]+,[0-9]+")
#: Words of the header rows, used to tell which separator a file uses.
_HEADER_WORDS = {"enkät nr", "enkät", "kön", "anställning", "målpopulation", "undersökt population",
                 "samordningsförbund", "år"}


def csv_value(field: str, delimiter: str = ","):
    """A CSV field typed as the same cell in Excel would be.

    >>> csv_value(""), csv_value("4"), csv_value("3.5"), csv_value("3,5", ";"), csv_value("4 "), csv_value("Ja")
    (None, 4, 3.5, 3.5, '4 ', 'Ja')
    >>> csv_value("５"), csv_value("٤")
    ('５', '٤')
    """
    if field == "":
        return None
    if _INT_RE.fullmatch(field):
        return int(field)
    if _DEC_POINT_RE.fullmatch(field):
        return float(field)
    if delimiter == ";" and _DEC_COMMA_RE.fullmatch(field):
        return float(field.replace(",", "."))
    return field


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise Unreadable(f"Filen {name} innehåller binära data (NUL-tecken) och är ingen textfil. "
                         "Spara den som CSV (UTF-8).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Unreadable(f"Filen {name} är inte UTF-8-kodad (ogiltigt tecken på rad {line}). "
                         "Spara den som 'CSV UTF-8 (kommaavgränsad)'.") from None


def _delimiter(text: str) -> str:
    """Comma or semicolon: whichever splits the header rows into known column names."""
    head = text.splitlines()[:6]

    def score(d: str) -> tuple[int, int]:
        try:
            rows = list(csv.reader(head, delimiter=d))
        except csv.Error:
            return (-1, 0)
        known = sum(1 for row in rows for f in row
                    if " ".join(f.split()).casefold() in _HEADER_WORDS or re.fullmatch(r"(?i)fråga [0-9]+", f.strip()))
        return (known, head[0].count(d) if head else 0)

    return max((",", ";"), key=score)


def _csv_rows(path: Path):
    data = path.read_bytes()
    text = _decode(data, path.name)
    d = _delimiter(text)
    try:
        for fields in csv.reader(io.StringIO(text, newline=""), delimiter=d, strict=True):
            yield tuple(csv_value(f, d) for f in fields)
    except csv.Error as exc:
        raise Unreadable(f"Filen {path.name} är ingen giltig CSV-fil ({clean(str(exc))}). "
                         "Spara den på nytt som CSV (UTF-8).") from None


def read_csv_registration(path: str | Path, instrument: Instrument, problems: ProblemList) -> Registration | None:
    """Read a CSV registration: the folder ``<year>_<slug>/``, or one CSV file in it.

    Returns the registration (also with errors, for further checks) or None
    when the folder cannot be read at all; every problem goes to ``problems``.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv" and not path.is_dir():
        if not path.exists():
            problems.error(path.name, None, None, "Filen finns inte.")
            return None
        path = path.parent
    name = path.name
    rep = Reporter(problems, name, csv=True)
    if not path.is_dir():
        problems.error(name, None, None, "Mappen finns inte.")
        return None
    m = DIR_RE.match(name)
    if not m:
        problems.error(name, None, None,
                       "En registrering som CSV-filer ska ligga i en mapp som heter <år>_<förbund> med små bokstäver, "
                       "till exempel 2022_arvika-eda, med Uppgifter.csv och en CSV-fil per enkät.")
        return None
    sheets = []
    try:
        entries = sorted(p for p in path.iterdir() if not p.name.startswith((".", "~$")))
    except OSError as exc:
        problems.error(name, None, None, f"Mappen kan inte läsas ({type(exc).__name__}).")
        return None
    for p in entries:
        if p.is_dir() or p.suffix.lower() != ".csv":
            problems.warning(f"{name}/{clean(p.name)}", None, None,
                             "Bara CSV-filer (.csv) läses; den här ignoreras.")
            continue
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.error(f"{name}/{clean(p.name)}", None, None,
                           f"Filen är {size / 2**20:.1f} MB; största tillåtna storlek är {MAX_FILE_BYTES // 2**20} MB.")
            continue
        key = p.name[: -len(p.suffix)]
        if key == INSTRUCTIONS_SHEET:
            continue
        sheets.append(Sheet(key=key, title=p.name, rows=lambda p=p: _csv_rows(p), strict_width=True))
    if not any(s.key == INFO_SHEET for s in sheets) and not sheets and not entries:
        problems.error(name, None, None, "Mappen är tom; den ska innehålla Uppgifter.csv och en CSV-fil per enkät.")
        return None
    return read_sheets(sheets, rep, int(m["year"]), m["slug"], instrument)


__all__ = ["read_csv_registration", "csv_value"]
