"""Forecasts and their backtest: exponential smoothing (ETS) per monthly series
(:func:`fit_ets`), quarterly forecasts with simulated prediction intervals (:func:`forecast`),
and a rolling-origin backtest against the seasonal-naive forecast (:func:`backtest`) scored by
MASE (:func:`mase_summary`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from channel_lib.analysis.trends.series import (
    MIN_SEASONAL_MONTHS,
    MIN_TREND_MONTHS,
    PERIOD,
    _check_measure,
    _entity_frames,
    _history_note,
)
from channel_lib.core.calendar import FiscalCalendar

__all__ = [
    "ForecastFit",
    "backtest",
    "fit_ets",
    "forecast",
    "mase_scale",
    "mase_summary",
    "seasonal_naive",
]


@dataclass
class ForecastFit:
    """An ETS fit of one monthly series.

    Attributes
    ----------
    results : ETSResults or None
        ``statsmodels`` results (``params``, ``summary()``, ``simulate``); ``None`` when the
        series could not be modelled (see ``note``).
    spec : str
        The model, e.g. ``"ETS(A,Ad,A)"``.
    warnings : list of str
        Warnings statsmodels raised while fitting (convergence), kept as text for the report.
    note : str or None
    """

    results: object
    spec: str
    warnings: list[str] = field(default_factory=list)
    note: str | None = None


def fit_ets(y: pd.Series | np.ndarray) -> ForecastFit:
    """Fit an exponential-smoothing state-space model to a monthly series.

    Parameters
    ----------
    y : Series or array
        Monthly values, oldest first, no gaps.

    Returns
    -------
    ForecastFit
        ETS(A,N,A) — additive errors, a level without trend, additive seasonality of period 12 —
        with at least 24 months; ETS(A,N,N) (simple exponential smoothing) with 12–23 months; no
        model (a note) below 12 months or for a constant series.

    Notes
    -----
    Maximum-likelihood ETS (Hyndman, Koehler, Snyder & Grose 2002, *IJF* 18, 439–454; Hyndman &
    Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., ch. 8),
    ``statsmodels.tsa.exponential_smoothing.ets.ETSModel``. Convergence warnings are caught and
    returned in ``warnings``. The specification is fixed on purpose: in rolling-origin backtests
    on the sample and five generated seeds (24–33 training months), ETS(A,N,A) kept MASE below 1
    everywhere for company revenue and gross profit, while damped-trend and multiplicative
    variants (chosen by AICc or not) overfitted and exceeded 1 on some seeds.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # heavy: on first use

    arr = np.asarray(y, dtype="float64")
    note = _history_note(pd.Series(arr), MIN_TREND_MONTHS, "a forecast")
    if note is None and np.isnan(arr).any():
        note = "the series has gaps"
    if note is not None:
        return ForecastFit(None, "none", note=note)
    seasonal = len(arr) >= MIN_SEASONAL_MONTHS
    spec = "ETS(A,N,A)" if seasonal else "ETS(A,N,N)"
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = ETSModel(
            arr,
            error="add",
            trend=None,
            seasonal="add" if seasonal else None,
            seasonal_periods=PERIOD if seasonal else None,
        )
        results = model.fit(disp=False, maxiter=200)
    caught = sorted({f"{type(w.message).__name__}: {w.message}" for w in record})
    return ForecastFit(results, spec, caught)


def seasonal_naive(train: np.ndarray, horizon: int, *, period: int = PERIOD) -> np.ndarray:
    """Seasonal-naive forecast: each month repeats the same month of the last cycle.

    Examples
    --------
    >>> seasonal_naive(np.arange(24.0), 3)
    array([12., 13., 14.])
    """
    train = np.asarray(train, dtype="float64")
    h = np.arange(horizon)
    return train[len(train) - period + (h % period)]


def mase_scale(train: np.ndarray, *, period: int = PERIOD) -> float:
    """In-sample mean absolute error of the seasonal-naive forecast (the MASE denominator).

    Notes
    -----
    Hyndman & Koehler 2006, "Another look at measures of forecast accuracy", *IJF* 22, 679–688.

    Examples
    --------
    >>> mase_scale(np.r_[np.zeros(12), np.ones(12)])
    1.0
    """
    train = np.asarray(train, dtype="float64")
    return float(np.mean(np.abs(train[period:] - train[:-period])))


