"""STL decomposition of the monthly series (trend, seasonal, remainder) with moving-block
bootstrap confidence bands of the trend (:func:`decompose`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from channel_lib.analysis.trends.series import (
    MEASURE_LABELS,
    MIN_SEASONAL_MONTHS,
    PERIOD,
    _check_measure,
    _entity_frames,
    _history_note,
)

__all__ = ["decompose"]


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
    rng = np.random.default_rng(seed)
    band = ((1 - conf) / 2, 1 - (1 - conf) / 2)
    rows = []
    for level, entity, frame in _entity_frames(monthly, levels):
        for measure in measures:
            _check_measure(measure)
            rows.append(_decompose_series(frame, level, entity, measure, n_boot=n_boot,
                                          band=band, block=block, rng=rng))  # fmt: skip
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(out):
        out["month"] = pd.to_datetime(out["month"])
        for c in ("level", "entity_id", "channel_id", "measure", "quarter", "note"):
            out[c] = out[c].astype("string")
    out.attrs["conf"] = conf
    return out


def _not_decomposed(y: np.ndarray, measure: str) -> str | None:
    """Why a series cannot be decomposed (no figures, too short, constant, gaps), else ``None``."""
    if np.isnan(y).all():
        return f"no {MEASURE_LABELS[measure].lower()} figures"
    note = _history_note(pd.Series(y), MIN_SEASONAL_MONTHS, "a seasonal decomposition")
    if note is None and np.isnan(y).any():
        note = "months without revenue leave gaps in the margin: not decomposed"
    return note


def _decompose_series(
    frame: pd.DataFrame,
    level: str,
    entity: str,
    measure: str,
    *,
    n_boot: int,
    band: tuple[float, float],
    block: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One entity's ``measure``: STL and its bootstrap band, or a note saying why not."""
    from statsmodels.tsa.seasonal import STL  # statsmodels is heavy: loaded on first use

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
    note = _not_decomposed(y, measure)
    if note is not None:
        for c in ("trend", "seasonal", "resid", "trend_low", "trend_high"):
            base[c] = np.nan
        base["note"] = note
        return base
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
    base["trend_low"] = np.quantile(boots, band[0], axis=0) if n_boot else np.nan
    base["trend_high"] = np.quantile(boots, band[1], axis=0) if n_boot else np.nan
    base["note"] = pd.NA
    return base
