"""The trend explorer of notebook 04: channel and measure → the quarterly trend.

:class:`TrendExplorer` draws the quarterly trend of revenue, gross profit or gross margin for one
channel or all (:mod:`channel_lib.analysis.trends`; see
:class:`~channel_lib.interactive.explorers.core.Explorer` for the contract).

Nothing here runs an analysis before the explorer is first computed: in a papermill batch
:meth:`~channel_lib.interactive.explorers.core.Explorer.show` only shows the defaults. The analysis
and presentation modules are imported inside the methods (deferred: they pull in altair and the
analyses), so building the explorer stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.interactive.explorers.core import DEFAULT_WAIT, Explorer
from channel_lib.interactive.explorers.filters import (
    ALL,
    check_choice,
    choice_filter,
    keep,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.data.workbook import Workbook

__all__ = [
    "TREND_MEASURES",
    "TrendExplorer",
    "TrendResult",
]


#: Measures the trend explorer offers → label in the reader's words.
TREND_MEASURES: dict[str, str] = {
    "revenue": "Revenue",
    "gross_profit": "Gross profit",
    "gross_margin": "Gross margin",
}


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
        import ipywidgets as w

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
            from channel_lib.analysis import trends

            monthly = trends.monthly_series(self.wb.dataset, quarter=self.wb.quarter)
            q = trends.quarterly_series(monthly)
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
        from channel_lib.presentation import charts, html

        label = TREND_MEASURES[result.measure]
        currency = self.wb.dataset.goals.currency
        what = "every channel" if result.channel == ALL else result.channel
        if result.quarterly.empty:
            return [html.markdown("No sales of {what} up to {q}.", what=what, q=self.wb.quarter)]
        ratio = result.measure == "gross_margin"
        chart = charts.line_over_time(
            result.quarterly, result.measure, title=f"{label} by fiscal quarter, {what}",
            value_title=label if ratio else f"{label} ({currency})",
            channel_ids=self.wb.channel_ids, value_format=".1%" if ratio else ",.0f",
        )  # fmt: skip
        last = result.quarterly.groupby("channel_id", sort=False).tail(4)
        columns = ["channel_id", "quarter", "revenue", "gross_profit", "gross_margin"]
        money = "{:,.0f}"
        table = html.table(
            last[columns],
            formats={"revenue": money, "gross_profit": money, "gross_margin": "{:.1%}"},
            caption=f"Last four quarters, {what} ({currency})",
        )
        return [chart, table]
