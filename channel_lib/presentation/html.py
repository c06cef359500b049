"""Offline HTML: the Altair renderer, escaping helpers, and notebook → HTML report export.

Three jobs, all about keeping reports self-contained and safe:

1. **Offline charts** — :func:`enable_offline_charts` registers and enables the ``channel_offline``
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
import hashlib
import html as _html
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.files import atomic_write_text

#: Marker comment on the display output that carries the vega bundle (the exporter looks for it).
BUNDLE_MARKER = "<!-- channel-workbook:vega-bundle -->"
#: CSS class of every chart container ``<div>``.
CHART_CLASS = "cw-chart"
#: Name of the Altair renderer registered by :func:`enable_offline_charts`.
RENDERER_NAME = "channel_offline"

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "channel_report"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

_bundle_cache: dict[str, str] = {}
_state: dict[str, Any] = {"bundle_emitted": False, "charts": 0}


# -- 1. offline Altair renderer ---------------------------------------------------------------------
def vega_lite_version() -> str:
    """The Vega-Lite ``major.minor`` that Altair writes (``alt.SCHEMA_VERSION`` ``v6.4.1`` → ``6.4``).

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(r"\\d+\\.\\d+", vega_lite_version()))
    True
    """
    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def vega_bundle_html() -> str:
    """The vega + vega-lite + vega-embed bundle as one marked, guarded ``<script>`` block.

    The bundle (~0.9 MB) comes from ``vl_convert.javascript_bundle`` for :func:`vega_lite_version`
    and is cached per process. It runs only ``if (!window.vegaEmbed)``; the block also scopes its
    top-level ``const`` declarations, so a page holding two copies does not fail.

    Raises
    ------
    ChannelLibError
        When the installed vl-convert has no bundle for Altair's Vega-Lite version.
    """
    version = vega_lite_version()
    if version not in _bundle_cache:
        import vl_convert

        try:
            js = vl_convert.javascript_bundle(vl_version=version)
        except (RuntimeError, ValueError) as exc:
            raise ChannelLibError(
                f"vl-convert {vl_convert.__version__} has no Vega-Lite {version} bundle (Altair "
                f"{alt.__version__} writes {alt.SCHEMA_VERSION}); upgrade vl-convert-python"
            ) from exc
        # A "</script" inside the code would end the tag early; none today, but never trust it.
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
        _bundle_cache[version] = (
            f'{BUNDLE_MARKER}\n<script type="text/javascript">\n'
            f"if (!window.vegaEmbed) {{\n{js}\n}}\n</script>"
        )
    return _bundle_cache[version]


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` tag: ``<``, ``>``, ``&`` become ``\\u003c`` etc.

    Examples
    --------
    >>> script_json({"name": "</script><b>&"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    # NaN/Infinity are written as the JavaScript literals: the text is a script, not a JSON file
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_CHART_JS = """(function () {
  var id = %(id)s, spec = %(spec)s, opt = %(opt)s, tries = 0;
  var script = document.currentScript;
  function fail(msg) {
    var el = document.getElementById(id);
    if (el) { el.textContent = msg; }
    console.error(msg);
  }
  function draw() {
    var el = document.getElementById(id) || (script && script.previousElementSibling);
    if (!window.vegaEmbed || !el) {
      if (tries++ < 300) { setTimeout(draw, 50); return; }
      fail("Chart not drawn: the vega library was not loaded on this page "
           + "(run channel_lib.html.enable_offline_charts() and re-run the notebook).");
      return;
    }
    window.vegaEmbed(el, spec, opt).catch(function (err) { fail("Chart failed: " + err); });
  }
  draw();
})();"""


def chart_html(spec: Mapping[str, Any], *, embed_options: Mapping[str, Any] | None = None) -> str:
    """The ``<div>`` + ``<script>`` that draws one Vega-Lite spec with ``window.vegaEmbed``.

    The script waits (up to 15 s) until the bundle has defined ``window.vegaEmbed``. Embed options
    default to ``{"actions": false, "renderer": "svg"}``; ``actions`` stays off whatever is passed
    (the actions menu links to the online editor).

    Examples
    --------
    >>> out = chart_html({"mark": "bar", "description": "</script>"})
    >>> out.startswith('<div id="cw-chart-') and "</script>\\"" not in out
    True
    """
    options = {"renderer": "svg", **dict(embed_options or {}), "actions": False}
    div_id = _chart_id(spec, options)
    js = _CHART_JS % {
        "id": script_json(div_id),
        "spec": script_json(spec),
        "opt": script_json(options),
    }
    return (
        f'<div id="{div_id}" class="{CHART_CLASS}"></div>\n'
        f'<script type="text/javascript">\n{js}\n</script>'
    )


def _chart_id(spec: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """A chart container id that is the same on every run: the chart's number since
    :func:`enable_offline_charts` and a digest of its spec, so two runs of a notebook write the
    same HTML (a random id made every report differ from the last) and two equal charts on one
    page still get distinct ids.

    Examples
    --------
    >>> a, b = _chart_id({"mark": "bar"}, {}), _chart_id({"mark": "bar"}, {})
    >>> a != b and a.startswith("cw-chart-") and a[-16:] == b[-16:]
    True
    """
    _state["charts"] += 1
    text = json.dumps([spec, options], sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"cw-chart-{_state['charts']}-{digest}"


def _in_ipython_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def offline_renderer(spec: dict[str, Any], **metadata: Any) -> dict[str, str]:
    """Altair renderer: the chart as offline HTML (see the module docstring).

    On the first chart of the process inside a Jupyter kernel the bundle is published as a separate
    display output before the chart; outside a kernel it is prepended to the chart's own HTML.
    """
    html = chart_html(spec, embed_options=metadata.get("embed_options"))
    if not _state["bundle_emitted"]:
        bundle = vega_bundle_html()
        if _in_ipython_kernel():
            from IPython.display import HTML, display

            display(HTML(bundle))
        else:
            html = bundle + "\n" + html
        _state["bundle_emitted"] = True
    return {"text/html": html, "text/plain": "<Altair chart: needs a browser to draw>"}


def enable_offline_charts() -> None:
    """Register and enable the ``channel_offline`` Altair renderer and the workbook theme.

    Importing :mod:`channel_lib.presentation.charts` calls it, so notebooks that use the chart builders need
    nothing more. Each call makes the next chart re-emit the vega bundle, so re-running a notebook
    from the top in JupyterLab (or after clearing outputs) puts the bundle back on the page.

    Examples
    --------
    >>> enable_offline_charts()
    >>> import altair as alt
    >>> alt.renderers.active
    'channel_offline'
    """
    from channel_lib.presentation import charts  # noqa: F401  (registers and enables the channel_workbook theme)

    alt.renderers.register(RENDERER_NAME, offline_renderer)
    alt.renderers.enable(RENDERER_NAME)
    _state["bundle_emitted"] = False
    _state["charts"] = 0


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
