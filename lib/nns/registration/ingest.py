"""Ingest: check every registration file and, when none has errors, write the aggregated layer."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from nns.errors import DataError, LockedError, Problem, ProblemList, RegistrationError
from nns.fsio import exclusive_lock
from nns.instrument import Instrument
from nns.registration.aggregate import AGGREGATED_FILES, aggregate, write_layer
from nns.registration.files import SPREADSHEET_SUFFIXES, registration_files, stray_files
from nns.registration.model import INFO_SHEET, Registration
from nns.registration.read import check_files
from nns.registration.values import clean
from nnsreport import slug

logger = logging.getLogger(__name__)


def raise_for_errors(problems: ProblemList) -> None:
    if problems.errors:
        raise RegistrationError(problems.errors)


def _other_years(f: Path, columns: list[str], year: int) -> pd.DataFrame:
    """The rows of an aggregated layer file for every year but ``year``."""
    try:
        old = pd.read_csv(f, dtype={"forbund": str, "survey": str, "group": str, "answer": str},
                          keep_default_na=False)
        old = old[old["year"] != year]
        for col in ("malpopulation", "undersokt"):
            if col in old.columns:
                old[col] = pd.to_numeric(old[col].replace("", None)).astype("Int64")
        return old[columns]
    except Exception as exc:
        raise DataError(f"Det befintliga aggregerade datalagret kan inte läsas ({type(exc).__name__}: "
                        f"{clean(str(exc), 200)}); kör 'nnsreport ingest' utan --year för att bygga om det.",
                        where=str(f)) from None


def lock_file(out_dir: str | Path) -> Path:
    """The ingest lock: ``.<folder>.lock`` beside the aggregated layer's folder (data/.aggregated.lock)."""
    out = Path(out_dir)
    return out.parent / f".{out.name}.lock"


def ingest(registration_dir: str | Path, out_dir: str | Path, instrument: Instrument,
           year: int | None = None) -> tuple[dict, ProblemList, list[Registration]]:
    """Check all registration files and, when none has errors, write the aggregated layer.

    With ``year``, only that year's files are read and the layer's other years
    are kept. Nothing is written when any file has errors (RegistrationError);
    the layer's files are replaced all together or not at all (:func:`write_layer`).
    Two ingests into the same layer never run at once: the second fails at once
    with :class:`LockedError` (otherwise one year's change could be lost).
    """
    lock = lock_file(out_dir)

    def busy(holder: str) -> LockedError:
        return LockedError(f"Inläsningen till det aggregerade datalagret {out_dir}", lock, holder)

    with exclusive_lock(lock, f"nnsreport ingest{f' --year {year}' if year else ''}", busy):
        return _ingest(registration_dir, out_dir, instrument, year)


def _ingest(registration_dir, out_dir, instrument: Instrument, year: int | None):
    paths = registration_files(registration_dir, year)
    if not paths:
        raise RegistrationError([Problem(str(registration_dir), None, None,
                                         f"Inga registreringsfiler hittades{f' för {year}' if year else ''}.")])
    regs, problems = check_files(paths, instrument)
    for p in stray_files(registration_dir, year):
        where = f"{p.parent.name}/{p.name}"
        if p.suffix.lower() in SPREADSHEET_SUFFIXES:
            problems.error(where, None, None, "Filen läses inte: bara <år>_<förbund>.xlsx-filer (och CSV-mappar) "
                                              "i årets mapp läses. Spara den som Excel-arbetsbok (.xlsx) med rätt "
                                              "namn i rätt mapp, eller flytta bort den.")
        else:
            problems.warning(where, None, None, "Filen är ingen registreringsfil och ignoreras.")
    kept: dict[str, pd.DataFrame] = {}
    if year is not None:
        for key, (fname, columns) in AGGREGATED_FILES.items():
            f = Path(out_dir) / fname
            if f.exists():
                kept[key] = _other_years(f, columns, year)
        if "responses" in kept:  # the same förbund must keep its spelling across years
            known: dict[str, str] = {}
            for name in kept["responses"]["forbund"].unique():
                known.setdefault(slug(name), name)
            for reg in regs:
                old = known.get(slug(reg.forbund))
                if old is not None and old != reg.forbund:
                    problems.warning(Path(reg.path).name, INFO_SHEET, "B1",
                                     f"Förbundets namn '{clean(reg.forbund)}' stavas '{clean(old)}' andra år i "
                                     "det aggregerade datalagret; i data blir det två förbund. Stava namnet likadant.")
    raise_for_errors(problems)
    layer = aggregate(instrument, regs)
    for key, old in kept.items():
        merged = pd.concat([old, layer[key]], ignore_index=True)
        layer[key] = merged.sort_values(["year"], kind="stable").reset_index(drop=True)
    write_layer(layer, out_dir)
    logger.info("Skrev det aggregerade datalagret till %s från %d filer.", out_dir, len(regs))
    return layer, problems, regs

