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
    heat = (
        (cells + text)
        .encode(y=alt.Y("channel_id:N", title=None, sort=order, axis=None))
        .properties(width=max(60 * len(labels), 320), height=36 * len(order))
    )
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
    color = alt.Color(
        "channel_id:N", title="Channel", scale=channel_color_scale(ids),
        legend=alt.Legend(symbolOpacity=1),
    )  # fmt: skip
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
            color=alt.Color(
                "dimension:N", title="Across",
                scale=alt.Scale(domain=["channels", "partners"], range=["#333333", "#b07aa1"]),
            ),
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


# -- performance signals (notebook 05) ----------------------------------------------------------------
#: Traffic-light colours of the scorecards (fixed, like the channel colours).
LIGHT_COLOURS: dict[str, str] = {
    "green": "#59a14f", "amber": "#f1ce63", "red": "#e15759", "grey": "#bab0ac",
}  # fmt: skip


def _signals_note(text: str, title: str) -> alt.Chart:
    """A one-mark chart saying there is nothing to draw (tooltip included, like every mark)."""
    return (
        alt.Chart(pd.DataFrame({"note": [text]}), title=title)
        .mark_text(fontSize=13, align="left", x=5, y=20)
        .encode(text="note:N", tooltip=[alt.Tooltip("note:N", title="Note")])
        .properties(width=560, height=40)
    )


def scorecard_lights(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, max_rows: int = 30
) -> alt.HConcatChart | alt.Chart:
    """Scorecard traffic lights: one bar of revenue per channel or partner, coloured by its light,
    beside a strip in the channel's fixed colour.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.scorecard.scorecard` rows (``name``, ``channel_id``, ``revenue``,
        ``revenue_attainment``, ``gross_profit_attainment``, ``revenue_vs_last_year``,
        ``share_of_wallet``, ``light``, ``light_basis``), in the order to draw.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    title : str
    max_rows : int
        Rows drawn (the first ones: the scorecard lists reds first).

    Returns
    -------
    alt.HConcatChart

    Examples
    --------
    >>> f = pd.DataFrame({"name": ["Direct"], "channel_id": ["DIR"], "revenue": [10.0],
    ...                   "revenue_attainment": [0.9], "gross_profit_attainment": [1.0],
    ...                   "revenue_vs_last_year": [0.1], "share_of_wallet": [None],
    ...                   "light": ["red"], "light_basis": ["target"]})
    >>> len(scorecard_lights(f, channel_ids=["DIR"], title="Lights").to_dict()["hconcat"])
    2
    """
    cols = ["name", "channel_id", "revenue", "revenue_attainment", "gross_profit_attainment",
            "revenue_vs_last_year", "share_of_wallet", "light", "light_basis"]  # fmt: skip
    _require_columns(frame, cols, "scorecard_lights")
    if frame.empty:
        return _signals_note("Nothing to score in this quarter.", title)
    data = frame[cols].head(max_rows).copy()
    data["label"] = (
        data["name"].astype("string").fillna("") + " (" + data["channel_id"].astype("string") + ")"
    )
    order = list(dict.fromkeys(data["label"]))
    ids = [str(c) for c in channel_ids]
    y = alt.Y("label:N", title=None, sort=order)
    tooltip = [
        alt.Tooltip("name:N", title="Name"), alt.Tooltip("channel_id:N", title="Channel"),
        alt.Tooltip("light:N", title="Light"), alt.Tooltip("light_basis:N", title="Judged on"),
        alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
        alt.Tooltip("revenue_attainment:Q", title="Revenue attainment", format=".0%"),
        alt.Tooltip("gross_profit_attainment:Q", title="Gross-profit attainment", format=".0%"),
        alt.Tooltip("revenue_vs_last_year:Q", title="Revenue vs last year", format="+.1%"),
        alt.Tooltip("share_of_wallet:Q", title="Share of wallet", format=".0%"),
    ]  # fmt: skip
    height = 22 * len(order)
    strip = (
        alt.Chart(data).mark_rect()
        .encode(y=y, color=alt.Color("channel_id:N", scale=channel_color_scale(ids), title="Channel"),
                tooltip=tooltip)
        .properties(width=12, height=height)
    )  # fmt: skip
    bars = (
        alt.Chart(data).mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=order, axis=None),
            x=alt.X("revenue:Q", title="Revenue in the quarter"),
            color=alt.Color("light:N", title="Light",
                            scale=alt.Scale(domain=list(LIGHT_COLOURS), range=list(LIGHT_COLOURS.values()))),
            tooltip=tooltip,
        )
        .properties(width=460, height=height)
    )  # fmt: skip
    return alt.hconcat(strip, bars, spacing=2, title=title).resolve_scale(color="independent")


