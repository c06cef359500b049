"""A Parquet file kept as a typed view over the file (no copy), its casts checked."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from channel_lib.data.contract import Table
from channel_lib.data.load_state import MAX_ROWS_PER_CHECK, LoadState, ParquetView
from channel_lib.data.readers.cells import excess_decimals, report_numbers
from channel_lib.data.sql import (
    DECIMAL_TYPE,
    NUMERIC_TYPE,
    cast_cannot_fail,
    quoted,
    scale_of,
    wide_decimal,
)


def _parquet_stats(
    con: duckdb.DuckDBPyConnection, path: Path
) -> dict[str, list[tuple[int, int | None, str | None, str | None]]]:
    """Row-group statistics of every top-level column of a Parquet file (its footer only)."""
    stats: dict[str, list] = {}
    for column, rows, nulls, low, high in con.execute(
        "SELECT path_in_schema, row_group_num_rows, stats_null_count, stats_min_value, "
        "stats_max_value FROM parquet_metadata(?) ORDER BY row_group_id",
        [str(path)],
    ).fetchall():
        stats.setdefault(column, []).append((rows, nulls, low, high))
    return stats


def _stats_prove_fit(stats: list | None, source: str, target: str) -> bool:
    """Whether a DECIMAL column's row-group statistics prove that its cast to a DECIMAL with
    more places (and fewer integer digits) cannot fail: every row group has bounds, and they lie
    inside the target's range.

    A money column written as ``DECIMAL(18,2)`` read at ``money_decimals: 4`` (``DECIMAL(18,4)``)
    could hold a value of 10^14 or more, which the cast refuses; the footer's bounds rule that
    out without reading the column.

    Examples
    --------
    >>> _stats_prove_fit([(10, 0, "-12.50", "99.99")], "DECIMAL(18,2)", "DECIMAL(18,4)")
    True
    >>> _stats_prove_fit([(10, 0, "0.00", "1000000000000000.00")], "DECIMAL(18,2)", "DECIMAL(18,4)")
    False
    >>> _stats_prove_fit([(10, 0, None, None)], "DECIMAL(18,2)", "DECIMAL(18,4)")
    False
    """
    m, t = DECIMAL_TYPE.match(source.upper()), DECIMAL_TYPE.match(target.upper())
    if not (m and t and stats) or int(m.group(2)) > int(t.group(2)):
        return False
    limit = Decimal(10) ** (int(t.group(1)) - int(t.group(2)))
    for rows, nulls, low, high in stats:
        if nulls is not None and nulls == rows:
            continue  # no value in this row group
        try:
            if low is None or high is None or max(abs(Decimal(low)), abs(Decimal(high))) >= limit:
                return False
        except ArithmeticError:  # decimal.InvalidOperation: a bound that is not a number
            return False
    return True


def read_parquet(
    state: LoadState,
    table: Table,
    path: Path,
    header: list[str],
    written: list[str] | None = None,
) -> None:
    """Define the table as a view over the Parquet file instead of copying it.

    ``header``: the view's column names, in the file's order; ``written``: the file's own
    names of the same columns when ``mapping.yaml`` renames some (the view then reads
    ``"SalesAmount" AS revenue``; the file is never changed).

    Copying 10 M rows into DuckDB costs several times a query over the file, and Parquet is
    already columnar and typed: the view casts each contract column to its type, and analyses
    read the file directly. Its row number (``file_row_number``) is the view's ``rowid``
    while the checks run, for the row numbers of problems. A column whose type converts
    without loss or failure is cast; any other is read with ``TRY_CAST`` and every value that
    fails the cast, or that the cast would change (a double, text or wider decimal with more
    decimals than the column allows), is reported (the load then fails, so no altered value
    is ever used).
    """
    known = {c.name: c for c in table.columns}
    source = {
        r[0]: r[1]
        for r in state.con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    }
    # the absolute path: the view is read again later, maybe from another working directory
    names = dict(zip(written or header, header, strict=True))  # the file's name -> the view's
    stats = {names.get(k, k): v for k, v in _parquet_stats(state.con, path).items()}
    view = ParquetView(table.name, path.resolve(), {}, {}, stats)
    state.views[table.name] = view
    unsafe = []
    for src, name in names.items():
        target = state.types[known[name].type] if name in known else None
        kind = source.get(src, "")
        if target is None or kind.upper() == target:
            view.exprs[name] = quoted(src)
        elif cast_cannot_fail(kind, target) or _stats_prove_fit(stats.get(name), kind, target):
            view.exprs[name] = f"CAST({quoted(src)} AS {target})"
        else:
            view.exprs[name] = f"TRY_CAST({quoted(src)} AS {target})"
            unsafe.append((name, src, target))
        view.source[name] = kind
    define_view(state, view)
    state.reject_lines[table.name] = []
    # the file through DuckDB's Python file API: its path never enters a statement's text
    scan = f"_scan_{table.name}"
    state.con.read_parquet(str(path), file_row_number=True).create_view(scan, replace=True)
    for name, src, target in unsafe:
        col = quoted(src)
        cast = f"TRY_CAST({col} AS {target})"
        failed = f"FROM {scan} WHERE {col} IS NOT NULL AND ({cast} IS NULL"
        if scale_of(target) is not None:
            # the cast must keep the value: a double, a decimal with more places or a text
            # is compared with what the cast made of it (exactly: the decimal is compared as
            # the file's double, or in decimal); a text is read as a wide DECIMAL for that
            exact = col if NUMERIC_TYPE.match(view.source[name].upper()) else (
                f"TRY_CAST({col} AS {wide_decimal(target)})"
            )  # fmt: skip
            failed += f" OR {cast} IS DISTINCT FROM {exact}"
        failed += ")"
        total = state.con.execute(f"SELECT count(*) {failed}").fetchall()[0][0]
        rows = state.con.execute(
            f"SELECT file_row_number, CAST({col} AS VARCHAR) {failed} "
            f"ORDER BY 1 LIMIT {MAX_ROWS_PER_CHECK}"
        ).fetchall()
        scale = scale_of(target)
        report_numbers(state,
            table, path.name, name,
            [(rowid + 1, value, None if scale is None else excess_decimals(value, scale))
             for rowid, value in rows],
            total - len(rows),
        )  # fmt: skip
    state.con.execute(f"DROP VIEW {scan}")


def define_view(state: LoadState, view: ParquetView, *, rowid: bool = True) -> None:
    """(Re)define a Parquet table's view; ``rowid``: with the file's row number as ``rowid``.

    The view reads a view ``_file_<table>`` of the file made by DuckDB's Python file API
    (``con.read_parquet``), so the file's path never enters a statement's text.
    """
    columns = ", ".join(f"{expr} AS {quoted(name)}" for name, expr in view.exprs.items())
    source = f"_file_{view.name}"
    state.con.read_parquet(str(view.path), file_row_number=rowid).create_view(source, replace=True)
    state.con.execute(
        f"CREATE OR REPLACE VIEW {view.name} AS SELECT "
        + ("file_row_number AS rowid, " if rowid else "")
        + f"{columns} FROM {source}"
    )


__all__ = ["define_view", "read_parquet"]
