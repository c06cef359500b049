"""Partner QBR packs (notebook 06) and the action-plan cycle (``plans/actions.csv``).

Reference values come from the sample's ground truth (``data/sample/ground_truth.csv``): no partner
id or figure is written into these tests. The notebook itself runs three times in one module
fixture (two consecutive quarters for one partner, and the new partner); every other partner is
exercised through :func:`channel_lib.analysis.partner_review.partner_pack`, which the notebook calls.
"""

from __future__ import annotations

import csv
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from channel_lib.analysis import partner_review as pr
from channel_lib.batch.engine import WARM_ENGINE  # the batch's warm kernels
from channel_lib.cli.commands import main
from channel_lib.data.cache import SHARED
from channel_lib.data.workbook import open_workbook
from channel_lib.plans import actions as act
from channel_lib.presentation import charts
from channel_lib.presentation.pages import partner_review as pr_page

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NOTEBOOK = ROOT / "notebooks" / "06_partner_review.ipynb"
Q4, Q3 = "FY2026-Q4", "FY2026-Q3"


def truth() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "ground_truth.csv", dtype=str, keep_default_na=False)


def planted(signal_name: str | None = None, entity_type: str = "partner") -> pd.DataFrame:
    t = truth()
    t = t[(t["kind"] == "planted") & (t["entity_type"] == entity_type)]
    return t if signal_name is None else t[t["signal"] == signal_name]


def near_misses(signal_name: str) -> list[str]:
    t = truth()
    return list(t[(t["kind"] == "near_miss") & (t["signal"] == signal_name)]["entity_id"])


def deal_partner(opportunity_id: str) -> str:
    o = pd.read_csv(SAMPLE / "opportunities.csv", dtype=str, keep_default_na=False)
    return o.set_index("opportunity_id").loc[opportunity_id, "partner_id"]


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("plans06")


@pytest.fixture(scope="module")
def wb4(plans):
    return open_workbook(SAMPLE, Q4, plans)


#: The partner signals whose planted partners get a pack (each pack is ~0.3 s; the sample's other
#: partner rows, e.g. every partner recruited during the data, are tested where they are computed).
PACKED_SIGNALS = [
    "our_sales_change", "partner_total_sales_change", "line_card_change", "key_talent_loss",
    "service_metrics", "stopped_reporting", "partner_move", "new_partner",
]  # fmt: skip


@pytest.fixture(scope="module")
def packs(wb4):
    """Packs of every planted partner, the partners behind planted deals and lost customers, a
    partner that never reported and the near misses (computed once)."""
    ids = set(planted()[lambda t: t["signal"].isin(PACKED_SIGNALS)]["entity_id"])
    ids |= {deal_partner(o) for o in planted("win_loss_deal", "opportunity")["entity_id"]}
    ids |= set(near_misses("line_card_change")) | set(near_misses("service_metrics"))
    ids.add(no_report_partner(wb4))
    return {pid: pr.partner_pack(wb4, pid) for pid in sorted(ids)}


def no_report_partner(wb) -> str:
    reported = set(wb.dataset.table("partner_reports")["partner_id"])
    partners = wb.dataset.table("partners")
    return sorted(set(partners["partner_id"]) - reported)[0]


# -- each planted partner's pack holds its evidence ----------------------------------------------
def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d,]*\.\d+|\d[\d,]*", text)


@pytest.mark.parametrize(
    "signal_name",
    ["our_sales_change", "partner_total_sales_change", "line_card_change", "key_talent_loss",
     "service_metrics"],
)  # fmt: skip
def test_planted_partner_pack_shows_its_evidence_numbers(packs, signal_name):
    cases = planted(signal_name)
    assert len(cases), signal_name
    for case in cases.itertuples():
        pack = packs[case.entity_id]
        text = " ".join(pr_page.talking_points(pack)) + " " + " ".join(pack.signals["evidence"])
        text += " " + pack.service.to_string()
        numbers = [n for n in _numbers(case.detail) if not re.fullmatch(r"20\d\d", n)]
        numbers = [n for n in numbers if n not in ("4", "2") or signal_name != "line_card_change"]
        for n in numbers:
            if signal_name == "service_metrics":
                n = f"{float(n.replace(',', '')):g}"  # 3.60 → 3.6 in the service table
            assert n in text, (case.entity_id, n, text)
        assert signal_name in set(pack.signals["signal"]) or signal_name == "service_metrics"


