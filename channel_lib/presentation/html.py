"""Offline HTML: the Altair renderer, escaping helpers, and notebook → HTML report export.

Three jobs, all about keeping reports self-contained and safe:

1. **Offline charts** (:mod:`channel_lib.presentation.offline`) — :func:`enable_offline_charts` registers and enables the ``channel_offline``
   Altair renderer. On its first use in a Python process it emits the vega + vega-lite +
   vega-embed bundle from ``vl_convert`` (matching ``alt.SCHEMA_VERSION``) as its own display
   output, marked with :data:`BUNDLE_MARKER` and guarded by ``if (!window.vegaEmbed)``; every chart
   is then a ``<div>`` plus a ``vegaEmbed(...)`` call that waits for the bundle. No CDN, so it works
   in papermill-executed HTML, JupyterLab and Voilà without network.
2. **Escaping where data enters HTML** — :func:`escape`, :func:`markdown` and :func:`table`.
3. **Export** — :func:`export_html` turns an executed notebook into one HTML page: code hidden, no
   require.js / MathJax / widget-manager CDN links, widget outputs stripped, the vega bundle once in
   ``<head>``, stderr outputs kept.
"""

from __future__ import annotations

import copy
import html as _html
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.core.files import atomic_write_text
from channel_lib.presentation.offline import (
    BUNDLE_MARKER,
    CHART_CLASS,
    RENDERER_NAME,
    _chart_id,
    _in_ipython_kernel,
    _state,
    chart_html,
    enable_offline_charts,
    offline_renderer,
    script_json,
    vega_bundle_html,
    vega_lite_version,
)

__all__ = ["BUNDLE_MARKER", "CHART_CLASS", "RENDERER_NAME", "_chart_id", "_in_ipython_kernel",
           "_state", "chart_html", "enable_offline_charts", "offline_renderer", "script_json",
           "vega_bundle_html", "vega_lite_version"]  # fmt: skip

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "channel_report"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# -- 2. escaping ----------------------------------------------------------------------------------
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def plus_zero(text: str) -> str:
    """A signed figure that rounds to zero written ``+0.0`` rather than ``-0.0``.

    Examples
    --------
    >>> [plus_zero(f"{v:+.1%}") for v in (-0.0004, -0.004, 0.0)]
    ['+0.0%', '-0.4%', '+0.0%']
    >>> plus_zero(f"{-0.0004 * 100:+.1f} pts")
    '+0.0 pts'
    """
    digits = text[1:].split(" ")[0].rstrip("%")
    if text.startswith("-") and digits.replace(".", "").replace("0", "") == "":
        return "+" + text[1:]
    return text


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
    from IPython.display import Markdown

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
    from IPython.display import HTML

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


# -- 3. export ------------------------------------------------------------------------------------
def _text(data: Any) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


def _strip_outputs(nb) -> str | None:
    """Remove bundle and widget outputs in place; return the first vega bundle found."""
    bundle = None
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None:
                html = _text(data.get("text/html", ""))
                if BUNDLE_MARKER in html:
                    bundle = bundle or html
                    continue
                if _WIDGET_VIEW in data or _WIDGET_STATE in data:
                    data.pop(_WIDGET_VIEW, None)
                    data.pop(_WIDGET_STATE, None)
                    # what remains of a widget is its text repr ("IntSlider(value=3)"): drop it
                    data.pop("text/plain", None)
                    if not data:
                        continue
            kept.append(out)
        cell["outputs"] = kept
    nb.metadata.pop("widgets", None)
    return bundle


def export_html(notebook_path: str | Path, html_path: str | Path, *, title: str) -> Path:
    """Export an executed notebook to one self-contained, offline HTML page.

    Parameters
    ----------
    notebook_path : str or Path
        The executed ``.ipynb`` (e.g. written by :func:`channel_lib.batch.run.run_notebook`).
    html_path : str or Path
        Where to write the page; written atomically (temp file in the same folder, then renamed).
    title : str
        The page ``<title>``.

    Returns
    -------
    Path
        ``html_path``.

    Notes
    -----
    Uses nbconvert's ``HTMLExporter`` in process with the ``channel_report`` template (extends
    ``lab``; drops the require.js, MathJax, mermaid and widget-manager scripts). Code cells and
    prompts are hidden; markdown cells, outputs, stderr and error outputs are kept. The vega bundle
    is removed from the cell outputs and placed once in ``<head>`` when the page has charts.
    """
    import nbformat
    from nbconvert import HTMLExporter

    notebook_path, html_path = Path(notebook_path), Path(html_path)
    nb = nbformat.read(notebook_path, as_version=4)
    nb = copy.deepcopy(nb)
    bundle = _strip_outputs(nb)
    has_charts = any(
        f'class="{CHART_CLASS}"' in _text(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )
    if has_charts and bundle is None:
        bundle = vega_bundle_html()
    nb.metadata["title"] = title

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    resources = {"channel_vega_bundle": bundle or "", "metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)

    return atomic_write_text(html_path, body)
