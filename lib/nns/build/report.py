"""Building one report: execute the notebooks (cached), collect the figures, render, write the manifest.

Speed comes from three things:

* one Jupyter kernel per worker, reused for every notebook (:mod:`nns.build.kernels`);
* a cache of executed notebooks keyed by everything they read (:mod:`nns.build.cache`);
* skipping the render when its inputs are unchanged since the last build of the same folder
  (and the folder is whole: every file as its manifest.json lists it).

A report is published whole or not at all (:mod:`nns.build.publish`), and two builds
of the same report never run at once (:func:`build_lock`).
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nns import layer
from nns.build.cache import inputs_fingerprint, job_key, render_key
from nns.build.collect import collect, collect_texts, write_figures, write_texts
from nns.build.manifest import manifest_data, manifest_text, write_manifest
from nns.build.outputs import output_names, write_outputs
from nns.build.plan import Job, build_root, output_dir, plan, scope_folder
from nns.build.publish import RENDER_KEY, publish, recover, staged, verify
from nns.build.startup import kernels_for
from nns.config import FORMATS, Scope, Settings
from nns.errors import LockedError, NNSError
from nns.fsio import exclusive_lock, file_hash, write_atomic, write_text
from nns.present.prose import variables
from nns.render.book import BOOK_METADATA, SHORT_METADATA, read_book, write_book_metadata, write_variables
from nns.render.renderers import RENDERERS, profile, quarto_metadata, render_book, short_profile
from nns.spec.context import Context

logger = logging.getLogger(__name__)

__all__ = ["BuildResult", "build_report", "build_lock", "BUILD_LOCK", "describe", "source_date", "prepare_notebooks",
           "execute"]

#: The build lock's file name in a report's build folder.
BUILD_LOCK = ".build.lock"


@dataclass
class BuildResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    figures: int = 0
    timings: dict = field(default_factory=dict)
    rendered: bool = True
    scope: Scope | None = None
    #: the hash of the manifest.json the build left in ``out_dir`` (taken holding the build lock)
    manifest: str = ""


def source_date(scope: Scope) -> datetime:
    """The PDF's timestamp: SOURCE_DATE_EPOCH when set, else fixed from the report year."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime(scope.year + 1, 1, 1, tzinfo=UTC)


def execute(jobs: list[Job], settings: Settings, runner=None, workers: int = 1, meanwhile=None,
            kernels=None) -> dict:
    """Execute the jobs that are not cached; returns timing and cache statistics.

    ``meanwhile``: a function to run in this process while the kernels work, when there is anything to execute
    (its result under ``"meanwhile"``); this process only waits for them. ``kernels``: kernels started already
    (:class:`nns.build.startup.StartingKernels`), used before new ones are started and stopped when not needed.
    """
    cache = settings.path("cache_dir") / "notebooks"
    cache.mkdir(parents=True, exist_ok=True)
    fingerprint = inputs_fingerprint(settings)
    todo = []
    hits = 0
    for job in jobs:
        cached = cache / f"{job_key(job, fingerprint)}.ipynb"
        if cached.exists():
            if not job.output.exists() or file_hash(job.output) != file_hash(cached):
                write_atomic(job.output, cached.read_bytes())
            hits += 1
        else:
            todo.append((job, cached))
    if kernels is not None and runner is None:
        # started before papermill is imported below (0.16 s in a new process); none if nothing is to execute
        kernels.provide(kernels_for(len(todo), workers) if todo else 0)
    t = time.perf_counter()
    beside = None
    if todo:
        # papermill, nbclient and jupyter_client take ~0.3 s to import; a rebuild that finds every notebook in the
        # cache never needs them (measured with python -X importtime)
        from nns.build.execution import run_jobs  # noqa: PLC0415

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnsmeanwhile") as side:
            beside = side.submit(meanwhile) if meanwhile is not None else None
            run_jobs(todo, settings.root, runner, workers, kernels)
    out = {"executed": len(todo), "cached": hits, "seconds": time.perf_counter() - t}
    if beside is not None:
        out["meanwhile"] = beside.result()
    return out


def _resolve(settings: Settings, scope: Scope):
    """The aggregated layer, and the scope with the förbund's name as the data spell it."""
    agg = layer.load_aggregated(settings)
    if scope.local:
        scope = Scope(scope.year, layer.find_forbund(agg, scope.forbund, scope.year))
    if scope.year not in agg.years:
        raise NNSError(f"Det finns inga data för {scope.year}. År med data: "
                       f"{', '.join(map(str, agg.years))}.")
    return agg, scope


