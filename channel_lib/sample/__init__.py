"""Deterministic sample dataset with planted signals and their ground truth.

``generate_sample(out, seed=20261)`` writes every file of the data contract plus
``ground_truth.csv`` (the planted cases and near misses) and a ``README.md`` describing them.
The same seed and package version give byte-identical files. The steps:

1. :func:`~channel_lib.sample.plan.build_plan` decides entities, planted cases and the revenue plan
   (stream × month, in cents) before any line exists: the fixed structure is in
   :mod:`~channel_lib.sample.spec`, the partners in :mod:`~channel_lib.sample.partners`, the
   streams and cells in :mod:`~channel_lib.sample.streams`, the names in
   :mod:`~channel_lib.sample.names`;
2. :func:`~channel_lib.sample.sales.make_sales` builds sales lines that sum exactly to that plan
   (vectorised numpy; ``scale`` multiplies the number of lines, not the money);
3. :mod:`~channel_lib.sample.tables` builds the small tables and ``goals.yaml``,
   :mod:`~channel_lib.sample.truth` the ground truth (one function per planted case);
4. everything is written to a temporary folder next to ``out`` and moved into place file by file.

Nothing in the analysis modules imports this package: the ground truth must stay independent.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     sizes = generate_sample(pathlib.Path(tmp) / "s", seed=3, scale=0.05)
>>> sizes["sales.csv"] > 3000, sizes["ground_truth.csv"] > 40
(True, True)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from channel_lib.core.errors import ParameterError
from channel_lib.sample.erp import ERP_FILES, erp_readme, erp_tables, write_csv_with_bom
from channel_lib.sample.plan import build_plan
from channel_lib.sample.sales import Products, SalesLines, make_products, make_sales
from channel_lib.sample.spec import CHANNELS, Plan
from channel_lib.sample.tables import (
    channel_costs_table,
    channels_table,
    customers_table,
    goals_yaml,
    opportunities_table,
    partner_changes_table,
    partner_reports_table,
    partners_table,
    products_table,
    targets_table,
)
from channel_lib.sample.truth import ground_truth

__all__ = ["DEFAULT_SEED", "generate_sample"]

#: seed of the committed ``data/sample`` (``make sample``)
DEFAULT_SEED = 20261
#: every file the generator may write (stale ones of these are removed from ``out``)
GENERATED_FILES = (
    "channels.csv",
    "partners.csv",
    "partner_changes.csv",
    "customers.csv",
    "products.csv",
    "sales.csv",
    "sales.parquet",
    "channel_costs.csv",
    "partner_reports.csv",
    "opportunities.csv",
    "targets.csv",
    "goals.yaml",
    "ground_truth.csv",
    "README.md",
    "mapping.yaml",
    *(file for file, _ in ERP_FILES.values()),
)
#: the styles of :func:`generate_sample`
STYLES = ("standard", "erp")
SALES_COLUMNS = (
    "order_id",
    "line_number",
    "order_date",
    "channel_id",
    "partner_id",
    "customer_id",
    "product_id",
    "quantity",
    "revenue",
    "cost_of_sales",
)


def generate_sample(
    out: Path | str,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    formats: Sequence[str] = ("csv",),
    style: str = "standard",
) -> dict[str, int]:
    """Generate the sample dataset into ``out``.

    Parameters
    ----------
    out : Path or str
        Target folder (created). Files of the sample already there are replaced; other files are
        left alone.
    seed : int
        Random seed; the committed sample uses :data:`DEFAULT_SEED`.
    scale : float
        Multiplies the number of sales lines (1.0 ≈ 100,000; 100 ≈ 10 million). Revenue totals,
        entities and planted cases do not depend on it.
    formats : sequence of {"csv", "parquet"}
        Format(s) of the sales table. With both, ``out`` gets ``sales.csv`` and a complete
        Parquet twin of the dataset is written to ``out/parquet/`` (one folder may hold only one
        sales file).
    style : {"standard", "erp"}
        ``"standard"``: the files of the data contract as the committed sample has them.
        ``"erp"`` writes the same company as a manufacturer's ERP star-schema export
        (:mod:`channel_lib.sample.erp`): 4-decimal money, monthly reseller batches, resellers that
        never ordered, source column names with a ``mapping.yaml``, extra columns, a byte-order
        mark, no partner reports, opportunities or targets, goals without the coming year, and
        no ground truth. Only ``formats=("csv",)`` goes with it.

    Returns
    -------
    dict of str to int
        Rows per written table (file name → rows).

    Raises
    ------
    ParameterError
        For a non-positive scale, an unknown format or style, or Parquet with the ERP style.
    """
    if style not in STYLES:
        raise ParameterError(f"unknown sample style {style!r}; use one of {', '.join(STYLES)}")
    formats = tuple(dict.fromkeys(formats)) or ("csv",)
    if not scale > 0:
        raise ParameterError(f"scale must be positive, got {scale!r}")
    unknown = [f for f in formats if f not in ("csv", "parquet")]
    if unknown:
        raise ParameterError(
            f"unknown sales format(s) {', '.join(unknown)}; use csv and/or parquet"
        )
    if style == "erp" and formats != ("csv",):
        raise ParameterError("the erp style writes CSV only; drop --format parquet")
    out = Path(out)
    plan = build_plan(seed)
    products = make_products(seed)
    lines = make_sales(plan, products, scale=scale)
    if style == "erp":
        return _write_erp(out, seed, scale, plan, products, lines)
    tables, goals, truth = _small_tables(plan, products, lines)
    with _staged(out) as tmp:
        sizes = {}
        for name, df in tables.items():
            _write_frame(df, tmp / name)
            sizes[name] = len(df)
        (tmp / "goals.yaml").write_text(goals, encoding="utf-8", newline="\n")
        sales = _sales_arrow(plan, products, lines)
        main = formats[0]
        _write_sales(sales, tmp / f"sales.{main}")
        sizes[f"sales.{main}"] = len(lines)
        (tmp / "README.md").write_text(
            readme(seed, scale, formats, sizes, truth), encoding="utf-8", newline="\n"
        )
        if len(formats) > 1:
            twin = tmp / "parquet"
            twin.mkdir()
            for name in [*tables, "goals.yaml", "README.md"]:
                shutil.copyfile(tmp / name, twin / name)
            _write_sales(sales, twin / "sales.parquet")
    return sizes


def _write_erp(
    out: Path, seed: int, scale: float, plan: Plan, products: Products, lines: SalesLines
) -> dict[str, int]:
    """Write the ERP style's files into ``out`` (see :mod:`channel_lib.sample.erp`)."""
    tables, goals, mapping = erp_tables(plan, products, lines)
    with _staged(out) as tmp:
        sizes = {}
        for name, df in tables.items():
            write_csv_with_bom(df, tmp / name)
            sizes[name] = len(df)
        (tmp / "goals.yaml").write_text(goals, encoding="utf-8", newline="\n")
        (tmp / "mapping.yaml").write_text(mapping, encoding="utf-8", newline="\n")
        (tmp / "README.md").write_text(
            erp_readme(seed, scale, sizes), encoding="utf-8", newline="\n"
        )
    return sizes


@contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write into; its files are moved into ``out`` when
    the block ends without an error (:func:`_move_into`), and it is removed either way."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        _move_into(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _small_tables(
    plan: Plan, products: Products, lines: SalesLines
) -> tuple[dict[str, pd.DataFrame], str, pd.DataFrame]:
    partners = partners_table(plan)
    opportunities, deal_ids = opportunities_table(plan)
    reports = partner_reports_table(plan, lines)
    targets = targets_table(plan, lines)
    goals = goals_yaml(plan, lines, products)
    costs = channel_costs_table(plan, lines)
    truth = ground_truth(
        plan,
        lines,
        deal_ids,
        reports,
        partners,
        products=products,
        targets=targets,
        goals=goals,
        costs=costs,
    )
    tables = {
        "channels.csv": channels_table(),
        "partners.csv": partners,
        "partner_changes.csv": partner_changes_table(plan, partners),
        "customers.csv": customers_table(plan),
        "products.csv": products_table(products),
        "channel_costs.csv": costs,
        "partner_reports.csv": reports,
        "opportunities.csv": opportunities,
        "targets.csv": targets,
        "ground_truth.csv": truth,
    }
    return tables, goals, truth


def _write_frame(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _decimal(cents: np.ndarray) -> pa.Array:
    """int64 cents → decimal128(18, 2) without going through floats."""
    buf = np.empty((len(cents), 2), dtype=np.int64)
    buf[:, 0] = cents
    buf[:, 1] = cents >> 63  # sign extension of the 128-bit value
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [None, pa.py_buffer(buf)])


