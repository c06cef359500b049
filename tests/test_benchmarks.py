"""The load benchmark's workloads, run small: they must agree, or its ratios mean nothing.

``make bench`` times them on 10 M lines; here the same functions run on a 20,000-line set in both
formats, so a change that breaks the benchmark (or makes the workbook and the plain query disagree)
fails the suite instead of the next benchmark run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_load  # noqa: E402  (benchmarks/ is not a package)


@pytest.fixture(scope="module")
def both_formats(tmp_path_factory) -> dict[str, Path]:
    from channel_lib.sample import generate_sample

    out = tmp_path_factory.mktemp("bench") / "set"
    generate_sample(out, seed=3, scale=0.2, formats=("csv", "parquet"))
    return {"csv": out, "parquet": out / "parquet"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_workbook_and_plain_query_give_the_same_quarterly_numbers(both_formats, fmt):
    folder = both_formats[fmt]
    reference = bench_load.plain(folder)
    rows, load_seconds = bench_load.workbook(folder)
    assert load_seconds > 0
    assert len(reference) > 20  # quarters x channels of three fiscal years
    assert bench_load._same(reference, rows)
    lines = bench_load._count_lines(both_formats["parquet"])
    assert sum(r[2] for r in reference) == sum(r[2] for r in rows) == lines


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duplicate_check_counts_repeated_order_lines(both_formats, fmt, tmp_path):
    import duckdb

    folder = both_formats[fmt]
    assert bench_load.duplicate_lines(folder) == 0
    # the same set with its first three lines written twice: three repeated keys
    copy = tmp_path / fmt
    copy.mkdir()
    sales = folder / f"sales.{fmt}"
    writer = "(FORMAT parquet)" if fmt == "parquet" else "(HEADER)"
    reader = f"read_parquet('{sales}')" if fmt == "parquet" else f"read_csv('{sales}')"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM {reader} UNION ALL (SELECT * FROM {reader} LIMIT 3)) "
        f"TO '{copy / sales.name}' {writer}"
    )
    assert bench_load.duplicate_lines(copy) == 3


def test_same_tells_numbers_apart():
    row = ("FY2024-Q1", "DIR", 10, 12_345, 6_789, 0.25)
    assert bench_load._same([row], [row])
    assert not bench_load._same([row], [(*row[:3], 12_346, *row[4:])])  # one cent
    assert not bench_load._same([row], [(*row[:5], 0.2500001)])
    assert not bench_load._same([row], [])


@pytest.fixture(scope="module")
def money4(both_formats, tmp_path_factory) -> dict[str, Path]:
    return bench_load.four_decimal_copy(both_formats, tmp_path_factory.mktemp("bench4") / "set")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_four_decimal_variant_agrees_with_the_plain_query_in_its_unit(money4, fmt):
    folder = money4[fmt]
    assert bench_load.money_decimals(folder) == 4
    reference = bench_load.plain(folder)
    rows, _ = bench_load.workbook(folder)
    assert bench_load._same(reference, rows)


def test_four_decimal_variant_plants_a_part_of_a_cent_in_every_amount(both_formats, money4):
    import duckdb

    # the same lines, each amount moved by 0.0001-0.0099 away from zero (zero stays zero)
    a, b = both_formats["parquet"] / "sales.parquet", money4["parquet"] / "sales.parquet"
    con = duckdb.connect()
    lines, moved, bad, four_places = con.execute(
        "SELECT count(*), "
        "count(*) FILTER (WHERE n.revenue <> o.revenue AND n.cost_of_sales <> o.cost_of_sales), "
        "count(*) FILTER (WHERE abs(n.revenue - o.revenue) NOT BETWEEN 0.0001 AND 0.0099 "
        "  AND o.revenue <> 0 OR sign(n.revenue) <> sign(o.revenue) "
        "  OR sign(n.cost_of_sales) <> sign(o.cost_of_sales)), "
        "count(*) FILTER (WHERE CAST(n.revenue * 100 AS DECIMAL(38, 4)) "
        "  <> round(n.revenue * 100)) "
        f"FROM read_parquet('{a}') o JOIN read_parquet('{b}') n USING (order_id, line_number)"
    ).fetchall()[0]
    assert lines == bench_load._count_lines(both_formats["parquet"]) > 0
    assert bad == 0 and moved > 0.95 * lines and four_places > 0.95 * lines
    # the CSV twin holds the same amounts as text with 4 places
    csv_sum = con.execute(
        f"SELECT sum(CAST(revenue AS DECIMAL(38, 10))) FROM read_csv('{money4['csv'] / 'sales.csv'}', "
        "all_varchar = true)"
    ).fetchall()[0][0]
    assert csv_sum == con.execute(f"SELECT sum(revenue) FROM read_parquet('{b}')").fetchall()[0][0]
