"""Where registrations are: the year folders of the registration folder (no file is opened here).

Only year folders (four digits: ``2022/``) directly in the registration folder hold
registrations; anything else there is reported by ``ingest`` (:func:`misplaced`), never
silently read or skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["SPREADSHEET_SUFFIXES", "YEAR_DIR_RE", "year_folders", "registration_files", "stray_files", "misplaced"]

#: Suffixes of files that look like registrations but are not read (reported, never silently skipped).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".ods", ".csv", ".numbers")
#: A year folder's name: four ASCII digits.
YEAR_DIR_RE = re.compile(r"[0-9]{4}")


def _visible(p: Path) -> bool:
    return not p.name.startswith((".", "~$"))


def year_folders(directory: str | Path) -> list[Path]:
    """The year folders directly in the registration folder, sorted."""
    d = Path(directory)
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.is_dir() and YEAR_DIR_RE.fullmatch(p.name))


def _entries(directory: Path, year: int | None) -> list[Path]:
    folders = [Path(directory) / str(year)] if year else year_folders(directory)
    return sorted(p for f in folders if f.is_dir() for p in f.iterdir() if _visible(p))


def registration_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """The registrations under ``directory``: ``<year>/<year>_<slug>.xlsx`` files and
    ``<year>/<year>_<slug>/`` CSV folders, sorted."""
    return [p for p in _entries(Path(directory), year)
            if p.is_dir() or (p.is_file() and p.suffix == ".xlsx")]


def stray_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """Files in a year folder that are not read as registrations."""
    return [p for p in _entries(Path(directory), year) if p.is_file() and p.suffix != ".xlsx"]


def misplaced(directory: str | Path) -> list[Path]:
    """Everything directly in the registration folder that is not a year folder (hidden names aside)."""
    d = Path(directory)
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if _visible(p) and not (p.is_dir() and YEAR_DIR_RE.fullmatch(p.name)))
