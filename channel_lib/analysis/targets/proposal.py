"""A year without goals: the revenue objective target setting proposes for it, and whose goals stand in.

When ``goals.yaml`` has no section for the fiscal year being planned (the default ``year="next"``
on a goals file that stops at the current year, say), target setting does not stop: it proposes an
objective and borrows the rest of the goals from the last year that has them, and says so.

- :class:`ObjectiveProposal` and :func:`propose_objective` — the revenue objective of a year from
  the company revenue forecast (:func:`channel_lib.analysis.trends.forecast` with the model the
  rolling-origin backtest chose for the series, :func:`channel_lib.analysis.trends.forecast_set`:
  exponential smoothing or seasonal naive), or, when that cannot forecast the year, the last four quarters' revenue
  grown at their rate against the same quarters a year earlier;
- :func:`standing_goals_year` — the latest year of ``goals.yaml`` before a given one (its margin
  goal, what it is managed for and its channel roles stand in for the missing year).

Everything the workbook writes from a proposal is marked as one
(:func:`channel_lib.analysis.targets.save_plan` keeps it out of the official ``targets.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from channel_lib.analysis import trends
from channel_lib.data import cube as metrics
from channel_lib.data.workbook import Workbook

__all__ = ["ObjectiveProposal", "propose_objective", "standing_goals_year"]


@dataclass(frozen=True)
class ObjectiveProposal:
    """A proposed revenue objective and how it was made.

    Attributes
    ----------
    year : str
        The fiscal year it is for.
    amount_exact : int
        The objective in the dataset's money unit (not yet rounded to the currency's minor unit).
    method : {"forecast", "run_rate"}
        ``forecast``: the sum of the company revenue forecast over the year's four quarters;
        ``run_rate``: the last four quarters' revenue × (1 + their growth over the same quarters a
        year earlier).
    model : str
        The forecast's model (``"ETS(A,N,A)"``, ``"seasonal naive"``: the one the backtest
        chose) or ``"run rate"``.
    basis_revenue_exact : int
        Revenue of the four quarters up to the reporting quarter.
    previous_revenue_exact : int or None
        Revenue of the same quarters a year earlier (``None`` when the data do not reach back).
    note : str
        Why the forecast was not used (empty when it was).
    """

    year: str
    amount_exact: int
    method: str
    model: str
    basis_revenue_exact: int
    previous_revenue_exact: int | None
    note: str = ""

    @property
    def growth(self) -> float:
        """The objective ÷ the last four quarters' revenue − 1 (``NaN`` without revenue)."""
        if self.basis_revenue_exact <= 0:
            return float("nan")
        return self.amount_exact / self.basis_revenue_exact - 1


def standing_goals_year(years, label: str) -> str | None:
    """The latest year of ``years`` before ``label`` (fiscal-year labels sort in time order).

    Examples
    --------
    >>> standing_goals_year(["FY2025", "FY2026"], "FY2027"), standing_goals_year(["FY2026"], "FY2025")
    ('FY2026', None)
    """
    earlier = sorted(y for y in years if y < label)
    return earlier[-1] if earlier else None


def _revenue_exact(wb: Workbook, quarters: list[str]) -> int:
    """Company revenue of ``quarters`` (exact units, the metrics cube's sums)."""
    s = metrics.summarise(wb.dataset, by=(), period="quarter", periods=quarters)
    return int(s["revenue_exact"].sum())


def propose_objective(wb: Workbook, year: str) -> ObjectiveProposal:
    """The revenue objective proposed for a fiscal year ``goals.yaml`` has no section for.

    Parameters
    ----------
    wb : Workbook
        The dataset and the reporting quarter (history runs up to it).
    year : str
        The fiscal year, e.g. ``"FY2027"``.

    Returns
    -------
    ObjectiveProposal

    Notes
    -----
    The forecast is :func:`channel_lib.analysis.trends.forecast` of the company's monthly revenue
    with the model the rolling-origin backtest of the series chose
    (:func:`channel_lib.analysis.trends.select_models`: exponential smoothing, ETS(A,N,A) with two
    years of months, or seasonal naive when it scores as well; Hyndman & Athanasopoulos,
    *Forecasting: Principles and Practice*, 3rd ed., ch. 8 and §5.10), the one notebook 04 shows,
    summed over the year's quarters. It
    is used when the year lies wholly after the reporting quarter and the series can be
    modelled. Otherwise the run rate: revenue of the four quarters up to the reporting quarter,
    grown by their change against the same quarters a year earlier (unchanged when those are not
    in the data or sold nothing). A negative figure is proposed as 0.

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", quarter="FY2026-Q4", plans_dir="/tmp/plans")
    >>> p = propose_objective(wb, "FY2027")
    >>> p.method, p.basis_revenue_exact > 0
    ('forecast', True)
    """
    ds, cal = wb.dataset, wb.dataset.calendar
    basis = cal.quarter_range(cal.shift_quarter(wb.quarter, -3), wb.quarter)
    before = [cal.shift_quarter(q, -4) for q in basis]
    basis_rev = _revenue_exact(wb, basis)
    prev_rev = _revenue_exact(wb, before) if before[0] in wb.quarters else None
    year_quarters = cal.quarter_range(f"{year}-Q1", f"{year}-Q4")
    common = {"year": year, "basis_revenue_exact": basis_rev, "previous_revenue_exact": prev_rev}
    note = ""
    if year_quarters[0] <= wb.quarter:
        note = f"{year} does not lie wholly after the reporting quarter {wb.quarter}"
    else:
        horizon = len(cal.quarter_range(cal.shift_quarter(wb.quarter, 1), year_quarters[-1]))
        monthly = trends.monthly_series(ds, quarter=wb.quarter, levels=("total",))
        chosen = trends.forecast_set(
            ds, wb.quarter, measures=("revenue",), levels=("total",), monthly=monthly
        ).selection
        frame, fits = trends.forecast(
            monthly, cal, measures=("revenue",), levels=("total",), horizon_quarters=horizon,
            choice=chosen,
        )  # fmt: skip
        fc = frame[(frame["kind"] == "forecast") & frame["quarter"].isin(year_quarters)]
        fit = fits[("total", "ALL", "revenue")]
        if len(fc) == 4 and np.isfinite(fc["value"]).all():
            amount = max(ds.money.to_exact(float(fc["value"].sum())), 0)
            return ObjectiveProposal(**common, amount_exact=amount, method="forecast",
                                     model=fit.spec)  # fmt: skip
        note = f"the revenue forecast cannot model the company series ({fit.note or 'no fit'})"
    grown = Fraction(basis_rev * basis_rev, prev_rev) if prev_rev and prev_rev > 0 else basis_rev
    amount = max(round(grown), 0)
    return ObjectiveProposal(**common, amount_exact=amount, method="run_rate", model="run rate",
                             note=note)  # fmt: skip
