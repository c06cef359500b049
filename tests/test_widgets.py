"""Interactive explorers: debouncing, batch mode, and the planning explorers' callbacks.

The explorers are driven the way a browser drives them — by setting the built controls' values —
and their results are checked against independent computations: the plan of
``targets.set_targets`` with the same weights (and the per-method targets of its
``targets.method_table``), and ``investment.investment_plan`` / ``investment.allocate`` run
directly with the same budget and limits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import time
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channel_lib.analysis import investment, targets
from channel_lib.core.errors import ParameterError
from channel_lib.interactive import explorers as widgets
from channel_lib.interactive.explorers import core
from channel_lib.presentation import html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
#: Explorers under test never fire their trailing timer by themselves: the tests flush.
NO_TIMER = 60.0


# -- helpers --------------------------------------------------------------------------------------
class _Tables(HTMLParser):
    """Every ``<table class="cw-table">`` of a page: caption and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "cw-table" in (dict(attrs).get("class") or ""):
            self.tables.append({"caption": "", "rows": []})
        elif not self.tables:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._in_caption and self.tables:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def shown_tables(explorer: widgets.Explorer) -> list[dict]:
    """The tables in the explorer's output area, as a browser would read them."""
    parser = _Tables()
    for record in explorer.output.outputs:
        parser.feed(record["data"].get("text/html", ""))
    return parser.tables


def shown_text(explorer: widgets.Explorer) -> str:
    return " ".join(
        str(v) for r in explorer.output.outputs for v in r["data"].values() if isinstance(v, str)
    )


def table_named(tables: list[dict], word: str) -> dict:
    found = [t for t in tables if word in t["caption"]]
    assert len(found) == 1, [t["caption"] for t in tables]
    return found[0]


def column(t: dict, name: str) -> tuple[list[int], int]:
    """The whole numbers of a column (headed by its label): the channel rows and the Total row."""
    header, *rows = t["rows"]
    j = header.index(html.column_label(name))
    values = [int(r[j].replace(",", "").replace("+", "")) for r in rows]
    labels = [r[0] for r in rows]
    assert labels[-1] == "Total"
    return values[:-1], values[-1]


def folder_state(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def widget_count() -> int:
    from ipywidgets.widgets.widget import _instances

    return len(_instances)


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory) -> Path:
    """A private copy of the sample (other work may regenerate data/sample meanwhile)."""
    dest = tmp_path_factory.mktemp("widgets") / "sample"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="module")
def opened(sample_copy, tmp_path_factory):
    """(wb, settings, plan) of target setting on the sample copy."""
    plans = tmp_path_factory.mktemp("plans-default")
    wb, settings = targets.open_target_setting(sample_copy, "latest", plans)
    return wb, settings, targets.set_targets(wb, settings)


@pytest.fixture(scope="module")
def inv_plan(opened):
    wb, _, _ = opened
    return investment.investment_plan(wb, scenarios=[1.0])


@pytest.fixture
def target_explorer(opened):
    wb, settings, plan = opened
    return widgets.TargetExplorer(wb, settings, plan=plan, wait=NO_TIMER)


@pytest.fixture
def allocation_explorer(opened, inv_plan):
    wb, _, _ = opened
    return widgets.AllocationExplorer(wb, plan=inv_plan, wait=NO_TIMER)


def move(explorer: widgets.Explorer, **values) -> None:
    """Set controls like a user would, then let the debouncer's trailing run happen now."""
    if explorer.result is None:
        explorer.refresh()  # what show() does first
    for name, value in values.items():
        explorer.controls[name].value = value
    explorer._debounced.flush()


