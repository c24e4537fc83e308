"""The context of every builder: the aggregated data, the scope, the run settings, and what may be shown."""
from __future__ import annotations

from dataclasses import dataclass, field

import nnsreport as nr
from nns import layer
from nns.config import Scope, Settings
from nns.disclosure import QUESTION, RESPONSES, Suppression, suppression
from nns.layer import Aggregated

#: The folder under the build cache that keeps each year's disclosure control (:func:`nns.disclosure.suppression`).
SUPPRESSION_STORE = "rojandeskydd"

__all__ = ["Context"]


@dataclass(frozen=True, eq=False)
class Context:
    """The aggregated data, the scope (year, riket or förbund) and the run settings.

    What may be shown comes from the year's disclosure control over every report of the year
    (:func:`nns.disclosure.suppression`); ``linked`` False (primary suppression in each report alone) exists
    only for testing the disclosure auditor.
    """

    agg: Aggregated
    scope: Scope
    settings: Settings
    linked: bool = True
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
        """Surveys the scope used (its sheet was in the registration file, with or without responses)."""
        y = self.year if year is None else year
        key = ("used", y, self.forbund)
        if key not in self._memo:
            r = layer.responses(self.agg, y, self.forbund)
            # used: the sheet was there, even with no responses (docs/registreringsfil.md)
            self._memo[key] = {s for (s, g) in r.index if g == nr.ALL} if len(r) else set()
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
            self._memo["riket"] = Context(self.agg, Scope(self.year), self.settings, self.linked)
        return self._memo["riket"]

    def qcounts(self, qid: str, year: int, forbund: str | None = None) -> dict:
        f = self.forbund if forbund is None else forbund
        key = ("q", qid, year, f)
        if key not in self._memo:
            self._memo[key] = layer.question_counts(self.agg, qid, year, f)
        return self._memo[key]

    def suppression(self, year: int) -> Suppression:
        # kept in the build cache, so that a build and its kernels compute a year's suppression once between them;
        # asked for every cell, so looked up once per context
        key = ("suppression", year)
        if key not in self._memo:
            self._memo[key] = suppression(self.agg, year, self.settings.min_answers, self.linked,
                                          store=self.settings.path("cache_dir") / SUPPRESSION_STORE)
        return self._memo[key]

    def shows(self, kind: str, key: str, row: str, column: str, year: int | None = None) -> bool:
        """May a cell of the year's linked tables be shown (a question's or a survey's respondents')?"""
        return self.suppression(self.year if year is None else year).shows((kind, key), row, column)

    def visible_groups(self, qid: str, year: int, forbund: str | None = None) -> dict:
        """{group: counts} of a question that may be shown, for the scope's förbund (or ``forbund``; RIKET: the nation).

        Samtliga and the groups a report shows (kvinnor, män; the employers), less the cells the year's
        disclosure control hides (the same cells in every report of the year).
        """
        f = self.forbund if forbund is None else forbund
        key = ("v", qid, year, f)
        if key not in self._memo:
            counts = self.qcounts(qid, year, f)
            survey = self.ins.survey(self.ins.question(qid).survey)
            shown = [nr.ALL] + ([g.id for g in self.ins.backgrounds[survey.background].shown_groups]
                                if survey.background else [])
            self._memo[key] = {g: counts[g] for g in shown
                               if g in counts and self.shows(QUESTION, qid, f, g, year)}
        return self._memo[key]

    def visible_responses(self, survey_id: str, forbund: str | None = None) -> dict[str, bool]:
        """{group: may it be shown} of a survey's respondents this year (tables 3 and 4)."""
        f = self.forbund if forbund is None else forbund
        survey = self.ins.survey(survey_id)
        groups = [g.id for g in self.ins.backgrounds[survey.background].groups] if survey.background else []
        return {g: self.shows(RESPONSES, survey_id, f, g) for g in groups}
