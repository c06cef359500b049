"""The workshop app: a guided walk through the seed questions, for a projector, served by Voilà.

A consultant presents the workbook to a client's channel team and changes assumptions live. The
walk follows the order of the design — alignment → revenue or profit → targets → investment →
signals → action plan — one idea per screen: each screen asks one question in one sentence,
shows the explorer of :mod:`channel_lib.interactive.explorers` that answers it, and, where the question asks for
one, a decision control with a *Save* button:

- *targets*: the chosen channel targets (``TargetExplorer.save`` → ``<plans>/targets.csv``);
- *investment*: the budget split (``AllocationExplorer.save`` → ``<plans>/investment.csv``);
- *action plan*: the actions accepted for the flagged partners (:func:`channel_lib.plans.actions.accept`
  → ``<plans>/actions.csv``, appended under a lock).

Every write goes to the plans folder, never to the dataset folder, is atomic (a temp file renamed
into place), and each *Save* answers with a status line naming the file written.

``notebooks/workshop.ipynb`` is two calls (:func:`open_workshop`, :meth:`Workshop.show`);
``channel-workbook workshop`` (:func:`serve`) writes a parameterised copy of it to a temp folder
and serves it with Voilà on 127.0.0.1 without code. Screens are built on their first visit, so the
page opens after the first screen's analysis only. Run unattended (papermill, the report batch),
:meth:`Workshop.show` renders a static summary of every screen instead of widgets.
"""

from __future__ import annotations

import contextlib
import html as _html
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.data.workbook import Workbook, open_workbook, project_root, resolve_path

__all__ = [
    "SCREENS",
    "ActionPicker",
    "Screen",
    "Workshop",
    "WorkshopError",
    "open_workshop",
    "prepare_notebook",
    "serve",
    "workshop_notebook",
]


class WorkshopError(ChannelLibError):
    """The workshop server cannot start (Voilà missing, port in use, the notebook not found)."""


@dataclass(frozen=True)
class Screen:
    """One screen of the walk.

    Attributes
    ----------
    key : str
        Identifier (``"investment"``); tests and the static summary use it.
    title : str
        Short name shown in the step indicator.
    question : str
        The one-sentence question the screen answers, shown in large type.
    decision : str
        What the room decides on this screen and where it is saved (``""`` when nothing is).
    """

    key: str
    title: str
    question: str
    decision: str = ""


#: The walk, in order (the seed questions of the design).
SCREENS: tuple[Screen, ...] = (
    Screen(
        "alignment",
        "Alignment",
        "Are the goals and the activity of every channel aligned with the corporate goals?",
    ),
    Screen(
        "revenue_profit",
        "Revenue or profit",
        "Are we managing for revenue, or for revenue and profit?",
        "Decide what the budget is allocated for; the investment screen uses it.",
    ),
    Screen(
        "targets",
        "Targets",
        "What target does each channel get, reflecting its role?",
        "Save the chosen targets to the plans folder (targets.csv).",
    ),
    Screen(
        "investment",
        "Investment",
        "Which channels should we invest in, and how much?",
        "Save the budget split to the plans folder (investment.csv).",
    ),
    Screen(
        "signals",
        "Signals",
        "Where are the gaps, exceptions and early warnings this quarter?",
    ),
    Screen(
        "actions",
        "Action plan",
        "What do we do about the partners the signals flag?",
        "Accept the actions to take and save them to the action log (actions.csv).",
    ),
)

#: The Voilà page template of the workshop (``channel_lib/templates/voila/templates/``): Voilà's lab
#: template without the icon stylesheets it links from a CDN, so the page works with no network.
VOILA_TEMPLATE = "channel_workshop"
_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Objectives the revenue-or-profit decision offers to the allocation (label, value).
OBJECTIVES: tuple[tuple[str, str], ...] = (
    ("As goals.yaml says", "goals"),
    ("Revenue", "revenue"),
    ("Gross profit", "gross_profit"),
)

