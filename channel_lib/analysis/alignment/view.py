"""The whole alignment view of a year: the channel system against the goals, the history across
the years of goals.yaml, and :class:`AlignmentView`, every frame notebook 01 shows.

- :func:`system_alignment` — the channel system against the corporate goals (figures; the page
  writes them);
- :func:`role_changes`, :func:`history`, :func:`score_history`, :func:`quadrant_frame`;
- :func:`build_view` — every frame of the view, computed once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment.actuals import _window, channel_actuals
from channel_lib.analysis.alignment.conflict import channel_conflict
from channel_lib.analysis.alignment.dependency import concentration_history, dependency
from channel_lib.analysis.alignment.evolution import channel_evolution
from channel_lib.analysis.alignment.plan import plan_against_objective
from channel_lib.analysis.alignment.roles import misalignments, role_fit
from channel_lib.analysis.alignment.scoring import alignment_breakdown, alignment_scores
from channel_lib.analysis.alignment.settings import Settings, for_year
from channel_lib.data.workbook import Workbook

__all__ = [
    "AlignmentView",
    "build_view",
    "history",
    "mix_alignment",
    "quadrant_frame",
    "role_changes",
    "score_history",
    "system_alignment",
]


def system_alignment(
    wb: Workbook,
    settings: Settings,
    actuals: pd.DataFrame | None = None,
    plan: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The whole channel system against the corporate goals of the year.

    Returns
    -------
    DataFrame
        One row per goal: ``goal`` (in words), ``measure`` (how its figures read:
        ``managing_for``, ``money``, ``growth``, ``margin``, ``new_customers``, ``mix`` or
        ``plan`` — the sum of a source's channel targets against the objective, revenue and
        gross profit, :func:`~channel_lib.analysis.alignment.plan.plan_against_objective`),
        ``target`` and ``actual`` (the figures: fractions, currency, or what the year is managed
        for), ``met`` (bool or ``<NA>`` when not measurable). A mix line is met when its share
        lies within :attr:`Settings.mix_tolerance` of the focus weight either way; a plan line
        when the targets lie within :attr:`Settings.plan_tolerance` of the objective. The page writes the figures
        (:func:`channel_lib.presentation.pages.orientation.system_table`). No row when the year
        is not scored (:attr:`Settings.scored`: no goal).
    """
    if not settings.scored:
        out = pd.DataFrame(columns=["goal", "measure", "target", "actual", "met"])
        out["met"] = out["met"].astype("boolean")
        return out
    if actuals is None:
        actuals = channel_actuals(wb, settings)
    ds = wb.dataset
    goals = ds.goals.years[settings.goals_year]
    c = actuals.attrs["company"]
    partial = len(settings.quarters) < 4
    rows = [
        ("Managing for", "managing_for", goals.managing_for, settings.managing_for, pd.NA),
        ("Revenue objective" + (" (year to date)" if partial else ""), "money",
         goals.revenue_objective, c["revenue"],
         pd.NA if partial else bool(c["revenue"] >= goals.revenue_objective)),
        ("Revenue growth needed by the objective", "growth", c["required_growth"],
         c["revenue_growth"],
         pd.NA if np.isnan(c["required_growth"]) or np.isnan(c["revenue_growth"])
         else bool(c["revenue_growth"] >= c["required_growth"])),
        ("Gross margin", "margin", goals.gross_margin_goal, c["gross_margin"],
         bool(c["gross_margin"] >= goals.gross_margin_goal)),
        ("New-customer share of revenue", "new_customers", goals.new_customer_share,
         c["new_customer_share"],
         pd.NA if np.isnan(c["new_customer_share"]) else bool(c["new_customer_share"] >= goals.new_customer_share)),
    ]  # fmt: skip
    if plan is None:
        plan = plan_against_objective(wb, settings)
    words = {"revenue": "revenue", "gross_profit": "gross profit"}
    rows += [
        (f"Channel targets ({r.source}, {r.channels} channels) against the {words[r.metric]} "
         "objective", "plan", r.objective, r.targets, r.aligned)
        for r in plan.itertuples(index=False)
    ]  # fmt: skip
    rows += _mix_rows(wb, settings)
    out = pd.DataFrame(rows, columns=["goal", "measure", "target", "actual", "met"])
    out["met"] = out["met"].astype("boolean")
    return out


