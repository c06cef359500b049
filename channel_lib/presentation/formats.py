"""Display formats of the report tables: one home for how a column's values are written.

A column's *kind* (money, share, signed change, score, count, date, points) decides its pattern
(:data:`KINDS`, :data:`PATTERNS`); :func:`display_formats` turns a list of columns into the
``formats`` mapping :func:`channel_lib.presentation.html.table` takes. A missing value is written
``–``, never ``nan``; a signed figure that rounds to zero reads ``+0.0`` (:func:`~channel_lib.
presentation.html.plus_zero`) and an unsigned one (money) ``0``, never ``-0``
(:func:`~channel_lib.core.figures.unsigned_zero`). Money columns hold currency amounts (the
analyses convert the exact units with ``ds.money``); a table shows them to whole currency units.

The partner pack (notebook 06) writes the columns of a partner's reports and of the action review
with patterns of their own (:data:`PACK_PATTERNS`: CSAT to two decimals, ``#3`` for a line-card
rank, four significant digits for a measure); ``display_formats(columns, partner_pack=True)`` adds
them. Those patterns are written without the ``+0.0`` rewrite (none of them is a signed change);
a zero still never reads ``-0``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from channel_lib.core.figures import plus_zero, unsigned_zero

__all__ = [
    "CODE_LABELS",
    "KINDS",
    "LABELLED_COLUMNS",
    "MISSING",
    "PACK_PATTERNS",
    "PATTERNS",
    "code_label",
    "dash",
    "display_formats",
    "formatter",
    "missing_as_dash",
]

#: How a missing value is written.
MISSING = "–"

#: Codes of the data contract written for a reader (the rest: underscores become spaces).
CODE_LABELS: dict[str, str] = {
    "mid_market": "mid-market", "smb": "SMB", "msp": "MSP", "mdf": "MDF", "coop": "co-op",
    "revenue_and_profit": "revenue and profit", "csat": "CSAT",
}  # fmt: skip
#: Table columns whose values are codes (roles, segments, triggers): shown as :func:`code_label`.
LABELLED_COLUMNS = frozenset({
    "role", "declared_role", "actual_role", "segment", "segments", "top_segment",
    "declared_segments", "product_line", "top_product_line", "declared_product_lines",
    "customer_focus", "trigger", "signal", "managing_for", "cost_type", "metric", "measure",
    "dimension_name", "goal",
})  # fmt: skip


#: A code in text: lower-case words joined by underscores (or a listed code), not a file name.
_CODE = re.compile(
    r"(?<![\w./])(?:[a-z]+(?:_[a-z0-9]+)+|"
    + "|".join(CODE_LABELS)
    + r")(?![\w.]*\.[a-z]{2,4}\b)(?![\w])"
)


def code_label(value: Any) -> str:
    """Codes in a value (``mid_market``, ``solution_selling``, ``smb``) as a reader reads them,
    from one place (:data:`CODE_LABELS`, else underscores become spaces); file names such as
    ``partner_reports.csv`` are kept.

    Examples
    --------
    >>> code_label("mid_market, enterprise"), code_label("solution_selling"), code_label(None)
    ('mid-market, enterprise', 'solution selling', '–')
    >>> code_label("Segment mix: smb"), code_label("needs partner_reports.csv")
    ('Segment mix: SMB', 'needs partner_reports.csv')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return _CODE.sub(lambda m: CODE_LABELS.get(m[0], m[0].replace("_", " ")), str(value))


#: Pattern of each kind of column.
PATTERNS: dict[str, str] = {
    "money": "{:,.0f}",
    "share": "{:.1%}",
    "change": "{:+.1%}",
    "score": "{:.2f}",
    "points": "{:.0f}",
    "count": "{:,.0f}",
    "date": "{:%Y-%m-%d}",
}

#: Kind of each column the scorecard, signal and partner tables show: money, share (0-1), signed
#: change, score (0-1), count, date, or points (0-100).
KINDS: dict[str, str] = {
    **dict.fromkeys(
        ["revenue", "gross_profit", "revenue_target", "gross_profit_target", "pipeline", "target",
         "actual", "money_at_stake", "revenue_12m", "revenue_at_stake", "amount", "current_12m",
         "not_current_12m"],
        "money",
    ),
    **dict.fromkeys(
        ["gross_margin", "revenue_attainment", "gross_profit_attainment", "share_of_wallet",
         "attainment", "previous_attainment", "channel_share", "value_share", "gross_margin_goal",
         "coverage", "reported_share"],
        "share",
    ),
    **dict.fromkeys(["revenue_vs_last_year", "revenue_vs_same_quarter_last_year", "growth_12m"], "change"),
    **dict.fromkeys(["service", "growth", "alignment", "dependency"], "score"),
    **dict.fromkeys(
        ["active_partners", "deals_registered", "certified_staff", "sales_headcount",
         "quarters_reported", "components", "partners", "partners_current", "partners_reported"],
        "count",
    ),
    **dict.fromkeys(["onboarded_on", "registered_on", "close_date"], "date"),
    "score": "points",
}  # fmt: skip

