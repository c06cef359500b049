"""Ground-truth cases of the investment decision and the margin drivers (issue 20): the channel
past break-even (cut), the channel with headroom (raise), their near misses, and the driver of
each planted margin change. :data:`channel_lib.sample.truth.CASES` runs them with the others.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from channel_lib.sample.facts import Facts
from channel_lib.sample.levers import (
    DIR_DISCOUNT_DEEPENING,
    RES_HILL_K,
    RES_HILL_VMAX,
    res_hill_slope,
)
from channel_lib.sample.spec import CHANNEL_INDEX, CHANNELS, HILL_K, HILL_N, HILL_VMAX, TruthRow
from channel_lib.sample.streams import hill_slope
from channel_lib.sample.tables import usd_text

__all__ = ["investment_cut", "investment_raise", "margin_driver"]


# -- issue 20: spend as a decision, and the driver of each margin change -------------------------------
#: The planted cut spends past its break-even: one more USD returns less gross profit than this.
CUT_MARGINAL_BELOW = 0.6
#: The planted raise has headroom: one more USD returns at least this much gross profit.
RAISE_MARGINAL_AT_LEAST = 1.8
#: Months of FY2025-Q4 and FY2026-Q4 (indexes), the two quarters the margin drivers compare.
Q4_BEFORE, Q4_NOW = slice(21, 24), slice(33, 36)


def _break_even(slope: Callable[[float], float], margin: float) -> float:
    """Monthly spend (USD) where ``margin × slope(spend)`` (gross profit per USD) falls to 1, by
    bisection (``slope`` decreases: the curves are concave)."""
    lo, hi = 0.0, 1e9
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if margin * slope(mid) > 1.0 else (lo, mid)
    return (lo + hi) / 2


def _onl_slope(spend: float) -> float:
    return hill_slope(max(spend, 1e-9))


def _lever_case(
    f: Facts, channel: str, spend: np.ndarray, slope: Callable[[float], float], curve: str
) -> tuple[float, float, float, str]:
    """Gross profit per USD at FY2026-Q4's mean monthly spend, the planted break-even spend, the
    spend range observed and the detail's common text."""
    ci = CHANNEL_INDEX[channel]
    rev, cost = f.channel_revenue_usd[ci, Q4_NOW].sum(), f.channel_cost_usd[ci, Q4_NOW].sum()
    margin = 1 - cost / rev
    q4 = float(spend[Q4_NOW].mean())
    marginal = margin * slope(q4)
    be = _break_even(slope, margin)
    lo, hi = float(spend[:36].min()), float(spend[:36].max())
    if not lo < be < hi:
        raise AssertionError(
            f"{channel}'s break-even spend {be:,.0f} is outside {lo:,.0f}..{hi:,.0f}"
        )
    text = (
        f"revenue responds to monthly discretionary spend as a Hill curve ({curve}); FY2026-Q4 "
        f"spend averages {usd_text(q4)} USD/month, where one more USD returns "
        f"{marginal:.2f} USD of gross profit (revenue {slope(q4):.2f} x gross margin "
        f"{margin:.1%}); planted break-even spend {usd_text(be)} USD/month, inside the spend "
        f"observed FY2024-FY2026 ({usd_text(lo)} to {usd_text(hi)} USD/month)"
    )
    return marginal, be, margin, text


def _discretionary_range(f: Facts, channel: str) -> tuple[float, float]:
    """Smallest and largest monthly discretionary spend (USD) of ``channel``'s budgets: its
    enablement (DIR), as :func:`~channel_lib.sample.tables.channel_costs_table` wrote it."""
    costs = f.costs
    mine = costs[(costs["channel_id"] == channel) & (costs["discretionary"] == "true")]
    monthly = mine.groupby("month")["amount"].apply(lambda a: a.astype(float).sum())
    return float(monthly.min()), float(monthly.max())


def investment_cut(f: Facts) -> list[TruthRow]:
    """ONL spends past its break-even (cut); DIR's enablement varies but drives nothing."""
    marginal, _, _, text = _lever_case(
        f,
        "ONL",
        f.plan.spend,
        _onl_slope,
        f"half-saturation {usd_text(HILL_K)} USD/month, saturation {usd_text(HILL_VMAX)} USD/month, "
        f"n = {HILL_N:g}",
    )
    if not marginal < CUT_MARGINAL_BELOW:
        raise AssertionError(f"ONL's marginal gross profit {marginal:.2f} is not below 0.6")
    lo, hi = _discretionary_range(f, "DIR")
    return [
        TruthRow("investment_cut", "channel", "ONL", "planted", f"{text}: past break-even, cut"),
        TruthRow(
            "investment_cut",
            "channel",
            "DIR",
            "near_miss",
            f"discretionary spend (enablement) varies from {usd_text(lo)} to {usd_text(hi)} "
            f"USD/month ({hi / lo:.1f}x) but drives nothing (DIR's revenue is planned without "
            "it): not measurable, held, never cut",
        ),
    ]


