"""Building a report: execute the notebooks (cached), collect figures, render, write the manifest.

Speed comes from three things:

* one Jupyter kernel per worker, started once and reused for every notebook
  (``papermill.execute_notebook(..., km=...)``): imports and the loaded
  aggregated layer stay warm between notebooks;
* a cache of executed notebooks keyed by the notebook, its parameters and the
  hashes of everything it reads (aggregated layer, instrument, settings,
  library code, commentary files);
* skipping the render when its inputs (executed outputs, prose, templates)
  are unchanged since the last build of the same output folder.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nnsreport as nr
from nns_errors import NNSError, RenderError

logger = logging.getLogger(__name__)

ROOT = nr.ROOT
INDICATOR_NOTEBOOK = "notebooks/indikator.ipynb"
PART_NOTEBOOKS = ["tabell_1_4", "tabell_20", "tabell_21", "diagram_13", "bilagor"]
#: The appendices (Bilaga 1 and 2) belong to the national report only.
LOCAL_PART_NOTEBOOKS = ["tabell_1_4", "tabell_20", "tabell_21", "diagram_13"]


@dataclass(frozen=True)
class Job:
    """One notebook to execute: template, output path and parameters."""

    notebook: Path
    output: Path
    parameters: dict
    extra_inputs: tuple = ()

    @property
    def name(self) -> str:
        return self.output.stem


def build_root(settings: nr.Settings, scope: nr.Scope) -> Path:
    """Where the executed notebooks go: the project itself for the nation, a staging folder for a förbund."""
    root = Path(settings.root)
    if not scope.local:
        return root
    return root / "_build" / str(scope.year) / nr.slug(scope.forbund)


def output_dir(settings: nr.Settings, scope: nr.Scope) -> Path:
    return settings.path("output_dir") / str(scope.year) / (nr.slug(scope.forbund) if scope.local else "riket")


def plan(settings: nr.Settings, scope: nr.Scope, instrument) -> list[Job]:
    """The notebooks of one report: one per indicator, then the parts that are not indicators."""
    root = Path(settings.root)
    broot = build_root(settings, scope)
    # the run settings travel as a parameter, so that an override (a threshold, a
    # commentary folder) reaches the notebooks and is part of their cache key
    effective = {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.__dict__.items()}
    base = {"ar": scope.year, "forbund": scope.forbund or None, "data": str(settings.path("aggregated")),
            "installningar": effective}
    jobs = []
    comm = settings.path("commentary") / str(scope.year)
    if scope.local:
        comm = comm / nr.slug(scope.forbund)
    for ind in instrument.indicators:
        commentary = comm / f"indikator-{ind.number:02d}.md"
        jobs.append(Job(root / INDICATOR_NOTEBOOK, broot / "report" / "indicators" / f"indikator-{ind.number:02d}.ipynb",
                        {"indikator": ind.number, **base}, (commentary,)))
    for name in (LOCAL_PART_NOTEBOOKS if scope.local else PART_NOTEBOOKS):
        jobs.append(Job(root / "notebooks" / f"{name}.ipynb", broot / "report" / "parts" / f"{name}.ipynb", dict(base)))
    return jobs


# ---------------------------------------------------------------------------
# Hashing inputs
# ---------------------------------------------------------------------------

def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def notebook_modules(lib: Path) -> list[Path]:
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(lib.glob("*.py")))
    return _notebook_modules(str(lib), stamp)


@functools.lru_cache(maxsize=4)
def _notebook_modules(lib_dir: str, stamp: tuple) -> list[Path]:
    """The library modules a notebook can import: nnsreport, the modules it re-exports, and their imports.

    Found by reading the import statements (no import happens), so that editing
    a module no notebook uses (the registration checker, the CLI) keeps the cache.
    """
    import ast

    lib = Path(lib_dir)
    names = {p.stem for p in lib.glob("*.py")}
    todo = ["nnsreport", "nns_notebook"]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in names:
            continue
        seen.add(name)
        tree = ast.parse((lib / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                todo += [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                todo.append(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                todo.append(node.value)   # lazily imported by name (nnsreport._PUBLIC)
    return sorted(lib / f"{n}.py" for n in seen)


def inputs_fingerprint(settings: nr.Settings) -> dict[str, str]:
    """Hashes of everything every notebook reads, by path relative to the project."""
    root = Path(settings.root)
    files = [settings.path("instrument"), settings.path("national"), root / "nnsreport.toml"]
    files += sorted(settings.path("aggregated").glob("*.csv"))
    files += notebook_modules(root / "lib")
    out = {}
    for f in files:
        if f.exists():
            out[str(f.relative_to(root)) if f.is_relative_to(root) else str(f)] = file_hash(f)
    return out


def job_key(job: Job, fingerprint: dict[str, str]) -> str:
    """The cache key of an executed notebook: notebook, parameters, inputs, the reset cell and the software."""
    h = hashlib.sha256()
    h.update(file_hash(job.notebook).encode())
    h.update(RESET_SOURCE.encode())
    h.update(json.dumps(software_versions(), sort_keys=True).encode())
    h.update(json.dumps(job.parameters, sort_keys=True, default=str).encode())
    h.update(json.dumps(fingerprint, sort_keys=True).encode())
    for extra in job.extra_inputs:
        h.update(str(extra).encode())
        h.update(file_hash(extra).encode() if Path(extra).exists() else b"-")
    h.update(sys.version.encode())
    return h.hexdigest()[:32]


# ---------------------------------------------------------------------------
# Executing notebooks with a reused kernel
# ---------------------------------------------------------------------------

#: Run first in every notebook executed in a shared kernel, at the top of its
#: parameters cell (a cell of its own would cost another kernel round trip): a
#: cheap namespace reset (``%reset -f`` costs ~0.2 s of garbage collection), so
#: no notebook sees another's variables. Imported modules and their caches stay warm.
RESET_SOURCE = """# (nnsreport: clear what earlier notebooks left in this kernel)
_ip = get_ipython()
for _k in [k for k in _ip.user_ns if not k.startswith('_') and k not in _ip.user_ns_hidden]:
    del _ip.user_ns[_k]
