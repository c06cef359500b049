"""The partner data every signal reads: ``partners.csv`` (or its empty shape), our revenue
through each partner over the trailing 12 months, and the partners' reports up to a quarter.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.data import cube as metrics
from channel_lib.data.cube.terms import exact_sql
from channel_lib.data.loader import Dataset


def partner_table(ds: Dataset) -> pd.DataFrame:
    """``partners.csv`` as validated, or the same columns empty for a direct-only dataset.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    DataFrame
        One row per partner: ``partner_id``, ``partner_name``, ``channel_id``, ``region``,
        ``tier`` (str), ``onboarded_on``, ``offboarded_on`` (Timestamp) and any other column of
        the file.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> partner_table(load_dataset("tests/data/tiny"))["partner_id"].tolist()
    ['P1', 'P2', 'P3', 'P4']
    """
    if not ds.has("partners"):  # direct sales only: no partner table
        frame = pd.DataFrame(
            {c: pd.Series(dtype="string")
             for c in ("partner_id", "partner_name", "channel_id", "region", "tier")}
        )  # fmt: skip
        frame["onboarded_on"] = pd.Series(dtype="datetime64[us]")
        frame["offboarded_on"] = pd.Series(dtype="datetime64[us]")
        return frame
    return ds.table("partners")


def trailing_partner_revenue(ds: Dataset, quarter: str) -> pd.DataFrame:
    """Our revenue through each partner over the 12 months ending with ``quarter`` and the 12 before.

    Parameters
    ----------
    ds : Dataset
    quarter : str

    Returns
    -------
    DataFrame
        :func:`channel_lib.data.cube.trailing_growth` of revenue by ``partner_id`` over
        12 months, indexed by ``partner_id`` (direct sales left out): ``current_exact`` and
        ``previous_exact`` (int64), ``current`` and ``previous`` (currency), ``change``
        (fraction), ``previous_complete`` and the windows' ``current_start``, ``current_end``,
        ``previous_start``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> t = trailing_partner_revenue(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> t.index.tolist(), t.loc["P1", ["current", "previous"]].tolist()
    (['P1', 'P2', 'P3'], [10975.0, 16450.0])
    """
    t = metrics.trailing_growth(ds, quarter, by="partner_id", months=12)
    return t.dropna(subset=["partner_id"]).set_index("partner_id")


def _quarter_order(ds: Dataset, labels: pd.Series) -> pd.Series:
    """Sortable first day of each fiscal quarter label."""
    starts = {q: ds.calendar.quarter_bounds(q)[0] for q in labels.dropna().unique()}
    return labels.map(starts)


def partner_reports(ds: Dataset, quarter: str) -> pd.DataFrame:
    """The partners' reports up to ``quarter``, money exact (``ds.money``), in reporting order per partner.

    Parameters
    ----------
    ds : Dataset
        A dataset with ``partner_reports.csv``.
    quarter : str
        The last quarter kept.

    Returns
    -------
    DataFrame
        One row per report, by partner then quarter: ``quarter``, ``partner_id`` (str),
        ``total_sales_exact`` (int64 exact units of ``ds.money``), ``line_card_rank``, ``sales_headcount``,
        ``key_sales_departures``, ``csat``, ``first_response_hours``, ``certified_staff``,
        ``pipeline_exact`` and ``quarter_start`` (Timestamp, for ordering).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> r = partner_reports(load_dataset("tests/data/tiny"), "FY2026-Q2")
    >>> r[["quarter", "partner_id", "line_card_rank"]].head(3)
         quarter partner_id  line_card_rank
    0  FY2026-Q1         P1               2
    1  FY2026-Q2         P1               2
    2  FY2026-Q1         P2               3
    """
    sales, pipeline = (exact_sql(c, ds.money) for c in ("partner_total_sales", "pipeline_value"))
    r = ds.sql(
        f"SELECT quarter, partner_id, {sales} "
        "AS total_sales_exact, line_card_rank, sales_headcount, key_sales_departures, csat, "
        f"first_response_hours, certified_staff, {pipeline} "
        "AS pipeline_exact FROM partner_reports"
    )
    r["quarter"] = r["quarter"].astype("string")
    r["partner_id"] = r["partner_id"].astype("string")
    r["quarter_start"] = _quarter_order(ds, r["quarter"])
    end = ds.calendar.quarter_bounds(quarter)[0]
    return r[r["quarter_start"] <= end].sort_values(["partner_id", "quarter_start"])


def _no_reports(ds: Dataset) -> bool:
    return not ds.has("partner_reports") or not ds.has("partners")
