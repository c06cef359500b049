"""Charts of the partner review (notebook 06): a partner's revenue against its target and its
position (share of wallet, line-card rank) over the quarters."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.presentation.charts.common import (
    _empty_note,
    _quarter_axis,
    _select,
    _tooltips,
    channel_color_scale,
)
from channel_lib.presentation.theme import (
    CHANGE_FORMAT,
    CHANNEL_PALETTE,
    MONEY_FORMAT,
    PERCENT_FORMAT,
)


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
        ("quarter:O", "Fiscal quarter"), ("revenue:Q", "Revenue", MONEY_FORMAT),
        ("revenue_target:Q", "Target", MONEY_FORMAT),
        ("revenue_attainment:Q", "Attainment", PERCENT_FORMAT),
        ("revenue_vs_last_year:Q", "vs last year", CHANGE_FORMAT),
    )  # fmt: skip
    base = alt.Chart(data, title=title).encode(x=_quarter_axis())
    line = base.mark_line(point=alt.OverlayMarkDef(color=colour), color=colour).encode(
        y=alt.Y("revenue:Q", title=f"Revenue ({currency})", axis=alt.Axis(format=MONEY_FORMAT)),
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
        ("quarter:O", "Fiscal quarter"), ("share_of_wallet:Q", "Share of wallet", PERCENT_FORMAT),
        ("line_card_rank:Q", "Line-card rank", ".0f"),
        ("partner_total_sales:Q", "Partner total sales", MONEY_FORMAT),
        ("our_revenue:Q", "Our revenue", MONEY_FORMAT),
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
