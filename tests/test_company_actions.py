"""The action cycle company-wide (notebook 05): every triaged finding raises its action, no pack needed.

With no partner pack at all, the log holds an action for every planted won or lost deal, the
partner that stopped reporting, the channel that missed its target, the channel conflict and the
concentration (ids from each dataset's ``ground_truth.csv``), never more actions than findings
(counted apart: the deals in plain SQL on ``opportunities.csv``), and a second run raises nothing.
A pack and notebook 05 raising the same trigger log one action; a structural item raises one action
while it stays open, not one a quarter; the register counts what a planted log holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from channel_lib.analysis import company_actions as ca
from channel_lib.analysis import partner_review as pr
from channel_lib.analysis import scorecard, signals
from channel_lib.analysis.alignment.conflict import channel_conflict
from channel_lib.analysis.alignment.settings import resolve_settings
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook, open_workbook
from channel_lib.plans import actions as act
from channel_lib.presentation.pages import performance_signals as page

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
QUARTER = "FY2026-Q4"


@dataclass
class Raised:
    """One dataset after two company-wide runs into a fresh plans folder, with no pack."""

    folder: Path
    wb: Workbook
    first: pd.DataFrame
    second: pd.DataFrame
    log_after_first: bytes
    log_after_second: bytes

    @property
    def gt(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "ground_truth.csv", dtype=str, keep_default_na=False)

    def planted(self, signal: str) -> set[str]:
        gt = self.gt
        return set(gt.loc[(gt["signal"] == signal) & (gt["kind"] == "planted"), "entity_id"])

    @property
    def actions(self) -> pd.DataFrame:
        return act.current_actions(act.read_log(self.wb.plans_dir))


@pytest.fixture(scope="module", params=["committed", "seed1"])
def raised(request, small_sample, tmp_path_factory) -> Raised:
    folder = SAMPLE if request.param == "committed" else small_sample(1, 0.2)
    plans = tmp_path_factory.mktemp(f"company-actions-{request.param}")
    wb = open_workbook(folder, QUARTER, plans)
    first = ca.raise_company_actions(wb)
    after_first = (plans / act.LOG_FILE).read_bytes()
    second = ca.raise_company_actions(wb)
    return Raised(folder, wb, first, second, after_first, (plans / act.LOG_FILE).read_bytes())


def _subjects(actions: pd.DataFrame, trigger: str) -> set[str]:
    rows = actions[actions["trigger"] == trigger]
    return {s.split(":")[1] for s in rows["scope"]}


def test_without_packs_every_planted_deal_stopped_partner_missed_channel_gets_an_action(raised):
    log = raised.actions
    assert (log["status"] == "open").all() and (log["raised_in"] == QUARTER).all()
    won_lost = _subjects(log, "large_deal_won") | _subjects(log, "large_deal_lost")
    assert won_lost == raised.planted("win_loss_deal")  # near misses (below, open, late) get none
    assert _subjects(log, "stopped_reporting") == raised.planted("stopped_reporting")
    missed = {e for e in raised.planted("target_miss") if not e.startswith("P")}
    assert missed and missed <= _subjects(log, "channel_target_gap")
    assert _subjects(log, "channel_conflict") == raised.planted("channel_conflict")
    gt = raised.gt
    concentrated = set(gt.loc[(gt["signal"] == "channel_dependency") & (gt["kind"] == "planted")
                              & (gt["entity_type"] == "channel"), "entity_id"])  # fmt: skip
    channel_dependency = log[(log["trigger"] == "channel_dependency") & (log["partner_id"] == "")]
    assert _subjects(channel_dependency, "channel_dependency") == concentrated
    # the rule table's owner and due date, on every action
    rules = act.load_rules().set_index("trigger")
    assert (log["owner"] == log["trigger"].map(rules["owner"])).all()
    assert log["due"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def _sql_deals(wb: Workbook) -> set[str]:
    """Won or lost partner deals of the quarter at or above the win/loss amount, in plain SQL."""
    start, end = wb.quarter_bounds
    path = str(Path(wb.dataset.folder) / "opportunities.csv")
    rows = duckdb.sql(
        f"SELECT opportunity_id FROM read_csv_auto('{path}', all_varchar=true) "
        "WHERE outcome IN ('won', 'lost') AND partner_id IS NOT NULL AND partner_id <> '' "
        "AND CAST(close_date AS DATE) >= ? AND CAST(close_date AS DATE) < ? "
        "AND CAST(amount AS DECIMAL(18, 4)) >= ?",
        params=[start.date(), end.date(), wb.dataset.goals.signals.win_loss_amount],
    ).fetchall()
    return {r[0] for r in rows}


def _findings(wb: Workbook) -> set[tuple[str, str]]:
    """Every finding that may raise an action, as ``(trigger, subject)``, counted apart from the
    module under test: triaged risks (material, at or above the rule's severity), the deals in
    SQL, stopped partners, missed targets, channel conflicts."""
    ds, q, th = wb.dataset, wb.quarter, wb.dataset.goals.signals
    rules = act.load_rules().set_index("trigger")["min_severity"]
    tri = signals.triaged_warnings(ds, q)
    material = signals.material(tri[tri["item"] == "event"], min_revenue_at_stake=th.min_revenue_at_stake,
                                money=ds.money)  # fmt: skip
    found: set[tuple[str, str]] = set()
    for trigger, (signal, direction) in ca.SIGNAL_TRIGGERS.items():
        rows = tri[tri["item"] == "structural"] if trigger == "channel_dependency" else material
        rows = rows[(rows["signal"] == signal) & (rows["kind"] == "risk")
                    & (rows["severity"] >= int(rules[trigger]))]  # fmt: skip
        if direction is not None:
            rows = rows[rows["direction"] == direction]
        found |= {(trigger, str(e)) for e in rows["entity_id"]}
    found |= {("deal", d) for d in _sql_deals(wb)}
    rep = scorecard.reporting_status(ds, q)
    found |= {("stopped_reporting", p) for p in rep.loc[rep["status"] == "stopped", "partner_id"]}
    exc = scorecard.exceptions(ds, q, plans_dir=wb.plans_dir)
    exc = exc[(exc["quarter"] == q) & exc["attainment"].notna()]
    found |= {("target_gap", f"{p}/{m}") for p, m in
              zip(exc["partner_id"].fillna(exc["channel_id"]), exc["metric"], strict=True)}  # fmt: skip
    pairs = channel_conflict(wb, resolve_settings(wb))
    found |= {("channel_conflict", p) for p in pairs.loc[pairs["conflict"].astype(bool), "pair"]}
    return found


def _finding_of(a: dict) -> tuple[str, str]:
    subject = a["scope"].split(":", 1)[1]
    if a["trigger"].startswith("large_deal_"):
        return "deal", subject
    if a["trigger"] == "target_gap":
        return "target_gap", f"{a['partner_id']}/{subject}"
    if a["trigger"] == "channel_target_gap":
        channel, metric = subject.split(":")
        return "target_gap", f"{channel}/{metric}"
    return a["trigger"], subject


def test_no_more_actions_than_findings_each_action_its_own_finding(raised):
    log = raised.actions
    findings = _findings(raised.wb)
    mapped = [_finding_of(a) for a in log.to_dict("records")]
    assert len(set(mapped)) == len(mapped) == len(log)  # one finding, one action
    assert set(mapped) <= findings, set(mapped) - findings
    assert len(log) <= len(findings)
    # the deals' actions are exactly the deals SQL finds
    assert {s for k, s in mapped if k == "deal"} == _sql_deals(raised.wb)


def test_a_signal_below_its_rule_severity_raises_nothing(raised):
    rules = act.load_rules().set_index("trigger")["min_severity"]
    judged = raised.first[raised.first["trigger"].isin(list(ca.SIGNAL_TRIGGERS))]
    assert judged["severity"].notna().all()
    assert (judged["severity"] >= judged["trigger"].map(rules).astype("int64")).all()


def test_running_twice_raises_nothing_new(raised):
    assert (raised.first["decision"] == "raised").all() and len(raised.first) == len(raised.actions)
    assert raised.second.empty
    assert raised.log_after_second == raised.log_after_first


# -- one action per trigger, whoever raises it ----------------------------------------------------------
def _lost_customer_partner() -> tuple[str, str]:
    gt = pd.read_csv(SAMPLE / "ground_truth.csv", dtype=str, keep_default_na=False)
    (detail,) = gt.loc[(gt["signal"] == "lost_customer") & (gt["kind"] == "planted"), "detail"]
    (customer,) = gt.loc[(gt["signal"] == "lost_customer") & (gt["kind"] == "planted"), "entity_id"]
    return detail.split("via ")[1].split(";")[0], customer


@pytest.mark.parametrize("pack_first", [True, False], ids=["pack-then-05", "05-then-pack"])
def test_a_pack_and_notebook_05_raise_the_same_trigger_once(tmp_path, pack_first):
    partner, customer = _lost_customer_partner()
    wb = open_workbook(SAMPLE, QUARTER, tmp_path)
    aid = f"{QUARTER}-{partner}-lost_customer-{customer}"
    if pack_first:
        pr.record_actions(wb, pr.partner_pack(wb, partner))
        raised = ca.raise_company_actions(wb)
        assert aid not in set(raised["action_id"])
    else:
        raised = ca.raise_company_actions(wb)
        assert aid in set(raised.loc[raised["decision"] == "raised", "action_id"])
        pack = pr.partner_pack(wb, partner)
        assert aid not in set(pack.suggestions["action_id"])
        pr.record_actions(wb, pack)
    log = act.read_log(tmp_path)
    assert (log["action_id"] == aid).sum() == 1
    assert act.current_actions(log)["action_id"].is_unique


def test_a_structural_item_raises_one_action_while_it_stays_open(tmp_path):
    previous = "FY2026-Q3"
    wb3 = open_workbook(SAMPLE, previous, tmp_path)
    first = ca.raise_company_actions(wb3)
    (dep,) = first.loc[(first["trigger"] == "channel_dependency") & (first["partner_id"] == ""),
                       "action_id"]  # fmt: skip
    second = ca.raise_company_actions(open_workbook(SAMPLE, QUARTER, tmp_path))
    assert not (second["trigger"] == "channel_dependency").any()
    assert not (second["trigger"] == "channel_conflict").any()  # same year's conflict: one action
    state = act.current_actions(act.read_log(tmp_path))
    dependency = state[state["trigger"] == "channel_dependency"]
    assert list(dependency["action_id"]) == [dep]
    # the Q3 action is reviewed in Q4 on the channel's trailing-12-month share of revenue
    wb4 = open_workbook(SAMPLE, QUARTER, tmp_path)
    row = ca.action_register(wb4).actions.set_index("action_id").loc[dep]
    share = signals.channel_dependency(wb4.dataset, QUARTER).set_index("entity_id")["value"]
    expected = float(share.loc[dep.split("-")[2]])
    assert row["current"] == pytest.approx(expected, abs=1e-12)
    assert row["trend"] in ("closing", "widening", "unchanged")


# -- the register -----------------------------------------------------------------------------------------
def _planted(aid: str, *, raised_in: str, due: str, trigger: str, scope: str, measure: str = "",
             goal: float | None = None, status: str = "open", **extra) -> dict:  # fmt: skip
    return {"action_id": aid, "raised_in": raised_in, "scope": scope, "trigger": trigger,
            "action": "do it", "owner": "someone", "due": due, "status": status,
            "recorded_in": raised_in, "measure": measure, "direction": "min" if measure else "",
            "goal": goal, **extra}  # fmt: skip


def test_register_counts_overdue_due_open_and_closed_and_closes_a_cleared_channel_action(tmp_path):
    wb = open_workbook(SAMPLE, QUARTER, tmp_path)
    att = metrics.attainment(wb.dataset, QUARTER, plans_dir=tmp_path)
    att = att[(att["level"] == "channel") & (att["metric"] == "revenue")].set_index("channel_id")
    missed = att.index[att["attainment"] < 0.95][0]
    met = att.index[att["attainment"] >= 0.95][0]
    act.append_rows(tmp_path, [
        # raised two quarters ago, due last quarter, still missed: overdue
        _planted(f"FY2026-Q2-{missed}-channel_target_gap-revenue", raised_in="FY2026-Q2",
                 due="2026-03-31", trigger="channel_target_gap",
                 scope=f"channel:{missed}:revenue", measure="revenue_attainment", goal=0.95),
        # raised last quarter, the target is met now: closed by the run, with its evidence
        _planted(f"FY2026-Q3-{met}-channel_target_gap-revenue", raised_in="FY2026-Q3",
                 due="2026-12-31", trigger="channel_target_gap",
                 scope=f"channel:{met}:revenue", measure="revenue_attainment", goal=0.95),
        # no measure, due by the end of next quarter: due
        _planted("FY2026-Q3-DIST+ONL-channel_conflict", raised_in="FY2026-Q3", due="2026-09-30",
                 trigger="channel_conflict", scope="conflict:DIST+ONL"),
        # rejected before the quarter: not in the register
        _planted("FY2026-Q2-DIR+ONL-channel_conflict", raised_in="FY2026-Q2", due="2026-09-30",
                 trigger="channel_conflict", scope="conflict:DIR+ONL", status="rejected"),
    ])  # fmt: skip
    ran = ca.raise_company_actions(wb, accept="none")
    closed = ran[ran["decision"] == "closed"]
    assert list(closed["action_id"]) == [f"FY2026-Q3-{met}-channel_target_gap-revenue"]
    assert (ran.loc[ran["decision"] != "closed", "decision"] == "suggested").all()
    reg = ca.action_register(wb)
    by_id = reg.actions.set_index("action_id")["state"].to_dict()
    assert by_id == {
        f"FY2026-Q2-{missed}-channel_target_gap-revenue": "overdue",
        "FY2026-Q3-DIST+ONL-channel_conflict": "due",
        f"FY2026-Q3-{met}-channel_target_gap-revenue": "closed",
    }
    assert list(reg.actions["state"]) == ["overdue", "due", "closed"]  # overdue first
    overdue = reg.actions.iloc[0]
    assert overdue["current"] == pytest.approx(float(att.loc[missed, "attainment"]))
    assert (reg.count("open"), reg.count("due"), reg.count("overdue"), reg.count("closed")) == (
        2, 1, 1, 1)  # fmt: skip
    assert reg.summary().startswith(
        f"2 actions open (0 raised in {QUARTER}), 1 due by the end of FY2027-Q1, 1 overdue; "
        f"1 closed in {QUARTER}."
    )
    html = page.register_table(reg, ran).data
    assert html.index("overdue") < html.index(">due<") and "closed 1" in html


def test_a_plans_rule_table_raising_a_severity_bar_drops_the_signals_below_it(tmp_path):
    tri = signals.triaged_warnings(open_workbook(SAMPLE, QUARTER, tmp_path).dataset, QUARTER)
    service = tri[tri["signal"] == "service_metrics"]
    assert len(service) and (service["severity"] < 3).all()  # the sample's: moderate only
    (tmp_path / act.RULES_FILE).write_text(
        "trigger,action,owner,due_quarters,min_severity\n"
        "service_metrics,Service plan,partner account manager,1,3\n"
    )
    assert (
        int(act.load_rules(tmp_path).set_index("trigger").loc["lost_customer", "min_severity"]) == 3
    )
    raised = ca.raise_company_actions(open_workbook(SAMPLE, QUARTER, tmp_path), triaged=tri)
    assert not (raised["trigger"] == "service_metrics").any()
    assert (raised["trigger"] == "lost_customer").any()  # severity 3: still raised


def test_the_actions_command_accepts_a_channel_action_and_a_partner_action_by_id(tmp_path, capsys):
    """``channel-workbook actions accept`` takes the company-wide ids notebook 05 suggests (a
    channel's target gap, a channel pair's conflict) as well as a partner's, in one call; the
    planted missed channel and conflict pair come from ground_truth.csv."""
    from channel_lib.cli.commands import build_parser

    gt = pd.read_csv(SAMPLE / "ground_truth.csv", dtype=str)
    planted = gt[gt["kind"] == "planted"]
    missed = next(e for e in planted.loc[planted["signal"] == "target_miss", "entity_id"]
                  if not e.startswith("P"))  # fmt: skip
    pair = planted.loc[planted["signal"] == "channel_conflict", "entity_id"].iloc[0]
    stopped = planted.loc[planted["signal"] == "stopped_reporting", "entity_id"].iloc[0]
    ids = [f"{QUARTER}-{missed}-channel_target_gap-revenue", f"{QUARTER}-{pair}-channel_conflict",
           f"{QUARTER}-{stopped}-stopped_reporting"]  # fmt: skip
    plans = tmp_path / "plans"
    args = build_parser().parse_args(
        ["actions", "accept", ",".join(ids), "--data", str(SAMPLE), "--plans", str(plans)]
    )
    assert args.func(args) == 0
    assert "accepted 3 action(s)" in capsys.readouterr().out
    log = act.current_actions(act.read_log(plans))
    assert sorted(log["action_id"]) == sorted(ids)
    assert (log["status"] == "open").all()
