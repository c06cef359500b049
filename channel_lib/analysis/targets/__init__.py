"""Target setting (notebook ``02_target_setting``): the fiscal year's objectives to channel,
partner and quarter targets, and the leading indicators that drive them.

The chain
---------
1. **Objectives** from ``goals.yaml`` for the chosen fiscal year: the revenue objective and, when
   the year is managed for revenue *and* profit, the gross-profit objective
   ``round(revenue_objective × gross_margin_goal)``. A year ``goals.yaml`` has no section for is
   a **proposal** (:mod:`.proposal`): its objective comes from the company revenue forecast (or a
   run rate), its margin goal and roles from the last year with goals, and it is saved apart
   from the official targets.
2. **Channel targets** by five methods, side by side (:func:`allocate_channels`):

   - ``history``: each channel's share of revenue over the four quarters up to the reporting
     quarter (the *basis window*), a younger channel at its annualised run rate;
   - ``trend``: an OLS fit per channel on its quarterly revenue (trend, plus fiscal-quarter
     dummies once it has eight quarters), its forecast of the target year, with a prediction
     interval (:func:`trend_forecasts`);
   - ``role``: the history share times the channel's declared ``role_weight``, renormalised;
   - ``potential``: partner capacity from ``partner_reports`` (:func:`partner_potential`);
   - ``blend``: the weighted mean of the four shares.

   The chosen method's shares split the objective.
3. **Partner targets** that follow the partner (:func:`partner_bases`,
   :func:`partner_targets`): each partner's own run rate net of the customers it lost or saw move
   away, plus those that moved in, with a bounded uplift for headroom (at most
   :data:`MAX_HEADROOM_UPLIFT`); the channel's growth moves them alike; the change against the
   partner's last year is capped (``partner_cap``, default ±25 %; new partners exempt), a
   partner that fell ≥ 10 % gets no rise above its channel's and one that grew ≥ 10 % at least
   95 % of its last year; what the caps hold back goes to the uncapped partners
   (:func:`capped_split`) and what none can take is the channel's *unallocated* line.
4. **Quarterly phasing** by each channel's observed seasonality (:func:`seasonality`).
5. **Leading indicators** per channel role, with targets from historical conversion rates
   (:func:`leading_indicators`): the channel metrics model.
6. The chosen targets go to ``plans_dir/targets.csv`` as a **proposal** (:func:`write_plan_targets`,
   through :mod:`channel_lib.plans.targets`); ``channel-workbook targets approve FY2027 --by
   NAME`` approves them. Reports measure against the approved plan or the official targets and
   show the proposal beside them.

The analysis returns frames and result objects (:class:`TargetPlan`); the page
(:mod:`channel_lib.presentation.pages.target_setting`) turns them into tables, charts and
sentences.

Modules
-------
- :mod:`.settings` — methods, blend weights and the validated :class:`TargetSettings`;
- :mod:`.basis` — the channels' run rates and trend forecasts;
- :mod:`.partners` — active partners, their potential and weights;
- :mod:`.proposal` — the objective proposed for a year without goals;
- :mod:`.split` — exact splits in whole minor units of the currency (channels, gross profit,
  grids);
- :mod:`.phasing` — seasonality and the quarterly targets;
- :mod:`.indicators` — the leading indicators (the channel metrics model);
- :mod:`.plan` — :func:`set_targets`, the whole plan, its checks and views;
- :mod:`.saving` — the plan's ``targets.csv`` rows and saving them.

Guarantees
----------
Amounts are integers of the dataset's money unit (``ds.money``, columns ``*_exact``); targets are
money the workbook writes, so they are apportioned in whole minor units of the currency
(``ds.money.minor_step`` exact units each: cents for USD, yen for JPY) with the largest-remainder
method (:func:`apportion_steps`): every target is a multiple of ``minor_step``,
channel targets sum to the objective exactly, a channel's quarters sum to its annual target,
a channel's partner targets (plus the part of its sales made without a partner) sum to its
target, and the partner × quarter grid (:func:`round_grid`) keeps both sums; every target is
≥ 0. The property tests in ``tests/test_targets.py`` check each one on random inputs.
"""

from channel_lib.analysis.targets.basis import channel_basis, quarterly_revenue, trend_forecasts
from channel_lib.analysis.targets.indicators import (
    INDICATORS,
    ROLE_INDICATORS,
    TARGET_MONITORED_IN,
    leading_indicators,
)
from channel_lib.analysis.targets.partners import (
    DEFAULT_PARTNER_CAP,
    GROWING_FLOOR,
    MAX_HEADROOM_UPLIFT,
    MOMENTUM_THRESHOLD,
    active_partners,
    channel_potential,
    customer_moves,
    partner_bases,
    partner_potential,
    partner_weights,
    unassigned_run_rate,
)
from channel_lib.analysis.targets.phasing import quarter_targets, seasonality
from channel_lib.analysis.targets.plan import (
    TargetPlan,
    indicator_summary,
    method_table,
    new_partners,
    partner_targets,
    plan_checks,
    set_targets,
    young_channels,
)
from channel_lib.analysis.targets.proposal import (
    ObjectiveProposal,
    propose_objective,
    standing_goals_year,
)
from channel_lib.analysis.targets.saving import (
    PROPOSALS_FOLDER,
    SaveOutcome,
    plan_rows,
    proposals_dir,
    save_plan,
    write_plan_targets,
)
from channel_lib.analysis.targets.settings import (
    BASE_METHODS,
    BASIS_QUARTERS,
    DEFAULT_BLEND,
    METHODS,
    TargetSettings,
    check_parameters,
    open_target_setting,
    target_settings,
    to_minor,
)
from channel_lib.analysis.targets.split import (
    allocate_channels,
    apportion,
    apportion_steps,
    capped_split,
    channel_targets,
    round_grid,
    split_gross_profit,
)
from channel_lib.core.money import format_exact
from channel_lib.plans.targets import PlanExistsError

__all__ = [
    "BASE_METHODS",
    "BASIS_QUARTERS",
    "DEFAULT_BLEND",
    "DEFAULT_PARTNER_CAP",
    "GROWING_FLOOR",
    "INDICATORS",
    "MAX_HEADROOM_UPLIFT",
    "METHODS",
    "MOMENTUM_THRESHOLD",
    "PROPOSALS_FOLDER",
    "ROLE_INDICATORS",
    "TARGET_MONITORED_IN",
    "ObjectiveProposal",
    "PlanExistsError",
    "SaveOutcome",
    "TargetPlan",
    "TargetSettings",
    "active_partners",
    "allocate_channels",
    "apportion",
    "apportion_steps",
    "capped_split",
    "channel_basis",
    "channel_potential",
    "channel_targets",
    "check_parameters",
    "customer_moves",
    "format_exact",
    "indicator_summary",
    "leading_indicators",
    "method_table",
    "new_partners",
    "open_target_setting",
    "partner_bases",
    "partner_potential",
    "partner_targets",
    "partner_weights",
    "plan_checks",
    "plan_rows",
    "proposals_dir",
    "propose_objective",
    "quarter_targets",
    "quarterly_revenue",
    "round_grid",
    "save_plan",
    "seasonality",
    "set_targets",
    "split_gross_profit",
    "standing_goals_year",
    "target_settings",
    "to_minor",
    "trend_forecasts",
    "unassigned_run_rate",
    "write_plan_targets",
    "young_channels",
]
