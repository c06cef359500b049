"""The parameters of an alignment view: dimensions, default weights, and the validated settings.

- :data:`DIMENSIONS`, :data:`DEFAULT_WEIGHTS`, :data:`TOLERANCE` — what a channel is scored on;
- :func:`check_parameters` (no data needed), :func:`resolve_settings` (against the data),
  :func:`open_alignment` (the notebook's validation cell), :func:`for_year`;
- :func:`available_years`, :func:`year_goals` (the goals a year is scored against: its own, or
  the latest earlier year's carried forward), :func:`not_scored_reason` (a year with no goals at
  or before it: not scored, not an error) and :func:`weights_table`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data.goals import MANAGING_FOR, YearGoals
from channel_lib.data.workbook import Workbook, open_workbook

#: Dimensions of the alignment score → label in the reader's words.
DIMENSIONS: dict[str, str] = {
    "revenue_growth": "Revenue vs the same quarters a year before",
    "gross_margin": "Gross margin",
    "margin_trend": "Margin trend",
    "segment_focus": "Segment focus",
    "product_focus": "Product-line focus",
    "new_customers": "New customers",
    "cost_to_serve": "Cost to serve",
    "discount": "Discount level",
}

#: Default weights by what the year is managed for (each sums to 1).
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "revenue": {
        "revenue_growth": 0.30, "gross_margin": 0.05, "margin_trend": 0.05,
        "segment_focus": 0.15, "product_focus": 0.15, "new_customers": 0.15,
        "cost_to_serve": 0.10, "discount": 0.05,
    },
    "revenue_and_profit": {
        "revenue_growth": 0.15, "gross_margin": 0.20, "margin_trend": 0.15,
        "segment_focus": 0.125, "product_focus": 0.125, "new_customers": 0.10,
        "cost_to_serve": 0.10, "discount": 0.05,
    },
}  # fmt: skip

#: Shortfall at which a dimension scores 0 (fixed ones; the others follow from the goal).
TOLERANCE: dict[str, float] = {
    "revenue_growth": 0.20,
    "gross_margin": 0.10,
    "margin_trend": 0.05,
    "segment_focus": 1.0,
    "product_focus": 1.0,
}

#: What the year is managed for, in words.
MANAGING_WORDS = {"revenue": "revenue", "revenue_and_profit": "revenue and profit"}
_MANAGING_WORDS = MANAGING_WORDS


@dataclass(frozen=True)
class Settings:
    """The validated parameters of an alignment view.

    Attributes
    ----------
    year : str
        Fiscal year viewed, e.g. ``"FY2026"``.
    quarters, previous_quarters : tuple of str
        The year's quarters up to the reporting quarter, and the same quarters a year earlier.
    weights : dict of str to float
        Weight of every dimension of :data:`DIMENSIONS` (sum 1).
    managing_for : str
        ``"revenue"`` or ``"revenue_and_profit"``.
    managing_for_source : str
        ``"goals.yaml"`` or ``"parameter"`` (an override).
    weights_source : str
        ``"default"`` or ``"parameter"``.
    dependency_threshold : float
        Share of revenue at or above which a channel or partner is a dependency risk.
    mix_tolerance : float
        How far (fraction points, 0.05 = 5 points) the company's share of revenue from a segment
        or product line may lie from its focus weight in goals.yaml, either way: over-indexing
        beyond it is misaligned just as under-indexing is.
    plan_tolerance : float
        How far (a fraction of the objective, 0.01 = 1 %) the channel targets may add up from
        the corporate objective, either way, before the gap is a misalignment.
    years : tuple of str
        The years of the history (:func:`available_years`).
    goals_year : str
        The year of ``goals.yaml`` the view is scored against: :attr:`year` itself, or the
        latest earlier year with goals when :attr:`year` has none (carried forward).
    goals_note : str
        Empty when the year has its own goals; else the sentence saying whose goals score it, or
        (:attr:`scored` false) why the year is not scored and what to add to ``goals.yaml``.
    scored : bool
        False when ``goals.yaml`` has no goals for the year or any year before it: nothing
        measures alignment, so :attr:`goals_year` is empty, the analyses that need goals return
        empty frames and the page says "not scored" (:attr:`goals_note`); what needs no goals
        (channel conflict, dependency, revenue and margin movements) is still computed. What the
        year is managed for is then the parameter override, else ``"revenue"`` with
        :attr:`managing_for_source` ``"not scored"`` (neither it nor the weights score anything).
    """

    year: str
    quarters: tuple[str, ...]
    previous_quarters: tuple[str, ...]
    weights: dict[str, float]
    managing_for: str
    managing_for_source: str
    weights_source: str
    dependency_threshold: float
    years: tuple[str, ...] = field(default=())
    mix_tolerance: float = 0.05
    plan_tolerance: float = 0.01
    goals_year: str = ""
    goals_note: str = ""
    scored: bool = True

    @property
    def carried_forward(self) -> bool:
        """Whether the year is scored against an earlier year's goals."""
        return bool(self.goals_year) and self.goals_year != self.year


