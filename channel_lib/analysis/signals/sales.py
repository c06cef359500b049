"""The signals read from our sales: 2 our sales through a partner, and concentration (a channel
or partner carrying a large share of revenue).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.signals.partners import partner_table, trailing_partner_revenue
from channel_lib.analysis.signals.rows import _empty, _money, _partner_rows, _pct, stack_signals
from channel_lib.analysis.signals.thresholds import _pick
from channel_lib.data import cube as metrics
from channel_lib.data.loader import Dataset


# -- 2. our sales through the partner ----------------------------------------------------------------
def our_sales_change(ds: Dataset, quarter: str, *, threshold: float | None = None) -> pd.DataFrame:
    """Signal 2: our revenue through a partner changed by ``threshold`` or more.

    Trailing 12 months ending with ``quarter`` against the 12 months before
    (:func:`channel_lib.data.cube.trailing_growth`); partners without revenue in the earlier
    12 months (new partners) are not judged.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    threshold : float, optional
        |change| at or above which the partner is flagged; default
        ``goals.signals.our_sales_change`` (0.20).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``value`` the change (fraction), ``revenue_at_stake`` our
        revenue through the partner over the trailing 12 months (the one exposure basis).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> o = our_sales_change(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> list(zip(o["entity_id"], o["value"].round(3)))
    [('P1', -0.333), ('P3', 2.312)]
    """
    threshold = _pick(ds, "our_sales_change", threshold)
    t = trailing_partner_revenue(ds, quarter)
    t = t[(t["previous_exact"] > 0) & (t["change"].abs() >= threshold)]
    if t.empty:
        return _empty()
    win = t["current_start"].iloc[0], t["current_end"].iloc[0], t["previous_start"].iloc[0]
    periods = (
        f"{win[0]:%Y-%m}..{(win[1] - pd.DateOffset(months=1)):%Y-%m} vs "
        f"{win[2]:%Y-%m}..{(win[0] - pd.DateOffset(months=1)):%Y-%m}"
    )
    found = pd.DataFrame(
        {
            "partner_id": t.index,
            "direction": np.where(t["change"] > 0, "up", "down"),
            "value": t["change"].to_numpy(),
            "threshold": threshold,
            "periods_compared": periods,
            "since": ds.calendar.quarter_of(win[0]),
            "evidence": [
                f"our revenue through the partner {_money(c, ds)} vs {_money(p, ds)} ({_pct(x)})"
                for c, p, x in zip(
                    t["current_exact"], t["previous_exact"], t["change"], strict=True
                )
            ],
        }
    )
    exposure = pd.Series(t["current_exact"].to_numpy())
    return _partner_rows(ds, quarter, found, "our_sales_change", exposure)


# -- concentration ------------------------------------------------------------------------------------
def channel_dependency(ds: Dataset, quarter: str, *, share: float | None = None) -> pd.DataFrame:
    """A channel or partner carrying ``share`` or more of revenue over the trailing 12 months.

    A structural item, not an event: the share of the 12 months ending with ``quarter`` (the
    one exposure basis of the signals), with the quarter's own share beside it in the evidence.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    share : float, optional
        Default ``goals.signals.dependency_share`` (0.30).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` with ``entity_type`` ``channel`` or ``partner``; ``value`` the
        trailing-12-month share of revenue (partners: of revenue through partners; entities with
        positive revenue only), ``revenue_at_stake`` its trailing-12-month revenue,
        ``periods_compared`` the window's quarters.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> d = channel_dependency(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> list(zip(d["entity_id"], d["value"].round(3)))
    [('DIR', 0.542), ('P1', 0.397), ('P3', 0.369)]
    """
    share = _pick(ds, "dependency_share", share)
    first = ds.calendar.shift_quarter(quarter, -3)
    window = f"{first}..{quarter}"
    partners = partner_table(ds).set_index("partner_id")
    channels = ds.table("channels").set_index("channel_id")["channel_name"]
    frames = []
    for dim, kind in (("channel_id", "channel"), ("partner_id", "partner")):
        t = metrics.trailing_growth(ds, quarter, by=dim, months=12)
        t = t[t[dim].notna() & (t["current_exact"] > 0)]
        if t.empty:
            continue
        t = t.assign(share=t["current_exact"] / t["current_exact"].sum())
        t = t[t["share"] >= share]
        if t.empty:
            continue
        q = metrics.revenue_shares(ds, by=dim, period="quarter", periods=[quarter], threshold=1.0)
        in_quarter = q.set_index("entity_id")["share"]
        ids = t[dim].astype("string").reset_index(drop=True)
        whole = "company" if kind == "channel" else "partner"
        frames.append(pd.DataFrame({
            "quarter": quarter, "signal": "channel_dependency", "entity_type": kind,
            "entity_id": ids,
            "entity_name": ids.map(channels) if kind == "channel" else ids.map(partners["partner_name"]),
            "partner_id": pd.NA if kind == "channel" else ids,
            "channel_id": ids if kind == "channel" else ids.map(partners["channel_id"]),
            "direction": "concentration", "value": t["share"].to_numpy(), "threshold": share,
            "periods_compared": window, "since": first,
            "evidence": [f"{x:.1%} of {whole} revenue in the 12 months {window} "
                         f"({in_quarter.get(i, 0.0):.1%} in {quarter} alone; threshold {share:.0%})"
                         for i, x in zip(ids, t["share"], strict=True)],
            "revenue_at_stake_exact": t["current_exact"].to_numpy(),
        }))  # fmt: skip
    return stack_signals(frames, money=ds.money)