def describe(scope: Scope) -> str:
    """The report in a message: 'den nationella rapporten 2022', 'den lokala rapporten 2022 för Väst',
    'jämförelsen mellan förbund 2022'."""
    if scope.comparison:
        return f"jämförelsen mellan förbund {scope.year}"
    return f"den lokala rapporten {scope.year} för {scope.forbund}" if scope.local \
        else f"den nationella rapporten {scope.year}"


def build_lock(settings: Settings, scope: Scope, label: str):
    """The lock that keeps two builds of the same report (year and riket/förbund) from running at once.

    It lives in the report's build folder (``<build_dir>/<year>/<scope>/.build.lock``), which
    both the executed notebooks and the published report belong to; a second build fails
    at once with :class:`LockedError`.
    """
    lock = build_root(settings, scope) / BUILD_LOCK

    def busy(holder: str) -> LockedError:
        return LockedError(f"Bygget av {describe(scope)}", lock, holder)

    return exclusive_lock(lock, f"{label} {scope.year} {scope_folder(scope) if not scope.local else scope.forbund}",
                          busy)


def build_report(settings: Settings, scope: Scope, formats=None, runner=None, workers: int = 1,
                 kernels=None) -> BuildResult:
    """Execute, collect and render one report (national or local) and publish it whole into its output folder.

    Everything is written into a staging folder beside the output folder and
    swapped in only when complete (:mod:`nns.build.publish`); an interrupted
    build leaves the previous report as it was. The render is skipped only when
    its inputs are unchanged and the published folder is exactly what its
    manifest.json lists.

    ``kernels``: Jupyter kernels started already (:class:`nns.build.startup.StartingKernels`, ``nnsreport
    render``'s), taken for the notebooks before new ones are started; those not needed are stopped.
    """
    t0 = time.perf_counter()
    agg, scope = _resolve(settings, scope)
    with build_lock(settings, scope, "nnsreport render"):
        result = _build(settings, agg, scope, formats, runner, workers, t0, kernels)
        result.manifest = file_hash(result.out_dir / "manifest.json")
        return result


def _build(settings: Settings, agg, scope: Scope, formats, runner, workers: int, t0: float,
           kernels=None) -> BuildResult:
    jobs = plan(settings, scope, agg.instrument)
    ctx = Context(agg, scope, settings)
    # the report's computed sentences (the render needs them) while this build's kernels start: in a new process
    # they cost about a second (the year's disclosure control, the comparisons), which this process would
    # otherwise spend after the notebooks. Not beside a runner it is given (the batch's): its notebooks run in
    # this process, and the thread would take the interpreter from them (with a kernel: 0.9 s slower per förbund)
    stats = execute(jobs, settings, runner=runner, workers=workers,
                    meanwhile=(lambda: variables(ctx)) if runner is None else None, kernels=kernels)
    computed = stats.pop("meanwhile", None)
    t1 = time.perf_counter()
    out = output_dir(settings, scope)
    recover(out)
    formats = tuple(f for f in FORMATS if f in (formats or settings.formats))
    key = render_key(settings, scope, jobs, formats)
    targets = [out / f"rapport.{RENDERERS[f].suffix}" for f in formats] + [out / "figures.csv"]
    targets += [out / name for name in output_names(formats, scope)]
    if _unchanged(out, key):
        result = BuildResult(out, targets, rendered=False, scope=scope)
        result.figures = sum(1 for _ in open(out / "figures.csv", encoding="utf-8")) - 1
        _refresh_manifest(settings, scope, jobs, out, formats)
        result.timings = {"notebooks": round(t1 - t0, 2), "figures": 0, "render": 0, "outputs": 0,
                          "total": round(time.perf_counter() - t0, 2), **stats}
        return result
    with staged(out) as staging:
        tables, charts = collect([j.output for j in jobs])
        n = write_figures(tables, charts, staging)
        write_texts(collect_texts([j.output for j in jobs]), staging)
        t2 = time.perf_counter()
        values = computed if computed is not None else variables(ctx)
        # resultat.xlsx, presentation.pptx, kortversion.* (nns.build.outputs) beside the report's own render: each
        # waits on pandoc and Typst much of its time, so they overlap (the block waits for both)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnsoutputs") as side:
            others = side.submit(write_outputs, ctx, Path(settings.root), build_root(settings, scope), staging, tables,
                                 charts, formats, values, source_date(scope))
            if formats:
                # a renderer that fails leaves its input in the build folder, never in the report
                render_book(Path(settings.root), scope, build_root(settings, scope), staging, formats, values,
                            source_date(scope))
            t_render = time.perf_counter()
            others.result()
        write_manifest(settings, scope, jobs, staging, formats)
        write_atomic(staging / RENDER_KEY, key.encode())
        publish(staging, out)
    t3 = time.perf_counter()
    result = BuildResult(out, targets, figures=n, scope=scope)
    result.timings = {"notebooks": round(t1 - t0, 2), "figures": round(t2 - t1, 2),
                      # the other outputs: how long they took beyond the report's own render (they run beside it)
                      "render": round(t_render - t2, 2), "outputs": round(t3 - t_render, 2),
                      "total": round(t3 - t0, 2), **stats}
    logger.info("Rapporten klar i %s (%.1f s).", out, t3 - t0)
    return result