def forecast(
    monthly: pd.DataFrame,
    calendar: FiscalCalendar,
    *,
    measures: Sequence[str] = ("revenue", "gross_profit"),
    levels: Sequence[str] = ("total", "channel"),
    horizon_quarters: int = 2,
    coverages: Sequence[float] = (0.80, 0.95),
    n_sims: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[tuple[str, str, str], ForecastFit]]:
    """Quarterly actuals and ETS forecasts of the next quarters with prediction intervals.

    Parameters
    ----------
    monthly : DataFrame
        From :func:`monthly_series`; it must end with the last month of a fiscal quarter.
    calendar : FiscalCalendar
        The dataset's calendar (``ds.calendar``), to label future months with quarters.
    measures, levels : sequence of str
        What to forecast.
    horizon_quarters : int
        Quarters ahead.
    coverages : sequence of float
        Prediction-interval coverages (0.80 → columns ``lower_80``/``upper_80``).
    n_sims : int
        Simulated future paths per series (the quarterly intervals are quantiles of their sums).
    seed : int
        Random seed of the simulation.

    Returns
    -------
    frame : DataFrame
        One row per entity, measure and quarter: ``level``, ``entity_id``, ``channel_id``,
        ``measure``, ``quarter``, ``kind`` (``actual`` or ``forecast``), ``value`` (currency; the
        forecast mean), ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95`` (forecast rows),
        ``model`` (e.g. ``ETS(A,Ad,A)``) and ``note`` (why a series has no forecast, and
        caught warnings).
    fits : dict
        ``(level, entity_id, measure)`` → :class:`ForecastFit` (parameters, ``summary()``).

    Notes
    -----
    The model is fitted on months (:func:`fit_ets`) and the intervals of a quarter are empirical
    quantiles of ``n_sims`` simulated three-month paths summed per quarter
    (``ETSResults.simulate(anchor="end")``), so they account for the correlation of the months of
    a quarter — adding monthly interval bounds would not.
    """
    rows = []
    fits: dict[tuple[str, str, str], ForecastFit] = {}
    rng = np.random.default_rng(seed)
    for level, entity, frame in _entity_frames(monthly, levels):
        future_q = _future_quarters(frame, calendar, horizon_quarters)
        for measure in measures:
            _check_measure(measure)
            y = frame[measure].to_numpy(dtype="float64")
            fit = fit_ets(y) if not np.isnan(y).all() else ForecastFit(None, "none", note="no data")
            fits[(level, entity, measure)] = fit
            labels = {"level": level, "entity_id": entity,
                      "channel_id": frame["channel_id"].iloc[-1], "measure": measure}  # fmt: skip
            actual = _actual_quarters(frame, y, labels, fit)
            rows.append(actual)
            if fit.results is None:
                continue
            sim_rng = np.random.default_rng(int(rng.integers(2**31)))
            fc = _forecast_quarters(fit, future_q, n_sims=n_sims, coverages=coverages, rng=sim_rng)
            rows.append(fc.assign(**labels, model=fit.spec, note=actual["note"].iloc[0]))
    return _forecast_frame(rows, coverages), fits


def _future_quarters(
    frame: pd.DataFrame, calendar: FiscalCalendar, horizon_quarters: int
) -> np.ndarray:
    """The fiscal quarter of each month after the series' last, ``horizon_quarters`` ahead."""
    last = pd.Timestamp(frame["month"].max())
    future = pd.date_range(last + pd.DateOffset(months=1), periods=3 * horizon_quarters, freq="MS")
    return calendar.quarters_of(pd.Series(future)).astype("string").to_numpy()


def _actual_quarters(
    frame: pd.DataFrame, y: np.ndarray, labels: dict[str, str], fit: ForecastFit
) -> pd.DataFrame:
    """The series summed by quarter (``kind`` ``actual``) with the model and its notes."""
    actual = (
        pd.DataFrame({"quarter": frame["quarter"].to_numpy(), "value": y})
        .groupby("quarter", sort=False)["value"]
        .sum(min_count=1)
        .reset_index()
    )
    actual = actual.assign(**labels, kind="actual")
    notes = [fit.note] if fit.note else []
    notes += fit.warnings
    actual["model"] = fit.spec
    actual["note"] = "; ".join(notes) if notes else pd.NA
    return actual


