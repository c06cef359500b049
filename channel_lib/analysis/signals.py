"""Early-warning signals, the win/loss interview list and partner reporting (notebook 05).

Each early warning of DESIGN.md ("Signal definitions") is one function with its threshold as a
keyword parameter (``None`` = the value of ``goals.yaml`` ``signals:``); a threshold is met at
``>=``. Every function returns rows of the same tidy shape (:data:`SIGNAL_COLUMNS`): the entity,
the evidence (the numbers and the periods compared), since when, and the revenue exposed, so the
rows of all signals stack into one list ranked by money (:func:`early_warnings`). The list carries
a materiality filter (:func:`material`, :func:`below_materiality`) and is exported as CSV for
follow-up by :func:`channel_lib.plans.signals_export.write_signals`. :func:`flagged_partners`
names the partners with material signals for the report batch (``--partners flagged``).

Partner reports (``partner_reports.csv``) are optional and often late or incomplete: a signal that
needs a report is not computed for a partner without one (never guessed);
:func:`channel_lib.analysis.scorecard.reporting_status` names those partners and the signals they block.

Money is exact: sums are DECIMAL in DuckDB and int64 cents here (``*_cents`` columns), with a float
copy in currency units for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.loader import Dataset

__all__ = [
    "SIGNAL_COLUMNS",
    "SIGNAL_NAMES",
    "below_materiality",
    "channel_dependency",
    "early_warnings",
    "flagged_partners",
    "key_talent_loss",
    "line_card_change",
    "lost_customer",
    "material",
    "moved_customers",
    "our_sales_change",
    "partner_reports",
    "partner_table",
    "partner_total_sales_change",
    "resolve_thresholds",
    "service_metrics",
    "stack_signals",
    "trailing_partner_revenue",
    "win_loss_deals",
]

#: Signal name → what it means, in the reader's words (the order of the report).
SIGNAL_NAMES: dict[str, str] = {
    "partner_total_sales_change": "partner's own total sales changed",
    "our_sales_change": "our sales through the partner changed",
    "lost_customer": "channel customer lost",
    "line_card_change": "position on the partner's line card changed",
    "key_talent_loss": "partner lost key sales talent",
    "service_metrics": "partner service metrics below threshold",
    "channel_dependency": "concentration risk",
}

#: Columns of every signal frame, in order.
SIGNAL_COLUMNS: list[str] = [
    "quarter", "signal", "entity_type", "entity_id", "entity_name", "partner_id", "channel_id",
    "direction", "value", "threshold", "evidence", "periods_compared", "since",
    "revenue_at_stake", "revenue_at_stake_cents",
]  # fmt: skip


# -- thresholds -------------------------------------------------------------------------------------
def resolve_thresholds(ds: Dataset, **overrides: float | int | None) -> SignalThresholds:
    """The dataset's thresholds (``goals.yaml`` ``signals:``) with the given ones replaced.

    Parameters
    ----------
    ds : Dataset
    **overrides
        Any field of :class:`~channel_lib.data.goals.SignalThresholds`; ``None`` (or the string
        ``"goals"``) keeps the value of ``goals.yaml``.

    Returns
    -------
    SignalThresholds

    Raises
    ------
    ParameterError
        For an unknown name or a negative value.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> th = resolve_thresholds(load_dataset("tests/data/tiny"), our_sales_change=0.12, csat_min=None)
    >>> th.our_sales_change, th.csat_min, th.win_loss_amount
    (0.12, 4.0, 300000)
    """
    known = {f.name for f in fields(SignalThresholds)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ParameterError(
            f"unknown signal threshold {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    values = {}
    for name, value in overrides.items():
        if value is None or value == "goals":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ParameterError(
                f"threshold {name}={value!r}: a number ≥ 0, or None for the goals.yaml value"
            )
        values[name] = value
    return replace(ds.goals.signals, **values)


def _pick(ds: Dataset, name: str, value: float | int | None) -> float:
    return float(resolve_thresholds(ds, **{name: value}).__getattribute__(name))


# -- shared helpers ---------------------------------------------------------------------------------
def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in SIGNAL_COLUMNS})
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=SIGNAL_COLUMNS).copy()
    for c in ("quarter", "signal", "entity_type", "entity_id", "entity_name", "partner_id",
              "channel_id", "direction", "evidence", "periods_compared", "since"):  # fmt: skip
        frame[c] = frame[c].astype("string")
    frame["value"] = frame["value"].astype("float64")
    frame["threshold"] = frame["threshold"].astype("float64")
    frame["revenue_at_stake_cents"] = frame["revenue_at_stake_cents"].fillna(0).astype("int64")
    frame["revenue_at_stake"] = frame["revenue_at_stake_cents"].astype("float64") / 100.0
    return _rank(frame)


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(
        ["revenue_at_stake_cents", "signal", "entity_id"], ascending=[False, True, True]
    ).reset_index(drop=True)


def stack_signals(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack signal frames into one list, typed and ranked as :func:`early_warnings` ranks it.

    Parameters
    ----------
    frames : sequence of DataFrame
        :data:`SIGNAL_COLUMNS` rows of any signals; empty frames are left out.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` (strings, floats and int64 cents), largest revenue at stake
        first, then by signal and entity; an empty frame of those columns when no frame has
        rows.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> stacked = stack_signals([service_metrics(ds, "FY2026-Q2"), line_card_change(ds, "FY2026-Q2")])
    >>> stacked["signal"].tolist(), stack_signals([]).shape
    (['line_card_change', 'service_metrics'], (0, 15))
    """
    frames = [f for f in frames if not f.empty]
    return _typed(pd.concat(frames, ignore_index=True)) if frames else _empty()


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
        12 months, indexed by ``partner_id`` (direct sales left out): ``current_cents`` and
        ``previous_cents`` (int64), ``current`` and ``previous`` (currency), ``change``
        (fraction), ``previous_complete`` and the windows' ``current_start``, ``current_end``,
        ``previous_start``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> t = trailing_partner_revenue(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> t.index.tolist(), t.loc["P1", ["current_cents", "previous_cents"]].tolist()
    (['P1', 'P2', 'P3'], [1097500, 1645000])
    """
    t = metrics.trailing_growth(ds, quarter, by="partner_id", months=12)
    return t.dropna(subset=["partner_id"]).set_index("partner_id")


def _partner_rows(
    ds: Dataset, quarter: str, found: pd.DataFrame, signal: str, exposure: pd.Series | None = None
) -> pd.DataFrame:
    """Complete partner-level rows: names, channel, and the trailing-12-month revenue exposed."""
    if found.empty:
        return _empty()
    partners = partner_table(ds).set_index("partner_id")
    out = found.copy()
    out["quarter"] = quarter
    out["signal"] = signal
    out["entity_type"] = "partner"
    out["entity_id"] = out["partner_id"]
    out["entity_name"] = out["partner_id"].map(partners["partner_name"])
    out["channel_id"] = out["partner_id"].map(partners["channel_id"])
    if exposure is None:
        revenue = trailing_partner_revenue(ds, quarter)["current_cents"]
        exposure = out["partner_id"].map(revenue).fillna(0)
    out["revenue_at_stake_cents"] = exposure
    return _typed(out)


def _quarter_order(ds: Dataset, labels: pd.Series) -> pd.Series:
    """Sortable first day of each fiscal quarter label."""
    starts = {q: ds.calendar.quarter_bounds(q)[0] for q in labels.dropna().unique()}
    return labels.map(starts)


def partner_reports(ds: Dataset, quarter: str) -> pd.DataFrame:
    """The partners' reports up to ``quarter``, money in cents, in reporting order per partner.

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
        ``total_sales_cents``, ``line_card_rank``, ``sales_headcount``,
        ``key_sales_departures``, ``csat``, ``first_response_hours``, ``certified_staff``,
        ``pipeline_cents`` and ``quarter_start`` (Timestamp, for ordering).

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
    r = ds.sql(
        "SELECT quarter, partner_id, CAST(partner_total_sales * 100 AS BIGINT) AS total_sales_cents, "
        "line_card_rank, sales_headcount, key_sales_departures, csat, first_response_hours, "
        "certified_staff, CAST(pipeline_value * 100 AS BIGINT) AS pipeline_cents "
        "FROM partner_reports"
    )
    r["quarter"] = r["quarter"].astype("string")
    r["partner_id"] = r["partner_id"].astype("string")
    r["quarter_start"] = _quarter_order(ds, r["quarter"])
    end = ds.calendar.quarter_bounds(quarter)[0]
    return r[r["quarter_start"] <= end].sort_values(["partner_id", "quarter_start"])


def _no_reports(ds: Dataset) -> bool:
    return not ds.has("partner_reports") or not ds.has("partners")


def _pct(x: float) -> str:
    """A signed change to 0.1 %; one that rounds to zero reads ``+0.0%`` (as the reports write it,
    :func:`channel_lib.presentation.html.plus_zero`)."""
    text = f"{x:+.1%}"
    return "+0.0%" if text == "-0.0%" else text


def _money(cents: int, ds: Dataset) -> str:
    return f"{cents / 100:,.2f} {ds.goals.currency}"


# -- 1. partner's own total sales -------------------------------------------------------------------
def partner_total_sales_change(
    ds: Dataset, quarter: str, *, threshold: float | None = None
) -> pd.DataFrame:
    """Signal 1: a partner whose own total sales changed by ``threshold`` or more.

    ``partner_total_sales`` of the partner's last four reported quarters (up to ``quarter``)
    against the four reported before them; partners with fewer than eight reports of the figure
    are not judged (:func:`reporting_status` names them).

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Reporting quarter, e.g. ``"FY2026-Q4"``.
    threshold : float, optional
        |change| at or above which the partner is flagged (fraction); default
        ``goals.signals.partner_sales_change`` (0.20).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`: ``value`` is the change (fraction), ``direction`` ``up``/``down``,
        ``periods_compared`` the two sets of quarters, ``since`` the first quarter of the last
        four, ``revenue_at_stake`` our revenue through the partner over the trailing 12 months.
        Empty when the dataset has no partner reports.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> len(partner_total_sales_change(load_dataset("tests/data/tiny"), "FY2026-Q4"))
    0
    """
    threshold = _pick(ds, "partner_sales_change", threshold)
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter).dropna(subset=["total_sales_cents"])
    rows = []
    for pid, g in r.groupby("partner_id", sort=True):
        if len(g) < 8:
            continue
        last, before = g.iloc[-4:], g.iloc[-8:-4]
        now, base = int(last["total_sales_cents"].sum()), int(before["total_sales_cents"].sum())
        if base <= 0:
            continue
        change = (now - base) / base
        if abs(change) >= threshold:
            periods = (
                f"{last['quarter'].iloc[0]}..{last['quarter'].iloc[-1]} vs "
                f"{before['quarter'].iloc[0]}..{before['quarter'].iloc[-1]}"
            )
            rows.append({
                "partner_id": pid, "direction": "up" if change > 0 else "down",
                "value": change, "threshold": threshold, "periods_compared": periods,
                "since": last["quarter"].iloc[0],
                "evidence": f"partner total sales {_money(now, ds)} vs {_money(base, ds)} "
                            f"({_pct(change)}), last four reports vs the four before",
            })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "partner_total_sales_change")


