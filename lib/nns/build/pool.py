"""The batch's worker processes, started without the libraries they load (the parent that starts them never
renders: importing the build, with IPython and python-pptx, would only delay their start).

The workers themselves become workers through their initializer (:func:`nns.build.inprocess.start_worker`, or a
caller's that calls it).
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

__all__ = ["ONE_BLAS_THREAD", "WORKER_DIED", "worker_pool"]

#: The kernel's numerical libraries (numpy's and scipy's OpenBLAS) compute on one thread unless the environment
#: says otherwise: the report's arrays are small, a build runs a kernel per core already, and each OpenBLAS
#: started a thread per core at import (measured: 0.25 s of CPU of a kernel's start).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1"}

#: What is said of a report whose worker process ended under it (a crash in a library, the machine out of
#: memory): the pool is then broken, and the reports not yet done are not built.
WORKER_DIED = ("Arbetsprocessen avslutades oväntat (till exempel av brist på minne eller ett fel i ett bibliotek); "
               "inget skrevs. Kör igen.")


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """``values`` set in os.environ where it does not set them already (the workers are started with it: their
    numpy is imported before any code of theirs runs), and os.environ as it was after."""
    added = {key: value for key, value in values.items() if key not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def worker_pool(root: str, workers: int, initializer) -> ProcessPoolExecutor:
    """``workers`` new processes, each made a worker by ``initializer(root)``, started as the kernels are: numpy's
    OpenBLAS on one thread (ONE_BLAS_THREAD)."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=initializer,
                               initargs=(str(root),))
    with _environment(ONE_BLAS_THREAD):
        # the processes start now, with this environment, not at the first jobs: a submitted task starts a
        # process while none is idle, and none is before its first task
        for _ in range(workers):
            pool.submit(os.getpid)
    return pool
