"""The cube's sums by period and dimension, and the summary metrics computed from them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from channel_lib.data.cube.build import PERIOD_TABLE, cube_table
from channel_lib.data.cube.terms import (
    CUBE_SUMS,
    add_money,
    check_by,
    check_period,
    grain_of,
    period_filter,
    ratio,
)
from channel_lib.data.dataset import Dataset


# -- summaries ---------------------------------------------------------------------------------------
def cube_sums(
    ds: Dataset,
    *,
    by: Sequence[str] | str,
    period: str = "quarter",
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The monthly cube's sums by period and ``by``, exact (what the metrics are computed from).

    Parameters
    ----------
    ds : Dataset
    by : sequence of str
        Dimensions to group by, any of :data:`DIMENSIONS` (``()`` = company total).
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.

    Returns
    -------
    DataFrame
        One row per period and group with sales, ordered by period then group: ``period``
        (str), ``period_start`` (Timestamp), the ``by`` columns (str), ``lines`` (int64),
        ``quantity`` (float64) and the exact sums in units of ``ds.money`` (int64)
        ``revenue_exact``,
        ``cost_of_sales_exact``, ``listed_revenue_exact``, ``list_value_exact`` (see
        :func:`monthly_cube`).

    Raises
    ------
    ParameterError
        For an unknown dimension or period.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> s = cube_sums(ds, by=["channel_id"], periods=["FY2026-Q3"])
    >>> s[["period", "channel_id"]].assign(revenue=ds.money.amount(s["revenue_exact"]),
    ...                                    list_value=ds.money.amount(s["list_value_exact"]))
          period channel_id  revenue  list_value
    0  FY2026-Q3        DIR  13500.0     15000.0
    1  FY2026-Q3       DIST   1440.0         0.0
    2  FY2026-Q3        WEB   4500.0      5000.0
    """
    cols = check_by(by)
    label, start = check_period(period)
    cube = cube_table(ds, grain_of(cols))
    keys = "".join(f", c.{b}" for b in cols)
    where, params = period_filter(label, periods)
    sums = ", ".join(
        f"CAST(sum(c.{col}) AS {'DOUBLE' if col == 'quantity' else 'BIGINT'}) AS {name}"
        for name, col in CUBE_SUMS.items()
    )
    frame = ds.sql(
        f"SELECT p.{label} AS period, min(p.{start}) AS period_start{keys}, {sums} "
        f"FROM {cube} c JOIN {PERIOD_TABLE} p ON c.month = p.month {where} "
        f"GROUP BY p.{label}{keys} ORDER BY period_start{keys} NULLS FIRST",
        params,
    )
    frame["period"] = frame["period"].astype("string")
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    for b in cols:
        frame[b] = frame[b].astype("string")
    return frame


def summarise(
    ds: Dataset,
    *,
    by: Sequence[str] | str = ("channel_id",),
    period: str = "quarter",
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Revenue, gross profit, margin, discount and share of revenue by period and dimension.

    Parameters
    ----------
    ds : Dataset
    by : sequence of str
        Dimensions to group by, any of ``channel_id``, ``partner_id``, ``customer_id``,
        ``product_line`` (``()`` = company total).
    period : {"month", "quarter", "year", "all"}
        Period granularity (fiscal quarter and year from ``goals.yaml``).
    periods : sequence of str, optional
        Keep only these period labels (e.g. ``["FY2026-Q3"]``).

    Returns
    -------
    DataFrame
        One row per period and group with sales, ordered by period then group:

        - ``period`` (str), ``period_start`` (Timestamp), then the ``by`` columns (``partner_id``
          is missing for direct sales).
        - ``lines`` (int), ``quantity`` (float).
        - ``revenue``, ``cost_of_sales``, ``gross_profit`` (float, currency) and the exact
          ``revenue_exact``, ``cost_of_sales_exact``, ``gross_profit_exact`` (int64).
          Gross profit = revenue − cost of sales.
        - ``gross_margin`` (float): gross profit / revenue.
        - ``discount`` (float): 1 − revenue / (quantity × list price) over the lines whose
          product has a list price, i.e. the list-value-weighted mean discount; ``NaN`` when no
          line has one.
        - ``list_coverage`` (float): share of revenue on lines with a known list price.
        - ``revenue_share`` (float): share of the period's total revenue (all groups of the period
          sum to 1).

    Notes
    -----
    Sums are exact (DECIMAL in DuckDB, int64 units of ``ds.money`` in pandas: 10^-d of the
    currency, d = ``money_decimals`` of ``goals.yaml``). Credit notes (negative lines) are
    netted in the period of their order date.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> q = summarise(ds, by="channel_id", period="quarter", periods=["FY2026-Q3"])
    >>> q[["period", "channel_id", "revenue", "gross_profit", "revenue_share"]].round(4)
          period channel_id  revenue  gross_profit  revenue_share
    0  FY2026-Q3        DIR  13500.0        5700.0         0.6944
    1  FY2026-Q3       DIST   1440.0         -80.0         0.0741
    2  FY2026-Q3        WEB   4500.0        1100.0         0.2315
    """
    cols = check_by(by)
    frame = cube_sums(ds, by=cols, period=period, periods=periods)
    frame["gross_profit_exact"] = frame["revenue_exact"] - frame["cost_of_sales_exact"]
    add_money(frame, ds.money, "revenue", "cost_of_sales", "gross_profit")
    frame["gross_margin"] = ratio(frame["gross_profit_exact"], frame["revenue_exact"])
    frame["discount"] = 1.0 - ratio(frame["listed_revenue_exact"], frame["list_value_exact"])
    frame["list_coverage"] = ratio(frame["listed_revenue_exact"], frame["revenue_exact"])
    totals = frame.groupby("period", sort=False)["revenue_exact"].transform("sum")
    frame["revenue_share"] = ratio(frame["revenue_exact"], totals)
    order = [
        "period", "period_start", *cols, "lines", "quantity", "revenue", "cost_of_sales",
        "gross_profit", "gross_margin", "discount", "list_coverage", "revenue_share",
        "revenue_exact", "cost_of_sales_exact", "gross_profit_exact",
    ]  # fmt: skip
    return frame[order].reset_index(drop=True)