import matplotlib.pyplot as _plt
_plt.close('all')
"""


#: The long-lived client of each running kernel manager, by id(km).
_SHARED_CLIENTS: dict[int, object] = {}


def _close_kernel_clients() -> None:
    """papermill/nbclient never stop the kernel client they open when given a running kernel
    (about ten file descriptors leak per notebook); close it after each run."""
    from papermill.clientwrap import PapermillNotebookClient

    if getattr(PapermillNotebookClient, "_nns_patched", False):
        return
    original = PapermillNotebookClient.execute

    def execute_and_close(self, **kwargs):
        shared = _SHARED_CLIENTS.get(id(self.km))
        if self.kc is None and shared is not None:
            self.kc = shared   # reuse the runner's client: nbclient then skips creating one
        try:
            return original(self, **kwargs)
        finally:
            if self.kc is not None and not self.owns_km and not getattr(self.kc, "_nns_keep", False):
                self.kc.stop_channels()
                self.kc = None

    PapermillNotebookClient.execute = execute_and_close
    PapermillNotebookClient._nns_patched = True


class NotebookRunner:
    """Executes notebooks with papermill in one long-lived kernel."""

    def __init__(self, cwd: Path):
        self.cwd = Path(cwd)
        self.km = None

    def __enter__(self):
        from jupyter_client.manager import KernelManager

        import tempfile

        t = time.perf_counter()
        # local IPC sockets: no TCP port, no "running over TCP without encryption" warning;
        # the socket prefix must be an absolute path
        self._sockets = tempfile.mkdtemp(prefix="nnskernel-")
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(self._sockets) / "k"))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), env.get("PYTHONPATH", "")]).strip(os.pathsep)
        env.setdefault("MPLBACKEND", "Agg")
        self.km.start_kernel(cwd=str(self.cwd), env=env)
        # One client for the kernel's whole life, handed to papermill for every
        # notebook: a new client per notebook costs ~0.2 s (wait_for_ready
        # flushes IOPub with a 0.2 s timeout).
        client = self.km.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        client.allow_stdin = False
        client._nns_keep = True
        self.kc = client
        _SHARED_CLIENTS[id(self.km)] = client
        # warm the kernel: the imports every notebook needs
        client.execute_interactive(
            "import matplotlib; matplotlib.use('Agg'); import nnsreport, nns_notebook, nns_tables, nns_charts",
            store_history=False, timeout=120)
        logger.info("Startade en Jupyter-kärna på %.1f s.", time.perf_counter() - t)
        return self

    def run(self, job: Job) -> None:
        import nbformat
        import papermill as pm

        _close_kernel_clients()
        job.output.parent.mkdir(parents=True, exist_ok=True)
        tmp = job.output.with_suffix(".tmp.ipynb")
        nb = nbformat.read(job.notebook, as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
        params.source = RESET_SOURCE + params.source
        try:
            pm.execute_notebook(
                nb, str(tmp), parameters=job.parameters, km=self.km,
                progress_bar=False, request_save_on_cell_execute=False, log_output=False,
                cwd=str(self.cwd),
            )
        except pm.PapermillExecutionError as exc:
            if tmp.exists():
                tmp.unlink()
            # the cell's place in the notebook (the reset cell is number 0)
            raise RenderError(f"{exc.ename}: {exc.evalue}",
                              where=f"{job.notebook.name} ({job.name}), cell {exc.cell_index}") from None
        os.replace(tmp, job.output)

    def __exit__(self, *exc):
        if getattr(self, "kc", None) is not None:
            _SHARED_CLIENTS.pop(id(self.km), None)
            self.kc.stop_channels()
        if self.km is not None:
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(getattr(self, "_sockets", ""), ignore_errors=True)
        return False


def execute(jobs: list[Job], settings: nr.Settings, runner: NotebookRunner | None = None,
            workers: int = 1, cache_dir: Path | None = None) -> dict:
    """Execute the jobs that are not cached; returns timing and cache statistics."""
    cache = cache_dir or Path(settings.root) / ".cache" / "notebooks"
    cache.mkdir(parents=True, exist_ok=True)
    fingerprint = inputs_fingerprint(settings)
    todo = []
    hits = 0
    for job in jobs:
        key = job_key(job, fingerprint)
        cached = cache / f"{key}.ipynb"
        if cached.exists():
            job.output.parent.mkdir(parents=True, exist_ok=True)
            if not job.output.exists() or file_hash(job.output) != file_hash(cached):
                shutil.copyfile(cached, job.output)
            hits += 1
        else:
            todo.append((job, cached))
    t = time.perf_counter()
    if todo:
        if runner is not None:
            for job, cached in todo:
                runner.run(job)
                _store(job.output, cached)
        elif workers > 1 and len(todo) > 1:
            _execute_parallel(todo, workers)
        else:
            with NotebookRunner(Path(settings.root)) as r:
                for job, cached in todo:
                    r.run(job)
                    _store(job.output, cached)
    return {"executed": len(todo), "cached": hits, "seconds": time.perf_counter() - t}


def _run_chunk(args):
    chunk, root = args
    with NotebookRunner(Path(root)) as r:
        for job, cached in chunk:
            r.run(job)
            _store(job.output, cached)
    return len(chunk)


def _store(executed: Path, cached: Path) -> None:
    """Put an executed notebook in the cache atomically (a half-copied entry must never be reused)."""
    from nns_registration import write_atomic

    write_atomic(cached, executed.read_bytes())


def _execute_parallel(todo, workers: int) -> None:
    """Split the jobs over ``workers`` processes, each with its own kernel."""
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp

    chunks = [todo[i::workers] for i in range(workers)]
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(_run_chunk, (c, str(ROOT))) for c in chunks if c]
        for f in futures:
            f.result()


# ---------------------------------------------------------------------------
# Figures from the executed notebooks
# ---------------------------------------------------------------------------

def collect(notebooks: list[Path]) -> tuple[list[dict], list[dict]]:
    """(tables, charts) as recorded in the executed notebooks' output metadata."""
    tables, charts = [], []
    for path in notebooks:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                meta = out.get("metadata", {}).get("nnsreport")
                if not meta:
                    continue
                if meta.get("kind") == "table":
                    tables.append(meta)
                elif meta.get("kind") == "chart":
                    charts.append(meta)
    return tables, charts


