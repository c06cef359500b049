"""Batch benchmark: partner-level report executions, the workbook's runner against baselines.

All measured in one run, on the sample dataset (``data/sample``, latest complete quarter), with
the partner notebook ``notebooks/06_*`` when it exists, else the fixture partner pack
``tests/fixtures/partner_pack.ipynb`` (partner, channel and customer names, a table, a chart):

- **naive**: a loop of the ``papermill`` CLI then the ``jupyter nbconvert --to html`` CLI per
  notebook (each CLI a new Python process, each notebook a new kernel that loads and validates the
  dataset) — measured on ``--naive-count`` notebooks (default 10: it is slow) and compared per
  notebook;
- **workbook**: :func:`channel_lib.batch.run.run_batch` with ``--count`` partner packs (default 100)
  on the warm-kernel pool with ``--workers`` (default: all cores), wall time of the whole call
  (validation, preparation, pool start, index and manifest included);
- **floor**: the same batch of a notebook that only reads the prepared data
  (``tests/fixtures/prepared_floor.ipynb``) on the same pool and parallelism;
- **one worker**: the workbook batch with one worker, for the speed-up from 1 to 2 workers.

Targets: workbook ≥ 5× faster than naive per notebook; workbook ≤ 1.5× the floor; 2 workers
≥ 1.8× one worker.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "tests" / "fixtures"
TARGET_NAIVE = 5.0
TARGET_FLOOR = 1.5
TARGET_SCALING = 1.8


def partner_notebook() -> tuple[Path, str]:
    """The partner notebook to time and what it is."""
    real = sorted((ROOT / "notebooks").glob("06_*.ipynb"))
    if real:
        return real[0], f"notebooks/{real[0].name}"
    return FIXTURES / "partner_pack.ipynb", "tests/fixtures/partner_pack.ipynb (no notebook 06 yet)"


def _notebook_folder(tmp: Path, source: Path, name: str) -> Path:
    folder = tmp / f"nb-{name}"
    folder.mkdir()
    shutil.copy(source, folder / f"06_{name}.ipynb")
    return folder


def _batch(data: Path, quarter: str, partners: list[str], notebooks: Path, out: Path, workers: int):
    from channel_lib.batch.run import run_batch

    log = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(log):
        runs = run_batch(
            data, quarter, out_dir=out, plans_dir=out / "plans", notebooks_dir=notebooks,
            partners=",".join(partners), workers=workers,
        )  # fmt: skip
    seconds = time.perf_counter() - t0
    failed = [r for r in runs if r.status != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} reports failed: {failed[0].error}\n{log.getvalue()}")
    return seconds, len(runs)


def _naive(data: Path, quarter: str, partners: list[str], notebook: Path, out: Path) -> float:
    bin_dir = Path(sys.executable).parent
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    for pid in partners:
        ipynb = out / f"{pid}.ipynb"
        subprocess.run(
            [str(bin_dir / "papermill"), str(notebook), str(ipynb), "-p", "data_dir", str(data),
             "-p", "quarter", quarter, "-p", "plans_dir", str(out / "plans"),
             "-p", "partner_id", pid, "-k", "python3", "--cwd", str(ROOT)],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(ipynb)],
            check=True, capture_output=True,
        )  # fmt: skip
    return time.perf_counter() - t0


def run(
    *, count: int = 100, naive_count: int = 10, workers: int | None = None, one_worker: bool = True
) -> dict:
    """Measure everything; return the figures (see the module docstring)."""
    from channel_lib import load_dataset
    from channel_lib.batch.planning import resolve_quarters, select_partners

    data = ROOT / "data" / "sample"
    ds = load_dataset(data)
    quarter = resolve_quarters(ds, "latest")[0][0]
    partners = select_partners(ds, quarter, "all")[:count]  # one pack per distinct partner
    count = len(partners)
    workers = workers or os.cpu_count() or 1
    notebook, what = partner_notebook()
    report: dict = {
        "dataset": str(data.relative_to(ROOT)),
        "quarter": quarter,
        "notebook": what,
        "count": count,
        "naive_count": naive_count,
        "workers": workers,
        "cores": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        packs = _notebook_folder(tmp, notebook, "pack")
        floor = _notebook_folder(tmp, FIXTURES / "prepared_floor.ipynb", "floor")
        print(f"workbook: {count} partner packs on {workers} workers ...", flush=True)
        report["workbook_s"], _ = _batch(data, quarter, partners, packs, tmp / "wb", workers)
        print(f"floor: {count} prepared-data reads on {workers} workers ...", flush=True)
        report["floor_s"], _ = _batch(data, quarter, partners, floor, tmp / "floor", workers)
        if one_worker and workers > 1:
            print(f"workbook: {count} partner packs on 1 worker ...", flush=True)
            report["one_worker_s"], _ = _batch(data, quarter, partners, packs, tmp / "wb1", 1)
        print(f"naive: {naive_count} x (papermill CLI + nbconvert CLI) ...", flush=True)
        report["naive_s"] = _naive(data, quarter, partners[:naive_count], notebook, tmp / "naive")
    per_wb = report["workbook_s"] / count
    per_naive = report["naive_s"] / naive_count
    report["workbook_per_notebook_s"] = per_wb
    report["naive_per_notebook_s"] = per_naive
    report["naive_ratio"] = per_naive / per_wb
    report["floor_ratio"] = report["workbook_s"] / report["floor_s"]
    if "one_worker_s" in report:
        report["scaling"] = report["one_worker_s"] / report["workbook_s"]
    return report


def table(report: dict) -> str:
    """The figures as a markdown table."""
    rows = [
        "| measurement | seconds | per notebook | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| naive: papermill CLI + nbconvert CLI, {report['naive_count']} notebooks "
        f"| {report['naive_s']:.1f} | {report['naive_per_notebook_s']:.2f} "
        f"| {report['naive_ratio']:.1f}× slower | ≥ {TARGET_NAIVE:g}× |",
        f"| workbook batch, {report['count']} partner packs, {report['workers']} workers "
        f"| {report['workbook_s']:.1f} | {report['workbook_per_notebook_s']:.2f} | 1 | |",
        f"| floor: {report['count']} prepared-data reads, same pool "
        f"| {report['floor_s']:.1f} | {report['floor_s'] / report['count']:.2f} "
        f"| workbook {report['floor_ratio']:.2f}× the floor | ≤ {TARGET_FLOOR:g}× |",
    ]
    if "one_worker_s" in report:
        rows.append(
            f"| workbook batch on 1 worker | {report['one_worker_s']:.1f} "
            f"| {report['one_worker_s'] / report['count']:.2f} "
            f"| 1 → {report['workers']} workers: {report['scaling']:.2f}× | ≥ {TARGET_SCALING:g}× |"
        )
    head = (
        f"Batch: {report['notebook']} on {report['dataset']} {report['quarter']}, "
        f"{report['cores']} cores.\n\n"
    )
    return head + "\n".join(rows) + "\n"


def within_targets(report: dict) -> bool:
    """Whether every target is met."""
    return (
        report["naive_ratio"] >= TARGET_NAIVE
        and report["floor_ratio"] <= TARGET_FLOOR
        and report.get("scaling", TARGET_SCALING) >= TARGET_SCALING
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the report batch.")
    parser.add_argument("--count", type=int, default=100, help="partner packs per batch")
    parser.add_argument("--naive-count", type=int, default=10, help="notebooks in the naive loop")
    parser.add_argument("--workers", type=int, default=None, help="workers (default: cores)")
    parser.add_argument("--no-one-worker", action="store_true", help="skip the 1-worker run")
    args = parser.parse_args(argv)
    report = run(
        count=args.count, naive_count=args.naive_count, workers=args.workers,
        one_worker=not args.no_one_worker,
    )  # fmt: skip
    print(table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
