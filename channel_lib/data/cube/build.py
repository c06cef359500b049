"""The monthly cube and its table of fiscal periods: built once per dataset, kept in its cache.

DuckDB aggregates the sales into a temporary table of ``ds.con`` per grain (:func:`cube_table`);
the table names and the pandas frame of periods are kept in the dataset's cache
(:attr:`Dataset.cache <channel_lib.data.dataset.Dataset.cache>`, entry :data:`CACHE_KEY`).
"""

from __future__ import annotations

import pandas as pd

from channel_lib.data.cube.terms import CUBE_SUMS, exact_sql, rounded_exact_sql
from channel_lib.data.dataset import Dataset

#: Prefix of the cube tables in ``ds.con`` (one per grain: ``<prefix>_partner``, ...).
CUBE_TABLE = "_cw_metrics_cube"
#: The table of fiscal periods in ``ds.con`` (one row per month) the metrics join the cube to.
PERIOD_TABLE = "_cw_metrics_periods"
#: The metrics' key in the dataset's cache (:attr:`Dataset.cache <channel_lib.data.dataset.Dataset.cache>`)
CACHE_KEY = "metrics.cube"


# -- the monthly cube ---------------------------------------------------------------------------------
def cube_cache(ds: Dataset) -> dict:
    """The metrics' entry in the dataset's cache: grain → cube table, ``"periods"`` → frame."""
    return ds.cache.get(CACHE_KEY, dict)


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
    cache = cube_cache(ds)
    if grain in cache:
        return cache[grain]
    con = ds.con
    keys = "channel_id, partner_id" + (", customer_id" if grain == "customer" else "")
    if grain == "partner" and "customer" in cache:
        sums = ", ".join(
            f"CAST(sum({c}) AS {'DOUBLE' if c == 'quantity' else 'BIGINT'}) AS {c}"
            for c in CUBE_SUMS.values()
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
        money = ds.money
        listed = "coalesce(sum(CASE WHEN p.list_price IS NOT NULL THEN g.revenue END), 0)"
        list_value = "coalesce(sum(g.quantity_4 * p.list_price), 0)"
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
               {exact_sql("sum(g.revenue)", money)} AS revenue_exact,
               {exact_sql("sum(g.cost_of_sales)", money)} AS cost_of_sales_exact,
               -- CASE, not FILTER: FILTER aggregates measured ~2x slower in DuckDB 2.0
               {exact_sql(listed, money)} AS listed_revenue_exact,
               -- quantity x list price has more places than the unit: rounded to it, the one
               -- rounding of the cube (half away from zero, once per month x group x line)
               {rounded_exact_sql(list_value, money)} AS list_value_exact
        FROM g JOIN products p ON g.product_id = p.product_id
        GROUP BY ALL"""
    table = f"{CUBE_TABLE}_{grain}"
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
            f"CREATE OR REPLACE TEMP TABLE {PERIOD_TABLE} AS SELECT * FROM _cw_period_frame"
        )
    finally:
        con.unregister("_cw_period_frame")
    cube_cache(ds)["periods"] = periods


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
    >>> from channel_lib.data.cube import summarise
    >>> summarise(ds, period="all").equals(summarise(built, period="all"))
    True
    """
    cube_cache(ds).update(tables)
    try:
        _build_periods(ds, tables["partner"])
    except BaseException:
        ds.cache.pop(CACHE_KEY)
        raise


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
    integers of the dataset's money unit (``ds.money``: 10^-d of the currency, d =
    ``money_decimals`` of ``goals.yaml``), exactly. The cube is memoised on ``ds`` (a temporary table in ``ds.con``); the metrics
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
        - ``revenue_exact``, ``cost_of_sales_exact`` (int64): exact sums in units of
          ``ds.money`` (``ds.money.amount(x)`` is the amount in currency).
        - ``listed_revenue_exact`` (int64): revenue of the lines whose product has a list price.
        - ``list_value_exact`` (int64): Σ quantity × list_price over those lines, in units of
          ``ds.money`` (quantity rounded to 4 decimals; the sum, which has more places than the
          unit, rounded to the unit half away from zero: the cube's only rounding).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> cube = monthly_cube(ds)
    >>> float(ds.money.amount(cube["revenue_exact"].sum())), int(cube["lines"].sum())
    (120945.0, 28)
    """
    cube = cube_table(ds, "customer")
    frame = ds.sql(
        "SELECT month, channel_id, partner_id, customer_id, product_line, "
        f"{', '.join(CUBE_SUMS.values())} FROM {cube} ORDER BY ALL"
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
    frame = cube_cache(ds)["periods"].drop(columns=["all_label", "all_start"]).copy()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame
