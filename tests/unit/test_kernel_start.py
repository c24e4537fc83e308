"""A kernel's start: nns.build.startup.wait_for_ready against a scripted client (the real kernels: tests/e2e)."""
from __future__ import annotations

import itertools
import queue

import pytest

from nns.build import startup
from nns.build.startup import wait_for_ready
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
