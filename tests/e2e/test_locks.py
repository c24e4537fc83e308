"""Two ingests, or two builds of the same report, at once: the second fails at once, the first finishes right.

The first run is a real `nnsreport` process. It is stopped (SIGSTOP) once it holds its lock, so that the
second run meets the lock every time; then it is let go (SIGCONT) and must finish as if alone.
"""
from __future__ import annotations

import os
import shutil
import signal

from helpers.data import hermetic, settings_file
from helpers.registration import BASE, LAYER, layer_bytes, mutate_xlsx
from helpers.runs import lock_held, snapshot, start, wait_until, whole
from nns.build.plan import build_root
from nns.build.report import BUILD_LOCK
from nns.cli import main as cli
from nns.config import Scope
from nns.errors import LockedError
from nns.fsio import lock_holder
from nns.registration.ingest import ingest, lock_file


def test_a_second_ingest_while_one_runs_fails_at_once_and_the_layer_is_right(tmp_path, capsys, instrument):
    registration = tmp_path / "registration"
    shutil.copytree(BASE.parent, registration / "2022")
    mutate_xlsx(BASE, registration / "2022" / BASE.name, lambda wb: wb["Personal"].__setitem__("D3", 1))
    expected = shutil.copytree(LAYER, tmp_path / "expected")
    ingest(registration, expected, instrument, year=2022)
    aggregated = shutil.copytree(LAYER, tmp_path / "aggregated")
    assert layer_bytes(expected) != layer_bytes(aggregated)
    cfg = settings_file(hermetic(tmp_path, aggregated=aggregated, registration=registration),
                        tmp_path / "nnsreport.toml")
    lock = lock_file(aggregated)

    first = start(cfg, "ingest", "--year", "2022")
    try:
        # held and named: the holder writes its name just after taking the lock, and a stop between the two would
        # leave the second run to say "okänd process"
        wait_until(lambda: lock_held(lock) and lock_holder(lock), first, what="the first ingest took its lock")
        os.kill(first.pid, signal.SIGSTOP)
        code = cli(["--config", str(cfg), "ingest", "--year", "2022"])
        err = capsys.readouterr().err
        assert layer_bytes(aggregated) in (layer_bytes(LAYER), layer_bytes(expected))
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out, first_err = first.communicate(timeout=300)
    assert code == LockedError.exit_code == 6
    assert f"Fel: Inläsningen till det aggregerade datalagret {aggregated} pågår redan i en annan körning " \
           f"(nnsreport ingest --year 2022, pid {first.pid}, " in err
    assert f"som håller låset {lock}. Bara en körning i taget är tillåten" in err
    assert first.returncode == 0, first_err
    assert f"Skrev {aggregated}." in out
    assert layer_bytes(aggregated) == layer_bytes(expected)
    assert not lock_held(lock)
    assert cli(["--config", str(cfg), "ingest", "--year", "2022"]) == 0   # the lock was released
    assert layer_bytes(aggregated) == layer_bytes(expected)


def test_a_second_build_of_the_same_report_fails_at_once_and_the_first_publishes_it_whole(tmp_path, capsys):
    settings = hermetic(tmp_path, cache_dir=tmp_path / "cache")
    cfg = settings_file(settings, tmp_path / "nnsreport.toml")
    lock = build_root(settings, Scope(2022)) / BUILD_LOCK
    out = tmp_path / "2022" / "riket"

    first = start(cfg, "render", "--format", "html")
    try:
        wait_until(lambda: lock_held(lock) and lock_holder(lock), first, what="the first build took its lock")
        os.kill(first.pid, signal.SIGSTOP)
        before = snapshot(out)
        code = cli(["--config", str(cfg), "render", "--format", "html"])
        err = capsys.readouterr().err
        assert snapshot(out) == before   # the second build wrote nothing
    finally:
        os.kill(first.pid, signal.SIGCONT)
    _, first_err = first.communicate(timeout=600)
    assert code == LockedError.exit_code
    assert f"Fel: Bygget av den nationella rapporten 2022 pågår redan i en annan körning (nnsreport render 2022 " \
           f"riket, pid {first.pid}, " in err
    assert f"som håller låset {lock}." in err
    assert first.returncode == 0, first_err
    assert whole(out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["riket"]
    # another report (a förbund's) has a lock of its own
    assert build_root(settings, Scope(2022, "Jämtland")) / BUILD_LOCK != lock
