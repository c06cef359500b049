"""The batch index as an executive summary: the year against its targets and objective, and the
five headline findings, checked against independent computations.

Reference values come from plain SQL (DuckDB on ``sales.csv`` and ``targets.csv``), ``goals.yaml``
read with PyYAML, and the planted cases of ``ground_truth.csv`` ranked here by the ranking rule
(:data:`channel_lib.analysis.executive.RANKING_RULE`) written out again: severity from
``severity_rules.csv`` at the planted size × revenue through the entity over the 12 months
ending with the quarter (a lost customer: the 12 months before its window). Never quoted from
the code's output.
"""

from __future__ import annotations

import csv
import html
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "channel_lib" / "analysis" / "signals" / "severity_rules.csv"
#: The signals the triage ranks as events (concentration is structural, never a finding).
EVENT_SIGNALS = {
    "partner_total_sales_change", "our_sales_change", "lost_customer", "line_card_change",
    "key_talent_loss", "service_metrics",
}  # fmt: skip
OTHER_SEED = 2


# -- the independent side -----------------------------------------------------------------------
def goals(folder: Path) -> dict:
    return yaml.safe_load((folder / "goals.yaml").read_text())


def quarter_bounds(label: str, start_month: int) -> tuple[str, str]:
    """``FY2026-Q1`` → ("2025-07-01", "2025-10-01") for a July start, fiscal years named by
    their end year (the sample's goals.yaml)."""
    year, q = int(label[2:6]), int(label[-1])
    first_year = year - 1 if start_month > 1 else year
    m0 = start_month - 1 + 3 * (q - 1)  # months after January of the year the fiscal year starts
    m1 = m0 + 3
    return (f"{first_year + m0 // 12:04d}-{m0 % 12 + 1:02d}-01",
            f"{first_year + m1 // 12:04d}-{m1 % 12 + 1:02d}-01")  # fmt: skip


def shift(label: str, n: int) -> str:
    year, q = int(label[2:6]), int(label[-1]) - 1 + n
    return f"FY{year + q // 4}-Q{q % 4 + 1}"


def sales_sum(folder: Path, where: str, params: list, expr: str = "revenue") -> Decimal:
    con = duckdb.connect()
    sql = (
        f"SELECT coalesce(sum({expr}), 0) FROM read_csv(?, all_varchar = true, "
        "types = {'revenue': 'DECIMAL(18,4)', 'cost_of_sales': 'DECIMAL(18,4)'}) "
        f"WHERE {where}"
    )
    return con.execute(sql, [str(folder / "sales.csv"), *params]).fetchall()[0][0]


def span_sum(folder: Path, first: str, last: str, expr: str = "revenue", extra="", args=()):
    sm = goals(folder)["fiscal_year"]["start_month"]
    lo, hi = quarter_bounds(first, sm)[0], quarter_bounds(last, sm)[1]
    where = (
        "CAST(order_date AS DATE) >= CAST(? AS DATE) AND CAST(order_date AS DATE) < CAST(? AS DATE)"
    )
    return sales_sum(folder, where + extra, [lo, hi, *args], expr)


def severity(signal: str, direction: str, size: float) -> int:
    rows = [
        r
        for r in csv.DictReader(RULES.open())
        if (r["signal"], r["direction"]) == (signal, direction)
    ]
    reached = [r for r in rows if float(r["size_from"]) <= size + 1e-9]
    band = max(reached, key=lambda r: float(r["size_from"])) if reached else rows[0]
    return int(band["severity"])


def planted_size(signal: str, detail: str) -> tuple[str, float]:
    """Direction and size (the rule table's measure) of a planted case from its detail text."""
    if signal == "line_card_change":
        a, b = map(int, re.search(r"(\d+) -> (\d+)", detail).groups())
        return ("gained" if b < a else "lost"), abs(b - a)
    if signal in ("our_sales_change", "partner_total_sales_change"):
        pct = float(re.findall(r"([+-]\d+(?:\.\d+)?)%", detail)[-1])
        return ("up" if pct > 0 else "down"), abs(pct) / 100
    if signal == "lost_customer":
        return "lost", float(re.match(r"([\d.]+)%", detail).group(1)) / 100
    if signal == "key_talent_loss":
        return "lost", float(re.match(r"(\d+)", detail).group(1))
    return ("csat" if detail.startswith("CSAT") else "response"), 0.0


