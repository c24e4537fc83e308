"""The published edition of a year (``data/published/``), as far as it is known, and the table-20 rule on it.

* ``figures_<year>.csv`` — every number the printed report shows, misprints kept
  (:func:`load_published`), and ``errata.yaml`` — its known misprints (:func:`load_errata`, :func:`corrected`);
* ``table20_<year>.yaml`` — what is known of its printed table 20 (:func:`printed_table_20`): the cells that
  depart from the table's own rule, the other cells being what the rule gives.

The audit (:mod:`nns.review.audit`) checks the published report against the data and against itself; the
method chapter of the year's edition states where the printed table 20 departs from the rule
(:func:`table_20_departures`), computed here, never typed.

Examples
--------
>>> [float(x) for x in changes_range([((53, 1000), (55, 1000))])]   # 53 % then 55 %, of 1 000 answers each
[1.1, 2.9]
>>> [float(x) for x in changes_range([((53, 100), (55, 100))])]     # of 100: the counts are exact
[2.0, 2.0]
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pandas as pd
import yaml

import nnsreport as nr
from nns.errors import DataError

__all__ = ["load_published", "load_errata", "corrected", "with_values", "published_table_20", "changes_range",
           "unrounded_outcomes", "printed_table_20", "Departure", "rule_departures", "table_20_departures",
           "published_paths"]

#: Table 20's columns: the total, then women and men (participant measures only).
TABLE_20_GROUPS = ("samtliga", "kvinnor", "man")


def published_paths(folder: str | Path, year: int) -> dict[str, Path]:
    """The files of a year's published edition in ``folder`` (data/published/)."""
    d = Path(folder)
    return {"figures": d / f"figures_{year}.csv", "errata": d / "errata.yaml", "table_20": d / f"table20_{year}.yaml"}


