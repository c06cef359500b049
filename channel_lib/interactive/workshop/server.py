"""Serving the workshop with Voilà on 127.0.0.1: what ``channel-workbook workshop`` runs.

:func:`serve` checks the folders, writes a parameterised copy of ``notebooks/workshop.ipynb``
(:func:`prepare_notebook`) to a temp folder and runs Voilà on it (:func:`voila_command`) with the
workshop's page template (no CDN), until Ctrl-C or SIGTERM.

The server binds 127.0.0.1 only, and two checks keep other pages and other users of the machine
out (issue 24, point 10): a random token (:func:`new_token`) that the printed URL carries as
``?token=`` — a request without it (or the login cookie it sets) is sent to Voilà's login page —
and the ``Host`` header, which must be ``127.0.0.1``, ``localhost`` or another loopback address
(a page on another site cannot reach the server by DNS rebinding). Both are jupyter_server's own
checks, switched on by the ``voila.json`` that :func:`write_voila_config` writes next to the
notebook (Voilà itself turns the ``Host`` check off; the file is readable by its owner only, and
keeps the token off the command line other users can list).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from channel_lib.core.errors import ChannelLibError
from channel_lib.data.pseudonyms import PSEUDONYMS_ENV
from channel_lib.data.workbook import open_workbook, project_root

__all__ = [
    "CULLING",
    "CULL_ENV",
    "VOILA_TEMPLATE",
    "WorkshopError",
    "culling",
    "kernel_env",
    "new_token",
    "prepare_notebook",
    "serve",
    "voila_command",
    "voila_config",
    "workshop_notebook",
    "workshop_url",
    "write_voila_config",
]


class WorkshopError(ChannelLibError):
    """The workshop server cannot start (Voilà missing, port in use, the notebook not found)."""


#: The Voilà page template of the workshop (``channel_lib/interactive/templates/voila/templates/``): Voilà's lab
#: template without the icon stylesheets it links from a CDN, so the page works with no network.
VOILA_TEMPLATE = "channel_workshop"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


#: Host names (besides loopback addresses) the server answers to; any other ``Host`` gets 403.
LOCAL_HOSTNAMES = ("localhost",)

#: Idle-kernel culling for a day's session (seconds). Every page load starts a kernel of
#: ~450 MB that stayed until the server stopped (9 after 8 visits); a kernel no page is connected
#: to (a reloaded or closed tab) is shut down after ``idle_timeout`` seconds without activity,
#: checked every ``interval`` seconds. A kernel with a page open is never culled
#: (``cull_connected`` false: the facilitator's tab survives a long discussion), and Voilà never
#: culls its pre-heated kernels. Environment variables override them (:func:`culling`).
CULLING = {"idle_timeout": 1800, "interval": 60}
#: The environment variables that override :data:`CULLING` (whole seconds; 0 switches it off).
CULL_ENV = {
    "idle_timeout": "CHANNEL_WORKSHOP_CULL_IDLE_TIMEOUT",
    "interval": "CHANNEL_WORKSHOP_CULL_INTERVAL",
}


def culling(
    idle_timeout: int | None = None,
    interval: int | None = None,
    *,
    environ: dict[str, str] | None = None,
) -> dict[str, int]:
    """The idle-kernel culling settings: the arguments, else :data:`CULL_ENV`, else :data:`CULLING`.

    Parameters
    ----------
    idle_timeout : int, optional
        Seconds without activity after which a kernel no page is connected to is shut down
        (0: never).
    interval : int, optional
        Seconds between checks (≥ 1).
    environ : dict, optional
        The environment to read (default ``os.environ``).

    Returns
    -------
    dict
        ``idle_timeout`` and ``interval`` (int seconds).

    Raises
    ------
    WorkshopError
        For a value that is not a whole number of seconds, a negative timeout or an interval
        below 1 (naming the argument or variable).

    Examples
    --------
    >>> culling(environ={})
    {'idle_timeout': 1800, 'interval': 60}
    >>> culling(interval=5, environ={"CHANNEL_WORKSHOP_CULL_IDLE_TIMEOUT": "20"})
    {'idle_timeout': 20, 'interval': 5}
    """
    env = os.environ if environ is None else environ
    given = {"idle_timeout": idle_timeout, "interval": interval}
    out: dict[str, int] = {}
    for name, default in CULLING.items():
        raw: Any = given[name]
        where = name
        if raw is None and env.get(CULL_ENV[name], "").strip():
            raw, where = env[CULL_ENV[name]].strip(), CULL_ENV[name]
        if raw is None:
            raw = default
        whole = isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())
        low = 1 if name == "interval" else 0
        if isinstance(raw, bool) or not whole or int(raw) < low:
            raise WorkshopError(
                f"{where}={raw!r}: the kernel culling {name.replace('_', ' ')} is whole seconds, "
                f"at least {low}"
            )
        out[name] = int(raw)
    return out


def new_token() -> str:
    """A fresh random access token for one workshop server (32 URL-safe characters).

    Examples
    --------
    >>> a, b = new_token(), new_token()
    >>> len(a), a != b, a.replace("-", "").replace("_", "").isalnum()
    (32, True, True)
    """
    return secrets.token_urlsafe(24)


def workshop_url(port: int, token: str) -> str:
    """The URL to open: the server on 127.0.0.1 with its token.

    Examples
    --------
    >>> workshop_url(8866, "abc")
    'http://127.0.0.1:8866/?token=abc'
    """
    return f"http://127.0.0.1:{port}/?token={token}"


def voila_config(token: str) -> dict[str, Any]:
    """Voilà's configuration for the workshop: the token and jupyter_server's ``Host`` check.

    Voilà sets ``allow_remote_access=True`` in its Tornado settings (no ``Host`` check); its
    ``tornado_settings`` are applied after, so ``allow_remote_access=False`` turns the check of
    jupyter_server's handlers back on: a ``Host`` that is neither a loopback address nor in
    :data:`LOCAL_HOSTNAMES` is answered 403.

    Parameters
    ----------
    token : str
        The access token (:func:`new_token`); a request needs it (``?token=`` or the cookie set
        by the first request that had it).

    Returns
    -------
    dict
        The content of ``voila.json``.

    Examples
    --------
    >>> voila_config("abc")["Voila"]["tornado_settings"]["allow_remote_access"]
    False
    """
    if not token:
        raise WorkshopError("the workshop needs a non-empty access token (new_token())")
    return {
        "Voila": {
            "token": token,
            "tornado_settings": {
                "allow_remote_access": False,
                "local_hostnames": list(LOCAL_HOSTNAMES),
            },
        }
    }


def write_voila_config(folder: str | Path, token: str) -> Path:
    """Write :func:`voila_config` as ``voila.json`` in ``folder`` (where Voilà runs), owner-only.

    Voilà reads ``voila.json`` from its working directory first, ahead of the user's Jupyter
    configuration folders.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(folder) / "voila.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(voila_config(token), out, indent=2)
    return path