def signals_by_exposure(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, top: int = 25
) -> alt.Chart:
    """Early-warning signals ranked by revenue at stake, coloured by the entity's channel.

    Parameters
    ----------
    frame : DataFrame
        :data:`channel_lib.signals.SIGNAL_COLUMNS` rows, ranked (largest revenue at stake first).
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    title : str
    top : int
        Rows drawn.

    Returns
    -------
    alt.Chart

    Examples
    --------
    >>> f = pd.DataFrame({"signal": ["lost_customer"], "entity_id": ["C1"], "entity_name": ["A"],
    ...                   "channel_id": ["DIR"], "partner_id": [None], "revenue_at_stake": [5.0],
    ...                   "evidence": ["..."], "since": ["FY2026-Q2"]})
    >>> signals_by_exposure(f, channel_ids=["DIR"], title="Signals").to_dict()["mark"]["type"]
    'bar'
    """
    cols = ["signal", "entity_id", "entity_name", "channel_id", "partner_id", "revenue_at_stake",
            "evidence", "since"]  # fmt: skip
    _require_columns(frame, cols, "signals_by_exposure")
    if frame.empty:
        return _signals_note("No signal at or above the materiality minimum.", title)
    data = frame[cols].head(top).copy()
    data["label"] = data["entity_id"].astype("string") + " · " + data["signal"].astype("string")
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(data, title=title).mark_bar()
        .encode(
            y=alt.Y("label:N", title="Entity · signal", sort=list(data["label"])),
            x=alt.X("revenue_at_stake:Q", title="Revenue at stake"),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            tooltip=[
                alt.Tooltip("signal:N", title="Signal"), alt.Tooltip("entity_id:N", title="Id"),
                alt.Tooltip("entity_name:N", title="Name"),
                alt.Tooltip("channel_id:N", title="Channel"),
                alt.Tooltip("partner_id:N", title="Partner"),
                alt.Tooltip("revenue_at_stake:Q", title="Revenue at stake", format=",.0f"),
                alt.Tooltip("evidence:N", title="Evidence"), alt.Tooltip("since:N", title="Since"),
            ],
        )
        .properties(width=520)
    )  # fmt: skip


def portfolio_scatter(frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str) -> alt.Chart:
    """Partner portfolio: growth of our sales (x) against the portfolio score (y), sized by revenue,
    coloured by channel, shaped by the suggested move.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.scorecard.portfolio` rows.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    title : str

    Returns
    -------
    alt.Chart

    Examples
    --------
    >>> f = pd.DataFrame({"partner_id": ["P1"], "partner_name": ["A"], "channel_id": ["DIR"],
    ...                   "tier": ["gold"], "revenue_12m": [5.0], "growth_12m": [0.1],
    ...                   "score": [60.0], "service": [0.8], "growth": [0.7], "alignment": [0.5],
    ...                   "dependency": [1.0], "suggestion": ["keep"]})
    >>> portfolio_scatter(f, channel_ids=["DIR"], title="Portfolio").to_dict()["mark"]["type"]
    'point'
    """
    cols = ["partner_id", "partner_name", "channel_id", "tier", "revenue_12m", "growth_12m",
            "score", "service", "growth", "alignment", "dependency", "suggestion"]  # fmt: skip
    _require_columns(frame, cols, "portfolio_scatter")
    if frame.empty:
        return _signals_note("No partner with revenue in the last 12 months.", title)
    data = frame[cols].dropna(subset=["score"]).copy()
    data["move"] = data["suggestion"].astype("string").str.split(" ").str[0]
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(data, title=title).mark_point(filled=True, opacity=0.8)
        .encode(
            x=alt.X("growth_12m:Q", title="Our sales through the partner, last 12 months vs 12 before",
                    axis=alt.Axis(format="+.0%")),
            y=alt.Y("score:Q", title="Portfolio score (0-100)", scale=alt.Scale(domain=[0, 100])),
            size=alt.Size("revenue_12m:Q", title="Revenue, 12 months", scale=alt.Scale(range=[20, 600])),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            shape=alt.Shape("move:N", title="Suggested move"),
            tooltip=[
                alt.Tooltip("partner_name:N", title="Partner"), alt.Tooltip("partner_id:N", title="Id"),
                alt.Tooltip("channel_id:N", title="Channel"), alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("revenue_12m:Q", title="Revenue, 12 months", format=",.0f"),
                alt.Tooltip("growth_12m:Q", title="Growth", format="+.1%"),
                alt.Tooltip("score:Q", title="Score", format=".0f"),
                alt.Tooltip("service:Q", title="Service (0-1)", format=".2f"),
                alt.Tooltip("growth:Q", title="Growth (0-1)", format=".2f"),
                alt.Tooltip("alignment:Q", title="Alignment (0-1)", format=".2f"),
                alt.Tooltip("dependency:Q", title="Dependency (0-1)", format=".2f"),
                alt.Tooltip("suggestion:N", title="Suggested move"),
            ],
        )
        .properties(width=560, height=360)
    )  # fmt: skip


enable_offline_charts()  # last: it imports this module back for the theme


# -- revenue vs profit trends (notebook 04) -------------------------------------------------------------
def _trend_colors(channel_ids: Sequence[str]) -> alt.Scale:
    """Channel colours plus one for the company total (``ALL``), appended so channels keep theirs."""
    ids = [str(c) for c in channel_ids]
    return channel_color_scale([*ids, *(["ALL"] if "ALL" not in ids else [])])