def load_published(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_errata(path: str | Path) -> list[dict]:
    p = Path(path)
    return yaml.safe_load(p.read_text(encoding="utf-8")) if p.exists() else []


def errata_mask(pub: pd.DataFrame, entry: dict) -> pd.Series:
    mask = pub["table"] == str(entry["table"])
    for k, v in entry["match"].items():
        mask &= pub[k] == str(v)
    return mask


def corrected(pub: pd.DataFrame, errata: list[dict]) -> pd.DataFrame:
    """The published figures with the known misprints corrected."""
    out = pub.copy()
    for e in errata:
        mask = errata_mask(out, e)
        for k, v in e["correct"].items():
            out.loc[mask, k] = str(v)
    return out


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def with_values(pub: pd.DataFrame) -> pd.DataFrame:
    """The published frame with a column ``v``: the value as int, or None for '-'."""
    p = pub.copy()
    p["v"] = pd.Series([_int(v) for v in p["value"]], index=p.index, dtype=object)
    return p


def _key_figure_index(p: pd.DataFrame) -> dict[tuple, int]:
    """The printed key figures and numbers of answers of a published frame (:func:`with_values`), by (indicator,
    group, respondent, question, year, statistic): the first of each, in the frame's order. One pass over the frame
    instead of a filter of the whole frame per indicator, group, measure and year (0.47 s of a national build)."""
    out: dict[tuple, int] = {}
    columns = ("indicator", "group", "respondent", "question", "year", "statistic")
    for *key, v in zip(*(p[c] for c in columns), p["v"]):
        if key[5] in ("nyckeltal", "antal_svar") and v is not None:
            out.setdefault(tuple(key), v)
    return out


def _key_figures(index: dict[tuple, int], instrument, year: int, ind, group: str) -> list[tuple[str, dict]]:
    """The measures of an indicator that table 20 compares in a column, each with its printed key figures and
    numbers of answers by year ({year: (key figure, n)}), from tables N.2 (``index``: :func:`_key_figure_index`)."""
    out = []
    for qid in ind.measures:
        q = instrument.question(qid)
        if group != nr.ALL and not instrument.survey(q.survey).participant:
            continue
        resp, num = qid.split(".")
        by_year = {}
        for y in (year - 1, year):
            cell = (str(ind.number), group, resp, num, str(y))
            kf = index.get(cell + ("nyckeltal",))
            if kf is not None:
                n = index.get(cell + ("antal_svar",))
                by_year[y] = (int(kf), int(n) if n is not None else None)
        if len(by_year) == 2:
            out.append((qid, by_year))
    return out


def published_table_20(p, instrument, year, points_per_measure=2) -> dict:
    """Table 20 recomputed from the published key figures of tables N.2: {(indicator, group): (outcome, changes)}."""
    index = _key_figure_index(p)
    out = {}
    for ind in instrument.indicators:
        if not ind.measures:
            continue
        for group in TABLE_20_GROUPS:
            changes = [kf[year][0] - kf[year - 1][0] for _, kf in _key_figures(index, instrument, year, ind, group)]
            if group != nr.ALL and not changes:
                continue
            out[(ind.number, group)] = (nr.sammanvagd_utveckling(changes, points_per_measure), changes)
    return out


def changes_range(pairs: list[tuple[tuple[int, int], tuple[int, int]]]) -> tuple[Fraction, Fraction]:
    """The smallest and largest sum of unrounded changes (percentage points) that printed key figures allow.

    ``pairs`` holds, per measure, (key figure, n) of the previous year and of the year; each printed key figure
    is a count out of n rounded half up (:func:`nnsreport.percent_interval`).
    """
    lo = hi = Fraction(0)
    for (before, n_before), (after, n_after) in pairs:
        b_lo, b_hi = nr.percent_interval(before, n_before)
        a_lo, a_hi = nr.percent_interval(after, n_after)
        lo += Fraction(100 * a_lo, n_after) - Fraction(100 * b_hi, n_before)
        hi += Fraction(100 * a_hi, n_after) - Fraction(100 * b_lo, n_before)
    return lo, hi


def unrounded_outcomes(p, instrument, year: int, indicator: int, group: str, points_per_measure: int = 2) -> set[str]:
    """The outcomes the table-20 rule can give applied to the unrounded key figures behind the printed ones.

    Every count the printed key figure and n allow is possible; the sum of the unrounded changes then lies in
    :func:`changes_range`, and each outcome whose interval meets that range is possible.
    """
    measures = _key_figures(_key_figure_index(p), instrument, year, instrument.indicator(indicator), group)
    pairs = [(kf[year - 1], kf[year]) for _, kf in measures]
    if not pairs or any(n is None for pair in pairs for _, n in pair):
        return set()
    lo, hi = changes_range(pairs)
    threshold = points_per_measure * len(pairs)
    out = set()
    if hi >= threshold:
        out.add("okning")
    if lo <= -threshold:
        out.add("minskning")
    if lo < threshold and hi > -threshold:
        out.add("varken")
    return out


def printed_table_20(pub: pd.DataFrame, errata: list[dict], path: str | Path, instrument, year: int,
                     points_per_measure: int = 2) -> pd.DataFrame:
    """The printed table 20 as published figures (figures.csv's columns), from ``table20_<year>.yaml``.

    A cell the file lists under ``departures`` is what the file says was printed; every other cell is what the
    file's ``rule`` says: ``printed-key-figures``, the rule applied to the key figures printed in tables N.2
    (misprints corrected). An empty frame when there is no such file.
    """
    p = Path(path)
    if not p.exists():
        return pd.DataFrame(columns=list(pub.columns))
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if raw.get("rule") != "printed-key-figures":
        raise DataError(f"'rule' ska vara printed-key-figures, fick {raw.get('rule')!r}.", where=str(p))
    computed = published_table_20(with_values(corrected(pub, errata)), instrument, year, points_per_measure)
    printed = {cell: outcome for cell, (outcome, _) in computed.items()}
    for i, d in enumerate(raw.get("departures") or []):
        cell = (d.get("indicator"), d.get("group"))
        if cell not in printed or d.get("printed") not in nr.UTVECKLING_LABELS:
            raise DataError(f"departures[{i}]: indikator {cell[0]}, {cell[1]} finns inte i tabell 20, eller "
                            f"'printed' är inte något av {', '.join(nr.UTVECKLING_LABELS)}.", where=str(p))
        printed[cell] = d["printed"]
    rows = [{"table": "20", "indicator": str(ind), "respondent": "", "question": "", "group": group,
             "year": str(year), "forbund": "", "statistic": "utveckling", "value": outcome}
            for (ind, group), outcome in sorted(printed.items())]
    return pd.DataFrame(rows, columns=list(pub.columns))


@dataclass(frozen=True)
class Departure:
    """A cell of the printed table 20 that its own rule contradicts."""

    indicator: int
    group: str
    printed: str
    rule: str
    changes: tuple[int, ...]
    #: the outcomes the rule could give on the unrounded key figures (empty: not known)
    unrounded: frozenset[str]


def rule_departures(pub: pd.DataFrame, errata: list[dict], printed: pd.DataFrame, instrument, year: int,
                    points_per_measure: int = 2) -> list[Departure]:
    """The cells of a printed table 20 (:func:`printed_table_20`) that the rule on the published key figures
    (misprints corrected) contradicts."""
    fixed = with_values(corrected(pub, errata))
    rule = published_table_20(fixed, instrument, year, points_per_measure)
    out = []
    for r in printed.itertuples():
        outcome, changes = rule.get((int(r.indicator), r.group), (None, []))
        if outcome is not None and outcome != r.value:
            out.append(Departure(int(r.indicator), r.group, r.value, outcome, tuple(changes),
                                 frozenset(unrounded_outcomes(fixed, instrument, year, int(r.indicator), r.group,
                                                              points_per_measure))))
    return out


def table_20_departures(folder: str | Path, instrument, year: int, points_per_measure: int = 2) -> list[Departure]:
    """The cells where the year's printed table 20 departs from its rule; [] when the year has no published
    edition or nothing is known of its table 20."""
    paths = published_paths(folder, year)
    if not paths["figures"].exists():
        return []
    pub, errata = load_published(paths["figures"]), load_errata(paths["errata"])
    printed = printed_table_20(pub, errata, paths["table_20"], instrument, year, points_per_measure)
    return rule_departures(pub, errata, printed, instrument, year, points_per_measure)
