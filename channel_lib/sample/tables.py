"""The small tables of the sample (everything but sales and the ground truth) and ``goals.yaml``.

Each builder returns a pandas DataFrame whose cells are already formatted text (money with exactly
two decimals, fixed decimals for rates), so writing it is byte-stable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.sample.plants import STREAMS
from channel_lib.sample.sales import Products, SalesLines
from channel_lib.sample.spec import (
    CHANNEL_INDEX,
    CHANNELS,
    FY_MONTHS,
    N_MONTHS,
    PRODUCT_LINES,
    REPORT_Q,
    Partner,
    Plan,
    month_start,
    quarter_label,
    rng_for,
)

DATA_END = np.datetime64("2026-07-10")


def money(cents: np.ndarray | int) -> np.ndarray:
    """Integer cents → text with exactly two decimals (``-0.50``)."""
    c = np.atleast_1d(np.asarray(cents, dtype=np.int64))
    sign = np.where(c < 0, "-", "")
    a = np.abs(c)
    return np.array(
        [f"{s}{d}.{r:02d}" for s, d, r in zip(sign, a // 100, a % 100, strict=True)], dtype=object
    )


def fixed(values: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers → text with a fixed number of decimals; NaN → empty."""
    return np.array(["" if np.isnan(v) else f"{v:.{decimals}f}" for v in values], dtype=object)


def integers(values: np.ndarray) -> np.ndarray:
    """Whole numbers (float array, NaN = missing) → text; NaN → empty."""
    return np.array(["" if np.isnan(v) else str(int(v)) for v in values], dtype=object)


def usd_text(x: float) -> str:
    """USD with thousands separators and two decimals (``1,234.50``)."""
    return f"{x:,.2f}"


# -- aggregates of the generated lines ---------------------------------------------------------------
def partner_month_cents(plan: Plan, lines: SalesLines) -> np.ndarray:
    """Revenue cents per partner (last row: direct) and month."""
    n_p = len(plan.partners)
    key = np.where(lines.partner < 0, n_p, lines.partner) * N_MONTHS + lines.month
    return (
        np.bincount(key, lines.revenue_cents, minlength=(n_p + 1) * N_MONTHS)
        .reshape(n_p + 1, N_MONTHS)
        .astype(np.int64)
    )


