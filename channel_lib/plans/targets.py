"""The plans folder's targets (``plans/targets.csv``): its one reader and its one writer.

Target setting (notebook ``02_target_setting``, the workshop's "Save targets") writes the chosen
channel and partner targets here as a **proposal** (``status`` ``proposed``);
``channel-workbook targets approve FY2027 --by NAME`` (:func:`approve_targets`) makes them the
**approved** plan. Attainment, the overview and the partner review measure against the approved
plan, else the dataset's official ``targets.csv``, and show a proposal beside them, never in
their place.

The file
--------
A CSV with the columns :data:`TARGET_COLUMNS` — ``quarter`` (``FY2026-Q3``), ``channel_id``,
``partner_id`` (empty = the channel's own target), ``metric`` (``revenue`` or ``gross_profit``),
``target`` (an amount ≥ 0 in whole minor units of the dataset's currency: two decimals for USD
or EUR, none for JPY — :attr:`MoneyUnit.minor_decimals <channel_lib.core.money.MoneyUnit>`,
exact), ``status`` (``proposed`` or ``approved``; a file without the column, or an empty
cell, reads as ``proposed``), ``approved_by`` and ``approved_at`` (who approved and when, ISO
8601 UTC; empty for a proposal) — sorted by quarter, channel, partner, metric and status. A
quarter may hold an approved plan and a newer proposal side by side. In memory the targets are
``target_exact``: integers of the dataset's money unit (``ds.money``), like every ``*_exact``
column; the reader and the writer take that unit (``money=ds.money``).

- :func:`read_targets` — the validated rows (``target_exact`` as int64), or ``None`` without a file;
- :func:`write_targets` — replace or add whole quarters of a proposal atomically, never replacing
  one silently (:class:`PlanExistsError`) and never touching an approved plan;
- :func:`approve_targets` — make a year's proposal the approved plan (who, when);
- :func:`targets_path` and :func:`targets_stamp` — where the file is, and what identifies its
  current content (for a cache key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from channel_lib.core.errors import ChannelLibError, DataValidationError, ParameterError, Problem
from channel_lib.core.files import atomic_write_text, locked
from channel_lib.core.money import MoneyUnit

__all__ = [
    "APPROVED",
    "PROPOSED",
    "REQUIRED_COLUMNS",
    "TARGETS_FILE",
    "TARGET_COLUMNS",
    "Approval",
    "PlanExistsError",
    "approve_targets",
    "read_targets",
    "targets_path",
    "targets_stamp",
    "write_targets",
]

#: The targets file's name inside the plans folder.
TARGETS_FILE = "targets.csv"
#: Its columns, in order.
TARGET_COLUMNS: tuple[str, ...] = (
    "quarter", "channel_id", "partner_id", "metric", "target", "status", "approved_by",
    "approved_at",
)  # fmt: skip
#: The columns a targets file must have (the others may be absent: a file without ``status``
#: is a proposal).
REQUIRED_COLUMNS: tuple[str, ...] = TARGET_COLUMNS[:5]
#: The two states of a plan's row.
PROPOSED, APPROVED = "proposed", "approved"
_KEYS = ["quarter", "channel_id", "partner_id", "metric"]
_STATUS_COLUMNS = ["status", "approved_by", "approved_at"]
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
        ``status`` (``proposed`` or ``approved``), ``approved_by``, ``approved_at`` (str,
        missing for a proposal), ``target_exact`` (int64, units of ``money``); ``None`` when
        the file does not exist.

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
    'FY2026-Q1,DIR,,revenue,1500.01,proposed,,'
    >>> back = read_targets(folder, money=usd)
    >>> back[["quarter", "channel_id", "metric", "target_exact"]].values.tolist()
    [['FY2026-Q1', 'DIR', 'revenue', 15000100]]
    >>> bool(back["partner_id"].isna().all())  # the channel's own target
    True
    >>> back["status"].tolist()  # what target setting writes is a proposal
    ['proposed']
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
        for c in REQUIRED_COLUMNS
        if c not in raw.columns
    ]
    if problems:
        raise DataValidationError(problems, folder=str(path.parent))
    for c in _STATUS_COLUMNS:
        if c not in raw.columns:
            raw[c] = None  # a file from before approval existed: every row is a proposal
    out = raw[["line", *TARGET_COLUMNS]].copy()
    for c in [*_KEYS, *_STATUS_COLUMNS]:
        out[c] = out[c].astype("string").str.strip().replace("", pd.NA)
    out["status"] = out["status"].fillna(PROPOSED)
    problems += [
        Problem(path.name, "status", int(line), str(v), f"must be {PROPOSED} or {APPROVED} "
                "(empty = proposed)")
        for line, v in out[["line", "status"]].itertuples(index=False)
        if v not in (PROPOSED, APPROVED)
    ]  # fmt: skip
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
    """Write a proposal to ``plans_dir/targets.csv`` atomically, never replacing one silently and
    never touching an approved plan.

    Parameters
    ----------
    rows : DataFrame
        ``quarter``, ``channel_id``, ``partner_id`` (``""`` = channel level), ``metric``,
        ``target_exact`` (int, units of ``money``; whole minor units of the currency, i.e.
        multiples of ``money.minor_step``, as target setting rounds them). A ``status`` column,
        if any, must say ``proposed``: only :func:`approve_targets` approves.
    plans_dir : str or Path
        The plans folder (created if missing).
    money : MoneyUnit
        The dataset's money unit (``ds.money``); the file gets
        :attr:`~channel_lib.core.money.MoneyUnit.minor_decimals` places.
    overwrite : bool
        Replace the existing proposal of the same quarters. Rows of other quarters, and every
        approved row, are kept.

    Returns
    -------
    Path
        The targets file.

    Raises
    ------
    PlanExistsError
        When the file already has a proposal for any of the quarters and ``overwrite`` is False;
        the file is left untouched.
    ParameterError
        When a ``target_exact`` is not a whole number of minor units, or a row says
        ``approved`` (nothing is written).
    DataValidationError
        When the existing file is malformed (it is left untouched).

    Notes
    -----
    The read, the merge and the write hold :func:`~channel_lib.core.files.locked` on the file,
    so two writers (two batches, two quarters of one batch, a workshop and a batch) cannot lose
    each other's rows. The new content is written to a temporary file in the same folder and
    renamed over the old one (``os.replace``), so a reader never sees a half-written file.
    """
    path = targets_path(plans_dir)
    _check_minor(rows, money)
    if "status" in rows and (rows["status"].fillna(PROPOSED) != PROPOSED).any():
        raise ParameterError(
            f"rows to write to {path} say status approved; target setting writes proposals "
            "only. Write them without a status (or status proposed) and approve them with "
            "`channel-workbook targets approve FY2027 --by NAME`."
        )
    quarters = sorted(set(rows["quarter"]))
    new = rows[[*_KEYS, "target_exact"]].copy()
    new["status"] = PROPOSED
    with locked(path):
        existing = read_targets(plans_dir, money=money)
        keep = None
        if existing is not None:
            proposed = existing[existing["status"] == PROPOSED]
            clash = sorted(set(proposed["quarter"]) & set(quarters))
            if clash and not overwrite:
                raise PlanExistsError(
                    f"{path} already holds targets for {', '.join(clash)} (a proposal); nothing "
                    "was written and the file is unchanged. Pass overwrite=True to replace that "
                    "proposal (other quarters and approved targets are kept), or choose another "
                    "plans folder."
                )
            keep = existing[
                ~((existing["status"] == PROPOSED) & existing["quarter"].isin(quarters))
            ]
        return _write_all(path, keep, new, money)


def _write_all(path: Path, keep: pd.DataFrame | None, new: pd.DataFrame, money: MoneyUnit) -> Path:
    """``keep`` and ``new`` rows, sorted, in the file's layout, written atomically."""
    frames = [f for f in (keep, new) if f is not None and len(f)]
    allrows = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*_KEYS, "target_exact", *_STATUS_COLUMNS])
    )
    for c in _STATUS_COLUMNS:
        if c not in allrows:
            allrows[c] = pd.NA
    allrows["partner_id"] = allrows["partner_id"].replace("", pd.NA).astype("string").fillna("")
    for c in _STATUS_COLUMNS:
        allrows[c] = allrows[c].astype("string").fillna("")
    allrows = allrows.sort_values([*_KEYS, "status"], kind="stable")
    allrows["target"] = [money.format_minor(int(c)) for c in allrows["target_exact"]]
    text = allrows[list(TARGET_COLUMNS)].to_csv(index=False, lineterminator="\n")
    return atomic_write_text(path, text)


