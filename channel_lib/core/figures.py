"""Figures as people read them: the one rule for a figure that rounds to zero.

The reports (:mod:`channel_lib.presentation.text`) and the evidence the analyses write into the
plans folder (signals, actions) both use it, so a change too small to show reads ``+0.0%``
everywhere, never ``-0.0%`` (:func:`plus_zero`), and an amount too small to show reads ``0``,
never ``-0`` or ``+0`` (:func:`unsigned_zero`).
"""

from __future__ import annotations


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
