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

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from channel_lib.analysis.investment import InvestmentPlan
from channel_lib.presentation import charts, html

__all__ = [
    "ALLOCATION_CHART_TITLE",
    "EXPLORER_FORMATS",
    "TABLE_NAMES",
    "allocation_chart",
    "allocation_comparison",
    "curves_chart",
    "display_frame",
    "explorer_heading",
    "explorer_message",
    "explorer_table",
    "finding_sentences",
    "findings",
    "marginal_chart",
    "note",
    "reporting_quarter",
    "scenarios_chart",
    "table",
]

#: The tables :func:`table` shows, in the notebook's order.
TABLE_NAMES = ("confounded", "curves", "allocation", "totals", "scenarios", "phasing", "parameters")
#: Title of the chart of today's against the recommended split (notebook and explorer).
ALLOCATION_CHART_TITLE = "Spend per month: today and recommended"

_MONEY, _RATIO = "{:,.0f}", "{:.2f}"


def _what(plan: InvestmentPlan) -> str:
    """The metric in words (``gross profit``)."""
    return plan.metric.replace("_", " ")


def reporting_quarter(wb: Any):
    """The line under the parameters: the reporting quarter and why it was chosen."""
    return html.markdown(
        "Reporting quarter **{q}**. {reason}", q=wb.quarter, reason=wb.quarter_reason
    )


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
            f"{r.channel_id}: one more unit of spend at today's {r.current_spend:,.0f} per month "
            f"returns {r.marginal_return:.2f} of {_what(plan)}; half of the "
            f"response is reached at {r.half_saturation:,.0f} per month (95% interval "
            f"{r.half_saturation_low:,.0f}–{r.half_saturation_high:,.0f})."
        )
        if plan.metric == "gross_profit" and r.marginal_return < 1:
            out.append(f"{r.channel_id} is past its break-even point: a further unit of spend "
                       "earns back less gross profit than it costs — do not add money there.")  # fmt: skip
        elif r.marginal_return < 1:
            out.append(f"{r.channel_id} is past the point where a further unit of spend brings "
                       "back even a unit of revenue: it cannot pay for itself at any margin "
                       "— do not add money there.")  # fmt: skip
    return out


def flat_channels(plan: InvestmentPlan) -> list[str]:
    """The channels whose curve measured no response, held rather than moved."""
    c = plan.curves
    if not len(c):
        return []
    flat = c[~c["identified"]]["channel_id"].tolist()
    if not flat:
        return []
    return [f"No measurable response to spend for {', '.join(flat)} (likelihood-ratio "
            "test p ≥ 0.05): held at last quarter's spend (scaled with the budget) "
            "rather than moved on noise — test them before moving money."]  # fmt: skip


def expected_gain(plan: InvestmentPlan) -> list[str]:
    """What the recommended split is expected to return against today's, and how sure that is."""
    t = plan.totals.set_index("split")
    if not {"current", "recommended"} <= set(t.index):
        return []
    gain = t.loc["recommended", "expected"] - t.loc["current", "expected"]
    what = _what(plan)
    low = t.loc["recommended", "low"] - t.loc["current", "high"]
    if abs(gain) < 0.5:
        return [f"The recommended split returns the same {what} as today's split: no "
                "move between the measured channels pays within the limits."]  # fmt: skip
    same = abs(t.loc["recommended", "spend"] - t.loc["current", "spend"]) < 0.5
    return [f"The recommended split is expected to return {gain:+,.0f} {what} per "
            "month from the measured channels against today's split"
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
    if plan.break_even is not None and plan.allocation["measured"].any():
        return ["One more unit of budget would not pay for itself in any measured "
                "channel: do not raise the budget on this evidence."]  # fmt: skip
    return []


def scenario_break_even(plan: InvestmentPlan) -> list[str]:
    """For gross profit: the smallest budget scenario whose last unit of spend does not pay."""
    scen = plan.scenarios[plan.scenarios["feasible"]].drop_duplicates("scenario")
    if plan.metric != "gross_profit" or not len(scen):
        return []
    below = scen[scen["marginal_return"] < 1]
    if not len(below):
        return []
    first = below.sort_values("budget").iloc[0]
    return [f"From the {first['scenario']} budget ({first['budget']:,.0f} per month) "
            "the last unit of spend earns back less than it costs "
            f"({first['marginal_return']:.2f})."]  # fmt: skip


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
def _scenario_rows(plan: InvestmentPlan) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per budget scenario (the totals), with its formats."""
    s = plan.scenarios
    if not len(s):
        return s, {}
    cols = ["scenario", "budget", "total_response", "total_low", "total_high", "marginal_return",
            "feasible", "message"]  # fmt: skip
    return s.drop_duplicates("scenario")[cols], {
        "budget": _MONEY, "total_response": _MONEY, "total_low": _MONEY, "total_high": _MONEY,
        "marginal_return": _RATIO,
    }  # fmt: skip


def display_frame(plan: InvestmentPlan, name: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """One of the plan's tables (:data:`TABLE_NAMES`) and its display formats.

    Raises
    ------
    KeyError
        For a name not in :data:`TABLE_NAMES`.
    """
    money, ratio = _MONEY, _RATIO
    if name == "confounded":
        return plan.confounded, {"ratio_mean": "{:.1%}", "ratio_cv": "{:.1%}",
                                 "corr_same_month": ratio, "corr_next_month": ratio}  # fmt: skip
    if name == "curves":
        return plan.curves.drop(columns=["metric"], errors="ignore"), {
            "current_spend": money, "response_at_current": money, "response_low": money,
            "response_high": money, "marginal_return": ratio, "half_saturation": money,
            "half_saturation_low": money, "half_saturation_high": money, "shape": ratio,
            "saturation": money, "adstock_decay": ratio, "lr_pvalue": "{:.3g}"}  # fmt: skip
    if name == "allocation":
        return plan.allocation, {"current_spend": money, "spend": money, "change": "{:+,.0f}",
                                 "lower": money, "upper": money, "response": money,
                                 "marginal_return": ratio}  # fmt: skip
    if name == "totals":
        return plan.totals, {"spend": money, "expected": money, "low": money, "high": money}
    if name == "scenarios":
        return _scenario_rows(plan)
    if name == "phasing":
        return plan.phasing, {"seasonal_index": ratio, "monthly_spend": money,
                              "quarter_spend": money, "share_of_year": "{:.1%}"}  # fmt: skip
    if name == "parameters":
        return plan.parameter_frame(), {"estimate": "{:,.3g}", "std_err": "{:.3g}",
                                        "ci_low": "{:,.3g}", "ci_high": "{:,.3g}"}  # fmt: skip
    raise KeyError(f"no table {name!r}; use one of {', '.join(TABLE_NAMES)}")


def table(plan: InvestmentPlan, name: str):
    """One of the plan's tables (:data:`TABLE_NAMES`), formatted and escaped."""
    frame, formats = display_frame(plan, name)
    if frame.empty:
        return note(f"Nothing to show for {name}.")
    return html.table(frame, formats={k: v for k, v in formats.items() if k in frame.columns})


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
