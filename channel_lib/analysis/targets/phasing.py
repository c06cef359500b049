"""Quarterly phasing: each channel's annual target spread over the year's quarters by its
observed seasonality.

- :func:`seasonality` — each channel's share of a fiscal year's revenue per fiscal quarter;
- :func:`quarter_targets` — the annual channel targets apportioned over the quarters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.basis import _monthly
from channel_lib.analysis.targets.settings import TargetSettings
from channel_lib.analysis.targets.split import apportion_steps
from channel_lib.data.workbook import Workbook

__all__ = ["quarter_targets", "seasonality"]


def seasonality(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each channel's share of a fiscal year's revenue falling in each fiscal quarter.

    Returns
    -------
    DataFrame
        One row per channel × fiscal quarter (1–4): ``channel_id``, ``fiscal_quarter``,
        ``share`` (a channel's four shares sum to 1), ``years`` (complete fiscal years used),
        ``source`` (``"channel"``, ``"company"`` or ``"even"``).

    Notes
    -----
    From the monthly history up to the reporting quarter: for every complete fiscal year in
    which the channel sold in all twelve months, each fiscal quarter's share of that year's
    revenue (the months summed); the shares are averaged over those years. A channel without
    such a year (launched less than a year ago) takes the company's pattern over its complete
    years; without any, the quarters are even.
    """
    m = _monthly(wb)
    m["fiscal_year"] = m["quarter"].str.slice(0, 6)
    m["fq"] = m["quarter"].str.slice(-1).astype(int)

    def pattern(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
        months = frame.groupby("fiscal_year")["period_start"].nunique()
        full = months[months == 12].index
        f = frame[frame["fiscal_year"].isin(full)]
        if f.empty:
            return np.full(4, 0.25), 0
        by = f.pivot_table(index="fiscal_year", columns="fq", values="revenue_exact", aggfunc="sum")
        by = by.reindex(columns=[1, 2, 3, 4]).fillna(0).clip(lower=0)
        totals = by.sum(axis=1)
        by = by[totals > 0]
        if by.empty:
            return np.full(4, 0.25), 0
        return (by.div(by.sum(axis=1), axis=0)).mean().to_numpy(), len(by)

    company_frame = m.groupby(["fiscal_year", "quarter", "fq", "period_start"], as_index=False)[
        "revenue_exact"
    ].sum()
    company, n_company = pattern(company_frame)
    rows = []
    for c in settings.channels:
        f = m[(m["channel_id"] == c) & (m["revenue_exact"] > 0)]
        share, n = pattern(f)
        source = "channel"
        if n == 0:
            share, source = (company, "company") if n_company else (np.full(4, 0.25), "even")
        for k in range(4):
            rows.append(
                {"channel_id": c, "fiscal_quarter": k + 1, "share": float(share[k]),
                 "years": n if source == "channel" else n_company, "source": source}
            )  # fmt: skip
    return pd.DataFrame(rows)


def quarter_targets(
    channels: pd.DataFrame, season: pd.DataFrame, settings: TargetSettings
) -> pd.DataFrame:
    """Each channel's annual revenue and gross-profit targets apportioned over its quarters.

    Parameters
    ----------
    channels : DataFrame
        ``channel_id``, ``revenue_target_exact``, ``gross_profit_target_exact``.
    season : DataFrame
        :func:`seasonality`.
    settings : TargetSettings
        Its ``quarters`` (the target year's, in order).

    Returns
    -------
    DataFrame
        Channel × quarter: ``channel_id``, ``quarter``, ``fiscal_quarter``, ``season_share``,
        ``season_source``, ``revenue_target_exact``, ``gross_profit_target_exact`` (int; a
        channel's quarters sum to its annual targets exactly), ``revenue_target``,
        ``gross_profit_target`` (currency).
    """
    money = settings.money
    qrows = []
    for c, rev_t, gp_t in channels[
        ["channel_id", "revenue_target_exact", "gross_profit_target_exact"]
    ].itertuples(index=False):
        s = season[season["channel_id"] == c].sort_values("fiscal_quarter")
        rq = apportion_steps(int(rev_t), s["share"].to_numpy(), step=money.minor_step)
        gq = apportion_steps(int(gp_t), s["share"].to_numpy(), step=money.minor_step)
        for k, quarter in enumerate(settings.quarters):
            qrows.append(
                {"channel_id": c, "quarter": quarter, "fiscal_quarter": k + 1,
                 "season_share": float(s["share"].iloc[k]), "season_source": s["source"].iloc[k],
                 "revenue_target_exact": int(rq[k]), "gross_profit_target_exact": int(gq[k])}
            )  # fmt: skip
    quarters = pd.DataFrame(qrows)
    quarters["revenue_target"] = money.amount(quarters["revenue_target_exact"])
    quarters["gross_profit_target"] = money.amount(quarters["gross_profit_target_exact"])
    return quarters
