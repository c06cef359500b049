"""Early-warning signals, scorecards and notebook 05 against the sample's ground truth.

Every signal is checked on the committed sample and on seeds 1-5 generated at a small scale:
precision and recall against ``ground_truth.csv`` are 1.0, near misses are not flagged, and a
threshold lowered just under the near misses' level flags exactly the planted cases plus the near
misses that sit below it. The expected ids come from the ground truth only (no names here).
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from shapes import make_direct_only

from channel_lib import load_dataset
from channel_lib.analysis import scorecard, signals
from channel_lib.batch.engine import WARM_ENGINE  # the batch's warm kernels
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.loader import Dataset
from channel_lib.plans import actions as act
from channel_lib.plans.signals_export import write_signals
from channel_lib.presentation import charts
from channel_lib.presentation.pages import performance_signals as page

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SMALL_SCALE = 0.2
DATASETS = ["committed", *[f"seed{k}" for k in range(1, 6)]]


@dataclass
class Case:
    """A dataset folder with a ground truth, loaded once."""

    name: str
    folder: Path

    @cached_property
    def ds(self) -> Dataset:
        return load_dataset(self.folder)

    @cached_property
    def gt(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "ground_truth.csv", dtype=str, keep_default_na=False)

    @property
    def quarter(self) -> str:
        """The early warnings' quarter (other planted cases may be dated by year or event)."""
        (period,) = set(self.gt.loc[self.gt["signal"].isin(SIGNALS), "period"])
        return period

    def expected(self, signal: str, kind: str = "planted") -> set[str]:
        gt = self.gt
        return set(gt.loc[(gt.signal == signal) & (gt.kind == kind), "entity_id"])

    def near_details(self, signal: str) -> dict[str, str]:
        gt = self.gt
        rows = gt[(gt.signal == signal) & (gt.kind == "near_miss")]
        return dict(zip(rows["entity_id"], rows["detail"], strict=True))


_CASES: dict[str, Case] = {}


@pytest.fixture(scope="module", params=DATASETS)
def case(request, small_sample) -> Case:
    name = request.param
    if name not in _CASES:
        if name == "committed":
            folder = SAMPLE
        else:
            folder = small_sample(int(name[4:]), SMALL_SCALE)
        _CASES[name] = Case(name, folder)
    return _CASES[name]


@pytest.fixture(scope="module")
def sample() -> Case:
    return _CASES.setdefault("committed", Case("committed", SAMPLE))


def found(case: Case, signal: str, **thresholds) -> set[str]:
    """Entity ids the workbook flags for ``signal`` in the ground truth's quarter."""
    ds, q = case.ds, case.quarter
    if signal == "win_loss_deal":
        return set(signals.win_loss_deals(ds, q, **thresholds)["opportunity_id"])
    frame = getattr(signals, signal)(ds, q, **thresholds)
    if signal == "channel_dependency":
        frame = frame[frame["entity_type"] == "channel"]
    return set(frame["entity_id"])


SIGNALS = [
    "partner_total_sales_change", "our_sales_change", "lost_customer", "line_card_change",
    "key_talent_loss", "service_metrics", "win_loss_deal", "channel_dependency",
]  # fmt: skip


# -- precision and recall --------------------------------------------------------------------------------
@pytest.mark.parametrize("signal", SIGNALS)
def test_every_signal_has_precision_and_recall_one_and_no_near_miss(case: Case, signal: str):
    got, planted = found(case, signal), case.expected(signal)
    assert planted, f"{case.name}: the ground truth plants no {signal}"
    true_positives = len(got & planted)
    precision = true_positives / len(got) if got else 0.0
    recall = true_positives / len(planted)
    assert (precision, recall) == (1.0, 1.0), f"{case.name} {signal}: flagged {sorted(got)}"
    assert not got & case.expected(signal, "near_miss")


def _below_threshold_near_misses(case: Case, signal: str) -> set[str]:
    """Near misses that a lower threshold should reach (read from the ground truth's details)."""
    details = case.near_details(signal)
    if signal == "lost_customer":  # the others are moved, seasonal, recent or irregular buyers
        return {k for k, d in details.items() if "less than 1%" in d}
    if signal == "service_metrics":  # a metric that recovered this quarter stays unflagged
        return {k for k, d in details.items() if "recovered" not in d}
    if signal == "win_loss_deal":  # only deals closed in the quarter, not open or other quarters
        start, end = case.ds.calendar.quarter_bounds(case.quarter)
        closed = {k: re.search(r"closed (\d{4}-\d{2}-\d{2})", d) for k, d in details.items()}
        return {k for k, m in closed.items() if m and start <= pd.Timestamp(m.group(1)) < end}
    return set(details)


# key_talent_loss has no level to lower (any departure counts): widening its window reaches
# ordinary partners' older departures by design, so it is not in this list.
LOWERED = {
    "partner_total_sales_change": {"threshold": 0.11},
    "our_sales_change": {"threshold": 0.11},
    "lost_customer": {"share": 0.0055},
    "service_metrics": {"csat_min": 4.2, "first_response_hours_max": 22.0},
    "win_loss_deal": {"threshold": 280_000},
    "channel_dependency": {"share": 0.25},
}


