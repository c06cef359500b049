"""The profit bridge: the change of gross profit between two quarters split into volume,
price/discount, unit cost and channel mix, exact to the dataset's money unit
(:func:`bridge_from_frames` on any two per-channel frames; :func:`profit_bridge` for two quarters
of a dataset).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import permutations
from math import factorial

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit, largest_remainder
from channel_lib.data import cube as metrics
from channel_lib.data.cube.terms import exact_sql, rounded_exact_sql
from channel_lib.data.loader import Dataset

__all__ = [
    "BRIDGE_COMPONENTS",
    "MARGIN_DRIVERS",
    "STABLE_POINTS",
    "bridge_from_frames",
    "margin_drivers",
    "margin_drivers_from_frame",
    "profit_bridge",
]

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


# -- the drivers of each channel's gross-margin change ----------------------------------------------
#: The components of a channel's gross-margin change, in the order they are read.
MARGIN_DRIVERS: tuple[str, ...] = ("price_discount", "unit_cost", "mix")

#: A margin change smaller than this (percentage points, absolute) is "stable": no driver claimed.
STABLE_POINTS = 0.5


def _periods(cal, periods: str | Sequence[str], name: str) -> list[str]:
    labels = [periods] if isinstance(periods, str) else list(periods)
    if not labels:
        raise ParameterError(f"{name}=[]: name a fiscal quarter, e.g. 'FY2025-Q4'")
    for q in labels:
        try:
            cal.validate_quarter(q)
        except ParameterError as err:
            raise ParameterError(
                f"{name}={q!r}: write a fiscal quarter such as 'FY2025-Q4' ({err})"
            ) from err
    return labels


def _product_sums(ds: Dataset, quarters: list[str]) -> pd.DataFrame:
    """Exact sums per channel and product over ``quarters`` (int64, units of ``ds.money``)."""
    money = ds.money
    bounds = [ds.calendar.quarter_bounds(q) for q in quarters]
    where = " OR ".join("(s.order_date >= ? AND s.order_date < ?)" for _ in bounds)
    params = [d.date() for b in bounds for d in b]
    query = f"""
        WITH g AS (
            SELECT channel_id, product_id, count(*) AS lines, sum(revenue) AS revenue,
                   sum(cost_of_sales) AS cost_of_sales,
                   sum(CAST(quantity AS DECIMAL(18, 4))) AS quantity_4
            FROM sales s WHERE {where} GROUP BY ALL)
        SELECT g.channel_id, g.product_id, CAST(g.lines AS BIGINT) AS lines,
               {exact_sql("g.revenue", money)} AS revenue_exact,
               {exact_sql("g.cost_of_sales", money)} AS cost_of_sales_exact,
               CAST(g.quantity_4 * 10000 AS BIGINT) AS quantity_e4,
               {rounded_exact_sql("coalesce(g.quantity_4 * p.list_price, 0)", money)}
                   AS list_value_exact,
               p.list_price IS NOT NULL AS listed
        FROM g LEFT JOIN products p ON g.product_id = p.product_id
        ORDER BY g.channel_id, g.product_id"""
    frame = ds.sql(query, params)
    frame["channel_id"] = frame["channel_id"].astype("string")
    frame["product_id"] = frame["product_id"].astype("string")
    return frame


def margin_drivers(
    ds: Dataset,
    *,
    base: str | Sequence[str],
    current: str | Sequence[str],
    volume: str = "auto",
) -> pd.DataFrame:
    """Each channel's gross-margin change from ``base`` to ``current``, split exactly into
    price/discount, unit cost and product mix, with the driver named.

    Parameters
    ----------
    ds : Dataset
    base, current : str or sequence of str
        A fiscal quarter (``"FY2025-Q4"``) or several, summed (a fiscal year's four quarters).
    volume : {"auto", "list_value", "quantity"}
        The measure prices and costs are read against: list value (quantity × list price; price
        = realised price against list, i.e. 1 − discount, and unit cost = cost against list
        value) or units (price and cost per unit). ``"auto"`` uses list value when every sales
        line of both periods has a list price, else units.

    Returns
    -------
    DataFrame
        One row per channel with revenue in both periods, ordered by channel:

        - ``channel_id`` (str);
        - ``margin_base``, ``margin_current`` (float, fraction: gross profit / revenue);
        - ``change_points`` (float, percentage points: 100 × (current − base));
        - ``price_discount_points``, ``unit_cost_points``, ``mix_points`` (float, percentage
          points), which sum to ``change_points`` (exact rational arithmetic, then float);
        - ``driver`` (str): the component that explains at least half of the change with the
          change's sign (``"price_discount"``, ``"unit_cost"``, ``"mix"``); ``"stable"`` when
          ``|change_points| <`` :data:`STABLE_POINTS`; ``"several"`` otherwise;
        - ``volume`` (str): the measure used (``"list_value"`` or ``"quantity"``).

        ``attrs``: ``base``, ``current`` (lists of quarters), ``volume`` and ``left_out`` (the
        channels without revenue in one of the periods, which have no margin to compare).

    Raises
    ------
    ParameterError
        For a malformed quarter or an unknown ``volume``.

    Notes
    -----
    See :func:`margin_drivers_from_frame` for the decomposition.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> d = margin_drivers(ds, base="FY2026-Q3", current="FY2026-Q4")
    >>> bool(((d["price_discount_points"] + d["unit_cost_points"] + d["mix_points"]
    ...        - d["change_points"]).abs() < 1e-9).all())
    True
    """
    cal = ds.calendar
    b_q = _periods(cal, base, "base")
    c_q = _periods(cal, current, "current")
    if volume not in ("auto", "list_value", "quantity"):
        raise ParameterError(f"volume={volume!r}: use auto, list_value or quantity")
    b = _product_sums(ds, b_q).assign(period="base")
    c = _product_sums(ds, c_q).assign(period="current")
    frame = pd.concat([b, c], ignore_index=True)
    if volume == "auto":
        volume = "list_value" if len(frame) and bool(frame["listed"].all()) else "quantity"
    measure = "list_value_exact" if volume == "list_value" else "quantity_e4"
    out = margin_drivers_from_frame(frame.rename(columns={measure: "volume"}))
    out["volume"] = volume
    out.attrs.update(base=b_q, current=c_q, volume=volume)
    return out


def _margin(weights, price, cost) -> Fraction:
    p = sum((w * x for w, x in zip(weights, price, strict=True)), Fraction(0))
    k = sum((w * x for w, x in zip(weights, cost, strict=True)), Fraction(0))
    return 1 - k / p if p != 0 else Fraction(0)


def _shapley(base: dict, current: dict) -> dict[str, Fraction]:
    """Shapley values of the factors ``mix``, ``price``, ``cost`` of :func:`_margin`."""
    names = ("mix", "price", "cost")
    value: dict[frozenset, Fraction] = {}
    for mask in range(8):
        taken = frozenset(n for i, n in enumerate(names) if mask >> i & 1)
        pick = {n: (current if n in taken else base)[n] for n in names}
        value[taken] = _margin(pick["mix"], pick["price"], pick["cost"])
    out = {n: Fraction(0) for n in names}
    for order in permutations(names):
        taken: frozenset = frozenset()
        for n in order:
            out[n] += value[taken | {n}] - value[taken]
            taken = taken | {n}
    return {n: v / factorial(len(names)) for n, v in out.items()}


def margin_drivers_from_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The margin split of :func:`margin_drivers` from sums per channel, product and period.

    Parameters
    ----------
    frame : DataFrame
        ``period`` (``"base"`` / ``"current"``), ``channel_id``, ``product_id``,
        ``revenue_exact``, ``cost_of_sales_exact`` (integers of one money unit) and ``volume``
        (integers: list value in the same unit, or units of quantity).

    Returns
    -------
    DataFrame
        As :func:`margin_drivers`, without ``volume``.

    Notes
    -----
    Within a channel, with product ``i``'s volume ``V_i``, volume mix ``w_i = V_i / ΣV``,
    price ``p_i = R_i / V_i`` (revenue against list value: 1 − discount) and unit cost
    ``k_i = C_i / V_i``, the gross margin is

    ``m(w, p, k) = 1 − Σ w_i k_i / Σ w_i p_i``.

    The change ``m(w1, p1, k1) − m(w0, p0, k0)`` is split over the three factors by their Shapley
    values: each factor's contribution is its change of ``m`` averaged over the six orders in
    which the factors can move from base to current (Shorrocks, "Decomposition procedures for
    distributional analysis: a unified framework based on the Shapley value", *Journal of
    Economic Inequality* 11, 2013; the rate/mix split of a margin variance in Horngren, Datar &
    Rajan, *Cost Accounting*, ch. "sales-mix variances", is the sequential special case). The
    three terms sum exactly to the change and do not depend on an arbitrary order. A product
    sold in one period only (or with no positive volume there) takes the other period's ``p``
    and ``k``, so it moves the margin through mix alone; whatever the identity leaves over
    (revenue on a product without volume) is counted as mix, so the sum stays exact. All
    terms are computed in rational arithmetic from the exact integers.

    Examples
    --------
    A channel whose unit cost rose at steady prices, and one whose discount deepened:

    >>> f = pd.DataFrame({
    ...     "period": ["base", "current"] * 2,
    ...     "channel_id": ["A", "A", "B", "B"], "product_id": ["x"] * 4,
    ...     "revenue_exact": [600, 600, 800, 700], "cost_of_sales_exact": [240, 300, 400, 400],
    ...     "volume": [1000, 1000, 1000, 1000]})
    >>> d = margin_drivers_from_frame(f)
    >>> d[["channel_id", "change_points", "unit_cost_points", "driver"]].round(2)
      channel_id  change_points  unit_cost_points          driver
    0          A         -10.00             -10.0       unit_cost
    1          B          -7.14               0.0  price_discount
    """
    rows = []
    left_out = []
    for ch, g in frame.groupby("channel_id", sort=True):
        periods = {}
        for name in ("base", "current"):
            part = g[g["period"] == name]
            periods[name] = {
                str(r.product_id): (
                    Fraction(int(r.revenue_exact)),
                    Fraction(int(r.cost_of_sales_exact)),
                    Fraction(int(r.volume)),
                )
                for r in part.itertuples(index=False)
            }
        r0 = sum((v[0] for v in periods["base"].values()), Fraction(0))
        r1 = sum((v[0] for v in periods["current"].values()), Fraction(0))
        if r0 <= 0 or r1 <= 0:
            left_out.append(str(ch))
            continue
        c0 = sum((v[1] for v in periods["base"].values()), Fraction(0))
        c1 = sum((v[1] for v in periods["current"].values()), Fraction(0))
        m0, m1 = 1 - c0 / r0, 1 - c1 / r1
        split = _channel_margin_split(periods["base"], periods["current"])
        price, cost = split["price"] * 100, split["cost"] * 100
        change = (m1 - m0) * 100
        mix = change - price - cost
        rows.append(
            {
                "channel_id": str(ch),
                "margin_base": float(m0),
                "margin_current": float(m1),
                "change_points": float(change),
                "price_discount_points": float(price),
                "unit_cost_points": float(cost),
                "mix_points": float(mix),
                "driver": _driver(change, {"price_discount": price, "unit_cost": cost, "mix": mix}),
            }
        )
    columns = ["channel_id", "margin_base", "margin_current", "change_points",
               "price_discount_points", "unit_cost_points", "mix_points", "driver"]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    out["channel_id"] = out["channel_id"].astype("string")
    out["driver"] = out["driver"].astype("string")
    for col in columns[1:-1]:
        out[col] = out[col].astype("float64")
    out.attrs["left_out"] = left_out
    return out


def _channel_margin_split(base: dict, current: dict) -> dict[str, Fraction]:
    """One channel's Shapley split of its margin change over (mix, price, cost)."""
    products = sorted(set(base) | set(current))

    def unit(figures):
        r, c, v = figures
        return (r / v, c / v) if v > 0 else None

    sides = {}
    units = {name: {} for name in ("base", "current")}
    for name, data in (("base", base), ("current", current)):
        for p in products:
            units[name][p] = unit(data[p]) if p in data else None
    for name, data in (("base", base), ("current", current)):
        other = units["current" if name == "base" else "base"]
        total = sum((data[p][2] for p in products if p in data and data[p][2] > 0), Fraction(0))
        w, pr, k = [], [], []
        for p in products:
            own = units[name][p] or other[p] or (Fraction(0), Fraction(0))
            vol = data[p][2] if p in data and data[p][2] > 0 else Fraction(0)
            w.append(vol / total if total > 0 else Fraction(0))
            pr.append(own[0])
            k.append(own[1])
        sides[name] = {"mix": w, "price": pr, "cost": k}
    return _shapley(sides["base"], sides["current"])


def _driver(change: Fraction, parts: dict[str, Fraction]) -> str:
    """The component explaining at least half of ``change`` with its sign, or why none is."""
    if abs(change) < Fraction(STABLE_POINTS):
        return "stable"
    for name, value in parts.items():
        if value * change > 0 and abs(value) * 2 >= abs(change):
            return name
    return "several"
