"""Registration files ("registreringsfiler"): the template, reading with checks, aggregation.

One ``.xlsx`` per förbund and year, named ``<year>_<slug>.xlsx`` (or, as an
alternative, a folder ``<year>_<slug>/`` holding the same sheets as CSV files,
see :mod:`nns_registration_csv`):

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

The reading functions never raise on bad input: they collect every problem
(file, sheet, cell as Excel shows them, message in Swedish) in a
:class:`ProblemList`. Reading is safe: openpyxl in read-only mode (it parses
XML with defusedxml when that is installed, as it is here), no formulas are
evaluated and no macros run, sizes are bounded, and förbund names are data,
compared through :func:`nnsreport.slug`, never used as paths.
"""
from __future__ import annotations

import datetime as _dt
import io
import logging
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd

from nns_errors import Problem, ProblemList, RegistrationError
from nns_instrument import Instrument
from nnsreport import MISSING, NO, NO_GROUP, YES, slug

logger = logging.getLogger(__name__)

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
#: A data row after at least this many empty rows gets a warning.
GAP_WARNING_ROWS = 20
#: From this year the förbund report målpopulation and undersökt population.
POPULATIONS_FROM = 2022
#: Rows per survey sheet that the template prepares (validation, unlocked cells).
TEMPLATE_ROWS = 1000

#: Besides letters, digits and spaces, a förbund's name may hold these (it is the key in the data).
NAME_PUNCTUATION = "()-–,/.&'"

FILE_RE = re.compile(r"^(?P<year>\d{4})_(?P<slug>[a-z0-9-]+)\.xlsx$")
DIR_RE = re.compile(r"^(?P<year>\d{4})_(?P<slug>[a-z0-9-]+)$")


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


# ---------------------------------------------------------------------------
# Writing: the template and filled-in files share one writer
# ---------------------------------------------------------------------------

def _columns(instrument: Instrument, survey, year: int) -> list[tuple[str, str, object]]:
    """(header, description, question or background) for each column of a survey sheet."""
    cols = [(ID_HEADER, "Enkätens nummer (valfritt)", None)]
    if survey.background:
        bg = instrument.backgrounds[survey.background]
        cols.append((bg.label, ", ".join(g.value for g in bg.groups), bg))
    for q, v in instrument.questions_asked(survey.id, year):
        cols.append((question_header(v.number), v.text, (q, v)))
    return cols


