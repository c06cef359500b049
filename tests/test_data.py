"""Specification of the loader: the data contract is enforced, every problem is named with file,
column, line and value, nothing is dropped or altered, and input files are never modified."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_real_exports import set_money_decimals

from channel_lib import DataValidationError, load_dataset

TINY_DIR = Path(__file__).parent / "data" / "tiny"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _replace_line(path: Path, startswith: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.startswith(startswith)]
    assert len(hits) == 1, f"fixture line {startswith!r} not unique in {path.name}"
    lines[hits[0]] = new + "\n"
    path.write_text("".join(lines))


def _line_of(path: Path, startswith: str) -> int:
    return next(
        i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(startswith)
    )


# Each corruption: (id, function that corrupts a copy, expected (file, column, value) and how the
# expected line is found).  The expected line is read from the corrupted file itself.
def _missing_column(d: Path):
    (d / "customers.csv").write_text(
        (d / "customers.csv").read_text().replace("segment,region", "region", 1)
    )
    return "customers.csv", "segment", "", 1


def _text_in_numeric(d: Path):
    _replace_line(
        d / "sales.csv", "O1003,", "O1003,1,2024-09-20,DIST,P2,C4,SKU2,twelve,2580.00,1830.00,"
    )
    return "sales.csv", "quantity", "twelve", _line_of(d / "sales.csv", "O1003,")


def _literal_na(d: Path):
    _replace_line(d / "sales.csv", "O1004,", "O1004,1,2024-10-11,DIR,,C3,SKU1,5,NA,2600.00,ben")
    return "sales.csv", "revenue", "NA", _line_of(d / "sales.csv", "O1004,")


def _literal_na_in_text(d: Path):
    _replace_line(d / "partners.csv", "P4,", "P4,N/A,DIST,APAC,bronze,2024-01-01,,lee")
    return "partners.csv", "partner_name", "N/A", _line_of(d / "partners.csv", "P4,")


def _unknown_partner(d: Path):
    _replace_line(
        d / "sales.csv", "O1006,", "O1006,1,2024-12-19,DIST,P99,C2,SKU1,3,2610.00,1560.00,"
    )
    return "sales.csv", "partner_id", "P99", _line_of(d / "sales.csv", "O1006,")


def _duplicate_line(d: Path):
    _replace_line(
        d / "sales.csv", "O1011,", "O1010,1,2025-05-27,DIST,P2,C4,SKU3,10,1350.00,980.00,"
    )
    return (
        "sales.csv",
        "order_id+line_number",
        "O1010 / 1",
        _line_of(d / "sales.csv", "O1010,1,2025-05-27"),
    )


def _bad_date(d: Path):
    _replace_line(
        d / "sales.csv", "O1017,", "O1017,1,2025-11-31,DIST,P1,C2,SKU2,25,5000.00,3850.00,"
    )
    return "sales.csv", "order_date", "2025-11-31", _line_of(d / "sales.csv", "O1017,")


def _money_with_seven_decimals(d: Path):
    # more places than money_decimals allows at its largest (6): refused whatever the default
    written = "1.2345678"
    _replace_line(
        d / "sales.csv", "O1008,", f"O1008,1,2025-02-14,DIR,,C1,SKU1,12,{written},6240.00,ana"
    )
    return "sales.csv", "revenue", written, _line_of(d / "sales.csv", "O1008,")


def _fractional_line_number(d: Path):
    _replace_line(
        d / "sales.csv", "O1009,", "O1009,2.5,2025-03-03,DIST,P1,C2,SKU2,30,6150.00,4580.00,"
    )
    return "sales.csv", "line_number", "2.5", _line_of(d / "sales.csv", "O1009,")


def _fractional_count_in_a_small_file(d: Path):
    path = d / "partner_reports.csv"
    lines = path.read_text().splitlines()
    cells = lines[1].split(",")
    cells[4] = "14.5"  # sales_headcount
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return "partner_reports.csv", "sales_headcount", "14.5", 2


def _broken_yaml(d: Path):
    text = (
        (d / "goals.yaml")
        .read_text()
        .replace("managing_for: revenue\n", "managing_for: [revenue\n", 1)
    )
    (d / "goals.yaml").write_text(text)
    return "goals.yaml", "", "", ANY_LINE


def _missing_file(d: Path):
    (d / "products.csv").unlink()
    return "products.csv", "", "", None


ANY_LINE = -1  # the YAML parser names the line where it noticed the error, after the broken one

CORRUPTIONS = [
    _missing_column,
    _text_in_numeric,
    _literal_na,
    _literal_na_in_text,
    _unknown_partner,
    _duplicate_line,
    _bad_date,
    _money_with_seven_decimals,
    _fractional_line_number,
    _fractional_count_in_a_small_file,
    _broken_yaml,
    _missing_file,
]


def test_tiny_dataset_loads_with_every_row_and_extra_columns_kept(tiny, tiny_dir):
    # independent count: lines in the file minus the header
    n_lines = len((tiny_dir / "sales.csv").read_text().strip().splitlines()) - 1
    assert len(tiny.table("sales")) == n_lines
    assert "sales_rep" in tiny.table("sales").columns
    assert "crm_owner" in tiny.table("partners").columns


def test_region_na_is_north_america_not_missing(tiny):
    partners = tiny.table("partners").set_index("partner_id")
    assert partners.loc["P1", "region"] == "NA"
    assert (tiny.table("customers")["region"] == "NA").sum() == 3


def test_credit_notes_and_lines_below_cost_are_legitimate(tiny):
    sales = tiny.table("sales").set_index("order_id")
    assert sales.loc["O1013", "quantity"] < 0 and sales.loc["O1013", "revenue"] < 0
    assert sales.loc["O1019", "revenue"] < sales.loc["O1019", "cost_of_sales"]


def test_money_is_exact_decimal_in_duckdb(tiny, tiny_dir):
    import csv

    with (tiny_dir / "sales.csv").open() as f:
        expected = sum(Decimal(r["revenue"]) for r in csv.DictReader(f))
    got = tiny.con.execute("SELECT sum(revenue) FROM sales").fetchall()[0][0]
    assert got == expected


def test_missing_optional_file_names_the_analyses_it_disables(tiny):
    assert list(tiny.missing_optional) == ["partner_changes.csv"]
    assert "partner_changes.csv" in tiny.missing_note("partner_changes")


def test_dataset_without_optional_files_loads(tiny_copy):
    for name in ("channel_costs", "partner_reports", "opportunities", "targets"):
        (tiny_copy / f"{name}.csv").unlink()
    ds = load_dataset(tiny_copy)
    assert set(ds.missing_optional) == {
        "channel_costs.csv",
        "partner_reports.csv",
        "opportunities.csv",
        "targets.csv",
        "partner_changes.csv",
    }
    assert "investment allocation" in ds.missing_optional["channel_costs.csv"]


def test_parquet_sales_load_like_csv(tiny_copy, tiny):
    duckdb.execute(
        f"COPY (SELECT * FROM read_csv('{tiny_copy / 'sales.csv'}', all_varchar = true)) "
        f"TO '{tiny_copy / 'sales.parquet'}' (FORMAT parquet)"
    )
    (tiny_copy / "sales.csv").unlink()
    ds = load_dataset(tiny_copy)
    a = ds.con.execute("SELECT sum(revenue), sum(cost_of_sales), count(*) FROM sales").fetchall()[0]
    b = tiny.con.execute("SELECT sum(revenue), sum(cost_of_sales), count(*) FROM sales").fetchall()[
        0
    ]
    assert a == b


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=[c.__name__.strip("_") for c in CORRUPTIONS])
def test_each_corruption_is_named_and_input_untouched(tiny_copy, corrupt):
    file, column, value, line = corrupt(tiny_copy)
    before = _digest(tiny_copy)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    hits = [p for p in info.value.problems if p.file == file and p.column == column]
    assert hits, f"no problem for {file}/{column} in:\n{info.value}"
    assert any(
        p.value == value and (p.line == line or (line == ANY_LINE and p.line)) for p in hits
    ), str(info.value)
    assert _digest(tiny_copy) == before


def test_all_corruptions_at_once_are_reported_together(tiny_copy):
    expected = [corrupt(tiny_copy) for corrupt in CORRUPTIONS]
    before = _digest(tiny_copy)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    found = {
        (p.file, p.column, p.value, p.line if line != ANY_LINE else ANY_LINE)
        for p in info.value.problems
        for line in (p.line, ANY_LINE)
    }
    missing = [e for e in expected if e not in found]
    assert not missing, f"not reported: {missing}\n{info.value}"
    assert _digest(tiny_copy) == before


def _windows_line_ends(folder: Path) -> None:
    for path in folder.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "byte-order-mark"])
def test_files_with_windows_line_ends_load_like_unix_ones(tiny_copy, tiny, bom):
    _windows_line_ends(tiny_copy)
    if bom:  # what a spreadsheet's "CSV UTF-8" export writes first
        for path in tiny_copy.glob("*.csv"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert b"\r\n" in (tiny_copy / "sales.csv").read_bytes()
    ds = load_dataset(tiny_copy)
    for name in tiny.files:
        assert ds.table(name).equals(tiny.table(name)), name


def test_corruptions_in_files_with_windows_line_ends_are_named_the_same(tiny_copy, tmp_path):
    for corrupt in CORRUPTIONS:
        corrupt(tiny_copy)
    unix = tmp_path / "unix"
    shutil.copytree(tiny_copy, unix)
    _windows_line_ends(tiny_copy)
    before = _digest(tiny_copy)
    with pytest.raises(DataValidationError) as windows:
        load_dataset(tiny_copy)
    with pytest.raises(DataValidationError) as reference:
        load_dataset(unix)
    assert windows.value.problems == reference.value.problems
    assert any(p.value == "2025-11-31" for p in windows.value.problems)  # a line the reader rejects
    assert _digest(tiny_copy) == before


@pytest.mark.parametrize("windows", [False, True], ids=["unix", "windows"])
def test_a_line_with_extra_cells_is_named_once_with_its_text(tiny_copy, windows):
    sales = tiny_copy / "sales.csv"
    line = _line_of(sales, "O1017,")
    text = next(t for t in sales.read_text().splitlines() if t.startswith("O1017,"))
    _replace_line(sales, "O1017,", text + ",extra,cells")
    if windows:
        _windows_line_ends(tiny_copy)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.value) == ("sales.csv", line, text + ",extra,cells")
    header = len((TINY_DIR / "sales.csv").read_text().splitlines()[0].split(","))
    assert problem.message.startswith(f"{header + 2} cells where the header has {header}; quote")


def test_a_line_with_too_few_cells_is_named_with_how_many(tiny_copy):
    sales = tiny_copy / "sales.csv"
    line = _line_of(sales, "O1017,")
    text = next(t for t in sales.read_text().splitlines() if t.startswith("O1017,"))
    _replace_line(sales, "O1017,", text.rsplit(",", 2)[0])
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    (problem,) = info.value.problems
    assert problem.line == line
    assert problem.message.startswith("9 cells where the header has 11; add the missing cells")


@pytest.mark.parametrize(("delimiter", "named"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_is_named_once(tiny_copy, delimiter, named):
    sales = tiny_copy / "sales.csv"
    sales.write_text(sales.read_text().replace(",", delimiter))
    before = _digest(tiny_copy)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == ("sales.csv", 1)
    assert problem.value.startswith(f"order_id{delimiter}line_number")
    assert f"separated by {named}" in problem.message
    assert _digest(tiny_copy) == before


def test_a_title_line_above_the_header_is_named_once(tiny_copy):
    sales = tiny_copy / "sales.csv"
    sales.write_text("Sales lines FY2026\n" + sales.read_text())
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.value) == ("sales.csv", 1, "Sales lines FY2026")
    assert problem.message.startswith(
        "the column names are on line 2, not line 1; delete the 1 line"
    )


def test_a_misspelt_header_name_is_named_with_what_to_rename(tiny_copy):
    sales = tiny_copy / "sales.csv"
    header, rest = sales.read_text().split("\n", 1)
    sales.write_text(
        header.replace("order_id", "Order ID").replace("revenue", "revenu") + "\n" + rest
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    found = {(p.column, p.value, p.message.split("; ")[-1]) for p in info.value.problems}
    assert found == {
        ("order_id", "Order ID", "rename 'Order ID' to 'order_id'"),
        ("revenue", "revenu", "rename 'revenu' to 'revenue'"),
    }


def test_a_misspelt_or_unknown_goals_key_is_named_not_ignored(tiny_copy):
    goals = tiny_copy / "goals.yaml"
    text = goals.read_text()
    text = text.replace("role_weight: 1.5", "role_weigth: 1.5", 1)  # FY2025's DIR
    text = text.replace("  naming: end", "  naming: end\n  notes: ask finance")
    goals.write_text(text)
    lines = text.splitlines()
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    found = {(p.column, p.line, p.message) for p in info.value.problems}
    assert found == {
        ("years.FY2025.channels.DIR.role_weigth",
         next(i for i, t in enumerate(lines, 1) if "role_weigth" in t),
         "unknown key; rename it to 'role_weight'"),
        ("fiscal_year.notes", lines.index("  notes: ask finance") + 1,
         "unknown key; remove it or use one of start_month, naming"),
    }  # fmt: skip


def _latin1(path: Path, old: str, new: str) -> None:
    """Write ``new`` (with an accent) for ``old`` as a Windows-1252 editor would: not UTF-8."""
    path.write_bytes(path.read_bytes().replace(old.encode(), new.encode("cp1252")))


def test_a_line_in_another_encoding_is_named_and_its_id_is_not_called_unknown(tiny_copy):
    customers, sales = tiny_copy / "customers.csv", tiny_copy / "sales.csv"
    line = _line_of(customers, "C3,")
    _latin1(customers, "Umbrella", "Umbrélla")
    naming_c3 = sum(1 for t in sales.read_text().splitlines() if ",C3," in t)
    before = _digest(tiny_copy)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    first, note = info.value.problems
    assert (first.file, first.column, first.line) == ("customers.csv", "customer_name", line)
    assert "not UTF-8" in first.message
    assert (note.file, note.column, note.line, note.value) == (
        "sales.csv",
        "customer_id",
        None,
        "C3",
    )
    assert note.message.startswith(f"{naming_c3} lines name a customer_id written on a line")
    assert _digest(tiny_copy) == before


@pytest.mark.parametrize("file", ["channels.csv", "goals.yaml"])
def test_a_header_or_goals_file_in_another_encoding_is_named_with_its_line(tiny_copy, file):
    path = tiny_copy / file
    if file == "goals.yaml":
        path.write_text(path.read_text().replace("currency: USD", "# in €\ncurrency: USD"))
        line = _line_of(path, "# in ")
        _latin1(path, "€", "é")
    else:
        _latin1(path, "channel_name", "channel_namé")
        line = 1
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    (problem,) = [p for p in info.value.problems if p.file == file]
    assert problem.line == line and "not UTF-8" in problem.message


def test_validate_command_prints_problems_without_traceback(tiny_copy):
    for corrupt in CORRUPTIONS:
        corrupt(tiny_copy)
    run = subprocess.run(
        [sys.executable, "-m", "channel_lib.cli.commands", "validate", str(tiny_copy)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr + run.stdout
    assert "sales.csv" in run.stderr and "twelve" in run.stderr and "P99" in run.stderr


def test_validate_command_accepts_the_tiny_dataset(tiny_dir):
    run = subprocess.run(
        [sys.executable, "-m", "channel_lib.cli.commands", "validate", str(tiny_dir)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "28 sales lines" in run.stdout


def test_validate_json_lists_every_problem_for_a_pipeline_to_read(tiny_copy, tiny_dir):
    import json

    def validate(folder: Path) -> tuple[int, dict]:
        run = subprocess.run(
            [sys.executable, "-m", "channel_lib.cli.commands", "validate", "--json", str(folder)],
            capture_output=True, text=True,
        )  # fmt: skip
        return run.returncode, json.loads(run.stdout)

    status, ok = validate(tiny_dir)
    assert status == 0 and ok["valid"] and ok["sales_lines"] == 28
    assert "partner_changes.csv" in ok["missing_optional"]
    expected = [corrupt(tiny_copy) for corrupt in CORRUPTIONS]
    status, bad = validate(tiny_copy)
    assert status == 2 and not bad["valid"]
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    assert bad["problems"] == [
        {"file": p.file, "column": p.column, "line": p.line, "value": p.value, "message": p.message}
        for p in info.value.problems
    ]
    assert len(bad["problems"]) >= len(expected)


def test_many_bad_lines_are_counted_not_silently_cut(tiny_copy):
    lines = (tiny_copy / "sales.csv").read_text().splitlines()
    extra = [f"X{i},1,2025-01-0{1 + i % 9},DIST,P404,C2,SKU2,1,10.00,5.00," for i in range(60)]
    (tiny_copy / "sales.csv").write_text("\n".join([*lines, *extra]) + "\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    problems = [p for p in info.value.problems if p.column == "partner_id"]
    listed = [p for p in problems if p.line is not None]
    summary = [p for p in problems if p.line is None]
    assert len(listed) == 25 and len(summary) == 1 and "35 more" in summary[0].message


# -- numbers are never rounded: more decimals than a column allows is an error -----------------------
# These cases are written for money at 2 places (DECIMAL(18,2)): the folder's goals.yaml says so,
# whatever the default places (tests/test_real_exports.py covers 0, 4 and 6 places).
@pytest.fixture
def tiny_at_2(tiny_copy: Path) -> Path:
    """A writable copy of the tiny dataset whose goals.yaml sets ``money_decimals: 2``."""
    set_money_decimals(tiny_copy, 2)
    return tiny_copy


def _pristine_at_2(parent: Path) -> Path:
    """An unchanged copy of the tiny dataset at 2 places, in ``parent``."""
    folder = parent / "pristine"
    shutil.copytree(TINY_DIR, folder)
    set_money_decimals(folder, 2)
    return folder


def _set_sales_cells(folder: Path, order_id: str, **cells: str) -> int:
    """Set cells of the one line of ``order_id`` in sales.csv; return its line number."""
    path = folder / "sales.csv"
    header, *lines = path.read_text().splitlines()
    names = header.split(",")
    (i,) = [i for i, line in enumerate(lines) if line.startswith(order_id + ",")]
    row = lines[i].split(",")
    for name, value in cells.items():
        row[names.index(name)] = value
    lines[i] = ",".join(row)
    path.write_text("\n".join([header, *lines]) + "\n")
    return i + 2  # the header is line 1


def _sales_csv_to_parquet(folder: Path, types: str) -> None:
    """sales.csv -> sales.parquet, the columns of ``types`` (``{'col': 'TYPE'}``) cast in DuckDB."""
    casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in types.items())
    duckdb.execute(
        f"COPY (SELECT * REPLACE ({casts}) FROM read_csv('{folder / 'sales.csv'}', "
        f"all_varchar = true)) TO '{folder / 'sales.parquet'}' (FORMAT parquet)"
    )
    (folder / "sales.csv").unlink()


# sales.parquet as a program would write it: money and line numbers as doubles, as text, as decimals
# with more places; CSV for comparison
SALES_FORMATS = {
    "csv": None,
    "parquet-double": {"line_number": "DOUBLE", "revenue": "DOUBLE", "cost_of_sales": "DOUBLE"},
    "parquet-text": {"line_number": "VARCHAR", "revenue": "VARCHAR", "cost_of_sales": "VARCHAR"},
    "parquet-decimal-4": {"line_number": "DECIMAL(18,4)", "revenue": "DECIMAL(18,4)",
                          "cost_of_sales": "DECIMAL(18,4)"},
}  # fmt: skip


def _write(folder: Path, fmt: str) -> None:
    if SALES_FORMATS[fmt] is not None:
        _sales_csv_to_parquet(folder, SALES_FORMATS[fmt])


def _shown(fmt: str, written: str) -> str:
    """The value a problem names: a cell as written (CSV, Parquet text); a Parquet number as DuckDB
    prints it (a double in its shortest form, a DECIMAL(18,4) with its four places)."""
    if fmt == "parquet-double":
        return repr(float(written))
    if fmt == "parquet-decimal-4":
        return f"{Decimal(written):.4f}"
    return written


@pytest.mark.parametrize("fmt", list(SALES_FORMATS))
@pytest.mark.parametrize(
    ("column", "written"),
    [("revenue", "1.234"), ("line_number", "2.5"), ("cost_of_sales", "-0.005"),
     ("revenue", "1.2345e1")],
    ids=["money-3-decimals", "fractional-line-number", "money-half-cent", "money-exponent"],
)  # fmt: skip
def test_more_decimals_than_the_column_allows_is_named_not_rounded(tiny_at_2, fmt, column, written):
    line = _set_sales_cells(tiny_at_2, "O1008", **{column: written})
    _write(tiny_at_2, fmt)
    before = _digest(tiny_at_2)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_at_2)
    file = "sales.csv" if fmt == "csv" else "sales.parquet"
    row = line if fmt == "csv" else line - 1  # Parquet: row number
    hits = [p for p in info.value.problems if (p.file, p.column, p.line) == (file, column, row)]
    assert [p.value for p in hits] == [_shown(fmt, written)], str(info.value)
    assert "does not round" in hits[0].message
    assert len(info.value.problems) == 1, str(info.value)  # nothing else (no knock-on problem)
    assert _digest(tiny_at_2) == before


@pytest.mark.parametrize("fmt", list(SALES_FORMATS))
def test_excess_decimals_are_reported_with_the_other_problems_at_once(tiny_at_2, fmt):
    cells = [("O1008", "revenue", "1.234"), ("O1009", "line_number", "2.5"),
             ("O1010", "cost_of_sales", "840.001"), ("O1012", "customer_id", ""),
             ("O1006", "partner_id", "P99")]  # fmt: skip
    lines = [
        _set_sales_cells(tiny_at_2, order, **{column: value}) for order, column, value in cells
    ]
    _write(tiny_at_2, fmt)
    before = _digest(tiny_at_2)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_at_2)
    row = 0 if fmt == "csv" else 1  # Parquet: row numbers
    numbers = ("revenue", "line_number", "cost_of_sales")
    expected = {
        (column, line - row, _shown(fmt, value) if column in numbers else value)
        for (_, column, value), line in zip(cells, lines, strict=True)
    }
    found = {(p.column, p.line, p.value) for p in info.value.problems}
    assert expected <= found, str(info.value)
    assert _digest(tiny_at_2) == before


def test_excess_decimals_on_a_line_rejected_for_another_cell_are_reported_too(tiny_at_2):
    line = _set_sales_cells(tiny_at_2, "O1008", quantity="twelve", revenue="1.234")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_at_2)
    found = {(p.column, p.line, p.value): p.message for p in info.value.problems}
    assert ("quantity", line, "twelve") in found, str(info.value)
    assert "does not round" in found["revenue", line, "1.234"]


def test_unknown_ids_on_a_line_rejected_for_another_cell_are_reported_too(tiny_copy):
    line = _set_sales_cells(
        tiny_copy, "O1008", order_date="2025-02-30", partner_id="P999", customer_id="C1"
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    found = {(p.column, p.line, p.value) for p in info.value.problems}
    assert found == {("order_date", line, "2025-02-30"), ("partner_id", line, "P999")}


VALID = [("revenue", "1.2", "1.20"), ("revenue", "1.20", "1.20"), ("cost_of_sales", "-0.05", "-0.05"),
         ("revenue", "1e2", "100.00"), ("revenue", "1.230", "1.23"), ("revenue", "12.5e-1", "1.25"),
         ("revenue", "12345678901234.56", "12345678901234.56"),  # beyond a double's cents
         ("revenue", "9999999999999999.99", "9999999999999999.99"),  # DECIMAL(18,2)'s largest
         ("line_number", "3.0", "3"), ("line_number", "1e1", "10"),
         ("line_number", "9007199254740993", "9007199254740993")]  # 2**53 + 1  # fmt: skip


@pytest.mark.parametrize(("column", "written", "stored"), VALID,
                         ids=[f"{c}={w}" for c, w, _ in VALID])  # fmt: skip
def test_values_the_column_holds_exactly_still_load_exactly(tiny_at_2, column, written, stored):
    _set_sales_cells(tiny_at_2, "O1008", **{column: written})
    ds = load_dataset(tiny_at_2)
    (got,) = ds.con.execute(f"SELECT {column} FROM sales WHERE order_id = 'O1008'").fetchall()[0]
    assert Decimal(got) == Decimal(stored) and str(got) == stored
    assert (
        ds.con.execute("DESCRIBE sales").fetchall()
        == load_dataset(_pristine_at_2(tiny_at_2.parent)).con.execute("DESCRIBE sales").fetchall()
    )


@pytest.mark.parametrize("fmt", [f for f in SALES_FORMATS if f != "csv"])
def test_parquet_money_as_double_or_text_loads_like_the_csv(tiny_copy, tiny, fmt):
    _write(tiny_copy, fmt)
    ds = load_dataset(tiny_copy)
    query = "SELECT * FROM sales ORDER BY order_id, line_number"
    assert ds.con.execute(query).fetchall() == tiny.con.execute(query).fetchall()
    assert (
        ds.con.execute("DESCRIBE sales").fetchall() == tiny.con.execute("DESCRIBE sales").fetchall()
    )


@pytest.mark.parametrize(
    ("written", "problem"),
    [("99999999999999999", "not an amount"),  # too large for DECIMAL(18,2)
     ("12345678901234.567", "more than 2 decimals"),  # too large for a double to tell
     ("1000000000000.001", "more than 2 decimals"),  # 10^12: decided from the cell
     ("999999999999.991", "more than 2 decimals"),  # just below: the double tells
     ("nan", "missing-value marker"), ("inf", "not an amount")],
)  # fmt: skip
def test_numbers_too_large_for_a_double_are_decided_from_the_cell(tiny_at_2, written, problem):
    line = _set_sales_cells(tiny_at_2, "O1008", revenue=written)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_at_2)
    hits = [p for p in info.value.problems if p.column == "revenue"]
    assert [(p.line, p.value) for p in hits] == [(line, written)], str(info.value)
    assert problem in hits[0].message


def test_many_values_with_excess_decimals_are_counted_not_silently_cut(tiny_at_2):
    path = tiny_at_2 / "sales.csv"
    lines = path.read_text().splitlines()
    extra = [f"X{i:03d},1,2025-01-0{1 + i % 9},DIST,P1,C2,SKU2,1,10.005,5.00," for i in range(30)]
    path.write_text("\n".join([*lines, *extra]) + "\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_at_2)
    problems = [p for p in info.value.problems if p.column == "revenue"]
    listed = [p for p in problems if p.line is not None]
    assert len(listed) == 25 and listed[0].line == len(lines) + 1 and listed[0].value == "10.005"
    (summary,) = [p for p in problems if p.line is None]
    assert "5 more" in summary.message


def test_no_code_or_test_reads_a_shared_connection_with_fetchone():
    # DuckDB 2: fetchone() leaves the connection busy until the result is exhausted, and the next
    # use of the dataset's connection fails ("Resource In Use"); fetchall()[0] reads it whole
    root = Path(__file__).resolve().parents[1]
    # (the tests too: a test that leaves a session-shared dataset's connection busy fails others)
    sources = [
        *(root / "channel_lib").rglob("*.py"),
        *(root / "benchmarks").glob("*.py"),
        *(p for p in (root / "tests").glob("*.py") if p.name != "test_data.py"),
    ]
    found = [f"{p.relative_to(root)}:{i}" for p in sources
             for i, line in enumerate(p.read_text().splitlines(), 1) if ".fetchone()" in line]  # fmt: skip
    assert found == []


# -- the dataset cache ------------------------------------------------------------------------------
def test_dataset_cache_keeps_each_table_frame_and_the_checksums_once(tiny_copy):
    ds = load_dataset(tiny_copy)
    assert ds.table("channels") is ds.table("channels")  # built once, then kept
    assert ds.checksums is ds.checksums
    first = ds.table("channels")
    ds.cache.clear()  # built again on the next call, the same
    assert ds.table("channels") is not first and ds.table("channels").equals(first)


def test_dataset_cache_is_never_shared_with_a_replaced_dataset(tiny_copy):
    import dataclasses

    from channel_lib.data.cube import cube_table

    ds = load_dataset(tiny_copy)
    cube_table(ds)
    copy = dataclasses.replace(ds)
    assert copy.cache is not ds.cache and len(copy.cache) == 0
    assert len(ds.cache) == 1  # the metrics' entry


def test_known_checksums_are_used_instead_of_hashing_the_files(tiny_copy):
    import dataclasses

    ds = load_dataset(tiny_copy)
    recorded = {"channels.csv": "ab" * 32}
    assert dataclasses.replace(ds, known_checksums=recorded).checksums is recorded
    assert (
        ds.checksums["channels.csv"]
        == hashlib.sha256((tiny_copy / "channels.csv").read_bytes()).hexdigest()
    )
