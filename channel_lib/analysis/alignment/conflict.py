"""Channel conflict: customers served by two channels (or two partners) in the same quarter.

- :func:`channel_conflict` — every pair with a shared customer, and whether it is a conflict;
- :func:`conflict_by_channel` — the pairs in long form, one row per pair and channel.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.analysis.alignment.actuals import share
from channel_lib.analysis.alignment.settings import Settings
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook


def channel_conflict(
    wb: Workbook,
    settings: Settings,
    *,
    level: str = "channel_id",
    min_customers: int = 5,
    discount_gap: float = 0.05,
) -> pd.DataFrame:
    """Pairs of channels (or partners) serving the same customers in the same quarter.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
    level : {"channel_id", "partner_id"}
        Compare channels, or partners (direct sales left out).
    min_customers : int
        Shared customers from which a pair is a conflict (with the discount gap).
    discount_gap : float
        Difference of the two discounts (fraction points) from which a pair is a conflict.

    Returns
    -------
    DataFrame
        One row per pair with a shared customer, largest revenue at stake first: ``year``,
        ``level``, ``first``, ``second`` (ids, ``first`` < ``second``), ``pair``
        (``"DIST+RES"``), ``customers`` (shared), ``revenue_at_stake`` (their revenue through
        both, currency), ``first_revenue``, ``second_revenue``, ``first_discount``,
        ``second_discount`` (list-value-weighted, on the shared customers' purchases),
        ``discount_gap`` (absolute, fraction points), ``conflict`` (bool).

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> channel_conflict(wb, s)[["pair", "customers", "conflict"]]
    Empty DataFrame
    Columns: [pair, customers, conflict]
    Index: []
    """
    if level not in ("channel_id", "partner_id"):
        raise ParameterError(f"level={level!r}: compare 'channel_id' or 'partner_id'")
    ds = wb.dataset
    cols = ["year", "level", "first", "second", "pair", "customers", "revenue_at_stake",
            "first_revenue", "second_revenue", "first_discount", "second_discount",
            "discount_gap", "conflict"]  # fmt: skip
    by = ["customer_id", level]
    frame = metrics.cube_sums(ds, by=by, period="quarter", periods=list(settings.quarters))
    frame = frame[frame[level].notna() & (frame["revenue_exact"] > 0)]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    n = frame.groupby(["period", "customer_id"])[level].transform("nunique")
    shared = frame[n > 1]
    if shared.empty:
        return pd.DataFrame(columns=cols)
    pairs = shared.merge(shared, on=["period", "customer_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs[f"{level}_a"] < pairs[f"{level}_b"]]
    rows = [
        {
            "year": settings.year,
            "level": level,
            **_pair(a, b, g, min_customers, discount_gap, ds.money),
        }
        for (a, b), g in pairs.groupby([f"{level}_a", f"{level}_b"])
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("revenue_at_stake", ascending=False, kind="stable").reset_index(
        drop=True
    )


def _pair(
    a: str, b: str, g: pd.DataFrame, min_customers: int, discount_gap: float, money: MoneyUnit
) -> dict:
    """One pair's shared customers, revenue through each side, discounts and verdict."""
    sums = {
        side: g[
            [f"{c}_{side}" for c in ("revenue_exact", "listed_revenue_exact", "list_value_exact")]
        ].sum()
        for side in ("a", "b")
    }
    disc = {
        side: float(1 - share(s[f"listed_revenue_exact_{side}"], s[f"list_value_exact_{side}"]))
        for side, s in sums.items()
    }
    rev_a = money.amount(sums["a"]["revenue_exact_a"])
    rev_b = money.amount(sums["b"]["revenue_exact_b"])
    customers = g["customer_id"].nunique()
    gap = abs(disc["a"] - disc["b"])
    return {
        "first": a, "second": b, "pair": f"{a}+{b}", "customers": int(customers),
        "revenue_at_stake": rev_a + rev_b, "first_revenue": rev_a, "second_revenue": rev_b,
        "first_discount": disc["a"], "second_discount": disc["b"], "discount_gap": gap,
        "conflict": bool(customers >= min_customers and gap >= discount_gap),
    }  # fmt: skip


def conflict_by_channel(conflict: pd.DataFrame) -> pd.DataFrame:
    """The channel pairs in long form for the overlap chart: one row per pair and channel.

    Returns
    -------
    DataFrame
        ``pair``, ``channel_id``, ``customers``, ``revenue`` (through this channel),
        ``discount`` (this channel's), ``discount_gap``, ``revenue_at_stake``, ``conflict``.
    """
    cols = ["pair", "channel_id", "customers", "revenue", "discount", "discount_gap",
            "revenue_at_stake", "conflict"]  # fmt: skip
    if conflict.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for side in ("first", "second"):
        p = conflict[["pair", side, "customers", f"{side}_revenue", f"{side}_discount",
                      "discount_gap", "revenue_at_stake", "conflict"]].copy()  # fmt: skip
        p.columns = cols
        parts.append(p)
    return (
        pd.concat(parts, ignore_index=True)
        .sort_values(["pair", "channel_id"])
        .reset_index(drop=True)
    )
