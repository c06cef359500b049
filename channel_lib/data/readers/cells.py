"""The problem of a cell the readers cannot take as a value of its column's type (or decimals)."""

from __future__ import annotations

from decimal import Decimal

from channel_lib.data.contract import NA_TOKENS, Table
from channel_lib.data.load_state import MAX_ROWS_PER_CHECK, LoadState
from channel_lib.data.sql import scale_of


def excess_decimals(text: str, scale: int) -> bool | None:
    """Whether the number written in ``text`` has a non-zero digit beyond ``scale`` decimals.

    None when ``text`` is not a finite number. Exact (decimal arithmetic on the text).

    Examples
    --------
    >>> [excess_decimals(t, 2) for t in ("1.234", "1.230", "-0.05", "1e2", "1.2345e1", "x")]
    [True, False, False, False, True, None]
    >>> excess_decimals("2.5", 0), excess_decimals(" 3.0 ", 0)
    (True, False)
    """
    try:
        number = Decimal(text.strip())
    except ArithmeticError:  # InvalidOperation
        return None
    if not number.is_finite():
        return None
    _, digits, exponent = number.as_tuple()
    beyond = -int(exponent) - scale  # digits written after the allowed decimals
    return beyond > 0 and any(digits[-beyond:])


def excess_message(kind: str, scale: int) -> str:
    """The problem of a value with more decimals than its column (of type ``kind``) allows.

    Examples
    --------
    >>> excess_message("money", 4)  # doctest: +NORMALIZE_WHITESPACE
    'more than 4 decimals; the loader does not round: round the amount to 4 decimals in the
    source, or raise money_decimals in goals.yaml (0-6) to the decimals the source has'
    >>> excess_message("count", 0)
    'not a whole number (it has decimals); the loader does not round: correct the value in the file'
    """
    if kind == "money":
        places = "whole amounts" if scale == 0 else f"{scale} decimal{'s' if scale > 1 else ''}"
        return (
            f"more than {scale} decimals; the loader does not round: round the amount to "
            f"{places} in the source, or raise money_decimals in goals.yaml (0-6) to the "
            "decimals the source has"
        )
    if scale == 0:
        return (
            "not a whole number (it has decimals); the loader does not round: "
            "correct the value in the file"
        )
    return f"more than {scale} decimals; the loader does not round: correct the value in the file"


def bad_value(
    state: LoadState, table: Table, file: str, column: str, line: int, value: str
) -> None:
    """Report a cell that is not a value of its column's type (a marker like ``NA`` named so)."""
    spec = table.column(column)
    if value.strip() in NA_TOKENS:
        state.problem(
            file,
            column,
            line,
            value,
            f"literal missing-value marker in a {spec.type} column; "
            f"write {state.hints[spec.type]}"
            + (" or leave the cell empty" if spec.nullable else ""),
        )
    else:
        state.problem(file, column, line, value, f"not {state.hints[spec.type]}")


def report_numbers(
    state: LoadState,
    table: Table,
    file: str,
    column: str,
    bad: list[tuple[int, str, bool | None]],
    more: int = 0,
) -> None:
    """Report cells of a fixed-precision column that do not hold a value of its type exactly.

    ``bad``: (line, value as written, :func:`excess_decimals` of it); ``more``: further such
    cells not listed.
    """
    spec = table.column(column)
    scale = scale_of(state.types[spec.type]) or 0
    bad = sorted(bad)
    more += max(0, len(bad) - MAX_ROWS_PER_CHECK)
    for line, value, excess in bad[:MAX_ROWS_PER_CHECK]:
        if excess:
            state.problem(file, column, line, value, excess_message(spec.type, scale))
        else:
            bad_value(state, table, file, column, line, value)
    if more > 0:
        state.problem(
            file, column, None, "",
            f"... and {more:,} more lines with the same problem (not {state.hints[spec.type]})",
        )  # fmt: skip


__all__ = ["bad_value", "excess_decimals", "excess_message", "report_numbers"]
