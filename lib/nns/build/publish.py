"""A report folder is never half-written: built beside it, checked, and swapped in whole.

``<output_dir>/<year>/<scope>/`` holds a whole report or nothing. A build
writes every file into a staging folder beside it,
``<output_dir>/<year>/.<scope>.staging-<pid>/`` (the same file system), and
only when all of it is written (figures.csv, tables/, kommentarer/, rapport.*,
manifest.json, .render-key) puts the staging folder in the report's place:

* no report yet: one ``rename``;
* a report there, on Linux: one ``renameat2(RENAME_EXCHANGE)`` swaps the two
  folders (:func:`nns.fsio.exchange_dirs`); the old report, now under the
  staging name, is removed;
* elsewhere: the old report is renamed aside (``.<scope>.previous-<pid>``), the
  new one into place, and the old one removed. A crash between the two renames
  leaves no report under the name; the next build (:func:`recover`) renames the
  previous report back before it does anything else.

So an interrupted build (Ctrl-C, SIGKILL, an exception anywhere) leaves the
previous report as it was, and the folders it left behind are removed by the
next build of the same report (which holds the build lock, so no other build
of it is running). :func:`verify` checks a published folder against its
manifest.json before a build may call it unchanged.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nns import interrupt
from nns.fsio import exchange_dirs, file_hash, fsync_dir, fsync_tree

__all__ = ["NOT_OUTPUTS", "output_hashes", "RENDER_KEY", "staging_dir", "aside_dir", "leftovers", "recover", "staged", "publish", "verify"]

logger = logging.getLogger(__name__)

#: The file in a report folder that holds the hash of everything its render read.
RENDER_KEY = ".render-key"

#: Files in an output folder that are not outputs of the report.
NOT_OUTPUTS = ("manifest.json", RENDER_KEY)


def output_hashes(out_dir: Path) -> dict[str, str]:
    """The hash of every output file in a report folder, by path relative to it."""
    outputs = {}
    for f in sorted(Path(out_dir).rglob("*")):
        if f.is_file() and f.name not in NOT_OUTPUTS:
            outputs[str(f.relative_to(out_dir))] = file_hash(f)
    return outputs


def staging_dir(target: Path, pid: int | None = None) -> Path:
    """Where this process builds ``target`` before it is published."""
    return target.parent / f".{target.name}.staging-{pid or os.getpid()}"


def aside_dir(target: Path, pid: int | None = None) -> Path:
    """Where the previous report waits between the two renames when folders cannot be exchanged."""
    return target.parent / f".{target.name}.previous-{pid or os.getpid()}"


def leftovers(target: Path) -> tuple[list[Path], list[Path]]:
    """(staging folders, previous reports set aside) that builds of ``target`` left behind."""
    parent, name = target.parent, target.name
    if not parent.is_dir():
        return [], []
    staging = sorted(parent.glob(f".{name}.staging-*"))
    aside = sorted(parent.glob(f".{name}.previous-*"), key=lambda p: p.stat().st_mtime_ns)
    return staging, aside


def recover(target: Path) -> None:
    """Repair what an interrupted build left: put a previous report set aside back, remove the rest.

    Call it holding the build lock of ``target``'s report (no other build of it runs).
    """
    staging, aside = leftovers(target)
    if aside and not target.exists():
        # killed between the two renames of the fallback: the last previous report is whole
        logger.warning("Återställer den förra rapporten %s (en körning avbröts medan den byttes ut).", target)
        os.rename(aside.pop(), target)
        fsync_dir(target.parent)
    for folder in staging + aside:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A new, empty staging folder for ``target``; removed when the block fails or is interrupted.

    What the block writes into it is published by :func:`publish` (which
    leaves nothing under the staging name).
    """
    staging = staging_dir(target)
    recover(target)
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, target: Path) -> None:
    """Put the complete folder ``staging`` in ``target``'s place in one step (see the module's description).
    Not after Ctrl-C, even one a library swallowed (:func:`nns.interrupt.check` raises KeyboardInterrupt)."""
    interrupt.check()
    fsync_tree(staging)
    if not target.exists():
        os.rename(staging, target)
    elif exchange_dirs(staging, target):
        shutil.rmtree(staging)   # the previous report, now under the staging name
    else:
        aside = aside_dir(target)
        try:
            os.rename(target, aside)
            os.rename(staging, target)
        except BaseException:
            if aside.exists() and not target.exists():
                os.rename(aside, target)   # stopped between the renames: the previous report goes back
            raise
        shutil.rmtree(aside)
    fsync_dir(target.parent)


def verify(folder: Path) -> list[str]:
    """Why ``folder`` is not whole: the files in it must be exactly those its manifest.json lists, each
    with its hash. Nothing when it is whole. The reasons are in Swedish (a build logs them)."""
    try:
        listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"manifest.json kan inte läsas ({type(exc).__name__})"]
    if not isinstance(listed, dict):
        return ["manifest.json saknar förteckningen över utdata"]
    found = output_hashes(folder)
    reasons = [f"{name} saknas" for name in sorted(set(listed) - set(found))]
    reasons += [f"{name} stämmer inte med manifest.json" for name in sorted(set(listed) & set(found))
                if listed[name] != found[name]]
    reasons += [f"{name} står inte i manifest.json" for name in sorted(set(found) - set(listed))]
    return reasons