def check_parameters(
    *,
    year: str = "latest",
    weights: Mapping[str, float] | None = None,
    dependency_threshold: float = 0.30,
    managing_for: str = "goals",
    mix_tolerance: float = 0.05,
    plan_tolerance: float = 0.01,
) -> None:
    """Check the parameters that need no data; raise :class:`ParameterError` on the first problem.

    Parameters
    ----------
    year : str
        ``"latest"`` or a fiscal year label like ``"FY2025"``.
    weights : mapping of str to float, optional
        Dimension → weight; known dimensions only, each ≥ 0, summing to 1 (±1e-6). ``None`` or
        empty: :data:`DEFAULT_WEIGHTS`.
    dependency_threshold : float
        In (0, 1].
    managing_for : str
        ``"goals"`` (as in goals.yaml), ``"revenue"`` or ``"revenue_and_profit"``.
    mix_tolerance : float
        In [0, 1): fraction points a segment's or product line's share of revenue may lie from
        its focus weight, either way (:attr:`Settings.mix_tolerance`).
    plan_tolerance : float
        In [0, 1): fraction of the objective the channel targets may add up from it, either way
        (:attr:`Settings.plan_tolerance`).

    Raises
    ------
    ParameterError

    Examples
    --------
    >>> check_parameters(weights={"gross_margin": 0.5, "discount": 0.5})
    >>> check_parameters(weights={"gross_margin": 0.5, "colour": 0.5})
    Traceback (most recent call last):
    ...
    channel_lib.core.errors.ParameterError: weights name an unknown dimension: 'colour'; known: revenue_growth, gross_margin, margin_trend, segment_focus, product_focus, new_customers, cost_to_serve, discount
    """
    if not isinstance(year, str) or not (
        year == "latest" or (year.startswith("FY") and year[2:].isdigit() and len(year) == 6)
    ):
        raise ParameterError(f"year must be 'latest' or a fiscal year like 'FY2026', got {year!r}")
    if managing_for != "goals" and managing_for not in MANAGING_FOR:
        raise ParameterError(
            f"managing_for must be 'goals' (as in goals.yaml) or one of "
            f"{', '.join(MANAGING_FOR)}, got {managing_for!r}"
        )
    if (
        isinstance(dependency_threshold, bool)
        or not isinstance(dependency_threshold, int | float)
        or not 0 < dependency_threshold <= 1
    ):
        raise ParameterError(
            f"dependency_threshold is a share of revenue in (0, 1], e.g. 0.30; got {dependency_threshold!r}"
        )
    for name, value, example in (
        ("mix_tolerance", mix_tolerance, "0.05 for 5 points"),
        ("plan_tolerance", plan_tolerance, "0.01 for 1 % of the objective"),
    ):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
            raise ParameterError(f"{name} is a fraction in [0, 1), e.g. {example}; got {value!r}")
    if weights:
        if not isinstance(weights, Mapping):
            raise ParameterError(
                f"weights must be a mapping of dimension to weight, got {weights!r}"
            )
        unknown = [k for k in weights if k not in DIMENSIONS]
        if unknown:
            raise ParameterError(
                f"weights name an unknown dimension: {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(DIMENSIONS)}"
            )
        bad = {
            k: v
            for k, v in weights.items()
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0
        }
        if bad:
            raise ParameterError(f"weights must be numbers ≥ 0; got {bad}")
        total = float(sum(weights.values()))
        if abs(total - 1) > 1e-6:
            raise ParameterError(
                f"weights must sum to 1; they sum to {total:g} ({dict(weights)}). "
                "Scale them, or name fewer dimensions (unnamed ones weigh 0)."
            )


