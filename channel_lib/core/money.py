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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    """Split ``total_exact`` into whole cents in proportion to ``weights`` (largest remainder).

    Parameters
    ----------
    total_exact : int
        The amount to split, ≥ 0.
    weights : sequence of float
        Non-negative, finite weights (any scale). All zero: an equal split.

    Returns
    -------
    numpy.ndarray of int64
        Non-negative cents summing exactly to ``total_exact``.

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
    total = int(total_exact)
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


def to_exact(amount: float | Decimal | int, decimals: int = 2) -> int:
    """A currency amount as an integer count of 10^-``decimals``, half away from zero.

    Rounded through the amount's decimal text (a float's shortest repr), so ``0.1 + 0.2`` is
    ``0.3``.

    Examples
    --------
    >>> to_exact(12.345), to_exact(0.1 + 0.2), to_exact(-0.005), to_exact(1.23456, 4)
    (1235, 30, -1, 12346)
    """
    scaled = Decimal(str(amount)).scaleb(decimals)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_exact(exact: int, decimals: int = 2) -> str:
    """An exact integer of 10^-``decimals`` as decimal text with ``decimals`` places.

    Parameters
    ----------
    exact : int
        The amount as a count of 10^-``decimals`` (any sign).
    decimals : int
        Places after the point (0: none, and no point).

    Returns
    -------
    str
        ``"-"`` for a negative amount, the whole currency units, ``"."`` and ``decimals``
        digits; no thousands separator (the form ``targets.csv`` and ``investment.csv`` store).

    Examples
    --------
    >>> format_exact(123456), format_exact(-5), format_exact(0), format_exact(1234, 0)
    ('1234.56', '-0.05', '0.00', '1234')
    >>> format_exact(123456789, 4)
    '12345.6789'
    """
    sign = "-" if exact < 0 else ""
    whole, part = divmod(abs(int(exact)), 10**decimals)
    return f"{sign}{whole}.{part:0{decimals}d}" if decimals else f"{sign}{whole}"


def parse_exact(text: object, decimals: int = 2) -> int | None:
    """Text of an amount with at most ``decimals`` places as an exact integer; else ``None``.

    ``None``, ``NaN``, text that is not a finite number and amounts with more places give
    ``None`` (the caller says what is wrong with the cell).

    Examples
    --------
    >>> parse_exact("1234.56"), parse_exact(" 7 "), parse_exact("1.234"), parse_exact("abc")
    (123456, 700, None, None)
    >>> parse_exact("1.234", 4), parse_exact("inf"), parse_exact("1e400", 4) is None
    (12340, None, False)
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    try:
        number = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    value = number.scaleb(decimals)
    if value != value.to_integral_value():
        return None
    return int(value)


#: Places of the money unit when ``goals.yaml`` does not set ``money_decimals``: 4, what ERPs
#: keep (SQL Server ``money``, SAP amounts) and what a line priced as unit price × quantity ×
#: (1 − discount) needs.
DEFAULT_MONEY_DECIMALS = 2

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
