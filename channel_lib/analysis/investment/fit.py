"""Fitting one channel's response curve: a trend-and-season baseline plus a Hill curve on
(optionally adstocked) spend, by non-linear least squares, with the model chosen by AIC.

:func:`fit_response` is the one public function; the helpers below are its steps — scale the
data (:class:`_Problem`), start each candidate from a grid (:func:`_grid_start`), refine it
(:func:`_refine`), choose by AIC and read off the covariance, the notes and the seasonal index.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from channel_lib.analysis.investment.response import (
    MIN_MONTHS,
    N_MAX,
    ResponseFit,
    adstock,
    hill,
)
from channel_lib.core.errors import ParameterError

__all__ = ["fit_response"]

#: A fitted candidate: residual sum of squares (scaled), the full parameter vector
#: ``(log beta, log k, log n, λ, baseline...)``, the Jacobian and the optimiser's message.
_Candidate = tuple[float, np.ndarray, np.ndarray, str]
#: A candidate model: (adstock ``"none"``/``"geometric"``, shape ``"fixed"``/``"estimated"``).
_Key = tuple[str, str]


def _baseline_design(months: np.ndarray, harmonics: int) -> np.ndarray:
    """Intercept, linear trend (years) and ``harmonics`` Fourier pairs of the calendar month."""
    t = np.arange(len(months)) / 12.0
    cols = [np.ones(len(months)), t - t.mean()]
    for h in range(1, harmonics + 1):
        angle = 2 * np.pi * h * months / 12.0
        cols += [np.cos(angle), np.sin(angle)]
    return np.column_stack(cols)


def _harmonics(n_months: int) -> int:
    """Fourier pairs of the baseline: two from 24 months, one from 12, none below."""
    return 2 if n_months >= 24 else (1 if n_months >= 12 else 0)


def _check_spend(x: np.ndarray, channel_id: str) -> None:
    """Raise when the spend cannot carry a curve: too short, never positive, constant, sparse."""
    who = channel_id or "channel"
    if len(x) < MIN_MONTHS:
        raise ParameterError(
            f"{who}: {len(x)} months of spend and sales; a response curve "
            f"needs at least {MIN_MONTHS}"
        )
    if not np.any(x > 0):
        raise ParameterError(f"{who}: discretionary spend is zero in every month")
    if np.ptp(x) <= 1e-9 * max(abs(x).max(), 1.0):
        raise ParameterError(
            f"{who}: spend was the same every month ({x[0]:,.0f}); "
            "a response cannot be read from spend that never varied"
        )
    if int(np.sum(x > 0)) < MIN_MONTHS:
        raise ParameterError(
            f"{who}: spend in only {int(np.sum(x > 0))} of {len(x)} months; "
            f"a response curve needs at least {MIN_MONTHS} months with spend"
        )


def _check_modes(adstock_mode: str, shape_mode: str) -> None:
    if adstock_mode not in ("auto", "none", "geometric"):
        raise ParameterError(f"adstock_mode={adstock_mode!r}: use auto, none or geometric")
    if shape_mode not in ("auto", "fixed", "estimated"):
        raise ParameterError(f"shape_mode={shape_mode!r}: use auto, fixed or estimated")


@dataclass(frozen=True)
class _Problem:
    """One channel's fit on scaled data: spend ÷ its maximum, response ÷ its standard deviation.

    ``X`` is the baseline design, ``base_coef`` and ``rss0`` the baseline-only fit.
    """

    x: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    X: np.ndarray
    harmonics: int
    scale_x: float
    scale_y: float
    base_coef: np.ndarray
    rss0: float
    max_decay: float

    @classmethod
    def scaled(cls, x: np.ndarray, y: np.ndarray, m: np.ndarray, max_decay: float) -> _Problem:
        harmonics = _harmonics(len(x))
        X = _baseline_design(m, harmonics)
        scale_x = float(x.max())
        scale_y = float(np.std(y)) or 1.0
        xs, ys = x / scale_x, y / scale_y
        base_coef, *_ = np.linalg.lstsq(X, ys, rcond=None)
        rss0 = float(np.sum((X @ base_coef - ys) ** 2))
        return cls(x, xs, ys, X, harmonics, scale_x, scale_y, base_coef, rss0, max_decay)

    @property
    def months(self) -> int:
        return len(self.x)

    @property
    def n_base(self) -> int:
        return self.X.shape[1]


def _free(decay_free: bool, shape_free: bool) -> list[int]:
    """Positions of the curve's free parameters in ``(log beta, log k, log n, λ)``."""
    return [0, 1, *([2] if shape_free else []), *([3] if decay_free else [])]


