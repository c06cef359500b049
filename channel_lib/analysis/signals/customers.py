"""Signal 3, the lost channel customer, and the customers who moved to another partner or
channel instead (moved, not lost): one query of the base year and the window for both.
"""

from __future__ import annotations

import pandas as pd

from channel_lib.analysis.signals.rows import _empty, _money, _typed
from channel_lib.analysis.signals.thresholds import _pick
from channel_lib.core.errors import ParameterError
from channel_lib.data.cube.terms import exact_sql
from channel_lib.data.loader import Dataset


# -- 3. lost channel customer ---------------------------------------------------------------------------
def lost_customer(
    ds: Dataset,
    quarter: str,
    *,
    share: float | None = None,
    window_quarters: int | None = None,
    min_quarters: int = 3,
) -> pd.DataFrame:
    """Signal 3: a customer worth ``share`` of company revenue who stopped buying.

    The customer bought (a line with positive revenue) in at least ``min_quarters`` of the four
    quarters before the window, was worth at least ``share`` of company revenue over those
    12 months, and has no sales line at all in the window (the last ``window_quarters`` quarters
    ending with ``quarter``). A customer who moved to another partner or channel still buys, so it
    is not lost.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    share : float, optional
        Default ``goals.signals.lost_customer_share`` (0.01).
    window_quarters : int, optional
        Default ``goals.signals.lost_customer_window_quarters`` (2).
    min_quarters : int
        Quarters of the base year the customer must have bought in (3 of 4).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` with ``entity_type`` ``customer``; ``partner_id`` the partner the
        customer bought through most (missing: direct), ``value`` the share of company revenue,
        ``since`` the quarter of the last purchase, ``revenue_at_stake`` the customer's revenue
        over the base 12 months.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> len(lost_customer(load_dataset("tests/data/tiny"), "FY2026-Q4"))
    0
    """
    facts, ctx = _customer_base(ds, quarter, share, window_quarters, min_quarters)
    facts = facts[facts["window_lines"] == 0]
    first_window, base = ctx["first_window"], ctx["base"]
    evidence = [
        f"{s:.2%} of company revenue {base} ({_money(c, ds)}, bought in {q} of 4 quarters"
        f"{', via ' + str(p) if pd.notna(p) else ', direct'}); "
        f"last purchase {pd.Timestamp(d):%Y-%m-%d}, nothing in {first_window}..{quarter}"
        for s, c, q, p, d in zip(facts["share"], facts["revenue_exact"], facts["quarters"],
                                 facts["partner_id"], facts["last_date"], strict=True)
    ]  # fmt: skip
    return _customer_rows(
        ds, quarter, facts, ctx, signal="lost_customer", direction="lost",
        since_column="last_date", evidence=evidence,
    )  # fmt: skip


def moved_customers(
    ds: Dataset,
    quarter: str,
    *,
    share: float | None = None,
    window_quarters: int | None = None,
    min_quarters: int = 3,
) -> pd.DataFrame:
    """Customers who would count for signal 3 but *moved*: they stopped buying through their
    partner (or channel) and buy through another one in the window — moved, not lost.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    share, window_quarters, min_quarters
        As for :func:`lost_customer`.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` with ``signal`` ``moved_customer`` and ``direction`` ``moved``:
        ``partner_id``/``channel_id`` the ones the customer left, ``evidence`` where it buys now,
        ``revenue_at_stake`` its revenue over the base 12 months (what moved).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> len(moved_customers(load_dataset("tests/data/tiny"), "FY2026-Q4"))
    0
    """
    facts, ctx = _customer_base(ds, quarter, share, window_quarters, min_quarters)
    facts = facts[(facts["window_lines"] > 0) & (facts["old_route_lines"] == 0)]
    first_window, base = ctx["first_window"], ctx["base"]

    def route(partner, channel) -> str:
        return f"{partner} ({channel})" if pd.notna(partner) else f"direct ({channel})"

    evidence = [
        f"{s:.2%} of company revenue {base} via {route(p, c)}; buys via {route(np_, nc)} "
        f"since {pd.Timestamp(d):%Y-%m-%d}, nothing via {route(p, c)} in "
        f"{first_window}..{quarter}"
        for s, p, c, np_, nc, d in zip(facts["share"], facts["partner_id"], facts["channel_id"],
                                       facts["new_partner_id"], facts["new_channel_id"],
                                       facts["first_new_date"], strict=True)
    ]  # fmt: skip
    return _customer_rows(
        ds, quarter, facts, ctx, signal="moved_customer", direction="moved",
        since_column="first_new_date", evidence=evidence,
    )  # fmt: skip


