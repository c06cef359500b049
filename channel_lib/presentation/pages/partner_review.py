"""The page of notebook ``06_partner_review`` (the partner QBR pack) and of its explorer.

:func:`channel_lib.analysis.partner_review.partner_pack` computes a partner's pack; this module
shows it:

- :func:`header` — who the pack is about, the quarter and the partner's reporting status;
- :func:`talking_points` — the QBR's sentences, one function per finding
  (:func:`performance_point`, :func:`new_partner_point`, :func:`wallet_point`,
  :func:`line_card_point`, :func:`service_points`, :func:`reporting_point`,
  :func:`signal_points`, :func:`deal_points`, :func:`review_point`, :func:`suggestion_point`,
  :func:`missing_reports_point`), and :func:`points_markdown`;
- the charts :func:`performance_chart` (also the partner explorer's) and :func:`position_chart`;
- the tables of every section, with their column lists and captions; a table with no row is a
  sentence instead (:func:`no_signal_sentence`, :func:`no_deal_sentence` — the loader's
  missing-file sentence without ``opportunities``; ``partner_reports`` likewise);
- the internal brief's cross-partner :func:`event_points` (customers moved, channel
  conflicts, certification and headcount, tier advice, line card against share of wallet);
- the partner explorer's :func:`explorer_head`, :func:`explorer_card` and :func:`no_match`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.analysis.partner_brief import WALLET_CONTRADICTION, BriefEvents
from channel_lib.analysis.partner_review import PartnerPack
from channel_lib.analysis.signals import SIGNAL_NAMES
from channel_lib.core.figures import compact_money
from channel_lib.data.workbook import Workbook
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.formats import display_formats
from channel_lib.presentation.html import plus_zero

__all__ = [
    "CARD_COLUMNS",
    "DEAL_COLUMNS",
    "LOG_COLUMNS",
    "PERFORMANCE_COLUMNS",
    "REPORT_COLUMNS",
    "REVIEW_COLUMNS",
    "SIGNAL_COLUMNS",
    "SUGGESTION_COLUMNS",
    "answer",
    "deal_points",
    "deals_table",
    "event_points",
    "explorer_card",
    "explorer_head",
    "formats",
    "header",
    "line_card_point",
    "log_table",
    "missing_reports_point",
    "new_partner_point",
    "no_deal_sentence",
    "no_match",
    "no_signal_sentence",
    "performance_chart",
    "performance_point",
    "performance_table",
    "points_markdown",
    "position_chart",
    "reporting_point",
    "reports_table",
    "review_point",
    "review_table",
    "service_points",
    "service_table",
    "signal_points",
    "signals_table",
    "suggestion_point",
    "suggestions_table",
    "talking_points",
    "wallet_point",
]

#: Columns of the partner explorer's scorecard row.
CARD_COLUMNS: list[str] = [
    "light", "light_basis", "revenue", "gross_profit", "gross_margin", "revenue_target",
    "revenue_attainment", "revenue_vs_last_year", "deals_registered", "pipeline",
    "share_of_wallet",
]  # fmt: skip
PERFORMANCE_COLUMNS: list[str] = [
    "quarter", "revenue", "gross_profit", "gross_margin", "revenue_vs_last_year",
    "revenue_target", "revenue_attainment",
]  # fmt: skip
REPORT_COLUMNS: list[str] = [
    "quarter", "partner_total_sales", "our_revenue", "share_of_wallet", "line_card_rank",
    "sales_headcount", "certified_staff", "key_sales_departures", "pipeline_value",
]  # fmt: skip
SIGNAL_COLUMNS: list[str] = [
    "signal", "entity_type", "entity_id", "entity_name", "evidence", "periods_compared", "since",
    "revenue_at_stake",
]  # fmt: skip
DEAL_COLUMNS: list[str] = [
    "opportunity_id", "customer_id", "customer_name", "outcome", "amount", "close_date", "reason",
]  # fmt: skip
REVIEW_COLUMNS: list[str] = [
    "action_id", "action", "owner", "due", "measure", "goal", "baseline", "current", "trend",
    "overdue", "cleared", "history",
]  # fmt: skip
SUGGESTION_COLUMNS: list[str] = ["action_id", "trigger", "action", "owner", "due", "evidence"]
LOG_COLUMNS: list[str] = [
    "action_id", "raised_in", "scope", "action", "owner", "due", "status", "closed_in", "change",
    "trend", "overdue", "evidence",
]  # fmt: skip


def formats(columns) -> dict:
    """Cell formatters of the pack's tables (:func:`channel_lib.presentation.formats.
    display_formats` with the partner-report and review columns).

    Examples
    --------
    >>> f = formats(["csat", "revenue", "line_card_rank", "name"])
    >>> f["csat"](4.123), f["revenue"](1234.5), f["line_card_rank"](float("nan")), sorted(f)
    ('4.12', '1,234', '–', ['csat', 'line_card_rank', 'revenue'])
    """
    return display_formats(columns, partner_pack=True)


# -- the header and the talking points ---------------------------------------------------------------
def header(wb: Workbook, pack: PartnerPack):
    """The pack's first line: partner, channel, tier, quarter and reporting status (markdown)."""
    from IPython.display import HTML  # deferred: only a notebook displays

    e = html.escape
    return HTML(
        f"<p><strong>{e(pack.partner_name)}</strong> ({e(pack.partner_id)}), channel "
        f"{e(pack.channel_id)}, tier {e(pack.tier or 'none')}: quarterly business review for "
        f"<strong>{e(pack.quarter)}</strong>. Partner reporting: {e(pack.reporting_status)}.</p>"
        + coverage_line(wb).data
    )


def performance_point(pack: PartnerPack) -> str:
    """Revenue through the partner in the quarter, its change on last year and its target."""
    cur = pack.currency
    now = pack.performance.set_index("quarter").loc[pack.quarter]
    line = f"Revenue through {pack.partner_name} in {pack.quarter}: {now['revenue']:,.0f} {cur}"
    if pd.notna(now["revenue_vs_last_year"]):
        change = plus_zero(f"{now['revenue_vs_last_year']:+.1%}")
        line += f" ({change} vs the same quarter last year)"
    if pd.notna(now["revenue_attainment"]):
        line += (
            f", {now['revenue_attainment']:.1%} of its {now['revenue_target']:,.0f} {cur} target"
        )
    else:
        line += ", no partner target for the quarter"
    return line + "."


def new_partner_point(pack: PartnerPack) -> str | None:
    """For a partner onboarded in the quarter: set its first-year plan."""
    if pack.onboarded_on is None or pack.reporting_status != "new":
        return None
    return (
        f"New partner, onboarded {pack.onboarded_on:%Y-%m-%d}: set the first-year plan and "
        "the reporting routine."
    )


def wallet_point(pack: PartnerPack) -> str | None:
    """Our share of the partner's reported sales, and a year before."""
    r = pack.reports.set_index("quarter")
    rq = r.loc[pack.quarter]
    if not pd.notna(rq["share_of_wallet"]):
        return None
    year_ago = r["share_of_wallet"].iloc[-5] if len(r) >= 5 else np.nan
    text = f"We are {rq['share_of_wallet']:.1%} of the partner's reported sales"
    if pd.notna(year_ago):
        text += f" (a year ago {year_ago:.1%})"
    return text + "."


def line_card_point(pack: PartnerPack) -> str | None:
    """Our last reported line-card position, and whether it was gained or lost."""
    ranks = pack.reports.set_index("quarter")["line_card_rank"].dropna()
    if not len(ranks):
        return None
    text = f"Our line-card position: #{ranks.iloc[-1]:.0f} (reported {ranks.index[-1]})"
    if len(ranks) >= 2 and ranks.iloc[-1] != ranks.iloc[-2]:
        text += (f", was #{ranks.iloc[-2]:.0f} in {ranks.index[-2]}: position "
                 f"{'gained' if ranks.iloc[-1] < ranks.iloc[-2] else 'lost'}")  # fmt: skip
    return text + "."


def service_points(pack: PartnerPack) -> list[str]:
    """One point per service metric below its threshold."""
    bad = pack.service[pack.service["status"] == "below threshold"]
    return [
        f"Service: {s['metric'].replace('_', ' ')} {s['value']:g} is {s['rule']} "
        f"{s['threshold']:g} required: review it together."
        for s in bad.to_dict("records")
    ]


def reporting_point(pack: PartnerPack) -> str | None:
    """The partner's reporting status, when it is neither on time nor new."""
    if pack.reporting_status in ("on time", "new"):
        return None
    return f"Partner reporting: {pack.reporting_status} (see what the partner reported)."


def signal_points(pack: PartnerPack) -> list[str]:
    """One point per signal naming the partner, with its evidence."""
    return [
        f"Signal — {SIGNAL_NAMES.get(s['signal'], s['signal'])}: {s['evidence']}."
        for s in pack.signals.to_dict("records")
    ]


def deal_points(pack: PartnerPack) -> list[str]:
    """One point per deal for a win/loss interview."""
    return [
        f"Win/loss interview: {d['outcome']} deal {d['opportunity_id']} of "
        f"{d['amount']:,.0f} {pack.currency}."
        for d in pack.deals.to_dict("records")
    ]


def review_point(pack: PartnerPack) -> str | None:
    """The open actions reviewed: how many cleared, closing and overdue."""
    rv = pack.review
    if not len(rv):
        return None
    n_cleared, n_closing = int(rv["cleared"].sum()), int((rv["trend"] == "closing").sum())
    n_overdue = int(rv["overdue"].sum())
    return (
        f"Open actions reviewed: {len(rv)}; {n_cleared} cleared (closed with evidence), "
        f"{n_closing} closing, {n_overdue} overdue."
    )


def suggestion_point(pack: PartnerPack) -> str | None:
    """The new actions suggested, with their triggers."""
    s = pack.suggestions
    if not len(s):
        return None
    listed = "; ".join(f"{a} ({t})" for a, t in zip(s["action"], s["trigger"], strict=True))
    return "New actions suggested: " + listed + "."


def missing_reports_point(pack: PartnerPack) -> str | None:
    """What the pack cannot show when the dataset has no ``partner_reports.csv``."""
    if pack.has_partner_reports:
        return None
    return "partner_reports.csv is missing: no share of wallet, line card or service metrics"


def talking_points(pack: PartnerPack) -> list[str]:
    """Sentences for the QBR from every part of the pack (plain text, not escaped).

    Examples
    --------
    >>> from channel_lib.analysis.partner_review import partner_pack
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q2", plans_dir="/tmp/doctest-plans-06")
    >>> talking_points(partner_pack(wb, "P2"))[0][:24]
    'Revenue through Beta Sup'
    """
    found = [
        performance_point(pack),
        new_partner_point(pack),
        wallet_point(pack),
        line_card_point(pack),
        *service_points(pack),
        reporting_point(pack),
        *signal_points(pack),
        *deal_points(pack),
        review_point(pack),
        suggestion_point(pack),
        missing_reports_point(pack),
    ]
    out = [p for p in found if p is not None]
    if len(out) == 1:
        out.append("No signal, exception or open action for this partner this quarter.")
    return out


def _moved_points(pack: PartnerPack, events: BriefEvents) -> list[str]:
    out = []
    for m in events.moved.to_dict("records"):
        money = compact_money(m["revenue_at_stake"], pack.currency)
        if m["way"] == "moved away":
            out.append(f"Customer {m['entity_name']} ({m['customer_id']}, {money} over its base "
                       f"year) moved away from {pack.partner_id}: {m['evidence']}.")  # fmt: skip
        else:
            out.append(f"Customer {m['entity_name']} ({m['customer_id']}, {money} over its base "
                       f"year) moved to {pack.partner_id}: {m['evidence']}.")  # fmt: skip
    return out


def _conflict_points(pack: PartnerPack, events: BriefEvents) -> list[str]:
    return [
        f"Channel conflict with {c['other_partner']}: {c['customers']} shared customers, "
        f"{compact_money(c['revenue_at_stake'], pack.currency)} at stake, discount "
        f"{c['discount']:.0%} here vs {c['other_discount']:.0%} there "
        f"({100 * c['discount_gap']:.0f}-point gap)."
        for c in events.conflicts.to_dict("records")
    ]


def _staff_point(events: BriefEvents) -> str | None:
    s = events.staff.dropna(subset=["certified_staff", "sales_headcount"])
    if len(s) < 2:
        return None
    first, last = s.iloc[0], s.iloc[-1]
    cert = last["certified_staff"] - first["certified_staff"]
    head = last["sales_headcount"] - first["sales_headcount"]
    if cert == 0 and head == 0:
        return None
    text = (f"Certified staff {first['certified_staff']:.0f} ({first['quarter']}) -> "
            f"{last['certified_staff']:.0f} ({last['quarter']}); sales headcount "
            f"{first['sales_headcount']:.0f} -> {last['sales_headcount']:.0f}")  # fmt: skip
    if cert < 0 < head:
        text += ": certification falls while the sales team grows — ask why"
    return text + "."


def event_points(pack: PartnerPack, events: BriefEvents) -> list[str]:
    """The brief's cross-partner events in sentences (plain text, not escaped): customers moved
    to or from the partner, its channel conflicts, certification and headcount, the portfolio's
    tier advice, and a line-card rank that contradicts our share of its sales.

    Examples
    --------
    >>> from channel_lib.analysis.partner_brief import brief_events
    >>> from channel_lib.analysis.partner_review import partner_pack
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q3", plans_dir="/tmp/doctest-plans-brief")
    >>> pack = partner_pack(wb, "P2")
    >>> event_points(pack, brief_events(wb, pack))[-1][:29]
    'Portfolio tier advice: keep ('
    """
    out = [*_moved_points(pack, events), *_conflict_points(pack, events)]
    staff = _staff_point(events)
    if staff:
        out.append(staff)
    if (
        pd.notna(events.rank)
        and pd.notna(events.share_of_wallet)
        and events.rank <= 2
        and (events.share_of_wallet < WALLET_CONTRADICTION)
    ):
        out.append(f"Line card says #{events.rank:.0f}, yet we are only "
                   f"{events.share_of_wallet:.1%} of the partner's reported sales: which "
                   "supplier really leads there?")  # fmt: skip
    score = f" (score {events.score:.0f} of 100)" if pd.notna(events.score) else ""
    out.append(f"Portfolio tier advice: {events.tier_advice}{score}.")
    return out


def answer(pack: PartnerPack):
    """The first talking points (:func:`talking_points`) in the pack's answer box."""
    return answer_box(talking_points(pack), title="For this review")


def points_markdown(points: list[str]):
    """The talking points as a markdown bullet list, each point escaped (data → HTML safely).

    Examples
    --------
    >>> points_markdown(["<b>a</b>", "b"]).data
    '- &lt;b&gt;a&lt;/b&gt;\\n- b'
    """
    template = "\n".join(f"- {{p{i}}}" for i in range(len(points))) or "No talking points."
    return html.markdown(template, **{f"p{i}": p for i, p in enumerate(points)})


# -- charts ------------------------------------------------------------------------------------------
def performance_chart(wb: Workbook, partner_id: str, channel_id: str, performance: pd.DataFrame):
    """Revenue through the partner by quarter with its target (the pack's and the explorer's).

    Parameters
    ----------
    wb : Workbook
    partner_id, channel_id : str
        The partner and its channel (the line's colour).
    performance : DataFrame
        :func:`channel_lib.analysis.partner_review.partner_performance`.
    """
    return charts.partner_performance(
        performance, channel_ids=wb.channel_ids, channel_id=channel_id,
        title=f"Revenue through {partner_id} by quarter, with its target",
        currency=wb.dataset.goals.currency,
    )  # fmt: skip


def position_chart(wb: Workbook, pack: PartnerPack):
    """Share of wallet and line-card position over the last eight quarters; without
    ``partner_reports`` in the dataset, the loader's sentence for the missing file instead.

    Returns
    -------
    alt.VConcatChart or IPython.display.Markdown
    """
    if not pack.has_partner_reports:
        return html.markdown("{why}", why=wb.dataset.missing_note("partner_reports"))
    return charts.partner_position_history(
        pack.reports, title=f"Share of wallet and line-card position of {pack.partner_id}"
    )


# -- tables ------------------------------------------------------------------------------------------
def _pack_table(frame: pd.DataFrame, columns: list[str], caption: str):
    """``frame``'s ``columns`` as a report table with the pack's formats."""
    return html.table(frame[columns], formats=formats(columns), caption=caption)


def performance_table(pack: PartnerPack):
    """The partner's last eight quarters against target."""
    return _pack_table(pack.performance, PERFORMANCE_COLUMNS, f"Performance of {pack.partner_id}")


def reports_table(wb: Workbook, pack: PartnerPack):
    """What the partner reported, quarter by quarter (a quarter without a report shows dashes);
    without ``partner_reports`` in the dataset, a sentence instead of a table of dashes."""
    if not pack.has_partner_reports:
        return html.markdown(
            "No partner report to show: the dataset folder {folder} has no partner_reports.csv.",
            folder=Path(wb.dataset.folder).name,  # its name: reports never print machine paths
        )
    return _pack_table(pack.reports, REPORT_COLUMNS, "What the partner reported")


def service_table(pack: PartnerPack):
    """The quarter's service metrics against their thresholds."""
    return _pack_table(
        pack.service, list(pack.service.columns), f"Service metrics in {pack.quarter}"
    )


def no_signal_sentence(pack: PartnerPack) -> str:
    """``No signal for P002 in FY2026-Q4.`` (the partner's empty signal list in words)."""
    return f"No signal for {pack.partner_id} in {pack.quarter}."


def signals_table(pack: PartnerPack):
    """The signals naming the partner, with their evidence, or :func:`no_signal_sentence`."""
    if pack.signals.empty:
        return html.markdown("{why}", why=no_signal_sentence(pack))
    return _pack_table(pack.signals, SIGNAL_COLUMNS, f"Signals in {pack.quarter}")


def no_deal_sentence(wb: Workbook, pack: PartnerPack) -> str:
    """Why the pack lists no deal: the loader's sentence when the dataset has no
    ``opportunities`` file, else that no deal of the win/loss amount closed in the quarter."""
    if not wb.dataset.has("opportunities"):
        return wb.dataset.missing_note("opportunities")
    return (
        f"No deal of {pack.thresholds.win_loss_amount:,.0f} {pack.currency} or more was won or "
        f"lost by {pack.partner_id} in {pack.quarter}."
    )


def deals_table(wb: Workbook, pack: PartnerPack):
    """The partner's deals for win/loss interviews, or :func:`no_deal_sentence`."""
    if pack.deals.empty:
        return html.markdown("{why}", why=no_deal_sentence(wb, pack))
    return _pack_table(pack.deals, DEAL_COLUMNS, f"Deals for win/loss interviews, {pack.quarter}")


def review_table(pack: PartnerPack):
    """The open actions reviewed, or a sentence when the partner has none."""
    if pack.review.empty:
        return html.markdown(
            "No open action for {pid} at the end of {q}: nothing to review.",
            pid=pack.partner_id, q=pack.quarter,
        )  # fmt: skip
    return _pack_table(pack.review, REVIEW_COLUMNS, "Open actions reviewed")


def suggestions_table(pack: PartnerPack):
    """The actions the rule table suggests, or a sentence saying why there is none."""
    if pack.suggestions.empty:
        return html.markdown(
            "No action suggested for {pid} in {q}: no finding of the quarter triggers a rule of "
            "the rule table that an open action does not already address.",
            pid=pack.partner_id, q=pack.quarter,
        )  # fmt: skip
    return html.table(pack.suggestions[SUGGESTION_COLUMNS], caption="Suggested actions")


def log_table(wb: Workbook, pack: PartnerPack, log: pd.DataFrame):
    """The partner's actions in the log after this review
    (:func:`channel_lib.analysis.partner_review.record_actions`), or a sentence when it has none."""
    where = f"{wb.plans_dir.name}/actions.csv"
    if log.empty:
        return html.markdown(
            "No action of {pid} in {where} after this review.", pid=pack.partner_id, where=where
        )
    return html.table(log[LOG_COLUMNS], caption=f"Actions of {pack.partner_id} in {where}")


# -- the partner explorer ---------------------------------------------------------------------------
def _or_none(value) -> str:
    return "none" if value is None or pd.isna(value) else str(value)


def no_match():
    """The explorer's line when no partner matches its filters."""
    return html.markdown("No partner matches these filters.")


def explorer_head(partner: pd.Series, partner_id: str, matching: int):
    """The explorer's line: the partner, its channel, region and tier, and how many match.

    Parameters
    ----------
    partner : Series
        The partner's ``partner_name``, ``channel_id``, ``region`` and ``tier``.
    partner_id : str
    matching : int
        Partners matching the filters.
    """
    return html.markdown(
        "**{name}** ({pid}): channel {channel}, region {region}, tier {tier}; "
        "{n} partners match the filters.",
        name=partner["partner_name"], pid=partner_id, channel=partner["channel_id"],
        region=_or_none(partner["region"]), tier=_or_none(partner["tier"]), n=str(matching),
    )  # fmt: skip


def explorer_card(wb: Workbook, partner_id: str, card: pd.DataFrame):
    """The partner's scorecard row (:data:`CARD_COLUMNS`), or why it has none."""
    if card.empty:
        return html.markdown(
            "No scorecard row in {q}: no sales this quarter or a year before, and no target.",
            q=wb.quarter,
        )
    return html.table(
        card[CARD_COLUMNS], formats=display_formats(CARD_COLUMNS),
        caption=f"Scorecard of {partner_id}, {wb.quarter}",
    )  # fmt: skip
