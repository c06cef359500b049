"""The sample's ground truth (``ground_truth.csv``): every planted case and near miss, measured.

Each case is one function of the generated facts (:class:`Facts`) returning its rows, with the
value measured on the generated data in ``detail``; :func:`ground_truth` runs them all
(:data:`CASES`, in this order) and sorts the rows: planted cases first, then near misses, each by
signal and entity id.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import yaml

from channel_lib.sample.facts import Facts
from channel_lib.sample.sales import Products, SalesLines
from channel_lib.sample.spec import (
    CHANNEL_INDEX,
    CHANNELS,
    HILL_K,
    HILL_N,
    MSP_EROSION_START,
    PRODUCT_LINES,
    REPORT_Q,
    Plan,
    TruthRow,
    month_start,
    quarter_label,
)
from channel_lib.sample.streams import hill_slope
from channel_lib.sample.tables import DEALS, usd_text
from channel_lib.sample.truth_levers import investment_cut, investment_raise, margin_driver

#: Columns of ``ground_truth.csv``.
TRUTH_COLUMNS = ["signal", "entity_type", "entity_id", "period", "kind", "detail"]


# -- partner cases ----------------------------------------------------------------------------------
def our_sales_change(f: Facts) -> list[TruthRow]:
    """Partners whose revenue through them moved FY2026 vs FY2025 (and one that nearly did)."""
    pm = f.partner_month_usd

    def our_change(i: int) -> str:
        a, b = pm[i, 12:24].sum(), pm[i, 24:36].sum()
        return f"our revenue through the partner FY2026 {usd_text(b)} vs FY2025 {usd_text(a)}: {b / a - 1:+.1%}"

    return [
        TruthRow("our_sales_change", "partner", f.pid(i), kind, our_change(i))
        for role, kind in (
            ("our_sales_up", "planted"),
            ("our_sales_down", "planted"),
            ("lumpy", "planted"),
            ("our_sales_near", "near_miss"),
        )
        for i in f.plan.roles[role]
    ]


def partner_total_sales_change(f: Facts) -> list[TruthRow]:
    """Partners whose own total sales (as they report them) moved, and near misses."""
    total_change = _total_sales_change(f.reports)
    return [
        TruthRow(
            "partner_total_sales_change",
            "partner",
            f.pid(i),
            kind,
            "partner_total_sales, last four reported quarters vs the four before: "
            f"{total_change[f.pid(i)]:+.1%}",
        )
        for role, kind in (
            ("total_sales_up", "planted"),
            ("total_sales_down", "planted"),
            ("total_sales_near", "near_miss"),
        )
        for i in f.plan.roles[role]
    ]


#: The special customers of the lost-customer case: kind and what the detail says about them.
LOST_CUSTOMER_LABELS = {
    "lost": ("planted", "bought in all 4 quarters FY2025-Q3..FY2026-Q2, nothing since"),
    "moved_from": (
        "near_miss",
        "large customer that moved to partner {moved_to} in FY2026-Q3: moved, not lost",
    ),
    "annual": ("near_miss", "once-a-year buyer (each October): bought in 1 of the 4 quarters"),
    "small_stop_a": ("near_miss", "stopped buying, but worth less than 1% of revenue"),
    "small_stop_b": (
        "near_miss",
        "stopped buying (direct account), but worth less than 1% of revenue",
    ),
    "late_stop": (
        "near_miss",
        "last purchase in January 2026 (FY2026-Q3): bought inside the window",
    ),
    "two_quarters": ("near_miss", "bought in only 2 of the 4 quarters before the window"),
}


def lost_customer(f: Facts) -> list[TruthRow]:
    """The lost customer and the customers that only look lost, with their revenue share."""
    plan, lines = f.plan, f.lines
    company_base = f.partner_month_usd[:, 18:30].sum()
    cust_rev = np.bincount(
        lines.customer[(lines.month >= 18) & (lines.month < 30)],
        lines.revenue_cents[(lines.month >= 18) & (lines.month < 30)] / 100,
        minlength=len(plan.customers),
    )
    moved_to = next(s for s in plan.specials if s.key == "moved_to")
    rows = []
    for s in plan.specials:
        if s.key not in LOST_CUSTOMER_LABELS:
            continue
        kind, text = LOST_CUSTOMER_LABELS[s.key]
        share = cust_rev[s.customer] / company_base
        where = f.pid(s.partner) if s.partner >= 0 else "the direct channel"
        rows.append(
            TruthRow(
                "lost_customer",
                "customer",
                plan.customers[s.customer].customer_id,
                kind,
                f"{share:.2%} of company revenue FY2025-Q3..FY2026-Q2 via {where}; "
                + text.format(moved_to=f.pid(moved_to.partner)),
            )
        )
    return rows


def line_card_change(f: Facts) -> list[TruthRow]:
    """A line-card position lost and one gained; missing reports that are not changes."""
    roles = f.plan.roles
    rows = [
        TruthRow(
            "line_card_change",
            "partner",
            f.pid(roles["line_card_lost"][0]),
            "planted",
            "line_card_rank 2 -> 4 in FY2026-Q4 (position lost)",
        ),
        TruthRow(
            "line_card_change",
            "partner",
            f.pid(roles["line_card_gained"][0]),
            "planted",
            "line_card_rank 3 -> 1 in FY2026-Q4 (position gained)",
        ),
    ]
    for k, i in enumerate(roles["line_card_near"]):
        text = (
            "rank 3, no rank reported in FY2026-Q3, rank 3 again: a missing report is not a change",
            "rank 2 in FY2026-Q3, no rank reported in FY2026-Q4: a missing report is not a change",
            "rank changed 3 -> 2 in FY2026-Q2, unchanged since",
        )[k]
        rows.append(TruthRow("line_card_change", "partner", f.pid(i), "near_miss", text))
    for k, i in enumerate(roles.get("line_card_near_more", [])):
        text = (
            "rank changed 4 -> 3 in FY2026-Q3, unchanged in FY2026-Q4",
            "rank 4 in FY2026-Q1, no rank reported in FY2026-Q2 and FY2026-Q3, rank 4 again: "
            "missing reports are not a change",
        )[k]
        rows.append(TruthRow("line_card_change", "partner", f.pid(i), "near_miss", text))
    return rows


def key_talent_loss(f: Facts) -> list[TruthRow]:
    """Two key sales departures in the quarter; single departures earlier are near misses."""
    roles = f.plan.roles
    rows = [
        TruthRow(
            "key_talent_loss",
            "partner",
            f.pid(roles["talent"][0]),
            "planted",
            "2 key sales departures reported for FY2026-Q4",
        )
    ]
    for k, i in enumerate(roles["talent_near"]):
        q = "FY2026-Q2" if k < 3 else "FY2026-Q1"
        rows.append(
            TruthRow(
                "key_talent_loss",
                "partner",
                f.pid(i),
                "near_miss",
                f"1 key sales departure in {q}, none in the last two reported quarters",
            )
        )
    return rows


def service_metrics(f: Facts) -> list[TruthRow]:
    """A low CSAT and a slow first response in the quarter; values just inside the limits."""
    roles = f.plan.roles
    rows = [
        TruthRow(
            "service_metrics",
            "partner",
            f.pid(roles["service_csat"][0]),
            "planted",
            "CSAT 3.60 in FY2026-Q4",
        ),
        TruthRow(
            "service_metrics",
            "partner",
            f.pid(roles["service_response"][0]),
            "planted",
            "first response 31.5 hours in FY2026-Q4",
        ),
    ]
    for k, i in enumerate(roles["service_near"]):
        text = (
            "CSAT 4.10",
            "CSAT 4.15",
            "first response 22.5 hours",
            "first response 23.5 hours",
            "CSAT 3.70 in FY2026-Q3, recovered to 4.40 in FY2026-Q4",
        )[k]
        rows.append(TruthRow("service_metrics", "partner", f.pid(i), "near_miss", text))
    return rows


def win_loss_deal(f: Facts) -> list[TruthRow]:
    """The planted deals of ``opportunities.csv`` (:data:`~channel_lib.sample.tables.DEALS`)."""
    rows = []
    for key, kind, usd, outcome, _reg, close in DEALS:
        text = f"{outcome} deal of {usd_text(usd)} USD" + (
            f", closed {close}" if close else ", still open"
        )
        rows.append(TruthRow("win_loss_deal", "opportunity", f.deals[key], kind, text))
    return rows


# -- channel cases ----------------------------------------------------------------------------------
def channel_dependency(f: Facts) -> list[TruthRow]:
    """DIST carries too much of the company's revenue; DIR a large but safe share."""
    ch_rev = f.channel_revenue_usd
    share26 = ch_rev[:, 24:36].sum(axis=1) / ch_rev[:, 24:36].sum()
    dist, dir_ = CHANNEL_INDEX["DIST"], CHANNEL_INDEX["DIR"]
    return [
        TruthRow(
            "channel_dependency",
            "channel",
            "DIST",
            "planted",
            f"{share26[dist]:.1%} of company revenue FY2026 (trailing 12 months)",
        ),
        TruthRow(
            "channel_dependency",
            "channel",
            "DIR",
            "near_miss",
            f"{share26[dir_]:.1%} of company revenue FY2026 (trailing 12 months)",
        ),
    ]


