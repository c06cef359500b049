"""Orientation and alignment (notebook 01): the planted margin erosion, role departure, channel
conflict and channel dependency of the sample are reported (read from ground_truth.csv, no names
written here) and near misses and ordinary channels are not; figures equal an independent DuckDB
computation; the score's documented properties hold; bad parameters stop before any work."""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_lib.analysis import alignment
from channel_lib.batch.engine import WARM_ENGINE  # the batch's warm kernels
from channel_lib.core.errors import ParameterError
from channel_lib.data.goals import ChannelRole, YearGoals
from channel_lib.presentation.formats import code_label  # the reader's label of a code
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
            r"grew revenue \+[\d.]+% \(FY\d{4}-Q1 to FY\d{4}-Q4 against the four quarters "
            r"before\) while its gross margin fell [\d.]+ points, from [\d.]+% to [\d.]+%: ",
            sentence,
        )
        assert "bought with margin" not in sentence
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
def _hand_made_actuals(
    margin_goal: float | None = 0.40, **changes
) -> tuple[pd.DataFrame, YearGoals]:
    """One channel whose every actual equals its goal (company benchmarks in attrs); its role's
    own margin goal is 0.40 unless ``margin_goal`` is None (then judged on contribution)."""
    goals = YearGoals(
        year="FY2026", revenue_objective=1_100_000.0, gross_margin_goal=0.40,
        managing_for="revenue_and_profit", segment_focus={"enterprise": 0.6, "smb": 0.4},
        product_line_focus={"platform": 1.0}, new_customer_share=0.20,
        channels={"X": ChannelRole("acquirer", 1.0, ("smb",), ("platform",), "acquisition",
                                   gross_margin_goal=margin_goal)},
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


def test_without_a_role_goal_margin_is_judged_on_contribution_after_cost_to_serve():
    # the corporate goal 0.40 less the company's cost-to-serve ratio 0.15: a goal of 0.25
    frame, goals = _hand_made_actuals(margin_goal=None, gross_margin=0.34, cost_to_serve_ratio=0.05)
    row = alignment.dimension_goals(frame, goals).set_index("dimension").loc["gross_margin"]
    assert row["basis"] == "contribution after cost to serve"
    assert (row["actual"], row["goal"]) == (pytest.approx(0.29), pytest.approx(0.25))
    # below the corporate gross-margin goal, but cheap to serve: the margin goal is met
    scored = alignment.score_dimensions(
        alignment.dimension_goals(frame, goals), {"gross_margin": 1}
    )
    assert scored.set_index("dimension").loc["gross_margin", "score"] == 1.0
    frame, goals = _hand_made_actuals(margin_goal=0.38, gross_margin=0.34, cost_to_serve_ratio=0.05)
    row = alignment.dimension_goals(frame, goals).set_index("dimension").loc["gross_margin"]
    assert row["basis"] == "role goal" and row["goal"] == pytest.approx(0.38)
    assert row["actual"] == pytest.approx(0.34)


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
        .fetchall()[0][0]
    )


def test_a_current_year_without_goals_is_scored_against_the_last_earlier_years(tiny_copy):
    import yaml

    fy2025 = yaml.safe_load((tiny_copy / "goals.yaml").read_text())["years"]["FY2025"]
    _goals_without(tiny_copy, "FY2026", decimals=4)
    wb, s = alignment.open_alignment(tiny_copy, plans_dir=tiny_copy.parent / "plans")
    assert (s.year, s.goals_year, s.carried_forward) == ("FY2026", "FY2025", True)
    assert s.managing_for == fy2025["managing_for"] and s.years == ("FY2025", "FY2026")
    assert _md(page.heading(wb, s)).startswith(
        "<p><strong>Goals carried forward.</strong> goals.yaml has no"
    )
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
    assert head.startswith("<p><strong>Not scored.</strong> " + NOT_SCORED_REASON)
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
    total = float(by_channel.sum())  # tiny: thousands, written with one decimal under 100K
    shown = f"{total / 1e3:,.0f}K" if total >= 99_950 else f"{total / 1e3:,.1f}K"
    assert revenue.startswith(f"FY2026: the channel system sold {shown} USD")
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
                engine=WARM_ENGINE,
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
            data = out.get("data", {})
            shown += ["".join(data.get("text/markdown", "") or data.get("text/html", ""))]
    assert problems == []
    words = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _md(type("Shown", (), {"data": t})))).strip()
        for t in shown
        if t
    ]
    # the answer box first, then the note saying why and what to add, once
    assert words[0].startswith("The answer") and NOT_SCORED_SECTION in words[0]
    assert words[1].startswith("Not scored. " + NOT_SCORED_REASON)
    assert " ".join(words).count(NOT_SCORED_REASON) == 1
    # the sections that need goals: system, weights, heatmap, scores, breakdown, findings, roles,
    # score history, history table, the narrative's line, and the orientation against the plan
    # (its summary and its table); and the answer box
    assert sum(NOT_SCORED_SECTION in w for w in words) == 13
    text = _text(extra_reports["tiny-later-goals-only"])
    assert "Traceback" not in text and "Largest channels and partners, FY2026" in text


