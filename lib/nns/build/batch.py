"""Every förbund's local report in one run: parallel over the machine's cores.

Each worker process starts one Jupyter kernel and keeps it for all the förbund
it renders, so imports and the loaded aggregated layer stay warm. One förbund's
failure is reported at the end and does not stop the others. The comparison
between förbund, part of the same linked set of outputs, is built with them
when every förbund is. An index page links every report.
"""
from __future__ import annotations

import html
import logging
import os
import time
import traceback
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

import nnsreport as nr
from nns import layer
from nns.build.plan import COMPARISON_FOLDER, SHORT, SLIDES, WORKBOOK
from nns.build.pool import WORKER_DIED, worker_pool
from nns.config import FORMATS, Scope, Settings
from nns.errors import NNSError
from nns.fsio import write_atomic
from nns.render.renderers import RENDERERS

__all__ = ["BatchSummary", "render_all", "write_index"]

logger = logging.getLogger(__name__)

_RUNNER = None


@dataclass
class BatchSummary:
    year: int
    done: list = field(default_factory=list)      # (förbund, out_dir, seconds)
    failed: list = field(default_factory=list)    # (förbund, message)
    seconds: float = 0.0
    index: Path | None = None
    comparison: Path | None = None                # the comparison between förbund, when built

    def text(self) -> str:
        lines = [f"{len(self.done)} lokala rapporter klara på {self.seconds:.1f} s "
                 f"({self.seconds / max(len(self.done), 1):.2f} s per rapport)."]
        if self.comparison:
            lines.append(f"Jämförelsen mellan förbund: {self.comparison}")
        if self.index:
            lines.append(f"Index: {self.index}")
        for name, message in self.failed:
            lines.append(f"MISSLYCKADES: {name}: {message}")
        return "\n".join(lines)


def _init_worker(root: str) -> None:
    """Make this worker ready to execute notebooks, once: in its own IPython shell, not a kernel beside it (a
    worker only executes and renders; see nns.build.inprocess)."""
    global _RUNNER
    # the build is imported here, in the worker, not where the batch's parent imports this module: the parent
    # starts the workers sooner without it (measured: importing this module 0.69–0.72 s → 0.35–0.37 s)
    from nns.build.inprocess import start_worker  # noqa: PLC0415

    logging.basicConfig(level=logging.WARNING)
    _RUNNER = start_worker(root)


#: How the comparison between förbund is named in the summary and the index page.
COMPARISON_NAME = "Jämförelse mellan förbund"


def _expected_cost(agg, year: int, name: str) -> tuple[int, int]:
    """How long a förbund's report is expected to take, for the batch's order: the surveys it used that year
    (each brings its charts and tables), then its answers; (0, 0) for a name without data (it fails at once)."""
    used = sum(1 for survey in agg.instrument.surveys_in(year) if name in agg.forbund(year, survey.id))
    return used, layer.total_responses(agg, year, name) if used else 0


def _render_one(args) -> tuple[str, str, float, str | None]:
    from nns.build.report import build_report  # noqa: PLC0415 (imported in the worker: see _init_worker)

    settings, scope, formats = args
    name = COMPARISON_NAME if scope.comparison else scope.forbund
    t = time.perf_counter()
    try:
        result = build_report(settings, scope, formats, runner=_RUNNER)
        return name, str(result.out_dir), time.perf_counter() - t, None
    except Exception as exc:  # one förbund's failure must not stop the others
        message = str(exc) if isinstance(exc, NNSError) else "".join(
            traceback.format_exception_only(type(exc), exc)).strip()
        return name, "", time.perf_counter() - t, message