# -- 2. our sales through the partner ----------------------------------------------------------------
def our_sales_change(ds: Dataset, quarter: str, *, threshold: float | None = None) -> pd.DataFrame:
    """Signal 2: our revenue through a partner changed by ``threshold`` or more.

    Trailing 12 months ending with ``quarter`` against the 12 months before
    (:func:`channel_lib.data.cube.trailing_growth`); partners without revenue in the earlier
    12 months (new partners) are not judged.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    threshold : float, optional
        |change| at or above which the partner is flagged; default
        ``goals.signals.our_sales_change`` (0.20).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``value`` the change (fraction), ``revenue_at_stake`` the larger
        of the two 12-month revenues.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> o = our_sales_change(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> list(zip(o["entity_id"], o["value"].round(3)))
    [('P1', -0.333), ('P3', 2.312)]
    """
    threshold = _pick(ds, "our_sales_change", threshold)
    t = trailing_partner_revenue(ds, quarter)
    t = t[(t["previous_cents"] > 0) & (t["change"].abs() >= threshold)]
    if t.empty:
        return _empty()
    win = t["current_start"].iloc[0], t["current_end"].iloc[0], t["previous_start"].iloc[0]
    periods = (
        f"{win[0]:%Y-%m}..{(win[1] - pd.DateOffset(months=1)):%Y-%m} vs "
        f"{win[2]:%Y-%m}..{(win[0] - pd.DateOffset(months=1)):%Y-%m}"
    )
    found = pd.DataFrame(
        {
            "partner_id": t.index,
            "direction": np.where(t["change"] > 0, "up", "down"),
            "value": t["change"].to_numpy(),
            "threshold": threshold,
            "periods_compared": periods,
            "since": ds.calendar.quarter_of(win[0]),
            "evidence": [
                f"our revenue through the partner {_money(c, ds)} vs {_money(p, ds)} ({_pct(x)})"
                for c, p, x in zip(
                    t["current_cents"], t["previous_cents"], t["change"], strict=True
                )
            ],
        }
    )
    exposure = np.maximum(t["current_cents"].to_numpy(), t["previous_cents"].to_numpy())
    return _partner_rows(ds, quarter, found, "our_sales_change", pd.Series(exposure))


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
        for s, c, q, p, d in zip(facts["share"], facts["cents"], facts["quarters"],
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
            "revenue_at_stake_cents": facts["cents"],
        }
    )  # fmt: skip
    return _typed(out)


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
    case = " ".join(f"WHEN order_date < DATE '{b}' THEN {i}" for i, b in enumerate(bounds[1:]))
    facts = ds.sql(
        f"""
        WITH base AS (SELECT * FROM sales WHERE order_date >= ? AND order_date < ?),
        win AS (SELECT * FROM sales WHERE order_date >= ? AND order_date < ?),
        total AS (SELECT CAST(sum(revenue) * 100 AS BIGINT) AS cents FROM base),
        per AS (
            SELECT customer_id, CAST(sum(revenue) * 100 AS BIGINT) AS cents,
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
        SELECT per.customer_id, per.cents, per.quarters, total.cents AS total_cents,
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
        WHERE per.quarters >= ? AND per.cents >= ? * total.cents AND total.cents > 0
        ORDER BY per.cents DESC, per.customer_id
        """,
        [bounds[0], window_start, window_start, window_end, window_start, min_quarters, share],
    )
    names = ds.table("customers").set_index("customer_id")["customer_name"]
    facts["customer_name"] = facts["customer_id"].map(names)
    facts["share"] = facts["cents"] / facts["total_cents"]
    base = f"{base_quarters[0]}..{base_quarters[-1]}"
    context = {
        "share": share, "first_window": first_window, "base": base,
        "periods": f"{base} vs {first_window}..{quarter}",
    }  # fmt: skip
    return facts, context


