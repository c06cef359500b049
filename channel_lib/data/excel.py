"""Excel workbooks (``.xlsx``) as the loader's CSV: the first sheet, written out row for row.

The loader validates CSV with DuckDB's typed reader. An ``.xlsx`` file of the dataset is turned
into a temporary CSV (never in the dataset folder) that keeps the sheet's row numbers as line
numbers — row 1 is the header — so every problem names the row a spreadsheet user sees. Cells
are written as their text would be typed: dates as ``YYYY-MM-DD`` (with a time of day when the
cell has one), whole numbers without ``.0``, other numbers as Excel shows them (15 significant
digits, ``12.34``), booleans as ``true``/``false``. Nothing is dropped except the empty rows and
columns after the last value (a sheet's formatting often reaches further than its data); an
empty row between data rows stays, and the loader names its empty cells.

The sheet is read with python-calamine (Rust's calamine): ~140,000 rows a second, so the sample's
100,000 sales lines take 0.7 s (openpyxl took 8 s); a sales table of millions of lines is still
better exported as CSV or Parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ExcelReadError", "cell_text", "sheet_to_csv"]


class ExcelReadError(Exception):
    """The file is not a readable ``.xlsx`` workbook (the message says why and what to do)."""


def cell_text(value: object) -> str:
    """A cell value as the text a CSV of the sheet would hold.

    Parameters
    ----------
    value : object
        What python-calamine returns for the cell (a formula gives its last computed value; every
        number is a float; an empty cell is ``""``).

    Returns
    -------
    str

    Examples
    --------
    >>> import datetime as dt
    >>> [cell_text(v) for v in ("", "NA", 7.0, 5000.0, 12.34, True, dt.date(2026, 3, 31))]
    ['', 'NA', '7', '5000', '12.34', 'true', '2026-03-31']
    >>> cell_text(dt.datetime(2026, 3, 31, 14, 5)), cell_text(1e-05), cell_text(0.1 + 0.2)
    ('2026-03-31 14:05:00', '1e-05', '0.3')
    >>> cell_text(82.3 * 0.15)  # a formula's result: three decimals, which the loader names
    '12.345'
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits and shows no more: a formula's binary noise
        # (0.1 + 0.2 = 0.30000000000000004) is not a third decimal of the amount
        return f"{value:.15g}"
    return str(value)


def _trimmed(rows: Iterable[tuple], width: int) -> Iterable[list[str]]:
    """Rows as text, cut to the header's ``width`` unless a row holds a value beyond it; the empty
    rows after the last row with a value are left out."""
    pending = 0  # empty rows seen since the last row with a value
    for row in rows:
        cells = [cell_text(v) for v in row]
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if not any(cells):
            pending += 1
            continue
        yield from ([""] * width for _ in range(pending))
        pending = 0
        yield cells + [""] * (width - len(cells))


def sheet_to_csv(source: Path, target: Path) -> int:
    """Write the first sheet of the workbook ``source`` to the CSV file ``target``.

    Parameters
    ----------
    source : Path
        An ``.xlsx`` workbook; only read.
    target : Path
        The CSV to write (UTF-8, comma separated, ``\\n`` line ends).

    Returns
    -------
    int
        Data rows written (the header not counted).

    Raises
    ------
    ExcelReadError
        When ``source`` is not a readable ``.xlsx`` workbook (an old ``.xls``, a password-protected
        or damaged file) or its first sheet is empty.
    """
    # deferred: the Excel reader is a native library only a dataset with .xlsx files needs
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(source))
        sheet = book.get_sheet_by_index(0)
        # keep the empty rows and columns before the table: row i of the list is sheet row i + 1
        rows = iter(sheet.to_python(skip_empty_area=False))
    except (CalamineError, OSError, ValueError) as exc:
        raise ExcelReadError(
            f"not a readable .xlsx workbook ({exc}); save it again from the spreadsheet as "
            "Excel Workbook (.xlsx) or as CSV UTF-8"
        ) from exc
    header = [cell_text(v) for v in next(rows, ())]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise ExcelReadError(
            f"the first sheet ({book.sheet_names[0]!r}) has nothing in row 1; the table goes on "
            "the first sheet, with the column names in row 1"
        )
    n = 0
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for cells in _trimmed(rows, len(header)):
            writer.writerow(cells)
            n += 1
    return n
