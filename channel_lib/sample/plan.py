"""The sample's plan: entities, the revenue plan per stream and month, and the planted cases.

The generator decides everything that the ground truth talks about *before* any sales line exists:
which partner grows, which customer is lost, which channel's margin erodes. Revenue is planned per
*stream* (a partner's pool of customers, or one named customer at one partner) and month, in
integer cents; the sales lines built later sum exactly to these cells, so every planted change is
exact by construction and every ordinary entity is kept clear of every threshold.

Time axis: month index 0 = July 2023 … 35 = June 2026 (fiscal years FY2024–FY2026, July–June,
named by their end year), 36 = July 2026, loaded only up to day :data:`LAST_DAY`.
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


# -- names ----------------------------------------------------------------------------------------
_WORDS_A = (
    "North",
    "Blue",
    "Summit",
    "Cedar",
    "Harbor",
    "Iron",
    "Silver",
    "Prairie",
    "Atlas",
    "Pioneer",
    "Granite",
    "Coastal",
    "Evergreen",
    "Redwood",
    "Beacon",
    "Falcon",
    "Lakeside",
    "Meridian",
    "Orchard",
    "Quartz",
    "Sterling",
    "Horizon",
    "Canyon",
    "Delta",
    "Aurora",
)
_WORDS_B = (
    "Systems",
    "Logistics",
    "Health",
    "Foods",
    "Energy",
    "Labs",
    "Retail",
    "Works",
    "Analytics",
    "Manufacturing",
    "Media",
    "Freight",
    "Dental",
    "Legal",
    "Builders",
    "Pharma",
    "Textiles",
    "Robotics",
    "Finance",
    "Hotels",
)
_SUFFIX = ("Inc.", "LLC", "Ltd", "GmbH", "Group", "Co.", "S.A.", "Pty Ltd")
_PARTNER_B = {
    "DIST": ("Distribution", "Supply", "Wholesale"),
    "RES": ("IT Solutions", "Integrators", "Technology Partners", "Consulting"),
    "ONL": ("Marketplace", "Online", "Store"),
    "MSP": ("Managed Services", "Cloud Services", "Networks"),
}


def _names(rng: np.random.Generator, n: int, b_words: tuple[str, ...]) -> list[str]:
    a = rng.integers(0, len(_WORDS_A), n)
    b = rng.integers(0, len(b_words), n)
    s = rng.integers(0, len(_SUFFIX), n)
    return [f"{_WORDS_A[i]} {b_words[j]} {_SUFFIX[k]}" for i, j, k in zip(a, b, s, strict=True)]


def _choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> list[str]:
    names = [o[0] for o in options]
    p = np.array([o[1] for o in options])
    return [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]


# -- building the plan --------------------------------------------------------------------------
def build_plan(seed: int) -> Plan:
    """Decide the sample: entities, planted cases, near misses and the revenue plan.

    Parameters
    ----------
    seed : int
        Random seed.

    Returns
    -------
    Plan
    """
    rng = rng_for(seed, 1)
    partners = _make_partners(rng)
    roles = _assign_roles(rng, partners)
    _plan_partner_years(rng, partners, roles)
    profiles = _monthly_profiles(rng, partners)
    spend = _onl_spend(rng)
    customers: list[Customer] = []
    pools: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # totals per partner and month before special streams are carved out of the pools
    totals = _partner_months(partners, profiles, spend)
    company_base = totals[:, BASE_MONTHS].sum()
    specials, conflict_group = _make_specials(rng, partners, roles, customers, company_base)
    cells = _cells(partners, totals, specials, company_base)
    _make_pools(rng, partners, customers, pools, cells, totals)
    margin = _margin_plan(rng)
    plan = Plan(
        seed=seed,
        partners=partners,
        customers=customers,
        pools=pools,
        specials=specials,
        cells=cells,
        margin=margin,
        spend=spend,
        conflict_group=conflict_group,
        roles=roles,
    )
    moved = roles["partner_move_channel"][0]
    months = np.full(N_MONTHS, CHANNEL_INDEX["RES"])
    months[plan.move_month :] = CHANNEL_INDEX["DIST"]
    plan.channel_of_month[moved] = months
    plan.cells["channel"] = np.where(
        plan.cells["partner"] == moved, months[plan.cells["month"]], plan.cells["channel"]
    )
    return plan


def _make_partners(rng: np.random.Generator) -> list[Partner]:
    partners: list[Partner] = []

    def add(channel: str, name: str, onboarded: str, **kw: object) -> Partner:
        p = Partner(
            index=len(partners),
            partner_id=f"P{len(partners) + 1:03d}",
            name=name,
            channel=CHANNEL_INDEX[channel],
            region=_choice(rng, REGIONS, 1)[0],
            tier="",
            onboarded_on=onboarded,
            **kw,
        )  # type: ignore[arg-type]
        partners.append(p)
        return p

    for spec in CHANNELS[1:]:
        names = _names(rng, spec.n_partners, _PARTNER_B[spec.channel_id])
        for i in range(spec.n_partners):
            if spec.channel_id == "MSP":
                onboarded, first = "2024-07-01", 12
            else:
                day = int(rng.integers(0, 8 * 365))
                onboarded, first = str(np.datetime64("2015-01-05") + day), 0
            p = add(spec.channel_id, names[i], onboarded, first_month=first)
            p.reports = spec.channel_id != "ONL"
    # partners that never ordered
    for name in _names(rng, 5, _PARTNER_B["RES"]):
        day = int(rng.integers(0, 500))
        p = add(
            "RES",
            name,
            str(np.datetime64("2024-01-08") + day),
            role="never_ordered",
            first_month=N_MONTHS,
        )
        p.reports = False
    # a reseller offboarded in FY2024: both windows of the sales signal are empty
    p = add(
        "RES",
        _names(rng, 1, _PARTNER_B["RES"])[0],
        "2019-05-13",
        offboarded_on="2024-03-31",
        role="offboarded",
        last_month=8,
    )
    # the partner onboarded in the reporting quarter
    add(
        "MSP",
        _names(rng, 1, _PARTNER_B["MSP"])[0],
        "2026-04-20",
        role="new_partner",
        first_month=34,
    )
    return partners


def _assign_roles(rng: np.random.Generator, partners: list[Partner]) -> dict[str, list[int]]:
    """Pick which partners carry which case; every partner carries at most one."""
    by_channel = {
        c.channel_id: [
            p.index
            for p in partners
            if CHANNELS[p.channel].channel_id == c.channel_id and p.role == "ordinary"
        ]
        for c in CHANNELS
    }
    roles: dict[str, list[int]] = {
        "new_partner": [p.index for p in partners if p.role == "new_partner"]
    }
    # DIST hosts of the special customers are chosen by size later (_plan_partner_years ranks them)
    free = [*by_channel["RES"], *by_channel["MSP"], *by_channel["DIST"]]
    free = [free[i] for i in rng.permutation(len(free))]
    res_free = [i for i in free if CHANNELS[partners[i].channel].channel_id == "RES"]
    wanted = {
        "partner_move_channel": (1, res_free),
        "our_sales_up": (1, res_free),
        "our_sales_down": (1, res_free),
        "our_sales_near": (5, res_free),
        "total_sales_up": (1, free),
        "total_sales_down": (1, free),
        "total_sales_near": (5, free),
        "line_card_lost": (1, free),
        "line_card_gained": (1, free),
        "line_card_near": (3, free),
        "talent": (1, free),
        "talent_near": (5, free),
        "service_csat": (1, free),
        "service_response": (1, free),
        "service_near": (5, free),
        "stopped_reporting": (1, free),
        "partner_move_tier": (1, free),
    }
    taken: set[int] = set()
    for role, (n, pool) in wanted.items():
        chosen = [i for i in pool if i not in taken][:n]
        taken.update(chosen)
        roles[role] = chosen
        for i in chosen:
            partners[i].role = role
    # a fifth of the remaining resellers never send partner reports
    rest = [i for i in by_channel["RES"] if i not in taken]
    for i in rest[: len(rest) // 5]:
        partners[i].reports = False
    return roles


def _plan_partner_years(
    rng: np.random.Generator, partners: list[Partner], roles: dict[str, list[int]]
) -> None:
    """Annual revenue per partner: channel totals split by size, year-on-year ratios by role."""
    near = {"our_sales_near": (1.15, 0.86, 1.17, 0.84, 1.13)}
    for ci, spec in enumerate(CHANNELS[1:], start=1):
        members = [
            p
            for p in partners
            if p.channel == ci and p.role not in ("never_ordered", "offboarded", "new_partner")
        ]
        sigma = {"DIST": 0.4, "RES": 0.8, "ONL": 0.3, "MSP": 0.6}[spec.channel_id]
        w = rng.lognormal(0.0, sigma, len(members))
        w = w / w.sum()
        for p, share in zip(members, w, strict=True):
            p.fy_total["FY2025"] = spec.revenue_fy2025 * share
            p.sales_ratio = (
                float(rng.uniform(0.93, 1.09))
                if spec.channel_id != "MSP"
                else float(rng.uniform(1.03, 1.09))
            )
            if p.first_month == 0:
                p.fy_total["FY2024"] = p.fy_total["FY2025"] / rng.uniform(0.93, 1.08)
            tiers = ("gold", "silver", "bronze")
            rank = share * len(members)
            p.tier = tiers[0] if rank > 1.6 else tiers[1] if rank > 0.7 else tiers[2]
            p.sporadic = spec.channel_id == "RES" and rank < 0.5 and p.role == "ordinary"
    for role, ratio in (("our_sales_up", 1.30), ("our_sales_down", 0.72)):
        partners[roles[role][0]].sales_ratio = ratio
    for i, ratio in zip(roles["our_sales_near"], near["our_sales_near"], strict=True):
        partners[i].sales_ratio = ratio
    for p in partners:
        if "FY2025" not in p.fy_total:
            continue
        if p.role.startswith("our_sales"):  # partners whose change is planted are not tiny
            least = rng.uniform(150_000, 300_000)
            if p.fy_total["FY2025"] < least:
                grow = least / p.fy_total["FY2025"]
                p.fy_total = {k: v * grow for k, v in p.fy_total.items()}
        p.fy_total["FY2026"] = p.fy_total["FY2025"] * p.sales_ratio
    off = next(p for p in partners if p.role == "offboarded")
    off.fy_total = {"FY2024": 180_000.0}
    off.tier = "bronze"
    new = next(p for p in partners if p.role == "new_partner")
    new.fy_total = {"FY2026": 140_000.0}
    new.tier = "silver"
    for p in partners:
        if p.role == "never_ordered":
            p.tier = "bronze"


def _monthly_profiles(rng: np.random.Generator, partners: list[Partner]) -> np.ndarray:
    """Share of each fiscal year's revenue per month, per partner (rows sum to 1 per year)."""
    prof = np.zeros((len(partners), N_MONTHS))
    for p in partners:
        season = np.array(CHANNELS[p.channel].season)
        noise = rng.lognormal(0.0, 0.12, N_MONTHS)
        active = (np.arange(N_MONTHS) >= p.first_month) & (np.arange(N_MONTHS) <= p.last_month)
        if p.sporadic:
            active &= rng.random(N_MONTHS) > 0.3
        for fy, months in FY_MONTHS.items():
            m = np.array(months)
            base = season * noise[m] * active[m]
            if CHANNELS[p.channel].channel_id == "MSP" and fy == "FY2025":
                base = base * np.minimum(1.0, 0.35 + 0.22 * np.arange(12))  # ramp after launch
            if base.sum() == 0 and fy in p.fy_total:
                base = season * active[m] + 1e-9 * (m >= p.first_month)
            prof[p.index, m] = base / base.sum() if base.sum() > 0 else 0.0
        prof[p.index, 36] = prof[p.index, 24] * 10 / 31 if p.last_month >= 36 else 0.0
    return prof


