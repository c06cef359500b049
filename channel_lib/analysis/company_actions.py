"""The action cycle company-wide: every triaged finding raises its action, pack or no pack.

Notebook 06 raises actions for the partners that get a pack; this module raises them for the whole
company in notebook 05, so a won or lost deal, a partner that stopped reporting, a channel that
missed its target, a channel conflict and a concentration get an action whatever the partner
selection:

- :func:`company_suggestions` — the suggested actions of the quarter: the partner triggers of
  :func:`channel_lib.analysis.partner_review.partner_suggestions` (the packs' own rows, so the same
  action id ``FY2026-Q4-P004-lost_customer-C00001``; a pack and notebook 05 raising it log one
  action) for every partner with a finding, a triaged signal only when it is material (at least
  ``min_revenue_at_stake`` at stake, the short list's cut) and at or above its trigger's
  ``min_severity`` (``action_rules.csv``), plus the channel triggers: ``channel_target_gap`` (a
  channel's exception), ``channel_conflict`` (two channels sharing customers at different
  discounts) and ``channel_dependency`` (the structural concentration item). The log's rules
  (:func:`channel_lib.plans.actions.unaddressed`) leave out what an open, later or rejected action
  already handles, so a structural item raises one action while it stays open, not one a quarter;
- :func:`raise_company_actions` — writes them (accept all, a list or none; reject a list) and
  closes the channel actions whose trigger has cleared (partner actions are reviewed and closed by
  the partner's pack, which the batch runs for every partner with an open action);
- :func:`action_register` — the register of notebook 05: every action as of the quarter, open,
  due, overdue, closed in the quarter, and the gap trend of each open one
  (:func:`channel_lib.plans.actions.review`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.analysis import partner_review, signals
from channel_lib.analysis.alignment.conflict import channel_conflict
from channel_lib.analysis.alignment.settings import resolve_settings
from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.workbook import Workbook
from channel_lib.plans import actions as act

__all__ = [
    "COMPANY_TRIGGERS",
    "REGISTER_COLUMNS",
    "SIGNAL_TRIGGERS",
    "ActionRegister",
    "action_register",
    "company_suggestions",
    "raise_company_actions",
]

#: Trigger → the triaged signal (and direction; ``None``: any) it reads its severity from.
SIGNAL_TRIGGERS: dict[str, tuple[str, str | None]] = {
    "service_metrics": ("service_metrics", None),
    "lost_customer": ("lost_customer", "lost"),
    "line_card_lost": ("line_card_change", "lost"),
    "key_talent_loss": ("key_talent_loss", None),
    "our_sales_down": ("our_sales_change", "down"),
    "partner_sales_down": ("partner_total_sales_change", "down"),
    "channel_dependency": ("channel_dependency", None),
}
#: Triggers about the company or a channel, raised here only (no partner pack raises them).
COMPANY_TRIGGERS: tuple[str, ...] = ("channel_target_gap", "channel_conflict", "channel_dependency")
#: Columns of :attr:`ActionRegister.actions`.
REGISTER_COLUMNS: list[str] = [
    "action_id", "raised_in", "scope", "trigger", "partner_id", "action", "owner", "due",
    "status", "closed_in", "state", "trend", "current", "goal", "gap", "evidence",
]  # fmt: skip
_COLUMNS = [*act.SUGGESTION_COLUMNS, "severity"]


def _check_tolerance(tolerance: float) -> None:
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, int | float)
        or not (0 <= tolerance < 1)
    ):
        raise ParameterError(f"tolerance={tolerance!r}: a fraction in [0, 1), e.g. 0.05")


# -- suggestions -----------------------------------------------------------------------------------
def company_suggestions(
    wb: Workbook,
    *,
    triaged: pd.DataFrame | None = None,
    thresholds: SignalThresholds | None = None,
    tolerance: float = 0.05,
) -> pd.DataFrame:
    """Every action the quarter's findings suggest, company-wide, that the log does not handle yet.

    Parameters
    ----------
    wb : Workbook
    triaged : DataFrame, optional
        :func:`channel_lib.analysis.signals.triaged_warnings` of the quarter (notebook 05's
        ``warnings_all``); computed when not given.
    thresholds : SignalThresholds, optional
        The signal thresholds in force (the win/loss amount, the materiality minimum of the
        events); default the dataset's.
    tolerance : float
        Exception tolerance (fraction): a target missed by more raises a gap action.

    Returns
    -------
    DataFrame
        :data:`channel_lib.plans.actions.SUGGESTION_COLUMNS` plus ``severity`` (``Int64``, the
        triaged severity 1-4; ``<NA>`` for a finding that is not a triaged signal): partner
        triggers first (by partner), then the channel ones. ``decision`` is ``suggested``.

    Raises
    ------
    ParameterError
        A bad ``tolerance``.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q4", plans_dir="/tmp/doctest-company-actions")
    >>> s = company_suggestions(wb)
    >>> bool((s["severity"].dropna() >= 2).all()), s["action_id"].is_unique
    (True, True)
    """
    _check_tolerance(tolerance)
    ds, quarter, plans = wb.dataset, wb.quarter, Path(wb.plans_dir)
    th = thresholds if thresholds is not None else ds.goals.signals
    tri = triaged if triaged is not None else signals.triaged_warnings(ds, quarter, thresholds=th)
    rules = act.load_rules(plans).set_index("trigger")
    # the packs' company frames (memoised per process: partner_suggestions reads the same)
    found = partner_review.company_findings(ds, quarter, plans_dir=plans, tolerance=tolerance)
    deals = found["deals"]
    if th.win_loss_amount != ds.goals.signals.win_loss_amount:
        deals = signals.win_loss_deals(ds, quarter, threshold=th.win_loss_amount)
    reporting = found["reporting"]
    stopped = set(reporting.loc[reporting["status"] == "stopped", "partner_id"])
    exc = found["exceptions"]
    exc = (exc[(exc["quarter"] == quarter) & exc["attainment"].notna()] if "quarter" in exc
           else pd.DataFrame(columns=["level", "partner_id", "channel_id"]))  # fmt: skip
    # an event raises an action when it is material (the short list's cut) and severe enough
    events = signals.material(tri[tri["item"] == "event"], money=ds.money,
                              min_revenue_at_stake=th.min_revenue_at_stake)  # fmt: skip
    risks = events[events["kind"] == "risk"]
    partners = (set(risks["partner_id"].dropna()) | set(deals["partner_id"].dropna()) | stopped
                | set(exc.loc[exc["level"] == "partner", "partner_id"].dropna()))  # fmt: skip
    rows = _partner_rows(
        partner_review.partner_suggestions(wb, sorted(partners), tolerance=tolerance),
        severity=_severities(risks), rules=rules, deals=set(deals["opportunity_id"]),
        stopped=stopped,
    )  # fmt: skip
    rows += _channel_rows(wb, tri, exc[exc["level"] == "channel"], rules, th, tolerance)
    out = pd.DataFrame(rows, columns=_COLUMNS)
    for c in act.SUGGESTION_COLUMNS:
        out[c] = out[c].astype("float64" if c in ("goal", "baseline") else "string")
    out["severity"] = out["severity"].astype("Int64")
    return act.unaddressed(out, act.read_log(plans), quarter)


def _severities(tri: pd.DataFrame) -> dict[tuple[str, str], dict[str, int]]:
    """``(signal, entity_id)`` → direction → the highest triaged severity of the risk rows."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    risks = tri[tri["kind"] == "risk"]
    for sig, d, e, sev in zip(risks["signal"], risks["direction"], risks["entity_id"],
                              risks["severity"], strict=True):  # fmt: skip
        by_direction = out.setdefault((str(sig), str(e)), {})
        by_direction[str(d)] = max(by_direction.get(str(d), 0), int(sev))
    return out


