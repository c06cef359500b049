"""Run the benchmarks (``make bench``): print a small table and keep the figures.

Results go to ``benchmarks/results/`` (git-ignored): ``load-<UTC time>.json`` with every figure
and ``latest.md`` with the table the README quotes.

Usage::

    .venv/bin/python benchmarks/run.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_load  # noqa: E402  (benchmarks/ is not a package)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the workbook's benchmarks.")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median kept)")
    args = parser.parse_args(argv)
    report = bench_load.run(repeat=args.repeat)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    report["measured_at"] = stamp
    text = bench_load.table(report)
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"load-{stamp}.json").write_text(json.dumps(report, indent=2))
    (out / "latest.md").write_text(f"Measured {stamp}\n\n{text}")
    print(f"written to {out / f'load-{stamp}.json'} and {out / 'latest.md'}")
    within = all(
        r["ratio"] <= bench_load.TARGET_RATIO
        and r["workbook_peak_gib"] <= bench_load.TARGET_PEAK_GIB
        for r in report["results"]
    )
    if not within:
        print("some targets are not met (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
