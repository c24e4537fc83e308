"""Interrupted renders: a report folder is the previous report or the new one, whole, and the next render is right.

`nnsreport render` runs in another process with hermetic settings (a settings file pointing output, build
and cache into tmp_path) and is stopped with SIGINT (to its process group, as Ctrl-C in a terminal) or
SIGKILL at random moments from a fixed seed. Each attempt changes the inputs (the aggregated layer, and the
commentary of indicator 1, so that its notebook is executed again), and the moments are spread over a run
(:func:`moment`): one while Python starts, one while the settings, data, kernel and notebook load and run,
and the rest after the notebook's output appears in the build folder — figures, render, publishing, and
past the end — where a folder could be half-written. After each stop the folder must be absent, the
previous report or the new one, and whole (every file as manifest.json lists it); the next render must
give exactly the new report.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import typst

from helpers.data import hermetic, settings_file
from helpers.registration import BASE, LAYER, layer_bytes, mutate_xlsx
from helpers.runs import kill, nnsreport, snapshot, start, wait_until, whole
from nns.build import report as report_mod
from nns.build.plan import NOTEBOOK_DIRS, build_root
from nns.build.report import build_report
from nns.cli import main as cli
from nns.config import ROOT, Scope
from nns.errors import RenderError

#: Random stops per report, and the seed of their moments and signals.
STOPS = 5   # 8 in the first runs (all passed); 5 keeps a stop in each phase at half the time
SEED = 10

#: (command-line arguments, förbund, output folder, the commentary file the test edits) per report.
REPORTS = {
    "riket": (["--format", "html"], "", "riket", "2022/indikator-01.md"),
    "Jämtland": (["--forbund", "Jämtland"], "Jämtland", "jamtland", "2022/jamtland/indikator-01.md"),
}

#: A second version of the aggregated layer leaves this förbund's 2022 answers out (the nation's numbers change).
LEFT_OUT = "2022,Västerdalarna,"


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> dict[str, Path]:
    """Two versions of the aggregated layer: "A" (the committed one) and "B" (without LEFT_OUT)."""
    base = tmp_path_factory.mktemp("layers")
    a, b = shutil.copytree(LAYER, base / "a"), shutil.copytree(LAYER, base / "b")
    for f in b.glob("*.csv"):
        lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(LEFT_OUT)]
        assert len(kept) < len(lines)
        f.write_text("".join(kept), encoding="utf-8")
    return {"A": a, "B": b}


def moment(attempt: int, rng: random.Random, notebook_at: float, rest: float) -> tuple[bool, float]:
    """When to stop the ``attempt``-th run (from 1): (after the notebook was written?, seconds after that or
    after the start). ``notebook_at``: when a whole run wrote the notebook; ``rest``: how long it ran after."""
    if attempt == 1:
        return False, rng.uniform(0, 0.5)
    if attempt == 2:
        return False, rng.uniform(0.5, notebook_at)
    return True, rest * 1.1 * (attempt - 3 + rng.random()) / (STOPS - 2)


def mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def timed_run(config: Path, args: list[str], notebook: Path) -> tuple[float | None, float]:
    """Run `nnsreport render` to its end: (when it wrote the notebook, if it did; when it ended), in seconds."""
    before, t0 = mtime(notebook), time.perf_counter()
    proc = start(config, "render", *args)
    written = None
    while proc.poll() is None:
        if written is None and mtime(notebook) != before:
            written = time.perf_counter() - t0
        time.sleep(0.005)
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    return written, time.perf_counter() - t0


def run(config: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(nnsreport(config, *args), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def numbers(snap: dict[str, str]) -> dict[str, str]:
    """The part of a report that does not depend on the commentary: figures.csv and tables/."""
    return {k: v for k, v in snap.items() if k == "figures.csv" or k.startswith("tables/")}


@pytest.mark.parametrize("name", REPORTS)
def test_renders_stopped_at_random_moments_leave_the_previous_or_the_new_report_and_the_next_is_right(
        name, layers, tmp_path):
    args, scope, folder, note_path = REPORTS[name]
    comm = shutil.copytree(ROOT / "report" / "kommentarer", tmp_path / "kommentarer")
    note = comm / note_path
    note.parent.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "out" / "2022" / folder
    cfg = tmp_path / "nnsreport.toml"
    settings = hermetic(tmp_path / "out", commentary=comm, cache_dir=tmp_path / "cache")

    def inputs(version: int, variant: str) -> Path:
        """One version of the inputs: a layer, and the commentary of indicator 1 saying which attempt it is."""
        note.write_text(f"Kommentar till indikator 1, version {version}.\n", encoding="utf-8")
        return settings_file(settings.replace(aggregated=str(layers[variant])), cfg)

    def check_new(version: int, variant: str) -> dict[str, str]:
        snap = snapshot(out)
        assert whole(out)
        assert numbers(snap) == reference[variant]
        assert f"version {version}." in (out / "kommentarer" / "indikator-01.md").read_text(encoding="utf-8")
        assert f"version {version}." in (out / "rapport.html").read_text(encoding="utf-8")
        assert sorted(p.name for p in out.parent.iterdir()) == [folder]   # no staging folder left
        return snap

    # the numbers of both layers, from renders that nothing stopped (they also fill the notebook cache)
    reference = {}
    for variant in ("B", "A"):
        run(inputs(0, variant), "render", *args)
        reference[variant] = numbers(snapshot(out))
    assert reference["A"] != reference["B"]
    previous = check_new(0, "A")

    rng = random.Random(f"{SEED}-{name}")
    notebook = build_root(settings, Scope(2022, scope)) / NOTEBOOK_DIRS["chapters"] / "indikator-01.ipynb"
    notebook_at, rest = 0.5, 0.0
    outcomes = []
    for attempt in range(1, STOPS + 1):
        variant = "B" if attempt % 2 else "A"
        config = inputs(attempt, variant)
        anchored, delay = moment(attempt, rng, notebook_at, rest)
        sig = rng.choice([signal.SIGINT, signal.SIGKILL])
        before = mtime(notebook)
        proc = start(config, "render", *args)
        if anchored:
            wait_until(lambda before=before: mtime(notebook) != before, proc,
                       what="the notebook of indicator 1 was written")
        time.sleep(delay)   # not synchronisation: the moment of the stop is the random variable
        code, _, err = kill(proc, sig)
        stopped = snapshot(out)
        left = sorted(out.parent.glob(f".{folder}.staging-*"))   # where the run was, for the record
        where = f"staging folder with {', '.join(sorted(p.name for p in left[0].iterdir())) or 'nothing'}" \
            if left else "no staging folder"
        assert stopped in (None, previous) or whole(out), err
        written, ended = timed_run(config, args, notebook)
        if written is not None:   # a whole run (after an early stop): when its notebook came, how long after
            notebook_at, rest = max(notebook_at, written), max(rest, ended - written)
        new = check_new(attempt, variant)
        assert stopped in (None, previous, new), f"attempt {attempt}: a mixed folder after {sig!r}\n{err}"
        outcomes.append((attempt, sig.name, f"{'notebook + ' if anchored else ''}{delay:.2f} s", code, where,
                         "absent" if stopped is None else "previous" if stopped == previous else "new"))
        previous = new
    print(f"\n{name} (the notebook after {notebook_at:.1f} s, then {rest:.1f} s more):\n" + "\n".join(
        f"  {a}: {s} at {d}, exit {c}, {w}: {o}" for a, s, d, c, w, o in outcomes))


def test_ctrl_c_after_figures_then_reverting_the_data_gives_the_right_report(tmp_path):
    """The adversary's case: a render stopped after writing figures.csv must not leave its numbers behind."""
    registration = tmp_path / "registration"
    shutil.copytree(BASE.parent, registration / "2022")
    aggregated = shutil.copytree(LAYER, tmp_path / "aggregated")
    cfg = settings_file(hermetic(tmp_path / "out", aggregated=aggregated, registration=registration,
                                 cache_dir=tmp_path / "cache"), tmp_path / "nnsreport.toml")
    out = tmp_path / "out" / "2022" / "jamtland"
    run(cfg, "render", "--forbund", "Jämtland")
    original = snapshot(out)

    def change(wb):
        ws = wb["Personal"]
        col = next(c.column for c in ws[1] if c.value == "Fråga 1")
        ws.cell(3, col).value = 1 if ws.cell(3, col).value != 1 else 6

    mutate_xlsx(BASE, registration / "2022" / BASE.name, change)
    assert cli(["--config", str(cfg), "ingest", "--year", "2022"]) == 0
    assert layer_bytes(aggregated) != layer_bytes(LAYER)
    proc = start(cfg, "render", "--forbund", "Jämtland")

    def figures_written() -> bool:
        # the new report's figures.csv in its staging folder, before its manifest: after publishing, the staging
        # name holds the old report (with both) until it is removed, and a stop then would come too late
        return any(not (p.parent / "manifest.json").exists()
                   for p in out.parent.glob(".jamtland.staging-*/figures.csv"))

    wait_until(figures_written, proc, what="the stopped render wrote figures.csv")
    os.killpg(proc.pid, signal.SIGSTOP)   # held right there, then Ctrl-C: the moment does not depend on the load
    assert figures_written(), "the render went past figures.csv before it was held"
    os.killpg(proc.pid, signal.SIGINT)
    code, _, err = kill(proc, signal.SIGCONT)
    assert code == 130, err
    assert "Avbrutet." in err
    assert snapshot(out) == original
    assert sorted(p.name for p in out.parent.iterdir()) == ["jamtland"]   # the staging folder was removed

    shutil.copy(BASE, registration / "2022" / BASE.name)
    assert cli(["--config", str(cfg), "ingest", "--year", "2022"]) == 0
    assert layer_bytes(aggregated) == layer_bytes(LAYER)
    again = run(cfg, "render", "--forbund", "Jämtland")
    assert "rendering oförändrad" in again.stdout
    assert snapshot(out) == original and whole(out)

    # the folder the old build left behind (new figures.csv and tables, old manifest and render key) is
    # not taken for unchanged: it is rendered again
    for name in ("figures.csv", "tables/7.1.csv"):
        with open(out / name, "a", encoding="utf-8") as fh:
            fh.write("7.1,,personal,1,samtliga,2022,,andel,99\n")
    again = run(cfg, "render", "--forbund", "Jämtland")
    assert "rendering oförändrad" not in again.stdout
    assert "renderas om: den stämmer inte med sin manifest.json (figures.csv stämmer inte med manifest.json; " \
           "tables/7.1.csv stämmer inte med manifest.json)" in again.stderr
    assert snapshot(out) == original