def expected_signal_ranking(folder: Path, quarter: str) -> list[tuple[str, Decimal, int]]:
    """(entity id, exposure in currency, severity) of the planted events, ranked."""
    g = goals(folder)
    least = Decimal(str(g["signals"]["min_revenue_at_stake"]))
    window = g["signals"]["lost_customer_window_quarters"]
    out = []
    for row in csv.DictReader((folder / "ground_truth.csv").open()):
        if row["kind"] != "planted" or row["period"] != quarter:
            continue
        if row["signal"] not in EVENT_SIGNALS:
            continue
        direction, size = planted_size(row["signal"], row["detail"])
        if row["signal"] == "lost_customer":
            last = shift(quarter, -window)
            exposure = span_sum(folder, shift(last, -3), last, extra=" AND customer_id = ?",
                                args=[row["entity_id"]])  # fmt: skip
        else:
            exposure = span_sum(folder, shift(quarter, -3), quarter, extra=" AND partner_id = ?",
                                args=[row["entity_id"]])  # fmt: skip
        if exposure >= least:
            out.append((row["entity_id"], exposure, severity(row["signal"], direction, size)))
    return sorted(out, key=lambda t: (-t[2] * t[1], t[0]))


def readable(amount: Decimal | float) -> str:
    """The README's rule for amounts in sentences, written out again: millions with one decimal
    from 10M (two below), thousands whole from 100K (one decimal below), units under 1K."""
    a = float(amount)
    if a >= 9.995e6:
        return f"{a / 1e6:,.1f}M"
    if a >= 0.995e6:
        return f"{a / 1e6:,.2f}M"
    if a >= 99.95e3:
        return f"{a / 1e3:,.0f}K"
    return f"{a / 1e3:,.1f}K" if a >= 999.5 else f"{a:,.0f}"


def amount_of(text: str) -> float:
    n, unit = re.match(r"([\d.,]+)([KMB]?)", text).groups()
    return float(n.replace(",", "")) * {"": 1, "K": 1e3, "M": 1e6, "B": 1e9}[unit]


# -- the index of the sample's shared batch ---------------------------------------------------------
@pytest.fixture(scope="module")
def index(batch_reports):
    page = batch_reports.html("index")
    return batch_reports, html.unescape(page.read_text(encoding="utf-8"))


def findings_of(page: str) -> list[str]:
    block = re.search(r'<ol class="findings">(.*?)</ol>', page, re.S)
    assert block, "the index has no findings list"
    return [
        re.sub(r"<[^>]+>", "", li).strip()
        for li in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.S)
    ]


@pytest.mark.notebook
def test_index_states_the_year_against_its_objective_and_targets_as_sql_and_goals_give(index):
    batch, page = index
    folder, quarter = Path(batch.manifest["data_dir"]), batch.manifest["quarter"]
    year = f"FY{quarter[2:6]}"
    first = f"{year}-Q1"
    revenue = span_sum(folder, first, quarter)
    gross_profit = span_sum(folder, first, quarter, "revenue - cost_of_sales")
    y = goals(folder)["years"][year]
    objective = Decimal(str(y["revenue_objective"]))
    gp_objective = objective * Decimal(str(y["gross_margin_goal"]))
    cur = goals(folder)["currency"]
    box = re.search(r'<section class="cw-answer"[^>]*>(.*?)</section>', page, re.S).group(1)
    answer = re.search(r"<li>(.*?)</li>", box, re.S).group(1)  # the year comes first
    if quarter.endswith("Q4"):  # the year has closed: its outlook is what it did
        assert answer.startswith(f"{year} closed at {readable(revenue)} {cur} revenue")
    assert (
        f"against its {readable(objective)} {cur} objective ({revenue / objective:.0%})" in answer
    )
    assert f"against {readable(gp_objective)} {cur} ({gross_profit / gp_objective:.0%})" in answer
    # year to date against the official targets (the batch approves no plan)
    targets = (
        duckdb.connect()
        .execute(
            "SELECT metric, sum(CAST(target AS DECIMAL(18,4))) FROM read_csv(?, all_varchar = true) "
            "WHERE (partner_id IS NULL OR partner_id = '') AND quarter IN (SELECT unnest(?)) "
            "GROUP BY metric",
            [str(folder / "targets.csv"), [shift(first, k) for k in range(int(quarter[-1]))]],
        )
        .fetchall()
    )
    t = dict(targets)
    ytd = re.search(r"<li>Year to date \(.*?\): (.*?)</li>", page).group(1)
    assert (
        f"revenue {readable(revenue)} {cur} against {readable(t['revenue'])} {cur} target "
        f"({revenue / t['revenue']:.0%})" in ytd
    )
    assert (
        f"gross profit {readable(gross_profit)} {cur} against {readable(t['gross_profit'])}" in ytd
    )
    assert "targets: official targets" in ytd


