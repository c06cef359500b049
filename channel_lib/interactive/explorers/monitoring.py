"""Explorers of the monitoring notebooks: alignment (01), trends (04), signals (05), partners (06).

Each explorer re-runs the analysis of its notebook for the values of a few controls and redraws
the notebook's main chart and table (see :class:`~channel_lib.interactive.explorers.core.Explorer` for the
contract: :meth:`compute` is pure and unit-tested, :meth:`render` returns what is drawn):

- :class:`AlignmentExplorer` — quarter and channel → the alignment heatmap and score table of the
  fiscal year up to that quarter (:mod:`channel_lib.analysis.alignment`);
- :class:`TrendExplorer` — channel and measure (revenue, gross profit, gross margin) → the
  quarterly trend of that measure (:mod:`channel_lib.analysis.trends`);
- :class:`SignalExplorer` — the early-warning thresholds, the materiality minimum and
  channel / region / tier filters → the material signals (chart and table) and the win/loss
  interview list (:mod:`channel_lib.analysis.signals`);
- :class:`PartnerExplorer` — channel / region / tier filters narrowing a partner picker → the
  chosen partner's scorecard row and revenue by quarter (:mod:`channel_lib.analysis.partner_review`).

Nothing here runs an analysis before an explorer is first computed: in a papermill batch
:meth:`~channel_lib.interactive.explorers.core.Explorer.show` only shows the defaults, and the constructors
touch no data beyond the partner table (:class:`PartnerExplorer` without a partner id). The
analysis modules are imported inside the methods, so ``from channel_lib import widgets`` stays
cheap for the partner packs.

Region and tier are those of ``partners.csv``. A row that names no partner (a channel-level
signal, a direct customer) has neither, so it is left out as soon as a region or tier is chosen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.interactive.explorers.core import (
    ALL,
    DEFAULT_WAIT,
    Explorer,
    choice_filter,
    keep,
    quarter_selector,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.analysis.alignment import Settings
    from channel_lib.data.goals import SignalThresholds
    from channel_lib.data.workbook import Workbook

__all__ = [
    "AlignmentExplorer",
    "AlignmentResult",
    "PartnerExplorer",
    "PartnerResult",
    "SignalExplorer",
    "SignalResult",
    "TrendExplorer",
    "TrendResult",
]


def _check_choice(name: str, value: Any, allowed: list[str], what: str) -> None:
    """Raise :class:`ParameterError` when ``value`` is neither ``(all)`` nor one of ``allowed``."""
    if value in (None, ALL) or str(value) in allowed:
        return
    shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
    raise ParameterError(
        f"{name}={value!r} is not a {what} of this dataset; use {ALL!r} or one of: {shown}"
    )


def _partner_attributes(wb: Workbook) -> pd.DataFrame:
    """``partner_id``, ``partner_name``, ``channel_id``, ``region``, ``tier`` (strings) of
    ``partners.csv``; empty when the dataset has none (direct sales only)."""
    from channel_lib.analysis import signals

    cols = ["partner_id", "partner_name", "channel_id", "region", "tier"]
    return signals.partner_table(wb.dataset)[cols].astype("string")


def _choices(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in frame[column].dropna()})


def _partner_filters(
    wb: Workbook, partners: pd.DataFrame, channel: str, region: str, tier: str
) -> dict[str, str]:
    """The channel / region / tier filters for :func:`.core.keep`, each checked against the
    dataset (``(all)`` or one of its values; :class:`ParameterError` otherwise)."""
    _check_choice("channel", channel, wb.channel_ids, "channel")
    _check_choice("region", region, _choices(partners, "region"), "partner region")
    _check_choice("tier", tier, _choices(partners, "tier"), "partner tier")
    return {"channel_id": channel, "region": region, "tier": tier}


def _partner_filter_controls(
    wb: Workbook, partners: pd.DataFrame, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The channel, region and tier pickers, starting at ``values``."""
    return {
        "channel": choice_filter("Channel", wb.channel_ids, value=values["channel"]),
        "region": choice_filter("Region", partners["region"], value=values["region"]),
        "tier": choice_filter("Tier", partners["tier"], value=values["tier"]),
    }


