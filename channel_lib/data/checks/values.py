"""Value checks of every column of a table, counted in one scan.

Empty cells in required columns, literal missing-value markers, allowed values, minimums,
quarters and months; the key's check is started from here (its hash is counted in the same scan).
"""

from __future__ import annotations

from channel_lib.data.checks import keys
from channel_lib.data.checks.keys import check_key, key_hash, key_in_order, sorted_clean
from channel_lib.data.checks.proofs import stats_prove
from channel_lib.data.contract import NA_TOKENS, Table
from channel_lib.data.dataset import SALES_SUMMARY, SALES_SUMMARY_SQL
from channel_lib.data.load_state import LoadState
from channel_lib.data.readers.parquet_files import define_view
from channel_lib.data.sql import quoted

#: The missing-value markers as a SQL list, and the longest of them.
_NA_LIST = ", ".join(f"'{t}'" for t in NA_TOKENS)
_LONGEST_TOKEN = max(len(t) for t in NA_TOKENS)
#: A check: column, condition, value shown, message, what statistics would have to prove.
Check = tuple[str, str, str, str, tuple]


def check_values(state: LoadState, table: Table) -> None:
    """Value checks of every column and the key, counted in one scan of the table.

    Each check is a condition; one statement counts the rows meeting each, and only the checks
    that found rows run again to list them (line and value). On a Parquet file, a check that
    the file's statistics prove clean (no empty cell, no value below the minimum, no value
    that could be a missing-value marker: see :func:`stats_prove`) is not counted at all.
    The key is proven unique by its order when the lines are sorted by it, else by a hash
    (distinct hashes prove distinct keys); only when the hash count says there may be
    duplicates does the exact, listing query run.
    """
    name = table.name
    checks: list[Check] = []
    months: list[tuple[str, str]] = []
    na_on_distinct: list = []
    columns = state.columns(name)
    summarised: set[str] = set()
    if name == "sales":
        # one scan sums the sales by month, channel, partner and product: the link checks
        # of those ids and the sign rule read the summary's few rows, and the metrics cube
        # starts from it (each would otherwise scan the sales again)
        state.con.execute(f"CREATE OR REPLACE TEMP TABLE {SALES_SUMMARY} AS {SALES_SUMMARY_SQL}")
        summarised = {"channel_id", "partner_id", "product_id"}
    for c in table.columns:
        checks += _column_checks(state, c, present=c.in_file or c.name in columns)
        if c.references:
            distinct_values(state, name, c.name, SALES_SUMMARY if c.name in summarised else name)
        if c.references and not c.nullable and not c.na_is_value:
            na_on_distinct.append(c)  # checked on the column's distinct values, below
        if c.type == "month":
            months.append((c.name, _month_date(quoted(c.name))))
    # the key of a table with a month column is checked after the month is a date; a small
    # table's key is hashed at once (one statement instead of the order check's five)
    rows = state.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    in_order = not months and rows >= keys.MIN_RANGE_ROWS and key_in_order(state, table)
    hashed = None if months or in_order else key_hash(state, table)
    found = _count_unproven(state, table, checks, hashed, in_order=in_order)
    for c in na_on_distinct:
        _check_markers_on_distinct(state, table, c)
    for column, parsed in months:
        _month_to_date(state, name, column, parsed)
    if months or (hashed is not None and found[-1]):
        check_key(state, table)


def _month_date(col: str) -> str:
    """SQL: the month ``2026-01`` (or a date ``2026-01-01``) in column ``col`` as a DATE."""
    return f"TRY_CAST(CASE WHEN length({col}) = 7 THEN {col} || '-01' ELSE {col} END AS DATE)"


def _column_checks(state: LoadState, c, *, present: bool) -> list[Check]:
    """The checks of one contract column (``present``: the table has the column).

    Types and hints are the load's (money at the dataset's places: ``state.types``).
    """
    hints = state.hints
    col = quoted(c.name)
    checks: list[Check] = []
    if not c.nullable and present and c.name != "line_number":
        checks.append(
            (c.name, f"{col} IS NULL", "''",
             f"empty cell in a required column; write {hints[c.type]}", ("null",))
        )  # fmt: skip
    marker_on_distinct = c.references and not c.nullable and not c.na_is_value
    if (
        not marker_on_distinct
        and state.types[c.type] == "VARCHAR"
        and not c.nullable
        and not c.na_is_value
    ):
        # trim() only removes spaces: a cell that trims to a token is short or starts or
        # ends with a space, which is cheap to test before trimming every cell
        checks.append(
            (c.name,
             f"(strlen({col}) <= {_LONGEST_TOKEN} OR starts_with({col}, ' ') OR "
             f"ends_with({col}, ' ')) AND trim({col}) IN ({_NA_LIST})",
             col,
             f"literal missing-value marker in a required column; write {hints[c.type]}",
             ("marker",))
        )  # fmt: skip
    if c.choices:
        allowed = ", ".join(f"'{v}'" for v in c.choices)
        checks.append(
            (c.name, f"{col} IS NOT NULL AND {col} NOT IN ({allowed})", col,
             f"must be one of {', '.join(c.choices)}", ())
        )  # fmt: skip
    if c.minimum is not None:
        checks.append(
            (c.name, f"{col} < {c.minimum}", f"CAST({col} AS VARCHAR)",
             f"must be at least {c.minimum:g}", ("minimum", c.minimum))
        )  # fmt: skip
    if c.type == "quarter":
        checks.append(
            (c.name,
             f"{col} IS NOT NULL AND NOT regexp_full_match({col}, 'FY[0-9]{{4}}-Q[1-4]')",
             col, f"not {hints['quarter']}", ())
        )  # fmt: skip
    if c.type == "month":
        parsed = _month_date(col)
        checks.append(
            (c.name, f"{col} IS NOT NULL AND ({parsed} IS NULL OR day({parsed}) <> 1)", col,
             f"not {hints['month']}", ())
        )  # fmt: skip
    return checks


