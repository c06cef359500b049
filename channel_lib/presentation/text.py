"""Data into HTML, escaped: values in markdown, tables with readers' column labels, signed figures.

Every value that comes from data passes through :func:`escape` or :func:`escape_markdown` before it
reaches a report, so a partner called ``<img onerror=...>`` shows as text: :func:`markdown` escapes
the values of a template, :func:`table` every cell, header and the caption.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.core.figures import plus_zero as plus_zero  # its one home; re-exported here
from channel_lib.presentation.formats import LABELLED_COLUMNS, MISSING, code_label

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def escape(text: Any) -> str:
    """Escape a value for HTML text or attributes (``&``, ``<``, ``>``, ``"``, ``'``).

    Examples
    --------
    >>> escape('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return _html.escape(str(text), quote=True)


def escape_markdown(text: Any) -> str:
    """Escape a value for markdown: backslash before markdown specials (``$`` too, for MathJax),
    then HTML-escape, so the value shows as the literal text it is.

    Examples
    --------
    >>> escape_markdown("*Acme* <b>[1]</b>")
    '\\\\*Acme\\\\* &lt;b&gt;\\\\[1\\\\]&lt;/b&gt;'
    """
    return escape(_MARKDOWN_SPECIALS.sub(r"\\\1", str(text)))


def markdown(template: str, /, **values: Any):
    """A markdown display object with every value escaped (HTML and markdown specials).

    Parameters
    ----------
    template : str
        Markdown with ``str.format`` fields, written by the notebook author (not escaped).
    **values
        Values from data; each one is escaped with :func:`escape_markdown` before formatting, so
        a partner called ``<img onerror=...>`` shows as text. Format specs apply to the escaped
        *string*: pre-format numbers (``f"{x:,.0f}"``) before passing them.

    Returns
    -------
    IPython.display.Markdown

    Examples
    --------
    >>> markdown("Top partner: **{name}**", name="<script>alert(1)</script>").data
    'Top partner: **&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt;**'
    """
    from IPython.display import Markdown  # deferred: IPython is heavy to import

    try:
        text = template.format(**{k: escape_markdown(v) for k, v in values.items()})
    except (KeyError, IndexError) as exc:
        raise ParameterError(
            f"markdown template {template!r} needs a value for {exc}; pass it as a keyword"
        ) from exc
    except ValueError as exc:
        raise ParameterError(
            f"markdown template {template!r}: {exc}; values arrive as escaped text, so format "
            "numbers before passing them (amount=f'{x:,.0f}')"
        ) from exc
    return Markdown(text)


#: Words written in capitals (or their own way) in a column label.
_LABEL_WORDS = {"id": "ID", "qoq": "QoQ", "yoy": "YoY", "csat": "CSAT", "kpi": "KPI", "hhi": "HHI",
                "bh": "BH", "ci": "CI", "pts": "pts", "vs": "vs"}  # fmt: skip


def column_label(name: Any) -> Any:
    """The header a reader sees for a tidy frame's column: ``revenue_attainment`` → ``Revenue
    attainment``; a name with a capital, a space or a symbol is already written for a reader.

    Examples
    --------
    >>> [column_label(n) for n in ("channel_id", "revenue_vs_last_year", "csat", "q (BH)", 3)]
    ['Channel ID', 'Revenue vs last year', 'CSAT', 'q (BH)', 3]
    """
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        return name
    text = " ".join(_LABEL_WORDS.get(w, w) for w in name.split("_") if w)
    return text[:1].upper() + text[1:]


#: Mime type of a table's full frame in a notebook output (:func:`table`): the executed notebook
#: keeps it, the HTML page drops it, the batch writes it to the report's Excel workbook.
TABLE_MIME = "application/vnd.channel-workbook.table+json"
#: Version of the :data:`TABLE_MIME` payload (a reader refuses a version it does not know).
TABLE_PAYLOAD_VERSION = 1

#: Last words of a column name that mark an amount of money (currency units).
_MONEY_WORDS = ("revenue", "profit", "amount", "spend", "target", "budget", "cost", "costs",
                "pipeline", "sales", "usd", "stake", "objective", "exposure")  # fmt: skip
#: Last words of a column name that mark a share (0-1).
_SHARE_WORDS = ("share", "margin", "attainment", "rate", "coverage", "pct", "percent")
#: Last words of a column name that mark a signed change (a share of the base).
_CHANGE_WORDS = ("growth", "yoy", "qoq")


def _column_kind(name: Any, series: pd.Series, pattern: Any) -> str:
    """The kind of a column for the spreadsheet: ``money``, ``share``, ``change``, ``count``,
    ``number``, ``date``, ``bool`` or ``text`` (see :func:`table_payload`)."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if not pd.api.types.is_numeric_dtype(series):
        values = series.dropna()
        if len(values) and all(hasattr(v, "isoformat") for v in values):
            return "date"
        return "text"
    from channel_lib.presentation.formats import KINDS  # deferred: formats is the heavier module

    key = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
    kind = KINDS.get(key)
    if kind in ("money", "share", "change", "count"):
        return kind
    if kind == "score":
        return "number"
    if kind == "points":
        return "count"
    if isinstance(pattern, str) and "%" in pattern:
        return "change" if "+" in pattern else "share"
    last = key.rsplit("_", 1)[-1]
    if last in _SHARE_WORDS or key.endswith("_vs_target"):
        return "share"
    if last in _CHANGE_WORDS or key.endswith("vs_last_year"):
        return "change"
    if last in _MONEY_WORDS:
        return "money"  # an exact column (``*_exact``, 10^-d units) is a count, not currency
    return "count" if pd.api.types.is_integer_dtype(series) else "number"


def _pattern_decimals(pattern: Any) -> int | None:
    """Decimals a ``str.format`` pattern writes (``"{:,.0f}"`` → 0, ``"{:.1%}"`` → 1), if any.

    Examples
    --------
    >>> _pattern_decimals("{:,.0f}"), _pattern_decimals("{:+.1%}"), _pattern_decimals(str)
    (0, 1, None)
    """
    if not isinstance(pattern, str):
        return None
    match = re.search(r"\.(\d+)[f%]", pattern)
    return int(match.group(1)) if match else None


def _json_value(value: Any, kind: str) -> Any:
    """One cell for the JSON payload: a number, a bool, an ISO date, a string or ``None``."""
    if value is None or (not isinstance(value, str | bytes) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):  # fmt: skip
        return None
    if kind == "bool":
        return bool(value)
    if kind == "date" and hasattr(value, "isoformat"):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, bool):
        return value
    if kind in ("money", "share", "change", "count", "number"):
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            return None
        return int(value) if number.is_integer() and abs(number) < 2**53 else number
    return str(value)


def table_payload(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    formats: Mapping[str, Any] | None = None,
    index: bool = False,
    labels: bool = True,
) -> dict[str, Any]:
    """The whole frame of a :func:`table` as JSON data (the :data:`TABLE_MIME` output).

    Parameters
    ----------
    frame : DataFrame
        The frame :func:`table` was given: every row and column, before formatting.
    caption : str, optional
        Its caption, without the "first N rows" note.
    formats : mapping, optional
        The table's formats (a ``"%"`` pattern marks a share, a ``"+…%"`` one a change).
    index : bool
        Include the index as the first columns.
    labels : bool
        Head the columns with :func:`column_label`, as the HTML table does.

    Returns
    -------
    dict
        ``version`` (:data:`TABLE_PAYLOAD_VERSION`), ``caption``, ``rows`` (count), ``columns``
        (one ``{"name", "label", "kind"}`` each, plus ``decimals`` when the table's format string
        says how many; kind ``money`` in currency units, ``share`` and ``change`` as fractions
        0-1, ``count``, ``number``, ``date``, ``bool`` or ``text``) and
        ``data`` (one list per row: numbers as numbers, dates as ISO text, missing as ``None``).

    Examples
    --------
    >>> p = table_payload(pd.DataFrame({"channel_id": ["ONL"], "revenue": [1234.5],
    ...                                 "gross_margin": [0.41], "on_target": [True]}))
    >>> [(c["label"], c["kind"]) for c in p["columns"]]
    [('Channel ID', 'text'), ('Revenue', 'money'), ('Gross margin', 'share'), ('On target', 'bool')]
    >>> p["data"], p["rows"]
    ([['ONL', 1234.5, 0.41, True]], 1)
    """
    full = frame.reset_index() if index else frame
    formats = dict(formats or {})
    columns, cells = [], []
    for position in range(full.shape[1]):
        name = full.columns[position]
        series = full.iloc[:, position]
        kind = _column_kind(name, series, formats.get(name))
        label = column_label(name) if labels else name
        column = {"name": str(name), "label": str(label), "kind": kind}
        decimals = _pattern_decimals(formats.get(name))
        if decimals is not None and kind in ("money", "share", "change", "count", "number"):
            column["decimals"] = decimals
        columns.append(column)
        cells.append([_json_value(v, kind) for v in series.tolist()])
    return {
        "version": TABLE_PAYLOAD_VERSION,
        "caption": caption,
        "rows": len(full),
        "columns": columns,
        "data": [list(row) for row in zip(*cells, strict=True)] if cells else [],
    }


class TableHTML:
    """What :func:`table` returns: its HTML (``.data``) and the full frame under
    :data:`TABLE_MIME` (``.payload``), both in the display output (``_repr_mimebundle_``).

    Examples
    --------
    >>> t = TableHTML("<table></table>", {"caption": "C", "rows": 0, "columns": [], "data": []})
    >>> t.data, t._repr_html_(), repr(t)
    ('<table></table>', '<table></table>', '<table: C, 0 rows>')
    """

    def __init__(self, data: str, payload: Mapping[str, Any]) -> None:
        self.data = data
        self.payload = dict(payload)
        self.metadata: dict[str, Any] = {}

    def _repr_html_(self) -> str:
        return self.data

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/html": self.data, TABLE_MIME: self.payload}

    def __repr__(self) -> str:
        caption = self.payload.get("caption") or "table"
        return f"<table: {caption}, {self.payload.get('rows', 0):,} rows>"


def in_plans_folder(path: str | Path, plans_dir: str | Path | None = None) -> str:
    """A file the workbook wrote, named from the plans folder: a report never prints the
    machine's absolute path (a batch hands the notebooks absolute paths).

    Parameters
    ----------
    path : str or Path
        The file.
    plans_dir : str or Path, optional
        The plans folder; without it the file's name (and a ``proposals/`` folder) is kept.

    Examples
    --------
    >>> in_plans_folder("/srv/run/plans/proposals/targets.csv")
    'proposals/targets.csv in the plans folder'
    >>> in_plans_folder("/srv/run/plans/signals_FY2026-Q4.csv", "/srv/run/plans")
    'signals_FY2026-Q4.csv in the plans folder'
    """
    p = Path(path)
    rel = Path(p.name) if p.parent.name != "proposals" else Path("proposals") / p.name
    if plans_dir is not None:
        try:
            rel = p.resolve().relative_to(Path(plans_dir).resolve())
        except ValueError:
            pass
    return f"{rel.as_posix()} in the plans folder"


def yes_no(value: Any) -> str:
    """A flag as a reader reads it: ``yes`` / ``no``, ``–`` when missing.

    Examples
    --------
    >>> yes_no(True), yes_no(False), yes_no(None), yes_no(float("nan"))
    ('yes', 'no', '–', '–')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return "yes" if bool(value) else "no"


def _is_flag(column: pd.Series) -> bool:
    """Whether a column holds flags only (bool dtype, or objects that are all bools)."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return True
    if column.dtype != object:
        return False
    values = column.dropna()
    return len(values) > 0 and all(isinstance(v, bool | np.bool_) for v in values)


def table(
    frame: pd.DataFrame,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    caption: str | None = None,
    *,
    max_rows: int = 500,
    index: bool = False,
    labels: bool = True,
    shown: Sequence[str] | None = None,
):
    """An HTML table of ``frame`` with every cell, header and the caption HTML-escaped.

    Parameters
    ----------
    frame : DataFrame
        The tidy frame to show (aggregate first: at most ``max_rows`` rows are shown).
    formats : mapping of column to format string or callable, optional
        E.g. ``{"revenue": "{:,.0f}", "share": "{:.1%}"}``; other columns use pandas' default.
    caption : str, optional
        Caption above the table (escaped).
    max_rows : int
        Rows shown; a longer frame is cut and the caption says so.
    index : bool
        Show the index (default: hidden).
    labels : bool
        Head the columns with :func:`column_label` (default) instead of their names.
    shown : sequence of str, optional
        The columns the page shows, for a table wider than the page: the reader's decision
        columns. The others stay in the whole frame (the Excel workbook) and the caption says how
        many. ``None`` shows every column.

    Returns
    -------
    TableHTML
        An ``IPython.display.HTML`` (``.data`` is the HTML) that also displays the whole frame,
        every row and column before formatting, under :data:`TABLE_MIME` (:func:`table_payload`):
        the executed notebook keeps it, the HTML page drops it, the batch turns it into the
        report's Excel workbook (:mod:`channel_lib.presentation.spreadsheet`).

    Examples
    --------
    >>> t = table(pd.DataFrame({"partner": ["<b>x</b>"], "revenue": [1234.5]}),
    ...           formats={"revenue": "{:,.0f}"}, caption="A & B")
    >>> "&lt;b&gt;x&lt;/b&gt;" in t.data, "<b>x" in t.data, "1,234" in t.data, "Revenue" in t.data
    (True, False, True, True)
    >>> bundle = t._repr_mimebundle_()
    >>> bundle[TABLE_MIME]["caption"], bundle[TABLE_MIME]["data"], sorted(bundle)
    ('A & B', [['<b>x</b>', 1234.5]], ['application/vnd.channel-workbook.table+json', 'text/html'])
    >>> narrow = table(pd.DataFrame({"a": [1], "b": [2], "c": [3]}), caption="T", shown=["a"])
    >>> "more columns in the Excel" in narrow.data, ">B<" in narrow.data
    (True, False)
    >>> len(narrow._repr_mimebundle_()[TABLE_MIME]["columns"])
    3
    """

    unknown = [c for c in (formats or {}) if c not in frame.columns]
    if unknown:
        raise ParameterError(
            f"table formats name columns the frame does not have: {', '.join(map(repr, unknown))}"
        )
    note = ""
    if shown is not None:
        missing = [c for c in shown if c not in frame.columns]
        if missing:
            raise ParameterError(
                f"table shown= names columns the frame does not have: {', '.join(map(repr, missing))}"
            )
        hidden = frame.shape[1] - len(shown)
        if hidden:
            note = f" ({hidden} more column{'s' if hidden > 1 else ''} in the Excel workbook)"
    page = frame if shown is None else frame[list(shown)]
    if len(frame) > max_rows:
        page = page.head(max_rows)
        note += f" (first {max_rows:,} of {len(frame):,} rows)"
    formats_given = dict(formats or {})
    formats = {c: f for c, f in formats_given.items() if c in page.columns}
    formats.update({c: yes_no for c in page.columns if c not in formats and _is_flag(page[c])})
    formats.update({c: code_label for c in page.columns
                    if c not in formats and c in LABELLED_COLUMNS})  # fmt: skip
    if labels:
        names = {c: column_label(c) for c in page.columns}
        if len(set(names.values())) == len(names):  # two names one label: keep the names
            page = page.rename(columns=names)
            formats = {names[c]: f for c, f in formats.items()}
    styler = page.style.format(formatter=formats, escape="html", na_rep=MISSING)
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styler = styler.hide(axis="index")
    if caption is not None or note:
        styler = styler.set_caption(escape((caption or "") + note))
    return TableHTML(
        styler.to_html(table_attributes='class="cw-table"'),
        table_payload(frame, caption=caption, formats=formats_given, index=index, labels=labels),
    )
