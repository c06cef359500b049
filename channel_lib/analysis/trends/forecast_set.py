"""The forecasts of a reporting quarter computed once per process: the backtest, the model chosen
per series and its forecasts (:func:`forecast_set`), kept in
:data:`channel_lib.data.cache.SHARED` under the dataset's checksums, so notebook 04, the quarter
overview and the partner packs of one batch (each on a new ``Dataset`` of the same files) fit
them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from channel_lib.analysis.trends.forecast import (
    ForecastFit,
    backtest,
    forecast,
    mase_summary,
    select_models,
)
from channel_lib.analysis.trends.series import monthly_series
from channel_lib.data.cache import SHARED
from channel_lib.data.loader import Dataset

__all__ = ["ForecastSet", "forecast_set"]


@dataclass(frozen=True)
class ForecastSet:
    """The backtest, the choice and the forecasts of one dataset and quarter (treat as read only).

    Attributes
    ----------
    backtest : DataFrame
        :func:`~channel_lib.analysis.trends.forecast.backtest`.
    mase : DataFrame
        :func:`~channel_lib.analysis.trends.forecast.mase_summary` of it.
    selection : DataFrame
        :func:`~channel_lib.analysis.trends.forecast.select_models` of it.
    forecasts : DataFrame
        :func:`~channel_lib.analysis.trends.forecast.forecast` with the chosen models.
    fits : dict
        ``(level, entity_id, measure)`` → :class:`ForecastFit` behind ``forecasts``.
    """

    backtest: pd.DataFrame
    mase: pd.DataFrame
    selection: pd.DataFrame
    forecasts: pd.DataFrame
    fits: dict[tuple[str, str, str], ForecastFit]


def forecast_set(
    ds: Dataset,
    quarter: str,
    *,
    horizon_quarters: int = 2,
    backtest_origins: int = 4,
    measures: Sequence[str] = ("revenue", "gross_profit"),
    levels: Sequence[str] = ("total", "channel"),
    monthly: pd.DataFrame | None = None,
) -> ForecastSet:
    """Backtest, model choice and forecasts of ``quarter``'s series, once per process.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Reporting quarter: the series end with its last month.
    horizon_quarters : int
        Quarters forecast after ``quarter``.
    backtest_origins : int
        Rolling origins of the backtest (one quarter apart, one quarter ahead each).
    measures, levels : sequence of str
        The series.
    monthly : DataFrame, optional
        :func:`~channel_lib.analysis.trends.series.monthly_series` of ``ds`` up to ``quarter``
        when the caller has it (it must hold ``levels``); computed otherwise.

    Returns
    -------
    ForecastSet

    Notes
    -----
    The key of :data:`~channel_lib.data.cache.SHARED` is the SHA-256 of every input file, the
    folder, the quarter and the parameters: a changed file, quarter or parameter computes afresh.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> fs = forecast_set(ds, "FY2026-Q4", levels=("total",))
    >>> fs is forecast_set(load_dataset("tests/data/tiny"), "FY2026-Q4", levels=("total",))
    True
    """
    key = (
        "trends.forecast_set", tuple(sorted(ds.checksums.items())), str(ds.folder), quarter,
        horizon_quarters, backtest_origins, tuple(measures), tuple(levels),
    )  # fmt: skip

    def build() -> ForecastSet:
        series = monthly
        if series is None:
            series = monthly_series(ds, quarter=quarter, levels=tuple(levels))
        bt = backtest(series, measures=measures, levels=levels, origins=backtest_origins)
        selection = select_models(bt)
        frame, fits = forecast(
            series, ds.calendar, measures=measures, levels=levels,
            horizon_quarters=horizon_quarters, choice=selection,
        )  # fmt: skip
        return ForecastSet(bt, mase_summary(bt), selection, frame, fits)

    return SHARED.get(key, build)
