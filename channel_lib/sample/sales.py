"""Sales lines that realise the revenue plan, fully vectorised (no Python loop over lines).

Each planned cell (stream × month) gets a number of orders proportional to its revenue; each order
has one or more lines; line revenues are random shares of the cell's planned cents, so every cell —
and with it every partner, customer, channel and month total the ground truth talks about — sums
exactly to the plan. Quantity follows from revenue, list price and the channel's discount; cost of
sales is scaled per channel and month to the planned gross margin (a channel whose discount the
plan deepens keeps its unit cost against list instead, so its margin falls).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from channel_lib.sample.spec import (
    BASE_MONTHS,
    CHANNELS,
    LAST_DAY,
    MSP_EROSION_START,
    N_MONTHS,
    PRODUCT_LINES,
    Plan,
    month_start,
    rng_for,
)

LINES_PER_ORDER = 1.54  # mean of the geometric draw below
CREDIT_SHARE = 0.015  # share of orders that are credit notes
MAX_ORDER_SHARE = 0.0004  # average order per cell at most this share of base-months revenue
ORDINARY_CUSTOMER_LIMIT = 0.004  # no pool customer reaches this share of base-months revenue
PROMO_SHARE = 0.04  # share of lines with a deep promotional discount (some end below cost)
PROMO_DEPTH = 0.25  # points of discount a promotion adds


@dataclass(frozen=True)
class Products:
    """The product catalogue (sorted by product line, then list price)."""

    product_id: np.ndarray  # str
    product_line: np.ndarray  # index into PRODUCT_LINES
    list_cents: np.ndarray  # int64
    cost_share: np.ndarray  # standard cost as a share of list price


def make_products(seed: int) -> Products:
    """Twelve products per product line with list prices and standard cost shares."""
    rng = rng_for(seed, 2)
    price_range = {
        "platform": (1_500, 25_000),
        "subscriptions": (300, 6_000),
        "services": (150, 2_500),
        "accessories": (5, 400),
    }
    cost_range = {
        "platform": (0.30, 0.42),
        "subscriptions": (0.12, 0.22),
        "services": (0.45, 0.58),
        "accessories": (0.40, 0.52),
    }
    ids, lines, prices, costs = [], [], [], []
    for li, line in enumerate(PRODUCT_LINES):
        lo, hi = price_range[line]
        p = np.sort(np.exp(rng.uniform(np.log(lo), np.log(hi), 12)))
        p[0] = lo
        prices.append(np.round(p, 0 if line != "accessories" else 2))
        costs.append(rng.uniform(*cost_range[line], 12))
        ids += [f"{line[:3].upper()}-{k + 1:03d}" for k in range(12)]
        lines.append(np.full(12, li))
    return Products(
        np.array(ids),
        np.concatenate(lines),
        np.round(np.concatenate(prices) * 100).astype(np.int64),
        np.concatenate(costs),
    )


@dataclass
class SalesLines:
    """The sales table as column arrays, sorted by order and line number."""

    order_no: np.ndarray  # int64, 1-based order number in date order
    line_number: np.ndarray
    day: np.ndarray  # datetime64[D]
    channel: np.ndarray
    partner: np.ndarray  # -1 = direct
    customer: np.ndarray
    product: np.ndarray
    quantity: np.ndarray  # int64, negative on credit notes
    revenue_cents: np.ndarray
    cost_cents: np.ndarray
    month: np.ndarray

    def __len__(self) -> int:
        return len(self.order_no)


def make_sales(plan: Plan, products: Products, *, scale: float) -> SalesLines:
    """Generate the sales lines of ``plan``.

    Parameters
    ----------
    plan : Plan
        The revenue plan (cells of planned cents).
    products : Products
        The catalogue.
    scale : float
        1.0 ≈ 100,000 lines; the plan's totals do not depend on it.

    Returns
    -------
    SalesLines
    """
    rng = rng_for(plan.seed, 3)
    cells = plan.cells
    orders = _draw_orders(rng, cells, scale)
    customer = _order_customers(rng, plan, orders.cell, orders.rank_in_cell)
    lines = _draw_lines(rng, orders)
    cents = _line_cents(rng, cells, lines)
    customer = _spread_large_customers(
        rng, plan, customer, orders.cell, orders.month, lines.order, cents
    )
    channel = cells["channel"][lines.cell]
    line_month = orders.month[lines.order]
    deeper = plan.discount_shift[channel, line_month]
    product, quantity = _line_products(rng, products, cells, lines, cents, deeper)
    cost = _line_costs(rng, plan, products, channel, line_month, product, quantity, cents)
    # -- order numbers in date order ----------------------------------------------------------------------
    n_o = len(orders.cell)
    order_sort = np.lexsort((orders.rank_in_cell, orders.cell, orders.day))
    order_no = np.empty(n_o, dtype=np.int64)
    order_no[order_sort] = np.arange(1, n_o + 1)
    line_sort = np.lexsort((lines.number, order_no[lines.order]))
    partner = cells["partner"][lines.cell]
    return SalesLines(
        order_no=order_no[lines.order][line_sort],
        line_number=lines.number[line_sort],
        day=orders.day[lines.order][line_sort],
        channel=channel[line_sort],
        partner=partner[line_sort],
        customer=customer[lines.order][line_sort],
        product=product[line_sort],
        quantity=quantity[line_sort],
        revenue_cents=cents[line_sort],
        cost_cents=cost[line_sort],
        month=line_month[line_sort],
    )


@dataclass
class _Orders:
    """The orders of the sample, each in one plan cell (arrays by order)."""

    per_cell: np.ndarray  # number of orders of each cell
    cell: np.ndarray
    rank_in_cell: np.ndarray
    month: np.ndarray
    day: np.ndarray  # datetime64[D]


@dataclass
class _Lines:
    """The lines of the orders (arrays by line)."""

    order: np.ndarray
    number: np.ndarray  # line number within its order, from 1
    cell: np.ndarray
    credit: np.ndarray  # bool: a credit-note line


def _draw_orders(rng: np.random.Generator, cells: dict[str, np.ndarray], scale: float) -> _Orders:
    """How many orders each cell gets (its share of ~103,000 × ``scale`` lines), and their days."""
    n_cells = len(cells["cents"])
    n_orders_total = 103_000 * scale / LINES_PER_ORDER
    expected = n_orders_total * cells["cents"] / cells["cents"].sum()
    n_orders = np.floor(expected + rng.random(n_cells)).astype(np.int64)
    # at small scales no single order may be large enough to make an ordinary customer "large"
    base = np.isin(cells["month"], np.arange(BASE_MONTHS.start, BASE_MONTHS.stop))
    largest_order = MAX_ORDER_SHARE * cells["cents"][base].sum()
    minimum = np.maximum(
        np.where(cells["group"] >= 0, 6, 1), np.ceil(cells["cents"] / largest_order)
    ).astype(np.int64)
    n_orders = np.maximum(n_orders, minimum)
    order_cell = np.repeat(np.arange(n_cells), n_orders)
    n_o = len(order_cell)
    cell_first_order = np.concatenate([[0], np.cumsum(n_orders)[:-1]])
    rank_in_cell = np.arange(n_o) - cell_first_order[order_cell]
    month = cells["month"][order_cell]
    bounds = np.array([month_start(m) for m in range(N_MONTHS + 1)])
    days_in_month = np.diff(bounds).astype(np.int64)
    days_in_month[N_MONTHS - 1] = LAST_DAY
    offset = np.floor(rng.random(n_o) * days_in_month[month]).astype(np.int64)
    day = bounds[month] + offset.astype("timedelta64[D]")
    return _Orders(n_orders, order_cell, rank_in_cell, month, day)


def _draw_lines(rng: np.random.Generator, orders: _Orders) -> _Lines:
    """The lines of each order; credit notes are single-line orders, never a cell's first."""
    n_o = len(orders.cell)
    credit = (
        (rng.random(n_o) < CREDIT_SHARE)
        & (orders.rank_in_cell > 0)
        & (orders.per_cell[orders.cell] >= 4)
    )
    lines_per_order = np.where(credit, 1, np.minimum(rng.geometric(0.65, n_o), 6))
    line_order = np.repeat(np.arange(n_o), lines_per_order)
    n_l = len(line_order)
    order_first_line = np.concatenate([[0], np.cumsum(lines_per_order)[:-1]])
    line_number = np.arange(n_l) - order_first_line[line_order] + 1
    return _Lines(line_order, line_number, orders.cell[line_order], credit[line_order])


