"""Helpers for tests that run `nnsreport` in another process: start it, watch it, stop it, look at what it left."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from nns.build.publish import verify
from nns.fsio import file_hash

__all__ = ["nnsreport", "start", "wait_until", "lock_held", "kill", "snapshot", "whole"]


def nnsreport(config: Path, *args: str) -> list[str]:
    """The command line of `nnsreport --config <config> <args>` with this test run's Python."""
    return [sys.executable, "-m", "nns.cli", "--config", str(config), *args]


#: Runs the rest of its command line with Ctrl-C's signal at its default, as a terminal starts a command: a test
#: run started in the background of a shell without job control (``make test &``) ignores SIGINT, every process it
#: starts inherits that, and Python then never turns SIGINT into KeyboardInterrupt.
SIGINT_AS_IN_A_TERMINAL = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                           "os.execv(sys.argv[1], sys.argv[1:])")


def start(config: Path, *args: str) -> subprocess.Popen:
    """Start `nnsreport` in a session of its own (a signal to its group reaches it and its pandoc, as Ctrl-C
    in a terminal does; the Jupyter kernels have sessions of their own), with SIGINT handled as in a terminal
    whatever this test run inherited (:data:`SIGINT_AS_IN_A_TERMINAL`)."""
    return subprocess.Popen([sys.executable, "-c", SIGINT_AS_IN_A_TERMINAL, *nnsreport(config, *args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_until(condition, proc: subprocess.Popen | None = None, timeout: float = 120.0, what: str = "") -> None:
    """Poll ``condition()`` until it holds; fail when ``proc`` ends first or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the process ended (exit code {proc.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def lock_held(path: Path) -> bool:
    """Whether another process holds the flock on ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def kill(proc: subprocess.Popen, sig: int) -> tuple[int, str, str]:
    """Send ``sig`` to the process's group (SIGKILL: to the process, then what is left of its group);
    wait for it; (exit code, stdout, stderr)."""
    try:
        if sig == signal.SIGKILL:
            proc.kill()
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def snapshot(folder: Path) -> dict[str, str] | None:
    """Every file in a folder (hidden ones too) by relative path, with its hash; None when there is no folder."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): file_hash(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def whole(folder: Path) -> bool:
    """Whether a report folder is exactly what its manifest.json lists."""
    return verify(folder) == []