def test_line_card_change_appears_in_history_and_talking_points(packs):
    for case in planted("line_card_change").itertuples():
        old, new = map(int, re.search(r"(\d+) -> (\d+)", case.detail).groups())
        pack = packs[case.entity_id]
        ranks = pack.reports["line_card_rank"].dropna()
        assert (int(ranks.iloc[-2]), int(ranks.iloc[-1])) == (old, new)
        word = "gained" if new < old else "lost"
        assert any(
            f"#{new}" in p and f"#{old}" in p and word in p for p in pr_page.talking_points(pack)
        )
        triggers = set(pack.suggestions["trigger"])
        assert ("line_card_lost" in triggers) == (word == "lost")


def test_near_misses_raise_no_action_of_their_kind(packs):
    for pid in near_misses("line_card_change"):
        assert "line_card_lost" not in set(packs[pid].suggestions["trigger"]), pid
    for pid in near_misses("service_metrics"):
        assert "service_metrics" not in set(packs[pid].suggestions["trigger"]), pid
        assert (packs[pid].service["status"] != "below threshold").all(), pid


def test_large_deals_are_listed_for_win_loss_review_with_an_action(packs):
    for case in planted("win_loss_deal", "opportunity").itertuples():
        pack = packs[deal_partner(case.entity_id)]
        deal = pack.deals.set_index("opportunity_id").loc[case.entity_id]
        assert f"{deal['amount']:,.2f}" in case.detail
        assert deal["outcome"] in case.detail
        assert f"large_deal_{deal['outcome']}" in set(pack.suggestions["trigger"])


def test_lost_customer_is_in_its_partner_pack_with_a_loss_interview(packs, wb4):
    for case in planted("lost_customer", "customer").itertuples():
        via = re.search(r"via (P\d+)", case.detail).group(1)
        pack = packs[via] if via in packs else pr.partner_pack(wb4, via)
        row = pack.signals.set_index("entity_id").loc[case.entity_id]
        assert re.search(r"\d+\.\d+%", case.detail).group(0) in row["evidence"]
        s = pack.suggestions.set_index("trigger").loc["lost_customer"]
        assert s["scope"] == f"customer:{case.entity_id}"


def test_new_partner_stopped_reporting_and_never_reported(packs, wb4):
    new = planted("new_partner")["entity_id"].iloc[0]
    pack = packs[new]
    onboarded = re.search(r"\d{4}-\d\d-\d\d", planted("new_partner")["detail"].iloc[0]).group(0)
    assert pack.reporting_status == "new"
    assert any(onboarded in p for p in pr_page.talking_points(pack))
    stopped = planted("stopped_reporting")["entity_id"].iloc[0]
    assert packs[stopped].reporting_status == "stopped"
    assert "stopped_reporting" in set(packs[stopped].suggestions["trigger"])
    silent = packs[no_report_partner(wb4)]
    assert silent.reports["partner_total_sales"].isna().all()
    assert (silent.service["status"] == "not reported").all()
    chart = charts.partner_position_history(silent.reports, title="t").to_dict()
    assert chart["mark"]["type"] == "text"  # a note, never an empty chart


def test_open_actions_of_planted_partners_after_recording(packs, wb4):
    """Recording every pack raises each suggestion as an open action, once."""
    for pack in packs.values():
        log = pr.record_actions(wb4, pack)
        assert set(pack.suggestions["action_id"]) <= set(log[log["status"] == "open"]["action_id"])
    state = act.current_actions(act.read_log(wb4.plans_dir))
    assert state["action_id"].is_unique
    again = pr.partner_pack(wb4, planted("line_card_change")["entity_id"].iloc[0])
    assert again.suggestions.empty  # re-running the quarter suggests nothing new
    for case in planted("line_card_change").itertuples():
        if "lost" in case.detail:
            mine = state[state["partner_id"] == case.entity_id]
            assert list(mine["trigger"]) == ["line_card_lost"]
            assert list(mine["status"]) == ["open"]


