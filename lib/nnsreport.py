"""nnsreport: the rules of the NNS national indicator report.

Reads top to bottom as the report's logic:

1. the instrument (loaded from data/instrument.yaml, see :mod:`nns_instrument`);
2. half-up rounding and the categorisation of answers;
3. the aggregated layer and the counts per question and group;
4. key figures (nyckeltal), internal non-response;
5. the table-20 rule (sammanvägd utveckling);
6. the numbering of tables and diagrams;
7. table and chart specifications (:mod:`nns_specs`), built into great_tables
   (:mod:`nns_tables`) and seaborn charts (:mod:`nns_charts`).

The module does no I/O beyond loading the aggregated layer. Every rule is a
small pure function that does not change its input.

Examples
--------
>>> percent(1, 8)          # 12.5 % rounds up, as Excel does
13
>>> round(12.5)            # ...unlike Python's round()
12
>>> sammanvagd_utveckling([3, 1])        # +4 over two measures: at the threshold
'okning'
>>> sammanvagd_utveckling([3, 0])
'varken'
"""
from __future__ import annotations

import functools
import logging
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml

from nns_errors import ConfigError, DataError
from nns_instrument import Instrument, load_instrument

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent

#: Answer codes in the aggregated layer.
SIX_POINT = ("1", "2", "3", "4", "5", "6")
YES, NO, MISSING = "ja", "nej", "saknas"
ANSWERS = SIX_POINT + (YES, NO, MISSING)

#: The group a survey without background variable stores its rows under.
NO_GROUP = "ingen"
ALL = "samtliga"

COUNT_COLUMNS = ["n", "negativt", "varken", "positivt", "klart_positivt", "ja", "nej", "saknas"]

