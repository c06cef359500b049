"""The target-setting parameters: methods, blend weights, and the validated settings of a year.

- :data:`METHODS`, :data:`BASE_METHODS`, :data:`DEFAULT_BLEND`, :data:`BASIS_QUARTERS`;
- :func:`check_parameters` (no data needed), :func:`target_settings` (against ``goals.yaml``),
  :func:`open_target_setting` (the notebook's first call).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from channel_lib.analysis.targets.proposal import (
    ObjectiveProposal,
    propose_objective,
    standing_goals_year,
)
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.goals import MANAGING_FOR, ChannelRole, YearGoals
from channel_lib.data.workbook import Workbook, open_workbook

__all__ = [
    "BASE_METHODS",
    "BASIS_QUARTERS",
    "DEFAULT_BLEND",
    "METHODS",
    "TargetSettings",
    "check_parameters",
    "open_target_setting",
    "target_settings",
    "to_minor",
]


#: Every method; ``blend`` mixes the four others.
METHODS: tuple[str, ...] = ("history", "trend", "role", "potential", "blend")


#: The methods a blend mixes.
BASE_METHODS: tuple[str, ...] = ("history", "trend", "role", "potential")


#: Default blend weights (sum to 1).
DEFAULT_BLEND: dict[str, float] = {"history": 0.4, "trend": 0.2, "role": 0.2, "potential": 0.2}


#: Quarters in the basis window (the four up to the reporting quarter).
BASIS_QUARTERS = 4


def check_parameters(
    *,
    method: str = "blend",
    blend_weights: Mapping[str, float] | None = None,
    managing_for: str = "",
    revenue_objective: float | None = None,
    year: str = "next",
) -> dict[str, float]:
    """Check the notebook's parameters that need no data; return the blend weights to use.

    Parameters
    ----------
    method : {"history", "trend", "role", "potential", "blend"}
    blend_weights : mapping of method to weight, optional
        Weights of the base methods for ``blend``; unnamed methods weigh 0; they must be ≥ 0 and
        sum to 1. ``None``/empty: :data:`DEFAULT_BLEND`.
    managing_for : {"", "revenue", "revenue_and_profit"}
        Override of ``goals.yaml``'s ``managing_for`` (``""`` keeps it).
    revenue_objective : float, optional
        Override of the year's revenue objective (currency, ≥ 0).
    year : str
        ``"next"`` or a fiscal-year label such as ``"FY2027"``.

    Returns
    -------
    dict of str to float
        The blend weights, one per base method.

    Raises
    ------
    ParameterError
        Naming the parameter, its value and what it may be.

    Examples
    --------
    >>> check_parameters(method="blend", blend_weights={"history": 0.5, "role": 0.5})
    {'history': 0.5, 'trend': 0.0, 'role': 0.5, 'potential': 0.0}
    """
    if method not in METHODS:
        raise ParameterError(f"method={method!r} is unknown; use one of {', '.join(METHODS)}")
    weights = dict(blend_weights or DEFAULT_BLEND)
    unknown = [k for k in weights if k not in BASE_METHODS]
    if unknown:
        raise ParameterError(
            f"blend_weights names unknown method(s) {', '.join(map(repr, unknown))}; "
            f"use {', '.join(BASE_METHODS)}"
        )
    bad = {
        k: v
        for k, v in weights.items()
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0
    }
    if bad:
        raise ParameterError(f"blend_weights must be numbers ≥ 0, got {bad}")
    total = sum(float(v) for v in weights.values())
    if abs(total - 1.0) > 1e-9:
        raise ParameterError(
            f"blend_weights must sum to 1, they sum to {total:.6g} ({weights}); "
            "scale them or leave blend_weights empty for the default"
        )
    if managing_for not in ("", *MANAGING_FOR):
        raise ParameterError(
            f"managing_for={managing_for!r}: use '' (as goals.yaml says), "
            f"{' or '.join(repr(m) for m in MANAGING_FOR)}"
        )
    if revenue_objective is not None and (
        isinstance(revenue_objective, bool)
        or not isinstance(revenue_objective, int | float)
        or not math.isfinite(revenue_objective)
        or revenue_objective < 0
    ):
        raise ParameterError(
            f"revenue_objective={revenue_objective!r}: an objective is an amount ≥ 0 "
            "(or None for goals.yaml's)"
        )
    if not isinstance(year, str) or not (
        year == "next" or (year.startswith("FY") and year[2:].isdigit() and len(year) == 6)
    ):
        raise ParameterError(f"year={year!r}: use 'next' or a fiscal year like 'FY2027'")
    return {m: float(weights.get(m, 0.0)) for m in BASE_METHODS}


@dataclass(frozen=True)
class TargetSettings:
    """Validated target-setting parameters and what they resolve to.

    Attributes
    ----------
    year : str
        Fiscal year the targets are for (``FY2027``).
    quarters : tuple of str
        Its four quarters.
    basis_quarters : tuple of str
        The basis window: the four quarters up to the reporting quarter.
    method : str
    blend_weights : dict of str to float
    managing_for : str
        ``revenue`` or ``revenue_and_profit`` (after the override).
    managing_for_source : str
        ``"goals.yaml"`` or ``"parameter"``.
    revenue_objective_exact : int
        In the dataset's money unit (:attr:`money`), a whole number of the currency's minor
        units (a multiple of ``money.minor_step``).
    gross_margin_goal : float
        Fraction; ``NaN`` when no year of ``goals.yaml`` sets one (a proposal without goals).
    gross_profit_objective_exact : int or None
        ``round(revenue objective × gross_margin_goal)`` in whole minor units, when managing for
        revenue and profit.
    channels : tuple of str
        Channels that get targets: those declared for the year in ``goals.yaml`` (every channel
        of ``channels.csv`` when the year declares none).
    roles : dict of str to ChannelRole
    objective_source : str
        ``"goals.yaml"``, ``"parameter"``, ``"forecast"`` or ``"run rate"`` (the last two: a
        proposal, :func:`~channel_lib.analysis.targets.proposal.propose_objective`).
    money : MoneyUnit
        The dataset's money unit (``ds.money``): every ``*_exact`` amount counts it.
    proposal : bool
        ``True`` when ``goals.yaml`` has no section for :attr:`year`: the targets are a proposal,
        never written as the official plan.
    goals_year : str or None
        The year whose ``goals.yaml`` section gave the margin goal, ``managing_for`` and the
        channel roles: :attr:`year` itself, the last year before it (a proposal), or ``None``.
    goals_note : str
        For a proposal, in words: what was proposed and whose goals stand in (empty otherwise).
    partner_cap : float
        The most a partner's target may change against its last year (fraction, 0–1; default
        0.25: ±25 %); new partners are exempt.
    """

    year: str
    quarters: tuple[str, ...]
    basis_quarters: tuple[str, ...]
    method: str
    blend_weights: dict[str, float]
    managing_for: str
    managing_for_source: str
    revenue_objective_exact: int
    gross_margin_goal: float
    gross_profit_objective_exact: int | None
    channels: tuple[str, ...]
    roles: dict[str, ChannelRole] = field(default_factory=dict)
    objective_source: str = "goals.yaml"
    money: MoneyUnit = field(default_factory=MoneyUnit)
    proposal: bool = False
    goals_year: str | None = None
    goals_note: str = ""
    partner_cap: float = 0.25


def target_settings(
    wb: Workbook,
    *,
    year: str = "next",
    method: str = "blend",
    blend_weights: Mapping[str, float] | None = None,
    managing_for: str = "",
    revenue_objective: float | None = None,
    partner_cap: float = 0.25,
) -> TargetSettings:
    """Validate the target-setting parameters against ``goals.yaml`` before any analysis.

    Parameters
    ----------
    wb : Workbook
        From :func:`channel_lib.data.workbook.open_workbook`.
    year : str
        ``"next"`` = the fiscal year after the reporting quarter's, or e.g. ``"FY2027"``.
    method, blend_weights, managing_for, revenue_objective
        See :func:`check_parameters`.
    partner_cap : float
        The most a partner's target may change against its last year (fraction, > 0 and ≤ 1;
        default 0.25 = ±25 %); new partners are exempt.

    Returns
    -------
    TargetSettings

    Raises
    ------
    ParameterError
        For any bad parameter.

    Notes
    -----
    A year ``goals.yaml`` has no section for is a proposal (``proposal=True``), not an error: its
    revenue objective is the ``revenue_objective`` parameter or
    :func:`~channel_lib.analysis.targets.proposal.propose_objective` (the company revenue
    forecast, else a run rate), and its margin goal, ``managing_for`` and channel roles are those
    of the last year before it that ``goals.yaml`` has (:attr:`TargetSettings.goals_note` says
    which). Objectives are rounded to whole minor units of the currency (:func:`to_minor`).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", quarter="FY2025-Q4", plans_dir="/tmp/plans")
    >>> s = target_settings(wb, method="history")
    >>> s.year, s.quarters[0], s.basis_quarters, wb.dataset.money.amount(s.revenue_objective_exact)
    ('FY2026', 'FY2026-Q1', ('FY2025-Q1', 'FY2025-Q2', 'FY2025-Q3', 'FY2025-Q4'), 95000.0)
    >>> s.revenue_objective_exact == 95000 * wb.dataset.money.scale  # units of 10^-money_decimals
    True
    """
    weights = check_parameters(method=method, blend_weights=blend_weights,
                               managing_for=managing_for, revenue_objective=revenue_objective,
                               year=year)  # fmt: skip
    ds = wb.dataset
    cal = ds.calendar
    money = ds.money
    label = f"FY{int(wb.year[2:]) + 1}" if year == "next" else year
    proposal = label not in ds.goals.years
    goals_year = label if not proposal else standing_goals_year(ds.goals.years, label)
    goals = ds.goals.years[goals_year] if goals_year else None
    mf = managing_for or (goals.managing_for if goals else "revenue")
    obj_exact, source, offer = _objective(wb, label, None if proposal else goals, revenue_objective)
    margin_goal = float(goals.gross_margin_goal) if goals else float("nan")
    if mf == "revenue_and_profit" and goals is None:
        mf = "revenue"  # no margin goal anywhere: revenue targets only (goals_note says so)
    gp = (
        to_minor(_gross_profit_objective(obj_exact, margin_goal), money)
        if mf == "revenue_and_profit"
        else None
    )
    declared = goals.channels if goals else {}
    channels = tuple(declared) or tuple(ds.table("channels")["channel_id"].astype(str))
    roles = {c: declared.get(c, ChannelRole(role="unspecified", role_weight=1.0)) for c in channels}
    basis = tuple(
        cal.quarter_range(cal.shift_quarter(wb.quarter, -(BASIS_QUARTERS - 1)), wb.quarter)
    )
    return TargetSettings(
        year=label,
        quarters=tuple(cal.quarter_range(f"{label}-Q1", f"{label}-Q4")),
        basis_quarters=basis,
        method=method,
        blend_weights=weights,
        managing_for=mf,
        managing_for_source="parameter" if managing_for else "goals.yaml",
        revenue_objective_exact=obj_exact,
        gross_margin_goal=margin_goal,
        gross_profit_objective_exact=gp,
        channels=channels,
        roles=roles,
        objective_source=source,
        money=money,
        proposal=proposal,
        goals_year=goals_year,
        goals_note=_proposal_note(label, obj_exact, money, offer, goals, goals_year, mf)
        if proposal
        else "",
        partner_cap=_check_cap(partner_cap),
    )


def _check_cap(cap: float) -> float:
    """``cap`` as a float in (0, 1], else a :class:`ParameterError` saying what to write."""
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not 0 < cap <= 1:
        raise ParameterError(
            f"partner_cap must be a fraction above 0 and at most 1 (0.25 = ±25 % against the "
            f"partner's last year), got {cap!r}; write e.g. partner_cap = 0.25"
        )
    return float(cap)


def _objective(
    wb: Workbook, label: str, goals: YearGoals | None, revenue_objective: float | None
) -> tuple[int, str, ObjectiveProposal | None]:
    """The revenue objective in whole minor units, its source, and the proposal it came from:
    the parameter, else the year's own goals (``goals``), else :func:`propose_objective`."""
    money = wb.dataset.money
    if revenue_objective is not None:
        return to_minor(money.to_exact(revenue_objective), money), "parameter", None
    if goals is not None:
        return to_minor(money.to_exact(goals.revenue_objective), money), "goals.yaml", None
    offer = propose_objective(wb, label)
    source = "forecast" if offer.method == "forecast" else "run rate"
    return to_minor(offer.amount_exact, money), source, offer


