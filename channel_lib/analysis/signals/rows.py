"""The one shape of every signal's rows (:data:`SIGNAL_COLUMNS`): typed, ranked by revenue at
stake and stacked; partner-level rows completed with names, channel and exposure; the money and
signed-change text of the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from channel_lib.analysis.signals.partners import partner_table, trailing_partner_revenue
from channel_lib.core.figures import plus_zero
from channel_lib.core.money import MoneyUnit
from channel_lib.data.loader import Dataset

#: Signal name → what it means, in the reader's words (the order of the report).
SIGNAL_NAMES: dict[str, str] = {
    "partner_total_sales_change": "partner's own total sales changed",
    "our_sales_change": "our sales through the partner changed",
    "lost_customer": "channel customer lost",
    "line_card_change": "position on the partner's line card changed",
    "key_talent_loss": "partner lost key sales talent",
    "service_metrics": "partner service metrics below threshold",
    "channel_dependency": "concentration risk",
}

#: Columns of every signal frame, in order.
SIGNAL_COLUMNS: list[str] = [
    "quarter", "signal", "entity_type", "entity_id", "entity_name", "partner_id", "channel_id",
    "direction", "value", "threshold", "evidence", "periods_compared", "since",
    "revenue_at_stake", "revenue_at_stake_exact",
]  # fmt: skip


# -- shared helpers ---------------------------------------------------------------------------------
def _empty() -> pd.DataFrame:
    frame = _cast(pd.DataFrame({c: pd.Series(dtype="object") for c in SIGNAL_COLUMNS}))
    frame["revenue_at_stake"] = frame["revenue_at_stake"].astype("float64")  # no rows: no unit
    return frame


def _typed(frame: pd.DataFrame, money: MoneyUnit) -> pd.DataFrame:
    """The rows in :data:`SIGNAL_COLUMNS`' types, ``revenue_at_stake`` in ``money``'s currency,
    ranked."""
    frame = _cast(frame)
    frame["revenue_at_stake"] = money.amount(frame["revenue_at_stake_exact"].astype("float64"))
    return _rank(frame)


def _cast(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=SIGNAL_COLUMNS).copy()
    for c in ("quarter", "signal", "entity_type", "entity_id", "entity_name", "partner_id",
              "channel_id", "direction", "evidence", "periods_compared", "since"):  # fmt: skip
        frame[c] = frame[c].astype("string")
    frame["value"] = frame["value"].astype("float64")
    frame["threshold"] = frame["threshold"].astype("float64")
    frame["revenue_at_stake_exact"] = frame["revenue_at_stake_exact"].fillna(0).astype("int64")
    return frame


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(
        ["revenue_at_stake_exact", "signal", "entity_id"], ascending=[False, True, True]
    ).reset_index(drop=True)


def stack_signals(frames: Sequence[pd.DataFrame], *, money: MoneyUnit) -> pd.DataFrame:
    """Stack signal frames into one list, typed and ranked as :func:`early_warnings` ranks it.

    Parameters
    ----------
    frames : sequence of DataFrame
        :data:`SIGNAL_COLUMNS` rows of any signals; empty frames are left out.
    money : MoneyUnit
        The unit of their ``revenue_at_stake_exact`` (``ds.money``): ``revenue_at_stake`` is
        recomputed from it in currency.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` (strings, floats and int64 exact units of ``money``; the
        ``revenue_at_stake`` float in currency), largest revenue at stake
        first, then by signal and entity; an empty frame of those columns when no frame has
        rows.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> from channel_lib.analysis.signals import line_card_change, service_metrics
    >>> ds = load_dataset("tests/data/tiny")
    >>> stacked = stack_signals([service_metrics(ds, "FY2026-Q2"), line_card_change(ds, "FY2026-Q2")],
    ...                         money=ds.money)
    >>> stacked["signal"].tolist(), stack_signals([], money=ds.money).shape
    (['line_card_change', 'service_metrics'], (0, 15))
    """
    frames = [f for f in frames if not f.empty]
    return _typed(pd.concat(frames, ignore_index=True), money) if frames else _empty()


def _partner_rows(
    ds: Dataset, quarter: str, found: pd.DataFrame, signal: str, exposure: pd.Series | None = None
) -> pd.DataFrame:
    """Complete partner-level rows: names, channel, and the trailing-12-month revenue exposed."""
    if found.empty:
        return _empty()
    partners = partner_table(ds).set_index("partner_id")
    out = found.copy()
    out["quarter"] = quarter
    out["signal"] = signal
    out["entity_type"] = "partner"
    out["entity_id"] = out["partner_id"]
    out["entity_name"] = out["partner_id"].map(partners["partner_name"])
    out["channel_id"] = out["partner_id"].map(partners["channel_id"])
    if exposure is None:
        revenue = trailing_partner_revenue(ds, quarter)["current_exact"]
        exposure = out["partner_id"].map(revenue).fillna(0)
    out["revenue_at_stake_exact"] = exposure
    return _typed(out, ds.money)


def _pct(x: float) -> str:
    """A signed change to 0.1 %; one that rounds to zero reads ``+0.0%`` (:func:`plus_zero`)."""
    return plus_zero(f"{x:+.1%}")


def _money(exact: int, ds: Dataset) -> str:
    """Exact units of ``ds.money`` as evidence text: currency to its minor unit, thousands
    separated (``12,345.68 USD``; ``12,346 JPY``)."""
    return f"{ds.money.amount(exact):,.{ds.money.minor_decimals}f} {ds.money.currency}"
