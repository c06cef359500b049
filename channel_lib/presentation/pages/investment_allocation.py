"""The page of notebook ``03_investment_allocation``: its findings, charts and tables.

The numbers come from :func:`channel_lib.analysis.investment.investment_plan` (an
:class:`~channel_lib.analysis.investment.InvestmentPlan`); this module turns them into what the
reader sees — the findings in sentences (one function per finding, :func:`finding_sentences`),
the four charts, and the plan's tables with their display formats (:func:`table`). The notebook
and the allocation explorer (:class:`channel_lib.interactive.explorers.AllocationExplorer`) call
the same functions (the explorer's own heading, table and message are here too), so a title or a
format has one home.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from channel_lib.analysis.investment import InvestmentPlan
from channel_lib.core.figures import compact
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.charts.investment import profit_net_of_spend
from channel_lib.presentation.formats import formatter
from channel_lib.presentation.text import yes_no

__all__ = [
    "ALLOCATION_CHART_TITLE",
    "EXPLORER_FORMATS",
    "SHOWN_COLUMNS",
    "TABLE_NAMES",
    "allocation_chart",
    "allocation_comparison",
    "answer",
    "answer_sentences",
    "caption",
    "compact",
    "curves_chart",
    "display_frame",
    "explorer_heading",
    "explorer_message",
    "explorer_table",
    "finding_sentences",
    "findings",
    "marginal_chart",
    "net_profit_chart",
    "note",
    "reporting_quarter",
    "scenarios_chart",
    "table",
]

#: The tables :func:`table` shows, in the notebook's order.
TABLE_NAMES = ("decision", "confounded", "curves", "allocation", "totals", "scenarios", "phasing",
               "parameters")  # fmt: skip
#: Title of the chart of today's against the recommended split (notebook and explorer).
ALLOCATION_CHART_TITLE = "Spend per month: today and recommended"

_MONEY, _RATIO = "{:,.0f}", "{:.2f}"


def _what(plan: InvestmentPlan) -> str:
    """The metric in words (``gross profit``)."""
    return plan.metric.replace("_", " ")


def _signed(amount: float) -> str:
    """:func:`compact` with a sign (``+910K``)."""
    text = compact(amount)
    return text if text.startswith(("-", "–")) else "+" + text


def _and(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _net_what(plan: InvestmentPlan) -> str:
    """``gross profit net of spend`` or ``revenue net of spend``."""
    return f"{_what(plan)} net of spend"


def _first_reason(reason: str) -> str:
    """The first of a not-measurable channel's reasons, without the test's figures."""
    first = reason.split("; ")[0]
    return first.split(" (")[0]


def reporting_quarter(wb: Any):
    """The reporting quarter in one line, why it was chosen folded under it."""
    return coverage_line(wb)


# -- the answer: the budget as a decision -----------------------------------------------------------
def answer_sentences(plan: InvestmentPlan) -> list[str]:
    """The decision first: per measured channel cut / raise / hold to the profit-maximising spend
    with the change in profit net of spend a year and its 95% interval; the channels held
    because the data do not measure them, with the reason; the budget no channel takes.

    Examples of the first sentence: "Cut ONL from 301K to ~127K USD a month: +910K USD gross
    profit net of spend a year (95% interval 612K–1.21M, delta method)."
    """
    d = plan.decision
    if not plan.ok or d.empty:
        return []
    cur, net = plan.currency, _net_what(plan)
    out = []
    moves = d[d["action"].isin(["cut", "raise"])].sort_values("net_change_year", ascending=False)
    for r in moves.itertuples(index=False):
        verb = "Cut" if r.action == "cut" else "Raise"
        sentence = (
            f"{verb} {r.channel_id} from {compact(r.current_spend)} to "
            f"~{compact(r.recommended_spend)} {cur} a month: {_signed(r.net_change_year)} {cur} "
            f"{net} a year (95% interval {compact(r.net_low)}–{compact(r.net_high)}, "
            f"{r.interval_method})."
        )
        if r.limited_by:
            sentence += (
                f" Its break-even spend ({compact(r.break_even_spend)} {cur} a month) lies "
                f"beyond the spend seen, so the move stops at the {r.limited_by}."
            )
        if r.extrapolation:
            sentence += " This is beyond the spend observed: an extrapolation of the curve."
        out.append(sentence)
    held = d[d["action"] == "hold"]
    if len(held):
        out.append(f"Hold {', '.join(held['channel_id'])}: today's spend is where one more "
                   f"unit of spend returns one unit of {_what(plan)}.")  # fmt: skip
    flat = d[~d["measurable"]]
    if len(flat):
        groups: dict[str, list[str]] = {}
        for r in flat.itertuples(index=False):
            groups.setdefault(_first_reason(r.reason), []).append(str(r.channel_id))
        why = (
            next(iter(groups))
            if len(groups) == 1
            else "; ".join(f"{_and(chs)}: {reason}" for reason, chs in groups.items())
        )
        out.append(f"Hold {_and(list(flat['channel_id']))} at today's spend — not measurable "
                   f"({why}); test them before moving money.")  # fmt: skip
    if not len(moves) and d["measurable"].any():
        out.append("No measured channel gains from a change of spend.")
    out += unplaced_budget(plan)
    return out


def unplaced_budget(plan: InvestmentPlan) -> list[str]:
    """The budget of the fixed split or of a scenario that no channel takes at break-even."""
    out = []
    unplaced = float(plan.allocation.attrs.get("unplaced", 0.0)) if len(plan.allocation) else 0.0
    if unplaced > 0.5:
        out.append(f"Keep {compact(unplaced)} {plan.currency} a month of the budget: no channel "
                   "returns break-even on it.")  # fmt: skip
    s = plan.scenarios
    if len(s) and "unplaced" in s.columns:
        scen = s[s["feasible"] & (s["unplaced"] > 0.5)].drop_duplicates("scenario")
        if len(scen):
            parts = ", ".join(f"{r.scenario}: keep {compact(r.unplaced)} {plan.currency} a month"
                              for r in scen.itertuples(index=False))  # fmt: skip
            out.append(f"Larger budgets ({parts}): no channel returns break-even on that money, "
                       "so it is not placed.")  # fmt: skip
    return out


def answer(plan: InvestmentPlan):
    """:func:`answer_sentences` in the report's answer box (or why there is none)."""
    sentences = answer_sentences(plan) or ["No spend decision can be made (see the findings)."]
    return answer_box(sentences)