def _unchanged(out: Path, key: str) -> bool:
    """Whether the published report was rendered from the same inputs and is whole (its manifest says so)."""
    stamp = out / RENDER_KEY
    if not stamp.is_file() or stamp.read_text(encoding="utf-8", errors="replace") != key:
        return False
    reasons = verify(out)
    if reasons:
        more = f" och {len(reasons) - 3} till" if len(reasons) > 3 else ""
        logger.warning("Rapporten i %s renderas om: den stämmer inte med sin manifest.json (%s%s).",
                       out, "; ".join(reasons[:3]), more)
        return False
    return True


def _refresh_manifest(settings: Settings, scope: Scope, jobs: list[Job], out: Path, formats) -> None:
    """An unchanged report's manifest.json, rewritten only when what it records has moved on (the git
    state, a registration file not yet ingested); the outputs are the ones it lists, checked by :func:`verify`."""
    target = out / "manifest.json"
    current = target.read_text(encoding="utf-8")
    outputs = json.loads(current)["outputs"]
    text = manifest_text(manifest_data(settings, scope, jobs, outputs, formats))
    if text != current:
        write_text(target, text)


def prepare_notebooks(settings: Settings, scope: Scope, workers: int = 2) -> dict:
    """Execute a report's notebooks and put them, with ``_variables.yml`` and ``_rapport.yml``, into the tree.

    This is what ``quarto render`` needs (``make notebooks``): the executed
    notebooks under ``report/indicators/`` and ``report/parts/``, the
    computed variables of the same scope, and the book's metadata (title with
    the year, the förbund, the PDF's chart widths) of the report and of its short
    version (``_rapport.yml``, ``_rapport-kort.yml``). Returns execution statistics.
    """
    agg, scope = _resolve(settings, scope)
    with build_lock(settings, scope, "nnsreport notebooks"):
        jobs = plan(settings, scope, agg.instrument)
        stats = execute(jobs, settings, workers=workers)
        root, broot = Path(settings.root), build_root(settings, scope)
        for job in jobs:
            target = root / job.output.relative_to(broot)
            write_atomic(target, job.output.read_bytes())
        stale = _stale_notebooks(root, broot, jobs)
        for path in stale:
            path.unlink()
        values = variables(Context(agg, scope, settings))
        write_variables(root / "_variables.yml", values)
        # the PDF's layout (charts narrowed or moved where a chapter would end in a few lines) is measured by
        # typesetting it once; Quarto gets the same widths through _rapport.yml
        layout: dict = {}
        with tempfile.TemporaryDirectory(prefix="nnslayout-") as tmp:
            render_book(root, scope, root, Path(tmp), ("pdf",), values, source_date(scope), layout=layout)
        write_book_metadata(root / BOOK_METADATA, quarto_metadata(read_book(root, profile(scope)), scope, layout))
        if scope.comparison:   # no short version of its own
            (root / SHORT_METADATA).unlink(missing_ok=True)
        else:
            write_book_metadata(root / SHORT_METADATA, quarto_metadata(read_book(root, short_profile(scope)), scope))
    return stats


def _stale_notebooks(root: Path, broot: Path, jobs: list[Job]) -> list[Path]:
    """Executed notebooks in the tree that the plan does not write (another scope's parts)."""
    wanted = {root / j.output.relative_to(broot) for j in jobs}
    dirs = {p.parent for p in wanted}
    return sorted(p for d in dirs for p in d.glob("*.ipynb") if p not in wanted)


