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
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from nns.build.cache import RESET_SOURCE
from nns.build.notebooks import lift_headings
from nns.build.plan import Job
from nns.config import ROOT
from nns.errors import RenderError
from nns.fsio import write_atomic

logger = logging.getLogger(__name__)

__all__ = ["SharedKernelEngine", "ENGINE", "NotebookRunner", "run_jobs"]

#: The name the engine is registered under in papermill.
ENGINE = "nnsreport-shared-kernel"


class SharedKernelEngine(NBClientEngine):
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


class NotebookRunner:
    """Executes notebooks with papermill in one long-lived kernel."""

    def __init__(self, cwd: Path):
        self.cwd = Path(cwd)
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
        self.km.start_kernel(cwd=str(self.cwd), env=env)
        client = self.km.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        client.allow_stdin = False
        self.kc = client
        # warm the kernel: the imports every notebook needs
        client.execute_interactive("import matplotlib; matplotlib.use('Agg'); "
                                   "from nns.present import charts, notebook",
                                   store_history=False, timeout=120)
        logger.info("Startade en Jupyter-kärna på %.1f s.", time.perf_counter() - t)
        return self

    def run(self, job: Job) -> None:
        job.output.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(job.notebook, as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
        params.source = RESET_SOURCE + params.source
        try:
            executed = pm.execute_notebook(
                nb, None, parameters=job.parameters, engine_name=ENGINE, km=self.km, kc=self.kc,
                progress_bar=False, request_save_on_cell_execute=False, log_output=False, cwd=str(self.cwd),
            )
        except pm.PapermillExecutionError as exc:
            # the cell's place in the notebook (the parameters cell is number 0)
            raise RenderError(f"{exc.ename}: {exc.evalue}",
                              where=f"{job.notebook.name} ({job.name}), cell {exc.cell_index}") from None
        write_atomic(job.output, nbformat.writes(lift_headings(executed)).encode("utf-8"))

    def __exit__(self, *exc):
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(getattr(self, "_sockets", ""), ignore_errors=True)
        return False


def run_jobs(todo: list[tuple[Job, Path]], root: str, runner: NotebookRunner | None = None, workers: int = 1) -> None:
    """Execute (job, cache entry) pairs: in ``runner``'s kernel, over ``workers`` processes, or in a new kernel."""
    if runner is not None:
        _run_chunk((todo, root), runner)
    elif workers > 1 and len(todo) > 1:
        _execute_parallel(todo, workers, root)
    else:
        _run_chunk((todo, root))


def _run_chunk(args, runner: NotebookRunner | None = None) -> int:
    chunk, root = args
    if runner is None:
        with NotebookRunner(Path(root)) as r:
            return _run_chunk(args, r)
    for job, cached in chunk:
        runner.run(job)
        # the cache entry is written whole or not at all: a half-copied entry must never be reused
        write_atomic(cached, job.output.read_bytes())
    return len(chunk)


def _execute_parallel(todo, workers: int, root: str) -> None:
    """Split the jobs over ``workers`` processes, each with its own kernel."""
    chunks = [todo[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        for f in [pool.submit(_run_chunk, (c, root)) for c in chunks if c]:
            f.result()
