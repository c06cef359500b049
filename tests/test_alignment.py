"""Orientation and alignment (notebook 01): the planted margin erosion, role departure, channel
conflict and channel dependency of the sample are reported (read from ground_truth.csv, no names
written here) and near misses and ordinary channels are not; figures equal an independent DuckDB
computation; the score's documented properties hold; bad parameters stop before any work."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_lib.analysis import alignment
from channel_lib.core.errors import ParameterError
from channel_lib.data.goals import ChannelRole, YearGoals
from channel_lib.presentation.pages import orientation as page

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TINY = ROOT / "tests" / "data" / "tiny"
NOTEBOOK = ROOT / "notebooks" / "01_orientation_alignment.ipynb"


def truth(signal: str, kind: str = "planted") -> list[dict]:
    with (SAMPLE / "ground_truth.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["signal"] == signal and r["kind"] == kind]


def planted(signal: str, kind: str = "planted") -> set[str]:
    return {r["entity_id"] for r in truth(signal, kind)}


def channel_names() -> dict[str, str]:
    with (SAMPLE / "channels.csv").open() as f:
        return {r["channel_id"]: r["channel_name"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    return alignment.open_alignment(SAMPLE, plans_dir=tmp_path_factory.mktemp("plans"))


@pytest.fixture(scope="module")
def view(opened):
    wb, settings = opened
    return alignment.build_view(wb, settings)


# -- the planted cases ---------------------------------------------------------------------------------
def test_latest_year_is_the_fiscal_year_of_the_reporting_quarter(opened):
    wb, settings = opened
    assert settings.year == wb.year == wb.quarter[:6]
    assert settings.quarters[-1] == wb.quarter
    assert settings.managing_for_source == "goals.yaml"


def test_planted_margin_erosion_is_named_in_words_and_no_other_channel(view):
    findings = page.view_findings(view)
    eroding = findings[findings["kind"] == "margin_erosion"]
    assert set(eroding["channel_id"]) == planted("margin_erosion")
    for sentence in eroding["sentence"]:
        assert re.search(
            r"grew revenue [\d.]+% while its gross margin fell [\d.]+ points", sentence
        )
        assert sentence.startswith("Managing for revenue and profit, but")


def test_margin_erosion_is_still_named_when_managing_for_revenue_only(opened):
    wb, _ = opened
    settings = alignment.resolve_settings(wb, managing_for="revenue")
    breakdown = alignment.alignment_breakdown(wb, settings)
    roles = alignment.role_fit(wb, settings)
    found = alignment.misalignments(wb, settings, breakdown, roles)
    eroding = found[found["kind"] == "margin_erosion"]
    assert set(eroding["channel_id"]) == planted("margin_erosion")
    sentences = page.finding_sentences(eroding, breakdown, roles, settings)
    assert all(s.startswith("Managing for revenue:") for s in sentences)
    assert all("at the cost of profit" in s for s in sentences)


def test_planted_role_departure_is_reported_and_no_other_channel(view):
    assert set(view.roles.loc[view.roles["departure"], "channel_id"]) == planted("role_departure")
    findings = page.view_findings(view)
    departures = findings[findings["kind"] == "role_departure"]
    assert set(departures["channel_id"]) == planted("role_departure")
    assert all("departs from its declared role" in s for s in departures["sentence"])


def test_planted_conflict_is_the_only_conflicting_pair(view):
    flagged = view.conflict[view.conflict["conflict"]]
    expected = {frozenset(e.split("+")) for e in planted("channel_conflict")}
    assert {
        frozenset((a, b)) for a, b in zip(flagged["first"], flagged["second"], strict=True)
    } == (expected)
    for r in flagged.itertuples():
        assert r.revenue_at_stake > 0 and r.discount_gap >= 0.05


def test_planted_dependency_is_flagged_and_the_near_miss_is_not(view):
    channels = view.dependency[view.dependency["dimension"] == "channel_id"].set_index("entity_id")
    assert set(channels.index[channels["dependency"]]) == planted("channel_dependency")
    assert not channels.loc[sorted(planted("channel_dependency", "near_miss")), "dependency"].any()
    for r in truth("channel_dependency"):  # "36.3% of company revenue FY2026 ..."
        stated = float(re.match(r"([\d.]+)%", r["detail"]).group(1)) / 100
        assert channels.loc[r["entity_id"], "share"] == pytest.approx(stated, abs=0.0005)


def test_narrative_names_every_planted_case(opened, view):
    wb, _ = opened
    text = " ".join(page.summary_sentences(wb, view))
    names = channel_names()
    for signal in ("margin_erosion", "role_departure", "channel_dependency"):
        for channel in planted(signal):
            assert f"{names[channel]} ({channel})" in text
    for pair in planted("channel_conflict"):
        a, b = sorted(pair.split("+"))
        assert re.search(rf"Channel conflict: \d+ customers bought through both {a} and {b}", text)
    for channel in planted("channel_dependency", "near_miss"):
        assert f"channel {names[channel]} ({channel}) carries" not in text


# -- figures from an independent source -------------------------------------------------------------
def sql_channel_year(start: str, end: str) -> pd.DataFrame:
    return (
        duckdb.execute(
            f"SELECT channel_id, sum(revenue::DECIMAL(18,2))::DOUBLE AS rev, "
            f"sum(cost_of_sales::DECIMAL(18,2))::DOUBLE AS cost "
            f"FROM read_csv('{SAMPLE / 'sales.csv'}', all_varchar = true) "
            f"WHERE order_date::DATE >= '{start}' AND order_date::DATE < '{end}' GROUP BY 1"
        )
        .df()
        .set_index("channel_id")
    )


def test_growth_and_margin_change_equal_independent_sql(view):
    # the sample's fiscal year runs July-June (test_overview checks goals.yaml says so)
    now, before = (
        sql_channel_year("2025-07-01", "2026-07-01"),
        sql_channel_year("2024-07-01", "2025-07-01"),
    )
    a = view.actuals.set_index("channel_id")
    for ch in a.index:
        margin = (now.loc[ch, "rev"] - now.loc[ch, "cost"]) / now.loc[ch, "rev"]
        assert a.loc[ch, "revenue"] == pytest.approx(now.loc[ch, "rev"], abs=0.005)
        assert a.loc[ch, "gross_margin"] == pytest.approx(margin, rel=1e-9)
        if ch in before.index:
            growth = now.loc[ch, "rev"] / before.loc[ch, "rev"] - 1
            old = (before.loc[ch, "rev"] - before.loc[ch, "cost"]) / before.loc[ch, "rev"]
            assert a.loc[ch, "revenue_growth"] == pytest.approx(growth, rel=1e-9)
            assert a.loc[ch, "margin_change"] == pytest.approx(margin - old, abs=1e-12)


def test_shared_customers_equal_independent_sql(view):
    shared = duckdb.execute(
        f"""WITH s AS (SELECT customer_id, channel_id,
                   year(order_date::DATE) * 10 + quarter(order_date::DATE) AS q
            FROM read_csv('{SAMPLE / "sales.csv"}', all_varchar = true)
            WHERE order_date::DATE >= '2025-07-01' AND order_date::DATE < '2026-07-01'
            GROUP BY ALL HAVING sum(revenue::DECIMAL(18,2)) > 0)
        SELECT a.channel_id || '+' || b.channel_id AS pair, count(DISTINCT a.customer_id) AS n
        FROM s a JOIN s b ON a.customer_id = b.customer_id AND a.q = b.q AND a.channel_id < b.channel_id
        GROUP BY 1"""
    ).df()  # calendar quarters coincide with fiscal quarters for a July start
    got = view.conflict.set_index("pair")["customers"].to_dict()
    assert got == dict(zip(shared["pair"], shared["n"], strict=True))


# -- the score -------------------------------------------------------------------------------------------
def _hand_made_actuals(**changes) -> tuple[pd.DataFrame, YearGoals]:
    """One channel whose every actual equals its goal (company benchmarks in attrs)."""
    goals = YearGoals(
        year="FY2026", revenue_objective=1_100_000.0, gross_margin_goal=0.40,
        managing_for="revenue_and_profit", segment_focus={"enterprise": 0.6, "smb": 0.4},
        product_line_focus={"platform": 1.0}, new_customer_share=0.20,
        channels={"X": ChannelRole("acquirer", 1.0, ("smb",), ("platform",), "acquisition")},
    )  # fmt: skip
    row = {
        "year": "FY2026", "channel_id": "X", "channel_name": "Exact", "customer_focus": "acquisition",
        "new_channel": False, "revenue_growth": 0.10, "gross_margin": 0.40, "margin_change": 0.0,
        "segment_share": 1.0, "product_share": 1.0, "new_customer_share": 0.20,
        "cost_to_serve_ratio": 0.15, "discount": 0.25,
    }  # fmt: skip
    row.update(changes)
    frame = pd.DataFrame([row])
    frame.attrs["company"] = {
        "required_growth": 0.10,
        "cost_to_serve_ratio": 0.15,
        "discount": 0.25,
    }
    return frame, goals


def test_a_channel_meeting_every_goal_exactly_scores_the_maximum():
    frame, goals = _hand_made_actuals()
    dims = alignment.dimension_goals(frame, goals)
    assert list(dims["dimension"]) == list(alignment.DIMENSIONS)
    for weights in alignment.DEFAULT_WEIGHTS.values():
        scored = alignment.score_dimensions(dims, weights)
        assert (scored["score"] == 1.0).all()
        assert scored["points"].sum() == pytest.approx(100.0, abs=1e-9)


@pytest.mark.parametrize(
    ("dimension", "column", "short", "beaten"),
    [("revenue_growth", "revenue_growth", 0.05, 0.15), ("gross_margin", "gross_margin", 0.35, 0.45),
     ("margin_trend", "margin_change", -0.02, 0.01), ("segment_focus", "segment_share", 0.7, 1.0),
     ("product_focus", "product_share", 0.7, 1.0), ("new_customers", "new_customer_share", 0.1, 0.3),
     ("cost_to_serve", "cost_to_serve_ratio", 0.2, 0.1), ("discount", "discount", 0.3, 0.2)],
    ids=list(alignment.DIMENSIONS),
)  # fmt: skip
def test_falling_short_on_one_dimension_costs_points_and_beating_it_does_not(
    dimension, column, short, beaten
):
    weights = alignment.DEFAULT_WEIGHTS["revenue_and_profit"]
    frame, goals = _hand_made_actuals(**{column: short})
    scored = alignment.score_dimensions(alignment.dimension_goals(frame, goals), weights)
    assert scored["points"].sum() < 100
    assert scored.set_index("dimension")["points_lost"].idxmax() == dimension
    frame, goals = _hand_made_actuals(**{column: beaten})
    scored = alignment.score_dimensions(alignment.dimension_goals(frame, goals), weights)
    assert scored["points"].sum() == pytest.approx(100.0, abs=1e-9)


@pytest.mark.parametrize(
    "dimension", ["gross_margin", "margin_trend", "segment_focus", "new_customers"]
)
def test_raising_a_weight_pulls_scores_towards_that_dimension(view, dimension):
    """Documented: with w' = (1 - t) w + t e_d, score' = (1 - t) score + t * 100 * s_d."""
    dims = view.breakdown[
        ["year", "channel_id", "dimension", "actual", "goal", "direction", "tolerance"]
    ]
    weights = view.settings.weights
    t = 0.3
    raised = {d: (1 - t) * w + (t if d == dimension else 0.0) for d, w in weights.items()}
    before = alignment.score_dimensions(dims, weights)
    after = alignment.score_dimensions(dims, raised)
    s_before = before.groupby("channel_id")["points"].sum()
    s_after = after.groupby("channel_id")["points"].sum()
    s_dim = 100 * before[before["dimension"] == dimension].set_index("channel_id")["score"]
    measured = before.groupby("channel_id")["score"].apply(lambda s: s.notna().all())
    moved = False
    for ch in s_before.index[measured[s_before.index]]:
        assert s_after[ch] == pytest.approx((1 - t) * s_before[ch] + t * s_dim[ch], abs=1e-9)
        assert np.sign(round(s_after[ch] - s_before[ch], 9)) == np.sign(
            round(s_dim[ch] - s_before[ch], 9)
        )
        moved |= abs(s_after[ch] - s_before[ch]) > 1
    assert moved


_DIMS = list(alignment.DIMENSIONS)
_unit = st.floats(0, 1, allow_nan=False)


@given(
    actual=st.lists(st.one_of(st.floats(-1, 2, allow_nan=False), st.just(float("nan"))),
                    min_size=8, max_size=8),
    goal=st.lists(_unit, min_size=8, max_size=8),
    tolerance=st.lists(st.floats(0.01, 1), min_size=8, max_size=8),
    raw=st.lists(_unit, min_size=8, max_size=8).filter(lambda w: sum(w) > 0.01),
    up=st.sampled_from(_DIMS),
    t=st.floats(0.01, 0.99),
)  # fmt: skip
def test_score_stays_in_0_100_and_a_raised_weight_moves_it_towards_that_dimension(
    actual, goal, tolerance, raw, up, t
):
    frame = pd.DataFrame({
        "channel_id": "X", "dimension": _DIMS, "actual": actual, "goal": goal,
        "direction": ["at_least", "at_most"] * 4, "tolerance": tolerance,
    })  # fmt: skip
    weights = {d: w / sum(raw) for d, w in zip(_DIMS, raw, strict=True)}
    before = alignment.score_dimensions(frame, weights)
    score = before["points"].sum()
    assert -1e-9 <= score <= 100 + 1e-9
    assert score + before["points_lost"].sum() == pytest.approx(
        100.0 if before["effective_weight"].sum() > 0 else 0.0, abs=1e-6
    )
    if before["score"].isna().any():
        return  # the identity below holds when every dimension is measured
    raised = {d: (1 - t) * w + (t if d == up else 0.0) for d, w in weights.items()}
    after = alignment.score_dimensions(frame, raised)["points"].sum()
    s_up = 100 * before.set_index("dimension").loc[up, "score"]
    assert after == pytest.approx((1 - t) * score + t * s_up, abs=1e-6)
    assert min(score, s_up) - 1e-6 <= after <= max(score, s_up) + 1e-6


def test_a_new_channel_shows_in_the_history_from_its_first_year(view):
    table = page.history_table(view.yearly, view.history).set_index("channel_id")
    years = list(view.settings.years)
    for channel in planted("new_channel"):
        cells = table.loc[channel, years]
        assert cells.iloc[0] == "–" and (cells.iloc[1:] != "–").all()
        assert all(re.fullmatch(r"\d+ \(\w+\)", c) for c in cells.iloc[1:])
    changes = view.role_changes
    assert set(changes.loc[changes["change"] == "new channel", "channel_id"]) == planted(
        "new_channel"
    )
    role_change = changes[changes["change"] == "role"]
    assert set(role_change["channel_id"]) == planted("role_change")


def test_every_fiscal_year_of_the_sample_has_a_view(opened):
    wb, settings = opened
    assert settings.years == ("FY2024", "FY2025", "FY2026")
    for year in settings.years[:-1]:
        s = alignment.resolve_settings(wb, year=year, managing_for="revenue")
        breakdown = alignment.alignment_breakdown(wb, s)
        assert breakdown["channel_score"].between(0, 100).all()
        assert s.managing_for == "revenue" and s.managing_for_source == "parameter"


# -- parameters ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [({"weights": {"gross_margin": 0.5, "discount": 0.4}}, "must sum to 1"),
     ({"weights": {"gross_margin": 0.5, "happiness": 0.5}}, "unknown dimension: 'happiness'"),
     ({"weights": {"gross_margin": 1.5, "discount": -0.5}}, "numbers ≥ 0"),
     ({"managing_for": "profit"}, "managing_for must be"),
     ({"dependency_threshold": 30}, "dependency_threshold"),
     ({"year": "2026"}, "fiscal year like")],
    ids=["weights-sum", "unknown-dimension", "negative-weight", "managing-for", "threshold", "year-format"],
)  # fmt: skip
def test_bad_parameters_stop_before_the_dataset_is_read(tmp_path, params, message):
    missing = tmp_path / "no-such-dataset"  # never reached: the parameters are checked first
    with pytest.raises(ParameterError, match=re.escape(message)):
        alignment.open_alignment(missing, plans_dir=tmp_path / "plans", **params)


@pytest.mark.parametrize("year", ["FY2024", "FY2027"], ids=["before-data", "after-quarter"])
def test_a_year_outside_the_data_is_a_parameter_error(tmp_path, year):
    with pytest.raises(ParameterError, match=f"year {year} is outside the data"):
        alignment.open_alignment(TINY, plans_dir=tmp_path / "plans", year=year)


def test_a_year_after_the_reporting_quarter_is_a_parameter_error(opened):
    wb, _ = opened
    later = f"FY{int(wb.year[2:]) + 1}"  # in goals.yaml and with a few sales, but not reported yet
    assert later in wb.dataset.goals.years
    with pytest.raises(ParameterError, match=f"year {later} is outside the data"):
        alignment.resolve_settings(wb, year=later)


def test_without_channel_costs_cost_to_serve_is_left_out_and_the_report_says_so(tiny_copy):
    (tiny_copy / "channel_costs.csv").unlink()
    wb, settings = alignment.open_alignment(tiny_copy, plans_dir=tiny_copy.parent / "plans")
    view = alignment.build_view(wb, settings)
    costs = view.breakdown[view.breakdown["dimension"] == "cost_to_serve"]
    assert costs["score"].isna().all() and (costs["points_lost"] == 0).all()
    assert view.breakdown.groupby("channel_id")["effective_weight"].sum().round(9).eq(1).all()
    assert "Cost to serve is not scored" in page.heading(wb, settings).data


# -- years without goals (issue 18, point 6) -------------------------------------------------------------
def _goals_without(folder: Path, *years: str, decimals: int | None = None) -> None:
    import yaml

    path = folder / "goals.yaml"
    goals = yaml.safe_load(path.read_text(encoding="utf-8"))
    for y in years:
        del goals["years"][y]
    if decimals is not None:
        goals["money_decimals"] = decimals
    path.write_text(yaml.safe_dump(goals, sort_keys=False), encoding="utf-8")


def _sql_year(folder: Path, first: str, end: str) -> float:
    return float(
        duckdb.connect()
        .execute(
            f"SELECT sum(CAST(revenue AS DECIMAL(18, 4))) FROM read_csv('{folder / 'sales.csv'}', "
            f"all_varchar=true) WHERE CAST(order_date AS DATE) >= DATE '{first}' "
            f"AND CAST(order_date AS DATE) < DATE '{end}'"
        )
        .fetchone()[0]
    )


def test_a_current_year_without_goals_is_scored_against_the_last_earlier_years(tiny_copy):
    import yaml

    fy2025 = yaml.safe_load((tiny_copy / "goals.yaml").read_text())["years"]["FY2025"]
    _goals_without(tiny_copy, "FY2026", decimals=4)
    wb, s = alignment.open_alignment(tiny_copy, plans_dir=tiny_copy.parent / "plans")
    assert (s.year, s.goals_year, s.carried_forward) == ("FY2026", "FY2025", True)
    assert s.managing_for == fy2025["managing_for"] and s.years == ("FY2025", "FY2026")
    assert page.heading(wb, s).data.startswith("**Goals carried forward.** goals\\.yaml has no")
    view = alignment.build_view(wb, s)
    system = view.system.set_index("goal")
    assert system.loc["Revenue objective", "target"] == fy2025["revenue_objective"]
    assert system.loc["Gross margin", "target"] == fy2025["gross_margin_goal"]
    # FY2026 revenue (July-June) and the growth FY2025's objective needs, from plain SQL
    now, before = (
        _sql_year(tiny_copy, "2025-07-01", "2026-07-01"),
        _sql_year(tiny_copy, "2024-07-01", "2025-07-01"),
    )
    company = view.actuals.attrs["company"]
    assert company["revenue"] == pytest.approx(now, abs=1e-9)
    assert company["required_growth"] == pytest.approx(
        fy2025["revenue_objective"] / before - 1, rel=1e-12
    )
    assert len(view.scores) == 3 and view.scores["score"].between(0, 100).all()


def test_a_year_without_goals_at_or_before_it_says_not_scored(tiny_copy):
    _goals_without(tiny_copy, "FY2025")
    wb, s = alignment.open_alignment(tiny_copy, plans_dir=tiny_copy.parent / "plans")
    assert s.years == ("FY2026",)  # FY2025 has sales but nothing to be scored against
    earlier = alignment.resolve_settings(wb, year="FY2025")  # a note, not a failure
    assert (earlier.scored, earlier.goals_year, earlier.carried_forward) == (False, "", False)
    assert earlier.goals_note.startswith("FY2025 is not scored: goals.yaml has no goals for")
    # the other years keep their scores: the history of the unscored year shows FY2026
    view = alignment.build_view(wb, earlier)
    assert view.scores.empty and set(view.history["year"]) == {"FY2026"}


def _later_goals_only(folder: Path, *, decimals: int = 4) -> Path:
    """A copy of the tiny dataset whose goals.yaml holds only FY2027 (its FY2026 goals renamed),
    with ``money_decimals: 4``: the data's reporting quarter (FY2026-Q4) has no goals at or
    before its year."""
    import yaml

    shutil.copytree(TINY, folder)
    path = folder / "goals.yaml"
    goals = yaml.safe_load(path.read_text(encoding="utf-8"))
    goals["years"] = {"FY2027": goals["years"]["FY2026"]}
    goals["money_decimals"] = decimals
    path.write_text(yaml.safe_dump(goals, sort_keys=False), encoding="utf-8")
    return folder


#: The sentence a year not scored opens with (the heading) and the one each scored section says.
NOT_SCORED_REASON = (
    "FY2026 is not scored: goals.yaml has no goals for FY2026 or any year before it (it has goals "
    "for FY2027), so there is nothing to measure alignment against; add a 'FY2026:' section to "
    "goals.yaml (revenue_objective, gross_margin_goal, managing_for, strategic_focus, channels) "
    "to score it."
)
NOT_SCORED_SECTION = "Not scored: goals.yaml has no goals for FY2026 or any year before it (see the note at the top)."


@pytest.fixture(scope="module")
def later_goals(tmp_path_factory):
    folder = _later_goals_only(tmp_path_factory.mktemp("later-goals") / "data")
    wb, s = alignment.open_alignment(folder, plans_dir=folder.parent / "plans")
    return folder, wb, s, alignment.build_view(wb, s)


def test_goals_only_for_a_later_year_give_not_scored_settings_with_the_reason(later_goals):
    _, wb, s, _ = later_goals
    assert wb.year == "FY2026" and list(wb.dataset.goals.years) == ["FY2027"]
    assert (s.year, s.scored, s.goals_year, s.years) == ("FY2026", False, "", ())
    assert s.goals_note == NOT_SCORED_REASON
    assert s.managing_for_source == "not scored"
    with pytest.raises(ParameterError, match=re.escape(NOT_SCORED_REASON)):
        alignment.settings.year_goals(wb, s)
    # an override keeps its value: nothing is scored, but what was asked for is what is shown
    override = alignment.resolve_settings(wb, managing_for="revenue_and_profit")
    assert (override.scored, override.managing_for) == (False, "revenue_and_profit")


def _md(shown) -> str:
    """A page output's text as the reader reads it (markdown escapes removed)."""
    import html as html_lib

    return html_lib.unescape(getattr(shown, "data", "")).replace("\\", "")


