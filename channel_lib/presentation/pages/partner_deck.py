"""The partner's deck of notebook ``06_partner_review``: every function takes the partner-safe
view (:class:`~channel_lib.analysis.partner_deck.PartnerDeck`) and nothing else, so no chart,
table or sentence of the deck can show an internal figure.

- :func:`title` — the deck's heading, with the partner's name; :func:`summary` — its answer box;
- :func:`performance_chart`, :func:`performance_table` — revenue against target and its trend;
- :func:`next_year_section`, :func:`tier_section`, :func:`pipeline_table`,
  :func:`registrations_table`, :func:`service_table`, :func:`interviews_section`,
  :func:`benchmark_section`, :func:`actions_section` — one per section of the deck.

The notebook tags the deck's cells ``partner`` (:data:`~channel_lib.presentation.export.
DECK_TAG`): the deck's page is exported from those cells only.
"""

from __future__ import annotations

import math

import pandas as pd

from channel_lib.analysis.partner_deck import MIN_PEERS, PartnerDeck
from channel_lib.core.figures import compact_money
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box
from channel_lib.presentation.formats import display_formats
from channel_lib.presentation.html import plus_zero

__all__ = [
    "actions_section",
    "benchmark_section",
    "deck_points",
    "interviews_section",
    "next_year_section",
    "performance_chart",
    "performance_table",
    "pipeline_table",
    "registrations_table",
    "service_table",
    "summary",
    "tier_section",
    "title",
]


def _table(frame: pd.DataFrame, caption: str, formats: dict | None = None):
    cols = list(frame.columns)
    return html.table(frame, formats={**display_formats(cols, partner_pack=True),
                                      **(formats or {})}, caption=caption)  # fmt: skip


def title(deck: PartnerDeck):
    """The deck's heading: ``<partner name>: quarterly business review, <quarter>``."""
    from IPython.display import HTML  # deferred: only a notebook displays

    e = html.escape
    return HTML(
        f"<h1>{e(deck.partner_name)}: quarterly business review, {e(deck.quarter)}</h1>"
        f"<p>Prepared for {e(deck.partner_name)}"
        + (f", {e(deck.tier)} partner" if deck.tier else "")
        + ".</p>"
    )


def deck_points(deck: PartnerDeck) -> list[str]:
    """The deck's headline sentences, in the partner's terms (plain text, not escaped).

    Examples
    --------
    >>> from channel_lib.analysis.partner_deck import partner_safe
    >>> from channel_lib.analysis.partner_review import partner_pack
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q2", plans_dir="/tmp/doctest-plans-deck")
    >>> deck_points(partner_safe(wb, partner_pack(wb, "P2")))[0][:36]
    'Our sales through you in FY2026-Q2: '
    """
    now = deck.performance.set_index("quarter").loc[deck.quarter]
    line = (f"Our sales through you in {deck.quarter}: "
            f"{compact_money(now['revenue'], deck.currency)}")  # fmt: skip
    change = now["revenue_vs_last_year"]
    if pd.notna(change):
        line += f" ({plus_zero(f'{change:+.1%}')} vs the same quarter last year)"
    if pd.notna(now["revenue_attainment"]):
        line += (f", {now['revenue_attainment']:.0%} of the "
                 f"{compact_money(now['revenue_target'], deck.currency)} target")  # fmt: skip
    else:
        line += ", no target set for the quarter"
    points = [line + "."]
    bad = deck.service[deck.service["status"] == "below threshold"]
    if len(bad):
        points.append("Service: " + ", ".join(m.replace("_", " ") for m in bad["metric"])
                      + " outside the agreed level.")  # fmt: skip
    if len(deck.interviews):
        points.append(f"{len(deck.interviews)} large deal(s) of the quarter: we would like a "
                      "short win/loss interview.")  # fmt: skip
    if len(deck.actions):
        points.append(f"{len(deck.actions)} joint action(s) to agree or follow up.")
    return points


def summary(deck: PartnerDeck):
    """:func:`deck_points` in the deck's answer box."""
    return answer_box(deck_points(deck), title="This review")


def performance_chart(deck: PartnerDeck):
    """Our sales through the partner by quarter, with its target where one is set."""
    return charts.partner_performance(
        deck.performance, channel_ids=[deck.channel_id], channel_id=deck.channel_id,
        title=f"Our sales through {deck.partner_name} by quarter, with the target where set",
        currency=deck.currency,
    )  # fmt: skip


def performance_table(deck: PartnerDeck):
    """The last eight quarters: revenue, change on last year, target and attainment."""
    return _table(deck.performance, f"Our sales through {deck.partner_name}")


