"""The command line: `nnsreport <command>`. Each command is one library call.

Messages for users are in Swedish. Errors of the project's own kinds
(:mod:`nns.errors`) are printed without a traceback and mapped to their exit
codes; anything else is a bug and shows its traceback.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from nns import interrupt
from nns.config import FORMATS, RIKET, Scope, Settings, check_settings, load_settings
from nns.errors import NNSError, RegistrationError

# Each command imports the layers it uses when it runs: importing every layer takes ~1 s (pandas,
# openpyxl, papermill, the renderers), and `nnsreport check` or an unchanged rebuild need a part of it
# (measured with python -X importtime). The imports are of lower layers only; no cycle is dodged.
# ruff: noqa: PLC0415

__all__ = ["main", "build_parser", "EXIT_CODES"]

logger = logging.getLogger("nnsreport")

#: What the exit codes mean (each error class in nns.errors has one), for `nnsreport --help`.
EXIT_CODES = ("Slutkoder: 0 klart; 1 fel (diff och audit: skillnader; --all-forbund: något förbund misslyckades); "
              "2 inställningarna (nnsreport.toml, --year), instrumentet eller ett okänt förbund; 3 fel i "
              "registreringsfiler; 4 det aggregerade datalagret; 5 en notebook, pandoc eller Typst misslyckades; "
              "6 en annan körning håller låset (två inläsningar, eller två byggen av samma rapport, samtidigt); "
              "7 en fil kunde inte skrivas (skrivskyddad mapp, full disk); 130 avbrutet.")


def _settings(args) -> Settings:
    s = load_settings(getattr(args, "config", None))
    year = getattr(args, "year", None)
    return check_settings(s.replace(year=year), "--year") if year else s


def cmd_render(args) -> int:
    s = _settings(args)
    formats = tuple(args.format.split(",")) if args.format else s.formats
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise NNSError(f"Okänt format {', '.join(bad)}. Tillåtna: {', '.join(FORMATS)}.")
    logger.info("Inställningar: år %s, format %s, utdata %s, minsta antal svar %s.",
                s.year, ",".join(formats), s.output_dir, s.min_answers)
    if args.all_forbund:
        from nns.build.batch import render_all

        summary = render_all(s, formats, workers=args.workers, progress=not args.quiet)
        print(summary.text())
        return 0 if not summary.failed else 1
    # an unchanged report is answered from the files alone, before pandas and the package are imported
    from nns.build import quick

    t0 = time.perf_counter()
    request = quick.request_of(s, args.forbund, args.jamforelse, formats, getattr(args, "config", None))
    key = quick.input_key(s, request)
    stamp = quick.check(s, request, key)
    if stamp is not None:
        logger.info("Inget har ändrats sedan rapporten i %s byggdes.", stamp["out"])
        printed = {**stamp, "unchanged": True}
        timings = {"total": time.perf_counter() - t0, "executed": 0, "cached": stamp["notebooks"]}
    else:
        printed, result = _render(s, args, formats)
        quick.remember(s, request, key, result.out_dir, result.manifest, printed)
        timings = result.timings
    for line in printed["files"] + printed["stdout"]:
        print(line)
    for line in printed["stderr"]:
        print(line, file=sys.stderr)
    print(f"Klart på {timings['total']:.1f} s ({timings['executed']} notebooks körda, {timings['cached']} från "
          f"cachen, {printed['figures']} tal i figures.csv{', rendering oförändrad' if printed['unchanged'] else ''}).")
    return 0


def _render(s: Settings, args, formats) -> tuple[dict, object]:
    """Build one report; returns what to print (the files, the notes on missing texts and facts) and the result."""
    from nns.build.startup import StartingKernels

    workers = args.workers or 2
    # a kernel starts first, before this process imports pandas and the package (about 0.7 s of one core): the
    # kernels' start is the longest step of a cold build. The build starts the others it needs once it knows how
    # many (one would only share the two cores with this process meanwhile), and stops this one if it needs none.
    with StartingKernels(s.root, 1) as kernels:
        import nnsreport as nr
        from nns import layer
        from nns.build.report import build_report
        from nns.present.commentary import missing_texts
        from nns.spec.context import Context

        scope = Scope(s.year, args.forbund or RIKET, comparison=args.jamforelse)
        result = build_report(s, scope, formats, workers=workers, kernels=kernels)
    stdout, stderr = [], []
    scope = result.scope or scope   # the förbund's name as the data spell it
    agg = layer.load_aggregated(s)
    # the comparison has no editable texts: its prose is computed
    missing = [] if scope.comparison else missing_texts(Context(agg, scope, s))
    if missing:
        folder = f"{s.commentary}/{s.year}/" + (f"{nr.slug(scope.forbund)}/" if scope.forbund else "")
        stdout.append(f"Årets text saknas eller är ett utkast för {', '.join(missing)}; rapporten visar automatiska "
                      f"utkast (beräknade ur tabellerna). Skriv texterna i {folder}<namn>.md.")
    for fact in layer.missing_facts(agg, s.year):
        stderr.append(f"Varning: nationell uppgift saknas för {fact.year}: {fact.label} ('{fact.key}' i "
                      f"{s.national}). Rapporten skriver {fact.marker()} där den behövs; lägg till uppgiften och "
                      f"rendera igen.")
    printed = {"files": [str(f) for f in result.files], "stdout": stdout, "stderr": stderr,
               "figures": result.figures, "notebooks": result.timings["executed"] + result.timings["cached"],
               "unchanged": not result.rendered}
    return printed, result


def cmd_notebooks(args) -> int:
    """Execute the notebooks into the project tree (for `quarto render` afterwards)."""
    from nns.build.report import prepare_notebooks

    s = _settings(args)
    stats = prepare_notebooks(s, Scope(s.year, args.forbund or RIKET, comparison=args.jamforelse),
                              workers=args.workers or 2)
    profile = " --profile lokal" if args.forbund else " --profile jamforelse" if args.jamforelse else ""
    print(f"{stats['executed']} notebooks körda, {stats['cached']} från cachen; _variables.yml och _rapport.yml "
          f"skrivna. Rendera med Quarto: quarto render{profile}")
    return 0


#: check/ingest show at most this many problems per file and sheet (all with --alla).
PROBLEMS_SHOWN_PER_SHEET = 30


def _print_problems(problems, show_all: bool = False, file=None) -> None:
    """Every problem, one a line; past PROBLEMS_SHOWN_PER_SHEET per file and sheet, a count instead."""
    shown: Counter = Counter()
    hidden: Counter = Counter()
    for p in problems:
        key = (p.file, p.sheet)
        if show_all or shown[key] < PROBLEMS_SHOWN_PER_SHEET:
            print(str(p), file=file)
            shown[key] += 1
        else:
            hidden[key] += 1
    for (f, sheet), n in hidden.items():
        where = f"{f}, bladet {sheet}" if sheet else f
        print(f"{where}: … och {n} problem till av samma slag (visa alla med --alla).", file=file)


def _expand(paths: list[str]) -> tuple[list[Path], list[Path]]:
    """Files and CSV folders to check; a folder of registrations (a year, or all years) stands for its content.

    Also returns the registration folders among them (folders of year folders): what else lies
    in them is checked as ingest checks it.
    """
    from nns.registration.files import registration_files, year_folders
    from nns.registration.model import DIR_RE

    out, roots = [], []
    for raw in paths:
        p = Path(raw)
        if p.is_dir() and not DIR_RE.match(p.name):
            if year_folders(p):
                roots.append(p)
                found = registration_files(p)
            else:
                found = sorted(q for q in p.iterdir() if not q.name.startswith((".", "~$"))
                               and ((q.is_file() and q.suffix == ".xlsx") or (q.is_dir() and DIR_RE.match(q.name))))
            out.extend(found or [p])
        else:
            out.append(p)
    return out, roots


def cmd_check(args) -> int:
    from nns.instrument import load_instrument
    from nns.registration.read import check_files, check_tree

    s = _settings(args)
    paths, roots = _expand(args.files)
    regs, problems = check_files(paths, load_instrument(s.path("instrument")))
    for root in roots:
        check_tree(root, problems)
    _print_problems(problems.problems, show_all=args.alla)
    n_err, n_warn = len(problems.errors), len(problems.warnings)
    responses = sum(len(r) for reg in regs for r in reg.surveys.values())
    verdict = "Rätta felen och kontrollera igen." if n_err else "Filerna kan läsas in."
    print(f"{len(paths)} {'fil kontrollerad' if len(paths) == 1 else 'filer kontrollerade'}: {n_err} fel, "
          f"{n_warn} {'varning' if n_warn == 1 else 'varningar'}, {responses} svar. {verdict}")
    return RegistrationError.exit_code if n_err else 0


def cmd_ingest(args) -> int:
    from nns.instrument import load_instrument
    from nns.registration.ingest import ingest

    s = load_settings(args.config)   # --year selects the files to read, not the report year
    year = args.year
    try:
        layer, problems, regs = ingest(s.path("registration"), s.path("aggregated"),
                                       load_instrument(s.path("instrument")), year=year,
                                       drop_years=args.ta_bort_ar or ())
    except RegistrationError as exc:
        _print_problems(exc.problems, show_all=args.alla)
        n = len(exc.problems)
        print(f"{n} fel. Inget skrevs; det aggregerade datalagret är oförändrat.")
        return exc.exit_code
    _print_problems(problems.problems, show_all=args.alla)
    per_year = Counter(reg.year for reg in regs)
    years = ", ".join(f"{y}: {n}" for y, n in sorted(per_year.items()))
    n_warn = len(problems.warnings)
    print(f"Läste {len(regs)} registreringsfiler ({years}); {n_warn} {'varning' if n_warn == 1 else 'varningar'}.")
    r = layer["responses"]
    if year:
        r = r[r["year"] == year]
    per = r.groupby(["year", "survey"], sort=False)["responses"].sum()
    for (y, survey), n in per.items():
        print(f"  {y} {survey}: {n} svar")
    print(f"Skrev {s.path('aggregated')}.")
    return 0


def cmd_new_year(args) -> int:
    """Start a new year: folders, text files as drafts, templates, and what is left to supply."""
    from nns.build.year import start_year

    s = load_settings(args.config)
    r = start_year(s, args.ar)
    for f in r.folders:
        print(f"Skapade mappen {f}.")
    print(f"Skrev {len(r.texts)} textfiler som utkast" + (f" i {r.texts[0].parent}." if r.texts else "."))
    print(f"Skrev {len(r.templates)} registreringsmallar" + (f" i {r.templates[0].parent}." if r.templates else "."))
    if r.changes:
        print(f"Instrumentets ändringar för {r.year}:")
        for c in r.changes:
            print(f"  {c}")
    print(f"Att göra för {r.year}:")
    for i, line in enumerate(r.todo, start=1):
        print(f"  {i}. {line}")
    return 0


def cmd_receive(args) -> int:
    """File registration files as received (any name; several per förbund are merged)."""
    from nns.instrument import load_instrument
    from nns.registration.receive import receive

    s = load_settings(args.config)
    result = receive([Path(f) for f in args.filer], s.path("registration"), s.path("received"),
                     load_instrument(s.path("instrument")), add=args.lagg_till, dry_run=args.torrkorning)
    _print_problems(result.problems.problems, show_all=True)
    verb = "Skulle arkivera" if args.torrkorning else "Arkiverade"
    for f in result.filed:
        sources = ", ".join(p.name for p in f.sources)
        print(f"{verb} {f.forbund} {f.year}: {sources} → {f.target}"
              + (f" (ersätter den tidigare filen, som sparas som {f.replaced})" if f.replaced else "") + ".")
        for line in f.changes:
            print(f"  {line}")
    if result.refused:
        print(f"Inte arkiverade: {', '.join(p.name for p in result.refused)}. Rätta felen och ta emot filerna igen.")
    return RegistrationError.exit_code if result.refused else 0


def cmd_template(args) -> int:
    from nns.instrument import load_instrument
    from nns.registration.model import file_name
    from nns.registration.template import build_workbook, save_workbook

    s = load_settings(args.config)   # the template's year is its own, not the report's
    ins = load_instrument(s.path("instrument"))
    forbund = " ".join(args.forbund.split())
    if not forbund:
        raise NNSError("Ange förbundets namn med --forbund.")
    if not ins.surveys_in(args.year):
        first = min(sv.from_year for sv in ins.surveys)
        raise NNSError(f"År {args.year} har inga enkäter i instrumentet; mätningarna finns från {first}.")
    # The name is data: it only reaches the file system through file_name() (nnsreport.slug).
    out = Path(args.out) if args.out else Path(file_name(forbund, args.year))
    if out.suffix.lower() != ".xlsx":
        raise NNSError(f"Mallen ska sparas som .xlsx, fick '{out.name}'.")
    if out.exists() and not args.force:
        raise NNSError(f"{out} finns redan; den skrivs inte över (använd --force om det är meningen).")
    save_workbook(build_workbook(ins, forbund, args.year), out)
    print(f"Skrev {out}. Spara filen som {file_name(forbund, args.year)} när den är ifylld.")
    return 0


def cmd_audit(args) -> int:
    import nnsreport as nr
    from nns import layer
    from nns.review import audit as au
    from nns.spec.context import Context
    from nns.spec.model import figures
    from nns.spec.parts import all_tables
    from nns.spec.published import published_paths

    s = _settings(args)
    agg = layer.load_aggregated(s)
    year = s.year
    paths = published_paths(s.path("published"), year)
    published = paths["figures"]
    if not published.exists():
        have = sorted(p.stem.split("_")[-1] for p in s.path("published").glob("figures_*.csv"))
        raise NNSError(f"Det finns ingen publicerad rapport för {year} att jämföra med "
                       f"(finns: {', '.join(have) or 'ingen'}).", where=str(published))
    ctx = Context(agg, Scope(year), s)
    computed = figures(all_tables(ctx))
    res = au.audit(computed, published, paths["errata"], agg.instrument, year, s.table20_points_per_measure,
                   paths["table_20"])
    diffs = res["differences"]
    unknown = [d for d in diffs if not d.known]
    departing = [d for d in diffs if d.known == au.RULE_DEPARTURE]
    print(f"Jämförelse med den publicerade rapporten {year}: {len(diffs)} skillnader, "
          f"varav {len(diffs) - len(unknown) - len(departing)} kända tryckfel och {len(departing)} där den tryckta "
          "tabell 20 inte följer sin regel.")
    for d in diffs:
        print(f"  {d}")
    inc = res["inconsistencies"]
    print(f"Den publicerade rapporten mot sig själv: {len(inc)} motsägelser.")
    for d in inc:
        print(f"  {d}")
    print("Tabell 20 beräknad ur de publicerade nyckeltalen (tabell N.2):")
    for (ind, group), (outcome, changes) in sorted(res["table_20"].items()):
        print(f"  indikator {ind:>2} {group:<8} {nr.UTVECKLING_LABELS.get(outcome, '-'):<30} förändringar {changes}")
    return 1 if unknown else 0


def cmd_diff(args) -> int:
    from nns.review import diff as df

    report = df.compare_dirs(Path(args.old), Path(args.new))
    print(report.text(limit=args.limit))
    if args.html:
        df.write_html(report, Path(args.new), Path(args.html))
        print(f"Skrev {args.html}.")
    return 0 if report.identical else 1


def cmd_disclosure(args) -> int:
    """Try to recover hidden small counts from a set of output folders (the disclosure auditor)."""
    from nns.instrument import load_instrument
    from nns.review.disclosure_audit import audit_outputs

    s = load_settings(args.config)
    folders = [Path(f) for f in args.mappar]
    minimum = args.min or s.min_answers
    found = audit_outputs(folders, load_instrument(s.path("instrument")), minimum)
    for r in found:
        print(r)
    print(f"Granskade {len(folders)} {'mapp' if len(folders) == 1 else 'mappar'} tillsammans: "
          + (f"{len(found)} tal från färre än {minimum} svar kan ses eller räknas fram." if found else
             f"inget tal från färre än {minimum} svar kan ses eller räknas fram."))
    return 1 if found else 0


def cmd_forbund(args) -> int:
    import nnsreport as nr
    from nns import layer

    s = _settings(args)
    agg = layer.load_aggregated(s)
    for f in agg.forbund(s.year):
        print(f"{f}\t{nr.slug(f)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nnsreport", description="NNS indikatorrapporter: nationell och lokal.",
                                epilog=EXIT_CODES)
    p.add_argument("--config", help="inställningsfil (standard: nnsreport.toml)")
    p.add_argument("-q", "--quiet", action="store_true", help="bara resultat och fel")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("render", help="rendera rapporten (HTML och PDF)")
    r.add_argument("--year", type=int)
    g = r.add_mutually_exclusive_group()
    g.add_argument("--forbund", help="förbundets namn: en lokal rapport")
    g.add_argument("--all-forbund", action="store_true",
                   help="en lokal rapport per förbund med data, och jämförelsen mellan förbund")
    g.add_argument("--jamforelse", action="store_true",
                   help="jämförelsen mellan förbund: varje förbunds nyckeltal mot rikets (trattdiagram)")
    r.add_argument("--format", help=f"{','.join(FORMATS)} (standard: alla)")
    r.add_argument("--workers", type=int, help="antal parallella kärnor (standard: 2)")
    r.set_defaults(func=cmd_render)

    n = sub.add_parser("notebooks", help="kör notebooks in i projektet och skriv _variables.yml (för quarto render)")
    n.add_argument("--year", type=int)
    ng = n.add_mutually_exclusive_group()
    ng.add_argument("--forbund", help="förbundets namn: notebooks för en lokal rapport (quarto render --profile lokal)")
    ng.add_argument("--jamforelse", action="store_true",
                    help="notebooks för jämförelsen mellan förbund (quarto render --profile jamforelse)")
    n.add_argument("--workers", type=int)
    n.set_defaults(func=cmd_notebooks)

    c = sub.add_parser("check", help="kontrollera registreringsfiler")
    c.add_argument("files", nargs="+", help="registreringsfiler (.xlsx), CSV-mappar eller mappar med sådana")
    c.add_argument("--alla", action="store_true", help="visa alla problem (annars högst 30 per blad)")
    c.set_defaults(func=cmd_check)

    i = sub.add_parser("ingest", help="bygg det aggregerade datalagret från registreringsfilerna")
    i.add_argument("--year", type=int, help="bara detta år (övriga år behålls)")
    i.add_argument("--ta-bort-ar", type=int, action="append", metavar="ÅR",
                   help="ta bort ett år som finns i datalagret men inte längre har någon årsmapp (kan upprepas)")
    i.add_argument("--alla", action="store_true", help="visa alla problem (annars högst 30 per blad)")
    i.set_defaults(func=cmd_ingest)

    ny = sub.add_parser("nytt-ar", help="förbered ett nytt år: mappar, textutkast, mallar och en lista att göra")
    ny.add_argument("ar", type=int, help="året, t.ex. 2023")
    ny.set_defaults(func=cmd_new_year)

    te = sub.add_parser("ta-emot", help="ta emot registreringsfiler med vilka namn som helst och arkivera dem")
    te.add_argument("filer", nargs="+", help="filerna som förbunden skickat (.xlsx)")
    te.add_argument("--lagg-till", action="store_true",
                    help="filerna kompletterar förbundets redan arkiverade fil (slås ihop) i stället för att ersätta den")
    te.add_argument("--torrkorning", action="store_true", help="visa vad som skulle hända, skriv inget")
    te.set_defaults(func=cmd_receive)

    t = sub.add_parser("template", help="skapa en tom registreringsfil")
    t.add_argument("--forbund", required=True)
    t.add_argument("--year", type=int, required=True)
    t.add_argument("out", nargs="?", help="filnamn (standard: <år>_<förbund>.xlsx)")
    t.add_argument("--force", action="store_true", help="skriv över en befintlig fil")
    t.set_defaults(func=cmd_template)

    a = sub.add_parser("audit", help="jämför med den publicerade rapporten och granska den")
    a.add_argument("--year", type=int)
    a.set_defaults(func=cmd_audit)

    d = sub.add_parser("diff", help="visa vilka tal som ändrats mellan två renderade versioner")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--html", help="skriv en sida med ändrade celler markerade")
    d.add_argument("--limit", type=int, default=0, help="visa högst så många ändrade tal (0: alla)")
    d.set_defaults(func=cmd_diff)

    rk = sub.add_parser("rojandekontroll", help="försök räkna fram dolda tal ur flera renderade rapporter tillsammans")
    rk.add_argument("mappar", nargs="+", help="mappar med figures.csv (en rapport per mapp), t.ex. _output/2022/*")
    rk.add_argument("--min", type=int, help="minsta antal svar (standard: min_answers i nnsreport.toml)")
    rk.set_defaults(func=cmd_disclosure)

    f = sub.add_parser("forbund", help="lista förbund med data ett år")
    f.add_argument("--year", type=int)
    f.set_defaults(func=cmd_forbund)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    for noisy in ("papermill", "traitlets", "nbclient", "matplotlib", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    interrupt.handle_interrupts()
    try:
        code = args.func(args)
        interrupt.check()   # Ctrl-C that a library swallowed: the run still stops as interrupted
        return code
    except RegistrationError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        return exc.exit_code
    except NNSError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
