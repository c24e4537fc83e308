"""LibreOffice, as a förbund's office suite, opens the registration template and saves a file that checks.

`make test` installs LibreOffice (tools/setup-system.sh): a missing soffice is a failure here, not a skip.
"""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree as ET

from helpers.registration import expected_columns, template_validations
from nns.cli import main as cli
from nns.registration.read import check_files

YEAR = 2022
FORBUND = "Väst ../../etc/Öst"
SLUG_NAME = "2022_vast-etc-ost.xlsx"
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    d = tmp_path_factory.mktemp("template")
    out = d / "mall.xlsx"
    assert cli(["template", "--forbund", FORBUND, "--year", str(YEAR), str(out)]) == 0
    return out


def test_libreoffice_is_installed():
    assert SOFFICE, "soffice saknas: kör tools/setup-system.sh (make test gör det)"


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
S = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"


def _soffice(src: Path, fmt: str, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(outdir), str(src)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert res.returncode == 0 and out.exists(), res.stdout + res.stderr
    return out


def test_libreoffice_opens_the_template_with_validation_and_protection(template, tmp_path, instrument):
    ods = _soffice(template, "ods", tmp_path)
    with zipfile.ZipFile(ods) as zf:
        content = ET.fromstring(zf.read("content.xml"))
    conditions = {v.get(f"{T}name"): v.get(f"{T}condition") for v in content.iter(f"{T}content-validation")}
    cell_styles = {s.get(f"{S}name"): s for s in content.iter(f"{S}style")}

    def protected(style_name) -> bool:
        st = cell_styles.get(style_name)
        props = st.find(f"{S}table-cell-properties") if st is not None else None
        return props is None or props.get(f"{S}cell-protect") != "none"

    tables = {t.get(f"{T}name"): t for t in content.iter(f"{T}table")}
    assert list(tables) == ["Instruktioner", "Uppgifter"] + [s.sheet for s in instrument.surveys_in(YEAR)]
    for s in instrument.surveys_in(YEAR):
        t = tables[s.sheet]
        assert t.get(f"{T}protected") == "true"
        rows = list(t.iter(f"{T}table-row"))
        assert all(protected(c.get(f"{T}style-name")) for c in rows[0].iter(f"{T}table-cell"))
        n = len(expected_columns(instrument, s, YEAR))
        data_cols = []
        for col in t.iter(f"{T}table-column"):
            data_cols += [col.get(f"{T}default-cell-style-name")] * int(col.get(f"{T}number-columns-repeated", "1"))
        assert not any(protected(st) for st in data_cols[:n]), s.sheet
        used = {c.get(f"{T}content-validation-name") for r in rows[2:] for c in r.iter(f"{T}table-cell")} - {None}
        kinds = {conditions[u] for u in used}
        assert any("cell-content-is-whole-number() and cell-content-is-between(1,6)" in k for k in kinds), s.sheet
        if s.id == "deltagare_avslut":
            assert any('cell-content-is-in-list("Ja";"Nej")' in k for k in kinds)
            assert any("is-true-formula" in k and '"Ja"' in k for k in kinds)
        if s.id.startswith("deltagare"):
            assert any('cell-content-is-in-list("Kvinna";"Man";"Ej angett")' in k for k in kinds)
        if s.id == "remittent":
            assert any('"Hälso-Sjukvård";"Annan"' in k for k in kinds)


def test_libreoffice_saves_a_template_that_checks(template, tmp_path, instrument):
    """Open in LibreOffice and save as .xlsx again: still readable, validations still there."""
    src = tmp_path / "in" / SLUG_NAME
    src.parent.mkdir()
    wb = openpyxl.load_workbook(template)
    wb["Personal"].append(["1", 4, 5, 6, 1, 2, 3, 4, 5, 6, None, 3])
    wb.save(src)
    out = _soffice(src, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    regs, problems = check_files([out], instrument)
    assert problems.errors == []
    assert len(regs[0].surveys["personal"]) == 1
    dvs = template_validations(openpyxl.load_workbook(out)["Personal"])
    assert dvs["B"].type == "whole" and dvs["B"].formula1 == "1" and dvs["B"].formula2 == "6"
