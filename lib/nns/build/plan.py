"""The plan of a report: which notebooks to execute, with which parameters, into which folders.

Everything a build writes goes under the settings' folders: executed
notebooks under ``build_dir/<year>/<riket|slug>/``, the report under
``output_dir/<year>/<riket|slug>/``. The project tree itself is only written
by ``nnsreport notebooks`` (for ``quarto render``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nnsreport as nr
from nns.config import Scope, Settings
from nns.spec.parts import INDICATOR_NOTEBOOK, notebooks_for

__all__ = ["Job", "plan", "build_root", "output_dir", "scope_folder", "NOTEBOOK_DIRS", "COMPARISON_FOLDER",
           "WORKBOOK", "SLIDES", "SHORT"]

#: Where an executed notebook goes inside a build root: the indicator chapters, and the other parts.
NOTEBOOK_DIRS = {"chapters": Path("report") / "indicators", "parts": Path("report") / "parts"}


@dataclass(frozen=True)
class Job:
    """One notebook to execute: template, output path and parameters."""

    notebook: Path
    output: Path
    parameters: dict
    extra_inputs: tuple = ()

    @property
    def name(self) -> str:
        return self.output.stem


#: The folder of the comparison between förbund (a förbund's slug is never this: no förbund is named so).
COMPARISON_FOLDER = "jamforelse"

#: A report's files beside the report itself (written by nns.build.outputs): the Excel file, the slides and, without
#: its suffix (one file per output format), the short version.
WORKBOOK = "resultat.xlsx"
SLIDES = "presentation.pptx"
SHORT = "kortversion"


def scope_folder(scope: Scope) -> str:
    """The folder name of a report: ``riket``, the förbund's slug, or ``jamforelse``."""
    if scope.comparison:
        return COMPARISON_FOLDER
    return nr.slug(scope.forbund) if scope.local else "riket"


def build_root(settings: Settings, scope: Scope) -> Path:
    """Where a report's executed notebooks go (laid out as the project tree, so that embeds resolve)."""
    return settings.path("build_dir") / str(scope.year) / scope_folder(scope)


def output_dir(settings: Settings, scope: Scope) -> Path:
    return settings.path("output_dir") / str(scope.year) / scope_folder(scope)


def commentary_dir(settings: Settings, scope: Scope) -> Path:
    comm = settings.path("commentary") / str(scope.year)
    return comm / nr.slug(scope.forbund) if scope.local else comm


def plan(settings: Settings, scope: Scope, instrument) -> list[Job]:
    """The notebooks of one report: one per indicator, then the parts that are not indicators."""
    root = Path(settings.root)
    broot = build_root(settings, scope)
    # the run settings travel as a parameter, so that an override (a threshold, a
    # commentary folder) reaches the notebooks and is part of their cache key
    base = {"ar": scope.year, "forbund": scope.forbund or None, "data": str(settings.path("aggregated")),
            "installningar": settings.as_parameters()}
    comm = commentary_dir(settings, scope)
    jobs = []
    for name in notebooks_for(scope.local, scope.comparison):
        source = root / "notebooks" / f"{name}.ipynb"
        if name == INDICATOR_NOTEBOOK:
            for ind in instrument.indicators:
                commentary = comm / f"indikator-{ind.number:02d}.md"
                jobs.append(Job(source, broot / NOTEBOOK_DIRS["chapters"] / f"indikator-{ind.number:02d}.ipynb",
                                {"indikator": ind.number, **base}, (commentary,)))
        else:
            jobs.append(Job(source, broot / NOTEBOOK_DIRS["parts"] / f"{name}.ipynb", dict(base)))
    return jobs