# -- 01 alignment ----------------------------------------------------------------------------------
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
        """The quarters that can be chosen: those of the years with goals, up to the reporting one.

        Examples
        --------
        >>> from channel_lib.data.workbook import open_workbook
        >>> AlignmentExplorer(open_workbook("tests/data/tiny", plans_dir="/tmp/plans")).quarters()[0]
        'FY2025-Q1'
        """
        from channel_lib.analysis.alignment import available_years

        years = set(available_years(self.wb))
        cal = self.wb.dataset.calendar
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
        _check_choice("channel", channel, self.wb.channel_ids, "channel")
        settings, breakdown = self._year_to(quarter)
        chosen = keep(breakdown, {"channel_id": channel}).reset_index(drop=True)
        scores = alignment_scores(breakdown)
        scores = keep(scores, {"channel_id": channel}).reset_index(drop=True)
        return AlignmentResult(quarter, settings, chosen, scores, channel)

    def render(self, result: AlignmentResult) -> list[Any]:
        from channel_lib.presentation import charts, html

        s = result.settings
        what = "every channel" if result.channel == ALL else f"channel {result.channel}"
        head = html.markdown(
            "Fiscal year **{y}**, quarters {first} to {last} against the same quarters a year "
            "before; {what}.",
            y=s.year, first=s.quarters[0], last=s.quarters[-1], what=what,
        )  # fmt: skip
        if result.breakdown.empty:
            return [head, html.markdown("No sales of {what} in this window.", what=what)]
        title = f"Alignment with the {s.year} goals up to {result.quarter}: score by dimension"
        chart = charts.alignment_heatmap(
            result.breakdown, channel_ids=self.wb.channel_ids, title=title
        )
        caption = f"Alignment score, {s.year} up to {result.quarter} (0-100, lowest first)"
        formats = {"score": "{:.0f}", "weakest_points_lost": "{:.1f}"}
        return [head, chart, html.table(result.scores, formats=formats, caption=caption)]


# -- 04 trends ---------------------------------------------------------------------------------------
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
        _check_choice("channel", channel, self.wb.channel_ids, "channel")
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


# -- 05 signals ---------------------------------------------------------------------------------------
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
            **_partner_filter_controls(self.wb, self.partners(), v),
        }

    # -- computing ---------------------------------------------------------------------------------
    def partners(self) -> pd.DataFrame:
        """``partners.csv``'s id, name, channel, region and tier (strings), read once."""
        if self._partners is None:
            self._partners = _partner_attributes(self.wb)
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
        filters = _partner_filters(self.wb, self.partners(), channel, region, tier)
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


# -- 06 partner review -------------------------------------------------------------------------------
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
            self._partners = _partner_attributes(self.wb)
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
        filters = _partner_filters(self.wb, partners, channel, region, tier)
        return keep(partners, filters).reset_index(drop=True)

    def build_controls(self) -> dict[str, Any]:
        import ipywidgets as w

        v, partners = self.initial, self.partners()
        controls = {
            **_partner_filter_controls(self.wb, partners, v),
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
        from channel_lib.analysis import scorecard
        from channel_lib.presentation import charts, html

        if result.partner_id is None:
            return [html.markdown("No partner matches these filters.")]
        p = result.partners.set_index("partner_id").loc[result.partner_id]
        head = html.markdown(
            "**{name}** ({pid}): channel {channel}, region {region}, tier {tier}; "
            "{n} partners match the filters.",
            name=p["partner_name"], pid=result.partner_id, channel=p["channel_id"],
            region=_or_none(p["region"]), tier=_or_none(p["tier"]), n=str(len(result.partners)),
        )  # fmt: skip
        columns = ["light", "light_basis", "revenue", "gross_profit", "gross_margin",
                   "revenue_target", "revenue_attainment", "revenue_vs_last_year",
                   "deals_registered", "pipeline", "share_of_wallet"]  # fmt: skip
        if result.card.empty:
            card = html.markdown(
                "No scorecard row in {q}: no sales this quarter or a year before, and no target.",
                q=self.wb.quarter,
            )
        else:
            card = html.table(
                result.card[columns], formats=scorecard.display_formats(columns),
                caption=f"Scorecard of {result.partner_id}, {self.wb.quarter}",
            )  # fmt: skip
        chart = charts.partner_performance(
            result.performance, channel_ids=self.wb.channel_ids, channel_id=str(p["channel_id"]),
            title=f"Revenue through {result.partner_id} by quarter, with its target",
            currency=self.wb.dataset.goals.currency,
        )  # fmt: skip
        return [head, card, chart]


def _dash(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else str(value)


def _dashes(columns: list[str]) -> dict[str, Any]:
    """Formatters showing a missing id, name, region or tier as ``–`` (not ``<NA>``)."""
    return {c: _dash for c in columns if c != "revenue_at_stake" and c != "amount"}


def _or_none(value: Any) -> str:
    return "none" if value is None or pd.isna(value) else str(value)


def _picker_options(partners: pd.DataFrame) -> list[tuple[str, str]]:
    """``(label, partner_id)`` pairs for the partner dropdown, e.g. ``("P2 · Beta Supply", "P2")``."""
    return [
        (f"{pid} · {name}", str(pid))
        for pid, name in zip(partners["partner_id"], partners["partner_name"], strict=True)
    ]
