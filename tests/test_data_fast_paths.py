"""The loader's fast paths (one-statement check counts, hashed key check, typed Parquet read once)
give the same dataset and the same problems as the careful paths."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from report_fixtures import assert_same_tables
from test_real_exports import set_money_decimals

from channel_lib import DataValidationError, load_dataset
from channel_lib.data.sql import cast_cannot_fail

SALES_TYPES = (
    "order_id VARCHAR, line_number BIGINT, order_date DATE, channel_id VARCHAR, partner_id VARCHAR, "
    "customer_id VARCHAR, product_id VARCHAR, quantity DOUBLE, revenue DECIMAL(18,2), "
    "cost_of_sales DECIMAL(18,2), sales_rep VARCHAR"
)


def _to_parquet(folder, select: str) -> None:
    duckdb.execute(
        f"COPY (SELECT {select} FROM read_csv('{folder / 'sales.csv'}', all_varchar = true)) "
        f"TO '{folder / 'sales.parquet'}' (FORMAT parquet)"
    )
    (folder / "sales.csv").unlink()


def test_typed_parquet_is_read_once_and_loads_like_csv(tiny_copy, tiny):
    casts = ", ".join(f"CAST({c.split()[0]} AS {c.split(maxsplit=1)[1]}) AS {c.split()[0]}"
                      for c in SALES_TYPES.split(", "))  # fmt: skip
    _to_parquet(tiny_copy, casts)
    ds = load_dataset(tiny_copy)
    query = "SELECT sum(revenue), sum(cost_of_sales), sum(quantity), count(*), count(partner_id) FROM sales"
    assert ds.con.execute(query).fetchall() == tiny.con.execute(query).fetchall()
    assert (
        ds.con.execute("DESCRIBE sales").fetchall() == tiny.con.execute("DESCRIBE sales").fetchall()
    )
    assert "sales_rep" in ds.table("sales").columns


def test_parquet_with_other_types_still_checks_every_value(tiny_copy):
    # revenue as DOUBLE text-cast: not a lossless cast to DECIMAL(18,2), so the careful path runs
    _to_parquet(
        tiny_copy, "* REPLACE (CASE WHEN order_id = 'O1005' THEN 'x' ELSE revenue END AS revenue)"
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    assert ("revenue", "x") in [(p.column, p.value) for p in info.value.problems]


def test_padded_missing_value_marker_is_caught(tiny_copy):
    path = tiny_copy / "sales.csv"
    path.write_text(
        path.read_text().replace(
            "O1009,1,2025-03-03,DIST,P1,C2,", "O1009,1,2025-03-03,DIST,P1,  NA ,"
        )
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    hits = [p for p in info.value.problems if p.column == "customer_id" and p.value == "  NA "]
    assert hits and "missing-value marker" in hits[0].message


@pytest.mark.parametrize(
    ("source", "target", "safe"),
    [
        ("VARCHAR", "VARCHAR", True),
        ("BIGINT", "VARCHAR", True),
        ("INTEGER", "BIGINT", True),
        ("DOUBLE", "BIGINT", False),
        ("BIGINT", "DOUBLE", True),  # never fails; rounds beyond 2**53 exactly as TRY_CAST does
        ("DECIMAL(18,2)", "DECIMAL(18,2)", True),
        ("DECIMAL(10,2)", "DECIMAL(18,2)", True),
        ("DECIMAL(38,2)", "DECIMAL(18,2)", False),
        ("DECIMAL(18,3)", "DECIMAL(18,2)", False),
        ("DOUBLE", "DECIMAL(18,2)", False),
        ("INTEGER", "DECIMAL(18,2)", True),
        ("VARCHAR", "DATE", False),
        ("TIMESTAMP", "DATE", False),
    ],
)
def test_only_lossless_casts_skip_the_value_check(source, target, safe):
    assert cast_cannot_fail(source, target) is safe


def _state_with_sales(tmp_path, select: str):
    from channel_lib.data.load_state import LoadState

    state = LoadState(tmp_path)
    state.con.execute(f"CREATE TABLE sales AS {select}")
    return state


@pytest.mark.parametrize(
    ("select", "in_order"),
    [
        # 300k lines span several row groups, so the scans run in parallel
        ("SELECT 'O' || lpad(CAST(i // 3 AS VARCHAR), 7, '0') AS order_id, i % 3 + 1 AS line_number "
         "FROM range(300000) r(i)", True),
        ("SELECT 'O' || lpad(CAST(i // 3 AS VARCHAR), 7, '0') AS order_id, "
         "CASE WHEN i = 250001 THEN 1 ELSE i % 3 + 1 END AS line_number FROM range(300000) r(i)", False),
        ("SELECT 'O' || lpad(CAST((i * 7919) % 300000 AS VARCHAR), 7, '0') AS order_id, 1 AS line_number "
         "FROM range(300000) r(i)", False),
        ("SELECT 'O' || lpad(CAST(i // 2 AS VARCHAR), 7, '0') AS order_id, "
         "CASE WHEN i = 5 THEN NULL ELSE i % 2 + 1 END AS line_number FROM range(300000) r(i)", False),
        # the same key on both sides of the middle, where a two-thread check cuts the rows
        ("SELECT 'O' || lpad(CAST(i // 3 - CAST(i = 150000 AS INT) AS VARCHAR), 7, '0') AS order_id, "
         "CASE WHEN i = 150000 THEN 3 ELSE i % 3 + 1 END AS line_number FROM range(300000) r(i)", False),
    ],
    ids=["sorted-unique", "sorted-with-a-repeat", "shuffled", "empty-line-number",
         "repeat-across-the-cut"],
)  # fmt: skip
def test_key_order_proves_uniqueness_only_when_sorted(tmp_path, select, in_order):
    from channel_lib.data.checks.keys import key_in_order
    from channel_lib.data.contract import TABLES

    state = _state_with_sales(tmp_path, select)
    assert key_in_order(state, TABLES["sales"]) is in_order


def test_duplicate_far_apart_in_unsorted_file_is_found(tiny_copy):
    path = tiny_copy / "sales.csv"
    header, *lines = path.read_text().splitlines()
    lines.reverse()  # unsorted: the hash check runs
    lines.append(lines[3])  # the same order line again, at the end
    path.write_text("\n".join([header, *lines]) + "\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    (p,) = [p for p in info.value.problems if p.column == "order_id+line_number"]
    assert p.line == len(lines) + 1 and p.value == lines[3].split(",")[0] + " / 1"


# -- Parquet tables are views over the file; statistics prove columns clean ----------------------------
def _sales_to_parquet(folder, select: str = "*", row_group_size: int | None = None) -> None:
    """sales.csv → sales.parquet with the contract's types (the fast path), optionally changed."""
    casts = ", ".join(f"CAST({c.split()[0]} AS {c.split(maxsplit=1)[1]}) AS {c.split()[0]}"
                      for c in SALES_TYPES.split(", "))  # fmt: skip
    rows = duckdb.sql(
        f"SELECT {select} FROM (SELECT {casts} FROM read_csv('{folder / 'sales.csv'}', "
        "all_varchar = true))"
    ).to_arrow_table()
    pq.write_table(rows, folder / "sales.parquet", row_group_size=row_group_size)
    (folder / "sales.csv").unlink()


