"""Load and validate a dataset folder into a typed :class:`Dataset`.

DuckDB does the reading, type checks, key and link checks over every file (the sales file may hold
tens of millions of lines), and hands pandas the small tables. Validation collects *every* problem,
each naming file, column, line and value, then raises :class:`DataValidationError` once.
Input files are only ever read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import tempfile
from bisect import bisect_right
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from channel_lib.core.calendar import FiscalCalendar
from channel_lib.core.errors import DataValidationError, Problem, near_name
from channel_lib.data.cache import DatasetCache
from channel_lib.data.contract import DUCKDB_TYPES, GOALS_FILE, NA_TOKENS, TABLES, TYPE_HINTS, Table
from channel_lib.data.excel import ExcelReadError, sheet_to_csv
from channel_lib.data.goals import Goals, read_goals

#: Rows listed per check before the rest are counted in one summary line.
MAX_ROWS_PER_CHECK = 25
#: Fewest rows per range (and thread) of the key order check.
_MIN_RANGE_ROWS = 1 << 17
#: The sales summed by month, channel, partner and product, as the loader leaves it in
#: :attr:`Dataset.sales_summary` (exact sums: decimal money, and the quantity also as a decimal
#: with 4 places for the list value, which the metrics cube multiplies by one price a product).
SALES_SUMMARY_SQL = """
    SELECT date_trunc('month', order_date) AS month, channel_id, partner_id, product_id,
           count(*) AS lines, sum(quantity) AS quantity, sum(revenue) AS revenue,
           sum(cost_of_sales) AS cost_of_sales,
           sum(CAST(quantity AS DECIMAL(18, 4))) AS quantity_4,
           -- lines breaking the sign rule (checked by the loader); CASE, not FILTER (faster)
           sum(CASE WHEN sign(quantity) * sign(revenue) < 0 THEN 1 ELSE 0 END) AS opposite_signs
    FROM sales GROUP BY ALL"""
_SALES_SUMMARY = "_sales_summary"
#: Keys of the dataset's own entries in its cache.
_TABLE_FRAME = "dataset.table"
_CHECKSUMS = "dataset.checksums"
_SUFFIXES = (".csv", ".parquet", ".xlsx")
#: separators that spreadsheets in some regions write instead of commas (header of one cell)
_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


@dataclass
class Dataset:
    """A validated dataset folder.

    Attributes
    ----------
    folder : Path
        The dataset folder (read only).
    goals : Goals
        Parsed ``goals.yaml``.
    files : dict of str to Path
        Table name → the file it was read from, for the tables present.
    con : duckdb.DuckDBPyConnection
        In-memory DuckDB holding every table, typed (``sales`` stays here; analyses aggregate it in
        SQL and receive tidy pandas frames). A table read from CSV is copied in; a table read from
        Parquet is a view over its file (typed by casts), so queries read the file itself: replace
        the file only between loads.
    """

    folder: Path
    goals: Goals
    files: dict[str, Path]
    con: duckdb.DuckDBPyConnection = field(repr=False)
    #: Temporary table in ``con`` of the sales summed by month, channel, partner and product
    #: (:data:`SALES_SUMMARY_SQL`), left by the loader's checks for the metrics cube; ``None``
    #: when the dataset did not come from :func:`load_dataset`.
    sales_summary: str | None = field(default=None, repr=False)
    #: SHA-256 of every input file when already known (a prepared dataset records the checksums
    #: it was prepared from); ``None``: :attr:`checksums` hashes the files on first use.
    known_checksums: dict[str, str] | None = field(default=None, repr=False)
    #: What is computed once for this dataset (table frames, checksums, the metrics cube, ...):
    #: see :class:`~channel_lib.data.cache.DatasetCache`. Created with the dataset, never shared
    #: (:func:`dataclasses.replace` makes a fresh one).
    cache: DatasetCache = field(default_factory=DatasetCache, init=False, repr=False, compare=False)

    # -- what is there ------------------------------------------------------------------------------
    @property
    def calendar(self) -> FiscalCalendar:
        """The fiscal calendar from ``goals.yaml``."""
        return self.goals.calendar

    def has(self, table: str) -> bool:
        """Whether the folder holds ``table`` (an optional file may be missing)."""
        return table in self.files

    @property
    def missing_optional(self) -> dict[str, tuple[str, ...]]:
        """Missing optional file → the analyses it disables."""
        return {
            f"{t.name}.csv": t.disables
            for t in TABLES.values()
            if not t.required and t.name not in self.files and t.disables
        }

    def missing_note(self, table: str) -> str:
        """A plain sentence for a report section that needs ``table`` when it is missing."""
        spec = TABLES[table]
        return (
            f"This section needs {table}.csv (or .parquet, .xlsx), which is not in the dataset "
            f"folder {self.folder}; without it the workbook cannot show: "
            f"{', '.join(spec.disables)}. Add the file (columns: "
            f"{', '.join(c.name for c in spec.columns)}) to enable it."
        )

    # -- reading --------------------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """A table as a pandas DataFrame (cached; the sales table is large — prefer :meth:`sql`)."""
        key = (_TABLE_FRAME, name)
        if key not in self.cache and name not in self.files:
            raise KeyError(f"{name} is not in the dataset; {self.missing_note(name)}")
        return self.cache.get(key, lambda: self.con.table(name).df())

    def sql(self, query: str, params: Iterable | dict | None = None) -> pd.DataFrame:
        """Run a DuckDB query over the dataset's tables and return a DataFrame."""
        return self.con.execute(query, params).df()

    @property
    def checksums(self) -> dict[str, str]:
        """SHA-256 of every input file (goals included), for caches and the report manifest.

        :attr:`known_checksums` when given, else hashed from the files once (kept in
        :attr:`cache`).
        """
        if self.known_checksums is not None:
            return self.known_checksums
        return self.cache.get(_CHECKSUMS, self._hash_inputs)

    def _hash_inputs(self) -> dict[str, str]:
        paths = [*self.files.values(), self.folder / GOALS_FILE]
        return {p.name: _sha256(p) for p in sorted(paths)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_dataset(folder: str | Path) -> Dataset:
    """Load and validate a dataset folder.

    Parameters
    ----------
    folder : str or Path
        Folder holding the contract's files (``channels.csv``, ``sales.csv`` or ``sales.parquet``,
        ``goals.yaml``, ...). It is only read.

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        With every problem found: file, column, line (1 = the CSV header; Parquet: row number),
        value and what to do.

    Examples
    --------
    >>> ds = load_dataset("tests/data/tiny")
    >>> sorted(ds.files)[:3]
    ['channel_costs', 'channels', 'customers']
    >>> ds.missing_optional
    {'partner_changes.csv': ('partner channel and tier history (partners are shown as they are now)',)}
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(
            [
                Problem(
                    str(folder),
                    "",
                    None,
                    "",
                    "dataset folder not found; pass the folder that "
                    "holds channels.csv, sales.csv, goals.yaml, ...",
                )
            ]
        )
    loader = _Loader(folder)
    return loader.run()


class _Loader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
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
        #: Parquet tables, kept as views over their file (see :meth:`_read_parquet`)
        self.views: dict[str, _ParquetView] = {}
        #: temporary folder of the CSVs made from Excel sheets, and their names -> the workbooks'
        self.scratch: tempfile.TemporaryDirectory | None = None
        self.shown_as: dict[str, str] = {}

    # -- orchestration --------------------------------------------------------------------------------
    def run(self) -> Dataset:
        try:
            return self._run()
        finally:
            if self.scratch is not None:
                self.scratch.cleanup()

    def _run(self) -> Dataset:
        goals, goal_problems = read_goals(self.folder / GOALS_FILE)
        self.problems.extend(goal_problems)
        for table in TABLES.values():
            path = self._locate(table)
            if path is None:
                continue
            self.files[table.name] = path
            if self._read(table, path):
                self.loaded.add(table.name)
                self._check_values(table)  # the key too
        for table in TABLES.values():
            if table.name in self.loaded:
                self._check_links(table)
        self._check_rules()
        if self.problems:
            self.problems = [
                replace(p, file=self.shown_as[p.file]) if p.file in self.shown_as else p
                for p in self.problems
            ]
            self.problems.sort(key=lambda p: (p.file, p.line or 0, p.column))
            raise DataValidationError(self.problems, folder=str(self.folder))
        for table in self.loaded:
            self.con.execute(f"DROP TABLE IF EXISTS rej_{table}; DROP TABLE IF EXISTS scan_{table}")
        for values in self.distinct.values():
            self.con.execute(f"DROP TABLE IF EXISTS {values}")
        for view in self.views.values():
            self._define_view(view, rowid=False)
        assert goals is not None
        return Dataset(
            folder=self.folder,
            goals=goals,
            files=self.files,
            con=self.con,
            sales_summary=_SALES_SUMMARY if "sales" in self.loaded else None,
        )

    def _locate(self, table: Table) -> Path | None:
        found = [
            self.folder / f"{table.name}{s}"
            for s in _SUFFIXES
            if (self.folder / f"{table.name}{s}").exists()
        ]
        if len(found) > 1:
            self._problem(
                found[0].name,
                "",
                None,
                "",
                f"both {found[0].name} and {found[1].name} "
                "exist; keep one so it is clear which is read",
            )
            return None
        if not found:
            if table.required:
                self._problem(
                    f"{table.name}.csv",
                    "",
                    None,
                    "",
                    f"required file is missing ({table.description}); "
                    f"add {table.name}.csv (or .parquet, .xlsx) with columns "
                    f"{', '.join(c.name for c in table.columns if c.in_file)}",
                )
            return None
        return found[0]

    def _problem(
        self, file: str, column: str, line: int | None, value: object, message: str
    ) -> None:
        text = "" if value is None else str(value)
        self.problems.append(Problem(file, column, line, text, message))

    # -- reading one file ---------------------------------------------------------------------------
    def _read(self, table: Table, path: Path) -> bool:
        if path.suffix == ".xlsx":
            path = self._excel_as_csv(path)
            if path is None:
                return False
        if path.suffix == ".csv":
            header = self._csv_header(path)
        else:
            header = [
                r[0]
                for r in self.con.execute(
                    "SELECT name FROM parquet_schema(?) WHERE name <> 'schema' AND num_children IS NULL",
                    [str(path)],
                ).fetchall()
            ]
        if header is None:
            return False
        known = {c.name: c for c in table.columns}
        missing = [c.name for c in table.columns if c.in_file and c.name not in header]
        below = (
            _header_line(path, [c.name for c in table.columns if c.in_file]) if missing else None
        )
        if below:  # a title or notes above the table (spreadsheets and some exports write one)
            self._problem(
                path.name, "", 1, header[0] if header else "",
                f"the column names are on line {below}, not line 1; delete the "
                f"{below - 1} line{'s' if below > 2 else ''} above them",
            )  # fmt: skip
            return False
        other = [n for d, n in _OTHER_DELIMITERS.items() if len(header) == 1 and d in header[0]]
        if other:
            self._problem(
                path.name, "", 1, header[0],
                f"cells are separated by {other[0]}, not commas; save the file as "
                "comma-separated CSV (a spreadsheet's 'CSV UTF-8 (comma delimited)')",
            )  # fmt: skip
            return False
        for name in missing:
            near = near_name(name, [h for h in header if h not in known])
            self._problem(
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
                self._problem(
                    path.name,
                    name,
                    1,
                    name,
                    "column appears twice in the header; rename or drop one",
                )
            seen.add(name)
        if missing or len(seen) != len(header):
            return False
        if path.suffix == ".csv":
            types = {
                name: DUCKDB_TYPES[known[name].type] if name in known else "VARCHAR"
                for name in header
            }
            # fixed-precision columns (money, whole numbers) are read as DOUBLE and cast after a
            # check that the cast keeps the value: DuckDB's own DECIMAL and BIGINT readers round
            # '1.234' to 1.23 and '2.5' to 3 silently (see _exact_flag)
            scaled = [name for name in header if _scale(types[name]) is not None]
            flags = _flag_names(scaled, header)
            select = "*"
            if scaled:
                select = (
                    "* REPLACE ("
                    + ", ".join(f"TRY_CAST({_q(n)} AS {types[n]}) AS {_q(n)}" for n in scaled)
                    + "), "
                    + ", ".join(f"{_exact_flag(n, types[n])} AS {flags[n]}" for n in scaled)
                )
            read_types = {n: "DOUBLE" if n in scaled else t for n, t in types.items()}
            self.con.execute(
                f"CREATE TABLE {table.name} AS SELECT {select} FROM read_csv(?, columns = ?, "
                "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                f"nullstr = '', store_rejects = true, rejects_table = 'rej_{table.name}', "
                f"rejects_scan = 'scan_{table.name}')",
                [str(path), read_types],
            )
            self._report_rejects(table, path, header, {n: _scale(types[n]) or 0 for n in scaled})
            if scaled:
                self._check_decimals(table, path, header, {n: types[n] for n in scaled}, flags)
        else:
            self._read_parquet(table, path, header)
        for c in table.columns:
            if not c.in_file and c.name not in header:
                if table.name in self.views:
                    view = self.views[table.name]
                    view.exprs[c.name] = f"CAST(NULL AS {DUCKDB_TYPES[c.type]})"
                    self._define_view(view)
                else:
                    self.con.execute(
                        f"ALTER TABLE {table.name} ADD COLUMN {c.name} {DUCKDB_TYPES[c.type]}"
                    )
        return True

    def _excel_as_csv(self, path: Path) -> Path | None:
        """The first sheet of an ``.xlsx`` file as a temporary CSV named like the table's CSV.

        Its lines are the sheet's rows, so the checks name the rows a spreadsheet shows; problems
        are reported under the workbook's name (see :meth:`run`).
        """
        if self.scratch is None:
            self.scratch = tempfile.TemporaryDirectory(prefix="channel-workbook-")
        target = Path(self.scratch.name) / f"{path.stem}.csv"
        try:
            sheet_to_csv(path, target)
        except ExcelReadError as exc:
            self._problem(path.name, "", None, "", str(exc))
            return None
        self.shown_as[target.name] = path.name
        return target

    def _csv_header(self, path: Path) -> list[str] | None:
        # only the header line is decoded here: DuckDB's reader names any later line not in UTF-8
        with path.open("rb") as f:
            first = f.readline()
        try:
            header = next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")]), None)
        except UnicodeDecodeError as exc:
            self._problem(
                path.name, "", 1, "", f"not UTF-8 text ({exc.reason}); save the file as UTF-8 CSV"
            )
            return None
        if not header:
            self._problem(path.name, "", 1, "", "file is empty; it needs at least a header line")
            return None
        return [h.strip() for h in header]

    def _read_parquet(self, table: Table, path: Path, header: list[str]) -> None:
        """Define the table as a view over the Parquet file instead of copying it.

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
            for r in self.con.execute(
                "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
            ).fetchall()
        }
        # the absolute path: the view is read again later, maybe from another working directory
        view = _ParquetView(table.name, path.resolve(), {}, {}, _parquet_stats(self.con, path))
        self.views[table.name] = view
        unsafe = []
        for name in header:
            target = DUCKDB_TYPES[known[name].type] if name in known else None
            if target is None or source.get(name, "").upper() == target:
                view.exprs[name] = _q(name)
            elif _cast_cannot_fail(source.get(name, ""), target):
                view.exprs[name] = f"CAST({_q(name)} AS {target})"
            else:
                view.exprs[name] = f"TRY_CAST({_q(name)} AS {target})"
                unsafe.append((name, target))
            view.source[name] = source.get(name, "")
        self._define_view(view)
        self.reject_lines[table.name] = []
        scan = f"read_parquet({sql_literal(str(path))}, file_row_number = true)"
        for name, target in unsafe:
            col = _q(name)
            cast = f"TRY_CAST({col} AS {target})"
            failed = f"FROM {scan} WHERE {col} IS NOT NULL AND ({cast} IS NULL"
            if _scale(target) is not None:
                # the cast must keep the value: a double, a decimal with more places or a text
                # is compared with what the cast made of it (exactly: the decimal is compared as
                # the file's double, or in decimal); a text is read as a wide DECIMAL for that
                exact = col if _NUMERIC.match(view.source[name].upper()) else (
                    f"TRY_CAST({col} AS {_wide(target)})"
                )  # fmt: skip
                failed += f" OR {cast} IS DISTINCT FROM {exact}"
            failed += ")"
            total = self.con.execute(f"SELECT count(*) {failed}").fetchall()[0][0]
            rows = self.con.execute(
                f"SELECT file_row_number, CAST({col} AS VARCHAR) {failed} "
                f"ORDER BY 1 LIMIT {MAX_ROWS_PER_CHECK}"
            ).fetchall()
            scale = _scale(target)
            self._report_numbers(
                table, path.name, name,
                [(rowid + 1, value, None if scale is None else _excess_decimals(value, scale))
                 for rowid, value in rows],
                total - len(rows),
            )  # fmt: skip

    def _define_view(self, view: _ParquetView, *, rowid: bool = True) -> None:
        """(Re)define a Parquet table's view; ``rowid``: with the file's row number as ``rowid``."""
        columns = ", ".join(f"{expr} AS {_q(name)}" for name, expr in view.exprs.items())
        self.con.execute(
            f"CREATE OR REPLACE VIEW {view.name} AS SELECT "
            + ("file_row_number AS rowid, " if rowid else "")
            + f"{columns} FROM read_parquet({sql_literal(str(view.path))}"
            + (", file_row_number = true)" if rowid else ")")
        )

    def _check_decimals(
        self,
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
        counts = self.con.execute(
            "SELECT "
            + ", ".join(f"count_if({f} = 1), count_if({f} = 2)" for f in flags.values())
            + f" FROM {name}"
        ).fetchall()[0]
        found: dict[str, list[int]] = {}  # column -> rowids to look at
        for i, (column, flag) in enumerate(flags.items()):
            if counts[2 * i] or counts[2 * i + 1]:
                found[column] = [
                    r for (r,) in self.con.execute(
                        f"SELECT rowid FROM {name} WHERE {flag} = 2 UNION ALL "
                        f"(SELECT rowid FROM {name} WHERE {flag} = 1 ORDER BY rowid "
                        f"LIMIT {MAX_ROWS_PER_CHECK})"
                    ).fetchall()
                ]  # fmt: skip
        unread: list[int] = []
        if found:
            lines = {r: self._line(name, r) for rows in found.values() for r in rows}
            cells = _csv_cells(path, set(lines.values()))
            for column, rows in found.items():
                index, target = header.index(column), types[column]
                scale = _scale(target) or 0
                values = []
                for r in rows:
                    record = cells.get(lines[r], [])
                    values.append(record[index] if index < len(record) else "")
                kinds = [_excess_decimals(v, scale) for v in values]
                # what DuckDB's decimal reader makes of each cell (NULL: not a value of the type)
                frame = pd.DataFrame({"r": rows, "v": values})
                self.con.register("_cells", frame)
                try:
                    held = [
                        h for (h,) in self.con.execute(
                            f"SELECT TRY_CAST(v AS {target}) IS NOT NULL FROM _cells"
                        ).fetchall()
                    ]  # fmt: skip
                    exact = [k is False and h for k, h in zip(kinds, held, strict=True)]
                    if any(exact):  # large numbers the type holds: stored as the reader reads them
                        self.con.unregister("_cells")
                        self.con.register("_cells", frame[exact])
                        self.con.execute(
                            f"UPDATE {name} SET {_q(column)} = f.v FROM (SELECT r, "
                            f"TRY_CAST(v AS {target}) AS v FROM _cells) f WHERE {name}.rowid = f.r"
                        )
                finally:
                    self.con.unregister("_cells")
                bad = [
                    (lines[r], v, k)
                    for r, v, k, e in zip(rows, values, kinds, exact, strict=True)
                    if not e
                ]
                # not a value of the type: like a line the reader rejects, it leaves the table
                # (no knock-on empty cell; the rowids, and so the lines, of later rows stay)
                unread += [r for r, h in zip(rows, held, strict=True) if not h]
                excess = counts[2 * list(flags).index(column)]
                self._report_numbers(table, file, column, bad, max(0, excess - MAX_ROWS_PER_CHECK))
        if unread:
            self.con.execute(f"DELETE FROM {name} WHERE rowid IN ({', '.join(map(str, unread))})")
        self.con.execute("; ".join(f"ALTER TABLE {name} DROP COLUMN {f}" for f in flags.values()))

    def _report_numbers(
        self,
        table: Table,
        file: str,
        column: str,
        bad: list[tuple[int, str, bool | None]],
        more: int = 0,
    ) -> None:
        """Report cells of a fixed-precision column that do not hold a value of its type exactly.

        ``bad``: (line, value as written, :func:`_excess_decimals` of it); ``more``: further such
        cells not listed.
        """
        spec = table.column(column)
        scale = _scale(DUCKDB_TYPES[spec.type]) or 0
        bad = sorted(bad)
        more += max(0, len(bad) - MAX_ROWS_PER_CHECK)
        for line, value, excess in bad[:MAX_ROWS_PER_CHECK]:
            if excess:
                self._problem(file, column, line, value, _excess_message(spec.type, scale))
            else:
                self._bad_value(table, file, column, line, value)
        if more > 0:
            self._problem(
                file, column, None, "",
                f"... and {more:,} more lines with the same problem (not {TYPE_HINTS[spec.type]})",
            )  # fmt: skip

    def _report_rejects(
        self, table: Table, path: Path, header: list[str], scales: dict[str, int] | None = None
    ) -> None:
        """Report the lines the CSV reader rejected (``scales``: fixed-precision column → decimals).

        A rejected line is not in the table, so no later check sees it: its fixed-precision cells
        that the reader did accept are checked for decimals here, so that they are reported with
        the rest at once.
        """
        rows = self.con.execute(
            f"SELECT line, column_name, error_type, csv_line, error_message FROM rej_{table.name} ORDER BY line"
        ).fetchall()
        self.reject_lines[table.name] = sorted({r[0] for r in rows})
        cells_of = {line: _record_cells(text) for line, _, _, text, _ in rows}  # as written
        self.rejected_rows[table.name] = {
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
                self._bad_value(table, path.name, column, line, value)
            else:
                self._problem(
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
                    if _excess_decimals(cells[index], scale):
                        kind = table.column(column).type
                        self._problem(
                            path.name, column, line, cells[index], _excess_message(kind, scale)
                        )

    def _bad_value(self, table: Table, file: str, column: str, line: int, value: str) -> None:
        spec = table.column(column)
        if value.strip() in NA_TOKENS:
            self._problem(
                file,
                column,
                line,
                value,
                f"literal missing-value marker in a {spec.type} column; "
                f"write {TYPE_HINTS[spec.type]}"
                + (" or leave the cell empty" if spec.nullable else ""),
            )
        else:
            self._problem(file, column, line, value, f"not {TYPE_HINTS[spec.type]}")

    # -- checks over a loaded table ------------------------------------------------------------------
    def _line(self, table: str, rowid: int) -> int:
        """Line in the file of the accepted row ``rowid`` (rows rejected by the reader shift it)."""
        if self.files[table].suffix == ".parquet":  # row numbers; CSV and Excel: lines
            return rowid + 1
        rejected = self.reject_lines.get(table, [])
        # rows before the j-th rejected line (0-based): rejected[j] - 2 - j
        shifted = [line - 2 - j for j, line in enumerate(rejected)]
        return rowid + 2 + bisect_right(shifted, rowid)

    def _report_rows(
        self, table: Table, column: str, sql: str, message: str, total: int | None = None
    ) -> None:
        """Run ``sql`` (returning rowid, value, ordered) and report its rows, at most a page.

        ``total``: the number of rows ``sql`` returns when already counted (see
        :meth:`_run_checks`), to save a scan.
        """
        file = self.files[table.name].name
        if total is None:
            total = self.con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
        if not total:
            return
        for rowid, value in self.con.execute(f"{sql} LIMIT {MAX_ROWS_PER_CHECK}").fetchall():
            self._problem(file, column, self._line(table.name, rowid), value, message)
        if total > MAX_ROWS_PER_CHECK:
            self._problem(
                file,
                column,
                None,
                "",
                f"... and {total - MAX_ROWS_PER_CHECK:,} more lines with "
                f"the same problem ({message})",
            )

    def _check_values(self, table: Table) -> None:
        """Value checks of every column and the key, counted in one scan of the table.

        Each check is a condition; one statement counts the rows meeting each, and only the checks
        that found rows run again to list them (line and value). On a Parquet file, a check that
        the file's statistics prove clean (no empty cell, no value below the minimum, no value
        that could be a missing-value marker: see :func:`_stats_prove`) is not counted at all.
        The key is proven unique by its order when the lines are sorted by it, else by a hash
        (distinct hashes prove distinct keys); only when the hash count says there may be
        duplicates does the exact, listing query run.
        """
        name = table.name
        na_list = ", ".join(f"'{t}'" for t in NA_TOKENS)
        longest_token = max(len(t) for t in NA_TOKENS)
        # column, condition, value shown, message, what statistics would have to prove
        checks: list[tuple[str, str, str, str, tuple]] = []
        months: list[tuple[str, str]] = []
        na_on_distinct: list = []
        columns = self._columns(name)
        summarised: set[str] = set()
        if name == "sales":
            # one scan sums the sales by month, channel, partner and product: the link checks
            # of those ids and the sign rule read the summary's few rows, and the metrics cube
            # starts from it (each would otherwise scan the sales again)
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_SALES_SUMMARY} AS {SALES_SUMMARY_SQL}"
            )
            summarised = {"channel_id", "partner_id", "product_id"}
        for c in table.columns:
            col = _q(c.name)
            if not c.nullable and (c.in_file or c.name in columns) and c.name != "line_number":
                checks.append(
                    (c.name, f"{col} IS NULL", "''",
                     f"empty cell in a required column; write {TYPE_HINTS[c.type]}", ("null",))
                )  # fmt: skip
            if c.references:
                self._distinct_values(
                    name, c.name, _SALES_SUMMARY if c.name in summarised else name
                )
            if c.references and not c.nullable and not c.na_is_value:
                na_on_distinct.append(c)  # checked on the column's distinct values, below
            elif DUCKDB_TYPES[c.type] == "VARCHAR" and not c.nullable and not c.na_is_value:
                # trim() only removes spaces: a cell that trims to a token is short or starts or
                # ends with a space, which is cheap to test before trimming every cell
                checks.append(
                    (c.name,
                     f"(strlen({col}) <= {longest_token} OR starts_with({col}, ' ') OR "
                     f"ends_with({col}, ' ')) AND trim({col}) IN ({na_list})",
                     col,
                     f"literal missing-value marker in a required column; write {TYPE_HINTS[c.type]}",
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
                     col, f"not {TYPE_HINTS['quarter']}", ())
                )  # fmt: skip
            if c.type == "month":
                parsed = f"TRY_CAST(CASE WHEN length({col}) = 7 THEN {col} || '-01' ELSE {col} END AS DATE)"
                checks.append(
                    (c.name, f"{col} IS NOT NULL AND ({parsed} IS NULL OR day({parsed}) <> 1)", col,
                     f"not {TYPE_HINTS['month']}", ())
                )  # fmt: skip
                months.append((c.name, parsed))
        # the key of a table with a month column is checked after the month is a date; a small
        # table's key is hashed at once (one statement instead of the order check's five)
        rows = self.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        in_order = not months and rows >= _MIN_RANGE_ROWS and self._key_in_order(table)
        view = self.views.get(name)
        proven = {(c, "marker") for c in self._sorted_clean(table)} if in_order else set()
        unproven = [
            i
            for i, (column, *_, proof) in enumerate(checks)
            if not (
                proof
                and ((column, proof[0]) in proven
                     or (view is not None and _stats_prove(view, column, *proof)))
            )
        ]  # fmt: skip
        key_hash = None if months or in_order else self._key_hash(table)
        found = self._count(name, [checks[i][1] for i in unproven], key_hash)
        counts = [0] * len(checks)
        for i, total in zip(unproven, found, strict=False):
            counts[i] = total
        for (column, cond, value, message, _), total in zip(checks, counts, strict=True):
            if total:
                self._report_rows(
                    table, column,
                    f"SELECT rowid, {value} FROM {name} WHERE {cond} ORDER BY rowid", message, total,
                )  # fmt: skip
        for c in na_on_distinct:
            col, values = _q(c.name), self.distinct[(name, c.name)]
            if self.con.execute(
                f"SELECT count(*) FROM {values} WHERE trim(v) IN ({na_list})"
            ).fetchall()[0][0]:
                self._report_rows(
                    table, c.name,
                    f"SELECT rowid, {col} FROM {name} WHERE trim({col}) IN ({na_list}) ORDER BY rowid",
                    f"literal missing-value marker in a required column; write {TYPE_HINTS[c.type]}",
                )  # fmt: skip
        for column, parsed in months:
            if view is not None:
                view.exprs[column] = parsed.replace(_q(column), f"({view.exprs[column]})")
                self._define_view(view)
            else:
                self.con.execute(f"ALTER TABLE {name} ALTER {_q(column)} TYPE DATE USING {parsed}")
        if months or (key_hash is not None and found[-1]):
            self._check_key(table)

    def _count(self, name: str, conditions: list[str], key_hash: str | None) -> list[int]:
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
            for i, n in self.con.execute(" UNION ALL ".join(parts)).fetchall():
                counts[i] = n
        if key_hash is not None:
            counts.append(
                self.con.execute(
                    f"SELECT count(*) - count(DISTINCT {key_hash}) FROM {name}"
                ).fetchall()[0][0]
            )
        return counts

    def _distinct_values(self, table: str, column: str, source: str | None = None) -> str:
        """A temporary table ``v`` of the distinct values of a column that names another table.

        Id columns of the sales table hold few distinct values in millions of lines; the
        missing-value-marker and link checks run on these, and list lines only when they fail.
        (One ``GROUPING SETS`` scan for all of them measured no faster than one scan each.)
        """
        name = f"_distinct_{table}_{column}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_q(name)} AS "
            f"SELECT DISTINCT {_q(column)} AS v FROM {source or table}"
        )
        self.distinct[(table, column)] = _q(name)
        return _q(name)

    def _key(self, table: Table) -> list[str]:
        if table.name == "sales" and not self._has_values("sales", "line_number"):
            return ["order_id"]
        return list(table.key)

    def _key_in_order(self, table: Table) -> bool:
        """Whether every line's key is strictly greater than the previous line's (so all differ).

        Exports are usually sorted by order number and line: comparing each line with the one
        before it (``lag`` over the table in its order: DuckDB runs an ``OVER ()`` window as one
        ordered stream) proves the key unique for about a quarter of the cost of hashing every
        key. One stream runs on one thread, so a large table is cut into a range of rows per
        thread, each range starting at the last row of the one before (that row is its first
        line's ``lag``): the ranges together compare every line with the one before it. Any other
        order (or an empty key cell) answers False, and the hash check decides.
        """
        key = self._key(table)
        n = self.con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
        if n < 2:
            return True
        greater = "false"
        for k in reversed(key):  # lexicographic: k1 > p1 OR (k1 = p1 AND (...))
            a, b = _q("_prev_" + k), _q(k)
            greater = f"({b} > {a} OR ({b} = {a} AND {greater}))"
        cols = ", ".join(_q(k) for k in key)
        previous = ", ".join(f"lag({_q(k)}) OVER () AS {_q('_prev_' + k)}" for k in key)
        threads = int(self.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        parts = max(1, min(threads, n // _MIN_RANGE_ROWS))
        cuts = [n * i // parts for i in range(parts + 1)]
        queries = [
            f"SELECT count(*) FROM (SELECT {cols}, {previous} FROM {table.name} "
            f"WHERE rowid >= {max(lo - 1, 0)} AND rowid < {hi}) WHERE {greater}"
            for lo, hi in itertools.pairwise(cuts)
        ]
        return sum(found for (found,) in self._parallel(queries)) == n - 1

    def _parallel(self, queries: list[str]) -> list[tuple]:
        """The first row of each query, the queries run at once (each on its own cursor)."""
        if len(queries) == 1:
            return [self.con.execute(queries[0]).fetchall()[0]]

        def run(query: str) -> tuple:
            cursor = self.con.cursor()
            try:
                return cursor.execute(query).fetchall()[0]
            finally:
                cursor.close()

        with ThreadPoolExecutor(max_workers=len(queries)) as pool:
            return list(pool.map(run, queries))

    def _sorted_clean(self, table: Table) -> list[str]:
        """The first key column when the rows are sorted by the key: free of missing-value markers?

        Sorted by the key, the first key column's values run from the first row's to the last
        row's, so all start with their common prefix; when that prefix rules out every marker
        (:func:`_prefix_rules_out_markers`), the column needs no scan. Returns ``[column]`` when
        proven, else ``[]``.
        """
        column = _q(self._key(table)[0])
        n = self.con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
        if n == 0:
            return [self._key(table)[0]]
        ends = self.con.execute(
            f"SELECT CAST({column} AS VARCHAR) FROM {table.name} WHERE rowid IN (0, {n - 1}) "
            "ORDER BY rowid"
        ).fetchall()
        values = [v for (v,) in ends]
        if len(values) != (1 if n == 1 else 2) or any(v is None for v in values):
            return []
        return [self._key(table)[0]] if _prefix_rules_out_markers(values[0], values[-1]) else []

    def _key_hash(self, table: Table) -> str:
        return f"hash({', '.join(_q(k) for k in self._key(table))})"

    def _columns(self, table: str) -> set[str]:
        return {r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()}

    def _check_key(self, table: Table) -> None:
        key = self._key(table)
        cols = ", ".join(_q(k) for k in key)
        hint = (
            "each order line must appear once; number the lines of an order in line_number"
            if table.name == "sales"
            else f"each {' + '.join(key)} must appear once"
        )
        sql = (
            f"SELECT rowid, concat_ws(' / ', {', '.join(f'CAST({_q(k)} AS VARCHAR)' for k in key)}) FROM "
            f"(SELECT rowid, {cols}, row_number() OVER (PARTITION BY {cols} ORDER BY rowid) AS n FROM {table.name}) "
            f"WHERE n > 1 ORDER BY rowid"
        )
        self._report_rows(table, "+".join(key), sql, f"duplicate key ({hint})")

    def _has_values(self, table: str, column: str) -> bool:
        return bool(self.con.execute(f"SELECT count({_q(column)}) FROM {table}").fetchall()[0][0])

    def _check_links(self, table: Table) -> None:
        for c in table.columns:
            if not c.references:
                continue
            target, target_col = c.references.split(".")
            if target not in self.loaded:
                if target in self.files or not self._has_values(table.name, c.name):
                    continue  # the target file failed to load (reported already) or nothing to link
                self._problem(
                    self.files[table.name].name,
                    c.name,
                    None,
                    "",
                    f"names {target} but {target}.csv is missing; add {target}.csv",
                )
                continue
            # ids written on lines of the target that could not be read are not called unknown
            # (that line is reported already); one note counts the lines naming them
            unread = sorted(
                {r.get(target_col, "") for r in self.rejected_rows.get(target, {}).values()}
            )
            unread_sql = ", ".join(map(sql_literal, unread))
            values = self.distinct.get((table.name, c.name))
            if (
                values is None
                or self.con.execute(
                    f"SELECT count(*) FROM {values} s ANTI JOIN {target} t "
                    f"ON s.v = t.{_q(target_col)} WHERE s.v IS NOT NULL"
                    + (f" AND s.v NOT IN ({unread_sql})" if unread else "")
                ).fetchall()[0][0]
            ):
                sql = (
                    f"SELECT s.rowid, s.{_q(c.name)} FROM {table.name} s ANTI JOIN {target} t "
                    f"ON s.{_q(c.name)} = t.{_q(target_col)} WHERE s.{_q(c.name)} IS NOT NULL"
                    + (f" AND s.{_q(c.name)} NOT IN ({unread_sql})" if unread else "")
                    + " ORDER BY s.rowid"
                )
                self._report_rows(
                    table, c.name, sql,
                    f"unknown {target_col}: not in {self.files[target].name}; "
                    "add it there or correct the id",
                )  # fmt: skip
            self._check_rejected_links(table, c.name, target, target_col, unread)
            if unread:
                col = _q(c.name)
                named = self.con.execute(
                    f"SELECT count(*), list(DISTINCT {col} ORDER BY {col}) FROM {table.name} "
                    f"WHERE {col} IN ({unread_sql})"
                ).fetchall()[0]
                if named[0]:
                    self._problem(
                        self.files[table.name].name, c.name, None, ", ".join(named[1]),
                        f"{named[0]:,} lines name a {target_col} written on a line of "
                        f"{self.files[target].name} that could not be read (above); they are "
                        "checked once that line is fixed",
                    )  # fmt: skip

    def _check_rejected_links(
        self, table: Table, column: str, target: str, target_col: str, unread: list[str]
    ) -> None:
        """Link check of the ids on this table's lines that the reader rejected for another cell.

        Those lines are not in the table, so the SQL check above does not see them; their few ids
        are looked up here, so that an unknown id on such a line is reported with the rest at once.
        """
        lines = {
            line: row[column]
            for line, row in self.rejected_rows.get(table.name, {}).items()
            if row.get(column) and row[column] not in NA_TOKENS and row[column] not in unread
        }
        if not lines:
            return
        ids = sorted(set(lines.values()))
        known = {
            v for (v,) in self.con.execute(
                f"SELECT {_q(target_col)} FROM {target} "
                f"WHERE {_q(target_col)} IN ({', '.join(map(sql_literal, ids))})"
            ).fetchall()
        }  # fmt: skip
        for line, value in sorted(lines.items()):
            if value not in known:
                self._problem(
                    self.files[table.name].name, column, line, value,
                    f"unknown {target_col}: not in {self.files[target].name}; "
                    "add it there or correct the id",
                )  # fmt: skip

    def _check_rules(self) -> None:
        """Rules that span columns of one table."""
        if "sales" in self.loaded:
            self._report_rows(
                TABLES["sales"],
                "quantity",
                "SELECT rowid, quantity || ' / ' || revenue FROM sales "
                "WHERE sign(quantity) * sign(revenue) < 0 ORDER BY rowid",
                "quantity and revenue have opposite signs; a credit note has both negative",
                self.con.execute(
                    f"SELECT CAST(coalesce(sum(opposite_signs), 0) AS BIGINT) FROM {_SALES_SUMMARY}"
                ).fetchall()[0][0],
            )
        if "opportunities" in self.loaded:
            self._report_rows(
                TABLES["opportunities"],
                "close_date",
                "SELECT rowid, outcome FROM opportunities "
                "WHERE outcome IN ('won', 'lost') AND close_date IS NULL ORDER BY rowid",
                "a won or lost deal needs its close_date",
            )
        if "partner_changes" in self.loaded and "channels" in self.loaded:
            self._report_rows(
                TABLES["partner_changes"],
                "new_value",
                "SELECT p.rowid, p.new_value FROM partner_changes p "
                "ANTI JOIN channels c ON p.new_value = c.channel_id WHERE p.field = 'channel_id' ORDER BY p.rowid",
                "unknown channel_id: not in channels; a channel change must name an existing channel",
            )


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def _cast_cannot_fail(source: str, target: str) -> bool:
    """Whether CAST from DuckDB type ``source`` to ``target`` can never fail (conservative).

    Then TRY_CAST gives the same values as CAST, and a Parquet column needs no check.
    """
    source = source.upper()
    if target == "VARCHAR" or source == target:
        return True
    if target == "BIGINT":
        return source in _INTEGERS
    if target == "DOUBLE":
        return source in (*_INTEGERS, "FLOAT")
    m, t = _DECIMAL.match(source), _DECIMAL.match(target)
    if m and t:
        (p, s), (tp, ts) = map(int, m.groups()), map(int, t.groups())
        return s <= ts and p - s <= tp - ts
    if t:
        digits = {"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "UTINYINT": 3, "USMALLINT": 5}
        return source in digits and digits[source] <= int(t.group(1)) - int(t.group(2))
    return False


def _scale(duckdb_type: str) -> int | None:
    """Decimals a fixed-precision DuckDB type holds (BIGINT: 0); None for any other type."""
    m = _DECIMAL.match(duckdb_type.upper())
    if m:
        return int(m.group(2))
    return 0 if duckdb_type.upper() in (*_INTEGERS, "UBIGINT") else None


def _wide(duckdb_type: str) -> str:
    """A DECIMAL with the integer digits of a fixed-precision type and the most decimals.

    It reads text exactly up to 38 digits: only digits beyond the 22nd decimal of an amount
    (DECIMAL(18,2): 16 integer digits) are rounded, which no program writing numbers produces.
    """
    m = _DECIMAL.match(duckdb_type.upper())
    digits = int(m.group(1)) - int(m.group(2)) if m else 19  # BIGINT: 19 digits
    return f"DECIMAL(38,{38 - digits})"


def _exact_flag(column: str, target: str) -> str:
    """SQL flag of a CSV cell read as DOUBLE: whether its type ``target`` holds it exactly.

    0: yes, or empty; 1: no, it has more decimals than ``target`` allows; 2: not proven.
    A double tells apart every two numbers of up to 15 significant digits, and the cast to
    ``target`` rounds to the nearest value of that type. Below 10^(14 - decimals) (money: 10^12,
    whole numbers: 10^14) a value with the allowed decimals has at most 15 digits, so its double
    casts back to it, and so does the first decimal too many: the double equals its cast exactly
    when the cell had no more decimals than allowed, and the cast then gives what DuckDB's decimal
    reader gives. A larger number, NaN or infinity is 2: the loader decides from the cell itself.
    Still rounded unseen: a cell whose first non-zero digit after the allowed decimals comes after
    its 15th significant digit (1.230000000000000001 loads as 1.23). A double does not carry such
    digits, so no program printing doubles writes them, and DuckDB's own reader rounded them too.
    """
    col, scale = _q(column), _scale(target) or 0
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


def _excess_decimals(text: str, scale: int) -> bool | None:
    """Whether the number written in ``text`` has a non-zero digit beyond ``scale`` decimals.

    None when ``text`` is not a finite number. Exact (decimal arithmetic on the text).

    Examples
    --------
    >>> [_excess_decimals(t, 2) for t in ("1.234", "1.230", "-0.05", "1e2", "1.2345e1", "x")]
    [True, False, False, False, True, None]
    >>> _excess_decimals("2.5", 0), _excess_decimals(" 3.0 ", 0)
    (True, False)
    """
    try:
        number = Decimal(text.strip())
    except ArithmeticError:  # InvalidOperation
        return None
    if not number.is_finite():
        return None
    _, digits, exponent = number.as_tuple()
    beyond = -int(exponent) - scale  # digits written after the allowed decimals
    return beyond > 0 and any(digits[-beyond:])


def _excess_message(kind: str, scale: int) -> str:
    """The problem of a value with more decimals than its column allows."""
    if scale == 0:
        return (
            "not a whole number (it has decimals); the loader does not round: "
            "correct the value in the file"
        )
    return f"more than {scale} decimals; the loader does not round: write {TYPE_HINTS[kind]}"


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


def _header_line(path: Path, names: list[str], within: int = 10) -> int | None:
    """The line (2 or later, within the first ``within``) of a CSV that holds all ``names``.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("Sales export,,\\n,,\\norder_id,line_number,x\\n1,1,a\\n")
    >>> _header_line(f, ["order_id", "line_number"]), _header_line(f, ["revenue"])
    (3, None)
    """
    if path.suffix != ".csv":
        return None
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        for number, record in enumerate(itertools.islice(csv.reader(f), within), 1):
            if number > 1 and set(names) <= {cell.strip() for cell in record}:
                return number
    return None


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


def _q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class _ParquetView:
    """A Parquet table kept as a view: its file, column expressions, source types, statistics."""

    name: str
    path: Path
    #: column → expression over the file's column (the column itself, CAST or TRY_CAST)
    exprs: dict[str, str]
    #: column → its DuckDB type in the file
    source: dict[str, str]
    #: column → (rows, nulls, min, max) per row group, from the file's footer
    stats: dict[str, list[tuple[int, int | None, str | None, str | None]]]


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


_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
                      r"FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$")  # fmt: skip


def _stats_prove(view: _ParquetView, column: str, kind: str, *args: float) -> bool:
    """Whether the Parquet statistics prove that no row of ``column`` fails check ``kind``.

    ``"null"``: every row group counts 0 nulls. ``"minimum"``: every row group's smallest value is
    at least ``args[0]``. ``"marker"``: no value can trim to a missing-value marker — every value
    of a row group lies between its min and max, so it starts with their common prefix; a prefix
    that does not start with a space and that no marker (followed by spaces) starts with rules
    every marker out. Only columns read as they are or by a cast that cannot fail are proven,
    and a row group without statistics proves nothing (the check then scans the column).
    """
    expr = view.exprs.get(column, "")
    if expr.startswith("CAST(NULL"):  # an optional column absent from the file: all empty
        return kind != "null"
    if expr.startswith("TRY_CAST") or column not in view.stats:
        return False
    source = view.source.get(column, "").upper()
    for rows, nulls, low, high in view.stats[column]:
        if kind == "null":
            if nulls != 0:
                return False
            continue
        if nulls is not None and nulls == rows:
            continue  # no value in this row group
        if low is None or high is None:
            return False
        if kind == "minimum":
            if not _NUMERIC.match(source):
                return False
            try:  # exact: a float would round 0.99999999999999999 up to 1
                if not Decimal(low) >= Decimal(str(args[0])):
                    return False
            except (ArithmeticError, ValueError):  # InvalidOperation: text or NaN
                return False
        elif kind == "marker":
            if source != "VARCHAR" or not _prefix_rules_out_markers(low, high):
                return False
        else:
            return False
    return True


def _prefix_rules_out_markers(low: str, high: str) -> bool:
    """Whether no text between ``low`` and ``high`` (byte order) can trim to a missing-value marker.

    Every text between two bounds starts with their common prefix. If that prefix does not start
    with a space, a text that trims to a marker must be the marker followed by spaces; the prefix
    rules the marker out when such a text cannot start with it.

    Examples
    --------
    >>> _prefix_rules_out_markers("SO00000001", "SO06688327")
    True
    >>> _prefix_rules_out_markers("N001", "N999")  # "N" could begin "NA" or "NULL"
    False
    """
    shorter = min(len(low), len(high))
    same = next((i for i in range(shorter) if low[i] != high[i]), shorter)
    prefix = low[:same]
    # printable ASCII only: a bound shown with escapes (bytes that are not UTF-8) must not pass
    # for a prefix of the data
    if not prefix or not prefix.isascii() or not prefix.isprintable() or "\\" in prefix:
        return False
    return prefix[0] != " " and not any(
        (t + " " * len(prefix)).startswith(prefix) for t in NA_TOKENS
    )


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (single quotes doubled).

    Examples
    --------
    >>> sql_literal("O'Brien")
    "'O''Brien'"
    """
    return "'" + text.replace("'", "''") + "'"
