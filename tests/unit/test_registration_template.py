"""``nnsreport template``: a blank registration file with validation, texts, locked headers
and instructions; read back with openpyxl (tests/e2e/test_libreoffice.py opens it in LibreOffice)."""
from __future__ import annotations

import shutil
import zipfile

import openpyxl
import pytest
from defusedxml import ElementTree as ET

from helpers.registration import expected_columns, layer_of, template_validations
from nns.cli import main as cli
from nns.registration.container import scan_workbook
from nns.registration.model import ID_HEADER
from nns.registration.read import check_files
from nns.registration.template import build_workbook, save_workbook

YEAR = 2022
FORBUND = "Väst ../../etc/Öst"          # a name that must never become a path
SLUG_NAME = "2022_vast-etc-ost.xlsx"
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    d = tmp_path_factory.mktemp("template")
    out = d / "mall.xlsx"
    assert cli(["template", "--forbund", FORBUND, "--year", str(YEAR), str(out)]) == 0
    return out


def test_sheets_names_texts_and_info(template, instrument):
    wb = openpyxl.load_workbook(template)
    surveys = instrument.surveys_in(YEAR)
    assert wb.sheetnames == ["Instruktioner", "Uppgifter"] + [s.sheet for s in surveys]
    info = wb["Uppgifter"]
    assert (info["B1"].value, info["B2"].value) == (FORBUND, YEAR)
    assert [info.cell(row=5 + i, column=1).value for i in range(len(surveys))] == [s.sheet for s in surveys]
    for s in surveys:
        ws = wb[s.sheet]
        cols = expected_columns(instrument, s, YEAR)
        assert [c.value for c in ws[1]] == [h for h, _ in cols]
        assert [c.value for c in ws[2]] == [t for _, t in cols]  # the question texts in the header
        assert ws.max_row == 2
    text = "\n".join(str(c.value) for c in wb["Instruktioner"]["A"] if c.value)
    assert f"Samordningsförbund: {FORBUND}" in text
    assert "Tom cell räknas som 'Ej angett' (kön) respektive 'Annan' (anställning)" in text
    assert "Frågorna 9 och 10 i avslutsenkäten fylls bara i om fråga 8 besvarats med Ja" in text
    assert f"Spara filen som {SLUG_NAME}" in text


def test_validation_lists_read_back_with_openpyxl(template, instrument):
    wb = openpyxl.load_workbook(template)
    for s in instrument.surveys_in(YEAR):
        ws = wb[s.sheet]
        dvs = template_validations(ws)
        for j, (h, _) in enumerate(expected_columns(instrument, s, YEAR), start=1):
            letter = openpyxl.utils.get_column_letter(j)
            if h == ID_HEADER:
                assert letter not in dvs
                continue
            dv = dvs[letter]
            assert dv.showErrorMessage and dv.errorStyle == "stop" and dv.allow_blank
            assert dv.showInputMessage and dv.prompt
            if h == "Kön":
                assert (dv.type, dv.formula1) == ("list", '"Kvinna,Man,Ej angett"')
            elif h == "Anställning":
                assert (dv.type, dv.formula1) == ("list", '"Arbetsförmedlingen,Försäkringskassan,Kommun,Hälso-Sjukvård,Annan"')
            elif s.id == "deltagare_avslut" and h == "Fråga 8":
                assert (dv.type, dv.formula1) == ("list", '"Ja,Nej"')
            elif s.id == "deltagare_avslut" and h in ("Fråga 9", "Fråga 10"):
                assert dv.type == "custom"
                assert dv.formula1 == f'AND($J3="Ja",AND(ISNUMBER({letter}3),{letter}3=INT({letter}3),' \
                                      f'{letter}3>=1,{letter}3<=6))'
            else:
                assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("whole", "between", "1", "6")
    info_dv = wb["Uppgifter"].data_validations.dataValidation
    assert len(info_dv) == 1 and info_dv[0].type == "whole" and info_dv[0].formula1 == "0"
    assert "B5" in info_dv[0].sqref and "C10" in info_dv[0].sqref and "B10" not in info_dv[0].sqref


