"""Data into HTML, escaped: values in markdown, tables with readers' column labels, signed figures.

Every value that comes from data passes through :func:`escape` or :func:`escape_markdown` before it
reaches a report, so a partner called ``<img onerror=...>`` shows as text: :func:`markdown` escapes
the values of a template, :func:`table` every cell, header and the caption.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.core.figures import plus_zero as plus_zero  # its one home; re-exported here

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


def table(
    frame: pd.DataFrame,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    caption: str | None = None,
    *,
    max_rows: int = 500,
    index: bool = False,
    labels: bool = True,
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

    Returns
    -------
    IPython.display.HTML

    Examples
    --------
    >>> t = table(pd.DataFrame({"partner": ["<b>x</b>"], "revenue": [1234.5]}),
    ...           formats={"revenue": "{:,.0f}"}, caption="A & B")
    >>> "&lt;b&gt;x&lt;/b&gt;" in t.data, "<b>x" in t.data, "1,234" in t.data, "Revenue" in t.data
    (True, False, True, True)
    """
    from IPython.display import HTML  # deferred: IPython is heavy to import

    unknown = [c for c in (formats or {}) if c not in frame.columns]
    if unknown:
        raise ParameterError(
            f"table formats name columns the frame does not have: {', '.join(map(repr, unknown))}"
        )
    shown = frame
    note = ""
    if len(frame) > max_rows:
        shown = frame.head(max_rows)
        note = f" (first {max_rows:,} of {len(frame):,} rows)"
    formats = dict(formats or {})
    if labels:
        names = {c: column_label(c) for c in shown.columns}
        if len(set(names.values())) == len(names):  # two names one label: keep the names
            shown = shown.rename(columns=names)
            formats = {names[c]: f for c, f in formats.items()}
    styler = shown.style.format(formatter=formats, escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styler = styler.hide(axis="index")
    if caption is not None or note:
        styler = styler.set_caption(escape((caption or "") + note))
    return HTML(styler.to_html(table_attributes='class="cw-table"'))
