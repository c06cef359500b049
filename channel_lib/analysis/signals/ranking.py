"""Every early warning of a quarter in one list ranked by revenue at stake, the materiality cut
(what is listed, what is summarised) and the partners it flags for the report batch.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from channel_lib.analysis.signals.customers import lost_customer
from channel_lib.analysis.signals.reported import (
    key_talent_loss,
    line_card_change,
    partner_total_sales_change,
    service_metrics,
)
from channel_lib.analysis.signals.rows import SIGNAL_NAMES, _rank, stack_signals
from channel_lib.analysis.signals.sales import channel_dependency, our_sales_change
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.loader import Dataset


# -- all signals -----------------------------------------------------------------------------------------
def early_warnings(
    ds: Dataset,
    quarter: str,
    *,
    thresholds: SignalThresholds | None = None,
    include_dependency: bool = True,
) -> pd.DataFrame:
    """Every early-warning signal of ``quarter``, ranked by revenue at stake (no materiality cut).

    Parameters
    ----------
    ds : Dataset
    quarter : str
    thresholds : SignalThresholds, optional
        Default the dataset's (``goals.yaml``); see :func:`resolve_thresholds`.
    include_dependency : bool
        Also list channels and partners over the dependency share.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`, largest revenue at stake first.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ew = early_warnings(load_dataset("tests/data/tiny"), "FY2026-Q2")
    >>> ew.loc[ew["entity_id"] == "P2", "signal"].tolist()
    ['key_talent_loss', 'line_card_change', 'service_metrics']
    """
    th = thresholds or ds.goals.signals
    frames = [
        partner_total_sales_change(ds, quarter, threshold=th.partner_sales_change),
        our_sales_change(ds, quarter, threshold=th.our_sales_change),
        lost_customer(ds, quarter, share=th.lost_customer_share,
                      window_quarters=th.lost_customer_window_quarters),
        line_card_change(ds, quarter),
        key_talent_loss(ds, quarter, quarters=th.key_talent_quarters),
        service_metrics(ds, quarter, csat_min=th.csat_min,
                        first_response_hours_max=th.first_response_hours_max),
    ]  # fmt: skip
    if include_dependency:
        frames.append(channel_dependency(ds, quarter, share=th.dependency_share))
    return stack_signals(frames, money=ds.money)


def material(
    signals: pd.DataFrame, *, min_revenue_at_stake: float, money: MoneyUnit
) -> pd.DataFrame:
    """The signals with at least ``min_revenue_at_stake`` revenue exposed, ranked by it.

    Parameters
    ----------
    signals : DataFrame
        :data:`SIGNAL_COLUMNS` rows (e.g. :func:`early_warnings`).
    min_revenue_at_stake : float
        Minimum revenue at stake in currency (e.g. ``goals.signals.min_revenue_at_stake``).
    money : MoneyUnit
        The unit of ``revenue_at_stake_exact`` (``ds.money``).

    Returns
    -------
    DataFrame
        The rows kept, largest revenue at stake first.

    Notes
    -----
    The minimum is compared exactly, never rounded: a row is kept when its exact revenue at
    stake is at least ``min_revenue_at_stake × money.scale`` (:func:`_min_exact`).

    Examples
    --------
    >>> from channel_lib.core.money import MoneyUnit
    >>> rows = pd.DataFrame({"signal": ["a", "b"], "entity_id": ["X", "Y"],
    ...                      "revenue_at_stake_exact": [10_000_049, 10_000_050]})
    >>> material(rows, min_revenue_at_stake=1000.005, money=MoneyUnit("USD", 4))["entity_id"].tolist()
    ['Y']
    """
    least = _min_exact(min_revenue_at_stake, money)
    return _rank(signals[signals["revenue_at_stake_exact"] >= least])


def below_materiality(
    signals: pd.DataFrame, *, min_revenue_at_stake: float, money: MoneyUnit
) -> pd.DataFrame:
    """Summary of the signals left out by the materiality filter, one row per signal.

    Parameters
    ----------
    signals : DataFrame
        :data:`SIGNAL_COLUMNS` rows (e.g. :func:`early_warnings`).
    min_revenue_at_stake : float
        The minimum :func:`material` applies (currency).
    money : MoneyUnit
        The unit of ``revenue_at_stake_exact`` (``ds.money``).

    Returns
    -------
    DataFrame
        ``signal``, ``meaning``, ``rows`` (int), ``revenue_at_stake`` (float, currency) and
        ``revenue_at_stake_exact`` (int64) of the rows below the minimum, plus a ``total`` row;
        only signals with rows below the minimum (empty frame when nothing is left out).
    """
    least = _min_exact(min_revenue_at_stake, money)
    below = signals[signals["revenue_at_stake_exact"] < least]
    if below.empty:
        return pd.DataFrame(
            {"signal": pd.Series(dtype="string"), "meaning": pd.Series(dtype="string"),
             "rows": pd.Series(dtype="int64"), "revenue_at_stake": pd.Series(dtype="float64"),
             "revenue_at_stake_exact": pd.Series(dtype="int64")}
        )  # fmt: skip
    g = below.groupby("signal", sort=True)["revenue_at_stake_exact"].agg(["size", "sum"])
    out = pd.DataFrame(
        {"signal": g.index.astype("string"), "rows": g["size"].astype("int64").to_numpy(),
         "revenue_at_stake_exact": g["sum"].astype("int64").to_numpy()}
    )  # fmt: skip
    total = pd.DataFrame(
        {"signal": ["total"], "rows": [int(out["rows"].sum())],
         "revenue_at_stake_exact": [int(out["revenue_at_stake_exact"].sum())]}
    )  # fmt: skip
    out = pd.concat([out, total], ignore_index=True)
    out["meaning"] = out["signal"].map(SIGNAL_NAMES).fillna("").astype("string")
    out["signal"] = out["signal"].astype("string")
    out["revenue_at_stake"] = money.amount(out["revenue_at_stake_exact"].astype("float64"))
    return out[["signal", "meaning", "rows", "revenue_at_stake", "revenue_at_stake_exact"]]


def _min_exact(value: float, money: MoneyUnit) -> int:
    """The least whole number of exact units that is ≥ ``value`` (currency): ``exact >= value``
    exactly when ``exact >= _min_exact(value)``, so the cut never rounds the minimum."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ParameterError(
            f"min_revenue_at_stake={value!r}: an amount ≥ 0 in {money.currency} "
            "(goals.yaml signals: min_revenue_at_stake)"
        )
    if not math.isfinite(value):
        raise ParameterError(f"min_revenue_at_stake={value!r}: a finite amount in {money.currency}")
    return math.ceil(Decimal(str(value)).scaleb(money.decimals))


def flagged_partners(ds: Dataset, quarter: str) -> list[str]:
    """Partners with a material early-warning signal in ``quarter`` (for ``--partners flagged``).

    A partner is flagged by its own signals (1, 2, 4, 5, service metrics, dependency) and by a
    lost customer it sold to, at the thresholds and materiality minimum of ``goals.yaml``.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Fiscal quarter, e.g. ``"FY2026-Q4"``.

    Returns
    -------
    list of str
        Partner ids, largest revenue at stake first, each once.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> flagged_partners(load_dataset("tests/data/tiny"), "FY2026-Q2")
    []
    """
    th = ds.goals.signals
    found = material(
        early_warnings(ds, quarter), min_revenue_at_stake=th.min_revenue_at_stake, money=ds.money
    )
    ids = found["partner_id"].dropna()
    return [str(p) for p in dict.fromkeys(ids)]