# -- 4. line card --------------------------------------------------------------------------------------
def line_card_change(ds: Dataset, quarter: str) -> pd.DataFrame:
    """Signal 4: we lost or gained position on a partner's line card (supplier ranking).

    The ``line_card_rank`` the partner reported for ``quarter`` against its previous reported rank;
    a missing report (or an empty rank) is not a change, so a partner that did not report a rank
    for ``quarter`` is not judged (:func:`reporting_status` names it).

    Parameters
    ----------
    ds : Dataset
    quarter : str

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``direction`` ``gained`` (smaller rank number) or ``lost``,
        ``value`` the new rank, ``threshold`` the previous rank, ``since`` ``quarter``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> line_card_change(load_dataset("tests/data/tiny"), "FY2026-Q2")["evidence"].tolist()
    ['line-card rank 3 (FY2026-Q1) -> 4 (FY2026-Q2)']
    """
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter).dropna(subset=["line_card_rank"])
    rows = []
    for pid, g in r.groupby("partner_id", sort=True):
        if len(g) < 2 or g["quarter"].iloc[-1] != quarter:
            continue
        new, old = int(g["line_card_rank"].iloc[-1]), int(g["line_card_rank"].iloc[-2])
        if new != old:
            before = g["quarter"].iloc[-2]
            rows.append({
                "partner_id": pid, "direction": "gained" if new < old else "lost",
                "value": float(new), "threshold": float(old),
                "periods_compared": f"{quarter} vs {before}", "since": quarter,
                "evidence": f"line-card rank {old} ({before}) -> {new} ({quarter})",
            })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "line_card_change")


