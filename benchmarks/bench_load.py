"""Load benchmark: ``load_dataset`` + quarterly core metrics against one plain DuckDB query.

For each sales format (CSV, Parquet) of a ~10M-line dataset, two measurements run, each in a fresh
Python process so that neither inherits the other's memory or caches:

- **plain**: the quarter × channel aggregation as ONE DuckDB SQL statement over the files
  (fiscal quarter labels computed in SQL from ``goals.yaml``; money read as DECIMAL so the sums are
  exact) — the floor a hand-written query reaches, with no validation;
- **workbook**: :func:`channel_lib.load_dataset` (every check of the data contract) followed by
  the quarterly core metrics of :mod:`channel_lib.data.cube` (summary by channel, QoQ/YoY growth,
  channel concentration, contribution);
- **checked** (context, not the target's baseline): the plain query followed by the one contract
  check no hand-written pipeline can skip, written the usual way: order lines whose
  ``(order_id, line_number)`` repeats (``GROUP BY ... HAVING count(*) > 1``). It shows what the
  key check alone costs next to the plain query.

Both return the quarter × channel lines, revenue and cost of sales; the benchmark asserts they are
equal to the cent. The child process reports its own peak RSS (``VmHWM``, see :func:`_peak_rss`),
so each figure is that measurement's alone.

The dataset is generated once under ``benchmarks/data/`` (git-ignored) with
:func:`channel_lib.sample.generate_sample` (``scale=100``, about 17 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
SEED = 20261
SCALE = 100
TARGET_RATIO = 2.0
TARGET_PEAK_GIB = 4.0


# -- the dataset ---------------------------------------------------------------------------------------
def ensure_data(*, scale: float = SCALE, seed: int = SEED) -> tuple[dict[str, Path], str]:
    """Generate the benchmark dataset once; return ``{format: folder}`` and how it was made.

    The folder name carries a hash of the generator's source, so a change of the generator makes
    a new set instead of measuring a stale one.
    """
    import hashlib

    from channel_lib import sample
    from channel_lib.sample import generate_sample

    sources = sorted(Path(sample.__file__).parent.glob("*.py"))
    version = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:10]
    out = DATA / f"sample-seed{seed}-scale{scale:g}-{version}"
    marker = out.parent / f"{out.name}.complete"
    if not marker.exists():
        print(f"generating {out} with channel_lib.sample.generate_sample (once) ...", flush=True)
        generate_sample(out, seed=seed, scale=scale, formats=("csv", "parquet"))
        marker.write_text(json.dumps({"seed": seed, "scale": scale, "generator": version}))
    how = f"channel_lib.sample.generate_sample(seed={seed}, scale={scale:g})"
    return {"csv": out, "parquet": out / "parquet"}, how


# -- the two measured workloads ----------------------------------------------------------------------
def _quarter_sql(folder: Path, date: str) -> str:
    import yaml

    fy = yaml.safe_load((folder / "goals.yaml").read_text()).get("fiscal_year", {}) or {}
    start, naming = int(fy.get("start_month", 1)), fy.get("naming", "end")
    offset = 1 if naming == "end" and start != 1 else 0
    start_year = f"(CASE WHEN month({date}) >= {start} THEN year({date}) ELSE year({date}) - 1 END)"
    q = f"CAST((month({date}) - {start} + 12) % 12 // 3 + 1 AS VARCHAR)"
    return f"'FY' || CAST({start_year} + {offset} AS VARCHAR) || '-Q' || {q}"


def plain(folder: Path) -> list[tuple]:
    """The quarter × channel aggregation as one plain DuckDB statement (no validation)."""
    import duckdb

    if (folder / "sales.parquet").exists():
        sales = f"read_parquet('{folder / 'sales.parquet'}')"
    else:
        money = "{'revenue': 'DECIMAL(18,2)', 'cost_of_sales': 'DECIMAL(18,2)'}"
        sales = f"read_csv('{folder / 'sales.csv'}', types = {money})"
    products = f"read_csv('{folder / 'products.csv'}', types = {{'list_price': 'DECIMAL(18,2)'}})"
    # Written to be fast, not naive: months are aggregated first and labelled after (a label per
    # line costs a string per line), and CASE is used rather than FILTER (slower in DuckDB 2.0).
    sql = f"""
        SELECT {_quarter_sql(folder, "month")} AS period, channel_id,
               sum(lines) AS lines,
               CAST(sum(revenue) * 100 AS BIGINT) AS revenue_exact,
               CAST(sum(cost_of_sales) * 100 AS BIGINT) AS cost_of_sales_exact,
               1 - sum(listed_revenue) / sum(list_value) AS discount
        FROM (
            SELECT date_trunc('month', s.order_date) AS month, s.channel_id,
                   count(*) AS lines, sum(s.revenue) AS revenue,
                   sum(s.cost_of_sales) AS cost_of_sales,
                   sum(CASE WHEN p.list_price IS NOT NULL THEN s.revenue END) AS listed_revenue,
                   sum(s.quantity * p.list_price) AS list_value
            FROM {sales} s JOIN {products} p ON s.product_id = p.product_id
            GROUP BY ALL
        )
        GROUP BY ALL ORDER BY period, channel_id
    """
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return [tuple(r) for r in con.execute(sql).fetchall()]


def duplicate_lines(folder: Path) -> int:
    """Order lines whose key repeats, as a hand-written check would count them (one statement)."""
    import duckdb

    if (folder / "sales.parquet").exists():
        sales = f"read_parquet('{folder / 'sales.parquet'}')"
    else:
        sales = f"read_csv('{folder / 'sales.csv'}', types = {{'line_number': 'BIGINT'}})"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con.execute(
        f"SELECT count(*) FROM (SELECT order_id, line_number FROM {sales} "
        "GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0][0]


def workbook(folder: Path) -> tuple[list[tuple], float]:
    """``load_dataset`` + quarterly core metrics; returns the rows and the load time (s)."""
    from channel_lib import load_dataset
    from channel_lib.data.cube import concentration, contribution, growth, summarise

    t0 = time.perf_counter()
    ds = load_dataset(folder)
    loaded = time.perf_counter() - t0
    summary = summarise(ds, by="channel_id", period="quarter")
    growth(ds, by="channel_id", period="quarter")
    concentration(ds, by="channel_id", period="quarter")
    if ds.has("channel_costs"):
        contribution(ds, period="quarter")
    cols = ["period", "channel_id", "lines", "revenue_exact", "cost_of_sales_exact", "discount"]
    rows = [tuple(r) for r in summary[cols].itertuples(index=False)]
    return [(str(a), str(b), int(c), int(d), int(e), float(f)) for a, b, c, d, e, f in rows], loaded


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss(usage: resource.struct_rusage) -> int:
    """This process's peak resident memory in bytes.

    Linux keeps ``ru_maxrss`` across ``execve``, so a child started by a parent that once held
    more memory (the parent generating the data set, say) would report the parent's peak;
    ``VmHWM`` belongs to the process's own address space, made new by ``execve``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return usage.ru_maxrss * 1024  # Linux: KiB (macOS: bytes; only a fallback)