# -- the cycle over two consecutive quarters ----------------------------------------------------
@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """Q3 then Q4 for partners with Q3 triggers: one clears, one widens, one deal interview."""
    plans = tmp_path_factory.mktemp("cycle")
    near = truth().set_index("entity_id")
    cleared = next(
        p for p in near_misses("service_metrics") if "recovered" in near.loc[p, "detail"]
    )
    widening = planted("partner_total_sales_change")
    widening = next(p for p in widening["entity_id"] if "-" in near.loc[p, "detail"])
    deal = deal_partner(next(o for o in near_misses("win_loss_deal")
                             if "won" in near.loc[o, "detail"] and "03-" in near.loc[o, "detail"]))  # fmt: skip
    ids = [cleared, widening, deal]
    wb3 = open_workbook(SAMPLE, Q3, plans)
    first = {p: pr.partner_pack(wb3, p) for p in ids}
    for p in ids:
        pr.record_actions(wb3, first[p])
    wb4 = open_workbook(SAMPLE, Q4, plans)
    second = {p: pr.partner_pack(wb4, p) for p in ids}
    logs = {p: pr.record_actions(wb4, second[p]) for p in ids}
    return {"plans": plans, "ids": ids, "first": first, "second": second, "logs": logs}


def test_actions_raised_in_one_quarter_are_reviewed_open_in_the_next(cycle):
    for pid in cycle["ids"]:
        raised = set(cycle["first"][pid].suggestions["action_id"])
        assert raised, pid
        review = cycle["second"][pid].review
        assert raised <= set(review["action_id"]), pid
        for row in review.itertuples():
            if row.trend != "not measured":
                assert Q3 in row.history and Q4 in row.history


def test_a_widening_gap_stays_open_and_says_so(cycle):
    pid = cycle["ids"][1]
    row = cycle["second"][pid].review.iloc[0]
    assert row["trend"] == "widening" and not row["cleared"]
    assert row["current"] < row["previous"] < row["goal"]
    log = cycle["logs"][pid]
    assert log.set_index("action_id").loc[row["action_id"], "status"] == "open"


def test_an_action_whose_trigger_cleared_is_closed_with_evidence(cycle):
    pid = cycle["ids"][0]
    row = cycle["second"][pid].review.iloc[0]
    assert row["cleared"] and row["trend"] == "cleared"
    closed = cycle["logs"][pid].set_index("action_id").loc[row["action_id"]]
    assert closed["status"] == "closed" and closed["closed_in"] == Q4
    recovered = truth().set_index("entity_id").loc[pid, "detail"]
    q4_csat = re.search(r"recovered to (\d+\.\d+)", recovered).group(1)
    assert f"{float(q4_csat):g}" in closed["evidence"] and "cleared" in closed["evidence"]
    rows = act.read_log(cycle["plans"])
    assert list(rows[rows["action_id"] == row["action_id"]]["status"]) == ["open", "closed"]


def test_a_rerun_of_the_pack_finds_its_cleared_action_closed_and_writes_nothing(cycle):
    """A batch re-run (``--resume`` after a failure, or the quarter run again) records the same
    pack again: the action it closed the first time is already closed, so nothing is appended."""
    pid = cycle["ids"][0]
    before = act.read_log(cycle["plans"])
    wb4 = open_workbook(SAMPLE, Q4, cycle["plans"])
    again = pr.record_actions(wb4, cycle["second"][pid])
    assert len(act.read_log(cycle["plans"])) == len(before)
    assert not (again["change"] == "closed").any()
    assert (
        again.set_index("action_id")["status"]
        == cycle["logs"][pid].set_index("action_id")["status"]
    ).all()


def test_an_unmeasured_action_past_its_due_date_is_overdue(cycle):
    pid = cycle["ids"][2]
    row = cycle["second"][pid].review.set_index("trigger").loc["large_deal_won"]
    assert row["trend"] == "not measured" and row["overdue"]


