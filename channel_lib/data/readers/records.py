"""An independent count of a CSV file's records, and the records and cells over their limits.

DuckDB's reader is not trusted to account for every line: a line it cannot hold may vanish
without a rejected line (issue 24: a 31 MB cell). So before DuckDB reads a CSV, this scan counts
its records in Python (quote-aware: a line break inside a quoted cell does not end a record) and
measures every record and cell against :class:`~channel_lib.data.readers.limits.Limits`; after the
read the loader proves lines loaded + lines reported = the records counted here.

The scan reads the file in blocks of :data:`BLOCK` bytes with numpy (a few hundred MB/s), so
memory stays bounded whatever the file holds. It treats every ``"`` as a quote; a reader (DuckDB,
Python's csv module) opens a quoted cell only at a cell's start, so a stray quote inside an
unquoted cell (``Nati"onal``) makes the two counts differ. When they do, :func:`csv_record_count`
counts the records a second way, with Python's csv module under the cell limit, and the loader
accepts the read only when that count agrees with it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from channel_lib.data.readers.limits import Limits

#: Bytes read per block of the scan.
BLOCK = 1 << 23
#: Records (and cells) over a limit listed per file; the rest are counted.
MAX_LISTED = 25

_QUOTE, _COMMA, _LF, _CR = ord('"'), ord(","), ord("\n"), ord("\r")


@dataclass
class RecordScan:
    """What the scan of one CSV file found.

    Attributes
    ----------
    records : int
        Records that are not blank, the header included (a blank line is skipped by the reader).
    blank : int
        Blank lines (nothing, or only ``\\r``, before the line end).
    long_records : list of (int, int)
        (line, bytes) of the records over the line limit, the first :data:`MAX_LISTED`.
    wide_cells : list of (int, int, int)
        (line, column position from 0, bytes) of the cells over the cell limit, the first
        :data:`MAX_LISTED`.
    over : int
        Records and cells over a limit in all (listed or not).
    cr_only : bool
        The file ends its lines with a lone carriage return (old Mac) and holds no line feed.
    """

    records: int = 0
    blank: int = 0
    long_records: list[tuple[int, int]] = field(default_factory=list)
    wide_cells: list[tuple[int, int, int]] = field(default_factory=list)
    over: int = 0
    cr_only: bool = False


def scan_records(path: Path, limits: Limits) -> RecordScan:
    r"""Count the records of the CSV at ``path`` and find those over ``limits``.

    A record ends at a line feed outside quotes (``"`` opens and closes a quoted cell, ``""``
    inside one is a quote); a cell ends at a comma outside quotes or at its record's end. The
    line of a record is its number among the file's records, as the loader numbers lines: the
    header is 1, a blank line counts, a record whose quoted cell holds line breaks counts once.

    Parameters
    ----------
    path : Path
        The CSV file; only read.
    limits : Limits
        ``line_bytes`` and ``cell_bytes`` are used.

    Returns
    -------
    RecordScan

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b'id,note\r\n1,"two\nlines"\r\n\r\n2,' + b"x" * 40 + b"\n3,y")
    >>> scan = scan_records(f, Limits(line_bytes=30, cell_bytes=20))
    >>> scan.records, scan.blank, scan.long_records, scan.wide_cells, scan.over
    (4, 1, [(4, 42)], [(4, 1, 40)], 2)
    """
    scan = RecordScan()
    in_quote = 0  # 1 inside a quoted cell at the block's start
    offset = 0  # position in the file of the block's first byte
    record_start = 0  # position of the current record's first byte
    cell_start, cell_index = 0, 0  # the current cell's first byte and its column position
    line = 1  # line of the current record
    last = -1  # the byte before the block (-1: none)
    seen_lf = seen_cr = False
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            a = np.frombuffer(block, dtype=np.uint8)
            quotes = a == _QUOTE
            n_quotes = int(np.count_nonzero(quotes))
            lf, comma = a == _LF, a == _COMMA
            if n_quotes:  # outside quotes: an even count of quotes before (uint8 keeps parity)
                outside = ((np.cumsum(quotes, dtype=np.uint8) + in_quote) & 1) == 0
                lf &= outside
                comma &= outside
            elif in_quote:  # the whole block inside one quoted cell
                lf[:] = False
                comma[:] = False
            ends = np.flatnonzero(lf)
            seen_lf = seen_lf or bool(ends.size) or _LF in block
            seen_cr = seen_cr or _CR in block
            # records ended in this block: their lengths (line end excluded) and blank ones
            starts = np.concatenate(([record_start - offset], ends[:-1] + 1))
            lengths = ends - starts
            before = np.where(ends > 0, a[np.maximum(ends - 1, 0)], last)
            lengths -= (lengths > 0) & (before == _CR)  # CRLF: the CR is of the line end
            blank = lengths == 0
            scan.blank += int(blank.sum())
            scan.records += int(ends.size - blank.sum())
            for i in np.flatnonzero(lengths > limits.line_bytes):
                _long(scan, line + int(i), int(lengths[i]))
            open_start = offset + int(ends[-1]) + 1 if ends.size else record_start
            if (
                max(int(lengths.max(initial=0)), offset + a.size - open_start) <= limits.cell_bytes
            ):  # no cell is longer than its record: only the open record's cells are carried
                local = max(open_start - offset, 0)
                commas = np.flatnonzero(comma[local:]) + local
                if ends.size:
                    cell_start, cell_index = open_start, 0
                if commas.size:
                    cell_start = offset + int(commas[-1]) + 1
                cell_index += int(commas.size)
            else:
                cell_start, cell_index = _cells(
                    scan, limits, a, lf, comma, ends, offset, record_start, line,
                    cell_start, cell_index, last,
                )  # fmt: skip
            # carry the open record into the next block
            if ends.size:
                record_start = open_start
                line += int(ends.size)
            in_quote = (in_quote + n_quotes) & 1
            last = int(a[-1])
            offset += a.size
    tail = offset - record_start  # a last record without a line end
    if tail:
        if tail == 1 and last == _CR:
            scan.blank += 1
        else:
            scan.records += 1
        if tail > limits.line_bytes:
            _long(scan, line, tail)
        if offset - cell_start > limits.cell_bytes:
            _wide(scan, line, cell_index, offset - cell_start)
    scan.cr_only = seen_cr and not seen_lf and scan.records <= 1
    return scan


def _cells(
    scan: RecordScan,
    limits: Limits,
    a: np.ndarray,
    lf: np.ndarray,
    comma: np.ndarray,
    ends: np.ndarray,
    offset: int,
    record_start: int,
    line: int,
    cell_start: int,
    cell_index: int,
    last: int,
) -> tuple[int, int]:
    """Find the cells over the limit that end in block ``a``; the open cell's start and index.

    ``lf``, ``comma``: the line feeds and commas outside quotes; ``ends``: the positions of
    the line feeds; the rest as carried by :func:`scan_records` at the block's start.
    """
    commas = np.flatnonzero(comma)
    bounds = np.flatnonzero(lf | comma)  # a cell ends at a comma or at its record's end
    cell_lengths = bounds - np.concatenate(([cell_start - offset], bounds[:-1] + 1))
    ahead = np.where(bounds > 0, a[np.maximum(bounds - 1, 0)], last)
    cell_lengths -= (cell_lengths > 0) & lf[bounds] & (ahead == _CR)
    for i in np.flatnonzero(cell_lengths > limits.cell_bytes):
        end = int(bounds[i])
        k = int(np.searchsorted(ends, end))  # records ended before this cell's end
        start = record_start - offset if k == 0 else int(ends[k - 1]) + 1
        column = int(np.count_nonzero((commas >= start) & (commas < end)))
        _wide(scan, line + k, column + (cell_index if k == 0 else 0), int(cell_lengths[i]))
    if ends.size:
        record_start, cell_index = offset + int(ends[-1]) + 1, 0
    if bounds.size:
        cell_start = offset + int(bounds[-1]) + 1
    return cell_start, cell_index + int(np.count_nonzero(commas >= record_start - offset))


def _long(scan: RecordScan, line: int, size: int) -> None:
    scan.over += 1
    if len(scan.long_records) < MAX_LISTED:
        scan.long_records.append((line, size))


def _wide(scan: RecordScan, line: int, column: int, size: int) -> None:
    scan.over += 1
    if len(scan.wide_cells) < MAX_LISTED:
        scan.wide_cells.append((line, column, size))


__all__ = ["BLOCK", "MAX_LISTED", "RecordScan", "scan_records"]


def csv_record_count(path: Path, limits: Limits) -> int | None:
    r"""The records of the CSV at ``path`` as Python's csv module reads them (blank lines and the
    header included), or ``None`` when a cell is over ``limits.cell_bytes`` or the file is not
    CSV the module can read.

    The module opens a quoted cell only at a cell's start, as DuckDB does, so a stray quote in
    an unquoted cell (``Nati"onal``) is a character; memory stays bounded by the cell limit.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b'id,name\n1,Nati"onal\n2,Retail\n')
    >>> scan_records(f, Limits()).records, csv_record_count(f, Limits())
    (2, 3)
    """
    previous = csv.field_size_limit()
    csv.field_size_limit(limits.cell_bytes + 2)  # a cell's quotes count against the limit too
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            return sum(1 for row in csv.reader(f) if row)
    except csv.Error:  # a cell over the limit, or a NUL byte: no second count
        return None
    finally:
        csv.field_size_limit(previous)
