"""Win/loss interviews: recorded from the shell, atomic and locked like the action log, checked
against opportunities.csv, and a service complaint moves the partner portfolio's advice.

Everything runs on ``tests/data/tiny`` (D1: P1 won 2026-02-15; D2: P2 lost 2026-03-01); no
notebook runs.
"""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pandas as pd
import pytest

from channel_lib import load_dataset
from channel_lib.analysis import scorecard
from channel_lib.cli.commands import main
from channel_lib.plans import interviews as iv

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"


def _rows(plans: Path) -> list[dict]:
    with (plans / iv.INTERVIEWS_FILE).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_record_appends_a_row_with_the_opportunitys_partner_and_close_date(tmp_path, capsys):
    plans = tmp_path / "plans"
    base = ["interviews", "record", "--data", str(TINY), "--plans", str(plans)]
    assert main([*base, "D2", "--outcome", "lost", "--reason", "slow  support", "--by", "Ann"]) == 0
    assert "service complaint on D2" in capsys.readouterr().out
    assert main([*base, "D1", "--outcome", "won", "--reason", "price, and a demo"]) == 0
    rows = _rows(plans)
    assert [
        (r["opportunity_id"], r["partner_id"], r["outcome"], r["close_date"]) for r in rows
    ] == [
        ("D2", "P2", "lost", "2026-03-01"),
        ("D1", "P1", "won", "2026-02-15"),
    ]  # fmt: skip  (from tests/data/tiny/opportunities.csv)
    assert rows[0]["reason"] == "slow support" and rows[0]["interviewed_by"] == "Ann"
    assert rows[1]["reason"] == "price, and a demo"  # quoted: the comma stays in the field
    got = iv.read_interviews(plans)
    assert got["service"].tolist() == [True, False]
    # a second interview of D2 is a new row; the latest one is what is read
    assert main([*base, "D2", "--outcome", "lost", "--reason", "price"]) == 0
    assert len(_rows(plans)) == 3
    capsys.readouterr()
    assert main(["interviews", "list", "--plans", str(plans), "--partner", "P2"]) == 0
    listed = capsys.readouterr().out
    assert "price" in listed and "slow support" not in listed  # the latest interview only
    latest = iv.interviews_for(plans, "P2")
    assert latest["reason"].tolist() == ["price"] and not latest["service"].any()


@pytest.mark.parametrize(
    ("opp", "outcome", "reason", "message"),
    [
        ("D9", "lost", "x", "opportunity 'D9' is not in "),
        (
            "D1",
            "lost",
            "x",
            "opportunities.csv, line 2: opportunity D1 has outcome 'won', not 'lost'",
        ),
        ("D2", "lost", "  ", "D2: the reason is empty"),
    ],
)
def test_a_bad_interview_is_refused_naming_the_file_row_and_value(
    tmp_path, capsys, opp, outcome, reason, message
):
    plans = tmp_path / "plans"
    status = main(["interviews", "record", opp, "--outcome", outcome, "--reason", reason,
                   "--data", str(TINY), "--plans", str(plans)])  # fmt: skip
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (plans / iv.INTERVIEWS_FILE).exists()