def test_ctrl_c_that_a_library_swallows_still_stops_the_build_before_it_publishes(tmp_path, monkeypatch,
                                                                                   swallowed_ctrl_c):
    """Ctrl-C whose KeyboardInterrupt a library cleared (as pandas' C code may, for an exception raised in code it
    called back: it happened after figures.csv in some runs under load): the build goes on to its end, but does not
    publish; the previous report stays as it was, no staging folder is left, and the command line says it stopped."""
    settings = hermetic(tmp_path, cache_dir=tmp_path / "cache")
    first = build_report(settings, Scope(2022, "Jämtland"), ("html",), workers=2)
    before = snapshot(first.out_dir)
    real = report_mod.write_figures

    def swallowing(*args, **kwargs):
        n = real(*args, **kwargs)
        assert swallowed_ctrl_c()
        return n

    monkeypatch.setattr(report_mod, "write_figures", swallowing)
    with pytest.raises(KeyboardInterrupt):
        build_report(settings, Scope(2022, "Jämtland"), ("html", "pdf"), workers=2)
    assert snapshot(first.out_dir) == before
    assert sorted(p.name for p in first.out_dir.parent.iterdir()) == ["jamtland"]


def test_the_command_line_says_a_swallowed_ctrl_c_stopped_it(tmp_path, monkeypatch, capsys, swallowed_ctrl_c):
    settings = hermetic(tmp_path / "out", cache_dir=tmp_path / "cache")
    cfg = settings_file(settings, tmp_path / "nnsreport.toml")
    assert cli(["--config", str(cfg), "render", "--forbund", "Jämtland", "--format", "html"]) == 0
    out = tmp_path / "out" / "2022" / "jamtland"
    before = snapshot(out)
    real = report_mod.write_figures

    def swallowing(*args, **kwargs):
        n = real(*args, **kwargs)
        swallowed_ctrl_c()
        return n

    monkeypatch.setattr(report_mod, "write_figures", swallowing)
    capsys.readouterr()
    assert cli(["--config", str(cfg), "render", "--forbund", "Jämtland"]) == 130
    assert "Avbrutet." in capsys.readouterr().err
    assert snapshot(out) == before


