"""Interactive exploration: ipywidgets controls that re-run the workbook's analyses live.

Each analysis notebook ends with an "explore" section: one call that shows an explorer's controls
in JupyterLab or Voilà and a static table of its defaults when papermill runs the notebook in a
batch (:func:`batch_mode`). The workshop app (``notebooks/workshop.ipynb``) strings the same
explorers together for a projector.

- :mod:`.core` — :func:`batch_mode`, :class:`Debouncer`, filter controls, :func:`whole_units`,
  the :class:`Explorer` base.
- :mod:`.planning` — :class:`TargetExplorer` (notebook 02: method and blend weights, targets
  re-split live) and :class:`AllocationExplorer` (notebook 03: budget and limits, the budget
  re-split live); both save their choice to the plans folder.
- :mod:`.monitoring` — :class:`AlignmentExplorer` (notebook 01: quarter and channel),
  :class:`TrendExplorer` (04: channel and measure), :class:`SignalExplorer` (05: signal
  thresholds, materiality and channel / region / tier filters) and :class:`PartnerExplorer`
  (06: filters narrowing a partner picker, the partner's scorecard row and revenue trend).
"""

from channel_lib.interactive.explorers.core import (
    ALL,
    BATCH_ENV,
    Debouncer,
    Explorer,
    batch_mode,
    choice_filter,
    keep,
    whole_units,
)
from channel_lib.interactive.explorers.monitoring import (
    AlignmentExplorer,
    PartnerExplorer,
    SignalExplorer,
    TrendExplorer,
)
from channel_lib.interactive.explorers.planning import AllocationExplorer, TargetExplorer

__all__ = [
    "ALL",
    "BATCH_ENV",
    "AlignmentExplorer",
    "AllocationExplorer",
    "Debouncer",
    "Explorer",
    "PartnerExplorer",
    "SignalExplorer",
    "TargetExplorer",
    "TrendExplorer",
    "batch_mode",
    "choice_filter",
    "keep",
    "whole_units",
]
