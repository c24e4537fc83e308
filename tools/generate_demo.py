"""Generate the synthetic demo registration files, calibrated to the 2022 report.

The real answers are confidential. This script makes registration files for
2018–2022 whose aggregate reproduces every figure published in the 2022
national report after half-up rounding (data/published/figures_2022.csv, with
the misprints in data/published/errata.yaml corrected), and fills in what the
report does not say (2018–2019, the split inside categories, the answers of
each förbund, populations per förbund) with plausible values from a fixed seed.

How the calibration works, per year and question: the counts per answer
option and group are the integer solution of a small linear programme
(scipy's HiGHS MILP). Every published percentage becomes an interval of
counts (see nnsreport.percent_interval); the objective keeps the counts close
to a plausible distribution. The counts are then dealt out to individual
respondents: each respondent has a latent attitude (förbund effect plus
personal effect) so that answers correlate across questions and förbund
differ, as real data do.

Run:  .venv/bin/python tools/generate_demo.py   (writes data/registration/)
The output is committed; a report build never runs this script.
"""
from __future__ import annotations

import argparse
import logging
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from nns.instrument import load_instrument
from nns.registration.model import Registration, Row, file_name
from nns.registration.template import build_workbook, save_workbook
from nnsreport import percent_interval

ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger("generate_demo")

SEED = 20230117
YEARS = [2018, 2019, 2020, 2021, 2022]
PUBLISHED = ROOT / "data" / "published" / "figures_2022.csv"
ERRATA = ROOT / "data" / "published" / "errata.yaml"
OUT = ROOT / "data" / "registration"

# Synthetic survey totals for the years the 2022 report gives only a total for
# (table 21): shares of the year's responses per survey, before remittenter.
SYNTHETIC_SURVEY_SHARE = {
    "deltagare_pagaende": 0.40, "deltagare_avslut": 0.37, "personal": 0.12,
    "chefsgrupp": 0.07, "styrelse": 0.04,
}
# Share of participants without stated gender: large in 2018, when many forms
# had no gender question (the report's "Förbehåll").
NO_GENDER_SHARE = {2018: 0.30, 2019: 0.15}

# Förbund of earlier years that are not in the 2022 list (illustrative names;
# the report does not say which förbund took part before 2022).
DROPPED_2021 = [
    "Samspelet", "VärNa", "Skåne Nordost", "Insjöriket", "RAR Sörmland",
    "Trollhättan Lilla Edet Grästorp", "Delta", "Umeå", "Skellefteå",
]
LEFT_2020 = ["Finsam Falun", "Nedansiljan", "Lund"]   # ended their agreements for 2020
OTHER_EARLY = ["Sjuhärad", "Norra Bohuslän", "Uppsala län"]
TARGET_FORBUND_COUNT = {2018: 41, 2019: 40, 2020: 41, 2021: 39, 2022: 36}


# ---------------------------------------------------------------------------
# Published figures
# ---------------------------------------------------------------------------

def load_published() -> pd.DataFrame:
    """The published figures with the known misprints corrected."""
    pub = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)
    for e in yaml.safe_load(ERRATA.read_text(encoding="utf-8")):
        mask = pub["table"] == e["table"]
        for k, v in e["match"].items():
            mask &= pub[k] == str(v)
        if not mask.any():
            raise SystemExit(f"errata {e['id']}: no published cell matches {e['match']}")
        for k, v in e["correct"].items():
            pub.loc[mask, "value" if k == "value" else k] = str(v)
    return pub


def published_key_figures(pub: pd.DataFrame) -> dict:
    """{(year, qid, group): {"n": int, "kf": int}} from tables N.2."""
    out = {}
    n2 = pub[pub["statistic"].isin(["antal_svar", "nyckeltal"]) & pub["indicator"].ne("")]
    for _, r in n2.iterrows():
        if r["value"] == "-":
            continue
        key = (int(r["year"]), f"{r['respondent']}.{r['question']}", r["group"])
        out.setdefault(key, {})["n" if r["statistic"] == "antal_svar" else "kf"] = int(r["value"])
    return out


