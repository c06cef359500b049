"""The plans folder's signal list, ``signals_<quarter>.csv``: its one writer.

Notebook 05 exports every early-warning signal of the quarter (material or not) for follow-up,
triaged (:func:`channel_lib.analysis.signals.triage`: ``kind`` risk/opportunity, ``severity``
1-4, ``item`` event/structural, ``unusual`` for this partner); this module alone knows the file's
name and layout: the signal columns in order, money in currency units with the places of the
currency's minor unit (two for USD, none for JPY), every exact ``*_exact`` column left out
(``revenue_at_stake_exact``, the ranking's ``priority_exact``), ``unusual`` as ``True``/``False``
or empty (not judged), lines
ended the platform's way. It writes atomically (a temp file in the same folder, then renamed), so
a reader never sees half a file. Nothing in the workbook reads the file back: it is for follow-up
outside it (a spreadsheet, a ticket system).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from channel_lib.core.files import atomic_write_text
from channel_lib.core.money import MoneyUnit

__all__ = ["FILE_PATTERN", "signals_path", "write_signals"]

#: Name of a quarter's signal list in the plans folder.
FILE_PATTERN = "signals_{quarter}.csv"


def signals_path(plans_dir: str | Path, quarter: str) -> Path:
    """Where the signal list of ``quarter`` lives in the plans folder.

    Examples
    --------
    >>> signals_path("plans", "FY2026-Q4").as_posix()
    'plans/signals_FY2026-Q4.csv'
    """
    return Path(plans_dir) / FILE_PATTERN.format(quarter=quarter)


def write_signals(
    signals: pd.DataFrame,
    quarter: str,
    *,
    money: MoneyUnit,
    plans_dir: str | Path = "plans",
    path: str | Path | None = None,
) -> Path:
    """Write the signal list as CSV for follow-up (atomic: a temp file renamed into place).

    Parameters
    ----------
    signals : DataFrame
        :data:`channel_lib.analysis.signals.TRIAGE_COLUMNS` rows (or any frame with
        ``revenue_at_stake_exact``), in the order to write.
    quarter : str
        The reporting quarter (names the default file).
    money : MoneyUnit
        The unit of ``revenue_at_stake_exact`` (``ds.money``): the file's amounts are rounded
        to whole minor units of its currency (half away from zero) and written with
        :attr:`~channel_lib.core.money.MoneyUnit.minor_decimals` places.
    plans_dir : str or Path
        Plans folder; the default file is ``plans_dir/signals_<quarter>.csv``
        (:func:`signals_path`).
    path : str or Path, optional
        Write here instead.

    Returns
    -------
    Path
        The file written (money in minor units; the ``*_exact`` columns left out).

    Examples
    --------
    >>> import tempfile
    >>> from channel_lib.core.money import MoneyUnit
    >>> rows = pd.DataFrame({"signal": ["x", "y"], "revenue_at_stake": [12.5, 0.0049],
    ...                      "revenue_at_stake_exact": [125000, 49], "kind": ["risk", "opportunity"],
    ...                      "unusual": pd.array([True, pd.NA], dtype="boolean"),
    ...                      "priority_exact": [250000, 49]})
    >>> path = write_signals(rows, "FY2026-Q4", money=MoneyUnit("USD", 4),
    ...                      plans_dir=tempfile.mkdtemp())
    >>> path.name, path.read_text().split()
    ('signals_FY2026-Q4.csv', ['signal,revenue_at_stake,kind,unusual', 'x,12.50,risk,True', 'y,0.00,opportunity,'])
    """
    target = Path(path) if path is not None else signals_path(plans_dir, quarter)
    out = signals.drop(columns=[c for c in signals.columns if str(c).endswith("_exact")]).copy()
    out["revenue_at_stake"] = [
        money.format_minor(money.round_minor(int(c))) for c in signals["revenue_at_stake_exact"]
    ]
    return atomic_write_text(target, out.to_csv(index=False, lineterminator=os.linesep))
