"""Each workshop screen's one-line takeaway, from the same page module as the report's answer.

:func:`takeaway` returns the first sentence of the answer the report of that question opens with
(:mod:`channel_lib.presentation.pages`), as plain text, so the room reads the workbook's answer
before the controls that change it:

- alignment — :func:`~channel_lib.presentation.pages.orientation.answer_sentences` (notebook 01);
- revenue or profit — :func:`~channel_lib.presentation.pages.revenue_profit_trends.company_trend`,
  the first of its ``answer_sentences`` (notebook 04), on the company's quarterly series only (the
  forecasts and tests of the full report take ~10 s and that sentence does not use them);
- targets — :func:`~channel_lib.presentation.pages.target_setting.answer_sentences` (notebook 02);
- investment — :func:`~channel_lib.presentation.pages.investment_allocation.answer_sentences`
  (notebook 03), for the objective chosen on screen 2;
- signals — :func:`~channel_lib.presentation.pages.performance_signals.signal_sentences`
  (notebook 05's answer box);
- action plan — the register's count (:meth:`.action_plan.ActionPicker.summary_sentence`);
- decisions — :meth:`.closing.SessionDecisions.summary`.

Everything is imported when a screen asks (deferred: the analyses pull in altair and scipy).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from channel_lib.core.errors import ChannelLibError

__all__ = ["takeaway"]


def takeaway(ws: Any, key: str) -> str:
    """The takeaway of screen ``key`` as one plain sentence (``""`` when the data give none).

    Parameters
    ----------
    ws : Workshop
        The app (typed ``Any``: :mod:`.app` imports this module).
    key : str
        The screen (:data:`.screens.SCREENS`).

    Returns
    -------
    str
        Growth tokens written as bare figures; not escaped. A screen whose analysis refuses
        the data (a :class:`~channel_lib.core.errors.ChannelLibError`) has none: its own body
        says why.

    Examples
    --------
    >>> from channel_lib.interactive.workshop import open_workshop
    >>> ws = open_workshop("tests/data/tiny", "FY2026-Q3", "/tmp/cw-takeaway-doc")
    >>> takeaway(ws, "targets")[:31]
    'FY2027: a revenue objective of '
    """
    from channel_lib.presentation.pages.margins import plain  # deferred: altair

    try:
        found = _SENTENCES[key](ws) if key in _SENTENCES else []
    except ChannelLibError:
        return ""
    return plain(found[0]) if found else ""


def _alignment(ws: Any) -> list[str]:
    from channel_lib.analysis.alignment.settings import resolve_settings
    from channel_lib.analysis.alignment.view import build_view
    from channel_lib.presentation.pages.orientation import answer_sentences

    return answer_sentences(ws.wb, build_view(ws.wb, resolve_settings(ws.wb)))


def _trend(ws: Any) -> list[str]:
    from channel_lib.analysis.trends.series import monthly_series, quarterly_series
    from channel_lib.presentation.pages.revenue_profit_trends import company_trend

    ds = ws.wb.dataset
    monthly = monthly_series(ds, quarter=ws.wb.quarter, levels=("total",))
    # company_trend reads the report's quarterly series, quarter and currency only
    report = SimpleNamespace(quarterly=quarterly_series(monthly, money=ds.money),
                             quarter=ws.wb.quarter, currency=ds.goals.currency)  # fmt: skip
    return company_trend(report)  # type: ignore[arg-type]


def _targets(ws: Any) -> list[str]:
    from channel_lib.analysis.targets import set_targets
    from channel_lib.presentation.pages.target_setting import answer_sentences

    return answer_sentences(ws.wb, set_targets(ws.wb, ws.target_settings()))


def _investment(ws: Any) -> list[str]:
    from channel_lib.analysis.investment import investment_plan
    from channel_lib.presentation.pages.investment_allocation import answer_sentences

    return answer_sentences(investment_plan(ws.wb, objective=ws.objective))


def _signals(ws: Any) -> list[str]:
    from channel_lib.analysis import signals
    from channel_lib.presentation.pages.performance_signals import signal_sentences

    ds, quarter = ws.wb.dataset, ws.wb.quarter
    th = signals.resolve_thresholds(ds)
    found = signals.triaged_warnings(ds, quarter, thresholds=th)
    deals = signals.win_loss_deals(ds, quarter, threshold=th.win_loss_amount)
    return signal_sentences(found, min_revenue_at_stake=th.min_revenue_at_stake, money=ds.money,
                            deals=deals, currency=ds.money.currency)  # fmt: skip


def _actions(ws: Any) -> list[str]:
    return [ws.action_picker().summary_sentence()]


def _decisions(ws: Any) -> list[str]:
    from channel_lib.interactive.workshop.closing import session_decisions

    return [session_decisions(ws.wb, since=ws.session_since).summary()]


_SENTENCES = {
    "alignment": _alignment, "revenue_profit": _trend, "targets": _targets,
    "investment": _investment, "signals": _signals, "actions": _actions,
    "decisions": _decisions,
}  # fmt: skip
