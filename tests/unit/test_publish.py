"""Publishing a report folder whole, checking it against its manifest, and the locks that keep runs apart.

The folders here are small stand-ins for a report; tests/e2e/test_interrupted_renders.py interrupts real renders.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.registration import LAYER, layer_bytes
from nns import fsio
from nns.build import publish as pub
from nns.build.publish import output_hashes
from nns.cli import main as cli
from nns.errors import LockedError, NNSError
from nns.registration.ingest import lock_file


def report(folder: Path, version: str) -> Path:
    """A stand-in report: a few files in two levels and a manifest.json that lists them."""
    (folder / "tables").mkdir(parents=True)
    (folder / "figures.csv").write_text(f"figures {version}\n")
    (folder / "tables" / "7.1.csv").write_text(f"table {version}\n")
    (folder / "rapport.html").write_text(f"<p>{version}</p>\n")
    (folder / "manifest.json").write_text(json.dumps({"outputs": output_hashes(folder)}))
    (folder / pub.RENDER_KEY).write_text(version)
    return folder


def contents(folder: Path) -> dict[str, str] | None:
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def strays(target: Path) -> list[str]:
    """Everything beside the report folder that is not it."""
    return sorted(p.name for p in target.parent.iterdir() if p != target)


@pytest.fixture
def old_and_new(tmp_path):
    """(target holding the old report, its content, the new report's content)."""
    target = report(tmp_path / "out" / "2022" / "riket", "old")
    new = contents(report(tmp_path / "new", "new"))
    shutil.rmtree(tmp_path / "new")
    return target, contents(target), new


# --- swapping folders ---------------------------------------------------------------------

def test_two_folders_are_exchanged_in_one_step(tmp_path):
    if fsio._RENAMEAT2 is None:
        pytest.skip("this system has no renameat2")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "y").write_text("b")
    assert fsio.exchange_dirs(tmp_path / "a", tmp_path / "b") is True
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["y"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["x"]


def test_without_renameat2_nothing_is_exchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(fsio, "_RENAMEAT2", None)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert fsio.exchange_dirs(tmp_path / "a", tmp_path / "b") is False


def test_exchanging_a_folder_that_does_not_exist_is_an_error(tmp_path):
    if fsio._RENAMEAT2 is None:
        pytest.skip("this system has no renameat2")
    (tmp_path / "a").mkdir()
    with pytest.raises(FileNotFoundError):
        fsio.exchange_dirs(tmp_path / "a", tmp_path / "b")


# --- publishing ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["exchange", "two renames"])
@pytest.mark.parametrize("existing", [True, False], ids=["over an old report", "where there was none"])
def test_publishing_puts_the_new_report_in_place_and_leaves_nothing_beside_it(old_and_new, monkeypatch, mode,
                                                                             existing):
    use(mode, monkeypatch)
    target, _, new = old_and_new
    if not existing:
        shutil.rmtree(target)
    with pub.staged(target) as staging:
        report(staging, "new")
        pub.publish(staging, target)
    assert contents(target) == new
    assert strays(target) == []


def use(mode: str, monkeypatch) -> None:
    """Swap with renameat2's exchange, or as on a system without it."""
    if mode == "two renames":
        monkeypatch.setattr(fsio, "_RENAMEAT2", None)
    elif fsio._RENAMEAT2 is None:
        pytest.skip("this system has no renameat2")


#: Where a publish can be stopped: how it swaps, the function that raises, and how many calls of it succeed before.
STOPS = [
    ("exchange", "fsync_tree", 0),       # before anything is renamed
    ("exchange", "exchange_dirs", 0),    # at the swap
    ("exchange", "rmtree", 0),           # the old report is being removed after the swap
    ("two renames", "fsync_tree", 0),
    ("two renames", "rename", 0),        # the old report is being renamed aside
    ("two renames", "rename", 1),        # the new report is being renamed into place
    ("two renames", "rmtree", 0),        # the old report is being removed
]


@pytest.mark.parametrize("mode, name, after", STOPS, ids=[f"{m}-{n}#{a}" for m, n, a in STOPS])
@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError], ids=["Ctrl-C", "an error"])
def test_a_publish_stopped_at_any_step_leaves_the_old_or_the_new_report_whole(old_and_new, monkeypatch, mode, name,
                                                                            after, error):
    use(mode, monkeypatch)
    target, old, new = old_and_new
    module = {"fsync_tree": pub, "exchange_dirs": pub, "rename": pub.os, "rmtree": pub.shutil}[name]
    real = getattr(module, name)
    calls = []

    def stop(*args, **kwargs):
        calls.append(args)
        if len(calls) == after + 1:   # once: a Ctrl-C, or one failing call
            raise error("stopped here (simulated)")
        return real(*args, **kwargs)

    with pytest.raises(error):
        with pub.staged(target) as staging:
            report(staging, "new")
            monkeypatch.setattr(module, name, stop)
            pub.publish(staging, target)
    monkeypatch.setattr(module, name, real)
    assert contents(target) in (old, new)
    pub.recover(target)   # what the next build does first
    assert contents(target) in (old, new)
    assert strays(target) == []