def test_parquet_sales_stay_a_view_over_the_file_with_no_extra_column(tiny_copy, tiny):
    _sales_to_parquet(tiny_copy)
    ds = load_dataset(tiny_copy)
    kinds = dict(
        ds.con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    )
    assert kinds["sales"] == "VIEW" and kinds["customers"] == "BASE TABLE"
    assert (
        ds.con.execute("DESCRIBE sales").fetchall() == tiny.con.execute("DESCRIBE sales").fetchall()
    )
    query = "SELECT * FROM sales ORDER BY order_id, line_number"
    assert ds.con.execute(query).fetchall() == tiny.con.execute(query).fetchall()


@pytest.mark.parametrize(
    ("select", "column", "value", "row"),
    [
        ("* REPLACE (CASE WHEN order_id = 'O1005' THEN NULL ELSE customer_id END AS customer_id)",
         "customer_id", "", 6),
        ("* REPLACE (CASE WHEN order_id = 'O1005' THEN NULL ELSE revenue END AS revenue)",
         "revenue", "", 6),
        ("* REPLACE (CASE WHEN order_id = 'O1005' THEN 'NA' ELSE order_id END AS order_id)",
         "order_id", "NA", 6),
        ("* REPLACE (CASE WHEN order_id = 'O1005' THEN ' -' ELSE order_id END AS order_id)",
         "order_id", " -", 6),
        ("* REPLACE (CASE WHEN order_id = 'O1005' THEN -1 ELSE line_number END AS line_number)",
         "line_number", "-1", 6),
        ("* REPLACE (CASE WHEN order_id = 'O1006' THEN 'O1005' ELSE order_id END AS order_id)",
         "order_id+line_number", "O1005 / 1", 7),
    ],
    ids=["null-id", "null-money", "marker-in-key", "padded-marker-in-key", "below-minimum",
         "duplicate-key"],
)  # fmt: skip
def test_parquet_problem_statistics_cannot_rule_out_is_found_with_its_row(
    tiny_copy, select, column, value, row
):
    _sales_to_parquet(tiny_copy, select)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    assert (column, value, row) in [(p.column, p.value, p.line) for p in info.value.problems], str(
        info.value
    )


