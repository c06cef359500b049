"""The monthly series every trend analysis works on, and their quarterly sums.

:func:`monthly_series` builds the tidy monthly frame (exact units of ``ds.money``, complete
months up to the end
of the reporting quarter) per entity — the company, each channel, each partner;
:func:`quarterly_series` sums it by fiscal quarter and :func:`long_quarterly` melts it for small
multiples. The constants and the small helpers the other modules share live here too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data import cube as metrics
from channel_lib.data.loader import Dataset

__all__ = [
    "LEVELS",
    "MEASURES",
    "MEASURE_LABELS",
    "MIN_SEASONAL_MONTHS",
    "MIN_TREND_MONTHS",
    "MONEY_MEASURES",
    "PERIOD",
    "RATIO_MEASURES",
    "long_quarterly",
    "monthly_series",
    "quarterly_series",
]

#: Months in a seasonal cycle.
PERIOD = 12
#: Fewest months for a seasonal model (STL, seasonal ETS): two full cycles.
MIN_SEASONAL_MONTHS = 2 * PERIOD
#: Fewest months to test a trend or forecast at all.
MIN_TREND_MONTHS = 12
#: Measures that can be modelled: money (currency in the frame, exact in ``*_exact``) and ratios.
MONEY_MEASURES: tuple[str, ...] = ("revenue", "gross_profit", "contribution")
RATIO_MEASURES: tuple[str, ...] = ("gross_margin", "contribution_margin")
MEASURES: tuple[str, ...] = MONEY_MEASURES + RATIO_MEASURES
LEVELS: tuple[str, ...] = ("total", "channel", "partner")

MEASURE_LABELS = {
    "revenue": "Revenue",
    "gross_profit": "Gross profit",
    "contribution": "Contribution after cost to serve",
    "gross_margin": "Gross margin",
    "contribution_margin": "Contribution margin",
}


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise ParameterError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")


def monthly_series(
    ds: Dataset, *, quarter: str, levels: Sequence[str] = ("total", "channel")
) -> pd.DataFrame:
    """Monthly revenue, gross profit, cost to serve, contribution and margins per entity.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        The reporting quarter (``FY2026-Q4``): months after it (a partly loaded month included)
        are left out, so every series ends with a complete month.
    levels : sequence of {"total", "channel", "partner"}
        Which entities: the whole company (``entity_id`` ``"ALL"``), each channel, each partner.

    Returns
    -------
    DataFrame
        One row per entity and month from the entity's first month with sales to the end of the
        quarter (months without sales inside that span are present with zero):

        - ``level``, ``entity_id``, ``channel_id`` (the partner's channel; ``"ALL"`` for the total).
        - ``month`` (Timestamp, first day), ``quarter`` (fiscal quarter label).
        - ``revenue_exact``, ``gross_profit_exact``, ``cost_to_serve_exact``,
          ``contribution_exact`` (int64; cost to serve and contribution are ``<NA>`` for partners
          and when the dataset has no ``channel_costs``), and the same in currency without
          ``_exact`` (float); the exact columns count ``ds.money``'s unit (10^-d of the
          currency, ``money_decimals`` of ``goals.yaml``).

        ``frame.attrs["money"]`` is that unit (:class:`~channel_lib.core.money.MoneyUnit`).
        - ``gross_margin``, ``contribution_margin`` (fractions; ``NaN`` where revenue ≤ 0).

        ``frame.attrs["has_costs"]`` says whether cost to serve was available.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> m = monthly_series(load_dataset("tests/data/tiny"), quarter="FY2026-Q4")
    >>> m[m["level"] == "total"][["quarter", "revenue", "gross_margin"]].head(2).round(3)
         quarter  revenue  gross_margin
    0  FY2025-Q1  12300.0         0.423
    1  FY2025-Q1   8400.0         0.274
    """
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown or not levels:
        raise ParameterError(f"levels={levels!r}: choose from {', '.join(LEVELS)}")
    cal = ds.calendar
    cal.validate_quarter(quarter)
    end = cal.quarter_bounds(quarter)[1]
    periods = metrics.fiscal_periods(ds)
    months = periods.loc[periods["month"] < end, ["month", "quarter"]]
    has_costs = ds.has("channel_costs")
    costs = _monthly_costs(ds) if has_costs else None
    frames = []
    for level in levels:
        s = _monthly_sales(ds, level)
        s = s[s["month"] < end]
        if level in ("total", "channel") and costs is not None:
            s = _with_costs(s, costs, level, end)
        frames.append(_fill_months(s, months, level))
    out = _money_and_margins(pd.concat(frames, ignore_index=True), has_costs, ds.money)
    for c in ("level", "entity_id", "channel_id", "quarter"):
        out[c] = out[c].astype("string")
    order = [
        "level", "entity_id", "channel_id", "month", "quarter", "revenue", "gross_profit",
        "cost_to_serve", "contribution", "gross_margin", "contribution_margin", "revenue_exact",
        "gross_profit_exact", "cost_to_serve_exact", "contribution_exact",
    ]  # fmt: skip
    out = out[order].sort_values(["level", "entity_id", "month"], key=_level_key)
    out = out.reset_index(drop=True)
    out.attrs["has_costs"] = has_costs
    out.attrs["quarter"] = quarter
    out.attrs["money"] = ds.money
    return out


def _monthly_costs(ds: Dataset) -> pd.DataFrame:
    """Cost to serve per channel and month (``month``, ``channel_id``, ``cost_to_serve_exact``)."""
    costs = metrics.cost_to_serve(ds, period="month")
    return costs.rename(columns={"period_start": "month"})[
        ["month", "channel_id", "cost_to_serve_exact"]
    ]


def _monthly_sales(ds: Dataset, level: str) -> pd.DataFrame:
    """Exact revenue and gross profit per entity of ``level`` and month (every month loaded)."""
    by = {"total": (), "channel": ("channel_id",), "partner": ("channel_id", "partner_id")}[level]
    s = metrics.summarise(ds, by=by, period="month")
    s = s.rename(columns={"period_start": "month"})
    if level == "total":
        s["entity_id"] = "ALL"
        s["channel_id"] = "ALL"
    elif level == "channel":
        s["entity_id"] = s["channel_id"]
    else:
        s = s[s["partner_id"].notna()]
        # a partner that moved channel: one series under its latest channel
        s = s.groupby(["month", "partner_id"], as_index=False).agg(
            revenue_exact=("revenue_exact", "sum"),
            gross_profit_exact=("gross_profit_exact", "sum"),
            channel_id=("channel_id", "last"),
        )
        latest = s.sort_values("month").groupby("partner_id")["channel_id"].last()
        s["channel_id"] = s["partner_id"].map(latest)
        s["entity_id"] = s["partner_id"]
    return s[["entity_id", "channel_id", "month", "revenue_exact", "gross_profit_exact"]]


def _with_costs(
    s: pd.DataFrame, costs: pd.DataFrame, level: str, end: pd.Timestamp
) -> pd.DataFrame:
    """The company's or the channels' sales with their cost to serve (months before ``end``)."""
    c = costs.copy()
    if level == "total":
        c = c.groupby("month", as_index=False)["cost_to_serve_exact"].sum()
        c["entity_id"] = "ALL"
    else:
        c = c.rename(columns={"channel_id": "entity_id"})
    c = c[c["month"] < end]
    s = s.merge(c[["entity_id", "month", "cost_to_serve_exact"]], how="outer")
    s["channel_id"] = s["channel_id"].fillna(s["entity_id"])
    return s


def _money_and_margins(out: pd.DataFrame, has_costs: bool, money: MoneyUnit) -> pd.DataFrame:
    """Exact amounts as integers (cost to serve ``<NA>`` for partners and without costs),
    contribution, the amounts in ``money``'s currency and the margins."""
    for c in ("revenue_exact", "gross_profit_exact"):
        out[c] = out[c].fillna(0).astype("int64")
    if "cost_to_serve_exact" not in out:
        out["cost_to_serve_exact"] = pd.NA
    if has_costs:
        out["cost_to_serve_exact"] = out["cost_to_serve_exact"].astype("Int64")
        is_partner = out["level"] == "partner"
        out.loc[~is_partner, "cost_to_serve_exact"] = out.loc[
            ~is_partner, "cost_to_serve_exact"
        ].fillna(0)
    else:
        out["cost_to_serve_exact"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["contribution_exact"] = (
        out["gross_profit_exact"].astype("Int64") - out["cost_to_serve_exact"]
    ).astype("Int64")
    for name in ("revenue", "gross_profit", "cost_to_serve", "contribution"):
        out[name] = money.amount(out[f"{name}_exact"].astype("Float64").astype("float64"))
    rev = out["revenue"].where(out["revenue"] > 0)
    out["gross_margin"] = out["gross_profit"] / rev
    out["contribution_margin"] = out["contribution"] / rev
    return out


def _level_key(col: pd.Series) -> pd.Series:
    if col.name == "level":
        return col.map({lv: i for i, lv in enumerate(LEVELS)})
    return col


def _fill_months(s: pd.DataFrame, months: pd.DataFrame, level: str) -> pd.DataFrame:
    """Every month from each entity's first sale to the end, zero where nothing was sold."""
    if s.empty:
        return s.assign(level=level, quarter=pd.Series(dtype="string"))
    first = s.groupby("entity_id")["month"].min()
    channel = s.groupby("entity_id")["channel_id"].last()
    grid = months.merge(first.rename("first").reset_index(), how="cross")
    grid = grid[grid["month"] >= grid["first"]].drop(columns="first")
    grid["channel_id"] = grid["entity_id"].map(channel)
    out = grid.merge(s.drop(columns="channel_id"), on=["entity_id", "month"], how="left")
    out["level"] = level
    return out


def quarterly_series(monthly: pd.DataFrame, *, money: MoneyUnit) -> pd.DataFrame:
    """The monthly frame summed by fiscal quarter (exact), margins recomputed.

    Parameters
    ----------
    monthly : DataFrame
        From :func:`monthly_series`.
    money : MoneyUnit
        The unit of its ``*_exact`` columns (``ds.money``, also ``monthly.attrs["money"]``):
        the currency columns are the exact sums over ``money.scale``.

    Returns
    -------
    DataFrame
        One row per entity and quarter: ``level``, ``entity_id``, ``channel_id``, ``quarter``,
        ``months`` (months observed), the money columns (currency and ``_exact``) and
        ``gross_margin``, ``contribution_margin``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> q = quarterly_series(monthly_series(ds, quarter="FY2026-Q4"), money=ds.money)
    >>> total = q[q["level"] == "total"]
    >>> total[["quarter", "revenue"]].tail(2)
         quarter  revenue
    6  FY2026-Q3  19440.0
    7  FY2026-Q4  17820.0
    >>> bool((total["revenue_exact"] == total["revenue"] * ds.money.scale).all())
    True
    """
    keys = ["level", "entity_id", "channel_id", "quarter"]
    exact = ["revenue_exact", "gross_profit_exact", "cost_to_serve_exact", "contribution_exact"]
    # built-in aggregations only (a lambda per group is pure Python: seconds with 700 partners)
    groups = monthly.groupby(keys, sort=False, dropna=False)
    q = groups["month"].agg(quarter_start="min", months="size")
    q = q.join(groups[exact].sum(min_count=1))  # <NA> where no month has the amount
    q = q.reset_index()
    for c in exact:
        q[c] = q[c].astype("Int64")
        q[c.removesuffix("_exact")] = money.amount(q[c].astype("Float64").astype("float64"))
    rev = q["revenue"].where(q["revenue"] > 0)
    q["gross_margin"] = q["gross_profit"] / rev
    q["contribution_margin"] = q["contribution"] / rev
    return q.sort_values(["level", "entity_id", "quarter_start"], key=_level_key).reset_index(
        drop=True
    )


def long_quarterly(quarterly: pd.DataFrame, *, level: str = "channel") -> pd.DataFrame:
    """Quarterly money measures in long form for small multiples (one row per measure).

    Returns
    -------
    DataFrame
        ``entity_id``, ``channel_id``, ``quarter``, ``measure`` (label), ``value`` (currency);
        contribution only where cost to serve is known.
    """
    frame = quarterly[quarterly["level"] == level]
    long = frame.melt(
        id_vars=["entity_id", "channel_id", "quarter", "gross_margin"],
        value_vars=["revenue", "gross_profit", "contribution"],
        var_name="measure",
        value_name="value",
    ).dropna(subset=["value"])
    long["measure"] = long["measure"].map(MEASURE_LABELS).astype("string")
    return long.reset_index(drop=True)


def _series(monthly: pd.DataFrame, entity_id: str, measure: str, level: str) -> pd.Series:
    frame = monthly[(monthly["entity_id"] == entity_id) & (monthly["level"] == level)]
    y = pd.Series(frame[measure].to_numpy(dtype="float64"), index=pd.DatetimeIndex(frame["month"]))
    return y


def _entities(monthly: pd.DataFrame, levels: Sequence[str]) -> list[tuple[str, str]]:
    sub = monthly[monthly["level"].isin(list(levels))]
    return list(dict.fromkeys(zip(sub["level"], sub["entity_id"], strict=True)))


def _entity_frames(
    monthly: pd.DataFrame, levels: Sequence[str]
) -> list[tuple[str, str, pd.DataFrame]]:
    """``(level, entity_id, rows)`` of every entity of ``levels``, in :func:`_entities`' order.

    One split of the frame instead of a scan of it per entity, and the pieces carry no
    ``attrs`` (pandas deep-copies a frame's ``attrs`` into every frame made from it: with 700
    partners that copying was most of a trend test's time). Each piece holds the entity's rows in
    the frame's order, with their index labels, as the scan gave them.
    """
    sub = monthly[monthly["level"].isin(list(levels))]
    sub = sub.copy(deep=False)
    sub.attrs = {}
    rows = sub.groupby(["level", "entity_id"], sort=False).indices
    return [(lv, ent, sub.iloc[rows[(lv, ent)]]) for lv, ent in _entities(sub, levels)]


def _entity_columns(
    monthly: pd.DataFrame, levels: Sequence[str], columns: Sequence[str]
) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """``columns`` of every entity of ``levels`` as arrays, by ``(level, entity_id)``, in
    :func:`_entities`' order: the per-entity work of a test over hundreds of partners without
    a frame per partner (each column is converted once, then sliced by the entity's rows, in the
    frame's order)."""
    sub = monthly[monthly["level"].isin(list(levels))]
    arrays = {c: sub[c].to_numpy() for c in columns}
    rows = sub.groupby(["level", "entity_id"], sort=False).indices
    return {key: {c: a[rows[key]] for c, a in arrays.items()} for key in _entities(sub, levels)}


def _is_constant(values: np.ndarray) -> bool:
    """No variation beyond floating-point noise (a margin of 400/1000 every month is constant)."""
    v = values[~np.isnan(values)]
    return bool(v.size == 0 or np.ptp(v) <= 1e-9 * max(1.0, float(np.abs(v).max())))


def _history_note(y: pd.Series, need: int, what: str) -> str | None:
    valid = y.dropna()
    if len(valid) < need:
        return (
            f"{len(valid)} months of history ({len(valid) // 3} quarters); {what} needs at least "
            f"{need} months"
        )
    if _is_constant(valid.to_numpy()):
        return f"the series is constant ({valid.iloc[0]:,.4g} every month): no trend to model"
    return None
