"""The project's exceptions: one base class, each subclass carries where it happened.

Messages are in Swedish because analysts and förbund read them; they say what is
wrong, what was found, what is allowed and how to fix it. Each class has the exit
code the command line returns for it.

Examples
--------
>>> err = RegistrationError([Problem("a.xlsx", "Personal", "D17", "Värdet 7 är utanför skalan.")])
>>> print(err)
a.xlsx, Personal!D17: Värdet 7 är utanför skalan.
>>> err.exit_code
3
"""
from __future__ import annotations

from dataclasses import dataclass, field


class NNSError(Exception):
    """Base class of every error nnsreport raises on purpose.

    ``where`` names the place (a file, a sheet and cell, a notebook cell); it is
    printed before the message.
    """

    exit_code = 1

    def __init__(self, message: str, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ConfigError(NNSError):
    """The run settings (nnsreport.toml) or a command-line option are wrong."""

    exit_code = 2


class InstrumentError(NNSError):
    """data/instrument.yaml does not follow its schema."""

    exit_code = 2


class DataError(NNSError):
    """The aggregated layer is missing, malformed or inconsistent with the instrument."""

    exit_code = 4


class UnknownForbundError(NNSError):
    """A förbund name that has no data; the message lists the closest names."""

    exit_code = 2


class RenderError(NNSError):
    """A notebook, pandoc or Typst failed while building a report."""

    exit_code = 5


class WriteError(NNSError):
    """A file could not be written (read-only folder, no permission, full disk ...); nothing was
    left half-written and no temporary file remains."""

    exit_code = 7


class LockedError(NNSError):
    """Another run holds the lock this run needs: two ingests, or two builds of the same report, at once.

    >>> print(LockedError("Inläsningen till data/aggregated", "data/.aggregated.lock", "nnsreport ingest, pid 7"))
    Inläsningen till data/aggregated pågår redan i en annan körning (nnsreport ingest, pid 7), som håller låset data/.aggregated.lock. Bara en körning i taget är tillåten: två samtidiga skulle skriva över varandras resultat. Vänta tills den är klar och försök igen (låset släpps när den körningen slutar, även om den avbryts).
    """

    exit_code = 6

    def __init__(self, activity: str, lock, holder: str):
        self.lock = str(lock)
        super().__init__(f"{activity} pågår redan i en annan körning ({holder or 'okänd process'}), som håller låset "
                         f"{lock}. Bara en körning i taget är tillåten: två samtidiga skulle skriva över varandras "
                         "resultat. Vänta tills den är klar och försök igen (låset släpps när den körningen slutar, "
                         "även om den avbryts).")


@dataclass(frozen=True)
class Problem:
    """One finding in a registration file: where it is and what is wrong.

    ``severity`` is ``"fel"`` (an error: the file cannot be used) or
    ``"varning"`` (a warning: the file is used, the message says how).
    """

    file: str
    sheet: str | None
    cell: str | None
    message: str
    severity: str = "fel"

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.file}, {self.sheet}!{self.cell}"
        if self.sheet:
            return f"{self.file}, bladet {self.sheet}"
        return self.file

    def __str__(self) -> str:
        prefix = "" if self.severity == "fel" else "Varning: "
        return f"{self.location}: {prefix}{self.message}"


class RegistrationError(NNSError):
    """One or more registration files have errors; carries every problem found."""

    exit_code = 3

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ProblemList:
    """Collects problems while a check runs, so that all are reported at once."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, file, sheet, cell, message):
        self.problems.append(Problem(file, sheet, cell, message, "fel"))

    def warning(self, file, sheet, cell, message):
        self.problems.append(Problem(file, sheet, cell, message, "varning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "fel"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "varning"]