def _stated_moves(case: Case, at_least: float) -> set[str]:
    """Partners whose FY revenue change, as another planted case of the ground truth states it
    (``revenue FY2026 … vs FY2025 …: -14.0%``, issue 19's target cases), is at least ``at_least``."""
    rows = case.gt[case.gt["signal"].str.startswith("target_") & (case.gt.entity_type == "partner")]
    moves = {
        r.entity_id: float(m.group(1)) / 100
        for r in rows.itertuples()
        if (m := re.search(r"revenue FY\d+ [\d,.]+ vs FY\d+ [\d,.]+: ([+-][\d.]+)%", r.detail))
    }
    return {k for k, v in moves.items() if abs(v) >= at_least}


@pytest.mark.parametrize("signal", list(LOWERED))
def test_threshold_just_under_the_near_misses_flags_planted_plus_near_misses(case, signal):
    expected = case.expected(signal) | _below_threshold_near_misses(case, signal)
    if signal == "our_sales_change":  # the partners issue 19 plants with a stated 11%+ move
        expected |= _stated_moves(case, LOWERED[signal]["threshold"])
    assert found(case, signal, **LOWERED[signal]) == expected


def test_a_customer_who_moved_partner_is_moved_not_lost(case: Case):
    details = case.near_details("lost_customer")
    moved = {k for k, d in details.items() if "moved" in d}
    assert moved, "the ground truth has a customer that moved partner"
    listed = signals.moved_customers(case.ds, case.quarter)
    assert set(listed["entity_id"]) == moved
    assert not moved & found(case, "lost_customer")
    assert (listed["revenue_at_stake_exact"] > 0).all() and listed["evidence"].str.contains(
        "buys via"
    ).all()


def test_thresholds_default_to_goals_and_reject_bad_values(sample: Case):
    ds = sample.ds
    assert signals.resolve_thresholds(ds) == ds.goals.signals
    th = signals.resolve_thresholds(
        ds, our_sales_change=0.12, csat_min=None, win_loss_amount="goals"
    )
    assert (th.our_sales_change, th.csat_min) == (0.12, ds.goals.signals.csat_min)
    with pytest.raises(ParameterError, match="unknown signal threshold"):
        signals.resolve_thresholds(ds, our_sales=0.1)
    with pytest.raises(ParameterError, match="≥ 0"):
        signals.resolve_thresholds(ds, csat_min=-1)
    wide = signals.early_warnings(ds, sample.quarter, thresholds=th)
    assert found(sample, "our_sales_change", threshold=0.12) == set(
        wide.loc[wide["signal"] == "our_sales_change", "entity_id"]
    )


# -- the rows: evidence, since, exposure ------------------------------------------------------------------
def test_signal_rows_carry_evidence_since_and_exposure(sample: Case):
    ew = signals.early_warnings(sample.ds, sample.quarter)
    assert list(ew.columns) == signals.SIGNAL_COLUMNS
    assert ew["evidence"].str.len().gt(10).all() and ew["since"].notna().all()
    assert ew["periods_compared"].notna().all()
    assert (ew["revenue_at_stake_exact"] >= 0).all()
    scale = sample.ds.money.scale  # exact units per currency unit
    assert (ew["revenue_at_stake"] == ew["revenue_at_stake_exact"] / scale).all()
    assert ew["revenue_at_stake_exact"].is_monotonic_decreasing
    lost = ew[ew["signal"] == "lost_customer"]
    assert set(lost["entity_id"]) == sample.expected("lost_customer")
    # a lost customer's exposure is its revenue over the four quarters before the window
    for row in lost.itertuples():
        exact = sample.ds.sql(
            f"SELECT CAST(sum(revenue) * {scale} AS BIGINT) AS c FROM sales WHERE customer_id = ? "
            "AND order_date >= DATE '2025-01-01' AND order_date < DATE '2026-01-01'",
            [row.entity_id],
        )["c"].iloc[0]
        assert row.revenue_at_stake_exact == exact


# -- materiality, ranking, export ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lumpy(sample: Case) -> pd.DataFrame:
    """Many signals of every size: an early quarter, when the new channel's partners grow fast."""
    return signals.early_warnings(sample.ds, "FY2025-Q1")


@pytest.mark.parametrize("minimum", [0, 50_000, 250_000, 1_000_000.5])
def test_raising_the_minimum_removes_exactly_the_rows_below_it_and_counts_them(
    lumpy, minimum, sample: Case
):
    money = sample.ds.money
    kept = signals.material(lumpy, min_revenue_at_stake=minimum, money=money)
    below = signals.below_materiality(lumpy, min_revenue_at_stake=minimum, money=money)
    least = math.ceil(minimum * money.scale)  # the least whole unit ≥ the minimum
    assert (kept["revenue_at_stake_exact"] >= least).all()
    assert kept["revenue_at_stake_exact"].is_monotonic_decreasing
    dropped = lumpy[lumpy["revenue_at_stake_exact"] < least]
    assert len(kept) + len(dropped) == len(lumpy)
    if dropped.empty:
        assert below.empty
        return
    summary = below.set_index("signal")
    assert summary.loc["total", "rows"] == len(dropped)
    assert summary.loc["total", "revenue_at_stake_exact"] == dropped["revenue_at_stake_exact"].sum()
    by_signal = dropped.groupby("signal").size()
    assert summary.drop(index="total")["rows"].to_dict() == by_signal.to_dict()


