"""Issue 21, points 4 and 5: per-channel margin goals, lights that see margin, and partner-reporting
coverage.

Reference values come from the files (``goals.yaml`` written here by hand, ``sales.csv`` read in
plain DuckDB SQL), never from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from channel_lib.data.goals import ChannelRole, YearGoals, read_goals

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TINY = Path(__file__).resolve().parent / "data" / "tiny"


def _goals_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the tiny dataset's goals.yaml with one line replaced; returns its path."""
    text = (TINY / "goals.yaml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "goals.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


DIST_2026 = (
    "      DIST: {role: distribution, role_weight: 1.0, segments: [mid_market, smb], "
    "product_lines: [platform, accessories], customer_focus: coverage}\n"
    "      WEB: {role: online, role_weight: 0.7"
)


def _dist_line(extra: str) -> str:
    return DIST_2026.replace("customer_focus: coverage}", f"customer_focus: coverage{extra}}}")


def test_channel_margin_goal_is_read_and_others_fall_back_to_the_corporate_goal(tmp_path):
    path = _goals_with(tmp_path, DIST_2026, _dist_line(", gross_margin_goal: 0.30"))
    goals, problems = read_goals(path)
    assert problems == []
    fy = goals.year("FY2026")
    assert fy.channels["DIST"].gross_margin_goal == pytest.approx(0.30)
    assert fy.channels["DIR"].gross_margin_goal is None
    assert fy.channel_margin_goal("DIST") == pytest.approx(0.30)
    # the corporate goal of FY2026 in the hand-made file is 0.36
    assert fy.channel_margin_goal("DIR") == pytest.approx(0.36)
    assert fy.channel_margin_goal("NOT_A_CHANNEL") == pytest.approx(0.36)
    # FY2025 gives no per-channel goal: every channel uses the corporate 0.35
    assert goals.year("FY2025").channel_margin_goal("DIST") == pytest.approx(0.35)


def test_file_without_channel_margin_goals_reads_as_before():
    goals, problems = read_goals(TINY / "goals.yaml")
    assert problems == []
    assert all(
        role.gross_margin_goal is None for y in goals.years.values() for role in y.channels.values()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("40", "write 0.4 for 40%"),
        ("-0.1", "fraction between 0 and 1"),
        ("forty", "must be a number"),
        ("true", "must be a number"),
    ],
    ids=["percent-not-fraction", "negative", "text", "boolean"],
)
def test_bad_channel_margin_goal_names_file_line_and_value(tmp_path, value, message):
    path = _goals_with(tmp_path, DIST_2026, _dist_line(f", gross_margin_goal: {value}"))
    expected_line = next(
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "gross_margin_goal: " + value in line
    )
    goals, problems = read_goals(path)
    assert goals is None
    (p,) = problems
    assert p.file == "goals.yaml"
    assert p.column == "years.FY2026.channels.DIST.gross_margin_goal"
    assert p.line == expected_line
    assert p.value == value.replace("true", "True")
    assert message in p.message


def test_channel_margin_goal_typo_is_an_unknown_key(tmp_path):
    path = _goals_with(tmp_path, DIST_2026, _dist_line(", gross_margin_gaol: 0.3"))
    goals, problems = read_goals(path)
    assert goals is None
    assert "gross_margin_goal" in problems[0].message


def test_channel_margin_goal_api_without_goals_yaml():
    year = YearGoals(
        "FY2026", 1.0, 0.5, "revenue", channels={"A": ChannelRole("x", gross_margin_goal=0.2)}
    )
    assert year.channel_margin_goal("A") == 0.2
    assert year.channel_margin_goal("B") == 0.5
