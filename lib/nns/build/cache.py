"""Cache keys: what an executed notebook and a render depend on, as hashes.

An executed notebook is reused when its notebook, parameters, the data it
reads, the library code it can import, its commentary file and the software
are unchanged; a render is skipped when everything it reads is unchanged.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata as md
import json
import os
import platform
import re
import sys
from pathlib import Path

import pypandoc

from nns.config import Scope, Settings
from nns.fsio import file_hash

__all__ = ["software_versions", "library_modules", "inputs_fingerprint", "job_key", "render_key", "RESET_SOURCE"]

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

#: The module every notebook imports; the cache covers it and everything it imports from lib/.
NOTEBOOK_ENTRY = "nns.present.notebook"


@functools.lru_cache(maxsize=1)
def software_versions() -> dict[str, str]:
    """Versions of the software that shapes the output (cached: they cannot change while running)."""
    out = {"python": platform.python_version()}
    for pkg in ("pandas", "numpy", "great_tables", "seaborn", "matplotlib", "papermill", "nbclient", "openpyxl",
                "typst", "pypandoc_binary"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "saknas"
    try:
        out["pandoc"] = pypandoc.get_pandoc_version()
    except OSError:  # pandoc missing: recorded, not fatal
        out["pandoc"] = "saknas"
    return out


def _module_file(lib: Path, name: str) -> Path | None:
    parts = name.split(".")
    for candidate in (lib.joinpath(*parts).with_suffix(".py"), lib.joinpath(*parts, "__init__.py")):
        if candidate.exists():
            return candidate
    return None


def library_modules(lib: Path, entries: tuple[str, ...] = (NOTEBOOK_ENTRY,)) -> list[Path]:
    """The files in ``lib`` that ``entries`` import, directly or not (found by reading imports, none run).

    Editing a module no notebook uses (the registration checker, the CLI)
    keeps the cache.
    """
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(lib.rglob("*.py")))
    return _library_modules(str(lib), entries, stamp)


@functools.lru_cache(maxsize=8)
def _library_modules(lib_dir: str, entries: tuple[str, ...], stamp: tuple) -> list[Path]:
    lib = Path(lib_dir)
    todo = list(entries)
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(lib, name)
        if path is None:
            continue
        seen[name] = path
        if "." in name:   # a submodule imports its package first
            todo.append(name.rsplit(".", 1)[0])
        todo += _imports(str(path), path.stat().st_mtime_ns)
    return sorted(set(seen.values()))


#: An import statement anywhere in a file (top level or inside a function), parenthesised names included.
_IMPORT_RE = re.compile(r"^[ \t]*(from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)", re.M)


@functools.lru_cache(maxsize=512)
def _imports(path: str, mtime_ns: int) -> list[str]:
    r"""The modules a file imports (and the names it imports from them, which may be modules), anywhere in it;
    read once per version of the file however many entries reach it.

    Only the import statements are parsed (a tenth of the time of parsing the whole file); a line of prose that
    looks like one is not Python and is skipped.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    ...     _ = f.write("from here import nothing, really.\nimport a.b\nfrom c import (d,  # a comment\n    e)\n"
    ...                 "def f():\n    import g\n")
    >>> _imports(f.name, 0); os.unlink(f.name)
    ['a.b', 'c', 'c.d', 'c.e', 'g']
    """
    out: list[str] = []
    statements = []
    for m in _IMPORT_RE.finditer(Path(path).read_text(encoding="utf-8")):
        try:
            statements.append(ast.parse(m.group(1).strip()))
        except SyntaxError:
            continue
    for node in (n for tree in statements for n in ast.walk(tree)):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def inputs_fingerprint(settings: Settings) -> dict[str, str]:
    """Hashes of everything every notebook reads, by path relative to the project."""
    root = Path(settings.root)
    files = [settings.path("instrument"), settings.path("national"), root / "nnsreport.toml"]
    files += sorted(settings.path("aggregated").glob("*.csv"))
    # a year's published edition: the method chapter states where its printed table 20 departs from the rule
    files += sorted(p for p in settings.path("published").glob("*") if p.is_file())
    files += library_modules(root / "lib")
    out = {}
    for f in files:
        if f.exists():
            out[str(f.relative_to(root)) if f.is_relative_to(root) else str(f)] = file_hash(f)
    return out


def job_key(job, fingerprint: dict[str, str]) -> str:
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


def render_inputs(root: Path) -> list[Path]:
    """The project files a render reads besides the executed notebooks: book config, prose, templates, code."""
    files = sorted(root.glob("_quarto*.yml")) + sorted(root.glob("index*.qmd"))
    files += sorted((root / "report").rglob("*.qmd")) + sorted((root / "report" / "templates").glob("*"))
    files += library_modules(root / "lib", ("nns.build.report",)) + sorted((root / "lib").rglob("*.lua"))
    return files


def render_key(settings: Settings, scope: Scope, jobs: list, formats) -> str:
    """Hash of everything the render reads: executed notebooks, prose, book config, templates, data,
    the renderer's code and software, and the PDF timestamp (SOURCE_DATE_EPOCH)."""
    root = Path(settings.root)
    h = hashlib.sha256()
    h.update(json.dumps([scope.year, scope.forbund, scope.comparison, sorted(formats),
                         os.environ.get("SOURCE_DATE_EPOCH", "")]).encode())
    h.update(json.dumps(software_versions(), sort_keys=True).encode())
    h.update(json.dumps(inputs_fingerprint(settings), sort_keys=True).encode())
    for f in [j.output for j in jobs] + render_inputs(root):
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f).encode())
        h.update(file_hash(f).encode() if f.exists() else b"-")
    h.update(sys.version.encode())
    return h.hexdigest()
