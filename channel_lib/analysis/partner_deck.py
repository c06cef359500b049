"""The partner-safe view of a QBR pack: what the deck handed to the partner may show.

:func:`partner_safe` turns a :class:`~channel_lib.analysis.partner_review.PartnerPack` into a
:class:`PartnerDeck` that holds only what the partner may see: its revenue against its target and
the trend, next year's approved target, tier status against the requirements of ``goals.yaml``
(none are invented), pipeline and deal registrations, service metrics against thresholds, the
win/loss interviews asked for, a benchmark against peers of its tier (quartiles, five peers or
more) and the joint actions in the partner's words (the rule table's ``partner_text``). No gross
profit or margin through the partner, no share of our revenue, no action id, file name or
internal note: the deck's page functions take this object only, so no chart or table of the deck
can embed an internal figure.

The company-wide frames the benchmark needs (every partner's growth, service and tier) are
computed once per process and quarter (:data:`channel_lib.data.cache.SHARED`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.analysis import scorecard
from channel_lib.analysis.partner_review import PartnerPack
from channel_lib.data.cache import SHARED
from channel_lib.plans import actions as act
from channel_lib.plans.targets import APPROVED, read_targets

__all__ = [
    "BENCHMARK_MEASURES",
    "MIN_PEERS",
    "PartnerDeck",
    "partner_safe",
    "tier_rules",
]

#: Fewest peers of the same tier (the partner left out) a benchmark quartile is shown for.
MIN_PEERS = 5
#: Benchmark measures (column of the peer frame → the reader's words).
BENCHMARK_MEASURES: dict[str, str] = {
    "growth_12m": "revenue growth, last 12 months vs the 12 before",
    "csat": "CSAT (latest report)",
    "first_response_hours": "first response time, hours (latest report)",
}
#: The performance columns the deck keeps (no gross profit, no margin).
DECK_PERFORMANCE = [
    "quarter", "revenue", "revenue_vs_last_year", "revenue_target", "revenue_attainment",
]  # fmt: skip


@dataclass(frozen=True)
class PartnerDeck:
    """What the partner's deck may show (built by :func:`partner_safe`; see there)."""

    partner_id: str
    partner_name: str
    channel_id: str
    tier: str
    quarter: str
    currency: str
    performance: pd.DataFrame
    next_year: str
    next_targets: pd.DataFrame
    tier_requirements: pd.DataFrame | None
    pipeline: pd.DataFrame
    registrations: pd.DataFrame
    service: pd.DataFrame
    interviews: pd.DataFrame
    benchmark: pd.DataFrame
    peers: int
    actions: pd.DataFrame
    has_partner_reports: bool
    has_opportunities: bool = True


def tier_rules(goals) -> dict | None:
    """The tier requirements ``goals.yaml`` sets (``tiers:``), or ``None`` when it sets none.

    The goals object carries them as ``tiers`` (a mapping tier → {requirement: minimum}) when
    the goals reader provides it; nothing is ever assumed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tier_rules(SimpleNamespace()) is None, tier_rules(SimpleNamespace(tiers={"gold": {"csat": 4}}))
    (True, {'gold': {'csat': 4}})
    """
    rules = getattr(goals, "tiers", None)
    return dict(rules) if rules else None


def _next_year(wb, pack: PartnerPack) -> tuple[str, pd.DataFrame]:
    """Next fiscal year's label and the partner's approved revenue targets for it."""
    cal = wb.dataset.calendar
    this = cal.year_of_quarter(pack.quarter)
    later = [cal.shift_quarter(pack.quarter, k) for k in range(1, 9)]
    nxt = next((q for q in later if cal.year_of_quarter(q) != this), later[-1])
    label = cal.year_of_quarter(nxt)
    quarters = [q for q in later if cal.year_of_quarter(q) == label]
    empty = pd.DataFrame({"quarter": pd.Series(dtype="string"),
                          "revenue_target": pd.Series(dtype="float64")})  # fmt: skip
    t = read_targets(Path(wb.plans_dir), money=wb.dataset.money)
    if t is None or not len(t):
        return label, empty
    t = t[(t["partner_id"] == pack.partner_id) & (t["metric"] == "revenue")
          & (t["status"] == APPROVED) & t["quarter"].isin(quarters)]  # fmt: skip
    if not len(t):
        return label, empty
    out = t.groupby("quarter", sort=True)["target"].sum().reset_index()
    return label, pd.DataFrame({
        "quarter": out["quarter"].astype("string"),
        "revenue_target": pd.to_numeric(out["target"]).astype("float64"),
    })  # fmt: skip