def channel_month(plan: Plan, lines: SalesLines, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` per channel and month."""
    key = lines.channel * N_MONTHS + lines.month
    return np.bincount(key, values, minlength=len(CHANNELS) * N_MONTHS).reshape(
        len(CHANNELS), N_MONTHS
    )


# -- entity tables ----------------------------------------------------------------------------------
def channels_table() -> pd.DataFrame:
    """``channels.csv``."""
    return pd.DataFrame(
        {
            "channel_id": [c.channel_id for c in CHANNELS],
            "channel_name": [c.name for c in CHANNELS],
            "channel_type": [c.channel_type for c in CHANNELS],
            "launched_on": [c.launched_on for c in CHANNELS],
        }
    )


def partners_table(plan: Plan) -> pd.DataFrame:
    """``partners.csv`` (partners as they are now: after any move)."""
    moved_tier = plan.roles["partner_move_tier"][0]
    rows = []
    for p in plan.partners:
        channel = CHANNELS[int(plan.partner_channel(p.index)[-1])].channel_id
        tier = (
            {"bronze": "silver", "silver": "gold", "gold": "gold"}[p.tier]
            if p.index == moved_tier
            else p.tier
        )
        if p.index == moved_tier and p.tier == "gold":
            tier = "silver"
        rows.append(
            (p.partner_id, p.name, channel, p.region, tier, p.onboarded_on, p.offboarded_on)
        )
    return pd.DataFrame(
        rows,
        columns=[
            "partner_id",
            "partner_name",
            "channel_id",
            "region",
            "tier",
            "onboarded_on",
            "offboarded_on",
        ],
    )


def partner_changes_table(plan: Plan, partners: pd.DataFrame) -> pd.DataFrame:
    """``partner_changes.csv``: the planted channel move and tier move, effective 2026-04-01."""
    moved = plan.partners[plan.roles["partner_move_channel"][0]]
    tier = plan.partners[plan.roles["partner_move_tier"][0]]
    new_tier = partners.loc[tier.index, "tier"]
    effective = str(month_start(plan.move_month))
    rows = [
        (moved.partner_id, effective, "channel_id", "DIST"),
        (tier.partner_id, effective, "tier", new_tier),
    ]
    return pd.DataFrame(
        rows, columns=["partner_id", "effective_on", "field", "new_value"]
    ).sort_values(["partner_id", "effective_on", "field"], kind="stable")


def customers_table(plan: Plan) -> pd.DataFrame:
    """``customers.csv``."""
    return pd.DataFrame(
        [(c.customer_id, c.name, c.segment, c.region) for c in plan.customers],
        columns=["customer_id", "customer_name", "segment", "region"],
    )


def products_table(products: Products) -> pd.DataFrame:
    """``products.csv``."""
    return pd.DataFrame(
        {
            "product_id": products.product_id,
            "product_line": [PRODUCT_LINES[i] for i in products.product_line],
            "list_price": money(products.list_cents),
        }
    )


# -- channel costs -----------------------------------------------------------------------------------
def channel_costs_table(plan: Plan, lines: SalesLines) -> pd.DataFrame:
    """``channel_costs.csv``: budgets with noise, DIST's co-op accruing at 2.5% of its revenue, ONL's
    marketing spend and RES's mdf + enablement that drive their Hill responses."""
    rng = rng_for(plan.seed, 4)
    revenue = channel_month(plan, lines, lines.revenue_cents.astype(float))
    rows: list[tuple[str, str, str, int, str]] = []
    budgets = {  # channel: [(cost_type, monthly USD, discretionary, noise sigma)]
        "DIR": [("channel_staff", 520_000, False, 0.02), ("enablement", 60_000, True, 0.25)],
        "DIST": [("channel_staff", 180_000, False, 0.02), ("mdf", 150_000, True, 0.3)],
        "RES": [
            ("channel_staff", 220_000, False, 0.02),
            ("mdf", 90_000, True, 0.3),
            ("enablement", 40_000, True, 0.3),
        ],
        "ONL": [("channel_staff", 60_000, False, 0.02)],
        "MSP": [
            ("channel_staff", 90_000, False, 0.02),
            ("enablement", 50_000, True, 0.3),
            ("mdf", 40_000, True, 0.3),
        ],
    }
    # RES's lever is planned (its revenue answers it): the enablement part, the rest is mdf
    enablement = np.round(plan.res_enablement * 100).astype(np.int64)
    planned = {
        "enablement": enablement,
        "mdf": np.round(plan.res_spend * 100).astype(np.int64) - enablement,
    }
    for m in range(36):
        month = str(month_start(m))[:7]
        raise_ = 1.03 ** (m // 12)
        for ci, spec in enumerate(CHANNELS):
            if spec.channel_id == "MSP" and m < 12:
                continue
            for cost_type, usd, disc, sigma in budgets[spec.channel_id]:
                amount = (
                    usd
                    * (raise_ if cost_type == "channel_staff" else 1.0)
                    * rng.lognormal(0.0, sigma)
                )  # drawn for every row, so the other rows keep their draws
                cents = round(amount * 100)
                if spec.channel_id == "RES" and cost_type in planned:
                    cents = planned[cost_type][m]
                rows.append((month, spec.channel_id, cost_type, cents, "true" if disc else "false"))
            if spec.channel_id == "DIST":
                rows.append((month, "DIST", "coop", round(0.025 * revenue[ci, m]), "true"))
                if m % 3 == 2:
                    rows.append(
                        (
                            month,
                            "DIST",
                            "rebates",
                            round(rng.uniform(250_000, 420_000) * 100),
                            "false",
                        )
                    )
            if spec.channel_id == "ONL":
                rows.append((month, "ONL", "mdf", round(plan.spend[m] * 100), "true"))
    df = pd.DataFrame(rows, columns=["month", "channel_id", "cost_type", "cents", "discretionary"])
    df = df.sort_values(["month", "channel_id", "cost_type"], kind="stable")
    df.insert(3, "amount", money(df["cents"].to_numpy()))
    return df.drop(columns="cents")


# -- partner reports ---------------------------------------------------------------------------------
#: Roles whose partners report every quarter (no random empty report hides their case).
FULL_REPORT_ROLES = (
    "talent",
    "talent_near",
    "line_card_lost",
    "line_card_gained",
    "line_card_near",
    "service_csat",
    "service_response",
    "service_near",
    "total_sales_up",
    "total_sales_down",
    "total_sales_near",
    "line_card_near_more",
)


def partner_reports_table(plan: Plan, lines: SalesLines) -> pd.DataFrame:
    """``partner_reports.csv`` with the planted report signals; ordinary partners stay clear."""
    rng = rng_for(plan.seed, 5)
    roles = plan.roles
    pm = partner_month_cents(plan, lines)
    total_ratio = {roles["total_sales_up"][0]: 1.28, roles["total_sales_down"][0]: 0.74}
    total_ratio.update(zip(roles["total_sales_near"], (1.15, 0.85, 1.17, 0.83, 1.12), strict=True))
    full_rows = {i for r in FULL_REPORT_ROLES for i in roles[r]}
    out = []
    for p in plan.partners:
        if not p.reports:
            continue
        q0 = max(0, p.first_month // 3)
        q1 = min(REPORT_Q, p.last_month // 3)
        if p.role == "stopped_reporting":
            q1 = REPORT_Q - 2
        quarters = np.arange(q0, q1 + 1)
        if len(quarters) == 0:
            continue
        out.append(
            _partner_reports(
                plan,
                p,
                quarters,
                rng,
                pm=pm,
                total_ratio=total_ratio,
                full_report=p.index in full_rows,
            )
        )
    df = pd.concat(out, ignore_index=True).sort_values(["quarter", "partner_id"], kind="stable")
    return _report_cells(df)


def _partner_reports(
    plan: Plan,
    p: Partner,
    quarters: np.ndarray,
    rng: np.random.Generator,
    *,
    pm: np.ndarray,
    total_ratio: dict[int, float],
    full_report: bool,
) -> pd.DataFrame:
    """One partner's reports (numbers, NaN = not reported) for ``quarters``, cases planted."""
    n = len(quarters)
    our_year = (
        max(
            pm[p.index, 12:24].sum(),
            pm[p.index].sum() / max(1, (p.last_month - p.first_month + 1) / 12),
        )
        / 100
    )
    wallet = rng.uniform(0.12, 0.4)
    season = np.array([0.9, 1.0, 0.95, 1.15])[quarters % 4]
    growth = rng.uniform(0.98, 1.03) ** (quarters - 4)
    total = our_year / wallet / 4 * season * growth * rng.lognormal(0.0, 0.04, n)
    empty = np.zeros(n, dtype=bool)
    if p.role == "ordinary" or p.role == "customer_host":
        empty = (rng.random(n) < 0.04) & (quarters <= 7)
    if full_report:
        empty[:] = False
    reported = np.flatnonzero(~empty)
    ratio = total_ratio.get(p.index, rng.uniform(0.92, 1.08))  # the draw is made for every partner
    if len(reported) >= 8:
        last4, prev4 = reported[-4:], reported[-8:-4]
        total[last4] *= ratio * total[prev4].sum() / total[last4].sum()
    headcount = np.clip(np.round(total * 4 / 450_000 * rng.lognormal(0, 0.05, n)), 2, 90)
    departures = rng.poisson(0.25, n).astype(float)
    departures[reported[-3:]] = 0
    rank = np.full(n, float(rng.integers(1, 7)))
    rank[(rng.random(n) < 0.05) & (quarters < REPORT_Q - 1)] = np.nan
    csat = np.round(rng.uniform(4.3, 4.9, n), 2)
    response = np.round(rng.uniform(2.0, 16.0, n), 1)
    _plant_report_case(
        plan, p, {q: k for k, q in enumerate(quarters)}, departures, rank, csat, response
    )
    certified = np.floor(headcount * rng.uniform(0.2, 0.7, n))
    pipeline = total * rng.uniform(0.4, 1.2, n)
    frame = pd.DataFrame(
        {
            "quarter": [quarter_label(q) for q in quarters],
            "partner_id": p.partner_id,
            "partner_total_sales": np.round(total, 2),
            "line_card_rank": rank,
            "sales_headcount": headcount,
            "key_sales_departures": departures,
            "csat": csat,
            "first_response_hours": response,
            "certified_staff": certified,
            "pipeline_value": np.round(pipeline, 2),
        }
    )
    frame.loc[empty, frame.columns[2:]] = np.nan
    return frame


def _plant_report_case(
    plan: Plan,
    p: Partner,
    r: dict[int, int],
    departures: np.ndarray,
    rank: np.ndarray,
    csat: np.ndarray,
    response: np.ndarray,
) -> None:
    """Set the report values of the partner's planted case (or near miss), in place.

    ``r`` maps a quarter index to its position in the partner's arrays.
    """
    roles = plan.roles
    last, prev, before = r.get(REPORT_Q), r.get(REPORT_Q - 1), r.get(REPORT_Q - 2)
    role = p.role
    if role == "talent":
        departures[last] = 2
    elif role == "talent_near":
        departures[before if roles["talent_near"].index(p.index) < 3 else r[REPORT_Q - 3]] = 1
    elif role == "line_card_lost":
        rank[:] = 2
        rank[last] = 4
    elif role == "line_card_gained":
        rank[:] = 3
        rank[last] = 1
    elif role == "line_card_near":
        k = roles["line_card_near"].index(p.index)
        rank[:] = 3
        if k == 0:  # a missing report between two equal ranks
            rank[prev] = np.nan
        elif k == 1:  # no rank reported this quarter
            rank[last] = np.nan
            rank[prev] = 2
        else:  # changed two reports ago, unchanged since
            rank[before:] = 2
    elif role == "service_csat":
        csat[last] = 3.6
    elif role == "service_response":
        response[last] = 31.5
    elif role == "service_near":
        k = roles["service_near"].index(p.index)
        if k == 0:
            csat[last] = 4.1
        elif k == 1:
            csat[last] = 4.15
        elif k == 2:
            response[last] = 22.5
        elif k == 3:
            response[last] = 23.5
        else:  # poor last quarter, recovered in the reporting quarter
            csat[prev], csat[last] = 3.7, 4.4
    more = roles.get("line_card_near_more", [])
    if p.index in more:  # the partner stays "ordinary": its case is only in plan.roles
        rank[:] = 4
        if more.index(p.index) == 0:  # changed the quarter before, unchanged in the report quarter
            rank[prev:] = 3
        else:  # no rank for two quarters, then the same rank again
            rank[before] = rank[prev] = np.nan


def _report_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The reports as the text cells of ``partner_reports.csv``."""
    return pd.DataFrame(
        {
            "quarter": df["quarter"].to_numpy(),
            "partner_id": df["partner_id"].to_numpy(),
            "partner_total_sales": _money_or_empty(df["partner_total_sales"].to_numpy()),
            "line_card_rank": integers(df["line_card_rank"].to_numpy()),
            "sales_headcount": integers(df["sales_headcount"].to_numpy()),
            "key_sales_departures": integers(df["key_sales_departures"].to_numpy()),
            "csat": fixed(df["csat"].to_numpy(), 2),
            "first_response_hours": fixed(df["first_response_hours"].to_numpy(), 1),
            "certified_staff": integers(df["certified_staff"].to_numpy()),
            "pipeline_value": _money_or_empty(df["pipeline_value"].to_numpy()),
        }
    )


def _money_or_empty(usd: np.ndarray) -> np.ndarray:
    cents = np.round(np.nan_to_num(usd) * 100).astype(np.int64)
    return np.where(np.isnan(usd), "", money(cents)).astype(object)


# -- opportunities ------------------------------------------------------------------------------------
#: planted and near-miss deals: (key, kind, amount USD, outcome, registered_on, close_date)
DEALS = (
    ("win_loss_won", "planted", 460_000, "won", "2026-01-12", "2026-05-14"),
    ("win_loss_lost", "planted", 385_000, "lost", "2026-02-03", "2026-06-09"),
    ("near_won_290k", "near_miss", 290_000, "won", "2026-01-20", "2026-05-20"),
    ("near_lost_285k", "near_miss", 285_000, "lost", "2026-02-16", "2026-06-02"),
    ("near_open_520k", "near_miss", 520_000, "open", "2026-05-05", ""),
    ("near_won_previous_quarter", "near_miss", 350_000, "won", "2025-11-04", "2026-03-18"),
    ("near_lost_next_quarter", "near_miss", 330_000, "lost", "2026-03-02", "2026-07-03"),
)


def opportunities_table(plan: Plan) -> tuple[pd.DataFrame, dict[str, str]]:
    """``opportunities.csv`` and the opportunity id of each planted / near-miss deal."""
    rng = rng_for(plan.seed, 6)
    eligible = [
        p
        for p in plan.partners
        if p.role not in ("never_ordered",)
        and p.fy_total
        and CHANNELS[p.channel].channel_id != "ONL"
    ]
    rows = [row for p in eligible for row in _ordinary_deals(plan, p, rng)]
    rows += _planted_deals(plan, eligible, rng)
    return _numbered_opportunities(rows)


#: Loss reasons of the ordinary lost deals.
LOSS_REASONS = ("price", "competitor", "no decision", "timing", "budget")


def _ordinary_deals(plan: Plan, p: Partner, rng: np.random.Generator) -> list[tuple]:
    """The partner's ordinary deals, as rows of :func:`_numbered_opportunities`."""
    rows = []
    start = max(np.datetime64(p.onboarded_on), np.datetime64("2023-07-01"))
    end = np.datetime64(p.offboarded_on) if p.offboarded_on else DATA_END
    n = rng.poisson(2 + 40 * p.fy_total.get("FY2025", p.fy_total.get("FY2026", 0)) / 50e6 * 15 / 4)
    span = int((end - start).astype(int))
    for _ in range(n):
        reg = start + int(rng.integers(0, max(span, 1)))
        close = reg + int(rng.integers(20, 200))
        amount = float(np.clip(np.round(rng.lognormal(np.log(35_000), 0.9), -2), 2_000, 240_000))
        if close > DATA_END:
            outcome, close_s = "open", ""
        else:
            outcome = str(rng.choice(["won", "lost", "open"], p=[0.5, 0.35, 0.15]))
            close_s = "" if outcome == "open" else str(close)
        ids, _ = plan.pools.get(p.index, (np.array([], dtype=np.int64), None))
        customer = (
            plan.customers[int(rng.choice(ids))].customer_id
            if len(ids) and rng.random() < 0.75
            else ""
        )
        reason = str(rng.choice(LOSS_REASONS)) if outcome == "lost" else ""
        rows.append(
            (str(reg), p.partner_id, customer, round(amount * 100), outcome, close_s, reason, "")
        )
    return rows


def _planted_deals(plan: Plan, eligible: list[Partner], rng: np.random.Generator) -> list[tuple]:
    """The deals of :data:`DEALS`, each with an ordinary partner present from the start."""
    hosts = [
        p for p in eligible if p.role == "ordinary" and p.first_month == 0 and not p.offboarded_on
    ]
    picks = rng.choice(len(hosts), size=len(DEALS), replace=False)
    rows = []
    for (key, _kind, usd, outcome, reg, close), k in zip(DEALS, picks, strict=True):
        p = hosts[int(k)]
        ids, _ = plan.pools[p.index]
        reason = "competitor" if outcome == "lost" else ""
        customer = plan.customers[int(ids[0])].customer_id
        rows.append((reg, p.partner_id, customer, usd * 100, outcome, close, reason, key))
    return rows


def _numbered_opportunities(rows: list[tuple]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Deal rows (registered_on, partner, customer, cents, outcome, close, reason, key) sorted and
    numbered as ``opportunities.csv``, and the opportunity id of each keyed deal."""
    df = pd.DataFrame(
        rows,
        columns=[
            "registered_on",
            "partner_id",
            "customer_id",
            "cents",
            "outcome",
            "close_date",
            "loss_reason",
            "key",
        ],
    )
    df = df.sort_values(["registered_on", "partner_id", "cents", "key"], kind="stable").reset_index(
        drop=True
    )
    df.insert(0, "opportunity_id", [f"OPP-{i + 1:05d}" for i in range(len(df))])
    df.insert(3, "amount", money(df["cents"].to_numpy()))
    keys = {k: oid for k, oid in zip(df["key"], df["opportunity_id"], strict=True) if k}
    df = df[
        [
            "opportunity_id",
            "partner_id",
            "customer_id",
            "amount",
            "registered_on",
            "outcome",
            "close_date",
            "loss_reason",
        ]
    ]
    return df, keys


# -- targets -------------------------------------------------------------------------------------------
def targets_table(plan: Plan, lines: SalesLines) -> pd.DataFrame:
    """``targets.csv``: official channel and partner targets for FY2026 and FY2027-Q1."""
    rng = rng_for(plan.seed, 7)
    rev = channel_month(plan, lines, lines.revenue_cents.astype(float))
    gp = channel_month(plan, lines, (lines.revenue_cents - lines.cost_cents).astype(float))
    pm = partner_month_cents(plan, lines)
    res = CHANNEL_INDEX["RES"]
    rows = []
    for q in range(8, 13):
        months = slice(3 * q, 3 * q + 3) if q < 12 else slice(24, 27)
        growth = 1.0 if q < 12 else 1.07
        for ci, spec in enumerate(CHANNELS):
            attain = 0.86 if (ci == res and q == REPORT_Q) else rng.uniform(1.03, 1.08)
            rows.append(
                (
                    quarter_label(q),
                    spec.channel_id,
                    "",
                    "revenue",
                    round(rev[ci, months].sum() * growth / attain, -5),
                )
            )
            if q < 12:
                rows.append(
                    (
                        quarter_label(q),
                        spec.channel_id,
                        "",
                        "gross_profit",
                        round(gp[ci, months].sum() / rng.uniform(1.03, 1.07), -5),
                    )
                )
        for ci in (CHANNEL_INDEX["DIST"], CHANNEL_INDEX["RES"], CHANNEL_INDEX["MSP"]):
            members = [
                p
                for p in plan.partners
                if p.channel == ci
                and p.role == "ordinary"
                and "FY2025" in p.fy_total
                and p.index not in plan.channel_of_month
            ]
            members.sort(key=lambda p: (-p.fy_total["FY2025"], p.index))
            for p in members[:3]:
                rows.append(
                    (
                        quarter_label(q),
                        CHANNELS[ci].channel_id,
                        p.partner_id,
                        "revenue",
                        round(pm[p.index, months].sum() * growth / rng.uniform(1.03, 1.08), -3),
                    )
                )
    rows += _fy2025_targets(plan, rev, gp, objectives(plan, lines)["FY2025"])
    df = pd.DataFrame(rows, columns=["quarter", "channel_id", "partner_id", "metric", "cents"])
    df = df.sort_values(["quarter", "channel_id", "partner_id", "metric"], kind="stable")
    df["target"] = money(df["cents"].astype(np.int64).to_numpy())
    return df.drop(columns="cents")


def _fy2025_targets(
    plan: Plan, rev: np.ndarray, gp: np.ndarray, objective: tuple[float, float]
) -> list[tuple[str, str, str, str, float]]:
    """Official FY2025 channel targets (revenue and gross profit, cents): each channel's quarters
    at its actual revenue times a channel factor, scaled so that the year's targets sum to
    99.3-99.7% of the objective (the near miss of ``targets_short_of_objective``), rounded to
    10,000 USD. Own random stream, so the FY2026 targets do not move."""
    rng = rng_for(plan.seed, STREAMS["targets_fy2025"])
    lean = rng.uniform(0.97, 1.03, len(CHANNELS))
    rows = []
    for metric, values, goal in (
        ("revenue", rev, objective[0]),
        ("gross_profit", gp, objective[1]),
    ):
        year = values[:, 12:24] * lean[:, None]
        scale = goal * 100 * rng.uniform(0.993, 0.997) / year.sum()
        for q in range(4, 8):
            for ci, spec in enumerate(CHANNELS):
                cents = year[ci, 3 * q - 12 : 3 * q - 9].sum() * scale
                rows.append((quarter_label(q), spec.channel_id, "", metric, round(cents, -6)))
    return rows


# -- goals.yaml ----------------------------------------------------------------------------------------
def objectives(plan: Plan, lines: SalesLines) -> dict[str, tuple[float, float]]:
    """Revenue objective (USD, rounded to 100,000 as ``goals.yaml`` writes it) and gross-profit
    objective (the revenue objective times the year's gross-margin goal) per fiscal year."""
    rev = channel_month(plan, lines, lines.revenue_cents.astype(float)).sum(axis=0) / 100
    cost = channel_month(plan, lines, lines.cost_cents.astype(float)).sum(axis=0) / 100
    actual = {fy: rev[list(m)].sum() for fy, m in FY_MONTHS.items()}
    margin = {fy: 1 - cost[list(m)].sum() / rev[list(m)].sum() for fy, m in FY_MONTHS.items()}
    margin["FY2027"] = margin["FY2026"]
    growth = {"FY2024": 1.02, "FY2025": 1.03, "FY2026": 1.02}
    out = {}
    for fy in ("FY2024", "FY2025", "FY2026", "FY2027"):
        base = actual["FY2026"] * 1.08 if fy == "FY2027" else actual[fy] * growth[fy]
        objective = float(round(base, -5))
        goal = float(np.round(margin[fy] + 0.01, 2))
        out[fy] = (objective, objective * goal, goal)
    return out


def channel_margin_goals(plan: Plan, lines: SalesLines) -> dict[str, float]:
    """Per-channel ``gross_margin_goal`` of FY2026 and FY2027 (the ``margin_below_goal`` case).

    MSP (managed services, recurring revenue) is held to a goal 3 points above its best FY2026
    margin (FY2026 or FY2026-Q4), so it sits below its own goal while its revenue grows; DIST and
    RES get a goal one point under their lower margin (their roles, distribution and solution
    selling, run below the corporate goal), so they sit at or above their own goal.
    """
    rev = channel_month(plan, lines, lines.revenue_cents.astype(float))
    cost = channel_month(plan, lines, lines.cost_cents.astype(float))
    out = {}
    for cid, step in (("DIST", -1), ("RES", -1), ("MSP", 3)):
        ci = CHANNEL_INDEX[cid]
        fy = 1 - cost[ci, 24:36].sum() / rev[ci, 24:36].sum()
        q4 = 1 - cost[ci, 33:36].sum() / rev[ci, 33:36].sum()
        if step < 0:
            out[cid] = float(np.floor(min(fy, q4) * 100 + step) / 100)
        else:
            out[cid] = float(np.ceil(max(fy, q4) * 100 + step) / 100)
    return out


_ROLES = {
    "DIR": "{role: strategic_accounts, role_weight: 1.3, segments: [enterprise], "
    "product_lines: [platform, subscriptions, services], customer_focus: expansion}",
    "DIST": "{role: distribution, role_weight: 1.0, segments: [mid_market, smb], "
    "product_lines: [platform, subscriptions, accessories], customer_focus: coverage}",
    "RES": "{role: solution_selling, role_weight: 1.1, segments: [mid_market, enterprise], "
    "product_lines: [platform, services], customer_focus: acquisition}",
    "ONL": "{role: online_marketplace, role_weight: 0.6, segments: [smb], "
    "product_lines: [accessories, subscriptions], customer_focus: acquisition}",
    "MSP": "{role: managed_services, role_weight: 0.8, segments: [mid_market, smb], "
    "product_lines: [subscriptions, services], customer_focus: expansion}",
}
MSP_ROLE_FY2027 = (
    "{role: recurring_revenue_growth, role_weight: 1.2, segments: [mid_market, smb], "
    "product_lines: [subscriptions, services], customer_focus: acquisition}"
)


def goals_yaml(plan: Plan, lines: SalesLines, products: Products) -> str:
    """``goals.yaml``: one section per fiscal year FY2024..FY2027 and the default signal thresholds.

    FY2026's subscriptions focus is set 2 points under the share subscriptions actually reach
    (the ``over_indexing`` near miss: over its focus, within a 5-point tolerance); DIST, RES and
    MSP carry their own ``gross_margin_goal`` from FY2026 (:func:`channel_margin_goals`).
    """
    goals = objectives(plan, lines)
    line_of = products.product_line[lines.product]
    fy26 = (lines.month >= 24) & (lines.month < 36)
    by_line = np.bincount(line_of[fy26], lines.revenue_cents[fy26], minlength=len(PRODUCT_LINES))
    subscriptions = float(np.round(by_line[1] / by_line.sum() - 0.02, 2))
    platform = float(np.round(1 - subscriptions - 0.2 - 0.1, 2))
    own_goal = channel_margin_goals(plan, lines)
    focus = {
        "FY2024": (
            "{enterprise: 0.4, mid_market: 0.35, smb: 0.25}",
            "{platform: 0.5, subscriptions: 0.2, services: 0.15, accessories: 0.15}",
            0.2,
        ),
        "FY2025": (
            "{enterprise: 0.4, mid_market: 0.35, smb: 0.25}",
            "{platform: 0.45, subscriptions: 0.25, services: 0.15, accessories: 0.15}",
            0.2,
        ),
        "FY2026": (
            "{enterprise: 0.45, mid_market: 0.35, smb: 0.2}",
            f"{{platform: {platform:g}, subscriptions: {subscriptions:g}, services: 0.2, "
            "accessories: 0.1}",
            0.15,
        ),
        "FY2027": (
            "{enterprise: 0.45, mid_market: 0.35, smb: 0.2}",
            "{platform: 0.35, subscriptions: 0.4, services: 0.2, accessories: 0.05}",
            0.15,
        ),
    }
    out = [
        "# Corporate goals of the sample company (generated by channel_lib.sample; do not edit by hand).",
        "# A July-June fiscal year named by the calendar year in which it ends (FY2026 = Jul 2025 - Jun 2026).",
        "currency: USD",
        "fiscal_year:",
        "  start_month: 7",
        "  naming: end",
        "signals:  # the defaults, written out",
        "  partner_sales_change: 0.20",
        "  our_sales_change: 0.20",
        "  lost_customer_share: 0.01",
        "  lost_customer_window_quarters: 2",
        "  key_talent_quarters: 2",
        "  csat_min: 4.0",
        "  first_response_hours_max: 24.0",
        "  win_loss_amount: 300000",
        "  dependency_share: 0.30",
        "  min_revenue_at_stake: 50000",
        "years:",
    ]
    for fy in ("FY2024", "FY2025", "FY2026", "FY2027"):
        segments, product_lines, new_share = focus[fy]
        out += [
            f"  {fy}:",
            f"    revenue_objective: {goals[fy][0]:.0f}",
            f"    gross_margin_goal: {goals[fy][2]:.2f}",
            f"    managing_for: {'revenue' if fy < 'FY2026' else 'revenue_and_profit'}",
            "    strategic_focus:",
            f"      segments: {segments}",
            f"      product_lines: {product_lines}",
            f"      new_customer_share: {new_share:.2f}",
            "    channels:",
        ]
        for spec in CHANNELS:
            if spec.channel_id == "MSP" and fy == "FY2024":
                continue
            role = (
                MSP_ROLE_FY2027
                if (spec.channel_id == "MSP" and fy == "FY2027")
                else _ROLES[spec.channel_id]
            )
            if spec.channel_id in own_goal and fy >= "FY2026":
                role = f"{role[:-1]}, gross_margin_goal: {own_goal[spec.channel_id]:.2f}}}"
            out.append(f"      {spec.channel_id}: {role}")
    return "\n".join(out) + "\n"
