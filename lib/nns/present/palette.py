"""Colours: one per respondent group (survey), from the instrument, the same in every chart and table."""
from __future__ import annotations

__all__ = ["survey_colours", "colour_of", "shade", "FALLBACK", "contrast", "legible", "TEXT_CONTRAST", "LINE_CONTRAST"]

#: WCAG 2.1 AA: text against its background (1.4.3), and lines and marks that carry meaning (1.4.11).
TEXT_CONTRAST = 4.5
LINE_CONTRAST = 3.0

#: The colour of a series whose survey has none (should not happen: the instrument requires one).
FALLBACK = "#444444"


def survey_colours(instrument) -> dict[str, str]:
    """{survey id: colour} from the instrument.

    >>> from nns.instrument import load_instrument
    >>> survey_colours(load_instrument())["personal"]
    '#009E73'
    """
    return {s.id: s.colour for s in instrument.surveys}


def colour_of(colours: dict[str, str], survey_id: str) -> str:
    return colours.get(survey_id, FALLBACK)


def shade(colour: str, step: int) -> str:
    """The colour darkened a little per step (a second question of the same respondent group).

    >>> shade("#0072B2", 0), shade("#0072B2", 1)
    ('#0072B2', '#004f7c')
    """
    if step <= 0:
        return colour
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    f = 0.7 ** step
    return f"#{int(r * f):02x}{int(g * f):02x}{int(b * f):02x}"


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two colours (1 to 21).

    >>> round(contrast("#000000"), 1), round(contrast("#F0E442"), 2)
    (21.0, 1.32)
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def legible(colour: str, ratio: float = TEXT_CONTRAST, background: str = "#ffffff") -> str:
    """The colour, darkened just enough to reach ``ratio`` against the background (unchanged if it does).

    The hue stays, so a label still reads as its line's.

    >>> legible("#E69F00"), contrast(legible("#E69F00")) >= 4.5
    ('#9e6d00', True)
    >>> legible("#000000")
    '#000000'
    """
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    f = 1.0
    out = colour
    while contrast(out, background) < ratio and f > 0:
        f -= 0.01
        out = f"#{int(r * f):02x}{int(g * f):02x}{int(b * f):02x}"
    return out
