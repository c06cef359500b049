"""How notebook 04's trend report and the workshop's batch summary scale with the number of partners.

Two generated datasets of about the same number of sales lines (seed 3, scale 0.05: ~16,000
lines) differ in their partners: the standard sample style (the baseline, ~100 partners) and the
ERP style (``--style erp``: 764 resellers, some of which never ordered, 4-decimal money). Both are
measured in the same run, so the figure that matters is the ratio of the ERP set's time to the
baseline's: with per-partner work vectorised it stays near the ratio of their lines, whatever
the machine's speed or load.

Measured, for each set, after one untimed warm-up run (imports, the prepared-data cache and the
DuckDB connection are paid there, as a warm batch kernel pays them once):

- ``trend_report``: :func:`channel_lib.analysis.trends.trend_report` with partners (notebook 04's
  analysis cell);
- ``workshop_summary``: :meth:`Workshop.summary` in batch mode (what ``notebooks/workshop.ipynb``
  computes in the report batch), with ``display`` replaced by a no-op so that only the
  computation and the chart and table building are timed. Each run opens a new workshop, so no
  screen is reused from the warm-up.

Usage::

    .venv/bin/python benchmarks/bench_partners.py [--repeat 3] [--work /tmp/bench-partners]

Prints a table (median of ``--repeat`` runs) and exits 1 when the ERP set is over
:data:`TARGET_SECONDS` or more than :data:`TARGET_RATIO` times the baseline for either figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: Seed and scale of both sets (those of the test suite's shape matrix, ``tests/shapes.py``).
SEED, SCALE = 3, 0.05
#: Targets of issue 18 (point 5): each figure under ~3 s on the ERP set, and the ERP set within
#: this many times the baseline of the same line count.
TARGET_SECONDS = 3.0
TARGET_RATIO = 2.0


def make_sets(work: Path) -> dict[str, Path]:
    """The baseline (standard style) and the ERP-style set, generated once under ``work``."""
    from channel_lib.sample import generate_sample

    sets = {"baseline": work / "standard", "erp": work / "erp"}
    for name, folder in sets.items():
        if not (folder / "goals.yaml").exists():
            style = "erp" if name == "erp" else "standard"
            generate_sample(folder, seed=SEED, scale=SCALE, style=style)
    return sets


def _trend_report(folder: Path, plans: Path) -> Callable[[], object]:
    from channel_lib.analysis import trends
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(folder, "latest", plans)
    _ = wb.dataset  # loaded (and cached) before the clock starts
    return lambda: trends.trend_report(wb, partners=True)


def _workshop_summary(folder: Path, plans: Path) -> Callable[[], object]:
    import IPython.display

    from channel_lib.interactive import workshop

    os.environ["CHANNEL_WORKBOOK_BATCH"] = "1"
    IPython.display.display = lambda *args, **kwargs: None  # time the work, not the output

    def run() -> None:
        ws = workshop.open_workshop(folder, "latest", plans)
        _ = ws.wb.dataset
        ws.summary()

    return run


def _median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports and first-use caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(work: Path, *, repeat: int = 3) -> dict[str, dict[str, float]]:
    """Seconds (median of ``repeat``) per figure and set, and the ERP/baseline ratio."""
    from channel_lib import load_dataset

    sets = make_sets(work)
    out: dict[str, dict[str, float]] = {}
    for figure, make in (("trend_report", _trend_report), ("workshop_summary", _workshop_summary)):
        row = {}
        for name, folder in sets.items():
            row[name] = _median_seconds(make(folder, work / f"plans-{name}"), repeat)
        row["ratio"] = row["erp"] / row["baseline"]
        out[figure] = row
    for name, folder in sets.items():
        ds = load_dataset(folder)
        out.setdefault("size", {})[f"{name}_lines"] = float(len(ds.table("sales")))
        out["size"][f"{name}_partners"] = float(len(ds.table("partners")))
    return out


def table(result: dict[str, dict[str, float]]) -> str:
    """The figures as a Markdown table."""
    size = result["size"]
    lines = [
        f"Per-partner scaling: baseline {size['baseline_lines']:,.0f} lines, "
        f"{size['baseline_partners']:,.0f} partners; erp {size['erp_lines']:,.0f} lines, "
        f"{size['erp_partners']:,.0f} partners (seconds, median)",
        "",
        "| figure | baseline | erp | erp / baseline |",
        "|---|---:|---:|---:|",
    ]
    for figure in ("trend_report", "workshop_summary"):
        r = result[figure]
        lines.append(f"| {figure} | {r['baseline']:.2f} | {r['erp']:.2f} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def within_targets(result: dict[str, dict[str, float]]) -> bool:
    """Both figures under :data:`TARGET_SECONDS` on the ERP set and within :data:`TARGET_RATIO`."""
    return all(
        result[f]["erp"] <= TARGET_SECONDS and result[f]["ratio"] <= TARGET_RATIO
        for f in ("trend_report", "workshop_summary")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure (median)")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/bench-partners"), help="folder of the two sets"
    )
    args = parser.parse_args(argv)
    result = run(args.work, repeat=args.repeat)
    print(table(result))
    ok = within_targets(result)
    if not ok:
        print(f"target missed: erp over {TARGET_SECONDS} s or over {TARGET_RATIO}x the baseline")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
