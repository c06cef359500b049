"""Filters the explorers share: the ``(all)`` value, dropdown pickers, row filters, choice checks.

- :func:`choice_filter`, :func:`quarter_selector` — the dropdowns (ipywidgets);
- :func:`keep` — the rows of a frame matching the chosen values;
- :func:`check_choice` — a chosen value checked against the dataset's, with an error saying what
  to choose instead;
- :func:`partner_attributes`, :func:`partner_filters`, :func:`partner_filter_controls` — the
  channel / region / tier filters over ``partners.csv`` of the signal and partner explorers.

Region and tier are those of ``partners.csv``. A row that names no partner (a channel-level
signal, a direct customer) has neither, so it is left out as soon as a region or tier is chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from channel_lib.core.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from channel_lib.data.workbook import Workbook

#: Value of a filter that keeps everything.
ALL = "(all)"


def choice_filter(
    description: str, values: Iterable[Any], *, value: Any = ALL, include_all: bool = True
):
    """A dropdown over ``values`` (sorted, de-duplicated, ``None`` dropped), with ``(all)`` first.

    Examples
    --------
    >>> w = choice_filter("Tier", ["Gold", "Silver", "Gold", None])
    >>> list(w.options), w.value
    (['(all)', 'Gold', 'Silver'], '(all)')
    """
    import ipywidgets as w  # deferred: batch runs never create a widget

    options = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    if include_all:
        options = [ALL, *options]
    if value not in options:
        value = options[0] if options else None
    return w.Dropdown(description=description, options=options, value=value)


def quarter_selector(quarters: Sequence[str], value: str):
    """A dropdown of fiscal quarters (oldest first), set to ``value``."""
    import ipywidgets as w  # deferred: batch runs never create a widget

    return w.Dropdown(description="Quarter", options=list(quarters), value=value)


def keep(frame: pd.DataFrame, filters: Mapping[str, Any]) -> pd.DataFrame:
    """Rows of ``frame`` whose columns equal the filter values; ``(all)`` or ``None`` keeps all.

    Filters on columns the frame does not have are ignored (a channel-level frame has no tier).

    Examples
    --------
    >>> f = pd.DataFrame({"channel_id": ["A", "B"], "tier": ["Gold", "Silver"]})
    >>> keep(f, {"channel_id": "B", "tier": ALL, "region": "EU"})["tier"].tolist()
    ['Silver']
    """
    mask = pd.Series(True, index=frame.index)
    for column, value in filters.items():
        if value in (None, ALL) or column not in frame.columns:
            continue
        mask &= frame[column].astype("string") == str(value)
    return frame[mask]


# -- partner filters -------------------------------------------------------------------------------
def check_choice(name: str, value: Any, allowed: list[str], what: str) -> None:
    """Raise :class:`ParameterError` when ``value`` is neither ``(all)`` nor one of ``allowed``."""
    if value in (None, ALL) or str(value) in allowed:
        return
    shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
    raise ParameterError(
        f"{name}={value!r} is not a {what} of this dataset; use {ALL!r} or one of: {shown}"
    )


def partner_attributes(wb: Workbook) -> pd.DataFrame:
    """``partner_id``, ``partner_name``, ``channel_id``, ``region``, ``tier`` (strings) of
    ``partners.csv``; empty when the dataset has none (direct sales only)."""
    # deferred: the signal analysis loads only with the signal and partner explorers' data
    from channel_lib.analysis import signals

    cols = ["partner_id", "partner_name", "channel_id", "region", "tier"]
    return signals.partner_table(wb.dataset)[cols].astype("string")


def choices_of(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in frame[column].dropna()})


def partner_filters(
    wb: Workbook, partners: pd.DataFrame, channel: str, region: str, tier: str
) -> dict[str, str]:
    """The channel / region / tier filters for :func:`keep`, each checked against the
    dataset (``(all)`` or one of its values; :class:`ParameterError` otherwise)."""
    check_choice("channel", channel, wb.channel_ids, "channel")
    check_choice("region", region, choices_of(partners, "region"), "partner region")
    check_choice("tier", tier, choices_of(partners, "tier"), "partner tier")
    return {"channel_id": channel, "region": region, "tier": tier}


def partner_filter_controls(
    wb: Workbook, partners: pd.DataFrame, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The channel, region and tier pickers, starting at ``values``."""
    return {
        "channel": choice_filter("Channel", wb.channel_ids, value=values["channel"]),
        "region": choice_filter("Region", partners["region"], value=values["region"]),
        "tier": choice_filter("Tier", partners["tier"], value=values["tier"]),
    }
