"""Investment allocation (notebook ``03_investment_allocation``): response curves per channel and
the split of a discretionary budget under constraints.

The steps, each a function returning a tidy frame:

1. :func:`lever_spend` — monthly discretionary spend per channel (the *lever*) next to the revenue
   and gross profit of the same month, from ``channel_costs`` and the exact monthly metrics.
2. :func:`revenue_driven_costs` — discretionary cost types that *follow* revenue (co-op accruing
   as a share of purchases, rebates): not a lever. They are left out of the lever spend and named.
3. :func:`fit_response` / :func:`fit_channels` — per channel a saturating Hill curve on
   (optionally adstocked) spend plus a trend-and-season baseline, by non-linear least squares,
   with parameter covariance, intervals, a likelihood-ratio test of "any response at all" and an
   AIC choice of carry-over (adstock). The Hill shape is kept at ``n <= 1``, so every curve is
   concave (see below).
4. :func:`allocate` — the budget split that maximises the expected response under total budget,
   per-channel min/max share and maximum change against last period (SLSQP, analytic gradients);
   :func:`allocation_budget` applies the budget rules before it (spend on channels without a
   curve kept, unmeasured channels held, last quarter's split scaled to the budget);
   :func:`budget_scenarios` runs it for several budgets; :func:`phase_spend` spreads a channel's
   yearly amount over the coming quarters by its seasonal index.

:func:`investment_plan` runs the whole chain for a notebook and turns degenerate input (no
``channel_costs``, zero or constant spend, too little history) into plain messages.

Why concave curves only: the Hill family of Robyn and Meridian allows an S-shape (``n > 1``:
returns first rise, then fall), but this module fits ``0.5 <= n <= 1``, concave from the first
unit of spend (``n = 1`` is Michaelis-Menten, one of PyMC-Marketing's saturation curves).
Three reasons. (1) The allocator maximises a sum of curves; with concave curves that is a convex
problem, its optimum is the single point where marginal returns are equal off the bounds, and
SLSQP finds it. With S-shapes the problem has local optima and "equal marginal returns" is no
longer enough. (2) Three years of monthly spend rarely hold enough low-spend months to place an
S-shape's toe reliably, and a toe placed by noise would steer the allocator. (3) The marginal
return falls with every unit of spend, so a channel past its break-even point stays past it. The cost: for a channel whose response really is
S-shaped, the concave curve overstates the return of the first units of spend (below the spend
seen) and the half-saturation moves a little; the notebook says so among its limits.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, signal, stats

from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = [
    "DEFAULT_LIMITS",
    "MIN_MONTHS",
    "N_MAX",
    "OBJECTIVES",
    "Z95",
    "AllocationBudget",
    "InvestmentPlan",
    "ResponseFit",
    "adstock",
    "allocate",
    "allocation_budget",
    "allocation_interval",
    "budget_scenarios",
    "curve_points",
    "curve_table",
    "fit_channels",
    "fit_response",
    "hill",
    "hill_marginal",
    "investment_plan",
    "lever_spend",
    "monthly_spend_in_quarter",
    "objective_metric",
    "phase_spend",
    "revenue_driven_costs",
    "validate_parameters",
]

#: Fewest months of spend and sales a response curve is fitted on.
MIN_MONTHS = 12
#: Largest Hill shape fitted: ``n <= 1`` keeps every curve concave (module notes).
N_MAX = 1.0
#: Two-sided 95% standard-normal quantile (≈ 1.96) of this module's Wald intervals.
Z95 = float(stats.norm.ppf(0.975))
OBJECTIVES = ("goals", "revenue", "gross_profit")


# -- the curve -----------------------------------------------------------------------------------
def hill(spend: np.ndarray | float, beta: float, k: float, n: float) -> np.ndarray:
    """Hill saturation ``beta * s**n / (k**n + s**n)`` (``beta`` = response at saturation).

    Examples
    --------
    >>> float(hill(120.0, beta=10.0, k=120.0, n=2.0))
    5.0
    """
    s = np.maximum(np.asarray(spend, dtype=float), 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = (s / k) ** n
        return beta * r / (1.0 + r)


def hill_marginal(spend: np.ndarray | float, beta: float, k: float, n: float) -> np.ndarray:
    """First derivative of :func:`hill` in spend: ``beta * n * r / (s * (1 + r)**2)``, ``r = (s/k)**n``.

    Examples
    --------
    >>> round(float(hill_marginal(100.0, beta=100.0, k=100.0, n=1.0)), 6)  # beta*k/(k+s)**2
    0.25
    """
    s = np.maximum(np.asarray(spend, dtype=float), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = (s / k) ** n
        out = beta * n * r / (s * (1.0 + r) ** 2)
    return np.nan_to_num(out, nan=0.0, posinf=0.0)


def adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric carry-over normalised to steady state: ``a_t = (1-λ) x_t + λ a_{t-1}``.

    A constant spend ``x`` gives ``a = x`` once run in (the series starts run in at its first
    value), so the curve's half-saturation stays in money per month.

    Examples
    --------
    >>> adstock(np.array([10.0, 0.0, 0.0]), 0.5).tolist()
    [10.0, 5.0, 2.5]
    """
    x = np.asarray(spend, dtype=float)
    if len(x) == 0 or decay == 0:
        return x.copy()
    out, _ = signal.lfilter([1.0 - decay], [1.0, -decay], x, zi=[decay * x[0]])
    return out


def _exp(x: float) -> float:
    """``exp`` that gives ``inf`` (and ``nan``) instead of raising."""
    if math.isnan(x):
        return math.nan
    return math.exp(x) if x < 700 else math.inf


def _baseline_design(months: np.ndarray, harmonics: int) -> np.ndarray:
    """Intercept, linear trend (years) and ``harmonics`` Fourier pairs of the calendar month."""
    t = np.arange(len(months)) / 12.0
    cols = [np.ones(len(months)), t - t.mean()]
    for h in range(1, harmonics + 1):
        angle = 2 * np.pi * h * months / 12.0
        cols += [np.cos(angle), np.sin(angle)]
    return np.column_stack(cols)


def _harmonics(n_months: int) -> int:
    return 2 if n_months >= 24 else (1 if n_months >= 12 else 0)


