"""Notebook 04's one call: :func:`trend_report` runs every trend analysis for the reporting
quarter and returns a :class:`TrendReport` (frames and notes;
:mod:`channel_lib.presentation.pages.revenue_profit_trends` shows it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from channel_lib.analysis.trends.bridge import profit_bridge
from channel_lib.analysis.trends.decompose import decompose
from channel_lib.analysis.trends.divergence import divergence
from channel_lib.analysis.trends.forecast_set import forecast_set
from channel_lib.analysis.trends.plan_gap import forecast_vs_plan
from channel_lib.analysis.trends.series import MONEY_MEASURES, monthly_series, quarterly_series
from channel_lib.core.calendar import FiscalCalendar
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.loader import Dataset
from channel_lib.data.workbook import Workbook

__all__ = [
    "TrendReport",
    "bridge_base_quarter",
    "check_parameters",
    "forecast_rows",
    "margin_decomposition",
    "trend_report",
]


def check_parameters(
    *, alpha: float, horizon_quarters: int, backtest_origins: int, min_segment_months: int
) -> None:
    """Validate the trend notebook's parameters; raise one clear error before any work.

    Raises
    ------
    ParameterError
        When ``alpha`` is not in (0, 0.5), the horizon is not 1–8 quarters, the backtest origins
        are not 1–12 or the minimum segment is not 3–18 months.

    Examples
    --------
    >>> check_parameters(alpha=0.05, horizon_quarters=2, backtest_origins=4, min_segment_months=6)
    >>> check_parameters(alpha=1.5, horizon_quarters=2, backtest_origins=4, min_segment_months=6)
    Traceback (most recent call last):
    ...
    channel_lib.core.errors.ParameterError: alpha=1.5: a significance level lies in (0, 0.5), e.g. 0.05
    """
    if not isinstance(alpha, float | int) or not 0 < alpha < 0.5:
        raise ParameterError(f"alpha={alpha!r}: a significance level lies in (0, 0.5), e.g. 0.05")
    if not isinstance(horizon_quarters, int) or not 1 <= horizon_quarters <= 8:
        raise ParameterError(f"horizon_quarters={horizon_quarters!r}: forecast 1 to 8 quarters")
    if not isinstance(backtest_origins, int) or not 1 <= backtest_origins <= 12:
        raise ParameterError(f"backtest_origins={backtest_origins!r}: use 1 to 12 origins")
    if not isinstance(min_segment_months, int) or not 3 <= min_segment_months <= 18:
        raise ParameterError(
            f"min_segment_months={min_segment_months!r}: a segment is 3 to 18 months long"
        )


@dataclass
class TrendReport:
    """Everything notebook 04 shows, computed once by :func:`trend_report`.

    Attributes
    ----------
    quarter : str
        Reporting quarter (the series end with its last month).
    monthly, quarterly : DataFrame
        :func:`monthly_series` (total, channels and, when asked, partners) and
        :func:`quarterly_series`.
    decomposition : DataFrame
        :func:`decompose` of revenue, gross profit, contribution (trend only) and the margins
        (with bootstrap bands), for the total and the channels.
    forecasts : DataFrame
        :func:`forecast` of revenue and gross profit for the total and the channels, each series
        with the model ``selection`` chose.
    fits : dict
        The fits behind ``forecasts`` (:class:`ForecastFit`).
    backtest, mase : DataFrame
        :func:`backtest` and :func:`mase_summary`.
    selection : DataFrame
        :func:`select_models`: the model of each series and why.
    plan_gap : DataFrame
        :func:`~channel_lib.analysis.trends.plan_gap.forecast_vs_plan`: the forecast quarters
        against the plan (``attrs["note"]`` names quarters without one).
    divergence : DataFrame
        :func:`divergence` over channels (and partners).
    bridge : DataFrame or None
        :func:`profit_bridge` from ``bridge_base`` to the reporting quarter; ``None`` when the base
        quarter lies before the data (see ``notes``).
    notes : DataFrame
        ``section``, ``entity_id``, ``note``: every series that could not be modelled and why.
    has_costs : bool
        Whether ``channel_costs`` was there (contribution after cost to serve).
    money : MoneyUnit
        The dataset's money unit (``ds.money``; :func:`trend_report` sets it): the unit of every
        ``*_exact`` column, and the minor unit the report shows money to.
    """

    quarter: str
    monthly: pd.DataFrame
    quarterly: pd.DataFrame
    decomposition: pd.DataFrame
    forecasts: pd.DataFrame
    fits: dict
    backtest: pd.DataFrame
    mase: pd.DataFrame
    divergence: pd.DataFrame
    bridge: pd.DataFrame | None
    bridge_note: str
    notes: pd.DataFrame
    has_costs: bool
    alpha: float
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    plan_gap: pd.DataFrame = field(default_factory=pd.DataFrame)
    names: dict[str, str] = field(default_factory=dict)
    currency: str = ""
    money: MoneyUnit = field(default_factory=MoneyUnit)


def bridge_base_quarter(calendar: FiscalCalendar, quarter: str, bridge_base: str) -> str:
    """The base quarter of the bridge: ``"last_year"``, ``"last_quarter"`` or a quarter label.

    Examples
    --------
    >>> from channel_lib.core.calendar import FiscalCalendar
    >>> bridge_base_quarter(FiscalCalendar(start_month=7), "FY2026-Q4", "last_year")
    'FY2025-Q4'
    """
    if bridge_base == "last_year":
        return calendar.shift_quarter(quarter, -4)
    if bridge_base == "last_quarter":
        return calendar.shift_quarter(quarter, -1)
    try:
        return calendar.validate_quarter(bridge_base)
    except Exception as exc:  # the calendar's own message, with the choices added
        raise ParameterError(
            f"bridge_base={bridge_base!r}: use last_year, last_quarter or a quarter like FY2025-Q4"
        ) from exc


def trend_report(
    wb: Workbook,
    *,
    alpha: float = 0.05,
    horizon_quarters: int = 2,
    backtest_origins: int = 4,
    min_segment_months: int = 6,
    bridge_base: str = "last_year",
    partners: bool = True,
    seed: int = 0,
) -> TrendReport:
    """Run every analysis of notebook 04 for the workbook's reporting quarter.

    Parameters
    ----------
    wb : Workbook
        From :func:`channel_lib.data.workbook.open_workbook`.
    alpha : float
        False-discovery rate of the divergence test.
    horizon_quarters : int
        Quarters to forecast.
    backtest_origins : int
        Rolling origins of the backtest (one quarter apart, one quarter ahead each).
    min_segment_months : int
        Fewest months either side of a divergence's start month.
    bridge_base : str
        Base quarter of the profit bridge: ``"last_year"`` (same quarter a year before),
        ``"last_quarter"`` or a label.
    partners : bool
        Test partners for divergence too (with the channels, as one family).
    seed : int
        Seed of the bootstrap bands.

    Returns
    -------
    TrendReport

    Raises
    ------
    ParameterError
        For an invalid parameter (checked before any work).
    """
    check_parameters(
        alpha=alpha,
        horizon_quarters=horizon_quarters,
        backtest_origins=backtest_origins,
        min_segment_months=min_segment_months,
    )
    ds = wb.dataset
    base_q = bridge_base_quarter(ds.calendar, wb.quarter, bridge_base)
    levels = ("total", "channel", "partner") if partners else ("total", "channel")
    monthly = monthly_series(ds, quarter=wb.quarter, levels=levels)
    has_costs = bool(monthly.attrs["has_costs"])
    top = ("total", "channel")
    decomposition = _decomposition(monthly, has_costs=has_costs, seed=seed)
    fs = forecast_set(
        ds, wb.quarter, horizon_quarters=horizon_quarters, backtest_origins=backtest_origins,
        levels=top, monthly=monthly,
    )  # fmt: skip
    div = divergence(
        monthly, alpha=alpha, levels=("channel", "partner") if partners else ("channel",),
        min_segment=min_segment_months,
    )  # fmt: skip
    bridge, bridge_note = _bridge(ds, monthly, base_q, wb.quarter)
    notes = _collect_notes(decomposition, fs.forecasts, fs.backtest, div)
    return TrendReport(
        quarter=wb.quarter, monthly=monthly, quarterly=quarterly_series(monthly, money=ds.money),
        decomposition=decomposition, forecasts=fs.forecasts, fits=fs.fits, backtest=fs.backtest,
        mase=fs.mase, divergence=div, bridge=bridge, bridge_note=bridge_note,
        notes=notes, has_costs=has_costs, alpha=alpha, selection=fs.selection,
        plan_gap=forecast_vs_plan(wb, fs.forecasts), names=_names(ds),
        currency=ds.goals.currency, money=ds.money,
    )  # fmt: skip


def _decomposition(monthly: pd.DataFrame, *, has_costs: bool, seed: int) -> pd.DataFrame:
    """The company's and the channels' decomposition: money series without bands, margins with."""
    top = ("total", "channel")
    ratio = ("gross_margin", "contribution_margin") if has_costs else ("gross_margin",)
    money = MONEY_MEASURES if has_costs else ("revenue", "gross_profit")
    # bands where the report shows them (margins); money series get the decomposition only
    return pd.concat(
        [
            decompose(monthly, measures=money, levels=top, n_boot=0, seed=seed),
            decompose(monthly, measures=ratio, levels=top, n_boot=200, seed=seed),
        ],
        ignore_index=True,
    )


def _names(ds: Dataset) -> dict[str, str]:
    """Channel id → name, and ``ALL`` → "All channels"."""
    channels = ds.table("channels")
    names = dict(zip(channels["channel_id"], channels["channel_name"], strict=True))
    names["ALL"] = "All channels"
    return names


def _bridge(
    ds: Dataset, monthly: pd.DataFrame, base_q: str, quarter: str
) -> tuple[pd.DataFrame | None, str]:
    """The profit bridge from ``base_q`` to ``quarter``, or ``None`` and the reason there is none."""
    first_q = monthly["quarter"].iloc[0] if len(monthly) else None
    if base_q not in set(monthly["quarter"]):
        return None, (
            f"The profit bridge needs sales in {base_q}, which lies before the data "
            f"(first quarter {first_q}); choose a later bridge_base."
        )
    if base_q == quarter:
        return None, f"The bridge base {base_q} is the reporting quarter itself: nothing to bridge."
    return profit_bridge(ds, base=base_q, current=quarter), ""


def _collect_notes(
    decomposition: pd.DataFrame, forecasts: pd.DataFrame, bt: pd.DataFrame, div: pd.DataFrame
) -> pd.DataFrame:
    parts = []
    for section, frame, what in (
        ("decomposition", decomposition, "measure"),
        ("forecast", forecasts, "measure"),
        ("backtest", bt, "measure"),
    ):
        if len(frame) and "note" in frame:
            f = frame[frame["note"].notna()][["entity_id", what, "note"]].drop_duplicates()
            f = f.groupby(["entity_id", "note"], sort=False)[what].agg(", ".join).reset_index()
            f["section"] = section
            parts.append(f.rename(columns={what: "measures"}))
    f = div[div["note"].notna()][["entity_id", "note"]].copy()
    f["section"] = "divergence test"
    f["measures"] = "margin"
    parts.append(f)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    cols = ["section", "entity_id", "measures", "note"]
    out = out.reindex(columns=cols)
    return out.astype("string").reset_index(drop=True)


def margin_decomposition(report: TrendReport, *, measure: str = "gross_margin") -> pd.DataFrame:
    """Decomposed rows of one measure that were decomposed (for :func:`charts.margin_band`)."""
    d = report.decomposition
    return d[(d["measure"] == measure) & d["note"].isna()].reset_index(drop=True)


def forecast_rows(report: TrendReport, *, measure: str = "revenue") -> pd.DataFrame:
    """Forecast-frame rows of ``measure`` for entities that have a forecast (for the fan chart)."""
    f = report.forecasts[report.forecasts["measure"] == measure]
    has = set(f.loc[f["kind"] == "forecast", "entity_id"])
    return f[f["entity_id"].isin(has)].reset_index(drop=True)
