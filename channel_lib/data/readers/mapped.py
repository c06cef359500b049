"""A file read through ``mapping.yaml``: its header under the contract's names, and constants.

The file is never rewritten: the CSV reader names its columns by position (so the source
column ``SalesAmount`` is read as ``revenue``), a Parquet view selects ``"SalesAmount" AS
revenue``, and a constant (``channel_id: {value: WEB}``) is a column added to the table or view.
See :mod:`channel_lib.data.mapping` for the file's format.
"""

from __future__ import annotations

from pathlib import Path

from channel_lib.core.errors import near_name
from channel_lib.data.contract import Table
from channel_lib.data.load_state import LoadState
from channel_lib.data.mapping import MAPPING_FILE, TableMapping
from channel_lib.data.readers.cells import excess_decimals
from channel_lib.data.readers.header import header_line
from channel_lib.data.readers.parquet_files import define_view
from channel_lib.data.sql import quoted, scale_of, sql_literal


def renamed_header(
    state: LoadState, mapping: TableMapping, path: Path, header: list[str]
) -> list[str] | None:
    """``header`` (the file's names) with each mapped source column under its contract name.

    ``None``, with problems naming ``mapping.yaml``'s lines, when a source column is not in the
    header, or when the file also holds a column under the contract name that the mapping gives
    to another source column or to a constant (two columns would have the same name).

    Examples
    --------
    >>> import tempfile
    >>> state = LoadState(Path(tempfile.mkdtemp()))
    >>> m = TableMapping("sales", columns={"revenue": "SalesAmount", "quantity": "Qty"})
    >>> renamed_header(state, m, Path("Fact.csv"), ["SalesOrderNumber", "SalesAmount", "Qty"])
    ['SalesOrderNumber', 'revenue', 'quantity']
    >>> renamed_header(state, m, Path("Fact.csv"), ["SalesAmount", "OrderQty"]) is None
    True
    >>> print(state.problems[0].message)
    source column Qty (for quantity) is not in the header of Fact.csv; it has SalesAmount, OrderQty
    """
    shown = state.shown_as.get(path.name, path.name)
    sources = list(mapping.columns.values())
    missing = not set(sources) <= set(header)
    below = header_line(path, sources) if missing and path.is_file() else None
    if below:  # a title or notes above the export's header line
        state.problem(
            shown, "", 1, header[0] if header else "",
            f"the column names are on line {below}, not line 1; delete the "
            f"{below - 1} line{'s' if below > 2 else ''} above them",
        )  # fmt: skip
        return None
    ok = True
    for column, source in mapping.columns.items():
        if source not in header:
            near = near_name(source, [h for h in header if h not in mapping.columns.values()])
            state.problem(
                MAPPING_FILE, f"{mapping.table}.columns.{column}", mapping.line(column), source,
                f"source column {source} (for {column}) is not in the header of {shown}; "
                + (f"write the name as the header has it: '{near}'" if near
                   else f"it has {', '.join(header[:30])}"),
            )  # fmt: skip
            ok = False
    mapped = {c for c, s in mapping.columns.items() if s != c} | set(mapping.constants)
    for column in sorted(mapped & set(header)):
        given = (
            f"the constant {mapping.constants[column]}"
            if column in mapping.constants
            else f"the source column {mapping.columns[column]}"
        )
        state.problem(
            MAPPING_FILE, f"{mapping.table}.columns.{column}", mapping.line(column), column,
            f"{shown} has a column {column} too, and the mapping gives {column} {given}; "
            f"remove this line to read the file's {column}, or rename that column in the export",
        )  # fmt: skip
        ok = False
    if not ok:
        return None
    inverse = {s: c for c, s in mapping.columns.items()}
    return [inverse.get(h, h) for h in header]


def constants_hold(state: LoadState, table: Table, mapping: TableMapping) -> bool:
    """Whether each constant of ``mapping`` is a value of its column's type (else a problem).

    Checked before the file is read: a constant that its column's type does not hold (or
    holds only rounded) names ``mapping.yaml``'s line, and the table is not read.
    """
    ok = True
    for column, text in mapping.constants.items():
        if column not in {c.name for c in table.columns}:
            continue  # an extra column (currency): text
        kind = table.column(column).type
        target, scale = state.types[kind], scale_of(state.types[kind])
        held = state.con.execute(f"SELECT TRY_CAST(? AS {target}) IS NOT NULL", [text]).fetchall()[
            0
        ][0]
        if not held or (scale is not None and excess_decimals(text, scale)):
            state.problem(
                MAPPING_FILE, f"{mapping.table}.columns.{column}", mapping.line(column), text,
                f"the constant is not {state.hints[kind]}; write one in {{value: ...}}",
            )  # fmt: skip
            ok = False
    return ok


def add_constants(state: LoadState, table: Table, mapping: TableMapping) -> None:
    """Add each constant of ``mapping`` as a column of the table (or view), of its type.

    A contract column gets its type (checked by :func:`constants_hold`); an extra column
    (``currency``) is text.
    """
    known = {c.name: c for c in table.columns}
    for column, text in mapping.constants.items():
        target = state.types[known[column].type] if column in known else "VARCHAR"
        if table.name in state.views:
            # a view's text cannot take a parameter: the constant is a quoted SQL literal
            # (sql_literal doubles its quotes), checked already as a value of its type
            view = state.views[table.name]
            view.exprs[column] = f"CAST({sql_literal(text)} AS {target})"
            define_view(state, view)
        else:
            state.con.execute(f"ALTER TABLE {table.name} ADD COLUMN {quoted(column)} {target}")
            state.con.execute(
                f"UPDATE {table.name} SET {quoted(column)} = CAST(? AS {target})", [text]
            )


__all__ = ["add_constants", "constants_hold", "renamed_header"]
