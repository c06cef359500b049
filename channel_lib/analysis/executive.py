"""The executive summary of a reporting quarter: the year against its targets and objective, and
the quarter's headline findings across the reports (the batch index shows them).

- :func:`year_scorecard` — the fiscal year to date against its year-to-date targets and the same
  quarters a year before, the full-year outlook (year to date + the forecast of the quarters left,
  :func:`~channel_lib.analysis.trends.forecast_set`) against the year's objective, and the quarter
  against its target: revenue, gross profit, gross margin.
- :func:`headline_findings` — the five findings of the quarter, ranked by :data:`RANKING_RULE`.
- :func:`executive_summary` — both, with a sentence for whatever could not be computed.

Targets are the ones attainment measures against
(:func:`~channel_lib.data.cube.target_attainment.attainment`: the plans folder's approved plan,
else the dataset's ``targets.csv``). Actuals are exact sums (``*_exact``: integer units of
``ds.money``); a forecast is a float amount and is rounded into exact units once.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from channel_lib.analysis import investment
from channel_lib.analysis.partner_review import open_action_partners
from channel_lib.analysis.signals.triage import short_list, triaged_warnings
from channel_lib.analysis.trends.forecast_set import forecast_set
from channel_lib.analysis.trends.plan_gap import forecast_vs_plan
from channel_lib.core.errors import ChannelLibError
from channel_lib.data.cube.sums import cube_sums
from channel_lib.data.cube.target_attainment import attainment
from channel_lib.data.workbook import Workbook

__all__ = [
    "FINDING_COLUMNS",
    "FINDING_ROWS",
    "INVESTMENT_SEVERITY",
    "PLAN_GAP_BANDS",
    "RANKING_RULE",
    "REASON_COLUMNS",
    "SCORECARD_COLUMNS",
    "ExecutiveSummary",
    "executive_summary",
    "finding_priority",
    "headline_findings",
    "partner_reasons",
    "year_scorecard",
]

#: Findings the summary keeps.
FINDING_ROWS: int = 5
#: Severity (1-4, as the signal triage's scale) of a measured investment decision.
INVESTMENT_SEVERITY: int = 2
#: |forecast − plan| / plan of the year's remaining quarters → severity (at ≥ the bound);
#: smaller gaps are not a finding.
PLAN_GAP_BANDS: tuple[tuple[float, int], ...] = ((0.05, 2), (0.10, 3), (0.20, 4))
#: The one ranking rule of the findings, in words (the index and its test both follow it).
RANKING_RULE: str = (
    "Every candidate has a severity (1 low … 4 critical) and an exposure in money per year; it "
    "ranks by severity × exposure, largest first, ties by source then entity id. Signals: the "
    "material events of the signal triage's short list (its severity; exposure the revenue "
    "through the entity over the trailing 12 months). The investment decision: the measured "
    "channels whose spend should change and whose 95% interval of the change in profit net of "
    f"spend excludes zero, as one finding of severity {INVESTMENT_SEVERITY}, exposure the sum of "
    "those changes per year. The forecast against the plan: the company's revenue forecast for "
    "the year's remaining quarters against their plan, a finding when the gap is 5% of the plan "
    "or more (severity 2; 3 from 10%, 4 from 20%), exposure the gap. The first five are shown."
)

#: Columns of :attr:`ExecutiveSummary.scorecard`.
SCORECARD_COLUMNS: list[str] = [
    "comparison", "measure", "period", "value", "reference", "ratio", "gap", "value_exact",
    "reference_exact", "reference_source",
]  # fmt: skip
#: Columns of :func:`headline_findings`.
FINDING_COLUMNS: list[str] = [
    "rank", "source", "signal", "kind", "direction", "entity_type", "entity_id", "entity_name",
    "severity", "exposure", "exposure_exact", "priority_exact", "value", "evidence", "report",
]  # fmt: skip

_MONEY = ("revenue", "gross_profit")


@dataclass(frozen=True)
class ExecutiveSummary:
    """What the index states about a quarter (:func:`executive_summary`).

    Attributes
    ----------
    year, quarter : str
        ``FY2026``, ``FY2026-Q4``.
    year_quarters : list of str
        The year's quarters up to ``quarter`` (year to date).
    remaining : list of str
        The year's quarters after ``quarter`` (forecast; empty once the year closed).
    currency : str
    scorecard : DataFrame
        :data:`SCORECARD_COLUMNS` (:func:`year_scorecard`).
    findings : DataFrame
        :data:`FINDING_COLUMNS` (:func:`headline_findings`).
    triaged : DataFrame
        Every triaged signal of the quarter (partner reasons read it).
    notes : tuple of str
        One sentence per figure that could not be computed, saying why.
    signal_counts : dict
        ``risk``/``opportunity`` → material events of the signal short list.
    managing_for : str
        ``goals.yaml``'s ``managing_for`` of the year (``revenue``, ``revenue_and_profit``; ``""``
        when the year has no section).
    """

    year: str
    quarter: str
    year_quarters: list[str]
    remaining: list[str]
    currency: str
    scorecard: pd.DataFrame
    findings: pd.DataFrame
    triaged: pd.DataFrame
    notes: tuple[str, ...] = ()
    signal_counts: dict[str, int] | None = None
    managing_for: str = ""

    @property
    def closed(self) -> bool:
        """Whether ``quarter`` is the last of its fiscal year."""
        return not self.remaining

    def row(self, comparison: str, measure: str) -> pd.Series | None:
        """The scorecard row of ``comparison`` and ``measure``, or ``None`` when not computed."""
        s = self.scorecard
        hit = s[(s["comparison"] == comparison) & (s["measure"] == measure)]
        return None if hit.empty else hit.iloc[0]


def finding_priority(severity: int, exposure_exact: int) -> int:
    """The ranking key of a finding (:data:`RANKING_RULE`): severity × exposure, exact units.

    Examples
    --------
    >>> finding_priority(3, 1_000_000)
    3000000
    """
    return int(severity) * abs(int(exposure_exact))


# -- the year ---------------------------------------------------------------------------------------
def _actual_exact(wb: Workbook, quarters: list[str]) -> dict[str, int]:
    """Revenue and gross profit (exact) summed over ``quarters``."""
    s = cube_sums(wb.dataset, by=[], period="quarter", periods=quarters)
    revenue = int(s["revenue_exact"].sum())
    return {"revenue": revenue, "gross_profit": revenue - int(s["cost_of_sales_exact"].sum())}


def _target_exact(wb: Workbook, quarters: list[str]) -> tuple[dict[str, int], str]:
    """Channel-level targets summed over ``quarters`` and where they come from.

    Raises MissingDataError (naming the quarter) when a quarter has no targets.
    """
    total = dict.fromkeys(_MONEY, 0)
    sources = []
    for q in quarters:
        a = attainment(wb.dataset, q, plans_dir=wb.plans_dir)
        a = a[a["level"] == "channel"]
        for m in _MONEY:
            total[m] += int(a.loc[a["metric"] == m, "target_exact"].sum())
        sources.append("approved plan" if a.attrs.get("source") == "plans" else "official targets")
    return total, " and ".join(dict.fromkeys(sources))


def _rows(comparison, period, value, reference, source, money) -> list[dict]:
    """Revenue, gross profit and gross margin rows of one comparison."""
    out = []
    for m in _MONEY:
        v, r = value[m], reference[m]
        out.append({"comparison": comparison, "measure": m, "period": period,
                    "value": money.amount(v), "reference": money.amount(r),
                    "ratio": v / r if r else np.nan, "gap": money.amount(v - r),
                    "value_exact": v, "reference_exact": r, "reference_source": source})  # fmt: skip
    margin = value["gross_profit"] / value["revenue"] if value["revenue"] else np.nan
    ref = reference["gross_profit"] / reference["revenue"] if reference["revenue"] else np.nan
    out.append({"comparison": comparison, "measure": "gross_margin", "period": period,
                "value": margin, "reference": ref, "ratio": np.nan, "gap": margin - ref,
                "value_exact": pd.NA, "reference_exact": pd.NA, "reference_source": source})  # fmt: skip
    return out


def _year_quarters(wb: Workbook) -> tuple[list[str], list[str]]:
    """The year's quarters up to the reporting quarter, and those after it."""
    cal = wb.dataset.calendar
    ytd = cal.quarter_range(f"{wb.year}-Q1", wb.quarter)
    later = [cal.shift_quarter(wb.quarter, k) for k in range(1, 4)]
    return ytd, [q for q in later if cal.year_of_quarter(q) == wb.year]