def build_workbook(instrument: Instrument, forbund: str, year: int, registration: Registration | None = None):
    """An openpyxl workbook: the blank template, or filled in with ``registration``.

    The blank template (``registration`` None) also gets what only matters
    while typing: validation that refuses wrong input with a message, input
    hints, a rule that questions asked only after a given answer (closing
    survey 9–10 after Ja on 8) stay empty otherwise, and longer instructions.
    Filled-in files (the demo data) keep the plain form, so that
    tools/generate_demo.py keeps reproducing the committed files byte for byte.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    blank = registration is None
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    unlocked = Protection(locked=False)

    def strict(dv: DataValidation, prompt_title: str, prompt: str) -> DataValidation:
        if blank:  # refuse wrong input (Excel's default is to accept it silently) and show a hint
            dv.showErrorMessage = True
            dv.errorStyle = "stop"
            dv.showInputMessage = True
            dv.promptTitle, dv.prompt = prompt_title[:32], prompt[:255]
        return dv

    wb = Workbook()
    ins = wb.active
    ins.title = INSTRUCTIONS_SHEET
    for i, line in enumerate(_instructions(instrument, forbund, year, template=blank), start=1):
        ins.cell(row=i, column=1, value=line)
    ins["A1"].font = Font(bold=True, size=14)
    ins.column_dimensions["A"].width = 110

    info = wb.create_sheet(INFO_SHEET)
    info["A1"], info["B1"] = "Samordningsförbund", forbund
    info["A2"], info["B2"] = "År", year
    info["A4"], info["B4"], info["C4"] = "Enkät", "Målpopulation", "Undersökt population"
    for c in ("A1", "A2", "A4", "B4", "C4"):
        info[c].font = bold
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 34
    info.column_dimensions["C"].width = 22
    pop_dv = strict(DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                   errorTitle="Ogiltigt värde", error="Ange ett heltal, 0 eller större."),
                    "Population", "Ett heltal, 0 eller större. Lämna tomt om enkäten inte använts.")
    info.add_data_validation(pop_dv)
    surveys = instrument.surveys_in(year)
    for i, survey in enumerate(surveys):
        r = INFO_FIRST_ROW + i
        info.cell(row=r, column=1, value=survey.sheet)
        mal_cell, und_cell = info.cell(row=r, column=2), info.cell(row=r, column=3)
        if registration and survey.id in registration.populations:
            mal, und = registration.populations[survey.id]
            mal_cell.value, und_cell.value = mal, und
        if survey.target_population:
            mal_cell.protection = unlocked
            pop_dv.add(mal_cell.coordinate)
        else:
            mal_cell.value = "–"
        und_cell.protection = unlocked
        pop_dv.add(und_cell.coordinate)
    info.protection.sheet = True

    for survey in surveys:
        if registration is not None and survey.id not in registration.surveys:
            continue  # the förbund did not use this survey
        ws = wb.create_sheet(survey.sheet)
        cols = _columns(instrument, survey, year)
        letters = {}
        for j, (_, _, kind) in enumerate(cols, start=1):
            if isinstance(kind, tuple):
                letters[kind[1].number] = get_column_letter(j)
        rows = registration.surveys.get(survey.id, []) if registration else []
        n_rows = max(TEMPLATE_ROWS, len(rows) + 50)
        last_row = FIRST_DATA_ROW + n_rows - 1
        for j, (header, text, kind) in enumerate(cols, start=1):
            letter = get_column_letter(j)
            h = ws.cell(row=1, column=j, value=header)
            h.font, h.fill = bold, header_fill
            t = ws.cell(row=2, column=j, value=text)
            t.alignment, t.fill = wrap, header_fill
            ws.column_dimensions[letter].width = 10 if kind is None else 16
            # Column-level style: Excel and LibreOffice give it to every cell typed into
            # the column, so the data cells are unlocked while rows 1-2 (styled) stay locked.
            ws.column_dimensions[letter].protection = unlocked
            target = f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"
            if kind is None:
                continue
            if isinstance(kind, tuple):
                q, v = kind
                scale = instrument.scales[v.scale]
                cond = q.condition if blank else None
                if cond is not None and cond.question in letters:
                    c = f"${letters[cond.question]}{FIRST_DATA_ROW}"
                    me = f"{letter}{FIRST_DATA_ROW}"
                    ok = (f'AND(ISNUMBER({me}),{me}=INT({me}),{me}>=1,{me}<=6)' if not scale.yes_no
                          else f'OR({me}="Ja",{me}="Nej")')
                    dv = DataValidation(type="custom", formula1=f'AND({c}="{cond.answer}",{ok})', allow_blank=True,
                                        errorTitle="Ogiltigt svar",
                                        error=f"Fråga {v.number} besvaras bara om fråga {cond.question} är "
                                              f"{cond.answer}. Svaret ska då vara ett heltal 1–6.")
                    strict(dv, f"Fråga {v.number}", f"Bara om fråga {cond.question} är {cond.answer}: "
                                                    "ett heltal 1–6. Annars tomt.")
                elif scale.yes_no:
                    dv = strict(DataValidation(type="list", formula1='"Ja,Nej"', allow_blank=True,
                                               errorTitle="Ogiltigt svar", error="Svara Ja eller Nej, eller lämna tomt."),
                                f"Fråga {v.number}", "Ja eller Nej. Tomt om frågan inte besvarats.")
                else:
                    dv = strict(DataValidation(type="whole", operator="between", formula1="1", formula2="6",
                                               allow_blank=True, errorTitle="Ogiltigt svar",
                                               error="Svaret ska vara ett heltal 1–6, eller tomt om frågan inte besvarats."),
                                f"Fråga {v.number}", "Ett heltal 1–6 (1 = lägsta svarsalternativet). "
                                                     "Tomt om frågan inte besvarats.")
            else:
                values = ",".join(g.value for g in kind.groups)
                missing = kind.group(kind.missing).value
                dv = strict(DataValidation(type="list", formula1=f'"{values}"', allow_blank=True,
                                           errorTitle="Ogiltigt värde", error=f"Välj ett av: {values.replace(',', ', ')}."),
                            kind.label, f"Välj i listan. Tom cell räknas som {missing}.")
            ws.add_data_validation(dv)
            dv.add(target)
        ws.row_dimensions[2].height = 90
        ws.freeze_panes = f"A{FIRST_DATA_ROW}"
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        for i, row in enumerate(rows):
            r = FIRST_DATA_ROW + i
            for j, (header, _, kind) in enumerate(cols, start=1):
                if kind is None:
                    value = row.ident
                elif isinstance(kind, tuple):
                    value = row.answers.get(kind[1].number)
                else:
                    value = row.background
                if value is not None:
                    ws.cell(row=r, column=j, value=value)
    return wb


def _instructions(instrument: Instrument, forbund: str, year: int, template: bool = False) -> list[str]:
    sheets = ", ".join(s.sheet for s in instrument.surveys_in(year))
    lines = [
        f"Registreringsfil för NNS indikatorer {year}",
        f"Samordningsförbund: {forbund}",
        "",
        "Så fyller du i filen",
        "1. Ange målpopulation och undersökt population för varje enkät ni använt på bladet Uppgifter.",
        "   Målpopulation: alla som skulle kunna tillfrågas. Undersökt population: de som faktiskt tillfrågats.",
        f"2. Mata in varje besvarad enkät som en rad på enkätens blad ({sheets}), med början på rad 3.",
        "3. Skriv svaret som en siffra 1–6 (1 = lägsta svarsalternativet, 6 = högsta). Fråga 8 i avslutsenkäten besvaras med Ja eller Nej.",
        "4. Lämna cellen tom om frågan inte är besvarad. Skriv inga andra tecken, ingen text och inga formler.",
        "5. Frågorna 9 och 10 i avslutsenkäten fylls bara i om fråga 8 besvarats med Ja.",
        "6. Kön och anställning väljs i listan. Lämna tomt om uppgiften saknas.",
        "7. En rad där ingen fråga är besvarad räknas inte som ett svar.",
        "8. Ta bort bladet för en enkät som förbundet inte använt. Ändra inte bladens eller kolumnernas namn.",
        "",
        "Kontrollera filen med kommandot: nnsreport check <filnamn>",
        "Filen får inte vara lösenordsskyddad och får vara högst 20 MB.",
    ]
    if template:
        lines[11] = ("6. Kön och anställning väljs i listan. Tom cell räknas som 'Ej angett' (kön) "
                     "respektive 'Annan' (anställning).")
        lines[13:13] = [
            "9. Ett blad som finns men saknar rader betyder att enkäten använts men att inga svar kommit in.",
            "10. Rad 1 och 2 (kolumnnamn och frågetexter) är låsta. Sammanfoga inga celler och dölj inga blad, rader eller kolumner.",
            f"11. Spara filen som {file_name(forbund, year)} (Excel-arbetsbok, .xlsx).",
        ]
    return lines


FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def save_workbook(wb, path: str | Path) -> None:
    """Save with fixed timestamps, so that the same content gives the same bytes; atomically."""
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)
    write_atomic(Path(path), out.getvalue())


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _stage(path.parent, path.name, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


# ---------------------------------------------------------------------------
# Aggregation: validated registrations -> the aggregated layer
# ---------------------------------------------------------------------------

def answer_code(value) -> str:
    """The aggregated layer's code for a validated answer.

    >>> answer_code(4), answer_code("Ja"), answer_code(None)
    ('4', 'ja', 'saknas')
    """
    if value is None:
        return MISSING
    if value == "Ja":
        return YES
    if value == "Nej":
        return NO
    return str(int(value))


def group_of(instrument: Instrument, survey, background_value: str | None) -> str:
    """The group id for a validated background value (empty: the variable's missing group)."""
    if not survey.background:
        return NO_GROUP
    bg = instrument.backgrounds[survey.background]
    if background_value is None:
        return bg.missing
    for g in bg.groups:
        if g.value == background_value:
            return g.id
    raise ValueError(f"Unvalidated background value {background_value!r}")


def aggregate(instrument: Instrument, registrations: list[Registration]) -> dict[str, pd.DataFrame]:
    """Counts per year × förbund × survey × question × group × answer, responses and populations.

    Rows without any answer are not responses and are left out (the checker
    warns about them).
    """
    answers: dict[tuple, int] = {}
    resp: dict[tuple, int] = {}
    pops = []
    for reg in registrations:
        for survey in instrument.surveys_in(reg.year):
            if survey.id in reg.populations:
                mal, und = reg.populations[survey.id]
                pops.append((reg.year, reg.forbund, survey.id, mal, und))
            rows = reg.surveys.get(survey.id)
            if rows is None:
                continue
            numbers = [v.number for _, v in instrument.questions_asked(survey.id, reg.year)]
            for g in _groups(instrument, survey):
                resp.setdefault((reg.year, reg.forbund, survey.id, g), 0)
            for row in rows:
                if all(row.answers.get(n) is None for n in numbers):
                    continue
                g = group_of(instrument, survey, row.background)
                resp[(reg.year, reg.forbund, survey.id, g)] += 1
                for n in numbers:
                    key = (reg.year, reg.forbund, survey.id, n, g, answer_code(row.answers.get(n)))
                    answers[key] = answers.get(key, 0) + 1
    a = pd.DataFrame([k + (v,) for k, v in answers.items()],
                     columns=["year", "forbund", "survey", "question", "group", "answer", "count"])
    r = pd.DataFrame([k + (v,) for k, v in resp.items()],
                     columns=["year", "forbund", "survey", "group", "responses"])
    p = pd.DataFrame(pops, columns=["year", "forbund", "survey", "malpopulation", "undersokt"])
    survey_order = {s.id: i for i, s in enumerate(instrument.surveys)}
    answer_order = {c: i for i, c in enumerate(("1", "2", "3", "4", "5", "6", YES, NO, MISSING))}
    a = a.sort_values(["year", "forbund", "survey", "question", "group", "answer"],
                      key=lambda s: s.map(survey_order) if s.name == "survey"
                      else s.map(answer_order) if s.name == "answer" else s)
    r = r.sort_values(["year", "forbund", "survey", "group"],
                      key=lambda s: s.map(survey_order) if s.name == "survey" else s)
    p = p.sort_values(["year", "forbund", "survey"],
                      key=lambda s: s.map(survey_order) if s.name == "survey" else s)
    for df in (p,):
        for col in ("malpopulation", "undersokt"):
            df[col] = df[col].astype("Int64")
    return {"answers": a.reset_index(drop=True), "responses": r.reset_index(drop=True),
            "populations": p.reset_index(drop=True)}


def _groups(instrument: Instrument, survey) -> list[str]:
    if not survey.background:
        return [NO_GROUP]
    return [g.id for g in instrument.backgrounds[survey.background].groups]



def _stage(out: Path, name: str, data: bytes) -> str:
    """Write ``data`` to a new temporary file next to ``out/name``; return its path."""
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_layer(layer: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write the aggregated layer's CSV files: all of them are replaced, or none.

    Every file is first written in full to a temporary file in ``out_dir``.
    Only then are the targets replaced by renames; before that, each existing
    target is kept under a backup name (a hard link), and if anything fails
    while renaming (an exception, Ctrl-C), the targets already replaced are
    restored. A crash while the data are written leaves the old files as they
    were; only a hard kill between the (three, immediate) renames can leave a
    mix, which the next ``nnsreport ingest`` repairs.
    """
    from nnsreport import AGGREGATED_FILES

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    backups: dict[Path, str | None] = {}
    replaced: list[Path] = []
    try:
        for key, (name, columns) in AGGREGATED_FILES.items():
            data = layer[key][columns].to_csv(index=False, lineterminator="\n").encode("utf-8")
            staged.append((_stage(out, name, data), out / name))
        for _, target in staged:
            backups[target] = _backup(target)
        try:
            for tmp, target in staged:
                os.replace(tmp, target)
                replaced.append(target)
        except BaseException:
            for target in reversed(replaced):
                backup = backups.get(target)
                if backup is not None:
                    os.replace(backup, target)
                    backups[target] = None
                else:
                    _unlink_quietly(target)
            raise
        _fsync_dir(out)
    finally:
        for tmp, _ in staged:
            _unlink_quietly(tmp)
        for backup in backups.values():
            if backup is not None:
                _unlink_quietly(backup)
    return [t for _, t in staged]


def _backup(target: Path) -> str | None:
    """A second name for ``target``'s current content (None when there is no target)."""
    if not target.exists():
        return None
    fd, backup = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".bak")
    os.close(fd)
    os.unlink(backup)
    try:
        os.link(target, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(target, backup)
    return backup


def raise_for_errors(problems: ProblemList) -> None:
    if problems.errors:
        raise RegistrationError(problems.errors)


# ---------------------------------------------------------------------------
# Reading with checks
# ---------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
YES_NO_VARIANTS = {"ja": "Ja", "nej": "Nej"}


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _clean(text: str, limit: int = 60) -> str:
    """Text from a file made safe to print: control characters escaped, long text cut."""
    out = "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" if ord(ch) < 256
                  else f"\\u{ord(ch):04x}" for ch in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _shown(value) -> str:
    """A cell value as the message shows it.

    >>> _shown("fyra"), _shown(4.0), _shown(3.5), _shown(True), _shown(None)
    ("'fyra'", '4', '3.5', 'SANT', 'tom')
    """
    if value is None:
        return "tom"
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, str):
        return f"'{_clean(value)}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    return _clean(str(value))


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _is_formula(value) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _formula_text(value) -> str:
    return _clean(value if isinstance(value, str) else str(getattr(value, "text", "") or "=…"))


def excel_ref(sheet: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted when it has spaces or signs.

    >>> excel_ref("Personal"), excel_ref("Deltagare pågående"), excel_ref("Personal.csv")
    ('Personal', "'Deltagare pågående'", 'Personal.csv')
    """
    plain = sheet and not sheet[0].isdigit() and all(ch.isalnum() or ch in "_." for ch in sheet)
    return sheet if plain else "'" + sheet.replace("'", "''") + "'"


class Reporter:
    """Adds problems for one registration (a file, or a CSV folder) to a ProblemList.

    Locations follow Excel: ``Personal!D17``, ``'Deltagare pågående'!C5``; for
    CSV the sheet is the CSV file (``Personal.csv!D17``), and a problem with a
    whole CSV file names the file itself.
    """

    def __init__(self, problems: ProblemList, name: str, csv: bool = False):
        self.problems, self.name, self.csv = problems, name, csv

    def _add(self, kind: str, sheet: str | None, cell: str | None, message: str) -> None:
        add = self.problems.error if kind == "fel" else self.problems.warning
        if sheet is None:
            add(self.name, None, None, message)
        elif self.csv and cell is None:
            add(f"{self.name}/{_clean(sheet, 100)}", None, None, message)
        else:
            add(self.name, excel_ref(_clean(sheet, 100)), cell, message)

    def error(self, sheet, cell, message) -> None:
        self._add("fel", sheet, cell, message)

    def warning(self, sheet, cell, message) -> None:
        self._add("varning", sheet, cell, message)

    @property
    def error_count(self) -> int:
        return len(self.problems.errors)


class Unreadable(Exception):
    """A sheet (or CSV file) that cannot be read; the message says why, in Swedish."""


@dataclass
class Sheet:
    """One sheet to read, from an .xlsx or a CSV file.

    ``key`` is the sheet's name as matched against the instrument (for CSV, the
    file name without ``.csv``); ``title`` how messages name it; ``rows()``
    yields one tuple of cell values per row from row 1, typed as openpyxl
    returns them (int, float, str, bool, datetime, None; formulas as text
    starting with ``=``).
    """

    key: str
    title: str
    rows: Callable[[], Iterable[tuple]]
    state: str = "visible"
    merged: list = field(default_factory=list)
    hidden_rows: set = field(default_factory=set)
    hidden_cols: set = field(default_factory=set)
    #: CSV: every non-empty row must have as many fields as the header row.
    strict_width: bool = False
    failed: bool = False


def _rows(sheet: Sheet, rep: Reporter) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a sheet; a sheet that breaks off is reported, not raised."""
    r = cells = 0
    try:
        for r, values in enumerate(sheet.rows(), start=1):
            values = tuple(values)
            cells += len(values)
            if r > MAX_ROWS or cells > MAX_CELLS:
                what = f"fler än {MAX_ROWS} rader" if r > MAX_ROWS else f"fler än {MAX_CELLS} celler"
                rep.error(sheet.title, None, f"Bladet har {what} (till rad {r}), mer än en registrering kan "
                                             "behöva. Filen är skadad eller felaktigt sparad.")
                sheet.failed = True
                return
            yield r, values
    except Unreadable as exc:
        rep.error(sheet.title, None, str(exc))
        sheet.failed = True
    except Exception as exc:  # a damaged sheet part: openpyxl and the XML parser raise many kinds
        rep.error(sheet.title, None, _damaged(f"Bladet kan inte läsas{f' efter rad {r}' if r else ''}", exc))
        sheet.failed = True


def _damaged(what: str, exc: BaseException, path: Path | None = None) -> str:
    """The message for a file or sheet that the parser refused."""
    chain, e = [], exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    if any(type(e).__module__.startswith("defusedxml") for e in chain):
        return (f"{what}: den innehåller XML-konstruktioner (DTD, entiteter eller externa referenser) som Excel "
                "aldrig skriver och som av säkerhetsskäl inte läses. Spara om filen i Excel.")
    text = str(exc)
    if path is not None:
        text = text.replace(str(path), path.name)
    return f"{what}; filen är skadad ({type(exc).__name__}: {_clean(text)}). Spara om den i Excel."


# --- the container ------------------------------------------------------------

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
                       f"Filen är skadad eller avkortad och kan inte läsas ({type(exc).__name__}: {_clean(str(exc))}). "
                       "Spara om den i Excel som .xlsx.")
        return False
    if bad is not None:
        problems.error(name, None, None,
                       f"Filen är skadad eller avkortad (delen {_clean(bad)} går inte att packa upp). Spara om den i Excel.")
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
    from defusedxml import ElementTree as ET

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