# -- 5. key sales talent --------------------------------------------------------------------------------
def key_talent_loss(ds: Dataset, quarter: str, *, quarters: int | None = None) -> pd.DataFrame:
    """Signal 5: a partner reported key sales departures in its last ``quarters`` reports.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    quarters : int, optional
        Reported quarters looked at; default ``goals.signals.key_talent_quarters`` (2 = 6 months).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``value`` the departures in those reports, ``since`` the first
        quarter with a departure.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> key_talent_loss(load_dataset("tests/data/tiny"), "FY2026-Q2")[["entity_id", "value", "since"]]
      entity_id  value      since
    0        P2    1.0  FY2026-Q2
    """
    n = int(_pick(ds, "key_talent_quarters", quarters))
    if n < 1:
        raise ParameterError(f"quarters={quarters!r}: at least one reported quarter")
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter).dropna(subset=["key_sales_departures"])
    r = r.groupby("partner_id", sort=True).tail(n)
    rows = []
    for pid, g in r.groupby("partner_id", sort=True):
        hit = g[g["key_sales_departures"] > 0]
        if hit.empty:
            continue
        count = int(hit["key_sales_departures"].sum())
        detail = ", ".join(f"{int(d)} in {q}" for q, d in zip(hit["quarter"],
                                                               hit["key_sales_departures"], strict=True))  # fmt: skip
        rows.append({
            "partner_id": pid, "direction": "lost", "value": float(count), "threshold": 0.0,
            "periods_compared": f"{g['quarter'].iloc[0]}..{g['quarter'].iloc[-1]}",
            "since": hit["quarter"].iloc[0],
            "evidence": f"key sales departures reported: {detail} (last {len(g)} reports)",
        })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "key_talent_loss")


