"""Investment allocation (notebook ``03_investment_allocation``): response curves per channel and
the split of a discretionary budget under constraints.

The steps, each a function returning a tidy frame:

1. :func:`lever_spend` — monthly discretionary spend per channel (the *lever*) next to the revenue
   and gross profit of the same month, from ``channel_costs`` and the exact monthly metrics.
2. :func:`revenue_driven_costs` — discretionary cost types that *follow* revenue (co-op accruing
   as a share of purchases, rebates): not a lever. They are left out of the lever spend and named.
3. :func:`fit_response` / :func:`fit_channels` — per channel a saturating Hill curve on
   (optionally adstocked) spend plus a trend-and-season baseline, by non-linear least squares,
   with parameter covariance, intervals, a likelihood-ratio test of "any response at all" and an
   AIC choice of carry-over (adstock). The Hill shape is kept at ``n <= 1``, so every curve is
   concave (see below).
4. :func:`allocate` — the budget split that maximises the expected response under total budget,
   per-channel min/max share and maximum change against last period (SLSQP, analytic gradients);
   :func:`allocation_budget` applies the budget rules before it (spend on channels without a
   curve kept, unmeasured channels held, last quarter's split scaled to the budget);
   :func:`budget_scenarios` runs it for several budgets; :func:`phase_spend` spreads a channel's
   yearly amount over the coming quarters by its seasonal index. No split adds money to a
   channel past break-even (its cap is ``max(today's spend, break-even spend)``); budget no
   channel takes at a return of at least one unit per unit is left unplaced and named.
5. :func:`spend_decision` — the budget as a decision: per measured channel the spend where one
   more unit returns one unit (:func:`break_even_spend`), as cut / raise / hold, with the change
   in profit net of spend per year and its 95% interval (delta method); channels the data do not
   identify (:meth:`ResponseFit.identification`) are "not measurable" and held.

:func:`investment_plan` runs the whole chain for a notebook and turns degenerate input (no
``channel_costs``, zero or constant spend, too little history) into plain messages.

Why concave curves only: the Hill family of Robyn and Meridian allows an S-shape (``n > 1``:
returns first rise, then fall), but this module fits ``0.5 <= n <= 1``, concave from the first
unit of spend (``n = 1`` is Michaelis-Menten, one of PyMC-Marketing's saturation curves).
Three reasons. (1) The allocator maximises a sum of curves; with concave curves that is a convex
problem, its optimum is the single point where marginal returns are equal off the bounds, and
SLSQP finds it. With S-shapes the problem has local optima and "equal marginal returns" is no
longer enough. (2) Three years of monthly spend rarely hold enough low-spend months to place an
S-shape's toe reliably, and a toe placed by noise would steer the allocator. (3) The marginal
return falls with every unit of spend, so a channel past its break-even point stays past it. The cost: for a channel whose response really is
S-shaped, the concave curve overstates the return of the first units of spend (below the spend
seen) and the half-saturation moves a little; the notebook says so among its limits.

The package, one job per module:

- :mod:`.response` — the Hill curve, adstock and :class:`ResponseFit`;
- :mod:`.fit` — :func:`fit_response` for one channel;
- :mod:`.spend` — the lever spend, revenue-driven costs and the objective;
- :mod:`.curves` — every channel's curve fitted and tabulated;
- :mod:`.allocation` — the allocator, the budget rules, scenarios and phasing;
- :mod:`.decision` — the profit-maximising spend per channel (cut / raise / hold);
- :mod:`.plan` — :func:`investment_plan`, notebook 03's one call.

The report's sentences, charts and tables are in
:mod:`channel_lib.presentation.pages.investment_allocation`.
"""

from __future__ import annotations

from channel_lib.analysis.investment.allocation import (
    AllocationBudget,
    allocate,
    allocation_budget,
    allocation_interval,
    budget_scenarios,
    phase_spend,
    split_rows,
)
from channel_lib.analysis.investment.curves import curve_points, curve_table, fit_channels
from channel_lib.analysis.investment.decision import (
    DECISION_COLUMNS,
    INTERVAL_METHOD,
    break_even_spend,
    spend_decision,
)
from channel_lib.analysis.investment.fit import fit_response
from channel_lib.analysis.investment.plan import (
    DEFAULT_LIMITS,
    InvestmentPlan,
    break_even_cap,
    investment_plan,
    validate_parameters,
)
from channel_lib.analysis.investment.response import (
    MIN_MONTHS,
    N_MAX,
    Z95,
    ResponseFit,
    adstock,
    hill,
    hill_marginal,
)
from channel_lib.analysis.investment.spend import (
    OBJECTIVES,
    lever_spend,
    monthly_spend_in_quarter,
    objective_metric,
    revenue_driven_costs,
)

__all__ = [
    "DECISION_COLUMNS",
    "DEFAULT_LIMITS",
    "INTERVAL_METHOD",
    "MIN_MONTHS",
    "N_MAX",
    "OBJECTIVES",
    "Z95",
    "AllocationBudget",
    "InvestmentPlan",
    "ResponseFit",
    "adstock",
    "allocate",
    "allocation_budget",
    "allocation_interval",
    "break_even_cap",
    "break_even_spend",
    "budget_scenarios",
    "curve_points",
    "curve_table",
    "fit_channels",
    "fit_response",
    "hill",
    "hill_marginal",
    "investment_plan",
    "lever_spend",
    "monthly_spend_in_quarter",
    "objective_metric",
    "phase_spend",
    "revenue_driven_costs",
    "spend_decision",
    "split_rows",
    "validate_parameters",
]
