"""Win/loss interviews (``plans/interviews.csv``): why a large deal was won or lost, as recorded.

The design's loop: a large deal won or lost through a partner asks for an interview (notebook 05
lists them); what the customer said is recorded here (``channel-workbook interviews record
OPP-ID --outcome lost --reason "partner never answered our support calls"``), notebook 05
aggregates the reasons by partner and channel, and a reason about service is a complaint about
the partner's service: it lowers the service component of the partner portfolio
(:func:`channel_lib.analysis.scorecard.portfolio`) and shows in the partner's brief
(:func:`interviews_for`).

The file
--------
``plans/interviews.csv`` holds :data:`COLUMNS`. It is **appended, never rewritten**: a second
interview of the same opportunity is a new row, and the latest row of an opportunity is the one
read (:func:`latest_interviews`). Writes (:func:`record_interview`) take the file's lock
(:func:`channel_lib.core.files.locked`), re-read and check the whole file, and replace it
atomically (:func:`channel_lib.core.files.atomic_write_text`, flushed to disk): a killed
process leaves the previous file complete. The opportunity must be in the dataset's
``opportunities.csv``, closed with the outcome given; its partner and close date are copied into
the row, so a reader needs only the plans folder.

Service reasons
---------------
A reason is about service (:func:`is_service_reason`) when it holds one of the words of
:data:`SERVICE_WORDS` (case-insensitive, whole words, a plural ``s`` allowed): *service,
support, response, responsive, unresponsive, responsiveness*. "Slow support after go-live" and
"partner service was poor" are; "price" and "lost to a competitor's feature" are not. A
service reason counts against the partner whatever the outcome (a won deal can still report
poor service).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from channel_lib.core.errors import ChannelLibError
from channel_lib.core.files import atomic_write_text, locked, remove_leftover_temp_files

__all__ = [
    "COLUMNS",
    "INTERVIEWS_FILE",
    "OUTCOMES",
    "SERVICE_WORDS",
    "InterviewError",
    "interviews_for",
    "is_service_reason",
    "latest_interviews",
    "read_interviews",
    "reasons_by_partner",
    "record_interview",
    "service_complaints",
]

#: File name of the interviews in the plans folder.
INTERVIEWS_FILE = "interviews.csv"
#: Columns of ``interviews.csv``.
COLUMNS: list[str] = [
    "opportunity_id", "partner_id", "outcome", "reason", "interviewed_by", "close_date",
    "recorded_at",
]  # fmt: skip
#: The outcomes an interview may record (those of a closed opportunity).
OUTCOMES: tuple[str, ...] = ("won", "lost")
#: The words that make a reason a service complaint (:func:`is_service_reason`).
SERVICE_WORDS: tuple[str, ...] = (
    "service", "support", "response", "responsive", "unresponsive", "responsiveness",
)  # fmt: skip
_SERVICE = re.compile(r"\b(?:" + "|".join(SERVICE_WORDS) + r")s?\b", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InterviewError(ChannelLibError):
    """An interview that cannot be recorded, or a corrupt ``interviews.csv``; the message names
    the file, row and value, and the file is left unchanged."""


def is_service_reason(reason: object) -> bool:
    """Whether an interview reason is about the partner's service (:data:`SERVICE_WORDS`).

    Examples
    --------
    >>> is_service_reason("Slow SUPPORT after go-live")
    True
    >>> is_service_reason("price; the partner's services team was fine")
    True
    >>> is_service_reason("price")
    False
    >>> is_service_reason("supportive sponsor")  # a whole word only
    False
    """
    return isinstance(reason, str) and bool(_SERVICE.search(reason))


def _path(plans_dir: str | Path) -> Path:
    return Path(plans_dir) / INTERVIEWS_FILE


def _parse(text: str, path: Path) -> pd.DataFrame:
    """Check the file's text; every row gets its ``line`` (header = line 1)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, [])
    if not header:
        return _frame([])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InterviewError(
            f"{path}, line 1: the header lacks {', '.join(missing)}; interviews.csv starts with "
            f"{','.join(COLUMNS)}"
        )
    rows = []
    for values in reader:
        line = reader.line_num
        if not values or all(v == "" for v in values):
            continue
        if len(values) != len(header):
            raise InterviewError(
                f"{path}, line {line}: {len(values)} fields where the header has {len(header)} "
                "(quote a reason holding commas)"
            )
        row = dict(zip(header, values, strict=True))
        where = f"{path}, line {line}"
        if not row["opportunity_id"].strip():
            raise InterviewError(f"{where}: empty opportunity_id")
        if row["outcome"] not in OUTCOMES:
            raise InterviewError(
                f"{where}: outcome {row['outcome']!r} is not one of {', '.join(OUTCOMES)}"
            )
        if row["close_date"] and not _DATE.match(row["close_date"]):
            raise InterviewError(f"{where}: close_date {row['close_date']!r} is not YYYY-MM-DD")
        rows.append({**{c: row[c] for c in COLUMNS}, "line": line})
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "line"])
    for c in COLUMNS:
        frame[c] = frame[c].astype("string")
    frame["close_date"] = pd.to_datetime(frame["close_date"].replace("", None), errors="coerce")
    frame["line"] = frame["line"].astype("int64")
    frame["service"] = frame["reason"].map(is_service_reason).astype("bool")
    return frame


