"""The quarter overview (notebook ``00_quarter_overview``): headline KPIs against last quarter and
last year; revenue, gross profit, attainment and channel dependency by channel.

Frames only: the tables, charts and sentences of the report are in
:mod:`channel_lib.presentation.pages.quarter_overview`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from channel_lib.core.errors import DataValidationError, Problem
from channel_lib.data import cube as metrics
from channel_lib.data.dataset import Dataset
from channel_lib.data.workbook import Workbook

#: The headline KPIs in display order: key → (label, unit).
KPIS: dict[str, tuple[str, str]] = {
    "revenue": ("Revenue", "currency"),
    "gross_profit": ("Gross profit", "currency"),
    "gross_margin": ("Gross margin", "share"),
    "active_partners": ("Partners with sales", "count"),
    "active_customers": ("Customers buying", "count"),
}


def comparison_quarters(wb: Workbook) -> dict[str, str]:
    """The reporting quarter, the one before and the same quarter a year earlier.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> comparison_quarters(open_workbook("tests/data/tiny", plans_dir="/tmp/plans"))
    {'this_quarter': 'FY2026-Q4', 'last_quarter': 'FY2026-Q3', 'last_year': 'FY2025-Q4'}
    """
    cal = wb.dataset.calendar
    return {
        "this_quarter": wb.quarter,
        "last_quarter": cal.shift_quarter(wb.quarter, -1),
        "last_year": cal.shift_quarter(wb.quarter, -4),
    }


def headline_kpis(wb: Workbook) -> pd.DataFrame:
    """Headline KPIs of the quarter against last quarter and the same quarter last year.

    Returns
    -------
    DataFrame
        One row per KPI of :data:`KPIS`: ``kpi``, ``label``, ``unit`` (``currency``, ``share`` or
        ``count``), ``this_quarter``, ``last_quarter``, ``last_year`` (float; ``NaN`` where the data
        does not reach back), ``change_vs_last_quarter`` and ``change_vs_last_year`` (fractions for
        currency and counts; percentage points as a fraction for the margin).
    """
    ds = wb.dataset
    quarters = comparison_quarters(wb)
    total = metrics.summarise(ds, by=(), period="quarter", periods=list(quarters.values()))
    total = total.set_index("period")
    values: dict[str, dict[str, float]] = {}
    for column, q in quarters.items():
        row = total.loc[q] if q in total.index else None
        values[column] = {
            "revenue": np.nan if row is None else float(row["revenue"]),
            "gross_profit": np.nan if row is None else float(row["gross_profit"]),
            "gross_margin": np.nan if row is None else float(row["gross_margin"]),
        }
    for dim, kpi in (("partner_id", "active_partners"), ("customer_id", "active_customers")):
        counts = metrics.summarise(ds, by=dim, period="quarter", periods=list(quarters.values()))
        counts = (
            counts[counts[dim].notna() & (counts["revenue_exact"] > 0)].groupby("period").size()
        )
        for column, q in quarters.items():
            values[column][kpi] = float(counts.get(q, np.nan)) if q in total.index else np.nan
    rows = []
    for kpi, (label, unit) in KPIS.items():
        now, before, year_ago = (values[c][kpi] for c in quarters)
        rows.append(
            {
                "kpi": kpi,
                "label": label,
                "unit": unit,
                "this_quarter": now,
                "last_quarter": before,
                "last_year": year_ago,
                "change_vs_last_quarter": _change(now, before, unit),
                "change_vs_last_year": _change(now, year_ago, unit),
            }
        )
    return pd.DataFrame(rows)


def _change(value: float, base: float, unit: str) -> float:
    if np.isnan(value) or np.isnan(base):
        return np.nan
    if unit == "share":
        return value - base
    return np.nan if base == 0 else (value - base) / abs(base)


def channel_quarter(wb: Workbook) -> pd.DataFrame:
    """Revenue, gross profit, share, growth, attainment and dependency per channel in the quarter.

    Returns
    -------
    DataFrame
        One row per channel of ``channels.csv`` (in file order), columns ``channel_id``,
        ``channel_name``, ``revenue``, ``gross_profit``, ``gross_margin``, ``revenue_share``,
        ``revenue_vs_last_year`` (fraction), ``revenue_target``, ``attainment`` (fraction, ``NaN``
        without a target), ``dependency`` (bool: share ≥ the dependency threshold of goals.yaml).
        ``frame.attrs["targets_source"]`` says where the targets came from.
    """
    ds = wb.dataset
    channels = ds.table("channels")[["channel_id", "channel_name"]]
    quarter = metrics.summarise(ds, by="channel_id", period="quarter", periods=[wb.quarter])
    g = metrics.growth(ds, by="channel_id", period="quarter")
    g = g.loc[g["period"] == wb.quarter, ["channel_id", "change_vs_year_ago"]]
    frame = channels.merge(
        quarter[["channel_id", "revenue", "gross_profit", "gross_margin", "revenue_share"]],
        on="channel_id",
        how="left",
    ).merge(
        g.rename(columns={"change_vs_year_ago": "revenue_vs_last_year"}),
        on="channel_id",
        how="left",
    )
    frame[["revenue", "gross_profit"]] = frame[["revenue", "gross_profit"]].fillna(0.0)
    frame["revenue_share"] = frame["revenue_share"].fillna(0.0)
    source = "none"
    frame["revenue_target"] = np.nan
    frame["attainment"] = np.nan
    try:  # no target for the quarter anywhere: the columns stay empty and targets_note says so
        att = metrics.attainment(ds, wb.quarter, plans_dir=wb.plans_dir)
    except metrics.MissingDataError:
        att = None
    if att is not None:
        att = att[(att["level"] == "channel") & (att["metric"] == "revenue")]
        if not att.empty:
            source = str(att["source"].iloc[0])
            targets = att.set_index("channel_id")
            frame["revenue_target"] = frame["channel_id"].map(targets["target"])
            frame["attainment"] = frame["channel_id"].map(targets["attainment"])
    frame["dependency"] = frame["revenue_share"] >= ds.goals.signals.dependency_share
    frame.attrs["targets_source"] = source
    return frame


#: Columns of :func:`control_totals`.
CONTROL_TOTALS_COLUMNS = (
    "fiscal_year",
    "level",
    "channel_id",
    "channel_name",
    "lines",
    "revenue_exact",
    "cost_of_sales_exact",
)


def control_totals(ds: Dataset, *, years: Sequence[str] | None = None) -> pd.DataFrame:
    """Lines, revenue and cost of sales of ``sales`` per fiscal year and channel, summed exactly.

    The figures to reconcile with the source system (an ERP's sales journal) before reading any
    report: what the dataset holds, not what an analysis made of it.

    Parameters
    ----------
    ds : Dataset
        The validated dataset.
    years : sequence of str, optional
        Fiscal years to keep (``["FY2026"]``); default every year the sales span.

    Returns
    -------
    DataFrame
        One row per fiscal year and channel with sales (channels in ``channels.csv`` order), then
        the year's total, years in order. Columns: ``fiscal_year`` (``FY2026``), ``level``
        (``"channel"`` or ``"year"`` for the total), ``channel_id`` and ``channel_name`` (missing
        on a total), ``lines`` (int), ``revenue_exact`` and ``cost_of_sales_exact`` (int: exact
        counts of the money unit, ``ds.money``; ``ds.money.format(v)`` is the amount's text at the
        source's precision).

    Raises
    ------
    ParameterError
        For a fiscal year label not of the form ``FY2026``.

    Notes
    -----
    The sums are DuckDB ``DECIMAL`` sums of the typed ``sales`` table (no float anywhere), taken
    as integers of ``10^-money_decimals``. A line's fiscal year comes from ``order_date`` and the
    fiscal calendar of ``goals.yaml`` (``fiscal_year: start_month, naming``).

    Examples
    --------
    >>> from channel_lib.data.loader import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> t = control_totals(ds, years=["FY2025"])
    >>> t[["level", "channel_id", "lines"]].fillna("").values.tolist()
    [['channel', 'DIR', 5], ['channel', 'DIST', 6], ['channel', 'WEB', 2], ['year', '', 13]]
    >>> ds.money.format(int(t["revenue_exact"].iloc[-1]))  # money_decimals places: 4 by default
    '59590.0000'
    """
    wanted = None if years is None else list(years)
    for label in wanted or ():
        ds.calendar.year_bounds(label)  # raises for a label that is not a fiscal year
    start = ds.calendar.start_month
    # years to add to the calendar year a fiscal year starts in to get its name (FY2026 = Jul 2025
    # to Jun 2026 with naming "end"), from the calendar itself
    offset = int(ds.calendar.year_of(f"2000-{start:02d}-01")[2:]) - 2000
    rows = ds.con.execute(
        """
        WITH lines AS (
            SELECT 'FY' || CAST(year(order_date) - (month(order_date) < $start)::INTEGER
                                + $offset AS VARCHAR) AS fiscal_year,
                   channel_id, revenue, cost_of_sales
            FROM sales),
        channel_order AS (SELECT channel_id, channel_name, row_number() OVER () AS position
                          FROM channels)
        SELECT l.fiscal_year, l.channel_id, any_value(c.channel_name), count(*),
               sum(l.revenue), sum(l.cost_of_sales), grouping(l.channel_id) AS is_total,
               min(c.position) AS position
        FROM lines l LEFT JOIN channel_order c USING (channel_id)
        GROUP BY GROUPING SETS ((l.fiscal_year, l.channel_id), (l.fiscal_year))
        ORDER BY l.fiscal_year, is_total, position, l.channel_id
        """,
        {"start": start, "offset": offset},  # bound parameters, never SQL text (issue 24)
    ).fetchall()
    records = []
    for fy, channel, name, lines, revenue, cost, is_total, _ in rows:
        if wanted is not None and fy not in wanted:
            continue
        records.append(
            {
                "fiscal_year": fy,
                "level": "year" if is_total else "channel",
                "channel_id": None if is_total else channel,
                "channel_name": None if is_total else name,
                "lines": int(lines),
                "revenue_exact": _exact(ds, revenue, "revenue"),
                "cost_of_sales_exact": _exact(ds, cost, "cost_of_sales"),
            }
        )
    frame = pd.DataFrame(records, columns=list(CONTROL_TOTALS_COLUMNS))
    return frame.astype(
        {"lines": "int64", "revenue_exact": "int64", "cost_of_sales_exact": "int64"}
    )


def _exact(ds: Dataset, total: Decimal | None, column: str) -> int:
    """A DECIMAL sum as exact money units (a sum of amounts with ≤ d places has ≤ d places)."""
    exact = ds.money.parse(0 if total is None else total)
    if exact is None:
        raise DataValidationError(
            [
                Problem(
                    "sales", column, None, str(total),
                    f"sums to more than {ds.money.decimals} decimals (money_decimals of "
                    "goals.yaml); the loader should have refused the lines: validate the folder",
                )
            ]
        )  # fmt: skip
    return exact
