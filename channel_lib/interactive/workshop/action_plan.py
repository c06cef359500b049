"""The action-plan screen: suggested actions for the flagged partners, accepted into the action log.

:class:`ActionPicker` lists the suggestions of the partners the quarter's signals flag, each with
an *accept* checkbox, and appends the checked ones to ``<plans>/actions.csv``
(:func:`channel_lib.plans.actions.accept`).
"""

from __future__ import annotations

import html as _html
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.data.workbook import Workbook
from channel_lib.interactive.workshop.style import status_html
from channel_lib.plans import actions

__all__ = ["ActionPicker"]

#: The target exception tolerance of the suggestions: :func:`partner_pack`'s default.
PACK_TOLERANCE = 0.05


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
        # deferred: the analyses pull in altair; they run only when the action screen is built
        from channel_lib.analysis.partner_review import partner_suggestions
        from channel_lib.analysis.signals import flagged_partners

        partners = self.partners
        if partners is None:
            partners = flagged_partners(self.wb.dataset, self.wb.quarter)
        found = partner_suggestions(self.wb, list(partners), tolerance=PACK_TOLERANCE)
        if found.empty:
            return pd.DataFrame(columns=actions.SUGGESTION_COLUMNS)
        found = found.drop_duplicates("action_id")
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
        from channel_lib.presentation.html import table  # deferred: it imports altair

        frame = self.suggestions
        cols = [c for c in self.COLUMNS if c in frame.columns]
        return table(
            frame[cols], caption=f"Actions suggested for flagged partners, {self.wb.quarter}"
        )

    def widget(self) -> Any:
        """One row per suggestion with an *accept* checkbox; a Save button and a status line."""
        import ipywidgets as w  # deferred: batch runs never build a widget

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
                status.value = status_html(str(exc), error=True)
                return
            for i in chosen:
                boxes[i].disabled = True
                boxes[i].description = "accepted"
            status.value = status_html(
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
