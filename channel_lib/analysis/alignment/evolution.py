"""The channel over time: partners recruited, activated, lapsed and offboarded, and partners that
moved channel or tier, quarter by quarter, with the revenue that moved.

"Will the model let the channel change and develop over time?" is answered by the events of
:func:`channel_evolution`, one row per partner and event, and their counts per quarter
(:func:`evolution_by_quarter`). The rules (``q`` a fiscal quarter of the data, up to the
reporting quarter):

=============  ===================================================================================
event          rule
=============  ===================================================================================
recruited      ``partners.csv`` ``onboarded_on`` falls in ``q``
activated      ``q`` is the partner's first quarter with a sale (a sales line with revenue > 0;
               a credit note is not a sale)
lapsed         the partner sold in ``q − 2``, and not in ``q − 1`` nor ``q``: ``q`` is its second
               quarter in a row without a sale (one quarter without a sale is not a lapse); a
               partner offboarded by the end of ``q`` is offboarded, not lapsed
offboarded     ``offboarded_on`` falls in ``q``
channel_move   a ``partner_changes.csv`` row with ``field`` ``channel_id`` effective in ``q``
tier_move      the same with ``field`` ``tier``
=============  ===================================================================================

Revenue (exact, the dataset's money unit): for ``recruited`` and ``activated``, what the partner
has sold from ``q`` up to the reporting quarter (what the new partner brought); for the others,
what it sold in the four quarters before ``q`` — the run rate that lapsed, left, or moved to the
new channel or tier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment.actuals import _quarterly
from channel_lib.analysis.alignment.settings import Settings
from channel_lib.data.workbook import Workbook

__all__ = ["EVENTS", "EVOLUTION_COLUMNS", "channel_evolution", "evolution_by_quarter"]

#: Events in the order the report shows them → label in the reader's words.
EVENTS: dict[str, str] = {
    "recruited": "recruited",
    "activated": "activated (first sale)",
    "lapsed": "lapsed (two quarters without a sale)",
    "offboarded": "offboarded",
    "channel_move": "moved channel",
    "tier_move": "moved tier",
}
#: Columns of :func:`channel_evolution`.
EVOLUTION_COLUMNS = [
    "quarter", "event", "partner_id", "partner_name", "channel_id", "before", "after",
    "revenue_exact", "revenue",
]  # fmt: skip


def channel_evolution(wb: Workbook, settings: Settings | None = None) -> pd.DataFrame:
    """Every partner event of the data's quarters up to the reporting quarter (rules in the
    module docstring).

    Parameters
    ----------
    wb : Workbook
    settings : Settings, optional
        Not needed (the events do not depend on goals); accepted so the view calls every
        analysis alike.

    Returns
    -------
    DataFrame
        One row per event, by quarter then event (:data:`EVENTS` order) then partner:
        ``quarter``, ``event``, ``partner_id``, ``partner_name``, ``channel_id`` (the partner's
        channel in ``partners.csv``; for a channel move, the channel it moved to), ``before``
        and ``after`` (text: the channel or tier before and after a move, ``"–"`` when not
        recorded; empty for the other events), ``revenue_exact`` (int64) and ``revenue``
        (float, currency). Empty (columns kept) without ``partners.csv``.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/doctest-plans-evolution")
    >>> ev = channel_evolution(wb)
    >>> set(ev["event"]) <= set(EVENTS)
    True
    """
    ds = wb.dataset
    if not ds.has("partners"):
        return _empty()
    cal = ds.calendar
    quarters = cal.quarter_range(wb.quarters[0], wb.quarter)
    index = {q: i for i, q in enumerate(quarters)}
    partners = ds.table("partners")
    info = partners.set_index(partners["partner_id"].astype("string"))
    sold = _partner_quarters(wb, quarters)
    sale = _sale_quarters(wb, quarters, sold.index)
    rows: list[dict] = []
    rows += _dated(partners, "onboarded_on", "recruited", cal, index)
    rows += _dated(partners, "offboarded_on", "offboarded", cal, index)
    rows += _activated_and_lapsed(sale, partners, quarters, cal)
    if ds.has("partner_changes"):
        rows += _moves(ds, sold, quarters, cal, index)
    if not rows:
        return _empty()
    out = pd.DataFrame(rows)
    out["partner_name"] = out["partner_id"].map(info["partner_name"].astype("string"))
    out["channel_id"] = out["channel_id"].fillna(out["partner_id"].map(info["channel_id"]))
    out["revenue_exact"] = [
        _revenue(sold, p, index[q], e, len(quarters))
        for p, q, e in zip(out["partner_id"], out["quarter"], out["event"], strict=True)
    ]
    out["revenue_exact"] = out["revenue_exact"].astype("int64")
    out["revenue"] = ds.money.amount(out["revenue_exact"])
    for c in ("quarter", "event", "partner_id", "partner_name", "channel_id", "before", "after"):
        out[c] = out[c].astype("string")
    order = out["event"].map(list(EVENTS).index)
    out = out.assign(_o=order).sort_values(["quarter", "_o", "partner_id"], kind="stable")
    return out[EVOLUTION_COLUMNS].reset_index(drop=True)


def evolution_by_quarter(events: pd.DataFrame) -> pd.DataFrame:
    """The events counted per quarter, with their revenue.

    Parameters
    ----------
    events : DataFrame
        :func:`channel_evolution`.

    Returns
    -------
    DataFrame
        One row per quarter with an event: ``quarter``, then per event of :data:`EVENTS` its
        count (``<event>``, int) and revenue (``<event>_revenue``, float currency).

    Examples
    --------
    >>> ev = pd.DataFrame({"quarter": ["FY2026-Q1", "FY2026-Q1"], "event": ["recruited", "lapsed"],
    ...                    "revenue": [0.0, 1500.0]})
    >>> evolution_by_quarter(ev)[["quarter", "recruited", "lapsed", "lapsed_revenue"]]
         quarter  recruited  lapsed  lapsed_revenue
    0  FY2026-Q1          1       1          1500.0
    """
    cols = ["quarter", *[c for e in EVENTS for c in (e, f"{e}_revenue")]]
    if events.empty:
        return pd.DataFrame(columns=cols)
    grouped = events.groupby(["quarter", "event"])["revenue"].agg(["size", "sum"])
    counts = grouped["size"].unstack("event").reindex(columns=list(EVENTS)).fillna(0)
    revenue = grouped["sum"].unstack("event").reindex(columns=list(EVENTS)).fillna(0.0)
    out = pd.DataFrame({"quarter": counts.index.astype("string")})
    for e in EVENTS:
        out[e] = counts[e].astype("int64").to_numpy()
        out[f"{e}_revenue"] = revenue[e].astype("float64").to_numpy()
    return out[cols]


def _empty() -> pd.DataFrame:
    out = pd.DataFrame(columns=EVOLUTION_COLUMNS)
    return out.astype({"revenue_exact": "int64", "revenue": "float64"})


def _partner_quarters(wb: Workbook, quarters: list[str]) -> pd.DataFrame:
    """Partners × quarters of revenue (exact, 0 where none), from the metrics cube."""
    frame = _quarterly(wb.dataset, ["partner_id"])
    frame = frame[frame["partner_id"].notna() & frame["period"].isin(quarters)]
    table = frame.pivot_table(
        index="partner_id", columns="period", values="revenue_exact", aggfunc="sum", fill_value=0
    )
    return table.reindex(columns=quarters, fill_value=0).astype("int64")


def _sale_quarters(wb: Workbook, quarters: list[str], partners: pd.Index) -> pd.DataFrame:
    """Partners × quarters: True where the partner has a sales line with revenue > 0."""
    ds = wb.dataset
    monthly = ds.sql(
        "SELECT partner_id, date_trunc('month', order_date) AS month, count(*) AS n FROM sales "
        "WHERE partner_id IS NOT NULL AND revenue > 0 GROUP BY ALL"
    )
    monthly["quarter"] = ds.calendar.quarters_of(pd.to_datetime(monthly["month"])).to_numpy()
    monthly["partner_id"] = monthly["partner_id"].astype("string")
    monthly = monthly[monthly["quarter"].isin(quarters)]
    table = monthly.pivot_table(
        index="partner_id", columns="quarter", values="n", aggfunc="sum", fill_value=0
    )
    index = partners.union(table.index)
    return table.reindex(index=index, columns=quarters, fill_value=0).gt(0)


def _dated(partners: pd.DataFrame, column: str, event: str, cal, index: dict) -> list[dict]:
    """One event per partner whose ``column`` date falls in a quarter of ``index``."""
    rows = []
    if column not in partners.columns:  # an optional column the dataset leaves out
        return rows
    dates = pd.to_datetime(partners[column], errors="coerce")
    for pid, when in zip(partners["partner_id"].astype("string"), dates, strict=True):
        if pd.isna(when) or (q := cal.quarter_of(when)) not in index:
            continue
        rows.append({"quarter": q, "event": event, "partner_id": pid, "channel_id": pd.NA,
                     "before": "", "after": ""})  # fmt: skip
    return rows


def _activated_and_lapsed(sales: pd.DataFrame, partners: pd.DataFrame, quarters, cal) -> list[dict]:
    """First quarter with a sale; second quarter in a row without one (not when offboarded)."""
    off = pd.to_datetime(
        partners["offboarded_on"] if "offboarded_on" in partners.columns else pd.NaT,
        errors="coerce",
    )
    if np.ndim(off) == 0:
        off = pd.Series(pd.NaT, index=partners.index)
    offboarded = dict(zip(partners["partner_id"].astype("string"), off, strict=True))
    rows = []
    for pid, flags in sales.iterrows():
        sale = flags.to_numpy()
        if not sale.any():
            continue
        first = int(np.argmax(sale))
        if first > 0:  # a partner selling in the data's first quarter is not seen activating
            rows.append({"quarter": quarters[first], "event": "activated", "partner_id": pid,
                         "channel_id": pd.NA, "before": "", "after": ""})  # fmt: skip
        for i in range(2, len(quarters)):
            if sale[i - 2] and not sale[i - 1] and not sale[i]:
                end = cal.quarter_bounds(quarters[i])[1]
                gone = offboarded.get(pid)
                if gone is not None and not pd.isna(gone) and gone <= end:
                    continue
                rows.append({"quarter": quarters[i], "event": "lapsed", "partner_id": pid,
                             "channel_id": pd.NA, "before": "", "after": ""})  # fmt: skip
    return rows


def _moves(ds, sold: pd.DataFrame, quarters, cal, index: dict) -> list[dict]:
    """Channel and tier moves of ``partner_changes.csv``, with the value before each."""
    changes = ds.table("partner_changes").copy()
    changes["effective_on"] = pd.to_datetime(changes["effective_on"])
    changes = changes.sort_values(["partner_id", "field", "effective_on"], kind="stable")
    rows = []
    for (pid, field), g in changes.groupby(["partner_id", "field"], sort=False):
        before = (
            _channel_before(ds, str(pid), g["effective_on"].iloc[0])
            if field == "channel_id"
            else "–"
        )
        for r in g.itertuples(index=False):
            q = cal.quarter_of(r.effective_on)
            after = str(r.new_value)
            if q in index:
                rows.append({
                    "quarter": q, "event": "channel_move" if field == "channel_id" else "tier_move",
                    "partner_id": str(pid),
                    "channel_id": after if field == "channel_id" else pd.NA,
                    "before": before, "after": after,
                })  # fmt: skip
            before = after
    return rows


def _channel_before(ds, partner_id: str, effective_on: pd.Timestamp) -> str:
    """The channel the partner's sales went through in the year before its first channel move
    (the one with most revenue), ``"–"`` when it sold nothing then."""
    found = ds.sql(
        "SELECT channel_id, sum(revenue) AS r FROM sales WHERE partner_id = ? "
        "AND order_date < ? AND order_date >= ? GROUP BY channel_id ORDER BY r DESC, channel_id",
        [partner_id, effective_on.date(), (effective_on - pd.DateOffset(years=1)).date()],
    )
    return str(found["channel_id"].iloc[0]) if len(found) else "–"


def _revenue(sold: pd.DataFrame, partner_id: str, at: int, event: str, n: int) -> int:
    """The event's revenue (module docstring): from ``at`` on for a new partner, else the four
    quarters before ``at``."""
    if partner_id not in sold.index:
        return 0
    row = sold.loc[partner_id].to_numpy()
    if event in ("recruited", "activated"):
        return int(row[at:n].sum())
    return int(row[max(at - 4, 0) : at].sum())
