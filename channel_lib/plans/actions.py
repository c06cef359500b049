"""The action log carried across quarters (``plans/actions.csv``) and its rule table.

The action-plan cycle of the design: exceptions and early warnings are caught as they arise, each
suggests an action (a rule table maps the trigger to the action, owner and due date), the user
accepts, edits or rejects it, and the next quarter's run reviews every open action — is the gap it
addressed closing? — flags the overdue ones and closes those whose trigger has cleared, each with
its evidence.

The log
-------
``plans/actions.csv`` holds :data:`LOG_COLUMNS` (the nine columns of the design first, then the
evidence the cycle needs). It is **appended, never rewritten**: a status change or an edit is a new
row for the same ``action_id`` and the current state of an action is its last row
(:func:`current_actions`; :func:`as_of` for the state at the end of an earlier quarter). Writes
(:func:`append_rows`) take a lock, re-read and check the whole log, write the old bytes plus the
new rows to a temporary file, ``fsync`` it and ``os.replace`` it into place: a killed process
leaves the previous log complete. A corrupt line or a conflicting edit raises
:class:`ActionLogError` naming the line, and the log is left as it was.

The rules
---------
The default rule table ships as package data (``channel_lib/plans/action_rules.csv``); a
``plans/action_rules.csv`` with the same columns overrides it trigger by trigger (an empty
``action`` switches a trigger off). :data:`TRIGGERS` lists the triggers the workbook raises.
Two columns are optional (an older table without them reads as before): ``min_severity``, the
severity (1-4 of the signal triage) a signal must reach to raise the trigger (empty: the trigger
is not a triaged signal, its own threshold applies), and ``partner_text``, the action in the
partner's words (empty: not written yet).

Raising an action once
----------------------
:func:`unaddressed` drops the suggestions the log already handles: the same id decided before,
the same trigger and scope raised in a later quarter, open, or rejected for the same episode. A
structural item (concentration) therefore raises one action while it stays open, not one a
quarter, and two callers suggesting the same id (a partner pack and notebook 05) log one action.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.files import atomic_write_text, locked, remove_leftover_temp_files

__all__ = [
    "LOG_COLUMNS",
    "LOG_FILE",
    "RULES_FILE",
    "STATUSES",
    "SUGGESTION_COLUMNS",
    "TRIGGERS",
    "ActionLogError",
    "accept",
    "append_rows",
    "as_of",
    "close",
    "current_actions",
    "load_rules",
    "parse_ids",
    "read_log",
    "reject",
    "review",
    "unaddressed",
]

#: File name of the log in the plans folder.
LOG_FILE = "actions.csv"
#: File name of the user's rule table in the plans folder (overrides the packaged default).
RULES_FILE = "action_rules.csv"
_DEFAULT_RULES = Path(__file__).with_name(RULES_FILE)

#: Columns of ``actions.csv``: the design's nine, then the evidence of the cycle.
LOG_COLUMNS: list[str] = [
    "action_id", "raised_in", "scope", "trigger", "action", "owner", "due", "status", "closed_in",
    "partner_id", "recorded_in", "measure", "direction", "goal", "baseline", "evidence",
    "recorded_at", "note",
]  # fmt: skip
#: The statuses an action row may carry.
STATUSES: tuple[str, ...] = ("open", "rejected", "closed")
#: Fields fixed when an action is raised; a later row may not change them.
_FIXED = ("raised_in", "scope", "trigger", "partner_id")

#: Trigger → what raises it (in the reader's words).
TRIGGERS: dict[str, str] = {
    "service_metrics": "partner service metrics below threshold (CSAT or first response)",
    "lost_customer": "a large channel customer lost",
    "large_deal_lost": "a large deal lost (win/loss amount or more)",
    "large_deal_won": "a large deal won (win/loss amount or more)",
    "line_card_lost": "position lost on the partner's line card",
    "key_talent_loss": "the partner lost key sales talent",
    "our_sales_down": "our sales through the partner fell by the threshold or more",
    "partner_sales_down": "the partner's own total sales fell by the threshold or more",
    "target_gap": "the partner missed its target by more than the tolerance",
    "stopped_reporting": "the partner stopped sending its quarterly reports",
    "channel_target_gap": "a channel missed its target by more than the tolerance",
    "channel_conflict": "two channels serve the same customers at different discounts",
    "channel_dependency": "a channel or partner carries the dependency share of revenue or more",
}

#: Columns of a suggestion frame (one suggested action per trigger found).
SUGGESTION_COLUMNS: list[str] = [
    "action_id", "raised_in", "scope", "trigger", "action", "owner", "due", "partner_id",
    "measure", "direction", "goal", "baseline", "evidence", "since", "decision",
]  # fmt: skip

_QUARTER = re.compile(r"^FY\d{4}-Q[1-4]$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: Called with the temporary file's path after it is written and synced, before it replaces the
#: log (tests use it to kill the process mid-write).
_before_replace: Callable[[Path], None] = lambda path: None  # noqa: E731


class ActionLogError(ChannelLibError):
    """The action log (or the rule table) is corrupt, or an edit conflicts with it.

    The message names the file and line; the file is left unchanged.
    """


# -- rules ------------------------------------------------------------------------------------------
def load_rules(plans_dir: str | Path | None = None) -> pd.DataFrame:
    """The rule table: the packaged default, overridden by ``plans_dir/action_rules.csv``.

    Parameters
    ----------
    plans_dir : str or Path, optional
        Plans folder; its ``action_rules.csv`` (same columns) replaces the default row of each
        trigger it names. An empty ``action`` switches that trigger off; an optional column the
        user table lacks (``min_severity``, ``partner_text``) keeps the default's value.

    Returns
    -------
    DataFrame
        ``trigger``, ``action``, ``owner``, ``due_quarters`` (int ≥ 0), ``source``
        (``default`` or the user file's path), ``min_severity`` (``Int64``, 1-4; ``<NA>`` for a
        trigger that is not a triaged signal) and ``partner_text`` (string, ``""`` when not
        written); one row per enabled trigger.

    Raises
    ------
    ActionLogError
        For an unknown trigger, a missing column or a bad ``due_quarters``, naming the line.

    Examples
    --------
    >>> r = load_rules()
    >>> r.set_index("trigger").loc["line_card_lost", "action"][:26]
    'Executive sponsor meeting '
    >>> int(r.set_index("trigger").loc["line_card_lost", "min_severity"])
    2
    """
    rules = _read_rules(_DEFAULT_RULES, "default")
    if plans_dir is not None and (Path(plans_dir) / RULES_FILE).exists():
        path = Path(plans_dir) / RULES_FILE
        user = _read_rules(path, str(path))
        rules = {**rules, **{t: {**rules.get(t, {}), **r} for t, r in user.items()}}
    rows = [{"min_severity": pd.NA, "partner_text": "", **r} for r in rules.values() if r["action"]]
    out = pd.DataFrame(rows, columns=["trigger", "action", "owner", "due_quarters", "source",
                                      "min_severity", "partner_text"])  # fmt: skip
    out["due_quarters"] = out["due_quarters"].astype("int64")
    out["min_severity"] = out["min_severity"].astype("Int64")
    for c in ("trigger", "action", "owner", "source", "partner_text"):
        out[c] = out[c].astype("string")
    return out.reset_index(drop=True)


def _read_rules(path: Path, source: str) -> dict[str, dict]:
    need = ["trigger", "action", "owner", "due_quarters"]
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise ActionLogError(
                f"{path}, line 1: the rule table needs the columns {', '.join(need)}; "
                f"missing {', '.join(missing)}"
            )
        out = {}
        for row in reader:
            line = reader.line_num
            trigger = (row["trigger"] or "").strip()
            if trigger not in TRIGGERS:
                raise ActionLogError(
                    f"{path}, line {line}: unknown trigger {trigger!r}; known triggers: "
                    f"{', '.join(TRIGGERS)}"
                )
            due = (row["due_quarters"] or "1").strip()
            if not due.isdigit():
                raise ActionLogError(
                    f"{path}, line {line}: due_quarters {due!r} must be a whole number of quarters"
                )
            severity = (row.get("min_severity") or "").strip()
            if severity and severity not in ("1", "2", "3", "4"):
                raise ActionLogError(
                    f"{path}, line {line}: min_severity {severity!r} must be a severity 1-4 "
                    "(1 low … 4 critical) or empty"
                )
            out[trigger] = {
                "trigger": trigger, "action": (row["action"] or "").strip(),
                "owner": (row["owner"] or "").strip(), "due_quarters": int(due), "source": source,
            }  # fmt: skip
            # an optional column the table lacks keeps the default's value (see load_rules)
            if "min_severity" in (reader.fieldnames or []):
                out[trigger]["min_severity"] = int(severity) if severity else pd.NA
            if "partner_text" in (reader.fieldnames or []):
                out[trigger]["partner_text"] = (row.get("partner_text") or "").strip()
    return out


# -- reading the log ------------------------------------------------------------------------------------
def _log_path(plans_dir: str | Path) -> Path:
    return Path(plans_dir) / LOG_FILE


def _parse(text: str, path: Path) -> pd.DataFrame:
    """Parse and check the log text; every row gets its ``line`` number (header = line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise ActionLogError(f"{path}, line 1: unreadable CSV header ({exc})") from exc
    if not header:
        return _empty_log()
    missing = [c for c in LOG_COLUMNS[:9] if c not in header]
    if missing:
        raise ActionLogError(
            f"{path}, line 1: the header lacks {', '.join(missing)}; an action log starts with "
            f"{','.join(LOG_COLUMNS)}. The log was not changed."
        )
    rows: list[dict] = []
    state: dict[str, dict] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ActionLogError(f"{path}, line {reader.line_num}: unreadable CSV ({exc})") from exc
        line = reader.line_num
        if not values or all(v == "" for v in values):
            continue
        if len(values) != len(header):
            raise ActionLogError(
                f"{path}, line {line}: {len(values)} fields where the header has {len(header)}; "
                "fix the line (quote text holding commas). The log was not changed."
            )
        row = dict(zip(header, values, strict=True))
        row = {c: row.get(c, "") for c in LOG_COLUMNS}
        row["line"] = line
        _check_row(row, state.get(row["action_id"]), f"{path}, line {line}")
        state[row["action_id"]] = row
        rows.append(row)
    if not rows:
        return _empty_log()
    return _typed_log(pd.DataFrame(rows, columns=[*LOG_COLUMNS, "line"]))


def _check_row(row: dict, previous: dict | None, where: str) -> None:
    """One row against the rules of the log and the previous row of its action."""
    if not row["action_id"].strip():
        raise ActionLogError(f"{where}: empty action_id")
    if row["status"] not in STATUSES:
        raise ActionLogError(
            f"{where}: status {row['status']!r} is not one of {', '.join(STATUSES)}"
        )
    for c in ("raised_in", "recorded_in", "closed_in"):
        if row[c] and not _QUARTER.match(row[c]):
            raise ActionLogError(f"{where}: {c} {row[c]!r} is not a quarter like FY2026-Q3")
    if not row["raised_in"]:
        raise ActionLogError(f"{where}: raised_in is empty")
    if row["due"] and not _DATE.match(row["due"]):
        raise ActionLogError(f"{where}: due {row['due']!r} is not a date like 2026-09-30")
    if row["due"]:
        try:
            pd.Timestamp(row["due"])
        except ValueError as exc:
            raise ActionLogError(f"{where}: due {row['due']!r} is not a valid date") from exc
    if row["status"] == "closed" and not row["closed_in"]:
        raise ActionLogError(f"{where}: a closed action needs closed_in (the quarter it closed)")
    if row["status"] != "closed" and row["closed_in"]:
        raise ActionLogError(f"{where}: closed_in is set but the status is {row['status']!r}")
    for c in ("goal", "baseline"):
        if row[c]:
            try:
                float(row[c])
            except ValueError as exc:
                raise ActionLogError(f"{where}: {c} {row[c]!r} is not a number") from exc
    if previous is not None:
        for c in _FIXED:
            if row[c] != previous[c]:
                raise ActionLogError(
                    f"{where}: conflicting edit of action {row['action_id']}: {c} {row[c]!r} "
                    f"differs from {previous[c]!r} on line {previous['line']} (fixed when the "
                    "action was raised; raise a new action instead)"
                )
        if (
            row["recorded_in"]
            and previous["recorded_in"]
            and row["recorded_in"] < previous["raised_in"]
        ):
            raise ActionLogError(
                f"{where}: action {row['action_id']} recorded in {row['recorded_in']}, before it "
                f"was raised in {previous['raised_in']}"
            )


def _empty_log() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in LOG_COLUMNS})
    frame["line"] = pd.Series(dtype="int64")
    return _typed_log(frame)


