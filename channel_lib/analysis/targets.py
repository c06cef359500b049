"""Target setting (notebook ``02_target_setting``): the fiscal year's objectives to channel,
partner and quarter targets, and the leading indicators that drive them.

The chain
---------
1. **Objectives** from ``goals.yaml`` for the chosen fiscal year: the revenue objective and, when
   the year is managed for revenue *and* profit, the gross-profit objective
   ``round(revenue_objective × gross_margin_goal)``.
2. **Channel targets** by five methods, side by side (:func:`allocate_channels`):

   - ``history``: each channel's share of revenue over the four quarters up to the reporting
     quarter (the *basis window*), a younger channel at its annualised run rate;
   - ``trend``: an OLS fit per channel on its quarterly revenue (trend, plus fiscal-quarter
     dummies once it has eight quarters), its forecast of the target year, with a prediction
     interval (:func:`trend_forecasts`);
   - ``role``: the history share times the channel's declared ``role_weight``, renormalised;
   - ``potential``: partner capacity from ``partner_reports`` (:func:`partner_potential`);
   - ``blend``: the weighted mean of the four shares.

   The chosen method's shares split the objective.
3. **Partner targets** within each channel by run rate and potential (:func:`partner_weights`).
4. **Quarterly phasing** by each channel's observed seasonality (:func:`seasonality`).
5. **Leading indicators** per channel role, with targets from historical conversion rates
   (:func:`leading_indicators`): the channel metrics model.
6. The chosen targets go to ``plans_dir/targets.csv`` (:func:`write_plan_targets`).

Guarantees
----------
Money is apportioned in integer cents with the largest-remainder method (:func:`apportion`), so
channel targets sum to the objective to the cent, a channel's quarters sum to its annual target,
a channel's partner targets (plus the part of its sales made without a partner) sum to its
target, and the partner × quarter grid (:func:`round_grid`) keeps both sums; every target is
≥ 0. The property tests in ``tests/test_targets.py`` check each one on random inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.money import apportion, format_cents, to_cents
from channel_lib.data import cube as metrics
from channel_lib.data.goals import MANAGING_FOR, ChannelRole
from channel_lib.data.workbook import Workbook
from channel_lib.plans.targets import PlanExistsError, targets_path, write_targets

__all__ = [
    "BASE_METHODS",
    "DEFAULT_BLEND",
    "INDICATORS",
    "METHODS",
    "ROLE_INDICATORS",
    "TARGET_MONITORED_IN",
    "PlanExistsError",
    "TargetPlan",
    "TargetSettings",
    "allocate_channels",
    "apportion",
    "channel_basis",
    "channel_table",
    "check_parameters",
    "explain_new_entities",
    "format_cents",
    "indicator_summary",
    "leading_indicators",
    "method_table",
    "objective_sentences",
    "open_target_setting",
    "partner_potential",
    "partner_table",
    "partner_weights",
    "plan_checks",
    "plan_rows",
    "round_grid",
    "save_plan",
    "seasonality",
    "set_targets",
    "split_gross_profit",
    "target_settings",
    "trend_forecasts",
    "waterfall_frame",
    "write_plan_targets",
]

#: Every method; ``blend`` mixes the four others.
METHODS: tuple[str, ...] = ("history", "trend", "role", "potential", "blend")
#: The methods a blend mixes.
BASE_METHODS: tuple[str, ...] = ("history", "trend", "role", "potential")
#: Default blend weights (sum to 1).
DEFAULT_BLEND: dict[str, float] = {"history": 0.4, "trend": 0.2, "role": 0.2, "potential": 0.2}
#: Quarters in the basis window (the four up to the reporting quarter).
BASIS_QUARTERS = 4

#: Leading indicators: key → (label, unit, what the target is, report that monitors it, table).
INDICATORS: dict[str, tuple[str, str, str, str, str]] = {
    "pipeline_coverage": (
        "Pipeline value (partner reports)", "currency",
        "pipeline reported at the end of the quarter before, = coverage × the quarter's partner "
        "revenue target", "05_performance_signals (channel), 06_partner_review (partner)",
        "partner_reports",
    ),
    "deal_registrations": (
        "Deal registrations", "count",
        "registrations in the quarter, = registrations per revenue × the quarter's target",
        "06_partner_review", "opportunities",
    ),
    "certified_staff": (
        "Certified partner staff", "count",
        "certified staff reported, = certified staff per revenue × the quarter's partner target",
        "06_partner_review", "partner_reports",
    ),
    "active_partners": (
        "Active partners (with sales)", "count",
        "partners selling in the quarter, = the quarter's partner target ÷ revenue per active "
        "partner", "05_performance_signals", "sales",
    ),
    "new_customers": (
        "New customers", "count",
        "customers buying through the channel for the first time, = new customers per revenue × "
        "the quarter's target", "05_performance_signals", "sales",
    ),
}  # fmt: skip
#: Which indicators drive the target of a channel with this declared role. A role not listed gets
#: every indicator its data supports.
ROLE_INDICATORS: dict[str, tuple[str, ...]] = {
    "strategic_accounts": ("new_customers",),
    "direct": ("new_customers",),
    "distribution": ("active_partners", "pipeline_coverage", "certified_staff"),
    "solution_selling": ("deal_registrations", "pipeline_coverage", "certified_staff", "new_customers"),
    "online_marketplace": ("new_customers", "active_partners"),
    "managed_services": ("active_partners", "certified_staff", "deal_registrations"),
    "recurring_revenue_growth": ("active_partners", "certified_staff", "deal_registrations", "new_customers"),
}  # fmt: skip
_PARTNER_INDICATORS = (
    "pipeline_coverage",
    "deal_registrations",
    "certified_staff",
    "active_partners",
)
#: The target itself is monitored here.
TARGET_MONITORED_IN = "00_quarter_overview (attainment), 05_performance_signals (gaps)"


# -- exact apportionment -------------------------------------------------------------------------------
def round_grid(row_totals: Sequence[int], col_totals: Sequence[int]) -> np.ndarray:
    """Whole-cent grid with the given row and column sums, proportional to ``rᵢ cⱼ / T``.

    Used for partner × quarter targets: rows are partners' annual targets, columns the channel's
    quarterly targets.

    Parameters
    ----------
    row_totals, col_totals : sequence of int
        Non-negative cents; both sum to the same total ``T``.

    Returns
    -------
    numpy.ndarray of int64, shape (rows, columns)
        Non-negative; row sums equal ``row_totals``, column sums ``col_totals``.

    Raises
    ------
    ParameterError
        When a total is negative or the sums differ.

    Notes
    -----
    Each cell starts at the floor of its exact quota ``rᵢ cⱼ / T``; row ``i`` then lacks
    ``eᵢ`` cents and column ``j`` lacks ``fⱼ``, with ``Σe = Σf``. The fractional parts form a
    matrix with entries in [0, 1) and these margins, so a 0/1 matrix with the same margins exists
    (integrality of the transportation polytope), and Ryser's greedy construction finds one:
    rows in decreasing ``eᵢ`` each take one cent from the ``eᵢ`` columns with the largest
    remaining need. Ryser, H. J. (1957), "Combinatorial properties of matrices of zeros and
    ones", *Canadian Journal of Mathematics* 9, 371–377.

    Examples
    --------
    >>> round_grid([5, 5], [3, 3, 4]).tolist()
    [[2, 1, 2], [1, 2, 2]]
    """
    rows = [int(r) for r in row_totals]
    cols = [int(c) for c in col_totals]
    if any(r < 0 for r in rows) or any(c < 0 for c in cols):
        raise ParameterError("grid totals must be ≥ 0")
    total = sum(rows)
    if total != sum(cols):
        raise ParameterError(f"row totals sum to {total} but column totals to {sum(cols)}")
    grid = np.zeros((len(rows), len(cols)), dtype="int64")
    if total == 0:
        return grid
    frac = np.zeros_like(grid)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            grid[i, j], frac[i, j] = divmod(r * c, total)
    need_row = [r - int(grid[i].sum()) for i, r in enumerate(rows)]
    need_col = [c - int(grid[:, j].sum()) for j, c in enumerate(cols)]
    for i in sorted(range(len(rows)), key=lambda i: (-need_row[i], i)):
        choice = sorted(
            (j for j in range(len(cols)) if need_col[j] > 0),
            key=lambda j: (-need_col[j], -frac[i, j], j),
        )[: need_row[i]]
        if len(choice) < need_row[i]:  # pragma: no cover - impossible by Gale–Ryser
            raise ChannelLibError("round_grid: no whole-cent grid found; please report this")
        for j in choice:
            grid[i, j] += 1
            need_col[j] -= 1
    return grid


# -- parameters ----------------------------------------------------------------------------------------
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
    revenue_objective_cents : int
    gross_margin_goal : float
    gross_profit_objective_cents : int or None
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
    revenue_objective_cents: int
    gross_margin_goal: float
    gross_profit_objective_cents: int | None
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
    >>> s.year, s.quarters[0], s.basis_quarters, s.revenue_objective_cents
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
    obj_cents = to_cents(objective)
    gp = None
    if mf == "revenue_and_profit":
        gp = int(
            (Decimal(obj_cents) * Decimal(str(goals.gross_margin_goal))).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        gp = max(gp, 0)
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
        revenue_objective_cents=obj_cents,
        gross_margin_goal=float(goals.gross_margin_goal),
        gross_profit_objective_cents=gp,
        channels=channels,
        roles=roles,
        objective_source="goals.yaml" if revenue_objective is None else "parameter",
    )


# -- history -------------------------------------------------------------------------------------------
def _monthly(wb: Workbook) -> pd.DataFrame:
    """Monthly revenue and gross profit per channel up to the end of the reporting quarter."""
    m = metrics.summarise(wb.dataset, by="channel_id", period="month")
    end = wb.quarter_bounds[1]
    m = m[m["period_start"] < end].copy()
    m["quarter"] = wb.dataset.calendar.quarters_of(m["period_start"]).astype("string")
    return m


def _basis_window(wb: Workbook, settings: TargetSettings) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, first day after)`` of the basis window ``settings.basis_quarters``."""
    start, _ = wb.dataset.calendar.quarter_bounds(settings.basis_quarters[0])
    _, end = wb.dataset.calendar.quarter_bounds(settings.basis_quarters[-1])
    return start, end


