"""The page of notebook ``00_quarter_overview``: its charts, tables, captions and sentences.

The numbers come from :mod:`channel_lib.analysis.overview` (:func:`~channel_lib.analysis.overview.
headline_kpis`, :func:`~channel_lib.analysis.overview.channel_quarter`) and the channel shares of
:func:`channel_lib.data.cube.revenue_shares`; this module turns them into what the reader sees:

- :func:`kpi_table` — the headline KPIs as display strings (also the batch index's KPI table),
  :func:`headline_table` — the same as the notebook's table;
- :func:`revenue_chart`, :func:`profit_chart`, :func:`attainment_chart`, :func:`share_chart`;
- :func:`targets_note` / :func:`targets_line` — where the revenue targets came from;
- :func:`channel_table` — the quarter by channel;
- :func:`overview_sentences` (one function per finding) and :func:`narrative`;
- :func:`control_totals_frame` / :func:`control_totals_table` — the reported fiscal year's lines,
  revenue and cost of sales by channel (:func:`~channel_lib.analysis.overview.control_totals`),
  every digit of the source's precision, to reconcile with the ERP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.overview import comparison_quarters
from channel_lib.core.figures import compact_money
from channel_lib.data.workbook import Workbook
from channel_lib.plans.targets import targets_path
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.html import escape_markdown, plus_zero
from channel_lib.presentation.text import in_plans_folder

__all__ = [
    "CHANNEL_FORMATS",
    "answer",
    "attainment_chart",
    "attainment_sentence",
    "channel_table",
    "control_totals_frame",
    "control_totals_table",
    "dependency_sentence",
    "headline_table",
    "kpi_table",
    "largest_channel_sentence",
    "narrative",
    "overview_sentences",
    "profit_chart",
    "reporting_quarter",
    "revenue_chart",
    "revenue_sentence",
    "share_chart",
    "targets_line",
    "targets_note",
]

_MONEY = "{:,.0f}"
#: Formats of the channel table's columns.
CHANNEL_FORMATS: dict[str, str] = {
    "revenue": _MONEY,
    "gross_profit": _MONEY,
    "revenue_target": _MONEY,
    "gross_margin": "{:.1%}",
    "revenue_share": "{:.1%}",
    "revenue_vs_last_year": "{:+.1%}",
    "attainment": "{:.0%}",
}


# -- the headline KPIs ------------------------------------------------------------------------------
def _kpi_value(v: float, unit: str, currency: str) -> str:
    if np.isnan(v):
        return "–"
    return {"currency": f"{v:,.0f} {currency}", "share": f"{v:.1%}", "count": f"{v:,.0f}"}[unit]


def _kpi_change(v: float, unit: str) -> str:
    if np.isnan(v):
        return "–"
    return plus_zero(f"{v * 100:+.1f} pts" if unit == "share" else f"{v:+.1%}")


def kpi_table(kpis: pd.DataFrame, wb: Workbook) -> pd.DataFrame:
    """The KPI table as display strings, with the comparison quarters as column names.

    Parameters
    ----------
    kpis : DataFrame
        :func:`channel_lib.analysis.overview.headline_kpis`.
    wb : Workbook

    Returns
    -------
    DataFrame
        ``KPI``, this quarter, last quarter, ``vs last quarter``, the quarter a year before,
        ``vs last year`` (strings; ``–`` where the data does not reach back).

    Examples
    --------
    >>> from channel_lib.analysis.overview import headline_kpis
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> kpi_table(headline_kpis(wb), wb).iloc[0].tolist()[:3]
    ['Revenue', '17,820 USD', '19,440 USD']
    """
    q = comparison_quarters(wb)
    cur = wb.dataset.goals.currency
    units = kpis["unit"]

    def values(column: str) -> list[str]:
        return [_kpi_value(v, u, cur) for v, u in zip(kpis[column], units, strict=True)]

    def changes(column: str) -> list[str]:
        return [_kpi_change(v, u) for v, u in zip(kpis[column], units, strict=True)]

    return pd.DataFrame(
        {
            "KPI": kpis["label"],
            q["this_quarter"]: values("this_quarter"),
            q["last_quarter"]: values("last_quarter"),
            "vs last quarter": changes("change_vs_last_quarter"),
            q["last_year"]: values("last_year"),
            "vs last year": changes("change_vs_last_year"),
        }
    )


def headline_table(wb: Workbook, kpis: pd.DataFrame):
    """:func:`kpi_table` as the notebook's HTML table, captioned ``Headline KPIs``."""
    return html.table(kpi_table(kpis, wb), caption="Headline KPIs")


