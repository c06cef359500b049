"""A CSV's header line, and what is wrong with a table's header (missing, twice, title above)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from channel_lib.core.errors import near_name
from channel_lib.data.contract import Table
from channel_lib.data.load_state import LoadState

#: separators that spreadsheets in some regions write instead of commas (header of one cell)
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def csv_header(state: LoadState, path: Path) -> list[str] | None:
    """The column names on a CSV's first line, stripped (``None``, with a problem, if unreadable)."""
    # only the header line is decoded here: DuckDB's reader names any later line not in UTF-8
    with path.open("rb") as f:
        first = f.readline()
    try:
        header = next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")]), None)
    except UnicodeDecodeError as exc:
        state.problem(
            path.name, "", 1, "", f"not UTF-8 text ({exc.reason}); save the file as UTF-8 CSV"
        )
        return None
    except csv.Error as exc:  # a carriage return inside the header line (a lone CR), ...
        why = (
            "holds a carriage return (a lone CR, an old-Mac line end, before the line feed)"
            if b"\r" in first.rstrip(b"\r\n")
            else f"cannot be read as CSV ({exc})"
        )
        state.problem(
            path.name, "", 1, "",
            f"the header line {why}; save the file again as UTF-8 CSV with one kind of line end",
        )  # fmt: skip
        return None
    if not header:
        state.problem(path.name, "", 1, "", "file is empty; it needs at least a header line")
        return None
    return [h.strip() for h in header]


def parquet_header(state: LoadState, path: Path) -> list[str]:
    """The top-level column names of a Parquet file (from its schema)."""
    return [
        r[0]
        for r in state.con.execute(
            "SELECT name FROM parquet_schema(?) WHERE name <> 'schema' AND num_children IS NULL",
            [str(path)],
        ).fetchall()
    ]


def check_header(state: LoadState, table: Table, path: Path, header: list[str]) -> bool:
    """Whether ``header`` holds every required column of ``table`` (not nullable), each once.

    Otherwise adds the problems: a title or notes above the header line, cells separated by
    another character than commas, or each required column missing (with the near name to
    rename) and each column written twice.
    """
    # a column that may be empty may be absent too (see files.add_absent_columns)
    missing = [
        c.name for c in table.columns if c.in_file and not c.nullable and c.name not in header
    ]
    below = header_line(path, [c.name for c in table.columns if c.in_file]) if missing else None
    if below:  # a title or notes above the table (spreadsheets and some exports write one)
        state.problem(
            path.name, "", 1, header[0] if header else "",
            f"the column names are on line {below}, not line 1; delete the "
            f"{below - 1} line{'s' if below > 2 else ''} above them",
        )  # fmt: skip
        return False
    other = [n for d, n in OTHER_DELIMITERS.items() if len(header) == 1 and d in header[0]]
    if other:
        state.problem(
            path.name, "", 1, header[0],
            f"cells are separated by {other[0]}, not commas; save the file as "
            "comma-separated CSV (a spreadsheet's 'CSV UTF-8 (comma delimited)')",
        )  # fmt: skip
        return False
    known = {c.name for c in table.columns}
    for name in missing:
        near = near_name(name, [h for h in header if h not in known])
        state.problem(
            path.name,
            name,
            1 if path.suffix == ".csv" else None,
            near or "",
            "required column is missing from the header; "
            + (f"rename '{near}' to '{name}'" if near else f"add a column '{name}'"),
        )
    seen = set()
    for name in header:
        if name in seen:
            state.problem(
                path.name,
                name,
                1,
                name,
                "column appears twice in the header; rename or drop one",
            )
        seen.add(name)
    return not missing and len(seen) == len(header)


def header_line(path: Path, names: list[str], within: int = 10) -> int | None:
    """The line (2 or later, within the first ``within``) of a CSV that holds all ``names``.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("Sales export,,\\n,,\\norder_id,line_number,x\\n1,1,a\\n")
    >>> header_line(f, ["order_id", "line_number"]), header_line(f, ["revenue"])
    (3, None)
    """
    if path.suffix != ".csv":
        return None
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        for number, record in enumerate(itertools.islice(csv.reader(f), within), 1):
            if number > 1 and set(names) <= {cell.strip() for cell in record}:
                return number
    return None


__all__ = ["OTHER_DELIMITERS", "check_header", "csv_header", "header_line", "parquet_header"]