# -- service metrics ------------------------------------------------------------------------------------
def service_metrics(
    ds: Dataset,
    quarter: str,
    *,
    csat_min: float | None = None,
    first_response_hours_max: float | None = None,
) -> pd.DataFrame:
    """Partner service metrics of ``quarter`` below thresholds (reviewed at the QBR).

    CSAT below ``csat_min`` or first response slower than ``first_response_hours_max``.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    csat_min : float, optional
        Default ``goals.signals.csat_min`` (4.0).
    first_response_hours_max : float, optional
        Default ``goals.signals.first_response_hours_max`` (24).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`; ``direction`` ``csat``, ``response`` or ``csat+response``,
        ``value`` the CSAT (or the hours when only the response misses).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> service_metrics(load_dataset("tests/data/tiny"), "FY2026-Q2")[["entity_id", "direction"]]
      entity_id      direction
    0        P2  csat+response
    """
    csat_min = _pick(ds, "csat_min", csat_min)
    hours_max = _pick(ds, "first_response_hours_max", first_response_hours_max)
    if _no_reports(ds):
        return _empty()
    r = partner_reports(ds, quarter)
    r = r[r["quarter"] == quarter]
    low = r["csat"] < csat_min
    slow = r["first_response_hours"] > hours_max
    r = r[low | slow]
    if r.empty:
        return _empty()
    rows = []
    for row in r.itertuples(index=False):
        parts, kinds = [], []
        if row.csat < csat_min:
            parts.append(f"CSAT {row.csat:.2f} (minimum {csat_min:g})")
            kinds.append("csat")
        if row.first_response_hours > hours_max:
            parts.append(f"first response {row.first_response_hours:g} h (maximum {hours_max:g} h)")
            kinds.append("response")
        rows.append({
            "partner_id": row.partner_id, "direction": "+".join(kinds),
            "value": row.csat if "csat" in kinds else row.first_response_hours,
            "threshold": csat_min if "csat" in kinds else hours_max,
            "periods_compared": quarter, "since": quarter,
            "evidence": "; ".join(parts) + f" in {quarter}",
        })  # fmt: skip
    return _partner_rows(ds, quarter, pd.DataFrame(rows), "service_metrics")


