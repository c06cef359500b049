"""The profit bridge: the change of gross profit between two quarters split into volume,
price/discount, unit cost and channel mix, exact to the dataset's money unit
(:func:`bridge_from_frames` on any two per-channel frames; :func:`profit_bridge` for two quarters
of a dataset).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit, largest_remainder
from channel_lib.data import cube as metrics
from channel_lib.data.loader import Dataset

__all__ = ["BRIDGE_COMPONENTS", "bridge_from_frames", "profit_bridge"]

#: Components of the profit bridge, in waterfall order.
BRIDGE_COMPONENTS: tuple[str, ...] = ("volume", "price_discount", "cost", "channel_mix")


def bridge_from_frames(
    base: pd.DataFrame, current: pd.DataFrame, *, money: MoneyUnit, volume: str = "volume"
) -> pd.DataFrame:
    """Split the change of gross profit between two periods into volume, price, cost and mix.

    Parameters
    ----------
    base, current : DataFrame
        One row per channel with ``channel_id``, ``revenue_exact``, ``cost_of_sales_exact``
        (integers of ``money``'s unit) and the volume column (units, or list value in exact
        units: any additive measure of volume at constant prices).
    money : MoneyUnit
        The unit of the exact columns (``ds.money``): ``amount`` is ``amount_exact`` in its
        currency.
    volume : str
        Name of the volume column.

    Returns
    -------
    DataFrame
        One row per component of :data:`BRIDGE_COMPONENTS` then ``total``: ``component``,
        ``amount_exact`` (int64, whole minor units of the currency in ``money``'s unit),
        ``amount`` (currency). The total is the change of gross profit rounded to the minor unit
        (exact when the data have no finer amounts) and the components sum to it exactly;
        ``frame.attrs["by_channel"]`` holds the unrounded split per channel (currency, float)
        for detail tables.

    Notes
    -----
    With volume ``Qc``, total ``Q = ΣQc``, mix ``sc = Qc/Q``, price ``pc = revenue/Qc``, unit cost
    ``uc = cost/Qc`` and unit margin ``mc = pc − uc`` (0 = base, 1 = current):

    - volume = ``(Q1 − Q0) · Σ s0c·m0c``;
    - channel mix = ``Q1 · Σ (s1c − s0c)·m0c`` (computed as the channel's change less the other
      three, which is the same number when both periods have volume);
    - price/discount = ``Σ Q1c·(p1c − p0c)``; cost = ``−Σ Q1c·(u1c − u0c)``;

    which sum to ``GP1 − GP0`` (the classical price–volume–mix analysis of a profit variance,
    e.g. Horngren, Datar & Rajan, *Cost Accounting*, ch. "Flexible budgets and variances: sales-mix
    and sales-quantity variances"). A channel with no (or non-positive) volume in one period —
    new, closed or credit notes only — has no unit prices there; it takes the other period's
    unit figures, so its price and cost effects are zero, and anything still unexplained for it
    (e.g. profit with zero net volume) is counted as channel mix. The terms are computed exactly in
    rational arithmetic from the exact integers, then rounded to whole minor units of the
    currency (cents for USD: what the reports show) by the largest-remainder method (ties to
    the earlier component), so the amounts shown add up to the total shown.

    Examples
    --------
    >>> base = pd.DataFrame({"channel_id": ["A", "B"], "revenue_exact": [1000, 500],
    ...                      "cost_of_sales_exact": [600, 200], "volume": [10, 5]})
    >>> cur = pd.DataFrame({"channel_id": ["A", "B"], "revenue_exact": [1320, 300],
    ...                     "cost_of_sales_exact": [780, 100], "volume": [12, 3]})
    >>> from channel_lib.core.money import MoneyUnit
    >>> bridge_from_frames(base, cur, money=MoneyUnit("USD", 2))[["component", "amount_exact"]]
            component  amount_exact
    0          volume             0
    1  price_discount           120
    2            cost           -40
    3     channel_mix           -40
    4           total            40
    """
    cols = ["revenue_exact", "cost_of_sales_exact", volume]
    b = base.set_index("channel_id")[cols]
    c = current.set_index("channel_id")[cols]
    ids = list(dict.fromkeys([*b.index, *c.index]))
    b = b.reindex(ids).fillna(0)
    c = c.reindex(ids).fillna(0)
    R0, C0, Q0 = ([Fraction(int(v)) for v in b[k]] for k in cols)
    R1, C1, Q1 = ([Fraction(int(v)) for v in c[k]] for k in cols)
    q0, q1 = sum(Q0, Fraction(0)), sum(Q1, Fraction(0))
    parts: dict[str, list[Fraction]] = {k: [] for k in BRIDGE_COMPONENTS}
    for i in range(len(ids)):
        split = _channel_components((R0[i], C0[i], Q0[i]), (R1[i], C1[i], Q1[i]), q0, q1)
        for k, v in zip(BRIDGE_COMPONENTS, split, strict=True):
            parts[k].append(v)
    total = int(sum(R1) - sum(C1) - sum(R0) + sum(C0))
    return _bridge_frame(parts, total, ids, money)


def _channel_components(
    base: tuple[Fraction, Fraction, Fraction],
    current: tuple[Fraction, Fraction, Fraction],
    q0: Fraction,
    q1: Fraction,
) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """One channel's exact (volume, price, cost, mix) from its (revenue, cost, volume) in each
    period and the total volumes ``q0``, ``q1``."""
    (r0, c0, v0), (r1, c1, v1) = base, current
    gp0, gp1 = r0 - c0, r1 - c1
    p0 = u0 = p1 = u1 = None
    if v0 > 0:
        p0, u0 = r0 / v0, c0 / v0
    if v1 > 0:
        p1, u1 = r1 / v1, c1 / v1
    if p0 is None:
        p0, u0 = (p1, u1) if p1 is not None else (Fraction(0), Fraction(0))
    if p1 is None:
        p1, u1 = p0, u0
    m0 = p0 - u0
    s0 = v0 / q0 if q0 > 0 else Fraction(0)
    vol = (q1 - q0) * s0 * m0 if q0 > 0 else Fraction(0)
    price = v1 * (p1 - p0)
    cost = -v1 * (u1 - u0)
    mix = (gp1 - gp0) - vol - price - cost
    return vol, price, cost, mix


def _bridge_frame(
    parts: dict[str, list[Fraction]], total: int, ids: list, money: MoneyUnit
) -> pd.DataFrame:
    """The components in whole minor units of the currency (largest remainder) and the
    per-channel detail, in ``money``'s currency.

    The bridge is read as a table of amounts that add up: the total (the exact change of gross
    profit, rounded half away from zero to the minor unit) is split so that the shown components
    sum to it exactly, as the targets are.
    """
    step = money.minor_step
    total_shown = money.round_minor(total)
    exact = [sum(parts[k], Fraction(0)) / step for k in BRIDGE_COMPONENTS]
    units = [u * step for u in largest_remainder(exact, total_shown // step)]
    out = pd.DataFrame(
        {"component": [*BRIDGE_COMPONENTS, "total"], "amount_exact": [*units, total_shown]}
    )
    out["amount_exact"] = out["amount_exact"].astype("int64")
    out["amount"] = money.amount(out["amount_exact"].astype("float64"))
    out["component"] = out["component"].astype("string")
    detail = pd.DataFrame(
        {k: [float(v) / money.scale for v in parts[k]] for k in BRIDGE_COMPONENTS}, index=ids
    )
    detail.index.name = "channel_id"
    out.attrs["by_channel"] = detail.reset_index()
    return out


def profit_bridge(ds: Dataset, *, base: str, current: str, volume: str = "auto") -> pd.DataFrame:
    """The profit bridge from quarter ``base`` to quarter ``current`` over every channel.

    Parameters
    ----------
    ds : Dataset
    base, current : str
        Fiscal quarters, e.g. ``"FY2025-Q4"`` and ``"FY2026-Q4"``.
    volume : {"auto", "list_value", "quantity"}
        Volume measure: list value (quantity × list price, i.e. volume at constant prices; then
        price/discount is the change of realised price against list) or units. ``"auto"`` uses
        list value when every line of both quarters has a list price, else units.

    Returns
    -------
    DataFrame
        As :func:`bridge_from_frames`, plus ``base``, ``current``, ``label`` (reader's words)
        and ``start``/``end`` (running totals for a waterfall: from the base quarter's gross
        profit to the current one's); ``attrs``: ``volume`` (the measure used), ``base_profit``,
        ``current_profit`` (currency) and ``by_channel``.

    Notes
    -----
    See :func:`bridge_from_frames` for the method.
    """
    cal = ds.calendar
    for q in (base, current):
        cal.validate_quarter(q)
    if volume not in ("auto", "list_value", "quantity"):
        raise ParameterError(f"volume={volume!r}: use auto, list_value or quantity")
    frame = metrics.cube_sums(ds, by=["channel_id"], period="quarter", periods=[base, current])
    frame = frame.rename(columns={"period": "quarter", "list_value_exact": "list_value"})
    if volume == "auto":
        full = (frame["listed_revenue_exact"] == frame["revenue_exact"]).all() and len(frame)
        volume = "list_value" if full else "quantity"
    frame["quantity"] = frame["quantity"].round().astype("int64")
    b = frame[frame["quarter"] == base]
    c = frame[frame["quarter"] == current]
    money = ds.money
    out = bridge_from_frames(b, c, money=money, volume=volume)
    gp0 = int(b["revenue_exact"].sum() - b["cost_of_sales_exact"].sum())
    gp1 = int(c["revenue_exact"].sum() - c["cost_of_sales_exact"].sum())
    labels = {
        "volume": "Volume",
        "price_discount": "Price / discount",
        "cost": "Unit cost",
        "channel_mix": "Channel mix",
        "total": "Total change",
    }
    out["label"] = out["component"].map(labels).astype("string")
    steps = out["amount_exact"].iloc[:-1].to_numpy()
    ends = gp0 + np.cumsum(steps)
    out["start"] = money.amount(np.r_[gp0, ends[:-1], gp0].astype("float64"))
    out["end"] = money.amount(np.r_[ends, gp1].astype("float64"))
    out["base"] = base
    out["current"] = current
    out.attrs.update(volume=volume, base_profit=money.amount(gp0), current_profit=money.amount(gp1))
    return out