def _severity_of(trigger: str, entity: str, severity: dict) -> int | None:
    """The triaged severity of ``trigger``'s signal for ``entity`` (``None``: not triaged).

    Examples
    --------
    >>> _severity_of("line_card_lost", "P1", {("line_card_change", "P1"): {"lost": 3}})
    3
    >>> _severity_of("our_sales_down", "P1", {("our_sales_change", "P1"): {"up": 2}}) is None
    True
    """
    signal, direction = SIGNAL_TRIGGERS[trigger]
    found = severity.get((signal, entity), {})
    levels = [v for d, v in found.items() if direction in (None, d)]
    return max(levels) if levels else None


def _partner_rows(
    suggested: pd.DataFrame, *, severity: dict, rules: pd.DataFrame, deals: set, stopped: set
) -> list[dict]:
    """The packs' suggestion rows kept company-wide: a signal trigger at or above its rule's
    ``min_severity`` in the triage, a deal of the win/loss list, a stopped partner, a gap."""
    rows = []
    for r in suggested.to_dict("records"):
        trigger, subject = str(r["trigger"]), str(r["scope"]).split(":", 1)[1]
        level = pd.NA
        if trigger in SIGNAL_TRIGGERS:
            found = _severity_of(trigger, subject, severity)
            least = rules.loc[trigger, "min_severity"] if trigger in rules.index else pd.NA
            if found is None or (pd.notna(least) and found < int(least)):
                continue  # not triaged at this quarter's thresholds, or below the rule's severity
            level = found
        elif trigger.startswith("large_deal_") and subject not in deals:
            continue
        elif trigger == "stopped_reporting" and subject not in stopped:
            continue
        rows.append({**r, "severity": level})
    return rows