def mix_alignment(
    revenue: Mapping[str, float], focus: Mapping[str, float], *, tolerance: float
) -> pd.DataFrame:
    """Each focus line's share of revenue against its focus weight, misaligned beyond
    ``tolerance`` either way.

    Parameters
    ----------
    revenue : mapping of str to number
        Revenue by segment (or product line), any unit; lines without revenue may be left out.
    focus : mapping of str to float
        The focus weights of goals.yaml (fractions).
    tolerance : float
        Fraction points the share may lie from the weight, over or under (0.05 = 5 points).

    Returns
    -------
    DataFrame
        One row per focus line: ``line``, ``focus``, ``share`` (of the positive revenue;
        ``NaN`` without revenue), ``gap`` (share − focus, fraction points: > 0 over-indexed),
        ``met`` (boolean: ``|gap| ≤ tolerance``, compared after rounding to 1e-9 so a share
        exactly on the edge is met; ``<NA>`` without revenue).

    Examples
    --------
    >>> mix_alignment({"a": 62, "b": 38}, {"a": 0.5, "b": 0.5}, tolerance=0.05)
      line  focus  share   gap    met
    0    a    0.5   0.62  0.12  False
    1    b    0.5   0.38 -0.12  False
    >>> mix_alignment({"a": 54, "b": 46}, {"a": 0.5, "b": 0.5}, tolerance=0.05)["met"].tolist()
    [True, True]
    """
    positive = {k: float(v) for k, v in revenue.items() if float(v) > 0}
    total = sum(positive.values())
    rows = []
    for line, weight in focus.items():
        share = positive.get(line, 0.0) / total if total else np.nan
        gap = share - weight
        met = pd.NA if np.isnan(share) else bool(round(abs(gap), 9) <= tolerance)
        rows.append((line, float(weight), share, gap, met))
    out = pd.DataFrame(rows, columns=["line", "focus", "share", "gap", "met"])
    out["met"] = out["met"].astype("boolean")
    return out


def _mix_rows(wb: Workbook, settings: Settings) -> list[tuple]:
    """The segment and product-line focus of goals.yaml against the year's revenue mix
    (:func:`mix_alignment`, within :attr:`Settings.mix_tolerance` either way)."""
    ds = wb.dataset
    goals = ds.goals.years[settings.goals_year]
    cust = _window(ds, ["customer_id"], settings.quarters).merge(
        ds.table("customers")[["customer_id", "segment"]].astype("string"),
        on="customer_id",
        how="left",
    )
    seg = cust.groupby("segment")["revenue_exact"].sum()
    lines = _window(ds, ["product_line"], settings.quarters).set_index("product_line")[
        "revenue_exact"
    ]
    rows = []
    for label, mix, focus in (
        ("Segment", seg, goals.segment_focus),
        ("Product line", lines, goals.product_line_focus),
    ):
        judged = mix_alignment(mix.to_dict(), focus, tolerance=settings.mix_tolerance)
        rows += [
            (f"{label} mix: {r.line}", "mix", r.focus, r.share, r.met)
            for r in judged.itertuples(index=False)
        ]
    return rows


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


def score_history(hist: pd.DataFrame) -> pd.DataFrame:
    """Each channel's alignment score per year (long form): ``year``, ``channel_id``, ``score``."""
    return (
        hist.groupby(["year", "channel_id"], sort=True)["points"]
        .sum()
        .rename("score")
        .reset_index()
    )


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
    plan: pd.DataFrame = field(default_factory=pd.DataFrame)
    evolution: pd.DataFrame = field(default_factory=pd.DataFrame)

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

    A year that is not scored (:attr:`Settings.scored` false: no goals at or before it) gets the
    frames that need no goals — channel conflict, dependency, concentration, the quadrant of
    revenue growth against margin change and the role changes of goals.yaml — and empty
    breakdown, scores, roles, findings and system frames; its history holds the other years
    that are scored, if any.

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
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
    # a year not scored is not among settings.years, but its growth and margin moves need no goals
    shown = parts if settings.scored else [*parts, breakdown]
    quadrant = pd.concat([quadrant_frame(p) for p in shown], ignore_index=True)
    # no year scored at all: empty history and yearly frames (their columns kept)
    yearly = pd.concat([p.attrs["actuals"] for p in parts] or [actuals.iloc[:0]], ignore_index=True)
    yearly.attrs = {}
    history = pd.concat(parts or [breakdown.iloc[:0]], ignore_index=True)
    history.attrs = {}
    plan = plan_against_objective(wb, settings)
    return AlignmentView(
        settings=settings,
        breakdown=breakdown,
        scores=alignment_scores(breakdown),
        roles=roles,
        findings=misalignments(wb, settings, breakdown, roles),
        system=system_alignment(wb, settings, actuals, plan),
        conflict=channel_conflict(wb, settings),
        partner_conflict=channel_conflict(wb, settings, level="partner_id"),
        dependency=dependency(wb, settings),
        concentration=concentration_history(wb, settings),
        history=history,
        quadrant=quadrant,
        yearly=yearly,
        role_changes=role_changes(wb),
        plan=plan,
        evolution=channel_evolution(wb, settings),
    )