def _span(quarters: list[str]) -> str:
    return quarters[0] if len(quarters) == 1 else f"{quarters[0]}–{quarters[-1]}"


def _outlook(wb: Workbook, remaining: list[str]) -> tuple[dict[str, int], pd.DataFrame | None]:
    """The forecast of the ``remaining`` quarters (exact) and the forecast frame behind it."""
    if not remaining:
        return dict.fromkeys(_MONEY, 0), None
    fs = forecast_set(wb.dataset, wb.quarter, horizon_quarters=max(2, len(remaining)))
    f = fs.forecasts
    f = f[(f["level"] == "total") & (f["kind"] == "forecast") & f["quarter"].isin(remaining)]
    return {m: wb.dataset.money.to_exact(float(f.loc[f["measure"] == m, "value"].sum()))
            for m in _MONEY}, fs.forecasts  # fmt: skip


def year_scorecard(wb: Workbook) -> tuple[pd.DataFrame, list[str], pd.DataFrame | None]:
    """The year to date, the full-year outlook and the quarter against their references.

    Parameters
    ----------
    wb : Workbook
        The dataset, reporting quarter and plans folder.

    Returns
    -------
    scorecard : DataFrame
        :data:`SCORECARD_COLUMNS`, three rows (``revenue``, ``gross_profit``, ``gross_margin``)
        per ``comparison`` that could be computed: ``year_to_date_vs_target``,
        ``year_to_date_vs_last_year`` (the same quarters a year before), ``outlook_vs_objective``
        (year to date + forecast against ``goals.yaml``'s revenue objective and objective × gross
        margin goal) and ``quarter_vs_target``. ``value``/``reference``/``gap`` are currency
        (float) for money and fractions for the margin; ``ratio`` = value / reference (money only);
        ``value_exact``/``reference_exact`` exact units of ``ds.money`` (money only).
    notes : list of str
        One sentence per comparison left out, saying why.
    forecasts : DataFrame or None
        The forecast frame of the remaining quarters (``None`` once the year closed).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> card, notes, _ = year_scorecard(open_workbook("tests/data/tiny", "FY2026-Q4"))
    >>> sorted(set(card["comparison"]))[:2]
    ['outlook_vs_objective', 'quarter_vs_target']
    """
    ds, cal, money = wb.dataset, wb.dataset.calendar, wb.dataset.money
    year = wb.year
    ytd, remaining = _year_quarters(wb)
    actual = _actual_exact(wb, ytd)
    rows: list[dict] = []
    notes: list[str] = []
    for comparison, quarters in (("year_to_date_vs_target", ytd),
                                 ("quarter_vs_target", [wb.quarter])):  # fmt: skip
        try:
            target, source = _target_exact(wb, quarters)
        except ChannelLibError:
            notes.append(f"No targets to compare {_span(quarters)} with: neither an approved "
                         "plan in the plans folder nor the dataset's targets.csv has them.")  # fmt: skip
            continue
        now = actual if quarters == ytd else _actual_exact(wb, quarters)
        rows += _rows(comparison, _span(quarters), now, target, source, money)
    last = [cal.shift_quarter(q, -4) for q in ytd]
    before = _actual_exact(wb, last)
    if before["revenue"]:
        rows += _rows("year_to_date_vs_last_year", _span(last), actual, before, "actuals", money)
    else:
        notes.append(f"No comparison with the year before: no sales in {_span(last)}.")
    goals = ds.goals.years.get(year)
    forecasts = None
    if goals is None:
        notes.append(f"No outlook against the objective: goals.yaml has no section {year}.")
    else:
        try:
            fc, forecasts = _outlook(wb, remaining)
        except (ChannelLibError, ValueError, np.linalg.LinAlgError) as exc:
            notes.append(f"No full-year outlook: the forecast failed ({exc}).")
        else:
            outlook = {m: actual[m] + fc[m] for m in _MONEY}
            objective = money.to_exact(goals.revenue_objective)
            gp = money.to_exact(goals.revenue_objective * goals.gross_margin_goal)
            source = "goals.yaml" + (f" (forecast {_span(remaining)})" if remaining else "")
            rows += _rows("outlook_vs_objective", year, outlook,
                          {"revenue": objective, "gross_profit": gp}, source, money)  # fmt: skip
    card = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for c in ("value_exact", "reference_exact"):
        card[c] = card[c].astype("Int64")
    return card, notes, forecasts


