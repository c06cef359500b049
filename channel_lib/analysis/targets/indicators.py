"""The channel metrics model: the leading indicators each channel's role relies on, their
historical conversion rates and their quarterly targets.

- :data:`INDICATORS`, :data:`ROLE_INDICATORS`, :data:`TARGET_MONITORED_IN`;
- :func:`leading_indicators` — one row per channel × indicator × target quarter
  (:func:`~channel_lib.analysis.targets.plan.indicator_summary` puts the year in one line).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.basis import _basis_window
from channel_lib.analysis.targets.settings import BASIS_QUARTERS, TargetSettings
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = [
    "INDICATORS",
    "ROLE_INDICATORS",
    "TARGET_MONITORED_IN",
    "leading_indicators",
]


#: Leading indicators: key → (label, unit, what the target is, report that monitors it, table).
INDICATORS: dict[str, tuple[str, str, str, str, str]] = {
    "pipeline_coverage": (
        "Pipeline value (partner reports)", "currency",
        "pipeline reported at the end of the quarter before, = coverage × the quarter's partner "
        "revenue target", "05_performance_signals (channel), 06_partner_review (partner)",
        "partner_reports",
    ),
    "deal_registrations": (
        "Deal registrations", "count",
        "registrations in the quarter, = registrations per revenue × the quarter's target",
        "06_partner_review", "opportunities",
    ),
    "certified_staff": (
        "Certified partner staff", "count",
        "certified staff reported, = certified staff per revenue × the quarter's partner target",
        "06_partner_review", "partner_reports",
    ),
    "active_partners": (
        "Active partners (with sales)", "count",
        "partners selling in the quarter, = the quarter's partner target ÷ revenue per active "
        "partner", "05_performance_signals", "sales",
    ),
    "new_customers": (
        "New customers", "count",
        "customers buying through the channel for the first time, = new customers per revenue × "
        "the quarter's target", "05_performance_signals", "sales",
    ),
}  # fmt: skip


#: Which indicators drive the target of a channel with this declared role. A role not listed gets
#: every indicator its data supports.
ROLE_INDICATORS: dict[str, tuple[str, ...]] = {
    "strategic_accounts": ("new_customers",),
    "direct": ("new_customers",),
    "distribution": ("active_partners", "pipeline_coverage", "certified_staff"),
    "solution_selling": ("deal_registrations", "pipeline_coverage", "certified_staff", "new_customers"),
    "online_marketplace": ("new_customers", "active_partners"),
    "managed_services": ("active_partners", "certified_staff", "deal_registrations"),
    "recurring_revenue_growth": ("active_partners", "certified_staff", "deal_registrations", "new_customers"),
}  # fmt: skip


_PARTNER_INDICATORS = (
    "pipeline_coverage",
    "deal_registrations",
    "certified_staff",
    "active_partners",
)


#: The target itself is monitored here.
TARGET_MONITORED_IN = (
    "once approved: 00_quarter_overview (attainment), 05_performance_signals (gaps)"
)


def _indicator_rates(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Historical baselines and conversion rates of every indicator, per channel (basis window)."""
    ds = wb.dataset
    start, end = _basis_window(wb, settings)
    q = list(settings.basis_quarters)
    channel_rev = metrics.summarise(ds, by="channel_id", period="quarter", periods=q)
    rev = ds.money.amount(channel_rev.groupby("channel_id")["revenue_exact"].sum())
    partner_q = metrics.summarise(ds, by=["channel_id", "partner_id"], period="quarter", periods=q)
    partner_q = partner_q[partner_q["partner_id"].notna()]
    partner_rev = ds.money.amount(partner_q.groupby("channel_id")["revenue_exact"].sum())
    active = partner_q[partner_q["revenue_exact"] > 0].groupby(["channel_id", "period"]).size()
    active_mean = active.groupby("channel_id").mean()
    active_sum = active.groupby("channel_id").sum()
    first = ds.sql(
        "SELECT channel_id, customer_id, min(order_date) AS first_date FROM sales "
        "GROUP BY ALL HAVING sum(revenue) > 0"
    )
    data_start = ds.sql("SELECT min(order_date) AS d FROM sales")["d"].iloc[0]
    first["first_date"] = pd.to_datetime(first["first_date"])
    new = first[(first["first_date"] >= start) & (first["first_date"] < end)]
    new_count = new.groupby("channel_id").size()
    rows = []
    partners = ds.table("partners")[["partner_id", "channel_id"]] if ds.has("partners") else None
    regs = pd.Series(dtype="float64")
    win = pd.Series(dtype="float64")
    if ds.has("opportunities") and partners is not None:
        opp = ds.table("opportunities").merge(partners, on="partner_id", how="left")
        reg_on = pd.to_datetime(opp["registered_on"])
        in_window = opp[(reg_on >= start) & (reg_on < end)]
        regs = in_window.groupby("channel_id").size()
        closed = in_window[in_window["outcome"].isin(["won", "lost"])]
        win = closed.groupby("channel_id")["outcome"].apply(lambda s: (s == "won").mean())
    cert = pd.Series(dtype="float64")
    pipe_cov = pd.Series(dtype="float64")
    pipe_latest = pd.Series(dtype="float64")
    if ds.has("partner_reports") and partners is not None:
        rep = ds.table("partner_reports").merge(partners, on="partner_id", how="left")
        last = rep[rep["quarter"] == settings.basis_quarters[-1]]
        cert = last.groupby("channel_id")["certified_staff"].sum().astype("float64")
        pipe_latest = last.groupby("channel_id")["pipeline_value"].sum()
        # pipeline at the end of quarter k against partner revenue of quarter k+1
        before = [ds.calendar.shift_quarter(x, -1) for x in q]
        pipe = rep[rep["quarter"].isin(before)].groupby("channel_id")["pipeline_value"].sum()
        pipe_cov = pipe / partner_rev.where(partner_rev > 0)
    history_ok = pd.Timestamp(data_start) <= start - pd.DateOffset(years=1)
    for c in settings.channels:
        r = float(rev.get(c, 0.0))
        pr = float(partner_rev.get(c, 0.0))
        base = {
            "new_customers": (float(new_count.get(c, 0)) / BASIS_QUARTERS, float(new_count.get(c, 0)) / r if r > 0 else np.nan, "revenue"),
            "active_partners": (float(active_mean.get(c, np.nan)), float(active_sum.get(c, 0)) / pr if pr > 0 else np.nan, "partner_revenue"),
            "deal_registrations": (float(regs.get(c, 0)) / BASIS_QUARTERS, float(regs.get(c, 0)) / pr if pr > 0 else np.nan, "partner_revenue"),
            "certified_staff": (float(cert.get(c, np.nan)), float(cert.get(c, np.nan)) / (pr / BASIS_QUARTERS) if pr > 0 else np.nan, "partner_revenue_level"),
            "pipeline_coverage": (float(pipe_latest.get(c, np.nan)), float(pipe_cov.get(c, np.nan)), "pipeline"),
        }  # fmt: skip
        for key, (baseline, rate, kind) in base.items():
            rows.append(
                {"channel_id": c, "indicator": key, "baseline_per_quarter": baseline,
                 "rate": rate, "kind": kind, "partner_share": pr / r if r > 0 else 0.0,
                 "win_rate": float(win.get(c, np.nan)), "history_before_window": history_ok}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _unmeasured(key: str, table: str, rate: float, *, has_partners: bool, ds, settings) -> str:
    """Why indicator ``key`` cannot be measured for a channel (``""`` when it can)."""
    note = ""
    if key in _PARTNER_INDICATORS and not has_partners:
        note = "the channel sells without partners"
    elif not ds.has(table):
        note = f"needs {table}.csv, which the dataset does not have"
    # new customers without a year of history before the window: still usable (first purchases)
    if not note and not math.isfinite(rate):
        note = "no history to measure the rate on"
    elif not note and rate <= 0:  # a rate of 0 would set a target of 0 every quarter
        note = (f"none in the basis quarters {settings.basis_quarters[0]}–"
                f"{settings.basis_quarters[-1]}, so no rate to set a target from")  # fmt: skip
    return note


def leading_indicators(
    wb: Workbook, settings: TargetSettings, quarters: pd.DataFrame
) -> pd.DataFrame:
    """The channel metrics model: for each channel, the indicators its role relies on, their
    baseline, conversion rate and quarterly targets, and where each is monitored.

    Parameters
    ----------
    wb : Workbook
    settings : TargetSettings
    quarters : DataFrame
        Channel quarterly revenue targets: ``channel_id``, ``quarter``, ``revenue_target``.

    Returns
    -------
    DataFrame
        One row per channel × indicator × target quarter (indicators the data cannot measure get
        one row with ``available`` False and the reason):

        - ``channel_id``, ``role``, ``indicator``, ``label``, ``unit``, ``quarter``.
        - ``revenue_target`` (currency: the quarter's channel target).
        - ``baseline`` (per quarter over the basis window; level in its last quarter for staff
          and pipeline), ``rate`` (the conversion rate used), ``target`` (rounded up to a whole
          count; currency for pipeline), ``change`` (target ÷ baseline − 1).
        - ``how`` (how the target follows from the rate), ``monitored_in`` (the later report).
        - ``available`` (bool), ``note`` (why not, in words).

    Notes
    -----
    Conversion rates come from the basis window: new customers per unit of channel revenue;
    registrations per unit of partner revenue; active partner-quarters per unit of partner
    revenue (i.e. 1 ÷ revenue per active partner per quarter); certified staff (last reported
    quarter) per unit of average quarterly partner revenue; pipeline at a quarter's end per unit
    of the next quarter's partner revenue (the coverage ratio). The target of quarter *q* is the
    rate times the part of *q*'s target the indicator drives (the partner part for partner
    indicators), so meeting the indicator at the historical conversion delivers the target.
    """
    ds = wb.dataset
    rates = _indicator_rates(wb, settings)
    rows = []
    for c in settings.channels:
        role = settings.roles[c].role
        r = rates[rates["channel_id"] == c].set_index("indicator")
        has_partners = r.loc["active_partners", "partner_share"] > 0
        wanted = ROLE_INDICATORS.get(role)
        if wanted is None:  # an undeclared role: every indicator the history shows
            wanted = tuple(
                k
                for k in INDICATORS
                if (has_partners or k not in _PARTNER_INDICATORS)
                and np.nan_to_num(float(r.loc[k, "rate"])) > 0
            ) or ("new_customers",)
        q = quarters[quarters["channel_id"] == c]
        for key in wanted:
            label, unit, how, monitored, table = INDICATORS[key]
            rate = float(r.loc[key, "rate"])
            note = _unmeasured(
                key, table, rate, has_partners=has_partners, ds=ds, settings=settings
            )
            if note:
                rows.append(
                    {"channel_id": c, "role": role, "indicator": key, "label": label, "unit": unit,
                     "quarter": pd.NA, "revenue_target": np.nan, "baseline": np.nan, "rate": np.nan,
                     "target": np.nan, "change": np.nan, "how": how, "monitored_in": monitored,
                     "available": False, "note": f"not measured: {note}"}
                )  # fmt: skip
                continue
            share = 1.0 if key == "new_customers" else float(r.loc[key, "partner_share"])
            baseline = float(r.loc[key, "baseline_per_quarter"])
            for quarter, target_rev in q[["quarter", "revenue_target"]].itertuples(index=False):
                driven = float(target_rev) * share
                value = rate * driven
                value = round(value, 2) if unit == "currency" else float(math.ceil(value - 1e-9))
                rows.append(
                    {"channel_id": c, "role": role, "indicator": key, "label": label, "unit": unit,
                     "quarter": quarter, "revenue_target": float(target_rev), "baseline": baseline,
                     "rate": rate, "target": value,
                     "change": value / baseline - 1 if baseline and math.isfinite(baseline) else np.nan,
                     "how": how, "monitored_in": monitored, "available": True, "note": ""}
                )  # fmt: skip
    out = pd.DataFrame(rows)
    for col in ("channel_id", "role", "indicator", "label", "unit", "quarter", "how",
                "monitored_in", "note"):  # fmt: skip
        out[col] = out[col].astype("string")
    return out
