"""The closing Decisions screen: what the room saved in this session, and its export.

- :func:`session_decisions` — read back from the plans folder what was saved since the session
  began (by default the start of today, local time: a reload or a second page is the same
  session): the targets (``targets.csv``) with the method and weights that made them, the budget
  split (``investment.csv``) with its objective, budget and limits (``workshop_choices.json``
  records the controls' values at each *Save*), and the action decisions (``actions.csv`` rows
  recorded since);
- :func:`decisions_html` — those as one offline HTML page (no script, no link: it opens from a
  mail attachment), every value escaped;
- :func:`export_decisions` — that page written atomically to ``<plans>/decisions_<quarter>.html``;
- :func:`decisions_widget` — the screen: the *Export* button first, then the same content.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.core.files import atomic_write_text
from channel_lib.data.workbook import Workbook
from channel_lib.interactive.workshop.restore import read_choices, saved_budget
from channel_lib.interactive.workshop.style import status_html
from channel_lib.plans import actions
from channel_lib.plans.investment_split import INVESTMENT_FILE, read_split
from channel_lib.plans.targets import PROPOSED, TARGETS_FILE, read_targets
from channel_lib.presentation.text import in_plans_folder

__all__ = [
    "SessionDecisions",
    "decisions_body",
    "decisions_html",
    "decisions_path",
    "decisions_widget",
    "export_decisions",
    "session_decisions",
    "session_start",
]

#: Names of the methods and weights the targets screen records (``workshop_choices.json``).
_CHOICE_LABELS = {
    "method": "method", "history": "weight: history", "trend": "weight: trend",
    "role": "weight: role", "potential": "weight: potential", "budget": "budget per month",
    "max_change": "largest change per channel", "min_share": "smallest share",
    "max_share": "largest share", "objective": "allocated for",
}  # fmt: skip


@dataclass(frozen=True)
class SessionDecisions:
    """What the room saved to the plans folder since ``since`` (:func:`session_decisions`).

    Attributes
    ----------
    quarter : str
        The workbook's reporting quarter.
    since : datetime
        Start of the session (timezone-aware).
    currency : str
    targets : DataFrame
        ``year``, ``channel_id``, ``channel_name``, ``target`` (currency, the year's revenue
        target): empty when ``targets.csv`` was not saved in the session.
    target_choices : dict
        The method and weights recorded with it (``{}``: saved elsewhere, e.g. notebook 02).
    split : DataFrame
        ``channel_id``, ``channel_name``, ``current_spend``, ``recommended_spend``, ``change``
        (currency per month): empty when ``investment.csv`` was not saved in the session.
    budget : dict
        Objective (``metric``), ``budget`` placed and the ``limits`` of the split, with the
        recorded choices (``{}`` without a split).
    actions : DataFrame
        ``action_id``, ``action``, ``owner``, ``due``, ``status``, ``note``, ``recorded_at`` of
        the log rows recorded in the session.
    plans_dir : Path
    """

    quarter: str
    since: datetime
    currency: str
    plans_dir: Path
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    target_choices: dict[str, Any] = field(default_factory=dict)
    split: pd.DataFrame = field(default_factory=pd.DataFrame)
    budget: dict[str, Any] = field(default_factory=dict)
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def empty(self) -> bool:
        """Nothing was saved in the session."""
        return self.targets.empty and self.split.empty and self.actions.empty

    def summary(self) -> str:
        """One line: what was saved.

        Examples
        --------
        >>> SessionDecisions("FY2026-Q3", datetime(2026, 1, 1, tzinfo=UTC), "USD", Path("p")).summary()
        'Nothing saved in this session yet (since 2026-01-01 00:00).'
        """
        if self.empty:
            return f"Nothing saved in this session yet (since {self.since:%Y-%m-%d %H:%M})."
        parts = []
        if not self.targets.empty:
            year = self.targets["year"].iloc[0]
            parts.append(f"{year} targets for {len(self.targets)} channels "
                         f"({self.targets['target'].sum():,.0f} {self.currency})")  # fmt: skip
        if not self.split.empty:
            parts.append(f"a budget split of {self.split['recommended_spend'].sum():,.0f} "
                         f"{self.currency} per month")  # fmt: skip
        if not self.actions.empty:
            n = self.actions["status"].value_counts()
            parts.append(f"{int(n.get('open', 0))} action(s) accepted, "
                         f"{int(n.get('rejected', 0))} rejected")  # fmt: skip
        return "Saved in this session: " + "; ".join(parts) + "."


def session_start(now: datetime | None = None) -> datetime:
    """The start of the local day of ``now`` (default: now), timezone-aware.

    Examples
    --------
    >>> session_start(datetime(2026, 3, 4, 15, 30, tzinfo=UTC)).astimezone(UTC).hour in range(24)
    True
    """
    now = (now or datetime.now().astimezone()).astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _saved_since(path: Path, since: datetime) -> bool:
    return path.exists() and datetime.fromtimestamp(path.stat().st_mtime, UTC) >= since


def session_decisions(
    wb: Workbook, *, since: datetime | None = None, year: str | None = None
) -> SessionDecisions:
    """What was saved to the plans folder in the session (since ``since``), read back from it.

    Parameters
    ----------
    wb : Workbook
    since : datetime, optional
        Start of the session (default :func:`session_start`: today, local time).
    year : str, optional
        The target year (``FY2027``); default the latest year ``targets.csv`` proposes for.

    Returns
    -------
    SessionDecisions

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> session_decisions(open_workbook("tests/data/tiny", plans_dir="/tmp/cw-nothing")).empty
    True
    """
    since = since or session_start()
    plans, money = Path(wb.plans_dir), wb.dataset.money
    names = wb.dataset.table("channels").set_index("channel_id")["channel_name"]
    choices = read_choices(plans)
    out: dict[str, Any] = {}
    rows = read_targets(plans, money=money) if _saved_since(plans / TARGETS_FILE, since) else None
    if rows is not None:
        rows = rows[rows["partner_id"].isna() & (rows["metric"] == "revenue")
                    & (rows["status"] == PROPOSED)].copy()  # fmt: skip
        rows["year"] = rows["quarter"].astype(str).str[:6]
        if len(rows):
            year = year or str(rows["year"].max())
            rows = rows[rows["year"] == year]
            sums = rows.groupby("channel_id")["target_exact"].sum()
            out["targets"] = pd.DataFrame({
                "year": year, "channel_id": sums.index.astype(str),
                "channel_name": [str(names.get(c, c)) for c in sums.index],
                "target": [float(money.amount(v)) for v in sums.to_numpy()],
            })  # fmt: skip
            out["target_choices"] = dict(choices.get("targets") or {})
    if _saved_since(plans / INVESTMENT_FILE, since):
        split = read_split(plans, money=money)
        if split is not None:
            frame = split[["channel_id", "current_spend", "recommended_spend", "change"]].copy()
            frame.insert(1, "channel_name", [str(names.get(c, c)) for c in frame["channel_id"]])
            out["split"] = frame
            out["budget"] = {**(saved_budget(wb) or {}), "choices": choices.get("investment", {})}
    log = actions.read_log(plans)
    if len(log):
        at = pd.to_datetime(log["recorded_at"], utc=True, errors="coerce")
        kept = log[at >= pd.Timestamp(since)]
        out["actions"] = kept[["action_id", "action", "owner", "due", "status", "note",
                               "recorded_at"]].reset_index(drop=True)  # fmt: skip
    return SessionDecisions(wb.quarter, since, money.currency, plans, **out)


# -- the page ---------------------------------------------------------------------------------------
def _table(frame: pd.DataFrame, money_cols: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{_html.escape(str(c).replace('_', ' '))}</th>" for c in frame.columns)
    body = []
    for rec in frame.to_dict("records"):
        cells = []
        for c, v in rec.items():
            text = f"{v:,.0f}" if c in money_cols and pd.notna(v) else str(v if pd.notna(v) else "")
            cls = " class='num'" if c in money_cols else ""
            cells.append(f"<td{cls}>{_html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _choices(values: dict[str, Any]) -> str:
    shown = []
    for k, v in values.items():
        if k not in _CHOICE_LABELS:
            continue
        text = f"{v:.0%}" if isinstance(v, float) and k not in ("budget",) and v <= 1 else v
        text = f"{v:,.0f}" if k == "budget" else text
        shown.append(f"{_CHOICE_LABELS[k]} {text}")
    return "; ".join(shown)


def decisions_body(rec: SessionDecisions) -> str:
    """The decisions as an HTML fragment (sections with tables; every value escaped)."""
    cur = _html.escape(rec.currency)
    parts = [f"<p class='cw-decision'>{_html.escape(rec.summary())}</p>"]
    if not rec.targets.empty:
        how = _choices(rec.target_choices) or "saved outside the workshop (method not recorded)"
        parts += [f"<h3>Targets, {_html.escape(str(rec.targets['year'].iloc[0]))} ({cur})</h3>",
                  f"<p>{_html.escape(how)}</p>",
                  _table(rec.targets.drop(columns=["year"]), ("target",))]  # fmt: skip
    if not rec.split.empty:
        b = rec.budget
        limits = ", ".join(f"{_CHOICE_LABELS.get(k, k)} {v:.0%}"
                           for k, v in b.get("limits", {}).items())  # fmt: skip
        what = str(b.get("metric", "")).replace("_", " ")
        chosen = _choices(dict(b.get("choices") or {}))
        parts += [f"<h3>Budget split ({cur} per month)</h3>",
                  f"<p>Allocated for {_html.escape(what)}; budget placed "
                  f"{b.get('budget', 0):,.0f}; limits: {_html.escape(limits or 'none')}.</p>",
                  f"<p>On screen: {_html.escape(chosen)}.</p>" if chosen else "",
                  _table(rec.split, ("current_spend", "recommended_spend", "change"))]  # fmt: skip
    if not rec.actions.empty:
        shown = rec.actions.assign(
            decision=rec.actions["status"].map({"open": "accepted", "rejected": "rejected",
                                                "closed": "closed"}))  # fmt: skip
        parts += ["<h3>Actions</h3>",
                  _table(shown[["decision", "action", "owner", "due", "note", "action_id"]])]  # fmt: skip
    return "".join(parts)


def decisions_html(rec: SessionDecisions) -> str:
    """The decisions as one offline HTML page (inline style, no script, no link).

    Examples
    --------
    >>> page = decisions_html(SessionDecisions("FY2026-Q3", session_start(), "USD", Path("p")))
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page, "FY2026-Q3" in page
    (True, False, True)
    """
    title = f"Workshop decisions, {rec.quarter}"
    where = in_plans_folder(decisions_path(rec.plans_dir, rec.quarter), rec.plans_dir)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_html.escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border-bottom:1px solid #ccc;"
        "padding:4px 10px;text-align:left}td.num{text-align:right}h3{margin-top:1.5em}"
        "</style></head><body>"
        f"<h1>{_html.escape(title)}</h1><p>Saved to {_html.escape(where)} from "
        f"{rec.since:%Y-%m-%d %H:%M} to {datetime.now().astimezone():%Y-%m-%d %H:%M}."
        f"</p>{decisions_body(rec)}</body></html>\n"
    )


def decisions_path(plans_dir: str | Path, quarter: str) -> Path:
    """``<plans>/decisions_<quarter>.html``."""
    return Path(plans_dir) / f"decisions_{quarter}.html"


def export_decisions(rec: SessionDecisions) -> Path:
    """Write :func:`decisions_html` to ``<plans>/decisions_<quarter>.html`` atomically; its path.

    Examples
    --------
    >>> import tempfile
    >>> rec = SessionDecisions("FY2026-Q3", session_start(), "USD", Path(tempfile.mkdtemp()))
    >>> export_decisions(rec).name
    'decisions_FY2026-Q3.html'
    """
    path = decisions_path(rec.plans_dir, rec.quarter)
    return atomic_write_text(path, decisions_html(rec))


def decisions_widget(ws: Any) -> Any:
    """The Decisions screen: *Export* first (above the fold), then what was saved.

    Parameters
    ----------
    ws : Workshop
        The app (typed ``Any``: :mod:`.app` imports this module).
    """
    import ipywidgets as w  # deferred: batch runs never build a widget

    rec = session_decisions(ws.wb, since=ws.session_since)
    button = w.Button(description="Export decisions (HTML)", button_style="success",
                      layout=w.Layout(width="auto"))  # fmt: skip
    button.add_class("cw-export-decisions")
    button.add_class("cw-decide")
    status = w.HTML()
    status.add_class("cw-save-status")

    def export(_: Any) -> None:
        path = export_decisions(session_decisions(ws.wb, since=ws.session_since))
        status.value = status_html(
            f"Exported to {in_plans_folder(path, ws.wb.plans_dir)} ({datetime.now():%H:%M:%S}): "
            "ready to send."
        )

    button.on_click(export)
    bar = w.HBox([button, status], layout=w.Layout(align_items="center"))
    bar.add_class("cw-bar")
    body = w.HTML(decisions_body(rec))
    body.add_class("cw-decisions")
    return w.VBox([bar, body])
