"""The cases planted for issue 20: a channel with headroom on its spend, and a margin change
driven by discount.

- ``investment_raise``: RES's revenue answers its discretionary spend (mdf + enablement, the
  lever the investment analysis reads) along a Hill curve (:data:`RES_HILL_K`,
  :data:`RES_HILL_VMAX`, ``n = 1``). The spend takes twelve amounts from
  :data:`RES_SPEND_RANGE` (a 12x range, so the fit sees both sides of the break-even spend);
  every fiscal year spends the same twelve amounts in another order, FY2026-Q4 the third to
  fifth smallest (:data:`Q4_RANK`), so the reporting quarter spends well below its break-even.
  :func:`res_response` reshapes the months of RES's ordinary partners around the curve while
  every partner keeps its planned yearly revenue (the partner cases are untouched).
- ``margin_driver`` ``price_discount:``: DIR's discount off list deepens by
  :data:`DIR_DISCOUNT_DEEPENING` in FY2026-Q4 (:data:`DIR_DISCOUNT_FROM`) while its unit cost
  against list price stays where it was, so its FY2026-Q4 gross margin falls by about three
  points on FY2025-Q4 (FY2026's by under one: it is no ``margin_erosion``). MSP's erosion (``unit_cost:``) is the older ``margin_erosion`` plant.

Each draws from its own random stream (:data:`~channel_lib.sample.plants.STREAMS`), so the older
cases keep their draws.

Examples
--------
>>> s = np.array([0.0, RES_HILL_K, 3 * RES_HILL_K])
>>> [round(float(v)) for v in res_hill(s) / RES_HILL_VMAX * 4]  # 0, half, three quarters
[0, 2, 3]
>>> round(float(res_hill_slope(RES_HILL_K) * 4 * RES_HILL_K / RES_HILL_VMAX), 6)
1.0
"""

from __future__ import annotations

import numpy as np

from channel_lib.sample.plants import STREAMS
from channel_lib.sample.spec import (
    CHANNEL_INDEX,
    CHANNELS,
    FY_MONTHS,
    N_MONTHS,
    REPORT_Q,
    Partner,
    rng_for,
)

#: RES: half-saturation of the Hill curve, USD of discretionary spend per month
RES_HILL_K = 80_000.0
#: RES: saturated revenue response, USD per month (n = 1)
RES_HILL_VMAX = 1_400_000.0
#: RES: smallest and largest of the twelve monthly spend amounts, USD (a 12x range)
RES_SPEND_RANGE = (25_000.0, 300_000.0)
#: RES: mean monthly enablement within that spend (the rest is mdf), USD
RES_ENABLEMENT = 12_000.0
#: DIR: points of discount off list added in FY2026-Q4
DIR_DISCOUNT_DEEPENING = 0.05
#: DIR: first month (index) of the deeper discount, 2026-04 (unit cost against list stays)
DIR_DISCOUNT_FROM = 3 * REPORT_Q
#: RES: FY2026-Q4 spends the amounts of rank Q4_RANK .. Q4_RANK + 2 of the twelve (0 = smallest)
Q4_RANK = 2


def res_hill(spend: np.ndarray | float) -> np.ndarray:
    """RES's revenue response ``vmax * s / (K + s)`` (USD/month) to monthly spend ``s`` (USD)."""
    s = np.asarray(spend, dtype=float)
    return RES_HILL_VMAX * s / (RES_HILL_K + s)


def res_hill_slope(spend: float) -> float:
    """Revenue (USD) from one more USD of RES spend at ``spend`` USD/month."""
    return float(RES_HILL_VMAX * RES_HILL_K / (RES_HILL_K + spend) ** 2)


