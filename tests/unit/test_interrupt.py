"""Ctrl-C recorded as well as raised (nns.interrupt): a step that makes a result visible stops even where a library
swallowed the KeyboardInterrupt."""
from __future__ import annotations

import signal

import pytest

from nns import interrupt


def test_ctrl_c_is_raised_and_remembered(swallowed_ctrl_c):
    assert not interrupt.interrupted()
    interrupt.check()   # nothing pressed: nothing raised
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
        sum(range(10))
    assert interrupt.interrupted()


def test_a_swallowed_ctrl_c_is_raised_again_where_it_is_checked(swallowed_ctrl_c):
    assert swallowed_ctrl_c()          # the KeyboardInterrupt came, and was cleared
    assert interrupt.interrupted()
    with pytest.raises(KeyboardInterrupt):
        interrupt.check()
    with pytest.raises(KeyboardInterrupt):   # and again: it stays pressed
        interrupt.check()


def test_a_run_that_ignores_ctrl_c_keeps_ignoring_it():
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert not interrupt.handle_interrupts()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_second_run_in_the_same_process_starts_with_nothing_pressed(swallowed_ctrl_c):
    assert swallowed_ctrl_c() and interrupt.interrupted()
    assert interrupt.handle_interrupts()   # this handler is in place already: taken as Python's own
    assert not interrupt.interrupted()
    interrupt.check()
