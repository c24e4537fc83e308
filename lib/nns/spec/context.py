"""The context of every builder: the aggregated data, the scope, the run settings, and what may be shown."""
from __future__ import annotations

from dataclasses import dataclass, field

import nnsreport as nr
from nns import layer
from nns.config import RIKET, Scope, Settings
from nns.disclosure import riket_visible, suppress
from nns.layer import Aggregated

__all__ = ["Context"]


@dataclass(frozen=True, eq=False)
class Context:
    """The aggregated data, the scope (year, riket or förbund) and the run settings."""

    agg: Aggregated
    scope: Scope
    settings: Settings
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def ins(self):
        return self.agg.instrument

    @property
    def year(self) -> int:
        return self.scope.year

    @property
    def forbund(self) -> str:
        return self.scope.forbund

    @property
    def local(self) -> bool:
        return self.scope.local

    def used_surveys(self, year: int | None = None) -> set[str]:
        """Surveys with at least one response in the scope (all surveys asked, for the nation)."""
        y = self.year if year is None else year
        key = ("used", y, self.forbund)
        if key not in self._memo:
            r = layer.responses(self.agg, y, self.forbund)
            self._memo[key] = {s for (s, g), n in r["responses"].items() if g == nr.ALL and n > 0} if len(r) else set()
        return self._memo[key]

    def measures(self, ind) -> list[str]:
        """The indicator's measures asked this year; for a förbund only those of surveys it used."""
        out = [m for m in ind.measures if self.ins.question(m).version(self.year)]
        if self.local:
            used = self.used_surveys()
            out = [m for m in out if self.ins.question(m).survey in used]
        return out

    def responses(self, survey_id: str, group: str = nr.ALL, forbund: str | None = None, year: int | None = None) -> int:
        """Responses to a survey (one group of it) in the scope, or the given förbund (RIKET: the nation)."""
        return layer.survey_responses(self.agg, self.year if year is None else year, survey_id, group,
                                      self.forbund if forbund is None else forbund)

    def riket(self) -> Context:
        if "riket" not in self._memo:
            self._memo["riket"] = Context(self.agg, Scope(self.year), self.settings)
        return self._memo["riket"]

    def qcounts(self, qid: str, year: int, forbund: str | None = None) -> dict:
        f = self.forbund if forbund is None else forbund
        key = ("q", qid, year, f)
        if key not in self._memo:
            self._memo[key] = layer.question_counts(self.agg, qid, year, f)
        return self._memo[key]

    def visible_groups(self, qid: str, year: int, forbund: str | None = None) -> dict:
        """{group: counts} that may be shown.

        The förbund's own figures after suppression; the nation in full in the
        national report. In a förbund's report the nation's figure for a group
        is hidden too when it rests almost only on the förbund's answers, or
        when the rest of the nation is so small that subtracting the förbund
        would reveal it (see :func:`riket_visible`).
        """
        f = self.forbund if forbund is None else forbund
        key = ("v", qid, year, f)
        if key not in self._memo:
            if f:
                shown = suppress(self.ins, qid, self.qcounts(qid, year, f), self.settings.min_answers)
            else:
                shown = dict(self.qcounts(qid, year, RIKET))
                if self.local:
                    own = self.qcounts(qid, year, self.forbund)
                    own_shown = self.visible_groups(qid, year, self.forbund)
                    shown = {g: c for g, c in shown.items()
                             if riket_visible(c["n"], own.get(g, {}).get("n", 0), g in own_shown,
                                              self.settings.min_answers)}
            self._memo[key] = shown
        return self._memo[key]

