"""The plans folder's budget split (``plans/investment.csv``): its one reader and its one writer.

The allocation explorer of notebook ``03_investment_allocation`` (and the workshop's investment
screen) saves the monthly budget split the room chose here, for the company to plan spend with.

The file
--------
``#`` comment lines first (what it is, the quarter and dataset, the budget, metric and limits,
then one line per column), then a CSV with the columns :data:`SPLIT_COLUMNS`, one row per
channel. ``current_spend``, ``recommended_spend`` and ``change`` are amounts with two decimals,
exact; the recommended spends add up to the budget to the cent.

- :func:`write_split` — replace the file with a split, atomically (temporary file + rename);
- :func:`read_split` — the rows back, with the amounts also in exact cents, or ``None`` without a
  file;
- :func:`investment_path` — where the file is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.files import atomic_write_text
from channel_lib.core.money import apportion, format_exact, parse_exact

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
#: Amount columns stored with two exact decimals.
_MONEY_COLUMNS = ("current_spend", "recommended_spend", "change")
_BUDGET_LINE = re.compile(r"^# budget=(-?\d+\.\d\d) (\S*) per month; metric=(\w+); (.*)$")


def investment_path(plans_dir: str | Path) -> Path:
    """The budget-split file of the plans folder ``plans_dir`` (it need not exist).

    Examples
    --------
    >>> investment_path("plans").as_posix()
    'plans/investment.csv'
    """
    return Path(plans_dir) / INVESTMENT_FILE


def _header(
    *, budget_exact: int, quarter: str, dataset: str, currency: str, metric: str, limits: str
) -> list[str]:
    """The file's comment lines."""
    return [
        f"# Budget split per month saved by the workbook's allocation explorer ({quarter} spend, {dataset}).",
        f"# budget={format_exact(budget_exact)} {currency} per month; metric={metric}; {limits}",
        "# channel_id: channel; current_spend: lever spend per month in the reporting quarter",
        "# recommended_spend: spend per month to plan (sums to the budget to the cent); change: recommended - current",
        f"# expected_response, response_low, response_high: expected {metric} per month and its 95% interval (empty: no measurable response)",
        "# marginal_return: response per unit of spend at the recommended spend; at_limit: lower/upper/fixed when a limit binds",
        "# note: why a channel is held or kept; amounts in the dataset currency",
    ]  # fmt: skip


def split_text(
    split: pd.DataFrame,
    *,
    budget: float,
    quarter: str,
    dataset: str,
    currency: str,
    metric: str,
    limits: Mapping[str, float],
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
    budget_exact = round(float(budget) * 100)
    rec = apportion(budget_exact, split["recommended_spend"].clip(lower=0).to_numpy())
    current = [round(float(v) * 100) for v in split["current_spend"]]
    frame = pd.DataFrame(
        {
            "channel_id": split["channel_id"],
            "current_spend": [format_exact(c) for c in current],
            "recommended_spend": [format_exact(int(c)) for c in rec],
            "change": [format_exact(int(r) - c) for r, c in zip(rec, current, strict=True)],
            "expected_response": split["expected_response"].round(2),
            "response_low": split["response_low"].round(2),
            "response_high": split["response_high"].round(2),
            "marginal_return": split["marginal_return"].round(4),
            "at_limit": split["at_limit"],
            "note": split["note"],
        }
    )
    lim = ", ".join(f"{k}={limits[k]:g}" for k in ("max_change", "min_share", "max_share"))
    header = _header(budget_exact=budget_exact, quarter=quarter, dataset=dataset,
                     currency=currency, metric=metric, limits=lim)  # fmt: skip
    return "\n".join(header) + "\n" + frame.to_csv(index=False, lineterminator="\n")


def write_split(
    split: pd.DataFrame,
    plans_dir: str | Path,
    *,
    budget: float,
    quarter: str,
    dataset: str,
    currency: str,
    metric: str,
    limits: Mapping[str, float],
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
    budget : float
        The monthly budget (currency); the recommended spends are rounded to cents that add up
        to it exactly (largest remainder, :func:`channel_lib.core.money.apportion`).
    quarter, dataset, currency, metric : str
        What the header names: the reporting quarter, the dataset folder's name, the currency
        and what the curves predict (``revenue`` or ``gross_profit``).
    limits : mapping
        ``max_change``, ``min_share``, ``max_share`` (fractions), written in the header.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ParameterError
        When ``split`` lacks a column.

    Examples
    --------
    >>> import tempfile
    >>> split = pd.DataFrame({"channel_id": ["A", "B"], "current_spend": [100.0, 50.0],
    ...     "recommended_spend": [90.004, 59.996], "expected_response": [400.0, float("nan")],
    ...     "response_low": [350.0, float("nan")], "response_high": [450.0, float("nan")],
    ...     "marginal_return": [1.5, float("nan")], "at_limit": ["", "fixed"],
    ...     "note": ["", "kept: no response curve"]})
    >>> folder = tempfile.mkdtemp()
    >>> path = write_split(split, folder, budget=150.0, quarter="FY2026-Q3", dataset="sample",
    ...                    currency="USD", metric="revenue",
    ...                    limits={"max_change": 0.3, "min_share": 0.0, "max_share": 1.0})
    >>> read_split(folder)[["channel_id", "recommended_spend", "recommended_exact"]]
      channel_id  recommended_spend  recommended_exact
    0          A               90.0               9000
    1          B               60.0               6000
    """
    text = split_text(split, budget=budget, quarter=quarter, dataset=dataset, currency=currency,
                      metric=metric, limits=limits)  # fmt: skip
    path = investment_path(plans_dir)
    atomic_write_text(path, text)
    return path


def read_split(plans_dir: str | Path) -> pd.DataFrame | None:
    """The saved budget split, or ``None`` when the plans folder has none.

    Returns
    -------
    DataFrame or None
        The columns :data:`SPLIT_COLUMNS` (amounts as floats) plus ``current_exact``,
        ``recommended_exact`` and ``change_exact`` (int64, exact). ``attrs``: ``budget_exact``,
        ``currency``, ``metric`` and ``limits`` (text) from the header, when it has them.

    Raises
    ------
    ChannelLibError
        When the file lacks a column or an amount is not a number with at most two decimals
        (the message names the file, column and row).
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
    for col in _MONEY_COLUMNS:
        cents = [parse_exact(v) for v in raw[col]]
        bad = [i for i, c in enumerate(cents) if c is None]
        if bad:
            raise ChannelLibError(
                f"{path}: column {col}, row {bad[0] + 1}: {raw[col].iloc[bad[0]]!r} is not an "
                "amount with at most two decimals; save the split again"
            )
        out[col.replace("_spend", "") + "_exact"] = pd.array(cents, dtype="int64")
    for line in text.splitlines():
        match = _BUDGET_LINE.match(line)
        if match:
            out.attrs.update(budget_exact=parse_exact(match[1]), currency=match[2],
                             metric=match[3], limits=match[4])  # fmt: skip
    return out