def _line_cents(
    rng: np.random.Generator, cells: dict[str, np.ndarray], lines: _Lines
) -> np.ndarray:
    """Revenue cents of each line: random shares of its cell's planned cents, summing to them.

    Drops the credits of a cell they would nearly empty (``lines.credit`` is updated).
    """
    n_cells = len(cells["cents"])
    n_l, line_cell, line_credit = len(lines.order), lines.cell, lines.credit
    weight = np.minimum(rng.lognormal(0.0, 0.8, n_l), 6.0)  # no freak lines
    signed = np.where(line_credit, -0.35 * weight, weight)
    cell_sum = np.bincount(line_cell, signed, minlength=n_cells)
    cell_pos = np.bincount(line_cell, np.where(line_credit, 0.0, weight), minlength=n_cells)
    bad = cell_sum < 0.6 * cell_pos  # too many credits in a small cell: drop them there
    if bad.any():
        drop = bad[line_cell] & line_credit
        line_credit = line_credit & ~drop
        signed = np.where(line_credit, -0.35 * weight, weight)
        cell_sum = np.bincount(line_cell, signed, minlength=n_cells)
    lines.credit = line_credit
    cents = np.round(cells["cents"][line_cell] * signed / cell_sum[line_cell]).astype(np.int64)
    residual = cells["cents"] - np.bincount(line_cell, cents, minlength=n_cells).astype(np.int64)
    biggest = np.lexsort(
        (np.where(line_credit, -1.0, weight), line_cell)
    )  # last per cell = largest line
    last_of_cell = biggest[np.cumsum(np.bincount(line_cell, minlength=n_cells)) - 1]
    cents[last_of_cell] += residual
    return cents