def available_years(wb: Workbook) -> list[str]:
    """Fiscal years that can be scored: with sales, up to the reporting quarter's year, and with
    goals in ``goals.yaml`` — their own or an earlier year's (carried forward, :func:`goals_year_for`).

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> available_years(wb)
    ['FY2025', 'FY2026']
    """
    cal = wb.dataset.calendar
    with_sales = sorted({cal.year_of_quarter(q) for q in wb.quarters})
    return [y for y in with_sales if y <= wb.year and goals_year_for(wb, y) is not None]


def goals_year_for(wb: Workbook, year: str) -> str | None:
    """The year of ``goals.yaml`` that scores ``year``: itself when it has a section, else the
    latest earlier year that has one (its goals carried forward), else ``None`` (not scored).

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> goals_year_for(wb, "FY2026"), goals_year_for(wb, "FY2027"), goals_year_for(wb, "FY2024")
    ('FY2026', 'FY2026', None)
    """
    years = wb.dataset.goals.years
    if year in years:
        return year
    earlier = [y for y in years if y < year]
    return max(earlier) if earlier else None


def year_goals(wb: Workbook, settings: Settings) -> YearGoals:
    """The goals the view of ``settings.year`` is scored against (:attr:`Settings.goals_year`).

    Raises
    ------
    ParameterError
        For settings that are not scored (:attr:`Settings.scored`), with the reason.
    """
    if not settings.scored:
        raise ParameterError(settings.goals_note)
    return wb.dataset.goals.years[settings.goals_year or settings.year]


def not_scored_reason(wb: Workbook, year: str) -> str:
    """Why ``year`` is not scored (no goals for it or any year before it), and what to add.

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> not_scored_reason(wb, "FY2024")[:80]
    'FY2024 is not scored: goals.yaml has no goals for FY2024 or any year before it ('
    """
    have = ", ".join(wb.dataset.goals.years) or "no year"
    return (
        f"{year} is not scored: goals.yaml has no goals for {year} or any year before it (it has "
        f"goals for {have}), so there is nothing to measure alignment against; add a '{year}:' "
        "section to goals.yaml (revenue_objective, gross_margin_goal, managing_for, "
        "strategic_focus, channels) to score it."
    )