def trend_small_multiples(
    frame: pd.DataFrame,
    *,
    title: str,
    value_title: str,
    channel_ids: Sequence[str],
    columns: int = 3,
) -> alt.FacetChart:
    """Quarterly revenue, gross profit and contribution, one small panel per channel.

    Parameters
    ----------
    frame : DataFrame
        Long form (:func:`channel_lib.trends.long_quarterly`): ``entity_id``, ``quarter``,
        ``measure`` (label), ``value``, ``gross_margin``.
    title, value_title : str
        Chart and axis titles (with the currency).
    channel_ids : sequence of str
        All channel ids in ``channels.csv`` order (fixed colours).
    columns : int
        Panels per row.

    Returns
    -------
    alt.FacetChart
        Lines in the channel's colour, the measure told apart by line style; panels share the
        quarter axis and have their own value axis.
    """
    _require_columns(frame, ["entity_id", "quarter", "measure", "value"], "trend_small_multiples")
    if frame.empty:
        return _empty_note("No channel has sales up to the reporting quarter.", title)
    base = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter:O", title="Fiscal quarter", sort="ascending"),
            y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format="~s")),
            color=alt.Color("entity_id:N", title="Channel", scale=_trend_colors(channel_ids)),
            strokeDash=alt.StrokeDash("measure:N", title="Measure"),
            tooltip=[
                alt.Tooltip("entity_id:N", title="Channel"),
                alt.Tooltip("quarter:O", title="Quarter"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title=value_title, format=NUMBER_FORMAT),
                alt.Tooltip("gross_margin:Q", title="Gross margin", format=".1%"),
            ],
        )
        .properties(width=260, height=160)
    )
    return (
        base.facet(facet=alt.Facet("entity_id:N", title=None, sort=list(channel_ids)),
                   columns=columns, title=title)
        .resolve_scale(y="independent")
    )  # fmt: skip


def margin_band(
    decomposition: pd.DataFrame,
    *,
    title: str,
    channel_ids: Sequence[str],
    value_title: str = "Gross margin",
    columns: int = 3,
) -> alt.FacetChart:
    """Monthly margin (points), its STL trend (line) and the trend's confidence band (area).

    Parameters
    ----------
    decomposition : DataFrame
        Rows of :func:`channel_lib.trends.decompose` for one ratio measure: ``entity_id``,
        ``month``, ``quarter``, ``observed``, ``trend``, ``trend_low``, ``trend_high``.
    title, value_title : str
    channel_ids : sequence of str
        All channel ids in ``channels.csv`` order (fixed colours; the total is ``ALL``).
    columns : int

    Returns
    -------
    alt.FacetChart
    """
    cols = ["entity_id", "month", "quarter", "observed", "trend", "trend_low", "trend_high"]
    _require_columns(decomposition, cols, "margin_band")
    if decomposition.empty:
        return _empty_note(
            "No series has the 24 months a seasonal decomposition needs (see the list of series "
            "that could not be modelled).",
            title,
        )
    frame = decomposition[cols].copy()
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m-%d")
    colors = _trend_colors(channel_ids)
    x = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y"))
    tips = [
        alt.Tooltip("entity_id:N", title="Channel"),
        alt.Tooltip("month:T", title="Month", format="%B %Y"),
        alt.Tooltip("quarter:N", title="Quarter"),
        alt.Tooltip("observed:Q", title=value_title, format=".2%"),
        alt.Tooltip("trend:Q", title="Trend", format=".2%"),
        alt.Tooltip("trend_low:Q", title="Trend band, low", format=".2%"),
        alt.Tooltip("trend_high:Q", title="Trend band, high", format=".2%"),
    ]
    color = alt.Color("entity_id:N", title="Channel", scale=colors)
    band = alt.Chart().mark_area(opacity=0.25).encode(
        x=x, y=alt.Y("trend_low:Q", title=value_title, axis=alt.Axis(format=".1%"),
                     scale=alt.Scale(zero=False)),
        y2="trend_high:Q", color=color, tooltip=tips,
    )  # fmt: skip
    line = alt.Chart().mark_line(point=False).encode(x=x, y="trend:Q", color=color, tooltip=tips)
    dots = (
        alt.Chart()
        .mark_circle(size=28, opacity=0.7)
        .encode(x=x, y="observed:Q", color=color, tooltip=tips)
    )
    return (
        alt.layer(band, line, dots, data=frame)
        .properties(width=260, height=160)
        .facet(facet=alt.Facet("entity_id:N", title=None, sort=["ALL", *channel_ids]),
               columns=columns, title=title)
        .resolve_scale(y="independent")
    )  # fmt: skip