# -- the findings -----------------------------------------------------------------------------------
def _signal_candidates(wb: Workbook, triaged: pd.DataFrame) -> pd.DataFrame:
    ds = wb.dataset
    rows = short_list(triaged, min_revenue_at_stake=ds.goals.signals.min_revenue_at_stake,
                      money=ds.money, max_rows=max(FINDING_ROWS, 1)).rows  # fmt: skip
    return pd.DataFrame({
        "source": "signal", "signal": rows["signal"], "kind": rows["kind"],
        "direction": rows["direction"], "entity_type": rows["entity_type"],
        "entity_id": rows["entity_id"], "entity_name": rows["entity_name"],
        "severity": rows["severity"], "exposure_exact": rows["revenue_at_stake_exact"],
        "value": rows["value"], "evidence": rows["evidence"],
        "report": "05_performance_signals",
    })  # fmt: skip


def _investment_candidate(wb: Workbook) -> list[dict]:
    """The investment decision as one finding (``[]`` when no measured change stands out)."""
    if not wb.dataset.has("channel_costs"):
        return []
    metric, _ = investment.objective_metric(wb, "goals")
    spend = investment.lever_spend(wb, exclude=investment.revenue_driven_costs(wb))
    current = investment.monthly_spend_in_quarter(spend, wb.quarter)
    fits, _ = investment.fit_channels(spend, metric=metric)
    if not fits:
        return []
    budget = float(sum(current.values()))
    rules = investment.allocation_budget(
        budget, current, {c: f.identified for c, f in fits.items()}
    )
    d = investment.spend_decision(fits, rules.current, metric=metric)
    d = d[d["action"].isin(["cut", "raise"]) & ((d["net_low"] > 0) | (d["net_high"] < 0))]
    if d.empty:
        return []
    net = float(d["net_change_year"].sum())
    moves = [f"{a} {c}" for c, a in zip(d["channel_id"], d["action"], strict=True)]
    return [{
        "source": "investment", "signal": "investment_decision",
        "kind": "opportunity" if net > 0 else "risk", "direction": ", ".join(moves),
        "entity_type": "channel", "entity_id": "+".join(d["channel_id"]),
        "entity_name": "+".join(d["channel_id"]), "severity": INVESTMENT_SEVERITY,
        "exposure_exact": wb.dataset.money.to_exact(abs(net)), "value": net,
        "evidence": f"{metric.replace('_', ' ')} net of spend, per year",
        "report": "03_investment_allocation",
    }]  # fmt: skip


