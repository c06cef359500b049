"""The scorecards and the partner-reporting section of notebook ``05_performance_signals``: charts,
tables and sentences.

The numbers come from :mod:`channel_lib.analysis.scorecard`; this module shows them:

- the scorecards: :func:`channel_lights`, :func:`channel_card_table`, :func:`partner_lights`,
  :func:`partner_card_table` (the light's rule in :func:`lights_note`);
- partner reporting: :func:`expectations_table` (which fields, asked of which channels),
  :func:`reporting_table` (who is late, stopped or incomplete), the coverage KPI
  :func:`coverage_table` and its finding :func:`coverage_sentence` / :func:`coverage_finding`;
- a section with nothing to show says why in a sentence, never as an empty table.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.core.money import MoneyUnit
from channel_lib.data.workbook import Workbook
from channel_lib.presentation import charts, html
from channel_lib.presentation.formats import PATTERNS, display_formats, formatter

__all__ = [
    "CARD_COLUMNS",
    "COVERAGE_COLUMNS",
    "channel_card_table",
    "channel_lights",
    "coverage_finding",
    "coverage_sentence",
    "coverage_table",
    "expectations_table",
    "lights_note",
    "partner_card_table",
    "partner_lights",
    "reporting_table",
]

#: Columns of the channel and partner scorecard tables (partners add ``partner_id`` and ``tier``).
CARD_COLUMNS: list[str] = [
    "name", "channel_id", "light", "light_basis", "revenue", "gross_profit", "gross_margin",
    "gross_margin_goal", "revenue_target", "revenue_attainment", "gross_profit_attainment",
    "revenue_vs_last_year", "active_partners", "deals_registered", "pipeline", "certified_staff",
    "share_of_wallet",
]  # fmt: skip
#: Columns of the coverage KPI table.
COVERAGE_COLUMNS: list[str] = [
    "channel_name", "channel_id", "partners", "partners_current", "coverage", "revenue_12m",
    "current_12m", "not_current_12m", "reported_share",
]  # fmt: skip
_SHARE = formatter(PATTERNS["share"])
_MONEY = formatter(PATTERNS["money"])
_COUNT = formatter(PATTERNS["count"])


def _formats(columns: list[str]) -> dict:
    """:func:`display_formats` plus this page's own columns (shares, money, counts)."""
    own = {
        "gross_margin_goal": _SHARE, "coverage": _SHARE, "reported_share": _SHARE,
        "current_12m": _MONEY, "not_current_12m": _MONEY, "partners": _COUNT,
        "partners_current": _COUNT, "partners_reported": _COUNT,
    }  # fmt: skip
    return {**display_formats(columns), **{c: f for c, f in own.items() if c in columns}}


def _present(card: pd.DataFrame, columns: list[str]) -> list[str]:
    """``columns`` that ``card`` has (an older scorecard frame has no ``gross_margin_goal``)."""
    return [c for c in columns if c in card.columns]


#: A quarter's change is not the workbook's growth figure: its header says what it compares.
_SHOWN_AS = {"revenue_vs_last_year": "revenue_vs_same_quarter_last_year"}


#: The scorecard columns the page shows; the leading indicators and the rest are in Excel.
CARD_SHOWN: list[str] = [
    "partner_id", "tier", "name", "light", "light_basis", "revenue", "gross_margin",
    "gross_margin_goal", "revenue_attainment", "gross_profit_attainment",
    "revenue_vs_same_quarter_last_year", "share_of_wallet",
]  # fmt: skip


def _card_table(card: pd.DataFrame, columns: list[str], **kwargs):
    """``card[columns]`` as a table, the quarter's change named for what it compares; the page
    shows :data:`CARD_SHOWN`, the Excel workbook every column."""
    frame = card[columns].rename(columns=_SHOWN_AS)
    shown = [c for c in CARD_SHOWN if c in frame.columns]
    return html.table(frame, formats=_formats(list(frame.columns)), shown=shown, **kwargs)


