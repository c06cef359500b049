"""Money in whole cents: the one largest-remainder rounding, and cents to and from text.

Every amount the workbook splits (targets over channels, partners and quarters; the profit
bridge's components) is rounded here, so parts always sum to their whole to the cent:

- :func:`apportion` — split an integer total in proportion to float weights (Hamilton's method);
- :func:`largest_remainder` — round exact fractions that sum to an integer total;
- :func:`to_cents` and :func:`format_cents` — a currency amount to whole cents and back to the
  two-decimal text the plans folder stores; :func:`parse_cents` reads that text back exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

import numpy as np

from channel_lib.core.errors import ParameterError

__all__ = ["apportion", "format_cents", "largest_remainder", "parse_cents", "to_cents"]

#: Weights are scaled to integers of this size before apportioning (a float carries 53 bits).
_SCALE = 2**53


def apportion(total_cents: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split ``total_cents`` into whole cents in proportion to ``weights`` (largest remainder).

    Parameters
    ----------
    total_cents : int
        The amount to split, ≥ 0.
    weights : sequence of float
        Non-negative, finite weights (any scale). All zero: an equal split.

    Returns
    -------
    numpy.ndarray of int64
        Non-negative cents summing exactly to ``total_cents``.

    Raises
    ------
    ParameterError
        For a negative total, negative or non-finite weights, or no weights with a positive total.

    Notes
    -----
    Hamilton's largest-remainder method: each share gets the floor of its quota
    ``total × wᵢ / Σw`` and the cents left over go one each to the largest remainders (ties: the
    larger weight, then the earlier position). The weights are first scaled to integers of 53
    bits (the precision of the floats they came in), so quotas and remainders are exact integer
    arithmetic. Like every quota method it can move a cent against the trend of a weight (the
    Alabama paradox): a share that falls by less than a cent may keep its cent.
    Balinski, M. L. and Young, H. P. (2001), *Fair Representation*, ch. 2.

    Examples
    --------
    >>> apportion(1000, [1, 1, 1]).tolist()
    [334, 333, 333]
    >>> apportion(10, [0.5, 0.25, 0.25]).tolist()
    [5, 3, 2]
    """
    total = int(total_cents)
    w = [float(x) for x in np.asarray(weights, dtype="float64").ravel()]
    if total < 0:
        raise ParameterError(f"cannot apportion a negative amount ({total} cents)")
    if any(not math.isfinite(x) or x < 0 for x in w):
        raise ParameterError(f"apportionment weights must be finite and ≥ 0, got {w}")
    if not w:
        if total:
            raise ParameterError("cannot apportion a positive amount over no shares")
        return np.zeros(0, dtype="int64")
    top = max(w)
    # integer weights (53 bits of precision, the float's own): exact integer arithmetic below
    iw = [round(x / top * _SCALE) for x in w] if top > 0 else [1] * len(w)
    if sum(iw) == 0:
        iw = [1] * len(w)
    s = sum(iw)
    floors, rems = zip(*(divmod(total * x, s) for x in iw), strict=True)
    out = list(floors)
    left = total - sum(out)
    order = sorted(range(len(w)), key=lambda i: (-rems[i], -iw[i], i))
    for i in order[:left]:
        out[i] += 1
    return np.asarray(out, dtype="int64")


def largest_remainder(exact: list[Fraction], total: int) -> list[int]:
    """Round ``exact`` (summing to the integer ``total``) to integers that sum to ``total``.

    Parameters
    ----------
    exact : list of Fraction
        The exact parts (any sign), e.g. a profit bridge's components in cents.
    total : int
        Their sum.

    Returns
    -------
    list of int
        Each part's floor, plus one for the ``total − Σ floors`` parts with the largest
        fractional remainders (ties: the earlier position).

    Examples
    --------
    >>> largest_remainder([Fraction(5, 2), Fraction(5, 2), Fraction(-1)], 4)
    [3, 2, -1]
    """
    floors = [v.numerator // v.denominator for v in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def to_cents(amount: float | Decimal | int) -> int:
    """A currency amount as whole cents, half away from zero (through its decimal text).

    Examples
    --------
    >>> to_cents(12.345), to_cents(0.1 + 0.2), to_cents(-0.005)
    (1235, 30, -1)
    """
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_cents(cents: int) -> str:
    """Whole cents as a decimal amount with two decimals, exactly (no float rounding).

    Parameters
    ----------
    cents : int
        Amount in cents (any sign).

    Returns
    -------
    str
        ``"-"`` for a negative amount, the whole currency units, ``"."`` and two digits of
        cents; no thousands separator (the form ``targets.csv`` and ``investment.csv`` store).

    Examples
    --------
    >>> format_cents(123456), format_cents(-5), format_cents(0)
    ('1234.56', '-0.05', '0.00')
    """
    sign = "-" if cents < 0 else ""
    c = abs(int(cents))
    return f"{sign}{c // 100}.{c % 100:02d}"


def parse_cents(text: object) -> int | None:
    """Text of an amount with at most two decimals as whole cents, exactly; else ``None``.

    ``None``, ``NaN``, text that is not a number and amounts with a third decimal give ``None``
    (the caller says what is wrong with the cell).

    Examples
    --------
    >>> parse_cents("1234.56"), parse_cents(" 7 "), parse_cents("1.234"), parse_cents("abc")
    (123456, 700, None, None)
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    try:
        value = Decimal(str(text).strip()) * 100
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)