def forecast_fan(
    frame: pd.DataFrame,
    *,
    title: str,
    value_title: str,
    channel_ids: Sequence[str],
    columns: int = 3,
) -> alt.FacetChart:
    """Quarterly actuals and forecasts with 80% and 95% prediction intervals (a fan), per entity.

    Parameters
    ----------
    frame : DataFrame
        Rows of :func:`channel_lib.trends.forecast` for one measure: ``entity_id``, ``quarter``,
        ``kind``, ``value``, ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95``.
    title, value_title : str
    channel_ids : sequence of str
    columns : int

    Returns
    -------
    alt.FacetChart
    """
    cols = ["entity_id", "quarter", "kind", "value", "lower_80", "upper_80", "lower_95", "upper_95"]
    _require_columns(frame, cols, "forecast_fan")
    if not (frame["kind"] == "forecast").any():
        return _empty_note(
            "No series could be forecast (see the list of series not modelled).", title
        )
    data = frame[cols].copy()
    # the last actual quarter starts the forecast line, so the fan joins the history
    last = data[data["kind"] == "actual"].groupby("entity_id", sort=False).tail(1).copy()
    last["kind"] = "forecast"
    for c in ("lower_80", "upper_80", "lower_95", "upper_95"):
        last[c] = last["value"]
    has_fc = set(data.loc[data["kind"] == "forecast", "entity_id"])
    data = pd.concat([data, last[last["entity_id"].isin(has_fc)]], ignore_index=True)
    colors = _trend_colors(channel_ids)
    x = alt.X("quarter:O", title="Fiscal quarter", sort="ascending")
    tips = [
        alt.Tooltip("entity_id:N", title="Channel"),
        alt.Tooltip("quarter:O", title="Quarter"),
        alt.Tooltip("kind:N", title="Actual or forecast"),
        alt.Tooltip("value:Q", title=value_title, format=NUMBER_FORMAT),
        alt.Tooltip("lower_95:Q", title="95% interval, low", format=NUMBER_FORMAT),
        alt.Tooltip("upper_95:Q", title="95% interval, high", format=NUMBER_FORMAT),
        alt.Tooltip("lower_80:Q", title="80% interval, low", format=NUMBER_FORMAT),
        alt.Tooltip("upper_80:Q", title="80% interval, high", format=NUMBER_FORMAT),
    ]
    color = alt.Color("entity_id:N", title="Channel", scale=colors)
    fc = alt.datum.kind == "forecast"
    wide = alt.Chart().transform_filter(fc).mark_area(opacity=0.15).encode(
        x=x, y=alt.Y("lower_95:Q", title=value_title, axis=alt.Axis(format="~s")),
        y2="upper_95:Q", color=color, tooltip=tips,
    )  # fmt: skip
    narrow = (
        alt.Chart()
        .transform_filter(fc)
        .mark_area(opacity=0.3)
        .encode(x=x, y="lower_80:Q", y2="upper_80:Q", color=color, tooltip=tips)
    )
    line = alt.Chart().mark_line(point=True).encode(
        x=x, y="value:Q", color=color, tooltip=tips,
        strokeDash=alt.StrokeDash("kind:N", title="Line", sort=["actual", "forecast"]),
    )  # fmt: skip
    return (
        alt.layer(wide, narrow, line, data=data)
        .properties(width=260, height=160)
        .facet(facet=alt.Facet("entity_id:N", title=None, sort=["ALL", *channel_ids]),
               columns=columns, title=title)
        .resolve_scale(y="independent")
    )  # fmt: skip


def profit_bridge_waterfall(
    bridge: pd.DataFrame | None, *, title: str, value_title: str, note: str = ""
) -> alt.Chart:
    """Waterfall of the profit bridge: base gross profit → components → current gross profit.

    Parameters
    ----------
    bridge : DataFrame or None
        From :func:`channel_lib.trends.profit_bridge`: ``component``, ``label``, ``amount``,
        ``start``, ``end`` (running totals), ``base``, ``current``. ``None``: no bridge.
    title, value_title : str
    note : str
        What to say instead when there is no bridge.

    Returns
    -------
    alt.Chart
        One bar per component from its start to its end, green up, red down; the first and last
        bars are the two quarters' gross profit.
    """
    if bridge is None or bridge.empty:
        return _empty_note(note or "No profit bridge for these quarters.", title)
    _require_columns(bridge, ["component", "label", "amount", "start", "end"], "profit_bridge")
    steps = bridge[bridge["component"] != "total"]
    base_q = str(bridge["base"].iloc[0]) if "base" in bridge else "base"
    cur_q = str(bridge["current"].iloc[0]) if "current" in bridge else "current"
    first = float(bridge["start"].iloc[0])
    last = float(bridge["end"].iloc[-1])
    rows = [{"label": f"Gross profit {base_q}", "start": 0.0, "end": first, "amount": first,
             "kind": "level"}]  # fmt: skip
    rows += [
        {"label": r.label, "start": r.start, "end": r.end, "amount": r.amount,
         "kind": "increase" if r.amount >= 0 else "decrease"}
        for r in steps.itertuples()
    ]  # fmt: skip
    rows.append({"label": f"Gross profit {cur_q}", "start": 0.0, "end": last, "amount": last,
                 "kind": "level"})  # fmt: skip
    data = pd.DataFrame(rows)
    data["order"] = range(len(data))
    # the two levels dwarf the steps: cut the axis below the lowest running total, and say so
    totals = pd.concat([data.loc[data["kind"] != "level", ["start", "end"]].stack(),
                        pd.Series([first, last])])  # fmt: skip
    spread = float(totals.max() - totals.min())
    low = float(totals.min()) - max(0.5 * spread, 0.01 * abs(float(totals.max())))
    data.loc[data["kind"] == "level", "start"] = low
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X(
                "label:N",
                title=None,
                sort=alt.EncodingSortField("order"),
                axis=alt.Axis(labelAngle=0, labelLimit=140),
            ),
            y=alt.Y(
                "start:Q",
                title=f"{value_title}, axis cut",
                axis=alt.Axis(format="~s"),
                scale=alt.Scale(zero=False, domainMin=low),
            ),
            y2="end:Q",
            color=alt.Color(
                "kind:N",
                title="Step",
                scale=alt.Scale(
                    domain=["level", "increase", "decrease"],
                    range=["#8c8c8c", "#59a14f", "#e15759"],
                ),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Step"),
                alt.Tooltip("amount:Q", title=value_title, format=NUMBER_FORMAT),
                alt.Tooltip("end:Q", title="Running total", format=NUMBER_FORMAT),
            ],
        )
        .properties(width=620, height=300)
    )


