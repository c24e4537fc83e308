"""Input that is used with a warning, input that means the same as the demo file, and the
documented meaning of absent and empty sheets and of empty background cells."""
from __future__ import annotations

import re

import pytest

from helpers.registration import (
    BASE,
    BASE_NAME,
    DEMO,
    layer_of,
    mutate_xlsx,
    mutate_zip,
    same_layer,
    sheet_part,
    to_csv_dir,
)
from nns.cli import main as cli
from nns.registration import sheets as sheets_mod
from nns.registration.read import check_files

F = BASE_NAME


@pytest.fixture(scope="module")
def base_layer(instrument):
    regs, problems = check_files([BASE], instrument)
    assert problems.problems == []
    return layer_of(instrument, regs)


def read(path, instrument):
    regs, problems = check_files([path], instrument)
    return layer_of(instrument, regs), problems


def setv(sheet, cell, value):
    def fn(wb):
        wb[sheet][cell] = value
    return fn


def add_row(sheet, row, values):
    def fn(wb):
        for c, v in enumerate(values, start=1):
            wb[sheet].cell(row=row, column=c, value=v)
    return fn


PERSONAL_ROW = ["37", 4, 4, 5, 3, 3, 2, 4, 5, 3, None, 3]


# --- warnings: the file is used, the message says how ----------------------------------

WARNINGS = [
    # (id, mutation, location, words, reference mutation giving the same numbers (None: the demo file))
    ("ja-upper", setv("Deltagare avslut", "J4", "JA"), f"{F}, 'Deltagare avslut'!J4", ("'JA' tolkades som 'Ja'",), None),
    ("ja-space", setv("Deltagare avslut", "J4", "ja "), f"{F}, 'Deltagare avslut'!J4", ("'ja ' tolkades som 'Ja'",), None),
    ("nej-leading-space", setv("Deltagare avslut", "J13", " Nej"), f"{F}, 'Deltagare avslut'!J13",
     ("' Nej' tolkades som 'Nej'",), None),
    ("gender-lower-case", setv("Deltagare pågående", "B5", "kvinna"), f"{F}, 'Deltagare pågående'!B5",
     ("'kvinna' tolkades som 'Kvinna'",), None),
    ("employer-extra-space", setv("Remittenter", "B4", "Kommun  "), f"{F}, Remittenter!B4",
     ("'Kommun  ' tolkades som 'Kommun'",), None),
    ("blank-answer", setv("Personal", "D17", "  "), f"{F}, Personal!D17", ("bara mellanslag", "obesvarad"),
     setv("Personal", "D17", None)),
    ("row-without-answers", add_row("Personal", 39, ["37"]), f"{F}, Personal!A39",
     ("ingen besvarad fråga", "räknas därför inte som ett svar"), None),
    ("row-with-only-background", add_row("Deltagare pågående", 46, [None, "Man"]), f"{F}, 'Deltagare pågående'!A46",
     ("räknas därför inte som ett svar",), None),
    ("data-below-many-empty-rows", add_row("Personal", 100, PERSONAL_ROW), f"{F}, Personal!A100",
     ("efter 61 tomma rader (rad 39–99)", "räknas"), add_row("Personal", 39, PERSONAL_ROW)),
    ("duplicated-ident", setv("Personal", "A18", "1"), f"{F}, Personal!A18", ("Enkät nr '1' finns redan på rad 3",), None),
    ("hidden-row", lambda wb: setattr(wb["Personal"].row_dimensions[10], "hidden", True), f"{F}, Personal!A10",
     ("Raden är dold men räknas",), None),
    ("hidden-column", lambda wb: setattr(wb["Personal"].column_dimensions["D"], "hidden", True), f"{F}, Personal!D1",
     ("Kolumnen Fråga 3 är dold men räknas",), None),
    ("remittent-target-population", setv("Uppgifter", "B10", 40), f"{F}, Uppgifter!B10",
     ("Målpopulation anges inte för Remittenter", "ignoreras"), None),
    ("note-beside-populations", setv("Uppgifter", "D7", "uppskattat"), f"{F}, Uppgifter!D7",
     ("'uppskattat'", "utanför tabellen"), None),
    ("question-text-edited", setv("Personal", "B2", "Tid för stödet?"), f"{F}, Personal!B2",
     ("Frågetexten skiljer sig från 2022 års enkät",), None),
    ("population-missing", setv("Uppgifter", "C7", None), f"{F}, Uppgifter!C7",
     ("Undersökt population saknas för Personal (36 svar)",), "same-file"),
]


