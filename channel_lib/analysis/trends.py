"""Revenue vs profit trends (notebook ``04_revenue_profit_trends``).

Are we managing for revenue, or for revenue and profit? This module models the *monthly* series of
revenue, gross profit, contribution after cost to serve and margin — per channel, per partner and
for the whole company — and reports them by fiscal quarter (twelve quarterly points cannot carry a
seasonal decomposition, seasonal exponential smoothing and a holdout; 36 monthly points can):

- :func:`monthly_series` — the tidy monthly frame every other function works on (exact cents,
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
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from channel_lib.core.calendar import FiscalCalendar
from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.loader import Dataset
from channel_lib.data.workbook import Workbook

#: Months in a seasonal cycle.
PERIOD = 12
#: Fewest months for a seasonal model (STL, seasonal ETS): two full cycles.
MIN_SEASONAL_MONTHS = 2 * PERIOD
#: Fewest months to test a trend or forecast at all.
MIN_TREND_MONTHS = 12
#: Measures that can be modelled: money (cents in the frame) and ratios.
MONEY_MEASURES: tuple[str, ...] = ("revenue", "gross_profit", "contribution")
RATIO_MEASURES: tuple[str, ...] = ("gross_margin", "contribution_margin")
MEASURES: tuple[str, ...] = MONEY_MEASURES + RATIO_MEASURES
LEVELS: tuple[str, ...] = ("total", "channel", "partner")
#: Components of the profit bridge, in waterfall order.
BRIDGE_COMPONENTS: tuple[str, ...] = ("volume", "price_discount", "cost", "channel_mix")

MEASURE_LABELS = {
    "revenue": "Revenue",
    "gross_profit": "Gross profit",
    "contribution": "Contribution after cost to serve",
    "gross_margin": "Gross margin",
    "contribution_margin": "Contribution margin",
}


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise ParameterError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")


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


# -- monthly series -----------------------------------------------------------------------------------
def monthly_series(
    ds: Dataset, *, quarter: str, levels: Sequence[str] = ("total", "channel")
) -> pd.DataFrame:
    """Monthly revenue, gross profit, cost to serve, contribution and margins per entity.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        The reporting quarter (``FY2026-Q4``): months after it (a partly loaded month included)
        are left out, so every series ends with a complete month.
    levels : sequence of {"total", "channel", "partner"}
        Which entities: the whole company (``entity_id`` ``"ALL"``), each channel, each partner.

    Returns
    -------
    DataFrame
        One row per entity and month from the entity's first month with sales to the end of the
        quarter (months without sales inside that span are present with zero):

        - ``level``, ``entity_id``, ``channel_id`` (the partner's channel; ``"ALL"`` for the total).
        - ``month`` (Timestamp, first day), ``quarter`` (fiscal quarter label).
        - ``revenue_cents``, ``gross_profit_cents``, ``cost_to_serve_cents``,
          ``contribution_cents`` (int64; cost to serve and contribution are ``<NA>`` for partners
          and when the dataset has no ``channel_costs``), and the same in currency without
          ``_cents`` (float).
        - ``gross_margin``, ``contribution_margin`` (fractions; ``NaN`` where revenue ≤ 0).

        ``frame.attrs["has_costs"]`` says whether cost to serve was available.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> m = monthly_series(load_dataset("tests/data/tiny"), quarter="FY2026-Q4")
    >>> m[m["level"] == "total"][["quarter", "revenue", "gross_margin"]].head(2).round(3)
         quarter  revenue  gross_margin
    0  FY2025-Q1  12300.0         0.423
    1  FY2025-Q1   8400.0         0.274
    """
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown or not levels:
        raise ParameterError(f"levels={levels!r}: choose from {', '.join(LEVELS)}")
    cal = ds.calendar
    cal.validate_quarter(quarter)
    end = cal.quarter_bounds(quarter)[1]
    periods = metrics.fiscal_periods(ds)
    months = periods.loc[periods["month"] < end, ["month", "quarter"]]
    has_costs = ds.has("channel_costs")
    costs = None
    if has_costs:
        costs = metrics.cost_to_serve(ds, period="month")
        costs = costs.rename(columns={"period_start": "month"})[
            ["month", "channel_id", "cost_to_serve_cents"]
        ]
    frames = []
    for level in levels:
        by = {"total": (), "channel": ("channel_id",), "partner": ("channel_id", "partner_id")}[
            level
        ]
        s = metrics.summarise(ds, by=by, period="month")
        s = s.rename(columns={"period_start": "month"})
        if level == "total":
            s["entity_id"] = "ALL"
            s["channel_id"] = "ALL"
        elif level == "channel":
            s["entity_id"] = s["channel_id"]
        else:
            s = s[s["partner_id"].notna()]
            # a partner that moved channel: one series under its latest channel
            s = s.groupby(["month", "partner_id"], as_index=False).agg(
                revenue_cents=("revenue_cents", "sum"),
                gross_profit_cents=("gross_profit_cents", "sum"),
                channel_id=("channel_id", "last"),
            )
            latest = s.sort_values("month").groupby("partner_id")["channel_id"].last()
            s["channel_id"] = s["partner_id"].map(latest)
            s["entity_id"] = s["partner_id"]
        s = s[["entity_id", "channel_id", "month", "revenue_cents", "gross_profit_cents"]]
        s = s[s["month"] < end]
        if level in ("total", "channel") and costs is not None:
            c = costs.copy()
            if level == "total":
                c = c.groupby("month", as_index=False)["cost_to_serve_cents"].sum()
                c["entity_id"] = "ALL"
            else:
                c = c.rename(columns={"channel_id": "entity_id"})
            c = c[c["month"] < end]
            s = s.merge(c[["entity_id", "month", "cost_to_serve_cents"]], how="outer")
            s["channel_id"] = s["channel_id"].fillna(s["entity_id"])
        frames.append(_fill_months(s, months, level))
    out = pd.concat(frames, ignore_index=True)
    for c in ("revenue_cents", "gross_profit_cents"):
        out[c] = out[c].fillna(0).astype("int64")
    if "cost_to_serve_cents" not in out:
        out["cost_to_serve_cents"] = pd.NA
    if has_costs:
        out["cost_to_serve_cents"] = out["cost_to_serve_cents"].astype("Int64")
        is_partner = out["level"] == "partner"
        out.loc[~is_partner, "cost_to_serve_cents"] = out.loc[
            ~is_partner, "cost_to_serve_cents"
        ].fillna(0)
    else:
        out["cost_to_serve_cents"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["contribution_cents"] = (
        out["gross_profit_cents"].astype("Int64") - out["cost_to_serve_cents"]
    ).astype("Int64")
    for name in ("revenue", "gross_profit", "cost_to_serve", "contribution"):
        out[name] = out[f"{name}_cents"].astype("Float64").astype("float64") / 100.0
    rev = out["revenue"].where(out["revenue"] > 0)
    out["gross_margin"] = out["gross_profit"] / rev
    out["contribution_margin"] = out["contribution"] / rev
    for c in ("level", "entity_id", "channel_id", "quarter"):
        out[c] = out[c].astype("string")
    order = [
        "level", "entity_id", "channel_id", "month", "quarter", "revenue", "gross_profit",
        "cost_to_serve", "contribution", "gross_margin", "contribution_margin", "revenue_cents",
        "gross_profit_cents", "cost_to_serve_cents", "contribution_cents",
    ]  # fmt: skip
    out = out[order].sort_values(["level", "entity_id", "month"], key=_level_key)
    out = out.reset_index(drop=True)
    out.attrs["has_costs"] = has_costs
    out.attrs["quarter"] = quarter
    return out


def _level_key(col: pd.Series) -> pd.Series:
    if col.name == "level":
        return col.map({lv: i for i, lv in enumerate(LEVELS)})
    return col


def _fill_months(s: pd.DataFrame, months: pd.DataFrame, level: str) -> pd.DataFrame:
    """Every month from each entity's first sale to the end, zero where nothing was sold."""
    if s.empty:
        return s.assign(level=level, quarter=pd.Series(dtype="string"))
    first = s.groupby("entity_id")["month"].min()
    channel = s.groupby("entity_id")["channel_id"].last()
    grid = months.merge(first.rename("first").reset_index(), how="cross")
    grid = grid[grid["month"] >= grid["first"]].drop(columns="first")
    grid["channel_id"] = grid["entity_id"].map(channel)
    out = grid.merge(s.drop(columns="channel_id"), on=["entity_id", "month"], how="left")
    out["level"] = level
    return out


def quarterly_series(monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly frame summed by fiscal quarter (exact cents), margins recomputed.

    Parameters
    ----------
    monthly : DataFrame
        From :func:`monthly_series`.

    Returns
    -------
    DataFrame
        One row per entity and quarter: ``level``, ``entity_id``, ``channel_id``, ``quarter``,
        ``months`` (months observed), the money columns (currency and ``_cents``) and
        ``gross_margin``, ``contribution_margin``.
    """
    keys = ["level", "entity_id", "channel_id", "quarter"]
    cents = ["revenue_cents", "gross_profit_cents", "cost_to_serve_cents", "contribution_cents"]
    q = monthly.groupby(keys, sort=False, dropna=False).agg(
        quarter_start=("month", "min"),
        months=("month", "size"),
        **{c: (c, lambda s: s.sum(min_count=1)) for c in cents},
    )
    q = q.reset_index()
    for c in cents:
        q[c] = q[c].astype("Int64")
        q[c.removesuffix("_cents")] = q[c].astype("Float64").astype("float64") / 100.0
    rev = q["revenue"].where(q["revenue"] > 0)
    q["gross_margin"] = q["gross_profit"] / rev
    q["contribution_margin"] = q["contribution"] / rev
    return q.sort_values(["level", "entity_id", "quarter_start"], key=_level_key).reset_index(
        drop=True
    )


def long_quarterly(quarterly: pd.DataFrame, *, level: str = "channel") -> pd.DataFrame:
    """Quarterly money measures in long form for small multiples (one row per measure).

    Returns
    -------
    DataFrame
        ``entity_id``, ``channel_id``, ``quarter``, ``measure`` (label), ``value`` (currency);
        contribution only where cost to serve is known.
    """
    frame = quarterly[quarterly["level"] == level]
    long = frame.melt(
        id_vars=["entity_id", "channel_id", "quarter", "gross_margin"],
        value_vars=["revenue", "gross_profit", "contribution"],
        var_name="measure",
        value_name="value",
    ).dropna(subset=["value"])
    long["measure"] = long["measure"].map(MEASURE_LABELS).astype("string")
    return long.reset_index(drop=True)


def _series(monthly: pd.DataFrame, entity_id: str, measure: str, level: str) -> pd.Series:
    frame = monthly[(monthly["entity_id"] == entity_id) & (monthly["level"] == level)]
    y = pd.Series(frame[measure].to_numpy(dtype="float64"), index=pd.DatetimeIndex(frame["month"]))
    return y


def _entities(monthly: pd.DataFrame, levels: Sequence[str]) -> list[tuple[str, str]]:
    sub = monthly[monthly["level"].isin(list(levels))]
    return list(dict.fromkeys(zip(sub["level"], sub["entity_id"], strict=True)))


def _is_constant(values: np.ndarray) -> bool:
    """No variation beyond floating-point noise (a margin of 400/1000 every month is constant)."""
    v = values[~np.isnan(values)]
    return bool(v.size == 0 or np.ptp(v) <= 1e-9 * max(1.0, float(np.abs(v).max())))


def _history_note(y: pd.Series, need: int, what: str) -> str | None:
    valid = y.dropna()
    if len(valid) < need:
        return (
            f"{len(valid)} months of history ({len(valid) // 3} quarters); {what} needs at least "
            f"{need} months"
        )
    if _is_constant(valid.to_numpy()):
        return f"the series is constant ({valid.iloc[0]:,.4g} every month): no trend to model"
    return None


# -- STL decomposition with bootstrap bands ---------------------------------------------------------------
def decompose(
    monthly: pd.DataFrame,
    *,
    measures: Sequence[str] = ("revenue", "gross_profit", "gross_margin"),
    levels: Sequence[str] = ("total", "channel"),
    n_boot: int = 200,
    conf: float = 0.90,
    block: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """STL decomposition of each monthly series with a bootstrap confidence band of the trend.

    Parameters
    ----------
    monthly : DataFrame
        From :func:`monthly_series`.
    measures : sequence of str
        Columns to decompose (see :data:`MEASURES`).
    levels : sequence of str
        Entity levels to decompose.
    n_boot : int
        Bootstrap replicates for the band (0: no band, ``trend_low``/``trend_high`` are ``NaN``).
    conf : float
        Coverage of the band (0.90 = 5th to 95th percentile).
    block : int
        Block length (months) of the moving-block bootstrap of the remainder.
    seed : int
        Random seed (the result is reproducible).

    Returns
    -------
    DataFrame
        One row per entity, measure and month: ``level``, ``entity_id``, ``channel_id``,
        ``measure``, ``month``, ``quarter``, ``observed``, ``trend``, ``seasonal``, ``resid``,
        ``trend_low``, ``trend_high``, ``note`` (``<NA>`` when decomposed; else why not — e.g.
        fewer than 24 months — and the other columns but ``observed`` are ``NaN``).

    Notes
    -----
    STL — Seasonal-Trend decomposition by LOESS (Cleveland, Cleveland, McRae & Terpenning 1990,
    *J. Official Statistics* 6, 3–73), period 12, ``statsmodels.tsa.seasonal.STL``. The trend band
    is a pointwise percentile interval from a moving-block bootstrap of the STL remainder
    (Künsch 1989, *Ann. Statist.* 17, 1217–1241): blocks of ``block`` months are resampled, added
    back to trend + seasonal and re-decomposed ``n_boot`` times. A series needs two full seasonal
    cycles (24 months); shorter series are listed with a note instead.
    """
    from statsmodels.tsa.seasonal import STL

    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - conf) / 2, 1 - (1 - conf) / 2
    rows = []
    for level, entity in _entities(monthly, levels):
        frame = monthly[(monthly["level"] == level) & (monthly["entity_id"] == entity)]
        for measure in measures:
            _check_measure(measure)
            y = frame[measure].to_numpy(dtype="float64")
            base = pd.DataFrame(
                {
                    "level": level,
                    "entity_id": entity,
                    "channel_id": frame["channel_id"].to_numpy(),
                    "measure": measure,
                    "month": frame["month"].to_numpy(),
                    "quarter": frame["quarter"].to_numpy(),
                    "observed": y,
                }
            )
            if np.isnan(y).all():
                note = f"no {MEASURE_LABELS[measure].lower()} figures"
            else:
                note = _history_note(pd.Series(y), MIN_SEASONAL_MONTHS, "a seasonal decomposition")
                if note is None and np.isnan(y).any():
                    note = "months without revenue leave gaps in the margin: not decomposed"
            if note is not None:
                for c in ("trend", "seasonal", "resid", "trend_low", "trend_high"):
                    base[c] = np.nan
                base["note"] = note
                rows.append(base)
                continue
            res = STL(y, period=PERIOD).fit()
            trend, seasonal, resid = (np.asarray(a) for a in (res.trend, res.seasonal, res.resid))
            boots = np.empty((n_boot, len(y)))
            starts_max = len(y) - block + 1
            n_blocks = -(-len(y) // block)
            for b in range(n_boot):
                starts = rng.integers(0, starts_max, n_blocks)
                idx = (starts[:, None] + np.arange(block)[None, :]).ravel()[: len(y)]
                boots[b] = STL(trend + seasonal + resid[idx], period=PERIOD).fit().trend
            base["trend"] = trend
            base["seasonal"] = seasonal
            base["resid"] = resid
            base["trend_low"] = np.quantile(boots, lo_q, axis=0) if n_boot else np.nan
            base["trend_high"] = np.quantile(boots, hi_q, axis=0) if n_boot else np.nan
            base["note"] = pd.NA
            rows.append(base)
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(out):
        out["month"] = pd.to_datetime(out["month"])
        for c in ("level", "entity_id", "channel_id", "measure", "quarter", "note"):
            out[c] = out[c].astype("string")
    out.attrs["conf"] = conf
    return out


# -- trend tests, breakpoints and divergence --------------------------------------------------------------
def _design(n: int, seasonal: bool) -> np.ndarray:
    t = np.arange(n, dtype="float64")
    cols = [np.ones(n), t]
    if seasonal:
        for k in (1, 2):
            cols += [np.sin(2 * np.pi * k * t / PERIOD), np.cos(2 * np.pi * k * t / PERIOD)]
    return np.column_stack(cols)


@dataclass
class TrendFit:
    """A linear trend with seasonal harmonics fitted to one monthly series, autocorrelation-adjusted.

    Attributes
    ----------
    results : statsmodels RegressionResults
        The OLS fit (``params``, ``bse``, ``conf_int()``, ``summary()``); the slope is
        ``params[1]`` (per month). Its standard errors are the plain OLS ones; the adjusted ones
        are :attr:`slope_se` and :attr:`pvalue`.
    r1 : float
        Lag-1 autocorrelation of the residuals.
    n_eff : float
        Effective number of independent months, ``n·(1 − r1)/(1 + r1)`` (r1 floored at 0).
    n : int
        Months used.
    """

    results: object
    r1: float
    n_eff: float
    n: int

    @property
    def df(self) -> float:
        """Degrees of freedom of the adjusted t-test."""
        k = len(self.results.params)
        return max(self.n_eff - k, 1.0)

    @property
    def slope(self) -> float:
        return float(self.results.params[1])

    @property
    def slope_se(self) -> float:
        """Standard error of the slope, inflated for autocorrelation."""
        k = len(self.results.params)
        inflate = np.sqrt((self.n - k) / self.df)
        return float(self.results.bse[1] * inflate)

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of slope = 0 (t distribution with :attr:`df` degrees of freedom)."""
        from scipy import stats

        if self.slope_se == 0:
            return 0.0 if self.slope != 0 else 1.0
        return float(2 * stats.t.sf(abs(self.slope / self.slope_se), self.df))

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Interval of the slope (per month) at ``level``."""
        from scipy import stats

        half = stats.t.ppf(0.5 + level / 2, self.df) * self.slope_se
        return self.slope - half, self.slope + half


def fit_trend(
    y: Sequence[float] | np.ndarray, *, seasonal: bool | None = None, min_segment: int = 6
) -> TrendFit:
    """Fit ``y_t = a + b·t + seasonal harmonics + error`` and test the slope ``b``.

    Parameters
    ----------
    y : array-like
        A monthly series (``NaN`` months are dropped).
    seasonal : bool, optional
        Include two annual harmonics (4 terms); default when at least 24 months are present.
    min_segment : int
        Shortest segment of the broken-stick fit whose residuals give the autocorrelation.

    Returns
    -------
    TrendFit

    Raises
    ------
    ParameterError
        With fewer than :data:`MIN_TREND_MONTHS` valid months or a constant series.

    Notes
    -----
    Ordinary least squares (``statsmodels.api.OLS``) with the slope's standard error adjusted for
    serial correlation by the effective sample size ``n_eff = n·(1 − r1)/(1 + r1)`` of the
    lag-1 autocorrelation ``r1`` (Santer et al. 2000, "Statistical significance of
    trends and trend differences in layer-average atmospheric temperature time series",
    *J. Geophys. Res.* 105, 7337–7356). ``r1`` is taken from the residuals of the single-
    breakpoint fit (:func:`breakpoint_search`), so a margin that was flat and then fell is not
    mistaken for a serially correlated one; it is floored at 0, so negative sample
    autocorrelation never makes the test more liberal than OLS. The t-test uses ``n_eff − k``
    degrees of freedom. Feasible GLS (Cochrane–Orcutt) was tried first and rejected: with 24–36
    months its estimated ρ made the test reject a true null far too often.

    Examples
    --------
    >>> fit = fit_trend(np.arange(24) * 2.0 + np.tile([0.0, 1.0, -1.0], 8))
    >>> round(fit.slope, 1), fit.pvalue < 0.001
    (2.0, True)
    """
    import statsmodels.api as sm

    arr = np.asarray(y, dtype="float64")
    keep = ~np.isnan(arr)
    n = int(keep.sum())
    if n < MIN_TREND_MONTHS:
        raise ParameterError(f"{n} valid months; a trend test needs at least {MIN_TREND_MONTHS}")
    if _is_constant(arr):
        raise ParameterError("the series is constant: no trend to test")
    if seasonal is None:
        seasonal = n >= MIN_SEASONAL_MONTHS
    X = _design(len(arr), seasonal)[keep]
    results = sm.OLS(arr[keep], X).fit()
    resid = np.asarray(results.resid)
    if n >= 2 * min_segment + 2:
        # autocorrelation from the broken-stick fit: a change of slope is not serial correlation
        bp = breakpoint_search(arr, min_segment=min_segment)
        resid = np.asarray(bp.results.resid)
    denom = float((resid**2).sum())
    r1 = float((resid[1:] * resid[:-1]).sum() / denom) if denom > 0 else 0.0
    r1c = min(max(r1, 0.0), 0.95)
    n_eff = n * (1 - r1c) / (1 + r1c)
    return TrendFit(results=results, r1=r1, n_eff=n_eff, n=n)


@dataclass
class Breakpoint:
    """Least-squares single breakpoint in the slope of a series (a 'broken stick').

    Attributes
    ----------
    index : int
        Position of the first month of the new slope.
    results : statsmodels RegressionResults
        OLS fit at the best breakpoint: ``a + b·t + c·(t − index)₊``; ``params`` = (a, b, c).
    sse : ndarray
        Residual sum of squares for every candidate position (``NaN`` outside the search range).
    low, high : int
        Range of positions whose profile likelihood lies within the 95% χ²₁ cut-off of the best
        (an approximate confidence set for the break month).
    """

    index: int
    results: object
    sse: np.ndarray = field(repr=False)
    low: int = 0
    high: int = 0


def breakpoint_search(
    y: Sequence[float] | np.ndarray, *, min_segment: int = 6, level: float = 0.95
) -> Breakpoint:
    """The month where the slope of ``y`` changed: least-squares search over one breakpoint.

    Parameters
    ----------
    y : array-like
        A monthly series (e.g. gross margin); ``NaN`` months are left out of the fits.
    min_segment : int
        Fewest months on either side of the break.
    level : float
        Coverage of the profile-likelihood set reported as ``low``–``high``.

    Returns
    -------
    Breakpoint

    Raises
    ------
    ParameterError
        When the series is shorter than two segments.

    Notes
    -----
    Segmented (continuous piecewise-linear) regression with an unknown join point, fitted by
    exhaustive least-squares search over the candidate months (Hudson 1966, *JASA* 61,
    1097–1129; Bai 1997, *Econometric Theory* 13, 315–352 for the single-break least-squares
    estimator). The confidence set keeps the candidates with
    ``n·log(SSE(τ)/SSE_min) ≤ χ²₁(level)`` (profile likelihood under Gaussian errors).

    Examples
    --------
    >>> y = np.r_[np.full(10, 0.5), 0.5 - 0.01 * np.arange(1, 15)]
    >>> breakpoint_search(y, min_segment=4).index
    10
    """
    import statsmodels.api as sm
    from scipy import stats

    arr = np.asarray(y, dtype="float64")
    n = len(arr)
    if n < 2 * min_segment:
        raise ParameterError(
            f"{n} months; a breakpoint needs {2 * min_segment} (two segments of {min_segment})"
        )
    keep = ~np.isnan(arr)
    t = np.arange(n, dtype="float64")
    sse = np.full(n, np.nan)
    taus = np.arange(min_segment, n - min_segment + 1)
    yk, tk = arr[keep], t[keep]
    # every candidate at once: X_tau = [1, t, (t - tau + 1)+], solved by batched normal equations
    X = np.stack(
        [np.ones((len(taus), len(tk))), np.broadcast_to(tk, (len(taus), len(tk))),
         np.clip(tk[None, :] - taus[:, None] + 1, 0, None)],
        axis=2,
    )  # fmt: skip
    xtx = np.einsum("tni,tnj->tij", X, X)
    xty = np.einsum("tni,n->ti", X, yk)
    ok = np.abs(np.linalg.det(xtx)) > 1e-12
    beta = np.zeros_like(xty)
    beta[ok] = np.linalg.solve(xtx[ok], xty[ok][..., None])[..., 0]
    fitted = np.einsum("tni,ti->tn", X, beta)
    sse[taus[ok]] = ((yk[None, :] - fitted[ok]) ** 2).sum(axis=1)
    if np.isnan(sse).all():
        raise ParameterError("no breakpoint can be fitted: too few months with values")
    best = int(np.nanargmin(sse))
    X = np.column_stack([np.ones(n), t, np.clip(t - best + 1, 0, None)])[keep]
    results = sm.OLS(arr[keep], X).fit()
    m = int(keep.sum())
    floor = max(float(sse[best]), 1e-300)
    inside = np.where(m * np.log(np.maximum(sse, 1e-300) / floor) <= stats.chi2.ppf(level, 1))[0]
    return Breakpoint(best, results, sse, int(inside.min()), int(inside.max()))


def divergence(
    monthly: pd.DataFrame,
    *,
    alpha: float = 0.05,
    levels: Sequence[str] = ("channel", "partner"),
    margin: str = "gross_margin",
    min_segment: int = 6,
) -> pd.DataFrame:
    """Entities whose margin trends against their revenue, BH-corrected, with the month it began.

    Parameters
    ----------
    monthly : DataFrame
        From :func:`monthly_series` (with the ``levels`` asked for).
    alpha : float
        Significance level of the false-discovery rate across every entity tested at once.
    levels : sequence of str
        Entity levels tested together as one family (channels and partners).
    margin : {"gross_margin", "contribution_margin"}
        The margin whose trend is tested.
    min_segment : int
        Fewest months either side of the estimated start month (:func:`breakpoint_search`).

    Returns
    -------
    DataFrame
        One row per entity, tested ones first by q-value:

        - ``level``, ``entity_id``, ``channel_id``, ``months`` (months with a margin).
        - ``revenue_trend`` (relative change per year: slope × 12 / mean monthly revenue),
          ``revenue_p`` (two-sided), ``profit_trend`` (the same for gross profit).
        - ``margin_trend`` (margin points per year, a fraction: −0.05 = −5 pts/year),
          ``margin_trend_low``, ``margin_trend_high`` (95% interval), ``margin_p`` (two-sided),
          ``r1`` (lag-1 autocorrelation of the residuals).
        - ``q_value`` (Benjamini–Hochberg adjusted ``margin_p``), ``significant`` (q ≤ alpha).
        - ``direction``: ``"revenue up, margin down"``, ``"revenue down, margin up"``,
          ``"both up"``, ``"both down"``; ``divergent`` (bool): significant and the first two.
        - ``began`` (Timestamp: first month of the new margin slope, for divergent entities),
          ``began_low``, ``began_high`` (its approximate 95% set), ``note`` (why an entity was
          not tested).

    Notes
    -----
    Gross margin is profit relative to revenue, so the slope of the margin measures how much
    faster (or slower) profit moves than revenue: a margin trend *is* the divergence. For each
    entity the monthly margin is regressed on time with two annual harmonics, the slope's error
    adjusted for autocorrelation (:func:`fit_trend`); H0: no margin trend. Revenue's direction is the sign of its own trend
    estimate (its p-value is shown; 24 seasonal months rarely make a growth of a few percent a year
    significant on its own). The p-values of every entity are corrected together with the
    Benjamini–Hochberg step-up procedure (Benjamini & Hochberg 1995, *JRSS B* 57, 289–300;
    ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``). The month the divergence
    began is the least-squares breakpoint of the margin's slope (:func:`breakpoint_search`).
    """
    from statsmodels.stats.multitest import multipletests

    if margin not in RATIO_MEASURES:
        raise ParameterError(f"margin={margin!r}: use one of {', '.join(RATIO_MEASURES)}")
    rows = []
    for level, entity in _entities(monthly, levels):
        frame = monthly[(monthly["level"] == level) & (monthly["entity_id"] == entity)]
        row: dict = {
            "level": level,
            "entity_id": entity,
            "channel_id": frame["channel_id"].iloc[-1],
            "months": int(frame[margin].notna().sum()),
            "note": pd.NA,
        }
        mar = frame[margin].to_numpy(dtype="float64")
        rows.append(row)
        if np.isnan(mar).all():
            row["note"] = "no margin figures (cost to serve unknown or no revenue)"
            continue
        note = _history_note(pd.Series(mar), MIN_SEASONAL_MONTHS, "a trend test")
        if note is not None:
            row["note"] = note
            continue
        fit = fit_trend(mar, min_segment=min_segment)
        rev = frame["revenue"].to_numpy(dtype="float64")
        gp = frame["gross_profit"].to_numpy(dtype="float64")
        rev_fit = None if _is_constant(rev) else fit_trend(rev)
        gp_fit = None if _is_constant(gp) else fit_trend(gp)
        low, high = fit.conf_int(0.95)
        row.update(
            revenue_trend=(rev_fit.slope * PERIOD / abs(rev.mean())) if rev_fit else 0.0,
            revenue_p=rev_fit.pvalue if rev_fit else 1.0,
            profit_trend=(gp_fit.slope * PERIOD / abs(gp.mean())) if gp_fit and gp.mean() else 0.0,
            margin_trend=fit.slope * PERIOD,
            margin_trend_low=low * PERIOD,
            margin_trend_high=high * PERIOD,
            margin_p=fit.pvalue,
            r1=fit.r1,
            _margin=mar,
        )
    out = pd.DataFrame(rows)
    for c in (
        "revenue_trend", "revenue_p", "profit_trend", "margin_trend", "margin_trend_low",
        "margin_trend_high", "margin_p", "r1",
    ):  # fmt: skip
        if c not in out:
            out[c] = np.nan
    if "_margin" not in out:
        out["_margin"] = None
    tested = out["margin_p"].notna()
    out["q_value"] = np.nan
    if tested.any():
        _, q, _, _ = multipletests(out.loc[tested, "margin_p"].to_numpy(), alpha, "fdr_bh")
        out.loc[tested, "q_value"] = q
    out["significant"] = out["q_value"] <= alpha
    rev_up = out["revenue_trend"] >= 0
    mar_up = out["margin_trend"] >= 0
    out["direction"] = np.select(
        [rev_up & ~mar_up, ~rev_up & mar_up, rev_up & mar_up, ~rev_up & ~mar_up],
        ["revenue up, margin down", "revenue down, margin up", "both up", "both down"],
        default="",
    )
    out.loc[~tested, "direction"] = ""
    out["divergent"] = out["significant"] & (rev_up != mar_up)
    out["began"] = pd.NaT
    out["began_low"] = pd.NaT
    out["began_high"] = pd.NaT
    for i in out.index[out["divergent"]]:
        frame = monthly[
            (monthly["level"] == out.at[i, "level"])
            & (monthly["entity_id"] == out.at[i, "entity_id"])
        ]
        months = pd.DatetimeIndex(frame["month"])
        if len(months) < 2 * min_segment:
            continue
        bp = breakpoint_search(out.at[i, "_margin"], min_segment=min_segment)
        out.at[i, "began"] = months[bp.index]
        out.at[i, "began_low"] = months[bp.low]
        out.at[i, "began_high"] = months[bp.high]
    for c in ("began", "began_low", "began_high"):
        out[c] = pd.to_datetime(out[c])
    for c in ("level", "entity_id", "channel_id", "direction", "note"):
        out[c] = out[c].astype("string")
    out = out.drop(columns="_margin")
    out = out.sort_values(["q_value", "level", "entity_id"], na_position="last").reset_index(
        drop=True
    )
    out.attrs["alpha"] = alpha
    out.attrs["margin"] = margin
    order = [
        "level", "entity_id", "channel_id", "months", "revenue_trend", "revenue_p",
        "profit_trend", "margin_trend", "margin_trend_low", "margin_trend_high", "margin_p", "r1",
        "q_value", "significant", "direction", "divergent", "began", "began_low", "began_high",
        "note",
    ]  # fmt: skip
    return out[order]


# -- forecasts and backtests ----------------------------------------------------------------------------
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
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

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
    for level, entity in _entities(monthly, levels):
        frame = monthly[(monthly["level"] == level) & (monthly["entity_id"] == entity)]
        last = pd.Timestamp(frame["month"].max())
        future = pd.date_range(
            last + pd.DateOffset(months=1), periods=3 * horizon_quarters, freq="MS"
        )
        future_q = calendar.quarters_of(pd.Series(future)).astype("string").to_numpy()
        for measure in measures:
            _check_measure(measure)
            y = frame[measure].to_numpy(dtype="float64")
            actual = (
                pd.DataFrame({"quarter": frame["quarter"].to_numpy(), "value": y})
                .groupby("quarter", sort=False)["value"]
                .sum(min_count=1)
                .reset_index()
            )
            actual = actual.assign(
                level=level, entity_id=entity, channel_id=frame["channel_id"].iloc[-1],
                measure=measure, kind="actual",
            )  # fmt: skip
            fit = fit_ets(y) if not np.isnan(y).all() else ForecastFit(None, "none", note="no data")
            fits[(level, entity, measure)] = fit
            notes = [fit.note] if fit.note else []
            notes += fit.warnings
            actual["model"] = fit.spec
            actual["note"] = "; ".join(notes) if notes else pd.NA
            rows.append(actual)
            if fit.results is None:
                continue
            sims = np.asarray(
                fit.results.simulate(
                    nsimulations=len(future),
                    repetitions=n_sims,
                    anchor="end",
                    rng=np.random.default_rng(int(rng.integers(2**31))),
                )
            ).reshape(len(future), n_sims)
            mean = np.asarray(fit.results.forecast(len(future)))
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
            fc_frame = pd.DataFrame(fc).assign(
                level=level, entity_id=entity, channel_id=frame["channel_id"].iloc[-1],
                measure=measure, model=fit.spec, note=actual["note"].iloc[0],
            )  # fmt: skip
            rows.append(fc_frame)
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
    return out[order], fits


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
    for level, entity in _entities(monthly, levels):
        frame = monthly[(monthly["level"] == level) & (monthly["entity_id"] == entity)]
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
                train = y[:cut]
                fit = fit_ets(train)
                if fit.results is None:
                    rows.append({**base, "origin": months[cut], "note": fit.note})
                    continue
                fc = np.asarray(fit.results.forecast(horizon))
                naive = seasonal_naive(train, horizon)
                scale = mase_scale(train)
                for h in range(horizon):
                    rows.append(
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
                    )
    out = pd.DataFrame(rows)
    cols = [
        "level", "entity_id", "measure", "origin", "train_months", "month", "h", "actual",
        "forecast", "naive", "scale", "note",
    ]  # fmt: skip
    for c in cols:
        if c not in out:
            out[c] = np.nan
    for c in ("level", "entity_id", "measure", "note"):
        out[c] = out[c].astype("string")
    out["origin"] = pd.to_datetime(out["origin"])
    out["month"] = pd.to_datetime(out["month"])
    return out[cols]


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


# -- profit bridge -----------------------------------------------------------------------------------
def bridge_from_frames(
    base: pd.DataFrame, current: pd.DataFrame, *, volume: str = "volume"
) -> pd.DataFrame:
    """Split the change of gross profit between two periods into volume, price, cost and mix.

    Parameters
    ----------
    base, current : DataFrame
        One row per channel with ``channel_id``, ``revenue_cents``, ``cost_of_sales_cents``
        (integers) and the volume column (units, or list value in cents: any additive measure of
        volume at constant prices).
    volume : str
        Name of the volume column.

    Returns
    -------
    DataFrame
        One row per component of :data:`BRIDGE_COMPONENTS` then ``total``: ``component``,
        ``amount_cents`` (int64), ``amount`` (currency). The components sum to the total change
        of gross profit exactly, to the cent; ``frame.attrs["by_channel"]`` holds the unrounded
        split per channel (currency, float) for detail tables.

    Notes
    -----
    With volume ``Qc``, total ``Q = ΣQc``, mix ``sc = Qc/Q``, price ``pc = revenue/Qc``, unit cost
    ``uc = cost/Qc`` and unit margin ``mc = pc − uc`` (0 = base, 1 = current):

    - volume = ``(Q1 − Q0) · Σ s0c·m0c``;
    - channel mix = ``Q1 · Σ (s1c − s0c)·m0c`` (computed as the channel's change less the other
      three, which is the same number when both periods have volume);
    - price/discount = ``Σ Q1c·(p1c − p0c)``; cost = ``−Σ Q1c·(u1c − u0c)``;

    which sum to ``GP1 − GP0`` (the classical price–volume–mix analysis of a profit variance,
    e.g. Horngren, Datar & Rajan, *Cost Accounting*, ch. "Flexible budgets and variances: sales-mix
    and sales-quantity variances"). A channel with no (or non-positive) volume in one period —
    new, closed or credit notes only — has no unit prices there; it takes the other period's
    unit figures, so its price and cost effects are zero, and anything still unexplained for it
    (e.g. profit with zero net volume) is counted as channel mix. The terms are computed exactly in
    rational arithmetic from the integer cents, then rounded to cents by the largest-remainder
    method (ties to the earlier component), so they add up to the total exactly.

    Examples
    --------
    >>> base = pd.DataFrame({"channel_id": ["A", "B"], "revenue_cents": [1000, 500],
    ...                      "cost_of_sales_cents": [600, 200], "volume": [10, 5]})
    >>> cur = pd.DataFrame({"channel_id": ["A", "B"], "revenue_cents": [1320, 300],
    ...                     "cost_of_sales_cents": [780, 100], "volume": [12, 3]})
    >>> bridge_from_frames(base, cur)[["component", "amount_cents"]]
            component  amount_cents
    0          volume             0
    1  price_discount           120
    2            cost           -40
    3     channel_mix           -40
    4           total            40
    """
    cols = ["revenue_cents", "cost_of_sales_cents", volume]
    b = base.set_index("channel_id")[cols]
    c = current.set_index("channel_id")[cols]
    ids = list(dict.fromkeys([*b.index, *c.index]))
    b = b.reindex(ids).fillna(0)
    c = c.reindex(ids).fillna(0)

    def frac(v) -> Fraction:
        return Fraction(int(v))

    R0, C0, Q0 = ([frac(v) for v in b[k]] for k in cols)
    R1, C1, Q1 = ([frac(v) for v in c[k]] for k in cols)
    q0, q1 = sum(Q0, Fraction(0)), sum(Q1, Fraction(0))
    parts = {k: [] for k in BRIDGE_COMPONENTS}
    for i in range(len(ids)):
        gp0, gp1 = R0[i] - C0[i], R1[i] - C1[i]
        p0 = u0 = p1 = u1 = None
        if Q0[i] > 0:
            p0, u0 = R0[i] / Q0[i], C0[i] / Q0[i]
        if Q1[i] > 0:
            p1, u1 = R1[i] / Q1[i], C1[i] / Q1[i]
        if p0 is None:
            p0, u0 = (p1, u1) if p1 is not None else (Fraction(0), Fraction(0))
        if p1 is None:
            p1, u1 = p0, u0
        m0 = p0 - u0
        s0 = Q0[i] / q0 if q0 > 0 else Fraction(0)
        vol = (q1 - q0) * s0 * m0 if q0 > 0 else Fraction(0)
        price = Q1[i] * (p1 - p0)
        cost = -Q1[i] * (u1 - u0)
        mix = (gp1 - gp0) - vol - price - cost
        for k, v in zip(BRIDGE_COMPONENTS, (vol, price, cost, mix), strict=True):
            parts[k].append(v)
    total = int(sum(R1) - sum(C1) - sum(R0) + sum(C0))
    exact = [sum(parts[k], Fraction(0)) for k in BRIDGE_COMPONENTS]
    cents = _largest_remainder(exact, total)
    out = pd.DataFrame(
        {"component": [*BRIDGE_COMPONENTS, "total"], "amount_cents": [*cents, total]}
    )
    out["amount_cents"] = out["amount_cents"].astype("int64")
    out["amount"] = out["amount_cents"] / 100.0
    out["component"] = out["component"].astype("string")
    detail = pd.DataFrame(
        {k: [float(v) / 100.0 for v in parts[k]] for k in BRIDGE_COMPONENTS}, index=ids
    )
    detail.index.name = "channel_id"
    out.attrs["by_channel"] = detail.reset_index()
    return out


def _largest_remainder(exact: list[Fraction], total: int) -> list[int]:
    """Round ``exact`` (summing to the integer ``total``) to integers that sum to ``total``."""
    floors = [v.numerator // v.denominator for v in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def profit_bridge(ds: Dataset, *, base: str, current: str, volume: str = "auto") -> pd.DataFrame:
    """The profit bridge from quarter ``base`` to quarter ``current`` over every channel.

    Parameters
    ----------
    ds : Dataset
    base, current : str
        Fiscal quarters, e.g. ``"FY2025-Q4"`` and ``"FY2026-Q4"``.
    volume : {"auto", "list_value", "quantity"}
        Volume measure: list value (quantity × list price, i.e. volume at constant prices; then
        price/discount is the change of realised price against list) or units. ``"auto"`` uses
        list value when every line of both quarters has a list price, else units.

    Returns
    -------
    DataFrame
        As :func:`bridge_from_frames`, plus ``base``, ``current``, ``label`` (reader's words)
        and ``start``/``end`` (running totals for a waterfall: from the base quarter's gross
        profit to the current one's); ``attrs``: ``volume`` (the measure used), ``base_profit``,
        ``current_profit`` (currency) and ``by_channel``.

    Notes
    -----
    See :func:`bridge_from_frames` for the method.
    """
    cal = ds.calendar
    for q in (base, current):
        cal.validate_quarter(q)
    if volume not in ("auto", "list_value", "quantity"):
        raise ParameterError(f"volume={volume!r}: use auto, list_value or quantity")
    frame = metrics.cube_sums(ds, by=["channel_id"], period="quarter", periods=[base, current])
    frame = frame.rename(columns={"period": "quarter", "list_value_cents": "list_value"})
    if volume == "auto":
        full = (frame["listed_revenue_cents"] == frame["revenue_cents"]).all() and len(frame)
        volume = "list_value" if full else "quantity"
    frame["quantity"] = frame["quantity"].round().astype("int64")
    b = frame[frame["quarter"] == base]
    c = frame[frame["quarter"] == current]
    out = bridge_from_frames(b, c, volume=volume)
    gp0 = int(b["revenue_cents"].sum() - b["cost_of_sales_cents"].sum())
    gp1 = int(c["revenue_cents"].sum() - c["cost_of_sales_cents"].sum())
    labels = {
        "volume": "Volume",
        "price_discount": "Price / discount",
        "cost": "Unit cost",
        "channel_mix": "Channel mix",
        "total": "Total change",
    }
    out["label"] = out["component"].map(labels).astype("string")
    steps = out["amount_cents"].iloc[:-1].to_numpy()
    ends = gp0 + np.cumsum(steps)
    out["start"] = np.r_[gp0, ends[:-1], gp0] / 100.0
    out["end"] = np.r_[ends, gp1] / 100.0
    out["base"] = base
    out["current"] = current
    out.attrs.update(volume=volume, base_profit=gp0 / 100.0, current_profit=gp1 / 100.0)
    return out


# -- the notebook's report -----------------------------------------------------------------------------
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
        :func:`forecast` of revenue and gross profit for the total and the channels.
    fits : dict
        The fitted ETS models behind ``forecasts`` (:class:`ForecastFit`).
    backtest, mase : DataFrame
        :func:`backtest` and :func:`mase_summary`.
    divergence : DataFrame
        :func:`divergence` over channels (and partners).
    bridge : DataFrame or None
        :func:`profit_bridge` from ``bridge_base`` to the reporting quarter; ``None`` when the base
        quarter lies before the data (see ``notes``).
    notes : DataFrame
        ``section``, ``entity_id``, ``note``: every series that could not be modelled and why.
    has_costs : bool
        Whether ``channel_costs`` was there (contribution after cost to serve).
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
    names: dict[str, str] = field(default_factory=dict)
    currency: str = ""


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
        Seed of the bootstrap bands and the forecast simulation.

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
    ratio = ("gross_margin", "contribution_margin") if has_costs else ("gross_margin",)
    money = MONEY_MEASURES if has_costs else ("revenue", "gross_profit")
    # bands where the report shows them (margins); money series get the decomposition only
    decomposition = pd.concat(
        [
            decompose(monthly, measures=money, levels=top, n_boot=0, seed=seed),
            decompose(monthly, measures=ratio, levels=top, n_boot=200, seed=seed),
        ],
        ignore_index=True,
    )
    forecasts, fits = forecast(
        monthly, ds.calendar, measures=("revenue", "gross_profit"), levels=top,
        horizon_quarters=horizon_quarters, n_sims=1000, seed=seed,
    )  # fmt: skip
    bt = backtest(monthly, measures=("revenue", "gross_profit"), levels=top,
                  origins=backtest_origins)  # fmt: skip
    div = divergence(
        monthly, alpha=alpha, levels=("channel", "partner") if partners else ("channel",),
        min_segment=min_segment_months,
    )  # fmt: skip
    first_q = monthly["quarter"].iloc[0] if len(monthly) else None
    quarters = set(monthly["quarter"])
    bridge, bridge_note = None, ""
    if base_q not in quarters:
        bridge_note = (
            f"The profit bridge needs sales in {base_q}, which lies before the data "
            f"(first quarter {first_q}); choose a later bridge_base."
        )
    elif base_q == wb.quarter:
        bridge_note = (
            f"The bridge base {base_q} is the reporting quarter itself: nothing to bridge."
        )
    else:
        bridge = profit_bridge(ds, base=base_q, current=wb.quarter)
    notes = _collect_notes(decomposition, forecasts, bt, div)
    channels = ds.table("channels")
    names = dict(zip(channels["channel_id"], channels["channel_name"], strict=True))
    names["ALL"] = "All channels"
    return TrendReport(
        quarter=wb.quarter, monthly=monthly, quarterly=quarterly_series(monthly),
        decomposition=decomposition, forecasts=forecasts, fits=fits, backtest=bt,
        mase=mase_summary(bt), divergence=div, bridge=bridge, bridge_note=bridge_note,
        notes=notes, has_costs=has_costs, alpha=alpha, names=names, currency=ds.goals.currency,
    )  # fmt: skip


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