def _typed_log(frame: pd.DataFrame) -> pd.DataFrame:
    for c in LOG_COLUMNS:
        if c in ("goal", "baseline"):
            frame[c] = pd.to_numeric(frame[c].replace("", None), errors="coerce").astype("float64")
        else:
            frame[c] = frame[c].fillna("").astype("string")
    frame["line"] = frame["line"].astype("int64")
    return frame


def read_log(plans_dir: str | Path) -> pd.DataFrame:
    """Every row of ``plans_dir/actions.csv``, checked (empty frame when there is no log yet).

    Returns
    -------
    DataFrame
        :data:`LOG_COLUMNS` plus ``line`` (the row's line in the file); ``goal`` and ``baseline``
        float, the rest strings (``""`` for empty).

    Raises
    ------
    ActionLogError
        A corrupt line or a conflicting edit, naming the line.
    """
    path = _log_path(plans_dir)
    if not path.exists():
        return _empty_log()
    return _parse(_log_text(path)[1], path)


def current_actions(log: pd.DataFrame) -> pd.DataFrame:
    """The current state of every action: its last row.

    Examples
    --------
    >>> log = pd.DataFrame({"action_id": ["a", "a", "b"], "status": ["open", "closed", "open"]})
    >>> current_actions(log)["status"].tolist()
    ['closed', 'open']
    """
    return log.groupby("action_id", sort=False).tail(1).reset_index(drop=True)