#: Large type for a projector: injected once, scoped to the app's box (class ``cw-workshop``).
CSS = """
<style>
.cw-workshop { font-size: 22px; line-height: 1.4; max-width: 1500px;
  --jp-widgets-font-size: 20px; --jp-widgets-inline-height: 40px;
  --jp-widgets-inline-label-width: 220px; --jp-widgets-inline-width: 560px;
  --jp-widgets-slider-handle-size: 22px; }
.cw-workshop h1 { font-size: 40px; margin: 0 0 0.1em; }
.cw-workshop h2 { font-size: 34px; margin: 0.3em 0; }
.cw-workshop h3 { font-size: 28px; margin: 0.3em 0; }
.cw-workshop p, .cw-workshop li { font-size: 22px; }
.cw-workshop .cw-question { font-size: 36px; font-weight: 600; line-height: 1.2;
  margin: 0.4em 0 0.3em; scroll-margin-top: 80px; }
.cw-workshop .cw-decision { font-size: 22px; color: #444; }
.cw-workshop .cw-step, .cw-workshop details p { font-size: 20px; color: #555; }
.cw-workshop .cw-status { font-size: 22px; font-weight: 600; }
.cw-workshop .cw-status.cw-error { color: #b00020; }
.cw-workshop table { font-size: 20px; }
.cw-workshop table caption { font-size: 20px; }
.cw-workshop .widget-button, .cw-workshop .widget-toggle-button { font-size: 20px;
  height: 44px; }
.cw-workshop .widget-readout { font-size: 20px; }
.cw-workshop .widget-slider { margin-right: 36px; }
.cw-workshop .cw-nav { gap: 12px; border-bottom: 2px solid #ddd; padding: 6px 0 8px;
  position: sticky; top: 0; z-index: 10; background: #fff; }
.cw-workshop .cw-explorer > .widget-html:first-child h3 { display: none; }
.cw-workshop .cw-bar { gap: 24px; }
.cw-workshop .cw-chart { zoom: 1.3; max-width: 100%; overflow-x: auto; }
.cw-workshop .cw-action-row { border-bottom: 1px solid #ddd; padding: 6px 0; }
.cw-workshop .cw-action { font-size: 22px; line-height: 1.3; }
.cw-workshop .cw-evidence { font-size: 20px; line-height: 1.3; color: #555; }
.cw-workshop input[type="checkbox"] { width: 24px; height: 24px; }
</style>
"""


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


# -- the app ---------------------------------------------------------------------------------------
def open_workshop(
    data_dir: str | Path = "data/sample",
    quarter: str = "latest",
    plans_dir: str | Path = "plans",
) -> Workshop:
    """The notebook's validation cell: check the parameters, load the dataset, choose the quarter.

    Parameters
    ----------
    data_dir : str or Path
        Dataset folder (read only); relative paths start at the project folder.
    quarter : str
        ``"latest"`` or a fiscal quarter such as ``"FY2026-Q3"``.
    plans_dir : str or Path
        Folder the workshop's decisions are saved to; it may not lie inside the dataset folder.

    Returns
    -------
    Workshop

    Raises
    ------
    ParameterError
        A bad quarter, a missing folder or a plans folder inside the dataset folder.
    DataValidationError
        The dataset breaks the data contract.

    Examples
    --------
    >>> ws = open_workshop("tests/data/tiny", "FY2026-Q3", "/tmp/cw-doctest-plans")
    >>> ws.wb.quarter, [s.key for s in ws.screens][:2]
    ('FY2026-Q3', ['alignment', 'revenue_profit'])
    """
    return Workshop(open_workbook(data_dir, quarter, plans_dir))


