"""Attainment of the quarter's channel and partner targets: the plans folder's approved plan, else
the dataset's official targets, with a proposal shown beside them (never in their place)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.data.cube.sums import cube_sums
from channel_lib.data.cube.terms import MissingDataError, add_money, exact_sql, ratio
from channel_lib.data.dataset import Dataset
from channel_lib.plans.targets import APPROVED, PROPOSED, read_targets, targets_path

#: The plans folder's targets, as this module has read them (the one reader is
#: :func:`channel_lib.plans.targets.read_targets`).
read_plan_targets = read_targets


def attainment(ds: Dataset, quarter: str, *, plans_dir: str | Path | None = None) -> pd.DataFrame:
    """Attainment of each channel and partner target in ``quarter``.

    Targets come from ``plans_dir/targets.csv`` when it has **approved** rows for the quarter
    (``channel-workbook targets approve``), else from the dataset's ``targets.csv`` (the
    company's official targets). A **proposal** (what target setting or the workshop saved, not
    yet approved) never replaces either: its target is shown beside them
    (``proposed_target``). The result says which it used (``source`` column and
    ``frame.attrs["source"]``, ``frame.attrs["source_file"]``; ``frame.attrs["proposal_file"]``
    when a proposal for the quarter exists).

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Fiscal quarter, e.g. ``"FY2026-Q3"``.
    plans_dir : str or Path, optional
        The plans folder; ``None`` = use the dataset's targets only.

    Returns
    -------
    DataFrame
        One row per target, channel-level rows first:

        - ``quarter``, ``level`` (``"channel"`` or ``"partner"``), ``channel_id``, ``partner_id``
          (missing for channel level), ``metric`` (``revenue`` or ``gross_profit``).
        - ``target``, ``actual``, ``gap`` (= actual − target) in currency (float) with exact
          ``target_exact``, ``actual_exact``, ``gap_exact`` (int64, exact units of ``ds.money``).
          A partner's actual counts
          its sales in the target's channel.
        - ``attainment`` (fraction: actual / target; ``NaN`` for a zero target).
        - ``source`` (``"plans"``: the approved plan, or ``"dataset"``), ``source_file`` (path of
          the targets file).
        - ``proposed_target_exact`` (Int64, missing where the plans folder has no proposal for
          the row) and ``proposed_target`` (currency, ``NaN`` there): the proposal beside it.

    Raises
    ------
    MissingDataError
        When neither an approved plan nor the dataset has targets for the quarter (the message
        names a proposal that exists and the command that approves it).
    DataValidationError
        When ``plans_dir/targets.csv`` is malformed.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> a = attainment(ds, "FY2026-Q3")
    >>> a[["level", "channel_id", "partner_id", "target", "actual", "attainment"]].round(4)
         level channel_id partner_id   target   actual  attainment
    0  channel        DIR       <NA>  15000.0  13500.0       0.900
    1  channel       DIST       <NA>   9000.0   1440.0       0.160
    2  channel        WEB       <NA>   4000.0   4500.0       1.125
    3  partner       DIST         P1   6000.0      0.0       0.000
    >>> a.attrs["source"]
    'dataset'
    """
    ds.calendar.validate_quarter(quarter)
    plan = _plan_rows(ds, quarter, plans_dir)
    found = None
    if plan is not None and (plan["status"] == APPROVED).any():
        found = plan[plan["status"] == APPROVED], "plans", str(targets_path(plans_dir))
    if found is None and ds.has("targets"):
        found = _dataset_targets(ds, quarter)
    proposal = plan[plan["status"] == PROPOSED] if plan is not None else None
    if found is None:
        raise _no_targets(ds, quarter, plans_dir, proposal is not None and len(proposal) > 0)
    targets, source, source_file = found
    out = targets.reset_index(drop=True).copy()
    out["level"] = np.where(out["partner_id"].isna(), "channel", "partner")
    out["actual_exact"] = _actual_exact(ds, quarter, out)
    out["target_exact"] = out["target_exact"].astype("int64")
    out["gap_exact"] = out["actual_exact"] - out["target_exact"]
    add_money(out, ds.money, "target", "actual", "gap")
    out["attainment"] = ratio(out["actual_exact"], out["target_exact"])
    out["source"] = source
    out["source_file"] = source_file
    out["level"] = out["level"].astype("string")
    out = out.sort_values(
        ["level", "channel_id", "partner_id", "metric"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    out["proposed_target_exact"] = _beside(out, proposal)
    out["proposed_target"] = (
        ds.money.amount(out["proposed_target_exact"].astype("float64"))
    ).astype("float64")
    out.attrs["source"] = source
    out.attrs["source_file"] = source_file
    if proposal is not None and len(proposal):
        out.attrs["proposal_file"] = str(targets_path(plans_dir))
    order = [
        "quarter", "level", "channel_id", "partner_id", "metric", "target", "actual", "gap",
        "attainment", "source", "source_file", "target_exact", "actual_exact", "gap_exact",
        "proposed_target", "proposed_target_exact",
    ]  # fmt: skip
    return out[order]


def _beside(out: pd.DataFrame, proposal: pd.DataFrame | None) -> pd.Series:
    """Each row's proposed target (exact units, Int64; missing without one)."""
    if proposal is None or not len(proposal):
        return pd.Series(pd.NA, index=out.index, dtype="Int64")
    key = proposal.assign(partner_id=proposal["partner_id"].fillna("")).set_index(
        ["channel_id", "partner_id", "metric"]
    )["target_exact"]
    keys = list(zip(out["channel_id"], out["partner_id"].fillna(""), out["metric"], strict=True))
    return pd.Series([key.get(k, pd.NA) for k in keys], index=out.index, dtype="Int64")


