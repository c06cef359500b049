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
equal exactly (integers of the dataset's money unit, 10^-``money_decimals``). The child process reports its own peak RSS (``VmHWM``, see :func:`_peak_rss`),
so each figure is that measurement's alone.

The dataset is generated once under ``benchmarks/data/`` (git-ignored) with
:func:`channel_lib.sample.generate_sample` (``scale=100``, about 17 s).

Two variants of it are measured (:data:`VARIANTS`): ``standard`` (money with two decimals, as the
generator writes it) and ``money4`` (:func:`four_decimal_copy`: the same lines with a 4-decimal
part planted in every revenue and cost of sales, and ``money_decimals: 4`` in ``goals.yaml``, as
an ERP export has them), so the cost of exact 4-decimal money shows next to today's ratio.

Usage (the 10M-line set; each measurement in a fresh process)::

    .venv/bin/python benchmarks/bench_load.py [--repeat N] [--variants standard,money4]
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
#: The dataset variants measured: money as generated (2 decimals) and with 4 decimals.
VARIANTS = ("standard", "money4")
#: The 4-decimal variant's ratio may exceed the standard one's by at most this fraction.
TARGET_MONEY4_SLOWDOWN = 0.10


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


def ensure_variant(variant: str, *, scale: float = SCALE, seed: int = SEED) -> dict[str, Path]:
    """The folders (``{format: folder}``) of one of :data:`VARIANTS`, made once."""
    folders, _ = ensure_data(scale=scale, seed=seed)
    if variant == "standard":
        return folders
    if variant != "money4":
        raise ValueError(f"variant={variant!r}: use one of {', '.join(VARIANTS)}")
    out = folders["csv"].parent / f"{folders['csv'].name}-money4"
    marker = out.parent / f"{out.name}.complete"
    if not marker.exists():
        print(f"writing {out}: the set with 4-decimal money (once) ...", flush=True)
        four_decimal_copy(folders, out)
        marker.write_text(json.dumps({"from": folders["csv"].name, "money_decimals": 4}))
    return {"csv": out, "parquet": out / "parquet"}


def _planted(column: str) -> str:
    """SQL of ``column`` with a 4-decimal part planted: 0.0001 to 0.0099 from a hash of the
    line's key (and the column's name), with the amount's sign, so no sign changes and zero
    stays zero."""
    part = f"CAST(hash(order_id, line_number, '{column}') % 99 + 1 AS DECIMAL(18, 0)) * 0.0001"
    return f"CAST({column} + sign({column}) * {part} AS DECIMAL(18, 4))"


def four_decimal_copy(folders: dict[str, Path], out: Path) -> dict[str, Path]:
    """Copy the benchmark set (both formats) to ``out`` with money at 4 decimals.

    Every sales line's ``revenue`` and ``cost_of_sales`` gain a part of 0.0001-0.0099 (same sign,
    from a hash of the line's key: :func:`_planted`); ``goals.yaml`` gets ``money_decimals: 4``;
    the other files are copied as they are. The CSV twin is written from the same rows.

    Returns
    -------
    dict of str to Path
        ``{"csv": out, "parquet": out / "parquet"}``.
    """
    import shutil

    import duckdb

    target = {"csv": out, "parquet": out / "parquet"}
    tmp = out.parent / f".{out.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for fmt, folder in folders.items():
        dest = tmp if fmt == "csv" else tmp / "parquet"
        dest.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            if f.is_file() and not f.name.startswith("sales."):
                shutil.copy2(f, dest / f.name)
        goals = (dest / "goals.yaml").read_text()
        if "money_decimals:" not in goals:
            goals = goals.replace("\ncurrency:", "\nmoney_decimals: 4\ncurrency:", 1)
        (dest / "goals.yaml").write_text(goals)
    source = folders["parquet"] / "sales.parquet"
    select = (
        f"SELECT * REPLACE ({_planted('revenue')} AS revenue, "
        f"{_planted('cost_of_sales')} AS cost_of_sales) FROM read_parquet('{source}')"
    )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"COPY ({select}) TO '{tmp / 'parquet' / 'sales.parquet'}' (FORMAT parquet)")
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{tmp / 'parquet' / 'sales.parquet'}')) "
        f"TO '{tmp / 'sales.csv'}' (HEADER)"
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return target


