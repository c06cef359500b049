"""Build the benchmark dataset: a contract-conforming synthetic set with DuckDB SQL.

Used by :mod:`bench_load` when :func:`channel_lib.sample.generate_sample` is not available. It
writes two complete dataset folders that differ only in the sales file's format::

    benchmarks/data/synthetic-10M/csv/       sales.csv      + the small tables as CSV
    benchmarks/data/synthetic-10M/parquet/   sales.parquet  + the same small tables

The data is deterministic (hash-based, no random state) and realistic enough to exercise the
loader and the metrics: 5 channels, ~1,200 partners, 40,000 customers who each buy through one
home partner (or direct), 300 products in 4 product lines (some without a list price), 36 months,
orders of 1–4 lines, credit notes and lines sold below cost.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"

CHANNELS = [
    ("DIR", "Direct strategic accounts", "direct", "2018-01-01"),
    ("DIST", "National distribution", "distribution", "2019-03-01"),
    ("RES", "Value-added resellers", "reseller", "2020-01-01"),
    ("WEB", "Online marketplace", "online", "2021-06-01"),
    ("MSP", "Managed service providers", "msp", "2022-01-01"),
]
N_PARTNERS = 1200
N_CUSTOMERS = 40_000
N_PRODUCTS = 300

GOALS = """\
# Synthetic benchmark goals (July-June fiscal year named by its end year).
currency: USD
fiscal_year:
  start_month: 7
  naming: end
years:
  FY2024: &year
    revenue_objective: 2000000000
    gross_margin_goal: 0.30
    managing_for: revenue_and_profit
    strategic_focus:
      segments: {enterprise: 0.5, mid_market: 0.3, smb: 0.2}
      product_lines: {platform: 0.5, services: 0.3, accessories: 0.1, support: 0.1}
      new_customer_share: 0.2
    channels:
      DIR: {role: strategic_accounts, role_weight: 1.5, segments: [enterprise]}
      DIST: {role: distribution, role_weight: 1.0, segments: [mid_market, smb]}
      RES: {role: value_added, role_weight: 1.0, segments: [mid_market]}
      WEB: {role: online, role_weight: 0.5, segments: [smb]}
      MSP: {role: services, role_weight: 0.8, segments: [smb, mid_market]}
  FY2025: *year
  FY2026: *year
