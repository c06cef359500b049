"""Cross-partner events for a partner's internal brief (notebook 06, never in the deck).

:func:`brief_events` gathers what one partner's pack alone cannot see, from company-wide frames
computed once per process and quarter: customers that moved to or from the partner (and from or
to whom), channel conflicts with other partners and their discount gap, the partner's
certification and headcount changes, the portfolio's tier advice
(:func:`channel_lib.analysis.scorecard.portfolio`) and a line-card rank that contradicts the
share of wallet. Frames only; the sentences are in
:mod:`channel_lib.presentation.pages.partner_review`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from channel_lib.analysis import scorecard
from channel_lib.analysis.alignment.conflict import channel_conflict
from channel_lib.analysis.alignment.settings import resolve_settings
from channel_lib.analysis.partner_review import PartnerPack
from channel_lib.analysis.signals.customers import moved_customers
from channel_lib.data.cache import SHARED

__all__ = ["WALLET_CONTRADICTION", "BriefEvents", "brief_events"]

#: A line-card rank of 1 or 2 with a share of wallet below this fraction is a contradiction.
WALLET_CONTRADICTION = 0.2


@dataclass(frozen=True)
class BriefEvents:
    """Cross-partner events of one partner's brief (see :func:`brief_events`)."""

    moved: pd.DataFrame
    conflicts: pd.DataFrame
    staff: pd.DataFrame
    tier_advice: str
    score: float
    rank: float
    share_of_wallet: float


def _memo(ds, quarter: str, name: str, build):
    key = (tuple(sorted(ds.checksums.items())), str(ds.folder), quarter, f"brief_{name}")
    return SHARED.get(key, build)


def _moved(wb, pack: PartnerPack) -> pd.DataFrame:
    """Customers that left the partner for another route, or came to it from one."""
    ds, q = wb.dataset, pack.quarter
    m = _memo(ds, q, "moved", lambda: moved_customers(ds, q))
    cols = ["customer_id", "entity_name", "way", "revenue_at_stake", "evidence"]
    if m.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols}).astype(
            {"revenue_at_stake": "float64"}
        )
    left = m["partner_id"] == pack.partner_id
    came = (
        m["evidence"]
        .astype("string")
        .str.contains(f"buys via {pack.partner_id} (", regex=False)
        .fillna(False)
    )
    out = m[left | came].copy()
    out["way"] = np.where(left[left | came], "moved away", "moved to this partner")
    out["customer_id"] = out["entity_id"]
    return out[cols].reset_index(drop=True)


def _conflicts(wb, pack: PartnerPack) -> pd.DataFrame:
    """Partner pairs with this partner that are channel conflicts (shared customers, discount gap)."""
    ds, q = wb.dataset, pack.quarter
    c = _memo(ds, q, "conflict",
              lambda: channel_conflict(wb, resolve_settings(wb), level="partner_id"))  # fmt: skip
    mine = c[(c["first"] == pack.partner_id) | (c["second"] == pack.partner_id)]
    mine = mine[mine["conflict"].astype(bool)] if len(mine) else mine
    other = np.where(mine["first"] == pack.partner_id, mine["second"], mine["first"])
    yours = np.where(mine["first"] == pack.partner_id, mine["first_discount"],
                     mine["second_discount"])  # fmt: skip
    theirs = np.where(mine["first"] == pack.partner_id, mine["second_discount"],
                      mine["first_discount"])  # fmt: skip
    return pd.DataFrame({
        "other_partner": pd.Series(other, dtype="string"),
        "customers": pd.Series(mine["customers"].to_numpy(), dtype="int64"),
        "revenue_at_stake": pd.Series(mine["revenue_at_stake"].to_numpy(), dtype="float64"),
        "discount": pd.Series(yours, dtype="float64"),
        "other_discount": pd.Series(theirs, dtype="float64"),
        "discount_gap": pd.Series(mine["discount_gap"].to_numpy(), dtype="float64"),
    })  # fmt: skip


def brief_events(wb, pack: PartnerPack) -> BriefEvents:
    """The cross-partner events of ``pack``'s internal brief.

    Parameters
    ----------
    wb : Workbook
    pack : PartnerPack

    Returns
    -------
    BriefEvents
        - ``moved``: ``customer_id``, ``entity_name``, ``way`` (``moved away`` /
          ``moved to this partner``), ``revenue_at_stake`` (currency, its base 12 months),
          ``evidence`` (where it buys now);
        - ``conflicts``: ``other_partner``, ``customers`` (shared), ``revenue_at_stake``,
          ``discount``, ``other_discount``, ``discount_gap`` (fractions) for the pairs that are
          conflicts (:func:`channel_lib.analysis.alignment.channel_conflict` at partner level);
        - ``staff``: ``quarter``, ``sales_headcount``, ``certified_staff`` of the reports;
        - ``tier_advice`` and ``score``: the portfolio's suggestion and score (0–100) for the
          partner (``"not in the portfolio"`` / ``NaN`` without revenue in 12 months);
        - ``rank`` and ``share_of_wallet``: the last reported line-card rank and our share of
          its sales that quarter (``NaN`` when not reported).

    Examples
    --------
    >>> from channel_lib.analysis.partner_review import partner_pack
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q3", plans_dir="/tmp/doctest-plans-brief")
    >>> e = brief_events(wb, partner_pack(wb, "P2"))
    >>> e.tier_advice, len(e.moved), list(e.staff.columns)
    ('keep', 0, ['quarter', 'sales_headcount', 'certified_staff'])
    """
    ds, q = wb.dataset, pack.quarter
    p = _memo(ds, q, "portfolio", lambda: scorecard.portfolio(ds, q))
    mine = p[p["partner_id"] == pack.partner_id]
    reports = pack.reports
    ranked = reports.dropna(subset=["line_card_rank"])
    last = ranked.iloc[-1] if len(ranked) else None
    return BriefEvents(
        moved=_moved(wb, pack), conflicts=_conflicts(wb, pack),
        staff=reports[["quarter", "sales_headcount", "certified_staff"]].dropna(how="all", subset=[
            "sales_headcount", "certified_staff"]).reset_index(drop=True),
        tier_advice=str(mine["suggestion"].iloc[0]) if len(mine) else "not in the portfolio",
        score=float(mine["score"].iloc[0]) if len(mine) else np.nan,
        rank=float(last["line_card_rank"]) if last is not None else np.nan,
        share_of_wallet=float(last["share_of_wallet"]) if last is not None else np.nan,
    )  # fmt: skip
