"""The alignment score: each channel's actual against its goal on every dimension, weighted.

- :func:`dimension_goals` — actual, goal, direction and tolerance per channel and dimension;
- :func:`score_dimensions` — the dimension scores, weights and points (method in the package
  docstring);
- :func:`alignment_breakdown` — both for a year's channels; :func:`alignment_scores` — one row per
  channel with what costs it most.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment.actuals import channel_actuals
from channel_lib.analysis.alignment.settings import DIMENSIONS, TOLERANCE, Settings
from channel_lib.data.goals import YearGoals
from channel_lib.data.workbook import Workbook

__all__ = [
    "MARGIN_BASES",
    "alignment_breakdown",
    "alignment_scores",
    "dimension_goals",
    "score_dimensions",
]


def dimension_goals(actuals: pd.DataFrame, goals: YearGoals | None) -> pd.DataFrame:
    """Actual, goal, direction and tolerance per channel and dimension (long form).

    Parameters
    ----------
    actuals : DataFrame
        From :func:`channel_actuals` (its ``attrs["company"]`` gives the company benchmarks).
    goals : YearGoals or None
        The year's section of goals.yaml; ``None`` for a year that is not scored (no goals at or
        before it): no row, nothing to measure against.

    Returns
    -------
    DataFrame
        One row per channel and dimension of :data:`DIMENSIONS`: ``year``, ``channel_id``,
        ``channel_name``, ``dimension``, ``label``, ``actual``, ``goal`` (float, ``NaN`` when not
        measurable), ``direction`` (``"at_least"`` / ``"at_most"``), ``tolerance`` (float > 0),
        ``basis`` (the gross-margin row's: :data:`MARGIN_BASES`; empty on the other rows).

    Notes
    -----
    The gross margin is judged against the channel's own ``gross_margin_goal`` where goals.yaml
    gives one for its role (basis ``"role goal"``); else, with ``channel_costs.csv``, on
    contribution after cost to serve: ``gross margin − cost to serve / revenue`` against the
    corporate goal less the company's cost-to-serve ratio (basis ``"contribution after cost to
    serve"``), so a low-margin channel that is cheap to serve is not misaligned for it; else
    the gross margin against the corporate goal (basis ``"corporate goal"``).
    """
    company = actuals.attrs.get("company", {})
    rows = []
    for r in actuals.itertuples(index=False) if goals is not None else ():
        focus = r.customer_focus if isinstance(r.customer_focus, str) else "coverage"
        share = goals.new_customer_share
        new_goal = {
            "acquisition": (share, "at_least", share),
            "coverage": (share / 2, "at_least", share / 2),
            "expansion": (share, "at_most", 1 - share),
        }[focus]
        cts_goal = company.get("cost_to_serve_ratio", np.nan)
        margin, margin_goal, basis = _margin_basis(r, goals, cts_goal)
        disc_goal = company.get("discount", np.nan)
        spec = {
            "revenue_growth": (r.revenue_growth, company.get("required_growth", np.nan), "at_least", TOLERANCE["revenue_growth"]),
            "gross_margin": (margin, margin_goal, "at_least", TOLERANCE["gross_margin"]),
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
                    "basis": basis if dim == "gross_margin" else "",
                }
            )  # fmt: skip
    cols = ["year", "channel_id", "channel_name", "dimension", "label", "actual", "goal",
            "direction", "tolerance", "basis"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols).astype(
        {"actual": float, "goal": float, "tolerance": float}
    )


#: How a channel's margin is judged (:func:`dimension_goals`, Notes).
MARGIN_BASES = ("role goal", "contribution after cost to serve", "corporate goal")


def _margin_basis(r, goals: YearGoals, cts_goal: float) -> tuple[float, float, str]:
    """``(actual, goal, basis)`` of a channel's margin dimension (:func:`dimension_goals`)."""
    role = goals.channels.get(r.channel_id)
    if role is not None and role.gross_margin_goal is not None:
        return r.gross_margin, role.gross_margin_goal, MARGIN_BASES[0]
    if not (np.isnan(r.cost_to_serve_ratio) or np.isnan(cts_goal)):
        return (
            r.gross_margin - r.cost_to_serve_ratio,
            goals.gross_margin_goal - cts_goal,
            MARGIN_BASES[1],
        )
    return r.gross_margin, goals.gross_margin_goal, MARGIN_BASES[2]


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


def alignment_breakdown(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """The per-dimension breakdown of every channel's alignment score for the year.

    Returns
    -------
    DataFrame
        :func:`score_dimensions` of :func:`dimension_goals`, plus ``channel_score`` (the
        channel's alignment score, 0–100). ``attrs``: ``company`` (the company figures) and
        ``actuals`` (:func:`~channel_lib.analysis.alignment.actuals.channel_actuals`) and
        ``scored`` (:attr:`Settings.scored`: no row when the year is not scored, while its
        actuals, which need no goals, are still there). The page
        (:func:`channel_lib.presentation.pages.orientation.with_text`) adds the figures as the
        reader reads them.

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> b = alignment_breakdown(wb, s)
    >>> b.groupby("channel_id")["points"].sum().round(1).to_dict()
    {'DIR': 77.0, 'DIST': 36.2, 'WEB': 65.3}
    """
    actuals = channel_actuals(wb, settings)
    goals = wb.dataset.goals.years[settings.goals_year] if settings.scored else None
    scored = score_dimensions(dimension_goals(actuals, goals), settings.weights)
    scored["channel_score"] = scored.groupby("channel_id")["points"].transform("sum")
    scored.attrs["company"] = actuals.attrs["company"]
    scored.attrs["actuals"] = actuals
    scored.attrs["scored"] = settings.scored
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
    cols = ["year", "channel_id", "channel_name", "score", "weakest", "weakest_points_lost",
            "measured"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["score", "channel_id"], kind="stable").reset_index(drop=True)
