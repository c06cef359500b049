"""One table's file into DuckDB: the header checked, then the CSV or Parquet reader.

With a ``mapping.yaml`` the file's header is first read under the contract's names and the
mapping's constants are added (:mod:`.mapped`).

An ``.xlsx`` file's first sheet is written to a temporary CSV first (its lines are the sheet's
rows), so every check and message is the CSV one, naming the workbook.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from channel_lib.core.errors import near_name, shorten
from channel_lib.data.contract import Table
from channel_lib.data.excel import ExcelReadError, sheet_to_csv
from channel_lib.data.load_state import LineAccount, LoadState
from channel_lib.data.readers.csv_files import read_csv
from channel_lib.data.readers.header import check_header, csv_header, parquet_header
from channel_lib.data.readers.limits import not_regular, shown_name
from channel_lib.data.readers.mapped import add_constants, constants_hold, renamed_header
from channel_lib.data.readers.parquet_files import define_view, read_parquet
from channel_lib.data.readers.records import RecordScan, csv_record_count, scan_records
from channel_lib.data.sql import quoted


def read_table(state: LoadState, table: Table, path: Path) -> bool:
    """Read ``table`` from ``path`` into ``state.con``; whether it could be read.

    When the header or the file cannot be read, the problems are added to ``state`` and the
    table is not created (False). Otherwise the table holds every line the reader accepted
    (problems of the others added), and the optional columns the file leaves out, empty
    (a nullable one with a note).
    """
    if not within_bounds(state, path):
        return False
    if path.suffix == ".xlsx":
        path = excel_as_csv(state, path)
        if path is None:
            return False
    scan = None
    if path.suffix == ".csv":
        scan = csv_records(state, path)
        if scan is None:
            return False
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
        if not read_csv(state, table, path, header):  # names the columns by position
            return False
        assert scan is not None
        account_lines(state, table, path, scan)
    else:
        read_parquet(state, table, path, header, written)
    if mapping is not None:
        add_constants(state, table, mapping)
    _add_absent_columns(state, table, header + constants, state.shown_as.get(path.name, path.name))
    return True


def within_bounds(state: LoadState, path: Path) -> bool:
    """Whether ``path`` is a regular file (or a link to one) within the file-size limit.

    Otherwise the problem is added: a device, FIFO or folder is never opened, a larger file
    never read.
    """
    refused = not_regular(path)
    if refused is None and path.stat().st_size > state.limits.file_bytes:
        refused = (
            f"{path.stat().st_size:,} bytes, over the limit of {state.limits.file_bytes:,} "
            "bytes a file may have; split the export (by year, say) into dataset folders"
        )
    if refused is not None:
        state.problem(path.name, "", None, "", refused)
        return False
    if path.is_symlink():
        state.shown_as.setdefault(path.name, shown_name(path))
    return True


def csv_records(state: LoadState, path: Path) -> RecordScan | None:
    """The independent count of a CSV's records (``None``, with the problems, when over a limit).

    A record over the line limit or a cell over the cell limit is a problem naming its line,
    its column and the limit (the file is then not read: a line the reader cannot hold is
    never dropped silently); so are old-Mac line ends (a carriage return alone).
    """
    limits, file = state.limits, path.name
    scan = scan_records(path, limits)
    if scan.cr_only:
        state.problem(
            file, "", 1, "",
            "the lines end in a carriage return alone (old Mac line ends); convert the file to "
            "LF or CRLF line ends (a text editor's 'Line endings', or save it again as CSV UTF-8)",
        )  # fmt: skip
        return None
    if not scan.over:
        return scan
    header: list[str] = []
    if all(line > 1 for line, _ in scan.long_records):
        with path.open("rb") as f:
            first = f.readline(limits.line_bytes + 2).decode("utf-8-sig", errors="replace")
        try:
            header = next(csv.reader([first.rstrip("\r\n")]), [])
        except csv.Error:  # a lone CR inside the header line: cells named by position
            header = []
    for line, size in scan.long_records:
        state.problem(
            file, "", line, "",
            f"a line of {size:,} bytes, over the limit of {limits.line_bytes:,} bytes a line may "
            "have; the file is not read: shorten or remove the line (a cell pasted by mistake?)",
        )  # fmt: skip
    for line, index, size in scan.wide_cells:
        # shortened: the cell over the limit may be the header's own (a 50 MB column name)
        column = shorten(header[index].strip()) if index < len(header) else f"cell {index + 1}"
        state.problem(
            file, column, line, "",
            f"a cell of {size:,} bytes, over the limit of {limits.cell_bytes:,} bytes a cell may "
            "have; the file is not read: shorten the cell or remove the column",
        )  # fmt: skip
    listed = len(scan.long_records) + len(scan.wide_cells)
    if scan.over > listed:
        state.problem(
            file, "", None, "",
            f"... and {scan.over - listed:,} more lines or cells over their limit",
        )  # fmt: skip
    return None


def account_lines(state: LoadState, table: Table, path: Path, scan: RecordScan) -> None:
    """Prove that every data record of the CSV was loaded or reported (a problem otherwise).

    Records counted by :func:`~channel_lib.data.readers.records.scan_records` (the header and
    blank lines left out) against the rows in the table plus the lines reported (rejected by
    the reader, or removed for a cell not of its type); kept in ``state.accounts``.
    """
    loaded = state.con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
    reported = len(state.reject_lines.get(table.name, [])) + state.unread_rows.get(table.name, 0)
    account = LineAccount(path.name, max(scan.records - 1, 0), loaded, reported)
    if not account.balanced:  # a stray quote in an unquoted cell? count the way a reader does
        second = csv_record_count(path, state.limits)
        if second is not None and loaded + reported == max(second - 1, 0):
            account = LineAccount(path.name, second - 1, loaded, reported)
    state.accounts[table.name] = account
    if not account.balanced:
        what = "a line was lost" if loaded + reported < account.records else "lines were split"
        state.problem(
            path.name, "", None, "",
            f"the file holds {account.records:,} data records (counted line by line) but "
            f"{loaded:,} were loaded and {reported:,} reported; {what}: look for a quote "
            "inside an unquoted cell or a carriage return inside a line",
        )  # fmt: skip


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


__all__ = ["account_lines", "csv_records", "excel_as_csv", "read_table", "within_bounds"]