# -- Debouncer ------------------------------------------------------------------------------------
class FakeClock:
    """``time.monotonic`` and a ``schedule`` for :class:`Debouncer` that only move when told."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[list] = []  # [due, callback, cancelled]

    def monotonic(self) -> float:
        return self.now

    def schedule(self, delay, callback):
        timer = [self.now + delay, callback, False]
        self.timers.append(timer)

        class Handle:
            def cancel(self_inner):
                timer[2] = True

        return Handle()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for timer in list(self.timers):
            if not timer[2] and timer[0] <= self.now:
                timer[2] = True
                timer[1]()


def test_debouncer_runs_50_changes_in_100_ms_at_most_twice_and_the_last_value_wins(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(core.time, "monotonic", clock.monotonic)
    seen: list[int] = []
    d = core.Debouncer(seen.append, wait=0.15, schedule=clock.schedule)
    for i in range(50):  # one change every 2 ms: 50 changes in 100 ms
        d(i)
        clock.advance(0.002)
    clock.advance(1.0)
    assert d.runs <= 2
    assert seen == [0, 49]


def test_debouncer_coalesces_a_burst_on_real_timers():
    seen: list[int] = []
    wait = 0.5  # long enough that a loaded machine still fires the 50 calls as one burst
    d = core.Debouncer(seen.append, wait=wait)
    start = time.monotonic()
    for i in range(50):
        d(i)
        time.sleep(max(0.0, start + 0.002 * (i + 1) - time.monotonic()))
    burst = time.monotonic() - start
    time.sleep(wait + 0.5)  # the trailing run fires on its own timer thread
    assert burst < wait
    assert d.runs <= 2
    assert seen[0] == 0 and seen[-1] == 49


def test_debouncer_runs_a_single_change_once_immediately():
    seen: list[int] = []
    d = core.Debouncer(seen.append, wait=0.1)
    d(7)
    assert seen == [7] and d.runs == 1
    time.sleep(0.25)
    assert seen == [7] and d.runs == 1


def test_debouncer_runs_again_after_a_pause():
    seen: list[int] = []
    d = core.Debouncer(seen.append, wait=0.05)
    d(1)
    time.sleep(0.15)
    d(2)
    assert seen == [1, 2]


def test_debouncer_trailing_run_fires_beside_a_foreign_event_loop():
    """Playwright's sync API leaves its asyncio loop set in the main thread, and that loop only runs
    inside Playwright calls: a trailing run scheduled on it never fired (the browser tests' worker)."""
    import asyncio

    previous = asyncio._get_running_loop()  # the browser fixture's Playwright may have set one
    idle = asyncio.new_event_loop()
    asyncio._set_running_loop(idle)  # what Playwright does: "running", but it only runs on demand
    try:
        seen: list[int] = []
        d = core.Debouncer(seen.append, wait=0.05)
        d(1)
        d(2)
        time.sleep(0.3)
        d(3)
        assert seen == [1, 2, 3]
    finally:
        asyncio._set_running_loop(previous)
        idle.close()


def test_an_error_in_a_control_change_is_shown_in_the_output_not_lost():
    import ipywidgets as w

    class Picky(widgets.Explorer):
        def initial_values(self):
            return {"n": 1}

        def build_controls(self):
            return {"n": w.IntSlider(value=1, min=0, max=5)}

        def compute(self, *, n):
            if n == 0:
                raise ParameterError("n must be ≥ 1: move the slider right")
            return n

        def render(self, result):
            return [f"n is {result}"]

    explorer = Picky(wait=NO_TIMER)
    explorer.refresh()
    move(explorer, n=0)
    assert "n must be ≥ 1: move the slider right" in shown_text(explorer)
    move(explorer, n=3)
    assert shown_text(explorer) == "n is 3"
    explorer.controls["n"].value = 0  # within the burst: only queued for the trailing run
    with pytest.raises(ParameterError, match="n must be"):  # called directly, refresh raises
        explorer.refresh()
    explorer._debounced.flush()  # no timer left behind


# -- batch mode -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1", "yes"], ids=["one", "any-text"])
def test_batch_mode_is_on_when_the_runner_sets_the_variable(monkeypatch, value):
    monkeypatch.setattr(core, "_in_ipython_kernel", lambda: True)
    monkeypatch.setenv(widgets.BATCH_ENV, value)
    assert widgets.batch_mode()


def test_batch_mode_is_off_in_a_kernel_without_the_variable(monkeypatch):
    monkeypatch.setattr(core, "_in_ipython_kernel", lambda: True)
    monkeypatch.delenv(widgets.BATCH_ENV, raising=False)
    assert not widgets.batch_mode()
    monkeypatch.setenv(widgets.BATCH_ENV, "0")
    assert not widgets.batch_mode()


@pytest.mark.parametrize("kind", ["targets", "allocation"])
def test_show_in_batch_mode_creates_no_widget_and_computes_nothing(monkeypatch, opened, kind):
    monkeypatch.setenv(widgets.BATCH_ENV, "1")
    wb, settings, _ = opened
    before = widget_count()
    if kind == "targets":
        explorer = widgets.TargetExplorer(wb, settings)  # no plan: it would compute one if used
    else:
        explorer = widgets.AllocationExplorer(wb, limits={"max_change": 0.2})
    shown = explorer.show()
    assert widget_count() == before
    assert explorer.result is None and explorer._controls is None
    if kind == "targets":
        assert explorer._plan is None  # the bases were never computed
        assert "Method" in shown.data and "blend" in shown.data
    else:
        assert "fits" not in vars(explorer)  # the curves were never fitted
        assert "Max change vs last quarter" in shown.data and "0.2" in shown.data
    assert 'class="cw-table"' in shown.data and "default values" in shown.data


def test_show_interactively_returns_the_live_box_with_the_tables(monkeypatch, target_explorer):
    monkeypatch.setattr(core, "batch_mode", lambda: False)
    monkeypatch.setattr(core, "ensure_bundle_on_page", lambda: None)
    box = target_explorer.show()
    assert box is target_explorer.widget  # built once
    assert target_explorer.refresh_count == 1
    captions = [t["caption"] for t in shown_tables(target_explorer)]
    assert any("targets" in c for c in captions)


def test_two_explorers_on_one_page_send_the_chart_bundle_once(
    monkeypatch, target_explorer, allocation_explorer
):
    import IPython.display

    from channel_lib.presentation import html

    sent = []
    monkeypatch.setattr(core, "batch_mode", lambda: False)
    monkeypatch.setattr(IPython.display, "display", lambda obj: sent.append(obj))
    html.enable_offline_charts()  # a notebook re-run from the top: nothing sent yet
    target_explorer.show()
    allocation_explorer.show()
    bundles = [o for o in sent if "vegaEmbed" in getattr(o, "data", "")]
    assert len(bundles) == 1


# -- TargetExplorer -------------------------------------------------------------------------------
WEIGHT_SETS = {
    "default": (0.4, 0.2, 0.2, 0.2),
    "history-only": (1.0, 0.0, 0.0, 0.0),
    "trend-and-role": (0.0, 0.55, 0.45, 0.0),
    "unnormalised": (0.35, 0.35, 0.35, 0.35),
    "potential-heavy": (0.05, 0.0, 0.1, 0.9),
}


# -- parameters(): a finding made live, re-run in a batch ------------------------------------------
def _cell(lines: list[str]) -> dict:
    """Run the lines as a parameters cell would; the names they set."""
    names: dict = {}
    exec("\n".join(lines), {}, names)  # the test runs what a notebook would
    return names


def test_target_parameters_rerun_in_notebook_02_give_the_explorers_targets(target_explorer, opened):
    wb, _, _ = opened
    move(target_explorer, method="blend", history=0.6, trend=0.0, role=0.3, potential=0.1)
    cell = _cell(target_explorer.parameters())
    assert cell["method"] == "blend" and cell["year"] == target_explorer.settings.year
    assert cell["blend_weights"] == {"history": 0.6, "trend": 0.0, "role": 0.3, "potential": 0.1}
    # the notebook's own first call, with those parameters (the analysis layer, not the explorer)
    settings = targets.target_settings(wb, **cell)
    batch = targets.set_targets(wb, settings).channels
    batch = dict(zip(batch["channel_id"], batch["revenue_target_exact"].astype(int), strict=True))
    assert batch == target_explorer.result.target_exact()

    move(target_explorer, history=1.0, trend=1.0, role=1.0, potential=0.0)  # unnormalised
    weights = _cell(target_explorer.parameters())["blend_weights"]
    assert weights == {"history": 0.3334, "trend": 0.3333, "role": 0.3333, "potential": 0.0}
    targets.check_parameters(method="blend", blend_weights=weights)  # the notebook accepts them


def test_allocation_parameters_are_notebook_03s_budget_limits_and_objective(allocation_explorer):
    move(allocation_explorer, max_change=0.45, min_share=0.05)
    values = allocation_explorer.values()
    cell = _cell(allocation_explorer.parameters())
    assert cell == {
        "budget": pytest.approx(values["budget"], abs=1e-6 * values["budget"]),
        "limits": {"min_share": 0.05, "max_share": pytest.approx(values["max_share"]),
                   "max_change": 0.45},
        "objective": "goals",
    }  # fmt: skip
    investment.validate_parameters(cell["budget"], cell["limits"], [1.0], cell["objective"])


@pytest.mark.parametrize("weights", list(WEIGHT_SETS.values()), ids=list(WEIGHT_SETS))
def test_moving_weight_sliders_reallocates_targets_that_sum_to_the_objective_to_the_cent(
    target_explorer, opened, weights
):
    wb, settings, _ = opened
    move(target_explorer, method="blend", **dict(zip(targets.BASE_METHODS, weights, strict=True)))
    result = target_explorer.result
    assert result.ok
    cents = result.channels["revenue_target_exact"]
    assert int(cents.sum()) == settings.revenue_objective_exact
    assert (cents >= 0).all()
    # independent reference: the whole target-setting chain with these (normalised) weights
    total = sum(weights)
    chosen = dataclasses.replace(
        settings,
        method="blend",
        blend_weights={m: w / total for m, w in zip(targets.BASE_METHODS, weights, strict=True)},
    )
    reference = targets.set_targets(wb, chosen).channels.set_index("channel_id")
    assert result.target_exact() == reference["revenue_target_exact"].astype(int).to_dict()
    if settings.gross_profit_objective_exact is not None:
        gp = result.channels.set_index("channel_id")["gross_profit_target_exact"]
        assert gp.to_dict() == reference["gross_profit_target_exact"].to_dict()


weight = st.sampled_from([round(0.05 * k, 2) for k in range(21)])


@hypothesis_settings(max_examples=20)  # each example is a full refresh: compute, chart and tables
@given(weights=st.tuples(weight, weight, weight, weight).filter(lambda w: sum(w) > 0))
def test_any_weights_give_the_weighted_split_of_the_per_method_targets(opened, weights):
    wb, settings, plan = opened
    explorer = widgets.TargetExplorer(wb, settings, plan=plan, wait=NO_TIMER)
    move(explorer, method="blend", **dict(zip(targets.BASE_METHODS, weights, strict=True)))
    result = explorer.result
    objective = settings.revenue_objective_exact
    assert int(result.channels["revenue_target_exact"].sum()) == objective
    # re-do the blend by hand from the per-method targets of the notebook's plan
    table = targets.method_table(plan).set_index("channel_id")
    w = np.array(weights) / sum(weights)
    expected = table[list(targets.BASE_METHODS)].to_numpy() @ w  # currency
    got = result.channels.set_index("channel_id")["revenue_target"].reindex(table.index)
    # each per-method target is within a cent of its exact quota, so the blend is within two
    np.testing.assert_allclose(got.to_numpy(), expected, atol=0.02 + 1e-6, rtol=0)
    # the table the browser reads adds up too
    refresh_tables = shown_tables(explorer)
    parts, total = column(table_named(refresh_tables, "targets"), "revenue_target")
    # whole currency units: the objective (exact units of 10^-money_decimals) over the unit's scale
    assert sum(parts) == total == round(Fraction(objective, settings.money.scale))


def test_the_targets_table_adds_up_to_the_shown_objective(target_explorer, opened):
    _, settings, _ = opened
    move(target_explorer, history=0.15, trend=0.65)
    t = table_named(shown_tables(target_explorer), "targets")
    parts, total = column(t, "revenue_target")
    assert sum(parts) == total
    assert f"{total:,}" in shown_text(target_explorer)  # the objective in the sentence above
    if settings.gross_profit_objective_exact is not None:
        gp_parts, gp_total = column(t, "gross_profit_target")
        gp_objective = Fraction(settings.gross_profit_objective_exact, settings.money.scale)
        assert sum(gp_parts) == gp_total == round(gp_objective)  # whole currency units


def test_another_method_takes_its_own_split(target_explorer, opened):
    _, _, plan = opened
    move(target_explorer, method="trend")
    trend = plan.methods[plan.methods["method"] == "trend"].set_index("channel_id")
    assert target_explorer.result.target_exact() == trend["target_exact"].astype(int).to_dict()


def test_all_weights_zero_shows_a_message_instead_of_failing(target_explorer):
    move(target_explorer, method="blend", history=0.0, trend=0.0, role=0.0, potential=0.0)
    assert not target_explorer.result.ok
    assert "All four blend weights are 0" in shown_text(target_explorer)
    assert shown_tables(target_explorer) == []
    move(target_explorer, method="history")  # another method needs no blend weights
    assert target_explorer.result.ok


def test_one_burst_of_slider_moves_recomputes_at_most_twice(target_explorer):
    move(target_explorer)  # built and shown
    before = target_explorer.refresh_count
    for k in range(20):
        target_explorer.controls["trend"].value = round(0.05 * k, 2)
    target_explorer._debounced.flush()
    assert target_explorer.refresh_count - before <= 2
    assert target_explorer.result.weights["trend"] > 0


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"channel": "DIST"}, lambda p: set(p["channel_id"]) == {"DIST"}),
        ({"tier": "gold"}, lambda p: set(p["tier"].str.lower()) == {"gold"}),
    ],
    ids=["channel", "tier"],
)
def test_partner_filters_narrow_the_partner_table(target_explorer, filters, check):
    options = {k: list(target_explorer.controls[k].options) for k in filters}
    values = {}
    for k, v in filters.items():
        match = [o for o in options[k] if str(o).lower() == v.lower()]
        if not match:
            pytest.fail(f"the sample has no {k} {v!r}: options are {options[k]}")
        values[k] = match[0]
    move(target_explorer, **values)
    partners = target_explorer.result.partners
    assert len(partners) and check(partners)
    shown = table_named(shown_tables(target_explorer), "Partner split")
    assert not any("<NA>" in cell or cell == "nan" for row in shown["rows"] for cell in row)