def read_interviews(plans_dir: str | Path | None) -> pd.DataFrame:
    """Every row of ``plans_dir/interviews.csv``, checked (empty frame when there is none, or
    no plans folder: ``None``).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` (strings; ``close_date`` a datetime), ``line`` (the row's line in the
        file) and ``service`` (bool: :func:`is_service_reason` of the reason).

    Raises
    ------
    InterviewError
        A corrupt line, naming it.

    Examples
    --------
    >>> read_interviews("/tmp/no-such-plans-folder").columns.tolist()[-3:]
    ['recorded_at', 'line', 'service']
    """
    if plans_dir is None:
        return _frame([])
    path = _path(plans_dir)
    if not path.exists():
        return _frame([])
    return _parse(path.read_text(encoding="utf-8"), path)


def latest_interviews(interviews: pd.DataFrame) -> pd.DataFrame:
    """The latest interview of each opportunity (its last row), in file order."""
    return interviews.groupby("opportunity_id", sort=False).tail(1).reset_index(drop=True)


def _opportunity(data_dir: str | Path, opportunity_id: str) -> tuple[dict, str]:
    """The row of ``opportunity_id`` in ``data_dir/opportunities.csv`` and where it is."""
    path = Path(data_dir) / "opportunities.csv"
    if not path.exists():
        raise InterviewError(f"{path} does not exist: there is no opportunity to interview on")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("opportunity_id", "partner_id", "outcome", "close_date")
                   if c not in (reader.fieldnames or [])]  # fmt: skip
        if missing:
            raise InterviewError(f"{path}, line 1: the header lacks {', '.join(missing)}")
        for row in reader:
            if row["opportunity_id"].strip() == opportunity_id:
                return row, f"{path}, line {reader.line_num}"
    raise InterviewError(
        f"opportunity {opportunity_id!r} is not in {path}; use an opportunity_id of that file "
        "(notebook 05 lists the deals that ask for an interview)"
    )


