"""The budget split: the allocator (:func:`allocate`, SLSQP on the summed Hill curves), the
budget rules applied before it (:func:`allocation_budget`), the expected total with its interval
(:func:`allocation_interval`), several budgets side by side (:func:`budget_scenarios`) and the
phasing of a channel's spend over the coming quarters (:func:`phase_spend`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from channel_lib.analysis.investment.response import Z95, ResponseFit, hill, hill_marginal
from channel_lib.core.errors import ParameterError

__all__ = [
    "AllocationBudget",
    "allocate",
    "allocation_budget",
    "allocation_interval",
    "budget_scenarios",
    "phase_spend",
    "split_rows",
]


def allocate(
    curves: Mapping[str, ResponseFit] | Mapping[str, tuple[float, float, float]],
    budget: float,
    *,
    current: Mapping[str, float],
    min_share: float = 0.0,
    max_share: float = 1.0,
    max_change: float | None = None,
    hold: Sequence[str] = (),
    cap: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Split ``budget`` across channels to maximise the summed expected response.

    Parameters
    ----------
    curves : mapping
        Channel → :class:`ResponseFit`, or → ``(beta, k, n)`` of a Hill curve.
    budget : float
        Total spend per month to place (≥ 0); the split sums to it.
    current : mapping of str to float
        Spend per month last period (for ``max_change`` and the comparison); every channel of
        ``curves`` needs one.
    min_share, max_share : float
        Each channel's spend lies within [min_share, max_share] × budget.
    max_change : float, optional
        Each channel's spend lies within current × (1 ± max_change) (``None``: no limit).
    hold : sequence of str
        Channels kept at their current spend (moved only as far as the other bounds force).
    cap : mapping of str to float, optional
        Channel → the most it may get (currency per month), over every other limit: the
        break-even cap ``max(today's spend, break-even spend)`` of
        :func:`~channel_lib.analysis.investment.investment_plan`, so no money goes to a channel
        past the point where a unit of spend returns a unit. Budget the capped channels cannot
        take is left unplaced (``attrs["unplaced"]``), not forced onto them.

    Returns
    -------
    DataFrame
        One row per channel: ``channel_id``, ``current_spend``, ``spend``, ``change``,
        ``lower``, ``upper`` (bounds used), ``at_bound`` (``lower``/``upper``/``fixed``/
        ``break-even`` (at its cap)/``""``), ``response`` (expected, per month),
        ``marginal_return`` at ``spend``. ``attrs``: ``total_response``, ``marginal_return``
        (the common one of channels not at a bound, = the Lagrange multiplier), ``optimizer``
        message, ``unplaced`` (budget no channel may take under ``cap``, currency per month;
        the spends sum to ``budget − unplaced``).

    Raises
    ------
    ParameterError
        When the constraints cannot all hold (the message says which sum does not fit).

    Notes
    -----
    Maximise Σ fᵢ(sᵢ) subject to Σ sᵢ = B and lᵢ ≤ sᵢ ≤ uᵢ with SLSQP (Kraft 1988,
    ``scipy.optimize.minimize``) and the analytic Hill gradients, on spend scaled by the budget,
    started from the current split and from the middle of the box (best kept). For concave
    curves the optimum satisfies the Karush-Kuhn-Tucker conditions: equal marginal returns across
    channels strictly inside their bounds.

    Examples
    --------
    >>> out = allocate({"A": (100.0, 10.0, 1.0), "B": (100.0, 10.0, 1.0)}, 20.0,
    ...                current={"A": 5.0, "B": 15.0})
    >>> out["spend"].round(3).tolist()
    [10.0, 10.0]
    """
    _check_limits(budget, min_share, max_share, max_change)
    names = list(curves)
    if not names:
        raise ParameterError("no channel with a response curve to allocate to")
    params = np.array([_abc(curves[c]) for c in names], dtype=float)
    cur = _current_spend(names, current)
    lo, hi = _bounds(names, cur, budget, min_share=min_share, max_share=max_share,
                     max_change=max_change, hold=hold)  # fmt: skip
    lo, hi, capped = _apply_caps(names, lo, hi, cap or {})
    placed = min(budget, float(hi.sum()))
    s, message = _solve(params, cur, lo, hi, placed)
    out = _allocation_frame(names, params, cur, s, (lo, hi), placed, message)
    tol = 1e-7 * (budget if budget > 0 else 1.0)
    out.loc[capped & (out["spend"].to_numpy() >= hi - tol), "at_bound"] = "break-even"
    out.attrs["unplaced"] = budget - placed if budget - placed > tol else 0.0
    return out


