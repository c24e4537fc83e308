"""Executing a build's notebooks: in a runner it is given (a batch worker's), in a new kernel, or in several.

A build of one report executes its notebooks in ``workers`` Jupyter kernels at once, driven by threads of this
process, longest first; one notebook alone, or one worker, in one kernel. Each executed notebook is copied into
the cache whole, as its job ends.

Not in worker processes of its own, as the batch's (:mod:`nns.build.inprocess`): with worker processes started in
its process group, Ctrl-C during the render after the notebooks was lost more often (the build finished instead of
stopping: tests/e2e/test_interrupted_renders.py, 2 of 4 runs under load). The cause was found later: a library
can clear a KeyboardInterrupt raised in code it calls back, and :mod:`nns.interrupt` now stops the build before it
publishes whatever became of it; the workers may come back here, measured again. Kernels have sessions of their
own.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

from nns.build.kernels import NotebookRunner, Runner
from nns.build.plan import Job
from nns.build.startup import StartingKernels, kernels_for
from nns.fsio import write_atomic

__all__ = ["run_jobs"]


def run_jobs(todo: list[tuple[Job, Path]], root: str, runner: Runner | None = None, workers: int = 1,
             kernels: StartingKernels | None = None) -> None:
    """Execute (job, cache entry) pairs: in ``runner``, in ``workers`` kernels at once, or in a new kernel.

    ``kernels``: kernels started ahead (:class:`nns.build.startup.StartingKernels`), made as many as the jobs need
    and taken; without them, each kernel is started here.
    """
    if runner is not None:
        _run_chunk(todo, runner)
        return
    count = kernels_for(len(todo), workers)
    if kernels is not None:
        kernels.provide(count)
    if count > 1:
        _execute_parallel(todo, count, root, kernels)
    else:
        with NotebookRunner(Path(root), kernels) as r:
            _run_chunk(todo, r)


def _run_chunk(chunk: list[tuple[Job, Path]], runner: Runner) -> None:
    for job, cached in chunk:
        runner.run(job)
        _keep(job, cached)


def _keep(job: Job, cached: Path) -> None:
    # the cache entry is written whole or not at all: a half-copied entry must never be reused
    write_atomic(cached, job.output.read_bytes())


def _expected_cost(item) -> int:
    """How long a job is expected to take, for the queue's order (longest first, so that the kernels finish
    together): the size of the notebook its last run executed (its charts and tables), 0 for a first run."""
    job, _ = item
    try:
        return job.output.stat().st_size
    except OSError:
        return 0


def _execute_parallel(todo, workers: int, root: str, kernels: StartingKernels | None = None) -> None:
    """Run the jobs in ``workers`` kernels at once, each driven by a thread of this process.

    Each thread takes one kernel (started ahead, or starts one) and then the next job from a shared queue until
    none is left, so a kernel that finishes early takes more (the national report's first notebooks cost the
    most). Threads, not processes: the kernels do the work, and a driving process would import papermill and the
    package again (about a second of a cold build). The first failure stops the others after their current
    notebook.
    """
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for item in sorted(todo, key=_expected_cost, reverse=True):
        jobs.put(item)
    stop = threading.Event()

    def drive() -> None:
        with NotebookRunner(Path(root), kernels) as runner:
            while not stop.is_set():
                try:
                    item = jobs.get_nowait()
                except queue.Empty:
                    return
                _run_chunk([item], runner)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nnskernel") as pool:
        futures = [pool.submit(drive) for _ in range(min(workers, len(todo)))]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
        finally:
            stop.set()
        for f in futures:
            f.result()
