"""The registration template (a blank registration file) and writing filled-in files.

The template and the demo data's filled-in files share one writer. Question
numbers in the instructions come from the instrument, for the template's year.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nns.fsio import write_atomic
from nns.instrument import Instrument
from nns.registration.model import (
    FIRST_DATA_ROW,
    INFO_FIRST_ROW,
    INFO_SHEET,
    INSTRUCTIONS_SHEET,
    TEMPLATE_ROWS,
    Registration,
    file_name,
    survey_columns,
)
from nns.text import capitalize


def build_workbook(instrument: Instrument, forbund: str, year: int, registration: Registration | None = None):
    """An openpyxl workbook: the blank template, or filled in with ``registration``.

    The blank template (``registration`` None) also gets what only matters
    while typing: validation that refuses wrong input with a message, input
    hints, a rule that questions asked only after a given answer (closing
    survey 9–10 after Ja on 8) stay empty otherwise, and longer instructions.
    Filled-in files (the demo data) keep the plain form, so that
    tools/generate_demo.py keeps reproducing the committed files byte for byte.
    """
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
        cols = survey_columns(instrument, survey, year)
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
                on = instrument.condition_number(q.id, year)
                if cond is not None and on in letters:
                    c = f"${letters[on]}{FIRST_DATA_ROW}"
                    me = f"{letter}{FIRST_DATA_ROW}"
                    ok = (f'AND(ISNUMBER({me}),{me}=INT({me}),{me}>=1,{me}<=6)' if not scale.yes_no
                          else f'OR({me}="Ja",{me}="Nej")')
                    dv = DataValidation(type="custom", formula1=f'AND({c}="{cond.answer}",{ok})', allow_blank=True,
                                        errorTitle="Ogiltigt svar",
                                        error=f"Fråga {v.number} besvaras bara om fråga {on} är "
                                              f"{cond.answer}. Svaret ska då vara ett heltal 1–6.")
                    strict(dv, f"Fråga {v.number}", f"Bara om fråga {on} är {cond.answer}: "
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
            for j, (_header, _, kind) in enumerate(cols, start=1):
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
    yes_no_ids = instrument.yes_no_questions(year)
    yes_no = f" {capitalize(instrument.questions_phrase(yes_no_ids, year))} besvaras med Ja eller Nej." \
        if yes_no_ids else ""
    conditions = " ".join(condition_sentences(instrument, year)) or "Alla frågor kan besvaras av alla."
    lines = [
        f"Registreringsfil för NNS indikatorer {year}",
        f"Samordningsförbund: {forbund}",
        "",
        "Så fyller du i filen",
        "1. Ange målpopulation och undersökt population för varje enkät ni använt på bladet Uppgifter.",
        "   Målpopulation: alla som skulle kunna tillfrågas. Undersökt population: de som faktiskt tillfrågats.",
        f"2. Mata in varje besvarad enkät som en rad på enkätens blad ({sheets}), med början på rad 3.",
        "3. Skriv svaret som en siffra 1–6 (1 = lägsta svarsalternativet, 6 = högsta)." + yes_no,
        "4. Lämna cellen tom om frågan inte är besvarad. Skriv inga andra tecken, ingen text och inga formler.",
        "5. " + conditions,
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


def condition_sentences(instrument: Instrument, year: int) -> list[str]:
    """One sentence per condition: which questions are filled in only after which answer.

    >>> from nns.instrument import load_instrument
    >>> condition_sentences(load_instrument(), 2022)
    ['Frågorna 9 och 10 i avslutsenkäten fylls bara i om fråga 8 besvarats med Ja.']
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for on, qid in instrument.conditional_questions(year):
        groups.setdefault((on, instrument.question(qid).condition.answer), []).append(qid)
    out = []
    for (on, answer), qids in groups.items():
        number = instrument.question(on).version(year).number
        out.append(f"{capitalize(instrument.questions_phrase(qids, year))} fylls bara i om fråga {number} "
                   f"besvarats med {answer}.")
    return out


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

