"""Dependency risk: channels and partners carrying a large share of revenue, and how concentration
moved over time.

- :func:`dependency` — each channel's and partner's share of revenue in the year's window;
- :func:`concentration_history` — largest share and HHI by quarter, in long form.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.analysis.alignment.settings import Settings
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook


def dependency(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """Channels and partners carrying ``dependency_threshold`` or more of revenue in the window.

    Shares come from :func:`channel_lib.data.cube.revenue_shares` per quarter, summed over the
    year's window (exact, the dataset's money unit); a partner's share is of the revenue sold through partners.

    Returns
    -------
    DataFrame
        One row per channel and per partner with positive revenue, largest first within each
        ``dimension`` (``channel_id``, then ``partner_id``): ``year``, ``dimension``,
        ``entity_id``, ``entity_name``, ``revenue``, ``share``, ``previous_share`` (same quarters a year before;
        ``NaN`` when absent), ``threshold``, ``dependency`` (bool).

    Examples
    --------
    >>> from channel_lib.analysis.alignment import open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> d = dependency(wb, s)
    >>> d[d["dimension"] == "channel_id"][["entity_id", "share", "dependency"]].round(3)
      entity_id  share  dependency
    0       DIR  0.542        True
    1      DIST  0.289       False
    2       WEB  0.169       False
    """
    ds = wb.dataset
    in_data = set(wb.quarters)
    parts = []
    for dim in ("channel_id", "partner_id"):
        shares = {}
        for key, quarters in (("now", settings.quarters), ("before", settings.previous_quarters)):
            q = [x for x in quarters if x in in_data]
            s = (
                metrics.revenue_shares(
                    ds, by=dim, period="quarter", periods=q, threshold=settings.dependency_threshold
                )
                if q
                else pd.DataFrame(columns=["entity_id", "revenue_exact"])
            )
            exact = s.groupby("entity_id")["revenue_exact"].sum()
            shares[key] = exact / exact.sum() if exact.sum() > 0 else exact.astype("float64")
            if key == "now":
                revenue = ds.money.amount(exact)
        frame = pd.DataFrame({"entity_id": shares["now"].index.astype("string"),
                              "revenue": revenue.to_numpy(), "share": shares["now"].to_numpy()})  # fmt: skip
        frame["previous_share"] = frame["entity_id"].map(shares["before"]).astype("float64")
        frame["dimension"] = dim
        parts.append(frame.sort_values(["share", "entity_id"], ascending=[False, True]))
    out = pd.concat(parts, ignore_index=True)
    channels = ds.table("channels")
    names = dict(zip(channels["channel_id"], channels["channel_name"], strict=True))
    if ds.has("partners"):
        partners = ds.table("partners")
        names.update(zip(partners["partner_id"], partners["partner_name"], strict=True))
    out["entity_name"] = out["entity_id"].map(names).astype("string")
    out["year"] = settings.year
    out["threshold"] = settings.dependency_threshold
    out["dependency"] = out["share"] >= settings.dependency_threshold
    return out[["year", "dimension", "entity_id", "entity_name", "revenue", "share", "previous_share",
                "threshold", "dependency"]]  # fmt: skip


def concentration_history(wb: Workbook, settings: Settings) -> pd.DataFrame:
    """How concentration moved: :func:`channel_lib.data.cube.concentration` by quarter, for channels
    and partners, up to the reporting quarter, in long form for a chart.

    Returns
    -------
    DataFrame
        ``period``, ``dimension`` (``"channels"``/``"partners"``), ``measure``
        (``"Largest share"``, ``"HHI"``), ``value`` (fraction), ``largest_id``, ``threshold``.
    """
    parts = []
    for dim, name in (("channel_id", "channels"), ("partner_id", "partners")):
        c = metrics.concentration(
            wb.dataset, by=dim, period="quarter", periods=wb.quarters,
            threshold=settings.dependency_threshold,
        )  # fmt: skip
        for measure, col in (("Largest share", "largest_share"), ("HHI", "hhi")):
            parts.append(pd.DataFrame({
                "period": c["period"], "dimension": name, "measure": measure,
                "value": c[col], "largest_id": c["largest_id"], "threshold": c["threshold"],
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)