def resolve_settings(
    wb: Workbook,
    *,
    year: str = "latest",
    weights: Mapping[str, float] | None = None,
    dependency_threshold: float = 0.30,
    managing_for: str = "goals",
    mix_tolerance: float = 0.05,
    plan_tolerance: float = 0.01,
) -> Settings:
    """Validate the parameters against the data and fill in the defaults.

    Parameters
    ----------
    wb : Workbook
    year, weights, dependency_threshold, managing_for, mix_tolerance, plan_tolerance
        See :func:`check_parameters`; ``year="latest"`` is the fiscal year of the reporting
        quarter.

    Returns
    -------
    Settings

    Raises
    ------
    ParameterError
        Bad parameters, or a year outside the data (no sales, or after the reporting quarter).

    Notes
    -----
    A year without its own ``goals.yaml`` section is scored against the latest earlier year's
    goals, carried forward; :attr:`Settings.goals_note` says so and the page writes it first.
    A year with no goals for it or any year before it is not an error: the settings come back
    with :attr:`Settings.scored` false and the reason (:func:`not_scored_reason`) in
    :attr:`Settings.goals_note`, and the page says "not scored" where it would score.

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> s = resolve_settings(wb)
    >>> s.year, s.quarters, s.managing_for
    ('FY2026', ('FY2026-Q1', 'FY2026-Q2', 'FY2026-Q3', 'FY2026-Q4'), 'revenue_and_profit')
    >>> s.scored, s.goals_note
    (True, '')
    """
    check_parameters(
        year=year, weights=weights, dependency_threshold=dependency_threshold,
        managing_for=managing_for, mix_tolerance=mix_tolerance, plan_tolerance=plan_tolerance,
    )  # fmt: skip
    years = available_years(wb)
    chosen = wb.year if year == "latest" else year
    cal = wb.dataset.calendar
    with_sales = {cal.year_of_quarter(q) for q in wb.quarters}
    if chosen not in with_sales or chosen > wb.year:
        raise ParameterError(
            f"year {chosen} is outside the data: the years with sales up to the reporting "
            f"quarter {wb.quarter} are {', '.join(sorted(y for y in with_sales if y <= wb.year))}"
        )
    goals_year = goals_year_for(wb, chosen)
    if goals_year is None:
        note = not_scored_reason(wb, chosen)
    elif goals_year != chosen:
        note = (
            f"goals.yaml has no goals for {chosen}: it is scored against {goals_year}'s goals, "
            "carried forward (the latest earlier year that has them)."
        )
    else:
        note = ""
    quarters = tuple(q for q in wb.quarters if cal.year_of_quarter(q) == chosen)
    if managing_for == "goals" and goals_year is None:
        mf, mf_source = MANAGING_FOR[0], "not scored"
    elif managing_for == "goals":
        mf, mf_source = wb.dataset.goals.years[goals_year].managing_for, "goals.yaml"
    else:
        mf, mf_source = managing_for, "parameter"
    if weights:
        w = {d: float(weights.get(d, 0.0)) for d in DIMENSIONS}
        w_source = "parameter"
    else:
        w, w_source = dict(DEFAULT_WEIGHTS[mf]), "default"
    return Settings(
        year=chosen,
        quarters=quarters,
        previous_quarters=tuple(cal.shift_quarter(q, -4) for q in quarters),
        weights=w,
        managing_for=mf,
        managing_for_source=mf_source,
        weights_source=w_source,
        dependency_threshold=float(dependency_threshold),
        years=tuple(years),
        goals_year=goals_year or "",
        goals_note=note,
        scored=goals_year is not None,
        mix_tolerance=float(mix_tolerance),
        plan_tolerance=float(plan_tolerance),
    )


def open_alignment(
    data_dir: str = "data/sample",
    quarter: str = "latest",
    plans_dir: str = "plans",
    *,
    year: str = "latest",
    weights: Mapping[str, float] | None = None,
    dependency_threshold: float = 0.30,
    managing_for: str = "goals",
    mix_tolerance: float = 0.05,
    plan_tolerance: float = 0.01,
) -> tuple[Workbook, Settings]:
    """The notebook's validation cell: check the parameters, open the workbook, resolve the year.

    Parameters that need no data are checked before the dataset is loaded.

    Returns
    -------
    (Workbook, Settings)

    Raises
    ------
    ParameterError, DataValidationError

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans", year="FY2025")
    >>> s.year, s.quarters[-1], s.managing_for
    ('FY2025', 'FY2025-Q4', 'revenue')
    """
    tolerances = {"mix_tolerance": mix_tolerance, "plan_tolerance": plan_tolerance}
    check_parameters(
        year=year, weights=weights, dependency_threshold=dependency_threshold,
        managing_for=managing_for, **tolerances,
    )  # fmt: skip
    wb = open_workbook(data_dir, quarter, plans_dir)
    return wb, resolve_settings(
        wb, year=year, weights=weights, dependency_threshold=dependency_threshold,
        managing_for=managing_for, **tolerances,
    )  # fmt: skip


def for_year(settings: Settings, wb: Workbook, year: str) -> Settings:
    """The same settings for another fiscal year (managing_for re-read unless overridden)."""
    return resolve_settings(
        wb,
        year=year,
        weights=settings.weights if settings.weights_source == "parameter" else None,
        dependency_threshold=settings.dependency_threshold,
        managing_for=settings.managing_for
        if settings.managing_for_source == "parameter"
        else "goals",
        mix_tolerance=settings.mix_tolerance,
        plan_tolerance=settings.plan_tolerance,
    )


def weights_table(settings: Settings) -> pd.DataFrame:
    """The weights in force, one row per dimension: ``dimension``, ``label``, ``weight``."""
    return pd.DataFrame(
        {
            "dimension": list(DIMENSIONS),
            "label": list(DIMENSIONS.values()),
            "weight": [settings.weights[d] for d in DIMENSIONS],
        }
    )