def _plan_rows(ds: Dataset, quarter: str, plans_dir: str | Path | None) -> pd.DataFrame | None:
    """The plans folder's rows of ``quarter`` (approved and proposed), or ``None``."""
    if plans_dir is None:
        return None
    plan = read_plan_targets(plans_dir, money=ds.money)
    if plan is None:
        return None
    plan = plan[plan["quarter"] == quarter]
    return plan if len(plan) else None


def _dataset_targets(ds: Dataset, quarter: str) -> tuple[pd.DataFrame, str, str] | None:
    """The dataset's official targets of ``quarter`` with ``"dataset"`` and the file, or ``None``."""
    # one query for the labels and the exact amounts (a Parquet table is a view, with no rowid
    # to align two queries by); the official targets are the source's money: exact units
    official = ds.sql(
        "SELECT quarter, channel_id, partner_id, metric, "
        f"{exact_sql('target', ds.money)} AS target_exact FROM targets WHERE quarter = ?",
        [quarter],
    )
    if not len(official):
        return None
    targets = pd.DataFrame(
        {c: official[c].astype("string") for c in ("quarter", "channel_id", "partner_id", "metric")}
    )
    targets["target_exact"] = official["target_exact"].to_numpy()
    return targets, "dataset", str(ds.files["targets"])


def _no_targets(
    ds: Dataset, quarter: str, plans_dir: str | Path | None, proposed: bool = False
) -> MissingDataError:
    """The error when neither an approved plan nor the dataset has targets for ``quarter``."""
    if proposed:
        year = quarter.split("-")[0]
        return MissingDataError(
            f"No approved or official targets for {quarter}: the plans folder's targets.csv "
            f"holds only a proposal for it, and a proposal is never measured against. Approve it "
            f"with `channel-workbook targets approve {year} --by NAME --plans PLANS_FOLDER`, or "
            f"add rows for {quarter} to the dataset's targets.csv."
        )
    # named from their folders: the message is shown in reports, which never print machine paths
    where = ["the plans folder's targets.csv (approved)"] if plans_dir is not None else []
    where.append(
        f"the dataset's {ds.files['targets'].name}"
        if ds.has("targets")
        else f"the dataset folder ({ds.folder.name}, which has no targets.csv)"
    )
    return MissingDataError(
        f"No targets for {quarter} in {' or '.join(where)}: attainment cannot be shown. "
        "Set targets for the quarter (target setting writes them to the plans folder) or add "
        "rows for it to targets.csv (columns: quarter, channel_id, partner_id, metric, target)."
    )


def _actual_exact(ds: Dataset, quarter: str, targets: pd.DataFrame) -> pd.Series:
    """Each target's actual in exact units (int64): its channel's sales, or the partner's in it."""
    actual = cube_sums(ds, by=["channel_id", "partner_id"], periods=[quarter])
    actual["gross_profit_exact"] = actual["revenue_exact"] - actual["cost_of_sales_exact"]
    actual = actual[["channel_id", "partner_id", "revenue_exact", "gross_profit_exact"]]
    by_channel = actual.groupby("channel_id")[["revenue_exact", "gross_profit_exact"]].sum()
    by_partner = actual.dropna(subset=["partner_id"]).set_index(["channel_id", "partner_id"])
    values = []
    for ch, partner, metric in targets[["channel_id", "partner_id", "metric"]].itertuples(
        index=False
    ):
        col = f"{metric}_exact"
        if pd.isna(partner):
            values.append(int(by_channel[col].get(ch, 0)))
        else:
            key = (ch, partner)
            values.append(int(by_partner[col].get(key, 0)) if key in by_partner.index else 0)
    return pd.Series(values, index=targets.index, dtype="int64")
