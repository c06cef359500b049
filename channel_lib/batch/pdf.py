"""A batch's pages → PDF: every report printed with Debian's chromium, one browser for them all.

``channel-workbook report --pdf`` calls :func:`print_pages` after the pages are written: it starts
one headless chromium through Playwright (:data:`CHROMIUM`, never a browser Playwright downloads),
blocks every request that is not a local file (a page that reaches for the network prints what
it shows offline), opens each page, waits until every chart has drawn (each ``.cw-chart`` holds
its ``svg``: charts are drawn as SVG, so the PDF carries their axis titles as text), prints it
with the report template's print stylesheet (A4 or Letter, backgrounds printed) and writes
``<report>.pdf`` beside the page, atomically. A page that fails (a chart that does not draw, a
timeout) is reported for that page; the others are still printed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.presentation.spreadsheet import atomic_write_bytes

#: Debian's chromium (``make chromium`` installs it).
CHROMIUM = Path("/usr/bin/chromium")
#: Arguments chromium is started with (the browser tests use the same).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Paper sizes :func:`print_pages` takes (Playwright's names).
PAPERS = ("A4", "Letter")
#: Seconds a page may take to load and draw its charts.
PAGE_TIMEOUT = 60.0

#: True in the page when every chart has drawn or given up (the offline renderer writes
#: "Chart failed: …" / "Chart not drawn: …" into a chart it cannot draw).
_CHARTS_SETTLED = """() => [...document.querySelectorAll('.cw-chart')].every(
  el => el.querySelector('svg') || /^Chart (failed|not drawn)/.test(el.textContent.trim()))"""
#: The charts of the page that have no ``svg``: their position and text.
_CHARTS_MISSING = """() => [...document.querySelectorAll('.cw-chart')]
  .map((el, i) => [i + 1, el.querySelector('svg') ? null : el.textContent.trim().slice(0, 200)])
  .filter(x => x[1] !== null)"""


class PdfError(ChannelLibError):
    """The pages cannot be printed: chromium or Playwright is missing, or a page did not draw."""


def check_printer() -> None:
    """Raise :class:`PdfError` naming the fix when chromium or Playwright is missing.

    Called before a ``--pdf`` batch runs anything, so a missing browser costs no report run.
    """
    try:
        import playwright.sync_api  # noqa: F401 - deferred: only --pdf needs it
    except ImportError as exc:
        raise PdfError(
            "--pdf needs Playwright (the Python package that drives chromium): install it with "
            "`.venv/bin/python -m pip install playwright` (no browser download is needed: the "
            "workbook uses Debian's chromium), or run without --pdf"
        ) from exc
    if not CHROMIUM.exists():
        raise PdfError(
            f"--pdf needs Debian's chromium at {CHROMIUM}: run `make chromium` "
            "(apt-get install -y chromium, as root), or run without --pdf"
        )


def _route(route) -> None:
    """Let a page load local files and inline data only; abort every other request."""
    if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


def print_pages(
    pages: Sequence[tuple[str | Path, str | Path]],
    *,
    paper: str = "A4",
    timeout: float = PAGE_TIMEOUT,
    progress: Callable[[int], object] | None = None,
) -> dict[Path, str | None]:
    """Print HTML pages to PDF with one headless chromium.

    Parameters
    ----------
    pages : sequence of (html, pdf) paths
        Each page and where its PDF goes (written atomically).
    paper : str
        ``"A4"`` or ``"Letter"``.
    timeout : float
        Seconds one page may take to load and draw every chart.
    progress : callable, optional
        Called with ``1`` after each page (e.g. a tqdm bar's ``update``).

    Returns
    -------
    dict
        PDF path → ``None`` when written, else the one-line reason it was not (the page's charts
        that did not draw, a timeout, a write error).

    Raises
    ------
    ParameterError
        An unknown paper size.
    PdfError
        chromium or Playwright is missing (:func:`check_printer`).

    Examples
    --------
    >>> print_pages([], paper="A5")
    Traceback (most recent call last):
    ...
    channel_lib.core.errors.ParameterError: paper 'A5' is not one of A4, Letter: pass paper="A4" or paper="Letter"
    """
    if paper not in PAPERS:
        raise ParameterError(
            f'paper {paper!r} is not one of {", ".join(PAPERS)}: pass paper="A4" or paper="Letter"'
        )
    results: dict[Path, str | None] = {}
    if not pages:
        return results
    check_printer()
    if _loop_running():
        # Playwright's sync API refuses to run where an asyncio loop runs (a Jupyter kernel,
        # another sync Playwright session): print from a thread of its own
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf") as pool:
            return pool.submit(_print_all, pages, paper, timeout, progress).result()
    return _print_all(pages, paper, timeout, progress)


def _loop_running() -> bool:
    """Whether an asyncio event loop runs in this thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _print_all(
    pages: Sequence[tuple[str | Path, str | Path]],
    paper: str,
    timeout: float,
    progress: Callable[[int], object] | None,
) -> dict[Path, str | None]:
    """:func:`print_pages` in this thread, with one browser."""
    from playwright.sync_api import Error as PlaywrightError  # deferred: only --pdf needs it
    from playwright.sync_api import sync_playwright

    results: dict[Path, str | None] = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", _route)
            for html, pdf in pages:
                html, pdf = Path(html), Path(pdf)
                try:
                    results[pdf] = _print_one(context, html, pdf, paper, timeout)
                except (PlaywrightError, OSError) as exc:
                    results[pdf] = f"{html.name}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                if progress is not None:
                    progress(1)
        finally:
            browser.close()
    return results


def _print_one(context, html: Path, pdf: Path, paper: str, timeout: float) -> str | None:
    """Print one page; the reason it was not printed, or ``None``."""
    page = context.new_page()
    try:
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=timeout * 1000)
        page.wait_for_function(_CHARTS_SETTLED, timeout=timeout * 1000)
        missing = page.evaluate(_CHARTS_MISSING)
        if missing:
            charts = "; ".join(f"chart {i}: {text or 'empty'}" for i, text in missing)
            return f"{html.name}: not printed, {len(missing)} chart(s) did not draw ({charts})"
        page.emulate_media(media="print")
        data = page.pdf(format=paper, print_background=True, prefer_css_page_size=False)
    finally:
        page.close()
    atomic_write_bytes(pdf, data)
    return None


__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PAGE_TIMEOUT",
    "PAPERS",
    "PdfError",
    "check_printer",
    "print_pages",
]
