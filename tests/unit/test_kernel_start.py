"""Kernels' start (nns.build.startup): waiting for a kernel, its warm-up, the kernels started ahead of a build, against
scripted kernels (the real ones: tests/e2e/test_kernels.py)."""
from __future__ import annotations

import itertools
import queue
import threading

import pytest

from nns.build import startup
from nns.build.startup import StartingKernels, run_quietly, wait_for_ready
from nns.errors import RenderError


class _Session:
    adapt_version = None


class _Client:
    """A kernel client whose kernel answers as scripted: per kernel_info request, the shell reply or None (no
    answer within the wait), and the statuses its IOPub carries then (each a (state, request number) pair)."""

    def __init__(self, script, alive=True, protocol="5.3"):
        self.script, self.alive, self.protocol = list(script), alive, protocol
        self.session = _Session()
        self.requests = 0
        self.shell: queue.SimpleQueue = queue.SimpleQueue()
        self.iopub: queue.SimpleQueue = queue.SimpleQueue()

    def kernel_info(self) -> str:
        self.requests += 1
        answered, statuses = self.script.pop(0) if self.script else (False, [])
        if answered:
            self.shell.put({"msg_type": "kernel_info_reply", "parent_header": {"msg_id": f"r{self.requests}"},
                            "content": {"protocol_version": self.protocol}})
        for state, number in statuses:
            self.iopub.put({"msg_type": "status", "parent_header": {"msg_id": f"r{number}"},
                            "content": {"execution_state": state}})
        return f"r{self.requests}"

    def get_shell_msg(self, timeout):
        return self.shell.get_nowait()   # SimpleQueue raises queue.Empty, as the channel does when it times out

    def get_iopub_msg(self, timeout):
        return self.iopub.get_nowait()

    def is_alive(self) -> bool:
        return self.alive


def test_ready_when_iopub_carries_the_answered_requests_idle_status():
    client = _Client([(True, [("busy", 1), ("idle", 1)])])
    wait_for_ready(client)
    assert client.requests == 1 and client.iopub.empty() and client.session.adapt_version is None


def test_asked_again_while_the_kernel_is_silent_or_its_iopub_joined_too_late(monkeypatch):
    monkeypatch.setattr(startup, "ASK_AGAIN", 0.01)   # the scripted kernel's silence ends at once
    client = _Client([(False, []),                                  # not up yet
                      (True, []),                                   # answers, but IOPub carries nothing
                      (True, [("idle", 2), ("busy", 3), ("idle", 3)])])   # another request's status first
    wait_for_ready(client)
    assert client.requests == 3 and client.iopub.empty()


def test_a_status_of_another_request_or_a_busy_status_is_not_enough():
    client = _Client([(True, [("busy", 1), ("idle", 7)]), (True, [("busy", 2), ("idle", 2)])])
    wait_for_ready(client)
    assert client.requests == 2


def test_an_older_protocol_is_adapted_to():
    client = _Client([(True, [("idle", 1)])], protocol="4.1")
    wait_for_ready(client)
    assert client.session.adapt_version == 4


def test_a_kernel_that_died_before_answering_is_reported_in_swedish():
    client = _Client([(False, [])], alive=False)
    with pytest.raises(RenderError, match="avslutades innan den svarade"):
        wait_for_ready(client)


def test_a_kernel_that_never_answers_times_out_in_swedish():
    client = _Client(itertools.repeat((True, []), 3))   # answers, but its IOPub never joins
    with pytest.raises(RenderError, match="svarade inte på 0 s"):
        wait_for_ready(client, timeout=0)
    assert client.requests == 1