def as_of(log: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """The state of every action at the end of ``quarter``: its last row recorded in it or before.

    Actions raised after ``quarter`` are left out, so re-running an earlier quarter sees the log as
    it stood then.
    """
    if log.empty:
        return log
    recorded = log["recorded_in"].where(log["recorded_in"] != "", log["raised_in"])
    kept = log[(log["raised_in"] <= quarter) & (recorded <= quarter)]
    return current_actions(kept)


# -- writing ---------------------------------------------------------------------------------------------
def _log_text(path: Path) -> tuple[str, str]:
    """``(byte-order mark or "", text after it)`` of the log; a spreadsheet's "CSV UTF-8" writes one."""
    with path.open(encoding="utf-8", newline="") as f:  # line ends as written
        text = f.read()
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return bom, text[len(bom) :]


def _row_text(rows: Iterable[dict], end: str = "\n") -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=end)
    for row in rows:
        writer.writerow(["" if _missing(row.get(c)) else _cell(row.get(c)) for c in LOG_COLUMNS])
    return buf.getvalue()


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def append_rows(plans_dir: str | Path, rows: Sequence[dict]) -> pd.DataFrame:
    """Append rows to the log atomically, after checking them against it.

    Parameters
    ----------
    plans_dir : str or Path
        Plans folder (created when missing).
    rows : sequence of dict
        Keys of :data:`LOG_COLUMNS`; missing keys are empty, ``recorded_at`` defaults to now.

    Returns
    -------
    DataFrame
        The whole log after the append (:func:`read_log`).

    Raises
    ------
    ActionLogError
        When the existing log is corrupt or a new row conflicts with it (nothing is written).

    Notes
    -----
    Under an exclusive lock (:func:`channel_lib.core.files.locked`; re-entrant, so a caller
    that decided the rows from the log it read under the same lock keeps it): remove the
    temporary copies a killed writer left, read the log, check it and the new rows, write old
    bytes + new rows to a temporary file in the same folder, flush and ``fsync`` it,
    ``os.replace`` it over the log and ``fsync`` the folder. A process killed at any point leaves
    either the old or the new log.
    """
    path = _log_path(plans_dir)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [{**r, "recorded_at": r.get("recorded_at") or now} for r in rows]
    with locked(path):
        # a writer killed before its rename left a temporary copy; every writer of the log holds
        # this lock, so none is in progress
        remove_leftover_temp_files(path.parent, target=path.name, min_age=0)
        bom, old = _log_text(path) if path.exists() else ("", "")
        # a log saved again by a spreadsheet keeps its byte-order mark and Windows line ends
        end = "\r\n" if "\r\n" in old else "\n"
        if not old.strip():
            old = ",".join(LOG_COLUMNS) + end
        elif not old.endswith("\n"):
            old += end
        new = old + _row_text(rows, end)
        log = _parse(new, path)  # checks the old lines and the new ones against them
        if not rows:
            return log
        atomic_write_text(path, bom + new, durable=True, before_replace=_before_replace)
        with contextlib.suppress(OSError):  # make the rename durable
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    return log


