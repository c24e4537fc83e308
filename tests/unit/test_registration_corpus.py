"""The bad-file corpus: each case copies a good demo file, breaks one thing, and checks that

* ``check`` reports an error with the exact location (file, sheet and cell as Excel
  shows them) and the key words (what was found, what is allowed);
* ``nnsreport check`` exits non-zero and prints it, without a traceback;
* ``ingest`` of a tree holding the bad file refuses and leaves the layer byte-identical.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.registration import (
    BASE,
    BASE_NAME,
    OTHER,
    duplicate_cell,
    duplicate_row,
    edit_sheet_xml,
    isolated_ingest,
    mutate_xlsx,
    mutate_zip,
    reverse_rows,
    sheet_part,
    strict_namespaces,
    to_csv_dir,
)
from nns.cli import main as cli
from nns.instrument import load_instrument
from nns.registration import container as container_mod
from nns.registration.container import OLE_MAGIC
from nns.registration.ingest import ingest
from nns.registration.model import MAX_FILE_BYTES

F = BASE_NAME          # "2022_jamtland.xlsx"
D = BASE.stem          # "2022_jamtland" (the CSV folder)


@dataclass
class Case:
    id: str
    make: object                   # make(src_dir) -> list of paths (files or CSV folders) to check
    location: str                  # the message starts with "<location>: "
    words: tuple                   # key words the message contains
    patch: dict = field(default_factory=dict)   # nns_registration constants to change for the case
    ingest_location: str | None = None          # when ingest reports it elsewhere (stray files)
    ingest_words: tuple = ()


def xlsx(fn, name=F, folder="2022", base=BASE):
    def make(src: Path):
        return [mutate_xlsx(base, src / folder / name, fn)]
    return make


def zipped(fn, name=F):
    def make(src: Path):
        return [mutate_zip(BASE, src / "2022" / name, fn)]
    return make


def raw(fn, name=F, folder="2022"):
    def make(src: Path):
        p = src / folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(fn(BASE.read_bytes()))
        return [p]
    return make


def csv_dir(fn, delimiter=","):
    def make(src: Path):
        d = to_csv_dir(BASE, src / "2022" / D, delimiter=delimiter)
        fn(d)
        return [d]
    return make


def setv(sheet, cell, value):
    def fn(wb):
        wb[sheet][cell] = value
    return fn


def steps(*fns):
    def fn(wb):
        for f in fns:
            f(wb)
    return fn


def delete_sheet(title):
    def fn(wb):
        del wb[title]
    return fn


def rename_sheet_in_xml(old, new):
    def fn(parts):
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
    return fn


def edit_csv(name, row, col, value):
    """Set one field (1-based row, column letter) of a CSV file in the folder."""
    import csv
    import io

    from openpyxl.utils import column_index_from_string

    def fn(d: Path):
        p = d / name
        text = p.read_text(encoding="utf-8")
        delim = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        rows[row - 1][column_index_from_string(col) - 1] = value
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=delim, lineterminator="\r\n").writerows(rows)
        p.write_text(buf.getvalue(), encoding="utf-8")
    return fn


def old_template_text(wb):
    """Parternas chefsgrupp's Fråga 2 column headed by the text that 2022 asks as Fråga 3."""
    ins = load_instrument()
    text = {v.number: v.text for _, v in ins.questions_asked("chefsgrupp", 2022)}[3]
    wb["Parternas chefsgrupp"]["C2"] = text


def set_encrypted_flag(data: bytes) -> bytes:
    """Mark every zip entry as encrypted (general purpose bit 0) in the central directory."""
    out = bytearray(data)
    for m in re.finditer(rb"PK\x01\x02", data):
        flag_at = m.start() + 8
        (flags,) = struct.unpack_from("<H", out, flag_at)
        struct.pack_into("<H", out, flag_at, flags | 1)
    return bytes(out)


def corrupt_member(member):
    """Overwrite the middle of one member's compressed bytes: CRC or inflate fails."""
    def fn(data: bytes) -> bytes:
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo(member)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        mid = start + info.compress_size // 2
        out = bytearray(data)
        out[mid:mid + 8] = b"\x00\xff\x00\xff\x00\xff\x00\xff"
        return bytes(out)
    return fn


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>')


def personal_part(parts):
    return sheet_part(BASE, "Personal")


