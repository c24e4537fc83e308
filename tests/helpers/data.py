"""Test data and settings: hand-made registration rows, and settings that never write into the project."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from nns.config import ROOT, Settings, load_settings
from nns.registration.model import Registration, Row

__all__ = ["ROOT", "Registration", "row", "hermetic", "SESSION_DIR", "SESSION_CACHE"]

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


def row(background=None, **answers):
    """A registration row: row("Kvinna", q1=5, q2=None, q8="Ja")."""
    return Row(ident=None, background=background, answers={int(k[1:]): v for k, v in answers.items()})
