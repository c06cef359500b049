"""Atomic writes: every file the workbook writes appears whole or not at all.

Reports, manifests, the plans folder's CSV files and the signals export are all written through
:func:`atomic_write_text`: the text goes to a hidden temporary file in the target's folder, which
is then renamed over the target (``os.replace`` is atomic on one file system). A run killed at any
moment leaves either the old file or the new one, plus at most a hidden ``.<name>.*.tmp``; a
failed write (a full disk, a read-only folder) removes its temporary file and leaves the old file.
The report batch removes leftover temporary files on its next run, in the quarter's folder and in
the plans folder (:func:`remove_leftover_temp_files`, which takes the target's lock first so it
never deletes the temporary file of a write in progress).

A read-modify-write of a shared file (the action log, the plans folder's CSV files) holds
:func:`locked` around the read and the write, so two writers cannot lose each other's update.
The lock is re-entrant within a thread: a function holding it may call a writer that takes it
again.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

#: A temporary file this module writes: ``.<target name>.<8 random characters>.tmp``
#: (:func:`tempfile.mkstemp`'s names).
TEMP_FILE = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")
#: Seconds a temporary file must be old before :func:`remove_leftover_temp_files` removes it
#: (a writer that takes no lock has this long to rename it).
TEMP_GRACE_SECONDS = 60.0

_held = threading.local()  # lock files this thread holds (re-entrant locking)


def lock_path(path: str | Path) -> Path:
    """The lock file that guards ``path``: a hidden ``.<name>.lock`` beside it.

    Examples
    --------
    >>> lock_path("plans/targets.csv").as_posix()
    'plans/.targets.csv.lock'
    """
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[Path]:
    """Hold an exclusive advisory lock on ``path`` (through :func:`lock_path`) while inside.

    Use it around every read-modify-write of a file that more than one process may update (two
    batches, two quarters of one batch, a workshop and a batch). The lock is ``fcntl.flock`` on the
    hidden lock file, released when the block ends or the process dies; on a system without
    ``fcntl`` (Windows) the block runs unlocked. It is re-entrant within a thread (a nested
    ``locked`` of the same file does not wait for itself); other threads and processes wait.

    Parameters
    ----------
    path : str or Path
        The file being updated; its folder is created when missing.

    Yields
    ------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "plans" / "targets.csv"
    >>> with locked(target):
    ...     _ = atomic_write_text(target, "quarter,channel_id")
    >>> target.read_text()
    'quarter,channel_id'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield path
        return
    key = os.path.abspath(lock_path(path))
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if key in held:  # this thread holds it already
        yield path
        return
    with open(key, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        held.add(key)
        try:
            yield path
        finally:
            held.discard(key)
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_write_text(
    path: str | Path,
    text: str,
    *,
    durable: bool = False,
    before_replace: Callable[[Path], None] | None = None,
) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically; return ``path``.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder is created when missing.
    text : str
        The whole content.
    durable : bool
        Flush the temporary file to disk before the rename (for logs whose loss would cost work).
    before_replace : callable, optional
        Called with the temporary file's path just before the rename (tests use it to kill a
        writer at the worst moment).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write_text(folder / "plans" / "a.csv", "x,y\\n1,2\\n").read_text()
    'x,y\\n1,2\\n'
    >>> sorted(p.name for p in (folder / "plans").iterdir())  # no temporary file left behind
    ['a.csv']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; what the workbook writes is meant to be shared
        if before_replace is not None:
            before_replace(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_leftover_temp_files(
    folder: str | Path,
    *,
    recursive: bool = False,
    target: str | None = None,
    min_age: float = TEMP_GRACE_SECONDS,
) -> list[Path]:
    """Remove the temporary files killed writers left in ``folder``; return those removed.

    A leftover is a hidden ``.<name>.<random>.tmp`` (:data:`TEMP_FILE`, what
    :func:`atomic_write_text` writes). Each is removed while holding its target's lock
    (:func:`locked` on ``<folder>/<name>``), so the temporary file of a write in progress by a
    writer that takes the lock is never touched, and only when it is at least ``min_age``
    seconds old, which covers writers that take no lock.

    Parameters
    ----------
    folder : str or Path
        The folder to clean (a missing folder has nothing to clean).
    recursive : bool
        Also clean its sub-folders.
    target : str, optional
        Only the temporary files of this file name (e.g. ``"actions.csv"``).
    min_age : float
        Seconds since the temporary file was last written (``0`` is safe for a ``target`` whose
        every writer takes its lock).

    Returns
    -------
    list of Path
        The files removed (a file in a folder this process may not write is left, not an
        error).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = atomic_write_text(folder / "actions.csv", "action_id\\n")
    >>> (folder / ".actions.csv.k2x7q9ab.tmp").write_text("half a log")
    10
    >>> [p.name for p in remove_leftover_temp_files(folder, min_age=0)]
    ['.actions.csv.k2x7q9ab.tmp']
    >>> sorted(p.name for p in folder.iterdir())
    ['.actions.csv.lock', 'actions.csv']
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    candidates = folder.rglob(".*.tmp") if recursive else folder.glob(".*.tmp")
    for tmp in sorted(candidates):
        match = TEMP_FILE.match(tmp.name)
        if match is None or not tmp.is_file() or tmp.is_symlink():
            continue
        if target is not None and match["target"] != target:
            continue
        try:
            with locked(tmp.parent / match["target"]):
                try:
                    age = time.time() - tmp.stat().st_mtime
                except FileNotFoundError:  # renamed or removed by its writer meanwhile
                    continue
                if age >= min_age:
                    tmp.unlink(missing_ok=True)
                    removed.append(tmp)
        except PermissionError:  # a read-only folder: the leftover stays; cleaning is best effort
            continue
    return removed
