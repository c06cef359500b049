"""Checks proven clean without a scan: by a Parquet file's statistics or a common prefix.

A Parquet footer holds, per row group, the rows, the empty cells and the smallest and largest
value of each column; when they prove that no row can fail a check, the check is not run.
"""

from __future__ import annotations

from decimal import Decimal

from channel_lib.data.contract import NA_TOKENS
from channel_lib.data.load_state import ParquetView
from channel_lib.data.sql import NUMERIC_TYPE


def stats_prove(view: ParquetView, column: str, kind: str, *args: float) -> bool:
    """Whether the Parquet statistics prove that no row of ``column`` fails check ``kind``.

    ``"null"``: every row group counts 0 nulls. ``"minimum"``: every row group's smallest value is
    at least ``args[0]``. ``"marker"``: no value can trim to a missing-value marker — every value
    of a row group lies between its min and max, so it starts with their common prefix; a prefix
    that does not start with a space and that no marker (followed by spaces) starts with rules
    every marker out. Only columns read as they are or by a cast that cannot fail are proven,
    and a row group without statistics proves nothing (the check then scans the column).
    """
    expr = view.exprs.get(column, "")
    if expr.startswith("CAST(NULL"):  # an optional column absent from the file: all empty
        return kind != "null"
    if expr.startswith("TRY_CAST") or column not in view.stats:
        return False
    source = view.source.get(column, "").upper()
    for rows, nulls, low, high in view.stats[column]:
        if kind == "null":
            if nulls != 0:
                return False
            continue
        if nulls is not None and nulls == rows:
            continue  # no value in this row group
        if low is None or high is None:
            return False
        if kind == "minimum":
            if not NUMERIC_TYPE.match(source):
                return False
            try:  # exact: a float would round 0.99999999999999999 up to 1
                if not Decimal(low) >= Decimal(str(args[0])):
                    return False
            except (ArithmeticError, ValueError):  # InvalidOperation: text or NaN
                return False
        elif kind == "marker":
            if source != "VARCHAR" or not prefix_rules_out_markers(low, high):
                return False
        else:
            return False
    return True


def prefix_rules_out_markers(low: str, high: str) -> bool:
    """Whether no text between ``low`` and ``high`` (byte order) can trim to a missing-value marker.

    Every text between two bounds starts with their common prefix. If that prefix does not start
    with a space, a text that trims to a marker must be the marker followed by spaces; the prefix
    rules the marker out when such a text cannot start with it.

    Examples
    --------
    >>> prefix_rules_out_markers("SO00000001", "SO06688327")
    True
    >>> prefix_rules_out_markers("N001", "N999")  # "N" could begin "NA" or "NULL"
    False
    """
    shorter = min(len(low), len(high))
    same = next((i for i in range(shorter) if low[i] != high[i]), shorter)
    prefix = low[:same]
    # printable ASCII only: a bound shown with escapes (bytes that are not UTF-8) must not pass
    # for a prefix of the data
    if not prefix or not prefix.isascii() or not prefix.isprintable() or "\\" in prefix:
        return False
    return prefix[0] != " " and not any(
        (t + " " * len(prefix)).startswith(prefix) for t in NA_TOKENS
    )


__all__ = ["prefix_rules_out_markers", "stats_prove"]
