"""The whole target plan of a year in one call, and the checks and views of it.

- :class:`TargetPlan` and :func:`set_targets` — objectives → channel, partner and quarter targets →
  leading indicators;
- :func:`plan_checks` — the guarantees, checked on the plan;
- :func:`method_table`, :func:`indicator_summary` — the plan's frames side by side;
- :func:`young_channels`, :func:`new_partners` — the channels and partners without a full year of
  history in the basis window (the page explains their targets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.basis import (
    _basis_window,
    channel_basis,
    quarterly_revenue,
    trend_forecasts,
)
from channel_lib.analysis.targets.indicators import leading_indicators
from channel_lib.analysis.targets.partners import (
    DEFAULT_PARTNER_CAP,
    GROWING_FLOOR,
    channel_potential,
    partner_bases,
    partner_potential,
    unassigned_run_rate,
)
from channel_lib.analysis.targets.phasing import quarter_targets, seasonality
from channel_lib.analysis.targets.settings import METHODS, TargetSettings
from channel_lib.analysis.targets.split import (
    allocate_channels,
    apportion_steps,
    capped_split,
    channel_targets,
    round_grid,
    split_gross_profit,
)
from channel_lib.core.money import MoneyUnit
from channel_lib.data.workbook import Workbook

__all__ = [
    "TargetPlan",
    "indicator_summary",
    "method_table",
    "new_partners",
    "plan_checks",
    "set_targets",
    "young_channels",
]

_PARTNER_COLUMNS = [
    "channel_id", "partner_id", "partner_name", "line", "basis", "momentum", "bound",
    "run_rate", "base", "headroom_uplift", "potential", "weight", "last_year_exact",
    "prior_year_exact", "lost_exact", "moved_away_exact", "moved_in_exact", "customers_note",
    "revenue_target_exact", "gross_profit_target_exact",
]  # fmt: skip
_PARTNER_DTYPES = {
    "channel_id": "object", "partner_id": "string", "partner_name": "object", "line": "object",
    "basis": "object", "momentum": "object", "bound": "object", "run_rate": "float64",
    "base": "float64", "headroom_uplift": "float64", "potential": "float64", "weight": "float64",
    "last_year_exact": "int64", "prior_year_exact": "int64", "lost_exact": "int64",
    "moved_away_exact": "int64", "moved_in_exact": "int64", "customers_note": "object",
    "revenue_target_exact": "int64", "gross_profit_target_exact": "int64",
}  # fmt: skip


@dataclass
class TargetPlan:
    """Everything target setting produces (tidy frames), for one fiscal year.

    Attributes
    ----------
    settings : TargetSettings
    basis : DataFrame
        :func:`channel_basis` plus ``trend`` and ``potential`` (the methods' inputs).
    trend : DataFrame
        :func:`trend_forecasts` (with the statsmodels results in ``attrs["models"]``).
    potential : DataFrame or None
        :func:`partner_potential`; ``None`` without ``partner_reports``.
    potential_from_reports : bool
        Whether the potential method used partner reports (``False``: it fell back to history;
        the page says which).
    methods : DataFrame
        :func:`allocate_channels` (every method side by side), with ``chosen`` (bool).
    channels : DataFrame
        The chosen annual channel targets: ``channel_id``, ``channel_name``, ``role``,
        ``revenue_target(_exact)``, ``gross_profit_target(_exact)`` (``NaN``/0 when managing
        for revenue only), ``last_year_revenue`` (run-rate basis), ``growth``.
    partners : DataFrame
        Annual partner targets per channel (``partner_id`` missing = the channel's sales made
        without a partner): ``channel_id``, ``partner_id``, ``partner_name``, ``basis``,
        ``run_rate``, ``potential``, ``weight``, ``revenue_target(_exact)``,
        ``gross_profit_target(_exact)``.
    quarters : DataFrame
        Channel × quarter: ``channel_id``, ``quarter``, ``fiscal_quarter``, ``season_share``,
        ``season_source``, ``revenue_target(_exact)``, ``gross_profit_target(_exact)``.
    partner_quarters : DataFrame
        Partner × quarter: ``channel_id``, ``partner_id``, ``quarter``, ``metric``,
        ``target_exact``.
    indicators : DataFrame
        :func:`leading_indicators`.
    """

    settings: TargetSettings
    basis: pd.DataFrame
    trend: pd.DataFrame
    potential: pd.DataFrame | None
    potential_from_reports: bool
    methods: pd.DataFrame
    channels: pd.DataFrame
    partners: pd.DataFrame
    quarters: pd.DataFrame
    partner_quarters: pd.DataFrame
    indicators: pd.DataFrame

    @property
    def metrics(self) -> tuple[str, ...]:
        """Metrics the plan sets: ``revenue`` and, for revenue and profit, ``gross_profit``."""
        if self.settings.gross_profit_objective_exact is None:
            return ("revenue",)
        return ("revenue", "gross_profit")


def set_targets(wb: Workbook, settings: TargetSettings) -> TargetPlan:
    """Objectives → channel, partner and quarter targets → leading indicators, in one call.

    Parameters
    ----------
    wb : Workbook
    settings : TargetSettings
        From :func:`target_settings`.

    Returns
    -------
    TargetPlan

    Notes
    -----
    The steps and their methods are described in the module docstring; every amount is whole
    minor units of the currency (``settings.money.minor_step`` exact units each) and every sum
    is exact (see :func:`apportion`, :func:`round_grid`). Gross-profit
    targets (managing for revenue and profit) split the gross-profit objective in proportion to
    each channel's revenue target × its gross margin over the basis window (partners: their own
    margin, else the channel's), so a channel's profit target reflects its margin structure.
    """
    ds = wb.dataset
    basis = channel_basis(wb, settings)
    quarterly, axis = quarterly_revenue(wb, settings)
    trend = trend_forecasts(quarterly, settings.quarters, all_quarters=axis)
    basis["trend"] = basis["channel_id"].map(trend.set_index("channel_id")["forecast"])
    potential = partner_potential(wb, settings) if ds.has("partner_reports") else None
    basis["potential"] = channel_potential(basis, potential)
    methods = allocate_channels(
        basis, settings.revenue_objective_exact, blend_weights=settings.blend_weights,
        money=settings.money,
    )  # fmt: skip
    methods["chosen"] = methods["method"] == settings.method
    ch = channel_targets(basis, methods, settings)
    ch["outside_trend_interval"] = _outside_interval(ch, trend)
    quarters = quarter_targets(ch, seasonality(wb, settings), settings)
    partner_frame, pq_frame = partner_targets(
        ch, quarters, partner_bases(wb, settings, potential), unassigned_run_rate(wb, settings),
        money=settings.money, cap=settings.partner_cap,
    )  # fmt: skip
    return TargetPlan(
        settings=settings, basis=basis, trend=trend, potential=potential,
        potential_from_reports=potential is not None, methods=methods, channels=ch,
        partners=partner_frame, quarters=quarters, partner_quarters=pq_frame,
        indicators=leading_indicators(wb, settings, quarters),
    )  # fmt: skip


def _outside_interval(ch: pd.DataFrame, trend: pd.DataFrame) -> pd.Series:
    """Whether each channel's revenue target lies outside its trend forecast's prediction
    interval (``False`` without a fitted trend)."""
    t = trend.set_index("channel_id")
    lower = ch["channel_id"].map(t["lower"]).astype("float64")
    upper = ch["channel_id"].map(t["upper"]).astype("float64")
    target = ch["revenue_target"].astype("float64")
    return ((target < lower) | (target > upper)).fillna(False).astype(bool)


def partner_targets(
    channels: pd.DataFrame,
    quarters: pd.DataFrame,
    bases: pd.DataFrame,
    unassigned: pd.Series,
    *,
    money: MoneyUnit | None = None,
    cap: float = DEFAULT_PARTNER_CAP,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each channel's targets split over its partners (annual) and over partner × quarter.

    Parameters
    ----------
    channels : DataFrame
        :func:`channel_targets` (``growth``: the channel's target ÷ its run rate − 1).
    quarters : DataFrame
        :func:`quarter_targets`.
    bases : DataFrame
        :func:`partner_bases` (or :func:`partner_weights`: then every partner counts as new,
        without a cap).
    unassigned : Series
        :func:`unassigned_run_rate`: the weight of each channel's sales made without a partner.
    money : MoneyUnit, optional
        The dataset's money unit (default: USD at the default decimals): targets are split in
        whole minor units of its currency.
    cap : float
        The most a partner's target may change against its last year (fraction, default
        :data:`DEFAULT_PARTNER_CAP`: ±25 %); new partners are exempt.

    Returns
    -------
    (DataFrame, DataFrame)
        :attr:`TargetPlan.partners` and :attr:`TargetPlan.partner_quarters`. In the partners
        frame ``line`` says what a row is: ``partner``, ``without a partner`` (the channel's own
        sales) or ``unallocated`` (what the caps leave unplaced; ``partner_id`` missing for
        both); ``bound`` says in words which rule held a partner's target. Both frames have
        their documented columns and dtypes also when no channel has a partner: then empty.

    Notes
    -----
    The channel's target is first split between its partners and its sales without a partner
    in proportion to their weights (a partner's base with its headroom uplift, and the
    channel's run rate without a partner). The partners' pool is then placed by
    :func:`~channel_lib.analysis.targets.split.capped_split`: all partners move by one common
    factor (the channel's growth), each held within its bounds against its last year
    (``last_year_exact``): ``±cap``; a *declining* partner (fell ≥ 10 % year on year) no higher
    than the channel's growth; a *growing* one (grew ≥ 10 %) at least 95 % of its last year; a
    new partner unbounded. What a bound holds back goes to the partners still between their
    bounds; what none can take is the channel's ``unallocated`` line, so the channel's lines
    still sum to its target to the cent. When the partners' lower bounds exceed their pool,
    the sales without a partner give way first.
    """
    money = money or MoneyUnit()
    step = money.minor_step
    prow, pq = [], []
    for c, rev_t, gp_t, margin, growth in channels[["channel_id", "revenue_target_exact", "gross_profit_target_exact", "gross_margin", "growth"]].itertuples(index=False):  # fmt: skip
        w = bases[bases["channel_id"] == c].reset_index(drop=True)
        if w.empty:
            continue
        g = float(growth) if pd.notna(growth) else 0.0
        rows, rev, gp = _channel_partner_lines(
            c, w, int(rev_t), int(gp_t), margin, g, float(unassigned.get(c, 0.0)), cap, step
        )
        prow += rows
        kids = [r["partner_id"] for r in rows]
        pq += _partner_quarter_rows(c, kids, rev, gp, quarters[quarters["channel_id"] == c], step)
    return _partner_frame(prow, money), _partner_quarter_frame(pq)


def _channel_partner_lines(
    c: str,
    w: pd.DataFrame,
    rev_t: int,
    gp_t: int,
    margin: float,
    g: float,
    direct: float,
    cap: float,
    step: int,
) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """One channel's lines of :func:`partner_targets` (its partners, its sales without a partner
    and, when the caps leave some unplaced, its unallocated line): the rows, and their revenue
    and gross-profit targets (exact units)."""
    lower, upper, bound = _partner_bounds(w, g, cap)
    wts = w["weight"].to_numpy(dtype="float64")
    share = apportion_steps(rev_t, np.append(wts, direct), step=step)
    direct_t = int(share[-1])
    floor = int(sum(math.ceil(Fraction(x) / step) * step for x in lower))
    if floor > rev_t:  # the channel's target is below its partners' floors: scale them to fit
        total = sum(Fraction(x) for x in lower)
        lower = [math.floor(Fraction(x) * rev_t / total / step) * step for x in lower]
        bound = [f"{b}; floor scaled to fit the channel's target" if lo else b
                 for b, lo in zip(bound, lower, strict=True)]  # fmt: skip
        floor = int(sum(lower))
    if rev_t - direct_t < floor:  # the partners' floors come first
        direct_t = max(rev_t - floor, 0)
    parts, left = capped_split(rev_t - direct_t, wts, lower, upper, step=step)
    rev = np.append(parts, [direct_t, left]).astype("int64")
    bound = _bound_words(w, parts, lower, upper, bound, step)
    pm = (
        w["window_gross_profit_exact"]
        / w["window_revenue_exact"].where(w["window_revenue_exact"] > 0)
    ).fillna(margin)
    gp = split_gross_profit(
        gp_t, np.clip(rev, 0, None), np.append(pm.to_numpy(), [margin, margin]), step=step
    )
    ids = [*w["partner_id"].tolist(), pd.NA, pd.NA]
    names = [*w["partner_name"].tolist(), "(sales without a partner)", "(unallocated)"]
    lines = ["partner"] * len(w) + ["without a partner", "unallocated"]
    bases_words = [*w["basis"].tolist(), "channel sales without a partner",
                   "what the caps leave unplaced"]  # fmt: skip
    rrs = [*w["run_rate"].tolist(), direct, 0.0]
    pots = [*w["potential"].tolist(), np.nan, np.nan]
    extra = _extra_columns(w)
    last_year = extra["last_year_exact"]
    keep = [i for i in range(len(ids)) if i < len(w) or i == len(w) or rev[i] != 0]
    rows = [
        {"channel_id": c, "partner_id": ids[i], "partner_name": names[i], "line": lines[i],
         "basis": bases_words[i], "momentum": extra["momentum"][i],
         "bound": bound[i] if i < len(w) else "", "run_rate": rrs[i],
         "base": extra["base"][i], "headroom_uplift": extra["headroom_uplift"][i],
         "potential": pots[i], "weight": float(wts[i]) if i < len(w) else (direct if i == len(w) else 0.0),
         "last_year_exact": int(last_year[i]), "prior_year_exact": int(extra["prior_year_exact"][i]),
         "lost_exact": int(extra["lost_exact"][i]), "moved_away_exact": int(extra["moved_away_exact"][i]),
         "moved_in_exact": int(extra["moved_in_exact"][i]),
         "customers_note": extra["customers_note"][i],
         "revenue_target_exact": int(rev[i]), "gross_profit_target_exact": int(gp[i])}
        for i in keep
    ]  # fmt: skip
    return rows, rev[keep], gp[keep]


def _partner_frame(prow: list[dict], money: MoneyUnit) -> pd.DataFrame:
    """:attr:`TargetPlan.partners` from the rows of :func:`_channel_partner_lines`, typed (an
    empty frame, no partners, must still sort and compare as numbers), with the targets in
    currency and ``change`` against last year."""
    partner_frame = pd.DataFrame(prow, columns=_PARTNER_COLUMNS).astype(_PARTNER_DTYPES)
    partner_frame["revenue_target"] = money.amount(partner_frame["revenue_target_exact"])
    partner_frame["gross_profit_target"] = money.amount(partner_frame["gross_profit_target_exact"])
    ly = partner_frame["last_year_exact"].where(
        (partner_frame["last_year_exact"] > 0) & (partner_frame["line"] == "partner")
    )
    partner_frame["change"] = (partner_frame["revenue_target_exact"] / ly - 1).astype("float64")
    return partner_frame


def _partner_quarter_frame(pq: list) -> pd.DataFrame:
    """:attr:`TargetPlan.partner_quarters` from the rows of :func:`_partner_quarter_rows`."""
    pq_frame = pd.DataFrame(
        pq, columns=["channel_id", "partner_id", "quarter", "metric", "target_exact"]
    )
    pq_frame["partner_id"] = pq_frame["partner_id"].astype("string")
    pq_frame["target_exact"] = pq_frame["target_exact"].astype("int64")
    return pq_frame


_EXTRA_FILL = {
    "momentum": "", "base": np.nan, "headroom_uplift": np.nan, "last_year_exact": 0,
    "prior_year_exact": 0, "lost_exact": 0, "moved_away_exact": 0, "moved_in_exact": 0,
    "customers_note": "",
}  # fmt: skip


def _extra_columns(w: pd.DataFrame) -> dict[str, list]:
    """:func:`partner_bases`' columns of one channel's partners, each with two more values for
    the lines without a partner and unallocated (a frame without them: the fill values)."""
    return {
        name: [*(w[name].tolist() if name in w else [fill] * len(w)), fill, fill]
        for name, fill in _EXTRA_FILL.items()
    }


def _partner_bounds(w: pd.DataFrame, growth: float, cap: float) -> tuple[list, list, list[str]]:
    """Each partner's lower and upper bound (exact units, as Fractions; ``inf`` = none) and the
    rule behind them, in words (see :func:`partner_targets`)."""
    lower, upper, words = [], [], []
    cap_f, g = Fraction(cap), Fraction(growth)
    momentum = w["momentum"] if "momentum" in w else pd.Series("new partner", index=w.index)
    last = w["last_year_exact"] if "last_year_exact" in w else pd.Series(0, index=w.index)
    for m, ly in zip(momentum, last, strict=True):
        ly = Fraction(int(ly))
        if m == "new partner":
            lower.append(Fraction(0)), upper.append(math.inf), words.append("new partner: no cap")
            continue
        lo, hi, why = ly * (1 - cap_f), ly * (1 + cap_f), f"within ±{cap:.0%} of last year"
        if m == "declining":
            hi, why = min(hi, ly * (1 + g)), "declining: no rise above its channel's"
        elif m == "growing":
            lo, why = (
                max(lo, ly * Fraction(GROWING_FLOOR)),
                (f"growing: at least {GROWING_FLOOR:.0%} of last year"),
            )
        lower.append(min(lo, hi)), upper.append(hi), words.append(why)
    return lower, upper, words


def _bound_words(w: pd.DataFrame, parts, lower, upper, words: list[str], step: int) -> list[str]:
    """``words`` with the partners held at a bound named so (``at the cap``, ``at the floor``)."""
    out = []
    for i, why in enumerate(words):
        hi = upper[i]
        if math.isfinite(hi) and int(parts[i]) >= math.floor(hi / step) * step and hi > lower[i]:
            out.append(f"{why} (held at its upper bound)")
        elif int(parts[i]) <= math.ceil(lower[i] / step) * step and lower[i] > 0:
            out.append(f"{why} (held at its lower bound)")
        else:
            out.append(why)
    return out


def _partner_quarter_rows(c, ids: list, rev, gp, cq: pd.DataFrame, step: int) -> list[dict]:
    """One channel's partner × quarter grids (revenue, then gross profit) as rows, in whole
    ``step``s."""
    rows = []
    for metric, annual, col in (("revenue", rev, "revenue_target_exact"), ("gross_profit", gp, "gross_profit_target_exact")):  # fmt: skip
        grid = round_grid(annual, cq[col].tolist(), step=step)
        for i, pid in enumerate(ids):
            for k, quarter in enumerate(cq["quarter"]):
                rows.append(
                    {"channel_id": c, "partner_id": pid, "quarter": quarter, "metric": metric,
                     "target_exact": int(grid[i, k])}
                )  # fmt: skip
    return rows


def _sums_match(parts: pd.Series, totals: pd.Series) -> bool:
    """Whether every group sum in ``parts`` equals the total of the same key in ``totals``."""
    totals = totals.reindex(parts.index)
    return bool(totals.notna().all() and (parts.astype("int64") == totals.astype("int64")).all())


def plan_checks(plan: TargetPlan) -> pd.DataFrame:
    """The guarantees checked on this plan, one row each (all ``holds`` should be True).

    Returns
    -------
    DataFrame
        ``guarantee`` (str), ``holds`` (bool).
    """
    s = plan.settings
    ch = plan.channels.set_index("channel_id")
    q = plan.quarters
    p = plan.partners
    pq = plan.partner_quarters
    checks = [
        (
            "channel revenue targets sum to the objective exactly",
            int(ch["revenue_target_exact"].sum()) == s.revenue_objective_exact,
        ),
        (
            "each channel's quarters sum to its annual target",
            _sums_match(q.groupby("channel_id")["revenue_target_exact"].sum(),
                        ch["revenue_target_exact"]),
        ),
        (
            "each channel's partner targets (with its sales without a partner) sum to its target",
            _sums_match(p.groupby("channel_id")["revenue_target_exact"].sum(),
                        ch["revenue_target_exact"]),
        ),
        (
            "partner quarter targets sum to the channel's quarter targets",
            _sums_match(
                pq[pq["metric"] == "revenue"].groupby(["channel_id", "quarter"])["target_exact"].sum(),
                q.set_index(["channel_id", "quarter"])["revenue_target_exact"],
            ),
        ),
        (
            "every target is ≥ 0",
            bool((ch["revenue_target_exact"] >= 0).all() and (q["revenue_target_exact"] >= 0).all()
                 and (pq["target_exact"] >= 0).all() and (ch["gross_profit_target_exact"] >= 0).all()),
        ),
    ]  # fmt: skip
    if s.gross_profit_objective_exact is not None:
        checks.append(
            (
                "channel gross-profit targets sum to the gross-profit objective",
                int(ch["gross_profit_target_exact"].sum()) == s.gross_profit_objective_exact,
            )
        )
    return pd.DataFrame(checks, columns=["guarantee", "holds"])


def method_table(plan: TargetPlan) -> pd.DataFrame:
    """Channel targets of every method side by side (one column per method, currency).

    Returns
    -------
    DataFrame
        ``channel_id``, ``channel_name`` and one column per method of :data:`METHODS` (the
        annual revenue target, currency), channels in the settings' order. The page adds the
        trend forecast's prediction interval
        (:func:`channel_lib.presentation.pages.target_setting.method_frame`).
    """
    wide = plan.methods.pivot(index="channel_id", columns="method", values="target")
    wide = wide.reindex(index=list(plan.settings.channels), columns=list(METHODS)).reset_index()
    names = plan.channels.set_index("channel_id")["channel_name"]
    wide.insert(1, "channel_name", wide["channel_id"].map(names))
    wide.columns.name = None
    return wide


def indicator_summary(plan: TargetPlan) -> pd.DataFrame:
    """The channel metrics model, one row per channel × indicator (the year in one line).

    Returns
    -------
    DataFrame
        ``channel_id``, ``role``, ``revenue_target`` (annual), ``indicator``, ``label``,
        ``unit``, ``baseline`` (per quarter), ``target_per_quarter`` (mean of the four quarters),
        ``change`` (mean target ÷ baseline − 1), ``how``,
        ``monitored_in``, ``available``, ``note``. The page writes the four quarters' targets
        as text (:func:`channel_lib.presentation.pages.target_setting.indicator_frame`).
    """
    ind = plan.indicators
    annual = plan.channels.set_index("channel_id")["revenue_target"]
    rows = []
    for (c, key), g in ind.groupby(["channel_id", "indicator"], sort=False):
        ok = bool(g["available"].iloc[0])
        unit = g["unit"].iloc[0]
        mean = float(g["target"].mean()) if ok else np.nan
        base = float(g["baseline"].iloc[0]) if ok else np.nan
        rows.append(
            {"channel_id": c, "role": g["role"].iloc[0], "revenue_target": float(annual[c]),
             "indicator": key, "label": g["label"].iloc[0], "unit": unit, "baseline": base,
             "target_per_quarter": mean,
             "change": mean / base - 1 if ok and base else np.nan, "how": g["how"].iloc[0],
             "monitored_in": g["monitored_in"].iloc[0], "available": ok,
             "note": g["note"].iloc[0]}
        )  # fmt: skip
    return pd.DataFrame(rows)


def young_channels(plan: TargetPlan, wb: Workbook) -> pd.DataFrame:
    """The plan's channels without a full year in the basis window, or launched after the data
    begin, with how their targets were made.

    Returns
    -------
    DataFrame
        :attr:`TargetPlan.basis` rows of those channels, plus ``revenue_target`` (currency),
        ``model`` and ``points`` (the trend fit: ``"too little history"`` and 0 without one) and
        ``season_source`` (``"channel"``, ``"company"`` or ``"even"``).
    """
    ds = wb.dataset
    data_start = pd.Timestamp(ds.sql("SELECT min(order_date) AS d FROM sales")["d"].iloc[0])
    young = plan.basis[
        (plan.basis["months_in_window"] < 12) | (plan.basis["launched_on"] > data_start)
    ].copy()
    targets = plan.channels.set_index("channel_id")["revenue_target"]
    trend = plan.trend.set_index("channel_id")
    young["revenue_target"] = [targets.loc[c] for c in young["channel_id"]]
    young["model"] = [trend["model"].get(c, "too little history") for c in young["channel_id"]]
    young["points"] = [trend["points"].get(c, 0) for c in young["channel_id"]]
    young["season_source"] = [
        plan.quarters[plan.quarters["channel_id"] == c]["season_source"].iloc[0]
        for c in young["channel_id"]
    ]
    return young


def new_partners(plan: TargetPlan, wb: Workbook) -> pd.DataFrame:
    """The plan's partners onboarded inside the basis window, by partner id.

    Returns
    -------
    DataFrame
        :attr:`TargetPlan.partners` rows of those partners plus ``onboarded_on``; empty when
        the dataset has no ``partners.csv`` or the plan no partner.
    """
    ds = wb.dataset
    p = plan.partners
    if not (ds.has("partners") and len(p)):
        return p.iloc[0:0].assign(onboarded_on=pd.Series(dtype="datetime64[ns]"))
    start, _ = _basis_window(wb, plan.settings)
    partners = ds.table("partners").set_index("partner_id")
    recent = partners[partners["onboarded_on"] > start].index
    young = p[p["partner_id"].isin(recent)].sort_values("partner_id").copy()
    young["onboarded_on"] = [partners.loc[pid, "onboarded_on"] for pid in young["partner_id"]]
    return young