def _customer_rows(
    ds: Dataset,
    quarter: str,
    facts: pd.DataFrame,
    ctx: dict,
    *,
    signal: str,
    direction: str,
    since_column: str,
    evidence: list[str],
) -> pd.DataFrame:
    """Customer-level rows of :func:`_customer_base` ``facts``: the customer, the route it bought
    through in the base year, its share of company revenue and that revenue at stake."""
    if facts.empty:
        return _empty()
    out = pd.DataFrame(
        {
            "quarter": quarter, "signal": signal, "entity_type": "customer",
            "entity_id": facts["customer_id"], "entity_name": facts["customer_name"],
            "partner_id": facts["partner_id"], "channel_id": facts["channel_id"],
            "direction": direction, "value": facts["share"], "threshold": ctx["share"],
            "periods_compared": ctx["periods"],
            "since": [ds.calendar.quarter_of(d) for d in facts[since_column]],
            "evidence": evidence,
            "revenue_at_stake_exact": facts["revenue_exact"],
        }
    )  # fmt: skip
    return _typed(out, ds.money)


def _customer_base(
    ds: Dataset, quarter: str, share: float | None, window_quarters: int | None, min_quarters: int
) -> tuple[pd.DataFrame, dict]:
    """Customers worth ``share`` of revenue who bought in ``min_quarters`` of the four quarters
    before the window, with what they bought in the window and through which route."""
    share = _pick(ds, "lost_customer_share", share)
    window = int(_pick(ds, "lost_customer_window_quarters", window_quarters))
    if window < 1:
        raise ParameterError(f"window_quarters={window_quarters!r}: at least one quarter")
    cal = ds.calendar
    first_window = cal.shift_quarter(quarter, -(window - 1))
    base_quarters = [cal.shift_quarter(first_window, k) for k in range(-4, 0)]
    bounds = [cal.quarter_bounds(q)[0].date() for q in base_quarters]
    window_start = cal.quarter_bounds(first_window)[0].date()
    window_end = cal.quarter_bounds(quarter)[1].date()
    # the quarter bounds are bound parameters (issue 24: no SQL from data); they follow the base
    # and win CTEs' four parameters in the query text
    case = " ".join(f"WHEN order_date < ? THEN {i}" for i in range(len(bounds) - 1))
    params = [bounds[0], window_start, window_start, window_end, *bounds[1:]]  # in text order
    exact = exact_sql("sum(revenue)", ds.money)  # exact units of ds.money, never rounded
    facts = ds.sql(
        f"""
        WITH base AS (SELECT * FROM sales WHERE order_date >= ? AND order_date < ?),
        win AS (SELECT * FROM sales WHERE order_date >= ? AND order_date < ?),
        total AS (SELECT {exact} AS revenue_exact FROM base),
        per AS (
            SELECT customer_id, {exact} AS revenue_exact,
                   count(DISTINCT CASE WHEN revenue > 0 THEN (CASE {case} ELSE 3 END) END) AS quarters
            FROM base GROUP BY customer_id
        ),
        via AS (
            SELECT customer_id, partner_id, channel_id,
                   row_number() OVER (PARTITION BY customer_id
                                      ORDER BY sum(revenue) DESC, partner_id NULLS LAST) AS k
            FROM base GROUP BY customer_id, partner_id, channel_id
        ),
        now AS (
            SELECT customer_id, partner_id AS new_partner_id, channel_id AS new_channel_id,
                   min(min(order_date)) OVER (PARTITION BY customer_id) AS first_new_date,
                   count(*) OVER (PARTITION BY customer_id) AS routes,
                   row_number() OVER (PARTITION BY customer_id
                                      ORDER BY sum(revenue) DESC, partner_id NULLS LAST) AS k
            FROM win GROUP BY customer_id, partner_id, channel_id
        ),
        last AS (SELECT customer_id, max(order_date) AS last_date FROM sales
                 WHERE order_date < ? GROUP BY customer_id)
        SELECT per.customer_id, per.revenue_exact, per.quarters, total.revenue_exact AS total_exact,
               via.partner_id, via.channel_id, last.last_date,
               (SELECT count(*) FROM win w WHERE w.customer_id = per.customer_id) AS window_lines,
               (SELECT count(*) FROM win w WHERE w.customer_id = per.customer_id
                  AND w.channel_id = via.channel_id
                  AND w.partner_id IS NOT DISTINCT FROM via.partner_id) AS old_route_lines,
               now.new_partner_id, now.new_channel_id, now.first_new_date
        FROM per CROSS JOIN total
        JOIN via ON via.customer_id = per.customer_id AND via.k = 1
        JOIN last ON last.customer_id = per.customer_id
        LEFT JOIN now ON now.customer_id = per.customer_id AND now.k = 1
        WHERE per.quarters >= ? AND per.revenue_exact >= ? * total.revenue_exact
          AND total.revenue_exact > 0
        ORDER BY per.revenue_exact DESC, per.customer_id
        """,
        [*params, window_start, min_quarters, share],
    )
    names = ds.table("customers").set_index("customer_id")["customer_name"]
    facts["customer_name"] = facts["customer_id"].map(names)
    facts["share"] = facts["revenue_exact"] / facts["total_exact"]
    base = f"{base_quarters[0]}..{base_quarters[-1]}"
    context = {
        "share": share, "first_window": first_window, "base": base,
        "periods": f"{base} vs {first_window}..{quarter}",
    }  # fmt: skip
    return facts, context
