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