class _ScriptedStart:
    """A kernel whose start is scripted (for StartingKernels): :meth:`ready` waits until it is let go or killed."""

    def __init__(self, cwd, made: list):
        self.go, self.killed, self.stopped = threading.Event(), threading.Event(), threading.Event()
        self.fails = False
        made.append(self)

    def ready(self):
        self.go.wait(timeout=30)
        if self.killed.is_set():
            raise RenderError("Jupyter-kärnan avslutades när den startade.")
        if self.fails:
            raise RenderError("Jupyter-kärnan kunde inte starta: trasig")
        return self

    def kill(self):
        self.killed.set()
        self.go.set()

    def stop(self):
        self.kill()
        self.stopped.set()


@pytest.fixture
def scripted(monkeypatch):
    """The kernels StartingKernels makes, scripted; the list of those made."""
    made: list[_ScriptedStart] = []
    monkeypatch.setattr(startup, "Kernel", lambda cwd: _ScriptedStart(cwd, made))
    return made


def test_closing_kills_kernels_still_starting_at_once_and_stops_them_when_their_start_ends(scripted):
    kernels = StartingKernels(".", 2)
    closing = threading.Thread(target=kernels.close)
    closing.start()
    closing.join(timeout=10)
    assert not closing.is_alive()   # close did not wait for the starts, which wait until they are let go or killed
    assert all(k.killed.is_set() and k.stopped.wait(timeout=10) for k in scripted) and len(kernels) == 0
    assert kernels.take() is None
    with pytest.raises(RuntimeError, match="closed"):
        kernels.provide(1)


def test_provide_starts_more_kernels_or_stops_those_beyond(scripted):
    kernels = StartingKernels(".", 1)
    kernels.provide(3)
    assert len(scripted) == 3 and len(kernels) == 3
    kernels.provide(1)
    first, *extra = scripted
    assert all(k.stopped.wait(timeout=10) for k in extra) and not first.killed.is_set() and len(kernels) == 1
    first.go.set()
    assert kernels.take() is first and kernels.take() is None and not first.stopped.is_set()
    kernels.close()


def test_a_kernel_that_could_not_start_is_stopped_when_taken(scripted):
    with StartingKernels(".", 1) as kernels:
        scripted[0].fails = True
        scripted[0].go.set()
        with pytest.raises(RenderError, match="kunde inte starta: trasig"):
            kernels.take()
        assert scripted[0].stopped.wait(timeout=10)


def test_a_kernel_whose_start_cannot_be_scheduled_is_stopped_and_the_error_kept(scripted, monkeypatch):
    kernels = StartingKernels(".", 1)

    def refuse(*args, **kwargs):
        raise RuntimeError("inget schema")

    monkeypatch.setattr(kernels._pool, "submit", refuse)
    with pytest.raises(RuntimeError, match="inget schema"):
        kernels.provide(2)
    assert all(k.stopped.wait(timeout=10) for k in scripted) and len(kernels) == 0
    kernels.close()


class _Warming:
    """A kernel client for run_quietly: the shell replies it gives, then silence."""

    def __init__(self, replies, alive=True):
        self.replies, self.alive = list(replies), alive

    def execute(self, code, store_history):
        return "w1"

    def get_shell_msg(self, timeout):
        if not self.replies:
            raise queue.Empty
        return self.replies.pop(0)

    def is_alive(self):
        return self.alive


def _reply(request, status="ok", **content):
    return {"parent_header": {"msg_id": request}, "content": {"status": status, **content}}


def test_a_warm_up_waits_for_its_own_answer():
    client = _Warming([_reply("r1"), _reply("w1")])   # an earlier kernel_info's answer first
    run_quietly(client, "pass")
    assert client.replies == []


def test_a_warm_up_that_fails_or_whose_kernel_ends_or_stays_silent_says_so_in_swedish():
    with pytest.raises(RenderError, match="kunde inte starta: ValueError: trasig"):
        run_quietly(_Warming([_reply("w1", "error", ename="ValueError", evalue="trasig")]), "pass")
    with pytest.raises(RenderError, match="avslutades när den startade"):
        run_quietly(_Warming([], alive=False), "pass")
    with pytest.raises(RenderError, match="startade inte på 0 s"):
        run_quietly(_Warming([]), "pass", timeout=0)
