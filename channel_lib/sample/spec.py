"""The sample's fixed structure: its calendar, channels, signal thresholds and records.

Time axis: month index 0 = July 2023 … 35 = June 2026 (fiscal years FY2024–FY2026, July–June,
named by their end year), 36 = July 2026, loaded only up to day :data:`LAST_DAY`. The records
(:class:`Partner`, :class:`Special`, :class:`Customer`, :class:`Plan`, :class:`TruthRow`) are
filled by :func:`channel_lib.sample.plan.build_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# -- calendar -----------------------------------------------------------------------------------
FIRST_MONTH = np.datetime64("2023-07", "M")
N_MONTHS = 37  # 36 complete months and a partly loaded July 2026
LAST_DAY = 10  # the last month holds orders up to this day only
REPORT_Q = 11  # quarter index of FY2026-Q4, the reporting quarter of every planted case
BASE_MONTHS = range(18, 30)  # the 12 months before the lost-customer window (FY2025-Q3..FY2026-Q2)
WINDOW_MONTHS = range(30, 36)  # lost-customer window: FY2026-Q3..Q4
FY_MONTHS = {"FY2024": range(0, 12), "FY2025": range(12, 24), "FY2026": range(24, 36)}
REPORT_PERIOD = "FY2026-Q4"


def quarter_label(q: int) -> str:
    """Quarter index (0 = FY2024-Q1) → label ``FY2024-Q1``."""
    return f"FY{2024 + q // 4}-Q{q % 4 + 1}"


def month_start(m: int) -> np.datetime64:
    """First day of month index ``m``."""
    return (FIRST_MONTH + m).astype("datetime64[D]")


# -- static structure ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelSpec:
    """A channel of the sample and the parameters of its sales."""

    channel_id: str
    name: str
    channel_type: str
    launched_on: str
    revenue_fy2025: float  # planned revenue of FY2025, USD
    n_partners: int  # 0 = direct (no partners)
    discount: float  # mean discount off list price
    margin: float  # planned gross margin (ordinary months)
    segments: tuple[tuple[str, float], ...]  # customer segment mix of the channel's pools
    product_mix: tuple[float, float, float, float]  # platform, subscriptions, services, accessories
    customers_per_partner: int
    season: tuple[float, ...]  # by fiscal month, July first


FISCAL_SEASON = (0.85, 0.80, 0.95, 1.0, 1.0, 1.1, 0.85, 0.95, 1.05, 1.0, 1.05, 1.4)
CONSUMER_SEASON = (0.9, 0.9, 0.95, 1.0, 1.25, 1.35, 0.85, 0.85, 0.95, 0.95, 1.0, 1.05)

CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "DIR",
        "Direct strategic accounts",
        "direct",
        "2016-01-01",
        36e6,
        0,
        0.12,
        0.46,
        (("enterprise", 1.0),),
        (0.45, 0.30, 0.25, 0.0),
        160,
        FISCAL_SEASON,
    ),
    ChannelSpec(
        "DIST",
        "National distribution",
        "distribution",
        "2017-04-01",
        50e6,
        15,
        0.30,
        0.24,
        (("mid_market", 0.5), ("smb", 0.5)),
        (0.40, 0.20, 0.0, 0.40),
        60,
        FISCAL_SEASON,
    ),
    ChannelSpec(
        "RES",
        "Solution resellers",
        "reseller",
        "2018-09-01",
        25e6,
        100,
        0.18,
        0.34,
        (("smb", 0.75), ("mid_market", 0.25)),
        (0.20, 0.15, 0.15, 0.50),
        12,
        FISCAL_SEASON,
    ),
    ChannelSpec(
        "ONL",
        "Online marketplace",
        "online",
        "2021-03-01",
        14e6,
        4,
        0.08,
        0.40,
        (("smb", 1.0),),
        (0.10, 0.30, 0.0, 0.60),
        150,
        CONSUMER_SEASON,
    ),
    ChannelSpec(
        "MSP",
        "Managed-service partners",
        "managed_service",
        "2024-07-01",
        11e6,
        30,
        0.22,
        0.38,
        (("mid_market", 0.6), ("smb", 0.4)),
        (0.10, 0.60, 0.30, 0.0),
        10,
        FISCAL_SEASON,
    ),
)
CHANNEL_INDEX = {c.channel_id: i for i, c in enumerate(CHANNELS)}
PRODUCT_LINES = ("platform", "subscriptions", "services", "accessories")
REGIONS = (("NA", 0.45), ("EMEA", 0.30), ("APAC", 0.20), ("LATAM", 0.05))

#: thresholds of the signals (DESIGN "Signal definitions"); planted cases cross them, near misses not
CUSTOMER_CAP_SHARE = 0.002  # expected share of company revenue of any ordinary pool customer
HILL_K = 120_000.0  # ONL: half-saturation spend per month, USD
HILL_N = 1.0  # ONL: Hill coefficient; 1 = concave, returns diminish from the first dollar
HILL_VMAX = 0.75 * (CHANNELS[CHANNEL_INDEX["ONL"]].revenue_fy2025 / 12)  # ONL: USD/month, saturated
MSP_EROSION_START = 19  # month index 19 = February 2025
MSP_EROSION_PER_MONTH = 0.0045  # gross-margin points lost per month after the start
CONFLICT_GROUP = 12  # customers buying through DIST and RES


@dataclass
class Partner:
    """One partner and its planned revenue."""

    index: int
    partner_id: str
    name: str
    channel: int  # index into CHANNELS (current channel)
    region: str
    tier: str
    onboarded_on: str
    offboarded_on: str = ""
    reports: bool = True
    role: str = "ordinary"  # what the plan does with it (ordinary, or the case it carries)
    fy_total: dict[str, float] = field(default_factory=dict)  # planned annual revenue, USD
    sales_ratio: float = 1.0  # FY2026 / FY2025 revenue
    first_month: int = 0
    last_month: int = N_MONTHS - 1
    sporadic: bool = False


@dataclass
class Special:
    """A named customer's stream at one partner (or the direct channel, partner -1)."""

    key: str  # lost, moved_from, moved_to, annual, small_stop_a, ...
    customer: int  # index into Plan.customers
    partner: int  # partner index, -1 = direct
    months: np.ndarray  # month indexes with purchases
    share: float  # planned share of company revenue over BASE_MONTHS
    discount: float
    round_robin: np.ndarray | None = None  # customer group served in turn (conflict)


