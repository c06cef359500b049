"""Declared role against actual role, and the misalignments the alignment view names.

- :func:`role_fit` — whom each channel sells to, what, and new against existing customers, against
  the role goals.yaml declares;
- :func:`misalignments` — margin erosion, growth shortfall, role departure and other dimensions
  far off their goal (kinds and rules in the package docstring), as frames: the page says them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment.actuals import channel_actuals
from channel_lib.analysis.alignment.settings import Settings
from channel_lib.data.workbook import Workbook

__all__ = ["FINDING_COLUMNS", "misalignments", "role_fit"]

#: Columns of :func:`misalignments`.
FINDING_COLUMNS = ["year", "channel_id", "channel_name", "kind", "dimension", "points_lost"]


def role_fit(
    wb: Workbook,
    settings: Settings,
    actuals: pd.DataFrame | None = None,
    *,
    role_share: float = 0.5,
) -> pd.DataFrame:
    """Each channel's declared role against its actual one: whom it sells to, what, new vs existing.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
    actuals : DataFrame, optional
        :func:`channel_actuals` (computed when not given).
    role_share : float
        Share of revenue from the declared segments (or product lines) below which the actual
        role departs from the declared one.

    Returns
    -------
    DataFrame
        One row per channel: ``year``, ``channel_id``, ``channel_name``, ``role``,
        ``declared_segments``, ``declared_product_lines``, ``customer_focus`` (declared, as text),
        ``segment_share``, ``top_segment``, ``top_segment_share``, ``product_share``,
        ``top_product_line``, ``top_product_share``, ``new_customer_share``,
        ``company_new_customer_share`` (the established channels'), ``segment_departure``,
        ``product_departure``, ``focus_departure`` and ``departure`` (bool). The page says the
        actual role in words (:func:`channel_lib.presentation.pages.orientation.actual_role`).
        No row when the year is not scored (:attr:`Settings.scored`: no role declared).

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> role_fit(wb, s)[["channel_id", "segment_share", "product_share", "departure"]].round(2)
      channel_id  segment_share  product_share  departure
    0        DIR            1.0           1.00      False
    1       DIST            1.0           0.91      False
    2        WEB            1.0           1.00      False
    """
    if actuals is None:
        actuals = channel_actuals(wb, settings)
    if not settings.scored:  # no declared role to fit: no row (the page says "not scored")
        return pd.DataFrame(columns=_ROLE_COLUMNS)
    goals = wb.dataset.goals.years[settings.goals_year]
    company_new = actuals.attrs["company"].get("new_customer_share", np.nan)
    rows = []
    for r in actuals.itertuples(index=False):
        role = goals.channels.get(r.channel_id)
        seg_dep = bool(role and role.segments and r.segment_share < role_share)
        prod_dep = bool(role and role.product_lines and r.product_share < role_share)
        new = r.new_customer_share
        focus_dep = False
        if role and not r.new_channel and not np.isnan(new):
            if role.customer_focus == "acquisition" and not np.isnan(company_new):
                focus_dep = new < company_new
            elif role.customer_focus == "expansion":
                focus_dep = new >= goals.new_customer_share
        rows.append(
            {
                "year": settings.year, "channel_id": r.channel_id, "channel_name": r.channel_name,
                "role": role.role if role else "(none declared)",
                "declared_segments": ", ".join(role.segments) if role and role.segments else "–",
                "declared_product_lines": ", ".join(role.product_lines)
                if role and role.product_lines else "–",
                "customer_focus": role.customer_focus if role else "–",
                "segment_share": r.segment_share, "top_segment": r.top_segment,
                "top_segment_share": r.top_segment_share, "product_share": r.product_share,
                "top_product_line": r.top_product_line, "top_product_share": r.top_product_share,
                "new_customer_share": new, "company_new_customer_share": company_new,
                "segment_departure": seg_dep, "product_departure": prod_dep,
                "focus_departure": focus_dep, "departure": seg_dep or prod_dep or focus_dep,
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=_ROLE_COLUMNS)


#: Columns of :func:`role_fit`.
_ROLE_COLUMNS = [
    "year", "channel_id", "channel_name", "role", "declared_segments", "declared_product_lines",
    "customer_focus", "segment_share", "top_segment", "top_segment_share", "product_share",
    "top_product_line", "top_product_share", "new_customer_share", "company_new_customer_share",
    "segment_departure", "product_departure", "focus_departure", "departure",
]  # fmt: skip


def misalignments(
    wb: Workbook,
    settings: Settings,
    breakdown: pd.DataFrame,
    roles: pd.DataFrame,
    *,
    margin_drop: float = 0.02,
    growth_gap: float = 0.10,
    flag_below: float = 0.5,
) -> pd.DataFrame:
    """Misalignments named in words (kinds and rules in the module docstring).

    Parameters
    ----------
    wb : Workbook
    settings : Settings
    breakdown : DataFrame
        :func:`alignment_breakdown`.
    roles : DataFrame
        :func:`role_fit`.
    margin_drop : float
        Fall of the gross margin (fraction points) that, with revenue growing, is margin erosion.
    growth_gap : float
        Growth this far (fraction points) below what the objective needs is a growth shortfall.
    flag_below : float
        Any other dimension scoring below this is named (``off_goal``).

    Returns
    -------
    DataFrame
        One row per finding, most points lost first: ``year``, ``channel_id``, ``channel_name``,
        ``kind``, ``dimension`` (``<NA>`` for a role departure), ``points_lost``. The page says
        each in words (:func:`channel_lib.presentation.pages.orientation.finding_sentences`).
        No row when the year is not scored (:attr:`Settings.scored`).

    Examples
    --------
    >>> from channel_lib.analysis.alignment import alignment_breakdown, open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> b = alignment_breakdown(wb, s)
    >>> m = misalignments(wb, s, b, role_fit(wb, s))
    >>> m[["channel_id", "kind", "dimension"]].head(3)
      channel_id              kind       dimension
    0       DIST          off_goal    gross_margin
    1        DIR  growth_shortfall  revenue_growth
    2       DIST  growth_shortfall  revenue_growth
    """
    if not settings.scored:  # nothing measured against goals: no finding
        return pd.DataFrame(columns=FINDING_COLUMNS).astype({"dimension": "string"})
    company = breakdown.attrs.get("company", {})
    lost = breakdown.pivot_table(index="channel_id", columns="dimension", values="points_lost")
    covered: set[tuple[str, str]] = set()
    rows = _trend_findings(breakdown, lost, company, covered, margin_drop, growth_gap)
    rows += _role_findings(roles, lost, covered)
    rows += _off_goal_findings(breakdown, covered, flag_below)
    out = pd.DataFrame([{"year": settings.year, **r} for r in rows], columns=FINDING_COLUMNS)
    out["dimension"] = out["dimension"].astype("string")
    return out.sort_values("points_lost", ascending=False, kind="stable").reset_index(drop=True)


def _finding(ch, name, kind, dim, lost) -> dict:
    return {"channel_id": ch, "channel_name": name, "kind": kind, "dimension": dim,
            "points_lost": float(lost)}  # fmt: skip


def _trend_findings(
    breakdown: pd.DataFrame,
    lost: pd.DataFrame,
    company: dict,
    covered: set,
    margin_drop: float,
    growth_gap: float,
) -> list[dict]:
    """Margin erosion and growth shortfall, channel by channel (``covered`` gets their cells)."""
    rows = []
    wide = breakdown.pivot_table(
        index=["channel_id", "channel_name"], columns="dimension", values="actual", dropna=False
    )
    for (ch, name), r in wide.iterrows():
        growth, change = r.get("revenue_growth", np.nan), r.get("margin_trend", np.nan)
        if growth > 0 and change <= -margin_drop:
            rows.append(_finding(ch, name, "margin_erosion", "margin_trend",
                                 lost.loc[ch, "margin_trend"]))  # fmt: skip
            covered.add((ch, "margin_trend"))
        need = company.get("required_growth", np.nan)
        if not np.isnan(growth) and not np.isnan(need) and growth <= need - growth_gap:
            rows.append(_finding(ch, name, "growth_shortfall", "revenue_growth",
                                 lost.loc[ch, "revenue_growth"]))  # fmt: skip
            covered.add((ch, "revenue_growth"))
    return rows


def _role_findings(roles: pd.DataFrame, lost: pd.DataFrame, covered: set) -> list[dict]:
    """One role departure per departing channel, costing the points of the dimensions departed."""
    rows = []
    for r in roles[roles["departure"]].itertuples(index=False):
        for departed, dim in ((r.segment_departure, "segment_focus"),
                              (r.product_departure, "product_focus"),
                              (r.focus_departure, "new_customers")):  # fmt: skip
            if departed:
                covered.add((r.channel_id, dim))
        dims = [d for d in ("segment_focus", "product_focus", "new_customers")
                if (r.channel_id, d) in covered]  # fmt: skip
        rows.append(_finding(r.channel_id, r.channel_name, "role_departure", pd.NA,
                             sum(lost.loc[r.channel_id, d] for d in dims)))  # fmt: skip
    return rows


def _off_goal_findings(breakdown: pd.DataFrame, covered: set, flag_below: float) -> list[dict]:
    """Every other dimension scoring below ``flag_below``."""
    return [
        _finding(b.channel_id, b.channel_name, "off_goal", b.dimension, b.points_lost)
        for b in breakdown.itertuples(index=False)
        if (b.channel_id, b.dimension) not in covered and b.score < flag_below
    ]
