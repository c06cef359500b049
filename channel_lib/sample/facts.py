"""The generated facts every ground-truth case measures (:class:`Facts`): the plan, the lines and
the tables made from them, with the per-channel and per-partner monthly sums the cases share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from channel_lib.sample.sales import Products, SalesLines
from channel_lib.sample.spec import Plan
from channel_lib.sample.tables import channel_month, partner_month_cents

__all__ = ["Facts"]


@dataclass
class Facts:
    """What the cases measure: the plan, the generated lines and the tables made from them.

    Attributes
    ----------
    plan : Plan
    lines : SalesLines
    deals : dict
        Deal key of :data:`~channel_lib.sample.tables.DEALS` → opportunity id.
    reports : DataFrame
        ``partner_reports.csv`` (text cells).
    partners_now : DataFrame
        ``partners.csv`` as it is now (after the planted moves).
    products : Products or None
        The catalogue (product line of each product).
    targets : DataFrame or None
        ``targets.csv`` (text cells).
    goals : dict or None
        ``goals.yaml``, parsed.
    costs : DataFrame or None
        ``channel_costs.csv`` (text cells).
    """

    plan: Plan
    lines: SalesLines
    deals: dict[str, str]
    reports: pd.DataFrame
    partners_now: pd.DataFrame
    products: Products | None = None
    targets: pd.DataFrame | None = None
    goals: dict | None = None
    costs: pd.DataFrame | None = None

    def pid(self, i: int) -> str:
        """The id of partner number ``i``."""
        return self.plan.partners[i].partner_id

    @cached_property
    def partner_month_usd(self) -> np.ndarray:
        """Revenue USD per partner (last row: direct) and month."""
        return partner_month_cents(self.plan, self.lines) / 100

    @cached_property
    def channel_revenue_usd(self) -> np.ndarray:
        """Revenue USD per channel and month."""
        return channel_month(self.plan, self.lines, self.lines.revenue_cents.astype(float)) / 100

    @cached_property
    def channel_cost_usd(self) -> np.ndarray:
        """Cost USD per channel and month."""
        return channel_month(self.plan, self.lines, self.lines.cost_cents.astype(float)) / 100
