"""The decision controls of the workshop: revenue or profit, and the *Save* buttons.

- :func:`objective_control` — what the allocation maximises (goals, revenue or gross profit);
- :func:`save_control` — the targets and investment screens' *Save* button: the explorer writes
  its file to the plans folder and the status line names it (:func:`saved_sentence`).
"""

from __future__ import annotations

import html as _html
import re
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from channel_lib.core.errors import ChannelLibError
from channel_lib.interactive.workshop.restore import record_choices, saved_budget
from channel_lib.interactive.workshop.screens import OBJECTIVES
from channel_lib.interactive.workshop.style import status_html
from channel_lib.plans.investment_split import INVESTMENT_FILE
from channel_lib.plans.targets import TARGETS_FILE
from channel_lib.presentation.text import in_plans_folder

__all__ = ["objective_control", "record", "save_control", "saved_sentence"]


def objective_control(ws: Any) -> Any:
    """The revenue-or-profit toggle: what the allocation maximises (:meth:`Workshop.set_objective`).

    Parameters
    ----------
    ws : Workshop
        The app (typed ``Any``: :mod:`.app` imports this module, and an import back would be a
        cycle).
    """
    import ipywidgets as w  # deferred: batch runs never build a widget

    control = w.ToggleButtons(
        options=OBJECTIVES,
        value=ws.objective,
        description="Allocate for",
        style={"button_width": "auto", "description_width": "initial"},
    )
    control.add_class("cw-objective")
    control.add_class("cw-decide")
    note = w.HTML(
        f"<p class='cw-decision'>goals.yaml: {ws.wb.year} is managed for "
        f"<strong>{_html.escape(ws.managing_for())}</strong>.</p>"
    )

    def changed(change: dict[str, Any]) -> None:
        ws.set_objective(change["new"])

    control.observe(changed, names="value")
    return w.VBox([note, control])


def save_control(ws: Any, key: str, exp: Any) -> Any:
    """The *Save* button of the targets or investment screen, with its status line.

    Parameters
    ----------
    ws : Workshop
        The app (typed ``Any``: :mod:`.app` imports this module, and an import back would be a
        cycle).
    key : {"targets", "investment"}
        The screen.
    exp : TargetExplorer or AllocationExplorer
        Its explorer, whose ``save`` writes the file.
    """
    import ipywidgets as w  # deferred: batch runs never build a widget

    label = "Save chosen targets" if key == "targets" else "Save budget split"
    button = w.Button(description=label, button_style="success",
                      layout=w.Layout(width="auto"))  # fmt: skip
    button.add_class(f"cw-save-{key}")
    button.add_class("cw-decide")
    status = w.HTML()
    status.add_class("cw-save-status")
    replace = w.Checkbox(value=False, description="replace a saved plan", indent=False)
    extras = [replace] if key == "targets" else []

    def save(_: Any) -> None:
        status.value = status_html("Saving…")
        try:
            if key == "targets":
                written = exp.save(ws.wb.plans_dir, overwrite=replace.value)
            else:
                written = exp.save(ws.wb.plans_dir)
        except ChannelLibError as exc:
            status.value = status_html(str(exc), error=True)
            return
        except Exception as exc:  # the room must see it, not a silent log
            traceback.print_exc()
            status.value = status_html(f"Could not save: {exc}", error=True)
            return
        record(ws, key, exp)
        status.value = status_html(saved_sentence(written, ws.wb.plans_dir, key))

    button.on_click(save)
    bar = w.HBox([button, *extras], layout=w.Layout(align_items="center"))
    bar.add_class("cw-bar")
    return w.VBox([bar, status])


def record(ws: Any, key: str, exp: Any) -> None:
    """Record the controls' values of a save beside its file, for the next page load and the
    Decisions screen (:func:`.restore.record_choices`): the targets' method and weights; the
    budget (with the amount the file now holds placed), its limits and objective; when."""
    values = exp.values()
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    if key == "targets":
        from channel_lib.analysis.targets import BASE_METHODS  # deferred: live app only

        record_choices(ws.wb.plans_dir, key,
                       {**{k: values[k] for k in ("method", *BASE_METHODS)}, "saved_at": when})  # fmt: skip
        return
    saved = saved_budget(ws.wb)
    if saved is not None:
        limits = {k: float(values[k]) for k in ("max_change", "min_share", "max_share")
                  if k in values}  # fmt: skip
        record_choices(ws.wb.plans_dir, key,
                       {"budget": float(values["budget"]), "placed_exact": saved["budget_exact"],
                        **limits, "objective": ws.objective_words(), "saved_at": when})  # fmt: skip


def saved_sentence(written: Any, plans_dir: Path, key: str) -> str:
    """The status line after a save: the explorer's own sentence (it names the file), timed;
    the file is named from the plans folder, never by the machine's path (a room sees it)."""
    if isinstance(written, str) and written:
        return f"{_from_plans_folder(written, plans_dir)} ({datetime.now():%H:%M:%S})"
    name = TARGETS_FILE if key == "targets" else INVESTMENT_FILE
    path = written if isinstance(written, Path) else plans_dir / name
    return f"Saved to {in_plans_folder(path, plans_dir)} ({datetime.now():%H:%M:%S})."


def _from_plans_folder(text: str, plans_dir: Path) -> str:
    """``text`` with every path under ``plans_dir`` written as ``<file> in the plans folder``.

    Examples
    --------
    >>> _from_plans_folder("Wrote /srv/run/plans/investment.csv.", Path("/srv/run/plans"))
    'Wrote investment.csv in the plans folder.'
    """
    roots = {str(Path(plans_dir)), str(Path(plans_dir).resolve())}
    for root in sorted(roots, key=len, reverse=True):
        pattern = re.escape(root) + r"/(\S+?)(?=[.,;:)]*(?:\s|$))"
        text = re.sub(pattern, lambda m, r=root: in_plans_folder(Path(r) / m[1], plans_dir), text)
    return text
