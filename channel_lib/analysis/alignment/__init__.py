"""Orientation and alignment (notebook ``01_orientation_alignment``): what each channel delivers
against the corporate goals of a fiscal year, why it is out of line, channel conflict and
dependency, and how all of it moved from year to year.

The analysis returns frames and result objects; the page
(:mod:`channel_lib.presentation.pages.orientation`) turns them into tables, charts and sentences.

Modules
-------
- :mod:`.settings` — dimensions, default weights, the validated :class:`Settings`;
- :mod:`.actuals` — what each channel delivered in the year's window (:func:`channel_actuals`);
- :mod:`.scoring` — the alignment score and its breakdown;
- :mod:`.roles` — declared against actual role, and the misalignments named;
- :mod:`.conflict` — customers shared by two channels or partners;
- :mod:`.dependency` — dependency risk and concentration over time;
- :mod:`.plan` — the channel targets (official, approved, proposed) added up against the
  corporate objective, revenue and gross profit (:func:`plan_against_objective`);
- :mod:`.evolution` — the channel over time: partners recruited, activated, lapsed,
  offboarded, and channel and tier moves, per quarter (:func:`channel_evolution`);
- :mod:`.view` — the system against the goals, the history, and :func:`build_view`.

Window
------
A fiscal year is read *as of the reporting quarter*: its quarters up to the reporting quarter
(the whole year once its last quarter is reported; year to date otherwise), compared like for
like with the same quarters one year earlier. Money is summed exactly in the dataset's money unit (``ds.money``) from the metrics
cube (:mod:`channel_lib.data.cube`); ratios are fractions (0.25 = 25 %).

Alignment score
---------------
Each channel is measured on the dimensions of :data:`DIMENSIONS`. For every dimension there is an
*actual* value, a *goal* taken from ``goals.yaml`` (or from the company as a whole where
``goals.yaml`` sets none), a *direction* and a *tolerance*:

=================  ==============================================  ==========================  ==========
dimension          actual                                          goal (direction)             tolerance
=================  ==============================================  ==========================  ==========
revenue_growth     channel revenue vs the same quarters a year     growth the revenue           0.20
                   before                                          objective needs over last
                                                                   year's company revenue
                                                                   (at least)
gross_margin       gross profit / revenue (no role goal, with      the role's own               0.10
                   channel costs: minus cost to serve / revenue)   ``gross_margin_goal``, else
                                                                   the corporate one (less the
                                                                   company's cost-to-serve
                                                                   ratio) (at least)
margin_trend       gross margin change vs a year before (points)   0, no erosion (at least)     0.05
segment_focus      share of revenue from the channel's declared    1 (at least)                 1
                   segments (no declared segments: 1 − total
                   variation distance to the corporate focus mix)
product_focus      the same for product lines                      1 (at least)                 1
new_customers      share of revenue from customers new to the      by customer focus:           see goal
                   company (first purchase in the window, with a   acquisition at least the
                   year of history before it)                      corporate share (tol. =
                                                                   share); coverage at least
                                                                   half of it (tol. = half);
                                                                   expansion at most it (tol.
                                                                   = 1 − share)
cost_to_serve      cost to serve / revenue                         company ratio (at most)      the goal
discount           list-value-weighted discount                    company discount (at most)   the goal
=================  ==============================================  ==========================  ==========

The dimension score is ``1 − clip(shortfall / tolerance, 0, 1)`` in [0, 1], where the shortfall
is ``goal − actual`` (at least) or ``actual − goal`` (at most): 1 when the goal is met or beaten,
falling linearly to 0 when the channel misses it by the tolerance or more. The alignment score is
the weighted mean over the dimensions that can be measured for the channel, times 100::

    score = 100 × Σ_d w_d s_d / Σ_d w_d        (d over the measurable dimensions)

so a channel meeting every goal scores 100, the maximum. A dimension that cannot be measured (no
prior year, a new channel, no ``channel_costs.csv``, no list prices) is left out and the other
weights are rescaled. ``points_lost = 100 × w_d (1 − s_d) / Σ w`` says how much each dimension
costs the channel: the breakdown that shows *why* a channel is out of line.

Weights are a parameter (:data:`DEFAULT_WEIGHTS` by what the year is managed for: revenue, or
revenue and profit); they must name known dimensions and sum to 1 (unnamed dimensions weigh 0).
**Raising one dimension's weight** (taking the weight from the others in proportion) **pulls
every channel's score towards its score on that dimension**: a channel that does worse on that
dimension than overall loses points, one that does better gains. With ``w' = (1 − t) w + t e_d``
the score is exactly ``(1 − t) score + t · 100 s_d`` when every dimension is measurable.

Findings
--------
Named (:func:`misalignments`; the page says them in words), each with a ``kind``:

- ``margin_erosion``: revenue grew while the gross margin fell by ``margin_drop`` (2 points) or
  more;
- ``role_departure``: the channel's actual role departs from the declared one — less than
  ``role_share`` (50 %) of its revenue from its declared segments or product lines, or customer
  focus contradicted (an acquisition channel bringing a smaller new-customer share than the
  company's established channels; an expansion channel whose new-customer share reaches the
  corporate goal); not judged in a channel's first year;
- ``growth_shortfall``: growth ``growth_gap`` (10 points) or more below what the objective needs;
- ``off_goal``: any other dimension scoring below ``flag_below`` (0.5).

Channel conflict (:func:`channel_conflict`): customers buying through two channels (or two
partners) *in the same quarter*, so a customer who moved is not counted; a pair is a conflict
when at least ``min_customers`` (5) customers are shared and the discounts the two give them lie
``discount_gap`` (5 points) or more apart. Dependency (:func:`dependency`): a channel with at
least ``dependency_threshold`` (30 %) of revenue, or a partner with that share of the revenue sold
through partners (as :func:`channel_lib.data.cube.revenue_shares` measures it).
"""

