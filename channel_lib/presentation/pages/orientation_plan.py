"""Notebook 01's orientation against the plan and the channel over time: sentences and tables.

- :func:`plan_sentences` — the channel targets of each source (official, approved, proposed)
  added up against the corporate objective, the gap named;
- :func:`mix_sentences` — the segments and product lines over- or under-indexed beyond the
  tolerance;
- :func:`evolution_table`, :func:`evolution_sentences` — partners recruited, activated, lapsed,
  offboarded and moved, per quarter and by name.

:mod:`channel_lib.presentation.pages.orientation` (the notebook's page) shows them; the numbers
come from :mod:`channel_lib.analysis.alignment` (``plan``, ``evolution``).
"""

from __future__ import annotations

import pandas as pd

from channel_lib.analysis.alignment import AlignmentView
from channel_lib.analysis.alignment.evolution import EVENTS, evolution_by_quarter
from channel_lib.data.workbook import Workbook
from channel_lib.presentation.formats import code_label

__all__ = ["evolution_sentences", "evolution_table", "mix_sentences", "plan_sentences"]

_METRIC_WORDS = {"revenue": "revenue", "gross_profit": "gross profit"}
#: Lapses, departures and moves named one by one in the narrative (largest revenue first).
_NAMED_EVENTS = 10


def plan_sentences(wb: Workbook, view: AlignmentView) -> list[str]:
    """The channel targets of each source added up against the objective, the gap named.

    One sentence per source (official, approved, proposed: :attr:`AlignmentView.plan`), with
    revenue and gross profit; empty when the year is not scored or has no channel target.

    Examples
    --------
    >>> from channel_lib.analysis.alignment import build_view, open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/doctest-plans-01")
    >>> plan_sentences(wb, build_view(wb, s))[0][:72]
    'The official channel targets of FY2026 (2 of 4 quarters) add up to 57,50'
    """
    plan = view.plan
    if not view.settings.scored or plan.empty:
        return []
    cur = wb.dataset.goals.currency
    tol = view.settings.plan_tolerance
    out = []
    for source, g in plan.groupby("source", sort=False):
        parts = []
        for r in g.itertuples(index=False):
            if r.aligned:
                how = f"within {tol:.0%} of it"
            else:
                how = f"{abs(r.gap):,.0f} {cur} {'short' if r.gap < 0 else 'over'}"
            parts.append(
                f"{r.targets:,.0f} {cur} of {_METRIC_WORDS[r.metric]} against the "
                f"{r.objective:,.0f} {cur} objective ({r.share:.1%}): {how}"
            )
        quarters = int(g["quarters"].max())
        span = f" ({quarters} of 4 quarters)" if quarters < 4 else ""
        short = not bool(g["aligned"].all()) and bool((g["gap"] < 0).any())
        if quarters < 4:
            end = (f". Only {quarters} of the year's 4 quarters have {source} targets: the plan "
                   "does not cover the year.")  # fmt: skip
        elif short:
            end = ". Every channel can meet its target while the company misses its objective."
        else:
            end = "."
        out.append(
            f"The {source} channel targets of {view.settings.year}{span} add up to "
            + "; and ".join(parts)
            + end
        )
    return out


def mix_sentences(view: AlignmentView) -> list[str]:
    """Segments and product lines whose share of revenue lies beyond the focus weight plus or
    minus :attr:`~channel_lib.analysis.alignment.Settings.mix_tolerance`: over-indexed and
    under-indexed alike are misaligned."""
    system = view.system
    mix = system[system["measure"].eq("mix") & system["met"].eq(False)]
    tol = view.settings.mix_tolerance
    out = []
    for r in mix.itertuples(index=False):
        what = code_label(r.goal.replace(" mix: ", " ").lower())
        gap = (r.actual - r.target) * 100
        word = "Over-indexed" if gap > 0 else "Under-indexed"
        out.append(
            f"{word}: {what} at {r.actual:.1%} of revenue against a {r.target:.0%} focus "
            f"({abs(gap):.1f} points {'over' if gap > 0 else 'under'}; tolerance "
            f"{tol * 100:.0f} points either way)."
        )
    return out


def evolution_table(events: pd.DataFrame) -> pd.DataFrame:
    """Quarters × partner events: each cell the count and, where revenue moved, the revenue.

    Parameters
    ----------
    events : DataFrame
        :func:`~channel_lib.analysis.alignment.evolution.channel_evolution`.

    Returns
    -------
    DataFrame
        ``quarter`` then one text column per event (its label in words), e.g. ``"2 (310,000)"``;
        ``"–"`` for none.
    """
    counts = evolution_by_quarter(events)
    out = pd.DataFrame({"quarter": counts["quarter"]})
    for e, label in EVENTS.items():
        out[label] = [
            "–" if n == 0 else (f"{n} ({v:,.0f})" if v else str(n))
            for n, v in zip(counts[e], counts[f"{e}_revenue"], strict=True)
        ]
    return out


def evolution_sentences(wb: Workbook, view: AlignmentView) -> list[str]:
    """The channel over time in the viewed year: counts of partner events, then each move,
    lapse and departure named with the revenue that moved (the ten with most revenue; the rest
    counted in one sentence)."""
    ev = view.evolution
    year = view.settings.year
    cal = wb.dataset.calendar
    if ev.empty:
        return []
    ev = ev[ev["quarter"].map(cal.year_of_quarter).eq(year)]
    cur = wb.dataset.goals.currency
    if ev.empty:
        return [
            f"The channel over time: no partner recruited, lapsed, offboarded or moved in {year}."
        ]
    counts = ev["event"].value_counts()
    out = [
        f"The channel over time, {year}: "
        + ", ".join(f"{int(counts[e])} {EVENTS[e]}" for e in EVENTS if e in counts)
        + "."
    ]
    named = ev[~ev["event"].isin(["recruited", "activated"])]
    named = named.sort_values("revenue_exact", ascending=False, kind="stable")
    for r in named.head(_NAMED_EVENTS).itertuples(index=False):
        who = f"{r.partner_name} ({r.partner_id})"
        money = f"{r.revenue:,.0f} {cur}"
        if r.event == "channel_move":
            out.append(f"{who} moved from channel {r.before} to {r.after} in {r.quarter}, taking "
                       f"{money} of revenue over the four quarters before.")  # fmt: skip
        elif r.event == "tier_move":
            tier = f"{r.before} → {r.after}" if r.before != "–" else f"to {r.after}"
            out.append(f"{who} moved tier {tier} in {r.quarter} ({money} of revenue over the "
                       "four quarters before).")  # fmt: skip
        else:
            out.append(f"{who} {EVENTS[r.event]} in {r.quarter}: {money} of revenue over the four "
                       "quarters before.")  # fmt: skip
    if len(named) > _NAMED_EVENTS:
        rest = named.iloc[_NAMED_EVENTS:]
        out.append(f"{len(rest)} more partners lapsed, left or moved ({rest['revenue'].sum():,.0f} "
                   f"{cur} of revenue over the four quarters before): see the table above.")  # fmt: skip
    return out
