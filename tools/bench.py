"""make bench: how long the reports take to build, the project's way and the naive way, on a noisy machine.

The compared builds run alternately (A, B, A, B …, ``--rounds`` times each) and the benchmark reports medians
and the ratio of medians, so that a burst of load on a shared machine hits both sides alike:

* national cold (A): an empty notebook cache, two workers with reused kernels, every output (HTML, PDF,
  figures.csv, resultat.xlsx, presentation.pptx, the short version); its phases from the build's own timings
  (notebooks, figures, render of the report, the other outputs);
* naive (B): the papermill command line once per notebook, one after another (a new kernel and fresh imports
  every time), then the same collect and render of the report;
* national cold in a new process (C): `nnsreport render` as a user starts it, with the project's notebook cache
  and kept disclosure control removed and no published report. The cold build A runs in the bench's own process,
  its imports done and Typst's layout of the same report remembered from the round before (0.27 s of the
  0.33 s); C pays both, as every `nnsreport render` does, and its ratio to the naive build is reported beside
  A's. (The naive build's collect and render run in the bench's process too, which flatters it, not C);
* unchanged rebuild: `nnsreport render` again with nothing changed (a new process), median of the rounds;
* comparison cold: the comparison between förbund, empty cache (once);
* batch: every förbund's local report and the comparison with every output (`--all-forbund`), cold,
  `--batch-rounds` times (3) one after another, reported as the median time and CPU, with the largest
  peak memory of the whole process tree (the parent, its workers and their kernels, sampled) and the CPU time of
  the whole tree (user and system, the workers' and the pandoc runs' included: the system counts a process's
  CPU to its parent once the parent has waited for it, as the batch waits for each): on the two cores, a batch
  whose CPU is twice its time was short of CPU, not of parallel work.

Every kernel of the bench keeps its IPython files (the naive build's history database) in a folder of the bench's
own, so that the timings do not depend on what earlier runs left in ``~/.ipython``.

A benchmark, not a test: it prints timings and the line
`national cold: X s, naive: Y s, ratio: Z, in a new process: P s, ratio: Q, unchanged rebuild: W s, comparison cold: V s, batch: B s (36 local reports + comparison, CPU C s; median of 3), peak memory: M MB`.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

from nns import layer
from nns.build.collect import collect, write_figures
from nns.build.plan import build_root, output_dir, plan
from nns.build.report import build_report, source_date
from nns.config import Scope, load_settings
from nns.present.prose import variables
from nns.render.renderers import render_book
from nns.spec.context import SUPPRESSION_STORE, Context

ROOT = Path(__file__).resolve().parent.parent
NNSREPORT = str(Path(sys.executable).parent / "nnsreport")


def cold(settings, scope, cache: Path) -> tuple[float, dict]:
    """A build from an empty notebook cache into a fresh output folder: (seconds, the build's phase timings)."""
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(output_dir(settings, scope), ignore_errors=True)
    t = time.perf_counter()
    result = build_report(settings.replace(cache_dir=str(cache)), scope, workers=2)
    return time.perf_counter() - t, result.timings


def naive(settings, scope, work: Path) -> float:
    """papermill CLI per notebook into a separate build folder, then the same collect + render.

    Its cache folder is as empty as the cold build's: the notebooks share the year's disclosure control
    through it (the first computes it), and a kept one from an earlier round would flatter the naive build."""
    settings = settings.replace(cache_dir=str(work / "cache"))
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


def forget_executions(settings) -> None:
    """Empty the project's notebook cache and its kept disclosure control: the next build executes everything."""
    shutil.rmtree(settings.path("cache_dir") / "notebooks", ignore_errors=True)
    shutil.rmtree(settings.path("cache_dir") / SUPPRESSION_STORE, ignore_errors=True)


def cold_process(settings, scope) -> float:
    """`nnsreport render` in a new process, from an empty notebook cache, without a kept disclosure control or a
    published report (seconds)."""
    forget_executions(settings)
    shutil.rmtree(output_dir(settings, scope), ignore_errors=True)
    return render_seconds(scope.year)


def render_seconds(year: int) -> float:
    """How long `nnsreport render` of the national report takes in a new process."""
    t = time.perf_counter()
    subprocess.run([NNSREPORT, "-q", "render", "--year", str(year)], check=True, capture_output=True)
    return time.perf_counter() - t


class PeakMemory:
    """The largest total resident memory of a process and all its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        self.root, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                for p in [self.root, *self.root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def children_cpu() -> float:
    """The user and system CPU seconds of this process's ended and waited-for children, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch(year: int) -> tuple[float, int, float, float]:
    """Every förbund's report and the comparison, with every output: (seconds, local reports, peak MB, CPU
    seconds of the whole process tree)."""
    t, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.Popen([NNSREPORT, "-q", "render", "--year", str(year), "--all-forbund", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakMemory(proc.pid) as memory:
        out, err = proc.communicate()
    elapsed, cpu = time.perf_counter() - t, children_cpu() - cpu
    if proc.returncode != 0:
        print(out[-2000:], err[-2000:])
    folders = [p.parent for p in (ROOT / "_output" / str(year)).glob("*/rapport.pdf")
               if p.parent.name not in ("riket", "jamforelse")]
    complete = [f for f in folders if all((f / n).exists() for n in (
        "rapport.html", "figures.csv", "resultat.xlsx", "presentation.pptx", "kortversion.pdf", "kortversion.html"))]
    return elapsed, len(complete), memory.peak / 2**20, cpu


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of the compared builds")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--batch-rounds", type=int, default=3,
                    help="cold batches, one after another: their median time and CPU, their largest peak memory")
    args = ap.parse_args(argv)
    settings = load_settings().replace(year=args.year)
    scope = Scope(args.year)
    cache = Path(tempfile.mkdtemp(prefix="nnsbench-cache-"))
    ipython_dir = Path(tempfile.mkdtemp(prefix="nnsbench-ipython-"))
    os.environ["IPYTHONDIR"] = str(ipython_dir)   # inherited by every kernel and subprocess of the bench
    colds, naives, fresh, rebuilds, phases = [], [], [], [], []
    try:
        for i in range(1, args.rounds + 1):
            c, timings = cold(settings, scope, cache)
            colds.append(c)
            phases.append(timings)
            with tempfile.TemporaryDirectory(prefix="nnsbench-naive-") as tmp:
                naives.append(naive(settings, scope, Path(tmp)))
            fresh.append(cold_process(settings, scope))
            # the rebuild uses the project's own cache: fill it, then time a no-change run
            build_report(settings, scope, workers=2)
            rebuilds.append(render_seconds(args.year))
            print(f"round {i}: national cold {c:.1f} s, naive {naives[-1]:.1f} s, in a new process {fresh[-1]:.1f} s, "
                  f"unchanged rebuild {rebuilds[-1]:.2f} s", flush=True)
        c, n, f, w = _median(colds), _median(naives), _median(fresh), _median(rebuilds)
        keys = [k for k in ("notebooks", "figures", "render", "outputs") if k in phases[0]]
        print("national cold, median per phase: " + ", ".join(
            f"{k} {_median([p[k] for p in phases]):.2f} s" for k in keys), flush=True)
        j, _ = cold(settings, Scope(args.year, comparison=True), cache)
        print(f"comparison between förbund cold (2 workers, empty cache): {j:.1f} s", flush=True)
        tail = ""
        if not args.skip_batch:
            runs = []
            for i in range(1, args.batch_rounds + 1):
                # cold as the national build is: no executed notebook, no kept disclosure control
                forget_executions(settings)
                b, count, peak, cpu = batch(args.year)
                runs.append((b, count, peak, cpu))
                print(f"batch {i}: {count} local reports with every output and the comparison in {b:.1f} s, "
                      f"{b / max(count, 1):.2f} s per report; CPU {cpu:.0f} s ({cpu / b:.2f} cores busy, "
                      f"{cpu / (count + 1):.2f} s per report); peak memory {peak:.0f} MB", flush=True)
            b, cpu = _median([r[0] for r in runs]), _median([r[3] for r in runs])
            count, peak = min(r[1] for r in runs), max(r[2] for r in runs)
            tail = (f", batch: {b:.1f} s ({count} local reports + comparison, CPU {cpu:.0f} s; median of "
                    f"{len(runs)}), peak memory: {peak:.0f} MB")
        print(f"national cold: {c:.1f} s, naive: {n:.1f} s, ratio: {c / n:.3f}, in a new process: {f:.1f} s, "
              f"ratio: {f / n:.3f}, unchanged rebuild: {w:.2f} s, "
              f"comparison cold: {j:.1f} s{tail} (medians of {args.rounds} alternating rounds)")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(ipython_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