def _outcome(future, scope: Scope) -> tuple[str, str, float, str | None]:
    """A report's (name, folder, seconds, error) from its job: what :func:`_render_one` returned, or, where its
    worker process ended under it, that (the pool is broken then: the reports not yet built fail the same way)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return COMPARISON_NAME if scope.comparison else scope.forbund, "", 0.0, WORKER_DIED


def render_all(settings: Settings, formats=None, workers: int | None = None, progress: bool = True,
               forbund: list[str] | None = None, comparison: bool | None = None) -> BatchSummary:
    """Render every förbund with data for the year (or the given ones) into _output/<year>/<slug>/.

    ``comparison``: also the comparison between förbund (_output/<year>/jamforelse/); by default when every
    förbund is rendered.
    """
    agg = layer.load_aggregated(settings)
    names = forbund or agg.forbund(settings.year)
    if not names:
        raise NNSError(f"Inga förbund har svar {settings.year}. År med data: {', '.join(map(str, agg.years))}.")
    # the longest first, so that the workers finish together: a förbund's report grows with the surveys it used
    names = sorted(names, key=lambda name: _expected_cost(agg, settings.year, name), reverse=True)
    scopes = [Scope(settings.year, name) for name in names]
    if comparison or (comparison is None and not forbund):
        scopes.insert(0, Scope(settings.year, comparison=True))   # the longest job first
    workers = max(1, min(workers or os.cpu_count() or 1, len(scopes)))
    formats = tuple(formats or settings.formats)
    summary = BatchSummary(settings.year)
    t0 = time.perf_counter()
    bar = None
    if progress:
        bar = tqdm(total=len(scopes), desc="Lokala rapporter", unit="rapport")
    with worker_pool(settings.root, workers, initializer=_init_worker) as pool:
        futures = {pool.submit(_render_one, (settings, scope, formats)): scope for scope in scopes}
        try:
            for f in as_completed(futures):
                name, out, seconds, error = _outcome(f, futures[f])
                if error:
                    summary.failed.append((name, error))
                elif name == COMPARISON_NAME and out:
                    summary.comparison = Path(out)
                else:
                    summary.done.append((name, out, seconds))
                if bar is not None:
                    bar.update(1)
        except BaseException:   # Ctrl-C: the reports not yet started are not started
            for f in futures:
                f.cancel()
            raise
    if bar is not None:
        bar.close()
    summary.seconds = time.perf_counter() - t0
    summary.done.sort(key=lambda d: nr.swedish_sort_key(d[0]))
    summary.failed.sort(key=lambda d: nr.swedish_sort_key(d[0]))
    summary.index = write_index(settings, summary)
    return summary


def _links(folder: Path, slug: str) -> str:
    """The files of one report folder, as table cells of links (empty where a file is not there): the report,
    its short version, the slides, the Excel file, figures.csv."""
    cells = []
    for stem, label in (("rapport", "Rapport"), (SHORT, "Kortversion")):
        names = [f"{stem}.{RENDERERS[f].suffix}" for f in FORMATS if (folder / f"{stem}.{RENDERERS[f].suffix}").exists()]
        links = " · ".join(f'<a href="{slug}/{n}">{n.rsplit(".", 1)[1].upper()}</a>' for n in names)
        cells.append(f"{label}: {links}" if links else "")
    for name, label in ((SLIDES, "Presentation"), (WORKBOOK, "Excel"), ("figures.csv", "figures.csv")):
        cells.append(f'<a href="{slug}/{name}">{label}</a>' if (folder / name).exists() else "")
    return "".join(f"<td>{c}</td>" for c in cells)


def write_index(settings: Settings, summary: BatchSummary) -> Path:
    """_output/<year>/index.html: links to the national report and every local report, with their short
    versions, slides and Excel files."""
    out = settings.path("output_dir") / str(summary.year)
    rows = []
    for name, path, _ in summary.done:
        slug = Path(path).name
        rows.append(f"<tr><td>{html.escape(name)}</td>{_links(Path(path), slug)}</tr>")
    national = ""
    if (out / "riket" / "rapport.html").exists():
        national = '<p><a href="riket/rapport.html">Nationell indikatorrapport (riket)</a></p>'
    rows_top = []
    if (out / "riket").is_dir():
        rows_top.append(f'<tr><td>Riket</td>{_links(out / "riket", "riket")}</tr>')
    if (out / COMPARISON_FOLDER / "rapport.html").exists():
        rows_top.append(f"<tr><td>{COMPARISON_NAME}</td>{_links(out / COMPARISON_FOLDER, COMPARISON_FOLDER)}</tr>")
    if rows_top:
        national += f"<table><tbody>{''.join(rows_top)}</tbody></table>"
    failed = "".join(f"<li>{html.escape(n)}: {html.escape(m)}</li>" for n, m in summary.failed)
    page = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Indikatorrapporter {summary.year}</title>
<style>body{{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
h1{{color:#1f4e79}}table{{border-collapse:collapse;width:100%}}td{{padding:4px 8px;border-bottom:1px solid #ddd}}
a{{color:#1f4e79}}</style></head><body>
<h1>Indikatorrapporter {summary.year}</h1>{national}
<p>{len(summary.done)} förbund.</p>
<table><tbody>{''.join(rows)}</tbody></table>
{f'<h2>Misslyckades</h2><ul>{failed}</ul>' if failed else ''}
</body></html>
"""
    target = out / "index.html"
    write_atomic(target, page.encode("utf-8"))
    return target
