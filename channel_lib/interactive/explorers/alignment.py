"""The alignment explorer of notebook 01: quarter and channel → heatmap and score table.

:class:`AlignmentExplorer` re-runs :mod:`channel_lib.analysis.alignment` for the fiscal year up to
the chosen quarter and redraws the notebook's alignment heatmap and score table with the page's
functions (:mod:`channel_lib.presentation.pages.orientation`; see
:class:`~channel_lib.interactive.explorers.core.Explorer` for the contract: :meth:`compute` is pure
and unit-tested, :meth:`render` returns what is drawn).

Nothing here runs an analysis before the explorer is first computed: in a papermill batch
:meth:`~channel_lib.interactive.explorers.core.Explorer.show` only shows the defaults. The analysis
and presentation modules are imported inside the methods (deferred: they pull in altair and the
analyses), so building the explorer stays cheap.
"""

from __future__ import annotations

import dataclasses
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
    quarter_selector,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.analysis.alignment import Settings
    from channel_lib.data.workbook import Workbook

__all__ = [
    "AlignmentExplorer",
    "AlignmentResult",
]


@dataclass
class AlignmentResult:
    """What :meth:`AlignmentExplorer.compute` returns.

    Attributes
    ----------
    quarter : str
        The quarter the fiscal year is read up to.
    settings : channel_lib.analysis.alignment.Settings
        The year, its window and the weights in force.
    breakdown : DataFrame
        :func:`channel_lib.analysis.alignment.alignment_breakdown` rows of the chosen channel(s).
    scores : DataFrame
        :func:`channel_lib.analysis.alignment.alignment_scores` rows of the chosen channel(s).
    channel : str
        The channel filter (``(all)`` for every channel).
    """

    quarter: str
    settings: Settings
    breakdown: pd.DataFrame
    scores: pd.DataFrame
    channel: str


