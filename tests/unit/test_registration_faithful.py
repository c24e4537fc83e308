"""Reading a registration drops or adds nothing silently (issue 10).

Each case is built from a demo file the way some program other than Excel might store it,
and must read exactly like the demo file (the same förbund, answers and populations), with
at most the warning the case names:

* rows and cells stored out of order in the sheet XML (LibreOffice and Excel show every cell
  where its reference puts it; openpyxl's read-only mode skipped or misplaced them);
* names, headers and sheet names in unusual Unicode forms (full-width letters, accents stored
  apart as macOS stores them), the same in .xlsx and CSV;
* a row entered twice without Enkät nr is counted, with a warning naming both rows.

The refusals (a row or cell stored twice, Strict Open XML, a full-width digit in CSV) are in
the bad-file corpus, tests/unit/test_registration_corpus.py.
"""
from __future__ import annotations

import unicodedata

import pytest

from helpers.registration import (
    BASE,
    BASE_NAME,
    cell_into_row,
    check,
    edit_sheet_xml,
    messages,
    move_cell,
    move_row,
    mutate_xlsx,
    mutate_zip,
    reverse_rows,
    to_csv_dir,
)
from nns.registration import xlsx as xlsx_mod

F = BASE_NAME          # "2022_jamtland.xlsx"
D = BASE.stem          # "2022_jamtland"


@pytest.fixture(scope="module")
def base(instrument):
    regs, problems = check([BASE], instrument)
    assert messages(problems) == []
    return regs[0]


def same_registration(a, b) -> bool:
    return (a.forbund, a.year, a.surveys, a.populations) == (b.forbund, b.year, b.surveys, b.populations)


def every_sheet(edit):
    """The same sheet-XML edit applied to every sheet of the demo file but Instruktioner."""
    titles = ("Uppgifter", "Deltagare pågående", "Deltagare avslut", "Personal", "Parternas chefsgrupp", "Styrelse",
              "Remittenter")

    def fn(parts):
        for t in titles:
            edit_sheet_xml(t, edit)(parts)
    return fn


# --- rows and cells stored out of order --------------------------------------------------

STORED_OUT_OF_ORDER = {
    "the data rows in reverse order": edit_sheet_xml("Personal", reverse_rows),
    "one row moved to the end": edit_sheet_xml("Personal", move_row(20)),
    "one row stored before an earlier one": edit_sheet_xml("Personal", move_row(30, before=5)),
    "a cell stored after the rest of its row": edit_sheet_xml("Personal", move_cell("B18")),
    "a cell stored in the previous row's element": edit_sheet_xml("Personal", cell_into_row("B19", 18)),
    "every sheet's rows in reverse order": every_sheet(reverse_rows),
}


@pytest.mark.parametrize("edit", STORED_OUT_OF_ORDER.values(), ids=STORED_OUT_OF_ORDER.keys())
def test_rows_and_cells_stored_out_of_order_are_read_where_their_references_put_them(
        edit, tmp_path, instrument, base, monkeypatch):
    modes = []
    real = xlsx_mod.load_workbook
    monkeypatch.setattr(xlsx_mod, "load_workbook", lambda *a, **k: modes.append(k["read_only"]) or real(*a, **k))
    f = mutate_zip(BASE, tmp_path / "2022" / F, edit)
    regs, problems = check([f], instrument)
    assert messages(problems) == []
    assert same_registration(regs[0], base)
    assert modes == [False]  # read whole, every cell placed by its reference


def test_a_file_stored_in_order_is_streamed(instrument, monkeypatch):
    """The fast path: openpyxl's read-only mode for files stored as Excel stores them."""
    modes = []
    real = xlsx_mod.load_workbook
    monkeypatch.setattr(xlsx_mod, "load_workbook", lambda *a, **k: modes.append(k["read_only"]) or real(*a, **k))
    check([BASE], instrument)
    assert modes == [True]


# --- names, headers and sheet names in unusual Unicode forms ------------------------------

NFD_SHEET = unicodedata.normalize("NFD", "Deltagare pågående")


def rename_sheet(old: str, new: str):
    def fn(parts):
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
    return fn


def setv(sheet, cell, value):
    def fn(wb):
        wb[sheet][cell] = value
    return fn


def as_csv(path, tmp_path):
    return to_csv_dir(path, tmp_path / "csv" / "2022" / D)


def renamed_csv_file(old: str, new: str):
    def fn(d):
        (d / f"{old}.csv").rename(d / f"{new}.csv")
        return d
    return fn


