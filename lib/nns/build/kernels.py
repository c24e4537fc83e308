"""Executing notebooks in long-lived Jupyter kernels, through a papermill engine.

One kernel per worker (:mod:`nns.build.startup`), started once and reused for every notebook: imports
and the loaded aggregated layer stay warm between notebooks. papermill is
extended, not patched: :class:`SharedKernelEngine` is registered in
``papermill.engines`` and executes each notebook with the runner's one kernel
client, which it neither creates nor stops (a client per notebook costs
~0.2 s and leaks file descriptors).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import nbformat
import papermill as pm
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from nns.build.cache import RESET_SOURCE
from nns.build.notebooks import lift_headings
from nns.build.plan import Job
from nns.build.startup import Kernel, StartingKernels
from nns.errors import RenderError

logger = logging.getLogger(__name__)

__all__ = ["SharedKernelEngine", "ENGINE", "Runner", "NotebookRunner", "LiftsHeadings"]

#: The name the engine is registered under in papermill.
ENGINE = "nnsreport-shared-kernel"


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
    """Executes notebooks with papermill in one long-lived kernel: one of ``kernels``, started ahead
    (:class:`nns.build.startup.StartingKernels`), or one it starts."""

    engine = ENGINE

    def __init__(self, cwd: Path, kernels: StartingKernels | None = None):
        super().__init__(cwd)
        self.kernels = kernels
        self.kernel: Kernel | None = None

    def __enter__(self):
        self.kernel = self.kernels.take() if self.kernels is not None else None
        if self.kernel is None:
            kernel = Kernel(self.cwd)
            try:
                self.kernel = kernel.ready()
            except BaseException:   # its process, sockets and connection file are not left behind
                kernel.stop()
                raise
        return self

    @property
    def km(self):
        return self.kernel.km

    @property
    def kc(self):
        return self.kernel.kc

    def engine_options(self) -> dict:
        # no cwd: the kernel runs in its own (self.cwd, set when it started); papermill's chdir would change the
        # whole process's directory under the other runners' threads
        return {"km": self.km, "kc": self.kc}

    def __exit__(self, *exc):
        if self.kernel is not None:
            self.kernel.stop()
        return False
