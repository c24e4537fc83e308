"""Registration files ("registreringsfiler"): the template, reading with checks, aggregation.

One ``.xlsx`` per förbund and year, named ``<year>_<slug>.xlsx``:

* ``Instruktioner``: how to fill in the file (not read back);
* ``Uppgifter``: förbund (B1), year (B2) and, from row 5, per survey its
  målpopulation and undersökt population;
* one sheet per survey used (its name is the survey's ``sheet`` in the
  instrument): row 1 holds the column names (``Enkät nr``, the background
  variable ``Kön`` or ``Anställning`` where the survey has one, ``Fråga 1`` …),
  row 2 the question texts, and every row from 3 on is one returned survey.

A sheet that is absent means the förbund did not use that survey; a sheet that
is present but has no answers means it used the survey and got no responses.

The reading functions never raise on bad input: they collect every problem
(file, sheet, cell, message in Swedish) in a :class:`ProblemList`.
"""
from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Rows per survey sheet that the template prepares (validation, unlocked cells).
TEMPLATE_ROWS = 1000

FILE_RE = re.compile(r"^(?P<year>\d{4})_(?P<slug>[a-z0-9-]+)\.xlsx$")


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
    """An openpyxl workbook: the blank template, or filled in with ``registration``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    unlocked = Protection(locked=False)

    wb = Workbook()
    ins = wb.active
    ins.title = INSTRUCTIONS_SHEET
    for i, line in enumerate(_instructions(instrument, forbund, year), start=1):
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
    pop_dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            errorTitle="Ogiltigt värde", error="Ange ett heltal, 0 eller större.")
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
            ws.column_dimensions[letter].protection = unlocked
            target = f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"
            if kind is None:
                continue
            if isinstance(kind, tuple):
                scale = instrument.scales[kind[1].scale]
                if scale.yes_no:
                    dv = DataValidation(type="list", formula1='"Ja,Nej"', allow_blank=True,
                                        errorTitle="Ogiltigt svar", error="Svara Ja eller Nej, eller lämna tomt.")
                else:
                    dv = DataValidation(type="whole", operator="between", formula1="1", formula2="6",
                                        allow_blank=True, errorTitle="Ogiltigt svar",
                                        error="Svaret ska vara ett heltal 1–6, eller tomt om frågan inte besvarats.")
            else:
                values = ",".join(g.value for g in kind.groups)
                dv = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True,
                                    errorTitle="Ogiltigt värde", error=f"Välj ett av: {values.replace(',', ', ')}.")
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


def _instructions(instrument: Instrument, forbund: str, year: int) -> list[str]:
    sheets = ", ".join(s.sheet for s in instrument.surveys_in(year))
    return [
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
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


def write_layer(layer: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write the aggregated layer's CSV files atomically (all files or none replaced)."""
    from nnsreport import AGGREGATED_FILES

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for key, (name, columns) in AGGREGATED_FILES.items():
            data = layer[key][columns].to_csv(index=False, lineterminator="\n").encode("utf-8")
            fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            staged.append((tmp, out / name))
    except BaseException:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [t for _, t in staged]


def raise_for_errors(problems: ProblemList) -> None:
    if problems.errors:
        raise RegistrationError(problems.errors)


