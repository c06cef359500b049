"""JupyterLab, the workshop and offline browser pages, as the browser tests and the README's
screenshots (``docs/screenshots.py``, which imports this file by path) both need them.

Servers listen on 127.0.0.1 only, on a free port, and are always stopped; a browser page opened
with :func:`open_offline` aborts every request that would leave 127.0.0.1 and records it. Nothing
here is part of the package: a user starts the workshop with ``channel-workbook workshop`` and Lab
with ``make lab``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Request URLs a page may load: the local servers and inline data.
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:")
#: The workbook's server extension that serves the chart library to every Lab page (``make lab``
#: enables it from the environment's Jupyter config; the test server names it, whatever is installed).
BUNDLE_EXTENSION = "channel_lib.interactive.bundle_server"
WORKSHOP_URL = re.compile(r"http://127\.0\.0\.1:\d+/(?:\?token=[\w-]+)?")


class ServerDidNotStart(RuntimeError):
    """A server exited, or did not listen (or say its URL) in time; the message holds its output."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    Returns
    -------
    int
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc: subprocess.Popen, port: int, timeout: float) -> bool:
    """Wait until something accepts connections on 127.0.0.1:``port``.

    Parameters
    ----------
    proc : subprocess.Popen
        The server process; its exit ends the wait.
    port : int
    timeout : float
        Seconds to wait at most.

    Returns
    -------
    bool
        ``True`` once the port accepts a connection; ``False`` when ``proc`` exited or the time
        ran out first.
    """
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.3)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Send ``sig`` to a running process and wait for it; kill it if it outlives ``timeout`` s.

    Parameters
    ----------
    proc : subprocess.Popen
    sig : int
        ``signal.SIGINT`` is Ctrl-C (the workshop then says it is stopping).
    timeout : float
        Seconds to wait before killing.
    """
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Lab:
    """A running JupyterLab: the notebook's URL (token included) and the server's root folder."""

    url: str
    root: Path


@contextlib.contextmanager
def run_jupyterlab(base: Path, notebook: Path, *, token: str) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 with a token, serving a copy of ``notebook`` from ``base/root``.

    Lab's settings (no news toast, no autosave) and workspaces live under ``base`` too, its log in
    ``base/lab.log``; the workbook's server extension (:data:`BUNDLE_EXTENSION`) is loaded; the
    kernels get :func:`channel_lib.interactive.workshop.kernel_env`, so the notebook's paths
    resolve from the project root.

    Parameters
    ----------
    base : Path
        An empty temp folder.
    notebook : Path
        The notebook to open (copied, never changed).
    token : str
        Lab's access token.

    Yields
    ------
    Lab

    Raises
    ------
    ServerDidNotStart
        When Lab does not listen within 60 s (with the end of its log).
    """
    from channel_lib.interactive.workshop import kernel_env

    root, settings = base / "root", base / "settings"
    root.mkdir()
    shutil.copy(notebook, root / notebook.name)
    # no news toast (it would fetch nothing offline, but covers the page)
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')
    # no autosave: the file keeps what was saved by hand, so a second tab opens it as a new page
    # with none of the first tab's outputs (and no chart library among them)
    docs = settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    docs.parent.mkdir(parents=True)
    docs.write_text('{"autosave": false}')
    port = free_port()
    env = kernel_env() | {
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
               f"--ServerApp.jpserver_extensions={BUNDLE_EXTENSION}=True",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = base / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base)
    try:
        if not wait_for_port(proc, port, 60):
            raise ServerDidNotStart(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
        yield Lab(f"http://127.0.0.1:{port}/lab/tree/{notebook.name}?token={token}", root)
    finally:
        stop(proc)


@dataclass
class Workshop:
    """A running ``channel-workbook workshop``: its URL, plans folder, output so far, process."""

    url: str
    plans: Path
    output: list[str]
    process: subprocess.Popen


@contextlib.contextmanager
def run_workshop(
    plans: Path, *, data: Path | None = None, timeout: float = 90
) -> Iterator[Workshop]:
    """``channel-workbook workshop --no-browser`` from the project root on a free port; stopped
    with Ctrl-C (SIGINT) at the end, as a facilitator would.

    Parameters
    ----------
    plans : Path
        The plans folder it saves to (a temp one: never the project's ``plans/``).
    data : Path, optional
        The dataset folder; ``None``: the command's default (``data/sample``).
    timeout : float
        Seconds to wait for the URL it prints.

    Yields
    ------
    Workshop
        ``output`` keeps growing while the workshop runs (a thread reads it).

    Raises
    ------
    ServerDidNotStart
        When no URL is printed within ``timeout`` seconds (with what it printed).
    """
    cli = Path(sys.executable).with_name("channel-workbook")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "channel_lib.cli.commands"]
    command += ["workshop", *(["--data", str(data)] if data is not None else []),
                "--plans", str(plans), "--no-browser"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise ServerDidNotStart(
                    f"the workshop printed no URL within {timeout:.0f} s:\n{''.join(output)}"
                ) from None
            found = WORKSHOP_URL.search(line)
            url = found.group(0) if found else None
        yield Workshop(url=url, plans=plans, output=output, process=proc)
    finally:
        stop(proc, signal.SIGINT)  # Ctrl-C


@dataclass
class Browsed:
    """A browser page with what it tried to load from outside 127.0.0.1 and its console errors."""

    page: Any
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Requests that would have left the machine, and console errors.

        Returns
        -------
        list of str
            Empty when all is well.
        """
        return self.blocked + self.errors


def open_offline(
    browser: Any, url: str, *, height: int = 800, timeout_ms: float = 60_000
) -> Browsed:
    """Open ``url`` in a new 1280-wide page that aborts (and records) every request not to
    127.0.0.1 and records console errors and uncaught page errors.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
    url : str
    height : int
        Viewport height in pixels.
    timeout_ms : float
        The page's default timeout for waits and clicks (loading the page may take 90 s).

    Returns
    -------
    Browsed
    """
    page = browser.new_page(viewport={"width": 1280, "height": height})
    seen = Browsed(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"page error: {e}"))

    def route(r) -> None:
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            seen.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.set_default_timeout(timeout_ms)
    try:
        page.goto(url, timeout=90_000)
    except Exception:
        page.close()
        raise
    return seen