class AlignmentExplorer(Explorer):
    """Quarter selector and channel filter over notebook 01's alignment heatmap and score table.

    Choosing a quarter reads its fiscal year *up to that quarter* (year to date, compared with the
    same quarters a year before), exactly as the notebook does for its reporting quarter; the
    weights and what the year is managed for stay those of ``settings``.

    Parameters
    ----------
    wb : Workbook
        From :func:`channel_lib.analysis.alignment.open_alignment` (or ``open_workbook``).
    settings : channel_lib.analysis.alignment.Settings, optional
        The notebook's settings (weights, managing_for, dependency threshold); default
        :func:`channel_lib.analysis.alignment.resolve_settings` of ``wb``. The first quarter shown is the
        last quarter of ``settings.year`` up to the reporting quarter.
    wait : float
        Debounce quiet time in seconds.

    Notes
    -----
    A quarter's breakdown costs ~0.15 s on the sample and is kept per quarter, so going back to a
    quarter or changing the channel only filters and redraws.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> ex = AlignmentExplorer(open_workbook("tests/data/tiny", plans_dir="/tmp/plans"))
    >>> ex.initial
    {'quarter': 'FY2026-Q4', 'channel': '(all)'}
    >>> r = ex.compute(quarter="FY2026-Q2", channel="DIST")
    >>> r.settings.quarters, r.scores["channel_id"].tolist()
    (('FY2026-Q1', 'FY2026-Q2'), ['DIST'])
    """

    title = "Explore: alignment by quarter and channel"
    intro = (
        "Choose a quarter to score its fiscal year up to that quarter (against the same quarters a "
        "year before), and a channel to narrow the heatmap and the table."
    )
    labels: ClassVar[Mapping[str, str]] = {
        "quarter": "Quarter (year to date up to it)",
        "channel": "Channel",
    }
    notebook = "01_orientation_alignment.ipynb"

    def parameter_values(self) -> dict[str, Any]:
        """Notebook 01's ``quarter`` (the channel filter is no parameter there)."""
        return {"quarter": str(self.values()["quarter"])}

    def __init__(
        self, wb: Workbook, settings: Settings | None = None, *, wait: float = DEFAULT_WAIT
    ) -> None:
        self.wb = wb
        self.settings = settings
        self._breakdowns: dict[str, tuple[Settings, pd.DataFrame]] = {}
        super().__init__(wait=wait)

    def initial_values(self) -> Mapping[str, Any]:
        quarter = self.settings.quarters[-1] if self.settings is not None else self.wb.quarter
        return {"quarter": quarter, "channel": ALL}

    def quarters(self) -> list[str]:
        """The quarters that can be chosen: those of the years with goals, up to the reporting one
        (and those of the notebook's own year when it is not scored: the explorer then says why).

        Examples
        --------
        >>> from channel_lib.data.workbook import open_workbook
        >>> AlignmentExplorer(open_workbook("tests/data/tiny", plans_dir="/tmp/plans")).quarters()[0]
        'FY2025-Q1'
        """
        from channel_lib.analysis.alignment import available_years

        years = set(available_years(self.wb))
        cal = self.wb.dataset.calendar
        if self.settings is not None and not self.settings.scored:
            years.add(self.settings.year)
        elif not years:  # no year can be scored: the reporting year's quarters, which say why
            years.add(cal.year_of_quarter(self.wb.quarter))
        return [q for q in self.wb.quarters if cal.year_of_quarter(q) in years]

    def build_controls(self) -> dict[str, Any]:
        return {
            "quarter": quarter_selector(self.quarters(), self.initial["quarter"]),
            "channel": choice_filter("Channel", self.wb.channel_ids, value=self.initial["channel"]),
        }

    def _year_to(self, quarter: str) -> tuple[Settings, pd.DataFrame]:
        """Settings and breakdown of ``quarter``'s fiscal year up to ``quarter`` (kept per quarter)."""
        if quarter not in self._breakdowns:
            from channel_lib.analysis import alignment

            if quarter not in self.wb.quarters:
                raise ParameterError(
                    f"quarter={quarter!r} is not a quarter of this workbook; choose one of "
                    f"{self.wb.quarters[0]} to {self.wb.quarters[-1]}"
                )
            reason = f"{quarter} was chosen in the explorer."
            wb_q = dataclasses.replace(self.wb, quarter=quarter, quarter_reason=reason)
            year = self.wb.dataset.calendar.year_of_quarter(quarter)
            if self.settings is None:
                settings = alignment.resolve_settings(wb_q, year=year)
            else:
                settings = alignment.for_year(self.settings, wb_q, year)
            self._breakdowns[quarter] = (settings, alignment.alignment_breakdown(wb_q, settings))
        return self._breakdowns[quarter]

    def compute(self, *, quarter: str | None = None, channel: str = ALL) -> AlignmentResult:
        """The alignment of ``quarter``'s fiscal year up to it, for one channel or all.

        Parameters
        ----------
        quarter : str, optional
            One of :attr:`Workbook.quarters` whose fiscal year has goals in ``goals.yaml``;
            default the first quarter shown (:attr:`initial`).
        channel : str
            A channel id, or ``(all)``.

        Returns
        -------
        AlignmentResult

        Raises
        ------
        ParameterError
            For a quarter outside the workbook, a year without goals, or an unknown channel.
        """
        from channel_lib.analysis.alignment import alignment_scores

        quarter = quarter if quarter is not None else self.initial["quarter"]
        check_choice("channel", channel, self.wb.channel_ids, "channel")
        settings, breakdown = self._year_to(quarter)
        chosen = keep(breakdown, {"channel_id": channel}).reset_index(drop=True)
        scores = alignment_scores(breakdown)
        scores = keep(scores, {"channel_id": channel}).reset_index(drop=True)
        return AlignmentResult(quarter, settings, chosen, scores, channel)

    def render(self, result: AlignmentResult) -> list[Any]:
        from channel_lib.presentation import html
        from channel_lib.presentation.pages import orientation as page

        s = result.settings
        what = "every channel" if result.channel == ALL else f"channel {result.channel}"
        head = html.markdown(
            "Fiscal year **{y}**, quarters {first} to {last} against the same quarters a year "
            "before; {what}.",
            y=s.year, first=s.quarters[0], last=s.quarters[-1], what=what,
        )  # fmt: skip
        if not s.scored:
            return [head, html.markdown("{why}", why=s.goals_note)]
        if result.breakdown.empty:
            return [head, html.markdown("No sales of {what} in this window.", what=what)]
        chart = page.alignment_heatmap(
            result.breakdown, channel_ids=self.wb.channel_ids, year=s.year, up_to=result.quarter
        )
        return [head, chart, page.scores_table(result.scores, s.year, up_to=result.quarter)]
