"""Every early warning at moved thresholds, without running the signals again.

:func:`~channel_lib.analysis.signals.early_warnings` takes ~0.4 s on the sample, too slow to
follow a slider. :func:`signal_candidates` runs the three threshold-dependent signals once with a
threshold of 0 (every judged candidate, with its value) and the four others at their fixed
thresholds; :func:`warnings_at` then keeps the candidates whose value meets a threshold (``>=``,
as the signal functions compare) and ranks the rows as ``early_warnings`` does, so the result
equals ``early_warnings(ds, quarter, thresholds=...)`` for any moved threshold of
:data:`SWEPT_THRESHOLDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from channel_lib.analysis.signals.customers import lost_customer
from channel_lib.analysis.signals.reported import (
    key_talent_loss,
    line_card_change,
    partner_total_sales_change,
    service_metrics,
)
from channel_lib.analysis.signals.rows import stack_signals
from channel_lib.analysis.signals.sales import channel_dependency, our_sales_change
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.loader import Dataset

__all__ = [
    "FIXED_THRESHOLDS",
    "SWEPT_THRESHOLDS",
    "SignalCandidates",
    "moved_fixed_thresholds",
    "signal_candidates",
    "warnings_at",
]

#: Thresholds :func:`warnings_at` can move (the candidates hold every value that could meet them).
SWEPT_THRESHOLDS: tuple[str, ...] = (
    "partner_sales_change",
    "our_sales_change",
    "lost_customer_share",
)
#: Thresholds the candidates are computed at: moving one needs new candidates.
FIXED_THRESHOLDS: tuple[str, ...] = (
    "csat_min",
    "first_response_hours_max",
    "dependency_share",
    "lost_customer_window_quarters",
    "key_talent_quarters",
)


@dataclass(frozen=True)
class SignalCandidates:
    """A quarter's signal candidates (:func:`signal_candidates`).

    Attributes
    ----------
    thresholds : SignalThresholds
        The thresholds the candidates were computed with (its :data:`FIXED_THRESHOLDS` hold).
    partner_total_sales_change, our_sales_change, lost_customer : DataFrame
        The signal's rows at a threshold of 0: every judged candidate, ``value`` its change or
        share.
    lost_total_exact : int or None
        Company revenue of the lost-customer base year in exact units of :attr:`money`
        (``None`` without a candidate worth more than 0).
    money : MoneyUnit
        The dataset's money unit (``ds.money``) of every ``*_exact`` amount.
    fixed : tuple of DataFrame
        The other signals at :attr:`thresholds`, in :func:`early_warnings` order.
    """

    thresholds: SignalThresholds
    partner_total_sales_change: pd.DataFrame
    our_sales_change: pd.DataFrame
    lost_customer: pd.DataFrame
    lost_total_exact: int | None
    fixed: tuple[pd.DataFrame, ...]
    money: MoneyUnit


def signal_candidates(ds: Dataset, quarter: str, thresholds: SignalThresholds) -> SignalCandidates:
    """Compute the quarter's signal candidates once.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    thresholds : SignalThresholds
        Its :data:`FIXED_THRESHOLDS` are the ones the candidates hold.

    Returns
    -------
    SignalCandidates
    """
    th = thresholds
    lost = lost_customer(ds, quarter, share=0.0, window_quarters=th.lost_customer_window_quarters)
    positive = lost[lost["value"] > 0]
    total = (
        round(float(positive["revenue_at_stake_exact"].iloc[0]) / positive["value"].iloc[0])
        if len(positive)
        else None
    )
    fixed = (
        line_card_change(ds, quarter),
        key_talent_loss(ds, quarter, quarters=th.key_talent_quarters),
        service_metrics(ds, quarter, csat_min=th.csat_min,
                        first_response_hours_max=th.first_response_hours_max),
        channel_dependency(ds, quarter, share=th.dependency_share),
    )  # fmt: skip
    return SignalCandidates(
        thresholds=th,
        partner_total_sales_change=partner_total_sales_change(ds, quarter, threshold=0.0),
        our_sales_change=our_sales_change(ds, quarter, threshold=0.0),
        lost_customer=lost,
        lost_total_exact=total,
        fixed=fixed,
        money=ds.money,
    )


def moved_fixed_thresholds(candidates: SignalCandidates, thresholds: SignalThresholds) -> list[str]:
    """The :data:`FIXED_THRESHOLDS` that differ between ``thresholds`` and the candidates'."""
    return [
        f for f in FIXED_THRESHOLDS if getattr(thresholds, f) != getattr(candidates.thresholds, f)
    ]


def warnings_at(candidates: SignalCandidates, thresholds: SignalThresholds) -> pd.DataFrame:
    """Every early warning of the candidates' quarter at ``thresholds``.

    Parameters
    ----------
    candidates : SignalCandidates
    thresholds : SignalThresholds
        Its :data:`FIXED_THRESHOLDS` must be the candidates'.

    Returns
    -------
    DataFrame
        :data:`~channel_lib.analysis.signals.SIGNAL_COLUMNS`, largest revenue at stake first:
        equal to ``early_warnings(ds, quarter, thresholds=thresholds)``.

    Raises
    ------
    ParameterError
        When a fixed threshold moved (compute new candidates with it).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from channel_lib import load_dataset
    >>> from channel_lib.analysis.signals import early_warnings
    >>> ds = load_dataset("tests/data/tiny")
    >>> c = signal_candidates(ds, "FY2026-Q4", ds.goals.signals)
    >>> th = replace(ds.goals.signals, our_sales_change=0.5)
    >>> warnings_at(c, th).equals(early_warnings(ds, "FY2026-Q4", thresholds=th))
    True
    """
    moved = moved_fixed_thresholds(candidates, thresholds)
    if moved:
        raise ParameterError(
            f"the signal candidates were computed with fixed {', '.join(moved)}; compute new "
            "candidates (signal_candidates) with those thresholds"
        )
    c = candidates
    frames = [
        _meets(c.partner_total_sales_change, abs_value=True,
               threshold=float(thresholds.partner_sales_change)),
        _meets(c.our_sales_change, abs_value=True, threshold=float(thresholds.our_sales_change)),
        _lost_meets(c.lost_customer, c.lost_total_exact, float(thresholds.lost_customer_share)),
        *c.fixed,
    ]  # fmt: skip
    # as early_warnings stacks and ranks its frames
    return stack_signals(frames, money=candidates.money)


def _meets(frame: pd.DataFrame, *, abs_value: bool, threshold: float) -> pd.DataFrame:
    """Rows whose ``value`` (its magnitude) is at least ``threshold``, stamped with it."""
    value = frame["value"].abs() if abs_value else frame["value"]
    out = frame[value >= threshold].copy()
    out["threshold"] = threshold
    return out


def _lost_meets(frame: pd.DataFrame, total_exact: int | None, share: float) -> pd.DataFrame:
    """Lost-customer candidates worth ``share`` of company revenue, compared as
    :func:`~channel_lib.analysis.signals.lost_customer` compares them (``exact >= share * total``,
    doubles)."""
    if frame.empty or total_exact is None:
        # no candidate, or only candidates worth nothing (kept only by a share of 0)
        return frame if share <= 0 else frame.iloc[0:0]
    exact = frame["revenue_at_stake_exact"].astype("float64")
    out = frame[exact >= share * float(total_exact)].copy()
    out["threshold"] = share
    return out
