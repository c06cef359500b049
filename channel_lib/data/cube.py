"""Core metrics by channel, partner, customer, product line and fiscal period.

Revenue, gross profit and margin, discount, cost to serve, contribution, growth, share of
revenue, concentration and attainment against targets.

How it works
------------
DuckDB scans the sales table and aggregates it into a *monthly cube* — one row per month ×
channel × partner × customer × product line — with money summed exactly in DECIMAL and stored as
integer cents (``BIGINT``). The cube stays in the dataset's DuckDB connection (a temporary table)
and is memoised on the :class:`~channel_lib.data.dataset.Dataset` object (:func:`cube_table`); every
function below aggregates the cube (:func:`cube_sums`) and hands pandas a small tidy frame.

The cube comes in two grains of the same definition, each built at most once per dataset: without
``customer_id`` (channel, partner and product-line metrics; tens of thousands of rows even for 10M
sales lines) and with it (built on the first customer-level request, since with tens of thousands of
customers it has millions of rows and costs seconds to build at 10M lines).

Fiscal periods come from the dataset's calendar (``goals.yaml``: start month and naming): the
months spanned by the data are labelled in pandas with :class:`~channel_lib.core.calendar.FiscalCalendar`
and joined to the cube, so a quarter here is always the quarter the rest of the workbook uses.

Money columns
-------------
Every money figure comes twice: ``<name>_cents`` (``int64``, exact: re-aggregate these) and
``<name>`` (``float64`` in the dataset's currency, converted once from the exact cents, for display
and charts; ``round(x, 2)`` recovers the exact amount). Ratios (margin, discount, share, change,
attainment) are fractions (0.25 = 25 %), ``NaN`` where the denominator is zero.

Periods
-------
``period="month"`` labels months ``2026-01``; ``"quarter"`` fiscal quarters ``FY2026-Q3``;
``"year"`` fiscal years ``FY2026``; ``"all"`` one period ``all`` over the whole data. Every frame
with a period has ``period`` (label) and ``period_start`` (first day, Timestamp).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.core.errors import ChannelLibError, DataValidationError, ParameterError, Problem
from channel_lib.data.dataset import Dataset

__all__ = [
    "DIMENSIONS",
    "MONEY_METRICS",
    "PERIODS",
    "MissingDataError",
    "adopt_cubes",
    "attainment",
    "concentration",
    "contribution",
    "cost_to_serve",
    "cube_sums",
    "cube_table",
    "fiscal_periods",
    "growth",
    "herfindahl",
    "monthly_cube",
    "ratio",
    "read_plan_targets",
    "revenue_shares",
    "summarise",
    "top_share",
    "trailing_growth",
]

#: Dimensions of the monthly cube that results can be grouped by.
DIMENSIONS: tuple[str, ...] = ("channel_id", "partner_id", "customer_id", "product_line")
#: Period granularities.
PERIODS: tuple[str, ...] = ("month", "quarter", "year", "all")
#: Metrics that growth and attainment can be computed on (money, in cents in the cube).
MONEY_METRICS: tuple[str, ...] = ("revenue", "gross_profit", "cost_of_sales")

_CUBE = "_cw_metrics_cube"
_PERIOD_TABLE = "_cw_metrics_periods"
#: The metrics' key in the dataset's cache (:attr:`Dataset.cache <channel_lib.data.dataset.Dataset.cache>`)
_CACHE_KEY = "metrics.cube"
# period -> (label column, start column) in the period table
_PERIOD_COLUMNS = {
    "month": ("month_label", "month"),
    "quarter": ("quarter", "quarter_start"),
    "year": ("fiscal_year", "year_start"),
    "all": ("all_label", "all_start"),
}
# the cube's money sums (cents) -> SQL over the cube rows
_CUBE_SUMS = {
    "lines": "lines",
    "quantity": "quantity",
    "revenue_cents": "revenue_cents",
    "cost_of_sales_cents": "cost_of_sales_cents",
    "listed_revenue_cents": "listed_revenue_cents",
    "list_value_cents": "list_value_cents",
}


class MissingDataError(ChannelLibError, LookupError):
    """An analysis needs an optional file (or rows) that the dataset does not have.

    The message says in plain words what is missing and how to enable the analysis; notebooks show
    it in place of the section.
    """


# -- the monthly cube ---------------------------------------------------------------------------------
def _cache(ds: Dataset) -> dict:
    """The metrics' entry in the dataset's cache: grain → cube table, ``"periods"`` → frame."""
    return ds.cache.get(_CACHE_KEY, dict)


def cube_table(ds: Dataset, grain: str = "partner") -> str:
    """The name of the monthly cube of ``grain`` in ``ds.con``, built there once per dataset.

    Two grains share one definition: ``"partner"`` (month × channel × partner × product line,
    what channel, partner and product-line metrics need; built first and small) and
    ``"customer"`` (the same plus ``customer_id``; built on the first customer-level request,
    when the partner grain is then derived from it instead of from ``sales``). The first cube
    built also builds the table of fiscal periods the metrics join it to.

    Parameters
    ----------
    ds : Dataset
    grain : {"partner", "customer"}

    Returns
    -------
    str
        A temporary table of ``ds.con`` with the columns of :func:`monthly_cube` (without
        ``customer_id`` in the partner grain), e.g. to copy into a prepared cache.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> table = cube_table(ds)
    >>> table == cube_table(ds), ds.con.execute(f"SELECT sum(lines) FROM {table}").fetchall()[0][0]
    (True, 28)
    """
    cache = _cache(ds)
    if grain in cache:
        return cache[grain]
    con = ds.con
    keys = "channel_id, partner_id" + (", customer_id" if grain == "customer" else "")
    if grain == "partner" and "customer" in cache:
        sums = ", ".join(
            f"CAST(sum({c}) AS {'DOUBLE' if c == 'quantity' else 'BIGINT'}) AS {c}"
            for c in _CUBE_SUMS.values()
        )
        source = f"SELECT month, {keys}, product_line, {sums} FROM {cache['customer']} GROUP BY ALL"
    else:
        # Sales are summed per product first and joined to products after: a product's list
        # price is one number, so sum(quantity) * list_price per product is exactly the sum of
        # the lines' quantity * list_price (decimal arithmetic), and neither the join nor the
        # product runs once per line (measured 25% less CPU on a 10M-line table).
        # The partner grain starts from the summary the loader left (the same sums, made while
        # it checked the sales' links).
        g_keys = ", ".join(f"g.{k.strip()}" for k in keys.split(","))
        by_product = (
            f"SELECT * FROM {ds.sales_summary}"
            if grain == "partner" and getattr(ds, "sales_summary", None)
            else f"""
            SELECT date_trunc('month', order_date) AS month, {keys}, product_id,
                   count(*) AS lines, sum(quantity) AS quantity, sum(revenue) AS revenue,
                   sum(cost_of_sales) AS cost_of_sales,
                   sum(CAST(quantity AS DECIMAL(18, 4))) AS quantity_4
            FROM sales GROUP BY ALL"""
        )
        source = f"""
        WITH g AS ({by_product})
        SELECT CAST(g.month AS DATE) AS month, {g_keys}, p.product_line,
               CAST(sum(g.lines) AS BIGINT) AS lines,
               sum(g.quantity) AS quantity,
               CAST(sum(g.revenue) * 100 AS BIGINT) AS revenue_cents,
               CAST(sum(g.cost_of_sales) * 100 AS BIGINT) AS cost_of_sales_cents,
               -- CASE, not FILTER: FILTER aggregates measured ~2x slower in DuckDB 2.0
               CAST(coalesce(sum(CASE WHEN p.list_price IS NOT NULL THEN g.revenue END), 0) * 100
                    AS BIGINT) AS listed_revenue_cents,
               CAST(round(coalesce(sum(g.quantity_4 * p.list_price), 0) * 100)
                    AS BIGINT) AS list_value_cents
        FROM g JOIN products p ON g.product_id = p.product_id
        GROUP BY ALL"""
    table = f"{_CUBE}_{grain}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {source}")
    cache[grain] = table
    if "periods" not in cache:
        _build_periods(ds, table)
    return table


def _build_periods(ds: Dataset, cube: str) -> None:
    con = ds.con
    months = [con.execute(f"SELECT min(month), max(month) FROM {cube}").fetchall()[0]]
    if ds.has("channel_costs"):
        months.append(con.execute("SELECT min(month), max(month) FROM channel_costs").fetchall()[0])
    lows = [m[0] for m in months if m[0] is not None]
    highs = [m[1] for m in months if m[1] is not None]
    periods = _period_frame(ds, min(lows) if lows else None, max(highs) if highs else None)
    con.register("_cw_period_frame", periods)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_PERIOD_TABLE} AS SELECT * FROM _cw_period_frame"
        )
    finally:
        con.unregister("_cw_period_frame")
    _cache(ds)["periods"] = periods


def adopt_cubes(ds: Dataset, tables: dict[str, str]) -> None:
    """Use cube tables already in ``ds.con`` as the dataset's cubes instead of building them.

    For cubes read back from a prepared cache (:mod:`channel_lib.data.prepared`): the metrics then
    aggregate them as if :func:`cube_table` had built them on ``ds``.

    Parameters
    ----------
    ds : Dataset
        A dataset whose cubes are not built yet.
    tables : dict of str to str
        Grain (``"partner"`` and ``"customer"``) → its table in ``ds.con``, named as
        :func:`cube_table` names it.

    Raises
    ------
    duckdb.Error
        When the period table cannot be built from the partner cube; nothing is adopted then,
        and the metrics build their own cubes when asked.

    Examples
    --------
    >>> import dataclasses
    >>> from channel_lib import load_dataset
    >>> built = load_dataset("tests/data/tiny")
    >>> tables = {grain: cube_table(built, grain) for grain in ("partner", "customer")}
    >>> ds = dataclasses.replace(built)  # the same connection and tables, no cubes of its own
    >>> adopt_cubes(ds, tables)
    >>> summarise(ds, period="all").equals(summarise(built, period="all"))
    True
    """
    _cache(ds).update(tables)
    try:
        _build_periods(ds, tables["partner"])
    except BaseException:
        ds.cache.pop(_CACHE_KEY)
        raise


def _grain(by: Sequence[str]) -> str:
    return "customer" if "customer_id" in by else "partner"


def _period_frame(ds: Dataset, first, last) -> pd.DataFrame:
    """Every month from ``first`` to ``last`` with its fiscal quarter and year (from the calendar)."""
    cal = ds.calendar
    if first is None:
        months = pd.DatetimeIndex([], dtype="datetime64[us]")
    else:
        months = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="MS")
    frame = pd.DataFrame({"month": months.as_unit("us")})
    frame["month_label"] = frame["month"].dt.strftime("%Y-%m").astype("string")
    frame["quarter"] = cal.quarters_of(frame["month"]).astype("string")
    frame["fiscal_year"] = frame["quarter"].str.slice(0, 6)
    starts = {q: cal.quarter_bounds(q)[0] for q in frame["quarter"].unique()}
    frame["quarter_start"] = frame["quarter"].map(starts).astype("datetime64[us]")
    year_starts = {y: cal.year_bounds(y)[0] for y in frame["fiscal_year"].unique()}
    frame["year_start"] = frame["fiscal_year"].map(year_starts).astype("datetime64[us]")
    frame["all_label"] = pd.Series("all", index=frame.index, dtype="string")
    frame["all_start"] = frame["month"].min() if len(frame) else frame["month"]
    frame["month"] = frame["month"].dt.date
    return frame


def monthly_cube(ds: Dataset) -> pd.DataFrame:
    """The monthly sales cube every metric is computed from (built once per dataset).

    One DuckDB scan of ``sales`` joined to ``products``; money is summed in DECIMAL and stored as
    integer cents. The cube is memoised on ``ds`` (a temporary table in ``ds.con``); the metrics
    functions use it directly (or its customer-free grain) without this pandas copy.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`channel_lib.data.loader.load_dataset`).

    Returns
    -------
    DataFrame
        One row per month × channel × partner × customer × product line with sales:

        - ``month`` (Timestamp): first day of the calendar month.
        - ``channel_id``, ``partner_id`` (missing for direct sales), ``customer_id``,
          ``product_line`` (str).
        - ``lines`` (int): invoiced order lines.
        - ``quantity`` (float): units sold (credit notes negative).
        - ``revenue_cents``, ``cost_of_sales_cents`` (int64): sums in cents.
        - ``listed_revenue_cents`` (int64): revenue of the lines whose product has a list price.
        - ``list_value_cents`` (int64): Σ quantity × list_price over those lines, in cents
          (quantity rounded to 4 decimals, the sum to the cent).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> cube = monthly_cube(load_dataset("tests/data/tiny"))
    >>> int(cube["revenue_cents"].sum()), int(cube["lines"].sum())
    (12094500, 28)
    """
    cube = cube_table(ds, "customer")
    frame = ds.sql(
        "SELECT month, channel_id, partner_id, customer_id, product_line, "
        f"{', '.join(_CUBE_SUMS.values())} FROM {cube} ORDER BY ALL"
    )
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def fiscal_periods(ds: Dataset) -> pd.DataFrame:
    """Every calendar month the data spans, with its fiscal quarter and year.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    DataFrame
        ``month`` (Timestamp, first day), ``month_label`` (``2026-01``), ``quarter``
        (``FY2026-Q3``), ``fiscal_year`` (``FY2026``), ``quarter_start``, ``year_start``
        (Timestamps), from the first to the last month of sales and channel costs.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> fiscal_periods(load_dataset("tests/data/tiny")).iloc[0][["month_label", "quarter"]].tolist()
    ['2024-07', 'FY2025-Q1']
    """
    cube_table(ds)
    frame = _cache(ds)["periods"].drop(columns=["all_label", "all_start"]).copy()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


# -- argument checks ---------------------------------------------------------------------------------
def _check_by(by: Sequence[str] | str) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by)
    unknown = [c for c in cols if c not in DIMENSIONS]
    if unknown or len(set(cols)) != len(cols):
        raise ParameterError(
            f"by={by!r}: group by any of {', '.join(DIMENSIONS)} (each at most once)"
        )
    return cols


def _check_period(period: str) -> tuple[str, str]:
    if period not in _PERIOD_COLUMNS:
        raise ParameterError(f"period={period!r}: use one of {', '.join(PERIODS)}")
    return _PERIOD_COLUMNS[period]


def _check_metric(metric: str) -> None:
    if metric not in MONEY_METRICS:
        raise ParameterError(f"metric={metric!r}: use one of {', '.join(MONEY_METRICS)}")


def _money(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Add ``<name>`` in currency units (float) next to each exact ``<name>_cents`` column."""
    for name in names:
        cents = frame[f"{name}_cents"]
        frame[name] = cents.astype("float64") / 100.0
    return frame


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """``num / den`` as float64, ``NaN`` where ``den`` is zero: the workbook's ratios.

    Parameters
    ----------
    num, den : Series
        Numerator and denominator (e.g. exact ``*_cents`` columns), aligned on their index.

    Returns
    -------
    Series
        float64; ``NaN`` where the denominator is zero (or missing).

    Examples
    --------
    >>> ratio(pd.Series([25, 5, 0]), pd.Series([100, 0, 4])).tolist()
    [0.25, nan, 0.0]
    """
    num = num.astype("float64")
    den = den.astype("float64")
    return (num / den.where(den != 0)).astype("float64")