# -- charts -----------------------------------------------------------------------------------------
def revenue_chart(wb: Workbook, channels: pd.DataFrame):
    """Revenue by channel in the quarter (bars in the channels' colours)."""
    return charts.bar_by_channel(
        channels, "revenue", title=f"Revenue by channel, {wb.quarter}",
        value_title=f"Revenue ({wb.dataset.goals.currency})", channel_ids=wb.channel_ids,
        extra_tooltip=["channel_name", "revenue_share"],
    )  # fmt: skip


def profit_chart(wb: Workbook, channels: pd.DataFrame):
    """Gross profit by channel in the quarter."""
    return charts.bar_by_channel(
        channels, "gross_profit", title=f"Gross profit by channel, {wb.quarter}",
        value_title=f"Gross profit ({wb.dataset.goals.currency})", channel_ids=wb.channel_ids,
        extra_tooltip=["gross_margin"],
    )  # fmt: skip


def attainment_chart(wb: Workbook, channels: pd.DataFrame):
    """Revenue attainment (actual ÷ target) by channel in the quarter."""
    return charts.bar_by_channel(
        channels, "attainment", title=f"Revenue attainment, {wb.quarter}",
        value_title="Attainment (actual ÷ target)", channel_ids=wb.channel_ids,
        value_format=".0%", extra_tooltip=["revenue", "revenue_target"],
        reference=(1.0, "target (100%)"),
    )  # fmt: skip


def share_chart(wb: Workbook, shares: pd.DataFrame):
    """Each channel's share of revenue quarter by quarter (:func:`channel_lib.data.cube.
    revenue_shares` by ``channel_id``)."""
    return charts.line_over_time(
        shares, "share", title="Share of revenue by channel", value_title="Share of revenue",
        channel_ids=wb.channel_ids, period="period", channel="entity_id", value_format=".0%",
    )  # fmt: skip


# -- tables and notes -------------------------------------------------------------------------------
def channel_table(wb: Workbook, channels: pd.DataFrame):
    """The quarter by channel (:func:`channel_lib.analysis.overview.channel_quarter`) as a table."""
    return html.table(channels, caption=f"Channels in {wb.quarter}", formats=CHANNEL_FORMATS)


def targets_note(wb: Workbook, channels: pd.DataFrame) -> str:
    """Where this quarter's revenue targets came from, in words.

    Parameters
    ----------
    wb : Workbook
    channels : DataFrame
        :func:`channel_lib.analysis.overview.channel_quarter` (its ``attrs["targets_source"]``).

    Returns
    -------
    str
    """
    source = channels.attrs.get("targets_source", "none")
    if source == "plans":
        return (
            "revenue targets from the approved plan in the plans folder "
            f"({in_plans_folder(targets_path(wb.plans_dir), wb.plans_dir)})"
        )
    if source == "dataset":
        return "revenue targets from the dataset's targets.csv (the company's official targets)"
    if not wb.dataset.has("targets"):
        return wb.dataset.missing_note("targets")
    return f"no revenue target for {wb.quarter} in the plans folder or the dataset's targets.csv"


def targets_line(wb: Workbook, channels: pd.DataFrame):
    """``Targets used: …`` (:func:`targets_note`) as markdown, escaped."""
    return html.markdown("Targets used: {note}.", note=targets_note(wb, channels))


# -- in words: one function per finding --------------------------------------------------------------
def _direction(change: float) -> str:
    if change is None or np.isnan(change):
        return "with no comparable figure"
    word = "up" if change >= 0 else "down"
    return f"{word} {abs(change):.1%}"


def revenue_sentence(wb: Workbook, kpis: pd.DataFrame) -> str:
    """Revenue against last quarter and last year, and the gross margin."""
    k = kpis.set_index("kpi")
    rev = k.loc["revenue"]
    return (
        f"Revenue in {wb.quarter} was {compact_money(rev['this_quarter'], wb.dataset.goals.currency)}, "
        f"{_direction(rev['change_vs_last_quarter'])} against last quarter and "
        f"{_direction(rev['change_vs_last_year'])} against the same quarter last year; "
        f"gross margin was {k.loc['gross_margin', 'this_quarter']:.1%}."
    )


def largest_channel_sentence(channels: pd.DataFrame) -> str:
    """The largest channel and its share of revenue."""
    lead = channels.sort_values("revenue", ascending=False).iloc[0]
    return f"{lead['channel_name']} is the largest channel with {lead['revenue_share']:.0%} of revenue."


