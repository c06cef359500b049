"""Revenue concentration: each entity's share, the top-N share, the HHI and dependencies."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from channel_lib.core.errors import ParameterError
from channel_lib.data.cube.sums import cube_sums
from channel_lib.data.cube.terms import DIMENSIONS, add_money, ratio
from channel_lib.data.dataset import Dataset


# -- concentration -----------------------------------------------------------------------------------
def herfindahl(amounts: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Herfindahl–Hirschman index of the positive amounts: Σ shareᵢ².

    Parameters
    ----------
    amounts : array-like of numbers
        Revenue per entity (any unit); zero and negative amounts are left out.

    Returns
    -------
    float
        In (0, 1]: 1 = one entity holds everything, 1/n = n equal entities; ``NaN`` when no
        amount is positive.

    Notes
    -----
    Rhoades, S. A. (1993), "The Herfindahl-Hirschman Index", *Federal Reserve Bulletin* 79,
    188–189. The index is a fraction here (the antitrust convention multiplies by 10 000).

    Examples
    --------
    >>> herfindahl([50, 30, 20])
    0.38
    >>> herfindahl([7])
    1.0
    """
    a = np.asarray(amounts, dtype="float64")
    a = a[a > 0]
    if a.size == 0:
        return float("nan")
    shares = a / a.sum()
    return float(np.round((shares**2).sum(), 15))


def top_share(amounts: Sequence[float] | np.ndarray | pd.Series, n: int = 3) -> float:
    """Share of the ``n`` largest positive amounts in the positive total.

    Examples
    --------
    >>> top_share([50, 30, 20], n=2)
    0.8
    """
    a = np.asarray(amounts, dtype="float64")
    a = np.sort(a[a > 0])[::-1]
    if a.size == 0:
        return float("nan")
    return float(a[:n].sum() / a.sum())


def _single_dimension(by: str) -> str:
    if not isinstance(by, str) or by not in DIMENSIONS:
        raise ParameterError(f"by={by!r}: concentration is over one of {', '.join(DIMENSIONS)}")
    return by


