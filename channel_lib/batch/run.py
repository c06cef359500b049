"""A report batch from its parameters to the report index: the orchestrator.

``channel-workbook report`` runs, for each quarter asked for, every company-level numbered
notebook (``notebooks/[0-9][0-9]_*.ipynb``) once and every partner-level notebook (one whose
``parameters`` cell declares ``partner_id``) once per selected partner, and writes under
``<out>/<quarter>/``:

- ``<name>.ipynb`` — the executed notebook, the audit trail (kept when it fails, error cell marked);
- ``<name>.html`` — the self-contained offline report
  (:func:`channel_lib.presentation.html.export_html`);
- ``<name>.xlsx`` — every table of the report in full, one sheet each
  (:mod:`channel_lib.presentation.spreadsheet`; linked under the page's title);
- ``<name>.pdf`` — with ``pdf=True`` (``--pdf``), the page printed by Debian's chromium, one
  browser for the whole batch, after every chart has drawn (:mod:`channel_lib.batch.pdf`);
- ``partners/<partner_id>.ipynb`` and ``.html`` — the partner packs;
- ``index.html`` — headline KPIs, and links to every report with its status, time and error;
- ``manifest.json`` — parameters, input checksums, package versions, timings, status, errors.

How it runs
-----------
The dataset is loaded and validated once (bad data stops the batch before any notebook starts)
and cached as Parquet under ``<out>/.prepared/<key>/`` (:mod:`channel_lib.data.prepared`); notebooks
read that cache through ``open_workbook``. Quarters run one after the other, oldest first (each
reviews the actions the quarters before raised); within a quarter the reports run concurrently on
a :class:`concurrent.futures.Executor` — a local process pool or a Dask cluster
(:mod:`channel_lib.batch.executors`) — on pre-warmed kernels (:mod:`channel_lib.batch.engine`)
unless fresh kernels are asked for, the notebook raising the company-wide actions (05) before the
partner packs (:func:`~channel_lib.batch.planning.quarter_order`), with one progress bar over the
whole batch on stderr.

This module only orchestrates: :mod:`.planning` decides what runs, :mod:`.notebook` runs one report,
:mod:`.index` writes the index and manifest. The names callers imported from here before the batch
was split (``run_notebook``, ``select_partners``, ``notebook_parameters``, ...) stay importable.

Every file is written atomically (temporary name, then rename). ``manifest.json`` and
``index.html`` are rewritten after each finished report: a report not yet finished is listed as
``pending``, so a batch killed at any moment leaves no entry that looks complete, and
``--resume`` runs only what is pending, failed or missing. A failing notebook does not stop the
others; the command then exits with status 1.

A write that fails (a full disk, a folder turned read-only) leaves the previous file or none
under the final name: a report whose notebook or page could not be written is ``failed`` with
the write's error, and when the index or manifest themselves cannot be written the batch still
runs to the end, tries them again, and raises :class:`BatchWriteError` naming what is missing
(the command prints it and exits with status 1).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm  # plain tqdm: tqdm.auto would be a widget inside a kernel

from channel_lib.batch.executors import execute_task, make_executor
from channel_lib.batch.index import (
    IndexContent,
    kpi_table,
    manifest_common,
    package_versions,
    write_quarter,
)
from channel_lib.batch.notebook import KERNEL_NAME, ReportTask, error_message, run_notebook
from channel_lib.batch.pdf import check_printer, print_pages
from channel_lib.batch.planning import (
    NOTEBOOK_GLOB,
    PARTNERS_FOLDER,
    BatchPlan,
    notebook_parameters,
    plan_batch,
    quarter_order,
    replan_quarter,
    report_title,
    resolve_quarters,
    select_notebooks,
    select_partners,
)
from channel_lib.batch.records import DEFAULT_PARTNERS, BatchParameters, NotebookRun, QuarterPlan
from channel_lib.core import config
from channel_lib.core.errors import ChannelLibError

#: The project root (notebooks resolve their paths from it; papermill runs kernels here): an alias
#: of :data:`channel_lib.core.config.PROJECT_ROOT`, its one home.
PROJECT_ROOT = config.PROJECT_ROOT
#: The notebooks a batch runs when no folder is given (read when a batch starts, so a test can
#: point it at its own folder).
NOTEBOOKS = config.NOTEBOOKS_DIR
#: The fields of a report's record (:func:`~channel_lib.batch.notebook.execute_task`) copied onto
#: its :class:`NotebookRun`.
RECORD_FIELDS = (
    "status", "seconds", "export_seconds", "error", "ipynb", "html", "xlsx", "worker",
)  # fmt: skip


class BatchWriteError(ChannelLibError):
    """A quarter's ``index.html`` or ``manifest.json`` could not be written (a full disk, a
    read-only folder); the reports ran as far as they could.

    Attributes
    ----------
    runs : list of NotebookRun
        The batch's runs, as far as they got (empty when it stopped before running any).
    """

    def __init__(self, message: str, runs: Sequence[NotebookRun] = ()) -> None:
        super().__init__(message)
        self.runs = list(runs)


def run_batch(
    data_dir: str | Path,
    quarter: str = "latest",
    *,
    out_dir: str | Path = "reports",
    plans_dir: str | Path = "plans",
    notebooks: str | Sequence[str] | None = None,
    notebooks_dir: str | Path | None = None,
    resume: bool = False,
    partners: str | None = DEFAULT_PARTNERS,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh_kernels: bool = False,
    executor: Executor | None = None,
    cell_timeout: float | None = 1800,
    pdf: bool = False,
    paper: str = "A4",
    pseudonymise: str | None = None,
) -> list[NotebookRun]:
    """Run the notebooks for one or more quarters (in order; each in parallel); see the module
    docstring.

    Parameters
    ----------
    data_dir, quarter, out_dir, plans_dir, notebooks, notebooks_dir, resume, partners
        The fields of :class:`~channel_lib.batch.records.BatchParameters` (same names, same
        defaults; its docstring says what each does). ``notebooks_dir=None`` runs the project's
        ``notebooks/`` (:data:`NOTEBOOKS`).
    workers, scheduler, fresh_kernels, cell_timeout, pdf, paper, pseudonymise
        The other fields of :class:`~channel_lib.batch.records.BatchParameters`, likewise
        (``pdf=True``: every page is also printed to ``<report>.pdf`` on ``paper``;
        ``pseudonymise="customers"``: customer names are replaced by pseudonyms everywhere).
    executor : concurrent.futures.Executor, optional
        Run on this executor (e.g. ``distributed.Client.get_executor()``); it is not shut down.

    Returns
    -------
    list of NotebookRun
        One per report and quarter, in plan order, with status ``"ok"``, ``"failed"`` or
        ``"skipped"``.

    Raises
    ------
    DataValidationError, ParameterError
        Bad dataset, quarter, notebook names or partner selection (before anything runs).
    BatchWriteError
        A quarter's index or manifest could not be written.
    PdfError
        ``pdf=True`` and chromium or Playwright is missing (before anything runs).
    """
    params = BatchParameters(
        data_dir, quarter, out_dir=out_dir, plans_dir=plans_dir, notebooks=notebooks,
        notebooks_dir=notebooks_dir, resume=resume, partners=partners, workers=workers,
        scheduler=scheduler, fresh_kernels=fresh_kernels, cell_timeout=cell_timeout, pdf=pdf,
        paper=paper, pseudonymise=pseudonymise,
    )  # fmt: skip
    return execute_batch(params, executor=executor)


def execute_batch(
    params: BatchParameters, *, executor: Executor | None = None
) -> list[NotebookRun]:
    """Plan the batch (:func:`~channel_lib.batch.planning.plan_batch`), run what is to run, and
    keep every quarter's index and manifest up to date; see :func:`run_batch`.

    Parameters
    ----------
    params : BatchParameters
        ``notebooks_dir=None`` runs the notebooks of :data:`NOTEBOOKS`.
    executor : concurrent.futures.Executor, optional
        Run on this executor; it is not shut down. Default: :func:`make_executor`'s.

    Returns
    -------
    list of NotebookRun
        One per report and quarter, in plan order.

    Raises
    ------
    BatchWriteError
        A quarter's index or manifest could not be written: before any report runs (nothing
        runs then), or at the end (every report ran; ``runs`` on the error).
    """
    if params.notebooks_dir is None:
        params = replace(params, notebooks_dir=NOTEBOOKS)
    if params.pdf:
        check_printer()  # a missing browser costs no report run
    plan = plan_batch(params)
    common = manifest_common(plan, params)
    kpis = {q.label: kpi_table(plan.dataset, q, plan.plans_dir) for q in plan.quarters}
    problems: dict[str, str] = {}
    for q in plan.quarters:
        _write_quarter(q, problems, common=common, kpis=kpis[q.label], finished=False)
    if problems:  # nothing can be recorded: run nothing
        raise BatchWriteError(_write_problems(problems, ran=False))
    n_skipped = sum(len(q.runs) for q in plan.quarters) - len(plan.todo)
    if n_skipped:
        print(f"resume: {n_skipped} reports were ok in the last run; skipped", file=sys.stderr)
    if plan.todo:
        _run_reports(plan, params, executor, common=common, kpis=kpis, problems=problems)
    if params.pdf:
        _print_pdfs(plan, params)
    runs: list[NotebookRun] = []
    for q in plan.quarters:
        if _write_quarter(q, problems, common=common, kpis=kpis[q.label], finished=True):
            print(f"index: {q.folder / 'index.html'}", file=sys.stderr)
        runs += q.runs.values()
    if problems:
        raise BatchWriteError(_write_problems(problems, ran=True), runs)
    return runs


def _write_quarter(
    q: QuarterPlan, problems: dict[str, str], *, common: dict[str, Any], kpis: str,
    finished: bool,
) -> bool:  # fmt: skip
    """:func:`~channel_lib.batch.index.write_quarter`, a failed write kept in ``problems``
    (quarter → message; a later successful write of the quarter clears it). True if written."""
    try:
        q.folder.mkdir(parents=True, exist_ok=True)
        write_quarter(q, common=common, kpis=kpis, finished=finished)
    except OSError as exc:
        problems[q.label] = (
            f"{q.folder}: index.html and manifest.json could not be written ({error_message(exc)})"
        )
        return False
    problems.pop(q.label, None)
    return True


def _write_problems(problems: dict[str, str], *, ran: bool) -> str:
    """The message of a :class:`BatchWriteError`."""
    lines = "\n".join(f"  {m}" for m in problems.values())
    if not ran:
        return (
            f"the batch cannot write its report index, so no report was run:\n{lines}\n"
            "choose an --out folder you can write to, or free disk space"
        )
    return (
        f"the reports ran, but the report index could not be written:\n{lines}\n"
        "each manifest.json on disk is from before (status 'running' or an earlier run), so "
        "its reports cannot be trusted as complete; free disk space and re-run with --resume"
    )


def _run_reports(
    plan: BatchPlan, params: BatchParameters, executor: Executor | None, *,
    common: dict[str, Any], kpis: dict[str, IndexContent], problems: dict[str, str],
) -> None:  # fmt: skip
    """Run ``plan.todo`` on the executor, quarter after quarter, recording each report as it
    finishes.

    A quarter after the first is planned again when it is reached
    (:func:`~channel_lib.batch.planning.replan_quarter`: the actions the quarter before raised
    are in the log now) and its index summary recomputed; within a quarter the reports run
    concurrently in :func:`~channel_lib.batch.planning.quarter_order` (the notebook raising the
    company-wide actions before the partner packs). The index and manifest are rewritten whole:
    at most twice a second while it runs (a failure at once), or 100 reports cost the main
    process O(n²) writes; a report done but not yet listed is only re-run by ``--resume``, never
    lost. One line per finished report goes to stderr.
    """
    last_write: dict[str, float] = {}
    total = len(plan.todo)
    done = 0
    with _executor(params, executor, total) as pool, _progress(total) as bar:
        for i in range(len(plan.quarters)):
            q = plan.quarters[i]
            if i > 0:  # the quarters before have run: their actions are in the log
                before = len(plan.todo)
                q = replan_quarter(plan, q)
                kpis[q.label] = kpi_table(plan.dataset, q, plan.plans_dir)
                _write_quarter(q, problems, common=common, kpis=kpis[q.label], finished=False)
                bar.total = total = total + len(plan.todo) - before
            order = quarter_order(plan, plan.quarter_todo(q))
            for task, future in _run_in_order(pool, order):
                done += 1
                record = _record_run(q.runs[task.key], future)
                if record.status != "ok" or time.monotonic() - last_write.get(q.label, 0.0) > 0.5:
                    # a failed write (full disk) is kept in problems; the batch goes on
                    _write_quarter(q, problems, common=common, kpis=kpis[q.label], finished=False)
                    last_write[q.label] = time.monotonic()
                bar.update(1)
                tail = f" — {record.error}" if record.error else ""
                bar.write(
                    f"[{done}/{total}] {q.label} {task.key}: {record.status} in "
                    f"{record.seconds:.1f} s (+{record.export_seconds:.2f} s HTML){tail}",
                    file=sys.stderr,
                )
            if order:  # every report of the quarter listed before the next quarter starts
                _write_quarter(q, problems, common=common, kpis=kpis[q.label], finished=False)


def _run_in_order(
    pool: Executor, order: Sequence[tuple[ReportTask, set]]
) -> Iterator[tuple[ReportTask, Future]]:
    """Submit each task of ``order`` once the keys it waits for have finished; yield each task
    with its future as it finishes (:func:`~channel_lib.batch.planning.quarter_order`)."""
    waiting = list(order)
    finished: set[str] = set()
    running: dict[Future, ReportTask] = {}
    while waiting or running:
        ready = [(t, after) for t, after in waiting if after <= finished]
        for task, _ in ready:
            running[pool.submit(execute_task, task)] = task
        waiting = [(t, after) for t, after in waiting if not after <= finished]
        if not running:  # waits for a key that never runs: a planning error
            raise ChannelLibError(
                "reports wait for reports that are not planned: "
                + ", ".join(f"{t.key} after {sorted(a - finished)}" for t, a in waiting)
            )
        complete, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in complete:
            task = running.pop(future)
            finished.add(task.key)
            yield task, future


def _print_pdfs(plan: BatchPlan, params: BatchParameters) -> None:
    """Print every page the batch has (written now or, with ``--resume``, before) to
    ``<report>.pdf`` with one browser (:func:`~channel_lib.batch.pdf.print_pages`); a page that
    could not be printed keeps its reason in ``pdf_error`` and gets a line on stderr."""
    runs = [
        r for q in plan.quarters for r in q.runs.values()
        if r.html and r.status in ("ok", "skipped") and Path(r.html).exists()
    ]  # fmt: skip
    if not runs:
        return
    targets = {r.key + "\0" + r.quarter: Path(r.html).with_suffix(".pdf") for r in runs}
    with tqdm(
        total=len(runs), desc="pdf", unit="page", file=sys.stderr, dynamic_ncols=True,
        disable=None,
    ) as bar:  # fmt: skip
        results = print_pages(
            [(r.html, targets[r.key + "\0" + r.quarter]) for r in runs],
            paper=params.paper, progress=bar.update,
        )  # fmt: skip
    for r in runs:
        target = targets[r.key + "\0" + r.quarter]
        r.pdf_error = results.get(target, "not printed")
        r.pdf = str(target) if r.pdf_error is None else None
        if r.pdf_error:
            print(f"pdf: {r.quarter} {r.key}: {r.pdf_error}", file=sys.stderr)


def _executor(
    params: BatchParameters, executor: Executor | None, n_reports: int
) -> AbstractContextManager[Executor]:
    """The caller's executor (left running), or a new one shut down when the batch ends."""
    if executor is not None:
        return nullcontext(executor)
    # no more worker processes (and warm kernels) than reports to run
    workers = min(params.workers or os.cpu_count() or 1, max(n_reports, 1))
    return make_executor(workers, scheduler=params.scheduler, warm=not params.fresh_kernels)


