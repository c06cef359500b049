"""Refresh the README's screenshots: the report index and two reports, an analysis notebook in
JupyterLab and the workshop app.

Run with ``make screenshots`` (or ``.venv/bin/python docs/screenshots.py``). It starts both with
the browser tests' own launchers (``tests/local_servers.py``) — JupyterLab on 127.0.0.1 with a
token and a temp folder holding a copy of notebook 01, and the workshop through
``channel-workbook workshop`` with a temp plans folder — drives Debian's chromium with every
request outside 127.0.0.1 blocked, and writes
``docs/img/lab-notebook.png`` and ``docs/img/workshop.png`` at 1280×800. Before them it runs the
report batch on the sample's latest quarter into the temp folder and captures the top of
``index.html``, notebook 03 and notebook 04 (``docs/img/index.png``, ``report-investment.png``,
``report-trends.png``): what a reader sees first. Nothing is written to the project's ``plans/``
or ``reports/`` folders; the servers are stopped at the end, also on failure.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/local_servers.py: the browser tests' launchers

from local_servers import ServerDidNotStart, open_offline, run_jupyterlab, run_workshop  # noqa: E402

OUT = ROOT / "docs" / "img"
NOTEBOOK = "01_orientation_alignment.ipynb"
TOKEN = "cw-screenshots"
CHROMIUM = "/usr/bin/chromium"
DRAWN = (
    "n => [...document.querySelectorAll('div.cw-chart')]"
    ".filter(d => d.querySelector('.role-mark > *')).length >= n"
)


#: Report pages captured from the batch: page (relative to the quarter's folder) → image.
REPORT_SHOTS = {
    "index.html": "index.png",
    "03_investment_allocation.html": "report-investment.png",
    "04_revenue_profit_trends.html": "report-trends.png",
}


def shoot_reports(browser, base: Path) -> list[str]:
    """Run the sample's batch into ``base`` and capture the top of the index and two reports."""
    from channel_lib.batch.run import run_batch

    runs = run_batch(ROOT / "data" / "sample", "latest", out_dir=base / "reports",
                     plans_dir=base / "plans", partners="top:3")  # fmt: skip
    folder = Path(next(r.html for r in runs if r.html)).parent
    written = []
    for page_name, image in REPORT_SHOTS.items():
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((folder / page_name).as_uri())
        page.wait_for_function(
            "() => [...document.querySelectorAll('div.cw-chart')].every("
            "d => d.querySelector('svg') || d.textContent.trim())"
        )
        time.sleep(0.5)
        page.screenshot(path=str(OUT / image))
        page.close()
        written.append(image)
    return written


def shoot_lab(browser, url: str, path: Path) -> None:
    """Run notebook 01 in Lab and capture its heatmap with the cells around it."""
    page = open_offline(browser, url, timeout_ms=90_000).page
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(DRAWN, arg=3)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    page.keyboard.press("Control+b")  # hide the file browser: more room for the notebook
    chart = page.locator("div.cw-chart").first
    chart.scroll_into_view_if_needed()
    time.sleep(0.5)
    top = chart.bounding_box()["y"]
    page.mouse.move(640, 400)
    page.mouse.wheel(0, top - 160)  # the chart's cell (code and chart) under the toolbar
    time.sleep(1)
    page.screenshot(path=str(path))
    page.close()


def shoot_workshop(browser, url: str, path: Path) -> None:
    """Open the workshop on its investment screen after one budget change."""
    page = open_offline(browser, url, timeout_ms=90_000).page
    page.wait_for_function(DRAWN, arg=1)
    page.get_by_role("button", name="4. Investment", exact=True).click()
    screen = page.locator(".cw-screen-investment")
    screen.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('.cw-screen-investment table.cw-table') !== null"
    )
    # the label sits above its slider, in the control's box (explorers.controls)
    handle = screen.locator(".cw-control", has_text="Budget").locator(".noUi-handle").first
    handle.focus()
    handle.press("PageUp")
    time.sleep(2)  # the debounced redraw
    page.mouse.move(5, 5)
    screen.locator(".cw-question").evaluate("el => el.scrollIntoView({block: 'start'})")
    time.sleep(0.5)
    page.screenshot(path=str(path))
    page.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit("needs /usr/bin/chromium: run `make chromium`")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cw-screenshots-") as tmp, sync_playwright() as p:
        base = Path(tmp)
        (base / "lab").mkdir()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            shot = shoot_reports(browser, base / "batch")
            with run_jupyterlab(base / "lab", ROOT / "notebooks" / NOTEBOOK, token=TOKEN) as lab:
                shoot_lab(browser, lab.url, OUT / "lab-notebook.png")
            with run_workshop(base / "plans") as workshop:
                shoot_workshop(browser, workshop.url, OUT / "workshop.png")
        except ServerDidNotStart as error:
            raise SystemExit(str(error)) from None
        finally:
            browser.close()
    for name in (*shot, "lab-notebook.png", "workshop.png"):
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
