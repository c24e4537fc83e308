"""make bench: how long the reports take to build, the project's way and the naive way.

* national cold: an empty notebook cache, two workers with reused kernels, HTML + PDF;
* naive: the papermill command line once per notebook, one after another (a new
  kernel and fresh imports every time), then the same render;
* unchanged rebuild: `nnsreport render` again with nothing changed (a new process);
* comparison cold: the comparison between förbund (a funnel plot per measure), empty cache;
* batch: every förbund's local report (HTML + PDF) with `--all-forbund` (and the comparison), and the
  naive cost per report estimated from the national naive run.

A benchmark, not a test: it prints timings and the line
`national cold: X s, naive: Y s, ratio: Z, unchanged rebuild: W s, comparison cold: V s`.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from nns import layer
from nns.build.collect import collect, write_figures
from nns.build.plan import build_root, output_dir, plan
from nns.build.report import build_report, source_date
from nns.config import Scope, load_settings
from nns.present.prose import variables
from nns.render.renderers import render_book
from nns.spec.context import Context

ROOT = Path(__file__).resolve().parent.parent


def cold(settings, scope, cache: Path) -> float:
    shutil.rmtree(cache, ignore_errors=True)
    out = output_dir(settings, scope)
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    build_report(settings.replace(cache_dir=str(cache)), scope, workers=2)
    return time.perf_counter() - t


def naive(settings, scope, work: Path) -> float:
    """papermill CLI per notebook into a separate build folder, then the same collect + render."""
    agg = layer.load_aggregated(settings)
    jobs = plan(settings, scope, agg.instrument)
    t = time.perf_counter()
    for job in jobs:
        out = work / job.output.relative_to(build_root(settings, scope))
        out.parent.mkdir(parents=True, exist_ok=True)
        params = out.with_suffix(".params.yaml")
        params.write_text(yaml.safe_dump(job.parameters, allow_unicode=True), encoding="utf-8")
        cmd = [str(Path(sys.executable).parent / "papermill"), str(job.notebook), str(out), "--log-level", "ERROR",
               "--no-progress-bar", "--cwd", str(ROOT), "-f", str(params)]
        subprocess.run(cmd, check=True, capture_output=True)
    out_dir = work / "_output"
    tables, charts = collect(sorted(work.glob("report/*/*.ipynb")))
    write_figures(tables, charts, out_dir)
    render_book(ROOT, scope, work, out_dir, settings.formats, variables(Context(agg, scope, settings)),
                source_date(scope))
    return time.perf_counter() - t


def rebuild(year: int) -> float:
    t = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "nnsreport"), "-q", "render", "--year", str(year)],
                   check=True, capture_output=True)
    return time.perf_counter() - t


def batch(year: int) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).parent / "nnsreport"), "-q", "render", "--year", str(year),
                           "--all-forbund", "--workers", "2"], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    n = len([p for p in (ROOT / "_output" / str(year)).glob("*/rapport.pdf")
             if p.parent.name not in ("riket", "jamforelse")])
    return elapsed, n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--skip-batch", action="store_true")
    args = ap.parse_args(argv)
    settings = load_settings().replace(year=args.year)
    scope = Scope(args.year)
    cache = Path(tempfile.mkdtemp(prefix="nnsbench-cache-"))
    try:
        c = cold(settings, scope, cache)
        print(f"national cold build (2 workers, empty cache): {c:.1f} s", flush=True)
        # the rebuild uses the project's own cache: fill it, then time a no-change run
        build_report(settings, scope, workers=2)
        w = rebuild(args.year)
        print(f"unchanged rebuild (new process): {w:.1f} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="nnsbench-naive-") as tmp:
            n = naive(settings, scope, Path(tmp))
        print(f"naive (papermill CLI per notebook, then render): {n:.1f} s", flush=True)
        j = cold(settings, Scope(args.year, comparison=True), cache)
        print(f"comparison between förbund cold (2 workers, empty cache): {j:.1f} s", flush=True)
        if not args.skip_batch:
            shutil.rmtree(settings.path("cache_dir") / "notebooks", ignore_errors=True)
            b, count = batch(args.year)
            jobs = len(plan(settings, scope, layer.load_aggregated(settings).instrument))
            print(f"batch: {count} local reports and the comparison (HTML + PDF) in {b:.1f} s, "
                  f"{b / max(count, 1):.2f} s per report; "
                  f"naive estimate {n:.1f} s per report ({jobs} papermill runs each), "
                  f"{n * count:.0f} s for all", flush=True)
        print(f"national cold: {c:.1f} s, naive: {n:.1f} s, ratio: {c / n:.2f}, unchanged rebuild: {w:.1f} s, "
              f"comparison cold: {j:.1f} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
