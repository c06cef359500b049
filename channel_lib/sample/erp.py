"""The sample as an ERP star-schema export would write it (``generate_sample(style="erp")``).

The same plan and sales lines as the default style (:func:`~channel_lib.sample.plan.build_plan`,
:func:`~channel_lib.sample.sales.make_sales`), written the way a manufacturer's ERP exports them:

- **money with 4 decimals** (SQL Server ``money``): every line's revenue and cost of sales gets a
  sub-cent part, so rounding lines to cents changes the sums; ``goals.yaml`` says
  ``money_decimals: 4``;
- **monthly batch orders**: every partner outside the online channel orders on one fixed day of
  each month (a dozen order days a year), the day set by its number;
- **many resellers, some of which never ordered**: each partner of the default style is split
  into :data:`SPLIT` resellers by end customer, and a reseller with no line is kept in the
  reseller table (the ERP lists every account it ever opened);
- **source column names** (``SalesOrderNumber``, ``SalesAmount``, ...) in star-schema files
  (``FactResellerSales.csv``, ``DimReseller.csv``, ...) with a ``mapping.yaml`` naming, per
  contract table, its file and the source column of each contract column;
- **extra columns** the contract does not know (``CurrencyKey``, ``UnitPrice``, ...), a reseller
  table without ``offboarded_on``, and a UTF-8 **byte-order mark** at the start of every CSV;
- **no partner reports, no opportunities, no targets, no partner changes** (an ERP has none of
  them), and goals for FY2024..FY2026 only: no section for the coming year.

There is no ground truth: the split resellers and batch days change what the planted cases of
the default style would read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.sample.sales import Products, SalesLines
from channel_lib.sample.spec import CHANNEL_INDEX, CHANNELS, N_MONTHS, Plan, month_start, rng_for
from channel_lib.sample.tables import channel_costs_table, customers_table, goals_yaml

__all__ = ["ERP_FILES", "MONEY_DECIMALS", "SPLIT", "erp_tables", "money_text"]

#: Places of the ERP's money type.
MONEY_DECIMALS = 4
#: Resellers each partner of the default style is split into (by end customer).
SPLIT = 5
#: Batch order days: a partner orders on day ``1 + number % BATCH_DAYS`` of each month (the last,
#: partly loaded month of the sample holds days 1..10).
BATCH_DAYS = 9
#: contract table → (source file, {contract column: source column}); a contract column left out
#: (the partners' ``offboarded_on``) is absent from the file.
ERP_FILES: dict[str, tuple[str, dict[str, str]]] = {
    "channels": (
        "DimChannel.csv",
        {
            "channel_id": "ChannelCode",
            "channel_name": "ChannelName",
            "channel_type": "ChannelType",
            "launched_on": "LaunchDate",
        },
    ),
    "partners": (
        "DimReseller.csv",
        {
            "partner_id": "ResellerKey",
            "partner_name": "ResellerName",
            "channel_id": "ChannelCode",
            "region": "SalesTerritoryGroup",
            "tier": "BusinessType",
            "onboarded_on": "FirstOrderDate",
        },
    ),
    "customers": (
        "DimCustomer.csv",
        {
            "customer_id": "CustomerKey",
            "customer_name": "CompanyName",
            "segment": "Segment",
            "region": "SalesTerritoryGroup",
        },
    ),
    "products": (
        "DimProduct.csv",
        {"product_id": "ProductKey", "product_line": "ProductLine", "list_price": "ListPrice"},
    ),
    "sales": (
        "FactResellerSales.csv",
        {
            "order_id": "SalesOrderNumber",
            "line_number": "SalesOrderLineNumber",
            "order_date": "OrderDate",
            "channel_id": "ChannelCode",
            "partner_id": "ResellerKey",
            "customer_id": "CustomerKey",
            "product_id": "ProductKey",
            "quantity": "OrderQuantity",
            "revenue": "SalesAmount",
            "cost_of_sales": "TotalProductCost",
        },
    ),
    "channel_costs": (
        "FactChannelCost.csv",
        {
            "month": "CostMonth",
            "channel_id": "ChannelCode",
            "cost_type": "CostType",
            "amount": "Amount",
            "discretionary": "IsDiscretionary",
        },
    ),
}


def money_text(exact: np.ndarray, decimals: int) -> np.ndarray:
    """Integer counts of 10^-``decimals`` → text with exactly ``decimals`` places.

    Parameters
    ----------
    exact : np.ndarray
        int64 amounts in units of 10^-``decimals`` of the currency.
    decimals : int
        Places to write (0 writes whole numbers).

    Returns
    -------
    np.ndarray
        Object array of strings.

    Examples
    --------
    >>> money_text(np.array([12345, -5, 0]), 4).tolist()
    ['1.2345', '-0.0005', '0.0000']
    >>> money_text(np.array([150, -3]), 0).tolist()
    ['150', '-3']
    """
    e = np.asarray(exact, dtype=np.int64)
    if decimals == 0:
        return e.astype(str).astype(object)
    scale = 10**decimals
    a = np.abs(e)
    sign = np.where(e < 0, "-", "")
    whole = (a // scale).astype(str)
    frac = np.char.zfill((a % scale).astype(str), decimals)
    return np.char.add(np.char.add(np.char.add(sign, whole), "."), frac).astype(object)


def _sub_cents(rng: np.random.Generator, cents: np.ndarray) -> np.ndarray:
    """Cents → 4-decimal units with a random sub-cent part of the same sign (0.0001..0.0099)."""
    extra = 10 ** (MONEY_DECIMALS - 2)
    jitter = rng.integers(0, extra, len(cents), dtype=np.int64)
    return cents * extra + np.sign(cents) * jitter


def _resellers(plan: Plan, lines: SalesLines) -> tuple[pd.DataFrame, np.ndarray]:
    """The reseller table (every split of every partner) and each line's reseller id (or "")."""
    rows, keys = [], {}
    cities = ("North", "South", "East", "West", "Central", "Metro", "Coastal")
    for p in plan.partners:
        n = 1 if CHANNELS[p.channel].channel_id == "ONL" else SPLIT
        channel = CHANNELS[int(plan.partner_channel(p.index)[-1])].channel_id
        for k in range(n):
            rid = f"R{len(rows) + 1:05d}"
            keys[(p.index, k)] = rid
            name = p.name if n == 1 else f"{p.name} {cities[k % len(cities)]}"
            rows.append((rid, name, channel, p.region, p.tier or "bronze", p.onboarded_on))
    source = ERP_FILES["partners"][1]
    table = pd.DataFrame(rows, columns=list(source.values()))
    table.insert(3, "AnnualRevenueBand", ["n/a"] * len(table))  # an extra column
    split = np.array(
        [1 if CHANNELS[p.channel].channel_id == "ONL" else SPLIT for p in plan.partners]
    )
    partner = lines.partner
    has = partner >= 0
    sub = np.zeros(len(partner), dtype=np.int64)
    sub[has] = lines.customer[has] % split[partner[has]]
    ids = np.array([keys.get((int(p), int(k)), "") for p, k in zip(partner, sub, strict=True)])
    return table, ids