def test_a_build_killed_between_the_two_renames_gets_the_old_report_back(old_and_new):
    """SIGKILL after the old report was renamed aside and before the new one was renamed into place."""
    target, old, _ = old_and_new
    os.rename(target, pub.aside_dir(target, 4242))
    report(pub.staging_dir(target, 4242), "new")
    assert not target.exists()
    pub.recover(target)
    assert contents(target) == old
    assert strays(target) == []


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(old_and_new):
    target, old, _ = old_and_new
    half = pub.staging_dir(target, 4242)
    report(half, "new")
    (half / "rapport.html").unlink()
    with pub.staged(target) as staging:
        assert staging != half and not half.exists()
    assert contents(target) == old
    assert strays(target) == []


# --- verification -------------------------------------------------------------------------

def _change(folder):
    (folder / "tables" / "7.1.csv").write_text("table other\n")


def _remove(folder):
    (folder / "rapport.html").unlink()


def _add(folder):
    (folder / "rapport.failed.typ").write_text("#let x = 1\n")


def _break_manifest(folder):
    (folder / "manifest.json").write_text("{")


def _remove_manifest(folder):
    (folder / "manifest.json").unlink()


@pytest.mark.parametrize("tamper, reasons", [
    (_change, ["tables/7.1.csv stämmer inte med manifest.json"]),
    (_remove, ["rapport.html saknas"]),
    (_add, ["rapport.failed.typ står inte i manifest.json"]),
    (_break_manifest, ["manifest.json kan inte läsas (JSONDecodeError)"]),
    (_remove_manifest, ["manifest.json kan inte läsas (FileNotFoundError)"]),
], ids=["a changed file", "a missing file", "a file not listed", "a broken manifest", "no manifest"])
def test_a_report_folder_is_whole_only_when_every_file_matches_its_manifest(tmp_path, tamper, reasons):
    folder = report(tmp_path / "riket", "old")
    assert pub.verify(folder) == []
    tamper(folder)
    assert pub.verify(folder) == reasons


# --- locks --------------------------------------------------------------------------------

class Busy(Exception):
    pass


def test_a_lock_held_by_one_is_refused_to_the_next_at_once_with_who_holds_it(tmp_path):
    lock = tmp_path / "x.lock"
    with fsio.exclusive_lock(lock, "nnsreport ingest", Busy):
        with pytest.raises(Busy) as exc:
            with fsio.exclusive_lock(lock, "nnsreport ingest --year 2021", Busy):
                pass
        assert str(exc.value).startswith(f"nnsreport ingest, pid {os.getpid()}, ")
    with fsio.exclusive_lock(lock, "again", Busy):   # released after the block
        pass


def test_a_lock_is_released_when_the_block_fails(tmp_path):
    lock = tmp_path / "x.lock"
    with pytest.raises(KeyboardInterrupt):
        with fsio.exclusive_lock(lock, "first", Busy):
            raise KeyboardInterrupt
    with fsio.exclusive_lock(lock, "second", Busy):
        assert fsio.lock_holder(lock).startswith("second, pid ")


def test_a_lock_is_released_when_its_holder_is_killed(tmp_path):
    lock = tmp_path / "x.lock"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from nns.fsio import exclusive_lock
        with exclusive_lock({str(lock)!r}, "holder", RuntimeError):
            print("held", flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(Busy, match="holder, pid"):
            with fsio.exclusive_lock(lock, "test", Busy):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with fsio.exclusive_lock(lock, "test", Busy):   # the kernel released it with the process
        pass


def test_locked_error_has_its_own_exit_code():
    codes = {cls.__name__: cls.exit_code for cls in NNSError.__subclasses__()}
    assert codes["LockedError"] == 6
    assert list(codes.values()).count(6) == 1


def test_the_help_explains_every_exit_code(capsys):
    with pytest.raises(SystemExit):
        cli(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    listed = {int(n) for n in re.findall(r"(?:Slutkoder:|;) (\d+) ", text)}
    assert listed == {0, 130, NNSError.exit_code} | {cls.exit_code for cls in NNSError.__subclasses__()}


def test_a_second_ingest_fails_at_once_with_the_lock_message_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "aggregated"
    shutil.copytree(LAYER, out)
    cfg = tmp_path / "nnsreport.toml"
    cfg.write_text(f'[paths]\naggregated = "{out}"\n', encoding="utf-8")
    before = layer_bytes(out)
    lock = lock_file(out)
    assert lock == tmp_path / ".aggregated.lock"
    with fsio.exclusive_lock(lock, "nnsreport ingest --year 2021", Busy):
        code = cli(["--config", str(cfg), "ingest", "--year", "2022"])
    err = capsys.readouterr().err
    assert code == LockedError.exit_code == 6
    assert f"Fel: Inläsningen till det aggregerade datalagret {out} pågår redan i en annan körning " \
           f"(nnsreport ingest --year 2021, pid {os.getpid()}, " in err
    assert f"som håller låset {lock}." in err
    assert layer_bytes(out) == before