def _onl_spend(rng: np.random.Generator) -> np.ndarray:
    """ONL's monthly discretionary spend: FY2026 reuses FY2025's amounts in another order, with
    the three largest in FY2026-Q4, so that the reporting quarter spends far past the
    half-saturation (and every year's Hill response, hence ONL's yearly revenue, is unchanged)."""
    spend = np.zeros(N_MONTHS)
    spend[0:12] = rng.uniform(10_000, 450_000, 12)
    spend[12:24] = rng.uniform(10_000, 450_000, 12)
    order = rng.permutation(12)
    top = set(np.argsort(spend[12:24])[-3:].tolist())
    order = [i for i in order if i not in top] + [i for i in order if i in top]
    spend[24:36] = spend[12:24][order]
    spend[36] = 0.0
    return np.round(spend, -2)


def hill(spend: np.ndarray) -> np.ndarray:
    """ONL's Hill response ``vmax * s^n / (K^n + s^n)`` of monthly revenue to monthly spend."""
    return HILL_VMAX * spend**HILL_N / (HILL_K**HILL_N + spend**HILL_N)


def hill_slope(spend: float) -> float:
    """Revenue from one more USD of ONL spend at ``spend`` USD/month (the derivative of :func:`hill`)."""
    r = (spend / HILL_K) ** HILL_N
    return HILL_VMAX * HILL_N * r / (spend * (1 + r) ** 2)


