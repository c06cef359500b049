"""Atomic writes: every file the workbook writes appears whole or not at all.

Reports, manifests, the plans folder's CSV files and the signals export are all written through
:func:`atomic_write_text`: the text goes to a hidden temporary file in the target's folder, which
is then renamed over the target (``os.replace`` is atomic on one file system). A run killed at any
moment leaves either the old file or the new one, plus at most a hidden ``.<name>.*.tmp`` that
the report batch removes on its next run.

A read-modify-write of a shared file (the action log, the plans folder's CSV files) holds
:func:`locked` around the read and the write, so two writers cannot lose each other's update.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


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
    ``fcntl`` (Windows) the block runs unlocked.

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
    with open(lock_path(path), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield path
        finally:
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