class Workshop:
    """The guided walk: a ``Stack`` of screens with Back/Next buttons and a step indicator.

    Parameters
    ----------
    wb : Workbook
        The dataset, reporting quarter and plans folder (:func:`open_workshop`).

    Attributes
    ----------
    screens : tuple of Screen
        The walk (:data:`SCREENS`).
    objective : str
        What the allocation maximises (the revenue-or-profit decision): ``goals``, ``revenue``
        or ``gross_profit``.
    explorers : dict
        The explorers built so far, by screen key.
    """

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.screens = SCREENS
        self.objective = "goals"
        self.explorers: dict[str, Any] = {}
        self.picker: ActionPicker | None = None
        self._built: set[int] = set()
        self._boxes: list[Any] = []
        self._app: Any = None
        self._target_settings: Any = None

    # -- analysis objects (shared by the live screens and the static summary) ----------------------
    def target_settings(self) -> Any:
        """The target-setting parameters for the year after the reporting quarter's."""
        if self._target_settings is None:
            from channel_lib.analysis.targets import target_settings

            self._target_settings = target_settings(self.wb)
        return self._target_settings

    def explorer(self, key: str) -> Any:
        """The explorer answering screen ``key`` (created on first use; ``None`` for actions)."""
        if key in self.explorers:
            return self.explorers[key]
        wb = self.wb
        if key == "alignment":
            from channel_lib.interactive.explorers.alignment import AlignmentExplorer

            made = AlignmentExplorer(wb)
        elif key == "revenue_profit":
            from channel_lib.interactive.explorers.trends import TrendExplorer

            made = TrendExplorer(wb)
        elif key == "targets":
            from channel_lib.interactive.explorers.targets import TargetExplorer

            made = TargetExplorer(wb, self.target_settings())
        elif key == "investment":
            from channel_lib.interactive.explorers.allocation import AllocationExplorer

            made = AllocationExplorer(wb, objective=self.objective)
        elif key == "signals":
            from channel_lib.analysis.signals import resolve_thresholds
            from channel_lib.interactive.explorers.signals import SignalExplorer

            made = SignalExplorer(wb, resolve_thresholds(wb.dataset))
        else:
            return None
        self.explorers[key] = made
        return made

    def action_picker(self) -> ActionPicker:
        """The action-plan screen's list of suggested actions (computed on first use)."""
        if self.picker is None:
            self.picker = ActionPicker(self.wb)
        return self.picker

    def managing_for(self) -> str:
        """What ``goals.yaml`` says the reporting year is managed for (in words)."""
        goals = self.wb.dataset.goals.years.get(self.wb.year)
        value = getattr(goals, "managing_for", "") if goals is not None else ""
        return str(value).replace("_", " ") or "not stated"

    # -- display -----------------------------------------------------------------------------------
    def show(self) -> Any:
        """The app in Voilà or JupyterLab; a static summary of every screen when run unattended.

        Returns
        -------
        ipywidgets.VBox or None
            The app (``None`` in batch mode: the summary is displayed directly).
        """
        from channel_lib.interactive.explorers.core import batch_mode

        if batch_mode():
            self.summary()
            return None
        return self.app()

    def summary(self) -> None:
        """Display every screen's question and its answer at the default values (static).

        Charts are drawn by the offline renderer and tables are escaped: the batch's HTML report
        of the workshop notebook holds no widget.
        """
        from IPython.display import HTML, display

        display(HTML(
            f"<h2>Workshop summary: {_html.escape(self.wb.quarter)}</h2>"
            f"<p>{_html.escape(self.wb.quarter_reason)} Start the workshop with "
            "<code>channel-workbook workshop</code> to change the assumptions live and save "
            "decisions to the plans folder.</p>"
        ))  # fmt: skip
        for number, screen in enumerate(self.screens, 1):
            display(HTML(
                f"<h3>{number}. {_html.escape(screen.title)}</h3>"
                f"<p><strong>{_html.escape(screen.question)}</strong></p>"
            ))  # fmt: skip
            try:
                if screen.key == "actions":
                    shown: list[Any] = [self.action_picker().static_table()]
                else:
                    exp = self.explorer(screen.key)
                    shown = list(exp.render(exp.compute(**exp.initial)))
            except Exception as exc:  # one failing screen must not hide the rest
                shown = [
                    HTML(_status_html(f"This screen could not be computed: {exc}", error=True))
                ]
            for obj in shown:
                if obj is not None:
                    display(obj)

    def app(self) -> Any:
        """The live app: large-type CSS, header, step indicator, the screens, Back/Next.

        Returns
        -------
        ipywidgets.VBox
        """
        import ipywidgets as w

        from channel_lib.interactive.explorers.core import _ensure_bundle_on_page

        if self._app is not None:
            return self._app
        _enable_projector_theme()
        _ensure_bundle_on_page()
        ds = self.wb.dataset
        header = w.HTML(
            f"<h1>Channel workshop · {_html.escape(self.wb.quarter)}</h1>"
            f"<details class='cw-step'><summary>Why {_html.escape(self.wb.quarter)}; where "
            "decisions go</summary>"
            f"<p>{_html.escape(self.wb.quarter_reason)}</p><p>Decisions are saved to "
            f"<code>{_html.escape(str(self.wb.plans_dir))}</code>; the dataset folder is only "
            f"read. Money in {_html.escape(ds.goals.currency)}.</p></details>"
        )
        self._boxes = [w.VBox(layout=w.Layout(width="100%")) for _ in self.screens]
        stack = w.Stack(self._boxes, selected_index=0, layout=w.Layout(width="100%"))
        steps = w.ToggleButtons(
            options=[(f"{i}. {s.title}", i - 1) for i, s in enumerate(self.screens, 1)],
            value=0,
            description="",
            tooltips=[s.question for s in self.screens],
            style={"button_width": "auto"},
        )
        steps.add_class("cw-steps")
        back = w.Button(description="◀ Back", layout=w.Layout(width="120px"))
        nxt = w.Button(description="Next ▶", button_style="primary", layout=w.Layout(width="120px"))
        position = w.HTML()
        position.add_class("cw-position")
        back.add_class("cw-back")
        nxt.add_class("cw-next")

        def go(index: int) -> None:
            index = max(0, min(len(self.screens) - 1, index))
            position.value = f"<span class='cw-step'>Step {index + 1} of {len(self.screens)}</span>"
            if steps.value != index:
                steps.value = index  # its observer comes back here
                return
            self._build(index)
            stack.selected_index = index
            back.disabled = index == 0
            nxt.disabled = index == len(self.screens) - 1

        steps.observe(lambda change: go(change["new"]), names="value")
        back.on_click(lambda _: go(steps.value - 1))
        nxt.on_click(lambda _: go(steps.value + 1))
        go(0)
        nav = w.HBox([back, steps, nxt, position],
                     layout=w.Layout(align_items="center", flex_flow="row wrap"))  # fmt: skip
        nav.add_class("cw-nav")
        app = w.VBox([w.HTML(CSS), header, nav, stack])
        app.add_class("cw-workshop")
        self._app = app
        return app

    def _build(self, index: int) -> None:
        """Fill screen ``index`` on its first visit (later visits keep its state)."""
        import ipywidgets as w

        if index in self._built:
            return
        screen = self.screens[index]
        box = self._boxes[index]
        question = w.HTML(f"<p class='cw-question'>{_html.escape(screen.question)}</p>")
        busy = w.HTML("<p class='cw-step'>Computing…</p>")
        box.children = [question, busy]
        try:
            body = self._screen_body(screen)
        except Exception as exc:  # show it on the projector, keep the walk going
            traceback.print_exc()
            body = [w.HTML(_status_html(f"This screen could not be built: {exc}", error=True))]
        decision = (
            [w.HTML(f"<p class='cw-decision'>{_html.escape(screen.decision)}</p>")]
            if screen.decision
            else []
        )
        box.children = [question, *body, *decision]
        box.add_class(f"cw-screen-{screen.key}")
        self._built.add(index)

    def _screen_body(self, screen: Screen) -> list[Any]:
        import ipywidgets as w

        if screen.key == "actions":
            return [self.action_picker().widget()]
        exp = self.explorer(screen.key)
        shown = exp.show()
        shown.add_class("cw-explorer")  # its title repeats the question: hidden by the CSS
        body = [shown]
        if screen.key == "revenue_profit":
            body.append(self._objective_control())
        elif screen.key in ("targets", "investment"):
            body.append(self._save_control(screen.key, exp))
        return [w.VBox(body)]

    def _objective_control(self) -> Any:
        import ipywidgets as w

        control = w.ToggleButtons(
            options=OBJECTIVES,
            value=self.objective,
            description="Allocate for",
            style={"button_width": "auto", "description_width": "initial"},
        )
        control.add_class("cw-objective")
        note = w.HTML(
            f"<p class='cw-decision'>goals.yaml: {self.wb.year} is managed for "
            f"<strong>{_html.escape(self.managing_for())}</strong>.</p>"
        )

        def changed(change: dict[str, Any]) -> None:
            self.set_objective(change["new"])

        control.observe(changed, names="value")
        return w.VBox([note, control])

    def set_objective(self, objective: str) -> None:
        """Change what the allocation maximises; the investment screen is rebuilt on its next visit.

        Raises
        ------
        ParameterError
            For an objective other than ``goals``, ``revenue`` or ``gross_profit``.
        """
        allowed = [v for _, v in OBJECTIVES]
        if objective not in allowed:
            raise ParameterError(f"objective={objective!r}: use one of {', '.join(allowed)}")
        if objective == self.objective:
            return
        self.objective = objective
        self.explorers.pop("investment", None)
        index = [s.key for s in self.screens].index("investment")
        self._built.discard(index)

    def _save_control(self, key: str, exp: Any) -> Any:
        import ipywidgets as w

        label = "Save chosen targets" if key == "targets" else "Save budget split"
        button = w.Button(description=label, button_style="success",
                          layout=w.Layout(width="auto"))  # fmt: skip
        button.add_class(f"cw-save-{key}")
        status = w.HTML()
        status.add_class("cw-save-status")
        replace = w.Checkbox(value=False, description="replace a saved plan", indent=False)
        extras = [replace] if key == "targets" else []

        def save(_: Any) -> None:
            status.value = _status_html("Saving…")
            try:
                if key == "targets":
                    written = exp.save(self.wb.plans_dir, overwrite=replace.value)
                else:
                    written = exp.save(self.wb.plans_dir)
            except ChannelLibError as exc:
                status.value = _status_html(str(exc), error=True)
                return
            except Exception as exc:  # the room must see it, not a silent log
                traceback.print_exc()
                status.value = _status_html(f"Could not save: {exc}", error=True)
                return
            status.value = _status_html(_saved_sentence(written, self.wb.plans_dir, key))

        button.on_click(save)
        bar = w.HBox([button, *extras], layout=w.Layout(align_items="center"))
        bar.add_class("cw-bar")
        return w.VBox([bar, status])


