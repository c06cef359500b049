"""The quarter overview (notebook 00): KPIs equal an independent DuckDB computation on the sample,
and the planted target miss and channel dependency are reported (read from ground_truth.csv)."""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from channel_lib.analysis import overview
from channel_lib.data.workbook import open_workbook
from channel_lib.presentation.pages import quarter_overview as page

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TINY = ROOT / "tests" / "data" / "tiny"
# FY runs July-June in the sample's goals.yaml; FY2026-Q4 = April-June 2026 (checked below)
QUARTERS = {"FY2026-Q4": ("2026-04-01", "2026-07-01"), "FY2026-Q3": ("2026-01-01", "2026-04-01"),
            "FY2025-Q4": ("2025-04-01", "2025-07-01")}  # fmt: skip


def planted(signal: str, kind: str = "planted") -> list[str]:
    with (SAMPLE / "ground_truth.csv").open() as f:
        return [
            r["entity_id"] for r in csv.DictReader(f) if r["signal"] == signal and r["kind"] == kind
        ]


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    return open_workbook(SAMPLE, plans_dir=tmp_path_factory.mktemp("plans"))


def sql_quarter(start: str, end: str) -> tuple:
    """Revenue, gross profit, and partners and customers with positive net revenue, in plain SQL."""
    lines = (
        f"SELECT *, revenue::DECIMAL(18,2) AS rev, cost_of_sales::DECIMAL(18,2) AS cost "
        f"FROM read_csv('{SAMPLE / 'sales.csv'}', all_varchar = true) "
        f"WHERE order_date::DATE >= '{start}' AND order_date::DATE < '{end}'"
    )
    positive = "SELECT {k} FROM lines WHERE {k} IS NOT NULL GROUP BY {k} HAVING sum(rev) > 0"
    return duckdb.execute(
        f"WITH lines AS ({lines}) SELECT (SELECT sum(rev) FROM lines), (SELECT sum(rev - cost) FROM lines), "
        f"(SELECT count(*) FROM ({positive.format(k='partner_id')})), "
        f"(SELECT count(*) FROM ({positive.format(k='customer_id')}))"
    ).fetchall()[0]  # fetchall: fetchone leaves the default connection busy (DuckDB 2)


def test_sample_reports_fy2026_q4_by_default(wb):
    assert "start_month: 7" in (SAMPLE / "goals.yaml").read_text()
    assert wb.quarter == "FY2026-Q4"


def test_headline_kpis_equal_independent_sql_to_the_cent(wb):
    kpis = overview.headline_kpis(wb).set_index("kpi")
    for column, quarter in overview.comparison_quarters(wb).items():
        revenue, profit, partners, customers = sql_quarter(*QUARTERS[quarter])
        assert round(kpis.loc["revenue", column], 2) == float(revenue)
        assert round(kpis.loc["gross_profit", column], 2) == float(profit)
        assert kpis.loc["active_partners", column] == partners
        assert kpis.loc["active_customers", column] == customers
    change = kpis.loc["revenue", "change_vs_last_year"]
    this, year_ago = (float(sql_quarter(*QUARTERS[q])[0]) for q in ("FY2026-Q4", "FY2025-Q4"))
    assert change == pytest.approx((this - year_ago) / year_ago, rel=1e-12)


def test_planted_target_miss_is_below_target_and_named(wb):
    channels = overview.channel_quarter(wb).set_index("channel_id")
    sentences = " ".join(
        page.overview_sentences(wb, overview.headline_kpis(wb), channels.reset_index())
    )
    for channel in planted("target_miss"):
        assert channels.loc[channel, "attainment"] < 1.0
        assert channels.attrs["targets_source"] == "dataset"
    missed = channels[channels["attainment"] < 1.0]
    assert set(planted("target_miss")) <= set(missed.index)
    assert missed.sort_values("attainment")["channel_name"].iloc[0] in sentences


def test_planted_dependency_is_flagged_and_near_miss_is_not(wb):
    channels = overview.channel_quarter(wb).set_index("channel_id")
    assert channels.loc[planted("channel_dependency"), "dependency"].all()
    assert not channels.loc[planted("channel_dependency", "near_miss"), "dependency"].any()


@pytest.mark.parametrize("dataset_targets", [True, False], ids=["official", "none"])
def test_targets_for_other_quarters_only_leave_attainment_empty_not_an_error(
    tmp_path, dataset_targets
):
    # the plans folder holds targets for later quarters only (what target setting writes), and the
    # dataset's targets.csv, when there is one, none for the reported quarter
    data = tmp_path / "data"
    data.mkdir()
    for f in TINY.iterdir():
        if f.name != "targets.csv" or dataset_targets:
            (data / f.name).write_bytes(f.read_bytes())
    if dataset_targets:
        text = (data / "targets.csv").read_text().replace("FY2026-Q3", "FY2026-Q1")
        (data / "targets.csv").write_text(text)
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "targets.csv").write_text(
        "quarter,channel_id,partner_id,metric,target\nFY2027-Q1,DIR,,revenue,1000.00\n"
    )
    wb = open_workbook(data, plans_dir=plans, quarter="FY2026-Q3")
    channels = overview.channel_quarter(wb)
    assert channels["attainment"].isna().all() and channels["revenue_target"].isna().all()
    assert page.targets_note(wb, channels).startswith(
        "no revenue target for FY2026-Q3" if dataset_targets else "This section needs targets.csv"
    )