def net_points(plan: InvestmentPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profit net of spend on each measured channel's spend grid (with its 95% band), and
    today's and the recommended spend on it (currency per month)."""
    p = plan.points
    pts = pd.DataFrame({"channel_id": p["channel_id"], "spend": p["spend"],
                        "net": p["response"] - p["spend"], "net_low": p["low"] - p["spend"],
                        "net_high": p["high"] - p["spend"]})  # fmt: skip
    d = plan.decision[plan.decision["measurable"]] if len(plan.decision) else plan.decision
    rows = []
    for r in d.itertuples(index=False):
        f = plan.fits[r.channel_id]
        for split, spend in (("today", r.current_spend), ("recommended", r.recommended_spend)):
            rows.append((r.channel_id, split, spend, float(f.response(spend)) - spend))
    marks = pd.DataFrame(rows, columns=["channel_id", "split", "spend", "net"])
    return pts, marks


def net_profit_chart(plan: InvestmentPlan, channel_ids: Sequence[str]):
    """Profit net of spend against monthly spend per measured channel, today and recommended."""
    if plan.points.empty or plan.decision.empty:
        return note("No channel shows a measurable response to spend: no curve to draw.")
    pts, marks = net_points(plan)
    cur = plan.currency
    return profit_net_of_spend(
        pts, marks, channel_ids=channel_ids,
        title=f"{_net_what(plan).capitalize()} per month against spend",
        value_title=f"{_net_what(plan).capitalize()} per month ({cur})",
        spend_title=f"Spend per month ({cur})",
    )  # fmt: skip


# -- findings, one function per finding ------------------------------------------------------------
def objective_and_budget(plan: InvestmentPlan) -> list[str]:
    """What the allocation maximises, the budget, and what could not be done (the messages)."""
    return [plan.metric_reason + ".", plan.budget_reason + ".", *plan.messages]


def not_a_lever(plan: InvestmentPlan) -> list[str]:
    """One sentence per revenue-driven cost type left out of the lever spend."""
    rows = plan.confounded[plan.confounded["revenue_driven"]].itertuples(index=False)
    return [f"Not a lever — {r.channel_id} {r.reason}. It is left out of the budget and "
            "no return is reported for it." for r in rows]  # fmt: skip


def channel_returns(plan: InvestmentPlan) -> list[str]:
    """Per measured channel (best marginal return first): the return of one more unit of spend,
    its half-saturation, and whether it is past break-even."""
    c = plan.curves
    if not len(c):
        return []
    out = []
    good = c[c["identified"]].sort_values("marginal_return", ascending=False)
    for r in good.itertuples(index=False):
        out.append(
            f"{r.channel_id}: one more unit of spend at today's {r.current_spend:,.0f} "
            f"{plan.currency} per month "
            f"returns {r.marginal_return:.2f} of {_what(plan)}; half of the "
            f"response is reached at {r.half_saturation:,.0f} {plan.currency} per month (95% interval "
            f"{r.half_saturation_low:,.0f}–{r.half_saturation_high:,.0f})."
        )
        if plan.metric == "gross_profit" and r.marginal_return < 1:
            out.append(f"{r.channel_id} is past its break-even point: a further unit of spend "
                       "earns back less gross profit than it costs — cut it towards break-even "
                       "(the answer above), and add no money there.")  # fmt: skip
        elif r.marginal_return < 1:
            out.append(f"{r.channel_id} is past the point where a further unit of spend brings "
                       "back even a unit of revenue: it cannot pay for itself at any margin "
                       "— cut it towards that point (the answer above).")  # fmt: skip
    return out


def flat_channels(plan: InvestmentPlan) -> list[str]:
    """The channels whose curve measured no response, held rather than moved."""
    c = plan.curves
    if not len(c):
        return []
    flat = c[~c["identified"]]["channel_id"].tolist()
    if not flat:
        return []
    return [f"Not measurable: {_and(flat)}. Held at last quarter's spend (scaled with the "
            "budget) rather than moved on noise — test them before moving money; the decision "
            "table gives each channel's reasons and the model section what they mean."]  # fmt: skip


def expected_gain(plan: InvestmentPlan) -> list[str]:
    """What the recommended split is expected to return against today's, and how sure that is."""
    t = plan.totals.set_index("split")
    if not {"current", "recommended"} <= set(t.index):
        return []
    gain = t.loc["recommended", "expected"] - t.loc["current", "expected"]
    what = _what(plan)
    low = t.loc["recommended", "low"] - t.loc["current", "high"]
    if abs(gain) < 0.5:
        return [f"If the budget is fixed, the recommended split returns the same {what} as "
                "today's split: no move between the measured channels pays within the "
                "limits."]  # fmt: skip
    same = abs(t.loc["recommended", "spend"] - t.loc["current", "spend"]) < 0.5
    return [f"If the budget is fixed, the recommended split is expected to return {gain:+,.0f} "
            f"{plan.currency} {what} per month from the measured channels against today's split"
            + ("." if same else f" (which spends {t.loc['current', 'spend']:,.0f}).")
            + (" The 95% intervals of the two overlap, so the gain is not certain."
               if low < 0 else "")]  # fmt: skip


def next_unit(plan: InvestmentPlan) -> list[str]:
    """Where one more unit of budget goes, or that it would not pay anywhere."""
    if not len(plan.allocation):
        return []
    nxt = plan.next_unit
    if nxt is not None:
        return [f"One more unit of budget is best spent in {nxt}."]
    if plan.break_even is None or not plan.allocation["measured"].any():
        return []
    a = plan.allocation
    held = a[a["measured"] & (a["at_bound"] == "upper") & (a["marginal_return"] >= plan.break_even)]
    if len(held):
        names = _and(
            [
                f"{r.channel_id} ({r.marginal_return:.2f} per unit)"
                for r in held.sort_values("marginal_return", ascending=False).itertuples()
            ]
        )
        return [f"Within this split's limits one more unit of budget would pay only in {names}, "
                "which the limit on the change against last quarter (or on its share) holds back: "
                "the spend decision above is where its spend should go; elsewhere another unit "
                "would not pay for itself."]  # fmt: skip
    return ["One more unit of budget would not pay for itself in any measured channel at this "
            "split: do not raise the budget on this evidence."]  # fmt: skip


def scenario_break_even(plan: InvestmentPlan) -> list[str]:
    """For gross profit: the smallest budget scenario whose last unit of spend does not pay."""
    scen = plan.scenarios[plan.scenarios["feasible"]].drop_duplicates("scenario")
    if plan.metric != "gross_profit" or not len(scen):
        return []
    below = scen[scen["marginal_return"].notna() & (scen["marginal_return"] < 1)]
    if not len(below):
        return []
    first = below.sort_values("budget").iloc[0]
    return [f"From the {first['scenario']} budget ({compact(first['budget'])} {plan.currency} a "
            "month) up, the last unit the split places within its limits earns back less than it "
            f"costs ({first['marginal_return']:.2f} of gross profit per unit)."]  # fmt: skip


#: The findings after the objective and budget, in the order the report lists them.
FINDINGS: tuple[Callable[[InvestmentPlan], list[str]], ...] = (
    not_a_lever, channel_returns, flat_channels, expected_gain, next_unit, scenario_break_even,
)  # fmt: skip


def finding_sentences(plan: InvestmentPlan) -> list[str]:
    """The plan's findings in plain sentences (values not escaped: :func:`findings` escapes).

    The objective and budget first, then what could not be done; when the plan is not ``ok``
    nothing else. Then each of :data:`FINDINGS` in turn.
    """
    out = objective_and_budget(plan)
    if not plan.ok:
        return out
    for finding in FINDINGS:
        out += finding(plan)
    return out


def findings(plan: InvestmentPlan):
    """:func:`finding_sentences` as an escaped markdown bullet list."""
    from IPython.display import Markdown  # IPython is only needed once a page is displayed

    return Markdown("\n".join(f"- {html.escape_markdown(s)}" for s in finding_sentences(plan)))


# -- charts ------------------------------------------------------------------------------------------
def note(text: str):
    """An italic line standing in for a chart or table that cannot be drawn."""
    return html.markdown("*{text}*", text=text)


def curves_chart(plan: InvestmentPlan, channel_ids: Sequence[str]):
    """Response curves of the measured channels with today's and the recommended spend."""
    if plan.points.empty:
        return note("No channel shows a measurable response to spend: no curve to draw.")
    cur = plan.currency
    return charts.response_curves(
        plan.points, plan.spend_marks(), channel_ids=channel_ids,
        title=f"Monthly {_what(plan)} explained by spend",
        value_title=f"{_what(plan).capitalize()} per month ({cur})",
        spend_title=f"Spend per month ({cur})",
    )  # fmt: skip


def marginal_chart(plan: InvestmentPlan, channel_ids: Sequence[str]):
    """Return of one more unit of spend per channel at today's spend."""
    if plan.curves.empty:
        return note("No response curve could be fitted, so no marginal return is shown.")
    return charts.marginal_return_bars(
        plan.curves, channel_ids=channel_ids,
        title=f"{_what(plan).capitalize()} from one more unit of spend",
        value_title=f"{_what(plan).capitalize()} per unit of spend",
        break_even=plan.break_even,
    )  # fmt: skip


def allocation_comparison(allocation: pd.DataFrame, channel_ids: Sequence[str], currency: str):
    """Today's against the recommended split of an :func:`~channel_lib.analysis.investment.allocate`
    frame (``channel_id``, ``current_spend``, ``spend``, ``at_bound``): notebook and explorer."""
    return charts.allocation_comparison(
        allocation, channel_ids=channel_ids, title=ALLOCATION_CHART_TITLE,
        spend_title=f"Spend per month ({currency})",
    )  # fmt: skip


def allocation_chart(plan: InvestmentPlan, channel_ids: Sequence[str]):
    """Today's against the recommended split."""
    if plan.allocation.empty:
        return note("No allocation could be made (see the findings above).")
    return allocation_comparison(plan.allocation, channel_ids, plan.currency)


def scenarios_chart(plan: InvestmentPlan, channel_ids: Sequence[str]):
    """The budget scenarios side by side."""
    if plan.scenarios.empty:
        return note("No budget scenario could be computed.")
    return charts.budget_scenarios_chart(
        plan.scenarios, channel_ids=channel_ids, title="Budget scenarios",
        spend_title=f"Spend per month ({plan.currency})",
        value_title=f"Expected {_what(plan)} from measured spend per month ({plan.currency})",
    )  # fmt: skip


# -- tables ------------------------------------------------------------------------------------------
def p_value(p: float) -> str:
    """A test's p-value in plain figures (``< 0.001``, ``0.77``), never in scientific notation.

    Examples
    --------
    >>> p_value(3.37e-16), p_value(0.7736), p_value(float("nan"))
    ('< 0.001', '0.77', '–')
    """
    if p is None or not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def plain_number(value: float) -> str:
    """A model figure without scientific notation: whole units from 100, else three decimals.

    Examples
    --------
    >>> plain_number(513239.3), plain_number(0.15922), plain_number(float("nan"))
    ('513,239', '0.159', '–')
    """
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


def _scenario_rows(plan: InvestmentPlan) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per budget scenario (the totals), with its formats."""
    s = plan.scenarios
    if not len(s):
        return s, {}
    cols = ["scenario", "budget", "total_response", "total_low", "total_high", "marginal_return",
            "unplaced", "feasible", "message"]  # fmt: skip
    return s.drop_duplicates("scenario")[[c for c in cols if c in s.columns]], {
        "budget": _MONEY, "total_response": _MONEY, "total_low": _MONEY, "total_high": _MONEY,
        "marginal_return": _RATIO, "unplaced": _MONEY, "feasible": yes_no,
    }  # fmt: skip


#: Columns of the curve table that say nothing for a channel the data do not identify.
_CURVE_FIGURES = ["response_at_current", "response_low", "response_high", "marginal_return",
                  "half_saturation", "half_saturation_low", "half_saturation_high", "shape",
                  "saturation", "adstock_decay"]  # fmt: skip


def _curves(plan: InvestmentPlan) -> pd.DataFrame:
    """The curve table with a not-measurable channel's figures blank and its reason beside."""
    c = plan.curves.drop(columns=["metric"], errors="ignore").copy()
    if c.empty:
        return c
    flat = ~c["identified"].astype(bool)
    c.loc[flat, [x for x in _CURVE_FIGURES if x in c.columns]] = np.nan
    c["note"] = [
        "" if ok else "not measurable: " + plan.fits[ch].identification()[1]
        for ch, ok in zip(c["channel_id"], ~flat, strict=True)
    ]
    return c.rename(columns={"identified": "measurable"})


def _allocation(plan: InvestmentPlan) -> pd.DataFrame:
    """The split with a held channel's curve figures blank (its curve measured nothing)."""
    a = plan.allocation.copy()
    if a.empty:
        return a
    a.loc[~a["measured"], ["response", "marginal_return"]] = np.nan
    return a


def _decision(plan: InvestmentPlan) -> pd.DataFrame:
    """The decision table: one row per fitted channel."""
    d = plan.decision
    if d.empty:
        return d
    cols = ["channel_id", "action", "current_spend", "recommended_spend", "change",
            "break_even_spend", "break_even_low", "break_even_high", "marginal_at_current", "net_change_year", "net_low", "net_high",
            "interval_method", "extrapolation", "limited_by", "reason"]  # fmt: skip
    return d[cols]


def display_frame(plan: InvestmentPlan, name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One of the plan's tables (:data:`TABLE_NAMES`) and its display formats (a missing value
    reads ``–``, a flag yes/no; no figure in scientific notation).

    Raises
    ------
    KeyError
        For a name not in :data:`TABLE_NAMES`.
    """
    frame, formats = _frame_and_formats(plan, name)
    out = {k: formatter(v) if isinstance(v, str) else v for k, v in formats.items()}
    return frame, out


def _frame_and_formats(plan: InvestmentPlan, name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`display_frame` before the patterns become formatters."""
    money, ratio = _MONEY, _RATIO
    if name == "decision":
        return _decision(plan), {
            "current_spend": money, "recommended_spend": money, "change": "{:+,.0f}",
            "break_even_spend": money, "break_even_low": money, "break_even_high": money,
            "marginal_at_current": ratio, "net_change_year": "{:+,.0f}",
            "net_low": "{:+,.0f}", "net_high": "{:+,.0f}", "extrapolation": yes_no}  # fmt: skip
    if name == "confounded":
        return plan.confounded, {"ratio_mean": "{:.1%}", "ratio_cv": "{:.1%}",
                                 "corr_same_month": ratio, "corr_next_month": ratio,
                                 "revenue_driven": yes_no}  # fmt: skip
    if name == "curves":
        return _curves(plan), {
            "current_spend": money, "response_at_current": money, "response_low": money,
            "response_high": money, "marginal_return": ratio, "half_saturation": money,
            "half_saturation_low": money, "half_saturation_high": money, "shape": ratio,
            "saturation": money, "adstock_decay": ratio, "lr_pvalue": p_value,
            "measurable": yes_no}  # fmt: skip
    if name == "allocation":
        return _allocation(plan), {"current_spend": money, "spend": money, "change": "{:+,.0f}",
                                   "lower": money, "upper": money, "response": money,
                                   "marginal_return": ratio, "measured": yes_no}  # fmt: skip
    if name == "totals":
        return plan.totals, {"spend": money, "expected": money, "low": money, "high": money}
    if name == "scenarios":
        return _scenario_rows(plan)
    if name == "phasing":
        return plan.phasing, {"seasonal_index": ratio, "monthly_spend": money,
                              "quarter_spend": money, "share_of_year": "{:.1%}"}  # fmt: skip
    if name == "parameters":
        return plan.parameter_frame(), {"estimate": plain_number, "std_err": plain_number,
                                        "ci_low": plain_number, "ci_high": plain_number}  # fmt: skip
    raise KeyError(f"no table {name!r}; use one of {', '.join(TABLE_NAMES)}")


#: The columns each table shows on the page, the ones a decision needs; the others stay in the
#: report's Excel workbook (``None``: every column).
SHOWN_COLUMNS: dict[str, list[str] | None] = {
    "decision": ["channel_id", "action", "current_spend", "recommended_spend", "change",
                 "net_change_year", "net_low", "net_high", "extrapolation", "reason"],
    "curves": ["channel_id", "current_spend", "response_at_current", "marginal_return",
               "half_saturation", "adstock", "measurable", "note"],
}  # fmt: skip


def caption(plan: InvestmentPlan, name: str) -> str:
    """The caption of one of the plan's tables, with its units (``USD a month``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> caption(SimpleNamespace(currency="USD", metric="gross_profit"), "allocation")
    'If the budget is fixed: the split, USD a month'
    """
    cur, what = plan.currency, plan.metric.replace("_", " ")
    return {
        "decision": f"The spend decision per channel: spend in {cur} a month; the change a year "
        f"and its 95% interval in {cur} of {what} net of spend",
        "confounded": "Discretionary costs: which follow revenue rather than drive it",
        "curves": f"Response to spend per channel, {cur} of {what} a month",
        "allocation": f"If the budget is fixed: the split, {cur} a month",
        "totals": f"Expected {what} of today's and the recommended split, {cur} a month "
        "(95% interval)",
        "scenarios": f"Budget scenarios, {cur} a month",
        "phasing": f"Phasing of the recommended spend over the next four quarters, {cur}",
        "parameters": "Fitted parameters of the response curves",
    }[name]


def table(plan: InvestmentPlan, name: str):
    """One of the plan's tables (:data:`TABLE_NAMES`), formatted and escaped, with its caption;
    a wide one shows :data:`SHOWN_COLUMNS` and keeps the rest for the Excel workbook."""
    frame, formats = display_frame(plan, name)
    if frame.empty:
        return note(f"Nothing to show for {name}.")
    shown = SHOWN_COLUMNS.get(name)
    shown = None if shown is None else [c for c in shown if c in frame.columns]
    return html.table(
        frame, formats={k: v for k, v in formats.items() if k in frame.columns},
        caption=caption(plan, name), shown=shown,
    )  # fmt: skip


# -- the allocation explorer -------------------------------------------------------------------------
def explorer_heading(
    shown: pd.DataFrame, *, total_low: float, total_high: float, metric: str, currency: str
):
    """The explorer's line over its split: the budget, last quarter's spend and the expected
    response with its 95% interval, read from the Total row of ``shown`` (whole units)."""
    return html.markdown(
        "Budget **{budget} {cur} per month** (last quarter: {current}); expected {what} from "
        "the measured channels **{total}** per month (95% interval {low} – {high}).",
        budget=f"{int(shown['recommended_spend'].iloc[-1]):,}", cur=currency,
        current=f"{int(shown['current_spend'].iloc[-1]):,}",
        what=metric.replace("_", " "), total=f"{shown['expected_response'].iloc[-1]:,.0f}",
        low=f"{total_low:,.0f}", high=f"{total_high:,.0f}",
    )  # fmt: skip


#: Display formats of the explorer's split (whole currency units; a held slope is blank).
EXPLORER_FORMATS: dict[str, Any] = {
    "current_spend": _MONEY, "recommended_spend": _MONEY, "change": "{:+,.0f}",
    "expected_response": lambda v: "–" if pd.isna(v) else f"{v:,.0f}",
    "marginal_return": lambda v: "" if pd.isna(v) else f"{v:.2f}",
}  # fmt: skip


def explorer_table(shown: pd.DataFrame, *, metric: str, currency: str):
    """The explorer's split in whole units with its Total row, as a captioned table."""
    what = metric.replace("_", " ")
    return html.table(
        shown, formats=EXPLORER_FORMATS,
        caption=f"Recommended allocation per month, whole {currency}: the recommended spend adds "
        f"up to the budget in the Total row; expected {what} per month",
    )  # fmt: skip


def explorer_message(message: str):
    """Why the explorer made no split, in bold."""
    return html.markdown("**{message}**", message=message)
