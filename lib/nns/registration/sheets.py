"""Reading the sheets of a registration with every check (shared by .xlsx and CSV).

The reading functions never raise on bad input: they collect every problem
(file, sheet, cell as Excel shows them, message in Swedish) in a
:class:`nns.errors.ProblemList`.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nns.errors import ProblemList
from nns.instrument import Instrument
from nns.registration.model import (
    GAP_WARNING_ROWS,
    ID_HEADER,
    INFO_FIRST_ROW,
    INFO_SHEET,
    INSTRUCTIONS_SHEET,
    MAX_CELLS,
    MAX_ROWS,
    NAME_PUNCTUATION,
    POPULATIONS_FROM,
    Registration,
    Row,
    file_name,
    question_header,
    survey_columns,
)
from nns.registration.values import (
    EXCEL_ERRORS,
    YES_NO_VARIANTS,
    cell_ref,
    clean,
    excel_ref,
    formula_text,
    is_blank,
    is_formula,
    nfkc,
    shown,
    unusual_characters,
)
from nnsreport import slug


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
            add(f"{self.name}/{clean(sheet, 100)}", None, None, message)
        else:
            add(self.name, excel_ref(clean(sheet, 100)), cell, message)

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
    #: The sheet broke off while read, or was refused before (as stored twice ...): its rows do not count.
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
        rep.error(sheet.title, None, damaged(f"Bladet kan inte läsas{f' efter rad {r}' if r else ''}", exc))
        sheet.failed = True


def damaged(what: str, exc: BaseException, path: Path | None = None) -> str:
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
    return f"{what}; filen är skadad ({type(exc).__name__}: {clean(text)}). Spara om den i Excel."



# --- the sheets (shared by .xlsx and CSV) -------------------------------------------

def norm(text) -> str:
    """Unicode normalised (NFKC) and whitespace collapsed, for comparing names, headers and labels."""
    return " ".join(nfkc(str(text)).split())


def _read_as(what: str, raw: str, read: str) -> str:
    """The warning for a name or header that Unicode normalisation changed."""
    return (f"{what} {shown(raw)} innehåller {unusual_characters(raw)} och lästes som '{clean(read)}'. "
            "Skriv om texten med vanliga tecken.")


def read_sheets(sheets: list[Sheet], rep: Reporter, file_year: int | None, file_slug: str | None,
                instrument: Instrument) -> Registration | None:
    """Check and read a registration's sheets: Uppgifter first, then one sheet per survey."""
    word = "filen" if rep.csv else "bladet"
    Word = word.capitalize()
    by_key: dict[str, Sheet] = {}
    folded: dict[str, str] = {}
    for s in sheets:
        key = nfkc(s.key)
        if key != s.key:  # full-width letters, or accents stored apart (a name saved on a Mac)
            rep.warning(s.title, None, _read_as(f"{Word}s namn", s.key, key))
            s.key = key
        f = norm(s.key).casefold()
        if s.key in by_key:
            rep.error(s.title, None, f"{Word} {clean(s.key)} finns två gånger. Det får bara finnas ett per enkät.")
            continue
        if f in folded:
            rep.error(s.title, None, f"Namnet '{clean(s.key)}' skiljer sig bara i stora/små bokstäver eller mellanslag "
                                     f"från '{clean(folded[f])}'. Det får bara finnas ett blad per enkät; slå ihop dem.")
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
            shown = ", ".join(clean(m) for m in s.merged[:3]) + (" …" if len(s.merged) > 3 else "")
            rep.error(s.title, first if re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", first) else None,
                      f"Sammanfogade celler ({shown}) är inte tillåtna. Dela upp dem (Excel: Sammanfoga och centrera av).")
    info = by_key.get(INFO_SHEET)
    if info is None:
        near = folded.get(INFO_SHEET.casefold())
        hint = f" Det finns '{clean(near)}'; namnet måste stavas exakt {INFO_SHEET}." if near else ""
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
        f = norm(key).casefold()
        near = [k for k in list(known) + [INFO_SHEET, INSTRUCTIONS_SHEET] if k.casefold() == f]
        if near:
            hint = f" Menade du '{near[0]}'? Namnet måste stavas exakt så."
        elif norm(key) in all_sheets:
            hint = f" Enkäten {norm(key)} fanns inte {year}."
        else:
            hint = ""
        rep.error(s.title, None, f"{'Okänd fil' if rep.csv else 'Okänt blad'} '{clean(key)}'.{hint} "
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


def _read_info(sheet: Sheet, rep: Reporter, file_year: int | None, file_slug: str | None, instrument: Instrument):
    """Förbund, year and populations from Uppgifter, or None.

    Returns (Registration, survey id -> its row, survey ids whose populations have errors).
    """
    title = sheet.title
    cells: dict[tuple[int, int], object] = {}
    pop_rows = []
    bad: set[tuple[int, int]] = set()
    for r, row in _rows(sheet, rep):
        for c, v in enumerate(row, start=1):
            if is_formula(v):
                rep.error(title, cell_ref(c, r), f"Cellen innehåller en formel ({formula_text(v)}); skriv in värdet i stället.")
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
    if is_blank(forbund) or not isinstance(forbund, str):
        rep.error(title, "B1", f"Förbundets namn saknas eller är inte text (fick {shown(forbund)}). "
                               "Skriv förbundets namn i B1.")
        return None
    if nfkc(forbund) != forbund:
        rep.warning(title, "B1", _read_as("Förbundets namn", forbund, norm(forbund)))
    forbund = norm(forbund)
    odd = sorted({ch for ch in forbund if not (ch.isalnum() or ch == " " or ch in NAME_PUNCTUATION)})
    if odd or not forbund[0].isalnum() or not (forbund[-1].isalnum() or forbund[-1] == ")"):
        what = (f"innehåller {', '.join(repr(clean(ch)) for ch in odd)}" if odd
                else "börjar eller slutar med ett skiljetecken")
        rep.error(title, "B1", f"Förbundets namn {shown(forbund)} {what}. Namnet är nyckeln i data och ska skrivas "
                               "likadant varje år: bokstäver, siffror, mellanslag och tecknen "
                               f"{' '.join(NAME_PUNCTUATION)}, med en bokstav eller siffra först.")
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int):
        rep.error(title, "B2", f"Året ska vara ett heltal, till exempel {file_year or 2023} (fick {shown(year)}).")
        return None
    surveys_list = instrument.surveys_in(year)
    if not surveys_list:
        first = min(s.from_year for s in instrument.surveys)
        rep.error(title, "B2", f"År {year} har inga enkäter i instrumentet (data/instrument.yaml); "
                               f"mätningarna finns från {first}.")
        return None
    if file_year is not None and year != file_year:
        rep.error(title, "B2", f"Året i filen ({year}) stämmer inte med {'mappens' if rep.csv else 'filens'} "
                               f"namn ({file_year}). Rätta året eller namnet.")
    if file_slug is not None and slug(forbund) != file_slug:
        rep.error(title, "B1", f"Förbundet i filen ('{clean(forbund)}') stämmer inte med "
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
        extra = [c for c in range(4, len(row) + 1) if not is_blank(row[c - 1]) and (r, c) not in bad]
        if extra:
            rep.warning(title, cell_ref(extra[0], r), f"Värdet {shown(row[extra[0] - 1])} står utanför tabellen "
                                                  "(kolumn A–C) och ignoreras.")
        if is_blank(label) and is_blank(mal) and is_blank(und):
            continue
        if (r, 1) in bad:
            continue
        survey = surveys.get(norm(label)) if isinstance(label, str) else None
        if survey is not None and nfkc(label) != label:
            rep.warning(title, cell_ref(1, r), _read_as("Enkätens namn", label, survey.sheet))
        if survey is None:
            hint = ""
            if isinstance(label, str) and norm(label).casefold() in folded:
                hint = f" Menade du '{folded[norm(label).casefold()]}'?"
            elif isinstance(label, str) and norm(label) in all_sheets:
                hint = f" Enkäten fanns inte {year}."
            rep.error(title, cell_ref(1, r), f"Okänd enkät {shown(label)}.{hint} Tillåtna: {', '.join(surveys)}.")
            continue
        if survey.id in pop_cells:
            rep.error(title, cell_ref(1, r), f"Enkäten {survey.sheet} står två gånger (även på rad {pop_cells[survey.id]}). "
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
                if not is_blank(v) and v != "–" and v != "-":
                    rep.warning(title, cell_ref(c, r), f"Målpopulation anges inte för {survey.sheet}; "
                                                    f"värdet {shown(v)} ignoreras.")
                values.append(None)
                continue
            if is_blank(v):
                values.append(None)
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                rep.error(title, cell_ref(c, r), f"{what} ska vara ett heltal 0 eller större (fick {shown(v)}).")
                values.append(None)
                pop_errors.add(survey.id)
                continue
            values.append(v)
        if values[0] is not None and values[1] is not None and values[1] > values[0]:
            rep.error(title, cell_ref(3, r),
                      f"Undersökt population ({values[1]}) är större än målpopulationen ({values[0]}) för {survey.sheet}.")
        if values[0] is not None or values[1] is not None:
            reg.populations[survey.id] = (values[0], values[1])
    return reg, pop_cells, pop_errors


def _read_survey(sheet: Sheet, rep: Reporter, survey, year: int, instrument: Instrument) -> list[Row] | None:
    """The rows of one survey sheet, or None when its columns cannot be recognised."""
    title = sheet.title
    expected = survey_columns(instrument, survey, year)
    expected_headers = [h for h, _, _ in expected]
    folded_headers = {h.casefold(): h for h in expected_headers}
    it = _rows(sheet, rep)
    first = next(it, None)
    header = first[1] if first else ()
    if sheet.failed:
        return None
    listing = ", ".join(expected_headers)
    if all(is_blank(h) for h in header):
        rep.error(title, "A1", f"Rubrikraden saknas: rad 1 är tom. Den ska innehålla kolumnnamnen ({listing}). "
                               "Om enkäten inte använts: ta bort bladet.")
        return None
    if not any(not is_blank(h) and norm(h) in expected_headers for h in header):
        c = next(c for c, h in enumerate(header, start=1) if not is_blank(h))
        rep.error(title, cell_ref(c, 1), f"Rubrikraden saknas: rad 1 ska innehålla kolumnnamnen ({listing}), men här står "
                                      f"{shown(header[c - 1])}. Har rad 1 tagits bort?")
        return None
    positions: dict[str, int] = {}
    ok = True
    bg_labels = {b.label for b in instrument.backgrounds.values()}
    for c, h in enumerate(header, start=1):
        if is_blank(h):
            continue
        h_norm = norm(h)
        if h_norm not in expected_headers:
            if is_formula(h):
                hint = " (en formel)"
            elif h_norm.casefold() in folded_headers:
                hint = f" Menade du '{folded_headers[h_norm.casefold()]}'? Namnet måste stavas exakt så."
            elif h_norm in bg_labels:
                hint = f" Enkäten {survey.sheet} har ingen kolumn {h_norm}."
            elif re.fullmatch(r"[Ff]råga [0-9]+", h_norm):
                hint = f" Enkäten {survey.sheet} har {len(expected_headers) - (2 if survey.background else 1)} frågor år {year}."
            else:
                hint = ""
            rep.error(title, cell_ref(c, 1), f"Okänd kolumn {shown(h)}.{hint} Kolumnerna ska heta: {listing}.")
            ok = False
        elif h_norm in positions:
            rep.error(title, cell_ref(c, 1), f"Kolumnen '{h_norm}' finns två gånger (även i {cell_ref(positions[h_norm], 1)}).")
            ok = False
        else:
            positions[h_norm] = c
            if isinstance(h, str) and nfkc(h) != h:
                rep.warning(title, cell_ref(c, 1), _read_as("Kolumnrubriken", h, h_norm))
    missing = [h for h in expected_headers if h not in positions]
    if missing:
        rep.error(title, "A1", f"Kolumner saknas: {', '.join(missing)}. Kolumnerna ska heta: {listing}.")
        ok = False
    if not ok:
        return None
    for h, c in positions.items():
        if c in sheet.hidden_cols:
            rep.warning(title, cell_ref(c, 1), f"Kolumnen {h} är dold men räknas. Visa den och kontrollera uppgifterna.")
    bg = instrument.backgrounds.get(survey.background) if survey.background else None
    questions = {v.number: (q, v) for q, v in instrument.questions_asked(survey.id, year)}
    second = next(it, None)
    if second is not None:
        _check_question_texts(second[1], positions, questions, survey, year, instrument, rep, title)
    rows: list[Row] = []
    idents: dict[str, int] = {}
    unnumbered: dict[tuple, int] = {}   # a row without Enkät nr (its other cells) -> its row number
    used_cols = set(positions.values())
    empty_run = 0
    data_rows = 0
    for r, values in it:
        if all(is_blank(v) for v in values):
            empty_run += 1
            continue
        data_rows += 1
        if empty_run >= GAP_WARNING_ROWS:
            rep.warning(title, cell_ref(1, r), f"Raden kommer efter {empty_run} tomma rader (rad {r - empty_run}–{r - 1}) "
                                            "och räknas. Kontrollera att den hör till bladet.")
        empty_run = 0

        def get(col: int, values=values):
            return values[col - 1] if col - 1 < len(values) else None

        if sheet.strict_width and len(values) != len(header):
            rep.error(title, cell_ref(min(len(values), len(header)) + 1, r),
                      f"Raden har {len(values)} fält men rubrikraden har {len(header)}. Kontrollera avgränsare, "
                      "citattecken och radbrytningar på raden.")

        for c in range(1, len(values) + 1):
            if c not in used_cols and not is_blank(values[c - 1]):
                rep.error(title, cell_ref(c, r), f"Värdet {shown(values[c - 1])} står i en kolumn utan rubrik. "
                                              "Flytta det till rätt kolumn eller ta bort det.")
        if r in sheet.hidden_rows:
            rep.warning(title, cell_ref(1, r), "Raden är dold men räknas. Visa den och kontrollera uppgifterna.")
        row_ok = True
        ident = get(positions[ID_HEADER])
        if is_formula(ident):
            rep.error(title, cell_ref(positions[ID_HEADER], r),
                      f"Cellen innehåller en formel ({formula_text(ident)}); skriv in värdet i stället.")
            row_ok, ident = False, None
        elif not is_blank(ident):
            if isinstance(ident, float) and ident.is_integer():
                ident = int(ident)
            ident = str(ident)
            if norm(ident) in idents:
                rep.warning(title, cell_ref(positions[ID_HEADER], r),
                            f"Enkät nr {shown(ident)} finns redan på rad {idents[norm(ident)]}. "
                            "Är enkäten inmatad två gånger?")
            else:
                idents[norm(ident)] = r
        background = None
        if bg is not None:
            col = positions[bg.label]
            background, fine = _background_value(get(col), bg, rep, title, cell_ref(col, r))
            row_ok &= fine
        answers, invalid = {}, set()
        for number, (_q, v) in questions.items():
            col = positions[question_header(number)]
            value, fine = _answer_value(get(col), instrument.scales[v.scale], rep, title, cell_ref(col, r))
            if not fine:
                invalid.add(number)
            answers[number] = value
        row_ok &= not invalid
        for number, (q, _v) in questions.items():
            cond = q.condition
            on = instrument.condition_number(q.id, year)
            if cond and answers.get(number) is not None and on not in invalid:
                given = answers.get(on)
                if given != cond.answer:
                    found = "obesvarad" if given is None else f"'{given}'"
                    rep.error(title, cell_ref(positions[question_header(number)], r),
                              f"Fråga {number} är besvarad ({shown(answers[number])}) fast fråga {on} är "
                              f"{found}; fråga {number} besvaras bara efter {cond.answer} på fråga {on}. "
                              f"Töm cellen eller rätta fråga {on}.")
                    row_ok = False
        if all(a is None for a in answers.values()):
            if row_ok and not invalid:
                rep.warning(title, cell_ref(1, r), "Raden har ingen besvarad fråga och räknas därför inte som ett svar.")
            continue
        if row_ok and is_blank(ident):   # (a row with errors is not counted anyway)
            cells = [v for c, v in enumerate(values, start=1) if c != positions[ID_HEADER]]
            end = len(cells)
            while end and cells[end - 1] is None:
                end -= 1
            same = tuple(cells[:end])
            if same in unnumbered:
                rep.warning(title, cell_ref(1, r),
                            f"Raden är exakt likadan som rad {unnumbered[same]} och ingen av dem har Enkät nr; "
                            "båda räknas som svar. Är enkäten inmatad två gånger? Ta bort den ena raden, eller "
                            "skriv Enkät nr på båda om det är två enkäter med samma svar.")
            else:
                unnumbered[same] = r
        rows.append(Row(ident=None if is_blank(ident) else ident, background=background, answers=answers))
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
                texts.setdefault(norm(v.text).casefold(), []).append((q, v))
    for number, (q, v) in questions.items():
        c = positions[question_header(number)]
        raw = values[c - 1] if c - 1 < len(values) else None
        if is_blank(raw):
            continue
        if _looks_like_answer(raw):
            rep.error(title, cell_ref(c, 2), f"Rad 2 ska innehålla frågetexterna, men här står ett svar ({shown(raw)}). "
                                          "Har raden med frågetexter tagits bort? Svaren ska börja på rad 3; "
                                          "rad 2 räknas aldrig som ett svar.")
            return
        if not isinstance(raw, str) or norm(raw).casefold() == norm(v.text).casefold():
            continue
        matches = texts.get(norm(raw).casefold(), [])
        other = [(oq, ov) for oq, ov in matches if oq.id != q.id]
        if other:
            oq, ov = other[0]
            asked = oq.version(year)
            where = (f"fråga {asked.number} i {year} års enkät" if asked is not None and asked.text == ov.text
                     else f"en fråga som inte ställs så {year}")
            rep.error(title, cell_ref(c, 2), f"Frågetexten i kolumnen Fråga {number} hör till {where}. Bladet verkar "
                                          f"komma från en annan årgångs mall; frågorna numrerades om. Använd mallen "
                                          f"för {year} (nnsreport template) och för över svaren till rätt fråga.")
        elif matches:
            rep.warning(title, cell_ref(c, 2), f"Frågetexten är formuleringen från {matches[0][1].from_year}, inte {year} "
                                            "års. Kontrollera att mallen för rätt år använts.")
        else:
            rep.warning(title, cell_ref(c, 2), f"Frågetexten skiljer sig från {year} års enkät "
                                            f"('{clean(v.text)}'). Kontrollera att svaren står under rätt fråga.")


def _background_value(raw, bg, rep: Reporter, title: str, cell: str):
    missing = bg.group(bg.missing).value
    allowed = ", ".join(g.value for g in bg.groups)
    if raw is None:
        return None, True
    if isinstance(raw, str) and raw.strip() == "":
        rep.warning(title, cell, f"Cellen innehåller bara mellanslag och räknas som tom ({missing}).")
        return None, True
    if is_formula(raw):
        rep.error(title, cell, f"Cellen innehåller en formel ({formula_text(raw)}); skriv in värdet i stället.")
        return None, False
    if isinstance(raw, str):
        text = norm(raw)
        for g in bg.groups:
            if text == g.value:
                if text != raw:
                    rep.warning(title, cell, f"{shown(raw)} tolkades som '{g.value}'.")
                return g.value, True
        for g in bg.groups:
            if text.casefold() == g.value.casefold():
                rep.warning(title, cell, f"{shown(raw)} tolkades som '{g.value}'.")
                return g.value, True
    rep.error(title, cell, f"Okänt värde {shown(raw)} för {bg.label.lower()}. Tillåtna: {allowed} "
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
    if is_formula(raw):
        rep.error(title, cell, f"Cellen innehåller en formel ({formula_text(raw)}); skriv in svaret som ett värde "
                               f"i stället. Tillåtna: {allowed}.")
        return None, False
    if isinstance(raw, str) and raw.strip() in EXCEL_ERRORS:
        rep.error(title, cell, f"Cellen innehåller Excels felvärde {raw.strip()}. Tillåtna: {allowed}.")
        return None, False
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        rep.error(title, cell, f"Cellen innehåller ett datum eller klockslag ({shown(raw)}); Excel har tolkat "
                               "inmatningen som datum. Formatera cellen som Tal och skriv svaret igen. "
                               f"Tillåtna: {allowed}.")
        return None, False
    if isinstance(raw, bool):
        rep.error(title, cell, f"Cellen innehåller sanningsvärdet {shown(raw)}. Tillåtna: {allowed}.")
        return None, False
    if scale.yes_no:
        if isinstance(raw, str):
            text = raw.strip()
            if text in ("Ja", "Nej"):
                if text != raw:
                    rep.warning(title, cell, f"{shown(raw)} tolkades som '{text}'.")
                return text, True
            if text.casefold() in YES_NO_VARIANTS:
                value = YES_NO_VARIANTS[text.casefold()]
                rep.warning(title, cell, f"{shown(raw)} tolkades som '{value}'.")
                return value, True
            rep.error(title, cell, f"Ogiltigt svar {shown(raw)}. Tillåtna: {allowed}.")
            return None, False
        if isinstance(raw, (int, float)):
            rep.error(title, cell, f"Ogiltigt svar {shown(raw)}: frågan besvaras med Ja eller Nej, inte med en "
                                   f"siffra (1/0 tolkas inte). Tillåtna: {allowed}.")
            return None, False
    else:
        if isinstance(raw, (int, float)):
            if float(raw).is_integer() and 1 <= raw <= 6:
                return int(raw), True
            what = "utanför skalan" if float(raw).is_integer() else "inget heltal"
            rep.error(title, cell, f"Svaret {shown(raw)} är {what}. Tillåtna: {allowed}.")
            return None, False
        if isinstance(raw, str):
            text = raw.strip()
            if text in ("1", "2", "3", "4", "5", "6"):
                rep.error(title, cell, f"Svaret {shown(raw)} är text, inte ett tal. Skriv {text} som ett tal "
                                       f"(utan mellanslag eller apostrof). Tillåtna: {allowed}.")
            else:
                rep.error(title, cell, f"Text {shown(raw)} där ett tal ska stå. Tillåtna: {allowed}.")
            return None, False
    rep.error(title, cell, f"Ogiltigt värde {shown(raw)}. Tillåtna: {allowed}.")
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
                rep.error(info_title, cell_ref(3 if pops[1] else 2, row) if row else None,
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
                rep.warning(info_title, cell_ref(2 if lacking[0] == "målpopulation" else 3, row) if row else None,
                            f"{' och '.join(lacking).capitalize()} saknas för {survey.sheet} ({n} svar); "
                            "svarsfrekvensen kan inte beräknas.")
        if pops is None:
            continue
        mal, und = pops
        for value, col, what in ((und, 3, "Undersökt population"), (mal, 2, "Målpopulationen")):
            if value is not None and value < n:
                rep.error(info_title, cell_ref(col, row) if row else None,
                          f"{what} för {survey.sheet} ({value}) är mindre än antalet svar ({n}) "
                          f"{'i' if rep.csv else 'på'} {where(survey)}.")