def _plan_gap_candidate(wb: Workbook, forecasts: pd.DataFrame | None, remaining) -> list[dict]:
    """The company's revenue forecast of the year's remaining quarters against their plan."""
    if forecasts is None or not remaining:
        return []
    gap = forecast_vs_plan(wb, forecasts)
    gap = gap[(gap["level"] == "total") & (gap["measure"] == "revenue")
              & gap["quarter"].isin(remaining)]  # fmt: skip
    if gap.empty or float(gap["plan"].sum()) == 0:
        return []
    total, plan = float(gap["gap"].sum()), float(gap["plan"].sum())
    share = total / plan
    severity = max((s for bound, s in PLAN_GAP_BANDS if abs(share) >= bound), default=0)
    if not severity:
        return []
    return [{
        "source": "plan_gap", "signal": "forecast_vs_plan",
        "kind": "risk" if total < 0 else "opportunity", "direction": "below" if total < 0 else "above",
        "entity_type": "company", "entity_id": "ALL", "entity_name": "the company",
        "severity": severity, "exposure_exact": wb.dataset.money.to_exact(abs(total)),
        "value": share, "evidence": f"revenue forecast {_span(list(gap['quarter'].unique()))} "
                                    f"against the {gap['plan_source'].iloc[0]}",
        "report": "04_revenue_profit_trends",
    }]  # fmt: skip


