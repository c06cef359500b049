"""Real exports load as they come (issue 18): money at the source's places, nullable columns
absent, source column names through ``mapping.yaml``, one currency.

The datasets are built here by a small builder: the tiny dataset's small tables and goals, with
a generated sales file shaped like the ERP export of the issue (4-decimal money, source column
names, no ``offboarded_on`` / ``launched_on``). Reference sums are DuckDB's own exact sums of the
file read as text (``DECIMAL(38,10)``), never the loader's.
"""

from __future__ import annotations

import csv
import random
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from channel_lib import DataValidationError, load_dataset
from channel_lib.data.mapping import read_mapping

TINY = Path(__file__).parent / "data" / "tiny"
SALES_COLUMNS = [
    "order_id", "line_number", "order_date", "channel_id", "partner_id", "customer_id",
    "product_id", "quantity", "revenue", "cost_of_sales",
]  # fmt: skip
#: the ERP's names of the same columns (an AdventureWorks-like fact table)
ERP_NAMES = {
    "order_id": "SalesOrderNumber",
    "line_number": "SalesOrderLineNumber",
    "order_date": "OrderDate",
    "customer_id": "CustomerKey",
    "product_id": "ProductKey",
    "quantity": "OrderQuantity",
    "revenue": "SalesAmount",
    "cost_of_sales": "TotalProductCost",
}


def _sales_rows(n: int, decimals: int, seed: int = 18) -> list[dict[str, str]]:
    """``n`` sales lines of the tiny dataset's ids with money written with ``decimals`` places."""
    rng = random.Random(seed)
    step = Decimal(1).scaleb(-decimals)
    rows = []
    for i in range(n):
        channel, partner = rng.choice([("DIR", ""), ("WEB", ""), ("DIST", "P1"), ("DIST", "P2")])
        quantity = rng.randint(1, 20)
        revenue = (Decimal(rng.randint(1, 5_000_000)) * step).quantize(step)
        cost = (revenue * Decimal(rng.randint(30, 110)) / 100).quantize(step)
        rows.append(
            {
                "order_id": f"SO{i // 3:06d}",
                "line_number": str(i % 3 + 1),
                "order_date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "channel_id": channel,
                "partner_id": partner,
                "customer_id": rng.choice(["C1", "C2", "C3"]),
                "product_id": rng.choice(["SKU1", "SKU2", "SKU3"]),
                "quantity": str(quantity),
                "revenue": str(revenue),
                "cost_of_sales": str(cost),
            }
        )
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]], names: dict[str, str] | None = None) -> None:
    columns = list(rows[0]) if rows else SALES_COLUMNS
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([(names or {}).get(c, c) for c in columns])
        for row in rows:
            writer.writerow([row[c] for c in columns])


def build_dataset(
    folder: Path,
    *,
    money_decimals: int | None,
    rows: list[dict[str, str]] | None = None,
    currency: str = "USD",
) -> Path:
    """The tiny dataset's tables and goals, ``money_decimals`` set, and ``rows`` as sales.csv."""
    shutil.copytree(TINY, folder)
    goals = (folder / "goals.yaml").read_text()
    (folder / "goals.yaml").write_text(goals.replace("currency: USD", f"currency: {currency}", 1))
    if money_decimals is not None:
        set_money_decimals(folder, money_decimals)
    if rows is not None:
        _write_csv(folder / "sales.csv", rows)
    return folder


def set_money_decimals(folder: Path, decimals: int) -> None:
    """Write ``money_decimals: decimals`` into the folder's goals.yaml (after its currency)."""
    path = folder / "goals.yaml"
    lines = [
        line for line in path.read_text().splitlines() if not line.startswith("money_decimals")
    ]
    at = next(i for i, line in enumerate(lines) if line.startswith("currency:"))
    lines.insert(at + 1, f"money_decimals: {decimals}")
    path.write_text("\n".join(lines) + "\n")


def _exact_sums(path: Path, columns: dict[str, str]) -> dict[str, Decimal]:
    """DuckDB's exact sums of a CSV's columns read as text (``{name in result: file column}``)."""
    sums = ", ".join(f'sum(CAST("{c}" AS DECIMAL(38,10))) AS "{k}"' for k, c in columns.items())
    row = duckdb.execute(
        f"SELECT {sums} FROM read_csv(?, all_varchar = true, header = true)", [str(path)]
    ).fetchall()[0]
    return dict(zip(columns, row, strict=True))


