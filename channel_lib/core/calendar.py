"""Fiscal periods: fiscal years, quarters (``FY2026-Q3``), months and trailing windows.

A fiscal year starts on the first day of ``start_month`` and is named by the calendar year in
which it *ends* (``naming="end"``, the default: a July–June year ending June 2026 is ``FY2026``)
or in which it starts (``naming="start"``). Both come from ``goals.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError

_QUARTER = re.compile(r"^FY(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^FY(\d{4})$")


@dataclass(frozen=True)
class FiscalCalendar:
    """Fiscal-year arithmetic for one company.

    Parameters
    ----------
    start_month : int
        First month of the fiscal year, 1–12 (7 = July).
    naming : {"end", "start"}
        Name the fiscal year by the calendar year in which it ends, or starts.

    Examples
    --------
    >>> cal = FiscalCalendar(start_month=7)
    >>> cal.quarter_of("2026-05-14")
    'FY2026-Q4'
    >>> cal.quarter_bounds("FY2026-Q3")
    (Timestamp('2026-01-01 00:00:00'), Timestamp('2026-04-01 00:00:00'))
    >>> cal.shift_quarter("FY2026-Q1", -1)
    'FY2025-Q4'
    """

    start_month: int = 1
    naming: str = "end"

    def __post_init__(self) -> None:
        if not (isinstance(self.start_month, int) and 1 <= self.start_month <= 12):
            raise ParameterError(
                f"fiscal year start_month must be an integer 1-12, got {self.start_month!r}"
            )
        if self.naming not in ("end", "start"):
            raise ParameterError(
                f"fiscal year naming must be 'end' or 'start', got {self.naming!r}"
            )

    # -- internal: a quarter is an integer index = fiscal_start_year * 4 + (q - 1) ---------------
    def _name_offset(self) -> int:
        """Years to add to the calendar year in which a fiscal year starts to get its name."""
        return 1 if (self.naming == "end" and self.start_month != 1) else 0

    def _index_of(self, years: np.ndarray, months: np.ndarray) -> np.ndarray:
        start_year = np.where(months >= self.start_month, years, years - 1)
        fiscal_month = (months - self.start_month) % 12
        return start_year * 4 + fiscal_month // 3

    def _label(self, index: int) -> str:
        return f"FY{index // 4 + self._name_offset()}-Q{index % 4 + 1}"

    def _parse(self, label: str) -> int:
        m = _QUARTER.match(str(label))
        if not m:
            raise ParameterError(
                f"quarter {label!r} is not a fiscal quarter label; use the form 'FY2026-Q3'"
            )
        return (int(m.group(1)) - self._name_offset()) * 4 + int(m.group(2)) - 1

    # -- public API --------------------------------------------------------------------------------
    def quarter_of(self, date: str | pd.Timestamp) -> str:
        """Return the fiscal quarter label of one date."""
        ts = pd.Timestamp(date)
        return self._label(int(self._index_of(np.array([ts.year]), np.array([ts.month]))[0]))

    def year_of(self, date: str | pd.Timestamp) -> str:
        """Return the fiscal year label (``FY2026``) of one date."""
        return self.quarter_of(date).split("-")[0]

    def quarters_of(self, dates: pd.Series) -> pd.Series:
        """Vectorised :meth:`quarter_of` for a Series of dates (returns strings)."""
        d = pd.to_datetime(dates)
        index = self._index_of(d.dt.year.to_numpy(), d.dt.month.to_numpy())
        years = index // 4 + self._name_offset()
        quarters = index % 4 + 1
        labels = [f"FY{y}-Q{q}" for y, q in zip(years, quarters, strict=True)]
        return pd.Series(labels, index=dates.index, dtype="string")

    def validate_quarter(self, label: str) -> str:
        """Return ``label`` unchanged if it is a well-formed quarter label, else raise."""
        self._parse(label)
        return label

    def quarter_bounds(self, label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Return ``(first_day, first_day_of_next_quarter)`` of a fiscal quarter."""
        index = self._parse(label)
        start_year, q0 = divmod(index, 4)
        month0 = self.start_month - 1 + 3 * q0
        start = pd.Timestamp(year=start_year + month0 // 12, month=month0 % 12 + 1, day=1)
        return start, start + pd.DateOffset(months=3)

    def year_bounds(self, label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Return ``(first_day, first_day_of_next_year)`` of a fiscal year ``FY2026``."""
        m = _YEAR.match(str(label))
        if not m:
            raise ParameterError(f"fiscal year {label!r} is not of the form 'FY2026'")
        start, _ = self.quarter_bounds(f"{label}-Q1")
        return start, start + pd.DateOffset(years=1)

    def year_of_quarter(self, label: str) -> str:
        """``'FY2026-Q3'`` → ``'FY2026'``."""
        self._parse(label)
        return label.split("-")[0]

    def shift_quarter(self, label: str, n: int) -> str:
        """Quarter ``n`` quarters after (negative: before) ``label``."""
        return self._label(self._parse(label) + n)

    def quarter_range(self, first: str, last: str) -> list[str]:
        """All quarter labels from ``first`` to ``last`` inclusive."""
        a, b = self._parse(first), self._parse(last)
        if b < a:
            raise ParameterError(f"quarter range {first}..{last} runs backwards")
        return [self._label(i) for i in range(a, b + 1)]

    def trailing_window(self, label: str, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        """``(start, end_exclusive)`` of the ``months`` months ending with quarter ``label``."""
        _, end = self.quarter_bounds(label)
        return end - pd.DateOffset(months=months), end

    def latest_complete_quarter(
        self,
        last_date_by_channel: Mapping[str, pd.Timestamp],
        *,
        tolerance_days: int = 3,
        usual_gap_days: Mapping[str, float] | None = None,
    ) -> tuple[str, str]:
        """Choose the latest quarter that every channel's data covers completely.

        A channel covers a quarter when its last order falls within ``tolerance`` days of the
        quarter's end (or later); the tolerance is ``tolerance_days`` or, for a channel that orders
        rarely, its usual gap between order days. The chosen quarter is the earliest of the
        channels' latest covered quarters.

        Parameters
        ----------
        last_date_by_channel : mapping of channel id to its last order date
            Only channels that are still selling should be passed.
        tolerance_days : int
            Quiet days allowed before a quarter's end (weekends, holidays).
        usual_gap_days : mapping of channel id to days, optional
            A channel's usual gap between order days (e.g. the 90th percentile).

        Returns
        -------
        (quarter, reason) : tuple of str
            The quarter label and a sentence saying why it was chosen.

        Examples
        --------
        >>> cal = FiscalCalendar(start_month=7)
        >>> cal.latest_complete_quarter({"DIR": pd.Timestamp("2026-06-30"),
        ...                              "WEB": pd.Timestamp("2026-07-12")})[0]
        'FY2026-Q4'
        >>> cal.latest_complete_quarter({"DIR": pd.Timestamp("2026-06-20")})[0]
        'FY2026-Q3'
        >>> cal.latest_complete_quarter({"DIR": pd.Timestamp("2026-06-20")}, usual_gap_days={"DIR": 30})[0]
        'FY2026-Q4'
        """
        if not last_date_by_channel:
            raise ParameterError("no sales: cannot choose a reporting quarter")
        gaps = usual_gap_days or {}
        covered = {}
        for channel, last in last_date_by_channel.items():
            last = pd.Timestamp(last)
            tolerance = max(float(tolerance_days), float(gaps.get(channel, 0.0)))
            label = self.quarter_of(last)
            _, end = self.quarter_bounds(label)
            if last < end - pd.Timedelta(days=1 + tolerance):
                label = self.shift_quarter(label, -1)
            covered[channel] = (self._parse(label), last, tolerance)
        channel, (index, last, tolerance) = min(
            covered.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0])
        )
        label = self._label(index)
        _, end = self.quarter_bounds(label)
        newest = max(pd.Timestamp(d) for d in last_date_by_channel.values())
        rule = (
            f"(a channel covers a quarter when its last order is within {tolerance:.0f} days of the "
            f"quarter's end or later)"
        )
        if last >= end:
            reason = (
                f"{label} is the latest complete quarter: every channel's data reaches its end "
                f"({end - pd.Timedelta(days=1):%Y-%m-%d}); channel {channel}'s data stops on "
                f"{last:%Y-%m-%d}, part-way through {self._label(index + 1)}, which is not reported "
                f"until every channel covers it {rule}."
            )
        else:
            reason = (
                f"{label} is the latest quarter that every channel's data covers: channel {channel} "
                f"stops on {last:%Y-%m-%d} while other data runs to {newest:%Y-%m-%d} {rule}."
            )
        return label, reason
