"""The offline chart renderer: every chart draws from a vega bundle on the page, never a CDN.

:func:`enable_offline_charts` registers and enables the ``channel_offline`` Altair renderer (and
the workbook theme, :mod:`channel_lib.presentation.theme`). On its first use in a Python process
the renderer emits the vega + vega-lite + vega-embed bundle from ``vl_convert`` (matching
``alt.SCHEMA_VERSION``) as its own display output, marked with :data:`BUNDLE_MARKER` and guarded by
``if (!window.vegaEmbed)``; every chart is then a ``<div>`` plus a ``vegaEmbed(...)`` call that
waits for the bundle. No CDN, so it works in papermill-executed HTML, JupyterLab and Voilà without
network. Chart container ids are deterministic (:func:`_chart_id`), so two runs write the same HTML.

How the bundle reaches every page that shows a chart
----------------------------------------------------
The kernel cannot know which browser pages show its outputs: a JupyterLab page reloaded, or the
notebook opened in a second tab, is a new page under a kernel that has already sent the bundle
once. So each chart's script, when ``window.vegaEmbed`` is still missing after
:data:`FALLBACK_AFTER_MS`, loads the bundle itself from the Jupyter server it runs under:
``<baseUrl>``:data:`BUNDLE_PATH` (``baseUrl`` from the page's ``#jupyter-config-data``), served
by the workbook's server extension :mod:`channel_lib.interactive.bundle_server` with long-lived
cache headers (the URL carries the versions, so the browser loads it once). One request per page,
shared by its charts. A page with no Jupyter config (an exported report, a PDF) requests nothing:
its bundle is inlined. When no bundle can be had, the chart says so in words instead of staying
blank (:data:`NOT_LOADED`).

Why not the bundle in every chart output: ~0.9 MB per chart makes a notebook of ten charts ~9 MB
in Lab (saved, diffed, and re-sent on every open). The once-per-kernel emission stays: it is what
Voilà needs (each page load is a new kernel, and Voilà loads no server extension) and what the
batch's HTML export moves into ``<head>`` once; the executed notebooks of the batch drop it
(:func:`channel_lib.presentation.export.strip_bundle_outputs`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import re
from collections.abc import Mapping
from typing import Any

import altair as alt

from channel_lib.core.errors import ChannelLibError
from channel_lib.presentation.theme import register_theme

#: Marker comment on the display output that carries the vega bundle (the exporter looks for it).
BUNDLE_MARKER = "<!-- channel-workbook:vega-bundle -->"
#: CSS class of every chart container ``<div>``.
CHART_CLASS = "cw-chart"
#: Name of the Altair renderer registered by :func:`enable_offline_charts`.
RENDERER_NAME = "channel_offline"
#: Where the Jupyter server extension serves the bundle, relative to the server's base URL.
BUNDLE_PATH = "channel-workbook/vega-bundle.js"
#: Milliseconds a chart waits for a bundle on the page before it loads the served one.
FALLBACK_AFTER_MS = 1000
#: What a chart says when no bundle could be loaded (it starts "Chart not drawn", which the PDF
#: printer waits for as a chart that gave up).
NOT_LOADED = (
    "Chart not drawn: the chart library was not loaded on this page. Run "
    "channel_lib.presentation.offline.enable_offline_charts(), then the cell again "
    "(in JupyterLab started with `make lab` the library is served to every page)."
)

_bundle_cache: dict[str, str] = {}
#: Per process: has the bundle been sent since :func:`enable_offline_charts`, and how many charts
#: were drawn (the number in each chart's id).
_state: dict[str, Any] = {"bundle_emitted": False, "charts": 0}


def vega_lite_version() -> str:
    """The Vega-Lite ``major.minor`` that Altair writes (``alt.SCHEMA_VERSION`` ``v6.4.1`` → ``6.4``).

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(r"\\d+\\.\\d+", vega_lite_version()))
    True
    """
    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def vega_bundle_js() -> str:
    """The vega + vega-lite + vega-embed bundle as guarded JavaScript (no ``<script>`` tag).

    The bundle (~0.9 MB) comes from ``vl_convert.javascript_bundle`` for :func:`vega_lite_version`
    and is cached per process. It runs only ``if (!window.vegaEmbed)``; the ``if`` block also
    scopes its top-level ``const`` declarations, so a page that runs it twice does not fail. The
    server extension (:mod:`channel_lib.interactive.bundle_server`) serves this text.

    Raises
    ------
    ChannelLibError
        When the installed vl-convert has no bundle for Altair's Vega-Lite version.
    """
    version = vega_lite_version()
    if version not in _bundle_cache:
        import vl_convert  # deferred: a heavy native library, needed only for the first bundle

        try:
            js = vl_convert.javascript_bundle(vl_version=version)
        except (RuntimeError, ValueError) as exc:
            raise ChannelLibError(
                f"vl-convert {vl_convert.__version__} has no Vega-Lite {version} bundle (Altair "
                f"{alt.__version__} writes {alt.SCHEMA_VERSION}); upgrade vl-convert-python"
            ) from exc
        # A "</script" inside the code would end the tag early; none today, but never trust it.
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
        _bundle_cache[version] = f"if (!window.vegaEmbed) {{\n{js}\n}}\n"
    return _bundle_cache[version]


def vega_bundle_html() -> str:
    """The bundle of :func:`vega_bundle_js` as one marked ``<script>`` block.

    Raises
    ------
    ChannelLibError
        When the installed vl-convert has no bundle for Altair's Vega-Lite version.
    """
    return f'{BUNDLE_MARKER}\n<script type="text/javascript">\n{vega_bundle_js()}</script>'


@functools.cache
def bundle_version() -> str:
    """The versions the bundle is made of, as the served URL's ``v`` query (cache key).

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(r"vl\\d+\\.\\d+-vlc[\\w.]+", bundle_version()))
    True
    """
    return f"vl{vega_lite_version()}-vlc{importlib.metadata.version('vl-convert-python')}"


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
  var id = %(id)s, spec = %(spec)s, opt = %(opt)s, lib = %(lib)s, tries = 0, gaveUp = false;
  var script = document.currentScript;
  function fail(msg) {
    gaveUp = true;
    var el = document.getElementById(id);
    if (el) { el.textContent = msg; }
    console.error(msg);
  }
  function served() {
    var cfg = document.getElementById("jupyter-config-data"), base = null;
    try { base = cfg && JSON.parse(cfg.textContent).baseUrl; } catch (e) { base = null; }
    return base ? base.replace(/\\/?$/, "/") + lib : null;
  }
  function load() {
    if (!window.cwVegaBundle) {
      var url = served();
      if (!url) { return; }
      window.cwVegaBundle = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.onload = resolve;
        s.onerror = function () { reject(new Error(url)); };
        document.head.appendChild(s);
      });
      window.cwVegaBundle.catch(function () { window.cwVegaBundle = null; });
    }
    window.cwVegaBundle.catch(function () { fail(%(missing)s); });
  }
  function draw() {
    if (gaveUp) { return; }
    var el = document.getElementById(id) || (script && script.previousElementSibling);
    if (!window.vegaEmbed || !el) {
      if (tries === %(fallback)d && !window.vegaEmbed) { load(); }
      if (tries++ < 300) { setTimeout(draw, 50); return; }
      fail(%(missing)s);
      return;
    }
    window.vegaEmbed(el, spec, opt).catch(function (err) { fail("Chart failed: " + err); });
  }
  draw();
})();"""