def res_spend(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """RES's monthly discretionary spend (USD, month 36: 0) and the enablement part of it.

    Twelve amounts spread evenly on a log scale over :data:`RES_SPEND_RANGE` (jittered by 5%,
    the ends exact), in a new order every fiscal year; FY2026's last three months get the
    amounts of rank :data:`Q4_RANK` to ``Q4_RANK + 2``. Rounded
    to 100 USD (enablement to the cent), like ONL's spend.
    """
    rng = rng_for(seed, STREAMS["res_spend"])
    lo, hi = RES_SPEND_RANGE
    amounts = np.geomspace(lo, hi, 12) * rng.lognormal(0.0, 0.05, 12)
    amounts[0], amounts[-1] = lo, hi  # the range is exact
    spend = np.zeros(N_MONTHS)
    for fy, months in FY_MONTHS.items():
        order = rng.permutation(12)
        if fy == "FY2026":
            small = np.argsort(amounts)[Q4_RANK : Q4_RANK + 3]
            order = np.array([*(i for i in order if i not in small), *rng.permutation(small)])
        spend[np.array(months)] = amounts[order]
    spend = np.round(spend, -2)
    enablement = np.round(RES_ENABLEMENT * rng.lognormal(0.0, 0.2, N_MONTHS), 2)
    enablement = np.minimum(enablement, 0.5 * spend)
    enablement[36] = 0.0
    return spend, enablement


def res_responders(partners: list[Partner], roles: dict[str, list[int]]) -> list[int]:
    """RES partners whose months carry the response: ordinary, selling every month of the data,
    carrying no case."""
    taken = {i for v in roles.values() for i in v}
    return [
        p.index
        for p in partners
        if CHANNELS[p.channel].channel_id == "RES"
        and p.role == "ordinary"
        and not p.sporadic
        and p.first_month == 0
        and p.last_month == N_MONTHS - 1
        and not p.offboarded_on
        and p.index not in taken
    ]


def res_response(totals: np.ndarray, responders: list[int], spend: np.ndarray) -> None:
    """Reshape the responders' months (rows of ``totals``, USD) around the Hill response, in place.

    Per fiscal year the responders' total ``S_m`` becomes ``S_m (A - H) / A + hill(s_m)`` (``A``
    and ``H`` the year's sums of ``S`` and of the response); each partner's months are scaled by
    that month's factor, then by one factor per year, so every partner keeps its planned year.
    """
    rows = np.array(responders)
    if not len(rows):
        raise AssertionError("no ordinary reseller left to carry the spend response")
    response = res_hill(spend)
    for months in FY_MONTHS.values():
        m = np.array(months)
        block = totals[np.ix_(rows, m)]
        s = block.sum(axis=0)
        a, h = s.sum(), response[m].sum()
        if h >= 0.8 * a:
            raise AssertionError("the spend response is too large for the resellers' revenue")
        factor = (s * (a - h) / a + response[m]) / s
        year = block.sum(axis=1, keepdims=True)
        scaled = block * factor[None, :]
        totals[np.ix_(rows, m)] = scaled * year / scaled.sum(axis=1, keepdims=True)


def discount_shift() -> np.ndarray:
    """Points of discount added per channel and month: DIR's, :data:`DIR_DISCOUNT_DEEPENING`
    from :data:`DIR_DISCOUNT_FROM` (FY2026-Q4) on, so FY2026-Q4's margin falls against
    FY2025-Q4 while FY2026's year falls by under a point (not a ``margin_erosion``)."""
    out = np.zeros((len(CHANNELS), N_MONTHS))
    out[CHANNEL_INDEX["DIR"], DIR_DISCOUNT_FROM:] = DIR_DISCOUNT_DEEPENING
    return out


__all__ = [
    "DIR_DISCOUNT_DEEPENING",
    "DIR_DISCOUNT_FROM",
    "Q4_RANK",
    "RES_HILL_K",
    "RES_HILL_VMAX",
    "RES_SPEND_RANGE",
    "discount_shift",
    "res_hill",
    "res_hill_slope",
    "res_responders",
    "res_response",
    "res_spend",
]
