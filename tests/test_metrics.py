"""Specification of the core metrics.

Reference values come from outside ``channel_lib``: plain DuckDB SQL over ``read_csv`` /
``read_parquet`` of the dataset files (fiscal quarters computed in SQL from ``goals.yaml``), figures
worked by hand from ``tests/data/tiny/sales.csv``, and invariants checked by hypothesis on random
datasets.
"""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channel_lib import DataValidationError, load_dataset
from channel_lib.data.cube import (
    MissingDataError,
    attainment,
    concentration,
    contribution,
    cost_to_serve,
    growth,
    herfindahl,
    monthly_cube,
    revenue_shares,
    summarise,
    top_share,
    trailing_growth,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
SAMPLE = ROOT / "data" / "sample"
# deadline from the project's hypothesis profile (tests/conftest.py); each example writes and loads
# a whole dataset folder, so the dataset-level properties take at most 20 examples
PROPERTY = settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])


#: The tiny set read with a money unit of 4 places (``money_decimals: 4`` in a copy's goals.yaml).
TINY_4 = "tiny with money_decimals: 4"
DATASETS = [
    pytest.param(TINY, id="tiny"),
    pytest.param(SAMPLE, id="sample"),
    pytest.param(TINY_4, id="tiny-4-decimals"),
]


@pytest.fixture(scope="module", params=DATASETS)
def case(request, tmp_path_factory):
    """(folder, loaded dataset) for each dataset the SQL references are checked on."""
    folder = request.param
    if folder == TINY_4:
        import shutil

        folder = tmp_path_factory.mktemp("tiny4") / "tiny"
        shutil.copytree(TINY, folder)
        goals = (folder / "goals.yaml").read_text()
        (folder / "goals.yaml").write_text(
            goals.replace("currency: USD\n", "currency: USD\nmoney_decimals: 4\n")
        )
        ds = load_dataset(folder)
        assert ds.money.decimals == 4
        return folder, ds
    return folder, load_dataset(folder)


@pytest.fixture(scope="module")
def tiny():
    return load_dataset(TINY)


# -- the independent reference: plain DuckDB SQL over the files ------------------------------------
def _src(folder: Path, table: str) -> str:
    parquet = folder / f"{table}.parquet"
    if parquet.exists():
        return f"read_parquet('{parquet}')"
    return f"read_csv('{folder / table}.csv', header = true, all_varchar = true)"


def _period_sql(folder: Path, period: str, date: str) -> str:
    """The fiscal label of ``date`` in SQL, from goals.yaml (independent of channel_lib)."""
    fy = yaml.safe_load((folder / "goals.yaml").read_text()).get("fiscal_year", {}) or {}
    start, naming = int(fy.get("start_month", 1)), fy.get("naming", "end")
    offset = 1 if naming == "end" and start != 1 else 0
    start_year = f"(CASE WHEN month({date}) >= {start} THEN year({date}) ELSE year({date}) - 1 END)"
    fiscal_year = f"'FY' || CAST({start_year} + {offset} AS VARCHAR)"
    q = f"CAST((month({date}) - {start} + 12) % 12 // 3 + 1 AS VARCHAR)"
    return {
        "month": f"strftime({date}, '%Y-%m')",
        "quarter": f"{fiscal_year} || '-Q' || {q}",
        "year": fiscal_year,
    }[period]


def _exact_sql(expr: str, scale: int) -> str:
    """An amount read as text, summed as DECIMAL(38,10) and given in units of 1/``scale``."""
    return f"CAST(sum(CAST({expr} AS DECIMAL(38, 10))) * {scale} AS BIGINT)"


def reference_sales(folder: Path, by: tuple[str, ...], period: str, scale: int) -> pd.DataFrame:
    """Sales sums by period and ``by``, in units of 1/``scale`` (``ds.money.scale``: the
    dataset's money unit), straight from the files."""
    date = "CAST(s.order_date AS DATE)"
    keys = "".join(f", {'p' if b == 'product_line' else 's'}.{b} AS {b}" for b in by)
    sql = f"""
        SELECT {_period_sql(folder, period, date)} AS period{keys},
               count(*) AS lines,
               sum(CAST(s.quantity AS DOUBLE)) AS quantity,
               {_exact_sql("s.revenue", scale)} AS revenue_exact,
               {_exact_sql("s.cost_of_sales", scale)} AS cost_exact,
               sum(CAST(s.revenue AS DOUBLE)) FILTER (WHERE p.list_price IS NOT NULL) AS listed,
               sum(CAST(s.quantity AS DOUBLE) * CAST(p.list_price AS DOUBLE))
                   FILTER (WHERE p.list_price IS NOT NULL) AS list_value
        FROM {_src(folder, "sales")} s JOIN {_src(folder, "products")} p
             ON s.product_id = p.product_id
        GROUP BY ALL
    """
    return duckdb.sql(sql).df()


