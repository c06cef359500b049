"""Charts of investment allocation (notebook 03): response curves, marginal returns, today's vs
the recommended split and the budget scenarios."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.basic import bar_by_channel
from channel_lib.presentation.charts.common import (
    _channel_colour,
    _empty_note,
    _require_columns,
    _select,
    _threshold_rule,
    _tooltips,
)
from channel_lib.presentation.theme import AMOUNT_AXIS_FORMAT, MONEY_FORMAT


def response_curves(
    points: pd.DataFrame,
    marks: pd.DataFrame,
    *,
    channel_ids: Sequence[str],
    title: str,
    value_title: str,
    spend_title: str,
) -> alt.LayerChart:
    """Fitted response curves with their 95% bands, today's and the recommended spend marked.

    Parameters
    ----------
    points : DataFrame
        :func:`channel_lib.analysis.investment.curve_points`: ``channel_id``, ``spend``, ``response``,
        ``low``, ``high``, ``marginal_return``.
    marks : DataFrame
        One row per channel and split: ``channel_id``, ``split`` (``today``/``recommended``),
        ``spend``, ``response``, ``marginal_return``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    title, value_title, spend_title : str

    Returns
    -------
    alt.LayerChart

    Examples
    --------
    >>> pts = pd.DataFrame({"channel_id": ["A"] * 2, "spend": [0.0, 10.0], "response": [0.0, 5.0],
    ...                     "low": [0.0, 4.0], "high": [0.0, 6.0], "marginal_return": [1.0, 0.2]})
    >>> mk = pd.DataFrame({"channel_id": ["A"], "split": ["today"], "spend": [5.0],
    ...                    "response": [3.0], "marginal_return": [0.5]})
    >>> len(response_curves(pts, mk, channel_ids=["A"], title="t", value_title="v",
    ...                     spend_title="s").to_dict()["layer"])
    3
    """
    _require_columns(points, ["channel_id", "spend", "response", "low", "high", "marginal_return"],
                     "response_curves")  # fmt: skip
    _require_columns(marks, ["channel_id", "split", "spend", "response", "marginal_return"],
                     "response_curves")  # fmt: skip
    if points.empty:
        return alt.layer(_empty_note("No channel has a response curve.", title))
    color = _channel_colour(channel_ids)
    x = alt.X("spend:Q", title=spend_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT))
    tip = _tooltips(
        ("channel_id:N", "Channel"),
        ("spend:Q", spend_title, MONEY_FORMAT),
        ("response:Q", value_title, MONEY_FORMAT),
        ("low:Q", "95% low", MONEY_FORMAT),
        ("high:Q", "95% high", MONEY_FORMAT),
        ("marginal_return:Q", "Return of one more unit", ".2f"),
    )
    base = alt.Chart(points)
    band = base.mark_area(opacity=0.15).encode(
        x=x, y="low:Q", y2="high:Q", color=color, tooltip=tip
    )
    line = base.mark_line(point=False).encode(
        x=x, y=alt.Y("response:Q", title=value_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT)),
        color=color, tooltip=tip,
    )  # fmt: skip
    dots = (
        alt.Chart(marks)
        .mark_point(filled=True, size=120, stroke="black", strokeWidth=1)
        .encode(
            x=x, y="response:Q", color=color,
            shape=alt.Shape("split:N", title="Spend", scale=alt.Scale(
                domain=["today", "recommended"], range=["circle", "diamond"])),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("split:N", "Spend"),
                ("spend:Q", spend_title, MONEY_FORMAT),
                ("response:Q", value_title, MONEY_FORMAT),
                ("marginal_return:Q", "Return of one more unit", ".2f"),
            ),
        )
    )  # fmt: skip
    return alt.layer(band, line, dots, title=title).properties(width=600, height=340)


def marginal_return_bars(
    frame: pd.DataFrame,
    *,
    channel_ids: Sequence[str],
    title: str,
    value_title: str,
    break_even: float | None = None,
) -> alt.LayerChart:
    """Return of one more unit of spend per channel at today's spend, with an optional
    break-even rule (1.0 when the objective is gross profit: a unit of spend must earn itself back).

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.investment.curve_table` rows: ``channel_id``, ``marginal_return``,
        ``current_spend``, ``identified``.
    channel_ids : sequence of str
    title, value_title : str
    break_even : float, optional

    Returns
    -------
    alt.LayerChart
    """
    data = _select(frame, ["channel_id", "marginal_return", "current_spend", "identified"],
                   "marginal_return_bars")  # fmt: skip
    data["evidence"] = data["identified"].map(
        {True: "measured response", False: "no measurable response"}
    )
    bars = bar_by_channel(data, "marginal_return", title=title, value_title=value_title,
                          channel_ids=channel_ids, value_format=".2f",
                          extra_tooltip=["current_spend", "evidence"])  # fmt: skip
    bars = bars.encode(opacity=alt.condition("datum.identified", alt.value(1.0), alt.value(0.35)))
    layers = [bars]
    if break_even is not None:
        rule = pd.DataFrame(
            {"x": [float(break_even)], "what": ["break-even: one unit back per unit spent"]}
        )
        layers.append(_threshold_rule(rule).encode(x="x:Q", tooltip=_tooltips(("what:N", "Line"))))
    return alt.layer(*layers).properties(width=520)


def allocation_comparison(
    alloc: pd.DataFrame, *, channel_ids: Sequence[str], title: str, spend_title: str
) -> alt.Chart:
    """Today's and the recommended spend per channel, side by side.

    Parameters
    ----------
    alloc : DataFrame
        :func:`channel_lib.analysis.investment.allocate` result: ``channel_id``, ``current_spend``,
        ``spend``, ``at_bound``, ``marginal_return``.
    channel_ids : sequence of str
    title, spend_title : str

    Returns
    -------
    alt.Chart
    """
    _require_columns(alloc, ["channel_id", "current_spend", "spend", "at_bound", "marginal_return"],
                     "allocation_comparison")  # fmt: skip
    if alloc.empty:
        return _empty_note("No allocation could be made (see the messages above).", title)
    long = pd.concat([
        alloc.assign(split="today", amount=alloc["current_spend"]),
        alloc.assign(split="recommended", amount=alloc["spend"]),
    ])[["channel_id", "split", "amount", "at_bound", "marginal_return"]]  # fmt: skip
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("channel_id:N", title="Channel", sort=ids),
            yOffset=alt.YOffset("split:N", sort=["today", "recommended"]),
            x=alt.X("amount:Q", title=spend_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT)),
            color=_channel_colour(ids, legend=False),
            opacity=alt.Opacity("split:N", title="Split", sort=["today", "recommended"],
                                scale=alt.Scale(range=[0.45, 1.0])),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("split:N", "Split"),
                ("amount:Q", spend_title, MONEY_FORMAT),
                ("at_bound:N", "At a limit"),
                ("marginal_return:Q", "Return of one more unit (recommended)", ".2f"),
            ),
        )
        .properties(width=520)
    )  # fmt: skip


def budget_scenarios_chart(
    scenarios: pd.DataFrame,
    *,
    channel_ids: Sequence[str],
    title: str,
    spend_title: str,
    value_title: str,
) -> alt.HConcatChart:
    """Budget scenarios side by side: the split of each budget (stacked bars) and the expected
    response of the whole system with its 95% interval (the budget-response curve).

    Parameters
    ----------
    scenarios : DataFrame
        :func:`channel_lib.analysis.investment.budget_scenarios` rows.
    channel_ids : sequence of str
    title, spend_title, value_title : str

    Returns
    -------
    alt.HConcatChart
    """
    data = _select(scenarios, ["scenario", "multiplier", "budget", "channel_id", "spend",
                               "total_response", "total_low", "total_high", "marginal_return",
                               "feasible"], "budget_scenarios_chart")  # fmt: skip
    ok = data[data["feasible"]]
    if ok.empty:
        return alt.hconcat(_empty_note("No budget scenario meets the limits.", title))
    order = list(dict.fromkeys(ok.sort_values("multiplier")["scenario"]))
    bars = (
        alt.Chart(ok)
        .mark_bar()
        .encode(
            x=alt.X("scenario:N", title="Budget scenario", sort=order),
            y=alt.Y("spend:Q", title=spend_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT),
                    stack=True),
            color=_channel_colour(channel_ids),
            tooltip=_tooltips(
                ("scenario:N", "Scenario"), ("channel_id:N", "Channel"),
                ("spend:Q", spend_title, MONEY_FORMAT), ("budget:Q", "Budget", MONEY_FORMAT),
            ),
        )
        .properties(width=300, height=300, title="Split of each budget")
    )  # fmt: skip
    totals = ok.drop_duplicates("scenario")
    tip = _tooltips(
        ("scenario:N", "Scenario"),
        ("budget:Q", "Budget", MONEY_FORMAT),
        ("total_response:Q", value_title, MONEY_FORMAT),
        ("total_low:Q", "95% low", MONEY_FORMAT),
        ("total_high:Q", "95% high", MONEY_FORMAT),
        ("marginal_return:Q", "Return of one more unit", ".2f"),
    )
    x = alt.X(
        "budget:Q",
        title=spend_title,
        axis=alt.Axis(format=AMOUNT_AXIS_FORMAT),
        scale=alt.Scale(zero=False),
    )
    band = alt.Chart(totals).mark_errorband(opacity=0.2).encode(
        x=x, y=alt.Y("total_low:Q", title=value_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT)),
        y2="total_high:Q", tooltip=tip,
    )  # fmt: skip
    line = alt.Chart(totals).mark_line(point=True).encode(x=x, y="total_response:Q", tooltip=tip)
    curve = alt.layer(band, line).properties(width=300, height=300, title="Expected response")
    return alt.hconcat(bars, curve, title=title)


def profit_net_of_spend(
    points: pd.DataFrame,
    marks: pd.DataFrame,
    *,
    channel_ids: Sequence[str],
    title: str,
    value_title: str,
    spend_title: str,
) -> alt.FacetChart | alt.Chart:
    """Profit net of spend against monthly spend, one panel per measured channel, with its 95%
    band and today's and the recommended spend marked.

    Parameters
    ----------
    points : DataFrame
        ``channel_id``, ``spend``, ``net``, ``net_low``, ``net_high`` (currency per month): the
        curve's response less the spend on a spend grid.
    marks : DataFrame
        ``channel_id``, ``split`` (``today``/``recommended``), ``spend``, ``net``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    title, value_title, spend_title : str

    Returns
    -------
    alt.FacetChart
        (An :func:`_empty_note` chart when there is no measured channel.)

    Examples
    --------
    >>> pts = pd.DataFrame({"channel_id": ["A"] * 2, "spend": [0.0, 10.0], "net": [0.0, 2.0],
    ...                     "net_low": [0.0, 1.0], "net_high": [0.0, 3.0]})
    >>> mk = pd.DataFrame({"channel_id": ["A"], "split": ["today"], "spend": [5.0], "net": [1.5]})
    >>> "facet" in profit_net_of_spend(pts, mk, channel_ids=["A"], title="t", value_title="v",
    ...                                spend_title="s").to_dict()
    True
    """
    _require_columns(points, ["channel_id", "spend", "net", "net_low", "net_high"],
                     "profit_net_of_spend")  # fmt: skip
    _require_columns(marks, ["channel_id", "split", "spend", "net"], "profit_net_of_spend")
    if points.empty:
        return _empty_note("No channel shows a measurable response to spend.", title)
    ids = [str(c) for c in channel_ids]
    color = _channel_colour(ids, legend=False)
    x = alt.X("spend:Q", title=spend_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT))
    y = alt.Y("net:Q", title=value_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT))
    tip = _tooltips(
        ("channel_id:N", "Channel"),
        ("spend:Q", spend_title, MONEY_FORMAT),
        ("net:Q", value_title, MONEY_FORMAT),
        ("net_low:Q", "95% low", MONEY_FORMAT),
        ("net_high:Q", "95% high", MONEY_FORMAT),
    )
    data = pd.concat([points.assign(layer="curve"), marks.assign(layer="mark")], ignore_index=True)
    base = alt.Chart()
    band = base.mark_area(opacity=0.15).encode(
        x=x, y="net_low:Q", y2="net_high:Q", color=color, tooltip=tip
    ).transform_filter("datum.layer == 'curve'")  # fmt: skip
    line = (
        base.mark_line()
        .encode(x=x, y=y, color=color, tooltip=tip)
        .transform_filter("datum.layer == 'curve'")
    )
    dots = (
        base.mark_point(filled=True, size=120, stroke="black", strokeWidth=1)
        .encode(
            x=x, y=y, color=color,
            shape=alt.Shape("split:N", title="Spend", scale=alt.Scale(
                domain=["today", "recommended"], range=["circle", "diamond"])),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("split:N", "Spend"),
                ("spend:Q", spend_title, MONEY_FORMAT), ("net:Q", value_title, MONEY_FORMAT),
            ),
        )
        .transform_filter("datum.layer == 'mark'")
    )  # fmt: skip
    return (
        alt.layer(band, line, dots, data=data)
        .properties(width=260, height=220)
        .facet(facet=alt.Facet("channel_id:N", title="Channel", sort=ids), columns=3)
        .resolve_scale(x="independent", y="independent")
        .properties(title=title)
    )