#: One colour per respondent group, the same in every chart and table: the
#: Okabe–Ito palette, which stays distinguishable with common colour blindness.
SURVEY_COLOURS = {
    "deltagare_pagaende": "#0072B2",   # blue
    "deltagare_avslut": "#D55E00",     # vermillion
    "personal": "#009E73",             # bluish green
    "chefsgrupp": "#CC79A7",           # reddish purple
    "styrelse": "#E69F00",             # orange
    "remittent": "#56B4E9",            # sky blue
}


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """Run settings from nnsreport.toml (see that file for their meaning)."""

    year: int = 2022
    first_year: int = 2018
    comparison_years: int = 3
    formats: tuple[str, ...] = ("html", "pdf")
    output_dir: str = "_output"
    table20_points_per_measure: int = 2
    chart_min_years: int = 3
    min_answers: int = 5
    instrument: str = "data/instrument.yaml"
    national: str = "data/national.yaml"
    aggregated: str = "data/aggregated"
    registration: str = "data/registration"
    commentary: str = "report/kommentarer"
    root: str = str(ROOT)

    def path(self, name: str) -> Path:
        """An absolute path for one of the path settings."""
        p = Path(getattr(self, name))
        return p if p.is_absolute() else Path(self.root) / p

    def replace(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(path: str | Path | None = None, **overrides) -> Settings:
    """Read nnsreport.toml; keyword arguments override single values."""
    p = Path(path) if path else ROOT / "nnsreport.toml"
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("Inställningsfilen finns inte.", where=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Inställningsfilen är inte giltig TOML: {exc}", where=str(p)) from None
    sections = ("report", "rules", "anonymity", "paths")
    stray = sorted(k for k in raw if k not in sections)
    if stray:
        raise ConfigError(f"Okända avsnitt eller nycklar utanför ett avsnitt: {', '.join(stray)}. "
                          f"Tillåtna avsnitt: {', '.join(sections)}.", where=str(p))
    flat = {}
    for section in sections:
        flat.update(raw.get(section, {}))
    known = {f for f in Settings.__dataclass_fields__}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ConfigError(f"Okända inställningar: {', '.join(unknown)}.", where=str(p))
    # relative paths resolve against the project (where the notebooks and prose are),
    # whichever settings file is used
    flat["root"] = str(ROOT)
    return check_settings(Settings(**flat).replace(**overrides), str(p))


#: (minimum, maximum) of the whole-number settings.
SETTING_RANGES = {
    "year": (2000, 2100), "first_year": (2000, 2100), "comparison_years": (1, 10),
    "table20_points_per_measure": (1, 20), "chart_min_years": (2, 20), "min_answers": (1, 1000),
}


def check_settings(s: Settings, where: str = "nnsreport.toml") -> Settings:
    """Types and ranges of the run settings, with a Swedish message for each mistake."""
    for name, (lo, hi) in SETTING_RANGES.items():
        value = getattr(s, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"'{name}' ska vara ett heltal, fick {value!r}.", where=where)
        if not lo <= value <= hi:
            raise ConfigError(f"'{name}' ska vara mellan {lo} och {hi}, fick {value}.", where=where)
    if s.first_year > s.year:
        raise ConfigError(f"'first_year' ({s.first_year}) kan inte vara senare än 'year' ({s.year}).", where=where)
    formats = s.formats
    if isinstance(formats, str) or not all(f in ("html", "pdf") for f in formats):
        raise ConfigError(f"'formats' ska vara en lista med html och/eller pdf, fick {formats!r}.", where=where)
    for name in ("output_dir", "instrument", "national", "aggregated", "registration", "commentary"):
        if not isinstance(getattr(s, name), str) or not getattr(s, name):
            raise ConfigError(f"'{name}' ska vara en sökväg (text), fick {getattr(s, name)!r}.", where=where)
    return replace(s, formats=tuple(formats))


# ---------------------------------------------------------------------------
# Rounding and key figures (the categories themselves are counted from the
# instrument's definitions in _category_counts below)
# ---------------------------------------------------------------------------

def percent(numerator: int, denominator: int) -> int | None:
    """Whole percent, rounded half up as Excel does; None when the denominator is 0.

    Integer arithmetic, so that 12.5 % is exactly 12.5 and rounds to 13.

    >>> percent(5, 40), percent(35, 40)     # 12.5 % and 87.5 %
    (13, 88)
    >>> percent(1, 3), percent(2, 3), percent(0, 7)
    (33, 67, 0)
    >>> percent(3, 0) is None
    True
    """
    if denominator <= 0:
        return None
    return (200 * int(numerator) + int(denominator)) // (2 * int(denominator))


def percent_interval(printed: int, n: int) -> tuple[int, int]:
    """The counts that print as ``printed`` percent of ``n`` (half-up rounding).

    >>> percent_interval(13, 40)
    (5, 5)
    >>> percent_interval(78, 1629)
    (1263, 1278)
    """
    lo = -(-(2 * printed - 1) * n // 200)   # ceil((p - 0.5) n / 100)
    hi = ((2 * printed + 1) * n - 1) // 200  # largest x with 200x < (2p + 1) n
    return max(lo, 0), min(hi, n)


def key_figure(row: dict, kind: str) -> int | None:
    """The key figure in whole percent: share of ``kind`` among those who answered.

    ``kind`` is ``klart_positivt`` (most indicators), ``positivt`` (indicator 7)
    or ``ja`` (closing-survey question 8).

    >>> key_figure({"n": 40, "klart_positivt": 21}, "klart_positivt")
    53
    """
    return percent(row[kind], row["n"])


# ---------------------------------------------------------------------------
# The aggregated layer
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Aggregated:
    """The aggregated layer: what notebooks and tables read.

    answers:     year, forbund, survey, question (number as asked that year),
                 group, answer, count
    responses:   year, forbund, survey, group, responses
    populations: year, forbund, survey, malpopulation, undersokt
    """

    instrument: Instrument
    answers: pd.DataFrame
    responses: pd.DataFrame
    populations: pd.DataFrame
    national: dict
    counts: pd.DataFrame = field(repr=False)
    response_counts: pd.DataFrame = field(repr=False)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.responses["year"].unique())

    def forbund(self, year: int, survey: str | None = None) -> list[str]:
        """The förbund with at least one response in ``year`` (to ``survey``, if given), in Swedish order."""
        r = self.responses
        mask = (r["year"] == year) & (r["responses"] > 0)
        if survey is not None:
            mask &= r["survey"] == survey
        return sorted(r.loc[mask, "forbund"].unique(), key=swedish_sort_key)

    def forbund_nationally(self, year: int) -> int | None:
        return self.national.get("forbund_nationally", {}).get(year)


_SWEDISH_ORDER = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyzåäö")}


def swedish_sort_key(text: str):
    """Sort key that puts å, ä, ö after z, as Swedish lists do.

    >>> sorted(["Östra", "Arvika", "Älvsby", "Åre", "Väst"], key=swedish_sort_key)
    ['Arvika', 'Väst', 'Åre', 'Älvsby', 'Östra']
    """
    return [(_SWEDISH_ORDER.get(ch, 100 + ord(ch)), ch) for ch in text.lower()]


AGGREGATED_FILES = {
    "answers": ("answers.csv", ["year", "forbund", "survey", "question", "group", "answer", "count"]),
    "responses": ("responses.csv", ["year", "forbund", "survey", "group", "responses"]),
    "populations": ("populations.csv", ["year", "forbund", "survey", "malpopulation", "undersokt"]),
}


def _read_layer_file(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise DataError(
            "Det aggregerade datalagret saknas. Kör 'nnsreport ingest' för att bygga det från registreringsfilerna.",
            where=str(path),
        )
    df = pd.read_csv(path, dtype={"forbund": str, "survey": str, "group": str, "answer": str}, keep_default_na=False)
    if list(df.columns) != columns:
        raise DataError(f"Kolumnerna ska vara {columns}, fick {list(df.columns)}.", where=str(path))
    return df


def _question_map(instrument: Instrument, answers: pd.DataFrame) -> pd.DataFrame:
    """(year, survey, question number) -> question id, scale kind, for the numbers in the data."""
    rows = []
    for (year, survey), _ in answers.groupby(["year", "survey"]):
        for q, v in instrument.questions_asked(survey, int(year)):
            rows.append((int(year), survey, v.number, q.id, instrument.scales[v.scale].yes_no))
    return pd.DataFrame(rows, columns=["year", "survey", "question", "question_id", "yes_no"])


def check_layer(instrument: Instrument, answers: pd.DataFrame, where: str) -> None:
    """Fail clearly when the aggregated answers do not fit the instrument."""
    qmap = _question_map(instrument, answers)
    merged = answers.merge(qmap, on=["year", "survey", "question"], how="left")
    unknown = merged[merged["question_id"].isna()]
    if len(unknown):
        r = unknown.iloc[0]
        raise DataError(
            f"Fråga {r['question']} i enkäten {r['survey']} fanns inte år {r['year']} enligt instrumentet "
            f"({len(unknown)} rader berörs).",
            where=where,
        )
    bad = merged[~merged["answer"].isin(ANSWERS)]
    if len(bad):
        raise DataError(f"Okänt svarsvärde '{bad.iloc[0]['answer']}'. Tillåtna: {', '.join(ANSWERS)}.", where=where)
    six = merged["answer"].isin(SIX_POINT)
    wrong = merged[(six & merged["yes_no"]) | (merged["answer"].isin([YES, NO]) & ~merged["yes_no"].astype(bool))]
    if len(wrong):
        r = wrong.iloc[0]
        raise DataError(
            f"Svaret '{r['answer']}' passar inte skalan för fråga {r['question']} ({r['survey']}, {r['year']}).",
            where=where,
        )


def _category_counts(instrument: Instrument, answers: pd.DataFrame) -> pd.DataFrame:
    """Counts per (year, forbund, question_id, group) with the categories as columns.

    A ``samtliga`` row per question sums every group, including participants
    without stated gender and remittenter employed elsewhere.
    """
    qmap = _question_map(instrument, answers)
    a = answers.merge(qmap, on=["year", "survey", "question"], how="inner")
    wide = a.pivot_table(
        index=["year", "forbund", "survey", "question_id", "yes_no", "group"],
        columns="answer", values="count", aggfunc="sum", fill_value=0,
    )
    for code in ANSWERS:
        if code not in wide.columns:
            wide[code] = 0
    wide = wide.reset_index()
    cats = instrument.categories
    six = ~wide["yes_no"].astype(bool)
    out = wide[["year", "forbund", "survey", "question_id", "group"]].copy()
    for name in ("negativt", "varken", "positivt", "klart_positivt"):
        out[name] = sum(wide[str(o)] for o in cats[name]).where(six, 0)
    out["ja"] = wide[YES].where(~six, 0)
    out["nej"] = wide[NO].where(~six, 0)
    out["n"] = (out["negativt"] + out["varken"] + out["positivt"]).where(six, out["ja"] + out["nej"])
    out["saknas"] = wide[MISSING]
    keys = ["year", "forbund", "survey", "question_id"]
    total = out.groupby(keys, as_index=False)[COUNT_COLUMNS].sum()
    total["group"] = ALL
    out = pd.concat([out, total], ignore_index=True)
    return out.set_index(keys + ["group"]).sort_index()[COUNT_COLUMNS]


def _response_counts(responses: pd.DataFrame) -> pd.DataFrame:
    keys = ["year", "forbund", "survey"]
    total = responses.groupby(keys, as_index=False)["responses"].sum()
    total["group"] = ALL
    out = pd.concat([responses, total], ignore_index=True)
    return out.set_index(keys + ["group"]).sort_index()


@functools.lru_cache(maxsize=4)
def _load_cached(layer_dir: str, instrument_path: str, national_path: str, stamp: tuple) -> Aggregated:
    instrument = load_instrument(instrument_path)
    d = Path(layer_dir)
    frames = {k: _read_layer_file(d / f, cols) for k, (f, cols) in AGGREGATED_FILES.items()}
    check_layer(instrument, frames["answers"], str(d / "answers.csv"))
    national = load_national(national_path)
    logger.info("Läste det aggregerade datalagret i %s (%d rader svar).", d, len(frames["answers"]))
    return Aggregated(
        instrument=instrument,
        answers=frames["answers"],
        responses=frames["responses"],
        populations=frames["populations"],
        national=national,
        counts=_category_counts(instrument, frames["answers"]),
        response_counts=_response_counts(frames["responses"]),
    )


def load_national(path: str) -> dict:
    """data/national.yaml: per-year facts keyed by whole years (a quoted "2022" counts as 2022)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise DataError("Filen med nationella uppgifter saknas.", where=path) from None
    except yaml.YAMLError as exc:
        raise DataError(f"Filen är inte giltig YAML: {exc}", where=path) from None
    if not isinstance(raw, dict):
        raise DataError("Filen ska vara en mappning (nyckel: värde).", where=path)
    out = dict(raw)
    for key in ("forbund_nationally", "collection_period"):
        per_year = raw.get(key, {})
        if not isinstance(per_year, dict):
            raise DataError(f"'{key}' ska ange ett värde per år (år: värde).", where=path)
        try:
            out[key] = {int(y): v for y, v in per_year.items()}
        except (TypeError, ValueError):
            raise DataError(f"'{key}' har en nyckel som inte är ett år.", where=path) from None
    for y, n in out.get("forbund_nationally", {}).items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise DataError(f"Antalet förbund nationellt {y} ska vara ett positivt heltal, fick {n!r}.", where=path)
    return out


def load_aggregated(settings: Settings | None = None, layer_dir: str | Path | None = None) -> Aggregated:
    """Load the aggregated layer (cached in memory while its files are unchanged)."""
    s = settings or load_settings()
    d = Path(layer_dir) if layer_dir else s.path("aggregated")
    files = [d / f for f, _ in AGGREGATED_FILES.values()]
    files += [s.path("instrument"), s.path("national")]
    stamp = tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files)
    return _load_cached(str(d), str(s.path("instrument")), str(s.path("national")), stamp)


# ---------------------------------------------------------------------------
# Counts for one scope: the nation (riket) or one förbund
# ---------------------------------------------------------------------------

RIKET = ""


@dataclass(frozen=True)
class Scope:
    """What a report covers: a year, and the nation or one förbund."""

    year: int
    forbund: str = RIKET

    @property
    def local(self) -> bool:
        return self.forbund != RIKET


def counts(agg: Aggregated, year: int, forbund: str = RIKET) -> pd.DataFrame:
    """Category counts per (survey, question_id, group) for one year and scope.

    For the nation the förbund are summed. Cached per argument set.
    """
    return _counts_cached(agg, year, forbund)


@functools.lru_cache(maxsize=256)
def _counts_cached(agg: Aggregated, year: int, forbund: str) -> pd.DataFrame:
    return _scope_slice(agg.counts, year, forbund, ["survey", "question_id", "group"], COUNT_COLUMNS)


def responses(agg: Aggregated, year: int, forbund: str = RIKET) -> pd.DataFrame:
    """Responses per (survey, group) for one year and scope; ``samtliga`` included."""
    return _responses_cached(agg, year, forbund)


@functools.lru_cache(maxsize=256)
def _responses_cached(agg: Aggregated, year: int, forbund: str) -> pd.DataFrame:
    return _scope_slice(agg.response_counts, year, forbund, ["survey", "group"], ["responses"])


def _scope_slice(frame: pd.DataFrame, year: int, forbund: str, levels: list[str], columns: list[str]):
    """One year of a (year, forbund, …)-indexed frame: one förbund's rows, or the sum over förbund."""
    try:
        sub = frame.xs(year, level="year")
    except KeyError:
        return pd.DataFrame(columns=columns)
    if forbund:
        try:
            return sub.xs(forbund, level="forbund")
        except KeyError:
            return pd.DataFrame(columns=columns)
    return sub.groupby(level=levels).sum()


def total_responses(agg: Aggregated, year: int, forbund: str = RIKET) -> int:
    """All responses (every survey) in a year, for the nation or one förbund."""
    r = responses(agg, year, forbund)
    return int(r.xs(ALL, level="group")["responses"].sum()) if len(r) else 0


def question_counts(agg: Aggregated, question_id: str, year: int, forbund: str = RIKET) -> dict:
    """Category counts per group for one question: ``{group: {n, negativt, ...}}``."""
    c = counts(agg, year, forbund)
    survey = question_id.split(".")[0]
    try:
        sub = c.loc[(survey, question_id)]
    except KeyError:
        return {}
    return {g: {k: int(v) for k, v in row.items()} for g, row in sub.iterrows()}


def key_figure_of(agg: Aggregated, question_id: str, year: int, group: str = ALL, forbund: str = RIKET):
    """(n, key figure) of a question for one group, or None when nobody answered."""
    kind = agg.instrument.key_figure_kind(question_id, year)
    row = question_counts(agg, question_id, year, forbund).get(group)
    if not row or row["n"] == 0:
        return None
    return row["n"], key_figure(row, kind)


# ---------------------------------------------------------------------------
# Internal non-response
# ---------------------------------------------------------------------------

def internal_nonresponse(agg: Aggregated, year: int, forbund: str = RIKET) -> pd.DataFrame:
    """Share of respondents who left each question unanswered, per question.

    The denominator is the survey's responses; for a question asked only after
    a given answer (closing-survey questions 9 and 10 after Ja on 8) it is the
    number who gave that answer.
    """
    ins = agg.instrument
    resp = responses(agg, year, forbund)
    rows = []
    for survey in ins.surveys_in(year):
        try:
            total = int(resp.loc[(survey.id, ALL), "responses"])
        except KeyError:
            continue
        if total == 0:
            continue
        for q, v in ins.questions_asked(survey.id, year):
            qc = question_counts(agg, q.id, year, forbund).get(ALL)
            if qc is None:
                continue
            eligible = total
            if q.condition is not None:
                cond_q = ins.question_by_number(survey.id, year, q.condition.question)
                cond = question_counts(agg, cond_q.id, year, forbund).get(ALL, {})
                eligible = cond.get(q.condition.answer.lower(), 0)
            missing = max(eligible - qc["n"], 0)
            rows.append({
                "survey": survey.id, "question_id": q.id, "number": v.number,
                "eligible": eligible, "answered": qc["n"], "missing": missing,
                "share": percent(missing, eligible) if eligible else None,
            })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# The table-20 rule: sammanvägd utveckling
# ---------------------------------------------------------------------------

def sammanvagd_utveckling(changes: list[int], points_per_measure: int = 2) -> str | None:
    """The combined development of an indicator from its measures' changes.

    ``changes`` are the changes in key figure since the previous year, in
    percentage points, one per measure, computed from the key figures as
    printed (whole percent). The indicator has increased ("okning") when the
    sum is at least ``points_per_measure`` times the number of measures,
    decreased ("minskning") when it is at most minus that, and otherwise
    neither ("varken"). None when no measure can be compared.

    >>> sammanvagd_utveckling([2, 2])          # exactly +4 on two measures
    'okning'
    >>> sammanvagd_utveckling([5, -2])         # +3 < 4
    'varken'
    >>> sammanvagd_utveckling([-4, 0, -2])     # -6 on three measures
    'minskning'
    >>> sammanvagd_utveckling([]) is None
    True
    """
    if not changes:
        return None
    total = sum(changes)
    threshold = points_per_measure * len(changes)
    if total >= threshold:
        return "okning"
    if total <= -threshold:
        return "minskning"
    return "varken"


UTVECKLING_LABELS = {
    "okning": "Ökning",
    "minskning": "Minskning",
    "varken": "Varken ökning eller minskning",
}


# ---------------------------------------------------------------------------
# Numbering of tables and diagrams, as in the 2022 report
# ---------------------------------------------------------------------------

def measured_indicators(instrument: Instrument, year: int) -> list:
    """Indicators with at least one survey measure asked in ``year``."""
    return [
        ind for ind in instrument.indicators
        if any(instrument.question(m).version(year) for m in ind.measures)
    ]


def table_prefix(instrument: Instrument, number: int, year: int) -> int | None:
    """The table number of an indicator: tables 1–4 come first, then one per measured indicator.

    >>> ins = load_instrument()
    >>> table_prefix(ins, 1, 2022), table_prefix(ins, 10, 2022), table_prefix(ins, 12, 2022)
    (5, 14, 15)
    >>> table_prefix(ins, 11, 2022) is None
    True
    """
    for i, ind in enumerate(measured_indicators(instrument, year)):
        if ind.number == number:
            return 5 + i
    return None


def slug(name: str) -> str:
    """A safe ASCII file name for a förbund: lower case, letters, digits and hyphens.

    Names are data, never paths: slashes, dots and spaces become hyphens.

    >>> slug("Degerfors/Karlskoga")
    'degerfors-karlskoga'
    >>> slug("Bengtsfors, Åmål, Dals-Ed Säffle, Årjäng (BÅD-ESÅ)")
    'bengtsfors-amal-dals-ed-saffle-arjang-bad-esa'
    >>> slug("../../etc/passwd")
    'etc-passwd'
    """
    import unicodedata

    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    out, dash = [], False
    for ch in text:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    result = "".join(out).strip("-")[:80].strip("-")
    return result or "forbund"


# ---------------------------------------------------------------------------
# Public API implemented in the modules beside this one (great_tables style:
# small modules by concern, one front door). Imported lazily to keep this
# module's import light and free of cycles.
# ---------------------------------------------------------------------------

_PUBLIC = {
    "Context": "nns_specs", "TableSpec": "nns_specs", "ChartSpec": "nns_specs",
    "all_tables": "nns_specs", "all_charts": "nns_specs", "indicator_tables": "nns_specs",
    "indicator_charts": "nns_specs", "indicator_development": "nns_specs", "table_1": "nns_specs",
    "table_2": "nns_specs", "tables_3_4": "nns_specs", "table_20": "nns_specs", "table_21": "nns_specs",
    "bilaga_1": "nns_specs", "bilaga_2": "nns_specs", "categorisation": "nns_specs", "scales": "nns_specs",
    "diagram_13": "nns_specs", "figures": "nns_specs", "suppress": "nns_specs",
    "to_gt": "nns_tables", "draw": "nns_charts",
    "context": "nns_notebook", "show_table": "nns_notebook", "show_chart": "nns_notebook",
    "show_markdown": "nns_notebook", "indicator_chapter": "nns_notebook", "show_commentary": "nns_notebook",
    "variables": "nns_prose", "commentary": "nns_prose",
}


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'nnsreport' has no attribute '{name}'")
    import importlib

    return getattr(importlib.import_module(module), name)


def find_forbund(agg: Aggregated, name: str, year: int) -> str:
    """The förbund's name as written in the data, or a Swedish error listing the closest names.

    Matching ignores case, spacing and punctuation ("degerfors karlskoga"
    finds "Degerfors/Karlskoga").
    """
    import difflib

    from nns_errors import UnknownForbundError

    known = agg.forbund(year)
    if name in known:
        return name
    by_slug = {slug(k): k for k in known}
    if slug(name) in by_slug:
        return by_slug[slug(name)]
    close = difflib.get_close_matches(slug(name), list(by_slug), n=3, cutoff=0.5)
    hint = f" Menade du: {', '.join(by_slug[c] for c in close)}?" if close else ""
    raise UnknownForbundError(f"Förbundet '{name}' har inga svar {year}.{hint} "
                              f"Kör 'nnsreport forbund --year {year}' för hela listan.")