def _apply_caps(
    names: list[str], lo: np.ndarray, hi: np.ndarray, cap: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bounds with each channel's cap over every other limit (a lower bound above the cap
    comes down to it); and which channels the cap binds."""
    limit = np.array([float(cap.get(c, math.inf)) for c in names])
    capped = limit < hi
    hi = np.minimum(hi, limit)
    return np.minimum(lo, hi), hi, capped


def _check_limits(
    budget: float, min_share: float, max_share: float, max_change: float | None
) -> None:
    """Raise for a budget or limits no allocation can take."""
    if not isinstance(budget, int | float) or not math.isfinite(budget) or budget < 0:
        raise ParameterError(f"budget must be a number ≥ 0, got {budget!r}")
    if not 0 <= min_share <= max_share <= 1:
        raise ParameterError(f"need 0 ≤ min_share ≤ max_share ≤ 1, got {min_share} and {max_share}")
    if max_change is not None and max_change < 0:
        raise ParameterError(f"max_change must be ≥ 0 (a fraction, 0.3 = 30%), got {max_change}")


def _current_spend(names: list[str], current: Mapping[str, float]) -> np.ndarray:
    """Each channel's current spend, in ``names`` order; raise naming the channels without one."""
    cur = np.array([float(current.get(c, math.nan)) for c in names])
    if np.any(~np.isfinite(cur)):
        raise ParameterError(
            f"current spend missing for {', '.join(c for c, v in zip(names, cur, strict=True) if not np.isfinite(v))}"
        )
    return cur


