"""The cases planted for issues 19 and 21: who carries them, and how they shape the revenue plan.

Each new case draws from its own random stream (:func:`~channel_lib.sample.spec.rng_for` with the
sample's seed and a constant of :data:`STREAMS`), so adding one does not shift the draws of the
others or of the cases planted before them. The partners chosen here keep ``role == "ordinary"``
(the older parts of the generator branch on it while drawing); their case is recorded only in
``plan.roles`` under the keys below.

- ``line_card_near_more``: two more line-card near misses (:mod:`.tables` plants their ranks);
- ``declining_near``: a partner whose revenue fell 5-9% and that lost no large customer;
- ``lapsed``: a partner with no sale in FY2026-Q3 and FY2026-Q4 (its FY2026 revenue falls in
  FY2026-Q1..Q2, so its year-on-year change stays ordinary);
- ``sale_gap``: a partner with no sale in FY2026-Q3 only (the lapsed near miss);
- ``our_sales_up`` / ``our_sales_down`` (planted before) get a steady history: the same season
  every year with little noise, so their 20% move is unusual for them;
- ``lumpy``: a batch orderer (one order month per quarter, very uneven quarters) whose FY2026
  revenue is 24% above FY2025 (a 20% move that is usual for it);
- the host of the lost customer loses that customer's revenue after it leaves: its FY2026 revenue
  falls 14% (:func:`decline_after_loss`).

Examples
--------
>>> [STREAMS[k] for k in ("line_card_near_more", "lapsed")]
[31, 33]
"""

from __future__ import annotations

import numpy as np

from channel_lib.sample.spec import CHANNELS, FY_MONTHS, N_MONTHS, Partner, rng_for

#: random stream of each new case (constants: a new case gets a new number)
STREAMS = {
    "line_card_near_more": 31,
    "targets_fy2025": 32,
    "lapsed": 33,
    "sale_gap": 34,
    "lumpy": 35,
    "steady": 36,
    "lumpy_months": 37,
    "res_spend": 38,
}
#: FY2026 / FY2025 revenue of the lost customer's host (a fall of at least 10%, under 20%)
DECLINE_RATIO = 0.86
#: FY2026 / FY2025 revenue of the lumpy batch orderer (crosses the 20% rule)
LUMPY_RATIO = 1.24
#: FY2026 / FY2025 range of the declining near miss (fell 5-9%, planned between 6% and 8.5%)
DECLINING_NEAR_RANGE = (0.915, 0.94)
#: quarter indexes (0 = FY2024-Q1) without a sale: the lapsed partner and the near miss
LAPSED_QUARTERS = (10, 11)
GAP_QUARTERS = (10,)


def _candidates(
    partners: list[Partner], roles: dict[str, list[int]], *channels: str, from_start: bool = True
) -> list[int]:
    """Ordinary, steadily selling partners of ``channels`` that carry no case yet (with
    ``from_start``: selling since the first month of the data).

    The largest three of each channel are left out (they carry the official partner targets), and
    so is the largest reseller (it hosts the customers in channel conflict).
    """
    taken = {i for v in roles.values() for i in v}
    out = []
    for cid in channels:
        members = [
            p
            for p in partners
            if CHANNELS[p.channel].channel_id == cid
            and p.role == "ordinary"
            and "FY2025" in p.fy_total
        ]
        members.sort(key=lambda p: (-p.fy_total["FY2025"], p.index))
        out += [
            p.index
            for p in members[3:]
            if not p.sporadic and p.index not in taken and (p.first_month == 0 or not from_start)
        ]
    return sorted(out)


