"""Every channel's response curve: fitted from the lever spend (:func:`fit_channels`) and
tabulated for the report — one row of parameters per channel (:func:`curve_table`) and each
curve on a spend grid with its band (:func:`curve_points`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from channel_lib.analysis.investment.fit import fit_response
from channel_lib.analysis.investment.response import Z95, ResponseFit
from channel_lib.core.errors import ParameterError

__all__ = ["curve_points", "curve_table", "fit_channels"]


def fit_channels(
    spend: pd.DataFrame, *, metric: str = "revenue", adstock_mode: str = "auto"
) -> tuple[dict[str, ResponseFit], pd.DataFrame]:
    """Fit :func:`fit_response` for every channel of :func:`lever_spend`.

    Returns
    -------
    (fits, status)
        ``fits``: channel → :class:`ResponseFit` for the channels that could be fitted;
        ``status``: one row per channel: ``channel_id``, ``fitted`` (bool), ``message``.
    """
    fits: dict[str, ResponseFit] = {}
    rows = []
    for channel, grp in spend.groupby("channel_id", sort=True):
        grp = grp.sort_values("period")
        active = grp[(grp["spend"] > 0) | (grp[metric] != 0)]
        grp = grp[grp["period"] >= active["period"].min()] if len(active) else grp.iloc[0:0]
        try:
            fit = fit_response(grp["spend"], grp[metric], grp["month"], channel_id=str(channel),
                               metric=metric, adstock_mode=adstock_mode)  # fmt: skip
        except ParameterError as exc:
            rows.append((str(channel), False, str(exc)))
            continue
        fits[str(channel)] = fit
        rows.append((str(channel), True, "; ".join(fit.warnings)))
    return fits, pd.DataFrame(rows, columns=["channel_id", "fitted", "message"])


def curve_table(fits: Mapping[str, ResponseFit], current: Mapping[str, float]) -> pd.DataFrame:
    """One row per fitted channel: parameters with intervals, test, marginal return at current spend.

    Returns
    -------
    DataFrame
        ``channel_id``, ``metric``, ``current_spend``, ``response_at_current`` (+ ``_low``,
        ``_high``), ``marginal_return`` (response per unit of spend at current spend),
        ``half_saturation`` with ``half_saturation_low/high`` (95%), ``shape``, ``saturation``
        (beta), ``adstock_decay``, ``adstock`` (chosen by AIC), ``lr_pvalue``, ``identified``.
    """
    rows = []
    for ch, f in fits.items():
        s = float(current.get(ch, 0.0))
        resp = float(f.response(s))
        sd = float(f.response_sd(s)[0])
        lo, hi = f.k_interval()
        rows.append({
            "channel_id": ch, "metric": f.metric, "current_spend": s, "response_at_current": resp,
            "response_low": max(resp - Z95 * sd, 0.0), "response_high": resp + Z95 * sd,
            "marginal_return": float(f.marginal(s)), "half_saturation": f.k,
            "half_saturation_low": lo, "half_saturation_high": hi, "shape": f.n,
            "saturation": f.beta, "adstock_decay": f.decay,
            "adstock": "geometric" if f.decay > 0 else "none", "lr_pvalue": f.lr_pvalue,
            "identified": f.identified,
        })  # fmt: skip
    return pd.DataFrame(rows)


def curve_points(
    fits: Mapping[str, ResponseFit], alloc: pd.DataFrame | None = None, *, points: int = 60
) -> pd.DataFrame:
    """Each curve on a spend grid with its 95% band, for charts.

    Returns
    -------
    DataFrame
        ``channel_id``, ``spend``, ``response``, ``low``, ``high``, ``marginal_return``; the grid
        runs from 0 to 1.5 × the largest of observed, current and recommended spend.
    """
    frames = []
    for ch, f in fits.items():
        top = f.spend_max
        if alloc is not None:
            sel = alloc[alloc["channel_id"] == ch]
            if len(sel):
                top = max(top, float(sel["spend"].max()), float(sel["current_spend"].max()))
        grid = np.linspace(0.0, 1.5 * top, points)
        resp = f.response(grid)
        sd = np.nan_to_num(f.response_sd(grid))
        frames.append(pd.DataFrame({
            "channel_id": ch, "spend": grid, "response": resp,
            "low": np.maximum(resp - Z95 * sd, 0.0), "high": resp + Z95 * sd,
            "marginal_return": f.marginal(grid),
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame(
            columns=["channel_id", "spend", "response", "low", "high", "marginal_return"]
        )
    return pd.concat(frames, ignore_index=True)
