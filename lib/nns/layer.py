"""The aggregated layer and the national facts: what every report is computed from.

``data/aggregated/`` holds three CSV files written by ``nnsreport ingest``
(:mod:`nns.registration.ingest`): answers, responses and populations per
year × förbund × survey × group. :func:`load_aggregated` reads and checks them
against the instrument and adds ``data/national.yaml`` (facts that do not come
from the registration files). The functions below slice the layer for one
year and one scope: the nation (every förbund summed) or one förbund.
"""
from __future__ import annotations

import difflib
import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

import nnsreport as nr
from nns.config import RIKET, Settings, load_settings
from nns.errors import DataError, UnknownForbundError
from nns.instrument import Instrument, Reference, load_instrument
from nns.registration.aggregate import AGGREGATED_FILES

logger = logging.getLogger(__name__)

__all__ = ["Aggregated", "load_aggregated", "load_national", "check_national", "Fact", "FACTS", "missing_facts",
           "check_layer", "counts", "responses", "question_counts", "total_responses", "key_figure_of",
           "internal_nonresponse", "find_forbund"]


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
    #: :meth:`forbund`'s answers by (year, survey): a report asks some thirty times, each a scan of the responses
    _forbund: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.responses["year"].unique())

    def forbund(self, year: int, survey: str | None = None) -> list[str]:
        """The förbund that took part in ``year`` (used ``survey``, if given), in Swedish order.

        A survey is used when its sheet was in the registration file, even without responses (an empty
        sheet: "used, 0 responses"); a förbund takes part when it has at least one response.
        """
        key = (year, survey)
        if key not in self._forbund:
            r = self.responses
            mask = r["year"] == year
            if survey is not None:
                mask &= r["survey"] == survey
            else:
                mask &= r["responses"] > 0
            self._forbund[key] = tuple(sorted(r.loc[mask, "forbund"].unique(), key=nr.swedish_sort_key))
        return list(self._forbund[key])

    def forbund_nationally(self, year: int) -> int | None:
        return self.national.get("forbund_nationally", {}).get(year)

    def fact(self, key: str, year: int):
        """A national fact of ``year`` (data/national.yaml; :data:`FACTS`), or None when not given."""
        return self.national.get(key, {}).get(year)

    def fact_source(self, key: str, year: int) -> Reference | None:
        """The source a fact of ``year`` cites, or None."""
        sid = self.national.get("fact_sources", {}).get(key, {}).get(year)
        return self.national["sources"][sid] if sid else None

    def source(self, source_id: str) -> Reference:
        return self.national["sources"][source_id]


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


def check_layer(instrument: Instrument, answers: pd.DataFrame, where: str) -> None:
    """Fail clearly when the aggregated answers do not fit the instrument."""
    qmap = nr.question_map(instrument, answers)
    merged = answers.merge(qmap, on=["year", "survey", "question"], how="left")
    unknown = merged[merged["question_id"].isna()]
    if len(unknown):
        r = unknown.iloc[0]
        raise DataError(
            f"Fråga {r['question']} i enkäten {r['survey']} fanns inte år {r['year']} enligt instrumentet "
            f"({len(unknown)} rader berörs).",
            where=where,
        )
    bad = merged[~merged["answer"].isin(nr.ANSWERS)]
    if len(bad):
        raise DataError(f"Okänt svarsvärde '{bad.iloc[0]['answer']}'. Tillåtna: {', '.join(nr.ANSWERS)}.",
                        where=where)
    six = merged["answer"].isin(nr.SIX_POINT)
    wrong = merged[(six & merged["yes_no"]) | (merged["answer"].isin([nr.YES, nr.NO]) & ~merged["yes_no"].astype(bool))]
    if len(wrong):
        r = wrong.iloc[0]
        raise DataError(
            f"Svaret '{r['answer']}' passar inte skalan för fråga {r['question']} ({r['survey']}, {r['year']}).",
            where=where,
        )


def _response_counts(responses: pd.DataFrame) -> pd.DataFrame:
    keys = ["year", "forbund", "survey"]
    total = responses.groupby(keys, as_index=False)["responses"].sum()
    total["group"] = nr.ALL
    out = pd.concat([responses, total], ignore_index=True)
    return out.set_index(keys + ["group"]).sort_index()


