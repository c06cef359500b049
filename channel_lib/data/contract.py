"""The data contract: which files a dataset folder holds, their columns, keys and links.

This module is declarative: :mod:`channel_lib.data.loader` reads it to load and validate a folder, and the
README's data-contract table is generated from the same definitions (``channel-workbook contract``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from channel_lib.core.money import DEFAULT_MONEY_DECIMALS

#: Cell texts that mean "missing" when they appear in a required column.
NA_TOKENS: tuple[str, ...] = ("NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "#N/A", "-")

#: DuckDB type of each logical column type but money (whose places are the dataset's).
_FIXED_TYPES: dict[str, str] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "date": "DATE",
    "month": "VARCHAR",  # 'YYYY-MM' or 'YYYY-MM-DD'; converted after reading
    "quarter": "VARCHAR",  # 'FY2026-Q3'
    "number": "DOUBLE",
    "count": "BIGINT",
    "bool": "BOOLEAN",
}

#: A short hint per logical type but money, used in error messages.
_FIXED_HINTS: dict[str, str] = {
    "id": "an identifier",
    "text": "text",
    "date": "a date written YYYY-MM-DD",
    "month": "a month written YYYY-MM (or the first day, YYYY-MM-01)",
    "quarter": "a fiscal quarter written like FY2026-Q3",
    "number": "a number",
    "count": "a whole number",
    "bool": "true or false",
}


def duckdb_types(money_decimals: int = DEFAULT_MONEY_DECIMALS) -> dict[str, str]:
    """The DuckDB type of each logical column type, money with ``money_decimals`` places.

    Parameters
    ----------
    money_decimals : int
        Places the dataset's money has at most (``money_decimals`` of ``goals.yaml``, 0-6).

    Returns
    -------
    dict of str to str
        Logical type (``"money"``, ``"date"``, ...) → DuckDB type; money is
        ``DECIMAL(18, d)``: exact, 18 - d digits before the point.

    Examples
    --------
    >>> duckdb_types(4)["money"], duckdb_types(0)["money"], duckdb_types(4)["count"]
    ('DECIMAL(18,4)', 'DECIMAL(18,0)', 'BIGINT')
    """
    return {**_FIXED_TYPES, "money": f"DECIMAL(18,{int(money_decimals)})"}


def type_hints(money_decimals: int = DEFAULT_MONEY_DECIMALS) -> dict[str, str]:
    """What a cell of each logical type must hold, for error messages (money at its places).

    Examples
    --------
    >>> type_hints(4)["money"]
    'an amount with at most 4 decimals, no currency sign or thousands separator'
    >>> type_hints(0)["money"]
    'a whole amount (no decimals), no currency sign or thousands separator'
    """
    d = int(money_decimals)
    places = (
        "a whole amount (no decimals)"
        if d == 0
        else f"an amount with at most {d} decimal{'s' if d > 1 else ''}"
    )
    return {**_FIXED_HINTS, "money": f"{places}, no currency sign or thousands separator"}


#: DuckDB type used for each logical column type at the default money places
#: (:data:`~channel_lib.core.money.DEFAULT_MONEY_DECIMALS`); a load uses its dataset's
#: (:attr:`~channel_lib.data.load_state.LoadState.types`).
DUCKDB_TYPES: dict[str, str] = duckdb_types()

#: A short hint per logical type at the default money places, used in error messages.
TYPE_HINTS: dict[str, str] = type_hints()


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    ``nullable``: empty cells are allowed. ``na_is_value``: a literal ``NA`` is data (the region
    "NA" = North America), not a missing value. ``in_file``: the column must be present
    (``False`` = the column itself is optional). ``choices``: the only allowed values.
    ``minimum``: smallest allowed value for numbers.
    """

    name: str
    type: str
    nullable: bool = False
    na_is_value: bool = False
    in_file: bool = True
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    references: str | None = None  # "table.column" this column must exist in