def _problems(folder: Path) -> list:
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder)
    return info.value.problems


# -- 1. money at the dataset's places --------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet_decimal", "parquet_double"])
def test_four_decimal_money_sums_exactly_at_money_decimals_4(tmp_path, fmt):
    rows = _sales_rows(3000, 4)
    folder = build_dataset(tmp_path / "d", money_decimals=4, rows=rows)
    expected = _exact_sums(folder / "sales.csv", {"r": "revenue", "c": "cost_of_sales"})
    if fmt != "csv":  # the ERP's money type (DECIMAL(19,4)), or a double written by a script
        kind = "DECIMAL(19,4)" if fmt == "parquet_decimal" else "DOUBLE"
        duckdb.execute(
            f"COPY (SELECT * REPLACE (CAST(revenue AS {kind}) AS revenue, "
            f"CAST(cost_of_sales AS {kind}) AS cost_of_sales) FROM read_csv(?, all_varchar = "
            f"true)) TO '{folder / 'sales.parquet'}' (FORMAT parquet)",
            [str(folder / "sales.csv")],
        )
        (folder / "sales.csv").unlink()
    ds = load_dataset(folder)
    got = ds.con.execute(
        "SELECT sum(revenue), sum(cost_of_sales), any_value(typeof(revenue)) FROM sales"
    ).fetchall()[0]
    assert (got[0], got[1]) == (expected["r"], expected["c"])
    assert got[2] == "DECIMAL(18,4)"
    # the data really has 4 places: lines rounded to cents would sum to another amount
    cents = sum(Decimal(r["revenue"]).quantize(Decimal("0.01")) for r in rows)
    assert cents != expected["r"]


def test_many_lines_of_half_a_cent_sum_exactly_not_line_by_line_rounded(tmp_path):
    rows = _sales_rows(10_001, 4)
    for row in rows:
        row["revenue"], row["cost_of_sales"] = "0.0049", "0.0010"
    folder = build_dataset(tmp_path / "d", money_decimals=4, rows=rows)
    ds = load_dataset(folder)
    by_channel = dict(
        ds.con.execute("SELECT channel_id, sum(revenue) FROM sales GROUP BY 1").fetchall()
    )
    reference = dict(
        duckdb.execute(
            "SELECT channel_id, sum(CAST(revenue AS DECIMAL(38,10))) FROM read_csv(?, "
            "all_varchar = true) GROUP BY 1",
            [str(folder / "sales.csv")],
        ).fetchall()
    )
    assert by_channel == reference
    assert sum(by_channel.values()) == Decimal("49.0049")  # 10,001 × 0.0049; cents would say 0


def test_four_decimal_money_is_refused_at_two_places_and_says_what_to_do(tmp_path):
    rows = _sales_rows(50, 4)
    folder = build_dataset(tmp_path / "d", money_decimals=2, rows=rows)
    problems = _problems(folder)
    first = next(p for p in problems if p.column == "revenue" and p.line is not None)
    line = first.line
    assert first.file == "sales.csv"
    assert first.value == rows[line - 2]["revenue"]  # line 1 is the header
    assert "more than 2 decimals" in first.message
    assert "money_decimals in goals.yaml (0-6)" in first.message
    assert "round the amount" in first.message


def test_five_decimal_amount_at_four_places_is_named_with_file_column_line_value(tmp_path):
    rows = _sales_rows(40, 4)
    rows[16]["cost_of_sales"] = "12.34567"
    folder = build_dataset(tmp_path / "d", money_decimals=4, rows=rows)
    problems = _problems(folder)
    assert [(p.file, p.column, p.line, p.value) for p in problems] == [
        ("sales.csv", "cost_of_sales", 18, "12.34567")
    ]
    assert "more than 4 decimals" in problems[0].message
    assert "money_decimals" in problems[0].message


def test_two_decimal_data_loads_identically_at_four_places(tmp_path, tiny):
    folder = build_dataset(tmp_path / "d", money_decimals=4)
    ds = load_dataset(folder)
    query = (
        "SELECT order_id, line_number, CAST(revenue AS VARCHAR), cost_of_sales FROM sales "
        "ORDER BY 1, 2"
    )
    at4 = ds.con.execute(query).fetchall()
    at2 = tiny.con.execute(query).fetchall()
    assert [(a, b, Decimal(r), c) for a, b, r, c in at4] == [
        (a, b, Decimal(r), c) for a, b, r, c in at2
    ]
    assert at4[0][2].endswith(".0000")  # read at the dataset's places
    assert ds.con.execute("SELECT any_value(typeof(amount)) FROM channel_costs").fetchall() == [
        ("DECIMAL(18,4)",)
    ]


