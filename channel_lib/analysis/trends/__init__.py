"""Revenue vs profit trends (notebook ``04_revenue_profit_trends``).

Are we managing for revenue, or for revenue and profit? This module models the *monthly* series of
revenue, gross profit, contribution after cost to serve and margin — per channel, per partner and
for the whole company — and reports them by fiscal quarter (twelve quarterly points cannot carry a
seasonal decomposition, seasonal exponential smoothing and a holdout; 36 monthly points can):

- :func:`monthly_series` — the tidy monthly frame every other function works on (exact units of ``ds.money``,
  complete months up to the end of the reporting quarter);
- :func:`quarterly_series` — the same summed by fiscal quarter, for tables and small multiples;
- :func:`decompose` — STL trend, seasonal and remainder with bootstrap confidence bands of the trend;
- :func:`backtest`, :func:`select_models` and :func:`forecast` — a rolling-origin backtest of
  exponential smoothing (ETS) against the seasonal-naive forecast scored by MASE
  (:func:`mase_summary`), the better of the two per series (seasonal naive on ties), and its
  forecast of the next quarters with closed-form intervals; :func:`forecast_set` caches the three
  per dataset checksum and :func:`forecast_vs_plan` sets the forecast against the plan;
- :func:`divergence` — entities whose margin (profit relative to revenue) trends against their
  revenue, tested at a stated significance level with Benjamini–Hochberg correction, and the month
  the change began (:func:`breakpoint_search`);
- :func:`profit_bridge` — the change of gross profit between two quarters split into volume,
  price/discount, cost and channel mix, exact to the cent.


Analysis functions return tidy DataFrames and neither print nor plot; entities that cannot be
modelled (too short, constant, no sales) get a row with a ``note`` saying why, never an exception.
The report's sentences, charts and tables are in
:mod:`channel_lib.presentation.pages.revenue_profit_trends`.

The package, one job per module: :mod:`.series` (the monthly and quarterly frames, constants),
:mod:`.decompose` (STL with bands), :mod:`.divergence` (trend tests, breakpoints, divergence),
:mod:`.forecast` (ETS and seasonal-naive forecasts, backtest, MASE, model choice),
:mod:`.intervals` (closed-form intervals), :mod:`.forecast_set` (the cached set),
:mod:`.plan_gap` (forecast against plan), :mod:`.bridge` (the profit bridge) and
:mod:`.report` (:func:`trend_report`, notebook 04's one call).
"""

from __future__ import annotations

from channel_lib.analysis.trends.bridge import BRIDGE_COMPONENTS, bridge_from_frames, profit_bridge
from channel_lib.analysis.trends.decompose import decompose
from channel_lib.analysis.trends.divergence import (
    Breakpoint,
    TrendFit,
    breakpoint_search,
    divergence,
    fit_trend,
)
from channel_lib.analysis.trends.forecast import (
    GROWTH_NAIVE,
    MODEL_WORDS,
    SEASONAL_NAIVE,
    ForecastFit,
    backtest,
    fit_ets,
    forecast,
    mase_scale,
    mase_summary,
    seasonal_naive,
    seasonal_naive_growth,
    select_models,
)
from channel_lib.analysis.trends.forecast_set import ForecastSet, forecast_set
from channel_lib.analysis.trends.plan_gap import PLAN_SOURCES, forecast_vs_plan
from channel_lib.analysis.trends.report import (
    TrendReport,
    bridge_base_quarter,
    check_parameters,
    forecast_rows,
    margin_decomposition,
    trend_report,
)
from channel_lib.analysis.trends.series import (
    LEVELS,
    MEASURE_LABELS,
    MEASURES,
    MIN_SEASONAL_MONTHS,
    MIN_TREND_MONTHS,
    MONEY_MEASURES,
    PERIOD,
    RATIO_MEASURES,
    long_quarterly,
    monthly_series,
    quarterly_series,
)

__all__ = [
    "BRIDGE_COMPONENTS",
    "GROWTH_NAIVE",
    "LEVELS",
    "MEASURES",
    "MEASURE_LABELS",
    "MIN_SEASONAL_MONTHS",
    "MIN_TREND_MONTHS",
    "MODEL_WORDS",
    "MONEY_MEASURES",
    "PERIOD",
    "PLAN_SOURCES",
    "RATIO_MEASURES",
    "SEASONAL_NAIVE",
    "Breakpoint",
    "ForecastFit",
    "ForecastSet",
    "TrendFit",
    "TrendReport",
    "backtest",
    "breakpoint_search",
    "bridge_base_quarter",
    "bridge_from_frames",
    "check_parameters",
    "decompose",
    "divergence",
    "fit_ets",
    "fit_trend",
    "forecast",
    "forecast_rows",
    "forecast_set",
    "forecast_vs_plan",
    "long_quarterly",
    "margin_decomposition",
    "mase_scale",
    "mase_summary",
    "monthly_series",
    "profit_bridge",
    "quarterly_series",
    "seasonal_naive",
    "seasonal_naive_growth",
    "select_models",
    "trend_report",
]