def _sales_arrow(plan: Plan, products: Products, lines: SalesLines) -> pa.Table:
    import pyarrow.compute as pc

    digits = max(8, len(str(int(lines.order_no.max(initial=0)))))
    order_id = pc.binary_join_element_wise(
        "SO", pc.utf8_lpad(pc.cast(pa.array(lines.order_no), pa.string()), digits, "0"), ""
    )
    partner_ids = pa.array([p.partner_id for p in plan.partners])
    customer_ids = pa.array([c.customer_id for c in plan.customers])
    channel_ids = pa.array([c.channel_id for c in CHANNELS])
    partner = partner_ids.take(pa.array(np.maximum(lines.partner, 0), mask=lines.partner < 0))
    return pa.table(
        {
            "order_id": order_id,
            "line_number": pa.array(lines.line_number.astype(np.int64)),
            "order_date": pa.array(lines.day.astype("datetime64[D]")),
            "channel_id": channel_ids.take(pa.array(lines.channel)),
            "partner_id": partner,
            "customer_id": customer_ids.take(pa.array(lines.customer)),
            "product_id": pa.array(products.product_id).take(pa.array(lines.product)),
            "quantity": pa.array(lines.quantity.astype(np.int64)),
            "revenue": _decimal(lines.revenue_cents),
            "cost_of_sales": _decimal(lines.cost_cents),
        }
    )


def _write_sales(table: pa.Table, path: Path) -> None:
    if path.suffix == ".csv":
        with path.open("wb") as f:
            f.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(
                table,
                f,
                pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16),
            )
    else:
        pq.write_table(table, path, compression="zstd", row_group_size=1 << 20)


def _move_into(tmp: Path, out: Path) -> None:
    """Move the finished files into ``out`` (each rename is atomic) and drop stale sample files."""
    out.mkdir(parents=True, exist_ok=True)
    written = {p.name for p in tmp.iterdir()}
    for name in GENERATED_FILES:
        if name not in written and (out / name).exists():
            (out / name).unlink()
    if "parquet" not in written and (out / "parquet" / "sales.parquet").exists():
        shutil.rmtree(out / "parquet")
    for name in sorted(written):
        if (tmp / name).is_dir():
            if (out / name).exists():
                shutil.rmtree(out / name)
        os.replace(tmp / name, out / name)


