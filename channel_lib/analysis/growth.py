"""The one growth definition of the workbook: revenue of the four fiscal quarters ending with the
reporting quarter against the four before (for a Q4 report: the fiscal year against the last).

Every report that says a channel "grew", "fell" or states its "growth" uses :func:`revenue_growth`;
a trend slope or a change of one quarter against the same quarter a year before is named as what
it is (see :data:`GROWTH_DEFINITION`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.dataset import Dataset

__all__ = ["GROWTH_DEFINITION", "GROWTH_LEVELS", "revenue_growth"]

#: The growth definition in one sentence (README and the reports' appendix).
GROWTH_DEFINITION = (
    "Growth is the change of revenue over the four fiscal quarters ending with the reporting "
    "quarter against the four quarters before them (for a Q4 report: the fiscal year against the "
    "year before), from the exact sums of the sales lines; a channel without sales in each of the "
    "four earlier quarters has no growth figure."
)

#: ``by`` of :func:`revenue_growth` → the dimension of the cube (``None``: the company total).
GROWTH_LEVELS: dict[str, str | None] = {
    "channel": "channel_id",
    "partner": "partner_id",
    "company": None,
}


def revenue_growth(ds: Dataset, quarter: str, *, by: str = "channel") -> pd.DataFrame:
    """Revenue growth of the four quarters ending with ``quarter`` against the four before.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        The reporting quarter, e.g. ``"FY2026-Q4"`` (the last of the four current quarters).
    by : {"channel", "partner", "company"}
        One row per channel, per partner (direct sales, without a partner, are left out) or one
        row for the company.

    Returns
    -------
    DataFrame
        One row per entity with sales in either window, ordered by entity:

        - ``entity_id`` (str; ``"company"`` for the company row) and, for ``by="channel"`` or
          ``"partner"``, the same value under ``channel_id`` / ``partner_id``;
        - ``quarter`` (str), ``first_quarter`` (str, the first of the four current quarters);
        - ``revenue_exact``, ``previous_revenue_exact`` (int64, units of ``ds.money``): revenue
          of the four current quarters and of the four before;
        - ``revenue``, ``previous_revenue`` (float, currency);
        - ``previous_quarters`` (int): how many of the four earlier quarters have sales;
        - ``growth`` (float, fraction: 0.075 = +7.5%): ``revenue / previous_revenue − 1``,
          ``NaN`` when an earlier quarter has no sales (a channel younger than two years) or the
          earlier revenue is not positive.

        ``attrs["definition"]`` is :data:`GROWTH_DEFINITION`.

    Raises
    ------
    ParameterError
        For a malformed quarter or an unknown ``by``.

    Notes
    -----
    The sums are exact integers of the dataset's money unit (DECIMAL in DuckDB), so the growth of
    one channel is one number whatever report states it. Credit notes count in the quarter of
    their order date.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> g = revenue_growth(ds, "FY2026-Q4")
    >>> msp = g.set_index("channel_id").loc["MSP"]
    >>> msp["first_quarter"], int(msp["previous_quarters"])
    ('FY2026-Q1', 4)
    >>> bool(msp["growth"] == msp["revenue_exact"] / msp["previous_revenue_exact"] - 1)
    True
    """
    if by not in GROWTH_LEVELS:
        raise ParameterError(
            f"by={by!r}: revenue growth is computed by {', '.join(map(repr, GROWTH_LEVELS))}"
        )
    cal = ds.calendar
    try:
        cal.validate_quarter(quarter)
    except ParameterError as err:
        raise ParameterError(
            f"quarter={quarter!r}: write a fiscal quarter such as 'FY2026-Q4' ({err})"
        ) from err
    key = GROWTH_LEVELS[by]
    first = cal.shift_quarter(quarter, -3)
    current = cal.quarter_range(first, quarter)
    previous = cal.quarter_range(cal.shift_quarter(quarter, -7), cal.shift_quarter(quarter, -4))
    sums = metrics.cube_sums(
        ds, by=[key] if key else [], period="quarter", periods=[*previous, *current]
    )
    if key:
        sums = sums.dropna(subset=[key])
        entity = sums[key].astype("string")
    else:
        entity = pd.Series("company", index=sums.index, dtype="string")
    sums = sums.assign(entity_id=entity, window=np.where(sums["period"].isin(current), 1, 0))
    now = sums[sums["window"] == 1].groupby("entity_id")["revenue_exact"].sum()
    before = sums[sums["window"] == 0]
    prev = before.groupby("entity_id")["revenue_exact"].sum()
    selling = before[before["lines"] > 0].groupby("entity_id")["period"].nunique()
    ids = sorted(set(now.index) | set(prev.index))
    out = pd.DataFrame({"entity_id": pd.array(ids, dtype="string")})
    out["quarter"] = quarter
    out["first_quarter"] = first
    out["revenue_exact"] = now.reindex(ids).fillna(0).astype("int64").to_numpy()
    out["previous_revenue_exact"] = prev.reindex(ids).fillna(0).astype("int64").to_numpy()
    out["revenue"] = ds.money.amount(out["revenue_exact"].astype("float64"))
    out["previous_revenue"] = ds.money.amount(out["previous_revenue_exact"].astype("float64"))
    out["previous_quarters"] = selling.reindex(ids).fillna(0).astype("int64").to_numpy()
    comparable = (out["previous_quarters"] == len(previous)) & (out["previous_revenue_exact"] > 0)
    ratio = out["revenue_exact"].astype("float64") / out["previous_revenue_exact"].where(
        comparable
    ).astype("float64")
    out["growth"] = (ratio - 1.0).astype("float64")
    if key:
        out.insert(1, key, out["entity_id"])
    out.attrs["definition"] = GROWTH_DEFINITION
    return out
