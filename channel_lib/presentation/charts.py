"""Altair chart builders.

Importing this module registers and enables the ``channel_workbook`` theme
(:mod:`channel_lib.presentation.theme`: readable fonts, number formats with thousands separators,
tooltips on) and the offline renderer of
:func:`channel_lib.presentation.offline.enable_offline_charts`, so a chart never loads vega from a
CDN. Each channel keeps one colour in every chart and every report: :func:`channel_color_scale` assigns the palette by the channel's position in
``channels.csv``, so the same dataset always gives the same colours.

Chart builders take tidy (long-form) frames, as the analysis functions return them, and return an
``alt.Chart``; notebooks only display them.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.presentation.offline import enable_offline_charts
from channel_lib.presentation.theme import CHANNEL_PALETTE, LIGHT_COLOURS, NUMBER_FORMAT
from channel_lib.presentation.theme import FONT as FONT  # re-exported: charts.FONT
from channel_lib.presentation.theme import channel_workbook as channel_workbook  # re-exported


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
    (['DIR', 'DIST', 'WEB'], ['#4e79a7', '#f28e2b', '#76b7b2'])
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


def _select(frame: pd.DataFrame, columns: Sequence[str], builder: str) -> pd.DataFrame:
    """A copy of ``frame`` holding only ``columns``, in that order.

    Parameters
    ----------
    frame : DataFrame
        The frame a chart builder was given.
    columns : sequence of str
        The columns the chart draws or shows in its tooltips.
    builder : str
        Name of the chart builder, for the error message.

    Returns
    -------
    DataFrame

    Raises
    ------
    ParameterError
        When ``frame`` lacks one of ``columns`` (all missing ones are named).
    """
    _require_columns(frame, columns, builder)
    return frame[list(columns)].copy()


#: A tooltip field: ``(shorthand, title)`` or ``(shorthand, title, d3 format)``.
_TooltipField = tuple[str, str] | tuple[str, str, str]


def _tooltips(*fields: _TooltipField) -> list[alt.Tooltip]:
    """Tooltips from ``(shorthand, title)`` or ``(shorthand, title, d3 format)`` tuples.

    Parameters
    ----------
    *fields : tuple of str
        One tuple per line of the tooltip, e.g. ``("revenue:Q", "Revenue", ",.0f")``.

    Returns
    -------
    list of alt.Tooltip

    Examples
    --------
    >>> for tip in _tooltips(("channel_id:N", "Channel"), ("share:Q", "Share", ".1%")):
    ...     print(tip.to_dict())
    {'field': 'channel_id', 'title': 'Channel', 'type': 'nominal'}
    {'field': 'share', 'format': '.1%', 'title': 'Share', 'type': 'quantitative'}
    """
    return [
        alt.Tooltip(shorthand, title=title, format=fmt[0] if fmt else alt.Undefined)
        for shorthand, title, *fmt in fields
    ]


def _channel_colour(
    channel_ids: Sequence[str], *, field: str = "channel_id", legend: bool = True
) -> alt.Color:
    """Colour by channel id in the channels' fixed colours (:func:`channel_color_scale`).

    Parameters
    ----------
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order.
    field : str
        Column holding the channel id.
    legend : bool
        A legend titled "Channel"; ``False``: no legend (the channel is named on an axis).

    Returns
    -------
    alt.Color
    """
    scale = channel_color_scale(channel_ids)
    if legend:
        return alt.Color(f"{field}:N", title="Channel", scale=scale)
    return alt.Color(f"{field}:N", scale=scale, legend=None)


def _quarter_axis(field: str = "quarter", title: str = "Fiscal quarter") -> alt.X:
    """An x axis of fiscal period labels (``"FY2026-Q3"``), ordinal, in time order.

    Parameters
    ----------
    field : str
        Column of period labels that sort in time order.
    title : str
        Axis title.

    Returns
    -------
    alt.X
    """
    return alt.X(f"{field}:O", title=title, sort="ascending")


def _threshold_rule(data: pd.DataFrame) -> alt.Chart:
    """A dashed red rule (a threshold or break-even line) over ``data``; the caller encodes it.

    Parameters
    ----------
    data : DataFrame
        One row: the line's value and a ``what`` column saying what it is (for its tooltip).

    Returns
    -------
    alt.Chart
    """
    return alt.Chart(data).mark_rule(strokeDash=[6, 4], color="#c0392b")


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
            color=_channel_colour(ids, field=channel, legend=False),
            tooltip=[
                *_tooltips((f"{channel}:N", "Channel"), (f"{value}:Q", value_title, value_format)),
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


# -- orientation and alignment (notebook 01) ---------------------------------------------------------
def _empty_note(text: str, title: str) -> alt.Chart:
    """A one-mark chart that says there is nothing to draw (with a tooltip, like every mark)."""
    return (
        alt.Chart(pd.DataFrame({"note": [text]}), title=title)
        .mark_text(fontSize=13, align="left", x=5, y=20)
        .encode(text="note:N", tooltip=_tooltips(("note:N", "Note")))
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
        :func:`channel_lib.analysis.alignment.alignment_breakdown`: ``channel_id``, ``channel_name``,
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
    data = _select(breakdown, ["channel_id", "channel_name", "label", "score", "actual_text",
                               "goal_text", "weight", "points_lost", "channel_score"],
                   "alignment_heatmap")  # fmt: skip
    ids = [str(c) for c in channel_ids]
    order = [c for c in ids if c in set(data["channel_id"])]
    labels = list(dict.fromkeys(data["label"]))
    data["measured"] = data["score"].notna()
    y = alt.Y("channel_id:N", title="Channel", sort=order)
    tooltip = _tooltips(
        ("channel_name:N", "Channel"),
        ("label:N", "Dimension"),
        ("actual_text:N", "Actual"),
        ("goal_text:N", "Goal"),
        ("score:Q", "Score", ".0%"),
        ("weight:Q", "Weight", ".1%"),
        ("points_lost:Q", "Points lost", ".1f"),
    )
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
            color=_channel_colour(ids, legend=False),
            tooltip=_tooltips(
                ("channel_name:N", "Channel"),
                ("channel_score:Q", "Alignment score (0-100)", ".0f"),
            ),
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
        :func:`channel_lib.analysis.alignment.quadrant_frame` rows (one year or several stacked):
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
    data = _select(frame, ["year", "channel_id", "channel_name", "revenue", "revenue_growth",
                           "margin_change", "gross_margin", "score", "quadrant"],
                   "growth_margin_quadrant")  # fmt: skip
    if data.empty:
        return _empty_note("No channel has a year before to compare with.", title)
    data["margin_change_pts"] = data["margin_change"] * 100
    data["chosen"] = data["year"] == year
    color = _channel_colour(channel_ids).legend(symbolOpacity=1)
    x = alt.X(
        "revenue_growth:Q", title="Revenue growth vs a year before", axis=alt.Axis(format="+.0%")
    )
    yy = alt.Y("margin_change_pts:Q", title="Gross-margin change (points)")
    tooltip = _tooltips(
        ("channel_name:N", "Channel"), ("year:N", "Fiscal year"), ("revenue:Q", "Revenue", ",.0f"),
        ("revenue_growth:Q", "Revenue growth", "+.1%"),
        ("margin_change_pts:Q", "Margin change (points)", "+.1f"),
        ("gross_margin:Q", "Gross margin", ".1%"), ("score:Q", "Alignment score", ".0f"),
        ("quadrant:N", "Quadrant"),
    )  # fmt: skip
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
    rule_tip = _tooltips(("what:N", "Line"))
    vline = alt.Chart(zero).mark_rule(color="#888888").encode(x="zero:Q", tooltip=rule_tip)
    hline = alt.Chart(zero).mark_rule(color="#888888").encode(y="zero:Q", tooltip=rule_tip)
    return alt.layer(vline, hline, trail, points, labels).properties(width=560, height=340)


def conflict_overlap(frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str) -> alt.Chart:
    """Discount each channel of a pair gives the customers they share (bars side by side per pair).

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.alignment.conflict_by_channel`: ``pair``, ``channel_id``,
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
    data = _select(frame, ["pair", "channel_id", "customers", "revenue", "discount",
                           "discount_gap", "revenue_at_stake", "conflict"],
                   "conflict_overlap")  # fmt: skip
    if data.empty:
        return _empty_note("No customer bought through two channels in the same quarter.", title)
    ids = [str(c) for c in channel_ids]
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("pair:N", title="Channels sharing customers"),
            yOffset=alt.YOffset("channel_id:N", sort=ids),
            x=alt.X("discount:Q", title="Discount to the shared customers", axis=alt.Axis(format=".0%")),
            color=_channel_colour(ids),
            tooltip=_tooltips(
                ("pair:N", "Pair"), ("channel_id:N", "Channel"), ("customers:Q", "Shared customers"),
                ("revenue:Q", "Revenue through this channel", ",.0f"),
                ("discount:Q", "Discount", ".1%"), ("discount_gap:Q", "Discount gap", ".1%"),
                ("revenue_at_stake:Q", "Revenue at stake", ",.0f"), ("conflict:N", "Conflict"),
            ),
        )
        .properties(width=520)
    )  # fmt: skip


def concentration_over_time(frame: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Largest share and HHI of revenue over the quarters, for channels and partners, with the
    dependency threshold as a dashed rule.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.alignment.concentration_history`: ``period``, ``dimension``,
        ``measure``, ``value``, ``largest_id``, ``threshold``.
    title : str

    Returns
    -------
    alt.LayerChart
    """
    cols = ["period", "dimension", "measure", "value", "largest_id", "threshold"]
    data = _select(frame, cols, "concentration_over_time")
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=_quarter_axis("period"),
            y=alt.Y("value:Q", title="Share of revenue / HHI", axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "dimension:N", title="Across",
                scale=alt.Scale(domain=["channels", "partners"], range=["#333333", "#b07aa1"]),
            ),
            strokeDash=alt.StrokeDash("measure:N", title="Measure"),
            tooltip=_tooltips(
                ("period:O", "Quarter"), ("dimension:N", "Across"), ("measure:N", "Measure"),
                ("value:Q", "Value", ".1%"), ("largest_id:N", "Largest"),
            ),
        )
    )  # fmt: skip
    threshold = float(data["threshold"].iloc[0]) if len(data) else 0.3
    rule = _threshold_rule(
        pd.DataFrame({"threshold": [threshold], "what": ["dependency threshold"]})
    ).encode(
        y="threshold:Q", tooltip=_tooltips(("what:N", "Line"), ("threshold:Q", "Share", ".0%"))
    )
    return alt.layer(lines, rule, title=title).properties(width=600, height=300)


# -- performance signals (notebook 05) ----------------------------------------------------------------
def scorecard_lights(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, max_rows: int = 30
) -> alt.HConcatChart | alt.Chart:
    """Scorecard traffic lights: one bar of revenue per channel or partner, coloured by its light,
    beside a strip in the channel's fixed colour.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.scorecard.scorecard` rows (``name``, ``channel_id``, ``revenue``,
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
    data = _select(frame, ["name", "channel_id", "revenue", "revenue_attainment",
                           "gross_profit_attainment", "revenue_vs_last_year", "share_of_wallet",
                           "light", "light_basis"], "scorecard_lights")  # fmt: skip
    if data.empty:
        return _empty_note("Nothing to score in this quarter.", title)
    data = data.head(max_rows).copy()
    data["label"] = (
        data["name"].astype("string").fillna("") + " (" + data["channel_id"].astype("string") + ")"
    )
    order = list(dict.fromkeys(data["label"]))
    y = alt.Y("label:N", title=None, sort=order)
    tooltip = _tooltips(
        ("name:N", "Name"), ("channel_id:N", "Channel"), ("light:N", "Light"),
        ("light_basis:N", "Judged on"), ("revenue:Q", "Revenue", ",.0f"),
        ("revenue_attainment:Q", "Revenue attainment", ".0%"),
        ("gross_profit_attainment:Q", "Gross-profit attainment", ".0%"),
        ("revenue_vs_last_year:Q", "Revenue vs last year", "+.1%"),
        ("share_of_wallet:Q", "Share of wallet", ".0%"),
    )  # fmt: skip
    height = 22 * len(order)
    strip = (
        alt.Chart(data).mark_rect()
        .encode(y=y, color=_channel_colour(channel_ids), tooltip=tooltip)
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
        :data:`channel_lib.analysis.signals.SIGNAL_COLUMNS` rows, ranked (largest revenue at stake first).
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
    data = _select(frame, ["signal", "entity_id", "entity_name", "channel_id", "partner_id",
                           "revenue_at_stake", "evidence", "since"],
                   "signals_by_exposure")  # fmt: skip
    if data.empty:
        return _empty_note("No signal at or above the materiality minimum.", title)
    data = data.head(top).copy()
    data["label"] = data["entity_id"].astype("string") + " · " + data["signal"].astype("string")
    return (
        alt.Chart(data, title=title).mark_bar()
        .encode(
            y=alt.Y("label:N", title="Entity · signal", sort=list(data["label"])),
            x=alt.X("revenue_at_stake:Q", title="Revenue at stake"),
            color=_channel_colour(channel_ids),
            tooltip=_tooltips(
                ("signal:N", "Signal"), ("entity_id:N", "Id"), ("entity_name:N", "Name"),
                ("channel_id:N", "Channel"), ("partner_id:N", "Partner"),
                ("revenue_at_stake:Q", "Revenue at stake", ",.0f"),
                ("evidence:N", "Evidence"), ("since:N", "Since"),
            ),
        )
        .properties(width=520)
    )  # fmt: skip


def portfolio_scatter(frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str) -> alt.Chart:
    """Partner portfolio: growth of our sales (x) against the portfolio score (y), sized by revenue,
    coloured by channel, shaped by the suggested move.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.scorecard.portfolio` rows.
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
    data = _select(frame, ["partner_id", "partner_name", "channel_id", "tier", "revenue_12m",
                           "growth_12m", "score", "service", "growth", "alignment", "dependency",
                           "suggestion"], "portfolio_scatter")  # fmt: skip
    if data.empty:
        return _empty_note("No partner with revenue in the last 12 months.", title)
    data = data.dropna(subset=["score"]).copy()
    data["move"] = data["suggestion"].astype("string").str.split(" ").str[0]
    return (
        alt.Chart(data, title=title).mark_point(filled=True, opacity=0.8)
        .encode(
            x=alt.X("growth_12m:Q", title="Our sales through the partner, last 12 months vs 12 before",
                    axis=alt.Axis(format="+.0%")),
            y=alt.Y("score:Q", title="Portfolio score (0-100)", scale=alt.Scale(domain=[0, 100])),
            size=alt.Size("revenue_12m:Q", title="Revenue, 12 months", scale=alt.Scale(range=[20, 600])),
            color=_channel_colour(channel_ids),
            shape=alt.Shape("move:N", title="Suggested move"),
            tooltip=_tooltips(
                ("partner_name:N", "Partner"), ("partner_id:N", "Id"), ("channel_id:N", "Channel"),
                ("tier:N", "Tier"), ("revenue_12m:Q", "Revenue, 12 months", ",.0f"),
                ("growth_12m:Q", "Growth", "+.1%"), ("score:Q", "Score", ".0f"),
                ("service:Q", "Service (0-1)", ".2f"), ("growth:Q", "Growth (0-1)", ".2f"),
                ("alignment:Q", "Alignment (0-1)", ".2f"),
                ("dependency:Q", "Dependency (0-1)", ".2f"), ("suggestion:N", "Suggested move"),
            ),
        )
        .properties(width=560, height=360)
    )  # fmt: skip


# -- revenue vs profit trends (notebook 04) -------------------------------------------------------------
def _entity_colour(channel_ids: Sequence[str]) -> alt.Color:
    """Colour by ``entity_id``: the channels' fixed colours plus one for the company total
    (``ALL``), appended so that the channels keep theirs.

    Parameters
    ----------
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order.

    Returns
    -------
    alt.Color
    """
    ids = [str(c) for c in channel_ids]
    return _channel_colour([*ids, *(["ALL"] if "ALL" not in ids else [])], field="entity_id")


def _panel_per_entity(
    chart: alt.Chart | alt.LayerChart, *, order: Sequence[str], columns: int, title: str
) -> alt.FacetChart:
    """``chart`` drawn once per ``entity_id`` in small panels, each with its own value axis.

    Parameters
    ----------
    chart : alt.Chart or alt.LayerChart
        One panel's chart (for a layer, with the data given to the layer).
    order : sequence of str
        Entity ids in panel order.
    columns : int
        Panels per row.
    title : str
        Title over all the panels.

    Returns
    -------
    alt.FacetChart
    """
    return (
        chart.properties(width=260, height=160)
        .facet(facet=alt.Facet("entity_id:N", title=None, sort=list(order)), columns=columns,
               title=title)
        .resolve_scale(y="independent")
    )  # fmt: skip


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
        Long form (:func:`channel_lib.analysis.trends.long_quarterly`): ``entity_id``, ``quarter``,
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
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=_quarter_axis(),
            y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format="~s")),
            color=_entity_colour(channel_ids),
            strokeDash=alt.StrokeDash("measure:N", title="Measure"),
            tooltip=_tooltips(
                ("entity_id:N", "Channel"),
                ("quarter:O", "Quarter"),
                ("measure:N", "Measure"),
                ("value:Q", value_title, NUMBER_FORMAT),
                ("gross_margin:Q", "Gross margin", ".1%"),
            ),
        )
    )
    return _panel_per_entity(lines, order=channel_ids, columns=columns, title=title)


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
        Rows of :func:`channel_lib.analysis.trends.decompose` for one ratio measure: ``entity_id``,
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
    frame = _select(decomposition, cols, "margin_band")
    if frame.empty:
        return _empty_note(
            "No series has the 24 months a seasonal decomposition needs (see the list of series "
            "that could not be modelled).",
            title,
        )
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m-%d")
    x = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y"))
    tips = _tooltips(
        ("entity_id:N", "Channel"),
        ("month:T", "Month", "%B %Y"),
        ("quarter:N", "Quarter"),
        ("observed:Q", value_title, ".2%"),
        ("trend:Q", "Trend", ".2%"),
        ("trend_low:Q", "Trend band, low", ".2%"),
        ("trend_high:Q", "Trend band, high", ".2%"),
    )
    color = _entity_colour(channel_ids)
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
    return _panel_per_entity(
        alt.layer(band, line, dots, data=frame), order=["ALL", *channel_ids], columns=columns,
        title=title,
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
        Rows of :func:`channel_lib.analysis.trends.forecast` for one measure: ``entity_id``, ``quarter``,
        ``kind``, ``value``, ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95``.
    title, value_title : str
    channel_ids : sequence of str
    columns : int

    Returns
    -------
    alt.FacetChart
    """
    cols = ["entity_id", "quarter", "kind", "value", "lower_80", "upper_80", "lower_95", "upper_95"]
    data = _select(frame, cols, "forecast_fan")
    if not (data["kind"] == "forecast").any():
        return _empty_note(
            "No series could be forecast (see the list of series not modelled).", title
        )
    # the last actual quarter starts the forecast line, so the fan joins the history
    last = data[data["kind"] == "actual"].groupby("entity_id", sort=False).tail(1).copy()
    last["kind"] = "forecast"
    for c in ("lower_80", "upper_80", "lower_95", "upper_95"):
        last[c] = last["value"]
    has_fc = set(data.loc[data["kind"] == "forecast", "entity_id"])
    data = pd.concat([data, last[last["entity_id"].isin(has_fc)]], ignore_index=True)
    x = _quarter_axis()
    tips = _tooltips(
        ("entity_id:N", "Channel"),
        ("quarter:O", "Quarter"),
        ("kind:N", "Actual or forecast"),
        ("value:Q", value_title, NUMBER_FORMAT),
        ("lower_95:Q", "95% interval, low", NUMBER_FORMAT),
        ("upper_95:Q", "95% interval, high", NUMBER_FORMAT),
        ("lower_80:Q", "80% interval, low", NUMBER_FORMAT),
        ("upper_80:Q", "80% interval, high", NUMBER_FORMAT),
    )
    color = _entity_colour(channel_ids)
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
    return _panel_per_entity(
        alt.layer(wide, narrow, line, data=data), order=["ALL", *channel_ids], columns=columns,
        title=title,
    )  # fmt: skip


def profit_bridge_waterfall(
    bridge: pd.DataFrame | None, *, title: str, value_title: str, note: str = ""
) -> alt.Chart:
    """Waterfall of the profit bridge: base gross profit → components → current gross profit.

    Parameters
    ----------
    bridge : DataFrame or None
        From :func:`channel_lib.analysis.trends.profit_bridge`: ``component``, ``label``, ``amount``,
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
            tooltip=_tooltips(
                ("label:N", "Step"),
                ("amount:Q", value_title, NUMBER_FORMAT),
                ("end:Q", "Running total", NUMBER_FORMAT),
            ),
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
    x = alt.X("spend:Q", title=spend_title, axis=alt.Axis(format="~s"))
    tip = _tooltips(
        ("channel_id:N", "Channel"),
        ("spend:Q", spend_title, ",.0f"),
        ("response:Q", value_title, ",.0f"),
        ("low:Q", "95% low", ",.0f"),
        ("high:Q", "95% high", ",.0f"),
        ("marginal_return:Q", "Return of one more unit", ".2f"),
    )
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
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("split:N", "Spend"), ("spend:Q", spend_title, ",.0f"),
                ("response:Q", value_title, ",.0f"),
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
            x=alt.X("amount:Q", title=spend_title, axis=alt.Axis(format="~s")),
            color=_channel_colour(ids, legend=False),
            opacity=alt.Opacity("split:N", title="Split", sort=["today", "recommended"],
                                scale=alt.Scale(range=[0.45, 1.0])),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("split:N", "Split"), ("amount:Q", spend_title, ",.0f"),
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
            y=alt.Y("spend:Q", title=spend_title, axis=alt.Axis(format="~s"), stack=True),
            color=_channel_colour(channel_ids),
            tooltip=_tooltips(
                ("scenario:N", "Scenario"), ("channel_id:N", "Channel"),
                ("spend:Q", spend_title, ",.0f"), ("budget:Q", "Budget", ",.0f"),
            ),
        )
        .properties(width=300, height=300, title="Split of each budget")
    )  # fmt: skip
    totals = ok.drop_duplicates("scenario")
    tip = _tooltips(
        ("scenario:N", "Scenario"),
        ("budget:Q", "Budget", ",.0f"),
        ("total_response:Q", value_title, ",.0f"),
        ("total_low:Q", "95% low", ",.0f"),
        ("total_high:Q", "95% high", ",.0f"),
        ("marginal_return:Q", "Return of one more unit", ".2f"),
    )
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
        :func:`channel_lib.analysis.targets.waterfall_frame`: ``step``, ``order``, ``kind``
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
    data = _select(frame, ["step", "order", "kind", "channel_id", "start", "end", "amount"],
                   "objective_waterfall")  # fmt: skip
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
    tooltip = _tooltips(
        ("step:N", "Step"), ("amount:Q", "Change", "+,.0f"), ("end:Q", "Running total", ",.0f")
    )
    base = alt.Chart(data).encode(x=x, y=y, y2="end:Q", tooltip=tooltip)
    totals = base.transform_filter("datum.kind == 'total'").mark_bar(color="#7f7f7f")
    steps = (
        base.transform_filter("datum.kind == 'channel'")
        .mark_bar()
        .encode(color=_channel_colour(channel_ids))
    )
    return alt.layer(totals, steps, title=title).properties(width=560, height=320)


def method_comparison(
    frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str, currency: str = ""
) -> alt.Chart:
    """Each channel's annual target under every method, side by side; the chosen method solid.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.targets.allocate_channels` with ``chosen``: ``method``,
        ``channel_id``, ``share``, ``target``, ``chosen``.
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order.
    title : str
    currency : str

    Returns
    -------
    alt.Chart
    """
    data = _select(
        frame, ["method", "channel_id", "share", "target", "chosen"], "method_comparison"
    )
    ids = [str(c) for c in channel_ids]
    methods = list(dict.fromkeys(data["method"].astype(str)))
    data["chosen"] = data["chosen"].astype(bool)
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("channel_id:N", title="Channel", sort=[c for c in ids if c in set(data["channel_id"])]),
            yOffset=alt.YOffset("method:N", sort=methods),
            x=alt.X("target:Q", title=f"Annual revenue target ({currency})".replace(" ()", ""),
                    axis=alt.Axis(format=",.0f")),
            color=_channel_colour(ids),
            opacity=alt.condition("datum.chosen", alt.value(1.0), alt.value(0.4)),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("method:N", "Method"), ("target:Q", "Target", ",.0f"),
                ("share:Q", "Share of the objective", ".1%"), ("chosen:N", "Chosen method"),
            ),
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
    return (
        alt.Chart(_select(frame, cols, "quarterly_phasing"), title=title)
        .mark_bar()
        .encode(
            x=_quarter_axis(),
            y=alt.Y("revenue_target:Q", title=f"Revenue target ({currency})".replace(" ()", ""),
                    axis=alt.Axis(format=",.0f"), stack="zero"),
            color=_channel_colour(channel_ids),
            order=alt.Order("channel_id:N"),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("quarter:O", "Quarter"),
                ("revenue_target:Q", "Target", ",.0f"),
                ("season_share:Q", "Share of the channel's year", ".1%"),
                ("season_source:N", "Seasonality from"),
            ),
        )
        .properties(width=420, height=300)
    )  # fmt: skip


def indicator_model(frame: pd.DataFrame, *, channel_ids: Sequence[str], title: str) -> alt.Chart:
    """Change each leading indicator must make (average quarterly target vs baseline), per
    channel: the channel metrics model at a glance.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.targets.indicator_summary`: ``channel_id``, ``label``, ``baseline``,
        ``target_per_quarter``, ``change``, ``monitored_in``, ``available``.
    channel_ids : sequence of str
    title : str

    Returns
    -------
    alt.Chart
        A note instead of marks when no indicator can be measured.
    """
    data = _select(frame, ["channel_id", "label", "baseline", "target_per_quarter", "change",
                           "monitored_in", "available"], "indicator_model")  # fmt: skip
    data = data[data["available"].astype(bool) & data["change"].notna()]
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
            color=_channel_colour(ids),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("label:N", "Indicator"),
                ("baseline:Q", "Baseline per quarter", ",.1f"),
                ("target_per_quarter:Q", "Target per quarter", ",.1f"),
                ("change:Q", "Change", "+.1%"), ("monitored_in:N", "Monitored in"),
            ),
        )
        .properties(width=480)
    )  # fmt: skip


# -- partner review (notebook 06) -------------------------------------------------------------------
def partner_performance(
    performance: pd.DataFrame,
    *,
    channel_ids: Sequence[str],
    channel_id: str,
    title: str,
    currency: str = "currency",
) -> alt.LayerChart:
    """A partner's revenue by quarter (line in its channel's colour) with its target (ticks).

    Parameters
    ----------
    performance : DataFrame
        :attr:`channel_lib.analysis.partner_review.PartnerPack.performance` (``quarter``, ``revenue``,
        ``revenue_target``, ``revenue_attainment``, ``revenue_vs_last_year``).
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    channel_id : str
        The partner's channel.
    title : str
    currency : str
        For the axis title (``goals.yaml``'s currency, e.g. ``"USD"``).

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
    data = _select(performance, cols, "partner_performance")
    ids = [str(c) for c in channel_ids]
    colours = channel_color_scale(ids).to_dict()["range"] if ids else [CHANNEL_PALETTE[0]]
    colour = colours[ids.index(channel_id)] if channel_id in ids else CHANNEL_PALETTE[0]
    tips = _tooltips(
        ("quarter:O", "Fiscal quarter"), ("revenue:Q", "Revenue", ",.0f"),
        ("revenue_target:Q", "Target", ",.0f"), ("revenue_attainment:Q", "Attainment", ".1%"),
        ("revenue_vs_last_year:Q", "vs last year", "+.1%"),
    )  # fmt: skip
    base = alt.Chart(data, title=title).encode(x=_quarter_axis())
    line = base.mark_line(point=alt.OverlayMarkDef(color=colour), color=colour).encode(
        y=alt.Y("revenue:Q", title=f"Revenue ({currency})", axis=alt.Axis(format=",.0f")),
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
        :attr:`channel_lib.analysis.partner_review.PartnerPack.reports` (``quarter``, ``share_of_wallet``,
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
    data = _select(reports, cols, "partner_position_history")
    sow = data.dropna(subset=["share_of_wallet"])
    rank = data.dropna(subset=["line_card_rank"])
    if sow.empty and rank.empty:
        return _empty_note("The partner sent no report in these quarters.", title)
    tips = _tooltips(
        ("quarter:O", "Fiscal quarter"), ("share_of_wallet:Q", "Share of wallet", ".1%"),
        ("line_card_rank:Q", "Line-card rank", ".0f"),
        ("partner_total_sales:Q", "Partner total sales", ",.0f"), ("our_revenue:Q", "Our revenue", ",.0f"),
    )  # fmt: skip
    x = _quarter_axis()
    charts = []
    if not sow.empty:
        charts.append(
            alt.Chart(sow).mark_line(point=alt.OverlayMarkDef(color="#4e79a7"), color="#4e79a7").encode(
                x=x, y=alt.Y("share_of_wallet:Q", title="Share of wallet", axis=alt.Axis(format=".0%")),
                tooltip=tips,
            ).properties(width=520, height=140)
        )  # fmt: skip
    if not rank.empty:
        charts.append(
            alt.Chart(rank).mark_line(point=alt.OverlayMarkDef(color="#e15759"), color="#e15759").encode(
                x=x, y=alt.Y("line_card_rank:Q", title="Line-card rank (1 = first)",
                             scale=alt.Scale(reverse=True, zero=False),
                             axis=alt.Axis(tickMinStep=1, format="d")),
                tooltip=tips,
            ).properties(width=520, height=140)
        )  # fmt: skip
    return alt.vconcat(*charts, title=title)


enable_offline_charts()  # the theme and the offline renderer, for every notebook that imports charts