@pytest.mark.parametrize(
    ("decimals", "written", "loads"),
    [
        (4, "9999999999.9999", True),  # just below the double's bound 10^(14-4): exact
        (4, "9999999999.99991", False),  # one decimal too many below the bound
        (4, "10000000000.0001", True),  # above the bound: decided from the text
        (4, "10000000000.00001", False),
        (6, "99999999.999999", True),  # the bound at 6 places is 10^8
        (6, "99999999.9999991", False),
        (6, "100000000.000001", True),
        (6, "100000000.0000001", False),
        (6, "0.0000001", False),
        (0, "99999999999999", True),  # whole amounts: 10^14
        (0, "12.5", False),
    ],
    ids=lambda v: str(v),
)
def test_exact_decimal_flag_at_its_bound_for_any_places(tmp_path, decimals, written, loads):
    rows = _sales_rows(5, decimals)
    rows[2]["revenue"] = written
    rows[2]["cost_of_sales"] = "1"
    folder = build_dataset(tmp_path / "d", money_decimals=decimals, rows=rows)
    if loads:
        ds = load_dataset(folder)
        stored = ds.con.execute(
            "SELECT CAST(revenue AS VARCHAR) FROM sales WHERE order_id = ? AND line_number = ?",
            [rows[2]["order_id"], int(rows[2]["line_number"])],
        ).fetchall()[0][0]
        assert Decimal(stored) == Decimal(written)
    else:
        problems = _problems(folder)
        assert [(p.file, p.column, p.line, p.value) for p in problems] == [
            ("sales.csv", "revenue", 4, written)
        ]
        assert f"more than {decimals} decimals" in problems[0].message


def test_hint_of_a_money_cell_that_is_not_a_number_names_the_places(tmp_path):
    rows = _sales_rows(5, 4)
    rows[0]["revenue"] = "USD 12"
    folder = build_dataset(tmp_path / "d", money_decimals=4, rows=rows)
    (problem,) = _problems(folder)
    assert (problem.column, problem.line, problem.value) == ("revenue", 2, "USD 12")
    assert "at most 4 decimals" in problem.message
    assert "2 decimals" not in problem.message


# -- 2. a column that may be empty may be absent ---------------------------------------------------
def _drop_column(path: Path, column: str) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    for r in records:
        del r[column]
    _write_csv(path, records)


def _csv_to_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    with path.open(newline="", encoding="utf-8") as f:
        for record in csv.reader(f):
            sheet.append(record)
    book.save(path.with_suffix(".xlsx"))
    path.unlink()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_without_offboarded_on_and_launched_on_validates_with_notes(tmp_path, fmt):
    folder = build_dataset(tmp_path / "d", money_decimals=4)
    _drop_column(folder / "partners.csv", "offboarded_on")
    _drop_column(folder / "channels.csv", "launched_on")
    if fmt == "parquet":
        duckdb.execute(
            f"COPY (SELECT * FROM read_csv(?, all_varchar = true)) TO "
            f"'{folder / 'partners.parquet'}' (FORMAT parquet)",
            [str(folder / "partners.csv")],
        )
        (folder / "partners.csv").unlink()
    elif fmt == "xlsx":
        _csv_to_xlsx(folder / "partners.csv")
    ds = load_dataset(folder)
    partners = f"partners.{fmt}"
    assert sorted(ds.load_notes) == [
        "channels.csv: column launched_on is absent; loaded as empty",
        f"{partners}: column offboarded_on is absent; loaded as empty",
    ]
    for table, column in (("partners", "offboarded_on"), ("channels", "launched_on")):
        count, kind = ds.con.execute(
            f"SELECT count({column}), any_value(typeof({column})) FROM {table}"
        ).fetchall()[0]
        assert (count, kind) == (0, "DATE")
    assert load_dataset(TINY).load_notes == ()


def test_a_required_column_missing_stays_an_error(tmp_path):
    folder = build_dataset(tmp_path / "d", money_decimals=4)
    _drop_column(folder / "partners.csv", "partner_name")
    problems = _problems(folder)
    assert [(p.file, p.column, p.line) for p in problems] == [("partners.csv", "partner_name", 1)]
    assert "required column is missing" in problems[0].message