def test_the_log_is_appended_never_rewritten(cycle):
    text = (cycle["plans"] / act.LOG_FILE).read_text()
    first_quarter_rows = [line for line in text.splitlines() if f",{Q3}," in line][:1]
    assert first_quarter_rows and text.startswith(text.splitlines()[0])
    wb4 = open_workbook(SAMPLE, Q4, cycle["plans"])
    before = (cycle["plans"] / act.LOG_FILE).read_bytes()
    pr.record_actions(wb4, pr.partner_pack(wb4, cycle["ids"][0]))  # re-run: nothing new
    assert (cycle["plans"] / act.LOG_FILE).read_bytes() == before


# -- accept, edit, reject, rules ---------------------------------------------------------------------
def test_accept_edit_reject_and_close_by_cli(tmp_path, capsys):
    pid = planted("line_card_change")
    pid = next(p for p, d in zip(pid["entity_id"], pid["detail"], strict=True) if "lost" in d)
    args = ["--plans", str(tmp_path), "--data", str(SAMPLE)]
    assert main(["actions", "suggest", "--partner", pid, "--quarter", Q4, *args]) == 0
    aid = re.search(rf"{Q4}-{pid}-line_card_lost", capsys.readouterr().out).group(0)
    assert main(["actions", "accept", aid, "--owner", "VP channels", *args]) == 0
    assert main(["actions", "reject", aid, "--note", "handled by the region", *args]) == 0
    assert main(["actions", "accept", aid, "--due", "2026-12-31", *args]) == 0
    assert main(["actions", "close", aid, "--quarter", Q4, "--evidence", "met",
                 "--plans", str(tmp_path)]) == 0  # fmt: skip
    rows = act.read_log(tmp_path)
    assert list(rows["status"]) == ["open", "rejected", "open", "closed"]
    assert rows["owner"].iloc[0] == "VP channels" and list(rows["due"])[2] == "2026-12-31"
    capsys.readouterr()
    assert main(["actions", "list", "--status", "all", "--plans", str(tmp_path)]) == 0
    assert aid in capsys.readouterr().out
    assert main(["actions", "close", aid, "--quarter", Q4, "--evidence", "x",
                 "--plans", str(tmp_path)]) == 2  # fmt: skip
    assert "not open" in capsys.readouterr().err


def test_a_rejected_suggestion_is_not_suggested_again_for_the_same_episode(tmp_path):
    pid = planted("key_talent_loss")["entity_id"].iloc[0]
    wb = open_workbook(SAMPLE, Q4, tmp_path)
    pack = pr.partner_pack(wb, pid)
    aid = pack.suggestions["action_id"].iloc[0]
    log = pr.record_actions(wb, pack, reject=aid)
    assert log.set_index("action_id").loc[aid, "status"] == "rejected"
    assert pr.partner_pack(wb, pid).suggestions.empty


def test_the_plans_rule_table_overrides_the_default(tmp_path):
    (tmp_path / act.RULES_FILE).write_text(
        "trigger,action,owner,due_quarters\nline_card_lost,Call the CEO,CEO,3\nservice_metrics,,,1\n"
    )
    rules = act.load_rules(tmp_path).set_index("trigger")
    assert rules.loc["line_card_lost", "action"] == "Call the CEO"
    assert "service_metrics" not in rules.index and "lost_customer" in rules.index
    (tmp_path / act.RULES_FILE).write_text("trigger,action,owner,due_quarters\nlinecard,x,y,1\n")
    with pytest.raises(act.ActionLogError, match=r"action_rules.csv, line 2: unknown trigger"):
        act.load_rules(tmp_path)


