"""Excel workbooks as dataset files: ``customers.xlsx`` loads like ``customers.csv``, and every
problem names the workbook and the sheet row a spreadsheet user sees (row 1 = the header).

The workbooks are written here with openpyxl the way a spreadsheet stores a typed-in table:
numbers as numbers, dates as dates, everything else as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook
from test_real_exports import set_money_decimals

from channel_lib import DataValidationError, load_dataset
from channel_lib.data.excel import sheet_to_csv

TINY = Path(__file__).parent / "data" / "tiny"


def _typed(text: str) -> object:
    """A CSV cell as a spreadsheet would hold it once typed in."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return text


def _to_excel(csv_path: Path, edit=None) -> Path:
    """Replace ``csv_path`` by an .xlsx workbook of the same table (``edit(sheet)`` may change it)."""
    book = Workbook()
    sheet = book.active
    sheet.title = csv_path.stem
    with csv_path.open(newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            sheet.append(row if i == 0 else [_typed(c) for c in row])
    if edit is not None:
        edit(sheet)
    target = csv_path.with_suffix(".xlsx")
    book.save(target)
    csv_path.unlink()
    return target


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    return dest


def test_every_table_as_a_workbook_loads_like_the_csv_files(copy, tiny):
    for path in sorted(copy.glob("*.csv")):
        _to_excel(path)
    before = _digest(copy)
    ds = load_dataset(copy)
    assert sorted(p.suffix for p in ds.files.values()) == [".xlsx"] * len(tiny.files)
    for name in tiny.files:
        assert ds.table(name).equals(tiny.table(name)), name
    assert _digest(copy) == before  # the workbooks are only read; nothing is written beside them


def test_problems_name_the_workbook_and_the_sheet_row(copy):
    def corrupt(sheet):
        sheet["I5"] = "twelve"  # revenue, row 5 (the reader rejects the row)
        sheet["C7"] = "1 Sep 2024"  # order_date as text, row 7 (rejected too)
        sheet["E9"] = "P404"  # partner_id, row 9: after two rejected rows, still row 9
        sheet["H11"] = 2.5  # quantity may have decimals; the line number may not
        sheet["B11"] = 1.5

    _to_excel(copy / "sales.csv", corrupt)
    with pytest.raises(DataValidationError) as info:
        load_dataset(copy)
    found = {(p.file, p.column, p.line, p.value) for p in info.value.problems}
    assert found == {
        ("sales.xlsx", "revenue", 5, "twelve"),
        ("sales.xlsx", "order_date", 7, "1 Sep 2024"),
        ("sales.xlsx", "partner_id", 9, "P404"),
        ("sales.xlsx", "line_number", 11, "1.5"),
    }


def test_money_is_read_to_excels_15_digits_so_binary_noise_is_not_a_third_decimal(copy):
    def amounts(sheet):
        sheet["I2"] = 0.1 + 0.2  # 0.30000000000000004 in the file: 0.30 as Excel shows it
        sheet["J4"] = 82.3 * 0.15  # 12.345: a third decimal the loader must not round away

    set_money_decimals(copy, 2)  # money at 2 places: 12.345 has a decimal too many
    _to_excel(copy / "sales.csv", amounts)
    with pytest.raises(DataValidationError) as info:
        load_dataset(copy)
    (problem,) = info.value.problems
    assert (problem.file, problem.column, problem.line, problem.value) == (
        "sales.xlsx", "cost_of_sales", 4, "12.345",
    )  # fmt: skip
    assert "more than 2 decimals" in problem.message


def test_an_empty_row_between_rows_is_named_and_formatted_rows_after_the_data_are_not(copy):
    def gaps(sheet):
        sheet.insert_rows(4)  # an empty row 4 between data rows
        sheet.cell(row=sheet.max_row + 20, column=3).number_format = "0.00"  # formatting only

    _to_excel(copy / "customers.csv", gaps)
    with pytest.raises(DataValidationError) as info:
        load_dataset(copy)
    rows = {(p.file, p.line) for p in info.value.problems if p.file == "customers.xlsx"}
    assert rows == {("customers.xlsx", 4)}


def test_a_title_above_the_table_is_named_once_with_the_rows_to_delete(copy):
    def title(sheet):
        sheet.insert_rows(1, amount=2)
        sheet["A1"] = "Customer list, exported 2026-07-01"

    _to_excel(copy / "customers.csv", title)
    with pytest.raises(DataValidationError) as info:
        load_dataset(copy)
    mine = [p for p in info.value.problems if p.file == "customers.xlsx"]
    assert [(p.line, p.value) for p in mine] == [(1, "Customer list, exported 2026-07-01")]
    assert (
        mine[0].message
        == "the column names are on line 3, not line 1; delete the 2 lines above them"
    )


def test_a_file_that_is_not_a_workbook_is_named_with_what_to_do(copy):
    (copy / "customers.csv").rename(copy / "customers.xlsx")  # a CSV saved under the wrong name
    with pytest.raises(DataValidationError) as info:
        load_dataset(copy)
    mine = [p for p in info.value.problems if p.file == "customers.xlsx"]
    assert len(mine) == 1 and "not a readable .xlsx workbook" in mine[0].message


def test_a_table_in_both_forms_is_refused(copy):
    shutil.copy(copy / "channels.csv", copy / "keep.csv")
    _to_excel(copy / "channels.csv")
    (copy / "keep.csv").rename(copy / "channels.csv")
    with pytest.raises(DataValidationError, match=r"both channels\.csv and channels\.xlsx exist"):
        load_dataset(copy)


def test_sheet_rows_become_csv_lines_one_for_one(tmp_path):
    book = Workbook()
    sheet = book.active
    for row in (["a", "b", None], [1, 2.5, None], [None, None, None], ["x", None, "extra"]):
        sheet.append(row)
    book.save(tmp_path / "t.xlsx")
    assert sheet_to_csv(tmp_path / "t.xlsx", tmp_path / "t.csv") == 3
    assert (tmp_path / "t.csv").read_text().splitlines() == ["a,b", "1,2.5", ",", "x,,extra"]
