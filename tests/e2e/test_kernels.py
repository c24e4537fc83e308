"""Executing notebooks: a build's in kernels (nns.build.execution), the batch's workers' in their own shells."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import nbformat
import psutil
import pytest

from nns.build.execution import run_jobs
from nns.build.kernels import NotebookRunner
from nns.build.plan import Job
from nns.build.pool import ONE_BLAS_THREAD
from nns.build.startup import GC_THRESHOLD, Kernel, StartingKernels, run_quietly, wait_for_ready
from nns.config import ROOT
from nns.errors import RenderError


def _notebook(path, source: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    params = nbformat.v4.new_code_cell("n = 0", metadata={"tags": ["parameters"]})
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def test_two_kernels_run_every_job_once_and_write_each_notebook_whole(tmp_path):
    source = _notebook(tmp_path / "del.ipynb", "import os\nprint(n * 2, os.getpid())")
    todo = [(Job(source, tmp_path / "ut" / f"del-{i}.ipynb", {"n": i}), tmp_path / "cache" / f"{i}.ipynb")
            for i in range(6)]
    (tmp_path / "cache").mkdir()
    run_jobs(todo, str(ROOT), workers=2)
    pids = set()
    for i, (job, cached) in enumerate(todo):
        nb = nbformat.read(job.output, as_version=4)
        text, pid = nb.cells[-1].outputs[0]["text"].split()
        assert int(text) == 2 * i and cached.read_bytes() == job.output.read_bytes()
        pids.add(pid)
    assert 1 <= len(pids) <= 2   # at most one kernel per worker (a kernel that starts first may take them all)
    assert not list((tmp_path / "ut").glob(".*"))   # no temporary file left


def test_a_failing_notebook_names_itself_and_leaves_no_cache_entry_or_temporary_file(tmp_path):
    good = _notebook(tmp_path / "bra.ipynb", "x = n")
    bad = _notebook(tmp_path / "trasig.ipynb", "raise ValueError('trasig cell')")
    (tmp_path / "cache").mkdir()
    todo = [(Job(good, tmp_path / "ut" / "bra.ipynb", {"n": 1}), tmp_path / "cache" / "bra.ipynb"),
            (Job(bad, tmp_path / "ut" / "trasig.ipynb", {"n": 1}), tmp_path / "cache" / "trasig.ipynb")]
    with pytest.raises(RenderError) as exc:
        run_jobs(todo, str(ROOT), workers=2)
    assert "ValueError: trasig cell" in str(exc.value) and "trasig.ipynb" in str(exc.value)
    assert not (tmp_path / "cache" / "trasig.ipynb").exists()
    assert not list((tmp_path / "ut").glob(".*"))


def test_a_kernel_keeps_no_history_collects_garbage_at_its_own_pace_and_computes_on_one_blas_thread(tmp_path,
                                                                                                     monkeypatch):
    for key in ONE_BLAS_THREAD:
        monkeypatch.delenv(key, raising=False)
    source = _notebook(tmp_path / "historik.ipynb",
                       "import gc, os\nprint(get_ipython().history_manager.enabled, *gc.get_threshold(), "
                       "os.environ.get('OPENBLAS_NUM_THREADS'))")
    todo = [(Job(source, tmp_path / "ut" / "historik.ipynb", {"n": 1}), tmp_path / "cache" / "historik.ipynb")]
    (tmp_path / "cache").mkdir()
    run_jobs(todo, str(ROOT))
    text = nbformat.read(todo[0][0].output, as_version=4).cells[-1].outputs[0]["text"].split()
    assert text == ["False", *map(str, GC_THRESHOLD), ONE_BLAS_THREAD["OPENBLAS_NUM_THREADS"]]


#: A notebook with every kind of output a cell can give, for the two engines to record alike.
EVERY_OUTPUT = [
    'print("a")\nprint("b")',
    'import sys\nprint("c", file=sys.stderr)',
    'from IPython.display import display\n'
    'display({"text/markdown": "**å**", "text/plain": "å"}, raw=True, metadata={"nnsreport": {"k": [1, "ä"]}})',
    "n * 7",
    'h = display("första", display_id="d1")\nprint("mellan")\nh.update("andra")',
    'from IPython.display import clear_output\nprint("bort")\nclear_output()\nprint("kvar")',
    'print("innan")\nclear_output(wait=True)\nprint("efter")',
    'andra = display("v1", display_id="d2")',
    'andra.update("v2")\ndisplay("v3", display_id="d2")',
    'import numpy as np\ndisplay({"text/plain": "x"}, raw=True, metadata={"tal": np.int64(3), "lista": (1, 2)})',
    "",
    'raise KeyError("tillåtet")',
    'raise ValueError("trasig cell")',
    'print("aldrig")',
]


def _every_output_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    nb.cells = [nbformat.v4.new_code_cell("n = 0", metadata={"tags": ["parameters"]})]
    for source in EVERY_OUTPUT:
        tags = ["raises-exception"] if "tillåtet" in source else []
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}))
    nbformat.write(nb, path)
    return path


def _stopped(kernel, process: psutil.Process, timeout: float = 30) -> bool:
    """Whether ``kernel``'s process ended and its connection file and sockets were removed (its clean-up threads
    waited for)."""
    for prefix in ("nnskernel-start", "nnskernel-stop"):   # a kernel that was starting is stopped when that ends
        for thread in [t for t in threading.enumerate() if t.name.startswith(prefix)]:
            thread.join(timeout=timeout)
    files = [Path(kernel.sockets), Path(kernel.km.connection_file)]
    return not process.is_running() and not any(f.exists() for f in files)


def test_a_kernel_is_stopped_and_its_files_removed_when_its_runner_ends():
    """A runner's kernel is killed as the runner ends, and reaped, with its connection file and sockets removed,
    beside what the build does next (nns.build.startup.Kernel.stop)."""
    runner = NotebookRunner(ROOT).__enter__()
    reply = runner.kc.execute_interactive("x = 1", store_history=False, timeout=60)
    assert reply["content"]["status"] == "ok"
    process = psutil.Process(runner.km.provisioner.process.pid)
    assert Path(runner.kernel.sockets).exists() and Path(runner.km.connection_file).exists()
    runner.__exit__(None, None, None)
    assert _stopped(runner.kernel, process)


def test_kernels_started_early_are_taken_warm_and_those_not_needed_are_stopped(tmp_path):
    """``nnsreport render`` starts its kernels before it imports the build (nns.build.startup.StartingKernels):
    the build takes them, warmed up, for its notebooks and stops the rest at once."""
    source = _notebook(tmp_path / "del.ipynb", "import os, gc, sys\n"
                       "print(os.getpid(), gc.get_threshold()[0], 'nns.present.charts' in sys.modules)")
    job = Job(source, tmp_path / "ut" / "del.ipynb", {"n": 1})
    (tmp_path / "cache").mkdir()
    with StartingKernels(ROOT, 2) as kernels:
        kernels_made = list(kernels._kernels)
        started = [psutil.Process(k.km.provisioner.process.pid) for k in kernels_made]
        run_jobs([(job, tmp_path / "cache" / "del.ipynb")], str(ROOT), workers=2, kernels=kernels)
        assert len(kernels) == 0   # one notebook: one kernel taken, the other stopped
    pid, threshold, warmed = nbformat.read(job.output, as_version=4).cells[-1].outputs[0]["text"].split()
    assert int(pid) in [p.pid for p in started] and int(threshold) == GC_THRESHOLD[0] and warmed == "True"
    taken = next(p for p in started if p.pid == int(pid))
    assert all(_stopped(k, p) for k, p in zip(kernels_made, started, strict=True)) and not taken.is_running()


def test_kernels_still_starting_are_killed_and_cleaned_up_when_the_build_needs_none():
    with StartingKernels(ROOT, 2) as kernels:
        pairs = [(k, psutil.Process(k.km.provisioner.process.pid)) for k in kernels._kernels]
    for kernel, process in pairs:   # closed at once, most likely before they answered
        assert _stopped(kernel, process)


def test_a_warm_up_that_fails_is_reported_in_swedish():
    kernel = Kernel(ROOT)
    try:
        kernel.kc = kernel.km.client()
        kernel.kc.start_channels()
        wait_for_ready(kernel.kc)
        with pytest.raises(RenderError, match="kunde inte starta: ValueError: trasig uppstart"):
            run_quietly(kernel.kc, "raise ValueError('trasig uppstart')")
    finally:
        kernel.stop()


def _recorded(path):
    """Each cell's outputs as a kernel and the in-process engine must both give them (an error's traceback is
    compared by its last line), whether it ran, and the notebook's language."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":   # papermill's marks of the failed cell, which name its execution count
            cells.append(("markdown", re.sub(r"\d+", "N", cell.source)))
            continue
        outs = []
        for out in cell.outputs:
            out = dict(out)
            if out["output_type"] == "error":
                out["traceback"] = out["traceback"][-1][-40:]
            out.pop("execution_count", None)
            outs.append(out)
        cells.append((cell.source, outs, cell.execution_count is not None,
                      cell.metadata.get("papermill", {}).get("exception")))
    return cells, nb.metadata["language_info"], nb.metadata["papermill"]["exception"]