def channel_basis(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each target channel's revenue over the basis window, annualised when younger than it.

    Parameters
    ----------
    wb : Workbook
        The dataset (sales, ``channels.csv``); history up to the end of its reporting quarter.
    settings : TargetSettings
        From :func:`target_settings`: the channels that get targets, their roles and the basis
        window.

    Returns
    -------
    DataFrame
        One row per channel of ``settings.channels``:

        - ``channel_id``, ``channel_name``, ``role``, ``role_weight``, ``launched_on``.
        - ``quarters_with_sales`` (int): quarters of the history (up to the reporting quarter)
          with sales.
        - ``months_in_window`` (int): months of the basis window the channel was selling (from
          its launch or first sale).
        - ``window_revenue_cents`` and ``window_gross_profit_cents`` (int64): sums over the
          window.
        - ``run_rate`` (float, currency a year): window revenue × 12 / months in window; a
          channel without sales gets the smallest other channel's run rate (flagged).
        - ``gross_margin`` (fraction, window; the company's where the channel has no sales).
        - ``note`` (str): how the basis was made, in words.

    Notes
    -----
    A channel launched inside the window is annualised from the months it has sold, so it is not
    penalised for the months before it existed.
    """
    ds = wb.dataset
    monthly = _monthly(wb)
    channels = ds.table("channels").set_index("channel_id")
    start, end = _basis_window(wb, settings)
    quarters = monthly[monthly["revenue_cents"] != 0].groupby("channel_id")["quarter"].nunique()
    first_sale = monthly[monthly["revenue_cents"] > 0].groupby("channel_id")["period_start"].min()
    window = monthly[(monthly["period_start"] >= start) & (monthly["period_start"] < end)]
    sums = window.groupby("channel_id")[["revenue_cents", "gross_profit_cents"]].sum()
    company_margin = (
        float(sums["gross_profit_cents"].sum() / sums["revenue_cents"].sum())
        if len(sums) and sums["revenue_cents"].sum() > 0
        else 0.0
    )
    rows = []
    for c in settings.channels:
        launched = channels["launched_on"].get(c, pd.NaT)
        begins = max(
            [start]
            + [pd.Timestamp(x).to_period("M").to_timestamp() for x in (launched, first_sale.get(c))
               if pd.notna(x)]
        )  # fmt: skip
        months = max(0, (end.year - begins.year) * 12 + end.month - begins.month)
        rev = int(sums["revenue_cents"].get(c, 0))
        gp = int(sums["gross_profit_cents"].get(c, 0))
        run_rate = rev / 100 * 12 / months if months and rev > 0 else 0.0
        if months == 12 or run_rate == 0:
            note = "four quarters of sales"
        else:
            note = f"sold {months} of the window's 12 months: annualised (× 12/{months})"
        role = settings.roles[c]
        rows.append(
            {
                "channel_id": c,
                "channel_name": str(channels["channel_name"].get(c, c)),
                "role": role.role,
                "role_weight": float(role.role_weight),
                "launched_on": launched,
                "quarters_with_sales": int(quarters.get(c, 0)),
                "months_in_window": months,
                "window_revenue_cents": rev,
                "window_gross_profit_cents": gp,
                "run_rate": run_rate,
                "gross_margin": gp / rev if rev > 0 else company_margin,
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    positive = out.loc[out["run_rate"] > 0, "run_rate"]
    seed = float(positive.min()) if len(positive) else 1.0
    none = out["run_rate"] <= 0
    out.loc[none, "run_rate"] = seed
    out.loc[none, "note"] = (
        "no sales in the window: counted at the smallest channel's run rate "
        "(a new channel is assumed to start as large as the smallest existing one)"
    )
    out["window_revenue_cents"] = out["window_revenue_cents"].astype("int64")
    out["window_gross_profit_cents"] = out["window_gross_profit_cents"].astype("int64")
    return out


def trend_forecasts(
    quarterly: pd.DataFrame,
    quarters: Sequence[str],
    *,
    all_quarters: Sequence[str],
    level: float = 0.90,
    min_points: int = 4,
) -> pd.DataFrame:
    """OLS trend per channel on its quarterly revenue and its forecast of ``quarters``.

    Parameters
    ----------
    quarterly : DataFrame
        ``channel_id``, ``quarter`` (label), ``revenue`` (currency): the history, one row per
        channel and quarter with sales.
    quarters : sequence of str
        The quarters to forecast (the target year).
    all_quarters : sequence of str
        Every quarter label from the first of the history to the last of ``quarters``, in order
        (gives each quarter its time index).
    level : float
        Coverage of the prediction interval (0.90 = 90 %).
    min_points : int
        Fewest quarters a fit needs; a channel with fewer gets no forecast (``NaN``).

    Returns
    -------
    DataFrame
        One row per channel: ``channel_id``, ``points`` (quarters fitted), ``model``
        (``"trend + fiscal quarter"``, ``"trend"`` or ``"too little history"``),
        ``slope_per_quarter`` (currency), ``forecast``, ``lower``, ``upper`` (currency, the
        year's total and its prediction interval). ``frame.attrs["models"]`` maps each fitted
        channel to its statsmodels ``RegressionResults`` (``params``, ``conf_int()``,
        ``summary()``).

    Notes
    -----
    ``revenue_t = a + b t (+ Σ_k d_k [fiscal quarter = k]) + e_t`` by ordinary least squares; the
    fiscal-quarter dummies are used once the channel has at least eight quarters (two of each).
    The year's forecast is ``cᵀβ̂`` with ``c`` the sum of the four quarters' regressor rows; its
    prediction variance is ``cᵀ Σ̂_β c + 4 σ̂²`` (independent errors), and the interval is
    ``forecast ± t_{df, (1+level)/2} × sd``. A first quarter below 60 % of the channel's median
    quarter (launched part-way through it, or a ramp-up) is left out of the fit.
    """
    import statsmodels.api as sm
    from scipy import stats

    pos = {q: i for i, q in enumerate(all_quarters)}
    rows, models = [], {}
    for channel, g in quarterly.groupby("channel_id", sort=False):
        g = g[g["quarter"].isin(pos)].sort_values("quarter")
        t = np.array([pos[q] for q in g["quarter"]], dtype=float)
        y = g["revenue"].to_numpy(dtype=float)
        if len(y) >= 2 and y[0] < 0.6 * np.median(y[1:]):  # a partial first quarter
            t, y, g = t[1:], y[1:], g.iloc[1:]
        if len(y) < min_points:
            rows.append(
                {"channel_id": channel, "points": len(y), "model": "too little history",
                 "slope_per_quarter": np.nan, "forecast": np.nan, "lower": np.nan, "upper": np.nan}
            )  # fmt: skip
            continue
        seasonal = len(y) >= 8
        fq = np.array([int(q[-1]) for q in g["quarter"]])

        def design(tt: np.ndarray, qq: np.ndarray, seasonal: bool = seasonal) -> np.ndarray:
            cols = [np.ones_like(tt), tt]
            if seasonal:
                cols += [(qq == k).astype(float) for k in (2, 3, 4)]
            return np.column_stack(cols)

        res = sm.OLS(y, design(t, fq)).fit()
        future_t = np.array([pos[q] for q in quarters], dtype=float)
        future_q = np.array([int(q[-1]) for q in quarters])
        c = design(future_t, future_q).sum(axis=0)
        forecast = float(c @ res.params)
        var = float(c @ res.cov_params() @ c + len(quarters) * res.scale)
        df = max(res.df_resid, 1)
        half = float(stats.t.ppf((1 + level) / 2, df)) * math.sqrt(max(var, 0.0))
        models[channel] = res
        rows.append(
            {
                "channel_id": channel,
                "points": len(y),
                "model": "trend + fiscal quarter" if seasonal else "trend",
                "slope_per_quarter": float(res.params[1]),
                "forecast": forecast,
                "lower": forecast - half,
                "upper": forecast + half,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "channel_id",
            "points",
            "model",
            "slope_per_quarter",
            "forecast",
            "lower",
            "upper",
        ],
    )
    out.attrs["models"] = models
    out.attrs["level"] = level
    return out


# -- potential -----------------------------------------------------------------------------------------
def _partner_revenue(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each partner's revenue and gross profit (cents) over the basis window, any channel."""
    s = metrics.summarise(
        wb.dataset, by="partner_id", period="quarter", periods=list(settings.basis_quarters)
    )
    s = s[s["partner_id"].notna()]
    return s.groupby("partner_id")[["revenue_cents", "gross_profit_cents"]].sum()


def _active_partners(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Partners (``partners.csv``, channel as of now) still active at the target year's start,
    with their annualised run rate over the basis window."""
    ds = wb.dataset
    if not ds.has("partners"):
        return pd.DataFrame(
            columns=["partner_id", "partner_name", "channel_id", "onboarded_on", "run_rate",
                     "window_revenue_cents", "window_gross_profit_cents", "days_in_window"]
        )  # fmt: skip
    partners = ds.table("partners").copy()
    year_start, _ = ds.calendar.year_bounds(settings.year)
    start, end = _basis_window(wb, settings)
    off = partners["offboarded_on"]
    partners = partners[off.isna() | (off > year_start)]
    # partners signed after the reporting quarter are not known yet at this point in time
    partners = partners[partners["onboarded_on"].isna() | (partners["onboarded_on"] < end)]
    partners = partners[partners["channel_id"].isin(settings.channels)]
    revenue = _partner_revenue(wb, settings)
    p = partners[["partner_id", "partner_name", "channel_id", "onboarded_on"]].copy()
    p["window_revenue_cents"] = p["partner_id"].map(revenue["revenue_cents"]).fillna(0)
    p["window_gross_profit_cents"] = p["partner_id"].map(revenue["gross_profit_cents"]).fillna(0)
    p["window_revenue_cents"] = p["window_revenue_cents"].astype("int64")
    p["window_gross_profit_cents"] = p["window_gross_profit_cents"].astype("int64")
    begins = p["onboarded_on"].where(p["onboarded_on"] > start, start).fillna(start)
    days = (end - begins).dt.days.clip(lower=0)
    p["days_in_window"] = days.astype("int64")
    window_days = (end - start).days
    p["run_rate"] = (
        p["window_revenue_cents"].clip(lower=0) / 100 * window_days / days.clip(lower=30)
    ).astype("float64")
    return p.reset_index(drop=True)


def partner_potential(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each reporting partner's revenue potential for us, from its capacity (``partner_reports``).

    Parameters
    ----------
    wb : Workbook
        The dataset (``partners.csv``, ``partner_reports``, sales).
    settings : TargetSettings
        From :func:`target_settings`: the partners of its channels still active at the start of
        its year count, with their reports and revenue over its basis window.

    Returns
    -------
    DataFrame
        One row per active partner with at least one report in the basis window:

        - ``partner_id``, ``channel_id``, ``reports`` (reports in the window).
        - ``partner_total_sales`` (currency a year: its reported total sales, annualised),
          ``sales_headcount``, ``certified_staff``, ``pipeline_value`` (latest report).
        - ``run_rate`` (our revenue through it, currency a year), ``share_of_wallet``
          (run rate ÷ its total sales), ``attainable_share`` (the larger of its own share and
          the channel's upper-quartile share).
        - ``capability`` (0.5–1.5): certified staff per salesperson and pipeline per our
          quarterly revenue, each against the channel's median, averaged.
        - ``potential`` (currency a year): ``max(run_rate, partner_total_sales ×
          attainable_share × capability)``.

    Raises
    ------
    metrics.MissingDataError
        When the dataset has no ``partner_reports`` file (the message says what to add).

    Notes
    -----
    Share of wallet is our share of the partner's own sales. A partner whose share is below what
    the better partners of its channel (upper quartile) already get has headroom: its potential
    is that attainable share of its total sales, scaled by its capability (better-certified
    staff and a fuller pipeline than its peers raise it, up to 1.5×; weaker ones lower it, down
    to 0.5×). Potential never falls below what it already sells.
    """
    ds = wb.dataset
    if not ds.has("partner_reports"):
        raise metrics.MissingDataError(
            "The potential method needs partner capacity: " + ds.missing_note("partner_reports")
        )
    active = _active_partners(wb, settings).set_index("partner_id")
    reports = ds.table("partner_reports")
    reports = reports[
        reports["quarter"].isin(settings.basis_quarters) & reports["partner_id"].isin(active.index)
    ].sort_values(["partner_id", "quarter"])
    if reports.empty:
        return pd.DataFrame(
            columns=["partner_id", "channel_id", "reports", "partner_total_sales",
                     "sales_headcount", "certified_staff", "pipeline_value", "run_rate",
                     "share_of_wallet", "attainable_share", "capability", "potential"]
        )  # fmt: skip
    g = reports.groupby("partner_id")
    total = g["partner_total_sales"].mean() * BASIS_QUARTERS
    latest = g[["sales_headcount", "certified_staff", "pipeline_value"]].last()
    out = pd.DataFrame(
        {
            "reports": g["partner_total_sales"].count().astype("int64"),
            "partner_total_sales": total.astype("float64"),
            "sales_headcount": latest["sales_headcount"].astype("Float64").astype("float64"),
            "certified_staff": latest["certified_staff"].astype("Float64").astype("float64"),
            "pipeline_value": latest["pipeline_value"].astype("float64"),
        }
    )
    out["channel_id"] = active["channel_id"].reindex(out.index).astype("string")
    out["run_rate"] = active["run_rate"].reindex(out.index).astype("float64")
    out["share_of_wallet"] = out["run_rate"] / out["partner_total_sales"].where(
        out["partner_total_sales"] > 0
    )
    upper = out.groupby("channel_id")["share_of_wallet"].transform(lambda s: s.quantile(0.75))
    out["attainable_share"] = np.fmax(out["share_of_wallet"], upper)
    certified_ratio = out["certified_staff"] / out["sales_headcount"].where(
        out["sales_headcount"] > 0
    )
    pipeline_ratio = out["pipeline_value"] / (out["run_rate"] / 4).where(out["run_rate"] > 0)
    parts = []
    for ratio in (certified_ratio, pipeline_ratio):
        median = ratio.groupby(out["channel_id"]).transform("median")
        parts.append((ratio / median.where(median > 0)).clip(0.5, 1.5))
    out["capability"] = pd.concat(parts, axis=1).mean(axis=1).fillna(1.0)
    wallet = (out["partner_total_sales"] * out["attainable_share"] * out["capability"]).fillna(0.0)
    out["potential"] = np.fmax(out["run_rate"].fillna(0.0), wallet)
    out = out.reset_index()
    return out[
        ["partner_id", "channel_id", "reports", "partner_total_sales", "sales_headcount",
         "certified_staff", "pipeline_value", "run_rate", "share_of_wallet", "attainable_share",
         "capability", "potential"]
    ]  # fmt: skip


def partner_weights(partners: pd.DataFrame, potential: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weights that split a channel's target among its partners.

    Parameters
    ----------
    partners : DataFrame
        ``partner_id``, ``channel_id``, ``run_rate`` (currency a year), ``days_in_window``.
    potential : DataFrame, optional
        :func:`partner_potential` (``partner_id``, ``potential``).

    Returns
    -------
    DataFrame
        ``partners`` with ``potential`` (``NaN`` without a report), ``weight`` and ``basis``
        (in words: ``run rate``, ``run rate and potential``, ``new partner``, ``dormant``).

    Notes
    -----
    ``weight = run_rate`` without a report, else ``(run_rate + potential) / 2``: halfway from
    what the partner sells now to what its capacity says it could. A partner onboarded inside
    the basis window that has neither sales nor a report (just signed) gets its channel's
    lower-quartile weight, so it starts with a modest target rather than none; an older partner
    with neither is *dormant* and gets 0.

    Examples
    --------
    >>> p = pd.DataFrame({"partner_id": ["A", "B", "C", "D"], "channel_id": ["X"] * 4,
    ...                   "run_rate": [100.0, 300.0, 0.0, 0.0], "days_in_window": [365, 365, 20, 365]})
    >>> partner_weights(p)[["partner_id", "weight", "basis"]].values.tolist()
    [['A', 100.0, 'run rate'], ['B', 300.0, 'run rate'], ['C', 150.0, 'new partner'], ['D', 0.0, 'dormant']]
    """
    out = partners.copy()
    pot = (
        potential.set_index("partner_id")["potential"]
        if potential is not None and len(potential)
        else pd.Series(dtype="float64")
    )
    out["potential"] = out["partner_id"].map(pot).astype("float64")
    rr = out["run_rate"].astype("float64").fillna(0.0)
    has_pot = out["potential"].notna()
    out["weight"] = np.where(has_pot, (rr + out["potential"].fillna(0.0)) / 2, rr)
    out["basis"] = np.where(has_pot, "run rate and potential", "run rate")
    window_days = int(out["days_in_window"].max()) if len(out) else 0
    zero = out["weight"] <= 0
    new = zero & (out["days_in_window"] < window_days)
    positive = out[out["weight"] > 0].groupby("channel_id")["weight"].quantile(0.25)
    if new.any():
        out.loc[new, "weight"] = (
            out.loc[new, "channel_id"].map(positive).astype("float64").fillna(0.0)
        )
    out.loc[new, "basis"] = "new partner"
    out.loc[zero & ~new, "basis"] = "dormant"
    out.loc[zero & ~new, "weight"] = 0.0
    out["weight"] = out["weight"].astype("float64")
    out["basis"] = out["basis"].astype("string")
    return out


# -- channel allocation (pure) -------------------------------------------------------------------------
def allocate_channels(
    basis: pd.DataFrame,
    objective_cents: int,
    *,
    blend_weights: Mapping[str, float] | None = None,
    role_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Split an objective over channels by every method, side by side.

    Parameters
    ----------
    basis : DataFrame
        One row per channel: ``channel_id``, ``run_rate`` (≥ 0, currency a year),
        ``role_weight`` (≥ 0), and optionally ``trend`` (forecast of the year) and
        ``potential`` (currency a year); missing or ``NaN`` values fall back to ``run_rate``.
    objective_cents : int
        The objective in cents (≥ 0).
    blend_weights : mapping, optional
        Weights of the base methods in the blend (sum 1); default :data:`DEFAULT_BLEND`.
    role_weights : mapping of channel to weight, optional
        Overrides ``basis.role_weight`` for the named channels.

    Returns
    -------
    DataFrame
        One row per method × channel (methods in :data:`METHODS` order): ``method``,
        ``channel_id``, ``share`` (fraction; a method's shares sum to 1), ``target_cents``
        (int64; a method's targets sum to ``objective_cents`` exactly), ``target`` (currency).

    Raises
    ------
    ParameterError
        For a negative objective, bad weights or an empty basis.

    Notes
    -----
    history ``∝ run_rate``; trend ``∝ max(forecast, 0)``; role ``∝ run_rate × role_weight``;
    potential ``∝ potential``; blend ``= Σ_m w_m share_m``. A method whose weights are all zero
    splits equally. Targets are apportioned with :func:`apportion`. Raising one channel's role
    weight raises its role (and blend) share and target and lowers every other channel's share,
    with the total unchanged; each other target falls too, but for the cent that rounding may
    leave with a channel whose share fell by less than a cent.

    Examples
    --------
    >>> b = pd.DataFrame({"channel_id": ["A", "B"], "run_rate": [300.0, 100.0],
    ...                   "role_weight": [1.0, 3.0]})
    >>> t = allocate_channels(b, 100_000)
    >>> t[t["method"] == "role"]["target_cents"].tolist()
    [50000, 50000]
    """
    if isinstance(objective_cents, bool) or int(objective_cents) != objective_cents:
        raise ParameterError(
            f"objective_cents must be a whole number of cents, got {objective_cents!r}"
        )
    if objective_cents < 0:
        raise ParameterError(f"the objective must be ≥ 0, got {objective_cents / 100:,.2f}")
    if basis.empty:
        raise ParameterError("no channel to set targets for")
    bw = check_parameters(blend_weights=blend_weights)
    ids = basis["channel_id"].astype(str).tolist()
    run_rate = basis["run_rate"].astype("float64").fillna(0.0).clip(lower=0).to_numpy()
    rw = basis["role_weight"].astype("float64").to_numpy().copy()
    for c, v in (role_weights or {}).items():
        if c not in ids:
            raise ParameterError(f"role_weights names channel {c!r}, not one of {', '.join(ids)}")
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise ParameterError(f"role weight of {c} must be a number ≥ 0, got {v!r}")
        rw[ids.index(c)] = float(v)

    def column(name: str) -> np.ndarray:
        if name not in basis:
            return run_rate
        v = basis[name].astype("float64").to_numpy()
        return np.where(np.isnan(v), run_rate, np.clip(v, 0, None))

    def shares(w: np.ndarray) -> np.ndarray:
        s = w.sum()
        return w / s if s > 0 else np.full(len(w), 1 / len(w))

    raw = {
        "history": shares(run_rate),
        "trend": shares(column("trend")),
        "role": shares(run_rate * rw),
        "potential": shares(column("potential")),
    }
    raw["blend"] = sum(bw[m] * raw[m] for m in BASE_METHODS)
    frames = []
    for m in METHODS:
        cents = apportion(int(objective_cents), raw[m])
        frames.append(
            pd.DataFrame({"method": m, "channel_id": ids, "share": raw[m], "target_cents": cents})
        )
    out = pd.concat(frames, ignore_index=True)
    out["target_cents"] = out["target_cents"].astype("int64")
    out["target"] = out["target_cents"] / 100.0
    out["method"] = out["method"].astype("string")
    out["channel_id"] = out["channel_id"].astype("string")
    return out


# -- seasonality ---------------------------------------------------------------------------------------
def seasonality(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Each channel's share of a fiscal year's revenue falling in each fiscal quarter.

    Returns
    -------
    DataFrame
        One row per channel × fiscal quarter (1–4): ``channel_id``, ``fiscal_quarter``,
        ``share`` (a channel's four shares sum to 1), ``years`` (complete fiscal years used),
        ``source`` (``"channel"``, ``"company"`` or ``"even"``).

    Notes
    -----
    From the monthly history up to the reporting quarter: for every complete fiscal year in
    which the channel sold in all twelve months, each fiscal quarter's share of that year's
    revenue (the months summed); the shares are averaged over those years. A channel without
    such a year (launched less than a year ago) takes the company's pattern over its complete
    years; without any, the quarters are even.
    """
    m = _monthly(wb)
    m["fiscal_year"] = m["quarter"].str.slice(0, 6)
    m["fq"] = m["quarter"].str.slice(-1).astype(int)

    def pattern(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
        months = frame.groupby("fiscal_year")["period_start"].nunique()
        full = months[months == 12].index
        f = frame[frame["fiscal_year"].isin(full)]
        if f.empty:
            return np.full(4, 0.25), 0
        by = f.pivot_table(index="fiscal_year", columns="fq", values="revenue_cents", aggfunc="sum")
        by = by.reindex(columns=[1, 2, 3, 4]).fillna(0).clip(lower=0)
        totals = by.sum(axis=1)
        by = by[totals > 0]
        if by.empty:
            return np.full(4, 0.25), 0
        return (by.div(by.sum(axis=1), axis=0)).mean().to_numpy(), len(by)

    company_frame = m.groupby(["fiscal_year", "quarter", "fq", "period_start"], as_index=False)[
        "revenue_cents"
    ].sum()
    company, n_company = pattern(company_frame)
    rows = []
    for c in settings.channels:
        f = m[(m["channel_id"] == c) & (m["revenue_cents"] > 0)]
        share, n = pattern(f)
        source = "channel"
        if n == 0:
            share, source = (company, "company") if n_company else (np.full(4, 0.25), "even")
        for k in range(4):
            rows.append(
                {"channel_id": c, "fiscal_quarter": k + 1, "share": float(share[k]),
                 "years": n if source == "channel" else n_company, "source": source}
            )  # fmt: skip
    return pd.DataFrame(rows)


# -- leading indicators --------------------------------------------------------------------------------
def _indicator_rates(wb: Workbook, settings: TargetSettings) -> pd.DataFrame:
    """Historical baselines and conversion rates of every indicator, per channel (basis window)."""
    ds = wb.dataset
    start, end = _basis_window(wb, settings)
    q = list(settings.basis_quarters)
    channel_rev = metrics.summarise(ds, by="channel_id", period="quarter", periods=q)
    rev = channel_rev.groupby("channel_id")["revenue_cents"].sum() / 100
    partner_q = metrics.summarise(ds, by=["channel_id", "partner_id"], period="quarter", periods=q)
    partner_q = partner_q[partner_q["partner_id"].notna()]
    partner_rev = partner_q.groupby("channel_id")["revenue_cents"].sum() / 100
    active = partner_q[partner_q["revenue_cents"] > 0].groupby(["channel_id", "period"]).size()
    active_mean = active.groupby("channel_id").mean()
    active_sum = active.groupby("channel_id").sum()
    first = ds.sql(
        "SELECT channel_id, customer_id, min(order_date) AS first_date FROM sales "
        "GROUP BY ALL HAVING sum(revenue) > 0"
    )
    data_start = ds.sql("SELECT min(order_date) AS d FROM sales")["d"].iloc[0]
    first["first_date"] = pd.to_datetime(first["first_date"])
    new = first[(first["first_date"] >= start) & (first["first_date"] < end)]
    new_count = new.groupby("channel_id").size()
    rows = []
    partners = ds.table("partners")[["partner_id", "channel_id"]] if ds.has("partners") else None
    regs = pd.Series(dtype="float64")
    win = pd.Series(dtype="float64")
    if ds.has("opportunities") and partners is not None:
        opp = ds.table("opportunities").merge(partners, on="partner_id", how="left")
        reg_on = pd.to_datetime(opp["registered_on"])
        in_window = opp[(reg_on >= start) & (reg_on < end)]
        regs = in_window.groupby("channel_id").size()
        closed = in_window[in_window["outcome"].isin(["won", "lost"])]
        win = closed.groupby("channel_id")["outcome"].apply(lambda s: (s == "won").mean())
    cert = pd.Series(dtype="float64")
    pipe_cov = pd.Series(dtype="float64")
    pipe_latest = pd.Series(dtype="float64")
    if ds.has("partner_reports") and partners is not None:
        rep = ds.table("partner_reports").merge(partners, on="partner_id", how="left")
        last = rep[rep["quarter"] == settings.basis_quarters[-1]]
        cert = last.groupby("channel_id")["certified_staff"].sum().astype("float64")
        pipe_latest = last.groupby("channel_id")["pipeline_value"].sum()
        # pipeline at the end of quarter k against partner revenue of quarter k+1
        before = [ds.calendar.shift_quarter(x, -1) for x in q]
        pipe = rep[rep["quarter"].isin(before)].groupby("channel_id")["pipeline_value"].sum()
        pipe_cov = pipe / partner_rev.where(partner_rev > 0)
    history_ok = pd.Timestamp(data_start) <= start - pd.DateOffset(years=1)
    for c in settings.channels:
        r = float(rev.get(c, 0.0))
        pr = float(partner_rev.get(c, 0.0))
        base = {
            "new_customers": (float(new_count.get(c, 0)) / BASIS_QUARTERS, float(new_count.get(c, 0)) / r if r > 0 else np.nan, "revenue"),
            "active_partners": (float(active_mean.get(c, np.nan)), float(active_sum.get(c, 0)) / pr if pr > 0 else np.nan, "partner_revenue"),
            "deal_registrations": (float(regs.get(c, 0)) / BASIS_QUARTERS, float(regs.get(c, 0)) / pr if pr > 0 else np.nan, "partner_revenue"),
            "certified_staff": (float(cert.get(c, np.nan)), float(cert.get(c, np.nan)) / (pr / BASIS_QUARTERS) if pr > 0 else np.nan, "partner_revenue_level"),
            "pipeline_coverage": (float(pipe_latest.get(c, np.nan)), float(pipe_cov.get(c, np.nan)), "pipeline"),
        }  # fmt: skip
        for key, (baseline, rate, kind) in base.items():
            rows.append(
                {"channel_id": c, "indicator": key, "baseline_per_quarter": baseline,
                 "rate": rate, "kind": kind, "partner_share": pr / r if r > 0 else 0.0,
                 "win_rate": float(win.get(c, np.nan)), "history_before_window": history_ok}
            )  # fmt: skip
    return pd.DataFrame(rows)


def leading_indicators(
    wb: Workbook, settings: TargetSettings, quarters: pd.DataFrame
) -> pd.DataFrame:
    """The channel metrics model: for each channel, the indicators its role relies on, their
    baseline, conversion rate and quarterly targets, and where each is monitored.

    Parameters
    ----------
    wb : Workbook
    settings : TargetSettings
    quarters : DataFrame
        Channel quarterly revenue targets: ``channel_id``, ``quarter``, ``revenue_target``.

    Returns
    -------
    DataFrame
        One row per channel × indicator × target quarter (indicators the data cannot measure get
        one row with ``available`` False and the reason):

        - ``channel_id``, ``role``, ``indicator``, ``label``, ``unit``, ``quarter``.
        - ``revenue_target`` (currency: the quarter's channel target).
        - ``baseline`` (per quarter over the basis window; level in its last quarter for staff
          and pipeline), ``rate`` (the conversion rate used), ``target`` (rounded up to a whole
          count; currency for pipeline), ``change`` (target ÷ baseline − 1).
        - ``how`` (how the target follows from the rate), ``monitored_in`` (the later report).
        - ``available`` (bool), ``note`` (why not, in words).

    Notes
    -----
    Conversion rates come from the basis window: new customers per unit of channel revenue;
    registrations per unit of partner revenue; active partner-quarters per unit of partner
    revenue (i.e. 1 ÷ revenue per active partner per quarter); certified staff (last reported
    quarter) per unit of average quarterly partner revenue; pipeline at a quarter's end per unit
    of the next quarter's partner revenue (the coverage ratio). The target of quarter *q* is the
    rate times the part of *q*'s target the indicator drives (the partner part for partner
    indicators), so meeting the indicator at the historical conversion delivers the target.
    """
    ds = wb.dataset
    rates = _indicator_rates(wb, settings)
    rows = []
    for c in settings.channels:
        role = settings.roles[c].role
        r = rates[rates["channel_id"] == c].set_index("indicator")
        has_partners = r.loc["active_partners", "partner_share"] > 0
        wanted = ROLE_INDICATORS.get(role)
        if wanted is None:  # an undeclared role: every indicator the history shows
            wanted = tuple(
                k
                for k in INDICATORS
                if (has_partners or k not in _PARTNER_INDICATORS)
                and np.nan_to_num(float(r.loc[k, "rate"])) > 0
            ) or ("new_customers",)
        q = quarters[quarters["channel_id"] == c]
        for key in wanted:
            label, unit, how, monitored, table = INDICATORS[key]
            note = ""
            if key in _PARTNER_INDICATORS and not has_partners:
                note = "the channel sells without partners"
            elif not ds.has(table):
                note = f"needs {table}.csv, which the dataset does not have"
            elif key == "new_customers" and not bool(r.loc[key, "history_before_window"]):
                note = ""  # still usable: first purchases in the data
            rate = float(r.loc[key, "rate"])
            if not note and not math.isfinite(rate):
                note = "no history to measure the rate on"
            elif not note and rate <= 0:  # a rate of 0 would set a target of 0 every quarter
                note = (f"none in the basis quarters {settings.basis_quarters[0]}–"
                        f"{settings.basis_quarters[-1]}, so no rate to set a target from")  # fmt: skip
            if note:
                rows.append(
                    {"channel_id": c, "role": role, "indicator": key, "label": label, "unit": unit,
                     "quarter": pd.NA, "revenue_target": np.nan, "baseline": np.nan, "rate": np.nan,
                     "target": np.nan, "change": np.nan, "how": how, "monitored_in": monitored,
                     "available": False, "note": f"not measured: {note}"}
                )  # fmt: skip
                continue
            share = 1.0 if key == "new_customers" else float(r.loc[key, "partner_share"])
            baseline = float(r.loc[key, "baseline_per_quarter"])
            for quarter, target_rev in q[["quarter", "revenue_target"]].itertuples(index=False):
                driven = float(target_rev) * share
                value = rate * driven
                value = round(value, 2) if unit == "currency" else float(math.ceil(value - 1e-9))
                rows.append(
                    {"channel_id": c, "role": role, "indicator": key, "label": label, "unit": unit,
                     "quarter": quarter, "revenue_target": float(target_rev), "baseline": baseline,
                     "rate": rate, "target": value,
                     "change": value / baseline - 1 if baseline and math.isfinite(baseline) else np.nan,
                     "how": how, "monitored_in": monitored, "available": True, "note": ""}
                )  # fmt: skip
    out = pd.DataFrame(rows)
    for col in ("channel_id", "role", "indicator", "label", "unit", "quarter", "how",
                "monitored_in", "note"):  # fmt: skip
        out[col] = out[col].astype("string")
    return out


# -- the whole plan ------------------------------------------------------------------------------------
@dataclass
class TargetPlan:
    """Everything target setting produces (tidy frames), for one fiscal year.

    Attributes
    ----------
    settings : TargetSettings
    basis : DataFrame
        :func:`channel_basis` plus ``trend`` and ``potential`` (the methods' inputs).
    trend : DataFrame
        :func:`trend_forecasts` (with the statsmodels results in ``attrs["models"]``).
    potential : DataFrame or None
        :func:`partner_potential`; ``None`` without ``partner_reports`` (see ``potential_note``).
    potential_note : str
        How the potential method was computed, or why it fell back to history.
    methods : DataFrame
        :func:`allocate_channels` (every method side by side), with ``chosen`` (bool).
    channels : DataFrame
        The chosen annual channel targets: ``channel_id``, ``channel_name``, ``role``,
        ``revenue_target(_cents)``, ``gross_profit_target(_cents)`` (``NaN``/0 when managing
        for revenue only), ``last_year_revenue`` (run-rate basis), ``growth``.
    partners : DataFrame
        Annual partner targets per channel (``partner_id`` missing = the channel's sales made
        without a partner): ``channel_id``, ``partner_id``, ``partner_name``, ``basis``,
        ``run_rate``, ``potential``, ``weight``, ``revenue_target(_cents)``,
        ``gross_profit_target(_cents)``.
    quarters : DataFrame
        Channel × quarter: ``channel_id``, ``quarter``, ``fiscal_quarter``, ``season_share``,
        ``season_source``, ``revenue_target(_cents)``, ``gross_profit_target(_cents)``.
    partner_quarters : DataFrame
        Partner × quarter: ``channel_id``, ``partner_id``, ``quarter``, ``metric``,
        ``target_cents``.
    indicators : DataFrame
        :func:`leading_indicators`.
    """

    settings: TargetSettings
    basis: pd.DataFrame
    trend: pd.DataFrame
    potential: pd.DataFrame | None
    potential_note: str
    methods: pd.DataFrame
    channels: pd.DataFrame
    partners: pd.DataFrame
    quarters: pd.DataFrame
    partner_quarters: pd.DataFrame
    indicators: pd.DataFrame

    @property
    def metrics(self) -> tuple[str, ...]:
        """Metrics the plan sets: ``revenue`` and, for revenue and profit, ``gross_profit``."""
        if self.settings.gross_profit_objective_cents is None:
            return ("revenue",)
        return ("revenue", "gross_profit")


def split_gross_profit(
    total: int | None, revenue_cents: np.ndarray, margins: np.ndarray
) -> np.ndarray:
    """Split a gross-profit objective in proportion to revenue target × gross margin.

    Parameters
    ----------
    total : int or None
        The gross-profit objective to split (cents, ≥ 0); ``None`` when the year is not managed
        for profit.
    revenue_cents : numpy.ndarray of int
        Each part's revenue target (cents): channels, or a channel's partners.
    margins : numpy.ndarray of float
        Each part's gross margin (fraction; ``NaN`` and negative margins count as 0).

    Returns
    -------
    numpy.ndarray of int64
        Gross-profit targets in cents summing exactly to ``total`` (:func:`apportion`); all 0
        when ``total`` is ``None``.

    Notes
    -----
    The weight of a part is ``revenue × max(margin, 0)``, so a part's profit target follows its
    margin structure. Where no part has a positive weight, the split follows revenue alone.

    Examples
    --------
    >>> split_gross_profit(1000, np.array([600, 400]), np.array([0.5, 0.25])).tolist()
    [750, 250]
    >>> split_gross_profit(1000, np.array([600, 400]), np.array([np.nan, -0.1])).tolist()
    [600, 400]
    >>> split_gross_profit(None, np.array([600, 400]), np.array([0.5, 0.25])).tolist()
    [0, 0]
    """
    if total is None:
        return np.zeros(len(revenue_cents), dtype="int64")
    w = revenue_cents.astype("float64") * np.clip(np.nan_to_num(margins, nan=0.0), 0, None)
    if len(w) and w.sum() <= 0:
        w = revenue_cents.astype("float64")
    return apportion(total, w)


def set_targets(wb: Workbook, settings: TargetSettings) -> TargetPlan:
    """Objectives → channel, partner and quarter targets → leading indicators, in one call.

    Parameters
    ----------
    wb : Workbook
    settings : TargetSettings
        From :func:`target_settings`.

    Returns
    -------
    TargetPlan

    Notes
    -----
    The steps and their methods are described in the module docstring; every amount is whole
    cents and every sum is exact (see :func:`apportion`, :func:`round_grid`). Gross-profit
    targets (managing for revenue and profit) split the gross-profit objective in proportion to
    each channel's revenue target × its gross margin over the basis window (partners: their own
    margin, else the channel's), so a channel's profit target reflects its margin structure.
    """
    ds = wb.dataset
    basis = channel_basis(wb, settings)
    monthly = _monthly(wb)
    quarterly = monthly.groupby(["channel_id", "quarter"], as_index=False)["revenue_cents"].sum()
    quarterly = quarterly[quarterly["revenue_cents"] != 0].copy()
    quarterly["revenue"] = quarterly["revenue_cents"] / 100
    cal = ds.calendar
    first = str(quarterly["quarter"].min()) if len(quarterly) else settings.basis_quarters[0]
    last = max(settings.quarters[-1], wb.quarter)
    trend = trend_forecasts(
        quarterly[quarterly["channel_id"].isin(settings.channels)],
        settings.quarters,
        all_quarters=cal.quarter_range(min(first, settings.basis_quarters[0]), last),
    )
    basis["trend"] = basis["channel_id"].map(trend.set_index("channel_id")["forecast"])
    partners = _active_partners(wb, settings)
    potential = None
    if ds.has("partner_reports"):
        potential = partner_potential(wb, settings)
        channel_pot = potential.groupby("channel_id")["potential"].sum()
        channel_rr = potential.groupby("channel_id")["run_rate"].sum()
        # channel potential = its run rate + its reporting partners' headroom
        headroom = (channel_pot - channel_rr).clip(lower=0)
        basis["potential"] = basis["run_rate"] + basis["channel_id"].map(headroom).fillna(0.0)
        potential_note = (
            "Potential = each channel's run rate plus the headroom its reporting partners show "
            "(share of wallet they could reach × capability); channels without partner reports "
            "count at their run rate."
        )
    else:
        basis["potential"] = np.nan
        potential_note = "The potential method fell back to history: " + ds.missing_note(
            "partner_reports"
        )
    methods = allocate_channels(
        basis, settings.revenue_objective_cents, blend_weights=settings.blend_weights
    )
    methods["chosen"] = methods["method"] == settings.method
    chosen = methods[methods["chosen"]].set_index("channel_id")
    ch = basis[
        ["channel_id", "channel_name", "role", "role_weight", "run_rate", "gross_margin"]
    ].copy()
    ch["revenue_target_cents"] = ch["channel_id"].map(chosen["target_cents"]).astype("int64")
    ch["gross_profit_target_cents"] = split_gross_profit(
        settings.gross_profit_objective_cents,
        ch["revenue_target_cents"].to_numpy(),
        ch["gross_margin"].to_numpy(),
    )
    ch["revenue_target"] = ch["revenue_target_cents"] / 100
    ch["gross_profit_target"] = (
        ch["gross_profit_target_cents"] / 100
        if settings.gross_profit_objective_cents is not None
        else np.nan
    )
    ch["growth"] = ch["revenue_target"] / ch["run_rate"].where(ch["run_rate"] > 0) - 1
    # quarters
    season = seasonality(wb, settings)
    qrows = []
    for c, rev_t, gp_t in ch[
        ["channel_id", "revenue_target_cents", "gross_profit_target_cents"]
    ].itertuples(index=False):
        s = season[season["channel_id"] == c].sort_values("fiscal_quarter")
        rq = apportion(int(rev_t), s["share"].to_numpy())
        gq = apportion(int(gp_t), s["share"].to_numpy())
        for k, quarter in enumerate(settings.quarters):
            qrows.append(
                {"channel_id": c, "quarter": quarter, "fiscal_quarter": k + 1,
                 "season_share": float(s["share"].iloc[k]), "season_source": s["source"].iloc[k],
                 "revenue_target_cents": int(rq[k]), "gross_profit_target_cents": int(gq[k])}
            )  # fmt: skip
    quarters = pd.DataFrame(qrows)
    quarters["revenue_target"] = quarters["revenue_target_cents"] / 100
    quarters["gross_profit_target"] = quarters["gross_profit_target_cents"] / 100
    # partners
    weights = partner_weights(partners, potential)
    unassigned = _unassigned_run_rate(wb, settings)
    prow, pq = [], []
    for c, rev_t, gp_t, margin in ch[["channel_id", "revenue_target_cents", "gross_profit_target_cents", "gross_margin"]].itertuples(index=False):  # fmt: skip
        w = weights[weights["channel_id"] == c]
        if w.empty:
            continue
        direct = float(unassigned.get(c, 0.0))
        wts = np.append(w["weight"].to_numpy(), direct)
        rev = apportion(int(rev_t), wts)
        pm = (
            w["window_gross_profit_cents"]
            / w["window_revenue_cents"].where(w["window_revenue_cents"] > 0)
        ).fillna(margin)
        gp = split_gross_profit(int(gp_t), rev, np.append(pm.to_numpy(), margin))
        ids = [*w["partner_id"].tolist(), pd.NA]
        names = [*w["partner_name"].tolist(), "(sales without a partner)"]
        bases = [*w["basis"].tolist(), "channel sales without a partner"]
        rrs = [*w["run_rate"].tolist(), direct]
        pots = [*w["potential"].tolist(), np.nan]
        for i, pid in enumerate(ids):
            prow.append(
                {"channel_id": c, "partner_id": pid, "partner_name": names[i], "basis": bases[i],
                 "run_rate": rrs[i], "potential": pots[i], "weight": float(wts[i]),
                 "revenue_target_cents": int(rev[i]), "gross_profit_target_cents": int(gp[i])}
            )  # fmt: skip
        cq = quarters[quarters["channel_id"] == c]
        for metric, annual, col in (("revenue", rev, "revenue_target_cents"), ("gross_profit", gp, "gross_profit_target_cents")):  # fmt: skip
            grid = round_grid(annual, cq[col].tolist())
            for i, pid in enumerate(ids):
                for k, quarter in enumerate(cq["quarter"]):
                    pq.append(
                        {"channel_id": c, "partner_id": pid, "quarter": quarter, "metric": metric,
                         "target_cents": int(grid[i, k])}
                    )  # fmt: skip
    partner_frame = pd.DataFrame(
        prow,
        columns=["channel_id", "partner_id", "partner_name", "basis", "run_rate", "potential",
                 "weight", "revenue_target_cents", "gross_profit_target_cents"],
    )  # fmt: skip
    partner_frame["partner_id"] = partner_frame["partner_id"].astype("string")
    partner_frame["revenue_target"] = partner_frame["revenue_target_cents"] / 100
    partner_frame["gross_profit_target"] = partner_frame["gross_profit_target_cents"] / 100
    pq_frame = pd.DataFrame(
        pq, columns=["channel_id", "partner_id", "quarter", "metric", "target_cents"]
    )
    pq_frame["partner_id"] = pq_frame["partner_id"].astype("string")
    pq_frame["target_cents"] = pq_frame["target_cents"].astype("int64")
    indicators = leading_indicators(wb, settings, quarters)
    return TargetPlan(
        settings=settings, basis=basis, trend=trend, potential=potential,
        potential_note=potential_note, methods=methods, channels=ch, partners=partner_frame,
        quarters=quarters, partner_quarters=pq_frame, indicators=indicators,
    )  # fmt: skip


def _unassigned_run_rate(wb: Workbook, settings: TargetSettings) -> pd.Series:
    """Annual run rate of each partner channel's sales made without a partner (window)."""
    s = metrics.summarise(
        wb.dataset, by=["channel_id", "partner_id"], period="quarter",
        periods=list(settings.basis_quarters),
    )  # fmt: skip
    s = s[s["partner_id"].isna()]
    return (s.groupby("channel_id")["revenue_cents"].sum().clip(lower=0) / 100).astype("float64")


# -- the plans folder ----------------------------------------------------------------------------------
def plan_rows(plan: TargetPlan) -> pd.DataFrame:
    """The chosen targets in the data contract's ``targets.csv`` shape.

    Returns
    -------
    DataFrame
        ``quarter``, ``channel_id``, ``partner_id`` (empty = channel level), ``metric``
        (``revenue``, and ``gross_profit`` when managing for revenue and profit), ``target``
        (text with two decimals, exact), ``target_cents`` (int64); channel rows first. A
        channel's sales made without a partner keep no row of their own: they are the channel
        target minus its partners'.
    """
    rows = []
    for metric in plan.metrics:
        col = f"{metric}_target_cents"
        for c, quarter, cents in plan.quarters[["channel_id", "quarter", col]].itertuples(
            index=False
        ):
            rows.append((quarter, c, "", metric, int(cents)))
    pq = plan.partner_quarters[
        plan.partner_quarters["partner_id"].notna()
        & plan.partner_quarters["metric"].isin(plan.metrics)
    ]
    for c, pid, quarter, metric, cents in pq.itertuples(index=False):
        rows.append((quarter, c, str(pid), metric, int(cents)))
    out = pd.DataFrame(
        rows, columns=["quarter", "channel_id", "partner_id", "metric", "target_cents"]
    )
    out["target"] = [format_cents(c) for c in out["target_cents"]]
    out["target_cents"] = out["target_cents"].astype("int64")
    out = out.sort_values(["quarter", "channel_id", "partner_id", "metric"], kind="stable")
    return out[
        ["quarter", "channel_id", "partner_id", "metric", "target", "target_cents"]
    ].reset_index(drop=True)


def write_plan_targets(
    rows: pd.DataFrame, plans_dir: str | Path, *, overwrite: bool = False
) -> Path:
    """Write targets to ``plans_dir/targets.csv`` atomically, never replacing a plan silently.

    Parameters
    ----------
    rows : DataFrame
        :func:`plan_rows` (``quarter``, ``channel_id``, ``partner_id``, ``metric``,
        ``target_cents``).
    plans_dir : str or Path
        The plans folder (created if missing).
    overwrite : bool
        Replace the existing targets of the same quarters. Rows of other quarters are kept.

    Returns
    -------
    Path
        The targets file.

    Raises
    ------
    PlanExistsError
        When the file already has targets for any of the quarters and ``overwrite`` is False;
        the file is left untouched.
    DataValidationError
        When the existing file is malformed (it is left untouched).

    Notes
    -----
    The new content is written to a temporary file in the same folder and renamed over the old
    one (``os.replace``), so a reader never sees a half-written file.
    """
    return write_targets(rows, plans_dir, overwrite=overwrite)


def save_plan(
    plan: TargetPlan, plans_dir: str | Path, *, write_plan: bool = True, overwrite: bool = False
) -> str:
    """Save the plan to the plans folder under the notebook's policy; say what happened.

    Parameters
    ----------
    plan : TargetPlan
    plans_dir : str or Path
    write_plan : bool
        Write at all (``False``: the targets stay a proposal).
    overwrite : bool
        Replace the targets already saved for the year's quarters.

    Returns
    -------
    str
        One sentence: written, replaced, kept (and how to replace it) or not written.

    Notes
    -----
    - ``write_plan=False``: nothing is written.
    - ``write_plan=True`` and no plan for the year's quarters in the plans folder: written.
    - ``write_plan=True``, a plan exists and ``overwrite=False``: the existing plan is **kept**
      (so running the notebook twice in a row does not fail) and the sentence says how to
      replace it; :func:`write_plan_targets` itself would raise :class:`PlanExistsError`.
    - ``overwrite=True``: the year's quarters are replaced.
    """
    rows = plan_rows(plan)
    path = targets_path(plans_dir)
    year = plan.settings.year
    if not write_plan:
        return (
            f"Not written (write_plan=False): the {year} targets above are a proposal only; "
            f"{path} is unchanged."
        )
    try:
        write_plan_targets(rows, plans_dir, overwrite=overwrite)
    except PlanExistsError:
        return (
            f"Kept the existing plan: {path} already holds targets for {year}, so this run wrote "
            "nothing (the targets above are a proposal). Run again with overwrite=True to replace "
            f"the {year} targets with these."
        )
    verb = "Replaced" if overwrite else "Wrote"
    return (
        f"{verb} {len(rows):,} {year} targets ({', '.join(plan.metrics)}; channel and partner, by "
        f"quarter) in {path}; later reports measure attainment on them."
    )


def explain_new_entities(plan: TargetPlan, wb: Workbook, *, max_partners: int = 5) -> list[str]:
    """Sentences on how young channels and newly onboarded partners got their targets.

    A channel is young when it launched after the data begin, has fewer than eight quarters of
    sales or sold only part of the basis window; a partner is new when it was onboarded inside
    the basis window (at most ``max_partners`` of them are described, the latest by id).

    Returns
    -------
    list of str
        Plain sentences (not escaped): basis, trend model and seasonality of each young channel;
        run rate, potential and target of each new partner.
    """
    ds = wb.dataset
    out = []
    start, _ = _basis_window(wb, plan.settings)
    data_start = pd.Timestamp(ds.sql("SELECT min(order_date) AS d FROM sales")["d"].iloc[0])
    young = plan.basis[
        (plan.basis["months_in_window"] < 12) | (plan.basis["launched_on"] > data_start)
    ]
    for row in young.itertuples(index=False):
        target = plan.channels.set_index("channel_id").loc[row.channel_id, "revenue_target"]
        trend = plan.trend.set_index("channel_id")
        model = trend["model"].get(row.channel_id, "too little history")
        season = plan.quarters[plan.quarters["channel_id"] == row.channel_id]["season_source"].iloc[
            0
        ]
        launched = "" if pd.isna(row.launched_on) else f" (launched {row.launched_on:%Y-%m-%d})"
        points = trend["points"].get(row.channel_id, 0)
        out.append(
            f"Channel {row.channel_name}{launched} has {row.quarters_with_sales} quarters of sales "
            f"up to {wb.quarter}: "
            f"its basis is {row.note} = {row.run_rate:,.0f} {ds.goals.currency} a year; the trend "
            + (
                f"method fits '{model}' on {points} quarters; "
                if model != "too little history"
                else f"method has too little history ({points} full quarters) and uses the run "
                "rate; "
            )
            + "its quarterly phasing follows "
            f"{'its own' if season == 'channel' else 'the company'} seasonality. Target: "
            f"{target:,.0f} {ds.goals.currency}."
        )
    p = plan.partners
    if ds.has("partners") and len(p):
        partners = ds.table("partners").set_index("partner_id")
        recent = partners[partners["onboarded_on"] > start].index
        young_partners = p[p["partner_id"].isin(recent)].sort_values("partner_id")
        shown = young_partners.tail(max_partners)
        if len(young_partners) > len(shown):
            out.append(
                f"{len(young_partners)} partners were onboarded inside the basis window; their "
                f"sales are annualised over the days since onboarding. The latest {len(shown)}:"
            )
        for row in shown.itertuples(index=False):
            onboarded = partners.loc[row.partner_id, "onboarded_on"]
            sold = (
                f"its sales since then are annualised to a run rate of {row.run_rate:,.0f}"
                if row.run_rate > 0
                else "no sales yet, so it starts at its channel's lower-quartile partner weight"
            )
            out.append(
                f"Partner {row.partner_name} ({row.partner_id}, {row.channel_id}) was onboarded on "
                f"{onboarded:%Y-%m-%d}: {sold}"
                + (f", its reported capacity gives a potential of {row.potential:,.0f}"
                   if pd.notna(row.potential) else "")
                + f" ({row.basis}); target {row.revenue_target:,.0f} {ds.goals.currency}."
            )  # fmt: skip
    if not out:
        out.append("Every channel and partner has a full year of history in the basis window.")
    return out


# -- display frames ------------------------------------------------------------------------------------
def waterfall_frame(plan: TargetPlan) -> pd.DataFrame:
    """The bridge from the basis (each channel's run rate) to the objective, step by step.

    Returns
    -------
    DataFrame
        One row per bar, in order: ``step`` (label), ``order`` (int), ``kind`` (``"total"`` or
        ``"channel"``), ``channel_id`` (missing for totals), ``start``, ``end`` (currency: the
        bar spans them), ``amount`` (``end − start``). The first bar is the basis total, then
        one bar per channel (its target minus its run rate), then the objective; the bars add
        up exactly to the objective.
    """
    ch = plan.channels
    base = float(ch["run_rate"].sum())
    rows = [{"step": "Basis (run rate, last 4 quarters)", "kind": "total", "channel_id": pd.NA,
             "start": 0.0, "end": base}]  # fmt: skip
    level = base
    for c, name, target, rr in ch[["channel_id", "channel_name", "revenue_target", "run_rate"]].itertuples(index=False):  # fmt: skip
        rows.append({"step": f"{name} ({c})", "kind": "channel", "channel_id": c,
                     "start": level, "end": level + float(target) - float(rr)})  # fmt: skip
        level += float(target) - float(rr)
    objective = plan.settings.revenue_objective_cents / 100
    rows.append({"step": f"{plan.settings.year} revenue objective", "kind": "total",
                 "channel_id": pd.NA, "start": 0.0, "end": objective})  # fmt: skip
    out = pd.DataFrame(rows)
    out["order"] = np.arange(len(out))
    out["amount"] = out["end"] - out["start"]
    out["channel_id"] = out["channel_id"].astype("string")
    return out


def method_table(plan: TargetPlan) -> pd.DataFrame:
    """Channel targets of every method side by side (one column per method, currency), with
    the trend forecast's prediction interval."""
    wide = plan.methods.pivot(index="channel_id", columns="method", values="target")
    wide = wide.reindex(index=list(plan.settings.channels), columns=list(METHODS)).reset_index()
    names = plan.channels.set_index("channel_id")["channel_name"]
    wide.insert(1, "channel_name", wide["channel_id"].map(names))
    t = plan.trend.set_index("channel_id")
    level = plan.trend.attrs.get("level", 0.9)
    wide[f"trend forecast, {level:.0%} interval"] = [
        "–" if pd.isna(t["forecast"].get(c, np.nan))
        else f"{t.loc[c, 'forecast']:,.0f} ({t.loc[c, 'lower']:,.0f} – {t.loc[c, 'upper']:,.0f})"
        for c in wide["channel_id"]
    ]  # fmt: skip
    wide.columns.name = None
    return wide


def indicator_summary(plan: TargetPlan) -> pd.DataFrame:
    """The channel metrics model, one row per channel × indicator (the year in one line).

    Returns
    -------
    DataFrame
        ``channel_id``, ``role``, ``revenue_target`` (annual), ``indicator``, ``label``,
        ``unit``, ``baseline`` (per quarter), ``target_per_quarter`` (mean of the four quarters),
        ``quarter_targets`` (text, Q1–Q4), ``change`` (mean target ÷ baseline − 1), ``how``,
        ``monitored_in``, ``available``, ``note``.
    """
    ind = plan.indicators
    annual = plan.channels.set_index("channel_id")["revenue_target"]
    rows = []
    for (c, key), g in ind.groupby(["channel_id", "indicator"], sort=False):
        ok = bool(g["available"].iloc[0])
        unit = g["unit"].iloc[0]
        fmt = "{:,.0f}"
        mean = float(g["target"].mean()) if ok else np.nan
        base = float(g["baseline"].iloc[0]) if ok else np.nan
        rows.append(
            {"channel_id": c, "role": g["role"].iloc[0], "revenue_target": float(annual[c]),
             "indicator": key, "label": g["label"].iloc[0], "unit": unit, "baseline": base,
             "target_per_quarter": mean,
             "quarter_targets": " / ".join(fmt.format(v) for v in g["target"]) if ok else "–",
             "change": mean / base - 1 if ok and base else np.nan, "how": g["how"].iloc[0],
             "monitored_in": g["monitored_in"].iloc[0], "available": ok,
             "note": g["note"].iloc[0]}
        )  # fmt: skip
    return pd.DataFrame(rows)


def channel_table(plan: TargetPlan) -> pd.DataFrame:
    """Annual channel targets with their quarters and partner coverage, for display."""
    ch = plan.channels.copy()
    q = plan.quarters.pivot(index="channel_id", columns="quarter", values="revenue_target")
    out = ch[["channel_id", "channel_name", "role", "run_rate", "revenue_target", "growth",
              "gross_profit_target"]].merge(q, left_on="channel_id", right_index=True)  # fmt: skip
    n = plan.partners[plan.partners["partner_id"].notna()].groupby("channel_id").size()
    out["partners_with_targets"] = out["channel_id"].map(n).fillna(0).astype("int64")
    out["target_monitored_in"] = TARGET_MONITORED_IN
    return out


def partner_table(plan: TargetPlan, *, top: int = 25) -> pd.DataFrame:
    """The ``top`` partners by revenue target plus every new partner, for display."""
    p = plan.partners[plan.partners["partner_id"].notna()]
    shown = pd.concat([p.nlargest(top, "revenue_target"), p[p["basis"] == "new partner"]])
    shown = shown.drop_duplicates("partner_id")
    return shown[["channel_id", "partner_id", "partner_name", "basis", "run_rate", "potential",
                  "revenue_target", "gross_profit_target"]].reset_index(drop=True)  # fmt: skip


def _sums_match(parts: pd.Series, totals: pd.Series) -> bool:
    """Whether every group sum in ``parts`` equals the total of the same key in ``totals``."""
    totals = totals.reindex(parts.index)
    return bool(totals.notna().all() and (parts.astype("int64") == totals.astype("int64")).all())


def plan_checks(plan: TargetPlan) -> pd.DataFrame:
    """The guarantees checked on this plan, one row each (all ``holds`` should be True).

    Returns
    -------
    DataFrame
        ``guarantee`` (str), ``holds`` (bool).
    """
    s = plan.settings
    ch = plan.channels.set_index("channel_id")
    q = plan.quarters
    p = plan.partners
    pq = plan.partner_quarters
    checks = [
        (
            "channel revenue targets sum to the objective to the cent",
            int(ch["revenue_target_cents"].sum()) == s.revenue_objective_cents,
        ),
        (
            "each channel's quarters sum to its annual target",
            _sums_match(q.groupby("channel_id")["revenue_target_cents"].sum(),
                        ch["revenue_target_cents"]),
        ),
        (
            "each channel's partner targets (with its sales without a partner) sum to its target",
            _sums_match(p.groupby("channel_id")["revenue_target_cents"].sum(),
                        ch["revenue_target_cents"]),
        ),
        (
            "partner quarter targets sum to the channel's quarter targets",
            _sums_match(
                pq[pq["metric"] == "revenue"].groupby(["channel_id", "quarter"])["target_cents"].sum(),
                q.set_index(["channel_id", "quarter"])["revenue_target_cents"],
            ),
        ),
        (
            "every target is ≥ 0",
            bool((ch["revenue_target_cents"] >= 0).all() and (q["revenue_target_cents"] >= 0).all()
                 and (pq["target_cents"] >= 0).all() and (ch["gross_profit_target_cents"] >= 0).all()),
        ),
    ]  # fmt: skip
    if s.gross_profit_objective_cents is not None:
        checks.append(
            (
                "channel gross-profit targets sum to the gross-profit objective",
                int(ch["gross_profit_target_cents"].sum()) == s.gross_profit_objective_cents,
            )
        )
    return pd.DataFrame(checks, columns=["guarantee", "holds"])


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
    from channel_lib.data.workbook import open_workbook

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


def objective_sentences(wb: Workbook, settings: TargetSettings) -> list[str]:
    """What the targets are for and where the objectives come from, in words (not escaped)."""
    cur = wb.dataset.goals.currency
    s = settings
    out = [
        f"Targets for {s.year} ({s.quarters[0]} – {s.quarters[-1]}), from the history up to "
        f"{wb.quarter}; the basis window is {s.basis_quarters[0]} – {s.basis_quarters[-1]}.",
        f"Revenue objective: {s.revenue_objective_cents / 100:,.2f} {cur} (from {s.objective_source}).",
    ]
    if s.gross_profit_objective_cents is not None:
        out.append(
            f"Managing for revenue and profit (from {s.managing_for_source}): gross-profit "
            f"objective = revenue objective × gross-margin goal {s.gross_margin_goal:.1%} = "
            f"{s.gross_profit_objective_cents / 100:,.2f} {cur}."
        )
    else:
        out.append(f"Managing for revenue (from {s.managing_for_source}): revenue targets only.")
    weights = ", ".join(f"{m} {w:.0%}" for m, w in s.blend_weights.items() if w)
    out.append(
        f"Chosen method: {s.method}" + (f" (blend of {weights})." if s.method == "blend" else ".")
    )
    return out