def _registrations(wb, pack: PartnerPack) -> pd.DataFrame:
    """Deals the partner registered per quarter over the last four, and how they stand."""
    ds, cal = wb.dataset, wb.dataset.calendar
    quarters = cal.quarter_range(cal.shift_quarter(pack.quarter, -3), pack.quarter)
    cols = {"quarter": "string", "deals_registered": "int64", "amount_registered": "float64",
            "won": "int64", "lost": "int64", "open": "int64"}  # fmt: skip
    if not ds.has("opportunities"):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    start, end = cal.quarter_bounds(quarters[0])[0], cal.quarter_bounds(quarters[-1])[1]
    o = ds.sql(
        "SELECT registered_on, amount, outcome FROM opportunities WHERE partner_id = ? "
        "AND registered_on >= ? AND registered_on < ?",
        [pack.partner_id, start.date(), end.date()],
    )
    o["quarter"] = cal.quarters_of(pd.to_datetime(o["registered_on"])) if len(o) else []
    rows = []
    for q in quarters:
        r = o[o["quarter"] == q]
        out = r["outcome"].astype("string")
        rows.append({"quarter": q, "deals_registered": len(r),
                     "amount_registered": float(pd.to_numeric(r["amount"]).sum()),
                     "won": int((out == "won").sum()), "lost": int((out == "lost").sum()),
                     "open": int((out == "open").sum())})  # fmt: skip
    return pd.DataFrame(rows).astype(cols)


def _peer_frame(ds, quarter: str) -> pd.DataFrame:
    """Every partner's tier, growth and latest service report (once per process and quarter)."""

    def build() -> pd.DataFrame:
        p = scorecard.portfolio(ds, quarter)[["partner_id", "tier", "growth_12m"]].copy()
        if ds.has("partner_reports"):
            cal = ds.calendar
            recent = cal.quarter_range(cal.shift_quarter(quarter, -1), quarter)
            r = ds.sql(
                "SELECT partner_id, quarter, csat, first_response_hours FROM partner_reports"
            )
            r = r[r["quarter"].astype("string").isin(recent)].sort_values("quarter")
            last = r.groupby("partner_id").last()
            for c in ("csat", "first_response_hours"):
                p[c] = pd.to_numeric(p["partner_id"].map(last[c]), errors="coerce")
        else:
            p["csat"] = p["first_response_hours"] = np.nan
        return p.astype({"csat": "float64", "first_response_hours": "float64"})

    key = (tuple(sorted(ds.checksums.items())), str(ds.folder), quarter, "deck_peers")
    return SHARED.get(key, build)


def _benchmark(wb, pack: PartnerPack) -> tuple[pd.DataFrame, int]:
    """The partner against the quartiles of its tier's other partners, per measure."""
    cols = {"measure": "string", "yours": "float64", "lower_quartile": "float64",
            "median": "float64", "upper_quartile": "float64", "peers": "int64"}  # fmt: skip
    frame = _peer_frame(wb.dataset, pack.quarter)
    if not pack.tier:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()}), 0
    tier = frame["tier"].astype("string").str.lower() == pack.tier.lower()
    peers = frame[tier.fillna(False) & (frame["partner_id"] != pack.partner_id)]
    mine = frame[frame["partner_id"] == pack.partner_id]
    rows = []
    for column, words in BENCHMARK_MEASURES.items():
        values = peers[column].dropna().to_numpy(dtype="float64")
        yours = float(mine[column].iloc[0]) if len(mine) else np.nan
        q1, q2, q3 = (np.quantile(values, [0.25, 0.5, 0.75]) if len(values) >= MIN_PEERS
                      else (np.nan, np.nan, np.nan))  # fmt: skip
        rows.append({"measure": words, "yours": yours, "lower_quartile": q1, "median": q2,
                     "upper_quartile": q3, "peers": len(values)})  # fmt: skip
    return pd.DataFrame(rows).astype(cols), len(peers)


