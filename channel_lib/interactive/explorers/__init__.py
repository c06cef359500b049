"""Interactive exploration: ipywidgets controls that re-run the workbook's analyses live.

Each analysis notebook ends with an "explore" section: one call that shows an explorer's controls
in JupyterLab or Voilà and a static table of its defaults when papermill runs the notebook in a
batch (:func:`batch_mode`). The workshop app (``notebooks/workshop.ipynb``) strings the same
explorers together for a projector.

Shared by every explorer:

- :mod:`.core` — :func:`batch_mode`, :class:`Debouncer`, :func:`whole_units`, the
  :class:`Explorer` base;
- :mod:`.filters` — ``(all)``, the dropdown pickers, :func:`keep`, the partner filters;
- :mod:`.saving` — the plans folder the saving explorers write to.

One module per explorer, in notebook order:

- :mod:`.alignment` — :class:`AlignmentExplorer` (notebook 01: quarter and channel);
- :mod:`.targets` — :class:`TargetExplorer` (02: method and blend weights, targets re-split
  live; saves them to the plans folder);
- :mod:`.allocation` — :class:`AllocationExplorer` (03: budget and limits, the budget re-split
  live; saves it to the plans folder);
- :mod:`.trends` — :class:`TrendExplorer` (04: channel and measure);
- :mod:`.signals` — :class:`SignalExplorer` (05: signal thresholds, materiality and channel /
  region / tier filters);
- :mod:`.partners` — :class:`PartnerExplorer` (06: filters narrowing a partner picker, the
  partner's scorecard row and revenue trend).
"""

from channel_lib.interactive.explorers.alignment import AlignmentExplorer
from channel_lib.interactive.explorers.allocation import AllocationExplorer
from channel_lib.interactive.explorers.core import (
    BATCH_ENV,
    Debouncer,
    Explorer,
    batch_mode,
    whole_units,
)
from channel_lib.interactive.explorers.filters import ALL, choice_filter, keep
from channel_lib.interactive.explorers.partners import PartnerExplorer
from channel_lib.interactive.explorers.signals import SignalExplorer
from channel_lib.interactive.explorers.targets import TargetExplorer
from channel_lib.interactive.explorers.trends import TrendExplorer

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