def to_minor(exact: int, money: MoneyUnit) -> int:
    """``exact`` rounded to whole minor units of the currency (a multiple of
    ``money.minor_step``, half away from zero: :meth:`MoneyUnit.round_minor`), at least 0: an
    objective is money the workbook writes.

    Examples
    --------
    >>> to_minor(1234550, MoneyUnit("USD", 4)), to_minor(1234549, MoneyUnit("USD", 4))
    (1234600, 1234500)
    >>> to_minor(12345678, MoneyUnit("JPY", 4)), to_minor(-5, MoneyUnit("USD", 2))
    (12350000, 0)
    """
    return max(money.round_minor(exact), 0)  # the rounding's one home: core.money


def _proposal_note(
    label: str,
    objective_exact: int,
    money: MoneyUnit,
    offer: ObjectiveProposal | None,
    goals: YearGoals | None,
    goals_year: str | None,
    managing_for: str,
) -> str:
    """What a proposal for a year without goals is made of, in words (not escaped)."""
    amount = f"{money.amount(objective_exact):,.{money.minor_decimals}f} {money.currency}"
    out = [f"goals.yaml has no section for {label}, so these targets are a proposal, not a plan."]
    if offer is None:
        out.append(f"The revenue objective {amount} is the revenue_objective parameter.")
    elif offer.method == "forecast":
        out.append(
            f"The revenue objective {amount} is the company revenue forecast for {label} "
            f"({offer.model} on the monthly revenue up to the reporting quarter)."
        )
    else:
        out.append(
            f"The revenue objective {amount} is a run rate: the last four quarters' revenue "
            "grown at their rate against the same quarters a year earlier"
            + (f" ({offer.note})." if offer.note else ".")
        )
    if goals is not None:
        out.append(
            f"The gross-margin goal {goals.gross_margin_goal:.1%}, what the year is managed for "
            f"({managing_for}) and the channel roles are {goals_year}'s, the last year goals.yaml "
            "has."
        )
    else:
        out.append(
            "No earlier year of goals.yaml sets a gross-margin goal or channel roles: revenue "
            "targets only, every channel of channels.csv at role weight 1."
        )
    out.append(
        f"Add a '{label}:' section to goals.yaml (revenue_objective, gross_margin_goal, "
        "managing_for, channels) to set official targets."
    )
    return " ".join(out)