def published_categories(pub: pd.DataFrame) -> dict:
    """{(qid, group): {"n":…, "negativt":…, …}} from tables N.1 (2022)."""
    out = {}
    n1 = pub[pub["statistic"].isin(["n", "negativt", "varken", "positivt", "klart_positivt", "ja", "nej"])]
    for _, r in n1.iterrows():
        out.setdefault((f"{r['respondent']}.{r['question']}", r["group"]), {})[r["statistic"]] = int(r["value"])
    return out


def pub_value(pub, table, statistic, respondent="", group="", year="", forbund=""):
    m = (pub["table"] == table) & (pub["statistic"] == statistic) & (pub["respondent"] == respondent)
    m &= (pub["group"] == group) & (pub["year"] == str(year)) & (pub["forbund"] == forbund)
    vals = pub.loc[m, "value"]
    if len(vals) != 1:
        raise KeyError((table, statistic, respondent, group, year, forbund))
    return vals.iloc[0]


# ---------------------------------------------------------------------------
# Integer allocation helpers
# ---------------------------------------------------------------------------

def allocate(total: int, weights, minimum=None) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    mins = np.zeros(len(w), dtype=int) if minimum is None else np.asarray(minimum, dtype=int)
    rest = total - mins.sum()
    if rest < 0:
        raise ValueError(f"cannot allocate {total} with minimums {mins.sum()}")
    if w.sum() == 0:
        w = np.ones(len(w))
    raw = w / w.sum() * rest
    base = np.floor(raw).astype(int)
    short = rest - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return base + mins


# ---------------------------------------------------------------------------
# The calibration problem for one question in one year
# ---------------------------------------------------------------------------

def solve_counts(groups, n, options, constraints, target, extra_lower=None):
    """Integer counts x[g][o] with sum_o x = n[g], within the constraint intervals.

    constraints: list of (groups subset, options subset, lo, hi)
    target:      {g: {o: float}} plausible counts; the objective is the L1 distance.
    extra_lower: list of (g, options subset, lo) lower bounds.
    Returns {g: {o: int}} or raises with the failing question.
    """
    gi = {g: i for i, g in enumerate(groups)}
    oi = {o: j for j, o in enumerate(options)}
    G, O = len(groups), len(options)  # noqa: E741 - the LP's dimensions
    nx = G * O
    nvar = 2 * nx  # x, then d >= |x - t|

    def xi(g, o):
        return gi[g] * O + oi[o]

    rows, lbs, ubs = [], [], []

    def add(coeffs, lo, hi):
        row = np.zeros(nvar)
        for idx, c in coeffs:
            row[idx] += c
        rows.append(row)
        lbs.append(lo)
        ubs.append(hi)

    for g in groups:
        add([(xi(g, o), 1) for o in options], n[g], n[g])
    for gs, os_, lo, hi in constraints:
        add([(xi(g, o), 1) for g in gs for o in os_], lo, hi)
    for g, os_, lo in extra_lower or []:
        add([(xi(g, o), 1) for o in os_], lo, np.inf)
    t = np.zeros(nx)
    for g in groups:
        for o in options:
            t[xi(g, o)] = target[g][o]
    for k in range(nx):
        add([(nx + k, 1), (k, -1)], -t[k], np.inf)   # d - x >= -t
        add([(nx + k, 1), (k, 1)], t[k], np.inf)     # d + x >= t
    c = np.concatenate([np.zeros(nx), np.ones(nx)])
    integrality = np.concatenate([np.ones(nx), np.zeros(nx)])
    res = milp(
        c, constraints=LinearConstraint(np.array(rows), lbs, ubs),
        integrality=integrality, bounds=Bounds(0, np.inf),
    )
    if not res.success:
        return None
    x = np.round(res.x[:nx]).astype(int)
    return {g: {o: int(x[xi(g, o)]) for o in options} for g in groups}


def category_options(stat):
    return {
        "negativt": ("1", "2"), "varken": ("3",), "positivt": ("4", "5", "6"),
        "klart_positivt": ("5", "6"), "ja": ("ja",), "nej": ("nej",),
    }[stat]


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------

