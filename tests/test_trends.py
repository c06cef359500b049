"""Revenue vs profit trends (notebook 04, ``channel_lib.analysis.trends``).

Specification:

- the monthly series add up to an independent DuckDB SQL over ``sales.csv`` to the cent;
- the planted margin-eroding channel (``ground_truth.csv``, ``margin_erosion``) is divergent on the
  sample and on seeds 1–5 at a small scale, with the month it began within one quarter of the
  planted month, and no other channel (all planted healthy) is divergent;
- calibration: on 500 simulated series without divergence the rate of p ≤ alpha stays within
  alpha + 0.03, and Benjamini–Hochberg keeps the flagged count at the family level;
- the backtest beats the in-sample seasonal-naive error (MASE < 1) on seeds 1–5, MASE recomputed
  here by a few-line reference implementation;
- the profit bridge sums to the total change of gross profit exactly, to the cent (hypothesis);
- degenerate series (two quarters of history, constant, new channel) get notes, not exceptions;
- the notebook runs in the batch (default parameters) and once more with other parameters on a
  degenerate dataset, and both HTML pages render offline with tooltips.
"""

from __future__ import annotations

import csv
import importlib
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_lib.analysis import trends
from channel_lib.batch.engine import WARM_ENGINE  # the batch's warm kernels
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.workbook import open_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TINY = ROOT / "tests" / "data" / "tiny"
SEEDS = (1, 2, 3, 4, 5)
SMALL_SCALE = 0.05
NOTEBOOK = ROOT / "notebooks" / "04_revenue_profit_trends.ipynb"


