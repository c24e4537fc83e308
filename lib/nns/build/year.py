"""Starting a new year: the folders, the texts to write, a registration template per förbund, and a checklist.

``nnsreport nytt-ar 2023`` (``make nytt-ar YEAR=2023``) prepares everything an analyst needs, and nothing
that is not data or text: the year's registration folder, the year's commentary files as marked drafts
(:mod:`nns.present.commentary`), a blank registration file for every förbund that took part the year before,
and a list of what remains to supply — national facts, instrument changes, texts. It never overwrites.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nns import layer
from nns.config import Scope, Settings
from nns.errors import NNSError
from nns.present.commentary import seed_texts
from nns.registration.model import file_name
from nns.registration.template import build_workbook, save_workbook
from nns.spec.context import Context

__all__ = ["YearStart", "start_year", "instrument_changes"]


@dataclass
class YearStart:
    year: int
    folders: list[Path] = field(default_factory=list)
    texts: list[Path] = field(default_factory=list)
    templates: list[Path] = field(default_factory=list)
    missing_facts: list[layer.Fact] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)


def instrument_changes(instrument, year: int) -> list[str]:
    """How ``year``'s questionnaires differ from the year before's, per the instrument (in Swedish)."""
    out = []
    for s in instrument.surveys_in(year):
        if s.from_year == year:
            out.append(f"Ny enkät {year}: {s.name}.")
            continue
        for q in instrument.questions.values():
            if q.survey != s.id:
                continue
            now, before = q.version(year), q.version(year - 1)
            if now is None and before is not None:
                out.append(f"{s.name}: fråga {before.number} ställs inte längre {year}.")
            elif now is not None and before is None:
                out.append(f"{s.name}: ny fråga {now.number} {year} ({q.id}).")
            elif now is not None and now is not before:
                what = []
                if now.number != before.number:
                    what.append(f"fråga {before.number} blir fråga {now.number}")
                if now.text != before.text:
                    what.append("ny formulering" + ("" if now.comparable else ", inte jämförbar med tidigare år"))
                if now.scale != before.scale:
                    what.append(f"skala {before.scale} blir {now.scale}")
                out.append(f"{s.name}, {q.id}: {', '.join(what)}.")
    return out


def start_year(settings: Settings, year: int) -> YearStart:
    """Prepare ``year`` (the folders, texts, templates) and list what the analyst must still supply."""
    agg = layer.load_aggregated(settings)
    ins = agg.instrument
    if not ins.surveys_in(year):
        raise NNSError(f"År {year} har inga enkäter i instrumentet (data/instrument.yaml).")
    result = YearStart(year)
    for folder in (settings.path("registration") / str(year), settings.path("commentary") / str(year)):
        if not folder.exists():
            folder.mkdir(parents=True)
            result.folders.append(folder)
    s = settings.replace(year=year)
    result.texts = seed_texts(Context(agg, Scope(year), s))
    previous = agg.forbund(year - 1) if year - 1 in agg.years else []
    templates = settings.path("output_dir") / str(year) / "mallar"
    for name in previous:
        target = templates / file_name(name, year)
        if not target.exists():
            save_workbook(build_workbook(ins, name, year), target)
            result.templates.append(target)
    result.missing_facts = layer.missing_facts(agg, year)
    result.changes = instrument_changes(ins, year)
    if result.missing_facts:
        result.todo.append(f"Lägg till årets nationella uppgifter i {settings.national}: "
                           + "; ".join(f"{f.label} ({f.key})" for f in result.missing_facts)
                           + ". Ange varifrån varje uppgift kommer: en källa under 'sources', som uppgiften "
                             "hänvisar till med 'source' (se kommentarerna i filen).")
    result.todo.append(
        "Kontrollera att data/instrument.yaml beskriver årets enkäter: "
        + (f"{len(result.changes)} ändringar mot {year - 1} finns redan där."
           if result.changes else f"inga ändringar mot {year - 1} finns där; lägg till nya versioner om "
                                  "frågor har ändrats, tillkommit eller tagits bort."))
    result.todo.append(f"Skicka mallarna i {templates} till förbunden; ta emot ifyllda filer med "
                       f"'nnsreport ta-emot FIL…' och läs in dem med 'nnsreport ingest'.")
    folder = settings.path("commentary") / str(year)
    result.todo.append(f"Skriv årets texter i {folder}: varje fil börjar som ett utkast (första raden); rapporten "
                       "räknar fram utkastet ur årets tal tills du tagit bort den raden och skrivit egen text.")
    return result

