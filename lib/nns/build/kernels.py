"""Executing notebooks in long-lived Jupyter kernels, through a papermill engine.

One kernel per worker, started once and reused for every notebook: imports
and the loaded aggregated layer stay warm between notebooks. papermill is
extended, not patched: :class:`SharedKernelEngine` is registered in
``papermill.engines`` and executes each notebook with the runner's one kernel
client, which it neither creates nor stops (a client per notebook costs
~0.2 s and leaks file descriptors).
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
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.channels import major_protocol_version
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from nns.build.cache import RESET_SOURCE
from nns.build.notebooks import lift_headings
from nns.build.plan import Job
from nns.build.pool import ONE_BLAS_THREAD
from nns.config import ROOT
from nns.errors import RenderError

logger = logging.getLogger(__name__)

__all__ = ["SharedKernelEngine", "ENGINE", "Runner", "NotebookRunner", "LiftsHeadings", "wait_for_ready"]

#: The kernel's option that keeps IPython from recording the cells it runs (``~/.ipython``'s history database).
NO_HISTORY = "--HistoryManager.enabled=False"

#: The kernel's garbage collector looks at its youngest objects every 10 000 allocations, not 700: the charts and
#: tables allocate millions of short-lived objects, and each collection that reaches the older generations walks
#: everything loaded (measured: 0.45 s → 0.1 s of collection per förbund's notebooks; cycles are still freed).
GC_THRESHOLD = (10_000, 10, 10)

#: The name the engine is registered under in papermill.
ENGINE = "nnsreport-shared-kernel"


#: How long a kernel's IOPub channel may stay silent after its answer before the request is asked again: the
#: kernel publishes its idle status right after the answer (measured: within 1–3 ms), so silence means that IOPub
#: joined too late for it, which happened in one of eight starts (jupyter_client waits 0.2 s then).
IOPUB_WAIT = 0.05


def wait_for_ready(client, timeout: float = 60) -> None:
    """Return when the kernel ``client`` talks to answers on its shell channel and its IOPub channel is connected.

    As jupyter_client's ``wait_for_ready``: ask for the kernel's info until it answers, and ask again while IOPub
    carries nothing from it (its subscription can join late). That then listens until IOPub has been silent for
    0.2 s, a wait with both cores idle at the start of every cold build (measured); here the wait ends with the
    answered request's idle status on IOPub, the kernel's last message about it. Messages left on IOPub (a
    request asked again) belong to other requests, which nbclient and ``execute_interactive`` pass over.
    """
    deadline = time.monotonic() + timeout
    while True:
        client.kernel_info()
        try:
            reply = client.get_shell_msg(timeout=1)
        except queue.Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply" \
                and _idle_after(client, reply["parent_header"].get("msg_id")):
            # the protocol's major version, as jupyter_client adapts to it
            version = int(reply["content"]["protocol_version"].split(".")[0])
            if version != major_protocol_version:
                client.session.adapt_version = version
            return
        if not client.is_alive():
            raise RenderError("Jupyter-kärnan avslutades innan den svarade.")
        if time.monotonic() > deadline:
            raise RenderError(f"Jupyter-kärnan svarade inte på {timeout:.0f} s.")


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


class LiftsHeadings:
    """An engine's execution, then the chapter titles moved into Markdown cells before papermill writes the
    notebook (once); a failed notebook is left as it ran, so that papermill names the failing cell."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        nb = super().execute_notebook(nb, kernel_name, **kwargs)
        failed = any(c.get("metadata", {}).get("papermill", {}).get("exception") for c in nb.cells)
        return nb if failed else lift_headings(nb)