def headline_findings(
    wb: Workbook,
    triaged: pd.DataFrame,
    *,
    forecasts: pd.DataFrame | None = None,
    remaining: list[str] | None = None,
    rows: int = FINDING_ROWS,
) -> tuple[pd.DataFrame, list[str]]:
    """The quarter's headline findings across the reports, ranked by :data:`RANKING_RULE`.

    Parameters
    ----------
    wb : Workbook
    triaged : DataFrame
        :func:`~channel_lib.analysis.signals.triage.triaged_warnings` of the quarter.
    forecasts : DataFrame, optional
        The forecast frame of :func:`year_scorecard` (for the forecast against the plan).
    remaining : list of str, optional
        The year's quarters after the reporting quarter.
    rows : int
        Findings kept (default :data:`FINDING_ROWS`).

    Returns
    -------
    findings : DataFrame
        :data:`FINDING_COLUMNS`, ``rank`` 1 first; ``exposure`` currency, ``exposure_exact`` and
        ``priority_exact`` exact units; ``report`` the notebook whose report shows it.
    notes : list of str
        A sentence per candidate source that could not be computed.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q4")
    >>> f, _ = headline_findings(wb, triaged_warnings(wb.dataset, wb.quarter))
    >>> f["priority_exact"].is_monotonic_decreasing, len(f) <= FINDING_ROWS
    (True, True)
    """
    parts = [_signal_candidates(wb, triaged)] if len(triaged) else []
    notes = []
    try:
        parts.append(pd.DataFrame(_investment_candidate(wb)))
    except (ChannelLibError, ValueError, np.linalg.LinAlgError) as exc:
        notes.append(f"The investment decision is not ranked: {exc}")
    try:
        parts.append(pd.DataFrame(_plan_gap_candidate(wb, forecasts, remaining or [])))
    except (ChannelLibError, ValueError, KeyError) as exc:
        notes.append(f"The forecast against the plan is not ranked: {exc}")
    kept = [p for p in parts if not p.empty]
    found = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=FINDING_COLUMNS)
    found = found.reindex(columns=[c for c in FINDING_COLUMNS if c not in
                                   ("rank", "exposure", "priority_exact")])  # fmt: skip
    found["exposure_exact"] = found["exposure_exact"].astype("int64")
    found["severity"] = found["severity"].astype("int64")
    found["priority_exact"] = [finding_priority(s, e) for s, e in
                               zip(found["severity"], found["exposure_exact"], strict=True)]  # fmt: skip
    found = found.sort_values(["priority_exact", "source", "entity_id"],
                              ascending=[False, True, True], kind="stable").head(rows)  # fmt: skip
    found = found.reset_index(drop=True)
    found["rank"] = np.arange(1, len(found) + 1)
    found["exposure"] = wb.dataset.money.amount(found["exposure_exact"].astype("float64"))
    found["priority_exact"] = found["priority_exact"].astype("int64")
    return found[FINDING_COLUMNS], notes


def executive_summary(wb: Workbook) -> ExecutiveSummary:
    """The year's scorecard and the quarter's five findings (:func:`year_scorecard`,
    :func:`headline_findings`), for the batch index.

    Parameters
    ----------
    wb : Workbook

    Returns
    -------
    ExecutiveSummary

    Raises
    ------
    ChannelLibError
        When the quarter's sales or signals cannot be read at all (a figure that only one
        comparison needs is left out with a note instead).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> s = executive_summary(open_workbook("tests/data/tiny", "FY2026-Q4"))
    >>> s.year, s.closed
    ('FY2026', True)
    """
    card, notes, forecasts = year_scorecard(wb)
    ytd, remaining = _year_quarters(wb)
    try:
        triaged = triaged_warnings(wb.dataset, wb.quarter)
    except (ChannelLibError, duckdb.Error) as exc:
        notes.append(f"No signal findings: {exc}")
        triaged = pd.DataFrame(columns=["item", "kind", "revenue_at_stake_exact", "partner_id"])
    findings, more = headline_findings(wb, triaged, forecasts=forecasts, remaining=remaining)
    counts = dict.fromkeys(("risk", "opportunity"), 0)
    if len(triaged):
        th = wb.dataset.goals.signals
        rows = short_list(triaged, min_revenue_at_stake=th.min_revenue_at_stake,
                          money=wb.dataset.money, max_rows=max(len(triaged), 1)).rows  # fmt: skip
        counts.update(rows["kind"].value_counts().to_dict())
    return ExecutiveSummary(
        year=wb.year, quarter=wb.quarter, year_quarters=ytd, remaining=remaining,
        currency=wb.dataset.goals.currency, scorecard=card, findings=findings, triaged=triaged,
        notes=tuple(notes + more), signal_counts=counts,
        managing_for=getattr(wb.dataset.goals.years.get(wb.year), "managing_for", ""),
    )  # fmt: skip


