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


# -- orientation and alignment (notebook 01) ---------------------------------------------------------
def _empty_note(text: str, title: str) -> alt.Chart:
    """A one-mark chart that says there is nothing to draw (with a tooltip, like every mark)."""
    return (
        alt.Chart(pd.DataFrame({"note": [text]}), title=title)
        .mark_text(fontSize=13, align="left", x=5, y=20)
        .encode(text="note:N", tooltip=[alt.Tooltip("note:N", title="Note")])
        .properties(width=560, height=40)
    )


def alignment_heatmap(
    breakdown: pd.DataFrame, *, channel_ids: Sequence[str], title: str
) -> alt.HConcatChart:
    """Channel × dimension heatmap of alignment scores (0 % red … 100 % green), with a strip of
    channel colours on the left.

    Parameters
    ----------
    breakdown : DataFrame
        :func:`channel_lib.alignment.alignment_breakdown`: ``channel_id``, ``channel_name``,
        ``label``, ``score`` (0–1, ``NaN`` = not measured), ``actual_text``, ``goal_text``,
        ``weight``, ``points_lost``, ``channel_score``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours; row order).
    title : str

    Returns
    -------
    alt.HConcatChart

    Examples
    --------
    >>> b = pd.DataFrame({"channel_id": ["DIR", "DIR"], "channel_name": ["Direct"] * 2,
    ...                   "label": ["Gross margin", "Discount level"], "score": [1.0, None],
    ...                   "actual_text": ["50%", "–"], "goal_text": ["≥ 49%", "≤ 30%"],
    ...                   "weight": [0.5, 0.5], "points_lost": [0.0, 0.0], "channel_score": [100.0] * 2})
    >>> len(alignment_heatmap(b, channel_ids=["DIR", "WEB"], title="Alignment").to_dict()["hconcat"])
    2
    """
    cols = ["channel_id", "channel_name", "label", "score", "actual_text", "goal_text", "weight",
            "points_lost", "channel_score"]  # fmt: skip
    _require_columns(breakdown, cols, "alignment_heatmap")
    ids = [str(c) for c in channel_ids]
    order = [c for c in ids if c in set(breakdown["channel_id"])]
    labels = list(dict.fromkeys(breakdown["label"]))
    data = breakdown[cols].copy()
    data["measured"] = data["score"].notna()
    y = alt.Y("channel_id:N", title="Channel", sort=order)
    tooltip = [
        alt.Tooltip("channel_name:N", title="Channel"),
        alt.Tooltip("label:N", title="Dimension"),
        alt.Tooltip("actual_text:N", title="Actual"),
        alt.Tooltip("goal_text:N", title="Goal"),
        alt.Tooltip("score:Q", title="Score", format=".0%"),
        alt.Tooltip("weight:Q", title="Weight", format=".1%"),
        alt.Tooltip("points_lost:Q", title="Points lost", format=".1f"),
    ]
    base = alt.Chart(data).encode(
        x=alt.X("label:N", title="Goal dimension", sort=labels, axis=alt.Axis(labelAngle=-30)),
        y=y,
    )
    cells = base.mark_rect().encode(
        color=alt.condition(
            "datum.measured",
            alt.Color("score:Q", title="Score", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                      legend=alt.Legend(format=".0%")),
            alt.value("#dddddd"),
        ),
        tooltip=tooltip,
    )  # fmt: skip
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("score:Q", format=".0%"), tooltip=tooltip
    )
    heat = (cells + text).properties(width=max(60 * len(labels), 320), height=36 * len(order))
    strip_data = data.drop_duplicates("channel_id")[["channel_id", "channel_name", "channel_score"]]
    strip = (
        alt.Chart(strip_data)
        .mark_rect()
        .encode(
            y=y,
            color=alt.Color("channel_id:N", scale=channel_color_scale(ids), legend=None),
            tooltip=[
                alt.Tooltip("channel_name:N", title="Channel"),
                alt.Tooltip("channel_score:Q", title="Alignment score (0-100)", format=".0f"),
            ],
        )
        .properties(width=14, height=36 * len(order))
    )
    return alt.hconcat(strip, heat, spacing=4, title=title).resolve_scale(color="independent")


