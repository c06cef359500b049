"""Revenue vs profit trends (notebook ``04_revenue_profit_trends``).

Are we managing for revenue, or for revenue and profit? This module models the *monthly* series of
revenue, gross profit, contribution after cost to serve and margin — per channel, per partner and
for the whole company — and reports them by fiscal quarter (twelve quarterly points cannot carry a
seasonal decomposition, seasonal exponential smoothing and a holdout; 36 monthly points can):

- :func:`monthly_series` — the tidy monthly frame every other function works on (exact units of ``ds.money``,
  complete months up to the end of the reporting quarter);
- :func:`quarterly_series` — the same summed by fiscal quarter, for tables and small multiples;
- :func:`decompose` — STL trend, seasonal and remainder with bootstrap confidence bands of the trend;
- :func:`forecast` and :func:`backtest` — exponential smoothing (ETS) forecasts of the next quarters
  with simulated prediction intervals, and a rolling-origin backtest against the seasonal-naive
  baseline, scored by MASE (:func:`mase_summary`);
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
:mod:`.forecast` (ETS forecasts, backtest, MASE), :mod:`.bridge` (the profit bridge) and
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
    ForecastFit,
    backtest,
    fit_ets,
    forecast,
    mase_scale,
    mase_summary,
    seasonal_naive,
)
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
    "LEVELS",
    "MEASURES",
    "MEASURE_LABELS",
    "MIN_SEASONAL_MONTHS",
    "MIN_TREND_MONTHS",
    "MONEY_MEASURES",
    "PERIOD",
    "RATIO_MEASURES",
    "Breakpoint",
    "ForecastFit",
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
    "long_quarterly",
    "margin_decomposition",
    "mase_scale",
    "mase_summary",
    "monthly_series",
    "profit_bridge",
    "quarterly_series",
    "seasonal_naive",
    "trend_report",
]