# -- concentration ------------------------------------------------------------------------------------
def channel_dependency(ds: Dataset, quarter: str, *, share: float | None = None) -> pd.DataFrame:
    """A channel or partner carrying ``share`` or more of the quarter's revenue.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    share : float, optional
        Default ``goals.signals.dependency_share`` (0.30).

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` with ``entity_type`` ``channel`` or ``partner``; ``value`` the
        share of revenue (partners: of revenue through partners), ``revenue_at_stake`` its revenue.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> d = channel_dependency(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> list(zip(d["entity_id"], d["value"].round(3)))
    [('DIST', 0.484), ('P1', 0.644), ('DIR', 0.39)]
    """
    share = _pick(ds, "dependency_share", share)
    frames = []
    for dim, kind in (("channel_id", "channel"), ("partner_id", "partner")):
        s = metrics.revenue_shares(ds, by=dim, period="quarter", periods=[quarter], threshold=share)
        s = s[s["dependency"]]
        if s.empty:
            continue
        partners = partner_table(ds).set_index("partner_id")
        channels = ds.table("channels").set_index("channel_id")["channel_name"]
        ids = s["entity_id"]
        frames.append(pd.DataFrame({
            "quarter": quarter, "signal": "channel_dependency", "entity_type": kind,
            "entity_id": ids,
            "entity_name": ids.map(channels) if kind == "channel" else ids.map(partners["partner_name"]),
            "partner_id": pd.NA if kind == "channel" else ids,
            "channel_id": ids if kind == "channel" else ids.map(partners["channel_id"]),
            "direction": "concentration", "value": s["share"], "threshold": share,
            "periods_compared": quarter, "since": quarter,
            "evidence": [f"{x:.1%} of {'company' if kind == 'channel' else 'partner'} revenue in "
                         f"{quarter} (threshold {share:.0%})" for x in s["share"]],
            "revenue_at_stake_cents": s["revenue_cents"],
        }))  # fmt: skip
    return stack_signals(frames)