def onl_monthly(spend: np.ndarray) -> np.ndarray:
    """ONL's planned channel revenue per month: a seasonal baseline plus the Hill response."""
    spec = CHANNELS[CHANNEL_INDEX["ONL"]]
    season = np.tile(np.array(spec.season), 4)[:N_MONTHS]
    growth = np.repeat([0.95, 1.0, 1.05, 1.05], 12)[:N_MONTHS]
    monthly = spec.revenue_fy2025 / 12
    out = 0.45 * monthly * season * growth + hill(spend)
    out[36] = out[24] * 1.05 * 10 / 31
    return out


def _partner_months(partners: list[Partner], prof: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Planned revenue per partner and month (last row: the direct channel)."""
    out = np.zeros((len(partners) + 1, N_MONTHS))
    for p in partners:
        if CHANNELS[p.channel].channel_id == "ONL":
            continue
        for fy, months in FY_MONTHS.items():
            m = np.array(months)
            out[p.index, m] = p.fy_total.get(fy, 0.0) * prof[p.index, m]
        out[p.index, 36] = (
            p.fy_total.get("FY2026", 0.0) * prof[p.index, 36] * p.sales_ratio ** (1 / 12)
        )
    onl = [p for p in partners if CHANNELS[p.channel].channel_id == "ONL"]
    w = np.array([p.fy_total["FY2025"] for p in onl])
    channel = onl_monthly(spend)
    for p, share in zip(onl, w / w.sum(), strict=True):
        out[p.index] = channel * share
        p.fy_total = {fy: float(out[p.index, list(m)].sum()) for fy, m in FY_MONTHS.items()}
        p.sales_ratio = p.fy_total["FY2026"] / p.fy_total["FY2025"]
    # direct channel: one pool of strategic accounts
    spec = CHANNELS[0]
    season = np.tile(np.array(spec.season), 4)[:N_MONTHS]
    for fy, ratio in (("FY2024", 0.96), ("FY2025", 1.0), ("FY2026", 1.04)):
        m = np.array(FY_MONTHS[fy])
        out[-1, m] = spec.revenue_fy2025 * ratio * season[m] / season[m].sum()
    out[-1, 36] = out[-1, 24] * 1.04 * 10 / 31
    return out


def _make_specials(
    rng: np.random.Generator,
    partners: list[Partner],
    roles: dict[str, list[int]],
    customers: list[Customer],
    company_base: float,
) -> tuple[list[Special], np.ndarray]:
    """Named customers: the lost one, the near misses, and the customers in channel conflict."""
    dist = sorted(
        (p for p in partners if CHANNELS[p.channel].channel_id == "DIST" and p.role == "ordinary"),
        key=lambda p: (-p.fy_total["FY2025"], p.index),
    )
    res = sorted(
        (
            p
            for p in partners
            if CHANNELS[p.channel].channel_id == "RES" and p.role == "ordinary" and not p.sporadic
        ),
        key=lambda p: (-p.fy_total["FY2025"], p.index),
    )
    names = _names(rng, 8 + CONFLICT_GROUP, _WORDS_B)
    regions = _choice(rng, REGIONS, 8 + CONFLICT_GROUP)

    def customer(segment: str) -> int:
        k = len(customers)
        customers.append(Customer(f"C{k + 1:05d}", names[k], segment, regions[k]))
        return k

    before_window = np.arange(0, 30)
    specials: list[Special] = []
    hosts = {
        "lost": dist[0],
        "moved_from": dist[2],
        "moved_to": dist[1],
        "annual": dist[3],
        "small_stop_a": dist[4],
    }
    for p in hosts.values():
        p.role = "customer_host"
    c = customer("mid_market")
    specials.append(Special("lost", c, dist[0].index, before_window, 0.014, 0.28))
    c = customer("mid_market")
    specials.append(Special("moved_from", c, dist[2].index, before_window, 0.013, 0.29))
    specials.append(Special("moved_to", c, dist[1].index, np.arange(30, N_MONTHS), 0.013, 0.29))
    c = customer("mid_market")
    specials.append(Special("annual", c, dist[3].index, np.array([3, 15, 27]), 0.012, 0.30))
    c = customer("smb")
    specials.append(Special("small_stop_a", c, dist[4].index, before_window, 0.008, 0.30))
    c = customer("enterprise")
    specials.append(Special("small_stop_b", c, -1, before_window, 0.0065, 0.12))
    c = customer("enterprise")
    specials.append(Special("late_stop", c, -1, np.arange(0, 31), 0.012, 0.12))
    c = customer("enterprise")
    specials.append(
        Special("two_quarters", c, -1, np.array([6, 7, 8, 18, 19, 20, 27, 28, 29]), 0.011, 0.12)
    )
    group = np.array([customer("mid_market") for _ in range(CONFLICT_GROUP)])
    dist_host, res_host = dist[5], res[0]
    dist_host.role = res_host.role = "conflict_host"
    for key, host, disc in (("conflict_dist", dist_host, 0.34), ("conflict_res", res_host, 0.12)):
        share = 0.35 * host.fy_total["FY2025"] / company_base
        specials.append(
            Special(key, -1, host.index, np.arange(0, N_MONTHS), share, disc, round_robin=group)
        )
    roles["customer_hosts"] = [p.index for p in hosts.values()]
    roles["conflict_hosts"] = [dist_host.index, res_host.index]
    return specials, group


def _cells(
    partners: list[Partner], totals: np.ndarray, specials: list[Special], company_base: float
) -> dict[str, np.ndarray]:
    """Split each partner's planned months into its pool stream and its special streams (cents)."""
    n_p = len(partners)
    special_rows = []
    carve = np.zeros_like(totals)
    for s in specials:
        row = np.zeros(N_MONTHS)
        base_months = [m for m in s.months if m in BASE_MONTHS]
        amount = s.share * company_base
        if s.round_robin is not None:  # conflict: a share of the host's own months
            host = totals[s.partner]
            row[s.months] = host[s.months] * 0.35
        else:  # the customer's share of company revenue over the base months (moved: 12 months)
            row[s.months] = amount / (len(base_months) or 12)
            row[36] *= 10 / 31  # the partly loaded last month
        special_rows.append(row)
        carve[s.partner if s.partner >= 0 else n_p] += row
    # the carved revenue comes out of the pool within the same fiscal year, so annual totals hold
    pool = totals.copy()
    for months in [*FY_MONTHS.values(), range(36, 37)]:
        m = np.array(months)
        year_total = totals[:, m].sum(axis=1)
        year_carve = carve[:, m].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(year_total > 0, (year_total - year_carve) / year_total, 0.0)
        least = 0.1 if months.start == 36 else 0.25  # the partial month is small
        if np.any((year_total > 0) & (factor < least)):
            raise AssertionError("a special customer is too large for its host partner")
        pool[:, m] = totals[:, m] * factor[:, None]
    rows = {
        k: []
        for k in (
            "channel",
            "partner",
            "month",
            "usd",
            "pool",
            "customer",
            "group",
            "discount",
            "stream",
        )
    }

    def add(
        channel: int,
        partner: int,
        usd: np.ndarray,
        pool_of: int,
        customer: int,
        group: int,
        discount: float,
        stream: int,
    ) -> None:
        months = np.flatnonzero(usd > 0)
        n = len(months)
        rows["channel"].append(np.full(n, channel))
        rows["partner"].append(np.full(n, partner))
        rows["month"].append(months)
        rows["usd"].append(usd[months])
        rows["pool"].append(np.full(n, pool_of))
        rows["customer"].append(np.full(n, customer))
        rows["group"].append(np.full(n, group))
        rows["discount"].append(np.full(n, discount))
        rows["stream"].append(np.full(n, stream))

    stream = 0
    for p in partners:
        add(
            p.channel, p.index, pool[p.index], p.index, -1, -1, CHANNELS[p.channel].discount, stream
        )
        stream += 1
    add(0, -1, pool[n_p], -1, -1, -1, CHANNELS[0].discount, stream)
    stream += 1
    for s, row in zip(specials, special_rows, strict=True):
        channel = partners[s.partner].channel if s.partner >= 0 else 0
        add(
            channel,
            s.partner,
            row,
            -2,
            s.customer,
            0 if s.round_robin is not None else -1,
            s.discount,
            stream,
        )
        stream += 1
    cells = {k: np.concatenate(v) for k, v in rows.items()}
    cells["cents"] = np.round(cells.pop("usd") * 100).astype(np.int64)
    keep = cells["cents"] > 0
    return {k: v[keep] for k, v in cells.items()}


def _make_pools(
    rng: np.random.Generator,
    partners: list[Partner],
    customers: list[Customer],
    pools: dict[int, tuple[np.ndarray, np.ndarray]],
    cells: dict[str, np.ndarray],
    totals: np.ndarray,
) -> None:
    """Create each partner's own customers, weighted and capped below 0.3% of company revenue."""
    cap = CUSTOMER_CAP_SHARE * totals[:, FY_MONTHS["FY2025"]].sum()
    pool_cells = cells["pool"] > -2
    yearly = {}
    for owner in [*range(len(partners)), -1]:
        mask = pool_cells & (cells["partner"] == owner)
        if not mask.any():
            continue
        year = np.minimum(cells["month"][mask] // 12, 2)
        yearly[owner] = np.bincount(year, cells["cents"][mask] / 100, minlength=3).max()
    for owner, year_max in yearly.items():
        spec = CHANNELS[partners[owner].channel if owner >= 0 else 0]
        p = partners[owner] if owner >= 0 else None
        n = max(spec.customers_per_partner, int(np.ceil(2.5 * year_max / cap)))
        if p is not None and CHANNELS[p.channel].channel_id == "RES":
            n = max(4, int(rng.integers(n // 2, n + n // 2 + 1)))
        segments = _choice(rng, spec.segments, n)
        regions = (
            _choice(rng, REGIONS, n)
            if p is None
            else [p.region if rng.random() < 0.8 else r for r in _choice(rng, REGIONS, n)]
        )
        names = _names(rng, n, _WORDS_B)
        first = len(customers)
        for i in range(n):
            customers.append(Customer(f"C{first + i + 1:05d}", names[i], segments[i], regions[i]))
        ids = np.arange(first, first + n)
        # a reseller with unknown end customers books part of its sales on itself
        if p is not None and CHANNELS[p.channel].channel_id == "RES" and rng.random() < 0.15:
            customers.append(
                Customer(
                    f"C{len(customers) + 1:05d}",
                    f"{p.name} (reseller, end customer unknown)",
                    "smb",
                    p.region,
                )
            )
            ids = np.append(ids, len(customers) - 1)
        weights = _capped(rng.lognormal(0.0, 1.0, len(ids)), cap / max(year_max, 1.0))
        pools[owner] = (ids, weights)


def _capped(w: np.ndarray, cap: float) -> np.ndarray:
    """Normalise ``w`` to sum 1 with no weight above ``cap`` (water-filling)."""
    w = w / w.sum()
    if cap * len(w) <= 1.0:
        raise AssertionError("pool too small for the customer cap")
    for _ in range(50):
        over = w > cap
        if not over.any():
            break
        free = ~over
        w[over] = cap
        w[free] *= (1 - cap * over.sum()) / w[free].sum()
    return w


def _margin_plan(rng: np.random.Generator) -> np.ndarray:
    """Planned gross margin per channel and month; MSP erodes from February 2025."""
    margin = np.array([[c.margin] * N_MONTHS for c in CHANNELS]) + rng.normal(
        0, 0.002, (len(CHANNELS), N_MONTHS)
    )
    msp = CHANNEL_INDEX["MSP"]
    months = np.arange(N_MONTHS)
    margin[msp] -= MSP_EROSION_PER_MONTH * np.clip(months - MSP_EROSION_START + 1, 0, None)
    return margin
