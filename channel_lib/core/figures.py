"""Figures as people read them: the one rule for a signed change that rounds to zero.

The reports (:mod:`channel_lib.presentation.text`) and the evidence the analyses write into the
plans folder (signals, actions) both use it, so a change too small to show reads ``+0.0%``
everywhere, never ``-0.0%``.
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
    digits = text[1:].split(" ")[0].rstrip("%")
    if text.startswith("-") and digits.replace(".", "").replace("0", "") == "":
        return "+" + text[1:]
    return text


__all__ = ["plus_zero"]
