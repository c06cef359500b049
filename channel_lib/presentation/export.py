"""Notebook → HTML report: one self-contained, offline page per executed notebook.

:func:`export_html` hides the code, drops the require.js / MathJax / widget-manager CDN links and
the widget outputs and the tables' full frames (:data:`~channel_lib.presentation.text.TABLE_MIME`:
the page stays small; the Excel workbook carries them), keeps stderr, keeps only the cells of one
audience when asked (``cells="deck"``: the cells tagged :data:`DECK_TAG`, the partner's deck;
``cells="brief"``: every cell but those tagged :data:`DECK_ONLY_TAG`, the internal brief), puts the vega bundle of
:mod:`channel_lib.presentation.offline` once in ``<head>`` (template ``templates/channel_report``)
and, when the batch wrote the report's Excel workbook, a line under the title linking it.

:func:`strip_bundle_outputs` takes the bundle out of an executed notebook itself (the batch's
``.ipynb`` files: ~0.9 MB less each); every chart spec, table and other output stays, and the
page exported from it still inlines the bundle once.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from channel_lib.core.files import atomic_write_text
from channel_lib.presentation.offline import BUNDLE_MARKER, CHART_CLASS, vega_bundle_html
from channel_lib.presentation.text import TABLE_MIME, escape

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "channel_report"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Cell tag of what the partner's deck shows (a deck page keeps these cells and no other).
DECK_TAG = "partner"
#: Cell tag of what only the deck shows (its title): the internal brief leaves these cells out.
DECK_ONLY_TAG = "deck-only"
#: What :func:`export_html` keeps of a notebook: every cell, the deck's or the brief's.
CELL_SELECTIONS = ("all", "deck", "brief")
#: CSS class of the line under the title that links the report's other files (the Excel workbook).
FILES_CLASS = "cw-files"


def _text(data: Any) -> str:
    """An output's text, which nbformat stores as one string or a list of lines."""
    return "".join(data) if isinstance(data, list) else str(data)


def _bundle_of(out: Any) -> str | None:
    """The vega bundle an output carries (its HTML, marked with ``BUNDLE_MARKER``), or ``None``."""
    data = out.get("data") or {}
    html = _text(data.get("text/html", ""))
    return html if BUNDLE_MARKER in html else None


def strip_bundle_outputs(notebook_path: str | Path) -> int:
    """Remove the vega bundle's display outputs from an executed notebook file, in place.

    Parameters
    ----------
    notebook_path : str or Path
        An executed ``.ipynb``; rewritten atomically, only when it holds a bundle output.

    Returns
    -------
    int
        How many outputs were removed (0: the file is left untouched).

    Notes
    -----
    Only outputs whose HTML holds :data:`~channel_lib.presentation.offline.BUNDLE_MARKER` go
    (the renderer and the explorers emit the bundle as its own output); chart divs and
    their ``vegaEmbed`` calls, tables (with their full frames), text, stderr and errors stay.
    Opened in JupyterLab, its charts load the library from the workbook's server extension
    (:mod:`channel_lib.presentation.offline`); :func:`export_html` inlines it in the page.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> from channel_lib.presentation.offline import BUNDLE_MARKER
    >>> outs = [new_output("display_data", data={"text/html": BUNDLE_MARKER + "<script>"}),
    ...         new_output("display_data", data={"text/html": '<div class="cw-chart"></div>'})]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "run.ipynb"
    ...     nbformat.write(new_notebook(cells=[new_code_cell(outputs=outs)]), path)
    ...     removed = strip_bundle_outputs(path)
    ...     kept = nbformat.read(path, as_version=4).cells[0].outputs
    >>> removed, [o.data["text/html"] for o in kept]
    (1, ['<div class="cw-chart"></div>'])
    """
    import nbformat  # deferred: as export_html

    notebook_path = Path(notebook_path)
    nb = nbformat.read(notebook_path, as_version=4)
    removed = 0
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if not outputs:
            continue
        kept = [out for out in outputs if _bundle_of(out) is None]
        removed += len(outputs) - len(kept)
        cell["outputs"] = kept
    if removed:
        atomic_write_text(notebook_path, nbformat.writes(nb))
    return removed


def _strip_outputs(nb) -> str | None:
    """Remove bundle and widget outputs in place; return the first vega bundle found."""
    bundle = None
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            found = _bundle_of(out)
            if found is not None:
                bundle = bundle or found
                continue
            data = out.get("data")
            if data is not None:
                data.pop(TABLE_MIME, None)  # the full frame goes to the Excel workbook, not here
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


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def has_deck(notebook_path: str | Path) -> bool:
    """Whether a notebook tags any cell :data:`DECK_TAG` (then it has a partner deck)."""
    import nbformat  # deferred: as export_html

    nb = nbformat.read(Path(notebook_path), as_version=4)
    return any(DECK_TAG in _tags(c) for c in nb.cells)


