"""The demo data and ``ingest``: every demo file passes, ingest reproduces the committed
layer byte for byte, and writing the layer is atomic."""
from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from helpers.registration import BASE, DEMO, LAYER, OTHER, copy_layer, layer_bytes, mutate_xlsx, to_csv_dir
from nns.cli import main as cli
from nns.errors import DataError, RegistrationError, WriteError
from nns.fsio import write_atomic
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


def test_ctrl_c_that_a_library_swallows_while_writing_replaces_nothing(small_tree, instrument, monkeypatch,
                                                                       swallowed_ctrl_c):
    """The layer's files are written by pandas; a Ctrl-C it swallowed (nns.interrupt) still stops the ingest
    before a file is replaced."""
    reg, out = small_tree
    before, names = layer_bytes(out), sorted(p.name for p in out.iterdir())
    real_stage = aggregate_mod.stage

    def swallowing_stage(directory, name, data):
        swallowed_ctrl_c()
        return real_stage(directory, name, data)

    monkeypatch.setattr(aggregate_mod, "stage", swallowing_stage)
    with pytest.raises(KeyboardInterrupt):
        ingest(reg, out, instrument)
    assert layer_bytes(out) == before
    assert sorted(p.name for p in out.iterdir()) == names   # and no temporary file is left


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


# --- only year folders hold registrations ------------------------------------------------------

THIRD = DEMO / "2022" / "2022_arvika-eda.xlsx"   # a registration the small tree does not have


def _copy_into(reg: Path, where: str) -> None:
    target = reg / where
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.name.endswith(".xlsx"):
        shutil.copy(THIRD, target)
    elif target.suffix:
        target.write_text("anteckningar\n", encoding="utf-8")
    else:
        to_csv_dir(THIRD, target)


# (what, where it is put in the registration folder, the problem's location, its words)
MISPLACED = [
    ("a folder of incoming files", "inkommande/2022_arvika-eda.xlsx", "registration/inkommande/",
     ("Mappen läses inte", "bara årsmappar", "innehåller 1 fil", "till sin årsmapp")),
    ("a CSV registration in an archive folder", "arkiv/2022_arvika-eda", "registration/arkiv/",
     ("Mappen läses inte", "innehåller 8 filer")),
    ("a year folder in full-width digits", "２０２２/2022_arvika-eda.xlsx", "registration/２０２２/",
     ("Mappen läses inte", "fyra siffror")),
    ("a two-digit year folder", "22/2022_arvika-eda.xlsx", "registration/22/", ("Mappen läses inte",)),
    ("a registration beside the year folders", "2022_arvika-eda.xlsx", "registration/2022_arvika-eda.xlsx",
     ("Filen läses inte", "bara årsmappar finnas", "<år>/<år>_<förbund>.xlsx")),
    ("a note beside the year folders", "läsmig.txt", "registration/läsmig.txt", ("Filen läses inte",)),
]


@pytest.mark.parametrize("what, where, location, words", MISPLACED, ids=[m[0] for m in MISPLACED])
def test_anything_but_year_folders_in_the_registration_folder_is_refused(what, where, location, words, small_tree,
                                                                        instrument, capsys):
    reg, out = small_tree
    _copy_into(reg, where)
    before = layer_bytes(out)
    with pytest.raises(RegistrationError) as exc:
        ingest(reg, out, instrument)
    found = [str(p) for p in exc.value.problems if str(p).startswith(location + ": ")]
    assert len(found) == 1 and all(w in found[0] for w in words), "\n".join(map(str, exc.value.problems))
    assert layer_bytes(out) == before
    # `check` on the registration folder reports it too
    assert cli(["check", str(reg)]) == 3
    assert found[0] in capsys.readouterr().out


# --- a year that is in the layer but has no folder -----------------------------------------

@pytest.fixture
def two_year_layer(small_tree):
    """The small tree (2022 only) and a layer holding 2021 and 2022."""
    reg, out = small_tree
    shutil.rmtree(out)
    return reg, copy_layer(out, {2021, 2022})


def _years(out: Path) -> set[int]:
    return {int(line.split(",", 1)[0]) for line in (out / "responses.csv").read_text().splitlines()[1:]}