# -- 3. mapping.yaml -------------------------------------------------------------------------------
MAPPING = """\
sales:
  file: FactInternetSales.csv
  columns:
    order_id: SalesOrderNumber
    line_number: SalesOrderLineNumber
    order_date: OrderDate
    customer_id: CustomerKey
    product_id: ProductKey
    quantity: OrderQuantity
    revenue: SalesAmount
    cost_of_sales: TotalProductCost
"""


def _erp_export(tmp_path: Path, rows, *, fmt: str = "csv", mapping: str = MAPPING) -> Path:
    """The same sales under the ERP's names, in FactInternetSales.csv, with the mapping."""
    folder = build_dataset(tmp_path / "erp", money_decimals=4)
    (folder / "sales.csv").unlink()
    _write_csv(folder / "FactInternetSales.csv", rows, ERP_NAMES)
    if fmt == "parquet":
        duckdb.execute(
            f"COPY (SELECT * REPLACE (CAST(SalesAmount AS DECIMAL(19,4)) AS SalesAmount) FROM "
            f"read_csv(?, all_varchar = true)) TO '{folder / 'FactInternetSales.parquet'}' "
            "(FORMAT parquet)",
            [str(folder / "FactInternetSales.csv")],
        )
        (folder / "FactInternetSales.csv").unlink()
        mapping = mapping.replace("FactInternetSales.csv", "FactInternetSales.parquet")
    (folder / "mapping.yaml").write_text(mapping)
    return folder


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_with_source_column_names_loads_through_mapping_like_the_renamed_file(tmp_path, fmt):
    rows = _sales_rows(2000, 4)
    renamed = build_dataset(tmp_path / "renamed", money_decimals=4, rows=rows)
    erp = _erp_export(tmp_path, rows, fmt=fmt)
    before = {p.name: p.read_bytes() for p in erp.iterdir()}
    ds = load_dataset(erp)
    reference = _exact_sums(renamed / "sales.csv", {"r": "revenue"})["r"]
    query = "SELECT sum(revenue), count(*), sum(quantity) FROM sales"
    assert ds.con.execute(query).fetchall() == load_dataset(renamed).con.execute(query).fetchall()
    assert ds.con.execute("SELECT sum(revenue) FROM sales").fetchall()[0][0] == reference
    assert ds.files["sales"].name == f"FactInternetSales.{fmt}"
    assert {p.name: p.read_bytes() for p in erp.iterdir()} == before  # the folder is only read


def test_an_excel_export_loads_through_mapping_and_its_problems_name_the_workbook(tmp_path):
    rows = _sales_rows(60, 4)
    erp = _erp_export(tmp_path, rows, mapping=MAPPING.replace(".csv", ".xlsx"))
    _csv_to_xlsx(erp / "FactInternetSales.csv")
    reference = sum(Decimal(r["revenue"]) for r in rows)
    assert load_dataset(erp).con.execute("SELECT sum(revenue) FROM sales").fetchall() == [
        (reference,)
    ]
    rows[9]["quantity"] = "ten"
    _write_csv(erp / "FactInternetSales.csv", rows, ERP_NAMES)
    _csv_to_xlsx(erp / "FactInternetSales.csv")
    (problem,) = _problems(erp)
    assert (problem.file, problem.column, problem.line, problem.value) == (
        "FactInternetSales.xlsx", "quantity (source column OrderQuantity)", 11, "ten",
    )  # fmt: skip


def test_a_title_line_above_a_mapped_export_is_named_once(tmp_path):
    erp = _erp_export(tmp_path, _sales_rows(10, 4))
    path = erp / "FactInternetSales.csv"
    path.write_text("Internet sales FY2025\n" + path.read_text())
    (problem,) = _problems(erp)
    assert (problem.file, problem.line) == ("FactInternetSales.csv", 1)
    assert "the column names are on line 2" in problem.message


def test_a_constant_gives_a_file_of_one_channel_its_channel(tmp_path):
    rows = [r for r in _sales_rows(300, 4) if r["channel_id"] == "WEB"]
    for r in rows:
        del r["channel_id"]
    ds = load_dataset(
        _erp_export(tmp_path, rows, mapping=MAPPING + "    channel_id: {value: WEB}\n")
    )
    assert ds.con.execute("SELECT channel_id, count(*) FROM sales GROUP BY 1").fetchall() == [
        ("WEB", len(rows))
    ]