def chart_html(spec: Mapping[str, Any], *, embed_options: Mapping[str, Any] | None = None) -> str:
    """The ``<div>`` + ``<script>`` that draws one Vega-Lite spec with ``window.vegaEmbed``.

    The script waits (up to 15 s) until the bundle has defined ``window.vegaEmbed``; after
    :data:`FALLBACK_AFTER_MS` without it, on a Jupyter page, it loads the served bundle (see the
    module docstring), and when none can be had it writes :data:`NOT_LOADED`. Embed options
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
        "lib": script_json(f"{BUNDLE_PATH}?v={bundle_version()}"),
        "missing": script_json(NOT_LOADED),
        "fallback": FALLBACK_AFTER_MS // 50,
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
    """Whether this code runs inside a Jupyter kernel (not a plain interpreter or a terminal)."""
    try:
        from IPython import get_ipython  # deferred: IPython is heavy to import
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
            from IPython.display import HTML, display  # deferred: IPython is heavy to import

            display(HTML(bundle))
        else:
            html = bundle + "\n" + html
        _state["bundle_emitted"] = True
    return {"text/html": html, "text/plain": "<Altair chart: needs a browser to draw>"}


def ensure_bundle_on_page() -> None:
    """Put the vega bundle on the page ahead of the first chart (shared with the offline renderer).

    For outputs that carry chart HTML without going through the renderer (the explorers and the
    workshop). :func:`enable_offline_charts` (run when :mod:`channel_lib.presentation.charts` is
    imported, so again when a notebook is re-run from the top) makes the next chart re-emit it.
    """
    if _state["bundle_emitted"]:
        return
    from IPython.display import HTML, display  # deferred: only a kernel displays

    display(HTML(vega_bundle_html()))
    _state["bundle_emitted"] = True


def enable_offline_charts() -> None:
    """Register and enable the ``channel_offline`` Altair renderer and the workbook theme.

    The theme is registered and enabled on the first call only
    (:func:`channel_lib.presentation.theme.register_theme`). Importing
    :mod:`channel_lib.presentation.charts` calls this, so notebooks that use the chart builders need
    nothing more. Each call makes the next chart re-emit the vega bundle and numbers the charts
    from 1 again, so re-running a notebook from the top in JupyterLab (or after clearing outputs)
    puts the bundle back on the page and gives its charts the same ids.

    Examples
    --------
    >>> enable_offline_charts()
    >>> import altair as alt
    >>> alt.renderers.active
    'channel_offline'
    """
    register_theme()
    alt.renderers.register(RENDERER_NAME, offline_renderer)
    alt.renderers.enable(RENDERER_NAME)
    _state["bundle_emitted"] = False
    _state["charts"] = 0
