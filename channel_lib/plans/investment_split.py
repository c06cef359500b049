"""The plans folder's budget split (``plans/investment.csv``): its one reader and its one writer.

The allocation explorer of notebook ``03_investment_allocation`` (and the workshop's investment
screen) saves the monthly budget split the room chose here, for the company to plan spend with.

The file
--------
``#`` comment lines first (what it is, the quarter and dataset, the budget, metric and limits,
then one line per column), then a CSV with the columns :data:`SPLIT_COLUMNS`, one row per
channel. ``current_spend``, ``recommended_spend`` and ``change`` are amounts in whole minor units
of the dataset's currency (two decimals for USD or EUR, none for JPY:
:attr:`MoneyUnit.minor_decimals <channel_lib.core.money.MoneyUnit>`), exact; the recommended
spends add up to the budget to the minor unit. The writer and the reader take the dataset's
money unit (``money=ds.money``); the exact columns read back are in that unit.

- :func:`write_split` — replace the file with a split, atomically (temporary file + rename) and
  under the file's lock (:func:`channel_lib.core.files.locked`), so two writers (the explorer
  and the workshop, two workshops) follow each other and the file is always one whole split;
- :func:`read_split` — the rows back, with the amounts also in exact units of the dataset's
  money, or ``None`` without a file;
- :func:`investment_path` — where the file is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.files import atomic_write_text, locked
from channel_lib.core.money import MoneyUnit, apportion

__all__ = [
    "INVESTMENT_FILE",
    "SPLIT_COLUMNS",
    "investment_path",
    "read_split",
    "write_split",
]

#: The budget split's file name inside the plans folder.
INVESTMENT_FILE = "investment.csv"
#: Its columns, in order.
SPLIT_COLUMNS: tuple[str, ...] = (
    "channel_id", "current_spend", "recommended_spend", "change", "expected_response",
    "response_low", "response_high", "marginal_return", "at_limit", "note",
)  # fmt: skip
#: The columns :func:`write_split` needs in its ``split`` (``change`` it computes itself).
_INPUT_COLUMNS = tuple(c for c in SPLIT_COLUMNS if c != "change")
#: Amount columns stored exactly, in whole minor units of the currency.
_MONEY_COLUMNS = ("current_spend", "recommended_spend", "change")
#: Response columns: forecasts of money per month, rounded to the minor unit's places.
_RESPONSE_COLUMNS = ("expected_response", "response_low", "response_high")
#: Called with the temporary file's path just before it replaces ``investment.csv`` (tests use it
#: to widen the window between two writers).
_before_replace: Callable[[Path], None] = lambda path: None  # noqa: E731
_BUDGET_LINE = re.compile(r"^# budget=(-?\d+(?:\.\d+)?) (\S*) per month; metric=(\w+); (.*)$")


def investment_path(plans_dir: str | Path) -> Path:
    """The budget-split file of the plans folder ``plans_dir`` (it need not exist).

    Examples
    --------
    >>> investment_path("plans").as_posix()
    'plans/investment.csv'
    """
    return Path(plans_dir) / INVESTMENT_FILE


def _header(
    *, budget_exact: int, quarter: str, dataset: str, money: MoneyUnit, metric: str, limits: str
) -> list[str]:
    """The file's comment lines."""
    budget = money.format_minor(budget_exact)
    return [
        f"# Budget split per month saved by the workbook's allocation explorer ({quarter} spend, {dataset}).",
        f"# budget={budget} {money.currency} per month; metric={metric}; {limits}",
        "# channel_id: channel; current_spend: lever spend per month in the reporting quarter",
        "# recommended_spend: spend per month to plan (sums to the budget to the minor unit); change: recommended - current",
        f"# expected_response, response_low, response_high: expected {metric} per month and its 95% interval (empty: no measurable response)",
        "# marginal_return: response per unit of spend at the recommended spend; at_limit: lower/upper/fixed when a limit binds",
        "# note: why a channel is held or kept; amounts in the dataset currency",
    ]  # fmt: skip


def _minor_exact(amount: float, money: MoneyUnit) -> int:
    """A currency amount rounded to whole minor units (half away from zero), in exact units."""
    return money.round_minor(money.to_exact(amount))