# -- a corrupt, conflicting or interrupted log -------------------------------------------------------
def _row(aid: str, status: str = "open", **extra) -> dict:
    return {"action_id": aid, "raised_in": Q3, "scope": "partner:P1", "trigger": "target_gap",
            "action": "plan, with commas", "owner": "me", "due": "2026-06-30", "status": status,
            "partner_id": "P1", "recorded_in": Q3, **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace(",open,", ",opne,", 2), r"line 3: status 'opne'"),
        (lambda t: t.replace('"plan, with commas"', "plan, with commas", 2), r"line 3: 19 fields"),
        (lambda t: t.replace("2026-06-30", "30/06/2026", 2), r"line 3: due '30/06/2026'"),
    ],
    ids=["bad status", "unquoted comma", "bad date"],
)
def test_a_hand_corrupted_log_names_the_line_and_stays_intact(tmp_path, edit, message):
    act.append_rows(tmp_path, [_row("a"), _row("b")])
    path = tmp_path / act.LOG_FILE
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    corrupt = lines[0] + lines[1] + edit(lines[2])
    path.write_text(corrupt)
    with pytest.raises(act.ActionLogError, match=message):
        act.read_log(tmp_path)
    with pytest.raises(act.ActionLogError, match=message):
        act.append_rows(tmp_path, [_row("c")])
    assert path.read_text() == corrupt  # the failed append wrote nothing


def test_a_conflicting_edit_names_both_lines(tmp_path):
    act.append_rows(tmp_path, [_row("a")])
    before = (tmp_path / act.LOG_FILE).read_bytes()
    with pytest.raises(act.ActionLogError, match=r"line 3: conflicting edit .* line 2"):
        act.append_rows(tmp_path, [_row("a", status="closed", closed_in=Q4, raised_in=Q4)])
    assert (tmp_path / act.LOG_FILE).read_bytes() == before