def _gross_profit_objective(revenue_exact: int, margin_goal: float) -> int:
    """``round(revenue objective × gross-margin goal)`` in exact units, half up, at least 0."""
    gp = int(
        (Decimal(revenue_exact) * Decimal(str(margin_goal))).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    return max(gp, 0)


def open_target_setting(
    data_dir: str | Path = "data/sample",
    quarter: str = "latest",
    plans_dir: str | Path = "plans",
    *,
    year: str = "next",
    method: str = "blend",
    blend_weights: Mapping[str, float] | None = None,
    managing_for: str = "",
    revenue_objective: float | None = None,
    partner_cap: float = 0.25,
) -> tuple[Workbook, TargetSettings]:
    """The notebook's first call: check every parameter, open the workbook, resolve the settings.

    The parameters that need no data are checked before the dataset is loaded
    (:func:`check_parameters`), the rest against ``goals.yaml`` before any analysis
    (:func:`target_settings`); each bad value stops with a :class:`ParameterError`.

    Returns
    -------
    (Workbook, TargetSettings)
    """
    check_parameters(
        method=method, blend_weights=blend_weights, managing_for=managing_for,
        revenue_objective=revenue_objective, year=year,
    )  # fmt: skip
    wb = open_workbook(data_dir, quarter, plans_dir)
    settings = target_settings(
        wb, year=year, method=method, blend_weights=blend_weights, managing_for=managing_for,
        revenue_objective=revenue_objective, partner_cap=partner_cap,
    )  # fmt: skip
    return wb, settings