def _joint_actions(wb, pack: PartnerPack) -> pd.DataFrame:
    """The partner's open and suggested actions in its own words (rule table's ``partner_text``;
    a log row is read with today's rule for its trigger; a rule without one is left out)."""
    rules = act.load_rules(Path(wb.plans_dir)).set_index("trigger")["partner_text"]
    open_ = pack.actions[pack.actions["status"] == "open"][["trigger", "due"]].assign(
        status="agreed"
    )
    new = pack.suggestions[["trigger", "due"]].assign(status="proposed")
    rows = pd.concat([open_, new], ignore_index=True)
    text = rows["trigger"].map(rules).fillna("").astype("string")
    out = pd.DataFrame({"action": text, "due": rows["due"].astype("string"),
                        "status": rows["status"].astype("string")})  # fmt: skip
    return out[out["action"].str.len() > 0].drop_duplicates().reset_index(drop=True)


def _interviews(pack: PartnerPack) -> pd.DataFrame:
    """The quarter's large won and lost deals we ask the partner to discuss (no internal note)."""
    d = pack.deals
    customer = d["customer_name"].astype("string").fillna("a customer")
    return pd.DataFrame({
        "deal": d["opportunity_id"].astype("string"), "customer": customer,
        "outcome": d["outcome"].astype("string"),
        "amount": pd.to_numeric(d["amount"]).astype("float64"),
        "closed": pd.to_datetime(d["close_date"]).dt.strftime("%Y-%m-%d").astype("string"),
    }).reset_index(drop=True)  # fmt: skip


def partner_safe(wb, pack: PartnerPack) -> PartnerDeck:
    """The partner-safe view of ``pack``: only what the partner's deck may show.

    Parameters
    ----------
    wb : Workbook
        The workbook the pack was computed on (dataset, plans folder).
    pack : PartnerPack
        From :func:`channel_lib.analysis.partner_review.partner_pack`.

    Returns
    -------
    PartnerDeck
        - ``performance``: :data:`DECK_PERFORMANCE` of the pack's eight quarters (currency,
          fractions) — no gross profit or margin;
        - ``next_year`` and ``next_targets`` (``quarter``, ``revenue_target``): the partner's
          approved revenue targets of the next fiscal year in the plans folder (empty: none);
        - ``tier_requirements``: ``None`` when ``goals.yaml`` sets none (:func:`tier_rules`);
        - ``pipeline`` (``quarter``, ``pipeline_value`` as reported), ``registrations``
          (``quarter``, ``deals_registered``, ``amount_registered``, ``won``, ``lost``,
          ``open``: last four quarters);
        - ``service``: the pack's service metrics against their thresholds;
        - ``interviews``: ``deal``, ``customer``, ``outcome``, ``amount``, ``closed``;
        - ``benchmark``: ``measure``, ``yours``, ``lower_quartile``, ``median``,
          ``upper_quartile`` (``NaN`` with fewer than :data:`MIN_PEERS` peers), ``peers``;
          ``peers``: partners of the same tier;
        - ``actions``: ``action`` (the partner's words), ``due``, ``status`` (``agreed``:
          open; ``proposed``: suggested this quarter).
        - ``has_partner_reports``, ``has_opportunities``: whether the dataset has those
          optional files (the deck says so in words, never naming a file).

    Examples
    --------
    >>> from channel_lib.analysis.partner_review import partner_pack
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q2", plans_dir="/tmp/doctest-plans-deck")
    >>> deck = partner_safe(wb, partner_pack(wb, "P2"))
    >>> "gross_profit" in deck.performance, deck.tier_requirements, deck.next_year
    (False, None, 'FY2027')
    """
    ds = wb.dataset
    next_year, next_targets = _next_year(wb, pack)
    rules = tier_rules(ds.goals)
    benchmark, n_peers = _benchmark(wb, pack)
    reports = pack.reports
    return PartnerDeck(
        partner_id=pack.partner_id, partner_name=pack.partner_name, channel_id=pack.channel_id,
        tier=pack.tier, quarter=pack.quarter, currency=pack.currency,
        performance=pack.performance[DECK_PERFORMANCE].copy(), next_year=next_year,
        next_targets=next_targets,
        tier_requirements=None if rules is None else pd.DataFrame(
            [{"tier": t, "requirement": k, "minimum": v} for t, r in rules.items()
             for k, v in dict(r).items()]),
        pipeline=reports[["quarter", "pipeline_value"]].copy(),
        registrations=_registrations(wb, pack), service=pack.service.copy(),
        interviews=_interviews(pack), benchmark=benchmark, peers=n_peers,
        actions=_joint_actions(wb, pack), has_partner_reports=pack.has_partner_reports,
        has_opportunities=ds.has("opportunities"),
    )  # fmt: skip