@dataclass
class Customer:
    """One end customer."""

    customer_id: str
    name: str
    segment: str
    region: str


@dataclass
class TruthRow:
    """One row of ``ground_truth.csv``."""

    signal: str
    entity_type: str
    entity_id: str
    kind: str  # planted / near_miss
    detail: str
    period: str = REPORT_PERIOD


@dataclass
class Plan:
    """Everything decided before data is generated.

    Attributes
    ----------
    seed : int
        The seed; every random draw descends from it.
    partners, customers : list
        The entities. ``pools[p]`` lists the customer indexes of partner ``p``'s pool
        (``pools[-1]`` = the direct channel's accounts) with their weights.
    cells : dict of str to np.ndarray
        The revenue plan: one row per stream and month — ``channel``, ``partner`` (-1 = direct),
        ``month``, ``cents`` (planned revenue, int64), ``pool`` (partner index whose pool buys, or
        -2), ``customer`` (fixed customer, or -1), ``group`` (round-robin group, or -1),
        ``discount`` (mean discount).
    specials : list of Special
        Named customers' streams (the lost customer, the near misses, the conflict group).
    margin : np.ndarray
        Planned gross-margin deviations per channel and month around the channel's nominal
        margin, shape (n_channels, N_MONTHS); MSP's erosion is in here.
    spend : np.ndarray
        ONL's monthly discretionary spend (USD) driving its Hill response.
    res_spend, res_enablement : np.ndarray
        RES's monthly discretionary spend (USD; mdf + enablement) driving its Hill response, and
        the enablement part of it (:mod:`~channel_lib.sample.levers`).
    res_responders : list of int
        The RES partners whose months carry that response.
    discount_shift : np.ndarray
        Points of discount off list added per channel and month (DIR's deepening), shape
        (n_channels, N_MONTHS).
    conflict_group : np.ndarray
        Customers buying through both DIST and RES.
    roles : dict of str to list of int
        Partner indexes per planted case or near miss (``"our_sales_up"``, ``"talent_near"``, ...).
    channel_of_month : dict of int to np.ndarray
        Channel index per month of partners that move channel.
    """

    seed: int
    partners: list[Partner]
    customers: list[Customer]
    pools: dict[int, tuple[np.ndarray, np.ndarray]]
    specials: list[Special]
    cells: dict[str, np.ndarray]
    margin: np.ndarray
    spend: np.ndarray
    conflict_group: np.ndarray
    roles: dict[str, list[int]]
    channel_of_month: dict[int, np.ndarray] = field(default_factory=dict)
    move_month: int = 33  # partner_move takes effect on 2026-04-01
    res_spend: np.ndarray = field(default_factory=lambda: np.zeros(N_MONTHS))
    res_enablement: np.ndarray = field(default_factory=lambda: np.zeros(N_MONTHS))
    res_responders: list[int] = field(default_factory=list)
    discount_shift: np.ndarray = field(default_factory=lambda: np.zeros((len(CHANNELS), N_MONTHS)))

    def partner_channel(self, p: int) -> np.ndarray:
        """Channel index of partner ``p`` in every month (a partner may move channel)."""
        if p in self.channel_of_month:
            return self.channel_of_month[p]
        return np.full(N_MONTHS, self.partners[p].channel)


def rng_for(seed: int, stream: int) -> np.random.Generator:
    """An independent, reproducible random generator for one part of the generator.

    Parameters
    ----------
    seed : int
        The sample's seed.
    stream : int
        A fixed number per part (plan, lines, reports, ...), so that changing one part does not
        shift the draws of another.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream,))))
