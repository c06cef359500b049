"""Charts of orientation and alignment (notebook 01): the alignment heatmap, the growth-margin
quadrant, channel conflict and revenue concentration."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.common import (
    _channel_colour,
    _empty_note,
    _quarter_axis,
    _select,
    _threshold_rule,
    _tooltips,
)
from channel_lib.presentation.theme import CHANGE_FORMAT, MONEY_FORMAT, PERCENT_FORMAT


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
        ("weight:Q", "Weight", PERCENT_FORMAT),
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
    strip = _channel_score_strip(data, y=y, channel_ids=ids, height=36 * len(order))
    return alt.hconcat(strip, heat, spacing=4, title=title).resolve_scale(color="independent")


def _channel_score_strip(
    data: pd.DataFrame, *, y: alt.Y, channel_ids: Sequence[str], height: int
) -> alt.Chart:
    """The heatmap's left strip: one cell per channel in its fixed colour, its alignment score in
    the tooltip.

    Parameters
    ----------
    data : DataFrame
        The heatmap's rows (``channel_id``, ``channel_name``, ``channel_score``; one channel may
        repeat).
    y : alt.Y
        The heatmap's channel axis (so the strip's rows line up with the heatmap's).
    channel_ids : sequence of str
        Every channel id in ``channels.csv`` order (fixed colours).
    height : int
        Height of the strip in pixels (the heatmap's).

    Returns
    -------
    alt.Chart
    """
    strip_data = data.drop_duplicates("channel_id")[["channel_id", "channel_name", "channel_score"]]
    return (
        alt.Chart(strip_data)
        .mark_rect()
        .encode(
            y=y,
            color=_channel_colour(channel_ids, legend=False),
            tooltip=_tooltips(
                ("channel_name:N", "Channel"),
                ("channel_score:Q", "Alignment score (0-100)", ".0f"),
            ),
        )
        .properties(width=14, height=height)
    )


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
        ("channel_name:N", "Channel"), ("year:N", "Fiscal year"),
        ("revenue:Q", "Revenue", MONEY_FORMAT),
        ("revenue_growth:Q", "Revenue growth", CHANGE_FORMAT),
        ("margin_change_pts:Q", "Margin change (points)", "+.1f"),
        ("gross_margin:Q", "Gross margin", PERCENT_FORMAT), ("score:Q", "Alignment score", ".0f"),
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
                ("revenue:Q", "Revenue through this channel", MONEY_FORMAT),
                ("discount:Q", "Discount", PERCENT_FORMAT),
                ("discount_gap:Q", "Discount gap", PERCENT_FORMAT),
                ("revenue_at_stake:Q", "Revenue at stake", MONEY_FORMAT),
                ("conflict:N", "Conflict"),
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
                ("value:Q", "Value", PERCENT_FORMAT), ("largest_id:N", "Largest"),
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
