"""The bounds of what the loader reads, in one place, and the check that a file is a regular one.

Every dataset file is checked against these limits before a reader opens it, so that a hostile
or broken file (a 50 MB cell, a YAML alias bomb, ``customers.csv`` linked to ``/dev/zero``) ends
in a problem naming the file, the line and the limit, in bounded time and memory, instead of a
memory spike, a crash or a silently dropped line.

The figures can be lowered (or raised) for one run with the environment variable
``CHANNEL_WORKBOOK_LIMITS``, a comma-separated list of ``field=bytes`` (the fields of
:class:`Limits`), e.g. ``CHANNEL_WORKBOOK_LIMITS="line_bytes=4096,cell_bytes=512"``: the tests
make small files against small limits instead of 50 MB ones.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, fields, replace
from pathlib import Path

#: The environment variable that overrides :data:`LIMITS` (``field=value,field=value``).
LIMITS_ENV = "CHANNEL_WORKBOOK_LIMITS"


@dataclass(frozen=True)
class Limits:
    """The largest input the loader reads (sizes in bytes as stored in the file).

    Attributes
    ----------
    file_bytes : int
        Largest table file (CSV, Parquet, Excel): 64 GiB.
    line_bytes : int
        Largest CSV record (a line, or the lines of one record whose quoted cell holds line
        breaks), its line end excluded: 1 MiB.
    cell_bytes : int
        Largest CSV cell, quotes included: 64 KiB.
    yaml_bytes : int
        Largest ``goals.yaml`` or ``mapping.yaml``: 1 MiB.
    yaml_depth : int
        Deepest nesting of YAML mappings and lists: 32 (goals.yaml needs 4). YAML anchors and
        aliases (``&name``, ``*name``) are refused whatever the limits.
    """

    file_bytes: int = 64 << 30
    line_bytes: int = 1 << 20
    cell_bytes: int = 64 << 10
    yaml_bytes: int = 1 << 20
    yaml_depth: int = 32


#: The limits of a run without ``CHANNEL_WORKBOOK_LIMITS``.
LIMITS = Limits()


def current_limits() -> Limits:
    """:data:`LIMITS`, with the overrides of ``CHANNEL_WORKBOOK_LIMITS`` when it is set.

    Raises
    ------
    ValueError
        When the variable names an unknown field or a value that is not a positive whole number.

    Examples
    --------
    >>> os.environ[LIMITS_ENV] = "cell_bytes=512, yaml_depth=8"
    >>> current_limits().cell_bytes, current_limits().yaml_depth, current_limits().line_bytes
    (512, 8, 1048576)
    >>> del os.environ[LIMITS_ENV]
    """
    text = os.environ.get(LIMITS_ENV, "").strip()
    if not text:
        return LIMITS
    known = {f.name for f in fields(Limits)}
    changes: dict[str, int] = {}
    for item in text.split(","):
        name, _, value = (part.strip() for part in item.partition("="))
        if name not in known or not value.isdigit() or int(value) < 1:
            raise ValueError(
                f"{LIMITS_ENV}: {item.strip()!r} is not field=bytes; write e.g. "
                f"'line_bytes=4096' with a field among {', '.join(sorted(known))}"
            )
        changes[name] = int(value)
    return replace(LIMITS, **changes)


def not_regular(path: Path) -> str | None:
    """Why the loader refuses to read ``path`` (``None``: a regular file, or a link to one).

    Only the file's status is looked at (:func:`os.stat`, which follows links): a device such as
    ``/dev/zero``, a FIFO (which would block the reader) or a folder is never opened.

    Examples
    --------
    >>> not_regular(Path("/dev/zero"))
    'not a regular file (a device); put the export itself in the dataset folder'
    >>> not_regular(Path("/")), not_regular(Path(__file__)) is None
    ('not a regular file (a folder); put the export itself in the dataset folder', True)
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a link to a file that does not exist; put the export itself in the dataset folder"
    except OSError as exc:
        return f"cannot be read ({exc.strerror}); check the file's permissions"
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a folder" if stat.S_ISDIR(mode)
        else "a FIFO" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a file"
    )  # fmt: skip
    return f"not a regular file ({kind}); put the export itself in the dataset folder"


def shown_name(path: Path) -> str:
    """``path``'s name as a message names it: with the file it resolves to when it is a link.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "goals.yaml").symlink_to("/etc/hostname")
    >>> shown_name(d / "goals.yaml")
    'goals.yaml (a link to /etc/hostname)'
    >>> shown_name(Path("data/sample/goals.yaml"))
    'goals.yaml'
    """
    if path.is_symlink():
        return f"{path.name} (a link to {os.path.realpath(path)})"
    return path.name


__all__ = ["LIMITS", "LIMITS_ENV", "Limits", "current_limits", "not_regular", "shown_name"]