def margin_erosion(f: Facts) -> list[TruthRow]:
    """MSP's gross margin erodes month by month while its revenue grows."""
    ch_rev, ch_cost = f.channel_revenue_usd, f.channel_cost_usd
    msp = CHANNEL_INDEX["MSP"]

    def margin(ci: int, months: slice) -> float:
        return 1 - ch_cost[ci, months].sum() / ch_rev[ci, months].sum()

    growth = ch_rev[msp, 24:36].sum() / ch_rev[msp, 12:24].sum() - 1
    return [
        TruthRow(
            "margin_erosion",
            "channel",
            "MSP",
            "planted",
            f"erosion began {str(month_start(MSP_EROSION_START))[:7]}: gross margin FY2025 "
            f"{margin(msp, slice(12, 24)):.1%} -> FY2026 {margin(msp, slice(24, 36)):.1%} while revenue "
            f"grew {growth:+.1%}",
        )
    ]


def diminishing_returns(f: Facts) -> list[TruthRow]:
    """ONL's revenue answers its MDF spend along a Hill curve (returns diminish)."""
    onl_q4 = float(f.plan.spend[3 * REPORT_Q : 3 * REPORT_Q + 3].mean())
    return [
        TruthRow(
            "diminishing_returns",
            "channel",
            "ONL",
            "planted",
            f"revenue responds to monthly mdf spend as a Hill curve, half-saturation "
            f"{usd_text(HILL_K)} USD/month, n = {HILL_N:g} (concave: returns diminish from the first "
            f"dollar); FY2026-Q4 spend averages {usd_text(onl_q4)} USD/month "
            f"({onl_q4 / HILL_K:.1f} x the half-saturation), where one more USD returns "
            f"{hill_slope(onl_q4):.2f} USD of revenue",
        )
    ]