def _count_unproven(
    state: LoadState, table: Table, checks: list[Check], hashed: str | None, *, in_order: bool
) -> list[int]:
    """Count the checks not proven clean (and the repeated key hashes) and report their rows.

    Returns the counts of :func:`count_rows`: one per check counted, then the repeated hashes
    when ``hashed`` is given.
    """
    name = table.name
    view = state.views.get(name)
    proven = {(c, "marker") for c in sorted_clean(state, table)} if in_order else set()
    unproven = [
        i
        for i, (column, *_, proof) in enumerate(checks)
        if not (
            proof
            and ((column, proof[0]) in proven
                 or (view is not None and stats_prove(view, column, *proof)))
        )
    ]  # fmt: skip
    found = count_rows(state, name, [checks[i][1] for i in unproven], hashed)
    counts = [0] * len(checks)
    for i, total in zip(unproven, found, strict=False):
        counts[i] = total
    for (column, cond, value, message, _), total in zip(checks, counts, strict=True):
        if total:
            state.report_rows(
                table, column,
                f"SELECT rowid, {value} FROM {name} WHERE {cond} ORDER BY rowid", message, total,
            )  # fmt: skip
    return found


def _check_markers_on_distinct(state: LoadState, table: Table, c) -> None:
    """The missing-value marker check of an id column, run on its distinct values first."""
    name = table.name
    col, values = quoted(c.name), state.distinct[(name, c.name)]
    if state.con.execute(f"SELECT count(*) FROM {values} WHERE trim(v) IN ({_NA_LIST})").fetchall()[
        0
    ][0]:
        state.report_rows(
            table, c.name,
            f"SELECT rowid, {col} FROM {name} WHERE trim({col}) IN ({_NA_LIST}) ORDER BY rowid",
            f"literal missing-value marker in a required column; write {state.hints[c.type]}",
        )  # fmt: skip


def _month_to_date(state: LoadState, name: str, column: str, parsed: str) -> None:
    """Make the checked month column ``column`` of table ``name`` a DATE (``parsed``: its SQL)."""
    view = state.views.get(name)
    if view is not None:
        view.exprs[column] = parsed.replace(quoted(column), f"({view.exprs[column]})")
        define_view(state, view)
    else:
        state.con.execute(f"ALTER TABLE {name} ALTER {quoted(column)} TYPE DATE USING {parsed}")


def count_rows(
    state: LoadState, name: str, conditions: list[str], key_hash: str | None
) -> list[int]:
    """Rows meeting each condition (and, last, rows whose key hash repeats), in one statement.

    A ``UNION ALL`` of filtered counts: DuckDB short-circuits each ``WHERE`` over selection
    vectors, which measured several times faster than ``count(*) FILTER (...)`` terms in one
    aggregate (and a ``count(DISTINCT ...)`` next to them ran slower still).
    """
    parts = [
        f"SELECT {i} AS i, count(*) AS n FROM {name} WHERE {cond}"
        for i, cond in enumerate(conditions)
    ]
    counts = [0] * len(conditions)
    if parts:
        for i, n in state.con.execute(" UNION ALL ".join(parts)).fetchall():
            counts[i] = n
    if key_hash is not None:
        counts.append(
            state.con.execute(
                f"SELECT count(*) - count(DISTINCT {key_hash}) FROM {name}"
            ).fetchall()[0][0]
        )
    return counts


def distinct_values(state: LoadState, table: str, column: str, source: str | None = None) -> str:
    """A temporary table ``v`` of the distinct values of a column that names another table.

    Id columns of the sales table hold few distinct values in millions of lines; the
    missing-value-marker and link checks run on these, and list lines only when they fail.
    (One ``GROUPING SETS`` scan for all of them measured no faster than one scan each.)
    """
    name = f"_distinct_{table}_{column}"
    state.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quoted(name)} AS "
        f"SELECT DISTINCT {quoted(column)} AS v FROM {source or table}"
    )
    state.distinct[(table, column)] = quoted(name)
    return quoted(name)


__all__ = ["check_values", "count_rows", "distinct_values"]
