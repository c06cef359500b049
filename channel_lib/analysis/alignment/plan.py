"""Orientation against the plan: the channel targets of a fiscal year added up against the
corporate objective, for revenue and gross profit.

The first misalignment a channel executive looks for is in the plan itself: channel targets that
add up to less (or more) than the company's objective leave the company short even when every
channel beats its own target. :func:`plan_against_objective` puts the sum of the channel-level
targets of every source next to the objective:

- ``official`` — the dataset's ``targets.csv`` (the company's approved targets);
- ``approved`` / ``proposed`` — the plans folder's ``targets.csv``
  (:func:`channel_lib.plans.targets.read_targets`), labelled by its ``status`` column; a plan file
  without the column reads as proposed.

The gross-profit objective is ``revenue_objective × gross_margin_goal`` of goals.yaml. Sums are
exact, in the dataset's money unit (``ds.money``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment.settings import Settings
from channel_lib.data.cube.terms import exact_sql
from channel_lib.data.workbook import Workbook
from channel_lib.plans.targets import read_targets

__all__ = ["PLAN_COLUMNS", "SOURCES", "channel_targets", "plan_against_objective"]

#: Target sources in the order the report shows them.
SOURCES = ("official", "approved", "proposed")
#: Metrics compared with the objective, and the objective each is compared with.
_METRICS = ("revenue", "gross_profit")
#: Columns of :func:`plan_against_objective`.
PLAN_COLUMNS = [
    "year", "source", "metric", "channels", "quarters", "targets_exact", "objective_exact",
    "gap_exact", "targets", "objective", "gap", "share", "aligned",
]  # fmt: skip


def channel_targets(wb: Workbook, year: str) -> pd.DataFrame:
    """Every channel-level target of fiscal year ``year``, official and planned, summed per
    channel, source and metric.

    Parameters
    ----------
    wb : Workbook
        Its dataset's ``targets.csv`` gives the official targets, its plans folder
        (``wb.plans_dir``) the approved and proposed ones.
    year : str
        Fiscal year label, e.g. ``"FY2026"``.

    Returns
    -------
    DataFrame
        ``source`` (``"official"``, ``"approved"``, ``"proposed"``), ``channel_id``, ``metric``
        (``"revenue"``, ``"gross_profit"``), ``quarters`` (how many quarters of the year the
        channel has a target for), ``target_exact`` (int64, the dataset's money unit). Partner
        targets are left out: the channel's own target already holds them.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/doctest-plans-plan")
    >>> t = channel_targets(wb, "FY2026")
    >>> t[t["metric"] == "revenue"][["source", "channel_id", "quarters"]].values.tolist()[:2]
    [['official', 'DIR', 2], ['official', 'DIST', 2]]
    """
    ds = wb.dataset
    cal = ds.calendar
    parts = []
    if ds.has("targets"):
        official = ds.sql(
            "SELECT quarter, channel_id, metric, "
            f"{exact_sql('target', ds.money)} AS target_exact FROM targets "
            "WHERE partner_id IS NULL"
        )
        official["source"] = "official"
        parts.append(official)
    plan = read_targets(Path(wb.plans_dir), money=ds.money)
    if plan is not None:
        plan = plan[plan["partner_id"].isna()].copy()
        status = (
            plan["status"].astype("string").str.lower().fillna("proposed")
            if "status" in plan.columns
            else pd.Series("proposed", index=plan.index, dtype="string")
        )
        plan["source"] = np.where(status.eq("approved"), "approved", "proposed")
        parts.append(plan[["quarter", "channel_id", "metric", "target_exact", "source"]])
    cols = ["source", "channel_id", "metric", "quarters", "target_exact"]
    if not parts:
        return pd.DataFrame(columns=cols).astype({"target_exact": "int64", "quarters": "int64"})
    frame = pd.concat(parts, ignore_index=True)
    for c in ("quarter", "channel_id", "metric", "source"):
        frame[c] = frame[c].astype("string")
    frame = frame[
        frame["quarter"].map(cal.year_of_quarter).eq(year) & frame["metric"].isin(_METRICS)
    ]
    out = (
        frame.groupby(["source", "channel_id", "metric"], sort=False)
        .agg(quarters=("quarter", "nunique"), target_exact=("target_exact", "sum"))
        .reset_index()
    )
    out["source"] = pd.Categorical(out["source"], categories=SOURCES, ordered=True)
    out = out.sort_values(["source", "channel_id", "metric"], kind="stable").reset_index(drop=True)
    out["source"] = out["source"].astype("string")
    return out.astype({"target_exact": "int64", "quarters": "int64"})[cols]


def plan_against_objective(
    wb: Workbook, settings: Settings, targets: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The channel targets of the year added up against the corporate objective.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
        The year (:attr:`Settings.year`; its goals, :attr:`Settings.goals_year`) and the
        tolerance (:attr:`Settings.plan_tolerance`).
    targets : DataFrame, optional
        :func:`channel_targets` of the year (read when not given).

    Returns
    -------
    DataFrame
        One row per source with targets for the year (``official``, then ``approved``, then
        ``proposed``) and metric (``revenue``, ``gross_profit``): ``year``, ``source``,
        ``metric``, ``channels`` (with a target), ``quarters`` (of the year with a target),
        ``targets_exact``, ``objective_exact`` (revenue objective; gross profit: revenue
        objective × gross-margin goal), ``gap_exact`` (targets − objective: negative when the
        targets fall short), each as int64 in the dataset's money unit and as a float currency
        amount (``targets``, ``objective``, ``gap``); ``share`` (targets / objective) and
        ``aligned`` (bool: ``|gap| ≤ plan_tolerance × objective``). No row when the year is not
        scored (no objective) or has no channel target.

    Notes
    -----
    Both directions are misaligned: targets short of the objective leave the company short
    when every channel meets its target; targets far above it ask the channels for more than
    the company plans (and pay incentives on it).

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/doctest-plans-plan")
    >>> p = plan_against_objective(wb, s)
    >>> p[["source", "metric", "quarters", "targets", "objective", "aligned"]]
         source   metric  quarters  targets  objective  aligned
    0  official  revenue         2  57500.0    95000.0    False
    """
    out = pd.DataFrame(columns=PLAN_COLUMNS)
    if not settings.scored:
        return out
    goals = wb.dataset.goals.years[settings.goals_year]
    money = wb.dataset.money
    if targets is None:
        targets = channel_targets(wb, settings.year)
    objective = {
        "revenue": money.to_exact(goals.revenue_objective),
        "gross_profit": money.to_exact(goals.revenue_objective * goals.gross_margin_goal),
    }
    rows = []
    for (source, metric), g in targets.groupby(["source", "metric"], sort=False):
        total, goal = int(g["target_exact"].sum()), objective[str(metric)]
        rows.append(
            {
                "year": settings.year, "source": source, "metric": metric,
                "channels": int(g["channel_id"].nunique()), "quarters": int(g["quarters"].max()),
                "targets_exact": total, "objective_exact": goal, "gap_exact": total - goal,
                "share": total / goal if goal else np.nan,
                "aligned": bool(abs(total - goal) <= settings.plan_tolerance * abs(goal)),
            }
        )  # fmt: skip
    if not rows:
        return out
    out = pd.DataFrame(rows)
    order = out["source"].map(SOURCES.index) * 10 + out["metric"].map(_METRICS.index)
    out = out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    for c in ("targets", "objective", "gap"):
        out[c] = money.amount(out[f"{c}_exact"].astype("int64"))
    out = out.astype({c: "int64" for c in ("targets_exact", "objective_exact", "gap_exact")})
    return out[PLAN_COLUMNS]
