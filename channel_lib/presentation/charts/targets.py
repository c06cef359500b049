"""Charts of target setting (notebook 02): the objective waterfall, the allocation methods side by
side, the quarterly phasing and the leading-indicator model."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.common import (
    _channel_colour,
    _empty_note,
    _quarter_axis,
    _select,
    _tooltips,
    _with_unit,
)
from channel_lib.presentation.theme import CHANGE_FORMAT, MONEY_FORMAT, PERCENT_FORMAT


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
    y = alt.Y(
        "start:Q",
        title=f"{_with_unit('Revenue', currency)}, axis not from zero",
        scale=alt.Scale(domain=[floor, top], zero=False),
        axis=alt.Axis(format=MONEY_FORMAT),
    )
    tooltip = _tooltips(
        ("step:N", "Step"),
        ("amount:Q", "Change", "+,.0f"),
        ("end:Q", "Running total", MONEY_FORMAT),
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
) -> alt.LayerChart:
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
    alt.LayerChart
        The bars and, at the end of each, its method's name.
    """
    data = _select(
        frame, ["method", "channel_id", "share", "target", "chosen"], "method_comparison"
    )
    ids = [str(c) for c in channel_ids]
    methods = list(dict.fromkeys(data["method"].astype(str)))
    data["chosen"] = data["chosen"].astype(bool)
    y = alt.Y("channel_id:N", title="Channel",
              sort=[c for c in ids if c in set(data["channel_id"])])  # fmt: skip
    offset = alt.YOffset("method:N", sort=methods)
    base = alt.Chart(data).encode(y=y, yOffset=offset)
    bars = base.mark_bar().encode(
        x=alt.X("target:Q", title=_with_unit("Annual revenue target", currency),
                axis=alt.Axis(format=MONEY_FORMAT)),
        color=_channel_colour(ids),
        opacity=alt.condition("datum.chosen", alt.value(1.0), alt.value(0.4)),
        tooltip=_tooltips(
            ("channel_id:N", "Channel"), ("method:N", "Method"),
            ("target:Q", "Target", MONEY_FORMAT),
            ("share:Q", "Share of the objective", PERCENT_FORMAT),
            ("chosen:N", "Chosen method"),
        ),
    )  # fmt: skip
    # every bar names its method at its end: five bars a channel are read without a legend
    names = base.mark_text(align="left", dx=3, fontSize=11, color="#333").encode(
        x="target:Q", text="method:N",
        tooltip=_tooltips(("method:N", "Method"), ("target:Q", "Target", MONEY_FORMAT)),
    )  # fmt: skip
    return alt.layer(bars, names).properties(title=title, width=520, height=alt.Step(14))


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
            y=alt.Y("revenue_target:Q", title=_with_unit("Revenue target", currency),
                    axis=alt.Axis(format=MONEY_FORMAT), stack="zero"),
            color=_channel_colour(channel_ids),
            order=alt.Order("channel_id:N"),
            tooltip=_tooltips(
                ("channel_id:N", "Channel"), ("quarter:O", "Quarter"),
                ("revenue_target:Q", "Target", MONEY_FORMAT),
                ("season_share:Q", "Share of the channel's year", PERCENT_FORMAT),
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
                ("change:Q", "Change", CHANGE_FORMAT), ("monitored_in:N", "Monitored in"),
            ),
        )
        .properties(width=480)
    )  # fmt: skip
