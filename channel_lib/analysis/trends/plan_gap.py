"""The forecast against the plan: each forecast quarter's revenue and gross profit, for the
company and each channel, against the targets attainment measures against
(:func:`channel_lib.data.cube.target_attainment.attainment`: the plans folder's approved plan,
else the dataset's official ``targets.csv``), with the gap named (:func:`forecast_vs_plan`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.data.cube.target_attainment import attainment
from channel_lib.data.cube.terms import MissingDataError
from channel_lib.data.workbook import Workbook

__all__ = ["PLAN_SOURCES", "forecast_vs_plan"]

#: ``attainment``'s ``source`` → how the report names it.
PLAN_SOURCES: dict[str, str] = {"plans": "approved plan", "dataset": "official targets"}

_COLUMNS = [
    "level", "entity_id", "quarter", "measure", "forecast", "low_80", "high_80", "plan",
    "plan_source", "gap", "gap_share", "model",
]  # fmt: skip


def forecast_vs_plan(wb: Workbook, forecasts: pd.DataFrame) -> pd.DataFrame:
    """Each forecast quarter's revenue and gross profit against the plan, company and channels.

    Parameters
    ----------
    wb : Workbook
        The workbook (its dataset and plans folder).
    forecasts : DataFrame
        From :func:`~channel_lib.analysis.trends.forecast.forecast` (``kind == "forecast"`` rows
        of level ``total`` and ``channel`` are used).

    Returns
    -------
    DataFrame
        One row per forecast quarter, measure and entity that has a plan: ``level`` (``total``
        or ``channel``), ``entity_id`` (``ALL`` for the company), ``quarter``, ``measure``
        (``revenue`` or ``gross_profit``), ``forecast``, ``low_80``, ``high_80`` (currency),
        ``plan`` (currency: the channel's target; the company's is the sum of its channels'
        targets, given only when every forecast channel has one), ``plan_source`` (``approved
        plan`` or ``official targets``), ``gap`` (forecast − plan, currency), ``gap_share``
        (gap / plan; NaN for a zero plan) and ``model``. ``attrs["no_plan"]`` lists the forecast
        quarters without any plan, ``attrs["note"]`` says so in one sentence ("" when every
        quarter has one).

    Notes
    -----
    The plan of a quarter is chosen as attainment chooses it, by
    :func:`~channel_lib.data.cube.target_attainment.attainment` itself (approved rows of
    ``plans/targets.csv`` for the quarter, else the dataset's ``targets.csv``); a proposal is
    never a plan. Targets are exact amounts in the dataset's money unit; the gap is in currency.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> from channel_lib.analysis.trends.forecast_set import forecast_set
    >>> wb = open_workbook("tests/data/tiny", quarter="FY2026-Q4", plans_dir="/tmp/plans-none")
    >>> fs = forecast_set(wb.dataset, wb.quarter, horizon_quarters=1)
    >>> gap = forecast_vs_plan(wb, fs.forecasts)
    >>> gap.attrs["note"]
    'No plan for FY2027-Q1: neither an approved plan in the plans folder nor the official targets.csv has targets for it.'
    """
    ds = wb.dataset
    fc = forecasts[
        (forecasts["kind"] == "forecast") & forecasts["level"].isin(["total", "channel"])
    ]
    rows: list[dict] = []
    no_plan: list[str] = []
    for quarter in dict.fromkeys(fc["quarter"]):
        try:
            targets = attainment(ds, quarter, plans_dir=wb.plans_dir)
        except MissingDataError:
            no_plan.append(str(quarter))
            continue
        source = PLAN_SOURCES[targets.attrs["source"]]
        rows += _quarter_rows(fc[fc["quarter"] == quarter], targets, source, ds.money)
    out = pd.DataFrame(rows, columns=_COLUMNS)
    for c in ("level", "entity_id", "quarter", "measure", "plan_source", "model"):
        out[c] = out[c].astype("string")
    for c in ("forecast", "low_80", "high_80", "plan", "gap", "gap_share"):
        out[c] = out[c].astype("float64")
    out.attrs["no_plan"] = no_plan
    out.attrs["note"] = _no_plan_note(no_plan)
    return out


def _quarter_rows(fc: pd.DataFrame, targets: pd.DataFrame, source: str, money) -> list[dict]:
    """The rows of one quarter: each channel with a target, and the company when all have one."""
    channel_targets = targets[targets["level"] == "channel"]
    rows = []
    for measure, frame in fc.groupby("measure", sort=False):
        t = channel_targets[channel_targets["metric"] == measure]
        plan_exact = dict(zip(t["channel_id"], t["target_exact"], strict=True))
        channels = frame[frame["level"] == "channel"]
        for r in channels.itertuples():
            if r.entity_id in plan_exact:
                rows.append(_row(r, money.amount(float(plan_exact[r.entity_id])), source))
        total = frame[frame["level"] == "total"]
        if len(total) and len(channels) and set(channels["entity_id"]) <= set(plan_exact):
            plan = money.amount(float(sum(int(v) for v in plan_exact.values())))
            rows.append(_row(next(total.itertuples()), plan, source))
    return rows


def _row(r, plan: float, source: str) -> dict:
    gap = float(r.value) - plan
    return {
        "level": r.level, "entity_id": r.entity_id, "quarter": r.quarter, "measure": r.measure,
        "forecast": float(r.value), "low_80": float(r.lower_80), "high_80": float(r.upper_80),
        "plan": plan, "plan_source": source, "gap": gap,
        "gap_share": gap / plan if plan else np.nan, "model": r.model,
    }  # fmt: skip


def _no_plan_note(no_plan: list[str]) -> str:
    """One sentence naming the forecast quarters without a plan ("" when there are none)."""
    if not no_plan:
        return ""
    them = "it" if len(no_plan) == 1 else "them"
    return (
        f"No plan for {' or '.join(no_plan)}: neither an approved plan in the plans folder nor "
        f"the official targets.csv has targets for {them}."
    )
