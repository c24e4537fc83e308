"""Registration files ("registreringsfiler"): names, layout constants and the data read from them.

One ``.xlsx`` per förbund and year, named ``<year>_<slug>.xlsx`` (or, as an
alternative, a folder ``<year>_<slug>/`` holding the same sheets as CSV files,
see :mod:`nns.registration.csvdir`):

* ``Instruktioner``: how to fill in the file (not read back);
* ``Uppgifter``: förbund (B1), year (B2) and, from row 5, per survey its
  målpopulation and undersökt population;
* one sheet per survey used (its name is the survey's ``sheet`` in the
  instrument): row 1 holds the column names (``Enkät nr``, the background
  variable ``Kön`` or ``Anställning`` where the survey has one, ``Fråga 1`` …),
  row 2 the question texts, and every row from 3 on is one returned survey.

A sheet that is absent means the förbund did not use that survey; a sheet that
is present but has no answers means it used the survey and got no responses.
The full description is docs/registreringsfil.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nns.instrument import Instrument
from nnsreport import slug

INSTRUCTIONS_SHEET = "Instruktioner"
INFO_SHEET = "Uppgifter"
ID_HEADER = "Enkät nr"
FIRST_DATA_ROW = 3
INFO_FIRST_ROW = 5
#: Largest registration file (or CSV file) accepted, in bytes.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total unpacked size of an .xlsx (a zip): guards against zip bombs.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Excel's own row limit; reading stops with an error beyond it.
MAX_ROWS = 1_048_576
#: Cells (row lengths summed) read per sheet at most: a few thousand responses need a tiny fraction.
MAX_CELLS = 20_000_000
#: Cells (in all sheets) of a workbook whose rows or cells are stored out of order, at most: such a
#: workbook is read whole into memory to place every cell by its reference (openpyxl's full mode takes
#: some 370 bytes and 12 µs a cell); a registration of 30 000 responses fits.
MAX_CELLS_REORDERED = 500_000
#: A data row after at least this many empty rows gets a warning.
GAP_WARNING_ROWS = 20
#: From this year the förbund report målpopulation and undersökt population.
POPULATIONS_FROM = 2022
#: Rows per survey sheet that the template prepares (validation, unlocked cells).
TEMPLATE_ROWS = 1000

#: Besides letters, digits and spaces, a förbund's name may hold these (it is the key in the data).
NAME_PUNCTUATION = "()-–,/.&'"

FILE_RE = re.compile(r"^(?P<year>[0-9]{4})_(?P<slug>[a-z0-9-]+)\.xlsx$")
DIR_RE = re.compile(r"^(?P<year>[0-9]{4})_(?P<slug>[a-z0-9-]+)$")


def file_name(forbund: str, year: int) -> str:
    """The registration file's name.

    >>> file_name("Degerfors/Karlskoga", 2022)
    '2022_degerfors-karlskoga.xlsx'
    """
    return f"{year}_{slug(forbund)}.xlsx"


def question_header(number: int) -> str:
    return f"Fråga {number}"


@dataclass
class Row:
    """One returned survey: its id, background value (as typed) and answers by question number."""

    ident: str | None
    background: str | None
    answers: dict  # number -> 1..6 | "Ja" | "Nej" | None


@dataclass
class Registration:
    forbund: str
    year: int
    path: str = ""
    surveys: dict = field(default_factory=dict)       # survey id -> list[Row]
    populations: dict = field(default_factory=dict)   # survey id -> (mal, undersokt)



def survey_columns(instrument: Instrument, survey, year: int) -> list[tuple[str, str, object]]:
    """(header, description, question or background) for each column of a survey sheet."""
    cols = [(ID_HEADER, "Enkätens nummer (valfritt)", None)]
    if survey.background:
        bg = instrument.backgrounds[survey.background]
        cols.append((bg.label, ", ".join(g.value for g in bg.groups), bg))
    for q, v in instrument.questions_asked(survey.id, year):
        cols.append((question_header(v.number), v.text, (q, v)))
    return cols
