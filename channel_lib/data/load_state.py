"""What one load of a dataset folder has found so far, and how it reports a problem.

The readers (:mod:`channel_lib.data.readers`) and the checks (:mod:`channel_lib.data.checks`)
share one :class:`LoadState`: the DuckDB connection the tables go into, the problems found (every
one is collected, then raised once), the files read and what the CSV reader rejected (so that a
row's line in its file can be named).
"""

from __future__ import annotations

import tempfile
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import duckdb

from channel_lib.core.errors import Problem, shorten
from channel_lib.core.money import DEFAULT_MONEY_DECIMALS
from channel_lib.data.contract import Table, duckdb_types, type_hints
from channel_lib.data.mapping import TableMapping
from channel_lib.data.readers.limits import Limits, current_limits
from channel_lib.data.sql import quoted

#: Rows listed per check before the rest are counted in one summary line.
MAX_ROWS_PER_CHECK = 25


class LoadState:
    """The connection, the problems and what was read, of one load of ``folder``."""

    def __init__(self, folder: Path, *, money_decimals: int = DEFAULT_MONEY_DECIMALS) -> None:
        self.folder = folder
        #: the bounds of what is read (``CHANNEL_WORKBOOK_LIMITS`` applied)
        self.limits: Limits = current_limits()
        #: table -> how its CSV's lines are accounted for (see :class:`LineAccount`)
        self.accounts: dict[str, LineAccount] = {}
        #: table -> accepted rows removed after the read because a cell is not of its type
        #: (reported one by one, like rejected lines)
        self.unread_rows: dict[str, int] = {}
        #: places of the dataset's money, the DuckDB type of each logical column type (money:
        #: ``DECIMAL(18, money_decimals)``) and the hints of the messages: see
        #: :meth:`use_money_decimals`
        self.money_decimals = money_decimals
        self.types: dict[str, str] = duckdb_types(money_decimals)
        self.hints: dict[str, str] = type_hints(money_decimals)
        #: what the load noticed that is not a problem (a nullable column absent from a file)
        self.notes: list[str] = []
        #: what mapping.yaml says per table (empty without one)
        self.mapping: dict[str, TableMapping] = {}
        #: goals.yaml's currency, when it could be read (the sales' currency column must match)
        self.currency: str | None = None
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.problems: list[Problem] = []
        self.files: dict[str, Path] = {}
        self.loaded: set[str] = set()
        self.reject_lines: dict[str, list[int]] = {}
        #: table -> line -> {column: cell as written} of the lines the CSV reader rejected
        self.rejected_rows: dict[str, dict[int, dict[str, str]]] = {}
        #: (table, column) -> temporary table of the column's distinct values (column ``v``)
        self.distinct: dict[tuple[str, str], str] = {}
        #: Parquet tables, kept as views over their file (see
        #: :func:`~channel_lib.data.readers.parquet_files.read_parquet`)
        self.views: dict[str, ParquetView] = {}
        #: temporary folder of the CSVs made from Excel sheets, and their names -> the workbooks'
        self.scratch: tempfile.TemporaryDirectory | None = None
        self.shown_as: dict[str, str] = {}

    def use_money_decimals(self, money_decimals: int) -> None:
        """Read money with ``money_decimals`` places (goals.yaml's ``money_decimals``, 0-6)."""
        self.money_decimals = money_decimals
        self.types = duckdb_types(money_decimals)
        self.hints = type_hints(money_decimals)

    def problem(
        self, file: str, column: str, line: int | None, value: object, message: str
    ) -> None:
        """Add a problem (``value`` shown as text; ``None`` shows as empty); the value and the
        column (a header cell may be long too) are shortened by :func:`core.errors.shorten`."""
        text = shorten(value)
        self.problems.append(Problem(file, shorten(column), line, text, message))

    def line(self, table: str, rowid: int) -> int:
        """Line in the file of the accepted row ``rowid`` (rows rejected by the reader shift it)."""
        if self.files[table].suffix == ".parquet":  # row numbers; CSV and Excel: lines
            return rowid + 1
        rejected = self.reject_lines.get(table, [])
        # rows before the j-th rejected line (0-based): rejected[j] - 2 - j
        shifted = [line - 2 - j for j, line in enumerate(rejected)]
        return rowid + 2 + bisect_right(shifted, rowid)

    def report_rows(
        self,
        table: Table,
        column: str,
        sql: str,
        message: str,
        total: int | None = None,
        params: list | None = None,
    ) -> None:
        """Run ``sql`` (returning rowid, value, ordered) and report its rows, at most a page.

        ``total``: the number of rows ``sql`` returns when already counted (see
        :func:`~channel_lib.data.checks.values.check_values`), to save a scan; ``params``: the
        values of ``sql``'s ``?`` placeholders (values from a file never enter its text).
        """
        file = self.files[table.name].name
        if total is None:
            total = self.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
        if not total:
            return
        page = self.con.execute(f"{sql} LIMIT {MAX_ROWS_PER_CHECK}", params).fetchall()
        for rowid, value in page:
            self.problem(file, column, self.line(table.name, rowid), value, message)
        if total > MAX_ROWS_PER_CHECK:
            self.problem(
                file,
                column,
                None,
                "",
                f"... and {total - MAX_ROWS_PER_CHECK:,} more lines with "
                f"the same problem ({message})",
            )

    def columns(self, table: str) -> set[str]:
        """The columns of ``table`` in the connection."""
        return {r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()}

    def has_values(self, table: str, column: str) -> bool:
        """Whether ``column`` of ``table`` holds any non-empty cell."""
        return bool(
            self.con.execute(f"SELECT count({quoted(column)}) FROM {table}").fetchall()[0][0]
        )


@dataclass(frozen=True)
class LineAccount:
    """How the lines of one CSV file are accounted for: loaded + reported = records.

    Attributes
    ----------
    file : str
        The file's name (an Excel workbook's sheet: the temporary CSV's).
    records : int
        Data records counted independently of DuckDB (the header and blank lines excluded;
        see :func:`~channel_lib.data.readers.records.scan_records`).
    loaded : int
        Rows in the table after the read.
    reported : int
        Records reported as problems instead (lines the reader rejected, cells not of their
        type).
    """

    file: str
    records: int
    loaded: int
    reported: int

    @property
    def balanced(self) -> bool:
        """Whether every record is loaded or reported (``loaded + reported == records``)."""
        return self.loaded + self.reported == self.records


@dataclass
class ParquetView:
    """A Parquet table kept as a view: its file, column expressions, source types, statistics."""

    name: str
    path: Path
    #: column → expression over the file's column (the column itself, CAST or TRY_CAST)
    exprs: dict[str, str]
    #: column → its DuckDB type in the file
    source: dict[str, str]
    #: column → (rows, nulls, min, max) per row group, from the file's footer
    stats: dict[str, list[tuple[int, int | None, str | None, str | None]]]


__all__ = ["MAX_ROWS_PER_CHECK", "LineAccount", "LoadState", "ParquetView"]