def revenue_driven_spend(f: Facts) -> list[TruthRow]:
    """DIST's co-op spend follows its revenue (so it does not cause it)."""
    return [
        TruthRow(
            "revenue_driven_spend",
            "channel",
            "DIST",
            "planted",
            "co-op (coop) accrues at 2.5% of the channel's monthly revenue",
        )
    ]


def channel_conflict(f: Facts) -> list[TruthRow]:
    """A group of customers buys through both DIST and RES at very different discounts."""
    return [
        TruthRow(
            "channel_conflict",
            "channel",
            "DIST+RES",
            "planted",
            f"{len(f.plan.conflict_group)} customers buy through DIST (discount ~34%) and RES "
            "(discount ~12%) every month",
        )
    ]


def role_departure(f: Facts) -> list[TruthRow]:
    """RES sells something other than its declared role."""
    return [
        TruthRow(
            "role_departure",
            "channel",
            "RES",
            "planted",
            "declared solution selling to mid_market/enterprise on platform and services; "
            "actually sells mostly accessories to smb",
        )
    ]


def target_miss(f: Facts) -> list[TruthRow]:
    """RES misses its official target in the reporting quarter."""
    res = CHANNEL_INDEX["RES"]
    revenue = f.channel_revenue_usd[res, 33:36].sum()
    return [
        TruthRow(
            "target_miss",
            "channel",
            "RES",
            "planted",
            f"FY2026-Q4 revenue {usd_text(revenue)} USD is ~86% of its official target",
        )
    ]


# -- changes of the partner list and of the channels ---------------------------------------------------
def stopped_reporting(f: Facts) -> list[TruthRow]:
    """A partner whose reports stop two quarters before the end."""
    return [
        TruthRow(
            "stopped_reporting",
            "partner",
            f.pid(f.plan.roles["stopped_reporting"][0]),
            "planted",
            "last partner report FY2026-Q2; none for FY2026-Q3 and FY2026-Q4",
        )
    ]