def read_registration(path: str | Path, instrument: Instrument, problems: ProblemList) -> Registration | None:
    """Read one registration file; every problem found goes to ``problems``.

    ``path`` is an ``.xlsx`` file, or a CSV registration (a folder
    ``<year>_<slug>/`` or one CSV file in it). Returns the registration (also
    when it has errors, for further checks), or None when the file cannot be
    read at all.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv" or path.is_dir():
        from nns_registration_csv import read_csv_registration

        return read_csv_registration(path, instrument, problems)
    name = path.name
    if not check_container(path, problems):
        return None
    m = FILE_RE.match(name)
    if not m:
        problems.error(name, None, None,
                       "Filnamnet ska vara <år>_<förbund>.xlsx med små bokstäver, till exempel 2022_arvika-eda.xlsx "
                       "(skapa filen med 'nnsreport template').")
        return None
    from openpyxl import load_workbook

    rep = Reporter(problems, name)
    try:
        parts = scan_workbook(path)
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl and the XML parser raise many kinds on broken files
        problems.error(name, None, None, _damaged("Filen kan inte läsas som Excel-arbetsbok", exc, path))
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


# --- the sheets (shared by .xlsx and CSV) -------------------------------------------

def _norm(text) -> str:
    """Whitespace collapsed, for comparing names and headers."""
    return " ".join(str(text).split())


def read_sheets(sheets: list[Sheet], rep: Reporter, file_year: int, file_slug: str,
                instrument: Instrument) -> Registration | None:
    """Check and read a registration's sheets: Uppgifter first, then one sheet per survey."""
    word = "filen" if rep.csv else "bladet"
    Word = word.capitalize()
    by_key: dict[str, Sheet] = {}
    folded: dict[str, str] = {}
    for s in sheets:
        f = _norm(s.key).casefold()
        if s.key in by_key:
            rep.error(s.title, None, f"{Word} {_clean(s.key)} finns två gånger. Det får bara finnas ett per enkät.")
            continue
        if f in folded:
            rep.error(s.title, None, f"Namnet '{_clean(s.key)}' skiljer sig bara i stora/små bokstäver eller mellanslag "
                                     f"från '{_clean(folded[f])}'. Det får bara finnas ett blad per enkät; slå ihop dem.")
            continue
        folded[f] = s.key
        by_key[s.key] = s
    for s in by_key.values():
        if s.key == INSTRUCTIONS_SHEET:
            continue
        if s.state != "visible":
            how = (" som 'mycket dolt' (kan bara visas i Visual Basic-redigeraren)" if s.state == "veryHidden"
                   else "")
            rep.error(s.title, None, f"Bladet är dolt{how}. Visa det (eller ta bort det) så att alla uppgifter syns.")
        if s.merged:
            first = s.merged[0].split(":")[0]
            shown = ", ".join(_clean(m) for m in s.merged[:3]) + (" …" if len(s.merged) > 3 else "")
            rep.error(s.title, first if re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", first) else None,
                      f"Sammanfogade celler ({shown}) är inte tillåtna. Dela upp dem (Excel: Sammanfoga och centrera av).")
    info = by_key.get(INFO_SHEET)
    if info is None:
        near = folded.get(INFO_SHEET.casefold())
        hint = f" Det finns '{_clean(near)}'; namnet måste stavas exakt {INFO_SHEET}." if near else ""
        rep.error(INFO_SHEET + (".csv" if rep.csv else ""), None,
                  f"{Word} {INFO_SHEET}{'.csv' if rep.csv else ''} saknas; {'den' if rep.csv else 'det'} ska ange "
                  f"förbund (B1), år (B2) och populationer.{hint}")
        return None
    errors_before = rep.error_count
    parsed = _read_info(info, rep, file_year, file_slug, instrument)
    if parsed is None:
        return None
    reg, pop_cells, pop_errors = parsed
    year = reg.year
    known = {s.sheet: s for s in instrument.surveys_in(year)}
    all_sheets = {s.sheet: s for s in instrument.surveys}
    present = set()
    for key, s in by_key.items():
        if key in (INFO_SHEET, INSTRUCTIONS_SHEET) or key in known:
            if key in known:
                present.add(known[key].id)
            continue
        f = _norm(key).casefold()
        near = [k for k in list(known) + [INFO_SHEET, INSTRUCTIONS_SHEET] if k.casefold() == f]
        if near:
            hint = f" Menade du '{near[0]}'? Namnet måste stavas exakt så."
        elif _norm(key) in all_sheets:
            hint = f" Enkäten {_norm(key)} fanns inte {year}."
        else:
            hint = ""
        rep.error(s.title, None, f"{'Okänd fil' if rep.csv else 'Okänt blad'} '{_clean(key)}'.{hint} "
                                 f"Tillåtna enkät{'filer' if rep.csv else 'blad'} {year}: "
                                 + ", ".join(k + (".csv" if rep.csv else "") for k in known) + ".")
    if not present and rep.error_count == errors_before:
        rep.error(None, None,
                  f"{'Mappen' if rep.csv else 'Filen'} har inget enkät{'fil' if rep.csv else 'blad'}. "
                  f"Lägg till {'ett blad' if not rep.csv else 'en fil'} för varje enkät förbundet använt "
                  f"({', '.join(known)}).")
    for title, survey in known.items():
        if title in by_key:
            rows = _read_survey(by_key[title], rep, survey, year, instrument)
            if rows is not None:
                reg.surveys[survey.id] = rows
    _check_populations(reg, rep, instrument, pop_cells, present, info.title, pop_errors)
    return reg