def _record_run(run: NotebookRun, future: Future) -> NotebookRun:
    """Copy a finished report's record onto its run (a dead worker is a failed report)."""
    try:
        record = future.result()
    except Exception as exc:  # the worker died or the executor failed
        record = {"status": "failed", "error": f"worker: {error_message(exc)}"}
    for attr in RECORD_FIELDS:
        if attr in record:
            setattr(run, attr, record[attr])
    return run


def _progress(total: int) -> tqdm:
    # disable=None: a bar on a terminal; in a CI log or a file only the one line per report
    return tqdm(
        total=total,
        desc="reports",
        unit="report",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,
    )


def run_quarter(
    ds,
    quarter: str,
    reason: str,
    notebooks: Sequence[Path],
    out_dir: Path,
    *,
    plans_dir: Path,
    resume: bool = False,
    **options: Any,
) -> list[NotebookRun]:
    """Run ``notebooks`` for one quarter into ``out_dir/<quarter>/`` (see :func:`run_batch`).

    Kept for callers of the first, sequential version; ``options`` go to :func:`run_batch`.
    """
    folder = Path(notebooks[0]).parent if notebooks else NOTEBOOKS
    return run_batch(
        ds.folder, quarter, out_dir=out_dir, plans_dir=plans_dir,
        notebooks=[Path(p).stem for p in notebooks], notebooks_dir=folder, resume=resume,
        **options,
    )  # fmt: skip