def test_a_corrupt_file_is_named_with_its_line_and_left_as_it_was(tmp_path):
    plans = tmp_path / "plans"
    iv.record_interview(plans, TINY, "D2", outcome="lost", reason="price")
    path = plans / iv.INTERVIEWS_FILE
    path.write_text(path.read_text() + "D1,P1,maybe,price,,2026-02-15,now\n", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(iv.InterviewError, match=r"interviews\.csv, line 3: outcome 'maybe'"):
        iv.record_interview(plans, TINY, "D1", outcome="won", reason="fast support")
    assert path.read_bytes() == before
    assert not [p for p in plans.iterdir() if p.name.endswith(".tmp")]


def test_concurrent_records_all_land(tmp_path):
    plans = tmp_path / "plans"
    threads = [
        threading.Thread(target=iv.record_interview, args=(plans, TINY, "D2"),
                         kwargs={"outcome": "lost", "reason": f"reason {i}"})
        for i in range(8)
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["reason"] for r in _rows(plans)) == sorted(f"reason {i}" for i in range(8))


def test_a_service_complaint_lowers_the_service_score_and_moves_the_portfolio_advice(
    tiny, tmp_path
):
    q = "FY2026-Q3"
    before = scorecard.portfolio(tiny, q).set_index("partner_id")
    plans = tmp_path / "plans"
    iv.record_interview(plans, TINY, "D2", outcome="lost", reason="price")  # no service word
    same = scorecard.portfolio(tiny, q, plans_dir=plans).set_index("partner_id")
    assert same["suggestion"].equals(before["suggestion"])
    assert (same["service_complaints"] == 0).all()
    iv.record_interview(plans, TINY, "D2", outcome="lost", reason="Partner SUPPORT never called")
    after = scorecard.portfolio(tiny, q, plans_dir=plans).set_index("partner_id")
    assert after.loc["P2", "service_complaints"] == 1
    expected = max(before.loc["P2", "service"] - scorecard.SERVICE_COMPLAINT_PENALTY, 0.0)
    assert after.loc["P2", "service"] == pytest.approx(expected)
    assert before.loc["P2", "suggestion"] == "keep"
    assert after.loc["P2", "suggestion"] == "keep (service complaint in a win/loss interview: D2)"
    assert after.loc["P2", "score"] < before.loc["P2", "score"]
    others = ["P1", "P3"]
    assert after.loc[others, "suggestion"].equals(before.loc[others, "suggestion"])
    # a quarter whose trailing 12 months end before D2 closed (2026-03-01) does not count it
    early = [x for x in tiny.calendar.quarter_range("FY2025-Q1", q)
             if tiny.calendar.quarter_bounds(x)[1] <= pd.Timestamp("2026-03-01")][-1]  # fmt: skip
    book = scorecard.portfolio(tiny, early, plans_dir=plans)
    assert (book["service_complaints"] == 0).all()


def test_a_promotion_is_withheld_while_a_service_complaint_stands(tiny_copy, tmp_path):
    partners = tiny_copy / "partners.csv"
    text = partners.read_text(encoding="utf-8")
    assert text.count(",gold,") == 1 and "\nP1,Acme Distribution,DIST,NA,gold," in text
    partners.write_text(text.replace(",gold,", ",silver,", 1), encoding="utf-8")  # P1: silver
    ds = load_dataset(tiny_copy)
    plans = tmp_path / "plans"
    iv.record_interview(plans, tiny_copy, "D1", outcome="won", reason="unresponsive services team")
    q = "FY2026-Q3"
    promoted = scorecard.portfolio(ds, q, promote_at=0.0).set_index("partner_id")
    assert promoted.loc["P1", "suggestion"] == "promote to gold"
    held = scorecard.portfolio(ds, q, promote_at=0.0, plans_dir=plans).set_index("partner_id")
    assert held.loc["P1", "service"] >= 0.5  # still good enough: the complaint withholds it
    assert held.loc["P1", "suggestion"] == "keep (service complaint in a win/loss interview: D1)"


def test_reasons_aggregate_by_partner_and_channel(tmp_path):
    plans = tmp_path / "plans"
    empty = iv.reasons_by_partner(iv.read_interviews(plans), pd.DataFrame(
        columns=["partner_id", "partner_name", "channel_id"]), "2025-01-01", "2027-01-01")  # fmt: skip
    assert empty.empty and "service_complaints" in empty.columns
    iv.record_interview(plans, TINY, "D1", outcome="won", reason="fast response")
    iv.record_interview(plans, TINY, "D2", outcome="lost", reason="price")
    partners = pd.read_csv(TINY / "partners.csv", dtype=str)
    got = iv.reasons_by_partner(iv.read_interviews(plans), partners, pd.Timestamp("2025-07-01"),
                                pd.Timestamp("2026-07-01")).set_index("partner_id")  # fmt: skip
    channel = dict(zip(partners["partner_id"], partners["channel_id"], strict=True))
    assert got.loc["P1", "channel_id"] == channel["P1"]
    assert got.loc[["P1", "P2"], ["won", "lost", "service_complaints"]].values.tolist() == [
        [1, 0, 1], [0, 1, 0],
    ]  # fmt: skip
    assert got.index.tolist() == ["P1", "P2"]  # the service complaint first


def test_notebook_05s_section_lists_the_reasons_or_says_how_to_record_one(
    tiny, tiny_copy, tmp_path
):
    from channel_lib.data.workbook import Workbook
    from channel_lib.presentation.pages import performance_signals as page

    plans = tmp_path / "plans"
    wb = Workbook(dataset=tiny, quarter="FY2026-Q3", quarter_reason="asked", plans_dir=plans)
    assert "channel-workbook interviews record" in page.interviews_table(wb).data
    iv.record_interview(plans, TINY, "D2", outcome="lost", reason="no support <b>at all</b>")
    shown = page.interviews_table(wb).data
    assert "no support &lt;b&gt;at all&lt;/b&gt;" in shown  # the customer's words, as text
    assert "P2" in shown and ": 1 interview, 1 service complaint" in shown
    (tiny_copy / "opportunities.csv").unlink()
    bare = Workbook(dataset=load_dataset(tiny_copy), quarter="FY2026-Q3", quarter_reason="asked",
                    plans_dir=plans)  # fmt: skip
    assert "this dataset does not have" in page.interviews_table(bare).data