def _read_info(sheet: Sheet, rep: Reporter, file_year: int, file_slug: str, instrument: Instrument):
    """Förbund, year and populations from Uppgifter, or None.

    Returns (Registration, survey id -> its row, survey ids whose populations have errors).
    """
    title = sheet.title
    cells: dict[tuple[int, int], object] = {}
    pop_rows = []
    bad: set[tuple[int, int]] = set()
    for r, row in _rows(sheet, rep):
        for c, v in enumerate(row, start=1):
            if _is_formula(v):
                rep.error(title, _cell(c, r), f"Cellen innehåller en formel ({_formula_text(v)}); skriv in värdet i stället.")
                bad.add((r, c))
        if r <= 2:
            for c, v in enumerate(row[:2], start=1):
                cells[(r, c)] = v
        elif r >= INFO_FIRST_ROW:
            pop_rows.append((r, row))
    if sheet.failed:
        return None
    forbund, year = cells.get((1, 2)), cells.get((2, 2))
    if (1, 2) in bad or (2, 2) in bad:
        return None
    if _is_blank(forbund) or not isinstance(forbund, str):
        rep.error(title, "B1", f"Förbundets namn saknas eller är inte text (fick {_shown(forbund)}). "
                               "Skriv förbundets namn i B1.")
        return None
    forbund = _norm(forbund)
    odd = sorted({ch for ch in forbund if not (ch.isalnum() or ch == " " or ch in NAME_PUNCTUATION)})
    if odd or not forbund[0].isalnum() or not (forbund[-1].isalnum() or forbund[-1] == ")"):
        what = (f"innehåller {', '.join(repr(_clean(ch)) for ch in odd)}" if odd
                else "börjar eller slutar med ett skiljetecken")
        rep.error(title, "B1", f"Förbundets namn {_shown(forbund)} {what}. Namnet är nyckeln i data och ska skrivas "
                               "likadant varje år: bokstäver, siffror, mellanslag och tecknen "
                               f"{' '.join(NAME_PUNCTUATION)}, med en bokstav eller siffra först.")
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int):
        rep.error(title, "B2", f"Året ska vara ett heltal, till exempel {file_year} (fick {_shown(year)}).")
        return None
    surveys_list = instrument.surveys_in(year)
    if not surveys_list:
        first = min(s.from_year for s in instrument.surveys)
        rep.error(title, "B2", f"År {year} har inga enkäter i instrumentet (data/instrument.yaml); "
                               f"mätningarna finns från {first}.")
        return None
    if year != file_year:
        rep.error(title, "B2", f"Året i filen ({year}) stämmer inte med {'mappens' if rep.csv else 'filens'} "
                               f"namn ({file_year}). Rätta året eller namnet.")
    if slug(forbund) != file_slug:
        rep.error(title, "B1", f"Förbundet i filen ('{_clean(forbund)}') stämmer inte med "
                               f"{'mappens' if rep.csv else 'filens'} namn; väntat namn "
                               f"{file_name(forbund, year)[:-5] if rep.csv else file_name(forbund, year)}.")
    surveys = {s.sheet: s for s in surveys_list}
    folded = {k.casefold(): k for k in surveys}
    all_sheets = {s.sheet for s in instrument.surveys}
    reg = Registration(forbund=forbund, year=year)
    pop_cells: dict[str, int] = {}
    pop_errors: set[str] = set()
    for r, row in pop_rows:
        row = tuple(row) + (None,) * 3
        label, mal, und = row[0], row[1], row[2]
        extra = [c for c in range(4, len(row) + 1) if not _is_blank(row[c - 1]) and (r, c) not in bad]
        if extra:
            rep.warning(title, _cell(extra[0], r), f"Värdet {_shown(row[extra[0] - 1])} står utanför tabellen "
                                                  "(kolumn A–C) och ignoreras.")
        if _is_blank(label) and _is_blank(mal) and _is_blank(und):
            continue
        if (r, 1) in bad:
            continue
        survey = surveys.get(_norm(label)) if isinstance(label, str) else None
        if survey is None:
            hint = ""
            if isinstance(label, str) and _norm(label).casefold() in folded:
                hint = f" Menade du '{folded[_norm(label).casefold()]}'?"
            elif isinstance(label, str) and _norm(label) in all_sheets:
                hint = f" Enkäten fanns inte {year}."
            rep.error(title, _cell(1, r), f"Okänd enkät {_shown(label)}.{hint} Tillåtna: {', '.join(surveys)}.")
            continue
        if survey.id in pop_cells:
            rep.error(title, _cell(1, r), f"Enkäten {survey.sheet} står två gånger (även på rad {pop_cells[survey.id]}). "
                                          "Ange populationerna en gång.")
            continue
        pop_cells[survey.id] = r
        values = []
        for c, v in ((2, mal), (3, und)):
            what = "Målpopulation" if c == 2 else "Undersökt population"
            if (r, c) in bad:
                values.append(None)
                pop_errors.add(survey.id)
                continue
            if c == 2 and not survey.target_population:
                if not _is_blank(v) and v != "–" and v != "-":
                    rep.warning(title, _cell(c, r), f"Målpopulation anges inte för {survey.sheet}; "
                                                    f"värdet {_shown(v)} ignoreras.")
                values.append(None)
                continue
            if _is_blank(v):
                values.append(None)
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                rep.error(title, _cell(c, r), f"{what} ska vara ett heltal 0 eller större (fick {_shown(v)}).")
                values.append(None)
                pop_errors.add(survey.id)
                continue
            values.append(v)
        if values[0] is not None and values[1] is not None and values[1] > values[0]:
            rep.error(title, _cell(3, r),
                      f"Undersökt population ({values[1]}) är större än målpopulationen ({values[0]}) för {survey.sheet}.")
        if values[0] is not None or values[1] is not None:
            reg.populations[survey.id] = (values[0], values[1])
    return reg, pop_cells, pop_errors