def split_text(
    split: pd.DataFrame,
    *,
    money: MoneyUnit,
    budget: float,
    quarter: str,
    dataset: str,
    metric: str,
    limits: Mapping[str, float],
    currency: str | None = None,
) -> str:
    """The text :func:`write_split` writes (header comments and CSV), without writing it.

    See :func:`write_split` for the parameters.
    """
    missing = [c for c in _INPUT_COLUMNS if c not in split.columns]
    if missing:
        raise ParameterError(
            f"a budget split needs the columns {', '.join(_INPUT_COLUMNS)}; missing "
            f"{', '.join(missing)}"
        )
    if currency is not None and currency.upper() != money.currency.upper():
        raise ParameterError(
            f"currency={currency!r} differs from the money unit's {money.currency!r}: pass the "
            "dataset's unit (money=ds.money) and leave currency out"
        )
    step = money.minor_step
    budget_exact = _minor_exact(budget, money)
    # split in whole minor units: the parts are written with minor_decimals places
    rec = apportion(budget_exact // step, split["recommended_spend"].clip(lower=0).to_numpy())
    rec = [int(r) * step for r in rec]
    current = [_minor_exact(v, money) for v in split["current_spend"]]
    # forecasts, not amounts to plan: rounded to the minor unit's places (as floats, as before)
    responses = {c: split[c].round(money.minor_decimals) for c in _RESPONSE_COLUMNS}
    frame = pd.DataFrame(
        {
            "channel_id": split["channel_id"],
            "current_spend": [money.format_minor(c) for c in current],
            "recommended_spend": [money.format_minor(r) for r in rec],
            "change": [money.format_minor(r - c) for r, c in zip(rec, current, strict=True)],
            **responses,
            "marginal_return": split["marginal_return"].round(4),
            "at_limit": split["at_limit"],
            "note": split["note"],
        }
    )
    lim = ", ".join(f"{k}={limits[k]:g}" for k in ("max_change", "min_share", "max_share"))
    header = _header(budget_exact=budget_exact, quarter=quarter, dataset=dataset,
                     money=money, metric=metric, limits=lim)  # fmt: skip
    return "\n".join(header) + "\n" + frame.to_csv(index=False, lineterminator="\n")


def write_split(
    split: pd.DataFrame,
    plans_dir: str | Path,
    *,
    money: MoneyUnit,
    budget: float,
    quarter: str,
    dataset: str,
    metric: str,
    limits: Mapping[str, float],
    currency: str | None = None,
) -> Path:
    """Replace ``<plans_dir>/investment.csv`` with a monthly budget split.

    Parameters
    ----------
    split : DataFrame
        One row per channel: ``channel_id``, ``current_spend`` and ``recommended_spend``
        (currency per month), ``expected_response``, ``response_low``, ``response_high``
        (per month; NaN for a channel without a measurable response), ``marginal_return``,
        ``at_limit``, ``note`` (e.g. ``AllocationResult.allocation`` of the allocation explorer).
    plans_dir : str or Path
        The plans folder (created if missing).
    money : MoneyUnit
        The dataset's money unit (``ds.money``): amounts are written in whole minor units of
        its currency (:attr:`~channel_lib.core.money.MoneyUnit.minor_decimals` places), which
        the header names.
    budget : float
        The monthly budget (currency), rounded to the minor unit; the recommended spends are
        whole minor units that add up to it exactly (largest remainder,
        :func:`channel_lib.core.money.apportion`). Current spends and responses are rounded to
        the minor unit, half away from zero.
    quarter, dataset, metric : str
        What the header names: the reporting quarter, the dataset folder's name and what the
        curves predict (``revenue`` or ``gross_profit``).
    currency : str, optional
        Only checked against ``money.currency`` (the unit names the currency).
    limits : mapping
        ``max_change``, ``min_share``, ``max_share`` (fractions), written in the header.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ParameterError
        When ``split`` lacks a column, or ``currency`` is not the unit's.

    Notes
    -----
    The write holds the file's lock (a hidden ``.investment.csv.lock`` beside it) and goes to a
    temporary file renamed over the old one: a second writer waits, a killed one leaves the
    previous split.

    Examples
    --------
    >>> import tempfile
    >>> from channel_lib.core.money import MoneyUnit
    >>> split = pd.DataFrame({"channel_id": ["A", "B"], "current_spend": [100.0, 50.0],
    ...     "recommended_spend": [90.004, 59.996], "expected_response": [400.0, float("nan")],
    ...     "response_low": [350.0, float("nan")], "response_high": [450.0, float("nan")],
    ...     "marginal_return": [1.5, float("nan")], "at_limit": ["", "fixed"],
    ...     "note": ["", "kept: no response curve"]})
    >>> folder = tempfile.mkdtemp()
    >>> usd = MoneyUnit("USD", 4)  # exact units: 1/10000 dollar; written: cents
    >>> path = write_split(split, folder, money=usd, budget=150.0, quarter="FY2026-Q3",
    ...                    dataset="sample", metric="revenue",
    ...                    limits={"max_change": 0.3, "min_share": 0.0, "max_share": 1.0})
    >>> read_split(folder, money=usd)[["channel_id", "recommended_spend", "recommended_exact"]]
      channel_id  recommended_spend  recommended_exact
    0          A               90.0             900000
    1          B               60.0             600000
    """
    text = split_text(split, money=money, budget=budget, quarter=quarter, dataset=dataset,
                      metric=metric, limits=limits, currency=currency)  # fmt: skip
    path = investment_path(plans_dir)
    with locked(path):
        atomic_write_text(path, text, before_replace=_before_replace)
    return path


def read_split(plans_dir: str | Path, *, money: MoneyUnit) -> pd.DataFrame | None:
    """The saved budget split, or ``None`` when the plans folder has none.

    Parameters
    ----------
    plans_dir : str or Path
        The plans folder.
    money : MoneyUnit
        The dataset's money unit (``ds.money``): amounts have at most its
        :attr:`~channel_lib.core.money.MoneyUnit.minor_decimals` places (what
        :func:`write_split` writes) and the exact columns come back in its units.

    Returns
    -------
    DataFrame or None
        The columns :data:`SPLIT_COLUMNS` (amounts as floats) plus ``current_exact``,
        ``recommended_exact`` and ``change_exact`` (int64, exact units of ``money``).
        ``attrs``: ``budget_exact`` (units of ``money``), ``currency``, ``metric`` and
        ``limits`` (text) from the header, when it has them.

    Raises
    ------
    ChannelLibError
        When the file lacks a column or an amount is not a number with at most the minor
        unit's places (the message names the file, column, line and value).
    """
    path = investment_path(plans_dir)
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    raw = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    missing = [c for c in SPLIT_COLUMNS if c not in raw.columns]
    if missing:
        raise ChannelLibError(
            f"{path}: the budget split lacks the columns {', '.join(missing)}; save it again "
            "from the allocation explorer"
        )
    out = pd.read_csv(path, comment="#", dtype={"channel_id": "string", "at_limit": "string",
                                                "note": "string"})  # fmt: skip
    lines = text.splitlines()
    # the file line of each data row: after the comment lines and the CSV header
    first = next(i for i, line in enumerate(lines) if not line.startswith("#")) + 2
    for col in _MONEY_COLUMNS:
        exact = [money.parse_minor(v) for v in raw[col]]
        bad = [i for i, c in enumerate(exact) if c is None]
        if bad:
            raise ChannelLibError(
                f"{path}: column {col}, line {first + bad[0]}: {raw[col].iloc[bad[0]]!r} is not "
                f"an amount with at most {money.minor_decimals} decimals (whole minor units of "
                f"{money.currency}); save the split again from the allocation explorer"
            )
        out[col.replace("_spend", "") + "_exact"] = pd.array(exact, dtype="int64")
    for number, line in enumerate(lines, start=1):
        match = _BUDGET_LINE.match(line)
        if match:
            budget_exact = money.parse_minor(match[1])
            if budget_exact is None:
                raise ChannelLibError(
                    f"{path}: line {number}, budget: {match[1]!r} is not an amount with at most "
                    f"{money.minor_decimals} decimals (whole minor units of {money.currency}); "
                    "save the split again from the allocation explorer"
                )
            out.attrs.update(budget_exact=budget_exact, currency=match[2],
                             metric=match[3], limits=match[4])  # fmt: skip
    return out