def test_every_section_that_needs_goals_says_not_scored_once_the_heading_says_why(later_goals):
    _, wb, s, view = later_goals
    ids = wb.channel_ids
    head = _md(page.heading(wb, s))
    assert head.startswith("**Not scored.** " + NOT_SCORED_REASON)
    assert head.count("add a 'FY2026:' section to goals.yaml") == 1
    needing = [
        page.report_table(wb, view, n)
        for n in ("system", "weights", "scores", "breakdown", "roles", "history")
    ]
    needing += [
        page.alignment_heatmap(view.breakdown, channel_ids=ids, year=s.year),
        page.findings_list(view),
        page.score_history_chart(view, channel_ids=ids),
    ]  # fmt: skip
    for shown in needing:
        assert _md(shown) == NOT_SCORED_SECTION
    sentences = page.summary_sentences(wb, view)
    assert NOT_SCORED_SECTION in sentences
    others = [t for t in sentences if t != NOT_SCORED_SECTION]  # nothing measured against goals
    assert others and not any("objective" in t or "goal" in t for t in others)


def test_sections_that_need_no_goals_still_show_their_analysis(later_goals):
    folder, wb, _, view = later_goals
    ids = wb.channel_ids
    # FY2026 runs July 2025 - June 2026 (tiny's goals.yaml: start_month 7); plain SQL on the file
    by_channel = (
        duckdb.execute(
            f"SELECT channel_id, sum(CAST(revenue AS DECIMAL(18, 4)))::DOUBLE AS rev "
            f"FROM read_csv('{folder / 'sales.csv'}', all_varchar=true) "
            f"WHERE CAST(order_date AS DATE) >= DATE '2025-07-01' "
            f"AND CAST(order_date AS DATE) < DATE '2026-07-01' GROUP BY 1"
        )
        .df()
        .set_index("channel_id")["rev"]
    )
    channels = view.dependency[view.dependency["dimension"] == "channel_id"].set_index("entity_id")
    for ch, rev in by_channel.items():
        assert channels.loc[ch, "share"] == pytest.approx(rev / by_channel.sum(), rel=1e-12)
    assert "<td" in _md(page.report_table(wb, view, "dependency"))
    # growth against margin change needs no goals: every channel with a year before is drawn
    assert sorted(view.quadrant["channel_id"]) == sorted(by_channel.index)
    for chart in (page.quadrant_chart(view, channel_ids=ids), page.concentration_chart(view)):
        assert chart.to_dict()["datasets"]  # a chart with data, not a sentence
    revenue = page.summary_sentences(wb, view)[0]
    assert revenue.startswith(f"FY2026: the channel system sold {by_channel.sum():,.0f} USD")
    assert "Dependency risk: channel" in " ".join(page.summary_sentences(wb, view))


