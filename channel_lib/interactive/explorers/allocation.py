"""The allocation explorer of notebook 03: budget and limits → the budget re-split live.

:class:`AllocationExplorer` — move the monthly budget and the limits (maximum change against last
quarter, minimum and maximum share per channel); the budget is re-split over the channels with the
response curves fitted once, with the expected response and its 95% interval.
:meth:`AllocationExplorer.save` writes the split to ``plans/investment.csv``.

Everything expensive is computed once, on first use, so moving a control only re-weights or
re-runs the allocator; in batch mode (papermill) nothing is computed at all: the report shows the
controls' defaults (:meth:`channel_lib.interactive.explorers.core.Explorer.show`).

Tables show whole currency units that add up exactly to their Total row
(:func:`channel_lib.interactive.explorers.core.whole_units`); they carry the CSS class
``cw-table`` and a caption naming them ("targets", "allocation"), which the browser tests read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from channel_lib.analysis import investment
from channel_lib.core.errors import ParameterError
from channel_lib.data.workbook import Workbook
from channel_lib.interactive.explorers.controls import slider
from channel_lib.interactive.explorers.core import (
    DEFAULT_WAIT,
    Explorer,
    complete_values,
    whole_units,
)
from channel_lib.interactive.explorers.saving import plans_folder
from channel_lib.plans.investment_split import INVESTMENT_FILE, investment_path, write_split
from channel_lib.presentation.pages import investment_allocation as page

__all__ = [
    "INVESTMENT_FILE",
    "AllocationExplorer",
    "AllocationResult",
    "budget_slider_range",
    "nice_step",
]


def _held_outside_shares(
    alloc: pd.DataFrame, pool: float, min_share: float, max_share: float
) -> list[str]:
    """Sentences for held channels whose spend lies outside the share limits.

    :func:`channel_lib.analysis.investment.allocate` keeps a held channel (``at_bound == "fixed"``) at
    its spend even where the share limits would ask otherwise; the explorer says so rather than
    show a split that seems to break its own limits.
    """
    if pool <= 0:
        return []
    out = []
    for c, spend, at in alloc[["channel_id", "spend", "at_bound"]].itertuples(index=False):
        share = float(spend) / pool
        if at == "fixed" and not (min_share - 1e-9 <= share <= max_share + 1e-9):
            out.append(
                f"{c} is held at {float(spend):,.0f} per month, {share:.1%} of the allocated "
                f"budget, outside the {min_share:.0%}–{max_share:.0%} share limits: a held "
                "channel (no measurable response, or a maximum change of 0) keeps its spend."
            )
    return out


def nice_step(amount: float) -> float:
    """The largest 1, 2 or 5 × 10ᵏ not above ``amount`` (a slider step people can read).

    Examples
    --------
    >>> nice_step(6734.2), nice_step(0.031), nice_step(100)
    (5000.0, 0.02, 100.0)
    """
    if not (math.isfinite(amount) and amount > 0):
        return 1.0
    exp = math.floor(math.log10(amount))
    for m in (5, 2, 1):
        step = m * 10.0**exp
        if step <= amount * (1 + 1e-12):
            return float(round(step, max(0, -exp)))
    return float(10.0**exp)  # pragma: no cover


def budget_slider_range(current: float) -> tuple[float, float, float, float]:
    """``(min, max, step, value)`` of the budget slider for a current monthly spend.

    From about half to twice the current spend, in steps of a nice number near 1% of it
    (:func:`nice_step`); the start value is the current spend rounded to the step.

    Examples
    --------
    >>> budget_slider_range(673_424.56)
    (335000.0, 1350000.0, 5000.0, 675000.0)
    """
    if not (math.isfinite(current) and current > 0):
        return (0.0, 1000.0, 10.0, 0.0)
    step = nice_step(current / 100)
    low = math.floor(0.5 * current / step) * step
    high = math.ceil(2.0 * current / step) * step
    value = min(max(round(current / step) * step, low), high)
    return (float(low), float(high), float(step), float(value))


@dataclass
class AllocationResult:
    """What :meth:`AllocationExplorer.compute` returns.

    Attributes
    ----------
    budget : float
        Monthly lever budget (currency).
    allocation : DataFrame
        One row per channel with lever spend: ``channel_id``, ``current_spend``,
        ``recommended_spend`` (currency per month; sums to ``budget``), ``change``,
        ``expected_response``, ``response_low``, ``response_high`` (95%, per month; missing for
        channels without a measurable response), ``marginal_return`` (per unit of spend at the
        recommended spend), ``at_limit`` (``lower``/``upper``/``fixed``/``""``), ``note``.
        Also ``spend`` and ``at_bound`` (the :func:`channel_lib.analysis.investment.allocate` names,
        for the chart).
    total_response, total_low, total_high : float
        Expected response of the measured channels per month and its 95% interval.
    metric : str
        ``revenue`` or ``gross_profit``.
    message : str
        Why no allocation could be made (infeasible limits); empty when it could.
    notes : list of str
        Caveats of a split that was made: a held channel (no measurable response, or
        ``max_change=0``) keeps its spend even where that lies outside the share limits.
    unplaced : float
        Budget no channel takes at a return of at least one unit (currency per month): the
        break-even cap ``max(today, break-even)`` of every measured channel is reached; the
        recommended spends sum to ``budget - unplaced``.
    """

    budget: float
    allocation: pd.DataFrame = field(default_factory=pd.DataFrame)
    total_response: float = math.nan
    total_low: float = math.nan
    total_high: float = math.nan
    metric: str = "revenue"
    message: str = ""
    notes: list[str] = field(default_factory=list)
    unplaced: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether an allocation was made (``False``: see :attr:`message`)."""
        return not self.message

    def display_table(self) -> pd.DataFrame:
        """The split in whole currency units with a Total row; the shown recommended spends add
        up exactly to the shown budget (and current spends and expected responses to theirs)."""
        a = self.allocation
        cur = whole_units(a["current_spend"], float(a["current_spend"].sum()))
        rec = whole_units(a["recommended_spend"], self.budget)
        measured = a["expected_response"].notna().to_numpy()
        resp = np.full(len(a), np.nan)
        if measured.any():
            resp[measured] = whole_units(a.loc[measured, "expected_response"], self.total_response)
        shown = pd.DataFrame(
            {
                "channel_id": a["channel_id"].astype(str),
                "current_spend": cur,
                "recommended_spend": rec,
                "change": rec - cur,
                "expected_response": resp,
                "marginal_return": a["marginal_return"].astype(float),
                "at_limit": a["at_limit"].astype(str),
                "note": a["note"].astype(str),
            }
        )
        total = {
            "channel_id": "Total",
            "current_spend": int(cur.sum()),
            "recommended_spend": int(rec.sum()),
            "change": int(rec.sum() - cur.sum()),
            "expected_response": float(np.nansum(resp)) if measured.any() else math.nan,
            "marginal_return": math.nan,
            "at_limit": "",
            "note": (
                f"measured channels, 95% interval {self.total_low:,.0f} – {self.total_high:,.0f}"
                if measured.any()
                else ""
            ),
        }
        return pd.concat([shown, pd.DataFrame([total])], ignore_index=True)