def test_raising_the_minimum_step_by_step_removes_the_rows_in_between(lumpy, sample: Case):
    money = sample.ds.money
    low = signals.material(lumpy, min_revenue_at_stake=50_000, money=money)
    high = signals.material(lumpy, min_revenue_at_stake=250_000, money=money)
    key = ["signal", "entity_id", "revenue_at_stake_exact"]
    rows = lambda f: set(map(tuple, f[key].itertuples(index=False)))  # noqa: E731
    removed = rows(low) - rows(high)
    assert rows(high) <= rows(low) and removed and rows(high)
    assert all(50_000 * money.scale <= x < 250_000 * money.scale for *_, x in removed)
    with pytest.raises(ParameterError):
        signals.material(lumpy, min_revenue_at_stake=-1, money=money)


def test_export_is_atomic_and_exact(tmp_path, sample: Case):
    ew = signals.early_warnings(sample.ds, sample.quarter)
    path = write_signals(ew, sample.quarter, plans_dir=tmp_path / "plans", money=sample.ds.money)
    assert path == tmp_path / "plans" / f"signals_{sample.quarter}.csv"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(back) == len(ew) and "revenue_at_stake_exact" not in back
    # written in cents, read back exactly (the sample's amounts are whole cents)
    step = sample.ds.money.minor_step
    assert [round(float(x) * 100) * step for x in back["revenue_at_stake"]] == list(
        ew["revenue_at_stake_exact"]
    )
    other = write_signals(
        ew.head(2), sample.quarter, path=tmp_path / "x" / "mine.csv", money=sample.ds.money
    )
    assert other.exists() and len(pd.read_csv(other)) == 2


def test_flagged_partners_are_the_partners_of_material_signals(sample: Case):
    ds, q = sample.ds, sample.quarter
    flagged = signals.flagged_partners(ds, q)
    assert all(isinstance(p, str) for p in flagged) and len(set(flagged)) == len(flagged)
    kept = signals.material(signals.early_warnings(ds, q), money=ds.money,
                            min_revenue_at_stake=ds.goals.signals.min_revenue_at_stake)  # fmt: skip
    assert set(flagged) == set(kept["partner_id"].dropna())
    for signal in ("partner_total_sales_change", "our_sales_change", "line_card_change",
                   "key_talent_loss", "service_metrics"):  # fmt: skip
        assert sample.expected(signal) <= set(flagged), signal
    from channel_lib.batch.run import select_partners

    assert set(select_partners(ds, q, "flagged")) == set(flagged)


# -- partners without reports, stopped and new partners ---------------------------------------------------------
REPORT_SIGNALS = {"partner_total_sales_change", "line_card_change", "key_talent_loss",
                  "service_metrics"}  # fmt: skip


def test_stopped_partner_is_named_with_the_signals_it_blocks(case: Case):
    status = scorecard.reporting_status(case.ds, case.quarter).set_index("partner_id")
    stopped = case.expected("stopped_reporting")
    assert stopped and set(status.index[status["status"] == "stopped"]) == stopped
    for pid in stopped:
        blocked = set(str(status.loc[pid, "blocked_signals"]).split(", "))
        assert REPORT_SIGNALS <= blocked


def test_new_and_never_reporting_partners_raise_no_false_signal(case: Case):
    ds, q = case.ds, case.quarter
    status = scorecard.reporting_status(ds, q).set_index("partner_id")
    new = case.expected("new_partner")
    assert new and (status.loc[sorted(new), "status"] == "new").all()
    silent = set(status.index[status["status"] == "never reported"])
    assert silent, "the sample has partners that never report"
    ew = signals.early_warnings(ds, q)
    assert not set(ew["partner_id"].dropna()) & new
    report_based = ew[ew["signal"].isin(REPORT_SIGNALS)]
    assert not set(report_based["partner_id"]) & (silent | case.expected("stopped_reporting"))
    book = scorecard.portfolio(ds, q).set_index("partner_id")
    for pid in new & set(book.index):
        assert book.loc[pid, "suggestion"] == "new: too early to judge"


def test_a_dataset_without_reports_or_deals_runs_and_says_nothing_false(tiny_copy):
    (tiny_copy / "partner_reports.csv").unlink()
    (tiny_copy / "opportunities.csv").unlink()
    ds = load_dataset(tiny_copy)
    q = "FY2026-Q3"
    ew = signals.early_warnings(ds, q)
    assert not ew["signal"].isin(REPORT_SIGNALS).any()
    assert signals.win_loss_deals(ds, q).empty
    status = scorecard.reporting_status(ds, q)
    assert set(status["status"]) == {"never reported"}
    assert scorecard.portfolio(ds, q)["service"].isna().all()
    assert scorecard.scorecard(ds, q, level="partner")["share_of_wallet"].isna().all()


def test_a_direct_only_dataset_without_partner_files_runs(tiny_copy):
    make_direct_only(tiny_copy)
    ds = load_dataset(tiny_copy)
    for q in ("FY2026-Q3", "FY2026-Q4"):
        ew = signals.early_warnings(ds, q)
        assert set(ew["signal"]) <= {"our_sales_change", "lost_customer", "channel_dependency"}
        assert ew["partner_id"].isna().all() and signals.flagged_partners(ds, q) == []
        assert signals.win_loss_deals(ds, q).empty and signals.moved_customers(ds, q).empty
        assert len(scorecard.scorecard(ds, q)) == 3
        assert scorecard.scorecard(ds, q, level="partner").empty
        assert scorecard.reporting_status(ds, q).empty and scorecard.portfolio(ds, q).empty


