"""The sample's revenue plan per stream and month: ONL's spend response, the partners' months,
the special customers carved out of the pools, the plan's cells, the pools' customers and the
margin plan.

A *stream* is a partner's pool of customers, or one named customer at one partner; a *cell* is a
stream's planned cents in one month. The sales lines built later sum exactly to the cells.
"""

from __future__ import annotations

import numpy as np

from channel_lib.sample.names import WORDS_B, company_names, weighted_choice
from channel_lib.sample.spec import (
    BASE_MONTHS,
    CHANNEL_INDEX,
    CHANNELS,
    CONFLICT_GROUP,
    CUSTOMER_CAP_SHARE,
    FY_MONTHS,
    HILL_K,
    HILL_N,
    HILL_VMAX,
    MSP_EROSION_PER_MONTH,
    MSP_EROSION_START,
    N_MONTHS,
    REGIONS,
    Customer,
    Partner,
    Special,
)


def onl_spend(rng: np.random.Generator) -> np.ndarray:
    """ONL's monthly discretionary spend: FY2026 reuses FY2025's amounts in another order, with
    the three largest in FY2026-Q4, so that the reporting quarter spends far past the
    half-saturation (and every year's Hill response, hence ONL's yearly revenue, is unchanged)."""
    spend = np.zeros(N_MONTHS)
    spend[0:12] = rng.uniform(10_000, 450_000, 12)
    spend[12:24] = rng.uniform(10_000, 450_000, 12)
    order = rng.permutation(12)
    top = set(np.argsort(spend[12:24])[-3:].tolist())
    order = [i for i in order if i not in top] + [i for i in order if i in top]
    spend[24:36] = spend[12:24][order]
    spend[36] = 0.0
    return np.round(spend, -2)


def hill(spend: np.ndarray) -> np.ndarray:
    """ONL's Hill response ``vmax * s^n / (K^n + s^n)`` of monthly revenue to monthly spend."""
    return HILL_VMAX * spend**HILL_N / (HILL_K**HILL_N + spend**HILL_N)


def hill_slope(spend: float) -> float:
    """Revenue from one more USD of ONL spend at ``spend`` USD/month (the derivative of :func:`hill`)."""
    r = (spend / HILL_K) ** HILL_N
    return HILL_VMAX * HILL_N * r / (spend * (1 + r) ** 2)


def onl_monthly(spend: np.ndarray) -> np.ndarray:
    """ONL's planned channel revenue per month: a seasonal baseline plus the Hill response."""
    spec = CHANNELS[CHANNEL_INDEX["ONL"]]
    season = np.tile(np.array(spec.season), 4)[:N_MONTHS]
    growth = np.repeat([0.95, 1.0, 1.05, 1.05], 12)[:N_MONTHS]
    monthly = spec.revenue_fy2025 / 12
    out = 0.45 * monthly * season * growth + hill(spend)
    out[36] = out[24] * 1.05 * 10 / 31
    return out


