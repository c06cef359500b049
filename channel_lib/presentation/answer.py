"""The top of every report: the answer box and the one-line data coverage note.

Every report and brief opens with what was found, how much and so what (:func:`answer_box`: 3–5
findings each page module computes from the data, never a template with blanks), then the
reporting quarter in one line with the full coverage reasoning folded away (:func:`coverage_line`).
Methods and diagnostics go to the appendix at the end: a markdown cell starting ``## Appendix``
opens a collapsed ``<details>`` section in the report template that runs to the end of the page.

Both return ``IPython.display.HTML`` with every value escaped; a finding may be a
``markupsafe.Markup`` fragment when it carries its own markup (the growth spans of
:mod:`channel_lib.presentation.pages.margins`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["ANSWER_CLASS", "MAX_FINDINGS", "answer_box", "answer_html", "coverage_line"]

#: CSS class of the answer box (the browser test looks for it on every page).
ANSWER_CLASS = "cw-answer"
#: Findings an answer box shows at most.
MAX_FINDINGS = 5


def answer_html(findings: Sequence[str | Markup], *, title: str = "The answer") -> str:
    """The answer box as HTML: a titled list of at most :data:`MAX_FINDINGS` findings.

    Parameters
    ----------
    findings : sequence of str or Markup
        Sentences in the reader's words, most important first (plain text is escaped; a
        ``Markup`` fragment is kept). Empty ones are dropped.
    title : str
        The box's heading.

    Returns
    -------
    str

    Examples
    --------
    >>> box = answer_html(["Revenue 37.9M USD, 98% of target.", "<b>x</b> & y"])
    >>> box.startswith('<section class="cw-answer"') and "&lt;b&gt;x&lt;/b&gt; &amp; y" in box
    True
    >>> answer_html([]).count("<li>")
    1
    """
    shown = [f for f in findings if str(f).strip()][:MAX_FINDINGS]
    if not shown:
        shown = ["Nothing in this quarter's data calls for a decision here."]
    items = "".join(f"<li>{escape(f)}</li>" for f in shown)
    return (
        f'<section class="{ANSWER_CLASS}" aria-label="{escape(title)}">'
        f'<p class="cw-answer-title">{escape(title)}</p><ul>{items}</ul></section>'
    )


def answer_box(findings: Sequence[str | Markup], *, title: str = "The answer"):
    """:func:`answer_html` as a notebook output (``IPython.display.HTML``)."""
    from IPython.display import HTML  # deferred: IPython is heavy to import

    return HTML(answer_html(findings, title=title))


def coverage_line(wb: Any, *, note: str = ""):
    """The reporting quarter in one line, its full reasoning folded under "Data coverage".

    Parameters
    ----------
    wb : Workbook
        Its ``quarter`` and ``quarter_reason`` (the calendar's sentence on which channels'
        data covers the quarter).
    note : str, optional
        A sentence added inside the folded part (what the series end with, say).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> wb = SimpleNamespace(quarter="FY2026-Q4", quarter_reason="FY2026-Q4 is the latest "
    ...     "complete quarter: every channel's data reaches its end (2026-06-30).")
    >>> line = coverage_line(wb).data
    >>> "Reporting quarter <strong>FY2026-Q4</strong>, the latest complete quarter." in line
    True
    >>> "<details" in line and "2026-06-30" in line
    True
    """
    from IPython.display import HTML  # deferred: IPython is heavy to import

    reason = str(wb.quarter_reason or "").strip()
    head, _, _ = reason.partition(":")
    short = head.removeprefix(f"{wb.quarter} is ").strip() if head.startswith(wb.quarter) else ""
    summary = f", {escape(short)}." if short and short != reason else "."
    detail = " ".join(t for t in (reason, note.strip()) if t)
    return HTML(
        f'<div class="cw-coverage"><p>Reporting quarter <strong>{escape(wb.quarter)}</strong>'
        f"{summary}</p><details><summary>Data coverage</summary><p>{escape(detail)}</p>"
        "</details></div>"
    )