def truth_rows(folder: Path, signal: str, kind: str = "planted") -> list[dict]:
    with (folder / "ground_truth.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["signal"] == signal and r["kind"] == kind]


def channel_ids(folder: Path) -> list[str]:
    with (folder / "channels.csv").open() as f:
        return [r["channel_id"] for r in csv.DictReader(f)]


def months_apart(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return abs((a.year - b.year) * 12 + a.month - b.month)


# -- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed_dirs(small_sample) -> dict[int, Path]:
    """Seeds 1-5 of the sample generator at a small scale (the session-wide `small_sample`)."""
    return {seed: small_sample(seed, SMALL_SCALE) for seed in SEEDS}


@pytest.fixture(scope="module")
def datasets(seed_dirs) -> dict[str, Path]:
    return {"sample": SAMPLE, **{f"seed{s}": p for s, p in seed_dirs.items()}}


_monthly_cache: dict[str, tuple] = {}


def monthly_of(folder: Path) -> tuple:
    """(workbook, monthly series of total, channels and partners), cached per folder."""
    key = str(folder)
    if key not in _monthly_cache:
        wb = open_workbook(folder, plans_dir=folder.parent / "plans-unused")
        levels = ("total", "channel", "partner")
        _monthly_cache[key] = (
            wb,
            trends.monthly_series(wb.dataset, quarter=wb.quarter, levels=levels),
        )
    return _monthly_cache[key]


# -- exact money -------------------------------------------------------------------------------------
def test_quarterly_series_equal_independent_sql_to_the_cent():
    wb, monthly = monthly_of(SAMPLE)
    q = trends.quarterly_series(monthly, money=wb.dataset.money)
    start, end = (d.date() for d in wb.dataset.calendar.quarter_bounds(wb.quarter))
    sql = duckdb.execute(
        "SELECT channel_id, sum(revenue::DECIMAL(18,2)), sum(revenue::DECIMAL(18,2) - "
        f"cost_of_sales::DECIMAL(18,2)) FROM read_csv('{SAMPLE / 'sales.csv'}', all_varchar=true) "
        f"WHERE order_date::DATE >= '{start}' AND order_date::DATE < '{end}' GROUP BY ALL"
    ).fetchall()
    got = q[(q["level"] == "channel") & (q["quarter"] == wb.quarter)].set_index("entity_id")
    scale = wb.dataset.money.scale  # exact units per currency unit
    for channel, revenue, profit in sql:
        assert int(got.loc[channel, "revenue_exact"]) == int(revenue * scale)
        assert int(got.loc[channel, "gross_profit_exact"]) == int(profit * scale)
    total = q[(q["level"] == "total") & (q["quarter"] == wb.quarter)].iloc[0]
    assert int(total["revenue_exact"]) == int(sum(r for _, r, _ in sql) * scale)


@pytest.mark.parametrize(
    "back", [0, 1, 4], ids=["reporting quarter", "one before", "a year before"]
)
def test_partner_quarterly_series_equal_independent_sql_exactly(back):
    """Every partner's quarter (one series per partner, under its latest channel) is the exact
    sum of its lines in the file; cost to serve and contribution are unknown (<NA>) for
    partners and known for channels."""
    wb, monthly = monthly_of(SAMPLE)
    q = trends.quarterly_series(monthly, money=wb.dataset.money)
    quarter = wb.dataset.calendar.shift_quarter(wb.quarter, -back)
    start, end = (d.date() for d in wb.dataset.calendar.quarter_bounds(quarter))
    scale = wb.dataset.money.scale
    sql = duckdb.execute(
        f"SELECT partner_id, CAST(sum(revenue::DECIMAL(18,2)) * {scale} AS BIGINT), "
        f"CAST(sum(revenue::DECIMAL(18,2) - cost_of_sales::DECIMAL(18,2)) * {scale} AS BIGINT), "
        f"count(DISTINCT date_trunc('month', order_date::DATE)) "
        f"FROM read_csv('{SAMPLE / 'sales.csv'}', all_varchar=true) "
        f"WHERE order_date::DATE >= '{start}' AND order_date::DATE < '{end}' "
        "AND partner_id IS NOT NULL AND partner_id <> '' GROUP BY ALL"
    ).fetchall()
    assert len(sql) > 20
    got = q[(q["level"] == "partner") & (q["quarter"] == quarter)].set_index("entity_id")
    for partner, revenue, profit, months_sold in sql:
        row = got.loc[partner]
        assert (int(row["revenue_exact"]), int(row["gross_profit_exact"])) == (revenue, profit)
        assert months_sold <= row["months"] <= 3
    # a partner in the quarter without a line there sums to zero, never to a missing amount
    assert (got.loc[~got.index.isin([r[0] for r in sql]), "revenue_exact"] == 0).all()
    assert got["contribution_exact"].isna().all() and got["cost_to_serve_exact"].isna().all()
    channels = q[q["level"] == "channel"]
    assert channels["contribution_exact"].notna().all()


def test_series_stop_at_the_reporting_quarter_and_fill_empty_months_with_zero():
    wb, monthly = monthly_of(SAMPLE)
    end = wb.dataset.calendar.quarter_bounds(wb.quarter)[1]
    assert monthly["month"].max() < end  # the partly loaded month after the quarter is left out
    per_entity = monthly.groupby(["level", "entity_id"])["month"].agg(["min", "max", "size"])
    spans = (per_entity["max"].dt.year - per_entity["min"].dt.year) * 12 + (
        per_entity["max"].dt.month - per_entity["min"].dt.month
    )
    assert (spans + 1 == per_entity["size"]).all()


# -- divergence: planted erosion found, healthy channels not ----------------------------------------------
@pytest.mark.parametrize("name", ["sample", *(f"seed{s}" for s in SEEDS)])
def test_planted_margin_erosion_is_divergent_from_the_month_it_began(datasets, name):
    folder = datasets[name]
    _, monthly = monthly_of(folder)
    div = trends.divergence(monthly, alpha=0.05).set_index("entity_id")
    planted = truth_rows(folder, "margin_erosion")
    assert planted, "the dataset plants a margin-eroding channel"
    for row in planted:
        began = pd.Timestamp(re.search(r"began (\d{4}-\d{2})", row["detail"]).group(1) + "-01")
        found = div.loc[row["entity_id"]]
        assert found["divergent"], found.to_dict()
        assert found["direction"] == "revenue up, margin down"
        assert found["q_value"] <= 0.05
        assert months_apart(found["began"], began) <= 3, (found["began"], began)
        assert found["began_low"] <= found["began"] <= found["began_high"]
    eroding = {r["entity_id"] for r in planted} | {
        r["entity_id"] for r in truth_rows(folder, "margin_erosion", "near_miss")
    }
    healthy = [c for c in channel_ids(folder) if c not in eroding]
    assert healthy
    flagged = div.loc[healthy]
    assert not flagged["divergent"].any(), flagged[flagged["divergent"]][["direction", "q_value"]]


def test_divergence_alpha_is_the_false_discovery_rate_used():
    _, monthly = monthly_of(SAMPLE)
    strict = trends.divergence(monthly, alpha=1e-12, levels=("channel",))
    assert not strict["divergent"].any()
    assert strict.attrs["alpha"] == 1e-12
    tested = strict[strict["note"].isna()]
    from statsmodels.stats.multitest import multipletests

    q = multipletests(tested["margin_p"], method="fdr_bh")[1]
    assert tested["q_value"].to_numpy() == pytest.approx(q, rel=1e-12)


def _null_frame(n_series: int, months: int, seed: int) -> pd.DataFrame:
    """Monthly series with seasonality, trending revenue and autocorrelated, heavy-tailed margin
    noise around a constant margin: no divergence anywhere."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    phi = rng.uniform(0.0, 0.5, n_series)[:, None]
    z = rng.standard_t(5, (n_series, months)) * 0.01
    e = np.zeros_like(z)
    for k in range(months):
        e[:, k] = z[:, k] + (phi[:, 0] * e[:, k - 1] if k else 0.0)
    season = np.sin(2 * np.pi * t / 12)[None, :]
    margin = rng.uniform(0.2, 0.6, (n_series, 1)) + 0.01 * season + e
    growth = rng.normal(0.0, 0.01, (n_series, 1))
    revenue = 1e5 * (1 + growth * t[None, :]) * (1 + 0.2 * season) * rng.lognormal(0, 0.05, z.shape)
    ids = np.repeat([f"S{i:03d}" for i in range(n_series)], months)
    frame = pd.DataFrame(
        {
            "level": "partner",
            "entity_id": ids,
            "channel_id": "SIM",
            "month": np.tile(pd.date_range("2023-07-01", periods=months, freq="MS"), n_series),
            "revenue": revenue.ravel(),
            "gross_profit": (revenue * margin).ravel(),
            "gross_margin": margin.ravel(),
        }
    )
    return frame


def _with_planted_divergence(frame: pd.DataFrame, entity: str, began: int) -> pd.DataFrame:
    """``entity``'s margin (with its noise) falls 1.5 points a month from month ``began`` while
    its revenue grows 2% a month (and its gross profit follows the margin)."""
    frame = frame.copy()
    rows = frame.index[frame["entity_id"] == entity]
    t = np.arange(len(rows))
    frame.loc[rows, "revenue"] *= 1.02**t
    margin = frame.loc[rows, "gross_margin"] - 0.015 * np.clip(t - began, 0, None)
    frame.loc[rows, "gross_margin"] = margin
    frame.loc[rows, "gross_profit"] = frame.loc[rows, "revenue"] * margin
    return frame


def test_each_entity_is_tested_on_its_own_months_whatever_the_row_order():
    """Hundreds of partners are split into entities once: the rows of the entities may come in
    any order across entities (here month by month, every entity interleaved); each entity's
    figures equal testing it alone, and a planted divergence is found from the month it began."""
    frame = _with_planted_divergence(_null_frame(30, 36, seed=7), "S004", began=18)
    short = frame[frame["entity_id"] == "S001"].tail(10).assign(entity_id="SHORT")
    flat = frame[frame["entity_id"] == "S002"].assign(entity_id="FLAT", gross_margin=0.4)
    frame = pd.concat([frame, short, flat], ignore_index=True)
    interleaved = frame.sort_values(["month", "entity_id"], kind="stable").reset_index(drop=True)
    family = trends.divergence(interleaved, levels=("partner",)).set_index("entity_id")
    assert len(family) == 32
    own = ["channel_id", "months", "revenue_trend", "revenue_p", "profit_trend", "margin_trend",
           "margin_trend_low", "margin_trend_high", "margin_p", "r1", "note"]  # fmt: skip
    for entity in ["S000", "S004", "S017", "SHORT", "FLAT"]:
        alone = trends.divergence(frame[frame["entity_id"] == entity], levels=("partner",))
        expected = alone.set_index("entity_id").loc[[entity], own]
        pd.testing.assert_frame_equal(family.loc[[entity], own], expected)
    assert family.loc["SHORT", "note"].startswith("10 months of history")
    assert "constant" in family.loc["FLAT", "note"]
    planted = family.loc["S004"]
    assert planted["divergent"] and planted["direction"] == "revenue up, margin down"
    start = interleaved["month"].min() + pd.DateOffset(months=18)
    assert months_apart(planted["began"], start) <= 2
    assert family.drop(index="S004")["divergent"].sum() <= 1  # null series: BH at 5%


def test_false_positive_rate_without_divergence_stays_within_alpha():
    alpha = 0.05
    frame = _null_frame(500, 36, seed=20261)
    div = trends.divergence(frame, alpha=alpha, levels=("partner",))
    assert div["note"].isna().all() and len(div) == 500
    raw_rate = float((div["margin_p"] <= alpha).mean())
    assert raw_rate <= alpha + 0.03, raw_rate
    # BH over 500 true nulls: at level alpha, P(any rejection) <= alpha; allow a handful
    assert int(div["divergent"].sum()) <= 3


# -- forecasts and backtest ---------------------------------------------------------------------------
def reference_mase(y: np.ndarray, rows: pd.DataFrame, m: int = 12) -> float:
    """MASE from scratch: |actual - forecast| / mean |y_t - y_(t-m)| of the training window."""
    errors = []
    for r in rows.itertuples():
        train = y[: int(r.train_months)]
        scale = np.mean(np.abs(train[m:] - train[:-m]))
        assert r.actual == y[int(r.train_months) + int(r.h) - 1]
        errors.append(abs(r.actual - r.forecast) / scale)
    return float(np.mean(errors))


@pytest.mark.parametrize("seed", SEEDS)
def test_backtest_beats_seasonal_naive_on_small_seeds(seed_dirs, seed):
    _, monthly = monthly_of(seed_dirs[seed])
    bt = trends.backtest(monthly, levels=("total",), origins=4)
    summary = trends.mase_summary(bt).set_index("measure")
    for measure in ("revenue", "gross_profit"):
        rows = bt[bt["measure"] == measure]
        y = monthly.loc[monthly["level"] == "total", measure].to_numpy()
        assert rows["origin"].nunique() == 4
        ref = reference_mase(y, rows)
        assert summary.loc[measure, "mase_model"] == pytest.approx(ref, rel=1e-9)
        assert ref < 1.0, (seed, measure, ref)
        naive = np.array([y[int(r.train_months) + int(r.h) - 1 - 12] for r in rows.itertuples()])
        assert rows["naive"].to_numpy() == pytest.approx(naive)


def test_forecast_intervals_nest_and_cover_the_mean():
    wb, monthly = monthly_of(SAMPLE)
    fc, fits = trends.forecast(monthly, wb.dataset.calendar, levels=("total",), horizon_quarters=2)
    ahead = fc[fc["kind"] == "forecast"]
    assert list(ahead["quarter"].unique()) == [
        wb.dataset.calendar.shift_quarter(wb.quarter, k) for k in (1, 2)
    ]
    assert (ahead["lower_95"] <= ahead["lower_80"]).all()
    assert (ahead["lower_80"] <= ahead["value"]).all() and (
        ahead["value"] <= ahead["upper_80"]
    ).all()
    assert (ahead["upper_80"] <= ahead["upper_95"]).all()
    fit = fits[("total", "ALL", "revenue")]
    assert fit.spec == "ETS(A,N,A)" and len(fit.results.params) > 0
    assert "smoothing_level" in fit.results.param_names


# -- profit bridge -------------------------------------------------------------------------------------
channel_rows = st.lists(
    st.tuples(
        st.integers(-(10**9), 10**10),  # revenue cents
        st.integers(-(10**9), 10**10),  # cost cents
        st.integers(-50, 10**6),  # volume
    ),
    min_size=1,
    max_size=6,
)


@given(base=channel_rows, current=channel_rows)
def test_bridge_components_sum_to_the_total_change_to_the_cent(base, current):
    """At 4 places the bridge shows whole cents (100 exact units) that add up to the change of
    gross profit rounded half away from zero to the cent."""
    b = pd.DataFrame(base, columns=["revenue_exact", "cost_of_sales_exact", "volume"])
    b["channel_id"] = [f"C{i}" for i in range(len(b))]
    c = pd.DataFrame(current, columns=["revenue_exact", "cost_of_sales_exact", "volume"])
    c["channel_id"] = [f"C{i + 1}" for i in range(len(c))]  # channels enter and leave
    out = trends.bridge_from_frames(b, c, money=MoneyUnit("USD", 4)).set_index("component")[
        "amount_exact"
    ]
    change = int(
        (c["revenue_exact"] - c["cost_of_sales_exact"]).sum()
        - (b["revenue_exact"] - b["cost_of_sales_exact"]).sum()
    )
    to_cent = int((Decimal(change) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100
    assert int(out["total"]) == to_cent and abs(to_cent - change) <= 50
    assert (out % 100 == 0).all()
    assert int(out[list(trends.BRIDGE_COMPONENTS)].sum()) == to_cent


def test_bridge_of_only_a_volume_change_is_all_volume():
    base = pd.DataFrame({"channel_id": ["A", "B"], "revenue_exact": [1000, 3000],
                         "cost_of_sales_exact": [400, 1500], "volume": [10, 30]})  # fmt: skip
    doubled = base.assign(
        **{c: base[c] * 2 for c in ("revenue_exact", "cost_of_sales_exact", "volume")}
    )
    out = trends.bridge_from_frames(base, doubled, money=MoneyUnit("USD", 4))
    out = out.set_index("component")["amount_exact"]
    assert out.to_dict() == {"volume": 2100, "price_discount": 0, "cost": 0, "channel_mix": 0,
                             "total": 2100}  # fmt: skip


def test_sample_bridge_total_is_the_gross_profit_change_in_sql():
    wb, _ = monthly_of(SAMPLE)
    base = wb.dataset.calendar.shift_quarter(wb.quarter, -4)
    bridge = trends.profit_bridge(wb.dataset, base=base, current=wb.quarter)

    def profit(q: str) -> int:
        lo, hi = (d.date() for d in wb.dataset.calendar.quarter_bounds(q))
        value = duckdb.execute(
            "SELECT sum(revenue::DECIMAL(18,2) - cost_of_sales::DECIMAL(18,2)) FROM "
            f"read_csv('{SAMPLE / 'sales.csv'}', all_varchar=true) "
            f"WHERE order_date::DATE >= '{lo}' AND order_date::DATE < '{hi}'"
        ).fetchall()[0][0]  # fetchall: fetchone leaves the default connection busy
        return int(value * scale)

    scale = wb.dataset.money.scale  # exact units per currency unit
    amounts = bridge.set_index("component")["amount_exact"]
    assert int(amounts["total"]) == profit(wb.quarter) - profit(base)
    assert int(amounts.drop("total").sum()) == int(amounts["total"])
    assert bridge["end"].iloc[-1] == pytest.approx(profit(wb.quarter) / scale, abs=1e-6)


# -- degenerate input -----------------------------------------------------------------------------------
def _degenerate_monthly() -> pd.DataFrame:
    months = pd.date_range("2023-07-01", "2026-06-01", freq="MS")
    rows = []
    for i, m in enumerate(months):
        rows.append(("FLAT", m, 1000.0, 400.0))  # constant
        rows.append(("OK", m, 1000.0 + 50 * np.sin(i) + 10 * i, 400.0 + 20 * np.cos(i)))
    for i, m in enumerate(months[-6:]):
        rows.append(("TWOQ", m, 500.0 + 30 * i, 200.0 + 5 * i))  # two quarters of history
    rows.append(("NEW", months[-1], 300.0, 100.0))  # a new channel, one month
    frame = pd.DataFrame(rows, columns=["entity_id", "month", "revenue", "gross_profit"])
    frame["level"] = "channel"
    frame["channel_id"] = frame["entity_id"]
    frame["quarter"] = "FY"  # labels are not used by the models
    frame["gross_margin"] = frame["gross_profit"] / frame["revenue"]
    return frame


def test_degenerate_series_get_notes_not_errors():
    frame = _degenerate_monthly()
    from channel_lib.core.calendar import FiscalCalendar

    dec = trends.decompose(
        frame, measures=("revenue", "gross_margin"), levels=("channel",), n_boot=5
    )
    fc, _ = trends.forecast(frame, FiscalCalendar(start_month=7), levels=("channel",))
    bt = trends.backtest(frame, levels=("channel",), origins=2)
    div = trends.divergence(frame, levels=("channel",))
    notes = {
        "decompose": dec.groupby("entity_id")["note"].first(),
        "forecast": fc.groupby("entity_id")["note"].first(),
        "backtest": bt.groupby("entity_id")["note"].first(),
        "divergence": div.set_index("entity_id")["note"],
    }
    for what, note in notes.items():
        assert "constant" in str(note["FLAT"]), (what, note["FLAT"])
        assert "6 months of history" in str(note["TWOQ"]), (what, note["TWOQ"])
        assert "1 months of history" in str(note["NEW"]), (what, note["NEW"])
        assert pd.isna(note["OK"]) or what == "backtest", (what, note["OK"])
    assert not div.set_index("entity_id").loc[["FLAT", "TWOQ", "NEW"], "divergent"].any()


@pytest.mark.parametrize(
    "kwargs",
    [{"alpha": 0.7}, {"horizon_quarters": 0}, {"backtest_origins": 50}, {"min_segment_months": 1}],
    ids=["alpha", "horizon", "origins", "segment"],
)
def test_bad_parameters_raise_before_any_work(kwargs):
    params = {"alpha": 0.05, "horizon_quarters": 2, "backtest_origins": 4, "min_segment_months": 6}
    with pytest.raises(ParameterError):
        trends.check_parameters(**{**params, **kwargs})


def test_bridge_base_names_its_choices():
    wb, _ = monthly_of(SAMPLE)
    with pytest.raises(ParameterError, match="last_year, last_quarter"):
        trends.bridge_base_quarter(wb.dataset.calendar, wb.quarter, "yesterday")


# -- the notebook -----------------------------------------------------------------------------------------
def page_text(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_default_report_names_the_eroding_channel_and_its_start(batch_reports):
    text = page_text(batch_reports.html("04_revenue_profit_trends"))
    names = {
        r["channel_id"]: r["channel_name"] for r in csv.DictReader((SAMPLE / "channels.csv").open())
    }
    for row in truth_rows(SAMPLE, "margin_erosion"):
        assert re.search(
            rf"Channel {re.escape(names[row['entity_id']])}: revenue up, margin down", text
        )
    assert "MASE" in text and "seasonal-naive" in text
    assert "Traceback" not in text


def test_the_answer_names_the_forecast_gap_to_the_next_quarters_plan(batch_reports):
    """The summary (before the first chart section) sets next quarter's company revenue
    forecast against the plan of targets.csv (plain SQL), with the side of the gap."""
    text = page_text(batch_reports.html("04_revenue_profit_trends"))
    answer = text.split("Revenue, gross profit and contribution by channel")[0]
    quarter = batch_reports.manifest["quarter"]
    year, q = int(quarter[2:6]), int(quarter[-1])
    following = f"FY{year + q // 4}-Q{q % 4 + 1}"
    plan = sum(_sql_plan(SAMPLE / "targets.csv", following, "revenue").values())
    found = re.search(
        rf"{following} revenue forecast ([\d.]+)M USD .*? is \d+% (under|over) the plan of "
        r"([\d.]+)M USD \(official targets\)",
        answer,
    )
    assert found, answer
    forecast, side, shown_plan = float(found[1]), found[2], float(found[3])
    assert shown_plan == pytest.approx(plan / 1e6, abs=0.051)
    assert side == ("under" if forecast < shown_plan else "over")


@pytest.fixture(scope="module")
def degenerate_report(seed_dirs, tmp_path_factory) -> Path:
    """One extra papermill run with non-default parameters on a dataset without channel_costs,
    with a channel of two quarters (new) and a constant channel."""
    from channel_lib.batch.run import run_notebook
    from channel_lib.presentation.html import export_html

    base = tmp_path_factory.mktemp("trend-degenerate")
    data = base / "data"
    shutil.copytree(seed_dirs[1], data)
    (data / "channel_costs.csv").unlink()
    with (data / "channels.csv").open("a") as f:
        f.write("NEWC,New channel,online,2026-01-01\nFLAT,Flat channel,direct,2023-07-01\n")
    customer = next(csv.DictReader((data / "customers.csv").open()))["customer_id"]
    product = next(csv.DictReader((data / "products.csv").open()))["product_id"]
    lines = [
        f"FLAT{i:05d},1,{m:%Y-%m}-15,FLAT,,{customer},{product},1,1000.00,600.00"
        for i, m in enumerate(pd.date_range("2023-07-01", "2026-06-01", freq="MS"))
    ]
    lines += [
        f"NEWC{i:03d}{d},1,{m:%Y-%m}-{d:02d},NEWC,,{customer},{product},2,{500 + 40 * i + d}.00,"
        f"{300 + 10 * i}.00"
        for i, m in enumerate(pd.date_range("2026-01-01", "2026-06-01", freq="MS"))
        for d in (5, 20)
    ]
    with (data / "sales.csv").open("a") as f:
        f.write("\n".join(lines) + "\n")
    params = {"data_dir": str(data), "quarter": "FY2026-Q4", "alpha": 0.1, "horizon_quarters": 3,
              "bridge_base": "last_quarter", "include_partners": False}  # fmt: skip
    ipynb = run_notebook(NOTEBOOK, base / "04.ipynb", params, engine=WARM_ENGINE)
    return export_html(ipynb, base / "04.html", title="Trends, degenerate data")


def test_non_default_run_on_degenerate_data_explains_instead_of_failing(degenerate_report):
    text = page_text(degenerate_report)
    assert "Contribution after cost to serve is not shown" in text
    assert "channel_costs.csv" in text
    assert "the series is constant" in text  # FLAT
    assert "6 months of history (2 quarters)" in text  # NEWC
    assert "FY2026-Q3 to FY2026-Q4" in text  # bridge_base = last_quarter
    assert "False-discovery rate: 10%" in text
    assert "FY2027-Q3" in text  # three quarters ahead
    assert "Traceback" not in text


def test_non_default_report_renders_offline_with_tooltips(browser, degenerate_report):
    from test_html_offline import browser_problems, offline_leaks

    assert offline_leaks(degenerate_report.read_text(encoding="utf-8")) == []
    charts, problems = browser_problems(browser, degenerate_report)
    assert charts >= 6
    assert problems == []


# -- the dataset's money unit: the same currency series at 4 and 0 decimals -------------------------
def _tiny_at(decimals: int, dest: Path) -> Path:
    """The tiny dataset (every amount whole, written with 2 places) with ``money_decimals:
    decimals`` in goals.yaml and every amount written with that many places."""
    shutil.copytree(TINY, dest)
    (dest / "goals.yaml").write_text(
        f"money_decimals: {decimals}\n" + (TINY / "goals.yaml").read_text()
    )
    two_places = re.compile(r"(?<=[,\n])(-?\d+)\.00(?=[,\r\n]|$)", re.MULTILINE)
    places = "." + "0" * decimals if decimals else ""
    for path in dest.glob("*.csv"):
        path.write_text(two_places.sub(lambda m: m.group(1) + places, path.read_text()))
    return dest


@pytest.mark.parametrize("decimals", [4, 0], ids=["4 decimals", "0 decimals"])
def test_trend_series_are_the_same_currency_in_any_money_unit(decimals, tmp_path):
    from channel_lib import load_dataset

    two = load_dataset(_tiny_at(2, tmp_path / "tiny2"))  # 2 places said, whatever the default
    other = load_dataset(_tiny_at(decimals, tmp_path / "tiny"))
    assert two.money.decimals == 2
    assert other.money.decimals == decimals
    q, base = "FY2026-Q4", "FY2025-Q4"
    m2 = trends.monthly_series(two, quarter=q, levels=("total", "channel", "partner"))
    m = trends.monthly_series(other, quarter=q, levels=("total", "channel", "partner"))
    q2, qo = (trends.quarterly_series(f, money=d.money) for f, d in ((m2, two), (m, other)))
    factor = 10 ** (decimals - 2) if decimals >= 2 else None
    for got, want in ((m, m2), (qo, q2)):
        money = [c for c in want.columns if f"{c}_exact" in want.columns]
        assert money and len(got) == len(want)
        pd.testing.assert_frame_equal(got[money], want[money], check_exact=True)
        for c in [c for c in want.columns if c.endswith("_exact")]:
            g, w = got[c].astype("Float64"), want[c].astype("Float64")
            scaled = g * 100 if factor is None else g / factor
            pd.testing.assert_series_equal(scaled, w, check_names=False, check_exact=True)
    # the bridge: the same profits and total change; each component is its exact share rounded
    # to a whole unit of the dataset (largest remainder), so it is within one unit of the
    # coarser of the two units of the 2-place one
    b2, bo = (trends.profit_bridge(d, base=base, current=q) for d in (two, other))
    assert bo.attrs["base_profit"] == b2.attrs["base_profit"]
    assert bo.attrs["current_profit"] == b2.attrs["current_profit"]
    g, w = bo.set_index("component")["amount"], b2.set_index("component")["amount"]
    assert g["total"] == w["total"]
    coarser = 10.0 ** -min(decimals, 2)
    assert (g - w).abs().max() < coarser
    parts = list(trends.BRIDGE_COMPONENTS)
    assert int(bo.set_index("component")["amount_exact"][parts].sum()) == int(
        bo.set_index("component")["amount_exact"]["total"]
    )
    detail, detail2 = bo.attrs["by_channel"], b2.attrs["by_channel"]
    pd.testing.assert_frame_equal(detail, detail2, check_exact=False, rtol=1e-12, atol=1e-9)
    # independent: the quarter's company revenue is DuckDB's exact sum of the rewritten file
    start, end = (d.date() for d in other.calendar.quarter_bounds(q))
    (total,) = duckdb.execute(
        f"SELECT sum(CAST(revenue AS DECIMAL(18,{decimals}))) FROM read_csv("
        f"'{other.folder / 'sales.csv'}', all_varchar=true) WHERE CAST(order_date AS DATE) >= ? "
        "AND CAST(order_date AS DATE) < ?",
        [start, end],
    ).fetchall()[0]  # fetchone() would leave the shared default connection busy (DuckDB 2)
    row = qo[(qo["level"] == "total") & (qo["quarter"] == q)].iloc[0]
    assert int(row["revenue_exact"]) == int(total * 10**decimals)
    assert row["revenue"] == float(total)


def test_without_a_bridge_the_bridge_section_says_why_in_words():
    from channel_lib.core.money import MoneyUnit
    from channel_lib.presentation.pages import revenue_profit_trends as page

    why = "The profit bridge needs sales in FY2020-Q4, which lies before the data."
    empty = pd.DataFrame()
    report = trends.TrendReport(
        quarter="FY2026-Q4", monthly=empty, quarterly=empty, decomposition=empty,
        forecasts=empty, fits={}, backtest=empty, mase=empty, divergence=empty, bridge=None,
        bridge_note=why, notes=empty, has_costs=False, alpha=0.05, currency="JPY",
        money=MoneyUnit("JPY", 0),
    )  # fmt: skip
    unescaped = lambda shown: shown.data.replace("\\", "")  # noqa: E731 (markdown escapes)
    assert unescaped(page.bridge_table(report)) == unescaped(page.bridge_note(report)) == why
    assert page.bridge_finding(report) == [why]
    frame = page.bridge_frame(report)
    assert frame.empty and list(frame.columns) == ["channel", *trends.BRIDGE_COMPONENTS, "total"]


@pytest.mark.parametrize(
    ("unit", "amount", "shown"),
    [(("USD", 4), -0.001, "+0"), (("USD", 4), 1234.6, "+1,235"), (("JPY", 0), -1234.4, "-1,234"),
     (("EUR", 2), -0.4, "+0")],
    ids=["usd-zero", "usd", "jpy", "eur-zero"],
)  # fmt: skip
def test_bridge_amounts_show_whole_units_and_never_minus_zero(unit, amount, shown):
    from channel_lib.core.money import MoneyUnit
    from channel_lib.presentation.pages import revenue_profit_trends as page

    formats = page.bridge_formats(MoneyUnit(*unit))
    assert set(formats) == {*trends.BRIDGE_COMPONENTS, "total"}
    assert {f(amount) for f in formats.values()} == {shown}


# -- model choice, forecast against plan, cache (issue 20, points 3 and 5) --------------------------
from channel_lib.analysis.trends.forecast import SEASONAL_NAIVE, select_models  # noqa: E402
from channel_lib.analysis.trends.forecast_set import forecast_set  # noqa: E402
from channel_lib.analysis.trends.intervals import ets_quarter_sd  # noqa: E402
from channel_lib.analysis.trends.plan_gap import forecast_vs_plan  # noqa: E402

CHOICE_CASES = ["sample", *(f"seed{s}" for s in SEEDS)]


def _reference_mase(bt: pd.DataFrame, column: str) -> pd.Series:
    """MASE per series recomputed from the backtest's actuals, forecasts and scales."""
    scored = bt.dropna(subset=["forecast"])
    err = (scored["actual"] - scored[column]).abs() / scored["scale"]
    return err.groupby([scored["level"], scored["entity_id"], scored["measure"]]).mean()


@pytest.mark.parametrize("name", CHOICE_CASES)
def test_chosen_model_is_never_worse_in_backtest_than_seasonal_naive(request, name):
    folder = SAMPLE if name == "sample" else request.getfixturevalue("datasets")[name]
    wb, monthly = monthly_of(folder)
    fs = forecast_set(wb.dataset, wb.quarter, monthly=monthly)
    ets, naive = _reference_mase(fs.backtest, "forecast"), _reference_mase(fs.backtest, "naive")
    fc = fs.forecasts[fs.forecasts["kind"] == "forecast"]
    for r in fs.selection.itertuples():
        key = (r.level, r.entity_id, r.measure)
        shown = set(
            fc.loc[(fc["entity_id"] == r.entity_id) & (fc["measure"] == r.measure), "model"]
        )
        if key in naive.index:
            chosen = naive[key] if r.model == SEASONAL_NAIVE else ets[key]
            assert chosen <= naive[key] + 1e-12, (name, key)
            if naive[key] <= ets[key]:  # seasonal naive wins (or ties): it is the forecast
                assert r.model == SEASONAL_NAIVE, (name, key)
        else:
            assert r.model == SEASONAL_NAIVE, (name, key)
        assert shown <= {r.model}, (name, key, shown)


def test_a_series_seasonal_naive_wins_is_forecast_by_repeating_last_year():
    wb, monthly = monthly_of(SAMPLE)
    fs = forecast_set(wb.dataset, wb.quarter, monthly=monthly)
    naive_rows = fs.selection[fs.selection["model"] == SEASONAL_NAIVE]
    assert len(naive_rows)
    r = naive_rows.iloc[0]
    y = monthly.loc[
        (monthly["entity_id"] == r["entity_id"]) & (monthly["level"] == r["level"]), r["measure"]
    ].to_numpy()
    fc = fs.forecasts[
        (fs.forecasts["kind"] == "forecast") & (fs.forecasts["entity_id"] == r["entity_id"])
        & (fs.forecasts["measure"] == r["measure"])
    ]  # fmt: skip
    assert fc["value"].iloc[0] == pytest.approx(y[-12:-9].sum(), rel=1e-12)
    assert (fc["lower_80"] < fc["value"]).all() and (fc["value"] < fc["upper_80"]).all()


def test_select_models_breaks_ties_towards_seasonal_naive():
    bt = pd.DataFrame({"level": ["total"], "entity_id": ["ALL"], "measure": ["revenue"],
                       "origin": pd.to_datetime(["2026-01-01"]), "actual": [10.0],
                       "forecast": [12.0], "naive": [8.0], "growth": [9.0], "scale": [1.0],
                       "note": [pd.NA]})  # fmt: skip
    assert select_models(bt)["model"].tolist() == [SEASONAL_NAIVE]


def test_ets_closed_form_interval_matches_simulated_paths():
    _, monthly = monthly_of(SAMPLE)
    fit = trends.fit_ets(monthly.loc[monthly["level"] == "total", "revenue"].to_numpy())
    res = fit.results
    sims = np.asarray(res.simulate(6, repetitions=20000, anchor="end",
                                   rng=np.random.default_rng(1)))  # fmt: skip
    params = dict(zip(res.model.param_names, res.params, strict=True))
    for months in ([1, 2, 3], [4, 5, 6]):
        sd = ets_quarter_sd(alpha=params["smoothing_level"], gamma=params["smoothing_seasonal"],
                            period=12, scale=res.scale, months=months)  # fmt: skip
        simulated = sims[np.array(months) - 1].sum(axis=0).std()
        assert sd == pytest.approx(simulated, rel=0.03)


def _sql_plan(targets_csv: Path, quarter: str, metric: str) -> dict[str, float]:
    rows = duckdb.sql(
        "SELECT channel_id, sum(CAST(target AS DECIMAL(18, 2))) "
        f"FROM read_csv('{targets_csv}', all_varchar=true, header=true) "
        f"WHERE quarter = '{quarter}' AND metric = '{metric}' AND coalesce(partner_id, '') = '' "
        "GROUP BY channel_id"
    ).fetchall()
    return {c: float(v) for c, v in rows}


def test_forecast_against_official_targets_equals_sql_plan(tmp_path):
    wb = open_workbook(SAMPLE, plans_dir=tmp_path / "plans")
    fs = forecast_set(wb.dataset, wb.quarter)
    gap = forecast_vs_plan(wb, fs.forecasts)
    q = wb.dataset.calendar.shift_quarter(wb.quarter, 1)
    plan = _sql_plan(SAMPLE / "targets.csv", q, "revenue")
    rev = gap[(gap["quarter"] == q) & (gap["measure"] == "revenue")].set_index("entity_id")
    assert set(rev.index) == {*plan, "ALL"}
    for ch, v in plan.items():
        assert rev.loc[ch, "plan"] == pytest.approx(v, abs=0.005)
    assert rev.loc["ALL", "plan"] == pytest.approx(sum(plan.values()), abs=0.005)
    assert (rev["gap"] == rev["forecast"] - rev["plan"]).all()
    assert set(rev["plan_source"]) == {"official targets"}


def test_forecast_against_an_approved_plan_names_it(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    wb = open_workbook(SAMPLE, plans_dir=plans)
    q = wb.dataset.calendar.shift_quarter(wb.quarter, 1)
    channels = channel_ids(SAMPLE)
    with (plans / "targets.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["quarter", "channel_id", "partner_id", "metric", "target", "status",
                    "approved_by", "approved_at"])  # fmt: skip
        for i, ch in enumerate(channels):
            w.writerow([q, ch, "", "revenue", f"{1_000_000 + i * 1234.56:.2f}", "approved",
                        "Dana CFO", "2026-07-01T09:30:00+00:00"])  # fmt: skip
    gap = forecast_vs_plan(wb, forecast_set(wb.dataset, wb.quarter).forecasts)
    plan = _sql_plan(plans / "targets.csv", q, "revenue")
    rev = gap[gap["quarter"] == q].set_index("entity_id")
    assert set(rev["plan_source"]) == {"approved plan"}
    assert rev.loc["ALL", "plan"] == pytest.approx(sum(plan.values()), abs=0.005)
    assert (rev["gap"] == rev["forecast"] - rev["plan"]).all()
    assert q not in gap.attrs["no_plan"]


def test_a_second_report_on_the_same_files_does_not_refit_and_a_changed_file_does(
    tmp_path, monkeypatch
):
    forecast_module = importlib.import_module("channel_lib.analysis.trends.forecast")
    calls = {"n": 0}
    real = forecast_module.fit_ets

    def counting(y):
        calls["n"] += 1
        return real(y)

    monkeypatch.setattr(forecast_module, "fit_ets", counting)
    folder = shutil.copytree(SAMPLE, tmp_path / "data")

    def report() -> None:
        trends.trend_report(open_workbook(folder, plans_dir=tmp_path / "plans"), partners=False)

    report()
    first = calls["n"]
    assert first > 0  # the backtest fits ETS at every origin
    report()  # a new Dataset of the same files
    assert calls["n"] == first
    goals = folder / "goals.yaml"
    goals.write_text(goals.read_text() + "\n# a changed file\n")
    report()
    assert calls["n"] == 2 * first