def new_partner(f: Facts) -> list[TruthRow]:
    """A partner onboarded during the data."""
    new = f.plan.roles["new_partner"][0]
    return [
        TruthRow(
            "new_partner",
            "partner",
            f.pid(new),
            "planted",
            f"onboarded {f.plan.partners[new].onboarded_on} (MSP)",
        )
    ]


def new_channel(f: Facts) -> list[TruthRow]:
    """MSP, launched in the second year of the data."""
    return [
        TruthRow(
            "new_channel", "channel", "MSP", "planted", "launched 2024-07-01, year two of the data"
        )
    ]


def partner_move(f: Facts) -> list[TruthRow]:
    """A partner that moved channel and one that moved tier (``partner_changes.csv``)."""
    roles, partners = f.plan.roles, f.plan.partners
    new_tier = f.partners_now.loc[roles["partner_move_tier"][0], "tier"]
    return [
        TruthRow(
            "partner_move",
            "partner",
            f.pid(roles["partner_move_channel"][0]),
            "planted",
            "moved channel RES -> DIST on 2026-04-01",
        ),
        TruthRow(
            "partner_move",
            "partner",
            f.pid(roles["partner_move_tier"][0]),
            "planted",
            f"tier {partners[roles['partner_move_tier'][0]].tier} -> {new_tier} on 2026-04-01",
        ),
    ]


def role_change(f: Facts) -> list[TruthRow]:
    """MSP's declared role changes with the new fiscal year (``goals.yaml``)."""
    return [
        TruthRow(
            "role_change",
            "channel",
            "MSP",
            "planted",
            "declared role managed_services (FY2026) -> recurring_revenue_growth (FY2027)",
        )
    ]


# -- target setting, orientation and the channel over time (issues 19 and 21) ------------------------------
def _year_change(f: Facts, i: int) -> tuple[float, float, str]:
    """FY2025 and FY2026 revenue USD through partner ``i`` and the sentence that states them."""
    pm = f.partner_month_usd
    a, b = pm[i, 12:24].sum(), pm[i, 24:36].sum()
    return a, b, f"revenue FY2026 {usd_text(b)} vs FY2025 {usd_text(a)}: {b / a - 1:+.1%}"


def _customer_share(f: Facts, customer: int) -> float:
    """The customer's share of company revenue over FY2025-Q3..FY2026-Q2 (the basis window)."""
    base = (f.lines.month >= 18) & (f.lines.month < 30)
    mine = base & (f.lines.customer == customer)
    return f.lines.revenue_cents[mine].sum() / f.lines.revenue_cents[base].sum()


def target_declining_partner(f: Facts) -> list[TruthRow]:
    """The lost customer's host, whose FY2026 revenue fell; a partner that fell 5-9% (near miss)."""
    lost = next(s for s in f.plan.specials if s.key == "lost")
    _, _, change = _year_change(f, lost.partner)
    customer = f.plan.customers[lost.customer].customer_id
    rows = [
        TruthRow(
            "target_declining_partner",
            "partner",
            f.pid(lost.partner),
            "planted",
            f"{change}; lost customer {customer} ({_customer_share(f, lost.customer):.2%} of "
            "company revenue FY2025-Q3..FY2026-Q2), no purchase since FY2026-Q3",
        )
    ]
    for i in f.plan.roles["declining_near"]:
        _, _, change = _year_change(f, i)
        rows.append(
            TruthRow(
                "target_declining_partner",
                "partner",
                f.pid(i),
                "near_miss",
                f"{change}: fell less than 10%, lost no customer worth 1% of company revenue",
            )
        )
    return rows


def target_gaining_partner(f: Facts) -> list[TruthRow]:
    """The partner that gained the customer who moved in from another partner."""
    moved_to = next(s for s in f.plan.specials if s.key == "moved_to")
    moved_from = next(s for s in f.plan.specials if s.key == "moved_from")
    lines, i = f.lines, moved_to.partner
    fy26 = (lines.month >= 24) & (lines.month < 36) & (lines.partner == i)
    theirs = lines.revenue_cents[fy26 & (lines.customer == moved_to.customer)].sum() / 100
    _, total, change = _year_change(f, i)
    customer = f.plan.customers[moved_to.customer].customer_id
    return [
        TruthRow(
            "target_gaining_partner",
            "partner",
            f.pid(i),
            "planted",
            f"customer {customer} ({_customer_share(f, moved_to.customer):.2%} of company revenue "
            f"FY2025-Q3..FY2026-Q2) moved in from {f.pid(moved_from.partner)} in FY2026-Q3: "
            f"{usd_text(theirs)} of its FY2026 revenue {usd_text(total)} ({change})",
        )
    ]


