"""The workshop app: a guided walk through the seed questions, for a projector, served by Voilà.

A consultant presents the workbook to a client's channel team and changes assumptions live. The
walk follows the order of the design — alignment → revenue or profit → targets → investment →
signals → action plan — one idea per screen: each screen asks one question in one sentence,
shows the explorer of :mod:`channel_lib.interactive.explorers` that answers it, and, where the question asks for
one, a decision control with a *Save* button:

- *targets*: the chosen channel targets (``TargetExplorer.save`` → ``<plans>/targets.csv``);
- *investment*: the budget split (``AllocationExplorer.save`` → ``<plans>/investment.csv``);
- *action plan*: the open actions with their progress and the quarter's new suggestions, each
  accepted (with an owner's name, a due date and a note), rejected or parked
  (:mod:`channel_lib.plans.actions` → ``<plans>/actions.csv``, appended under a lock);
- *decisions*: what was saved in the session, exported as one offline page
  (``<plans>/decisions_<quarter>.html``).

Every write goes to the plans folder, never to the dataset folder, is atomic (a temp file renamed
into place), and each *Save* answers with a status line naming the file written.

``notebooks/workshop.ipynb`` is two calls (:func:`open_workshop`, :meth:`Workshop.show`);
``channel-workbook workshop`` (:func:`serve`) writes a parameterised copy of it to a temp folder
and serves it with Voilà on 127.0.0.1 without code. Screens are built on their first visit, so the
page opens after the first screen's analysis only. Run unattended (papermill, the report batch),
:meth:`Workshop.show` renders a static summary of every screen instead of widgets.

The package, one job per module:

- :mod:`.screens` — the walk: :class:`Screen`, :data:`SCREENS`, :data:`OBJECTIVES`;
- :mod:`.app` — :class:`Workshop` (the ``Stack``, navigation, screens built on first visit) and
  :func:`open_workshop`;
- :mod:`.decisions` — the revenue-or-profit control and the *Save* buttons;
- :mod:`.action_plan` — :class:`ActionPicker`, the action-plan screen;
- :mod:`.closing` — the Decisions screen and its export;
- :mod:`.summary` — the static summary shown when run unattended;
- :mod:`.style` — the projector's CSS and chart theme, status lines;
- :mod:`.server` — :func:`serve`, :func:`voila_command`, :func:`prepare_notebook`,
  :func:`kernel_env`: ``channel-workbook workshop``.
"""

from channel_lib.core.errors import ParameterError
from channel_lib.interactive.workshop.action_plan import ActionPicker
from channel_lib.interactive.workshop.app import Workshop, open_workshop
from channel_lib.interactive.workshop.screens import OBJECTIVES, SCREENS, Screen
from channel_lib.interactive.workshop.server import (
    VOILA_TEMPLATE,
    WorkshopError,
    kernel_env,
    prepare_notebook,
    serve,
    voila_command,
    workshop_notebook,
)
from channel_lib.interactive.workshop.style import CSS

__all__ = [
    "CSS",
    "OBJECTIVES",
    "SCREENS",
    "VOILA_TEMPLATE",
    "ActionPicker",
    "ParameterError",
    "Screen",
    "Workshop",
    "WorkshopError",
    "kernel_env",
    "open_workshop",
    "prepare_notebook",
    "serve",
    "voila_command",
    "workshop_notebook",
]
