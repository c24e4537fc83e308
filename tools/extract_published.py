#!/usr/bin/env python3
"""Extract every published figure of the 2022 NNS national indicator report.

One-off extraction tool.  It parses the PDF-extracted text of
"Nationell indikatorrapport 2022" (NNS) and writes one long-format CSV,
data/published/figures_2022.csv, with the columns

    table,indicator,respondent,question,group,year,forbund,statistic,value

Covered tables: 1, 2, 3, 4, 5.1-19.2 (the indicator chapters), 21 and
Bilaga 1 (table id "B1").  Table 20 is skipped: its outcomes are withheld in
this copy of the report.

Values are stored exactly as printed:
  * percentages as plain integers without "%" ("78%" -> "78"),
  * counts without the (space) thousands separator ("1 644" -> "1644"),
  * "-" wherever the report prints a dash in a cell (hyphen or en dash).
Misprints in the report are kept as printed (nothing is corrected).

Usage (from the repository root):

    .venv/bin/python tools/extract_published.py [SEED_TXT] [--output CSV] [--report]

SEED_TXT defaults to ../shared/seeds/002_a9676cb1b372ac8c.txt relative to
the repository root.  --report prints cross-table consistency checks
(sums, n vs. antal svar, percentage feasibility, ...) to stdout.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO_ROOT / ".." / "shared" / "seeds" / "002_a9676cb1b372ac8c.txt"
DEFAULT_OUTPUT = REPO_ROOT / "data" / "published" / "figures_2022.csv"

COLUMNS = [
    "table",
    "indicator",
    "respondent",
    "question",
    "group",
    "year",
    "forbund",
    "statistic",
    "value",
]

# The indicator tables as printed.  Indicator 11 has no table (it is not
# part of the survey), so table 15.x belongs to indicator 12 etc.  The
# indicator number is parsed from each caption and checked against this map.
INDICATOR_TABLES = {
    "5": 1, "6": 2, "7": 3, "8": 4, "9": 5, "10": 6, "11": 7, "12": 8,
    "13": 9, "14": 10, "15": 12, "16": 13, "17": 14, "18": 15, "19": 16,
}
# Tables of type "N.1" (2022 distribution: n, Negativt, Varken eller,
# Positivt (Klart positivt) -- or Nej/Ja for 10.1) and "N.2" (key figure
# "nyckeltal" with antal svar per year).  Indicator 6 has 10.1, 10.2 (both
# distributions) and 10.3 (key figures).
DISTRIBUTION_TABLES = [f"{k}.1" for k in INDICATOR_TABLES] + ["10.2"]
KEYFIGURE_TABLES = [f"{k}.2" for k in INDICATOR_TABLES if k != "10"] + ["10.3"]

# Row labels "Fråga <q> <respondent>" -> respondent code.
RESPONDENT_LABELS = {
    "Deltagare - pågåendeenkät": "deltagare_pagaende",
    "Deltagare - avslutsenkät": "deltagare_avslut",
    "Personal": "personal",
    "Parternas chefsgrupp": "chefsgrupp",
    "Styrelse": "styrelse",
    "Remittenter": "remittent",
}

# Sub-row labels inside the indicator tables -> group code.
GROUP_LABELS = {
    "samtliga": "samtliga",
    "kvinnor": "kvinnor",
    "män": "man",
    "Arbetsförmedlingen": "af",
    "Försäkringskassan": "fk",
    "Kommun": "kommun",
    "Hälso-Sjukvård": "hs",
}

# Column order of tables 1 and 2 and of Bilaga 1 (the respondent groups).
RESPONDENT_COLUMNS = [
    "deltagare_pagaende",
    "deltagare_avslut",
    "personal",
    "chefsgrupp",
    "styrelse",
    "remittent",
]

DASHES = {"-", "–"}  # hyphen-minus and en dash both mean "no value"


class ExtractionError(RuntimeError):
    """Raised when the text does not look as expected."""


@dataclass
class Row:
    table: str
    indicator: str = ""
    respondent: str = ""
    question: str = ""
    group: str = ""
    year: str = ""
    forbund: str = ""
    statistic: str = ""
    value: str = ""

    def as_list(self) -> list[str]:
        return [getattr(self, f.name) for f in fields(self)]


# ---------------------------------------------------------------------------
# Low-level helpers
# ---------------------------------------------------------------------------


def is_blank(line: str) -> bool:
    """PDF extraction leaves lines that contain only spaces."""
    return not line.strip()


def find_caption(lines: list[str], table_id: str, start: int = 0) -> int:
    """Index of the line holding the caption "Tabell <table_id> ..."."""
    pattern = re.compile(r"^\s*Tabell " + re.escape(table_id) + r"\s")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i
    raise ExtractionError(f"caption of table {table_id} not found")


def parse_cells(tokens: list[str], template: str, context: str) -> list[str]:
    """Split whitespace tokens into cells following `template`.

    Template characters: "c" = a count, "p" = a percentage ("78%").
    Either kind of cell may instead be printed as a dash, stored as "-".

    Counts use a space as thousands separator ("1 644", "21 595"), which
    makes a row such as "1 650 1 247 406 270 167 227 3 967" ambiguous for a
    naive split.  Rule used here: a count is a token of 1-3 digits, or a
    token of 1-2 digits followed by exactly one token of 3 digits.  This
    encodes the fact that no count in this report reaches 100 000 (the
    largest is 21 595), so "406 270" can never be one number and
    "1 247 406" never a million.  All ways of splitting the row that fit the
    template are enumerated and exactly one must exist; otherwise the row
    is reported as ambiguous instead of being guessed.
    """
    solutions: list[list[str]] = []

    def walk(ti: int, ci: int, acc: list[str]) -> None:
        if ci == len(template):
            if ti == len(tokens):
                solutions.append(list(acc))
            return
        if ti >= len(tokens):
            return
        tok = tokens[ti]
        if tok in DASHES:
            walk(ti + 1, ci + 1, acc + ["-"])
            return
        if template[ci] == "p":
            m = re.fullmatch(r"(\d{1,3})%", tok)
            if m:
                walk(ti + 1, ci + 1, acc + [m.group(1)])
            return
        # template "c": plain count, possibly spread over several tokens
        if not re.fullmatch(r"\d{1,3}", tok):
            return
        walk(ti + 1, ci + 1, acc + [str(int(tok))])
        if (re.fullmatch(r"\d{1,2}", tok) and ti + 1 < len(tokens)
                and re.fullmatch(r"\d{3}", tokens[ti + 1])):
            walk(ti + 2, ci + 1, acc + [str(int(tok + tokens[ti + 1]))])

    walk(0, 0, [])
    if len(solutions) != 1:
        raise ExtractionError(
            f"{context}: {len(solutions)} ways to read {tokens!r} as {template!r}"
        )
    return solutions[0]


def clean_tokens(text: str) -> list[str]:
    """Whitespace tokens of a cell area; footnote asterisks are dropped
    (table 2 prints "71% *" and "54% *" in its Totalt row)."""
    return [t for t in text.replace("*", " ").split() if t]


# ---------------------------------------------------------------------------
# Tables 1-4 (response counts)
# ---------------------------------------------------------------------------


def parse_table1(lines: list[str]) -> list[Row]:
    """Tabell 1: answers and participating förbund per respondent group."""
    start = find_caption(lines, "1")
    rows: list[Row] = []
    header: list[str] = []
    labels = {
        "Antal besvarade enkäter": "antal_svar",
        "Antal deltagande förbund": "antal_forbund",
    }
    found = {}
    for i in range(start + 1, len(lines)):
        line = lines[i].strip()
        label = next((lab for lab in labels if line.startswith(lab)), None)
        if label is None:
            if not found:
                header.append(line)
                continue
            if len(found) == len(labels):
                break
            continue
        found[label] = i
        cells = parse_cells(clean_tokens(line[len(label):]), "c" * 7, f"table 1 {label}")
        for resp, value in zip(RESPONDENT_COLUMNS + [""], cells):
            rows.append(Row(table="1", respondent=resp, year="2022",
                            statistic=labels[label], value=value))
    # Make sure the column order is the one assumed above.
    head = " ".join(header)
    expected = ["Pågående", "Avslut", "Personal", "Chefsgrupper", "Styrelser",
                "Remittenter", "Totalt"]
    positions = [head.find(word) for word in expected]
    if -1 in positions or positions != sorted(positions):
        raise ExtractionError(f"table 1: unexpected header {head!r}")
    if len(found) != len(labels):
        raise ExtractionError("table 1: rows missing")
    return rows


def parse_table2(lines: list[str]) -> list[Row]:
    """Tabell 2: response rates per respondent group."""
    start = find_caption(lines, "2")
    row_labels = [
        ("Deltagare Pågående", "deltagare_pagaende"),
        ("Deltagare Avslut", "deltagare_avslut"),
        ("Personal", "personal"),
        ("Parternas chefsgrupp", "chefsgrupp"),
        ("Styrelse", "styrelse"),
        ("Remittenter", "remittent"),
        ("Totalt", ""),
    ]
    # Columns as printed: Målpopulation | Undersökt population | Undersökt
    # population i förhållande till målpopulation | Antal svar | Andel svar:
    # undersökt population | Andel svar: målpopulation
    stats = ["malpopulation", "undersokt", "undersokt_andel_mal",
             "antal_svar", "andel_undersokt", "andel_mal"]
    rows: list[Row] = []
    i = start + 1
    for label, resp in row_labels:
        # Rows follow in the printed order; header lines are skipped.
        while not re.match(re.escape(label) + r"\s+[\d\-–]", lines[i].strip()):
            i += 1
            if i - start > 60:
                raise ExtractionError(f"table 2: row {label!r} not found")
        cells = parse_cells(clean_tokens(lines[i].strip()[len(label):]),
                            "ccpcpp", f"table 2 {label}")
        for stat, value in zip(stats, cells):
            rows.append(Row(table="2", respondent=resp, year="2022",
                            statistic=stat, value=value))
        i += 1
    return rows


def parse_gender_table(lines: list[str], table_id: str, respondent: str) -> list[Row]:
    """Tabell 3 / 4: participants by gender (count and share)."""
    start = find_caption(lines, table_id)
    row_labels = [
        ("Uppgett sig vara kvinna", "kvinnor"),
        ("Uppgett sig vara man", "man"),
        ("Ej uppgett variabeln kön", "ej_angett"),
        ("Totalt antal enkätsvar", "samtliga"),
    ]
    rows: list[Row] = []
    i = start + 1
    for label, group in row_labels:
        while not lines[i].strip().startswith(label):
            i += 1
            if i - start > 40:
                raise ExtractionError(f"table {table_id}: row {label!r} not found")
        cells = parse_cells(clean_tokens(lines[i].strip()[len(label):]), "cp",
                            f"table {table_id} {label}")
        for stat, value in zip(["antal_svar", "andel"], cells):
            rows.append(Row(table=table_id, respondent=respondent, group=group,
                            year="2022", statistic=stat, value=value))
        i += 1
    return rows


# ---------------------------------------------------------------------------
# Indicator tables 5.1-19.2
# ---------------------------------------------------------------------------

QUESTION_RE = re.compile(r"^Fråga\s+(\d+)\s+(.+?)$")  # "Fråga 8  Deltagare" too
GROUP_ALT = "|".join(re.escape(g) for g in GROUP_LABELS)
# "Försäkringskassan(n=47)" is printed without a space -> "\s*".
DIST_GROUP_RE = re.compile(r"^(" + GROUP_ALT + r")\s*\(n=(\d+)\)\s+(.*)$")
KEY_GROUP_RE = re.compile(r"^(" + GROUP_ALT + r")\s+(.*)$")
DIST5_RE = re.compile(r"^(\d+)%\s+(\d+)%\s+(\d+)%\s+\((\d+)%\)$")
DIST2_RE = re.compile(r"^(\d+)%\s+(\d+)%$")


def parse_caption_indicator(caption: str, table_id: str) -> int:
    """Indicator number from "Tabell 5.1 Indikator 1." / "... för indikator 1, ..."."""
    m = re.search(r"[Ii]ndikator (\d+)", caption)
    if not m:
        raise ExtractionError(f"table {table_id}: no indicator in caption {caption!r}")
    number = int(m.group(1))
    if number != INDICATOR_TABLES[table_id.split(".")[0]]:
        raise ExtractionError(f"table {table_id}: caption says indicator {number}")
    return number


def parse_question_label(text: str, table_id: str) -> tuple[str, str]:
    """("Fråga 3 Personal") -> ("3", "personal"); respondent kept as printed."""
    m = QUESTION_RE.match(text)
    if not m:
        raise ExtractionError(f"table {table_id}: bad row label {text!r}")
    label = re.sub(r"\s+", " ", m.group(2))
    if label not in RESPONDENT_LABELS:
        raise ExtractionError(f"table {table_id}: unknown respondent {label!r}")
    return m.group(1), RESPONDENT_LABELS[label]


def table_body(lines: list[str], start: int) -> list[str]:
    """Non-blank lines after a caption up to the end of the table.

    The table ends at the first non-blank line that is neither a header line
    nor a row label nor a data row (e.g. "Kommentar till resultatet", the
    next caption or the indicator's description text).
    """
    body: list[str] = []
    header_re = re.compile(
        r"^(Negativt Varken eller Positivt\s+\(Klart positivt\)|Nej Ja|"
        r"\d{4}(\s+\d{4})+|antal svar nyckeltal(\s+antal svar nyckeltal)*)$"
    )
    seen_data = False
    for line in lines[start + 1:]:
        text = line.strip()
        if not text:
            continue
        if header_re.match(text) and not seen_data:
            body.append(text)
            continue
        if QUESTION_RE.match(text) or KEY_GROUP_RE.match(text) or DIST_GROUP_RE.match(text):
            seen_data = True
            body.append(text)
            continue
        if not seen_data:
            raise ExtractionError(f"unexpected header line {text!r} after line {start + 1}")
        break
    return body


def parse_distribution_table(lines: list[str], table_id: str) -> list[Row]:
    """Tables N.1 (and 10.2): 2022 answer distribution per row."""
    start = find_caption(lines, table_id)
    indicator = str(parse_caption_indicator(lines[start], table_id))
    body = table_body(lines, start)
    header = body[0]
    if header.startswith("Negativt"):
        stats = ["negativt", "varken", "positivt", "klart_positivt"]
        values_re = DIST5_RE
    elif header == "Nej Ja":  # table 10.1 (yes/no question 8)
        stats = ["nej", "ja"]
        values_re = DIST2_RE
    else:
        raise ExtractionError(f"table {table_id}: unknown header {header!r}")
    rows: list[Row] = []
    question = respondent = None
    for text in body[1:]:
        if text.startswith("Fråga"):
            question, respondent = parse_question_label(text, table_id)
            continue
        m = DIST_GROUP_RE.match(text)
        if not m or question is None:
            raise ExtractionError(f"table {table_id}: bad data row {text!r}")
        group = GROUP_LABELS[m.group(1)]
        vm = values_re.match(m.group(3).strip())
        if not vm:
            raise ExtractionError(f"table {table_id}: bad values in {text!r}")
        base = dict(table=table_id, indicator=indicator, respondent=respondent,
                    question=question, group=group, year="2022")
        rows.append(Row(**base, statistic="n", value=str(int(m.group(2)))))
        for stat, value in zip(stats, vm.groups()):
            rows.append(Row(**base, statistic=stat, value=str(int(value))))
    return rows


def parse_keyfigure_table(lines: list[str], table_id: str) -> list[Row]:
    """Tables N.2 (and 10.3): antal svar and nyckeltal per year."""
    start = find_caption(lines, table_id)
    caption = lines[start]
    indicator = str(parse_caption_indicator(caption, table_id))
    body = table_body(lines, start)
    years = body[0].split()
    if not all(re.fullmatch(r"\d{4}", y) for y in years):
        raise ExtractionError(f"table {table_id}: bad year header {body[0]!r}")
    # The caption says e.g. "jämförelse 2020–2022" (possibly followed by a
    # footnote number, "2020–2022.10"); the year header must agree.
    span = re.search(r"(\d{4})–(\d{4})", caption)
    if not span or [str(y) for y in range(int(span.group(1)), int(span.group(2)) + 1)] != years:
        raise ExtractionError(f"table {table_id}: years {years} vs caption {caption!r}")
    if body[1].split() != ["antal", "svar", "nyckeltal"] * len(years):
        raise ExtractionError(f"table {table_id}: bad sub-header {body[1]!r}")
    rows: list[Row] = []
    question = respondent = None
    for text in body[2:]:
        if text.startswith("Fråga"):
            question, respondent = parse_question_label(text, table_id)
            continue
        m = KEY_GROUP_RE.match(text)
        if not m or question is None:
            raise ExtractionError(f"table {table_id}: bad data row {text!r}")
        group = GROUP_LABELS[m.group(1)]
        cells = parse_cells(clean_tokens(m.group(2)), "cp" * len(years),
                            f"table {table_id} {text}")
        for k, year in enumerate(years):
            base = dict(table=table_id, indicator=indicator, respondent=respondent,
                        question=question, group=group, year=year)
            rows.append(Row(**base, statistic="antal_svar", value=cells[2 * k]))
            rows.append(Row(**base, statistic="nyckeltal", value=cells[2 * k + 1]))
    return rows


# ---------------------------------------------------------------------------
# Table 21 and Bilaga 1
# ---------------------------------------------------------------------------


def parse_table21(lines: list[str]) -> list[Row]:
    """Tabell 21: collected questionnaires and förbund 2018-2022."""
    start = find_caption(lines, "21")
    header = lines[start + 1].split()
    years = header[:-1]
    if header[-1] != "Totalt" or years != [str(y) for y in range(2018, 2023)]:
        raise ExtractionError(f"table 21: unexpected header {header!r}")
    specs = [
        ("Totalt insamlade enkäter", "antal_svar", "c"),
        ("Antal deltagande förbund", "antal_forbund", "c"),
        ("Antal samordningsförbund nationellt", "antal_forbund_nationellt", "c"),
        ("Andel deltagande förbund", "andel_forbund", "p"),
    ]
    rows: list[Row] = []
    i = start + 2
    for label, stat, kind in specs:
        while not lines[i].strip().startswith(label):
            i += 1
            if i - start > 20:
                raise ExtractionError(f"table 21: row {label!r} not found")
        cells = parse_cells(clean_tokens(lines[i].strip()[len(label):]),
                            kind * len(years) + "c", f"table 21 {label}")
        for year, value in zip(years, cells):
            rows.append(Row(table="21", year=year, statistic=stat, value=value))
        # "Totalt" column: only the questionnaire total is a number; the
        # other rows print "-" there and (as agreed) are not recorded.
        if stat == "antal_svar":
            rows.append(Row(table="21", year="", statistic=stat, value=cells[-1]))
        elif cells[-1] != "-":
            raise ExtractionError(f"table 21: expected '-' in Totalt of {label!r}")
        i += 1
    return rows


def parse_bilaga1(lines: list[str]) -> list[Row]:
    """Bilaga 1: questionnaires per förbund and respondent group."""
    start = next(i for i, line in enumerate(lines)
                 if line.strip().startswith("Bilaga 1:"))
    # Header cells are spread over several lines; the last one is "Remittenter".
    i = start + 1
    header: list[str] = []
    while not header or header[-1] != "Remittenter":
        text = lines[i].strip()
        if text:
            header.extend(text.split())
        i += 1
        if i - start > 40:
            raise ExtractionError("Bilaga 1: header not found")
    head = " ".join(header)
    expected = ("Samordningsförbund Deltagare Pågående Deltagare Avslut Personal "
                "Parternas chefsgrupp Styrelser Remittenter")
    if not head.endswith(expected):
        raise ExtractionError(f"Bilaga 1: unexpected header {head!r}")

    # A förbund name never ends in a digit or a dash; the six cells follow.
    row_re = re.compile(r"^(.*?[^\d\s\-–])\s+([\d\s\-–]+)$")
    rows: list[Row] = []
    summa_labels = {
        "SUMMA antal insamlade enkäter": "antal_svar",
        "SUMMA antal deltagande förbund": "antal_forbund",
    }
    n_summa = 0
    for line in lines[i:]:
        text = line.strip()
        if not text:
            continue
        m = row_re.match(text)
        if not m:
            raise ExtractionError(f"Bilaga 1: bad row {text!r}")
        label = m.group(1)
        cells = parse_cells(m.group(2).split(), "c" * 6, f"Bilaga 1 {label}")
        if label in summa_labels:
            for resp, value in zip(RESPONDENT_COLUMNS, cells):
                rows.append(Row(table="B1", respondent=resp, year="2022",
                                statistic=summa_labels[label], value=value))
            n_summa += 1
            if n_summa == len(summa_labels):
                break
            continue
        # A trailing "*" marks a förbund that is new in the 2022 measurement.
        is_new = label.endswith("*")
        name = label.rstrip("*").rstrip()
        for resp, value in zip(RESPONDENT_COLUMNS, cells):
            rows.append(Row(table="B1", respondent=resp, year="2022", forbund=name,
                            statistic="antal_svar", value=value))
        if is_new:
            rows.append(Row(table="B1", year="2022", forbund=name,
                            statistic="nytt_forbund", value="1"))
    if n_summa != len(summa_labels):
        raise ExtractionError("Bilaga 1: SUMMA rows missing")
    return rows


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def table_sort_key(table_id: str) -> tuple:
    """Natural order 1, 2, 3, 4, 5.1, 5.2, ..., 19.2, 21, B1."""
    if table_id == "B1":
        return (10_000,)
    return tuple(int(part) for part in table_id.split("."))


def extract(text: str) -> list[Row]:
    lines = text.splitlines()
    rows: list[Row] = []
    rows += parse_table1(lines)
    rows += parse_table2(lines)
    rows += parse_gender_table(lines, "3", "deltagare_pagaende")
    rows += parse_gender_table(lines, "4", "deltagare_avslut")
    for table_id in DISTRIBUTION_TABLES:
        rows += parse_distribution_table(lines, table_id)
    for table_id in KEYFIGURE_TABLES:
        rows += parse_keyfigure_table(lines, table_id)
    rows += parse_table21(lines)
    rows += parse_bilaga1(lines)
    # Stable sort: table in natural order, rows as printed within a table.
    rows.sort(key=lambda r: table_sort_key(r.table))
    check_unique(rows)
    return rows


def check_unique(rows: list[Row]) -> None:
    seen = set()
    for r in rows:
        key = (r.table, r.respondent, r.question, r.group, r.year, r.forbund, r.statistic)
        if key in seen:
            raise ExtractionError(f"duplicate key {key}")
        seen.add(key)


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(r.as_list())


# ---------------------------------------------------------------------------
# Consistency report (--report): prints oddities, changes nothing.
# ---------------------------------------------------------------------------


def count_range(pct: int, n: int) -> range:
    """Counts k (0..n) whose share k/n rounds to `pct` percent (.5 either way)."""
    return range(max(0, math.ceil((pct - 0.5) * n / 100 - 1e-9)),
                 min(n, math.floor((pct + 0.5) * n / 100 + 1e-9)) + 1)


def feasible(pct: int, n: int) -> bool:
    """Can some k/n (k = 0..n) round to `pct` percent?"""
    return len(count_range(pct, n)) > 0


def jointly_feasible(pcts: list[int], n: int) -> bool:
    """Do counts exist that round to the printed shares AND add up to n?"""
    ranges = [count_range(p, n) for p in pcts]
    return (all(ranges) and sum(r.start for r in ranges) <= n
            <= sum(r.stop - 1 for r in ranges))


def consistency_report(rows: list[Row]) -> list[str]:
    notes: list[str] = []
    idx = {(r.table, r.respondent, r.question, r.group, r.year, r.forbund, r.statistic): r.value
           for r in rows}

    def get(table, stat, respondent="", question="", group="", year="2022", forbund=""):
        return idx.get((table, respondent, question, group, year, forbund, stat))

    # 1. Distribution tables: sums, klart <= positivt, feasibility given n.
    dist = [r for r in rows if r.table in DISTRIBUTION_TABLES and r.statistic == "n"]
    for r in dist:
        key = dict(respondent=r.respondent, question=r.question, group=r.group)
        n = int(r.value)
        label = f"table {r.table} Fråga {r.question} {r.respondent} {r.group} (n={n})"
        if r.table == "10.1":
            parts = {s: int(get(r.table, s, **key)) for s in ("nej", "ja")}
        else:
            parts = {s: int(get(r.table, s, **key))
                     for s in ("negativt", "varken", "positivt", "klart_positivt")}
            if parts["klart_positivt"] > parts["positivt"]:
                notes.append(f"{label}: klart positivt > positivt")
        exclusive = [v for s, v in parts.items() if s != "klart_positivt"]
        if sum(exclusive) != 100:
            # Rounding alone can give 99 or 101; reported as information.
            notes.append(f"info: {label}: shares sum to {sum(exclusive)}% {parts}")
        for s, v in parts.items():
            if not feasible(v, n):
                notes.append(f"{label}: {s} {v}% impossible with n={n}")
        if not jointly_feasible(exclusive, n):
            notes.append(f"{label}: no counts adding up to n={n} give {exclusive}")
        if "klart_positivt" in parts:
            lo = count_range(parts["klart_positivt"], n).start
            if lo > count_range(parts["positivt"], n).stop - 1:
                notes.append(f"{label}: klart positivt count must exceed positivt count")

    # 2. 2022 column of the key-figure tables vs. the distribution tables.
    by_indicator_dist: dict[tuple, dict] = {}
    for r in rows:
        if r.table in DISTRIBUTION_TABLES:
            k = (r.indicator, r.question, r.group, r.respondent)
            by_indicator_dist.setdefault(k, {})[r.statistic] = (r.table, r.value)
    for r in rows:
        if r.table in KEYFIGURE_TABLES and r.year == "2022":
            k = (r.indicator, r.question, r.group, r.respondent)
            d = by_indicator_dist.get(k)
            label = f"table {r.table} Fråga {r.question} {r.respondent} {r.group} 2022"
            if d is None:
                # try the same question with any respondent (label misprints)
                alts = [(kk, v) for kk, v in by_indicator_dist.items()
                        if kk[:3] == k[:3]]
                notes.append(f"{label}: no matching distribution row "
                             f"(same question/group under: {[a[0][3] for a in alts]})")
                continue
            if r.statistic == "antal_svar":
                src_table, n = d["n"]
                if r.value != n:
                    notes.append(f"{label}: antal svar {r.value} but n={n} in table {src_table}")
            else:
                want = "positivt" if r.indicator == "7" else (
                    "ja" if "ja" in d else "klart_positivt")
                src_table, v = d[want]
                if r.value != v:
                    notes.append(f"{label}: nyckeltal {r.value} but {want} {v} in table {src_table}")

    # 3. Sub-groups vs. samtliga (kvinnor + män <= samtliga; remittent groups).
    for r in rows:
        if r.group != "samtliga" or r.statistic not in ("n", "antal_svar"):
            continue
        if r.table not in DISTRIBUTION_TABLES + KEYFIGURE_TABLES or r.value == "-":
            continue
        subs = [x for x in rows if (x.table, x.respondent, x.question, x.year, x.statistic)
                == (r.table, r.respondent, r.question, r.year, r.statistic)
                and x.group != "samtliga" and x.value != "-"]
        if not subs:
            continue
        total = int(r.value)
        s = sum(int(x.value) for x in subs)
        label = (f"table {r.table} Fråga {r.question} {r.respondent} {r.year} "
                 f"{r.statistic}: samtliga {total}, sum of sub-groups {s}")
        if r.respondent.startswith("deltagare"):
            ej_max = int(get("3" if r.respondent == "deltagare_pagaende" else "4",
                             "antal_svar", respondent=r.respondent, group="ej_angett"))
            if s > total or (r.year == "2022" and total - s > ej_max):
                notes.append(label + f" (gender not given at most {ej_max} in 2022)")
        elif r.respondent == "remittent" and total - s != 1:
            notes.append(label + " (text: exactly one 'annan' respondent)")

    # 4. Tables 1, 2, 3, 4, B1 and 21 against each other.
    for resp in RESPONDENT_COLUMNS:
        t1 = get("1", "antal_svar", respondent=resp)
        t2 = get("2", "antal_svar", respondent=resp)
        b1 = get("B1", "antal_svar", respondent=resp)
        b1_sum = sum(int(r.value) for r in rows if r.table == "B1" and r.forbund
                     and r.respondent == resp and r.statistic == "antal_svar"
                     and r.value != "-")
        b1_cnt = sum(1 for r in rows if r.table == "B1" and r.forbund
                     and r.respondent == resp and r.statistic == "antal_svar"
                     and r.value != "-")
        if len({t1, t2, b1, str(b1_sum)}) != 1:
            notes.append(f"{resp}: antal svar table1={t1} table2={t2} B1 SUMMA={b1} "
                         f"B1 column sum={b1_sum}")
        f1 = get("1", "antal_forbund", respondent=resp)
        fb = get("B1", "antal_forbund", respondent=resp)
        if len({f1, fb, str(b1_cnt)}) != 1:
            notes.append(f"{resp}: antal förbund table1={f1} B1 SUMMA={fb} "
                         f"B1 non-dash cells={b1_cnt}")
    for table_id, resp in (("3", "deltagare_pagaende"), ("4", "deltagare_avslut")):
        parts = [int(get(table_id, "antal_svar", respondent=resp, group=g))
                 for g in ("kvinnor", "man", "ej_angett")]
        total = int(get(table_id, "antal_svar", respondent=resp, group="samtliga"))
        if sum(parts) != total:
            notes.append(f"table {table_id}: {parts} sum {sum(parts)} != {total}")
        for g, p in zip(("kvinnor", "man", "ej_angett"), parts):
            share = int(get(table_id, "andel", respondent=resp, group=g))
            if abs(100 * p / total - share) > 0.5:
                notes.append(f"table {table_id} {g}: {p}/{total} is not {share}%")
    t1_total = get("1", "antal_svar")
    t1_sum = sum(int(get("1", "antal_svar", respondent=r)) for r in RESPONDENT_COLUMNS)
    if str(t1_sum) != t1_total:
        notes.append(f"table 1: respondent answers sum to {t1_sum}, Totalt {t1_total}")
    if get("21", "antal_svar", year="2022") != t1_total:
        notes.append(f"table 21 2022 {get('21', 'antal_svar', year='2022')} vs table 1 {t1_total}")
    if get("21", "antal_forbund", year="2022") != get("1", "antal_forbund"):
        notes.append("table 21 2022 antal förbund differs from table 1 Totalt")
    years = [str(y) for y in range(2018, 2023)]
    s21 = sum(int(get("21", "antal_svar", year=y)) for y in years)
    if str(s21) != get("21", "antal_svar", year=""):
        notes.append(f"table 21: years sum to {s21}, Totalt {get('21', 'antal_svar', year='')}")
    for y in years:
        a = int(get("21", "antal_forbund", year=y))
        b = int(get("21", "antal_forbund_nationellt", year=y))
        p = int(get("21", "andel_forbund", year=y))
        if abs(100 * a / b - p) > 0.5:
            notes.append(f"table 21 {y}: {a}/{b} is not {p}%")
    # Table 2 row arithmetic.
    for resp in RESPONDENT_COLUMNS + [""]:
        v = {s: get("2", s, respondent=resp) for s in
             ("malpopulation", "undersokt", "undersokt_andel_mal", "antal_svar",
              "andel_undersokt", "andel_mal")}
        label = f"table 2 {resp or 'Totalt'}"
        checks = [("undersokt_andel_mal", "undersokt", "malpopulation"),
                  ("andel_undersokt", "antal_svar", "undersokt"),
                  ("andel_mal", "antal_svar", "malpopulation")]
        for share, num, den in checks:
            if "-" in (v[share], v[num], v[den]):
                continue
            a, b = int(v[num]), int(v[den])
            if resp == "" and share != "andel_undersokt":
                # Printed with "*": remittenter excluded (no målpopulation).
                a -= int(get("2", num, respondent="remittent"))
            if abs(100 * a / b - int(v[share])) > 0.5:
                notes.append(f"{label}: {num}/{den} = {a}/{b} "
                             f"= {100 * a / b:.1f}%, printed {v[share]}%")
    for s in ("malpopulation", "undersokt", "antal_svar"):
        parts = [get("2", s, respondent=r) for r in RESPONDENT_COLUMNS]
        tot = sum(int(p) for p in parts if p != "-")
        if str(tot) != get("2", s):
            notes.append(f"table 2 {s}: rows sum to {tot}, Totalt {get('2', s)}")
    # B1 förbund using all six questionnaires (text: 14 förbund, 39 %).
    names = [r.forbund for r in rows if r.table == "B1" and r.forbund
             and r.statistic == "antal_svar" and r.respondent == "deltagare_pagaende"]
    full = [f for f in names if all(
        get("B1", "antal_svar", respondent=resp, forbund=f) != "-"
        for resp in RESPONDENT_COLUMNS)]
    notes.append(f"info: Bilaga 1 lists {len(names)} förbund, {len(full)} use all six "
                 f"questionnaires, "
                 f"{sum(1 for r in rows if r.statistic == 'nytt_forbund')} marked new (*)")
    return list(dict.fromkeys(notes))  # drop repeated notes, keep order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", nargs="?", default=str(DEFAULT_SEED),
                        help="PDF-extracted text of the report")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="CSV to write")
    parser.add_argument("--report", action="store_true",
                        help="print consistency checks of the published numbers")
    args = parser.parse_args(argv)
    text = Path(args.seed).read_text(encoding="utf-8")
    rows = extract(text)
    write_csv(rows, Path(args.output))
    counts = {t: sum(1 for _ in g) for t, g in itertools.groupby(r.table for r in rows)}
    print(f"wrote {len(rows)} rows to {args.output}")
    print("rows per table: " + ", ".join(f"{t}={n}" for t, n in counts.items()))
    if args.report:
        for note in consistency_report(rows):
            print("CHECK " + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
