"""The sample's partners: who they are, which planted case each plays, their yearly revenue plan
and its spread over the months."""

from __future__ import annotations

import numpy as np

from channel_lib.sample.names import PARTNER_WORDS, company_names, weighted_choice
from channel_lib.sample.spec import (
    CHANNEL_INDEX,
    CHANNELS,
    FY_MONTHS,
    N_MONTHS,
    REGIONS,
    Partner,
)


def make_partners(rng: np.random.Generator) -> list[Partner]:
    partners: list[Partner] = []

    def add(channel: str, name: str, onboarded: str, **kw: object) -> Partner:
        p = Partner(
            index=len(partners),
            partner_id=f"P{len(partners) + 1:03d}",
            name=name,
            channel=CHANNEL_INDEX[channel],
            region=weighted_choice(rng, REGIONS, 1)[0],
            tier="",
            onboarded_on=onboarded,
            **kw,
        )  # type: ignore[arg-type]
        partners.append(p)
        return p

    for spec in CHANNELS[1:]:
        names = company_names(rng, spec.n_partners, PARTNER_WORDS[spec.channel_id])
        for i in range(spec.n_partners):
            if spec.channel_id == "MSP":
                onboarded, first = "2024-07-01", 12
            else:
                day = int(rng.integers(0, 8 * 365))
                onboarded, first = str(np.datetime64("2015-01-05") + day), 0
            p = add(spec.channel_id, names[i], onboarded, first_month=first)
            p.reports = spec.channel_id != "ONL"
    # partners that never ordered
    for name in company_names(rng, 5, PARTNER_WORDS["RES"]):
        day = int(rng.integers(0, 500))
        p = add(
            "RES",
            name,
            str(np.datetime64("2024-01-08") + day),
            role="never_ordered",
            first_month=N_MONTHS,
        )
        p.reports = False
    # a reseller offboarded in FY2024: both windows of the sales signal are empty
    p = add(
        "RES",
        company_names(rng, 1, PARTNER_WORDS["RES"])[0],
        "2019-05-13",
        offboarded_on="2024-03-31",
        role="offboarded",
        last_month=8,
    )
    # the partner onboarded in the reporting quarter
    add(
        "MSP",
        company_names(rng, 1, PARTNER_WORDS["MSP"])[0],
        "2026-04-20",
        role="new_partner",
        first_month=34,
    )
    return partners


