"""The response curve of one channel: the Hill saturation, adstock carry-over and the fitted
curve (:class:`ResponseFit`) with its parameters, covariance and intervals.

Why the curves are concave only (``n <= 1``) is explained in :mod:`channel_lib.analysis.investment`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import signal, stats

__all__ = [
    "MAX_INTERVAL_RATIO",
    "MIN_MONTHS",
    "N_MAX",
    "Z95",
    "ResponseFit",
    "adstock",
    "hill",
    "hill_marginal",
]

#: Fewest months of spend and sales a response curve is fitted on.
MIN_MONTHS = 12
#: Largest Hill shape fitted: ``n <= 1`` keeps every curve concave (module notes).
N_MAX = 1.0
#: Two-sided 95% standard-normal quantile (≈ 1.96) of this package's Wald intervals.
Z95 = float(stats.norm.ppf(0.975))
#: A parameter whose 95% interval reaches beyond this many times its estimate (either side) is
#: not identified (:meth:`ResponseFit.identification`).
MAX_INTERVAL_RATIO = 100.0


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
    spend_min, spend_max, spend_mean : float
        Smallest, largest and mean monthly spend fitted (currency per month).
    metric_mean : float
        Mean monthly metric (revenue or gross profit) over the months fitted: what the channel
        earns, the ceiling of any response to its spend (:meth:`identification`).
    seasonal_index : dict of int to float
        Calendar month → baseline seasonal factor (mean 1), for phasing.
    at_bound : tuple of str
        Curve parameters the optimiser left at a fitting bound (``"half_saturation"``,
        ``"shape"``, ``"saturation"``).
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
    spend_mean: float = math.nan
    metric_mean: float = math.nan
    at_bound: tuple[str, ...] = ()

    @property
    def identified(self) -> bool:
        """Whether the data identify the curve: :meth:`identification`'s verdict."""
        return self.identification()[0]

    def identification(self) -> tuple[bool, str]:
        """Whether the data identify the response curve, and if not, why (in words).

        Returns
        -------
        (bool, str)
            ``(True, "")`` for a measurable channel; otherwise ``False`` and every reason,
            joined by ``"; "``.

        Notes
        -----
        A curve is *not measurable* when any of these holds:

        1. the likelihood-ratio test of the spend term against the baseline alone is not
           significant (p ≥ 0.05) or the saturation is 0 (a flat curve);
        2. the half-saturation or the saturation sits at its fitting bound (the optimiser stopped
           at the edge, so the estimate and its Wald interval say nothing; a shape at 0.5 or 1 is
           the edge of the concave family, not of the data, and is only noted in
           :attr:`warnings`);
        3. the 95% interval of the saturation or of the half-saturation is unbounded (no standard
           error) or wider than :data:`MAX_INTERVAL_RATIO` × its estimate on either side;
        4. the expected response at the channel's mean monthly spend exceeds the channel's mean
           monthly revenue or gross profit (:attr:`metric_mean`): spend cannot earn more than the
           channel earns in all.

        Examples
        --------
        >>> rng = np.random.default_rng(1)
        >>> from channel_lib.analysis.investment.fit import fit_response
        >>> spend = rng.uniform(10, 400, 36)
        >>> y = 1000 + rng.normal(0, 10, 36)  # no response at all
        >>> ok, reason = fit_response(spend, y, np.arange(36) % 12 + 1).identification()
        >>> ok, reason.startswith("no response to spend")
        (False, True)
        """
        reasons = []
        if not (self.lr_pvalue < 0.05 and self.beta > 0):
            reasons.append(
                "no response to spend stands out from trend and season (likelihood-ratio "
                f"test p = {self.lr_pvalue:.2f}, 0.05 needed)"
            )
        names = {"half_saturation": "half-saturation", "shape": "shape", "saturation": "saturation"}
        reasons += [  # the shape's bounds are the concave family's own edges, not a failed fit
            f"the {names.get(p, p)} sits at the edge of the range fitted"
            for p in self.at_bound
            if p != "shape"
        ]
        wide = [name for i, name in ((0, "saturation"), (1, "half-saturation"))
                if not _exp(Z95 * float(self.cov[i, i]) ** 0.5) <= MAX_INTERVAL_RATIO]  # fmt: skip
        if wide:
            reasons.append(
                f"the 95% interval of the {' and the '.join(wide)} is unbounded or spans more "
                f"than {MAX_INTERVAL_RATIO:g} times the estimate"
            )
        if math.isfinite(self.spend_mean) and math.isfinite(self.metric_mean):
            at_mean = float(self.response(self.spend_mean))
            if at_mean > max(self.metric_mean, 0.0):
                what = self.metric.replace("_", " ")
                reasons.append(
                    f"the response at its mean spend ({at_mean:,.0f} a month) would exceed the "
                    f"channel's whole monthly {what} ({self.metric_mean:,.0f})"
                )
        return (not reasons, "; ".join(reasons))

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
