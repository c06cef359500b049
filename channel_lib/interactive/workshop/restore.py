"""What the room saved, read back from the plans folder when the workshop page is (re)loaded.

A page reload starts a new kernel and a new :class:`~.app.Workshop`; without this module the
targets and budget screens came back at ``goals.yaml``'s defaults although ``targets.csv`` and
``investment.csv`` held what the room chose.

- :func:`saved_budget` — budget, limits and metric of ``investment.csv`` (its header says them);
- :func:`saved_targets` — the channel revenue targets ``targets.csv`` holds for a year;
- :func:`record_choices` / :func:`read_choices` — the controls' values at each *Save*, kept in
  ``workshop_choices.json`` beside those files: ``targets.csv`` holds amounts, not the method and
  blend weights that made them, and ``investment.csv`` the budget placed, not the slider's
  budget when some of it is kept. A choice is used only while the file it was saved with still
  holds what it held then (the app checks).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from channel_lib.core.errors import ChannelLibError
from channel_lib.core.files import atomic_write_text
from channel_lib.data.workbook import Workbook
from channel_lib.plans.investment_split import read_split
from channel_lib.plans.targets import PROPOSED, read_targets

__all__ = [
    "CHOICES_FILE",
    "parse_limits",
    "read_choices",
    "record_choices",
    "saved_budget",
    "saved_targets",
]

#: The controls' values at each workshop *Save*, in the plans folder.
CHOICES_FILE = "workshop_choices.json"


def parse_limits(text: str) -> dict[str, float]:
    """The limits of an ``investment.csv`` header line (``max_change=0.3, min_share=0.05, ...``).

    Raises
    ------
    ChannelLibError
        For a part that is not ``name=number``.

    Examples
    --------
    >>> parse_limits("max_change=0.3, min_share=0.05, max_share=0.6")
    {'max_change': 0.3, 'min_share': 0.05, 'max_share': 0.6}
    """
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ChannelLibError(
                f"investment.csv: the limits line holds {part!r}, not name=number; save the "
                "budget split again"
            ) from None
    return out


def saved_budget(wb: Workbook) -> dict[str, Any] | None:
    """Budget, limits and metric of the plans folder's ``investment.csv`` (``None``: none saved).

    Returns
    -------
    dict or None
        ``budget`` (currency per month: what was placed over the channels), ``budget_exact``
        (exact units), ``limits`` (``max_change``, ``min_share``, ``max_share``, fractions) and
        ``metric`` (``revenue`` or ``gross_profit``). ``None`` without a file or without its
        header line.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> saved_budget(open_workbook("tests/data/tiny", plans_dir="/tmp/cw-empty-plans")) is None
    True
    """
    money = wb.dataset.money
    split = read_split(wb.plans_dir, money=money)
    if split is None or "budget_exact" not in split.attrs:
        return None
    exact = int(split.attrs["budget_exact"])
    return {
        "budget": float(money.amount(exact)),
        "budget_exact": exact,
        "limits": parse_limits(str(split.attrs.get("limits", ""))),
        "metric": str(split.attrs["metric"]),
    }


def saved_targets(wb: Workbook, year: str) -> dict[str, int] | None:
    """Channel → the year's revenue target (exact units) in ``targets.csv``; ``None``: none saved.

    The proposal when the file holds one for the year's quarters, else the approved plan;
    quarterly targets are summed over the year.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> saved_targets(open_workbook("tests/data/tiny", plans_dir="/tmp/cw-empty-plans"), "FY2027")
    """
    rows = read_targets(wb.plans_dir, money=wb.dataset.money)
    if rows is None:
        return None
    rows = rows[
        rows["quarter"].astype(str).str.startswith(f"{year}-")
        & rows["partner_id"].isna()
        & (rows["metric"] == "revenue")
    ]
    if rows.empty:
        return None
    proposed = rows[rows["status"] == PROPOSED]
    chosen = proposed if len(proposed) else rows
    sums = chosen.groupby("channel_id")["target_exact"].sum()
    return {str(c): int(v) for c, v in sums.items()}


def read_choices(plans_dir: str | Path) -> dict[str, Any]:
    """The recorded choices by screen key (``{}`` without a file or with an unreadable one)."""
    path = Path(plans_dir) / CHOICES_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_choices(plans_dir: str | Path, key: str, values: Mapping[str, Any]) -> Path:
    """Record the values of screen ``key``'s controls at a save (replacing that screen's).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = record_choices(folder, "targets", {"method": "blend", "trend": 0.5})
    >>> read_choices(folder)["targets"]["method"]
    'blend'
    """
    path = Path(plans_dir) / CHOICES_FILE
    data = read_choices(plans_dir)
    data[key] = dict(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


# -- starting the screens at what was saved ---------------------------------------------------------
def restore_targets(wb: Workbook, exp: Any, year: str) -> str:
    """Start the target explorer at the choices that reproduce ``targets.csv``; say what it shows.

    Candidates, in order: the choices recorded at the workshop's last *Save*, the explorer's
    defaults (``goals.yaml``), then each method with the default weights. The first whose channel
    targets equal the file's, to the exact unit, is where the controls start.

    Parameters
    ----------
    wb : Workbook
    exp : TargetExplorer
        Not shown yet (typed ``Any``: the explorers load only with the live app).
    year : str
        The target year (``FY2027``).

    Returns
    -------
    str
        ``""`` when the plans folder holds no targets for the year; else one sentence.
    """
    saved = saved_targets(wb, year)
    if saved is None:
        return ""
    defaults = dict(exp.initial)
    candidates = []
    recorded = read_choices(wb.plans_dir).get("targets")
    if isinstance(recorded, dict):
        candidates.append({k: v for k, v in recorded.items() if k in defaults})
    candidates.append({})
    from channel_lib.analysis.targets import METHODS  # deferred: loads with the live app only

    candidates += [{"method": m} for m in METHODS]
    money = wb.dataset.money
    for values in candidates:
        try:
            shown = exp.compute(**{**defaults, **values}).target_exact()
        except ChannelLibError:
            continue
        if shown == saved:
            exp.start_at(values)
            return (
                f"targets.csv holds the {year} targets the room saved "
                f"({money.amount(sum(saved.values())):,.0f} {money.currency} in all): "
                "the controls start where they were."
            )
    parts = ", ".join(f"{c} {money.amount(v):,.0f}" for c, v in sorted(saved.items()))
    return (
        f"targets.csv holds {year} targets these controls do not reproduce (saved from "
        f"notebook 02 or edited): {parts} {money.currency}. The controls start at goals.yaml's."
    )


def saved_objective(wb: Workbook, default_metric: str) -> str | None:
    """The objective the saved budget split was made for, when it is not the default's metric."""
    saved = saved_budget(wb)
    if saved is None or saved["metric"] == default_metric:
        return None
    return saved["metric"] if saved["metric"] in ("revenue", "gross_profit") else None


def investment_start(wb: Workbook) -> tuple[float | None, dict[str, float] | None, str]:
    """Budget and limits the budget screen starts at, from ``investment.csv``, and the sentence.

    The budget is the slider's at the workshop's last *Save* when the file still holds the
    amount placed then (some of a budget may be kept, not placed); else the file's budget.

    Returns
    -------
    tuple
        ``(budget, limits, sentence)``; ``(None, None, "")`` without a saved split.
    """
    saved = saved_budget(wb)
    if saved is None:
        return None, None, ""
    budget = saved["budget"]
    recorded = read_choices(wb.plans_dir).get("investment")
    if isinstance(recorded, dict) and recorded.get("placed_exact") == saved["budget_exact"]:
        budget = float(recorded.get("budget", budget))
    limits = {k: v for k, v in saved["limits"].items()
              if k in ("max_change", "min_share", "max_share")}  # fmt: skip
    cur = wb.dataset.money.currency
    return (
        budget,
        limits or None,
        (
            f"investment.csv holds the budget split the room saved: the controls start at its "
            f"budget of {budget:,.0f} {cur} per month and its limits."
        ),
    )
