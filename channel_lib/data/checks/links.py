"""Every id names a row of the table it refers to (``partner_id`` → ``partners``, ...)."""

from __future__ import annotations

from channel_lib.data.contract import NA_TOKENS, Table
from channel_lib.data.load_state import LoadState
from channel_lib.data.sql import quoted


def check_links(state: LoadState, table: Table) -> None:
    for c in table.columns:
        if not c.references:
            continue
        target, target_col = c.references.split(".")
        if target not in state.loaded:
            if target in state.files or not state.has_values(table.name, c.name):
                continue  # the target file failed to load (reported already) or nothing to link
            state.problem(
                state.files[table.name].name,
                c.name,
                None,
                "",
                f"names {target} but {target}.csv is missing; add {target}.csv",
            )
            continue
        # ids written on lines of the target that could not be read are not called unknown
        # (that line is reported already); one note counts the lines naming them
        unread = sorted(
            {r.get(target_col, "") for r in state.rejected_rows.get(target, {}).values()}
        )
        # the ids as bound parameters: values from a file never enter a statement's text
        unread_sql, params = "(SELECT unnest(?::VARCHAR[]))", [unread] if unread else None
        values = state.distinct.get((table.name, c.name))
        if (
            values is None
            or state.con.execute(
                f"SELECT count(*) FROM {values} s ANTI JOIN {target} t "
                f"ON s.v = t.{quoted(target_col)} WHERE s.v IS NOT NULL"
                + (f" AND s.v NOT IN {unread_sql}" if unread else ""),
                params,
            ).fetchall()[0][0]
        ):
            sql = (
                f"SELECT s.rowid, s.{quoted(c.name)} FROM {table.name} s ANTI JOIN {target} t "
                f"ON s.{quoted(c.name)} = t.{quoted(target_col)} WHERE s.{quoted(c.name)} IS NOT NULL"
                + (f" AND s.{quoted(c.name)} NOT IN {unread_sql}" if unread else "")
                + " ORDER BY s.rowid"
            )
            state.report_rows(
                table, c.name, sql,
                f"unknown {target_col}: not in {state.files[target].name}; "
                "add it there or correct the id", params=params,
            )  # fmt: skip
        check_rejected_links(state, table, c.name, target, target_col, unread)
        if unread:
            col = quoted(c.name)
            named = state.con.execute(
                f"SELECT count(*), list(DISTINCT {col} ORDER BY {col}) FROM {table.name} "
                f"WHERE {col} IN {unread_sql}",
                params,
            ).fetchall()[0]
            if named[0]:
                state.problem(
                    state.files[table.name].name, c.name, None, ", ".join(named[1]),
                    f"{named[0]:,} lines name a {target_col} written on a line of "
                    f"{state.files[target].name} that could not be read (above); they are "
                    "checked once that line is fixed",
                )  # fmt: skip


def check_rejected_links(
    state: LoadState, table: Table, column: str, target: str, target_col: str, unread: list[str]
) -> None:
    """Link check of the ids on this table's lines that the reader rejected for another cell.

    Those lines are not in the table, so the SQL check above does not see them; their few ids
    are looked up here, so that an unknown id on such a line is reported with the rest at once.
    """
    lines = {
        line: row[column]
        for line, row in state.rejected_rows.get(table.name, {}).items()
        if row.get(column) and row[column] not in NA_TOKENS and row[column] not in unread
    }
    if not lines:
        return
    ids = sorted(set(lines.values()))
    known = {
        v for (v,) in state.con.execute(
            f"SELECT {quoted(target_col)} FROM {target} "
            f"WHERE {quoted(target_col)} IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
    }  # fmt: skip
    for line, value in sorted(lines.items()):
        if value not in known:
            state.problem(
                state.files[table.name].name, column, line, value,
                f"unknown {target_col}: not in {state.files[target].name}; "
                "add it there or correct the id",
            )  # fmt: skip


__all__ = ["check_links", "check_rejected_links"]
