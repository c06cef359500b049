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
        :data:`SIGNAL_COLUMNS`; ``value`` the change (fraction), ``revenue_at_stake`` the larger
        of the two 12-month revenues.

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
    exposure = np.maximum(t["current_exact"].to_numpy(), t["previous_exact"].to_numpy())
    return _partner_rows(ds, quarter, found, "our_sales_change", pd.Series(exposure))


# -- concentration ------------------------------------------------------------------------------------
def channel_dependency(ds: Dataset, quarter: str, *, share: float | None = None) -> pd.DataFrame:
    """A channel or partner carrying ``share`` or more of the quarter's revenue.

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
        share of revenue (partners: of revenue through partners), ``revenue_at_stake`` its revenue.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> d = channel_dependency(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> list(zip(d["entity_id"], d["value"].round(3)))
    [('DIST', 0.484), ('P1', 0.644), ('DIR', 0.39)]
    """
    share = _pick(ds, "dependency_share", share)
    frames = []
    for dim, kind in (("channel_id", "channel"), ("partner_id", "partner")):
        s = metrics.revenue_shares(ds, by=dim, period="quarter", periods=[quarter], threshold=share)
        s = s[s["dependency"]]
        if s.empty:
            continue
        partners = partner_table(ds).set_index("partner_id")
        channels = ds.table("channels").set_index("channel_id")["channel_name"]
        ids = s["entity_id"]
        frames.append(pd.DataFrame({
            "quarter": quarter, "signal": "channel_dependency", "entity_type": kind,
            "entity_id": ids,
            "entity_name": ids.map(channels) if kind == "channel" else ids.map(partners["partner_name"]),
            "partner_id": pd.NA if kind == "channel" else ids,
            "channel_id": ids if kind == "channel" else ids.map(partners["channel_id"]),
            "direction": "concentration", "value": s["share"], "threshold": share,
            "periods_compared": quarter, "since": quarter,
            "evidence": [f"{x:.1%} of {'company' if kind == 'channel' else 'partner'} revenue in "
                         f"{quarter} (threshold {share:.0%})" for x in s["share"]],
            "revenue_at_stake_exact": s["revenue_exact"],
        }))  # fmt: skip
    return stack_signals(frames, money=ds.money)
