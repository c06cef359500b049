"""Keep each expensive module-scoped fixture on one xdist worker (a pytest plugin).

A module-scoped fixture that executes notebooks, starts a server or generates datasets costs from
a few seconds to over a minute. Under ``pytest -n 2`` it is built once *per worker that runs a test
using it*: when the scheduler spreads a module's tests over both workers, the fixture is built
twice, and the suite's time depends on luck.

``make test`` runs ``--dist loadgroup``, and this plugin gives every slow test (a test that
:func:`tests.lanes.lanes_of` marks ``notebook``, ``browser`` or ``seeds``) that uses a module- or
class-scoped fixture the ``xdist_group`` of its module. xdist then sends the module's slow tests to
one worker as a unit, larger units first, and spreads every other test one by one over whichever
worker is free. Session-scoped fixtures need no group: the heavy ones build once for all workers
(``report_fixtures._shared_folder``).

Without xdist, or with another ``--dist``, the marks change nothing.
"""

from __future__ import annotations

import pytest
from lanes import lanes_of

#: Fixture scopes whose value lives as long as a module (or a class) of tests.
MODULE_SCOPES = frozenset({"module", "class", "package"})


def module_fixtures(item: pytest.Item) -> list[str]:
    """The names of the module-, class- or package-scoped fixtures ``item`` uses."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return [
        name
        for name, definitions in info.name2fixturedefs.items()
        if any(d.scope in MODULE_SCOPES for d in definitions)
    ]


def group_of(item: pytest.Item) -> str | None:
    """The ``xdist_group`` ``item`` should run in: its module's name when it is slow and shares a
    module-scoped fixture, else ``None``."""
    if not module_fixtures(item) or not lanes_of(item):
        return None
    return item.nodeid.split("::", 1)[0]


def pytest_configure(config: pytest.Config) -> None:
    # xdist registers the mark; so does this plugin, for runs with ``-p no:xdist`` (strict markers)
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.hookimpl(tryfirst=True)  # before xdist's worker hook, which reads the marks into node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
