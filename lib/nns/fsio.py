"""Files and folders written whole or not at all, locks, and hashes of files.

Every file the project writes goes through :func:`write_atomic`: the data go
to a temporary file in the target's folder, are flushed to disk, and the
temporary file is renamed over the target, so a reader sees the old file or
the new one, never half of one. A folder is replaced whole by
:func:`exchange_dirs` (one atomic swap where the system has one). Runs that
must not overlap hold an :func:`exclusive_lock`.

A write that the system refuses (a read-only folder, no permission, a full
disk ...) raises :class:`nns.errors.WriteError` with the path and the reason in
Swedish, and leaves no temporary file behind.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from nns.errors import WriteError

__all__ = ["write_atomic", "write_text", "stage", "unlink_quietly", "fsync_dir", "fsync_tree", "hard_link_backup",
           "file_hash", "exchange_dirs", "exclusive_lock", "lock_holder", "writing", "write_error"]

_READ_ONLY = "Ge skrivrätt till mappen eller välj en annan mapp (nnsreport.toml)."
_NO_SPACE = "Frigör utrymme på disken och försök igen."
#: Why a write failed, and what to do, by errno.
_REASONS = {
    errno.EACCES: ("åtkomst nekad: mappen eller filen är skrivskyddad, eller du saknar behörighet", _READ_ONLY),
    errno.EPERM: ("åtgärden är inte tillåten: mappen eller filen är skrivskyddad eller låst", _READ_ONLY),
    errno.EROFS: ("filsystemet är skrivskyddat", _READ_ONLY),
    errno.ENOSPC: ("disken är full", _NO_SPACE),
    getattr(errno, "EDQUOT", -1): ("diskkvoten är slut", _NO_SPACE),
    errno.EFBIG: ("filen blir för stor för filsystemet", _NO_SPACE),
    errno.ENOENT: ("mappen finns inte", "Kontrollera sökvägen i inställningarna (nnsreport.toml)."),
    errno.ENOTDIR: ("en del av sökvägen är en fil, inte en mapp", "Kontrollera sökvägen."),
    errno.EISDIR: ("det finns redan en mapp med det namnet", "Flytta bort mappen eller välj ett annat namn."),
    errno.ENAMETOOLONG: ("namnet är för långt", "Välj en kortare sökväg."),
    errno.EIO: ("in- eller utmatningsfel på disken", "Kontrollera disken och försök igen."),
}


#: What the functions here promise when they fail: the target is as it was, no temporary file is left.
UNCHANGED = "Inget skrevs till hälften."


def write_error(exc: OSError, path, note: str = UNCHANGED) -> WriteError:
    """The project's error for an OSError while writing ``path``, in Swedish."""
    reason, advice = _REASONS.get(exc.errno, (None, "Kontrollera mappen och försök igen."))
    if reason is None:
        reason = exc.strerror or str(exc) or type(exc).__name__
    code = errno.errorcode.get(exc.errno) if exc.errno else None
    return WriteError(f"Kan inte skriva: {reason}{f' ({code})' if code else ''}. {advice} {note}".rstrip(),
                      where=str(path))


@contextlib.contextmanager
def writing(path, note: str = UNCHANGED) -> Iterator[None]:
    """Turn an OSError inside the block into :class:`WriteError` naming ``path`` (``note`` ends the
    message: what state the failure left)."""
    try:
        yield
    except OSError as exc:
        raise write_error(exc, path, note) from exc


def stage(folder: Path, name: str, data: bytes) -> str:
    """Write ``data`` to a new temporary file next to ``folder/name``; return its path."""
    with writing(Path(folder) / name):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
        except BaseException:
            unlink_quietly(tmp)
            raise
    return tmp


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = stage(path.parent, path.name, data)
    try:
        with writing(path):
            os.replace(tmp, path)
    except BaseException:
        unlink_quietly(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    """:func:`write_atomic` for UTF-8 text."""
    write_atomic(path, text.encode("utf-8"))


def unlink_quietly(path) -> None:
    """Remove a file if it is there; a file that cannot be removed is left (the caller's error counts)."""
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_dir(directory: Path) -> None:
    """Make a folder's renames durable (where the file system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def hard_link_backup(target: Path) -> str | None:
    """A second name for ``target``'s current content (None when there is no target)."""
    if not target.exists():
        return None
    with writing(target):
        fd, backup = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".bak")
        os.close(fd)
        os.unlink(backup)
        try:
            os.link(target, backup)
        except OSError:  # a file system without hard links
            try:
                shutil.copy2(target, backup)
            except BaseException:
                unlink_quietly(backup)
                raise
    return backup


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- swapping two folders ---------------------------------------------------------------

#: renameat2's flag that swaps two existing paths (linux/fs.h), and "relative to the working directory".
RENAME_EXCHANGE = 2
AT_FDCWD = -100
#: What renameat2 answers when the kernel or the file system has no exchange (a fallback is needed).
_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def _renameat2():
    """glibc's renameat2 (2.28 and later), or None where there is none.

    Python's ``os`` has no renameat2 (3.11–3.13); ctypes reaches the C library's function.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):   # not glibc, or an older one
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def exchange_dirs(a: Path, b: Path) -> bool:
    """Swap two existing folders in one atomic step; False (nothing done) where the system cannot.

    On Linux with glibc this is ``renameat2(a, b, RENAME_EXCHANGE)``: a reader
    sees one folder or the other under each name, never neither. Both must be on
    the same file system. Where the kernel, the file system or the C library has
    no exchange, nothing is changed and the caller falls back to two renames.
    """
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def fsync_tree(folder: Path) -> None:
    """Make a folder's files and names durable before the folder is published (files are already synced
    by :func:`write_atomic`; this syncs the folders' entries)."""
    for d in [folder, *(p for p in Path(folder).rglob("*") if p.is_dir())]:
        fsync_dir(d)


# --- locks ------------------------------------------------------------------------------

@contextmanager
def exclusive_lock(path: Path, label: str, busy: Callable[[str], BaseException]) -> Iterator[Path]:
    """Hold an exclusive lock on the file ``path`` while the block runs.

    The lock is ``flock`` on the open file: the kernel releases it when the
    process ends, however it ends (Ctrl-C, a crash, SIGKILL), so a lock is never
    left behind; the file itself stays (removing a lock file races with the next
    one who opens it). Who holds it — ``label``, the process id and the time —
    is written into the file. When another process holds the lock, nothing
    waits: ``busy(what the holder wrote)`` is raised at once.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy(lock_holder(path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{label}, pid {os.getpid()}, {datetime.now():%Y-%m-%d %H:%M:%S}\n".encode())
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)   # releases the lock


def lock_holder(path: Path) -> str:
    """What the holder of a lock wrote into the lock file ('' when nothing, or no file)."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
