"""Altair chart builders, one module per notebook topic, behind one short name.

Notebooks call ``charts.<builder>`` (``from channel_lib import charts``); the builders live in

- :mod:`.basic` — bars by channel, lines over time;
- :mod:`.alignment` — orientation and alignment (notebook 01);
- :mod:`.targets` — target setting (02);
- :mod:`.investment` — investment allocation (03);
- :mod:`.trends` — revenue vs profit trends (04);
- :mod:`.signals` — performance signals and scorecards (05);
- :mod:`.partners` — the partner review (06);
- :mod:`.common` — what they share (channel colour scale, frame checks, tooltips, axes, notes).

Importing this package registers and enables the ``channel_workbook`` theme
(:mod:`channel_lib.presentation.theme`: fonts, number formats with thousands separators, tooltips
on) and the offline renderer (:func:`channel_lib.presentation.offline.enable_offline_charts`), so a
chart never loads vega from a CDN. Each channel keeps one colour in every chart and every report:
:func:`channel_color_scale` assigns the palette by the channel's position in ``channels.csv``, so
the same dataset always gives the same colours.

Chart builders take tidy (long-form) frames, as the analysis functions return them, and return an
``alt.Chart``; notebooks only display them.
"""

from __future__ import annotations

from channel_lib.presentation.charts.alignment import (
    alignment_heatmap,
    concentration_over_time,
    conflict_overlap,
    growth_margin_quadrant,
)
from channel_lib.presentation.charts.basic import (
    bar_by_channel,
    line_over_time,
)
from channel_lib.presentation.charts.common import (
    channel_color_scale,
)
from channel_lib.presentation.charts.investment import (
    allocation_comparison,
    budget_scenarios_chart,
    marginal_return_bars,
    profit_net_of_spend,
    response_curves,
)
from channel_lib.presentation.charts.partners import (
    partner_performance,
    partner_position_history,
)
from channel_lib.presentation.charts.signals import (
    portfolio_scatter,
    scorecard_lights,
    signals_by_exposure,
    signals_triaged,
)
from channel_lib.presentation.charts.targets import (
    indicator_model,
    method_comparison,
    objective_waterfall,
    quarterly_phasing,
)
from channel_lib.presentation.charts.trends import (
    forecast_fan,
    margin_band,
    profit_bridge_waterfall,
    trend_small_multiples,
)
from channel_lib.presentation.offline import enable_offline_charts
from channel_lib.presentation.theme import (
    AMOUNT_AXIS_FORMAT,
    CHANGE_FORMAT,
    CHANNEL_PALETTE,
    FONT,
    LIGHT_COLOURS,
    MONEY_FORMAT,
    NUMBER_FORMAT,
    PERCENT_FORMAT,
    channel_workbook,
)

__all__ = [
    "AMOUNT_AXIS_FORMAT",
    "CHANGE_FORMAT",
    "CHANNEL_PALETTE",
    "FONT",
    "LIGHT_COLOURS",
    "MONEY_FORMAT",
    "NUMBER_FORMAT",
    "PERCENT_FORMAT",
    "alignment_heatmap",
    "allocation_comparison",
    "bar_by_channel",
    "budget_scenarios_chart",
    "channel_color_scale",
    "channel_workbook",
    "concentration_over_time",
    "conflict_overlap",
    "enable_offline_charts",
    "forecast_fan",
    "growth_margin_quadrant",
    "indicator_model",
    "line_over_time",
    "margin_band",
    "marginal_return_bars",
    "method_comparison",
    "objective_waterfall",
    "partner_performance",
    "partner_position_history",
    "portfolio_scatter",
    "profit_bridge_waterfall",
    "profit_net_of_spend",
    "quarterly_phasing",
    "response_curves",
    "scorecard_lights",
    "signals_by_exposure",
    "signals_triaged",
    "trend_small_multiples",
]

enable_offline_charts()  # the theme and the offline renderer, for every notebook that imports charts
