"""Builders of the dataset shapes every notebook must run on (issue 18, point 5).

Each builder writes one composite dataset into a folder, from the sample generator at a small
scale (:data:`SEED`, :data:`SCALE`: a few thousand to sixteen thousand lines) and plain file edits
of its output — never tuned until the notebooks pass. A composite combines features that do not
clash; :data:`SHAPES` lists, per composite, the features of the issue it carries, so the README
section and the test ids say the same thing.

============== ==========================================================================
composite      features
============== ==========================================================================
``erp``        the ERP style (:mod:`channel_lib.sample.erp`): 4-decimal money, monthly
               batch ordering, 700+ partners of which some never ordered, source column
               names through ``mapping.yaml``, extra columns, a byte-order mark, no partner
               reports, no targets anywhere, goals for the current year only (no next year)
``retailer``   one channel (direct) and no partners file, only the required files,
               goals for an earlier year only (FY2024), money with 3-4 decimals
``calendar``   a fiscal year starting in January, EUR, a channel closed inside the window
               (ONL stops after 2025-09) and one launched inside it (MSP, 2024-07), a
               partner that changes channel, 200-character names
``yen``        JPY with ``money_decimals: 0``, a channel with a negative gross margin
               (DIST sells every line below cost), a partner that changes channel
============== ==========================================================================

Every composite keeps the sample's last month partly loaded (orders up to 2026-07-10).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from channel_lib.data.contract import TABLES
from channel_lib.sample import generate_sample

#: Seed and scale of every composite (scale 0.05: about 16,000 sales lines).
SEED = 3
SCALE = 0.05
#: The features of the issue each composite carries (see the module docstring).
SHAPES: dict[str, tuple[str, ...]] = {
    "erp": (
        "4-decimal money",
        "monthly batch ordering",
        "700+ partners, some never ordered",
        "mapping.yaml with source column names, extra columns, byte-order mark",
        "no partner reports",
        "no targets anywhere",
        "goals for the current year only",
        "last month partly loaded",
    ),
    "retailer": (
        "one channel and no partners file",
        "only the required files",
        "goals for an earlier year only",
        "money with 3-4 decimals",
        "last month partly loaded",
    ),
    "calendar": (
        "fiscal year starting in January",
        "currency EUR",
        "a channel closed inside the window",
        "a channel launched inside the window",
        "a partner that changes channel",
        "200-character names",
        "last month partly loaded",
    ),
    "yen": (
        "currency JPY with money_decimals 0",
        "a channel with negative gross margin, lines sold below cost",
        "a partner that changes channel",
        "a channel launched inside the window",
        "last month partly loaded",
    ),
}
#: Every file of the default sample that the contract knows (not ground_truth.csv, README.md).
REQUIRED_FILES = (*(f"{t.name}.csv" for t in TABLES.values() if t.required), "goals.yaml")


# -- file helpers -------------------------------------------------------------------------------
def read(folder: Path, name: str) -> pd.DataFrame:
    """A CSV of the sample as text cells (only empty cells are missing)."""
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False, na_values=[""])


def write(df: pd.DataFrame, folder: Path, name: str) -> None:
    df.to_csv(folder / name, index=False, lineterminator="\n", encoding="utf-8")


def money_columns(file: str) -> list[str]:
    """The contract's money columns of ``file`` (``sales.csv`` → revenue, cost_of_sales)."""
    table = TABLES[file.removesuffix(".csv")]
    return [c.name for c in table.columns if c.type == "money"]


def cents(text: pd.Series) -> pd.Series:
    """2-decimal money text → int64 cents (empty stays missing)."""

    def one(s: object) -> object:
        if not isinstance(s, str):
            return pd.NA
        whole, _, frac = s.lstrip("-").partition(".")
        value = int(whole) * 100 + int((frac + "00")[:2])
        return -value if s.startswith("-") else value

    return text.map(one).astype("Int64")


