"""Colours: one per respondent group (survey), from the instrument, the same in every chart and table."""
from __future__ import annotations

__all__ = ["survey_colours", "colour_of", "shade", "FALLBACK"]

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