def test_parquet_problem_in_a_later_row_group_has_its_file_row_number(tiny_copy):
    # 3 rows a row group: the duplicate and the empty cell sit in row groups 3 and 8
    _sales_to_parquet(
        tiny_copy,
        "* REPLACE (CASE WHEN order_id = 'O1008' THEN 'O1007' ELSE order_id END AS order_id, "
        "CASE WHEN order_id = 'O1022' THEN NULL ELSE product_id END AS product_id)",
        row_group_size=3,
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    found = [(p.column, p.value, p.line) for p in info.value.problems]
    assert ("order_id+line_number", "O1007 / 1", 9) in found  # Parquet: row, not line
    assert ("product_id", "", 23) in found
    assert pq.ParquetFile(tiny_copy / "sales.parquet").metadata.num_row_groups == 10


@pytest.mark.parametrize(
    ("low", "high", "clean"),
    [
        ("SO00000001", "SO06688327", True),
        ("O1001", "O1026", True),
        ("N001", "N999", False),  # "NA", "NULL", "None" begin with N
        ("nan1", "nan9", False),  # "nan" itself lies between them
        ("-1", "-9", False),  # "-" followed by spaces
        (" A", " B", False),  # a leading space: "  NA" could lie between
        ("A", "Z", False),  # no common prefix
        ("NA ", "NA x", False),
    ],
)
def test_only_a_prefix_that_no_marker_can_start_with_proves_a_column_clean(low, high, clean):
    from channel_lib.data.checks.proofs import prefix_rules_out_markers

    assert prefix_rules_out_markers(low, high) is clean


@pytest.mark.parametrize("min_rows", [1, None], ids=["order-check", "hash-check"])
def test_sorted_key_with_a_marker_in_the_first_line_is_still_caught(
    tiny_copy, monkeypatch, min_rows
):
    if min_rows is not None:  # check the key order of the 29-line table, as of a large one
        monkeypatch.setattr("channel_lib.data.checks.keys.MIN_RANGE_ROWS", min_rows)
    path = tiny_copy / "sales.csv"
    header, *lines = path.read_text().splitlines()
    # 'NA' sorts before 'O1001': the file stays sorted, so only the first and last keys are read
    path.write_text("\n".join([header, "NA" + lines[0][5:], *lines]) + "\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    assert ("order_id", "NA", 2) in [(p.column, p.value, p.line) for p in info.value.problems]


def test_key_order_check_reads_a_parquet_view_in_file_order(tmp_path):
    from channel_lib.data.checks.keys import key_in_order
    from channel_lib.data.contract import TABLES
    from channel_lib.data.load_state import LoadState

    path = tmp_path / "keys.parquet"
    for i, (repeat, in_order) in enumerate([(None, True), (250_001, False), (2, False)]):
        line = (
            "i % 3 + 1" if repeat is None else f"CASE WHEN i = {repeat} THEN 1 ELSE i % 3 + 1 END"
        )
        duckdb.execute(
            f"COPY (SELECT 'O' || lpad(CAST(i // 3 AS VARCHAR), 7, '0') AS order_id, {line} "
            f"AS line_number FROM range(300000) r(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 65536)"
        )
        state = LoadState(tmp_path)
        state.con.execute(
            f"CREATE VIEW sales AS SELECT file_row_number AS rowid, * "
            f"FROM read_parquet('{path}', file_row_number = true)"
        )
        assert key_in_order(state, TABLES["sales"]) is in_order, i


def test_dataset_of_parquet_files_only_gives_the_same_tables_and_metrics(tiny_copy, tiny):
    from channel_lib.data.cube import attainment, summarise

    for path in tiny_copy.glob("*.csv"):  # text columns as Parquet strings: every cast is checked
        duckdb.execute(
            f"COPY (SELECT * FROM read_csv('{path}', all_varchar = true)) "
            f"TO '{path.with_suffix('.parquet')}' (FORMAT parquet)"
        )
        path.unlink()
    ds = load_dataset(tiny_copy)
    assert_same_tables(ds, tiny)
    pd.testing.assert_frame_equal(
        summarise(ds, by="channel_id", period="quarter"),
        summarise(tiny, by="channel_id", period="quarter"),
    )
    a, b = attainment(ds, "FY2026-Q3"), attainment(tiny, "FY2026-Q3")
    assert a.drop(columns="source_file").equals(b.drop(columns="source_file"))


def test_parquet_view_still_reads_its_file_after_a_change_of_working_directory(
    tiny_copy, tmp_path, monkeypatch
):
    _sales_to_parquet(tiny_copy)
    monkeypatch.chdir(tiny_copy.parent)
    ds = load_dataset(tiny_copy.name)  # a relative folder
    monkeypatch.chdir(tmp_path)
    assert ds.con.execute("SELECT count(*) FROM sales").fetchall() == [(28,)]


def test_order_check_of_a_sorted_table_proves_its_first_key_column_free_of_markers(
    tiny_copy, monkeypatch
):
    from channel_lib.data.checks import keys
    from channel_lib.data.load_state import LoadState

    monkeypatch.setattr(keys, "MIN_RANGE_ROWS", 1)
    state = LoadState(tiny_copy)
    state.con.execute(f"CREATE TABLE sales AS SELECT * FROM read_csv('{tiny_copy / 'sales.csv'}')")
    from channel_lib.data.contract import TABLES

    assert keys.key_in_order(state, TABLES["sales"]) is True
    assert keys.sorted_clean(state, TABLES["sales"]) == ["order_id"]  # 'O1001' .. 'O1026'


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(
    ("line", "column", "value"),
    [
        ("O1005,1,2024-11-02,DIST,P1,C5,SKU4,-100,1900.00,1400.00,", "quantity", "-100.0 / 1900.00"),
        ("O1005,1,2024-11-02,DIST,P1,C5,SKU9,100,1900.00,1400.00,", "product_id", "SKU9"),
        ("O1005,1,2024-11-02,MAIL,P1,C5,SKU4,100,1900.00,1400.00,", "channel_id", "MAIL"),
        ("O1005,1,2024-11-02,DIST,P9,C5,SKU4,100,1900.00,1400.00,", "partner_id", "P9"),
    ],
    ids=["opposite-signs", "unknown-product", "unknown-channel", "unknown-partner"],
)  # fmt: skip
def test_checks_read_from_the_sales_summary_still_name_the_line(
    tiny_copy, fmt, line, column, value
):
    set_money_decimals(tiny_copy, 2)  # the value shown holds revenue at 2 places: 1900.00
    path = tiny_copy / "sales.csv"
    path.write_text(
        "\n".join(line if x.startswith("O1005,") else x for x in path.read_text().splitlines())
        + "\n"
    )
    if fmt == "parquet":
        _sales_to_parquet(tiny_copy)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    row = 7 if fmt == "csv" else 6  # CSV: line (the header is line 1); Parquet: row
    assert (column, value, row) in [(p.column, p.value, p.line) for p in info.value.problems], str(
        info.value
    )


@pytest.mark.parametrize(
    ("kind", "source", "groups", "proven"),
    [
        ("null", "VARCHAR", [(10, 0, "a", "b"), (5, 0, "c", "d")], True),
        ("null", "VARCHAR", [(10, 0, "a", "b"), (5, 1, "c", "d")], False),
        ("null", "VARCHAR", [(10, None, "a", "b")], False),  # no statistics: scan
        ("minimum", "DECIMAL(38,20)", [(3, 0, "0.99999999999999999999", "5")], False),
        ("minimum", "BIGINT", [(3, 0, "1", "5"), (3, 3, None, None)], True),  # all-empty group
        ("minimum", "BIGINT", [(3, 0, None, "5")], False),
        ("minimum", "VARCHAR", [(3, 0, "1", "5")], False),  # text order is not number order
        ("marker", "VARCHAR", [(3, 0, "SO001", "SO999"), (3, 0, "SP001", "SP999")], True),
        ("marker", "VARCHAR", [(3, 0, "SO001", "SO999"), (3, 0, "NA", "SP999")], False),
        ("marker", "BIGINT", [(3, 0, "1", "9")], False),
    ],
)
def test_statistics_prove_a_check_only_from_every_row_group(kind, source, groups, proven):
    from pathlib import Path

    from channel_lib.data.checks.proofs import stats_prove
    from channel_lib.data.load_state import ParquetView

    view = ParquetView("t", Path("t.parquet"), {"c": '"c"'}, {"c": source}, {"c": groups})
    assert stats_prove(view, "c", kind, *([1] if kind == "minimum" else [])) is proven