@pytest.mark.parametrize("case", WARNINGS, ids=[w[0] for w in WARNINGS])
def test_warning(case, tmp_path, instrument, base_layer):
    _, fn, location, words, reference = case
    path = mutate_xlsx(BASE, tmp_path / "2022" / F, fn)
    layer, problems = read(path, instrument)
    assert problems.errors == [], [str(p) for p in problems.errors]
    hits = [p for p in problems.warnings if str(p).startswith(location + ": Varning: ") and all(w in str(p) for w in words)]
    assert hits, [str(p) for p in problems.problems]
    if reference is None:
        assert same_layer(layer, base_layer)
    elif reference != "same-file":
        ref, ref_problems = read(mutate_xlsx(BASE, tmp_path / "ref" / "2022" / F, reference), instrument)
        assert same_layer(layer, ref)


def test_macros_are_ignored_with_a_warning(tmp_path, instrument, base_layer):
    path = mutate_zip(BASE, tmp_path / "2022" / F, lambda parts: parts.__setitem__("xl/vbaProject.bin", b"\x00" * 64))
    layer, problems = read(path, instrument)
    assert [str(p) for p in problems.problems] == [f"{F}: Varning: Filen innehåller makron; de körs inte och ignoreras."]
    assert same_layer(layer, base_layer)


def test_name_spelled_differently_in_another_year(tmp_path, instrument):
    other = mutate_xlsx(DEMO / "2021" / "2021_jamtland.xlsx", tmp_path / "2021" / "2021_jamtland.xlsx",
                        setv("Uppgifter", "B1", "JÄMTLAND"))
    _, problems = check_files([BASE, other], instrument)
    assert [str(p) for p in problems.problems] == [
        "2021_jamtland.xlsx, Uppgifter!B1: Varning: Förbundets namn 'JÄMTLAND' stavas annorlunda i en annan fil "
        "('Jämtland'); i data blir det två förbund. Stava namnet likadant."]


# --- the same content written differently: no problem, the same numbers -----------------------

def swap_columns(sheet, a, b):
    def fn(wb):
        ws = wb[sheet]
        for row in ws.iter_rows(min_col=min(a, b), max_col=max(a, b)):
            row[0].value, row[-1].value = row[-1].value, row[0].value
    return fn


def explicit_missing_groups(wb):
    """Write the missing group out where the cell was empty, and empty it where it was written."""
    for title, missing in (("Deltagare pågående", "Ej angett"), ("Deltagare avslut", "Ej angett"),
                           ("Remittenter", "Annan")):
        ws = wb[title]
        for r in range(3, ws.max_row + 1):
            cell = ws.cell(row=r, column=2)
            cell.value = {None: missing, missing: None}.get(cell.value, cell.value)


NEUTRAL = [
    ("columns-reordered", swap_columns("Personal", 2, 5)),
    ("background-column-moved", swap_columns("Deltagare avslut", 2, 12)),
    ("sheets-reordered", lambda wb: wb.move_sheet("Personal", offset=-3)),
    ("a-few-empty-rows-between", lambda wb: wb["Personal"].insert_rows(10, amount=5)),
    ("empty-column-between", lambda wb: wb["Personal"].insert_cols(4)),
    ("header-with-extra-spaces", setv("Personal", "B1", " Fråga  1 ")),
    ("explicit-ej-angett-instead-of-empty", explicit_missing_groups),
    ("question-text-with-other-case", lambda wb: setv("Personal", "B2", wb["Personal"]["B2"].value.upper())(wb)),
    ("information-sheet-removed", lambda wb: wb.remove(wb["Instruktioner"])),
]


