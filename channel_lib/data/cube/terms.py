"""The cube's vocabulary: dimensions, periods and metrics, argument checks, money and ratios.

What every metric shares: which names ``by``, ``period`` and ``metric`` accept (and the error
naming the choices), the money columns in currency next to the exact cents, and the ratio that
is ``NaN`` where its denominator is zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError

#: Dimensions of the monthly cube that results can be grouped by.
DIMENSIONS: tuple[str, ...] = ("channel_id", "partner_id", "customer_id", "product_line")
#: Period granularities.
PERIODS: tuple[str, ...] = ("month", "quarter", "year", "all")
#: Metrics that growth and attainment can be computed on (money, in cents in the cube).
MONEY_METRICS: tuple[str, ...] = ("revenue", "gross_profit", "cost_of_sales")

# period -> (label column, start column) in the period table
PERIOD_COLUMNS = {
    "month": ("month_label", "month"),
    "quarter": ("quarter", "quarter_start"),
    "year": ("fiscal_year", "year_start"),
    "all": ("all_label", "all_start"),
}
# the cube's money sums (cents) -> SQL over the cube rows
CUBE_SUMS = {
    "lines": "lines",
    "quantity": "quantity",
    "revenue_exact": "revenue_exact",
    "cost_of_sales_exact": "cost_of_sales_exact",
    "listed_revenue_exact": "listed_revenue_exact",
    "list_value_exact": "list_value_exact",
}


class MissingDataError(ChannelLibError, LookupError):
    """An analysis needs an optional file (or rows) that the dataset does not have.

    The message says in plain words what is missing and how to enable the analysis; notebooks show
    it in place of the section.
    """


def grain_of(by: Sequence[str]) -> str:
    return "customer" if "customer_id" in by else "partner"


# -- argument checks ---------------------------------------------------------------------------------
def check_by(by: Sequence[str] | str) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by)
    unknown = [c for c in cols if c not in DIMENSIONS]
    if unknown or len(set(cols)) != len(cols):
        raise ParameterError(
            f"by={by!r}: group by any of {', '.join(DIMENSIONS)} (each at most once)"
        )
    return cols


def check_period(period: str) -> tuple[str, str]:
    if period not in PERIOD_COLUMNS:
        raise ParameterError(f"period={period!r}: use one of {', '.join(PERIODS)}")
    return PERIOD_COLUMNS[period]


def check_metric(metric: str) -> None:
    if metric not in MONEY_METRICS:
        raise ParameterError(f"metric={metric!r}: use one of {', '.join(MONEY_METRICS)}")


def add_money(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Add ``<name>`` in currency units (float) next to each exact ``<name>_exact`` column."""
    for name in names:
        cents = frame[f"{name}_exact"]
        frame[name] = cents.astype("float64") / 100.0
    return frame


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """``num / den`` as float64, ``NaN`` where ``den`` is zero: the workbook's ratios.

    Parameters
    ----------
    num, den : Series
        Numerator and denominator (e.g. exact ``*_exact`` columns), aligned on their index.

    Returns
    -------
    Series
        float64; ``NaN`` where the denominator is zero (or missing).

    Examples
    --------
    >>> ratio(pd.Series([25, 5, 0]), pd.Series([100, 0, 4])).tolist()
    [0.25, nan, 0.0]
    """
    num = num.astype("float64")
    den = den.astype("float64")
    return (num / den.where(den != 0)).astype("float64")


def quote_list(values: Sequence[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
