"""Test data and settings: hand-made registration rows, and settings that never write into the project."""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

from nns.config import ROOT, Settings, load_settings
from nns.registration.model import Registration, Row

__all__ = ["ROOT", "Registration", "row", "hermetic", "settings_file", "instrument_with_version", "SESSION_DIR",
           "SESSION_CACHE"]

#: The test session's own folder (temporary, removed at exit), for what tests share.
SESSION_DIR = Path(tempfile.mkdtemp(prefix="nnstest-"))
atexit.register(shutil.rmtree, SESSION_DIR, True)
#: One notebook cache for the whole session: builds of the same inputs in different tests
#: reuse each other's executed notebooks.
SESSION_CACHE = SESSION_DIR / "cache"


def hermetic(base: Path, **changes) -> Settings:
    """The project's settings with every folder a build writes (output, build, cache) under ``base``.

    The cache is the session's, unless ``cache_dir`` is given.
    """
    base = Path(base)
    values = {"output_dir": str(base), "build_dir": str(base / "_build"), "cache_dir": str(SESSION_CACHE)}
    values.update({k: str(v) if isinstance(v, Path) else v for k, v in changes.items()})
    return load_settings().replace(**values)


#: The settings that are paths (relative ones resolve against the project).
PATH_SETTINGS = ("output_dir", "build_dir", "cache_dir", "instrument", "national", "aggregated", "registration",
                 "published", "commentary")


def settings_file(settings: Settings, path: Path) -> Path:
    """A settings file holding ``settings`` with absolute paths, for ``nnsreport --config`` in a subprocess."""
    values = {k: v for k, v in settings.__dict__.items() if k != "root"}
    values.update({name: str(settings.path(name)) for name in PATH_SETTINGS})
    lines = ["[report]"] + [f"{k} = {json.dumps(list(v) if isinstance(v, tuple) else v, ensure_ascii=False)}"
                            for k, v in values.items()]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def instrument_with_version(tmp_path: Path, qid: str, version: dict) -> Path:
    """A copy of the project's instrument.yaml in ``tmp_path`` where question ``qid`` has one more version."""
    import yaml  # noqa: PLC0415

    raw = yaml.safe_load((ROOT / "data" / "instrument.yaml").read_text(encoding="utf-8"))
    next(q for q in raw["questions"] if q["id"] == qid)["versions"].append(version)
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def row(background=None, **answers):
    """A registration row: row("Kvinna", q1=5, q2=None, q8="Ja")."""
    return Row(ident=None, background=background, answers={int(k[1:]): v for k, v in answers.items()})