def next_year_section(deck: PartnerDeck):
    """Next fiscal year's approved target by quarter, or a sentence that none is approved yet."""
    if deck.next_targets.empty:
        return html.markdown(
            "No target for {year} has been approved yet: we will share it once it is.",
            year=deck.next_year,
        )
    total = compact_money(float(deck.next_targets["revenue_target"].sum()), deck.currency)
    return _table(deck.next_targets, f"Approved target for {deck.next_year} ({total} in all)")


def tier_section(deck: PartnerDeck):
    """The partner's tier against its requirements, or a sentence that none are set."""
    tier = deck.tier or "no tier"
    if deck.tier_requirements is None:
        return html.markdown(
            "Your tier: {tier}. No tier requirements are set in our programme for this year, "
            "so there is no requirement to report against.", tier=tier,
        )  # fmt: skip
    rows = deck.tier_requirements
    rows = rows[rows["tier"].astype("string").str.lower() == tier.lower()]
    return _table(rows, f"Requirements of the {tier} tier")


def pipeline_table(deck: PartnerDeck):
    """The pipeline the partner reported, quarter by quarter (or a sentence without reports)."""
    if not deck.has_partner_reports or deck.pipeline["pipeline_value"].isna().all():
        return html.markdown("No pipeline reported for these quarters.")
    return _table(deck.pipeline, "Pipeline you reported")


def registrations_table(deck: PartnerDeck):
    """Deals registered over the last four quarters and how they stand."""
    if not deck.has_opportunities:
        return html.markdown("Deal registrations are not part of the data of this review.")
    if deck.registrations.empty or deck.registrations["deals_registered"].sum() == 0:
        return html.markdown("No deal registered in the last four quarters.")
    return _table(deck.registrations, "Deal registrations, last four quarters",
                  {"amount_registered": "{:,.0f}"})  # fmt: skip


def service_table(deck: PartnerDeck):
    """The quarter's service metrics against the agreed thresholds."""
    return _table(deck.service, f"Service metrics in {deck.quarter}")


def interviews_section(deck: PartnerDeck):
    """The win/loss interviews we ask for, one sentence per deal."""
    if not deck.has_opportunities:
        return html.markdown(
            "Deals are not part of the data of this review: no interview to ask for."
        )
    if deck.interviews.empty:
        return html.markdown("No large deal closed this quarter: no win/loss interview to ask for.")
    lines, values = [], {}
    for i, r in enumerate(deck.interviews.to_dict("records")):
        won = r["outcome"] == "won"
        lines.append(f"- {'Won' if won else 'Lost'}: the {{a{i}}} deal with {{c{i}}} ({{d{i}}}, "
                     f"closed {{t{i}}}) — could we talk for 20 minutes about "
                     f"{'what won it' if won else 'what would have won it'}?")  # fmt: skip
        values.update({f"a{i}": compact_money(r["amount"], deck.currency),
                       f"c{i}": str(r["customer"]), f"d{i}": str(r["deal"]),
                       f"t{i}": str(r["closed"])})  # fmt: skip
    return html.markdown("\n".join(lines), **values)


def _fmt(measure: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if "growth" in measure:
        return plus_zero(f"{value:+.1%}")
    return f"{value:.2f}" if "CSAT" in measure else f"{value:.1f}"


def benchmark_section(deck: PartnerDeck):
    """The partner against its tier's peers (quartiles), or why there is no benchmark."""
    if not deck.tier:
        return html.markdown("No tier: there is no peer group to benchmark against.")
    b = deck.benchmark
    shown = b[b["peers"] >= MIN_PEERS]
    if shown.empty:
        return html.markdown(
            "Fewer than {n} other {tier} partners report these measures: no benchmark is shown "
            "(it could identify them).", n=str(MIN_PEERS), tier=deck.tier,
        )  # fmt: skip
    rows = pd.DataFrame({
        "measure": shown["measure"],
        **{c: [_fmt(m, v) for m, v in zip(shown["measure"], shown[c], strict=True)]
           for c in ("yours", "lower_quartile", "median", "upper_quartile")},
        "partners": shown["peers"],
    })  # fmt: skip
    return html.table(rows, caption=f"You against the other {deck.tier} partners (quartiles)")


def actions_section(deck: PartnerDeck):
    """The joint actions in the partner's words, or a sentence when there is none."""
    if deck.actions.empty:
        return html.markdown("No joint action open or proposed this quarter.")
    return html.table(deck.actions, caption="Joint actions")
