"""The kernels of one build: several at once, driven by threads pulling from one queue (nns.build.kernels)."""
from __future__ import annotations

import nbformat
import pytest

from nns.build.kernels import GC_THRESHOLD, ONE_BLAS_THREAD, run_jobs
from nns.build.plan import Job
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
