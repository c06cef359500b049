"""One table's file into DuckDB: the header checked, then the CSV or Parquet reader.

With a ``mapping.yaml`` the file's header is first read under the contract's names and the
mapping's constants are added (:mod:`.mapped`).

An ``.xlsx`` file's first sheet is written to a temporary CSV first (its lines are the sheet's
rows), so every check and message is the CSV one, naming the workbook.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from channel_lib.core.errors import near_name
from channel_lib.data.contract import Table
from channel_lib.data.excel import ExcelReadError, sheet_to_csv
from channel_lib.data.load_state import LoadState
from channel_lib.data.readers.csv_files import read_csv
from channel_lib.data.readers.header import check_header, csv_header, parquet_header
from channel_lib.data.readers.mapped import add_constants, constants_hold, renamed_header
from channel_lib.data.readers.parquet_files import define_view, read_parquet
from channel_lib.data.sql import quoted


def read_table(state: LoadState, table: Table, path: Path) -> bool:
    """Read ``table`` from ``path`` into ``state.con``; whether it could be read.

    When the header or the file cannot be read, the problems are added to ``state`` and the
    table is not created (False). Otherwise the table holds every line the reader accepted
    (problems of the others added), and the optional columns the file leaves out, empty
    (a nullable one with a note).
    """
    if path.suffix == ".xlsx":
        path = excel_as_csv(state, path)
        if path is None:
            return False
    if path.suffix == ".csv":
        written = csv_header(state, path)
    else:
        written = parquet_header(state, path)
    if written is None:
        return False
    header, constants = written, []
    mapping = state.mapping.get(table.name)
    if mapping is not None:  # mapping.yaml: the contract's names for the file's columns
        header = renamed_header(state, mapping, path, written)
        if header is None or not constants_hold(state, table, mapping):
            return False
        constants = list(mapping.constants)
    if not check_header(state, table, path, header + constants):
        return False
    if path.suffix == ".csv":
        read_csv(state, table, path, header)  # the reader names the columns by position
    else:
        read_parquet(state, table, path, header, written)
    if mapping is not None:
        add_constants(state, table, mapping)
    _add_absent_columns(state, table, header + constants, state.shown_as.get(path.name, path.name))
    return True


def _add_absent_columns(state: LoadState, table: Table, header: list[str], shown: str) -> None:
    """Add the columns the file leaves out that it may leave out, empty, of their type.

    Those are the columns the contract derives (``in_file=False``: a note-free default) and
    the columns that may be empty (``nullable``): such an absent column is loaded as an
    all-empty column, with a note in ``state.notes`` naming the file as the user wrote it
    (``shown``).
    """
    for c in table.columns:
        if c.name in header or (c.in_file and not c.nullable):
            continue
        if c.in_file:
            known = {k.name for k in table.columns}
            near = near_name(c.name, [h for h in header if h not in known])
            state.notes.append(
                f"{shown}: column {c.name} is absent; loaded as empty"
                + (f" (if '{near}' is meant, rename it to '{c.name}')" if near else "")
            )
        if table.name in state.views:
            view = state.views[table.name]
            view.exprs[c.name] = f"CAST(NULL AS {state.types[c.type]})"
            define_view(state, view)
        else:
            state.con.execute(
                f"ALTER TABLE {table.name} ADD COLUMN {quoted(c.name)} {state.types[c.type]}"
            )


def excel_as_csv(state: LoadState, path: Path) -> Path | None:
    """The first sheet of an ``.xlsx`` file as a temporary CSV named like the table's CSV.

    Its lines are the sheet's rows, so the checks name the rows a spreadsheet shows; problems
    are reported under the workbook's name (see :func:`channel_lib.data.loader.load_dataset`).
    """
    if state.scratch is None:
        state.scratch = tempfile.TemporaryDirectory(prefix="channel-workbook-")
    target = Path(state.scratch.name) / f"{path.stem}.csv"
    try:
        sheet_to_csv(path, target)
    except ExcelReadError as exc:
        state.problem(path.name, "", None, "", str(exc))
        return None
    state.shown_as[target.name] = path.name
    return target


__all__ = ["excel_as_csv", "read_table"]
