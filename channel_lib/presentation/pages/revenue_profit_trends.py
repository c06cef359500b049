"""The page of notebook ``04_revenue_profit_trends``: its sentences, charts and tables.

The numbers come from :func:`channel_lib.analysis.trends.trend_report` (a
:class:`~channel_lib.analysis.trends.TrendReport`); this module turns them into what the reader
sees — the findings in sentences (one function per finding, :func:`headline_sentences`), the
small multiples, margin bands, forecast fans and the bridge waterfall with their titles, and the
tables with their captions and formats. The notebook and the trend explorer
(:class:`channel_lib.interactive.explorers.TrendExplorer`) call the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from channel_lib.analysis.trends import (
    BRIDGE_COMPONENTS,
    MEASURE_LABELS,
    TrendReport,
    forecast_rows,
    long_quarterly,
    margin_decomposition,
)
from channel_lib.analysis.trends.forecast import MODEL_WORDS, SEASONAL_NAIVE
from channel_lib.core.figures import compact_money
from channel_lib.core.money import MoneyUnit
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.formats import formatter
from channel_lib.presentation.html import plus_zero
from channel_lib.presentation.pages import margins

__all__ = [
    "APPENDIX",
    "DIVERGENCE_FORMATS",
    "EXPLORER_MEASURES",
    "FINDINGS",
    "FORECAST_FORMATS",
    "MASE_FORMATS",
    "answer",
    "answer_sentences",
    "appendix",
    "appendix_sentences",
    "backtest_scores",
    "bridge_chart",
    "bridge_finding",
    "bridge_formats",
    "bridge_frame",
    "bridge_note",
    "bridge_table",
    "compact_money",
    "company_trend",
    "costs_note",
    "costs_sentence",
    "divergence_frame",
    "divergence_intro",
    "divergence_scores",
    "divergence_sentences",
    "divergence_table",
    "forecast_chart",
    "forecast_frame",
    "forecast_table",
    "headline_sentences",
    "interval_sentences",
    "last_quarters_table",
    "margin_chart",
    "mase_frame",
    "mase_table",
    "model_choice_sentences",
    "model_choice_summary",
    "narrative",
    "no_sales",
    "notes_table",
    "p_value",
    "plan_gap_frame",
    "plan_gap_sentences",
    "plan_gap_table",
    "quarterly_trend_chart",
    "reporting_quarter",
    "small_multiples",
]


def reporting_quarter(wb: Any):
    """The reporting quarter in one line; why, and where the series end, folded under it."""
    return coverage_line(wb, note="The series end with its last month.")


# -- sentences, one function per finding ------------------------------------------------------------
def costs_sentence(report: TrendReport, ds: Any) -> str:
    """Whether contribution after cost to serve is shown, in plain words."""
    if report.has_costs:
        return (
            "Contribution is gross profit minus the cost to serve each channel (channel_costs: "
            "MDF, co-op, rebates, enablement, channel staff); partners carry no cost to serve, so "
            "their figures stop at gross profit."
        )
    return "Contribution after cost to serve is not shown. " + ds.missing_note("channel_costs")


def costs_note(report: TrendReport, ds: Any):
    """:func:`costs_sentence` as markdown (escaped)."""
    return html.markdown("{note}", note=costs_sentence(report, ds))


def company_trend(report: TrendReport) -> list[str]:
    """How the company's revenue and gross profit moved: the quarter and the last four quarters,
    each against the same span a year before (with the quarter's gross margin)."""
    q = report.quarterly
    total = q[q["level"] == "total"]
    if len(total) < 5:
        return []
    now, year_ago = total.iloc[-1], total.iloc[-5]
    cur = report.currency
    points = plus_zero(f"{(now['gross_margin'] - year_ago['gross_margin']) * 100:+.1f}")
    out = [
        f"Company revenue in {report.quarter} was {compact_money(now['revenue'], cur)} "
        f"({_change(now['revenue'], year_ago['revenue'])} on the same quarter a year before) and "
        f"gross profit {compact_money(now['gross_profit'], cur)} "
        f"({_change(now['gross_profit'], year_ago['gross_profit'])}), at a gross margin of "
        f"{now['gross_margin']:.1%} ({points} points)."
    ]
    if len(total) >= 8:
        year, before = total.iloc[-4:], total.iloc[-8:-4]
        out.append(
            f"Over the four quarters to {report.quarter} revenue was "
            f"{compact_money(year['revenue'].sum(), cur)} "
            f"({_growth(year['revenue'].sum(), before['revenue'].sum())} on the four before) and "
            f"gross profit {compact_money(year['gross_profit'].sum(), cur)} "
            f"({_change(year['gross_profit'].sum(), before['gross_profit'].sum())})."
        )
    return out


#: What a change says when its base is missing, zero or negative.
_NO_BASE = "no comparable base"


def _has_base(before: float) -> bool:
    return bool(before) and not pd.isna(before) and before > 0


def _growth(now: float, before: float) -> str:
    """Company revenue growth (the one definition: four quarters against the four before) as a
    growth token (:func:`~channel_lib.presentation.pages.margins.growth_token`)."""
    return margins.growth_token("company", now / before - 1) if _has_base(before) else _NO_BASE


def _change(now: float, before: float) -> str:
    """The change against a base as a signed percentage, or "no base" without one."""
    return plus_zero(f"{now / before - 1:+.1%}") if _has_base(before) else _NO_BASE


def plan_gap_sentences(report: TrendReport) -> list[str]:
    """The company forecast of each forecast quarter against the plan, the gap named; channels
    outside their 80% interval of the plan; or one line saying there is no plan."""
    g = report.plan_gap
    out = []
    cur = report.currency
    if len(g):
        total = g[(g["level"] == "total")]
        for r in total.itertuples():
            what = "revenue" if r.measure == "revenue" else "gross profit"
            side = "under" if r.gap < 0 else "over"
            share = f"{abs(r.gap_share):.0%}" if pd.notna(r.gap_share) else "–"
            out.append(
                f"{r.quarter} {what} forecast {compact_money(r.forecast, cur)} (80%: "
                f"{compact_money(r.low_80, cur)} to {compact_money(r.high_80, cur)}) is {share} "
                f"{side} the plan of {compact_money(r.plan, cur)} ({r.plan_source}); the plan "
                f"lies {_where(r.plan, r.low_80, r.high_80)} the forecast's 80% interval."
            )
        ch = g[(g["level"] == "channel") & ((g["plan"] < g["low_80"]) | (g["plan"] > g["high_80"]))]
        for r in ch.itertuples():
            name = report.names.get(r.entity_id, r.entity_id)
            side = "above" if r.plan > r.high_80 else "below"
            out.append(
                f"{name}'s {r.quarter} plan ({compact_money(r.plan, cur)}) lies {side} its 80% "
                f"forecast interval ({compact_money(r.low_80, cur)} to "
                f"{compact_money(r.high_80, cur)})."
            )
    note = report.plan_gap.attrs.get("note", "")
    if note:
        out.append(note)
    return out


def _where(plan: float, low: float, high: float) -> str:
    if pd.isna(low) or pd.isna(high):
        return "without"
    if plan < low:
        return "below"
    if plan > high:
        return "above"
    return "within"


def model_choice_summary(report: TrendReport) -> list[str]:
    """One sentence: which model each channel's revenue forecast uses, chosen by backtest."""
    sel = report.selection
    if not len(sel):
        return []
    rev = sel[sel["measure"] == "revenue"]
    groups = {}
    for r in rev.itertuples():
        groups.setdefault(str(r.model), []).append(report.names.get(r.entity_id, r.entity_id))
    parts = [f"{MODEL_WORDS.get(m, m)} for {', '.join(n)}" for m, n in groups.items()]
    return [
        "Each forecast uses the model that did better in a rolling backtest against actuals "
        f"(revenue: {'; '.join(parts)}); the appendix gives the scores."
    ]


def model_choice_sentences(report: TrendReport) -> list[str]:
    """Per channel (revenue), why its forecast uses its model: the backtest in words."""
    out = []
    for r in report.selection[report.selection["measure"] == "revenue"].itertuples():
        name = "the company" if r.level == "total" else report.names.get(r.entity_id, r.entity_id)
        because = str(r.chosen_because)
        if r.model == SEASONAL_NAIVE and pd.notna(r.mase_model) and pd.notna(r.mase_naive):
            out.append(
                f"Seasonal naive (same month last year) beat exponential smoothing in the "
                f"backtest for {name} (MASE {r.mase_naive:.2f} vs {r.mase_model:.2f}), so "
                f"{name}{'' if name.endswith('s') else chr(39) + 's'} forecast repeats last year."
            )
        elif r.model == SEASONAL_NAIVE:
            out.append(
                f"{name} could not be backtested ({because}), so its forecast repeats last year."
            )
        else:
            out.append(
                f"{name}: {because[0].upper()}{because[1:]}, so its forecast is exponential smoothing."
            )
    return out


def divergence_sentences(
    div: pd.DataFrame, names: dict[str, str] | None = None, *, with_skipped: bool = True
) -> list[str]:
    """The divergence findings in plain sentences (values not escaped).

    Examples
    --------
    >>> div = pd.DataFrame({"level": ["channel"], "entity_id": ["A"], "divergent": [False],
    ...                     "note": [pd.NA], "q_value": [0.4]})
    >>> div.attrs["alpha"] = 0.05
    >>> divergence_sentences(div)[0]
    'No channel or partner shows revenue and margin trending apart at a false-discovery rate of 5%.'
    """
    names = names or {}
    alpha = div.attrs.get("alpha", 0.05)
    found = div[div["divergent"].fillna(False).astype(bool)]
    out = []
    if found.empty:
        out.append(
            "No channel or partner shows revenue and margin trending apart at a false-discovery "
            f"rate of {alpha:.0%}."
        )
    for _, r in found.iterrows():
        name = names.get(r["entity_id"], r["entity_id"])
        began = "" if pd.isna(r["began"]) else f", beginning around {r['began']:%B %Y}"
        rng = ""
        if not pd.isna(r["began_low"]) and (
            f"{r['began_low']:%Y-%m}" != f"{r['began_high']:%Y-%m}"
        ):  # one month is the estimate itself: no range to state
            rng = f" (plausibly {r['began_low']:%b %Y} to {r['began_high']:%b %Y})"
        out.append(
            f"{r['level'].capitalize()} {name}: {r['direction']} — trend slope of the margin "
            f"{r['margin_trend'] * 100:+.1f} points a year, of revenue {r['revenue_trend']:+.1%} a "
            f"year (a fitted slope over the months, not growth){began}{rng}."
        )
    skipped = div[div["note"].notna()]
    if with_skipped and len(skipped):
        out.append(
            f"{len(skipped)} of {len(div)} channels and partners were not tested (too little "
            "history, constant or no revenue); the table below says why for each."
        )
    return out


def report_divergence(report: TrendReport) -> list[str]:
    """:func:`divergence_sentences` of the report's divergence test."""
    return divergence_sentences(report.divergence, report.names)


def backtest_scores(report: TrendReport) -> list[str]:
    """The company-level backtest: MASE of exponential smoothing against seasonal naive."""
    m = report.mase[(report.mase["level"] == "total") & report.mase["mase_model"].notna()]
    return [
        f"Backtest of company {MEASURE_LABELS[r.measure].lower()} over {r.origins} rolling "
        f"origins: MASE {r.mase_model:.2f} for exponential smoothing against "
        f"{r.mase_naive:.2f} for the seasonal-naive forecast (below 1 = better than the "
        "in-sample seasonal-naive error); the forecast uses "
        f"{_chosen(report, r.entity_id, r.measure)}."
        for r in m.itertuples()
    ]


def _chosen(report: TrendReport, entity: str, measure: str) -> str:
    sel = report.selection
    m = sel.loc[(sel["entity_id"] == entity) & (sel["measure"] == measure), "model"]
    return MODEL_WORDS.get(str(m.iloc[0]), str(m.iloc[0])) if len(m) else "no model"


def interval_sentences(report: TrendReport) -> list[str]:
    """How each forecast interval was computed, once per method used."""
    f = report.forecasts
    methods = (
        f.loc[f["kind"] == "forecast", ["model", "interval_method"]].dropna().drop_duplicates()
    )
    return [f"Intervals of {m.model} forecasts: {m.interval_method}." for m in methods.itertuples()]


def divergence_scores(report: TrendReport) -> list[str]:
    """The q-value of each divergent channel or partner (the summary states the finding)."""
    div = report.divergence
    found = div[div["divergent"].fillna(False).astype(bool)]
    out = []
    for r in found.itertuples():
        q = p_value(r.q_value)
        out.append(
            f"{report.names.get(r.entity_id, r.entity_id)}: margin trend "
            f"q {q if q.startswith('<') else '= ' + q} (Benjamini–Hochberg)."
        )
    return out


#: The appendix's sentences, in order.
APPENDIX: tuple[Callable[[TrendReport], list[str]], ...] = (
    backtest_scores, model_choice_sentences, interval_sentences, divergence_scores,
)  # fmt: skip


def appendix_sentences(report: TrendReport) -> list[str]:
    """The scores behind the summary: backtest MASE, why each model, interval methods, q-values."""
    out: list[str] = []
    for part in APPENDIX:
        out += part(report)
    return out


def appendix(report: TrendReport):
    """:func:`appendix_sentences` as a markdown bullet list, every sentence escaped."""
    from IPython.display import Markdown

    return Markdown("\n".join(f"- {html.escape_markdown(t)}" for t in appendix_sentences(report)))


def bridge_finding(report: TrendReport) -> list[str]:
    """The bridge's total change and its largest component (or why there is no bridge)."""
    if report.bridge is not None:
        b = report.bridge.set_index("component")
        comps = b.drop(index="total")
        big = comps["amount"].abs().idxmax()
        total = float(b.loc["total", "amount"])
        verb = "rose" if total > 0 else "fell" if total < 0 else "held"
        part = float(b.loc[big, "amount"])
        label = b.loc[big, "label"].lower().replace(" / ", " and ")
        return [
            f"Gross profit {verb} {compact_money(abs(total), report.currency)} from "
            f"{b['base'].iloc[0]} to {b['current'].iloc[0]}; the largest part is {label} "
            f"({'+' if part > 0 else ''}{compact_money(part, report.currency)})."
        ]
    if report.bridge_note:
        return [report.bridge_note]
    return []


#: The findings of :func:`headline_sentences`, in the order the report lists them.
FINDINGS: tuple[Callable[[TrendReport], list[str]], ...] = (
    company_trend, plan_gap_sentences, model_choice_summary, report_divergence, bridge_finding,
)  # fmt: skip


def headline_sentences(report: TrendReport) -> list[str]:
    """The trend findings in plain sentences (values not escaped; :func:`narrative` escapes).

    Opens with how the company's revenue and gross profit moved (quarter and year against a year
    before) and the forecast against the plan, then which model each forecast uses, every
    divergent channel or partner and the month it began, and the bridge's largest component
    (:data:`FINDINGS`). Scores (MASE, q-values) are in the appendix
    (:func:`appendix_sentences`).
    """
    out: list[str] = []
    for finding in FINDINGS:
        out += finding(report)
    return out


def answer_sentences(report: TrendReport) -> list[str]:
    """The answer box of the report (plain sentences with growth tokens, not escaped): how the
    company's revenue and gross profit moved, next quarter's forecast against the plan, the
    bridge's largest part, and each channel or partner whose revenue and margin part ways.
    Model choices and untested series are diagnostics: the appendix and the notes table."""
    gaps = plan_gap_sentences(report)
    found = [*company_trend(report), *gaps[:1], *bridge_finding(report)]
    # divergences last: beyond the box's five, the divergence table lists every one
    found += divergence_sentences(report.divergence, report.names, with_skipped=False)
    return found


def answer(report: TrendReport):
    """:func:`answer_sentences` in the report's answer box."""
    return answer_box([margins.sentence_html(s) for s in answer_sentences(report)])


def narrative(report: TrendReport):
    """:func:`headline_sentences` as a markdown bullet list, every sentence escaped."""
    from IPython.display import Markdown  # IPython is only needed once a page is displayed

    return Markdown(
        "\n".join(f"- {margins.sentence_markdown(s)}" for s in headline_sentences(report))
    )


# -- charts ------------------------------------------------------------------------------------------
def small_multiples(report: TrendReport, channel_ids: Sequence[str]):
    """Quarterly revenue, gross profit and contribution, one panel per channel."""
    return charts.trend_small_multiples(
        long_quarterly(report.quarterly),
        title="Revenue, gross profit and contribution by quarter",
        value_title=f"Amount ({report.currency})",
        channel_ids=channel_ids,
    )


#: Titles of the margin-band charts, by measure.
MARGIN_CHARTS: dict[str, dict[str, str]] = {
    "gross_margin": {"title": "Gross margin: monthly, STL trend and 90% band"},
    "contribution_margin": {
        "title": "Contribution margin: monthly, STL trend and 90% band",
        "value_title": "Contribution margin",
    },
}


def margin_chart(report: TrendReport, channel_ids: Sequence[str], *, measure: str = "gross_margin"):
    """Monthly margin, its STL trend and the trend's 90% band, one panel per channel."""
    return charts.margin_band(
        margin_decomposition(report, measure=measure), channel_ids=channel_ids,
        **MARGIN_CHARTS[measure],
    )  # fmt: skip


def forecast_chart(report: TrendReport, channel_ids: Sequence[str], *, measure: str = "revenue"):
    """Quarterly actuals and the forecast fan (80% and 95%) of ``measure``."""
    label = MEASURE_LABELS[measure]
    return charts.forecast_fan(
        forecast_rows(report, measure=measure),
        title=f"{label}: actual and forecast by quarter",
        value_title=f"{label} ({report.currency})",
        channel_ids=channel_ids,
    )


def bridge_chart(report: TrendReport):
    """The gross-profit bridge as a waterfall (or its note when there is no bridge)."""
    return charts.profit_bridge_waterfall(
        report.bridge,
        title="Gross profit bridge",
        value_title=f"Gross profit ({report.currency})",
        note=report.bridge_note,
    )


# -- tables ------------------------------------------------------------------------------------------
def divergence_intro(report: TrendReport):
    """The false-discovery rate and how many channels and partners were tested together."""
    return html.markdown(
        "False-discovery rate: **{a}** across {n} channels and partners tested at once.",
        a=f"{report.alpha:.0%}",
        n=f"{int(report.divergence['note'].isna().sum())}",
    )


def divergence_frame(report: TrendReport) -> pd.DataFrame:
    """The divergence results for display: tested entities by q-value, plain column names."""
    d = report.divergence[report.divergence["note"].isna()].copy()
    d["name"] = d["entity_id"].map(report.names).fillna(d["entity_id"])
    d["began"] = d["began"].dt.strftime("%Y-%m").fillna("")
    d["began_range"] = (
        d["began_low"].dt.strftime("%Y-%m") + " … " + d["began_high"].dt.strftime("%Y-%m")
    ).fillna("")
    out = d[
        ["level", "name", "channel_id", "months", "revenue_trend", "profit_trend", "margin_trend",
         "margin_p", "q_value", "direction", "divergent", "began", "began_range"]
    ]  # fmt: skip
    return out.rename(
        columns={
            "name": "channel / partner",
            "channel_id": "channel",
            "revenue_trend": "revenue trend / yr",
            "profit_trend": "profit trend / yr",
            "margin_trend": "margin trend (pts / yr)",
            "margin_p": "p",
            "q_value": "q (BH)",
            "began_range": "began (95% set)",
        }
    ).reset_index(drop=True)


#: Display formats of :func:`divergence_frame`.
DIVERGENCE_FORMATS = {
    "revenue trend / yr": "{:+.1%}",
    "profit trend / yr": "{:+.1%}",
    "margin trend (pts / yr)": lambda v: f"{v * 100:+.2f}",
    "p": lambda v: p_value(v),
    "q (BH)": lambda v: p_value(v),
}


def p_value(v: float) -> str:
    """A p- or q-value without scientific notation: ``< 0.001`` below a thousandth.

    Examples
    --------
    >>> p_value(2.9e-10), p_value(0.0123), p_value(0.5), p_value(float("nan"))
    ('< 0.001', '0.012', '0.50', '–')
    """
    if pd.isna(v):
        return "–"
    if v < 0.001:
        return "< 0.001"
    return f"{v:.2g}" if v < 0.1 else f"{v:.2f}"


def divergence_table(report: TrendReport):
    """:func:`divergence_frame` as the report's table."""
    return html.table(
        divergence_frame(report),
        formats=DIVERGENCE_FORMATS,
        caption="Margin trend against revenue trend, by q-value",
        max_rows=40,
    )


def forecast_frame(report: TrendReport, *, measure: str = "revenue") -> pd.DataFrame:
    """The forecast quarters of ``measure`` for display (total and channels)."""
    f = report.forecasts
    f = f[(f["kind"] == "forecast") & (f["measure"] == measure)].copy()
    f["name"] = f["entity_id"].map(report.names).fillna(f["entity_id"])
    return f[["name", "quarter", "value", "lower_80", "upper_80", "lower_95", "upper_95", "model"]]


def plan_gap_frame(report: TrendReport) -> pd.DataFrame:
    """:func:`~channel_lib.analysis.trends.plan_gap.forecast_vs_plan` for display."""
    g = report.plan_gap.copy()
    g["name"] = g["entity_id"].map(report.names).fillna(g["entity_id"])
    g["measure"] = g["measure"].map(MEASURE_LABELS)
    return g[["quarter", "name", "measure", "forecast", "low_80", "high_80", "plan", "gap",
              "gap_share", "plan_source", "model"]].rename(
        columns={"low_80": "80% low", "high_80": "80% high", "gap": "gap (forecast − plan)",
                 "gap_share": "gap / plan", "plan_source": "plan from"}
    )  # fmt: skip


#: Display formats of :func:`plan_gap_frame`.
PLAN_GAP_FORMATS = {
    **{k: formatter("{:,.0f}") for k in ("forecast", "80% low", "80% high", "plan")},
    "gap (forecast − plan)": formatter("{:+,.0f}"),
    "gap / plan": formatter("{:+.1%}"),
}


def plan_gap_table(report: TrendReport):
    """The forecast against the plan as a table, or the line saying there is no plan."""
    if not len(report.plan_gap):
        return html.markdown(
            "{note}", note=report.plan_gap.attrs.get("note") or "No plan for the forecast quarters."
        )
    return html.table(
        plan_gap_frame(report), formats=PLAN_GAP_FORMATS,
        caption=f"Forecast against the plan ({report.currency})",
    )  # fmt: skip


#: Display formats of :func:`forecast_frame`.
FORECAST_FORMATS = {
    k: formatter("{:,.0f}") for k in ("value", "lower_80", "upper_80", "lower_95", "upper_95")
}


def forecast_table(report: TrendReport):
    """The revenue forecast quarters as the report's table."""
    return html.table(
        forecast_frame(report),
        caption=f"Revenue forecast ({report.currency})",
        formats=FORECAST_FORMATS,
    )


def mase_frame(report: TrendReport) -> pd.DataFrame:
    """The backtest scores for display."""
    m = report.mase.merge(
        report.selection[["level", "entity_id", "measure", "model"]],
        on=["level", "entity_id", "measure"], how="left",
    )  # fmt: skip
    m["name"] = m["entity_id"].map(report.names).fillna(m["entity_id"])
    m["measure"] = m["measure"].map(MEASURE_LABELS)
    m = m.rename(columns={"mase_model": "MASE ETS", "mase_naive": "MASE seasonal naive",
                          "model": "forecast uses"})  # fmt: skip
    m["note"] = m["note"].fillna("")
    return m[["name", "measure", "origins", "forecasts", "MASE ETS", "MASE seasonal naive",
              "forecast uses", "note"]]  # fmt: skip


#: Display formats of :func:`mase_frame`.
MASE_FORMATS = {"MASE ETS": formatter("{:.2f}"), "MASE seasonal naive": formatter("{:.2f}")}


def mase_table(report: TrendReport):
    """:func:`mase_frame` as the report's table."""
    return html.table(
        mase_frame(report), caption="MASE by series (lower is better)", formats=MASE_FORMATS
    )


def bridge_note(report: TrendReport):
    """Why there is no bridge, or the volume measure it used."""
    return html.markdown(
        "{note}",
        note=report.bridge_note
        or f"Volume measured as {report.bridge.attrs['volume'].replace('_', ' ')}.",
    )


def margin_drivers_list(report: TrendReport, ds):
    """What moved each channel's gross margin between the bridge's two quarters (price and
    discount, unit cost, product mix), in the one reading notebook 01 and the index use
    (:func:`~channel_lib.analysis.trends.bridge.margin_drivers`); nothing without a bridge."""
    if report.bridge is None:
        return html.markdown("{note}", note=report.bridge_note)
    from channel_lib.analysis.trends.bridge import margin_drivers

    base, current = str(report.bridge["base"].iloc[0]), str(report.bridge["current"].iloc[0])
    drivers = margin_drivers(ds, base=base, current=current)
    return margins.margin_drivers_markdown(drivers, report.names)


def bridge_frame(report: TrendReport) -> pd.DataFrame:
    """The bridge by channel (unrounded split, currency) with the exact component totals.

    Returns
    -------
    DataFrame
        ``channel`` then :data:`BRIDGE_COMPONENTS` and ``total`` (currency, float): one row per
        channel and the exact ``All channels`` row; no rows when there is no bridge
        (``report.bridge_note`` says why).
    """
    if report.bridge is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="string" if c == "channel" else "float64")
             for c in ("channel", *BRIDGE_COMPONENTS, "total")}
        )  # fmt: skip
    detail = report.bridge.attrs["by_channel"].copy()
    detail["channel"] = detail["channel_id"].map(report.names).fillna(detail["channel_id"])
    detail["total"] = detail[list(BRIDGE_COMPONENTS)].sum(axis=1)
    total = {"channel": "All channels (exact)"}
    b = report.bridge.set_index("component")["amount"]
    total.update({k: b[k] for k in (*BRIDGE_COMPONENTS, "total")})
    out = pd.concat([detail, pd.DataFrame([total])], ignore_index=True)
    return out[["channel", *BRIDGE_COMPONENTS, "total"]]


