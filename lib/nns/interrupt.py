"""Ctrl-C that a library cannot swallow.

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt wherever the main thread happens to be. When that is Python
code a C extension called back into (a property pandas' Cython code reads, a comparison inside a dictionary
lookup), the extension may clear the exception as if it were an error of its own, and the run goes on as if
nothing had been pressed: a render held just after figures.csv and sent Ctrl-C then finished and published its
report (tests/e2e/test_interrupted_renders.py, some runs under load). So the command line records the request as
well as raising it, and each step that makes a result visible (publishing a report, replacing the aggregated
layer) asks first: :func:`check` raises KeyboardInterrupt again when Ctrl-C was pressed, whatever became of the
first one.
"""
from __future__ import annotations

import signal
import threading

__all__ = ["handle_interrupts", "interrupted", "check"]

_PRESSED = threading.Event()


def _on_sigint(signum, frame) -> None:
    _PRESSED.set()
    raise KeyboardInterrupt


def handle_interrupts() -> bool:
    """Record Ctrl-C as well as raising KeyboardInterrupt; True when done.

    Only in the main thread and only where Python's own handler (or this one, from an earlier run in the same
    process) is in place: a run started with Ctrl-C ignored (in the background of a shell without job control)
    keeps ignoring it. Each run starts with nothing pressed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGINT) not in (signal.default_int_handler, _on_sigint):
        return False
    _PRESSED.clear()
    signal.signal(signal.SIGINT, _on_sigint)
    return True


def interrupted() -> bool:
    """Whether Ctrl-C was pressed since :func:`handle_interrupts`."""
    return _PRESSED.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed: called before a step that makes a result visible."""
    if _PRESSED.is_set():
        raise KeyboardInterrupt
