"""Jupyter kernels: started, made ready and warmed, and stopped; early, before a build has imported what it needs.

A cold build's notebooks wait for their kernels' start (Python, IPython, pandas, matplotlib, seaborn, great_tables:
about a second each, side by side), and before this module a build started them only once it had imported pandas,
the package and papermill, loaded the aggregated layer and found the notebooks it must execute (about 0.7 s of one
busy core, measured in a new process). :class:`StartingKernels` starts them first: ``nnsreport render`` starts one
kernel before it imports anything heavy, and the build, once it knows which notebooks it must execute, starts the
others it needs (:func:`kernels_for`) or stops the one it does not need (:func:`nns.build.report.execute`), then
takes them (:mod:`nns.build.execution`). This module imports jupyter_client (0.07–0.09 s), not papermill.

:class:`Kernel` is one kernel; papermill executes notebooks in it through :class:`nns.build.kernels.NotebookRunner`.
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from jupyter_client.channels import major_protocol_version
from jupyter_client.manager import KernelManager

from nns.build.pool import ONE_BLAS_THREAD
from nns.config import ROOT
from nns.errors import RenderError

__all__ = ["Kernel", "StartingKernels", "kernels_for", "wait_for_ready", "run_quietly", "GC_THRESHOLD", "NO_HISTORY",
           "WARM_UP"]

logger = logging.getLogger(__name__)

#: The kernel's option that keeps IPython from recording the cells it runs (``~/.ipython``'s history database).
NO_HISTORY = "--HistoryManager.enabled=False"

#: The kernel's garbage collector looks at its youngest objects every 10 000 allocations, not 700: the charts and
#: tables allocate millions of short-lived objects, and each collection that reaches the older generations walks
#: everything loaded (measured: 0.45 s → 0.1 s of collection per förbund's notebooks; cycles are still freed).
GC_THRESHOLD = (10_000, 10, 10)

#: What a kernel runs once it answers: the garbage collector's pace and the imports every notebook needs.
WARM_UP = (f"import gc; gc.set_threshold(*{GC_THRESHOLD}); import matplotlib; matplotlib.use('Agg'); "
           "from nns.present import charts, notebook")

#: How long a kernel's IOPub channel may stay silent after its answer before the request is asked again: the
#: kernel publishes its idle status right after the answer (measured: within 1–3 ms), so silence means that IOPub
#: joined too late for it, which happened in one of eight starts (jupyter_client waits 0.2 s then).
IOPUB_WAIT = 0.05

#: How long a kernel may take to answer once started, and to warm up.
READY_TIMEOUT, WARM_UP_TIMEOUT = 60, 120

#: How long to wait for the answer to a kernel_info request before asking again (as jupyter_client does), and how
#: often to look whether the kernel's process has ended meanwhile: a kernel that :meth:`StartingKernels.close`
#: killed is cleaned up within this, and a process that ends waits for no more.
ASK_AGAIN, POLL = 1.0, 0.1


def wait_for_ready(client, timeout: float = READY_TIMEOUT) -> None:
    """Return when the kernel ``client`` talks to answers on its shell channel and its IOPub channel is connected.

    As jupyter_client's ``wait_for_ready``: ask for the kernel's info until it answers, and ask again while IOPub
    carries nothing from it (its subscription can join late). That then listens until IOPub has been silent for
    0.2 s, a wait with both cores idle at the start of every cold build (measured); here the wait ends with the
    answered request's idle status on IOPub, the kernel's last message about it. Messages left on IOPub (a
    request asked again) belong to other requests, which nbclient and the warm-up pass over.
    """
    deadline = time.monotonic() + timeout
    while True:
        client.kernel_info()
        reply = _next_reply(client, ASK_AGAIN, "Jupyter-kärnan avslutades innan den svarade.")
        if reply is not None and reply["msg_type"] == "kernel_info_reply" \
                and _idle_after(client, reply["parent_header"].get("msg_id")):
            # the protocol's major version, as jupyter_client adapts to it
            version = int(reply["content"]["protocol_version"].split(".")[0])
            if version != major_protocol_version:
                client.session.adapt_version = version
            return
        if time.monotonic() > deadline:
            raise RenderError(f"Jupyter-kärnan svarade inte på {timeout:.0f} s.")


def _next_reply(client, within: float, died: str):
    """The next message on the kernel's shell channel, or None if none comes ``within`` seconds; a
    :class:`RenderError` saying ``died`` as soon as the kernel's process has ended (killed by
    :meth:`StartingKernels.close`, say), looked at every :data:`POLL` seconds."""
    end = time.monotonic() + within
    while True:
        try:
            return client.get_shell_msg(timeout=POLL)
        except queue.Empty:
            if not client.is_alive():
                raise RenderError(died) from None
            if time.monotonic() > end:
                return None


def _idle_after(client, request: str | None) -> bool:
    """Whether IOPub carries the kernel's idle status after ``request`` (False: silent for :data:`IOPUB_WAIT`)."""
    while True:
        try:
            msg = client.get_iopub_msg(timeout=IOPUB_WAIT)
        except queue.Empty:
            return False
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" \
                and msg["parent_header"].get("msg_id") == request:
            return True