#: The README's lines on the cases planted for target setting, orientation, triage (issues 19, 21)
#: and the budget as a decision (issue 20).
_CASES_FOR_TARGETS_AND_TRIAGE = [
    "The cases added for target setting, orientation and triage (issues 19 and 21; each drawn from",
    "its own random stream, so the older cases keep their partners and customers):",
    "",
    "- `target_declining_partner`: FY2026 revenue through the partner >= 10% under FY2025 and a",
    "  customer worth >= 1% of company revenue (FY2025-Q3..FY2026-Q2) lost or moved away; its FY2027",
    "  target rise must not exceed its channel's. Near miss: a partner that fell 5-9%, no customer lost;",
    "- `target_gaining_partner`: a partner that gained a customer moved in from another partner (its",
    "  target base includes that customer);",
    "- `target_growing_partner`: every partner whose FY2026 revenue is >= 10% above FY2025 (its FY2027",
    "  target must be >= 95% of its FY2026 revenue);",
    "- `targets_short_of_objective` (entity `ALL`, period a fiscal year): the official channel revenue",
    "  targets of FY2026 (`targets.csv`, rows without a partner) sum short of `revenue_objective`;",
    "  near miss: FY2025's sum to within 1% of it (gross profit against objective x",
    "  `gross_margin_goal` is stated too);",
    "- `over_indexing` (entity a segment or product line, period FY2026): share of FY2026 revenue",
    "  beyond its `strategic_focus` weight + 5 points; near miss: over its focus by less than 5 points;",
    "- `partner_recruited` (period: the quarter of `onboarded_on`): every partner onboarded from",
    "  2023-07-01 on; `partner_lapsed` (period: the second quarter without a sale): a partner that is",
    "  not offboarded, with no sales line for two quarters in a row after its first sale; near miss:",
    "  exactly one quarter without a sale (period: that quarter);",
    "- `unusual_move`: a partner whose >= 20% move of our revenue (`our_sales_change`) is unusual for",
    "  it (its FY2025 quarters moved only a few points on FY2024's); near miss: a batch orderer (one",
    "  order month a quarter, very uneven quarters) whose >= 20% move is usual for it;",
    "- `margin_below_goal`: FY2026-Q4 gross margin below the channel's goal (its own",
    "  `gross_margin_goal` in `goals.yaml` where given, else the corporate one) while its FY2026",
    "  revenue grew on FY2025; near miss: below the corporate goal, at or above its own;",
    "- `line_card_change` has five near misses: missing reports and changes before the report quarter.",
    "",
    "The cases added for the budget as a decision and the margin bridge (issue 20; FY2026 is managed",
    "for revenue and profit, so a unit of spend must return a unit of gross profit):",
    "",
    "- `investment_cut`: a channel whose revenue answers its discretionary spend along a Hill curve",
    "  and whose FY2026-Q4 spend is past its break-even: one more USD returns < 0.60 USD of gross",
    "  profit (the curve's revenue slope x the channel's FY2026-Q4 gross margin); its break-even spend",
    "  (USD/month, in the detail) lies inside the spend observed over the three years, so the cut is",
    "  not an extrapolation. Near miss: a channel whose discretionary spend varies >= 2x but drives",
    "  nothing (not measurable: held, never cut);",
    "- `investment_raise`: a channel whose revenue answers its discretionary spend (mdf + enablement)",
    "  along a Hill curve spent over a 12x range, so the fit sees both sides of its break-even; at",
    "  FY2026-Q4's spend one more USD returns >= 1.8 USD of gross profit. Near miss: the co-op that",
    "  follows revenue (`revenue_driven_spend`): it looks like a high return but is not a lever;",
    "- `margin_driver` (FY2026-Q4 against FY2025-Q4; the detail starts with the driver):",
    "  `unit_cost:` gross margin down >= 3 points as unit cost rose against list at steady prices;",
    "  `price_discount:` down >= 2 points as the discount off list deepened at steady unit cost",
    "  against list; near miss `stable:` the steadiest other channel, whose margin moved < 0.5",
    "  points (no driver is claimed).",
    "",
]


