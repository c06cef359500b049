"""Every key of a table appears once: proven by the key's order or a hash, else listed exactly."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

from channel_lib.data.checks.proofs import prefix_rules_out_markers
from channel_lib.data.contract import Table
from channel_lib.data.load_state import LoadState
from channel_lib.data.sql import quoted

#: Fewest rows per range (and thread) of the key order check.
MIN_RANGE_ROWS = 1 << 17


def key_columns(state: LoadState, table: Table) -> list[str]:
    """The columns of ``table``'s key (sales without line numbers: the order id alone)."""
    if table.name == "sales" and not state.has_values("sales", "line_number"):
        return ["order_id"]
    return list(table.key)


def key_in_order(state: LoadState, table: Table) -> bool:
    """Whether every line's key is strictly greater than the previous line's (so all differ).

    Exports are usually sorted by order number and line: comparing each line with the one
    before it (``lag`` over the table in its order: DuckDB runs an ``OVER ()`` window as one
    ordered stream) proves the key unique for about a quarter of the cost of hashing every
    key. One stream runs on one thread, so a large table is cut into a range of rows per
    thread, each range starting at the last row of the one before (that row is its first
    line's ``lag``): the ranges together compare every line with the one before it. Any other
    order (or an empty key cell) answers False, and the hash check decides.
    """
    key = key_columns(state, table)
    n = state.con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
    if n < 2:
        return True
    greater = "false"
    for k in reversed(key):  # lexicographic: k1 > p1 OR (k1 = p1 AND (...))
        a, b = quoted("_prev_" + k), quoted(k)
        greater = f"({b} > {a} OR ({b} = {a} AND {greater}))"
    cols = ", ".join(quoted(k) for k in key)
    previous = ", ".join(f"lag({quoted(k)}) OVER () AS {quoted('_prev_' + k)}" for k in key)
    threads = int(state.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    parts = max(1, min(threads, n // MIN_RANGE_ROWS))
    cuts = [n * i // parts for i in range(parts + 1)]
    queries = [
        f"SELECT count(*) FROM (SELECT {cols}, {previous} FROM {table.name} "
        f"WHERE rowid >= {max(lo - 1, 0)} AND rowid < {hi}) WHERE {greater}"
        for lo, hi in itertools.pairwise(cuts)
    ]
    return sum(found for (found,) in first_rows_in_parallel(state, queries)) == n - 1


def first_rows_in_parallel(state: LoadState, queries: list[str]) -> list[tuple]:
    """The first row of each query, the queries run at once (each on its own cursor)."""
    if len(queries) == 1:
        return [state.con.execute(queries[0]).fetchall()[0]]

    def run(query: str) -> tuple:
        cursor = state.con.cursor()
        try:
            return cursor.execute(query).fetchall()[0]
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        return list(pool.map(run, queries))


def sorted_clean(state: LoadState, table: Table) -> list[str]:
    """The first key column when the rows are sorted by the key: free of missing-value markers?

    Sorted by the key, the first key column's values run from the first row's to the last
    row's, so all start with their common prefix; when that prefix rules out every marker
    (:func:`prefix_rules_out_markers`), the column needs no scan. Returns ``[column]`` when
    proven, else ``[]``.
    """
    column = quoted(key_columns(state, table)[0])
    n = state.con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
    if n == 0:
        return [key_columns(state, table)[0]]
    ends = state.con.execute(
        f"SELECT CAST({column} AS VARCHAR) FROM {table.name} WHERE rowid IN (0, {n - 1}) "
        "ORDER BY rowid"
    ).fetchall()
    values = [v for (v,) in ends]
    if len(values) != (1 if n == 1 else 2) or any(v is None for v in values):
        return []
    return [key_columns(state, table)[0]] if prefix_rules_out_markers(values[0], values[-1]) else []


def key_hash(state: LoadState, table: Table) -> str:
    """SQL: the hash of a row's key (distinct hashes prove distinct keys)."""
    return f"hash({', '.join(quoted(k) for k in key_columns(state, table))})"


def check_key(state: LoadState, table: Table) -> None:
    """Report every row whose key an earlier row already has (the exact, listing query)."""
    key = key_columns(state, table)
    cols = ", ".join(quoted(k) for k in key)
    hint = (
        "each order line must appear once; number the lines of an order in line_number"
        if table.name == "sales"
        else f"each {' + '.join(key)} must appear once"
    )
    sql = (
        f"SELECT rowid, concat_ws(' / ', {', '.join(f'CAST({quoted(k)} AS VARCHAR)' for k in key)}) FROM "
        f"(SELECT rowid, {cols}, row_number() OVER (PARTITION BY {cols} ORDER BY rowid) AS n FROM {table.name}) "
        f"WHERE n > 1 ORDER BY rowid"
    )
    state.report_rows(table, "+".join(key), sql, f"duplicate key ({hint})")


__all__ = [
    "MIN_RANGE_ROWS",
    "check_key",
    "first_rows_in_parallel",
    "key_columns",
    "key_hash",
    "key_in_order",
    "sorted_clean",
]