def _batch_days(plan: Plan, lines: SalesLines, reseller: np.ndarray) -> np.ndarray:
    """Order days: partners outside ONL order once a month, on a day set by their number."""
    onl = CHANNEL_INDEX["ONL"]
    batch = (lines.partner >= 0) & (lines.channel != onl)
    number = np.zeros(len(reseller), dtype=np.int64)
    number[batch] = np.char.lstrip(reseller[batch].astype(str), "R").astype(np.int64)
    starts = np.array([month_start(m) for m in range(N_MONTHS)])
    batch_day = starts[lines.month] + (number % BATCH_DAYS).astype("timedelta64[D]")
    return np.where(batch, batch_day, lines.day)


def erp_tables(
    plan: Plan, products: Products, lines: SalesLines
) -> tuple[dict[str, pd.DataFrame], str, str]:
    """The ERP export's files (source file name → frame of text cells), goals.yaml, mapping.yaml.

    Parameters
    ----------
    plan, products, lines
        The sample's plan, catalogue and sales lines (money in cents).

    Returns
    -------
    tables : dict of str to DataFrame
        Source file name → its frame, cells already text (money with 4 decimals).
    goals : str
        ``goals.yaml`` (``money_decimals: 4``; years FY2024..FY2026).
    mapping : str
        ``mapping.yaml``: per contract table its source file and source columns.
    """
    rng = rng_for(plan.seed, 21)
    resellers, reseller = _resellers(plan, lines)
    revenue = _sub_cents(rng, lines.revenue_cents)
    cost = _sub_cents(rng, lines.cost_cents)
    day = _batch_days(plan, lines, reseller)
    digits = max(8, len(str(int(lines.order_no.max(initial=0)))))
    qty = lines.quantity.astype(np.int64)
    unit = np.where(qty != 0, revenue // np.maximum(np.abs(qty), 1), 0) * np.sign(qty)
    sales = pd.DataFrame(
        {
            "SalesOrderNumber": np.char.add(
                "SO", np.char.zfill(lines.order_no.astype(str), digits)
            ),
            "SalesOrderLineNumber": lines.line_number.astype(np.int64),
            "OrderDate": day.astype("datetime64[D]").astype(str),
            "ChannelCode": np.array([c.channel_id for c in CHANNELS])[lines.channel],
            "ResellerKey": reseller,
            "CustomerKey": np.array([c.customer_id for c in plan.customers])[lines.customer],
            "ProductKey": products.product_id[lines.product],
            "OrderQuantity": qty,
            "UnitPrice": money_text(np.abs(unit), MONEY_DECIMALS),
            "SalesAmount": money_text(revenue, MONEY_DECIMALS),
            "TotalProductCost": money_text(cost, MONEY_DECIMALS),
            "CurrencyKey": "USD",
            "RevisionNumber": 1,
        }
    )
    channels = pd.DataFrame(
        {
            "ChannelCode": [c.channel_id for c in CHANNELS],
            "ChannelName": [c.name for c in CHANNELS],
            "ChannelType": [c.channel_type for c in CHANNELS],
            "LaunchDate": [c.launched_on for c in CHANNELS],
            "ChannelManager": [f"manager {i + 1}" for i in range(len(CHANNELS))],
        }
    )
    customers = customers_table(plan)
    customers.columns = list(ERP_FILES["customers"][1].values())
    customers["DateFirstPurchase"] = ""
    extra = 10 ** (MONEY_DECIMALS - 2)
    product_frame = pd.DataFrame(
        {
            "ProductKey": products.product_id,
            "ProductLine": [
                ("platform", "subscriptions", "services", "accessories")[i]
                for i in products.product_line
            ],
            "ListPrice": money_text(products.list_cents * extra, MONEY_DECIMALS),
            "Color": "NA",
        }
    )
    costs = channel_costs_table(plan, lines)
    cost_exact = (
        pd.to_numeric(costs["amount"].str.replace(".", "", regex=False)).to_numpy(np.int64) * extra
    )
    costs = pd.DataFrame(
        {
            "CostMonth": costs["month"].to_numpy(),
            "ChannelCode": costs["channel_id"].to_numpy(),
            "CostType": costs["cost_type"].to_numpy(),
            "Amount": money_text(cost_exact, MONEY_DECIMALS),
            "IsDiscretionary": costs["discretionary"].to_numpy(),
            "CostCenter": np.char.add("CC-", costs["channel_id"].to_numpy().astype(str)),
        }
    )
    tables = {
        ERP_FILES["channels"][0]: channels,
        ERP_FILES["partners"][0]: resellers,
        ERP_FILES["customers"][0]: customers,
        ERP_FILES["products"][0]: product_frame,
        ERP_FILES["sales"][0]: sales,
        ERP_FILES["channel_costs"][0]: costs,
    }
    return tables, _erp_goals(plan, lines, products), mapping_yaml()


def _erp_goals(plan: Plan, lines: SalesLines, products: Products) -> str:
    """The default style's goals.yaml with ``money_decimals: 4`` and without FY2027."""
    text = goals_yaml(plan, lines, products)
    text = text.replace("currency: USD\n", f"currency: USD\nmoney_decimals: {MONEY_DECIMALS}\n")
    head, _, _ = text.partition("  FY2027:\n")
    return head.replace(
        "# Corporate goals of the sample company",
        "# Corporate goals of the sample company, ERP style (no section for the coming year)",
    )


def mapping_yaml() -> str:
    """``mapping.yaml`` of the ERP export: ``<table>: {file: ..., columns: {contract: source}}``.

    Examples
    --------
    >>> print(mapping_yaml().splitlines()[1])
    channels:
    """
    out = ["# Contract table -> source file and source column of each contract column."]
    for table, (file, columns) in ERP_FILES.items():
        out += [f"{table}:", f"  file: {file}", "  columns:"]
        out += [f"    {contract}: {source}" for contract, source in columns.items()]
    return "\n".join(out) + "\n"


def write_csv_with_bom(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as CSV in UTF-8 with a byte-order mark (as Excel and many ERPs do)."""
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8-sig")


def erp_readme(seed: int, scale: float, sizes: dict[str, int]) -> str:
    """The ERP-style dataset's ``README.md``."""
    command = f"channel-workbook sample --style erp --seed {seed} --out DIR"
    if scale != 1.0:
        command += f" --scale {scale:g}"
    lines = [
        "# Sample dataset, ERP style: the sample company as its ERP exports it",
        "",
        'Generated by `channel_lib.sample` (`generate_sample(..., style="erp")`) — do not edit by',
        "hand. The same company, channels and sales as the default sample, written as a star-schema",
        "export: money with 4 decimals (`money_decimals: 4`), resellers ordering in monthly batches,",
        f"each partner split into {SPLIT} resellers by end customer (resellers without a line never",
        "ordered), source column names mapped to the data contract by `mapping.yaml`, extra",
        "columns, no `offboarded_on` column, a UTF-8 byte-order mark, no partner reports,",
        "opportunities or targets, and goals up to FY2026 only (no coming year).",
        "",
        f"- seed: `{seed}`, scale: `{scale:g}`; regenerate: `{command}`",
        "",
        "| file | rows |",
        "|---|---:|",
    ]
    lines += [f"| `{name}` | {sizes[name]:,} |" for name in sorted(sizes)]
    return "\n".join(lines) + "\n"
