"""A CSV file read into a DuckDB table: types, rejected lines and exact decimals.

DuckDB reads the file with the contract's types; the lines it rejects are reported with the
cells as written, and fixed-precision columns (money, whole numbers) are read as DOUBLE with a
flag per cell saying whether the column's type holds it exactly (DuckDB's own DECIMAL and BIGINT
readers round silently), so that every extra decimal is reported instead of rounded.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pandas as pd

from channel_lib.core.errors import shorten
from channel_lib.data.contract import Table
from channel_lib.data.load_state import MAX_ROWS_PER_CHECK, LoadState
from channel_lib.data.readers.cells import (
    bad_value,
    excess_decimals,
    excess_message,
    report_numbers,
)
from channel_lib.data.sql import quoted, scale_of


def read_csv(state: LoadState, table: Table, path: Path, header: list[str]) -> bool:
    """Create ``table`` from the CSV at ``path`` (``header``: its checked column names); whether
    DuckDB could read the file (a problem naming the first line end of another kind otherwise).

    Each contract column is read with its type, any other column as text. Fixed-precision
    columns (money, whole numbers) are read as DOUBLE and cast after a check that the cast keeps
    the value: DuckDB's own DECIMAL and BIGINT readers round '1.234' to 1.23 and '2.5' to 3
    silently (see :func:`_exact_flag`). The lines the reader rejects and the cells with more
    decimals than allowed are reported (:func:`report_rejects`, :func:`check_decimals`).
    """
    known = {c.name: c for c in table.columns}
    types = {name: state.types[known[name].type] if name in known else "VARCHAR" for name in header}
    scaled = [name for name in header if scale_of(types[name]) is not None]
    flags = _flag_names(scaled, header)
    select = "*"
    if scaled:
        select = (
            "* REPLACE ("
            + ", ".join(f"TRY_CAST({quoted(n)} AS {types[n]}) AS {quoted(n)}" for n in scaled)
            + "), "
            + ", ".join(f"{_exact_flag(n, types[n])} AS {flags[n]}" for n in scaled)
        )
    read_types = {n: "DOUBLE" if n in scaled else t for n, t in types.items()}
    try:
        state.con.execute(
            f"CREATE TABLE {table.name} AS SELECT {select} FROM read_csv(?, columns = ?, "
            "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"nullstr = '', max_line_size = {max(2 * state.limits.line_bytes, 1 << 21)}, "
            f"store_rejects = true, rejects_table = 'rej_{table.name}', "
            f"rejects_scan = 'scan_{table.name}')",
            [str(path), read_types],
        )
    except duckdb.InvalidInputException as exc:  # "state machine reached an invalid state"
        line = other_line_end(path)
        what = (
            f"its lines end in a mix of CRLF and LF (line {line} ends unlike line 1)"
            if line is not None
            else f"DuckDB's reader stopped: {shorten(str(exc).splitlines()[0])}"
        )
        state.problem(
            path.name, "", line, "",
            f"the file cannot be read, {what}; save it again as UTF-8 CSV with one kind of "
            "line end (a text editor's 'Line endings')",
        )  # fmt: skip
        return False
    report_rejects(state, table, path, header, {n: scale_of(types[n]) or 0 for n in scaled})
    if scaled:
        check_decimals(state, table, path, header, {n: types[n] for n in scaled}, flags)
    return True


def other_line_end(path: Path) -> int | None:
    """The first line of ``path`` whose end (CRLF or LF) differs from line 1's, if any.

    Lines are counted as the file's line feeds (a quoted cell's line break counts); read line by
    line, so memory stays within the line limit checked before.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"a,b\\r\\n1,x\\r\\n2,y\\n3,z\\r\\n")
    >>> other_line_end(f), other_line_end(Path(__file__))
    (3, None)
    """
    with path.open("rb") as f:
        first = None
        for number, line in enumerate(f, 1):
            if not line.endswith(b"\n"):
                return None  # the last line, without a line end
            crlf = line.endswith(b"\r\n")
            if first is None:
                first = crlf
            elif crlf != first:
                return number
    return None


def check_decimals(
    state: LoadState,
    table: Table,
    path: Path,
    header: list[str],
    types: dict[str, str],
    flags: dict[str, str],
) -> None:
    """Report the CSV cells that their column's type cannot hold exactly; drop the flags.

    The read flagged each cell (:func:`_exact_flag`): 1 = more decimals than the column allows
    (certain), 2 = not proven by the double (a large number, NaN or infinity). Cells of kind 1
    are listed (a page of them) with the cell as written, read from the file. Cells of kind 2
    are decided from the cell as written, exactly: more decimals than allowed or not a value
    of the type (too large) are reported; a large number the type holds is stored as DuckDB's
    decimal reader reads it. Only files holding such large numbers pay for reading their
    lines in Python.
    """
    name, file = table.name, path.name
    counts = state.con.execute(
        "SELECT "
        + ", ".join(f"count_if({f} = 1), count_if({f} = 2)" for f in flags.values())
        + f" FROM {name}"
    ).fetchall()[0]
    found: dict[str, list[int]] = {}  # column -> rowids to look at
    for i, (column, flag) in enumerate(flags.items()):
        if counts[2 * i] or counts[2 * i + 1]:
            found[column] = [
                r for (r,) in state.con.execute(
                    f"SELECT rowid FROM {name} WHERE {flag} = 2 UNION ALL "
                    f"(SELECT rowid FROM {name} WHERE {flag} = 1 ORDER BY rowid "
                    f"LIMIT {MAX_ROWS_PER_CHECK})"
                ).fetchall()
            ]  # fmt: skip
    unread: list[int] = []
    if found:
        lines = {r: state.line(name, r) for rows in found.values() for r in rows}
        cells = _csv_cells(path, set(lines.values()))
        for column, rows in found.items():
            index, target = header.index(column), types[column]
            scale = scale_of(target) or 0
            values = []
            for r in rows:
                record = cells.get(lines[r], [])
                values.append(record[index] if index < len(record) else "")
            kinds = [excess_decimals(v, scale) for v in values]
            # what DuckDB's decimal reader makes of each cell (NULL: not a value of the type)
            frame = pd.DataFrame({"r": rows, "v": values})
            state.con.register("_cells", frame)
            try:
                held = [
                    h for (h,) in state.con.execute(
                        f"SELECT TRY_CAST(v AS {target}) IS NOT NULL FROM _cells"
                    ).fetchall()
                ]  # fmt: skip
                exact = [k is False and h for k, h in zip(kinds, held, strict=True)]
                if any(exact):  # large numbers the type holds: stored as the reader reads them
                    state.con.unregister("_cells")
                    state.con.register("_cells", frame[exact])
                    state.con.execute(
                        f"UPDATE {name} SET {quoted(column)} = f.v FROM (SELECT r, "
                        f"TRY_CAST(v AS {target}) AS v FROM _cells) f WHERE {name}.rowid = f.r"
                    )
            finally:
                state.con.unregister("_cells")
            bad = [
                (lines[r], v, k)
                for r, v, k, e in zip(rows, values, kinds, exact, strict=True)
                if not e
            ]
            # not a value of the type: like a line the reader rejects, it leaves the table
            # (no knock-on empty cell; the rowids, and so the lines, of later rows stay)
            unread += [r for r, h in zip(rows, held, strict=True) if not h]
            excess = counts[2 * list(flags).index(column)]
            report_numbers(state, table, file, column, bad, max(0, excess - MAX_ROWS_PER_CHECK))
    if unread:
        state.con.execute(f"DELETE FROM {name} WHERE rowid IN ({', '.join(map(str, unread))})")
        state.unread_rows[name] = state.unread_rows.get(name, 0) + len(set(unread))
    state.con.execute("; ".join(f"ALTER TABLE {name} DROP COLUMN {f}" for f in flags.values()))


def report_rejects(
    state: LoadState,
    table: Table,
    path: Path,
    header: list[str],
    scales: dict[str, int] | None = None,
) -> None:
    """Report the lines the CSV reader rejected (``scales``: fixed-precision column → decimals).

    A rejected line is not in the table, so no later check sees it: its fixed-precision cells
    that the reader did accept are checked for decimals here, so that they are reported with
    the rest at once.
    """
    rows = state.con.execute(
        f"SELECT line, column_name, error_type, csv_line, error_message FROM rej_{table.name} ORDER BY line"
    ).fetchall()
    state.reject_lines[table.name] = sorted({r[0] for r in rows})
    cells_of = {line: _record_cells(text) for line, _, _, text, _ in rows}  # as written
    state.rejected_rows[table.name] = {
        line: dict(zip(header, (c.strip() for c in cells), strict=False))
        for line, cells in cells_of.items()
    }
    # the reader reports a line with extra or missing cells once per cell: once is enough
    per_line = ("TOO MANY COLUMNS", "MISSING COLUMNS")
    first = {}
    for i, r in enumerate(rows):
        first.setdefault((r[0], r[2]), i)
    rows = [r for i, r in enumerate(rows) if r[2] not in per_line or first[(r[0], r[2])] == i]
    failed: dict[int, set[str]] = {}  # line -> columns whose cast failed
    for line, column, kind, csv_line, message in rows:
        cells = cells_of[line]
        if kind == "CAST" and column in header:
            index = header.index(column)
            value = cells[index] if index < len(cells) else ""
            bad_value(state, table, path.name, column, line, value)
        else:
            state.problem(
                path.name,
                column or "",
                line,
                csv_line.strip("\r\n"),
                _reader_error(kind, message, len(cells), len(header)),
            )
        if kind == "CAST":
            failed.setdefault(line, set()).add(column)
    for line, columns in failed.items():
        cells = cells_of[line]
        for column, scale in (scales or {}).items():
            index = header.index(column)
            if column not in columns and index < len(cells):
                if excess_decimals(cells[index], scale):
                    kind = table.column(column).type
                    state.problem(
                        path.name, column, line, cells[index], excess_message(kind, scale)
                    )


def _exact_flag(column: str, target: str) -> str:
    """SQL flag of a CSV cell read as DOUBLE: whether its type ``target`` holds it exactly.

    0: yes, or empty; 1: no, it has more decimals than ``target`` allows; 2: not proven.
    A double tells apart every two numbers of up to 15 significant digits, and the cast to
    ``target`` rounds to the nearest value of that type. Below 10^(14 - decimals) (money at 2
    places: 10^12, at 4: 10^10, at 6: 10^8; whole numbers: 10^14) a value with the allowed decimals has at most 15 digits, so its double
    casts back to it, and so does the first decimal too many: the double equals its cast exactly
    when the cell had no more decimals than allowed, and the cast then gives what DuckDB's decimal
    reader gives. A larger number, NaN or infinity is 2: the loader decides from the cell itself.
    Still rounded unseen: a cell whose first non-zero digit after the allowed decimals comes after
    its 15th significant digit (1.230000000000000001 loads as 1.23). A double does not carry such
    digits, so no program printing doubles writes them, and DuckDB's own reader rounded them too.
    """
    col, scale = quoted(column), scale_of(target) or 0
    return (
        f"CAST(CASE WHEN {col} IS NULL THEN 0 WHEN NOT abs({col}) < 1e{14 - scale} THEN 2 "
        f"WHEN TRY_CAST({col} AS {target}) = {col} THEN 0 ELSE 1 END AS UTINYINT)"
    )


def _flag_names(columns: list[str], header: list[str]) -> dict[str, str]:
    """Names for the temporary flag columns, one per column, clashing with no column of the file."""
    names, taken = {}, set(header)
    for i, column in enumerate(columns):
        name = f"_exact_{i}"
        while name in taken:
            name = "_" + name
        names[column] = name
        taken.add(name)
    return names


def _reader_error(kind: str, message: str, cells: int, columns: int) -> str:
    """What is wrong with a line DuckDB's CSV reader rejected, and what to do (``kind``: its
    ``error_type``; ``cells``: cells on the line; ``columns``: cells in the header).

    Examples
    --------
    >>> _reader_error("TOO MANY COLUMNS", "Expected Number of Columns: 3 Found: 4", 4, 3)
    '4 cells where the header has 3; quote text that holds commas ("Smith, Jones") or remove the extra cells'
    >>> _reader_error("SOME NEW KIND", "What DuckDB says.", 3, 3)
    'What DuckDB says.; fix this line of the file'
    """
    if kind == "INVALID ENCODING":
        return (
            "not UTF-8 text (the bytes shown as ? are of another encoding); save the file as "
            "UTF-8 (a spreadsheet's 'CSV UTF-8')"
        )
    if kind == "TOO MANY COLUMNS":
        return (
            f"{cells} cells where the header has {columns}; quote text that holds commas "
            '("Smith, Jones") or remove the extra cells'
        )
    if kind == "MISSING COLUMNS":
        return (
            f"{cells} cells where the header has {columns}; add the missing cells (empty is fine)"
        )
    if kind == "UNQUOTED VALUE":
        return 'a quote opened in this line is not closed; write a quote inside text as two ("")'
    return f"{message.strip()}; fix this line of the file"


def _record_cells(text: str) -> list[str]:
    """The cells of one CSV record as DuckDB's rejects table gives it (``csv_line``).

    In a file with Windows line ends (CRLF) the text starts with the ``\\n`` of the line before;
    a quoted cell may hold line breaks. Text that is not one CSV record gives ``[text]``.

    Examples
    --------
    >>> _record_cells("\\nO1,2,2024-13-45")
    ['O1', '2', '2024-13-45']
    >>> _record_cells('O1,"two\\nlines",x\\r')
    ['O1', 'two\\nlines', 'x']
    """
    try:
        return next(csv.reader(io.StringIO(text.strip("\r\n"), newline="")), [])
    except csv.Error:
        return [text]


def _csv_cells(path: Path, lines: set[int]) -> dict[int, list[str]]:
    """The cells of the given lines of a CSV file, as written (line = record; the header is 1).

    Reads the file up to the last line asked for; only called for the few lines reported.
    """
    cells: dict[int, list[str]] = {}
    last = max(lines, default=0)
    with path.open(encoding="utf-8-sig", newline="") as f:
        for number, record in enumerate(csv.reader(f), 1):
            if number in lines:
                cells[number] = record
            if number >= last:
                break
    return cells


__all__ = ["check_decimals", "read_csv", "report_rejects"]