@pytest.mark.browser
@pytest.mark.notebook
@pytest.mark.parametrize("name", [n for n in EXTRA_RUNS if n not in EXTRA_DATA])
def test_extra_reports_draw_offline_with_tooltips(browser, extra_reports, name):
    from test_html_offline import browser_problems

    charts, problems = browser_problems(browser, extra_reports[name])
    assert charts == 5 and problems == []


# -- orientation against the plan (issue 19, point 1) -----------------------------------------------
SEEDS = [1, 2, 3, 4, 5]


def _goals_yaml(folder: Path) -> dict:
    import yaml

    return yaml.safe_load((folder / "goals.yaml").read_text(encoding="utf-8"))


def _truth_rows(folder: Path, signal: str, kind: str = "planted") -> list[dict]:
    with (folder / "ground_truth.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["signal"] == signal and r["kind"] == kind]


def sql_target_gap(folder: Path, year: str, metric: str) -> tuple[Decimal, Decimal, Decimal]:
    """(sum of the official channel targets, objective, gap = sum − objective) of ``year``, in
    currency, by plain SQL on targets.csv and the objective read from goals.yaml."""
    goals = _goals_yaml(folder)["years"][year]
    objective = Decimal(str(goals["revenue_objective"]))
    if metric == "gross_profit":
        objective *= Decimal(str(goals["gross_margin_goal"]))
    con = duckdb.connect()
    (total,) = con.execute(
        "SELECT coalesce(sum(target), 0) FROM read_csv(?, header = true, nullstr = '', "
        "columns = {'quarter': 'VARCHAR', 'channel_id': 'VARCHAR', 'partner_id': 'VARCHAR', "
        "'metric': 'VARCHAR', 'target': 'DECIMAL(18, 4)'}) "
        "WHERE partner_id IS NULL AND metric = ? AND quarter LIKE ?",
        [str(folder / "targets.csv"), metric, f"{year}-Q%"],
    ).fetchall()[0]
    con.close()
    return Decimal(total), objective, Decimal(total) - objective


def _plan_row(folder: Path, year: str, metric: str, plans: Path) -> pd.Series:
    wb, settings = alignment.open_alignment(folder, plans_dir=plans, year=year)
    plan = alignment.plan_against_objective(wb, settings)
    row = plan[(plan["source"] == "official") & (plan["metric"] == metric)]
    assert len(row) == 1, plan
    return row.iloc[0], wb


def _check_gap(folder: Path, year: str, metric: str, plans: Path) -> pd.Series:
    row, wb = _plan_row(folder, year, metric, plans)
    total, objective, gap = sql_target_gap(folder, year, metric)
    scale = Decimal(wb.dataset.money.scale)
    assert Decimal(int(row["targets_exact"])) / scale == total
    assert Decimal(int(row["objective_exact"])) / scale == objective.quantize(1 / scale)
    assert Decimal(int(row["gap_exact"])) / scale == gap.quantize(1 / scale)  # to the unit
    tolerance = Decimal("0.01") * objective  # the default plan_tolerance
    assert bool(row["aligned"]) == (abs(gap) <= tolerance)
    return row


@pytest.mark.parametrize("metric", ["revenue", "gross_profit"])
def test_gap_is_the_sum_of_official_channel_targets_minus_the_objective(tmp_path, metric):
    (case,) = _truth_rows(SAMPLE, "targets_short_of_objective")
    (near,) = _truth_rows(SAMPLE, "targets_short_of_objective", "near_miss")
    short = _check_gap(SAMPLE, case["period"], metric, tmp_path / "plans")
    assert short["gap"] < 0 and not short["aligned"]  # planted: the targets fall short
    if metric == "revenue":  # the near miss is a year whose revenue targets are within 1 %
        within = _check_gap(SAMPLE, near["period"], metric, tmp_path / "plans")
        assert within["aligned"]


@pytest.mark.parametrize("seed", SEEDS)
def test_targets_short_of_the_objective_are_found_on_other_seeds(small_sample, tmp_path, seed):
    folder = small_sample(seed)
    for kind, aligned in (("planted", False), ("near_miss", True)):
        for case in _truth_rows(folder, "targets_short_of_objective", kind):
            row = _check_gap(folder, case["period"], "revenue", tmp_path / "plans")
            assert bool(row["aligned"]) is aligned, (seed, kind, case)


def test_planned_targets_are_labelled_proposed_or_approved_beside_the_official(tmp_path):
    from channel_lib.plans.targets import write_targets

    wb, settings = alignment.open_alignment(TINY, plans_dir=tmp_path / "plans")
    objective = _goals_yaml(TINY)["years"][settings.year]["revenue_objective"]
    quarters = [f"{settings.year}-Q{i}" for i in range(1, 5)]
    # two channels whose planned quarters add up to the objective exactly (whole cents)
    exact = wb.dataset.money.to_exact(objective)
    per = [exact // 8] * 7 + [exact - 7 * (exact // 8)]
    rows = pd.DataFrame({
        "quarter": quarters * 2, "channel_id": ["DIR"] * 4 + ["WEB"] * 4, "partner_id": [""] * 8,
        "metric": ["revenue"] * 8, "target_exact": per,
    })  # fmt: skip
    write_targets(rows, tmp_path / "plans", money=wb.dataset.money)
    plan = alignment.plan_against_objective(wb, settings)
    assert plan["source"].tolist()[:1] == ["official"]  # the official targets come first
    proposed = plan[(plan["source"] == "proposed") & (plan["metric"] == "revenue")].iloc[0]
    assert proposed["gap_exact"] == 0 and proposed["aligned"] and proposed["channels"] == 2
    assert "approved" not in set(plan["source"])  # a plan file without a status column proposes


def test_orientation_names_the_gap_first_in_the_answer(view, opened):
    wb, settings = opened
    total, objective, gap = sql_target_gap(SAMPLE, settings.year, "revenue")
    sentences = page.summary_sentences(wb, view)
    expected = (
        f"The official channel targets of {settings.year} add up to {total:,.0f} USD of revenue "
        f"against the {objective:,.0f} USD objective ({total / objective:.1%}): "
        f"{abs(gap):,.0f} USD short"
    )
    assert sentences[1].startswith(expected)  # right after the revenue sentence
    assert expected in page.orientation_summary(wb, view).data.replace("\\", "")


def test_default_report_names_the_gap_between_channel_targets_and_objective(batch_reports):
    text = _text(batch_reports.html("01_orientation_alignment"))
    (case,) = _truth_rows(SAMPLE, "targets_short_of_objective")
    total, objective, gap = sql_target_gap(SAMPLE, case["period"], "revenue")
    assert (
        f"add up to {total:,.0f} USD of revenue against the {objective:,.0f} USD objective "
        f"({total / objective:.1%}): {abs(gap):,.0f} USD short"
    ) in text
    gp_total, gp_objective, gp_gap = sql_target_gap(SAMPLE, case["period"], "gross_profit")
    assert f"{gp_total:,.0f} USD of gross profit against the {gp_objective:,.0f} USD" in text
    assert f"{abs(gp_gap):,.0f} USD short" in text
    for line in planted("over_indexing"):
        assert re.search(rf"Over-indexed: (segment|product line) {code_label(line)} at", text)


# -- over- and under-indexing both count (issue 19, point 1) -----------------------------------------
@pytest.mark.parametrize(
    ("share", "met"),
    [(0.62, False), (0.38, False), (0.54, True), (0.46, True), (0.55, True), (0.45, True)],
    ids=["over-beyond", "under-beyond", "over-within", "under-within", "over-edge", "under-edge"],
)
def test_a_line_beyond_the_tolerance_either_way_is_misaligned(share, met):
    revenue = {"a": share * 1000, "b": (1 - share) * 1000}
    judged = alignment.mix_alignment(revenue, {"a": 0.5, "b": 0.5}, tolerance=0.05)
    assert judged.set_index("line").loc["a", "met"] == met
    assert judged.set_index("line").loc["a", "gap"] == pytest.approx(share - 0.5, abs=1e-12)


def _sql_mix(folder: Path, year: str, entity_type: str) -> dict[str, float]:
    """Share of the year's revenue by segment or product line (plain SQL on the CSV files)."""
    start = int(year[2:]) - 1
    first, end = f"{start}-07-01", f"{start + 1}-07-01"  # the sample's July-June fiscal year
    if entity_type == "segment":
        sql = ("SELECT c.segment AS k, sum(s.revenue) AS r FROM read_csv(?) s JOIN read_csv(?) c "
               "USING (customer_id) WHERE s.order_date >= ? AND s.order_date < ? GROUP BY 1")  # fmt: skip
        args = [str(folder / "sales.csv"), str(folder / "customers.csv"), first, end]
    else:
        sql = ("SELECT p.product_line AS k, sum(s.revenue) AS r FROM read_csv(?) s JOIN read_csv(?) p "
               "USING (product_id) WHERE s.order_date >= ? AND s.order_date < ? GROUP BY 1")  # fmt: skip
        args = [str(folder / "sales.csv"), str(folder / "products.csv"), first, end]
    con = duckdb.connect()
    rows = con.execute(sql, args).fetchall()
    con.close()
    positive = {k: float(r) for k, r in rows if r > 0}
    return {k: r / sum(positive.values()) for k, r in positive.items()}


def test_planted_over_indexing_is_misaligned_and_the_near_miss_is_not(view, opened):
    _, settings = opened
    goals = _goals_yaml(SAMPLE)["years"][settings.year]["strategic_focus"]
    system = view.system.set_index("goal")
    label = {"segment": ("Segment", "segments"), "product_line": ("Product line", "product_lines")}
    for kind, met in (("planted", False), ("near_miss", True)):
        for case in truth("over_indexing", kind):
            words, key = label[case["entity_type"]]
            share = _sql_mix(SAMPLE, case["period"], case["entity_type"])[case["entity_id"]]
            focus = goals[key][case["entity_id"]]
            row = system.loc[f"{words} mix: {case['entity_id']}"]
            assert row["actual"] == pytest.approx(share, abs=1e-9)
            assert bool(row["met"]) is met and (abs(share - focus) <= 0.05) is met
            if kind == "planted":
                assert share > focus + 0.05  # over-indexed, not under
                assert any(
                    t.startswith(
                        f"Over-indexed: {words.lower()} {code_label(case['entity_id'])} at"
                    )
                    for t in page.mix_sentences(view)
                )


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_over_indexing_is_found_on_other_seeds(small_sample, tmp_path, seed):
    folder = small_sample(seed)
    label = {"segment": "Segment", "product_line": "Product line"}
    systems: dict[str, pd.DataFrame] = {}
    for kind, met in (("planted", False), ("near_miss", True)):
        rows = _truth_rows(folder, "over_indexing", kind)
        assert rows, f"seed {seed} plants no over_indexing {kind}"
        for case in rows:
            year = case["period"]
            if year not in systems:
                wb, settings = alignment.open_alignment(folder, plans_dir=tmp_path / "p", year=year)
                systems[year] = alignment.system_alignment(wb, settings).set_index("goal")
            share = _sql_mix(folder, year, case["entity_type"])[case["entity_id"]]
            row = systems[year].loc[f"{label[case['entity_type']]} mix: {case['entity_id']}"]
            assert row["actual"] == pytest.approx(share, abs=1e-9)
            assert bool(row["met"]) is met, (seed, kind, case["entity_id"])


def test_a_wider_mix_tolerance_puts_the_planted_line_within_it(opened):
    wb, _ = opened
    settings = alignment.resolve_settings(wb, mix_tolerance=0.5)
    system = alignment.system_alignment(wb, settings).set_index("goal")
    for case in truth("over_indexing"):
        words = "Segment" if case["entity_type"] == "segment" else "Product line"
        assert bool(system.loc[f"{words} mix: {case['entity_id']}", "met"])


@pytest.mark.parametrize("value", [-0.1, 1.0, "5", True], ids=["negative", "one", "text", "bool"])
def test_a_bad_tolerance_is_a_parameter_error(value):
    with pytest.raises(ParameterError, match="mix_tolerance is a fraction in"):
        alignment.check_parameters(mix_tolerance=value)


# -- the margin basis (issue 19, point 1) -------------------------------------------------------------
def test_margin_is_judged_against_the_role_goal_where_given_else_on_contribution(view, opened):
    _, settings = opened
    channels = _goals_yaml(SAMPLE)["years"][settings.goals_year]["channels"]
    margin = view.breakdown[view.breakdown["dimension"] == "gross_margin"].set_index("channel_id")
    company = view.actuals.attrs["company"]
    actuals = view.actuals.set_index("channel_id")
    for ch, row in margin.iterrows():
        own = channels.get(ch, {}).get("gross_margin_goal")
        if own is not None:
            assert row["basis"] == "role goal" and row["goal"] == pytest.approx(own)
            assert row["actual"] == pytest.approx(actuals.loc[ch, "gross_margin"])
        else:
            assert row["basis"] == "contribution after cost to serve"
            assert row["actual"] == pytest.approx(
                actuals.loc[ch, "gross_margin"] - actuals.loc[ch, "cost_to_serve_ratio"]
            )
            corporate = _goals_yaml(SAMPLE)["years"][settings.goals_year]["gross_margin_goal"]
            assert row["goal"] == pytest.approx(corporate - company["cost_to_serve_ratio"])
    texts = page.with_text(view.breakdown)
    assert texts.loc[texts["dimension"] == "gross_margin", "goal_text"].str.endswith(")").all()


# -- the channel over time (issue 19, point 4) --------------------------------------------------------
def _quarter_sql(column: str, start_month: int) -> str:
    """SQL of a date's fiscal quarter as one integer (4 × fiscal year + quarter − 1), for a
    fiscal year named by the calendar year it ends in."""
    shift = f"(month({column}) - {start_month} + 12) % 12"
    year = f"(year({column}) + CASE WHEN month({column}) >= {start_month} AND {start_month} > 1 THEN 1 ELSE 0 END)"
    return f"({year} * 4 + {shift} // 3)"


def _label(index: int) -> str:
    return f"FY{index // 4}-Q{index % 4 + 1}"


def sql_partner_events(folder: Path, reporting_quarter: str) -> dict[str, set[tuple[str, str]]]:
    """Recruited and lapsed (partner, quarter) pairs by plain SQL on partners.csv and sales.csv:
    recruited = onboarded in the quarter; lapsed = a sales line with revenue > 0 two quarters
    before and none in the quarter before nor the quarter itself, not offboarded by its end."""
    start_month = int(_goals_yaml(folder)["fiscal_year"]["start_month"])
    fy, q = int(reporting_quarter[2:6]), int(reporting_quarter[-1])
    hi = fy * 4 + q - 1
    con = duckdb.connect()
    sales, partners = str(folder / "sales.csv"), str(folder / "partners.csv")
    (lo,) = con.execute(
        f"SELECT min({_quarter_sql('order_date', start_month)}) FROM read_csv(?)", [sales]
    ).fetchall()[0]
    recruited = con.execute(
        f"SELECT partner_id, {_quarter_sql('onboarded_on', start_month)} AS qi FROM read_csv(?) "
        "WHERE onboarded_on IS NOT NULL AND qi BETWEEN ? AND ?",
        [partners, lo, hi],
    ).fetchall()
    lapsed = con.execute(
        f"""
        WITH sold AS (
            SELECT DISTINCT partner_id, {_quarter_sql("order_date", start_month)} AS qi
            FROM read_csv(?) WHERE partner_id IS NOT NULL AND revenue > 0
        ), grid AS (
            SELECT p.partner_id, t.qi,
                   CASE WHEN p.offboarded_on IS NULL THEN NULL
                        ELSE {_quarter_sql("p.offboarded_on", start_month)} END AS off_qi
            FROM read_csv(?) p, range(? + 2, ? + 1) t(qi)
        )
        SELECT g.partner_id, g.qi FROM grid g
        WHERE EXISTS (SELECT 1 FROM sold s WHERE s.partner_id = g.partner_id AND s.qi = g.qi - 2)
          AND NOT EXISTS (SELECT 1 FROM sold s WHERE s.partner_id = g.partner_id AND s.qi = g.qi - 1)
          AND NOT EXISTS (SELECT 1 FROM sold s WHERE s.partner_id = g.partner_id AND s.qi = g.qi)
          AND (g.off_qi IS NULL OR g.off_qi > g.qi)
        """,
        [sales, partners, lo, hi],
    ).fetchall()
    con.close()
    return {
        "recruited": {(p, _label(i)) for p, i in recruited},
        "lapsed": {(p, _label(i)) for p, i in lapsed},
    }


def _check_partner_events(folder: Path, plans: Path) -> None:
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(folder, plans_dir=plans)
    events = alignment.channel_evolution(wb)
    found = {
        e: set(zip(g["partner_id"], g["quarter"], strict=True)) for e, g in events.groupby("event")
    }
    reference = sql_partner_events(folder, wb.quarter)
    for event in ("recruited", "lapsed"):
        assert found.get(event, set()) == reference[event], event
    signal = {"recruited": "partner_recruited", "lapsed": "partner_lapsed"}
    for event, name in signal.items():
        for case in _truth_rows(folder, name):
            assert (case["entity_id"], case["period"]) in found.get(event, set()), case
    lapsed_partners = {p for p, _ in found.get("lapsed", set())}
    for case in _truth_rows(folder, "partner_lapsed", "near_miss"):
        assert case["entity_id"] not in lapsed_partners, case  # one quarter without a sale
    counts = alignment.evolution_by_quarter(events)
    assert counts["lapsed"].sum() == len(found.get("lapsed", ()))
    revenue = events.groupby("event")["revenue_exact"].sum()
    assert (revenue >= 0).all() and events["revenue_exact"].dtype == "int64"


def test_recruited_and_lapsed_partners_equal_independent_sql_and_the_planted_cases(tmp_path):
    _check_partner_events(SAMPLE, tmp_path / "plans")
    assert truth("partner_lapsed") and truth("partner_recruited")  # the sample plants both


@pytest.mark.parametrize("seed", SEEDS)
def test_recruited_and_lapsed_partners_on_other_seeds(small_sample, tmp_path, seed):
    _check_partner_events(small_sample(seed), tmp_path / "plans")


def test_channel_and_tier_moves_are_named_with_the_revenue_that_moved(view, opened):
    wb, _ = opened
    changes = pd.read_csv(SAMPLE / "partner_changes.csv", dtype=str)
    moves = view.evolution[view.evolution["event"].isin(["channel_move", "tier_move"])]
    assert len(moves) == len(changes)
    con = duckdb.connect()
    for r in changes.itertuples(index=False):
        event = "channel_move" if r.field == "channel_id" else "tier_move"
        row = moves[(moves["partner_id"] == r.partner_id) & (moves["event"] == event)].iloc[0]
        assert row["after"] == r.new_value
        when = pd.Timestamp(r.effective_on)
        q0 = pd.Timestamp(year=when.year - (1 if when.month < 7 else 0), month=7, day=1)
        q_start = q0 + pd.DateOffset(months=3 * ((when.month - 7) % 12 // 3))
        (before,) = con.execute(
            "SELECT sum(CAST(revenue AS DECIMAL(18, 4))) FROM read_csv(?, all_varchar = true) "
            "WHERE partner_id = ? AND CAST(order_date AS DATE) >= ? "
            "AND CAST(order_date AS DATE) < ?",
            [str(SAMPLE / "sales.csv"), r.partner_id,
             (q_start - pd.DateOffset(years=1)).date(), q_start.date()],
        ).fetchall()[0]  # fmt: skip
        assert Decimal(int(row["revenue_exact"])) / Decimal(wb.dataset.money.scale) == before
        sentence = " ".join(page.evolution_sentences(wb, view))
        assert f"({r.partner_id}) moved" in sentence and r.new_value in sentence
    con.close()
