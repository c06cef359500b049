"""Orientation and alignment (notebook ``01_orientation_alignment``): what each channel delivers
against the corporate goals of a fiscal year, why it is out of line, channel conflict and
dependency, and how all of it moved from year to year.

Window
------
A fiscal year is read *as of the reporting quarter*: its quarters up to the reporting quarter
(the whole year once its last quarter is reported; year to date otherwise), compared like for
like with the same quarters one year earlier. Money is summed exactly in cents from the metrics
cube (:mod:`channel_lib.data.cube`); ratios are fractions (0.25 = 25 %).

Alignment score
---------------
Each channel is measured on the dimensions of :data:`DIMENSIONS`. For every dimension there is an
*actual* value, a *goal* taken from ``goals.yaml`` (or from the company as a whole where
``goals.yaml`` sets none), a *direction* and a *tolerance*:

=================  ==============================================  ==========================  ==========
dimension          actual                                          goal (direction)             tolerance
=================  ==============================================  ==========================  ==========
revenue_growth     channel revenue vs the same quarters a year     growth the revenue           0.20
                   before                                          objective needs over last
                                                                   year's company revenue
                                                                   (at least)
gross_margin       gross profit / revenue                          ``gross_margin_goal``        0.10
                                                                   (at least)
margin_trend       gross margin change vs a year before (points)   0, no erosion (at least)     0.05
segment_focus      share of revenue from the channel's declared    1 (at least)                 1
                   segments (no declared segments: 1 − total
                   variation distance to the corporate focus mix)
product_focus      the same for product lines                      1 (at least)                 1
new_customers      share of revenue from customers new to the      by customer focus:           see goal
                   company (first purchase in the window, with a   acquisition at least the
                   year of history before it)                      corporate share (tol. =
                                                                   share); coverage at least
                                                                   half of it (tol. = half);
                                                                   expansion at most it (tol.
                                                                   = 1 − share)
cost_to_serve      cost to serve / revenue                         company ratio (at most)      the goal
discount           list-value-weighted discount                    company discount (at most)   the goal
=================  ==============================================  ==========================  ==========

The dimension score is ``1 − clip(shortfall / tolerance, 0, 1)`` in [0, 1], where the shortfall
is ``goal − actual`` (at least) or ``actual − goal`` (at most): 1 when the goal is met or beaten,
falling linearly to 0 when the channel misses it by the tolerance or more. The alignment score is
the weighted mean over the dimensions that can be measured for the channel, times 100::

    score = 100 × Σ_d w_d s_d / Σ_d w_d        (d over the measurable dimensions)

so a channel meeting every goal scores 100, the maximum. A dimension that cannot be measured (no
prior year, a new channel, no ``channel_costs.csv``, no list prices) is left out and the other
weights are rescaled. ``points_lost = 100 × w_d (1 − s_d) / Σ w`` says how much each dimension
costs the channel: the breakdown that shows *why* a channel is out of line.

Weights are a parameter (:data:`DEFAULT_WEIGHTS` by what the year is managed for: revenue, or
revenue and profit); they must name known dimensions and sum to 1 (unnamed dimensions weigh 0).
**Raising one dimension's weight** (taking the weight from the others in proportion) **pulls
every channel's score towards its score on that dimension**: a channel that does worse on that
dimension than overall loses points, one that does better gains. With ``w' = (1 − t) w + t e_d``
the score is exactly ``(1 − t) score + t · 100 s_d`` when every dimension is measurable.

Findings
--------
Named in words (:func:`misalignments`), each with a ``kind``:

- ``margin_erosion``: revenue grew while the gross margin fell by ``margin_drop`` (2 points) or
  more;
- ``role_departure``: the channel's actual role departs from the declared one — less than
  ``role_share`` (50 %) of its revenue from its declared segments or product lines, or customer
  focus contradicted (an acquisition channel bringing a smaller new-customer share than the
  company's established channels; an expansion channel whose new-customer share reaches the
  corporate goal); not judged in a channel's first year;
- ``growth_shortfall``: growth ``growth_gap`` (10 points) or more below what the objective needs;
- ``off_goal``: any other dimension scoring below ``flag_below`` (0.5).

Channel conflict (:func:`channel_conflict`): customers buying through two channels (or two
partners) *in the same quarter*, so a customer who moved is not counted; a pair is a conflict
when at least ``min_customers`` (5) customers are shared and the discounts the two give them lie
``discount_gap`` (5 points) or more apart. Dependency (:func:`dependency`): a channel with at
least ``dependency_threshold`` (30 %) of revenue, or a partner with that share of the revenue sold
through partners (as :func:`channel_lib.data.cube.revenue_shares` measures it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.goals import MANAGING_FOR, YearGoals
from channel_lib.data.workbook import Workbook, open_workbook
from channel_lib.presentation.html import plus_zero

#: Dimensions of the alignment score → label in the reader's words.
DIMENSIONS: dict[str, str] = {
    "revenue_growth": "Revenue growth",
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

_MANAGING_WORDS = {"revenue": "revenue", "revenue_and_profit": "revenue and profit"}


# -- parameters -------------------------------------------------------------------------------------
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


def check_parameters(
    *,
    year: str = "latest",
    weights: Mapping[str, float] | None = None,
    dependency_threshold: float = 0.30,
    managing_for: str = "goals",
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
    """Fiscal years with a ``goals.yaml`` section and sales, up to the reporting quarter's year.

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> available_years(wb)
    ['FY2025', 'FY2026']
    """
    cal = wb.dataset.calendar
    with_sales = {cal.year_of_quarter(q) for q in wb.quarters}
    return [y for y in wb.dataset.goals.years if y in with_sales and y <= wb.year]


def resolve_settings(
    wb: Workbook,
    *,
    year: str = "latest",
    weights: Mapping[str, float] | None = None,
    dependency_threshold: float = 0.30,
    managing_for: str = "goals",
) -> Settings:
    """Validate the parameters against the data and fill in the defaults.

    Parameters
    ----------
    wb : Workbook
    year, weights, dependency_threshold, managing_for
        See :func:`check_parameters`; ``year="latest"`` is the fiscal year of the reporting
        quarter.

    Returns
    -------
    Settings

    Raises
    ------
    ParameterError
        Bad parameters, or a year outside the data (no goals section, no sales, or after the
        reporting quarter).

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> s = resolve_settings(wb)
    >>> s.year, s.quarters, s.managing_for
    ('FY2026', ('FY2026-Q1', 'FY2026-Q2', 'FY2026-Q3', 'FY2026-Q4'), 'revenue_and_profit')
    """
    check_parameters(
        year=year, weights=weights, dependency_threshold=dependency_threshold,
        managing_for=managing_for,
    )  # fmt: skip
    years = available_years(wb)
    chosen = wb.year if year == "latest" else year
    if chosen not in years:
        raise ParameterError(
            f"year {chosen} is outside the data: the years with goals in goals.yaml and sales up "
            f"to the reporting quarter {wb.quarter} are {', '.join(years) or 'none'}"
        )
    cal = wb.dataset.calendar
    quarters = tuple(q for q in wb.quarters if cal.year_of_quarter(q) == chosen)
    if managing_for == "goals":
        mf, mf_source = wb.dataset.goals.years[chosen].managing_for, "goals.yaml"
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
    check_parameters(
        year=year, weights=weights, dependency_threshold=dependency_threshold,
        managing_for=managing_for,
    )  # fmt: skip
    wb = open_workbook(data_dir, quarter, plans_dir)
    return wb, resolve_settings(
        wb, year=year, weights=weights, dependency_threshold=dependency_threshold,
        managing_for=managing_for,
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


# -- measuring the channels ---------------------------------------------------------------------------
#: Attribute of the dataset memoising :func:`_quarterly` (grouping → frame), as the cube is memoised.
_QUARTERLY_MEMO = "_alignment_quarterly"


def _quarterly(ds, by: list[str]) -> pd.DataFrame:
    """Every quarter's cube sums by ``by``, queried once per dataset and grouping.

    Windows (a year to date, the same quarters a year before) are then cut in pandas, so scoring
    another quarter — the alignment explorer's quarter selector — runs no new query.
    """
    memo = vars(ds).setdefault(_QUARTERLY_MEMO, {})
    key = tuple(by)
    if key not in memo:
        memo[key] = metrics.cube_sums(ds, by=by, period="quarter")
    return memo[key]


def _window(ds, by: list[str], quarters) -> pd.DataFrame:
    """Exact cents of ``quarters`` summed by ``by`` (the metrics cube's sums)."""
    if not quarters:
        cols = [
            *by,
            "revenue_cents",
            "cost_of_sales_cents",
            "listed_revenue_cents",
            "list_value_cents",
        ]
        return pd.DataFrame(columns=cols)
    frame = _quarterly(ds, by)
    frame = frame[frame["period"].isin(list(quarters))]
    sums = ["revenue_cents", "cost_of_sales_cents", "listed_revenue_cents", "list_value_cents"]
    if not by:
        return frame[sums].sum().to_frame().T.astype("int64")
    return frame.groupby(by, dropna=False)[sums].sum().reset_index()


def _ratio(num, den):
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)