def test_compute_with_some_controls_keeps_the_others_current(target_explorer, allocation_explorer):
    move(target_explorer, method="blend", history=0.0, trend=1.0, role=0.0, potential=0.0)
    assert target_explorer.compute(role=1.0).weights == pytest.approx(
        {"history": 0.0, "trend": 0.5, "role": 0.5, "potential": 0.0}
    )
    move(allocation_explorer, max_share=0.5)
    b = allocation_explorer.controls["budget"].value
    assert allocation_explorer.compute(budget=b).allocation.equals(
        allocation_explorer.result.allocation
    )
    for explorer in (target_explorer, allocation_explorer):
        with pytest.raises(ParameterError, match="has no control 'colour'"):
            explorer.compute(colour="red")


def test_a_plan_for_other_settings_is_refused(opened):
    wb, settings, plan = opened
    other = dataclasses.replace(settings, revenue_objective_exact=123)
    with pytest.raises(ParameterError, match="revenue_objective_exact differ"):
        widgets.TargetExplorer(wb, other, plan=plan)
    # the method and blend weights may differ: they are what the explorer changes
    widgets.TargetExplorer(wb, dataclasses.replace(settings, method="trend"), plan=plan)


def test_partner_targets_of_a_channel_add_up_to_its_target(target_explorer):
    move(target_explorer, history=1.0, trend=0.0, role=0.0, potential=0.0)
    result = target_explorer.result
    by_channel = result.partners.groupby("channel_id")["revenue_target_exact"].sum()
    channel = result.channels.set_index("channel_id")["revenue_target_exact"]
    assert (by_channel == channel.reindex(by_channel.index)).all()


