"""manifest.json: what a report was made from and with, and the hash of every output."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import nnsreport as nr
from nns.build.cache import library_modules, render_inputs, software_versions
from nns.build.plan import Job
from nns.build.publish import NOT_OUTPUTS, output_hashes
from nns.build.quick import git_state
from nns.config import Scope, Settings
from nns.fsio import file_hash, write_text
from nns.registration.files import registration_files

__all__ = ["git_state", "manifest_inputs", "manifest_data", "manifest_text", "output_hashes", "write_manifest", "NOT_OUTPUTS"]

def manifest_inputs(settings: Settings, scope: Scope, jobs: list[Job]) -> dict[str, str]:
    """Hashes of every input of a report, keyed by role and relative path.

    Registration files, the aggregated layer and commentary are keyed relative
    to their configured folders (``registration/2022/2022_vast.xlsx``,
    ``aggregated/answers.csv``, ``kommentarer/2022/indikator-01.md``), so that two
    versions built from different folders compare file by file.
    """
    root = Path(settings.root)
    entries: list[tuple[str, Path]] = []
    reg = settings.path("registration")
    for p in registration_files(reg):
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
    published = settings.path("published")
    entries += [(f"published/{p.name}", p) for p in sorted(published.glob("*")) if p.is_file()]
    project = [root / "nnsreport.toml"] + sorted({j.notebook for j in jobs}) + render_inputs(root)
    project += library_modules(root / "lib")
    entries += [(str(p.relative_to(root)), p) for p in project if p.is_relative_to(root)]
    out = {name: file_hash(p) for name, p in entries if p.exists() and p.is_file()}
    return dict(sorted(out.items()))


def manifest_data(settings: Settings, scope: Scope, jobs: list[Job], outputs: dict[str, str], formats) -> dict:
    """What manifest.json holds: what the report was made from and with, and the given output hashes."""
    root = Path(settings.root)
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    return {
        "nnsreport": {"version": version, **git_state(root)},
        "report": {"year": scope.year, "scope": "jamforelse" if scope.comparison else scope.forbund or "riket",
                   "formats": sorted(formats)},
        "settings": {k: v for k, v in settings.__dict__.items() if k != "root"},
        "inputs": manifest_inputs(settings, scope, jobs),
        "software": software_versions(),
        "outputs": outputs,
    }


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"


def write_manifest(settings: Settings, scope: Scope, jobs: list[Job], out_dir: Path, formats) -> Path:
    """manifest.json: what the report was made from and with, and the hash of every output in ``out_dir``."""
    target = out_dir / "manifest.json"
    write_text(target, manifest_text(manifest_data(settings, scope, jobs, output_hashes(out_dir), formats)))
    return target
