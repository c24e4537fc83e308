"""Cell values as messages show them, and the small tests every reader applies to a cell."""
from __future__ import annotations

import datetime as _dt
import unicodedata

from openpyxl.utils.cell import get_column_letter

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
YES_NO_VARIANTS = {"ja": "Ja", "nej": "Nej"}


def cell_ref(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def clean(text: str, limit: int = 60) -> str:
    """Text from a file made safe to print: control characters escaped, long text cut."""
    out = "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" if ord(ch) < 256
                  else f"\\u{ord(ch):04x}" for ch in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def shown(value) -> str:
    """A cell value as the message shows it.

    >>> shown("fyra"), shown(4.0), shown(3.5), shown(True), shown(None)
    ("'fyra'", '4', '3.5', 'SANT', 'tom')
    """
    if value is None:
        return "tom"
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, str):
        return f"'{clean(value)}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    return clean(str(value))


def nfkc(text: str) -> str:
    """Text in Unicode normal form NFKC: full-width and other compatibility forms ('Ｊ', '５', a
    no-break space) become the ordinary characters, and a letter stored as a base letter and a
    separate accent (as macOS stores names) becomes one character.

    >>> nfkc("Ｊämtland")
    'Jämtland'
    >>> nfkc("Deltagare pa\\u030ag\\u00e5ende") == "Deltagare pågående"
    True
    """
    return unicodedata.normalize("NFKC", text)


def unusual_characters(text: str) -> str:
    """What :func:`nfkc` changes in ``text``, in a message's words.

    >>> unusual_characters("Ｊämtland")
    "tecknet 'Ｊ' (U+FF2A)"
    >>> unusual_characters("Deltagare pa\\u030agående")
    'bokstäver lagrade som bokstav och separat accenttecken (som macOS sparar dem)'
    """
    wide = list(dict.fromkeys(f"'{clean(ch)}' (U+{ord(ch):04X})" for ch in text
                              if not unicodedata.combining(ch) and nfkc(ch) != ch))
    parts = []
    if wide:
        parts.append(f"{'tecknet' if len(wide) == 1 else 'tecknen'} {', '.join(wide)}")
    if any(unicodedata.combining(ch) for ch in text) and unicodedata.normalize("NFC", text) != text:
        parts.append("bokstäver lagrade som bokstav och separat accenttecken (som macOS sparar dem)")
    return " och ".join(parts) or "tecken i ovanlig Unicode-form"


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def is_formula(value) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def formula_text(value) -> str:
    return clean(value if isinstance(value, str) else str(getattr(value, "text", "") or "=…"))


def excel_ref(sheet: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted when it has spaces or signs.

    >>> excel_ref("Personal"), excel_ref("Deltagare pågående"), excel_ref("Personal.csv")
    ('Personal', "'Deltagare pågående'", 'Personal.csv')
    """
    plain = sheet and not sheet[0].isdigit() and all(ch.isalnum() or ch in "_." for ch in sheet)
    return sheet if plain else "'" + sheet.replace("'", "''") + "'"