class Generator:
    def __init__(self, seed: int = SEED):
        self.rng = np.random.default_rng(seed)
        self.ins = load_instrument()
        self.pub = load_published()
        self.kf = published_key_figures(self.pub)
        self.cat = published_categories(self.pub)
        self._n_cache = {}
        self._kf_cache = {}
        self.question_style = {}
        for qid in self.ins.questions:
            self.question_style[qid] = (self.rng.uniform(0.3, 0.55), self.rng.uniform(0.38, 0.6))

    # --- groups ----------------------------------------------------------
    def groups(self, survey_id):
        s = self.ins.survey(survey_id)
        if not s.background:
            return ["ingen"]
        return [g.id for g in self.ins.backgrounds[s.background].groups]

    def shown(self, survey_id):
        s = self.ins.survey(survey_id)
        if not s.background:
            return ["ingen"]
        return [g.id for g in self.ins.backgrounds[s.background].shown_groups]

    @staticmethod
    def pub_group(g):
        return "samtliga" if g == "ingen" else g

    def pub_n(self, year, qid, g):
        """Published n for a group, or None."""
        if year == 2022 and (qid, self.pub_group(g)) in self.cat:
            return self.cat[(qid, self.pub_group(g))]["n"]
        return self.kf.get((year, qid, self.pub_group(g)), {}).get("n")

    def published_n(self, year, qid):
        """{group: n} when the question's n's are published for the year, else None."""
        sid = qid.split(".")[0]
        total = self.pub_n(year, qid, "ingen") if sid in ("personal", "chefsgrupp", "styrelse") else \
            self.pub_n(year, qid, "samtliga")
        if total is None:
            return None
        groups = self.groups(sid)
        if groups == ["ingen"]:
            return {"ingen": total}
        shown = self.shown(sid)
        out = {g: self.pub_n(year, qid, g) for g in shown}
        if any(v is None for v in out.values()):
            raise SystemExit(f"incomplete published n for {qid} {year}")
        hidden = [g for g in groups if g not in shown]
        out[hidden[0]] = total - sum(out.values())
        if out[hidden[0]] < 0:
            raise SystemExit(f"negative hidden group for {qid} {year}")
        return out

    # --- survey and group totals -----------------------------------------
    def totals(self):
        """responses[year][survey][group]."""
        resp = {}
        for year in YEARS:
            surveys = [s.id for s in self.ins.surveys_in(year)]
            lower = {}
            for sid in surveys:
                lb = defaultdict(int)
                for q, _v in self.ins.questions_asked(sid, year):
                    pn = self.published_n(year, q.id)
                    if pn:
                        for g, x in pn.items():
                            lb[g] = max(lb[g], x)
                lower[sid] = {g: lb.get(g, 0) for g in self.groups(sid)}
            resp[year] = {}
            if year == 2022:
                for sid in surveys:
                    total = int(pub_value(self.pub, "1", "antal_svar", sid, year=2022))
                    if sid in ("deltagare_pagaende", "deltagare_avslut"):
                        t = "3" if sid == "deltagare_pagaende" else "4"
                        resp[year][sid] = {g: int(pub_value(self.pub, t, "antal_svar", sid, g, 2022))
                                           for g in ("kvinnor", "man", "ej_angett")}
                    elif sid == "remittent":
                        lb = lower[sid]
                        lb["annan"] = 1  # the report: one respondent answered "annan"
                        rest = total - sum(lb.values())
                        extra = allocate(rest, [1, 1, 2, 1, 0])
                        resp[year][sid] = {g: lb[g] + int(e) for g, e in zip(self.groups(sid), extra)}
                    else:
                        resp[year][sid] = {"ingen": total}
                    assert sum(resp[year][sid].values()) == total, (sid, resp[year][sid])
                    for g, lb in lower[sid].items():
                        assert resp[year][sid][g] >= lb, (year, sid, g)
                continue
            total = int(pub_value(self.pub, "21", "antal_svar", year=year))
            if year in (2020, 2021):
                lbs = {sid: sum(lower[sid].values()) for sid in surveys}
                slack = total - sum(lbs.values())
                assert slack >= 0, (year, slack)
                weights = [lbs[s] for s in surveys]
                extra = allocate(slack, weights)
                for sid, e in zip(surveys, extra):
                    gl = lower[sid]
                    gw = [gl[g] + 1 for g in gl]
                    ge = allocate(int(e), gw)
                    resp[year][sid] = {g: gl[g] + int(x) for g, x in zip(gl, ge)}
            else:
                sizes = allocate(total, [SYNTHETIC_SURVEY_SHARE[s] for s in surveys])
                for sid, size in zip(surveys, sizes):
                    if sid in ("deltagare_pagaende", "deltagare_avslut"):
                        ej = NO_GENDER_SHARE[year]
                        w = [(1 - ej) * 0.56, (1 - ej) * 0.44, ej]
                        resp[year][sid] = dict(zip(["kvinnor", "man", "ej_angett"], allocate(int(size), w).tolist()))
                    else:
                        resp[year][sid] = {"ingen": int(size)}
            assert sum(sum(d.values()) for d in resp[year].values()) == total
        self.resp = resp
        return resp

    # --- targets -----------------------------------------------------------
    def shares_2022(self, qid, group):
        """Category shares (neg, var, pos, kp or ja) from table N.1, or a generic shape."""
        c = self.cat.get((qid, group)) or self.cat.get((qid, "samtliga"))
        if c is None:
            return None
        if "ja" in c:
            return {"ja": c["ja"] / 100}
        return {k: c[k] / 100 for k in ("negativt", "varken", "positivt", "klart_positivt")}

    def synthetic_kf(self, year, qid, group):
        """A key figure for a cell the report does not publish (2018–2019, old versions)."""
        key = (qid, group, year)
        if key in self._kf_cache:
            return self._kf_cache[key]
        q = self.ins.question(qid)
        kind = self.ins.key_figure_kind(qid, year)
        later = year + 1
        base = None
        if q.version(later) is not None and q.compare_from(later) <= year:
            pk = self.kf.get((later, qid, self.pub_group(group)), {}).get("kf")
            base = pk if pk is not None else self.synthetic_kf(later, qid, group)
            value = base + int(self.rng.integers(-4, 2))
        elif kind == "ja":
            value = int(self.rng.integers(84, 91))
        else:
            # an older version that is not compared: near the new question's first level
            first = q.compare_from(2022)
            pk = self.kf.get((first, qid, self.pub_group(group)), {}).get("kf", 40)
            value = pk + int(self.rng.integers(-5, 3))
        value = int(np.clip(value, 3, 97))
        self._kf_cache[key] = value
        return value

    def desired_shares(self, year, qid, group):
        """Plausible category shares for one group, consistent with its key figure."""
        kind = self.ins.key_figure_kind(qid, year)
        pk = self.kf.get((year, qid, self.pub_group(group)), {}).get("kf")
        if year == 2022 and (qid, self.pub_group(group)) in self.cat:
            return self.shares_2022(qid, self.pub_group(group))
        kf = pk if pk is not None else self.synthetic_kf(year, qid, group)
        if kind == "ja":
            return {"ja": kf / 100}
        base = self.shares_2022(qid, "samtliga") if self.ins.question(qid).version(2022).scale == \
            self.ins.question(qid).version(year).scale else None
        if base is None or "ja" in base:
            base = {"negativt": 0.08, "varken": 0.14, "positivt": 0.78, "klart_positivt": 0.5}
        neg, var, pos, kp = base["negativt"], base["varken"], base["positivt"], base["klart_positivt"]
        if kind == "klart_positivt":
            new_kp = kf / 100
            new_pos = min(max(pos + 0.6 * (new_kp - kp), new_kp + 0.02), 0.99)
        else:  # positivt
            new_pos = kf / 100
            new_kp = kp * new_pos / pos if pos else new_pos / 2
        rest = 1 - new_pos
        scale = rest / (neg + var) if neg + var else 0
        return {"negativt": neg * scale, "varken": var * scale, "positivt": new_pos, "klart_positivt": new_kp}

    def option_target(self, qid, shares, n):
        if "ja" in shares:
            return {"ja": n * shares["ja"], "nej": n * (1 - shares["ja"])}
        a, b = self.question_style[qid]
        neg, var, pos, kp = (shares[k] for k in ("negativt", "varken", "positivt", "klart_positivt"))
        return {
            "1": n * neg * a, "2": n * neg * (1 - a), "3": n * var, "4": n * max(pos - kp, 0),
            "5": n * kp * (1 - b), "6": n * kp * b,
        }

    def question_n(self, year, qid):
        """{group: n answered} for a question: published, or synthetic from the responses."""
        key = (year, qid)
        if key not in self._n_cache:
            self._n_cache[key] = self._question_n(year, qid)
        return self._n_cache[key]

    def _question_n(self, year, qid):
        pn = self.published_n(year, qid)
        if pn:
            return pn
        sid = qid.split(".")[0]
        q = self.ins.question(qid)
        out = {}
        for g, total in self.resp[year][sid].items():
            rate = self.rng.uniform(0.93, 0.99)
            if q.condition:
                rate = self.rng.uniform(0.78, 0.84)  # only those with Ja on question 8
            out[g] = int(round(total * rate))
        return out

    def solve_question(self, year, qid, extra_lower=None):
        sid = qid.split(".")[0]
        q = self.ins.question(qid)
        scale = self.ins.scales[q.version(year).scale]
        options = ("nej", "ja") if scale.yes_no else ("1", "2", "3", "4", "5", "6")
        groups = self.groups(sid)
        n = self.question_n(year, qid)
        constraints = []
        shown = self.shown(sid)
        scopes = [("samtliga", groups)] + ([] if shown == ["ingen"] else [(g, [g]) for g in shown])
        for label, gs in scopes:
            total_n = sum(n[g] for g in gs)
            if year == 2022 and (qid, label) in self.cat:
                for stat, p in self.cat[(qid, label)].items():
                    if stat == "n":
                        continue
                    lo, hi = percent_interval(p, total_n)
                    constraints.append((gs, category_options(stat), lo, hi))
            pk = self.kf.get((year, qid, label))
            if pk and "kf" in pk:
                kind = self.ins.key_figure_kind(qid, year)
                lo, hi = percent_interval(pk["kf"], total_n)
                constraints.append((gs, category_options(kind), lo, hi))
        target = {g: self.option_target(qid, self.desired_shares(year, qid, g if g in shown else "samtliga"), n[g])
                  for g in groups}
        sol = solve_counts(groups, n, options, constraints, target, extra_lower)
        if sol is None:
            raise SystemExit(f"calibration infeasible: {qid} {year} (n={n}, constraints={constraints})")
        return n, sol

    def solve_all(self):
        self.solution = {}
        for year in YEARS:
            for survey in self.ins.surveys_in(year):
                asked = self.ins.questions_asked(survey.id, year)
                for q, _v in asked:
                    # a question others depend on (Ja on question 8) needs enough
                    # of that answer in every group for all who answered them
                    dependants = [d for d, _ in asked if d.condition and d.condition.question == q.id]
                    extra = []
                    for g in self.groups(survey.id):
                        need = max((self.question_n(year, d.id)[g] for d in dependants), default=0)
                        if need:
                            extra.append((g, (dependants[0].condition.answer.lower(),), need))
                    self.solution[(year, q.id)] = self.solve_question(year, q.id, extra)
        return self.solution

    # --- förbund ---------------------------------------------------------------
    def participation(self):
        """{year: {forbund: {survey: responses}}} and the set of förbund new in 2022."""
        b1 = self.pub[self.pub["table"] == "B1"]
        names = [f for f in dict.fromkeys(b1.loc[b1["forbund"] != "", "forbund"])]
        new = set(b1.loc[b1["statistic"] == "nytt_forbund", "forbund"])
        core = [f for f in names if f not in new]
        usage22 = {}
        for f in names:
            rows = b1[(b1["forbund"] == f) & (b1["statistic"] == "antal_svar")]
            usage22[f] = {r["respondent"]: int(r["value"]) for _, r in rows.iterrows() if r["value"] != "-"}
        # who took part each year
        late = core[-3:]  # three förbund that joined after 2018
        sets = {
            2022: names,
            2021: core + DROPPED_2021,
            2020: [f for f in core if f != late[0]] + DROPPED_2021 + OTHER_EARLY,
            2019: [f for f in core if f not in late[:2]] + DROPPED_2021[:-1] + LEFT_2020 + OTHER_EARLY[:1],
            2018: [f for f in core if f not in late] + DROPPED_2021 + LEFT_2020 + OTHER_EARLY[:2],
        }
        for y, s in sets.items():
            assert len(set(s)) == TARGET_FORBUND_COUNT[y], (y, len(set(s)))
        # a size profile per förbund: its 2022 counts, or a draw from them
        profile = {}
        for f in sorted(set().union(*sets.values())):
            if f in usage22 and f not in new:
                profile[f] = dict(usage22[f])
            else:
                donor = usage22[names[int(self.rng.integers(len(names)))]]
                profile[f] = {s: max(1, int(v * self.rng.uniform(0.6, 1.4))) for s, v in donor.items()}
            profile[f].setdefault("deltagare_pagaende", int(self.rng.integers(10, 60)))
        plan = {2022: usage22}
        for year in (2021, 2020, 2019, 2018):
            plan[year] = {}
            surveys = [s.id for s in self.ins.surveys_in(year)]
            for sid in surveys:
                if sid == "remittent":
                    users = [f for f in sets[year] if profile[f].get("remittent")]
                    users = users[: max(8, len(users) - 2)]
                else:
                    users = [f for f in sets[year] if profile[f].get(sid)]
                    if sid == "deltagare_pagaende":
                        users = list(sets[year])
                total = sum(self.resp[year][sid].values())
                weights = [profile[f].get(sid, 5) * self.rng.uniform(0.7, 1.3) for f in users]
                counts = allocate(total, weights, [1] * len(users))
                for f, c in zip(users, counts):
                    plan[year].setdefault(f, {})[sid] = int(c)
            for f in sets[year]:
                plan[year].setdefault(f, {"deltagare_pagaende": 1})
        self.plan = plan
        self.effect = {f: self.rng.normal(0, 0.45) for f in profile}
        return plan

    # --- dealing answers to respondents ------------------------------------------
    def respondents(self, year, sid):
        """Rows (forbund, group, latent) for one survey and year."""
        groups = self.groups(sid)
        totals = self.resp[year][sid]
        labels = []
        for g in groups:
            labels += [g] * totals[g]
        labels = np.array(labels, dtype=object)
        self.rng.shuffle(labels)
        forbund = []
        for f in sorted(self.plan[year]):
            forbund += [f] * self.plan[year][f].get(sid, 0)
        assert len(forbund) == len(labels), (year, sid, len(forbund), len(labels))
        latent = np.array([self.effect[f] for f in forbund]) + self.rng.normal(0, 1, len(forbund))
        return pd.DataFrame({"forbund": forbund, "group": labels, "latent": latent})

    def deal(self, year, sid):
        rows = self.respondents(year, sid)
        answers = {}
        asked = self.ins.questions_asked(sid, year)
        for q, v in asked:
            n, sol = self.solution[(year, q.id)]
            col = np.full(len(rows), None, dtype=object)
            for g in self.groups(sid):
                idx = np.flatnonzero(rows["group"].to_numpy() == g)
                if q.condition:
                    cond_col = answers[self.ins.condition_number(q.id, year)]
                    idx = idx[cond_col[idx] == q.condition.answer]
                values = []
                for o, c in sol[g].items():
                    values += [o] * c
                n_missing = len(idx) - len(values)
                assert n_missing >= 0, (year, q.id, g, len(idx), len(values))
                chosen = self.rng.permutation(idx)
                answered = np.sort(chosen[n_missing:])
                noise = rows["latent"].to_numpy()[answered] + self.rng.normal(0, 0.9, len(answered))
                order = answered[np.argsort(noise, kind="stable")]
                ranked = sorted(values, key=lambda o: ("nej", "1", "2", "3", "4", "5", "6", "ja").index(o))
                for r, o in zip(order, ranked):
                    col[r] = "Ja" if o == "ja" else "Nej" if o == "nej" else int(o)
            answers[v.number] = col
        self._fix_empty_rows(rows, answers, asked, year)
        return rows, answers

    def _fix_empty_rows(self, rows, answers, asked, year):
        """Swap answers so that no respondent is without any answer (that would not be a response)."""
        # questions that others depend on, and the dependants, are never swapped
        sources = {self.ins.condition_number(q.id, year) for q, _ in asked if q.condition}
        numbers = [v.number for q, v in asked if not q.condition]
        mat = np.array([[answers[n][i] is not None for n in numbers] for i in range(len(rows))])
        if not len(mat):
            return
        empty = np.flatnonzero(~mat.any(axis=1))
        groups = rows["group"].to_numpy()
        for r in empty:
            for j, num in enumerate(numbers):
                if num in sources:
                    continue
                donors = [s for s in np.flatnonzero((groups == groups[r]) & mat[:, j]) if mat[s].sum() >= 2]
                if donors:
                    s = donors[0]
                    answers[num][r], answers[num][s] = answers[num][s], None
                    mat[r, j], mat[s, j] = True, False
                    break
            else:
                raise SystemExit("could not fill an empty respondent row")

    # --- populations (asked from 2022) ------------------------------------
    def populations(self, year):
        if year < 2022:
            return {}
        pops = {}
        table2 = {}
        for sid in [s.id for s in self.ins.surveys_in(year)]:
            und = int(pub_value(self.pub, "2", "undersokt", sid, year=2022))
            mal = pub_value(self.pub, "2", "malpopulation", sid, year=2022)
            table2[sid] = (None if mal == "-" else int(mal), und)
        for sid, (mal, und) in table2.items():
            users = [f for f in sorted(self.plan[year]) if sid in self.plan[year][f]]
            got = np.array([self.plan[year][f][sid] for f in users])
            und_f = allocate(und, got * self.rng.uniform(0.1, 0.6, len(got)), got)
            mal_f = allocate(mal, und_f * self.rng.uniform(0.05, 0.9, len(got)), und_f) if mal else [None] * len(users)
            for f, m, u in zip(users, mal_f, und_f):
                pops.setdefault(f, {})[sid] = (None if m is None else int(m), int(u))
        return pops

    # --- everything ---------------------------------------------------------
    def run(self, out_dir: Path):
        self.totals()
        self.solve_all()
        self.participation()
        regs = {}
        for year in YEARS:
            pops = self.populations(year)
            for f in self.plan[year]:
                regs[(year, f)] = Registration(forbund=f, year=year, populations=pops.get(f, {}))
            for s in self.ins.surveys_in(year):
                users = [f for f in self.plan[year] if s.id in self.plan[year][f]]
                if not users:
                    continue
                rows, answers = self.deal(year, s.id)
                bg = self.ins.backgrounds.get(s.background) if s.background else None
                for f in users:
                    idx = np.flatnonzero(rows["forbund"].to_numpy() == f)
                    out = []
                    for k, i in enumerate(idx, start=1):
                        b = None
                        if bg is not None:
                            grp = bg.group(rows["group"].iat[i])
                            # an empty cell means "not stated"; write the explicit value half of the time
                            b = grp.value if (grp.id != bg.missing or self.rng.random() < 0.5) else None
                        out.append(Row(ident=str(k), background=b,
                                       answers={num: answers[num][i] for num in answers}))
                    regs[(year, f)].surveys[s.id] = out
        if out_dir.exists():
            shutil.rmtree(out_dir)
        for (year, f), reg in sorted(regs.items()):
            path = out_dir / str(year) / file_name(f, year)
            save_workbook(build_workbook(self.ins, f, year, reg), path)
        log.info("wrote %d registration files to %s", len(regs), out_dir)
        return regs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    Generator(args.seed).run(args.out)


if __name__ == "__main__":
    main()