# -- all signals -----------------------------------------------------------------------------------------
def early_warnings(
    ds: Dataset,
    quarter: str,
    *,
    thresholds: SignalThresholds | None = None,
    include_dependency: bool = True,
) -> pd.DataFrame:
    """Every early-warning signal of ``quarter``, ranked by revenue at stake (no materiality cut).

    Parameters
    ----------
    ds : Dataset
    quarter : str
    thresholds : SignalThresholds, optional
        Default the dataset's (``goals.yaml``); see :func:`resolve_thresholds`.
    include_dependency : bool
        Also list channels and partners over the dependency share.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS`, largest revenue at stake first.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ew = early_warnings(load_dataset("tests/data/tiny"), "FY2026-Q2")
    >>> ew.loc[ew["entity_id"] == "P2", "signal"].tolist()
    ['key_talent_loss', 'line_card_change', 'service_metrics']
    """
    th = thresholds or ds.goals.signals
    frames = [
        partner_total_sales_change(ds, quarter, threshold=th.partner_sales_change),
        our_sales_change(ds, quarter, threshold=th.our_sales_change),
        lost_customer(ds, quarter, share=th.lost_customer_share,
                      window_quarters=th.lost_customer_window_quarters),
        line_card_change(ds, quarter),
        key_talent_loss(ds, quarter, quarters=th.key_talent_quarters),
        service_metrics(ds, quarter, csat_min=th.csat_min,
                        first_response_hours_max=th.first_response_hours_max),
    ]  # fmt: skip
    if include_dependency:
        frames.append(channel_dependency(ds, quarter, share=th.dependency_share))
    return stack_signals(frames)


def material(signals: pd.DataFrame, *, min_revenue_at_stake: float) -> pd.DataFrame:
    """The signals with at least ``min_revenue_at_stake`` revenue exposed, ranked by it.

    Parameters
    ----------
    signals : DataFrame
        :data:`SIGNAL_COLUMNS` rows (e.g. :func:`early_warnings`).
    min_revenue_at_stake : float
        Minimum revenue at stake in currency (e.g. ``goals.signals.min_revenue_at_stake``).

    Returns
    -------
    DataFrame
        The rows kept, largest revenue at stake first.
    """
    cents = _min_cents(min_revenue_at_stake)
    return _rank(signals[signals["revenue_at_stake_cents"] >= cents])


def below_materiality(signals: pd.DataFrame, *, min_revenue_at_stake: float) -> pd.DataFrame:
    """Summary of the signals left out by the materiality filter, one row per signal.

    Parameters
    ----------
    signals : DataFrame
        :data:`SIGNAL_COLUMNS` rows (e.g. :func:`early_warnings`).
    min_revenue_at_stake : float
        The minimum :func:`material` applies (currency).

    Returns
    -------
    DataFrame
        ``signal``, ``meaning``, ``rows`` (int), ``revenue_at_stake`` (float, currency) and
        ``revenue_at_stake_cents`` (int64) of the rows below the minimum, plus a ``total`` row;
        only signals with rows below the minimum (empty frame when nothing is left out).
    """
    cents = _min_cents(min_revenue_at_stake)
    below = signals[signals["revenue_at_stake_cents"] < cents]
    if below.empty:
        return pd.DataFrame(
            {"signal": pd.Series(dtype="string"), "meaning": pd.Series(dtype="string"),
             "rows": pd.Series(dtype="int64"), "revenue_at_stake": pd.Series(dtype="float64"),
             "revenue_at_stake_cents": pd.Series(dtype="int64")}
        )  # fmt: skip
    g = below.groupby("signal", sort=True)["revenue_at_stake_cents"].agg(["size", "sum"])
    out = pd.DataFrame(
        {"signal": g.index.astype("string"), "rows": g["size"].astype("int64").to_numpy(),
         "revenue_at_stake_cents": g["sum"].astype("int64").to_numpy()}
    )  # fmt: skip
    total = pd.DataFrame(
        {"signal": ["total"], "rows": [int(out["rows"].sum())],
         "revenue_at_stake_cents": [int(out["revenue_at_stake_cents"].sum())]}
    )  # fmt: skip
    out = pd.concat([out, total], ignore_index=True)
    out["meaning"] = out["signal"].map(SIGNAL_NAMES).fillna("").astype("string")
    out["signal"] = out["signal"].astype("string")
    out["revenue_at_stake"] = out["revenue_at_stake_cents"].astype("float64") / 100.0
    return out[["signal", "meaning", "rows", "revenue_at_stake", "revenue_at_stake_cents"]]


