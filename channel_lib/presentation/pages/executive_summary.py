"""The batch index as a one-page executive summary (:func:`summary_html`): the year's answer
first, the quarter against target, the five findings, one line per question the workbook answers,
the partner packs ranked by why they are there, and each report's Excel workbook and PDF.

The numbers come from :mod:`channel_lib.analysis.executive`; this module only words and marks
them up. Money is written with its currency in readable units (:func:`~channel_lib.core.figures.compact_money`: ``37.9M
USD``), never with cents or in scientific notation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from channel_lib.analysis.executive import ExecutiveSummary
from channel_lib.core.figures import compact_money
from channel_lib.presentation.answer import answer_html
from channel_lib.presentation.text import escape

__all__ = [
    "QUESTIONS",
    "SECTIONS",
    "ReportLink",
    "finding_sentence",
    "summary_html",
    "year_sentence",
]

#: The questions the workbook answers: key, the question, the report (notebook) answering it.
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("quarter", "How did the quarter go, channel by channel?", "00_quarter_overview"),
    ("alignment", "Are the channels' goals aligned with the corporate goals?",
     "01_orientation_alignment"),
    ("revenue_profit", "Are we managing for revenue, or for revenue and profit?",
     "04_revenue_profit_trends"),
    ("targets", "What target does each channel get, and is it on track?", "02_target_setting"),
    ("investment", "Which channels should we invest in, and how much?",
     "03_investment_allocation"),
    ("signals", "Which early warnings and exceptions need action this quarter?",
     "05_performance_signals"),
    ("partners", "What do the partner reviews say?", "06_partner_review"),
)  # fmt: skip

#: The report section (its heading) that shows each source of findings.
SECTIONS: dict[str, str] = {
    "signal": "Early-warning signals",
    "investment": "Profit net of spend",
    "plan_gap": "Against the plan",
}

_MANAGING_FOR = {
    "revenue": "managing for revenue",
    "revenue_and_profit": "managing for revenue and profit",
}

_SIGNAL_PHRASES: dict[tuple[str, str], str] = {
    ("line_card_change", "gained"): "we rose on {name}'s line card",
    ("line_card_change", "lost"): "we fell on {name}'s line card",
    ("lost_customer", "lost"): "{name} stopped buying",
    ("moved_customer", "moved"): "{name} moved to another partner or channel",
    ("partner_total_sales_change", "down"): "{name}'s own sales fell {pct}",
    ("partner_total_sales_change", "up"): "{name}'s own sales rose {pct}",
    ("our_sales_change", "down"): "our sales through {name} fell {pct}",
    ("our_sales_change", "up"): "our sales through {name} rose {pct}",
    ("key_talent_loss", "lost"): "{name} lost key sales people",
    ("service_metrics", "csat"): "{name}'s customer satisfaction is below the minimum",
    ("service_metrics", "response"): "{name}'s first response is slower than the maximum",
    ("service_metrics", "csat+response"): "{name} misses both service thresholds",
}


@dataclass(frozen=True)
class ReportLink:
    """One report (or partner pack) of the batch as the index links it.

    ``html``, ``xlsx`` and ``pdf`` are links relative to the index (``None``: not written);
    ``status`` is the run's (``ok``, ``failed``, ``skipped``, ``pending``).
    """

    name: str
    title: str
    status: str
    html: str | None = None
    xlsx: str | None = None
    pdf: str | None = None
    error: str | None = None
    partner_id: str | None = None


def _pct(x: float) -> str:
    return "–" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.0f}%"


def _points(x: float) -> str:
    return f"{100 * float(x):+.1f} points"


def year_sentence(s: ExecutiveSummary) -> str:
    """The year's answer against its objective, in one sentence (plain text).

    ``FY2026 closed at 137.0M USD revenue against its 139.8M USD objective (98%) and 64.7M USD
    gross profit against 67.1M USD (96%).`` — or, before the year closed, where year to date plus
    the forecast of the remaining quarters lands.
    """
    rev, gp = (
        s.row("outlook_vs_objective", "revenue"),
        s.row("outlook_vs_objective", "gross_profit"),
    )
    if rev is None or gp is None:
        return f"{s.year}: the year cannot be stated against its objective ({_why(s)})."
    c = s.currency
    amounts = (
        f"{compact_money(rev['value'], c)} revenue against its {compact_money(rev['reference'], c)} "
        f"objective ({_pct(rev['ratio'])}) and {compact_money(gp['value'], c)} gross profit against "
        f"{compact_money(gp['reference'], c)} ({_pct(gp['ratio'])})"
    )
    if s.closed:
        return f"{s.year} closed at {amounts}."
    span = s.remaining[0] if len(s.remaining) == 1 else f"{s.remaining[0]}–{s.remaining[-1]}"
    return (f"{s.year} is heading for {amounts}: the year to date up to {s.quarter} plus the "
            f"forecast of {span}.")  # fmt: skip


def _why(s: ExecutiveSummary) -> str:
    return s.notes[0].rstrip(".") if s.notes else "not computed"


def _comparison_line(s: ExecutiveSummary, comparison: str, label: str) -> str:
    rev, gp = s.row(comparison, "revenue"), s.row(comparison, "gross_profit")
    margin = s.row(comparison, "gross_margin")
    if rev is None or gp is None:
        return ""
    c, vs = s.currency, "last year" if comparison.endswith("last_year") else "target"
    text = (
        f"{label} ({rev['period']}): revenue {compact_money(rev['value'], c)} against "
        f"{compact_money(rev['reference'], c)} {vs} ({_pct(rev['ratio'])}), gross profit "
        f"{compact_money(gp['value'], c)} against {compact_money(gp['reference'], c)} "
        f"({_pct(gp['ratio'])})"
    )
    if margin is not None and math.isfinite(float(margin["value"])):
        text += (f", gross margin {100 * margin['value']:.1f}% "
                 f"({_points(margin['gap'])} on {vs})")  # fmt: skip
    if vs == "target":
        text += f"; targets: {rev['reference_source']}"
    return text + "."


def finding_sentence(f: pd.Series | dict, currency: str) -> str:
    """One finding in one sentence with its amount and direction (plain text).

    Examples
    --------
    >>> finding_sentence({"source": "signal", "signal": "our_sales_change", "direction": "down",
    ...     "kind": "risk", "entity_name": "Acme", "entity_id": "P1", "value": -0.28,
    ...     "exposure": 281_184.96}, "USD")
    'Risk: our sales through Acme (P1) fell 28% — 281K USD of revenue a year through it.'
    """
    kind = str(f["kind"]).capitalize()
    c = currency
    if f["source"] == "investment":
        gain = "more" if f["value"] > 0 else "less"
        return (f"{kind}: {f['direction']} spend — {compact_money(abs(f['value']), c)} {gain} "
                "gross profit net of spend a year.")  # fmt: skip
    if f["source"] == "plan_gap":
        return (f"{kind}: the revenue forecast is {_pct(abs(f['value']))} {f['direction']} the "
                f"plan — a gap of {compact_money(f['exposure'], c)} ({f['evidence']}).")  # fmt: skip
    name = f"{f['entity_name']} ({f['entity_id']})"
    phrase = _SIGNAL_PHRASES.get((f["signal"], f["direction"]), "{name}: " + str(f["signal"]))
    text = phrase.format(name=name, pct=_pct(abs(float(f["value"]))))
    where = "bought" if f.get("entity_type") == "customer" else "through it"
    amount = compact_money(f["exposure"], c)
    tail = f"{amount} of revenue in the 12 months before it stopped" if where == "bought" else (
        f"{amount} of revenue a year through it")  # fmt: skip
    return f"{kind}: {text} — {tail}."


def _link(href: str | None, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)


def _files(r: ReportLink) -> str:
    parts = [_link(r.xlsx, "Excel") if r.xlsx else "", _link(r.pdf, "PDF") if r.pdf else ""]
    return " · ".join(p for p in parts if p)


def _question_status(key: str, s: ExecutiveSummary | None, packs: int) -> str:
    """The answer, in a few words, where the summary has it."""
    if s is None:
        return ""
    c = s.currency
    if key == "targets" and (r := s.row("quarter_vs_target", "revenue")) is not None:
        return f"{s.quarter} revenue at {_pct(r['ratio'])} of target"
    if (
        key == "revenue_profit"
        and (m := s.row("year_to_date_vs_last_year", "gross_margin")) is not None
    ):
        figures = f"gross margin {100 * m['value']:.1f}%, {_points(m['gap'])} on last year"
        aim = _MANAGING_FOR.get(s.managing_for, "")
        return f"{aim}: {figures}" if aim else figures
    if key == "investment":
        inv = s.findings[s.findings["source"] == "investment"]
        if len(inv):
            f = inv.iloc[0]
            return f"{f['direction']}: {compact_money(f['value'], c)} a year net of spend"
        return "no measured spend change stands out in the top findings"
    if key == "signals" and s.signal_counts is not None:
        return (f"{s.signal_counts.get('risk', 0)} risks and "
                f"{s.signal_counts.get('opportunity', 0)} opportunities above materiality")  # fmt: skip
    if key == "quarter" and (r := s.row("quarter_vs_target", "gross_profit")) is not None:
        return f"gross profit at {_pct(r['ratio'])} of target"
    if key == "partners":
        return f"{packs} partner pack{'s' if packs != 1 else ''}, ranked below"
    return "see the report" if key == "alignment" else ""


def _status_word(r: ReportLink | None) -> str:
    if r is None:
        return "not run"
    return {"ok": "ready", "skipped": "ready", "failed": "failed", "pending": "running"}.get(
        r.status, r.status
    )


def _packs_entry(packs: Sequence[ReportLink]) -> ReportLink | None:
    """The partner reviews as one line: failed when a pack failed, ready when all ran."""
    if not packs:
        return None
    worst = next((w for w in ("failed", "pending") if any(p.status == w for p in packs)), "ok")
    return ReportLink("06_partner_review", "Partner reviews", worst, "#partner-reviews")


def _questions_html(
    s: ExecutiveSummary | None, reports: Sequence[ReportLink], packs: Sequence[ReportLink]
) -> str:
    by_name = {r.name: r for r in reports}
    rows = []
    for key, question, name in QUESTIONS:
        r = by_name.get(name) or (_packs_entry(packs) if key == "partners" else None)
        if r is None and key in ("quarter",):
            continue
        answer = _question_status(key, s, len(packs))
        title = _link(r.html if r else None, r.title if r else "not in this batch")
        files = _files(r) if r else ""
        rows.append(
            f'<tr class="{escape(r.status if r else "missing")}"><td>{escape(question)}</td>'
            f'<td class="status">{escape(_status_word(r))}</td><td>{escape(answer)}</td>'
            f"<td>{title}</td><td>{files}</td></tr>"
        )
    head = "<tr><th>Question</th><th>Status</th><th>Answer</th><th>Report</th><th>Files</th></tr>"
    return f"<table><thead>{head}</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _reason_text(r: pd.Series, s: ExecutiveSummary | None) -> str:
    if r["reason"] == "signal":
        word = {"risk": "risk", "opportunity": "opportunity"}.get(r["kind"], r["kind"])
        return f"signal: {str(r['signal']).replace('_', ' ')} ({word}, severity {r['severity']})"
    if r["reason"] == "open_action":
        return "an action from the quarter before is still open"
    return f"revenue rank {r['revenue_rank']} in {s.quarter if s else 'the quarter'}"


def _packs_html(packs: Sequence[ReportLink], reasons: pd.DataFrame | None, s) -> str:
    if not packs:
        return ""
    by_id = {p.partner_id: p for p in packs}
    order = list(reasons["partner_id"]) if reasons is not None else []
    order += [p.partner_id for p in packs if p.partner_id not in order]
    why = {} if reasons is None else {r["partner_id"]: r for _, r in reasons.iterrows()}
    rows = []
    for rank, pid in enumerate((p for p in order if p in by_id), start=1):
        p = by_id[pid]
        reason = _reason_text(why[pid], s) if pid in why else "selected by --partners"
        rows.append(
            f'<tr class="{escape(p.status)}"><td>{rank}</td><td>{_link(p.html, p.title)}</td>'
            f"<td>{escape(reason)}</td><td>{_files(p)}</td></tr>"
        )
    head = "<tr><th>#</th><th>Partner</th><th>Why it has a pack</th><th>Files</th></tr>"
    return ('<h2 id="partner-reviews">Partner reviews</h2>\n<p>Ranked by why they are there: partners with signals '
            "first (severity × revenue at stake), then open actions, then revenue.</p>\n"
            f"<table><thead>{head}</thead><tbody>\n" + "\n".join(rows)
            + "\n</tbody></table>")  # fmt: skip


def _findings_html(s: ExecutiveSummary, reports: dict[str, ReportLink], rule: str) -> str:
    if s.findings.empty:
        return "<h2>Headline findings</h2>\n<p>No finding of the quarter ranks: no material signal, investment change or plan gap.</p>"  # fmt: skip
    items = []
    for _, f in s.findings.iterrows():
        r = reports.get(f["report"])
        heading = SECTIONS.get(f["source"], "")
        section = ""
        if r is not None and r.html:
            # the report's headings carry no ids (a text fragment did not scroll in chromium
            # when tried): the link opens the report and names the section
            section = _link(r.html, f"{r.title}, section “{heading}”" if heading else r.title)
        items.append(
            f'<li class="{escape(f["kind"])}">{escape(finding_sentence(f, s.currency))} {section}</li>'
        )
    return ("<h2>Headline findings</h2>\n<ol class=\"findings\">\n" + "\n".join(items)
            + f"\n</ol>\n<p class=\"rule\">{escape(rule)}</p>")  # fmt: skip


def summary_html(
    summary: ExecutiveSummary | None,
    reports: Sequence[ReportLink],
    packs: Sequence[ReportLink] = (),
    *,
    reasons: pd.DataFrame | None = None,
    unavailable: str = "",
    rule: str = "",
    coverage: str = "",
) -> str:
    """The executive summary's sections of the index, as HTML (the page's body, no run status).

    Parameters
    ----------
    summary : ExecutiveSummary or None
        :func:`~channel_lib.analysis.executive.executive_summary`; ``None`` when it could not be
        computed (``unavailable`` says why, in one sentence).
    reports : sequence of ReportLink
        The company reports of the batch.
    packs : sequence of ReportLink
        The partner packs.
    reasons : DataFrame, optional
        :func:`~channel_lib.analysis.executive.partner_reasons` (their order and words).
    unavailable : str
        Why ``summary`` is ``None``.
    rule : str
        The ranking rule in words, printed under the findings.
    coverage : str
        Why the quarter was chosen (the batch's reason): one line, the rest folded away.

    Returns
    -------
    str
        HTML: the answer box (:func:`~channel_lib.presentation.answer.answer_html`: the year's
        sentence, the quarter against target and the first three findings), the coverage line, the quarter, year-to-date and last-year lines under
        "Headline KPIs", the findings, the questions table and the partner packs.

    Examples
    --------
    >>> html = summary_html(None, [ReportLink("05_performance_signals", "Signals", "ok", "s.html")],
    ...                     unavailable="the sales cannot be read")
    >>> "the sales cannot be read" in html and 'href="s.html"' in html
    True
    """
    links = {r.name: r for r in reports}
    if summary is None:
        answer = f"The summary is not available: {unavailable}"
        rest = ""
    else:
        answer = year_sentence(summary)
        lines = [
            _comparison_line(summary, "quarter_vs_target", "The quarter"),
            _comparison_line(summary, "year_to_date_vs_target", "Year to date"),
            _comparison_line(summary, "year_to_date_vs_last_year", "Against the year before"),
        ]
        notes = [f"<li>{escape(n)}</li>" for n in summary.notes]
        rest = (
            '<h2>Headline KPIs</h2>\n<ul class="year">\n'
            + "\n".join(f"<li>{escape(x)}</li>" for x in lines if x)
            + "\n</ul>\n"
            + (f'<ul class="notes">{"".join(notes)}</ul>\n' if notes else "")
            + _findings_html(summary, links, rule)
        )
    box = [answer]
    if summary is not None:
        box.append(_comparison_line(summary, "quarter_vs_target", "The quarter"))
        box += [
            finding_sentence(f, summary.currency) for _, f in summary.findings.head(3).iterrows()
        ]
    top = answer_html(box) + "\n"
    if coverage:
        head, _, more = coverage.partition(":")
        top += (f'<details class="cw-coverage"><summary>{escape(head)}</summary>'
                f"<p>{escape(coverage)}</p></details>\n" if more else f"<p>{escape(coverage)}</p>\n")  # fmt: skip
    top += rest
    return (
        top
        + "\n<h2>What the workbook answers</h2>\n"
        + _questions_html(summary, reports, packs)
        + "\n"
        + _packs_html(packs, reasons, summary)
    )
