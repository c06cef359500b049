"""The basis of the targets: each channel's history over the basis window and its trend.

- :func:`channel_basis` — revenue over the four quarters up to the reporting quarter, annualised
  for a younger channel (the ``history`` method's run rate);
- :func:`quarterly_revenue` and :func:`trend_forecasts` — an OLS trend per channel and its
  forecast of the target year with a prediction interval (the ``trend`` method).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.settings import TargetSettings
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = ["channel_basis", "quarterly_revenue", "trend_forecasts"]

_TREND_COLUMNS = [
    "channel_id", "points", "model", "slope_per_quarter", "forecast", "lower", "upper",
]  # fmt: skip


def _monthly(wb: Workbook) -> pd.DataFrame:
    """Monthly revenue and gross profit per channel up to the end of the reporting quarter."""
    m = metrics.summarise(wb.dataset, by="channel_id", period="month")
    end = wb.quarter_bounds[1]
    m = m[m["period_start"] < end].copy()
    m["quarter"] = wb.dataset.calendar.quarters_of(m["period_start"]).astype("string")
    return m


def _basis_window(wb: Workbook, settings: TargetSettings) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, first day after)`` of the basis window ``settings.basis_quarters``."""
    start, _ = wb.dataset.calendar.quarter_bounds(settings.basis_quarters[0])
    _, end = wb.dataset.calendar.quarter_bounds(settings.basis_quarters[-1])
    return start, end


