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
from channel_lib.interactive.explorers.core import DEFAULT_WAIT, Explorer
from channel_lib.interactive.explorers.filters import (
    ALL,
    keep,
    partner_attributes,
    partner_filter_controls,
    partner_filters,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
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
    slider. The first :meth:`compute` runs the three threshold-dependent signals once with a
    threshold of 0 (every candidate, with its value) and the four others at their fixed
    thresholds; a slider move then only keeps the candidates whose value meets the threshold
    (``>=``, as the signal functions do) and ranks the rows as ``early_warnings`` does. The tests
    check the result equals ``early_warnings(ds, quarter, thresholds=...)`` for several values.
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

    def __init__(
        self,
        wb: Workbook,
        thresholds: SignalThresholds | None = None,
        *,
        wait: float = DEFAULT_WAIT,
    ) -> None:
        self.wb = wb
        self.thresholds = thresholds if thresholds is not None else wb.dataset.goals.signals
        self._base: dict[str, Any] | None = None
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
        import ipywidgets as w

        v = self.initial
        style = {"description_width": "initial"}
        layout = w.Layout(width="420px")

        def share(name: str, top: float, step: float, fmt: str):
            return w.FloatSlider(
                value=v[name], min=0.0, max=max(top, float(v[name])), step=step,
                description=self.labels[name], readout_format=fmt, style=style, layout=layout,
            )  # fmt: skip

        def money(name: str, top: float, step: float):
            return w.FloatSlider(
                value=float(v[name]), min=0.0, max=max(top, 2.0 * float(v[name])), step=step,
                description=self.labels[name], readout_format=",.0f", style=style, layout=layout,
            )  # fmt: skip

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

    def base(self) -> dict[str, Any]:
        """The quarter's signal candidates, computed once (see Notes of the class).

        Returns
        -------
        dict
            ``partner_total_sales_change``, ``our_sales_change`` and ``lost_customer``: the
            signal's rows at a threshold of 0 (every judged candidate, ``value`` its change or
            share); ``fixed``: the frames of the other signals at the explorer's thresholds, in
            :func:`channel_lib.analysis.signals.early_warnings` order; ``lost_total_cents``: company
            revenue of the lost-customer base year in cents (``None`` without candidates).
        """
        if self._base is None:
            from channel_lib.analysis import signals

            ds, q, th = self.wb.dataset, self.wb.quarter, self.thresholds
            lost = signals.lost_customer(
                ds, q, share=0.0, window_quarters=th.lost_customer_window_quarters
            )
            positive = lost[lost["value"] > 0]
            total = (
                round(float(positive["revenue_at_stake_cents"].iloc[0]) / positive["value"].iloc[0])
                if len(positive)
                else None
            )
            fixed = [
                signals.line_card_change(ds, q),
                signals.key_talent_loss(ds, q, quarters=th.key_talent_quarters),
                signals.service_metrics(ds, q, csat_min=th.csat_min,
                                        first_response_hours_max=th.first_response_hours_max),
                signals.channel_dependency(ds, q, share=th.dependency_share),
            ]  # fmt: skip
            self._base = {
                "partner_total_sales_change": signals.partner_total_sales_change(
                    ds, q, threshold=0.0
                ),
                "our_sales_change": signals.our_sales_change(ds, q, threshold=0.0),
                "lost_customer": lost,
                "lost_total_cents": total,
                "fixed": fixed,
            }
        return self._base

    def warnings_at(self, thresholds: SignalThresholds) -> pd.DataFrame:
        """Every early warning of the quarter at ``thresholds``, from the cached candidates.

        Equal to ``signals.early_warnings(ds, quarter, thresholds=thresholds)`` when the fixed
        thresholds (CSAT, response time, dependency share, windows) are the explorer's.

        Parameters
        ----------
        thresholds : SignalThresholds

        Returns
        -------
        DataFrame
            :data:`channel_lib.analysis.signals.SIGNAL_COLUMNS`, largest revenue at stake first.
        """
        from channel_lib.analysis import signals

        fixed = ("csat_min", "first_response_hours_max", "dependency_share",
                 "lost_customer_window_quarters", "key_talent_quarters")  # fmt: skip
        moved = [f for f in fixed if getattr(thresholds, f) != getattr(self.thresholds, f)]
        if moved:
            raise ParameterError(
                f"the explorer computed its signals with fixed {', '.join(moved)}; build a new "
                "SignalExplorer with those thresholds"
            )
        b = self.base()
        frames = [
            _meets(b["partner_total_sales_change"], abs_value=True,
                   threshold=float(thresholds.partner_sales_change)),
            _meets(b["our_sales_change"], abs_value=True,
                   threshold=float(thresholds.our_sales_change)),
            _lost_meets(b["lost_customer"], b["lost_total_cents"],
                        float(thresholds.lost_customer_share)),
            *b["fixed"],
        ]  # fmt: skip
        return signals.stack_signals(frames)  # as early_warnings stacks and ranks its frames

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
        material = signals.material(warnings_all, min_revenue_at_stake=th.min_revenue_at_stake)
        deals = signals.win_loss_deals(
            self.wb.dataset, self.wb.quarter, threshold=th.win_loss_amount
        )
        deals = keep(self._with_partner(deals), filters).reset_index(drop=True)
        return SignalResult(th, warnings_all, material, deals, filters)

    def render(self, result: SignalResult) -> list[Any]:
        from channel_lib.analysis import scorecard
        from channel_lib.presentation import charts, html

        th, q = result.thresholds, self.wb.quarter
        currency = self.wb.dataset.goals.currency
        head = html.markdown(
            "{n} signals at these thresholds, {m} of them with {minimum} {currency} or more at "
            "stake; {d} deals of {amount} {currency} or more closed in {q}.",
            n=str(len(result.warnings)), m=str(len(result.material)),
            minimum=f"{th.min_revenue_at_stake:,.0f}", currency=currency,
            d=str(len(result.deals)), amount=f"{th.win_loss_amount:,.0f}", q=q,
        )  # fmt: skip
        chart = charts.signals_by_exposure(
            result.material, channel_ids=self.wb.channel_ids,
            title=f"Early warnings by revenue at stake, {q}",
        )  # fmt: skip
        columns = ["signal", "entity_type", "entity_id", "entity_name", "channel_id",
                   "partner_id", "region", "tier", "evidence", "since", "revenue_at_stake"]  # fmt: skip
        fmt = scorecard.display_formats
        signal_table = html.table(
            result.material[columns], formats={**_dashes(columns), **fmt(columns)},
            caption=f"Signals at or above {th.min_revenue_at_stake:,.0f} {currency} at stake",
            max_rows=60,
        )  # fmt: skip
        deal_columns = ["opportunity_id", "partner_id", "partner_name", "channel_id",
                        "customer_name", "outcome", "amount", "close_date", "reason"]  # fmt: skip
        deal_table = html.table(
            result.deals[deal_columns], formats={**_dashes(deal_columns), **fmt(deal_columns)},
            caption=f"Deals of {th.win_loss_amount:,.0f} {currency} or more closed in {q}",
        )  # fmt: skip
        return [head, chart, signal_table, deal_table]


def _meets(frame: pd.DataFrame, *, abs_value: bool, threshold: float) -> pd.DataFrame:
    """Rows whose ``value`` (its magnitude) is at least ``threshold``, stamped with it."""
    value = frame["value"].abs() if abs_value else frame["value"]
    out = frame[value >= threshold].copy()
    out["threshold"] = threshold
    return out


def _lost_meets(frame: pd.DataFrame, total_cents: int | None, share: float) -> pd.DataFrame:
    """Lost-customer candidates worth ``share`` of company revenue, compared as
    :func:`channel_lib.analysis.signals.lost_customer` compares them (``cents >= share * total``, doubles)."""
    if frame.empty or total_cents is None:
        # no candidate, or only candidates worth 0 cents (kept only by a share of 0)
        return frame if share <= 0 else frame.iloc[0:0]
    cents = frame["revenue_at_stake_cents"].astype("float64")
    out = frame[cents >= share * float(total_cents)].copy()
    out["threshold"] = share
    return out


def _dash(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else str(value)


def _dashes(columns: list[str]) -> dict[str, Any]:
    """Formatters showing a missing id, name, region or tier as ``–`` (not ``<NA>``)."""
    return {c: _dash for c in columns if c != "revenue_at_stake" and c != "amount"}