@dataclass
class ResponseFit:
    """A fitted response curve of one channel: parameters, their covariance and the test.

    Attributes
    ----------
    channel_id : str
    metric : str
        ``revenue`` or ``gross_profit`` (what the curve predicts, per month).
    beta, k, n, decay : float
        Response at saturation (currency per month), half-saturation spend (currency per month),
        Hill shape (``0.5 <= n <= 1``: concave), adstock decay λ (0 = no carry-over).
    cov : ndarray
        Covariance of ``(log beta, log k, log n)`` from the Jacobian at the optimum
        (``s² (JᵀJ)⁻¹``); zero for ``log n`` when the shape was fixed at 1 (``shape_model``
        ``"fixed"``), NaN when the fit could not estimate it.
    baseline : ndarray
        Coefficients of the baseline (intercept, trend, Fourier pairs).
    months : int
        Months fitted. ``harmonics``: Fourier pairs in the baseline.
    rss, rss_baseline : float
        Residual sums of squares with and without the spend term.
    aic : float
        Gaussian AIC of the chosen model; ``aic_no_adstock`` / ``aic_adstock`` of both candidates.
    lr_pvalue : float
        Likelihood-ratio test of the spend term against the baseline alone (2 to 4 df: the
        curve's free parameters).
    shape_model : str
        ``"fixed"`` (n = 1) or ``"estimated"`` (0.5 <= n <= 1), chosen by AIC.
    seasonal_index : dict of int to float
        Calendar month → baseline seasonal factor (mean 1), for phasing.
    warnings : list of str
        What went wrong or is doubtful, in words (bounds hit, optimiser messages).
    """

    channel_id: str
    metric: str
    beta: float
    k: float
    n: float
    decay: float
    cov: np.ndarray
    baseline: np.ndarray
    months: int
    harmonics: int
    rss: float
    rss_baseline: float
    aic: float
    aic_no_adstock: float
    aic_adstock: float
    lr_pvalue: float
    spend_min: float
    spend_max: float
    shape_model: str = "fixed"
    seasonal_index: dict[int, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def identified(self) -> bool:
        """Whether the data show a response to spend (LR test p < 0.05 and beta > 0)."""
        return bool(self.lr_pvalue < 0.05 and self.beta > 0)

    def response(self, spend: np.ndarray | float) -> np.ndarray:
        """Expected monthly response to a steady monthly spend."""
        return hill(spend, self.beta, self.k, self.n)

    def marginal(self, spend: np.ndarray | float) -> np.ndarray:
        """Response per extra unit of spend at ``spend``."""
        return hill_marginal(spend, self.beta, self.k, self.n)

    def _grad(self, spend: np.ndarray) -> np.ndarray:
        """Gradient of the response in ``(log beta, log k, log n)``, shape (len(spend), 3)."""
        s = np.maximum(np.asarray(spend, dtype=float), 1e-12)
        r = (s / self.k) ** self.n
        f = self.beta * r / (1 + r)
        d_logk = -self.beta * self.n * r / (1 + r) ** 2
        d_logn = self.beta * r * np.log(s / self.k) * self.n / (1 + r) ** 2
        return np.column_stack([f, d_logk, d_logn])

    def response_sd(self, spend: np.ndarray | float) -> np.ndarray:
        """Standard error of the expected response (delta method on :attr:`cov`)."""
        s = np.atleast_1d(np.asarray(spend, dtype=float))
        if not np.all(np.isfinite(self.cov)):
            return np.full(s.shape, np.nan)
        g = self._grad(s)
        return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", g, self.cov, g), 0.0))

    def k_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Wald interval of the half-saturation spend (on log scale, so asymmetric)."""
        se = math.sqrt(self.cov[1, 1]) if np.isfinite(self.cov[1, 1]) else math.nan
        z = float(stats.norm.ppf(0.5 + level / 2))
        return (self.k * _exp(-z * se), self.k * _exp(z * se))

    def parameters(self) -> pd.DataFrame:
        """The curve's parameters with standard errors and 95% intervals (tidy).

        Returns
        -------
        DataFrame
            ``parameter`` (beta, half_saturation, shape, adstock_decay), ``estimate``, ``std_err``
            (of the log for the first three), ``ci_low``, ``ci_high``.
        """
        rows = []
        for i, (name, value) in enumerate(
            (("beta", self.beta), ("half_saturation", self.k), ("shape", self.n))
        ):
            se = math.sqrt(self.cov[i, i]) if np.isfinite(self.cov[i, i]) else math.nan
            rows.append((name, value, se, value * _exp(-Z95 * se), value * _exp(Z95 * se)))
        rows.append(("adstock_decay", self.decay, math.nan, math.nan, math.nan))
        return pd.DataFrame(rows, columns=["parameter", "estimate", "std_err", "ci_low", "ci_high"])


def fit_response(
    spend: Sequence[float] | np.ndarray,
    response: Sequence[float] | np.ndarray,
    months: Sequence[int] | np.ndarray,
    *,
    channel_id: str = "",
    metric: str = "revenue",
    adstock_mode: str = "auto",
    shape_mode: str = "auto",
    max_decay: float = 0.8,
) -> ResponseFit:
    """Fit ``response_t = baseline_t + beta * Hill(adstock(spend)_t; k, n) + e_t``.

    Parameters
    ----------
    spend, response : array-like
        Monthly discretionary spend and the channel's revenue (or gross profit), same months.
    months : array-like of int
        Calendar month (1-12) of each observation, for the seasonal baseline.
    channel_id, metric : str
        Labels carried into the result.
    adstock_mode : {"auto", "none", "geometric"}
        ``auto`` fits both and keeps the one with the lower AIC.
    shape_mode : {"auto", "fixed", "estimated"}
        ``fixed`` keeps ``n = 1`` (Michaelis-Menten); ``estimated`` fits ``0.5 <= n <= 1`` (a
        steeper start, a longer tail); ``auto`` keeps the one with the lower AIC. Both are
        concave everywhere: no S-shape (see the module's notes).
    max_decay : float
        Upper bound of the adstock decay λ.

    Returns
    -------
    ResponseFit

    Raises
    ------
    ParameterError
        Fewer than :data:`MIN_MONTHS` months, spend never positive or constant.

    Notes
    -----
    *Model.* The baseline is an intercept, a linear trend and Fourier pairs of the calendar month
    (two pairs from 24 months, one from 12), so seasonal demand is not credited to spend. The spend
    term is the Hill curve of Robyn and Meridian (Jin et al. 2017, "Bayesian methods for media mix
    modeling with carryover and shape effects", Google) on geometric adstock normalised to steady
    state. ``beta >= 0``, ``0.5 <= n <= 1`` (concave: diminishing returns from the first unit),
    ``k`` within [0.05, 3] × the largest spend seen.
    *Fit.* Least squares (``scipy.optimize.least_squares``, trust-region reflective) on
    ``(log beta, log k, log n, λ, baseline)`` from the best point of a grid over ``(k, n, λ)``
    with the linear part profiled out. The covariance is ``s² (JᵀJ)⁻¹`` (Gauss-Newton, Seber & Wild
    1989 §5.1); intervals are Wald intervals on the log scale; the response interval uses the
    delta method. *Model choice.* Four candidates — with or without adstock, ``n = 1`` or ``n``
    estimated in [0.5, 1] — are fitted and the lowest AIC (Akaike 1974) kept. *Test.* The spend term
    against the baseline alone by a likelihood-ratio test (χ² with the curve's 2-4 free
    parameters as degrees of freedom; approximate, since ``k`` and ``n`` are not identified when
    ``beta = 0``, Davies 1987).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> spend = rng.uniform(10, 400, 36)
    >>> months = np.arange(36) % 12 + 1
    >>> y = 1000 + hill(spend, 600.0, 100.0, 1.0) + rng.normal(0, 10, 36)
    >>> fit = fit_response(spend, y, months)
    >>> lo, hi = fit.k_interval()
    >>> bool(lo < 100 < hi), fit.identified
    (True, True)
    """
    x = np.asarray(spend, dtype=float)
    y = np.asarray(response, dtype=float)
    m = np.asarray(months, dtype=int)
    if len(x) < MIN_MONTHS:
        raise ParameterError(
            f"{channel_id or 'channel'}: {len(x)} months of spend and sales; a response curve "
            f"needs at least {MIN_MONTHS}"
        )
    if not np.any(x > 0):
        raise ParameterError(
            f"{channel_id or 'channel'}: discretionary spend is zero in every month"
        )
    if np.ptp(x) <= 1e-9 * max(abs(x).max(), 1.0):
        raise ParameterError(
            f"{channel_id or 'channel'}: spend was the same every month ({x[0]:,.0f}); "
            "a response cannot be read from spend that never varied"
        )
    if int(np.sum(x > 0)) < MIN_MONTHS:
        raise ParameterError(
            f"{channel_id or 'channel'}: spend in only {int(np.sum(x > 0))} of {len(x)} months; "
            f"a response curve needs at least {MIN_MONTHS} months with spend"
        )
    harmonics = _harmonics(len(x))
    X = _baseline_design(m, harmonics)
    scale_x = float(x.max())
    scale_y = float(np.std(y)) or 1.0
    xs, ys = x / scale_x, y / scale_y
    base_coef, *_ = np.linalg.lstsq(X, ys, rcond=None)
    rss0 = float(np.sum((X @ base_coef - ys) ** 2))
    T = len(x)
    notes: list[str] = []

    def one(decay_free: bool, shape_free: bool) -> tuple[float, np.ndarray, np.ndarray, str]:
        grid_decay = np.linspace(0.0, max_decay, 5) if decay_free else [0.0]
        best = None
        for lam in grid_decay:
            a = adstock(xs, lam)
            for k in np.geomspace(0.05, 3.0, 18):
                for n in (0.5, 0.7, 1.0) if shape_free else (1.0,):
                    h = hill(a, 1.0, k, n)
                    A = np.column_stack([X, h])
                    coef, *_ = np.linalg.lstsq(A, ys, rcond=None)
                    if coef[-1] <= 0:
                        continue
                    rss = float(np.sum((A @ coef - ys) ** 2))
                    if best is None or rss < best[0]:
                        best = (rss, lam, k, n, coef)
        if best is None:  # no positive response anywhere on the grid
            best = (rss0, 0.0, 1.0, 1.0, np.r_[base_coef, 1e-6])
        _, lam, k, n, coef = best
        p0 = np.r_[math.log(max(coef[-1], 1e-6)), math.log(k), math.log(n), lam, coef[:-1]]
        lo = np.r_[math.log(1e-9), math.log(0.05), math.log(0.5), 0.0, np.full(X.shape[1], -np.inf)]
        hi = np.r_[
            math.log(1e3), math.log(3.0), math.log(N_MAX), max_decay, np.full(X.shape[1], np.inf)
        ]
        if not decay_free:
            lo[3], hi[3] = 0.0, 1e-9
        if not shape_free:
            lo[2], hi[2] = 0.0, 1e-9
        width = np.where(np.isfinite(hi - lo), hi - lo, 2.0)
        p0 = np.clip(p0, lo + 1e-6 * width, hi - 1e-6 * width)

        def resid(p: np.ndarray) -> np.ndarray:
            a = adstock(xs, p[3]) if decay_free else xs
            n_ = math.exp(p[2]) if shape_free else 1.0
            return X @ p[4:] + hill(a, math.exp(p[0]), math.exp(p[1]), n_) - ys

        free = [0, 1, *([2] if shape_free else []), *([3] if decay_free else [])]
        free += list(range(4, len(p0)))

        def resid_free(q: np.ndarray) -> np.ndarray:
            full = p0.copy()
            full[free] = q
            return resid(full)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = optimize.least_squares(
                resid_free, p0[free], bounds=(lo[free], hi[free]), method="trf", x_scale="jac",
                max_nfev=400,
            )  # fmt: skip
        msg = "" if res.status > 0 else f"optimiser: {res.message}"
        x_full = p0.copy()
        x_full[free] = res.x
        jac = np.zeros((len(ys), len(p0)))
        jac[:, free] = res.jac
        return float(np.sum(res.fun**2)), x_full, jac, msg

    if adstock_mode not in ("auto", "none", "geometric"):
        raise ParameterError(f"adstock_mode={adstock_mode!r}: use auto, none or geometric")
    if shape_mode not in ("auto", "fixed", "estimated"):
        raise ParameterError(f"shape_mode={shape_mode!r}: use auto, fixed or estimated")
    fits = {}
    for ad in ("none", "geometric"):
        if adstock_mode not in ("auto", ad):
            continue
        for shape in ("fixed", "estimated"):
            if shape_mode in ("auto", shape):
                fits[(ad, shape)] = one(ad == "geometric", shape == "estimated")

    def aic(rss: float, k_params: int) -> float:
        return T * math.log(max(rss, 1e-300) / T) + 2 * (k_params + 1)

    n_base = X.shape[1]

    def n_curve(key: tuple[str, str]) -> int:
        return 2 + (key[0] == "geometric") + (key[1] == "estimated")

    aics = {key: aic(f[0], n_base + n_curve(key)) for key, f in fits.items()}
    chosen = min(aics, key=aics.get)
    rss, p, jac, msg = fits[chosen]
    if msg:
        notes.append(msg)
    n_params = n_base + n_curve(chosen)
    dof = max(T - n_params, 1)
    s2 = rss / dof
    free_cols = [
        0,
        1,
        *([2] if chosen[1] == "estimated" else []),
        *([3] if chosen[0] == "geometric" else []),
    ]
    J = jac[:, [*free_cols, *range(4, 4 + n_base)]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = s2 * np.linalg.pinv(J.T @ J)
    cov = np.zeros((3, 3))
    pos = [0, 1, 2] if chosen[1] == "estimated" else [0, 1]
    cov[np.ix_(pos, pos)] = full[np.ix_(range(len(pos)), range(len(pos)))]
    n_hat = min(math.exp(p[2]), N_MAX) if chosen[1] == "estimated" else 1.0
    beta, k, n = math.exp(p[0]) * scale_y, math.exp(p[1]) * scale_x, n_hat
    if beta / scale_y < 1e-6:
        cov[:] = np.nan
        notes.append("no positive response to spend was found (the curve is flat)")
    for name, value, lo_b, hi_b in (  # n = 1 is the concave family's edge, not a fitting limit
        ("shape n", p[2] if chosen[1] == "estimated" else 0.0, math.log(0.5), math.inf),
        ("half-saturation", p[1], math.log(0.05), math.log(3.0)),
    ):
        if min(value - lo_b, hi_b - value) < 1e-4:
            notes.append(f"{name} sits at its bound; its interval is not reliable")
    lr = T * math.log(max(rss0, 1e-300) / max(rss, 1e-300))
    pval = float(stats.chi2.sf(max(lr, 0.0), n_curve(chosen)))
    coef = p[4:] * scale_y
    seasonal = X[:, 2:] @ coef[2:] if harmonics else np.zeros(T)
    level = coef[0] + (beta * float(np.mean(hill(adstock(x, p[3]), 1.0, k, n))))
    index = {}
    for month in range(1, 13):
        angle = [2 * np.pi * h * month / 12.0 for h in range(1, harmonics + 1)]
        row = np.ravel([[math.cos(a), math.sin(a)] for a in angle])
        effect = float(row @ coef[2:]) if harmonics else 0.0
        index[month] = (level + effect) / level if level > 0 else 1.0
    del seasonal
    return ResponseFit(
        channel_id=channel_id, metric=metric, beta=beta, k=k, n=n,
        decay=float(p[3]) if chosen[0] == "geometric" else 0.0, cov=cov, baseline=coef,
        months=T, harmonics=harmonics, rss=rss * scale_y**2, rss_baseline=rss0 * scale_y**2,
        aic=aics[chosen],
        aic_no_adstock=min((v for key, v in aics.items() if key[0] == "none"), default=math.inf),
        aic_adstock=min((v for key, v in aics.items() if key[0] == "geometric"), default=math.inf),
        shape_model=chosen[1],
        lr_pvalue=pval, spend_min=float(x.min()), spend_max=float(x.max()),
        seasonal_index=index, warnings=notes,
    )  # fmt: skip


# -- data ----------------------------------------------------------------------------------------
def _months_through(wb: Workbook) -> str:
    """Label (``YYYY-MM``) of the reporting quarter's last month."""
    end = wb.quarter_bounds[1] - pd.Timedelta(days=1)
    return end.strftime("%Y-%m")


def revenue_driven_costs(
    wb: Workbook, *, max_ratio_cv: float = 0.10, min_lead_gap: float = 0.2
) -> pd.DataFrame:
    """Discretionary cost types that accrue with revenue (co-op, rebates): not a lever.

    Parameters
    ----------
    wb : Workbook
    max_ratio_cv : float
        Largest coefficient of variation of cost ÷ same-month revenue for a revenue-driven cost.
    min_lead_gap : float
        How much the same-month correlation of cost and revenue must exceed the correlation of
        cost with *next* month's revenue (what a lever would show).

    Returns
    -------
    DataFrame
        One row per channel and discretionary cost type: ``channel_id``, ``cost_type``,
        ``months``, ``ratio_mean`` (cost ÷ revenue), ``ratio_cv``, ``corr_same_month``,
        ``corr_next_month``, ``revenue_driven`` (bool), ``reason`` (words).

    Notes
    -----
    A lever is decided before the sales it buys, so its spend leads revenue; a cost that accrues
    as a share of purchases moves with the same month's revenue and keeps a nearly constant ratio
    to it. Both conditions must hold: ratio CV ≤ ``max_ratio_cv`` and
    ``corr(cost_t, revenue_t) − corr(cost_t, revenue_{t+1}) ≥ min_lead_gap`` (Pearson, on the
    months the channel has both). Regressing revenue on such a cost would report a "return" of
    1 / ratio per unit of spend that is pure reverse causation.
    """
    ds = wb.dataset
    last = _months_through(wb)
    costs = metrics.cost_to_serve(ds, period="month", by_cost_type=True)
    costs = costs[(costs["discretionary_cents"] != 0) & (costs["period"] <= last)]
    sales = metrics.summarise(ds, by="channel_id", period="month")
    sales = sales[sales["period"] <= last][["period", "channel_id", "revenue"]]
    rows = []
    for (channel, cost_type), grp in costs.groupby(["channel_id", "cost_type"], sort=True):
        both = (
            grp[["period", "discretionary"]]
            .merge(sales[sales["channel_id"] == channel], on="period", how="inner")
            .sort_values("period")
        )
        c, r = both["discretionary"].to_numpy(float), both["revenue"].to_numpy(float)
        ok = len(both) >= 6 and np.all(r > 0)
        ratio = c / r if ok else np.array([np.nan])
        cv = float(np.std(ratio) / abs(np.mean(ratio))) if ok else math.nan
        same = _corr(c, r) if ok else math.nan
        nxt = _corr(c[:-1], r[1:]) if ok else math.nan
        driven = bool(
            ok and cv <= max_ratio_cv and (same - (0 if np.isnan(nxt) else nxt)) >= min_lead_gap
        )
        reason = (
            f"{cost_type} runs at {np.mean(ratio):.1%} of the same month's revenue (variation "
            f"{cv:.1%}); it moves with this month's revenue (correlation {same:.2f}) more than "
            f"with next month's ({nxt:.2f}): it follows sales, it does not drive them"
            if driven
            else ""
        )
        rows.append(
            (channel, cost_type, len(both), float(np.mean(ratio)), cv, same, nxt, driven, reason)
        )
    cols = ["channel_id", "cost_type", "months", "ratio_mean", "ratio_cv", "corr_same_month",
            "corr_next_month", "revenue_driven", "reason"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def lever_spend(wb: Workbook, *, exclude: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly lever spend per channel with the revenue and gross profit of the month.

    Parameters
    ----------
    wb : Workbook
        Months up to the end of the reporting quarter are used (a partly loaded month after it
        is not).
    exclude : DataFrame, optional
        :func:`revenue_driven_costs` rows; those with ``revenue_driven`` are not lever spend.

    Returns
    -------
    DataFrame
        ``period`` (``YYYY-MM``), ``month`` (1-12), ``quarter``, ``channel_id``, ``spend``
        (discretionary, currency), ``revenue``, ``gross_profit``; one row per channel and month
        from the channel's first month with sales or costs, 0 where a month has none.
    """
    ds = wb.dataset
    last = _months_through(wb)
    costs = metrics.cost_to_serve(ds, period="month", by_cost_type=True)
    costs = costs[costs["period"] <= last]
    if exclude is not None and len(exclude):
        drop = exclude.loc[exclude["revenue_driven"], ["channel_id", "cost_type"]]
        key = costs["channel_id"].astype(str) + "\x00" + costs["cost_type"].astype(str)
        costs = costs[
            ~key.isin(drop["channel_id"].astype(str) + "\x00" + drop["cost_type"].astype(str))
        ]
    spend = costs.groupby(["period", "channel_id"], as_index=False)["discretionary_cents"].sum()
    spend["spend"] = spend["discretionary_cents"].astype("float64") / 100.0
    sales = metrics.summarise(ds, by="channel_id", period="month")
    sales = sales[sales["period"] <= last][["period", "channel_id", "revenue", "gross_profit"]]
    frame = sales.merge(
        spend[["period", "channel_id", "spend"]], on=["period", "channel_id"], how="outer"
    )
    frame[["spend", "revenue", "gross_profit"]] = frame[
        ["spend", "revenue", "gross_profit"]
    ].fillna(0.0)
    periods = metrics.fiscal_periods(ds)[["month_label", "quarter"]]
    frame = frame.merge(periods.rename(columns={"month_label": "period"}), on="period", how="left")
    frame["month"] = frame["period"].str.slice(5, 7).astype(int)
    frame["period"] = frame["period"].astype("string")
    frame["channel_id"] = frame["channel_id"].astype("string")
    frame = frame.sort_values(["channel_id", "period"]).reset_index(drop=True)
    return frame[["period", "month", "quarter", "channel_id", "spend", "revenue", "gross_profit"]]


def objective_metric(wb: Workbook, objective: str = "goals") -> tuple[str, str]:
    """The metric the allocation maximises and why: ``goals`` follows ``managing_for`` of the
    reporting year (revenue → revenue; revenue_and_profit → gross profit)."""
    if objective not in OBJECTIVES:
        raise ParameterError(f"objective={objective!r}: use one of {', '.join(OBJECTIVES)}")
    if objective != "goals":
        return objective, f"objective set to {objective.replace('_', ' ')} by the parameter"
    year = wb.dataset.goals.years.get(wb.year)
    managing = year.managing_for if year is not None else "revenue"
    metric = "gross_profit" if managing == "revenue_and_profit" else "revenue"
    return metric, (
        f"{wb.year} is managed for {managing.replace('_', ' ')} (goals.yaml), so the allocation "
        f"maximises {metric.replace('_', ' ')}"
    )


def fit_channels(
    spend: pd.DataFrame, *, metric: str = "revenue", adstock_mode: str = "auto"
) -> tuple[dict[str, ResponseFit], pd.DataFrame]:
    """Fit :func:`fit_response` for every channel of :func:`lever_spend`.

    Returns
    -------
    (fits, status)
        ``fits``: channel → :class:`ResponseFit` for the channels that could be fitted;
        ``status``: one row per channel: ``channel_id``, ``fitted`` (bool), ``message``.
    """
    fits: dict[str, ResponseFit] = {}
    rows = []
    for channel, grp in spend.groupby("channel_id", sort=True):
        grp = grp.sort_values("period")
        active = grp[(grp["spend"] > 0) | (grp[metric] != 0)]
        grp = grp[grp["period"] >= active["period"].min()] if len(active) else grp.iloc[0:0]
        try:
            fit = fit_response(grp["spend"], grp[metric], grp["month"], channel_id=str(channel),
                               metric=metric, adstock_mode=adstock_mode)  # fmt: skip
        except ParameterError as exc:
            rows.append((str(channel), False, str(exc)))
            continue
        fits[str(channel)] = fit
        rows.append((str(channel), True, "; ".join(fit.warnings)))
    return fits, pd.DataFrame(rows, columns=["channel_id", "fitted", "message"])


def curve_table(fits: Mapping[str, ResponseFit], current: Mapping[str, float]) -> pd.DataFrame:
    """One row per fitted channel: parameters with intervals, test, marginal return at current spend.

    Returns
    -------
    DataFrame
        ``channel_id``, ``metric``, ``current_spend``, ``response_at_current`` (+ ``_low``,
        ``_high``), ``marginal_return`` (response per unit of spend at current spend),
        ``half_saturation`` with ``half_saturation_low/high`` (95%), ``shape``, ``saturation``
        (beta), ``adstock_decay``, ``adstock`` (chosen by AIC), ``lr_pvalue``, ``identified``.
    """
    rows = []
    for ch, f in fits.items():
        s = float(current.get(ch, 0.0))
        resp = float(f.response(s))
        sd = float(f.response_sd(s)[0])
        lo, hi = f.k_interval()
        rows.append({
            "channel_id": ch, "metric": f.metric, "current_spend": s, "response_at_current": resp,
            "response_low": max(resp - Z95 * sd, 0.0), "response_high": resp + Z95 * sd,
            "marginal_return": float(f.marginal(s)), "half_saturation": f.k,
            "half_saturation_low": lo, "half_saturation_high": hi, "shape": f.n,
            "saturation": f.beta, "adstock_decay": f.decay,
            "adstock": "geometric" if f.decay > 0 else "none", "lr_pvalue": f.lr_pvalue,
            "identified": f.identified,
        })  # fmt: skip
    return pd.DataFrame(rows)


# -- allocation ----------------------------------------------------------------------------------
def allocate(
    curves: Mapping[str, ResponseFit] | Mapping[str, tuple[float, float, float]],
    budget: float,
    *,
    current: Mapping[str, float],
    min_share: float = 0.0,
    max_share: float = 1.0,
    max_change: float | None = None,
    hold: Sequence[str] = (),
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

    Returns
    -------
    DataFrame
        One row per channel: ``channel_id``, ``current_spend``, ``spend``, ``change``,
        ``lower``, ``upper`` (bounds used), ``at_bound`` (``lower``/``upper``/``""``),
        ``response`` (expected, per month), ``marginal_return`` at ``spend``. ``attrs``:
        ``total_response``, ``marginal_return`` (the common one of channels not at a bound,
        = the Lagrange multiplier), ``optimizer`` message.

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
    if not isinstance(budget, int | float) or not math.isfinite(budget) or budget < 0:
        raise ParameterError(f"budget must be a number ≥ 0, got {budget!r}")
    if not 0 <= min_share <= max_share <= 1:
        raise ParameterError(f"need 0 ≤ min_share ≤ max_share ≤ 1, got {min_share} and {max_share}")
    if max_change is not None and max_change < 0:
        raise ParameterError(f"max_change must be ≥ 0 (a fraction, 0.3 = 30%), got {max_change}")
    names = list(curves)
    if not names:
        raise ParameterError("no channel with a response curve to allocate to")
    params = np.array([_abc(curves[c]) for c in names], dtype=float)
    cur = np.array([float(current.get(c, math.nan)) for c in names])
    if np.any(~np.isfinite(cur)):
        raise ParameterError(
            f"current spend missing for {', '.join(c for c, v in zip(names, cur, strict=True) if not np.isfinite(v))}"
        )
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
    _, s = best
    marg = np.array([float(hill_marginal(s[i], *params[i])) for i in range(len(s))])
    resp = np.array([float(hill(s[i], *params[i])) for i in range(len(s))])
    tol = 1e-7 * scale
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
    **limits: float | None,
) -> pd.DataFrame:
    """:func:`allocate` at ``budget × m`` for each multiplier (the system's budget-response curve).

    Returns
    -------
    DataFrame
        Long form, one row per scenario and channel: ``scenario`` (``"×1.2"``), ``multiplier``,
        ``budget``, ``channel_id``, ``spend``, ``response``; scenario totals ``total_response``,
        ``total_low``, ``total_high`` (95%), ``marginal_return`` (common marginal return at the
        optimum) and ``feasible``/``message`` (a budget the limits cannot meet is reported, not
        raised).
    """
    measured = [c for c in fits if c not in hold]
    rows = []
    for mult in multipliers:
        b = budget * float(mult)
        label = f"×{float(mult):g}"
        try:
            ref = {c: float(v) * float(mult) for c, v in current.items()}
            alloc = allocate(fits, b, current=ref, hold=hold, **limits)
        except ParameterError as exc:
            rows.append({"scenario": label, "multiplier": float(mult), "budget": b, "channel_id": None,
                         "spend": math.nan, "response": math.nan, "total_response": math.nan,
                         "total_low": math.nan, "total_high": math.nan, "marginal_return": math.nan,
                         "feasible": False, "message": str(exc)})  # fmt: skip
            continue
        total, low, high = allocation_interval(alloc, fits, only=measured)
        for r in alloc.itertuples(index=False):
            rows.append({"scenario": label, "multiplier": float(mult), "budget": b,
                         "channel_id": r.channel_id, "spend": r.spend, "response": r.response,
                         "total_response": total, "total_low": low, "total_high": high,
                         "marginal_return": alloc.attrs["marginal_return"], "feasible": True,
                         "message": ""})  # fmt: skip
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


def curve_points(
    fits: Mapping[str, ResponseFit], alloc: pd.DataFrame | None = None, *, points: int = 60
) -> pd.DataFrame:
    """Each curve on a spend grid with its 95% band, for charts.

    Returns
    -------
    DataFrame
        ``channel_id``, ``spend``, ``response``, ``low``, ``high``, ``marginal_return``; the grid
        runs from 0 to 1.5 × the largest of observed, current and recommended spend.
    """
    frames = []
    for ch, f in fits.items():
        top = f.spend_max
        if alloc is not None:
            sel = alloc[alloc["channel_id"] == ch]
            if len(sel):
                top = max(top, float(sel["spend"].max()), float(sel["current_spend"].max()))
        grid = np.linspace(0.0, 1.5 * top, points)
        resp = f.response(grid)
        sd = np.nan_to_num(f.response_sd(grid))
        frames.append(pd.DataFrame({
            "channel_id": ch, "spend": grid, "response": resp,
            "low": np.maximum(resp - Z95 * sd, 0.0), "high": resp + Z95 * sd,
            "marginal_return": f.marginal(grid),
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame(
            columns=["channel_id", "spend", "response", "low", "high", "marginal_return"]
        )
    return pd.concat(frames, ignore_index=True)


# -- the notebook's one call ---------------------------------------------------------------------
@dataclass
class InvestmentPlan:
    """Everything notebook 03 shows. ``messages`` holds what could not be done, in words; when
    ``ok`` is false the frames are empty and the messages say why."""

    ok: bool
    metric: str
    metric_reason: str
    budget: float
    budget_reason: str
    messages: list[str]
    confounded: pd.DataFrame
    spend: pd.DataFrame
    fit_status: pd.DataFrame
    fits: dict[str, ResponseFit]
    curves: pd.DataFrame
    allocation: pd.DataFrame
    totals: pd.DataFrame
    scenarios: pd.DataFrame
    phasing: pd.DataFrame
    points: pd.DataFrame
    currency: str = ""

    @property
    def break_even(self) -> float | None:
        """Return per unit of spend below which a unit of spend cannot pay for itself: 1.0.

        For gross profit 1.0 is break-even itself; for revenue it is the floor (a unit of spend
        that brings back less than a unit of revenue loses money at any margin), so money above
        it may still not pay: the notebook says so.
        """
        return 1.0

    @property
    def next_unit(self) -> str | None:
        """Where one more unit of budget should go: the measured channel with the highest
        marginal return at the recommended split that is below its upper limit — ``None`` when
        there is none, or when even the best does not reach :attr:`break_even`."""
        a = self.allocation
        if a.empty:
            return None
        room = a[a["measured"] & (a["at_bound"] != "upper") & (a["at_bound"] != "fixed")]
        if room.empty:
            return None
        best = room.sort_values("marginal_return", ascending=False).iloc[0]
        if self.break_even is not None and best["marginal_return"] < self.break_even:
            return None
        return str(best["channel_id"])

    def spend_marks(self) -> pd.DataFrame:
        """Today's and the recommended spend of each measured channel on its curve (for charts).

        Returns
        -------
        DataFrame
            ``channel_id``, ``split`` (``today``/``recommended``), ``spend`` (currency per month),
            ``response`` (expected, per month) and ``marginal_return`` at that spend.
        """
        a = self.allocation[self.allocation["measured"]]
        marks = pd.concat([
            pd.DataFrame({"channel_id": a["channel_id"], "split": "today", "spend": a["current_spend"]}),
            pd.DataFrame({"channel_id": a["channel_id"], "split": "recommended", "spend": a["spend"]}),
        ], ignore_index=True)  # fmt: skip
        marks["response"] = [
            float(self.fits[c].response(s))
            for c, s in zip(marks["channel_id"], marks["spend"], strict=True)
        ]
        marks["marginal_return"] = [
            float(self.fits[c].marginal(s))
            for c, s in zip(marks["channel_id"], marks["spend"], strict=True)
        ]
        return marks

    def parameter_frame(self) -> pd.DataFrame:
        """Every fitted curve's parameters with standard errors and 95% intervals (tidy)."""
        if not self.fits:
            return pd.DataFrame()
        frames = [f.parameters().assign(channel_id=c) for c, f in self.fits.items()]
        out = pd.concat(frames, ignore_index=True)
        return out[["channel_id", "parameter", "estimate", "std_err", "ci_low", "ci_high"]]


def _empty(**kw: object) -> InvestmentPlan:
    e = pd.DataFrame()
    base = dict(ok=False, metric="revenue", metric_reason="", budget=math.nan, budget_reason="",
                messages=[], confounded=e, spend=e, fit_status=e, fits={}, curves=e, allocation=e,
                totals=e, scenarios=e, phasing=e, points=e)  # fmt: skip
    base.update(kw)
    return InvestmentPlan(**base)  # type: ignore[arg-type]


#: The allocation limits a notebook may set, with their defaults.
DEFAULT_LIMITS: dict[str, float] = {"min_share": 0.0, "max_share": 1.0, "max_change": 0.3}


def validate_parameters(
    budget: float | str,
    limits: Mapping[str, float] | None,
    scenarios: Sequence[float],
    objective: str,
) -> dict[str, float]:
    """Check the notebook's parameters; return the limits with defaults filled in.

    Raises
    ------
    ParameterError
        Naming every bad parameter at once.

    Examples
    --------
    >>> validate_parameters("current", {"max_change": 0.2}, [1.0], "goals")["max_change"]
    0.2
    """
    problems = []
    if isinstance(budget, bool) or not (
        budget == "current"
        or (isinstance(budget, int | float) and math.isfinite(budget) and budget >= 0)
    ):
        problems.append(f"budget must be 'current' or an amount per month ≥ 0, got {budget!r}")
    given = dict(limits or {})
    unknown = sorted(set(given) - set(DEFAULT_LIMITS))
    if unknown:
        problems.append(
            f"limits has unknown keys {', '.join(unknown)}; use {', '.join(DEFAULT_LIMITS)}"
        )
    out = {**DEFAULT_LIMITS, **{k: v for k, v in given.items() if k in DEFAULT_LIMITS}}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in out.values()):
        problems.append(f"limits must be numbers, got {given!r}")
    elif not 0 <= out["min_share"] <= out["max_share"] <= 1:
        problems.append(
            f"need 0 ≤ min_share ≤ max_share ≤ 1, got {out['min_share']!r}, {out['max_share']!r}"
        )
    elif out["max_change"] < 0:
        problems.append(f"max_change must be a fraction ≥ 0 (0.3 = 30%), got {out['max_change']!r}")
    if (
        isinstance(scenarios, str)
        or not scenarios
        or not all(
            isinstance(m, int | float) and not isinstance(m, bool) and m > 0 for m in scenarios
        )
    ):
        problems.append(f"scenarios must be a list of budget multipliers > 0, got {scenarios!r}")
    if objective not in OBJECTIVES:
        problems.append(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if problems:
        raise ParameterError("; ".join(problems))
    return {k: float(v) for k, v in out.items()}


def monthly_spend_in_quarter(spend: pd.DataFrame, quarter: str) -> dict[str, float]:
    """Each channel's lever spend per month in one quarter (the quarter's sum ÷ 3).

    Parameters
    ----------
    spend : DataFrame
        :func:`lever_spend` (``quarter``, ``channel_id``, ``spend`` in currency per month).
    quarter : str
        Fiscal quarter label, e.g. ``"FY2026-Q3"``.

    Returns
    -------
    dict of str to float
        Channel → spend per month (currency); only channels with rows in ``quarter``.

    Examples
    --------
    >>> spend = pd.DataFrame({"quarter": ["Q1", "Q1", "Q2", "Q2"], "channel_id": ["A", "B", "A", "A"],
    ...                       "spend": [300.0, 90.0, 60.0, 30.0]})
    >>> monthly_spend_in_quarter(spend, "Q2")
    {'A': 30.0}
    """
    in_quarter = spend[spend["quarter"] == quarter]
    per_month = in_quarter.groupby("channel_id")["spend"].sum() / 3.0
    return {str(c): float(v) for c, v in per_month.items()}


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


def investment_plan(
    wb: Workbook,
    *,
    budget: float | str = "current",
    limits: Mapping[str, float] | None = None,
    scenarios: Sequence[float] = (0.8, 1.0, 1.2, 1.5),
    objective: str = "goals",
    adstock_mode: str = "auto",
) -> InvestmentPlan:
    """Run the investment analysis for a notebook: never raises on degenerate data.

    Parameters
    ----------
    wb : Workbook
    budget : float or "current"
        Discretionary lever budget per month; ``"current"`` = last quarter's monthly lever spend.
    limits : mapping, optional
        ``min_share``, ``max_share`` (fractions of the budget per channel), ``max_change``
        (fraction, against last quarter's spend scaled to the budget); defaults
        :data:`DEFAULT_LIMITS`.
    scenarios : sequence of float
        Budget multipliers for :func:`budget_scenarios`.
    objective : {"goals", "revenue", "gross_profit"}
        See :func:`objective_metric`.
        See :func:`allocate`, :func:`budget_scenarios`, :func:`objective_metric`.

    Returns
    -------
    InvestmentPlan
    """
    limits_ = validate_parameters(budget, limits, scenarios, objective)
    min_share, max_share, max_change = (
        limits_[k] for k in ("min_share", "max_share", "max_change")
    )
    metric, metric_reason = objective_metric(wb, objective)
    ds = wb.dataset
    if not ds.has("channel_costs"):
        return _empty(currency=ds.goals.currency, metric=metric, metric_reason=metric_reason,
                      messages=["Investment allocation needs channel costs. " + ds.missing_note("channel_costs")])  # fmt: skip
    try:
        confounded = revenue_driven_costs(wb)
        spend = lever_spend(wb, exclude=confounded)
    except ChannelLibError as exc:  # pragma: no cover - e.g. no rows
        return _empty(
            currency=ds.goals.currency,
            metric=metric,
            metric_reason=metric_reason,
            messages=[str(exc)],
        )
    current = monthly_spend_in_quarter(spend, wb.quarter)
    current_total = float(sum(current.values()))
    if budget == "current":
        b, reason = (
            current_total,
            f"Budget: {current_total:,.0f} per month, the lever spend of {wb.quarter} (discretionary costs that follow revenue excluded)",
        )
    else:
        b, reason = (
            float(budget),
            f"Budget: {float(budget):,.0f} per month (set by the parameter; {wb.quarter} spent {current_total:,.0f})",
        )
    fits, status = fit_channels(spend, metric=metric, adstock_mode=adstock_mode)
    messages = [f"{r.channel_id}: {r.message}" for r in status.itertuples(index=False)
                if not r.fitted]  # fmt: skip
    n_months = spend["period"].nunique()
    if not fits:
        messages.append(
            f"No channel could be given a response curve ({n_months} months of data up to "
            f"{wb.quarter}); the allocation needs at least {MIN_MONTHS} months in which "
            "discretionary spend varied."
        )
        return _empty(currency=ds.goals.currency, metric=metric, metric_reason=metric_reason, budget=b, budget_reason=reason,
                      messages=messages, confounded=confounded, spend=spend, fit_status=status)  # fmt: skip
    rules = allocation_budget(b, current, {c: f.identified for c, f in fits.items()})
    messages.extend(rules.messages)
    fitted_current, hold, measured = rules.current, list(rules.held), list(rules.measured)
    curves = curve_table(fits, fitted_current)
    limits = dict(min_share=min_share, max_share=max_share, max_change=max_change)
    try:
        alloc = allocate(fits, rules.allocated, current=rules.reference, hold=hold, **limits)
        alloc["current_spend"] = alloc["channel_id"].map(fitted_current)
        alloc["change"] = alloc["spend"] - alloc["current_spend"]
        alloc["measured"] = alloc["channel_id"].isin(measured)
    except ParameterError as exc:
        messages.append(f"No allocation: {exc}.")
        alloc = pd.DataFrame()
    totals = []
    cur_frame = pd.DataFrame(
        {"channel_id": list(fitted_current), "spend": list(fitted_current.values())}
    )
    for name, frame in (("current", cur_frame), ("recommended", alloc)):
        if len(frame):
            e, lo, hi = allocation_interval(frame, fits, only=measured)
            totals.append((name, float(frame["spend"].sum()), e, lo, hi))
    totals_frame = pd.DataFrame(totals, columns=["split", "spend", "expected", "low", "high"])
    scen = budget_scenarios(
        fits, rules.allocated, scenarios, current=rules.reference, hold=hold, **limits
    )
    cal = ds.calendar
    coming = [cal.shift_quarter(wb.quarter, i) for i in range(1, 5)]
    q_months_map = {q: [int(d.month) for d in pd.date_range(*cal.quarter_bounds(q), freq="MS", inclusive="left")]
                    for q in coming}  # fmt: skip
    phasing = (
        phase_spend(fits, alloc, coming, q_months_map, max_change=max_change)
        if len(alloc)
        else pd.DataFrame()
    )
    points = curve_points({c: fits[c] for c in measured}, alloc if len(alloc) else None)
    return InvestmentPlan(
        ok=len(alloc) > 0, metric=metric, metric_reason=metric_reason, budget=b, budget_reason=reason,
        messages=messages, confounded=confounded, spend=spend, fit_status=status, fits=fits,
        curves=curves, allocation=alloc, totals=totals_frame, scenarios=scen, phasing=phasing,
        points=points, currency=ds.goals.currency,
    )  # fmt: skip
