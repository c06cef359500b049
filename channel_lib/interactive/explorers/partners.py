"""The partner explorer of notebook 06: filters narrowing a partner picker → its headline.

:class:`PartnerExplorer` narrows the partners by channel / region / tier and shows the chosen
partner's scorecard row and revenue by quarter (:mod:`channel_lib.analysis.partner_review`; see
:class:`~channel_lib.interactive.explorers.core.Explorer` for the contract). Its constructor
touches no data beyond the partner table, and none at all when a partner id is given (every
partner pack runs notebook 06).

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

from channel_lib.interactive.explorers.core import DEFAULT_WAIT, Explorer
from channel_lib.interactive.explorers.filters import (
    ALL,
    keep,
    partner_attributes,
    partner_filter_controls,
    partner_filters,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.data.workbook import Workbook

__all__ = [
    "PartnerExplorer",
    "PartnerResult",
]


@dataclass
class PartnerResult:
    """What :meth:`PartnerExplorer.compute` returns.

    Attributes
    ----------
    partners : DataFrame
        The partners matching the filters (``partner_id``, ``partner_name``, ``channel_id``,
        ``region``, ``tier``): the picker's choices.
    partner_id : str or None
        The partner shown (the chosen one if it matches the filters, else the first that does;
        ``None`` when none does).
    card : DataFrame
        Its row of :func:`channel_lib.analysis.scorecard.scorecard` (level ``partner``) for the quarter;
        empty when it had no sales, no sales a year before and no target.
    performance : DataFrame
        Its revenue by quarter, last eight quarters, with target and attainment (as
        :attr:`channel_lib.analysis.partner_review.PartnerPack.performance`).
    """

    partners: pd.DataFrame
    partner_id: str | None
    card: pd.DataFrame
    performance: pd.DataFrame


class PartnerExplorer(Explorer):
    """Channel / region / tier filters narrowing a partner picker, and the partner's headline.

    Parameters
    ----------
    wb : Workbook
    partner_id : str, optional
        The partner shown first (the pack's partner); default the first partner of
        ``partners.csv``.
    tolerance : float
        Traffic-light tolerance of the scorecard (amber down to ``1 - tolerance`` of target).
    wait : float
        Debounce quiet time in seconds.

    Notes
    -----
    Building the explorer and showing it in a batch reads no data when ``partner_id`` is given
    (every partner pack runs notebook 06). The partner scorecard of the quarter (~0.1 s on the
    sample) is computed on the first :meth:`compute` and kept; a partner's eight quarters cost
    ~0.02 s.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> ex = PartnerExplorer(open_workbook("tests/data/tiny", "FY2026-Q3", plans_dir="/tmp/plans"), "P2")
    >>> ex.initial
    {'channel': '(all)', 'region': '(all)', 'tier': '(all)', 'partner': 'P2'}
    >>> r = ex.compute(channel="DIST", region="APAC", tier="(all)", partner="P2")
    >>> r.partners["partner_id"].tolist(), r.partner_id
    (['P4'], 'P4')
    """

    title = "Explore: partners"
    intro = (
        "Narrow the partners by channel, region and tier, then pick one to see its scorecard "
        "row and its revenue by quarter against target."
    )
    labels: ClassVar[Mapping[str, str]] = {
        "channel": "Channel",
        "region": "Region",
        "tier": "Tier",
        "partner": "Partner",
    }
    notebook = "06_partner_review.ipynb"

    def parameter_values(self) -> dict[str, Any]:
        """Notebook 06's ``partner_id`` (the partner picked; the filters only narrow the list)."""
        partner = self.values()["partner"]
        return {} if partner is None else {"partner_id": str(partner)}

    def __init__(
        self,
        wb: Workbook,
        partner_id: str | None = None,
        *,
        tolerance: float = 0.05,
        wait: float = DEFAULT_WAIT,
    ) -> None:
        self.wb = wb
        self.partner_id = partner_id
        self.tolerance = tolerance
        self._partners: pd.DataFrame | None = None
        self._card: pd.DataFrame | None = None
        super().__init__(wait=wait)

    def initial_values(self) -> Mapping[str, Any]:
        partner = self.partner_id
        if partner is None:  # no pack partner: the first of partners.csv (an in-memory table)
            ids = self.partners()["partner_id"]
            partner = str(ids.iloc[0]) if len(ids) else None
        return {"channel": ALL, "region": ALL, "tier": ALL, "partner": partner}

    def partners(self) -> pd.DataFrame:
        """``partners.csv``'s id, name, channel, region and tier (strings), read once."""
        if self._partners is None:
            self._partners = partner_attributes(self.wb)
        return self._partners

    def matching(self, channel: str = ALL, region: str = ALL, tier: str = ALL) -> pd.DataFrame:
        """The partners whose channel, region and tier match (``(all)`` matches every value).

        Examples
        --------
        >>> from channel_lib.data.workbook import open_workbook
        >>> ex = PartnerExplorer(open_workbook("tests/data/tiny", plans_dir="/tmp/plans"))
        >>> ex.matching(channel="DIST", region="NA")["partner_id"].tolist()
        ['P1']
        """
        partners = self.partners()
        filters = partner_filters(self.wb, partners, channel, region, tier)
        return keep(partners, filters).reset_index(drop=True)

    def build_controls(self) -> dict[str, Any]:
        import ipywidgets as w

        v, partners = self.initial, self.partners()
        controls = {
            **partner_filter_controls(self.wb, partners, v),
            "partner": w.Dropdown(
                description="Partner",
                options=_picker_options(partners),
                value=v["partner"],
                layout=w.Layout(width="360px"),
            ),
        }

        def narrow(change: Mapping[str, Any]) -> None:
            # runs before the debounced refresh sees the change: the picker lists only matches
            choices = self.matching(
                controls["channel"].value, controls["region"].value, controls["tier"].value
            )
            controls["partner"].options = _picker_options(choices)

        for name in ("channel", "region", "tier"):
            controls[name].observe(narrow, names="value")
        return controls

    def card(self) -> pd.DataFrame:
        """The partner scorecard of the quarter (computed once)."""
        if self._card is None:
            from channel_lib.analysis import scorecard

            self._card = scorecard.scorecard(
                self.wb.dataset, self.wb.quarter, level="partner", tolerance=self.tolerance,
                plans_dir=self.wb.plans_dir,
            )  # fmt: skip
        return self._card

    def compute(
        self, *, channel: str = ALL, region: str = ALL, tier: str = ALL, partner: str | None = None
    ) -> PartnerResult:
        """The matching partners and the headline of the chosen one.

        Parameters
        ----------
        channel, region, tier : str
            Values of ``partners.csv``, or ``(all)``.
        partner : str, optional
            The partner picked; when it does not match the filters the first match is shown.

        Returns
        -------
        PartnerResult

        Raises
        ------
        ParameterError
            For an unknown channel, region or tier.
        """
        from channel_lib.analysis import partner_review

        choices = self.matching(channel, region, tier)
        ids = choices["partner_id"].tolist()
        chosen = partner if partner in ids else (ids[0] if ids else None)
        if chosen is None:
            empty = pd.DataFrame()
            return PartnerResult(choices, None, empty, empty)
        card = self.card()
        card = card[card["partner_id"] == chosen].reset_index(drop=True)
        perf = partner_review.partner_performance(  # the pack's own performance frame
            self.wb.dataset, chosen, self.wb.quarter, plans_dir=self.wb.plans_dir
        )
        return PartnerResult(choices, chosen, card, perf)

    def render(self, result: PartnerResult) -> list[Any]:
        from channel_lib.presentation.pages import partner_review as page

        if result.partner_id is None:
            return [page.no_match()]
        p = result.partners.set_index("partner_id").loc[result.partner_id]
        return [
            page.explorer_head(p, result.partner_id, len(result.partners)),
            page.explorer_card(self.wb, result.partner_id, result.card),
            page.performance_chart(
                self.wb, result.partner_id, str(p["channel_id"]), result.performance
            ),
        ]


def _picker_options(partners: pd.DataFrame) -> list[tuple[str, str]]:
    """``(label, partner_id)`` pairs for the partner dropdown, e.g. ``("P2 · Beta Supply", "P2")``."""
    return [
        (f"{pid} · {name}", str(pid))
        for pid, name in zip(partners["partner_id"], partners["partner_name"], strict=True)
    ]
