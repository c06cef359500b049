"""The sample's plan: entities, the revenue plan per stream and month, and the planted cases.

The generator decides everything that the ground truth talks about *before* any sales line exists:
which partner grows, which customer is lost, which channel's margin erodes. Revenue is planned per
*stream* (a partner's pool of customers, or one named customer at one partner) and month, in
integer cents; the sales lines built later sum exactly to these cells, so every planted change is
exact by construction and every ordinary entity is kept clear of every threshold.

:func:`build_plan` draws it in a fixed order from one generator: the partners and their cases
(:mod:`.partners`), then the streams, cells and pools (:mod:`.streams`); the cases added for
issues 19 and 21 come from their own streams (:mod:`.plants`), those of issue 20 (RES's spend
response, DIR's deeper discount) from :mod:`.levers`; the calendar, channels and records
are in :mod:`.spec`.
"""

from __future__ import annotations

import numpy as np

from channel_lib.sample.levers import discount_shift, res_responders, res_response, res_spend
from channel_lib.sample.partners import (
    assign_roles,
    make_partners,
    monthly_profiles,
    plan_partner_years,
)
from channel_lib.sample.plants import choose_new_roles, decline_after_loss, reshape_profiles
from channel_lib.sample.spec import (
    BASE_MONTHS,
    CHANNEL_INDEX,
    N_MONTHS,
    Customer,
    Plan,
    rng_for,
)
from channel_lib.sample.streams import (
    make_pools,
    make_specials,
    margin_plan,
    onl_spend,
    partner_months,
    plan_cells,
)


def build_plan(seed: int) -> Plan:
    """Decide the sample: entities, planted cases, near misses and the revenue plan.

    Parameters
    ----------
    seed : int
        Random seed.

    Returns
    -------
    Plan
    """
    rng = rng_for(seed, 1)
    partners = make_partners(rng)
    roles = assign_roles(rng, partners)
    plan_partner_years(rng, partners, roles)
    choose_new_roles(seed, partners, roles)  # own streams: the draws of ``rng`` do not move
    profiles = monthly_profiles(rng, partners)
    reshape_profiles(seed, partners, roles, profiles)
    spend = onl_spend(rng)
    customers: list[Customer] = []
    pools: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # totals per partner and month before special streams are carved out of the pools
    totals = partner_months(partners, profiles, spend)
    res, res_enablement = res_spend(seed)  # own stream: the draws of ``rng`` do not move
    responders = res_responders(partners, roles)
    res_response(totals, responders, res)
    company_base = totals[:, BASE_MONTHS].sum()
    specials, conflict_group = make_specials(rng, partners, roles, customers, company_base)
    lost = next(s for s in specials if s.key == "lost")
    decline_after_loss(totals, partners[lost.partner])
    cells = plan_cells(partners, totals, specials, company_base)
    make_pools(rng, partners, customers, pools, cells, totals)
    margin = margin_plan(rng)
    plan = Plan(
        seed=seed,
        partners=partners,
        customers=customers,
        pools=pools,
        specials=specials,
        cells=cells,
        margin=margin,
        spend=spend,
        conflict_group=conflict_group,
        roles=roles,
        res_spend=res,
        res_enablement=res_enablement,
        res_responders=responders,
        discount_shift=discount_shift(),
    )
    moved = roles["partner_move_channel"][0]
    months = np.full(N_MONTHS, CHANNEL_INDEX["RES"])
    months[plan.move_month :] = CHANNEL_INDEX["DIST"]
    plan.channel_of_month[moved] = months
    plan.cells["channel"] = np.where(
        plan.cells["partner"] == moved, months[plan.cells["month"]], plan.cells["channel"]
    )
    return plan