class SharedKernelEngine(LiftsHeadings, NBClientEngine):
    """papermill's nbclient engine, executing in an already running kernel with a given client (``kc``)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        kc = kwargs.pop("kc")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=logger, log_output=log_output,
                             stdout_file=stdout_file, stderr_file=stderr_file)
        client = PapermillNotebookClient(nb_man, **final)
        client.kc = kc   # nbclient uses a client it is given and leaves it running
        return client.execute(cleanup_kc=False)


papermill_engines.register(ENGINE, SharedKernelEngine)


class Runner:
    """Executes notebooks with papermill, one at a time, with the engine named ``engine``; a context manager."""

    engine = ""

    def __init__(self, cwd: Path):
        self.cwd = Path(cwd)

    def run(self, job: Job) -> None:
        job.output.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(job.notebook, as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
        params.source = RESET_SOURCE + params.source
        # papermill writes the executed notebook to a temporary name (it serializes it whether or not it has
        # a path, so it is given one), renamed into place whole
        tmp = job.output.with_name(f".{job.output.stem}.{os.getpid()}.tmp.ipynb")
        try:
            self.execute(nb, tmp, job.parameters)
            os.replace(tmp, job.output)
        except pm.PapermillExecutionError as exc:
            # the cell's place in the notebook (the parameters cell is number 0)
            raise RenderError(f"{exc.ename}: {exc.evalue}",
                              where=f"{job.notebook.name} ({job.name}), cell {exc.cell_index}") from None
        finally:
            tmp.unlink(missing_ok=True)

    def execute(self, nb, path: Path, parameters: dict) -> None:
        """papermill's execution of ``nb`` with ``parameters``, written to ``path``."""
        pm.execute_notebook(nb, str(path), parameters=parameters, engine_name=self.engine, **self.engine_options(),
                            progress_bar=False, request_save_on_cell_execute=False, log_output=False)

    def engine_options(self) -> dict:
        return {}


class NotebookRunner(Runner):
    """Executes notebooks with papermill in one long-lived kernel."""

    engine = ENGINE

    def __init__(self, cwd: Path):
        super().__init__(cwd)
        self.km = None
        self.kc = None

    def __enter__(self):
        t = time.perf_counter()
        # local IPC sockets: no TCP port, no "running over TCP without encryption" warning;
        # the socket prefix must be an absolute path
        self._sockets = tempfile.mkdtemp(prefix="nnskernel-")
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(self._sockets) / "k"))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), env.get("PYTHONPATH", "")]).strip(os.pathsep)
        env.setdefault("MPLBACKEND", "Agg")
        for key, value in ONE_BLAS_THREAD.items():
            env.setdefault(key, value)
        # no input history: IPython would write every cell into a SQLite file in the user's home, outside the
        # build, growing with every run (measured: 0.6 s of CPU per förbund's report)
        self.km.start_kernel(cwd=str(self.cwd), env=env, extra_arguments=[NO_HISTORY])
        client = self.km.client()
        client.start_channels()
        wait_for_ready(client, timeout=60)
        client.allow_stdin = False
        self.kc = client
        # warm the kernel: the garbage collector's pace, the imports every notebook needs
        client.execute_interactive(f"import gc; gc.set_threshold(*{GC_THRESHOLD}); "
                                   "import matplotlib; matplotlib.use('Agg'); "
                                   "from nns.present import charts, notebook",
                                   store_history=False, timeout=120)
        logger.info("Startade en Jupyter-kärna på %.1f s.", time.perf_counter() - t)
        return self

    def engine_options(self) -> dict:
        # no cwd: the kernel runs in its own (self.cwd, set when it started); papermill's chdir would change the
        # whole process's directory under the other runners' threads
        return {"km": self.km, "kc": self.kc}

    def __exit__(self, *exc):
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is None or not self.km.has_kernel:
            self._clean_up()
            return False
        # the kernel is killed now and cleaned up beside whatever comes next: jupyter_client's shutdown waits for
        # the process in steps of 0.1 s (measured: 0.11 s with both cores idle between a cold build's notebooks
        # and its render). The thread is not a daemon: the process waits for it before it ends.
        self.km.signal_kernel(signal.SIGKILL)
        threading.Thread(target=self._clean_up, name="nnskernel-stop").start()
        return False

    def _clean_up(self) -> None:
        """The kernel stopped and reaped, its connection file and sockets removed."""
        if self.km is not None:
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(getattr(self, "_sockets", ""), ignore_errors=True)