# (what, the edit of the .xlsx by openpyxl or of its zip, the sheet and cell of the warning, its words)
UNICODE_FORMS = [
    ("a förbund name with a full-width letter", setv("Uppgifter", "B1", "Ｊämtland"), "Uppgifter", "B1",
     ("Förbundets namn 'Ｊämtland'", "'Ｊ' (U+FF2A)", "lästes som 'Jämtland'")),
    ("a förbund name with its accent stored apart", setv("Uppgifter", "B1", unicodedata.normalize("NFD", "Jämtland")),
     "Uppgifter", "B1", ("separat accenttecken", "lästes som 'Jämtland'")),
    ("a column header with a full-width letter", setv("Personal", "D1", "Ｆråga 3"), "Personal", "D1",
     ("Kolumnrubriken 'Ｆråga 3'", "U+FF26", "lästes som 'Fråga 3'")),
    ("a survey name in Uppgifter with a full-width letter", setv("Uppgifter", "A7", "Ｐersonal"), "Uppgifter", "A7",
     ("Enkätens namn 'Ｐersonal'", "lästes som 'Personal'")),
    ("a survey name in Uppgifter with a no-break space", setv("Uppgifter", "A5", "Deltagare\u00a0pågående"),
     "Uppgifter", "A5", ("(U+00A0)", "lästes som 'Deltagare pågående'")),
]


@pytest.mark.parametrize("form", ["xlsx", "csv"])
@pytest.mark.parametrize("what, edit, sheet, cell, words", UNICODE_FORMS, ids=[u[0] for u in UNICODE_FORMS])
def test_names_and_headers_are_unicode_normalised_with_a_warning(what, edit, sheet, cell, words, form, tmp_path,
                                                                  instrument, base):
    path = mutate_xlsx(BASE, tmp_path / "2022" / F, edit)
    if form == "csv":
        path = as_csv(path, tmp_path)
        where = f"{D}, {sheet}.csv!{cell}"
    else:
        where = f"{F}, {sheet}!{cell}"
    regs, problems = check([path], instrument)
    found = messages(problems)
    assert len(found) == 1 and found[0].startswith(f"{where}: Varning: "), found
    assert all(w in found[0] for w in words), found[0]
    assert same_registration(regs[0], base)  # the same key as every other year's "Jämtland"


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_sheet_name_with_accents_stored_apart_is_matched_with_a_warning(form, tmp_path, instrument, base):
    """As a Mac may save it: the name looks the same, so a refusal would show two identical names."""
    if form == "xlsx":
        path = mutate_zip(BASE, tmp_path / "2022" / F, rename_sheet("Deltagare pågående", NFD_SHEET))
        where, what = f"{F}, bladet '{NFD_SHEET}'", "Bladets namn"
    else:
        path = renamed_csv_file("Deltagare pågående", NFD_SHEET)(as_csv(BASE, tmp_path))
        where, what = f"{D}/{NFD_SHEET}.csv", "Filens namn"
    regs, problems = check([path], instrument)
    found = messages(problems)
    assert len(found) == 1 and found[0].startswith(f"{where}: Varning: {what} "), found
    assert "separat accenttecken" in found[0] and "lästes som 'Deltagare pågående'" in found[0]
    assert same_registration(regs[0], base)


# --- the same questionnaire entered twice -------------------------------------------------------

def copy_row(sheet: str, src: int, dst: int, clear_ids: bool):
    """Row ``src`` copied to row ``dst``; with ``clear_ids`` neither has an Enkät nr."""
    def fn(wb):
        ws = wb[sheet]
        for c in range(1, ws.max_column + 1):
            ws.cell(dst, c).value = ws.cell(src, c).value
        if clear_ids:
            ws.cell(src, 1).value = ws.cell(dst, 1).value = None
        else:
            ws.cell(dst, 1).value = "999"
    return fn


@pytest.mark.parametrize("form", ["xlsx", "csv"])
@pytest.mark.parametrize("clear_ids, warned", [(True, True), (False, False)],
                         ids=["without Enkät nr: warned", "with different Enkät nr: two questionnaires"])
def test_a_row_entered_twice_is_counted_and_warned_about_only_without_enkat_nr(clear_ids, warned, form, tmp_path,
                                                                               instrument, base):
    path = mutate_xlsx(BASE, tmp_path / "2022" / F, copy_row("Personal", 17, 39, clear_ids))
    where = f"{F}, Personal!A39"
    if form == "csv":
        path = as_csv(path, tmp_path)
        where = f"{D}, Personal.csv!A39"
    regs, problems = check([path], instrument)
    expected = [f"{where}: Varning: Raden är exakt likadan som rad 17 och ingen av dem har Enkät nr; båda räknas "
                "som svar. Är enkäten inmatad två gånger? Ta bort den ena raden, eller skriv Enkät nr på båda om det "
                "är två enkäter med samma svar."] if warned else []
    assert messages(problems) == expected
    assert len(regs[0].surveys["personal"]) == len(base.surveys["personal"]) + 1
