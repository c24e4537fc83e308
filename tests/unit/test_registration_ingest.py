"""The demo data and ``ingest``: every demo file passes, ingest reproduces the committed
layer byte for byte, and writing the layer is atomic."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers.registration import BASE, DEMO, LAYER, OTHER, copy_layer, layer_bytes, mutate_xlsx
from nns.cli import main as cli
from nns.errors import DataError, RegistrationError, WriteError
from nns.registration import aggregate as aggregate_mod
from nns.registration import read as read_mod
from nns.registration import xlsx as xlsx_mod
from nns.registration.ingest import ingest
from nns.registration.read import check_files
from nns.registration.template import build_workbook, save_workbook


@pytest.fixture(scope="module")
def demo_ingest(tmp_path_factory, instrument):
    """Ingest all demo registration files into an empty folder (about 10 s)."""
    out = tmp_path_factory.mktemp("demo_layer")
    layer, problems, regs = ingest(DEMO, out, instrument)
    return out, problems, regs


def test_every_demo_file_passes_check(demo_ingest):
    _, problems, regs = demo_ingest
    assert [str(p) for p in problems.problems] == []
    assert len(regs) == len(list(DEMO.glob("*/*.xlsx"))) == 197


def test_ingest_reproduces_committed_layer_byte_for_byte(demo_ingest):
    out, _, _ = demo_ingest
    assert layer_bytes(out) == layer_bytes(LAYER)


def test_ingest_one_year_keeps_the_others_byte_for_byte(tmp_path, instrument):
    out = tmp_path / "layer"
    shutil.copytree(LAYER, out)
    ingest(DEMO, out, instrument, year=2022)
    assert layer_bytes(out) == layer_bytes(LAYER)


def test_check_command_on_a_year_folder(capsys):
    code = cli(["check", str(DEMO / "2021")])
    out = capsys.readouterr().out
    assert code == 0
    n = len(list((DEMO / "2021").glob("*.xlsx")))
    assert out.strip().splitlines()[-1].startswith(f"{n} filer kontrollerade: 0 fel, 0 varningar")


def test_demo_files_are_read_faithfully(instrument, tmp_path):
    """Reading a demo file and writing it again with the shared writer gives the same bytes."""
    sample = sorted(DEMO.glob("*/*.xlsx"))[::20]
    regs, problems = check_files(sample, instrument)
    assert problems.problems == []
    for reg in regs:
        out = tmp_path / Path(reg.path).name
        save_workbook(build_workbook(instrument, reg.forbund, reg.year, reg), out)
        assert out.read_bytes() == Path(reg.path).read_bytes(), reg.path


# --- atomic writes ---------------------------------------------------------------------

@pytest.fixture
def small_tree(tmp_path):
    reg = tmp_path / "registration" / "2022"
    reg.mkdir(parents=True)
    shutil.copy(BASE, reg / BASE.name)
    shutil.copy(OTHER, reg / OTHER.name)
    out = copy_layer(tmp_path / "aggregated", {2022})  # the tree's years: a full ingest keeps no other
    return tmp_path / "registration", out


def test_crash_while_renaming_restores_the_old_files(small_tree, instrument, monkeypatch):
    reg, out = small_tree
    before = layer_bytes(out)
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the first file is already replaced when the second fails
            raise OSError("disk full (simulated)")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(WriteError, match="simulated.*det aggregerade datalagret är oförändrat"):
        ingest(reg, out, instrument)
    assert layer_bytes(out) == before  # byte-identical, and no temporary or backup files left
    assert len(calls) >= 3  # the rollback renamed the first file back


def test_crash_while_writing_leaves_the_old_files(small_tree, instrument, monkeypatch):
    reg, out = small_tree
    before = layer_bytes(out)
    real_stage = aggregate_mod.stage
    staged = []

    def failing_stage(directory, name, data):
        staged.append(name)
        if len(staged) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of writing
        return real_stage(directory, name, data)

    monkeypatch.setattr(aggregate_mod, "stage", failing_stage)
    with pytest.raises(KeyboardInterrupt):
        ingest(reg, out, instrument)
    assert layer_bytes(out) == before


def test_clean_ingest_replaces_all_files_and_leaves_no_temporaries(small_tree, instrument):
    reg, out = small_tree
    before = layer_bytes(out)
    ingest(reg, out, instrument)
    after = layer_bytes(out)
    assert set(after) == set(before) == {"answers.csv", "responses.csv", "populations.csv"}
    assert after != before


def test_errors_write_nothing_and_name_every_problem(small_tree, instrument, capsys, monkeypatch):
    reg, out = small_tree

    def two_errors(wb):
        wb["Personal"]["D17"] = 7
        wb["Styrelse"]["C4"] = "fyra"

    mutate_xlsx(BASE, reg / "2022" / BASE.name, two_errors)
    before = layer_bytes(out)
    with pytest.raises(RegistrationError) as exc:
        ingest(reg, out, instrument)
    assert [str(p).split(":")[0] for p in exc.value.problems] == [
        "2022_jamtland.xlsx, Personal!D17", "2022_jamtland.xlsx, Styrelse!C4"]
    assert layer_bytes(out) == before
    # and through the command line, pointed at the tree by a settings file
    cfg = _settings_file(reg.parent, reg, out)
    code = cli(["--config", str(cfg), "ingest"])
    text = capsys.readouterr().out
    assert code == 3
    assert "Personal!D17" in text and "Styrelse!C4" in text
    assert "Inget skrevs; det aggregerade datalagret är oförändrat." in text
    assert layer_bytes(out) == before


def _settings_file(root: Path, reg: Path, out: Path) -> Path:
    from helpers.registration import ROOT

    text = (ROOT / "nnsreport.toml").read_text(encoding="utf-8")
    text = text.replace('registration = "data/registration"', f'registration = "{reg}"')
    text = text.replace('aggregated = "data/aggregated"', f'aggregated = "{out}"')
    text = text.replace('instrument = "data/instrument.yaml"', f'instrument = "{ROOT / "data" / "instrument.yaml"}"')
    text = text.replace('national = "data/national.yaml"', f'national = "{ROOT / "data" / "national.yaml"}"')
    cfg = root / "nnsreport.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_ingest_command_prints_files_responses_and_warnings(small_tree, capsys):
    reg, out = small_tree
    mutate_xlsx(BASE, reg / "2022" / BASE.name, lambda wb: wb["Deltagare avslut"].__setitem__("J4", "JA"))
    (reg / "2022" / "läsmig.txt").write_text("anteckningar", encoding="utf-8")
    code = cli(["--config", str(_settings_file(reg.parent, reg, out)), "ingest"])
    text = capsys.readouterr().out
    assert code == 0
    assert "2022_jamtland.xlsx, 'Deltagare avslut'!J4: Varning: 'JA' tolkades som 'Ja'." in text
    assert "2022/läsmig.txt: Varning: Filen är ingen registreringsfil och ignoreras." in text
    assert "Läste 2 registreringsfiler (2022: 2); 2 varningar." in text
    assert "  2022 personal: " in text and "  2022 remittent: " in text


def test_stray_spreadsheet_in_year_folder_is_an_error(small_tree, instrument):
    reg, out = small_tree
    shutil.copy(BASE, reg / "2022" / "2022_jamtland.XLSX")
    (reg / "extra.xlsx").write_bytes(b"")
    before = layer_bytes(out)
    with pytest.raises(RegistrationError) as exc:
        ingest(reg, out, instrument)
    text = "\n".join(map(str, exc.value.problems))
    assert "2022/2022_jamtland.XLSX: Filen läses inte" in text
    assert "registration/extra.xlsx: Filen läses inte" in text
    assert layer_bytes(out) == before


def test_no_registration_files(tmp_path, instrument):
    with pytest.raises(RegistrationError, match="Inga registreringsfiler hittades för 2022"):
        ingest(tmp_path, tmp_path / "out", instrument, year=2022)
    assert not (tmp_path / "out").exists()


# --- reading: parallel, safe ------------------------------------------------------------

def test_parallel_and_serial_reading_agree(instrument, monkeypatch):
    import concurrent.futures

    paths = sorted((DEMO / "2020").glob("*.xlsx"))[:read_mod.PARALLEL_MIN_FILES]
    regs_p, prob_p = check_files(paths, instrument)

    def no_processes(*args, **kwargs):
        raise OSError("no processes here (simulated)")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_processes)
    regs_s, prob_s = check_files(paths, instrument)  # falls back to reading one by one
    assert prob_p.problems == prob_s.problems == []
    assert [(r.forbund, r.surveys, r.populations) for r in regs_p] == [(r.forbund, r.surveys, r.populations)
                                                                       for r in regs_s]


def test_reading_is_read_only_with_defusedxml(instrument, monkeypatch):
    import openpyxl

    assert openpyxl.DEFUSEDXML is True  # openpyxl parses with defusedxml (installed from requirements.txt)
    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(xlsx_mod, "load_workbook", spy)
    check_files([BASE], instrument)
    assert calls == [dict(read_only=True, data_only=False, keep_links=False, keep_vba=False)]


def test_ingest_one_year_warns_about_a_new_spelling(tmp_path, instrument):
    reg = tmp_path / "registration" / "2022"
    mutate_xlsx(BASE, reg / BASE.name, lambda wb: wb["Uppgifter"].__setitem__("B1", "JÄMTLAND"))
    out = tmp_path / "layer"
    shutil.copytree(LAYER, out)
    _, problems, _ = ingest(tmp_path / "registration", out, instrument, year=2022)
    assert [str(p) for p in problems.problems] == [
        "2022_jamtland.xlsx, Uppgifter!B1: Varning: Förbundets namn 'JÄMTLAND' stavas 'Jämtland' andra år i det "
        "aggregerade datalagret; i data blir det två förbund. Stava namnet likadant."]


def test_ingest_one_year_with_a_broken_layer(tmp_path, instrument):
    reg = tmp_path / "registration" / "2022"
    reg.mkdir(parents=True)
    shutil.copy(BASE, reg / BASE.name)
    out = tmp_path / "layer"
    shutil.copytree(LAYER, out)
    (out / "responses.csv").write_text("trasig\n", encoding="utf-8")
    before = layer_bytes(out)
    with pytest.raises(DataError, match="kan inte läsas"):
        ingest(tmp_path / "registration", out, instrument, year=2022)
    assert layer_bytes(out) == before
