"""Fiscal calendar and quarter choice, specified by hand-worked dates."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_lib import FiscalCalendar, ParameterError
from channel_lib.data.workbook import open_workbook


@pytest.mark.parametrize(
    ("start_month", "naming", "date", "label"),
    [
        (7, "end", "2025-07-01", "FY2026-Q1"),  # July-June year ending June 2026 is FY2026
        (7, "end", "2026-06-30", "FY2026-Q4"),
        (7, "end", "2026-01-15", "FY2026-Q3"),
        (7, "start", "2026-01-15", "FY2025-Q3"),  # named by the year it starts
        (1, "end", "2026-01-15", "FY2026-Q1"),  # calendar year
        (1, "start", "2026-12-31", "FY2026-Q4"),
        (4, "end", "2026-03-31", "FY2026-Q4"),  # April-March year
        (4, "end", "2026-04-01", "FY2027-Q1"),
    ],
    ids=[
        "jul-first-day",
        "jul-last-day",
        "jul-q3",
        "jul-start-naming",
        "calendar",
        "calendar-start",
        "apr-last-day",
        "apr-first-day",
    ],
)
def test_quarter_labels_follow_start_month_and_naming(start_month, naming, date, label):
    assert FiscalCalendar(start_month=start_month, naming=naming).quarter_of(date) == label


def test_quarter_bounds_are_three_calendar_months():
    cal = FiscalCalendar(start_month=7)
    assert cal.quarter_bounds("FY2026-Q1") == (
        pd.Timestamp("2025-07-01"),
        pd.Timestamp("2025-10-01"),
    )
    assert cal.quarter_bounds("FY2026-Q4") == (
        pd.Timestamp("2026-04-01"),
        pd.Timestamp("2026-07-01"),
    )
    assert cal.year_bounds("FY2026") == (pd.Timestamp("2025-07-01"), pd.Timestamp("2026-07-01"))


def test_trailing_window_of_twelve_months_ends_with_the_quarter():
    cal = FiscalCalendar(start_month=7)
    assert cal.trailing_window("FY2026-Q4", 12) == (
        pd.Timestamp("2025-07-01"),
        pd.Timestamp("2026-07-01"),
    )


@pytest.mark.parametrize("bad", ["2026Q3", "FY26-Q3", "FY2026-Q5", "", "fy2026-q1"])
def test_malformed_quarter_is_a_clear_error(bad):
    with pytest.raises(ParameterError, match="FY2026-Q3"):
        FiscalCalendar(start_month=7).quarter_bounds(bad)


@given(
    start_month=st.integers(1, 12),
    naming=st.sampled_from(["end", "start"]),
    day=st.dates(
        min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2040-12-31").date()
    ),
)
def test_every_date_lies_inside_its_quarter_bounds(start_month, naming, day):
    cal = FiscalCalendar(start_month=start_month, naming=naming)
    label = cal.quarter_of(day)
    start, end = cal.quarter_bounds(label)
    assert start <= pd.Timestamp(day) < end
    assert cal.quarters_of(pd.Series([pd.Timestamp(day)])).iloc[0] == label
    assert cal.shift_quarter(cal.shift_quarter(label, 5), -5) == label


def test_latest_quarter_waits_for_the_slowest_channel():
    cal = FiscalCalendar(start_month=7)
    label, reason = cal.latest_complete_quarter(
        {
            "DIR": pd.Timestamp("2026-07-09"),
            "WEB": pd.Timestamp("2026-06-10"),
            "DIST": pd.Timestamp("2026-06-30"),
        }
    )
    assert label == "FY2026-Q3"  # WEB stops on 10 June: Q4 is not complete for it
    assert "WEB" in reason and "2026-06-10" in reason


def test_tiny_dataset_reports_the_last_complete_quarter_not_the_partial_month(tiny_dir, tmp_path):
    wb = open_workbook(tiny_dir, plans_dir=tmp_path / "plans")
    assert wb.quarter == "FY2026-Q4"  # July 2026 holds a single order: partly loaded
    assert "FY2026-Q4" in wb.quarter_reason


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quarter": "FY2031-Q1"}, "outside the data"),
        ({"quarter": "Q3"}, "FY2026-Q3"),
        ({"data_dir": "no/such/folder"}, "not a folder"),
        ({"plans_dir": "tests/data/tiny/plans"}, "read only"),
    ],
    ids=["quarter-outside-data", "malformed-quarter", "missing-folder", "plans-inside-dataset"],
)
def test_bad_workbook_parameters_stop_before_any_work(kwargs, message, tmp_path):
    params = {"data_dir": "tests/data/tiny", "plans_dir": tmp_path / "plans", **kwargs}
    with pytest.raises(ParameterError, match=message):
        open_workbook(**params)
