"""Reading and checking many registrations at once (in parallel processes when there are many),
and what else lies in the registration folder."""
from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from nns.errors import Problem, ProblemList
from nns.instrument import Instrument
from nns.registration.csvdir import read_csv_registration
from nns.registration.files import SPREADSHEET_SUFFIXES, YEAR_DIR_RE, misplaced, stray_files
from nns.registration.model import INFO_SHEET, Registration
from nns.registration.values import clean
from nns.registration.xlsx import read_xlsx
from nnsreport import slug

logger = logging.getLogger(__name__)


def read_registration(path: str | Path, instrument: Instrument, problems: ProblemList) -> Registration | None:
    """Read one registration: an ``.xlsx`` file, or a CSV registration (a folder or a CSV file in it)."""
    path = Path(path)
    if path.suffix.lower() == ".csv" or path.is_dir():
        return read_csv_registration(path, instrument, problems)
    return read_xlsx(path, instrument, problems)


def _name(p: Path) -> str:
    return p.name


#: From this many files on, check_files reads them in parallel processes.
PARALLEL_MIN_FILES = 16
_worker_instrument: Instrument | None = None


def _read_one(path: Path, instrument: Instrument | None = None) -> tuple[Registration | None, list[Problem]]:
    """Read one registration into its own problem list; a bug becomes a problem, not a traceback."""
    problems = ProblemList()
    try:
        reg = read_registration(path, instrument or _worker_instrument, problems)
    except Exception as exc:
        logger.debug("internal error reading %s", path, exc_info=True)
        problems.error(_name(path), None, None, f"Internt fel när filen lästes ({type(exc).__name__}: "
                                                f"{clean(str(exc))}). Filen kunde inte kontrolleras; rapportera felet.")
        reg = None
    return reg, problems.problems


def _init_worker(instrument: Instrument) -> None:
    global _worker_instrument
    _worker_instrument = instrument


def _read_all(paths: list[Path], instrument: Instrument) -> list[tuple[Registration | None, list[Problem]]]:
    """Every path read, in order; in parallel processes when there are many (reading is CPU-bound)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) >= PARALLEL_MIN_FILES and workers > 1:
        try:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(instrument,)) as pool:
                return list(pool.map(_read_one, paths, chunksize=4))
        except Exception:  # no processes here (sandbox, pickling): read them one by one
            logger.debug("parallel reading failed; reading serially", exc_info=True)
    return [_read_one(p, instrument) for p in paths]


def check_files(paths: list[Path], instrument: Instrument) -> tuple[list[Registration], ProblemList]:
    """Read and check every file; cross-file checks too. Never raises on bad input."""
    problems = ProblemList()
    regs = []
    seen: set = set()
    unique = []
    for p in map(Path, paths):
        if p.suffix.lower() == ".csv" and p.is_file():
            p = p.parent  # one CSV file stands for its registration folder
        key = p.resolve() if p.exists() else p
        if key not in seen:
            seen.add(key)
            unique.append(p)
    for p, (reg, found) in zip(unique, _read_all(unique, instrument)):
        problems.problems.extend(found)
        if reg is None:
            continue
        reg.path = str(p)
        regs.append(reg)
        folder = p.parent.name
        if YEAR_DIR_RE.fullmatch(folder) and int(folder) != reg.year:
            problems.error(_name(p), None, None, f"{'Mappen' if p.is_dir() else 'Filen'} ligger i mappen {folder} "
                                                 f"men gäller år {reg.year}. Flytta den till mappen {reg.year}.")
    first: dict[tuple, Registration] = {}
    for reg in regs:
        key = (reg.year, slug(reg.forbund))
        if key in first:
            other = first[key]
            problems.error(_name(Path(reg.path)), None, None,
                           f"Två registreringar gäller samma förbund och år ({clean(reg.forbund)}, {reg.year}): "
                           f"även {_name(Path(other.path))}. Slå ihop dem till en.")
        else:
            first[key] = reg
    by_slug: dict[str, str] = {}
    for reg in regs:
        s = slug(reg.forbund)
        if s in by_slug and by_slug[s] != reg.forbund:
            problems.warning(_name(Path(reg.path)), INFO_SHEET, "B1",
                             f"Förbundets namn '{clean(reg.forbund)}' stavas annorlunda i en annan fil "
                             f"('{clean(by_slug[s])}'); i data blir det två förbund. Stava namnet likadant.")
        by_slug.setdefault(s, reg.forbund)
    return regs, problems


def check_tree(registration_dir: str | Path, problems: ProblemList, year: int | None = None) -> None:
    """What lies in the registration folder besides registrations: everything directly in it
    that is not a year folder is an error; in a year folder, other spreadsheets are errors and
    other files warnings."""
    d = Path(registration_dir)
    for p in misplaced(d):
        where = f"{d.name}/{clean(p.name)}"
        if p.is_dir():
            n = sum(1 for f in p.rglob("*") if f.is_file())
            problems.error(where + "/", None, None,
                           f"Mappen läses inte: i registreringsmappen ({d}) läses bara årsmappar som heter som ett "
                           f"år med fyra siffror (till exempel {d}/2022/). Mappen innehåller {n} "
                           f"{'fil' if n == 1 else 'filer'}. Flytta varje registrering till sin årsmapp "
                           f"({d}/<år>/<år>_<förbund>.xlsx), och mappen utanför {d}.")
        else:
            problems.error(where, None, None,
                           f"Filen läses inte: direkt i registreringsmappen ({d}) får bara årsmappar finnas. "
                           f"En registrering hör hemma i sin årsmapp ({d}/<år>/<år>_<förbund>.xlsx); flytta dit "
                           f"den, eller flytta den utanför {d}.")
    for p in stray_files(d, year):
        where = f"{p.parent.name}/{p.name}"
        if p.suffix.lower() in SPREADSHEET_SUFFIXES:
            problems.error(where, None, None, "Filen läses inte: bara <år>_<förbund>.xlsx-filer (och CSV-mappar) "
                                              "i årets mapp läses. Spara den som Excel-arbetsbok (.xlsx) med rätt "
                                              "namn i rätt mapp, eller flytta bort den.")
        else:
            problems.warning(where, None, None, "Filen är ingen registreringsfil och ignoreras.")