def _read_survey(sheet: Sheet, rep: Reporter, survey, year: int, instrument: Instrument) -> list[Row] | None:
    """The rows of one survey sheet, or None when its columns cannot be recognised."""
    title = sheet.title
    expected = _columns(instrument, survey, year)
    expected_headers = [h for h, _, _ in expected]
    folded_headers = {h.casefold(): h for h in expected_headers}
    it = _rows(sheet, rep)
    first = next(it, None)
    header = first[1] if first else ()
    if sheet.failed:
        return None
    listing = ", ".join(expected_headers)
    if all(_is_blank(h) for h in header):
        rep.error(title, "A1", f"Rubrikraden saknas: rad 1 är tom. Den ska innehålla kolumnnamnen ({listing}). "
                               "Om enkäten inte använts: ta bort bladet.")
        return None
    if not any(not _is_blank(h) and _norm(h) in expected_headers for h in header):
        c = next(c for c, h in enumerate(header, start=1) if not _is_blank(h))
        rep.error(title, _cell(c, 1), f"Rubrikraden saknas: rad 1 ska innehålla kolumnnamnen ({listing}), men här står "
                                      f"{_shown(header[c - 1])}. Har rad 1 tagits bort?")
        return None
    positions: dict[str, int] = {}
    ok = True
    bg_labels = {b.label for b in instrument.backgrounds.values()}
    for c, h in enumerate(header, start=1):
        if _is_blank(h):
            continue
        h_norm = _norm(h)
        if h_norm not in expected_headers:
            if _is_formula(h):
                hint = " (en formel)"
            elif h_norm.casefold() in folded_headers:
                hint = f" Menade du '{folded_headers[h_norm.casefold()]}'? Namnet måste stavas exakt så."
            elif h_norm in bg_labels:
                hint = f" Enkäten {survey.sheet} har ingen kolumn {h_norm}."
            elif re.fullmatch(r"[Ff]råga \d+", h_norm):
                hint = f" Enkäten {survey.sheet} har {len(expected_headers) - (2 if survey.background else 1)} frågor år {year}."
            else:
                hint = ""
            rep.error(title, _cell(c, 1), f"Okänd kolumn {_shown(h)}.{hint} Kolumnerna ska heta: {listing}.")
            ok = False
        elif h_norm in positions:
            rep.error(title, _cell(c, 1), f"Kolumnen '{h_norm}' finns två gånger (även i {_cell(positions[h_norm], 1)}).")
            ok = False
        else:
            positions[h_norm] = c
    missing = [h for h in expected_headers if h not in positions]
    if missing:
        rep.error(title, "A1", f"Kolumner saknas: {', '.join(missing)}. Kolumnerna ska heta: {listing}.")
        ok = False
    if not ok:
        return None
    for h, c in positions.items():
        if c in sheet.hidden_cols:
            rep.warning(title, _cell(c, 1), f"Kolumnen {h} är dold men räknas. Visa den och kontrollera uppgifterna.")
    bg = instrument.backgrounds.get(survey.background) if survey.background else None
    questions = {v.number: (q, v) for q, v in instrument.questions_asked(survey.id, year)}
    second = next(it, None)
    if second is not None:
        _check_question_texts(second[1], positions, questions, survey, year, instrument, rep, title)
    rows: list[Row] = []
    idents: dict[str, int] = {}
    used_cols = set(positions.values())
    empty_run = 0
    data_rows = 0
    for r, values in it:
        if all(_is_blank(v) for v in values):
            empty_run += 1
            continue
        data_rows += 1
        if empty_run >= GAP_WARNING_ROWS:
            rep.warning(title, _cell(1, r), f"Raden kommer efter {empty_run} tomma rader (rad {r - empty_run}–{r - 1}) "
                                            "och räknas. Kontrollera att den hör till bladet.")
        empty_run = 0

        def get(col: int, values=values):
            return values[col - 1] if col - 1 < len(values) else None

        if sheet.strict_width and len(values) != len(header):
            rep.error(title, _cell(min(len(values), len(header)) + 1, r),
                      f"Raden har {len(values)} fält men rubrikraden har {len(header)}. Kontrollera avgränsare, "
                      "citattecken och radbrytningar på raden.")

        for c in range(1, len(values) + 1):
            if c not in used_cols and not _is_blank(values[c - 1]):
                rep.error(title, _cell(c, r), f"Värdet {_shown(values[c - 1])} står i en kolumn utan rubrik. "
                                              "Flytta det till rätt kolumn eller ta bort det.")
        if r in sheet.hidden_rows:
            rep.warning(title, _cell(1, r), "Raden är dold men räknas. Visa den och kontrollera uppgifterna.")
        row_ok = True
        ident = get(positions[ID_HEADER])
        if _is_formula(ident):
            rep.error(title, _cell(positions[ID_HEADER], r),
                      f"Cellen innehåller en formel ({_formula_text(ident)}); skriv in värdet i stället.")
            row_ok, ident = False, None
        elif not _is_blank(ident):
            if isinstance(ident, float) and ident.is_integer():
                ident = int(ident)
            ident = str(ident)
            if _norm(ident) in idents:
                rep.warning(title, _cell(positions[ID_HEADER], r),
                            f"Enkät nr {_shown(ident)} finns redan på rad {idents[_norm(ident)]}. "
                            "Är enkäten inmatad två gånger?")
            else:
                idents[_norm(ident)] = r
        background = None
        if bg is not None:
            col = positions[bg.label]
            background, fine = _background_value(get(col), bg, rep, title, _cell(col, r))
            row_ok &= fine
        answers, invalid = {}, set()
        for number, (q, v) in questions.items():
            col = positions[question_header(number)]
            value, fine = _answer_value(get(col), instrument.scales[v.scale], rep, title, _cell(col, r))
            if not fine:
                invalid.add(number)
            answers[number] = value
        row_ok &= not invalid
        for number, (q, v) in questions.items():
            cond = q.condition
            if cond and answers.get(number) is not None and cond.question not in invalid:
                given = answers.get(cond.question)
                if given != cond.answer:
                    found = "obesvarad" if given is None else f"'{given}'"
                    rep.error(title, _cell(positions[question_header(number)], r),
                              f"Fråga {number} är besvarad ({_shown(answers[number])}) fast fråga {cond.question} är "
                              f"{found}; fråga {number} besvaras bara efter {cond.answer} på fråga {cond.question}. "
                              f"Töm cellen eller rätta fråga {cond.question}.")
                    row_ok = False
        if all(a is None for a in answers.values()):
            if row_ok and not invalid:
                rep.warning(title, _cell(1, r), "Raden har ingen besvarad fråga och räknas därför inte som ett svar.")
            continue
        rows.append(Row(ident=None if _is_blank(ident) else ident, background=background, answers=answers))
    if not data_rows and not sheet.failed:
        rep.warning(title, None, f"Bladet har inga svar: enkäten räknas som använd utan svar. "
                                 f"Ta bort bladet om förbundet inte använt enkäten {survey.sheet}.")
    return None if sheet.failed else rows


