"""Where registrations are: the year folders of the registration folder (no file is opened here)."""
from __future__ import annotations

from pathlib import Path

__all__ = ["SPREADSHEET_SUFFIXES", "registration_files", "stray_files"]

#: Suffixes of files that look like registrations but are not read (reported, never silently skipped).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".ods", ".csv", ".numbers")


def _entries(directory: Path, year: int | None) -> list[Path]:
    pattern = f"{year}/*" if year else "*/*"
    return sorted(p for p in directory.glob(pattern) if not p.name.startswith((".", "~$")))


def registration_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """The registrations under ``directory``: ``<year>/<year>_<slug>.xlsx`` files and
    ``<year>/<year>_<slug>/`` CSV folders, sorted."""
    return [p for p in _entries(Path(directory), year)
            if p.is_dir() or (p.is_file() and p.suffix == ".xlsx")]


def stray_files(directory: str | Path, year: int | None = None) -> list[Path]:
    """Files that are not read as registrations: in a year folder, or spreadsheets at the top."""
    d = Path(directory)
    out = [p for p in _entries(d, year) if p.is_file() and p.suffix != ".xlsx"]
    if year is None:
        out += [p for p in sorted(d.glob("*")) if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES
                and not p.name.startswith((".", "~$"))]
    return out