def test_target_save_writes_the_chosen_targets_to_the_plans_folder_only(
    target_explorer, opened, sample_copy, tmp_path
):
    _, settings, _ = opened
    data_before = folder_state(sample_copy)
    move(target_explorer, method="blend", history=0.0, trend=0.5, role=0.5, potential=0.0)
    status = target_explorer.save(tmp_path)
    assert status.startswith("Wrote") and "targets.csv" in status
    assert sorted(p.name for p in tmp_path.iterdir()) == [".targets.csv.lock", "targets.csv"]
    saved = pd.read_csv(tmp_path / "targets.csv", dtype={"partner_id": "string", "target": str})
    assert set(saved["quarter"]) == set(settings.quarters)
    channel_rows = saved[saved["partner_id"].isna() & (saved["metric"] == "revenue")]
    # the written text read exactly (Decimal), in units of 10^-money_decimals
    annual = channel_rows.groupby("channel_id")["target"].agg(
        lambda xs: int(sum(Decimal(x) for x in xs).scaleb(settings.money.decimals))
    )
    assert annual.to_dict() == target_explorer.result.target_exact()
    again = target_explorer.save(tmp_path)  # a plan exists: kept, not replaced silently
    assert again.startswith("Kept the existing plan")
    assert target_explorer.save(tmp_path, overwrite=True).startswith("Replaced")
    assert folder_state(sample_copy) == data_before


