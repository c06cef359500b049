"""Core metrics by channel, partner, customer, product line and fiscal period.

Revenue, gross profit and margin, discount, cost to serve, contribution, growth, share of
revenue, concentration and attainment against targets.

How it works
------------
DuckDB scans the sales table and aggregates it into a *monthly cube* — one row per month ×
channel × partner × customer × product line — with money summed exactly in DECIMAL and stored as
integers of the dataset's money unit (``BIGINT``; ``ds.money``: 10^-d of the currency, d =
``money_decimals`` of ``goals.yaml``). The cube stays in the dataset's DuckDB connection (a temporary table)
and is kept in the :class:`~channel_lib.data.dataset.Dataset`'s cache (:func:`cube_table`); every
function below aggregates the cube (:func:`cube_sums`) and hands pandas a small tidy frame.

The cube comes in two grains of the same definition, each built at most once per dataset: without
``customer_id`` (channel, partner and product-line metrics; tens of thousands of rows even for 10M
sales lines) and with it (built on the first customer-level request, since with tens of thousands of
customers it has millions of rows and costs seconds to build at 10M lines).

Fiscal periods come from the dataset's calendar (``goals.yaml``: start month and naming): the
months spanned by the data are labelled in pandas with :class:`~channel_lib.core.calendar.FiscalCalendar`
and joined to the cube, so a quarter here is always the quarter the rest of the workbook uses.

Money columns
-------------
Every money figure comes twice: ``<name>_exact`` (``int64``, exact: re-aggregate these) and
``<name>`` (``float64`` in the dataset's currency, converted once from the exact units by
``ds.money.amount``, for display and charts; ``ds.money.to_exact(x)`` recovers the exact amount
while it has fewer than 15 significant digits). The one rounding is ``list_value_exact``
(quantity × list price, rounded to the unit). Ratios (margin, discount, share, change,
attainment) are fractions (0.25 = 25 %), ``NaN`` where the denominator is zero.

Periods
-------
``period="month"`` labels months ``2026-01``; ``"quarter"`` fiscal quarters ``FY2026-Q3``;
``"year"`` fiscal years ``FY2026``; ``"all"`` one period ``all`` over the whole data. Every frame
with a period has ``period`` (label) and ``period_start`` (first day, Timestamp).

Modules
-------
- :mod:`.terms` — dimensions, periods, metrics, argument checks, money columns
  (:func:`~.terms.exact_sql`, :func:`~.terms.add_money`), :func:`ratio`;
- :mod:`.build` — the monthly cube and its periods, built once per dataset;
- :mod:`.sums` — :func:`cube_sums` and :func:`summarise`;
- :mod:`.change` — :func:`growth` and :func:`trailing_growth`;
- :mod:`.shares` — :func:`revenue_shares`, :func:`concentration`, :func:`herfindahl`,
  :func:`top_share`;
- :mod:`.costs` — :func:`cost_to_serve` and :func:`contribution`;
- :mod:`.target_attainment` — :func:`attainment` against the quarter's targets.

Notebooks call these as ``metrics.<name>`` (this package); every public name is here.
"""

from __future__ import annotations

from channel_lib.data.cube.build import (
    adopt_cubes,
    cube_cache,
    cube_table,
    fiscal_periods,
    monthly_cube,
)
from channel_lib.data.cube.change import growth, trailing_growth
from channel_lib.data.cube.costs import contribution, cost_to_serve
from channel_lib.data.cube.shares import concentration, herfindahl, revenue_shares, top_share
from channel_lib.data.cube.sums import cube_sums, summarise
from channel_lib.data.cube.target_attainment import attainment, read_plan_targets
from channel_lib.data.cube.terms import (
    DIMENSIONS,
    MONEY_METRICS,
    PERIODS,
    MissingDataError,
    ratio,
)

#: The metrics' entry in a dataset's cache (the old private name, read by tests/test_reports.py).
_cache = cube_cache

__all__ = [
    "DIMENSIONS",
    "MONEY_METRICS",
    "PERIODS",
    "MissingDataError",
    "adopt_cubes",
    "attainment",
    "concentration",
    "contribution",
    "cost_to_serve",
    "cube_sums",
    "cube_table",
    "fiscal_periods",
    "growth",
    "herfindahl",
    "monthly_cube",
    "ratio",
    "read_plan_targets",
    "revenue_shares",
    "summarise",
    "top_share",
    "trailing_growth",
]