def _child(kind: str, folder: Path) -> None:
    if kind in ("plain", "checked"):
        import duckdb  # noqa: F401  (imports are not timed, for every kind)

        cpu0, t0 = _cpu(), time.perf_counter()
        rows = plain(folder)
        if kind == "checked" and duplicate_lines(folder):
            raise AssertionError(f"{folder}: the benchmark set has duplicate order lines")
        seconds, load = time.perf_counter() - t0, None
    else:
        import channel_lib.data.cube  # noqa: F401

        cpu0, t0 = _cpu(), time.perf_counter()
        rows, load = workbook(folder)
        seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = _peak_rss(usage)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "load_seconds": load,
                      "peak_rss": peak, "rows": rows}, default=str))  # fmt: skip


def measure(kind: str, folder: Path) -> dict:
    """Run one measurement in a fresh Python process and return its JSON report."""
    run = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", kind, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if run.returncode:
        raise RuntimeError(f"{kind} on {folder} failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _same(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if list(x[:5]) != list(y[:5]):
            return False
        dx, dy = x[5], y[5]
        if dx is None or dy is None or dx != dx or dy != dy:  # NaN or no list price
            if not ((dx is None or dx != dx) and (dy is None or dy != dy)):
                return False
        elif abs(float(dx) - float(dy)) > 1e-9:
            return False
    return True


def run(*, repeat: int = 3) -> dict:
    """Measure both workloads on both formats ``repeat`` times (interleaved); return the results."""
    folders, how = ensure_data()
    lines = _count_lines(folders["parquet"])
    results = []
    for fmt, folder in folders.items():
        plain_runs, wb_runs, checked_runs = [], [], []
        for _ in range(repeat):
            plain_runs.append(measure("plain", folder))
            wb_runs.append(measure("workbook", folder))
            checked_runs.append(measure("checked", folder))
        reference = [tuple(r) for r in plain_runs[0]["rows"]]
        for r in wb_runs:
            if not _same(reference, [tuple(x) for x in r["rows"]]):
                raise AssertionError(f"{fmt}: channel_lib and the plain query disagree")
        p = statistics.median(r["seconds"] for r in plain_runs)
        w = statistics.median(r["seconds"] for r in wb_runs)
        c = statistics.median(r["seconds"] for r in checked_runs)
        results.append(
            {
                "format": fmt,
                "file": str((folder / f"sales.{fmt}").relative_to(ROOT)),
                "file_mib": (folder / f"sales.{fmt}").stat().st_size / 2**20,
                "plain_s": p,
                "plain_min_s": min(r["seconds"] for r in plain_runs),
                "workbook_s": w,
                "workbook_min_s": min(r["seconds"] for r in wb_runs),
                "load_s": statistics.median(r["load_seconds"] for r in wb_runs),
                "metrics_s": statistics.median(r["seconds"] - r["load_seconds"] for r in wb_runs),
                "ratio": w / p,
                "checked_s": c,
                "ratio_to_checked": w / c,
                "plain_cpu_s": statistics.median(r["cpu_seconds"] for r in plain_runs),
                "workbook_cpu_s": statistics.median(r["cpu_seconds"] for r in wb_runs),
                "plain_peak_gib": max(r["peak_rss"] for r in plain_runs) / 2**30,
                "workbook_peak_gib": max(r["peak_rss"] for r in wb_runs) / 2**30,
                "same_numbers": True,
                "quarter_channel_rows": len(reference),
            }
        )
    return {
        "benchmark": "load",
        "dataset": how,
        "sales_lines": lines,
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "targets": {"ratio_max": TARGET_RATIO, "peak_gib_max": TARGET_PEAK_GIB},
        "results": results,
    }


def _count_lines(folder: Path) -> int:
    import duckdb

    path = folder / "sales.parquet"
    return duckdb.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]