# -- investment allocation (notebook 03) ------------------------------------------------------------
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
        :func:`channel_lib.investment.curve_points`: ``channel_id``, ``spend``, ``response``,
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
    ids = [str(c) for c in channel_ids]
    color = alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids))
    x = alt.X("spend:Q", title=spend_title, axis=alt.Axis(format="~s"))
    tip = [
        alt.Tooltip("channel_id:N", title="Channel"),
        alt.Tooltip("spend:Q", title=spend_title, format=",.0f"),
        alt.Tooltip("response:Q", title=value_title, format=",.0f"),
        alt.Tooltip("low:Q", title="95% low", format=",.0f"),
        alt.Tooltip("high:Q", title="95% high", format=",.0f"),
        alt.Tooltip("marginal_return:Q", title="Return of one more unit", format=".2f"),
    ]
    base = alt.Chart(points)
    band = base.mark_area(opacity=0.15).encode(
        x=x, y="low:Q", y2="high:Q", color=color, tooltip=tip
    )
    line = base.mark_line(point=False).encode(
        x=x, y=alt.Y("response:Q", title=value_title, axis=alt.Axis(format="~s")), color=color,
        tooltip=tip,
    )  # fmt: skip
    dots = (
        alt.Chart(marks)
        .mark_point(filled=True, size=120, stroke="black", strokeWidth=1)
        .encode(
            x=x, y="response:Q", color=color,
            shape=alt.Shape("split:N", title="Spend", scale=alt.Scale(
                domain=["today", "recommended"], range=["circle", "diamond"])),
            tooltip=[
                alt.Tooltip("channel_id:N", title="Channel"), alt.Tooltip("split:N", title="Spend"),
                alt.Tooltip("spend:Q", title=spend_title, format=",.0f"),
                alt.Tooltip("response:Q", title=value_title, format=",.0f"),
                alt.Tooltip("marginal_return:Q", title="Return of one more unit", format=".2f"),
            ],
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
        :func:`channel_lib.investment.curve_table` rows: ``channel_id``, ``marginal_return``,
        ``current_spend``, ``identified``.
    channel_ids : sequence of str
    title, value_title : str
    break_even : float, optional

    Returns
    -------
    alt.LayerChart
    """
    cols = ["channel_id", "marginal_return", "current_spend", "identified"]
    _require_columns(frame, cols, "marginal_return_bars")
    data = frame[cols].copy()
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
        layers.append(
            alt.Chart(rule).mark_rule(strokeDash=[6, 4], color="#c0392b")
            .encode(x="x:Q", tooltip=[alt.Tooltip("what:N", title="Line")])
        )  # fmt: skip
    return alt.layer(*layers).properties(width=520)


def allocation_comparison(
    alloc: pd.DataFrame, *, channel_ids: Sequence[str], title: str, spend_title: str
) -> alt.Chart:
    """Today's and the recommended spend per channel, side by side.

    Parameters
    ----------
    alloc : DataFrame
        :func:`channel_lib.investment.allocate` result: ``channel_id``, ``current_spend``,
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
            x=alt.X("amount:Q", title=spend_title, axis=alt.Axis(format="~s")),
            color=alt.Color("channel_id:N", scale=channel_color_scale(ids), legend=None),
            opacity=alt.Opacity("split:N", title="Split", sort=["today", "recommended"],
                                scale=alt.Scale(range=[0.45, 1.0])),
            tooltip=[
                alt.Tooltip("channel_id:N", title="Channel"), alt.Tooltip("split:N", title="Split"),
                alt.Tooltip("amount:Q", title=spend_title, format=",.0f"),
                alt.Tooltip("at_bound:N", title="At a limit"),
                alt.Tooltip("marginal_return:Q", title="Return of one more unit (recommended)", format=".2f"),
            ],
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
        :func:`channel_lib.investment.budget_scenarios` rows.
    channel_ids : sequence of str
    title, spend_title, value_title : str

    Returns
    -------
    alt.HConcatChart
    """
    cols = ["scenario", "multiplier", "budget", "channel_id", "spend", "total_response",
            "total_low", "total_high", "marginal_return", "feasible"]  # fmt: skip
    _require_columns(scenarios, cols, "budget_scenarios_chart")
    ok = scenarios[scenarios["feasible"]]
    if ok.empty:
        return alt.hconcat(_empty_note("No budget scenario meets the limits.", title))
    ids = [str(c) for c in channel_ids]
    order = list(dict.fromkeys(ok.sort_values("multiplier")["scenario"]))
    bars = (
        alt.Chart(ok[cols])
        .mark_bar()
        .encode(
            x=alt.X("scenario:N", title="Budget scenario", sort=order),
            y=alt.Y("spend:Q", title=spend_title, axis=alt.Axis(format="~s"), stack=True),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("channel_id:N", title="Channel"),
                alt.Tooltip("spend:Q", title=spend_title, format=",.0f"),
                alt.Tooltip("budget:Q", title="Budget", format=",.0f"),
            ],
        )
        .properties(width=300, height=300, title="Split of each budget")
    )  # fmt: skip
    totals = ok.drop_duplicates("scenario")[cols]
    tip = [
        alt.Tooltip("scenario:N", title="Scenario"),
        alt.Tooltip("budget:Q", title="Budget", format=",.0f"),
        alt.Tooltip("total_response:Q", title=value_title, format=",.0f"),
        alt.Tooltip("total_low:Q", title="95% low", format=",.0f"),
        alt.Tooltip("total_high:Q", title="95% high", format=",.0f"),
        alt.Tooltip("marginal_return:Q", title="Return of one more unit", format=".2f"),
    ]
    x = alt.X(
        "budget:Q", title=spend_title, axis=alt.Axis(format="~s"), scale=alt.Scale(zero=False)
    )
    band = alt.Chart(totals).mark_errorband(opacity=0.2).encode(
        x=x, y=alt.Y("total_low:Q", title=value_title, axis=alt.Axis(format="~s")), y2="total_high:Q",
        tooltip=tip,
    )  # fmt: skip
    line = alt.Chart(totals).mark_line(point=True).encode(x=x, y="total_response:Q", tooltip=tip)
    curve = alt.layer(band, line).properties(width=300, height=300, title="Expected response")
    return alt.hconcat(bars, curve, title=title)


# -- target setting (notebook 02) -------------------------------------------------------------------
def objective_waterfall(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, currency: str = ""
) -> alt.LayerChart:
    """From the basis (run rate) to the objective: one floating bar per channel's change.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.targets.waterfall_frame`: ``step``, ``order``, ``kind``
        (``total``/``channel``), ``channel_id``, ``start``, ``end``, ``amount``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    title : str
    currency : str
        Shown in the axis title.

    Returns
    -------
    alt.LayerChart
    """
    cols = ["step", "order", "kind", "channel_id", "start", "end", "amount"]
    _require_columns(frame, cols, "objective_waterfall")
    ids = [str(c) for c in channel_ids]
    data = frame[cols].copy()
    data["channel_id"] = data["channel_id"].astype("object").where(data["channel_id"].notna(), "")
    order = data.sort_values("order")["step"].tolist()
    # the channel steps are small next to the totals: start the axis below the smallest level
    # (the total bars are cut there, and the axis title says so)
    levels = pd.concat([data["start"], data["end"]])[lambda v: v > 0]
    floor = float(levels.min()) * 0.9 if len(levels) else 0.0
    data.loc[data["kind"] == "total", "start"] = floor
    top = float(pd.concat([data["start"], data["end"]]).max()) * 1.01
    x = alt.X("step:N", title=None, sort=order, axis=alt.Axis(labelAngle=-25, labelLimit=220))
    unit = f" ({currency})" if currency else ""
    y = alt.Y(
        "start:Q",
        title=f"Revenue{unit}, axis not from zero",
        scale=alt.Scale(domain=[floor, top], zero=False),
        axis=alt.Axis(format=",.0f"),
    )
    tooltip = [
        alt.Tooltip("step:N", title="Step"),
        alt.Tooltip("amount:Q", title="Change", format="+,.0f"),
        alt.Tooltip("end:Q", title="Running total", format=",.0f"),
    ]
    base = alt.Chart(data).encode(x=x, y=y, y2="end:Q", tooltip=tooltip)
    totals = base.transform_filter("datum.kind == 'total'").mark_bar(color="#7f7f7f")
    steps = (
        base.transform_filter("datum.kind == 'channel'")
        .mark_bar()
        .encode(color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)))
    )
    return alt.layer(totals, steps, title=title).properties(width=560, height=320)


def method_comparison(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, currency: str = ""
) -> alt.Chart:
    """Each channel's annual target under every method, side by side; the chosen method solid.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.targets.allocate_channels` with ``chosen``: ``method``,
        ``channel_id``, ``share``, ``target``, ``chosen``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order.
    title : str
    currency : str

    Returns
    -------
    alt.Chart
    """
    cols = ["method", "channel_id", "share", "target", "chosen"]
    _require_columns(frame, cols, "method_comparison")
    ids = [str(c) for c in channel_ids]
    methods = list(dict.fromkeys(frame["method"].astype(str)))
    data = frame[cols].copy()
    data["chosen"] = data["chosen"].astype(bool)
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("channel_id:N", title="Channel", sort=[c for c in ids if c in set(data["channel_id"])]),
            yOffset=alt.YOffset("method:N", sort=methods),
            x=alt.X("target:Q", title=f"Annual revenue target ({currency})".replace(" ()", ""),
                    axis=alt.Axis(format=",.0f")),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            opacity=alt.condition("datum.chosen", alt.value(1.0), alt.value(0.4)),
            tooltip=[
                alt.Tooltip("channel_id:N", title="Channel"), alt.Tooltip("method:N", title="Method"),
                alt.Tooltip("target:Q", title="Target", format=",.0f"),
                alt.Tooltip("share:Q", title="Share of the objective", format=".1%"),
                alt.Tooltip("chosen:N", title="Chosen method"),
            ],
        )
        .properties(width=520, height=alt.Step(9))
    )  # fmt: skip


def quarterly_phasing(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, currency: str = ""
) -> alt.Chart:
    """Quarterly revenue targets, stacked by channel (phased by each channel's seasonality).

    Parameters
    ----------
    frame : DataFrame
        ``TargetPlan.quarters``: ``channel_id``, ``quarter``, ``revenue_target``,
        ``season_share``, ``season_source``.
    channel_ids : sequence of str
    title : str
    currency : str

    Returns
    -------
    alt.Chart
    """
    cols = ["channel_id", "quarter", "revenue_target", "season_share", "season_source"]
    _require_columns(frame, cols, "quarterly_phasing")
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(frame[cols], title=title)
        .mark_bar()
        .encode(
            x=alt.X("quarter:O", title="Fiscal quarter", sort="ascending"),
            y=alt.Y("revenue_target:Q", title=f"Revenue target ({currency})".replace(" ()", ""),
                    axis=alt.Axis(format=",.0f"), stack="zero"),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            order=alt.Order("channel_id:N"),
            tooltip=[
                alt.Tooltip("channel_id:N", title="Channel"), alt.Tooltip("quarter:O", title="Quarter"),
                alt.Tooltip("revenue_target:Q", title="Target", format=",.0f"),
                alt.Tooltip("season_share:Q", title="Share of the channel's year", format=".1%"),
                alt.Tooltip("season_source:N", title="Seasonality from"),
            ],
        )
        .properties(width=420, height=300)
    )  # fmt: skip


def indicator_model(frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str) -> alt.Chart:
    """Change each leading indicator must make (average quarterly target vs baseline), per
    channel: the channel metrics model at a glance.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.targets.indicator_summary`: ``channel_id``, ``label``, ``baseline``,
        ``target_per_quarter``, ``change``, ``monitored_in``, ``available``.
    channel_ids : sequence of str
    title : str

    Returns
    -------
    alt.Chart
        A note instead of marks when no indicator can be measured.
    """
    cols = ["channel_id", "label", "baseline", "target_per_quarter", "change", "monitored_in",
            "available"]  # fmt: skip
    _require_columns(frame, cols, "indicator_model")
    data = frame[frame["available"].astype(bool) & frame["change"].notna()][cols]
    if data.empty:
        return _empty_note("No leading indicator can be measured on this data.", title)
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(data, title=title)
        .mark_bar(height=10)
        .encode(
            y=alt.Y("label:N", title="Leading indicator"),
            yOffset=alt.YOffset("channel_id:N", sort=ids),
            x=alt.X("change:Q", title="Target vs the last four quarters (average per quarter)",
                    axis=alt.Axis(format="+.0%")),
            color=alt.Color("channel_id:N", title="Channel", scale=channel_color_scale(ids)),
            tooltip=[
                alt.Tooltip("channel_id:N", title="Channel"), alt.Tooltip("label:N", title="Indicator"),
                alt.Tooltip("baseline:Q", title="Baseline per quarter", format=",.1f"),
                alt.Tooltip("target_per_quarter:Q", title="Target per quarter", format=",.1f"),
                alt.Tooltip("change:Q", title="Change", format="+.1%"),
                alt.Tooltip("monitored_in:N", title="Monitored in"),
            ],
        )
        .properties(width=480)
    )  # fmt: skip


# -- partner review (notebook 06) -------------------------------------------------------------------
def partner_performance(
    performance: pd.DataFrame, *, channel_ids: Sequence[str], channel_id: str, title: str
) -> alt.LayerChart:
    """A partner's revenue by quarter (line in its channel's colour) with its target (ticks).

    Parameters
    ----------
    performance : DataFrame
        :attr:`channel_lib.partner_review.PartnerPack.performance` (``quarter``, ``revenue``,
        ``revenue_target``, ``revenue_attainment``, ``revenue_vs_last_year``).
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    channel_id : str
        The partner's channel.
    title : str

    Returns
    -------
    alt.LayerChart

    Examples
    --------
    >>> f = pd.DataFrame({"quarter": ["FY2026-Q1", "FY2026-Q2"], "revenue": [10.0, 12.0],
    ...                   "revenue_target": [None, 11.0], "revenue_attainment": [None, 1.09],
    ...                   "revenue_vs_last_year": [None, 0.1]})
    >>> len(partner_performance(f, channel_ids=["DIR"], channel_id="DIR", title="t").to_dict()["layer"])
    2
    """
    cols = ["quarter", "revenue", "revenue_target", "revenue_attainment", "revenue_vs_last_year"]
    _require_columns(performance, cols, "partner_performance")
    ids = [str(c) for c in channel_ids]
    colours = channel_color_scale(ids).to_dict()["range"] if ids else [CHANNEL_PALETTE[0]]
    colour = colours[ids.index(channel_id)] if channel_id in ids else CHANNEL_PALETTE[0]
    tips = [
        alt.Tooltip("quarter:O", title="Fiscal quarter"),
        alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
        alt.Tooltip("revenue_target:Q", title="Target", format=",.0f"),
        alt.Tooltip("revenue_attainment:Q", title="Attainment", format=".1%"),
        alt.Tooltip("revenue_vs_last_year:Q", title="vs last year", format="+.1%"),
    ]
    base = alt.Chart(performance[cols], title=title).encode(
        x=alt.X("quarter:O", title="Fiscal quarter", sort="ascending")
    )
    line = base.mark_line(point=True, color=colour).encode(
        y=alt.Y("revenue:Q", title="Revenue (currency)", axis=alt.Axis(format=",.0f")),
        tooltip=tips,
    )
    target = base.transform_filter("isValid(datum.revenue_target)").mark_tick(
        color="#333333", thickness=2, size=24
    ).encode(y="revenue_target:Q", tooltip=tips)  # fmt: skip
    return alt.layer(line, target).properties(width=520, height=220)


def partner_position_history(reports: pd.DataFrame, *, title: str) -> alt.VConcatChart | alt.Chart:
    """Share of wallet and line-card rank over the quarters the partner reported.

    Parameters
    ----------
    reports : DataFrame
        :attr:`channel_lib.partner_review.PartnerPack.reports` (``quarter``, ``share_of_wallet``,
        ``line_card_rank``, ``partner_total_sales``, ``our_revenue``).
    title : str

    Returns
    -------
    alt.VConcatChart, or a note when the partner reported nothing.

    Examples
    --------
    >>> f = pd.DataFrame({"quarter": ["FY2026-Q1", "FY2026-Q2"], "share_of_wallet": [0.2, 0.25],
    ...                   "line_card_rank": [2.0, 3.0], "partner_total_sales": [100.0, 120.0],
    ...                   "our_revenue": [20.0, 30.0]})
    >>> len(partner_position_history(f, title="t").to_dict()["vconcat"])
    2
    """
    cols = ["quarter", "share_of_wallet", "line_card_rank", "partner_total_sales", "our_revenue"]
    _require_columns(reports, cols, "partner_position_history")
    data = reports[cols]
    sow = data.dropna(subset=["share_of_wallet"])
    rank = data.dropna(subset=["line_card_rank"])
    if sow.empty and rank.empty:
        return _empty_note("The partner sent no report in these quarters.", title)
    tips = [
        alt.Tooltip("quarter:O", title="Fiscal quarter"),
        alt.Tooltip("share_of_wallet:Q", title="Share of wallet", format=".1%"),
        alt.Tooltip("line_card_rank:Q", title="Line-card rank", format=".0f"),
        alt.Tooltip("partner_total_sales:Q", title="Partner total sales", format=",.0f"),
        alt.Tooltip("our_revenue:Q", title="Our revenue", format=",.0f"),
    ]
    x = alt.X("quarter:O", title="Fiscal quarter", sort="ascending")
    charts = []
    if not sow.empty:
        charts.append(
            alt.Chart(sow).mark_line(point=True, color="#4e79a7").encode(
                x=x, y=alt.Y("share_of_wallet:Q", title="Share of wallet", axis=alt.Axis(format=".0%")),
                tooltip=tips,
            ).properties(width=520, height=140)
        )  # fmt: skip
    if not rank.empty:
        charts.append(
            alt.Chart(rank).mark_line(point=True, color="#e15759").encode(
                x=x, y=alt.Y("line_card_rank:Q", title="Line-card rank (1 = first)",
                             scale=alt.Scale(reverse=True, zero=False),
                             axis=alt.Axis(tickMinStep=1, format="d")),
                tooltip=tips,
            ).properties(width=520, height=140)
        )  # fmt: skip
    return alt.vconcat(*charts, title=title)