def test_header_rows_locked_data_cells_unlocked(template, instrument):
    """Checked in the saved XML: sheet protection on; rows 1-2 locked; the data columns carry an
    unlocked column style, which Excel and LibreOffice give to every cell typed into the column."""
    with zipfile.ZipFile(template) as zf:
        styles = ET.fromstring(zf.read("xl/styles.xml"))
        xfs = list(styles.find(f"{M}cellXfs"))

        def locked(style_index) -> bool:
            prot = xfs[int(style_index or 0)].find(f"{M}protection")
            return prot is None or prot.get("locked") not in ("0", "false")

        for part in scan_workbook(template):
            if part.name == "Instruktioner":
                continue
            xml = ET.fromstring(zf.read(part.part))
            assert xml.find(f"{M}sheetProtection").get("sheet") == "1", part.name
            if part.name == "Uppgifter":
                cells = {c.get("r"): c.get("s") for c in xml.iter(f"{M}c")}
                assert locked(cells["B1"]) and locked(cells["B2"]) and locked(cells["A5"]) and locked(cells["B10"])
                assert not locked(cells["B5"]) and not locked(cells["C5"]) and not locked(cells["C10"])
                continue
            cols = xml.find(f"{M}cols")
            n = len(expected_columns(instrument, next(s for s in instrument.surveys if s.sheet == part.name), YEAR))
            covered = set()
            for col in cols:
                assert not locked(col.get("style")), part.name
                covered.update(range(int(col.get("min")), int(col.get("max")) + 1))
            assert covered == set(range(1, n + 1))
            rows = {r.get("r"): [c.get("s") for c in r.iter(f"{M}c")] for r in xml.iter(f"{M}row")}
            assert set(rows) == {"1", "2"}  # no data cell that would carry a locked default style
            assert all(locked(s) for s in rows["1"] + rows["2"])


def test_blank_template_checks_without_errors(template, instrument, tmp_path):
    path = tmp_path / SLUG_NAME
    shutil.copy(template, path)
    regs, problems = check_files([path], instrument)
    assert problems.errors == []
    assert len(problems.warnings) == 2 * len(instrument.surveys_in(YEAR))  # no answers, no populations
    assert all(len(rows) == 0 for rows in regs[0].surveys.values())


def test_filled_in_template_is_read_as_typed(template, instrument, tmp_path):
    wb = openpyxl.load_workbook(template)
    wb["Uppgifter"]["B6"], wb["Uppgifter"]["C6"] = 40, 12
    ws = wb["Deltagare avslut"]
    ws.append(["1", "Kvinna", 5, 5, 4, 6, 3, 2, 1, "Ja", 4, 4])
    ws.append(["2", None, 1, 2, None, 3, 4, 5, 6, "Nej", None, None])
    for title in ("Deltagare pågående", "Personal", "Parternas chefsgrupp", "Styrelse", "Remittenter"):
        del wb[title]
    path = tmp_path / SLUG_NAME
    wb.save(path)
    regs, problems = check_files([path], instrument)
    assert [str(p) for p in problems.problems] == []
    layer = layer_of(instrument, regs)
    assert layer["responses"].set_index("group")["responses"].to_dict() == {"kvinnor": 1, "man": 0, "ej_angett": 1}
    assert layer["populations"][["survey", "malpopulation", "undersokt"]].values.tolist() == [["deltagare_avslut", 40, 12]]
    a = layer["answers"]
    assert a[(a.question == 8)].set_index("answer")["count"].to_dict() == {"ja": 1, "nej": 1}


def test_default_name_is_the_slug_and_nothing_is_overwritten(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli(["template", "--forbund", FORBUND, "--year", "2022"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [SLUG_NAME]
    before = (tmp_path / SLUG_NAME).read_bytes()
    assert cli(["template", "--forbund", "Annat", "--year", "2022", SLUG_NAME]) == 1
    assert "finns redan" in capsys.readouterr().err
    assert (tmp_path / SLUG_NAME).read_bytes() == before
    assert cli(["template", "--forbund", "Annat", "--year", "2022", "--force", SLUG_NAME]) == 0
    assert cli(["template", "--forbund", "X", "--year", "2017", "x.xlsx"]) == 1
    assert "År 2017 har inga enkäter" in capsys.readouterr().err


def test_template_is_deterministic(tmp_path, instrument):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    save_workbook(build_workbook(instrument, "Väst", 2021), a)
    save_workbook(build_workbook(instrument, "Väst", 2021), b)
    assert a.read_bytes() == b.read_bytes()
    assert "Remittenter" in openpyxl.load_workbook(a).sheetnames
    c = tmp_path / "c.xlsx"
    save_workbook(build_workbook(instrument, "Väst", 2020), c)
    assert "Remittenter" not in openpyxl.load_workbook(c).sheetnames


# --- LibreOffice ------------------------------------------------------------------------