def write_figures(tables: list[dict], charts: list[dict], out_dir: Path) -> int:
    """figures.csv and tables/<table>.csv; returns the number of figures."""
    import pandas as pd

    from nns_specs import CSV_COLUMNS

    rows = [r for t in tables + charts for r in t["figures"]]
    fig = pd.DataFrame(rows, columns=CSV_COLUMNS)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_text(out_dir / "figures.csv", fig.to_csv(index=False, lineterminator="\n"))
    tdir = out_dir / "tables"
    if tdir.exists():
        shutil.rmtree(tdir)
    tdir.mkdir()
    import nns_tables

    for t in tables:
        frame = nns_tables.printed_from_grid(t["grid"])
        name = t["number"].replace("/", "-")
        _write_text(tdir / f"{name}.csv", frame.to_csv(index=False, lineterminator="\n"))
    return len(fig)


def collect_texts(notebooks: list[Path]) -> dict[str, str]:
    """The commentary shown in each indicator chapter ({'indikator-01': markdown}), from the executed notebooks."""
    out = {}
    for path in notebooks:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for o in cell.get("outputs", []):
                if o.get("metadata", {}).get("nnsreport", {}).get("kind") == "commentary":
                    md = o["data"]["text/markdown"]
                    out[Path(path).stem] = ("".join(md) if isinstance(md, list) else md).strip() + "\n"
    return out


