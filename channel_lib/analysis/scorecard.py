"""Scorecards, exceptions, partner reporting and the partner portfolio (notebook 05).

- :func:`scorecard` — per channel or per partner for the quarter: revenue, gross profit,
  attainment against target, growth, leading indicators and share of wallet, with a traffic light
  by a configurable tolerance.
- :func:`exceptions` — gaps to target beyond the tolerance, ranked by money at stake, each marked
  ``new``, ``persisting`` or ``closing`` against the previous quarter.
- :func:`reporting_status` — what partners are expected to report (by channel role or type,
  :func:`expected_fields`), who is late, incomplete or stopped, and which signals that blocks;
  :func:`reporting_coverage` — the share of partner revenue with a current report, per channel
  and overall (a KPI).
- :func:`portfolio` — partner selection and de-selection: service quality, growth, alignment with
  the channel's declared role and dependency, with a suggested tier move.

The traffic light of a scorecard row, in order:

1. **Attainment first.** With a target for the quarter (revenue or gross profit; the worse
   attainment counts): green at or above target, amber down to ``1 − tolerance``, red below.
2. **Else a change beyond a band.** Revenue against the same quarter last year (a quarter's
   change, not the workbook's growth figure): green at
   ``+growth_band`` or more, red at ``−growth_band`` or less, amber in between (a small fall
   is not a red light). Without either, grey.
3. **Margin, when the year is managed for revenue and profit** (``managing_for:
   revenue_and_profit`` for the quarter's fiscal year): a negative gross margin is red; a
   margin below the goal (the channel's own ``gross_margin_goal`` where ``goals.yaml`` gives
   one, else the corporate goal; a partner is judged against its channel's) is never green —
   a green light becomes amber, and the basis says why. A year managed for revenue judges
   revenue only.

The core figures come from :mod:`channel_lib.data.cube` (exact units of the dataset's money
unit, ``ds.money``); the early warnings from :mod:`channel_lib.analysis.signals`. Frames only: the
tables, charts and captions of the report are in :mod:`channel_lib.presentation.pages.scorecards`
and :mod:`~channel_lib.presentation.pages.performance_signals`, the display formats in
:mod:`channel_lib.presentation.formats`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.analysis.signals import (
    partner_reports,
    partner_table,
    resolve_thresholds,
    trailing_partner_revenue,
)
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data import cube as metrics
from channel_lib.data.cube.terms import exact_sql
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.loader import Dataset
from channel_lib.plans.interviews import read_interviews, service_complaints

__all__ = [
    "CURRENT_STATUSES",
    "GROWTH_BAND",
    "LIGHTS",
    "REPORT_FIELDS",
    "SERVICE_COMPLAINT_PENALTY",
    "TIER_ORDER",
    "exceptions",
    "expected_fields",
    "portfolio",
    "report_expectations",
    "reporting_coverage",
    "reporting_status",
    "scorecard",
]

#: Traffic-light colours in order of concern.
LIGHTS: tuple[str, ...] = ("red", "amber", "green", "grey")
#: Partner tiers from lowest to highest (other tier names are kept but not moved).
TIER_ORDER: tuple[str, ...] = ("bronze", "silver", "gold", "platinum")
#: What each service complaint of a win/loss interview takes off the portfolio's service (0–1).
SERVICE_COMPLAINT_PENALTY = 0.25

#: What the workbook expects partners to report each quarter (``partner_reports.csv``) and the
#: signals and views each field feeds.
REPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "partner_total_sales": ("partner_total_sales_change", "share of wallet"),
    "line_card_rank": ("line_card_change",),
    "sales_headcount": ("leading indicators",),
    "key_sales_departures": ("key_talent_loss",),
    "csat": ("service_metrics",),
    "first_response_hours": ("service_metrics",),
    "certified_staff": ("leading indicators",),
    "pipeline_value": ("leading indicators",),
}


def _tolerance(value: float) -> float:
    return _fraction("tolerance", value)


def _fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ParameterError(f"{name}={value!r}: a fraction in [0, 1), e.g. 0.05 for 5%")
    return float(value)


def _targets(ds: Dataset, quarter: str, plans_dir: str | Path | None) -> pd.DataFrame:
    try:
        return metrics.attainment(ds, quarter, plans_dir=plans_dir)
    except metrics.MissingDataError:
        return pd.DataFrame(
            columns=["level", "channel_id", "partner_id", "metric", "target_exact",
                     "actual_exact", "gap_exact", "attainment", "source"]
        )  # fmt: skip


#: Default materiality band of the growth light (fraction): without a target, a change against
#: the same quarter last year within ± this band is neither growth nor decline.
GROWTH_BAND: float = 0.05


def _light(
    attainment: pd.Series,
    growth: pd.Series,
    margin: pd.Series,
    margin_goal: pd.Series,
    *,
    tolerance: float,
    band: float,
    profit: bool,
) -> tuple[list[str], list[str]]:
    """``(lights, bases)`` of the scorecard rows; the rule is :func:`scorecard`'s (Notes)."""
    lights, basis = [], []
    for a, g, m, goal in zip(attainment, growth, margin, margin_goal, strict=True):
        if pd.notna(a):
            light = "green" if a >= 1 else "amber" if a >= 1 - tolerance else "red"
            why = "target"
        elif pd.notna(g):
            light = "green" if g >= band else "red" if g <= -band else "amber"
            why = f"revenue vs the same quarter last year (±{band:.0%} band)"
        else:
            light, why = "grey", "no target, no year-ago figure"
        if profit and pd.notna(m):
            if m < 0:
                light, why = "red", f"{why}; negative gross margin {m:.1%}"
            elif pd.notna(goal) and m < goal:
                light = "amber" if light == "green" else light
                why = f"{why}; gross margin {m:.1%} below the {goal:.1%} goal"
        lights.append(light)
        basis.append(why)
    return lights, basis