@pytest.mark.notebook
def test_index_findings_are_the_planted_cases_ranked_by_severity_times_exposure(index):
    batch, page = index
    folder, quarter = Path(batch.manifest["data_dir"]), batch.manifest["quarter"]
    if not (folder / "ground_truth.csv").exists():
        pytest.fail("the shared batch ran without the sample's ground truth")
    found = findings_of(page)
    assert len(found) == 5, found
    expected = expected_signal_ranking(folder, quarter)
    signals = [f for f in found if not re.search(r" spend — | forecast is ", f)]
    # the signal findings are the top planted events, in order, with their amounts
    assert [re.search(r"\((\w+)\)[^(]*—", f).group(1) for f in signals] == [
        e[0] for e in expected[: len(signals)]
    ]
    for text, (_, exposure, _) in zip(signals, expected, strict=False):
        assert f"— {readable(exposure)} USD of revenue" in text, text
    # an investment finding names only planted moves and sits where its severity x amount ranks
    planted = {(r["signal"].split("_")[1], r["entity_id"]) for r in csv.DictReader(
        (folder / "ground_truth.csv").open()) if r["signal"].startswith("investment_")
        and r["kind"] == "planted"}  # fmt: skip
    priorities = [sev * float(e) for _, e, sev in expected]
    for rank, text in enumerate(found):
        move = re.search(r": (.*) spend — ([\d.,]+[KM]?) USD more", text)
        if not move:
            continue
        assert {tuple(m.split()) for m in move.group(1).split(", ")} <= planted, text
        stated = amount_of(move.group(2))  # rounded to 0.1M: its priority lies in this range
        low, high = 2 * (stated - 0.05e6), 2 * (stated + 0.05e6)
        before = sum(f in signals for f in found[:rank])
        assert sum(p > high for p in priorities) <= before <= sum(p > low for p in priorities)


@pytest.mark.notebook
def test_index_links_each_reports_excel_workbook_and_moves_the_run_status_to_details(index):
    batch, page = index
    written = [Path(r["xlsx"]).name for r in batch.manifest["notebooks"]
               if r.get("xlsx") and r.get("partner_id") is None]  # fmt: skip
    assert written, "the shared batch wrote no Excel workbook"
    for name in written:
        assert f'<a href="{name}">Excel</a>' in page
    status = page.index("<details><summary>Run status")
    assert page.index('<ol class="findings">') < status and "manifest.json" in page[status:]
    assert re.search(r"/(?:tmp|home|work)/", re.sub(r"<[^>]+>", "", page)) is None


# -- another seed: the analysis function directly -----------------------------------------------------
@pytest.fixture(scope="module")
def other_seed(small_sample, tmp_path_factory):
    from channel_lib.analysis.executive import executive_summary
    from channel_lib.data.workbook import open_workbook

    folder = small_sample(OTHER_SEED)
    wb = open_workbook(folder, "latest", tmp_path_factory.mktemp("plans"))
    return folder, wb, executive_summary(wb)