@pytest.mark.parametrize("case", NEUTRAL, ids=[n[0] for n in NEUTRAL])
def test_same_content_same_numbers(case, tmp_path, instrument, base_layer):
    _, fn = case
    path = mutate_xlsx(BASE, tmp_path / "2022" / F, fn)
    layer, problems = read(path, instrument)
    assert [str(p) for p in problems.problems] == []
    assert same_layer(layer, base_layer)


def test_wrong_stored_dimension_still_reads_every_row(tmp_path, instrument, base_layer):
    """Some programs store a wrong sheet size; openpyxl would then stop early. Every row is read."""
    part = sheet_part(BASE, "Personal")

    def lie(parts):
        parts[part] = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:C3"/>', parts[part])

    path = mutate_zip(BASE, tmp_path / "2022" / F, lie)
    assert b'ref="A1:C3"' in __import__("zipfile").ZipFile(path).read(part)
    layer, problems = read(path, instrument)
    assert problems.problems == []
    assert same_layer(layer, base_layer)


# --- documented meanings --------------------------------------------------------------

def _responses(layer, survey):
    r = layer["responses"]
    return r[r["survey"] == survey].set_index("group")["responses"].to_dict()


def test_absent_sheet_means_survey_not_used(tmp_path, instrument):
    src = DEMO / "2019" / "2019_jamtland.xlsx"
    path = mutate_xlsx(src, tmp_path / "2019" / src.name, lambda wb: wb.remove(wb["Styrelse"]))
    layer, problems = read(path, instrument)
    assert problems.problems == []  # no populations before 2022: nothing contradicts
    assert _responses(layer, "styrelse") == {}


def test_sheet_without_rows_means_used_without_responses(tmp_path, instrument):
    src = DEMO / "2019" / "2019_jamtland.xlsx"
    path = mutate_xlsx(src, tmp_path / "2019" / src.name, lambda wb: wb["Styrelse"].delete_rows(3, 100))
    layer, problems = read(path, instrument)
    assert [str(p) for p in problems.problems] == [
        "2019_jamtland.xlsx, bladet Styrelse: Varning: Bladet har inga svar: enkäten räknas som använd utan svar. "
        "Ta bort bladet om förbundet inte använt enkäten Styrelse."]
    assert _responses(layer, "styrelse") == {"ingen": 0}


def test_zero_populations_for_an_absent_sheet_mean_not_used(tmp_path, instrument):
    def fn(wb):
        wb.remove(wb["Styrelse"])
        wb["Uppgifter"]["B9"], wb["Uppgifter"]["C9"] = 0, 0

    layer, problems = read(mutate_xlsx(BASE, tmp_path / "2022" / F, fn), instrument)
    assert problems.problems == []
    assert "styrelse" not in set(layer["populations"]["survey"])


def test_empty_background_cell_counts_as_the_missing_group(tmp_path, instrument, base_layer):
    # Remittenter!B4 is "Kommun"; emptied, the remittent counts as "annan" (anställning: Annan)
    layer, problems = read(mutate_xlsx(BASE, tmp_path / "2022" / F, setv("Remittenter", "B4", None)), instrument)
    assert problems.problems == []
    before, after = _responses(base_layer, "remittent"), _responses(layer, "remittent")
    assert after["kommun"] == before["kommun"] - 1 and after["annan"] == before["annan"] + 1
    # Deltagare pågående!B5 is "Kvinna"; emptied, the participant counts as "ej_angett" (kön: Ej angett)
    layer, problems = read(mutate_xlsx(BASE, tmp_path / "b" / "2022" / F, setv("Deltagare pågående", "B5", None)),
                           instrument)
    before, after = _responses(base_layer, "deltagare_pagaende"), _responses(layer, "deltagare_pagaende")
    assert after["kvinnor"] == before["kvinnor"] - 1 and after["ej_angett"] == before["ej_angett"] + 1


# --- output -----------------------------------------------------------------------------

