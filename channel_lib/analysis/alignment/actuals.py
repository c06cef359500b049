"""What each channel delivered in a fiscal year's window, on every goal dimension.

:func:`channel_actuals` measures the channels (revenue, growth, margins, discount, cost to serve,
segment and product-line mix, new customers) and the company as a whole, from the metrics cube's
quarterly sums (:func:`channel_lib.data.cube.cube_sums`), which are queried once per dataset and
grouping and kept in the dataset's cache (``ds.cache``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment.settings import Settings
from channel_lib.data import cube as metrics
from channel_lib.data.goals import YearGoals
from channel_lib.data.workbook import Workbook

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.data.dataset import Dataset

__all__ = ["channel_actuals", "share"]

#: Key of the dataset cache entries holding :func:`_quarterly` (one per grouping).
_QUARTERLY_KEY = "alignment.quarterly"
_SUMS = ["revenue_exact", "cost_of_sales_exact", "listed_revenue_exact", "list_value_exact"]


def _quarterly(ds: Dataset, by: list[str]) -> pd.DataFrame:
    """Every quarter's cube sums by ``by``, queried once per dataset and grouping.

    Windows (a year to date, the same quarters a year before) are then cut in pandas, so scoring
    another quarter — the alignment explorer's quarter selector — runs no new query.
    """
    return ds.cache.get(
        (_QUARTERLY_KEY, tuple(by)), lambda: metrics.cube_sums(ds, by=by, period="quarter")
    )


def _window(ds: Dataset, by: list[str], quarters) -> pd.DataFrame:
    """Exact amounts (the dataset's money unit) of ``quarters`` summed by ``by`` (the metrics
    cube's sums)."""
    if not quarters:
        return pd.DataFrame(columns=[*by, *_SUMS])
    frame = _quarterly(ds, by)
    frame = frame[frame["period"].isin(list(quarters))]
    if not by:
        return frame[_SUMS].sum().to_frame().T.astype("int64")
    return frame.groupby(by, dropna=False)[_SUMS].sum().reset_index()


def share(num, den) -> float:
    """``num / den`` of two numbers as a float, ``NaN`` when ``den`` is 0
    (:func:`channel_lib.data.cube.ratio`, the workbook's one ratio rule, on scalars).

    Examples
    --------
    >>> share(1, 4), share(3, 0)
    (0.25, nan)
    """
    return float(metrics.ratio(pd.Series([num]), pd.Series([den])).iloc[0])


def _mix_share(mix: pd.Series, declared: tuple[str, ...], focus: dict[str, float]) -> float:
    """Share of ``mix`` (shares summing to 1) in ``declared``; without: 1 − TVD to ``focus``."""
    if mix.empty:
        return float("nan")
    if declared:
        return float(mix[mix.index.isin(declared)].sum())
    if focus:
        keys = set(mix.index) | set(focus)
        return 1.0 - 0.5 * sum(abs(float(mix.get(k, 0.0)) - focus.get(k, 0.0)) for k in keys)
    return float("nan")


_ORDER = [
    "year", "channel_id", "channel_name", "role", "customer_focus", "new_channel", "revenue",
    "previous_revenue", "revenue_share", "revenue_growth", "gross_margin",
    "previous_gross_margin", "margin_change", "discount", "cost_to_serve_ratio",
    "segment_share", "top_segment", "top_segment_share", "product_share", "top_product_line",
    "top_product_share", "new_customer_share", "revenue_exact", "cost_to_serve_exact",
]  # fmt: skip


def channel_actuals(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """What each channel delivered in the year's window, on every goal dimension.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
        From :func:`resolve_settings` (the year and its window).

    Returns
    -------
    DataFrame
        One row per channel with sales in the window (``channels.csv`` order):

        - ``year``, ``channel_id``, ``channel_name``, ``role``, ``customer_focus`` (declared;
          ``<NA>`` when goals.yaml declares no role for the channel), ``new_channel`` (bool:
          first sale inside the window).
        - ``revenue``, ``previous_revenue`` (float, currency), ``revenue_share``.
        - ``revenue_growth`` (fraction; ``NaN`` without revenue a year before).
        - ``gross_margin``, ``previous_gross_margin``, ``margin_change`` (fraction points).
        - ``discount`` (list-value-weighted), ``cost_to_serve_ratio`` (cost to serve / revenue;
          ``NaN`` without ``channel_costs.csv``).
        - ``segment_share``, ``product_share``: share of revenue from the declared segments /
          product lines (1 − total variation distance to the corporate focus when none declared).
        - ``top_segment``, ``top_segment_share``, ``top_product_line``, ``top_product_share``.
        - ``new_customer_share``: revenue from customers whose first purchase falls in the window
          (``NaN`` when the data do not reach a year before the window).
        - ``growth`` (fraction): the workbook's one growth figure, revenue of the four quarters
          ending with the window's last quarter against the four before
          (:func:`~channel_lib.analysis.growth.revenue_growth`; equal to ``revenue_growth`` for a
          full fiscal year), with ``growth_first_quarter`` and ``growth_quarter`` (str).
        - ``price_discount_points``, ``unit_cost_points``, ``mix_points`` (percentage points,
          summing to ``100 × margin_change``) and ``margin_driver`` (str): the drivers of the
          margin change (:func:`~channel_lib.analysis.trends.bridge.margin_drivers`; ``NaN`` /
          ``<NA>`` without a year before).

        ``frame.attrs`` holds the company figures: ``company`` (dict with ``revenue``,
        ``previous_revenue``, ``revenue_growth``, ``gross_margin``, ``margin_change``,
        ``discount``, ``cost_to_serve_ratio``, ``new_customer_share`` (established channels),
        ``required_growth``).

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> a = channel_actuals(wb, s)
    >>> a[["channel_id", "revenue", "revenue_growth", "gross_margin", "segment_share"]].round(4)
      channel_id  revenue  revenue_growth  gross_margin  segment_share
    0        DIR  32720.0         -0.0239        0.4059            1.0
    1       DIST  17435.0         -0.2416        0.2395            1.0
    2        WEB  10200.0          2.3117        0.2500            1.0
    """
    ds = wb.dataset
    # not scored (no goals at or before the year): no declared roles, focus or objective
    goals = ds.goals.years[settings.goals_year] if settings.scored else None
    cal = ds.calendar
    prior_in_data = cal.shift_quarter(settings.quarters[0], -4) >= wb.quarters[0]
    frame = _sales_frame(ds, settings, prior_in_data)
    _add_cost_to_serve(frame, ds, settings)
    _add_roles(frame, goals)
    window_start = cal.quarter_bounds(settings.quarters[0])[0]
    quarterly = _quarterly(ds, ["channel_id"])
    quarterly = quarterly[quarterly["revenue_exact"] > 0]
    first_sale = quarterly.groupby("channel_id")["period_start"].min()
    frame["new_channel"] = frame["channel_id"].map(first_sale) >= window_start
    cust = _add_mix(frame, ds, settings, goals)
    _add_new_customers(frame, ds, cust, window_start, prior_in_data)
    out = frame[_ORDER].copy()
    _add_growth_and_drivers(out, ds, settings, prior_in_data)
    out.attrs["company"] = _company(frame, wb, settings, goals, prior_in_data)
    return out


def _add_growth_and_drivers(
    out: pd.DataFrame, ds: Dataset, settings: Settings, prior_in_data: bool
) -> None:
    """The workbook's one growth figure (:func:`~channel_lib.analysis.growth.revenue_growth` at
    the window's last quarter) and the drivers of the margin change over the window
    (:func:`~channel_lib.analysis.trends.bridge.margin_drivers`, the window's quarters against
    the same quarters a year before)."""
    from channel_lib.analysis.growth import revenue_growth
    from channel_lib.analysis.trends.bridge import margin_drivers

    last = settings.quarters[-1]
    growth = revenue_growth(ds, last).set_index("channel_id")
    out["growth"] = out["channel_id"].map(growth["growth"]).astype("float64")
    out["growth_first_quarter"] = ds.calendar.shift_quarter(last, -3)
    out["growth_quarter"] = last
    names = ["price_discount_points", "unit_cost_points", "mix_points"]
    if prior_in_data:
        drivers = margin_drivers(
            ds, base=list(settings.previous_quarters), current=list(settings.quarters)
        ).set_index("channel_id")
    else:
        drivers = pd.DataFrame(columns=[*names, "driver"], index=pd.Index([], name="channel_id"))
    for col in names:
        out[col] = out["channel_id"].map(drivers[col]).astype("float64")
    out["margin_driver"] = out["channel_id"].map(drivers["driver"]).astype("string")


def _sales_frame(ds: Dataset, settings: Settings, prior_in_data: bool) -> pd.DataFrame:
    """One row per channel selling in the window: revenue, growth, margins and discount."""
    channels = ds.table("channels")[["channel_id", "channel_name"]].astype("string")
    now = _window(ds, ["channel_id"], settings.quarters)
    before = _window(ds, ["channel_id"], settings.previous_quarters)
    before = before.rename(columns={c: f"prev_{c}" for c in before.columns if c != "channel_id"})
    frame = channels.merge(now, on="channel_id", how="inner").merge(
        before, on="channel_id", how="left"
    )
    frame = frame[frame["revenue_exact"] > 0].reset_index(drop=True)
    for c in [c for c in frame.columns if c.endswith("_exact")]:
        frame[c] = frame[c].fillna(0).astype("int64")
    ratio = metrics.ratio
    frame["year"] = settings.year
    money = ds.money
    frame["revenue"] = money.amount(frame["revenue_exact"])
    frame["previous_revenue"] = np.where(
        prior_in_data, money.amount(frame["prev_revenue_exact"]), np.nan
    )
    frame["revenue_share"] = frame["revenue_exact"] / frame["revenue_exact"].sum()
    frame["revenue_growth"] = np.where(
        frame["prev_revenue_exact"] > 0,
        ratio(frame["revenue_exact"] - frame["prev_revenue_exact"], frame["prev_revenue_exact"]),
        np.nan,
    )
    frame["gross_margin"] = ratio(
        frame["revenue_exact"] - frame["cost_of_sales_exact"], frame["revenue_exact"]
    )
    frame["previous_gross_margin"] = np.where(
        frame["prev_revenue_exact"] > 0,
        ratio(
            frame["prev_revenue_exact"] - frame["prev_cost_of_sales_exact"],
            frame["prev_revenue_exact"],
        ),
        np.nan,
    )
    frame["margin_change"] = frame["gross_margin"] - frame["previous_gross_margin"]
    frame["discount"] = 1.0 - ratio(frame["listed_revenue_exact"], frame["list_value_exact"])
    return frame


def _add_cost_to_serve(frame: pd.DataFrame, ds: Dataset, settings: Settings) -> None:
    """``cost_to_serve_exact`` and ``cost_to_serve_ratio`` (``NaN`` without channel costs)."""
    if ds.has("channel_costs"):
        costs = metrics.cost_to_serve(ds, period="quarter", periods=list(settings.quarters))
        cts = costs.groupby("channel_id")["cost_to_serve_exact"].sum()
        frame["cost_to_serve_exact"] = frame["channel_id"].map(cts).fillna(0).astype("int64")
        frame["cost_to_serve_ratio"] = metrics.ratio(
            frame["cost_to_serve_exact"], frame["revenue_exact"]
        )
    else:
        frame["cost_to_serve_exact"] = 0
        frame["cost_to_serve_ratio"] = np.nan


def _add_roles(frame: pd.DataFrame, goals: YearGoals | None) -> None:
    """The declared ``role`` and ``customer_focus`` (``<NA>`` when none is declared)."""
    roles = goals.channels if goals is not None else {}
    frame["role"] = pd.array(
        [roles[c].role if c in roles else pd.NA for c in frame["channel_id"]], dtype="string"
    )
    frame["customer_focus"] = pd.array(
        [roles[c].customer_focus if c in roles else pd.NA for c in frame["channel_id"]],
        dtype="string",
    )


def _mix(mix_all: pd.Series, channel: str, declared, focus) -> tuple:
    """``(share in declared, top key, top share)`` of one channel's revenue mix."""
    mix = mix_all.loc[channel] if channel in mix_all.index.get_level_values(0) else pd.Series()
    mix = mix[mix > 0]
    mix = (mix / mix.sum()) if len(mix) else mix
    top = mix.sort_values(ascending=False, kind="stable")
    return (
        _mix_share(mix, declared, focus),
        str(top.index[0]) if len(top) else pd.NA,
        float(top.iloc[0]) if len(top) else np.nan,
    )


def _add_mix(frame: pd.DataFrame, ds: Dataset, settings: Settings, goals: YearGoals | None):
    """Segment and product-line shares and tops; returns revenue by channel and customer.

    Without goals (not scored) the shares in declared segments and product lines are ``NaN``
    (nothing is declared, no focus to compare with); the tops are still measured."""
    cust = _window(ds, ["channel_id", "customer_id"], settings.quarters)
    segments = ds.table("customers")[["customer_id", "segment"]].astype("string")
    cust = cust.merge(segments, on="customer_id", how="left")
    seg = cust.groupby(["channel_id", "segment"])["revenue_exact"].sum()
    lines = _window(ds, ["channel_id", "product_line"], settings.quarters)
    prod = lines.set_index(["channel_id", "product_line"])["revenue_exact"]
    out_seg, out_prod = [], []
    roles = goals.channels if goals is not None else {}
    seg_focus = goals.segment_focus if goals is not None else {}
    line_focus = goals.product_line_focus if goals is not None else {}
    for ch in frame["channel_id"]:
        role = roles.get(ch)
        out_seg.append(_mix(seg, ch, role.segments if role else (), seg_focus))
        out_prod.append(_mix(prod, ch, role.product_lines if role else (), line_focus))
    frame["segment_share"] = [v[0] for v in out_seg]
    frame["top_segment"] = pd.array([v[1] for v in out_seg], dtype="string")
    frame["top_segment_share"] = [v[2] for v in out_seg]
    frame["product_share"] = [v[0] for v in out_prod]
    frame["top_product_line"] = pd.array([v[1] for v in out_prod], dtype="string")
    frame["top_product_share"] = [v[2] for v in out_prod]
    return cust


def _add_new_customers(
    frame: pd.DataFrame, ds: Dataset, cust: pd.DataFrame, window_start, prior_in_data: bool
) -> None:
    """New customers: first purchase (positive quarter) inside the window, a year of history
    before it; ``new_customer_exact`` and ``new_customer_share``."""
    by_customer = _quarterly(ds, ["customer_id"])
    by_customer = by_customer[by_customer["revenue_exact"] > 0]
    first_q = by_customer.groupby("customer_id")["period_start"].min()
    cust["new"] = cust["customer_id"].map(first_q) >= window_start
    new_rev = cust[cust["new"]].groupby("channel_id")["revenue_exact"].sum()
    all_rev = cust.groupby("channel_id")["revenue_exact"].sum()
    frame["new_customer_exact"] = frame["channel_id"].map(new_rev).fillna(0).astype("int64")
    frame["new_customer_share"] = np.where(
        prior_in_data,
        metrics.ratio(frame["new_customer_exact"], frame["channel_id"].map(all_rev)),
        np.nan,
    )


def _company(
    frame: pd.DataFrame,
    wb: Workbook,
    settings: Settings,
    goals: YearGoals | None,
    prior_in_data: bool,
) -> dict:
    """The company figures over every channel (one that stopped selling still counts a year
    before): see :func:`channel_actuals`'s ``attrs["company"]``."""
    ds = wb.dataset
    total = frame["revenue_exact"].sum()
    prev_total = (
        int(_window(ds, [], settings.previous_quarters)["revenue_exact"].sum())
        if prior_in_data
        else 0
    )
    established = frame[~frame["new_channel"]]
    company = {
        "revenue": float(ds.money.amount(total)),
        "previous_revenue": float(ds.money.amount(prev_total)) if prior_in_data else np.nan,
        "revenue_growth": (total - prev_total) / prev_total if prev_total > 0 else np.nan,
        "gross_margin": share(total - frame["cost_of_sales_exact"].sum(), total),
        "discount": float(
            1.0 - share(frame["listed_revenue_exact"].sum(), frame["list_value_exact"].sum())
        ),
        "cost_to_serve_ratio": share(frame["cost_to_serve_exact"].sum(), total)
        if ds.has("channel_costs")
        else np.nan,
        "new_customer_share": share(
            established["new_customer_exact"].sum(), established["revenue_exact"].sum()
        )
        if prior_in_data
        else np.nan,
    }
    if prev_total > 0:
        company["previous_gross_margin"] = share(
            prev_total - frame["prev_cost_of_sales_exact"].sum(), prev_total
        )
        company["margin_change"] = company["gross_margin"] - company["previous_gross_margin"]
        # the objective is for a whole year: compare it with last year's whole-year revenue
        cal = ds.calendar
        last_year = f"FY{int(settings.year[2:]) - 1}"
        full_prev = _window(ds, [], [q for q in wb.quarters if cal.year_of_quarter(q) == last_year])
        base = int(full_prev["revenue_exact"].iloc[0]) if len(full_prev) else 0
        company["required_growth"] = (
            goals.revenue_objective / ds.money.amount(base) - 1
            if base > 0 and goals is not None
            else np.nan
        )
    else:
        company["previous_gross_margin"] = company["margin_change"] = np.nan
        company["required_growth"] = np.nan
    return company