def _saved_sentence(written: Any, plans_dir: Path, key: str) -> str:
    """The status line after a save: the explorer's own sentence (it names the file), timed."""
    if isinstance(written, str) and written:
        return f"{written} ({datetime.now():%H:%M:%S})"
    name = "targets.csv" if key == "targets" else "investment.csv"
    path = written if isinstance(written, Path) else plans_dir / name
    return f"Saved to {path} ({datetime.now():%H:%M:%S})."


def _status_html(text: str, *, error: bool = False) -> str:
    """A status line as HTML (the text escaped); red when it reports an error."""
    cls = "cw-status cw-error" if error else "cw-status"
    return f"<p class='{cls}'>{_html.escape(text)}</p>"


# -- the action plan -------------------------------------------------------------------------------
class ActionPicker:
    """Suggested actions for the flagged partners, with an *accept* checkbox each and a Save.

    The suggestions are those of the partners' QBR packs
    (:func:`channel_lib.analysis.partner_review.partner_pack`) for the partners the quarter's signals flag
    (:func:`channel_lib.analysis.signals.flagged_partners`), minus the ids the action log already holds.
    Saving appends the checked ones to ``<plans>/actions.csv`` as open actions
    (:func:`channel_lib.plans.actions.accept`: a lock, a temp file, ``fsync``, rename); the others stay
    undecided (nothing is rejected on anyone's behalf).

    Parameters
    ----------
    wb : Workbook
    partners : list of str, optional
        The partners to suggest for (default: the flagged ones).
    """

    COLUMNS = ("action_id", "partner_id", "trigger", "action", "owner", "due", "evidence")

    def __init__(self, wb: Workbook, *, partners: list[str] | None = None) -> None:
        self.wb = wb
        self.partners = partners
        self._suggestions: pd.DataFrame | None = None
        self.accepted: list[str] = []

    @property
    def suggestions(self) -> pd.DataFrame:
        """The open suggestions (columns :data:`channel_lib.plans.actions.SUGGESTION_COLUMNS`)."""
        if self._suggestions is None:
            self._suggestions = self._compute()
        return self._suggestions

    def _compute(self) -> pd.DataFrame:
        from channel_lib.analysis.partner_review import partner_pack
        from channel_lib.analysis.signals import flagged_partners
        from channel_lib.plans import actions

        partners = self.partners
        if partners is None:
            partners = flagged_partners(self.wb.dataset, self.wb.quarter)
        frames = [partner_pack(self.wb, p).suggestions for p in partners]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=actions.SUGGESTION_COLUMNS)
        found = pd.concat(frames, ignore_index=True).drop_duplicates("action_id")
        logged = set(actions.read_log(self.wb.plans_dir)["action_id"])
        return found[~found["action_id"].isin(logged)].reset_index(drop=True)

    def save(self, ids: list[str]) -> Path:
        """Accept ``ids`` (suggestion ids) into the action log; return the log's path.

        Raises
        ------
        ParameterError
            When ``ids`` is empty or names an action that is not suggested here.
        ActionLogError
            When the log is corrupt or conflicts (nothing is written).
        """
        from channel_lib.plans import actions

        ids = [str(i) for i in ids]
        if not ids:
            raise ParameterError("no action is checked: tick 'accept' next to the actions to take")
        unknown = sorted(set(ids) - set(self.suggestions["action_id"]))
        if unknown:
            raise ParameterError(f"not suggested in {self.wb.quarter}: {', '.join(unknown)}")
        actions.accept(self.wb.plans_dir, ids, suggestions=self.suggestions,
                       quarter=self.wb.quarter, note="accepted in the workshop")  # fmt: skip
        self.accepted.extend(ids)
        return self.wb.plans_dir / actions.LOG_FILE

    def static_table(self) -> Any:
        """The suggestions as an escaped HTML table (the batch summary)."""
        from channel_lib.presentation.html import table

        frame = self.suggestions
        cols = [c for c in self.COLUMNS if c in frame.columns]
        return table(
            frame[cols], caption=f"Actions suggested for flagged partners, {self.wb.quarter}"
        )

    def widget(self) -> Any:
        """One row per suggestion with an *accept* checkbox; a Save button and a status line."""
        import ipywidgets as w

        frame = self.suggestions
        if frame.empty:
            return w.HTML(
                "<p>No partner is flagged with a new suggested action this quarter "
                "(or every suggestion is already in the action log).</p>"
            )
        names = self.wb.dataset.table("partners").set_index("partner_id")["partner_name"]
        boxes: dict[str, Any] = {}
        rows = []
        for rec in frame.to_dict("records"):
            box = w.Checkbox(value=False, description="accept", indent=False,
                             layout=w.Layout(width="120px"))  # fmt: skip
            box.add_class("cw-accept")
            pid = str(rec.get("partner_id") or "")
            who = f"{names.get(pid, pid)} ({pid})" if pid else ""
            e = {
                k: _html.escape(str(rec.get(k, ""))) for k in ("action", "evidence", "owner", "due")
            }
            trigger = _html.escape(str(rec["trigger"]).replace("_", " "))
            text = w.HTML(
                f"<div class='cw-action'><strong>{_html.escape(who)}</strong> — {e['action']}"
                f"</div><div class='cw-evidence'>{trigger}: {e['evidence']} · owner {e['owner']}, "
                f"due {e['due']}</div>"
            )
            row = w.HBox([box, text], layout=w.Layout(align_items="center"))
            row.add_class("cw-action-row")
            boxes[str(rec["action_id"])] = box
            rows.append(row)
        button = w.Button(description="Save accepted actions", button_style="success",
                          layout=w.Layout(width="auto"))  # fmt: skip
        button.add_class("cw-save-actions")
        status = w.HTML()
        status.add_class("cw-save-status")

        def save(_: Any) -> None:
            chosen = [i for i, b in boxes.items() if b.value and not b.disabled]
            try:
                path = self.save(chosen)
            except ChannelLibError as exc:
                status.value = _status_html(str(exc), error=True)
                return
            for i in chosen:
                boxes[i].disabled = True
                boxes[i].description = "accepted"
            status.value = _status_html(
                f"Saved {len(chosen)} accepted action(s) to {path} at {datetime.now():%H:%M:%S}."
            )

        button.on_click(save)
        caption = w.HTML(
            f"<p class='cw-decision'>{len(frame)} action(s) suggested for the partners flagged "
            f"in {_html.escape(self.wb.quarter)}: tick the ones to take, then save.</p>"
        )
        bar = w.HBox([button, status], layout=w.Layout(align_items="center"))
        bar.add_class("cw-bar")
        return w.VBox([caption, bar, *rows])


