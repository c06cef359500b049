"""Partners: who is active, what each sells now, what its capacity says it could, and its weight
within its channel.

- :func:`active_partners` — the partners still active at the target year's start, with their
  run rate over the basis window;
- :func:`partner_potential` — each reporting partner's potential from its capacity (the
  ``potential`` method);
- :func:`channel_potential` — a channel's run rate plus its reporting partners' headroom;
- :func:`partner_weights` — the weights that split a channel's target over its partners;
- :func:`unassigned_run_rate` — each channel's sales made without a partner.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.basis import _basis_window
from channel_lib.analysis.targets.settings import BASIS_QUARTERS, TargetSettings
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = [
    "DEFAULT_PARTNER_CAP",
    "GROWING_FLOOR",
    "MAX_HEADROOM_UPLIFT",
    "MOMENTUM_THRESHOLD",
    "active_partners",
    "channel_potential",
    "customer_moves",
    "partner_bases",
    "partner_potential",
    "partner_weights",
    "unassigned_run_rate",
]


def _partner_revenue(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each partner's revenue and gross profit (exact units) over the basis window, any channel."""
    s = metrics.summarise(
        wb.dataset, by="partner_id", period="quarter", periods=list(settings.basis_quarters)
    )
    s = s[s["partner_id"].notna()]
    return s.groupby("partner_id")[["revenue_exact", "gross_profit_exact"]].sum()


