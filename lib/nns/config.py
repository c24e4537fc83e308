"""Run settings (``nnsreport.toml``) and the scope of a report.

Settings hold what changes between runs (the year, thresholds, paths); the
instrument (surveys, questions, indicators) is data of its own
(:mod:`nns.instrument`). Command-line options override single values.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from nns.errors import ConfigError

__all__ = ["ROOT", "FORMATS", "RIKET", "Settings", "Scope", "load_settings", "check_settings", "SETTING_RANGES"]

#: The project folder (where nnsreport.toml, the notebooks and the prose are).
ROOT = Path(__file__).resolve().parents[2]

#: The output formats of a report, in the order they are listed.
FORMATS = ("html", "pdf")

#: The scope of the national report (no förbund).
RIKET = ""


@dataclass(frozen=True)
class Settings:
    """Run settings from nnsreport.toml (see that file for their meaning)."""

    year: int = 2022
    first_year: int = 2018
    comparison_years: int = 3
    formats: tuple[str, ...] = FORMATS
    output_dir: str = "_output"
    build_dir: str = "_build"
    cache_dir: str = ".cache"
    table20_points_per_measure: int = 2
    chart_min_years: int = 3
    min_answers: int = 5
    comparison_min_answers: int = 20
    instrument: str = "data/instrument.yaml"
    national: str = "data/national.yaml"
    aggregated: str = "data/aggregated"
    registration: str = "data/registration"
    received: str = "data/mottaget"
    published: str = "data/published"
    commentary: str = "report/kommentarer"
    root: str = str(ROOT)

    def path(self, name: str) -> Path:
        """An absolute path for one of the path settings."""
        p = Path(getattr(self, name))
        return p if p.is_absolute() else Path(self.root) / p

    def replace(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_parameters(self) -> dict:
        """The settings as plain data (lists for tuples), as a notebook parameter."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Scope:
    """What a report covers: a year, and the nation (``forbund`` empty) or one förbund; or, with
    ``comparison``, the year's comparison between förbund (all of them, against the nation)."""

    year: int
    forbund: str = RIKET
    comparison: bool = False

    def __post_init__(self):
        if self.comparison and self.forbund != RIKET:
            raise ValueError("the comparison between förbund covers every förbund, not one")

    @property
    def local(self) -> bool:
        return self.forbund != RIKET


SECTIONS = ("report", "rules", "anonymity", "jamforelse", "paths")


def load_settings(path: str | Path | None = None, **overrides) -> Settings:
    """Read nnsreport.toml; keyword arguments override single values."""
    p = Path(path) if path else ROOT / "nnsreport.toml"
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("Inställningsfilen finns inte.", where=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Inställningsfilen är inte giltig TOML: {exc}", where=str(p)) from None
    stray = sorted(k for k in raw if k not in SECTIONS)
    if stray:
        raise ConfigError(f"Okända avsnitt eller nycklar utanför ett avsnitt: {', '.join(stray)}. "
                          f"Tillåtna avsnitt: {', '.join(SECTIONS)}.", where=str(p))
    flat = {}
    for section in SECTIONS:
        flat.update(raw.get(section, {}))
    known = set(Settings.__dataclass_fields__) - {"root"}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ConfigError(f"Okända inställningar: {', '.join(unknown)}.", where=str(p))
    # relative paths resolve against the project (where the notebooks and prose are),
    # whichever settings file is used
    flat["root"] = str(ROOT)
    return check_settings(Settings(**flat).replace(**overrides), str(p))


def settings_from_parameters(values: dict, where: str = "installningar") -> Settings:
    """Settings from :meth:`Settings.as_parameters` (as a notebook receives them), checked."""
    values = dict(values)
    values["formats"] = tuple(values.get("formats", ()))
    unknown = sorted(set(values) - set(Settings.__dataclass_fields__))
    if unknown:
        raise ConfigError(f"Okända inställningar: {', '.join(unknown)}.", where=where)
    return check_settings(Settings(**values), where)


#: (minimum, maximum) of the whole-number settings.
SETTING_RANGES = {
    "year": (2000, 2100), "first_year": (2000, 2100), "comparison_years": (1, 10),
    "table20_points_per_measure": (1, 20), "chart_min_years": (2, 20), "min_answers": (1, 1000),
    "comparison_min_answers": (1, 1000),
}

PATH_SETTINGS = ("output_dir", "build_dir", "cache_dir", "instrument", "national", "aggregated", "registration",
                 "received", "published", "commentary")


def check_settings(s: Settings, where: str = "nnsreport.toml") -> Settings:
    """Types and ranges of the run settings, with a Swedish message for each mistake."""
    for name, (lo, hi) in SETTING_RANGES.items():
        value = getattr(s, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"'{name}' ska vara ett heltal, fick {value!r}.", where=where)
        if not lo <= value <= hi:
            raise ConfigError(f"'{name}' ska vara mellan {lo} och {hi}, fick {value}.", where=where)
    if s.comparison_min_answers < s.min_answers:
        raise ConfigError(f"'comparison_min_answers' ({s.comparison_min_answers}) får inte vara mindre än "
                          f"'min_answers' ({s.min_answers}): en bedömning bygger på förbundets nyckeltal, och det "
                          f"visas inte med färre svar än anonymitetsgränsen. Sätt [jamforelse] "
                          f"comparison_min_answers till minst {s.min_answers}.", where=where)
    if s.first_year > s.year:
        raise ConfigError(f"'first_year' ({s.first_year}) kan inte vara senare än 'year' ({s.year}).", where=where)
    formats = s.formats
    if isinstance(formats, str) or not all(f in FORMATS for f in formats):
        raise ConfigError(f"'formats' ska vara en lista med {' och/eller '.join(FORMATS)}, fick {formats!r}.",
                          where=where)
    for name in PATH_SETTINGS:
        if not isinstance(getattr(s, name), str) or not getattr(s, name):
            raise ConfigError(f"'{name}' ska vara en sökväg (text), fick {getattr(s, name)!r}.", where=where)
    return replace(s, formats=tuple(formats))
