"""One exception family for the workbook.

Every error a user can cause derives from :class:`ChannelLibError`, so the command line can show
its message without a traceback and notebooks can stop with a readable cell error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

#: Most characters of a value from a file that a message shows (see :func:`shorten`).
VALUE_CHARS = 80


def shorten(value: object, limit: int = VALUE_CHARS) -> str:
    r"""``value`` as a message shows it: one line of at most ``limit`` characters.

    Every message that echoes a value read from a file goes through this, so that a 20 MB cell
    or a system file behind a link is never printed whole. Line breaks and other control
    characters but tabs are written as escapes (``\n``), so a value stays on its line of the table; a
    longer value keeps its first ``limit - 3`` characters and ends in ``...``.

    Parameters
    ----------
    value : object
        The value (``None`` shows as empty); anything else is shown as ``str(value)``.
    limit : int, default 80
        Most characters returned (at least 4).

    Returns
    -------
    str

    Examples
    --------
    >>> shorten("x" * 100)[-5:], len(shorten("x" * 100))
    ('xx...', 80)
    >>> shorten("root:x:0:0\nbin:x:1:1", limit=15), shorten(None), shorten(12.5)
    ('root:x:0:0\\n...', '', '12.5')
    """
    if value is None:
        return ""
    text = str(value)
    head = text[: limit + 1]  # a long value is never escaped whole
    shown = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), head)
    if len(shown) <= limit and len(text) == len(head):
        return shown
    return shown[: max(limit - 3, 1)] + "..."


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ChannelLibError(Exception):
    """Base class of every error the workbook raises on purpose."""


class ParameterError(ChannelLibError, ValueError):
    """A notebook or function parameter is invalid; raised before any work is done."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a dataset folder.

    Attributes
    ----------
    file : str
        File name inside the dataset folder, e.g. ``"sales.csv"``.
    column : str
        Column name, or ``""`` when the problem concerns the whole file.
    line : int | None
        Line number in the file (1 = header of a CSV), row number for Parquet, ``None`` when the
        problem is not tied to one line.
    value : str
        The offending value as read, as :func:`shorten` shows it (at most 80 characters).
    message : str
        What is wrong and how to fix it.
    """

    file: str
    column: str
    line: int | None
    value: str
    message: str


class DataValidationError(ChannelLibError):
    """A dataset folder breaks the data contract; carries every problem found.

    Examples
    --------
    >>> err = DataValidationError([Problem("sales.csv", "revenue", 7, "abc", "not a number")])
    >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
    1 problem in the dataset:
      file       column   line  value  problem
      sales.csv  revenue     7  abc    not a number
    """

    def __init__(self, problems: list[Problem], *, folder: str | None = None) -> None:
        self.problems = list(problems)
        self.folder = folder
        super().__init__(self.report())

    def report(self, max_rows: int = 200) -> str:
        """Return the problems as an aligned text table (at most ``max_rows`` rows)."""
        n = len(self.problems)
        where = f" in {self.folder}" if self.folder else " in the dataset"
        head = f"{n} problem{'s' if n != 1 else ''}{where}:"
        rows = [("file", "column", "line", "value", "problem")]
        for p in self.problems[:max_rows]:
            value = shorten(p.value)
            rows.append((p.file, p.column, "" if p.line is None else str(p.line), value, p.message))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [head]
        for r in rows:
            cells = [
                r[0].ljust(widths[0]),
                r[1].ljust(widths[1]),
                r[2].rjust(widths[2]),
                r[3].ljust(widths[3]),
                r[4],
            ]
            lines.append("  " + "  ".join(cells).rstrip())
        if n > max_rows:
            lines.append(f"  ... and {n - max_rows} more")
        return "\n".join(lines)


def near_name(name: str, candidates: list[str]) -> str | None:
    """The one of ``candidates`` that most likely means ``name``, if any (for "rename X to Y").

    Case, spaces, hyphens and dots are ignored first (``Order ID`` → ``order_id``); else the
    closest spelling (:func:`difflib.get_close_matches`, ratio ≥ 0.8). The loader asks it which
    header cell means a missing contract column, the goals reader which key an unknown key means.

    Examples
    --------
    >>> near_name("order_id", ["Order ID", "notes"]), near_name("revenue", ["revenu"])
    ('Order ID', 'revenu')
    >>> near_name("customer_id", ["region"]) is None
    True
    """

    def plain(text: str) -> str:
        return re.sub(r"[\s.\-_]+", "_", text.strip().lower())

    same = [c for c in candidates if plain(c) == plain(name)]
    if same:
        return same[0]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    return close[0] if close else None