@dataclass(frozen=True)
class Table:
    """One file of the dataset folder."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool
    description: str
    #: what the workbook cannot do without this file (shown when it is missing)
    disables: tuple[str, ...] = ()
    extra_checks: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "channels",
            (
                Column("channel_id", "id"),
                Column("channel_name", "text"),
                Column("channel_type", "text"),
                Column("launched_on", "date", nullable=True),
            ),
            key=("channel_id",),
            required=True,
            description="one row per channel",
        ),
        Table(
            "partners",
            (
                Column("partner_id", "id"),
                Column("partner_name", "text"),
                Column("channel_id", "id", references="channels.channel_id"),
                Column("region", "text", nullable=True, na_is_value=True),
                Column("tier", "text", nullable=True),
                Column("onboarded_on", "date", nullable=True),
                Column("offboarded_on", "date", nullable=True),
            ),
            key=("partner_id",),
            required=False,
            description="one row per partner; required when a sale names a partner",
            disables=("partner-level views",),
        ),
        Table(
            "partner_changes",
            (
                Column("partner_id", "id", references="partners.partner_id"),
                Column("effective_on", "date"),
                Column("field", "text", choices=("channel_id", "tier")),
                Column("new_value", "text"),
            ),
            key=("partner_id", "effective_on", "field"),
            required=False,
            description="one row per change of a partner's channel or tier",
            disables=("partner channel and tier history (partners are shown as they are now)",),
        ),
        Table(
            "customers",
            (
                Column("customer_id", "id"),
                Column("customer_name", "text"),
                Column("segment", "text"),
                Column("region", "text", nullable=True, na_is_value=True),
            ),
            key=("customer_id",),
            required=True,
            description="one row per end customer (a reseller may be its own customer)",
        ),
        Table(
            "products",
            (
                Column("product_id", "id"),
                Column("product_line", "text"),
                Column("list_price", "money", nullable=True, in_file=False, minimum=0),
            ),
            key=("product_id",),
            required=True,
            description="one row per product",
        ),
        Table(
            "sales",
            (
                Column("order_id", "id"),
                Column("line_number", "count", in_file=False, minimum=0),
                Column("order_date", "date"),
                Column("channel_id", "id", references="channels.channel_id"),
                Column("partner_id", "id", nullable=True, references="partners.partner_id"),
                Column("customer_id", "id", references="customers.customer_id"),
                Column("product_id", "id", references="products.product_id"),
                Column("quantity", "number"),
                Column("revenue", "money"),
                Column("cost_of_sales", "money"),
            ),
            key=("order_id", "line_number"),
            required=True,
            description="one row per invoiced order line; credit notes have negative quantity and revenue",
        ),
        Table(
            "channel_costs",
            (
                Column("month", "month"),
                Column("channel_id", "id", references="channels.channel_id"),
                Column("cost_type", "text"),
                Column("amount", "money"),
                Column("discretionary", "bool"),
            ),
            key=("month", "channel_id", "cost_type"),
            required=False,
            description="one row per channel, month and cost type",
            disables=("investment allocation", "cost to serve", "contribution"),
        ),
        Table(
            "partner_reports",
            (
                Column("quarter", "quarter"),
                Column("partner_id", "id", references="partners.partner_id"),
                Column("partner_total_sales", "money", nullable=True, minimum=0),
                Column("line_card_rank", "count", nullable=True, minimum=1),
                Column("sales_headcount", "count", nullable=True, minimum=0),
                Column("key_sales_departures", "count", nullable=True, minimum=0),
                Column("csat", "number", nullable=True, minimum=0),
                Column("first_response_hours", "number", nullable=True, minimum=0),
                Column("certified_staff", "count", nullable=True, minimum=0),
                Column("pipeline_value", "money", nullable=True, minimum=0),
            ),
            key=("quarter", "partner_id"),
            required=False,
            description="one row per partner and quarter, as the partner reports it",
            disables=(
                "partner total sales signal",
                "line-card signal",
                "sales-talent signal",
                "service metrics",
                "share of wallet",
            ),
        ),
        Table(
            "opportunities",
            (
                Column("opportunity_id", "id"),
                Column("partner_id", "id", references="partners.partner_id"),
                Column("customer_id", "id", nullable=True, references="customers.customer_id"),
                Column("amount", "money", minimum=0),
                Column("registered_on", "date"),
                Column("outcome", "text", choices=("open", "won", "lost")),
                Column("close_date", "date", nullable=True),
                Column("loss_reason", "text", nullable=True, na_is_value=True),
            ),
            key=("opportunity_id",),
            required=False,
            description="one row per partner deal (deal registration)",
            disables=("win/loss interview list", "deal registrations"),
        ),
        Table(
            "targets",
            (
                Column("quarter", "quarter"),
                Column("channel_id", "id", references="channels.channel_id"),
                Column("partner_id", "id", nullable=True, references="partners.partner_id"),
                Column("metric", "text", choices=("revenue", "gross_profit")),
                Column("target", "money", minimum=0),
            ),
            key=("quarter", "channel_id", "partner_id", "metric"),
            required=False,
            description="the company's official targets (channel level when partner_id is empty)",
            disables=(
                "attainment against official targets (targets from the plans folder still work)",
            ),
        ),
    )
}

#: Files of a dataset folder that are not tables.
GOALS_FILE = "goals.yaml"
GROUND_TRUTH_FILE = "ground_truth.csv"
