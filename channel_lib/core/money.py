"""Exact money: the dataset's money unit, the one largest-remainder rounding, amounts as text.

The workbook holds every amount as an integer count of the dataset's money unit, 10^-d of the
currency, d being ``money_decimals`` of ``goals.yaml`` (:class:`MoneyUnit`; columns named
``*_exact``). Every amount the workbook splits (targets over channels, partners and quarters;
the profit bridge's components) is rounded here, so parts always sum to their whole exactly:

- :class:`MoneyUnit` — the unit: exact integers to currency amounts and back, and the written
  form of money the workbook produces (whole minor units of the currency: cents for USD);
- :func:`apportion` — split an integer total in proportion to float weights (Hamilton's method);
- :func:`largest_remainder` — round exact fractions that sum to an integer total;
- :func:`to_exact` and :func:`format_exact` — a currency amount to an exact integer and back to
  text with a fixed number of decimals; :func:`parse_exact` reads that text back exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np

from channel_lib.core.errors import ParameterError

__all__ = [
    "DEFAULT_MONEY_DECIMALS",
    "MINOR_DECIMALS",
    "MoneyUnit",
    "apportion",
    "format_exact",
    "largest_remainder",
    "parse_exact",
    "to_exact",
]

#: Weights are scaled to integers of this size before apportioning (a float carries 53 bits).
_SCALE = 2**53


def apportion(total_exact: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split the integer ``total_exact`` in proportion to ``weights`` (largest remainder).

    Parameters
    ----------
    total_exact : int
        The amount to split, ≥ 0, as a count of whatever unit the parts are wanted in (the
        dataset's money unit, or whole minor units of the currency for money the workbook
        writes: pass ``total // unit.minor_step`` and multiply the parts back).
    weights : sequence of float
        Non-negative, finite weights (any scale). All zero: an equal split.

    Returns
    -------
    numpy.ndarray of int64
        Non-negative integers (of the same unit) summing exactly to ``total_exact``.

    Raises
    ------
    ParameterError
        For a negative total, negative or non-finite weights, or no weights with a positive total.

    Notes
    -----
    Hamilton's largest-remainder method: each share gets the floor of its quota
    ``total × wᵢ / Σw`` and the units left over go one each to the largest remainders (ties: the
    larger weight, then the earlier position). The weights are first scaled to integers of 53
    bits (the precision of the floats they came in), so quotas and remainders are exact integer
    arithmetic. Like every quota method it can move a unit against the trend of a weight (the
    Alabama paradox): a share that falls by less than a unit may keep its unit.
    Balinski, M. L. and Young, H. P. (2001), *Fair Representation*, ch. 2.

    Examples
    --------
    >>> apportion(1000, [1, 1, 1]).tolist()
    [334, 333, 333]
    >>> apportion(10, [0.5, 0.25, 0.25]).tolist()
    [5, 3, 2]
    """
    total = int(total_exact)
    w = [float(x) for x in np.asarray(weights, dtype="float64").ravel()]
    if total < 0:
        raise ParameterError(f"cannot apportion a negative amount ({total} units)")
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
        The exact parts (any sign), e.g. a profit bridge's components in the money unit.
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


def _check_decimals(decimals: int) -> int:
    """``decimals`` as an int ≥ 0, else a :class:`ParameterError` saying what to pass."""
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)) or decimals < 0:
        raise ParameterError(
            f"decimals={decimals!r}: the places of a money unit are a whole number ≥ 0 "
            "(money_decimals of goals.yaml, 0-6)"
        )
    return int(decimals)


def _scaled(number: Decimal, decimals: int) -> tuple[int, int]:
    """A finite decimal × 10^``decimals`` as the exact fraction ``(numerator, denominator)``.

    Integer arithmetic on the decimal's digits, so no context precision (28 digits by
    default) rounds a long amount.
    """
    sign, digits, exponent = number.as_tuple()
    mantissa = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    shift = int(exponent) + decimals
    if shift >= 0:
        return mantissa * 10**shift, 1
    return mantissa, 10**-shift


#: Amounts are refused beyond this many decimal digits before the point (no money is that large,
#: and an exponent like ``1e999999999`` would otherwise make a number of a billion digits).
_MAX_DIGITS = 40


