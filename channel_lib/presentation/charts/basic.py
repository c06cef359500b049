"""The two generic builders: horizontal bars by channel and lines over fiscal periods, in the
channels' fixed colours (the quarter overview, and a base for other charts)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.common import (
    _channel_colour,
    _quarter_axis,
    _require_columns,
    _tooltips,
)
from channel_lib.presentation.theme import NUMBER_FORMAT


def bar_by_channel(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_title: str,
    channel_ids: Sequence[str],
    channel: str = "channel_id",
    value_format: str = NUMBER_FORMAT,
    extra_tooltip: Sequence[str] = (),
    reference: tuple[float, str] | None = None,
) -> alt.Chart | alt.LayerChart:
    """Horizontal bars, one per channel, coloured with the channel's fixed colour.

    Parameters
    ----------
    frame : DataFrame
        One row per channel, with columns ``channel`` and ``value``.
    value : str
        Column of the quantity to plot.
    title : str
        Chart title in the reader's words.
    value_title : str
        Axis title with its unit, e.g. ``"Revenue (USD)"``.
    channel_ids : sequence of str
        All channel ids in ``channels.csv`` order (see :func:`channel_color_scale`); also the bar
        order.
    channel : str
        Column holding the channel id.
    value_format : str
        d3 format for the axis and tooltip, e.g. ``"$,.0f"`` or ``".1%"``.
    extra_tooltip : sequence of str
        More columns to show in the tooltip.
    reference : (float, str), optional
        A value to draw as a labelled vertical rule, e.g. ``(1.0, "target")`` on an attainment
        chart: the bars are read against it.

    Returns
    -------
    alt.Chart or alt.LayerChart
        A layer of the bars and the rule with ``reference``.

    Examples
    --------
    >>> frame = pd.DataFrame({"channel_id": ["DIR", "WEB"], "revenue": [1200.5, 300.0]})
    >>> chart = bar_by_channel(frame, "revenue", title="Revenue by channel",
    ...                        value_title="Revenue (USD)", channel_ids=["DIR", "DIST", "WEB"])
    >>> chart.to_dict()["mark"]["type"]
    'bar'
    >>> ruled = bar_by_channel(frame.assign(a=[0.9, 1.1]), "a", title="Attainment",
    ...     value_title="Attainment", channel_ids=["DIR", "WEB"], reference=(1.0, "target"))
    >>> [layer["mark"]["type"] for layer in ruled.to_dict()["layer"]]
    ['bar', 'rule', 'text']
    """
    _require_columns(frame, [channel, value, *extra_tooltip], "bar_by_channel")
    ids = [str(c) for c in channel_ids]
    bars = (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{channel}:N", title="Channel", sort=ids),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            color=_channel_colour(ids, field=channel, legend=False),
            tooltip=[
                *_tooltips((f"{channel}:N", "Channel"), (f"{value}:Q", value_title, value_format)),
                *[alt.Tooltip(c) for c in extra_tooltip],
            ],
        )
    )
    if reference is None:
        return bars
    at, label = reference
    line = pd.DataFrame({value: [at], "label": [label]})
    rule = (
        alt.Chart(line)
        .mark_rule(color="#333", strokeDash=[4, 3])
        .encode(x=alt.X(f"{value}:Q"), tooltip=[alt.Tooltip("label:N", title="Line")])
    )
    text = (
        alt.Chart(line)
        .mark_text(align="left", dx=4, dy=-6, fontSize=12)
        .encode(x=alt.X(f"{value}:Q"), y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, rule, text).properties(title=title)


def line_over_time(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_title: str,
    channel_ids: Sequence[str],
    period: str = "quarter",
    period_title: str = "Fiscal quarter",
    channel: str = "channel_id",
    value_format: str = NUMBER_FORMAT,
) -> alt.Chart:
    """Lines over fiscal periods, one per channel, in the channels' fixed colours.

    Parameters
    ----------
    frame : DataFrame
        Long form: one row per channel and period, columns ``channel``, ``period`` and ``value``.
    value : str
        Column of the quantity to plot.
    title : str
        Chart title in the reader's words.
    value_title : str
        Axis title with its unit, e.g. ``"Gross profit (USD)"``.
    channel_ids : sequence of str
        All channel ids in ``channels.csv`` order (see :func:`channel_color_scale`).
    period : str
        Column of period labels that sort in time order (``"FY2026-Q3"``); encoded as ordinal.
    period_title : str
        Title of the period axis.
    channel : str
        Column holding the channel id.
    value_format : str
        d3 format for the axis and tooltip.

    Returns
    -------
    alt.Chart

    Examples
    --------
    >>> frame = pd.DataFrame({"quarter": ["FY2026-Q1", "FY2026-Q2"] * 2,
    ...                       "channel_id": ["DIR", "DIR", "WEB", "WEB"],
    ...                       "revenue": [10.0, 12.0, 3.0, 4.5]})
    >>> spec = line_over_time(frame, "revenue", title="Revenue", value_title="Revenue (USD)",
    ...                       channel_ids=["DIR", "WEB"]).to_dict()
    >>> spec["encoding"]["x"]["type"], spec["encoding"]["y"]["type"]
    ('ordinal', 'quantitative')
    """
    _require_columns(frame, [channel, period, value], "line_over_time")
    return (
        alt.Chart(frame, title=title)
        .mark_line(point=True)
        .encode(
            x=_quarter_axis(period, period_title),
            y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            color=_channel_colour(channel_ids, field=channel),
            tooltip=_tooltips(
                (f"{channel}:N", "Channel"),
                (f"{period}:O", period_title),
                (f"{value}:Q", value_title, value_format),
            ),
        )
    )