def test_check_output_is_capped_per_sheet(tmp_path, capsys):
    def many(wb):
        for r in range(3, 39):
            for c in range(2, 13):
                wb["Personal"].cell(row=r, column=c).value = 9

    path = mutate_xlsx(BASE, tmp_path / "2022" / F, many)
    assert cli(["check", str(path)]) == 3
    lines = capsys.readouterr().out.splitlines()
    assert len([x for x in lines if x.startswith(f"{F}, Personal!")]) == 30
    assert f"{F}, bladet Personal: … och 366 problem till av samma slag (visa alla med --alla)." in lines
    assert lines[-1] == "1 fil kontrollerad: 396 fel, 0 varningar, 113 svar. Rätta felen och kontrollera igen."
    assert cli(["check", "--alla", str(path)]) == 3
    assert len([x for x in capsys.readouterr().out.splitlines() if x.startswith(f"{F}, Personal!")]) == 396


def test_control_characters_in_cells_are_escaped(tmp_path, instrument):
    """A cell cannot move the terminal's cursor or reverse the text of a message."""
    path = mutate_xlsx(BASE, tmp_path / "2022" / F, setv("Personal", "D17", "\u202e4"))
    _, problems = read(path, instrument)
    (p,) = problems.problems
    assert "\u202e" not in str(p) and "'\\u202e4'" in str(p)
    d = to_csv_dir(BASE, tmp_path / "csv" / "2022" / BASE.stem)
    (d / "Styrelse.csv").write_text((d / "Styrelse.csv").read_text(encoding="utf-8").replace("\n2,", "\n2\x1b[2J,"),
                                    encoding="utf-8")
    _, problems = read(d, instrument)
    assert [str(p) for p in problems.problems] == []  # Enkät nr is not checked, and not shown
    (d / "Styrelse.csv").write_text((d / "Styrelse.csv").read_text(encoding="utf-8").replace("\n2\x1b[2J,4", "\n2,\x1b[2J"),
                                    encoding="utf-8")
    _, problems = read(d, instrument)
    assert "\x1b" not in " ".join(map(str, problems.problems)) and "\\x1b[2J" in str(problems.problems[0])


def test_messages_never_show_temporary_paths(tmp_path, instrument):
    path = mutate_zip(BASE, tmp_path / "2022" / F, lambda parts: parts.__setitem__(
        sheet_part(BASE, "Personal"), b"<worksheet><sheetData><row r='1'><c r='A1' t='n'><v>x</v></c></row></sheetData>"))
    _, problems = read(path, instrument)
    assert problems.errors and all(str(tmp_path) not in str(p) for p in problems.problems)


def test_huge_sheets_stop_with_an_error(tmp_path, instrument, monkeypatch):
    """A cell far down or far right (or a crafted sheet) cannot make reading run away."""
    path = mutate_zip(BASE, tmp_path / "2022" / F, lambda parts: parts.__setitem__(
        sheet_part(BASE, "Styrelse"),
        parts[sheet_part(BASE, "Styrelse")].replace(b"</sheetData>", b'<row r="5000000"><c r="B5000000" t="n">'
                                                                      b'<v>4</v></c></row></sheetData>')))
    monkeypatch.setattr(sheets_mod, "MAX_ROWS", 1000)  # Excel's 1048576 in use; smaller here to stay quick
    _, problems = read(path, instrument)
    assert [str(p) for p in problems.errors] == [
        f"{F}, bladet Styrelse: Bladet har fler än 1000 rader (till rad 1001), mer än en registrering kan "
        "behöva. Filen är skadad eller felaktigt sparad."]
    monkeypatch.undo()
    monkeypatch.setattr(sheets_mod, "MAX_CELLS", 100)
    _, problems = read(BASE, instrument)
    assert "fler än 100 celler" in str(problems.errors[0])


def test_missing_csv_file(tmp_path, instrument):
    _, problems = check_files([tmp_path / "2022_x" / "Personal.csv"], instrument)
    assert [str(p) for p in problems.problems] == ["Personal.csv: Filen finns inte."]
