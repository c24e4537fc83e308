"""Executing a build's notebooks: in a runner it is given, in a new kernel, or over several worker processes.

A build of one report executes its notebooks over ``workers`` processes at once
(:func:`nns.build.inprocess.worker_pool`), each executing one notebook at a time in its own IPython shell,
longest first. One notebook alone, or a build with one worker, runs in a Jupyter kernel
(:class:`nns.build.kernels.NotebookRunner`). Each executed notebook is copied into the cache whole, as its
job ends.
"""
from __future__ import annotations

from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from nns.build.inprocess import WORKER_DIED, run_job, worker_pool
from nns.build.kernels import NotebookRunner, Runner
from nns.build.plan import Job
from nns.errors import RenderError
from nns.fsio import write_atomic

__all__ = ["run_jobs"]


def run_jobs(todo: list[tuple[Job, Path]], root: str, runner: Runner | None = None, workers: int = 1) -> None:
    """Execute (job, cache entry) pairs: in ``runner``, over ``workers`` processes, or in a new kernel."""
    if runner is not None:
        _run_chunk(todo, runner)
    elif workers > 1 and len(todo) > 1:
        _execute_parallel(todo, workers, root)
    else:
        with NotebookRunner(Path(root)) as r:
            _run_chunk(todo, r)


def _run_chunk(chunk: list[tuple[Job, Path]], runner: Runner) -> None:
    for job, cached in chunk:
        runner.run(job)
        _keep(job, cached)


def _keep(job: Job, cached: Path) -> None:
    # the cache entry is written whole or not at all: a half-copied entry must never be reused
    write_atomic(cached, job.output.read_bytes())


def _expected_cost(item) -> int:
    """How long a job is expected to take, for the queue's order (longest first, so that the workers finish
    together): the size of the notebook its last run executed (its charts and tables), 0 for a first run."""
    job, _ = item
    try:
        return job.output.stat().st_size
    except OSError:
        return 0


def _execute_parallel(todo, workers: int, root: str) -> None:
    """Run the jobs in ``workers`` processes at once, each executing one notebook at a time in its own IPython
    shell (:mod:`nns.build.inprocess`); a worker that finishes early takes the next job (the national report's
    first notebooks cost the most).

    Processes, not kernels driven by threads of this process: a kernel computes what a worker does, and then
    every output it displays is also encoded, sent, decoded and validated again here (measured: about a tenth
    of a cold build's notebooks). The first failure cancels the jobs not yet started; those running end first.
    """
    items = sorted(todo, key=_expected_cost, reverse=True)
    with worker_pool(root, min(workers, len(items))) as pool:
        futures = {pool.submit(run_job, job): (job, cached) for job, cached in items}
        try:
            for done in as_completed(futures):
                try:
                    done.result()
                except BrokenProcessPool:
                    # which job's worker died the pool does not say: every job not done is named
                    left = [f"{job.notebook.name} ({job.name})" for f, (job, _) in futures.items()
                            if not f.done() or f.exception() is not None]
                    raise RenderError(WORKER_DIED, where="en av " + ", ".join(left)) from None
                _keep(*futures[done])
        except BaseException:
            for f in futures:
                f.cancel()
            raise