def target_growing_partner(f: Facts) -> list[TruthRow]:
    """Every partner whose revenue grew by 10% or more in FY2026 (on FY2025)."""
    pm = f.partner_month_usd[:-1]
    a, b = pm[:, 12:24].sum(axis=1), pm[:, 24:36].sum(axis=1)
    grew = np.flatnonzero((a > 0) & (b >= 1.10 * a))
    return [
        TruthRow("target_growing_partner", "partner", f.pid(i), "planted", _year_change(f, i)[2])
        for i in grew
    ]


def targets_short_of_objective(f: Facts) -> list[TruthRow]:
    """FY2026's official channel targets sum short of the objective; FY2025's nearly meet it."""
    t = f.targets
    channel = t[t["partner_id"] == ""]
    rows = []
    for fy, kind in (("FY2026", "planted"), ("FY2025", "near_miss")):
        year = channel[channel["quarter"].str.startswith(fy)]
        goals = f.goals["years"][fy]
        revenue = year.loc[year["metric"] == "revenue", "target"].astype(float).sum()
        profit = year.loc[year["metric"] == "gross_profit", "target"].astype(float).sum()
        objective = float(goals["revenue_objective"])
        gp_objective = objective * float(goals["gross_margin_goal"])
        rows.append(
            TruthRow(
                "targets_short_of_objective",
                "company",
                "ALL",
                kind,
                f"official channel revenue targets {fy} sum to {usd_text(revenue)} USD against the "
                f"revenue objective {usd_text(objective)}: {revenue / objective:.1%}, "
                f"{usd_text(objective - revenue)} short; gross-profit targets "
                f"{usd_text(profit)} against {usd_text(gp_objective)} (objective x "
                f"gross_margin_goal {goals['gross_margin_goal']}): {profit / gp_objective:.1%}",
                period=fy,
            )
        )
    return rows


#: Over-indexing tolerance of the ground truth: share of revenue beyond focus + this (0-1).
OVER_INDEX_TOLERANCE = 0.05


def over_indexing(f: Facts) -> list[TruthRow]:
    """Segments and product lines whose FY2026 share of revenue exceeds their focus by more than
    :data:`OVER_INDEX_TOLERANCE` (planted), or by less (near miss)."""
    lines = f.lines
    fy26 = (lines.month >= 24) & (lines.month < 36)
    cents = lines.revenue_cents[fy26].astype(float)
    segments = np.array([c.segment for c in f.plan.customers])[lines.customer[fy26]]
    product_lines = np.array(PRODUCT_LINES)[f.products.product_line[lines.product[fy26]]]
    focus = f.goals["years"]["FY2026"]["strategic_focus"]
    rows = []
    for entity_type, key, values in (
        ("segment", "segments", segments),
        ("product_line", "product_lines", product_lines),
    ):
        for name, weight in focus[key].items():
            share = cents[values == name].sum() / cents.sum()
            over = share - float(weight)
            if over <= 0:
                continue
            kind = "planted" if over > OVER_INDEX_TOLERANCE else "near_miss"
            rows.append(
                TruthRow(
                    "over_indexing",
                    entity_type,
                    name,
                    kind,
                    f"{share:.1%} of FY2026 revenue against a focus of {float(weight):.0%}: "
                    f"{100 * over:+.1f} points ("
                    + ("beyond" if kind == "planted" else "within")
                    + f" a {100 * OVER_INDEX_TOLERANCE:.0f}-point tolerance)",
                    period="FY2026",
                )
            )
    return rows


def _quarters_sold(f: Facts) -> np.ndarray:
    """Whether each partner has a sales line in each quarter 0..REPORT_Q (partners x quarters)."""
    lines = f.lines
    has = lines.partner >= 0
    q = lines.month[has] // 3
    keep = q <= REPORT_Q
    out = np.zeros((len(f.plan.partners), REPORT_Q + 1), dtype=bool)
    out[lines.partner[has][keep], q[keep]] = True
    return out