# -- scorecards ---------------------------------------------------------------------------------------
def lights_note(tolerance: float, growth_band: float):
    """How the lights are set, in the reader's words (markdown).

    Parameters
    ----------
    tolerance : float
        Fraction short of target still amber (the notebook's ``tolerance``).
    growth_band : float
        Materiality band of the growth light (the notebook's ``growth_band``).

    Examples
    --------
    >>> lights_note(0.05, 0.05).data[:40]
    'Green at or above target, amber down to '
    """
    return html.markdown(
        "Green at or above target, amber down to {amber} of it, red below. Without a target: "
        "green when revenue grew {band} or more on the same quarter last year, red when it fell "
        "{band} or more, amber in between. When the year is managed for revenue and profit, a "
        "negative gross margin is red and a margin below the goal (the channel's own goal in "
        "goals.yaml where given, else the corporate one; a partner is judged by its channel's) "
        "is never green.",
        amber=f"{1 - tolerance:.0%}", band=f"{growth_band:.0%}",
    )  # fmt: skip


def channel_lights(wb: Workbook, card: pd.DataFrame):
    """The channel scorecard's traffic lights (:func:`channel_lib.analysis.scorecard.scorecard`)."""
    return charts.scorecard_lights(
        card, channel_ids=wb.channel_ids, title=f"Channel scorecard, {wb.quarter}"
    )


def channel_card_table(wb: Workbook, card: pd.DataFrame):
    """The channel scorecard as a table of :data:`CARD_COLUMNS`."""
    columns = _present(card, CARD_COLUMNS)
    return _card_table(card, columns, caption=f"Channels in {wb.quarter}")


def partner_lights(wb: Workbook, card: pd.DataFrame):
    """The partner scorecard's traffic lights, reds first."""
    return charts.scorecard_lights(
        card, channel_ids=wb.channel_ids, title=f"Partner scorecard, {wb.quarter} (reds first)"
    )


def partner_card_table(wb: Workbook, card: pd.DataFrame):
    """The partner scorecard as a table (id, tier and :data:`CARD_COLUMNS`; 60 rows)."""
    columns = _present(card, ["partner_id", "tier", *CARD_COLUMNS])
    return _card_table(card, columns, caption=f"Partners in {wb.quarter}, reds first", max_rows=60)


# -- partner reporting --------------------------------------------------------------------------------
def expectations_table(expected: pd.DataFrame):
    """What partners are expected to report (:func:`~channel_lib.analysis.scorecard.
    report_expectations`; with its ``asked_of`` column when given the dataset and quarter)."""
    caption = (
        "Expected from partners (partner_reports.csv), by channel"
        if "asked_of" in expected.columns
        else "Expected from every partner (partner_reports.csv)"
    )
    return html.table(expected, caption=caption)


def reporting_table(wb: Workbook, reporting: pd.DataFrame):
    """The partners not reporting fully (:func:`~channel_lib.analysis.scorecard.reporting_status`
    rows whose status is not ``on time``).

    Without ``partners`` or ``partner_reports`` in the dataset, the loader's sentence for the
    missing file instead (every partner would be listed as never reporting); when every partner
    reported on time, a sentence saying so.

    Returns
    -------
    IPython.display.HTML or IPython.display.Markdown
    """
    missing = wb.dataset.first_missing_note("partners", "partner_reports")
    if missing:
        return html.markdown("{why}", why=missing)
    late = reporting[reporting["status"] != "on time"]
    if late.empty:
        return html.markdown("Every partner reported fully and on time for {q}.", q=wb.quarter)
    return html.table(
        late.drop(columns=["revenue_12m_exact"]), formats=display_formats(reporting.columns),
        caption=f"Partners not reporting fully for {wb.quarter}",
    )  # fmt: skip