#: Columns of :func:`partner_reasons`.
REASON_COLUMNS: list[str] = [
    "partner_id", "reason", "signal", "kind", "severity", "priority_exact", "revenue_exact",
    "revenue_rank",
]  # fmt: skip


def partner_reasons(wb: Workbook, triaged: pd.DataFrame, partners: list[str]) -> pd.DataFrame:
    """Why each selected partner has a pack, ranked: its signals first (by severity × exposure,
    :data:`RANKING_RULE`), then an action still open from the quarter before, then its revenue.

    Parameters
    ----------
    wb : Workbook
    triaged : DataFrame
        The quarter's triaged signals (:attr:`ExecutiveSummary.triaged`).
    partners : list of str
        The batch's partner selection (``--partners``, e.g. ``flagged+top:10``).

    Returns
    -------
    DataFrame
        :data:`REASON_COLUMNS`, one row per partner, in rank order: ``reason`` (``signal``,
        ``open_action`` or ``revenue``), its strongest ``signal``/``kind``/``severity`` and
        ``priority_exact`` (0 without a signal), ``revenue_exact`` (the quarter's, exact units) and
        ``revenue_rank`` (1 = most revenue in the quarter among all partners).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q4")
    >>> r = partner_reasons(wb, triaged_warnings(wb.dataset, wb.quarter), ["P1", "P2", "P3"])
    >>> r["reason"].tolist()[0]
    'signal'
    """
    rev = cube_sums(wb.dataset, by=["partner_id"], period="quarter", periods=[wb.quarter])
    rev = rev[rev["partner_id"].notna()].sort_values(["revenue_exact", "partner_id"],
                                                     ascending=[False, True])  # fmt: skip
    revenue = dict(zip(rev["partner_id"], rev["revenue_exact"], strict=True))
    ranks = {p: i + 1 for i, p in enumerate(rev["partner_id"])}
    mine = triaged[triaged["partner_id"].isin(partners) & (triaged["item"] == "event")] if len(
        triaged) else triaged  # fmt: skip
    strongest = {}
    for r in mine.itertuples(index=False):
        if (
            r.partner_id not in strongest
            or r.priority_exact > strongest[r.partner_id].priority_exact
        ):
            strongest[r.partner_id] = r
    prev = wb.dataset.calendar.shift_quarter(wb.quarter, -1)
    try:
        open_actions = set(open_action_partners(wb.plans_dir, prev))
    except ChannelLibError:
        open_actions = set()
    rows = []
    for p in partners:
        sig = strongest.get(p)
        reason = "signal" if sig is not None else "open_action" if p in open_actions else "revenue"
        rows.append({
            "partner_id": p, "reason": reason, "signal": sig.signal if sig else "",
            "kind": sig.kind if sig else "", "severity": int(sig.severity) if sig else 0,
            "priority_exact": int(sig.priority_exact) if sig else 0,
            "revenue_exact": int(revenue.get(p, 0)), "revenue_rank": ranks.get(p, len(ranks) + 1),
        })  # fmt: skip
    order = {"signal": 0, "open_action": 1, "revenue": 2}
    out = pd.DataFrame(rows, columns=REASON_COLUMNS)
    out["_o"] = out["reason"].map(order)
    out = out.sort_values(["_o", "priority_exact", "revenue_rank"], ascending=[True, False, True])
    return out.drop(columns="_o").reset_index(drop=True)