def test_save_refuses_the_dataset_folder(target_explorer, allocation_explorer, sample_copy):
    for explorer in (target_explorer, allocation_explorer):
        with pytest.raises(ParameterError, match="read only"):
            explorer.save(sample_copy / "plans")


# -- AllocationExplorer ---------------------------------------------------------------------------
def test_budget_slider_spans_half_to_twice_the_current_spend_in_nice_steps(allocation_explorer):
    b = allocation_explorer.controls["budget"]
    current = allocation_explorer.current_total
    assert b.min <= 0.5 * current < b.min + b.step
    assert b.max - b.step < 2 * current <= b.max
    assert b.step <= 0.01 * current < 2.5 * b.step
    assert re.fullmatch(r"[125]0*", f"{b.step:.0f}")


@pytest.mark.parametrize("factor", [0.6, 1.0, 1.7], ids=["cut", "same", "raise"])
def test_budget_change_splits_the_new_budget_as_the_investment_plan_does(
    allocation_explorer, opened, factor
):
    wb, _, _ = opened
    b = allocation_explorer.controls["budget"]
    budget = round(allocation_explorer.current_total * factor / b.step) * b.step
    move(allocation_explorer, budget=budget, max_change=0.4, min_share=0.02, max_share=0.8)
    result = allocation_explorer.result
    assert result.ok, result.message
    alloc = result.allocation.set_index("channel_id")
    # independent reference: the notebook's whole chain with this budget and these limits
    reference = investment.investment_plan(
        wb,
        budget=budget,
        limits={"max_change": 0.4, "min_share": 0.02, "max_share": 0.8},
        scenarios=[1.0],
    )
    ref = reference.allocation.set_index("channel_id")
    # the split places the budget, less what no channel takes at a return of one (break-even)
    unplaced = reference.allocation.attrs.get("unplaced", 0.0)
    assert unplaced >= 0
    assert alloc["recommended_spend"].sum() + unplaced == pytest.approx(budget, rel=1e-9)
    np.testing.assert_allclose(
        alloc.loc[ref.index, "recommended_spend"], ref["spend"], rtol=1e-6, atol=0.01
    )
    ref_total = reference.totals.set_index("split").loc["recommended"]
    assert result.total_response == pytest.approx(ref_total["expected"], rel=1e-6)
    assert result.total_low == pytest.approx(ref_total["low"], rel=1e-6, abs=1e-6)
    # limits hold for every allocated channel: shares of the allocated budget (what was placed
    # and what was kept unplaced) and change against today's spend scaled to it
    allocated = alloc.loc[ref.index]
    pool = allocated["recommended_spend"].sum() + unplaced
    assert (allocated["recommended_spend"] >= 0.02 * pool - 1e-6).all()
    assert (allocated["recommended_spend"] <= 0.8 * pool + 1e-6).all()
    scaled = allocated["current_spend"] * pool / allocated["current_spend"].sum()
    within = abs(allocated["recommended_spend"] - scaled) <= 0.4 * scaled + 1e-6
    # the break-even cap is over every other limit: a channel at it may move further
    at_cap = ref["at_bound"] == "break-even"
    assert (within | at_cap).all()
    assert (allocated["recommended_spend"] <= ref["upper"] + 1e-6).all()