def test_overview_report_shows_quarter_kpis_and_planted_cases(batch_reports):
    page = batch_reports.html("00_quarter_overview").read_text()
    text = re.sub(r"<[^>]+>", " ", page)
    assert "FY2026-Q4" in text and "latest complete quarter" in text
    revenue = float(sql_quarter(*QUARTERS["FY2026-Q4"])[0])
    assert f"{revenue:,.0f}" in text
    names = {
        r["channel_id"]: r["channel_name"] for r in csv.DictReader((SAMPLE / "channels.csv").open())
    }
    for channel in planted("channel_dependency"):
        assert re.search(rf"Dependency risk: [^.]*{re.escape(names[channel])}", text)


def sql_year_by_channel(folder: Path, start: str, end: str) -> dict[str, tuple]:
    """Lines, revenue and cost of sales per channel between two dates, exact, from the CSV file."""
    rows = duckdb.execute(
        f"SELECT channel_id, count(*), sum(revenue), sum(cost_of_sales) "
        f"FROM read_csv('{folder / 'sales.csv'}', header = true, types = {{"
        f"'revenue': 'DECIMAL(38,10)', 'cost_of_sales': 'DECIMAL(38,10)', 'order_date': 'DATE'}}) "
        f"WHERE order_date >= '{start}' AND order_date < '{end}' GROUP BY channel_id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def money_text(amount: Decimal, decimals: int) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-decimals)):,}"


#: The sample's amounts have 2 decimals in the file: its totals show cents (the fewest places
#: that keep every digit, at least the currency's cents), not the unit's 4 places.
SAMPLE_PLACES = 2


def places_needed(amounts, minor: int = 2, most: int = 4) -> int:
    """The fewest places writing every amount exactly, between ``minor`` and ``most``."""
    return max([minor, *(min(most, max(0, -a.normalize().as_tuple().exponent)) for a in amounts)])


def test_totals_to_reconcile_show_the_reported_year_exactly(wb):
    # the sample: FY2026 runs July 2025 to June 2026 (start_month 7, checked above)
    assert "money_decimals" not in (SAMPLE / "goals.yaml").read_text()
    totals = overview.control_totals(wb.dataset, years=[wb.year])
    frame = page.control_totals_frame(wb, totals)
    expected = sql_year_by_channel(SAMPLE, "2025-07-01", "2026-07-01")
    by_id = {
        c.split("(")[-1].rstrip(")"): row
        for c, row in zip(frame["Channel"], frame.values, strict=True)
    }
    assert set(by_id) == {*expected, "Total"}
    for channel, (lines, revenue, cost) in expected.items():
        assert list(by_id[channel][2:]) == [
            f"{lines:,}",
            money_text(revenue, SAMPLE_PLACES),
            money_text(cost, SAMPLE_PLACES),
        ]
    total = [sum(v[i] for v in expected.values()) for i in range(3)]
    assert list(by_id["Total"][2:]) == [f"{total[0]:,}", money_text(total[1], SAMPLE_PLACES),
                                        money_text(total[2], SAMPLE_PLACES)]  # fmt: skip
    assert set(frame["Fiscal year"]) == {"FY2026"}


def test_totals_to_reconcile_keep_four_decimals(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    goals = (
        (data / "goals.yaml")
        .read_text()
        .replace("currency: USD\n", "currency: EUR\nmoney_decimals: 4\n")
    )
    (data / "goals.yaml").write_text(goals)
    sales = (data / "sales.csv").read_text().replace(",9500.00,5200.00,", ",9500.0049,5200.0001,")
    (data / "sales.csv").write_text(sales)
    wb = open_workbook(data, plans_dir=tmp_path / "plans", quarter="FY2025-Q4")
    frame = page.control_totals_frame(wb, overview.control_totals(wb.dataset, years=[wb.year]))
    expected = sql_year_by_channel(data, "2024-07-01", "2025-07-01")
    row = frame[frame["Channel"].str.endswith("(DIR)")].iloc[0]
    assert places_needed([v for row in expected.values() for v in row[1:]]) == 4
    assert row["Revenue (EUR)"] == money_text(expected["DIR"][1], 4)
    assert row["Revenue (EUR)"].endswith(".0049") and row["Cost of sales (EUR)"].endswith(".0001")


def test_overview_report_ends_with_an_appendix_of_totals_to_reconcile(batch_reports):
    text = re.sub(r"<[^>]+>", " ", batch_reports.html("00_quarter_overview").read_text())
    assert "Appendix: totals to reconcile with your ERP" in text
    _, revenue, _ = sql_year_by_channel(SAMPLE, "2025-07-01", "2026-07-01")["DIR"]
    assert money_text(revenue, SAMPLE_PLACES) in text
