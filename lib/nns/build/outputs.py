"""A report's files for reuse beside rapport.*: resultat.xlsx, presentation.pptx and the short version.

* ``resultat.xlsx`` — every table as printed, one sheet each (:mod:`nns.present.workbook`);
* ``presentation.pptx`` — slides for a board meeting (:mod:`nns.present.slides`);
* ``kortversion.html`` and ``kortversion.pdf`` — the short version, a book of its own (the Quarto profiles
  ``kort`` and ``kort-lokal``), rendered like the report.

All of them are made from what the executed notebooks recorded (the tables' printed grids, the charts' figures)
and the report's computed variables, so they show the numbers the report and figures.csv show, and nothing the
report hides (docs/disclosure.md). One call, :func:`write_outputs`, writes them into a report's staging folder
(:mod:`nns.build.publish`); :func:`write_workbook` alone serves any report with tables.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from nns.build.plan import SHORT, SLIDES, WORKBOOK
from nns.config import FORMATS, Scope
from nns.fsio import write_atomic
from nns.present.slides import Deck, IndicatorSlide, presentation_bytes
from nns.present.workbook import workbook_bytes
from nns.render.book import read_book
from nns.render.renderers import RENDERERS, book_metadata, profile, render_book, short_profile
from nns.spec import parts
from nns.spec.charts import chart_plan
from nns.spec.context import Context
from nns.spec.tables import key_figure_name

__all__ = ["output_names", "write_workbook", "deck", "write_slides", "render_short", "write_outputs"]


def output_names(formats, scope: Scope | None = None) -> list[str]:
    """The files :func:`write_outputs` writes for the given formats, in the order a reader looks for them.

    The comparison between förbund gets its Excel file only: it has no short version or slides of its own (each
    förbund's slides and short version are made from its own report).
    """
    if scope is not None and scope.comparison:
        return [WORKBOOK]
    return [f"{SHORT}.{RENDERERS[f].suffix}" for f in FORMATS if f in formats] + [SLIDES, WORKBOOK]


def write_workbook(tables: list[dict], out_dir: Path, title: str, when: datetime, about: str = "") -> Path:
    """resultat.xlsx in ``out_dir``: every table record, in order, as printed."""
    target = Path(out_dir) / WORKBOOK
    write_atomic(target, workbook_bytes(tables, title, when, about))
    return target


def _first_indicator(figures: list[list]) -> str:
    return str(figures[0][1]) if figures else ""


def deck(ctx: Context, tables: list[dict], charts: list[dict], values: dict, title: str) -> Deck:
    """What the slides show: the report's records placed on slides, and the sentences the report prints."""
    numbers = parts.numbering(ctx)
    table_of = {t["number"]: t for t in tables}
    chart_numbers = {ind: [number for number, _, _ in plan]
                     for ind, plan in chart_plan(ctx.agg, ctx.year, ctx.settings).items()}
    indicators = []
    for ind in ctx.ins.indicators:
        key_tables = [t for t in tables if t["layout"] == "keyfigures" and _first_indicator(t["figures"]) ==
                      str(ind.number)]
        drawn = [c for c in charts if c["number"] in chart_numbers.get(ind.number, []) and c["figures"]]
        if key_tables or drawn:
            indicators.append(IndicatorSlide(ind.number, f"Indikator {ind.number}: {ind.short}", ind.text,
                                             key_figure_name(ind), key_tables, drawn))
    local = ctx.local
    if local:
        respondents = (f"Förbundet samlade in {values['forbund_antal_svar']} besvarade enkäter {ctx.year}; i riket "
                       f"besvarades {values['antal_svar']} enkäter i {values['antal_forbund']} förbund.")
        development = values["forbund_utv_totalt_mening"]
        closing = ["Förbundets hela rapport: rapport.pdf och rapport.html",
                   "Kortversion: kortversion.pdf och kortversion.html",
                   "Alla tabeller i Excel: resultat.xlsx; alla tal som data: figures.csv",
                   "Rikets resultat: den nationella rapporten",
                   f"Tal som bygger på färre än {ctx.settings.min_answers} svar visas inte (..)"]
    else:
        respondents = f"{values['forbund_av_landets']} deltog. {values['kort_svar_mening']}"
        development = values["utv_totalt_mening"]
        closing = ["Hela rapporten: rapport.pdf och rapport.html",
                   "Kortversion: kortversion.pdf och kortversion.html",
                   "Alla tabeller i Excel: resultat.xlsx; alla tal som data: figures.csv",
                   "Varje deltagande förbund har en egen rapport med riket bredvid",
                   f"Tal som bygger på färre än {ctx.settings.min_answers} svar visas inte (..)"]
    subtitle = ("Förbundets resultat jämförda med riket – NNS:s indikatorer för finansiell samordning" if local else
                "Resultat från NNS:s enkäter – indikatorer för finansiell samordning")
    return Deck(
        title=title, subtitle=subtitle, forbund=ctx.forbund, year=ctx.year,
        respondents=table_of[str(numbers["antal-enkater"].table)], respondents_text=respondents,
        indicators=indicators, development=table_of[str(numbers["sammanvagd-utveckling"].table)],
        development_text=development, indicator_names={str(i.number): i.short for i in ctx.ins.indicators},
        closing=closing, source=f"Källa: NNS:s indikatorenkäter {ctx.year}",
        colours={s.id: s.colour for s in ctx.ins.surveys},
    )


def write_slides(ctx: Context, tables: list[dict], charts: list[dict], values: dict, out_dir: Path, title: str,
                 when: datetime) -> Path:
    target = Path(out_dir) / SLIDES
    write_atomic(target, presentation_bytes(deck(ctx, tables, charts, values, title), when))
    return target


def render_short(root: Path, scope: Scope, build_root: Path, out_dir: Path, formats, values: dict,
                 when: datetime) -> list[Path]:
    """kortversion.<suffix> for each format: the short version's book, rendered as the report is."""
    return render_book(root, scope, build_root, out_dir, formats, values, when, book_profile=short_profile(scope),
                       name=SHORT)


def write_outputs(ctx: Context, root: Path, build_root: Path, out_dir: Path, tables: list[dict], charts: list[dict],
                  formats, values: dict, when: datetime) -> list[Path]:
    """resultat.xlsx, presentation.pptx and (for each format) the short version, into ``out_dir``."""
    title = book_metadata(read_book(root, profile(ctx.scope)), ctx.scope)["title"]
    who = f" för {ctx.forbund}" if ctx.local else ""
    about = (f"Tabellerna i {title}{who}, som i rapporten. Andelar är tal med procentformat; .. betyder att talet "
             "inte visas för att skydda de svarandes anonymitet (se tabellens fotnot), – att det inte finns något att "
             "redovisa.")
    files = [write_workbook(tables, out_dir, f"{title}{' – ' + ctx.forbund if ctx.local else ''}", when, about)]
    if ctx.scope.comparison:
        return files
    files += [write_slides(ctx, tables, charts, values, out_dir, title, when)]
    if formats:
        files += render_short(root, ctx.scope, build_root, out_dir, formats, values, when)
    return files
