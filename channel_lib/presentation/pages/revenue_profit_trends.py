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
from channel_lib.core.money import MoneyUnit
from channel_lib.presentation import charts, html
from channel_lib.presentation.formats import formatter
from channel_lib.presentation.html import plus_zero

__all__ = [
    "DIVERGENCE_FORMATS",
    "EXPLORER_MEASURES",
    "FINDINGS",
    "FORECAST_FORMATS",
    "MASE_FORMATS",
    "backtest_scores",
    "bridge_chart",
    "bridge_finding",
    "bridge_formats",
    "bridge_frame",
    "bridge_note",
    "bridge_table",
    "company_trend",
    "costs_note",
    "costs_sentence",
    "divergence_frame",
    "divergence_intro",
    "divergence_sentences",
    "divergence_table",
    "forecast_chart",
    "forecast_frame",
    "forecast_table",
    "headline_sentences",
    "last_quarters_table",
    "margin_chart",
    "mase_frame",
    "mase_table",
    "naive_beats_model",
    "narrative",
    "no_sales",
    "notes_table",
    "quarterly_trend_chart",
    "reporting_quarter",
    "small_multiples",
]


def reporting_quarter(wb: Any):
    """The line under the parameters: the reporting quarter, why, and where the series end."""
    return html.markdown(
        "Reporting quarter **{q}**. {reason} The series end with its last month.",
        q=wb.quarter,
        reason=wb.quarter_reason,
    )


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
    """The company's revenue and gross margin in the quarter against a year before."""
    q = report.quarterly
    total = q[q["level"] == "total"]
    if len(total) < 5:
        return []
    now, year_ago = total.iloc[-1], total.iloc[-5]
    return [
        f"Company revenue in {report.quarter} was {now['revenue']:,.0f} {report.currency} "
        f"({(now['revenue'] / year_ago['revenue'] - 1):+.1%} on a year before) at a gross "
        f"margin of {now['gross_margin']:.1%} ({(now['gross_margin'] - year_ago['gross_margin']) * 100:+.1f} "
        "points)."
    ]


def divergence_sentences(div: pd.DataFrame, names: dict[str, str] | None = None) -> list[str]:
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
        if not pd.isna(r["began_low"]):
            rng = f" (plausibly {r['began_low']:%b %Y} to {r['began_high']:%b %Y})"
        out.append(
            f"{r['level'].capitalize()} {name}: {r['direction']} — margin "
            f"{r['margin_trend'] * 100:+.1f} points a year, revenue {r['revenue_trend']:+.1%} a "
            f"year{began}{rng}; q = {r['q_value']:.2g}."
        )
    skipped = div[div["note"].notna()]
    if len(skipped):
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
        "in-sample seasonal-naive error)."
        for r in m.itertuples()
    ]


def naive_beats_model(report: TrendReport) -> list[str]:
    """The channels where the seasonal-naive forecast beat exponential smoothing."""
    worse = report.mase[
        (report.mase["level"] != "total") & (report.mase["mase_model"] > report.mase["mase_naive"])
    ]
    if not len(worse):
        return []
    names = sorted({report.names.get(e, e) for e in worse["entity_id"]})
    return [
        f"For {', '.join(names)} the seasonal-naive forecast (same month last year) beat "
        "exponential smoothing in the backtest: read their forecast fans with care."
    ]


def bridge_finding(report: TrendReport) -> list[str]:
    """The bridge's total change and its largest component (or why there is no bridge)."""
    if report.bridge is not None:
        b = report.bridge.set_index("component")
        comps = b.drop(index="total")
        big = comps["amount"].abs().idxmax()
        largest = plus_zero(f"{b.loc[big, 'amount']:+,.0f}")
        return [
            f"Gross profit moved {_signed_money(b.loc['total', 'amount'], report)} "
            f"{report.currency} from "
            f"{b['base'].iloc[0]} to "
            f"{b['current'].iloc[0]}; the largest part is {b.loc[big, 'label'].lower()} "
            f"({largest})."
        ]
    if report.bridge_note:
        return [report.bridge_note]
    return []


#: The findings of :func:`headline_sentences`, in the order the report lists them.
FINDINGS: tuple[Callable[[TrendReport], list[str]], ...] = (
    company_trend, report_divergence, backtest_scores, naive_beats_model, bridge_finding,
)  # fmt: skip


def headline_sentences(report: TrendReport) -> list[str]:
    """The trend findings in plain sentences (values not escaped; :func:`narrative` escapes).

    Covers the company's revenue and margin trend, every divergent channel or partner and the
    month it began, the forecast's backtest against seasonal naive and the bridge's largest
    component (:data:`FINDINGS`).
    """
    out: list[str] = []
    for finding in FINDINGS:
        out += finding(report)
    return out


def narrative(report: TrendReport):
    """:func:`headline_sentences` as a markdown bullet list, every sentence escaped."""
    from IPython.display import Markdown  # IPython is only needed once a page is displayed

    return Markdown("\n".join(f"- {html.escape_markdown(s)}" for s in headline_sentences(report)))


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
    "p": "{:.2g}",
    "q (BH)": "{:.2g}",
}


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


#: Display formats of :func:`forecast_frame`.
FORECAST_FORMATS = {k: "{:,.0f}" for k in ("value", "lower_80", "upper_80", "lower_95", "upper_95")}


def forecast_table(report: TrendReport):
    """The revenue forecast quarters as the report's table."""
    return html.table(
        forecast_frame(report),
        caption=f"Revenue forecast ({report.currency})",
        formats=FORECAST_FORMATS,
    )


def mase_frame(report: TrendReport) -> pd.DataFrame:
    """The backtest scores for display."""
    m = report.mase.copy()
    m["name"] = m["entity_id"].map(report.names).fillna(m["entity_id"])
    m["measure"] = m["measure"].map(MEASURE_LABELS)
    return m[["name", "measure", "origins", "forecasts", "mase_model", "mase_naive", "note"]]


#: Display formats of :func:`mase_frame`.
MASE_FORMATS = {"mase_model": "{:.2f}", "mase_naive": "{:.2f}"}


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


def _signed_money(amount: float, report: TrendReport) -> str:
    """A signed amount to the currency's minor unit (``+1,234.50``; ``+0.00``, never ``-0.00``)."""
    return plus_zero(f"{amount:+,.{report.money.minor_decimals}f}")


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
    """Display formats of :func:`bridge_frame`: signed amounts to the currency's minor unit
    (``+1,234.50`` for USD, ``+1,235`` for JPY; a zero reads ``+0.00``, never ``-0.00``).

    Examples
    --------
    >>> from channel_lib.core.money import MoneyUnit
    >>> f = bridge_formats(MoneyUnit("USD", 4))
    >>> f["total"](1234.5), f["volume"](-0.001), bridge_formats(MoneyUnit("JPY", 0))["cost"](-1234.5)
    ('+1,234.50', '+0.00', '-1,234')
    """
    pattern = f"{{:+,.{money.minor_decimals}f}}"
    return {k: formatter(pattern) for k in (*BRIDGE_COMPONENTS, "total")}


def bridge_table(report: TrendReport):
    """:func:`bridge_frame` as the report's table, or why there is no bridge in words."""
    if report.bridge is None:
        return html.markdown(
            "{note}", note=report.bridge_note or "There is no profit bridge for this quarter."
        )
    return html.table(
        bridge_frame(report),
        caption=f"Bridge by channel ({report.currency})",
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