def _margin_goals(ds: Dataset, quarter: str, channel_ids: pd.Series) -> tuple[pd.Series, bool]:
    """The gross-margin goal of each row's channel for the quarter's fiscal year (``NaN`` when
    ``goals.yaml`` has no section for that year) and whether the year is managed for revenue
    and profit."""
    year = ds.goals.years.get(ds.calendar.year_of_quarter(quarter))
    if year is None:
        return pd.Series(np.nan, index=channel_ids.index, dtype="float64"), False
    goals = [
        year.channel_margin_goal(str(c)) if pd.notna(c) else year.gross_margin_goal
        for c in channel_ids
    ]
    series = pd.Series(goals, index=channel_ids.index, dtype="float64")
    return series, year.managing_for == "revenue_and_profit"


# -- scorecard --------------------------------------------------------------------------------------------
def scorecard(
    ds: Dataset,
    quarter: str,
    *,
    level: str = "channel",
    tolerance: float = 0.05,
    growth_band: float = GROWTH_BAND,
    plans_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Scorecard of every channel (or partner) for ``quarter``, with a traffic light.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    level : {"channel", "partner"}
    tolerance : float
        Fraction short of target still amber: attainment ≥ 1 green, ≥ 1 − tolerance amber, else
        red.
    growth_band : float
        Materiality band of the growth light (fraction, default :data:`GROWTH_BAND`, 5%): a row
        without a target is green when its revenue grew by at least the band against the same
        quarter last year, red when it fell by at least the band, amber in between.
    plans_dir : str or Path, optional
        Plans folder whose ``targets.csv`` takes precedence (see
        :func:`channel_lib.data.cube.attainment`).

    Returns
    -------
    DataFrame
        One row per channel of ``channels.csv`` (``level="channel"``), or per partner with sales
        in the quarter, in the same quarter last year, or a target (``level="partner"``), reds
        first then by revenue:

        - ``quarter``, ``level``, ``channel_id``, ``partner_id`` (missing for channels), ``name``,
          ``tier`` (partners).
        - ``revenue``, ``gross_profit`` (float, currency), ``gross_margin``,
          ``gross_margin_goal`` (the goal the row is judged against: its channel's own
          ``gross_margin_goal`` in ``goals.yaml`` where given, else the corporate one; ``NaN``
          when the year has no goals).
        - ``revenue_target``, ``revenue_attainment``, ``gross_profit_target``,
          ``gross_profit_attainment`` (``NaN`` without a target).
        - ``revenue_vs_last_year`` (fraction; same quarter a year before).
        - leading indicators: ``active_partners`` (channels), ``deals_registered`` (deal
          registrations in the quarter), ``pipeline`` (reported pipeline value), ``certified_staff``
          and ``sales_headcount`` (reported).
        - ``share_of_wallet``: our revenue through the partner(s) ÷ their reported total sales in
          the quarter (``NaN`` without a report).
        - ``light`` (``green``/``amber``/``red``/``grey``) and ``light_basis`` (``target``,
          ``revenue vs the same quarter last year (±5% band)`` or why there is none, then the margin's verdict
          when it changed the light or holds it back).
        - ``revenue_exact``, ``gross_profit_exact`` (int64).

    Notes
    -----
    The light follows the rule of the module docstring (*The traffic light*).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> s = scorecard(load_dataset("tests/data/tiny"), "FY2026-Q3")
    >>> s[["channel_id", "revenue_attainment", "gross_margin", "gross_margin_goal", "light"]]
      channel_id  revenue_attainment  gross_margin  gross_margin_goal  light
    0        DIR               0.900      0.422222               0.36    red
    1       DIST               0.160     -0.055556               0.36    red
    2        WEB               1.125      0.244444               0.36  amber
    >>> s.loc[2, "light_basis"]  # above target, but FY2026 is managed for revenue and profit
    'target; gross margin 24.4% below the 36.0% goal'
    """
    if level not in ("channel", "partner"):
        raise ParameterError(f"level={level!r}: 'channel' or 'partner'")
    tolerance = _tolerance(tolerance)
    growth_band = _fraction("growth_band", growth_band)
    key = "channel_id" if level == "channel" else "partner_id"
    q = metrics.summarise(ds, by=key, period="quarter", periods=[quarter])
    q = q.dropna(subset=[key]).set_index(key)
    g = metrics.growth(ds, by=key, period="quarter")
    g = g[(g["period"] == quarter)].dropna(subset=[key]).set_index(key)["change_vs_year_ago"]
    year_ago = metrics.summarise(ds, by=key, period="quarter",
                                 periods=[ds.calendar.shift_quarter(quarter, -4)])  # fmt: skip
    att = _targets(ds, quarter, plans_dir)
    att = att[att["level"] == level]
    frame = _card_rows(ds, level, key, ids=set(q.index) | set(year_ago[key].dropna())
                       | set(att["partner_id"].dropna()))  # fmt: skip
    _add_figures(frame, key, q, att, g, money=ds.money)
    _leading(ds, quarter, frame, level)
    worst = frame[["revenue_attainment", "gross_profit_attainment"]].min(axis=1, skipna=True)
    frame["gross_margin_goal"], profit = _margin_goals(ds, quarter, frame["channel_id"])
    frame["light"], frame["light_basis"] = _light(
        worst, frame["revenue_vs_last_year"], frame["gross_margin"], frame["gross_margin_goal"],
        tolerance=tolerance, band=growth_band, profit=profit,
    )  # fmt: skip
    return _card_order(frame, quarter, level, key)


def _card_rows(ds: Dataset, level: str, key: str, *, ids: set) -> pd.DataFrame:
    """One row per channel of ``channels.csv``, or per partner of ``ids`` (``partners.csv``
    order): ``channel_id``, ``partner_id``, ``name``, ``tier``."""
    partners = partner_table(ds)
    if level == "channel":
        frame = ds.table("channels")[["channel_id", "channel_name"]].rename(
            columns={"channel_name": "name"}
        )
        frame["partner_id"] = pd.NA
        frame["tier"] = pd.NA
    else:
        frame = partners[partners["partner_id"].isin(ids)][
            ["partner_id", "partner_name", "channel_id", "tier"]
        ].rename(columns={"partner_name": "name"})
    return frame.reset_index(drop=True)


def _add_figures(
    frame: pd.DataFrame,
    key: str,
    q: pd.DataFrame,
    att: pd.DataFrame,
    growth: pd.Series,
    *,
    money: MoneyUnit,
) -> None:
    """Add the quarter's money (currency of ``money``, the exact units' unit), margin, targets,
    attainment and growth to ``frame`` (in place)."""
    ids = frame[key]
    frame["revenue_exact"] = ids.map(q["revenue_exact"]).fillna(0).astype("int64")
    frame["gross_profit_exact"] = ids.map(q["gross_profit_exact"]).fillna(0).astype("int64")
    frame["revenue"] = money.amount(frame["revenue_exact"].astype("float64"))
    frame["gross_profit"] = money.amount(frame["gross_profit_exact"].astype("float64"))
    revenue = frame["revenue_exact"].astype("float64")
    frame["gross_margin"] = frame["gross_profit_exact"] / revenue.where(revenue != 0)
    for metric in ("revenue", "gross_profit"):
        a = att[att["metric"] == metric].set_index(key)
        frame[f"{metric}_target"] = ids.map(money.amount(a["target_exact"].astype("float64")))
        frame[f"{metric}_attainment"] = ids.map(a["attainment"]).astype("float64")
    frame["revenue_vs_last_year"] = ids.map(growth).astype("float64")


def _card_order(frame: pd.DataFrame, quarter: str, level: str, key: str) -> pd.DataFrame:
    """The scorecard's columns in order, reds first then by revenue, text as strings."""
    frame["quarter"] = quarter
    frame["level"] = level
    frame["_o"] = frame["light"].map({c: i for i, c in enumerate(LIGHTS)})
    frame = frame.sort_values(["_o", "revenue_exact", key], ascending=[True, False, True])
    order = [
        "quarter", "level", "channel_id", "partner_id", "name", "tier", "revenue", "gross_profit",
        "gross_margin", "gross_margin_goal", "revenue_target", "revenue_attainment", "gross_profit_target",
        "gross_profit_attainment", "revenue_vs_last_year", "active_partners", "deals_registered",
        "pipeline", "certified_staff", "sales_headcount", "share_of_wallet", "light",
        "light_basis", "revenue_exact", "gross_profit_exact",
    ]  # fmt: skip
    for c in ("quarter", "level", "channel_id", "partner_id", "name", "tier", "light",
              "light_basis"):  # fmt: skip
        frame[c] = frame[c].astype("string")
    return frame[order].reset_index(drop=True)


