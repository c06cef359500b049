"""Notebook 03's one call: :func:`investment_plan` runs the lever, the curves, the budget
rules, the allocation, the scenarios and the phasing, and returns an :class:`InvestmentPlan`
(frames and messages; :mod:`channel_lib.presentation.pages.investment_allocation` shows it).
Degenerate input (no ``channel_costs``, zero or constant spend, too little history) becomes
plain messages, never an exception.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from channel_lib.analysis.investment.allocation import (
    AllocationBudget,
    allocate,
    allocation_budget,
    allocation_interval,
    budget_scenarios,
    phase_spend,
)
from channel_lib.analysis.investment.curves import curve_points, curve_table, fit_channels
from channel_lib.analysis.investment.decision import spend_decision
from channel_lib.analysis.investment.response import MIN_MONTHS, ResponseFit
from channel_lib.analysis.investment.spend import (
    OBJECTIVES,
    lever_spend,
    monthly_spend_in_quarter,
    objective_metric,
    revenue_driven_costs,
)
from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.data.workbook import Workbook

__all__ = [
    "DEFAULT_LIMITS",
    "InvestmentPlan",
    "break_even_cap",
    "investment_plan",
    "validate_parameters",
]


# -- the notebook's one call ---------------------------------------------------------------------
@dataclass
class InvestmentPlan:
    """Everything notebook 03 shows. ``messages`` holds what could not be done, in words; when
    ``ok`` is false the frames are empty and the messages say why.

    ``decision`` is :func:`~channel_lib.analysis.investment.decision.spend_decision` at today's
    spend: the profit-maximising spend per fitted channel (cut / raise / hold / not measurable).
    ``allocation.attrs["unplaced"]`` and the scenarios' ``unplaced`` column hold the budget no
    measured channel takes at a return of at least one unit per unit (currency per month).
    """

    ok: bool
    metric: str
    metric_reason: str
    budget: float
    budget_reason: str
    messages: list[str]
    confounded: pd.DataFrame
    spend: pd.DataFrame
    fit_status: pd.DataFrame
    fits: dict[str, ResponseFit]
    curves: pd.DataFrame
    allocation: pd.DataFrame
    totals: pd.DataFrame
    scenarios: pd.DataFrame
    phasing: pd.DataFrame
    points: pd.DataFrame
    currency: str = ""
    decision: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def break_even(self) -> float | None:
        """Return per unit of spend below which a unit of spend cannot pay for itself: 1.0.

        For gross profit 1.0 is break-even itself; for revenue it is the floor (a unit of spend
        that brings back less than a unit of revenue loses money at any margin), so money above
        it may still not pay: the notebook says so.
        """
        return 1.0

    @property
    def next_unit(self) -> str | None:
        """Where one more unit of budget should go: the measured channel with the highest
        marginal return at the recommended split that is below its upper limit — ``None`` when
        there is none, or when even the best does not reach :attr:`break_even`."""
        a = self.allocation
        if a.empty:
            return None
        room = a[a["measured"] & ~a["at_bound"].isin(["upper", "fixed", "break-even"])]
        if room.empty:
            return None
        best = room.sort_values("marginal_return", ascending=False).iloc[0]
        if self.break_even is not None and best["marginal_return"] < self.break_even:
            return None
        return str(best["channel_id"])

    def spend_marks(self) -> pd.DataFrame:
        """Today's and the recommended spend of each measured channel on its curve (for charts).

        Returns
        -------
        DataFrame
            ``channel_id``, ``split`` (``today``/``recommended``), ``spend`` (currency per month),
            ``response`` (expected, per month) and ``marginal_return`` at that spend.
        """
        a = self.allocation[self.allocation["measured"]]
        marks = pd.concat([
            pd.DataFrame({"channel_id": a["channel_id"], "split": "today", "spend": a["current_spend"]}),
            pd.DataFrame({"channel_id": a["channel_id"], "split": "recommended", "spend": a["spend"]}),
        ], ignore_index=True)  # fmt: skip
        marks["response"] = [
            float(self.fits[c].response(s))
            for c, s in zip(marks["channel_id"], marks["spend"], strict=True)
        ]
        marks["marginal_return"] = [
            float(self.fits[c].marginal(s))
            for c, s in zip(marks["channel_id"], marks["spend"], strict=True)
        ]
        return marks

    def parameter_frame(self) -> pd.DataFrame:
        """Every fitted curve's parameters with standard errors and 95% intervals (tidy).

        Returns
        -------
        DataFrame
            ``channel_id``, ``parameter``, ``estimate``, ``std_err``, ``ci_low``, ``ci_high``,
            ``note``. A channel the data do not identify (:meth:`ResponseFit.identification`)
            has no figures (NaN: its optimiser stopped at a bound or its interval is
            unbounded) and its reason in ``note``.
        """
        if not self.fits:
            return pd.DataFrame()
        frames = []
        for c, f in self.fits.items():
            p = f.parameters().assign(channel_id=c, note="")
            ok, reason = f.identification()
            if not ok:
                p[["estimate", "std_err", "ci_low", "ci_high"]] = math.nan
                p["note"] = "not measurable: " + reason
            frames.append(p)
        out = pd.concat(frames, ignore_index=True)
        return out[["channel_id", "parameter", "estimate", "std_err", "ci_low", "ci_high", "note"]]


def _empty(**kw: object) -> InvestmentPlan:
    e = pd.DataFrame()
    base = dict(ok=False, metric="revenue", metric_reason="", budget=math.nan, budget_reason="",
                messages=[], confounded=e, spend=e, fit_status=e, fits={}, curves=e, allocation=e,
                totals=e, scenarios=e, phasing=e, points=e)  # fmt: skip
    base.update(kw)
    return InvestmentPlan(**base)  # type: ignore[arg-type]


#: The allocation limits a notebook may set, with their defaults.
DEFAULT_LIMITS: dict[str, float] = {"min_share": 0.0, "max_share": 1.0, "max_change": 0.3}


def validate_parameters(
    budget: float | str,
    limits: Mapping[str, float] | None,
    scenarios: Sequence[float],
    objective: str,
) -> dict[str, float]:
    """Check the notebook's parameters; return the limits with defaults filled in.

    Raises
    ------
    ParameterError
        Naming every bad parameter at once.

    Examples
    --------
    >>> validate_parameters("current", {"max_change": 0.2}, [1.0], "goals")["max_change"]
    0.2
    """
    problems = []
    if isinstance(budget, bool) or not (
        budget == "current"
        or (isinstance(budget, int | float) and math.isfinite(budget) and budget >= 0)
    ):
        problems.append(f"budget must be 'current' or an amount per month ≥ 0, got {budget!r}")
    given = dict(limits or {})
    unknown = sorted(set(given) - set(DEFAULT_LIMITS))
    if unknown:
        problems.append(
            f"limits has unknown keys {', '.join(unknown)}; use {', '.join(DEFAULT_LIMITS)}"
        )
    out = {**DEFAULT_LIMITS, **{k: v for k, v in given.items() if k in DEFAULT_LIMITS}}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in out.values()):
        problems.append(f"limits must be numbers, got {given!r}")
    elif not 0 <= out["min_share"] <= out["max_share"] <= 1:
        problems.append(
            f"need 0 ≤ min_share ≤ max_share ≤ 1, got {out['min_share']!r}, {out['max_share']!r}"
        )
    elif out["max_change"] < 0:
        problems.append(f"max_change must be a fraction ≥ 0 (0.3 = 30%), got {out['max_change']!r}")
    if (
        isinstance(scenarios, str)
        or not scenarios
        or not all(
            isinstance(m, int | float) and not isinstance(m, bool) and m > 0 for m in scenarios
        )
    ):
        problems.append(f"scenarios must be a list of budget multipliers > 0, got {scenarios!r}")
    if objective not in OBJECTIVES:
        problems.append(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if problems:
        raise ParameterError("; ".join(problems))
    return {k: float(v) for k, v in out.items()}


def investment_plan(
    wb: Workbook,
    *,
    budget: float | str = "current",
    limits: Mapping[str, float] | None = None,
    scenarios: Sequence[float] = (0.8, 1.0, 1.2, 1.5),
    objective: str = "goals",
    adstock_mode: str = "auto",
) -> InvestmentPlan:
    """Run the investment analysis for a notebook: never raises on degenerate data.

    Parameters
    ----------
    wb : Workbook
    budget : float or "current"
        Discretionary lever budget per month; ``"current"`` = last quarter's monthly lever spend.
    limits : mapping, optional
        ``min_share``, ``max_share`` (fractions of the budget per channel), ``max_change``
        (fraction, against last quarter's spend scaled to the budget); defaults
        :data:`DEFAULT_LIMITS`.
    scenarios : sequence of float
        Budget multipliers for :func:`budget_scenarios`.
    objective : {"goals", "revenue", "gross_profit"}
        See :func:`objective_metric`.
        See :func:`allocate`, :func:`budget_scenarios`, :func:`objective_metric`.

    Returns
    -------
    InvestmentPlan
    """
    limits_ = validate_parameters(budget, limits, scenarios, objective)
    metric, metric_reason = objective_metric(wb, objective)
    ds = wb.dataset
    empty = functools.partial(
        _empty, currency=ds.goals.currency, metric=metric, metric_reason=metric_reason
    )
    if not ds.has("channel_costs"):
        return empty(messages=["Investment allocation needs channel costs. " + ds.missing_note("channel_costs")])  # fmt: skip
    try:
        confounded = revenue_driven_costs(wb)
        spend = lever_spend(wb, exclude=confounded)
    except ChannelLibError as exc:  # pragma: no cover - e.g. no rows
        return empty(messages=[str(exc)])
    current = monthly_spend_in_quarter(spend, wb.quarter)
    b, reason = _budget_and_reason(budget, current, wb.quarter, ds.goals.currency)
    fits, status = fit_channels(spend, metric=metric, adstock_mode=adstock_mode)
    messages = [f"{r.channel_id}: {r.message}" for r in status.itertuples(index=False)
                if not r.fitted]  # fmt: skip
    if not fits:
        messages.append(_no_curve_message(spend, wb.quarter))
        return empty(budget=b, budget_reason=reason, messages=messages, confounded=confounded,
                     spend=spend, fit_status=status)  # fmt: skip
    rules = allocation_budget(b, current, {c: f.identified for c, f in fits.items()})
    messages.extend(rules.messages)
    decision = spend_decision(fits, rules.current, metric=metric)
    cap = break_even_cap(decision, rules)
    alloc, problem = _recommend(fits, rules, limits_, cap)
    messages.extend(problem)
    return InvestmentPlan(
        ok=len(alloc) > 0, metric=metric, metric_reason=metric_reason, budget=b, budget_reason=reason,
        messages=messages, confounded=confounded, spend=spend, fit_status=status, fits=fits,
        curves=curve_table(fits, rules.current), allocation=alloc,
        totals=_totals(fits, rules, alloc),
        scenarios=budget_scenarios(fits, rules.allocated, scenarios, current=rules.reference,
                                   hold=list(rules.held), cap=cap, **limits_),
        phasing=_phasing(wb, fits, alloc, max_change=limits_["max_change"]),
        points=curve_points({c: fits[c] for c in rules.measured}, alloc if len(alloc) else None),
        currency=ds.goals.currency, decision=decision,
    )  # fmt: skip


def break_even_cap(decision: pd.DataFrame, rules: AllocationBudget) -> dict[str, float]:
    """Each measured channel's most spend: ``max(today's spend, break-even spend)`` (currency
    per month). Not scaled with the budget: no split or scenario adds money to a channel past
    the point where a unit of spend returns a unit."""
    d = decision[decision["measurable"] & decision["channel_id"].isin(list(rules.measured))]
    return {
        str(r.channel_id): max(float(rules.current[r.channel_id]), float(r.break_even_spend))
        for r in d.itertuples(index=False)
    }


def _budget_and_reason(
    budget: float | str, current: Mapping[str, float], quarter: str, currency: str = ""
) -> tuple[float, str]:
    """The monthly lever budget and the sentence saying where it comes from."""
    current_total = float(sum(current.values()))
    cur = f" {currency}" if currency else ""
    if budget == "current":
        return current_total, (
            f"Budget: {current_total:,.0f}{cur} per month, the lever spend of {quarter} "
            "(discretionary costs that follow revenue excluded)"
        )
    return float(budget), (
        f"Budget: {float(budget):,.0f}{cur} per month (set by the parameter; {quarter} spent "
        f"{current_total:,.0f}{cur})"
    )


def _no_curve_message(spend: pd.DataFrame, quarter: str) -> str:
    """Why no channel has a response curve."""
    return (
        f"No channel could be given a response curve ({spend['period'].nunique()} months of "
        f"data up to {quarter}); the allocation needs at least {MIN_MONTHS} months in which "
        "discretionary spend varied."
    )


def _recommend(
    fits: Mapping[str, ResponseFit],
    rules: AllocationBudget,
    limits: Mapping[str, float],
    cap: Mapping[str, float],
) -> tuple[pd.DataFrame, list[str]]:
    """The recommended split with today's spend beside it, or an empty frame and the reason."""
    try:
        alloc = allocate(
            fits, rules.allocated, current=rules.reference, hold=list(rules.held), cap=cap,
            **limits,
        )  # fmt: skip
    except ParameterError as exc:
        return pd.DataFrame(), [f"No allocation: {exc}."]
    alloc["current_spend"] = alloc["channel_id"].map(rules.current)
    alloc["change"] = alloc["spend"] - alloc["current_spend"]
    alloc["measured"] = alloc["channel_id"].isin(list(rules.measured))
    return alloc, []