@functools.lru_cache(maxsize=4)
def _load_cached(layer_dir: str, instrument_path: str, national_path: str, stamp: tuple) -> Aggregated:
    instrument = load_instrument(instrument_path)
    d = Path(layer_dir)
    frames = {k: _read_layer_file(d / f, cols) for k, (f, cols) in AGGREGATED_FILES.items()}
    check_layer(instrument, frames["answers"], str(d / "answers.csv"))
    national = load_national(national_path)
    check_national(national, instrument, national_path)
    logger.info("Läste det aggregerade datalagret i %s (%d rader svar).", d, len(frames["answers"]))
    return Aggregated(
        instrument=instrument,
        answers=frames["answers"],
        responses=frames["responses"],
        populations=frames["populations"],
        national=national,
        counts=nr.category_counts(instrument, frames["answers"]),
        response_counts=_response_counts(frames["responses"]),
    )


@dataclass(frozen=True)
class Fact:
    """A national fact the report needs that the registration files do not give (data/national.yaml)."""

    key: str
    label: str
    year: int

    def marker(self) -> str:
        """What the report prints where the fact is missing (render warns, naming the file and key)."""
        return f"[uppgift saknas: {self.label} {self.year}]"


#: The per-year facts of data/national.yaml: key and how the report names it.
FACTS = {
    "forbund_nationally": "antal samordningsförbund i landet",
    "collection_period": "insamlingsperiod",
    "sus_gender": "könsfördelningen bland deltagarna i SUS",
    "sus_work_studies": "andelen deltagare som avslutats till arbete eller studier enligt SUS",
    "manual": "årets användarmanual",
}


def missing_facts(agg: Aggregated, year: int) -> list[Fact]:
    """The national facts of ``year`` that data/national.yaml does not give."""
    return [Fact(key, label, year) for key, label in FACTS.items() if agg.national.get(key, {}).get(year) in (None, "")]


def _fail(path: str, key: str, message: str) -> DataError:
    return DataError(f"'{key}': {message}", where=path)


