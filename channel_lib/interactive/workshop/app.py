"""The live workshop app: the screens in a ``Stack`` with Back/Next and a step indicator.

:class:`Workshop` builds each screen on its first visit (its question, the explorer answering it,
and where the question asks for one, a decision control of :mod:`.decisions`); run unattended it
shows the static summary of :mod:`.summary` instead. :func:`open_workshop` is the notebook's
validation cell.

The explorers and the analyses are imported when a screen is first built (deferred: they pull in
altair, scipy and every analysis, and ``channel-workbook workshop`` imports this package only to
serve it).
"""

from __future__ import annotations

import html as _html
import traceback
from pathlib import Path
from typing import Any

from channel_lib.core.errors import ParameterError
from channel_lib.data.workbook import Workbook, open_workbook
from channel_lib.interactive.workshop import restore, style
from channel_lib.interactive.workshop.action_plan import ActionPicker
from channel_lib.interactive.workshop.closing import decisions_widget, session_start
from channel_lib.interactive.workshop.decisions import objective_control, save_control
from channel_lib.interactive.workshop.screens import OBJECTIVES, SCREENS, Screen
from channel_lib.interactive.workshop.style import CSS, status_html
from channel_lib.interactive.workshop.summary import show_summary
from channel_lib.interactive.workshop.takeaway import takeaway

__all__ = ["Workshop", "open_workshop"]


