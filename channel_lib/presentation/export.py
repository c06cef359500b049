"""Notebook → HTML report: one self-contained, offline page per executed notebook.

:func:`export_html` hides the code, drops the require.js / MathJax / widget-manager CDN links and
the widget outputs, keeps stderr, and puts the vega bundle of
:mod:`channel_lib.presentation.offline` once in ``<head>`` (template ``templates/channel_report``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from channel_lib.core.files import atomic_write_text
from channel_lib.presentation.offline import BUNDLE_MARKER, CHART_CLASS, vega_bundle_html

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "channel_report"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _text(data: Any) -> str:
    """An output's text, which nbformat stores as one string or a list of lines."""
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
    # deferred: nbconvert (and its template engine) is heavy, needed only by the batch's export
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