def money_decimals(folder: Path) -> int:
    """The places of the dataset's money unit: ``money_decimals`` of its ``goals.yaml``, else the
    workbook's default (:data:`channel_lib.core.money.DEFAULT_MONEY_DECIMALS`)."""
    import yaml

    from channel_lib.core.money import DEFAULT_MONEY_DECIMALS

    goals = yaml.safe_load((folder / "goals.yaml").read_text()) or {}
    return int(goals.get("money_decimals", DEFAULT_MONEY_DECIMALS))


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

    d = money_decimals(folder)
    decimal = f"DECIMAL(18,{max(d, 2)})"  # the generator writes 2 places, money4 has 4
    if (folder / "sales.parquet").exists():
        sales = f"read_parquet('{folder / 'sales.parquet'}')"
    else:
        money = f"{{'revenue': '{decimal}', 'cost_of_sales': '{decimal}'}}"
        sales = f"read_csv('{folder / 'sales.csv'}', types = {money})"
    products = f"read_csv('{folder / 'products.csv'}', types = {{'list_price': '{decimal}'}})"
    # Written to be fast, not naive: months are aggregated first and labelled after (a label per
    # line costs a string per line), and CASE is used rather than FILTER (slower in DuckDB 2.0).
    sql = f"""
        SELECT {_quarter_sql(folder, "month")} AS period, channel_id,
               sum(lines) AS lines,
               CAST(sum(revenue) * {10**d} AS BIGINT) AS revenue_exact,
               CAST(sum(cost_of_sales) * {10**d} AS BIGINT) AS cost_of_sales_exact,
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


def run(*, repeat: int = 3, variants: tuple[str, ...] = VARIANTS) -> dict:
    """Measure the workloads on both formats of each variant ``repeat`` times (interleaved).

    Parameters
    ----------
    repeat : int
        Runs per measurement (the median is kept).
    variants : tuple of str
        Any of :data:`VARIANTS`.

    Returns
    -------
    dict
        The report: one result per variant and format (``variant``, ``money_decimals``, times,
        ratios, peaks), and ``money4_slowdown`` per format when both variants ran.
    """
    _, how = ensure_data()
    lines = None
    results = []
    for variant in variants:
        folders = ensure_variant(variant)
        lines = lines or _count_lines(folders["parquet"])
        results += _measure_variant(variant, folders, repeat)
    slowdown = {}
    by = {(r["variant"], r["format"]): r for r in results}
    for fmt in ("csv", "parquet"):
        if ("standard", fmt) in by and ("money4", fmt) in by:
            slowdown[fmt] = by[("money4", fmt)]["ratio"] / by[("standard", fmt)]["ratio"] - 1
    return {
        "benchmark": "load",
        "dataset": how,
        "sales_lines": lines,
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "targets": {
            "ratio_max": TARGET_RATIO,
            "peak_gib_max": TARGET_PEAK_GIB,
            "money4_slowdown_max": TARGET_MONEY4_SLOWDOWN,
        },
        "results": results,
        "money4_slowdown": slowdown,
    }


def _measure_variant(variant: str, folders: dict[str, Path], repeat: int) -> list[dict]:
    """The results of one variant, both formats."""
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
                "variant": variant,
                "money_decimals": money_decimals(folder),
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
    return results


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
        "| variant | money places | format | file MiB | plain query s | load_dataset s | metrics s | workbook s | ratio "
        "| CPU s plain / workbook | plain peak GiB | workbook peak GiB | same numbers "
        "| plain + duplicate check s | workbook / that |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n"
    )
    rows = [
        f"| {r.get('variant', 'standard')} | {r.get('money_decimals', 2)} | "
        f"{r['format']} | {r['file_mib']:.0f} | {r['plain_s']:.2f} | {r['load_s']:.2f} | "
        f"{r['metrics_s']:.2f} | {r['workbook_s']:.2f} | {r['ratio']:.1f}x | "
        f"{r['plain_cpu_s']:.1f} / {r['workbook_cpu_s']:.1f} | "
        f"{r['plain_peak_gib']:.2f} | {r['workbook_peak_gib']:.2f} | "
        f"{'yes' if r['same_numbers'] else 'NO'} | {r['checked_s']:.2f} | "
        f"{r['ratio_to_checked']:.1f}x |"
        for r in report["results"]
    ]
    verdicts = [
        f"- {r.get('variant', 'standard')} {r['format']}: ratio {r['ratio']:.1f}x "
        f"({'within' if r['ratio'] <= TARGET_RATIO else 'ABOVE'} the {TARGET_RATIO:g}x target), "
        f"peak {r['workbook_peak_gib']:.2f} GiB "
        f"({'within' if r['workbook_peak_gib'] <= TARGET_PEAK_GIB else 'ABOVE'} "
        f"the {TARGET_PEAK_GIB:g} GiB target)"
        for r in report["results"]
    ]
    verdicts += [
        f"- money4 {fmt}: ratio {100 * change:+.1f}% against the standard set's "
        f"({'within' if change <= TARGET_MONEY4_SLOWDOWN else 'ABOVE'} the "
        f"+{100 * TARGET_MONEY4_SLOWDOWN:.0f}% target)"
        for fmt, change in report.get("money4_slowdown", {}).items()
    ]
    return head + "\n".join(rows) + "\n\n" + "\n".join(verdicts) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("plain", "checked", "workbook"), help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, any of {', '.join(VARIANTS)} (default: both)",
    )
    args = parser.parse_args()
    if args.child:
        _child(args.child, Path(args.folder))
    else:
        print(table(run(repeat=args.repeat, variants=tuple(args.variants.split(",")))))