def _totals(
    fits: Mapping[str, ResponseFit], rules: AllocationBudget, alloc: pd.DataFrame
) -> pd.DataFrame:
    """Spend and expected response (95% interval) of today's and the recommended split."""
    current = rules.current
    today = pd.DataFrame({"channel_id": list(current), "spend": list(current.values())})
    rows = []
    for name, frame in (("current", today), ("recommended", alloc)):
        if len(frame):
            e, lo, hi = allocation_interval(frame, fits, only=list(rules.measured))
            rows.append((name, float(frame["spend"].sum()), e, lo, hi))
    return pd.DataFrame(rows, columns=["split", "spend", "expected", "low", "high"])


def _phasing(
    wb: Workbook, fits: Mapping[str, ResponseFit], alloc: pd.DataFrame, *, max_change: float
) -> pd.DataFrame:
    """The recommended spend phased over the four quarters after the reporting one."""
    if not len(alloc):
        return pd.DataFrame()
    cal = wb.dataset.calendar
    coming = [cal.shift_quarter(wb.quarter, i) for i in range(1, 5)]
    q_months = {q: [int(d.month) for d in pd.date_range(*cal.quarter_bounds(q), freq="MS", inclusive="left")]
                for q in coming}  # fmt: skip
    return phase_spend(fits, alloc, coming, q_months, max_change=max_change)