def _forecast_quarters(
    fit: ForecastFit,
    future_q: np.ndarray,
    *,
    n_sims: int,
    coverages: Sequence[float],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Mean and interval bounds per future quarter from ``n_sims`` simulated paths."""
    sims = np.asarray(
        fit.results.simulate(nsimulations=len(future_q), repetitions=n_sims, anchor="end", rng=rng)
    ).reshape(len(future_q), n_sims)
    mean = np.asarray(fit.results.forecast(len(future_q)))
    quarters = list(dict.fromkeys(future_q))
    fc = {"quarter": quarters, "value": [], "kind": "forecast"}
    for cov in coverages:
        fc[f"lower_{round(cov * 100)}"] = []
        fc[f"upper_{round(cov * 100)}"] = []
    for q in quarters:
        sel = future_q == q
        total = sims[sel].sum(axis=0)
        fc["value"].append(float(mean[sel].sum()))
        for cov in coverages:
            lo, hi = np.quantile(total, [(1 - cov) / 2, 1 - (1 - cov) / 2])
            fc[f"lower_{round(cov * 100)}"].append(float(lo))
            fc[f"upper_{round(cov * 100)}"].append(float(hi))
    return pd.DataFrame(fc)


def _forecast_frame(rows: list[pd.DataFrame], coverages: Sequence[float]) -> pd.DataFrame:
    """The actual and forecast rows in one frame with :func:`forecast`'s columns and types."""
    out = pd.concat(rows, ignore_index=True)
    for cov in coverages:
        for side in ("lower", "upper"):
            col = f"{side}_{round(cov * 100)}"
            if col not in out:
                out[col] = np.nan
    for c in ("level", "entity_id", "channel_id", "measure", "quarter", "kind", "model", "note"):
        out[c] = out[c].astype("string")
    bands = [f"{s}_{round(c * 100)}" for c in coverages for s in ("lower", "upper")]
    order = [
        "level", "entity_id", "channel_id", "measure", "quarter", "kind", "value", *bands,
        "model", "note",
    ]  # fmt: skip
    return out[order]


def backtest(
    monthly: pd.DataFrame,
    *,
    measures: Sequence[str] = ("revenue", "gross_profit"),
    levels: Sequence[str] = ("total", "channel"),
    origins: int = 4,
    horizon: int = 3,
    step: int = 3,
) -> pd.DataFrame:
    """Rolling-origin backtest of :func:`fit_ets` against the seasonal-naive forecast.

    Parameters
    ----------
    monthly : DataFrame
        From :func:`monthly_series`.
    measures, levels : sequence of str
        What to backtest.
    origins : int
        Forecast origins: the last one leaves ``horizon`` months to forecast, earlier ones step
        back ``step`` months each. Origins that would leave fewer than 24 training months are
        skipped.
    horizon : int
        Months forecast from each origin (3 = one quarter).
    step : int
        Months between origins.

    Returns
    -------
    DataFrame
        One row per entity, measure, origin and forecast month: ``level``, ``entity_id``,
        ``measure``, ``origin`` (first forecast month, Timestamp), ``train_months``, ``month``,
        ``h`` (1 = first month ahead), ``actual``, ``forecast`` (ETS mean), ``naive`` (seasonal
        naive), ``scale`` (in-sample seasonal-naive MAE of the training months, see
        :func:`mase_scale`). An entity that cannot be backtested has one row with only ``note``.

    Notes
    -----
    Rolling-origin evaluation (Tashman 2000, *IJF* 16, 437–450): the model is refitted at each
    origin on the months before it only. Score it with :func:`mase_summary`.
    """
    rows = []
    for level, entity, frame in _entity_frames(monthly, levels):
        months = pd.DatetimeIndex(frame["month"])
        n = len(frame)
        cuts = [c for c in range(n - horizon, MIN_SEASONAL_MONTHS - 1, -step)][:origins][::-1]
        for measure in measures:
            _check_measure(measure)
            y = frame[measure].to_numpy(dtype="float64")
            base = {"level": level, "entity_id": entity, "measure": measure}
            if not cuts:
                rows.append(
                    {
                        **base,
                        "note": f"{n} months of history; a backtest needs "
                        f"{MIN_SEASONAL_MONTHS + horizon} (24 to train, {horizon} to test)",
                    }
                )
                continue
            for cut in cuts:
                rows += _backtest_origin(y, months, cut, horizon=horizon, base=base)
    out = pd.DataFrame(rows)
    for c in _BACKTEST_COLUMNS:
        if c not in out:
            out[c] = np.nan
    for c in ("level", "entity_id", "measure", "note"):
        out[c] = out[c].astype("string")
    out["origin"] = pd.to_datetime(out["origin"])
    out["month"] = pd.to_datetime(out["month"])
    return out[_BACKTEST_COLUMNS]


#: The columns of :func:`backtest`, in order.
_BACKTEST_COLUMNS = [
    "level", "entity_id", "measure", "origin", "train_months", "month", "h", "actual",
    "forecast", "naive", "scale", "note",
]  # fmt: skip


def _backtest_origin(
    y: np.ndarray, months: pd.DatetimeIndex, cut: int, *, horizon: int, base: dict[str, str]
) -> list[dict]:
    """The rows of one origin: ETS fitted on the months before ``cut`` against seasonal naive."""
    train = y[:cut]
    fit = fit_ets(train)
    if fit.results is None:
        return [{**base, "origin": months[cut], "note": fit.note}]
    fc = np.asarray(fit.results.forecast(horizon))
    naive = seasonal_naive(train, horizon)
    scale = mase_scale(train)
    return [
        {
            **base,
            "origin": months[cut],
            "train_months": cut,
            "month": months[cut + h],
            "h": h + 1,
            "actual": y[cut + h],
            "forecast": fc[h],
            "naive": naive[h],
            "scale": scale,
            "note": "; ".join(fit.warnings) or pd.NA,
        }
        for h in range(horizon)
    ]


def mase_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """MASE of the ETS model and of the seasonal-naive baseline per entity and measure.

    Parameters
    ----------
    bt : DataFrame
        From :func:`backtest`.

    Returns
    -------
    DataFrame
        ``level``, ``entity_id``, ``measure``, ``origins``, ``forecasts`` (months scored),
        ``mase_model``, ``mase_naive`` (mean of |error| / scale over every origin and month),
        ``beats_naive`` (bool: ``mase_model < mase_naive``), ``note``.

    Notes
    -----
    MASE (Hyndman & Koehler 2006): each absolute error is divided by the in-sample mean absolute
    seasonal-naive error of its own training window; below 1 the forecasts beat the in-sample
    seasonal-naive forecast.
    """
    keys = ["level", "entity_id", "measure"]
    scored = bt.dropna(subset=["forecast"]).copy()
    scored = scored[scored["scale"] > 0]
    scored["e_model"] = (scored["actual"] - scored["forecast"]).abs() / scored["scale"]
    scored["e_naive"] = (scored["actual"] - scored["naive"]).abs() / scored["scale"]
    agg = (
        scored.groupby(keys, sort=False)
        .agg(
            origins=("origin", "nunique"),
            forecasts=("e_model", "size"),
            mase_model=("e_model", "mean"),
            mase_naive=("e_naive", "mean"),
        )
        .reset_index()
    )
    notes = bt.groupby(keys, sort=False)["note"].agg(lambda s: "; ".join(sorted(set(s.dropna()))))
    allkeys = bt[keys].drop_duplicates()
    out = allkeys.merge(agg, on=keys, how="left")
    out["origins"] = out["origins"].fillna(0).astype("int64")
    out["forecasts"] = out["forecasts"].fillna(0).astype("int64")
    out["beats_naive"] = out["mase_model"] < out["mase_naive"]
    out["note"] = out.set_index(keys).index.map(notes).astype("string").str.strip()
    out["note"] = out["note"].replace("", pd.NA)
    return out.reset_index(drop=True)