def growth_margin_quadrant(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, year: str
) -> alt.LayerChart:
    """Revenue growth (x) against gross-margin change (y) per channel and year: the upper right is
    growth with margin held; the lower right, growth bought with margin.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.alignment.quadrant_frame` rows (one year or several stacked):
        ``year``, ``channel_id``, ``channel_name``, ``revenue``, ``revenue_growth``,
        ``margin_change`` (fraction points), ``gross_margin``, ``score``, ``quadrant``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order.
    title : str
    year : str
        The year drawn solid; other years are faint and joined to it by each channel's trail.

    Returns
    -------
    alt.LayerChart
    """
    cols = ["year", "channel_id", "channel_name", "revenue", "revenue_growth", "margin_change",
            "gross_margin", "score", "quadrant"]  # fmt: skip
    _require_columns(frame, cols, "growth_margin_quadrant")
    if frame.empty:
        return _empty_note("No channel has a year before to compare with.", title)
    ids = [str(c) for c in channel_ids]
    data = frame[cols].copy()
    data["margin_change_pts"] = data["margin_change"] * 100
    data["chosen"] = data["year"] == year
    color = alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids))
    x = alt.X(
        "revenue_growth:Q", title="Revenue growth vs a year before", axis=alt.Axis(format="+.0%")
    )
    yy = alt.Y("margin_change_pts:Q", title="Gross-margin change (points)")
    tooltip = [
        alt.Tooltip("channel_name:N", title="Channel"), alt.Tooltip("year:N", title="Fiscal year"),
        alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
        alt.Tooltip("revenue_growth:Q", title="Revenue growth", format="+.1%"),
        alt.Tooltip("margin_change_pts:Q", title="Margin change (points)", format="+.1f"),
        alt.Tooltip("gross_margin:Q", title="Gross margin", format=".1%"),
        alt.Tooltip("score:Q", title="Alignment score", format=".0f"),
        alt.Tooltip("quadrant:N", title="Quadrant"),
    ]  # fmt: skip
    base = alt.Chart(data, title=title)
    trail = base.mark_line(strokeWidth=1, opacity=0.4, point=False).encode(
        x=x, y=yy, color=color, detail="channel_id:N", order="year:O", tooltip=tooltip
    )
    points = base.mark_point(filled=True).encode(
        x=x, y=yy, color=color, tooltip=tooltip,
        size=alt.Size("revenue:Q", title="Revenue", legend=None, scale=alt.Scale(range=[60, 900])),
        opacity=alt.condition("datum.chosen", alt.value(0.95), alt.value(0.3)),
    )  # fmt: skip
    labels = (
        base.transform_filter("datum.chosen")
        .mark_text(dx=12, align="left", fontSize=11)
        .encode(x=x, y=yy, text="channel_id:N", tooltip=tooltip)
    )
    zero = pd.DataFrame({"zero": [0.0], "what": ["no change"]})
    rule_tip = [alt.Tooltip("what:N", title="Line")]
    vline = alt.Chart(zero).mark_rule(color="#888888").encode(x="zero:Q", tooltip=rule_tip)
    hline = alt.Chart(zero).mark_rule(color="#888888").encode(y="zero:Q", tooltip=rule_tip)
    return alt.layer(vline, hline, trail, points, labels).properties(width=560, height=340)


def conflict_overlap(frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str) -> alt.Chart:
    """Discount each channel of a pair gives the customers they share (bars side by side per pair).

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.alignment.conflict_by_channel`: ``pair``, ``channel_id``,
        ``customers``, ``revenue``, ``discount``, ``discount_gap``, ``revenue_at_stake``,
        ``conflict``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order.
    title : str

    Returns
    -------
    alt.Chart
        A note instead of bars when no customer is shared.
    """
    cols = ["pair", "channel_id", "customers", "revenue", "discount", "discount_gap",
            "revenue_at_stake", "conflict"]  # fmt: skip
    _require_columns(frame, cols, "conflict_overlap")
    if frame.empty:
        return _empty_note("No customer bought through two channels in the same quarter.", title)
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(frame[cols], title=title)
        .mark_bar()
        .encode(
            y=alt.Y("pair:N", title="Channels sharing customers"),
            yOffset=alt.YOffset("channel_id:N", sort=ids),
            x=alt.X("discount:Q", title="Discount to the shared customers", axis=alt.Axis(format=".0%")),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            tooltip=[
                alt.Tooltip("pair:N", title="Pair"), alt.Tooltip("channel_id:N", title="Channel"),
                alt.Tooltip("customers:Q", title="Shared customers"),
                alt.Tooltip("revenue:Q", title="Revenue through this channel", format=",.0f"),
                alt.Tooltip("discount:Q", title="Discount", format=".1%"),
                alt.Tooltip("discount_gap:Q", title="Discount gap", format=".1%"),
                alt.Tooltip("revenue_at_stake:Q", title="Revenue at stake", format=",.0f"),
                alt.Tooltip("conflict:N", title="Conflict"),
            ],
        )
        .properties(width=520)
    )  # fmt: skip


def concentration_over_time(frame: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Largest share and HHI of revenue over the quarters, for channels and partners, with the
    dependency threshold as a dashed rule.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.alignment.concentration_history`: ``period``, ``dimension``,
        ``measure``, ``value``, ``largest_id``, ``threshold``.
    title : str

    Returns
    -------
    alt.LayerChart
    """
    cols = ["period", "dimension", "measure", "value", "largest_id", "threshold"]
    _require_columns(frame, cols, "concentration_over_time")
    lines = (
        alt.Chart(frame[cols])
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title="Fiscal quarter", sort="ascending"),
            y=alt.Y("value:Q", title="Share of revenue / HHI", axis=alt.Axis(format=".0%")),
            color=alt.Color("dimension:N", title="Across"),
            strokeDash=alt.StrokeDash("measure:N", title="Measure"),
            tooltip=[
                alt.Tooltip("period:O", title="Quarter"), alt.Tooltip("dimension:N", title="Across"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Value", format=".1%"),
                alt.Tooltip("largest_id:N", title="Largest"),
            ],
        )
    )  # fmt: skip
    threshold = float(frame["threshold"].iloc[0]) if len(frame) else 0.3
    rule = (
        alt.Chart(pd.DataFrame({"threshold": [threshold], "what": ["dependency threshold"]}))
        .mark_rule(strokeDash=[6, 4], color="#c0392b")
        .encode(
            y="threshold:Q",
            tooltip=[alt.Tooltip("what:N", title="Line"),
                     alt.Tooltip("threshold:Q", title="Share", format=".0%")],
        )
    )  # fmt: skip
    return alt.layer(lines, rule, title=title).properties(width=600, height=300)


enable_offline_charts()  # last: it imports this module back for the theme