def _bounds(
    names: list[str],
    cur: np.ndarray,
    budget: float,
    *,
    min_share: float,
    max_share: float,
    max_change: float | None,
    hold: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Each channel's lowest and highest spend under the limits; raise when they cannot hold."""
    lo = np.full(len(names), min_share * budget)
    hi = np.full(len(names), max_share * budget)
    if max_change is not None:
        lo = np.maximum(lo, cur * (1 - max_change))
        hi = np.minimum(hi, cur * (1 + max_change))
    for i, c in enumerate(names):
        if c in hold:
            held = min(max(cur[i], lo[i]), hi[i])
            lo[i] = hi[i] = held
    bad = [c for c, a, b in zip(names, lo, hi, strict=True) if a > b + 1e-9]
    if bad:
        raise ParameterError(
            f"the share and change limits contradict each other for {', '.join(bad)}: the "
            "smallest allowed spend is above the largest; widen max_change or the shares"
        )
    if lo.sum() > budget * (1 + 1e-9) or hi.sum() < budget * (1 - 1e-9):
        raise ParameterError(
            f"a budget of {budget:,.0f} per month cannot meet the limits: the channels must get "
            f"between {lo.sum():,.0f} and {hi.sum():,.0f} in total (min/max share, max change "
            "against last period, held channels); change the budget or loosen the limits"
        )
    return lo, hi


def _solve(
    params: np.ndarray, cur: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float
) -> tuple[np.ndarray, str]:
    """SLSQP from the current split and from the box's middle; the better optimum and its
    message."""
    scale = budget if budget > 0 else 1.0

    def neg(z: np.ndarray) -> float:
        s = z * scale
        return -float(sum(hill(s[i], *params[i]) for i in range(len(s)))) / scale

    def neg_grad(z: np.ndarray) -> np.ndarray:
        s = z * scale
        return -np.array([hill_marginal(s[i], *params[i]) for i in range(len(s))], dtype=float)

    bounds = list(zip(lo / scale, hi / scale, strict=True))
    cons = [
        {"type": "eq", "fun": lambda z: z.sum() - budget / scale, "jac": lambda z: np.ones_like(z)}
    ]
    starts = [_project(cur, lo, hi, budget), _project((lo + hi) / 2, lo, hi, budget)]
    best, message = None, ""
    for start in starts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = optimize.minimize(neg, start / scale, jac=neg_grad, bounds=bounds,
                                    constraints=cons, method="SLSQP",
                                    options={"ftol": 1e-14, "maxiter": 500})  # fmt: skip
        z = _project(np.clip(res.x, lo / scale, hi / scale) * scale, lo, hi, budget)
        value = -neg(z / scale)
        if best is None or value > best[0] + 1e-12 * max(abs(value), 1):
            best, message = (value, z), str(res.message)
    return best[1], message


def _allocation_frame(
    names: list[str],
    params: np.ndarray,
    cur: np.ndarray,
    s: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    budget: float,
    message: str,
) -> pd.DataFrame:
    """The split as :func:`allocate` returns it: spend, bounds, response and marginal return."""
    lo, hi = bounds
    marg = np.array([float(hill_marginal(s[i], *params[i])) for i in range(len(s))])
    resp = np.array([float(hill(s[i], *params[i])) for i in range(len(s))])
    tol = 1e-7 * (budget if budget > 0 else 1.0)
    at = np.where(s <= lo + tol, "lower", np.where(s >= hi - tol, "upper", ""))
    at = np.where(lo >= hi - tol, "fixed", at)
    out = pd.DataFrame({
        "channel_id": names, "current_spend": cur, "spend": s, "change": s - cur,
        "lower": lo, "upper": hi, "at_bound": at, "response": resp, "marginal_return": marg,
    })  # fmt: skip
    free = out["at_bound"] == ""
    out.attrs["total_response"] = float(resp.sum())
    out.attrs["marginal_return"] = float(marg[free.to_numpy()].mean()) if free.any() else math.nan
    out.attrs["optimizer"] = message
    return out


def _abc(curve: ResponseFit | tuple[float, float, float]) -> tuple[float, float, float]:
    if isinstance(curve, ResponseFit):
        return (curve.beta, curve.k, curve.n)
    return tuple(float(v) for v in curve)  # type: ignore[return-value]


def _project(s: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> np.ndarray:
    """The point of the box [lo, hi] with sum ``budget`` closest to ``s`` (bisection on a shift)."""
    a, b = float(np.min(lo - s)) - 1.0, float(np.max(hi - s)) + 1.0
    for _ in range(200):
        mid = (a + b) / 2
        if np.clip(s + mid, lo, hi).sum() < budget:
            a = mid
        else:
            b = mid
    return np.clip(s + (a + b) / 2, lo, hi)


def allocation_interval(
    alloc: pd.DataFrame,
    fits: Mapping[str, ResponseFit],
    column: str = "spend",
    *,
    only: Sequence[str] | None = None,
) -> tuple[float, float, float]:
    """Expected total response of a split with its 95% interval (channels fitted independently,
    so variances add; delta method within a channel)."""
    total, var = 0.0, 0.0
    for ch, s in zip(alloc["channel_id"], alloc[column], strict=True):
        if only is not None and ch not in only:
            continue
        f = fits[ch]
        total += float(f.response(s))
        sd = float(f.response_sd(s)[0])
        var += 0.0 if np.isnan(sd) else sd**2
    half = Z95 * math.sqrt(var)
    return total, total - half, total + half


def budget_scenarios(
    fits: Mapping[str, ResponseFit],
    budget: float,
    multipliers: Sequence[float],
    *,
    current: Mapping[str, float],
    hold: Sequence[str] = (),
    cap: Mapping[str, float] | None = None,
    **limits: float | None,
) -> pd.DataFrame:
    """:func:`allocate` at ``budget × m`` for each multiplier (the system's budget-response curve).

    Returns
    -------
    DataFrame
        Long form, one row per scenario and channel: ``scenario`` (``"×1.2"``), ``multiplier``,
        ``budget``, ``channel_id``, ``spend``, ``response``; scenario totals ``total_response``,
        ``total_low``, ``total_high`` (95%), ``marginal_return`` (common marginal return at the
        optimum), ``feasible``/``message`` (a budget the limits cannot meet is reported, not
        raised) and ``unplaced`` (the budget no channel takes at a return of at least one unit
        per unit, under ``cap``; currency per month).

    Notes
    -----
    ``cap`` (see :func:`allocate`) is not scaled with the budget: a channel past break-even
    gets no more than today's spend in any scenario.
    """
    measured = [c for c in fits if c not in hold]
    rows = []
    for mult in multipliers:
        b = budget * float(mult)
        label = f"×{float(mult):g}"
        try:
            ref = {c: float(v) * float(mult) for c, v in current.items()}
            alloc = allocate(fits, b, current=ref, hold=hold, cap=cap, **limits)
        except ParameterError as exc:
            rows.append({"scenario": label, "multiplier": float(mult), "budget": b, "channel_id": None,
                         "spend": math.nan, "response": math.nan, "total_response": math.nan,
                         "total_low": math.nan, "total_high": math.nan, "marginal_return": math.nan,
                         "feasible": False, "message": str(exc), "unplaced": math.nan})  # fmt: skip
            continue
        total, low, high = allocation_interval(alloc, fits, only=measured)
        for r in alloc.itertuples(index=False):
            rows.append({"scenario": label, "multiplier": float(mult), "budget": b,
                         "channel_id": r.channel_id, "spend": r.spend, "response": r.response,
                         "total_response": total, "total_low": low, "total_high": high,
                         "marginal_return": alloc.attrs["marginal_return"], "feasible": True,
                         "message": "", "unplaced": alloc.attrs["unplaced"]})  # fmt: skip
    return pd.DataFrame(rows)


def phase_spend(
    fits: Mapping[str, ResponseFit],
    alloc: pd.DataFrame,
    quarters: Sequence[str],
    quarter_months: Mapping[str, Sequence[int]],
    *,
    max_change: float | None = None,
) -> pd.DataFrame:
    """Spread each channel's recommended spend over the coming quarters by seasonal response.

    Parameters
    ----------
    fits : mapping of str to ResponseFit
    alloc : DataFrame
        :func:`allocate` result (monthly ``spend`` per channel).
    quarters : sequence of str
        The coming quarters, e.g. the four after the reporting quarter.
    quarter_months : mapping
        Quarter → its calendar months (1-12).
    max_change : float, optional
        A quarter's monthly rate stays within the recommended rate × (1 ± max_change).

    Returns
    -------
    DataFrame
        One row per channel and quarter: ``channel_id``, ``quarter``, ``seasonal_index`` (mean 1
        over the quarters), ``monthly_spend``, ``quarter_spend``, ``share_of_year``.

    Notes
    -----
    Assumes the response in a season scales with the channel's seasonal demand index (from the
    fitted baseline): maximise Σ_q m_q f(s_q) with Σ s_q fixed, the same allocator with the
    quarters as the "channels" — at the optimum m_q f'(s_q) is equal across quarters, so more
    goes where a unit of spend earns more. A held or flat channel is phased evenly.
    """
    rows = []
    for r in alloc.itertuples(index=False):
        f = fits.get(r.channel_id)
        idx = np.array([
            np.mean([f.seasonal_index.get(m, 1.0) for m in quarter_months[q]]) if f else 1.0
            for q in quarters
        ])  # fmt: skip
        idx = np.where(idx > 0, idx, 1e-3)
        idx = idx / idx.mean()
        total = r.spend * len(quarters)
        if f is None or not f.identified or r.at_bound == "fixed" or total <= 0:
            monthly = np.full(len(quarters), r.spend)
        else:
            curves = {q: (f.beta * idx[i], f.k, f.n) for i, q in enumerate(quarters)}
            try:
                out = allocate(curves, total, current=dict.fromkeys(quarters, r.spend),
                               max_change=max_change)  # fmt: skip
                monthly = out["spend"].to_numpy()
            except ParameterError:
                monthly = np.full(len(quarters), r.spend)
        for i, q in enumerate(quarters):
            rows.append((r.channel_id, q, float(idx[i]), float(monthly[i]), float(monthly[i] * 3),
                         float(monthly[i] / total) if total > 0 else math.nan))  # fmt: skip
    cols = [
        "channel_id",
        "quarter",
        "seasonal_index",
        "monthly_spend",
        "quarter_spend",
        "share_of_year",
    ]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class AllocationBudget:
    """How a monthly budget meets the channels: what is kept, what is allocated, what is held.

    What :func:`allocation_budget` returns; amounts are currency per month.

    Attributes
    ----------
    budget : float
        The whole monthly lever budget.
    kept : dict of str to float
        Channels without a response curve → their last-quarter spend, kept as it is.
    kept_total : float
        Sum of ``kept``.
    allocated : float
        What is left for the channels with a curve: ``max(budget − kept_total, 0)``.
    current : dict of str to float
        Channels with a curve → last quarter's spend (0 where they had none).
    held : tuple of str
        Channels with a curve but no measurable response (``ResponseFit.identified`` false):
        :func:`allocate` keeps them at their ``reference`` spend.
    measured : tuple of str
        The other channels with a curve, whose spend the allocator moves.
    ratio : float
        ``allocated ÷ Σ current`` (1 when the channels with a curve spent nothing).
    reference : dict of str to float
        ``current × ratio``: last quarter's split scaled to the allocated budget; the change
        limit and the held channels are taken against it.
    messages : tuple of str
        The rules that changed the budget, in words (for the notebook).
    """

    budget: float
    kept: dict[str, float]
    kept_total: float
    allocated: float
    current: dict[str, float]
    held: tuple[str, ...]
    measured: tuple[str, ...]
    ratio: float
    reference: dict[str, float]
    messages: tuple[str, ...]


def allocation_budget(
    budget: float, current: Mapping[str, float], identified: Mapping[str, bool]
) -> AllocationBudget:
    """Apply the budget rules of the allocation: keep, hold and scale before :func:`allocate`.

    Parameters
    ----------
    budget : float
        Monthly lever budget (currency per month).
    current : mapping of str to float
        Every channel's lever spend per month last quarter (:func:`monthly_spend_in_quarter`).
    identified : mapping of str to bool
        The channels with a response curve → whether the curve measured a response
        (``{c: fit.identified for c, fit in fits.items()}``), in the allocator's order.

    Returns
    -------
    AllocationBudget
        ``allocated`` and ``reference`` are the ``budget`` and ``current`` to pass to
        :func:`allocate`, ``held`` its ``hold``.

    Notes
    -----
    Three rules, shared by :func:`investment_plan` and the workbook's allocation explorer:

    1. Spend on channels without a curve is kept as it is; the rest of the budget,
       ``allocated = max(budget − kept_total, 0)``, is split over the channels with a curve.
    2. Channels whose curve measured no response are held (not moved by the optimiser).
    3. Last quarter's split of the channels with a curve is scaled by
       ``ratio = allocated ÷ Σ current``: a held channel keeps its scaled spend and the change
       limit is taken against the scaled split, so a larger or smaller budget is not read as a
       change of every channel.

    Examples
    --------
    Last quarter A spent 300, B 100 and X (no curve) 50 per month; B's curve measured nothing.
    A budget of 600 keeps X's 50 and allocates 550 = 1.375 × the 400 that A and B spent:

    >>> rules = allocation_budget(600.0, {"A": 300.0, "B": 100.0, "X": 50.0},
    ...                           {"A": True, "B": False})
    >>> rules.kept, rules.allocated, rules.held, rules.measured
    ({'X': 50.0}, 550.0, ('B',), ('A',))
    >>> rules.ratio, rules.reference
    (1.375, {'A': 412.5, 'B': 137.5})
    """
    fitted_current = {c: float(current.get(c, 0.0)) for c in identified}
    kept = {str(c): float(v) for c, v in current.items() if c not in identified}
    kept_total = float(sum(kept.values()))
    allocated = max(budget - kept_total, 0.0)
    messages = []
    if kept_total > 0:
        messages.append(
            f"{kept_total:,.0f} per month of spend on channels without a curve is kept as it is."
        )
    if budget < kept_total:
        messages.append(
            f"The budget of {budget:,.0f} per month does not cover that kept spend: nothing is "
            "left for the channels with a response curve."
        )
    base = sum(fitted_current.values())
    ratio = allocated / base if base > 0 else 1.0
    if abs(ratio - 1) > 1e-9 and budget >= kept_total:
        messages.append(
            f"The {allocated:,.0f} per month for the channels with a response curve is "
            f"{ratio:.0%} of their {base:,.0f} last quarter: the change limit and the held "
            "channels are taken against last quarter's split scaled to it."
        )
    return AllocationBudget(
        budget=float(budget),
        kept=kept,
        kept_total=kept_total,
        allocated=allocated,
        current=fitted_current,
        held=tuple(c for c, ok in identified.items() if not ok),
        measured=tuple(c for c, ok in identified.items() if ok),
        ratio=ratio,
        reference={c: v * ratio for c, v in fitted_current.items()},
        messages=tuple(messages),
    )


#: The columns of :func:`split_rows`, in order.
SPLIT_ROW_COLUMNS = [
    "channel_id", "current_spend", "recommended_spend", "change", "expected_response",
    "response_low", "response_high", "marginal_return", "at_limit", "note", "spend", "at_bound",
]  # fmt: skip


def split_rows(
    alloc: pd.DataFrame,
    fits: Mapping[str, ResponseFit],
    rules: AllocationBudget,
    *,
    channel_order: Sequence[str],
) -> pd.DataFrame:
    """Every channel with lever spend: the allocator's split beside last quarter's spend.

    Parameters
    ----------
    alloc : DataFrame
        :func:`allocate` of ``rules.allocated`` over the channels with a curve.
    fits : mapping of str to ResponseFit
    rules : AllocationBudget
        The budget rules the split was made under (:func:`allocation_budget`).
    channel_order : sequence of str
        The channels' display order (others last).

    Returns
    -------
    DataFrame
        :data:`SPLIT_ROW_COLUMNS`: ``current_spend``, ``recommended_spend``, ``change``
        (currency per month); ``expected_response`` with ``response_low``/``response_high`` (95%,
        delta method) and ``marginal_return`` for measured channels only (a held slope is
        noise); ``at_limit`` and ``note`` (held or kept); ``spend`` and ``at_bound`` (the
        :func:`allocate` names). Channels without a curve are kept at their spend (``fixed``).
    """
    measured = list(rules.measured)
    rows = alloc.assign(current_spend=alloc["channel_id"].map(rules.current))
    rows["recommended_spend"] = rows["spend"]
    rows["at_limit"] = rows["at_bound"]
    is_measured = rows["channel_id"].isin(measured)
    rows["expected_response"] = rows["response"].where(is_measured)
    sds = np.array(
        [
            float(fits[c].response_sd(s)[0])
            for c, s in zip(rows["channel_id"], rows["spend"], strict=True)
        ]
    )
    rows["response_low"] = (
        (rows["response"] - Z95 * np.nan_to_num(sds)).clip(lower=0).where(is_measured)
    )
    rows["response_high"] = (rows["response"] + Z95 * np.nan_to_num(sds)).where(is_measured)
    rows["marginal_return"] = rows["marginal_return"].where(is_measured)
    rows["note"] = np.where(
        is_measured, "", "held: no measurable response (scaled with the budget)"
    )
    kept = rules.kept
    extra = pd.DataFrame(
        {"channel_id": list(kept), "current_spend": list(kept.values()),
         "recommended_spend": list(kept.values()), "spend": list(kept.values()),
         "at_limit": "fixed", "at_bound": "fixed", "marginal_return": np.nan,
         "expected_response": np.nan, "response_low": np.nan, "response_high": np.nan,
         "note": "kept: no response curve"}
    )  # fmt: skip
    out = pd.concat([rows, extra] if len(extra) else [rows], ignore_index=True)
    out["change"] = out["recommended_spend"] - out["current_spend"]
    out["channel_id"] = out["channel_id"].astype(str)
    order = {c: i for i, c in enumerate(channel_order)}
    out = out.sort_values("channel_id", key=lambda s: s.map(order).fillna(len(order)))
    return out[SPLIT_ROW_COLUMNS].reset_index(drop=True)
