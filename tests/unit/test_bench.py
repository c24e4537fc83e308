"""tools/bench.py's CPU count of a batch: the whole process tree's, as the batch's workers and pandoc runs end."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("nns_bench", ROOT / "tools" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_batchs_cpu_includes_the_processes_its_process_started():
    bench = _bench()
    spin = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.4: pass"
    # a child that starts a grandchild that burns 0.4 s of CPU and waits for it, as the batch waits for its workers
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}], check=True)"
    before = bench.children_cpu()
    subprocess.run([sys.executable, "-c", parent], check=True)
    assert bench.children_cpu() - before >= 0.4