def test_other_seed_year_to_date_and_objective_equal_sql_and_goals(other_seed):
    folder, wb, s = other_seed
    first = f"{s.year}-Q1"
    scale = Decimal(10) ** wb.dataset.money.decimals
    revenue = span_sum(folder, first, s.quarter)
    gp = span_sum(folder, first, s.quarter, "revenue - cost_of_sales")
    ytd = s.row("year_to_date_vs_last_year", "revenue")
    assert int(ytd["value_exact"]) == int(revenue * scale)
    last = span_sum(folder, shift(first, -4), shift(s.quarter, -4))
    assert int(ytd["reference_exact"]) == int(last * scale)
    out_rev, out_gp = (
        s.row("outlook_vs_objective", "revenue"),
        s.row("outlook_vs_objective", "gross_profit"),
    )
    y = goals(folder)["years"][s.year]
    assert out_rev["reference"] == pytest.approx(y["revenue_objective"], abs=0.01)
    assert out_gp["reference"] == pytest.approx(
        y["revenue_objective"] * y["gross_margin_goal"], abs=0.01
    )
    if s.closed:
        assert int(out_rev["value_exact"]) == int(revenue * scale)
        assert int(out_gp["value_exact"]) == int(gp * scale)
    sample_revenue = span_sum(ROOT / "data" / "sample", first, s.quarter)
    assert revenue != sample_revenue  # a different data set, not the sample's figures again


def test_other_seed_findings_follow_the_ranking_rule_on_its_planted_cases(other_seed):
    folder, wb, s = other_seed
    f = s.findings
    assert 0 < len(f) <= 5 and list(f["rank"]) == list(range(1, len(f) + 1))
    assert list(f["priority_exact"]) == sorted(f["priority_exact"], reverse=True)
    expected = expected_signal_ranking(folder, s.quarter)
    signals = f[f["source"] == "signal"]
    assert list(signals["entity_id"]) == [e[0] for e in expected[: len(signals)]]
    scale = Decimal(10) ** wb.dataset.money.decimals
    assert list(signals["exposure_exact"]) == [int(e[1] * scale) for e in expected[: len(signals)]]
    assert list(signals["severity"]) == [e[2] for e in expected[: len(signals)]]
    # the signals left out rank below the last finding shown
    if len(expected) > len(signals):
        left = expected[len(signals)]
        assert left[2] * int(left[1] * scale) <= int(f["priority_exact"].iloc[-1])
    sample = expected_signal_ranking(ROOT / "data" / "sample", "FY2026-Q4")
    assert [e[1] for e in expected[:3]] != [e[1] for e in sample[:3]]


# -- the page without a batch: a failed report, no summary ------------------------------------------
def test_a_failed_report_shows_in_one_line_at_the_top_and_its_error_in_the_run_status(tmp_path):
    from channel_lib.batch.index import IndexContent, index_html
    from channel_lib.batch.records import NotebookRun, QuarterPlan

    (tmp_path / "00_quarter_overview.html").write_text("ok")
    (tmp_path / "00_quarter_overview.xlsx").write_text("xlsx")
    runs = {
        "00_quarter_overview": NotebookRun("00_quarter_overview", "FY2026-Q3", "ok", seconds=2.0,
                                           html=str(tmp_path / "00_quarter_overview.html")),
        "05_performance_signals": NotebookRun("05_performance_signals", "FY2026-Q3", "failed",
                                              seconds=1.0, error="ValueError: boom"),
    }  # fmt: skip
    q = QuarterPlan("FY2026-Q3", "the latest complete quarter", tmp_path, runs=runs)
    page = index_html(q, IndexContent(unavailable="sales.csv cannot be read."))
    body = page[page.index("<body>") :]
    top = re.search(r'<p class="failed-line">(.*?)</p>', body).group(1)
    assert "Performance signals" in top and "boom" in top
    assert body.index("failed-line") < body.index("<h2>")  # before the summary
    assert "The summary is not available: sales.csv cannot be read." in body
    assert '<a href="00_quarter_overview.xlsx">Excel</a>' in body
    details = body[body.index("<details>") :]
    assert "1 of 2 reports failed" in details and "ValueError: boom" in details
    assert (
        '<a href="00_quarter_overview.html">Quarter overview</a>' in body[: body.index("<details>")]
    )
