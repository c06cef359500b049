"""The plans folder's targets (``plans/targets.csv``): its one reader and its one writer.

Target setting (notebook ``02_target_setting``) writes the chosen channel and partner targets
here; attainment, the overview and the partner review read them back, preferring them to the
dataset's official ``targets.csv`` for the quarters the file has rows for.

The file
--------
A CSV with the columns :data:`TARGET_COLUMNS` — ``quarter`` (``FY2026-Q3``), ``channel_id``,
``partner_id`` (empty = the channel's own target), ``metric`` (``revenue`` or ``gross_profit``),
``target`` (an amount ≥ 0 in whole minor units of the dataset's currency: two decimals for USD
or EUR, none for JPY — :attr:`MoneyUnit.minor_decimals <channel_lib.core.money.MoneyUnit>`,
exact) — sorted by quarter, channel, partner and metric. In memory the targets are
``target_exact``: integers of the dataset's money unit (``ds.money``), like every ``*_exact``
column; the reader and the writer take that unit (``money=ds.money``).

- :func:`read_targets` — the validated rows (``target_exact`` as int64), or ``None`` without a file;
- :func:`write_targets` — replace or add whole quarters atomically, never replacing a plan silently
  (:class:`PlanExistsError`);
- :func:`targets_path` and :func:`targets_stamp` — where the file is, and what identifies its
  current content (for a cache key).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from channel_lib.core.errors import ChannelLibError, DataValidationError, ParameterError, Problem
from channel_lib.core.files import atomic_write_text
from channel_lib.core.money import MoneyUnit

__all__ = [
    "TARGETS_FILE",
    "TARGET_COLUMNS",
    "PlanExistsError",
    "read_targets",
    "targets_path",
    "targets_stamp",
    "write_targets",
]

#: The targets file's name inside the plans folder.
TARGETS_FILE = "targets.csv"
#: Its columns, in order.
TARGET_COLUMNS: tuple[str, ...] = ("quarter", "channel_id", "partner_id", "metric", "target")
_KEYS = ["quarter", "channel_id", "partner_id", "metric"]
_QUARTER_LABEL = re.compile(r"FY\d{4}-Q[1-4]")


class PlanExistsError(ChannelLibError, FileExistsError):
    """The plans folder already holds targets for the periods being written (pass
    ``overwrite=True`` to replace them)."""


def targets_path(plans_dir: str | Path) -> Path:
    """The targets file of the plans folder ``plans_dir`` (it need not exist).

    Examples
    --------
    >>> targets_path("plans").as_posix()
    'plans/targets.csv'
    """
    return Path(plans_dir) / TARGETS_FILE


def targets_stamp(plans_dir: str | Path | None) -> tuple:
    """What identifies the targets file's current content: ``(path, size, mtime_ns)``.

    ``()`` when ``plans_dir`` is ``None`` or has no targets file; a cache keyed on it computes
    afresh after the file is written.

    Examples
    --------
    >>> targets_stamp(None), targets_stamp("/nonexistent/plans")
    ((), ())
    """
    if plans_dir is None:
        return ()
    path = targets_path(plans_dir)
    if not path.exists():
        return ()
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def read_targets(plans_dir: str | Path, *, money: MoneyUnit) -> pd.DataFrame | None:
    """Targets written to the plans folder (``plans_dir/targets.csv``), validated.

    Parameters
    ----------
    plans_dir : str or Path
        The plans folder.
    money : MoneyUnit
        The dataset's money unit (``ds.money``): the file's amounts have at most its
        :attr:`~channel_lib.core.money.MoneyUnit.minor_decimals` places (what
        :func:`write_targets` writes) and come back as exact units of it.

    Returns
    -------
    DataFrame or None
        ``quarter``, ``channel_id``, ``partner_id`` (missing = channel level), ``metric`` (str),
        ``target_exact`` (int64, units of ``money``); ``None`` when the file does not exist.

    Raises
    ------
    DataValidationError
        Naming file, column, line and value of every malformed cell (a target with more
        places than the currency's minor unit among them).

    Examples
    --------
    >>> import tempfile
    >>> from channel_lib.core.money import MoneyUnit
    >>> usd = MoneyUnit("USD", 4)  # exact units: 1/10000 dollar; written: cents
    >>> folder = tempfile.mkdtemp()
    >>> read_targets(folder, money=usd) is None
    True
    >>> rows = pd.DataFrame({"quarter": ["FY2026-Q1"], "channel_id": ["DIR"], "partner_id": [""],
    ...                      "metric": ["revenue"], "target_exact": [15000100]})
    >>> path = write_targets(rows, folder, money=usd)
    >>> path.read_text().splitlines()[1]
    'FY2026-Q1,DIR,,revenue,1500.01'
    >>> back = read_targets(folder, money=usd)
    >>> back[["quarter", "channel_id", "metric", "target_exact"]].values.tolist()
    [['FY2026-Q1', 'DIR', 'revenue', 15000100]]
    >>> bool(back["partner_id"].isna().all())  # the channel's own target
    True
    """
    path = targets_path(plans_dir)
    if not path.exists():
        return None
    import duckdb  # deferred: DuckDB is heavy and only needed once a plan exists

    con = duckdb.connect()
    raw = con.execute(
        "SELECT row_number() OVER () + 1 AS line, * FROM read_csv(?, header = true, "
        "all_varchar = true, auto_detect = true, nullstr = '')",
        [str(path)],
    ).df()
    problems = [
        Problem(path.name, c, 1, "", f"required column is missing; add a column '{c}'")
        for c in TARGET_COLUMNS
        if c not in raw.columns
    ]
    if problems:
        raise DataValidationError(problems, folder=str(path.parent))
    out = raw[["line", *TARGET_COLUMNS]].copy()
    for c in _KEYS:
        out[c] = out[c].astype("string").str.strip().replace("", pd.NA)
    exact = []
    for line, q, ch, m, t in out[["line", "quarter", "channel_id", "metric", "target"]].itertuples(
        index=False
    ):
        problems += _row_problems(path.name, int(line), q, ch, m)
        exact.append(money.parse_minor(t))
        if exact[-1] is None or exact[-1] < 0:
            problems.append(
                Problem(
                    path.name,
                    "target",
                    int(line),
                    "" if t is None else str(t),
                    f"not an amount ≥ 0 with at most {money.minor_decimals} decimals (whole "
                    f"minor units of {money.currency}); write it like "
                    f"{money.format_minor(1234 * money.scale)}",
                )
            )
    if problems:
        raise DataValidationError(problems, folder=str(path.parent))
    out["target_exact"] = pd.Series(exact, index=out.index, dtype="int64")
    return out.drop(columns=["line", "target"])


def _row_problems(name: str, line: int, quarter, channel_id, metric) -> list[Problem]:
    """What is wrong with one line's quarter, channel and metric cells (in that order)."""
    problems = []
    if pd.isna(quarter) or not _QUARTER_LABEL.fullmatch(str(quarter)):
        problems.append(
            Problem(name, "quarter", line, str(quarter), "not a quarter like FY2026-Q3")
        )
    if pd.isna(channel_id):
        problems.append(Problem(name, "channel_id", line, "", "empty; name the channel"))
    if metric not in ("revenue", "gross_profit"):
        problems.append(
            Problem(name, "metric", line, str(metric), "must be revenue or gross_profit")
        )
    return problems


def write_targets(
    rows: pd.DataFrame, plans_dir: str | Path, *, money: MoneyUnit, overwrite: bool = False
) -> Path:
    """Write targets to ``plans_dir/targets.csv`` atomically, never replacing a plan silently.

    Parameters
    ----------
    rows : DataFrame
        ``quarter``, ``channel_id``, ``partner_id`` (``""`` = channel level), ``metric``,
        ``target_exact`` (int, units of ``money``; whole minor units of the currency, i.e.
        multiples of ``money.minor_step``, as target setting rounds them).
    plans_dir : str or Path
        The plans folder (created if missing).
    money : MoneyUnit
        The dataset's money unit (``ds.money``); the file gets
        :attr:`~channel_lib.core.money.MoneyUnit.minor_decimals` places.
    overwrite : bool
        Replace the existing targets of the same quarters. Rows of other quarters are kept.

    Returns
    -------
    Path
        The targets file.

    Raises
    ------
    PlanExistsError
        When the file already has targets for any of the quarters and ``overwrite`` is False;
        the file is left untouched.
    ParameterError
        When a ``target_exact`` is not a whole number of minor units (nothing is written).
    DataValidationError
        When the existing file is malformed (it is left untouched).

    Notes
    -----
    The new content is written to a temporary file in the same folder and renamed over the old
    one (``os.replace``), so a reader never sees a half-written file.
    """
    path = targets_path(plans_dir)
    _check_minor(rows, money)
    existing = read_targets(plans_dir, money=money)
    quarters = sorted(set(rows["quarter"]))
    keep = pd.DataFrame(columns=[*_KEYS, "target_exact"])
    if existing is not None:
        clash = sorted(set(existing["quarter"]) & set(quarters))
        if clash and not overwrite:
            raise PlanExistsError(
                f"{path} already holds targets for {', '.join(clash)}; nothing was written and "
                "the file is unchanged. Pass overwrite=True to replace those quarters' targets "
                "(other quarters are kept), or choose another plans folder."
            )
        keep = existing[~existing["quarter"].isin(quarters)]
    new = rows[[*_KEYS, "target_exact"]].copy()
    new["partner_id"] = new["partner_id"].replace("", pd.NA).astype("string")
    allrows = pd.concat([keep, new], ignore_index=True)
    allrows["partner_id"] = allrows["partner_id"].astype("string").fillna("")
    allrows = allrows.sort_values(_KEYS, kind="stable")
    allrows["target"] = [money.format_minor(int(c)) for c in allrows["target_exact"]]
    text = allrows[list(TARGET_COLUMNS)].to_csv(index=False, lineterminator="\n")
    return atomic_write_text(path, text)


def _check_minor(rows: pd.DataFrame, money: MoneyUnit) -> None:
    """Refuse targets that are not whole minor units of the currency, naming the first ones."""
    exact = rows["target_exact"].astype("int64")
    bad = rows[exact % money.minor_step != 0]
    if len(bad):
        shown = "; ".join(
            f"{r.quarter} {r.channel_id} {_partner_label(r.partner_id)} {r.metric}: "
            f"{money.format(int(r.target_exact))}"
            for r in bad.head(3).itertuples(index=False)
        )
        raise ParameterError(
            f"{len(bad)} target(s) are not whole minor units of {money.currency} "
            f"({money.minor_decimals} decimals, multiples of {money.minor_step} exact units), "
            f"e.g. {shown}; nothing was written. Round targets in minor units before saving "
            "them (target setting's split does)."
        )


def _partner_label(partner_id: object) -> str:
    return partner_id if isinstance(partner_id, str) and partner_id else "(channel level)"
