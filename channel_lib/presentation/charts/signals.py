"""Charts of performance signals (notebook 05): scorecard traffic lights, signals by revenue at
stake, the triaged short list (risks and opportunities) and the partner portfolio."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.common import (
    _channel_colour,
    _empty_note,
    _select,
    _tooltips,
)
from channel_lib.presentation.theme import CHANGE_FORMAT, LIGHT_COLOURS, MONEY_FORMAT


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
        ("light_basis:N", "Judged on"), ("revenue:Q", "Revenue", MONEY_FORMAT),
        ("revenue_attainment:Q", "Revenue attainment", ".0%"),
        ("gross_profit_attainment:Q", "Gross-profit attainment", ".0%"),
        ("revenue_vs_last_year:Q", "Revenue vs last year", CHANGE_FORMAT),
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
                ("revenue_at_stake:Q", "Revenue at stake", MONEY_FORMAT),
                ("evidence:N", "Evidence"), ("since:N", "Since"),
            ),
        )
        .properties(width=520)
    )  # fmt: skip


#: Colour of a risk and of an opportunity in the short list (the traffic lights' red and green).
KIND_COLOURS: dict[str, str] = {"risk": LIGHT_COLOURS["red"], "opportunity": LIGHT_COLOURS["green"]}


def signals_triaged(frame: pd.DataFrame, *, title: str) -> alt.Chart:
    """The short list: one bar of revenue at stake per signal in its order (severity × exposure),
    red for a risk and green for an opportunity, the severity in the label.

    Parameters
    ----------
    frame : DataFrame
        :func:`channel_lib.analysis.signals.triage` rows in the order to draw (the short list's
        ``rows``): ``signal``, ``entity_id``, ``entity_name``, ``channel_id``, ``kind``,
        ``severity_label``, ``unusual``, ``revenue_at_stake``, ``evidence``.
    title : str

    Returns
    -------
    alt.Chart

    Examples
    --------
    >>> f = pd.DataFrame({"signal": ["lost_customer"], "entity_id": ["C1"], "entity_name": ["A"],
    ...                   "channel_id": ["DIR"], "kind": ["risk"], "severity_label": ["high"],
    ...                   "unusual": [None], "revenue_at_stake": [5.0], "evidence": ["..."]})
    >>> signals_triaged(f, title="Short list").to_dict()["mark"]["type"]
    'bar'
    """
    data = _select(frame, ["signal", "entity_id", "entity_name", "channel_id", "kind",
                           "severity_label", "unusual", "revenue_at_stake", "evidence"],
                   "signals_triaged")  # fmt: skip
    if data.empty:
        return _empty_note("No event at or above the materiality minimum.", title)
    data["unusual"] = data["unusual"].astype("object").map(
        {True: "yes", False: "no"}).fillna("not judged")  # fmt: skip
    data["label"] = (data["entity_id"].astype("string") + " · " + data["signal"].astype("string")
                     + " (" + data["severity_label"].astype("string") + ")")  # fmt: skip
    kinds = list(KIND_COLOURS)
    return (
        alt.Chart(data, title=title).mark_bar()
        .encode(
            y=alt.Y("label:N", title="Entity · signal (severity)", sort=list(data["label"])),
            x=alt.X("revenue_at_stake:Q", title="Revenue at stake, trailing 12 months"),
            color=alt.Color("kind:N", title="Kind", scale=alt.Scale(
                domain=kinds, range=[KIND_COLOURS[k] for k in kinds])),
            tooltip=_tooltips(
                ("signal:N", "Signal"), ("kind:N", "Kind"), ("severity_label:N", "Severity"),
                ("entity_id:N", "Id"), ("entity_name:N", "Name"), ("channel_id:N", "Channel"),
                ("revenue_at_stake:Q", "Revenue at stake", MONEY_FORMAT),
                ("unusual:N", "Unusual for this partner"), ("evidence:N", "Evidence"),
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
                ("tier:N", "Tier"), ("revenue_12m:Q", "Revenue, 12 months", MONEY_FORMAT),
                ("growth_12m:Q", "Growth", CHANGE_FORMAT), ("score:Q", "Score", ".0f"),
                ("service:Q", "Service (0-1)", ".2f"), ("growth:Q", "Growth (0-1)", ".2f"),
                ("alignment:Q", "Alignment (0-1)", ".2f"),
                ("dependency:Q", "Dependency (0-1)", ".2f"), ("suggestion:N", "Suggested move"),
            ),
        )
        .properties(width=560, height=360)
    )  # fmt: skip