def coverage_table(wb: Workbook, coverage: pd.DataFrame):
    """The coverage KPI (:func:`~channel_lib.analysis.scorecard.reporting_coverage`) per channel
    and for all partner channels, or why there is none (the loader's sentence for a missing
    ``partners`` or ``partner_reports`` file, or no partner revenue).

    Returns
    -------
    IPython.display.HTML or IPython.display.Markdown
    """
    missing = wb.dataset.first_missing_note("partners", "partner_reports")
    if missing:
        return html.markdown("{why}", why=missing)
    if coverage.empty or not (coverage["revenue_12m_exact"] > 0).any():
        return html.markdown(
            "No partner had revenue in the 12 months to {q}: there is no reporting coverage to "
            "measure.", q=wb.quarter,
        )  # fmt: skip
    return html.table(
        coverage[COVERAGE_COLUMNS], formats=_formats(COVERAGE_COLUMNS),
        caption=f"Partner revenue (12 months to {wb.quarter}) with a current, complete report. "
        "Coverage: share with a complete report for the quarter; reported share: with any "
        "report, complete or not. Partners count under their current channel, with their 12 "
        "months (a partner that moved brings its revenue with it)",
    )  # fmt: skip


def coverage_sentence(coverage: pd.DataFrame, *, money: MoneyUnit, quarter: str) -> str | None:
    """The coverage finding in one sentence (``None`` without partner revenue).

    Parameters
    ----------
    coverage : DataFrame
        :func:`~channel_lib.analysis.scorecard.reporting_coverage` rows (with the ``ALL`` row).
    money : MoneyUnit
        The dataset's money unit (``ds.money``): the amounts are written in its currency.
    quarter : str

    Returns
    -------
    str or None
        The share of partner revenue with a current report, the revenue without one, and the
        channel that leaves the most uncovered (or that every channel is fully covered).

    Examples
    --------
    >>> from channel_lib.core.money import MoneyUnit
    >>> c = pd.DataFrame({"channel_id": ["A", "B", "ALL"], "channel_name": ["Resellers",
    ...     "Marketplace", "All partner channels"], "coverage": [0.9, 0.0, 0.75],
    ...     "revenue_12m_exact": [900_0000, 300_0000, 1200_0000],
    ...     "current_12m_exact": [810_0000, 0, 810_0000]})
    >>> print(coverage_sentence(c, money=MoneyUnit("USD"), quarter="FY2026-Q4"))
    67.5% of partner revenue (810 of 1,200 USD, 12 months to FY2026-Q4) comes from partners with a current, complete report; 390 USD does not, most of it through Marketplace (B: 300 USD, none covered).
    """
    if coverage.empty:
        return None
    frame = coverage.set_index("channel_id")
    if "ALL" not in frame.index or frame.loc["ALL", "revenue_12m_exact"] <= 0:
        return None
    total, covered = (int(frame.loc["ALL", c]) for c in ("revenue_12m_exact", "current_12m_exact"))
    cur = money.currency
    per = frame.drop(index="ALL")
    gap = per["revenue_12m_exact"] - per["current_12m_exact"]
    head = (
        f"{covered / total:.1%} of partner revenue ({money.amount(covered):,.0f} of "
        f"{money.amount(total):,.0f} {cur}, 12 months to {quarter}) comes from partners with a "
        "current, complete report"
    )
    if covered == total:
        return head + ": every partner channel is fully covered."
    worst = gap.idxmax()
    share = per.loc[worst, "current_12m_exact"] / per.loc[worst, "revenue_12m_exact"]
    none = "none covered" if share == 0 else f"{share:.0%} covered"
    return (
        f"{head}; {money.amount(total - covered):,.0f} {cur} does not, most of it through "
        f"{per.loc[worst, 'channel_name']} ({worst}: {money.amount(int(gap[worst])):,.0f} {cur}, "
        f"{none})."
    )


def coverage_finding(wb: Workbook, coverage: pd.DataFrame):
    """:func:`coverage_sentence` as markdown (or why there is no coverage to state)."""
    missing = wb.dataset.first_missing_note("partners", "partner_reports")
    sentence = None if missing else coverage_sentence(
        coverage, money=wb.dataset.money, quarter=wb.quarter
    )  # fmt: skip
    return html.markdown(
        "{s}", s=sentence or missing or f"No partner revenue in the 12 months to {wb.quarter}."
    )
