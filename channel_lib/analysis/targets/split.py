"""Exact splits of money in whole minor units of the currency (cents for USD, yen for JPY):
channels by method, partner × quarter grids, profit.

Amounts are integers of the dataset's money unit (``ds.money``: 10^-``money_decimals`` of the
currency); ``step`` is the number of those units in one minor unit (``ds.money.minor_step``), and
every split keeps its parts multiples of it.

- :func:`apportion_steps` — :func:`~channel_lib.core.money.apportion` in whole steps;
- :func:`allocate_channels` — an objective over channels by every method, side by side;
- :func:`channel_targets` — the chosen method's annual channel targets (revenue and profit);
- :func:`split_gross_profit` — a gross-profit objective by revenue × margin;
- :func:`round_grid` — a whole-cent grid keeping row and column sums;
- :func:`~channel_lib.core.money.apportion` (re-exported) — the largest-remainder split itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import pandas as pd

from channel_lib.analysis.targets.settings import (
    BASE_METHODS,
    METHODS,
    TargetSettings,
    check_parameters,
)
from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.money import MoneyUnit, apportion

__all__ = [
    "allocate_channels",
    "apportion",
    "apportion_steps",
    "capped_split",
    "channel_targets",
    "round_grid",
    "split_gross_profit",
]


def _steps(amounts: Sequence[int], step: int, what: str) -> list[int]:
    """``amounts`` as whole numbers of ``step``; a :class:`ParameterError` for any that is not."""
    out = []
    for a in amounts:
        whole, rest = divmod(int(a), step)
        if rest:
            raise ParameterError(
                f"{what} {int(a)} is not a whole number of minor units ({step} exact units "
                "each); round it to the currency's minor unit first (targets.to_minor)"
            )
        out.append(whole)
    return out


def apportion_steps(total_exact: int, weights, *, step: int = 1) -> np.ndarray:
    """Split ``total_exact`` in whole ``step``s in proportion to ``weights`` (largest remainder).

    Parameters
    ----------
    total_exact : int
        The amount (exact units, ≥ 0), a multiple of ``step``.
    weights : sequence of float
        As for :func:`~channel_lib.core.money.apportion`.
    step : int
        Exact units per minor unit of the currency (``ds.money.minor_step``; 1: every unit).

    Returns
    -------
    numpy.ndarray of int64
        Multiples of ``step`` summing exactly to ``total_exact``.

    Raises
    ------
    ParameterError
        When ``total_exact`` is not a multiple of ``step`` (or as :func:`apportion` does).

    Examples
    --------
    >>> apportion_steps(100_000, [1, 1, 1], step=100).tolist()
    [33400, 33300, 33300]
    """
    (whole,) = _steps([total_exact], step, "the amount to split")
    return apportion(whole, weights) * int(step)


def round_grid(
    row_totals: Sequence[int], col_totals: Sequence[int], *, step: int = 1
) -> np.ndarray:
    """Grid in whole ``step``s with the given row and column sums, proportional to ``rᵢ cⱼ / T``.

    Used for partner × quarter targets: rows are partners' annual targets, columns the channel's
    quarterly targets.

    Parameters
    ----------
    row_totals, col_totals : sequence of int
        Non-negative exact amounts, multiples of ``step``; both sum to the same total ``T``.
    step : int
        Exact units per minor unit of the currency (``ds.money.minor_step``; 1: every unit).

    Returns
    -------
    numpy.ndarray of int64, shape (rows, columns)
        Non-negative multiples of ``step``; row sums equal ``row_totals``, column sums
        ``col_totals``.

    Raises
    ------
    ParameterError
        When a total is negative, not a multiple of ``step``, or the sums differ.

    Notes
    -----
    Each cell starts at the floor of its exact quota ``rᵢ cⱼ / T``; row ``i`` then lacks
    ``eᵢ`` steps and column ``j`` lacks ``fⱼ``, with ``Σe = Σf``. The fractional parts form a
    matrix with entries in [0, 1) and these margins, so a 0/1 matrix with the same margins exists
    (integrality of the transportation polytope), and Ryser's greedy construction finds one:
    rows in decreasing ``eᵢ`` each take one cent from the ``eᵢ`` columns with the largest
    remaining need (the grid is built in steps, then scaled). Ryser, H. J. (1957), "Combinatorial properties of matrices of zeros and
    ones", *Canadian Journal of Mathematics* 9, 371–377.

    Examples
    --------
    >>> round_grid([5, 5], [3, 3, 4]).tolist()
    [[2, 1, 2], [1, 2, 2]]
    >>> round_grid([500, 500], [300, 300, 400], step=100).tolist()
    [[200, 100, 200], [100, 200, 200]]
    """
    if any(int(r) < 0 for r in row_totals) or any(int(c) < 0 for c in col_totals):
        raise ParameterError("grid totals must be ≥ 0")
    rows = _steps(row_totals, step, "a grid row total")
    cols = _steps(col_totals, step, "a grid column total")
    total = sum(rows)
    if total != sum(cols):
        raise ParameterError(f"row totals sum to {total} but column totals to {sum(cols)}")
    grid = np.zeros((len(rows), len(cols)), dtype="int64")
    if total == 0:
        return grid
    frac = np.zeros_like(grid)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            grid[i, j], frac[i, j] = divmod(r * c, total)
    need_row = [r - int(grid[i].sum()) for i, r in enumerate(rows)]
    need_col = [c - int(grid[:, j].sum()) for j, c in enumerate(cols)]
    for i in sorted(range(len(rows)), key=lambda i: (-need_row[i], i)):
        choice = sorted(
            (j for j in range(len(cols)) if need_col[j] > 0),
            key=lambda j: (-need_col[j], -frac[i, j], j),
        )[: need_row[i]]
        if len(choice) < need_row[i]:  # pragma: no cover - impossible by Gale–Ryser
            raise ChannelLibError("round_grid: no whole-cent grid found; please report this")
        for j in choice:
            grid[i, j] += 1
            need_col[j] -= 1
    return grid * int(step)


def allocate_channels(
    basis: pd.DataFrame,
    objective_exact: int,
    *,
    blend_weights: Mapping[str, float] | None = None,
    role_weights: Mapping[str, float] | None = None,
    money: MoneyUnit | None = None,
) -> pd.DataFrame:
    """Split an objective over channels by every method, side by side.

    Parameters
    ----------
    basis : DataFrame
        One row per channel: ``channel_id``, ``run_rate`` (≥ 0, currency a year),
        ``role_weight`` (≥ 0), and optionally ``trend`` (forecast of the year) and
        ``potential`` (currency a year); missing or ``NaN`` values fall back to ``run_rate``.
    objective_exact : int
        The objective in exact units of the dataset's money (≥ 0), a whole number of the
        currency's minor units (a multiple of ``money.minor_step``).
    blend_weights : mapping, optional
        Weights of the base methods in the blend (sum 1); default :data:`DEFAULT_BLEND`.
    role_weights : mapping of channel to weight, optional
        Overrides ``basis.role_weight`` for the named channels.
    money : MoneyUnit, optional
        The dataset's money unit (``ds.money``; default: USD at the default decimals): targets
        are apportioned in whole minor units of its currency.

    Returns
    -------
    DataFrame
        One row per method × channel (methods in :data:`METHODS` order): ``method``,
        ``channel_id``, ``share`` (fraction; a method's shares sum to 1), ``target_exact``
        (int64, exact units, multiples of ``money.minor_step``; a method's targets sum to
        ``objective_exact`` exactly), ``target`` (currency).

    Raises
    ------
    ParameterError
        For a negative objective, bad weights or an empty basis.

    Notes
    -----
    history ``∝ run_rate``; trend ``∝ max(forecast, 0)``; role ``∝ run_rate × role_weight``;
    potential ``∝ potential``; blend ``= Σ_m w_m share_m``. A method whose weights are all zero
    splits equally. Targets are apportioned with :func:`apportion`. Raising one channel's role
    weight raises its role (and blend) share and target and lowers every other channel's share,
    with the total unchanged; each other target falls too, but for the cent that rounding may
    leave with a channel whose share fell by less than a cent.

    Examples
    --------
    >>> b = pd.DataFrame({"channel_id": ["A", "B"], "run_rate": [300.0, 100.0],
    ...                   "role_weight": [1.0, 3.0]})
    >>> t = allocate_channels(b, 100_000)
    >>> t[t["method"] == "role"]["target_exact"].tolist()
    [50000, 50000]
    """
    money = money or MoneyUnit()
    if isinstance(objective_exact, bool) or int(objective_exact) != objective_exact:
        raise ParameterError(
            f"objective_exact must be a whole number of exact money units, got {objective_exact!r}"
        )
    if objective_exact < 0:
        raise ParameterError(
            f"the objective must be ≥ 0, got {money.format(int(objective_exact))} {money.currency}"
        )
    if basis.empty:
        raise ParameterError("no channel to set targets for")
    bw = check_parameters(blend_weights=blend_weights)
    ids = basis["channel_id"].astype(str).tolist()
    raw = _method_shares(basis, _role_weights(basis, ids, role_weights))
    raw["blend"] = sum(bw[m] * raw[m] for m in BASE_METHODS)
    frames = []
    for m in METHODS:
        parts = apportion_steps(int(objective_exact), raw[m], step=money.minor_step)
        frames.append(
            pd.DataFrame({"method": m, "channel_id": ids, "share": raw[m], "target_exact": parts})
        )
    out = pd.concat(frames, ignore_index=True)
    out["target_exact"] = out["target_exact"].astype("int64")
    out["target"] = money.amount(out["target_exact"])
    out["method"] = out["method"].astype("string")
    out["channel_id"] = out["channel_id"].astype("string")
    return out


def _role_weights(
    basis: pd.DataFrame, ids: list[str], overrides: Mapping[str, float] | None
) -> np.ndarray:
    """``basis.role_weight`` with the named channels' weights replaced by ``overrides``."""
    rw = basis["role_weight"].astype("float64").to_numpy().copy()
    for c, v in (overrides or {}).items():
        if c not in ids:
            raise ParameterError(f"role_weights names channel {c!r}, not one of {', '.join(ids)}")
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise ParameterError(f"role weight of {c} must be a number ≥ 0, got {v!r}")
        rw[ids.index(c)] = float(v)
    return rw


def _shares(w: np.ndarray) -> np.ndarray:
    """``w`` as shares summing to 1; all zero: equal shares."""
    s = w.sum()
    return w / s if s > 0 else np.full(len(w), 1 / len(w))


def _method_shares(basis: pd.DataFrame, role_weights: np.ndarray) -> dict[str, np.ndarray]:
    """Each base method's channel shares (the rules in :func:`allocate_channels`)."""
    run_rate = basis["run_rate"].astype("float64").fillna(0.0).clip(lower=0).to_numpy()

    def column(name: str) -> np.ndarray:
        if name not in basis:
            return run_rate
        v = basis[name].astype("float64").to_numpy()
        return np.where(np.isnan(v), run_rate, np.clip(v, 0, None))

    return {
        "history": _shares(run_rate),
        "trend": _shares(column("trend")),
        "role": _shares(run_rate * role_weights),
        "potential": _shares(column("potential")),
    }


def split_gross_profit(
    total: int | None, revenue_exact: np.ndarray, margins: np.ndarray, *, step: int = 1
) -> np.ndarray:
    """Split a gross-profit objective in proportion to revenue target × gross margin.

    Parameters
    ----------
    total : int or None
        The gross-profit objective to split (exact units, ≥ 0, a multiple of ``step``); ``None``
        when the year is not managed for profit.
    revenue_exact : numpy.ndarray of int
        Each part's revenue target (exact units): channels, or a channel's partners.
    margins : numpy.ndarray of float
        Each part's gross margin (fraction; ``NaN`` and negative margins count as 0).
    step : int
        Exact units per minor unit of the currency (``ds.money.minor_step``).

    Returns
    -------
    numpy.ndarray of int64
        Gross-profit targets (multiples of ``step``) summing exactly to ``total``
        (:func:`apportion_steps`); all 0 when ``total`` is ``None``.

    Notes
    -----
    The weight of a part is ``revenue × max(margin, 0)``, so a part's profit target follows its
    margin structure. Where no part has a positive weight, the split follows revenue alone.

    Examples
    --------
    >>> split_gross_profit(1000, np.array([600, 400]), np.array([0.5, 0.25])).tolist()
    [750, 250]
    >>> split_gross_profit(1000, np.array([600, 400]), np.array([np.nan, -0.1])).tolist()
    [600, 400]
    >>> split_gross_profit(None, np.array([600, 400]), np.array([0.5, 0.25])).tolist()
    [0, 0]
    """
    if total is None:
        return np.zeros(len(revenue_exact), dtype="int64")
    w = revenue_exact.astype("float64") * np.clip(np.nan_to_num(margins, nan=0.0), 0, None)
    if len(w) and w.sum() <= 0:
        w = revenue_exact.astype("float64")
    return apportion_steps(total, w, step=step)


def channel_targets(
    basis: pd.DataFrame, methods: pd.DataFrame, settings: TargetSettings
) -> pd.DataFrame:
    """The annual channel targets of the chosen method (``methods["chosen"]``).

    Parameters
    ----------
    basis : DataFrame
        :func:`~channel_lib.analysis.targets.basis.channel_basis` (``channel_id``,
        ``channel_name``, ``role``, ``role_weight``, ``run_rate``, ``gross_margin``).
    methods : DataFrame
        :func:`allocate_channels` with a ``chosen`` column (True for one method's rows).
    settings : TargetSettings
        Its ``gross_profit_objective_exact`` (``None``: revenue targets only).

    Returns
    -------
    DataFrame
        ``basis``'s columns above, ``revenue_target_exact`` (int64, summing to the objective), ``gross_profit_target_exact``
        (:func:`split_gross_profit`; 0 when managing for revenue only), ``revenue_target``,
        ``gross_profit_target`` (currency; ``NaN`` for revenue only) and ``growth`` (target ÷
        run rate − 1).
    """
    chosen = methods[methods["chosen"]].set_index("channel_id")
    ch = basis[
        ["channel_id", "channel_name", "role", "role_weight", "run_rate", "gross_margin"]
    ].copy()
    ch["revenue_target_exact"] = ch["channel_id"].map(chosen["target_exact"]).astype("int64")
    money = settings.money
    ch["gross_profit_target_exact"] = split_gross_profit(
        settings.gross_profit_objective_exact,
        ch["revenue_target_exact"].to_numpy(),
        ch["gross_margin"].to_numpy(),
        step=money.minor_step,
    )
    ch["revenue_target"] = money.amount(ch["revenue_target_exact"])
    ch["gross_profit_target"] = (
        money.amount(ch["gross_profit_target_exact"])
        if settings.gross_profit_objective_exact is not None
        else np.nan
    )
    ch["growth"] = ch["revenue_target"] / ch["run_rate"].where(ch["run_rate"] > 0) - 1
    return ch


def capped_split(pool: int, weights, lower, upper, *, step: int = 1) -> tuple[np.ndarray, int]:
    """Split ``pool`` in proportion to ``weights``, each part within its bounds; say what is left.

    Parameters
    ----------
    pool : int
        The amount to place (exact units, ≥ 0), a multiple of ``step``.
    weights : sequence of float
        Each part's desired share (≥ 0, any scale): parts move together, ``k × weight``.
    lower, upper : sequence of int or float
        Each part's bounds (exact units; ``upper`` may be ``inf``: no cap). ``lower`` is rounded
        up and ``upper`` down to whole ``step``s; a lower bound above the upper bound gives way
        to it.
    step : int
        Exact units per minor unit of the currency (``ds.money.minor_step``).

    Returns
    -------
    (numpy.ndarray of int64, int)
        The parts (multiples of ``step``, each within its bounds) and the **unallocated**
        remainder, ``pool − Σ parts``: positive when every part is at its upper bound (the caps
        leave money unplaced), negative when the lower bounds alone exceed the pool, else 0.

    Notes
    -----
    Water-filling: the common factor ``k`` with ``Σ clip(k wᵢ, lowᵢ, upᵢ) = pool`` is found by
    bisection; the parts held at a bound keep it, and what is left is apportioned in whole
    steps over the parts between their bounds (largest remainder), so the residual a cap leaves
    is spread over the uncapped parts in proportion to their weights. A part that the rounding
    pushes past its bound is held there and the rest apportioned again.

    Examples
    --------
    >>> parts, left = capped_split(1000, [1, 1, 2], [0, 0, 0], [100, 10**9, 10**9])
    >>> parts.tolist(), left
    ([100, 300, 600], 0)
    >>> capped_split(1000, [1, 1], [0, 0], [300, 400])[1]  # both capped: 300 unallocated
    300
    """
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype="float64"), nan=0.0), 0, None)
    n = len(w)
    (pool_steps,) = _steps([pool], step, "the amount to split")
    lo = np.array([math.ceil(Fraction(x) / step) if math.isfinite(x) else 0 for x in _fr(lower)],
                  dtype="int64")  # fmt: skip
    big = 2**62 // max(n, 1)  # "no cap": more than any pool, and their sum still fits int64
    hi = np.array([math.floor(Fraction(x) / step) if math.isfinite(x) else big for x in _fr(upper)],
                  dtype="int64")  # fmt: skip
    lo = np.minimum(lo, hi)
    if n == 0:
        return np.zeros(0, dtype="int64"), int(pool)
    if pool_steps <= int(lo.sum()):
        return lo * step, int(pool_steps - int(lo.sum())) * step
    reach = np.where(w > 0, hi, lo)
    most = sum(int(v) for v in reach)  # Python ints: "no cap" bounds would overflow int64
    if pool_steps >= most:
        return reach * step, int(pool_steps - most) * step

    def filled(k: float) -> float:
        return float(np.clip(k * w, lo, hi).sum())

    k_lo, k_hi = 0.0, 1.0
    while filled(k_hi) < pool_steps:
        k_hi *= 2
    for _ in range(200):
        mid = (k_lo + k_hi) / 2
        k_lo, k_hi = (mid, k_hi) if filled(mid) < pool_steps else (k_lo, mid)
    k = k_hi
    fixed = np.full(n, -1, dtype="int64")
    fixed[k * w <= lo] = lo[k * w <= lo]
    fixed[(k * w >= hi) & (fixed < 0)] = hi[(k * w >= hi) & (fixed < 0)]
    for _ in range(n + 1):
        free = fixed < 0
        rest = pool_steps - int(fixed[~free].sum())
        if not free.any() or rest < 0:
            parts = np.where(free, lo, fixed)
            return parts * step, int(pool_steps - int(parts.sum())) * step
        parts = fixed.copy()
        parts[free] = apportion(rest, w[free])
        over, under = free & (parts > hi), free & (parts < lo)
        if not (over.any() or under.any()):
            return parts * step, 0
        fixed[over], fixed[under] = hi[over], lo[under]
    raise ChannelLibError("capped_split did not settle; please report this")  # pragma: no cover


def _fr(values) -> list:
    """Bounds as exact Fractions (``inf`` kept as a float)."""
    out = []
    for v in values:
        v = float(v) if not isinstance(v, int | Fraction) else v
        out.append(v if isinstance(v, float) and not math.isfinite(v) else Fraction(v))
    return out