def test_killing_the_process_mid_write_leaves_the_previous_log_complete(tmp_path):
    act.append_rows(tmp_path, [_row("a"), _row("b")])
    path = tmp_path / act.LOG_FILE
    before = path.read_bytes()
    script = textwrap.dedent(f"""
        import sys, time
        from channel_lib.plans import actions
        def pause(tmp):
            print("written", tmp, flush=True)
            time.sleep(60)
        actions._before_replace = pause
        actions.append_rows({str(tmp_path)!r}, [{{**{_row("c")!r}}}])
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("written"), line
        tmp = Path(line.split(" ", 1)[1].strip())
        assert tmp.exists() and b"\nc," in tmp.read_bytes()  # the new log was on disk, unrenamed
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert list(act.read_log(tmp_path)["action_id"]) == ["a", "b"]
    act.append_rows(tmp_path, [_row("c")])  # and the log still takes appends
    assert list(act.read_log(tmp_path)["action_id"]) == ["a", "b", "c"]


def test_a_log_saved_again_by_a_spreadsheet_is_read_and_appended_in_its_own_form(tmp_path):
    act.append_rows(tmp_path, [_row("a")])
    path = tmp_path / act.LOG_FILE
    # "CSV UTF-8" from a spreadsheet: a byte-order mark and Windows line ends
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    assert list(act.read_log(tmp_path)["action_id"]) == ["a"]
    act.append_rows(tmp_path, [_row("b")])
    after = path.read_bytes()
    assert after.startswith(before)  # the old bytes stay as they were
    assert after[len(before) :].endswith(b"\r\n") and b"\n" not in after.replace(b"\r\n", b"")
    assert list(act.read_log(tmp_path)["action_id"]) == ["a", "b"]
    (tmp_path / act.RULES_FILE).write_bytes(
        b"\xef\xbb\xbftrigger,action,owner,due_quarters\r\nline_card_lost,Call the CEO,CEO,3\r\n"
    )
    assert act.load_rules(tmp_path).set_index("trigger").loc["line_card_lost", "owner"] == "CEO"


def test_the_log_file_is_plain_csv_with_the_design_columns_first(tmp_path):
    act.append_rows(tmp_path, [_row("a")])
    with (tmp_path / act.LOG_FILE).open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:9] == ["action_id", "raised_in", "scope", "trigger", "action", "owner", "due",
                           "status", "closed_in"]  # fmt: skip
    assert rows[1][4] == "plan, with commas"


# -- the notebook itself (three papermill runs) -------------------------------------------------------
@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """06 for one partner in two consecutive quarters (the cycle), and for the new partner."""
    from channel_lib.batch.run import run_notebook
    from channel_lib.presentation.html import export_html

    folder = tmp_path_factory.mktemp("nb06")
    plans = folder / "plans"
    near = truth().set_index("entity_id")
    pid = next(p for p in near_misses("service_metrics") if "recovered" in near.loc[p, "detail"])
    new = planted("new_partner")["entity_id"].iloc[0]
    pages = {}
    for q, p in ((Q3, pid), (Q4, pid), (Q4, new)):
        nb = run_notebook(NOTEBOOK, folder / f"{q}_{p}.ipynb",
                          {"data_dir": str(SAMPLE), "quarter": q, "plans_dir": str(plans),
                           "partner_id": p}, engine=WARM_ENGINE)  # fmt: skip
        pages[(q, p)] = export_html(nb, folder / f"{q}_{p}.html", title=f"{p} {q}")
    return {"pages": pages, "plans": plans, "pid": pid, "new": new}


@pytest.mark.notebook
@pytest.mark.browser
def test_notebook_runs_the_cycle_and_renders_offline(executed, request):
    """One test for the three executions (a module fixture is built once per xdist worker)."""
    from test_html_offline import browser_problems, offline_leaks

    pid = executed["pid"]
    for page in executed["pages"].values():
        text = Path(page).read_text(encoding="utf-8")
        assert offline_leaks(text) == []
        assert "Talking points" in text and "cw-chart" in text
    q4 = Path(executed["pages"][(Q4, pid)]).read_text(encoding="utf-8")
    assert f"{Q3}-{pid}-service_metrics" in q4 and "trigger cleared in" in q4
    rows = act.read_log(executed["plans"])
    assert list(rows[rows["partner_id"] == pid]["status"]) == ["open", "closed"]
    browser = request.getfixturevalue("browser")  # skips here without chromium
    for page in executed["pages"].values():
        n_charts, problems = browser_problems(browser, Path(page))
        assert problems == [] and n_charts >= 2, page


@pytest.mark.notebook
def test_notebook_papermill_help_lists_the_partner_parameters():
    from channel_lib.batch.run import notebook_parameters

    declared = notebook_parameters(NOTEBOOK)
    assert {"data_dir", "quarter", "plans_dir", "partner_id", "accept", "reject"} <= set(declared)


def test_nothing_is_written_into_the_dataset_folder():
    assert not (SAMPLE / act.LOG_FILE).exists()
    assert shutil.which("true")  # a trivial guard that the test ran


def test_review_of_every_open_action_closes_cleared_ones_without_their_packs(tmp_path):
    near = truth().set_index("entity_id")
    pid = next(p for p in near_misses("service_metrics") if "recovered" in near.loc[p, "detail"])
    wb3 = open_workbook(SAMPLE, Q3, tmp_path)
    pr.record_actions(wb3, pr.partner_pack(wb3, pid))
    assert pr.open_action_partners(tmp_path, Q3) == [pid]
    wb4 = open_workbook(SAMPLE, Q4, tmp_path)
    rv = pr.review_open_actions(wb4)
    assert list(rv["partner_id"]) == [pid] and rv["closed"].all()
    assert pr.open_action_partners(tmp_path, Q4) == []
    assert pr.open_action_partners(tmp_path, Q3) == [pid]  # as it stood then


def test_concurrent_appends_lose_no_row(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from channel_lib.plans import actions
        base = {_row("x")!r}
        for i in range(15):
            actions.append_rows({str(tmp_path)!r}, [{{**base, "action_id": f"{{sys.argv[1]}}-{{i}}"}}])
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, w], cwd=ROOT) for w in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    ids = act.read_log(tmp_path)["action_id"]
    assert len(ids) == 30 and ids.is_unique


def test_accept_none_writes_nothing_and_a_list_raises_only_those(tmp_path):
    pid = planted("service_metrics")["entity_id"].iloc[0]
    wb = open_workbook(SAMPLE, Q4, tmp_path)
    pack = pr.partner_pack(wb, pid)
    assert pr.record_actions(wb, pack, accept="none").empty
    assert not (tmp_path / act.LOG_FILE).exists()
    aid = pack.suggestions["action_id"].iloc[0]
    log = pr.record_actions(wb, pack, accept=aid)
    assert list(log["action_id"]) == [aid] and list(log["change"]) == ["raised"]
    with pytest.raises(act.ActionLogError, match="no action or suggestion 'nope'"):
        pr.record_actions(wb, pack, accept="nope")


def test_an_earlier_quarter_run_after_a_later_one_raises_no_duplicate(tmp_path):
    """A batch over a quarter range runs quarters concurrently, in any order."""
    pid = planted("partner_total_sales_change")
    pid = next(p for p, d in zip(pid["entity_id"], pid["detail"], strict=True) if "-" in d)
    wb4 = open_workbook(SAMPLE, Q4, tmp_path)
    pr.record_actions(wb4, pr.partner_pack(wb4, pid))
    wb3 = open_workbook(SAMPLE, Q3, tmp_path)
    assert pr.partner_pack(wb3, pid).suggestions.empty
    assert pr.open_action_partners(tmp_path, Q3) == []  # the log as it stood then


# -- the per-process memo (warm batch kernels) never serves another dataset or quarter ---------------
def _assert_same_pack(got: pr.PartnerPack, expected: pr.PartnerPack) -> None:
    for name, value in vars(expected).items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(got, name), value, obj=name)
        else:
            assert getattr(got, name) == value, name


def test_a_changed_dataset_or_quarter_in_the_same_process_gives_fresh_packs(tiny_copy, tmp_path):
    plans = tmp_path / "plans"

    def pack(quarter: str, *, empty_memo: bool = False) -> pr.PartnerPack:
        if empty_memo:
            SHARED.clear()
        return pr.partner_pack(open_workbook(tiny_copy, quarter, plans), "P2")

    before = pack("FY2026-Q2")
    for name, old, new in [
        ("sales.csv", "O1015,1,2025-09-25,DIST,P2,C5,SKU1,4,3400.00", "O1015,1,2025-09-25,DIST,P2,C5,SKU1,4,3900.00"),
        ("partner_reports.csv", "FY2026-Q2,P2,760000.00,4,8,1,3.5,", "FY2026-Q2,P2,760000.00,4,8,1,4.9,"),
    ]:  # fmt: skip
        path = tiny_copy / name
        path.write_text(path.read_text().replace(old, new))
    after = pack("FY2026-Q2")  # same folder, same process: the edited files count
    revenue = [p.performance.set_index("quarter")["revenue"]["FY2026-Q1"] for p in (before, after)]
    assert revenue == [pytest.approx(3400.0, abs=0.005), pytest.approx(3900.0, abs=0.005)]
    assert after.service.set_index("metric")["value"]["csat"] == pytest.approx(4.9)
    assert after.reports.set_index("quarter")["csat"]["FY2026-Q2"] == pytest.approx(4.9)
    _assert_same_pack(after, pack("FY2026-Q2", empty_memo=True))
    q3 = pack("FY2026-Q3")  # the memo holds FY2026-Q2's frames
    _assert_same_pack(q3, pack("FY2026-Q3", empty_memo=True))
    assert q3.quarter == "FY2026-Q3" and list(q3.performance["quarter"])[-1] == "FY2026-Q3"


# -- display formats: one home, the pack's difference named ------------------------------------------
def test_pack_formats_are_the_scorecard_kinds_plus_the_named_pack_patterns():
    from channel_lib.presentation.formats import display_formats

    columns = ["revenue", "revenue_vs_last_year", "csat", "line_card_rank", "goal", "name"]
    card, pack = display_formats(columns), display_formats(columns, partner_pack=True)
    assert sorted(card) == ["revenue", "revenue_vs_last_year"]
    assert sorted(pack) == ["csat", "goal", "line_card_rank", "revenue", "revenue_vs_last_year"]
    assert [pack["csat"](4.126), pack["line_card_rank"](3.0), pack["goal"](float("nan"))] == [
        "4.13", "#3", "–"
    ]  # fmt: skip
    # a kind's signed figure that rounds to zero reads +0.0; a pack pattern is written as
    # formatted, except that a zero never reads -0
    assert card["revenue_vs_last_year"](-0.0004) == pack["revenue_vs_last_year"](-0.0004) == "+0.0%"
    assert pack["goal"](-0.0) == pack["goal"](0.0) == "0"
    assert pack["goal"](-0.00012) == "-0.00012"


# -- a section with nothing to show says why ---------------------------------------------------------
def _words(shown) -> str:
    """The text of a page output: a markdown sentence unescaped, or the HTML as it is."""
    return shown.data.replace("\\", "")


def _table_rows(shown) -> int:
    """Data rows of a report table (its first column's cells)."""
    return len(re.findall(r'class="data row\d+ col0"', shown.data))


def test_pack_tables_show_every_row_or_say_in_a_sentence_that_there_is_none(packs, wb4):
    """Signals, deals, open actions and suggestions: a table of exactly the pack's rows, or (no
    row) a sentence naming the partner and the quarter — never an empty table."""
    seen_empty = set()
    for pid, pack in packs.items():
        for name, frame, shown, empty in [
            ("signals", pack.signals, pr_page.signals_table(pack), rf"^No signal for {pid} in {Q4}\.$"),
            ("deals", pack.deals, pr_page.deals_table(wb4, pack),
             rf"^No deal of [\d,]+ USD or more was won or lost by {pid} in {Q4}\.$"),
            ("review", pack.review, pr_page.review_table(pack), rf"^No open action for {pid} .*{Q4}"),
            ("suggestions", pack.suggestions, pr_page.suggestions_table(pack),
             rf"^No action suggested for {pid} in {Q4}: "),
        ]:  # fmt: skip
            if frame.empty:
                seen_empty.add(name)
                assert "<table" not in shown.data and re.search(empty, _words(shown)), (pid, name)
            else:
                assert _table_rows(shown) == len(frame), (pid, name)
    assert {"deals", "suggestions"} <= seen_empty  # both branches ran


def test_a_pack_without_opportunities_or_partner_reports_names_the_missing_file(
    tiny_copy, tmp_path
):
    """The loader's sentence ("This section needs <file>.csv ...", naming the folder) where the
    deals, the share of wallet and the line card would be; with the files, the deals of the
    opportunities file (independent read) and the reports' table."""
    opportunities = pd.read_csv(tiny_copy / "opportunities.csv", dtype=str)
    wb = open_workbook(tiny_copy, "FY2026-Q3", tmp_path / "plans")
    full = pr.partner_pack(wb, "P1")
    big = opportunities[
        (opportunities["partner_id"] == "P1")
        & (opportunities["amount"].astype(float) >= 300_000)  # tiny's goals.yaml win_loss_amount
        & opportunities["close_date"].between("2026-01-01", "2026-03-31")  # FY2026-Q3 (July FY)
    ]
    assert len(big) == 1 and _table_rows(pr_page.deals_table(wb, full)) == 1
    assert big["opportunity_id"].iloc[0] in pr_page.deals_table(wb, full).data
    assert "<table" in pr_page.reports_table(wb, full).data
    (tiny_copy / "opportunities.csv").unlink()
    (tiny_copy / "partner_reports.csv").unlink()
    wb = open_workbook(tiny_copy, "FY2026-Q3", tmp_path / "plans2")
    pack = pr.partner_pack(wb, "P1")
    deals = _words(pr_page.deals_table(wb, pack))
    # the folder by its name, never the machine's path
    assert (
        deals.startswith("This section needs opportunities.csv") and f"({tiny_copy.name})" in deals
    )
    assert str(tiny_copy) not in deals
    position = _words(pr_page.position_chart(wb, pack))
    assert position.startswith("This section needs partner_reports.csv")
    assert f"({tiny_copy.name})" in position and str(tiny_copy) not in position
    reports = _words(pr_page.reports_table(wb, pack))
    assert "<table" not in reports and "no partner_reports.csv" in reports
    assert str(tiny_copy) not in reports
