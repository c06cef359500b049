"""Figures as people read them: the one rule for a figure that rounds to zero, and amounts in
a sentence in three significant figures (:func:`compact`, :func:`compact_money`: ``37.9M USD``).

The reports (:mod:`channel_lib.presentation.text`) and the evidence the analyses write into the
plans folder (signals, actions) both use it, so a change too small to show reads ``+0.0%``
everywhere, never ``-0.0%`` (:func:`plus_zero`), and an amount too small to show reads ``0``,
never ``-0`` or ``+0`` (:func:`unsigned_zero`).
"""

from __future__ import annotations

import math


def plus_zero(text: str) -> str:
    """A signed figure that rounds to zero written ``+0.0`` rather than ``-0.0``.

    Examples
    --------
    >>> [plus_zero(f"{v:+.1%}") for v in (-0.0004, -0.004, 0.0)]
    ['+0.0%', '-0.4%', '+0.0%']
    >>> plus_zero(f"{-0.0004 * 100:+.1f} pts")
    '+0.0 pts'
    """
    if _negative_zero(text):
        return "+" + text[1:]
    return text


def unsigned_zero(text: str) -> str:
    """An unsigned figure that rounds to zero written ``0`` rather than ``-0``.

    For amounts shown without a sign (money in a table): ``-0.3`` shown to whole units reads
    ``0``, as a reader expects of an amount too small to show; other figures are unchanged.

    Examples
    --------
    >>> [unsigned_zero(f"{v:,.0f}") for v in (-0.3, -0.5, -0.6, 0.0, -1234.5)]
    ['0', '0', '-1', '0', '-1,234']
    >>> unsigned_zero(f"{-0.004:,.2f} USD"), unsigned_zero(f"{-0.0:.1%}")
    ('0.00 USD', '0.0%')
    """
    return text[1:] if _negative_zero(text) else text


def _negative_zero(text: str) -> bool:
    """``text`` is a minus sign then a number whose digits are all zero (``-0``, ``-0.00 USD``)."""
    digits = text[1:].split(" ")[0].rstrip("%")
    rest = digits.replace(".", "").replace(",", "")
    return text.startswith("-") and rest != "" and rest.replace("0", "") == ""


__all__ = ["plus_zero", "unsigned_zero"]


def compact(amount: float | None) -> str:
    """An amount in readable units for sentences and headlines: K / M / B with at least three
    significant figures and a decimal on millions (``301K``, ``1.21M``, ``139.8M``); ``–`` when
    there is none.

    Examples
    --------
    >>> compact(301_333.3), compact(1_208_299.0), compact(-75_862.0), compact(950.0), compact(None)
    ('301K', '1.21M', '-75.9K', '950', '–')
    >>> compact(139_800_000.0), compact(137_020_687.0), compact(-0.3), compact(2_500_000_000.0)
    ('139.8M', '137.0M', '0', '2.50B')
    """
    if amount is None or not math.isfinite(amount):
        return "–"
    a = abs(float(amount))
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(a / size, 2) >= 1:
            v = a / size
            if suffix == "K":
                digits = 0 if v >= 99.95 else 1
            else:  # millions and billions keep a decimal: 139.8M against 137.0M reads apart
                digits = 1 if v >= 9.995 else 2
            return f"{'-' if amount < 0 else ''}{v:,.{digits}f}{suffix}"
    return unsigned_zero(f"{float(amount):,.0f}")


def compact_money(amount: float | None, currency: str) -> str:
    """:func:`compact` with the currency: ``28.9M USD``.

    Examples
    --------
    >>> compact_money(28_912_345.0, "USD"), compact_money(-301_200.0, "USD"), compact_money(950.0, "EUR")
    ('28.9M USD', '-301K USD', '950 EUR')
    """
    return f"{compact(amount)} {currency}"
