"""The NNS indicator instrument, loaded from data/instrument.yaml into frozen dataclasses.

The instrument is data: surveys, questions with their history, scales,
background variables and indicators. This module only reads and checks it;
what the report does with it lives in :mod:`nnsreport`.

Examples
--------
>>> ins = load_instrument()
>>> len(ins.surveys), len(ins.questions), len(ins.indicators)
(6, 45, 16)
>>> q = ins.question("chefsgrupp.3")
>>> q.version(2020).number, q.version(2022).number
(2, 3)
>>> q.compare_from(2022)          # reworded in 2021 but still compared
2018
>>> ins.question("deltagare_pagaende.4").compare_from(2022)   # replaced in 2021
2021
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nns.errors import InstrumentError
from nns.text import join_sv

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "instrument.yaml"

SCALE_KINDS = ("sexgradig", "janej")
CATEGORIES = ("negativt", "varken", "positivt", "klart_positivt")


@dataclass(frozen=True)
class Scale:
    id: str
    kind: str
    options: tuple[str, ...]

    @property
    def yes_no(self) -> bool:
        return self.kind == "janej"


@dataclass(frozen=True)
class Group:
    """One value of a background variable (a gender, an employer)."""

    id: str
    value: str
    label: str
    table_label: str
    shown: bool


@dataclass(frozen=True)
class Background:
    id: str
    label: str
    groups: tuple[Group, ...]
    missing: str

    def group(self, group_id: str) -> Group:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)

    @property
    def shown_groups(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.shown)


@dataclass(frozen=True)
class Survey:
    id: str
    name: str
    table_label: str
    measure_label: str
    plural: str
    sheet: str
    background: str | None
    participant: bool
    target_population: bool
    from_year: int
    colour: str
    in_text: str = ""         # "i avslutsenkäten", "till personal"
    series_label: str = ""    # the survey in a chart legend: "Avslut", "Personal"
    who: str = ""             # the respondents in a caption: "avslutade deltagare", "personal"


@dataclass(frozen=True)
class Version:
    """How a question was asked from ``from_year`` until the next version."""

    from_year: int
    number: int
    scale: str
    text: str
    comparable: bool


@dataclass(frozen=True)
class Condition:
    """A question answered only after a given answer to another question.

    ``question`` is the other question's identity (``deltagare_avslut.8``), never
    one year's number: renumbering a survey cannot repoint the condition.
    """

    question: str
    answer: str


@dataclass(frozen=True)
class Question:
    id: str
    survey: str
    versions: tuple[Version, ...]
    condition: Condition | None

    def version(self, year: int) -> Version | None:
        """The version asked in ``year``; None before the question existed."""
        current = None
        for v in self.versions:
            if v.from_year <= year:
                current = v
        return current

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def from_year(self) -> int:
        return self.versions[0].from_year

    def compare_from(self, year: int) -> int | None:
        """First year whose key figure can be compared with ``year``'s.

        Walks back through the versions while each is declared comparable with
        the one before it.
        """
        v = self.version(year)
        if v is None:
            return None
        idx = self.versions.index(v)
        while idx > 0 and self.versions[idx].comparable:
            idx -= 1
        return self.versions[idx].from_year

    def changes(self) -> list[tuple[Version, Version]]:
        """Pairs (before, after) of consecutive versions."""
        return list(zip(self.versions, self.versions[1:]))


@dataclass(frozen=True)
class Reference:
    """A source the report cites: the reference as printed (Markdown, as written in the data) and its
    address, if it is on the web."""

    text: str
    url: str = ""

    def markdown(self) -> str:
        """The reference as Markdown: a link when the source has an address."""
        return f"[{self.text}]({self.url})" if self.url else self.text


@dataclass(frozen=True)
class Indicator:
    number: int
    short: str
    text: str
    key_figure: str
    measures: tuple[str, ...]
    register_study: str | None
    #: what the indicator rests on (a sentence the chapter prints) and the source it cites
    background: str | None = None
    reference: Reference | None = None


@dataclass(frozen=True)
class Instrument:
    scales: dict
    categories: dict
    backgrounds: dict
    surveys: tuple[Survey, ...]
    questions: dict
    indicators: tuple[Indicator, ...]
    path: str

    def survey(self, survey_id: str) -> Survey:
        for s in self.surveys:
            if s.id == survey_id:
                return s
        raise KeyError(survey_id)

    def question(self, question_id: str) -> Question:
        return self.questions[question_id]

    def indicator(self, number: int) -> Indicator:
        for ind in self.indicators:
            if ind.number == number:
                return ind
        raise KeyError(number)

    def scale_of(self, question_id: str, year: int) -> Scale | None:
        v = self.question(question_id).version(year)
        return None if v is None else self.scales[v.scale]

    def questions_asked(self, survey_id: str, year: int) -> list[tuple[Question, Version]]:
        """The questions of a survey as asked in ``year``, in that year's numbering."""
        asked = []
        for q in self.questions.values():
            if q.survey != survey_id:
                continue
            v = q.version(year)
            if v is not None:
                asked.append((q, v))
        return sorted(asked, key=lambda qv: qv[1].number)

    def question_by_number(self, survey_id: str, year: int, number: int) -> Question | None:
        for q, v in self.questions_asked(survey_id, year):
            if v.number == number:
                return q
        return None

    def surveys_in(self, year: int) -> list[Survey]:
        return [s for s in self.surveys if s.from_year <= year]

    def indicator_of(self, question_id: str) -> Indicator | None:
        for ind in self.indicators:
            if question_id in ind.measures:
                return ind
        return None

    def condition_number(self, question_id: str, year: int) -> int | None:
        """The number, in ``year``'s numbering, of the question a conditional question depends on."""
        cond = self.question(question_id).condition
        if cond is None:
            return None
        v = self.question(cond.question).version(year)
        return None if v is None else v.number

    def dependants(self, question_id: str, year: int) -> list[str]:
        """The questions asked in ``year`` only after a given answer to ``question_id``."""
        q = self.question(question_id)
        return [d.id for d, _ in self.questions_asked(q.survey, year)
                if d.condition is not None and d.condition.question == question_id]

    def conditional_questions(self, year: int) -> list[tuple[str, str]]:
        """(condition question id, dependant question id) for every condition in ``year``."""
        return [(q.condition.question, q.id) for s in self.surveys_in(year) for q, _ in self.questions_asked(s.id, year)
                if q.condition is not None]

    def yes_no_questions(self, year: int) -> list[str]:
        """The questions answered Ja/Nej in ``year``, in survey order."""
        return [q.id for s in self.surveys_in(year) for q, v in self.questions_asked(s.id, year)
                if self.scales[v.scale].yes_no]

    def question_phrase(self, question_id: str, year: int) -> str:
        """The question as running text names it, in ``year``'s numbering: "fråga 8 i avslutsenkäten"."""
        q = self.question(question_id)
        return f"fråga {q.version(year).number} {self.survey(q.survey).in_text}"

    def questions_phrase(self, question_ids: list[str], year: int) -> str:
        """Several questions in running text, grouped by survey: "frågorna 9 och 10 i avslutsenkäten".

        Empty when there are none.
        """
        by_survey: dict[str, list[int]] = {}
        for qid in question_ids:
            q = self.question(qid)
            by_survey.setdefault(q.survey, []).append(q.version(year).number)
        parts = []
        for sid, numbers in by_survey.items():
            word = "fråga" if len(numbers) == 1 else "frågorna"
            parts.append(f"{word} {join_sv(sorted(numbers))} {self.survey(sid).in_text}")
        return join_sv(parts)

    def key_figure_kind(self, question_id: str, year: int) -> str:
        """``ja`` for a Ja/Nej question, else the indicator's key-figure category."""
        scale = self.scale_of(question_id, year)
        if scale is not None and scale.yes_no:
            return "ja"
        ind = self.indicator_of(question_id)
        return ind.key_figure if ind else "klart_positivt"


