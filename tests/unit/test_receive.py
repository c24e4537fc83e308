"""Receiving files as förbund send them: any name, replacements kept aside, several files per förbund merged."""
from __future__ import annotations

import copy
import shutil

import pytest

from helpers.registration import DEMO, layer_of, same_layer
from nns.cli import main as cli
from nns.registration.model import Registration
from nns.registration.read import check_files
from nns.registration.receive import receive
from nns.registration.template import build_workbook, save_workbook

VAST = DEMO / "2022" / "2022_vast.xlsx"


@pytest.fixture
def folders(tmp_path):
    return tmp_path / "registration", tmp_path / "mottaget", tmp_path / "inkorg"


@pytest.fixture(scope="module")
def vast(instrument):
    regs, problems = check_files([VAST], instrument)
    assert not problems.problems
    return regs[0]


def _write(instrument, reg: Registration, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(build_workbook(instrument, reg.forbund, reg.year, reg), path)
    return path


def _halves(vast: Registration, overlap: bool = False) -> tuple[Registration, Registration]:
    """Väst's answers entered by two people: each survey's rows split in two; populations in the first file."""
    a = Registration(vast.forbund, vast.year, populations=dict(vast.populations))
    b = Registration(vast.forbund, vast.year)
    for survey, rows in vast.surveys.items():
        half = len(rows) // 2
        a.surveys[survey] = list(rows[:half])
        b.surveys[survey] = list(rows[half:]) + ([copy.copy(rows[0])] if overlap and survey == "personal" else [])
    return a, b


def test_a_file_named_as_people_name_files_is_checked_and_filed_as_received(folders, instrument, capsys):
    reg_dir, received, inbox = folders
    inbox.mkdir()
    human = inbox / "Registreringsfil Väst 2022.xlsx"
    shutil.copy(VAST, human)
    # check looks at the content whatever the name; the name is one message among the others
    assert cli(["check", str(human)]) == 3
    out = capsys.readouterr().out
    assert "Filnamnet ska vara <år>_<förbund>.xlsx" in out and "0 varningar" in out
    result = receive([human], reg_dir, received, instrument)
    assert [f.target for f in result.filed] == [reg_dir / "2022" / "2022_vast.xlsx"]
    assert (reg_dir / "2022" / "2022_vast.xlsx").read_bytes() == VAST.read_bytes()


def test_a_replacement_keeps_the_earlier_file_and_says_what_changed(folders, instrument, vast):
    reg_dir, received, inbox = folders
    (reg_dir / "2022").mkdir(parents=True)
    shutil.copy(VAST, reg_dir / "2022" / "2022_vast.xlsx")
    new = copy.deepcopy(vast)
    new.surveys["personal"][0].answers[3] = 1                           # one answer corrected
    new.surveys["styrelse"] = new.surveys["styrelse"][:-1]              # one questionnaire withdrawn
    new.populations["personal"] = (9, 8)
    sent = _write(instrument, new, inbox / "rättad fil från Väst.xlsx")
    result = receive([sent], reg_dir, received, instrument)
    (filed,) = result.filed
    assert filed.replaced == received / "2022" / "ersatta" / "2022_vast.xlsx"
    assert filed.replaced.read_bytes() == VAST.read_bytes()
    text = "\n".join(filed.changes)
    assert "Styrelse: 11 → 10 svar." in text
    assert "Personal: populationer (mål/undersökt) 8/8 → 9/8." in text
    assert "Personal, fråga 3: svarsfördelningen ändrad (1: 0 → 1, 4: 3 → 2)" in text
    # a second replacement does not overwrite the first one kept aside
    again = receive([sent], reg_dir, received, instrument)
    assert again.filed[0].replaced == received / "2022" / "ersatta" / "2022_vast.1.xlsx"
    assert again.filed[0].changes == ["Inga ändringar i svaren, svarsantalen eller populationerna."]


def test_answers_split_over_two_files_are_merged(folders, instrument, vast):
    reg_dir, received, inbox = folders
    a, b = _halves(vast)
    files = [_write(instrument, a, inbox / "väst del 1.xlsx"), _write(instrument, b, inbox / "väst del 2.xlsx")]
    result = receive(files, reg_dir, received, instrument)
    assert not result.refused and len(result.filed) == 1
    merged, problems = check_files([reg_dir / "2022" / "2022_vast.xlsx"], instrument)
    assert not problems.errors
    assert same_layer(layer_of(instrument, merged), layer_of(instrument, [vast]))
    assert sorted(p.name for p in (received / "2022" / "vast").iterdir()) == ["väst del 1.xlsx", "väst del 2.xlsx"]


def test_a_questionnaire_in_both_files_is_refused(folders, instrument, vast, capsys):
    reg_dir, received, inbox = folders
    a, b = _halves(vast, overlap=True)
    files = [_write(instrument, a, inbox / "del 1.xlsx"), _write(instrument, b, inbox / "del 2.xlsx")]
    assert cli(["--config", _config(reg_dir, received), "ta-emot", *map(str, files)]) == 3
    out = capsys.readouterr().out
    assert "Enkät nr 1 i bladet för personal finns i både del 1.xlsx och del 2.xlsx." in out
    assert "Inte arkiverade: del 1.xlsx, del 2.xlsx" in out
    assert not (reg_dir / "2022" / "2022_vast.xlsx").exists()


def test_files_that_arrive_one_by_one_are_added_to_what_is_filed(folders, instrument, vast):
    reg_dir, received, inbox = folders
    a, b = _halves(vast)
    receive([_write(instrument, a, inbox / "första.xlsx")], reg_dir, received, instrument)
    result = receive([_write(instrument, b, inbox / "andra.xlsx")], reg_dir, received, instrument, add=True)
    assert result.filed[0].replaced is not None
    merged, _ = check_files([reg_dir / "2022" / "2022_vast.xlsx"], instrument)
    assert same_layer(layer_of(instrument, merged), layer_of(instrument, [vast]))
    # the same file added twice is refused: every questionnaire would be in it twice
    again = receive([inbox / "andra.xlsx"], reg_dir, received, instrument, add=True)
    assert again.refused and any("finns i både" in str(p) for p in again.problems.errors)


def _config(reg_dir, received) -> str:
    from nns.config import ROOT

    text = (ROOT / "nnsreport.toml").read_text(encoding="utf-8")
    text = text.replace('registration = "data/registration"', f'registration = "{reg_dir}"')
    text = text.replace('received = "data/mottaget"', f'received = "{received}"')
    path = received.parent / "nnsreport.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_dry_run_says_what_would_happen_and_writes_nothing(folders, instrument, capsys):
    reg_dir, received, inbox = folders
    inbox.mkdir()
    sent = inbox / "väst.xlsx"
    shutil.copy(VAST, sent)
    assert cli(["--config", _config(reg_dir, received), "ta-emot", "--torrkorning", str(sent)]) == 0
    assert f"Skulle arkivera Väst 2022: väst.xlsx → {reg_dir / '2022' / '2022_vast.xlsx'}." in capsys.readouterr().out
    assert not reg_dir.exists() and not received.exists()