def partner_recruited(f: Facts) -> list[TruthRow]:
    """Every partner onboarded during the data, in the quarter of its onboarding."""
    sold = _quarters_sold(f)
    rows = []
    for p in f.plan.partners:
        day = np.datetime64(p.onboarded_on)
        if not np.datetime64("2023-07-01") <= day <= np.datetime64("2026-06-30"):
            continue
        months = (day.astype("datetime64[M]") - np.datetime64("2023-07", "M")).astype(int)
        first = np.flatnonzero(sold[p.index])
        sale = (
            f"first sale in {quarter_label(int(first[0]))}"
            if len(first)
            else "no sale yet (recruited, not activated)"
        )
        rows.append(
            TruthRow(
                "partner_recruited",
                "partner",
                p.partner_id,
                "planted",
                f"onboarded {p.onboarded_on} ({CHANNELS[p.channel].channel_id}); {sale}",
                period=quarter_label(int(months) // 3),
            )
        )
    return rows


def partner_lapsed(f: Facts) -> list[TruthRow]:
    """Partners (not offboarded) with two quarters in a row without a sale after their first sale
    (planted, in the second such quarter); partners with exactly one such quarter (near miss)."""
    sold = _quarters_sold(f)
    rows = []
    for p in f.plan.partners:
        first = np.flatnonzero(sold[p.index])
        if p.offboarded_on or not len(first):
            continue
        empty = [q for q in range(int(first[0]), REPORT_Q + 1) if not sold[p.index, q]]
        runs: list[list[int]] = []
        for q in empty:
            if runs and runs[-1][-1] == q - 1:
                runs[-1].append(q)
            else:
                runs.append([q])
        for run in runs:
            named = " and ".join(quarter_label(q) for q in run)
            if len(run) >= 2:
                rows.append(
                    TruthRow(
                        "partner_lapsed",
                        "partner",
                        p.partner_id,
                        "planted",
                        f"no sales line in {named} (sold in {quarter_label(run[0] - 1)})",
                        period=quarter_label(run[1]),
                    )
                )
            else:
                after = (
                    f"sold again in {quarter_label(run[0] + 1)}"
                    if run[0] < REPORT_Q
                    else "no second quarter yet"
                )
                rows.append(
                    TruthRow(
                        "partner_lapsed",
                        "partner",
                        p.partner_id,
                        "near_miss",
                        f"exactly one quarter without a sale, {named}; {after}",
                        period=quarter_label(run[0]),
                    )
                )
    return rows


def _quarter_moves(f: Facts, i: int) -> np.ndarray:
    """Partner ``i``'s FY2025 quarters against the same quarters of FY2024 (changes, 0-1)."""
    pm = f.partner_month_usd[i, :24].reshape(8, 3).sum(axis=1)
    return pm[4:8] / pm[0:4] - 1


def unusual_move(f: Facts) -> list[TruthRow]:
    """Partners whose 20% move is unusual for them (steady history) and a batch orderer whose
    20% move is usual for it (near miss): their FY2025 quarters against FY2024's."""
    rows = []
    for role, kind in (
        ("our_sales_up", "planted"),
        ("our_sales_down", "planted"),
        ("lumpy", "near_miss"),
    ):
        for i in f.plan.roles[role]:
            moves = _quarter_moves(f, i)
            _, _, change = _year_change(f, i)
            verdict = (
                "steady history: the move is unusual for it"
                if kind == "planted"
                else "batch orderer (one order month a quarter): the move is usual for it"
            )
            rows.append(
                TruthRow(
                    "unusual_move",
                    "partner",
                    f.pid(i),
                    kind,
                    f"our {change}; its FY2025 quarters moved {moves.min():+.0%} to "
                    f"{moves.max():+.0%} on FY2024's (standard deviation {100 * moves.std(ddof=1):.0f} "
                    f"points): {verdict}",
                )
            )
    return rows


def margin_below_goal(f: Facts) -> list[TruthRow]:
    """Channels whose FY2026-Q4 gross margin is below their goal (own, else corporate) while
    FY2026 revenue grew (planted), and channels below the corporate goal but at or above their
    own (near miss)."""
    rev, cost = f.channel_revenue_usd, f.channel_cost_usd
    year = f.goals["years"]["FY2026"]
    corporate = float(year["gross_margin_goal"])
    rows = []
    for ci, spec in enumerate(CHANNELS):
        own = year["channels"].get(spec.channel_id, {}).get("gross_margin_goal")
        goal = corporate if own is None else float(own)
        q4 = 1 - cost[ci, 33:36].sum() / rev[ci, 33:36].sum()
        fy = 1 - cost[ci, 24:36].sum() / rev[ci, 24:36].sum()
        growth = rev[ci, 24:36].sum() / rev[ci, 12:24].sum() - 1
        q4_growth = rev[ci, 33:36].sum() / rev[ci, 21:24].sum() - 1
        margins = f"gross margin FY2026-Q4 {q4:.1%} (FY2026 {fy:.1%})"
        grew = f"revenue FY2026 {growth:+.1%} on FY2025 (FY2026-Q4 {q4_growth:+.1%} on FY2025-Q4)"
        if q4 < goal and growth > 0:
            whose = "its own goal" if own is not None else "the corporate goal"
            text = f"{margins} below {whose} {goal:.0%} while {grew}"
            rows.append(TruthRow("margin_below_goal", "channel", spec.channel_id, "planted", text))
        elif own is not None and goal <= q4 < corporate:
            text = (
                f"{margins}: below the corporate goal {corporate:.0%}, at or above its own goal "
                f"{goal:.0%} ({spec.channel_type}); {grew}"
            )
            rows.append(
                TruthRow("margin_below_goal", "channel", spec.channel_id, "near_miss", text)
            )
    return rows


#: Every case of the ground truth, in the order its rows are made (ties keep this order).
CASES: tuple[Callable[[Facts], list[TruthRow]], ...] = (
    our_sales_change,
    partner_total_sales_change,
    lost_customer,
    line_card_change,
    key_talent_loss,
    service_metrics,
    win_loss_deal,
    channel_dependency,
    margin_erosion,
    diminishing_returns,
    revenue_driven_spend,
    channel_conflict,
    role_departure,
    target_miss,
    stopped_reporting,
    new_partner,
    new_channel,
    partner_move,
    role_change,
    target_declining_partner,
    target_gaining_partner,
    target_growing_partner,
    targets_short_of_objective,
    over_indexing,
    partner_recruited,
    partner_lapsed,
    unusual_move,
    margin_below_goal,
    investment_cut,
    investment_raise,
    margin_driver,
)


def ground_truth(
    plan: Plan,
    lines: SalesLines,
    deals: dict[str, str],
    reports: pd.DataFrame,
    partners_now: pd.DataFrame,
    *,
    products: Products,
    targets: pd.DataFrame,
    goals: str,
    costs: pd.DataFrame,
) -> pd.DataFrame:
    """``ground_truth.csv`` from the plan, with the measured values in ``detail``.

    ``products``, ``targets`` (``targets.csv``'s cells) and ``goals`` (``goals.yaml``'s text) are
    what the target-setting and orientation cases measure; ``costs`` (``channel_costs.csv``'s
    cells) what the investment cases measure.

    Returns
    -------
    DataFrame
        Columns :data:`TRUTH_COLUMNS`; planted cases first, then near misses, each sorted by
        signal and entity id (stable: a case's own order breaks ties).
    """
    facts = Facts(
        plan, lines, deals, reports, partners_now, products, targets, yaml.safe_load(goals), costs
    )
    rows = [row for case in CASES for row in case(facts)]
    df = pd.DataFrame(
        [(r.signal, r.entity_type, r.entity_id, r.period, r.kind, r.detail) for r in rows],
        columns=TRUTH_COLUMNS,
    )
    order = {"planted": 0, "near_miss": 1}
    df["_k"] = df["kind"].map(order)
    return (
        df.sort_values(["_k", "signal", "entity_id"], kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )


def _total_sales_change(reports: pd.DataFrame) -> dict[str, float]:
    """partner_total_sales of each partner's last four reported quarters vs the four before."""
    r = reports[reports["partner_total_sales"] != ""].sort_values("quarter", kind="stable")
    out = {}
    for pid, g in r.groupby("partner_id", sort=True):
        v = g["partner_total_sales"].astype(float).to_numpy()
        if len(v) >= 8:
            out[str(pid)] = v[-4:].sum() / v[-8:-4].sum() - 1
    return out


__all__ = ["CASES", "TRUTH_COLUMNS", "Facts", "ground_truth"]
