"""Audit: the published 2022 figures against the data, and against themselves.

Two kinds of findings:

* **difference** – a figure computed from the aggregated layer differs from the
  published one (or exists on one side only). Known misprints
  (data/published/errata.yaml) are marked as such.
* **inconsistency** – the published report disagrees with itself: a count
  printed differently in two tables, shares that no integer counts can give,
  totals that do not add up, a row label that cannot be right, a table-20 cell
  that its own rule contradicts.

Examples
--------
>>> feasible_row(40, {"negativt": 0, "varken": 13, "positivt": 88, "klart_positivt": 53})
True
>>> feasible_row(40, {"negativt": 0, "varken": 12, "positivt": 88, "klart_positivt": 53})
False
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import nnsreport as nr
from nns.spec.model import FIGURE_COLUMNS, SUPPRESSED
from nns.spec.published import (
    corrected,
    errata_mask,
    load_errata,
    load_published,
    printed_table_20,
    published_table_20,
    rule_departures,
    unrounded_outcomes,
    with_values,
)

__all__ = ["Finding", "KEY", "load_published", "load_errata", "corrected", "with_values", "published_table_20",
           "compare", "feasible_row", "self_check", "audit", "RULE_DEPARTURE"]

KEY = [c for c in FIGURE_COLUMNS if c != "value"]

#: The mark of a difference in table 20 where the printed report departs from its own rule and this edition
#: follows it (see data/published/table20_<year>.yaml).
RULE_DEPARTURE = "tabell-20-regeln"


@dataclass(frozen=True)
class Finding:
    kind: str          # "difference" | "inconsistency" | "withheld" (hidden by disclosure control)
    table: str
    where: str
    message: str
    known: str = ""    # errata id when this is a known misprint

    def __str__(self) -> str:
        tag = f" [känt tryckfel: {self.known}]" if self.known else ""
        if self.known == RULE_DEPARTURE:
            tag = " [den tryckta tabellen följer inte sin regel här; denna utgåva följer den]"
        return f"Tabell {self.table}, {self.where}: {self.message}{tag}"


def _where(r) -> str:
    parts = []
    if r.get("indicator") and not r.get("respondent"):
        parts.append(f"indikator {r['indicator']}")
    if r.get("respondent"):
        parts.append(r["respondent"])
    if r.get("question"):
        parts.append(f"fråga {r['question']}")
    if r.get("group"):
        parts.append(r["group"])
    if r.get("forbund"):
        parts.append(r["forbund"])
    if r.get("year"):
        parts.append(r["year"])
    parts.append(r["statistic"])
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# Computed versus published
# ---------------------------------------------------------------------------

def compare(computed: pd.DataFrame, published: pd.DataFrame, errata: list[dict],
            tables: set[str] | None = None, rule_departures: dict | None = None) -> list[Finding]:
    """Every cell where the computed figures differ from the published ones.

    Only tables the published file has are compared (table 20 is withheld from
    this copy of the report's figures; :func:`audit` adds what is known of it). A published cell touched by an
    errata entry is compared with its corrected value and reported as a known misprint. ``rule_departures``
    ({(indicator, group): the rule's outcome}) are the cells of the printed table 20 that depart from its rule:
    where this edition prints the rule's outcome, the difference is marked :data:`RULE_DEPARTURE`.
    """
    rule_departures = rule_departures or {}
    known = pd.Series("", index=published.index)
    for e in errata:
        known[errata_mask(published, e)] = e["id"]
    fixed = corrected(published, errata)
    fixed["_known"] = known
    fixed["_printed"] = published["value"]
    tabs = set(published["table"]) if tables is None else tables
    # statistics the published report does not have (the intervals of this edition) are not differences
    calc = computed[computed["table"].isin(tabs) & computed["statistic"].isin(set(published["statistic"]))]
    calc = calc.astype(str)
    fixed = fixed[fixed["table"].isin(tabs)]
    m = fixed.merge(calc, on=KEY, how="outer", suffixes=("_pub", "_calc"), indicator=True)
    findings = []
    reasons = {e["id"]: e for e in errata}
    confirmed: dict[str, list] = {}
    for _, r in m.iterrows():
        if r["_merge"] == "both" and r["value_pub"] == r["value_calc"]:
            if r["_known"]:
                confirmed.setdefault(r["_known"], []).append(r)
            continue
        if r["_merge"] == "both" and r["value_calc"] == SUPPRESSED:
            findings.append(Finding("withheld", r["table"], _where(r),
                                    f"publicerad {r['value_pub']}, dold av röjandeskyddet i denna utgåva"))
            continue
        if r["_merge"] == "left_only":
            msg = f"publicerad ({r['value_pub']}) men saknas bland de beräknade talen"
        elif r["_merge"] == "right_only":
            msg = f"beräknad ({r['value_calc']}) men saknas i den publicerade rapporten"
        else:
            msg = f"publicerad {r['value_pub']}, beräknad {r['value_calc']}"
        known = r["_known"] if isinstance(r["_known"], str) else ""
        if r["table"] == "20" and rule_departures.get((r["indicator"], r["group"])) == r["value_calc"]:
            known = RULE_DEPARTURE
        findings.append(Finding("difference", r["table"], _where(r), msg, known))
    for eid, rows in confirmed.items():
        e = reasons[eid]
        first = rows[0]
        what = ", ".join(f"{k}={v}" for k, v in e["match"].items())
        fix = ", ".join(f"{k}={v}" for k, v in e["correct"].items())
        findings.append(Finding(
            "difference", str(e["table"]), what,
            f"tryckt '{e['printed']}'; data ger {fix} ({len(rows)} celler stämmer efter rättelsen, "
            f"t.ex. {_where(first)} = {first['value_calc']})", eid))
    return findings


# ---------------------------------------------------------------------------
# The published report against itself
# ---------------------------------------------------------------------------

def feasible_row(n: int, shares: dict) -> bool:
    """Can integer counts out of ``n`` print as these whole percentages?"""
    if "ja" in shares or "nej" in shares:
        lo_j, hi_j = nr.percent_interval(shares.get("ja", 0), n) if "ja" in shares else (0, n)
        lo_n, hi_n = nr.percent_interval(shares.get("nej", 0), n) if "nej" in shares else (0, n)
        return any(lo_n <= n - j <= hi_n for j in range(lo_j, hi_j + 1))
    iv = {k: nr.percent_interval(v, n) for k, v in shares.items()}
    lo_n, hi_n = iv["negativt"]
    lo_v, hi_v = iv["varken"]
    lo_p, hi_p = iv["positivt"]
    lo_k, hi_k = iv.get("klart_positivt", (0, n))
    for neg in range(lo_n, hi_n + 1):
        for var in range(lo_v, hi_v + 1):
            pos = n - neg - var
            if lo_p <= pos <= hi_p and lo_k <= pos and lo_k <= hi_k:
                return True
    return False


def self_check(pub: pd.DataFrame, instrument, year: int, points_per_measure: int = 2,
               errata: list[dict] | None = None) -> list[Finding]:
    """Inconsistencies inside the published report.

    Table 20 is checked against its rule on the key figures of tables N.2 with the known misprints
    (``errata``) corrected: a mislabelled row must not make the rule look broken.
    """
    f: list[Finding] = []
    p = with_values(pub)
    ind_rows = p[(p["indicator"] != "") & (p["respondent"] != "")]

    # 1. row labels that cannot be right: the question does not exist in that survey
    for (table, resp, q), _ in ind_rows.groupby(["table", "respondent", "question"]):
        qid = f"{resp}.{q}"
        if qid not in instrument.questions:
            f.append(Finding("inconsistency", table, f"{resp}, fråga {q}",
                             f"radrubriken kan inte stämma: {instrument.survey(resp).name.lower()} "
                             f"har ingen fråga {q}"))

    # 2. N.1 rows whose shares no integer counts can give
    n1 = ind_rows[ind_rows["statistic"].isin(["n", "negativt", "varken", "positivt", "klart_positivt", "ja", "nej"])]
    for (table, resp, q, g), rows in n1.groupby(["table", "respondent", "question", "group"]):
        d = dict(zip(rows["statistic"], rows["v"]))
        n = d.pop("n", None)
        if n and not feasible_row(n, d):
            f.append(Finding("inconsistency", table, f"{resp}, fråga {q}, {g}",
                             f"andelarna {d} kan inte komma från n={n} vid avrundning till hela procent"))
        if "positivt" in d and "klart_positivt" in d and d["klart_positivt"] > d["positivt"]:
            f.append(Finding("inconsistency", table, f"{resp}, fråga {q}, {g}",
                             "klart positivt är större än positivt"))

    # 3. the report year's column of N.2 repeats N.1 (n and key figure)
    n1_by = {(r["indicator"], r["respondent"], r["question"], r["group"], r["statistic"]): r["v"]
             for _, r in n1.iterrows()}
    n2 = ind_rows[(ind_rows["statistic"].isin(["antal_svar", "nyckeltal"])) & (ind_rows["year"] == str(year))]
    for _, r in n2.iterrows():
        if r["v"] is None:
            continue
        qid = f"{r['respondent']}.{r['question']}"
        if r["statistic"] == "antal_svar":
            other = n1_by.get((r["indicator"], r["respondent"], r["question"], r["group"], "n"))
        else:
            kind = instrument.key_figure_kind(qid, year) if qid in instrument.questions else "klart_positivt"
            other = n1_by.get((r["indicator"], r["respondent"], r["question"], r["group"], kind))
        if other is not None and other != r["v"]:
            f.append(Finding("inconsistency", r["table"], _where(r),
                             f"tryckt {r['v']}, men tabell N.1 anger {other} för samma tal"))

    # 4. group counts against the number of respondents (tables 3 and 4) and against samtliga
    t34 = p[p["table"].isin(["3", "4"]) & (p["statistic"] == "antal_svar")]
    resp_by = {(r["respondent"], r["group"]): r["v"] for _, r in t34.iterrows()}
    n_rows = ind_rows[ind_rows["statistic"].isin(["n", "antal_svar"]) & ind_rows["v"].map(lambda v: v is not None)]
    for (table, resp, q, y), rows in n_rows.groupby(["table", "respondent", "question", "year"]):
        d = dict(zip(rows["group"], rows["v"]))
        if "samtliga" not in d:
            continue
        rest = d["samtliga"] - sum(v for g, v in d.items() if g != "samtliga")
        if rest < 0:
            f.append(Finding("inconsistency", table, f"{resp}, fråga {q}, {y}",
                             f"grupperna summerar till mer än samtliga ({d['samtliga']})"))
        if y == str(year) and (resp, "ej_angett") in resp_by and rest > resp_by[(resp, "ej_angett")]:
            f.append(Finding("inconsistency", table, f"{resp}, fråga {q}, {y}",
                             f"{rest} svar utan angivet kön, men tabell 3/4 anger bara "
                             f"{resp_by[(resp, 'ej_angett')]} sådana svarande i "
                             f"{instrument.survey(resp).name.lower()}"))
        for g, v in d.items():
            limit = resp_by.get((resp, g))
            if y == str(year) and limit is not None and v > limit:
                f.append(Finding("inconsistency", table, f"{resp}, fråga {q}, {g}, {y}",
                                 f"{v} svar men bara {limit} svarande enligt tabell 3/4"))

    # 5. totals: table 1, Bilaga 1, tables 2–4 and 21
    f += _check_totals(p, year)

    # 6. table 20 against its own rule, when the report prints it
    f += _check_table_20(p, with_values(corrected(pub, errata or [])), instrument, year, points_per_measure)
    return f


def _get(p, **kw):
    m = pd.Series(True, index=p.index)
    for k, v in kw.items():
        m &= p[k] == str(v)
    vals = p.loc[m, "v"]
    return int(vals.iloc[0]) if len(vals) == 1 and vals.iloc[0] is not None else None


def _check_totals(p, year) -> list[Finding]:
    f = []
    t1 = p[(p["table"] == "1") & (p["statistic"] == "antal_svar") & (p["respondent"] != "")]
    t1_total = _get(p, table="1", statistic="antal_svar", respondent="")
    if t1_total is not None and int(t1["v"].sum()) != t1_total:
        f.append(Finding("inconsistency", "1", "Totalt", f"summan av kolumnerna är {int(t1['v'].sum())}, tryckt {t1_total}"))
    b1 = p[(p["table"] == "B1") & (p["forbund"] != "") & (p["statistic"] == "antal_svar")]
    for resp, rows in b1.groupby("respondent"):
        col_sum = int(sum(v for v in rows["v"] if v is not None))
        used = int(rows["v"].notna().sum())
        summa = _get(p, table="B1", statistic="antal_svar", respondent=resp, forbund="")
        nf = _get(p, table="B1", statistic="antal_forbund", respondent=resp, forbund="")
        t1v = _get(p, table="1", statistic="antal_svar", respondent=resp)
        t1f = _get(p, table="1", statistic="antal_forbund", respondent=resp)
        if summa is not None and col_sum != summa:
            f.append(Finding("inconsistency", "B1", resp, f"kolumnsumman är {col_sum}, SUMMA-raden anger {summa}"))
        if nf is not None and used != nf:
            f.append(Finding("inconsistency", "B1", resp, f"{used} förbund har värden, SUMMA-raden anger {nf}"))
        if t1v is not None and summa is not None and t1v != summa:
            f.append(Finding("inconsistency", "1", resp, f"tabell 1 anger {t1v}, bilaga 1 {summa}"))
        if t1f is not None and nf is not None and t1f != nf:
            f.append(Finding("inconsistency", "1", resp, f"tabell 1 anger {t1f} förbund, bilaga 1 {nf}"))
    for table, resp in (("3", "deltagare_pagaende"), ("4", "deltagare_avslut")):
        rows = p[(p["table"] == table) & (p["statistic"] == "antal_svar")]
        total = _get(p, table=table, statistic="antal_svar", group="samtliga")
        parts = int(rows.loc[rows["group"] != "samtliga", "v"].sum())
        if total is not None and parts != total:
            f.append(Finding("inconsistency", table, "Totalt", f"grupperna summerar till {parts}, tryckt {total}"))
        t1v = _get(p, table="1", statistic="antal_svar", respondent=resp)
        if total is not None and t1v is not None and total != t1v:
            f.append(Finding("inconsistency", table, "Totalt", f"{total} enkätsvar, tabell 1 anger {t1v}"))
        for _, r in rows.iterrows():
            share = _get(p, table=table, statistic="andel", group=r["group"])
            if total and share is not None and nr.percent(r["v"], total) != share:
                f.append(Finding("inconsistency", table, r["group"],
                                 f"andelen {share}% stämmer inte med {r['v']} av {total}"))
    t2 = p[p["table"] == "2"]
    for resp, rows in t2.groupby("respondent"):
        d = dict(zip(rows["statistic"], rows["v"]))
        checks = [("undersokt_andel_mal", "undersokt", "malpopulation"),
                  ("andel_undersokt", "antal_svar", "undersokt"), ("andel_mal", "antal_svar", "malpopulation")]
        if resp == "":
            continue  # the total row mixes bases (see its footnote); checked below
        for stat, num, den in checks:
            if d.get(stat) is not None and d.get(num) is not None and d.get(den):
                if nr.percent(d[num], d[den]) != d[stat]:
                    f.append(Finding("inconsistency", "2", f"{resp}, {stat}",
                                     f"tryckt {d[stat]}%, {d[num]}/{d[den]} ger {nr.percent(d[num], d[den])}%"))
        t1v = _get(p, table="1", statistic="antal_svar", respondent=resp)
        if t1v is not None and d.get("antal_svar") is not None and t1v != d["antal_svar"]:
            f.append(Finding("inconsistency", "2", resp, f"antal svar {d['antal_svar']}, tabell 1 anger {t1v}"))
    t21 = p[p["table"] == "21"]
    years = sorted({y for y in t21["year"] if y})
    total = _get(p, table="21", statistic="antal_svar", year="")
    s = sum(_get(p, table="21", statistic="antal_svar", year=y) or 0 for y in years)
    if total is not None and s != total:
        f.append(Finding("inconsistency", "21", "Totalt", f"åren summerar till {s}, tryckt {total}"))
    for y in years:
        a = _get(p, table="21", statistic="antal_forbund", year=y)
        nat = _get(p, table="21", statistic="antal_forbund_nationellt", year=y)
        share = _get(p, table="21", statistic="andel_forbund", year=y)
        if a is not None and nat and share is not None and nr.percent(a, nat) != share:
            f.append(Finding("inconsistency", "21", y, f"andel {share}%, {a}/{nat} ger {nr.percent(a, nat)}%"))
    this = _get(p, table="21", statistic="antal_svar", year=year)
    if this is not None and t1_total is not None and this != t1_total:
        f.append(Finding("inconsistency", "21", str(year), f"{this} enkäter, tabell 1 anger {t1_total}"))
    return f


def _check_table_20(p, fixed, instrument, year, points_per_measure) -> list[Finding]:
    """Printed table-20 cells (in ``p``) that the rule on the key figures of tables N.2 (in ``fixed``) contradicts;
    each says what the rule could give on the unrounded key figures behind the printed ones."""
    printed = p[(p["table"] == "20") & (p["statistic"] == "utveckling")]
    if printed.empty:
        return []
    expected = published_table_20(fixed, instrument, year, points_per_measure)
    f = []
    for _, r in printed.iterrows():
        exp = expected.get((int(r["indicator"]), r["group"]))
        if exp and exp[0] != r["value"]:
            possible = unrounded_outcomes(fixed, instrument, year, int(r["indicator"]), r["group"], points_per_measure)
            unrounded = ""
            if possible:
                can = " eller ".join(f"'{o}'" for o in sorted(possible))
                unrounded = (f"; på de oavrundade nyckeltalen kan regeln ge {can}"
                             + ("" if r["value"] in possible else ", så inte heller avrundningen förklarar det tryckta"))
            f.append(Finding("inconsistency", "20", f"indikator {r['indicator']}, {r['group']}",
                             f"tryckt '{r['value']}', men regeln ger '{exp[0]}' (förändringar {exp[1]}){unrounded}"))
    return f


def audit(computed, published_path, errata_path, instrument, year, points_per_measure=2, table_20_path=None):
    """The published report against the data (differences) and against itself (inconsistencies), and table 20
    recomputed from its key figures.

    ``table_20_path`` (``table20_<year>.yaml``) adds what is known of the printed table 20: a cell that departs
    from the rule is an inconsistency, and its difference from this edition (which follows the rule) is marked
    :data:`RULE_DEPARTURE`.
    """
    pub = load_published(published_path)
    errata = load_errata(errata_path)
    departures = []
    if table_20_path is not None and Path(table_20_path).exists():
        printed = printed_table_20(pub, errata, table_20_path, instrument, year, points_per_measure)
        departures = rule_departures(pub, errata, printed, instrument, year, points_per_measure)
        pub = pd.concat([pub, printed], ignore_index=True)
    rule = {(str(d.indicator), d.group): d.rule for d in departures}
    differences = compare(computed, pub, errata, rule_departures=rule)
    return {
        "differences": differences,
        "inconsistencies": self_check(pub, instrument, year, points_per_measure, errata),
        "table_20": published_table_20(with_values(corrected(pub, errata)), instrument, year,
                                       points_per_measure),
        "departures": departures,
    }