def _colour(value: str, path, where) -> str:
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
        _fail(path, where, f"Färgen ska skrivas #RRGGBB, fick '{value}'.")
    return value


def _fail(path, where, message):
    raise InstrumentError(message, where=f"{path} ({where})")


def _require(mapping, key, path, where, kind=None):
    if not isinstance(mapping, dict) or key not in mapping:
        _fail(path, where, f"Nyckeln '{key}' saknas.")
    value = mapping[key]
    if kind is not None and not isinstance(value, kind):
        _fail(path, where, f"'{key}' ska vara {kind.__name__}, fick {value!r}.")
    return value


def _parse(raw: dict, path: str) -> Instrument:
    if not isinstance(raw, dict):
        _fail(path, "fil", "Filen ska innehålla en YAML-mappning.")

    scales = {}
    for sid, s in _require(raw, "scales", path, "scales", dict).items():
        kind = _require(s, "kind", path, f"scales.{sid}", str)
        if kind not in SCALE_KINDS:
            _fail(path, f"scales.{sid}", f"Okänd skaltyp '{kind}'. Tillåtna: {', '.join(SCALE_KINDS)}.")
        options = tuple(_require(s, "options", path, f"scales.{sid}", list))
        expected = 6 if kind == "sexgradig" else 2
        if len(options) != expected:
            _fail(path, f"scales.{sid}", f"En {kind} skala ska ha {expected} svarsalternativ, fick {len(options)}.")
        scales[sid] = Scale(sid, kind, options)

    categories = {}
    raw_cat = _require(raw, "categories", path, "categories", dict)
    for c in CATEGORIES:
        opts = _require(raw_cat, c, path, "categories", list)
        if not all(isinstance(o, int) and 1 <= o <= 6 for o in opts):
            _fail(path, f"categories.{c}", f"Svarsalternativen ska vara heltal 1–6, fick {opts}.")
        categories[c] = tuple(opts)
    if sorted(categories["negativt"] + categories["varken"] + categories["positivt"]) != [1, 2, 3, 4, 5, 6]:
        _fail(path, "categories", "Negativt, varken och positivt ska tillsammans täcka alternativ 1–6 exakt en gång.")
    if not set(categories["klart_positivt"]) <= set(categories["positivt"]):
        _fail(path, "categories", "Klart positivt ska vara en del av positivt.")

    backgrounds = {}
    for bid, b in _require(raw, "backgrounds", path, "backgrounds", dict).items():
        groups = []
        for i, g in enumerate(_require(b, "groups", path, f"backgrounds.{bid}", list)):
            where = f"backgrounds.{bid}.groups[{i}]"
            groups.append(Group(
                id=_require(g, "id", path, where, str),
                value=_require(g, "value", path, where, str),
                label=_require(g, "label", path, where, str),
                table_label=g.get("table_label", g["label"]),
                shown=bool(g.get("shown", True)),
            ))
        missing = _require(b, "missing", path, f"backgrounds.{bid}", str)
        if missing not in {g.id for g in groups}:
            _fail(path, f"backgrounds.{bid}", f"'missing' ska vara en av grupperna, fick '{missing}'.")
        backgrounds[bid] = Background(bid, _require(b, "label", path, f"backgrounds.{bid}", str), tuple(groups), missing)

    surveys = []
    for i, s in enumerate(_require(raw, "surveys", path, "surveys", list)):
        where = f"surveys[{i}]"
        bg = s.get("background")
        if bg is not None and bg not in backgrounds:
            _fail(path, where, f"Okänd bakgrundsvariabel '{bg}'.")
        surveys.append(Survey(
            id=_require(s, "id", path, where, str),
            name=_require(s, "name", path, where, str),
            table_label=_require(s, "table_label", path, where, str),
            measure_label=_require(s, "measure_label", path, where, str),
            plural=_require(s, "plural", path, where, str),
            sheet=_require(s, "sheet", path, where, str),
            background=bg,
            participant=bool(s.get("participant", False)),
            target_population=bool(s.get("target_population", True)),
            from_year=_require(s, "from", path, where, int),
            colour=_colour(_require(s, "colour", path, where, str), path, where),
            in_text=s.get("in_text") or f"till {s['name'].lower()}",
            series_label=s.get("series_label") or s["name"],
            who=s.get("who") or s["name"].lower(),
        ))
    survey_ids = {s.id for s in surveys}
    if len(survey_ids) != len(surveys):
        _fail(path, "surveys", "Två enkäter har samma id.")

    questions = {}
    for i, q in enumerate(_require(raw, "questions", path, "questions", list)):
        qid = _require(q, "id", path, f"questions[{i}]", str)
        where = f"questions[{i}] ({qid})"
        survey, _, _ = qid.partition(".")
        if survey not in survey_ids:
            _fail(path, where, f"Frågans id ska börja med en enkäts id, fick '{qid}'.")
        if qid in questions:
            _fail(path, where, f"Frågan '{qid}' finns två gånger.")
        versions = []
        for j, v in enumerate(_require(q, "versions", path, where, list)):
            vw = f"{where}.versions[{j}]"
            scale = _require(v, "scale", path, vw, str)
            if scale not in scales:
                _fail(path, vw, f"Okänd svarsskala '{scale}'. Tillåtna: {', '.join(scales)}.")
            versions.append(Version(
                from_year=_require(v, "from", path, vw, int),
                number=_require(v, "number", path, vw, int),
                scale=scale,
                text=_require(v, "text", path, vw, str),
                comparable=bool(v.get("comparable", True)) if j > 0 else True,
            ))
        if not versions:
            _fail(path, where, "En fråga behöver minst en version.")
        years = [v.from_year for v in versions]
        if years != sorted(set(years)):
            _fail(path, where, f"Versionerna ska stå i årsordning utan dubbletter, fick {years}.")
        cond = None
        if "condition" in q:
            c = q["condition"]
            on = _require(c, "question", path, where)
            if not isinstance(on, str):
                _fail(path, where, f"Villkoret ska ange frågans id (till exempel {survey}.8), inte ett frågenummer, "
                                   f"fick {on!r}: ett nummer gäller bara ett år.")
            cond = Condition(on, _require(c, "answer", path, where, str))
        questions[qid] = Question(qid, survey, tuple(versions), cond)
    for qid, q in questions.items():
        c = q.condition
        if c is None:
            continue
        other = questions.get(c.question)
        if other is None or other.survey != q.survey:
            _fail(path, f"questions ({qid})", f"Villkoret pekar på '{c.question}', som inte är en fråga i samma enkät. "
                                              "Ange frågans id, till exempel deltagare_avslut.8.")
        options = {o for v in other.versions for o in scales[v.scale].options}
        if c.answer not in options:
            _fail(path, f"questions ({qid})", f"Villkorets svar '{c.answer}' finns inte på skalan för '{c.question}'.")

    indicators = []
    seen_measures: dict[str, int] = {}
    for i, ind in enumerate(_require(raw, "indicators", path, "indicators", list)):
        where = f"indicators[{i}]"
        number = _require(ind, "number", path, where, int)
        measures = tuple(_require(ind, "measures", path, where, list))
        for m in measures:
            if m not in questions:
                _fail(path, where, f"Måttet '{m}' finns inte bland frågorna.")
            if m in seen_measures:
                _fail(path, where, f"Måttet '{m}' hör redan till indikator {seen_measures[m]}.")
            seen_measures[m] = number
        key_figure = ind.get("key_figure", "klart_positivt")
        if key_figure not in CATEGORIES:
            _fail(path, where, f"Okänt nyckeltal '{key_figure}'. Tillåtna: {', '.join(CATEGORIES)}.")
        if not measures and not ind.get("register_study"):
            _fail(path, where, "En indikator utan enkätmått ska ange 'register_study'.")
        reference = None
        if "reference" in ind:
            ref = _require(ind, "reference", path, where, dict)
            url = ref.get("url") or ""
            if url and not str(url).startswith(("http://", "https://")):
                _fail(path, where, f"Referensens 'url' ska börja med http:// eller https://, fick {url!r}.")
            reference = Reference(_require(ref, "text", path, f"{where}.reference", str), str(url))
        if ("background" in ind) != (reference is not None):
            _fail(path, where, "'background' (vad indikatorn vilar på) och 'reference' (källan) anges tillsammans.")
        indicators.append(Indicator(
            number=number,
            short=_require(ind, "short", path, where, str),
            text=_require(ind, "text", path, where, str),
            key_figure=key_figure,
            measures=measures,
            register_study=ind.get("register_study"),
            background=_require(ind, "background", path, where, str) if "background" in ind else None,
            reference=reference,
        ))
    numbers = [ind.number for ind in indicators]
    if numbers != sorted(set(numbers)):
        _fail(path, "indicators", f"Indikatorerna ska vara numrerade i ordning utan dubbletter, fick {numbers}.")
    unused = sorted(set(questions) - set(seen_measures))
    if unused:
        _fail(path, "indicators", f"Frågorna {', '.join(unused)} hör inte till någon indikator.")

    return Instrument(scales, categories, backgrounds, tuple(surveys), questions, tuple(indicators), path)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Instrument:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"Filen är inte giltig YAML: {exc}", where=path) from None
    return _parse(raw, path)


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Load and check the instrument (cached while the file is unchanged)."""
    p = Path(path) if path else DEFAULT_PATH
    if not p.exists():
        raise InstrumentError("Instrumentfilen finns inte.", where=str(p))
    return _load_cached(str(p), p.stat().st_mtime_ns)
