"""Money at the dataset's unit: exact sums at 4 decimals, and the unit's conversions.

The sums are compared with plain DuckDB SQL on the CSV files read as text and cast to
``DECIMAL(38,10)`` (never with the code under test). The dataset is the tiny test set with
money at 4 decimals (``money_decimals: 4``) and 10,001 sales lines of 0.0049 spread over every
channel x partner x product: rounded to cents each line would be 0.00, so a cube that rounded per
line (or summed in cents) would lose 49.0049 of revenue.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_lib.core.errors import ChannelLibError, DataValidationError, ParameterError
from channel_lib.core.money import (
    MoneyUnit,
    apportion,
    format_exact,
    parse_exact,
    to_exact,
)
from channel_lib.data import cube as metrics
from channel_lib.data.loader import load_dataset
from channel_lib.data.prepared import cache_key, load_prepared, prepare_dataset
from channel_lib.plans import investment_split, signals_export
from channel_lib.plans import targets as plan_targets

TINY = Path(__file__).parent / "data" / "tiny"
#: The small lines: revenue 0.0049 and cost 0.0001 each.
SMALL_LINES = 10_001
#: channel, partner ("" = direct) pairs the tiny set allows (partners.csv's channels).
PAIRS = [("DIR", ""), ("WEB", ""), ("WEB", "P3"), ("DIST", "P1"), ("DIST", "P2"), ("DIST", "P4")]
PRODUCTS = ["SKU1", "SKU2", "SKU3", "SKU4"]


# -- the dataset -------------------------------------------------------------------------------------
def make_four_decimal_dataset(folder: Path, *, decimals: int = 4, currency: str = "USD") -> Path:
    """The tiny set with ``money_decimals: decimals`` and 4-decimal money planted in every file.

    - sales: tiny's own lines plus 10,001 lines of revenue 0.0049 and cost 0.0001, quantity 1.5
      (so quantity x list price has 5+ places), over every channel x partner x product and the
      months of FY2026; plus 300 lines with random 4-decimal revenue and cost (some credit notes);
    - products: list prices with 4 decimals (one product without a list price);
    - channel_costs: tiny's costs plus 4-decimal amounts;
    - targets: 4-decimal official targets.
    """
    shutil.copytree(TINY, folder)
    goals = (folder / "goals.yaml").read_text()
    (folder / "goals.yaml").write_text(
        goals.replace("currency: USD\n", f"currency: {currency}\nmoney_decimals: {decimals}\n")
    )
    rng = np.random.default_rng(18)
    months = pd.date_range("2025-07-01", "2026-06-01", freq="MS")
    rows = []
    for i in range(SMALL_LINES):
        channel, partner = PAIRS[i % len(PAIRS)]
        product = PRODUCTS[(i // len(PAIRS)) % len(PRODUCTS)]
        day = months[i % len(months)] + pd.Timedelta(days=int(i % 27))
        rows.append((f"S{i}", 1, day.date().isoformat(), channel, partner, "C4", product,
                     "1.5", "0.0049", "0.0001", "ana"))  # fmt: skip
    for i in range(300):
        channel, partner = PAIRS[int(rng.integers(len(PAIRS)))]
        product = PRODUCTS[int(rng.integers(len(PRODUCTS)))]
        day = months[int(rng.integers(len(months)))] + pd.Timedelta(days=int(rng.integers(28)))
        sign = -1 if i % 17 == 0 else 1
        qty = sign * int(rng.integers(1, 9))
        revenue = sign * int(rng.integers(1, 10_000_000))
        cost = sign * int(rng.integers(1, 6_000_000))
        rows.append((f"R{i}", 1, day.date().isoformat(), channel, partner, "C2", product, str(qty),
                     format_exact(revenue, 4), format_exact(cost, 4), "lee"))  # fmt: skip
    lines = [",".join(map(str, r)) for r in rows]
    with (folder / "sales.csv").open("a") as f:
        f.write("\n".join(lines) + "\n")
    (folder / "products.csv").write_text(
        "product_id,product_line,list_price\n"
        "SKU1,platform,1000.0033\nSKU2,platform,250.0001\nSKU3,services,0.0033\nSKU4,accessories,\n"
    )
    with (folder / "channel_costs.csv").open("a") as f:
        f.write("2025-09,DIST,mdf,0.0049,true\n2025-09,DIST,rebates,1234.5678,false\n"
                "2026-02,WEB,coop,0.0001,true\n2026-02,DIR,channel_staff,99.9999,false\n")  # fmt: skip
    (folder / "targets.csv").write_text(
        "quarter,channel_id,partner_id,metric,target\n"
        "FY2026-Q3,DIR,,revenue,15000.0049\nFY2026-Q3,DIST,,revenue,9000.0001\n"
        "FY2026-Q3,DIST,P1,revenue,6000.1234\nFY2026-Q3,WEB,,gross_profit,4000.5\n"
    )
    return folder


@pytest.fixture(scope="module")
def four(tmp_path_factory) -> Path:
    return make_four_decimal_dataset(tmp_path_factory.mktemp("money") / "four")


@pytest.fixture(scope="module")
def ds4(four):
    return load_dataset(four)


def _sql(query: str, *params) -> pd.DataFrame:
    return duckdb.connect().execute(query, list(params)).df()


def _text(folder: Path, name: str) -> str:
    """The table ``name`` of ``folder`` read as text (no type of the loader's)."""
    path = (folder / f"{name}.csv").as_posix()
    return f"read_csv('{path}', all_varchar = true, header = true)"


#: The fiscal year of a date in SQL (tiny's goals: July start, named by the year it ends).
_FY = (
    "'FY' || CAST(year(CAST(order_date AS DATE)) "
    "+ CAST(month(CAST(order_date AS DATE)) >= 7 AS INTEGER) AS VARCHAR)"
)


def _exact_units(series: pd.Series, decimals: int) -> list[int]:
    """DECIMAL(38,10) sums from DuckDB as exact integers of 10^-decimals (must be whole)."""
    out = []
    for v in series:
        scaled = Fraction(Decimal(str(v))) * 10**decimals
        assert scaled.denominator == 1, f"{v} has more than {decimals} places"
        out.append(int(scaled))
    return out


# -- the sums are exact --------------------------------------------------------------------------------
def test_the_dataset_really_loses_money_when_each_line_is_rounded_to_cents(four):
    """The fixture is what the test claims: per-line cents would change the sums."""
    exact, cents = _sql(
        "SELECT sum(CAST(revenue AS DECIMAL(38,10))), "
        "sum(round(CAST(revenue AS DECIMAL(38,10)), 2)) "
        f"FROM {_text(four, 'sales')} WHERE revenue = '0.0049'"
    ).iloc[0]
    assert Decimal(str(exact)) == Decimal("49.0049") and Decimal(str(cents)) == 0


@pytest.mark.parametrize("period", ["all", "year"])
def test_channel_partner_sums_equal_duckdb_decimal_sums_of_the_csv(four, ds4, period):
    label = "'all'" if period == "all" else _FY
    ref = _sql(
        f"SELECT {label} AS period, channel_id, nullif(partner_id, '') AS partner_id, "
        "count(*) AS lines, sum(CAST(revenue AS DECIMAL(38,10))) AS revenue, "
        "sum(CAST(cost_of_sales AS DECIMAL(38,10))) AS cost "
        f"FROM {_text(four, 'sales')} GROUP BY ALL ORDER BY ALL"
    )
    got = metrics.summarise(ds4, by=["channel_id", "partner_id"], period=period)
    assert ds4.money == MoneyUnit("USD", 4)
    keys = ["period", "channel_id", "partner_id"]
    ref_keys = [tuple(map(str, k)) for k in ref[keys].fillna("").itertuples(index=False)]
    got_keys = [tuple(map(str, k)) for k in got[keys].fillna("").itertuples(index=False)]
    revenue, cost = _exact_units(ref["revenue"], 4), _exact_units(ref["cost"], 4)
    expected = {
        k: (n, r, c, r - c, float(Decimal(str(v))))
        for k, n, r, c, v in zip(ref_keys, ref["lines"], revenue, cost, ref["revenue"], strict=True)
    }
    actual = {
        k: (n, r, c, g, f)
        for k, n, r, c, g, f in zip(got_keys, got["lines"], got["revenue_exact"],
                                    got["cost_of_sales_exact"], got["gross_profit_exact"],
                                    got["revenue"], strict=True)
    }  # fmt: skip
    assert len(actual) == len(got) == len(expected) > 5
    # lines, revenue, cost and gross profit exactly; the float revenue is the exact amount's
    # nearest double (the exact units divided once by 10^4)
    assert actual == expected


def test_product_line_sums_and_list_value_equal_duckdb_sums(four, ds4):
    sales, products = _text(four, "sales"), _text(four, "products")
    ref = _sql(
        "SELECT p.product_line, sum(CAST(s.revenue AS DECIMAL(38,10))) AS revenue, "
        "sum(CAST(s.cost_of_sales AS DECIMAL(38,10))) AS cost, "
        "sum(CASE WHEN p.list_price IS NOT NULL THEN CAST(s.revenue AS DECIMAL(38,10)) END) "
        "AS listed "
        f"FROM {sales} s JOIN {products} p USING (product_id) GROUP BY ALL ORDER BY ALL"
    )
    # the list value: quantity x list price, summed per month x channel x partner x product line
    # and rounded there to the unit (half away from zero), the cube's one documented rounding
    value = _sql(
        "WITH g AS (SELECT p.product_line, date_trunc('month', CAST(s.order_date AS DATE)) AS m, "
        "s.channel_id, s.partner_id, "
        "sum(CAST(s.quantity AS DECIMAL(38,10)) * CAST(p.list_price AS DECIMAL(38,10))) AS v "
        f"FROM {sales} s JOIN {products} p USING (product_id) GROUP BY ALL) "
        "SELECT product_line, sum(coalesce(v, 0)) AS v, "
        "sum(CAST(round(coalesce(v, 0) * 10000) AS BIGINT)) AS rounded "
        "FROM g GROUP BY ALL ORDER BY ALL"
    )
    got = metrics.cube_sums(ds4, by=["product_line"], period="all").sort_values("product_line")
    assert got["product_line"].tolist() == ref["product_line"].tolist()
    assert got["revenue_exact"].tolist() == _exact_units(ref["revenue"], 4)
    assert got["cost_of_sales_exact"].tolist() == _exact_units(ref["cost"], 4)
    assert got["listed_revenue_exact"].tolist() == _exact_units(ref["listed"].fillna(0), 4)
    assert got["list_value_exact"].tolist() == value["rounded"].tolist()
    # and that rounding is real (quantity 1.5 x 0.0033 = 0.00495) but within half a unit a group
    assert any(Fraction(Decimal(str(v))) * 10**4 != r for v, r in value[["v", "rounded"]].values)


def test_channel_partner_product_sums_through_the_customer_grain_are_exact(four, ds4):
    ref = _sql(
        "SELECT s.channel_id, nullif(s.partner_id, '') AS partner_id, p.product_line, "
        "sum(CAST(s.revenue AS DECIMAL(38,10))) AS revenue "
        f"FROM {_text(four, 'sales')} s JOIN {_text(four, 'products')} p USING (product_id) "
        "GROUP BY ALL"
    )
    got = metrics.summarise(
        ds4, by=["channel_id", "partner_id", "product_line", "customer_id"], period="all"
    )
    got = got.groupby(["channel_id", "partner_id", "product_line"], dropna=False)[
        "revenue_exact"
    ].sum()
    expected = dict(
        zip(
            ref[["channel_id", "partner_id", "product_line"]].fillna("").itertuples(index=False),
            _exact_units(ref["revenue"], 4),
            strict=True,
        )
    )
    assert {tuple("" if pd.isna(k) else k for k in key): int(v) for key, v in got.items()} == {
        tuple(k): v for k, v in expected.items()
    }


def test_cost_to_serve_and_official_targets_are_exact_units(four, ds4):
    ref = _sql(
        "SELECT channel_id, sum(CAST(amount AS DECIMAL(38,10))) AS total, "
        "coalesce(sum(CAST(amount AS DECIMAL(38,10))) FILTER (WHERE discretionary = 'true'), 0) "
        f"AS disc FROM {_text(four, 'channel_costs')} GROUP BY ALL ORDER BY ALL"
    )
    got = metrics.cost_to_serve(ds4, period="all").sort_values("channel_id")
    assert got["cost_to_serve_exact"].tolist() == _exact_units(ref["total"], 4)
    assert got["discretionary_exact"].tolist() == _exact_units(ref["disc"], 4)
    targets = _sql(
        f"SELECT channel_id, nullif(partner_id, '') AS partner_id, metric, target "
        f"FROM {_text(four, 'targets')} ORDER BY channel_id, partner_id NULLS FIRST"
    )
    att = metrics.attainment(ds4, "FY2026-Q3")
    got_t = {
        (r.channel_id, "" if pd.isna(r.partner_id) else r.partner_id, r.metric): r.target_exact
        for r in att.itertuples(index=False)
    }
    assert got_t == {
        (r.channel_id, r.partner_id or "", r.metric): parse_exact(r.target, 4)
        for r in targets.fillna("").itertuples(index=False)
    }


def test_growth_converts_with_the_unit(ds4):
    g = metrics.growth(ds4, by="channel_id", period="quarter")
    assert (g["value"] == g["value_exact"] / 10_000).all()
    has_prev = g["previous_exact"].notna()
    assert (
        g.loc[has_prev, "previous"] == g.loc[has_prev, "previous_exact"].astype(float) / 1e4
    ).all()


def test_a_prepared_cube_keeps_the_units_and_is_keyed_by_the_decimals(four, ds4, tmp_path):
    folder = prepare_dataset(ds4, tmp_path / "prepared")
    again = load_prepared(folder, four)
    assert again is not None
    assert metrics.summarise(again, by=["channel_id", "partner_id"], period="all").equals(
        metrics.summarise(ds4, by=["channel_id", "partner_id"], period="all")
    )
    key = folder.name
    assert key == cache_key(ds4.checksums, money_decimals=4)
    assert key != cache_key(ds4.checksums, money_decimals=2)


def test_a_five_decimal_amount_is_still_refused_naming_file_column_line_and_value(tmp_path):
    folder = make_four_decimal_dataset(tmp_path / "five")
    with (folder / "sales.csv").open("a") as f:
        f.write("X1,1,2025-08-03,DIR,,C1,SKU1,1,0.00491,0.0001,ana\n")
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    text = str(err.value)
    assert "sales.csv" in text and "revenue" in text and "0.00491" in text
    line = sum(1 for _ in (folder / "sales.csv").open())
    assert str(line) in text


# -- the plans folder writes whole minor units ---------------------------------------------------------
def _rows(exact: list[int]) -> pd.DataFrame:
    n = len(exact)
    return pd.DataFrame({"quarter": ["FY2026-Q3"] * n, "channel_id": [f"C{i}" for i in range(n)],
                         "partner_id": [""] * n, "metric": ["revenue"] * n,
                         "target_exact": exact})  # fmt: skip


@pytest.mark.parametrize(
    ("currency", "decimals", "exact", "written"),
    [
        ("USD", 4, [15000100, 0, 12300], ["1500.01", "0.00", "1.23"]),
        ("USD", 2, [150001, 5], ["1500.01", "0.05"]),
        ("JPY", 4, [150000000, 10000], ["15000", "1"]),
        ("JPY", 0, [15000, 1], ["15000", "1"]),
        ("USD", 0, [15000], ["15000"]),
        ("KWD", 6, [1234567000], ["1234.567"]),
    ],
    ids=["usd-4", "usd-2", "jpy-4", "jpy-0", "usd-0", "kwd-6"],
)
def test_targets_are_written_in_minor_units_and_read_back_in_the_unit(
    tmp_path, currency, decimals, exact, written
):
    money = MoneyUnit(currency, decimals)
    path = plan_targets.write_targets(_rows(exact), tmp_path, money=money)
    text = pd.read_csv(path, dtype=str)["target"].tolist()
    assert text == written
    back = plan_targets.read_targets(tmp_path, money=money)
    assert back["target_exact"].tolist() == exact


def test_a_target_that_is_not_whole_minor_units_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(ParameterError, match=r"minor units of USD.*150\.0049"):
        plan_targets.write_targets(_rows([1500049]), tmp_path, money=MoneyUnit("USD", 4))
    assert not plan_targets.targets_path(tmp_path).exists()


@pytest.mark.parametrize(
    ("currency", "cell"), [("USD", "1500.011"), ("JPY", "15000.5"), ("USD", "abc")],
    ids=["usd-3-places", "jpy-1-place", "not-a-number"],
)  # fmt: skip
def test_reading_targets_with_more_places_than_the_minor_unit_names_the_cell(
    tmp_path, currency, cell
):
    plan_targets.targets_path(tmp_path).write_text(
        "quarter,channel_id,partner_id,metric,target\n"
        "FY2026-Q3,DIR,,revenue,10\n"
        f"FY2026-Q3,WEB,,revenue,{cell}\n"
    )
    with pytest.raises(DataValidationError) as err:
        plan_targets.read_targets(tmp_path, money=MoneyUnit(currency, 4))
    (problem,) = err.value.problems
    assert (problem.file, problem.column, problem.line, problem.value) == (
        "targets.csv",
        "target",
        3,
        cell,
    )
    assert f"at most {MoneyUnit(currency, 4).minor_decimals} decimals" in problem.message


def _split(recommended: list[float]) -> pd.DataFrame:
    n = len(recommended)
    return pd.DataFrame({
        "channel_id": [f"C{i}" for i in range(n)], "current_spend": [1000.0049] * n,
        "recommended_spend": recommended, "expected_response": [400.004] * n,
        "response_low": [np.nan] * n, "response_high": [450.0] * n,
        "marginal_return": [1.23456] * n, "at_limit": [""] * n, "note": [""] * n,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("currency", "budget", "step"), [("USD", 1000.01, 100), ("JPY", 100001.0, 10_000)],
    ids=["usd-4", "jpy-4"],
)  # fmt: skip
def test_budget_split_sums_to_the_budget_in_minor_units(tmp_path, currency, budget, step):
    money = MoneyUnit(currency, 4)
    limits = {"max_change": 0.3, "min_share": 0.0, "max_share": 1.0}
    investment_split.write_split(_split([1.0, 1.0, 1.0]), tmp_path, money=money, budget=budget,
                                 quarter="FY2026-Q3", dataset="four", metric="revenue",
                                 limits=limits)  # fmt: skip
    back = investment_split.read_split(tmp_path, money=money)
    rec = back["recommended_exact"].tolist()
    assert sum(rec) == back.attrs["budget_exact"] == money.to_exact(budget)
    assert all(r % step == 0 for r in rec) and max(rec) - min(rec) == step
    assert back.attrs["currency"] == currency
    # current spend 1000.0049 is written rounded to the minor unit
    assert back["current_exact"].tolist() == [money.round_minor(10_000_049)] * 3
    assert (back["change_exact"] == back["recommended_exact"] - back["current_exact"]).all()


def test_budget_split_refuses_another_currency_and_extra_places(tmp_path):
    limits = {"max_change": 0.3, "min_share": 0.0, "max_share": 1.0}
    with pytest.raises(ParameterError, match="currency"):
        investment_split.write_split(_split([1.0]), tmp_path, money=MoneyUnit("JPY", 4),
                                     budget=10.0, quarter="FY2026-Q3", dataset="x",
                                     metric="revenue", limits=limits, currency="USD")  # fmt: skip
    split = _split([1.0]).assign(current_spend=[1000.0149])
    investment_split.write_split(split, tmp_path, money=MoneyUnit("USD", 4), budget=10.0,
                                 quarter="FY2026-Q3", dataset="x", metric="revenue",
                                 limits=limits)  # fmt: skip
    with pytest.raises(ChannelLibError, match=r"current_spend, line 9: '1000.01' .* at most 0 dec"):
        investment_split.read_split(tmp_path, money=MoneyUnit("JPY", 4))


def test_signals_are_written_with_the_minor_units_places(tmp_path):
    rows = pd.DataFrame({"signal": ["a", "b", "c"], "revenue_at_stake": [0.0, 0.0, 0.0],
                         "revenue_at_stake_exact": [12_345_678, 49, -5_000]})  # fmt: skip
    usd = signals_export.write_signals(rows, "FY2026-Q3", money=MoneyUnit("USD", 4),
                                       path=tmp_path / "usd.csv")  # fmt: skip
    jpy = signals_export.write_signals(rows, "FY2026-Q3", money=MoneyUnit("JPY", 4),
                                       path=tmp_path / "jpy.csv")  # fmt: skip
    assert pd.read_csv(usd, dtype=str)["revenue_at_stake"].tolist() == ["1234.57", "0.00", "-0.50"]
    assert pd.read_csv(jpy, dtype=str)["revenue_at_stake"].tolist() == ["1235", "0", "-1"]


# -- the unit and the conversions ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("currency", "decimals", "scale", "minor", "step"),
    [("USD", 0, 1, 0, 1), ("USD", 2, 100, 2, 1), ("USD", 4, 10_000, 2, 100),
     ("EUR", 6, 10**6, 2, 10**4), ("JPY", 4, 10_000, 0, 10_000), ("KWD", 2, 100, 2, 1),
     ("KWD", 4, 10_000, 3, 10), ("usd", 4, 10_000, 2, 100)],
    ids=["usd-0", "usd-2", "usd-4", "eur-6", "jpy-4", "kwd-2", "kwd-4", "lower-case"],
)  # fmt: skip
def test_money_unit_scale_and_minor_unit(currency, decimals, scale, minor, step):
    unit = MoneyUnit(currency, decimals)
    assert (unit.scale, unit.minor_decimals, unit.minor_step) == (scale, minor, step)
    assert unit.minor_step * 10**unit.minor_decimals == unit.scale


@pytest.mark.parametrize("decimals", [-1, -4, 1.5, True], ids=["-1", "-4", "float", "bool"])
def test_negative_or_fractional_decimals_are_a_parameter_error(decimals):
    for call in (lambda: to_exact(1, decimals), lambda: format_exact(1, decimals),
                 lambda: parse_exact("1", decimals), lambda: MoneyUnit("USD", decimals)):  # fmt: skip
        with pytest.raises(ParameterError, match="decimals"):
            call()


@pytest.mark.parametrize(
    ("text", "decimals", "exact"),
    [("0.0049", 4, 49), ("0.0049", 2, None), ("12", 0, 12), ("12.0", 0, 12), ("12.5", 0, None),
     ("-0.000001", 6, -1), ("1.0000001", 6, None), ("1e-4", 4, 1), ("  3.10 ", 2, 310),
     ("123456789012345678901234567890.123456", 6, 123456789012345678901234567890123456),
     ("1234567890123456789012345678.9", 2, 123456789012345678901234567890),
     ("1234567890123456789012345678.91", 1, None),
     ("1e39", 0, 10**39), ("1e40", 0, None), ("1e999999999", 4, None),
     ("nan", 2, None), ("-inf", 2, None), ("", 2, None), ("1,5", 2, None)],
    ids=lambda v: str(v)[:20],
)  # fmt: skip
def test_parse_exact_at_any_places_and_size(text, decimals, exact):
    assert parse_exact(text, decimals) == exact


@pytest.mark.parametrize(
    ("amount", "decimals", "exact"),
    [(12.345, 2, 1235), (-12.345, 2, -1235), (0.00005, 4, 1), (-0.00005, 4, -1),
     (0.00004999, 4, 0), (1234.5, 0, 1235), (0.1 + 0.2, 6, 300000),
     (Decimal("98765432109876543210987654321.0000005"), 6, 98765432109876543210987654321000001),
     (10**25, 4, 10**29), (1e20, 2, 10**22)],
    ids=lambda v: str(v)[:20],
)  # fmt: skip
def test_to_exact_rounds_half_away_from_zero_at_any_places_and_size(amount, decimals, exact):
    assert to_exact(amount, decimals) == exact


def test_to_exact_refuses_what_is_not_a_finite_amount():
    for bad in (float("nan"), float("inf"), "abc"):
        with pytest.raises(ParameterError, match="finite amount"):
            to_exact(bad, 4)


@given(st.integers(min_value=-(10**30), max_value=10**30), st.integers(min_value=0, max_value=6))
def test_format_then_parse_gives_the_same_integer(exact, decimals):
    text = format_exact(exact, decimals)
    assert parse_exact(text, decimals) == exact
    assert Fraction(text) == Fraction(exact, 10**decimals)  # the text is the amount itself
    assert ("." in text) == (decimals > 0) and (
        len(text.split(".")[-1]) == decimals or not decimals
    )


@given(st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-(10**12),
                   max_value=10**12), st.integers(min_value=0, max_value=6))  # fmt: skip