def _looks_like_answer(value) -> bool:
    if isinstance(value, (int, float)):  # bool included
        return True
    if isinstance(value, str):
        t = value.strip()
        return t.casefold() in YES_NO_VARIANTS or t in ("1", "2", "3", "4", "5", "6")
    return False


def _check_question_texts(values, positions, questions, survey, year, instrument, rep, title) -> None:
    """Row 2 holds the question texts: catch a deleted row 2 and another year's template."""
    texts: dict[str, list] = {}
    for q in instrument.questions.values():
        if q.survey == survey.id:
            for v in q.versions:
                texts.setdefault(_norm(v.text).casefold(), []).append((q, v))
    for number, (q, v) in questions.items():
        c = positions[question_header(number)]
        raw = values[c - 1] if c - 1 < len(values) else None
        if _is_blank(raw):
            continue
        if _looks_like_answer(raw):
            rep.error(title, _cell(c, 2), f"Rad 2 ska innehålla frågetexterna, men här står ett svar ({_shown(raw)}). "
                                          "Har raden med frågetexter tagits bort? Svaren ska börja på rad 3; "
                                          "rad 2 räknas aldrig som ett svar.")
            return
        if not isinstance(raw, str) or _norm(raw).casefold() == _norm(v.text).casefold():
            continue
        matches = texts.get(_norm(raw).casefold(), [])
        other = [(oq, ov) for oq, ov in matches if oq.id != q.id]
        if other:
            oq, ov = other[0]
            asked = oq.version(year)
            where = (f"fråga {asked.number} i {year} års enkät" if asked is not None and asked.text == ov.text
                     else f"en fråga som inte ställs så {year}")
            rep.error(title, _cell(c, 2), f"Frågetexten i kolumnen Fråga {number} hör till {where}. Bladet verkar "
                                          f"komma från en annan årgångs mall; frågorna numrerades om. Använd mallen "
                                          f"för {year} (nnsreport template) och för över svaren till rätt fråga.")
        elif matches:
            rep.warning(title, _cell(c, 2), f"Frågetexten är formuleringen från {matches[0][1].from_year}, inte {year} "
                                            "års. Kontrollera att mallen för rätt år använts.")
        else:
            rep.warning(title, _cell(c, 2), f"Frågetexten skiljer sig från {year} års enkät "
                                            f"('{_clean(v.text)}'). Kontrollera att svaren står under rätt fråga.")