def _enable_projector_theme() -> None:
    """Register and enable ``channel_workshop``: the workbook theme, larger and wider."""
    import copy

    import altair as alt

    from channel_lib.presentation.charts import channel_workbook

    if "channel_workshop" not in alt.theme.names():

        @alt.theme.register("channel_workshop", enable=False)
        def channel_workshop() -> alt.theme.ThemeConfig:
            config = copy.deepcopy(channel_workbook()["config"])
            config["view"].update(continuousWidth=900, continuousHeight=420)
            config["title"]["fontSize"] = 24
            config["axis"].update(labelFontSize=17, titleFontSize=19)
            config["legend"].update(labelFontSize=17, titleFontSize=19)
            config["header"].update(labelFontSize=18, titleFontSize=18)
            return {"config": config}

    alt.theme.enable("channel_workshop")


# -- serving it with Voilà -------------------------------------------------------------------------
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
        The notebook's parameters; paths are made absolute from the project folder.

    Returns
    -------
    Path
        The parameterised notebook.
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(workshop_notebook(), as_version=4)
    parameters = {
        "data_dir": str(resolve_path(data_dir)),
        "quarter": quarter,
        "plans_dir": str(resolve_path(plans_dir)),
    }
    for cell in nb.cells:  # papermill's parser expects every cell to carry a tags list
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
    out = Path(folder) / "workshop.ipynb"
    nbformat.write(nb, out)
    return out