def test_a_typst_failure_leaves_the_previous_report_and_its_input_in_the_build_folder(tmp_path, monkeypatch):
    settings = hermetic(tmp_path, cache_dir=tmp_path / "cache")
    first = build_report(settings, Scope(2022, "Jämtland"), ("html",), workers=2)
    before = snapshot(first.out_dir)

    real = typst.Compiler

    class Failing:
        """Typst that measures the layout and then fails to write the PDF."""

        def __init__(self, source, **options):
            self.compiler = real(source, **options)

        def query(self, *args, **kwargs):
            return self.compiler.query(*args, **kwargs)

        def compile(self, *args, **kwargs):
            raise RuntimeError("error: unexpected argument (simulated)")

    monkeypatch.setattr(typst, "Compiler", Failing)
    with pytest.raises(RenderError) as exc:
        build_report(settings, Scope(2022, "Jämtland"), ("html", "pdf"), workers=2)
    kept = build_root(settings, Scope(2022, "Jämtland")) / "rapport.failed.typ"
    assert exc.value.where == str(kept) and kept.stat().st_size > 1000
    # and the chart widths Typst was given, beside it
    assert isinstance(json.loads(kept.with_name("rapport.failed.skalor.json").read_text(encoding="utf-8")), dict)
    assert "Typst kunde inte sätta PDF:en: error: unexpected argument (simulated)" in str(exc.value)
    assert snapshot(first.out_dir) == before
    assert sorted(p.name for p in first.out_dir.parent.iterdir()) == ["jamtland"]


