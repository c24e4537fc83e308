"""Executing notebooks in this process's IPython shell, through a papermill engine (the batch's workers).

A batch worker (:mod:`nns.build.batch`) is a process of its own that only executes and renders reports. With a
Jupyter kernel beside it, the two take turns: the kernel computes a notebook while the worker waits, and every
output the kernel displays is encoded as a message, sent over a socket, decoded and validated again in the
worker (measured: 0.35–0.5 s of CPU per local report, about a tenth of it). :class:`InProcessEngine` runs each
cell in the worker's own IPython shell, the ``InteractiveShell`` a Jupyter kernel runs, and records what the
cell displays, returns, prints and raises as nbclient records a kernel's messages: the same outputs, so the same
reports (tests/e2e/test_kernels.py compares the two engines; tests/e2e/test_local.py the reports).

papermill does the rest as for a kernel: it injects the parameters, times each cell, writes the executed
notebook and raises :class:`papermill.PapermillExecutionError` for a cell that failed.

What a kernel does and this engine does not: output written to the process's file descriptors by C code
(not ``sys.stdout``) is not captured, and a crash in a notebook ends the worker, not a kernel.

:func:`start_worker` makes a process such a worker; :func:`nns.build.pool.worker_pool` starts the batch's (one
förbund's report at a time each).
"""
from __future__ import annotations

import atexit
import contextlib
import gc
import io
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.session import json_packer, json_unpacker
from nbformat import from_dict
from papermill.engines import Engine, papermill_engines
from traitlets.config import Config

from nns.build.kernels import LiftsHeadings, Runner
from nns.build.startup import GC_THRESHOLD

__all__ = ["InProcessEngine", "InProcessRunner", "ENGINE", "start_worker"]

#: The name the engine is registered under in papermill.
ENGINE = "nnsreport-in-process"

#: nbclient's tag for a cell it does not execute.
SKIP_TAG = "skip-execution"


def _as_sent(value):
    """``value`` as a kernel's message carries it to nbclient: encoded and decoded as jupyter_client's session does
    (numpy's numbers as Python's, bytes as base64, dates as text, NaN as "nan" with its warning)."""
    return json_unpacker(json_packer(value))


def _output(output_type: str, **fields):
    """An output as nbformat's ``new_output`` makes it, without validating each against the schema (0.5 ms for a
    chart's): papermill validates the whole notebook as it writes it."""
    return from_dict({"output_type": output_type, **fields})


class _Publisher(DisplayPublisher):
    """What a cell displays, into its outputs, as nbclient records a kernel's display messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outputs: list = []
        self.displays: dict[str, list] = {}   # display id → the notebook's outputs that show it
        self.clear_before_next = False

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        data, metadata = _as_sent(data), _as_sent(metadata or {})
        display_id = (transient or {}).get("display_id")
        if display_id:   # as nbclient: every output of the notebook with this id shows the latest
            for out in self.displays.get(display_id, []):
                out["data"], out["metadata"] = data, metadata
        if update:
            return
        out = _output("display_data", data=data, metadata=metadata)
        self.append(out)
        if display_id:
            self.displays.setdefault(display_id, []).append(out)

    def append(self, out) -> None:
        if self.clear_before_next:
            self.outputs.clear()
            self.clear_before_next = False
        self.outputs.append(out)

    def clear_output(self, wait=False):
        if wait:
            self.clear_before_next = True
        else:
            self.outputs.clear()


class _ResultHook(DisplayHook):
    """A cell's value (its last expression), as the kernel's execute_result."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.shell.display_pub.append(_output("execute_result", data=_as_sent(format_dict), metadata=_as_sent(md_dict or {}),
                                                 execution_count=self.prompt_count))

    def finish_displayhook(self):
        pass


class _Stream(io.TextIOBase):
    """stdout or stderr during a cell: text into a stream output, consecutive writes of one stream into one (a
    kernel groups them by time instead: what it sends each 0.2 s or at a display, so the grouping may differ)."""

    def __init__(self, name: str, publisher: _Publisher):
        self.name, self.publisher = name, publisher

    @property
    def encoding(self) -> str:
        return "UTF-8"   # as a kernel's streams

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        outs = self.publisher.outputs
        if outs and not self.publisher.clear_before_next and outs[-1]["output_type"] == "stream" \
                and outs[-1]["name"] == self.name:
            outs[-1]["text"] += text
        else:
            self.publisher.append(_output("stream", name=self.name, text=text))
        return len(text)


class _Shell(InteractiveShell):
    """IPython's shell with a cell's display, value and error going to its outputs, as in ipykernel."""

    def _showtraceback(self, etype, evalue, stb):
        self.display_pub.append(_output("error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))


def shell() -> _Shell:
    """This process's one shell (IPython's singleton), started on first use; no input history is kept, as in the
    kernels (:data:`nns.build.startup.NO_HISTORY`)."""
    if not _Shell.initialized():
        config = Config({"HistoryManager": {"enabled": False}})   # the kernels' NO_HISTORY
        _Shell.instance(config=config, display_pub_class=_Publisher, displayhook_class=_ResultHook)
    return _Shell.instance()


def _execute(sh: _Shell, cell) -> bool:
    """Run one code cell; its outputs and execution count as nbclient would record them. False if it raised."""
    pub = sh.display_pub
    pub.outputs, pub.clear_before_next = [], False
    with contextlib.redirect_stdout(_Stream("stdout", pub)), contextlib.redirect_stderr(_Stream("stderr", pub)):
        result = sh.run_cell(cell.source, store_history=True)
    cell.outputs = pub.outputs
    cell.execution_count = result.execution_count
    return result.success


class InProcessEngine(LiftsHeadings, Engine):
    """A papermill engine that executes each code cell in this process's IPython shell (:func:`shell`)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        sh = shell()
        sh.display_pub.displays = {}
        nb_man.nb.metadata["language_info"] = dict(IPythonKernel.language_info)   # as a kernel reports it
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                tags = cell.get("metadata", {}).get("tags", [])
                if cell.cell_type != "code" or not cell.source.strip() or SKIP_TAG in tags:
                    continue
                if not _execute(sh, cell) and "raises-exception" not in tags:
                    nb_man.cell_exception(cell, cell_index=index)
                    break
            finally:
                nb_man.cell_complete(cell, cell_index=index)


papermill_engines.register(ENGINE, InProcessEngine)


class InProcessRunner(Runner):
    """Executes notebooks with papermill in this process's IPython shell, in ``cwd`` as a kernel would."""

    engine = ENGINE

    def __enter__(self):
        gc.set_threshold(*GC_THRESHOLD)
        import matplotlib  # noqa: PLC0415 (as the kernels are warmed: the imports every notebook needs)

        matplotlib.use("Agg")
        from nns.present import charts, notebook  # noqa: F401, PLC0415

        shell()
        return self

    def execute(self, nb, path: Path, parameters: dict) -> None:
        with contextlib.chdir(self.cwd):
            super().execute(nb, path, parameters)

    def __exit__(self, *exc):
        return False


def start_worker(root: str) -> InProcessRunner:
    """Make this process a worker that executes notebooks, once: its runner, kept until the process ends."""
    runner = InProcessRunner(Path(root)).__enter__()
    atexit.register(runner.__exit__, None, None, None)
    # what the worker has loaded (the libraries, their modules and caches) lives as long as it does: out of the
    # garbage collector's sight, so that a collection of the oldest generation walks only the reports' objects
    # (measured: 0.036 s of such collections per report, none after)
    gc.freeze()
    return runner
