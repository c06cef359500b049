"""channel_lib — the helper package of the Channel Performance Workbook.

The package is layered; each layer imports only the ones below it (``make lint`` checks this with
import-linter, ``docs/architecture.md`` describes it):

- :mod:`channel_lib.cli` — the ``channel-workbook`` command;
- :mod:`channel_lib.batch` — papermill batches, warm kernels, the report index;
  :mod:`channel_lib.interactive` — the explorers (ipywidgets) and the workshop app;
- :mod:`channel_lib.presentation` — theme, charts, tables, offline HTML;
- :mod:`channel_lib.analysis` — the analyses: frames and result objects, no charts, no HTML;
- :mod:`channel_lib.plans` — the plans folder's files (targets, action log, ...);
- :mod:`channel_lib.data` — data contract, loader, the validated ``Dataset``, the metrics cube;
  :mod:`channel_lib.sample` — the sample generator;
- :mod:`channel_lib.core` — errors, atomic files, the fiscal calendar.

Notebooks import short names from here (``from channel_lib import charts, html, targets``): each
is a module of a layer, imported on first use so ``import channel_lib`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from channel_lib.core.errors import ChannelLibError, DataValidationError, ParameterError, Problem

__version__ = "0.1.0"

#: The short names notebooks import, and the module each one is.
NOTEBOOK_MODULES = {
    "alignment": "channel_lib.analysis.alignment",
    "charts": "channel_lib.presentation.charts",
    "html": "channel_lib.presentation.html",
    "investment": "channel_lib.analysis.investment",
    "metrics": "channel_lib.data.cube",
    "overview": "channel_lib.analysis.overview",
    "partner_review": "channel_lib.analysis.partner_review",
    "scorecard": "channel_lib.analysis.scorecard",
    "signals": "channel_lib.analysis.signals",
    "targets": "channel_lib.analysis.targets",
    "trends": "channel_lib.analysis.trends",
    "widgets": "channel_lib.interactive.explorers",
    "workshop": "channel_lib.interactive.workshop",
}
#: The functions and classes importable from here, and the module each one lives in (imported on
#: first use too: ``import channel_lib`` loads neither pandas nor DuckDB).
NAMES = {
    "Dataset": "channel_lib.data.dataset",
    "FiscalCalendar": "channel_lib.core.calendar",
    "load_dataset": "channel_lib.data.loader",
    "open_workbook": "channel_lib.data.workbook",
}


def __getattr__(name: str) -> Any:
    """Import a notebook's short name (``channel_lib.charts``) on first use (PEP 562)."""
    if name in NOTEBOOK_MODULES:
        value = importlib.import_module(NOTEBOOK_MODULES[name])
    elif name in NAMES:
        value = getattr(importlib.import_module(NAMES[name]), name)
    else:
        raise AttributeError(f"module 'channel_lib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *NOTEBOOK_MODULES, *NAMES])


__all__ = [
    "ChannelLibError",
    "DataValidationError",
    "Dataset",
    "FiscalCalendar",
    "ParameterError",
    "Problem",
    "load_dataset",
    "open_workbook",
]
