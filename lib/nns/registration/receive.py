"""Receiving registration files as förbund send them: any name, one or several files per förbund.

``nnsreport ta-emot FIL…`` reads each file whatever it is called, finds the förbund and the year in its
``Uppgifter`` sheet, checks it, and files the good ones as ``<registration>/<year>/<year>_<slug>.xlsx``:

* one file for a förbund and year is filed exactly as received (the same bytes);
* several files for one förbund and year (one per person, or one per insats) are merged into one registration
  file, after checking that no questionnaire is in two of them (the same Enkät nr, or identical rows), and the
  originals are kept in ``<received>/<year>/<slug>/``;
* a file that replaces one already filed keeps the earlier one aside in ``<received>/<year>/ersatta/`` and
  reports what changed, in the reader's terms (responses, populations, answers per question).

A file with errors is not filed; the others are. Nothing is ever overwritten without being kept.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nns.errors import ProblemList
from nns.fsio import write_atomic
from nns.instrument import Instrument
from nns.registration.aggregate import aggregate
from nns.registration.model import Registration, file_name
from nns.registration.template import build_workbook, save_workbook
from nns.registration.values import clean
from nns.registration.xlsx import read_xlsx
from nns.text import fmt_int, join_sv
from nnsreport import slug

__all__ = ["Filed", "ReceiveResult", "receive", "changes"]


@dataclass
class Filed:
    """One registration filed: from which files, where, and what it replaced."""

    forbund: str
    year: int
    target: Path
    sources: list[Path]
    replaced: Path | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class ReceiveResult:
    filed: list[Filed] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)
    refused: list[Path] = field(default_factory=list)


def _duplicates(regs: list[Registration]) -> list[str]:
    """Questionnaires that are in two of the files: the same Enkät nr, or the same row without one."""
    out = []
    for survey in sorted({s for r in regs for s in r.surveys}):
        seen_ids: dict[str, str] = {}
        seen_rows: dict[tuple, str] = {}
        for reg in regs:
            name = Path(reg.path).name
            for row in reg.surveys.get(survey, []):
                if row.ident is not None:
                    key = " ".join(str(row.ident).split())
                    if key in seen_ids and seen_ids[key] != name:
                        out.append(f"Enkät nr {clean(key)} i bladet för {survey} finns i både {seen_ids[key]} och {name}.")
                    seen_ids.setdefault(key, name)
                else:
                    key = (row.background, tuple(sorted(row.answers.items(), key=lambda kv: kv[0])))
                    if key in seen_rows and seen_rows[key] != name:
                        out.append(f"En rad i bladet för {survey} utan Enkät nr har samma svar i {seen_rows[key]} och "
                                   f"{name}.")
                    seen_rows.setdefault(key, name)
    return out


def _merge(regs: list[Registration], problems: ProblemList) -> Registration:
    first = regs[0]
    merged = Registration(forbund=first.forbund, year=first.year)
    for reg in regs:
        for survey, rows in reg.surveys.items():
            merged.surveys.setdefault(survey, []).extend(rows)
    for survey in sorted({s for r in regs for s in r.populations}):
        given = [(Path(r.path).name, r.populations[survey]) for r in regs if survey in r.populations]
        mal = [p[0] for _, p in given if p[0] is not None]
        und = [p[1] for _, p in given if p[1] is not None]
        merged.populations[survey] = (sum(mal) if mal else None, sum(und) if und else None)
        if len(given) > 1:
            parts = join_sv(f"{n} ({'/'.join('–' if v is None else fmt_int(v) for v in p)})" for n, p in given)
            problems.warning(first.forbund, None, None,
                             f"Populationerna för {survey} finns i flera filer och läggs ihop: {parts}. Gäller filerna "
                             "samma insats, ska populationen bara anges i en av dem.")
    return merged


def changes(instrument: Instrument, old: Registration, new: Registration) -> list[str]:
    """What a replacement changes, in the reader's terms: responses, populations, answers per question."""
    a, b = aggregate(instrument, [old]), aggregate(instrument, [new])
    out = []
    names = {s.id: s.name for s in instrument.surveys}
    ra = a["responses"].groupby("survey")["responses"].sum()
    rb = b["responses"].groupby("survey")["responses"].sum()
    for survey in [s.id for s in instrument.surveys]:
        before, after = ra.get(survey), rb.get(survey)
        if before is None and after is None:
            continue
        if before is None:
            out.append(f"{names[survey]}: nytt blad ({fmt_int(after)} svar).")
        elif after is None:
            out.append(f"{names[survey]}: bladet finns inte längre (var {fmt_int(before)} svar).")
        elif before != after:
            out.append(f"{names[survey]}: {fmt_int(before)} → {fmt_int(after)} svar.")
    for survey in [s.id for s in instrument.surveys]:
        pa, pb = old.populations.get(survey), new.populations.get(survey)
        if pa != pb:
            show = lambda p: "saknas" if p is None else "/".join("–" if v is None else fmt_int(v) for v in p)  # noqa: E731
            out.append(f"{names[survey]}: populationer (mål/undersökt) {show(pa)} → {show(pb)}.")
    key = ["survey", "question", "answer"]
    ca = a["answers"].groupby(key)["count"].sum()
    cb = b["answers"].groupby(key)["count"].sum()
    both = pd.concat([ca.rename("old"), cb.rename("new")], axis=1).fillna(0).astype(int)
    both = both[both["old"] != both["new"]].sort_index()
    order = {survey: i for i, survey in enumerate(names)}
    both = both.sort_index(level="survey", key=lambda s: s.map(order), sort_remaining=False, kind="stable")
    for (survey, question), rows in both.groupby(level=["survey", "question"], sort=False):
        detail = ", ".join(f"{ans}: {o} → {n}" for (_, _, ans), o, n in zip(rows.index, rows["old"], rows["new"]))
        out.append(f"{names[survey]}, fråga {question}: svarsfördelningen ändrad ({detail}).")
    return out or ["Inga ändringar i svaren, svarsantalen eller populationerna."]


