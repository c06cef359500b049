"""Charts of revenue vs profit trends (notebook 04): small multiples per channel, the margin
trend band, the forecast fan and the profit bridge."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.common import (
    _channel_colour,
    _empty_note,
    _quarter_axis,
    _require_columns,
    _select,
    _tooltips,
)
from channel_lib.presentation.theme import (
    AMOUNT_AXIS_FORMAT,
    LIGHT_COLOURS,
    NUMBER_FORMAT,
    PERCENT_FORMAT,
)


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
    chart: alt.Chart | alt.LayerChart,
    *,
    order: Sequence[str],
    columns: int,
    title: str,
    shared_y: bool = False,
) -> alt.FacetChart:
    """``chart`` drawn once per ``entity_id`` in small panels, each with its own value axis (or
    one axis for all with ``shared_y``: margins, where a narrow axis makes noise look a trend).

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
    shared_y : bool
        One value axis for every panel instead of one each.

    Returns
    -------
    alt.FacetChart
    """
    return (
        chart.properties(width=260, height=160)
        .facet(facet=alt.Facet("entity_id:N", title=None, sort=list(order)), columns=columns,
               title=title)
        .resolve_scale(y="shared" if shared_y else "independent")
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
            y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT)),
            color=_entity_colour(channel_ids),
            strokeDash=alt.StrokeDash("measure:N", title="Measure"),
            tooltip=_tooltips(
                ("entity_id:N", "Channel"),
                ("quarter:O", "Quarter"),
                ("measure:N", "Measure"),
                ("value:Q", value_title, NUMBER_FORMAT),
                ("gross_margin:Q", "Gross margin", PERCENT_FORMAT),
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
    """Monthly margin (points), its STL trend (line) and the trend's confidence band (area),
    every panel on one shared margin axis (a channel whose margin moves 0.4 points does not look
    like one that moves 7).

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

    Examples
    --------
    >>> d = pd.DataFrame({"entity_id": ["ALL", "A"], "month": pd.to_datetime(["2026-01-01"] * 2),
    ...     "quarter": ["FY2026-Q3"] * 2, "observed": [0.4, 0.6], "trend": [0.4, 0.6],
    ...     "trend_low": [0.39, 0.59], "trend_high": [0.41, 0.61]})
    >>> margin_band(d, title="t", channel_ids=["A"]).to_dict()["resolve"]["scale"]["y"]
    'shared'
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
        x=x, y=alt.Y("trend_low:Q", title=value_title, axis=alt.Axis(format=PERCENT_FORMAT),
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
        title=title, shared_y=True,
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
        x=x, y=alt.Y("lower_95:Q", title=value_title, axis=alt.Axis(format=AMOUNT_AXIS_FORMAT)),
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
                axis=alt.Axis(format=AMOUNT_AXIS_FORMAT),
                scale=alt.Scale(zero=False, domainMin=low),
            ),
            y2="end:Q",
            color=alt.Color(
                "kind:N",
                title="Step",
                scale=alt.Scale(
                    domain=["level", "increase", "decrease"],
                    range=["#8c8c8c", LIGHT_COLOURS["green"], LIGHT_COLOURS["red"]],
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