def write_texts(texts: dict[str, str], out_dir: Path) -> None:
    d = out_dir / "kommentarer"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for name, text in sorted(texts.items()):
        _write_text(d / f"{name}.md", text)


@functools.lru_cache(maxsize=1)
def software_versions() -> dict[str, str]:
    """Versions of the software that shapes the output (cached: they cannot change while running)."""
    import importlib.metadata as md
    import platform

    out = {"python": platform.python_version()}
    for pkg in ("pandas", "numpy", "great_tables", "seaborn", "matplotlib", "papermill", "nbclient", "openpyxl",
                "typst", "pypandoc_binary"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "saknas"
    try:
        import pypandoc

        out["pandoc"] = pypandoc.get_pandoc_version()
    except Exception:  # pandoc missing: recorded, not fatal
        out["pandoc"] = "saknas"
    return out


def git_state(root: Path) -> dict:
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, check=True)
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "okänd", "dirty": None}


def manifest_inputs(settings: nr.Settings, scope: nr.Scope, jobs: list[Job]) -> dict[str, str]:
    """Hashes of every input of a report, keyed by role and relative path.

    Registration files, the aggregated layer and commentary are keyed relative
    to their configured folders (``registration/2022/2022_vast.xlsx``,
    ``aggregated/answers.csv``, ``kommentarer/2022/indikator-01.md``), so that two
    versions built from different folders compare file by file.
    """
    import nns_registration

    root = Path(settings.root)
    entries: list[tuple[str, Path]] = []
    reg = settings.path("registration")
    for p in nns_registration.registration_files(reg):
        year = int(p.name[:4]) if p.name[:4].isdigit() else 0
        if year > scope.year or (scope.local and not p.stem.endswith("_" + nr.slug(scope.forbund))):
            continue
        entries.append((f"registration/{p.relative_to(reg)}", p))
    agg = settings.path("aggregated")
    entries += [(f"aggregated/{p.name}", p) for p in sorted(agg.glob("*.csv"))]
    comm = settings.path("commentary")
    for j in jobs:
        for e in j.extra_inputs:
            e = Path(e)
            if e.exists():
                entries.append((f"kommentarer/{e.relative_to(comm)}" if e.is_relative_to(comm) else str(e), e))
    entries += [("instrument.yaml", settings.path("instrument")), ("national.yaml", settings.path("national"))]
    project = [root / "nnsreport.toml", root / "_quarto.yml", root / "_quarto-lokal.yml", root / "index.qmd"]
    project += sorted({j.notebook for j in jobs})
    project += sorted((root / "report").rglob("*.qmd")) + sorted((root / "report" / "templates").glob("*"))
    project += notebook_modules(root / "lib") + [root / "lib" / "nns_render.py", root / "lib" / "nns_build.py"]
    entries += [(str(p.relative_to(root)), p) for p in project if p.is_relative_to(root)]
    out = {name: file_hash(p) for name, p in entries if p.exists() and p.is_file()}
    return dict(sorted(out.items()))