def _last(log: pd.DataFrame, action_id: str, where: str) -> dict:
    rows = log[log["action_id"] == action_id]
    if rows.empty:
        raise ActionLogError(f"{where}: no action {action_id!r} in the log")
    return rows.iloc[-1].to_dict()


def parse_ids(ids: str | Sequence[str] | None) -> list[str]:
    """Action ids from a comma list or a sequence, blanks dropped.

    Examples
    --------
    >>> parse_ids("A1, A2,,"), parse_ids(["A3 "]), parse_ids(None)
    (['A1', 'A2'], ['A3'], [])
    """
    if ids is None:
        return []
    if isinstance(ids, str):
        ids = ids.split(",")
    return [i.strip() for i in ids if i and i.strip()]


def accept(
    plans_dir: str | Path,
    ids: str | Sequence[str],
    *,
    suggestions: pd.DataFrame | None = None,
    quarter: str | None = None,
    action: str | None = None,
    owner: str | None = None,
    due: str | None = None,
    note: str = "",
) -> pd.DataFrame:
    """Accept suggested actions (or edit / re-open logged ones): append them as ``open``.

    Parameters
    ----------
    plans_dir : str or Path
    ids : str or sequence of str
        Action ids (comma list), or ``"all"`` for every row of ``suggestions``; ``"none"`` or
        ``""`` accepts nothing.
    suggestions : DataFrame, optional
        :data:`SUGGESTION_COLUMNS` rows the ids are looked up in; an id already in the log takes
        its fields from its last row (an edit).
    quarter : str, optional
        Quarter the decision is recorded in (default: the suggestion's or action's ``raised_in``).
    action, owner, due : str, optional
        Edits of the suggested text, owner and due date (``YYYY-MM-DD``).
    note : str
        Free text kept with the row.

    Returns
    -------
    DataFrame
        The rows appended (:data:`LOG_COLUMNS`).

    Raises
    ------
    ActionLogError
        An unknown id, a bad date, or a conflict with the log (nothing is written).
    """
    return _decide(plans_dir, ids, "open", suggestions=suggestions, quarter=quarter,
                   action=action, owner=owner, due=due, note=note)  # fmt: skip


