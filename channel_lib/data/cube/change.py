"""Growth: period-on-period and year-on-year change, and a trailing window against the one before."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data.cube.build import cube_cache, cube_table
from channel_lib.data.cube.sums import cube_sums
from channel_lib.data.cube.terms import PERIOD_COLUMNS, add_money, check_by, check_metric, grain_of
from channel_lib.data.dataset import Dataset

# -- growth ------------------------------------------------------------------------------------------
_YEAR_LAG = {"month": 12, "quarter": 4, "year": 1}


def _metric_exact(frame: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "gross_profit":
        return frame["revenue_exact"] - frame["cost_of_sales_exact"]
    return frame[f"{metric}_exact"]


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
        - ``value`` (float, currency) and ``value_exact`` (int64, exact units of ``ds.money``):
          the metric in the period.
        - ``previous``, ``previous_exact``: the period before; ``change_vs_previous`` (fraction).
        - ``year_ago``, ``year_ago_exact``: the same period one fiscal year before;
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
    cols = check_by(by)
    check_metric(metric)
    if period not in _YEAR_LAG:
        raise ParameterError(f"period={period!r}: growth needs one of {', '.join(_YEAR_LAG)}")
    frame = cube_sums(ds, by=cols, period=period)
    frame["value_exact"] = _metric_exact(frame, metric)
    label, start = PERIOD_COLUMNS[period]
    grid = cube_cache(ds)["periods"].groupby(label, sort=False)[start].min().reset_index()
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
    full = full.merge(frame[["period", *cols, "value_exact"]], on=["period", *cols], how="left")
    full["value_exact"] = full["value_exact"].fillna(0).astype("int64")
    full = full.sort_values([*cols, "_pos"], na_position="first").reset_index(drop=True)
    grouped = full.groupby(cols, sort=False, dropna=False)["value_exact"] if cols else None
    for name, lag in (("previous", 1), ("year_ago", _YEAR_LAG[period])):
        shifted = grouped.shift(lag) if cols else full["value_exact"].shift(lag)
        full[f"{name}_exact"] = shifted.astype("Int64")
        full[f"change_vs_{name}"] = _change(full["value_exact"], full[f"{name}_exact"])
    full["metric"] = metric
    add_money(full, ds.money, "value", "previous", "year_ago")
    full = full.sort_values(["_pos", *cols], na_position="first").reset_index(drop=True)
    order = [
        "period", "period_start", *cols, "metric", "value", "previous", "change_vs_previous",
        "year_ago", "change_vs_year_ago", "value_exact", "previous_exact", "year_ago_exact",
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
        - ``current``, ``previous`` (float, currency) with the exact ``current_exact``,
          ``previous_exact`` (int64, units of ``ds.money``).
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
    cols = check_by(by)
    check_metric(metric)
    if not isinstance(months, int) or months < 1:
        raise ParameterError(f"months={months!r}: a window is a whole number of months ≥ 1")
    cal = ds.calendar
    current_start, current_end = cal.trailing_window(cal.validate_quarter(quarter), months)
    previous_start = current_start - pd.DateOffset(months=months)
    cube = cube_table(ds, grain_of(cols))
    frame = _window_sums(ds, cube, cols, metric, (previous_start, current_start, current_end))
    first_month = ds.con.execute(f"SELECT min(month) FROM {cube}").fetchall()[0][0]
    frame["metric"] = metric
    frame["current_start"] = current_start
    frame["current_end"] = current_end
    frame["previous_start"] = previous_start
    add_money(frame, ds.money, "current", "previous")
    frame["change"] = _change(frame["current_exact"], frame["previous_exact"])
    frame["previous_complete"] = bool(
        first_month is not None and pd.Timestamp(first_month) <= previous_start
    )
    order = [
        *cols, "metric", "current_start", "current_end", "previous_start", "current", "previous",
        "change", "previous_complete", "current_exact", "previous_exact",
    ]  # fmt: skip
    return frame[order]


def _window_sums(
    ds: Dataset, cube: str, cols: list[str], metric: str, bounds: tuple[pd.Timestamp, ...]
) -> pd.DataFrame:
    """The metric's exact units in the current and the previous window per group of ``cols``.

    ``bounds``: the previous window's start, the current window's start and the first day after
    it. Returns the ``cols`` (str), ``current_exact`` and ``previous_exact`` (int64), ordered by
    the ``cols``.
    """
    previous_start, current_start, current_end = bounds
    keys = ", ".join(cols)
    select_keys = f"{keys}, " if cols else ""
    value = "revenue_exact - cost_of_sales_exact" if metric == "gross_profit" else f"{metric}_exact"
    frame = ds.con.execute(
        f"SELECT {select_keys}"
        f"CAST(coalesce(sum({value}) FILTER (WHERE month >= ?), 0) AS BIGINT) AS current_exact, "
        f"CAST(coalesce(sum({value}) FILTER (WHERE month < ?), 0) AS BIGINT) AS previous_exact "
        f"FROM {cube} WHERE month >= ? AND month < ? "
        f"{'GROUP BY ' + keys if cols else ''} {'ORDER BY ' + keys + ' NULLS FIRST' if cols else ''}",
        [current_start.date(), current_start.date(), previous_start.date(), current_end.date()],
    ).df()
    for b in cols:
        frame[b] = frame[b].astype("string")
    return frame
