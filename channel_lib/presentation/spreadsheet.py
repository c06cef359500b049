"""Executed notebook → Excel workbook: every table of a report in full, one sheet each.

:func:`table_payloads` collects the tables a notebook displayed with
:func:`channel_lib.presentation.text.table` (their whole frames, under
:data:`~channel_lib.presentation.text.TABLE_MIME`); :func:`write_workbook` writes them to
``<report>.xlsx`` with openpyxl: a first ``Contents`` sheet (the report's title, then one line per
sheet with its caption and row count, linked to the sheet), then one sheet per table, named from
its caption (:func:`sheet_names`), numbers stored as numbers with number formats (money ``#,##0``,
shares ``0.0%``), a frozen, bold header and column widths that fit. The file is written
atomically (a temporary file in the same folder, then renamed), so a reader never opens half a
workbook.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from channel_lib.core.errors import ChannelLibError
from channel_lib.presentation.text import TABLE_MIME, TABLE_PAYLOAD_VERSION

#: Excel's limit on a sheet name's length.
SHEET_NAME_LIMIT = 31
#: Name of the first sheet (the list of tables).
CONTENTS_SHEET = "Contents"
#: Excel's number format of each column kind (:func:`channel_lib.presentation.text.table_payload`).
NUMBER_FORMATS: dict[str, str] = {
    "money": "#,##0",
    "share": "0.0%",
    "change": "+0.0%;-0.0%;0.0%",
    "count": "#,##0",
    "number": "#,##0.0###",
    "date": "yyyy-mm-dd",
}
#: Widest column (characters) the writer sets.
MAX_COLUMN_WIDTH = 60
#: Rows one sheet holds (Excel's 1,048,576 less the header).
MAX_SHEET_ROWS = 1_048_575

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED = {CONTENTS_SHEET.lower(), "history"}  # "History" is reserved by Excel itself
_MISSING = "–"


class SpreadsheetError(ChannelLibError):
    """A notebook's tables could not be turned into a workbook (an unknown payload version)."""


def _text(data: Any) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


def table_payloads(notebook: Any) -> list[dict[str, Any]]:
    """The tables an executed notebook displayed, in page order.

    Parameters
    ----------
    notebook : str, Path or nbformat.NotebookNode
        The executed ``.ipynb`` (or the notebook already read).

    Returns
    -------
    list of dict
        One :func:`~channel_lib.presentation.text.table_payload` per displayed table.

    Raises
    ------
    SpreadsheetError
        A payload of a version this workbook does not read (a notebook run by a newer one).

    Examples
    --------
    >>> import nbformat
    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> out = new_output("display_data", data={TABLE_MIME: {"version": 1, "caption": "A"},
    ...                                        "text/html": "<table></table>"})
    >>> [p["caption"] for p in table_payloads(new_notebook(cells=[new_code_cell(outputs=[out])]))]
    ['A']
    """
    if isinstance(notebook, str | Path):
        import nbformat  # deferred: only the batch reads notebooks

        source = str(notebook)
        notebook = nbformat.read(notebook, as_version=4)
    else:
        source = "the notebook"
    found = []
    for number, cell in enumerate(notebook.cells, 1):
        for out in cell.get("outputs", []):
            payload = out.get("data", {}).get(TABLE_MIME)
            if payload is None:
                continue
            if payload.get("version") != TABLE_PAYLOAD_VERSION:
                raise SpreadsheetError(
                    f"{source}, cell {number}: a table of payload version "
                    f"{payload.get('version')!r}; this workbook reads version "
                    f"{TABLE_PAYLOAD_VERSION}: re-run the notebook with this version"
                )
            found.append(payload)
    return found


def sheet_names(captions: Iterable[str | None]) -> list[str]:
    """Sheet names from table captions: Excel's forbidden characters ``[]:*?/\\`` removed, at
    most 31 characters, unique (case-insensitively, as Excel compares them), never
    ``Contents`` or ``History``; a table without a caption is ``Table N``.

    Examples
    --------
    >>> sheet_names(["Revenue: FY2026-Q4 [USD]", None, "Partners by revenue, reds first, top 60",
    ...              "Partners by revenue, reds first, top 60 again", "contents"])
    ['Revenue FY2026-Q4 USD', 'Table 2', 'Partners by revenue, reds first', \
'Partners by revenue, reds f (2)', 'contents (2)']
    """
    names: list[str] = []
    taken: set[str] = set(_RESERVED)
    for number, caption in enumerate(captions, 1):
        base = re.sub(r"\s+", " ", _FORBIDDEN.sub("", caption or "")).strip().strip("'").strip()
        base = base or f"Table {number}"
        name, n = base[:SHEET_NAME_LIMIT].rstrip().strip("'"), 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip().strip("'") + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def number_format(kind: str, decimals: int | None = None) -> str | None:
    """Excel's number format of a column kind, with ``decimals`` when the table gave them.

    Examples
    --------
    >>> number_format("money"), number_format("number", 0), number_format("share", 2)
    ('#,##0', '#,##0', '0.00%')
    >>> number_format("change", 1), number_format("text") is None
    ('+0.0%;-0.0%;0.0%', True)
    """
    if decimals is None or kind not in ("money", "share", "change", "count", "number"):
        return NUMBER_FORMATS.get(kind)
    digits = "." + "0" * decimals if decimals > 0 else ""
    if kind == "share":
        return f"0{digits}%"
    if kind == "change":
        return f"+0{digits}%;-0{digits}%;0{digits}%"
    return f"#,##0{digits}"


