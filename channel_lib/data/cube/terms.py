"""The cube's vocabulary: dimensions, periods and metrics, argument checks, money and ratios.

What every metric shares: which names ``by``, ``period`` and ``metric`` accept (and the error
naming the choices), the SQL that turns an exact DECIMAL sum into integer units of the
dataset's money (:func:`exact_sql`), the money columns in currency next to the exact units
(:func:`add_money`), and the ratio that is ``NaN`` where its denominator is zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.money import MoneyUnit

#: Dimensions of the monthly cube that results can be grouped by.
DIMENSIONS: tuple[str, ...] = ("channel_id", "partner_id", "customer_id", "product_line")
#: Period granularities.
PERIODS: tuple[str, ...] = ("month", "quarter", "year", "all")
#: Metrics that growth and attainment can be computed on (money, in exact units in the cube).
MONEY_METRICS: tuple[str, ...] = ("revenue", "gross_profit", "cost_of_sales")

# period -> (label column, start column) in the period table
PERIOD_COLUMNS = {
    "month": ("month_label", "month"),
    "quarter": ("quarter", "quarter_start"),
    "year": ("fiscal_year", "year_start"),
    "all": ("all_label", "all_start"),
}
# the cube's sums (money in exact units of ds.money) -> SQL over the cube rows
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


def exact_sql(expr: str, money: MoneyUnit) -> str:
    """SQL of an exact DECIMAL amount ``expr`` as a BIGINT count of ``money``'s unit.

    The amount is widened to ``DECIMAL(38, d)`` and multiplied by ``10^d`` (``d`` =
    ``money.decimals``) in DECIMAL arithmetic, so the result is exact: the loader admits no
    amount with more than ``d`` places, so the widening never rounds and the product is whole.
    An amount beyond BIGINT (about 9.2 × 10^18 units) is DuckDB's overflow error, never a wrapped
    number.

    Parameters
    ----------
    expr : str
        A DECIMAL expression in currency units, e.g. ``"sum(revenue)"``.
    money : MoneyUnit
        The dataset's unit (``ds.money``).

    Returns
    -------
    str
        A BIGINT expression.

    Examples
    --------
    >>> exact_sql("sum(revenue)", MoneyUnit("USD", 4))
    'CAST(CAST(sum(revenue) AS DECIMAL(38, 4)) * 10000 AS BIGINT)'
    """
    _check_unit(money)
    return f"CAST(CAST({expr} AS DECIMAL(38, {money.decimals})) * {money.scale} AS BIGINT)"


def rounded_exact_sql(expr: str, money: MoneyUnit) -> str:
    """SQL of a DECIMAL amount with more places than the unit, rounded to it (half away from zero).

    Only for a product computed by the workbook (``list_value_exact`` = quantity × list price),
    never for an amount read from the source, which :func:`exact_sql` keeps exactly.

    Examples
    --------
    >>> rounded_exact_sql("sum(q * p)", MoneyUnit("USD", 2))
    'CAST(round((sum(q * p)) * 100) AS BIGINT)'
    """
    _check_unit(money)
    return f"CAST(round(({expr}) * {money.scale}) AS BIGINT)"


def _check_unit(money: object) -> None:
    if not isinstance(money, MoneyUnit):
        raise TypeError(
            f"money={money!r}: pass the dataset's money unit (ds.money, a "
            "channel_lib.core.money.MoneyUnit)"
        )


def add_money(frame: pd.DataFrame, money: MoneyUnit, *names: str) -> pd.DataFrame:
    """Add ``<name>`` in currency units (float) next to each exact ``<name>_exact`` column.

    Parameters
    ----------
    frame : DataFrame
        Holds ``<name>_exact`` (int64 or nullable Int64: a count of ``money``'s unit) for each
        name; changed in place.
    money : MoneyUnit
        The unit of those columns (``ds.money``).
    *names : str
        The money columns to add.

    Returns
    -------
    DataFrame
        ``frame``, with ``<name>`` (float64, currency; ``NaN`` where the exact value is missing).

    Examples
    --------
    >>> f = pd.DataFrame({"revenue_exact": pd.array([1234567, None], dtype="Int64")})
    >>> add_money(f, MoneyUnit("USD", 4), "revenue")["revenue"].tolist()
    [123.4567, nan]
    """
    _check_unit(money)
    for name in names:
        exact = frame[f"{name}_exact"].astype("Float64").astype("float64")
        frame[name] = money.amount(exact)
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


def period_filter(label: str, periods: Sequence[str] | None) -> tuple[str, list[str]]:
    """A ``WHERE`` clause keeping the rows of ``periods``, with the labels as bound parameters.

    The labels reach DuckDB as parameters (``?``), never as SQL text, so a label with a quote or
    a semicolon is a value that matches nothing rather than a statement (issue 24, point 4).

    Parameters
    ----------
    label : str
        The period table's label column (from :func:`check_period`, never from the user).
    periods : sequence of str or None
        Period labels such as ``"FY2026-Q3"``; None or empty: no filter.

    Returns
    -------
    (str, list of str)
        The clause (``""`` when there is no filter) and its parameters, in order.

    Examples
    --------
    >>> period_filter("quarter", ["FY2026-Q3", "x'; DROP TABLE sales; --"])
    ('WHERE p.quarter IN (?, ?)', ['FY2026-Q3', "x'; DROP TABLE sales; --"])
    >>> period_filter("quarter", None)
    ('', [])
    """
    if not periods:
        return "", []
    values = [str(v) for v in periods]
    return f"WHERE p.{label} IN ({', '.join('?' for _ in values)})", values