def investment_raise(f: Facts) -> list[TruthRow]:
    """RES spends below its break-even (raise); DIST's co-op looks like a return but follows
    revenue."""
    marginal, _, _, text = _lever_case(
        f,
        "RES",
        f.plan.res_spend,
        res_hill_slope,
        f"mdf + enablement; half-saturation {usd_text(RES_HILL_K)} USD/month, saturation "
        f"{usd_text(RES_HILL_VMAX)} USD/month, n = 1",
    )
    if not marginal >= RAISE_MARGINAL_AT_LEAST:
        raise AssertionError(f"RES's marginal gross profit {marginal:.2f} is under 1.8")
    return [
        TruthRow("investment_raise", "channel", "RES", "planted", f"{text}: headroom, raise"),
        TruthRow(
            "investment_raise",
            "channel",
            "DIST",
            "near_miss",
            "co-op (coop) accrues at 2.5% of the same month's revenue, so revenue per USD of co-op "
            "looks like 40 USD, but the spend follows revenue (revenue_driven_spend): not a "
            "lever, never raised",
        ),
    ]


def _margin_parts(f: Facts, ci: int, months: slice) -> tuple[float, float, float]:
    """Gross margin, realised price against list (revenue ÷ list value) and unit cost against
    list (cost ÷ list value) of channel ``ci`` over ``months``, from the lines."""
    lines = f.lines
    mine = (lines.channel == ci) & (lines.month >= months.start) & (lines.month < months.stop)
    rev = lines.revenue_cents[mine].sum()
    cost = lines.cost_cents[mine].sum()
    listed = (lines.quantity[mine] * f.products.list_cents[lines.product[mine]]).sum()
    return 1 - cost / rev, rev / listed, cost / listed


def margin_driver(f: Facts) -> list[TruthRow]:
    """FY2026-Q4 against FY2025-Q4: MSP's margin falls with unit cost (planted ``unit_cost:``),
    DIR's with a deeper discount (planted ``price_discount:``); the steadiest other channel's
    margin moves less than half a point (near miss ``stable:``)."""
    rows = []
    moves = {}
    for ci, spec in enumerate(CHANNELS):
        (m0, p0, c0), (m1, p1, c1) = _margin_parts(f, ci, Q4_BEFORE), _margin_parts(f, ci, Q4_NOW)
        moves[spec.channel_id] = (100 * (m1 - m0), m0, m1, p0, p1, c0, c1)
    for cid, driver, least in (("MSP", "unit_cost", 3.0), ("DIR", "price_discount", 2.0)):
        points, m0, m1, p0, p1, c0, c1 = moves[cid]
        if not points <= -least:
            raise AssertionError(f"{cid}'s margin fell {-points:.2f} points, not {least:g}")
        what = (
            f"unit cost rose from {c0:.1%} to {c1:.1%} of list price at steady prices (realised "
            f"{p0:.1%} -> {p1:.1%} of list)"
            if driver == "unit_cost"
            else f"the discount deepened: realised price {p0:.1%} -> {p1:.1%} of list (planned "
            f"{100 * DIR_DISCOUNT_DEEPENING:.0f} points deeper) at steady unit cost against list "
            f"({c0:.1%} -> {c1:.1%})"
        )
        rows.append(
            TruthRow(
                "margin_driver",
                "channel",
                cid,
                "planted",
                f"{driver}: gross margin FY2026-Q4 {m1:.1%} vs FY2025-Q4 {m0:.1%} "
                f"({points:+.2f} points); {what}",
            )
        )
    others = [c for c in moves if c not in ("MSP", "DIR")]
    cid = min(others, key=lambda c: (abs(moves[c][0]), c))
    points, m0, m1 = moves[cid][:3]
    if not abs(points) < 0.5:
        raise AssertionError(f"no channel's margin is stable: the steadiest moved {points:+.2f}")
    rows.append(
        TruthRow(
            "margin_driver",
            "channel",
            cid,
            "near_miss",
            f"stable: gross margin FY2026-Q4 {m1:.1%} vs FY2025-Q4 {m0:.1%} ({points:+.2f} "
            "points, under half a point): no driver is claimed",
        )
    )
    return rows
