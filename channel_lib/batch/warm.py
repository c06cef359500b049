"""Inside a warm kernel: the warm-up imports and the reset between notebooks.

Kept apart from :mod:`channel_lib.batch.engine` so a kernel imports only this light module, never
papermill or the executors. The worker side (:class:`channel_lib.batch.engine.WarmKernelEngine`)
runs :func:`kernel_warm_up` once per kernel and :func:`kernel_reset` before every notebook.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from typing import Any

_kernel_state: dict[str, Any] = {}


def kernel_warm_up() -> None:
    """Inside a new warm kernel: import what reports use and remember the state to restore."""
    import warnings

    import altair  # noqa: F401
    import duckdb
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    with contextlib.suppress(ImportError):
        import statsmodels.api  # noqa: F401

    import channel_lib  # noqa: F401
    from channel_lib.analysis import overview  # noqa: F401
    from channel_lib.presentation import html

    html.vega_bundle_html()  # builds the per-process cache of the ~0.9 MB vega bundle
    duckdb.connect().execute("SELECT 1").fetchall()

    _kernel_state["filters"] = list(warnings.filters)
    _kernel_state["environ"] = dict(os.environ)
    _kernel_state["path"] = list(sys.path)


def kernel_reset(cwd: str, env: Mapping[str, str]) -> None:
    """Inside a warm kernel, before each notebook: make it look like a fresh kernel.

    Clears the user namespace and output history (IPython ``reset`` with a new history session,
    so the execution count starts at 1 again without clashing in the history database), restores
    the working directory, environment, ``sys.path``, warning filters (and forgets which warnings
    were shown) and pandas display options, and re-enables the offline chart renderer so the
    first chart emits the vega bundle again.

    Parameters
    ----------
    cwd : str
        Working directory for the next notebook.
    env : mapping
        Environment variables to set on top of the kernel's original environment.
    """
    import warnings

    import pandas as pd
    from IPython import get_ipython

    from channel_lib.presentation import html

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # a new history session: execution count back to 1
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(_kernel_state.get("environ", {}))
    os.environ.update(env)
    sys.path[:] = _kernel_state.get("path", sys.path)
    warnings.filters[:] = _kernel_state.get("filters", warnings.filters)
    warnings._filters_mutated()  # every module's registry of shown warnings is stale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.reset_option("^display\\.")  # "all" would validate the matplotlib plot backend
    html.enable_offline_charts()


__all__ = ["kernel_reset", "kernel_warm_up"]