# ---------------------------------------------------------------------------
# Reading with checks
# ---------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _shown(value) -> str:
    """A cell value as the message shows it."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def check_container(path: Path, problems: ProblemList) -> bool:
    """The file exists, is not too large, and is an .xlsx zip that is not encrypted."""
    name = path.name
    if not path.exists():
        problems.error(name, None, None, "Filen finns inte.")
        return False
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.error(name, None, None,
                       f"Filen är {size / 1e6:.1f} MB; största tillåtna storlek är {MAX_FILE_BYTES // 10**6} MB.")
        return False
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        problems.error(name, None, None,
                       "Filen är lösenordsskyddad eller sparad i det gamla .xls-formatet. "
                       "Ta bort lösenordet och spara som Excel-arbetsbok (.xlsx).")
        return False
    if not zipfile.is_zipfile(path):
        problems.error(name, None, None,
                       "Filen är ingen Excel-arbetsbok (.xlsx) eller är skadad/avkortad. Spara om den i Excel som .xlsx.")
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        problems.error(name, None, None, f"Filen är skadad och kan inte läsas ({exc}).")
        return False
    if bad is not None:
        problems.error(name, None, None, f"Filen är skadad (delen {bad} går inte att packa upp).")
        return False
    if "xl/workbook.xml" not in names:
        problems.error(name, None, None, "Filen saknar en arbetsbok; är det verkligen en Excel-fil (.xlsx)?")
        return False
    if any(n.startswith("xl/vbaProject") for n in names):
        problems.warning(name, None, None, "Filen innehåller makron; de körs inte och ignoreras.")
    return True


def _merged_ranges(path: Path) -> dict[str, list[str]]:
    """Merged cell ranges per sheet name, read from the workbook XML (read-only mode hides them)."""
    from defusedxml import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    out = {}
    with zipfile.ZipFile(path) as zf:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for sheet in wb.iter(f"{{{ns['m']}}}sheet"):
            target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            try:
                xml = ET.fromstring(zf.read(part))
            except KeyError:
                continue
            refs = [m.get("ref") for m in xml.iter(f"{{{ns['m']}}}mergeCell")]
            if refs:
                out[sheet.get("name")] = refs
    return out


def read_registration(path: str | Path, instrument: Instrument, problems: ProblemList) -> Registration | None:
    """Read one registration file; every problem found goes to ``problems``.

    Returns the registration (also when it has errors, for further checks), or
    None when the file cannot be read at all.
    """
    from openpyxl import load_workbook

    path = Path(path)
    name = path.name
    if path.suffix.lower() == ".csv" or path.is_dir():
        from nns_registration_csv import read_csv_registration

        return read_csv_registration(path, instrument, problems)
    if not check_container(path, problems):
        return None
    m = FILE_RE.match(name)
    if not m:
        problems.error(name, None, None,
                       "Filnamnet ska vara <år>_<förbund>.xlsx, till exempel 2022_arvika-eda.xlsx "
                       "(skapa filen med 'nnsreport template').")
        return None
    file_year, file_slug = int(m["year"]), m["slug"]
    try:
        merged = _merged_ranges(path)
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        problems.error(name, None, None, f"Filen kan inte läsas som Excel-arbetsbok ({type(exc).__name__}: {exc}).")
        return None
    try:
        return _read_workbook(wb, name, file_year, file_slug, merged, instrument, problems)
    finally:
        wb.close()


def _read_workbook(wb, name, file_year, file_slug, merged, instrument, problems) -> Registration | None:
    sheets = {ws.title: ws for ws in wb.worksheets}
    for title, refs in merged.items():
        problems.error(name, title, refs[0].split(":")[0],
                       f"Sammanfogade celler ({', '.join(refs[:3])}) är inte tillåtna. Dela upp dem.")
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            problems.error(name, ws.title, None,
                           "Bladet är dolt. Visa det (eller ta bort det) så att alla uppgifter syns.")
    if INFO_SHEET not in sheets:
        problems.error(name, INFO_SHEET, None,
                       f"Bladet {INFO_SHEET} saknas; det ska ange förbund, år och populationer.")
        return None
    reg = _read_info(sheets[INFO_SHEET], name, file_year, file_slug, instrument, problems)
    if reg is None:
        return None
    year = reg.year
    known = {s.sheet: s for s in instrument.surveys_in(year)}
    lower_known = {k.lower().strip(): k for k in known}
    for title in sheets:
        if title in (INFO_SHEET, INSTRUCTIONS_SHEET) or title in known:
            continue
        hint = ""
        if title.lower().strip() in lower_known:
            hint = f" Menade du '{lower_known[title.lower().strip()]}'? Bladnamnet måste stavas exakt så."
        problems.error(name, title, None,
                       f"Okänt blad '{title}'.{hint} Tillåtna enkätblad {year}: {', '.join(known)}.")
    for title, survey in known.items():
        if title in sheets:
            rows = _read_survey(sheets[title], name, survey, year, instrument, problems)
            if rows is not None:
                reg.surveys[survey.id] = rows
        elif survey.id in reg.populations:
            problems.warning(name, INFO_SHEET, None,
                             f"Populationer är angivna för {survey.sheet}, men bladet saknas; "
                             "enkäten räknas som ej använd.")
    _check_populations(reg, name, instrument, problems)
    return reg


def _read_info(ws, name, file_year, file_slug, instrument, problems) -> Registration | None:
    cells = {}
    pops_rows = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        for c, v in enumerate(row, start=1):
            if not _is_blank(v):
                cells[(r, c)] = v
        if r >= INFO_FIRST_ROW:
            pops_rows.append((r, row))
    forbund = cells.get((1, 2))
    year = cells.get((2, 2))
    if _is_blank(forbund) or not isinstance(forbund, str):
        problems.error(name, INFO_SHEET, "B1", f"Förbundets namn saknas eller är inte text (fick {_shown(forbund)}).")
        return None
    forbund = " ".join(forbund.split())
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if not isinstance(year, int) or isinstance(year, bool):
        problems.error(name, INFO_SHEET, "B2", f"Året ska vara ett heltal, till exempel 2022 (fick {_shown(year)}).")
        return None
    if year != file_year:
        problems.error(name, INFO_SHEET, "B2",
                       f"Året i filen ({year}) stämmer inte med filnamnet ({file_year}).")
    if slug(forbund) != file_slug:
        problems.error(name, INFO_SHEET, "B1",
                       f"Förbundet i filen ('{forbund}') stämmer inte med filnamnet; väntat filnamn "
                       f"{file_name(forbund, year)}.")
    surveys = {s.sheet: s for s in instrument.surveys_in(year)}
    reg = Registration(forbund=forbund, year=year)
    for r, row in pops_rows:
        row = tuple(row) + (None,) * 3
        label, mal, und = row[0], row[1], row[2]
        if _is_blank(label) and _is_blank(mal) and _is_blank(und):
            continue
        survey = surveys.get(label.strip() if isinstance(label, str) else label)
        if survey is None:
            problems.error(name, INFO_SHEET, _cell(1, r),
                           f"Okänd enkät {_shown(label)}. Tillåtna: {', '.join(surveys)}.")
            continue
        values = []
        for c, v in ((2, mal), (3, und)):
            if c == 2 and not survey.target_population:
                values.append(None)
                continue
            if _is_blank(v):
                values.append(None)
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                what = "Målpopulation" if c == 2 else "Undersökt population"
                problems.error(name, INFO_SHEET, _cell(c, r),
                               f"{what} ska vara ett heltal 0 eller större (fick {_shown(v)}).")
                values.append(None)
                continue
            values.append(v)
        if values[0] is not None and values[1] is not None and values[1] > values[0]:
            problems.error(name, INFO_SHEET, _cell(3, r),
                           f"Undersökt population ({values[1]}) är större än målpopulationen ({values[0]}).")
        if values[0] is not None or values[1] is not None:
            reg.populations[survey.id] = (values[0], values[1])
    return reg


YES_NO_VARIANTS = {"ja": "Ja", "nej": "Nej"}


def _read_survey(ws, name, survey, year, instrument, problems) -> list[Row] | None:
    title = ws.title
    expected = _columns(instrument, survey, year)
    expected_headers = [h for h, _, _ in expected]
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, None) or ()
    positions: dict[str, int] = {}
    ok = True
    for c, h in enumerate(header, start=1):
        if _is_blank(h):
            continue
        h_norm = " ".join(str(h).split())
        if h_norm not in expected_headers:
            problems.error(name, title, _cell(c, 1),
                           f"Okänd kolumn {_shown(h)}. Kolumnerna ska heta: {', '.join(expected_headers)}.")
            ok = False
        elif h_norm in positions:
            problems.error(name, title, _cell(c, 1),
                           f"Kolumnen '{h_norm}' finns två gånger (även i {_cell(positions[h_norm], 1)}).")
            ok = False
        else:
            positions[h_norm] = c
    missing = [h for h in expected_headers if h not in positions]
    if missing:
        problems.error(name, title, "A1", f"Kolumner saknas: {', '.join(missing)}.")
        ok = False
    if not ok:
        return None
    next(rows_iter, None)  # row 2: question texts
    bg = instrument.backgrounds.get(survey.background) if survey.background else None
    questions = {v.number: (q, v) for q, v in instrument.questions_asked(survey.id, year)}
    rows = []
    for r, values in enumerate(rows_iter, start=FIRST_DATA_ROW):
        values = tuple(values)
        get = lambda col: values[col - 1] if col - 1 < len(values) else None  # noqa: E731
        extra = [c for c in range(1, len(values) + 1)
                 if c not in positions.values() and not _is_blank(values[c - 1])]
        for c in extra:
            problems.error(name, title, _cell(c, r),
                           f"Värde {_shown(values[c - 1])} i en kolumn utan rubrik. Flytta det till rätt kolumn eller ta bort det.")
        if all(_is_blank(v) for v in values):
            continue
        row_ok = True
        ident = get(positions[ID_HEADER])
        background = None
        if bg is not None:
            col = positions[bg.label]
            raw = get(col)
            background, fine = _background_value(raw, bg, name, title, _cell(col, r), problems)
            row_ok &= fine
        answers = {}
        for number, (q, v) in questions.items():
            col = positions[question_header(number)]
            raw = get(col)
            value, fine = _answer_value(raw, instrument.scales[v.scale], name, title, _cell(col, r), problems)
            row_ok &= fine
            answers[number] = value
        for number, (q, v) in questions.items():
            if q.condition and answers.get(number) is not None:
                cond = answers.get(q.condition.question)
                if cond != q.condition.answer:
                    col = positions[question_header(number)]
                    found = "tom" if cond is None else f"'{cond}'"
                    problems.error(name, title, _cell(col, r),
                                   f"Fråga {number} är besvarad fast fråga {q.condition.question} är {found}; "
                                   f"frågan besvaras bara efter {q.condition.answer} på fråga {q.condition.question}.")
                    row_ok = False
        if all(a is None for a in answers.values()):
            if row_ok:
                problems.warning(name, title, _cell(1, r),
                                 "Raden har ingen besvarad fråga och räknas därför inte som ett svar.")
            continue
        rows.append(Row(ident=None if _is_blank(ident) else str(ident), background=background, answers=answers))
    return rows


def _formula(raw) -> bool:
    return isinstance(raw, str) and raw.startswith("=")


def _background_value(raw, bg, name, title, cell, problems):
    if _is_blank(raw):
        return None, True
    if _formula(raw):
        problems.error(name, title, cell, f"Cellen innehåller en formel ({raw}); skriv in värdet i stället.")
        return None, False
    if isinstance(raw, str):
        text = " ".join(raw.split())
        for g in bg.groups:
            if text == g.value:
                return g.value, True
        for g in bg.groups:
            if text.lower() == g.value.lower():
                problems.warning(name, title, cell, f"{_shown(raw)} tolkades som '{g.value}'.")
                return g.value, True
    allowed = ", ".join(g.value for g in bg.groups)
    problems.error(name, title, cell, f"Okänt värde {_shown(raw)} för {bg.label.lower()}. Tillåtna: {allowed} eller tomt.")
    return None, False


def _answer_value(raw, scale, name, title, cell, problems):
    """A validated answer (1–6, 'Ja', 'Nej' or None) and whether it was acceptable."""
    if _is_blank(raw):
        if isinstance(raw, str) and raw != "":
            problems.warning(name, title, cell, "Cellen innehåller bara mellanslag och räknas som obesvarad.")
        return None, True
    if _formula(raw):
        problems.error(name, title, cell, f"Cellen innehåller en formel ({raw}); skriv in svaret i stället.")
        return None, False
    if scale.yes_no:
        if isinstance(raw, str):
            text = raw.strip()
            if text in ("Ja", "Nej"):
                if text != raw:
                    problems.warning(name, title, cell, f"{_shown(raw)} tolkades som '{text}'.")
                return text, True
            if text.lower() in YES_NO_VARIANTS:
                value = YES_NO_VARIANTS[text.lower()]
                problems.warning(name, title, cell, f"{_shown(raw)} tolkades som '{value}'.")
                return value, True
        problems.error(name, title, cell, f"Ogiltigt svar {_shown(raw)}. Tillåtna: Ja, Nej eller tomt.")
        return None, False
    if isinstance(raw, bool):
        problems.error(name, title, cell, f"Ogiltigt svar {_shown(raw)}. Tillåtna: heltal 1–6 eller tomt.")
        return None, False
    if isinstance(raw, (int, float)):
        if float(raw).is_integer() and 1 <= raw <= 6:
            return int(raw), True
        problems.error(name, title, cell, f"Svaret {_shown(raw)} är utanför skalan. Tillåtna: heltal 1–6 eller tomt.")
        return None, False
    if isinstance(raw, str):
        problems.error(name, title, cell,
                       f"Text {_shown(raw)} där ett tal ska stå. Tillåtna: heltal 1–6 (som tal, inte text) eller tomt.")
        return None, False
    problems.error(name, title, cell, f"Ogiltigt svar {_shown(raw)} (typ {type(raw).__name__}). Tillåtna: heltal 1–6 eller tomt.")
    return None, False


def _check_populations(reg: Registration, name, instrument, problems) -> None:
    for survey in instrument.surveys_in(reg.year):
        rows = reg.surveys.get(survey.id)
        if rows is None or survey.id not in reg.populations:
            continue
        mal, und = reg.populations[survey.id]
        n = len(rows)
        row = INFO_FIRST_ROW + [s.id for s in instrument.surveys_in(reg.year)].index(survey.id)
        for value, col, what in ((und, 3, "Undersökt population"), (mal, 2, "Målpopulationen")):
            if value is not None and value < n:
                problems.error(name, INFO_SHEET, _cell(col, row),
                               f"{what} för {survey.sheet} ({value}) är mindre än antalet svar ({n}).")


# ---------------------------------------------------------------------------
# Checking many files, and ingest
# ---------------------------------------------------------------------------

def registration_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """The registration files under ``directory`` (``<year>/<year>_<slug>.xlsx``), sorted."""
    d = Path(directory)
    pattern = f"{year}/*.xlsx" if year else "*/*.xlsx"
    return sorted(p for p in d.glob(pattern) if not p.name.startswith((".", "~$")))


def check_files(paths: list[Path], instrument: Instrument) -> tuple[list[Registration], ProblemList]:
    """Read and check every file; cross-file checks too. Never raises on bad input."""
    problems = ProblemList()
    regs = []
    for p in paths:
        reg = read_registration(p, instrument, problems)
        if reg is not None:
            reg.path = str(p)
            regs.append(reg)
    seen: dict[tuple, Registration] = {}
    for reg in regs:
        key = (reg.year, slug(reg.forbund))
        if key in seen:
            problems.error(Path(reg.path).name, INFO_SHEET, "B1",
                           f"Två filer gäller samma förbund och år ({reg.forbund}, {reg.year}): "
                           f"även {Path(seen[key].path).name}. Slå ihop dem till en fil.")
        else:
            seen[key] = reg
    by_slug: dict[str, str] = {}
    for reg in regs:
        s = slug(reg.forbund)
        if s in by_slug and by_slug[s] != reg.forbund:
            problems.warning(Path(reg.path).name, INFO_SHEET, "B1",
                             f"Förbundets namn '{reg.forbund}' stavas annorlunda i en annan fil ('{by_slug[s]}').")
        by_slug.setdefault(s, reg.forbund)
    return regs, problems


def ingest(registration_dir: str | Path, out_dir: str | Path, instrument: Instrument,
           year: int | None = None) -> tuple[dict, ProblemList, list[Registration]]:
    """Check all registration files and, when none has errors, write the aggregated layer.

    With ``year``, only that year's files are read and the layer's other years
    are kept. Nothing is written when any file has errors (RegistrationError).
    """
    paths = registration_files(registration_dir, year)
    if not paths:
        raise RegistrationError([Problem(str(registration_dir), None, None,
                                         f"Inga registreringsfiler hittades{f' för {year}' if year else ''}.")])
    regs, problems = check_files(paths, instrument)
    raise_for_errors(problems)
    layer = aggregate(instrument, regs)
    if year is not None:
        from nnsreport import AGGREGATED_FILES

        old_dir = Path(out_dir)
        for key, (fname, columns) in AGGREGATED_FILES.items():
            f = old_dir / fname
            if f.exists():
                old = pd.read_csv(f, dtype={"forbund": str, "survey": str, "group": str, "answer": str},
                                  keep_default_na=False)
                old = old[old["year"] != year]
                for col in ("malpopulation", "undersokt"):
                    if col in old.columns:
                        old[col] = pd.to_numeric(old[col].replace("", None)).astype("Int64")
                merged = pd.concat([old, layer[key]], ignore_index=True)
                layer[key] = merged.sort_values(["year"], kind="stable").reset_index(drop=True)
    write_layer(layer, out_dir)
    logger.info("Skrev det aggregerade datalagret till %s från %d filer.", out_dir, len(regs))
    return layer, problems, regs


__all__ = [
    "Registration", "Row", "build_workbook", "save_workbook", "aggregate", "write_layer",
    "file_name", "Problem", "ProblemList",
]
