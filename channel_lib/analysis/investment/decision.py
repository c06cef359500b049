"""The budget as a decision: per measured channel the spend that maximises profit net of spend,
stated as cut / raise / hold with the expected change per year and its 95% interval.

:func:`break_even_spend` finds where one more unit of spend returns one unit of the curve's
metric; :func:`spend_decision` turns every fitted curve into one row of the decision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import optimize

from channel_lib.analysis.investment.response import Z95, ResponseFit, hill_marginal

__all__ = ["DECISION_COLUMNS", "INTERVAL_METHOD", "break_even_spend", "spend_decision"]

#: How :func:`spend_decision` computes the interval of the change in profit net of spend.
INTERVAL_METHOD = "delta method"

#: The columns of :func:`spend_decision`, in order.
DECISION_COLUMNS = [
    "channel_id", "measurable", "reason", "current_spend", "break_even_spend", "break_even_low",
    "break_even_high", "recommended_spend", "change", "action", "extrapolation", "limited_by", "net_change_year",
    "net_low", "net_high", "interval_method", "marginal_at_current",
]  # fmt: skip


def break_even_spend(beta: float, k: float, n: float) -> float:
    """Monthly spend at which one more unit returns one unit: the root of ``hill_marginal = 1``.

    Parameters
    ----------
    beta, k, n : float
        The concave Hill curve (``beta`` and ``k`` in currency per month, ``0 < n <= 1``).

    Returns
    -------
    float
        Spend per month (currency); 0 when even the first unit returns less than one unit.

    Notes
    -----
    For ``n = 1`` the closed form ``sqrt(beta k) − k`` (from ``beta k / (k + s)² = 1``); for
    ``n < 1`` the marginal return falls from +∞ at 0 to 0, so the root is bracketed by doubling
    and found by ``scipy.optimize.brentq``.

    Examples
    --------
    >>> round(break_even_spend(400.0, 100.0, 1.0), 6)  # sqrt(400 * 100) - 100
    100.0
    >>> break_even_spend(50.0, 100.0, 1.0)  # the first unit returns 0.5
    0.0
    """
    if not (beta > 0 and k > 0 and 0 < n <= 1):
        return 0.0
    if n == 1:
        return max(math.sqrt(beta * k) - k, 0.0)

    def excess(s: float) -> float:
        return float(hill_marginal(s, beta, k, n)) - 1.0

    hi = k
    while excess(hi) > 0 and hi < 1e18:
        hi *= 2.0
    lo = hi / 2.0
    while excess(lo) < 0 and lo > 1e-9:
        lo /= 2.0
    if excess(lo) < 0:
        return 0.0
    return float(optimize.brentq(excess, lo, hi, xtol=1e-9 * hi))


def _break_even_interval(fit: ResponseFit) -> tuple[float, float]:
    """95% interval of the break-even spend: delta method, the gradient in
    ``(log beta, log k, log n)`` by central differences (step 1e-5)."""
    if not np.all(np.isfinite(fit.cov)):
        return math.nan, math.nan
    base = np.log([fit.beta, fit.k, fit.n])
    h = 1e-5
    g = np.zeros(3)
    for i in range(3 if fit.cov[2, 2] > 0 else 2):
        up, down = base.copy(), base.copy()
        up[i] += h
        down[i] -= h
        n_up, n_down = min(math.exp(up[2]), 1.0), min(math.exp(down[2]), 1.0)
        g[i] = (
            break_even_spend(math.exp(up[0]), math.exp(up[1]), n_up)
            - break_even_spend(math.exp(down[0]), math.exp(down[1]), n_down)
        ) / (2 * h)
    be = break_even_spend(fit.beta, fit.k, fit.n)
    sd = math.sqrt(max(float(g @ fit.cov @ g), 0.0))
    return max(be - Z95 * sd, 0.0), be + Z95 * sd


def _net_change_interval(
    fit: ResponseFit, current: float, recommended: float
) -> tuple[float, float, float]:
    """Change in profit net of spend per year from ``current`` to ``recommended`` monthly spend,
    with its 95% interval (delta method on the curve's covariance; the spends are decisions)."""
    change = 12.0 * (
        float(fit.response(recommended)) - recommended - (float(fit.response(current)) - current)
    )
    if recommended == current:
        return 0.0, 0.0, 0.0
    if not np.all(np.isfinite(fit.cov)):
        return change, math.nan, math.nan
    g = 12.0 * (fit._grad(np.array([recommended]))[0] - fit._grad(np.array([current]))[0])
    sd = math.sqrt(max(float(g @ fit.cov @ g), 0.0))
    return change, change - Z95 * sd, change + Z95 * sd


def spend_decision(
    plan_or_fits: Mapping[str, ResponseFit] | object,
    current: Mapping[str, float],
    *,
    metric: str | None = None,
    clip: bool = True,
) -> pd.DataFrame:
    """Per fitted channel the profit-maximising monthly spend, as cut / raise / hold.

    Parameters
    ----------
    plan_or_fits : mapping of str to ResponseFit, or an InvestmentPlan
        The fitted curves (an :class:`~channel_lib.analysis.investment.InvestmentPlan` gives
        its ``fits``).
    current : mapping of str to float
        Each channel's spend per month today (the reporting quarter's monthly average).
    metric : {"gross_profit", "revenue"}, optional
        What the curves were fitted to (default: the fits' own ``metric``). With gross profit
        the result is gross profit net of spend; with revenue, revenue net of spend.
    clip : bool
        Keep the recommended spend within the spend the channel was seen at
        (``[spend_min, spend_max]``); with ``False`` the break-even spend itself is
        recommended and a row outside that range has ``extrapolation`` true.

    Returns
    -------
    DataFrame
        :data:`DECISION_COLUMNS`, one row per fitted channel: ``measurable`` and ``reason``
        (:meth:`ResponseFit.identification`; ``""`` when measurable); ``current_spend``,
        ``break_even_spend`` with ``break_even_low``/``break_even_high`` (95%, delta method),
        ``recommended_spend``, ``change`` (currency per month; break-even NaN when not
        measurable); ``action`` (``cut``, ``raise``, ``hold`` or
        ``not measurable``: held at today's spend); ``extrapolation`` (the recommended spend
        lies outside the spend observed); ``limited_by`` (``"largest spend observed"`` /
        ``"smallest spend observed"`` when the range stopped the move, else ``""``);
        ``net_change_year`` with ``net_low``/``net_high`` (change in the metric net of spend,
        currency per year, 95%); ``interval_method`` (:data:`INTERVAL_METHOD`);
        ``marginal_at_current`` (metric per unit of spend at today's spend).

    Notes
    -----
    Profit net of spend ``f(s) − s`` of a concave Hill curve ``f`` is largest where
    ``f'(s) = 1`` (:func:`break_even_spend`): below it a further unit of spend earns more than
    it costs, above it less. A channel whose marginal return at today's spend is below 1 is
    cut towards that point, one above 1 raised. The change per year is
    ``12 × [(f(s*) − s*) − (f(s₀) − s₀)]``; its standard error is the delta method on the
    covariance of ``(log β, log K, log n)`` with the two spends fixed (Seber & Wild 1989 §5.1).

    Examples
    --------
    >>> from channel_lib.analysis.investment.fit import fit_response
    >>> from channel_lib.analysis.investment.response import hill
    >>> rng = np.random.default_rng(3)
    >>> spend = rng.uniform(20_000, 400_000, 36)
    >>> y = 500_000 + hill(spend, 600_000.0, 100_000.0, 1.0) + rng.normal(0, 5_000, 36)
    >>> fit = fit_response(spend, y, np.arange(36) % 12 + 1, channel_id="X")
    >>> row = spend_decision({"X": fit}, {"X": 350_000.0}).iloc[0]
    >>> str(row["action"]), bool(row["net_low"] > 0)
    ('cut', True)
    """
    fits = getattr(plan_or_fits, "fits", plan_or_fits)
    rows = []
    for ch, fit in fits.items():  # type: ignore[union-attr]
        cur = float(current.get(ch, 0.0))
        ok, reason = fit.identification()
        marg = float(fit.marginal(cur))
        if not ok:
            rows.append([ch, False, reason, cur, math.nan, math.nan, math.nan, cur, 0.0,
                         "not measurable", False, "",
                         0.0, 0.0, 0.0, INTERVAL_METHOD, math.nan])  # fmt: skip
            continue
        be = break_even_spend(fit.beta, fit.k, fit.n)
        rec, limited = be, ""
        if clip and be > fit.spend_max:
            rec, limited = fit.spend_max, "largest spend observed"
        elif clip and be < fit.spend_min:
            rec, limited = fit.spend_min, "smallest spend observed"
        tol = 1e-9 * max(cur, 1.0)
        action = "cut" if rec < cur - tol else ("raise" if rec > cur + tol else "hold")
        if action == "hold":
            rec = cur
        net, low, high = _net_change_interval(fit, cur, rec)
        extrapolation = bool(rec < fit.spend_min - tol or rec > fit.spend_max + tol)
        rows.append([ch, True, "", cur, be, *_break_even_interval(fit), rec, rec - cur, action,
                     extrapolation, limited, net, low, high, INTERVAL_METHOD, marg])  # fmt: skip
    out = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    out.attrs["metric"] = metric or next(
        (f.metric for f in fits.values()),  # type: ignore[union-attr]
        "revenue",
    )
    return out