def exact_text(exact: pd.Series, decimals: int) -> pd.Series:
    """int counts of 10^-decimals → text with ``decimals`` places (missing → empty)."""

    def one(v: object) -> str:
        if v is pd.NA:
            return ""
        v = int(v)
        if decimals == 0:
            return str(v)
        a = abs(v)
        sign = "-" if v < 0 else ""
        return f"{sign}{a // 10**decimals}.{a % 10**decimals:0{decimals}d}"

    return exact.map(one)


def edit_goals(folder: Path, change: Callable[[dict], None]) -> None:
    """Read ``goals.yaml``, let ``change`` edit the mapping in place, write it back."""
    path = folder / "goals.yaml"
    goals = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(goals)
    path.write_text(yaml.safe_dump(goals, sort_keys=False), encoding="utf-8")


def base(folder: Path) -> Path:
    """The default sample at :data:`SCALE` in ``folder`` (the ground truth removed)."""
    generate_sample(folder, seed=SEED, scale=SCALE)
    (folder / "ground_truth.csv").unlink()
    return folder


# -- the composites --------------------------------------------------------------------------------
def build_erp(folder: Path) -> Path:
    """The ERP-style sample (see :data:`SHAPES`)."""
    generate_sample(folder, seed=SEED, scale=SCALE, style="erp")
    return folder


