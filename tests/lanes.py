"""Test lanes: every test that starts a Jupyter kernel, a server or a browser is marked, and so is
every test on a generated seed, so ``make test-fast`` (``pytest --fast-lane``) can run the rest in
under a minute.

Marking is automatic. A test is marked ``notebook`` (starts a kernel) or ``browser`` (starts a
server or a browser) when its own source, or the source of a fixture it uses (transitively), names
one of the entry points in :data:`KERNEL_STARTERS` / :data:`BROWSER_STARTERS` (as an identifier:
docstrings and comments do not count), or calls the CLI with ``report``, ``workshop`` or ``lab``. Explicit
``@pytest.mark.notebook`` / ``browser`` marks still work and win.

A test that uses a generated dataset (the ``small_sample`` fixture: seeds 1-5 at scale 0.2, the
"general rules on other seeds" checks) is marked ``seeds``: it starts nothing, but generating and
loading five datasets is most of the unit tests' time. The fast lane also runs property tests
(hypothesis) with the ``fast`` profile (10 examples); the whole suite keeps its 25 (CI) or 60.

The fast lane deselects the marked tests and then *forbids* what they do: starting a kernel
(``jupyter_client``'s kernel managers), launching Playwright, or spawning a Jupyter, Voilà or
``channel-workbook report|workshop`` process raises :class:`UnmarkedSlowTest` naming the test, so a
test the scan missed fails loudly instead of slowing the lane. Its fix is an explicit mark (or a
name added to the lists below).
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import subprocess
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import pytest

#: Names whose use means "this starts a Jupyter kernel" (papermill, nbclient, the batch, warm
#: kernels, and the session fixtures of tests/report_fixtures.py that run the batch).
KERNEL_STARTERS = (
    "run_notebook", "run_batch", "run_batch_from_cli", "execute_notebook", "papermill",
    "NotebookClient", "KernelManager", "start_kernel", "WarmKernelEngine",
    "warm_pool", "shutdown_kernels", "batch_reports", "demo_report", "hostile_batch",
)  # fmt: skip
#: Names whose use means "this starts a server or a browser".
BROWSER_STARTERS = (
    "browser", "sync_playwright", "open_offline", "run_jupyterlab", "run_workshop", "chromium",
    "report_page", "voila",
)  # fmt: skip

#: Fixtures that generate datasets from other seeds.
SEED_FIXTURES = ("small_sample",)
#: The markers the fast lane leaves out.
SLOW_MARKERS = ("notebook", "browser", "seeds")

_CLI_COMMANDS = {"report", "workshop", "lab"}


class UnmarkedSlowTest(RuntimeError):
    """A test in the fast lane started a kernel, a server or a browser."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast-lane",
        action="store_true",
        help="run only tests that start no kernel, server or browser, and fail any that does",
    )


@functools.cache
def _names(func: Callable[..., Any]) -> frozenset[str]:
    """The identifiers and short string constants ``func``'s code uses (not its docstring)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):  # built-in or generated: nothing to scan
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.update(node.name.split("."))
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 40
        ):
            names.add("str:" + node.value)
    return frozenset(names)


def _functions_of(item: pytest.Item) -> Iterable[Callable[..., Any]]:
    function = getattr(item, "function", None)
    if function is not None:
        yield function
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info else ():
        for definition in definitions:
            if getattr(definition.func, "__module__", None) != __name__:  # not the guard itself
                yield definition.func


def lanes_of(item: pytest.Item) -> set[str]:
    """The markers ``item`` gets from scanning it and its fixtures (``notebook``, ``browser``,
    ``seeds``)."""
    names = set(getattr(item, "fixturenames", ()))
    for func in _functions_of(item):
        names |= _names(func)
    found = set()
    cli = "str:channel_lib.cli" in names or "main" in names
    if names & set(KERNEL_STARTERS) or (cli and {"str:" + c for c in _CLI_COMMANDS} & names):
        found.add("notebook")
    if names & set(BROWSER_STARTERS):
        found.add("browser")
    if names & set(SEED_FIXTURES):
        found.add("seeds")
    return found


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--fast-lane"):
        from hypothesis import settings

        settings.load_profile("fast")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected, deselected = [], []
    for item in items:
        for lane in sorted(lanes_of(item) - {m.name for m in item.iter_markers()}):
            item.add_marker(getattr(pytest.mark, lane))
        slow = any(item.get_closest_marker(m) for m in SLOW_MARKERS)
        (deselected if slow else selected).append(item)
    if config.getoption("--fast-lane") and deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _forbid(what: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise UnmarkedSlowTest(
            f"this test {what} but is in the fast lane: mark it @pytest.mark.notebook (a kernel) "
            "or @pytest.mark.browser (a server or a browser), or add the name it uses to "
            "tests/lanes.py"
        )

    return refuse


_FORBIDDEN_COMMANDS = re.compile(r"jupyter|voila|ipykernel|chromium")


@pytest.fixture(autouse=True)
def _fast_lane_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the fast lane, starting a kernel, a browser or a server raises (see the module doc)."""
    if not request.config.getoption("--fast-lane"):
        return
    import jupyter_client.manager

    for cls in (jupyter_client.manager.KernelManager, jupyter_client.manager.AsyncKernelManager):
        for name in ("start_kernel", "_async_start_kernel"):
            if hasattr(cls, name):
                monkeypatch.setattr(cls, name, _forbid("starts a Jupyter kernel"))
    import playwright.sync_api

    monkeypatch.setattr(playwright.sync_api, "sync_playwright", _forbid("starts a browser"))
    popen_init = subprocess.Popen.__init__

    def guarded_popen(self: subprocess.Popen, args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = " ".join(map(str, args)) if isinstance(args, list | tuple) else str(args)
        cli_batch = "channel_lib.cli" in argv or "channel-workbook" in argv
        if _FORBIDDEN_COMMANDS.search(argv) or (
            cli_batch and re.search(r"\b(report|workshop|lab)\b", argv)
        ):
            _forbid(f"runs `{argv[:80]}`")()
        popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded_popen)