def run_quietly(client, code: str, timeout: float = WARM_UP_TIMEOUT) -> None:
    """Run ``code`` in the kernel and wait for its answer; a Swedish :class:`RenderError` if it fails, the kernel
    ends (jupyter_client's ``execute_interactive`` would wait out its timeout then) or it takes too long. What the
    code prints stays on IOPub, where nbclient passes over it (it is not the notebooks' request)."""
    request = client.execute(code, store_history=False)
    deadline = time.monotonic() + timeout
    while True:
        reply = _next_reply(client, deadline - time.monotonic(), "Jupyter-kärnan avslutades när den startade.")
        if reply is None:
            raise RenderError(f"Jupyter-kärnan startade inte på {timeout:.0f} s.")
        if reply["parent_header"].get("msg_id") != request:
            continue
        content = reply["content"]
        if content["status"] != "ok":
            raise RenderError(f"Jupyter-kärnan kunde inte starta: {content.get('ename')}: {content.get('evalue')}")
        return


class Kernel:
    """One Jupyter kernel: its process starts when the object is made; :meth:`ready` waits for it and warms it up,
    :meth:`stop` ends it."""

    def __init__(self, cwd: Path):
        # local IPC sockets: no TCP port, no "running over TCP without encryption" warning;
        # the socket prefix must be an absolute path
        self.sockets = tempfile.mkdtemp(prefix="nnskernel-")
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(self.sockets) / "k"))
        self.kc = None
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), env.get("PYTHONPATH", "")]).strip(os.pathsep)
        env.setdefault("MPLBACKEND", "Agg")
        for key, value in ONE_BLAS_THREAD.items():
            env.setdefault(key, value)
        self.started = time.perf_counter()
        # no input history: IPython would write every cell into a SQLite file in the user's home, outside the
        # build, growing with every run (measured: 0.6 s of CPU per förbund's report)
        try:
            self.km.start_kernel(cwd=str(cwd), env=env, extra_arguments=[NO_HISTORY])
        except BaseException:   # Ctrl-C during the start, say: a process that started is ended, its files removed
            self.kill()
            self._clean_up()
            raise

    def ready(self) -> Kernel:
        """This kernel, answering and warmed up (:data:`WARM_UP`)."""
        client = self.km.client()
        client.start_channels()
        client.allow_stdin = False
        self.kc = client
        wait_for_ready(client)
        run_quietly(client, WARM_UP)
        logger.info("Startade en Jupyter-kärna på %.1f s.", time.perf_counter() - self.started)
        return self

    def kill(self) -> None:
        """End the kernel's process now (from any thread); :meth:`stop` still cleans up after it."""
        if self.km.has_kernel:
            self.km.signal_kernel(signal.SIGKILL)

    def stop(self) -> None:
        """End the kernel now, and clean up beside whatever comes next: jupyter_client's shutdown waits for the
        process in steps of 0.1 s (measured: 0.11 s with both cores idle between a cold build's notebooks and its
        render). The thread is not a daemon: the process waits for it before it ends."""
        if self.kc is not None:
            self.kc.stop_channels()
        self.kill()
        threading.Thread(target=self._clean_up, name="nnskernel-stop").start()

    def _clean_up(self) -> None:
        """The kernel stopped and reaped, its connection file and sockets removed."""
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        else:
            self.km.cleanup_resources()
        shutil.rmtree(self.sockets, ignore_errors=True)


def kernels_for(jobs: int, workers: int) -> int:
    """How many kernels a build executes ``jobs`` notebooks in with ``workers`` workers: one for one notebook or one
    worker, else one per worker, at most one per notebook."""
    return 1 if workers <= 1 or jobs <= 1 else min(workers, jobs)


class StartingKernels:
    """Kernels started ahead of a build, their processes started at once and each made ready in a thread of its own,
    for the build to take (:meth:`take`); :meth:`provide` starts more or stops some when the build knows how many
    it needs. A context manager that stops every kernel not taken (:meth:`close`)."""

    def __init__(self, cwd: Path, count: int = 0):
        self.cwd = Path(cwd)
        self._kernels: list[Kernel] = []
        self._ready: list[Future] = []
        self._pool = ThreadPoolExecutor(thread_name_prefix="nnskernel-start")
        self._lock = threading.Lock()
        self._closed = False
        self.provide(count)

    def __len__(self) -> int:
        """How many kernels are left to take."""
        return len(self._kernels)

    def take(self) -> Kernel | None:
        """The next kernel, ready (a :class:`RenderError` if it could not start), or None when none is left."""
        with self._lock:
            if not self._kernels:
                return None
            kernel, ready = self._kernels.pop(0), self._ready.pop(0)
        try:
            return ready.result()
        except BaseException:
            self._stop_when_done(kernel, ready)
            raise

    def provide(self, count: int) -> None:
        """``count`` kernels to take: more started, or those beyond stopped (the build needs no more)."""
        with self._lock:
            if self._closed and count:
                raise RuntimeError("StartingKernels is closed")
            extra = list(zip(self._kernels[count:], self._ready[count:], strict=True))
            del self._kernels[count:], self._ready[count:]
            try:
                while len(self._kernels) < count:
                    kernel = Kernel(self.cwd)
                    try:
                        ready = self._pool.submit(kernel.ready)
                    except BaseException:
                        kernel.stop()
                        raise
                    self._kernels.append(kernel)
                    self._ready.append(ready)
            except BaseException:
                extra += list(zip(self._kernels, self._ready, strict=True))
                self._kernels, self._ready = [], []
                raise
            finally:
                for kernel, ready in extra:
                    self._stop_when_done(kernel, ready)

    def close(self) -> None:
        """Stop every kernel not taken, at once: one still starting is killed, and cleaned up when its thread
        notices (within :data:`POLL`)."""
        self.provide(0)
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False)

    @staticmethod
    def _stop_when_done(kernel: Kernel, ready: Future) -> None:
        # a kernel's channels belong to the thread that makes it ready until that ends, so they are closed there
        kernel.kill()
        ready.add_done_callback(lambda _: kernel.stop())

    def __enter__(self) -> StartingKernels:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False