def workshop_notebook() -> Path:
    """The workshop notebook of the project (``notebooks/workshop.ipynb``).

    Raises
    ------
    WorkshopError
        When the project's notebooks are not there (a package installed without its project).
    """
    path = project_root() / "notebooks" / "workshop.ipynb"
    if not path.exists():
        raise WorkshopError(
            f"{path} not found: the workshop runs from a checkout of the project "
            "(pip install -e . in it, or make venv)"
        )
    return path


def prepare_notebook(
    folder: str | Path,
    *,
    data_dir: str | Path = "data/sample",
    quarter: str = "latest",
    plans_dir: str | Path = "plans",
) -> Path:
    """Write a copy of the workshop notebook with its parameters injected (absolute paths).

    Parameters
    ----------
    folder : str or Path
        Where to write ``workshop.ipynb`` (a temp folder: Voilà's kernel runs there).
    data_dir, quarter, plans_dir
        The notebook's parameters; relative paths are made absolute from the current directory
        (as every ``channel-workbook`` command does).

    Returns
    -------
    Path
        The parameterised notebook.
    """
    # deferred: papermill is heavy and only this step of serving needs it
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(workshop_notebook(), as_version=4)
    parameters = {
        "data_dir": str(_absolute(data_dir)),
        "quarter": quarter,
        "plans_dir": str(_absolute(plans_dir)),
    }
    for cell in nb.cells:  # papermill's parser expects every cell to carry a tags list
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
    out = Path(folder) / "workshop.ipynb"
    nbformat.write(nb, out)
    return out


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute from the current directory (``~`` expanded)."""
    return Path(path).expanduser().absolute()


def _require_voila() -> None:
    """Raise :class:`WorkshopError` saying how to install Voilà when it is missing."""
    if importlib.util.find_spec("voila") is None:
        raise WorkshopError(
            f"Voilà is not installed in {sys.prefix}: run `make venv` (or "
            "`pip install voila`) in the project's environment"
        )


def _check_port(port: int) -> int:
    """``port`` when 127.0.0.1 has it free; :class:`WorkshopError` naming the fix otherwise."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise WorkshopError(
                f"port {port} on 127.0.0.1 is in use ({exc.strerror}): pass another --port, "
                "or leave --port out to use a free one"
            ) from None
    return port


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def voila_command(
    notebook: str, port: int, *, cull: dict[str, int] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve ``notebook`` with Voilà on 127.0.0.1.

    The page uses :data:`VOILA_TEMPLATE` (found through ``JUPYTER_PATH``), so it loads nothing
    from outside the machine; the kernel is pre-heated, tracebacks are shown, and idle kernels
    no page is connected to are culled (jupyter_server's ``MappingKernelManager.cull_*``).

    Parameters
    ----------
    notebook : str
        The notebook's file name, relative to the folder the command runs in.
    port : int
        TCP port on 127.0.0.1.
    cull : dict, optional
        ``idle_timeout`` and ``interval`` in seconds (default :func:`culling`).

    Returns
    -------
    (list of str, dict of str to str)
        For :class:`subprocess.Popen` (``args`` and ``env``).
    """
    cmd = [sys.executable, "-m", "voila", notebook, "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--VoilaConfiguration.show_tracebacks=True",
           "--VoilaConfiguration.preheat_kernel=True", f"--template={VOILA_TEMPLATE}"]  # fmt: skip
    cull = culling() if cull is None else cull
    cmd += [f"--MappingKernelManager.cull_idle_timeout={int(cull['idle_timeout'])}",
            f"--MappingKernelManager.cull_interval={int(cull['interval'])}",
            "--MappingKernelManager.cull_connected=False"]  # fmt: skip
    env = kernel_env()
    env["JUPYTER_PATH"] = os.pathsep.join((str(_TEMPLATES), env["JUPYTER_PATH"]))
    return cmd, env


def kernel_env() -> dict[str, str]:
    """The environment for Jupyter servers: this Python's kernel comes first.

    ``JUPYTER_PATH`` puts this environment's ``share/jupyter`` ahead of a user's own kernel specs,
    so a ``python3`` kernel spec in ``~/.local/share/jupyter`` (another Python) cannot take over.
    """
    env = dict(os.environ)
    share = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (share, env.get("JUPYTER_PATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """Let Ctrl-C and ``kill PID`` stop the server cleanly (main thread only).

    SIGINT gets Python's own handler back: a shell that starts a command in the background
    leaves SIGINT ignored, and Ctrl-C (or ``kill -INT``) would then do nothing. SIGTERM raises
    ``KeyboardInterrupt`` too, so Voilà and its kernels are stopped and the temp folder removed.
    """

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = {
            signal.SIGTERM: signal.signal(signal.SIGTERM, handler),
            signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        }
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


def serve(
    data_dir: str | Path = "data/sample",
    plans_dir: str | Path = "plans",
    quarter: str = "latest",
    *,
    port: int | None = None,
    open_browser: bool = True,
    timeout: float = 60.0,
    echo: Callable[[str], None] | None = None,
    pseudonymise: str | None = None,
    cull_idle_timeout: int | None = None,
    cull_interval: int | None = None,
) -> int:
    """Serve the workshop with Voilà on 127.0.0.1 until Ctrl-C (what ``channel-workbook workshop`` runs).

    The dataset and plans folders are checked first (the same checks as the notebook's), then a
    parameterised copy of ``notebooks/workshop.ipynb`` is written to a temp folder and Voilà
    serves it without code. The URL is printed once the server accepts connections.

    Voilà runs with pre-heated kernels: it executes the notebook in a kernel before anyone asks
    for the page (and again after each visit, for the next one), so the page opens in about two
    seconds instead of the ~15 s of starting a kernel and computing the first screen.

    Parameters
    ----------
    data_dir, plans_dir, quarter
        The workshop's dataset, plans folder and reporting quarter; relative paths are taken from
        the current directory.
    port : int, optional
        Port on 127.0.0.1; default a free one.
    open_browser : bool
        Open the URL in the default browser once the server is up.
    timeout : float
        Seconds to wait for Voilà to accept connections.
    echo : callable, optional
        Where progress lines go (default: standard output, flushed at once).
    pseudonymise : str, optional
        ``customers``, ``partners`` or ``customers,partners``: every screen shows those names
        as the plans folder's stable pseudonyms (:mod:`channel_lib.data.pseudonyms`), for a
        session with outsiders. Voilà's kernels get it as
        :data:`~channel_lib.data.pseudonyms.PSEUDONYMS_ENV`, which ``open_workbook`` reads.
        ``None``: as that variable says in this process (unset: real names).
    cull_idle_timeout, cull_interval : int, optional
        Idle-kernel culling, seconds (:func:`culling`; default :data:`CULLING` or :data:`CULL_ENV`).

    Returns
    -------
    int
        Exit status: 0 after Ctrl-C (or SIGTERM).

    Raises
    ------
    WorkshopError
        Voilà is not installed, the port is in use, or Voilà stopped or did not start.
    ParameterError, DataValidationError
        Bad folders, quarter or data (checked before Voilà starts).
    """
    say = echo or _say
    cull = culling(cull_idle_timeout, cull_interval)
    _require_voila()
    port = _free_port() if port is None else _check_port(port)
    data, plans = _absolute(data_dir), _absolute(plans_dir)
    # fail here, in words, not inside Voilà (this also creates the pseudonyms before any kernel)
    checked = open_workbook(data, quarter, plans, pseudonymise=pseudonymise)
    shown = ",".join(checked.dataset.pseudonyms)
    plans.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="channel-workshop-"))
    log = folder / "voila.log"
    proc: subprocess.Popen | None = None
    try:
        nb = prepare_notebook(folder, data_dir=data, quarter=quarter, plans_dir=plans)
        token = new_token()
        write_voila_config(folder, token)
        cmd, env = voila_command(nb.name, port, cull=cull)
        env[PSEUDONYMS_ENV] = shown or "none"  # set either way: the kernels show what was checked
        with log.open("wb") as out, _stop_signals_as_interrupt():
            proc = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True)  # fmt: skip
            _wait_for_port(proc, port, timeout, log)
            url = workshop_url(port, token)
            say(f"Workshop ({data.name}, {quarter}) at {url}")
            if shown:
                say(f"Names shown as pseudonyms: {shown.replace(',', ', ')}.")
            if cull["idle_timeout"]:
                say(f"A kernel no page uses stops after {cull['idle_timeout'] // 60} min idle.")
            say(f"Decisions are saved to {plans}. Press Ctrl-C to stop.")
            if open_browser:
                webbrowser.open(url)
            try:
                status = proc.wait()
            except KeyboardInterrupt:
                say("Stopping the workshop…")
                return 0
            raise WorkshopError(
                f"Voilà stopped on its own (exit status {status}):\n{_log_tail(log)}"
            )
    finally:
        if proc is not None and proc.poll() is None:
            _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


def _say(line: str) -> None:
    print(line, flush=True)


def _wait_for_port(proc: subprocess.Popen, port: int, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise WorkshopError(
                f"Voilà exited with status {proc.returncode} before serving:\n{_log_tail(log)}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        if time.monotonic() > deadline:
            raise WorkshopError(
                f"Voilà did not accept connections on 127.0.0.1:{port} within {timeout:.0f} s:"
                f"\n{_log_tail(log)}"
            )
        time.sleep(0.2)


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM Voilà (it shuts its kernels down), then SIGKILL its process group if it hangs."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