def run_batch_from_cli(args: argparse.Namespace) -> int:
    """``channel-workbook report``: run the reports, return the exit status (0 ok, 1 failures).

    A report that failed, or an index or manifest that could not be written
    (:class:`BatchWriteError`), gives status 1 and a message, not a traceback.

    The parameters come from the parsed arguments (:meth:`BatchParameters.from_cli`).
    """
    t0 = time.perf_counter()
    write_error: BatchWriteError | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)
        warnings.showwarning = _show_warning
        try:
            runs = execute_batch(BatchParameters.from_cli(args))
        except BatchWriteError as exc:
            write_error, runs = exc, exc.runs
    failed = [r for r in runs if r.status == "failed"]
    unprinted = [r for r in runs if r.pdf_error]
    skipped = sum(r.status == "skipped" for r in runs)
    print(
        f"done in {time.perf_counter() - t0:.1f} s: {len(runs)} reports, {len(failed)} failed"
        + (f", {skipped} skipped (ok before)" if skipped else ""),
        file=sys.stderr,
    )
    for r in failed:
        print(f"  failed: {r.quarter} {r.key} — {r.error}", file=sys.stderr)
    if failed:
        print(
            "fix the notebooks or data, then re-run with --resume to run only these",
            file=sys.stderr,
        )
    for r in unprinted:
        print(f"  no PDF: {r.quarter} {r.key} — {r.pdf_error}", file=sys.stderr)
    if write_error is not None:
        print(f"error: {write_error}", file=sys.stderr)
    return 1 if failed or unprinted or write_error is not None else 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr)


__all__ = [
    "DEFAULT_PARTNERS",
    "KERNEL_NAME",
    "NOTEBOOKS",
    "NOTEBOOK_GLOB",
    "PARTNERS_FOLDER",
    "PROJECT_ROOT",
    "BatchParameters",
    "BatchWriteError",
    "NotebookRun",
    "QuarterPlan",
    "ReportTask",
    "execute_batch",
    "notebook_parameters",
    "package_versions",
    "report_title",
    "resolve_quarters",
    "run_batch",
    "run_batch_from_cli",
    "run_notebook",
    "run_quarter",
    "select_notebooks",
    "select_partners",
]