@pytest.mark.parametrize(
    ("column", "constant", "hint"),
    [("order_date", "2025-13-01", "a date"), ("quantity", "many", "a number")],
)
def test_a_constant_that_is_not_a_value_of_its_column_names_mapping_yaml(
    tmp_path, column, constant, hint
):
    rows = _sales_rows(10, 4)
    for r in rows:
        del r[column]
    text = MAPPING.replace(f"    {column}: {ERP_NAMES[column]}\n", "")
    text += f"    {column}: {{value: {constant}}}\n"
    (problem,) = _problems(_erp_export(tmp_path, rows, mapping=text))
    assert (problem.file, problem.column, problem.value) == (
        "mapping.yaml", f"sales.columns.{column}", constant,
    )  # fmt: skip
    assert problem.line == len(text.splitlines())
    assert hint in problem.message


def test_a_problem_in_a_mapped_column_names_the_source_column_too(tmp_path):
    rows = _sales_rows(20, 4)
    rows[5]["revenue"] = "3.14159"
    problems = _problems(_erp_export(tmp_path, rows))
    assert [(p.file, p.column, p.line, p.value) for p in problems] == [
        ("FactInternetSales.csv", "revenue (source column SalesAmount)", 7, "3.14159")
    ]


def _line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith(start))


@pytest.mark.parametrize(
    ("edit", "key", "at", "message"),
    [
        (("sales:", "sale:"), "sale", "sale:", "not a table of the contract; rename it to 'sales'"),
        (("revenue:", "revenu:"), "sales.columns.revenu", "revenu:", "rename it to 'revenue'"),
        (
            ("SalesAmount", "SalesAmt"),
            "sales.columns.revenue",
            "revenue:",
            "source column SalesAmt",
        ),
        (("FactInternetSales.csv", "Fact.csv"), "sales.file", "file:", "not in the dataset folder"),
        (("FactInternetSales.csv", "../sales.csv"), "sales.file", "file:", "no folder part"),
        (("ProductKey", "CustomerKey"), "sales.columns.product_id", "product_id:", "already feeds"),
    ],
    ids=["unknown table", "unknown column", "missing source", "missing file", "path", "twice"],
)
def test_mapping_problems_name_mapping_yaml_and_its_line(tmp_path, edit, key, at, message):
    text = MAPPING.replace(*edit)
    folder = _erp_export(tmp_path, _sales_rows(10, 4), mapping=text)
    problems = [p for p in _problems(folder) if p.file == "mapping.yaml"]
    assert len(problems) == 1, problems
    assert problems[0].column == key
    assert problems[0].line == _line_of(text, at)
    assert message in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "- sales\n- partners\n",
        "sales: [a, b]\n",
        "!!python/object/apply:os.system [ls]\n",
        "sales:\n  columns:\n    revenue: !!python/name:os.system\n",
        "a: [\n",
        "x: &a [l, l]\ny: &b [*a, *a, *a]\nz: [*b, *b, *b]\n",
    ],
    ids=["a list", "a table as a list", "a python tag", "a nested tag", "broken", "aliases"],
)
def test_a_hostile_or_malformed_mapping_is_a_problem_not_a_crash(tmp_path, text):
    (tmp_path / "mapping.yaml").write_text(text)
    mappings, problems = read_mapping(tmp_path)
    assert mappings == {}
    assert problems and {p.file for p in problems} == {"mapping.yaml"}
    assert all(p.line is not None for p in problems if "YAML" not in p.message)


# -- 4. one currency -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("currencies", "named"),
    [
        (["USD", "EUR"], "EUR"),  # two currencies in one export
        (["EUR"], "EUR"),  # one, not goals.yaml's
        (["USD", " usd"], None),  # goals.yaml's (case and spaces aside)
    ],
    ids=["two", "other than goals", "goals' currency"],
)
def test_a_currency_column_must_hold_goals_currency_only(tmp_path, currencies, named):
    rows = _sales_rows(30, 4)
    for i, r in enumerate(rows):
        r["currency"] = currencies[i % len(currencies)]
    folder = build_dataset(tmp_path / "d", money_decimals=4, rows=rows)
    if named is None:
        assert load_dataset(folder).con.execute("SELECT count(*) FROM sales").fetchall() == [(30,)]
        return
    (problem,) = _problems(folder)
    assert (problem.file, problem.column) == ("sales.csv", "currency")
    assert named in problem.value
    if len(currencies) > 1:
        assert problem.line == 3  # the first line of the second currency
        assert "the contract holds one currency; split the export by currency" in problem.message
    else:
        assert "goals.yaml's currency is USD" in problem.message


