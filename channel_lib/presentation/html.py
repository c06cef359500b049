"""Offline HTML for notebooks, in one short name: ``from channel_lib import html``.

A flat facade (like statsmodels' ``api``) over the three modules that do the work:

- :mod:`channel_lib.presentation.offline` — the offline Altair renderer (:func:`enable_offline_charts`,
  :func:`chart_html`, the vega bundle), so a chart never loads vega from a CDN;
- :mod:`channel_lib.presentation.text` — escaping where data enters HTML (:func:`escape`,
  :func:`markdown`, :func:`table`, :func:`column_label`, :func:`plus_zero`);
- :mod:`channel_lib.presentation.export` — an executed notebook → one offline HTML page
  (:func:`export_html`).
"""

from __future__ import annotations

from channel_lib.presentation.export import TEMPLATE_NAME, TEMPLATES, export_html
from channel_lib.presentation.offline import (
    BUNDLE_MARKER,
    CHART_CLASS,
    RENDERER_NAME,
    _chart_id,  # private, re-exported: tools and tests read html._chart_id
    _in_ipython_kernel,  # private, re-exported: the explorers import it from here
    _state,  # private, re-exported: the explorers and tests read html._state
    chart_html,
    enable_offline_charts,
    ensure_bundle_on_page,
    offline_renderer,
    script_json,
    vega_bundle_html,
    vega_lite_version,
)
from channel_lib.presentation.text import (
    column_label,
    escape,
    escape_markdown,
    markdown,
    plus_zero,
    table,
)

__all__ = [
    "BUNDLE_MARKER",
    "CHART_CLASS",
    "RENDERER_NAME",
    "TEMPLATES",
    "TEMPLATE_NAME",
    "_chart_id",
    "_in_ipython_kernel",
    "_state",
    "chart_html",
    "column_label",
    "enable_offline_charts",
    "ensure_bundle_on_page",
    "escape",
    "escape_markdown",
    "export_html",
    "markdown",
    "offline_renderer",
    "plus_zero",
    "script_json",
    "table",
    "vega_bundle_html",
    "vega_lite_version",
]