def _mix_share(mix: pd.Series, declared: tuple[str, ...], focus: dict[str, float]) -> float:
    """Share of ``mix`` (shares summing to 1) in ``declared``; without: 1 − TVD to ``focus``."""
    if mix.empty:
        return float("nan")
    if declared:
        return float(mix[mix.index.isin(declared)].sum())
    if focus:
        keys = set(mix.index) | set(focus)
        return 1.0 - 0.5 * sum(abs(float(mix.get(k, 0.0)) - focus.get(k, 0.0)) for k in keys)
    return float("nan")


def channel_actuals(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """What each channel delivered in the year's window, on every goal dimension.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
        From :func:`resolve_settings` (the year and its window).

    Returns
    -------
    DataFrame
        One row per channel with sales in the window (``channels.csv`` order):

        - ``year``, ``channel_id``, ``channel_name``, ``role``, ``customer_focus`` (declared;
          ``<NA>`` when goals.yaml declares no role for the channel), ``new_channel`` (bool:
          first sale inside the window).
        - ``revenue``, ``previous_revenue`` (float, currency), ``revenue_share``.
        - ``revenue_growth`` (fraction; ``NaN`` without revenue a year before).
        - ``gross_margin``, ``previous_gross_margin``, ``margin_change`` (fraction points).
        - ``discount`` (list-value-weighted), ``cost_to_serve_ratio`` (cost to serve / revenue;
          ``NaN`` without ``channel_costs.csv``).
        - ``segment_share``, ``product_share``: share of revenue from the declared segments /
          product lines (1 − total variation distance to the corporate focus when none declared).
        - ``top_segment``, ``top_segment_share``, ``top_product_line``, ``top_product_share``.
        - ``new_customer_share``: revenue from customers whose first purchase falls in the window
          (``NaN`` when the data do not reach a year before the window).

        ``frame.attrs`` holds the company figures: ``company`` (dict with ``revenue``,
        ``previous_revenue``, ``revenue_growth``, ``gross_margin``, ``margin_change``,
        ``discount``, ``cost_to_serve_ratio``, ``new_customer_share`` (established channels),
        ``required_growth``).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> a = channel_actuals(wb, s)
    >>> a[["channel_id", "revenue", "revenue_growth", "gross_margin", "segment_share"]].round(4)
      channel_id  revenue  revenue_growth  gross_margin  segment_share
    0        DIR  32720.0         -0.0239        0.4059            1.0
    1       DIST  17435.0         -0.2416        0.2395            1.0
    2        WEB  10200.0          2.3117        0.2500            1.0
    """
    ds = wb.dataset
    goals: YearGoals = ds.goals.years[settings.year]
    cal = ds.calendar
    channels = ds.table("channels")[["channel_id", "channel_name"]].astype("string")
    now = _window(ds, ["channel_id"], settings.quarters)
    before = _window(ds, ["channel_id"], settings.previous_quarters)
    before = before.rename(columns={c: f"prev_{c}" for c in before.columns if c != "channel_id"})
    frame = channels.merge(now, on="channel_id", how="inner").merge(
        before, on="channel_id", how="left"
    )
    frame = frame[frame["revenue_cents"] > 0].reset_index(drop=True)
    for c in [c for c in frame.columns if c.endswith("_cents")]:
        frame[c] = frame[c].fillna(0).astype("int64")
    first_quarter = wb.quarters[0]
    prior_in_data = cal.shift_quarter(settings.quarters[0], -4) >= first_quarter
    frame["year"] = settings.year
    frame["revenue"] = frame["revenue_cents"] / 100.0
    frame["previous_revenue"] = np.where(prior_in_data, frame["prev_revenue_cents"] / 100.0, np.nan)
    total = frame["revenue_cents"].sum()
    frame["revenue_share"] = frame["revenue_cents"] / total
    frame["revenue_growth"] = np.where(
        frame["prev_revenue_cents"] > 0,
        _ratio(frame["revenue_cents"] - frame["prev_revenue_cents"], frame["prev_revenue_cents"]),
        np.nan,
    )
    frame["gross_margin"] = _ratio(
        frame["revenue_cents"] - frame["cost_of_sales_cents"], frame["revenue_cents"]
    )
    frame["previous_gross_margin"] = np.where(
        frame["prev_revenue_cents"] > 0,
        _ratio(
            frame["prev_revenue_cents"] - frame["prev_cost_of_sales_cents"],
            frame["prev_revenue_cents"],
        ),
        np.nan,
    )
    frame["margin_change"] = frame["gross_margin"] - frame["previous_gross_margin"]
    frame["discount"] = 1.0 - _ratio(frame["listed_revenue_cents"], frame["list_value_cents"])
    # cost to serve
    if ds.has("channel_costs"):
        costs = metrics.cost_to_serve(ds, period="quarter", periods=list(settings.quarters))
        cts = costs.groupby("channel_id")["cost_to_serve_cents"].sum()
        frame["cost_to_serve_cents"] = frame["channel_id"].map(cts).fillna(0).astype("int64")
        frame["cost_to_serve_ratio"] = _ratio(frame["cost_to_serve_cents"], frame["revenue_cents"])
    else:
        frame["cost_to_serve_cents"] = 0
        frame["cost_to_serve_ratio"] = np.nan
    # declared roles
    roles = goals.channels
    frame["role"] = pd.array(
        [roles[c].role if c in roles else pd.NA for c in frame["channel_id"]], dtype="string"
    )
    frame["customer_focus"] = pd.array(
        [roles[c].customer_focus if c in roles else pd.NA for c in frame["channel_id"]],
        dtype="string",
    )
    # first sale of each channel, customers' first quarter
    quarterly = _quarterly(ds, ["channel_id"])
    quarterly = quarterly[quarterly["revenue_cents"] > 0]
    first_sale = quarterly.groupby("channel_id")["period_start"].min()
    window_start = cal.quarter_bounds(settings.quarters[0])[0]
    frame["new_channel"] = frame["channel_id"].map(first_sale) >= window_start
    # segment and product-line mix
    cust = _window(ds, ["channel_id", "customer_id"], settings.quarters)
    segments = ds.table("customers")[["customer_id", "segment"]].astype("string")
    cust = cust.merge(segments, on="customer_id", how="left")
    seg = cust.groupby(["channel_id", "segment"])["revenue_cents"].sum()
    lines = _window(ds, ["channel_id", "product_line"], settings.quarters)
    prod = lines.set_index(["channel_id", "product_line"])["revenue_cents"]
    out_seg, out_prod = [], []
    for ch in frame["channel_id"]:
        role = roles.get(ch)
        for mix_all, declared, focus, out in (
            (seg, role.segments if role else (), goals.segment_focus, out_seg),
            (prod, role.product_lines if role else (), goals.product_line_focus, out_prod),
        ):
            mix = mix_all.loc[ch] if ch in mix_all.index.get_level_values(0) else pd.Series()
            mix = mix[mix > 0]
            mix = (mix / mix.sum()) if len(mix) else mix
            top = mix.sort_values(ascending=False, kind="stable")
            out.append(
                (
                    _mix_share(mix, declared, focus),
                    str(top.index[0]) if len(top) else pd.NA,
                    float(top.iloc[0]) if len(top) else np.nan,
                )
            )
    frame["segment_share"] = [v[0] for v in out_seg]
    frame["top_segment"] = pd.array([v[1] for v in out_seg], dtype="string")
    frame["top_segment_share"] = [v[2] for v in out_seg]
    frame["product_share"] = [v[0] for v in out_prod]
    frame["top_product_line"] = pd.array([v[1] for v in out_prod], dtype="string")
    frame["top_product_share"] = [v[2] for v in out_prod]
    # new customers: first purchase (positive quarter) inside the window, a year of history before
    by_customer = _quarterly(ds, ["customer_id"])
    by_customer = by_customer[by_customer["revenue_cents"] > 0]
    first_q = by_customer.groupby("customer_id")["period_start"].min()
    cust["new"] = cust["customer_id"].map(first_q) >= window_start
    new_rev = cust[cust["new"]].groupby("channel_id")["revenue_cents"].sum()
    all_rev = cust.groupby("channel_id")["revenue_cents"].sum()
    frame["new_customer_cents"] = frame["channel_id"].map(new_rev).fillna(0).astype("int64")
    frame["new_customer_share"] = np.where(
        prior_in_data,
        _ratio(frame["new_customer_cents"], frame["channel_id"].map(all_rev)),
        np.nan,
    )
    # the company
    # company totals over every channel (one that stopped selling still counts a year before)
    prev_total = (
        int(_window(ds, [], settings.previous_quarters)["revenue_cents"].sum())
        if prior_in_data
        else 0
    )
    established = frame[~frame["new_channel"]]
    company = {
        "revenue": total / 100.0,
        "previous_revenue": prev_total / 100.0 if prior_in_data else np.nan,
        "revenue_growth": (total - prev_total) / prev_total if prev_total > 0 else np.nan,
        "gross_margin": float(_ratio(total - frame["cost_of_sales_cents"].sum(), total)),
        "discount": float(
            1.0 - _ratio(frame["listed_revenue_cents"].sum(), frame["list_value_cents"].sum())
        ),
        "cost_to_serve_ratio": float(_ratio(frame["cost_to_serve_cents"].sum(), total))
        if ds.has("channel_costs")
        else np.nan,
        "new_customer_share": float(
            _ratio(established["new_customer_cents"].sum(), established["revenue_cents"].sum())
        )
        if prior_in_data
        else np.nan,
    }
    if prev_total > 0:
        company["previous_gross_margin"] = float(
            _ratio(prev_total - frame["prev_cost_of_sales_cents"].sum(), prev_total)
        )
        company["margin_change"] = company["gross_margin"] - company["previous_gross_margin"]
        # the objective is for a whole year: compare it with last year's whole-year revenue
        full_prev = _window(
            ds,
            [],
            [q for q in wb.quarters if cal.year_of_quarter(q) == _previous_year(settings.year)],
        )
        base = int(full_prev["revenue_cents"].iloc[0]) if len(full_prev) else 0
        company["required_growth"] = (
            goals.revenue_objective * 100 / base - 1 if base > 0 else np.nan
        )
    else:
        company["previous_gross_margin"] = company["margin_change"] = np.nan
        company["required_growth"] = np.nan
    order = [
        "year", "channel_id", "channel_name", "role", "customer_focus", "new_channel", "revenue",
        "previous_revenue", "revenue_share", "revenue_growth", "gross_margin",
        "previous_gross_margin", "margin_change", "discount", "cost_to_serve_ratio",
        "segment_share", "top_segment", "top_segment_share", "product_share", "top_product_line",
        "top_product_share", "new_customer_share", "revenue_cents", "cost_to_serve_cents",
    ]  # fmt: skip
    out = frame[order].copy()
    out.attrs["company"] = company
    return out


def _previous_year(year: str) -> str:
    return f"FY{int(year[2:]) - 1}"


# -- scoring ------------------------------------------------------------------------------------------
def dimension_goals(actuals: pd.DataFrame, goals: YearGoals) -> pd.DataFrame:
    """Actual, goal, direction and tolerance per channel and dimension (long form).

    Parameters
    ----------
    actuals : DataFrame
        From :func:`channel_actuals` (its ``attrs["company"]`` gives the company benchmarks).
    goals : YearGoals
        The year's section of goals.yaml.

    Returns
    -------
    DataFrame
        One row per channel and dimension of :data:`DIMENSIONS`: ``year``, ``channel_id``,
        ``channel_name``, ``dimension``, ``label``, ``actual``, ``goal`` (float, ``NaN`` when not
        measurable), ``direction`` (``"at_least"`` / ``"at_most"``), ``tolerance`` (float > 0).
    """
    company = actuals.attrs.get("company", {})
    rows = []
    for r in actuals.itertuples(index=False):
        focus = r.customer_focus if isinstance(r.customer_focus, str) else "coverage"
        share = goals.new_customer_share
        new_goal = {
            "acquisition": (share, "at_least", share),
            "coverage": (share / 2, "at_least", share / 2),
            "expansion": (share, "at_most", 1 - share),
        }[focus]
        cts_goal = company.get("cost_to_serve_ratio", np.nan)
        disc_goal = company.get("discount", np.nan)
        spec = {
            "revenue_growth": (r.revenue_growth, company.get("required_growth", np.nan), "at_least", TOLERANCE["revenue_growth"]),
            "gross_margin": (r.gross_margin, goals.gross_margin_goal, "at_least", TOLERANCE["gross_margin"]),
            "margin_trend": (r.margin_change, 0.0, "at_least", TOLERANCE["margin_trend"]),
            "segment_focus": (r.segment_share, 1.0, "at_least", TOLERANCE["segment_focus"]),
            "product_focus": (r.product_share, 1.0, "at_least", TOLERANCE["product_focus"]),
            "new_customers": (np.nan if r.new_channel else r.new_customer_share, *new_goal),
            "cost_to_serve": (r.cost_to_serve_ratio, cts_goal, "at_most", cts_goal),
            "discount": (r.discount, disc_goal, "at_most", disc_goal),
        }  # fmt: skip
        for dim, (actual, goal, direction, tol) in spec.items():
            rows.append(
                {
                    "year": r.year, "channel_id": r.channel_id, "channel_name": r.channel_name,
                    "dimension": dim, "label": DIMENSIONS[dim], "actual": float(actual),
                    "goal": float(goal), "direction": direction, "tolerance": float(tol),
                }
            )  # fmt: skip
    cols = ["year", "channel_id", "channel_name", "dimension", "label", "actual", "goal",
            "direction", "tolerance"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def score_dimensions(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Score each dimension and weight it (the method is in the module docstring).

    Parameters
    ----------
    frame : DataFrame
        Long form with ``channel_id``, ``dimension``, ``actual``, ``goal``, ``direction``
        (``"at_least"``/``"at_most"``) and ``tolerance`` (> 0), as :func:`dimension_goals` makes.
    weights : mapping of str to float
        Dimension → weight (missing dimensions weigh 0).

    Returns
    -------
    DataFrame
        ``frame`` plus ``shortfall`` (how far short of the goal, ≥ 0), ``score`` (0–1; ``NaN``
        when not measurable), ``weight``, ``effective_weight`` (rescaled over the channel's
        measurable dimensions), ``points`` (``100 × effective_weight × score``) and
        ``points_lost`` (``100 × effective_weight × (1 − score)``). A channel's ``points`` sum to
        its alignment score.

    Examples
    --------
    >>> f = pd.DataFrame({"channel_id": ["A", "A"], "dimension": ["gross_margin", "discount"],
    ...                   "actual": [0.30, 0.25], "goal": [0.35, 0.20],
    ...                   "direction": ["at_least", "at_most"], "tolerance": [0.10, 0.20]})
    >>> score_dimensions(f, {"gross_margin": 0.5, "discount": 0.5})[["score", "points"]]
       score  points
    0   0.50    25.0
    1   0.75    37.5
    """
    out = frame.copy()
    actual = out["actual"].astype("float64")
    goal = out["goal"].astype("float64")
    below = out["direction"].eq("at_least")
    shortfall = np.where(below, goal - actual, actual - goal)
    tol = out["tolerance"].astype("float64").clip(lower=1e-12)
    score = 1.0 - np.clip(shortfall / tol, 0.0, 1.0)
    out["shortfall"] = np.clip(shortfall, 0.0, None)
    out["score"] = np.where(np.isnan(shortfall), np.nan, score)
    out["weight"] = out["dimension"].map(lambda d: float(weights.get(d, 0.0))).astype("float64")
    measured = out["weight"].where(out["score"].notna(), 0.0)
    total = measured.groupby(out["channel_id"]).transform("sum")
    out["effective_weight"] = np.where(total > 0, measured / total.where(total > 0, 1), 0.0)
    out["points"] = 100 * out["effective_weight"] * out["score"].fillna(0.0)
    out["points_lost"] = 100 * out["effective_weight"] * (1 - out["score"].fillna(1.0))
    return out


def _fmt(dim: str, value: float) -> str:
    """A dimension's figure as the reader reads it (``+7.5%``, ``-4.7 pts``, ``53.8%``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if dim in ("revenue_growth",):
        return plus_zero(f"{value:+.1%}")
    if dim == "margin_trend":
        return plus_zero(f"{value * 100:+.1f} pts")
    return f"{value:.1%}"


def alignment_breakdown(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """The per-dimension breakdown of every channel's alignment score for the year.

    Returns
    -------
    DataFrame
        :func:`score_dimensions` of :func:`dimension_goals`, plus ``actual_text`` and
        ``goal_text`` (the figures as the reader reads them, e.g. ``+7.5%``, ``-4.7 pts``) and
        ``channel_score`` (the channel's alignment score, 0–100).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> b = alignment_breakdown(wb, s)
    >>> b.groupby("channel_id")["points"].sum().round(1).to_dict()
    {'DIR': 77.0, 'DIST': 36.2, 'WEB': 58.3}
    """
    actuals = channel_actuals(wb, settings)
    goals = wb.dataset.goals.years[settings.year]
    scored = score_dimensions(dimension_goals(actuals, goals), settings.weights)
    scored["actual_text"] = [
        _fmt(d, v) for d, v in zip(scored["dimension"], scored["actual"], strict=True)
    ]
    scored["goal_text"] = [
        ("≥ " if dr == "at_least" else "≤ ") + _fmt(d, v)
        for d, v, dr in zip(scored["dimension"], scored["goal"], scored["direction"], strict=True)
    ]
    scored["channel_score"] = scored.groupby("channel_id")["points"].transform("sum")
    scored.attrs["company"] = actuals.attrs["company"]
    scored.attrs["actuals"] = actuals
    return scored


def alignment_scores(breakdown: pd.DataFrame) -> pd.DataFrame:
    """One row per channel: its alignment score and what costs it most.

    Returns
    -------
    DataFrame
        ``year``, ``channel_id``, ``channel_name``, ``score`` (0–100), ``weakest`` (label of the
        dimension losing most points), ``weakest_points_lost``, ``measured`` (dimensions scored),
        ordered by score, lowest first.
    """
    rows = []
    for (year, ch, name), g in breakdown.groupby(
        ["year", "channel_id", "channel_name"], sort=False
    ):
        worst = g.sort_values("points_lost", ascending=False, kind="stable").iloc[0]
        rows.append(
            {
                "year": year, "channel_id": ch, "channel_name": name,
                "score": float(g["points"].sum()),
                "weakest": worst["label"] if worst["points_lost"] > 0 else "–",
                "weakest_points_lost": float(worst["points_lost"]),
                "measured": int(g["score"].notna().sum()),
            }
        )  # fmt: skip
    out = pd.DataFrame(rows)
    return out.sort_values(["score", "channel_id"], kind="stable").reset_index(drop=True)


# -- roles and misalignment -----------------------------------------------------------------------------
def role_fit(
    wb: Workbook,
    settings: Settings,
    actuals: pd.DataFrame | None = None,
    *,
    role_share: float = 0.5,
) -> pd.DataFrame:
    """Each channel's declared role against its actual one: whom it sells to, what, new vs existing.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
    actuals : DataFrame, optional
        :func:`channel_actuals` (computed when not given).
    role_share : float
        Share of revenue from the declared segments (or product lines) below which the actual
        role departs from the declared one.

    Returns
    -------
    DataFrame
        One row per channel: ``year``, ``channel_id``, ``channel_name``, ``role``,
        ``declared_segments``, ``declared_product_lines``, ``customer_focus`` (declared, as text),
        ``segment_share``, ``top_segment``, ``top_segment_share``, ``product_share``,
        ``top_product_line``, ``top_product_share``, ``new_customer_share``,
        ``company_new_customer_share`` (the established channels'), ``segment_departure``,
        ``product_departure``, ``focus_departure``, ``departure`` (bool) and ``actual_role`` (in
        words).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> role_fit(wb, s)[["channel_id", "segment_share", "product_share", "departure"]].round(2)
      channel_id  segment_share  product_share  departure
    0        DIR            1.0           1.00      False
    1       DIST            1.0           0.91      False
    2        WEB            1.0           1.00      False
    """
    if actuals is None:
        actuals = channel_actuals(wb, settings)
    goals = wb.dataset.goals.years[settings.year]
    company_new = actuals.attrs["company"].get("new_customer_share", np.nan)
    rows = []
    for r in actuals.itertuples(index=False):
        role = goals.channels.get(r.channel_id)
        seg_dep = bool(role and role.segments and r.segment_share < role_share)
        prod_dep = bool(role and role.product_lines and r.product_share < role_share)
        new = r.new_customer_share
        focus_dep = False
        if role and not r.new_channel and not np.isnan(new):
            if role.customer_focus == "acquisition" and not np.isnan(company_new):
                focus_dep = new < company_new
            elif role.customer_focus == "expansion":
                focus_dep = new >= goals.new_customer_share
        parts = []
        if not np.isnan(r.top_segment_share):
            parts.append(f"{r.top_segment_share:.0%} of revenue from {r.top_segment}")
        if not np.isnan(r.top_product_share):
            parts.append(f"{r.top_product_share:.0%} from {r.top_product_line}")
        if not np.isnan(new):
            parts.append(f"{new:.1%} from new customers")
        rows.append(
            {
                "year": settings.year, "channel_id": r.channel_id, "channel_name": r.channel_name,
                "role": role.role if role else "(none declared)",
                "declared_segments": ", ".join(role.segments) if role and role.segments else "–",
                "declared_product_lines": ", ".join(role.product_lines)
                if role and role.product_lines else "–",
                "customer_focus": role.customer_focus if role else "–",
                "segment_share": r.segment_share, "top_segment": r.top_segment,
                "top_segment_share": r.top_segment_share, "product_share": r.product_share,
                "top_product_line": r.top_product_line, "top_product_share": r.top_product_share,
                "new_customer_share": new, "company_new_customer_share": company_new,
                "segment_departure": seg_dep, "product_departure": prod_dep,
                "focus_departure": focus_dep, "departure": seg_dep or prod_dep or focus_dep,
                "actual_role": "; ".join(parts),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def misalignments(
    wb: Workbook,
    settings: Settings,
    breakdown: pd.DataFrame,
    roles: pd.DataFrame,
    *,
    margin_drop: float = 0.02,
    growth_gap: float = 0.10,
    flag_below: float = 0.5,
) -> pd.DataFrame:
    """Misalignments named in words (kinds and rules in the module docstring).

    Parameters
    ----------
    wb : Workbook
    settings : Settings
    breakdown : DataFrame
        :func:`alignment_breakdown`.
    roles : DataFrame
        :func:`role_fit`.
    margin_drop : float
        Fall of the gross margin (fraction points) that, with revenue growing, is margin erosion.
    growth_gap : float
        Growth this far (fraction points) below what the objective needs is a growth shortfall.
    flag_below : float
        Any other dimension scoring below this is named (``off_goal``).

    Returns
    -------
    DataFrame
        One row per finding, most points lost first: ``year``, ``channel_id``, ``channel_name``,
        ``kind``, ``dimension`` (``<NA>`` for a role departure), ``points_lost``, ``sentence``
        (plain text; escape it before it enters HTML).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> b = alignment_breakdown(wb, s)
    >>> m = misalignments(wb, s, b, role_fit(wb, s))
    >>> m[["channel_id", "kind", "dimension"]].head(3)
      channel_id              kind       dimension
    0       DIST          off_goal    gross_margin
    1        WEB          off_goal    gross_margin
    2        DIR  growth_shortfall  revenue_growth
    """
    managing = _MANAGING_WORDS[settings.managing_for]
    company = breakdown.attrs.get("company", {})
    rows = []

    def add(ch, name, kind, dim, lost, sentence):
        rows.append(
            {"year": settings.year, "channel_id": ch, "channel_name": name, "kind": kind,
             "dimension": dim, "points_lost": float(lost), "sentence": sentence}
        )  # fmt: skip

    wide = breakdown.pivot_table(
        index=["channel_id", "channel_name"], columns="dimension", values="actual", dropna=False
    )
    lost = breakdown.pivot_table(index="channel_id", columns="dimension", values="points_lost")
    covered: set[tuple[str, str]] = set()
    for (ch, name), r in wide.iterrows():
        growth, change = r.get("revenue_growth", np.nan), r.get("margin_trend", np.nan)
        if growth > 0 and change <= -margin_drop:
            before = breakdown.attrs["actuals"].set_index("channel_id").loc[ch]
            verb = (
                f"Managing for {managing}, but"
                if settings.managing_for == "revenue_and_profit"
                else f"Managing for {managing}:"
            )
            tail = (
                ""
                if settings.managing_for == "revenue_and_profit"
                else "; in line with a revenue goal, but at the cost of profit"
            )
            add(ch, name, "margin_erosion", "margin_trend", lost.loc[ch, "margin_trend"],
                f"{verb} {name} ({ch}) grew revenue {growth:.1%} while its gross margin fell "
                f"{-change * 100:.1f} points ({before['previous_gross_margin']:.1%} → "
                f"{before['gross_margin']:.1%}){tail}.")  # fmt: skip
            covered.add((ch, "margin_trend"))
        need = company.get("required_growth", np.nan)
        if not np.isnan(growth) and not np.isnan(need) and growth <= need - growth_gap:
            add(ch, name, "growth_shortfall", "revenue_growth", lost.loc[ch, "revenue_growth"],
                f"{name} ({ch}) revenue {'grew' if growth >= 0 else 'fell'} {abs(growth):.1%} "
                f"where the {settings.year} objective needs {need:+.1%} from the channel system.")  # fmt: skip
            covered.add((ch, "revenue_growth"))
    for r in roles[roles["departure"]].itertuples(index=False):
        reasons = []
        if r.segment_departure:
            reasons.append(
                f"only {r.segment_share:.0%} of its revenue comes from its declared segments "
                f"({r.declared_segments}); {r.top_segment_share:.0%} comes from {r.top_segment}"
            )
            covered.add((r.channel_id, "segment_focus"))
        if r.product_departure:
            reasons.append(
                f"only {r.product_share:.0%} from its declared product lines "
                f"({r.declared_product_lines}); {r.top_product_share:.0%} from {r.top_product_line}"
            )
            covered.add((r.channel_id, "product_focus"))
        if r.focus_departure:
            reasons.append(
                f"declared for customer {r.customer_focus}, it brings {r.new_customer_share:.1%} of "
                f"its revenue from new customers (established channels: "
                f"{r.company_new_customer_share:.1%})"
            )
            covered.add((r.channel_id, "new_customers"))
        dims = [d for d in ("segment_focus", "product_focus", "new_customers")
                if (r.channel_id, d) in covered]  # fmt: skip
        add(r.channel_id, r.channel_name, "role_departure", pd.NA,
            sum(lost.loc[r.channel_id, d] for d in dims),
            f"{r.channel_name} ({r.channel_id}) departs from its declared role {r.role}: "
            + "; ".join(reasons) + ".")  # fmt: skip
    for b in breakdown.itertuples(index=False):
        if (b.channel_id, b.dimension) in covered or not b.score < flag_below:
            continue
        add(b.channel_id, b.channel_name, "off_goal", b.dimension, b.points_lost,
            f"{b.channel_name} ({b.channel_id}) is out of line on {b.label.lower()}: "
            f"{b.actual_text} against a goal of {b.goal_text} (score {b.score:.0%}).")  # fmt: skip
    cols = ["year", "channel_id", "channel_name", "kind", "dimension", "points_lost", "sentence"]
    out = pd.DataFrame(rows, columns=cols)
    out["dimension"] = out["dimension"].astype("string")
    return out.sort_values("points_lost", ascending=False, kind="stable").reset_index(drop=True)


# -- conflict -----------------------------------------------------------------------------------------
def channel_conflict(
    wb: Workbook,
    settings: Settings,
    *,
    level: str = "channel_id",
    min_customers: int = 5,
    discount_gap: float = 0.05,
) -> pd.DataFrame:
    """Pairs of channels (or partners) serving the same customers in the same quarter.

    Parameters
    ----------
    wb : Workbook
    settings : Settings
    level : {"channel_id", "partner_id"}
        Compare channels, or partners (direct sales left out).
    min_customers : int
        Shared customers from which a pair is a conflict (with the discount gap).
    discount_gap : float
        Difference of the two discounts (fraction points) from which a pair is a conflict.

    Returns
    -------
    DataFrame
        One row per pair with a shared customer, largest revenue at stake first: ``year``,
        ``level``, ``first``, ``second`` (ids, ``first`` < ``second``), ``pair``
        (``"DIST+RES"``), ``customers`` (shared), ``revenue_at_stake`` (their revenue through
        both, currency), ``first_revenue``, ``second_revenue``, ``first_discount``,
        ``second_discount`` (list-value-weighted, on the shared customers' purchases),
        ``discount_gap`` (absolute, fraction points), ``conflict`` (bool).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> channel_conflict(wb, s)[["pair", "customers", "conflict"]]
    Empty DataFrame
    Columns: [pair, customers, conflict]
    Index: []
    """
    if level not in ("channel_id", "partner_id"):
        raise ParameterError(f"level={level!r}: compare 'channel_id' or 'partner_id'")
    ds = wb.dataset
    cols = ["year", "level", "first", "second", "pair", "customers", "revenue_at_stake",
            "first_revenue", "second_revenue", "first_discount", "second_discount",
            "discount_gap", "conflict"]  # fmt: skip
    by = ["customer_id", level]
    frame = metrics.cube_sums(ds, by=by, period="quarter", periods=list(settings.quarters))
    frame = frame[frame[level].notna() & (frame["revenue_cents"] > 0)]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    n = frame.groupby(["period", "customer_id"])[level].transform("nunique")
    shared = frame[n > 1]
    if shared.empty:
        return pd.DataFrame(columns=cols)
    pairs = shared.merge(shared, on=["period", "customer_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs[f"{level}_a"] < pairs[f"{level}_b"]]
    rows = []
    for (a, b), g in pairs.groupby([f"{level}_a", f"{level}_b"]):
        sums = {
            side: g[
                [
                    f"{c}_{side}"
                    for c in ("revenue_cents", "listed_revenue_cents", "list_value_cents")
                ]
            ].sum()
            for side in ("a", "b")
        }
        disc = {
            side: float(
                1 - _ratio(s[f"listed_revenue_cents_{side}"], s[f"list_value_cents_{side}"])
            )
            for side, s in sums.items()
        }
        rev_a, rev_b = sums["a"]["revenue_cents_a"] / 100, sums["b"]["revenue_cents_b"] / 100
        customers = g["customer_id"].nunique()
        gap = abs(disc["a"] - disc["b"])
        rows.append(
            {
                "year": settings.year, "level": level, "first": a, "second": b, "pair": f"{a}+{b}",
                "customers": int(customers), "revenue_at_stake": rev_a + rev_b,
                "first_revenue": rev_a, "second_revenue": rev_b, "first_discount": disc["a"],
                "second_discount": disc["b"], "discount_gap": gap,
                "conflict": bool(customers >= min_customers and gap >= discount_gap),
            }
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("revenue_at_stake", ascending=False, kind="stable").reset_index(
        drop=True
    )


def conflict_by_channel(conflict: pd.DataFrame) -> pd.DataFrame:
    """The channel pairs in long form for the overlap chart: one row per pair and channel.

    Returns
    -------
    DataFrame
        ``pair``, ``channel_id``, ``customers``, ``revenue`` (through this channel),
        ``discount`` (this channel's), ``discount_gap``, ``revenue_at_stake``, ``conflict``.
    """
    cols = ["pair", "channel_id", "customers", "revenue", "discount", "discount_gap",
            "revenue_at_stake", "conflict"]  # fmt: skip
    if conflict.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for side in ("first", "second"):
        p = conflict[["pair", side, "customers", f"{side}_revenue", f"{side}_discount",
                      "discount_gap", "revenue_at_stake", "conflict"]].copy()  # fmt: skip
        p.columns = cols
        parts.append(p)
    return (
        pd.concat(parts, ignore_index=True)
        .sort_values(["pair", "channel_id"])
        .reset_index(drop=True)
    )


# -- dependency --------------------------------------------------------------------------------------
def dependency(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """Channels and partners carrying ``dependency_threshold`` or more of revenue in the window.

    Shares come from :func:`channel_lib.data.cube.revenue_shares` per quarter, summed over the
    year's window (exact cents); a partner's share is of the revenue sold through partners.

    Returns
    -------
    DataFrame
        One row per channel and per partner with positive revenue, largest first within each
        ``dimension`` (``channel_id``, then ``partner_id``): ``year``, ``dimension``,
        ``entity_id``, ``entity_name``, ``revenue``, ``share``, ``previous_share`` (same quarters a year before;
        ``NaN`` when absent), ``threshold``, ``dependency`` (bool).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> d = dependency(wb, s)
    >>> d[d["dimension"] == "channel_id"][["entity_id", "share", "dependency"]].round(3)
      entity_id  share  dependency
    0       DIR  0.542        True
    1      DIST  0.289       False
    2       WEB  0.169       False
    """
    ds = wb.dataset
    in_data = set(wb.quarters)
    parts = []
    for dim in ("channel_id", "partner_id"):
        shares = {}
        for key, quarters in (("now", settings.quarters), ("before", settings.previous_quarters)):
            q = [x for x in quarters if x in in_data]
            s = (
                metrics.revenue_shares(
                    ds, by=dim, period="quarter", periods=q, threshold=settings.dependency_threshold
                )
                if q
                else pd.DataFrame(columns=["entity_id", "revenue_cents"])
            )
            cents = s.groupby("entity_id")["revenue_cents"].sum()
            shares[key] = cents / cents.sum() if cents.sum() > 0 else cents.astype("float64")
            if key == "now":
                revenue = cents / 100.0
        frame = pd.DataFrame({"entity_id": shares["now"].index.astype("string"),
                              "revenue": revenue.to_numpy(), "share": shares["now"].to_numpy()})  # fmt: skip
        frame["previous_share"] = frame["entity_id"].map(shares["before"]).astype("float64")
        frame["dimension"] = dim
        parts.append(frame.sort_values(["share", "entity_id"], ascending=[False, True]))
    out = pd.concat(parts, ignore_index=True)
    channels = ds.table("channels")
    names = dict(zip(channels["channel_id"], channels["channel_name"], strict=True))
    if ds.has("partners"):
        partners = ds.table("partners")
        names.update(zip(partners["partner_id"], partners["partner_name"], strict=True))
    out["entity_name"] = out["entity_id"].map(names).astype("string")
    out["year"] = settings.year
    out["threshold"] = settings.dependency_threshold
    out["dependency"] = out["share"] >= settings.dependency_threshold
    return out[["year", "dimension", "entity_id", "entity_name", "revenue", "share", "previous_share",
                "threshold", "dependency"]]  # fmt: skip


def concentration_history(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """How concentration moved: :func:`channel_lib.data.cube.concentration` by quarter, for channels
    and partners, up to the reporting quarter, in long form for a chart.

    Returns
    -------
    DataFrame
        ``period``, ``dimension`` (``"channels"``/``"partners"``), ``measure``
        (``"Largest share"``, ``"HHI"``), ``value`` (fraction), ``largest_id``, ``threshold``.
    """
    parts = []
    for dim, name in (("channel_id", "channels"), ("partner_id", "partners")):
        c = metrics.concentration(
            wb.dataset, by=dim, period="quarter", periods=wb.quarters,
            threshold=settings.dependency_threshold,
        )  # fmt: skip
        for measure, col in (("Largest share", "largest_share"), ("HHI", "hhi")):
            parts.append(pd.DataFrame({
                "period": c["period"], "dimension": name, "measure": measure,
                "value": c[col], "largest_id": c["largest_id"], "threshold": c["threshold"],
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


# -- the whole system and change over time -------------------------------------------------------------
def system_alignment(
    wb: Workbook, settings: Settings, actuals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The whole channel system against the corporate goals of the year.

    Returns
    -------
    DataFrame
        One row per goal: ``goal`` (in words), ``target`` and ``actual`` (display text),
        ``met`` (bool or ``<NA>`` when not measurable).
    """
    if actuals is None:
        actuals = channel_actuals(wb, settings)
    ds = wb.dataset
    goals = ds.goals.years[settings.year]
    c = actuals.attrs["company"]
    cur = ds.goals.currency
    partial = len(settings.quarters) < 4
    rows = [
        ("Managing for", _MANAGING_WORDS[goals.managing_for], _MANAGING_WORDS[settings.managing_for]
         + (" (parameter override)" if settings.managing_for_source == "parameter" else ""), pd.NA),
        ("Revenue objective" + (" (year to date)" if partial else ""),
         f"{goals.revenue_objective:,.0f} {cur}", f"{c['revenue']:,.0f} {cur}",
         pd.NA if partial else bool(c["revenue"] >= goals.revenue_objective)),
        ("Revenue growth needed by the objective", _fmt("revenue_growth", c["required_growth"]),
         _fmt("revenue_growth", c["revenue_growth"]),
         pd.NA if np.isnan(c["required_growth"]) or np.isnan(c["revenue_growth"])
         else bool(c["revenue_growth"] >= c["required_growth"])),
        ("Gross margin", f"{goals.gross_margin_goal:.1%}", f"{c['gross_margin']:.1%}",
         bool(c["gross_margin"] >= goals.gross_margin_goal)),
        ("New-customer share of revenue", f"{goals.new_customer_share:.1%}",
         _fmt("new_customers", c["new_customer_share"]),
         pd.NA if np.isnan(c["new_customer_share"]) else bool(c["new_customer_share"] >= goals.new_customer_share)),
    ]  # fmt: skip
    cust = _window(ds, ["customer_id"], settings.quarters).merge(
        ds.table("customers")[["customer_id", "segment"]].astype("string"),
        on="customer_id",
        how="left",
    )
    seg = cust.groupby("segment")["revenue_cents"].sum()
    lines = _window(ds, ["product_line"], settings.quarters).set_index("product_line")[
        "revenue_cents"
    ]
    for label, mix, focus in (
        ("Segment", seg, goals.segment_focus),
        ("Product line", lines, goals.product_line_focus),
    ):
        total = mix[mix > 0].sum()
        for k, w in focus.items():
            share = float(mix.get(k, 0)) / total if total else np.nan
            rows.append(
                (
                    f"{label} mix: {k}",
                    f"{w:.0%}",
                    f"{share:.1%}",
                    pd.NA if np.isnan(share) else bool(share >= w - 0.05),
                )
            )
    out = pd.DataFrame(rows, columns=["goal", "target", "actual", "met"])
    out["met"] = out["met"].astype("boolean")
    return out


def role_changes(wb: Workbook) -> pd.DataFrame:
    """Declared roles and first sales across the years of goals.yaml: what changed, and when.

    Returns
    -------
    DataFrame
        One row per change: ``year``, ``channel_id``, ``change`` (``"new channel"``, ``"role"``,
        ``"role_weight"``, ``"segments"``, ``"product_lines"``, ``"customer_focus"``,
        ``"dropped"``), ``before``, ``after`` (text).
    """
    rows = []
    years = list(wb.dataset.goals.years.values())
    for prev, cur in itertools.pairwise(years):
        for ch, role in cur.channels.items():
            old = prev.channels.get(ch)
            if old is None:
                rows.append((cur.year, ch, "new channel", "–", role.role))
                continue
            for f in ("role", "role_weight", "segments", "product_lines", "customer_focus"):
                a, b = getattr(old, f), getattr(role, f)
                if a != b:
                    fmt = (lambda v: ", ".join(v)) if isinstance(a, tuple) else str
                    rows.append((cur.year, ch, f, fmt(a), fmt(b)))
        for ch in prev.channels:
            if ch not in cur.channels:
                rows.append((cur.year, ch, "dropped", prev.channels[ch].role, "–"))
    return pd.DataFrame(rows, columns=["year", "channel_id", "change", "before", "after"])


def history(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """The alignment breakdown for every year of the data (same weights and override).

    Returns
    -------
    DataFrame
        :func:`alignment_breakdown` rows of every year in ``settings.years``, plus per year and
        channel the ``revenue_growth`` and ``margin_change`` actuals in the quadrant chart's
        columns (``growth``, ``margin_change``, ``revenue``), stacked.
    """
    parts = []
    for y in settings.years:
        s = settings if y == settings.year else for_year(settings, wb, y)
        parts.append(alignment_breakdown(wb, s))
    return pd.concat(parts, ignore_index=True)


def quadrant_frame(breakdown: pd.DataFrame) -> pd.DataFrame:
    """Revenue growth against margin change per channel, for the quadrant chart.

    Returns
    -------
    DataFrame
        ``year``, ``channel_id``, ``channel_name``, ``revenue``, ``revenue_growth``,
        ``margin_change`` (fraction points), ``gross_margin``, ``score``, ``quadrant`` (in
        words); channels without a year before are left out.
    """
    a = breakdown.attrs["actuals"]
    scores = breakdown.groupby("channel_id")["channel_score"].first()
    out = (
        a[
            [
                "year",
                "channel_id",
                "channel_name",
                "revenue",
                "revenue_growth",
                "margin_change",
                "gross_margin",
            ]
        ]
        .dropna(subset=["revenue_growth", "margin_change"])
        .copy()
    )
    out["score"] = out["channel_id"].map(scores)
    out["quadrant"] = np.select(
        [(out["revenue_growth"] >= 0) & (out["margin_change"] >= 0),
         (out["revenue_growth"] >= 0) & (out["margin_change"] < 0),
         (out["revenue_growth"] < 0) & (out["margin_change"] >= 0)],
        ["growing, margin holding", "growing, margin falling", "shrinking, margin holding"],
        "shrinking, margin falling",
    )  # fmt: skip
    return out.reset_index(drop=True)


def history_table(yearly: pd.DataFrame, hist: pd.DataFrame) -> pd.DataFrame:
    """Channels × fiscal years: each cell the alignment score and the role declared that year.

    Parameters
    ----------
    yearly : DataFrame
        :func:`channel_actuals` of every year, stacked (``AlignmentView.yearly``).
    hist : DataFrame
        :func:`alignment_breakdown` of every year, stacked (``AlignmentView.history``).

    Returns
    -------
    DataFrame
        ``channel_id`` then one text column per fiscal year, e.g. ``"83 (managed_services)"``;
        ``"–"`` where the channel had no sales that year (a new channel shows as it arrives).
    """
    scores = score_history(hist).set_index(["year", "channel_id"])["score"]
    cells = yearly[["year", "channel_id", "role"]].copy()
    cells["cell"] = [
        f"{scores.get((y, c), float('nan')):.0f} ({r if isinstance(r, str) else 'no role declared'})"
        for y, c, r in zip(cells["year"], cells["channel_id"], cells["role"], strict=True)
    ]
    order = list(dict.fromkeys(yearly.sort_values("year", ascending=False)["channel_id"]))
    table = cells.pivot(index="channel_id", columns="year", values="cell").reindex(order)
    table = table.fillna("–").reset_index()
    table.columns.name = None
    return table


def score_history(hist: pd.DataFrame) -> pd.DataFrame:
    """Each channel's alignment score per year (long form): ``year``, ``channel_id``, ``score``."""
    return (
        hist.groupby(["year", "channel_id"], sort=True)["points"]
        .sum()
        .rename("score")
        .reset_index()
    )


# -- the notebook's view ---------------------------------------------------------------------------------
@dataclass
class AlignmentView:
    """Every frame notebook 01 shows for one year, computed once (see each function)."""

    settings: Settings
    breakdown: pd.DataFrame
    scores: pd.DataFrame
    roles: pd.DataFrame
    findings: pd.DataFrame
    system: pd.DataFrame
    conflict: pd.DataFrame
    partner_conflict: pd.DataFrame
    dependency: pd.DataFrame
    concentration: pd.DataFrame
    history: pd.DataFrame
    quadrant: pd.DataFrame
    yearly: pd.DataFrame
    role_changes: pd.DataFrame

    @property
    def actuals(self) -> pd.DataFrame:
        """:func:`channel_actuals` of the year."""
        return self.breakdown.attrs["actuals"]

    @property
    def score_history(self) -> pd.DataFrame:
        """:func:`score_history` of :attr:`history`."""
        return score_history(self.history)


def build_view(wb: Workbook, settings: Settings) -> AlignmentView:
    """Compute every frame of the alignment view of ``settings.year`` (and of its history).

    The history holds the same view for every year of ``settings.years`` (same weights; the
    managing_for override kept, else each year's own), so a role change or a new channel shows.

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> v = build_view(wb, s)
    >>> v.scores["channel_id"].tolist(), sorted(v.history["year"].unique())
    (['DIST', 'WEB', 'DIR'], ['FY2025', 'FY2026'])
    """
    breakdown = alignment_breakdown(wb, settings)
    actuals = breakdown.attrs["actuals"]
    roles = role_fit(wb, settings, actuals)
    parts = [
        breakdown if y == settings.year else alignment_breakdown(wb, for_year(settings, wb, y))
        for y in settings.years
    ]
    quadrant = pd.concat([quadrant_frame(p) for p in parts], ignore_index=True)
    yearly = pd.concat([p.attrs["actuals"] for p in parts], ignore_index=True)
    yearly.attrs = {}
    history = pd.concat(parts, ignore_index=True)
    history.attrs = {}
    return AlignmentView(
        settings=settings,
        breakdown=breakdown,
        scores=alignment_scores(breakdown),
        roles=roles,
        findings=misalignments(wb, settings, breakdown, roles),
        system=system_alignment(wb, settings, actuals),
        conflict=channel_conflict(wb, settings),
        partner_conflict=channel_conflict(wb, settings, level="partner_id"),
        dependency=dependency(wb, settings),
        concentration=concentration_history(wb, settings),
        history=history,
        quadrant=quadrant,
        yearly=yearly,
        role_changes=role_changes(wb),
    )


# -- in words -----------------------------------------------------------------------------------------
def summary_sentences(wb: Workbook, view: AlignmentView) -> list[str]:
    """The seed questions answered for the year, in plain sentences (values not escaped).

    Examples
    --------
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> summary_sentences(wb, build_view(wb, s))[0][:60]
    'FY2026: the channel system sold 60,355 USD against the 95,00'
    """
    s = view.settings
    ds = wb.dataset
    cur = ds.goals.currency
    goals = ds.goals.years[s.year]
    c = view.actuals.attrs["company"]
    partial = len(s.quarters) < 4
    span = f" (year to date, {s.quarters[0]}–{s.quarters[-1]})" if partial else ""
    out = []
    text = (
        f"{s.year}{span}: the channel system sold {c['revenue']:,.0f} {cur} against the "
        f"{goals.revenue_objective:,.0f} {cur} objective ({c['revenue'] / goals.revenue_objective:.0%})"
    )
    if not np.isnan(c["revenue_growth"]):
        text += f"; revenue grew {c['revenue_growth']:+.1%}"
        if not np.isnan(c["required_growth"]):
            text += f" where the objective needed {c['required_growth']:+.1%}"
    text += (
        f"; gross margin {c['gross_margin']:.1%} against the {goals.gross_margin_goal:.1%} goal."
    )
    out.append(text)
    new = view.actuals[view.actuals["new_channel"]]
    company_growth = c["revenue"] - c["previous_revenue"]
    if len(new) and not np.isnan(company_growth) and company_growth > 0:
        added = float(new["revenue"].sum())
        out.append(
            f"New channel{'s' if len(new) > 1 else ''} {', '.join(new['channel_id'])} added "
            f"{added:,.0f} {cur} in {s.year}: {added / company_growth:.0%} of the company's revenue "
            "growth; the established channels delivered the rest."
        )
    managing = _MANAGING_WORDS[s.managing_for]
    said = _MANAGING_WORDS[goals.managing_for]
    text = f"goals.yaml says {s.year} is managed for {said}"
    if s.managing_for_source == "parameter" and s.managing_for != goals.managing_for:
        text += f"; this report scores it as managed for {managing} (parameter override)"
    if not np.isnan(c["margin_change"]):
        moved = c["margin_change"] * 100
        if c["revenue_growth"] >= 0 and moved <= -0.5:
            how = "growth came with a lower margin"
        elif c["revenue_growth"] >= 0:
            how = "revenue grew and the margin held"
        else:
            how = "revenue fell"
        text += (
            f". Revenue moved {c['revenue_growth']:+.1%} and the gross margin {moved:+.1f} points: "
            f"{how}"
        )
    out.append(text + ".")
    sc = view.scores
    if len(sc):
        best, worst = sc.iloc[-1], sc.iloc[0]
        out.append(
            f"Alignment scores (0–100, weights for {managing}"
            f"{', set by parameter' if s.weights_source == 'parameter' else ''}): best aligned "
            f"{best['channel_name']} ({best['channel_id']}) at {best['score']:.0f}; least aligned "
            f"{worst['channel_name']} ({worst['channel_id']}) at {worst['score']:.0f}, losing most on "
            f"{str(worst['weakest']).lower()} ({worst['weakest_points_lost']:.0f} points)."
        )
    named = view.findings[view.findings["kind"] != "off_goal"]
    out.extend(named["sentence"])
    others = view.findings[view.findings["kind"] == "off_goal"]
    if len(others):
        out.append(
            f"{len(others)} more dimension score{'s are' if len(others) > 1 else ' is'} below half: "
            + "; ".join(others["sentence"].str.rstrip("."))
            + "."
        )
    if not len(named) and not len(others):
        out.append("No channel is out of line with the goals of the year.")
    conflicts = view.conflict[view.conflict["conflict"]]
    for r in conflicts.itertuples(index=False):
        out.append(
            f"Channel conflict: {r.customers} customers bought through both {r.first} and "
            f"{r.second} in the same quarter, {r.revenue_at_stake:,.0f} {cur} of revenue at stake; "
            f"{r.first} gave them a {r.first_discount:.1%} discount, {r.second} "
            f"{r.second_discount:.1%}: {r.discount_gap * 100:.1f} points apart."
        )
    if conflicts.empty:
        shared = int(view.conflict["customers"].sum()) if len(view.conflict) else 0
        out.append(
            f"No channel conflict: {shared} customer-pair overlaps, none with 5 or more shared "
            "customers and discounts 5 points apart."
        )
    dep = view.dependency
    threshold = s.dependency_threshold
    for r in dep[dep["dependency"]].itertuples(index=False):
        what = "channel" if r.dimension == "channel_id" else "partner"
        base = "revenue" if what == "channel" else "the revenue sold through partners"
        before = f", {r.previous_share:.1%} a year before" if not np.isnan(r.previous_share) else ""
        out.append(
            f"Dependency risk: {what} {r.entity_name} ({r.entity_id}) carries {r.share:.1%} of {base} "
            f"(threshold {threshold:.0%}){before}."
        )
    partners = dep[dep["dimension"] == "partner_id"]
    if len(partners) and not partners["dependency"].any():
        top = partners.iloc[0]
        out.append(
            f"No partner carries {threshold:.0%} or more of partner revenue; the largest, "
            f"{top['entity_name']} ({top['entity_id']}), has {top['share']:.1%}."
        )
    yearly = view.yearly
    lead = dep[dep["dimension"] == "channel_id"]
    if len(lead) and yearly["year"].nunique() > 1:
        lead_id = lead.iloc[0]["entity_id"]
        path = yearly[yearly["channel_id"] == lead_id].sort_values("year")
        out.append(
            f"Concentration over the years: {lead_id}, the largest channel in {s.year}, held "
            + ", ".join(
                f"{v:.1%} of revenue in {y}"
                for y, v in zip(path["year"], path["revenue_share"], strict=True)
            )
            + "."
        )
    changes = view.role_changes
    for r in changes.itertuples(index=False):
        if r.change == "new channel":
            out.append(f"{r.channel_id} is a new channel in {r.year}, declared as {r.after}.")
    role = changes[changes["change"] != "new channel"]
    for (year, ch), g in role.groupby(["year", "channel_id"], sort=True):
        parts = "; ".join(f"{x.change} {x.before} → {x.after}" for x in g.itertuples(index=False))
        tense = "changes" if year > s.year else "changed"
        out.append(f"goals.yaml {tense} {ch}'s declared role in {year}: {parts}.")
    hist = view.score_history
    if hist["year"].nunique() > 1:
        moves = []
        for ch, g in hist.groupby("channel_id", sort=False):
            g = g.sort_values("year")
            if len(g) > 1 and abs(g["score"].iloc[-1] - g["score"].iloc[0]) >= 10:
                moves.append(
                    f"{ch} "
                    + " → ".join(f"{v:.0f}" for v in g["score"])
                    + f" ({g['year'].iloc[0]}–{g['year'].iloc[-1]})"
                )
        if moves:
            out.append("Scores that moved 10 points or more: " + "; ".join(moves) + ".")
    return out


def narrative(wb: Workbook, view: AlignmentView):
    """:func:`summary_sentences` as a markdown bullet list, every sentence escaped."""
    from IPython.display import Markdown

    from channel_lib.presentation.html import escape_markdown

    return Markdown("\n".join(f"- {escape_markdown(t)}" for t in summary_sentences(wb, view)))


def findings_list(view: AlignmentView):
    """The misalignments of the year as an escaped markdown bullet list."""
    from IPython.display import Markdown

    from channel_lib.presentation.html import escape_markdown

    if view.findings.empty:
        return Markdown("No channel is out of line with the goals of the year.")
    return Markdown("\n".join(f"- {escape_markdown(t)}" for t in view.findings["sentence"]))


# -- report tables (escaped HTML through channel_lib.presentation.html) ------------------------------------------------
_MONEY, _SHARE = "{:,.0f}", "{:.1%}"


def heading(wb: Workbook, settings: Settings):
    """The report's opening line: quarter, why it was chosen, the year and its window, and what a
    missing ``channel_costs`` file disables."""
    from channel_lib.presentation import html

    missing = (
        ""
        if wb.dataset.has("channel_costs")
        else "Cost to serve is not scored (its weight goes to the other dimensions). "
        + wb.dataset.missing_note("channel_costs")
    )
    return html.markdown(
        "Reporting quarter **{q}**. {reason} Fiscal year viewed: **{y}**, quarters {first} to "
        "{last}, compared with the same quarters a year before. {missing}",
        q=wb.quarter, reason=wb.quarter_reason, y=settings.year,
        first=settings.quarters[0], last=settings.quarters[-1], missing=missing,
    )  # fmt: skip


def report_table(view: AlignmentView, name: str):
    """One of the report's tables as escaped HTML.

    Parameters
    ----------
    view : AlignmentView
    name : {"system", "weights", "scores", "breakdown", "roles", "conflict", "partner_conflict",
            "dependency", "role_changes", "history"}

    Returns
    -------
    IPython.display.HTML
    """
    from channel_lib.presentation import html

    y = view.settings.year
    s = view.settings
    conflict_formats = {
        "revenue_at_stake": _MONEY, "first_revenue": _MONEY, "second_revenue": _MONEY,
        "first_discount": _SHARE, "second_discount": _SHARE, "discount_gap": _SHARE,
    }  # fmt: skip
    specs = {
        "system": (view.system, {}, f"Corporate goals of {y} and the channel system"),
        "weights": (
            weights_table(s), {"weight": _SHARE},
            f"Weights ({s.weights_source}; managed for {_MANAGING_WORDS[s.managing_for]}, "
            f"from {s.managing_for_source})",
        ),
        "scores": (
            view.scores, {"score": "{:.0f}", "weakest_points_lost": "{:.1f}"},
            f"Alignment score per channel, {y} (0-100, lowest first)",
        ),
        "breakdown": (
            view.breakdown[["channel_id", "label", "actual_text", "goal_text", "score", "weight",
                            "points_lost"]],
            {"score": "{:.0%}", "weight": _SHARE, "points_lost": "{:.1f}"},
            f"Alignment breakdown, {y}",
        ),
        "roles": (
            view.roles[["channel_id", "role", "declared_segments", "declared_product_lines",
                        "customer_focus", "actual_role", "segment_share", "product_share",
                        "departure"]],
            {"segment_share": "{:.0%}", "product_share": "{:.0%}"},
            f"Declared and actual roles, {y}",
        ),
        "conflict": (view.conflict, conflict_formats, f"Customers shared by two channels, {y}"),
        "partner_conflict": (
            view.partner_conflict, conflict_formats, f"Customers shared by two partners, {y}",
        ),
        "dependency": (
            view.dependency.groupby("dimension", sort=False).head(5),
            {"revenue": _MONEY, "share": _SHARE, "previous_share": _SHARE, "threshold": "{:.0%}"},
            f"Largest channels and partners, {y}",
        ),
        "role_changes": (
            view.role_changes, {}, "Declared roles: changes between the years of goals.yaml",
        ),
        "history": (
            history_table(view.yearly, view.history), {},
            "Alignment score (and declared role) by fiscal year",
        ),
    }  # fmt: skip
    if name not in specs:
        raise ParameterError(f"report_table: unknown table {name!r}; one of {', '.join(specs)}")
    frame, formats, caption = specs[name]
    return html.table(frame, formats=formats, caption=caption)
