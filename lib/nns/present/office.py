"""What the office files (resultat.xlsx, presentation.pptx) share: printed cells as typed values, fixed dates.

A table's printed grid (:func:`nns.present.records.grid`) holds each number as the report prints it
('78 %', '(78 %)', '1 629', '–', '..'). :func:`typed` reads such a text back into the number it prints, exactly
inverting :func:`nns.spec.model.display_value`: a text is a number only when printing that number gives the
text again, so a label such as '2022' or 'Fråga 5' stays text. Both files are built from the grids and figures
the notebooks recorded, never from a new computation: their numbers equal figures.csv by construction.

Office files are zip archives whose entries carry a date; :func:`fixed_zip` gives every entry the report's
source date, so that the same inputs give the same bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from nns.spec.model import DASH, PRINTED, SUPPRESSED
from nns.text import fmt_int, fmt_pct

__all__ = ["Typed", "typed", "MARKS", "split_n", "fixed_zip", "rgb", "PERCENT", "PAREN_PERCENT", "COUNT", "TEXT"]

#: The kinds of a printed cell: a share ('78%'), a share in parentheses ('(78%)', klart positivt), a count, text.
PERCENT, PAREN_PERCENT, COUNT, TEXT = "percent", "paren_percent", "count", "text"

_PERCENT = re.compile(r"^(\d{1,3})\u00a0%$")
_PAREN_PERCENT = re.compile(r"^\((\d{1,3})\u00a0%\)$")
#: The marks a table prints after a number (nns.spec.tables.CHANGE_MARKS).
MARKS = ("\u00a0↑", "\u00a0↓")
_COUNT = re.compile(r"^−?\d[\d\u00a0]*$")
#: A row label that carries its number of answers, as tables of the categories and yes/no layouts print it.
_WITH_N = re.compile(r"^(?P<label>.*) \(n=(?P<n>[^()]*)\)$")


@dataclass(frozen=True)
class Typed:
    """A printed cell as a value for a spreadsheet: a share as a fraction (0.78), a count as an int, or text."""

    value: float | int | str
    kind: str
    text: str
    #: a mark printed after the number (a statistically clear change: ' ↑', ' ↓'), kept by the number format
    mark: str = ""

    @property
    def number(self) -> bool:
        return self.kind != TEXT

    @property
    def suppressed(self) -> bool:
        return self.text == PRINTED[SUPPRESSED]


def typed(text) -> Typed:
    """The value a printed cell shows.

    >>> [(t.value, t.kind) for t in map(typed, ["78\\u00a0%", "(78\\u00a0%)", "1\\u00a0629", "−3", "–", "..", "2022", "Ökning"])]
    [(0.78, 'percent'), (0.78, 'paren_percent'), (1629, 'count'), (-3, 'count'), ('–', 'text'), ('..', 'text'), ('2022', 'text'), ('Ökning', 'text')]
    """
    s = "" if text is None else str(text)
    for mark in MARKS:
        if s.endswith(mark) and len(s) > len(mark):
            cell = typed(s[:-len(mark)])
            if cell.number:
                return Typed(cell.value, cell.kind, s, mark)
    if m := _PERCENT.match(s):
        if fmt_pct(int(m.group(1))) == s:
            return Typed(int(m.group(1)) / 100, PERCENT, s)
    if m := _PAREN_PERCENT.match(s):
        if f"({fmt_pct(int(m.group(1)))})" == s:
            return Typed(int(m.group(1)) / 100, PAREN_PERCENT, s)
    if _COUNT.match(s):
        n = int(s.replace("\u00a0", "").replace("−", "-"))
        if fmt_int(n) == s:
            return Typed(n, COUNT, s)
    return Typed(s, TEXT, s)


def split_n(label: str) -> tuple[str, str | None]:
    """A row label and the number of answers printed in it ('samtliga (n=1 629)'), or (label, None).

    >>> split_n("samtliga (n=1\\u00a0629)"), split_n("kvinnor (n=..)"), split_n("Antal svar")
    (('samtliga', '1\\xa0629'), ('kvinnor', '..'), ('Antal svar', None))
    """
    m = _WITH_N.match(label)
    if not m:
        return label, None
    n = m.group("n")
    if n in (PRINTED[DASH], PRINTED[SUPPRESSED]) or typed(n).kind == COUNT:
        return m.group("label"), n
    return label, None


def fixed_zip(data: bytes, when: datetime) -> bytes:
    """The zip archive ``data`` with every entry dated ``when`` (entries, order and contents unchanged).

    Python's zipfile dates an entry with the time it is written; a file written twice from the same
    inputs must have the same bytes.
    """
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def rgb(colour: str) -> tuple[int, int, int]:
    """'#0072B2' as (0, 114, 178).

    >>> rgb("#0072B2")
    (0, 114, 178)
    """
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