def _check_port(port: int) -> None:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise WorkshopError(
                f"port {port} on 127.0.0.1 is in use ({exc.strerror}): pass another --port, "
                "or leave --port out to use a free one"
            ) from None


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


def voila_command(notebook: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve ``notebook`` with Voilà on 127.0.0.1.

    The page uses :data:`VOILA_TEMPLATE` (found through ``JUPYTER_PATH``), so it loads nothing
    from outside the machine; the kernel is pre-heated and tracebacks are shown.

    Parameters
    ----------
    notebook : str
        The notebook's file name, relative to the folder the command runs in.
    port : int
        TCP port on 127.0.0.1.

    Returns
    -------
    (list of str, dict of str to str)
        For :class:`subprocess.Popen` (``args`` and ``env``).
    """
    cmd = [sys.executable, "-m", "voila", notebook, "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--VoilaConfiguration.show_tracebacks=True",
           "--VoilaConfiguration.preheat_kernel=True", f"--template={VOILA_TEMPLATE}"]  # fmt: skip
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
        The workshop's dataset, plans folder and reporting quarter.
    port : int, optional
        Port on 127.0.0.1; default a free one.
    open_browser : bool
        Open the URL in the default browser once the server is up.
    timeout : float
        Seconds to wait for Voilà to accept connections.
    echo : callable, optional
        Where progress lines go (default: standard output, flushed at once).

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
    if importlib.util.find_spec("voila") is None:
        raise WorkshopError(
            f"Voilà is not installed in {sys.prefix}: run `make venv` (or "
            "`pip install voila`) in the project's environment"
        )
    if port is None:
        port = _free_port()
    else:
        _check_port(port)
    plans = resolve_path(plans_dir)
    open_workbook(data_dir, quarter, plans)  # fail here, in words, not inside Voilà
    plans.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="channel-workshop-"))
    log = folder / "voila.log"
    proc: subprocess.Popen | None = None
    try:
        nb = prepare_notebook(folder, data_dir=data_dir, quarter=quarter, plans_dir=plans)
        cmd, env = voila_command(nb.name, port)
        with log.open("wb") as out, _stop_signals_as_interrupt():
            proc = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True)  # fmt: skip
            _wait_for_port(proc, port, timeout, log)
            url = f"http://127.0.0.1:{port}/"
            say(f"Workshop ({resolve_path(data_dir).name}, {quarter}) at {url}")
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
