"""Refresh the README's screenshots: an analysis notebook in JupyterLab and the workshop app.

Run with ``make screenshots`` (or ``.venv/bin/python docs/screenshots.py``). It starts both the
way the browser tests do — JupyterLab on 127.0.0.1 with a token and a temp folder holding a copy
of notebook 01, and the workshop through ``channel-workbook workshop`` with a temp plans folder —
drives Debian's chromium with every request outside 127.0.0.1 blocked, and writes
``docs/img/lab-notebook.png`` and ``docs/img/workshop.png`` at 1280×800. Nothing is written to
the project's ``plans/`` folder; the servers are stopped at the end, also on failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
NOTEBOOK = "01_orientation_alignment.ipynb"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM = "/usr/bin/chromium"
DRAWN = (
    "n => [...document.querySelectorAll('div.cw-chart')]"
    ".filter(d => d.querySelector('.role-mark > *')).length >= n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(proc: subprocess.Popen, port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start on 127.0.0.1:{port}")
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def lab(base: Path) -> Iterator[str]:
    """JupyterLab on a copy of notebook 01; yields the notebook's URL."""
    from channel_lib.workshop import kernel_env

    root, settings = base / "root", base / "settings"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')
    port, token = _free_port(), "cw-screenshots"
    env = kernel_env() | {
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    with (base / "lab.log").open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for_port(proc, port, 60, "JupyterLab")
        yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={token}"
    finally:
        _stop(proc)


@contextlib.contextmanager
def workshop(base: Path) -> Iterator[str]:
    """``channel-workbook workshop`` with a temp plans folder; yields the URL it prints."""
    cli = Path(sys.executable).with_name("channel-workbook")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "channel_lib.cli"]
    command += ["workshop", "--plans", str(base / "plans"), "--no-browser"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)  # fmt: skip
    try:
        for line in proc.stdout:
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                yield found.group(0)
                break
        else:
            raise SystemExit(f"the workshop stopped before printing its URL ({proc.wait()})")
    finally:
        _stop(proc)


def _page(browser):
    page = browser.new_page(viewport=VIEWPORT)
    blocked: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.set_default_timeout(90_000)
    return page, blocked


def shoot_lab(browser, url: str, path: Path) -> None:
    """Run notebook 01 in Lab and capture its heatmap with the cells around it."""
    page, _ = _page(browser)
    page.goto(url)
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
    page, _ = _page(browser)
    page.goto(url)
    page.wait_for_function(DRAWN, arg=1)
    page.get_by_role("button", name="4. Investment", exact=True).click()
    screen = page.locator(".cw-screen-investment")
    screen.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('.cw-screen-investment table.cw-table') !== null"
    )
    handle = screen.locator(".widget-slider", has_text="Budget").locator(".noUi-handle")
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
            with lab(base / "lab") as url:
                shoot_lab(browser, url, OUT / "lab-notebook.png")
            with workshop(base) as url:
                shoot_workshop(browser, url, OUT / "workshop.png")
        finally:
            browser.close()
    for name in ("lab-notebook.png", "workshop.png"):
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
