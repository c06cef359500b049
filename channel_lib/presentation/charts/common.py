"""What every chart builder shares: the channel colour scale, the frame checks, tooltips, the
quarter axis, the threshold rule and the "nothing to draw" note.

Colours and number formats themselves live in :mod:`channel_lib.presentation.theme`.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.presentation.theme import CHANNEL_PALETTE


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


def _empty_note(text: str, title: str) -> alt.Chart:
    """A one-mark chart that says there is nothing to draw (with a tooltip, like every mark)."""
    return (
        alt.Chart(pd.DataFrame({"note": [text]}), title=title)
        .mark_text(fontSize=13, align="left", x=5, y=20)
        .encode(text="note:N", tooltip=_tooltips(("note:N", "Note")))
        .properties(width=560, height=40)
    )


def _with_unit(title: str, unit: str) -> str:
    """An axis title with its unit in brackets, or the title alone when there is no unit.

    Parameters
    ----------
    title : str
        The axis title in the reader's words.
    unit : str
        E.g. the dataset's currency (``"USD"``); ``""``: none.

    Returns
    -------
    str

    Examples
    --------
    >>> _with_unit("Revenue target", "USD"), _with_unit("Revenue target", "")
    ('Revenue target (USD)', 'Revenue target')
    """
    return f"{title} ({unit})" if unit else title
