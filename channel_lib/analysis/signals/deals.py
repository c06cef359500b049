"""The win/loss interview list: partner deals at or above the win/loss amount won or lost in
the quarter.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.analysis.signals.partners import partner_table
from channel_lib.analysis.signals.thresholds import _pick
from channel_lib.data.cube.terms import exact_sql
from channel_lib.data.loader import Dataset


# -- win/loss interviews -----------------------------------------------------------------------------------
def win_loss_deals(ds: Dataset, quarter: str, *, threshold: float | None = None) -> pd.DataFrame:
    """Partner deals of ``threshold`` or more won or lost in ``quarter``: the interview list.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    threshold : float, optional
        Deal amount (currency); default ``goals.signals.win_loss_amount`` (300,000).

    Returns
    -------
    DataFrame
        One row per deal, largest first: ``opportunity_id``, ``partner_id``, ``partner_name``,
        ``channel_id``, ``customer_id``, ``customer_name`` (missing when the partner did not name
        the customer), ``outcome`` (won/lost), ``amount`` (float) and ``amount_exact`` (int64),
        ``registered_on``, ``close_date`` (Timestamps), ``reason`` (the loss reason where known).
        Empty when the dataset has no ``opportunities.csv``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> win_loss_deals(load_dataset("tests/data/tiny"), "FY2026-Q3")[["opportunity_id", "outcome", "amount"]]
      opportunity_id outcome    amount
    0             D1     won  320000.0
    """
    threshold = _pick(ds, "win_loss_amount", threshold)
    cols = ["opportunity_id", "partner_id", "partner_name", "channel_id", "customer_id",
            "customer_name", "outcome", "amount", "registered_on", "close_date", "reason",
            "amount_exact"]  # fmt: skip
    if not ds.has("opportunities"):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    start, end = ds.calendar.quarter_bounds(quarter)
    o = ds.sql(
        "SELECT opportunity_id, partner_id, customer_id, outcome, "
        f"{exact_sql('amount', ds.money)} AS amount_exact, registered_on, close_date, "
        "loss_reason "
        "FROM opportunities WHERE outcome IN ('won', 'lost') AND close_date >= ? AND close_date < ? "
        "AND amount >= ? ORDER BY amount DESC, opportunity_id",
        [start.date(), end.date(), threshold],
    )
    partners = partner_table(ds).set_index("partner_id")
    customers = ds.table("customers").set_index("customer_id")["customer_name"]
    o["partner_name"] = o["partner_id"].map(partners["partner_name"])
    o["channel_id"] = o["partner_id"].map(partners["channel_id"])
    o["customer_name"] = o["customer_id"].map(customers)
    o["amount"] = ds.money.amount(o["amount_exact"].astype("float64"))
    o["reason"] = o["loss_reason"].where(o["outcome"] == "lost")
    for c in ("registered_on", "close_date"):
        o[c] = pd.to_datetime(o[c])
    for c in ("opportunity_id", "partner_id", "partner_name", "channel_id", "customer_id",
              "customer_name", "outcome", "reason"):  # fmt: skip
        o[c] = o[c].astype("string")
    return o[cols].reset_index(drop=True)