# -- the notebook ----------------------------------------------------------------------------------------
def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_default_report_reports_every_planted_case(batch_reports):
    text = _text(batch_reports.html("01_orientation_alignment"))
    names = channel_names()
    assert "FY2026" in text and "managed for revenue and profit" in text
    for channel in planted("margin_erosion"):
        assert re.search(rf"{re.escape(names[channel])} \({channel}\) grew revenue", text)
    for channel in planted("role_departure"):
        assert f"{names[channel]} ({channel}) departs from its declared role" in text
    for pair in planted("channel_conflict"):
        a, b = sorted(pair.split("+"))
        assert f"bought through both {a} and {b}" in text
    for channel in planted("channel_dependency"):
        assert f"Dependency risk: channel {names[channel]} ({channel})" in text


#: The extra runs with non-default parameters (each ~8 s): the other fiscal years, switched
#: managing_for and other weights; and the tiny dataset with goals for a later year only (issue
#: 18, point 6: the reporting year is not scored, and the notebook must still complete).
EXTRA_RUNS = {
    "fy2025-profit-weights": {
        "year": "FY2025", "managing_for": "revenue_and_profit",
        "weights": {"revenue_growth": 0.4, "gross_margin": 0.3, "segment_focus": 0.3},
    },
    "fy2024-profit": {"year": "FY2024", "managing_for": "revenue_and_profit"},
    "tiny-later-goals-only": {},
}  # fmt: skip
#: Runs on a dataset of their own (built in the run's folder) instead of the sample.
EXTRA_DATA = {"tiny-later-goals-only": _later_goals_only}