def bridge_formats(money: MoneyUnit) -> dict:
    """Display formats of :func:`bridge_frame`: signed whole currency units (``+1,235``; a zero
    reads ``+0``, never ``-0``). The split to the currency's minor unit (``money``), which adds
    up to the change to the cent, is in the report's Excel workbook.

    Examples
    --------
    >>> from channel_lib.core.money import MoneyUnit
    >>> f = bridge_formats(MoneyUnit("USD", 4))
    >>> f["total"](1234.6), f["volume"](-0.001), bridge_formats(MoneyUnit("JPY", 0))["cost"](-1234.4)
    ('+1,235', '+0', '-1,234')
    """
    del money  # whole units in every currency on the page
    return {k: formatter("{:+,.0f}") for k in (*BRIDGE_COMPONENTS, "total")}


def bridge_table(report: TrendReport):
    """:func:`bridge_frame` as the report's table, or why there is no bridge in words."""
    if report.bridge is None:
        return html.markdown(
            "{note}", note=report.bridge_note or "There is no profit bridge for this quarter."
        )
    return html.table(
        bridge_frame(report),
        caption=f"Bridge by channel, {report.currency} (whole units; to the cent in the Excel "
        "workbook)",
        formats=bridge_formats(report.money),
    )


def notes_table(report: TrendReport):
    """Every series that could not be modelled, and why."""
    return html.table(report.notes, caption="Not modelled, and why")