def _due(wb: Workbook, quarters: int) -> str:
    cal = wb.dataset.calendar
    end = cal.quarter_bounds(cal.shift_quarter(wb.quarter, int(quarters)))[1]
    return (end - pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def _row(wb, rules, trigger, entity, scope, subject="", partner_id="", **found) -> dict | None:
    """One channel trigger's suggestion row (``None``: the trigger is switched off)."""
    if trigger not in rules.index:
        return None
    r = rules.loc[trigger]
    aid = f"{wb.quarter}-{entity}-{trigger}" + (f"-{subject}" if subject else "")
    return {"action_id": aid, "raised_in": wb.quarter, "scope": scope, "trigger": trigger,
            "action": str(r["action"]), "owner": str(r["owner"]),
            "due": _due(wb, r["due_quarters"]), "partner_id": partner_id,
            "decision": "suggested", "since": wb.quarter, "severity": pd.NA, **found}  # fmt: skip


def _channel_rows(wb, tri, exc, rules, th, tolerance) -> list[dict]:
    """The suggestions of the channel triggers (:data:`COMPANY_TRIGGERS`)."""
    rows = []
    for e in exc.to_dict("records"):
        rows.append(_row(
            wb, rules, "channel_target_gap", e["channel_id"],
            f"channel:{e['channel_id']}:{e['metric']}", subject=str(e["metric"]),
            measure=f"{e['metric']}_attainment", direction="min", goal=1 - tolerance,
            baseline=float(e["attainment"]),
            evidence=f"{e['name']} {e['metric']} {e['actual']:,.0f} vs target {e['target']:,.0f} "
                     f"({e['attainment']:.1%} attained) in {wb.quarter}",
        ))  # fmt: skip
    conflicts = channel_conflict(wb, resolve_settings(wb), level="channel_id")
    for c in conflicts[conflicts["conflict"].astype(bool)].to_dict("records"):
        rows.append(_row(
            wb, rules, "channel_conflict", c["pair"], f"conflict:{c['pair']}",
            measure="", direction="", goal=np.nan, baseline=float(c["discount_gap"]),
            since=str(c["year"]),
            evidence=f"{c['customers']} customers buy through {c['first']} (discount "
                     f"{c['first_discount']:.0%}) and {c['second']} (discount "
                     f"{c['second_discount']:.0%}) in {c['year']}",
        ))  # fmt: skip
    least = rules.loc["channel_dependency", "min_severity"] if "channel_dependency" in rules.index \
        else pd.NA  # fmt: skip
    for s in tri[tri["item"] == "structural"].to_dict("records"):
        if pd.notna(least) and int(s["severity"]) < int(least):
            continue
        partner = str(s["entity_id"]) if s["entity_type"] == "partner" else ""
        row = _row(
            wb, rules, "channel_dependency", s["entity_id"], f"{s['entity_type']}:{s['entity_id']}",
            partner_id=partner, measure="revenue_share", direction="max",
            goal=float(th.dependency_share), baseline=float(s["value"]), since=str(s["since"]),
            evidence=str(s["evidence"]),
        )  # fmt: skip
        if row is not None:
            rows.append({**row, "severity": int(s["severity"])})
    return [r for r in rows if r is not None]


# -- writing ----------------------------------------------------------------------------------------
def raise_company_actions(
    wb: Workbook,
    *,
    accept: str = "all",
    reject: str = "",
    triaged: pd.DataFrame | None = None,
    thresholds: SignalThresholds | None = None,
    tolerance: float = 0.05,
    close_cleared: bool = True,
) -> pd.DataFrame:
    """Raise the quarter's company-wide actions in the log; close the cleared channel actions.

    Parameters
    ----------
    wb : Workbook
    accept : str
        Suggestions to raise as open actions: ``"all"``, ``"none"`` or a comma list of ids.
    reject : str
        Comma list of suggestion ids to record as rejected (not accepted by ``"all"``).
    triaged, thresholds, tolerance
        See :func:`company_suggestions`.
    close_cleared : bool
        Close the open actions of :data:`COMPANY_TRIGGERS` raised before the quarter whose
        trigger has cleared, with the review's evidence (partner actions are closed by their
        pack).

    Returns
    -------
    DataFrame
        :func:`company_suggestions` with ``decision`` set to what this call did (``raised``,
        ``rejected`` or ``suggested``), plus the actions it closed (``decision`` ``closed``).

    Raises
    ------
    ActionLogError
        A corrupt log or an id that is not suggested (nothing is written for it).

    Examples
    --------
    >>> import tempfile
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q4", plans_dir=tempfile.mkdtemp())
    >>> first = raise_company_actions(wb)
    >>> again = raise_company_actions(wb)  # the log handles them all now
    >>> bool((first["decision"] == "raised").all()), len(again)
    (True, 0)
    """
    plans, quarter = Path(wb.plans_dir), wb.quarter
    closed = _close_cleared(wb) if close_cleared else []
    suggested = company_suggestions(wb, triaged=triaged, thresholds=thresholds,
                                    tolerance=tolerance)  # fmt: skip
    rejected = act.parse_ids(reject)
    if accept.strip().lower() == "all":
        accepted = [a for a in suggested["action_id"] if a not in rejected]
    elif accept.strip().lower() in ("", "none"):
        accepted = []
    else:
        accepted = act.parse_ids(accept)
    if rejected:
        act.reject(plans, rejected, suggestions=suggested, quarter=quarter)
    if accepted:
        act.accept(plans, accepted, suggestions=suggested, quarter=quarter)
    decision = {**dict.fromkeys(accepted, "raised"), **dict.fromkeys(rejected, "rejected")}
    out = suggested.assign(decision=[decision.get(a, "suggested") for a in suggested["action_id"]])
    out["decision"] = out["decision"].astype("string")
    if closed:
        done = pd.DataFrame(closed).reindex(columns=_COLUMNS).assign(decision="closed")
        out = pd.concat([out, done.astype(out.dtypes.to_dict())], ignore_index=True)
    return out


def _close_cleared(wb: Workbook) -> list[dict]:
    """Close the open company-trigger actions raised before the quarter whose trigger cleared."""
    state = act.as_of(act.read_log(wb.plans_dir), wb.quarter)
    mine = state[(state["status"] == "open") & state["trigger"].isin(COMPANY_TRIGGERS)
                 & (state["raised_in"] < wb.quarter)]  # fmt: skip
    if mine.empty:
        return []
    rv = _review_company(wb, mine)
    closed = []
    for row in rv[rv["cleared"]].to_dict("records"):
        done = act.close(wb.plans_dir, row["action_id"], quarter=wb.quarter,
                         evidence=row["evidence"], only_open=True)  # fmt: skip
        if done.empty:
            continue  # another run (another quarter's) closed it meanwhile
        closed.append({k: row.get(k, "") for k in ("action_id", "raised_in", "scope", "trigger",
                                                  "action", "owner", "due", "evidence")})  # fmt: skip
    return closed


# -- the register -----------------------------------------------------------------------------------
def _company_measures(wb: Workbook, actions: pd.DataFrame, quarters: list[str]) -> pd.DataFrame:
    """``quarter``, ``measure``, ``value`` of the company triggers' measures, per action
    (``measure`` prefixed ``<action_id>|`` so each action reads only its own)."""
    ds, plans = wb.dataset, Path(wb.plans_dir)
    rows = []
    for q in quarters:
        try:
            att = metrics.attainment(ds, q, plans_dir=plans)
            att = att[att["level"] == "channel"]
        except metrics.MissingDataError:
            att = pd.DataFrame(columns=["channel_id", "metric", "attainment"])
        dep = signals.channel_dependency(ds, q, share=1e-12)
        share = {(str(t), str(e)): float(v)
                 for t, e, v in zip(dep["entity_type"], dep["entity_id"], dep["value"], strict=True)}  # fmt: skip
        for a in actions.to_dict("records"):
            kind, _, rest = str(a["scope"]).partition(":")
            value = np.nan
            if a["trigger"] == "channel_target_gap":
                channel, _, metric = rest.partition(":")
                hit = att[(att["channel_id"] == channel) & (att["metric"] == metric)]
                value = float(hit["attainment"].iloc[0]) if len(hit) else np.nan
            elif a["trigger"] == "channel_dependency":
                value = share.get((kind, rest), 0.0)
            rows.append(
                {"quarter": q, "measure": f"{a['action_id']}|{a['measure']}", "value": value}
            )
    return pd.DataFrame(rows, columns=["quarter", "measure", "value"])


def _review_company(wb: Workbook, actions: pd.DataFrame) -> pd.DataFrame:
    """:func:`channel_lib.plans.actions.review` of open company-trigger actions."""
    cal = wb.dataset.calendar
    first = min([*actions["raised_in"], cal.shift_quarter(wb.quarter, -1)])
    measures = _company_measures(wb, actions, cal.quarter_range(first, wb.quarter))
    keyed = actions.assign(measure=[f"{a}|{m}" if m else "" for a, m in
                                    zip(actions["action_id"], actions["measure"], strict=True)])  # fmt: skip
    rv = act.review(keyed, measures, quarter=wb.quarter, quarter_end=wb.quarter_bounds[1])
    rv["measure"] = actions["measure"].to_numpy()
    rv["evidence"] = rv["evidence"].str.replace(r"\S+\|", "", regex=True)
    return rv


def _review_partner(wb: Workbook, partner_id: str, actions: pd.DataFrame) -> pd.DataFrame:
    """:func:`channel_lib.plans.actions.review` of one partner's open actions (its pack's)."""
    cal = wb.dataset.calendar
    first = min([*actions["raised_in"], cal.shift_quarter(wb.quarter, -1)])
    customers = sorted({m.split(":", 1)[1] for m in actions["measure"]
                        if m.startswith("customer_revenue:")})  # fmt: skip
    measures = partner_review.partner_measures(
        wb.dataset, partner_id, cal.quarter_range(first, wb.quarter), customers=customers,
        plans_dir=wb.plans_dir,
    )  # fmt: skip
    return act.review(actions, measures, quarter=wb.quarter, quarter_end=wb.quarter_bounds[1])


@dataclass(frozen=True)
class ActionRegister:
    """The action register of a quarter (:func:`action_register`).

    Attributes
    ----------
    quarter : str
    actions : DataFrame
        :data:`REGISTER_COLUMNS`: every action open at the end of the quarter and every one closed
        or rejected in it; ``state`` is ``overdue`` (due before the quarter ended, trigger not
        cleared), ``due`` (due by the end of the next quarter), ``open``, ``closed`` or
        ``rejected``; ``trend`` the gap's trend of an open action (``closing``, ``widening``,
        ``unchanged``, ``cleared``, ``no data``, ``not measured``), ``current``, ``goal`` and
        ``gap`` its measure now. Overdue first, then due, open, closed, rejected; by due date.
    next_quarter : str
        The quarter after ``quarter`` (the horizon of ``due``).
    """

    quarter: str
    actions: pd.DataFrame
    next_quarter: str

    def count(self, state: str) -> int:
        """Actions in ``state``; ``"open"`` counts every open one (due and overdue included)."""
        states = self.actions["state"]
        if state == "open":
            return int(states.isin(["open", "due", "overdue"]).sum())
        return int((states == state).sum())

    def trends(self) -> dict[str, int]:
        """Open actions by gap trend, e.g. ``{"closing": 2, "widening": 1}``."""
        open_ = self.actions[self.actions["state"].isin(["open", "due", "overdue"])]
        return {str(k): int(v) for k, v in open_["trend"].value_counts().items()}

    def summary(self) -> str:
        """``12 actions open (8 raised in FY2026-Q4), 3 due by the end of FY2027-Q1, 1 overdue;
        2 closed in FY2026-Q4.``"""
        raised = int(((self.actions["raised_in"] == self.quarter)
                      & self.actions["state"].isin(["open", "due", "overdue"])).sum())  # fmt: skip
        n = self.count("open")
        text = (f"{n} action{'' if n == 1 else 's'} open ({raised} raised in {self.quarter}), "
                f"{self.count('due')} due by the end of {self.next_quarter}, "
                f"{self.count('overdue')} overdue; {self.count('closed')} closed in "
                f"{self.quarter}.")  # fmt: skip
        moving = {k: v for k, v in self.trends().items() if k in ("closing", "widening")}
        if moving:
            text += " Gaps: " + ", ".join(f"{v} {k}" for k, v in sorted(moving.items())) + "."
        return text


def action_register(wb: Workbook) -> ActionRegister:
    """The action register of the workbook's quarter: open, due, overdue, closed, gap trend.

    Reads the log as it stood at the end of the quarter (:func:`channel_lib.plans.actions.as_of`)
    and reviews every open action against its measure (partner actions as their pack does,
    company actions on the channel's attainment or revenue share). Writes nothing.

    Returns
    -------
    ActionRegister

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q4", plans_dir="/tmp/no-such-plans-register")
    >>> action_register(wb).summary()
    '0 actions open (0 raised in FY2026-Q4), 0 due by the end of FY2027-Q1, 0 overdue; 0 closed in FY2026-Q4.'
    """
    cal, quarter = wb.dataset.calendar, wb.quarter
    nxt = cal.shift_quarter(quarter, 1)
    state = act.as_of(act.read_log(wb.plans_dir), quarter)
    if state.empty:
        return ActionRegister(quarter, pd.DataFrame(columns=REGISTER_COLUMNS), nxt)
    recorded = state["recorded_in"].where(state["recorded_in"] != "", state["raised_in"])
    state = state[(state["status"] == "open") | (recorded == quarter)].reset_index(drop=True)
    open_ = state[state["status"] == "open"]
    reviews = []
    company = open_["trigger"].isin(COMPANY_TRIGGERS)
    if company.any():
        reviews.append(_review_company(wb, open_[company]))
    for pid, group in open_[~company].groupby("partner_id", sort=True):
        reviews.append(_review_partner(wb, str(pid), group))
    rv = pd.concat(reviews, ignore_index=True).set_index("action_id") if reviews else None
    horizon = cal.quarter_bounds(nxt)[1]
    out = state.reindex(columns=REGISTER_COLUMNS).copy()
    for c in ("trend", "state"):
        out[c] = ""
    for c in ("current", "goal", "gap"):
        out[c] = np.nan
    for i, a in enumerate(state.to_dict("records")):
        if a["status"] != "open":
            out.loc[i, "state"] = a["status"]
            continue
        r = rv.loc[a["action_id"]] if rv is not None and a["action_id"] in rv.index else None
        due = pd.Timestamp(a["due"]) if a["due"] else None
        overdue = bool(r["overdue"]) if r is not None else bool(due and due < wb.quarter_bounds[1])
        out.loc[i, "state"] = ("overdue" if overdue else
                               "due" if due is not None and due < horizon else "open")  # fmt: skip
        if r is not None:
            out.loc[i, ["trend", "current", "goal", "gap"]] = [r["trend"], r["current"],
                                                               r["goal"], r["gap"]]  # fmt: skip
            out.loc[i, "evidence"] = r["evidence"]
    order = {"overdue": 0, "due": 1, "open": 2, "closed": 3, "rejected": 4}
    out = out.assign(_o=out["state"].map(order)).sort_values(["_o", "due", "action_id"])
    out = out.drop(columns="_o").reset_index(drop=True)
    for c in REGISTER_COLUMNS:
        if c not in ("current", "goal", "gap"):
            out[c] = out[c].fillna("").astype("string")
    return ActionRegister(quarter, out, nxt)
