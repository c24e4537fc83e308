"""Functions a test submits to a batch worker (nns.build.batch.worker_pool): they run in the worker process."""
from __future__ import annotations

import gc
import os
from pathlib import Path

import nbformat
import papermill as pm


def execute_in_worker(notebook: str, output: str, parameters: dict) -> str:
    """Execute ``notebook`` with the worker's own runner (as the batch does) into ``output``; papermill's error
    name and value if a cell failed, else ""."""
    from nns.build import batch  # noqa: PLC0415 (the worker's module, with its runner)

    try:
        batch._RUNNER.execute(nbformat.read(notebook, as_version=4), Path(output), parameters)
    except pm.PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    return ""


def worker_state() -> tuple:
    """The worker's garbage collector pace, its BLAS threads' setting, whether its shell keeps history and how
    many objects it keeps out of the collector's sight (frozen)."""
    from nns.build.inprocess import shell  # noqa: PLC0415

    return (gc.get_threshold(), os.environ.get("OPENBLAS_NUM_THREADS"), shell().history_manager.enabled,
            gc.get_freeze_count())
