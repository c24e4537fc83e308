"""Ingest: check every registration file and, when none has errors, write the aggregated layer."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from nns.errors import ConfigError, DataError, LockedError, Problem, ProblemList, RegistrationError
from nns.fsio import exclusive_lock
from nns.instrument import Instrument
from nns.registration.aggregate import AGGREGATED_FILES, aggregate, write_layer
from nns.registration.files import registration_files
from nns.registration.model import INFO_SHEET, Registration
from nns.registration.read import check_files, check_tree
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


def layer_years(out_dir: str | Path) -> set[int] | None:
    """The years in the aggregated layer's files (none when there is no layer yet; None when a
    file cannot be read)."""
    years: set[int] = set()
    for fname, _ in AGGREGATED_FILES.values():
        f = Path(out_dir) / fname
        if not f.exists():
            continue
        try:
            years.update(int(y) for y in pd.read_csv(f, usecols=["year"])["year"].unique())
        except Exception:
            return None
    return years


def _vanished_years(registration_dir: Path, out_dir: Path, paths: list[Path], drop: set[int],
                    problems: ProblemList) -> set[int]:
    """Years in the layer without registrations: each an error unless ``drop`` names it.

    Returns the years that will be dropped. ``drop`` naming a year that is not in the layer,
    or one that has registrations, is a mistake (ConfigError).
    """
    have = {int(p.parent.name) for p in paths}
    old = layer_years(out_dir)
    if old is None:
        problems.warning(str(out_dir), None, None,
                         "Det befintliga aggregerade datalagret kan inte läsas; det byggs om från registreringarna, "
                         "utan kontroll av om något år försvinner ur det.")
        old = set()
    for y in sorted(drop):
        if y in have:
            raise ConfigError(f"--ta-bort-ar {y}: året har registreringar i {registration_dir / str(y)}, så det tas "
                              "inte bort. Flytta först bort årets mapp om året ska tas bort ur datalagret.")
        if y not in old:
            raise ConfigError(f"--ta-bort-ar {y}: året finns inte i det aggregerade datalagret ({out_dir}); det finns "
                              f"inget att ta bort. År i datalagret: {', '.join(map(str, sorted(old))) or 'inga'}.")
    for y in sorted(old - have - drop):
        problems.error(f"{registration_dir.name}/{y}", None, None,
                       f"Året {y} finns i det aggregerade datalagret ({out_dir}) men har ingen årsmapp med "
                       f"registreringar ({registration_dir / str(y)}/). En fullständig inläsning skulle ta bort året "
                       f"ur datalagret. Lägg tillbaka årets registreringar, eller kör 'nnsreport ingest "
                       f"--ta-bort-ar {y}' om året ska tas bort.")
    return old & drop


def lock_file(out_dir: str | Path) -> Path:
    """The ingest lock: ``.<folder>.lock`` beside the aggregated layer's folder (data/.aggregated.lock)."""
    out = Path(out_dir)
    return out.parent / f".{out.name}.lock"


def ingest(registration_dir: str | Path, out_dir: str | Path, instrument: Instrument,
           year: int | None = None, drop_years=()) -> tuple[dict, ProblemList, list[Registration]]:
    """Check all registration files and, when none has errors, write the aggregated layer.

    With ``year``, only that year's files are read and the layer's other years
    are kept. Without it, every year of the layer must still have registrations,
    except the years in ``drop_years``, which leave the layer. Nothing is written
    when any file has errors (RegistrationError); the layer's files are replaced
    all together or not at all (:func:`write_layer`). Two ingests into the same
    layer never run at once: the second fails at once with :class:`LockedError`
    (otherwise one year's change could be lost).
    """
    registration_dir, out_dir = Path(registration_dir), Path(out_dir)
    drop = set(drop_years)
    if drop and year is not None:
        raise ConfigError("--ta-bort-ar gäller en fullständig inläsning av alla år; använd den utan --year.")
    lock = lock_file(out_dir)

    def busy(holder: str) -> LockedError:
        return LockedError(f"Inläsningen till det aggregerade datalagret {out_dir}", lock, holder)

    with exclusive_lock(lock, f"nnsreport ingest{f' --year {year}' if year else ''}", busy):
        return _ingest(registration_dir, out_dir, instrument, year, drop)


def _ingest(registration_dir: Path, out_dir: Path, instrument: Instrument, year: int | None, drop: set[int]):
    paths = registration_files(registration_dir, year)
    problems = ProblemList()
    dropped = set() if year is not None else _vanished_years(registration_dir, out_dir, paths, drop, problems)
    if not paths:
        raise RegistrationError([Problem(str(registration_dir), None, None,
                                         f"Inga registreringsfiler hittades{f' för {year}' if year else ''}.")])
    regs, found = check_files(paths, instrument)
    problems.problems.extend(found.problems)
    check_tree(registration_dir, problems, year)
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
    for y in sorted(dropped):
        logger.info("Året %s togs bort ur det aggregerade datalagret.", y)
    logger.info("Skrev det aggregerade datalagret till %s från %d filer.", out_dir, len(regs))
    return layer, problems, regs