#: Patterns of the partner pack's report and review columns (they take precedence over
#: :data:`KINDS` with ``partner_pack=True``).
PACK_PATTERNS: dict[str, str] = {
    **dict.fromkeys(["partner_total_sales", "our_revenue", "pipeline_value"], "{:,.0f}"),
    **dict.fromkeys(["sales_headcount", "certified_staff", "key_sales_departures"], "{:,.0f}"),
    "csat": "{:.2f}",
    "first_response_hours": "{:.1f}",
    "line_card_rank": "#{:.0f}",
    **dict.fromkeys(["value", "threshold", "goal", "baseline", "previous", "current", "gap"],
                    "{:,.4g}"),
}  # fmt: skip


def formatter(pattern: str, *, signed_zero_plus: bool = True) -> Callable[[Any], str]:
    """A cell formatter writing a value with ``pattern`` and a missing one as ``–``.

    Parameters
    ----------
    pattern : str
        A ``str.format`` pattern, e.g. ``"{:+.1%}"``.
    signed_zero_plus : bool
        For a signed pattern (a ``+`` in its format spec), write a figure that rounds to a
        negative zero with a plus (``+0.0%``), as :func:`channel_lib.presentation.html.plus_zero`
        does; ``False`` writes it as formatted. An unsigned pattern (money, counts) always writes
        a figure that rounds to zero without a sign (``0``, never ``-0`` nor ``+0``:
        :func:`~channel_lib.core.figures.unsigned_zero`).

    Returns
    -------
    callable
        ``value -> str``.

    Examples
    --------
    >>> f = formatter("{:+.1%}")
    >>> f(-0.0004), f(0.123), f(None), formatter("{:,.0f}")(-0.3), formatter("{:,.0f}")(-0.6)
    ('+0.0%', '+12.3%', '–', '0', '-1')
    """
    signed = "+" in pattern

    def fmt(value: Any) -> str:
        if value is None or pd.isna(value):
            return MISSING
        text = pattern.format(value)
        if not signed:
            return unsigned_zero(text)
        return plus_zero(text) if signed_zero_plus else text

    return fmt


def display_formats(columns: Iterable[str], *, partner_pack: bool = False) -> dict:
    """Cell formatters for :func:`channel_lib.presentation.html.table`: money ``1,234``, shares
    ``12.3%``, changes ``+4.5%``, scores, counts, dates; a missing value shows as ``–``.

    Parameters
    ----------
    columns : iterable of str
        The columns shown; those of unknown kind are left to pandas.
    partner_pack : bool
        Also format the partner pack's report and review columns with :data:`PACK_PATTERNS`
        (taking precedence over their kind; written without the ``+0.0`` rewrite).

    Returns
    -------
    dict of str to callable

    Examples
    --------
    >>> f = display_formats(["revenue", "attainment", "name"])
    >>> f["revenue"](1234.5), f["attainment"](float("nan")), sorted(f)
    ('1,234', '–', ['attainment', 'revenue'])
    >>> f = display_formats(["csat", "revenue", "line_card_rank", "name"], partner_pack=True)
    >>> f["csat"](4.123), f["revenue"](1234.5), f["line_card_rank"](float("nan")), sorted(f)
    ('4.12', '1,234', '–', ['csat', 'line_card_rank', 'revenue'])
    """
    columns = list(columns)
    out = {}
    for c in columns:
        kind = KINDS.get(c)
        if kind is not None:
            out[c] = formatter(PATTERNS[kind])
    if partner_pack:
        for c in columns:
            if c in PACK_PATTERNS:
                out[c] = formatter(PACK_PATTERNS[c], signed_zero_plus=False)
    return out


def dash(value: Any) -> str:
    """A value as text, a missing one as ``–`` (not ``<NA>``).

    Examples
    --------
    >>> dash("P2"), dash(pd.NA), dash(None)
    ('P2', '–', '–')
    """
    return MISSING if value is None or pd.isna(value) else str(value)


#: Columns :func:`missing_as_dash` leaves to their display format.
_NOT_DASHED = ("revenue_at_stake", "amount")


def missing_as_dash(columns: Iterable[str]) -> dict:
    """Formatters writing a missing id, name, region or tier as ``–`` (:func:`dash`), for the
    explorers' tables; put :func:`display_formats` after them so figures keep their format.

    Examples
    --------
    >>> sorted(missing_as_dash(["partner_id", "tier", "amount"]))
    ['partner_id', 'tier']
    """
    return {c: dash for c in columns if c not in _NOT_DASHED}
