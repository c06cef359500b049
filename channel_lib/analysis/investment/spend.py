"""The lever: monthly discretionary spend per channel next to the month's revenue and gross
profit (:func:`lever_spend`), without the cost types that only follow revenue
(:func:`revenue_driven_costs`), and what the allocation maximises (:func:`objective_metric`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = [
    "OBJECTIVES",
    "lever_spend",
    "monthly_spend_in_quarter",
    "objective_metric",
    "revenue_driven_costs",
]

#: What the allocation may maximise: ``goals`` follows ``managing_for`` in goals.yaml.
OBJECTIVES = ("goals", "revenue", "gross_profit")


# -- data ----------------------------------------------------------------------------------------
def _months_through(wb: Workbook) -> str:
    """Label (``YYYY-MM``) of the reporting quarter's last month."""
    end = wb.quarter_bounds[1] - pd.Timedelta(days=1)
    return end.strftime("%Y-%m")


def revenue_driven_costs(
    wb: Workbook, *, max_ratio_cv: float = 0.10, min_lead_gap: float = 0.2
) -> pd.DataFrame:
    """Discretionary cost types that accrue with revenue (co-op, rebates): not a lever.

    Parameters
    ----------
    wb : Workbook
    max_ratio_cv : float
        Largest coefficient of variation of cost ÷ same-month revenue for a revenue-driven cost.
    min_lead_gap : float
        How much the same-month correlation of cost and revenue must exceed the correlation of
        cost with *next* month's revenue (what a lever would show).

    Returns
    -------
    DataFrame
        One row per channel and discretionary cost type: ``channel_id``, ``cost_type``,
        ``months``, ``ratio_mean`` (cost ÷ revenue), ``ratio_cv``, ``corr_same_month``,
        ``corr_next_month``, ``revenue_driven`` (bool), ``reason`` (words).

    Notes
    -----
    A lever is decided before the sales it buys, so its spend leads revenue; a cost that accrues
    as a share of purchases moves with the same month's revenue and keeps a nearly constant ratio
    to it. Both conditions must hold: ratio CV ≤ ``max_ratio_cv`` and
    ``corr(cost_t, revenue_t) − corr(cost_t, revenue_{t+1}) ≥ min_lead_gap`` (Pearson, on the
    months the channel has both). Regressing revenue on such a cost would report a "return" of
    1 / ratio per unit of spend that is pure reverse causation.
    """
    ds = wb.dataset
    last = _months_through(wb)
    costs = metrics.cost_to_serve(ds, period="month", by_cost_type=True)
    costs = costs[(costs["discretionary_exact"] != 0) & (costs["period"] <= last)]
    sales = metrics.summarise(ds, by="channel_id", period="month")
    sales = sales[sales["period"] <= last][["period", "channel_id", "revenue"]]
    rows = []
    for (channel, cost_type), grp in costs.groupby(["channel_id", "cost_type"], sort=True):
        both = (
            grp[["period", "discretionary"]]
            .merge(sales[sales["channel_id"] == channel], on="period", how="inner")
            .sort_values("period")
        )
        c, r = both["discretionary"].to_numpy(float), both["revenue"].to_numpy(float)
        ok = len(both) >= 6 and np.all(r > 0)
        ratio = c / r if ok else np.array([np.nan])
        cv = float(np.std(ratio) / abs(np.mean(ratio))) if ok else math.nan
        same = _corr(c, r) if ok else math.nan
        nxt = _corr(c[:-1], r[1:]) if ok else math.nan
        driven = bool(
            ok and cv <= max_ratio_cv and (same - (0 if np.isnan(nxt) else nxt)) >= min_lead_gap
        )
        reason = (
            f"{cost_type} runs at {np.mean(ratio):.1%} of the same month's revenue (variation "
            f"{cv:.1%}); it moves with this month's revenue (correlation {same:.2f}) more than "
            f"with next month's ({nxt:.2f}): it follows sales, it does not drive them"
            if driven
            else ""
        )
        rows.append(
            (channel, cost_type, len(both), float(np.mean(ratio)), cv, same, nxt, driven, reason)
        )
    cols = ["channel_id", "cost_type", "months", "ratio_mean", "ratio_cv", "corr_same_month",
            "corr_next_month", "revenue_driven", "reason"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def lever_spend(wb: Workbook, *, exclude: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly lever spend per channel with the revenue and gross profit of the month.

    Parameters
    ----------
    wb : Workbook
        Months up to the end of the reporting quarter are used (a partly loaded month after it
        is not).
    exclude : DataFrame, optional
        :func:`revenue_driven_costs` rows; those with ``revenue_driven`` are not lever spend.

    Returns
    -------
    DataFrame
        ``period`` (``YYYY-MM``), ``month`` (1-12), ``quarter``, ``channel_id``, ``spend``
        (discretionary, currency), ``revenue``, ``gross_profit``; one row per channel and month
        from the channel's first month with sales or costs, 0 where a month has none.
    """
    ds = wb.dataset
    last = _months_through(wb)
    costs = metrics.cost_to_serve(ds, period="month", by_cost_type=True)
    costs = costs[costs["period"] <= last]
    if exclude is not None and len(exclude):
        drop = exclude.loc[exclude["revenue_driven"], ["channel_id", "cost_type"]]
        key = costs["channel_id"].astype(str) + "\x00" + costs["cost_type"].astype(str)
        costs = costs[
            ~key.isin(drop["channel_id"].astype(str) + "\x00" + drop["cost_type"].astype(str))
        ]
    spend = costs.groupby(["period", "channel_id"], as_index=False)["discretionary_exact"].sum()
    spend["spend"] = ds.money.amount(spend["discretionary_exact"].astype("float64"))
    sales = metrics.summarise(ds, by="channel_id", period="month")
    sales = sales[sales["period"] <= last][["period", "channel_id", "revenue", "gross_profit"]]
    frame = sales.merge(
        spend[["period", "channel_id", "spend"]], on=["period", "channel_id"], how="outer"
    )
    frame[["spend", "revenue", "gross_profit"]] = frame[
        ["spend", "revenue", "gross_profit"]
    ].fillna(0.0)
    periods = metrics.fiscal_periods(ds)[["month_label", "quarter"]]
    frame = frame.merge(periods.rename(columns={"month_label": "period"}), on="period", how="left")
    frame["month"] = frame["period"].str.slice(5, 7).astype(int)
    frame["period"] = frame["period"].astype("string")
    frame["channel_id"] = frame["channel_id"].astype("string")
    frame = frame.sort_values(["channel_id", "period"]).reset_index(drop=True)
    return frame[["period", "month", "quarter", "channel_id", "spend", "revenue", "gross_profit"]]


def objective_metric(wb: Workbook, objective: str = "goals") -> tuple[str, str]:
    """The metric the allocation maximises and why: ``goals`` follows ``managing_for`` of the
    reporting year (revenue → revenue; revenue_and_profit → gross profit)."""
    if objective not in OBJECTIVES:
        raise ParameterError(f"objective={objective!r}: use one of {', '.join(OBJECTIVES)}")
    if objective != "goals":
        return objective, f"objective set to {objective.replace('_', ' ')} by the parameter"
    year = wb.dataset.goals.years.get(wb.year)
    managing = year.managing_for if year is not None else "revenue"
    metric = "gross_profit" if managing == "revenue_and_profit" else "revenue"
    return metric, (
        f"{wb.year} is managed for {managing.replace('_', ' ')} (goals.yaml), so the allocation "
        f"maximises {metric.replace('_', ' ')}"
    )


def monthly_spend_in_quarter(spend: pd.DataFrame, quarter: str) -> dict[str, float]:
    """Each channel's lever spend per month in one quarter (the quarter's sum ÷ 3).

    Parameters
    ----------
    spend : DataFrame
        :func:`lever_spend` (``quarter``, ``channel_id``, ``spend`` in currency per month).
    quarter : str
        Fiscal quarter label, e.g. ``"FY2026-Q3"``.

    Returns
    -------
    dict of str to float
        Channel → spend per month (currency); only channels with rows in ``quarter``.

    Examples
    --------
    >>> spend = pd.DataFrame({"quarter": ["Q1", "Q1", "Q2", "Q2"], "channel_id": ["A", "B", "A", "A"],
    ...                       "spend": [300.0, 90.0, 60.0, 30.0]})
    >>> monthly_spend_in_quarter(spend, "Q2")
    {'A': 30.0}
    """
    in_quarter = spend[spend["quarter"] == quarter]
    per_month = in_quarter.groupby("channel_id")["spend"].sum() / 3.0
    return {str(c): float(v) for c, v in per_month.items()}