def choose_new_roles(seed: int, partners: list[Partner], roles: dict[str, list[int]]) -> None:
    """Pick the partners of the new cases (in place: new keys of ``roles``).

    Runs after the older roles and the yearly plan (it reads ``sales_ratio``), before the monthly
    profiles are reshaped.
    """
    for key, n, channels in (
        ("line_card_near_more", 2, ("RES", "MSP")),
        ("lapsed", 1, ("RES",)),
        ("sale_gap", 1, ("RES",)),
        ("lumpy", 1, ("RES",)),
    ):
        free = _candidates(partners, roles, *channels, from_start=key != "line_card_near_more")
        pool = [i for i in free if partners[i].reports]
        if key == "lapsed":  # a partner that lapses does not send reports either
            pool = [i for i in free if not partners[i].reports] or free
        if len(pool) < n:
            raise AssertionError(f"no partner left for the planted case {key}")
        rng = rng_for(seed, STREAMS[key])
        roles[key] = sorted(int(i) for i in rng.choice(pool, size=n, replace=False))
    lo, hi = DECLINING_NEAR_RANGE
    near = [
        i for i in _candidates(partners, roles, "RES", "MSP") if lo <= partners[i].sales_ratio <= hi
    ]
    if not near:
        raise AssertionError("no partner fell 6-8.5% for the declining near miss")
    roles["declining_near"] = [max(near, key=lambda i: (partners[i].fy_total["FY2025"], -i))]
    p = partners[roles["lumpy"][0]]
    p.sales_ratio = LUMPY_RATIO
    p.fy_total["FY2026"] = p.fy_total["FY2025"] * LUMPY_RATIO


def reshape_profiles(
    seed: int, partners: list[Partner], roles: dict[str, list[int]], prof: np.ndarray
) -> None:
    """Shape the monthly profiles of the new cases (in place; rows sum to 1 per fiscal year).

    The lapsed partner and the near miss lose the months of their empty quarters to the other
    months of the year; the batch orderer buys in one month per quarter, in very uneven amounts;
    no other partner goes two quarters in a row without a sale (a sporadic reseller whose random
    pauses would do so buys in the middle month of the second quarter).
    """
    for key, quarters in (("lapsed", LAPSED_QUARTERS), ("sale_gap", GAP_QUARTERS)):
        i = roles[key][0]
        for q in quarters:
            prof[i, 3 * q : 3 * q + 3] = 0.0
        months = np.array(FY_MONTHS["FY2026"])
        prof[i, months] /= prof[i, months].sum()
        if key == "lapsed":
            prof[i, 36] = 0.0
    rng = rng_for(seed, STREAMS["lumpy_months"])
    i = roles["lumpy"][0]
    prof[i] = 0.0
    for months in FY_MONTHS.values():
        m = np.array(months)
        batch = m[0::3] + rng.integers(0, 3, 4)
        prof[i, batch] = np.clip(rng.lognormal(0.0, 0.6, 4), 0.35, 2.5)
        prof[i, m] /= prof[i, m].sum()
    rng = rng_for(seed, STREAMS["steady"])
    for i in (*roles["our_sales_up"], *roles["our_sales_down"]):  # steady: the move is unusual
        season = np.array(CHANNELS[partners[i].channel].season)
        for months in FY_MONTHS.values():
            m = np.array(months)
            prof[i, m] = season * rng.lognormal(0.0, 0.01, 12)
            prof[i, m] /= prof[i, m].sum()
        prof[i, 36] = prof[i, 24] * 10 / 31
    special = {roles[k][0] for k in ("lapsed", "sale_gap")}
    for p in partners:
        if p.index in special or not p.sporadic:
            continue
        sold = prof[p.index, : 3 * 12].reshape(12, 3).sum(axis=1) > 0
        for q in range(1, 12):
            if not sold[q - 1] and not sold[q]:
                prof[p.index, 3 * q + 1] = 1.0 / 12
                sold[q] = True
        for months in FY_MONTHS.values():
            m = np.array(months)
            if prof[p.index, m].sum() > 0:
                prof[p.index, m] /= prof[p.index, m].sum()


def decline_after_loss(totals: np.ndarray, host: Partner) -> None:
    """The lost customer's host sells less once the customer is gone (in place, ``totals`` rows:
    partners then direct): its months after FY2026-Q2 shrink so that its FY2026 revenue is
    :data:`DECLINE_RATIO` of FY2025. The base months (FY2025-Q3..FY2026-Q2) are untouched."""
    i = host.index
    fy25 = totals[i, list(FY_MONTHS["FY2025"])].sum()
    first_half = totals[i, 24:30].sum()
    second_half = totals[i, 30:36].sum()
    factor = (DECLINE_RATIO * fy25 - first_half) / second_half
    if not 0.05 < factor < 1.0:
        raise AssertionError(f"the lost customer's host cannot fall to {DECLINE_RATIO:.0%}")
    totals[i, 30:N_MONTHS] *= factor
    host.fy_total["FY2026"] = DECLINE_RATIO * fy25
    host.sales_ratio = DECLINE_RATIO