def _aside(folder: Path, name: str) -> Path:
    """A free path ``folder/name`` (``name.1``, ``name.2``… when taken): nothing kept is overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / name, 0
    while target.exists():
        n += 1
        stem, _, suffix = name.rpartition(".")
        target = folder / f"{stem}.{n}.{suffix}"
    return target


def receive(paths: list[Path], registration_dir: Path, received_dir: Path, instrument: Instrument,
            add: bool = False, dry_run: bool = False) -> ReceiveResult:
    """Check files whatever their names and file the good ones (see the module's description).

    ``add``: the files add to a förbund's registration already filed (more answers entered by someone
    else) instead of replacing it; the check for questionnaires entered twice covers the filed one too.
    """
    result = ReceiveResult()
    good: dict[tuple[int, str], list[Registration]] = {}
    for path in map(Path, paths):
        own = ProblemList()
        reg = read_xlsx(path, instrument, own, named=False)
        result.problems.problems.extend(own.problems)
        if reg is None or own.errors:
            result.refused.append(path)
            continue
        reg.path = str(path)
        good.setdefault((reg.year, slug(reg.forbund)), []).append(reg)
    for (year, _slug), regs in sorted(good.items()):
        existing = registration_dir / str(year) / file_name(regs[0].forbund, year)
        if add and existing.exists():
            old_problems = ProblemList()
            old = read_xlsx(existing, instrument, old_problems)
            if old is not None and not old_problems.errors:
                old.path = str(existing)
                regs = [old] + regs
        names = [Path(r.path).name for r in regs]
        if len({r.forbund for r in regs}) > 1:
            result.problems.warning(names[0], "Uppgifter", "B1",
                                    f"Förbundets namn stavas olika i {join_sv(names)}: "
                                    f"{join_sv(repr(r.forbund) for r in regs)}; '{regs[0].forbund}' används.")
        dup = _duplicates(regs) if len(regs) > 1 else []
        if dup:
            for message in dup:
                result.problems.error(join_sv(names), None, None,
                                      f"{message} Samma enkät får bara finnas i en fil; ta bort den ur den ena filen. "
                                      "Är det två olika enkäter med samma svar: skriv Enkät nr på båda raderna.")
            result.refused += [Path(r.path) for r in regs]
            continue
        merged = _merge(regs, result.problems) if len(regs) > 1 else regs[0]
        target = registration_dir / str(year) / file_name(merged.forbund, year)
        filed = Filed(merged.forbund, year, target, [Path(r.path) for r in regs if Path(r.path) != target])
        if target.exists():
            old_problems = ProblemList()
            old = read_xlsx(target, instrument, old_problems)
            filed.changes = changes(instrument, old, merged) if old is not None else \
                ["Den tidigare filen kunde inte läsas; den sparas undan oförändrad."]
            filed.replaced = _aside(received_dir / str(year) / "ersatta", target.name)
        result.filed.append(filed)
        if dry_run:
            continue
        if filed.replaced is not None:
            shutil.copy2(target, filed.replaced)
        if len(regs) == 1:
            write_atomic(target, Path(regs[0].path).read_bytes())   # filed exactly as received
        else:
            keep = received_dir / str(year) / slug(merged.forbund)
            for r in regs:
                if Path(r.path) != target:
                    shutil.copy2(r.path, _aside(keep, Path(r.path).name))
            save_workbook(build_workbook(instrument, merged.forbund, year, merged), target)
    return result