def reject(
    plans_dir: str | Path,
    ids: str | Sequence[str],
    *,
    suggestions: pd.DataFrame | None = None,
    quarter: str | None = None,
    note: str = "",
) -> pd.DataFrame:
    """Reject suggested (or open) actions: append them as ``rejected``; see :func:`accept`."""
    return _decide(plans_dir, ids, "rejected", suggestions=suggestions, quarter=quarter, note=note)


def _decide(
    plans_dir, ids, status: str, *, suggestions=None, quarter=None, action=None, owner=None,
    due=None, note="",
) -> pd.DataFrame:  # fmt: skip
    if due is not None and due != "" and not _DATE.match(str(due)):
        raise ParameterError(f"due={due!r}: a date like 2026-09-30")
    wanted = parse_ids(ids)
    if wanted in ([], ["none"]) or (
        wanted == ["all"] and (suggestions is None or suggestions.empty)
    ):
        return pd.DataFrame(columns=LOG_COLUMNS)  # nothing to decide: no lock, nothing written
    # the rows are decided from the log as read: hold its lock until they are appended, or two
    # writers deciding on the same action could both act on a state one of them has changed
    with locked(_log_path(plans_dir)):
        return _decide_locked(plans_dir, ids, status, suggestions=suggestions, quarter=quarter,
                              action=action, owner=owner, due=due, note=note)  # fmt: skip


