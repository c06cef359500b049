"""The workbook's look: the channel palette, the traffic-light colours, fonts, the d3 number
formats of the charts and the ``channel_workbook`` Altair theme built from them.

This is the one home of every colour and number format the charts share. Nothing is registered
when the module is imported: :func:`register_theme` registers and enables the theme (the offline
renderer's :func:`channel_lib.presentation.offline.enable_offline_charts` calls it, and importing
:mod:`channel_lib.presentation.charts` calls that).
"""

from __future__ import annotations

import altair as alt

#: Fixed categorical palette: Tableau 10 and its Tableau 20 tints without the red, green and
#: yellow of the traffic lights (:data:`LIGHT_COLOURS`), so no channel reads as a status. Channel
#: *n* in ``channels.csv`` order gets colour *n*; more channels than colours cycle through it.
CHANNEL_PALETTE: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#76b7b2", "#b07aa1", "#9c755f",
    "#ff9da7", "#a0cbe8", "#ffbe7d", "#86bcb6", "#d4a6c8",
    "#d37295", "#fabfd2", "#b6992d",
)  # fmt: skip

#: Traffic-light colours of the scorecards (fixed, like the channel colours).
LIGHT_COLOURS: dict[str, str] = {
    "green": "#59a14f", "amber": "#f1ce63", "red": "#e15759", "grey": "#bab0ac",
}  # fmt: skip

FONT = "Segoe UI, Helvetica Neue, Helvetica, Arial, sans-serif"
#: Default d3 number format: thousands separators, at most two decimals, trailing zeros dropped.
NUMBER_FORMAT = ",.2~f"
#: d3 format of money in tooltips and on exact axes: whole units, thousands separators (1,234).
MONEY_FORMAT = ",.0f"
#: d3 format of an amount axis: SI prefixes, trailing zeros dropped (1.2M, 800k).
AMOUNT_AXIS_FORMAT = "~s"
#: d3 format of a fraction shown as a percentage with one decimal (0.123 -> 12.3%).
PERCENT_FORMAT = ".1%"
#: d3 format of a change, signed, as a percentage with one decimal (0.012 -> +1.2%).
CHANGE_FORMAT = "+.1%"

#: Name of the workbook's Altair theme.
THEME_NAME = "channel_workbook"


def channel_workbook() -> alt.theme.ThemeConfig:
    """The workbook's Altair theme: readable fonts, number formats with thousands separators,
    tooltips on, the channel palette as the category range.

    Examples
    --------
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


def register_theme() -> None:
    """Register the ``channel_workbook`` theme and enable it, the first time only.

    Later calls change nothing, so a theme enabled afterwards (the workshop's projector theme)
    stays enabled.

    Examples
    --------
    >>> register_theme()
    >>> import altair as alt
    >>> THEME_NAME in alt.theme.names()
    True
    """
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=True)(channel_workbook)
