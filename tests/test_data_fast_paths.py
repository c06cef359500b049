"""The loader's fast paths (one-statement check counts, hashed key check, typed Parquet read once)
give the same dataset and the same problems as the careful paths."""

from __future__ import annotations

import duckdb
import pytest

from channel_lib import DataValidationError, load_dataset
from channel_lib.data import _cast_cannot_fail

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
    assert _cast_cannot_fail(source, target) is safe


def _loader_with_sales(tmp_path, select: str):
    from channel_lib.data import _Loader

    loader = _Loader(tmp_path)
    loader.con.execute(f"CREATE TABLE sales AS {select}")
    return loader


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
    ],
    ids=["sorted-unique", "sorted-with-a-repeat", "shuffled", "empty-line-number"],
)  # fmt: skip
def test_key_order_proves_uniqueness_only_when_sorted(tmp_path, select, in_order):
    from channel_lib.contract import TABLES

    loader = _loader_with_sales(tmp_path, select)
    assert loader._key_in_order(TABLES["sales"]) is in_order


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
