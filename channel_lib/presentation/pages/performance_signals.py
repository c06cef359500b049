"""The page of notebook ``05_performance_signals`` and of its explorer: charts, tables, captions and
sentences.

The numbers come from :mod:`channel_lib.analysis.scorecard` (scorecards, exceptions, partner
reporting, the portfolio) and :mod:`channel_lib.analysis.signals` (early warnings, moved
customers, the materiality cut, win/loss deals); this module shows them:

- the exceptions: :func:`exceptions_table` (the scorecards and partner reporting are in
  :mod:`channel_lib.presentation.pages.scorecards`);
- the early warnings, triaged (:mod:`channel_lib.analysis.signals.triage`): :func:`short_list_chart`,
  :func:`short_list_table` (also the signal explorer's, with its own columns),
  :func:`structural_table`, :func:`more_line`; :func:`moved_table`, :func:`below_table`;
- :func:`deals_table` (the win/loss interviews, also the explorer's), :func:`interviews_table`
  (what the recorded interviews said, by channel and partner: :mod:`channel_lib.plans.interviews`),
  :func:`portfolio_chart`, :func:`moves_table`;
- the action register (:mod:`channel_lib.analysis.company_actions`): :func:`register_answer` (the
  answer first: open, due, overdue, closed, gaps closing or widening), :func:`raised_sentence`
  (what this run raised, rejected and closed) and :func:`register_table`;
- :func:`explorer_summary` — the signal explorer's line above its chart;
- a section with nothing to show says why in a sentence, never as an empty table: the loader's
  missing-file sentence (:meth:`~channel_lib.data.dataset.Dataset.missing_note`),
  :func:`no_exceptions_sentence`, :func:`no_deals_sentence`;
- the signals in words, one function per finding (:func:`kind_sentence` for the largest risks and
  opportunities apart, :func:`structural_sentence`,
  :func:`below_sentence`, :func:`deals_sentence`), :func:`signal_sentences` and :func:`in_words`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.analysis.company_actions import ActionRegister
from channel_lib.analysis.signals import (
    SEVERITY_SCALE,
    SIGNAL_NAMES,
    ShortList,
    headline,
    material,
    short_list,
)
from channel_lib.core.money import MoneyUnit
from channel_lib.data import cube as metrics
from channel_lib.data.dataset import Dataset
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.workbook import Workbook
from channel_lib.plans import interviews as iv
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.formats import display_formats, missing_as_dash
from channel_lib.presentation.text import in_plans_folder

__all__ = [
    "EXPLORER_DEAL_COLUMNS",
    "EXPLORER_SHORT_LIST_COLUMNS",
    "REGISTER_TABLE_COLUMNS",
    "SHORT_LIST_COLUMNS",
    "SIGNAL_TABLE_COLUMNS",
    "STRUCTURAL_COLUMNS",
    "answer",
    "below_sentence",
    "below_table",
    "deals_caption",
    "deals_sentence",
    "deals_table",
    "exceptions_table",
    "explorer_summary",
    "in_words",
    "interviews_table",
    "kind_sentence",
    "more_line",
    "moved_table",
    "moves_table",
    "no_deals_sentence",
    "no_exceptions_sentence",
    "portfolio_chart",
    "raised_sentence",
    "register_answer",
    "register_table",
    "reporting_quarter",
    "short_list_caption",
    "short_list_chart",
    "short_list_table",
    "signal_sentences",
    "structural_sentence",
    "structural_table",
]

#: Columns of the notebook's signal tables (material signals, moved customers).
SIGNAL_TABLE_COLUMNS: list[str] = [
    "signal", "entity_type", "entity_id", "entity_name", "channel_id", "partner_id", "evidence",
    "periods_compared", "since", "revenue_at_stake",
]  # fmt: skip
#: Columns of the short list (triaged events, severity × exposure first).
SHORT_LIST_COLUMNS: list[str] = [
    "kind", "severity_label", "signal", "entity_type", "entity_id", "entity_name", "channel_id",
    "partner_id", "evidence", "unusual", "since", "revenue_at_stake",
]  # fmt: skip
#: Columns of the signal explorer's short list: what the room decides on, in the projector's
#: type at 1280 px (the ids, region and flags are in notebook 05's table and its Excel workbook).
EXPLORER_SHORT_LIST_COLUMNS: list[str] = [
    "kind", "severity_label", "signal", "entity_name", "channel_id", "tier", "evidence",
    "revenue_at_stake",
]  # fmt: skip
#: Columns of the structural items (concentration), shown apart from the events.
STRUCTURAL_COLUMNS: list[str] = [
    "severity_label", "entity_type", "entity_id", "entity_name", "value", "evidence",
    "revenue_at_stake",
]  # fmt: skip
#: Columns of the action register's table (:attr:`ActionRegister.actions`).
REGISTER_TABLE_COLUMNS: list[str] = [
    "state", "due", "action_id", "trigger", "scope", "action", "owner", "trend", "current",
    "goal", "evidence",
]  # fmt: skip
#: Columns of the signal explorer's win/loss table (the notebook's shows every column).
EXPLORER_DEAL_COLUMNS: list[str] = [
    "opportunity_id", "partner_id", "partner_name", "channel_id", "customer_name", "outcome",
    "amount", "close_date", "reason",
]  # fmt: skip


# -- scorecards and exceptions ----------------------------------------------------------------------


def no_exceptions_sentence(wb: Workbook) -> str:
    """Why there is no exception in the quarter: no target to compare with (the loader's sentence
    saying where targets would come from), or every target met or within the tolerance.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2025-Q1", plans_dir="/tmp/doctest-plans-05")
    >>> no_exceptions_sentence(wb)[:55]
    'No exceptions in FY2025-Q1: nothing to compare with. No'
    """
    try:
        metrics.attainment(wb.dataset, wb.quarter, plans_dir=wb.plans_dir)
    except metrics.MissingDataError as exc:
        return f"No exceptions in {wb.quarter}: nothing to compare with. {exc}"
    return (
        f"No exceptions in {wb.quarter}: every target of the quarter is met or within the "
        "tolerance, and none was missed last quarter."
    )


def exceptions_table(wb: Workbook, gaps: pd.DataFrame):
    """The exceptions (:func:`channel_lib.analysis.scorecard.exceptions`) without the exact
    column, or (none) :func:`no_exceptions_sentence` as markdown."""
    if gaps.empty:
        return html.markdown("{why}", why=no_exceptions_sentence(wb))
    return html.table(
        gaps.drop(columns=["money_at_stake_exact"]), caption=f"Exceptions in {wb.quarter}",
        formats=display_formats(gaps.columns),
    )  # fmt: skip


# -- early warnings ---------------------------------------------------------------------------------


def short_list_chart(wb: Workbook, short: ShortList):
    """The short list as bars of revenue at stake, red risks and green opportunities."""
    return charts.signals_triaged(
        short.rows, title=f"Risks and opportunities by severity × revenue at stake, {wb.quarter}"
    )


def short_list_caption(short: ShortList, thresholds: SignalThresholds, currency: str) -> str:
    """``The 15 events of highest severity × revenue at stake (50,000 USD or more at stake)``."""
    return (
        f"The {len(short.rows)} event{_s(len(short.rows))} of highest severity × revenue at "
        f"stake (trailing 12 months; {thresholds.min_revenue_at_stake:,.0f} {currency} or more)"
    )


def short_list_table(
    short: ShortList,
    thresholds: SignalThresholds,
    currency: str,
    *,
    columns: Sequence[str] = SHORT_LIST_COLUMNS,
    dashes: bool = False,
):
    """The short list as a table: kind, severity, the signal and its evidence, ranked.

    Parameters
    ----------
    short : ShortList
        :func:`channel_lib.analysis.signals.short_list`.
    thresholds : SignalThresholds
        For the materiality minimum of the caption.
    currency : str
    columns : sequence of str
        The notebook's (:data:`SHORT_LIST_COLUMNS`) or the explorer's
        (:data:`EXPLORER_SHORT_LIST_COLUMNS`).
    dashes : bool
        Write a missing id, name, region, tier or unusual flag as ``–`` (the explorer's table).

    Returns
    -------
    IPython.display.HTML or IPython.display.Markdown
        The table; with no event, a sentence saying so.
    """
    if short.rows.empty and not dashes:
        return html.markdown(
            "No event reaches the materiality minimum of {minimum} {currency} revenue at stake.",
            minimum=f"{thresholds.min_revenue_at_stake:,.0f}", currency=currency,
        )  # fmt: skip
    columns = list(columns)
    rows = short.rows.copy()
    rows["unusual"] = rows["unusual"].astype("object").map({True: "yes", False: "no"})
    rows["unusual"] = rows["unusual"].astype("string")
    formats = {**missing_as_dash(columns), **display_formats(columns)} if dashes else (
        display_formats(columns)
    )  # fmt: skip
    return html.table(
        rows[columns], formats=formats, caption=short_list_caption(short, thresholds, currency)
    )


def structural_table(short: ShortList):
    """The structural items (concentration on the trailing 12 months), apart from the events."""
    if short.structural.empty:
        return html.markdown(
            "No channel or partner carries the dependency share of revenue over the trailing "
            "12 months."
        )
    columns = STRUCTURAL_COLUMNS
    rows = short.structural[columns].rename(columns={"value": "share_12m"})
    return html.table(
        rows, formats={**display_formats(rows.columns), "share_12m": "{:.1%}"},
        caption="Structural items: concentration over the trailing 12 months (not events, "
        "never added to them)",
    )  # fmt: skip


def more_line(short: ShortList, path: str | Path | None = None):
    """How many more signals the export holds than the tables show, as markdown."""
    where = f" ({in_plans_folder(path)})" if path is not None else ""
    if short.more == 0:
        structural = len(short.structural)
        parts = (
            f" ({short.total - structural} events and {structural} structural)"
            if structural
            else ""
        )
        return html.markdown(
            "Every signal is shown above; the export{where} holds the same {total}{parts}.",
            where=where, total=str(short.total), parts=parts,
        )  # fmt: skip
    return html.markdown(
        "{more} more signal{s} ({below} of them events below the materiality minimum) are in "
        "the export{where}: {total} in all.",
        more=str(short.more), s=_s(short.more), below=str(short.below_minimum), where=where,
        total=str(short.total),
    )  # fmt: skip


def moved_table(moved: pd.DataFrame):
    """The customers who moved to another partner or channel (moved, not lost)."""
    columns = SIGNAL_TABLE_COLUMNS
    if moved.empty:
        return html.markdown("No large customer moved to another partner or channel.")
    return html.table(
        moved[columns], formats=display_formats(columns),
        caption="Customers who moved to another partner or channel: moved, not lost",
    )  # fmt: skip


def below_table(below: pd.DataFrame):
    """The signals below the materiality minimum, summarised (:func:`~channel_lib.analysis.
    signals.below_materiality`), or a sentence when every signal is material (or none)."""
    if below.empty:
        return html.markdown("No signal falls below the materiality minimum.")
    return html.table(
        below.drop(columns=["revenue_at_stake_exact"]),
        formats=display_formats(["revenue_at_stake"]),
        caption="Signals below the materiality minimum (summarised)",
    )


def explorer_summary(
    warnings: pd.DataFrame,
    material_rows: pd.DataFrame,
    deals: pd.DataFrame,
    thresholds: SignalThresholds,
    currency: str,
    quarter: str,
):
    """The signal explorer's line: how many signals and deals these thresholds raise (markdown)."""
    return html.markdown(
        "{n} signals at these thresholds, {m} of them with {minimum} {currency} or more at "
        "stake; {d} deals of {amount} {currency} or more closed in {q}.",
        n=str(len(warnings)), m=str(len(material_rows)),
        minimum=f"{thresholds.min_revenue_at_stake:,.0f}", currency=currency,
        d=str(len(deals)), amount=f"{thresholds.win_loss_amount:,.0f}", q=quarter,
    )  # fmt: skip


# -- win/loss, reporting, portfolio ---------------------------------------------------------------
def deals_caption(thresholds: SignalThresholds, currency: str, quarter: str) -> str:
    """``Deals of 300,000 USD or more closed in FY2026-Q4``."""
    return f"Deals of {thresholds.win_loss_amount:,.0f} {currency} or more closed in {quarter}"


def no_deals_sentence(thresholds: SignalThresholds, currency: str, quarter: str) -> str:
    """``No deal of 300,000 USD or more was won or lost through a partner in FY2026-Q4.``

    Examples
    --------
    >>> no_deals_sentence(SignalThresholds(win_loss_amount=250000), "EUR", "FY2026-Q1")
    'No deal of 250,000 EUR or more was won or lost through a partner in FY2026-Q1.'
    """
    return (
        f"No deal of {thresholds.win_loss_amount:,.0f} {currency} or more was won or lost "
        f"through a partner in {quarter}."
    )


def deals_table(
    deals: pd.DataFrame,
    thresholds: SignalThresholds,
    currency: str,
    quarter: str,
    *,
    columns: Sequence[str] | None = None,
    dataset: Dataset | None = None,
):
    """The win/loss interview list (:func:`channel_lib.analysis.signals.win_loss_deals`).

    Parameters
    ----------
    deals : DataFrame
    thresholds : SignalThresholds
        For the deal amount of the caption.
    currency, quarter : str
    columns : sequence of str, optional
        The explorer's columns (:data:`EXPLORER_DEAL_COLUMNS`, missing values as ``–``); default
        every column but the exact amount (the notebook's).
    dataset : Dataset, optional
        The notebook's dataset: with it, no deal is said in words instead of an empty table (the
        loader's sentence when the dataset has no ``opportunities`` file, else
        :func:`no_deals_sentence`). The explorer passes none and keeps its table.

    Returns
    -------
    IPython.display.HTML or IPython.display.Markdown
    """
    caption = deals_caption(thresholds, currency, quarter)
    if dataset is not None and deals.empty:
        if not dataset.has("opportunities"):
            return html.markdown("{why}", why=dataset.missing_note("opportunities"))
        return html.markdown("{why}", why=no_deals_sentence(thresholds, currency, quarter))
    if columns is None:
        return html.table(
            deals.drop(columns=["amount_exact"]), formats=display_formats(deals.columns),
            caption=caption,
        )  # fmt: skip
    columns = list(columns)
    formats = {**missing_as_dash(columns), **display_formats(columns)}
    return html.table(deals[columns], formats=formats, caption=caption)


def interviews_table(wb: Workbook):
    """What the recorded win/loss interviews said (``plans/interviews.csv``) on deals closed in
    the 12 months to the quarter's end, by channel and partner, with a line per channel; a
    sentence saying how to record one when there is none.

    A reason about service (:func:`channel_lib.plans.interviews.is_service_reason`: *service*,
    *support*, *response* ...) is a service complaint: it lowers the partner's service score in
    the portfolio below and withholds a promotion (:func:`channel_lib.analysis.scorecard.portfolio`).

    Returns
    -------
    IPython.display.HTML or IPython.display.Markdown
    """
    if not wb.dataset.has("opportunities"):
        return html.markdown(
            "Interviews are recorded against the deals of opportunities.csv, which this dataset "
            "does not have."
        )
    start, end = wb.dataset.calendar.trailing_window(wb.quarter, 12)
    partners = wb.dataset.table("partners") if wb.dataset.has("partners") else None
    if partners is None:
        partners = pd.DataFrame(columns=["partner_id", "partner_name", "channel_id"])
    by = iv.reasons_by_partner(iv.read_interviews(wb.plans_dir), partners, start, end)
    if by.empty:
        return html.markdown(
            "No win/loss interview is recorded for a deal closed in the 12 months to {q}; record "
            "one with `channel-workbook interviews record OPP-ID --outcome lost --reason "
            '"..."` ({where}).', q=wb.quarter, where=in_plans_folder(Path(wb.plans_dir) / iv.INTERVIEWS_FILE, wb.plans_dir),
        )  # fmt: skip
    channels = by.groupby("channel_id", sort=True)[["interviews", "service_complaints"]].sum()
    lines = "; ".join(
        f"{c or 'no channel'}: {n} interview{_s(n)}, {k} service complaint{_s(k)}"
        for c, n, k in zip(channels.index, channels["interviews"],
                           channels["service_complaints"], strict=True)
    )  # fmt: skip
    return html.table(
        by, formats=display_formats(by.columns),
        caption=f"Win/loss interviews on deals closed in the 12 months to {wb.quarter} — {lines}",
    )  # fmt: skip


def portfolio_chart(wb: Workbook, book: pd.DataFrame):
    """The partner portfolio (:func:`channel_lib.analysis.scorecard.portfolio`) as a scatter;
    with no partner to place, why not (the loader's sentence when there is no ``partners`` file).

    Returns
    -------
    alt.Chart or IPython.display.Markdown
    """
    if book.empty:
        missing = wb.dataset.first_missing_note("partners")
        return html.markdown(
            "{why}", why=missing or f"No partner had revenue in the 12 months to {wb.quarter}: "
            "there is no partner portfolio to score.",
        )  # fmt: skip
    return charts.portfolio_scatter(
        book, channel_ids=wb.channel_ids, title=f"Partner portfolio, {wb.quarter}"
    )


#: The columns of the tier moves the page shows (the component scores are in the Excel workbook).
MOVES_SHOWN = ["partner_id", "partner_name", "channel_id", "tier", "revenue_12m", "growth_12m",
               "share_of_wallet", "score", "suggestion"]  # fmt: skip


def moves_table(book: pd.DataFrame):
    """The suggested tier moves (the portfolio's rows whose suggestion is not ``keep``), or a
    sentence when there is none.

    Returns
    -------
    IPython.display.HTML or IPython.display.Markdown
    """
    moves = book[book["suggestion"] != "keep"].drop(columns=["revenue_12m_exact"])
    if moves.empty:
        return html.markdown(
            "No tier move suggested: every partner of the portfolio keeps its tier."
            if len(book)
            else "No partner in the portfolio, so no tier move to suggest."
        )
    shown = [c for c in MOVES_SHOWN if c in moves.columns]
    return html.table(
        moves, formats=display_formats(moves.columns), caption="Suggested tier moves", shown=shown
    )


# -- in words: one function per finding ------------------------------------------------------------
def _s(n: int) -> str:
    return "s" if n != 1 else ""


def below_sentence(below: int, *, min_revenue_at_stake: float, currency: str = "") -> str | None:
    """How many signals fall below the materiality minimum (``None`` when none does)."""
    if not below:
        return None
    unit = f" {currency}" if currency else ""
    return (
        f"{below} more signal{_s(below)} fall below the materiality minimum "
        f"of {min_revenue_at_stake:,.0f}{unit} and are summarised, not listed."
    )


def deals_sentence(deals: pd.DataFrame) -> str:
    """How many partner deals need a win/loss interview."""
    return (
        f"{len(deals)} partner deal{_s(len(deals))} won or lost this quarter "
        "need a win/loss interview."
    )


def kind_sentence(head: pd.DataFrame, kind: str, *, money: MoneyUnit, currency: str = "") -> str:
    """The material risks (or opportunities) in one sentence: how many, the trailing-12-month
    revenue they touch (each entity once) and the largest of them by severity × exposure.

    Parameters
    ----------
    head : DataFrame
        :func:`channel_lib.analysis.signals.headline` of the material events.
    kind : {"risk", "opportunity"}
    money : MoneyUnit
        The unit of ``exposure_exact`` (``ds.money``).
    currency : str
        Currency code written after the amounts (``""``: none).

    Examples
    --------
    >>> head = pd.DataFrame({"kind": ["risk"], "signals": [2], "entities": [2],
    ...     "exposure_exact": [1_500_000], "largest_signal": ["lost_customer"],
    ...     "largest_entity_id": ["C1"], "largest_entity_name": ["Acme"],
    ...     "largest_evidence": ["1.4% of company revenue"], "largest_severity": [3]})
    >>> kind_sentence(head, "risk", money=MoneyUnit("USD", 0), currency="USD")[:60]
    'Risks: 2 signals on 2 partners or customers with 1,500,000 U'
    >>> kind_sentence(head, "opportunity", money=MoneyUnit("USD", 0))
    'Opportunities: none material this quarter.'
    """
    word = "Risks" if kind == "risk" else "Opportunities"
    rows = head[head["kind"] == kind]
    if rows.empty:
        return f"{word}: none material this quarter."
    r = rows.iloc[0]
    unit = f" {currency}" if currency else ""
    total = money.amount(int(r["exposure_exact"]))
    n, e = int(r["signals"]), int(r["entities"])
    return (
        f"{word}: {n} signal{_s(n)} on {e} partner{_s(e)} or customer{_s(e)} with "
        f"{total:,.0f}{unit} of revenue over the trailing 12 months (each counted once); the "
        f"largest is {r['largest_entity_name']} ({r['largest_entity_id']}): "
        f"{SIGNAL_NAMES.get(r['largest_signal'], r['largest_signal'])}, severity "
        f"{SEVERITY_SCALE.get(int(r['largest_severity']), r['largest_severity'])}, "
        f"{r['largest_evidence']}."
    )


def structural_sentence(structural: pd.DataFrame) -> str | None:
    """The structural items (concentration) in one sentence, apart from the events (``None``
    when there is none).

    Examples
    --------
    >>> rows = pd.DataFrame({"entity_id": ["DIST"], "entity_name": ["Distribution"],
    ...                      "evidence": ["36.5% of company revenue in the 12 months"]})
    >>> structural_sentence(rows)
    'Structural, not added to the totals: Distribution (DIST) 36.5% of company revenue in the 12 months.'
    """
    if structural.empty:
        return None
    items = "; ".join(
        f"{n} ({i}) {e}"
        for n, i, e in zip(structural["entity_name"], structural["entity_id"],
                           structural["evidence"], strict=True)
    )  # fmt: skip
    return f"Structural, not added to the totals: {items}."


def signal_sentences(
    signals: pd.DataFrame,
    *,
    min_revenue_at_stake: float,
    money: MoneyUnit,
    deals: pd.DataFrame | None = None,
    currency: str = "",
) -> list[str]:
    """The signal list in plain sentences, the largest risks and opportunities apart and first
    (values not escaped: pass them through :func:`channel_lib.presentation.html.escape_markdown`
    before they enter HTML).

    Parameters
    ----------
    signals : DataFrame
        :func:`~channel_lib.analysis.signals.triage` rows (e.g.
        :func:`~channel_lib.analysis.signals.triaged_warnings`).
    min_revenue_at_stake : float
        Materiality minimum (currency).
    money : MoneyUnit
        The unit of ``revenue_at_stake_exact`` (``ds.money``).
    deals : DataFrame, optional
        :func:`~channel_lib.analysis.signals.win_loss_deals`, to count the interviews due.
    currency : str
        Currency code for the amounts.

    Returns
    -------
    list of str
        The risks, the opportunities, then (when any) the structural items, the signals below
        the minimum and the interviews due.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> from channel_lib.analysis.signals import triaged_warnings
    >>> ds = load_dataset("tests/data/tiny")
    >>> signal_sentences(triaged_warnings(ds, "FY2026-Q2"), min_revenue_at_stake=50000,
    ...                  money=ds.money)[:2]
    ['Risks: none material this quarter.', 'Opportunities: none material this quarter.']
    """
    short = short_list(signals, min_revenue_at_stake=min_revenue_at_stake, money=money)
    kept = material(signals, min_revenue_at_stake=min_revenue_at_stake, money=money)
    head = headline(kept, money=money)
    words = {"min_revenue_at_stake": min_revenue_at_stake, "currency": currency}
    found = [
        kind_sentence(head, "risk", money=money, currency=currency),
        kind_sentence(head, "opportunity", money=money, currency=currency),
        structural_sentence(short.structural),
        below_sentence(short.below_minimum, **words),
        deals_sentence(deals) if deals is not None else None,
    ]
    return [s for s in found if s is not None]


def in_words(
    signals: pd.DataFrame, thresholds: SignalThresholds, deals: pd.DataFrame, money: MoneyUnit
):
    """The notebook's "In words": the largest risks, the largest opportunities, then the
    structural items, the rest and the interviews due (amounts in ``money``'s currency, the
    dataset's unit ``ds.money``).

    Parameters
    ----------
    signals : DataFrame
        :func:`~channel_lib.analysis.signals.triage` rows.
    thresholds : SignalThresholds
    deals : DataFrame
    money : MoneyUnit
    """
    sentences = signal_sentences(
        signals, min_revenue_at_stake=thresholds.min_revenue_at_stake, deals=deals,
        money=money, currency=money.currency,
    )  # fmt: skip
    return html.markdown(
        "- {a}\n- {b}\n- {c}", a=sentences[0], b=sentences[1], c=" ".join(sentences[2:])
    )


def answer(
    signals: pd.DataFrame, thresholds: SignalThresholds, deals: pd.DataFrame, money: MoneyUnit
):
    """The report's answer box: :func:`signal_sentences` (the largest risks and opportunities,
    the structural items, what is below the minimum, the interviews due)."""
    found = signal_sentences(
        signals, min_revenue_at_stake=thresholds.min_revenue_at_stake, deals=deals,
        money=money, currency=money.currency,
    )  # fmt: skip
    return answer_box(found)


def reporting_quarter(wb: Any):
    """The reporting quarter in one line, why it was chosen folded under it."""
    return coverage_line(wb)


# -- the action register ----------------------------------------------------------------------------
def register_answer(register: ActionRegister):
    """The register's answer first, in bold: ``13 actions open (13 raised in FY2026-Q4), …``.

    Examples
    --------
    >>> reg = ActionRegister("FY2026-Q4", pd.DataFrame({"state": ["overdue", "closed"],
    ...     "raised_in": ["FY2026-Q2", "FY2026-Q3"], "trend": ["widening", ""]}), "FY2027-Q1")
    >>> reg.summary()
    '1 action open (0 raised in FY2026-Q4), 0 due by the end of FY2027-Q1, 1 overdue; 1 closed in FY2026-Q4. Gaps: 1 widening.'
    >>> register_answer(reg).data.startswith("**1 action open")
    True
    """
    return html.markdown("**{answer}**", answer=register.summary())


def raised_sentence(raised: pd.DataFrame, quarter: str) -> str:
    """What this run wrote (:func:`~channel_lib.analysis.company_actions.raise_company_actions`).

    Examples
    --------
    >>> r = pd.DataFrame({"trigger": ["large_deal_won", "channel_conflict", "lost_customer"],
    ...                   "decision": ["raised", "raised", "suggested"]})
    >>> raised_sentence(r, "FY2026-Q4")
    'This run raised 2 actions in FY2026-Q4 (1 channel conflict, 1 large deal won), rejected 0 and closed 0; 1 more suggested, not accepted (parameter accept).'
    """
    decided = raised["decision"].value_counts().to_dict()
    new = raised[raised["decision"] == "raised"]["trigger"].value_counts().sort_index()
    parts = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in new.items())
    n = int(decided.get("raised", 0))
    text = (f"This run raised {n} action{_s(n)} in {quarter}" + (f" ({parts})" if parts else "")
            + f", rejected {int(decided.get('rejected', 0))} and closed "
            f"{int(decided.get('closed', 0))}")  # fmt: skip
    left = int(decided.get("suggested", 0))
    if left:
        text += f"; {left} more suggested, not accepted (parameter accept)"
    return text + "."


def register_table(register: ActionRegister, raised: pd.DataFrame | None = None):
    """The register: overdue first, then due, open, closed and rejected in the quarter; a
    sentence when the log holds no action (with :func:`raised_sentence` when ``raised`` is given).
    """
    said = f" {raised_sentence(raised, register.quarter)}" if raised is not None else ""
    if register.actions.empty:
        return html.markdown(
            "No action is open at the end of {q} and none was closed in it.{said}",
            q=register.quarter, said=said,
        )  # fmt: skip
    rows = register.actions[REGISTER_TABLE_COLUMNS]
    # the evidence states the current value against the goal: the two columns stay in Excel
    shown = [c for c in rows.columns if c not in ("current", "goal")]
    return html.table(
        rows, formats={**display_formats(rows.columns), "current": _measure, "goal": _measure},
        caption=f"Action register, {register.quarter}: overdue, due by the end of "
                f"{register.next_quarter}, open, then closed or rejected in the quarter.{said}",
        shown=shown,
    )  # fmt: skip


def _measure(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