def _min_cents(value: float) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ParameterError(f"min_revenue_at_stake={value!r}: an amount ≥ 0")
    return round(float(value) * 100)


def flagged_partners(ds: Dataset, quarter: str) -> list[str]:
    """Partners with a material early-warning signal in ``quarter`` (for ``--partners flagged``).

    A partner is flagged by its own signals (1, 2, 4, 5, service metrics, dependency) and by a
    lost customer it sold to, at the thresholds and materiality minimum of ``goals.yaml``.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        Fiscal quarter, e.g. ``"FY2026-Q4"``.

    Returns
    -------
    list of str
        Partner ids, largest revenue at stake first, each once.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> flagged_partners(load_dataset("tests/data/tiny"), "FY2026-Q2")
    []
    """
    th = ds.goals.signals
    found = material(early_warnings(ds, quarter), min_revenue_at_stake=th.min_revenue_at_stake)
    ids = found["partner_id"].dropna()
    return [str(p) for p in dict.fromkeys(ids)]


# -- win/loss interviews -----------------------------------------------------------------------------------
def win_loss_deals(ds: Dataset, quarter: str, *, threshold: float | None = None) -> pd.DataFrame:
    """Partner deals of ``threshold`` or more won or lost in ``quarter``: the interview list.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    threshold : float, optional
        Deal amount (currency); default ``goals.signals.win_loss_amount`` (300,000).

    Returns
    -------
    DataFrame
        One row per deal, largest first: ``opportunity_id``, ``partner_id``, ``partner_name``,
        ``channel_id``, ``customer_id``, ``customer_name`` (missing when the partner did not name
        the customer), ``outcome`` (won/lost), ``amount`` (float) and ``amount_cents`` (int64),
        ``registered_on``, ``close_date`` (Timestamps), ``reason`` (the loss reason where known).
        Empty when the dataset has no ``opportunities.csv``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> win_loss_deals(load_dataset("tests/data/tiny"), "FY2026-Q3")[["opportunity_id", "outcome", "amount"]]
      opportunity_id outcome    amount
    0             D1     won  320000.0
    """
    threshold = _pick(ds, "win_loss_amount", threshold)
    cols = ["opportunity_id", "partner_id", "partner_name", "channel_id", "customer_id",
            "customer_name", "outcome", "amount", "registered_on", "close_date", "reason",
            "amount_cents"]  # fmt: skip
    if not ds.has("opportunities"):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    start, end = ds.calendar.quarter_bounds(quarter)
    o = ds.sql(
        "SELECT opportunity_id, partner_id, customer_id, outcome, "
        "CAST(amount * 100 AS BIGINT) AS amount_cents, registered_on, close_date, loss_reason "
        "FROM opportunities WHERE outcome IN ('won', 'lost') AND close_date >= ? AND close_date < ? "
        "AND amount >= ? ORDER BY amount DESC, opportunity_id",
        [start.date(), end.date(), threshold],
    )
    partners = partner_table(ds).set_index("partner_id")
    customers = ds.table("customers").set_index("customer_id")["customer_name"]
    o["partner_name"] = o["partner_id"].map(partners["partner_name"])
    o["channel_id"] = o["partner_id"].map(partners["channel_id"])
    o["customer_name"] = o["customer_id"].map(customers)
    o["amount"] = o["amount_cents"].astype("float64") / 100.0
    o["reason"] = o["loss_reason"].where(o["outcome"] == "lost")
    for c in ("registered_on", "close_date"):
        o[c] = pd.to_datetime(o[c])
    for c in ("opportunity_id", "partner_id", "partner_name", "channel_id", "customer_id",
              "customer_name", "outcome", "reason"):  # fmt: skip
        o[c] = o[c].astype("string")
    return o[cols].reset_index(drop=True)