def test_ctrl_c_stops_a_render_even_when_the_test_run_ignores_it(tmp_path):
    """A test run started in the background of a shell (``make test &``) ignores SIGINT, and what it starts would
    inherit that: the tests' runs start with SIGINT as a terminal gives it (helpers.runs.start), so that a Ctrl-C
    to a render's group stops it here too, with nothing published."""
    cfg = settings_file(hermetic(tmp_path / "out", cache_dir=tmp_path / "cache"), tmp_path / "nnsreport.toml")
    out = tmp_path / "out" / "2022" / "gotland"
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        proc = start(cfg, "render", "--forbund", "Gotland")
    finally:
        signal.signal(signal.SIGINT, before)

    def handles_ctrl_c() -> bool:
        # the command itself (after the helper's exec) with Python's own SIGINT handler in place
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        except OSError:
            return False
        caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        return b"nns.cli" in cmdline and bool(caught & 1 << (signal.SIGINT - 1))

    wait_until(handles_ctrl_c, proc, what="the render handled SIGINT")
    wait_until(lambda: any((tmp_path / "cache").rglob("*.ipynb")), proc, what="the render executed a notebook")
    code, _, err = kill(proc, signal.SIGINT)
    assert code == 130, err
    assert "Avbrutet." in err
    assert not out.exists() and not list(out.parent.glob(".gotland.*"))
