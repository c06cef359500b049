"""The signals read from the partners' own reports (``partner_reports.csv``): 1 the partner's
total sales, 4 our line-card position, 5 key sales talent, and the service metrics. A partner
without the report is not judged.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.analysis.signals.partners import _no_reports, partner_reports
from channel_lib.analysis.signals.rows import _empty, _money, _partner_rows, _pct
from channel_lib.analysis.signals.thresholds import _pick
from channel_lib.core.errors import ParameterError
from channel_lib.data.loader import Dataset


# -- 1. partner's own total sales -------------------------------------------------------------------
def partner_total_sales_change(
    ds: Dataset, quarter: str, *, threshold: float | None = None
) -> pd.DataFrame:
    """Signal 1: a partner whose own total sales changed by ``threshold`` or more.

    ``partner_total_sales`` of the partner's last four reported quarters (up to ``quarter``)
    against the four reported before them; partners with fewer than eight reports of the figure
    are not judged (:func:`reporting_status` names them).

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Reporting quarter, e.g. ``"FY2026-Q4"``.
    threshold : float, optional
        |change| at or above which the partner is flagged (fraction); default
        ``goals.signals.partner_sales_change`` (0.20).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`: ``value`` is the change (fraction), ``direction`` ``up``/``down``,
        ``periods_compared`` the two sets of quarters, ``since`` the first quarter of the last
        four, ``revenue_at_stake`` our revenue through the partner over the trailing 12 months.
        Empty when the dataset has no partner reports.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> len(partner_total_sales_change(load_dataset("tests/data/tiny"), "FY2026-Q4"))
    0
    """
    threshold = _pick(ds, "partner_sales_change", threshold)
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter).dropna(subset=["total_sales_exact"])
    rows = []
    for pid, g in r.groupby("partner_id", sort=True):
        if len(g) < 8:
            continue
        last, before = g.iloc[-4:], g.iloc[-8:-4]
        now, base = int(last["total_sales_exact"].sum()), int(before["total_sales_exact"].sum())
        if base <= 0:
            continue
        change = (now - base) / base
        if abs(change) >= threshold:
            periods = (
                f"{last['quarter'].iloc[0]}..{last['quarter'].iloc[-1]} vs "
                f"{before['quarter'].iloc[0]}..{before['quarter'].iloc[-1]}"
            )
            rows.append({
                "partner_id": pid, "direction": "up" if change > 0 else "down",
                "value": change, "threshold": threshold, "periods_compared": periods,
                "since": last["quarter"].iloc[0],
                "evidence": f"partner total sales {_money(now, ds)} vs {_money(base, ds)} "
                            f"({_pct(change)}), last four reports vs the four before",
            })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "partner_total_sales_change")


# -- 4. line card --------------------------------------------------------------------------------------
def line_card_change(ds: Dataset, quarter: str) -> pd.DataFrame:
    """Signal 4: we lost or gained position on a partner's line card (supplier ranking).

    The ``line_card_rank`` the partner reported for ``quarter`` against its previous reported rank;
    a missing report (or an empty rank) is not a change, so a partner that did not report a rank
    for ``quarter`` is not judged (:func:`reporting_status` names it).

    Parameters
    ----------
    ds : Dataset
    quarter : str

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``direction`` ``gained`` (smaller rank number) or ``lost``,
        ``value`` the new rank, ``threshold`` the previous rank, ``since`` ``quarter``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> line_card_change(load_dataset("tests/data/tiny"), "FY2026-Q2")["evidence"].tolist()
    ['line-card rank 3 (FY2026-Q1) -> 4 (FY2026-Q2)']
    """
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter).dropna(subset=["line_card_rank"])
    rows = []
    for pid, g in r.groupby("partner_id", sort=True):
        if len(g) < 2 or g["quarter"].iloc[-1] != quarter:
            continue
        new, old = int(g["line_card_rank"].iloc[-1]), int(g["line_card_rank"].iloc[-2])
        if new != old:
            before = g["quarter"].iloc[-2]
            rows.append({
                "partner_id": pid, "direction": "gained" if new < old else "lost",
                "value": float(new), "threshold": float(old),
                "periods_compared": f"{quarter} vs {before}", "since": quarter,
                "evidence": f"line-card rank {old} ({before}) -> {new} ({quarter})",
            })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "line_card_change")


# -- 5. key sales talent --------------------------------------------------------------------------------
def key_talent_loss(ds: Dataset, quarter: str, *, quarters: int | None = None) -> pd.DataFrame:
    """Signal 5: a partner reported key sales departures in its last ``quarters`` reports.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    quarters : int, optional
        Reported quarters looked at; default ``goals.signals.key_talent_quarters`` (2 = 6 months).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``value`` the departures in those reports, ``since`` the first
        quarter with a departure.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> key_talent_loss(load_dataset("tests/data/tiny"), "FY2026-Q2")[["entity_id", "value", "since"]]
      entity_id  value      since
    0        P2    1.0  FY2026-Q2
    """
    n = int(_pick(ds, "key_talent_quarters", quarters))
    if n < 1:
        raise ParameterError(f"quarters={quarters!r}: at least one reported quarter")
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter).dropna(subset=["key_sales_departures"])
    r = r.groupby("partner_id", sort=True).tail(n)
    rows = []
    for pid, g in r.groupby("partner_id", sort=True):
        hit = g[g["key_sales_departures"] > 0]
        if hit.empty:
            continue
        count = int(hit["key_sales_departures"].sum())
        detail = ", ".join(f"{int(d)} in {q}" for q, d in zip(hit["quarter"],
                                                               hit["key_sales_departures"], strict=True))  # fmt: skip
        rows.append({
            "partner_id": pid, "direction": "lost", "value": float(count), "threshold": 0.0,
            "periods_compared": f"{g['quarter'].iloc[0]}..{g['quarter'].iloc[-1]}",
            "since": hit["quarter"].iloc[0],
            "evidence": f"key sales departures reported: {detail} (last {len(g)} reports)",
        })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "key_talent_loss")


# -- service metrics ------------------------------------------------------------------------------------
def service_metrics(
    ds: Dataset,
    quarter: str,
    *,
    csat_min: float | None = None,
    first_response_hours_max: float | None = None,
) -> pd.DataFrame:
    """Partner service metrics of ``quarter`` below thresholds (reviewed at the QBR).

    CSAT below ``csat_min`` or first response slower than ``first_response_hours_max``.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    csat_min : float, optional
        Default ``goals.signals.csat_min`` (4.0).
    first_response_hours_max : float, optional
        Default ``goals.signals.first_response_hours_max`` (24).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``direction`` ``csat``, ``response`` or ``csat+response``,
        ``value`` the CSAT (or the hours when only the response misses).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> service_metrics(load_dataset("tests/data/tiny"), "FY2026-Q2")[["entity_id", "direction"]]
      entity_id      direction
    0        P2  csat+response
    """
    csat_min = _pick(ds, "csat_min", csat_min)
    hours_max = _pick(ds, "first_response_hours_max", first_response_hours_max)
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter)
    r = r[r["quarter"] == quarter]
    low = r["csat"] < csat_min
    slow = r["first_response_hours"] > hours_max
    r = r[low | slow]
    if r.empty:
        return _empty()
    rows = []
    for row in r.itertuples(index=False):
        parts, kinds = [], []
        if row.csat < csat_min:
            parts.append(f"CSAT {row.csat:.2f} (minimum {csat_min:g})")
            kinds.append("csat")
        if row.first_response_hours > hours_max:
            parts.append(f"first response {row.first_response_hours:g} h (maximum {hours_max:g} h)")
            kinds.append("response")
        rows.append({
            "partner_id": row.partner_id, "direction": "+".join(kinds),
            "value": row.csat if "csat" in kinds else row.first_response_hours,
            "threshold": csat_min if "csat" in kinds else hours_max,
            "periods_compared": quarter, "since": quarter,
            "evidence": "; ".join(parts) + f" in {quarter}",
        })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "service_metrics")
