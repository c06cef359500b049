"""The signal explorer of notebook 05: thresholds and filters → the material signals.

:class:`SignalExplorer` moves the early-warning thresholds, the materiality minimum and channel /
region / tier filters, and redraws the material signals (chart and table) and the win/loss
interview list (:mod:`channel_lib.analysis.signals`; see
:class:`~channel_lib.interactive.explorers.core.Explorer` for the contract).

Region and tier are those of ``partners.csv``. A row that names no partner (a channel-level
signal, a direct customer) has neither, so it is left out as soon as a region or tier is chosen.

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
from channel_lib.interactive.explorers.controls import slider
from channel_lib.interactive.explorers.core import DEFAULT_WAIT, Explorer
from channel_lib.interactive.explorers.filters import (
    ALL,
    keep,
    partner_attributes,
    partner_filter_controls,
    partner_filters,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.analysis.signals import ShortList, SignalCandidates
    from channel_lib.data.goals import SignalThresholds
    from channel_lib.data.workbook import Workbook

__all__ = [
    "SIGNAL_THRESHOLDS",
    "SignalExplorer",
    "SignalResult",
]


#: Threshold controls of the signal explorer → field of :class:`~channel_lib.data.goals.SignalThresholds`.
SIGNAL_THRESHOLDS: tuple[str, ...] = (
    "partner_sales_change",
    "our_sales_change",
    "lost_customer_share",
    "win_loss_amount",
    "min_revenue_at_stake",
)


@dataclass
class SignalResult:
    """What :meth:`SignalExplorer.compute` returns.

    Attributes
    ----------
    thresholds : SignalThresholds
        The thresholds in force (the explorer's, with the controls' values).
    warnings : DataFrame
        Every early warning at those thresholds (:data:`channel_lib.analysis.signals.SIGNAL_COLUMNS`,
        as :func:`channel_lib.analysis.signals.early_warnings` ranks them) matching the filters, plus
        ``region`` and ``tier`` of the partner the row names.
    material : DataFrame
        The rows of :attr:`warnings` at or above the materiality minimum.
    triaged : DataFrame
        :attr:`warnings` triaged (:func:`channel_lib.analysis.signals.triage`: kind, severity,
        item, unusual, priority), events first by severity × exposure, plus ``region``/``tier``.
    short : ShortList
        :func:`channel_lib.analysis.signals.short_list` of :attr:`triaged` (what is drawn).
    deals : DataFrame
        :func:`channel_lib.analysis.signals.win_loss_deals` at the deal amount, filtered, plus ``region``
        and ``tier``.
    filters : dict
        ``channel_id``, ``region``, ``tier`` as chosen.
    """

    thresholds: SignalThresholds
    warnings: pd.DataFrame
    material: pd.DataFrame
    deals: pd.DataFrame
    filters: dict[str, str]
    triaged: pd.DataFrame
    short: ShortList


class SignalExplorer(Explorer):
    """Threshold sliders and channel / region / tier filters over notebook 05's early warnings.

    Sliders: the change of a partner's own total sales and of our sales through it (|change|,
    fraction), the lost customer's share of company revenue, the win/loss deal amount and the
    materiality minimum (currency). The chart and table show the material signals; the second
    table the deals for win/loss interviews.

    Parameters
    ----------
    wb : Workbook
    thresholds : SignalThresholds, optional
        The notebook's thresholds (:func:`channel_lib.analysis.signals.resolve_thresholds`); the sliders
        start at their values and the other thresholds (CSAT, response time, dependency share,
        windows) stay fixed. Default: ``goals.yaml``.
    wait : float
        Debounce quiet time in seconds.

    Notes
    -----
    :func:`channel_lib.analysis.signals.early_warnings` takes ~0.4 s on the sample, too slow to follow a
    slider. The first :meth:`compute` computes the quarter's signal candidates once
    (:func:`channel_lib.analysis.signals.signal_candidates`: the three threshold-dependent signals
    at a threshold of 0, the four others at their fixed thresholds); a slider move then cuts them
    at the moved thresholds (:func:`channel_lib.analysis.signals.warnings_at`) and triages them
    as the notebook does (:func:`channel_lib.analysis.signals.triage`, with the partners'
    volatility computed once): the chart and table show the same short list. The tests check
    the result equals ``early_warnings(ds, quarter, thresholds=...)`` for several values.
    The win/loss list is re-queried (a few ms).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> ex = SignalExplorer(open_workbook("tests/data/tiny", "FY2026-Q2", plans_dir="/tmp/plans"))
    >>> ex.initial["win_loss_amount"], ex.initial["tier"]
    (300000, '(all)')
    >>> r = ex.compute(**{**ex.initial, "min_revenue_at_stake": 0, "tier": "silver"})
    >>> sorted(r.warnings["signal"]), set(r.warnings["partner_id"])
    (['key_talent_loss', 'line_card_change', 'service_metrics'], {'P2'})
    """

    title = "Explore: early-warning thresholds"
    intro = (
        "Move a threshold to see which signals it raises; narrow the list to a channel, region "
        "or partner tier. The other thresholds stay as set in the notebook."
    )
    labels: ClassVar[Mapping[str, str]] = {
        "partner_sales_change": "Partner's own sales change (|change|)",
        "our_sales_change": "Our sales through the partner change (|change|)",
        "lost_customer_share": "Lost customer's share of revenue",
        "win_loss_amount": "Win/loss interview deal amount",
        "min_revenue_at_stake": "Materiality minimum (revenue at stake)",
        "channel": "Channel",
        "region": "Region",
        "tier": "Tier",
    }
    groups: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (
        ("Thresholds", SIGNAL_THRESHOLDS),
        ("Filters", ("channel", "region", "tier")),
    )
    notebook = "05_performance_signals.ipynb"

    def parameter_values(self) -> dict[str, Any]:
        """Notebook 05's thresholds (the filters are no parameter there)."""
        v = self.values()
        return {n: float(v[n]) for n in SIGNAL_THRESHOLDS}

    def __init__(
        self,
        wb: Workbook,
        thresholds: SignalThresholds | None = None,
        *,
        wait: float = DEFAULT_WAIT,
    ) -> None:
        self.wb = wb
        self.thresholds = thresholds if thresholds is not None else wb.dataset.goals.signals
        self._base: SignalCandidates | None = None
        self._volatility: pd.DataFrame | None = None
        self._partners: pd.DataFrame | None = None
        super().__init__(wait=wait)

    def initial_values(self) -> Mapping[str, Any]:
        values: dict[str, Any] = {n: getattr(self.thresholds, n) for n in SIGNAL_THRESHOLDS}
        return {**values, "channel": ALL, "region": ALL, "tier": ALL}

    def defaults(self) -> pd.DataFrame:
        """The controls and their starting values, shares as percentages and amounts in currency.

        Examples
        --------
        >>> from channel_lib.data.workbook import open_workbook
        >>> d = SignalExplorer(open_workbook("tests/data/tiny", plans_dir="/tmp/plans")).defaults()
        >>> d["value"].tolist()[:4]
        ['20%', '20%', '1%', '300,000 USD']
        """
        currency = self.wb.dataset.goals.currency
        out = super().defaults()
        for i, (name, value) in enumerate(self.initial.items()):
            if name in ("partner_sales_change", "our_sales_change", "lost_customer_share"):
                out.loc[i, "value"] = f"{value * 100:.4g}%"
            elif name in ("win_loss_amount", "min_revenue_at_stake"):
                out.loc[i, "value"] = f"{value:,.0f} {currency}"
        return out

    # -- controls ---------------------------------------------------------------------------------
    def build_controls(self) -> dict[str, Any]:
        v = self.initial

        def share(name: str, top: float, step: float, fmt: str):
            return slider(self.labels[name], value=v[name], min=0.0,
                          max=max(top, float(v[name])), step=step, readout_format=fmt)  # fmt: skip

        def money(name: str, top: float, step: float):
            return slider(self.labels[name], value=float(v[name]), min=0.0,
                          max=max(top, 2.0 * float(v[name])), step=step,
                          readout_format=",.0f")  # fmt: skip

        return {
            "partner_sales_change": share("partner_sales_change", 1.0, 0.01, ".0%"),
            "our_sales_change": share("our_sales_change", 1.0, 0.01, ".0%"),
            "lost_customer_share": share("lost_customer_share", 0.05, 0.001, ".1%"),
            "win_loss_amount": money("win_loss_amount", 1_000_000.0, 10_000.0),
            "min_revenue_at_stake": money("min_revenue_at_stake", 500_000.0, 5_000.0),
            **partner_filter_controls(self.wb, self.partners(), v),
        }

    # -- computing ---------------------------------------------------------------------------------
    def partners(self) -> pd.DataFrame:
        """``partners.csv``'s id, name, channel, region and tier (strings), read once."""
        if self._partners is None:
            self._partners = partner_attributes(self.wb)
        return self._partners

    def base(self) -> SignalCandidates:
        """The quarter's signal candidates, computed once (see Notes of the class).

        Returns
        -------
        channel_lib.analysis.signals.SignalCandidates
            From :func:`channel_lib.analysis.signals.signal_candidates` at the explorer's
            thresholds.
        """
        if self._base is None:
            from channel_lib.analysis import signals

            ds, q = self.wb.dataset, self.wb.quarter
            self._base = signals.signal_candidates(ds, q, self.thresholds)
        return self._base

    def volatility(self) -> pd.DataFrame:
        """Each partner's own volatility (:func:`channel_lib.analysis.signals.partner_volatility`),
        computed once: the triage's unusual flag reads it at every slider move."""
        if self._volatility is None:
            from channel_lib.analysis import signals

            self._volatility = signals.partner_volatility(self.wb.dataset, self.wb.quarter)
        return self._volatility

    def warnings_at(self, thresholds: SignalThresholds) -> pd.DataFrame:
        """Every early warning of the quarter at ``thresholds``, from the cached candidates.

        Equal to ``signals.early_warnings(ds, quarter, thresholds=thresholds)`` when the fixed
        thresholds (CSAT, response time, dependency share, windows) are the explorer's
        (:func:`channel_lib.analysis.signals.warnings_at`).

        Parameters
        ----------
        thresholds : SignalThresholds

        Returns
        -------
        DataFrame
            :data:`channel_lib.analysis.signals.SIGNAL_COLUMNS`, largest revenue at stake first.
        """
        from channel_lib.analysis import signals

        moved = signals.moved_fixed_thresholds(self.base(), thresholds)
        if moved:
            raise ParameterError(
                f"the explorer computed its signals with fixed {', '.join(moved)}; build a new "
                "SignalExplorer with those thresholds"
            )
        return signals.warnings_at(self.base(), thresholds)

    def _with_partner(self, frame: pd.DataFrame) -> pd.DataFrame:
        attrs = self.partners().set_index("partner_id")
        out = frame.copy()
        ids = out["partner_id"].astype("string")
        out["region"] = ids.map(attrs["region"]).astype("string")
        out["tier"] = ids.map(attrs["tier"]).astype("string")
        return out

    def compute(
        self,
        *,
        partner_sales_change: float | None = None,
        our_sales_change: float | None = None,
        lost_customer_share: float | None = None,
        win_loss_amount: float | None = None,
        min_revenue_at_stake: float | None = None,
        channel: str = ALL,
        region: str = ALL,
        tier: str = ALL,
    ) -> SignalResult:
        """The signals and win/loss deals at these thresholds, narrowed by the filters.

        Parameters
        ----------
        partner_sales_change, our_sales_change : float, optional
            |change| (fraction, 0.2 = 20 %) at or above which a partner is flagged.
        lost_customer_share : float, optional
            Share of company revenue (fraction) at or above which a lost customer is flagged.
        win_loss_amount : float, optional
            Deal amount (currency) at or above which a won or lost deal is listed.
        min_revenue_at_stake : float, optional
            Materiality minimum (currency).

        A threshold left out (``None``) keeps the explorer's (:attr:`thresholds`).
        channel, region, tier : str
            Values of ``channel_id`` and of the partner's region and tier, or ``(all)``.

        Returns
        -------
        SignalResult

        Raises
        ------
        ParameterError
            For a negative threshold or an unknown channel, region or tier.
        """
        from channel_lib.analysis import signals

        given = {"partner_sales_change": partner_sales_change, "our_sales_change": our_sales_change,
                 "lost_customer_share": lost_customer_share, "win_loss_amount": win_loss_amount,
                 "min_revenue_at_stake": min_revenue_at_stake}  # fmt: skip
        moved = {name: value for name, value in given.items() if value is not None}
        th = signals.resolve_thresholds(
            self.wb.dataset, **{**dataclasses.asdict(self.thresholds), **moved}
        )
        filters = partner_filters(self.wb, self.partners(), channel, region, tier)
        warnings_all = keep(self._with_partner(self.warnings_at(th)), filters)
        warnings_all = warnings_all.reset_index(drop=True)
        material = signals.material(
            warnings_all, min_revenue_at_stake=th.min_revenue_at_stake, money=self.wb.dataset.money
        )
        deals = signals.win_loss_deals(
            self.wb.dataset, self.wb.quarter, threshold=th.win_loss_amount
        )
        deals = keep(self._with_partner(deals), filters).reset_index(drop=True)
        # the notebook's triage, on the same rows (one home for kind, severity and ranking)
        triaged = self._with_partner(signals.triage(warnings_all, volatility=self.volatility()))
        short = signals.short_list(
            triaged, min_revenue_at_stake=th.min_revenue_at_stake, money=self.wb.dataset.money
        )
        return SignalResult(th, warnings_all, material, deals, filters, triaged, short)

    def render(self, result: SignalResult) -> list[Any]:
        from channel_lib.presentation.pages import performance_signals as page

        th, q = result.thresholds, self.wb.quarter
        currency = self.wb.dataset.goals.currency
        head = page.explorer_summary(
            result.warnings, result.material, result.deals, th, currency, q
        )
        chart = page.short_list_chart(self.wb, result.short)
        signal_table = page.short_list_table(
            result.short, th, currency, columns=page.EXPLORER_SHORT_LIST_COLUMNS, dashes=True
        )
        deal_table = page.deals_table(
            result.deals, th, currency, q, columns=page.EXPLORER_DEAL_COLUMNS
        )
        return [head, chart, signal_table, page.more_line(result.short), deal_table]