def _cell_value(value: Any, kind: str) -> Any:
    """A payload cell as openpyxl stores it: numbers as numbers, dates as dates, yes/no."""
    if value is None:
        return _MISSING
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "date" and isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return value
        return stamp.date() if len(value) <= 10 else stamp.replace(tzinfo=None)
    return value


def _shown_width(value: Any, kind: str) -> int:
    """Characters a cell takes once formatted (for the column width)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 10 if isinstance(value, date) else len(str(value))
    if kind in ("share", "change"):
        return len(f"{value:+.1%}")
    if kind in ("money", "count"):
        return len(f"{value:,.0f}")
    return len(f"{value:,.4f}".rstrip("0").rstrip("."))


def _write_table(sheet: Any, payload: Mapping[str, Any]) -> None:
    from openpyxl.styles import Font  # deferred: openpyxl is needed only by the batch
    from openpyxl.utils import get_column_letter

    columns: Sequence[Mapping[str, Any]] = payload.get("columns", [])
    kinds = [c.get("kind", "text") for c in columns]
    sheet.append([c.get("label", c.get("name", "")) for c in columns])
    widths = [len(str(c.get("label", ""))) for c in columns]
    for row in payload.get("data", [])[:MAX_SHEET_ROWS]:
        values = [_cell_value(v, k) for v, k in zip(row, kinds, strict=True)]
        sheet.append(values)
        for i, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            widths[i] = max(widths[i], _shown_width(value, kind))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for i, (kind, column) in enumerate(zip(kinds, columns, strict=True), 1):
        pattern = number_format(kind, column.get("decimals"))
        letter = get_column_letter(i)
        if pattern is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                if not isinstance(cell.value, str):
                    cell.number_format = pattern
        sheet.column_dimensions[letter].width = min(widths[i - 1] + 2, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"


def workbook_bytes(payloads: Sequence[Mapping[str, Any]], *, title: str) -> bytes:
    """The ``.xlsx`` of ``payloads`` (see the module docstring), as bytes.

    Parameters
    ----------
    payloads : sequence of dict
        The tables (:func:`table_payloads`), in page order.
    title : str
        The report's title (first line of the Contents sheet).

    Returns
    -------
    bytes

    Examples
    --------
    >>> import io, openpyxl
    >>> p = {"version": 1, "caption": "Revenue", "rows": 1, "data": [["ONL", 1234.5]],
    ...      "columns": [{"name": "channel_id", "label": "Channel ID", "kind": "text"},
    ...                  {"name": "revenue", "label": "Revenue", "kind": "money"}]}
    >>> wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes([p], title="Overview")))
    >>> wb.sheetnames, wb["Revenue"]["B2"].value, wb["Revenue"]["B2"].number_format
    (['Contents', 'Revenue'], 1234.5, '#,##0')
    """
    from openpyxl import Workbook  # deferred: openpyxl is needed only by the batch
    from openpyxl.styles import Font

    book = Workbook()
    contents = book.active
    contents.title = CONTENTS_SHEET
    contents.append([title])
    contents["A1"].font = Font(bold=True, size=14)
    contents.append([])
    contents.append(["Sheet", "Table", "Rows"])
    for cell in contents[3]:
        cell.font = Font(bold=True)
    names = sheet_names(p.get("caption") for p in payloads)
    for name, payload in zip(names, payloads, strict=True):
        _write_table(book.create_sheet(name), payload)
        contents.append([name, payload.get("caption") or "", payload.get("rows", 0)])
        link = contents.cell(row=contents.max_row, column=1)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
        contents.cell(row=contents.max_row, column=3).number_format = NUMBER_FORMATS["count"]
    if not payloads:
        contents.append(["This report has no tables."])
    contents.column_dimensions["A"].width = SHEET_NAME_LIMIT + 2
    widest = max((len(p.get("caption") or "") for p in payloads), default=10)
    contents.column_dimensions["B"].width = min(widest + 2, MAX_COLUMN_WIDTH * 2)
    contents.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (``.<name>.<random>.tmp`` in the same folder, the
    name :func:`channel_lib.core.files.remove_leftover_temp_files` cleans, then renamed).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write_bytes(folder / "a.xlsx", b"PK").read_bytes(), sorted(os.listdir(folder))
    (b'PK', ['a.xlsx'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; what the workbook writes is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_workbook(notebook_path: str | Path, xlsx_path: str | Path, *, title: str) -> Path | None:
    """Write the tables of an executed notebook to ``xlsx_path``; ``None`` when it has none.

    Parameters
    ----------
    notebook_path : str or Path
        The executed ``.ipynb``.
    xlsx_path : str or Path
        Where the workbook goes (written atomically); a notebook without tables writes nothing
        and removes nothing.
    title : str
        The report's title (the Contents sheet's first line).

    Returns
    -------
    Path or None
        ``xlsx_path``, or ``None`` when the notebook displayed no table.

    Raises
    ------
    SpreadsheetError
        A table payload of an unknown version.
    OSError
        The workbook could not be written (nothing is left under ``xlsx_path`` but what was
        there before).
    """
    payloads = table_payloads(notebook_path)
    if not payloads:
        return None
    return atomic_write_bytes(xlsx_path, workbook_bytes(payloads, title=title))


__all__ = [
    "CONTENTS_SHEET",
    "MAX_COLUMN_WIDTH",
    "NUMBER_FORMATS",
    "SHEET_NAME_LIMIT",
    "SpreadsheetError",
    "atomic_write_bytes",
    "number_format",
    "sheet_names",
    "table_payloads",
    "workbook_bytes",
    "write_workbook",
]