def _background_value(raw, bg, rep: Reporter, title: str, cell: str):
    missing = bg.group(bg.missing).value
    allowed = ", ".join(g.value for g in bg.groups)
    if raw is None:
        return None, True
    if isinstance(raw, str) and raw.strip() == "":
        rep.warning(title, cell, f"Cellen innehåller bara mellanslag och räknas som tom ({missing}).")
        return None, True
    if _is_formula(raw):
        rep.error(title, cell, f"Cellen innehåller en formel ({_formula_text(raw)}); skriv in värdet i stället.")
        return None, False
    if isinstance(raw, str):
        text = _norm(raw)
        for g in bg.groups:
            if text == g.value:
                if text != raw:
                    rep.warning(title, cell, f"{_shown(raw)} tolkades som '{g.value}'.")
                return g.value, True
        for g in bg.groups:
            if text.casefold() == g.value.casefold():
                rep.warning(title, cell, f"{_shown(raw)} tolkades som '{g.value}'.")
                return g.value, True
    rep.error(title, cell, f"Okänt värde {_shown(raw)} för {bg.label.lower()}. Tillåtna: {allowed} "
                           f"eller tomt (tomt räknas som {missing}).")
    return None, False


def _answer_value(raw, scale, rep: Reporter, title: str, cell: str):
    """A validated answer (1–6, 'Ja', 'Nej' or None) and whether it was acceptable."""
    allowed = "Ja, Nej eller tomt" if scale.yes_no else "heltal 1–6 eller tomt"
    if raw is None:
        return None, True
    if isinstance(raw, str) and raw.strip() == "":
        rep.warning(title, cell, "Cellen innehåller bara mellanslag och räknas som obesvarad.")
        return None, True
    if _is_formula(raw):
        rep.error(title, cell, f"Cellen innehåller en formel ({_formula_text(raw)}); skriv in svaret som ett värde "
                               f"i stället. Tillåtna: {allowed}.")
        return None, False
    if isinstance(raw, str) and raw.strip() in EXCEL_ERRORS:
        rep.error(title, cell, f"Cellen innehåller Excels felvärde {raw.strip()}. Tillåtna: {allowed}.")
        return None, False
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        rep.error(title, cell, f"Cellen innehåller ett datum eller klockslag ({_shown(raw)}); Excel har tolkat "
                               "inmatningen som datum. Formatera cellen som Tal och skriv svaret igen. "
                               f"Tillåtna: {allowed}.")
        return None, False
    if isinstance(raw, bool):
        rep.error(title, cell, f"Cellen innehåller sanningsvärdet {_shown(raw)}. Tillåtna: {allowed}.")
        return None, False
    if scale.yes_no:
        if isinstance(raw, str):
            text = raw.strip()
            if text in ("Ja", "Nej"):
                if text != raw:
                    rep.warning(title, cell, f"{_shown(raw)} tolkades som '{text}'.")
                return text, True
            if text.casefold() in YES_NO_VARIANTS:
                value = YES_NO_VARIANTS[text.casefold()]
                rep.warning(title, cell, f"{_shown(raw)} tolkades som '{value}'.")
                return value, True
            rep.error(title, cell, f"Ogiltigt svar {_shown(raw)}. Tillåtna: {allowed}.")
            return None, False
        if isinstance(raw, (int, float)):
            rep.error(title, cell, f"Ogiltigt svar {_shown(raw)}: frågan besvaras med Ja eller Nej, inte med en "
                                   f"siffra (1/0 tolkas inte). Tillåtna: {allowed}.")
            return None, False
    else:
        if isinstance(raw, (int, float)):
            if float(raw).is_integer() and 1 <= raw <= 6:
                return int(raw), True
            what = "utanför skalan" if float(raw).is_integer() else "inget heltal"
            rep.error(title, cell, f"Svaret {_shown(raw)} är {what}. Tillåtna: {allowed}.")
            return None, False
        if isinstance(raw, str):
            text = raw.strip()
            if text in ("1", "2", "3", "4", "5", "6"):
                rep.error(title, cell, f"Svaret {_shown(raw)} är text, inte ett tal. Skriv {text} som ett tal "
                                       f"(utan mellanslag eller apostrof). Tillåtna: {allowed}.")
            else:
                rep.error(title, cell, f"Text {_shown(raw)} där ett tal ska stå. Tillåtna: {allowed}.")
            return None, False
    rep.error(title, cell, f"Ogiltigt värde {_shown(raw)}. Tillåtna: {allowed}.")
    return None, False


def _check_populations(reg: Registration, rep: Reporter, instrument: Instrument, pop_cells: dict,
                       present: set, info_title: str, pop_errors: set = frozenset()) -> None:
    def where(survey) -> str:
        return f"filen {survey.sheet}.csv" if rep.csv else f"bladet {survey.sheet}"

    for survey in instrument.surveys_in(reg.year):
        row = pop_cells.get(survey.id)
        pops = reg.populations.get(survey.id)
        if survey.id not in present:
            if pops is not None and any(pops):
                rep.error(info_title, _cell(3 if pops[1] else 2, row) if row else None,
                          f"Populationer är angivna för {survey.sheet}, men {where(survey)} saknas. Har enkäten "
                          f"använts: lägg till {'filen' if rep.csv else 'bladet'} (utan rader om inga svar kom in). "
                          "Har den inte använts: töm populationerna.")
            reg.populations.pop(survey.id, None)  # not used: no populations (0 and 0 mean the same)
            continue
        rows = reg.surveys.get(survey.id)
        if rows is None:
            continue
        n = len(rows)
        if reg.year >= POPULATIONS_FROM and survey.id not in pop_errors:
            lacking = []
            if survey.target_population and (pops is None or pops[0] is None):
                lacking.append("målpopulation")
            if pops is None or pops[1] is None:
                lacking.append("undersökt population")
            if lacking:
                rep.warning(info_title, _cell(2 if lacking[0] == "målpopulation" else 3, row) if row else None,
                            f"{' och '.join(lacking).capitalize()} saknas för {survey.sheet} ({n} svar); "
                            "svarsfrekvensen kan inte beräknas.")
        if pops is None:
            continue
        mal, und = pops
        for value, col, what in ((und, 3, "Undersökt population"), (mal, 2, "Målpopulationen")):
            if value is not None and value < n:
                rep.error(info_title, _cell(col, row) if row else None,
                          f"{what} för {survey.sheet} ({value}) är mindre än antalet svar ({n}) "
                          f"{'i' if rep.csv else 'på'} {where(survey)}.")


# ---------------------------------------------------------------------------
# Checking many files, and ingest
# ---------------------------------------------------------------------------

#: Suffixes of files that look like registrations but are not read (reported, never silently skipped).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".ods", ".csv", ".numbers")


def _entries(directory: Path, year: int | None) -> list[Path]:
    pattern = f"{year}/*" if year else "*/*"
    return sorted(p for p in directory.glob(pattern) if not p.name.startswith((".", "~$")))


def registration_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """The registrations under ``directory``: ``<year>/<year>_<slug>.xlsx`` files and
    ``<year>/<year>_<slug>/`` CSV folders, sorted."""
    return [p for p in _entries(Path(directory), year)
            if p.is_dir() or (p.is_file() and p.suffix == ".xlsx")]


def stray_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """Files that are not read as registrations: in a year folder, or spreadsheets at the top."""
    d = Path(directory)
    out = [p for p in _entries(d, year) if p.is_file() and p.suffix != ".xlsx"]
    if year is None:
        out += [p for p in sorted(d.glob("*")) if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES
                and not p.name.startswith((".", "~$"))]
    return out


