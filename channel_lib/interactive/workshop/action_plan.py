"""The action-plan screen: the open actions with their progress and the new suggestions, decided.

:class:`ActionPicker` lists, for the workbook's quarter,

- the **open actions** of the plans folder's action log with their progress (the register of
  notebook 05: :func:`channel_lib.analysis.company_actions.action_register` — due, overdue, the
  gap's trend), so that after ``make reports`` (whose batch may accept every suggestion) the room
  still has its actions to decide on;
- the **new suggestions** the quarter raises company-wide
  (:func:`channel_lib.analysis.company_actions.company_suggestions`, the ids notebook 05 and the
  partner packs use), minus what the log handles already.

Each row has an owner (a person's name), a due date and a note, and a decision: *accept* (an open
action: keep it, with the edits), *reject*, or *park* (leave it as it is: suggested, or open,
undecided). :meth:`ActionPicker.decide` writes through :mod:`channel_lib.plans.actions` only
(appended under a lock, atomic).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.data.workbook import Workbook
from channel_lib.interactive.workshop.style import status_html
from channel_lib.plans import actions
from channel_lib.presentation.text import in_plans_folder

__all__ = ["DECISIONS", "ActionPicker"]

#: The target exception tolerance of the suggestions: :func:`partner_pack`'s default.
PACK_TOLERANCE = 0.05
#: The decisions a row offers (label, value); ``park`` leaves the row as it is.
DECISIONS: tuple[tuple[str, str], ...] = (("Park", "park"), ("Accept", "accept"),
                                          ("Reject", "reject"))  # fmt: skip
#: Register states of an action still open.
_OPEN_STATES = ("overdue", "due", "open")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ActionPicker:
    """The open actions and the new suggestions of the quarter, each decided: accept, reject, park.

    Parameters
    ----------
    wb : Workbook
    partners : list of str, optional
        Suggest only for these partners (their packs' suggestions,
        :func:`channel_lib.analysis.partner_review.partner_suggestions`); default: every
        suggestion of the quarter, company-wide (:func:`~channel_lib.analysis.company_actions.company_suggestions`).

    Attributes
    ----------
    decided : dict of str to str
        Action id → the decision saved in this session (``accept`` or ``reject``).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> picker = ActionPicker(open_workbook("tests/data/tiny", "FY2026-Q3", "/tmp/cw-picker-doc"))
    >>> picker.decide({})
    Traceback (most recent call last):
    ...
    channel_lib.core.errors.ParameterError: no action is decided: choose accept or reject on a row, then save
    """

    COLUMNS = ("action_id", "partner_id", "trigger", "action", "owner", "due", "evidence")

    def __init__(self, wb: Workbook, *, partners: list[str] | None = None) -> None:
        self.wb = wb
        self.partners = partners
        self._suggestions: pd.DataFrame | None = None
        self._open: pd.DataFrame | None = None
        self.decided: dict[str, str] = {}

    # -- what the screen lists ----------------------------------------------------------------------
    @property
    def suggestions(self) -> pd.DataFrame:
        """The new suggestions (:data:`channel_lib.plans.actions.SUGGESTION_COLUMNS`), not in the log."""
        if self._suggestions is None:
            self._suggestions = self._compute()
        return self._suggestions

    @property
    def open_actions(self) -> pd.DataFrame:
        """The open actions of the log at the quarter's end, with their progress.

        Returns
        -------
        DataFrame
            :data:`channel_lib.analysis.company_actions.REGISTER_COLUMNS` rows whose ``state`` is
            ``overdue``, ``due`` or ``open`` (in that order), plus ``note`` (the last row's).
        """
        if self._open is None:
            from channel_lib.analysis.company_actions import action_register  # deferred: altair

            reg = action_register(self.wb).actions
            found = reg[reg["state"].isin(_OPEN_STATES)].reset_index(drop=True)
            log = actions.current_actions(actions.read_log(self.wb.plans_dir))
            notes = dict(zip(log["action_id"], log["note"], strict=True))
            self._open = found.assign(note=[str(notes.get(a, "")) for a in found["action_id"]])
        return self._open

    def _compute(self) -> pd.DataFrame:
        # deferred: the analyses pull in altair; they run only when the action screen is built
        from channel_lib.analysis.company_actions import company_suggestions
        from channel_lib.analysis.partner_review import partner_suggestions

        if self.partners is None:
            found = company_suggestions(self.wb, tolerance=PACK_TOLERANCE)
        else:
            found = partner_suggestions(self.wb, list(self.partners), tolerance=PACK_TOLERANCE)
        if found.empty:
            return pd.DataFrame(columns=actions.SUGGESTION_COLUMNS)
        found = found.drop_duplicates("action_id")
        logged = set(actions.read_log(self.wb.plans_dir)["action_id"])
        return found[~found["action_id"].isin(logged)].reset_index(drop=True)

    # -- deciding -------------------------------------------------------------------------------------
    def decide(self, decisions: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
        """Save the room's decisions to the action log; return the ids by decision.

        Parameters
        ----------
        decisions : mapping
            Action id → ``{"decision": "accept" | "reject" | "park", "owner": name,
            "due": "YYYY-MM-DD", "note": text}``. An accepted action needs an owner's name and
            a due date; *park* writes nothing.

        Returns
        -------
        dict
            ``{"accept": [...], "reject": [...], "park": [...]}``.

        Raises
        ------
        ParameterError
            Nothing to decide, an id that is neither open nor suggested, an unknown decision, an
            accepted action without an owner or with a bad due date: every problem in one
            message, and nothing is written.
        ActionLogError
            The log is corrupt or conflicts (nothing is written).
        """
        chosen = {str(k): dict(v) for k, v in decisions.items()}
        out: dict[str, list[str]] = {"accept": [], "reject": [], "park": []}
        known = set(self.suggestions["action_id"]) | set(self.open_actions["action_id"])
        problems = []
        for aid, d in chosen.items():
            verdict = str(d.get("decision", "park"))
            if aid not in known:
                problems.append(f"{aid}: neither open nor suggested in {self.wb.quarter}")
            elif verdict not in out:
                problems.append(f"{aid}: decision {verdict!r}; use accept, reject or park")
            elif verdict == "accept":
                problems += _check_accept(aid, d)
            if verdict in out:
                out[verdict].append(aid)
        if problems:
            raise ParameterError("nothing saved: " + "; ".join(problems))
        if not out["accept"] and not out["reject"]:
            raise ParameterError(
                "no action is decided: choose accept or reject on a row, then save"
            )
        plans, quarter, sugg = self.wb.plans_dir, self.wb.quarter, self.suggestions
        for aid in out["accept"]:
            d = chosen[aid]
            actions.accept(plans, [aid], suggestions=sugg, quarter=quarter,
                           owner=str(d["owner"]).strip(), due=str(d["due"]).strip(),
                           note=str(d.get("note", "")).strip() or "accepted in the workshop")  # fmt: skip
        if out["reject"]:
            notes = {str(chosen[a].get("note", "")).strip() for a in out["reject"]}
            for note in sorted(notes):  # one call per distinct note (each its own locked append)
                ids = [a for a in out["reject"] if str(chosen[a].get("note", "")).strip() == note]
                actions.reject(plans, ids, suggestions=sugg, quarter=quarter,
                               note=note or "rejected in the workshop")  # fmt: skip
        self.decided.update({a: v for v in ("accept", "reject") for a in out[v]})
        return out

    @property
    def log_path(self) -> Path:
        """The action log the decisions go to."""
        return Path(self.wb.plans_dir) / actions.LOG_FILE

    # -- showing it -----------------------------------------------------------------------------------
    def static_table(self) -> list[Any]:
        """The open actions and the suggestions as two escaped HTML tables (the batch summary)."""
        from channel_lib.presentation.html import table  # deferred: it imports altair

        frame, opened = self.suggestions, self.open_actions
        cols = [c for c in self.COLUMNS if c in frame.columns]
        return [
            table(opened[["action_id", "action", "owner", "due", "state", "trend"]],
                  caption=f"Open actions at the end of {self.wb.quarter}, with their progress"),
            table(frame[cols], caption=f"New actions suggested in {self.wb.quarter}"),
        ]  # fmt: skip

    def summary_sentence(self) -> str:
        """One line: how many actions are open, due, overdue, and how many new ones are suggested.

        Examples
        --------
        >>> from channel_lib.data.workbook import open_workbook
        >>> wb = open_workbook("tests/data/tiny", "FY2026-Q3", "/tmp/cw-picker-sentence")
        >>> ActionPicker(wb, partners=["P1"]).summary_sentence()[:15]
        '0 actions open,'
        """
        o, n = self.open_actions, len(self.suggestions)
        overdue, due = int((o["state"] == "overdue").sum()), int((o["state"] == "due").sum())
        return (
            f"{len(o)} action{'' if len(o) == 1 else 's'} open, {due} due next quarter, "
            f"{overdue} overdue; {n} new action{'' if n == 1 else 's'} suggested in "
            f"{self.wb.quarter}."
        )

    def widget(self) -> Any:
        """The decision bar (Save and its status) first, then one row per open action and per
        suggestion: what and why, owner, due date, note, and Park / Accept / Reject."""
        import ipywidgets as w  # deferred: batch runs never build a widget

        rows: dict[str, dict[str, Any]] = {}
        boxes = []
        opened, sugg = self.open_actions, self.suggestions
        for title, frame, is_open in (
            (f"Open actions ({len(opened)}): keep (accept, with edits), reject, or park", opened,
             True),
            (f"New suggestions ({len(sugg)}) in {self.wb.quarter}", sugg, False),
        ):  # fmt: skip
            head = w.HTML(f"<p class='cw-group-title'>{_html.escape(title)}</p>")
            boxes.append(head)
            if frame.empty:
                boxes.append(w.HTML("<p class='cw-evidence'>None.</p>"))
            for rec in frame.to_dict("records"):
                row, fields = self._row(w, rec, is_open)
                rows[str(rec["action_id"])] = fields
                boxes.append(row)
        button = w.Button(description="Save decisions", button_style="success",
                          layout=w.Layout(width="auto"))  # fmt: skip
        button.add_class("cw-save-actions")
        button.add_class("cw-decide")
        status = w.HTML()
        status.add_class("cw-save-status")

        def save(_: Any) -> None:
            live = {a: f for a, f in rows.items() if not f["decision"].disabled}
            chosen = {a: {k: f[k].value for k in ("decision", "owner", "due", "note")}
                      for a, f in live.items() if f["decision"].value != "park"}  # fmt: skip
            try:
                done = self.decide(chosen)
            except ChannelLibError as exc:
                status.value = status_html(str(exc), error=True)
                return
            for aid in (*done["accept"], *done["reject"]):
                for f in rows[aid].values():
                    f.disabled = True
            status.value = status_html(
                f"Saved {len(done['accept'])} accepted and {len(done['reject'])} rejected "
                f"action(s) to {in_plans_folder(self.log_path, self.wb.plans_dir)} at "
                f"{datetime.now():%H:%M:%S}; "
                f"{len(rows) - len(chosen)} parked."
            )

        button.on_click(save)
        caption = w.HTML(
            f"<p class='cw-decision'>{_html.escape(self.summary_sentence())} Name an owner and "
            "a due date, choose Accept or Reject (Park leaves it undecided), then save.</p>"
        )
        bar = w.HBox([button, status], layout=w.Layout(align_items="center"))
        bar.add_class("cw-bar")
        return w.VBox([caption, bar, *boxes])

    def _row(self, w: Any, rec: dict, is_open: bool) -> tuple[Any, dict[str, Any]]:
        """One action's row: its text, the owner, due and note fields and the decision."""
        e = {k: _html.escape(str(rec.get(k, "") or "")) for k in ("action", "evidence", "due")}
        trigger = _html.escape(actions.TRIGGERS.get(str(rec["trigger"]), str(rec["trigger"])))
        progress = ""
        if is_open:
            progress = (f" · <strong>{_html.escape(str(rec['state']))}</strong>, gap "
                        f"{_html.escape(str(rec.get('trend') or 'not measured'))}, raised in "
                        f"{_html.escape(str(rec['raised_in']))}")  # fmt: skip
        text = w.HTML(
            f"<div class='cw-action'><strong>{_html.escape(self._who(rec))}</strong> — "
            f"{e['action']}</div><div class='cw-evidence'>{trigger}: {e['evidence']}{progress}"
            "</div>"
        )
        role = str(rec.get("owner", "") or "")
        owner_value = role if is_open else ""
        fields = {
            "owner": w.Text(value=owner_value, placeholder=f"name ({role})" if role else "name",
                            description="Owner", layout=w.Layout(width="18em")),
            "due": w.Text(value=str(rec.get("due", "") or ""), placeholder="YYYY-MM-DD",
                          description="Due", layout=w.Layout(width="12em")),
            "note": w.Text(value=str(rec.get("note", "") or "") if is_open else "",
                           placeholder="note", description="Note", layout=w.Layout(width="20em")),
            "decision": w.ToggleButtons(options=DECISIONS, value="park",
                                        style={"button_width": "auto"}),
        }  # fmt: skip
        for key, field in fields.items():  # not cw-decision: the CSS's decision sentence
            field.add_class("cw-verdict" if key == "decision" else f"cw-{key}")
        edit = w.HBox(list(fields.values()), layout=w.Layout(flex_flow="row wrap"))
        edit.add_class("cw-action-fields")
        row = w.VBox([text, edit])
        row.add_class("cw-action-row")
        return row, fields

    def _who(self, rec: dict) -> str:
        """The partner's name, else the channel(s) of the scope, in words."""
        ds = self.wb.dataset
        pid = str(rec.get("partner_id") or "")
        if pid:
            names = ds.table("partners").set_index("partner_id")["partner_name"]
            return f"{names.get(pid, pid)} ({pid})"
        channels = ds.table("channels").set_index("channel_id")["channel_name"]
        kind, _, ids = str(rec.get("scope", "")).partition(":")
        ids = ids.split(":", 1)[0]  # channel:DIST:revenue
        named = [str(channels.get(c, c)) for c in ids.split("+") if c]
        return " and ".join(named) if named else kind


def _check_accept(aid: str, d: Mapping[str, Any]) -> list[str]:
    """The problems of an accepted row: no owner's name, a missing or bad due date."""
    problems = []
    if not str(d.get("owner", "") or "").strip():
        problems.append(f"{aid}: name its owner")
    due = str(d.get("due", "") or "").strip()
    if not _DATE.match(due):
        problems.append(f"{aid}: due {due!r} is not a date like 2026-09-30")
    else:
        try:
            pd.Timestamp(due)
        except ValueError:
            problems.append(f"{aid}: due {due!r} is not a valid date")
    return problems
