"""Property-based tests (hypothesis): random mutations of a valid registration file never
crash the checker, and never change the aggregated numbers without an error or a warning.

The mutations are the kinds of damage typing, copying and saving do: a wrong value in
any cell, renamed/hidden/deleted/added sheets, inserted or deleted rows and columns,
merged cells, swapped columns, random bytes of the file, stray characters in CSV files.
Edits that are legitimate data entry (typing another valid answer, deleting a row of
answers) are left out, since they are supposed to change the numbers silently.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.registration import BASE, layer_of, same_layer, to_csv_dir
from nns.registration.read import check_files

#: NNS_HYPOTHESIS_EXAMPLES=1000 for a long hunt; the default keeps the suite quick.
SETTINGS = settings(max_examples=int(os.environ.get("NNS_HYPOTHESIS_EXAMPLES", "30")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SURVEY_SHEETS = ["Deltagare pågående", "Deltagare avslut", "Personal", "Parternas chefsgrupp", "Styrelse", "Remittenter"]
ALL_SHEETS = ["Instruktioner", "Uppgifter"] + SURVEY_SHEETS

#: Values that are wrong wherever they land in an answer or background cell (or harmless elsewhere).
BAD_VALUES = [
    0, 7, -1, 3.5, 6.5, 10**9, "fyra", "4 ", " 5", "6.0", "JA", "ja ", "NEJ", " nej", "Ja\u00a0", "Yes", "no", "x",
    True, False, dt.datetime(2022, 1, 4), dt.date(2021, 5, 6), dt.time(4, 0), "=1+1", "=A3", " ", "\t", "#N/A",
    "#DIV/0!", "kvinna", "MAN", " Kvinna", "K", "annan", "Region", "–", "Fråga 1", "Enkät nr", "Kön", "\u202e",
]
#: In Uppgifter a non-negative whole number may be a valid (different) population: left out there.
BAD_INFO_VALUES = [v for v in BAD_VALUES if not (isinstance(v, int) and not isinstance(v, bool) and v >= 0)]


@pytest.fixture(scope="module")
def base(instrument):
    regs, problems = check_files([BASE], instrument)
    assert problems.problems == []
    return BASE.read_bytes(), layer_of(instrument, regs)


def cell_edit():
    survey = st.tuples(st.just("cell"), st.sampled_from(SURVEY_SHEETS), st.integers(1, 50), st.integers(1, 14),
                       st.sampled_from(BAD_VALUES))
    info = st.tuples(st.just("cell"), st.just("Uppgifter"), st.integers(1, 12), st.integers(1, 5),
                     st.sampled_from(BAD_INFO_VALUES))
    return st.one_of(survey, info)


def structural_edit():
    sheet = st.sampled_from(ALL_SHEETS)
    survey = st.sampled_from(SURVEY_SHEETS)
    return st.one_of(
        st.tuples(st.just("rename"), sheet, st.sampled_from(["personal", "Personal ", "Uppgifter2", "Blad1", "Styrelse",
                                                             "Deltagare Avslut", "Remittent"])),
        st.tuples(st.just("hide"), sheet, st.sampled_from(["hidden", "veryHidden"])),
        st.tuples(st.just("delete_sheet"), sheet),
        st.tuples(st.just("add_sheet"), st.sampled_from(["Blad1", "personal", "Anteckningar"])),
        st.tuples(st.just("move_sheet"), sheet, st.integers(-5, 5)),
        st.tuples(st.just("delete_header_row"), survey, st.integers(1, 2)),
        st.tuples(st.just("delete_info_row"), st.integers(1, 10)),
        st.tuples(st.just("insert_row"), sheet, st.integers(1, 40), st.integers(1, 30)),
        st.tuples(st.just("delete_col"), sheet, st.integers(1, 14)),
        st.tuples(st.just("insert_col"), sheet, st.integers(1, 14)),
        st.tuples(st.just("merge"), st.sampled_from(ALL_SHEETS[1:]), st.integers(1, 30), st.integers(1, 12)),
        st.tuples(st.just("swap_cols"), survey, st.integers(1, 12), st.integers(1, 12)),
    )


def apply(wb, op) -> None:
    kind, *args = op
    names = wb.sheetnames
    if kind == "add_sheet":
        wb.create_sheet(args[0])
        return
    if kind == "delete_info_row":
        if "Uppgifter" in names:
            wb["Uppgifter"].delete_rows(args[0])
        return
    title = args[0]
    if title not in names:
        return  # an earlier mutation removed or renamed it
    ws = wb[title]
    if kind == "cell":
        ws.cell(row=args[1], column=args[2]).value = args[3]
    elif kind == "rename":
        ws.title = args[1]
    elif kind == "hide":
        if len([s for s in wb.worksheets if s.sheet_state == "visible"]) > 1:
            ws.sheet_state = args[1]
    elif kind == "delete_sheet":
        if len(names) > 1:
            wb.remove(ws)
    elif kind == "move_sheet":
        wb.move_sheet(ws, offset=args[1])
    elif kind == "delete_header_row":
        ws.delete_rows(args[1])
    elif kind == "insert_row":
        ws.insert_rows(args[1], amount=args[2])
    elif kind == "delete_col":
        ws.delete_cols(args[1])
    elif kind == "insert_col":
        ws.insert_cols(args[1])
    elif kind == "merge":
        ws.merge_cells(start_row=args[1], start_column=args[2], end_row=args[1] + 1, end_column=args[2] + 1)
    elif kind == "swap_cols":
        a, b = sorted(args[1:])
        if a != b:
            for row in ws.iter_rows(min_col=a, max_col=b, max_row=max(ws.max_row, 3)):
                row[0].value, row[-1].value = row[-1].value, row[0].value


def _assert_property(paths, instrument, original_layer) -> None:
    regs, problems = check_files(paths, instrument)  # must not raise
    internal = [str(p) for p in problems.problems if "Internt fel" in str(p)]
    assert internal == []
    if not problems.problems:
        assert same_layer(layer_of(instrument, regs), original_layer), \
            "the numbers changed although check reported nothing"


@SETTINGS
@given(ops=st.lists(st.one_of(cell_edit(), cell_edit(), structural_edit()), min_size=1, max_size=4))
def test_mutated_workbook(base, instrument, ops):
    data, original = base
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for op in ops:
        apply(wb, op)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "2022" / BASE.name
        path.parent.mkdir()
        wb.save(path)   # apply() keeps the workbook savable (a visible sheet always remains)
        _assert_property([path], instrument, original)


@SETTINGS
@given(ops=st.lists(st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 64)),
), min_size=1, max_size=3))
def test_mutated_bytes(base, instrument, ops):
    data, original = base
    b = bytearray(data)
    for kind, where, *rest in ops:
        i = int(where * len(b)) if b else 0
        if kind == "flip" and b:
            b[min(i, len(b) - 1)] ^= rest[0] or 1
        elif kind == "truncate":
            del b[i:]
        elif kind == "insert":
            b[i:i] = rest[0]
        elif kind == "delete":
            del b[i:i + rest[0]]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "2022" / BASE.name
        path.parent.mkdir()
        path.write_bytes(bytes(b))
        _assert_property([path], instrument, original)


@pytest.fixture(scope="module")
def csv_base(tmp_path_factory):
    d = to_csv_dir(BASE, tmp_path_factory.mktemp("csv") / "2022" / BASE.stem, delimiter=";")
    return {p.name: p.read_text(encoding="utf-8") for p in d.iterdir()}


#: Characters a slip of the hand or a bad export adds; digits are left out (typing a digit is data entry).
STRAY = [",", ";", "\n", "\r", '"', " ", "\t", "x", "=", "-", ".", "\x00", "é", "\ufeff", "Ja", "#"]


@SETTINGS
@given(ops=st.lists(st.tuples(st.sampled_from(["Uppgifter.csv"] + [f"{s}.csv" for s in SURVEY_SHEETS]),
                              st.floats(0, 1), st.sampled_from(STRAY)), min_size=1, max_size=4))
def test_mutated_csv(base, csv_base, instrument, ops):
    _, original = base
    files = dict(csv_base)
    for name, where, text in ops:
        s = files[name]
        i = int(where * len(s))
        files[name] = s[:i] + text + s[i:]
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d) / "2022" / BASE.stem
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_bytes(text.encode("utf-8"))
        _assert_property([folder], instrument, original)