def channel_basis(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each target channel's revenue over the basis window, annualised when younger than it.

    Parameters
    ----------
    wb : Workbook
        The dataset (sales, ``channels.csv``); history up to the end of its reporting quarter.
    settings : TargetSettings
        From :func:`target_settings`: the channels that get targets, their roles and the basis
        window.

    Returns
    -------
    DataFrame
        One row per channel of ``settings.channels``:

        - ``channel_id``, ``channel_name``, ``role``, ``role_weight``, ``launched_on``.
        - ``quarters_with_sales`` (int): quarters of the history (up to the reporting quarter)
          with sales.
        - ``months_in_window`` (int): months of the basis window the channel was selling (from
          its launch or first sale).
        - ``window_revenue_exact`` and ``window_gross_profit_exact`` (int64): sums over the
          window.
        - ``run_rate`` (float, currency a year): window revenue × 12 / months in window; a
          channel without sales gets the smallest other channel's run rate (flagged).
        - ``gross_margin`` (fraction, window; the company's where the channel has no sales).
        - ``note`` (str): how the basis was made, in words.

    Notes
    -----
    A channel launched inside the window is annualised from the months it has sold, so it is not
    penalised for the months before it existed.
    """
    ds = wb.dataset
    monthly = _monthly(wb)
    channels = ds.table("channels").set_index("channel_id")
    start, end = _basis_window(wb, settings)
    quarters = monthly[monthly["revenue_exact"] != 0].groupby("channel_id")["quarter"].nunique()
    first_sale = monthly[monthly["revenue_exact"] > 0].groupby("channel_id")["period_start"].min()
    window = monthly[(monthly["period_start"] >= start) & (monthly["period_start"] < end)]
    sums = window.groupby("channel_id")[["revenue_exact", "gross_profit_exact"]].sum()
    company_margin = (
        float(sums["gross_profit_exact"].sum() / sums["revenue_exact"].sum())
        if len(sums) and sums["revenue_exact"].sum() > 0
        else 0.0
    )
    rows = []
    for c in settings.channels:
        launched = channels["launched_on"].get(c, pd.NaT)
        months = _months_selling(start, end, launched, first_sale.get(c))
        rev = int(sums["revenue_exact"].get(c, 0))
        gp = int(sums["gross_profit_exact"].get(c, 0))
        run_rate = ds.money.amount(rev) * 12 / months if months and rev > 0 else 0.0
        if months == 12 or run_rate == 0:
            note = "four quarters of sales"
        else:
            note = f"sold {months} of the window's 12 months: annualised (× 12/{months})"
        role = settings.roles[c]
        rows.append(
            {
                "channel_id": c,
                "channel_name": str(channels["channel_name"].get(c, c)),
                "role": role.role,
                "role_weight": float(role.role_weight),
                "launched_on": launched,
                "quarters_with_sales": int(quarters.get(c, 0)),
                "months_in_window": months,
                "window_revenue_exact": rev,
                "window_gross_profit_exact": gp,
                "run_rate": run_rate,
                "gross_margin": gp / rev if rev > 0 else company_margin,
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    positive = out.loc[out["run_rate"] > 0, "run_rate"]
    seed = float(positive.min()) if len(positive) else 1.0
    none = out["run_rate"] <= 0
    out.loc[none, "run_rate"] = seed
    out.loc[none, "note"] = (
        "no sales in the window: counted at the smallest channel's run rate "
        "(a new channel is assumed to start as large as the smallest existing one)"
    )
    out["window_revenue_exact"] = out["window_revenue_exact"].astype("int64")
    out["window_gross_profit_exact"] = out["window_gross_profit_exact"].astype("int64")
    return out


def _months_selling(start: pd.Timestamp, end: pd.Timestamp, launched, first_sale) -> int:
    """Months of the window ``[start, end)`` from the later of its start, the channel's launch
    and its first sale (each taken at the start of its month)."""
    begins = max(
        [start]
        + [pd.Timestamp(x).to_period("M").to_timestamp() for x in (launched, first_sale)
           if pd.notna(x)]
    )  # fmt: skip
    return max(0, (end.year - begins.year) * 12 + end.month - begins.month)


def quarterly_revenue(wb: Workbook, settings: TargetSettings) -> tuple[pd.DataFrame, list[str]]:
    """Each target channel's revenue per quarter with sales, and the trend fit's time axis.

    Returns
    -------
    (DataFrame, list of str)
        ``channel_id``, ``quarter``, ``revenue_exact``, ``revenue`` (currency) of the channels
        of ``settings``; and every quarter label from the first of the history to the last of
        the target year (each quarter's time index, :func:`trend_forecasts`' ``all_quarters``).
    """
    monthly = _monthly(wb)
    quarterly = monthly.groupby(["channel_id", "quarter"], as_index=False)["revenue_exact"].sum()
    quarterly = quarterly[quarterly["revenue_exact"] != 0].copy()
    quarterly["revenue"] = wb.dataset.money.amount(quarterly["revenue_exact"])
    first = str(quarterly["quarter"].min()) if len(quarterly) else settings.basis_quarters[0]
    last = max(settings.quarters[-1], wb.quarter)
    axis = wb.dataset.calendar.quarter_range(min(first, settings.basis_quarters[0]), last)
    return quarterly[quarterly["channel_id"].isin(settings.channels)], axis


def trend_forecasts(
    quarterly: pd.DataFrame,
    quarters: Sequence[str],
    *,
    all_quarters: Sequence[str],
    level: float = 0.90,
    min_points: int = 4,
) -> pd.DataFrame:
    """OLS trend per channel on its quarterly revenue and its forecast of ``quarters``.

    Parameters
    ----------
    quarterly : DataFrame
        ``channel_id``, ``quarter`` (label), ``revenue`` (currency): the history, one row per
        channel and quarter with sales.
    quarters : sequence of str
        The quarters to forecast (the target year).
    all_quarters : sequence of str
        Every quarter label from the first of the history to the last of ``quarters``, in order
        (gives each quarter its time index).
    level : float
        Coverage of the prediction interval (0.90 = 90 %).
    min_points : int
        Fewest quarters a fit needs; a channel with fewer gets no forecast (``NaN``).

    Returns
    -------
    DataFrame
        One row per channel: ``channel_id``, ``points`` (quarters fitted), ``model``
        (``"trend + fiscal quarter"``, ``"trend"`` or ``"too little history"``),
        ``slope_per_quarter`` (currency), ``forecast``, ``lower``, ``upper`` (currency, the
        year's total and its prediction interval). ``frame.attrs["models"]`` maps each fitted
        channel to its statsmodels ``RegressionResults`` (``params``, ``conf_int()``,
        ``summary()``).

    Notes
    -----
    ``revenue_t = a + b t (+ Σ_k d_k [fiscal quarter = k]) + e_t`` by ordinary least squares; the
    fiscal-quarter dummies are used once the channel has at least eight quarters (two of each).
    The year's forecast is ``cᵀβ̂`` with ``c`` the sum of the four quarters' regressor rows; its
    prediction variance is ``cᵀ Σ̂_β c + 4 σ̂²`` (independent errors), and the interval is
    ``forecast ± t_{df, (1+level)/2} × sd``. A first quarter below 60 % of the channel's median
    quarter (launched part-way through it, or a ramp-up) is left out of the fit.
    """
    pos = {q: i for i, q in enumerate(all_quarters)}
    rows, models = [], {}
    for channel, g in quarterly.groupby("channel_id", sort=False):
        row, res = _fit_trend(channel, g, pos, quarters, level=level, min_points=min_points)
        rows.append(row)
        if res is not None:
            models[channel] = res
    out = pd.DataFrame(rows, columns=_TREND_COLUMNS)
    out.attrs["models"] = models
    out.attrs["level"] = level
    return out


def _design(tt: np.ndarray, qq: np.ndarray, seasonal: bool) -> np.ndarray:
    """Regressors: constant, time, and fiscal-quarter dummies (Q2–Q4) when ``seasonal``."""
    cols = [np.ones_like(tt), tt]
    if seasonal:
        cols += [(qq == k).astype(float) for k in (2, 3, 4)]
    return np.column_stack(cols)


def _fit_trend(
    channel, g: pd.DataFrame, pos: dict, quarters: Sequence[str], *, level: float, min_points: int
) -> tuple[dict, object]:
    """One channel's fit and forecast row (see :func:`trend_forecasts`), and its OLS results
    (``None`` with too little history)."""
    import statsmodels.api as sm  # deferred: statsmodels and scipy are heavy to import
    from scipy import stats

    g = g[g["quarter"].isin(pos)].sort_values("quarter")
    t = np.array([pos[q] for q in g["quarter"]], dtype=float)
    y = g["revenue"].to_numpy(dtype=float)
    if len(y) >= 2 and y[0] < 0.6 * np.median(y[1:]):  # a partial first quarter
        t, y, g = t[1:], y[1:], g.iloc[1:]
    if len(y) < min_points:
        return (
            {"channel_id": channel, "points": len(y), "model": "too little history",
             "slope_per_quarter": np.nan, "forecast": np.nan, "lower": np.nan, "upper": np.nan},
            None,
        )  # fmt: skip
    seasonal = len(y) >= 8
    fq = np.array([int(q[-1]) for q in g["quarter"]])
    res = sm.OLS(y, _design(t, fq, seasonal)).fit()
    future_t = np.array([pos[q] for q in quarters], dtype=float)
    future_q = np.array([int(q[-1]) for q in quarters])
    c = _design(future_t, future_q, seasonal).sum(axis=0)
    forecast = float(c @ res.params)
    var = float(c @ res.cov_params() @ c + len(quarters) * res.scale)
    df = max(res.df_resid, 1)
    half = float(stats.t.ppf((1 + level) / 2, df)) * math.sqrt(max(var, 0.0))
    row = {
        "channel_id": channel,
        "points": len(y),
        "model": "trend + fiscal quarter" if seasonal else "trend",
        "slope_per_quarter": float(res.params[1]),
        "forecast": forecast,
        "lower": forecast - half,
        "upper": forecast + half,
    }
    return row, res