def _decide_locked(
    plans_dir, ids, status: str, *, suggestions, quarter, action, owner, due, note
) -> pd.DataFrame:
    """:func:`_decide` with the log's lock held."""
    log = read_log(plans_dir)
    wanted = parse_ids(ids)
    if wanted == ["all"]:
        wanted = [] if suggestions is None else list(suggestions["action_id"])
    if wanted == ["none"]:
        wanted = []
    known = {} if suggestions is None else {r["action_id"]: r for r in _records(suggestions)}
    rows = []
    for aid in wanted:
        if aid in set(log["action_id"]):
            base = _last(log, aid, str(_log_path(plans_dir)))
            if base["status"] == status and action is None and owner is None and due is None:
                continue  # nothing changes
        elif aid in known:
            base = {c: known[aid].get(c, "") for c in LOG_COLUMNS}
        else:
            raise ActionLogError(
                f"{_log_path(plans_dir)}: no action or suggestion {aid!r}; list them with "
                "'channel-workbook actions list' or 'channel-workbook actions suggest'"
            )
        row = {c: base.get(c, "") for c in LOG_COLUMNS}
        row.update(status=status, closed_in="", note=note or "",
                   recorded_in=quarter or row["raised_in"], recorded_at="")  # fmt: skip
        if action:
            row["action"] = action
        if owner:
            row["owner"] = owner
        if due:
            row["due"] = due
        rows.append(row)
    if rows:
        append_rows(plans_dir, rows)
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def close(
    plans_dir: str | Path,
    ids: str | Sequence[str],
    *,
    quarter: str,
    evidence: str,
    note: str = "",
    only_open: bool = False,
) -> pd.DataFrame:
    """Close open actions in ``quarter`` with the evidence (append ``closed`` rows).

    With ``only_open``, an action that is no longer open when the lock is held (another run
    closed or rejected it meanwhile, e.g. a later quarter's) is skipped instead of refused.

    Raises
    ------
    ActionLogError
        An unknown id, or an action that is not open (without ``only_open``).
    """
    if not _QUARTER.match(str(quarter)):
        raise ParameterError(f"quarter={quarter!r}: a quarter like FY2026-Q3")
    if not parse_ids(ids):
        return pd.DataFrame(columns=LOG_COLUMNS)
    with locked(_log_path(plans_dir)):  # decided from the log as read: see _decide
        return _close_locked(plans_dir, ids, quarter=quarter, evidence=evidence, note=note,
                             only_open=only_open)  # fmt: skip


def _close_locked(
    plans_dir: str | Path, ids: str | Sequence[str], *, quarter: str, evidence: str, note: str,
    only_open: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """:func:`close` with the log's lock held."""
    log = read_log(plans_dir)
    rows = []
    for aid in parse_ids(ids):
        base = _last(log, aid, str(_log_path(plans_dir)))
        if base["status"] != "open" and only_open:
            continue
        if base["status"] != "open":
            raise ActionLogError(
                f"{_log_path(plans_dir)}, line {base['line']}: action {aid} is {base['status']}, "
                "not open: only an open action can be closed"
            )
        row = {c: base.get(c, "") for c in LOG_COLUMNS}
        row.update(status="closed", closed_in=quarter, recorded_in=quarter, evidence=evidence,
                   note=note, recorded_at="")  # fmt: skip
        rows.append(row)
    if rows:
        append_rows(plans_dir, rows)
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: ("" if _missing(v) else v) for k, v in r.items()} for r in frame.to_dict("records")]


