"""Swedish number and text formatting for tables and prose.

>>> fmt_int(3967)
'3\\xa0967'
>>> fmt_pct(52), fmt_pct("-")
('52\\xa0%', '–')
>>> join_sv(["1", "2", "3"])
'1, 2 och 3'
>>> number_word(6), number_word(14)
('sex', '14')
"""
from __future__ import annotations

import re
import string

NBSP = "\u00a0"

#: What Typst's markup still turns into another character after pandoc's Typst writer has escaped a text
#: (pandoc 3.9 escapes "--" but not these): "..." (an ellipsis), "-" before a digit (a minus sign), "-?"
#: (a soft hyphen).
_TYPST_SHORTHAND = re.compile(r"\.{3,}|-(?=[0-9?])")
_ESCAPED = {c: "\\" + c for c in string.punctuation}


def _escape(text: str) -> str:
    return "".join(_ESCAPED.get(c, c) for c in text)


def markdown_literal(text: str) -> str:
    r"""``text`` as pandoc Markdown that every output shows exactly as written.

    Data (a förbund's name) put into Markdown or metadata must not be read as
    Markdown: pandoc's smart typography would turn ``--`` and ``...`` into a
    dash and an ellipsis, ``'`` into a curly quote, and ``*``, ``_``, ``[`` or
    ``<`` would start markup. Pandoc's Markdown lets a backslash escape any ASCII
    punctuation, so every one is escaped. Where Typst would still read a
    shorthand in what pandoc writes for it (see ``_TYPST_SHORTHAND``), those
    characters go in as raw HTML and raw Typst, one per output format (each
    writer keeps its own and drops the other); a new output format needs its
    raw form here.

    >>> print(markdown_literal("Nord/../x--y...z O'Hara *1*"))
    Nord\/\.\.\/x\-\-y`...`{=html}`\.\.\.`{=typst}z O\'Hara \*1\*
    """
    out, last = [], 0
    for m in _TYPST_SHORTHAND.finditer(text):
        out.append(_escape(text[last:m.start()]))
        out.append(f"`{m.group()}`{{=html}}`{_escape(m.group())}`{{=typst}}")
        last = m.end()
    out.append(_escape(text[last:]))
    return "".join(out)


#: How a missing figure prints (nothing to report, not asked, not used): an en dash, as Swedish official
#: statistics mark it ("–": inget finns att redovisa).
MISSING = "–"


def fmt_int(value) -> str:
    """A whole number with a (non-breaking) space as thousands separator, as Swedish text has it."""
    if value is None or value == "-":
        return MISSING
    n = int(value)
    sign = "−" if n < 0 else ""
    digits = f"{abs(n):,}".replace(",", NBSP)
    return f"{sign}{digits}"


def fmt_pct(value) -> str:
    """A whole percent with a non-breaking space before the sign, in tables, text and charts alike
    ('78 %': Språkrådet's and SCB's way; the number and its sign never part at a line end)."""
    if value is None or value == "-":
        return MISSING
    return f"{int(value)}{NBSP}%"


_UNIT_AFTER_NUMBER = re.compile(r"(\d) (%|procent|procentenheter|st\b)")
_DIGIT_GROUPS = re.compile(r"(?<![\d,.])(\d{1,3})((?: \d{3})+)(?![\d,])")


def nonbreaking(text: str) -> str:
    """An analyst's text with the spaces that must not break made non-breaking, as the computed text has
    them: between a number and its unit ('69 %'), and between a number's digit groups ('1 650').

    >>> nonbreaking("69 % av 1 650 svar, 2 procentenheter") == "69\xa0% av 1\xa0650 svar, 2\xa0procentenheter"
    True
    >>> nonbreaking("år 2021 2022") == "år 2021 2022"
    True
    """
    text = _UNIT_AFTER_NUMBER.sub(lambda m: f"{m.group(1)}{NBSP}{m.group(2)}", text)
    return _DIGIT_GROUPS.sub(lambda m: m.group(1) + m.group(2).replace(" ", NBSP), text)


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
