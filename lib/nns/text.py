"""Swedish number and text formatting for tables and prose.

>>> fmt_int(3967)
'3\\xa0967'
>>> fmt_pct(52), fmt_pct(52, prose=True)
('52%', '52\\xa0%')
>>> join_sv(["1", "2", "3"])
'1, 2 och 3'
>>> number_word(6), number_word(14)
('sex', '14')
"""
from __future__ import annotations

NBSP = "\u00a0"


def fmt_int(value) -> str:
    """A whole number with a (non-breaking) space as thousands separator, as Swedish text has it."""
    if value is None or value == "-":
        return "-"
    n = int(value)
    sign = "−" if n < 0 else ""
    digits = f"{abs(n):,}".replace(",", NBSP)
    return f"{sign}{digits}"


def fmt_pct(value, prose: bool = False) -> str:
    """A whole percent: '78%' in tables (as the report prints them), '78 %' in running text."""
    if value is None or value == "-":
        return "-"
    return f"{int(value)}{NBSP if prose else ''}%"


def fmt_signed(value: int) -> str:
    """A change in percentage points with its sign: '+3', '−2', '0'."""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{abs(value)}"
    return "0"


def join_sv(items) -> str:
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " och " + items[-1]


_WORDS = ["noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv"]


def number_word(n: int, neuter: bool = False) -> str:
    """Numbers up to twelve as words, as Swedish prose writes them; larger as digits."""
    if 0 <= n < len(_WORDS):
        if n == 1 and neuter:
            return "ett"
        return _WORDS[n]
    return fmt_int(n)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
