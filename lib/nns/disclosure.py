"""Disclosure control: which figures may be shown without revealing small groups.

The rule and its reasons are described in docs/disclosure.md. No figure
computed from 1 to ``min_answers`` − 1 answers is shown, and no split is shown
from which such a group could be recovered by subtraction.
"""
from __future__ import annotations

import nnsreport as nr

__all__ = ["suppress", "riket_visible", "split_hidden"]


def riket_visible(national_n: int, own_n: int, own_shown: bool, min_answers: int) -> bool:
    """May a förbund's report show the nation's figure for a group?

    Not when the rest of the nation (national minus the förbund) has 1 to
    ``min_answers`` − 1 answers: subtracting the förbund's own figure would
    reveal them. Not when the nation is the förbund alone and the förbund's own
    figure is hidden.

    >>> riket_visible(1000, 20, True, 5), riket_visible(22, 20, True, 5), riket_visible(3, 3, False, 5)
    (True, False, False)
    >>> riket_visible(3, 3, True, 5)      # the nation is the förbund, which is shown anyway
    True
    """
    rest = national_n - own_n
    if 0 < rest < min_answers:
        return False
    if rest == 0 and not own_shown and own_n > 0:
        return False
    return True


def suppress(ins, qid: str, groups: dict, min_answers: int) -> dict:
    """Which groups of a question may be shown, by the anonymity rule.

    A group with fewer than ``min_answers`` answers is hidden. A gender or
    employer split is shown only when every shown group has enough answers and
    the groups not shown (no stated gender, another employer) are either empty
    or large enough too; otherwise the hidden group could be recovered by
    subtraction from samtliga, and only samtliga is shown.

    >>> from nns.instrument import load_instrument
    >>> ins = load_instrument()
    >>> g = {"samtliga": {"n": 12}, "kvinnor": {"n": 8}, "man": {"n": 3}, "ej_angett": {"n": 1}}
    >>> sorted(suppress(ins, "deltagare_pagaende.1", g, 5))
    ['samtliga']
    >>> g = {"samtliga": {"n": 20}, "kvinnor": {"n": 10}, "man": {"n": 10}, "ej_angett": {"n": 0}}
    >>> sorted(suppress(ins, "deltagare_pagaende.1", g, 5))
    ['kvinnor', 'man', 'samtliga']
    """
    if min_answers <= 0:
        return dict(groups)
    total = groups.get(nr.ALL)
    if not total or total["n"] < min_answers:
        return {}
    survey = ins.survey(qid.split(".")[0])
    if not survey.background:
        return {nr.ALL: total}
    bg = ins.backgrounds[survey.background]
    shown = [g.id for g in bg.shown_groups]
    hidden = [g.id for g in bg.groups if not g.shown]
    split_ok = all(groups.get(g, {"n": 0})["n"] >= min_answers for g in shown)
    rest = sum(groups.get(g, {"n": 0})["n"] for g in hidden)
    split_ok &= rest == 0 or rest >= min_answers
    out = {nr.ALL: total}
    if split_ok:
        out.update({g: groups[g] for g in shown})
    return out




def split_hidden(counts: dict[str, int], min_answers: int) -> bool:
    """Must a split of a survey's respondents into groups (tables 3 and 4) be hidden?

    Yes when any group has 1 to ``min_answers`` − 1 respondents.

    >>> split_hidden({"kvinnor": 10, "man": 8, "ej_angett": 2}, 5), split_hidden({"kvinnor": 10, "man": 0}, 5)
    (True, False)
    """
    return any(0 < v < min_answers for v in counts.values())
