"""Interactive exploration: ipywidgets controls that re-run the workbook's analyses live.

Each analysis notebook ends with an "explore" section: one call that shows an explorer's controls
in JupyterLab or Voilà and a static table of its defaults when papermill runs the notebook in a
batch (:func:`batch_mode`). The workshop app (``notebooks/workshop.ipynb``) strings the same
explorers together for a projector.

- :mod:`.core` — :func:`batch_mode`, :class:`Debouncer`, filter controls, the :class:`Explorer` base.
"""

from .core import ALL, BATCH_ENV, Debouncer, Explorer, batch_mode, choice_filter, keep

__all__ = ["ALL", "BATCH_ENV", "Debouncer", "Explorer", "batch_mode", "choice_filter", "keep"]