# -- the trend explorer ------------------------------------------------------------------------------
#: The measures the trend explorer offers → label in the reader's words.
EXPLORER_MEASURES: dict[str, str] = {
    k: MEASURE_LABELS[k] for k in ("revenue", "gross_profit", "gross_margin")
}


def quarterly_trend_chart(
    quarterly: pd.DataFrame,
    measure: str,
    *,
    what: str,
    channel_ids: Sequence[str],
    currency: str,
):
    """One measure of the channels' quarterly series over time (``what``: whose, in words)."""
    label = EXPLORER_MEASURES[measure]
    ratio = measure == "gross_margin"
    return charts.line_over_time(
        quarterly, measure, title=f"{label} by fiscal quarter, {what}",
        value_title=label if ratio else f"{label} ({currency})",
        channel_ids=channel_ids, value_format=".1%" if ratio else ",.0f",
    )  # fmt: skip


def last_quarters_table(quarterly: pd.DataFrame, *, what: str, currency: str):
    """Each channel's last four quarters: revenue, gross profit and gross margin."""
    last = quarterly.groupby("channel_id", sort=False).tail(4)
    columns = ["channel_id", "quarter", "revenue", "gross_profit", "gross_margin"]
    money = "{:,.0f}"
    return html.table(
        last[columns],
        formats={"revenue": money, "gross_profit": money, "gross_margin": "{:.1%}"},
        caption=f"Last four quarters, {what} ({currency})",
    )


def no_sales(what: str, quarter: str):
    """The explorer's line when the chosen channels sold nothing up to the quarter."""
    return html.markdown("No sales of {what} up to {q}.", what=what, q=quarter)