@dataclass(frozen=True)
class Approval:
    """What :func:`approve_targets` did.

    Attributes
    ----------
    path : Path
        The targets file.
    year : str
        The fiscal year approved (``FY2027``).
    quarters : tuple of str
        Its quarters that had a proposal.
    rows : int
        Rows approved.
    by, at : str
        Who approved, and when (ISO 8601, UTC).
    replaced : int
        Rows of an earlier approval of those quarters that the new one replaced.
    """

    path: Path
    year: str
    quarters: tuple[str, ...]
    rows: int
    by: str
    at: str
    replaced: int

    def sentence(self) -> str:
        """The outcome in one sentence (what the command prints)."""
        again = (
            f"; it replaces the {self.replaced} rows approved before for those quarters"
            if self.replaced
            else ""
        )
        return (
            f"Approved the {self.year} targets ({self.rows} rows, {', '.join(self.quarters)}) "
            f"in {self.path} by {self.by} at {self.at}{again}. Reports now measure "
            f"{self.year} against them instead of the dataset's official targets."
        )


def approve_targets(
    plans_dir: str | Path, year: str, *, by: str, money: MoneyUnit, at: datetime | None = None
) -> Approval:
    """Approve a year's proposed targets: they become the plan reports measure against.

    Parameters
    ----------
    plans_dir : str or Path
        The plans folder holding ``targets.csv``.
    year : str
        The fiscal year, e.g. ``"FY2027"`` (its quarters ``FY2027-Q1`` … ``Q4``).
    by : str
        Who approves (a name; written to ``approved_by``).
    money : MoneyUnit
        The dataset's money unit (``ds.money``).
    at : datetime, optional
        When (default: now, UTC; written to ``approved_at`` in ISO 8601).

    Returns
    -------
    Approval

    Raises
    ------
    ParameterError
        For an empty name, a year not like ``FY2027``, or no proposal for the year in the file
        (the message says how to make one).
    DataValidationError
        When the file is malformed (it is left untouched).

    Notes
    -----
    The read and the write hold :func:`~channel_lib.core.files.locked` on the file. The year's
    proposed rows become approved; an earlier approval of the same quarters is replaced by them
    (the sentence says so); other years are kept as they are.

    Examples
    --------
    >>> import tempfile
    >>> usd = MoneyUnit("USD", 4)
    >>> folder = tempfile.mkdtemp()
    >>> rows = pd.DataFrame({"quarter": ["FY2027-Q1"], "channel_id": ["DIR"], "partner_id": [""],
    ...                      "metric": ["revenue"], "target_exact": [15000100]})
    >>> _ = write_targets(rows, folder, money=usd)
    >>> when = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    >>> done = approve_targets(folder, "FY2027", by="Dana CFO", money=usd, at=when)
    >>> (done.rows, done.quarters)
    (1, ('FY2027-Q1',))
    >>> targets_path(folder).read_text().splitlines()[1]
    'FY2027-Q1,DIR,,revenue,1500.01,approved,Dana CFO,2026-07-01T09:30:00+00:00'
    """
    name = (by or "").strip()
    if not name:
        raise ParameterError("--by is empty: name who approves the targets, e.g. --by 'Dana Lee'")
    if not re.fullmatch(r"FY\d{4}", str(year)):
        raise ParameterError(f"year {year!r} is not a fiscal year like FY2027")
    path = targets_path(plans_dir)
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with locked(path):
        existing = read_targets(plans_dir, money=money)
        in_year = existing["quarter"].str.startswith(f"{year}-") if existing is not None else None
        if existing is None or not (in_year & (existing["status"] == PROPOSED)).any():
            raise ParameterError(
                f"{path} holds no proposed targets for {year}, so there is nothing to approve. "
                f"Set targets for {year} first (notebook 02_target_setting with year = "
                f'"{year}", or the workshop\'s Save targets), then run this command again.'
            )
        proposal = existing[in_year & (existing["status"] == PROPOSED)].copy()
        quarters = tuple(sorted(set(proposal["quarter"])))
        old = (existing["status"] == APPROVED) & existing["quarter"].isin(quarters)
        keep = existing[~old & ~(in_year & (existing["status"] == PROPOSED))]
        proposal["status"], proposal["approved_by"], proposal["approved_at"] = (
            APPROVED, name, stamp,
        )  # fmt: skip
        _write_all(path, keep, proposal, money)
    return Approval(path, str(year), quarters, len(proposal), name, stamp, int(old.sum()))


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