def partner_months(partners: list[Partner], prof: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Planned revenue per partner and month (last row: the direct channel)."""
    out = np.zeros((len(partners) + 1, N_MONTHS))
    for p in partners:
        if CHANNELS[p.channel].channel_id == "ONL":
            continue
        for fy, months in FY_MONTHS.items():
            m = np.array(months)
            out[p.index, m] = p.fy_total.get(fy, 0.0) * prof[p.index, m]
        out[p.index, 36] = (
            p.fy_total.get("FY2026", 0.0) * prof[p.index, 36] * p.sales_ratio ** (1 / 12)
        )
    onl = [p for p in partners if CHANNELS[p.channel].channel_id == "ONL"]
    w = np.array([p.fy_total["FY2025"] for p in onl])
    channel = onl_monthly(spend)
    for p, share in zip(onl, w / w.sum(), strict=True):
        out[p.index] = channel * share
        p.fy_total = {fy: float(out[p.index, list(m)].sum()) for fy, m in FY_MONTHS.items()}
        p.sales_ratio = p.fy_total["FY2026"] / p.fy_total["FY2025"]
    # direct channel: one pool of strategic accounts
    spec = CHANNELS[0]
    season = np.tile(np.array(spec.season), 4)[:N_MONTHS]
    for fy, ratio in (("FY2024", 0.96), ("FY2025", 1.0), ("FY2026", 1.04)):
        m = np.array(FY_MONTHS[fy])
        out[-1, m] = spec.revenue_fy2025 * ratio * season[m] / season[m].sum()
    out[-1, 36] = out[-1, 24] * 1.04 * 10 / 31
    return out


def make_specials(
    rng: np.random.Generator,
    partners: list[Partner],
    roles: dict[str, list[int]],
    customers: list[Customer],
    company_base: float,
) -> tuple[list[Special], np.ndarray]:
    """Named customers: the lost one, the near misses, and the customers in channel conflict."""
    dist = sorted(
        (p for p in partners if CHANNELS[p.channel].channel_id == "DIST" and p.role == "ordinary"),
        key=lambda p: (-p.fy_total["FY2025"], p.index),
    )
    res = sorted(
        (
            p
            for p in partners
            if CHANNELS[p.channel].channel_id == "RES" and p.role == "ordinary" and not p.sporadic
        ),
        key=lambda p: (-p.fy_total["FY2025"], p.index),
    )
    names = company_names(rng, 8 + CONFLICT_GROUP, WORDS_B)
    regions = weighted_choice(rng, REGIONS, 8 + CONFLICT_GROUP)

    def customer(segment: str) -> int:
        k = len(customers)
        customers.append(Customer(f"C{k + 1:05d}", names[k], segment, regions[k]))
        return k

    before_window = np.arange(0, 30)
    specials: list[Special] = []
    hosts = {
        "lost": dist[0],
        "moved_from": dist[2],
        "moved_to": dist[1],
        "annual": dist[3],
        "small_stop_a": dist[4],
    }
    for p in hosts.values():
        p.role = "customer_host"
    c = customer("mid_market")
    specials.append(Special("lost", c, dist[0].index, before_window, 0.014, 0.28))
    c = customer("mid_market")
    specials.append(Special("moved_from", c, dist[2].index, before_window, 0.013, 0.29))
    specials.append(Special("moved_to", c, dist[1].index, np.arange(30, N_MONTHS), 0.013, 0.29))
    c = customer("mid_market")
    specials.append(Special("annual", c, dist[3].index, np.array([3, 15, 27]), 0.012, 0.30))
    c = customer("smb")
    specials.append(Special("small_stop_a", c, dist[4].index, before_window, 0.008, 0.30))
    c = customer("enterprise")
    specials.append(Special("small_stop_b", c, -1, before_window, 0.0065, 0.12))
    c = customer("enterprise")
    specials.append(Special("late_stop", c, -1, np.arange(0, 31), 0.012, 0.12))
    c = customer("enterprise")
    specials.append(
        Special("two_quarters", c, -1, np.array([6, 7, 8, 18, 19, 20, 27, 28, 29]), 0.011, 0.12)
    )
    group = np.array([customer("mid_market") for _ in range(CONFLICT_GROUP)])
    dist_host, res_host = dist[5], res[0]
    dist_host.role = res_host.role = "conflict_host"
    for key, host, disc in (("conflict_dist", dist_host, 0.34), ("conflict_res", res_host, 0.12)):
        share = 0.35 * host.fy_total["FY2025"] / company_base
        specials.append(
            Special(key, -1, host.index, np.arange(0, N_MONTHS), share, disc, round_robin=group)
        )
    roles["customer_hosts"] = [p.index for p in hosts.values()]
    roles["conflict_hosts"] = [dist_host.index, res_host.index]
    return specials, group


def plan_cells(
    partners: list[Partner], totals: np.ndarray, specials: list[Special], company_base: float
) -> dict[str, np.ndarray]:
    """Split each partner's planned months into its pool stream and its special streams (cents).

    Returns
    -------
    dict of arrays
        One entry per cell (a stream's month with revenue): ``channel``, ``partner``, ``month``,
        ``pool``, ``customer``, ``group``, ``discount``, ``stream`` and ``cents``.
    """
    special_rows, carve = _special_months(totals, specials, company_base)
    pool = _pool_months(totals, carve)
    return _stream_cells(partners, pool, specials, special_rows)


def _special_months(
    totals: np.ndarray, specials: list[Special], company_base: float
) -> tuple[list[np.ndarray], np.ndarray]:
    """USD per month of each special stream, and the revenue they carve out of each host
    (rows as ``totals``: partners, then the direct channel)."""
    n_p = len(totals) - 1
    special_rows = []
    carve = np.zeros_like(totals)
    for s in specials:
        row = np.zeros(N_MONTHS)
        base_months = [m for m in s.months if m in BASE_MONTHS]
        amount = s.share * company_base
        if s.round_robin is not None:  # conflict: a share of the host's own months
            host = totals[s.partner]
            row[s.months] = host[s.months] * 0.35
        else:  # the customer's share of company revenue over the base months (moved: 12 months)
            row[s.months] = amount / (len(base_months) or 12)
            row[36] *= 10 / 31  # the partly loaded last month
        special_rows.append(row)
        carve[s.partner if s.partner >= 0 else n_p] += row
    return special_rows, carve


def _pool_months(totals: np.ndarray, carve: np.ndarray) -> np.ndarray:
    """USD per month of each host's pool once the special streams are carved out."""
    # the carved revenue comes out of the pool within the same fiscal year, so annual totals hold
    pool = totals.copy()
    for months in [*FY_MONTHS.values(), range(36, 37)]:
        m = np.array(months)
        year_total = totals[:, m].sum(axis=1)
        year_carve = carve[:, m].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(year_total > 0, (year_total - year_carve) / year_total, 0.0)
        least = 0.1 if months.start == 36 else 0.25  # the partial month is small
        if np.any((year_total > 0) & (factor < least)):
            raise AssertionError("a special customer is too large for its host partner")
        pool[:, m] = totals[:, m] * factor[:, None]
    return pool


def _stream_cells(
    partners: list[Partner],
    pool: np.ndarray,
    specials: list[Special],
    special_rows: list[np.ndarray],
) -> dict[str, np.ndarray]:
    """The cells of every stream: each partner's pool, the direct pool, then the specials."""
    n_p = len(partners)
    rows = {
        k: []
        for k in (
            "channel",
            "partner",
            "month",
            "usd",
            "pool",
            "customer",
            "group",
            "discount",
            "stream",
        )
    }

    def add(
        channel: int,
        partner: int,
        usd: np.ndarray,
        pool_of: int,
        customer: int,
        group: int,
        discount: float,
        stream: int,
    ) -> None:
        months = np.flatnonzero(usd > 0)
        n = len(months)
        rows["channel"].append(np.full(n, channel))
        rows["partner"].append(np.full(n, partner))
        rows["month"].append(months)
        rows["usd"].append(usd[months])
        rows["pool"].append(np.full(n, pool_of))
        rows["customer"].append(np.full(n, customer))
        rows["group"].append(np.full(n, group))
        rows["discount"].append(np.full(n, discount))
        rows["stream"].append(np.full(n, stream))

    stream = 0
    for p in partners:
        add(
            p.channel, p.index, pool[p.index], p.index, -1, -1, CHANNELS[p.channel].discount, stream
        )
        stream += 1
    add(0, -1, pool[n_p], -1, -1, -1, CHANNELS[0].discount, stream)
    stream += 1
    for s, row in zip(specials, special_rows, strict=True):
        channel = partners[s.partner].channel if s.partner >= 0 else 0
        add(
            channel,
            s.partner,
            row,
            -2,
            s.customer,
            0 if s.round_robin is not None else -1,
            s.discount,
            stream,
        )
        stream += 1
    cells = {k: np.concatenate(v) for k, v in rows.items()}
    cells["cents"] = np.round(cells.pop("usd") * 100).astype(np.int64)
    keep = cells["cents"] > 0
    return {k: v[keep] for k, v in cells.items()}


def make_pools(
    rng: np.random.Generator,
    partners: list[Partner],
    customers: list[Customer],
    pools: dict[int, tuple[np.ndarray, np.ndarray]],
    cells: dict[str, np.ndarray],
    totals: np.ndarray,
) -> None:
    """Create each partner's own customers, weighted and capped below 0.3% of company revenue."""
    cap = CUSTOMER_CAP_SHARE * totals[:, FY_MONTHS["FY2025"]].sum()
    pool_cells = cells["pool"] > -2
    yearly = {}
    for owner in [*range(len(partners)), -1]:
        mask = pool_cells & (cells["partner"] == owner)
        if not mask.any():
            continue
        year = np.minimum(cells["month"][mask] // 12, 2)
        yearly[owner] = np.bincount(year, cells["cents"][mask] / 100, minlength=3).max()
    for owner, year_max in yearly.items():
        spec = CHANNELS[partners[owner].channel if owner >= 0 else 0]
        p = partners[owner] if owner >= 0 else None
        n = max(spec.customers_per_partner, int(np.ceil(2.5 * year_max / cap)))
        if p is not None and CHANNELS[p.channel].channel_id == "RES":
            n = max(4, int(rng.integers(n // 2, n + n // 2 + 1)))
        segments = weighted_choice(rng, spec.segments, n)
        regions = (
            weighted_choice(rng, REGIONS, n)
            if p is None
            else [p.region if rng.random() < 0.8 else r for r in weighted_choice(rng, REGIONS, n)]
        )
        names = company_names(rng, n, WORDS_B)
        first = len(customers)
        for i in range(n):
            customers.append(Customer(f"C{first + i + 1:05d}", names[i], segments[i], regions[i]))
        ids = np.arange(first, first + n)
        # a reseller with unknown end customers books part of its sales on itself
        if p is not None and CHANNELS[p.channel].channel_id == "RES" and rng.random() < 0.15:
            customers.append(
                Customer(
                    f"C{len(customers) + 1:05d}",
                    f"{p.name} (reseller, end customer unknown)",
                    "smb",
                    p.region,
                )
            )
            ids = np.append(ids, len(customers) - 1)
        weights = _capped(rng.lognormal(0.0, 1.0, len(ids)), cap / max(year_max, 1.0))
        pools[owner] = (ids, weights)


def _capped(w: np.ndarray, cap: float) -> np.ndarray:
    """Normalise ``w`` to sum 1 with no weight above ``cap`` (water-filling)."""
    w = w / w.sum()
    if cap * len(w) <= 1.0:
        raise AssertionError("pool too small for the customer cap")
    for _ in range(50):
        over = w > cap
        if not over.any():
            break
        free = ~over
        w[over] = cap
        w[free] *= (1 - cap * over.sum()) / w[free].sum()
    return w


def margin_plan(rng: np.random.Generator) -> np.ndarray:
    """Planned gross margin per channel and month; MSP erodes from February 2025."""
    margin = np.array([[c.margin] * N_MONTHS for c in CHANNELS]) + rng.normal(
        0, 0.002, (len(CHANNELS), N_MONTHS)
    )
    msp = CHANNEL_INDEX["MSP"]
    months = np.arange(N_MONTHS)
    margin[msp] -= MSP_EROSION_PER_MONTH * np.clip(months - MSP_EROSION_START + 1, 0, None)
    return margin