def _share(value, path: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise _fail(path, key, f"en andel ska vara ett heltal i procent (0–100), fick {value!r}.")
    return value


def _text(value, path: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, key, f"ska vara en text, fick {value!r}.")
    return value.strip()


def _sources(raw, path: str) -> dict[str, Reference]:
    if not isinstance(raw, dict):
        raise _fail(path, "sources", "ska vara en mappning från källans id till text och adress (url).")
    out = {}
    for sid, entry in raw.items():
        where = f"sources.{sid}"
        if not isinstance(entry, dict):
            raise _fail(path, where, "ska ange 'text' och, om källan finns på nätet, 'url'.")
        url = entry.get("url") or ""
        if url and not str(url).startswith(("http://", "https://")):
            raise _fail(path, where, f"'url' ska börja med http:// eller https://, fick {url!r}.")
        out[str(sid)] = Reference(_text(entry.get("text"), path, f"{where}.text"), str(url))
    return out


def _source_id(value, sources: dict, path: str, key: str) -> str:
    if value not in sources:
        known = ", ".join(sources) or "inga"
        raise _fail(path, key, f"källan {value!r} finns inte under 'sources' (där finns: {known}).")
    return value


def _fact(key: str, year: int, value, sources: dict, path: str):
    """One year's value of a fact, checked; returns (value, source id or None)."""
    where = f"{key}.{year}"
    if key == "forbund_nationally":
        source = None
        if isinstance(value, dict):
            source = _source_id(value.get("source"), sources, path, f"{where}.source")
            value = value.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DataError(f"Antalet förbund nationellt {year} ska vara ett positivt heltal, fick {value!r}.",
                            where=path)
        return value, source
    if key == "manual":
        return _source_id(value, sources, path, where), value
    if key == "collection_period":
        return value, None
    if not isinstance(value, dict):
        raise _fail(path, where, "ska vara en mappning (se kommentaren i filen).")
    source = _source_id(value.get("source"), sources, path, f"{where}.source")
    period = _text(value.get("period"), path, f"{where}.period")
    if key == "sus_work_studies":
        question = _text(value.get("question"), path, f"{where}.question")
        return {"share": _share(value.get("share"), path, f"{where}.share"), "period": period,
                "question": question}, source
    groups = {}
    for survey, g in value.items():
        if survey in ("source", "period"):
            continue
        if not isinstance(g, dict):
            raise _fail(path, f"{where}.{survey}", "ska ange who, count, women och men.")
        women, men = (_share(g.get(k), path, f"{where}.{survey}.{k}") for k in ("women", "men"))
        if women + men > 100:
            raise _fail(path, f"{where}.{survey}", f"kvinnor och män är tillsammans {women + men} %, mer än 100 %.")
        groups[str(survey)] = {"who": _text(g.get("who"), path, f"{where}.{survey}.who"),
                               "count": _text(str(g.get("count", "")), path, f"{where}.{survey}.count"),
                               "women": women, "men": men}
    if not groups:
        raise _fail(path, where, "anger ingen grupp av deltagare (en mappning per deltagarenkät).")
    return {"period": period, "groups": groups}, source


def check_national(national: dict, instrument: Instrument, path: str) -> None:
    """The facts that name surveys or questions name ones the instrument has."""
    for year, fact in national.get("sus_gender", {}).items():
        for survey in fact["groups"]:
            s = next((s for s in instrument.surveys if s.id == survey), None)
            if s is None or not s.participant:
                names = ", ".join(s.id for s in instrument.surveys if s.participant)
                raise _fail(path, f"sus_gender.{year}.{survey}", f"ska vara en deltagarenkät ({names}).")
    for year, fact in national.get("sus_work_studies", {}).items():
        if fact["question"] not in instrument.questions:
            raise _fail(path, f"sus_work_studies.{year}.question",
                        f"frågan {fact['question']!r} finns inte i instrumentet (ange frågans id, som deltagare_avslut.6).")


def load_national(path: str) -> dict:
    """data/national.yaml: per-year facts keyed by whole years (a quoted "2022" counts as 2022), checked.

    Returns the file's mapping with each fact of :data:`FACTS` as {year: value}, ``sources`` as
    {id: :class:`nns.instrument.Reference`} and ``fact_sources`` as {fact: {year: source id}}.
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise DataError("Filen med nationella uppgifter saknas.", where=path) from None
    except yaml.YAMLError as exc:
        raise DataError(f"Filen är inte giltig YAML: {exc}", where=path) from None
    if not isinstance(raw, dict):
        raise DataError("Filen ska vara en mappning (nyckel: värde).", where=path)
    out = dict(raw)
    sources = _sources(raw.get("sources") or {}, path)
    out["sources"] = sources
    out["fact_sources"] = {}
    for key in FACTS:
        per_year = raw.get(key) or {}
        if not isinstance(per_year, dict):
            raise DataError(f"'{key}' ska ange ett värde per år (år: värde).", where=path)
        try:
            years = {int(y): v for y, v in per_year.items()}
        except (TypeError, ValueError):
            raise DataError(f"'{key}' har en nyckel som inte är ett år.", where=path) from None
        out[key], cited = {}, {}
        for y, v in years.items():
            if v in (None, ""):
                continue
            out[key][y], source = _fact(key, y, v, sources, path)
            if source:
                cited[y] = source
        out["fact_sources"][key] = cited
    if "reports_page" in raw:
        out["reports_page"] = _source_id(raw["reports_page"], sources, path, "reports_page")
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

def counts(agg: Aggregated, year: int, forbund: str = RIKET) -> pd.DataFrame:
    """Category counts per (survey, question_id, group) for one year and scope.

    For the nation the förbund are summed. Cached per argument set.
    """
    return _counts_cached(agg, year, forbund)


@functools.lru_cache(maxsize=256)
def _counts_cached(agg: Aggregated, year: int, forbund: str) -> pd.DataFrame:
    return _scope_slice(agg.counts, year, forbund, ["survey", "question_id", "group"], nr.COUNT_COLUMNS)


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


def survey_responses(agg: Aggregated, year: int, survey: str, group: str = nr.ALL, forbund: str = RIKET) -> int:
    """Responses to one survey (one group of it) in a year, for the nation or one förbund; 0 when none."""
    r = responses(agg, year, forbund)
    try:
        return int(r.loc[(survey, group), "responses"])
    except KeyError:
        return 0


def total_responses(agg: Aggregated, year: int, forbund: str = RIKET) -> int:
    """All responses (every survey) in a year, for the nation or one förbund."""
    r = responses(agg, year, forbund)
    return int(r.xs(nr.ALL, level="group")["responses"].sum()) if len(r) else 0


def question_counts(agg: Aggregated, question_id: str, year: int, forbund: str = RIKET) -> dict:
    """Category counts per group for one question: ``{group: {n, negativt, ...}}``."""
    groups = _question_counts_cached(agg, year, forbund).get(question_id, {})
    return {g: dict(row) for g, row in groups.items()}


@functools.lru_cache(maxsize=256)
def _question_counts_cached(agg: Aggregated, year: int, forbund: str) -> dict:
    """{question id: {group: counts}} of one year and scope, read from the counts in one pass.

    A report asks for a question's counts a few thousand times (every table, chart, comparison and disclosure
    check); selecting them from the frame each time cost a second of every report.
    """
    c = counts(agg, year, forbund)
    out: dict = {}
    columns = [str(k) for k in c.columns]
    for (_survey, qid, group), values in zip(c.index, c.to_numpy().tolist()):
        out.setdefault(qid, {})[group] = {k: int(v) for k, v in zip(columns, values)}
    return out


def key_figure_of(agg: Aggregated, question_id: str, year: int, group: str = nr.ALL, forbund: str = RIKET):
    """(n, key figure) of a question for one group, or None when nobody answered."""
    kind = agg.instrument.key_figure_kind(question_id, year)
    row = question_counts(agg, question_id, year, forbund).get(group)
    if not row or row["n"] == 0:
        return None
    return row["n"], nr.key_figure(row, kind)


def internal_nonresponse(agg: Aggregated, year: int, forbund: str = RIKET) -> pd.DataFrame:
    """Share of respondents who left each question unanswered, per question (:func:`nnsreport.nonresponse`).

    The denominator is the survey's responses; for a question asked only after
    a given answer it is the number who gave that answer.
    """
    ins = agg.instrument
    rows = []
    for survey in ins.surveys_in(year):
        total = survey_responses(agg, year, survey.id, forbund=forbund)
        if total == 0:
            continue
        for q, v in ins.questions_asked(survey.id, year):
            qc = question_counts(agg, q.id, year, forbund).get(nr.ALL)
            if qc is None:
                continue
            eligible = total
            if q.condition is not None:
                cond = question_counts(agg, q.condition.question, year, forbund).get(nr.ALL, {})
                eligible = cond.get(q.condition.answer.lower(), 0)
            missing, share = nr.nonresponse(eligible, qc["n"])
            rows.append({
                "survey": survey.id, "question_id": q.id, "number": v.number,
                "eligible": eligible, "answered": qc["n"], "missing": missing, "share": share,
            })
    return pd.DataFrame(rows)


def find_forbund(agg: Aggregated, name: str, year: int) -> str:
    """The förbund's name as written in the data, or a Swedish error listing the closest names.

    Matching ignores case, spacing and punctuation ("degerfors karlskoga"
    finds "Degerfors/Karlskoga").
    """
    known = agg.forbund(year)
    if name in known:
        return name
    by_slug = {nr.slug(k): k for k in known}
    if nr.slug(name) in by_slug:
        return by_slug[nr.slug(name)]
    close = difflib.get_close_matches(nr.slug(name), list(by_slug), n=3, cutoff=0.5)
    hint = f" Menade du: {', '.join(by_slug[c] for c in close)}?" if close else ""
    raise UnknownForbundError(f"Förbundet '{name}' har inga svar {year}.{hint} "
                              f"Kör 'nnsreport forbund --year {year}' för hela listan.")
