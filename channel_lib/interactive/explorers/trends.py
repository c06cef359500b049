"""The trend explorer of notebook 04: channel and measure → the quarterly trend.

:class:`TrendExplorer` draws the quarterly trend of revenue, gross profit or gross margin for one
channel or all (:mod:`channel_lib.analysis.trends`; see
:class:`~channel_lib.interactive.explorers.core.Explorer` for the contract).

Nothing here runs an analysis before the explorer is first computed: in a papermill batch
:meth:`~channel_lib.interactive.explorers.core.Explorer.show` only shows the defaults. The series
come from :mod:`channel_lib.analysis.trends`; the chart, the table and the measure labels from
notebook 04's page (:mod:`channel_lib.presentation.pages.revenue_profit_trends`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from channel_lib.analysis import trends
from channel_lib.core.errors import ParameterError
from channel_lib.interactive.explorers.core import DEFAULT_WAIT, Explorer
from channel_lib.interactive.explorers.filters import (
    ALL,
    check_choice,
    choice_filter,
    keep,
)
from channel_lib.presentation.pages import revenue_profit_trends as page

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.data.workbook import Workbook

__all__ = [
    "TREND_MEASURES",
    "TrendExplorer",
    "TrendResult",
]


#: Measures the trend explorer offers → label in the reader's words.
TREND_MEASURES: dict[str, str] = page.EXPLORER_MEASURES


@dataclass
class TrendResult:
    """What :meth:`TrendExplorer.compute` returns.

    Attributes
    ----------
    measure : str
        One of :data:`TREND_MEASURES`.
    channel : str
        The channel filter (``(all)`` for every channel).
    quarterly : DataFrame
        :func:`channel_lib.analysis.trends.quarterly_series` rows of level ``channel`` for the chosen
        channel(s): ``entity_id``, ``channel_id``, ``quarter``, ``revenue``, ``gross_profit``
        (currency), ``gross_margin`` (fraction), ... in quarter order.
    """

    measure: str
    channel: str
    quarterly: pd.DataFrame


class TrendExplorer(Explorer):
    """Channel filter and measure choice over notebook 04's quarterly trends.

    Parameters
    ----------
    wb : Workbook
    wait : float
        Debounce quiet time in seconds.

    Notes
    -----
    The monthly series (:func:`channel_lib.analysis.trends.monthly_series`, ~0.05 s on the sample) are
    computed on the first :meth:`compute` and kept; a control change only filters and redraws.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> ex = TrendExplorer(open_workbook("tests/data/tiny", plans_dir="/tmp/plans"))
    >>> r = ex.compute(channel="WEB", measure="gross_margin")
    >>> r.quarterly["channel_id"].unique().tolist(), r.quarterly["quarter"].iloc[-1]
    (['WEB'], 'FY2026-Q4')
    """

    title = "Explore: revenue and profit trends by channel"
    intro = (
        "Choose a channel and a measure (revenue, gross profit or gross margin) to redraw its "
        "quarterly trend; gross margin shows where profit parts ways with revenue."
    )
    labels: ClassVar[Mapping[str, str]] = {"channel": "Channel", "measure": "Measure"}

    def __init__(self, wb: Workbook, *, wait: float = DEFAULT_WAIT) -> None:
        self.wb = wb
        self._quarterly: pd.DataFrame | None = None
        super().__init__(wait=wait)

    def initial_values(self) -> Mapping[str, Any]:
        return {"channel": ALL, "measure": "gross_margin"}

    def build_controls(self) -> dict[str, Any]:
        import ipywidgets as w  # deferred: batch runs never create a widget

        measure = w.Dropdown(
            description="Measure",
            options=[(label, key) for key, label in TREND_MEASURES.items()],
            value=self.initial["measure"],
        )
        channel = choice_filter("Channel", self.wb.channel_ids, value=self.initial["channel"])
        return {"channel": channel, "measure": measure}

    def quarterly(self) -> pd.DataFrame:
        """Quarterly series of every channel up to the reporting quarter (computed once)."""
        if self._quarterly is None:
            monthly = trends.monthly_series(self.wb.dataset, quarter=self.wb.quarter)
            q = trends.quarterly_series(monthly, money=self.wb.dataset.money)
            self._quarterly = q[q["level"] == "channel"].reset_index(drop=True)
        return self._quarterly

    def compute(self, *, channel: str = ALL, measure: str = "gross_margin") -> TrendResult:
        """The quarterly series of ``channel`` (or every channel) and the measure to draw.

        Parameters
        ----------
        channel : str
            A channel id, or ``(all)``.
        measure : {"revenue", "gross_profit", "gross_margin"}

        Returns
        -------
        TrendResult

        Raises
        ------
        ParameterError
            For an unknown measure or channel.
        """
        if measure not in TREND_MEASURES:
            raise ParameterError(f"measure={measure!r}: choose one of {', '.join(TREND_MEASURES)}")
        check_choice("channel", channel, self.wb.channel_ids, "channel")
        frame = keep(self.quarterly(), {"channel_id": channel}).reset_index(drop=True)
        return TrendResult(measure, channel, frame)

    def render(self, result: TrendResult) -> list[Any]:
        currency = self.wb.dataset.goals.currency
        what = "every channel" if result.channel == ALL else result.channel
        if result.quarterly.empty:
            return [page.no_sales(what, self.wb.quarter)]
        chart = page.quarterly_trend_chart(result.quarterly, result.measure, what=what,
                                           channel_ids=self.wb.channel_ids, currency=currency)  # fmt: skip
        return [chart, page.last_quarters_table(result.quarterly, what=what, currency=currency)]
