"""The records a batch is made of: its parameters, each quarter's plan, each report's outcome.

- :class:`BatchParameters` — what ``channel-workbook report`` (or :func:`~channel_lib.batch.run.
  run_batch`) was asked to do, frozen;
- :class:`QuarterPlan` — one quarter of a batch: its folder, its report tasks and their outcomes;
- :class:`NotebookRun` — the outcome of one report (one entry of ``manifest.json``);
  :func:`brief_page` — a partner pack's internal brief.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from channel_lib.batch.engine import FRESH_ENGINE, WARM_ENGINE
from channel_lib.batch.notebook import BRIEF_FOLDER, ReportTask

#: Default partner selection of ``channel-workbook report``.
DEFAULT_PARTNERS = "flagged+top:10"


@dataclass(frozen=True)
class BatchParameters:
    """What a batch is asked to run (the arguments of :func:`channel_lib.batch.run.run_batch`).

    Attributes
    ----------
    data_dir : str or Path
        Dataset folder (validated first: a broken dataset fails before any notebook runs).
    quarter : str
        ``"latest"``, ``"FY2026-Q3"`` or a range ``"FY2026-Q1..FY2026-Q4"``.
    out_dir : str or Path
        Reports go to ``out_dir/<quarter>/``; the prepared data to ``out_dir/.prepared/``.
    plans_dir : str or Path
        The plans folder passed to notebooks that declare ``plans_dir``.
    notebooks : str or sequence of str, optional
        Names to run (comma list or sequence, with or without ``.ipynb``); default all.
    notebooks_dir : str or Path, optional
        Folder of the notebooks (``None``: the project's ``notebooks/``).
    resume : bool
        Run only what is pending, failed or missing since the last run on the same inputs.
    partners : str, optional
        Partner selection for partner-level notebooks
        (:func:`channel_lib.batch.planning.select_partners`).
    workers : int, optional
        Parallel worker processes (default: the number of cores).
    scheduler : str, optional
        Dask scheduler address; the reports run on that cluster instead of local processes.
    fresh_kernels : bool
        A fresh kernel per notebook (papermill's own engine) instead of the warm pool.
    cell_timeout : float or None
        Seconds one cell may run.
    pdf : bool
        After the pages are written, print each one to ``<report>.pdf``
        (:func:`channel_lib.batch.pdf.print_pages`, Debian's chromium, one browser).
    paper : str
        Paper size of the PDFs: ``"A4"`` or ``"Letter"``.
    pseudonymise : str, optional
        ``customers``, ``partners`` or ``customers,partners``: those names are replaced by stable
        pseudonyms in every page, export and pack title (:mod:`channel_lib.data.pseudonyms`);
        ``None`` follows the environment variable ``CHANNEL_WORKBOOK_PSEUDONYMISE``, ``"none"``
        turns it off.

    Examples
    --------
    >>> BatchParameters("data/sample", fresh_kernels=True).engine
    'nbclient'
    """

    data_dir: str | Path
    quarter: str = "latest"
    out_dir: str | Path = "reports"
    plans_dir: str | Path = "plans"
    notebooks: str | Sequence[str] | None = None
    notebooks_dir: str | Path | None = None
    resume: bool = False
    partners: str | None = DEFAULT_PARTNERS
    workers: int | None = None
    scheduler: str | None = None
    fresh_kernels: bool = False
    cell_timeout: float | None = 1800
    pdf: bool = False
    paper: str = "A4"
    pseudonymise: str | None = None

    @property
    def engine(self) -> str:
        """The papermill engine: the warm pool, or papermill's own with ``fresh_kernels``."""
        return FRESH_ENGINE if self.fresh_kernels else WARM_ENGINE

    @classmethod
    def from_cli(cls, args: argparse.Namespace) -> BatchParameters:
        """The parameters of ``channel-workbook report`` from its parsed arguments.

        Uses ``args.data``, ``args.plans``, ``args.quarter``, ``args.out`` and, when present,
        ``args.notebooks``, ``args.notebooks_dir``, ``args.partners``, ``args.workers``,
        ``args.scheduler``, ``args.fresh_kernels``, ``args.resume``, ``args.pdf``,
        ``args.paper`` and ``args.pseudonymise``.
        """
        return cls(
            args.data, args.quarter, out_dir=args.out, plans_dir=args.plans,
            notebooks=getattr(args, "notebooks", None),
            notebooks_dir=getattr(args, "notebooks_dir", None),
            resume=bool(getattr(args, "resume", False)),
            partners=getattr(args, "partners", DEFAULT_PARTNERS),
            workers=getattr(args, "workers", None), scheduler=getattr(args, "scheduler", None),
            fresh_kernels=bool(getattr(args, "fresh_kernels", False)),
            pdf=bool(getattr(args, "pdf", False)), paper=getattr(args, "paper", None) or "A4",
            pseudonymise=getattr(args, "pseudonymise", None),
        )  # fmt: skip


@dataclass
class NotebookRun:
    """Outcome of one notebook in a batch (one entry of ``manifest.json``)."""

    name: str
    quarter: str
    status: str  # "ok", "failed", "skipped" (resume: ok before) or "pending" (not finished)
    parameters: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    export_seconds: float = 0.0
    error: str | None = None
    ipynb: str | None = None
    html: str | None = None  # a partner pack's deck for the partner (partners/<id>.html)
    brief: str | None = None  # a partner pack's internal brief (briefs/<id>.html; brief_page)
    xlsx: str | None = None  # the report's tables in Excel (None: not written, or no table)
    pdf: str | None = None  # the printed page (None: not asked for, or it failed: pdf_error)
    pdf_error: str | None = None
    key: str = ""  # the notebook name, or partners/<partner_id> for a partner pack
    partner_id: str | None = None
    partner_name: str | None = None
    worker: str | None = None

    def __post_init__(self) -> None:
        self.key = self.key or self.name


def brief_page(run: NotebookRun) -> str | None:
    """A partner pack's internal brief: ``run.brief``, else the page beside its executed
    notebook when one was written (the executed notebook lives with the brief, ``briefs/``);
    ``None`` for a company report or a pack without a brief.

    Examples
    --------
    >>> brief_page(NotebookRun("06_partner_review", "FY2026-Q4", "ok", brief="b/P1.html"))
    'b/P1.html'
    >>> brief_page(NotebookRun("00_quarter_overview", "FY2026-Q4", "ok", ipynb="00.ipynb")) is None
    True
    """
    if run.brief or run.partner_id is None or not run.ipynb:
        return run.brief
    page = Path(run.ipynb).with_suffix(".html")
    return str(page) if page.parent.name == BRIEF_FOLDER and page.exists() else None


@dataclass
class QuarterPlan:
    """One quarter of a batch: where its reports go, what runs, and how each run ended.

    Attributes
    ----------
    label, reason : str
        The quarter and the sentence saying why it was chosen.
    folder : Path
        ``<out>/<quarter>/``.
    tasks : list of ReportTask
        The reports of the quarter, in plan order.
    runs : dict
        Task key → :class:`NotebookRun`, in plan order.
    started : str
        When the quarter was planned (ISO time, UTC, seconds).
    partners : list of str
        The partners selected for its partner packs.
    pack_files : dict
        Partner id → the file name (no extension) of its pack
        (:func:`~channel_lib.batch.planning.pack_file_names`); in the manifest as
        ``pack_files``.
    """

    label: str
    reason: str
    folder: Path
    tasks: list[ReportTask] = field(default_factory=list)
    runs: dict[str, NotebookRun] = field(default_factory=dict)
    started: str = ""
    partners: list[str] = field(default_factory=list)
    pack_files: dict[str, str] = field(default_factory=dict)


__all__ = ["DEFAULT_PARTNERS", "BatchParameters", "NotebookRun", "QuarterPlan", "brief_page"]