def _grid_start(prob: _Problem, decay_free: bool, shape_free: bool) -> tuple:
    """The best ``(λ, k, n, linear coefficients)`` of a grid, the linear part profiled out."""
    grid_decay = np.linspace(0.0, prob.max_decay, 5) if decay_free else [0.0]
    best = None
    for lam in grid_decay:
        a = adstock(prob.xs, lam)
        for k in np.geomspace(0.05, 3.0, 18):
            for n in (0.5, 0.7, 1.0) if shape_free else (1.0,):
                h = hill(a, 1.0, k, n)
                A = np.column_stack([prob.X, h])
                coef, *_ = np.linalg.lstsq(A, prob.ys, rcond=None)
                if coef[-1] <= 0:
                    continue
                rss = float(np.sum((A @ coef - prob.ys) ** 2))
                if best is None or rss < best[0]:
                    best = (rss, lam, k, n, coef)
    if best is None:  # no positive response anywhere on the grid
        best = (prob.rss0, 0.0, 1.0, 1.0, np.r_[prob.base_coef, 1e-6])
    return best[1:]


def _start_and_bounds(
    prob: _Problem, start: tuple, decay_free: bool, shape_free: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start vector and bounds of ``(log beta, log k, log n, λ, baseline...)``."""
    lam, k, n, coef = start
    nb = prob.n_base
    p0 = np.r_[math.log(max(coef[-1], 1e-6)), math.log(k), math.log(n), lam, coef[:-1]]
    lo = np.r_[math.log(1e-9), math.log(0.05), math.log(0.5), 0.0, np.full(nb, -np.inf)]
    hi = np.r_[math.log(1e3), math.log(3.0), math.log(N_MAX), prob.max_decay, np.full(nb, np.inf)]
    if not decay_free:
        lo[3], hi[3] = 0.0, 1e-9
    if not shape_free:
        lo[2], hi[2] = 0.0, 1e-9
    width = np.where(np.isfinite(hi - lo), hi - lo, 2.0)
    return np.clip(p0, lo + 1e-6 * width, hi - 1e-6 * width), lo, hi


def _refine(prob: _Problem, decay_free: bool, shape_free: bool) -> _Candidate:
    """Least-squares fit of one candidate (trust-region reflective) from its grid start."""
    start = _grid_start(prob, decay_free, shape_free)
    p0, lo, hi = _start_and_bounds(prob, start, decay_free, shape_free)
    xs, ys, X = prob.xs, prob.ys, prob.X

    def resid(p: np.ndarray) -> np.ndarray:
        a = adstock(xs, p[3]) if decay_free else xs
        n_ = math.exp(p[2]) if shape_free else 1.0
        return X @ p[4:] + hill(a, math.exp(p[0]), math.exp(p[1]), n_) - ys

    free = _free(decay_free, shape_free) + list(range(4, len(p0)))

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


def _fit_candidates(prob: _Problem, adstock_mode: str, shape_mode: str) -> dict[_Key, _Candidate]:
    """Every candidate the modes allow, fitted, in a fixed order."""
    fits = {}
    for ad in ("none", "geometric"):
        if adstock_mode not in ("auto", ad):
            continue
        for shape in ("fixed", "estimated"):
            if shape_mode in ("auto", shape):
                fits[(ad, shape)] = _refine(prob, ad == "geometric", shape == "estimated")
    return fits


def _n_curve(key: _Key) -> int:
    """Free parameters of a candidate's curve (beta, k; λ with adstock; n when estimated)."""
    return 2 + (key[0] == "geometric") + (key[1] == "estimated")


def _aics(prob: _Problem, fits: dict[_Key, _Candidate]) -> dict[_Key, float]:
    """Gaussian AIC of each candidate."""
    T = prob.months
    return {
        key: T * math.log(max(f[0], 1e-300) / T) + 2 * (prob.n_base + _n_curve(key) + 1)
        for key, f in fits.items()
    }


def _covariance(prob: _Problem, rss: float, jac: np.ndarray, chosen: _Key) -> np.ndarray:
    """Covariance ``s² (JᵀJ)⁻¹`` of ``(log beta, log k, log n)`` (zero for a fixed shape)."""
    dof = max(prob.months - (prob.n_base + _n_curve(chosen)), 1)
    s2 = rss / dof
    free_cols = _free(chosen[0] == "geometric", chosen[1] == "estimated")
    J = jac[:, [*free_cols, *range(4, 4 + prob.n_base)]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = s2 * np.linalg.pinv(J.T @ J)
    cov = np.zeros((3, 3))
    pos = [0, 1, 2] if chosen[1] == "estimated" else [0, 1]
    cov[np.ix_(pos, pos)] = full[np.ix_(range(len(pos)), range(len(pos)))]
    return cov


def _at_bound(p: np.ndarray, estimated: bool) -> tuple[str, ...]:
    """The shape or half-saturation that sits at its fitting bound (n = 1 is the concave
    family's edge, not a fitting limit)."""
    out = []
    for name, value, lo_b, hi_b in (
        ("shape", p[2] if estimated else 0.0, math.log(0.5), math.inf),
        ("half_saturation", p[1], math.log(0.05), math.log(3.0)),
        ("saturation", p[0], -math.inf, math.log(1e3)),
    ):
        if min(value - lo_b, hi_b - value) < 1e-4:
            out.append(name)
    return tuple(out)


def _bound_notes(at_bound: tuple[str, ...]) -> list[str]:
    """A note for each parameter that sits at its bound."""
    names = {"shape": "shape n", "half_saturation": "half-saturation", "saturation": "saturation"}
    return [f"{names[p]} sits at its bound; its interval is not reliable" for p in at_bound]


def _seasonal_index(coef: np.ndarray, harmonics: int, level: float) -> dict[int, float]:
    """Calendar month → the baseline's seasonal factor around ``level`` (mean 1)."""
    index = {}
    for month in range(1, 13):
        angle = [2 * np.pi * h * month / 12.0 for h in range(1, harmonics + 1)]
        row = np.ravel([[math.cos(a), math.sin(a)] for a in angle])
        effect = float(row @ coef[2:]) if harmonics else 0.0
        index[month] = (level + effect) / level if level > 0 else 1.0
    return index


def _result(
    prob: _Problem, fits: dict[_Key, _Candidate], channel_id: str, metric: str
) -> ResponseFit:
    """The lowest-AIC candidate as a :class:`ResponseFit` in the data's units."""
    aics = _aics(prob, fits)
    chosen = min(aics, key=aics.get)
    rss, p, jac, msg = fits[chosen]
    notes = [msg] if msg else []
    cov = _covariance(prob, rss, jac, chosen)
    estimated, geometric = chosen[1] == "estimated", chosen[0] == "geometric"
    n = min(math.exp(p[2]), N_MAX) if estimated else 1.0
    beta, k = math.exp(p[0]) * prob.scale_y, math.exp(p[1]) * prob.scale_x
    if beta / prob.scale_y < 1e-6:
        cov[:] = np.nan
        notes.append("no positive response to spend was found (the curve is flat)")
    at_bound = _at_bound(p, estimated)
    notes += _bound_notes(at_bound)
    T, x, sy2 = prob.months, prob.x, prob.scale_y**2
    lr = T * math.log(max(prob.rss0, 1e-300) / max(rss, 1e-300))
    coef = p[4:] * prob.scale_y
    level = coef[0] + (beta * float(np.mean(hill(adstock(x, p[3]), 1.0, k, n))))
    return ResponseFit(
        channel_id=channel_id, metric=metric, beta=beta, k=k, n=n,
        decay=float(p[3]) if geometric else 0.0, cov=cov, baseline=coef,
        months=T, harmonics=prob.harmonics, rss=rss * sy2, rss_baseline=prob.rss0 * sy2,
        aic=aics[chosen],
        aic_no_adstock=min((v for key, v in aics.items() if key[0] == "none"), default=math.inf),
        aic_adstock=min((v for key, v in aics.items() if key[0] == "geometric"), default=math.inf),
        shape_model=chosen[1],
        lr_pvalue=float(stats.chi2.sf(max(lr, 0.0), _n_curve(chosen))),
        spend_min=float(x.min()), spend_max=float(x.max()),
        seasonal_index=_seasonal_index(coef, prob.harmonics, level), warnings=notes,
        spend_mean=float(x.mean()), metric_mean=float(prob.ys.mean() * prob.scale_y),
        at_bound=at_bound,
    )  # fmt: skip


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
    _check_spend(x, channel_id)
    prob = _Problem.scaled(x, y, m, max_decay)
    _check_modes(adstock_mode, shape_mode)
    return _result(prob, _fit_candidates(prob, adstock_mode, shape_mode), channel_id, metric)