def _keyed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for k in keys:
        out[k] = out[k].astype("string").fillna("<none>")
    return out.sort_values(keys).reset_index(drop=True)


BY = [
    ("channel_id",),
    ("partner_id",),
    ("customer_id",),
    ("product_line",),
    ("channel_id", "partner_id"),
    ("channel_id", "product_line"),
    (),
]


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
@pytest.mark.parametrize("by", BY, ids=["+".join(b) or "total" for b in BY])
def test_summary_equals_plain_sql_to_the_cent(case, by, period):
    folder, ds = case
    got = summarise(ds, by=by, period=period)
    ref = reference_sales(folder, by, period, ds.money.scale)
    keys = ["period", *by]
    got, ref = _keyed(got, keys), _keyed(ref, keys)
    assert got[keys].equals(ref[keys])
    assert got["lines"].tolist() == ref["lines"].tolist()
    assert got["revenue_exact"].tolist() == ref["revenue_exact"].tolist()
    assert got["cost_of_sales_exact"].tolist() == ref["cost_exact"].tolist()
    assert got["gross_profit_exact"].tolist() == (ref["revenue_exact"] - ref["cost_exact"]).tolist()
    # the float columns are the exact units in currency
    assert [ds.money.to_exact(v) for v in got["revenue"]] == ref["revenue_exact"].tolist()
    np.testing.assert_allclose(got["quantity"], ref["quantity"], rtol=1e-12)
    # discount = 1 - revenue / list value over lines with a list price (list-value weighted)
    expected_discount = 1 - ref["listed"] / ref["list_value"].where(ref["list_value"] != 0)
    np.testing.assert_allclose(got["discount"], expected_discount, rtol=1e-9, atol=1e-9)


def test_cost_to_serve_and_contribution_equal_plain_sql(case):
    folder, ds = case
    assert (folder / "channel_costs.csv").exists() or (folder / "channel_costs.parquet").exists()
    month = "CAST(CASE WHEN length(month) = 7 THEN month || '-01' ELSE month END AS DATE)"
    costs = duckdb.sql(f"""
        SELECT {_period_sql(folder, "quarter", month)} AS period, channel_id,
               {_exact_sql("amount", ds.money.scale)} AS cts_exact
        FROM {_src(folder, "channel_costs")} GROUP BY ALL
    """).df()
    got = cost_to_serve(ds, period="quarter")
    keys = ["period", "channel_id"]
    a, b = _keyed(got, keys), _keyed(costs, keys)
    assert a[keys].equals(b[keys])
    assert a["cost_to_serve_exact"].tolist() == b["cts_exact"].tolist()

    sales = reference_sales(folder, ("channel_id",), "quarter", ds.money.scale)
    sales["gp_exact"] = sales["revenue_exact"] - sales["cost_exact"]
    both = sales[[*keys, "gp_exact"]].merge(costs, on=keys, how="outer").fillna(0)
    both["contribution_exact"] = (both["gp_exact"] - both["cts_exact"]).astype("int64")
    got = _keyed(contribution(ds, period="quarter"), keys)
    both = _keyed(both, keys)
    assert got[keys].equals(both[keys])
    assert got["contribution_exact"].tolist() == both["contribution_exact"].tolist()


def test_cube_total_equals_the_file_to_the_cent(case):
    folder, ds = case
    ref = duckdb.sql(
        f"SELECT {_exact_sql('revenue', ds.money.scale)}, count(*) FROM {_src(folder, 'sales')}"
    ).fetchall()[0]
    cube = monthly_cube(ds)
    assert (int(cube["revenue_exact"].sum()), int(cube["lines"].sum())) == ref


