"""One growth definition and one reading of each margin change (issue 20, point 4).

- ``revenue_growth`` equals plain DuckDB SQL on ``sales.csv`` (four quarters to the reporting
  quarter against the four before) on the sample and seeds 1-5;
- ``margin_drivers``: the three components add up to the change (1e-9), the margins equal SQL on
  ``sales.csv``/``products.csv``, and a planted unit-cost fall, a planted discount fall and a near
  miss are read as planted (a synthetic two-channel case; the sample's ``margin_driver`` rows of
  ``ground_truth.csv`` when the sample has them).
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from channel_lib import load_dataset
from channel_lib.analysis.growth import GROWTH_DEFINITION, revenue_growth
from channel_lib.analysis.trends.bridge import margin_drivers, margin_drivers_from_frame
from channel_lib.core.errors import ParameterError
from channel_lib.presentation.pages import margins

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SEEDS = [1, 2, 3, 4, 5]


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


def _quarter_window(ds, quarters: list[str]) -> tuple[str, str]:
    start, _ = ds.calendar.quarter_bounds(quarters[0])
    _, end = ds.calendar.quarter_bounds(quarters[-1])
    return str(start.date()), str(end.date())


def sql_growth(folder: Path, ds, quarter: str) -> pd.DataFrame:
    """Revenue per channel of the four quarters to ``quarter`` and the four before, in SQL."""
    cal = ds.calendar
    now = _quarter_window(ds, [cal.shift_quarter(quarter, -3), quarter])
    before = _quarter_window(ds, [cal.shift_quarter(quarter, -7), cal.shift_quarter(quarter, -4)])
    return duckdb.sql(
        f"""
        SELECT channel_id,
          sum(revenue) FILTER (WHERE order_date >= DATE '{now[0]}' AND order_date < DATE '{now[1]}')
            AS now,
          sum(revenue) FILTER (WHERE order_date >= DATE '{before[0]}'
                               AND order_date < DATE '{before[1]}') AS before
        FROM read_csv('{folder / "sales.csv"}', types={{'revenue': 'DECIMAL(38,4)'}})
        GROUP BY channel_id ORDER BY channel_id"""
    ).df()


def _check_growth(folder: Path) -> None:
    ds = load_dataset(folder)
    quarter = _last_quarter(ds)
    got = revenue_growth(ds, quarter).set_index("channel_id")
    ref = sql_growth(folder, ds, quarter).set_index("channel_id")
    for ch, r in ref.iterrows():
        if pd.isna(r["before"]) or pd.isna(r["now"]):
            continue
        row = got.loc[ch]
        assert ds.money.amount(int(row["revenue_exact"])) == pytest.approx(
            float(r["now"]), abs=1e-6
        )
        assert ds.money.amount(int(row["previous_revenue_exact"])) == pytest.approx(
            float(r["before"]), abs=1e-6
        )
        if row["previous_quarters"] == 4:
            assert row["growth"] == pytest.approx(float(r["now"] / r["before"]) - 1, rel=1e-12)
        else:
            assert pd.isna(row["growth"])


def _last_quarter(ds) -> str:
    """The quarter before the one the last sale falls in (complete on every generated set)."""
    last = ds.sql("SELECT max(order_date) AS d FROM sales")["d"].iloc[0]
    q = ds.calendar.quarter_of(pd.Timestamp(last))
    return ds.calendar.shift_quarter(q, -1)


def test_revenue_growth_equals_sql_on_the_sample(sample):
    _check_growth(SAMPLE)
    g = revenue_growth(sample, "FY2026-Q4")
    assert g.attrs["definition"] == GROWTH_DEFINITION
    assert set(g["first_quarter"]) == {"FY2026-Q1"}


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_revenue_growth_equals_sql_on_other_seeds(small_sample, seed):
    _check_growth(small_sample(seed))


def test_company_growth_is_the_sum_of_the_channels(sample):
    company = revenue_growth(sample, "FY2026-Q3", by="company").iloc[0]
    channels = revenue_growth(sample, "FY2026-Q3")
    assert company["revenue_exact"] == channels["revenue_exact"].sum()
    assert company["previous_revenue_exact"] == channels["previous_revenue_exact"].sum()


def test_a_channel_without_four_earlier_quarters_has_no_growth(sample):
    # MSP launched in FY2025-Q1: for FY2025-Q4 none of the four earlier quarters has its sales
    g = revenue_growth(sample, "FY2025-Q4").set_index("channel_id")
    young = g[g["previous_quarters"] < 4]
    assert len(young) and young["growth"].isna().all()


def test_bad_growth_parameters_say_what_to_write(sample):
    with pytest.raises(ParameterError, match="FY2026-Q4"):
        revenue_growth(sample, "2026Q4")
    with pytest.raises(ParameterError, match="'channel'"):
        revenue_growth(sample, "FY2026-Q4", by="region")


# -- margin drivers ---------------------------------------------------------------------------------
def sql_margins(folder: Path, ds, quarters: list[str]) -> pd.Series:
    start, end = _quarter_window(ds, quarters)
    frame = duckdb.sql(
        f"""
        SELECT channel_id, 1 - sum(cost_of_sales) / sum(revenue) AS margin
        FROM read_csv('{folder / "sales.csv"}',
                      types={{'revenue': 'DECIMAL(38,4)', 'cost_of_sales': 'DECIMAL(38,4)'}})
        WHERE order_date >= DATE '{start}' AND order_date < DATE '{end}'
        GROUP BY channel_id HAVING sum(revenue) > 0"""
    ).df()
    return frame.set_index("channel_id")["margin"].astype(float)


def _check_drivers(folder: Path, base: list[str], current: list[str]) -> pd.DataFrame:
    ds = load_dataset(folder)
    d = margin_drivers(ds, base=base, current=current)
    parts = d["price_discount_points"] + d["unit_cost_points"] + d["mix_points"]
    assert (parts - d["change_points"]).abs().max() < 1e-9
    m0, m1 = sql_margins(folder, ds, base), sql_margins(folder, ds, current)
    for r in d.itertuples():
        assert r.margin_base == pytest.approx(m0[r.channel_id], abs=1e-12)
        assert r.margin_current == pytest.approx(m1[r.channel_id], abs=1e-12)
        assert r.change_points == pytest.approx(
            100 * (m1[r.channel_id] - m0[r.channel_id]), abs=1e-9
        )
    _check_rule(d)
    return d


def _check_rule(d: pd.DataFrame) -> None:
    """The driver rule: stable under 0.5 points; else the named component has the change's
    sign and at least half of it; "several" when no component does."""
    for r in d.itertuples():
        parts = {"price_discount": r.price_discount_points, "unit_cost": r.unit_cost_points,
                 "mix": r.mix_points}  # fmt: skip
        if abs(r.change_points) < 0.5:
            assert r.driver == "stable"
        elif r.driver == "several":
            assert not any(v * r.change_points > 0 and 2 * abs(v) >= abs(r.change_points)
                           for v in parts.values())  # fmt: skip
        else:
            v = parts[r.driver]
            assert v * r.change_points > 0 and 2 * abs(v) >= abs(r.change_points)


def test_margin_drivers_add_up_and_equal_sql_on_the_sample(sample):
    cal = sample.calendar
    _check_drivers(SAMPLE, ["FY2025-Q4"], ["FY2026-Q4"])
    _check_drivers(SAMPLE, cal.quarter_range("FY2025-Q1", "FY2025-Q4"),
                   cal.quarter_range("FY2026-Q1", "FY2026-Q4"))  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_margin_drivers_add_up_and_equal_sql_on_other_seeds(small_sample, seed):
    folder = small_sample(seed)
    ds = load_dataset(folder)
    q = _last_quarter(ds)
    _check_drivers(folder, [ds.calendar.shift_quarter(q, -4)], [q])


def _synthetic() -> pd.DataFrame:
    """Two products per channel. U: unit cost against list rises 10 points at steady prices.
    P: the discount deepens 5 points at steady cost against list. S: a near miss, both move a
    little. M: only the mix moves, towards the lower-margin product."""
    rows = []

    def add(ch, period, product, list_value, price, cost):
        rows.append({"period": period, "channel_id": ch, "product_id": product,
                     "volume": list_value, "revenue_exact": round(list_value * price),
                     "cost_of_sales_exact": round(list_value * cost)})  # fmt: skip

    for period, cost in (("base", 0.30), ("current", 0.40)):
        add("U", period, "a", 10_000, 0.80, cost)
        add("U", period, "b", 5_000, 0.70, cost + 0.05)
    for period, price in (("base", 0.80), ("current", 0.75)):
        add("P", period, "a", 10_000, price, 0.35)
        add("P", period, "b", 5_000, price - 0.1, 0.30)
    for period, move in (("base", 0.0), ("current", 0.002)):
        add("S", period, "a", 10_000, 0.80 - move, 0.35 + move)
    for period, share in (("base", 0.2), ("current", 0.6)):
        add("M", period, "a", round(100_000 * (1 - share)), 0.80, 0.20)
        add("M", period, "b", round(100_000 * share), 0.80, 0.50)
    return pd.DataFrame(rows)


def test_planted_unit_cost_and_discount_falls_are_read_as_planted_synthetic():
    d = margin_drivers_from_frame(_synthetic()).set_index("channel_id")
    assert d.loc["U", "driver"] == "unit_cost" and d.loc["U", "price_discount_points"] == 0
    assert d.loc["P", "driver"] == "price_discount"
    assert d.loc["P", "unit_cost_points"] == pytest.approx(0, abs=1e-12) or abs(
        d.loc["P", "unit_cost_points"]
    ) < abs(d.loc["P", "price_discount_points"])
    assert d.loc["S", "driver"] == "stable"
    assert d.loc["M", "driver"] == "mix"
    assert d.loc["M", "price_discount_points"] == 0 and d.loc["M", "unit_cost_points"] == 0
    _check_rule(d.reset_index())


def test_margin_sentences_read_the_driver_not_revenue_bought_with_margin():
    d = margin_drivers_from_frame(_synthetic()).set_index("channel_id", drop=False)
    unit = margins.margin_driver_sentence(d.loc["U"])
    assert "unit cost rose" in unit and "bought" not in unit
    assert unit.index("unit cost") < unit.index("prices")
    assert "deeper discounts" in margins.margin_driver_sentence(d.loc["P"])
    assert "no driver is claimed" in margins.margin_driver_sentence(d.loc["S"])


def _truth(signal: str) -> list[dict]:
    with (SAMPLE / "ground_truth.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["signal"] == signal]


def test_the_samples_planted_margin_drivers_are_read_as_planted(sample):
    rows = _truth("margin_driver")
    if not rows:  # the sample before H4's plants: nothing planted to read (synthetic case above)
        assert margin_drivers(sample, base="FY2025-Q4", current="FY2026-Q4")["driver"].notna().all()
        return
    d = margin_drivers(sample, base="FY2025-Q4", current="FY2026-Q4").set_index("channel_id")
    for r in rows:
        expected = r["detail"].split(":", 1)[0]
        assert d.loc[r["entity_id"], "driver"] == expected, r


# -- one growth figure per channel across every report of a batch ----------------------------------
_SPAN = re.compile(r'<span class="cw-growth" data-entity="([^"]+)">([^<]+)</span>')


def _visible(page: str) -> str:
    """The page's visible text without its growth spans (scripts, styles and tags removed)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = _SPAN.sub(" [growth] ", text)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def growth_spans_agree(pages: list[Path], folder: Path, quarter: str) -> dict[str, set[str]]:
    """Every growth span of ``pages`` by entity, after checking each against SQL and that no
    "<channel> ... grew/fell x%" sentence bypasses the formatter."""
    ds = load_dataset(folder)
    ref = sql_growth(folder, ds, quarter).set_index("channel_id")
    expected = {ch: f"{float(r['now'] / r['before']) - 1:+.1%}" for ch, r in ref.iterrows()}
    company = ref["now"].sum() / ref["before"].sum() - 1
    expected["company"] = f"{float(company):+.1%}"
    channels = pd.read_csv(folder / "channels.csv", dtype=str)
    who = "|".join(re.escape(x) for x in [*channels["channel_id"], *channels["channel_name"]])
    bypass = re.compile(rf"\b({who})\b[^.;:]{{0,80}}\b(grew|fell)\b[^.;:]{{0,30}}\d%")
    seen: dict[str, set[str]] = {}
    for page in pages:
        source = page.read_text(encoding="utf-8")
        for entity, figure in _SPAN.findall(source):
            seen.setdefault(entity, set()).add(figure.replace("−", "-"))
        stray = bypass.search(_visible(source))
        assert stray is None, f"{page.name}: a growth figure outside the formatter: {stray}"
    for entity, figures in seen.items():
        assert figures == {expected[entity]}, (entity, figures, expected[entity])
    return seen


@pytest.mark.notebook
def test_growth_figures_of_one_channel_agree_across_every_report_of_the_batch(batch_reports):
    manifest = batch_reports.manifest
    pages = [Path(r["html"]) for r in manifest["notebooks"] if r.get("html")]
    pages.append(batch_reports.html("index"))
    seen = growth_spans_agree(pages, Path(manifest["data_dir"]), manifest["quarter"])
    channels = set(
        pd.read_csv(Path(manifest["data_dir"]) / "channels.csv", dtype=str)["channel_id"]
    )
    assert channels <= set(seen)  # the index states every channel's growth