@pytest.mark.parametrize("empty_folder", [False, True], ids=["no folder", "an empty folder"])
def test_full_ingest_refuses_to_drop_a_year_that_lost_its_folder(empty_folder, two_year_layer, instrument, capsys):
    reg, out = two_year_layer
    if empty_folder:
        (reg / "2021").mkdir()
    before = layer_bytes(out)
    with pytest.raises(RegistrationError) as exc:
        ingest(reg, out, instrument)
    assert [str(p) for p in exc.value.problems] == [
        f"registration/2021: Året 2021 finns i det aggregerade datalagret ({out}) men har ingen årsmapp med "
        f"registreringar ({reg / '2021'}/). En fullständig inläsning skulle ta bort året ur datalagret. Lägg "
        "tillbaka årets registreringar, eller kör 'nnsreport ingest --ta-bort-ar 2021' om året ska tas bort."]
    assert layer_bytes(out) == before
    code = cli(["--config", str(_settings_file(reg.parent, reg, out)), "ingest"])
    assert code == 3 and "Inget skrevs; det aggregerade datalagret är oförändrat." in capsys.readouterr().out
    assert layer_bytes(out) == before


def test_ta_bort_ar_drops_the_year_from_the_layer(two_year_layer, caplog):
    reg, out = two_year_layer
    caplog.set_level(logging.INFO)
    code = cli(["--config", str(_settings_file(reg.parent, reg, out)), "ingest", "--ta-bort-ar", "2021"])
    assert code == 0
    assert _years(out) == {2022}
    assert "Året 2021 togs bort ur det aggregerade datalagret." in caplog.text


@pytest.mark.parametrize("args, words", [
    (["--ta-bort-ar", "2022"], "--ta-bort-ar 2022: året har registreringar i"),
    (["--ta-bort-ar", "2019"], "--ta-bort-ar 2019: året finns inte i det aggregerade datalagret"),
    (["--ta-bort-ar", "2021", "--year", "2022"], "--ta-bort-ar gäller en fullständig inläsning"),
], ids=["a year that has registrations", "a year not in the layer", "with --year"])
def test_ta_bort_ar_is_refused_where_it_does_not_apply(args, words, two_year_layer, capsys):
    reg, out = two_year_layer
    before = layer_bytes(out)
    code = cli(["--config", str(_settings_file(reg.parent, reg, out)), "ingest", *args])
    assert code == 2
    assert words in capsys.readouterr().err
    assert layer_bytes(out) == before


# --- writes the system refuses -------------------------------------------------------------------
# The tests run as root, and root may write into a read-only folder (chmod does not stop it), and
# no read-only bind mount is at hand: the system's refusals are raised at the call that meets them
# (mkstemp in a read-only folder, a rename, a hard link), and a full disk is the real one: the
# temporary file's descriptor is pointed at /dev/full, whose writes fail with ENOSPC.

def refuse(monkeypatch, module, name, err, where=None, after=0):
    """``module.name`` raises OSError(err) (for paths under ``where``), from its ``after``+1-th call on."""
    real = getattr(module, name)
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        path = str(kwargs.get("dir") or (args[0] if args else ""))
        if len(calls) > after and (where is None or path.startswith(str(where))):
            raise OSError(err, os.strerror(err), path)
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, fake)


def full_disk(monkeypatch, module=None, name=None, err=None, where=None):
    """Every file opened by fsio from a descriptor writes to /dev/full."""
    real = os.fdopen

    def fdopen(fd, *args, **kwargs):
        full = os.open("/dev/full", os.O_WRONLY)
        os.dup2(full, fd)
        os.close(full)
        return real(fd, *args, **kwargs)
    monkeypatch.setattr(os, "fdopen", fdopen)