def table(report: dict) -> str:
    """The results as a small Markdown table."""
    head = (
        f"Load benchmark — {report['sales_lines']:,} sales lines from {report['dataset']}; "
        f"median of {report['repeat']} runs, each in a fresh process; {report['cpus']} CPUs, "
        f"load average {report['load_average_at_start'][0]:.1f} at the start\n\n"
        "| format | file MiB | plain query s | load_dataset s | metrics s | workbook s | ratio "
        "| CPU s plain / workbook | plain peak GiB | workbook peak GiB | same numbers "
        "| plain + duplicate check s | workbook / that |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n"
    )
    rows = [
        f"| {r['format']} | {r['file_mib']:.0f} | {r['plain_s']:.2f} | {r['load_s']:.2f} | "
        f"{r['metrics_s']:.2f} | {r['workbook_s']:.2f} | {r['ratio']:.1f}x | "
        f"{r['plain_cpu_s']:.1f} / {r['workbook_cpu_s']:.1f} | "
        f"{r['plain_peak_gib']:.2f} | {r['workbook_peak_gib']:.2f} | "
        f"{'yes' if r['same_numbers'] else 'NO'} | {r['checked_s']:.2f} | "
        f"{r['ratio_to_checked']:.1f}x |"
        for r in report["results"]
    ]
    verdicts = [
        f"- {r['format']}: ratio {r['ratio']:.1f}x "
        f"({'within' if r['ratio'] <= TARGET_RATIO else 'ABOVE'} the {TARGET_RATIO:g}x target), "
        f"peak {r['workbook_peak_gib']:.2f} GiB "
        f"({'within' if r['workbook_peak_gib'] <= TARGET_PEAK_GIB else 'ABOVE'} "
        f"the {TARGET_PEAK_GIB:g} GiB target)"
        for r in report["results"]
    ]
    return head + "\n".join(rows) + "\n\n" + "\n".join(verdicts) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("plain", "checked", "workbook"), help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        _child(args.child, Path(args.folder))
    else:
        print(table(run(repeat=args.repeat)))