def select_cells(nb, cells: str) -> None:
    """Keep, in place, the cells of ``nb`` that ``cells`` selects (see :data:`CELL_SELECTIONS`).

    ``"deck"`` keeps only the cells tagged :data:`DECK_TAG` — a cell nobody tagged stays out of
    the partner's deck — and drops the notebook's metadata but its kernel and language;
    ``"brief"`` drops the cells tagged :data:`DECK_ONLY_TAG`; ``"all"`` keeps every cell.

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> nb = new_notebook(cells=[new_markdown_cell("a", metadata={"tags": ["partner"]}),
    ...                          new_markdown_cell("b"),
    ...                          new_markdown_cell("c", metadata={"tags": ["partner", "deck-only"]})])
    >>> select_cells(nb, "deck"); [c.source for c in nb.cells]
    ['a', 'c']
    >>> nb.cells.insert(1, new_markdown_cell("b")); select_cells(nb, "brief"); [c.source for c in nb.cells]
    ['a', 'b']
    """
    if cells not in CELL_SELECTIONS:
        raise ValueError(f"cells={cells!r}: choose one of {', '.join(CELL_SELECTIONS)}")
    if cells == "deck":
        nb.cells = [c for c in nb.cells if DECK_TAG in _tags(c)]
        kept = {k: nb.metadata[k] for k in ("kernelspec", "language_info") if k in nb.metadata}
        nb.metadata.clear()
        nb.metadata.update(kept)
    elif cells == "brief":
        nb.cells = [c for c in nb.cells if DECK_ONLY_TAG not in _tags(c)]


def write_selected(notebook_path: str | Path, dest: str | Path, cells: str) -> Path:
    """Write a copy of an executed notebook holding only the cells ``cells`` selects
    (:func:`select_cells`), e.g. the deck's cells for the deck's own Excel workbook.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     src = Path(folder) / "run.ipynb"
    ...     nbformat.write(new_notebook(cells=[new_markdown_cell("a", metadata={"tags": ["partner"]}),
    ...                                        new_markdown_cell("b")]), src)
    ...     out = write_selected(src, Path(folder) / "deck.ipynb", "deck")
    ...     [c.source for c in nbformat.read(out, as_version=4).cells]
    ['a']
    """
    import nbformat  # deferred: as export_html

    nb = nbformat.read(Path(notebook_path), as_version=4)
    select_cells(nb, cells)
    return atomic_write_text(Path(dest), nbformat.writes(nb))


def files_line_html(excel: str) -> str:
    """The line under a report's title that links its Excel workbook (a relative link).

    Examples
    --------
    >>> files_line_html("00_quarter_overview.xlsx")
    '<p class="cw-files">Tables in Excel: <a href="00_quarter_overview.xlsx">00_quarter_overview.xlsx</a></p>'
    """
    name = escape(excel)
    return f'<p class="{FILES_CLASS}">Tables in Excel: <a href="{name}">{name}</a></p>'


def _insert_files_line(nb, excel: str) -> None:
    """Put :func:`files_line_html` under the title: after the first markdown cell holding a
    level-1 heading (or at the top when there is none), as an output-only cell."""
    from nbformat.v4 import new_code_cell, new_output  # deferred: nbformat, as export_html

    cell = new_code_cell(
        outputs=[new_output("display_data", data={"text/html": files_line_html(excel)})]
    )
    at = 0
    for i, c in enumerate(nb.cells):
        if c.get("cell_type") == "markdown" and any(
            line.startswith("# ") for line in _text(c.get("source", "")).splitlines()
        ):
            at = i + 1
            break
    nb.cells.insert(at, cell)


def export_html(
    notebook_path: str | Path,
    html_path: str | Path,
    *,
    title: str,
    excel: str | None = None,
    cells: str = "all",
) -> Path:
    """Export an executed notebook to one self-contained, offline HTML page.

    Parameters
    ----------
    notebook_path : str or Path
        The executed ``.ipynb`` (e.g. written by :func:`channel_lib.batch.run.run_notebook`).
    html_path : str or Path
        Where to write the page; written atomically (temp file in the same folder, then renamed).
    title : str
        The page ``<title>``.
    excel : str, optional
        The report's Excel workbook, relative to the page (``"00_quarter_overview.xlsx"``): a
        line under the title links it. Pass it only when the workbook was written.
    cells : {"all", "deck", "brief"}
        The cells exported (:func:`select_cells`): a partner notebook gives its deck
        (``"deck"``) and its internal brief (``"brief"``) from one execution.

    Returns
    -------
    Path
        ``html_path``.

    Notes
    -----
    Uses nbconvert's ``HTMLExporter`` in process with the ``channel_report`` template (extends
    ``lab``; drops the require.js, MathJax, mermaid and widget-manager scripts). Code cells and
    prompts are hidden; markdown cells, outputs, stderr and error outputs are kept. The vega bundle
    is removed from the cell outputs and placed once in ``<head>`` when the page has charts; the
    tables' full frames (:data:`~channel_lib.presentation.text.TABLE_MIME`) are dropped.
    """
    # deferred: nbconvert (and its template engine) is heavy, needed only by the batch's export
    import nbformat
    from nbconvert import HTMLExporter

    notebook_path, html_path = Path(notebook_path), Path(html_path)
    nb = nbformat.read(notebook_path, as_version=4)
    nb = copy.deepcopy(nb)
    bundle = _strip_outputs(nb)  # before select_cells: the bundle may sit in a dropped cell
    select_cells(nb, cells)
    has_charts = any(
        f'class="{CHART_CLASS}"' in _text(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )
    if has_charts and bundle is None:
        bundle = vega_bundle_html()
    if excel:
        _insert_files_line(nb, excel)
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