def assign_roles(rng: np.random.Generator, partners: list[Partner]) -> dict[str, list[int]]:
    """Pick which partners carry which case; every partner carries at most one."""
    by_channel = {
        c.channel_id: [
            p.index
            for p in partners
            if CHANNELS[p.channel].channel_id == c.channel_id and p.role == "ordinary"
        ]
        for c in CHANNELS
    }
    roles: dict[str, list[int]] = {
        "new_partner": [p.index for p in partners if p.role == "new_partner"]
    }
    # DIST hosts of the special customers are chosen by size later (plan_partner_years ranks them)
    free = [*by_channel["RES"], *by_channel["MSP"], *by_channel["DIST"]]
    free = [free[i] for i in rng.permutation(len(free))]
    res_free = [i for i in free if CHANNELS[partners[i].channel].channel_id == "RES"]
    wanted = {
        "partner_move_channel": (1, res_free),
        "our_sales_up": (1, res_free),
        "our_sales_down": (1, res_free),
        "our_sales_near": (5, res_free),
        "total_sales_up": (1, free),
        "total_sales_down": (1, free),
        "total_sales_near": (5, free),
        "line_card_lost": (1, free),
        "line_card_gained": (1, free),
        "line_card_near": (3, free),
        "talent": (1, free),
        "talent_near": (5, free),
        "service_csat": (1, free),
        "service_response": (1, free),
        "service_near": (5, free),
        "stopped_reporting": (1, free),
        "partner_move_tier": (1, free),
    }
    taken: set[int] = set()
    for role, (n, pool) in wanted.items():
        chosen = [i for i in pool if i not in taken][:n]
        taken.update(chosen)
        roles[role] = chosen
        for i in chosen:
            partners[i].role = role
    # a fifth of the remaining resellers never send partner reports
    rest = [i for i in by_channel["RES"] if i not in taken]
    for i in rest[: len(rest) // 5]:
        partners[i].reports = False
    return roles


def plan_partner_years(
    rng: np.random.Generator, partners: list[Partner], roles: dict[str, list[int]]
) -> None:
    """Annual revenue per partner: channel totals split by size, year-on-year ratios by role."""
    near = {"our_sales_near": (1.15, 0.86, 1.17, 0.84, 1.13)}
    for ci, spec in enumerate(CHANNELS[1:], start=1):
        members = [
            p
            for p in partners
            if p.channel == ci and p.role not in ("never_ordered", "offboarded", "new_partner")
        ]
        sigma = {"DIST": 0.4, "RES": 0.8, "ONL": 0.3, "MSP": 0.6}[spec.channel_id]
        w = rng.lognormal(0.0, sigma, len(members))
        w = w / w.sum()
        for p, share in zip(members, w, strict=True):
            p.fy_total["FY2025"] = spec.revenue_fy2025 * share
            p.sales_ratio = (
                float(rng.uniform(0.93, 1.09))
                if spec.channel_id != "MSP"
                else float(rng.uniform(1.03, 1.09))
            )
            if p.first_month == 0:
                p.fy_total["FY2024"] = p.fy_total["FY2025"] / rng.uniform(0.93, 1.08)
            tiers = ("gold", "silver", "bronze")
            rank = share * len(members)
            p.tier = tiers[0] if rank > 1.6 else tiers[1] if rank > 0.7 else tiers[2]
            p.sporadic = spec.channel_id == "RES" and rank < 0.5 and p.role == "ordinary"
    for role, ratio in (("our_sales_up", 1.30), ("our_sales_down", 0.72)):
        partners[roles[role][0]].sales_ratio = ratio
    for i, ratio in zip(roles["our_sales_near"], near["our_sales_near"], strict=True):
        partners[i].sales_ratio = ratio
    for p in partners:
        if "FY2025" not in p.fy_total:
            continue
        if p.role.startswith("our_sales"):  # partners whose change is planted are not tiny
            least = rng.uniform(150_000, 300_000)
            if p.fy_total["FY2025"] < least:
                grow = least / p.fy_total["FY2025"]
                p.fy_total = {k: v * grow for k, v in p.fy_total.items()}
        p.fy_total["FY2026"] = p.fy_total["FY2025"] * p.sales_ratio
    off = next(p for p in partners if p.role == "offboarded")
    off.fy_total = {"FY2024": 180_000.0}
    off.tier = "bronze"
    new = next(p for p in partners if p.role == "new_partner")
    new.fy_total = {"FY2026": 140_000.0}
    new.tier = "silver"
    for p in partners:
        if p.role == "never_ordered":
            p.tier = "bronze"


def monthly_profiles(rng: np.random.Generator, partners: list[Partner]) -> np.ndarray:
    """Share of each fiscal year's revenue per month, per partner (rows sum to 1 per year)."""
    prof = np.zeros((len(partners), N_MONTHS))
    for p in partners:
        season = np.array(CHANNELS[p.channel].season)
        noise = rng.lognormal(0.0, 0.12, N_MONTHS)
        active = (np.arange(N_MONTHS) >= p.first_month) & (np.arange(N_MONTHS) <= p.last_month)
        if p.sporadic:
            active &= rng.random(N_MONTHS) > 0.3
        for fy, months in FY_MONTHS.items():
            m = np.array(months)
            base = season * noise[m] * active[m]
            if CHANNELS[p.channel].channel_id == "MSP" and fy == "FY2025":
                base = base * np.minimum(1.0, 0.35 + 0.22 * np.arange(12))  # ramp after launch
            if base.sum() == 0 and fy in p.fy_total:
                base = season * active[m] + 1e-9 * (m >= p.first_month)
            prof[p.index, m] = base / base.sum() if base.sum() > 0 else 0.0
        prof[p.index, 36] = prof[p.index, 24] * 10 / 31 if p.last_month >= 36 else 0.0
    return prof