def _quote_list(values: Sequence[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


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
        ``quantity`` (float64) and the cents (int64) ``revenue_cents``,
        ``cost_of_sales_cents``, ``listed_revenue_cents``, ``list_value_cents`` (see
        :func:`monthly_cube`).

    Raises
    ------
    ParameterError
        For an unknown dimension or period.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> s = cube_sums(load_dataset("tests/data/tiny"), by=["channel_id"], periods=["FY2026-Q3"])
    >>> s[["period", "channel_id", "revenue_cents", "list_value_cents"]]
          period channel_id  revenue_cents  list_value_cents
    0  FY2026-Q3        DIR        1350000           1500000
    1  FY2026-Q3       DIST         144000                 0
    2  FY2026-Q3        WEB         450000            500000
    """
    cols = _check_by(by)
    label, start = _check_period(period)
    cube = cube_table(ds, _grain(cols))
    keys = "".join(f", c.{b}" for b in cols)
    where = f"WHERE p.{label} IN ({_quote_list(periods)})" if periods else ""
    sums = ", ".join(
        f"CAST(sum(c.{col}) AS {'DOUBLE' if col == 'quantity' else 'BIGINT'}) AS {name}"
        for name, col in _CUBE_SUMS.items()
    )
    frame = ds.sql(
        f"SELECT p.{label} AS period, min(p.{start}) AS period_start{keys}, {sums} "
        f"FROM {cube} c JOIN {_PERIOD_TABLE} p ON c.month = p.month {where} "
        f"GROUP BY p.{label}{keys} ORDER BY period_start{keys} NULLS FIRST"
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
          ``revenue_cents``, ``cost_of_sales_cents``, ``gross_profit_cents`` (int64).
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
    Sums are exact (DECIMAL in DuckDB, int64 cents in pandas). Credit notes (negative lines) are
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
    cols = _check_by(by)
    frame = cube_sums(ds, by=cols, period=period, periods=periods)
    frame["gross_profit_cents"] = frame["revenue_cents"] - frame["cost_of_sales_cents"]
    _money(frame, "revenue", "cost_of_sales", "gross_profit")
    frame["gross_margin"] = ratio(frame["gross_profit_cents"], frame["revenue_cents"])
    frame["discount"] = 1.0 - ratio(frame["listed_revenue_cents"], frame["list_value_cents"])
    frame["list_coverage"] = ratio(frame["listed_revenue_cents"], frame["revenue_cents"])
    totals = frame.groupby("period", sort=False)["revenue_cents"].transform("sum")
    frame["revenue_share"] = ratio(frame["revenue_cents"], totals)
    order = [
        "period", "period_start", *cols, "lines", "quantity", "revenue", "cost_of_sales",
        "gross_profit", "gross_margin", "discount", "list_coverage", "revenue_share",
        "revenue_cents", "cost_of_sales_cents", "gross_profit_cents",
    ]  # fmt: skip
    return frame[order].reset_index(drop=True)


# -- growth ------------------------------------------------------------------------------------------
_YEAR_LAG = {"month": 12, "quarter": 4, "year": 1}


def _metric_cents(frame: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "gross_profit":
        return frame["revenue_cents"] - frame["cost_of_sales_cents"]
    return frame[f"{metric}_cents"]


def growth(
    ds: Dataset,
    *,
    by: Sequence[str] | str = ("channel_id",),
    period: str = "quarter",
    metric: str = "revenue",
) -> pd.DataFrame:
    """Period-on-period and year-on-year change of revenue (or gross profit) per group.

    Parameters
    ----------
    ds : Dataset
    by : sequence of str
        Dimensions to group by (see :func:`summarise`).
    period : {"month", "quarter", "year"}
        ``"quarter"`` gives QoQ and YoY (same quarter a year before).
    metric : {"revenue", "gross_profit", "cost_of_sales"}

    Returns
    -------
    DataFrame
        One row per period (every period from the first to the last month of data, gaps filled
        with zero) and group that has sales in any period:

        - ``period``, ``period_start``, the ``by`` columns, ``metric`` (str).
        - ``value`` (float, currency) and ``value_cents`` (int64): the metric in the period.
        - ``previous``, ``previous_cents``: the period before; ``change_vs_previous`` (fraction).
        - ``year_ago``, ``year_ago_cents``: the same period one fiscal year before;
          ``change_vs_year_ago`` (fraction).

        The ``previous``/``year_ago`` columns are missing (``NA``) where that period lies before
        the data starts. A change is ``(value − base) / |base|``; ``NaN`` when the base is zero or
        missing.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> g = growth(ds, by="channel_id", period="quarter")
    >>> row = g[(g["period"] == "FY2026-Q3") & (g["channel_id"] == "DIR")].iloc[0]
    >>> float(row["value"]), float(row["previous"]), round(float(row["change_vs_previous"]), 4)
    (13500.0, 3900.0, 2.4615)
    >>> float(row["year_ago"]), round(float(row["change_vs_year_ago"]), 4)
    (11160.0, 0.2097)
    """
    cols = _check_by(by)
    _check_metric(metric)
    if period not in _YEAR_LAG:
        raise ParameterError(f"period={period!r}: growth needs one of {', '.join(_YEAR_LAG)}")
    frame = cube_sums(ds, by=cols, period=period)
    frame["value_cents"] = _metric_cents(frame, metric)
    label, start = _PERIOD_COLUMNS[period]
    grid = _cache(ds)["periods"].groupby(label, sort=False)[start].min().reset_index()
    grid.columns = ["period", "period_start"]
    grid["period"] = grid["period"].astype("string")
    grid["period_start"] = pd.to_datetime(grid["period_start"])
    grid = grid.sort_values("period_start").reset_index(drop=True)
    grid["_pos"] = np.arange(len(grid))
    if cols:
        groups = frame[cols].drop_duplicates()
        full = grid.merge(groups, how="cross")
    else:
        full = grid.copy()
    full = full.merge(frame[["period", *cols, "value_cents"]], on=["period", *cols], how="left")
    full["value_cents"] = full["value_cents"].fillna(0).astype("int64")
    full = full.sort_values([*cols, "_pos"], na_position="first").reset_index(drop=True)
    grouped = full.groupby(cols, sort=False, dropna=False)["value_cents"] if cols else None
    for name, lag in (("previous", 1), ("year_ago", _YEAR_LAG[period])):
        shifted = grouped.shift(lag) if cols else full["value_cents"].shift(lag)
        full[f"{name}_cents"] = shifted.astype("Int64")
        full[f"change_vs_{name}"] = _change(full["value_cents"], full[f"{name}_cents"])
    full["metric"] = metric
    for name in ("value", "previous", "year_ago"):
        full[name] = full[f"{name}_cents"].astype("Float64").astype("float64") / 100.0
    full = full.sort_values(["_pos", *cols], na_position="first").reset_index(drop=True)
    order = [
        "period", "period_start", *cols, "metric", "value", "previous", "change_vs_previous",
        "year_ago", "change_vs_year_ago", "value_cents", "previous_cents", "year_ago_cents",
    ]  # fmt: skip
    return full[order]


def _change(value: pd.Series, base: pd.Series) -> pd.Series:
    v = value.astype("Float64").astype("float64")
    b = base.astype("Float64").astype("float64")
    return ((v - b) / b.abs().where(b != 0)).astype("float64")


def trailing_growth(
    ds: Dataset,
    quarter: str,
    *,
    by: Sequence[str] | str = ("channel_id",),
    months: int = 12,
    metric: str = "revenue",
) -> pd.DataFrame:
    """The trailing ``months`` months ending with ``quarter`` against the ``months`` before.

    This is the window of the "our sales through the partner" early warning (trailing 12
    months vs the 12 before).

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Last fiscal quarter of the current window, e.g. ``"FY2026-Q4"``.
    by : sequence of str
        Dimensions to group by (see :func:`summarise`).
    months : int
        Window length in months (default 12).
    metric : {"revenue", "gross_profit", "cost_of_sales"}

    Returns
    -------
    DataFrame
        One row per group with sales in either window, ordered by the ``by`` columns:

        - the ``by`` columns, ``metric`` (str).
        - ``current_start``, ``current_end``, ``previous_start`` (Timestamps; ``current_end`` is
          the first day *after* the current window; the previous window ends at
          ``current_start``).
        - ``current``, ``previous`` (float, currency) with the exact ``current_cents``,
          ``previous_cents`` (int64).
        - ``change`` (fraction): ``(current − previous) / |previous|``, ``NaN`` when previous is 0.
        - ``previous_complete`` (bool): the data reaches back to ``previous_start`` (when False,
          the comparison is against a partly observed year).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> t = trailing_growth(ds, "FY2026-Q4", by="channel_id")
    >>> t[["channel_id", "current", "previous", "change"]].round(4)
      channel_id  current  previous  change
    0        DIR  32720.0   33520.0 -0.0239
    1       DIST  17435.0   22990.0 -0.2416
    2        WEB  10200.0    3080.0  2.3117
    """
    cols = _check_by(by)
    _check_metric(metric)
    if not isinstance(months, int) or months < 1:
        raise ParameterError(f"months={months!r}: a window is a whole number of months ≥ 1")
    cal = ds.calendar
    current_start, current_end = cal.trailing_window(cal.validate_quarter(quarter), months)
    previous_start = current_start - pd.DateOffset(months=months)
    cube = cube_table(ds, _grain(cols))
    keys = ", ".join(cols)
    select_keys = f"{keys}, " if cols else ""
    value = "revenue_cents - cost_of_sales_cents" if metric == "gross_profit" else f"{metric}_cents"
    frame = ds.con.execute(
        f"SELECT {select_keys}"
        f"CAST(coalesce(sum({value}) FILTER (WHERE month >= ?), 0) AS BIGINT) AS current_cents, "
        f"CAST(coalesce(sum({value}) FILTER (WHERE month < ?), 0) AS BIGINT) AS previous_cents "
        f"FROM {cube} WHERE month >= ? AND month < ? "
        f"{'GROUP BY ' + keys if cols else ''} {'ORDER BY ' + keys + ' NULLS FIRST' if cols else ''}",
        [current_start.date(), current_start.date(), previous_start.date(), current_end.date()],
    ).df()
    for b in cols:
        frame[b] = frame[b].astype("string")
    first_month = ds.con.execute(f"SELECT min(month) FROM {cube}").fetchall()[0][0]
    frame["metric"] = metric
    frame["current_start"] = current_start
    frame["current_end"] = current_end
    frame["previous_start"] = previous_start
    _money(frame, "current", "previous")
    frame["change"] = _change(frame["current_cents"], frame["previous_cents"])
    frame["previous_complete"] = bool(
        first_month is not None and pd.Timestamp(first_month) <= previous_start
    )
    order = [
        *cols, "metric", "current_start", "current_end", "previous_start", "current", "previous",
        "change", "previous_complete", "current_cents", "previous_cents",
    ]  # fmt: skip
    return frame[order]


# -- concentration -----------------------------------------------------------------------------------
def herfindahl(amounts: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Herfindahl–Hirschman index of the positive amounts: Σ shareᵢ².

    Parameters
    ----------
    amounts : array-like of numbers
        Revenue per entity (any unit); zero and negative amounts are left out.

    Returns
    -------
    float
        In (0, 1]: 1 = one entity holds everything, 1/n = n equal entities; ``NaN`` when no
        amount is positive.

    Notes
    -----
    Rhoades, S. A. (1993), "The Herfindahl-Hirschman Index", *Federal Reserve Bulletin* 79,
    188–189. The index is a fraction here (the antitrust convention multiplies by 10 000).

    Examples
    --------
    >>> herfindahl([50, 30, 20])
    0.38
    >>> herfindahl([7])
    1.0
    """
    a = np.asarray(amounts, dtype="float64")
    a = a[a > 0]
    if a.size == 0:
        return float("nan")
    shares = a / a.sum()
    return float(np.round((shares**2).sum(), 15))


def top_share(amounts: Sequence[float] | np.ndarray | pd.Series, n: int = 3) -> float:
    """Share of the ``n`` largest positive amounts in the positive total.

    Examples
    --------
    >>> top_share([50, 30, 20], n=2)
    0.8
    """
    a = np.asarray(amounts, dtype="float64")
    a = np.sort(a[a > 0])[::-1]
    if a.size == 0:
        return float("nan")
    return float(a[:n].sum() / a.sum())


def _single_dimension(by: str) -> str:
    if not isinstance(by, str) or by not in DIMENSIONS:
        raise ParameterError(f"by={by!r}: concentration is over one of {', '.join(DIMENSIONS)}")
    return by


def revenue_shares(
    ds: Dataset,
    *,
    by: str = "channel_id",
    period: str = "quarter",
    periods: Sequence[str] | None = None,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Each entity's share of the period's revenue, ranked, with the dependency flag.

    Parameters
    ----------
    ds : Dataset
    by : {"channel_id", "partner_id", "customer_id", "product_line"}
        The dimension whose concentration is measured. For ``partner_id`` direct sales (no
        partner) are left out: the shares are of revenue through partners.
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.
    threshold : float, optional
        Share at or above which an entity is a dependency risk; default
        ``ds.goals.signals.dependency_share`` (0.30 unless ``goals.yaml`` says otherwise).

    Returns
    -------
    DataFrame
        One row per period and entity with positive revenue, by period then rank:

        - ``period``, ``period_start``, ``dimension`` (the ``by`` name), ``entity_id``.
        - ``revenue`` (float), ``revenue_cents`` (int64).
        - ``share`` (fraction of the period's positive revenue; shares of a period sum to 1).
        - ``rank`` (int, 1 = largest), ``threshold`` (float), ``dependency`` (bool: share ≥
          threshold).

    Notes
    -----
    Entities with zero or negative net revenue in a period (credit notes only) are left out, so
    shares lie in (0, 1].

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> s = revenue_shares(ds, by="channel_id", period="quarter", periods=["FY2026-Q3"])
    >>> s[["entity_id", "share", "rank", "dependency"]].round(4)
      entity_id   share  rank  dependency
    0       DIR  0.6944     1        True
    1       WEB  0.2315     2       False
    2      DIST  0.0741     3       False
    """
    dim = _single_dimension(by)
    if threshold is None:
        threshold = float(ds.goals.signals.dependency_share)
    if not 0 < threshold <= 1:
        raise ParameterError(f"threshold={threshold!r}: a share threshold lies in (0, 1]")
    frame = cube_sums(ds, by=[dim], period=period, periods=periods)
    frame = frame[frame[dim].notna() & (frame["revenue_cents"] > 0)]
    frame = frame[["period", "period_start", dim, "revenue_cents"]].rename(
        columns={dim: "entity_id"}
    )
    totals = frame.groupby("period", sort=False)["revenue_cents"].transform("sum")
    frame["share"] = ratio(frame["revenue_cents"], totals)
    frame = frame.sort_values(
        ["period_start", "revenue_cents", "entity_id"], ascending=[True, False, True]
    )
    frame["rank"] = frame.groupby("period", sort=False).cumcount().astype("int64") + 1
    frame.insert(2, "dimension", dim)
    _money(frame, "revenue")
    frame["threshold"] = float(threshold)
    frame["dependency"] = frame["share"] >= threshold
    order = [
        "period", "period_start", "dimension", "entity_id", "revenue", "share", "rank",
        "threshold", "dependency", "revenue_cents",
    ]  # fmt: skip
    return frame[order].reset_index(drop=True)


def concentration(
    ds: Dataset,
    *,
    by: str = "channel_id",
    period: str = "quarter",
    periods: Sequence[str] | None = None,
    top_n: int = 3,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Revenue concentration per period: top-N share, HHI and the dependency flag.

    Parameters
    ----------
    ds : Dataset
    by : {"channel_id", "partner_id", "customer_id", "product_line"}
        The dimension (see :func:`revenue_shares`).
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.
    top_n : int
        How many of the largest entities the top-N share counts.
    threshold : float, optional
        Dependency share threshold; default ``ds.goals.signals.dependency_share`` (0.30).

    Returns
    -------
    DataFrame
        One row per period with positive revenue:

        - ``period``, ``period_start``, ``dimension``.
        - ``entities`` (int): entities with positive revenue.
        - ``revenue`` (float), ``revenue_cents`` (int64): their total.
        - ``top_n`` (int), ``top_n_share`` (fraction).
        - ``hhi`` (fraction in (0, 1]): Σ share², see :func:`herfindahl`.
        - ``largest_id`` (str), ``largest_share`` (fraction).
        - ``threshold`` (float), ``dependencies`` (int): entities with share ≥ threshold;
          ``dependency_risk`` (bool): at least one.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> c = concentration(ds, by="channel_id", period="year", top_n=1)
    >>> c[["period", "top_n_share", "hhi", "largest_id", "dependency_risk"]].round(4)
       period  top_n_share     hhi largest_id  dependency_risk
    0  FY2025       0.5625  0.4679        DIR             True
    1  FY2026       0.5421  0.4059        DIR             True
    2  FY2027       1.0000  1.0000       DIST             True
    """
    if not isinstance(top_n, int) or top_n < 1:
        raise ParameterError(f"top_n={top_n!r}: a whole number ≥ 1")
    shares = revenue_shares(ds, by=by, period=period, periods=periods, threshold=threshold)
    shares["_sq"] = shares["share"] ** 2
    shares["_top"] = shares["share"].where(shares["rank"] <= top_n, 0.0)
    g = shares.groupby(["period", "period_start"], sort=False)
    out = g.agg(
        entities=("entity_id", "size"),
        revenue_cents=("revenue_cents", "sum"),
        top_n_share=("_top", "sum"),
        hhi=("_sq", "sum"),
        dependencies=("dependency", "sum"),
    ).reset_index()
    largest = shares[shares["rank"] == 1].set_index("period")
    out["dimension"] = shares["dimension"].iloc[0] if len(shares) else by
    out["top_n"] = top_n
    out["largest_id"] = out["period"].map(largest["entity_id"]).astype("string")
    out["largest_share"] = out["period"].map(largest["share"]).astype("float64")
    out["threshold"] = float(shares["threshold"].iloc[0]) if len(shares) else np.nan
    out["dependencies"] = out["dependencies"].astype("int64")
    out["dependency_risk"] = out["dependencies"] > 0
    out["revenue_cents"] = out["revenue_cents"].astype("int64")
    out["entities"] = out["entities"].astype("int64")
    _money(out, "revenue")
    order = [
        "period", "period_start", "dimension", "entities", "revenue", "top_n", "top_n_share",
        "hhi", "largest_id", "largest_share", "threshold", "dependencies", "dependency_risk",
        "revenue_cents",
    ]  # fmt: skip
    return out[order]


# -- cost to serve and contribution ---------------------------------------------------------------------
def cost_to_serve(
    ds: Dataset,
    *,
    period: str = "quarter",
    periods: Sequence[str] | None = None,
    by_cost_type: bool = False,
) -> pd.DataFrame:
    """Cost to serve each channel per period, from ``channel_costs`` (every cost type).

    Parameters
    ----------
    ds : Dataset
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.
    by_cost_type : bool
        Also split by ``cost_type`` (mdf, coop, rebates, enablement, channel_staff, ...).

    Returns
    -------
    DataFrame
        One row per period and channel (and cost type) with costs:

        - ``period``, ``period_start``, ``channel_id`` (and ``cost_type``).
        - ``cost_to_serve`` (float, currency), ``cost_to_serve_cents`` (int64): all costs.
        - ``discretionary`` (float), ``discretionary_cents`` (int64): the part marked
          discretionary (MDF, co-op, ... that can be reallocated).

    Raises
    ------
    MissingDataError
        When the dataset has no ``channel_costs`` file; the message says what it disables and
        which columns to add.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> cost_to_serve(ds, period="year")[["period", "channel_id", "cost_to_serve", "discretionary"]]
       period channel_id  cost_to_serve  discretionary
    0  FY2026        DIR         4000.0            0.0
    1  FY2026       DIST         2410.0         2100.0
    2  FY2026        WEB          750.0          750.0
    """
    if not ds.has("channel_costs"):
        raise MissingDataError(
            "Cost to serve and contribution cannot be computed: " + ds.missing_note("channel_costs")
        )
    cube_table(ds)
    label, start = _check_period(period)
    keys = "k.channel_id" + (", k.cost_type" if by_cost_type else "")
    where = f"WHERE p.{label} IN ({_quote_list(periods)})" if periods else ""
    frame = ds.sql(
        f"SELECT p.{label} AS period, min(p.{start}) AS period_start, {keys}, "
        "CAST(sum(k.amount) * 100 AS BIGINT) AS cost_to_serve_cents, "
        "CAST(coalesce(sum(k.amount) FILTER (WHERE k.discretionary), 0) * 100 AS BIGINT) "
        "AS discretionary_cents "
        f"FROM channel_costs k JOIN {_PERIOD_TABLE} p ON k.month = p.month {where} "
        f"GROUP BY p.{label}, {keys} ORDER BY period_start, {keys}"
    )
    frame["period"] = frame["period"].astype("string")
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    cols = ["channel_id", *(["cost_type"] if by_cost_type else [])]
    for c in cols:
        frame[c] = frame[c].astype("string")
    _money(frame, "cost_to_serve", "discretionary")
    order = [
        "period", "period_start", *cols, "cost_to_serve", "discretionary", "cost_to_serve_cents",
        "discretionary_cents",
    ]  # fmt: skip
    return frame[order]


def contribution(
    ds: Dataset, *, period: str = "quarter", periods: Sequence[str] | None = None
) -> pd.DataFrame:
    """Channel contribution per period: gross profit − cost to serve.

    Parameters
    ----------
    ds : Dataset
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.

    Returns
    -------
    DataFrame
        One row per period and channel with sales or costs:

        - ``period``, ``period_start``, ``channel_id``.
        - ``revenue``, ``gross_profit``, ``cost_to_serve``, ``contribution`` (float, currency)
          and the exact ``*_cents`` (int64); a channel without sales (or costs) in a period
          counts 0 for them.
        - ``gross_margin``, ``contribution_margin`` (fractions of revenue).

    Raises
    ------
    MissingDataError
        When the dataset has no ``channel_costs`` file.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> contribution(ds, period="year", periods=["FY2026"])[["channel_id", "gross_profit", "contribution"]]
      channel_id  gross_profit  contribution
    0        DIR       13280.0        9280.0
    1       DIST        4175.0        1765.0
    2        WEB        2550.0        1800.0
    """
    costs = cost_to_serve(ds, period=period, periods=periods)
    sales = summarise(ds, by=("channel_id",), period=period, periods=periods)
    keys = ["period", "period_start", "channel_id"]
    frame = sales[[*keys, "revenue_cents", "gross_profit_cents"]].merge(
        costs[[*keys, "cost_to_serve_cents"]], on=keys, how="outer"
    )
    for c in ("revenue_cents", "gross_profit_cents", "cost_to_serve_cents"):
        frame[c] = frame[c].fillna(0).astype("int64")
    frame["contribution_cents"] = frame["gross_profit_cents"] - frame["cost_to_serve_cents"]
    _money(frame, "revenue", "gross_profit", "cost_to_serve", "contribution")
    frame["gross_margin"] = ratio(frame["gross_profit_cents"], frame["revenue_cents"])
    frame["contribution_margin"] = ratio(frame["contribution_cents"], frame["revenue_cents"])
    frame = frame.sort_values(["period_start", "channel_id"]).reset_index(drop=True)
    order = [
        *keys, "revenue", "gross_profit", "cost_to_serve", "contribution", "gross_margin",
        "contribution_margin", "revenue_cents", "gross_profit_cents", "cost_to_serve_cents",
        "contribution_cents",
    ]  # fmt: skip
    return frame[order]


# -- attainment --------------------------------------------------------------------------------------
_TARGET_COLUMNS = ("quarter", "channel_id", "partner_id", "metric", "target")
_QUARTER_LABEL = re.compile(r"FY\d{4}-Q[1-4]")


def read_plan_targets(plans_dir: str | Path) -> pd.DataFrame | None:
    """Targets written to the plans folder (``plans_dir/targets.csv``), validated.

    Parameters
    ----------
    plans_dir : str or Path
        The plans folder.

    Returns
    -------
    DataFrame or None
        ``quarter``, ``channel_id``, ``partner_id`` (missing = channel level), ``metric`` (str),
        ``target_cents`` (int64); ``None`` when the file does not exist.

    Raises
    ------
    DataValidationError
        Naming file, column, line and value of every malformed cell.
    """
    path = Path(plans_dir) / "targets.csv"
    if not path.exists():
        return None
    import duckdb

    con = duckdb.connect()
    raw = con.execute(
        "SELECT row_number() OVER () + 1 AS line, * FROM read_csv(?, header = true, "
        "all_varchar = true, auto_detect = true, nullstr = '')",
        [str(path)],
    ).df()
    problems = [
        Problem(path.name, c, 1, "", f"required column is missing; add a column '{c}'")
        for c in _TARGET_COLUMNS
        if c not in raw.columns
    ]
    if problems:
        raise DataValidationError(problems, folder=str(path.parent))
    out = raw[["line", *_TARGET_COLUMNS]].copy()
    for c in ("quarter", "channel_id", "partner_id", "metric"):
        out[c] = out[c].astype("string").str.strip().replace("", pd.NA)
    cents = []
    for line, q, ch, m, t in out[["line", "quarter", "channel_id", "metric", "target"]].itertuples(
        index=False
    ):
        if pd.isna(q) or not _QUARTER_LABEL.fullmatch(str(q)):
            problems.append(
                Problem(path.name, "quarter", int(line), str(q), "not a quarter like FY2026-Q3")
            )
        if pd.isna(ch):
            problems.append(
                Problem(path.name, "channel_id", int(line), "", "empty; name the channel")
            )
        if m not in ("revenue", "gross_profit"):
            problems.append(
                Problem(path.name, "metric", int(line), str(m), "must be revenue or gross_profit")
            )
        cents.append(_parse_cents(t))
        if cents[-1] is None or cents[-1] < 0:
            problems.append(
                Problem(
                    path.name,
                    "target",
                    int(line),
                    "" if t is None else str(t),
                    "not an amount ≥ 0 with at most 2 decimals",
                )
            )
    if problems:
        raise DataValidationError(problems, folder=str(path.parent))
    out["target_cents"] = pd.Series(cents, index=out.index, dtype="int64")
    return out.drop(columns=["line", "target"])


def _parse_cents(text: object) -> int | None:
    from decimal import Decimal, InvalidOperation

    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    try:
        value = Decimal(str(text).strip()) * 100
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


def attainment(ds: Dataset, quarter: str, *, plans_dir: str | Path | None = None) -> pd.DataFrame:
    """Attainment of each channel and partner target in ``quarter``.

    Targets come from ``plans_dir/targets.csv`` when it has rows for the quarter (targets the
    workbook proposed and the user saved), else from the dataset's ``targets.csv`` (the company's
    official targets). The result says which it used (``source`` column and
    ``frame.attrs["source"]``, ``frame.attrs["source_file"]``).

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Fiscal quarter, e.g. ``"FY2026-Q3"``.
    plans_dir : str or Path, optional
        The plans folder; ``None`` = use the dataset's targets only.

    Returns
    -------
    DataFrame
        One row per target, channel-level rows first:

        - ``quarter``, ``level`` (``"channel"`` or ``"partner"``), ``channel_id``, ``partner_id``
          (missing for channel level), ``metric`` (``revenue`` or ``gross_profit``).
        - ``target``, ``actual``, ``gap`` (= actual − target) in currency (float) with exact
          ``target_cents``, ``actual_cents``, ``gap_cents`` (int64). A partner's actual counts
          its sales in the target's channel.
        - ``attainment`` (fraction: actual / target; ``NaN`` for a zero target).
        - ``source`` (``"plans"`` or ``"dataset"``), ``source_file`` (path of the targets file).

    Raises
    ------
    MissingDataError
        When neither the plans folder nor the dataset has targets for the quarter.
    DataValidationError
        When ``plans_dir/targets.csv`` is malformed.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> a = attainment(ds, "FY2026-Q3")
    >>> a[["level", "channel_id", "partner_id", "target", "actual", "attainment"]].round(4)
         level channel_id partner_id   target   actual  attainment
    0  channel        DIR       <NA>  15000.0  13500.0       0.900
    1  channel       DIST       <NA>   9000.0   1440.0       0.160
    2  channel        WEB       <NA>   4000.0   4500.0       1.125
    3  partner       DIST         P1   6000.0      0.0       0.000
    >>> a.attrs["source"]
    'dataset'
    """
    ds.calendar.validate_quarter(quarter)
    targets = None
    source = source_file = None
    if plans_dir is not None:
        plan = read_plan_targets(plans_dir)
        if plan is not None:
            plan = plan[plan["quarter"] == quarter]
            if len(plan):
                targets, source = plan, "plans"
                source_file = str(Path(plans_dir) / "targets.csv")
    if targets is None and ds.has("targets"):
        # one query for the labels and the cents (a Parquet table is a view, with no rowid to
        # align two queries by)
        official = ds.sql(
            "SELECT quarter, channel_id, partner_id, metric, "
            "CAST(target * 100 AS BIGINT) AS target_cents FROM targets WHERE quarter = ?",
            [quarter],
        )
        if len(official):
            targets = pd.DataFrame(
                {
                    c: official[c].astype("string")
                    for c in ("quarter", "channel_id", "partner_id", "metric")
                }
            )
            targets["target_cents"] = official["target_cents"].to_numpy()
            source, source_file = "dataset", str(ds.files["targets"])
    if targets is None:
        where = [f"{Path(plans_dir) / 'targets.csv'}"] if plans_dir is not None else []
        where.append(
            f"the dataset's {ds.files['targets'].name}"
            if ds.has("targets")
            else f"the dataset folder {ds.folder} (it has no targets.csv)"
        )
        raise MissingDataError(
            f"No targets for {quarter} in {' or '.join(where)}: attainment cannot be shown. "
            "Set targets for the quarter (target setting writes them to the plans folder) or add "
            "rows for it to targets.csv (columns: quarter, channel_id, partner_id, metric, target)."
        )
    actual = cube_sums(ds, by=["channel_id", "partner_id"], periods=[quarter])
    actual["gross_profit_cents"] = actual["revenue_cents"] - actual["cost_of_sales_cents"]
    actual = actual[["channel_id", "partner_id", "revenue_cents", "gross_profit_cents"]]
    by_channel = actual.groupby("channel_id")[["revenue_cents", "gross_profit_cents"]].sum()
    by_partner = actual.dropna(subset=["partner_id"]).set_index(["channel_id", "partner_id"])
    out = targets.reset_index(drop=True).copy()
    out["level"] = np.where(out["partner_id"].isna(), "channel", "partner")
    values = []
    for ch, partner, metric in out[["channel_id", "partner_id", "metric"]].itertuples(index=False):
        col = f"{metric}_cents"
        if pd.isna(partner):
            values.append(int(by_channel[col].get(ch, 0)))
        else:
            key = (ch, partner)
            values.append(int(by_partner[col].get(key, 0)) if key in by_partner.index else 0)
    out["actual_cents"] = pd.Series(values, index=out.index, dtype="int64")
    out["target_cents"] = out["target_cents"].astype("int64")
    out["gap_cents"] = out["actual_cents"] - out["target_cents"]
    _money(out, "target", "actual", "gap")
    out["attainment"] = ratio(out["actual_cents"], out["target_cents"])
    out["source"] = source
    out["source_file"] = source_file
    out["level"] = out["level"].astype("string")
    out = out.sort_values(
        ["level", "channel_id", "partner_id", "metric"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    out.attrs["source"] = source
    out.attrs["source_file"] = source_file
    order = [
        "quarter", "level", "channel_id", "partner_id", "metric", "target", "actual", "gap",
        "attainment", "source", "source_file", "target_cents", "actual_cents", "gap_cents",
    ]  # fmt: skip
    return out[order]
