"""Prediction intervals of quarterly sums in closed form: the ETS(A,N,A)/ETS(A,N,N) forecast-error
variance of a quarter's three months (:func:`ets_quarter_sd`) and the empirical error of a
benchmark forecast over past quarters (:func:`empirical_quarter_errors`, :func:`rms_band`).

Both replace simulated paths: the ETS interval is exact under the model's Gaussian errors, and a
benchmark (seasonal naive) has no model to simulate, so its interval comes from how wrong the
same forecast was on the quarters already seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import norm

__all__ = [
    "MIN_PAST_ERRORS",
    "empirical_quarter_errors",
    "ets_quarter_sd",
    "normal_band",
    "rms_band",
]

#: Fewest past quarterly errors an empirical interval is computed from.
MIN_PAST_ERRORS = 4


def ets_quarter_sd(
    *, alpha: float, gamma: float, period: int, scale: float, months: Sequence[int]
) -> float:
    """Standard deviation of the error of a sum of monthly ETS forecasts (additive errors).

    Parameters
    ----------
    alpha, gamma : float
        Smoothing of the level and of the seasonal (``gamma=0`` without seasonality).
    period : int
        Seasonal period (12).
    scale : float
        Innovation variance (``ETSResults.scale``, currency²).
    months : sequence of int
        The summed horizons in months (1 = first month after the data), e.g. ``[4, 5, 6]``.

    Returns
    -------
    float
        Currency.

    Notes
    -----
    In the innovations form of ETS(A,N,A) the error of the ``h``-step forecast is
    ``e[T+h] + sum_{j=1}^{h-1} c_j e[T+h-j]`` with ``c_j = alpha + gamma * [j mod period == 0]``
    (Hyndman, Koehler, Ord & Snyder 2008, *Forecasting with Exponential Smoothing*, ch. 6), so a
    sum over months ``S`` weighs innovation ``e[T+k]`` by ``sum_{i in S, i >= k} c_{i-k}``
    (``c_0 = 1``) and its variance is ``scale`` times the sum of the squared weights. The months
    of a quarter are correlated through the level; adding monthly bounds would miss that.

    Examples
    --------
    >>> round(ets_quarter_sd(alpha=0.0, gamma=0.0, period=12, scale=1.0, months=[1, 2, 3]) ** 2, 6)
    3.0
    >>> round(ets_quarter_sd(alpha=1.0, gamma=0.0, period=12, scale=1.0, months=[1, 2]) ** 2, 6)
    5.0
    """
    months = np.asarray(sorted(months), dtype="int64")
    c = np.full(int(months.max()), alpha, dtype="float64")
    c[0] = 1.0
    c[period::period] += gamma
    weights = [c[months[months >= k] - k].sum() for k in range(1, int(months.max()) + 1)]
    return float(np.sqrt(scale * np.sum(np.square(weights))))


def normal_band(mean: float, sd: float, coverage: float) -> tuple[float, float]:
    """``mean ± z * sd`` with ``z`` the two-sided normal quantile of ``coverage``.

    Examples
    --------
    >>> [round(v, 2) for v in normal_band(10.0, 1.0, 0.95)]
    [8.04, 11.96]
    """
    z = float(norm.ppf(1 - (1 - coverage) / 2))
    return mean - z * sd, mean + z * sd


def empirical_quarter_errors(
    y: np.ndarray,
    predict: Callable[[np.ndarray, int], np.ndarray],
    *,
    horizon_quarters: int,
    min_train: int,
) -> list[np.ndarray]:
    """Errors (actual − forecast) of a quarterly forecast on every past quarter it could be made for.

    Parameters
    ----------
    y : ndarray
        Monthly values, oldest first, ending with the last month of a quarter.
    predict : callable
        ``predict(train, months)`` → the forecast of the ``months`` after ``train``.
    horizon_quarters : int
        Quarters ahead.
    min_train : int
        Fewest training months a forecast needs (12 for seasonal naive).

    Returns
    -------
    list of ndarray
        Element ``j`` (0 = one quarter ahead): the errors of the quarter ``j + 1`` quarters after
        each past origin (origins three months apart, ending at quarter ends), currency.

    Examples
    --------
    >>> from channel_lib.analysis.trends.forecast import seasonal_naive
    >>> y = np.r_[np.ones(12), 2 * np.ones(12)]
    >>> [e.tolist() for e in empirical_quarter_errors(y, seasonal_naive, horizon_quarters=1,
    ...                                                 min_train=12)]
    [[3.0, 3.0, 3.0, 3.0]]
    """
    y = np.asarray(y, dtype="float64")
    out: list[list[float]] = [[] for _ in range(horizon_quarters)]
    n = len(y)
    for origin in range(n - 3, min_train - 1, -3):
        months = min(3 * horizon_quarters, n - origin)
        fc = predict(y[:origin], months)
        for j in range(months // 3):
            sl = slice(3 * j, 3 * j + 3)
            out[j].append(float(y[origin + 3 * j : origin + 3 * j + 3].sum() - fc[sl].sum()))
    return [np.asarray(e[::-1]) for e in out]


def rms_band(mean: float, errors: np.ndarray, coverage: float) -> tuple[float, float]:
    """``mean ± z * RMS(errors)``: a normal interval from past errors (NaN with too few).

    Examples
    --------
    >>> [round(v, 2) for v in rms_band(10.0, np.array([1.0, -1.0, 1.0, -1.0]), 0.95)]
    [8.04, 11.96]
    >>> rms_band(10.0, np.array([1.0]), 0.95)
    (nan, nan)
    """
    errors = np.asarray(errors, dtype="float64")
    if len(errors) < MIN_PAST_ERRORS:
        return float("nan"), float("nan")
    return normal_band(mean, float(np.sqrt(np.mean(np.square(errors)))), coverage)