def _finite_decimal(value: object) -> Decimal | None:
    """``value``'s decimal text as a finite :class:`~decimal.Decimal` of sane size, or ``None``."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or (number and number.adjusted() >= _MAX_DIGITS):
        return None
    return number


def to_exact(amount: float | Decimal | int, decimals: int) -> int:
    """A currency amount as an integer count of 10^-``decimals``, half away from zero.

    Rounded through the amount's decimal text (a float's shortest repr), so ``0.1 + 0.2`` is
    ``0.3``; the arithmetic is on integers, exact for any length of amount.

    Parameters
    ----------
    amount : float, Decimal or int
        In currency units.
    decimals : int
        Places of the unit (≥ 0): 2 gives cents, 4 ten-thousandths.

    Returns
    -------
    int
        ``amount × 10^decimals`` rounded half away from zero.

    Raises
    ------
    ParameterError
        For a negative ``decimals``, or an amount that is not a finite number.

    Examples
    --------
    >>> to_exact(12.345, 2), to_exact(0.1 + 0.2, 2), to_exact(-0.005, 2), to_exact(1.23456, 4)
    (1235, 30, -1, 12346)
    >>> to_exact(1234.5, 0), to_exact(Decimal("12345678901234567890123.45678"), 4)
    (1235, 123456789012345678901234568)
    """
    decimals = _check_decimals(decimals)
    number = _finite_decimal(amount)
    if number is None:
        raise ParameterError(f"{amount!r} is not a finite amount of money; pass a number")
    num, den = _scaled(number, decimals)
    whole, rest = divmod(abs(num), den)
    if 2 * rest >= den:
        whole += 1
    return -whole if num < 0 else whole


def format_exact(exact: int, decimals: int) -> str:
    """An exact integer of 10^-``decimals`` as decimal text with ``decimals`` places.

    Parameters
    ----------
    exact : int
        The amount as a count of 10^-``decimals`` (any sign, any size).
    decimals : int
        Places after the point (0: none, and no point).

    Returns
    -------
    str
        ``"-"`` for a negative amount, the whole currency units, ``"."`` and ``decimals``
        digits; no thousands separator (the form ``targets.csv`` and ``investment.csv`` store).

    Raises
    ------
    ParameterError
        For a negative ``decimals``.

    Examples
    --------
    >>> format_exact(123456, 2), format_exact(-5, 2), format_exact(0, 2), format_exact(1234, 0)
    ('1234.56', '-0.05', '0.00', '1234')
    >>> format_exact(123456789, 4), format_exact(-1, 6)
    ('12345.6789', '-0.000001')
    """
    decimals = _check_decimals(decimals)
    sign = "-" if exact < 0 else ""
    whole, part = divmod(abs(int(exact)), 10**decimals)
    return f"{sign}{whole}.{part:0{decimals}d}" if decimals else f"{sign}{whole}"


def parse_exact(text: object, decimals: int) -> int | None:
    """Text of an amount with at most ``decimals`` places as an exact integer; else ``None``.

    ``None``, ``NaN``, text that is not a finite number, amounts of 10^40 or more and amounts
    with more places give ``None`` (the caller says what is wrong with the cell). Exact for any
    number of digits (integer arithmetic, no decimal context rounding).

    Raises
    ------
    ParameterError
        For a negative ``decimals``.

    Examples
    --------
    >>> parse_exact("1234.56", 2), parse_exact(" 7 ", 2), parse_exact("1.234", 2), parse_exact("abc", 2)
    (123456, 700, None, None)
    >>> parse_exact("1.234", 4), parse_exact("inf", 4), parse_exact("1e30", 4) == 10**34
    (12340, None, True)
    >>> parse_exact("1.50", 1), parse_exact("12", 0), parse_exact("0.5", 0)
    (15, 12, None)
    """
    decimals = _check_decimals(decimals)
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    number = _finite_decimal(text)
    if number is None:
        return None
    num, den = _scaled(number, decimals)
    whole, rest = divmod(num, den)
    return None if rest else whole


#: Places of the money unit when ``goals.yaml`` does not set ``money_decimals``: 4, what ERPs
#: keep (SQL Server ``money``, SAP amounts) and what a line priced as unit price × quantity ×
#: (1 − discount) needs.
DEFAULT_MONEY_DECIMALS = 4

#: ISO 4217 currencies whose minor unit is not a hundredth (cents): the places of their written
#: amounts. Every other code has two.
MINOR_DECIMALS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
         "VND", "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}  # fmt: skip


@dataclass(frozen=True)
class MoneyUnit:
    """The dataset's money unit: how its amounts are held exactly, and how money is written.

    Every exact amount of the workbook (columns named ``*_exact``) is an integer count of
    10^-:attr:`decimals` of :attr:`currency`. Money the workbook *writes* (targets, budget
    splits) is whole minor units of the currency (:attr:`minor_decimals`: cents for USD or EUR,
    none for JPY), that is a multiple of :attr:`minor_step` exact units.

    Parameters
    ----------
    currency : str
        ISO 4217 code from ``goals.yaml``.
    decimals : int
        Places the source's amounts have at most (``money_decimals`` of ``goals.yaml``, 0–6).

    Examples
    --------
    >>> usd = MoneyUnit("USD", 4)
    >>> usd.scale, usd.minor_decimals, usd.minor_step, usd.amount(1234567)
    (10000, 2, 100, 123.4567)
    >>> usd.to_exact(0.0049), usd.format(1234567), usd.format_minor(1234500)
    (49, '123.4567', '123.45')
    >>> MoneyUnit("JPY", 4).format_minor(12340000), MoneyUnit("USD", 0).minor_decimals
    ('1234', 0)
    """

    currency: str = "USD"
    decimals: int = DEFAULT_MONEY_DECIMALS

    @property
    def scale(self) -> int:
        """Exact units per currency unit: 10^:attr:`decimals`."""
        return 10**self.decimals

    @property
    def minor_decimals(self) -> int:
        """Places of written money: the currency's minor unit, at most :attr:`decimals`."""
        return min(MINOR_DECIMALS.get(self.currency.upper(), 2), self.decimals)

    @property
    def minor_step(self) -> int:
        """Exact units per minor unit of the currency (100 for USD at 4 decimals)."""
        return 10 ** (self.decimals - self.minor_decimals)

    def amount(self, exact):
        """Exact units as currency amounts (float; works on scalars, arrays and Series)."""
        return exact / self.scale

    def to_exact(self, amount: float | Decimal | int) -> int:
        """A currency amount as exact units, half away from zero (see :func:`to_exact`)."""
        return to_exact(amount, self.decimals)

    def format(self, exact: int) -> str:
        """Exact units as text with :attr:`decimals` places (see :func:`format_exact`)."""
        return format_exact(exact, self.decimals)

    def parse(self, text: object) -> int | None:
        """Text with at most :attr:`decimals` places as exact units (see :func:`parse_exact`)."""
        return parse_exact(text, self.decimals)

    def __post_init__(self) -> None:
        _check_decimals(self.decimals)

    def places_shown(self, exact: Iterable[int]) -> int:
        """The fewest places that write every amount of ``exact`` with all its digits.

        At least :attr:`minor_decimals` (a USD total reads ``1,234.50``, not ``1,234.5``), at most
        :attr:`decimals`: sums of a source written with cents show cents even at 4 places.

        Examples
        --------
        >>> usd = MoneyUnit("USD", 4)
        >>> usd.places_shown([12345000, 100]), usd.places_shown([12345678]), usd.places_shown([])
        (2, 4, 2)
        """
        places = self.minor_decimals
        for value in exact:
            while places < self.decimals and int(value) % 10 ** (self.decimals - places):
                places += 1
        return places

    def format_grouped(self, exact: int, places: int | None = None) -> str:
        """Exact units as text for reading: thousands separators and ``places`` decimals
        (default :attr:`decimals`), never rounded.

        Raises
        ------
        ParameterError
            When ``places`` would drop a digit that is not zero.

        Examples
        --------
        >>> usd = MoneyUnit("USD", 4)
        >>> usd.format_grouped(-12345678901), usd.format_grouped(12345000, 2)
        ('-1,234,567.8901', '1,234.50')
        """
        places = self.decimals if places is None else places
        drop = 10 ** (self.decimals - places)
        if places > self.decimals or int(exact) % drop:
            raise ParameterError(f"{self.format(exact)} cannot be written with {places} places")
        return f"{Decimal(format_exact(int(exact) // drop, places)):,}"

    def round_minor(self, exact: int) -> int:
        """Exact units rounded to whole minor units (half away from zero), still in exact units.

        For money the workbook writes from a computed amount (a signal's revenue at stake):
        ``unit.format_minor(unit.round_minor(x))``.

        Examples
        --------
        >>> usd = MoneyUnit("USD", 4)
        >>> usd.round_minor(12349), usd.round_minor(12350), usd.round_minor(-12350)
        (12300, 12400, -12400)
        >>> MoneyUnit("JPY", 4).round_minor(12345000)
        12350000
        """
        step = self.minor_step
        whole, rest = divmod(abs(int(exact)), step)
        if 2 * rest >= step:
            whole += 1
        return (-whole if exact < 0 else whole) * step

    def format_minor(self, exact: int) -> str:
        """Exact units that are whole minor units as text with :attr:`minor_decimals` places.

        Raises
        ------
        ParameterError
            When ``exact`` is not a whole number of minor units (the writer rounds first).
        """
        whole, rest = divmod(int(exact), self.minor_step)
        if rest:
            raise ParameterError(
                f"{self.format(exact)} {self.currency} is not a whole number of minor units "
                f"({self.minor_decimals} decimals); round it before writing it"
            )
        return format_exact(whole, self.minor_decimals)

    def parse_minor(self, text: object) -> int | None:
        """Text with at most :attr:`minor_decimals` places as exact units; else ``None``."""
        minor = parse_exact(text, self.minor_decimals)
        return None if minor is None else minor * self.minor_step
