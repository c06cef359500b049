"""Run the benchmarks (``make bench``): print a small table and keep the figures.

Results go to ``benchmarks/results/`` (git-ignored): ``load-<UTC time>.json``,
``batch-<UTC time>.json`` and ``widgets.json`` (also ``widgets-<UTC time>.json``) with every
figure, and ``latest.md`` with the tables the README quotes.

Usage::

    .venv/bin/python benchmarks/run.py [--repeat N] [--skip-load] [--skip-batch] [--skip-widgets]
        [--load-variants standard,money4]

The load benchmark measures the 10M-line set as generated (money with 2 decimals) and its copy
with 4-decimal money (``money4``), both by default.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_batch  # noqa: E402  (benchmarks/ is not a package)
import bench_load  # noqa: E402
import bench_widgets  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the workbook's benchmarks.")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median kept)")
    parser.add_argument("--skip-load", action="store_true", help="skip the load benchmark")
    parser.add_argument("--skip-batch", action="store_true", help="skip the batch benchmark")
    parser.add_argument(
        "--skip-widgets", action="store_true", help="skip the widget (explorer) benchmark"
    )
    parser.add_argument(
        "--widget-moves", type=int, default=bench_widgets.MOVES, help="moves per widget control"
    )
    parser.add_argument(
        "--load-variants",
        default=",".join(bench_load.VARIANTS),
        help="load benchmark sets, comma-separated: standard (money as generated, 2 decimals), "
        "money4 (the same lines with 4-decimal money); default both",
    )
    parser.add_argument(
        "--batch-count", type=int, default=100, help="partner packs per batch (batch benchmark)"
    )
    parser.add_argument(
        "--naive-count", type=int, default=10, help="notebooks in the naive CLI loop (batch)"
    )
    args = parser.parse_args(argv)
    variants = tuple(v.strip() for v in args.load_variants.split(",") if v.strip())
    unknown = [v for v in variants if v not in bench_load.VARIANTS]
    if unknown or not variants:
        parser.error(f"--load-variants: use any of {', '.join(bench_load.VARIANTS)}")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    widgets_text = ""
    if not args.skip_widgets:
        widgets = bench_widgets.run(moves=args.widget_moves)
        widgets["measured_at"] = stamp
        widgets_text = bench_widgets.table(widgets)
        print(widgets_text)
        (out / f"widgets-{stamp}.json").write_text(json.dumps(widgets, indent=2))
        (out / "widgets.json").write_text(json.dumps(widgets, indent=2))
        if not bench_widgets.within_targets(widgets):
            print("some widget targets are not met (see above)")
    batch_text = ""
    if not args.skip_batch:
        batch = bench_batch.run(count=args.batch_count, naive_count=args.naive_count)
        batch["measured_at"] = stamp
        batch_text = bench_batch.table(batch)
        print(batch_text)
        (out / f"batch-{stamp}.json").write_text(json.dumps(batch, indent=2))
        if not bench_batch.within_targets(batch):
            print("some batch targets are not met (see above)")
    if args.skip_load:
        (out / "latest.md").write_text(
            f"Measured {stamp}\n\n" + "\n".join(t for t in (batch_text, widgets_text) if t)
        )
        return 0
    report = bench_load.run(repeat=args.repeat, variants=variants)
    report["measured_at"] = stamp
    text = bench_load.table(report)
    print(text)
    (out / f"load-{stamp}.json").write_text(json.dumps(report, indent=2))
    (out / "latest.md").write_text(
        f"Measured {stamp}\n\n{text}"
        + (f"\n{batch_text}" if batch_text else "")
        + (f"\n{widgets_text}" if widgets_text else "")
    )
    print(f"written to {out / f'load-{stamp}.json'} and {out / 'latest.md'}")
    within = all(
        r["ratio"] <= bench_load.TARGET_RATIO
        and r["workbook_peak_gib"] <= bench_load.TARGET_PEAK_GIB
        for r in report["results"]
    ) and all(
        change <= bench_load.TARGET_MONEY4_SLOWDOWN for change in report["money4_slowdown"].values()
    )
    if not within:
        print("some targets are not met (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
