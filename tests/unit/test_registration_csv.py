"""The CSV alternative: the same sheets as CSV files in a folder <year>_<slug>/."""
from __future__ import annotations

import shutil

import pytest

from helpers.registration import BASE, DEMO, LAYER, layer_bytes, layer_of, same_layer, to_csv_dir
from nns.cli import main as cli
from nns.registration.csvdir import csv_value
from nns.registration.files import registration_files
from nns.registration.ingest import ingest
from nns.registration.read import check_files


def test_a_whole_year_as_csv_gives_the_same_layer(tmp_path, instrument):
    """All 2022 demo files as CSV folders (half comma-, half semicolon-separated, some with BOM)."""
    reg = tmp_path / "registration" / "2022"
    files = sorted((DEMO / "2022").glob("*.xlsx"))
    for i, f in enumerate(files):
        to_csv_dir(f, reg / f.stem, delimiter=";" if i % 2 else ",", encoding="utf-8-sig" if i % 3 == 0 else "utf-8")
    assert registration_files(tmp_path / "registration") == sorted(reg.iterdir())
    out = tmp_path / "layer"
    shutil.copytree(LAYER, out)
    layer, problems, regs = ingest(tmp_path / "registration", out, instrument, year=2022)
    assert problems.problems == [] and len(regs) == len(files)
    assert layer_bytes(out) == layer_bytes(LAYER)


def test_mixed_tree_of_xlsx_and_csv(tmp_path, instrument):
    reg = tmp_path / "registration" / "2022"
    reg.mkdir(parents=True)
    files = sorted((DEMO / "2022").glob("*.xlsx"))[:4]
    shutil.copy(files[0], reg / files[0].name)
    shutil.copy(files[1], reg / files[1].name)
    to_csv_dir(files[2], reg / files[2].stem)
    to_csv_dir(files[3], reg / files[3].stem, delimiter=";")
    regs_x, _ = check_files(files, instrument)
    regs_c, problems = check_files(registration_files(tmp_path / "registration"), instrument)
    assert problems.problems == []
    assert same_layer(layer_of(instrument, regs_x), layer_of(instrument, regs_c))


def test_one_csv_file_stands_for_its_folder(tmp_path, instrument, capsys):
    d = to_csv_dir(BASE, tmp_path / "2022" / BASE.stem)
    regs, problems = check_files([d / "Personal.csv", d / "Styrelse.csv", d], instrument)
    assert problems.problems == [] and len(regs) == 1
    assert cli(["check", str(d / "Personal.csv")]) == 0
    assert capsys.readouterr().out.strip() == "1 fil kontrollerad: 0 fel, 0 varningar, 149 svar. Filerna kan läsas in."


def test_instructions_and_other_files_in_the_folder(tmp_path, instrument):
    d = to_csv_dir(BASE, tmp_path / "2022" / BASE.stem)
    assert (d / "Instruktioner.csv").exists()  # exported too; not read
    (d / "läsmig.txt").write_text("x", encoding="utf-8")
    (d / ".DS_Store").write_bytes(b"\x00")
    _, problems = check_files([d], instrument)
    assert [str(p) for p in problems.problems] == [
        "2022_jamtland/läsmig.txt: Varning: Bara CSV-filer (.csv) läses; den här ignoreras."]


def test_empty_and_missing_folders(tmp_path, instrument):
    (tmp_path / "2022_tom").mkdir()
    _, problems = check_files([tmp_path / "2022_tom", tmp_path / "2022_finns-inte"], instrument)
    assert [str(p) for p in problems.problems] == [
        "2022_tom: Mappen är tom; den ska innehålla Uppgifter.csv och en CSV-fil per enkät.",
        "2022_finns-inte: Filen finns inte."]


def test_binary_data_in_a_csv_file(tmp_path, instrument):
    d = to_csv_dir(BASE, tmp_path / "2022" / BASE.stem)
    (d / "Personal.csv").write_bytes(BASE.read_bytes())
    _, problems = check_files([d], instrument)
    assert "2022_jamtland/Personal.csv: Filen Personal.csv innehåller binära data" in str(problems.errors[0])


def test_newline_inside_a_record_is_caught(tmp_path, instrument):
    """A stray line break splits a record in two rows that would each look valid: the field count tells."""
    d = to_csv_dir(BASE, tmp_path / "2022" / BASE.stem)
    p = d / "Styrelse.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("\n2,4,4,", "\n2,4,\n4,"), encoding="utf-8")
    _, problems = check_files([d], instrument)
    assert [str(e).split(":")[0] for e in problems.errors] == ["2022_jamtland, Styrelse.csv!D4",
                                                               "2022_jamtland, Styrelse.csv!E5"]
    assert "Raden har 3 fält men rubrikraden har 6" in str(problems.errors[0])


@pytest.mark.parametrize("field, delimiter, value", [
    ("", ",", None), ("4", ",", 4), ("-1", ",", -1), ("+4", ",", 4), ("3.5", ",", 3.5), ("3,5", ";", 3.5),
    ("3,5", ",", "3,5"), ("4 ", ",", "4 "), (" 4", ",", " 4"), ("Ja", ",", "Ja"), ("1e3", ",", "1e3"),
    ("=1+1", ",", "=1+1"),
])
def test_csv_values(field, delimiter, value):
    assert csv_value(field, delimiter) == value
    assert type(csv_value(field, delimiter)) is type(value)
