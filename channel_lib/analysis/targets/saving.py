"""The chosen targets in the plans folder: the ``targets.csv`` rows of a plan, and saving them under
the notebook's policy (the file itself is read and written by :mod:`channel_lib.plans.targets`).

- :func:`plan_rows` — the plan in the data contract's ``targets.csv`` shape;
- :func:`write_plan_targets` — write them as a proposal, never replacing one silently;
- :func:`save_plan` — write, keep or skip as the notebook's parameters say, and report what
  happened (:class:`SaveOutcome`); a proposal (a year without goals) goes to
  :func:`proposals_dir`, never to the official ``targets.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from channel_lib.analysis.targets.plan import TargetPlan
from channel_lib.plans.targets import PlanExistsError, targets_path, write_targets

__all__ = ["PROPOSALS_FOLDER", "SaveOutcome", "plan_rows", "proposals_dir", "save_plan",
           "write_plan_targets"]  # fmt: skip

#: Sub-folder of the plans folder that holds proposed targets (years without goals): the same
#: ``targets.csv`` layout, read by nothing that measures attainment.
PROPOSALS_FOLDER = "proposals"


def proposals_dir(plans_dir: str | Path) -> Path:
    """Where proposed targets go: ``plans_dir/proposals`` (its ``targets.csv``).

    Examples
    --------
    >>> proposals_dir("plans").as_posix()
    'plans/proposals'
    """
    return Path(plans_dir) / PROPOSALS_FOLDER


@dataclass(frozen=True)
class SaveOutcome:
    """What :func:`save_plan` did.

    Attributes
    ----------
    status : {"not_written", "kept", "written", "replaced"}
        ``kept``: the plans folder already held targets for the year and ``overwrite`` was off.
    path : Path
        The targets file (for a proposal, the one in :func:`proposals_dir`).
    year : str
        The fiscal year of the plan.
    rows : int
        Rows of the plan (:func:`plan_rows`), written or not.
    metrics : tuple of str
        The plan's metrics (``revenue``, and ``gross_profit`` when managing for profit).
    proposal : bool
        The plan is a proposal (its year has no goals): written, if at all, to
        :func:`proposals_dir`.
    """

    status: str
    path: Path
    year: str
    rows: int
    metrics: tuple[str, ...]
    proposal: bool = False


def plan_rows(plan: TargetPlan) -> pd.DataFrame:
    """The chosen targets in the data contract's ``targets.csv`` shape.

    Returns
    -------
    DataFrame
        ``quarter``, ``channel_id``, ``partner_id`` (empty = channel level), ``metric``
        (``revenue``, and ``gross_profit`` when managing for revenue and profit), ``target``
        (text in whole minor units of the currency: two decimals for USD, none for JPY;
        exact), ``target_exact`` (int64, the dataset's money unit; multiples of
        ``money.minor_step``); channel rows first. A
        channel's sales made without a partner keep no row of their own: they are the channel
        target minus its partners'.
    """
    rows = []
    for metric in plan.metrics:
        col = f"{metric}_target_exact"
        for c, quarter, exact in plan.quarters[["channel_id", "quarter", col]].itertuples(
            index=False
        ):
            rows.append((quarter, c, "", metric, int(exact)))
    pq = plan.partner_quarters[
        plan.partner_quarters["partner_id"].notna()
        & plan.partner_quarters["metric"].isin(plan.metrics)
    ]
    for c, pid, quarter, metric, exact in pq.itertuples(index=False):
        rows.append((quarter, c, str(pid), metric, int(exact)))
    out = pd.DataFrame(
        rows, columns=["quarter", "channel_id", "partner_id", "metric", "target_exact"]
    )
    money = plan.settings.money
    out["target"] = [money.format_minor(int(v)) for v in out["target_exact"]]
    out["target_exact"] = out["target_exact"].astype("int64")
    out = out.sort_values(["quarter", "channel_id", "partner_id", "metric"], kind="stable")
    return out[
        ["quarter", "channel_id", "partner_id", "metric", "target", "target_exact"]
    ].reset_index(drop=True)


#: The plans folder's one writer of ``targets.csv`` (:func:`channel_lib.plans.targets.write_targets`:
#: atomic, never replacing the targets of a quarter unless ``overwrite``), under the name target
#: setting has always used.
write_plan_targets = write_targets


def save_plan(
    plan: TargetPlan, plans_dir: str | Path, *, write_plan: bool = True, overwrite: bool = False
) -> SaveOutcome:
    """Save the plan to the plans folder under the notebook's policy; report what happened.

    Parameters
    ----------
    plan : TargetPlan
    plans_dir : str or Path
    write_plan : bool
        Write at all (``False``: the targets stay a proposal).
    overwrite : bool
        Replace the targets already saved for the year's quarters.

    Returns
    -------
    SaveOutcome
        What happened: written, replaced, kept or not written (the page says it in one sentence,
        :func:`channel_lib.presentation.pages.target_setting.save_sentence`).

    Notes
    -----
    - ``write_plan=False``: nothing is written.
    - ``write_plan=True`` and no plan for the year's quarters in the plans folder: written.
    - ``write_plan=True``, a plan exists and ``overwrite=False``: the existing plan is **kept**
      (so running the notebook twice in a row does not fail) and the sentence says how to
      replace it; :func:`write_plan_targets` itself would raise :class:`PlanExistsError`.
    - ``overwrite=True``: the year's quarters are replaced.
    - Every row written is a **proposal** (``status`` proposed in the plans folder's
      ``targets.csv``): reports keep measuring the official targets (or an approved plan) and
      show it beside them until ``channel-workbook targets approve YEAR --by NAME``
      (:func:`channel_lib.plans.targets.approve_targets`); ``overwrite`` replaces a proposal,
      never an approved plan.
    - A year without goals (``plan.settings.proposal``: no section in ``goals.yaml``) follows
      the same rules in :func:`proposals_dir` instead, which nothing that measures attainment
      reads.
    """
    rows = plan_rows(plan)
    proposal = plan.settings.proposal
    folder = proposals_dir(plans_dir) if proposal else Path(plans_dir)
    path = targets_path(folder)

    def outcome(status: str) -> SaveOutcome:
        return SaveOutcome(status, path, plan.settings.year, len(rows), plan.metrics, proposal)

    if not write_plan:
        return outcome("not_written")
    try:
        write_plan_targets(rows, folder, money=plan.settings.money, overwrite=overwrite)
    except PlanExistsError:
        return outcome("kept")
    return outcome("replaced" if overwrite else "written")