def test_cube_is_built_once_per_dataset():
    ds = load_dataset(TINY)
    first = summarise(ds, by="channel_id", period="quarter")
    ds.con.execute("ALTER TABLE sales RENAME TO sales_moved_away")  # a second scan would fail
    again = summarise(ds, by="channel_id", period="quarter")
    pd.testing.assert_frame_equal(first, again)
    assert len(growth(ds, period="year")) > 0
    ds.con.execute("ALTER TABLE sales_moved_away RENAME TO sales")
    customers = summarise(ds, by="customer_id", period="quarter")  # the customer grain, once
    ds.con.execute("ALTER TABLE sales RENAME TO sales_moved_away")
    again = summarise(ds, by="customer_id", period="quarter")
    pd.testing.assert_frame_equal(customers, again)
    assert monthly_cube(ds)["revenue_exact"].sum() == first["revenue_exact"].sum()


def test_customer_grain_built_first_gives_the_same_channel_figures():
    ds = load_dataset(TINY)
    monthly_cube(ds)  # customer grain first: the partner grain is then derived from it
    pd.testing.assert_frame_equal(
        summarise(ds, by=("channel_id", "partner_id", "product_line"), period="month"),
        summarise(
            load_dataset(TINY), by=("channel_id", "partner_id", "product_line"), period="month"
        ),
    )