def open_workshop(
    data_dir: str | Path = "data/sample",
    quarter: str = "latest",
    plans_dir: str | Path = "plans",
    *,
    pseudonymise: str | None = None,
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
    pseudonymise : str, optional
        ``customers``, ``partners`` or ``customers,partners``: every screen shows those names as
        stable pseudonyms (:func:`~channel_lib.data.workbook.open_workbook`); ``None``: as the
        environment variable ``CHANNEL_WORKBOOK_PSEUDONYMISE`` says (``channel-workbook
        workshop --pseudonymise`` sets it for Voilà's kernels).

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
    return Workshop(open_workbook(data_dir, quarter, plans_dir, pseudonymise=pseudonymise))


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
        #: screen key → the sentence saying what the screen starts from (restored or kept)
        self.restored: dict[str, str] = {}
        self._carry: dict[str, Any] | None = None  # the budget screen's values across objectives
        self._live = False  # app() was called: screens start at what the plans folder holds
        #: start of the session the Decisions screen lists the saves of (today, local time)
        self.session_since = session_start()

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
            if self._live:  # the live app; the batch summary shows the defaults
                self._restore_targets(made)
        elif key == "investment":
            from channel_lib.interactive.explorers.allocation import AllocationExplorer

            budget, limits = self._investment_start() if self._live else (None, None)
            made = AllocationExplorer(wb, objective=self.objective, budget=budget, limits=limits)
        elif key == "signals":
            from channel_lib.analysis.signals import resolve_thresholds
            from channel_lib.interactive.explorers.signals import SignalExplorer

            made = SignalExplorer(wb, resolve_thresholds(wb.dataset))
        else:
            return None
        self.explorers[key] = made
        return made

    def _restore_targets(self, exp: Any) -> None:
        """Start the targets screen at what ``targets.csv`` holds (:func:`.restore.restore_targets`)."""
        said = restore.restore_targets(self.wb, exp, self.target_settings().year)
        if said:
            self.restored["targets"] = said

    def _investment_start(self) -> tuple[float | None, dict[str, float] | None]:
        """Budget and limits the budget screen starts at: kept across an objective change, else
        those of ``investment.csv`` (:func:`.restore.investment_start`), else the defaults."""
        if self._carry is not None:
            carry, self._carry = self._carry, None
            limits = {k: carry[k] for k in ("max_change", "min_share", "max_share")}
            self.restored["investment"] = (
                f"Now allocating for {self.objective_words()} (chosen on screen 2): the budget "
                f"of {carry['budget']:,.0f} {self.wb.dataset.goals.currency} per month and the "
                "limits set before are kept."
            )
            return float(carry["budget"]), limits
        budget, limits, said = restore.investment_start(self.wb)
        if said:
            self.restored["investment"] = said
        return budget, limits

    def objective_words(self) -> str:
        """What the allocation maximises, in words (the screen-2 toggle's label)."""
        if self.objective == "goals":
            return f"what goals.yaml says ({self.managing_for()})"
        return next((lab.lower() for lab, v in OBJECTIVES if v == self.objective), self.objective)

    def _restore_objective(self) -> None:
        """Start screen 2's toggle at the objective the saved budget split was made for."""
        from channel_lib.analysis.investment import objective_metric  # deferred: live app only

        saved = restore.saved_objective(self.wb, objective_metric(self.wb, "goals")[0])
        if saved is not None:
            self.objective = saved

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
        # deferred: importing explorers.core loads every explorer (see the module docstring)
        from channel_lib.interactive.explorers.core import batch_mode

        if batch_mode():
            self.summary()
            return None
        return self.app()

    def summary(self) -> None:
        """Display every screen's question and its answer at the default values (static).

        Charts are drawn by the offline renderer and tables are escaped: the batch's HTML report
        of the workshop notebook holds no widget (:func:`.summary.show_summary`).
        """
        show_summary(self)

    def app(self) -> Any:
        """The live app: large-type CSS, header, step indicator, the screens, Back/Next.

        Returns
        -------
        ipywidgets.VBox
        """
        # deferred: widgets and the explorers load only for the live app
        import ipywidgets as w

        from channel_lib.presentation.html import ensure_bundle_on_page

        if self._app is not None:
            return self._app
        style.enable_projector_theme()
        ensure_bundle_on_page()
        self._live = True
        self._restore_objective()
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
        """Fill screen ``index`` on its first visit (later visits keep its state; the Decisions
        screen is filled on every visit, with what was saved since)."""
        import ipywidgets as w  # deferred: batch runs never build a widget

        screen = self.screens[index]
        if index in self._built and screen.key != "decisions":
            return
        box = self._boxes[index]
        question = w.HTML(f"<p class='cw-question'>{_html.escape(screen.question)}</p>")
        busy = w.HTML("<p class='cw-step'>Computing…</p>")
        box.children = [question, busy]
        try:
            body = self._screen_body(screen)
        except Exception as exc:  # show it on the projector, keep the walk going
            traceback.print_exc()
            body = [w.HTML(status_html(f"This screen could not be built: {exc}", error=True))]
        box.children = [question, *body]
        box.add_class(f"cw-screen-{screen.key}")
        self._built.add(index)

    def _screen_body(self, screen: Screen) -> list[Any]:
        """The takeaway, then the decision control (both above the fold at 1280×800), then
        what the screen was restored from, then the explorer."""
        import ipywidgets as w  # deferred: batch runs never build a widget

        said = takeaway(self, screen.key)
        lead = w.HTML(f"<p class='cw-takeaway'>{_html.escape(said)}</p>" if said else "")
        lead.add_class("cw-lead")
        decision = (
            [w.HTML(f"<p class='cw-decision'>{_html.escape(screen.decision)}</p>")]
            if screen.decision
            else []
        )
        if screen.key == "actions":
            return [lead, *decision, self.action_picker().widget()]
        if screen.key == "decisions":
            return [lead, *decision, decisions_widget(self)]
        exp = self.explorer(screen.key)
        shown = exp.show()
        shown.add_class("cw-explorer")  # its title repeats the question: hidden by the CSS
        body = [lead]
        if screen.key == "revenue_profit":
            body += [*decision, objective_control(self)]
        elif screen.key in ("targets", "investment"):
            body += [*decision, save_control(self, screen.key, exp)]
        if screen.key in self.restored:
            note = w.HTML(status_html(self.restored[screen.key]))
            note.add_class("cw-restored")
            body.append(note)
        return [w.VBox([*body, shown])]

    def set_objective(self, objective: str) -> None:
        """Change what the allocation maximises; the investment screen is rebuilt on its next visit,
        keeping the budget and limits it had (and saying so).

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
        built = self.explorers.pop("investment", None)
        if built is not None:  # keep the room's budget and limits (the screen says so)
            self._carry = built.values()
        index = [s.key for s in self.screens].index("investment")
        self._built.discard(index)
