"""An unchanged rebuild, answered before the heavy libraries are imported.

`nnsreport render` with nothing changed used to take about a second: importing pandas and the package
(0.6 s) and loading the aggregated layer (0.35 s) before the build could compare its render key. This
module answers the same question from the files alone:

* the **input key** hashes the request (year, scope, formats, every setting), the bytes of every file a
  report can be made from — the project's code (``lib/``), notebooks, book and templates (``report/``,
  ``_quarto*.yml``, ``index*.qmd``), ``nnsreport.toml`` and ``pyproject.toml``, the instrument, the national
  facts, the aggregated layer, the registration files, the commentary and the published edition — the
  installed distributions (their names carry their versions), the Python, ``SOURCE_DATE_EPOCH`` and the
  git state the manifest records. It covers everything the build's own render key and manifest.json depend
  on, and more (an edit anywhere in ``lib/`` counts, where the build's key follows only what notebooks and
  the renderer import): a miss costs a normal build, which still finds an unchanged report unchanged;
* after every successful `nnsreport render` the command line writes a **stamp**
  (``<build_dir>/.snabbkoll/<request>.json``): the input key taken before the build, the output folder, the
  hash of its manifest.json as the build left it, and what the command printed;
* the next `nnsreport render` of the same request computes the input key again; when it is the stamp's,
  the folder's manifest.json is the one the build left, and every file in the folder is exactly what that
  manifest lists (:func:`nns.build.publish.verify`), the report is unchanged and the command prints what
  it printed then. Anything else — a changed byte, another build of the same folder in between, a
  missing or edited output — falls through to the normal build.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from nns.build.publish import verify
from nns.config import Settings
from nns.fsio import file_hash, write_atomic

__all__ = ["git_state", "request_of", "input_key", "input_files", "check", "remember", "STAMP_DIR"]

#: The stamps' folder under the build folder.
STAMP_DIR = ".snabbkoll"

#: Project files and folders (relative to the project) that a report is made from, besides the settings' paths.
PROJECT_FILES = ("nnsreport.toml", "pyproject.toml")
PROJECT_GLOBS = ("_quarto*.yml", "index*.qmd")
PROJECT_DIRS = ("lib", "notebooks", "report")
#: The settings' paths that are inputs (files or folders).
SETTINGS_PATHS = ("instrument", "national", "aggregated", "registration", "commentary", "published")


def git_state(root: Path) -> dict:
    """The commit and whether tracked files differ from it (manifest.json records both)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, check=True)
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "okänd", "dirty": None}


def request_of(settings: Settings, forbund: str | None, comparison: bool, formats, config: str | None) -> dict:
    """What was asked for: the report, its formats and every setting (the settings file by its path)."""
    return {"forbund": forbund or "", "jamforelse": bool(comparison), "formats": sorted(formats),
            "config": str(Path(config).resolve()) if config else "",
            "settings": {k: str(v) for k, v in sorted(settings.__dict__.items())}}


def _files_under(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    out = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out += [Path(folder) / f for f in sorted(files) if not f.endswith(".pyc")]
    return out


def input_files(settings: Settings, config: str | None = None) -> list[Path]:
    """Every file whose bytes the input key covers, each once, in a fixed order."""
    root = Path(settings.root)
    paths = [root / f for f in PROJECT_FILES] + [p for g in PROJECT_GLOBS for p in sorted(root.glob(g))]
    paths += [root / d for d in PROJECT_DIRS] + [settings.path(name) for name in SETTINGS_PATHS]
    if config:
        paths.append(Path(config))
    files = dict.fromkeys(f.resolve() for p in paths for f in _files_under(p))
    return list(files)


def _distributions() -> list[str]:
    """The installed distributions with their versions (``pandas-2.2.3.dist-info``), from the import path."""
    names = set()
    for entry in sys.path:
        if entry.endswith("site-packages") and os.path.isdir(entry):
            names.update(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
    return sorted(names)


def input_key(settings: Settings, request: dict) -> str:
    """The hash of everything a report of ``request`` is made from and with (see the module's description)."""
    h = hashlib.sha256()
    env = {"python": sys.version, "executable": sys.executable,
           "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", ""), "distributions": _distributions(),
           "git": git_state(Path(settings.root))}
    h.update(json.dumps([request, env], sort_keys=True, default=str).encode())
    for f in input_files(settings, request.get("config") or None):
        h.update(str(f).encode() + b"\0" + file_hash(f).encode() + b"\n")
    return h.hexdigest()


def _stamp(settings: Settings, request: dict) -> Path:
    name = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:32]
    return settings.path("build_dir") / STAMP_DIR / f"{name}.json"


def check(settings: Settings, request: dict, key: str) -> dict | None:
    """The stamp of an unchanged report of ``request`` (what its build printed), or None: build it."""
    try:
        stamp = json.loads(_stamp(settings, request).read_text(encoding="utf-8"))
        if stamp["key"] != key:
            return None
        out = Path(stamp["out"])
        if file_hash(out / "manifest.json") != stamp["manifest"] or verify(out):
            return None
        return stamp
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(settings: Settings, request: dict, key: str, out: Path, manifest: str, printed: dict) -> None:
    """Write the stamp of a finished build: its input key (taken before it began), the folder, the hash of the
    manifest.json it left, and what the command printed (``printed``: files, stdout and stderr lines, counts)."""
    stamp = {"key": key, "out": str(out), "manifest": manifest, **printed}
    write_atomic(_stamp(settings, request), (json.dumps(stamp, ensure_ascii=False, indent=1) + "\n").encode())