class AllocationExplorer(Explorer):
    """Monthly budget and allocation limits, re-splitting the budget over the channels live.

    Parameters
    ----------
    wb : Workbook
    objective : {"goals", "revenue", "gross_profit"}
        What the curves predict (:func:`channel_lib.analysis.investment.objective_metric`).
    limits : mapping, optional
        Starting ``min_share``, ``max_share``, ``max_change``
        (:data:`channel_lib.analysis.investment.DEFAULT_LIMITS`).
    budget : float or "current", optional
        Starting monthly budget (currency); ``None``/``"current"``: the reporting quarter's
        monthly lever spend, rounded to the slider's step.
    plan : InvestmentPlan, optional
        The notebook's :func:`channel_lib.analysis.investment.investment_plan` result: its fitted curves
        and lever spend are reused instead of fitted again.
    wait : float
        Debounce quiet time in seconds.

    Notes
    -----
    The response curves are fitted once (on first use; never in batch mode). A control change
    runs :func:`channel_lib.analysis.investment.allocate` only, after the budget rules that
    :func:`channel_lib.analysis.investment.investment_plan` applies too
    (:func:`channel_lib.analysis.investment.allocation_budget`): spend on channels without a curve is
    kept as it is and the rest of the budget is allocated; channels without a measurable response
    are held at last quarter's spend scaled to the budget, and the change limit is taken against
    last quarter's split scaled to it.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2025-Q4", "/tmp/cw-doctest-plans")
    >>> x = AllocationExplorer(wb)
    >>> sorted(x.initial)
    ['budget', 'max_change', 'max_share', 'min_share']
    """

    title = "Explore the allocation"
    intro = (
        "Move the monthly budget and the limits: the budget is split again over the channels to "
        "maximise the expected response, within the limits."
    )
    labels: Mapping[str, str] = {
        "budget": "Budget per month",
        "max_change": "Max change vs last quarter",
        "min_share": "Min share per channel",
        "max_share": "Max share per channel",
    }
    groups: Sequence[tuple[str, Sequence[str]]] = (
        ("Budget", ("budget",)),
        ("Limits", ("max_change", "min_share", "max_share")),
    )
    notebook = "03_investment_allocation.ipynb"

    def parameter_values(self) -> dict[str, Any]:
        """Notebook 03's ``budget``, ``limits`` and ``objective`` for the current values."""
        v = self.values()
        limits = {k: float(v[k]) for k in ("min_share", "max_share", "max_change")}
        return {"budget": float(v["budget"]), "limits": limits, "objective": self.objective}

    def __init__(
        self,
        wb: Workbook,
        *,
        objective: str = "goals",
        limits: Mapping[str, float] | None = None,
        budget: float | str | None = None,
        plan: investment.InvestmentPlan | None = None,
        wait: float = DEFAULT_WAIT,
    ) -> None:
        self.wb = wb
        if budget == "current":
            budget = None
        self.limits = investment.validate_parameters(
            "current" if budget is None else budget, limits, [1.0], objective
        )
        self.objective = objective
        self.metric, _ = investment.objective_metric(wb, objective)
        if plan is not None and plan.fits and plan.metric != self.metric:
            raise ParameterError(
                f"plan's curves predict {plan.metric} but objective={objective!r} asks for "
                f"{self.metric}; pass the plan made with the same objective, or none"
            )
        self._plan = plan if plan is not None and plan.fits else None
        self.spend = self._plan.spend if self._plan is not None else self._lever_spend()
        self.current = investment.monthly_spend_in_quarter(self.spend, wb.quarter)
        self.current_total = float(sum(self.current.values()))
        self._budget = budget
        self.currency = wb.dataset.goals.currency
        self.labels = {**type(self).labels, "budget": f"Budget per month ({self.currency})"}
        super().__init__(wait=wait)

    def _lever_spend(self) -> pd.DataFrame:
        if not self.wb.dataset.has("channel_costs"):
            return pd.DataFrame(columns=["period", "month", "quarter", "channel_id", "spend"])
        confounded = investment.revenue_driven_costs(self.wb)
        return investment.lever_spend(self.wb, exclude=confounded)

    @cached_property
    def fits(self) -> dict[str, investment.ResponseFit]:
        """The response curves, channel → :class:`channel_lib.analysis.investment.ResponseFit` (fitted
        once; reused from the plan when one was passed)."""
        if self._plan is not None:
            return dict(self._plan.fits)
        if self.spend.empty:
            return {}
        fits, _ = investment.fit_channels(self.spend, metric=self.metric)
        return fits

    @cached_property
    def decision(self) -> pd.DataFrame:
        """Each curve's spend decision (:func:`channel_lib.analysis.investment.spend_decision`)
        at today's spend: the break-even spends that cap every split. It does not depend on the
        controls, so it is made once (taken from the plan when one was passed)."""
        if self._plan is not None:
            return self._plan.decision
        today = {c: float(self.current.get(c, 0.0)) for c in self.fits}
        return investment.spend_decision(self.fits, today, metric=self.metric)

    # -- Explorer -----------------------------------------------------------------------------------
    def slider_range(self) -> tuple[float, float, float, float]:
        """``(min, max, step, start)`` of the budget slider (:func:`budget_slider_range`)."""
        low, high, step, value = budget_slider_range(self.current_total)
        if self._budget is not None:
            value = float(self._budget)
            low, high = min(low, value), max(high, value)
        return low, high, step, value

    def initial_values(self) -> dict[str, Any]:
        return {
            "budget": self.slider_range()[3],
            "max_change": self.limits["max_change"],
            "min_share": self.limits["min_share"],
            "max_share": self.limits["max_share"],
        }

    def build_controls(self) -> dict[str, Any]:
        low, high, step, value = self.slider_range()
        lab, ini = self.labels, self.initial
        return {
            "budget": slider(lab["budget"], value=value, min=low, max=high, step=step,
                             readout_format=",.0f"),
            "max_change": slider(lab["max_change"], value=ini["max_change"], min=0.0, max=1.0,
                                 step=0.05, readout_format=".0%"),
            "min_share": slider(lab["min_share"], value=ini["min_share"], min=0.0, max=0.5,
                                step=0.01, readout_format=".0%"),
            "max_share": slider(lab["max_share"], value=ini["max_share"], min=0.05, max=1.0,
                                step=0.05, readout_format=".0%"),
        }  # fmt: skip

    def compute(self, **values: Any) -> AllocationResult:
        """The budget split for these values (infeasible limits: a result with a message).

        Parameters
        ----------
        **values
            Any of the controls by name; one left out keeps its current value (the starting
            value before any widget exists):

            - ``budget`` : float — monthly lever budget (currency, ≥ 0);
            - ``max_change`` : float or None — largest change of a channel's spend against last
              quarter's (scaled to the budget), as a fraction (0.3 = 30%); ``None``: no limit;
            - ``min_share``, ``max_share`` : float — each channel's spend within
              [min_share, max_share] × the allocated budget (the budget less the spend kept on
              channels without a response curve).

        Returns
        -------
        AllocationResult

        Raises
        ------
        ParameterError
            For an unknown control.
        """
        v = complete_values(self, values)
        budget, max_change = v["budget"], v["max_change"]
        min_share, max_share = v["min_share"], v["max_share"]
        budget = float(budget)
        fits = self.fits
        if not fits:
            return AllocationResult(
                budget=budget, metric=self.metric,
                message="No channel has a response curve (the allocation needs channel costs "
                f"and at least {investment.MIN_MONTHS} months in which spend varied), so there "
                "is nothing to re-allocate.",
            )  # fmt: skip
        rules = investment.allocation_budget(
            budget, self.current, {c: f.identified for c, f in fits.items()}
        )
        if budget < rules.kept_total:
            return AllocationResult(
                budget=budget, metric=self.metric,
                message=f"A budget of {budget:,.0f} per month is below the {rules.kept_total:,.0f} "
                "kept on channels without a response curve: raise the budget.",
            )  # fmt: skip
        cap = investment.break_even_cap(self.decision, rules)  # no money past break-even
        try:
            alloc = investment.allocate(
                fits, rules.allocated, current=rules.reference, hold=list(rules.held), cap=cap,
                min_share=min_share, max_share=max_share, max_change=max_change,
            )  # fmt: skip
        except ParameterError as exc:
            n = len(fits)
            hint = (
                f" ({n} channels × min share {min_share:.0%} = {n * min_share:.0%} of the budget)"
                if n * min_share > 1
                else ""
            )
            return AllocationResult(
                budget=budget, metric=self.metric,
                message=f"No allocation for these limits{hint}: {exc}.",
            )  # fmt: skip
        measured = list(rules.measured)
        total, low, high = investment.allocation_interval(alloc, fits, only=measured)
        out = investment.split_rows(alloc, fits, rules, channel_order=self.wb.channel_ids)
        unplaced = float(alloc.attrs.get("unplaced", 0.0))
        kept = (
            [f"Keep {unplaced:,.0f} {self.currency} a month: no channel returns break-even on it."]
            if unplaced > 0
            else []
        )
        return AllocationResult(
            budget=budget, allocation=out, total_response=total,
            total_low=low, total_high=high, metric=self.metric, unplaced=unplaced,
            notes=[*rules.messages, *kept,
                   *_held_outside_shares(alloc, rules.allocated, min_share, max_share)],
        )  # fmt: skip

    def render(self, result: AllocationResult) -> list[Any]:
        if not result.ok:
            return [page.explorer_message(result.message)]
        shown = result.display_table()
        cur, metric = self.currency, result.metric
        head = page.explorer_heading(shown, total_low=result.total_low,
                                     total_high=result.total_high, metric=metric, currency=cur)  # fmt: skip
        notes = [page.note(n) for n in result.notes]
        chart = page.allocation_comparison(result.allocation, self.wb.channel_ids, cur)
        return [head, *notes, chart, page.explorer_table(shown, metric=metric, currency=cur)]

    # -- saving -------------------------------------------------------------------------------------
    def save(self, plans_dir: str | Path | None = None) -> str:
        """Write the current budget split to ``<plans>/investment.csv`` (replacing the last one).

        Parameters
        ----------
        plans_dir : str or Path, optional
            The plans folder (default: the workbook's); never the dataset folder.

        Returns
        -------
        str
            One sentence saying what was written where, or why nothing was.

        Notes
        -----
        The file starts with ``#`` comment lines (what it is, the quarter, budget, metric and
        limits, and every column), then a CSV header and one row per channel; amounts are whole
        minor units of the dataset's currency (``ds.money.minor_decimals`` places: cents for
        USD, none for JPY) and the recommended spends add up to the budget exactly. Read it with
        ``pandas.read_csv(path, comment="#")`` or
        :func:`channel_lib.plans.investment_split.read_split`. It is written by
        :func:`channel_lib.plans.investment_split.write_split`, to a temporary file in the same
        folder renamed over the old one (``os.replace``).
        """
        plans = plans_folder(self.wb, plans_dir)
        values = self.values()
        result = self.compute(**values)
        path = investment_path(plans)
        if not result.ok:
            return f"Not written: {result.message} {path} is unchanged."
        existed = path.exists()
        placed = result.budget - result.unplaced  # what is kept is not spread over the channels
        write_split(
            result.allocation, plans, money=self.wb.dataset.money, budget=placed,
            quarter=self.wb.quarter, dataset=self.wb.dataset.folder.name, metric=result.metric,
            limits=values,
        )  # fmt: skip
        kept = (
            f" ({result.unplaced:,.0f} of the {result.budget:,.0f} kept: no channel returns "
            "break-even on it)"
            if result.unplaced > 0
            else ""
        )
        return (
            f"{'Replaced' if existed else 'Wrote'} the budget split of "
            f"{placed:,.0f} {self.currency} per month{kept} over {len(result.allocation)} channels in {path}."
        )