# -- hand-worked cases on tests/data/tiny ---------------------------------------------------------------
def _row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for k, v in where.items():
        mask &= (frame[k] == v).fillna(False).to_numpy(dtype=bool)
    rows = frame[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


def test_tiny_gross_profit_and_margin_by_hand(tiny):
    # FY2026 (Jul 2025 - Jun 2026) DIR: O1014 3690 + O1018 1050 + O1021 5700 + O1024 2660 + 180
    row = _row(summarise(tiny, by="channel_id", period="year"), period="FY2026", channel_id="DIR")
    assert row["gross_profit_exact"] == 13_280 * tiny.money.scale  # exact units of ds.money
    # revenue 8370 + 3900 + 13500 + 6300 + 650 = 32720
    assert row["gross_margin"] == pytest.approx(13280 / 32720, rel=1e-12)


def test_tiny_discount_by_hand(tiny):
    # FY2026-Q3 WEB: O1020 20 x SKU2 (list 250.00) for 4500.00 -> 1 - 4500 / 5000 = 10 %
    row = _row(
        summarise(tiny, by="channel_id", period="quarter"), period="FY2026-Q3", channel_id="WEB"
    )
    assert row["discount"] == pytest.approx(0.10, abs=1e-12)
    # FY2026-Q3 DIST: only O1019, SKU4 without list price -> no discount, no list coverage
    row = _row(
        summarise(tiny, by="channel_id", period="quarter"), period="FY2026-Q3", channel_id="DIST"
    )
    assert np.isnan(row["discount"]) and row["list_coverage"] == 0


def test_tiny_quarterly_growth_by_hand(tiny):
    g = growth(tiny, by="channel_id", period="quarter")
    # DIR FY2026-Q3 13500 vs FY2026-Q2 3900 (O1018) and vs FY2025-Q3 11160 (O1008)
    row = _row(g, period="FY2026-Q3", channel_id="DIR")
    assert row["change_vs_previous"] == pytest.approx((13500 - 3900) / 3900, rel=1e-12)
    assert row["change_vs_year_ago"] == pytest.approx((13500 - 11160) / 11160, rel=1e-12)
    # DIST FY2026-Q1: credit note O1013 -1025 + O1015 3400 = 2375 vs FY2025-Q4 1350 (O1011)
    row = _row(g, period="FY2026-Q1", channel_id="DIST")
    assert row["value_exact"] == 2_375 * tiny.money.scale
    assert row["previous_exact"] == 1_350 * tiny.money.scale
    assert row["change_vs_previous"] == pytest.approx(1025 / 1350, rel=1e-12)
    # WEB has no sales in FY2025-Q2: FY2025-Q3 grows from zero -> no defined change
    row = _row(g, period="FY2025-Q3", channel_id="WEB")
    assert row["previous_exact"] == 0 and np.isnan(row["change_vs_previous"])
    # the first quarter of data has no previous quarter at all
    row = _row(g, period="FY2025-Q1", channel_id="DIR")
    assert pd.isna(row["previous_exact"]) and pd.isna(row["year_ago_exact"])
    # every quarter appears for every channel (gaps are zero, not missing rows)
    assert g.groupby("channel_id").size().nunique() == 1


def test_tiny_trailing_twelve_months_by_hand(tiny):
    t = trailing_growth(tiny, "FY2026-Q4", by="partner_id")
    # P1: Jul 2025-Jun 2026 -1025 + 5000 + 7000 = 10975; Jul 2024-Jun 2025 8400 + 1900 + 6150 = 16450
    row = _row(t, partner_id="P1")
    scale = tiny.money.scale
    assert (row["current_exact"], row["previous_exact"]) == (10_975 * scale, 16_450 * scale)
    assert row["change"] == pytest.approx((10975 - 16450) / 16450, rel=1e-12)
    assert bool(row["previous_complete"])
    t = trailing_growth(tiny, "FY2025-Q4", by="channel_id")
    assert not t["previous_complete"].any()  # the data starts in July 2024


def test_tiny_concentration_by_hand(tiny):
    # FY2025 revenue by channel: DIR 33520, DIST 22990, WEB 3080 (total 59590)
    total = Fraction(59590)
    shares = [Fraction(33520) / total, Fraction(22990) / total, Fraction(3080) / total]
    c = _row(concentration(tiny, by="channel_id", period="year", top_n=2), period="FY2025")
    assert c["hhi"] == pytest.approx(float(sum(s * s for s in shares)), rel=1e-12)
    assert c["top_n_share"] == pytest.approx(float(shares[0] + shares[1]), rel=1e-12)
    assert (c["largest_id"], c["entities"], c["dependencies"]) == ("DIR", 3, 2)
    assert c["largest_share"] == pytest.approx(float(shares[0]), rel=1e-12)
    assert bool(c["dependency_risk"])  # 56 % >= the default 30 % (goals.yaml sets none)
    # DIST at 38.6 % is a dependency at the default threshold, not at 40 %
    s = revenue_shares(tiny, by="channel_id", period="year", periods=["FY2025"])
    assert s.set_index("entity_id")["dependency"].to_dict() == {
        "DIR": True,
        "DIST": True,
        "WEB": False,
    }
    s = revenue_shares(tiny, by="channel_id", period="year", periods=["FY2025"], threshold=0.40)
    assert s.set_index("entity_id")["dependency"].to_dict() == {
        "DIR": True,
        "DIST": False,
        "WEB": False,
    }


def test_partner_shares_leave_out_direct_sales_and_negative_partners(tiny):
    # FY2026-Q1 partners: P1 only the credit note (-1025), P2 3400 -> P2 holds 100 %
    s = revenue_shares(tiny, by="partner_id", period="quarter", periods=["FY2026-Q1"])
    assert s["entity_id"].tolist() == ["P2"] and s["share"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("values", "hhi", "top2"),
    [([50, 30, 20], 0.38, 0.8), ([1, 1, 1, 1], 0.25, 0.5), ([9], 1.0, 1.0), ([5, 0, -3], 1.0, 1.0)],
    ids=["50-30-20", "four-equal", "one", "non-positive-left-out"],
)
def test_hhi_and_top_share_by_hand(values, hhi, top2):
    assert herfindahl(values) == pytest.approx(hhi, abs=1e-12)
    assert top_share(values, n=2) == pytest.approx(top2, abs=1e-12)


def test_tiny_attainment_by_hand_from_dataset_targets(tiny):
    a = attainment(tiny, "FY2026-Q4")
    assert a.attrs["source"] == "dataset" and set(a["source"]) == {"dataset"}
    got = a.set_index("channel_id")["attainment"].to_dict()
    # Q4 = Apr-Jun 2026: DIR 6300 + 650 = 6950 / 14000; DIST 7000 + 1620 = 8620 / 11000; WEB 2250 / 4500
    assert got == pytest.approx({"DIR": 6950 / 14000, "DIST": 8620 / 11000, "WEB": 0.5}, rel=1e-12)
    scale = tiny.money.scale
    assert a.set_index("channel_id")["gap_exact"].to_dict() == {
        "DIR": -7_050 * scale, "DIST": -2_380 * scale, "WEB": -2_250 * scale,
    }  # fmt: skip


def _write_plan(plans: Path, rows: list[str]) -> Path:
    plans.mkdir(parents=True, exist_ok=True)
    (plans / "targets.csv").write_text(
        "quarter,channel_id,partner_id,metric,target,status\n"
        + "\n".join(f"{r},approved" for r in rows)
        + "\n"
    )
    return plans


def test_attainment_prefers_the_plans_folder_and_says_so(tiny, tmp_path):
    plans = _write_plan(
        tmp_path / "plans",
        ["FY2026-Q4,DIST,P1,gross_profit,2000.00", "FY2026-Q4,DIR,,revenue,7000.00"],
    )
    a = attainment(tiny, "FY2026-Q4", plans_dir=plans)
    assert a.attrs["source"] == "plans" and a.attrs["source_file"] == str(plans / "targets.csv")
    assert a["level"].tolist() == ["channel", "partner"]
    # P1 gross profit in Q4: O1022 7000 - 5390 = 1610
    assert a["actual_exact"].tolist() == [6_950 * tiny.money.scale, 1_610 * tiny.money.scale]
    assert a["target_exact"].tolist() == [7_000 * tiny.money.scale, 2_000 * tiny.money.scale]
    assert a["attainment"].tolist() == pytest.approx([6950 / 7000, 1610 / 2000], rel=1e-12)


def test_attainment_falls_back_to_dataset_when_plans_lack_the_quarter(tiny, tmp_path):
    plans = _write_plan(tmp_path / "plans", ["FY2027-Q1,DIR,,revenue,1.00"])
    a = attainment(tiny, "FY2026-Q3", plans_dir=plans)
    assert a.attrs["source"] == "dataset"
    assert _row(a, level="partner")["actual_exact"] == 0  # P1 sold nothing Jan-Mar 2026


def test_attainment_without_targets_says_so(tiny, tmp_path):
    with pytest.raises(MissingDataError, match="No targets for FY2025-Q1"):
        attainment(tiny, "FY2025-Q1", plans_dir=tmp_path)


def test_malformed_plan_targets_are_named(tiny, tmp_path):
    plans = _write_plan(
        tmp_path / "plans", ["FY2026-Q4,DIR,,revenue,7000.00", "FY2026-Q4,DIR,,revenue,12.345"]
    )
    with pytest.raises(DataValidationError) as info:
        attainment(tiny, "FY2026-Q4", plans_dir=plans)
    (p,) = info.value.problems
    assert (p.file, p.column, p.line, p.value) == ("targets.csv", "target", 3, "12.345")


def test_missing_channel_costs_is_said_plainly(tmp_path):
    import shutil

    shutil.copytree(TINY, tmp_path / "d")
    (tmp_path / "d" / "channel_costs.csv").unlink()
    ds = load_dataset(tmp_path / "d")
    for fn in (cost_to_serve, contribution):
        with pytest.raises(MissingDataError, match=r"channel_costs\.csv"):
            fn(ds)
    assert len(summarise(ds)) > 0  # everything else runs


# -- properties on random datasets ------------------------------------------------------------------
CHANNELS = ["DIR", "DIST", "WEB"]
LINE = st.tuples(
    st.sampled_from(CHANNELS),
    st.sampled_from(["P1", "P2", "P3", ""]),
    st.sampled_from(["C1", "C2", "C3", "C4"]),
    st.sampled_from(["SKU1", "SKU2", "SKU3"]),
    st.integers(0, 29),  # month offset from 2024-01
    st.integers(1, 50),  # quantity
    st.integers(0, 10**9),  # revenue in cents (up to 10M)
    st.integers(0, 10**9),  # cost of sales in cents
    st.booleans(),  # credit note
)


def _write_dataset(folder: Path, lines: list[tuple], start_month: int) -> None:
    import shutil

    for name in ("channels.csv", "partners.csv", "customers.csv"):
        shutil.copy(TINY / name, folder / name)
    (folder / "products.csv").write_text(
        "product_id,product_line,list_price\nSKU1,platform,10000000.00\nSKU2,services,\nSKU3,platform,0.50\n"
    )
    goals = (
        (TINY / "goals.yaml").read_text().replace("start_month: 7", f"start_month: {start_month}")
    )
    (folder / "goals.yaml").write_text(goals)
    with (folder / "sales.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "order_date", "channel_id", "partner_id", "customer_id", "product_id",
                    "quantity", "revenue", "cost_of_sales"])  # fmt: skip
        for i, (ch, partner, cust, sku, m, qty, rev, cost, credit) in enumerate(lines):
            sign = -1 if credit else 1
            partner = "" if ch == "DIR" else (partner or "P1")
            date = f"{2024 + m // 12}-{m % 12 + 1:02d}-{1 + i % 28:02d}"
            w.writerow([f"O{i}", date, ch, partner, cust, sku, sign * qty,
                        f"{Decimal(sign * rev) / 100:.2f}", f"{Decimal(sign * cost) / 100:.2f}"])  # fmt: skip