def unaddressed(suggestions: pd.DataFrame, log: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """The suggestions of ``quarter`` the log does not handle yet (the rest are left out).

    A suggestion is left out when its ``action_id`` is in the log (decided before: a re-run of
    the quarter, or another caller raised it), when an action of the same ``partner_id``,
    ``trigger`` and ``scope`` was raised in a later quarter, is open at the end of ``quarter``
    (:func:`as_of`), or was rejected in or after the quarter its episode began (``since``).

    Parameters
    ----------
    suggestions : DataFrame
        :data:`SUGGESTION_COLUMNS` rows.
    log : DataFrame
        :func:`read_log`.
    quarter : str
        The quarter the suggestions are raised in.

    Returns
    -------
    DataFrame
        The rows of ``suggestions`` kept, in their order (index reset).

    Examples
    --------
    >>> log = pd.DataFrame({"action_id": ["FY2026-Q3-DIST-channel_dependency"],
    ...     "raised_in": ["FY2026-Q3"], "recorded_in": ["FY2026-Q3"], "status": ["open"],
    ...     "trigger": ["channel_dependency"], "scope": ["channel:DIST"], "partner_id": [""]})
    >>> s = pd.DataFrame({"action_id": ["FY2026-Q4-DIST-channel_dependency"],
    ...     "trigger": ["channel_dependency"], "scope": ["channel:DIST"], "partner_id": [""],
    ...     "since": ["FY2026-Q4"]})
    >>> len(unaddressed(s, log, "FY2026-Q4"))  # the Q3 action is open: not raised again
    0
    """
    if suggestions.empty or log.empty:
        return suggestions.reset_index(drop=True)
    key = ["partner_id", "trigger", "scope"]
    state = as_of(log, quarter)
    later = {tuple(k) for k in log.loc[log["raised_in"] > quarter, key].itertuples(index=False)}
    opened = {tuple(k) for k in state.loc[state["status"] == "open", key].itertuples(index=False)}
    rejected = state[state["status"] == "rejected"].groupby(key)["raised_in"].max().to_dict()
    logged = set(log["action_id"])
    keep = []
    for row in _records(suggestions):
        k = (row["partner_id"], row["trigger"], row["scope"])
        episode_rejected = k in rejected and str(row.get("since", "")) <= rejected[k]
        keep.append(row["action_id"] not in logged and k not in later and k not in opened
                    and not episode_rejected)  # fmt: skip
    return suggestions[keep].reset_index(drop=True)


# -- the cycle ---------------------------------------------------------------------------------------------
def _gap(value: float, goal: float, direction: str) -> float:
    """How far ``value`` is from ``goal`` on the wrong side (≤ 0: met)."""
    return goal - value if direction == "min" else value - goal


def review(
    actions: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    quarter: str,
    quarter_end: pd.Timestamp,
) -> pd.DataFrame:
    """Review open actions: the gap each addressed over the quarters since, overdue, cleared.

    Parameters
    ----------
    actions : DataFrame
        Current rows of the actions to review (:func:`as_of` the quarter, status ``open``).
    measures : DataFrame
        ``quarter``, ``measure``, ``value`` (float): the measured values the actions' ``measure``
        columns name, for the quarters from the earliest ``raised_in`` to ``quarter``.
    quarter : str
        The quarter under review.
    quarter_end : Timestamp
        First day after ``quarter``: an action whose ``due`` date is before it and whose trigger
        has not cleared is overdue.

    Returns
    -------
    DataFrame
        One row per action: ``action_id``, ``raised_in``, ``scope``, ``trigger``, ``action``,
        ``owner``, ``due``, ``measure``, ``goal``, ``baseline`` (value when raised), ``previous``
        (value the quarter before ``quarter``), ``current`` (value in ``quarter``), ``gap`` (≤ 0:
        met), ``trend`` (``cleared``, ``closing``, ``widening``, ``unchanged``, ``no data`` or
        ``not measured`` for actions without a measure), ``cleared`` (bool), ``overdue`` (bool),
        ``history`` (the values quarter by quarter, as text) and ``evidence`` (the sentence that
        closes or keeps the action).

    Examples
    --------
    >>> acts = pd.DataFrame({"action_id": ["a"], "raised_in": ["FY2026-Q3"], "scope": ["partner:P1"],
    ...     "trigger": ["line_card_lost"], "action": ["meet"], "owner": ["x"], "due": ["2026-03-31"],
    ...     "measure": ["line_card_rank"], "direction": ["max"], "goal": [2.0], "baseline": [4.0]})
    >>> m = pd.DataFrame({"quarter": ["FY2026-Q3", "FY2026-Q4"], "measure": "line_card_rank",
    ...                   "value": [4.0, 2.0]})
    >>> r = review(acts, m, quarter="FY2026-Q4", quarter_end=pd.Timestamp("2026-07-01"))
    >>> r.loc[0, "trend"], bool(r.loc[0, "cleared"]), bool(r.loc[0, "overdue"])
    ('cleared', True, False)
    """
    cols = ["action_id", "raised_in", "scope", "trigger", "action", "owner", "due", "measure",
            "goal", "baseline", "previous", "current", "gap", "trend", "cleared", "overdue",
            "history", "evidence"]  # fmt: skip
    rows = [_review_one(a, measures, quarter, quarter_end) for a in _records(actions)]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("goal", "baseline", "previous", "current", "gap"):
        out[c] = out[c].astype("float64")
    for c in ("cleared", "overdue"):
        out[c] = out[c].astype("bool")
    return out


def _review_one(a: dict, measures: pd.DataFrame, quarter: str, quarter_end: pd.Timestamp) -> dict:
    """The :func:`review` row of one open action ``a`` (a log row as a dict)."""
    m = measures[(measures["measure"] == a["measure"]) & (measures["quarter"] >= a["raised_in"])]
    m = m[m["quarter"] <= quarter].sort_values("quarter")
    values = dict(zip(m["quarter"], m["value"], strict=True))
    current = values.get(quarter, float("nan"))
    earlier = [q for q in values if q < quarter and pd.notna(values[q])]
    previous = values[earlier[-1]] if earlier else float("nan")
    goal = float(a["goal"]) if a["goal"] != "" and pd.notna(a["goal"]) else float("nan")
    direction = a.get("direction") or "min"
    trend, gap, cleared = _trend(a, current, previous, goal, direction, quarter)
    due = pd.Timestamp(a["due"]) if a["due"] else None
    overdue = bool(not cleared and due is not None and due < quarter_end)
    history = ", ".join(f"{q} {_fmt(v)}" for q, v in values.items())
    if cleared:
        evidence = (
            f"trigger cleared in {quarter}: {a['measure']} {_fmt(current)} "
            f"(goal {'≥' if direction == 'min' else '≤'} {_fmt(goal)}; {history})"
        )
    elif trend == "not measured":
        evidence = "no measure: close it by hand once done"
    else:
        evidence = f"{a['measure']} {_fmt(current)} vs goal {_fmt(goal)}; {history or 'no data'}"
    return {
        "action_id": a["action_id"], "raised_in": a["raised_in"], "scope": a["scope"],
        "trigger": a["trigger"], "action": a["action"], "owner": a["owner"], "due": a["due"],
        "measure": a["measure"], "goal": goal,
        "baseline": float(a["baseline"]) if a["baseline"] != "" else float("nan"),
        "previous": previous, "current": current, "gap": gap, "trend": trend,
        "cleared": bool(cleared), "overdue": overdue, "history": history, "evidence": evidence,
    }  # fmt: skip


def _trend(
    a: dict, current: float, previous: float, goal: float, direction: str, quarter: str
) -> tuple[str, float, bool]:
    """``(trend, gap, cleared)`` of an action: its gap to the goal now against the quarter before."""
    if not a["measure"]:
        return "not measured", float("nan"), False
    if pd.isna(current) or pd.isna(goal):
        return "no data", float("nan"), False
    gap = _gap(current, goal, direction)
    cleared = gap <= 0
    if cleared:
        trend = "cleared"
    elif pd.isna(previous):
        trend = "unchanged" if a["raised_in"] == quarter else "no data"
    else:
        before = _gap(previous, goal, direction)
        trend = "closing" if gap < before else "widening" if gap > before else "unchanged"
    return trend, gap, cleared


def _fmt(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