def _leading(ds: Dataset, quarter: str, frame: pd.DataFrame, level: str) -> None:
    """Add the leading indicators and share of wallet to ``frame`` (in place)."""
    start, end = ds.calendar.quarter_bounds(quarter)
    partners = partner_table(ds).set_index("partner_id")
    pq = metrics.summarise(ds, by="partner_id", period="quarter", periods=[quarter])
    pq = pq.dropna(subset=["partner_id"]).set_index("partner_id")
    rev = pq["revenue_exact"]
    if ds.has("partner_reports") and ds.has("partners"):
        r = partner_reports(ds, quarter)
        r = r[r["quarter"] == quarter].set_index("partner_id")
    else:
        r = pd.DataFrame(columns=["total_sales_exact", "pipeline_exact", "certified_staff",
                                  "sales_headcount"])  # fmt: skip
    if ds.has("opportunities"):
        o = ds.table("opportunities")
        o = o[(o["registered_on"] >= start) & (o["registered_on"] < end)]
        deals = o.groupby("partner_id").size()
    else:
        deals = pd.Series(dtype="int64")
    per = pd.DataFrame(index=partners.index)
    per["channel_id"] = partners["channel_id"]
    per["deals"] = deals.reindex(per.index).fillna(0)
    per["pipeline"] = ds.money.amount(r["pipeline_exact"].astype("Float64").reindex(per.index))
    per["certified_staff"] = r["certified_staff"].astype("Float64").reindex(per.index)
    per["sales_headcount"] = r["sales_headcount"].astype("Float64").reindex(per.index)
    per["total"] = r["total_sales_exact"].astype("Float64").reindex(per.index)
    per["ours"] = rev.reindex(per.index).fillna(0).astype("float64")
    per["active"] = per["ours"] > 0
    reported = per[per["total"].notna() & (per["total"] > 0)]
    if level == "channel":
        by = per.groupby("channel_id")
        ids = frame["channel_id"]
        frame["active_partners"] = ids.map(by["active"].sum()).fillna(0).astype("int64")
        frame["deals_registered"] = ids.map(by["deals"].sum()).fillna(0).astype("int64")
        for c in ("pipeline", "certified_staff", "sales_headcount"):
            frame[c] = ids.map(by[c].sum(min_count=1)).astype("float64")
        sow = reported.groupby("channel_id")[["ours", "total"]].sum()
        frame["share_of_wallet"] = ids.map(sow["ours"] / sow["total"]).astype("float64")
    else:
        ids = frame["partner_id"]
        frame["active_partners"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        frame["deals_registered"] = ids.map(per["deals"]).fillna(0).astype("int64")
        for c in ("pipeline", "certified_staff", "sales_headcount"):
            frame[c] = ids.map(per[c]).astype("float64")
        sow = reported["ours"] / reported["total"].astype("float64")
        frame["share_of_wallet"] = ids.map(sow).astype("float64")


# -- exceptions ------------------------------------------------------------------------------------------
def _gaps(ds: Dataset, quarter: str, tolerance: float, plans_dir) -> pd.DataFrame:
    att = _targets(ds, quarter, plans_dir)
    att = att[att["attainment"] < 1 - tolerance].copy()
    att["key"] = list(zip(att["level"], att["channel_id"], att["partner_id"].fillna(""),
                          att["metric"], strict=True))  # fmt: skip
    return att


def exceptions(
    ds: Dataset,
    quarter: str,
    *,
    tolerance: float = 0.05,
    plans_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Gaps to target beyond ``tolerance``, ranked by money at stake, against the last quarter.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    tolerance : float
        A target is an exception when attainment < 1 − tolerance.
    plans_dir : str or Path, optional
        Plans folder whose targets take precedence.

    Returns
    -------
    DataFrame
        One row per channel or partner target that is an exception this quarter or was one last
        quarter, largest money at stake first:

        - ``quarter``, ``level``, ``channel_id``, ``partner_id``, ``name``, ``metric``.
        - ``target``, ``actual`` (float, currency), ``attainment`` (fraction; ``NaN`` when the
          target no longer exists).
        - ``money_at_stake`` (float) and ``money_at_stake_exact`` (int64): target − actual this
          quarter (0 when met).
        - ``previous_attainment``: the same target's attainment in the quarter before.
        - ``status``: ``new`` (an exception now, not last quarter), ``persisting`` (both) or
          ``closing`` (last quarter only: the gap has closed).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> e = exceptions(load_dataset("tests/data/tiny"), "FY2026-Q3")
    >>> e[["channel_id", "partner_id", "metric", "money_at_stake", "status"]]
      channel_id partner_id   metric  money_at_stake status
    0       DIST       <NA>  revenue          7560.0    new
    1       DIST         P1  revenue          6000.0    new
    2        DIR       <NA>  revenue          1500.0    new
    """
    tolerance = _tolerance(tolerance)
    now = _gaps(ds, quarter, tolerance, plans_dir)
    prev_q = ds.calendar.shift_quarter(quarter, -1)
    before = _gaps(ds, prev_q, tolerance, plans_dir)
    all_now = _targets(ds, quarter, plans_dir)
    all_now["key"] = list(zip(all_now["level"], all_now["channel_id"],
                              all_now["partner_id"].fillna(""), all_now["metric"], strict=True))  # fmt: skip
    closing = all_now[all_now["key"].isin(set(before["key"]) - set(now["key"]))]
    missing = set(before["key"]) - set(all_now["key"]) - set(now["key"])
    gone = before[before["key"].isin(missing)].copy()
    gone[["target_exact", "actual_exact", "attainment"]] = np.nan
    rows = pd.concat([now.assign(status="new"), closing.assign(status="closing"),
                      gone.assign(status="closing")], ignore_index=True)  # fmt: skip
    prev_att = dict(zip(before["key"], before["attainment"], strict=True))
    rows["previous_attainment"] = rows["key"].map(prev_att).astype("float64")
    rows.loc[(rows["status"] == "new") & rows["previous_attainment"].notna(), "status"] = (
        "persisting"
    )
    _add_money(ds, rows)
    rows["quarter"] = quarter
    rows = rows.sort_values(
        ["money_at_stake_exact", "level", "channel_id", "partner_id", "metric"],
        ascending=[False, True, True, True, True], na_position="first",
    )  # fmt: skip
    order = [
        "quarter", "level", "channel_id", "partner_id", "name", "metric", "target", "actual",
        "attainment", "money_at_stake", "previous_attainment", "status", "money_at_stake_exact",
    ]  # fmt: skip
    out = rows[order].reset_index(drop=True)
    for c in ("quarter", "level", "channel_id", "partner_id", "name", "metric", "status"):
        out[c] = out[c].astype("string")
    out["attainment"] = out["attainment"].astype("float64")
    return out


def _add_money(ds: Dataset, rows: pd.DataFrame) -> None:
    """Add the money at stake (target − actual, ≥ 0), the names and the currency amounts to the
    exception rows (in place)."""
    rows["money_at_stake_exact"] = (
        (rows["target_exact"].astype("float64") - rows["actual_exact"].astype("float64"))
        .clip(lower=0)
        .fillna(0)
        .astype("int64")
    )
    names = _names(ds)
    rows["name"] = [
        names.get(p if pd.notna(p) else c)
        for c, p in zip(rows["channel_id"], rows["partner_id"], strict=True)
    ]
    money = ds.money
    rows["target"] = money.amount(rows["target_exact"].astype("float64"))
    rows["actual"] = money.amount(rows["actual_exact"].astype("float64"))
    rows["money_at_stake"] = money.amount(rows["money_at_stake_exact"].astype("float64"))


def _names(ds: Dataset) -> dict[str, str]:
    names = dict(zip(ds.table("channels")["channel_id"], ds.table("channels")["channel_name"],
                     strict=True))  # fmt: skip
    p = partner_table(ds)
    names.update(zip(p["partner_id"], p["partner_name"], strict=True))
    return names


# -- partner reporting -------------------------------------------------------------------------------------
def report_expectations(ds: Dataset | None = None, quarter: str | None = None) -> pd.DataFrame:
    """What the workbook expects partners to report, how often, what each field feeds, and of
    which channels.

    Parameters
    ----------
    ds : Dataset, optional
        With ``quarter``: add which channels' partners are asked for each field (by the channel's
        role in the quarter's fiscal year or its ``channel_type``, ``goals.yaml``'s
        ``partner_reports.expected_fields`` over the package's defaults,
        :data:`~channel_lib.data.goals.DEFAULT_EXPECTED_FIELDS`).
    quarter : str, optional

    Returns
    -------
    DataFrame
        One row per field of ``partner_reports.csv``: ``field``, ``frequency`` (``quarterly``),
        ``feeds`` (comma list of the signals and views that need it) and, with ``ds``,
        ``asked_of`` (comma list of the channels with partners asked for it, ``none`` if none).

    Examples
    --------
    >>> report_expectations().iloc[0].tolist()
    ['partner_total_sales', 'quarterly', 'partner_total_sales_change, share of wallet']
    >>> from channel_lib import load_dataset
    >>> e = report_expectations(load_dataset("data/sample"), "FY2026-Q4").set_index("field")
    >>> e.loc["line_card_rank", "asked_of"]  # not ONL, the online marketplace
    'DIST, MSP, RES'
    """
    out = pd.DataFrame(
        {
            "field": list(REPORT_FIELDS),
            "frequency": "quarterly",
            "feeds": [", ".join(v) for v in REPORT_FIELDS.values()],
        }
    )
    if ds is not None and quarter is not None:
        asked = expected_fields(ds, quarter)
        with_partners = set(partner_table(ds)["channel_id"].dropna())
        out["asked_of"] = [
            ", ".join(sorted(c for c, f in asked.items() if field_ in f and c in with_partners))
            or "none"
            for field_ in out["field"]
        ]
    return out.astype("string")


def expected_fields(ds: Dataset, quarter: str) -> dict[str, tuple[str, ...]]:
    """The report fields asked of each channel's partners in ``quarter``.

    Parameters
    ----------
    ds : Dataset
    quarter : str

    Returns
    -------
    dict
        Channel id (every channel of ``channels.csv``) → fields of :data:`REPORT_FIELDS`:
        :meth:`~channel_lib.data.goals.Goals.expected_report_fields` of the channel's role in the
        quarter's fiscal year (none when ``goals.yaml`` has no section for it) and its
        ``channel_type``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> expected_fields(load_dataset("data/sample"), "FY2026-Q4")["ONL"]
    ('partner_total_sales', 'csat', 'first_response_hours')
    """
    year = ds.goals.years.get(ds.calendar.year_of_quarter(quarter))
    roles = year.channels if year is not None else {}
    channels = ds.table("channels")
    types = channels["channel_type"] if "channel_type" in channels else [None] * len(channels)
    out = {}
    for cid, ctype in zip(channels["channel_id"], types, strict=True):
        role = roles.get(str(cid))
        fields_ = ds.goals.expected_report_fields(
            role.role if role is not None else None, str(ctype) if pd.notna(ctype) else None
        )
        out[str(cid)] = tuple(f for f in REPORT_FIELDS if f in fields_)
    return out


def reporting_status(ds: Dataset, quarter: str) -> pd.DataFrame:
    """What partners are expected to report, who is late, incomplete or stopped, and what it blocks.

    Every partner active at the end of ``quarter`` (onboarded before it ends, not offboarded
    before it ends) is expected to send one report per quarter with the fields asked of its
    channel (:func:`expected_fields`: all of :data:`REPORT_FIELDS` by default, a marketplace only
    its total sales and service figures). A partner onboarded during ``quarter`` is not expected to
    have reported yet.

    Parameters
    ----------
    ds : Dataset
    quarter : str

    Returns
    -------
    DataFrame
        One row per active partner, problems first: ``partner_id``, ``partner_name``,
        ``channel_id``, ``onboarded_on``, ``last_report`` (quarter label, missing when never),
        ``quarters_reported`` (int, of the last eight), ``status`` (``stopped`` — no report for two
        quarters or more, ``never reported``, ``late`` — no report for ``quarter``,
        ``incomplete`` — empty fields, ``new`` — onboarded in the quarter, ``on time``),
        ``missing_fields`` (comma list of the expected fields empty in the ``quarter`` report),
        ``blocked_signals`` (signals and views that cannot be computed for the partner because of
        it), ``revenue_12m`` (float) and ``revenue_12m_exact`` (int64): our revenue through the
        partner over the trailing 12 months.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> s = reporting_status(load_dataset("tests/data/tiny"), "FY2026-Q2")
    >>> s[["partner_id", "status"]]
      partner_id          status
    0         P4  never reported
    1         P3      incomplete
    2         P1         on time
    3         P2         on time
    """
    cols = ["partner_id", "partner_name", "channel_id", "onboarded_on", "last_report",
            "quarters_reported", "status", "missing_fields", "blocked_signals", "revenue_12m",
            "revenue_12m_exact"]  # fmt: skip
    if not ds.has("partners"):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    cal = ds.calendar
    start, end = cal.quarter_bounds(quarter)
    p = ds.table("partners")
    active = p[
        (p["onboarded_on"].isna() | (p["onboarded_on"] < end))
        & (p["offboarded_on"].isna() | (p["offboarded_on"] >= end))
    ]
    if ds.has("partner_reports"):
        r = partner_reports(ds, quarter)
    else:
        r = pd.DataFrame(columns=["partner_id", "quarter", "quarter_start", "total_sales_exact"])
    eight = cal.quarter_bounds(cal.shift_quarter(quarter, -7))[0]
    by_partner = dict(tuple(r.groupby("partner_id", sort=False)))
    revenue = trailing_partner_revenue(ds, quarter)["current_exact"]
    asked = expected_fields(ds, quarter)
    rows = []
    for row in active.itertuples(index=False):
        g = by_partner.get(row.partner_id)
        has = g is not None and len(g) > 0
        last = g["quarter"].iloc[-1] if has else pd.NA
        new = pd.notna(row.onboarded_on) and row.onboarded_on >= start
        fields_ = asked.get(str(row.channel_id), tuple(REPORT_FIELDS))
        status, missing, blocked = _report_status(g if has else None, new, quarter, cal, fields_)
        rows.append({
            "partner_id": row.partner_id, "partner_name": row.partner_name,
            "channel_id": row.channel_id, "onboarded_on": row.onboarded_on, "last_report": last,
            "quarters_reported": int((g["quarter_start"] >= eight).sum()) if has else 0,
            "status": status, "missing_fields": ", ".join(missing) if missing else pd.NA,
            "blocked_signals": ", ".join(sorted(blocked)) if blocked else pd.NA,
            "revenue_12m_exact": int(revenue.get(row.partner_id, 0)),
        })  # fmt: skip
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "revenue_12m"])
    out["revenue_12m"] = ds.money.amount(out["revenue_12m_exact"].astype("float64"))
    order = {"stopped": 0, "never reported": 1, "late": 2, "incomplete": 3, "new": 4, "on time": 5}
    out["_o"] = out["status"].map(order)
    out = out.sort_values(["_o", "revenue_12m_exact", "partner_id"], ascending=[True, False, True])
    for c in ("partner_id", "partner_name", "channel_id", "last_report", "status",
              "missing_fields", "blocked_signals"):  # fmt: skip
        out[c] = out[c].astype("string")
    out["quarters_reported"] = out["quarters_reported"].astype("int64")
    out["revenue_12m_exact"] = out["revenue_12m_exact"].astype("int64")
    return out[cols].reset_index(drop=True)


#: Report fields whose column in :func:`~channel_lib.analysis.signals.partner_reports` is exact money.
_REPORT_COLUMNS = {"partner_total_sales": "total_sales_exact", "pipeline_value": "pipeline_exact"}


def _report_status(
    g: pd.DataFrame | None, new: bool, quarter: str, cal, fields_: tuple[str, ...]
) -> tuple[str, list[str], set[str]]:
    """``(status, missing fields, blocked signals)`` of one partner from its reports ``g`` (up
    to ``quarter``, oldest first; ``None`` when it never reported); ``new``: onboarded in it;
    ``fields_``: the fields asked of it (a field not asked is neither missing nor blocking)."""
    asked = {f: REPORT_FIELDS[f] for f in fields_}
    has = g is not None
    last = g["quarter"].iloc[-1] if has else pd.NA
    missing: list[str] = []
    blocked: set[str] = set()
    if new:
        status = "new"
    elif not has:
        status = "never reported"
        blocked = _blocked(asked)
    elif last != quarter:
        status = "late" if len(cal.quarter_range(last, quarter)) == 2 else "stopped"
        blocked = _blocked(asked)
    else:
        this = g.iloc[-1]
        missing = [f for f in asked if pd.isna(this[_REPORT_COLUMNS.get(f, f)])]
        status = "incomplete" if missing else "on time"
        blocked = _blocked({f: REPORT_FIELDS[f] for f in missing})
    if (
        has
        and status != "new"
        and "partner_total_sales" in asked
        and g["total_sales_exact"].notna().sum() < 8
    ):
        blocked.add("partner_total_sales_change")
    return status, missing, blocked


def _blocked(fields_: dict[str, tuple[str, ...]]) -> set[str]:
    return {s for uses in fields_.values() for s in uses if s != "leading indicators"}


#: Statuses of :func:`reporting_status` that count as a current report for the coverage KPI.
CURRENT_STATUSES: tuple[str, ...] = ("on time",)


def reporting_coverage(
    ds: Dataset, quarter: str, *, reporting: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Partner-reporting coverage: the share of partner revenue with a current report.

    A partner's report is *current* when its report for ``quarter`` is in with every field asked
    of its channel (status ``on time`` in :func:`reporting_status`); the revenue is our revenue
    through the partner over the trailing 12 months (the one exposure basis of the signals).
    The partners counted are those expected to report: active at the end of ``quarter`` and not
    onboarded during it.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    reporting : DataFrame, optional
        :func:`reporting_status` of the quarter when already computed (it is not recomputed).

    Returns
    -------
    DataFrame
        One row per channel with partners expected to report (by channel id), then ``ALL``:
        ``channel_id`` (``ALL`` for the company), ``channel_name``, ``partners`` (expected to
        report), ``partners_current``, ``partners_reported`` (a report for the quarter, complete
        or not), ``revenue_12m``, ``current_12m``, ``not_current_12m`` (float, currency),
        ``coverage`` (``current_12m`` ÷ ``revenue_12m``, 0–1; ``NaN`` without partner revenue),
        ``reported_share`` (the same with any report for the quarter), and the exact columns
        ``revenue_12m_exact``, ``current_12m_exact``, ``reported_12m_exact`` (int64).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> c = reporting_coverage(load_dataset("tests/data/tiny"), "FY2026-Q2")
    >>> c[["channel_id", "partners", "partners_current", "coverage"]]
      channel_id  partners  partners_current  coverage
    0       DIST         3                 2  1.000000
    1        WEB         1                 0  0.000000
    2        ALL         4                 2  0.694931
    """
    status = reporting_status(ds, quarter) if reporting is None else reporting
    cols = ["channel_id", "channel_name", "partners", "partners_current", "partners_reported",
            "revenue_12m", "current_12m", "not_current_12m", "coverage", "reported_share",
            "revenue_12m_exact", "current_12m_exact", "reported_12m_exact"]  # fmt: skip
    expected = status[status["status"] != "new"].copy()
    expected["current"] = expected["status"].isin(CURRENT_STATUSES)
    expected["reported"] = expected["status"].isin(("on time", "incomplete"))
    rev = expected["revenue_12m_exact"].astype("int64")
    expected["current_exact"] = rev.where(expected["current"], 0)
    expected["reported_exact"] = rev.where(expected["reported"], 0)
    agg = {"partners": ("partner_id", "size"), "partners_current": ("current", "sum"),
           "partners_reported": ("reported", "sum"), "revenue_12m_exact": ("revenue_12m_exact", "sum"),
           "current_12m_exact": ("current_exact", "sum"),
           "reported_12m_exact": ("reported_exact", "sum")}  # fmt: skip
    per = expected.groupby("channel_id", sort=True).agg(**agg).reset_index()
    total = pd.DataFrame([{"channel_id": "ALL", **{k: expected[c].sum() if f == "sum" else
                                                     len(expected) for k, (c, f) in agg.items()}}])  # fmt: skip
    out = pd.concat([per, total], ignore_index=True) if len(per) else per
    names = dict(zip(ds.table("channels")["channel_id"], ds.table("channels")["channel_name"],
                     strict=True))  # fmt: skip
    out["channel_name"] = [names.get(c, "All partner channels") for c in out["channel_id"]]
    for c in ("partners", "partners_current", "partners_reported", "revenue_12m_exact",
              "current_12m_exact", "reported_12m_exact"):  # fmt: skip
        out[c] = out[c].astype("int64")
    money = ds.money
    base = out["revenue_12m_exact"].astype("float64")
    out["revenue_12m"] = money.amount(base)
    out["current_12m"] = money.amount(out["current_12m_exact"].astype("float64"))
    out["not_current_12m"] = money.amount(
        (out["revenue_12m_exact"] - out["current_12m_exact"]).astype("float64")
    )
    out["coverage"] = (out["current_12m_exact"] / base.where(base > 0)).astype("float64")
    out["reported_share"] = (out["reported_12m_exact"] / base.where(base > 0)).astype("float64")
    for c in ("channel_id", "channel_name"):
        out[c] = out[c].astype("string")
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return out[cols].reset_index(drop=True)


# -- portfolio -------------------------------------------------------------------------------------------
def portfolio(
    ds: Dataset,
    quarter: str,
    *,
    promote_at: float = 80.0,
    demote_below: float = 45.0,
    plans_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Partner selection and de-selection: a score per partner and a suggested tier move.

    Four components, each 0–1 (``NaN`` when the data to judge it is missing), averaged into a
    0–100 ``score`` over the components that could be judged:

    - ``service``: the latest report of the last two quarters, CSAT (3 → 0, 5 → 1) and first
      response (0 h → 1, twice the maximum of ``goals.yaml`` → 0), averaged; less
      :data:`SERVICE_COMPLAINT_PENALTY` (down to 0) for each service complaint of the win/loss
      interviews (:mod:`channel_lib.plans.interviews`) on deals closed in the trailing 12 months;
    - ``growth``: our revenue through the partner, trailing 12 months vs the 12 before, mapped
      so that −``our_sales_change`` → 0, no change → 0.5, +``our_sales_change`` → 1;
    - ``alignment``: share of the partner's trailing-12-month revenue with the segments and the
      product lines its channel's role declares in ``goals.yaml`` (the quarter's fiscal year),
      averaged;
    - ``dependency``: share of wallet (our revenue ÷ the partner's reported total sales over the
      last four reports): 50 % or more → 1. A partner carrying ``dependency_share`` of its
      channel's revenue is a *key partner*: moving it down needs a transition plan.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    promote_at : float
        Score (0–100) at or above which a partner is suggested for the next tier (only with
        reported service of at least 0.5).
    demote_below : float
        Score below which a partner is suggested for the tier below (or a de-selection review at
        the lowest tier).
    plans_dir : str or Path, optional
        The plans folder whose ``interviews.csv`` holds the win/loss interviews: a partner with
        a service complaint is not promoted (reported service or not); its suggestion names them
        (``keep (service complaint in a win/loss interview: OPP-00467)``).

    Returns
    -------
    DataFrame
        One row per active partner with revenue in the trailing 12 months, best score first:
        ``partner_id``, ``partner_name``, ``channel_id``, ``tier``, ``revenue_12m`` (float),
        ``growth_12m`` (fraction), ``share_of_wallet``, ``channel_share`` (fractions),
        ``service``, ``growth``, ``alignment``, ``dependency`` (0–1), ``components`` (int judged),
        ``score`` (0–100), ``key_partner`` (bool), ``suggestion`` (``promote to …``, ``keep``,
        ``move down to …``, ``review for de-selection``, ``new: too early to judge``,
        ``not enough data``), ``service_complaints`` (int), ``revenue_12m_exact`` (int64).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> p = portfolio(load_dataset("tests/data/tiny"), "FY2026-Q3")
    >>> p[["partner_id", "components", "suggestion"]]
      partner_id  components suggestion
    0         P3           2       keep
    1         P2           3       keep
    2         P1           3       keep
    """
    th = resolve_thresholds(ds)
    start, end = ds.calendar.quarter_bounds(quarter)
    t = trailing_partner_revenue(ds, quarter)
    t = t[t["current_exact"] > 0]
    partners = partner_table(ds)
    p = partners[partners["partner_id"].isin(t.index)
                 & (partners["offboarded_on"].isna() | (partners["offboarded_on"] >= end))].copy()  # fmt: skip
    p = p[["partner_id", "partner_name", "channel_id", "tier", "onboarded_on"]].reset_index(
        drop=True
    )
    ids = p["partner_id"]
    p["revenue_12m_exact"] = ids.map(t["current_exact"]).astype("int64")
    p["growth_12m"] = ids.map(t["change"]).astype("float64")
    _add_reported_scores(ds, quarter, p, t, th)
    found = service_complaints(
        read_interviews(plans_dir), *ds.calendar.trailing_window(quarter, 12)
    )
    found = found.set_index("partner_id")
    p["service_complaints"] = ids.map(found["complaints"]).fillna(0).astype("int64")
    p["service"] = (p["service"] - SERVICE_COMPLAINT_PENALTY * p["service_complaints"]).clip(0)
    p["dependency"] = (p["share_of_wallet"] / 0.5).clip(0, 1)
    span = max(th.our_sales_change, 1e-9)
    p["growth"] = (0.5 + p["growth_12m"] / (2 * span)).clip(0, 1)
    p["alignment"] = ids.map(_alignment(ds, quarter)).astype("float64")
    channel_rev = t.assign(channel_id=t.index.map(partners.set_index("partner_id")["channel_id"]))
    channel_total = channel_rev.groupby("channel_id")["current_exact"].sum()
    p["channel_share"] = (
        p["revenue_12m_exact"] / p["channel_id"].map(channel_total).astype("float64")
    ).astype("float64")
    p["key_partner"] = p["channel_share"] >= th.dependency_share
    comps = p[["service", "growth", "alignment", "dependency"]]
    p["components"] = comps.notna().sum(axis=1).astype("int64")
    p["score"] = (comps.mean(axis=1, skipna=True) * 100).astype("float64")
    p["suggestion"] = _suggestions(p, start, promote_at, demote_below, found["opportunities"])
    return _portfolio_order(p, money=ds.money)


def _suggestions(
    p: pd.DataFrame, start: pd.Timestamp, up: float, down: float, complaints: pd.Series
) -> list[str]:
    """The suggested tier move of each portfolio row (:func:`_move`); onboarded since ``start``:
    new; with a service complaint (``complaints``: partner id → its opportunities) no promotion,
    and the suggestion names them."""
    moves = [
        _move(tier, score, n, key, pd.notna(on) and on >= start, service, up, down)
        for tier, score, n, key, on, service in zip(p["tier"], p["score"], p["components"],
                                                    p["key_partner"], p["onboarded_on"],
                                                    p["service"], strict=True)
    ]  # fmt: skip
    return [
        ("keep" if m.startswith("promote") else m)
        + f" (service complaint in a win/loss interview: {complaints[i]})" if i in complaints.index
        else m for m, i in zip(moves, p["partner_id"], strict=True)
    ]  # fmt: skip


def _add_reported_scores(
    ds: Dataset, quarter: str, p: pd.DataFrame, t: pd.DataFrame, th: SignalThresholds
) -> None:
    """Add ``service`` (latest report of the last two quarters) and ``share_of_wallet`` (last
    four reports) to the portfolio frame ``p`` (in place; ``NaN`` without partner reports)."""
    cal = ds.calendar
    ids = p["partner_id"]
    if not ds.has("partner_reports"):
        p["service"] = np.nan
        p["share_of_wallet"] = np.nan
        return
    r = partner_reports(ds, quarter)
    recent = r[r["quarter_start"] >= cal.quarter_bounds(cal.shift_quarter(quarter, -1))[0]]
    recent = recent.dropna(subset=["csat", "first_response_hours"]).groupby("partner_id").tail(1)
    recent = recent.set_index("partner_id")
    csat = ((recent["csat"] - 3.0) / 2.0).clip(0, 1)
    resp = (1 - recent["first_response_hours"] / (2 * th.first_response_hours_max)).clip(0, 1)
    p["service"] = ids.map((csat + resp) / 2).astype("float64")
    window = r[r["quarter_start"] >= cal.quarter_bounds(cal.shift_quarter(quarter, -3))[0]]
    window = window.dropna(subset=["total_sales_exact"])
    totals = window.groupby("partner_id")["total_sales_exact"].agg(["sum", "size"])
    totals = totals[(totals["size"] == 4) & (totals["sum"] > 0)]
    p["share_of_wallet"] = (
        ids.map(t["current_exact"].astype("float64") / totals["sum"].astype("float64"))
    ).astype("float64")


def _portfolio_order(p: pd.DataFrame, *, money: MoneyUnit) -> pd.DataFrame:
    """The portfolio's columns in order, best score first, text as strings; ``revenue_12m`` in
    the currency of ``money``."""
    p["revenue_12m"] = money.amount(p["revenue_12m_exact"].astype("float64"))
    p = p.sort_values(["score", "revenue_12m_exact", "partner_id"], ascending=[False, False, True],
                      na_position="last")  # fmt: skip
    order = [
        "partner_id", "partner_name", "channel_id", "tier", "revenue_12m", "growth_12m",
        "share_of_wallet", "channel_share", "service", "growth", "alignment", "dependency",
        "components", "score", "key_partner", "suggestion", "service_complaints",
        "revenue_12m_exact",
    ]  # fmt: skip
    out = p[order].reset_index(drop=True)
    for c in ("partner_id", "partner_name", "channel_id", "tier", "suggestion"):
        out[c] = out[c].astype("string")
    return out


def _move(
    tier, score: float, n: int, key: bool, new: bool, service: float, up: float, down: float
) -> str:
    if new:
        return "new: too early to judge"
    if n < 2 or pd.isna(score):
        return "not enough data"
    t = str(tier).lower() if pd.notna(tier) else ""
    if t not in TIER_ORDER:
        return "keep" if score >= down else "review for de-selection"
    i = TIER_ORDER.index(t)
    # platinum is not handed out by a score; a promotion needs reported, good service
    if score >= up and i < len(TIER_ORDER) - 2 and pd.notna(service) and service >= 0.5:
        return f"promote to {TIER_ORDER[i + 1]}"
    if score < down:
        move = f"move down to {TIER_ORDER[i - 1]}" if i > 0 else "review for de-selection"
        return move + (" (key partner: plan the transition)" if key else "")
    return "keep"


def _alignment(ds: Dataset, quarter: str) -> pd.Series:
    """Share of each partner's trailing-12-month revenue in its channel's declared segments and
    product lines (mean of the two), by the role of the quarter's fiscal year."""
    year = ds.calendar.year_of_quarter(quarter)
    if year not in ds.goals.years:
        return pd.Series(dtype="float64")
    roles = ds.goals.years[year].channels
    start, end = ds.calendar.trailing_window(quarter, 12)
    mix = ds.sql(
        "SELECT s.partner_id, s.channel_id, c.segment, p.product_line, "
        f"{exact_sql('sum(s.revenue)', ds.money)} AS revenue_exact FROM sales s "
        "JOIN customers c ON s.customer_id = c.customer_id "
        "JOIN products p ON s.product_id = p.product_id "
        "WHERE s.partner_id IS NOT NULL AND s.order_date >= ? AND s.order_date < ? GROUP BY ALL",
        [start.date(), end.date()],
    )
    if mix.empty:
        return pd.Series(dtype="float64")
    role = mix["channel_id"].map(roles)
    mix["seg_ok"] = [r is not None and pd.notna(r) and s in r.segments
                     for r, s in zip(role, mix["segment"], strict=True)]  # fmt: skip
    mix["line_ok"] = [r is not None and pd.notna(r) and pl in r.product_lines
                      for r, pl in zip(role, mix["product_line"], strict=True)]  # fmt: skip
    mix["known"] = role.notna()
    mix = mix[mix["known"]]
    if mix.empty:
        return pd.Series(dtype="float64")
    by = "partner_id"
    total = mix.groupby(by)["revenue_exact"].sum().astype("float64")
    seg = mix[mix["seg_ok"]].groupby(by)["revenue_exact"].sum().reindex(total.index, fill_value=0)
    line = mix[mix["line_ok"]].groupby(by)["revenue_exact"].sum().reindex(total.index, fill_value=0)
    score = ((seg / total.where(total > 0)) + (line / total.where(total > 0))) / 2
    return score.clip(0, 1)