@pytest.fixture(scope="module")
def extra_reports(tmp_path_factory) -> dict[str, Path]:
    """The extra runs, made once per session even under xdist (shared like ``batch_reports``)."""
    from report_fixtures import _shared_folder

    def build(folder: Path) -> None:
        from channel_lib.batch.run import run_notebook
        from channel_lib.presentation.html import export_html

        for name, params in EXTRA_RUNS.items():
            data = EXTRA_DATA[name](folder / f"{name}-data") if name in EXTRA_DATA else SAMPLE
            ipynb = run_notebook(
                NOTEBOOK, folder / f"{name}.ipynb",
                {"data_dir": str(data), "plans_dir": str(folder / f"{name}-plans"), **params},
            )  # fmt: skip
            export_html(ipynb, folder / f"{name}.html", title=f"Alignment {name}")

    folder = _shared_folder(tmp_path_factory, "alignment-extra-runs", build)
    return {name: folder / f"{name}.html" for name in EXTRA_RUNS}


@pytest.mark.notebook
def test_notebook_runs_with_other_years_weights_and_managing_for(extra_reports):
    switched = "this report scores it as managed for revenue and profit (parameter override)"
    fy2025 = _text(extra_reports["fy2025-profit-weights"])
    assert "Fiscal year viewed: FY2025" in fy2025 and switched in fy2025
    assert "Weights (parameter; managed for revenue and profit, from parameter)" in fy2025
    fy2024 = _text(extra_reports["fy2024-profit"])
    assert "Fiscal year viewed: FY2024" in fy2024 and switched in fy2024
    assert "Weights (default; managed for revenue and profit, from parameter)" in fy2024
    for text in (fy2025, fy2024):
        assert "Traceback" not in text