def _name(p: Path) -> str:
    return p.name


#: From this many files on, check_files reads them in parallel processes.
PARALLEL_MIN_FILES = 16
_worker_instrument: Instrument | None = None


def _read_one(path: Path, instrument: Instrument | None = None) -> tuple[Registration | None, list[Problem]]:
    """Read one registration into its own problem list; a bug becomes a problem, not a traceback."""
    problems = ProblemList()
    try:
        reg = read_registration(path, instrument or _worker_instrument, problems)
    except Exception as exc:
        logger.debug("internal error reading %s", path, exc_info=True)
        problems.error(_name(path), None, None, f"Internt fel när filen lästes ({type(exc).__name__}: "
                                                f"{_clean(str(exc))}). Filen kunde inte kontrolleras; rapportera felet.")
        reg = None
    return reg, problems.problems


def _init_worker(instrument: Instrument) -> None:
    global _worker_instrument
    _worker_instrument = instrument


def _read_all(paths: list[Path], instrument: Instrument) -> list[tuple[Registration | None, list[Problem]]]:
    """Every path read, in order; in parallel processes when there are many (reading is CPU-bound)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) >= PARALLEL_MIN_FILES and workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(instrument,)) as pool:
                return list(pool.map(_read_one, paths, chunksize=4))
        except Exception:  # no processes here (sandbox, pickling): read them one by one
            logger.debug("parallel reading failed; reading serially", exc_info=True)
    return [_read_one(p, instrument) for p in paths]


def check_files(paths: list[Path], instrument: Instrument) -> tuple[list[Registration], ProblemList]:
    """Read and check every file; cross-file checks too. Never raises on bad input."""
    problems = ProblemList()
    regs = []
    seen: set = set()
    unique = []
    for p in map(Path, paths):
        if p.suffix.lower() == ".csv" and p.is_file():
            p = p.parent  # one CSV file stands for its registration folder
        key = p.resolve() if p.exists() else p
        if key not in seen:
            seen.add(key)
            unique.append(p)
    for p, (reg, found) in zip(unique, _read_all(unique, instrument)):
        problems.problems.extend(found)
        if reg is None:
            continue
        reg.path = str(p)
        regs.append(reg)
        folder = p.parent.name
        if re.fullmatch(r"\d{4}", folder) and int(folder) != reg.year:
            problems.error(_name(p), None, None, f"{'Mappen' if p.is_dir() else 'Filen'} ligger i mappen {folder} "
                                                 f"men gäller år {reg.year}. Flytta den till mappen {reg.year}.")
    first: dict[tuple, Registration] = {}
    for reg in regs:
        key = (reg.year, slug(reg.forbund))
        if key in first:
            other = first[key]
            problems.error(_name(Path(reg.path)), None, None,
                           f"Två registreringar gäller samma förbund och år ({_clean(reg.forbund)}, {reg.year}): "
                           f"även {_name(Path(other.path))}. Slå ihop dem till en.")
        else:
            first[key] = reg
    by_slug: dict[str, str] = {}
    for reg in regs:
        s = slug(reg.forbund)
        if s in by_slug and by_slug[s] != reg.forbund:
            problems.warning(_name(Path(reg.path)), INFO_SHEET, "B1",
                             f"Förbundets namn '{_clean(reg.forbund)}' stavas annorlunda i en annan fil "
                             f"('{_clean(by_slug[s])}'); i data blir det två förbund. Stava namnet likadant.")
        by_slug.setdefault(s, reg.forbund)
    return regs, problems


def _other_years(f: Path, columns: list[str], year: int) -> pd.DataFrame:
    """The rows of an aggregated layer file for every year but ``year``."""
    from nns_errors import DataError

    try:
        old = pd.read_csv(f, dtype={"forbund": str, "survey": str, "group": str, "answer": str},
                          keep_default_na=False)
        old = old[old["year"] != year]
        for col in ("malpopulation", "undersokt"):
            if col in old.columns:
                old[col] = pd.to_numeric(old[col].replace("", None)).astype("Int64")
        return old[columns]
    except Exception as exc:
        raise DataError(f"Det befintliga aggregerade datalagret kan inte läsas ({type(exc).__name__}: "
                        f"{_clean(str(exc), 200)}); kör 'nnsreport ingest' utan --year för att bygga om det.",
                        where=str(f)) from None


def ingest(registration_dir: str | Path, out_dir: str | Path, instrument: Instrument,
           year: int | None = None) -> tuple[dict, ProblemList, list[Registration]]:
    """Check all registration files and, when none has errors, write the aggregated layer.

    With ``year``, only that year's files are read and the layer's other years
    are kept. Nothing is written when any file has errors (RegistrationError);
    the layer's files are replaced all together or not at all (:func:`write_layer`).
    """
    paths = registration_files(registration_dir, year)
    if not paths:
        raise RegistrationError([Problem(str(registration_dir), None, None,
                                         f"Inga registreringsfiler hittades{f' för {year}' if year else ''}.")])
    regs, problems = check_files(paths, instrument)
    for p in stray_files(registration_dir, year):
        where = f"{p.parent.name}/{p.name}"
        if p.suffix.lower() in SPREADSHEET_SUFFIXES:
            problems.error(where, None, None, "Filen läses inte: bara <år>_<förbund>.xlsx-filer (och CSV-mappar) "
                                              "i årets mapp läses. Spara den som Excel-arbetsbok (.xlsx) med rätt "
                                              "namn i rätt mapp, eller flytta bort den.")
        else:
            problems.warning(where, None, None, "Filen är ingen registreringsfil och ignoreras.")
    kept: dict[str, pd.DataFrame] = {}
    if year is not None:
        from nnsreport import AGGREGATED_FILES

        for key, (fname, columns) in AGGREGATED_FILES.items():
            f = Path(out_dir) / fname
            if f.exists():
                kept[key] = _other_years(f, columns, year)
        if "responses" in kept:  # the same förbund must keep its spelling across years
            known: dict[str, str] = {}
            for name in kept["responses"]["forbund"].unique():
                known.setdefault(slug(name), name)
            for reg in regs:
                old = known.get(slug(reg.forbund))
                if old is not None and old != reg.forbund:
                    problems.warning(_name(Path(reg.path)), INFO_SHEET, "B1",
                                     f"Förbundets namn '{_clean(reg.forbund)}' stavas '{_clean(old)}' andra år i "
                                     "det aggregerade datalagret; i data blir det två förbund. Stava namnet likadant.")
    raise_for_errors(problems)
    layer = aggregate(instrument, regs)
    for key, old in kept.items():
        merged = pd.concat([old, layer[key]], ignore_index=True)
        layer[key] = merged.sort_values(["year"], kind="stable").reset_index(drop=True)
    write_layer(layer, out_dir)
    logger.info("Skrev det aggregerade datalagret till %s från %d filer.", out_dir, len(regs))
    return layer, problems, regs


__all__ = [
    "Registration", "Row", "build_workbook", "save_workbook", "aggregate", "write_layer",
    "file_name", "Problem", "ProblemList", "read_registration", "check_files", "ingest",
    "registration_files", "MAX_FILE_BYTES",
]