def test_a_batch_worker_executes_in_its_own_shell_and_records_what_a_kernel_records(tmp_path):
    """The batch's workers execute notebooks in their own IPython shell (nns.build.inprocess), not in a kernel:
    every kind of output, the error that stops a notebook and the cells after it come out as a kernel gives them."""
    from helpers.data import hermetic
    from helpers.workers import execute_in_worker, worker_state
    from nns.build.batch import _init_worker
    from nns.build.kernels import NotebookRunner
    from nns.build.pool import worker_pool

    source = _every_output_notebook(tmp_path / "alla.ipynb")
    with NotebookRunner(ROOT) as runner, pytest.raises(Exception) as failed:   # noqa: PT011 (papermill's error)
        runner.execute(nbformat.read(source, as_version=4), tmp_path / "kärna.ipynb", {"n": 3})
    assert "ValueError" in str(failed.value)
    before = dict(os.environ)
    with worker_pool(hermetic(tmp_path / "bygg").root, 1, initializer=_init_worker) as pool:
        error = pool.submit(execute_in_worker, str(source), str(tmp_path / "process.ipynb"), {"n": 3}).result()
        state = pool.submit(worker_state).result()
    assert error == "ValueError: trasig cell"
    assert _recorded(tmp_path / "process.ipynb") == _recorded(tmp_path / "kärna.ipynb")
    cells = {cell[0]: cell[1:] for cell in _recorded(tmp_path / "process.ipynb")[0]}
    assert cells['print("a")\nprint("b")'][0] == [{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}]
    assert cells["n * 7"][0][0]["data"] == {"text/plain": "21"}
    # a display id is the notebook's: a later cell's update and display change the first cell's output too
    assert cells['andra = display("v1", display_id="d2")'][0][0]["data"] == {"text/plain": "'v3'"}
    assert cells['print("aldrig")'] == ([], False, None)   # the cell after the failing one did not run
    # the worker keeps no history, collects garbage at the kernels' pace (what it loaded when it started kept out of
    # the collector's sight) and computes on one BLAS thread; the batch's environment is not left in this process
    assert state[:3] == (GC_THRESHOLD, ONE_BLAS_THREAD["OPENBLAS_NUM_THREADS"], False)
    assert state[3] > 100_000
    assert dict(os.environ) == before


def test_a_batch_reports_each_report_its_dead_worker_did_not_build():
    """In the batch, the reports of a broken pool are failures of their own, named, not a crash of the batch."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from nns.build.batch import COMPARISON_NAME, _outcome
    from nns.build.pool import WORKER_DIED
    from nns.config import Scope

    broken = Future()
    broken.set_exception(BrokenProcessPool("död"))
    assert _outcome(broken, Scope(2022, "Väst")) == ("Väst", "", 0.0, WORKER_DIED)
    assert _outcome(broken, Scope(2022, comparison=True))[0] == COMPARISON_NAME
    built = Future()
    built.set_result(("Väst", "/ut/vast", 2.0, None))
    assert _outcome(built, Scope(2022, "Väst")) == ("Väst", "/ut/vast", 2.0, None)