def build_retailer(folder: Path) -> Path:
    """One direct channel, only the required files, FY2024 goals only, 3-4 decimal money."""
    base(folder)
    keep = set(REQUIRED_FILES) | {"README.md"}
    for path in folder.iterdir():
        if path.name not in keep:
            path.unlink()
    sales = read(folder, "sales.csv")
    sales = sales[sales["channel_id"] == "DIR"].copy()
    rng = np.random.default_rng(SEED)
    for column in ("revenue", "cost_of_sales"):
        c = cents(sales[column]).astype("int64")
        # a line of unit price x quantity x (1 - discount) has 3 or 4 decimals
        extra = rng.integers(0, 100, len(c))
        extra = np.where(rng.random(len(c)) < 0.5, extra // 10 * 10, extra)
        sales[column] = exact_text(pd.Series(c * 100 + np.sign(c) * extra).astype("Int64"), 4)
    write(sales, folder, "sales.csv")
    customers = read(folder, "customers.csv")
    write(customers[customers["customer_id"].isin(sales["customer_id"])], folder, "customers.csv")
    channels = read(folder, "channels.csv")
    write(channels[channels["channel_id"] == "DIR"], folder, "channels.csv")
    products = read(folder, "products.csv")
    products["list_price"] = exact_text(cents(products["list_price"]) * 100, 4)
    write(products, folder, "products.csv")

    def goals(g: dict) -> None:
        g["money_decimals"] = 4
        first = g["years"]["FY2024"]
        first["channels"] = {"DIR": first["channels"]["DIR"]}
        first["revenue_objective"] = round(first["revenue_objective"] * 0.3, -5)
        g["years"] = {"FY2024": first}

    edit_goals(folder, goals)
    return folder


#: 200-character names: the original name, then words up to 200 characters.
LONG_TAIL = " and Associated Regional Holdings of the Northern Territories"


def long_name(name: str, length: int = 200) -> str:
    """``name`` padded with :data:`LONG_TAIL` words to exactly ``length`` characters."""
    text = name
    while len(text) < length:
        text += LONG_TAIL
    return text[:length].rstrip() + "x" * (length - len(text[:length].rstrip()))


def calendar_quarter(label: str) -> str:
    """A July-June quarter label → the same months' label in a January fiscal year.

    >>> calendar_quarter("FY2026-Q4"), calendar_quarter("FY2026-Q1")
    ('FY2026-Q2', 'FY2025-Q3')
    """
    m = re.fullmatch(r"FY(\d{4})-Q([1-4])", label)
    year, q = int(m[1]), int(m[2])
    month = 7 + 3 * (q - 1)  # first month, counted from January of year - 1
    start_year = year - 1 + (month - 1) // 12
    return f"FY{start_year}-Q{((month - 1) % 12) // 3 + 1}"


def build_calendar(folder: Path) -> Path:
    """January fiscal year, EUR, ONL closed after 2025-09, 200-character names."""
    base(folder)
    for name in ("targets.csv", "partner_reports.csv"):
        df = read(folder, name)
        df["quarter"] = df["quarter"].map(calendar_quarter)
        if name == "targets.csv":
            df = df[~((df["channel_id"] == "ONL") & (df["quarter"] >= "FY2025-Q4"))]
        write(df, folder, name)
    sales = read(folder, "sales.csv")
    closed = (sales["channel_id"] == "ONL") & (sales["order_date"] > "2025-09-30")
    write(sales[~closed], folder, "sales.csv")
    costs = read(folder, "channel_costs.csv")
    write(
        costs[~((costs["channel_id"] == "ONL") & (costs["month"] > "2025-09"))],
        folder,
        "channel_costs.csv",
    )
    for name, column in (
        ("partners.csv", "partner_name"),
        ("customers.csv", "customer_name"),
        ("channels.csv", "channel_name"),
    ):
        df = read(folder, name)
        df[column] = df[column].map(long_name)
        write(df, folder, name)

    def goals(g: dict) -> None:
        g["currency"] = "EUR"
        g["fiscal_year"] = {"start_month": 1, "naming": "end"}
        # the July-June year FY(y) holds six months of calendar year y - 1 and six of y
        years = {f"FY{int(fy[2:]) - 1}": s for fy, s in g["years"].items()}
        coming = yaml.safe_load(yaml.safe_dump(years["FY2026"]))  # a copy
        coming["revenue_objective"] = round(coming["revenue_objective"] * 1.08, -5)
        years["FY2027"] = coming
        for fy in ("FY2026", "FY2027"):  # ONL closed in FY2025
            years[fy]["channels"].pop("ONL")
        g["years"] = years

    edit_goals(folder, goals)
    return folder


#: Yen per dollar of the yen composite.
YEN_PER_USD = 150


def build_yen(folder: Path) -> Path:
    """JPY with 0 decimals; DIST sells every line 12% below cost."""
    base(folder)
    for path in sorted(folder.glob("*.csv")):
        columns = money_columns(path.name)
        if not columns:
            continue
        df = read(folder, path.name)
        for column in columns:
            c = cents(df[column])
            yen = (c * YEN_PER_USD + 50 * np.sign(c.fillna(0))) // 100  # cents → whole yen
            df[column] = exact_text(yen.astype("Int64"), 0)
        if path.name == "sales.csv":
            dist = df["channel_id"] == "DIST"
            revenue = df.loc[dist, "revenue"].astype(np.int64)
            df.loc[dist, "cost_of_sales"] = (revenue * 112 // 100).astype(str)
        write(df, folder, path.name)

    def goals(g: dict) -> None:
        g["currency"] = "JPY"
        g["money_decimals"] = 0
        g["signals"]["win_loss_amount"] = 300_000 * YEN_PER_USD
        g["signals"]["min_revenue_at_stake"] = 50_000 * YEN_PER_USD
        for section in g["years"].values():
            section["revenue_objective"] = section["revenue_objective"] * YEN_PER_USD

    edit_goals(folder, goals)
    return folder


#: composite name → builder
BUILDERS: dict[str, Callable[[Path], Path]] = {
    "erp": build_erp,
    "retailer": build_retailer,
    "calendar": build_calendar,
    "yen": build_yen,
}


def make_direct_only(folder: Path) -> Path:
    """Edit a copy of a dataset (``folder``) in place into one without partners: no partners,
    partner reports or opportunities file, every sale direct, only the channel-level targets.

    Used by the tests that every analysis runs and says why on a direct-only company.
    """
    for name in ("partners.csv", "partner_reports.csv", "opportunities.csv"):
        (folder / name).unlink()
    for name, keep in (("sales.csv", None), ("targets.csv", "")):
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        frame = frame if keep is None else frame[frame["partner_id"] == keep]
        frame.assign(partner_id="").to_csv(folder / name, index=False)
    return folder