@pytest.mark.notebook
def test_notebook_completes_on_a_year_without_goals_and_says_not_scored(extra_reports):
    import json

    ipynb = extra_reports["tiny-later-goals-only"].with_suffix(".ipynb")
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    problems, shown = [], []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"{out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out["name"] == "stderr":
                problems.append("".join(out["text"]))
            shown += ["".join(out.get("data", {}).get("text/markdown", ""))]
    assert problems == []
    words = [_md(type("Shown", (), {"data": t})) for t in shown if t]
    assert words[0].startswith("**Not scored.** " + NOT_SCORED_REASON)
    assert " ".join(words).count(NOT_SCORED_REASON) == 1  # once, at the top
    # the sections that need goals: system, weights, heatmap, scores, breakdown, findings, roles,
    # score history, history table, and the narrative's line
    assert sum(NOT_SCORED_SECTION in w for w in words) == 10
    text = _text(extra_reports["tiny-later-goals-only"])
    assert "Traceback" not in text and "Largest channels and partners, FY2026" in text


@pytest.mark.browser
@pytest.mark.notebook
@pytest.mark.parametrize("name", [n for n in EXTRA_RUNS if n not in EXTRA_DATA])
def test_extra_reports_draw_offline_with_tooltips(browser, extra_reports, name):
    from test_html_offline import browser_problems

    charts, problems = browser_problems(browser, extra_reports[name])
    assert charts == 5 and problems == []