@pytest.fixture(scope="module")
def shared_allocation_explorer(opened, inv_plan):
    wb, _, _ = opened
    return widgets.AllocationExplorer(wb, plan=inv_plan, wait=NO_TIMER)


@hypothesis_settings(max_examples=30)
@given(
    factor=st.floats(0.5, 2.0),
    max_change=st.sampled_from([None, 0.0, 0.1, 0.3, 0.7, 1.0]),
    min_share=st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3]),
    max_share=st.sampled_from([0.2, 0.4, 0.6, 1.0]),
)
def test_any_budget_and_limits_give_a_split_of_the_budget_within_them_or_a_message(
    shared_allocation_explorer, factor, max_change, min_share, max_share
):
    explorer = shared_allocation_explorer
    budget = explorer.current_total * factor
    result = explorer.compute(
        budget=budget, max_change=max_change, min_share=min_share, max_share=max_share
    )
    if not result.ok:
        assert result.message.startswith("No allocation for these limits")
        return
    a = result.allocation
    # the budget is placed, less what no channel takes at a return of one (said in a note)
    assert result.unplaced >= 0
    assert a["recommended_spend"].sum() + result.unplaced == pytest.approx(budget, rel=1e-9)
    assert (result.unplaced > 0) == any(n.startswith("Keep ") for n in result.notes)
    assert (a["recommended_spend"] >= -1e-9).all()
    fitted = a[a["note"] != "kept: no response curve"]
    pool = fitted["recommended_spend"].sum() + result.unplaced
    tol = 1e-6 * budget
    share = fitted["recommended_spend"] / pool
    at_cap = fitted["at_limit"] == "break-even"  # the break-even cap is over every other limit
    outside = ((share < min_share - 1e-6) | (share > max_share + 1e-6)) & ~at_cap
    # the allocator keeps a held channel's spend; the explorer then says so
    assert set(fitted.loc[outside, "channel_id"]) <= set(
        fitted.loc[fitted["at_limit"] == "fixed", "channel_id"]
    )
    for c in fitted.loc[outside, "channel_id"]:
        assert any(n.startswith(f"{c} is held at") for n in result.notes)
    # the budget rules are said in words: a scaled split whenever the budget moved
    if factor == 1.0 or abs(factor - 1) > 1e-6:
        assert any("of their" in n for n in result.notes) == (factor != 1.0)
    if max_change is not None:
        scaled = fitted["current_spend"] * pool / fitted["current_spend"].sum()
        within = abs(fitted["recommended_spend"] - scaled) <= max_change * scaled + tol
        assert (within | at_cap).all()
    shown = result.display_table()
    assert shown["recommended_spend"].iloc[:-1].sum() == shown["recommended_spend"].iloc[-1]