def write_manifest(settings: nr.Settings, scope: nr.Scope, jobs: list[Job], out_dir: Path, formats) -> Path:
    """manifest.json: what the report was made from and with, and the hash of every output."""
    import tomllib

    root = Path(settings.root)
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    outputs = {}
    for f in sorted(out_dir.rglob("*")):
        if f.is_file() and f.name not in ("manifest.json", ".render-key") and not f.name.endswith(".failed.typ"):
            outputs[str(f.relative_to(out_dir))] = file_hash(f)
    manifest = {
        "nnsreport": {"version": version, **git_state(root)},
        "report": {"year": scope.year, "scope": scope.forbund or "riket", "formats": sorted(formats)},
        "settings": {k: v for k, v in settings.__dict__.items() if k != "root"},
        "inputs": manifest_inputs(settings, scope, jobs),
        "software": software_versions(),
        "outputs": outputs,
    }
    target = out_dir / "manifest.json"
    _write_text(target, json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")
    return target


def _write_text(path: Path, text: str) -> None:
    from nns_registration import write_atomic

    write_atomic(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------
# One whole report
# ---------------------------------------------------------------------------

def render_key(settings: nr.Settings, scope: nr.Scope, jobs: list[Job], formats) -> str:
    """Hash of everything the render reads: executed notebooks, prose, book config, templates, data,
    the renderer's code and software, and the PDF timestamp (SOURCE_DATE_EPOCH)."""
    root = Path(settings.root)
    h = hashlib.sha256()
    h.update(json.dumps([scope.year, scope.forbund, sorted(formats), os.environ.get("SOURCE_DATE_EPOCH", "")]).encode())
    h.update(json.dumps(software_versions(), sort_keys=True).encode())
    h.update(json.dumps(inputs_fingerprint(settings), sort_keys=True).encode())
    files = [j.output for j in jobs] + [root / "_quarto.yml", root / "_quarto-lokal.yml", root / "index.qmd"]
    files += sorted((root / "report").rglob("*.qmd")) + sorted((root / "report" / "templates").glob("*"))
    files += [root / "lib" / "nns_render.py", root / "lib" / "nns_prose.py", root / "lib" / "nns_build.py"]
    for f in files:
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f).encode())
        h.update(file_hash(f).encode() if f.exists() else b"-")
    h.update(sys.version.encode())
    return h.hexdigest()

@dataclass
class BuildResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    figures: int = 0
    timings: dict = field(default_factory=dict)
    rendered: bool = True
    scope: nr.Scope | None = None


def build_report(settings: nr.Settings, scope: nr.Scope, formats=None, runner: NotebookRunner | None = None,
                 workers: int = 1, cache_dir: Path | None = None) -> BuildResult:
    """Execute, collect and render one report (national or local) into its output folder."""
    import nns_render

    t0 = time.perf_counter()
    agg = nr.load_aggregated(settings)
    if scope.local:
        scope = nr.Scope(scope.year, nr.find_forbund(agg, scope.forbund, scope.year))
    if scope.year not in agg.years:
        raise NNSError(f"Det finns inga data för {scope.year}. År med data: "
                       f"{', '.join(map(str, agg.years))}.")
    jobs = plan(settings, scope, agg.instrument)
    stats = execute(jobs, settings, runner=runner, workers=workers, cache_dir=cache_dir)
    t1 = time.perf_counter()
    out = output_dir(settings, scope)
    formats = tuple(formats or settings.formats)
    # a format not asked for this time must not linger from an earlier build
    for f in ("html", "pdf"):
        if f not in formats and (out / f"rapport.{f}").exists():
            (out / f"rapport.{f}").unlink()
    key = render_key(settings, scope, jobs, formats)
    stamp = out / ".render-key"
    targets = [out / f"rapport.{f}" for f in formats] + [out / "figures.csv", out / "manifest.json"]
    if stamp.exists() and stamp.read_text() == key and all(t.exists() for t in targets):
        result = BuildResult(out, targets, rendered=False, scope=scope)
        result.figures = sum(1 for _ in open(out / "figures.csv", encoding="utf-8")) - 1
        write_manifest(settings, scope, jobs, out, formats)   # the git state may have moved on
        result.timings = {"notebooks": round(t1 - t0, 2), "figures": 0, "render": 0,
                          "total": round(time.perf_counter() - t0, 2), **stats}
        return result
    tables, charts = collect([j.output for j in jobs])
    n = write_figures(tables, charts, out)
    write_texts(collect_texts([j.output for j in jobs]), out)
    t2 = time.perf_counter()
    if formats:
        result = nns_render.render(settings, scope, build_root(settings, scope), out, formats, agg)
    else:
        result = BuildResult(out, [out / "figures.csv"])
    write_manifest(settings, scope, jobs, out, formats)
    from nns_registration import write_atomic

    write_atomic(stamp, key.encode())
    t3 = time.perf_counter()
    result.figures = n
    result.scope = scope
    result.timings = {"notebooks": round(t1 - t0, 2), "figures": round(t2 - t1, 2),
                      "render": round(t3 - t2, 2), "total": round(t3 - t0, 2), **stats}
    logger.info("Rapporten klar i %s (%.1f s).", out, t3 - t0)
    return result