@PROPERTY
@given(lines=st.lists(LINE, min_size=1, max_size=40), start_month=st.integers(1, 12))
def test_sums_across_every_dimension_equal_the_total_to_the_cent(lines, start_month):
    with tempfile.TemporaryDirectory() as tmp:
        _write_dataset(Path(tmp), lines, start_month)
        ds = load_dataset(tmp)
        # the lines' cents in the dataset's unit (cents are whole units at 2 places or more)
        exact = sum((-1 if c else 1) * r for *_, r, _, c in lines) * ds.money.scale // 100
        # fiscal labels for any start month agree with the SQL reference
        got = _keyed(summarise(ds, by="channel_id", period="quarter"), ["period", "channel_id"])
        ref = _keyed(
            reference_sales(Path(tmp), ("channel_id",), "quarter", ds.money.scale),
            ["period", "channel_id"],
        )
        assert got[["period", "channel_id"]].equals(ref[["period", "channel_id"]])
        assert got["revenue_exact"].tolist() == ref["revenue_exact"].tolist()
        for period in ("month", "quarter", "year", "all"):
            total = summarise(ds, by=(), period=period).set_index("period")["revenue_exact"]
            assert int(total.sum()) == exact
            for dim in ("channel_id", "partner_id", "customer_id", "product_line"):
                s = summarise(ds, by=dim, period=period)
                by_period = s.groupby("period")["revenue_exact"].sum()
                assert by_period.sort_index().tolist() == total.sort_index().tolist()
                gp = s.groupby("period")["gross_profit_exact"].sum()
                assert (gp == s.groupby("period")["revenue_exact"].sum()
                        - s.groupby("period")["cost_of_sales_exact"].sum()).all()  # fmt: skip
                shares = s.groupby("period")["revenue_share"].sum()
                nonzero = by_period != 0
                assert np.allclose(shares[nonzero], 1.0, atol=1e-9)


