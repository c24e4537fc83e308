"""nnsreport: the rules of the NNS national indicator report.

Small pure functions, read top to bottom as the report's logic; none does I/O
or changes its input. Everything else (reading the data, building tables,
rendering) lives in the package :mod:`nns` beside this module.

1. answer codes and half-up rounding;
2. the categorisation of answers into negativt, varken, positivt and klart
   positivt, and the key figure (nyckeltal) each measure uses;
3. internal non-response;
4. the table-20 rule (sammanvägd utveckling);
5. the numbering of tables and diagrams;
6. names: Swedish sort order and safe file names;
7. uncertainty and comparison: intervals in whole percent, a statistically
   clear change, and the verdict of a förbund against the nation.

Examples
--------
>>> percent(1, 8)          # 12.5 % rounds up, as Excel does
13
>>> percent(5, 8)          # 62.5 % too
63
>>> sammanvagd_utveckling([3, 1])        # +4 over two measures: at the threshold
'okning'
>>> sammanvagd_utveckling([3, 0])
'varken'
"""
from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

__all__ = [
    "SIX_POINT", "YES", "NO", "MISSING", "ANSWERS", "NO_GROUP", "ALL", "COUNT_COLUMNS", "CATEGORIES",
    "percent", "percent_interval", "key_figure", "question_map", "category_counts",
    "nonresponse", "sammanvagd_utveckling", "direction", "mean_level", "UTVECKLING_LABELS", "measured_indicators", "table_prefix",
    "chart_numbers", "swedish_sort_key", "slug", "whole_percent", "clear_change", "BEDOMNINGAR", "BEDOMNING_LABELS",
    "bedomning",
]

# ---------------------------------------------------------------------------
# 1. Answer codes and rounding
# ---------------------------------------------------------------------------

#: Answer codes in the aggregated layer.
SIX_POINT = ("1", "2", "3", "4", "5", "6")
YES, NO, MISSING = "ja", "nej", "saknas"
ANSWERS = SIX_POINT + (YES, NO, MISSING)

#: The group a survey without background variable stores its rows under.
NO_GROUP = "ingen"
#: Every respondent of a survey, whatever their group.
ALL = "samtliga"

CATEGORIES = ("negativt", "varken", "positivt", "klart_positivt")
COUNT_COLUMNS = ["n", "negativt", "varken", "positivt", "klart_positivt", "ja", "nej", "saknas"]


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


# ---------------------------------------------------------------------------
# 2. Categorisation and key figures
# ---------------------------------------------------------------------------

def key_figure(row: dict, kind: str) -> int | None:
    """The key figure in whole percent: share of ``kind`` among those who answered.

    ``kind`` is ``klart_positivt`` (most indicators), ``positivt`` (indicator 7)
    or ``ja`` (a Ja/Nej question); the instrument says which
    (:meth:`nns.instrument.Instrument.key_figure_kind`).

    >>> key_figure({"n": 40, "klart_positivt": 21}, "klart_positivt")
    53
    """
    return percent(row[kind], row["n"])


def question_map(instrument, answers: pd.DataFrame) -> pd.DataFrame:
    """(year, survey, question number) → question id and whether it is a Ja/Nej question.

    The aggregated layer stores each year's question numbers; the instrument
    says which question a number was in that year.
    """
    rows = []
    for (year, survey), _ in answers.groupby(["year", "survey"]):
        for q, v in instrument.questions_asked(survey, int(year)):
            rows.append((int(year), survey, v.number, q.id, instrument.scales[v.scale].yes_no))
    return pd.DataFrame(rows, columns=["year", "survey", "question", "question_id", "yes_no"])


def category_counts(instrument, answers: pd.DataFrame) -> pd.DataFrame:
    """Counts per (year, forbund, survey, question_id, group) with the categories as columns.

    A six-point answer counts in the categories the instrument gives its option
    (negativt 1–2, varken 3, positivt 4–6, klart positivt 5–6); a Ja/Nej answer
    in ``ja`` or ``nej``. ``n`` is everyone who answered, ``saknas`` everyone who
    left the question unanswered. A ``samtliga`` row per question sums every
    group, including participants without stated gender and remittenter
    employed elsewhere.

    >>> from nns.instrument import load_instrument
    >>> a = pd.DataFrame({"year": 2022, "forbund": "X", "survey": "personal", "question": 1, "group": "ingen",
    ...                   "answer": ["2", "3", "5", "6", "saknas"], "count": [1, 1, 2, 1, 1]})
    >>> c = category_counts(load_instrument(), a).loc[(2022, "X", "personal", "personal.1", "samtliga")]
    >>> {k: int(v) for k, v in c.items()}
    {'n': 5, 'negativt': 1, 'varken': 1, 'positivt': 3, 'klart_positivt': 3, 'ja': 0, 'nej': 0, 'saknas': 1}
    """
    qmap = question_map(instrument, answers)
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
    for name in CATEGORIES:
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


# ---------------------------------------------------------------------------
# 3. Internal non-response
# ---------------------------------------------------------------------------

def nonresponse(eligible: int, answered: int) -> tuple[int, int | None]:
    """(missing, share in whole percent) of those who should have answered a question.

    ``eligible`` is the survey's responses, or, for a question asked only after
    a given answer (closing-survey questions 9 and 10 after Ja on 8), the number
    who gave that answer.

    >>> nonresponse(200, 190)
    (10, 5)
    >>> nonresponse(0, 0)
    (0, None)
    """
    missing = max(eligible - answered, 0)
    return missing, (percent(missing, eligible) if eligible else None)