def revenue_shares(
    ds: Dataset,
    *,
    by: str = "channel_id",
    period: str = "quarter",
    periods: Sequence[str] | None = None,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Each entity's share of the period's revenue, ranked, with the dependency flag.

    Parameters
    ----------
    ds : Dataset
    by : {"channel_id", "partner_id", "customer_id", "product_line"}
        The dimension whose concentration is measured. For ``partner_id`` direct sales (no
        partner) are left out: the shares are of revenue through partners.
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.
    threshold : float, optional
        Share at or above which an entity is a dependency risk; default
        ``ds.goals.signals.dependency_share`` (0.30 unless ``goals.yaml`` says otherwise).

    Returns
    -------
    DataFrame
        One row per period and entity with positive revenue, by period then rank:

        - ``period``, ``period_start``, ``dimension`` (the ``by`` name), ``entity_id``.
        - ``revenue`` (float), ``revenue_exact`` (int64).
        - ``share`` (fraction of the period's positive revenue; shares of a period sum to 1).
        - ``rank`` (int, 1 = largest), ``threshold`` (float), ``dependency`` (bool: share ≥
          threshold).

    Notes
    -----
    Entities with zero or negative net revenue in a period (credit notes only) are left out, so
    shares lie in (0, 1].

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> s = revenue_shares(ds, by="channel_id", period="quarter", periods=["FY2026-Q3"])
    >>> s[["entity_id", "share", "rank", "dependency"]].round(4)
      entity_id   share  rank  dependency
    0       DIR  0.6944     1        True
    1       WEB  0.2315     2       False
    2      DIST  0.0741     3       False
    """
    dim = _single_dimension(by)
    if threshold is None:
        threshold = float(ds.goals.signals.dependency_share)
    if not 0 < threshold <= 1:
        raise ParameterError(f"threshold={threshold!r}: a share threshold lies in (0, 1]")
    frame = cube_sums(ds, by=[dim], period=period, periods=periods)
    frame = frame[frame[dim].notna() & (frame["revenue_exact"] > 0)]
    frame = frame[["period", "period_start", dim, "revenue_exact"]].rename(
        columns={dim: "entity_id"}
    )
    totals = frame.groupby("period", sort=False)["revenue_exact"].transform("sum")
    frame["share"] = ratio(frame["revenue_exact"], totals)
    frame = frame.sort_values(
        ["period_start", "revenue_exact", "entity_id"], ascending=[True, False, True]
    )
    frame["rank"] = frame.groupby("period", sort=False).cumcount().astype("int64") + 1
    frame.insert(2, "dimension", dim)
    add_money(frame, ds.money, "revenue")
    frame["threshold"] = float(threshold)
    frame["dependency"] = frame["share"] >= threshold
    order = [
        "period", "period_start", "dimension", "entity_id", "revenue", "share", "rank",
        "threshold", "dependency", "revenue_exact",
    ]  # fmt: skip
    return frame[order].reset_index(drop=True)


def concentration(
    ds: Dataset,
    *,
    by: str = "channel_id",
    period: str = "quarter",
    periods: Sequence[str] | None = None,
    top_n: int = 3,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Revenue concentration per period: top-N share, HHI and the dependency flag.

    Parameters
    ----------
    ds : Dataset
    by : {"channel_id", "partner_id", "customer_id", "product_line"}
        The dimension (see :func:`revenue_shares`).
    period : {"month", "quarter", "year", "all"}
    periods : sequence of str, optional
        Keep only these period labels.
    top_n : int
        How many of the largest entities the top-N share counts.
    threshold : float, optional
        Dependency share threshold; default ``ds.goals.signals.dependency_share`` (0.30).

    Returns
    -------
    DataFrame
        One row per period with positive revenue:

        - ``period``, ``period_start``, ``dimension``.
        - ``entities`` (int): entities with positive revenue.
        - ``revenue`` (float), ``revenue_exact`` (int64): their total.
        - ``top_n`` (int), ``top_n_share`` (fraction).
        - ``hhi`` (fraction in (0, 1]): Σ share², see :func:`herfindahl`.
        - ``largest_id`` (str), ``largest_share`` (fraction).
        - ``threshold`` (float), ``dependencies`` (int): entities with share ≥ threshold;
          ``dependency_risk`` (bool): at least one.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> c = concentration(ds, by="channel_id", period="year", top_n=1)
    >>> c[["period", "top_n_share", "hhi", "largest_id", "dependency_risk"]].round(4)
       period  top_n_share     hhi largest_id  dependency_risk
    0  FY2025       0.5625  0.4679        DIR             True
    1  FY2026       0.5421  0.4059        DIR             True
    2  FY2027       1.0000  1.0000       DIST             True
    """
    if not isinstance(top_n, int) or top_n < 1:
        raise ParameterError(f"top_n={top_n!r}: a whole number ≥ 1")
    shares = revenue_shares(ds, by=by, period=period, periods=periods, threshold=threshold)
    shares["_sq"] = shares["share"] ** 2
    shares["_top"] = shares["share"].where(shares["rank"] <= top_n, 0.0)
    g = shares.groupby(["period", "period_start"], sort=False)
    out = g.agg(
        entities=("entity_id", "size"),
        revenue_exact=("revenue_exact", "sum"),
        top_n_share=("_top", "sum"),
        hhi=("_sq", "sum"),
        dependencies=("dependency", "sum"),
    ).reset_index()
    largest = shares[shares["rank"] == 1].set_index("period")
    out["dimension"] = shares["dimension"].iloc[0] if len(shares) else by
    out["top_n"] = top_n
    out["largest_id"] = out["period"].map(largest["entity_id"]).astype("string")
    out["largest_share"] = out["period"].map(largest["share"]).astype("float64")
    out["threshold"] = float(shares["threshold"].iloc[0]) if len(shares) else np.nan
    out["dependencies"] = out["dependencies"].astype("int64")
    out["dependency_risk"] = out["dependencies"] > 0
    out["revenue_exact"] = out["revenue_exact"].astype("int64")
    out["entities"] = out["entities"].astype("int64")
    add_money(out, ds.money, "revenue")
    order = [
        "period", "period_start", "dimension", "entities", "revenue", "top_n", "top_n_share",
        "hhi", "largest_id", "largest_share", "threshold", "dependencies", "dependency_risk",
        "revenue_exact",
    ]  # fmt: skip
    return out[order]