def test_to_exact_is_the_nearest_integer_half_away_from_zero(amount, decimals):
    scaled = Fraction(amount) * 10**decimals
    got = to_exact(amount, decimals)
    assert abs(Fraction(got) - scaled) <= Fraction(1, 2)
    if abs(Fraction(got) - scaled) == Fraction(1, 2):
        assert abs(got) > abs(scaled)  # a tie goes away from zero


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=0, max_value=6),
       st.sampled_from(["USD", "JPY", "KWD"]))  # fmt: skip
def test_round_minor_is_the_nearest_minor_unit(exact, decimals, currency):
    unit = MoneyUnit(currency, decimals)
    got = unit.round_minor(exact)
    assert got % unit.minor_step == 0
    assert 2 * abs(got - exact) <= unit.minor_step
    assert unit.parse_minor(unit.format_minor(got)) == got


def test_format_minor_refuses_a_part_of_a_minor_unit():
    with pytest.raises(ParameterError, match="minor units"):
        MoneyUnit("USD", 4).format_minor(12345)


@given(st.integers(min_value=0, max_value=10**12),
       st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=12))  # fmt: skip
def test_apportion_sums_to_the_total_in_any_unit(total, weights):
    parts = apportion(total, weights)
    assert int(parts.sum()) == total and (parts >= 0).all()