# ---------------------------------------------------------------------------
# 4. The table-20 rule: sammanvägd utveckling
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


def direction(change: int, points: int = 2) -> str:
    """The direction of one measure's change in key figure: the table-20 threshold for a single measure.

    A change of at least ``points`` percentage points is an increase ("okning") or a decrease ("minskning");
    a smaller one is neither ("varken"). The report's sentences about changes over time use this rule.

    >>> direction(3), direction(-2), direction(1)
    ('okning', 'minskning', 'varken')
    """
    return sammanvagd_utveckling([change], points)


def mean_level(values: list[int]) -> int | None:
    """The mean of key figures (whole percent), rounded half up; None for none.

    >>> mean_level([80, 75]), mean_level([]) is None
    (78, True)
    """
    if not values:
        return None
    return (2 * sum(values) + len(values)) // (2 * len(values))


UTVECKLING_LABELS = {
    "okning": "Ökning",
    "minskning": "Minskning",
    "varken": "Varken ökning eller minskning",
}


# ---------------------------------------------------------------------------
# 5. Numbering of tables and diagrams
# ---------------------------------------------------------------------------

def measured_indicators(instrument, year: int) -> list:
    """Indicators with at least one survey measure asked in ``year``."""
    return [
        ind for ind in instrument.indicators
        if any(instrument.question(m).version(year) for m in ind.measures)
    ]


def table_prefix(measured: list[int], number: int, first: int) -> int | None:
    """The table number of an indicator: the measured indicators are numbered from ``first`` on.

    The tables before the indicators (1–4 in the 2022 report) decide ``first``;
    an indicator without measures that year has no tables.

    >>> table_prefix([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12], 12, 5)
    15
    >>> table_prefix([1, 2, 3], 11, 5) is None
    True
    """
    return first + measured.index(number) if number in measured else None


def chart_numbers(kinds_per_indicator: list[int], first: int = 1) -> list[list[str]]:
    """Diagram numbers: one number per indicator with charts; an indicator with charts of
    several kinds of key figure numbers them n.1, n.2.

    >>> chart_numbers([1, 2, 1])
    [['1'], ['2.1', '2.2'], ['3']]
    """
    out = []
    for i, kinds in enumerate(kinds_per_indicator):
        n = first + i
        out.append([str(n)] if kinds == 1 else [f"{n}.{j}" for j in range(1, kinds + 1)])
    return out


# ---------------------------------------------------------------------------
# 6. Names
# ---------------------------------------------------------------------------

_SWEDISH_ORDER = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyzåäö")}


def swedish_sort_key(text: str):
    """Sort key that puts å, ä, ö after z, as Swedish lists do.

    >>> sorted(["Östra", "Arvika", "Älvsby", "Åre", "Väst"], key=swedish_sort_key)
    ['Arvika', 'Väst', 'Åre', 'Älvsby', 'Östra']
    """
    return [(_SWEDISH_ORDER.get(ch, 100 + ord(ch)), ch) for ch in text.lower()]


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
# 7. Uncertainty and comparison
# ---------------------------------------------------------------------------

def whole_percent(share: float) -> int:
    """A share (0.785) or a difference of shares (-0.025) in whole percent (points), half away from zero
    as Excel's ROUND does.

    Rounds the share as written (its shortest decimal form), so that 0.285 is 28.5 % and gives 29, as
    :func:`percent` gives 57 of 200.

    >>> whole_percent(0.285), whole_percent(0.7849), whole_percent(1.0)
    (29, 78, 100)
    >>> whole_percent(-0.025), whole_percent(-0.0249), whole_percent(0.0)
    (-3, -2, 0)
    """
    return int((Decimal(repr(float(share))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def clear_change(lower: float, upper: float) -> str:
    """A statistically clear change: the interval of a difference lies wholly above zero ("okning") or
    wholly below it ("minskning"); otherwise "varken". An interval that touches zero is not clear.

    >>> clear_change(0.004, 0.061), clear_change(-0.09, -0.01), clear_change(-0.02, 0.05), clear_change(0.0, 0.04)
    ('okning', 'minskning', 'varken', 'varken')
    """
    if lower > 0:
        return "okning"
    if upper < 0:
        return "minskning"
    return "varken"


#: The verdicts of a förbund's key figure against the nation's, in the order they are listed.
BEDOMNINGAR = ("battre", "samre", "som_forvantat", "for_fa_svar")
#: The verdicts as a table prints them (the column says "Bedömning"; text says "bättre än förväntat").
BEDOMNING_LABELS = {
    "battre": "Bättre",
    "samre": "Sämre",
    "som_forvantat": "Som förväntat",
    "for_fa_svar": "För få svar",
}


def bedomning(share: float, n: int, lower: float, upper: float, min_answers: int) -> str:
    """The verdict of a förbund's key figure (``share`` of ``n`` answers) against the funnel's control
    limits at its ``n`` (``lower``, ``upper``, shares): above them "battre", below them "samre", between
    them (or on them) "som_forvantat"; with fewer than ``min_answers`` answers no verdict, "for_fa_svar".

    The verdict compares the unrounded share with the unrounded limits.

    >>> bedomning(0.92, 60, 0.64, 0.90, 20), bedomning(0.55, 60, 0.64, 0.90, 20)
    ('battre', 'samre')
    >>> bedomning(0.90, 60, 0.64, 0.90, 20), bedomning(1.0, 12, 0.40, 0.95, 20)
    ('som_forvantat', 'for_fa_svar')
    """
    if n < min_answers:
        return "for_fa_svar"
    if share > upper:
        return "battre"
    if share < lower:
        return "samre"
    return "som_forvantat"