def replace_part(title, fn):
    def edit(parts):
        part = sheet_part(BASE, title)
        parts[part] = fn(parts[part])
    return edit


def two_registrations(src: Path):
    d = to_csv_dir(BASE, src / "2022" / D)
    x = src / "2022" / F
    x.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(BASE, x)
    return [d, x]


def no_survey_sheets(wb):
    for title in ("Deltagare pågående", "Deltagare avslut", "Personal", "Parternas chefsgrupp", "Styrelse",
                  "Remittenter"):
        del wb[title]
    for r in range(5, 11):
        wb["Uppgifter"].cell(row=r, column=2).value = None
        wb["Uppgifter"].cell(row=r, column=3).value = None


def chartsheet(wb):
    from openpyxl.chart import BarChart, Reference

    cs = wb.create_chartsheet("Diagram")
    chart = BarChart()
    chart.add_data(Reference(wb["Personal"], min_col=2, min_row=3, max_row=10))
    cs.add_chart(chart)


CASES = [
    # --- values on the six-point scale -------------------------------------------------
    Case("zero", xlsx(setv("Personal", "D17", 0)), f"{F}, Personal!D17", ("Svaret 0", "utanför skalan", "heltal 1–6")),
    Case("seven", xlsx(setv("Personal", "D17", 7)), f"{F}, Personal!D17", ("Svaret 7", "utanför skalan", "heltal 1–6")),
    Case("three-and-a-half", xlsx(setv("Personal", "D17", 3.5)), f"{F}, Personal!D17", ("3.5", "inget heltal", "heltal 1–6")),
    Case("minus-one", xlsx(setv("Personal", "D17", -1)), f"{F}, Personal!D17", ("-1", "utanför skalan")),
    Case("text-fyra", xlsx(setv("Personal", "D17", "fyra")), f"{F}, Personal!D17", ("'fyra'", "där ett tal ska stå", "heltal 1–6")),
    Case("text-4-space", xlsx(setv("Personal", "D17", "4 ")), f"{F}, Personal!D17", ("'4 '", "text, inte ett tal", "Skriv 4 som ett tal")),
    Case("ja-on-six-point", xlsx(setv("Personal", "D17", "Ja")), f"{F}, Personal!D17", ("'Ja'", "heltal 1–6")),
    Case("date", xlsx(setv("Personal", "D17", dt.datetime(2022, 1, 4))), f"{F}, Personal!D17", ("datum", "2022-01-04", "heltal 1–6")),
    Case("boolean", xlsx(setv("Personal", "D17", True)), f"{F}, Personal!D17", ("sanningsvärdet SANT", "heltal 1–6")),
    Case("formula", xlsx(setv("Personal", "D17", "=2+2")), f"{F}, Personal!D17", ("formel", "=2+2")),
    Case("excel-error", xlsx(setv("Personal", "D17", "#N/A")), f"{F}, Personal!D17", ("felvärde #N/A",)),
    Case("full-width-digit", xlsx(setv("Personal", "D17", "５")), f"{F}, Personal!D17", ("'５'", "där ett tal ska stå")),
    # --- Ja/Nej ---------------------------------------------------------------------------
    Case("yes", xlsx(setv("Deltagare avslut", "J4", "Yes")), f"{F}, 'Deltagare avslut'!J4", ("'Yes'", "Ja, Nej eller tomt")),
    Case("one-for-ja", xlsx(setv("Deltagare avslut", "J4", 1)), f"{F}, 'Deltagare avslut'!J4", ("Ogiltigt svar 1", "1/0", "Ja, Nej")),
    Case("zero-for-nej", xlsx(setv("Deltagare avslut", "J13", 0)), f"{F}, 'Deltagare avslut'!J13", ("Ogiltigt svar 0", "Ja, Nej")),
    Case("true-for-ja", xlsx(setv("Deltagare avslut", "J4", True)), f"{F}, 'Deltagare avslut'!J4", ("SANT", "Ja, Nej")),
    # --- questions 9-10 only after Ja on 8 ---------------------------------------------------
    Case("q9-after-nej", xlsx(setv("Deltagare avslut", "K13", 4)), f"{F}, 'Deltagare avslut'!K13",
         ("Fråga 9 är besvarad", "fråga 8 är 'Nej'", "bara efter Ja")),
    Case("q10-after-empty", xlsx(setv("Deltagare avslut", "L3", 5)), f"{F}, 'Deltagare avslut'!L3",
         ("Fråga 10 är besvarad", "fråga 8 är obesvarad")),
    # --- background labels -----------------------------------------------------------------
    Case("gender-k", xlsx(setv("Deltagare pågående", "B5", "K")), f"{F}, 'Deltagare pågående'!B5",
         ("Okänt värde 'K' för kön", "Kvinna, Man, Ej angett")),
    Case("employer-region", xlsx(setv("Remittenter", "B4", "Region")), f"{F}, Remittenter!B4",
         ("Okänt värde 'Region' för anställning", "Hälso-Sjukvård", "Annan")),
    Case("gender-formula", xlsx(setv("Deltagare pågående", "B5", '=IF(1,"Man","")')), f"{F}, 'Deltagare pågående'!B5", ("formel",)),
    Case("ident-formula", xlsx(setv("Personal", "A17", "=ROW()")), f"{F}, Personal!A17", ("formel", "=ROW()")),
    # --- sheets --------------------------------------------------------------------------------
    Case("unknown-sheet", xlsx(lambda wb: wb.create_sheet("Anteckningar")), f"{F}, bladet Anteckningar",
         ("Okänt blad 'Anteckningar'", "Tillåtna enkätblad 2022")),
    Case("case-variant-sheet", zipped(rename_sheet_in_xml("Personal", "personal")), f"{F}, bladet personal",
         ("Okänt blad 'personal'", "Menade du 'Personal'")),
    Case("duplicated-case-variant-sheet", zipped(rename_sheet_in_xml("Styrelse", "PERSONAL")), f"{F}, bladet PERSONAL",
         ("skiljer sig bara i stora/små bokstäver", "'Personal'")),
    Case("duplicated-sheet", zipped(rename_sheet_in_xml("Styrelse", "Personal")), f"{F}, bladet Personal",
         ("finns två gånger",)),
    Case("hidden-sheet", xlsx(lambda wb: setattr(wb["Styrelse"], "sheet_state", "hidden")), f"{F}, bladet Styrelse", ("dolt",)),
    Case("very-hidden-sheet", xlsx(lambda wb: setattr(wb["Personal"], "sheet_state", "veryHidden")), f"{F}, bladet Personal",
         ("mycket dolt", "Visual Basic")),
    Case("info-sheet-missing", xlsx(delete_sheet("Uppgifter")), f"{F}, bladet Uppgifter", ("Bladet Uppgifter saknas",)),
    Case("survey-sheet-missing-with-populations", xlsx(delete_sheet("Styrelse")), f"{F}, Uppgifter!C9",
         ("Populationer är angivna för Styrelse", "bladet Styrelse saknas")),
    Case("no-survey-sheet", xlsx(no_survey_sheets), F, ("inget enkätblad",)),
    Case("survey-not-in-year", xlsx(lambda wb: setattr(wb.copy_worksheet(wb["Styrelse"]), "title", "Remittenter"),
                                    name="2020_jamtland.xlsx", base=BASE.parent.parent / "2020" / "2020_jamtland.xlsx",
                                    folder="2020"),
         "2020_jamtland.xlsx, bladet Remittenter", ("Okänt blad 'Remittenter'", "fanns inte 2020")),
    Case("chart-sheet", xlsx(chartsheet), f"{F}, bladet Diagram", ("inget vanligt kalkylblad",)),
    # --- columns ---------------------------------------------------------------------------
    Case("duplicated-column", xlsx(setv("Personal", "M1", "Fråga 3")), f"{F}, Personal!M1", ("'Fråga 3' finns två gånger", "D1")),
    Case("extra-column", xlsx(setv("Personal", "M1", "Kommentar")), f"{F}, Personal!M1", ("Okänd kolumn 'Kommentar'", "Fråga 11")),
    Case("question-not-asked", xlsx(setv("Personal", "M1", "Fråga 12")), f"{F}, Personal!M1", ("Okänd kolumn 'Fråga 12'", "11 frågor")),
    Case("case-variant-column", xlsx(setv("Personal", "B1", "fråga 1")), f"{F}, Personal!B1", ("Menade du 'Fråga 1'",)),
    Case("value-without-header", xlsx(setv("Personal", "M10", 5)), f"{F}, Personal!M10", ("Värdet 5", "kolumn utan rubrik")),
    Case("missing-column", xlsx(lambda wb: wb["Personal"].delete_cols(4)), f"{F}, Personal!A1", ("Kolumner saknas: Fråga 3.",)),
    Case("header-row-deleted", xlsx(lambda wb: wb["Personal"].delete_rows(1)), f"{F}, Personal!A1", ("Rubrikraden saknas", "Har rad 1 tagits bort")),
    Case("header-row-empty", xlsx(lambda wb: wb["Styrelse"].delete_rows(1, 2)), f"{F}, Styrelse!A1", ("Rubrikraden saknas", "Fråga 1")),
    Case("text-row-deleted", xlsx(lambda wb: wb["Personal"].delete_rows(2)), f"{F}, Personal!B2",
         ("Rad 2 ska innehålla frågetexterna", "Har raden med frågetexter tagits bort")),
    Case("other-years-template", xlsx(old_template_text), f"{F}, 'Parternas chefsgrupp'!C2",
         ("hör till fråga 3 i 2022 års enkät", "annan årgångs mall")),
    Case("merged-cells", xlsx(lambda wb: wb["Personal"].merge_cells("C17:D17")), f"{F}, Personal!C17", ("Sammanfogade celler", "C17:D17")),
    # --- Uppgifter --------------------------------------------------------------------------
    Case("population-below-responses", xlsx(setv("Uppgifter", "C7", 10)), f"{F}, Uppgifter!C7",
         ("Undersökt population för Personal (10)", "mindre än antalet svar (36)")),
    Case("target-population-below-responses", xlsx(setv("Uppgifter", "B9", 3)), f"{F}, Uppgifter!B9",
         ("Målpopulationen för Styrelse (3)", "mindre än antalet svar (4)")),
    Case("examined-above-target", xlsx(setv("Uppgifter", "C5", 95)), f"{F}, Uppgifter!C5",
         ("Undersökt population (95) är större än målpopulationen (91)",)),
    Case("population-text", xlsx(setv("Uppgifter", "B6", "många")), f"{F}, Uppgifter!B6",
         ("Målpopulation ska vara ett heltal 0 eller större", "'många'")),
    Case("population-negative", xlsx(setv("Uppgifter", "C6", -5)), f"{F}, Uppgifter!C6", ("Undersökt population", "-5")),
    Case("population-formula", xlsx(setv("Uppgifter", "C7", "=40+3")), f"{F}, Uppgifter!C7", ("formel", "=40+3")),
    Case("unknown-survey-label", xlsx(setv("Uppgifter", "A5", "Deltagare pagaende")), f"{F}, Uppgifter!A5",
         ("Okänd enkät 'Deltagare pagaende'", "Deltagare pågående")),
    Case("survey-label-twice", xlsx(steps(setv("Uppgifter", "A11", "Personal"), setv("Uppgifter", "C11", 40))),
         f"{F}, Uppgifter!A11", ("Personal står två gånger", "rad 7")),
    Case("forbund-differs-from-name", xlsx(setv("Uppgifter", "B1", "Härjedalen")), f"{F}, Uppgifter!B1",
         ("'Härjedalen'", "stämmer inte med filens namn", "2022_harjedalen.xlsx")),
    Case("forbund-with-stray-comma", xlsx(setv("Uppgifter", "B1", ",Jämtland")), f"{F}, Uppgifter!B1",
         ("',Jämtland' börjar eller slutar med ett skiljetecken", "nyckeln i data")),
    Case("forbund-with-quotes", xlsx(setv("Uppgifter", "B1", '"Jämtland"')), f"{F}, Uppgifter!B1",
         ("innehåller '\"'",)),
    Case("year-differs-from-name", xlsx(setv("Uppgifter", "B2", 2021)), f"{F}, Uppgifter!B2",
         ("Året i filen (2021) stämmer inte", "(2022)")),
    Case("year-missing", xlsx(setv("Uppgifter", "B2", None)), f"{F}, Uppgifter!B2", ("Året ska vara ett heltal", "fick tom")),
    Case("year-as-text", xlsx(setv("Uppgifter", "B2", "tjugotjugotvå")), f"{F}, Uppgifter!B2", ("'tjugotjugotvå'",)),
    Case("forbund-missing", xlsx(setv("Uppgifter", "B1", None)), f"{F}, Uppgifter!B1", ("Förbundets namn saknas",)),
    Case("year-without-surveys", xlsx(setv("Uppgifter", "B2", 2017), name="2017_jamtland.xlsx", folder="2017"),
         "2017_jamtland.xlsx, Uppgifter!B2", ("År 2017 har inga enkäter", "från 2018")),
    # --- files and containers ------------------------------------------------------------------
    Case("not-a-zip", raw(lambda b: b"Detta \xe4r ingen Excel-fil\n" * 10), F, ("ingen Excel-arbetsbok",)),
    Case("empty-file", raw(lambda b: b""), F, ("tom (0 byte)",)),
    Case("password-protected", raw(lambda b: OLE_MAGIC + b"\x00" * 4088), F, ("lösenordsskyddad",)),
    Case("truncated", raw(lambda b: b[: len(b) // 2]), F, ("avkortad",)),
    Case("truncated-end", raw(lambda b: b[:-30]), F, ("avkortad",)),
    Case("corrupt-member", raw(corrupt_member("xl/worksheets/sheet5.xml")), F, ("skadad",)),
    Case("encrypted-entries", raw(set_encrypted_flag), F, ("krypterad",)),
    Case("too-large", raw(lambda b: b + b"\x00" * (MAX_FILE_BYTES + 1 - len(b))), F,
         ("20 971 521 byte", "största tillåtna storlek är 20 MB")),
    Case("zip-bomb", raw(lambda b: b), F, ("uppackat", "högst 0 MB"), patch={"MAX_UNPACKED_BYTES": 1000}),
    Case("no-workbook-part", zipped(lambda parts: parts.pop("xl/workbook.xml")), F, ("saknar en Excel-arbetsbok",)),
    Case("strict-open-xml", zipped(strict_namespaces), F,
         ("Strikt Open XML", "spara den som vanlig 'Excel-arbetsbok (.xlsx)'")),
    # --- rows and cells as some other programs store them (docs/registreringsfil.md) ----------------
    Case("row-stored-twice", zipped(edit_sheet_xml("Personal", duplicate_row(18, "C18", "6"))), f"{F}, bladet Personal",
         ("Rad 18 finns två gånger", "vilken som gäller", "Kontrollera rad 18", "spara om den")),
    Case("cell-stored-twice", zipped(edit_sheet_xml("Personal", duplicate_cell("C18", "6"))), f"{F}, Personal!C18",
         ("Cellen C18 finns två gånger", "vilken som gäller", "spara om den")),
    Case("out-of-order-and-too-large", zipped(edit_sheet_xml("Personal", reverse_rows)), f"{F}, bladet Personal",
         ("lagrade i oordning", "rad 37 kommer efter", "för många celler (436)", "spara om den"),
         patch={"MAX_CELLS_REORDERED": 100}),
    Case("broken-sheet-xml", zipped(replace_part("Personal", lambda b: b[: len(b) // 2])), f"{F}, bladet Personal",
         ("kan inte läsas", "skadad")),
    Case("xml-entity-bomb-in-sheet", zipped(replace_part("Personal", lambda b: BILLION_LAUGHS)), F,
         ("kan inte läsas", "säkerhetsskäl")),
    Case("xml-entity-bomb-in-workbook", zipped(lambda parts: parts.__setitem__(
        "xl/workbook.xml", BILLION_LAUGHS.replace(b"worksheet", b"workbook"))), F, ("kan inte läsas", "säkerhetsskäl")),
    Case("bad-file-name", raw(lambda b: b, name="Jämtland 2022.xlsx"), "Jämtland 2022.xlsx", ("Filnamnet ska vara",)),
    Case("full-width-year-in-file-name", raw(lambda b: b, name="２０２２_jamtland.xlsx"), "２０２２_jamtland.xlsx",
         ("Filnamnet ska vara",)),
    Case("two-registrations-same-forbund-year", two_registrations, F, ("Två registreringar", "även 2022_jamtland")),
    Case("wrong-year-folder", raw(lambda b: b, folder="2021"), F, ("ligger i mappen 2021", "gäller år 2022")),
    Case("old-excel-format", raw(lambda b: OLE_MAGIC + b"\x00" * 4088, name="2022_jamtland.xls"), "2022_jamtland.xls",
         ("lösenordsskyddad",), ingest_location="2022/2022_jamtland.xls", ingest_words=("Filen läses inte",)),
    # --- CSV --------------------------------------------------------------------------------
    Case("csv-out-of-range", csv_dir(edit_csv("Personal.csv", 17, "D", "7")), f"{D}, Personal.csv!D17",
         ("Svaret 7", "utanför skalan")),
    Case("csv-text-with-space", csv_dir(edit_csv("Deltagare pågående.csv", 9, "E", "4 ")),
         f"{D}, 'Deltagare pågående.csv'!E9", ("'4 '", "text, inte ett tal")),
    Case("csv-full-width-digit", csv_dir(edit_csv("Personal.csv", 17, "D", "５")), f"{D}, Personal.csv!D17",
         ("'５'", "där ett tal ska stå")),
    Case("csv-decimal-comma", csv_dir(edit_csv("Personal.csv", 17, "D", "3,5"), delimiter=";"), f"{D}, Personal.csv!D17",
         ("3.5", "inget heltal")),
    Case("csv-not-utf8", csv_dir(lambda d: (d / "Personal.csv").write_bytes(
        (d / "Personal.csv").read_text(encoding="utf-8").encode("cp1252"))), f"{D}/Personal.csv",
         ("inte UTF-8", "rad 1")),
    Case("csv-info-missing", csv_dir(lambda d: (d / "Uppgifter.csv").unlink()), f"{D}/Uppgifter.csv", ("Filen Uppgifter.csv saknas",)),
    Case("csv-unknown-file", csv_dir(lambda d: (d / "Anteckningar.csv").write_text("x\n", encoding="utf-8")),
         f"{D}/Anteckningar.csv", ("Okänd fil 'Anteckningar'", "Personal.csv")),
    Case("csv-extra-field", csv_dir(lambda d: (d / "Styrelse.csv").write_text(
        (d / "Styrelse.csv").read_text(encoding="utf-8").replace("\n2,", "\n2,,", 1), encoding="utf-8")),
         f"{D}, Styrelse.csv!G4", ("Raden har 7 fält men rubrikraden har 6",)),
    Case("csv-unclosed-quote", csv_dir(lambda d: (d / "Styrelse.csv").write_text(
        (d / "Styrelse.csv").read_text(encoding="utf-8") + '"7,5,5\r\n', encoding="utf-8")),
         f"{D}/Styrelse.csv", ("ingen giltig CSV-fil",)),
    Case("csv-folder-name", lambda src: [to_csv_dir(BASE, src / "2022" / "Jamtland-2022")], "Jamtland-2022",
         ("ska ligga i en mapp som heter <år>_<förbund>",)),
    Case("csv-population-below-responses", csv_dir(edit_csv("Uppgifter.csv", 7, "C", "10")), f"{D}, Uppgifter.csv!C7",
         ("mindre än antalet svar (36)",)),
]


def test_case_ids_are_unique():
    """Two cases with one id would run as one (pytest suffixes ids, a reader of the output would not)."""
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def small_layer(tmp_path_factory, instrument):
    """An aggregated layer to protect (two förbund of 2022); copied into every isolated ingest."""
    d = tmp_path_factory.mktemp("small_layer")
    reg = d / "registration" / "2022"
    reg.mkdir(parents=True)
    shutil.copy(OTHER, reg / OTHER.name)
    ingest(d / "registration", d / "layer", instrument)
    return d / "layer"


def _matching(problems, location, words):
    return [p for p in problems if str(p).startswith(location + ": ") and all(w in str(p) for w in words)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file(case, tmp_path, instrument, small_layer, monkeypatch, capsys):
    for k, v in case.patch.items():
        monkeypatch.setattr(container_mod, k, v)
    paths = case.make(tmp_path / "src")

    # nnsreport check: the message, exit code 3, no traceback
    capsys.readouterr()
    code = cli(["check", "--alla", *map(str, paths)])
    out, err = capsys.readouterr()
    lines = [x for x in out.splitlines() if x.startswith(case.location + ": ") and "Varning:" not in x
             and all(w in x for w in case.words)]
    assert lines, f"expected an error at {case.location!r} with {case.words}; got:\n{out}{err}"
    assert code == 3
    assert "Traceback" not in out + err and "Internt fel" not in out

    # ingest of a tree holding the bad file: refused, the layer untouched
    exc, before, after = isolated_ingest(tmp_path, instrument, paths, layer=small_layer)
    assert exc is not None, "ingest accepted a bad file"
    assert after == before, "ingest changed the aggregated layer"
    location = case.ingest_location or case.location
    words = case.ingest_words or case.words
    assert _matching(exc.problems, location, words), "\n".join(map(str, exc.problems))
