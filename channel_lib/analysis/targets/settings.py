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

from channel_lib.core.errors import ParameterError
from channel_lib.core.money import to_exact
from channel_lib.data.goals import MANAGING_FOR, ChannelRole
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
    gross_margin_goal : float
    gross_profit_objective_exact : int or None
        ``round(revenue objective × gross_margin_goal)`` when managing for revenue and profit.
    channels : tuple of str
        Channels that get targets: those declared for the year in ``goals.yaml`` (every channel
        of ``channels.csv`` when the year declares none).
    roles : dict of str to ChannelRole
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


def target_settings(
    wb: Workbook,
    *,
    year: str = "next",
    method: str = "blend",
    blend_weights: Mapping[str, float] | None = None,
    managing_for: str = "",
    revenue_objective: float | None = None,
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

    Returns
    -------
    TargetSettings

    Raises
    ------
    ParameterError
        For any bad parameter, or a year that ``goals.yaml`` has no section for.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", quarter="FY2025-Q4", plans_dir="/tmp/plans")
    >>> s = target_settings(wb, method="history")
    >>> s.year, s.quarters[0], s.basis_quarters, s.revenue_objective_exact
    ('FY2026', 'FY2026-Q1', ('FY2025-Q1', 'FY2025-Q2', 'FY2025-Q3', 'FY2025-Q4'), 9500000)
    """
    weights = check_parameters(
        method=method,
        blend_weights=blend_weights,
        managing_for=managing_for,
        revenue_objective=revenue_objective,
        year=year,
    )
    ds = wb.dataset
    cal = ds.calendar
    label = f"FY{int(wb.year[2:]) + 1}" if year == "next" else year
    if label not in ds.goals.years:
        raise ParameterError(
            f"year={year!r} ({label}) has no section in goals.yaml, which has "
            f"{', '.join(sorted(ds.goals.years))}; add a '{label}:' section with its "
            "revenue_objective, gross_margin_goal, managing_for and channel roles"
        )
    goals = ds.goals.year(label)
    mf = managing_for or goals.managing_for
    objective = goals.revenue_objective if revenue_objective is None else revenue_objective
    obj_exact = to_exact(objective)
    gp = (
        _gross_profit_objective(obj_exact, goals.gross_margin_goal)
        if mf == "revenue_and_profit"
        else None
    )
    channels = tuple(goals.channels) or tuple(ds.table("channels")["channel_id"].astype(str))
    roles = {
        c: goals.channels.get(c, ChannelRole(role="unspecified", role_weight=1.0)) for c in channels
    }
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
        gross_margin_goal=float(goals.gross_margin_goal),
        gross_profit_objective_exact=gp,
        channels=channels,
        roles=roles,
        objective_source="goals.yaml" if revenue_objective is None else "parameter",
    )


def _gross_profit_objective(revenue_exact: int, margin_goal: float) -> int:
    """``round(revenue objective × gross-margin goal)`` in cents, half up, at least 0."""
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
        revenue_objective=revenue_objective,
    )  # fmt: skip
    return wb, settings
