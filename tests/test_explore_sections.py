"""The explore sections of notebooks 01, 04, 05 and 06 and their explorers (issue #12).

Specification:

- each explorer's ``compute`` for non-default control values gives what the analysis module gives
  when called directly for those values (the module is the reference; for signals, the sample's
  ``ground_truth.csv`` too), and its filters keep only matching rows;
- ``render`` returns charts that draw offline (the ``vegaEmbed`` div of the offline renderer);
- the controls are wired: setting one and flushing the debouncer refreshes once, with the value;
- papermill-rendered reports hold no widget: no widget view or state in any executed notebook or
  HTML report of the batch, and the explore sections show their static table of defaults — and it
  is the runner that makes the difference (the same notebook in a plain kernel shows a widget).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest
from report_fixtures import NOTEBOOKS

from channel_lib.analysis import alignment, partner_review, scorecard, signals, trends
from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook, open_workbook
from channel_lib.interactive import explorers as widgets
from channel_lib.interactive.explorers.core import mimebundle
from channel_lib.interactive.explorers.filters import ALL

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
SAMPLE = ROOT / "data" / "sample"
DEMO = ROOT / "tests" / "fixtures" / "explore_demo.ipynb"
#: Debounce wait long enough that no timer fires during a test: only flush() runs the trailing call.
NO_TIMER = 60.0
#: What the static defaults table of an explore section says (Explorer.show in batch mode).
CAPTION = "interactive controls (open the notebook in JupyterLab to use them)"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Text that betrays a widget in a report page: its view or state, the widget manager, the
#: placeholder text of a widget without a manager, the text repr of a displayed widget.
WIDGET_TRACES = (
    "widget-view+json", "widget-state+json", "model_id", "html-manager", "embed-amd",
    "Loading widget", "jupyter-widgets", "VBox(children", "HBox(children",
)  # fmt: skip


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    """A private copy of the sample (other work may regenerate data/sample meanwhile)."""
    dest = tmp_path_factory.mktemp("explore") / "sample"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture(scope="module")
def sample_wb(sample_dir, tmp_path_factory) -> Workbook:
    return open_workbook(sample_dir, "latest", tmp_path_factory.mktemp("plans"))


@pytest.fixture(scope="module")
def tiny_wb(tmp_path_factory) -> Workbook:
    return open_workbook(TINY, "FY2026-Q3", tmp_path_factory.mktemp("plans"))


@pytest.fixture(scope="module")
def truth(sample_dir) -> pd.DataFrame:
    return pd.read_csv(sample_dir / "ground_truth.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def signal_explorer(sample_wb) -> widgets.SignalExplorer:
    return widgets.SignalExplorer(sample_wb, wait=NO_TIMER)


def _share(detail: str) -> float:
    """The share of company revenue a ground-truth detail states ("0.79% of company revenue")."""
    return float(re.match(r"([\d.]+)% of company revenue", detail).group(1)) / 100


def _charts(objects) -> list:
    return [o for o in objects if isinstance(o, alt.TopLevelMixin)]


# -- AlignmentExplorer (notebook 01) -----------------------------------------------------------------
def test_alignment_of_an_earlier_quarter_is_the_notebook_run_at_that_quarter(tiny_wb):
    ex = widgets.AlignmentExplorer(tiny_wb, wait=NO_TIMER)
    got = ex.compute(quarter="FY2026-Q2", channel=ALL)
    wb_q2, settings = alignment.open_alignment(TINY, "FY2026-Q2", plans_dir=tiny_wb.plans_dir)
    want = alignment.alignment_breakdown(wb_q2, settings)
    assert got.settings.quarters == ("FY2026-Q1", "FY2026-Q2")
    pd.testing.assert_frame_equal(got.breakdown, want)
    pd.testing.assert_frame_equal(got.scores, alignment.alignment_scores(want))


def test_alignment_keeps_the_notebooks_weights_in_another_year(tiny_wb):
    weights = {"gross_margin": 0.5, "discount": 0.5}
    _, settings = alignment.open_alignment(
        TINY, "FY2026-Q3", plans_dir=tiny_wb.plans_dir, weights=weights
    )
    ex = widgets.AlignmentExplorer(tiny_wb, settings, wait=NO_TIMER)
    got = ex.compute(quarter="FY2025-Q4", channel=ALL)
    wb_q, want_settings = alignment.open_alignment(
        TINY, "FY2025-Q4", plans_dir=tiny_wb.plans_dir, weights=weights
    )
    assert got.settings.weights == want_settings.weights and got.settings.year == "FY2025"
    pd.testing.assert_frame_equal(got.breakdown, alignment.alignment_breakdown(wb_q, want_settings))


def test_alignment_channel_filter_keeps_only_that_channel(tiny_wb):
    ex = widgets.AlignmentExplorer(tiny_wb, wait=NO_TIMER)
    every = ex.compute(quarter="FY2026-Q3", channel=ALL)
    dist = ex.compute(quarter="FY2026-Q3", channel="DIST")
    assert set(dist.breakdown["channel_id"]) == {"DIST"}
    assert dist.scores["channel_id"].tolist() == ["DIST"]
    want = every.breakdown[every.breakdown["channel_id"] == "DIST"].reset_index(drop=True)
    pd.testing.assert_frame_equal(dist.breakdown, want)


@pytest.mark.parametrize(
    ("values", "message"),
    [({"quarter": "FY2031-Q1"}, "not a quarter of this workbook"),
     ({"quarter": "FY2026-Q3", "channel": "NOPE"}, "not a channel of this dataset")],
    ids=["quarter-outside-the-data", "unknown-channel"],
)  # fmt: skip
def test_alignment_explorer_says_what_to_choose_instead(tiny_wb, values, message):
    with pytest.raises(ParameterError, match=message):
        widgets.AlignmentExplorer(tiny_wb).compute(**values)


@pytest.mark.parametrize("with_settings", [False, True], ids=["own-settings", "notebook-settings"])
def test_alignment_explorer_on_a_year_that_cannot_be_scored_says_why(tmp_path, with_settings):
    import yaml

    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    goals = yaml.safe_load((folder / "goals.yaml").read_text(encoding="utf-8"))
    goals["years"] = {"FY2027": goals["years"]["FY2026"]}  # goals only after the data
    (folder / "goals.yaml").write_text(yaml.safe_dump(goals, sort_keys=False), encoding="utf-8")
    wb, settings = alignment.open_alignment(folder, plans_dir=tmp_path / "plans")
    assert not settings.scored
    ex = widgets.AlignmentExplorer(wb, settings if with_settings else None, wait=NO_TIMER)
    quarters = ex.quarters()
    assert quarters and {wb.dataset.calendar.year_of_quarter(q) for q in quarters} == {"FY2026"}
    ex.build_controls()  # a selector with the reporting quarter chosen: no TraitError
    rendered = " ".join(str(getattr(o, "data", o)) for o in ex.render(ex.compute()))
    shown = rendered.replace("\\", "")  # markdown escapes
    assert "FY2026 is not scored: goals.yaml has no goals for FY2026 or any year before it" in shown


# -- TrendExplorer (notebook 04) ---------------------------------------------------------------------
def test_trend_of_one_channel_is_its_quarterly_series(tiny_wb):
    got = widgets.TrendExplorer(tiny_wb).compute(channel="DIST", measure="gross_profit")
    ds = tiny_wb.dataset
    q = trends.quarterly_series(trends.monthly_series(ds, quarter=tiny_wb.quarter), money=ds.money)
    want = q[(q["level"] == "channel") & (q["channel_id"] == "DIST")].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.quarterly, want)
    # independently: the metrics cube's quarterly gross profit of DIST, to the cent
    cube = metrics.summarise(tiny_wb.dataset, by="channel_id", period="quarter")
    cube = cube[cube["channel_id"] == "DIST"].set_index("period")["gross_profit_exact"]
    shown = got.quarterly.set_index("quarter")["gross_profit_exact"]
    assert {q: int(v) for q, v in shown.items() if v} == {q: int(v) for q, v in cube.items()
                                                         if q in shown.index and v}  # fmt: skip


def test_trend_for_every_channel_keeps_every_channel_and_unknown_measures_fail(tiny_wb):
    ex = widgets.TrendExplorer(tiny_wb)
    assert set(ex.compute(channel=ALL, measure="revenue").quarterly["channel_id"]) == {
        "DIR", "DIST", "WEB"
    }  # fmt: skip
    with pytest.raises(ParameterError, match="revenue, gross_profit, gross_margin"):
        ex.compute(channel=ALL, measure="colour")


# -- SignalExplorer (notebook 05) --------------------------------------------------------------------
THRESHOLD_CASES = {
    "goals-defaults": {},
    "lost-share-below-the-near-misses": {"lost_customer_share": 0.006},
    "lost-share-zero": {"lost_customer_share": 0.0},
    "sales-changes-10-percent": {"partner_sales_change": 0.10, "our_sales_change": 0.10},
    "sales-changes-29-percent": {"partner_sales_change": 0.29, "our_sales_change": 0.29},
    "everything-high": {"partner_sales_change": 0.9, "our_sales_change": 0.9,
                        "lost_customer_share": 0.05},
}  # fmt: skip


@pytest.mark.parametrize("overrides", THRESHOLD_CASES.values(), ids=THRESHOLD_CASES)
def test_cached_signals_equal_early_warnings_run_directly(signal_explorer, sample_wb, overrides):
    th = dataclasses.replace(signal_explorer.thresholds, **overrides)
    want = signals.early_warnings(sample_wb.dataset, sample_wb.quarter, thresholds=th)
    pd.testing.assert_frame_equal(signal_explorer.warnings_at(th), want)


def test_lowering_the_lost_customer_share_below_the_near_misses_flags_them(signal_explorer, truth):
    lost = truth[truth["signal"] == "lost_customer"]
    planted = set(lost.loc[lost["kind"] == "planted", "entity_id"])
    # near misses that are lost but small (the others moved, buy once a year or bought recently)
    small = lost[(lost["kind"] == "near_miss") & lost["detail"].str.contains("less than 1%")]
    lowest = min(_share(d) for d in small["detail"])
    values = dict(signal_explorer.initial)

    def flagged(share: float) -> set[str]:
        r = signal_explorer.compute(**{**values, "lost_customer_share": share})
        return set(r.warnings.loc[r.warnings["signal"] == "lost_customer", "entity_id"])

    assert flagged(0.01) == planted
    assert flagged(lowest - 0.0005) == planted | set(small["entity_id"])
    assert flagged(lowest + 0.0005) == planted | set(small.loc[small["detail"].map(_share) > lowest + 0.0005, "entity_id"])  # fmt: skip


def test_win_loss_amount_lists_only_larger_deals(signal_explorer, sample_wb, truth):
    planted = truth[(truth["signal"] == "win_loss_deal") & (truth["kind"] == "planted")]
    amounts = {
        r.entity_id: float(re.search(r"deal of ([\d,.]+)", r.detail).group(1).replace(",", ""))
        for r in planted.itertuples()
    }  # e.g. OPP-00457 won 460,000 and OPP-00467 lost 385,000
    cut = (max(amounts.values()) + min(amounts.values())) / 2
    values = {**signal_explorer.initial, "win_loss_amount": cut}
    got = signal_explorer.compute(**values).deals
    want = signals.win_loss_deals(sample_wb.dataset, sample_wb.quarter, threshold=cut)
    pd.testing.assert_frame_equal(got.drop(columns=["region", "tier"]), want)
    assert {a for a in amounts if amounts[a] >= cut} <= set(got["opportunity_id"])
    assert not {a for a in amounts if amounts[a] < cut} & set(got["opportunity_id"])


def test_materiality_minimum_keeps_what_signals_material_keeps(signal_explorer, sample_wb):
    values = {**signal_explorer.initial, "min_revenue_at_stake": 250_000.0}
    got = signal_explorer.compute(**values)
    want = signals.material(
        signals.early_warnings(sample_wb.dataset, sample_wb.quarter, thresholds=got.thresholds),
        min_revenue_at_stake=250_000.0,
        money=sample_wb.dataset.money,
    )
    pd.testing.assert_frame_equal(got.material[signals.SIGNAL_COLUMNS], want)
    assert (got.material["revenue_at_stake"] >= 250_000).all()


@pytest.mark.parametrize(
    "filters",
    [{"channel": "DIST"}, {"region": "EMEA"}, {"tier": "gold"},
     {"channel": "RES", "tier": "silver"}],
    ids=["channel", "region", "tier", "channel+tier"],
)  # fmt: skip
def test_signal_filters_keep_only_rows_of_matching_partners(signal_explorer, sample_wb, filters):
    values = {**signal_explorer.initial, "lost_customer_share": 0.005, "win_loss_amount": 0.0,
              **filters}  # fmt: skip
    got = signal_explorer.compute(**values)
    # the reference: every signal at those thresholds, joined to partners.csv by hand
    every = signals.early_warnings(sample_wb.dataset, sample_wb.quarter, thresholds=got.thresholds)
    partners = sample_wb.dataset.table("partners").set_index("partner_id")
    mask = pd.Series(True, index=every.index)
    for name, column in (("channel", "channel_id"), ("region", "region"), ("tier", "tier")):
        if name in filters:
            own = (
                every[column]
                if column == "channel_id"
                else every["partner_id"].map(partners[column])
            )
            mask &= own.astype("string").eq(filters[name]).fillna(False).astype(bool)
    want = every[mask.to_numpy()]
    assert list(got.warnings["entity_id"] + got.warnings["signal"]) == list(
        want["entity_id"] + want["signal"]
    )
    for frame in (got.warnings, got.material, got.deals):
        if "channel" in filters:
            assert set(frame["channel_id"]) <= {filters["channel"]}
        if "tier" in filters:
            assert set(frame["tier"]) <= {filters["tier"]}
        if "region" in filters:
            assert set(frame["region"]) <= {filters["region"]}


def test_signal_explorer_refuses_thresholds_it_did_not_cache(signal_explorer):
    other = dataclasses.replace(signal_explorer.thresholds, csat_min=4.5)
    with pytest.raises(ParameterError, match="csat_min"):
        signal_explorer.warnings_at(other)
    with pytest.raises(ParameterError, match="a number ≥ 0"):
        signal_explorer.compute(**{**signal_explorer.initial, "lost_customer_share": -0.1})


def test_signal_defaults_start_from_the_notebooks_thresholds(sample_wb):
    th = signals.resolve_thresholds(sample_wb.dataset, our_sales_change=0.15)
    ex = widgets.SignalExplorer(sample_wb, th)
    assert ex.initial["our_sales_change"] == 0.15
    assert (
        ex.initial["partner_sales_change"] == sample_wb.dataset.goals.signals.partner_sales_change
    )
    assert ex.defaults()["value"].tolist()[:5] == ["20%", "15%", "1%", "300,000 USD", "50,000 USD"]
    # a threshold left out keeps the notebook's, not goals.yaml's (the workshop moves only some)
    assert ex.compute(lost_customer_share=0.02).thresholds == dataclasses.replace(
        th, lost_customer_share=0.02
    )


# -- PartnerExplorer (notebook 06) -------------------------------------------------------------------
def test_partner_headline_is_the_packs_performance_and_the_scorecard_row(tiny_wb):
    ex = widgets.PartnerExplorer(tiny_wb, "P1", wait=NO_TIMER)
    got = ex.compute(channel="DIST", region=ALL, tier=ALL, partner="P2")
    assert got.partner_id == "P2"
    pack = partner_review.partner_pack(tiny_wb, "P2")
    pd.testing.assert_frame_equal(got.performance, pack.performance)
    card = scorecard.scorecard(tiny_wb.dataset, tiny_wb.quarter, level="partner",
                               plans_dir=tiny_wb.plans_dir)  # fmt: skip
    want = card[card["partner_id"] == "P2"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.card, want)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [({"channel": "DIST"}, ["P1", "P2", "P4"]), ({"region": "NA"}, ["P1", "P3"]),
     ({"tier": "bronze"}, ["P4"]), ({"channel": "WEB", "tier": "gold"}, [])],
    ids=["channel", "region-NA-is-a-value", "tier", "nothing-matches"],
)  # fmt: skip
def test_partner_filters_narrow_the_picker(tiny_wb, filters, expected):
    ex = widgets.PartnerExplorer(tiny_wb, "P2")
    got = ex.compute(**{**ex.initial, **filters})
    assert got.partners["partner_id"].tolist() == expected
    # the chosen partner when it matches, else the first match, else none
    assert got.partner_id == ("P2" if "P2" in expected else (expected or [None])[0])


def test_partner_explorer_in_a_batch_reads_no_data(monkeypatch):
    """Every partner pack runs notebook 06: its explore cell must cost nothing."""

    class NoData:
        def __getattr__(self, name):
            raise AssertionError(f"the batch path read dataset.{name}")

    monkeypatch.setenv(widgets.BATCH_ENV, "1")
    wb = Workbook(dataset=NoData(), quarter="FY2026-Q4", quarter_reason="", plans_dir=Path("/x"))
    shown = widgets.PartnerExplorer(wb, "P102").show()
    assert CAPTION in shown.data and "P102" in shown.data


# -- render and wiring (every explorer) --------------------------------------------------------------
def _explorers(tiny_wb):
    return {
        "alignment": widgets.AlignmentExplorer(tiny_wb, wait=NO_TIMER),
        "trend": widgets.TrendExplorer(tiny_wb, wait=NO_TIMER),
        "signal": widgets.SignalExplorer(tiny_wb, wait=NO_TIMER),
        "partner": widgets.PartnerExplorer(tiny_wb, "P1", wait=NO_TIMER),
    }


#: A control to move per explorer, its new value, and what of the result shows the value.
MOVES = {
    "alignment": ("channel", "WEB", lambda r: set(r.breakdown["channel_id"]) == {"WEB"}),
    "trend": ("measure", "revenue", lambda r: r.measure == "revenue"),
    "signal": ("min_revenue_at_stake", 0.0, lambda r: r.thresholds.min_revenue_at_stake == 0),
    "partner": ("partner", "P3", lambda r: r.partner_id == "P3"),
}


@pytest.mark.parametrize("name", MOVES)
def test_render_returns_charts_drawn_by_the_offline_renderer(tiny_wb, name):
    ex = _explorers(tiny_wb)[name]
    shown = ex.render(ex.compute(**ex.initial))
    charts = _charts(shown)
    assert charts, f"{name}: no chart among {shown}"
    for chart in charts:
        html = mimebundle(chart)["text/html"]
        assert "vegaEmbed(" in html and 'class="cw-chart"' in html


@pytest.mark.parametrize("name", MOVES)
def test_moving_a_control_refreshes_once_with_the_new_value(tiny_wb, name):
    ex = _explorers(tiny_wb)[name]
    control, value, shows = MOVES[name]
    controls = ex.controls  # built and wired
    assert ex.refresh_count == 0 and ex.values() == ex.initial
    controls[control].value = value
    ex._debounced.flush()
    assert ex.refresh_count == 1
    assert ex.values()[control] == value and shows(ex.result)
    assert ex.output.outputs, "the output area was not redrawn"


def test_a_burst_of_slider_moves_refreshes_at_most_twice_with_the_last_value(tiny_wb):
    ex = widgets.SignalExplorer(tiny_wb, wait=NO_TIMER)
    slider = ex.controls["lost_customer_share"]
    for k in range(1, 21):
        slider.value = k / 1000
    ex._debounced.flush()
    assert ex.refresh_count == 2
    assert ex.result.thresholds.lost_customer_share == pytest.approx(0.02, abs=1e-12)


def test_partner_filters_update_the_picker_before_the_refresh(tiny_wb):
    ex = widgets.PartnerExplorer(tiny_wb, "P1", wait=NO_TIMER)
    ex.controls["tier"].value = "bronze"
    ex._debounced.flush()
    assert [v for _, v in ex.controls["partner"].options] == ["P4"]
    assert ex.controls["partner"].value == "P4" and ex.result.partner_id == "P4"


# -- reports hold no widget ------------------------------------------------------------------------
def _widget_outputs(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data or WIDGET_STATE in data:
                found.append(f"cell {i}: widget output")
            text = " ".join(str(v) for v in data.values() if isinstance(v, str))
            found += [f"cell {i}: {t!r}" for t in WIDGET_TRACES if t in text]
    if "widgets" in nb.metadata:
        found.append("widget state in the notebook metadata")
    return found


def _has_explore_section(notebook: Path) -> bool:
    nb = nbformat.read(notebook, as_version=4)
    return any("widgets." in c.source and ".show()" in c.source for c in nb.cells)


@pytest.mark.notebook
def test_papermill_rendered_reports_contain_no_widget_placeholders(batch_reports):
    runs = batch_reports.manifest.get("notebooks", [])
    with_section = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if _has_explore_section(p)}
    mine = {"01_orientation_alignment", "04_revenue_profit_trends", "05_performance_signals",
            "06_partner_review"}  # fmt: skip
    assert mine <= with_section
    ok = {r["name"] for r in runs if r["status"] == "ok"}
    assert mine <= ok, f"not run to the end: {mine - ok}\n{batch_reports.log}"
    done = [r for r in runs if r.get("ipynb") and r.get("html")]
    assert any(r.get("partner_id") for r in done), "no partner pack to check"
    problems = []
    for run in done:
        where = run.get("partner_id") or run["name"]
        nb = nbformat.read(run["ipynb"], as_version=4)
        problems += [f"{where} .ipynb: {p}" for p in _widget_outputs(nb)]
        # a partner pack's page is the partner's deck (partner-tagged cells, no explorer); its
        # internal brief holds the explore section
        for key in ("html", "brief"):
            if run.get(key):
                page = Path(run[key]).read_text(encoding="utf-8")
                problems += [f"{where} {key}: {t!r}" for t in WIDGET_TRACES if t in page]
        if run.get("partner_id"):
            assert run.get("brief"), f"{where}: no internal brief"
        if run["name"] in with_section:
            shown = json.dumps([c.get("outputs", []) for c in nb.cells])
            if CAPTION not in page or CAPTION not in shown:
                problems.append(f"{where}: no static explore table")
    assert problems == []


@pytest.mark.notebook
def test_the_batch_runner_is_what_keeps_widgets_out(tmp_path):
    """The same notebook shows a live widget in a plain kernel and the defaults under the runner."""
    from nbclient import NotebookClient

    from channel_lib.batch.engine import WARM_ENGINE
    from channel_lib.batch.run import run_notebook

    env = {k: v for k, v in os.environ.items() if k != widgets.BATCH_ENV}
    live = nbformat.read(DEMO, as_version=4)
    NotebookClient(live, kernel_name="python3", timeout=300).execute(env=env, cwd=str(ROOT))
    assert any(
        WIDGET_VIEW in out.get("data", {}) for c in live.cells for out in c.get("outputs", [])
    ), "a plain kernel should display the live explorer"
    assert "widgets" in live.metadata  # nbclient saved the widget state
    assert _widget_outputs(live) != []  # the check below would see it

    batch = nbformat.read(
        run_notebook(DEMO, tmp_path / "demo.ipynb", {}, engine=WARM_ENGINE), as_version=4
    )
    assert _widget_outputs(batch) == []
    assert CAPTION in json.dumps([c.get("outputs", []) for c in batch.cells])