# -- the same findings under other ids ------------------------------------------------------------------------------
#: id column -> (file that defines the ids, prefix of the new ids)
ID_COLUMNS = {
    "channel_id": ("channels.csv", "CH"), "partner_id": ("partners.csv", "Z"),
    "customer_id": ("customers.csv", "K"), "product_id": ("products.csv", "SKU"),
    "order_id": ("sales.csv", "ORD"), "opportunity_id": ("opportunities.csv", "D"),
}  # fmt: skip


def _relabel(src: Path, dest: Path) -> dict[str, dict[str, str]]:
    """Copy ``src`` with every id (channel, partner, customer, product, order, opportunity) mapped
    through a bijection that reverses their order, in every file and in goals.yaml; return the
    mapping per id column."""
    import yaml

    dest.mkdir()
    read = {p.name: pd.read_csv(p, dtype=str, keep_default_na=False) for p in src.glob("*.csv")}
    read.pop("ground_truth.csv", None)
    maps = {}
    for column, (file, prefix) in ID_COLUMNS.items():
        ids = sorted(set(read[file][column]), reverse=True)
        maps[column] = {old: f"{prefix}{i:06d}" for i, old in enumerate(ids)}
    for name, frame in read.items():
        for column, mapping in maps.items():
            if column in frame:
                frame[column] = frame[column].map(lambda v, m=mapping: m.get(v, v))
        if name == "partner_changes.csv":
            moved = frame["field"] == "channel_id"
            frame.loc[moved, "new_value"] = frame.loc[moved, "new_value"].map(maps["channel_id"])
        frame.to_csv(dest / name, index=False, quoting=csv.QUOTE_MINIMAL)
    goals = yaml.safe_load((src / "goals.yaml").read_text(encoding="utf-8"))
    for year in goals["years"].values():
        year["channels"] = {maps["channel_id"][c]: v for c, v in year["channels"].items()}
    (dest / "goals.yaml").write_text(yaml.safe_dump(goals, sort_keys=False), encoding="utf-8")
    return maps


def test_relabelling_every_id_gives_the_same_findings(sample: Case, tmp_path):
    maps = _relabel(SAMPLE, tmp_path / "relabelled")
    ds, q = load_dataset(tmp_path / "relabelled"), sample.quarter
    back = {new: old for mapping in maps.values() for old, new in mapping.items()}
    assert len(back) == sum(len(m) for m in maps.values())  # new ids never collide
    assert set(ds.table("channels")["channel_id"]) == set(maps["channel_id"].values())
    assert set(ds.goals.year("FY2026").channels) <= set(maps["channel_id"].values())

    def findings(d: Dataset, names: dict[str, str]) -> dict[str, set]:
        ew = signals.early_warnings(d, q)
        wl = signals.win_loss_deals(d, q)
        rs = scorecard.reporting_status(d, q)
        cards = pd.concat([scorecard.scorecard(d, q, level=lv) for lv in ("channel", "partner")])
        pf = scorecard.portfolio(d, q)

        def n(v):
            return None if pd.isna(v) else names.get(v, v)

        return {
            "signals": {(r.signal, n(r.entity_id), n(r.partner_id), n(r.channel_id),
                         round(r.value, 9), r.revenue_at_stake_exact, r.since)
                        for r in ew.itertuples()},
            "deals": {(n(r.opportunity_id), n(r.partner_id), n(r.customer_id), r.amount_exact)
                      for r in wl.itertuples()},
            "reporting": {(n(r.partner_id), r.status, n(r.blocked_signals)) for r in rs.itertuples()},
            "lights": {(n(r.channel_id), n(r.partner_id), r.light, r.revenue_exact)
                       for r in cards.itertuples()},
            "portfolio": {(n(r.partner_id), round(r.score, 9), r.suggestion) for r in pf.itertuples()},
            "flagged": {n(p) for p in signals.flagged_partners(d, q)},
        }  # fmt: skip

    assert findings(ds, back) == findings(sample.ds, {})


# -- scorecards and exceptions -----------------------------------------------------------------------------------
def test_traffic_light_follows_the_tolerance(tiny):
    def dir_row(tol: float) -> pd.Series:
        return (
            scorecard.scorecard(tiny, "FY2026-Q3", tolerance=tol).set_index("channel_id").loc["DIR"]
        )

    assert dir_row(0.05)["revenue_attainment"] == pytest.approx(0.9, abs=1e-12)
    assert dir_row(0.05)["light"] == "red"
    assert dir_row(0.10)["light"] == "amber"
    assert dir_row(0.0)["light"] == "red"
    with pytest.raises(ParameterError):
        scorecard.scorecard(tiny, "FY2026-Q3", tolerance=1.5)


def test_channel_scorecard_equals_the_core_metrics(sample: Case):
    from channel_lib.data import cube as metrics

    ds, q = sample.ds, sample.quarter
    card = scorecard.scorecard(ds, q).set_index("channel_id")
    core = metrics.summarise(ds, by="channel_id", period="quarter", periods=[q]).set_index(
        "channel_id"
    )
    assert (card.loc[core.index, "revenue_exact"] == core["revenue_exact"]).all()
    missed = sample.expected("target_miss")
    assert set(card.index[card["light"] == "red"]) == missed
    partner = scorecard.scorecard(ds, q, level="partner")
    assert (partner["share_of_wallet"].dropna() >= 0).all()  # > 1 when a report undercounts