def dependency_sentence(wb: Workbook, channels: pd.DataFrame) -> str | None:
    """The channels over the dependency share, or ``None`` when there is none."""
    dependent = channels[channels["dependency"]]
    if dependent.empty:
        return None
    threshold = wb.dataset.goals.signals.dependency_share
    names = ", ".join(dependent["channel_name"])
    return (
        f"Dependency risk: {names} carr{'ies' if len(dependent) == 1 else 'y'} "
        f"{threshold:.0%} or more of revenue."
    )


def attainment_sentence(wb: Workbook, channels: pd.DataFrame) -> str:
    """How many channels missed their revenue target and the furthest from it (or none set)."""
    with_target = channels.dropna(subset=["attainment"])
    if with_target.empty:
        return f"No revenue targets were found for {wb.quarter}, so attainment is not shown."
    short = with_target[with_target["attainment"] < 1.0]
    if short.empty:
        return "Every channel with a revenue target met it."
    worst = short.sort_values("attainment").iloc[0]
    return (
        f"{len(short)} of {len(with_target)} channels missed their revenue target; "
        f"{worst['channel_name']} reached {worst['attainment']:.0%}."
    )


def overview_sentences(wb: Workbook, kpis: pd.DataFrame, channels: pd.DataFrame) -> list[str]:
    """The overview in words: plain sentences built from the two tables (values not escaped).

    Examples
    --------
    >>> from channel_lib.analysis.overview import channel_quarter, headline_kpis
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> overview_sentences(wb, headline_kpis(wb), channel_quarter(wb))[0][:40]
    'Revenue in FY2026-Q4 was 17.8K USD, down'
    """
    found = [
        revenue_sentence(wb, kpis),
        largest_channel_sentence(channels),
        dependency_sentence(wb, channels),
        attainment_sentence(wb, channels),
    ]
    return [s for s in found if s is not None]


def answer(wb: Workbook, kpis: pd.DataFrame, channels: pd.DataFrame):
    """:func:`overview_sentences` in the report's answer box."""
    return answer_box(overview_sentences(wb, kpis, channels))


def reporting_quarter(wb: Workbook):
    """The reporting quarter in one line, why it was chosen folded under it."""
    return coverage_line(wb)


def narrative(wb: Workbook, kpis: pd.DataFrame, channels: pd.DataFrame):
    """:func:`overview_sentences` as a markdown bullet list, every sentence escaped."""
    from IPython.display import Markdown  # deferred: IPython is heavy for a module import

    return Markdown(
        "\n".join(f"- {escape_markdown(s)}" for s in overview_sentences(wb, kpis, channels))
    )


# -- totals to reconcile with the source system ---------------------------------------------------


def control_totals_frame(wb: Workbook, totals: pd.DataFrame) -> pd.DataFrame:
    """The control totals as display strings: one row per channel, then the year's total.

    Parameters
    ----------
    wb : Workbook
    totals : DataFrame
        :func:`channel_lib.analysis.overview.control_totals` (one fiscal year or more).

    Returns
    -------
    DataFrame
        ``Fiscal year``, ``Channel`` (its name and id; ``Total`` on a year's total), ``Lines``,
        ``Revenue (<currency>)``, ``Cost of sales (<currency>)``: strings, money with every
        digit (the fewest places that keep all of them, at least the currency's cents; never
        rounded) and thousands separators.

    Examples
    --------
    >>> from channel_lib.analysis.overview import control_totals
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", plans_dir="/tmp/plans")
    >>> control_totals_frame(wb, control_totals(wb.dataset, years=["FY2026"])).iloc[-1].tolist()
    ['FY2026', 'Total', '14', '60,355.00', '40,350.00']
    """
    money = wb.dataset.money
    currency = money.currency
    revenue, cost = totals["revenue_exact"].tolist(), totals["cost_of_sales_exact"].tolist()
    places = money.places_shown([*revenue, *cost])
    channel = [
        "Total" if level == "year" else f"{name} ({cid})"
        for level, name, cid in zip(
            totals["level"], totals["channel_name"], totals["channel_id"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "Fiscal year": totals["fiscal_year"].tolist(),
            "Channel": channel,
            "Lines": [f"{int(n):,}" for n in totals["lines"]],
            f"Revenue ({currency})": [money.format_grouped(v, places) for v in revenue],
            f"Cost of sales ({currency})": [money.format_grouped(v, places) for v in cost],
        }
    )


def control_totals_table(wb: Workbook, totals: pd.DataFrame):
    """:func:`control_totals_frame` as the notebook's table, captioned with the year and source."""
    years = ", ".join(dict.fromkeys(totals["fiscal_year"])) or wb.year
    return html.table(
        control_totals_frame(wb, totals),
        caption=f"Sales lines and exact totals in the dataset, {years} (sales file, by channel)",
        labels=False,
    )