def active_partners(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Partners (``partners.csv``, channel as of now) still active at the target year's start,
    with their annualised run rate over the basis window."""
    ds = wb.dataset
    if not ds.has("partners"):
        return pd.DataFrame(
            columns=["partner_id", "partner_name", "channel_id", "onboarded_on", "run_rate",
                     "window_revenue_exact", "window_gross_profit_exact", "days_in_window"]
        )  # fmt: skip
    partners = ds.table("partners").copy()
    year_start, _ = ds.calendar.year_bounds(settings.year)
    start, end = _basis_window(wb, settings)
    off = partners["offboarded_on"]
    partners = partners[off.isna() | (off > year_start)]
    # partners signed after the reporting quarter are not known yet at this point in time
    partners = partners[partners["onboarded_on"].isna() | (partners["onboarded_on"] < end)]
    partners = partners[partners["channel_id"].isin(settings.channels)]
    revenue = _partner_revenue(wb, settings)
    p = partners[["partner_id", "partner_name", "channel_id", "onboarded_on"]].copy()
    p["window_revenue_exact"] = p["partner_id"].map(revenue["revenue_exact"]).fillna(0)
    p["window_gross_profit_exact"] = p["partner_id"].map(revenue["gross_profit_exact"]).fillna(0)
    p["window_revenue_exact"] = p["window_revenue_exact"].astype("int64")
    p["window_gross_profit_exact"] = p["window_gross_profit_exact"].astype("int64")
    begins = p["onboarded_on"].where(p["onboarded_on"] > start, start).fillna(start)
    days = (end - begins).dt.days.clip(lower=0)
    p["days_in_window"] = days.astype("int64")
    window_days = (end - start).days
    p["run_rate"] = (
        ds.money.amount(p["window_revenue_exact"].clip(lower=0)) * window_days / days.clip(lower=30)
    ).astype("float64")
    return p.reset_index(drop=True)


def partner_potential(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each reporting partner's revenue potential for us, from its capacity (``partner_reports``).

    Parameters
    ----------
    wb : Workbook
        The dataset (``partners.csv``, ``partner_reports``, sales).
    settings : TargetSettings
        From :func:`target_settings`: the partners of its channels still active at the start of
        its year count, with their reports and revenue over its basis window.

    Returns
    -------
    DataFrame
        One row per active partner with at least one report in the basis window:

        - ``partner_id``, ``channel_id``, ``reports`` (reports in the window).
        - ``partner_total_sales`` (currency a year: its reported total sales, annualised),
          ``sales_headcount``, ``certified_staff``, ``pipeline_value`` (latest report).
        - ``run_rate`` (our revenue through it, currency a year), ``share_of_wallet``
          (run rate ÷ its total sales), ``attainable_share`` (the larger of its own share and
          the channel's upper-quartile share).
        - ``capability`` (0.5–1.5): certified staff per salesperson and pipeline per our
          quarterly revenue, each against the channel's median, averaged.
        - ``potential`` (currency a year): ``max(run_rate, partner_total_sales ×
          attainable_share × capability)``.

    Raises
    ------
    metrics.MissingDataError
        When the dataset has no ``partner_reports`` file (the message says what to add).

    Notes
    -----
    Share of wallet is our share of the partner's own sales. A partner whose share is below what
    the better partners of its channel (upper quartile) already get has headroom: its potential
    is that attainable share of its total sales, scaled by its capability (better-certified
    staff and a fuller pipeline than its peers raise it, up to 1.5×; weaker ones lower it, down
    to 0.5×). Potential never falls below what it already sells.
    """
    ds = wb.dataset
    if not ds.has("partner_reports"):
        raise metrics.MissingDataError(
            "The potential method needs partner capacity: " + ds.missing_note("partner_reports")
        )
    active = active_partners(wb, settings).set_index("partner_id")
    reports = ds.table("partner_reports")
    reports = reports[
        reports["quarter"].isin(settings.basis_quarters) & reports["partner_id"].isin(active.index)
    ].sort_values(["partner_id", "quarter"])
    if reports.empty:
        return pd.DataFrame(
            columns=["partner_id", "channel_id", "reports", "partner_total_sales",
                     "sales_headcount", "certified_staff", "pipeline_value", "run_rate",
                     "share_of_wallet", "attainable_share", "capability", "potential"]
        )  # fmt: skip
    g = reports.groupby("partner_id")
    total = g["partner_total_sales"].mean() * BASIS_QUARTERS
    latest = g[["sales_headcount", "certified_staff", "pipeline_value"]].last()
    out = pd.DataFrame(
        {
            "reports": g["partner_total_sales"].count().astype("int64"),
            "partner_total_sales": total.astype("float64"),
            "sales_headcount": latest["sales_headcount"].astype("Float64").astype("float64"),
            "certified_staff": latest["certified_staff"].astype("Float64").astype("float64"),
            "pipeline_value": latest["pipeline_value"].astype("float64"),
        }
    )
    out["channel_id"] = active["channel_id"].reindex(out.index).astype("string")
    out["run_rate"] = active["run_rate"].reindex(out.index).astype("float64")
    out["share_of_wallet"] = out["run_rate"] / out["partner_total_sales"].where(
        out["partner_total_sales"] > 0
    )
    upper = out.groupby("channel_id")["share_of_wallet"].transform(lambda s: s.quantile(0.75))
    out["attainable_share"] = np.fmax(out["share_of_wallet"], upper)
    out["capability"] = _capability(out)
    wallet = (out["partner_total_sales"] * out["attainable_share"] * out["capability"]).fillna(0.0)
    out["potential"] = np.fmax(out["run_rate"].fillna(0.0), wallet)
    out = out.reset_index()
    return out[
        ["partner_id", "channel_id", "reports", "partner_total_sales", "sales_headcount",
         "certified_staff", "pipeline_value", "run_rate", "share_of_wallet", "attainable_share",
         "capability", "potential"]
    ]  # fmt: skip


def _capability(out: pd.DataFrame) -> pd.Series:
    """Certified staff per salesperson and pipeline per our quarterly revenue, each against the
    channel's median and clipped to 0.5–1.5, averaged (1 where neither is known)."""
    certified_ratio = out["certified_staff"] / out["sales_headcount"].where(
        out["sales_headcount"] > 0
    )
    pipeline_ratio = out["pipeline_value"] / (out["run_rate"] / 4).where(out["run_rate"] > 0)
    parts = []
    for ratio in (certified_ratio, pipeline_ratio):
        median = ratio.groupby(out["channel_id"]).transform("median")
        parts.append((ratio / median.where(median > 0)).clip(0.5, 1.5))
    return pd.concat(parts, axis=1).mean(axis=1).fillna(1.0)


def partner_weights(partners: pd.DataFrame, potential: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weights that split a channel's target among its partners.

    Parameters
    ----------
    partners : DataFrame
        ``partner_id``, ``channel_id``, ``run_rate`` (currency a year), ``days_in_window``.
    potential : DataFrame, optional
        :func:`partner_potential` (``partner_id``, ``potential``).

    Returns
    -------
    DataFrame
        ``partners`` with ``potential`` (``NaN`` without a report), ``weight`` and ``basis``
        (in words: ``run rate``, ``run rate and potential``, ``new partner``, ``dormant``).

    Notes
    -----
    ``weight = run_rate`` without a report, else ``(run_rate + potential) / 2``: halfway from
    what the partner sells now to what its capacity says it could. A partner onboarded inside
    the basis window that has neither sales nor a report (just signed) gets its channel's
    lower-quartile weight, so it starts with a modest target rather than none; an older partner
    with neither is *dormant* and gets 0.

    Examples
    --------
    >>> p = pd.DataFrame({"partner_id": ["A", "B", "C", "D"], "channel_id": ["X"] * 4,
    ...                   "run_rate": [100.0, 300.0, 0.0, 0.0], "days_in_window": [365, 365, 20, 365]})
    >>> partner_weights(p)[["partner_id", "weight", "basis"]].values.tolist()
    [['A', 100.0, 'run rate'], ['B', 300.0, 'run rate'], ['C', 150.0, 'new partner'], ['D', 0.0, 'dormant']]
    """
    out = partners.copy()
    pot = (
        potential.set_index("partner_id")["potential"]
        if potential is not None and len(potential)
        else pd.Series(dtype="float64")
    )
    out["potential"] = out["partner_id"].map(pot).astype("float64")
    rr = out["run_rate"].astype("float64").fillna(0.0)
    has_pot = out["potential"].notna()
    out["weight"] = np.where(has_pot, (rr + out["potential"].fillna(0.0)) / 2, rr)
    out["basis"] = np.where(has_pot, "run rate and potential", "run rate")
    window_days = int(out["days_in_window"].max()) if len(out) else 0
    zero = out["weight"] <= 0
    new = zero & (out["days_in_window"] < window_days)
    positive = out[out["weight"] > 0].groupby("channel_id")["weight"].quantile(0.25)
    if new.any():
        out.loc[new, "weight"] = (
            out.loc[new, "channel_id"].map(positive).astype("float64").fillna(0.0)
        )
    out.loc[new, "basis"] = "new partner"
    out.loc[zero & ~new, "basis"] = "dormant"
    out.loc[zero & ~new, "weight"] = 0.0
    out["weight"] = out["weight"].astype("float64")
    out["basis"] = out["basis"].astype("string")
    return out


def unassigned_run_rate(wb: Workbook, settings: TargetSettings) -> pd.Series:
    """Annual run rate of each partner channel's sales made without a partner (window)."""
    s = metrics.summarise(
        wb.dataset, by=["channel_id", "partner_id"], period="quarter",
        periods=list(settings.basis_quarters),
    )  # fmt: skip
    s = s[s["partner_id"].isna()]
    revenue = s.groupby("channel_id")["revenue_exact"].sum().clip(lower=0)
    return wb.dataset.money.amount(revenue).astype("float64")


def channel_potential(basis: pd.DataFrame, potential: pd.DataFrame | None) -> pd.Series:
    """Each channel's potential (currency a year): its run rate plus the headroom its reporting
    partners show (their potential above their run rate); ``NaN`` everywhere without partner
    reports (``potential`` is ``None``), so the method falls back to history."""
    if potential is None:
        return pd.Series(np.nan, index=basis.index)
    channel_pot = potential.groupby("channel_id")["potential"].sum()
    channel_rr = potential.groupby("channel_id")["run_rate"].sum()
    # channel potential = its run rate + its reporting partners' headroom
    headroom = (channel_pot - channel_rr).clip(lower=0)
    return basis["run_rate"] + basis["channel_id"].map(headroom).fillna(0.0)


#: Default cap on a partner's target change against its last year (fraction: ±25 %).
DEFAULT_PARTNER_CAP = 0.25
#: A partner whose revenue moved this much year on year (fraction) is declining or growing.
MOMENTUM_THRESHOLD = 0.10
#: A growing partner's target is at least this share of its last year.
GROWING_FLOOR = 0.95
#: The most headroom (share of wallet) may add to a partner's base (fraction: +10 %).
MAX_HEADROOM_UPLIFT = 0.10
#: The share of its headroom (potential ÷ run rate − 1) a partner's base takes, before the bound.
HEADROOM_WEIGHT = 0.5


def customer_moves(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each partner's customers lost, moved away and moved in over the basis window.

    Parameters
    ----------
    wb : Workbook
        The dataset's sales (``customer_id``, ``partner_id``).
    settings : TargetSettings
        Its ``basis_quarters`` (the window).

    Returns
    -------
    DataFrame
        One row per partner with a lost or moved customer: ``partner_id``, ``lost_exact``,
        ``moved_away_exact``, ``moved_in_exact`` (int64, exact units of ``ds.money``: what those
        customers bought through the partner, or for ``moved_in`` through the partner they left,
        in the window), ``lost_customers``, ``moved_away_customers``, ``moved_in_customers``
        (int) and ``customers_note`` (the customer ids, in words).

    Notes
    -----
    A customer that bought in at least two quarters of the window but nothing (through anyone)
    in its last two quarters is *lost* to every partner that sold to it in the window (a one-off
    order is not a lost customer). A customer still buying belongs to
    the partner of its latest window quarter (the largest, when several sold that quarter); a
    partner that sold to it earlier in the window but not in its last two quarters saw it *move
    away*, and the partner it buys through now saw it *move in* (a move to the channel's own sales,
    without a partner, is a move away only). A customer bought through two partners in the last
    two quarters is shared, not moved.
    """
    ds = wb.dataset
    window = list(settings.basis_quarters)
    cols = ["partner_id", "lost_exact", "moved_away_exact", "moved_in_exact", "lost_customers",
            "moved_away_customers", "moved_in_customers", "customers_note"]  # fmt: skip
    s = metrics.summarise(ds, by=["partner_id", "customer_id"], period="quarter", periods=window)
    s = s[s["customer_id"].notna() & (s["revenue_exact"] > 0)]
    if s.empty:
        return pd.DataFrame(columns=cols)
    s = s.assign(q=s["period"].map({q: i for i, q in enumerate(window)}))
    recent = s["q"] >= len(window) - 2
    last_q = s.groupby("customer_id")["q"].max()
    latest = s[s["q"] == s["customer_id"].map(last_q)].sort_values(
        ["customer_id", "revenue_exact"], ascending=[True, False], kind="stable"
    )
    current = latest.drop_duplicates("customer_id").set_index("customer_id")["partner_id"]
    by_pc = s[s["partner_id"].notna()].groupby(["partner_id", "customer_id"])
    pc = by_pc["revenue_exact"].sum().rename("revenue_exact").to_frame()
    pc["recent"] = s[s["partner_id"].notna() & recent].groupby(["partner_id", "customer_id"]).size()
    pc["recent"] = (pc["recent"].fillna(0) > 0).to_numpy(dtype=bool)
    pc = pc.reset_index()
    # a regular buyer (two or more quarters of the window) that stopped; a one-off order is not
    # a lost customer
    regular = s.groupby("customer_id")["q"].nunique() >= 2
    # plain numpy booleans: the cube's columns may be Arrow-backed (bool[pyarrow], string)
    stopped = pc["customer_id"].map(last_q).to_numpy(dtype="int64") < len(window) - 2
    lost = stopped & pc["customer_id"].map(regular).fillna(False).to_numpy(dtype=bool)
    pc["lost"] = lost
    pc["now_with"] = pc["customer_id"].map(current).astype("object")
    elsewhere = pc["now_with"].to_numpy(dtype=object) != pc["partner_id"].to_numpy(dtype=object)
    pc["moved"] = ~lost & ~pc["recent"].to_numpy(dtype=bool) & elsewhere
    rows: dict[str, dict] = {}

    def add(pid: str, kind: str, amount: int, customer: str) -> None:
        r = rows.setdefault(pid, {"partner_id": pid, "lost": [], "moved_away": [], "moved_in": []})
        r[kind].append((customer, int(amount)))

    for pid, cid, amount, lost, moved, now in pc[
        ["partner_id", "customer_id", "revenue_exact", "lost", "moved", "now_with"]
    ].itertuples(index=False):
        if lost:
            add(pid, "lost", amount, cid)
        elif moved:
            add(pid, "moved_away", amount, cid)
            if pd.notna(now):
                add(str(now), "moved_in", amount, cid)
    out = []
    for r in rows.values():
        note = "; ".join(
            f"{label} {', '.join(c for c, _ in r[k])}"
            for k, label in (
                ("lost", "lost"),
                ("moved_away", "moved away"),
                ("moved_in", "moved in"),
            )
            if r[k]
        )
        out.append(
            {"partner_id": r["partner_id"], **{f"{k}_exact": sum(a for _, a in r[k])
             for k in ("lost", "moved_away", "moved_in")},
             **{f"{k}_customers": len(r[k]) for k in ("lost", "moved_away", "moved_in")},
             "customers_note": note}
        )  # fmt: skip
    frame = pd.DataFrame(out, columns=cols)
    for c in cols[1:7]:
        frame[c] = frame[c].astype("int64")
    return frame


def _prior_year_revenue(wb: Workbook, settings: TargetSettings) -> pd.Series:
    """Each partner's revenue (exact units, any channel) over the four quarters before the
    basis window."""
    cal = wb.dataset.calendar
    first = settings.basis_quarters[0]
    prior = cal.quarter_range(
        cal.shift_quarter(first, -BASIS_QUARTERS), cal.shift_quarter(first, -1)
    )
    s = metrics.summarise(wb.dataset, by="partner_id", period="quarter", periods=list(prior))
    s = s[s["partner_id"].notna()]
    return s.groupby("partner_id")["revenue_exact"].sum().astype("int64")


def partner_bases(
    wb: Workbook, settings: TargetSettings, potential: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each active partner's base for its target: its own run rate net of the customers it lost
    or saw move away, plus those that moved in, plus a bounded uplift for headroom.

    Parameters
    ----------
    wb : Workbook
    settings : TargetSettings
        The basis window and the channels.
    potential : DataFrame, optional
        :func:`partner_potential` (``None`` without partner reports: no headroom uplift).

    Returns
    -------
    DataFrame
        :func:`partner_weights`'s columns (``weight`` is the base with its uplift, currency a
        year) plus:

        - ``last_year_exact`` (int64): revenue through the partner in the basis window (any
          channel; the year its target's change is measured against);
        - ``prior_year_exact`` (int64): the four quarters before; ``yoy`` (fraction, ``NaN``
          without a prior year);
        - ``momentum``: ``declining`` (fell ≥ :data:`MOMENTUM_THRESHOLD`), ``growing`` (grew
          ≥ it), ``steady``, or ``new partner`` (onboarded inside the window: no cap);
        - ``lost_exact``, ``moved_away_exact``, ``moved_in_exact`` and ``customers_note``
          (:func:`customer_moves`);
        - ``base`` (currency a year): ``run_rate`` − (lost + moved away) + moved in, annualised
          like the run rate, ≥ 0;
        - ``headroom_uplift`` (fraction, 0 to :data:`MAX_HEADROOM_UPLIFT`).

    Notes
    -----
    ``weight = base × (1 + headroom_uplift)``, with ``headroom_uplift =
    min(MAX_HEADROOM_UPLIFT, HEADROOM_WEIGHT × max(potential ÷ run_rate − 1, 0))`` and 0 for a
    declining partner: a low share of wallet (large potential) raises a target by at most 10 %,
    never without bound. The channel's growth is applied when the channel's target is split
    (:func:`~channel_lib.analysis.targets.split.capped_split`). A partner signed inside the
    window with no sales gets its channel's lower-quartile weight (:func:`partner_weights`).

    Examples
    --------
    >>> from channel_lib import open_workbook
    >>> from channel_lib.analysis.targets import target_settings
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q3")
    >>> b = partner_bases(wb, target_settings(wb, year="FY2027"))
    >>> b[["partner_id", "momentum"]].values.tolist()
    [['P1', 'declining'], ['P2', 'growing'], ['P3', 'growing'], ['P4', 'steady']]
    """
    partners = active_partners(wb, settings)
    out = partner_weights(partners, potential)
    ds = wb.dataset
    moves = customer_moves(wb, settings).set_index("partner_id")
    for c in ("lost_exact", "moved_away_exact", "moved_in_exact"):
        out[c] = out["partner_id"].map(moves[c]).fillna(0).astype("int64")
    notes = moves["customers_note"].astype("object")
    out["customers_note"] = out["partner_id"].map(notes).astype("object").fillna("").astype(str)
    out["last_year_exact"] = out["window_revenue_exact"].astype("int64")
    out["prior_year_exact"] = (
        out["partner_id"].map(_prior_year_revenue(wb, settings)).fillna(0).astype("int64")
    )
    prior = out["prior_year_exact"].where(out["prior_year_exact"] > 0)
    out["yoy"] = (out["last_year_exact"] / prior - 1).astype("float64")
    window_days = int(out["days_in_window"].max()) if len(out) else 0
    new = out["days_in_window"] < window_days
    ly, py = out["last_year_exact"], out["prior_year_exact"]
    t = MOMENTUM_THRESHOLD
    declining = (py > 0) & (ly <= py * (1 - t))
    growing = (py > 0) & (ly >= py * (1 + t))
    out["momentum"] = np.select([new, declining, growing], ["new partner", "declining", "growing"],
                                "steady")  # fmt: skip
    annualise = window_days / out["days_in_window"].clip(lower=30) if len(out) else 1.0
    net = ds.money.amount(out["moved_in_exact"] - out["lost_exact"] - out["moved_away_exact"])
    rr = out["run_rate"].astype("float64").fillna(0.0)
    out["base"] = (rr + net * annualise).clip(lower=0).astype("float64")
    headroom = (out["potential"] / rr.where(rr > 0) - 1).clip(lower=0).fillna(0.0)
    uplift = np.minimum(MAX_HEADROOM_UPLIFT, HEADROOM_WEIGHT * headroom)
    out["headroom_uplift"] = np.where(out["momentum"] == "declining", 0.0, uplift)
    # a partner without sales keeps partner_weights' weight (a new partner's lower quartile)
    out["weight"] = np.where(
        rr > 0, out["base"] * (1 + out["headroom_uplift"]), out["weight"]
    ).astype("float64")
    out.loc[(rr > 0) & (out["base"] <= 0), "basis"] = "customers lost or moved away"
    return out