def test_exceptions_are_new_persisting_or_closing(tiny_dir, tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    # FY2026-Q2: DIR and WEB miss; FY2026-Q3: DIR and DIST miss (WEB met) -> persisting, new, closing
    (plans / "targets.csv").write_text(
        "quarter,channel_id,partner_id,metric,target,status\n"
        "FY2026-Q2,DIR,,revenue,99000,approved\nFY2026-Q2,WEB,,revenue,99000,approved\n"
        "FY2026-Q2,DIST,,revenue,1,approved\nFY2026-Q3,DIR,,revenue,99000,approved\n"
        "FY2026-Q3,WEB,,revenue,1000,approved\nFY2026-Q3,DIST,,revenue,99000,approved\n"
    )
    ds = load_dataset(tiny_dir)
    e = scorecard.exceptions(ds, "FY2026-Q3", plans_dir=plans).set_index("channel_id")
    assert e["status"].to_dict() == {"DIR": "persisting", "DIST": "new", "WEB": "closing"}
    assert e.loc["DIR", "money_at_stake"] == 99000 - 13500
    assert e.loc["WEB", "money_at_stake"] == 0
    assert list(e["money_at_stake_exact"]) == sorted(e["money_at_stake_exact"], reverse=True)


# -- every quarter of the last two years ---------------------------------------------------------------------
QUARTERS = [f"FY{y}-Q{k}" for y in (2025, 2026) for k in (1, 2, 3, 4)]


def test_every_analysis_runs_for_each_quarter_of_the_last_two_years(sample: Case, tmp_path):
    ds = sample.ds
    ids = list(ds.table("channels")["channel_id"])
    th = ds.goals.signals
    for q in QUARTERS:
        ew = signals.early_warnings(ds, q)
        kept = signals.material(ew, min_revenue_at_stake=th.min_revenue_at_stake, money=ds.money)
        signals.below_materiality(ew, min_revenue_at_stake=th.min_revenue_at_stake, money=ds.money)
        triaged = signals.triaged_warnings(ds, q)
        write_signals(triaged, q, plans_dir=tmp_path, money=ds.money)
        signals.win_loss_deals(ds, q)
        page.signal_sentences(triaged, min_revenue_at_stake=th.min_revenue_at_stake, money=ds.money)
        cards = [scorecard.scorecard(ds, q, level=lv) for lv in ("channel", "partner")]
        scorecard.exceptions(ds, q)
        scorecard.reporting_status(ds, q)
        book = scorecard.portfolio(ds, q)
        built = [
            charts.signals_by_exposure(kept, channel_ids=ids, title=q),
            charts.portfolio_scatter(book, channel_ids=ids, title=q),
            *[charts.scorecard_lights(c, channel_ids=ids, title=q) for c in cards],
        ]
        if q == QUARTERS[0]:  # the quarter with the most signals: validate the specs once
            assert all(chart.to_dict() for chart in built)
    assert len(list(tmp_path.glob("signals_*.csv"))) == len(QUARTERS)


# -- the notebook -----------------------------------------------------------------------------------------------------
def _text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_report_lists_the_planted_signals_and_the_stopped_partner(batch_reports, sample: Case):
    text = _text(batch_reports.html("05_performance_signals"))
    assert sample.quarter in text
    for signal in SIGNALS:
        for entity in sample.expected(signal):
            assert entity in text, (signal, entity)
    for pid in sample.expected("stopped_reporting"):
        assert re.search(rf"{pid} .{{0,120}}stopped .{{0,80}}line_card_change", text)
    assert " nan " not in text.lower()


def test_report_shows_the_action_register_and_the_log_holds_the_company_actions(
    batch_reports, sample: Case
):
    """Notebook 05 raises the deals', the stopped partner's and the missed channel's actions
    whether or not their partner gets a pack, and shows the register answer first."""
    text = _text(batch_reports.html("05_performance_signals"))
    register = text.split("Action register", 1)[1].split("Explore", 1)[0]
    q = sample.quarter
    assert re.search(rf"\d+ actions? open \(\d+ raised in {q}\), \d+ due by the end of "
                     rf"FY\d{{4}}-Q\d, \d+ overdue; \d+ closed in {q}\.", register)  # fmt: skip
    log = act.current_actions(act.read_log(batch_reports.folder / "plans"))
    scopes = set(log.loc[log["raised_in"] == q, "scope"])
    for deal in sample.expected("win_loss_deal"):
        assert f"deal:{deal}" in scopes and deal in register, deal
    for pid in sample.expected("stopped_reporting"):
        assert f"partner:{pid}" in scopes and f"{q}-{pid}-stopped_reporting" in register
    gt = sample.gt
    for channel in gt.loc[(gt["signal"] == "target_miss") & (gt["entity_type"] == "channel")
                          & (gt["kind"] == "planted"), "entity_id"]:  # fmt: skip
        assert any(s.startswith(f"channel:{channel}:") for s in scopes), channel
    assert log["action_id"].is_unique


def test_notebook_runs_for_an_older_quarter(tmp_path):
    from channel_lib.batch.run import run_notebook
    from channel_lib.presentation.html import export_html

    out = run_notebook(
        ROOT / "notebooks" / "05_performance_signals.ipynb", tmp_path / "05.ipynb",
        {"data_dir": str(SAMPLE), "quarter": "FY2025-Q1", "plans_dir": str(tmp_path / "plans")},
        engine=WARM_ENGINE,
    )  # fmt: skip
    page = export_html(out, tmp_path / "05.html", title="Signals FY2025-Q1")
    text = _text(page)
    assert "Reporting quarter FY2025-Q1" in text and "Traceback" not in text
    assert (tmp_path / "plans" / "signals_FY2025-Q1.csv").exists()


# -- the dataset's money unit: the same currency figures at 4 and 0 decimals ------------------------
#: Money columns of the contract, per file of the tiny dataset.
MONEY_COLUMNS = {
    "sales.csv": ("revenue", "cost_of_sales"), "opportunities.csv": ("amount",),
    "partner_reports.csv": ("partner_total_sales", "pipeline_value"),
    "channel_costs.csv": ("amount",), "targets.csv": ("target",), "products.csv": ("list_price",),
}  # fmt: skip


def rewrite_money(src: Path, dest: Path, decimals: int) -> Path:
    """``src`` (every amount whole, written with 2 places) copied to ``dest`` with
    ``money_decimals: decimals`` in goals.yaml and every amount written with that many places:
    the same amounts, another unit."""
    shutil.copytree(src, dest)
    goals = dest / "goals.yaml"
    goals.write_text(f"money_decimals: {decimals}\n" + goals.read_text())
    for name, columns in MONEY_COLUMNS.items():
        with open(dest / name, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            for c in columns:
                if row[c]:
                    whole, cents = row[c].split(".")
                    assert cents == "00", (name, c, row[c])  # whole amounts: any unit holds them
                    row[c] = whole + ("." + "0" * decimals if decimals else "")
        with open(dest / name, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return dest


TINY_QUARTERS = ["FY2025-Q4", "FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]


def _tiny_at(decimals: int, tmp_path_factory) -> Dataset:
    folder = tmp_path_factory.mktemp(f"tiny{decimals}") / "tiny"
    ds = load_dataset(rewrite_money(ROOT / "tests" / "data" / "tiny", folder, decimals))
    assert ds.money.decimals == decimals
    return ds


@pytest.fixture(scope="module", params=[4, 0], ids=["4 decimals", "0 decimals"])
def other_unit(request, tmp_path_factory) -> tuple[Dataset, Dataset]:
    """The tiny dataset at 2 places (``money_decimals: 2`` said, whatever the default) and the
    same amounts at ``money_decimals`` 4 or 0."""
    return _tiny_at(2, tmp_path_factory), _tiny_at(request.param, tmp_path_factory)


def _money_frames(ds: Dataset, q: str) -> dict[str, pd.DataFrame]:
    ew = signals.early_warnings(ds, q)
    return {
        "signals": ew,
        "material": signals.material(ew, min_revenue_at_stake=5000.0, money=ds.money),
        "below": signals.below_materiality(ew, min_revenue_at_stake=5000.0, money=ds.money),
        "deals": signals.win_loss_deals(ds, q, threshold=0),
        "channel card": scorecard.scorecard(ds, q, level="channel"),
        "partner card": scorecard.scorecard(ds, q, level="partner"),
        "exceptions": scorecard.exceptions(ds, q),
        "reporting": scorecard.reporting_status(ds, q),
        "portfolio": scorecard.portfolio(ds, q),
    }


#: Currency columns of the frames above, each next to its exact column.
_CURRENCY = {
    "signals": ["revenue_at_stake"], "material": ["revenue_at_stake"],
    "below": ["revenue_at_stake"], "deals": ["amount"],
    "channel card": ["revenue", "gross_profit", "revenue_target", "gross_profit_target", "pipeline"],
    "partner card": ["revenue", "gross_profit", "revenue_target", "gross_profit_target", "pipeline"],
    "exceptions": ["target", "actual", "money_at_stake"],
    "reporting": ["revenue_12m"], "portfolio": ["revenue_12m"],
}  # fmt: skip


@pytest.mark.parametrize("q", TINY_QUARTERS)
def test_money_at_stake_and_scorecard_money_are_the_same_currency_in_any_money_unit(other_unit, q):
    two, other = other_unit
    assert two.money.decimals == 2
    ratio = other.money.scale // 100 if other.money.decimals >= 2 else None
    got, want = _money_frames(other, q), _money_frames(two, q)
    assert len(want["signals"]) and (want["signals"]["revenue_at_stake"] > 0).all()
    for name, columns in _CURRENCY.items():
        g, w = got[name], want[name]
        assert len(g) == len(w), name
        for c in columns:  # currency: the same floats (each is the float nearest the amount)
            pd.testing.assert_series_equal(g[c], w[c], check_exact=True, obj=f"{name}.{c}")
        for c in [c for c in w.columns if c.endswith("_exact")]:  # exact: another unit
            if ratio is not None:
                assert (g[c] == w[c] * ratio).all(), (name, c)
            else:
                assert (g[c] * 100 == w[c]).all(), (name, c)
        rest = [c for c in w.columns if c not in columns and not c.endswith("_exact")]
        if name not in ("signals", "material"):  # evidence text: below
            pd.testing.assert_frame_equal(g[rest], w[rest], obj=name)
    # the evidence shows money to the currency's minor unit: cents for USD at 4 places, none at 0
    evidence = got["signals"]["evidence"].tolist()
    if other.money.decimals >= 2:
        assert evidence == want["signals"]["evidence"].tolist()
    else:
        assert evidence == [
            re.sub(r"(\d)\.00 USD", r"\1 USD", e) for e in want["signals"]["evidence"]
        ]


def test_signal_money_at_4_decimals_is_the_files_exact_sum(tmp_path_factory):
    """Revenue at stake of a partner signal at 4 places equals DuckDB's exact sum of the
    rewritten file: our trailing-12-month revenue through the partner, in units of 10^-4."""
    import duckdb

    ds, q = _tiny_at(4, tmp_path_factory), "FY2026-Q2"
    start, end = ds.calendar.trailing_window(q, 12)
    want = dict(duckdb.execute(
        "SELECT partner_id, CAST(sum(CAST(revenue AS DECIMAL(18,4))) * 10000 AS BIGINT) "
        f"FROM read_csv('{ds.folder / 'sales.csv'}', all_varchar=true) "
        "WHERE partner_id <> '' AND CAST(order_date AS DATE) >= ? "
        "AND CAST(order_date AS DATE) < ? GROUP BY ALL",
        [start.date(), end.date()],
    ).fetchall())  # fmt: skip
    partner_rows = signals.early_warnings(ds, q, include_dependency=False)
    partner_rows = partner_rows[partner_rows["entity_type"] == "partner"]
    assert len(partner_rows)
    for row in partner_rows.itertuples():
        assert int(row.revenue_at_stake_exact) == want[row.entity_id], row.signal
        assert row.revenue_at_stake == want[row.entity_id] / 10_000


def test_the_materiality_minimum_is_compared_exactly_never_rounded():
    money = MoneyUnit("USD", 4)
    rows = pd.DataFrame({
        "signal": ["a"] * 4, "entity_id": ["W", "X", "Y", "Z"],
        "revenue_at_stake_exact": [10_000_049, 10_000_050, 10_000_051, 9_999_999],
    })  # fmt: skip
    kept = signals.material(rows, min_revenue_at_stake=1000.005, money=money)
    assert kept["entity_id"].tolist() == ["Y", "X"]  # 1000.0049 < 1000.005 <= 1000.005
    below = signals.below_materiality(rows, min_revenue_at_stake=1000.005, money=money)
    assert below.set_index("signal").loc["total", "rows"] == 2


@pytest.mark.parametrize(
    "column", ["revenue", "gross_profit", "money_at_stake", "revenue_at_stake"]
)
def test_scorecard_money_never_reads_minus_or_plus_zero(column):
    from channel_lib.presentation.formats import display_formats

    shown = display_formats([column])[column]
    tiny = [-0.3, -0.4999, -0.0001, -0.0, 0.0, 0.3, 0.4999]
    assert {shown(v) for v in tiny} == {"0"}
    assert [shown(v) for v in (-0.6, -1234.5, 1234.6, float("nan"))] == [
        "-1",
        "-1,234",
        "1,235",
        "–",
    ]


# -- triage (issue 21): kind, severity, one exposure basis, short lists ----------------------------------
@pytest.fixture(scope="module")
def triaged(case: Case) -> pd.DataFrame:
    return signals.triaged_warnings(case.ds, case.quarter)


def test_export_has_kind_severity_and_unusual_for_every_row(tmp_path, sample: Case):
    t = signals.triaged_warnings(sample.ds, sample.quarter)
    path = write_signals(t, sample.quarter, money=sample.ds.money, plans_dir=tmp_path)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(t) > 0
    assert {"kind", "severity", "severity_label", "item", "unusual"} <= set(rows[0])
    assert not [c for c in rows[0] if c.endswith("_exact")]
    assert {r["kind"] for r in rows} <= {"risk", "opportunity"}
    assert {int(r["severity"]) for r in rows} <= set(signals.SEVERITY_SCALE)
    assert {r["unusual"] for r in rows} <= {"True", "False", ""}


def test_gains_and_rises_are_opportunities_falls_and_losses_risks(case: Case, triaged):
    planted = case.gt[(case.gt.signal == "line_card_change") & (case.gt.kind == "planted")]
    kind = triaged.set_index(["signal", "entity_id"])["kind"]
    for r in planted.itertuples():  # e.g. P010 "3 -> 1 ... (position gained)"
        want = "opportunity" if "gained" in r.detail else "risk"
        assert kind[("line_card_change", r.entity_id)] == want, r.detail
    moves = triaged[triaged["signal"].isin(["our_sales_change", "partner_total_sales_change"])]
    assert set(moves["direction"]) <= {"up", "down"} and len(moves)
    assert (moves["kind"] == moves["direction"].map({"up": "opportunity", "down": "risk"})).all()
    assert (moves["value"].gt(0) == moves["direction"].eq("up")).all()
    assert triaged["severity"].between(1, 4).all()


def test_dependency_is_the_trailing_12_month_share_by_sql(sample: Case):
    cal = sample.ds.calendar
    start = cal.quarter_bounds(cal.shift_quarter(sample.quarter, -3))[0].date()
    q_start, end = (d.date() for d in cal.quarter_bounds(sample.quarter))
    sql = (
        "WITH c AS (SELECT channel_id, sum(revenue) AS r FROM read_csv_auto(?) "
        "WHERE order_date >= ? AND order_date < ? GROUP BY channel_id HAVING sum(revenue) > 0) "
        "SELECT channel_id, r / (SELECT sum(r) FROM c) AS share FROM c"
    )
    files = str(SAMPLE / "sales.csv")
    con = duckdb.connect()
    year = dict(con.execute(sql, [files, start, end]).fetchall())
    quarter = dict(con.execute(sql, [files, q_start, end]).fetchall())
    dep = signals.channel_dependency(sample.ds, sample.quarter)
    dep = dep[dep["entity_type"] == "channel"].set_index("entity_id")
    assert set(dep.index) == sample.expected("channel_dependency")
    for cid, row in dep.iterrows():
        assert row["value"] == pytest.approx(float(year[cid]), abs=1e-9)
        assert f"{float(quarter[cid]):.1%} in {sample.quarter}" in row["evidence"]
        # the ground truth states the trailing-12-month share, to 0.1 point
        (detail,) = sample.gt.loc[(sample.gt.signal == "channel_dependency")
                                  & (sample.gt.entity_id == cid), "detail"]  # fmt: skip
        assert f"{row['value']:.1%}" == re.search(r"[\d.]+%", detail).group(0)
        scale = sample.ds.money.scale
        total = con.execute(
            "SELECT sum(revenue) FROM read_csv_auto(?) WHERE channel_id = ? AND order_date >= ? "
            "AND order_date < ?", [files, cid, start, end],
        ).fetchall()[0][0]  # fmt: skip
        assert row["revenue_at_stake_exact"] == round(float(total) * scale)


def test_headline_never_adds_unlike_exposures_nor_an_entity_twice(case: Case, triaged):
    money = case.ds.money
    head = signals.headline(triaged, money=money).set_index("kind")
    assert set(head.index) <= {"risk", "opportunity"}
    events = triaged[triaged["item"] == "event"]
    # structural items (DIST's concentration, its partners inside it) never enter a total
    assert (triaged.loc[triaged["item"] == "structural", "signal"] == "channel_dependency").all()
    doubled = pd.concat([triaged, triaged, triaged[triaged["item"] == "structural"]])
    pd.testing.assert_frame_equal(signals.headline(doubled, money=money).set_index("kind")
                                  .drop(columns="signals"), head.drop(columns="signals"))  # fmt: skip
    for kind, row in head.iterrows():
        rows = events[events["kind"] == kind]
        # each entity once, at its largest exposure; a customer bought via a counted partner is
        # inside that partner's revenue
        partners = set(rows.loc[rows["entity_type"] == "partner", "entity_id"])
        keep = rows[(rows["entity_type"] == "partner") | ~rows["partner_id"].isin(partners)]
        want = keep.groupby(["entity_type", "entity_id"])["revenue_at_stake_exact"].max().sum()
        assert row["exposure_exact"] == want
        assert row["entities"] == len(keep.groupby(["entity_type", "entity_id"]))
    # a partner's exposure is its revenue over the trailing 12 months, in plain SQL
    cal = case.ds.calendar
    start = cal.quarter_bounds(cal.shift_quarter(case.quarter, -3))[0].date()
    end = cal.quarter_bounds(case.quarter)[1].date()
    by_sql = dict(duckdb.connect().execute(
        "SELECT partner_id, sum(revenue) FROM read_csv_auto(?) WHERE order_date >= ? "
        "AND order_date < ? AND partner_id IS NOT NULL GROUP BY partner_id",
        [str(case.folder / "sales.csv"), start, end],
    ).fetchall())  # fmt: skip
    partner_rows = events[events["entity_type"] == "partner"]
    for r in partner_rows.itertuples():
        assert r.revenue_at_stake_exact == round(float(by_sql[r.entity_id]) * money.scale)


@pytest.mark.parametrize("minimum", [0, 50_000])
def test_default_short_list_holds_at_most_15_rows_ranked_by_severity_times_exposure(
    case: Case, minimum
):
    th = signals.resolve_thresholds(case.ds, partner_sales_change=0.0, our_sales_change=0.0,
                                    lost_customer_share=0.0)  # fmt: skip
    every = signals.triaged_warnings(case.ds, case.quarter, thresholds=th)  # a list no one reads
    short = signals.short_list(every, min_revenue_at_stake=minimum, money=case.ds.money)
    assert len(every) > 15 and 0 < len(short.rows) <= 15
    assert (short.rows["item"] == "event").all() and (
        short.structural["item"] == "structural"
    ).all()
    assert short.more == len(every) - len(short.rows) - len(short.structural) > 0
    priority = short.rows["severity"] * short.rows["revenue_at_stake_exact"]
    assert priority.is_monotonic_decreasing
    assert (short.rows["priority_exact"] == priority).all()
    line = page.more_line(short, "plans/signals.csv").data
    assert f"{short.more} more signals" in line and f"{len(every)} in all" in line


def test_unusual_move_has_precision_and_recall_one_and_no_near_miss(case: Case, triaged):
    planted, near = case.expected("unusual_move"), case.expected("unusual_move", "near_miss")
    assert planted and near, f"{case.name}: the ground truth plants no unusual_move"
    fires = set(triaged.loc[triaged["signal"] == "our_sales_change", "entity_id"])
    assert planted | near <= fires  # the 20% rule fires for both: it stays the signal
    flagged = set(triaged.loc[triaged["unusual"].fillna(False).astype(bool), "entity_id"])
    assert flagged == planted and not flagged & near


def test_severity_rules_cover_every_signal_and_reject_a_bad_table(tmp_path):
    rules = signals.severity_rules()
    assert set(signals.SIGNAL_NAMES) <= set(rules["signal"])
    assert rules["severity"].between(1, 4).all()
    bad = tmp_path / "rules.csv"
    bad.write_text("signal,direction,kind,measure,size_from,severity,reading\n"
                   "lost_customer,lost,threat,value,0.01,5,x\n")  # fmt: skip
    with pytest.raises(ParameterError, match=r"line 2, kind 'threat'.*line 2, severity '5'"):
        signals.severity_rules(bad)