def test_a_plan_fitted_for_another_objective_is_refused(opened, inv_plan):
    wb, _, _ = opened
    other = "revenue" if inv_plan.metric == "gross_profit" else "gross_profit"
    with pytest.raises(ParameterError, match=f"asks for {other}"):
        widgets.AllocationExplorer(wb, objective=other, plan=inv_plan)


def test_allocation_equals_the_allocator_run_directly(allocation_explorer, inv_plan):
    move(allocation_explorer, max_change=0.5, max_share=0.6)
    result = allocation_explorer.result
    fits = inv_plan.fits
    current = inv_plan.allocation.set_index("channel_id")["current_spend"].to_dict()
    pool = result.allocation.set_index("channel_id").loc[list(fits), "recommended_spend"].sum()
    ratio = pool / sum(current.values())
    direct = investment.allocate(
        fits,
        pool,
        current={c: v * ratio for c, v in current.items()},
        hold=[c for c, f in fits.items() if not f.identified],
        min_share=0.0,
        max_share=0.6,
        max_change=0.5,
    ).set_index("channel_id")
    got = result.allocation.set_index("channel_id").loc[direct.index, "recommended_spend"]
    np.testing.assert_allclose(got, direct["spend"], rtol=1e-9, atol=1e-6)


def test_the_allocation_table_adds_up_to_the_shown_budget(allocation_explorer):
    b = allocation_explorer.controls["budget"]
    move(allocation_explorer, budget=b.value + 7 * b.step)
    t = table_named(shown_tables(allocation_explorer), "allocation")
    parts, total = column(t, "recommended_spend")
    assert sum(parts) == total == round(b.value)
    assert f"Budget **{total:,}" in shown_text(allocation_explorer)
    current, current_total = column(t, "current_spend")
    assert sum(current) == current_total


