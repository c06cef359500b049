"""Cost to serve each channel (from ``channel_costs``) and its contribution after those costs."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from channel_lib.data.cube.build import PERIOD_TABLE, cube_table
from channel_lib.data.cube.sums import summarise
from channel_lib.data.cube.terms import (
    MissingDataError,
    add_money,
    check_period,
    exact_sql,
    period_filter,
    ratio,
)
from channel_lib.data.dataset import Dataset


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
        - ``cost_to_serve`` (float, currency), ``cost_to_serve_exact`` (int64, exact units of
          ``ds.money``): all costs.
        - ``discretionary`` (float), ``discretionary_exact`` (int64): the part marked
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
    label, start = check_period(period)
    keys = "k.channel_id" + (", k.cost_type" if by_cost_type else "")
    total = exact_sql("sum(k.amount)", ds.money)
    # CASE, not FILTER: FILTER aggregates measured ~2x slower in DuckDB (see build.py)
    discretionary = exact_sql(
        "coalesce(sum(CASE WHEN k.discretionary THEN k.amount END), 0)", ds.money
    )
    where, params = period_filter(label, periods)
    frame = ds.sql(
        f"SELECT p.{label} AS period, min(p.{start}) AS period_start, {keys}, "
        f"{total} AS cost_to_serve_exact, {discretionary} AS discretionary_exact "
        f"FROM channel_costs k JOIN {PERIOD_TABLE} p ON k.month = p.month {where} "
        f"GROUP BY p.{label}, {keys} ORDER BY period_start, {keys}",
        params,
    )
    frame["period"] = frame["period"].astype("string")
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    cols = ["channel_id", *(["cost_type"] if by_cost_type else [])]
    for c in cols:
        frame[c] = frame[c].astype("string")
    add_money(frame, ds.money, "cost_to_serve", "discretionary")
    order = [
        "period", "period_start", *cols, "cost_to_serve", "discretionary", "cost_to_serve_exact",
        "discretionary_exact",
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
          and the exact ``*_exact`` (int64, units of ``ds.money``); a channel without sales (or costs) in a period
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
    frame = sales[[*keys, "revenue_exact", "gross_profit_exact"]].merge(
        costs[[*keys, "cost_to_serve_exact"]], on=keys, how="outer"
    )
    for c in ("revenue_exact", "gross_profit_exact", "cost_to_serve_exact"):
        frame[c] = frame[c].fillna(0).astype("int64")
    frame["contribution_exact"] = frame["gross_profit_exact"] - frame["cost_to_serve_exact"]
    add_money(frame, ds.money, "revenue", "gross_profit", "cost_to_serve", "contribution")
    frame["gross_margin"] = ratio(frame["gross_profit_exact"], frame["revenue_exact"])
    frame["contribution_margin"] = ratio(frame["contribution_exact"], frame["revenue_exact"])
    frame = frame.sort_values(["period_start", "channel_id"]).reset_index(drop=True)
    order = [
        *keys, "revenue", "gross_profit", "cost_to_serve", "contribution", "gross_margin",
        "contribution_margin", "revenue_exact", "gross_profit_exact", "cost_to_serve_exact",
        "contribution_exact",
    ]  # fmt: skip
    return frame[order]
