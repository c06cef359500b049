"""Altair chart builders and the workbook's one theme.

Importing this module registers and enables the ``channel_workbook`` theme (readable fonts, number
formats with thousands separators, tooltips on) and the offline renderer of
:func:`channel_lib.html.enable_offline_charts`, so a chart never loads vega from a CDN. Each channel keeps one colour in every chart
and every report: :func:`channel_color_scale` assigns the palette by the channel's position in
``channels.csv``, so the same dataset always gives the same colours.

Chart builders take tidy (long-form) frames, as the analysis functions return them, and return an
``alt.Chart``; notebooks only display them.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from .errors import ParameterError
from .html import enable_offline_charts

#: Fixed categorical palette (Tableau 10, then the lighter Tableau 20 tints). Channel *n* in
#: ``channels.csv`` order gets colour *n*; more channels than colours cycle through it again.
CHANNEL_PALETTE: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d", "#b6992d",
    "#f1ce63", "#86bcb6", "#d37295", "#fabfd2", "#d4a6c8",
)  # fmt: skip

FONT = "Segoe UI, Helvetica Neue, Helvetica, Arial, sans-serif"
#: Default d3 number format: thousands separators, at most two decimals, trailing zeros dropped.
NUMBER_FORMAT = ",.2~f"


@alt.theme.register("channel_workbook", enable=True)
def channel_workbook() -> alt.theme.ThemeConfig:
    """The workbook's Altair theme (registered and enabled on import).

    Examples
    --------
    >>> import altair as alt
    >>> alt.theme.active
    'channel_workbook'
    >>> channel_workbook()["config"]["numberFormat"]
    ',.2~f'
    """
    return {
        "config": {
            "font": FONT,
            "numberFormat": NUMBER_FORMAT,
            "view": {"continuousWidth": 560, "continuousHeight": 300, "stroke": None},
            "title": {"fontSize": 16, "fontWeight": 600, "anchor": "start", "offset": 12},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": 500,
                "gridColor": "#e6e6e6",
                "domainColor": "#888888",
            },
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "right"},
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "mark": {"tooltip": True},
            "bar": {"cornerRadiusEnd": 2},
            "line": {"strokeWidth": 2.5, "point": True},
            "range": {"category": list(CHANNEL_PALETTE)},
        }
    }


def channel_color_scale(channel_ids: Sequence[str]) -> alt.Scale:
    """A colour scale that gives every channel its fixed colour.

    Parameters
    ----------
    channel_ids : sequence of str
        Every channel id in the order of ``channels.csv`` (pass ``ds.table("channels").channel_id``),
        not only the channels present in one chart, so that colours never shift between charts.

    Returns
    -------
    alt.Scale
        ``domain`` = the channel ids, ``range`` = :data:`CHANNEL_PALETTE` colours in order.

    Raises
    ------
    ParameterError
        When ``channel_ids`` is empty or repeats an id.

    Examples
    --------
    >>> scale = channel_color_scale(["DIR", "DIST", "WEB"])
    >>> scale.domain, scale.range
    (['DIR', 'DIST', 'WEB'], ['#4e79a7', '#f28e2b', '#e15759'])
    """
    ids = [str(c) for c in channel_ids]
    if not ids:
        raise ParameterError("channel_color_scale needs at least one channel id")
    if len(set(ids)) != len(ids):
        dupes = sorted({c for c in ids if ids.count(c) > 1})
        raise ParameterError(f"channel ids repeat in the colour scale: {', '.join(dupes)}")
    colours = [CHANNEL_PALETTE[i % len(CHANNEL_PALETTE)] for i in range(len(ids))]
    return alt.Scale(domain=ids, range=colours)


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], builder: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"{builder}: the frame has no column {', '.join(repr(c) for c in missing)}; "
            f"it has {', '.join(map(repr, frame.columns))}"
        )


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
) -> alt.Chart:
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

    Returns
    -------
    alt.Chart

    Examples
    --------
    >>> frame = pd.DataFrame({"channel_id": ["DIR", "WEB"], "revenue": [1200.5, 300.0]})
    >>> chart = bar_by_channel(frame, "revenue", title="Revenue by channel",
    ...                        value_title="Revenue (USD)", channel_ids=["DIR", "DIST", "WEB"])
    >>> chart.to_dict()["mark"]["type"]
    'bar'
    """
    _require_columns(frame, [channel, value, *extra_tooltip], "bar_by_channel")
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{channel}:N", title="Channel", sort=ids),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            color=alt.Color(f"{channel}:N", scale=channel_color_scale(ids), legend=None),
            tooltip=[
                alt.Tooltip(f"{channel}:N", title="Channel"),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
                *[alt.Tooltip(c) for c in extra_tooltip],
            ],
        )
    )


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
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(frame, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{period}:O", title=period_title, sort="ascending"),
            y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            color=alt.Color(f"{channel}:N", title="Channel", scale=channel_color_scale(ids)),
            tooltip=[
                alt.Tooltip(f"{channel}:N", title="Channel"),
                alt.Tooltip(f"{period}:O", title=period_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
            ],
        )
    )


enable_offline_charts()  # last: it imports this module back for the theme
