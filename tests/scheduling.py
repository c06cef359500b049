"""Run each test module that shares a module-scoped fixture on one xdist worker (a pytest plugin).

A module-scoped fixture that executes notebooks, starts a server or generates datasets costs from
a few seconds to over a minute. Under ``pytest -n 2`` it is built once *per worker that runs a test
using it*: when the scheduler spreads a module's tests over both workers, the fixture is built
twice, and the suite's time depends on luck (the shape matrix's four batches were built twice).

xdist's own answer, ``--dist loadgroup`` with ``xdist_group`` marks, no longer groups anything
under pytest 9: xdist 3.8 puts the group into ``item._nodeid``, which pytest 9's ``nodeid`` does
not read, so every test is scheduled alone. ``make test`` passes ``--dist loadgroup`` and this
plugin supplies the scheduler (:class:`ModuleScheduling`, through xdist's
``pytest_xdist_make_scheduler`` hook): every test of a module whose source declares a module-,
class- or package-scoped fixture goes to one worker as a unit, larger units first; every other
test (and every doctest) is scheduled alone, on whichever worker is free. Session-scoped fixtures
need no unit: the heavy ones build once for all workers (``report_fixtures._shared_folder``).

Without xdist, or with another ``--dist``, nothing changes.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

#: A fixture whose value lives as long as a module, a class or a package of tests.
MODULE_SCOPED = re.compile(r"""scope\s*=\s*["'](module|class|package)["']""")


@functools.cache
def shares_module_fixtures(path: Path) -> bool:
    """Whether the test module at ``path`` declares a module-, class- or package-scoped fixture.

    Examples
    --------
    >>> shares_module_fixtures(Path(__file__).parent / "test_shapes.py")
    True
    >>> shares_module_fixtures(Path(__file__).parent / "test_money.py")
    True
    >>> shares_module_fixtures(Path(__file__).parent / "test_calendar.py")
    False
    """
    return path.suffix == ".py" and path.is_file() and bool(MODULE_SCOPED.search(path.read_text()))


def scope_of(nodeid: str, rootdir: Path) -> str:
    """The unit ``nodeid`` is scheduled in: its module's path when the module shares a
    module-scoped fixture, else the test alone.

    Examples
    --------
    >>> root = Path(__file__).parents[1]
    >>> scope_of("tests/test_shapes.py::test_every_report_of_the_batch_runs[erp]", root)
    'tests/test_shapes.py'
    >>> scope_of("tests/test_calendar.py::test_quarters", root)
    'tests/test_calendar.py::test_quarters'
    """
    module = nodeid.split("::", 1)[0]
    return module if shares_module_fixtures(rootdir / module) else nodeid


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """:class:`ModuleScheduling` for ``--dist loadgroup``; xdist's own scheduler otherwise."""
    if config.getoption("dist", None) != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        """xdist's scope scheduling with :func:`scope_of` as the unit of work."""

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid, config.rootpath)

    return ModuleScheduling(config, log)