def test_a_mapped_currency_column_is_checked_and_named_by_its_source(tmp_path):
    rows = _sales_rows(12, 4)
    for i, r in enumerate(rows):
        r["currency"] = ["USD", "GBP", "EUR"][i % 3]
    erp_names = {**ERP_NAMES, "currency": "CurrencyCode"}
    folder = build_dataset(tmp_path / "erp", money_decimals=4)
    (folder / "sales.csv").unlink()
    _write_csv(folder / "FactInternetSales.csv", rows, erp_names)
    (folder / "mapping.yaml").write_text(MAPPING + "    currency: CurrencyCode\n")
    (problem,) = _problems(folder)
    assert problem.column == "currency (source column CurrencyCode)"
    assert problem.value == "USD (4 lines), GBP (4 lines), EUR (4 lines)"


def test_a_changed_mapping_makes_a_new_prepared_cache_and_the_notes_survive_it(tmp_path):
    from channel_lib.data.prepared import load_prepared, prepare_dataset

    rows = _sales_rows(200, 4)
    erp = _erp_export(tmp_path, rows)
    _drop_column(erp / "partners.csv", "offboarded_on")
    ds = load_dataset(erp)
    assert any("offboarded_on" in note for note in ds.load_notes)
    assert "mapping.yaml" in ds.checksums
    prepared = prepare_dataset(ds, tmp_path / "cache")
    again = load_prepared(prepared, erp)
    assert again is not None and again.load_notes == ds.load_notes
    # the same files read another way: the prepared folder no longer fits, the key changes
    (erp / "mapping.yaml").write_text(MAPPING.replace("    quantity: OrderQuantity\n", "") + "\n")
    (erp / "FactInternetSales.csv").write_text(
        (erp / "FactInternetSales.csv").read_text().replace("OrderQuantity", "quantity")
    )
    assert load_prepared(prepared, erp) is None
    changed = load_dataset(erp)
    assert changed.checksums["mapping.yaml"] != ds.checksums["mapping.yaml"]
    assert prepare_dataset(changed, tmp_path / "cache") != prepared


def _sales_as_decimal_parquet(folder: Path, *, extra: str = "") -> None:
    """Rewrite tiny's sales.csv as Parquet with money as DECIMAL(18,2), the way an export of
    cents writes it (``extra``: a SQL row appended, e.g. a huge amount)."""
    select = (
        "SELECT * REPLACE (CAST(revenue AS DECIMAL(18,2)) AS revenue, "
        f"CAST(cost_of_sales AS DECIMAL(18,2)) AS cost_of_sales) FROM read_csv('{folder}/sales.csv')"
    )
    duckdb.execute(f"COPY ({select}{extra}) TO '{folder}/sales.parquet' (FORMAT parquet)")
    (folder / "sales.csv").unlink()


def test_parquet_money_in_cents_is_read_at_four_places_without_a_checking_scan(tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(TINY, folder)
    reference = duckdb.execute(
        f"SELECT sum(CAST(revenue AS DECIMAL(38,10))) FROM read_csv('{folder}/sales.csv', "
        "all_varchar = true)"
    ).fetchall()[0][0]
    _sales_as_decimal_parquet(folder)
    ds = load_dataset(folder)
    view = ds.con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'sales'").fetchall()
    # the footer's bounds prove that DECIMAL(18,2) fits DECIMAL(18,4): a plain cast, no TRY_CAST
    assert "CAST(revenue AS DECIMAL(18, 4))" in view[0][0] and "TRY_CAST(revenue" not in view[0][0]
    assert ds.con.execute("SELECT sum(revenue) FROM sales").fetchall()[0][0] == reference


def test_parquet_cents_too_large_for_four_places_are_refused_with_their_row(tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(TINY, folder)
    huge = (
        " UNION ALL SELECT * REPLACE ('ZZ-1' AS order_id, CAST(1e15 AS DECIMAL(18,2)) AS revenue, "
        "CAST(1 AS DECIMAL(18,2)) AS cost_of_sales) FROM (SELECT * FROM read_csv("
        f"'{folder}/sales.csv') LIMIT 1)"
    )
    _sales_as_decimal_parquet(folder, extra=huge)
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    problems = [p for p in err.value.problems if p.value == "1000000000000000.00"]
    # the appended row is the file's last: tiny has 28 sales lines
    assert [(p.file, p.column, p.line) for p in problems] == [("sales.parquet", "revenue", 29)]