from channel_lib.analysis.alignment.actuals import channel_actuals, share
from channel_lib.analysis.alignment.conflict import channel_conflict, conflict_by_channel
from channel_lib.analysis.alignment.dependency import concentration_history, dependency
from channel_lib.analysis.alignment.evolution import (
    EVENTS,
    channel_evolution,
    evolution_by_quarter,
)
from channel_lib.analysis.alignment.plan import channel_targets, plan_against_objective
from channel_lib.analysis.alignment.roles import FINDING_COLUMNS, misalignments, role_fit
from channel_lib.analysis.alignment.scoring import (
    alignment_breakdown,
    alignment_scores,
    dimension_goals,
    score_dimensions,
)
from channel_lib.analysis.alignment.settings import (
    DEFAULT_WEIGHTS,
    DIMENSIONS,
    MANAGING_WORDS,
    TOLERANCE,
    Settings,
    available_years,
    check_parameters,
    for_year,
    open_alignment,
    resolve_settings,
    weights_table,
)
from channel_lib.analysis.alignment.view import (
    AlignmentView,
    build_view,
    history,
    mix_alignment,
    quadrant_frame,
    role_changes,
    score_history,
    system_alignment,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "DIMENSIONS",
    "EVENTS",
    "FINDING_COLUMNS",
    "MANAGING_WORDS",
    "TOLERANCE",
    "AlignmentView",
    "Settings",
    "alignment_breakdown",
    "alignment_scores",
    "available_years",
    "build_view",
    "channel_actuals",
    "channel_conflict",
    "channel_evolution",
    "channel_targets",
    "check_parameters",
    "concentration_history",
    "conflict_by_channel",
    "dependency",
    "dimension_goals",
    "evolution_by_quarter",
    "for_year",
    "history",
    "misalignments",
    "mix_alignment",
    "open_alignment",
    "plan_against_objective",
    "quadrant_frame",
    "resolve_settings",
    "role_changes",
    "role_fit",
    "score_dimensions",
    "score_history",
    "share",
    "system_alignment",
    "weights_table",
]