@pytest.mark.parametrize(
    "limits",
    [{"min_share": 0.3}, {"min_share": 0.4, "max_share": 0.3}],
    ids=["min-share-times-channels-above-1", "min-above-max"],
)
def test_infeasible_limits_show_a_message_instead_of_failing(allocation_explorer, limits):
    move(allocation_explorer, **limits)
    result = allocation_explorer.result
    assert not result.ok
    assert "No allocation for these limits" in shown_text(allocation_explorer)
    assert shown_tables(allocation_explorer) == []
    move(allocation_explorer, min_share=0.0, max_share=1.0)  # and it recovers
    assert allocation_explorer.result.ok


def test_allocation_save_writes_investment_csv_summing_to_the_budget(
    allocation_explorer, sample_copy, tmp_path
):
    data_before = folder_state(sample_copy)
    b = allocation_explorer.controls["budget"]
    move(allocation_explorer, budget=b.value - 3 * b.step)
    status = allocation_explorer.save(tmp_path)
    assert status.startswith("Wrote") and "investment.csv" in status
    assert sorted(p.name for p in tmp_path.iterdir()) == [".investment.csv.lock", "investment.csv"]
    text = (tmp_path / "investment.csv").read_text()
    assert text.startswith("# ") and "# recommended_spend:" in text
    saved = pd.read_csv(tmp_path / "investment.csv", comment="#", dtype={"channel_id": "string"})
    assert list(saved.columns[:4]) == ["channel_id", "current_spend", "recommended_spend", "change"]
    cents = (saved["recommended_spend"] * 100).round().astype(int)
    assert int(cents.sum()) == round((b.value) * 100)
    assert set(saved["channel_id"]) == set(allocation_explorer.result.allocation["channel_id"])
    assert allocation_explorer.save(tmp_path).startswith("Replaced")
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # the lock, and no temp file left
        ".investment.csv.lock",
        "investment.csv",
    ]
    assert folder_state(sample_copy) == data_before


def test_a_saved_split_never_spreads_the_kept_budget_over_the_channels(
    allocation_explorer, tmp_path
):
    b = allocation_explorer.controls["budget"]
    move(allocation_explorer, budget=b.max)  # twice today's spend: past every break-even cap
    result = allocation_explorer.result
    assert result.ok and result.unplaced > 0, result.notes
    status = allocation_explorer.save(tmp_path)
    assert "kept: no channel returns break-even on it" in status
    saved = pd.read_csv(tmp_path / "investment.csv", comment="#", dtype={"channel_id": "string"})
    cents = int((saved["recommended_spend"] * 100).round().astype(int).sum())
    assert cents == round((result.budget - result.unplaced) * 100)


def test_an_explorer_without_curves_says_so(tiny_dir, tmp_path):
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(tiny_dir, "FY2025-Q4", tmp_path)
    explorer = widgets.AllocationExplorer(wb, wait=NO_TIMER)
    explorer.refresh()
    assert not explorer.result.ok
    assert "No channel has a response curve" in shown_text(explorer)
    assert explorer.save(tmp_path).startswith("Not written")
    assert not (tmp_path / "investment.csv").exists()


def test_whole_units_add_up_to_the_rounded_total():
    amounts = [1234.56, 789.01, 0.43, 5000.0]
    shown = widgets.whole_units(amounts, sum(amounts))
    assert int(shown.sum()) == round(sum(amounts))
    assert np.all(np.abs(shown - np.array(amounts)) < 1)