def backup_on_full_disk(monkeypatch, module=None, name=None, err=None, where=None):
    """No hard links here, and the copy that replaces one fills the disk half way."""
    refuse(monkeypatch, os, "link", errno.EXDEV)

    def copy2(src, dst, **kwargs):
        Path(dst).write_bytes(Path(src).read_bytes()[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
    monkeypatch.setattr(shutil, "copy2", copy2)


# (what, how the system refuses, the words of the message)
REFUSALS = [
    ("a read-only folder", lambda m, out: refuse(m, tempfile, "mkstemp", errno.EACCES, out),
     ("Kan inte skriva: åtkomst nekad", "(EACCES)", "Ge skrivrätt till mappen")),
    ("a read-only file system", lambda m, out: refuse(m, tempfile, "mkstemp", errno.EROFS, out),
     ("filsystemet är skrivskyddat (EROFS)",)),
    ("a full disk", lambda m, out: full_disk(m), ("Kan inte skriva: disken är full (ENOSPC)", "Frigör utrymme")),
    ("a full disk while keeping the old files", lambda m, out: backup_on_full_disk(m), ("disken är full (ENOSPC)",)),
    ("a refused rename", lambda m, out: refuse(m, os, "replace", errno.EACCES, out),
     ("åtkomst nekad", "(EACCES)")),
    ("a quota exceeded", lambda m, out: refuse(m, tempfile, "mkstemp", errno.EDQUOT, out, after=2),
     ("diskkvoten är slut (EDQUOT)",)),
]


@pytest.mark.parametrize("what, refusal, words", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_write_of_the_layer_is_a_clear_error_that_leaves_nothing_behind(what, refusal, words, small_tree,
                                                                                  instrument, monkeypatch, capsys):
    reg, out = small_tree
    before = layer_bytes(out)
    cfg = _settings_file(reg.parent, reg, out)
    refusal(monkeypatch, out)
    with pytest.raises(WriteError) as exc:
        ingest(reg, out, instrument)
    text = str(exc.value)
    assert text.startswith(str(out)) and all(w in text for w in words), text
    assert text.endswith("Inget skrevs; det aggregerade datalagret är oförändrat.")
    assert sorted(os.listdir(out)) == ["answers.csv", "populations.csv", "responses.csv"]  # no .tmp, no .bak
    assert layer_bytes(out) == before
    monkeypatch.undo()        # the same refusal, met by the command line
    refusal(monkeypatch, out)
    code = cli(["--config", str(cfg), "ingest"])
    printed = capsys.readouterr()
    assert code == WriteError.exit_code == 7
    assert f"Fel: {text}" in printed.err and "Traceback" not in printed.out + printed.err
    assert layer_bytes(out) == before and sorted(os.listdir(out)) == ["answers.csv", "populations.csv",
                                                                       "responses.csv"]


def test_a_rollback_that_fails_too_says_the_layer_may_be_mixed(small_tree, instrument, monkeypatch):
    """The second rename fails, and so does putting the first file back: the message must not promise
    an unchanged layer (the next ingest repairs it)."""
    reg, out = small_tree
    refuse(monkeypatch, os, "replace", errno.EIO, out, after=1)
    with pytest.raises(WriteError) as exc:
        ingest(reg, out, instrument)
    assert "in- eller utmatningsfel" in str(exc.value) and "kan vara blandat" in str(exc.value)
    assert "oförändrat" not in str(exc.value)
    assert not [n for n in os.listdir(out) if n.endswith((".tmp", ".bak"))]


def test_the_layer_folder_that_cannot_be_created_is_a_clear_error(small_tree, instrument, monkeypatch):
    reg, out = small_tree
    shutil.rmtree(out)
    refuse(monkeypatch, os, "mkdir", errno.EACCES, out)
    with pytest.raises(WriteError, match="åtkomst nekad") as exc:
        ingest(reg, out, instrument)
    assert exc.value.where == str(out)
    assert not out.exists()


@pytest.mark.parametrize("what, refusal, words", REFUSALS[:3] + REFUSALS[4:5], ids=[r[0] for r in REFUSALS[:3] + REFUSALS[4:5]])
def test_a_refused_write_of_any_file_keeps_the_old_file_and_leaves_nothing_behind(what, refusal, words, tmp_path,
                                                                                  monkeypatch):
    """The same for every file written through fsio (reports, figures, templates)."""
    folder = tmp_path / "utdata"
    folder.mkdir()
    target = folder / "rapport.html"
    target.write_bytes(b"<p>gammal</p>")
    refusal(monkeypatch, folder)
    with pytest.raises(WriteError) as exc:
        write_atomic(target, b"<p>ny</p>" * 10_000)
    assert str(exc.value).startswith(f"{target}: Kan inte skriva: ") and all(w in str(exc.value) for w in words)
    assert str(exc.value).endswith("Inget skrevs till hälften.")
    assert os.listdir(folder) == ["rapport.html"] and target.read_bytes() == b"<p>gammal</p>"


def test_a_template_into_a_read_only_folder_is_a_clear_error(tmp_path, monkeypatch, capsys):
    out = tmp_path / "mallar"
    out.mkdir()
    refuse(monkeypatch, tempfile, "mkstemp", errno.EACCES, out)
    code = cli(["template", "--forbund", "Väst", "--year", "2022", str(out / "2022_vast.xlsx")])
    printed = capsys.readouterr()
    assert code == 7
    assert f"Fel: {out / '2022_vast.xlsx'}: Kan inte skriva: åtkomst nekad" in printed.err
    assert "Traceback" not in printed.out + printed.err and os.listdir(out) == []