def readme(
    seed: int, scale: float, formats: Sequence[str], sizes: dict[str, int], truth: pd.DataFrame
) -> str:
    """The dataset's ``README.md``: what it is, how to regenerate it, sizes and the planted cases."""
    command = f"channel-workbook sample --seed {seed} --out DIR"
    if scale != 1.0:
        command += f" --scale {scale:g}"
    if tuple(formats) != ("csv",):
        command += "".join(f" --format {f}" for f in formats)
    lines = [
        "# Sample dataset: a channel company with planted signals",
        "",
        "Generated by `channel_lib.sample` — do not edit by hand; regenerate it. A fictional company sells",
        "platform products, subscriptions, services and accessories through five channels: direct strategic",
        "accounts (DIR), national distribution (DIST), solution resellers (RES), an online marketplace (ONL)",
        "and managed-service partners (MSP, launched in year two). Fiscal years run July–June and are named",
        "by their end year; sales run from 2023-07-01 to 2026-07-10, so July 2026 is only partly loaded and",
        "the latest complete quarter — the reporting quarter of every planted case — is **FY2026-Q4**.",
        "",
        f"- seed: `{seed}`, scale: `{scale:g}`, sales format(s): {', '.join(formats)}",
        f"- regenerate: `{command}` (the committed sample: `make sample`); the same seed and",
        "  package version give byte-identical files (`tests/test_sample.py` checks it).",
        "- realism on purpose: seasonality (fiscal year-end push, a consumer peak online), growth, list price,",
        "  discount and cost structure by channel, credit notes (negative quantity and revenue), lines sold",
        '  below cost, a region called "NA" (North America), resellers whose end customers are unknown (the',
        "  reseller is its own customer), partners that never ordered, an offboarded partner, partner reports",
        "  with gaps, and the company's official targets (channels: FY2025, FY2026 and FY2027-Q1; the",
        "  largest three partners of DIST, RES and MSP: FY2026 and FY2027-Q1).",
        "",
        "## Tables",
        "",
        "| file | rows |",
        "|---|---:|",
    ]
    for name in sorted(sizes):
        lines.append(f"| `{name}` | {sizes[name]:,} |")
    lines += [
        "",
        "`goals.yaml` has sections FY2024..FY2027 (FY2027 is the coming year for target setting) and the",
        "signal thresholds at their defaults.",
        "",
        "## Planted cases and near misses (`ground_truth.csv`)",
        "",
        "The plan is decided before any line is generated; the data then realise it exactly. Every",
        "`planted` case crosses its threshold in FY2026-Q4, every `near_miss` sits close without crossing,",
        "and ordinary entities are kept clear of every threshold by construction (year-on-year changes",
        "within ±10%, ordinary customers under 0.5% of revenue, deals under $250K, line-card ranks",
        "unchanged, no key departures in the last reported quarters, good service metrics).",
        "",
        "How `tests/test_sample.py` reads each signal (thresholds met at >=; the report quarter is",
        "FY2026-Q4; months are calendar months of the data):",
        "",
        "- `partner_total_sales_change`: partner_total_sales of the partner's last four reported quarters",
        "  vs the four before, |change| >= 20% (partners with eight reports);",
        "- `our_sales_change`: our revenue through the partner FY2026 vs FY2025, |change| >= 20%",
        "  (partners with revenue in FY2025);",
        "- `lost_customer`: bought in >= 3 of FY2025-Q3..FY2026-Q2, worth >= 1% of company revenue over",
        "  those quarters, no sales line in FY2026-Q3..Q4 (a customer who moved partner still buys);",
        "- `line_card_change`: the rank reported for FY2026-Q4 differs from the previous reported rank;",
        "- `key_talent_loss`: key_sales_departures > 0 in the last two reported quarters;",
        "- `service_metrics`: FY2026-Q4 CSAT < 4.0 or first response > 24 hours;",
        "- `win_loss_deal`: won or lost deals of >= $300,000 closed in FY2026-Q4;",
        "- `channel_dependency`: a channel with >= 30% of revenue (FY2026 and FY2026-Q4);",
        "- `margin_erosion`: FY2026 revenue above FY2025 while gross margin fell >= 2 points;",
        "- `diminishing_returns`: a Hill curve of monthly revenue on discretionary spend (the half-",
        "  saturation is stated in the detail);",
        "- `revenue_driven_spend`: a discretionary cost type whose ratio to the channel's monthly revenue",
        "  varies by less than 5% (coefficient of variation);",
        "- `channel_conflict`: >= 5 customers buying through both channels in FY2026-Q4 with average",
        "  discounts >= 5 points apart;",
        "- `role_departure`: < 50% of the channel's FY2026 revenue from its declared segments;",
        "- `target_miss`: FY2026-Q4 revenue below 95% of the official channel target;",
        "- `stopped_reporting`, `new_partner`, `new_channel`, `partner_move`, `role_change`: as named",
        "  (no report for the last two quarters; onboarded in FY2026-Q4; launched after the data begin;",
        "  a row of partner_changes.csv; a declared role that differs between fiscal-year sections).",
        "",
        *_CASES_FOR_TARGETS_AND_TRIAGE,
        "| signal | kind | entity | detail |",
        "|---|---|---|---|",
    ]
    for r in truth.itertuples(index=False):
        lines.append(f"| {r.signal} | {r.kind} | {r.entity_type} `{r.entity_id}` | {r.detail} |")
    return "\n".join(lines) + "\n"
