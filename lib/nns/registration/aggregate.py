"""Aggregation: validated registrations → the aggregated layer, and writing the layer.

The layer is three CSV files (:data:`AGGREGATED_FILES`), read by
:mod:`nns.layer`; they are replaced all together or not at all.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from nns import interrupt
from nns.errors import WriteError
from nns.fsio import fsync_dir, hard_link_backup, stage, unlink_quietly, write_error
from nns.instrument import Instrument
from nns.registration.model import Registration
from nnsreport import MISSING, NO, NO_GROUP, YES

#: How a failed write left the layer (the end of the WriteError's message).
UNCHANGED_LAYER = "Inget skrevs; det aggregerade datalagret är oförändrat."
MIXED_LAYER = ("Det aggregerade datalagret kunde inte återställas helt och kan vara blandat; kör 'nnsreport ingest' "
               "igen när felet är åtgärdat.")

#: The aggregated layer's files: key -> (file name, columns).
AGGREGATED_FILES = {
    "answers": ("answers.csv", ["year", "forbund", "survey", "question", "group", "answer", "count"]),
    "responses": ("responses.csv", ["year", "forbund", "survey", "group", "responses"]),
    "populations": ("populations.csv", ["year", "forbund", "survey", "malpopulation", "undersokt"]),
}


def answer_code(value) -> str:
    """The aggregated layer's code for a validated answer.

    >>> answer_code(4), answer_code("Ja"), answer_code(None)
    ('4', 'ja', 'saknas')
    """
    if value is None:
        return MISSING
    if value == "Ja":
        return YES
    if value == "Nej":
        return NO
    return str(int(value))


def group_of(instrument: Instrument, survey, background_value: str | None) -> str:
    """The group id for a validated background value (empty: the variable's missing group)."""
    if not survey.background:
        return NO_GROUP
    bg = instrument.backgrounds[survey.background]
    if background_value is None:
        return bg.missing
    for g in bg.groups:
        if g.value == background_value:
            return g.id
    raise ValueError(f"Unvalidated background value {background_value!r}")


def aggregate(instrument: Instrument, registrations: list[Registration]) -> dict[str, pd.DataFrame]:
    """Counts per year × förbund × survey × question × group × answer, responses and populations.

    Rows without any answer are not responses and are left out (the checker
    warns about them).
    """
    answers: dict[tuple, int] = {}
    resp: dict[tuple, int] = {}
    pops = []
    for reg in registrations:
        for survey in instrument.surveys_in(reg.year):
            if survey.id in reg.populations:
                mal, und = reg.populations[survey.id]
                pops.append((reg.year, reg.forbund, survey.id, mal, und))
            rows = reg.surveys.get(survey.id)
            if rows is None:
                continue
            numbers = [v.number for _, v in instrument.questions_asked(survey.id, reg.year)]
            for g in _groups(instrument, survey):
                resp.setdefault((reg.year, reg.forbund, survey.id, g), 0)
            for row in rows:
                if all(row.answers.get(n) is None for n in numbers):
                    continue
                g = group_of(instrument, survey, row.background)
                resp[(reg.year, reg.forbund, survey.id, g)] += 1
                for n in numbers:
                    key = (reg.year, reg.forbund, survey.id, n, g, answer_code(row.answers.get(n)))
                    answers[key] = answers.get(key, 0) + 1
    a = pd.DataFrame([k + (v,) for k, v in answers.items()],
                     columns=["year", "forbund", "survey", "question", "group", "answer", "count"])
    r = pd.DataFrame([k + (v,) for k, v in resp.items()],
                     columns=["year", "forbund", "survey", "group", "responses"])
    p = pd.DataFrame(pops, columns=["year", "forbund", "survey", "malpopulation", "undersokt"])
    survey_order = {s.id: i for i, s in enumerate(instrument.surveys)}
    answer_order = {c: i for i, c in enumerate(("1", "2", "3", "4", "5", "6", YES, NO, MISSING))}
    a = a.sort_values(["year", "forbund", "survey", "question", "group", "answer"],
                      key=lambda s: s.map(survey_order) if s.name == "survey"
                      else s.map(answer_order) if s.name == "answer" else s)
    r = r.sort_values(["year", "forbund", "survey", "group"],
                      key=lambda s: s.map(survey_order) if s.name == "survey" else s)
    p = p.sort_values(["year", "forbund", "survey"],
                      key=lambda s: s.map(survey_order) if s.name == "survey" else s)
    for df in (p,):
        for col in ("malpopulation", "undersokt"):
            df[col] = df[col].astype("Int64")
    return {"answers": a.reset_index(drop=True), "responses": r.reset_index(drop=True),
            "populations": p.reset_index(drop=True)}


def _groups(instrument: Instrument, survey) -> list[str]:
    if not survey.background:
        return [NO_GROUP]
    return [g.id for g in instrument.backgrounds[survey.background].groups]



def write_layer(layer: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write the aggregated layer's CSV files: all of them are replaced, or none.

    Every file is first written in full to a temporary file in ``out_dir``.
    Only then are the targets replaced by renames; before that, each existing
    target is kept under a backup name (a hard link), and if anything fails
    while renaming (an exception, Ctrl-C), the targets already replaced are
    restored. A crash while the data are written leaves the old files as they
    were; only a hard kill between the (three, immediate) renames can leave a
    mix, which the next ``nnsreport ingest`` repairs.

    A write the system refuses (read-only folder, full disk ...) raises
    :class:`~nns.errors.WriteError` saying so; no temporary or backup file is left.
    """
    out = Path(out_dir)
    staged: list[tuple[str, Path]] = []
    backups: dict[Path, str | None] = {}
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
            for key, (name, columns) in AGGREGATED_FILES.items():
                data = layer[key][columns].to_csv(index=False, lineterminator="\n").encode("utf-8")
                staged.append((stage(out, name, data), out / name))
            for _, target in staged:
                backups[target] = hard_link_backup(target)
        except WriteError as exc:   # from fsio (caused by an OSError): said for the layer
            raise write_error(exc.__cause__, exc.where, UNCHANGED_LAYER) from exc.__cause__
        except OSError as exc:
            raise write_error(exc, out, UNCHANGED_LAYER) from exc
        interrupt.check()   # Ctrl-C pressed while the layer was written replaces nothing (nns.interrupt)
        _replace_all(staged, backups, out)
        fsync_dir(out)
    finally:
        for tmp, _ in staged:
            unlink_quietly(tmp)
        for backup in backups.values():
            if backup is not None:
                unlink_quietly(backup)
    return [t for _, t in staged]


def _replace_all(staged: list[tuple[str, Path]], backups: dict[Path, str | None], out: Path) -> None:
    """Rename every staged file over its target; on any failure put back the targets already replaced."""
    replaced: list[Path] = []
    target = out
    try:
        for tmp, target in staged:
            os.replace(tmp, target)
            replaced.append(target)
    except BaseException as exc:
        try:
            for done in reversed(replaced):
                backup = backups.get(done)
                if backup is not None:
                    os.replace(backup, done)
                    backups[done] = None
                else:
                    unlink_quietly(done)
        except OSError as again:
            raise write_error(again, out, MIXED_LAYER) from again
        if isinstance(exc, OSError):
            raise write_error(exc, target, UNCHANGED_LAYER) from exc
        raise