"""


def build(out: Path, n_lines: int = 10_000_000, *, threads: int | None = None) -> Path:
    """Write the synthetic dataset under ``out`` (``out/csv`` and ``out/parquet``).

    Parameters
    ----------
    out : Path
        Folder to create; existing content is replaced.
    n_lines : int
        Sales lines to write.
    threads : int, optional
        DuckDB threads.

    Returns
    -------
    Path
        ``out``.
    """
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "csv").mkdir(parents=True)
    (tmp / "parquet").mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {threads}")
    values = ", ".join(f"('{a}', '{b}', '{c}', DATE '{d}')" for a, b, c, d in CHANNELS)
    con.execute(
        "CREATE TABLE channels AS SELECT * FROM (VALUES "
        + values
        + ") t(channel_id, channel_name, channel_type, launched_on)"
    )
    # partners: channels 1..4 (not DIR)
    con.execute(f"""
        CREATE TABLE partners AS
        SELECT 'P' || lpad(CAST(i AS VARCHAR), 5, '0') AS partner_id,
               'Partner ' || i AS partner_name,
               (['DIST', 'RES', 'WEB', 'MSP'])[1 + i % 4] AS channel_id,
               (['NA', 'EMEA', 'APAC', 'LATAM'])[1 + (i // 4) % 4] AS region,
               (['gold', 'silver', 'bronze'])[1 + (i // 16) % 3] AS tier,
               DATE '2019-01-01' + CAST(i % 1500 AS INTEGER) AS onboarded_on,
               CAST(NULL AS DATE) AS offboarded_on
        FROM range({N_PARTNERS}) r(i)
    """)
    con.execute(f"""
        CREATE TABLE customers AS
        SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0') AS customer_id,
               'Customer ' || i AS customer_name,
               (['enterprise', 'mid_market', 'smb', 'smb'])[1 + i % 4] AS segment,
               (['NA', 'EMEA', 'APAC', 'LATAM'])[1 + (i // 7) % 4] AS region,
               -- home partner: 15% direct (NULL), else one partner
               CASE WHEN hash(i, 'direct') % 100 < 15 THEN NULL
                    ELSE 'P' || lpad(CAST(hash(i, 'partner') % {N_PARTNERS} AS VARCHAR), 5, '0')
               END AS home_partner
        FROM range({N_CUSTOMERS}) r(i)
    """)
    con.execute(f"""
        CREATE TABLE products AS
        SELECT 'SKU' || lpad(CAST(i AS VARCHAR), 4, '0') AS product_id,
               (['platform', 'services', 'accessories', 'support'])[1 + i % 4] AS product_line,
               CASE WHEN i % 10 = 9 THEN NULL
                    ELSE CAST(20 + (hash(i, 'price') % 200000) / 100.0 AS DECIMAL(18, 2))
               END AS list_price
        FROM range({N_PRODUCTS}) r(i)
    """)
    # sales: orders of 1-4 lines; the customer decides channel and partner
    con.execute(f"""
        CREATE TABLE sales AS
        WITH lines AS (
            SELECT i,
                   i // 3 AS o,
                   hash(i // 3, 'customer') % {N_CUSTOMERS} AS c,
                   hash(i, 'product') % {N_PRODUCTS} AS p,
                   CAST(hash(i // 3, 'day') % 1096 AS INTEGER) AS d,
                   CAST(1 + hash(i, 'qty') % 40 AS INTEGER) AS q,
                   hash(i, 'credit') % 1000 = 0 AS credit
            FROM range({n_lines}) r(i)
        )
        SELECT 'O' || lpad(CAST(l.o AS VARCHAR), 8, '0') AS order_id,
               CAST(l.i % 3 + 1 AS BIGINT) AS line_number,
               DATE '2023-07-01' + CAST(l.d AS INTEGER) AS order_date,
               coalesce(pa.channel_id, 'DIR') AS channel_id,
               cu.home_partner AS partner_id,
               cu.customer_id,
               pr.product_id,
               CAST(CASE WHEN l.credit THEN -l.q ELSE l.q END AS DOUBLE) AS quantity,
               CAST((CASE WHEN l.credit THEN -l.q ELSE l.q END)
                    * coalesce(pr.list_price, 35.00)
                    * (0.70 + (hash(l.i, 'disc') % 30) / 100.0) AS DECIMAL(18, 2)) AS revenue,
               CAST((CASE WHEN l.credit THEN -l.q ELSE l.q END)
                    * coalesce(pr.list_price, 35.00)
                    * (0.45 + (hash(l.i, 'cost') % 40) / 100.0) AS DECIMAL(18, 2)) AS cost_of_sales
        FROM lines l
        JOIN customers cu ON cu.customer_id = 'C' || lpad(CAST(l.c AS VARCHAR), 6, '0')
        JOIN products pr ON pr.product_id = 'SKU' || lpad(CAST(l.p AS VARCHAR), 4, '0')
        LEFT JOIN partners pa ON pa.partner_id = cu.home_partner
        ORDER BY l.i
    """)
    con.execute("""
        CREATE TABLE channel_costs AS
        SELECT strftime(m, '%Y-%m') AS month, c.channel_id, t.cost_type,
               CAST(1000 + hash(m, c.channel_id, t.cost_type) % 5000000 / 100.0 AS DECIMAL(18, 2))
                   AS amount,
               t.cost_type IN ('mdf', 'coop') AS discretionary
        FROM range(DATE '2023-07-01', DATE '2026-07-01', INTERVAL 1 MONTH) r(m)
        CROSS JOIN channels c
        CROSS JOIN (VALUES ('mdf'), ('coop'), ('channel_staff')) t(cost_type)
    """)
    small = {
        "channels": "SELECT * FROM channels",
        "partners": "SELECT * FROM partners",
        "customers": "SELECT customer_id, customer_name, segment, region FROM customers",
        "products": "SELECT * FROM products",
        "channel_costs": "SELECT * FROM channel_costs",
    }
    for fmt in ("csv", "parquet"):
        for name, query in small.items():
            con.execute(f"COPY ({query}) TO '{tmp / fmt / name}.csv' (HEADER, DELIMITER ',')")
        (tmp / fmt / "goals.yaml").write_text(GOALS)
    con.execute(f"COPY sales TO '{tmp / 'csv' / 'sales.csv'}' (HEADER, DELIMITER ',')")
    con.execute(
        f"COPY sales TO '{tmp / 'parquet' / 'sales.parquet'}' "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
    )
    con.close()
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


if __name__ == "__main__":
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benchmarks/data/synthetic-10M"
    print(build(target, n))
