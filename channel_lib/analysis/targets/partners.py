"""Partners: who is active, what each sells now, what its capacity says it could, and its weight
within its channel.

- :func:`active_partners` — the partners still active at the target year's start, with their
  run rate over the basis window;
- :func:`partner_potential` — each reporting partner's potential from its capacity (the
  ``potential`` method);
- :func:`channel_potential` — a channel's run rate plus its reporting partners' headroom;
- :func:`partner_weights` — the weights that split a channel's target over its partners;
- :func:`unassigned_run_rate` — each channel's sales made without a partner.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.basis import _basis_window
from channel_lib.analysis.targets.settings import BASIS_QUARTERS, TargetSettings
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = [
    "active_partners",
    "channel_potential",
    "partner_potential",
    "partner_weights",
    "unassigned_run_rate",
]


def _partner_revenue(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each partner's revenue and gross profit (exact units) over the basis window, any channel."""
    s = metrics.summarise(
        wb.dataset, by="partner_id", period="quarter", periods=list(settings.basis_quarters)
    )
    s = s[s["partner_id"].notna()]
    return s.groupby("partner_id")[["revenue_exact", "gross_profit_exact"]].sum()


def active_partners(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Partners (``partners.csv``, channel as of now) still active at the target year's start,
    with their annualised run rate over the basis window."""
    ds = wb.dataset
    if not ds.has("partners"):
        return pd.DataFrame(
            columns=["partner_id", "partner_name", "channel_id", "onboarded_on", "run_rate",
                     "window_revenue_exact", "window_gross_profit_exact", "days_in_window"]
        )  # fmt: skip
    partners = ds.table("partners").copy()
    year_start, _ = ds.calendar.year_bounds(settings.year)
    start, end = _basis_window(wb, settings)
    off = partners["offboarded_on"]
    partners = partners[off.isna() | (off > year_start)]
    # partners signed after the reporting quarter are not known yet at this point in time
    partners = partners[partners["onboarded_on"].isna() | (partners["onboarded_on"] < end)]
    partners = partners[partners["channel_id"].isin(settings.channels)]
    revenue = _partner_revenue(wb, settings)
    p = partners[["partner_id", "partner_name", "channel_id", "onboarded_on"]].copy()
    p["window_revenue_exact"] = p["partner_id"].map(revenue["revenue_exact"]).fillna(0)
    p["window_gross_profit_exact"] = p["partner_id"].map(revenue["gross_profit_exact"]).fillna(0)
    p["window_revenue_exact"] = p["window_revenue_exact"].astype("int64")
    p["window_gross_profit_exact"] = p["window_gross_profit_exact"].astype("int64")
    begins = p["onboarded_on"].where(p["onboarded_on"] > start, start).fillna(start)
    days = (end - begins).dt.days.clip(lower=0)
    p["days_in_window"] = days.astype("int64")
    window_days = (end - start).days
    p["run_rate"] = (
        ds.money.amount(p["window_revenue_exact"].clip(lower=0)) * window_days / days.clip(lower=30)
    ).astype("float64")
    return p.reset_index(drop=True)


def partner_potential(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each reporting partner's revenue potential for us, from its capacity (``partner_reports``).

    Parameters
    ----------
    wb : Workbook
        The dataset (``partners.csv``, ``partner_reports``, sales).
    settings : TargetSettings
        From :func:`target_settings`: the partners of its channels still active at the start of
        its year count, with their reports and revenue over its basis window.

    Returns
    -------
    DataFrame
        One row per active partner with at least one report in the basis window:

        - ``partner_id``, ``channel_id``, ``reports`` (reports in the window).
        - ``partner_total_sales`` (currency a year: its reported total sales, annualised),
          ``sales_headcount``, ``certified_staff``, ``pipeline_value`` (latest report).
        - ``run_rate`` (our revenue through it, currency a year), ``share_of_wallet``
          (run rate ÷ its total sales), ``attainable_share`` (the larger of its own share and
          the channel's upper-quartile share).
        - ``capability`` (0.5–1.5): certified staff per salesperson and pipeline per our
          quarterly revenue, each against the channel's median, averaged.
        - ``potential`` (currency a year): ``max(run_rate, partner_total_sales ×
          attainable_share × capability)``.

    Raises
    ------
    metrics.MissingDataError
        When the dataset has no ``partner_reports`` file (the message says what to add).

    Notes
    -----
    Share of wallet is our share of the partner's own sales. A partner whose share is below what
    the better partners of its channel (upper quartile) already get has headroom: its potential
    is that attainable share of its total sales, scaled by its capability (better-certified
    staff and a fuller pipeline than its peers raise it, up to 1.5×; weaker ones lower it, down
    to 0.5×). Potential never falls below what it already sells.
    """
    ds = wb.dataset
    if not ds.has("partner_reports"):
        raise metrics.MissingDataError(
            "The potential method needs partner capacity: " + ds.missing_note("partner_reports")
        )
    active = active_partners(wb, settings).set_index("partner_id")
    reports = ds.table("partner_reports")
    reports = reports[
        reports["quarter"].isin(settings.basis_quarters) & reports["partner_id"].isin(active.index)
    ].sort_values(["partner_id", "quarter"])
    if reports.empty:
        return pd.DataFrame(
            columns=["partner_id", "channel_id", "reports", "partner_total_sales",
                     "sales_headcount", "certified_staff", "pipeline_value", "run_rate",
                     "share_of_wallet", "attainable_share", "capability", "potential"]
        )  # fmt: skip
    g = reports.groupby("partner_id")
    total = g["partner_total_sales"].mean() * BASIS_QUARTERS
    latest = g[["sales_headcount", "certified_staff", "pipeline_value"]].last()
    out = pd.DataFrame(
        {
            "reports": g["partner_total_sales"].count().astype("int64"),
            "partner_total_sales": total.astype("float64"),
            "sales_headcount": latest["sales_headcount"].astype("Float64").astype("float64"),
            "certified_staff": latest["certified_staff"].astype("Float64").astype("float64"),
            "pipeline_value": latest["pipeline_value"].astype("float64"),
        }
    )
    out["channel_id"] = active["channel_id"].reindex(out.index).astype("string")
    out["run_rate"] = active["run_rate"].reindex(out.index).astype("float64")
    out["share_of_wallet"] = out["run_rate"] / out["partner_total_sales"].where(
        out["partner_total_sales"] > 0
    )
    upper = out.groupby("channel_id")["share_of_wallet"].transform(lambda s: s.quantile(0.75))
    out["attainable_share"] = np.fmax(out["share_of_wallet"], upper)
    out["capability"] = _capability(out)
    wallet = (out["partner_total_sales"] * out["attainable_share"] * out["capability"]).fillna(0.0)
    out["potential"] = np.fmax(out["run_rate"].fillna(0.0), wallet)
    out = out.reset_index()
    return out[
        ["partner_id", "channel_id", "reports", "partner_total_sales", "sales_headcount",
         "certified_staff", "pipeline_value", "run_rate", "share_of_wallet", "attainable_share",
         "capability", "potential"]
    ]  # fmt: skip


def _capability(out: pd.DataFrame) -> pd.Series:
    """Certified staff per salesperson and pipeline per our quarterly revenue, each against the
    channel's median and clipped to 0.5–1.5, averaged (1 where neither is known)."""
    certified_ratio = out["certified_staff"] / out["sales_headcount"].where(
        out["sales_headcount"] > 0
    )
    pipeline_ratio = out["pipeline_value"] / (out["run_rate"] / 4).where(out["run_rate"] > 0)
    parts = []
    for ratio in (certified_ratio, pipeline_ratio):
        median = ratio.groupby(out["channel_id"]).transform("median")
        parts.append((ratio / median.where(median > 0)).clip(0.5, 1.5))
    return pd.concat(parts, axis=1).mean(axis=1).fillna(1.0)


def partner_weights(partners: pd.DataFrame, potential: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weights that split a channel's target among its partners.

    Parameters
    ----------
    partners : DataFrame
        ``partner_id``, ``channel_id``, ``run_rate`` (currency a year), ``days_in_window``.
    potential : DataFrame, optional
        :func:`partner_potential` (``partner_id``, ``potential``).

    Returns
    -------
    DataFrame
        ``partners`` with ``potential`` (``NaN`` without a report), ``weight`` and ``basis``
        (in words: ``run rate``, ``run rate and potential``, ``new partner``, ``dormant``).

    Notes
    -----
    ``weight = run_rate`` without a report, else ``(run_rate + potential) / 2``: halfway from
    what the partner sells now to what its capacity says it could. A partner onboarded inside
    the basis window that has neither sales nor a report (just signed) gets its channel's
    lower-quartile weight, so it starts with a modest target rather than none; an older partner
    with neither is *dormant* and gets 0.

    Examples
    --------
    >>> p = pd.DataFrame({"partner_id": ["A", "B", "C", "D"], "channel_id": ["X"] * 4,
    ...                   "run_rate": [100.0, 300.0, 0.0, 0.0], "days_in_window": [365, 365, 20, 365]})
    >>> partner_weights(p)[["partner_id", "weight", "basis"]].values.tolist()
    [['A', 100.0, 'run rate'], ['B', 300.0, 'run rate'], ['C', 150.0, 'new partner'], ['D', 0.0, 'dormant']]
    """
    out = partners.copy()
    pot = (
        potential.set_index("partner_id")["potential"]
        if potential is not None and len(potential)
        else pd.Series(dtype="float64")
    )
    out["potential"] = out["partner_id"].map(pot).astype("float64")
    rr = out["run_rate"].astype("float64").fillna(0.0)
    has_pot = out["potential"].notna()
    out["weight"] = np.where(has_pot, (rr + out["potential"].fillna(0.0)) / 2, rr)
    out["basis"] = np.where(has_pot, "run rate and potential", "run rate")
    window_days = int(out["days_in_window"].max()) if len(out) else 0
    zero = out["weight"] <= 0
    new = zero & (out["days_in_window"] < window_days)
    positive = out[out["weight"] > 0].groupby("channel_id")["weight"].quantile(0.25)
    if new.any():
        out.loc[new, "weight"] = (
            out.loc[new, "channel_id"].map(positive).astype("float64").fillna(0.0)
        )
    out.loc[new, "basis"] = "new partner"
    out.loc[zero & ~new, "basis"] = "dormant"
    out.loc[zero & ~new, "weight"] = 0.0
    out["weight"] = out["weight"].astype("float64")
    out["basis"] = out["basis"].astype("string")
    return out


def unassigned_run_rate(wb: Workbook, settings: TargetSettings) -> pd.Series:
    """Annual run rate of each partner channel's sales made without a partner (window)."""
    s = metrics.summarise(
        wb.dataset, by=["channel_id", "partner_id"], period="quarter",
        periods=list(settings.basis_quarters),
    )  # fmt: skip
    s = s[s["partner_id"].isna()]
    revenue = s.groupby("channel_id")["revenue_exact"].sum().clip(lower=0)
    return wb.dataset.money.amount(revenue).astype("float64")


def channel_potential(basis: pd.DataFrame, potential: pd.DataFrame | None) -> pd.Series:
    """Each channel's potential (currency a year): its run rate plus the headroom its reporting
    partners show (their potential above their run rate); ``NaN`` everywhere without partner
    reports (``potential`` is ``None``), so the method falls back to history."""
    if potential is None:
        return pd.Series(np.nan, index=basis.index)
    channel_pot = potential.groupby("channel_id")["potential"].sum()
    channel_rr = potential.groupby("channel_id")["run_rate"].sum()
    # channel potential = its run rate + its reporting partners' headroom
    headroom = (channel_pot - channel_rr).clip(lower=0)
    return basis["run_rate"] + basis["channel_id"].map(headroom).fillna(0.0)