def _line_products(
    rng: np.random.Generator,
    products: Products,
    cells: dict[str, np.ndarray],
    lines: _Lines,
    cents: np.ndarray,
    deeper: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Product and quantity of each line (product line from the channel's mix, then discount;
    ``deeper``: points of discount the plan adds to each line, see ``Plan.discount_shift``)."""
    n_l = len(lines.order)
    channel = cells["channel"][lines.cell]
    mix = np.cumsum(np.array([c.product_mix for c in CHANNELS]), axis=1)
    mix = mix / mix[:, -1:]
    product_line = (rng.random(n_l)[:, None] > mix[channel]).sum(axis=1)
    discount = cells["discount"][lines.cell] + deeper + rng.normal(0.0, 0.04, n_l)
    discount = np.clip(
        discount + np.where(rng.random(n_l) < PROMO_SHARE, PROMO_DEPTH, 0.0), 0.0, 0.7
    )
    product = _pick_products(rng, products, product_line, np.abs(cents) / (1 - discount))
    list_cents = products.list_cents[product]
    quantity = np.maximum(1, np.ceil(np.abs(cents) / (list_cents * (1 - discount)))).astype(
        np.int64
    )
    return product, np.where(cents < 0, -quantity, quantity)


def _line_costs(
    rng: np.random.Generator,
    plan: Plan,
    products: Products,
    channel: np.ndarray,
    line_month: np.ndarray,
    product: np.ndarray,
    quantity: np.ndarray,
    cents: np.ndarray,
) -> np.ndarray:
    """Cost of sales cents of each line, scaled per channel and month to the planned margin."""
    n_l = len(cents)
    raw_cost = quantity * products.list_cents[product] * products.cost_share[product]
    raw_cost = raw_cost * rng.lognormal(0.0, 0.03, n_l)
    key = channel * N_MONTHS + line_month
    size = len(CHANNELS) * N_MONTHS
    revenue_cm = np.bincount(key, cents, minlength=size)
    raw_cm = np.bincount(key, raw_cost, minlength=size)
    # the channel's own margin level comes from its prices, discounts and mix (months before any
    # erosion); the plan adds its month-to-month deviations and MSP's erosion on top
    nominal = np.array([c.margin for c in CHANNELS])[:, None]
    before = (np.arange(N_MONTHS) < MSP_EROSION_START)[None, :]
    rev2 = revenue_cm.reshape(len(CHANNELS), N_MONTHS)
    raw2 = raw_cm.reshape(len(CHANNELS), N_MONTHS)
    level = 1.0 - (raw2 * before).sum(axis=1, keepdims=True) / (rev2 * before).sum(
        axis=1, keepdims=True
    )
    target_cost = (1.0 - (level + plan.margin - nominal)).ravel() * revenue_cm
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(raw_cm > 0, target_cost / raw_cm, 1.0)
    # a channel whose discount deepens keeps its unit cost against list price: its realised
    # price against list before (``price``) falls by the deeper discount (scaled as its discount
    # is, ``price / (1 - discount)``: whole units and promotions), and its cost follows the list
    # value, so its margin falls to 1 - planned cost share x price / the lower price
    factor2 = factor.reshape(len(CHANNELS), N_MONTHS)
    listed = np.bincount(
        key, quantity * products.list_cents[product].astype(float), minlength=size
    ).reshape(factor2.shape)
    planned = 1.0 - (level + plan.margin - nominal)  # planned cost / revenue
    for ci in np.flatnonzero(plan.discount_shift.any(axis=1)):
        start = int(np.flatnonzero(plan.discount_shift[ci])[0])
        price = rev2[ci, :start].sum() / listed[ci, :start].sum()  # realised price ÷ list
        usual = CHANNELS[ci].discount + PROMO_SHARE * PROMO_DEPTH
        lower = price - plan.discount_shift[ci, start:] * price / (1.0 - usual)
        m = np.arange(start, N_MONTHS)
        factor2[ci, m] = planned[ci, m] * price / lower * rev2[ci, m] / raw2[ci, m]
    return np.round(raw_cost * factor2.ravel()[key]).astype(np.int64)


def _order_customers(
    rng: np.random.Generator, plan: Plan, order_cell: np.ndarray, rank_in_cell: np.ndarray
) -> np.ndarray:
    """Customer per order: a weighted draw from the pool, the named customer, or the group in turn."""
    cells = plan.cells
    owners = sorted(plan.pools)  # -1 (direct) first, then partner indexes
    # one cumulative table over all pools: pool number k occupies (k, k + 1]
    cum = np.concatenate(
        [k + np.cumsum(plan.pools[o][1]) / plan.pools[o][1].sum() for k, o in enumerate(owners)]
    )
    cum[np.cumsum([len(plan.pools[o][1]) for o in owners]) - 1] = np.arange(1, len(owners) + 1)
    ids = np.concatenate([plan.pools[o][0] for o in owners])
    slot = np.zeros(len(plan.partners) + 1, dtype=np.int64)
    slot[np.array(owners) + 1] = np.arange(len(owners))
    pool_of = cells["pool"][order_cell]
    customer = cells["customer"][order_cell].copy()
    in_pool = pool_of > -2
    order_slot = slot[np.maximum(pool_of, -1) + 1]
    u = rng.random(len(order_cell))
    pick = np.searchsorted(cum, order_slot + u, side="right")
    customer[in_pool] = ids[np.minimum(pick, len(ids) - 1)][in_pool]
    group = cells["group"][order_cell] >= 0
    if group.any():
        g = plan.conflict_group
        offset = cells["month"][order_cell] * 3
        customer[group] = g[(rank_in_cell[group] + offset[group]) % len(g)]
    return customer


def _spread_large_customers(
    rng: np.random.Generator,
    plan: Plan,
    customer: np.ndarray,
    order_cell: np.ndarray,
    order_month: np.ndarray,
    line_order: np.ndarray,
    cents: np.ndarray,
    *,
    limit: float = ORDINARY_CUSTOMER_LIMIT,
) -> np.ndarray:
    """Keep every pool-drawn customer under ``limit`` of company revenue in the base months.

    Random draws can pile a few large orders on one customer when lines are few (small scale).
    Half of such a customer's orders in the base months go to other customers of the same pool,
    until no pool customer is at or above the limit — the "ordinary customers stay under 0.5%"
    guarantee of the plan, made exact.
    """
    cells = plan.cells
    owners = sorted(plan.pools)
    lengths = np.array([len(plan.pools[o][0]) for o in owners])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ids = np.concatenate([plan.pools[o][0] for o in owners])
    slot = np.zeros(len(plan.partners) + 1, dtype=np.int64)
    slot[np.array(owners) + 1] = np.arange(len(owners))
    pool_of = cells["pool"][order_cell]
    order_slot = slot[np.maximum(pool_of, -1) + 1]
    in_base = (order_month >= BASE_MONTHS.start) & (order_month < BASE_MONTHS.stop)
    order_cents = np.bincount(line_order, cents, minlength=len(order_cell))
    total = order_cents[in_base].sum()
    movable = in_base & (pool_of > -2)
    customer = customer.copy()
    for _ in range(30):
        revenue = np.bincount(
            customer[movable], order_cents[movable], minlength=len(plan.customers)
        )
        over = revenue >= limit * total
        if not over.any():
            break
        move = movable & over[customer] & (rng.random(len(customer)) < 0.5)
        k = order_slot[move]
        customer[move] = ids[
            starts[k] + np.floor(rng.random(move.sum()) * lengths[k]).astype(np.int64)
        ]
    return customer


def _pick_products(
    rng: np.random.Generator, products: Products, product_line: np.ndarray, budget_cents: np.ndarray
) -> np.ndarray:
    """A product of the chosen line whose discounted unit price fits the line's revenue.

    Quantities are whole units (rounded up), so products that fit four times into the line are
    preferred; when nothing in the line fits even once, the line falls back to accessories.
    """
    u = rng.random(len(product_line))
    out = np.empty(len(product_line), dtype=np.int64)
    starts = {
        li: int(np.flatnonzero(products.product_line == li)[0]) for li in range(len(PRODUCT_LINES))
    }
    acc = PRODUCT_LINES.index("accessories")
    line = product_line.copy()
    for li in range(len(PRODUCT_LINES)):
        prices = products.list_cents[products.product_line == li]
        sel = line == li
        affordable = np.searchsorted(prices, budget_cents[sel], side="right")
        too_small = affordable == 0
        if li != acc:
            idx = np.flatnonzero(sel)
            line[idx[too_small]] = acc
    for li in range(len(PRODUCT_LINES)):
        prices = products.list_cents[products.product_line == li]
        sel = line == li
        # prefer products bought at least four at a time (whole units distort the price less)
        by_four = np.searchsorted(prices, budget_cents[sel] / 4, side="right")
        by_one = np.searchsorted(prices, budget_cents[sel], side="right")
        affordable = np.maximum(1, np.where(by_four > 0, by_four, by_one))
        out[sel] = starts[li] + np.floor(u[sel] * affordable).astype(np.int64)
    return out