def record_interview(
    plans_dir: str | Path,
    data_dir: str | Path,
    opportunity_id: str,
    *,
    outcome: str,
    reason: str,
    by: str = "",
) -> dict:
    """Append one interview to ``plans_dir/interviews.csv`` (atomically, under its lock).

    Parameters
    ----------
    plans_dir : str or Path
        Plans folder (created when missing).
    data_dir : str or Path
        The dataset folder whose ``opportunities.csv`` holds the opportunity.
    opportunity_id : str
    outcome : {"won", "lost"}
        Must be the opportunity's outcome in ``opportunities.csv``.
    reason : str
        What the customer said (not empty).
    by : str
        Who interviewed.

    Returns
    -------
    dict
        The row written (:data:`COLUMNS`).

    Raises
    ------
    InterviewError
        The opportunity is not in ``opportunities.csv``, is not closed with ``outcome``, the
        reason is empty, or ``interviews.csv`` is corrupt (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> plans = tempfile.mkdtemp()
    >>> row = record_interview(plans, "tests/data/tiny", "D2", outcome="lost",
    ...                        reason="slow support", by="CAM")
    >>> row["partner_id"], row["close_date"], bool(read_interviews(plans)["service"].iloc[0])
    ('P2', '2026-03-01', True)
    """
    opportunity_id, reason = str(opportunity_id).strip(), " ".join(str(reason).split())
    if outcome not in OUTCOMES:
        raise InterviewError(f"--outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    if not reason:
        raise InterviewError(f"{opportunity_id}: the reason is empty; say what the customer said")
    opp, where = _opportunity(data_dir, opportunity_id)
    if opp["outcome"] != outcome:
        raise InterviewError(
            f"{where}: opportunity {opportunity_id} has outcome {opp['outcome']!r}, not "
            f"{outcome!r}; an interview records a deal won or lost as opportunities.csv says"
        )
    row = {
        "opportunity_id": opportunity_id, "partner_id": opp["partner_id"], "outcome": outcome,
        "reason": reason, "interviewed_by": str(by).strip(), "close_date": opp["close_date"],
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    path = _path(plans_dir)
    with locked(path):
        remove_leftover_temp_files(path.parent, target=path.name, min_age=0)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if not old.strip():
            old = ",".join(COLUMNS) + "\n"
        elif not old.endswith("\n"):
            old += "\n"
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerow([row[c] for c in COLUMNS])
        _parse(old + buf.getvalue(), path)  # the old lines and the new one, checked
        atomic_write_text(path, old + buf.getvalue(), durable=True)
    return row


def interviews_for(plans_dir: str | Path, partner_id: str) -> pd.DataFrame:
    """The partner's latest interview of each of its opportunities, newest deal first.

    For the partner's brief (internal: the reasons are the customers' words).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` and ``service`` (bool), without ``line``; empty when none.

    Examples
    --------
    >>> interviews_for("/tmp/no-such-plans-folder", "P004").empty
    True
    """
    latest = latest_interviews(read_interviews(plans_dir))
    mine = latest[latest["partner_id"] == str(partner_id)]
    mine = mine.sort_values(["close_date", "opportunity_id"], ascending=[False, True])
    return mine.drop(columns=["line"]).reset_index(drop=True)


def service_complaints(
    interviews: pd.DataFrame, start: date | pd.Timestamp, end: date | pd.Timestamp
) -> pd.DataFrame:
    """Service complaints by partner: latest interviews with a service reason on deals closed
    in ``[start, end)`` (e.g. the trailing 12 months of a quarter).

    Returns
    -------
    DataFrame
        ``partner_id``, ``complaints`` (int), ``opportunities`` (comma list), one row per
        partner with at least one, by partner id.

    Examples
    --------
    >>> import tempfile
    >>> plans = tempfile.mkdtemp()
    >>> _ = record_interview(plans, "tests/data/tiny", "D2", outcome="lost", reason="no support")
    >>> service_complaints(read_interviews(plans), pd.Timestamp("2025-07-01"),
    ...                    pd.Timestamp("2026-07-01")).to_dict("records")
    [{'partner_id': 'P2', 'complaints': 1, 'opportunities': 'D2'}]
    """
    latest = latest_interviews(interviews)
    hit = latest[latest["service"] & (latest["close_date"] >= pd.Timestamp(start))
                 & (latest["close_date"] < pd.Timestamp(end))]  # fmt: skip
    out = (
        hit.groupby("partner_id", sort=True)["opportunity_id"]
        .agg(complaints="size", opportunities=lambda s: ",".join(sorted(s)))
        .reset_index()
    )
    out["complaints"] = out["complaints"].astype("int64")
    out["partner_id"] = out["partner_id"].astype("string")
    return out[["partner_id", "complaints", "opportunities"]]


def reasons_by_partner(
    interviews: pd.DataFrame,
    partners: pd.DataFrame,
    start: date | pd.Timestamp,
    end: date | pd.Timestamp,
) -> pd.DataFrame:
    """The latest interviews on deals closed in ``[start, end)``, by channel and partner.

    Parameters
    ----------
    interviews : DataFrame
        :func:`read_interviews`.
    partners : DataFrame
        ``partner_id``, ``partner_name``, ``channel_id`` (the dataset's ``partners`` table); a
        partner not in it keeps empty name and channel.
    start, end : date or Timestamp
        The close dates counted (end exclusive), e.g. the trailing 12 months of a quarter.

    Returns
    -------
    DataFrame
        ``channel_id``, ``partner_id``, ``partner_name``, ``interviews``, ``won``, ``lost``,
        ``service_complaints`` (ints) and ``reasons`` (the reasons, newest deal first, joined by
        `` | ``); most service complaints first, then by channel and partner.

    Examples
    --------
    >>> import tempfile
    >>> plans = tempfile.mkdtemp()
    >>> _ = record_interview(plans, "tests/data/tiny", "D1", outcome="won", reason="fast support")
    >>> _ = record_interview(plans, "tests/data/tiny", "D2", outcome="lost", reason="price")
    >>> names = pd.DataFrame({"partner_id": ["P1", "P2"], "partner_name": ["A", "B"],
    ...                       "channel_id": ["VAR", "VAR"]})
    >>> reasons_by_partner(read_interviews(plans), names, pd.Timestamp("2025-07-01"),
    ...                    pd.Timestamp("2026-07-01"))[["partner_id", "lost", "service_complaints"]]
      partner_id  lost  service_complaints
    0         P1     0                   1
    1         P2     1                   0
    """
    latest = latest_interviews(interviews)
    hit = latest[(latest["close_date"] >= pd.Timestamp(start))
                 & (latest["close_date"] < pd.Timestamp(end))]  # fmt: skip
    hit = hit.sort_values(["close_date", "opportunity_id"], ascending=[False, True])
    out = hit.groupby("partner_id", sort=True).agg(
        interviews=("opportunity_id", "size"),
        won=("outcome", lambda s: int((s == "won").sum())),
        lost=("outcome", lambda s: int((s == "lost").sum())),
        service_complaints=("service", "sum"),
        reasons=("reason", lambda s: " | ".join(s)),
    )
    names = partners[["partner_id", "partner_name", "channel_id"]].astype("string")
    out = out.reset_index().astype({"partner_id": "string"}).merge(names, how="left")
    for c in ("interviews", "won", "lost", "service_complaints"):
        out[c] = out[c].astype("int64")
    for c in ("partner_name", "channel_id", "reasons"):
        out[c] = out[c].astype("string").fillna("")
    out = out.sort_values(["service_complaints", "channel_id", "partner_id"],
                          ascending=[False, True, True])  # fmt: skip
    cols = ["channel_id", "partner_id", "partner_name", "interviews", "won", "lost",
            "service_complaints", "reasons"]  # fmt: skip
    return out[cols].reset_index(drop=True)
