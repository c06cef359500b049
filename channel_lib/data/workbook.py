"""Open a workbook session: resolve paths, validate parameters, load the dataset, choose the quarter.

Every notebook's second cell is one call to :func:`open_workbook`; it raises a clear
:class:`~channel_lib.core.errors.ParameterError` or :class:`~channel_lib.core.errors.DataValidationError`
before any analysis runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from channel_lib.core.config import project_root
from channel_lib.core.errors import ParameterError
from channel_lib.data.dataset import Dataset
from channel_lib.data.prepared import dataset_for
from channel_lib.data.pseudonyms import apply_pseudonyms, parse_spec, spec_from_env

#: A channel whose last sale is this many days before the newest sale is treated as no longer
#: selling and does not hold back the choice of the latest complete quarter.
INACTIVE_AFTER_DAYS = 120


def resolve_path(path: str | Path) -> Path:
    """An absolute path: relative paths are taken from :func:`project_root`."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (project_root() / p)


@dataclass
class Workbook:
    """What every notebook works on: the dataset, the reporting quarter and the plans folder."""

    dataset: Dataset
    quarter: str
    quarter_reason: str
    plans_dir: Path

    @property
    def year(self) -> str:
        """Fiscal year of the reporting quarter, e.g. ``FY2026``."""
        return self.dataset.calendar.year_of_quarter(self.quarter)

    @property
    def channel_ids(self) -> list[str]:
        """Channel ids in ``channels.csv`` order (the order that fixes each channel's colour)."""
        return [str(c) for c in self.dataset.table("channels")["channel_id"]]

    @cached_property
    def quarters(self) -> list[str]:
        """Every fiscal quarter from the first one with sales to the reporting quarter, in order."""
        first = self.dataset.calendar.quarter_of(sales_coverage(self.dataset)["first_date"].min())
        return self.dataset.calendar.quarter_range(first, self.quarter)

    @property
    def quarter_bounds(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """``(first_day, first_day_after)`` of the reporting quarter."""
        return self.dataset.calendar.quarter_bounds(self.quarter)


def sales_coverage(ds: Dataset) -> pd.DataFrame:
    """First and last order date per channel, and its usual gap between order days.

    Returns
    -------
    DataFrame
        Columns ``channel_id``, ``first_date``, ``last_date`` (Timestamps) and ``usual_gap_days``
        (90th percentile of the gaps between consecutive order days over the channel's last
        365 days of data; 0 with a single order day), one row per channel with sales.
    """
    return ds.sql(
        """
        WITH days AS (SELECT DISTINCT channel_id, order_date FROM sales),
        gaps AS (
            SELECT channel_id, order_date,
                   order_date - lag(order_date) OVER (PARTITION BY channel_id ORDER BY order_date) AS gap,
                   max(order_date) OVER (PARTITION BY channel_id) AS last_date
            FROM days
        )
        SELECT channel_id, min(order_date) AS first_date, max(order_date) AS last_date,
               coalesce(quantile_cont(gap, 0.9) FILTER (WHERE order_date > last_date - INTERVAL 365 DAY), 0)
                   AS usual_gap_days
        FROM gaps GROUP BY channel_id ORDER BY channel_id
        """
    )


def choose_quarter(ds: Dataset, quarter: str = "latest") -> tuple[str, str]:
    """Validate ``quarter`` against the data, or choose the latest complete one.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        ``"latest"`` or a label such as ``"FY2026-Q3"``.

    Returns
    -------
    (quarter, reason) : tuple of str

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> choose_quarter(load_dataset("tests/data/tiny"))[0]
    'FY2026-Q4'
    """
    cal = ds.calendar
    coverage = sales_coverage(ds)
    if coverage.empty:
        raise ParameterError(
            f"{ds.files['sales'].name} has no lines: there is no quarter to report on"
        )
    newest = coverage["last_date"].max()
    active = coverage[coverage["last_date"] >= newest - pd.Timedelta(days=INACTIVE_AFTER_DAYS)]
    latest, reason = cal.latest_complete_quarter(
        dict(zip(active["channel_id"], active["last_date"], strict=True)),
        usual_gap_days=dict(zip(active["channel_id"], active["usual_gap_days"], strict=True)),
    )
    if quarter == "latest":
        return latest, reason
    cal.validate_quarter(quarter)
    first = cal.quarter_of(coverage["first_date"].min())
    if quarter not in cal.quarter_range(first, latest):
        raise ParameterError(
            f"quarter {quarter} is outside the data: complete quarters run from {first} to {latest} "
            f"({reason})"
        )
    if quarter == latest:
        return quarter, reason
    return quarter, f"{quarter} was asked for; the data covers {first} to {latest} completely."


def open_workbook(
    data_dir: str | Path = "data/sample",
    quarter: str = "latest",
    plans_dir: str | Path = "plans",
    *,
    pseudonymise: str | None = None,
) -> Workbook:
    """Validate a notebook's common parameters, load the dataset and choose the quarter.

    Parameters
    ----------
    data_dir : str or Path
        Dataset folder (read only); relative paths start at the project folder.
    quarter : str
        ``"latest"`` (the last quarter every channel's data covers) or e.g. ``"FY2026-Q3"``.
    plans_dir : str or Path
        Folder the workbook writes to (targets, action log, workshop decisions); it may not lie
        inside the dataset folder.
    pseudonymise : str, optional
        ``customers``, ``partners`` or ``customers,partners``: those names are shown as stable
        pseudonyms (:mod:`channel_lib.data.pseudonyms`; the salt and the register of
        pseudonyms are kept in ``plans_dir``); ``none`` or ``""``: real names. ``None``
        (default): as the environment variable ``CHANNEL_WORKBOOK_PSEUDONYMISE`` says, which
        the report batch and the workshop server set, so notebooks need no parameter.

    Returns
    -------
    Workbook

    Raises
    ------
    ParameterError
        For a malformed or out-of-range quarter, a missing folder, a plans folder inside the
        dataset folder, or an unknown ``pseudonymise`` word.
    DataValidationError
        When the dataset breaks the data contract.

    Notes
    -----
    Under ``channel-workbook report`` the dataset was validated once for the whole batch and
    cached as Parquet; when the environment variable ``CHANNEL_WORKBOOK_PREPARED`` names that
    cache and it was made from this folder's unchanged files, the tables are read from it
    (:func:`channel_lib.data.prepared.dataset_for`).

    Examples
    --------
    >>> wb = open_workbook("tests/data/tiny", quarter="FY2026-Q3", plans_dir="/tmp/plans")
    >>> wb.quarter, wb.year
    ('FY2026-Q3', 'FY2026')
    """
    entities = spec_from_env() if pseudonymise is None else parse_spec(pseudonymise)
    if not isinstance(quarter, str) or not quarter:
        raise ParameterError(
            f"quarter must be 'latest' or a label like 'FY2026-Q3', got {quarter!r}"
        )
    data = resolve_path(data_dir)
    plans = resolve_path(plans_dir)
    if not data.is_dir():
        raise ParameterError(
            f"data_dir {data} is not a folder; pass the dataset folder (e.g. data/sample)"
        )
    if plans.resolve() == data.resolve() or data.resolve() in plans.resolve().parents:
        raise ParameterError(
            f"plans_dir {plans} lies inside the dataset folder {data}, which is read only; "
            "choose a separate folder such as plans/"
        )
    # the report batch prepares the dataset once and names it in CHANNEL_WORKBOOK_PREPARED
    ds = dataset_for(data)
    if entities:  # names replaced in the opened tables: the files and prepared copy keep them
        apply_pseudonyms(ds, plans, entities)
    chosen, reason = choose_quarter(ds, quarter)
    return Workbook(dataset=ds, quarter=chosen, quarter_reason=reason, plans_dir=plans)