@PROPERTY
@given(lines=st.lists(LINE, min_size=1, max_size=40))
def test_shares_and_hhi_are_bounded(lines):
    with tempfile.TemporaryDirectory() as tmp:
        _write_dataset(Path(tmp), lines, 7)
        ds = load_dataset(tmp)
        for dim in ("channel_id", "partner_id", "customer_id"):
            s = revenue_shares(ds, by=dim, period="quarter")
            assert ((s["share"] > 0) & (s["share"] <= 1)).all()
            assert np.allclose(s.groupby("period")["share"].sum(), 1.0, atol=1e-12)
            c = concentration(ds, by=dim, period="quarter", top_n=2)
            assert ((c["hhi"] > 0) & (c["hhi"] <= 1 + 1e-12)).all()
            assert (c["hhi"] >= 1 / c["entities"] - 1e-12).all()
            assert (c["top_n_share"] <= 1 + 1e-12).all() and (
                c["top_n_share"] >= c["largest_share"] - 1e-12
            ).all()
            one = c[c["entities"] == 1]
            assert np.allclose(one["hhi"], 1.0) and np.allclose(one["top_n_share"], 1.0)


@PROPERTY
@given(lines=st.lists(LINE, min_size=1, max_size=30))
def test_one_channel_is_fully_concentrated(lines):
    lines = [("WEB", *rest) for _, *rest in lines]
    with tempfile.TemporaryDirectory() as tmp:
        _write_dataset(Path(tmp), lines, 1)
        c = concentration(load_dataset(tmp), by="channel_id", period="all")
        if len(c):  # a net negative channel has no positive revenue to share
            assert c["hhi"].tolist() == [1.0] and c["top_n_share"].tolist() == [1.0]
            assert c["largest_share"].tolist() == [1.0] and c["dependency_risk"].tolist() == [True]


@given(amounts=st.lists(st.integers(1, 10**12), min_size=1, max_size=50), n=st.integers(1, 60))
def test_hhi_bounds_and_top_share_monotone(amounts, n):
    h = herfindahl(amounts)
    assert 1 / len(amounts) - 1e-12 <= h <= 1 + 1e-12
    assert top_share(amounts, n) <= top_share(amounts, n + 1) + 1e-12
    if n >= len(amounts):
        assert top_share(amounts, n) == pytest.approx(1.0, abs=1e-12)
